/* see p384.h */
#include <stdint.h>
#include <string.h>

#include <bearssl.h>

#include "p384.h"

#ifndef __SIZEOF_INT128__
#error "p384.c needs unsigned __int128: gcc or clang on a 64-bit target"
#endif

typedef unsigned __int128 u128;
typedef uint64_t fe[6];	/* below 2^384, congruent mod p; least significant limb first */
typedef struct {
	fe x, y, z;	/* Jacobian: (x/z^2, y/z^3); z = 0 is the point at infinity */
} jac;

#ifdef P384_TEST
unsigned long p384_own;
#define P384_COUNT(x) (x)
#else
#define P384_COUNT(x) ((void)0)
#endif

#define W 5	/* wNAF window: digits odd, |d| < 2^(W-1) */
#define NT (1 << (W - 2))	/* table: P, 3P, ..., (2^(W-1) - 1)P */
#define PLEN 48

/* p, and 2^384 mod p = 2^128 + 2^96 - 2^32 + 1 */
static const fe P = {
	0x00000000ffffffff, 0xffffffff00000000, 0xfffffffffffffffe,
	0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff
};
static const fe C = { 0xffffffff00000001, 0x00000000ffffffff, 1, 0, 0, 0 };
static const fe B = {
	0x2a85c8edd3ec2aef, 0xc656398d8a2ed19d, 0x0314088f5013875a,
	0x181d9c6efe814112, 0x988e056be3f82d19, 0xb3312fa7e23ee7e4
};

/* r = a + b, r = a - b as integers; the carry, the borrow */
static uint64_t
add6(fe r, const fe a, const fe b)
{
	uint64_t c = 0, s;
	int i;

#pragma GCC unroll 6
	for (i = 0; i < 6; i++) {
		s = a[i] + c;
		c = s < c;
		r[i] = s + b[i];
		c += r[i] < s;
	}
	return c;
}

static uint64_t
sub6(fe r, const fe a, const fe b)
{
	uint64_t c = 0, s;
	int i;

#pragma GCC unroll 6
	for (i = 0; i < 6; i++) {
		s = a[i] - c;
		c = s > a[i];
		r[i] = s - b[i];
		c += r[i] > s;
	}
	return c;
}

/* r + k 2^384 made below 2^384, with 2^384 = C mod p */
static void
norm(fe r, int k)
{
	while (k > 0)
		k += (int)add6(r, r, C) - 1;
	while (k < 0)
		k += 1 - (int)sub6(r, r, C);
}

static void
fe_add(fe r, const fe a, const fe b)
{
	if (add6(r, a, b))
		norm(r, 1);
}

static void
fe_sub(fe r, const fe a, const fe b)
{
	if (sub6(r, a, b))
		norm(r, -1);
}

/*
 * Products: (c2:c1:c0) is a three-limb accumulator, MAC adds a b to it,
 * ADD adds x, OUT takes the low limb out and shifts it down.
 */
#define MAC(a, b) do { \
	u128 p_ = (u128)(a) * (b); \
	uint64_t l_ = (uint64_t)p_, h_ = (uint64_t)(p_ >> 64); \
	c0 += l_; \
	h_ += c0 < l_; \
	c1 += h_; \
	c2 += c1 < h_; \
} while (0)
#define ADD(x) do { \
	uint64_t x_ = (x); \
	c0 += x_; \
	x_ = c0 < x_; \
	c1 += x_; \
	c2 += c1 < x_; \
} while (0)
#define OUT(d) do { \
	(d) = c0; \
	c0 = c1; \
	c1 = c2; \
	c2 = 0; \
} while (0)
#define K0 0xffffffff00000001	/* 2^384 mod p = K0 + K1 2^64 + 2^128 */
#define K1 0x00000000ffffffff

/*
 * r = t mod p, t[0..12) the product: t[6..12) 2^384 is t[6..12) C,
 * folded in twice: below 2^514 (u), then below 2^384 + 2^259.
 */
