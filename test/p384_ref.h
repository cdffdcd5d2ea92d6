/*
 * p384_ref.h: what test/p384.c and test/fuzz/fuzz_p384.c share: BearSSL's
 * i31 big-integer functions (its src/inner.h, not installed), the curve's
 * numbers as bytes and as i31 integers (ref_setup() fills them), i31
 * field arithmetic as br_ec_prime_i31 does it (to_i31, from_i31), mod n
 * arithmetic (modn, modn_inv), and points made from X (decompress, with
 * p384.c's test entries: p384.c built with -DP384_TEST) or negated.
 * Included by those two files only.
 */
#ifndef P384_REF_H
#define P384_REF_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <bearssl.h>

#include "../p384.h"

/* BearSSL's i31 big integers (its src/inner.h, not installed) */
uint32_t br_i31_add(uint32_t *a, const uint32_t *b, uint32_t ctl);
uint32_t br_i31_sub(uint32_t *a, const uint32_t *b, uint32_t ctl);
void br_i31_decode(uint32_t *x, const void *src, size_t len);
void br_i31_decode_reduce(uint32_t *x, const void *src, size_t len, const uint32_t *m);
void br_i31_encode(void *dst, size_t len, const uint32_t *x);
uint32_t br_i31_ninv31(uint32_t x);
void br_i31_montymul(uint32_t *d, const uint32_t *x, const uint32_t *y,
    const uint32_t *m, uint32_t m0i);
void br_i31_from_monty(uint32_t *x, const uint32_t *m, uint32_t m0i);
void br_i31_modpow(uint32_t *x, const unsigned char *e, size_t elen,
    const uint32_t *m, uint32_t m0i, uint32_t *t1, uint32_t *t2);

/* ---- numbers ---- */

static unsigned char Pb[48], Nb[48], Gb[97];
static uint32_t pi[14], p0i, r2[14], ni[14], n0i, r2n[14];

/* big-endian a += v (v small, may be negative); returns the carry out */
static inline int
addsmall(unsigned char *a, size_t n, int v)
{
	int c = v;

	while (n-- > 0 && c != 0) {
		int s = a[n] + c;

		a[n] = (unsigned char)s;
		c = s >> 8;	/* floor division: -1 for a borrow */
	}
	return c;
}

static inline void
ref_setup(void)
{
	unsigned char t[101];	/* 2^806 = 0x40 then 100 zero bytes */
	size_t len;

	memcpy(Nb, br_ec_prime_i31.order(BR_EC_secp384r1, &len), 48);
	memcpy(Gb, br_ec_prime_i31.generator(BR_EC_secp384r1, &len), 97);
	memset(Pb, 0xff, 48);	/* p = 2^384 - 2^128 - 2^96 + 2^32 - 1 */
	Pb[31] = 0xfe;
	memset(Pb + 36, 0, 8);
	br_i31_decode(pi, Pb, 48);
	p0i = br_i31_ninv31(pi[1]);
	/* R^2 mod p, R = 2^(31 * 13) */
	memset(t, 0, sizeof t);
	t[0] = 0x40;		/* 2^806 */
	br_i31_decode_reduce(r2, t, sizeof t, pi);
	br_i31_decode(ni, Nb, 48);
	n0i = br_i31_ninv31(ni[1]);
	br_i31_decode_reduce(r2n, t, sizeof t, ni);
}

/* out = a op b mod n ('+', '-', '*'), all 48 bytes big-endian, a, b < n */

static inline void
modn(unsigned char *out, const unsigned char *a, int op, const unsigned char *b)
{
	uint32_t ia[14], ib[14], t[14];

	br_i31_decode_reduce(ia, a, 48, ni);	/* the announced length of n */
	br_i31_decode_reduce(ib, b, 48, ni);
	if (op == '+') {
		uint32_t c = br_i31_add(ia, ib, 1);

		br_i31_sub(ia, ni, c | (1 ^ br_i31_sub(ia, ni, 0)));
	} else if (op == '-') {
		br_i31_add(ia, ni, br_i31_sub(ia, ib, 1));
	} else {
		br_i31_montymul(t, ia, ib, ni, n0i);
		br_i31_montymul(ia, t, r2n, ni, n0i);
	}
	br_i31_encode(out, 48, ia);
}

