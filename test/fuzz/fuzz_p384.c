/*
 * fuzz_p384: p384.h against BearSSL's own P-384 code, differentially.
 * p384.c is built with -DP384_TEST (run.sh) for its field entries.
 *
 * Byte 0 picks the test (mod 8); the rest of the input feeds it, read as
 * needed (zeros when it runs out):
 *
 *   0-3  muladd(): p384_ec's against br_ec_prime_i31's: the return value
 *        and all 97 bytes of A (of a 200-byte buffer, the rest untouched).
 *        A and B: a point decompressed from 48 bytes of X (either Y), G,
 *        -G, X = p - k, 97 raw bytes (mostly invalid); B also NULL, A or
 *        -A. Scalars x and y: mostly 0-7 bytes (BearSSL's ladder runs
 *        over every byte given: long scalars cost it 25 M instructions),
 *        else 48 bytes, n - k, n - the other scalar (with B = A: the sum
 *        at infinity), the other (B = -A: infinity; B = A: doubling), k
 *        in 48 bytes, or 49-64 bytes. len is 97, or now and then anything
 *        below 150.
 *   4-5  the field: add, sub, mul, sqr, canon of two 48-byte values
 *        (below 2^384, not reduced) against BearSSL's i31 code as
 *        br_ec_prime_i31 uses it; inversion and p384_moddiv (y / x mod n)
 *        when a flag asks (each costs a BearSSL modpow).
 *   6-7  ECDSA: p384_vrfy_raw and p384_vrfy_asn1 against
 *        br_ecdsa_i31_vrfy_raw and _asn1 (with p384_ec as impl: BearSSL's
 *        verification logic on p384.c's muladd, which tests 0-3 hold to
 *        br_ec_prime_i31's), the same verdict. The key is a point as
 *        above; the signature is made valid (key d and nonce k of 1-3
 *        bytes from the input: Q = dG, r = x(kG) mod n, s = (e + r d)/k),
 *        or is raw bytes, or r and s as scalars above; then maybe altered
 *        (a bit of r, s, Q or the hash); a hash of 0-64 bytes. The
 *        signature's ASN.1 form through p384_vrfy_asn1 gives the same
 *        verdict; its raw bytes as ASN.1 the same as through
 *        br_ecdsa_i31_vrfy_asn1; a valid one now and then also against
 *        br_ecdsa_i31_vrfy_raw with br_ec_prime_i31 (BearSSL alone).
 *
 * At exit it prints how many cases of each kind ran.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl.h>

#include "fuzz.h"
#include "../p384_ref.h"

static const uint8_t *in;
static size_t left;
static unsigned long runs[3];	/* muladd, field, ECDSA: printed at exit */

static void
counts(void)
{
	fprintf(stderr, "fuzz_p384: %lu muladd, %lu field, %lu ECDSA cases\n", runs[0],
	    runs[1], runs[2]);
}

static unsigned
byte(void)
{
	if (left == 0)
		return 0;
	left--;
	return *in++;
}

static void
take(unsigned char *d, size_t n)
{
	while (n-- > 0)
		*d++ = (unsigned char)byte();
}

/* a point into pt[0..97) as the input says; returns 0 for B = NULL */
static int
point(unsigned char *pt, const unsigned char *a, int forb)
{
	unsigned char x[48];
	unsigned k = byte() % 9;

	if (forb && k >= 6) {	/* B: NULL, A, -A */
		if (k == 6)
			return 0;
		if (k == 7)
			memcpy(pt, a, 97);
		else
			negate(pt, a);
		return 1;
	}
	switch (k) {
	case 0: case 1: case 2: case 6: case 7:
		take(x, 48);
		if (!decompress(pt, x, k & 1)) {
			pt[0] = 0x04;
			memcpy(pt + 1, x, 48);
			take(pt + 49, 48);	/* off the curve, or X >= p */
		}
		break;
	case 3:
		memcpy(pt, Gb, 97);
		break;
	case 4:
		negate(pt, Gb);
		break;
	case 5: {
		int v = (int)(byte() << 8 | byte());

		memcpy(x, Pb, 48);
		addsmall(x, 48, -1 - v);
		if (!decompress(pt, x, v & 1))
			memcpy(pt, Gb, 97);
		break;
	}
	default:	/* 8: raw bytes, mostly not a point */
		take(pt, 97);
		break;
	}
	return 1;
}

