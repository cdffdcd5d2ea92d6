/*
 * http.h: the HTTP/1.1 that crtoken speaks: the IAM URL, the form body,
 * the request head, and an incremental response parser.
 *
 * Nothing here does I/O; tls.c moves the bytes. The parser takes input in
 * pieces of any size (one byte at a time included) and distrusts it: every
 * line, the head and the body have caps, and the first violation stops it
 * with a reason.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

#include "msg.h"

#define URL_HOST_MAX 253	/* a DNS name, or an IP literal without brackets */
#define URL_PATH_MAX 1024

struct url {
	char host[URL_HOST_MAX + 1];	/* lower case; IPv6 without brackets */
	char port[6];			/* decimal, "443" by default */
	char path[URL_PATH_MAX + 1];	/* as given, no trailing '/'; "" for none */
	int iplit;			/* 4 or 6 for an IP literal host, else 0 */
};

/*
 * url_parse(): s must be "https://HOST[:PORT][/PATH]" (scheme case-insensitive)
 * or the same without "https://" (a bare host means https); any other scheme
 * is refused. No user info, query, fragment or empty path segment; trailing
 * slashes are dropped. Returns 0 or XC_USAGE with f filled.
 */
int url_parse(struct url *u, const char *s, struct fail *f);

/*
 * url_hostport(): the authority a[0..an) as "HOST[:PORT]" or "[V6][:PORT]":
 * host (URL_HOST_MAX + 1 bytes, lower case, no brackets), port (6 bytes,
 * defport when absent), *iplit as in struct url. Messages start with what.
 * Returns 0 or XC_USAGE.
 */
int url_hostport(const char *a, size_t an, char *host, char *port,
    unsigned long defport, int *iplit, const char *what, struct fail *f);

/* A growing buffer with a hard cap; once over it stays over. */
struct buf {
	char *p;
	size_t len, cap;
	int over;
};

/*
 * form_add(): append "&name=value" ("name=value" when first) to b,
 * value percent-encoded (everything but ALPHA DIGIT - . _ ~).
 * Returns 0, or -1 (and b->over) when the cap is hit.
 */
int form_add(struct buf *b, const char *name, const char *value, size_t n);

/*
 * http_head(): write the request head for POSTing a form of bodylen bytes
 * to u ("/" for an empty path) into dst (cap bytes). Returns its length, or
 * 0 when it does not fit.
 */
size_t http_head(char *dst, size_t cap, const struct url *u, size_t bodylen,
    const char *version);

#define HTTP_LINE_MAX 8192	/* one status, header, chunk-size or trailer line, without CRLF */
#define HTTP_HEAD_MAX 16384	/* status line and headers together */
#define HTTP_BODY_MAX 65536	/* decoded body */

struct http_resp {
	int state;		/* private */
	int status;		/* the final status code, once the head is in */
	int chunked;		/* Transfer-Encoding: chunked */
	long long clen;		/* Content-Length, -1 when absent */
	unsigned long long left;	/* private: bytes left in this chunk or body */
	size_t headlen;		/* bytes of head seen so far */
	size_t llen;		/* private: bytes in line */
	char line[HTTP_LINE_MAX + 1];	/* and its CR */
	char ctype[64];		/* Content-Type, truncated, "" when absent */
	char retry_after[64];	/* Retry-After, raw, "" when absent */
	size_t blen;
	char body[HTTP_BODY_MAX + 1];	/* NUL-terminated for convenience */
	const char *why;	/* after HTTP_BAD: what was wrong */
};

enum { HTTP_BAD = -1, HTTP_MORE = 0, HTTP_DONE = 1 };

void http_init(struct http_resp *r);

/*
 * http_feed(): give the parser n more bytes. Returns HTTP_MORE (want more),
 * HTTP_DONE (a complete final response; later bytes are ignored) or
 * HTTP_BAD (r->why says what was wrong; stays bad). A status outside
 * 100-599 is bad.
 */
int http_feed(struct http_resp *r, const char *p, size_t n);

/*
 * http_eof(): the connection closed; notify says whether the close was
 * authenticated (TLS close_notify), so that an attacker cutting the TCP
 * stream cannot end a body. HTTP_DONE when the response was already
 * complete, or when its body is delimited by the close (neither
 * Content-Length nor chunked) and notify is set; else HTTP_BAD
 * ("connection closed ...").
 */
int http_eof(struct http_resp *r, int notify);

/* Whether the response head is complete (status and headers known). */
int http_head_done(const struct http_resp *r);

/*
 * http_retry_after(): a Retry-After value (delta-seconds, or an IMF-fixdate
 * HTTP-date compared with now, epoch seconds) in seconds from now: 0 for a
 * date in the past, at most 100000000; -1 when empty or not understood.
 */
long http_retry_after(const char *v, long long now);

#endif
