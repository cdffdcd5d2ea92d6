/*
 * jwt.h: the shape of a JWT and its payload, without verifying anything;
 * and the base64 codecs crtoken needs (JWTs, Basic auth, auth files).
 *
 * crtoken never checks signatures: IAM does. It checks that a CR token looks
 * like a compact JWS (three dot-separated, non-empty base64url parts) before
 * sending it, and reads claims (exp) of the token IAM returns.
 */
#ifndef JWT_H
#define JWT_H

#include <stddef.h>

#include "json.h"

/* jwt_shape(): 0 when s[0..n) is three non-empty base64url parts, else -1. */
int jwt_shape(const char *s, size_t n);

/*
 * b64url_decode(): decode s[0..n) (base64url, no padding) into dst (cap
 * bytes). Returns the decoded length, or -1 on a bad character, a bad
 * length or when it does not fit.
 */
long b64url_decode(unsigned char *dst, size_t cap, const char *s, size_t n);

/* b64_decode(): the same for base64 (RFC 4648 section 4), '=' padded to a multiple of 4. */
long b64_decode(unsigned char *dst, size_t cap, const char *s, size_t n);

/*
 * b64_encode(): s[0..n) in base64 with '=' padding into dst (cap bytes,
 * NUL-terminated): the length, or 0 when it does not fit.
 */
size_t b64_encode(char *dst, size_t cap, const unsigned char *s, size_t n);

#define JWT_MAX 65536	/* jwt_claims() reads any JWT up to this many bytes */

/*
 * jwt_claims(): decode the payload of JWT s[0..n) into jwt.c's static
 * buffer and parse it into j, with jwt.c's token array: room for any
 * payload of a JWT_MAX-byte token, whatever the number of claims. j stays
 * valid until the next call or jwt_wipe(). Returns 0, or -1 with *why
 * (when why is not NULL) naming what failed: not a JWT, the payload not
 * base64url, or json_parse()'s reason.
 */
int jwt_claims(const char *s, size_t n, struct json *j, const char **why);

/* jwt_wipe(): wipe the decoded payload of the last jwt_claims(). */
void jwt_wipe(void);

#endif
