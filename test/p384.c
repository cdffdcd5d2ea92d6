/*
 * test/p384.c: p384.h against NIST's vectors and BearSSL's own P-384 code.
 *
 *   - NIST CAVP FIPS 186-3 SigVer.rsp, every [P-384,SHA-*] case (sigver.h,
 *     made by test/sigver.awk at build time): br_ecdsa_i31_vrfy_raw with
 *     p384_ec gives NIST's verdict, and so does it with br_ec_prime_i31.
 *   - the field arithmetic (p384.c built with -DP384_TEST) against
 *     BearSSL's i31 code as br_ec_prime_i31 uses it: special values (0, 1,
 *     p - 1, p, p + 1, 2^384 - 1, ...) and random ones, not reduced too.
 *   - muladd(): return value and all 97 bytes the same as
 *     br_ec_prime_i31's: random points and scalars, short and full length;
 *     scalars 0, 1, 2, n - 1, n - 2, n, above n, with leading zeros; Q = G,
 *     Q = -G, Q = kG for small k; sums and intermediate sums at infinity;
 *     coordinates near p; invalid points (off the curve, X or Y >= p,
 *     other first bytes, other lengths); other curves.
 *   - ECDSA: signatures made by BearSSL (keys 1, n - 1, random) verify,
 *     altered ones do not; r or s 0, n or above give the same verdict as
 *     br_ec_prime_i31's, 0.
 *
 * P384_SEED (environment) changes the random cases (default 1). Prints
 * "file:line: check failed: ..." per failure and ends with
 * "p384: N checks, M failed (...)"; the exit status is 0 only when M is 0.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl.h>

#include "p384.h"
#include "p384_ref.h"

static const struct sigver {
	int sha;
	const char *msg, *qx, *qy, *r, *s;
	int ok;
} sigver[] = {
#include "sigver.h"
};

/* ---- harness ---- */

static int nchecks, nfailed;
static char ctx[160];

#define check(c) check_at(__LINE__, (c) != 0, #c)

static int
check_at(int line, int ok, const char *what)
{
	nchecks++;
	if (!ok) {
		nfailed++;
		if (nfailed <= 50)
			printf("test/p384.c:%d: check failed: %s [%s]\n", line, what, ctx);
	}
	return ok;
}

static uint64_t rs;

static uint64_t
rnd(void)
{
	uint64_t z = (rs += 0x9e3779b97f4a7c15);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
	return z ^ (z >> 31);
}

static void
rndbytes(unsigned char *b, size_t n)
{
	while (n-- > 0)
		*b++ = (unsigned char)rnd();
}

static void
unhex(unsigned char *dst, size_t n, const char *hex)	/* right-aligned in dst[0..n) */
{
	size_t h = strlen(hex), i;

	memset(dst, 0, n);
	for (i = 0; i < h / 2 && i < n; i++) {
		unsigned v;

		sscanf(hex + h - 2 * (i + 1), "%2x", &v);
		dst[n - 1 - i] = (unsigned char)v;
	}
}

/* ---- the field: p384_fe_* against i31 as br_ec_prime_i31 computes ---- */

/* every field operation against the i31 code (p384_ref.h's ref_field) */
static void
field_case(const unsigned char *a, const unsigned char *b, int inv)
{
	unsigned bad = ref_field(a, b, inv);

	check(!(bad & REF_BYTES));
	check(!(bad & REF_ADD));
	check(!(bad & REF_SUB));
	check(!(bad & REF_MUL));
	check(!(bad & REF_SQR));
	check(!(bad & REF_CANON));
	check(!(bad & REF_BELOW));
	check(!(bad & REF_INV));
}

static int nfield;