/*
 * a scalar into k[0..64), its length; other: the scalar read before (48
 * bytes). Mostly short: BearSSL's ladder runs over every byte given.
 */
static size_t
scalar(unsigned char *k, const unsigned char *other)
{
	unsigned kind = byte() % 16, v;
	unsigned char z[48];

	memset(k, 0, 64);
	switch (kind) {
	default:
		v = byte() % 8;
		take(k, v);
		return v;
	case 9:
		take(k, 48);
		return 48;
	case 10:
		small(k, -1 - (int)byte());
		return 48;
	case 11:
		if (other == NULL)
			break;
		memset(z, 0, 48);
		modn(k, z, '-', other);	/* n - other (0 stays 0) */
		return 48;
	case 12:
		if (other == NULL)
			break;
		memcpy(k, other, 48);
		return 48;
	case 13:
		v = 49 + byte() % 16;
		take(k, v);
		return v;
	case 14:
		break;
	}
	k[47] = (unsigned char)byte();
	return 48;
}

/* 48 bytes right-aligned of k[0..len) when it fits, else zeros */
static void
as48(unsigned char *d, const unsigned char *k, size_t len)
{
	memset(d, 0, 48);
	if (len <= 48)
		memcpy(d + 48 - len, k, len);
}

static void
test_muladd(void)
{
	unsigned char A[200], a1[200], a2[200], B[97], x[64], y[64], xo[48];
	unsigned flags = byte();
	size_t xlen, ylen, len = 97;
	int hasb;
	uint32_t r1, r2;

	memset(A, 0x5c, sizeof A);
	point(A, NULL, 0);
	hasb = point(B, A, 1);
	xlen = scalar(x, NULL);
	as48(xo, x, xlen);
	ylen = scalar(y, xlen <= 48 ? xo : NULL);
	if (flags % 16 == 0)
		len = byte() % 150;
	memcpy(a1, A, sizeof A);
	memcpy(a2, A, sizeof A);
	r1 = p384_ec.muladd(a1, hasb ? B : NULL, len, x, xlen, y, ylen, BR_EC_secp384r1);
	r2 = br_ec_prime_i31.muladd(a2, hasb ? B : NULL, len, x, xlen, y, ylen,
	    BR_EC_secp384r1);
	CHECK(r1 == r2);
	CHECK(memcmp(a1, a2, sizeof a1) == 0);
}

static void
test_field(void)
{
	unsigned char a[48], b[48], mine[48], ref[48];
	uint64_t fa[6], fb[6], fr[6], fn[6];
	unsigned flags = byte();

	take(a, 48);
	take(b, 48);
	CHECK(ref_field(a, b, flags & 1) == 0);
	if (flags & 2) {	/* b / a mod n, both reduced mod n, a not 0 */
		unsigned char z[48], inv[48];
		int i;

		memset(z, 0, 48);
		modn(a, a, '+', z);	/* mod n */
		modn(b, b, '+', z);
		if (memcmp(a, z, 48) == 0)
			a[47] = 1;
		modn_inv(inv, a);
		modn(ref, b, '*', inv);
		p384_fe_frombytes(fa, a);
		p384_fe_frombytes(fb, b);
		p384_fe_frombytes(fn, Nb);
		p384_moddiv(fr, fb, fa, fn);
		for (i = 0; i < 48; i++)
			mine[i] = (unsigned char)(fr[5 - i / 8] >> (56 - 8 * (i % 8)));
		CHECK(memcmp(mine, ref, 48) == 0);
	}
}

