/*
 * p384.h: fast P-384 ECDSA verification for BearSSL, and nothing else.
 *
 * p384_ec is a br_ec_impl to give BearSSL wherever it would take
 * br_ec_all_m31 (the engine's br_ssl_engine_set_ec() and the X.509
 * engine's br_x509_minimal_set_ecdsa()). It is br_ec_all_m31 with one
 * entry replaced: muladd() on BR_EC_secp384r1, the operation BearSSL's
 * ECDSA verifier (br_ecdsa_i31_vrfy_raw) uses and the only one. Every
 * other curve and every other operation, mul() and mulgen() included
 * (ECDHE, whose scalar is secret), is br_ec_all_m31's, called unchanged.
 *
 * Public data only. muladd() in ECDSA verification sees the public key,
 * the generator and two scalars derived from the hash and the signature;
 * nothing secret. That is why p384.c is variable-time (windowed NAF,
 * early exits, data-dependent branches), as OpenSSL's and Go's
 * verification code is. No secret can reach it: the one route in is
 * muladd(), which BearSSL calls for verification only.
 *
 * muladd(A, B, len, x, xlen, y, ylen, BR_EC_secp384r1) gives the same
 * return value and the same 97 bytes in A as br_ec_prime_i31's, for every
 * input. p384.c computes x*A + y*B (B NULL: the generator) itself when
 *   - len is 97 and A and B are uncompressed points (0x04, X, Y) with
 *     X, Y < p on the curve, and
 *   - x and y (big-endian, any length) are in [1, n-1];
 * then the result is the sum in uncompressed form and 1, or, when the sum
 * is the point at infinity, 0x04 and 96 zero bytes and 0, as BearSSL
 * answers. Any other input (an invalid point, a scalar 0 or >= n) goes
 * to br_ec_prime_i31's muladd, because its answers there are its own:
 * x = 0 gives 2*y*B and 1; y = 0 gives 0x04 and zeros and 1; a scalar
 * >= n is undefined (bearssl_ec.h). ECDSA verification never passes a
 * scalar >= n, and passes 0 only for a hash that is 0 modulo n.
 *
 * Requires unsigned __int128 (gcc or clang on a 64-bit target: x86_64,
 * aarch64, s390x, ppc64le); any byte order. Uses the stack only (under
 * 4 KB), no static state.
 */
#ifndef P384_H
#define P384_H

#include <bearssl.h>

extern const br_ec_impl p384_ec;

#ifdef P384_TEST
/*
 * For the tests only (p384.c compiled with -DP384_TEST): the field
 * arithmetic modulo p = 2^384 - 2^128 - 2^96 + 2^32 - 1 on six 64-bit
 * limbs, least significant first. Inputs are any values below 2^384;
 * results are below 2^384 and congruent modulo p (not always below p),
 * except p384_fe_canon(), which gives the value modulo p. p384_fe_inv(0)
 * is 0. p384_fe_frombytes() reads 48 bytes big-endian (any value below
 * 2^384); p384_fe_tobytes() writes the canonical value.
 */
#include <stdint.h>

void p384_fe_add(uint64_t r[6], const uint64_t a[6], const uint64_t b[6]);
void p384_fe_sub(uint64_t r[6], const uint64_t a[6], const uint64_t b[6]);
void p384_fe_mul(uint64_t r[6], const uint64_t a[6], const uint64_t b[6]);
void p384_fe_sqr(uint64_t r[6], const uint64_t a[6]);
void p384_fe_inv(uint64_t r[6], const uint64_t a[6]);
void p384_fe_canon(uint64_t r[6], const uint64_t a[6]);
void p384_fe_frombytes(uint64_t r[6], const unsigned char s[48]);
void p384_fe_tobytes(unsigned char s[48], const uint64_t a[6]);

/* muladd() calls answered by p384.c itself, not br_ec_prime_i31 */
extern unsigned long p384_own;
#endif

#endif
