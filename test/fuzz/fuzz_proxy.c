/*
 * fuzz_proxy: the parsers of proxy.h (proxy_parse, noproxy_match,
 * proxy_request) and http_retry_after() of http.h.
 *
 * Input: up to four NUL-separated fields, missing ones empty:
 *   PROXY-URL \0 NO_PROXY-LIST \0 HOST \0 RETRY-AFTER
 *
 *   - proxy_parse(PROXY-URL): 0 or XC_USAGE with a "proxy" message; on
 *     success a valid host and port, and auth is exactly the standard
 *     base64 of the percent-decoded "user:password" (empty without '@').
 *     The registered secrets work: a line holding auth, or the password as
 *     written, comes out of msg_redact() without it.
 *   - noproxy_match(LIST, HOST lower-cased): 0 or 1; "*" matches anything;
 *     the list is case-insensitive; a list is the union of its
 *     comma-separated parts; a valid host is matched by itself, by itself
 *     with a leading dot, and as "[v6]", and a match also covers names
 *     under the host, but "x<host>" is not under "<host>".
 *   - proxy_request() for the parsed proxy and https://HOST (or IAM's host
 *     when HOST is not valid): CRLF lines, CONNECT and Host with the same
 *     authority, Proxy-Authorization exactly when auth is set, one empty
 *     line at the end, 0 when one byte short.
 *   - http_retry_after(RETRY-AFTER, now) for a few values of now: against a
 *     model (delta-seconds; IMF-fixdate through timegm()), -1 or 0..100000000.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "msg.h"
#include "proxy.h"
#include "fuzz.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* percent-decode s[0..n) into dst (n + 1 bytes): the length or -1 (bad %, NUL) */
static long
pdecode(char *dst, const char *s, size_t n)
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
		if (c == 0)
			return -1;
		dst[len++] = (char)c;
	}
	dst[len] = '\0';
	return (long)len;
}

/*
 * Base64 (RFC 4648, standard alphabet, padded) decoded into dst: the length,
 * or -1 unless s is the one canonical encoding of its bytes (length a
 * multiple of 4, '=' only as the last one or two, zero padding bits). The
 * model of proxy.c's encoder, written the other way round.
 */
static long
unb64(unsigned char *dst, const char *s)
{
	static const char A[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(s), i, len = 0;
	const char *p;
	unsigned long v;
	int k, pad;

	if (n % 4 != 0)
		return -1;
	for (i = 0; i < n; i += 4) {
		for (v = 0, pad = 0, k = 0; k < 4; k++) {
			v <<= 6;
			if (s[i + k] == '=' && i + 4 == n && k >= 2) {
				pad++;
				continue;
			}
			if (pad || (p = strchr(A, s[i + k])) == NULL || *p == '\0')
				return -1;
			v |= (unsigned long)(p - A);
		}
		if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0))
			return -1;
		dst[len++] = (unsigned char)(v >> 16);
		if (pad < 2)
			dst[len++] = (unsigned char)(v >> 8);
		if (pad < 1)
			dst[len++] = (unsigned char)v;
	}
	return (long)len;
}

/* whether none of the characters of "[redacted]" is in s (then s cannot be made of markers) */
static int
markerfree(const char *s)
{
	return strpbrk(s, "[]redact") == NULL;
}

static void
redacted(const char *line, const char *secret)
{
	char out[2048];

	if (!markerfree(secret) || strlen(line) >= sizeof out / 2)
		return;
	msg_redact(out, sizeof out, line);
	if (strstr(out, secret) != NULL) {
		fprintf(stderr, "secret \"%s\" printed: \"%s\" -> \"%s\"\n", secret,
		    line, out);
		CHECK(0);
	}
}

static struct proxy px;

