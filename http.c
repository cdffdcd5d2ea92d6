/* see http.h */
#include <string.h>

#include "http.h"

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int
casecmpn(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 1;
	return 0;
}

static int
digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
alnum(int c)
{
	c = lower(c);
	return digit(c) || (c >= 'a' && c <= 'z');
}

/* ---- URL ---- */

int
url_hostport(const char *a, size_t an, char *host, char *port,
    unsigned long defport, int *iplit, const char *what, struct fail *f)
{
	const char *h = a, *he, *p, *q = a + an;
	size_t n, i, colons = 0;
	unsigned long pn = defport;

	*iplit = 0;
	if (an > 0 && *h == '[') {
		if ((he = memchr(h, ']', an)) == NULL)
			return fail(f, XC_USAGE, "%s: unclosed '[' in host", what);
		h++;
		p = he + 1;
		*iplit = 6;
	} else {
		for (he = h; he < q && *he != ':'; he++)
			;
		p = he;
	}
	n = (size_t)(he - h);
	if (n == 0)
		return fail(f, XC_USAGE, "%s: no host", what);
	if (n > URL_HOST_MAX)
		return fail(f, XC_USAGE, "%s: host name longer than %d bytes",
		    what, URL_HOST_MAX);
	for (i = 0; i < n; i++) {
		int c = (unsigned char)h[i];

		if (*iplit == 6 ? !(c == ':' || c == '.' || digit(c) ||
		    (lower(c) >= 'a' && lower(c) <= 'f')) :
		    !(alnum(c) || c == '-' || c == '.' || c == '_'))
			return fail(f, XC_USAGE, "%s: character '%c' in host", what,
			    c > 32 && c < 127 ? c : '?');
		colons += c == ':';
		host[i] = (char)lower(c);
	}
	host[n] = '\0';
	if (*iplit == 6 && colons < 2)
		return fail(f, XC_USAGE, "%s: '[%.*s]' is not an IPv6 address",
		    what, (int)n, h);
	if (*iplit == 0) {
		for (i = 0; i < n && (digit(h[i]) || h[i] == '.'); i++)
			;
		if (i == n)
			*iplit = 4;
		for (i = 0; i < n; i++)
			if (h[i] == '.' && (i == 0 || h[i - 1] == '.'))
				return fail(f, XC_USAGE, "%s: empty label in host", what);
	}
	if (p < q) {
		if (*p != ':' || p + 1 == q)
			return fail(f, XC_USAGE, "%s: bad port", what);
		pn = 0;
		for (p++; p < q; p++) {
			if (!digit(*p) || pn > 65535)
				return fail(f, XC_USAGE, "%s: bad port", what);
			pn = pn * 10 + (unsigned long)(*p - '0');
		}
		if (pn == 0 || pn > 65535)
			return fail(f, XC_USAGE, "%s: port out of range", what);
	}
	fmt(port, 6, "%lu", pn);
	return 0;
}

int
url_parse(struct url *u, const char *s, struct fail *f)
{
	const char *p, *q, *h;
	size_t n;

	memset(u, 0, sizeof *u);
	if (strstr(s, "://") == NULL)
		h = s;		/* a bare HOST[:PORT][/PATH] means https:// */
	else {
		for (p = s; *p && *p != ':'; p++)
			;
		if (p[0] != ':' || p[1] != '/' || p[2] != '/')
			return fail(f, XC_USAGE, "bad URL: not "
			    "[https://]HOST[:PORT][/PATH]");
		if ((size_t)(p - s) != 5 || casecmpn(s, "https", 5) != 0)
			return fail(f, XC_USAGE, "bad URL: only https:// is "
			    "allowed; a token never travels in clear text");
		h = p + 3;
	}
	for (q = h; *q && *q != '/' && *q != '?' && *q != '#'; q++)
		if (*q == '@')
			return fail(f, XC_USAGE, "bad URL: user information "
			    "(user@) is not allowed");
	if (url_hostport(h, (size_t)(q - h), u->host, u->port, 443, &u->iplit,
	    "bad URL", f) != 0)
		return XC_USAGE;
	/* path */
	if (strpbrk(q, "?#") != NULL)
		return fail(f, XC_USAGE, "bad URL: query or fragment not allowed");
	for (p = q; *p; p++)
		if ((unsigned char)*p <= 32 || (unsigned char)*p >= 127)
			return fail(f, XC_USAGE, "bad URL: space or control "
			    "character in path");
	n = strlen(q);
	while (n > 0 && q[n - 1] == '/')
		n--;
	for (p = q; p + 1 < q + n; p++)
		if (p[0] == '/' && p[1] == '/')
			return fail(f, XC_USAGE, "bad URL: empty segment (//) "
			    "in path");
	if (n > URL_PATH_MAX)
		return fail(f, XC_USAGE, "bad URL: path longer than %d bytes",
		    URL_PATH_MAX);
	memcpy(u->path, q, n);
	u->path[n] = '\0';
	return 0;
}

