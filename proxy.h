/*
 * proxy.h: reaching IAM through an HTTP proxy with CONNECT.
 *
 * Only http:// proxies (the tunnel carries TLS end to end: the proxy sees
 * the host name, never the token). "user:pass@" in the proxy URL is sent
 * as Proxy-Authorization: Basic; the credentials are registered as secrets
 * and never printed. NO_PROXY follows curl: a comma-separated list of host
 * names (matching the name and every name under it; a leading dot is the
 * same), IP addresses (matching only exactly), or "*" for everything.
 */
#ifndef PROXY_H
#define PROXY_H

#include "http.h"
#include "msg.h"
#include "net.h"

struct proxy {
	char host[URL_HOST_MAX + 1];	/* lower case, IPv6 without brackets */
	char port[6];			/* "1080" by default, as curl */
	int ip6;			/* host is an IPv6 literal */
	char auth[512];			/* base64 of user:pass, "" when none */
};

/*
 * proxy_parse(): "[http://][user:pass@]host[:port][/]", user and pass
 * percent-decoded. Returns 0, or XC_USAGE with f filled (another scheme,
 * a path, a bad port...).
 */
int proxy_parse(struct proxy *p, const char *s, struct fail *f);

/* noproxy_match(): 1 when host (lower case) is exempted by list, else 0. */
int noproxy_match(const char *list, const char *host);

/*
 * proxy_connect(): connect to the proxy and open a tunnel to u's host and
 * port. Returns 0 with *fd the socket, or the class with f filled: XC_DNS
 * and XC_CONNECT for the proxy itself, XC_PROXY when it refuses (non-2xx:
 * the status is shown) or answers garbage, XC_TIMEOUT. t (may be NULL)
 * gets the proxy's addresses, and TR_TUNNEL once the tunnel is open.
 */
int proxy_connect(const struct proxy *p, const struct url *u, long long deadline,
    int connect_ms, struct trace *t, int *fd, struct fail *f);

/* The CONNECT request for u (with auth when set) into dst: its length, 0 if it does not fit. */
size_t proxy_request(char *dst, size_t cap, const struct proxy *p, const struct url *u,
    const char *version);

#endif