static inline void
small(unsigned char *k, int v)	/* 48 bytes: v >= 0, or n + v */
{
	memset(k, 0, 48);
	if (v < 0)
		memcpy(k, Nb, 48);
	addsmall(k, 48, v);
}

/* ---- the field: p384_fe_* against i31 as br_ec_prime_i31 computes ---- */

static inline void
to_i31(uint32_t *x, const unsigned char *b)	/* b mod p, Montgomery form */
{
	uint32_t t[14];

	br_i31_decode_reduce(t, b, 48, pi);
	br_i31_montymul(x, t, r2, pi, p0i);
}

static inline void
from_i31(unsigned char *b, const uint32_t *x)
{
	uint32_t t[14];

	memcpy(t, x, sizeof t);
	br_i31_from_monty(t, pi, p0i);
	br_i31_encode(b, 48, t);
}

/* ref = a + b and a - b mod p, as br_ec_prime_i31's MADD and MSUB do them */
static inline void
ref_add(unsigned char *ref, const uint32_t *ia, const uint32_t *ib)
{
	uint32_t ir[14], c;

	memcpy(ir, ia, sizeof ir);
	c = br_i31_add(ir, ib, 1);
	c |= 1 ^ br_i31_sub(ir, pi, 0);
	br_i31_sub(ir, pi, c);
	from_i31(ref, ir);
}

static inline void
ref_sub(unsigned char *ref, const uint32_t *ia, const uint32_t *ib)
{
	uint32_t ir[14];

	memcpy(ir, ia, sizeof ir);
	br_i31_add(ir, pi, br_i31_sub(ir, ib, 1));
	from_i31(ref, ir);
}

/*
 * p384.c's field on a, b (any 48 bytes) against the i31 code: the bits
 * REF_* of the operations whose results differ (0: all agree). inv: also
 * 1/a. canon must give the value mod p (REF_CANON), below p and a itself
 * when a < p (REF_BELOW).
 */
enum { REF_BYTES = 1, REF_ADD = 2, REF_SUB = 4, REF_MUL = 8, REF_SQR = 16, REF_CANON = 32,
    REF_BELOW = 64, REF_INV = 128 };

static inline unsigned
ref_field(const unsigned char *a, const unsigned char *b, int inv)
{
	uint64_t fa[6], fb[6], fr[6];
	uint32_t ia[14], ib[14], ir[14], t1[14], t2[14];
	unsigned char mine[48], ref[48], e[48];
	unsigned bad = 0;

	p384_fe_frombytes(fa, a);
	p384_fe_frombytes(fb, b);
	to_i31(ia, a);
	to_i31(ib, b);

	p384_fe_tobytes(mine, fa);	/* canonical: the value mod p */
	from_i31(ref, ia);
	bad |= memcmp(mine, ref, 48) ? REF_BYTES : 0;

	p384_fe_canon(fr, fa);	/* below p, and what tobytes wrote */
	p384_fe_tobytes(mine, fr);
	bad |= memcmp(mine, ref, 48) ? REF_CANON : 0;
	if ((memcmp(fr, fa, sizeof fr) != 0 && memcmp(a, Pb, 48) < 0) ||
	    !(fr[5] != ~(uint64_t)0 || fr[4] != ~(uint64_t)0 || fr[3] != ~(uint64_t)0 ||
	    fr[2] < 0xfffffffffffffffe || (fr[2] == 0xfffffffffffffffe &&
	    (fr[1] < 0xffffffff00000000 || (fr[1] == 0xffffffff00000000 &&
	    fr[0] < 0xffffffff)))))
		bad |= REF_BELOW;

	p384_fe_add(fr, fa, fb);
	p384_fe_tobytes(mine, fr);
	ref_add(ref, ia, ib);
	bad |= memcmp(mine, ref, 48) ? REF_ADD : 0;

	p384_fe_sub(fr, fa, fb);
	p384_fe_tobytes(mine, fr);
	ref_sub(ref, ia, ib);
	bad |= memcmp(mine, ref, 48) ? REF_SUB : 0;

	p384_fe_mul(fr, fa, fb);
	p384_fe_tobytes(mine, fr);
	br_i31_montymul(ir, ia, ib, pi, p0i);	/* MMUL */
	from_i31(ref, ir);
	bad |= memcmp(mine, ref, 48) ? REF_MUL : 0;

	p384_fe_sqr(fr, fa);
	p384_fe_tobytes(mine, fr);
	br_i31_montymul(ir, ia, ia, pi, p0i);
	from_i31(ref, ir);
	bad |= memcmp(mine, ref, 48) ? REF_SQR : 0;
	p384_fe_sqr(fr, fb);
	p384_fe_tobytes(mine, fr);
	br_i31_montymul(ir, ib, ib, pi, p0i);
	from_i31(ref, ir);
	bad |= memcmp(mine, ref, 48) ? REF_SQR : 0;

	if (inv) {	/* MINV: x^(p-2), as code_affine does it */
		p384_fe_inv(fr, fa);
		p384_fe_tobytes(mine, fr);
		memcpy(e, Pb, 48);
		e[47] -= 2;
		br_i31_decode_reduce(ir, a, 48, pi);	/* modpow: not Montgomery */
		br_i31_modpow(ir, e, 48, pi, p0i, t1, t2);
		br_i31_encode(ref, 48, ir);
		bad |= memcmp(mine, ref, 48) ? REF_INV : 0;
	}
	return bad;
}

