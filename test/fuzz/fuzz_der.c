/*
 * fuzz_der: der.h (der_san_ip, der_name, der_anchor) and anchors.h
 * (anchors_pem, anchors_free).
 *
 * Input: byte 0, bit 0: the address is IPv6 (16 bytes) rather than IPv4
 * (4); then the address; the rest is a certificate: DER, or PEM text.
 *
 *   - der_san_ip() of the rest, with the address and with an address of the
 *     other family: -1, 0 or 1; 1 only when the address bytes are in the
 *     certificate; malformed (-1) for one address means malformed for all.
 *   - der_name() (subject and issuer) with a large cap and smaller ones (0
 *     included): the length returned is strlen() of the NUL-terminated
 *     result, below cap, all printable ASCII, and a smaller cap gives a
 *     prefix of the larger result.
 *   - der_anchor(): -1 or a key, every pointer inside the certificate; and
 *     whenever BearSSL's decoder reads it, the same subject, key and CA
 *     flag as the decoder gives (a differential test).
 *   - anchors_pem() of the rest as PEM text: -1 with a reason, or a count
 *     of anchors whose bytes are all readable (RSA or EC keys); freed with
 *     anchors_free() (LeakSanitizer checks that it frees everything).
 *   - every object of the PEM text (as BearSSL's decoder sees it) also
 *     goes through der_san_ip() and der_name() as DER.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl.h>

#include "anchors.h"
#include "der.h"
#include "fuzz.h"
#include "../anchor_cmp.h"

static int
contains(const unsigned char *h, size_t hn, const unsigned char *n, size_t nn)
{
	size_t i;

	for (i = 0; i + nn <= hn; i++)
		if (memcmp(h + i, n, nn) == 0)
			return 1;
	return 0;
}

static void
name(const unsigned char *cert, size_t n, int issuer)
{
	static const size_t caps[] = { 1, 2, 5, 17, 64, 200 };
	char big[4096], *small;
	size_t len, i, k, cap;

	len = der_name(cert, n, issuer, big, sizeof big);
	CHECK(len < sizeof big);
	if (len == 0)	/* der.h: "0 ("") when the certificate is malformed" */
		CHECK(big[0] == '\0');
	else
		CHECK(strlen(big) == len);
	for (i = 0; i < len; i++)
		CHECK(big[i] >= 0x20 && big[i] < 0x7f);
	/* cap 0 writes nothing */
	small = malloc(1);
	CHECK(small != NULL);
	small[0] = 'x';
	CHECK(der_name(cert, n, issuer, small, 0) == 0 && small[0] == 'x');
	free(small);
	for (k = 0; k < sizeof caps / sizeof caps[0]; k++) {
		cap = caps[k];
		small = malloc(cap);
		CHECK(small != NULL);
		i = der_name(cert, n, issuer, small, cap);
		CHECK(i < cap);
		if (i == 0)
			CHECK(small[0] == '\0');
		else
			CHECK(strlen(small) == i);
		CHECK(i == (len < cap - 1 ? len : cap - 1));
		CHECK(memcmp(small, big, i) == 0);
		free(small);
	}
}

/*
 * der_anchor(): -1, or a key type with every pointer inside cert; and
 * whenever BearSSL's decoder reads the certificate, the same subject,
 * key and CA flag (anchor_agrees()).
 */
static void
anchor(const unsigned char *cert, size_t n)
{
	struct der_key k;
	int r = der_anchor(cert, n, &k);

	CHECK(r == -1 || r == DER_RSA || r == DER_EC);
	if (r > 0) {
		CHECK(k.dn >= cert && k.dn + k.dnlen <= cert + n);
		CHECK(k.a >= cert && k.a + k.alen <= cert + n && k.alen > 0);
		CHECK(r == DER_EC || (k.b >= cert && k.b + k.blen <= cert + n && k.blen > 0));
	}
	CHECK(anchor_agrees(cert, n));
}