static void
reduce(fe r, const uint64_t *t)
{
	const uint64_t *h = t + 6;
	uint64_t c0 = 0, c1 = 0, c2 = 0, u[9];

	ADD(t[0]); MAC(h[0], K0); OUT(u[0]);
	ADD(t[1]); MAC(h[1], K0); MAC(h[0], K1); OUT(u[1]);
	ADD(t[2]); MAC(h[2], K0); MAC(h[1], K1); ADD(h[0]); OUT(u[2]);
	ADD(t[3]); MAC(h[3], K0); MAC(h[2], K1); ADD(h[1]); OUT(u[3]);
	ADD(t[4]); MAC(h[4], K0); MAC(h[3], K1); ADD(h[2]); OUT(u[4]);
	ADD(t[5]); MAC(h[5], K0); MAC(h[4], K1); ADD(h[3]); OUT(u[5]);
	MAC(h[5], K1); ADD(h[4]); OUT(u[6]);
	ADD(h[5]); OUT(u[7]);
	u[8] = c0;
	h = u + 6;
	c0 = c1 = c2 = 0;
	ADD(u[0]); MAC(h[0], K0); OUT(r[0]);
	ADD(u[1]); MAC(h[1], K0); MAC(h[0], K1); OUT(r[1]);
	ADD(u[2]); MAC(h[2], K0); MAC(h[1], K1); ADD(h[0]); OUT(r[2]);
	ADD(u[3]); MAC(h[2], K1); ADD(h[1]); OUT(r[3]);
	ADD(u[4]); ADD(h[2]); OUT(r[4]);
	ADD(u[5]); OUT(r[5]);
	if (c0)
		norm(r, 1);
}

static void
fe_mul(fe r, const fe a, const fe b)
{
	uint64_t c0 = 0, c1 = 0, c2 = 0, t[12];

	MAC(a[0], b[0]); OUT(t[0]);
	MAC(a[0], b[1]); MAC(a[1], b[0]); OUT(t[1]);
	MAC(a[0], b[2]); MAC(a[1], b[1]); MAC(a[2], b[0]); OUT(t[2]);
	MAC(a[0], b[3]); MAC(a[1], b[2]); MAC(a[2], b[1]); MAC(a[3], b[0]); OUT(t[3]);
	MAC(a[0], b[4]); MAC(a[1], b[3]); MAC(a[2], b[2]); MAC(a[3], b[1]); MAC(a[4], b[0]);
	OUT(t[4]);
	MAC(a[0], b[5]); MAC(a[1], b[4]); MAC(a[2], b[3]); MAC(a[3], b[2]); MAC(a[4], b[1]);
	MAC(a[5], b[0]); OUT(t[5]);
	MAC(a[1], b[5]); MAC(a[2], b[4]); MAC(a[3], b[3]); MAC(a[4], b[2]); MAC(a[5], b[1]);
	OUT(t[6]);
	MAC(a[2], b[5]); MAC(a[3], b[4]); MAC(a[4], b[3]); MAC(a[5], b[2]); OUT(t[7]);
	MAC(a[3], b[5]); MAC(a[4], b[4]); MAC(a[5], b[3]); OUT(t[8]);
	MAC(a[4], b[5]); MAC(a[5], b[4]); OUT(t[9]);
	MAC(a[5], b[5]); OUT(t[10]);
	t[11] = c0;
	reduce(r, t);
}

/* a plain product: a squaring's own code (15 products fewer) measured no
   faster here, and cost 1 KB */
static void
fe_sqr(fe r, const fe a)
{
	fe_mul(r, a, a);
}

/* the value mod p: a < 2^384 < 2p, so at most one subtraction */
static void
fe_canon(fe r, const fe a)
{
	fe t;

	memcpy(r, sub6(t, a, P) ? a : t, sizeof(fe));
}

static int
fe_iszero(const fe a)
{
	fe t;
	uint64_t z = 0;
	int i;

	fe_canon(t, a);
	for (i = 0; i < 6; i++)
		z |= t[i];
	return z == 0;
}

/*
 * a^(p-2) = 1/a. p - 2 in binary: 255 ones, a zero, 32 ones, 64 zeros,
 * 30 ones, 0, 1. Each step squares acc n times, then multiplies it by
 * x[m] (m < 6), then keeps it as x[k] (k < 6), where x[i] = a^(2^e - 1)
 * for e = 1, 2, 3, 15 (6 at first), 30, 60 (120 later).
 */