static void
test_field(void)
{
	unsigned char v[24][48], a[48], b[48];
	int nv = 0, i, j, k;

	/* 0, 1, 2, p - 2 .. p + 2, 2^384 - 1 .. - 3, 2^383, 2^128, C, C - 1, C + 1 */
	memset(v[nv++], 0, 48);
	memset(v[nv], 0, 48); v[nv++][47] = 1;
	memset(v[nv], 0, 48); v[nv++][47] = 2;
	for (k = -2; k <= 2; k++) {
		memcpy(v[nv], Pb, 48);
		addsmall(v[nv++], 48, k);
	}
	for (k = 1; k <= 3; k++) {
		memset(v[nv], 0xff, 48);
		addsmall(v[nv++], 48, 1 - k);
	}
	memset(v[nv], 0, 48); v[nv++][0] = 0x80;
	memset(v[nv], 0, 48); v[nv++][31] = 1;
	for (k = -1; k <= 1; k++) {	/* 2^384 - p */
		memset(v[nv], 0, 48);
		unhex(v[nv], 48, "0100000000ffffffffffffffff00000001");
		addsmall(v[nv++], 48, k);
	}
	memset(v[nv], 0, 48);
	memset(v[nv++], 0xff, 24);	/* 2^384 - 2^192 */
	memset(v[nv], 0, 48);
	memset(v[nv++] + 24, 0xff, 24);	/* 2^192 - 1 */
	for (i = 0; i < nv; i++)
		for (j = 0; j < nv; j++) {
			snprintf(ctx, sizeof ctx, "field: special %d, %d", i, j);
			field_case(v[i], v[j], j == 0);
			nfield++;
		}
	for (i = 0; i < 6000; i++) {
		rndbytes(a, 48);
		rndbytes(b, 48);
		/* bias some toward the edges: limbs all ones or zeros, near p */
		for (k = 0; k < 48; k += 8)
			switch (rnd() % 8) {
			case 0: memset(a + k, 0xff, 8); break;
			case 1: memset(a + k, 0, 8); break;
			case 2: memset(b + k, 0xff, 8); break;
			case 3: memset(b + k, 0, 8); break;
			}
		if (rnd() % 8 == 0) {
			memcpy(a, Pb, 48);
			addsmall(a, 48, (int)(rnd() % 64) - 32);
		}
		snprintf(ctx, sizeof ctx, "field: random %d", i);
		field_case(a, b, i % 20 == 0);
		nfield++;
	}
}

/* ---- points ---- */

static void
random_point(unsigned char *pt)
{
	unsigned char x[48];

	do
		rndbytes(x, 48);
	while (!decompress(pt, x, (int)(rnd() & 1)));
}

/* kG by BearSSL: k[0..klen) */
static void
mulgen(unsigned char *pt, const unsigned char *k, size_t klen)
{
	br_ec_prime_i31.mulgen(pt, k, klen, BR_EC_secp384r1);
}

/* scalars */
enum { S_RANDOM, S_SHORT, S_EDGE };

static size_t
scalar_edge(unsigned char *k, int which)	/* k: 64 bytes */
{
	memset(k, 0, 64);
	switch (which) {
	case 0: return 48;				/* 0 */
	case 1: k[47] = 1; return 48;			/* 1 */
	case 2: k[47] = 2; return 48;
	case 3: memcpy(k, Nb, 48); addsmall(k, 48, -1); return 48;	/* n - 1 */
	case 4: memcpy(k, Nb, 48); addsmall(k, 48, -2); return 48;	/* n - 2 */
	case 5: memcpy(k, Nb, 48); addsmall(k, 48, -3); return 48;
	case 6: memcpy(k, Nb, 48); return 48;		/* n */
	case 7: memcpy(k, Nb, 48); addsmall(k, 48, 1); return 48;	/* n + 1 */
	case 8: memset(k, 0xff, 48); return 48;		/* 2^384 - 1 */
	case 9: k[0] = 1; return 1;			/* 1, one byte */
	case 10: return 0;				/* 0, no bytes */
	case 11: memcpy(k + 16, Nb, 48); addsmall(k + 16, 48, -1); return 64;	/* n - 1, zeros first */
	case 12: k[63] = 5; return 64;
	case 13: k[0] = 1; return 49;			/* 2^384 */
	case 14: k[0] = 0x80; return 48;		/* 2^383 */
	case 15: memcpy(k, Nb, 48);			/* (n - 1) / 2 */
		{ int i; for (i = 47; i > 0; i--) k[i] = (unsigned char)(k[i] >> 1 | k[i - 1] << 7); k[0] >>= 1; }
		return 48;
	case 16: memcpy(k, Nb, 48); k[47] &= 0xf0; return 48;	/* n with low bits cleared */
	default: memset(k, 0xff, 47); k[47] = 0x01; return 47;	/* 2^376 - 255 */
	}
}
#define NEDGE 18

static size_t
scalar_random(unsigned char *k, int kind)	/* k: 48 bytes */
{
	size_t len;

	memset(k, 0, 48);
	if (kind == S_SHORT) {
		len = 1 + rnd() % 4;
		rndbytes(k, len);
		k[rnd() % len] |= 1;	/* not 0 */
		return len;
	}
	do
		rndbytes(k, 48);
	while (memcmp(k, Nb, 48) >= 0);
	switch (rnd() % 8) {	/* sparse or dense patterns: long runs in the wNAF */
	case 0: memset(k + rnd() % 40, 0, 8); break;
	case 1: memset(k + 1 + rnd() % 40, 0xff, 8); break;
	}
	return 48;
}

