/*
 * net.h: names, sockets and deadlines.
 *
 * Deadlines are absolute times on the monotonic clock, in milliseconds
 * (clock_ms()). Every wait in crtoken is a poll() bounded by one.
 */
#ifndef NET_H
#define NET_H

#include "msg.h"

long long clock_ms(void);

/* What the last net_connect() saw, for crtoken check. */
#define NET_TRACE_ADDRS 8
struct net_trace {
	int naddr;			/* addresses resolved (at most the first 8 kept) */
	char addr[NET_TRACE_ADDRS][48];
	char connected[48];		/* "" until one connects */
};
extern struct net_trace net_trace;

/* Milliseconds left until deadline, 0 when passed, capped to fit an int. */
int ms_left(long long deadline);

/*
 * net_connect(): resolve host (getaddrinfo: /etc/hosts, then DNS per
 * /etc/resolv.conf; an IP literal as is) and try each address, IPv6 and
 * IPv4, in the resolver's order until one connects, giving each at most
 * connect_ms and all of them no more than deadline. Returns a non-blocking,
 * close-on-exec socket, or -1 with f filled (f->io set): XC_DNS (no such
 * name, no answer), XC_CONNECT (refused, unreachable) or XC_TIMEOUT (no
 * answer within connect_ms, or the deadline passed): the last address's.
 */
int net_connect(const char *host, const char *port, long long deadline,
    int connect_ms, struct fail *f);

/*
 * net_wait(): poll fd for events (POLLIN or POLLOUT) until deadline.
 * Returns 1 when ready (or in error: the next read/write tells), 0 when
 * the deadline passed.
 */
int net_wait(int fd, short events, long long deadline);

#endif