static void
fe_inv(fe r, const fe a)
{
	static const unsigned char chain[][3] = {
		{ 1, 0, 1 }, { 1, 0, 2 }, { 3, 2, 3 }, { 6, 3, 6 }, { 3, 2, 3 },
		{ 15, 3, 4 }, { 30, 4, 5 }, { 60, 5, 5 }, { 120, 5, 6 },
		{ 15, 3, 6 }, { 1, 6, 6 }, { 30, 4, 6 }, { 2, 1, 6 }, { 64, 6, 6 },
		{ 30, 4, 6 }, { 2, 0, 6 }
	};
	fe x[6], acc;
	size_t i;
	int n;

	memcpy(x[0], a, sizeof(fe));
	memcpy(acc, a, sizeof(fe));
	for (i = 0; i < sizeof chain / sizeof chain[0]; i++) {
		for (n = chain[i][0]; n > 0; n--)
			fe_sqr(acc, acc);
		if (chain[i][1] < 6)
			fe_mul(acc, acc, x[chain[i][1]]);
		if (chain[i][2] < 6)
			memcpy(x[chain[i][2]], acc, sizeof(fe));
	}
	memcpy(r, acc, sizeof(fe));
}

static void
fe_frombytes(fe r, const unsigned char *s)
{
	int i;

	memset(r, 0, sizeof(fe));
	for (i = 0; i < PLEN; i++)
		r[5 - i / 8] = r[5 - i / 8] << 8 | s[i];
}

static void
fe_tobytes(unsigned char *s, const fe a)
{
	fe t;
	int i;

	fe_canon(t, a);
	for (i = 0; i < PLEN; i++)
		s[i] = (unsigned char)(t[5 - i / 8] >> (56 - 8 * (i % 8)));
}

/* dbl-2001-b (a = -3): 3M + 5S; the point at infinity stays there */
static void
dbl(jac *r, const jac *p)
{
	fe d, g, b, a, t;

	fe_sqr(d, p->z);
	fe_sqr(g, p->y);
	fe_mul(b, p->x, g);
	fe_sub(t, p->x, d);
	fe_add(a, p->x, d);
	fe_mul(a, a, t);
	fe_add(t, a, a);
	fe_add(a, t, a);		/* alpha = 3(x - z^2)(x + z^2) */
	fe_add(t, p->y, p->z);
	fe_sqr(t, t);
	fe_sub(t, t, g);
	fe_sub(r->z, t, d);		/* (y + z)^2 - y^2 - z^2 */
	fe_add(b, b, b);
	fe_add(b, b, b);		/* 4 beta */
	fe_sqr(t, a);
	fe_sub(t, t, b);
	fe_sub(r->x, t, b);		/* alpha^2 - 8 beta */
	fe_sub(b, b, r->x);
	fe_mul(b, a, b);
	fe_sqr(g, g);
	fe_add(g, g, g);
	fe_add(g, g, g);
	fe_add(g, g, g);
	fe_sub(r->y, b, g);		/* alpha (4 beta - x3) - 8 y^4 */
}

/* r = p + q for all points (r may be p); 12M + 4S */
static void
add(jac *r, const jac *p, const jac *q)
{
	fe u1, u2, s1, s2, h, t;

	if (fe_iszero(p->z)) {
		*r = *q;
		return;
	}
	if (fe_iszero(q->z)) {
		*r = *p;
		return;
	}
	fe_sqr(t, q->z);
	fe_mul(u1, p->x, t);
	fe_mul(t, t, q->z);
	fe_mul(s1, p->y, t);
	fe_sqr(t, p->z);
	fe_mul(u2, q->x, t);
	fe_mul(t, t, p->z);
	fe_mul(s2, q->y, t);
	fe_sub(h, u2, u1);
	fe_sub(s2, s2, s1);		/* R */
	if (fe_iszero(h)) {
		if (fe_iszero(s2))
			dbl(r, p);
		else
			memset(r->z, 0, sizeof(fe));
		return;
	}
	fe_mul(t, p->z, q->z);
	fe_mul(r->z, t, h);
	fe_sqr(t, h);
	fe_mul(u1, u1, t);		/* u1 h^2 */
	fe_mul(h, h, t);		/* h^3 */
	fe_sqr(t, s2);
	fe_sub(t, t, h);
	fe_sub(t, t, u1);
	fe_sub(r->x, t, u1);		/* R^2 - h^3 - 2 u1 h^2 */
	fe_sub(u1, u1, r->x);
	fe_mul(u1, u1, s2);
	fe_mul(s1, s1, h);
	fe_sub(r->y, u1, s1);		/* R (u1 h^2 - x3) - s1 h^3 */
}