static int nmuladd, nmuladd_full, nmuladd_inf;

/* p384_ec.muladd against br_ec_prime_i31.muladd: same result, same bytes */
static uint32_t
muladd_case(const unsigned char *A, const unsigned char *B, size_t len,
    const unsigned char *x, size_t xlen, const unsigned char *y, size_t ylen)
{
	unsigned char a1[128], a2[128];
	uint32_t r1, r2;

	memset(a1, 0xaa, sizeof a1);
	memcpy(a1, A, 97);
	memcpy(a2, a1, sizeof a2);
	r1 = p384_ec.muladd(a1, B, len, x, xlen, y, ylen, BR_EC_secp384r1);
	r2 = br_ec_prime_i31.muladd(a2, B, len, x, xlen, y, ylen, BR_EC_secp384r1);
	check(r1 == r2);
	check(memcmp(a1, a2, sizeof a1) == 0);
	nmuladd++;
	if (xlen >= 40 || ylen >= 40)
		nmuladd_full++;
	return r1;
}

static void
test_muladd(void)
{
	unsigned char A[97], B[97], T[97], x[64], y[64], k[64];
	size_t xl, yl;
	int i, j, kind;
	uint32_t r;

	unsigned long own = p384_own;

	/* random points, random scalars: full length and short */
	for (i = 0; i < 3000; i++) {
		kind = i < 150 ? S_RANDOM : S_SHORT;
		random_point(A);
		random_point(B);
		xl = scalar_random(x, kind);
		yl = scalar_random(y, kind);
		snprintf(ctx, sizeof ctx, "muladd: random %d", i);
		r = muladd_case(A, i % 3 ? B : NULL, 97, x, xl, y, yl);
		check(r == 1);
	}
	snprintf(ctx, sizeof ctx, "muladd: random cases answered by p384.c");
	check(p384_own - own == 3000);
	/* edge scalars with Q random, Q = G, Q = -G, and B = G or random */
	for (i = 0; i < NEDGE; i++)
		for (j = 0; j < NEDGE; j += 1 + (i > 6)) {
			int q = (i + j) % 3;

			xl = scalar_edge(x, i);
			yl = scalar_edge(y, j);
			if (q == 0)
				random_point(A);
			else if (q == 1)
				memcpy(A, Gb, 97);
			else
				negate(A, Gb);
			snprintf(ctx, sizeof ctx, "muladd: edge x %d, y %d, Q %s", i, j,
			    q == 0 ? "random" : q == 1 ? "G" : "-G");
			muladd_case(A, NULL, 97, x, xl, y, yl);
		}
	snprintf(ctx, sizeof ctx, "muladd: edge scalars in [1, n - 1] answered by p384.c");
	check(p384_own - own == 3000 + 95);	/* 12 of the 18 edge scalars are in range */
	own = p384_own;
	/* what p384.h says of BearSSL's answers for a scalar 0 */
	{
		unsigned char a1[97], two[48], g2[97];

		snprintf(ctx, sizeof ctx, "muladd: x = 0 is 2 y B, y = 0 is zeros, both 1");
		random_point(A);
		small(y, 5);
		small(two, 10);
		mulgen(g2, two, 48);
		memcpy(a1, A, 97);
		check(p384_ec.muladd(a1, NULL, 97, (const unsigned char *)"", 0, y, 48,
		    BR_EC_secp384r1) == 1);
		check(memcmp(a1, g2, 97) == 0);
		memcpy(a1, A, 97);
		check(p384_ec.muladd(a1, NULL, 97, y, 48, (const unsigned char *)"", 0,
		    BR_EC_secp384r1) == 1);
		check(a1[0] == 4 && a1[1] == 0 && memcmp(a1 + 1, a1 + 2, 95) == 0);
	}
	/* Q = +-G: x Q + y G at infinity (x = n - y for G, x = y for -G) and doubling (x = y for G) */
	for (i = 0; i < 40; i++) {
		int neg = i & 1, sum0 = (i >> 1) & 1;

		yl = i < 20 ? scalar_random(y, S_RANDOM) : scalar_random(y, S_SHORT);
		memset(x, 0, 64);
		memcpy(x + 48 - yl, y, yl);
		if (sum0 != neg) {	/* x = n - y */
			unsigned char z[48];

			memset(z, 0, 48);
			modn(x, z, '-', x);
		}
		if (neg)
			negate(A, Gb);
		else
			memcpy(A, Gb, 97);
		snprintf(ctx, sizeof ctx, "muladd: Q = %sG, %s %d", neg ? "-" : "",
		    sum0 ? "sum at infinity" : "sum doubles", i);
		r = muladd_case(A, NULL, 97, x, 48, y, yl);
		check(r == (uint32_t)!sum0);
		nmuladd_inf += !r;
	}
		snprintf(ctx, sizeof ctx, "muladd: Q = +-G answered by p384.c");
	check(p384_own - own == 40);
	/* Q = kG, small k or n - 2k: sums and partial sums meet table entries */
	for (i = 1; i <= 40; i++) {
		small(k, i <= 20 ? i : -2 * i);
		mulgen(A, k, 48);
		for (j = 0; j < 6; j++) {
			unsigned char t[48], xk[48];

			/* x small, y = target - x k mod n; target 0: the sum is infinity */
			small(x, 1 + (int)(rnd() % 200));
			small(t, j < 3 ? 0 : j);
			modn(xk, x, '*', k);
			modn(y, t, '-', xk);
			snprintf(ctx, sizeof ctx, "muladd: Q = %dG, x %d, target %d",
			    i <= 20 ? i : -2 * i, x[47], t[47]);
			r = muladd_case(A, NULL, 97, x + 47, 1, y, 48);
			check(r == (j >= 3));
			nmuladd_inf += !r;
		}
	}
	/* coordinates near p: X = p - small, and Y = p - Y */
	for (i = 1, j = 0; i < 4000 && j < 40; i++) {
		unsigned char xb[48];

		memcpy(xb, Pb, 48);
		addsmall(xb, 48, -i);
		if (!decompress(A, xb, i & 1))
			continue;
		random_point(B);
		xl = scalar_random(x, j < 10 ? S_RANDOM : S_SHORT);
		yl = scalar_random(y, j < 10 ? S_RANDOM : S_SHORT);
		snprintf(ctx, sizeof ctx, "muladd: X = p - %d", i);
		check(muladd_case(A, j & 1 ? B : NULL, 97, x, xl, y, yl) == 1);
		negate(T, A);
		check(muladd_case(B, T, 97, x, xl, y, yl) == 1);
		j++;
	}
	check(j == 40);
	/* invalid points and lengths: BearSSL's answer, 0 */
	for (i = 0; i < 15; i++) {
		size_t len = 97;

		random_point(A);
		memcpy(B, Gb, 97);
		xl = scalar_random(x, S_SHORT);
		yl = scalar_random(y, S_SHORT);
		switch (i) {
		case 0: A[96] ^= 1; break;		/* off the curve */
		case 1: B[96] ^= 1; break;
		case 2: A[0] = 0x02; break;
		case 3: A[0] = 0x03; break;
		case 4: A[0] = (unsigned char)(0x06 | (A[96] & 1)); break;	/* hybrid */
		case 5: A[0] = 0x00; break;
		case 6: memset(A + 1, 0, 96); break;	/* "infinity" */
		case 7: memcpy(A + 1, Pb, 48); break;	/* X = p */
		case 8: memcpy(A + 49, Pb, 48); break;	/* Y = p */
		case 9: {	/* X + p: on the curve mod p, but not below p */
			unsigned char xb[48];
			int c = 0, m, v;

			for (v = 1; v < 200; v++) {
				small(xb, v);
				if (decompress(A, xb, 0))
					break;
			}
			for (m = 47; m >= 0; m--) {
				int d = A[1 + m] + Pb[m] + c;

				A[1 + m] = (unsigned char)d;
				c = d >> 8;
			}
			break;
		}
		case 10: B[0] = 0x05; break;
		case 11: len = 96; break;
		case 12: len = 98; break;
		case 13: len = 65; break;
		case 14: memcpy(B + 1, Pb, 48); break;
		}
		snprintf(ctx, sizeof ctx, "muladd: invalid %d", i);
		check(muladd_case(A, i == 1 || i == 10 || i == 14 ? B : NULL, len,
		    x, xl, y, yl) == 0);
	}
}

