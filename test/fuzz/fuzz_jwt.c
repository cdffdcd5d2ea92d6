/*
 * fuzz_jwt: jwt.h (jwt_shape, b64url_decode, jwt_claims) on the input as
 * a token.
 *
 *   - jwt_shape() agrees with a model of its contract: three dot-separated,
 *     non-empty base64url parts whose lengths are possible (not 1 mod 4).
 *   - b64url_decode() of the whole input and of each dot-separated part,
 *     with room to spare, exactly enough and one byte too little: it
 *     succeeds exactly for canonical base64url (valid characters, length
 *     not 1 mod 4, zero leftover bits), returns floor(6n / 8) bytes, never
 *     more than cap, and re-encoding the result gives the input back.
 *   - encoding the input bytes and decoding them gives them back.
 *   - jwt_claims() succeeds exactly when the input is at most JWT_MAX
 *     bytes, the shape is right and the payload decodes to a JSON object
 *     that json_parse() takes (with room for any number of tokens), and
 *     then holds the payload; when it fails it says why.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jwt.h"
#include "fuzz.h"

static const char B64URL[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int
val(unsigned char c)
{
	const char *p = c ? strchr(B64URL, c) : NULL;

	return p ? (int)(p - B64URL) : -1;
}

/* base64url without padding; dst holds (n * 4 + 2) / 3 bytes */
static size_t
encode(char *dst, const unsigned char *s, size_t n)
{
	size_t i, len = 0;

	for (i = 0; i < n; i += 3) {
		unsigned long v = (unsigned long)s[i] << 16 |
		    (i + 1 < n ? (unsigned long)s[i + 1] << 8 : 0) |
		    (i + 2 < n ? s[i + 2] : 0);

		dst[len++] = B64URL[v >> 18 & 63];
		dst[len++] = B64URL[v >> 12 & 63];
		if (i + 1 < n)
			dst[len++] = B64URL[v >> 6 & 63];
		if (i + 2 < n)
			dst[len++] = B64URL[v & 63];
	}
	return len;
}

/* Model: whether s[0..n) is canonical unpadded base64url. */
static int
canonical(const char *s, size_t n)
{
	size_t i;

	if (n % 4 == 1)
		return 0;
	for (i = 0; i < n; i++)
		if (val((unsigned char)s[i]) < 0)
			return 0;
	if (n % 4 == 2)
		return (val((unsigned char)s[n - 1]) & 15) == 0;
	if (n % 4 == 3)
		return (val((unsigned char)s[n - 1]) & 3) == 0;
	return 1;
}

static size_t
decoded_len(size_t n)
{
	return n / 4 * 3 + (n % 4 == 2 ? 1 : n % 4 == 3 ? 2 : 0);
}

/* b64url_decode() of s[0..n) against the model; returns the decoded bytes (caller frees) or NULL. */
static unsigned char *
decode(const char *s, size_t n, long *len)
{
	size_t want = decoded_len(n), cap;
	int ok = canonical(s, n);
	unsigned char *d, *more;
	char *again;
	long r;

	/* exactly enough */
	d = malloc(want ? want : 1);
	CHECK(d != NULL);
	r = b64url_decode(d, want, s, n);
	CHECK(r == (ok ? (long)want : -1));
	if (ok) {	/* round trip */
		again = malloc(n + 1);
		CHECK(again != NULL);
		CHECK(encode(again, d, (size_t)r) == n);
		CHECK(memcmp(again, s, n) == 0);
		free(again);
	}
	/* room to spare: the same */
	more = malloc(want + 16);
	CHECK(more != NULL);
	CHECK(b64url_decode(more, want + 16, s, n) == r);
	if (ok)
		CHECK(memcmp(more, d, want) == 0);
	free(more);
	/* one byte too little, and smaller caps: -1 */
	if (ok && want > 0) {
		for (cap = want - 1;; cap /= 2) {
			more = malloc(cap ? cap : 1);
			CHECK(more != NULL);
			CHECK(b64url_decode(more, cap, s, n) == -1);
			free(more);
			if (cap == 0)
				break;
		}
	}
	*len = r;
	if (!ok) {
		free(d);
		return NULL;
	}
	return d;
}

/* Model of jwt_shape(). */
static int
shape(const char *s, size_t n)
{
	size_t i, start = 0;
	int parts = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if (val((unsigned char)s[i]) < 0)
				return -1;
			continue;
		}
		if (i == start || (i - start) % 4 == 1)
			return -1;
		parts++;
		start = i + 1;
	}
	return parts == 3 ? 0 : -1;
}

static jsmntok_t mtok[JWT_MAX];
static struct json j, model = JSON_INIT(mtok);

static void
claims(const char *s, size_t n)
{
	const char *p, *q, *why, *jwhy = NULL;
	unsigned char *payload;
	long plen;
	int r, expect;

	r = jwt_claims(s, n, &j, &jwhy);
	CHECK(r == 0 || r == -1);
	CHECK(r == 0 || (jwhy != NULL && *jwhy != '\0'));
	if (r == 0)
		CHECK(j.ntok >= 1 && j.tok[0].type == JSMN_OBJECT);
	expect = -1;
	if (n <= JWT_MAX && shape(s, n) == 0) {
		p = memchr(s, '.', n) + 1;
		q = memchr(p, '.', n - (size_t)(p - s));
		payload = decode(p, (size_t)(q - p), &plen);
		if (payload != NULL) {
			expect = json_parse(&model, (const char *)payload, (size_t)plen, &why);
			if (r == 0) {	/* the same object */
				CHECK(j.ntok == model.ntok && j.len == (size_t)plen);
				CHECK(memcmp(j.js, payload, (size_t)plen) == 0);
			}
			free(payload);
		}
	}
	CHECK(r == expect);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	unsigned char *d;
	char *enc;
	size_t i, start, elen;
	long len;

	CHECK(jwt_shape(s, size) == shape(s, size));

	/* the whole input, then each dot-separated part */
	free(decode(s, size, &len));
	for (i = start = 0; i <= size; i++) {
		if (i == size || s[i] == '.') {
			free(decode(s + start, i - start, &len));
			start = i + 1;
		}
	}

	/* any bytes: encode, then decode */
	enc = malloc((size * 4 + 2) / 3 + 1);
	CHECK(enc != NULL);
	elen = encode(enc, data, size);
	CHECK(canonical(enc, elen));
	d = decode(enc, elen, &len);
	CHECK(d != NULL && len == (long)size && memcmp(d, data, size) == 0);
	free(d);
	free(enc);

	claims(s, size);
	return 0;
}