/*
 * k[0..len) big-endian, any length: -1 when it is n or more, else its
 * value in r and 1, or 0 for zero. n is BearSSL's (48 bytes, 0xff first).
 */
static int
scalar(fe r, const unsigned char *k, size_t len)
{
	const unsigned char *n;
	unsigned char b[PLEN];
	size_t nlen;

	n = br_ec_all_m31.order(BR_EC_secp384r1, &nlen);
	while (len > 0 && *k == 0) {
		k++;
		len--;
	}
	memset(r, 0, sizeof(fe));
	if (len == 0)
		return 0;
	if (len > PLEN)
		return -1;
	memset(b, 0, PLEN);
	memcpy(b + PLEN - len, k, len);
	if (memcmp(b, n, PLEN) >= 0)
		return -1;
	fe_frombytes(r, b);
	return 1;
}

/* wNAF digits of k (below 2^384), least significant first: 385 of them */
static void
wnaf(signed char *d, const fe k)
{
	uint64_t e[7], c;
	int i, j, v;

	memcpy(e, k, sizeof(fe));
	e[6] = 0;
	for (i = 0; i <= 384; i++) {
		v = 0;
		if (e[0] & 1) {
			v = (int)(e[0] & ((1 << W) - 1));
			if (v >= 1 << (W - 1))
				v -= 1 << W;
			if (v > 0)	/* e -= v: no borrow, v is e's low bits */
				e[0] -= (uint64_t)v;
			for (j = 0, c = (uint64_t)(v < 0 ? -v : 0); c != 0; j++) {
				e[j] += c;
				c = e[j] < c;
			}
		}
		d[i] = (signed char)v;
		for (j = 0; j < 6; j++)
			e[j] = e[j] >> 1 | e[j + 1] << 63;
		e[6] >>= 1;
	}
}

/* a = a / 2 mod n (a < n) */
static void
half(fe a, const fe n)
{
	uint64_t c = 0;
	int i;

	if (a[0] & 1)
		c = add6(a, a, n);
	for (i = 0; i < 6; i++)
		a[i] = a[i] >> 1 | (i < 5 ? a[i + 1] << 63 : c << 63);
}

static int
isone(const fe a)
{
	return a[0] == 1 && (a[1] | a[2] | a[3] | a[4] | a[5]) == 0;
}

/*
 * r = y / x mod n, x in [1, n - 1], n prime: binary extended Euclid,
 * with x1 x = u y and x2 x = v y (mod n) all along
 */
static void
moddiv(fe r, const fe y, const fe x, const fe n)
{
	fe u, v, x1, x2;

	memcpy(u, x, sizeof(fe));
	memcpy(v, n, sizeof(fe));
	memcpy(x1, y, sizeof(fe));
	memset(x2, 0, sizeof(fe));
	while (!isone(u) && !isone(v)) {
		while (!(u[0] & 1)) {
			half(u, n);	/* u even: just a shift */
			half(x1, n);
		}
		while (!(v[0] & 1)) {
			half(v, n);
			half(x2, n);
		}
		if (!sub6(u, u, v)) {	/* u >= v: u - v */
			if (sub6(x1, x1, x2))
				add6(x1, x1, n);
		} else {
			add6(u, u, v);
			sub6(v, v, u);
			if (sub6(x2, x2, x1))
				add6(x2, x2, n);
		}
	}
	memcpy(r, isone(u) ? x1 : x2, sizeof(fe));
}

/* 0x04 X Y with X, Y < p on the curve: 1 and the point (z = 1), else 0 */
static int
decode(jac *r, const unsigned char *s)
{
	fe t, u, y2;

	if (s[0] != 0x04)
		return 0;
	fe_frombytes(r->x, s + 1);
	fe_frombytes(r->y, s + 1 + PLEN);
	fe_canon(t, r->x);
	fe_canon(u, r->y);
	if (memcmp(t, r->x, sizeof(fe)) != 0 || memcmp(u, r->y, sizeof(fe)) != 0)
		return 0;
	fe_sqr(t, r->x);
	fe_mul(t, t, r->x);
	fe_sub(t, t, r->x);
	fe_sub(t, t, r->x);
	fe_sub(t, t, r->x);
	fe_add(t, t, B);
	fe_sqr(y2, r->y);
	fe_sub(t, t, y2);
	memset(r->z, 0, sizeof(fe));
	r->z[0] = 1;
	return fe_iszero(t);
}

