/* see jwt.h */
#include <string.h>

#include "jwt.h"

static const char B64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* c's value in base64url (url set) or base64, or -1 */
static int
b64val(unsigned char c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

int
jwt_shape(const char *s, size_t n)
{
	size_t i, part = 0, plen = 0;

	for (i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (plen == 0 || plen % 4 == 1)
				return -1;	/* empty, or not a base64 length */
			part++;
			plen = 0;
			continue;
		}
		if (b64val((unsigned char)s[i], 1) < 0)
			return -1;
		plen++;
	}
	return part == 3 ? 0 : -1;
}

static long
decode(unsigned char *dst, size_t cap, const char *s, size_t n, int url)
{
	size_t i, len = 0;
	unsigned long acc = 0;
	int bits = 0, v;

	if (n % 4 == 1)
		return -1;
	for (i = 0; i < n; i++) {
		if ((v = b64val((unsigned char)s[i], url)) < 0)
			return -1;
		acc = (acc << 6 | (unsigned long)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (len >= cap)
				return -1;
			dst[len++] = (unsigned char)(acc >> bits);
		}
	}
	/* leftover bits must be zero (canonical encoding) */
	if (bits > 0 && (acc & ((1UL << bits) - 1)) != 0)
		return -1;
	return (long)len;
}

long
b64url_decode(unsigned char *dst, size_t cap, const char *s, size_t n)
{
	return decode(dst, cap, s, n, 1);
}

long
b64_decode(unsigned char *dst, size_t cap, const char *s, size_t n)
{
	if (n % 4 != 0)
		return -1;
	if (n > 0 && s[n - 1] == '=')
		n -= n > 1 && s[n - 2] == '=' ? 2 : 1;
	return decode(dst, cap, s, n, 0);
}

size_t
b64_encode(char *dst, size_t cap, const unsigned char *s, size_t n)
{
	size_t i, len = 0;

	if ((n + 2) / 3 * 4 >= cap)
		return 0;
	for (i = 0; i < n; i += 3) {
		unsigned long v = (unsigned long)s[i] << 16 |
		    (i + 1 < n ? (unsigned long)s[i + 1] << 8 : 0) |
		    (i + 2 < n ? s[i + 2] : 0);

		dst[len++] = B64[v >> 18 & 63];
		dst[len++] = B64[v >> 12 & 63];
		dst[len++] = i + 1 < n ? B64[v >> 6 & 63] : '=';
		dst[len++] = i + 2 < n ? B64[v & 63] : '=';
	}
	dst[len] = '\0';
	return len;
}

/*
 * A payload of L bytes nested at most JSON_DEPTH deep has at most L / 2
 * + JSON_DEPTH + 1 tokens: each value but the containers' openings takes
 * two bytes with its separator.
 */
static char payload[JWT_MAX / 4 * 3];
static jsmntok_t toks[JWT_MAX / 4 * 3 / 2 + JSON_DEPTH + 2];
static size_t used;

void
jwt_wipe(void)
{
	explicit_bzero(payload, used);
	used = 0;
}

int
jwt_claims(const char *s, size_t n, struct json *j, const char **why)
{
	const char *p, *q, *w;
	long len;

	jwt_wipe();
	if (why == NULL)
		why = &w;
	*why = "not a JWT (three dot-separated base64url parts)";
	if (n > JWT_MAX || jwt_shape(s, n) < 0)
		return -1;
	p = (const char *)memchr(s, '.', n) + 1;
	q = memchr(p, '.', n - (size_t)(p - s));
	*why = "the payload is not base64url";
	if ((len = b64url_decode((unsigned char *)payload, sizeof payload, p,
	    (size_t)(q - p))) < 0)
		return -1;
	used = (size_t)len;
	j->tok = toks;
	j->cap = (int)(sizeof toks / sizeof toks[0]);
	return json_parse(j, payload, used, why);
}
