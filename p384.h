/*
 * p384.h: fast P-384 ECDSA verification for BearSSL, and nothing else.
 *
 * Two entries, both for verification only:
 *
 *   - p384_vrfy_raw(), p384_vrfy_asn1(): br_ecdsa_vrfy functions, for
 *     br_ssl_engine_set_ecdsa() and br_x509_minimal_set_ecdsa() (what
 *     tls.c installs). br_ecdsa_i31_vrfy_raw/_asn1 with P-384 keys
 *     verified here: the same verdict, without BearSSL's two
 *     constant-time inversions (1/s mod n, 1/Z mod p): u1 = e/s and
 *     u2 = r/s by binary Euclid, and x(u1 G + u2 Q) compared as
 *     X = r Z^2, or (r + n) Z^2 when r + n < p. Keys on other curves go to
 *     br_ecdsa_i31_vrfy_raw/_asn1 with impl, as do a few inputs below.
 *   - p384_ec, a br_ec_impl: br_ec_all_m31 with one function replaced,
 *     muladd() on BR_EC_secp384r1, the one BearSSL's ECDSA verification
 *     (br_ecdsa_i31_vrfy_raw) calls. Every other curve and every other
 *     function, mul() and mulgen() included (ECDHE, whose scalar is
 *     secret), is br_ec_all_m31's, called unchanged. With p384_vrfy_*
 *     installed BearSSL never reaches a P-384 muladd(), so tls.c keeps
 *     br_ec_all_m31 (864 bytes less); p384_ec is for code that verifies
 *     with br_ecdsa_i31_vrfy_*, and the tests compare whole muladd()
 *     results through it.
 *
 * Public data only: a public key, a hash, a signature, the generator and
 * scalars made of them. That is why p384.c is variable-time (windowed
 * NAF, data-dependent branches, early exits), as OpenSSL's and Go's
 * verification code is. No secret can reach it: BearSSL calls these
 * entries to verify signatures, nothing else.
 *
 * Same answers as BearSSL, for every input:
 *   - muladd(A, B, len, x, xlen, y, ylen, BR_EC_secp384r1) gives the same
 *     return value and the same 97 bytes in A as br_ec_prime_i31's. It
 *     computes x*A + y*B (B NULL: the generator) itself when len is 97,
 *     A and B are uncompressed points (0x04, X, Y) with X, Y < p on the
 *     curve and x, y (big-endian, any length) are in [1, n-1]: the sum,
 *     uncompressed, and 1; when the sum is the point at infinity, 0x04,
 *     96 zero bytes and 0. Other inputs (an invalid point, a scalar 0 or
 *     >= n) go to br_ec_prime_i31's muladd, whose answers there are its
 *     own: x = 0 gives 2*y*B and 1, y = 0 gives 0x04, zeros and 1, a
 *     scalar >= n is undefined (bearssl_ec.h).
 *   - p384_vrfy_raw/_asn1 return what br_ecdsa_i31_vrfy_raw/_asn1 return
 *     (1 valid, 0 not), for hash_len below 2^29 (BearSSL's bit count of
 *     the hash wraps above). A signature with r = 0, or a hash that is 0
 *     mod n, goes to BearSSL's function (whose muladd answers those cases
 *     as above): with both, BearSSL accepts any s, and so does p384.c.
 *     Only a hash of 0 or n bytes makes it (a SHA-2 preimage, out of
 *     reach: crtoken's hashes are SHA-2 outputs).
 *
 * Requires unsigned __int128 (gcc or clang on a 64-bit target: x86_64,
 * aarch64, s390x, ppc64le); any byte order. No static state; under 6 KB
 * of stack (two tables of eight points).
 */
#ifndef P384_H
#define P384_H

#include <bearssl.h>

extern const br_ec_impl p384_ec;

uint32_t p384_vrfy_raw(const br_ec_impl *impl, const void *hash, size_t hash_len,
    const br_ec_public_key *pk, const void *sig, size_t sig_len);
uint32_t p384_vrfy_asn1(const br_ec_impl *impl, const void *hash, size_t hash_len,
    const br_ec_public_key *pk, const void *sig, size_t sig_len);

#ifdef P384_TEST
/*
 * For the tests only (p384.c compiled with -DP384_TEST): the field
 * arithmetic modulo p = 2^384 - 2^128 - 2^96 + 2^32 - 1 on six 64-bit
 * limbs, least significant first. Inputs are any values below 2^384;
 * results are below 2^384 and congruent modulo p (not always below p),
 * except p384_fe_canon(), which gives the value modulo p. p384_fe_inv(0)
 * is 0. p384_fe_frombytes() reads 48 bytes big-endian (any value below
 * 2^384); p384_fe_tobytes() writes the canonical value. p384_moddiv()
 * is y / x mod n for a prime n, y < n, 0 < x < n.
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
void p384_moddiv(uint64_t r[6], const uint64_t y[6], const uint64_t x[6],
    const uint64_t n[6]);

/* calls to the double multiplication (muladd() or p384_vrfy_*) */
extern unsigned long p384_own;
#endif

#endif