/* the generator, decoded (it is valid) */
static void
generator_point(jac *g)
{
	size_t len;

	decode(g, br_ec_all_m31.generator(BR_EC_secp384r1, &len));
}

/* t[i] = (2i + 1) p */
static void
table(jac *t, const jac *p)
{
	jac d;
	int i;

	dbl(&d, p);
	t[0] = *p;
	for (i = 1; i < NT; i++)
		add(&t[i], &t[i - 1], &d);
}

/* r += d * t[...], d an odd wNAF digit or 0 */
static void
add_digit(jac *r, const jac *t, int d)
{
	jac q;
	static const fe zero;

	if (d == 0)
		return;
	q = t[(d < 0 ? -d : d) >> 1];
	if (d < 0)
		fe_sub(q.y, zero, q.y);
	add(r, r, &q);
}

/* r = ka A + kb B (interleaved wNAF); 0 when r is the point at infinity */
static int
mul2(jac *r, const jac *a, const fe ka, const jac *b, const fe kb)
{
	jac ta[NT], tb[NT];
	signed char da[385], db[385];
	int i;

	P384_COUNT(p384_own++);
	table(ta, a);
	table(tb, b);
	wnaf(da, ka);
	wnaf(db, kb);
	memset(r, 0, sizeof *r);
	for (i = 384; i >= 0; i--) {
		if (!fe_iszero(r->z))
			dbl(r, r);
		add_digit(r, ta, da[i]);
		add_digit(r, tb, db[i]);
	}
	return !fe_iszero(r->z);
}

static uint32_t
muladd(unsigned char *A, const unsigned char *B, size_t len,
    const unsigned char *x, size_t xlen, const unsigned char *y, size_t ylen, int curve)
{
	jac pa, pb, r;
	fe kx, ky, zi, t;

	if (curve != BR_EC_secp384r1 || len != 1 + 2 * PLEN || scalar(kx, x, xlen) != 1 ||
	    scalar(ky, y, ylen) != 1 || !decode(&pa, A) || (B != NULL && !decode(&pb, B)))
		return br_ec_all_m31.muladd(A, B, len, x, xlen, y, ylen, curve);
	if (B == NULL)
		generator_point(&pb);
	memset(A + 1, 0, 2 * PLEN);
	if (!mul2(&r, &pa, kx, &pb, ky))
		return 0;
	fe_inv(zi, r.z);
	fe_sqr(t, zi);
	fe_mul(r.x, r.x, t);
	fe_mul(t, t, zi);
	fe_mul(r.y, r.y, t);
	fe_tobytes(A + 1, r.x);
	fe_tobytes(A + 1 + PLEN, r.y);
	return 1;
}

