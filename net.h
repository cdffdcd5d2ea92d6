/*
 * net.h: names, sockets, deadlines, and the trace of one exchange.
 *
 * Deadlines are absolute times on the monotonic clock, in milliseconds
 * (clock_ms()). Every wait in crtoken is bounded by one, name resolution
 * included (dns.h: in this process, every read and every wait for the DNS
 * polled against the deadline and the cut).
 */
#ifndef NET_H
#define NET_H

#include <signal.h>

#include "msg.h"

long long clock_ms(void);

/* Milliseconds left until deadline, 0 when passed (or cut), capped to fit an int. */
int ms_left(long long deadline);

/*
 * A cut: once net_cut is set, or net_cutfd (the read end of a pipe, -1
 * when unused) is readable, every deadline counts as passed: a signal
 * handler ends an exchange at once (exec --watch stopping).
 */
extern volatile sig_atomic_t net_cut;
extern int net_cutfd;

/*
 * What one exchange saw, filled as it goes by net.c, proxy.c, tls.c and
 * iam.c for crtoken check; the caller zeroes it before the exchange.
 */
#define TRACE_ADDRS 8
#define TRACE_CHAIN 6
enum { TR_NONE, TR_RESOLVED, TR_CONNECTED, TR_TUNNEL, TR_TLS, TR_SENT, TR_ANSWER };
struct trace {
	int stage;			/* the last TR_* reached */
	int naddr;			/* addresses resolved (the first 8 kept) */
	char addr[TRACE_ADDRS][48];
	char connected[48];		/* the address connected to, "" until then */
	const char *suite;		/* the cipher suite, once TLS is up */
	int nchain;			/* certificates the server sent (the first 6 kept) */
	char chain[TRACE_CHAIN][160];	/* their subjects */
	int status;			/* IAM's HTTP status, 0 until the head is in */
};

/*
 * net_connect(): resolve host (dns_resolve(): an IP literal as is, else
 * /etc/hosts, then DNS per /etc/resolv.conf) and try each address, IPv6
 * and IPv4, the first 16 in the resolver's order, until one connects, giving each at most connect_ms and
 * all of it no more than deadline. Returns 0 with *fd a non-blocking,
 * close-on-exec socket, or the class with f filled (f->io set): XC_DNS (no
 * such name, no answer, a failing DNS server), XC_CONNECT (refused,
 * unreachable), XC_TIMEOUT (the deadline passed at any point, resolution
 * included, or no answer within connect_ms), XC_INTERNAL. t may be NULL.
 */
int net_connect(const char *host, const char *port, long long deadline,
    int connect_ms, struct trace *t, int *fd, struct fail *f);

/*
 * net_wait(): poll fd for events (POLLIN or POLLOUT) until deadline.
 * Returns 1 when ready (or in error: the next read/write tells), 0 when
 * the deadline passed.
 */
int net_wait(int fd, short events, long long deadline);

#endif
