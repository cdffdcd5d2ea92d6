/* see net.h */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"
#include "net.h"

long long
clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

volatile sig_atomic_t net_cut;
int net_cutfd = -1;

int
ms_left(long long deadline)
{
	long long left = deadline - clock_ms();

	if (left <= 0 || net_cut)
		return 0;
	return left > 0x7fffffff ? 0x7fffffff : (int)left;
}

int
net_wait(int fd, short events, long long deadline)
{
	struct pollfd pfd[2];
	int r;

	for (;;) {
		int left = ms_left(deadline);

		if (left == 0)
			return 0;
		pfd[0].fd = fd;
		pfd[0].events = events;
		pfd[1].fd = net_cutfd;	/* ignored when -1 */
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		r = poll(pfd, 2, left);
		if (r > 0 && pfd[1].revents)
			return 0;
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return 1;	/* let the next read or write report it */
	}
}

/* ---- name resolution ---- */

#define ADDRS_MAX 16	/* the first of the resolver's order that are tried */

struct answer {
	int n;
	struct {
		socklen_t len;
		struct sockaddr_in6 sa;	/* or a sockaddr_in */
	} a[ADDRS_MAX];
};

/* Resolve host into a, before deadline: 0 or the class with f filled. */
static int
resolve(const char *host, const char *port, long long deadline, struct answer *a,
    struct fail *f)
{
	static struct dns_addr got[DNS_MAX];
	uint16_t pn = 0;
	const char *p;
	int i, n, err;

	for (p = port; *p; p++)
		pn = (uint16_t)(pn * 10 + (*p - '0'));
	memset(a, 0, sizeof *a);
	n = dns_resolve(host, deadline, got, &err);
	if (n == DNS_TIMEOUT)
		return fail(f, XC_TIMEOUT, "name resolution: %s: no answer before the "
		    "deadline (--timeout); check /etc/resolv.conf and the DNS servers",
		    host);
	if (n < 0 && ms_left(deadline) == 0)
		return fail(f, XC_TIMEOUT, "name resolution: %s: deadline passed "
		    "(--timeout)", host);
	if (n == DNS_AGAIN)
		return fail(f, XC_DNS, "name resolution: %s: no answer "
		    "from the DNS servers in /etc/resolv.conf", host);
	if (n == DNS_SYSTEM)
		return fail(f, XC_DNS, "name resolution: %s: %s", host, errstr(err));
	if (n <= 0)
		return fail(f, XC_DNS, "name resolution: %s: no such host; "
		    "check the URL, /etc/hosts and the DNS search domains", host);
	for (i = 0; i < n && i < ADDRS_MAX; i++) {
		struct sockaddr_in6 *s6 = &a->a[i].sa;
		struct sockaddr_in *s4 = (struct sockaddr_in *)s6;

		if (got[i].family == AF_INET) {
			s4->sin_family = AF_INET;
			s4->sin_port = htons(pn);
			memcpy(&s4->sin_addr, got[i].ip, 4);
			a->a[i].len = sizeof *s4;
		} else {
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(pn);
			s6->sin6_scope_id = got[i].scope;
			memcpy(&s6->sin6_addr, got[i].ip, 16);
			a->a[i].len = sizeof *s6;
		}
	}
	a->n = i;
	return 0;
}

/* ---- connecting ---- */

/* An address as text (RFC 5952 for IPv6), without inet_ntop() and its printf. */
static void
addrname(const struct sockaddr *sa, char *dst, size_t cap)
{
	const unsigned char *a;
	size_t n = 0;
	int i, best = -1, bestlen = 1, run;

	if (sa->sa_family == AF_INET) {
		a = (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
		fmt(dst, cap, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		return;
	}
	a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	for (i = 0; i < 8; i += run > 0 ? run : 1) {	/* the longest run of zero groups */
		for (run = 0; i + run < 8 && a[2 * (i + run)] == 0 &&
		    a[2 * (i + run) + 1] == 0; run++)
			;
		if (run > bestlen) {
			best = i;
			bestlen = run;
		}
	}
	dst[0] = '\0';
	for (i = 0; i < 8; i++) {
		if (i == best) {
			n = fmtcat(dst, cap, n, "::");
			i += bestlen - 1;
			continue;
		}
		n = fmtcat(dst, cap, n, "%s%x", i > 0 && i != best + bestlen ? ":" : "",
		    (unsigned)(a[2 * i] << 8 | a[2 * i + 1]));
	}
}

/* Connect to one address: the socket, or -1 with errno (ETIMEDOUT for the deadline). */
static int
try_addr(const struct sockaddr *sa, socklen_t len, long long deadline)
{
	int fd, err, one = 1;
	socklen_t elen = sizeof err;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* small records go out at once: Nagle plus a delayed ACK cost 40 ms a flight */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, sa, len) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EINTR)
		goto bad;
	if (!net_wait(fd, POLLOUT, deadline)) {
		errno = ETIMEDOUT;
		goto bad;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
		goto bad;
	if (err == 0)
		return fd;
	errno = err;
bad:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

int
net_connect(const char *host, const char *port, long long deadline,
    int connect_ms, struct trace *t, int *fdp, struct fail *f)
{
	static struct answer a;
	char addr[48];
	int i, fd, cls = XC_INTERNAL;

	*fdp = -1;
	note("resolving %s", host);
	if ((cls = resolve(host, port, deadline, &a, f)) != 0) {
		f->io = 1;
		return cls;
	}
	if (t != NULL) {
		t->stage = TR_RESOLVED;
		t->naddr = a.n;
		for (i = 0; i < a.n && i < TRACE_ADDRS; i++)
			addrname((struct sockaddr *)&a.a[i].sa, t->addr[i], sizeof t->addr[i]);
	}
	for (i = 0; i < a.n; i++) {
		const struct sockaddr *sa = (const struct sockaddr *)&a.a[i].sa;
		long long until = clock_ms() + connect_ms;

		addrname(sa, addr, sizeof addr);
		if (ms_left(deadline) == 0) {
			cls = fail(f, XC_TIMEOUT, "connect to %s port %s: deadline passed "
			    "(--timeout)", addr, port);
			break;
		}
		note("connecting to %s port %s", addr, port);
		if ((fd = try_addr(sa, a.a[i].len,
		    until < deadline ? until : deadline)) >= 0) {
			if (t != NULL) {
				t->stage = TR_CONNECTED;
				memcpy(t->connected, addr, sizeof addr);
			}
			note("connected to %s port %s", addr, port);
			*fdp = fd;
			return 0;
		}
		if (errno == ETIMEDOUT && ms_left(deadline) == 0)
			cls = fail(f, XC_TIMEOUT, "connect to %s port %s: deadline "
			    "passed (--timeout)", addr, port);
		else if (errno == ETIMEDOUT)
			cls = fail(f, XC_TIMEOUT, "connect to %s port %s: no answer "
			    "within --connect-timeout", addr, port);
		else
			cls = fail(f, XC_CONNECT, "connect to %s port %s: %s", addr, port,
			    errstr(errno));
		note("%s", f->text);
	}
	f->io = 1;
	return cls;
}
