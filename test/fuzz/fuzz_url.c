/*
 * fuzz_url: the request side of http.h (url_parse, url_hostport,
 * form_add, http_head) with the input as a URL, an authority and a form
 * value.
 *
 *   - url_parse() of the input (up to a NUL): 0 or XC_USAGE with a "bad
 *     URL" message; on success a host that url_hostport() allows (lower
 *     case, IPv6 without brackets, iplit right), a port 1..65535 in
 *     decimal, a path that is empty or starts with '/' and does not end in
 *     one, has no space or control character and fits; the URL rebuilt from
 *     the parts parses to the same parts.
 *   - iam_endpoint() of the same: the same verdict unless the path does
 *     not fit with "/identity/token" (XC_USAGE); on success the same host
 *     and port, and the path url_parse() gave, with "/identity/token"
 *     appended unless it already ended in it.
 *   - url_hostport() of the raw input bytes, with the same checks.
 *   - form_add() of the input bytes as a value (NUL and all) after a first
 *     field: exactly the expected percent-encoding (only ALPHA DIGIT
 *     - . _ ~ and %XX), NUL-terminated; with too small a cap (0 included)
 *     -1, b->over, a NUL-terminated prefix, and over stays over.
 *   - http_head() for the parsed URL: CRLF lines, the request line, Host
 *     (brackets for IPv6, the port unless 443), Content-Length, one empty
 *     line at the end; 0 when cap is one byte short.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "iam.h"
#include "fuzz.h"

static const char SUFFIX[] = "/identity/token";

static int
unreserved(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

static int
hexup(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

static void
check_host(const char *host, int iplit)
{
	size_t n = strlen(host), i, colons = 0;
	int digits_dots = 1;

	CHECK(n >= 1 && n <= URL_HOST_MAX);
	CHECK(iplit == 0 || iplit == 4 || iplit == 6);
	for (i = 0; i < n; i++) {
		int c = (unsigned char)host[i];

		CHECK(!(c >= 'A' && c <= 'Z'));
		if (iplit == 6)
			CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			    c == ':' || c == '.');
		else
			CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			    c == '-' || c == '.' || c == '_');
		colons += c == ':';
		if (!((c >= '0' && c <= '9') || c == '.'))
			digits_dots = 0;
	}
	if (iplit == 6)
		CHECK(colons >= 2);
	else {
		CHECK(host[0] != '.' && strstr(host, "..") == NULL);
		CHECK((iplit == 4) == digits_dots);
	}
}

static void
check_port(const char *port)
{
	size_t n = strlen(port), i;
	unsigned long v = 0;

	CHECK(n >= 1 && n <= 5 && port[0] != '0');
	for (i = 0; i < n; i++) {
		CHECK(port[i] >= '0' && port[i] <= '9');
		v = v * 10 + (unsigned long)(port[i] - '0');
	}
	CHECK(v >= 1 && v <= 65535);
}

static void
check_path(const char *path)
{
	size_t n = strlen(path), i;

	CHECK(n <= URL_PATH_MAX);
	CHECK(n == 0 || (path[0] == '/' && path[n - 1] != '/'));
	for (i = 0; i < n; i++)
		CHECK((unsigned char)path[i] > 32 && (unsigned char)path[i] < 127 &&
		    path[i] != '?' && path[i] != '#');
}

/* The head for u: its shape; the same through every cap. */
static void
head(const struct url *u, size_t bodylen)
{
	static char big[8192];
	char want[URL_HOST_MAX + 64], *dst;
	const char *p;
	size_t n;
	int v6 = u->iplit == 6, defport = strcmp(u->port, "443") == 0;

	n = http_head(big, sizeof big, u, bodylen, "fuzz");
	CHECK(n > 0 && n < sizeof big && strlen(big) == n);
	/* request line */
	CHECK(strncmp(big, "POST ", 5) == 0);
	p = u->path[0] ? u->path : "/";
	CHECK(strncmp(big + 5, p, strlen(p)) == 0);
	CHECK(strncmp(big + 5 + strlen(p), " HTTP/1.1\r\n", 11) == 0);
	/* Host */
	snprintf(want, sizeof want, "\r\nHost: %s%s%s%s%s\r\n", v6 ? "[" : "", u->host,
	    v6 ? "]" : "", defport ? "" : ":", defport ? "" : u->port);
	CHECK(strstr(big, want) != NULL);
	snprintf(want, sizeof want, "\r\nContent-Length: %lu\r\n", (unsigned long)bodylen);
	CHECK(strstr(big, want) != NULL);
	/* lines end in CRLF; the first empty line is the end */
	head_framing(big, n);
	/* exactly enough room, then one byte short */
	dst = malloc(n + 1);
	CHECK(dst != NULL);
	CHECK(http_head(dst, n + 1, u, bodylen, "fuzz") == n);
	CHECK(memcmp(dst, big, n + 1) == 0);
	CHECK(http_head(dst, n, u, bodylen, "fuzz") == 0);
	free(dst);
}

/* Parse the URL again from its parts: the same parts. */
static void
reparse(const struct url *u)
{
	static char s[URL_HOST_MAX + URL_PATH_MAX + 64];
	static struct url again;
	struct fail f;
	int v6 = u->iplit == 6;

	snprintf(s, sizeof s, "HTTPS://%s%s%s:%s%s", v6 ? "[" : "", u->host,
	    v6 ? "]" : "", u->port, u->path);
	if (url_parse(&again, s, &f) != 0) {
		fprintf(stderr, "%s: %s\n", s, f.text);
		CHECK(0);
	}
	CHECK(strcmp(again.host, u->host) == 0);
	CHECK(strcmp(again.port, u->port) == 0);
	CHECK(strcmp(again.path, u->path) == 0);
	CHECK(again.iplit == u->iplit);
}