/* see p384.h */
uint32_t
p384_vrfy_raw(const br_ec_impl *impl, const void *hash, size_t hash_len,
    const br_ec_public_key *pk, const void *sig, size_t sig_len)
{
	const unsigned char *sg = sig;
	unsigned char h[PLEN];
	fe n, r, s, e, u1, u2, z2, t;
	jac q, g, R;
	size_t nlen, hlen = hash_len < PLEN ? hash_len : PLEN;
	int i;

	if (pk->curve != BR_EC_secp384r1)
		return br_ecdsa_i31_vrfy_raw(impl, hash, hash_len, pk, sig, sig_len);
	/* br_ecdsa_i31_vrfy_raw's checks, in its order */
	if (!(impl->supported_curves >> BR_EC_secp384r1 & 1) || (sig_len & 1) ||
	    pk->qlen != 1 + 2 * PLEN || scalar(r, sg, sig_len / 2) < 0 ||
	    scalar(s, sg + sig_len / 2, sig_len / 2) != 1)
		return 0;
	/* the hash's first 384 bits, mod n */
	fe_frombytes(n, br_ec_all_m31.order(BR_EC_secp384r1, &nlen));
	memset(h, 0, PLEN);
	if (hlen > 0)	/* hash may be NULL then */
		memcpy(h + PLEN - hlen, hash, hlen);
	fe_frombytes(e, h);
	if (!sub6(t, e, n))
		memcpy(e, t, sizeof(fe));
	/* r = 0, e = 0: BearSSL's muladd answers those its own way */
	if (fe_iszero(r) || (e[0] | e[1] | e[2] | e[3] | e[4] | e[5]) == 0)
		return br_ecdsa_i31_vrfy_raw(impl, hash, hash_len, pk, sig, sig_len);
	if (!decode(&q, pk->q))
		return 0;
	generator_point(&g);
	moddiv(u1, e, s, n);
	moddiv(u2, r, s, n);
	if (!mul2(&R, &q, u2, &g, u1))
		return 0;
	/* x(R) = X / Z^2 is r or r + n (when below p): X = r Z^2 or (r + n) Z^2 */
	fe_sqr(z2, R.z);
	for (i = 0; i < 2; i++) {
		fe_mul(t, r, z2);
		fe_sub(t, t, R.x);
		if (fe_iszero(t))
			return 1;
		if (add6(r, r, n) || !sub6(t, r, P))
			return 0;
	}
	return 0;
}

/* see p384.h */
uint32_t
p384_vrfy_asn1(const br_ec_impl *impl, const void *hash, size_t hash_len,
    const br_ec_public_key *pk, const void *sig, size_t sig_len)
{
	unsigned char raw[2 * (2 * 66) + 24];	/* as br_ecdsa_i31_vrfy_asn1 */

	if (pk->curve != BR_EC_secp384r1)
		return br_ecdsa_i31_vrfy_asn1(impl, hash, hash_len, pk, sig, sig_len);
	if (sig_len > sizeof raw / 2)
		return 0;
	memcpy(raw, sig, sig_len);
	return p384_vrfy_raw(impl, hash, hash_len, pk, raw, br_ecdsa_asn1_to_raw(raw, sig_len));
}

/* br_ec_all_m31 for everything else */
static const unsigned char *
generator(int curve, size_t *len)
{
	return br_ec_all_m31.generator(curve, len);
}

static const unsigned char *
order(int curve, size_t *len)
{
	return br_ec_all_m31.order(curve, len);
}

static size_t
xoff(int curve, size_t *len)
{
	return br_ec_all_m31.xoff(curve, len);
}

static uint32_t
mul(unsigned char *G, size_t glen, const unsigned char *k, size_t klen, int curve)
{
	return br_ec_all_m31.mul(G, glen, k, klen, curve);
}

static size_t
mulgen(unsigned char *R, const unsigned char *k, size_t klen, int curve)
{
	return br_ec_all_m31.mulgen(R, k, klen, curve);
}

const br_ec_impl p384_ec = {
	0x23800000,	/* br_ec_all_m31's: P-256, P-384, P-521, curve25519 */
	generator, order, xoff, mul, mulgen, muladd
};

#ifdef P384_TEST
void p384_fe_add(uint64_t r[6], const uint64_t a[6], const uint64_t b[6]) { fe_add(r, a, b); }
void p384_fe_sub(uint64_t r[6], const uint64_t a[6], const uint64_t b[6]) { fe_sub(r, a, b); }
void p384_fe_mul(uint64_t r[6], const uint64_t a[6], const uint64_t b[6]) { fe_mul(r, a, b); }
void p384_fe_sqr(uint64_t r[6], const uint64_t a[6]) { fe_sqr(r, a); }
void p384_fe_inv(uint64_t r[6], const uint64_t a[6]) { fe_inv(r, a); }
void p384_fe_canon(uint64_t r[6], const uint64_t a[6]) { fe_canon(r, a); }
void p384_fe_frombytes(uint64_t r[6], const unsigned char s[48]) { fe_frombytes(r, s); }
void p384_fe_tobytes(unsigned char s[48], const uint64_t a[6]) { fe_tobytes(s, a); }
void p384_moddiv(uint64_t r[6], const uint64_t y[6], const uint64_t x[6], const uint64_t n[6])
{
	moddiv(r, y, x, n);
}
#endif
