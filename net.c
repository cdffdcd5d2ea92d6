/* see net.h */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net.h"

struct net_trace net_trace;

long long
clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
ms_left(long long deadline)
{
	long long left = deadline - clock_ms();

	if (left <= 0)
		return 0;
	return left > 0x7fffffff ? 0x7fffffff : (int)left;
}

int
net_wait(int fd, short events, long long deadline)
{
	struct pollfd pfd;
	int r;

	for (;;) {
		int left = ms_left(deadline);

		if (left == 0)
			return 0;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, left);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return 1;	/* let the next read or write report it */
	}
}

/* An address as text (RFC 5952 for IPv6), without inet_ntop() and its printf. */
static void
addrname(const struct addrinfo *ai, char *dst, size_t cap)
{
	const unsigned char *a;
	size_t n = 0;
	int i, best = -1, bestlen = 1, run;

	if (ai->ai_family == AF_INET) {
		a = (const unsigned char *)&((const struct sockaddr_in *)ai->ai_addr)->sin_addr;
		fmt(dst, cap, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		return;
	}
	a = ((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr.s6_addr;
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
try_addr(const struct addrinfo *ai, long long deadline)
{
	int fd, err, one = 1;
	socklen_t len = sizeof err;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    ai->ai_protocol);
	if (fd < 0)
		return -1;
	/* small records go out at once: Nagle plus a delayed ACK cost 40 ms a flight */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EINTR)
		goto bad;
	if (!net_wait(fd, POLLOUT, deadline)) {
		errno = ETIMEDOUT;
		goto bad;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
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
    int connect_ms, struct fail *f)
{
	struct addrinfo hints, *res, *ai;
	char addr[48];
	int fd = -1, r;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	memset(&net_trace, 0, sizeof net_trace);
	note("resolving %s", host);
	r = getaddrinfo(host, port, &hints, &res);
	if (r != 0) {
		if (r == EAI_NONAME
#ifdef EAI_NODATA	/* glibc hides it without _GNU_SOURCE */
		    || r == EAI_NODATA
#endif
		    )
			fail(f, XC_DNS, "name resolution: %s: no such host; "
			    "check the URL, /etc/hosts and the DNS search domains", host);
		else if (r == EAI_AGAIN)
			fail(f, XC_DNS, "name resolution: %s: no answer "
			    "from the DNS servers in /etc/resolv.conf", host);
		else if (r == EAI_FAIL)
			fail(f, XC_DNS, "name resolution: %s: the DNS server "
			    "failed (SERVFAIL or REFUSED)", host);
		else
			fail(f, XC_DNS, "name resolution: %s: %s", host,
			    r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		f->io = 1;
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6) &&
		    net_trace.naddr++ < NET_TRACE_ADDRS)
			addrname(ai, net_trace.addr[net_trace.naddr - 1], sizeof addr);
	for (ai = res; ai != NULL && ms_left(deadline) > 0; ai = ai->ai_next) {
		long long until = clock_ms() + connect_ms;

		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		addrname(ai, addr, sizeof addr);
		note("connecting to %s port %s", addr, port);
		if ((fd = try_addr(ai, until < deadline ? until : deadline)) >= 0)
			break;
		if (errno == ETIMEDOUT && ms_left(deadline) == 0)
			fail(f, XC_TIMEOUT, "connect to %s port %s: deadline "
			    "passed (--timeout)", addr, port);
		else if (errno == ETIMEDOUT)
			fail(f, XC_TIMEOUT, "connect to %s port %s: no answer within "
			    "--connect-timeout", addr, port);
		else
			fail(f, XC_CONNECT, "connect to %s port %s: %s", addr, port,
			    strerror(errno));
		f->io = 1;
		note("%s", f->text);
	}
	freeaddrinfo(res);
	if (fd >= 0) {
		memcpy(net_trace.connected, addr, sizeof addr);
		note("connected to %s port %s", addr, port);
		return fd;
	}
	if (net_trace.naddr == 0 && ms_left(deadline) > 0)
		fail(f, XC_DNS, "name resolution: %s: no IPv4 or IPv6 address", host);
	else if (net_trace.naddr == 0)
		fail(f, XC_TIMEOUT, "name resolution: %s: deadline passed (--timeout)",
		    host);
	return -1;
}