static void
test_ecdsa(void)
{
	unsigned char q[200], h[64], sig[160], asn1[320], r[64], s[64], d[3], k[3];
	unsigned char e[48], kg[97], t[48], ki[48], rd[48], z[48];
	unsigned flags = byte();
	size_t hlen = byte() % 65, siglen, rl, sl, alen, i;
	br_ec_public_key pk;
	uint32_t v1, v2;

	take(h, hlen);
	memset(q, 0, sizeof q);
	memset(z, 0, 48);
	if (flags & 1) {	/* a valid signature with d, k of 1-3 bytes */
		take(d, 3);
		take(k, 3);
		d[2] |= 1;
		k[2] |= 1;
		br_ec_prime_i31.mulgen(q, d, 3, BR_EC_secp384r1);
		br_ec_prime_i31.mulgen(kg, k, 3, BR_EC_secp384r1);
		/* r = x(kG) mod n; e = the hash's first 384 bits mod n */
		memcpy(r, kg + 1, 48);
		modn(r, r, '+', z);
		as48(e, h, hlen < 48 ? hlen : 48);
		if (hlen > 48)
			memcpy(e, h, 48);
		modn(e, e, '+', z);
		/* s = (e + r d) / k */
		as48(t, d, 3);
		modn(rd, r, '*', t);
		modn(t, e, '+', rd);
		as48(ki, k, 3);
		modn_inv(ki, ki);
		modn(s, t, '*', ki);
		memcpy(sig, r, 48);
		memcpy(sig + 48, s, 48);
		siglen = 96;
		switch (byte() % 6) {	/* altered, or not */
		case 0: sig[byte() % 96] ^= (unsigned char)(1 << (byte() % 8)); break;
		case 1: if (hlen > 0) h[byte() % hlen] ^= 1; break;
		case 2: q[1 + byte() % 96] ^= 1; break;
		}
	} else {
		point(q, NULL, 0);
		if (flags & 2) {	/* raw bytes */
			siglen = byte() % 150;
			take(sig, siglen);
		} else {
			rl = scalar(r, NULL);
			sl = scalar(s, NULL);
			as48(sig, r, rl);
			as48(sig + 48, s, sl);
			siglen = 96;
		}
	}
	pk.curve = BR_EC_secp384r1;
	pk.q = q;
	pk.qlen = flags & 4 ? byte() : 97;
	v1 = p384_vrfy_raw(&p384_ec, h, hlen, &pk, sig, siglen);
	v2 = br_ecdsa_i31_vrfy_raw(&p384_ec, h, hlen, &pk, sig, siglen);
	CHECK(v1 == v2);
	/* as ASN.1: the same verdict (BearSSL's _asn1 is asn1_to_raw, then _raw) */
	if (siglen <= sizeof asn1 / 2 && !(siglen & 1)) {
		memcpy(asn1, sig, siglen);
		alen = br_ecdsa_raw_to_asn1(asn1, siglen);
		if (alen > 0)
			CHECK(p384_vrfy_asn1(&p384_ec, h, hlen, &pk, asn1, alen) == v1);
	}
	/* the signature bytes as ASN.1, whatever they are */
	i = siglen < 150 ? siglen : 150;
	CHECK(p384_vrfy_asn1(&p384_ec, h, hlen, &pk, sig, i) ==
	    br_ecdsa_i31_vrfy_asn1(&p384_ec, h, hlen, &pk, sig, i));
	if ((flags & 1) && (flags & 0x38) == 0x38)	/* BearSSL alone, now and then */
		CHECK(v1 == br_ecdsa_i31_vrfy_raw(&br_ec_prime_i31, h, hlen, &pk, sig, siglen));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;

	if (!ready) {
		ref_setup();
		atexit(counts);
		ready = 1;
	}
	if (size == 0)
		return 0;
	in = data + 1;
	left = size - 1;
	switch (data[0] % 8) {
	case 0: case 1: case 2: case 3:
		test_muladd();
		runs[0]++;
		break;
	case 4: case 5:
		test_field();
		runs[1]++;
		break;
	default:
		test_ecdsa();
		runs[2]++;
		break;
	}
	return 0;
}