/* ---- request ---- */

static void
bput(struct buf *b, char c)
{
	if (b->len + 1 < b->cap)
		b->p[b->len++] = c;
	else
		b->over = 1;
}

int
form_add(struct buf *b, const char *name, const char *v, size_t n)
{
	size_t i;

	if (b->len > 0)
		bput(b, '&');
	for (; *name; name++)
		bput(b, *name);
	bput(b, '=');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (alnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			bput(b, (char)c);
		else {
			bput(b, '%');
			bput(b, "0123456789ABCDEF"[c >> 4]);
			bput(b, "0123456789ABCDEF"[c & 15]);
		}
	}
	if (b->cap > 0)
		b->p[b->len] = '\0';
	return b->over ? -1 : 0;
}

size_t
http_head(char *dst, size_t cap, const struct url *u, size_t bodylen,
    const char *version)
{
	const char *lb = u->iplit == 6 ? "[" : "", *rb = u->iplit == 6 ? "]" : "";
	int defport = strcmp(u->port, "443") == 0;
	size_t n;

	n = fmt(dst, cap,
	    "POST %s HTTP/1.1\r\n"
	    "Host: %s%s%s%s%s\r\n"
	    "User-Agent: crtoken/%s\r\n"
	    "Accept: application/json\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\n"
	    "Content-Length: %lu\r\n"
	    "Connection: close\r\n"
	    "\r\n",
	    u->path[0] ? u->path : "/", lb, u->host, rb, defport ? "" : ":",
	    defport ? "" : u->port,
	    version, (unsigned long)bodylen);
	return n < cap ? n : 0;
}

/* ---- response ---- */

enum {
	S_STATUS, S_HEADER, S_BODY, S_CLOSE, S_CSIZE, S_CDATA, S_CEND,
	S_TRAILER, S_DONE, S_BAD
};

void
http_init(struct http_resp *r)
{
	r->state = S_STATUS;
	r->status = 0;
	r->chunked = 0;
	r->clen = -1;
	r->left = 0;
	r->headlen = 0;
	r->llen = 0;
	r->ctype[0] = '\0';
	r->retry_after[0] = '\0';
	r->blen = 0;
	r->body[0] = '\0';
	r->why = NULL;
}

int
http_head_done(const struct http_resp *r)
{
	return r->state != S_STATUS && r->state != S_HEADER && r->state != S_BAD;
}

static int
bad(struct http_resp *r, const char *why)
{
	r->state = S_BAD;
	r->why = why;
	return HTTP_BAD;
}