/* iam_endpoint(): url_parse() and IAM's path. */
static void
endpoint(const char *s, const struct url *u)
{
	static struct url e;
	static char want[URL_PATH_MAX + sizeof SUFFIX];
	size_t n = strlen(u->path);
	struct fail f;
	int r;

	if (n >= sizeof SUFFIX - 1 && strcmp(u->path + n - (sizeof SUFFIX - 1), SUFFIX) == 0)
		snprintf(want, sizeof want, "%s", u->path);
	else
		snprintf(want, sizeof want, "%s%s", u->path, SUFFIX);
	r = iam_endpoint(&e, s, &f);
	if (strlen(want) > URL_PATH_MAX) {
		CHECK(r == XC_USAGE && f.code == XC_USAGE);
		return;
	}
	CHECK(r == 0);
	CHECK(strcmp(e.host, u->host) == 0 && strcmp(e.port, u->port) == 0);
	CHECK(e.iplit == u->iplit && strcmp(e.path, want) == 0);
}

static void
url(const char *s, size_t bodylen)
{
	static struct url u;
	struct fail f;
	int r;

	memset(&f, 0, sizeof f);
	r = url_parse(&u, s, &f);
	CHECK(r == 0 || r == XC_USAGE);
	if (r != 0) {
		static struct url e;

		CHECK(iam_endpoint(&e, s, &f) == XC_USAGE);
		CHECK(f.code == XC_USAGE);
		CHECK(memchr(f.text, '\0', sizeof f.text) != NULL);
		CHECK(strncmp(f.text, "bad URL: ", 9) == 0);
		return;
	}
	check_host(u.host, u.iplit);
	check_port(u.port);
	check_path(u.path);
	reparse(&u);
	head(&u, bodylen);
	endpoint(s, &u);
}

static void
hostport(const char *a, size_t an)
{
	char *host = malloc(URL_HOST_MAX + 1), *port = malloc(6);
	struct fail f;
	int iplit = -1, r;

	CHECK(host != NULL && port != NULL);
	r = url_hostport(a, an, host, port, 443, &iplit, "what", &f);
	CHECK(r == 0 || r == XC_USAGE);
	if (r == 0) {
		check_host(host, iplit);
		check_port(port);
	} else {
		CHECK(f.code == XC_USAGE);
		CHECK(strncmp(f.text, "what: ", 6) == 0);
	}
	free(host);
	free(port);
}

/* The expected encoding of name=value pairs. */
static size_t
expect(char *dst, const char *name, const char *v, size_t n, int first)
{
	size_t len = 0, i;

	if (!first)
		dst[len++] = '&';
	len += (size_t)sprintf(dst + len, "%s=", name);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (unreserved(c))
			dst[len++] = (char)c;
		else
			len += (size_t)sprintf(dst + len, "%%%02X", c);
	}
	dst[len] = '\0';
	return len;
}

static const char GRANT[] = "urn:ibm:params:oauth:grant-type:cr-token";

static void
form(const char *v, size_t n, size_t cap, char *want, size_t wlen)
{
	char *p = cap ? malloc(cap) : NULL;
	struct buf b = { p, 0, cap, 0 };
	const char *q;
	int r1, r2;

	CHECK(cap == 0 || p != NULL);
	r1 = form_add(&b, "grant_type", GRANT, sizeof GRANT - 1);
	r2 = form_add(&b, "cr_token", v, n);
	CHECK(r1 == 0 || r1 == -1);
	CHECK(r2 == 0 || r2 == -1);
	if (r1 == -1)
		CHECK(r2 == -1);	/* over stays over */
	CHECK((r2 == -1) == (b.over != 0));
	if (cap == 0) {
		CHECK(b.len == 0 && r2 == -1);
		return;
	}
	CHECK(b.len < cap && b.p[b.len] == '\0');
	CHECK(memcmp(b.p, want, b.len) == 0);
	if (r2 == 0) {
		CHECK(b.len == wlen);
		/* the value part: only unreserved characters and %XX */
		q = strstr(b.p, "&cr_token=");
		CHECK(q != NULL);
		for (q += 10; *q; q++) {
			if (*q == '%') {
				CHECK(hexup(q[1]) && hexup(q[2]));
				q += 2;
			} else
				CHECK(unreserved((unsigned char)*q));
		}
	}
	else
		CHECK(wlen + 1 > cap && b.len == cap - 1);
	/* a third field after overflow stays over */
	if (r2 == -1)
		CHECK(form_add(&b, "profile_id", "x", 1) == -1);
	free(p);
}

static void
forms(const char *v, size_t n)
{
	char *want = malloc(sizeof GRANT * 3 + 32 + n * 3);
	size_t wlen;

	CHECK(want != NULL);
	wlen = expect(want, "grant_type", GRANT, sizeof GRANT - 1, 1);
	wlen += expect(want + wlen, "cr_token", v, n, 0);
	form(v, n, wlen + 1, want, wlen);	/* exactly enough */
	form(v, n, wlen, want, wlen);		/* one byte short */
	form(v, n, 0, want, wlen);
	form(v, n, 1, want, wlen);
	form(v, n, n % 97 + 2, want, wlen);
	free(want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	url(s, size * 977);
	hostport((const char *)data, size);
	forms((const char *)data, size);
	free(s);
	return 0;
}