/* proxy_parse() and its model; returns whether it succeeded */
static int
parse(const char *s)
{
	struct fail f;
	const char *a, *end, *at, *colon;
	char *user, *pass, *both, *want, line[1200];
	long ul, pl, wl;
	size_t n = strlen(s);
	int r, lit = 0;

	memset(&f, 0, sizeof f);
	r = proxy_parse(&px, s, &f);
	CHECK(r == 0 || r == XC_USAGE);
	if (r != 0) {
		CHECK(f.code == XC_USAGE && strncmp(f.text, "proxy", 5) == 0);
		CHECK(memchr(f.text, '\0', sizeof f.text) != NULL);
		return 0;
	}
	/* host and port as url_hostport() has them */
	{
		char host[URL_HOST_MAX + 1], port[6];
		struct fail g;

		CHECK(strlen(px.host) >= 1 && strlen(px.host) <= URL_HOST_MAX);
		CHECK(px.ip6 == 0 || px.ip6 == 1);
		CHECK(strlen(px.port) >= 1 && strlen(px.port) <= 5);
		snprintf(line, sizeof line, "%s%s%s:%s", px.ip6 ? "[" : "", px.host,
		    px.ip6 ? "]" : "", px.port);
		CHECK(url_hostport(line, strlen(line), host, port, 1, &lit, "again", &g) == 0);
		CHECK(strcmp(host, px.host) == 0 && strcmp(port, px.port) == 0);
		CHECK((lit == 6) == px.ip6);
	}
	/* auth: the model */
	CHECK(memchr(px.auth, '\0', sizeof px.auth) != NULL);
	a = strstr(s, "://");
	a = a ? a + 3 : s;
	end = a + strlen(a);
	if (end > a && end[-1] == '/')
		end--;
	for (at = end; at > a && at[-1] != '@'; at--)
		;
	if (at == a) {
		CHECK(px.auth[0] == '\0');
		return 1;
	}
	user = malloc(n + 1);
	pass = malloc(n + 1);
	both = malloc(2 * n + 2);
	want = malloc(sizeof px.auth);
	CHECK(user && pass && both && want);
	colon = memchr(a, ':', (size_t)(at - 1 - a));
	ul = pdecode(user, a, (size_t)((colon ? colon : at - 1) - a));
	pl = colon ? pdecode(pass, colon + 1, (size_t)(at - 1 - colon - 1)) : 0;
	if (!colon)
		pass[0] = '\0';
	CHECK(ul >= 0 && pl >= 0);
	snprintf(both, 2 * n + 2, "%s:%s", user, pass);
	wl = unb64((unsigned char *)want, px.auth);
	if (wl < 0 || (size_t)wl != strlen(both) || memcmp(want, both, (size_t)wl) != 0) {
		fprintf(stderr, "auth \"%s\" is not the base64 of \"%s\"\n",
		    px.auth, both);
		CHECK(0);
	}
	/* the secrets proxy_parse() registered */
	snprintf(line, sizeof line, "Proxy-Authorization: Basic %s", px.auth);
	redacted(line, px.auth);
	if (colon && at - 1 - colon - 1 > 0) {
		char raw[600];
		size_t rl = (size_t)(at - 1 - colon - 1);

		if (rl < sizeof raw) {
			memcpy(raw, colon + 1, rl);
			raw[rl] = '\0';
			snprintf(line, sizeof line, "proxy http://x:%s@host failed", raw);
			redacted(line, raw);
		}
	}
	free(user);
	free(pass);
	free(both);
	free(want);
	return 1;
}

static void
lowercase(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s += 32;
}

static void
noproxy(const char *list, const char *hostfield)
{
	size_t ln = strlen(list), hn = strlen(hostfield);
	char *host = malloc(hn + 3), *up = malloc(ln + 1), *l2 = malloc(ln + hn + 16);
	char h[URL_HOST_MAX + 1], port[6];
	const char *comma;
	struct fail f;
	int r, lit, i;

	CHECK(host && up && l2);
	memcpy(host, hostfield, hn + 1);
	lowercase(host);
	r = noproxy_match(list, host);
	CHECK(r == 0 || r == 1);
	CHECK(noproxy_match("*", host) == 1);
	CHECK(noproxy_match(" ,\t* ,", host) == 1);
	CHECK(noproxy_match("", host) == 0);
	/* case-insensitive list */
	for (i = 0; list[i]; i++)
		up[i] = list[i] >= 'a' && list[i] <= 'z' ? list[i] - 32 : list[i];
	up[ln] = '\0';
	CHECK(noproxy_match(up, host) == r);
	/* the union of its parts */
	if ((comma = strchr(list, ',')) != NULL) {
		memcpy(l2, list, (size_t)(comma - list));
		l2[comma - list] = '\0';
		CHECK(r == (noproxy_match(l2, host) || noproxy_match(comma + 1, host)));
	}
	/* a valid host name or address */
	if (url_hostport(hostfield, hn, h, port, 443, &lit, "host", &f) == 0 &&
	    strchr(hostfield, '[') == NULL) {
		CHECK(noproxy_match(h, h) == 1);
		snprintf(l2, ln + hn + 16, ".%s", h);
		CHECK(noproxy_match(l2, h) == 1);
		snprintf(l2, ln + hn + 16, " x.invalid , %s\t,", h);
		CHECK(noproxy_match(l2, h) == 1);
		if (lit != 6) {
			snprintf(l2, ln + hn + 16, "x%s", h);
			CHECK(noproxy_match(h, l2) == 0);
			if (noproxy_match(list, h)) {
				snprintf(l2, ln + hn + 16, "a.%s", h);
				CHECK(noproxy_match(list, l2) == 1);
			}
		}
	}
	if (url_hostport(hostfield, hn, h, port, 443, &lit, "host", &f) == 0 && lit == 6) {
		snprintf(l2, ln + hn + 16, "[%s]", h);
		CHECK(noproxy_match(l2, h) == 1);
	}
	free(host);
	free(up);
	free(l2);
}

