/*
 * jwt.h: the shape of a JWT and its payload, without verifying anything.
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

/*
 * jwt_claims(): decode the payload of JWT s[0..n) into buf (cap bytes) and
 * parse it into j. Returns 0, or -1 when the token is not a JWT or its
 * payload is not a JSON object that fits.
 */
int jwt_claims(const char *s, size_t n, char *buf, size_t cap, struct json *j);

#endif