static int
tchar(int c)
{
	return alnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static void
copyval(char *dst, size_t cap, const char *v, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static int
status_line(struct http_resp *r, const char *s, size_t n)
{
	if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || !digit(s[7]) ||
	    s[8] != ' ' || !digit(s[9]) || !digit(s[10]) || !digit(s[11]) ||
	    (n > 12 && s[12] != ' '))
		return bad(r, "malformed status line");
	r->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	if (r->status < 100 || r->status > 599)
		return bad(r, "status code outside 100-599");
	if (r->status == 101)
		return bad(r, "unexpected 101 Switching Protocols");
	r->state = S_HEADER;
	return HTTP_MORE;
}

/* End of the head: pick how the body is framed. */
static int
head_end(struct http_resp *r)
{
	if (r->status < 200) {	/* interim response: the real one follows */
		r->state = S_STATUS;
		r->chunked = 0;
		r->clen = -1;
		r->ctype[0] = r->retry_after[0] = '\0';
		return HTTP_MORE;
	}
	if (r->status == 204 || r->status == 304) {
		r->state = S_DONE;
		return HTTP_DONE;
	}
	if (r->chunked) {
		r->state = S_CSIZE;
		return HTTP_MORE;
	}
	if (r->clen >= 0) {
		if (r->clen > HTTP_BODY_MAX)
			return bad(r, "Content-Length over the body cap (65536 bytes)");
		r->left = (unsigned long long)r->clen;
		r->state = r->left == 0 ? S_DONE : S_BODY;
		return r->left == 0 ? HTTP_DONE : HTTP_MORE;
	}
	r->state = S_CLOSE;
	return HTTP_MORE;
}

static int
header_line(struct http_resp *r, const char *s, size_t n)
{
	size_t i, vs, ve;
	const char *v;

	if (n == 0)
		return head_end(r);
	if (s[0] == ' ' || s[0] == '\t')
		return bad(r, "folded header line");
	for (i = 0; i < n && tchar((unsigned char)s[i]); i++)
		;
	if (i == 0 || i == n || s[i] != ':')
		return bad(r, "malformed header line");
	for (vs = i + 1; vs < n && (s[vs] == ' ' || s[vs] == '\t'); vs++)
		;
	for (ve = n; ve > vs && (s[ve - 1] == ' ' || s[ve - 1] == '\t'); ve--)
		;
	v = s + vs;
	n = ve - vs;
	if (i == 14 && casecmpn(s, "content-length", 14) == 0) {
		long long cl = 0;
		size_t k;

		if (n == 0)
			return bad(r, "empty Content-Length");
		for (k = 0; k < n; k++) {
			if (!digit(v[k]))
				return bad(r, "malformed Content-Length");
			if (cl > 1000000000LL)
				return bad(r, "Content-Length over the body cap (65536 bytes)");
			cl = cl * 10 + (v[k] - '0');
		}
		if (r->clen >= 0 && r->clen != cl)
			return bad(r, "conflicting Content-Length headers");
		r->clen = cl;
	} else if (i == 17 && casecmpn(s, "transfer-encoding", 17) == 0) {
		if (n != 7 || casecmpn(v, "chunked", 7) != 0 || r->chunked)
			return bad(r, "unsupported Transfer-Encoding");
		r->chunked = 1;
	} else if (i == 12 && casecmpn(s, "content-type", 12) == 0)
		copyval(r->ctype, sizeof r->ctype, v, n);
	else if (i == 11 && casecmpn(s, "retry-after", 11) == 0)
		copyval(r->retry_after, sizeof r->retry_after, v, n);
	return HTTP_MORE;
}

static int
chunk_size(struct http_resp *r, const char *s, size_t n)
{
	unsigned long long size = 0;
	size_t i;
	int h;

	for (i = 0; i < n; i++) {
		int c = lower((unsigned char)s[i]);

		if (digit(c))
			h = c - '0';
		else if (c >= 'a' && c <= 'f')
			h = c - 'a' + 10;
		else
			break;
		if (size > HTTP_BODY_MAX)
			return bad(r, "chunked body over the body cap (65536 bytes)");
		size = size * 16 + (unsigned)h;
	}
	if (i == 0)
		return bad(r, "malformed chunk size");
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < n && s[i] != ';')
		return bad(r, "malformed chunk size");
	if (size > HTTP_BODY_MAX - r->blen)
		return bad(r, "chunked body over the body cap (65536 bytes)");
	if (size == 0) {
		r->state = S_TRAILER;
		return HTTP_MORE;
	}
	r->left = size;
	r->state = S_CDATA;
	return HTTP_MORE;
}

/* One complete line (without its line ending) in the current state. */
static int
line(struct http_resp *r, const char *s, size_t n)
{
	switch (r->state) {
	case S_STATUS:
		return status_line(r, s, n);
	case S_HEADER:
		return header_line(r, s, n);
	case S_CSIZE:
		return chunk_size(r, s, n);
	case S_CEND:
		if (n != 0)
			return bad(r, "missing CRLF after chunk data");
		r->state = S_CSIZE;
		return HTTP_MORE;
	case S_TRAILER:
		if (n == 0) {
			r->state = S_DONE;
			return HTTP_DONE;
		}
		return HTTP_MORE;
	}
	return bad(r, "internal parser state");
}

static int
body(struct http_resp *r, const char *p, size_t n)
{
	if (n > HTTP_BODY_MAX - r->blen)
		return bad(r, "body over the body cap (65536 bytes)");
	memcpy(r->body + r->blen, p, n);
	r->blen += n;
	r->body[r->blen] = '\0';
	return HTTP_MORE;
}