static void
request(int parsed, const char *hostfield)
{
	static struct url u;
	static char big[4096];
	char want[700], *s, *dst;
	struct fail f;
	size_t n;
	int v6;

	if (!parsed)
		return;
	s = malloc(strlen(hostfield) + 16);
	CHECK(s != NULL);
	sprintf(s, "https://%s", hostfield);
	if (url_parse(&u, s, &f) != 0)
		CHECK(url_parse(&u, "https://iam.cloud.ibm.com", &f) == 0);
	free(s);
	v6 = u.iplit == 6;
	n = proxy_request(big, sizeof big, &px, &u, "fuzz");
	CHECK(n > 0 && strlen(big) == n);
	snprintf(want, sizeof want, "CONNECT %s%s%s:%s HTTP/1.1\r\n", v6 ? "[" : "",
	    u.host, v6 ? "]" : "", u.port);
	CHECK(strncmp(big, want, strlen(want)) == 0);
	snprintf(want, sizeof want, "\r\nHost: %s%s%s:%s\r\n", v6 ? "[" : "", u.host,
	    v6 ? "]" : "", u.port);
	CHECK(strstr(big, want) != NULL);
	snprintf(want, sizeof want, "\r\nProxy-Authorization: Basic %s\r\n", px.auth);
	CHECK((strstr(big, want) != NULL) == (px.auth[0] != '\0'));
	CHECK((strstr(big, "Proxy-Authorization") != NULL) == (px.auth[0] != '\0'));
	head_framing(big, n);
	dst = malloc(n + 1);
	CHECK(dst != NULL);
	CHECK(proxy_request(dst, n + 1, &px, &u, "fuzz") == n);
	CHECK(memcmp(dst, big, n + 1) == 0);
	CHECK(proxy_request(dst, n, &px, &u, "fuzz") == 0);
	free(dst);
}

/* the model of http_retry_after() */
static long
retry_model(const char *v, long long now)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	size_t n = strlen(v), i;
	long long sec = 0, t;
	struct tm tm;
	int m, k;
	long f[5];
	static const int at[5][2] = { { 5, 2 }, { 12, 4 }, { 17, 2 }, { 20, 2 }, { 23, 2 } };

	if (n == 0)
		return -1;
	if (strspn(v, "0123456789") == n) {
		for (i = 0; i < n; i++) {
			sec = sec * 10 + (v[i] - '0');
			if (sec > 100000000)
				return 100000000;
		}
		return (long)sec;
	}
	if (n != 29 || v[3] != ',' || v[4] != ' ' || v[7] != ' ' || v[11] != ' ' ||
	    v[16] != ' ' || v[19] != ':' || v[22] != ':' || v[25] != ' ' ||
	    strcmp(v + 26, "GMT") != 0)
		return -1;
	for (m = 0; m < 12 && strncmp(months + 3 * m, v + 8, 3) != 0; m++)
		;
	for (k = 0; k < 5; k++) {
		f[k] = 0;
		for (i = 0; i < (size_t)at[k][1]; i++) {
			char c = v[at[k][0] + i];

			if (c < '0' || c > '9')
				return -1;
			f[k] = f[k] * 10 + (c - '0');
		}
	}
	if (m == 12 || f[0] < 1 || f[0] > 31 || f[1] < 1970 || f[2] > 23 ||
	    f[3] > 59 || f[4] > 60)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = (int)f[1] - 1900;
	tm.tm_mon = m;
	tm.tm_mday = (int)f[0];
	tm.tm_hour = (int)f[2];
	tm.tm_min = (int)f[3];
	tm.tm_sec = (int)f[4];
	t = (long long)timegm(&tm);
	if (t <= now)
		return 0;
	return t - now > 100000000 ? 100000000 : (long)(t - now);
}

static void
retry(const char *v)
{
	static const long long nows[] = { 0, 784111777, 1764000000, 253402300799LL };
	size_t i;
	long r, want;

	for (i = 0; i < sizeof nows / sizeof nows[0]; i++) {
		r = http_retry_after(v, nows[i]);
		/* http.h: "at most 100000000" */
		CHECK(r == -1 || (r >= 0 && r <= 100000000));
		if (r > 100000000)
			continue;
		want = retry_model(v, nows[i]);
		if (r != want) {
			fprintf(stderr, "Retry-After \"%s\" at %lld: %ld, want %ld\n", v,
			    nows[i], r, want);
			CHECK(0);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 4), *field[4];
	size_t i, k = 0;
	int parsed;

	CHECK(buf != NULL);
	memcpy(buf, data, size);
	memset(buf + size, 0, 4);
	field[0] = buf;
	for (i = 0; i < size && k < 3; i++)
		if (buf[i] == '\0')
			field[++k] = buf + i + 1;
	while (k < 3)
		field[++k] = buf + size + 3;	/* "" */
	msg_forget();
	parsed = parse(field[0]);
	noproxy(field[1], field[2]);
	request(parsed, field[2]);
	retry(field[3]);
	msg_forget();
	free(buf);
	return 0;
}