/* other curves, other operations: br_ec_all_m31's, byte for byte */
static void
test_delegation(void)
{
	static const int curves[] = { BR_EC_secp256r1, BR_EC_secp384r1, BR_EC_secp521r1,
	    BR_EC_curve25519 };
	unsigned char a1[140], a2[140], k[32];
	const unsigned char *g1, *g2;
	size_t l1, l2, glen;
	size_t i;

	check(p384_ec.supported_curves == br_ec_all_m31.supported_curves);
	for (i = 0; i < sizeof curves / sizeof curves[0]; i++) {
		int c = curves[i];

		snprintf(ctx, sizeof ctx, "delegation: curve %d", c);
		g1 = p384_ec.generator(c, &l1);
		g2 = br_ec_all_m31.generator(c, &l2);
		check(g1 == g2 && l1 == l2);
		g1 = p384_ec.order(c, &l1);
		g2 = br_ec_all_m31.order(c, &l2);
		check(g1 == g2 && l1 == l2);
		check(p384_ec.xoff(c, &l1) == br_ec_all_m31.xoff(c, &l2) && l1 == l2);
		rndbytes(k, sizeof k);
		k[0] &= 0x7f;
		l1 = p384_ec.mulgen(a1, k, sizeof k, c);
		l2 = br_ec_all_m31.mulgen(a2, k, sizeof k, c);
		check(l1 == l2 && memcmp(a1, a2, l1) == 0);
		glen = l1;
		k[5] ^= 1;
		check(p384_ec.mul(a1, glen, k, sizeof k, c) == br_ec_all_m31.mul(a2, glen, k,
		    sizeof k, c));
		check(memcmp(a1, a2, glen) == 0);
		if (c != BR_EC_curve25519 && c != BR_EC_secp384r1) {
			check(p384_ec.muladd(a1, NULL, glen, k, 20, k + 3, 20, c) ==
			    br_ec_all_m31.muladd(a2, NULL, glen, k, 20, k + 3, 20, c));
			check(memcmp(a1, a2, glen) == 0);
		}
	}
}

