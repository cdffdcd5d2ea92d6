/* see proxy.h */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "jwt.h"
#include "proxy.h"

#ifndef VERSION
#define VERSION "0"
#endif

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decode s[0..n) into dst (cap bytes, NUL added): the length, or -1. */
static long
pdecode(char *dst, size_t cap, const char *s, size_t n)
{
	size_t i, len = 0;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			if (n - i < 3 || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
				return -1;
			c = hexval(s[i + 1]) * 16 + hexval(s[i + 2]);
			i += 2;
		}
		if (c == 0 || len + 1 >= cap)
			return -1;
		dst[len++] = (char)c;
	}
	dst[len] = '\0';
	return (long)len;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

int
proxy_parse(struct proxy *p, const char *s, struct fail *f)
{
	const char *a, *at, *end, *colon;
	char user[256], pass[256], both[512];
	long ul, pl;
	int lit;

	memset(p, 0, sizeof *p);
	if ((a = strstr(s, "://")) != NULL) {
		if ((size_t)(a - s) != 4 || (s[0] | 0x20) != 'h' || (s[1] | 0x20) != 't' ||
		    (s[2] | 0x20) != 't' || (s[3] | 0x20) != 'p')
			return fail(f, XC_USAGE, "proxy %.*s://...: only http:// "
			    "proxies (CONNECT) are supported", (int)(a - s), s);
		a += 3;
	} else
		a = s;
	end = a + strlen(a);
	if (end > a && end[-1] == '/')
		end--;
	if (memchr(a, '/', (size_t)(end - a)) != NULL || memchr(a, '?', (size_t)(end - a)))
		return fail(f, XC_USAGE, "proxy: a path is not allowed in the proxy URL");
	for (at = end; at > a && at[-1] != '@'; at--)
		;
	if (at > a) {	/* user:pass@ */
		colon = memchr(a, ':', (size_t)(at - 1 - a));
		ul = pdecode(user, sizeof user, a, (size_t)((colon ? colon : at - 1) - a));
		pl = colon ? pdecode(pass, sizeof pass, colon + 1,
		    (size_t)(at - 1 - colon - 1)) : 0;
		if (!colon)
			pass[0] = '\0';
		if (ul < 0 || pl < 0 || fmt(both, sizeof both, "%s:%s", user, pass) >=
		    sizeof both)
			return fail(f, XC_USAGE, "proxy: bad user:password in the proxy URL");
		if (b64_encode(p->auth, sizeof p->auth, (const unsigned char *)both,
		    strlen(both)) == 0)
			return fail(f, XC_USAGE, "proxy: user:password too long");
		msg_secret(p->auth, strlen(p->auth));
		if (pl > 0)
			msg_secret(colon + 1, (size_t)(at - 1 - colon - 1));
		explicit_bzero(pass, sizeof pass);
		explicit_bzero(both, sizeof both);
	}
	if (url_hostport(at, (size_t)(end - at), p->host, p->port, 1080, &lit,
	    "proxy", f) != 0)
		return XC_USAGE;
	p->ip6 = lit == 6;
	return 0;
}

int
noproxy_match(const char *list, const char *host)
{
	size_t hl = strlen(host);
	/* an IP address matches only exactly, a name also by its domains */
	int ip = strspn(host, "0123456789.") == hl || strchr(host, ':') != NULL;

	while (*list) {
		const char *e;
		size_t n;

		while (*list == ' ' || *list == '\t' || *list == ',')
			list++;
		for (e = list; *e && *e != ','; e++)
			;
		n = (size_t)(e - list);
		while (n > 0 && (list[n - 1] == ' ' || list[n - 1] == '\t'))
			n--;
		if (n == 1 && list[0] == '*')
			return 1;
		if (n > 0 && list[0] == '.') {
			list++;
			n--;
		}
		if (n > 2 && list[0] == '[' && list[n - 1] == ']') {	/* [v6] */
			list++;
			n -= 2;
		}
		if (n > 0 && n <= hl) {
			size_t i;
			int same = 1;

			for (i = 0; i < n; i++)
				if (lower((unsigned char)list[i]) != host[hl - n + i])
					same = 0;
			if (same && (n == hl || (!ip && host[hl - n - 1] == '.')))
				return 1;
		}
		list = e;
	}
	return 0;
}