int
http_feed(struct http_resp *r, const char *p, size_t n)
{
	size_t i = 0, k;
	int ret;

	if (r->state == S_BAD)
		return HTTP_BAD;
	while (i < n) {
		switch (r->state) {
		case S_DONE:
			return HTTP_DONE;
		case S_BAD:
			return HTTP_BAD;
		case S_CLOSE:
			return body(r, p + i, n - i);
		case S_BODY:
		case S_CDATA:
			k = n - i < r->left ? n - i : (size_t)r->left;
			if (body(r, p + i, k) == HTTP_BAD)
				return HTTP_BAD;
			i += k;
			r->left -= k;
			if (r->left == 0) {
				if (r->state == S_BODY) {
					r->state = S_DONE;
					return HTTP_DONE;
				}
				r->state = S_CEND;
			}
			continue;
		}
		/* line states */
		if (r->state == S_STATUS || r->state == S_HEADER ||
		    r->state == S_TRAILER) {
			if (++r->headlen > HTTP_HEAD_MAX)
				return bad(r, "response head over the cap (16384 bytes)");
		}
		if (p[i] == '\n') {
			k = r->llen;
			if (k > 0 && r->line[k - 1] == '\r')
				k--;
			r->llen = 0;
			i++;
			if ((ret = line(r, r->line, k)) != HTTP_MORE)
				return ret;
			continue;
		}
		if (p[i] == '\0' || (r->llen > 0 && r->line[r->llen - 1] == '\r'))
			return bad(r, "NUL or bare CR in the response head");
		if (r->llen >= HTTP_LINE_MAX + (p[i] == '\r'))	/* room for the CR */
			return bad(r, "line over the cap (8192 bytes)");
		r->line[r->llen++] = p[i++];
	}
	return r->state == S_DONE ? HTTP_DONE : HTTP_MORE;
}

int
http_eof(struct http_resp *r, int notify)
{
	switch (r->state) {
	case S_DONE:
		return HTTP_DONE;
	case S_CLOSE:
		if (!notify)
			return bad(r, "the connection closed without TLS close_notify: "
			    "a body delimited by the close may be truncated");
		r->state = S_DONE;
		return HTTP_DONE;
	case S_BAD:
		return HTTP_BAD;
	case S_STATUS:
		if (r->headlen == 0)
			return bad(r, "connection closed without a response");
		/* fall through */
	case S_HEADER:
		return bad(r, "connection closed in the response head");
	}
	return bad(r, "connection closed before the end of the body");
}

/* ---- Retry-After ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static long long
days(long long y, int m, int d)
{
	long long era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* n digits at s: the value, or -1. */
static long
num(const char *s, int n)
{
	long v = 0;

	while (n-- > 0) {
		if (!digit(*s))
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

long
http_retry_after(const char *v, long long now)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	long long t;
	long d, y, hh, mm, ss;
	int m;
	size_t n = strlen(v), i;

	if (n == 0)
		return -1;
	for (i = 0; i < n && digit(v[i]); i++)
		;
	if (i == n) {	/* delta-seconds */
		long sec = 0;

		for (i = 0; i < n; i++)
			if ((sec = sec * 10 + (v[i] - '0')) > 100000000)
				return 100000000;
		return sec;
	}
	/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
	if (n != 29 || v[3] != ',' || v[4] != ' ' || v[7] != ' ' || v[11] != ' ' ||
	    v[16] != ' ' || v[19] != ':' || v[22] != ':' || v[25] != ' ' ||
	    memcmp(v + 26, "GMT", 3) != 0)
		return -1;
	for (m = 0; m < 12 && memcmp(months + 3 * m, v + 8, 3) != 0; m++)
		;
	d = num(v + 5, 2);
	y = num(v + 12, 4);
	hh = num(v + 17, 2);
	mm = num(v + 20, 2);
	ss = num(v + 23, 2);
	if (m == 12 || d < 1 || d > 31 || y < 1970 || hh < 0 || hh > 23 ||
	    mm < 0 || mm > 59 || ss < 0 || ss > 60)
		return -1;
	t = days(y, m + 1, (int)d) * 86400 + hh * 3600 + mm * 60 + ss;
	if (t <= now)
		return 0;
	return t - now > 100000000 ? 100000000 : (long)(t - now);
}
