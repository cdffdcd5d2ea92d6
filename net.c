/* see net.h */
#define _GNU_SOURCE	/* pipe2() in glibc (the sanitizer builds) */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
volatile pid_t net_child;
volatile sig_atomic_t net_child_gone;

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

/* ---- name resolution, in a child process ---- */

#define ADDRS_MAX 16

/* What the child sends back, in one write (well under PIPE_BUF). */
struct answer {
	int32_t r;		/* getaddrinfo()'s result */
	int32_t err;		/* errno, for EAI_SYSTEM */
	int32_t n;
	struct {
		int32_t family;
		uint32_t len;
		struct sockaddr_in6 sa;	/* or a sockaddr_in */
	} a[ADDRS_MAX];
};

static _Noreturn void
resolver(int wfd, const char *host, const char *port)
{
	static struct answer a;
	struct addrinfo hints, *res, *ai;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	a.r = getaddrinfo(host, port, &hints, &res);
	a.err = errno;
	if (a.r == 0) {
		for (ai = res; ai != NULL && a.n < ADDRS_MAX; ai = ai->ai_next)
			if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6) &&
			    ai->ai_addrlen <= sizeof a.a[0].sa) {
				a.a[a.n].family = ai->ai_family;
				a.a[a.n].len = (uint32_t)ai->ai_addrlen;
				memcpy(&a.a[a.n].sa, ai->ai_addr, ai->ai_addrlen);
				a.n++;
			}
		freeaddrinfo(res);
	}
	(void)write_all(wfd, &a, sizeof a);
	_exit(0);
}

/* An IP literal as getaddrinfo() would give it: 1, or 0 when host is not one. */
static int
literal(const char *host, const char *port, struct answer *a)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&a->a[0].sa;
	struct sockaddr_in6 *s6 = &a->a[0].sa;
	uint16_t pn = 0;
	const char *p;

	for (p = port; *p; p++)
		pn = (uint16_t)(pn * 10 + (*p - '0'));
	memset(a, 0, sizeof *a);
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(pn);
		a->a[0].family = AF_INET;
		a->a[0].len = sizeof *s4;
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(pn);
		a->a[0].family = AF_INET6;
		a->a[0].len = sizeof *s6;
	} else
		return 0;
	a->n = 1;
	return 1;
}

/* Resolve host into a, before deadline: 0 or the class with f filled. */
static int
resolve(const char *host, const char *port, long long deadline, struct answer *a,
    struct fail *f)
{
	sigset_t all, old;
	size_t got = 0;
	pid_t pid, parent;
	int p[2], s, st;

	if (literal(host, port, a))
		return 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return fail(f, XC_INTERNAL, "name resolution: pipe: %s", errstr(errno));
	/* the child runs none of our signal handlers (no file of ours is its to remove) */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	parent = getpid();
	if ((pid = fork()) == 0) {
		/* and it does not outlive us (a signal may end us while it waits) */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
			_exit(1);
		for (s = 1; s < NSIG; s++)
			signal(s, SIG_DFL);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		close(p[0]);
		resolver(p[1], host, port);
	}
	net_child = pid > 0 ? pid : 0;
	net_child_gone = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return fail(f, XC_INTERNAL, "name resolution: fork: %s", errstr(errno));
	}
	while (got < sizeof *a) {
		ssize_t n;

		if (!net_wait(p[0], POLLIN, deadline))
			break;
		n = read(p[0], (char *)a + got, sizeof *a - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(p[0]);
	/* signals blocked: a SIGCHLD handler reaping it (net_child_gone) or not */
	sigprocmask(SIG_BLOCK, &all, &old);
	if (!net_child_gone && got < sizeof *a)
		kill(pid, SIGKILL);
	while (!net_child_gone && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	net_child = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (got < sizeof *a && ms_left(deadline) == 0)
		return fail(f, XC_TIMEOUT, "name resolution: %s: no answer before the "
		    "deadline (--timeout); check /etc/resolv.conf and the DNS servers",
		    host);
	if (got < sizeof *a)
		return fail(f, XC_INTERNAL, "name resolution: %s: the resolver process "
		    "died", host);
	if (a->r != 0 && ms_left(deadline) == 0)
		return fail(f, XC_TIMEOUT, "name resolution: %s: deadline passed "
		    "(--timeout)", host);
	if (a->r == EAI_NONAME
#ifdef EAI_NODATA	/* glibc hides it without _GNU_SOURCE */
	    || a->r == EAI_NODATA
#endif
	    )
		return fail(f, XC_DNS, "name resolution: %s: no such host; "
		    "check the URL, /etc/hosts and the DNS search domains", host);
	if (a->r == EAI_AGAIN)
		return fail(f, XC_DNS, "name resolution: %s: no answer "
		    "from the DNS servers in /etc/resolv.conf", host);
	if (a->r == EAI_FAIL)
		return fail(f, XC_DNS, "name resolution: %s: the DNS server "
		    "failed (SERVFAIL or REFUSED)", host);
	if (a->r == EAI_SYSTEM)
		return fail(f, XC_DNS, "name resolution: %s: %s", host, errstr(a->err));
	if (a->r != 0)	/* the rest are about flags we never pass (gai_strerror: 300 bytes) */
		return fail(f, XC_DNS, "name resolution: %s: getaddrinfo error %d", host,
		    (int)a->r);
	if (a->n <= 0 || a->n > ADDRS_MAX)
		return fail(f, XC_DNS, "name resolution: %s: no IPv4 or IPv6 address",
		    host);
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
		if ((fd = try_addr(sa, (socklen_t)a.a[i].len,
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