static void
der(const unsigned char *cert, size_t n, const unsigned char *ip, size_t iplen)
{
	static const unsigned char other4[4] = { 127, 0, 0, 1 };
	static const unsigned char other16[16] = { 0xfd, 0, [15] = 1 };
	int r, r2;

	r = der_san_ip(cert, n, ip, iplen);
	CHECK(r == -1 || r == 0 || r == 1);
	if (r == 1)
		CHECK(contains(cert, n, ip, iplen));
	r2 = der_san_ip(cert, n, iplen == 4 ? other16 : other4, iplen == 4 ? 16 : 4);
	CHECK(r2 == -1 || r2 == 0 || r2 == 1);
	CHECK((r == -1) == (r2 == -1));
	name(cert, n, 0);
	name(cert, n, 1);
	anchor(cert, n);
}

struct bytes {
	unsigned char *p;
	size_t len, cap;
};

static void
append(void *ctx, const void *data, size_t n)
{
	struct bytes *b = ctx;

	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
		CHECK(b->p != NULL);
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

/* Every PEM object, decoded by BearSSL, through der(). */
static void
pem_objects(const char *s, size_t n, const unsigned char *ip, size_t iplen)
{
	br_pem_decoder_context pc;
	struct bytes b = { 0 };
	size_t k;
	int pass;

	br_pem_decoder_init(&pc);
	for (pass = 0; pass < 2; pass++) {
		const char *p = pass ? "\n" : s;
		size_t left = pass ? 1 : n;

		while (left > 0) {
			k = br_pem_decoder_push(&pc, p, left);
			p += k;
			left -= k;
			switch (br_pem_decoder_event(&pc)) {
			case BR_PEM_BEGIN_OBJ:
				b.len = 0;
				br_pem_decoder_setdest(&pc, append, &b);
				break;
			case BR_PEM_END_OBJ:
				der(b.p ? b.p : (const unsigned char *)"", b.len, ip, iplen);
				break;
			case BR_PEM_ERROR:
				free(b.p);
				return;
			}
		}
	}
	free(b.p);
}

static void
anchors(const char *s, size_t n)
{
	br_x509_trust_anchor *tas = NULL;
	const char *why = NULL;
	unsigned long sum = 0;
	long r, i;
	size_t k;

	r = anchors_pem(s, n, &tas, &why);
	if (r < 0) {
		CHECK(r == -1 && why != NULL && why[0] != '\0');
		return;
	}
	CHECK(r <= ANCHORS_MAX);
	CHECK(r == 0 || tas != NULL);
	for (i = 0; i < r; i++) {	/* touch every byte: ASan checks the sizes */
		const br_x509_trust_anchor *ta = &tas[i];

		CHECK(ta->flags == 0 || ta->flags == BR_X509_TA_CA);
		for (k = 0; k < ta->dn.len; k++)
			sum += ta->dn.data[k];
		if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
			for (k = 0; k < ta->pkey.key.rsa.nlen; k++)
				sum += ta->pkey.key.rsa.n[k];
			for (k = 0; k < ta->pkey.key.rsa.elen; k++)
				sum += ta->pkey.key.rsa.e[k];
		} else {
			CHECK(ta->pkey.key_type == BR_KEYTYPE_EC);
			for (k = 0; k < ta->pkey.key.ec.qlen; k++)
				sum += ta->pkey.key.ec.q[k];
		}
	}
	(void)sum;
	anchors_free(tas, (size_t)r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t iplen;
	const unsigned char *ip, *cert;
	size_t n;

	if (size < 1)
		return 0;
	iplen = data[0] & 1 ? 16 : 4;
	if (size < 1 + iplen)
		return 0;
	ip = data + 1;
	cert = data + 1 + iplen;
	n = size - 1 - iplen;
	der(cert, n, ip, iplen);
	anchors((const char *)cert, n);
	pem_objects((const char *)cert, n, ip, iplen);
	return 0;
}