/* ---- points ---- */

/* y^2 = x^3 - 3x + b: the point with X = x and Y's low bit = odd, or 0 */
static inline int
decompress(unsigned char *pt, const unsigned char *x, int odd)
{
	static const char bhex[] = "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe814112"
	    "0314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef";
	uint64_t fx[6], fb[6], t[6], y[6], y2[6];
	unsigned char e[48], bb[48];
	int i, k;

	if (memcmp(x, Pb, 48) >= 0)
		return 0;
	for (i = 0; i < 48; i++) {
		unsigned v;

		sscanf(bhex + 2 * i, "%2x", &v);
		bb[i] = (unsigned char)v;
	}
	p384_fe_frombytes(fx, x);
	p384_fe_frombytes(fb, bb);
	p384_fe_sqr(t, fx);
	p384_fe_mul(t, t, fx);
	for (i = 0; i < 3; i++)
		p384_fe_sub(t, t, fx);
	p384_fe_add(t, t, fb);
	/* y = t^((p + 1) / 4) */
	memcpy(e, Pb, 48);
	addsmall(e, 48, 1);	/* p + 1, no carry out */
	for (i = 47; i > 0; i--)	/* >> 2 */
		e[i] = (unsigned char)(e[i] >> 2 | e[i - 1] << 6);
	e[0] >>= 2;
	memset(y, 0, sizeof y);
	y[0] = 1;
	for (i = 0; i < 384; i++) {
		p384_fe_sqr(y, y);
		k = e[i / 8] >> (7 - i % 8) & 1;
		if (k)
			p384_fe_mul(y, y, t);
	}
	p384_fe_sqr(y2, y);
	p384_fe_sub(y2, y2, t);
	p384_fe_canon(y2, y2);
	for (i = 0; i < 6; i++)
		if (y2[i] != 0)
			return 0;
	p384_fe_canon(y, y);
	if ((int)(y[0] & 1) != odd) {
		memset(t, 0, sizeof t);
		p384_fe_sub(y, t, y);
	}
	pt[0] = 0x04;
	memcpy(pt + 1, x, 48);
	p384_fe_tobytes(pt + 49, y);
	return 1;
}

static inline void
negate(unsigned char *dst, const unsigned char *pt)	/* Y -> p - Y */
{
	uint64_t y[6], z[6] = { 0 };

	memcpy(dst, pt, 97);
	p384_fe_frombytes(y, pt + 49);
	p384_fe_sub(y, z, y);
	p384_fe_tobytes(dst + 49, y);
}

/* 1/x mod n by BearSSL: x^(n-2) */
static inline void
modn_inv(unsigned char *out, const unsigned char *x)
{
	uint32_t ix[14], t1[14], t2[14];
	unsigned char e[48];

	memcpy(e, Nb, 48);
	e[47] -= 2;
	br_i31_decode_reduce(ix, x, 48, ni);
	br_i31_modpow(ix, e, 48, ni, n0i, t1, t2);
	br_i31_encode(out, 48, ix);
}

#endif