/* ---- ECDSA: br_ecdsa_i31_vrfy_raw with p384_ec ---- */

static const br_hash_class *
sha(int bits)
{
	switch (bits) {
	case 1: return &br_sha1_vtable;
	case 224: return &br_sha224_vtable;
	case 256: return &br_sha256_vtable;
	case 384: return &br_sha384_vtable;
	default: return &br_sha512_vtable;
	}
}

static size_t
hash(unsigned char *out, int bits, const unsigned char *m, size_t n)
{
	br_hash_compat_context hc;
	const br_hash_class *h = sha(bits);

	h->init(&hc.vtable);
	h->update(&hc.vtable, m, n);
	h->out(&hc.vtable, out);
	return (h->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK;
}

static int nnist, nnist_pass, necdsa;

/*
 * Every route: br_ecdsa_i31_vrfy_raw with p384_ec (muladd) and with
 * br_ec_prime_i31 (BearSSL alone), p384_vrfy_raw, and the same signature
 * as ASN.1 through p384_vrfy_asn1 and br_ecdsa_i31_vrfy_asn1: the same
 * verdict; returns it.
 */
static uint32_t
verify(const unsigned char *h, size_t hlen, const unsigned char *q, const unsigned char *sig,
    size_t siglen)
{
	br_ec_public_key pk;
	unsigned char asn1[300];
	size_t alen;
	uint32_t v1, v2, v3;

	pk.curve = BR_EC_secp384r1;
	pk.q = (unsigned char *)q;
	pk.qlen = 97;
	v1 = br_ecdsa_i31_vrfy_raw(&br_ec_prime_i31, h, hlen, &pk, sig, siglen);
	v2 = br_ecdsa_i31_vrfy_raw(&p384_ec, h, hlen, &pk, sig, siglen);
	v3 = p384_vrfy_raw(&p384_ec, h, hlen, &pk, sig, siglen);
	check(v1 == v2);
	check(v1 == v3);
	if (siglen <= 200 && (siglen & 1) == 0) {
		memcpy(asn1, sig, siglen);
		alen = br_ecdsa_raw_to_asn1(asn1, siglen);
		if (alen > 0) {
			v2 = br_ecdsa_i31_vrfy_asn1(&br_ec_prime_i31, h, hlen, &pk, asn1, alen);
			v3 = p384_vrfy_asn1(&p384_ec, h, hlen, &pk, asn1, alen);
			check(v1 == v2);
			check(v1 == v3);
		}
	}
	necdsa++;
	return v1;
}

static void
test_nist(void)
{
	unsigned char msg[128], h[64], q[97], sig[96];
	size_t i, hlen;

	for (i = 0; i < sizeof sigver / sizeof sigver[0]; i++) {
		const struct sigver *v = &sigver[i];

		snprintf(ctx, sizeof ctx, "NIST SigVer P-384,SHA-%d #%zu", v->sha, i);
		unhex(msg, sizeof msg, v->msg);
		hlen = hash(h, v->sha, msg, strlen(v->msg) / 2);
		q[0] = 0x04;
		unhex(q + 1, 48, v->qx);
		unhex(q + 49, 48, v->qy);
		unhex(sig, 48, v->r);
		unhex(sig + 48, 48, v->s);
		check(verify(h, hlen, q, sig, 96) == (uint32_t)v->ok);
		nnist++;
		nnist_pass += v->ok;
	}
}

/* signatures made by BearSSL: keys 1 (Q = G), n - 1 (Q = -G), random */
static void
test_ecdsa(void)
{
	static const int hbits[] = { 1, 224, 256, 384, 512 };
	unsigned char d[48], q[97], h[64], sig[200], bad[200], z[48];
	br_ec_private_key sk;
	br_ec_public_key pk;
	size_t hlen, slen;
	int i, m;

	memset(z, 0, 48);
	for (i = 0; i < 12; i++) {
		if (i == 0)
			small(d, 1);
		else if (i == 1)
			small(d, -1);
		else
			scalar_random(d, S_RANDOM);
		sk.curve = BR_EC_secp384r1;
		sk.x = d;
		sk.xlen = 48;
		check(br_ec_compute_pub(&br_ec_prime_i31, &pk, q, &sk) == 97);
		if (i == 0)
			check(memcmp(q, Gb, 97) == 0);
		hlen = hash(h, hbits[i % 5], d, (size_t)i);
		snprintf(ctx, sizeof ctx, "ECDSA: key %d, SHA-%d", i, hbits[i % 5]);
		slen = br_ecdsa_i31_sign_raw(&br_ec_prime_i31, sha(hbits[i % 5]), h, &sk, sig);
		check(slen == 96);
		check(verify(h, hlen, q, sig, slen) == 1);
		/* altered: the hash, r, s, Q */
		h[0] ^= 1;	/* (the hash's first 384 bits count) */
		check(verify(h, hlen, q, sig, slen) == 0);
		h[0] ^= 1;
		memcpy(bad, sig, slen);
		bad[10] ^= 0x40;
		check(verify(h, hlen, q, bad, slen) == 0);
		memcpy(bad, sig, slen);
		bad[90] ^= 0x01;
		check(verify(h, hlen, q, bad, slen) == 0);
		if (i < 2) {	/* G for -G and back */
			negate(bad, q);
			check(verify(h, hlen, bad, sig, slen) == 0);
		}
		/* r or s: 0, n, n + 1, above n by the signature's own value */
		for (m = 0; m < 8; m++) {
			memcpy(bad, sig, slen);
			switch (m) {
			case 0: memset(bad, 0, 48); break;
			case 1: memset(bad + 48, 0, 48); break;
			case 2: memcpy(bad, Nb, 48); break;
			case 3: memcpy(bad + 48, Nb, 48); break;
			case 4: memcpy(bad, Nb, 48); addsmall(bad, 48, 1); break;
			case 5: memset(bad + 48, 0xff, 48); break;
			case 6:	/* r + n, when it fits in 48 bytes */
				if (addsmall(bad, 48, 0) == 0) {
					int c = 0, t;

					for (t = 47; t >= 0; t--) {
						int s = bad[t] + Nb[t] + c;

						bad[t] = (unsigned char)s;
						c = s >> 8;
					}
					if (c)
						memset(bad, 0xff, 48);
				}
				break;
			case 7: memset(bad, 0, 96); break;
			}
			snprintf(ctx, sizeof ctx, "ECDSA: key %d, r/s case %d", i, m);
			check(verify(h, hlen, q, bad, slen) == 0);
		}
		/* other lengths: odd, short, long (zeros first) */
		snprintf(ctx, sizeof ctx, "ECDSA: key %d, lengths", i);
		check(verify(h, hlen, q, sig, 95) == 0);
		memset(bad, 0, 200);
		memcpy(bad + 2, sig, 48);
		memcpy(bad + 52, sig + 48, 48);
		check(verify(h, hlen, q, bad, 100) == 1);
		/* "hashes" n - 1, n + 1, 2^384 - 1 (e = n - 1, 1, 2^384 - 1 - n) */
		if (i < 6) {
			unsigned char hv[48];

			memcpy(hv, Nb, 48);
			if (i % 3 == 2)
				memset(hv, 0xff, 48);
			else
				addsmall(hv, 48, i % 3 == 0 ? -1 : 1);
			snprintf(ctx, sizeof ctx, "ECDSA: key %d, hash >= n - 1 (%d)", i, i % 3);
			slen = br_ecdsa_i31_sign_raw(&br_ec_prime_i31, &br_sha384_vtable, hv, &sk,
			    bad);
			check(slen == 96);
			check(verify(hv, 48, q, bad, slen) == 1);
			hv[20] ^= 4;
			check(verify(hv, 48, q, bad, slen) == 0);
			slen = 96;
		}
		/* hash lengths: every prefix, truncated by BearSSL to 384 bits */
		if (i < 3)
			for (m = 0; m <= (int)hlen; m++)
				verify(h, (size_t)m, q, sig, slen);
	}
	(void)z;
}

static int nmoddiv;

/* p384_moddiv(y, x) against y * x^(n-2) mod n by BearSSL */
static void
test_moddiv(void)
{
	unsigned char x[48], y[48], inv[48], ref[48], mine[48];
	uint64_t fx[6], fy[6], fr[6], fn[6];
	int i, m;

	p384_fe_frombytes(fn, Nb);
	for (i = 0; i < 400; i++) {
		if (i < 300)
			scalar_random(x, S_RANDOM);
		else
			small(x, 1 + (int)(rnd() % 1000));
		if (i % 50 == 0)
			small(x, i % 100 == 0 ? 1 : -1);	/* 1, n - 1 */
		if (i % 7 == 0)
			small(y, (int)(rnd() % 3) - 1);	/* n - 1, 0, 1 */
		else
			scalar_random(y, S_RANDOM);
		modn_inv(inv, x);
		modn(ref, y, '*', inv);
		p384_fe_frombytes(fx, x);
		p384_fe_frombytes(fy, y);
		p384_moddiv(fr, fy, fx, fn);
		for (m = 0; m < 48; m++)
			mine[m] = (unsigned char)(fr[5 - m / 8] >> (56 - 8 * (m % 8)));
		snprintf(ctx, sizeof ctx, "moddiv %d", i);
		check(memcmp(mine, ref, 48) == 0);
		nmoddiv++;
	}
}

/*
 * x(R) = X at or above n: r = X - n verifies (BearSSL reduces X mod n;
 * p384.c compares X with (r + n) Z^2). And X small, r = X + p - n: not
 * valid, though (r + n) Z^2 = X Z^2 mod p. Q is made to fit the chosen
 * R: Q = (R - u1 G) / u2.
 */
static void
test_r_plus_n(void)
{
	unsigned char xb[48], R[97], T[97], Q[97], e[48], s[48], r[48], si[48], u1[48], u2[48];
	unsigned char nu1[48], ui[48], sig[96], z[48], pn[48];
	int i, m, c, made = 0;

	memset(z, 0, 48);
	for (m = 47, c = 0; m >= 0; m--) {	/* p - n */
		int d = Pb[m] - Nb[m] - c;

		pn[m] = (unsigned char)d;
		c = d < 0;
	}
	for (i = 0; made < 8 && i < 400; i++) {
		int above = made < 4;

		if (above) {
			memcpy(xb, Nb, 48);
			addsmall(xb, 48, 1 + (int)(rnd() % 100000));	/* n < X < p */
		} else {
			small(xb, 1 + (int)(rnd() % 100000));
		}
		if (!decompress(R, xb, i & 1))
			continue;
		for (m = 47, c = 0; m >= 0; m--) {	/* r = X - n, or X + (p - n) */
			int d = above ? xb[m] - Nb[m] - c : xb[m] + pn[m] + c;

			r[m] = (unsigned char)d;
			c = above ? d < 0 : d >> 8;
		}
		scalar_random(e, S_RANDOM);
		scalar_random(s, S_RANDOM);
		modn_inv(si, s);
		modn(u1, e, '*', si);
		modn(u2, r, '*', si);
		modn(nu1, z, '-', u1);
		memcpy(T, R, 97);
		check(br_ec_prime_i31.muladd(T, NULL, 97, (const unsigned char *)"\1", 1, nu1, 48,
		    BR_EC_secp384r1) == 1);
		modn_inv(ui, u2);
		memcpy(Q, T, 97);
		check(br_ec_prime_i31.mul(Q, 97, ui, 48, BR_EC_secp384r1) == 1);
		memcpy(sig, r, 48);
		memcpy(sig + 48, s, 48);
		snprintf(ctx, sizeof ctx, "ECDSA: x(R) %s, case %d", above ? "= r + n" :
		    "+ p - n = r", made);
		check(verify(e, 48, Q, sig, 96) == (uint32_t)above);
		sig[47] ^= 1;
		check(verify(e, 48, Q, sig, 96) == 0);
		made++;
	}
	check(made == 8);
}

/*
 * BearSSL's quirk, kept (p384.h): r = 0 with a hash that is 0 mod n (an
 * empty hash, zeros, or n) verifies with any s, by both; an empty hash
 * may be NULL (UBSan watches p384.c's copy of it).
 */
static void
test_zero_hash(void)
{
	unsigned char h[48], sig[96];
	br_ec_public_key pk;
	int s;

	pk.curve = BR_EC_secp384r1;
	pk.q = Gb;
	pk.qlen = 97;
	memset(sig, 0, sizeof sig);
	for (s = 1; s < 4; s++) {
		snprintf(ctx, sizeof ctx, "zero hash: s = %d", s);
		sig[95] = (unsigned char)s;
		memcpy(h, Nb, 48);
		check(verify(h, 48, Gb, sig, 96) == 1);
		memset(h, 0, 48);
		check(verify(h, 48, Gb, sig, 96) == 1);
		check(verify(h, 0, Gb, sig, 96) == 1);
		check(p384_vrfy_raw(&p384_ec, NULL, 0, &pk, sig, 96) ==
		    br_ecdsa_i31_vrfy_raw(&br_ec_prime_i31, NULL, 0, &pk, sig, 96));
		sig[0] = 1;	/* r = 2^376: refused */
		check(verify(h, 48, Gb, sig, 96) == 0);
		sig[0] = 0;
	}
}

/* ASN.1 signatures that are not DER, or not ECDSA-Sig-Value: 0 from both */
static void
test_asn1(void)
{
	static const unsigned char bad[][12] = {
		{ 0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01 },
		{ 0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01 },
		{ 0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01 },
		{ 0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00 },
		{ 0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01 },
		{ 0x30, 0x80, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01 },
		{ 0x30, 0x06, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01 },
		{ 0x30 },
	};
	static const size_t len[] = { 8, 8, 8, 8, 8, 8, 8, 1 };
	unsigned char h[48], buf[300];
	br_ec_public_key pk;
	size_t i, n;

	memset(h, 0x5a, 48);
	pk.curve = BR_EC_secp384r1;
	pk.q = Gb;
	pk.qlen = 97;
	for (i = 0; i < sizeof len / sizeof len[0]; i++) {
		snprintf(ctx, sizeof ctx, "ASN.1: malformed %zu", i);
		check(p384_vrfy_asn1(&p384_ec, h, 48, &pk, bad[i], len[i]) ==
		    br_ecdsa_i31_vrfy_asn1(&br_ec_prime_i31, h, 48, &pk, bad[i], len[i]));
	}
	for (i = 0; i < 200; i++) {	/* random bytes, and a DER frame with random insides */
		n = 1 + rnd() % 160;
		rndbytes(buf, n);
		if (i & 1) {
			buf[0] = 0x30;
			buf[1] = (unsigned char)(n - 2);
		}
		snprintf(ctx, sizeof ctx, "ASN.1: random %zu", i);
		check(p384_vrfy_asn1(&p384_ec, h, 48, &pk, buf, n) ==
		    br_ecdsa_i31_vrfy_asn1(&br_ec_prime_i31, h, 48, &pk, buf, n));
	}
	/* longer than BearSSL's buffer takes */
	memset(buf, 0, sizeof buf);
	check(p384_vrfy_asn1(&p384_ec, h, 48, &pk, buf, 145) == 0);
}

int
main(void)
{
	const char *seed = getenv("P384_SEED");

	rs = seed != NULL ? strtoull(seed, NULL, 0) : 1;
	ref_setup();
	test_nist();
	test_field();
	test_moddiv();
	test_asn1();
	test_zero_hash();
	test_r_plus_n();
	test_delegation();
	test_ecdsa();
	test_muladd();
	printf("p384: %d checks, %d failed (NIST SigVer P-384: %d cases, %d valid; "
	    "field: %d cases, moddiv %d; muladd: %d cases, %d with full-length scalars, "
	    "%d at infinity; ECDSA: %d signatures, each through 5 routes; %lu double "
	    "multiplications by p384.c)\n",
	    nchecks, nfailed, nnist, nnist_pass, nfield, nmoddiv, nmuladd, nmuladd_full,
	    nmuladd_inf, necdsa, p384_own);
	return nfailed == 0 ? 0 : 1;
}