size_t
proxy_request(char *dst, size_t cap, const struct proxy *p, const struct url *u,
    const char *version)
{
	const char *lb = u->iplit == 6 ? "[" : "", *rb = u->iplit == 6 ? "]" : "";
	size_t n;

	n = fmt(dst, cap,
	    "CONNECT %s%s%s:%s HTTP/1.1\r\n"
	    "Host: %s%s%s:%s\r\n"
	    "User-Agent: crtoken/%s\r\n"
	    "%s%s%s"
	    "\r\n",
	    lb, u->host, rb, u->port, lb, u->host, rb, u->port, version,
	    p->auth[0] ? "Proxy-Authorization: Basic " : "", p->auth,
	    p->auth[0] ? "\r\n" : "");
	return n < cap ? n : 0;
}

int
proxy_connect(const struct proxy *p, const struct url *u, long long deadline,
    int connect_ms, struct trace *t, int *fdp, struct fail *f)
{
	static struct http_resp r;
	char req[URL_HOST_MAX * 2 + 1024];
	size_t n, off = 0;
	int fd, cls, st = HTTP_MORE;

	*fdp = -1;
	note("using proxy http://%s%s%s:%s for %s", p->ip6 ? "[" : "", p->host,
	    p->ip6 ? "]" : "", p->port, u->host);
	if ((cls = net_connect(p->host, p->port, deadline, connect_ms, t, &fd, f)) != 0) {
		char text[sizeof f->text];

		memcpy(text, f->text, sizeof text);
		fmt(f->text, sizeof f->text, "proxy: %s", text);
		return cls;
	}
	if ((n = proxy_request(req, sizeof req, p, u, VERSION)) == 0) {
		close(fd);
		return fail(f, XC_INTERNAL, "proxy: CONNECT request too long");
	}
	while (off < n) {
		ssize_t w = write(fd, req + off, n - off);

		if (w > 0)
			off += (size_t)w;
		else if (w < 0 && errno == EAGAIN && net_wait(fd, POLLOUT, deadline))
			continue;
		else if (w < 0 && errno == EINTR)
			continue;
		else {
			int err = errno;
			explicit_bzero(req, sizeof req);
			close(fd);
			if (ms_left(deadline) == 0)
				return fail(f, XC_TIMEOUT, "proxy %s: deadline passed "
				    "(--timeout) sending CONNECT", p->host);
			return fail(f, XC_PROXY, "proxy %s: sending CONNECT: %s",
			    p->host, errstr(err));
		}
	}
	explicit_bzero(req, sizeof req);
	/* the answer's head, a byte at a time: what follows belongs to TLS */
	http_init(&r);
	while (st == HTTP_MORE && !http_head_done(&r)) {
		char c;
		ssize_t got = read(fd, &c, 1);

		if (got == 1)
			st = http_feed(&r, &c, 1);
		else if (got == 0)
			st = http_eof(&r, 0);
		else if (errno == EINTR)
			continue;
		else if (errno == EAGAIN) {
			if (!net_wait(fd, POLLIN, deadline)) {
				close(fd);
				return fail(f, XC_TIMEOUT, "proxy %s: no answer to "
				    "CONNECT before the deadline (--timeout)", p->host);
			}
		} else {
			int err = errno;
			close(fd);
			return fail(f, XC_PROXY, "proxy %s: reading its answer to "
			    "CONNECT: %s", p->host, errstr(err));
		}
	}
	if (st == HTTP_BAD) {
		close(fd);
		return fail(f, XC_PROXY, "proxy %s: bad answer to CONNECT: %s",
		    p->host, r.why);
	}
	if (r.status < 200 || r.status > 299) {
		close(fd);
		fail(f, XC_PROXY, "proxy %s refused CONNECT %s:%s: HTTP %d", p->host,
		    u->host, u->port, r.status);
		if (r.status == 407)
			fmtcat(f->text, sizeof f->text, strlen(f->text),
			    "; it wants credentials: http://USER:PASSWORD@%s:%s",
			    p->host, p->port);
		return XC_PROXY;
	}
	note("proxy tunnel open (HTTP %d)", r.status);
	if (t != NULL)
		t->stage = TR_TUNNEL;
	*fdp = fd;
	return 0;
}
