/* see anchors.h */
#include <stdlib.h>
#include <string.h>

#include "anchors.h"

struct bytes {
	unsigned char *p;
	size_t len, cap;
	int oom;
};

static void
append(void *ctx, const void *data, size_t n)
{
	struct bytes *b = ctx;
	unsigned char *np;
	size_t cap;

	if (b->oom)
		return;
	if (n > b->cap - b->len) {
		cap = b->cap ? b->cap : 1024;
		while (cap - b->len < n && cap < ((size_t)1 << 24))
			cap *= 2;
		if (cap - b->len < n || (np = realloc(b->p, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static unsigned char *
dup(const unsigned char *p, size_t n)
{
	unsigned char *d = malloc(n ? n : 1);

	if (d != NULL)
		memcpy(d, p, n);
	return d;
}

/* One DER certificate into ta; 0 or -1 with *why. */
static int
to_anchor(const struct bytes *der, br_x509_trust_anchor *ta, const char **why)
{
	br_x509_decoder_context dc;
	struct bytes dn = { 0 };
	const br_x509_pkey *pk;

	br_x509_decoder_init(&dc, append, &dn);
	br_x509_decoder_push(&dc, der->p, der->len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (pk == NULL || br_x509_decoder_last_error(&dc) != 0) {
		free(dn.p);
		*why = "a certificate that cannot be decoded (or has an unsupported key)";
		return -1;
	}
	if (dn.oom) {
		free(dn.p);
		*why = "out of memory";
		return -1;
	}
	memset(ta, 0, sizeof *ta);
	ta->dn.data = dn.p;
	ta->dn.len = dn.len;
	ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		br_rsa_public_key *k = &ta->pkey.key.rsa;

		k->nlen = pk->key.rsa.nlen;
		k->elen = pk->key.rsa.elen;
		k->n = dup(pk->key.rsa.n, k->nlen);
		k->e = dup(pk->key.rsa.e, k->elen);
		if (k->n == NULL || k->e == NULL)
			goto oom;
	} else if (pk->key_type == BR_KEYTYPE_EC) {
		br_ec_public_key *k = &ta->pkey.key.ec;

		k->curve = pk->key.ec.curve;
		k->qlen = pk->key.ec.qlen;
		if ((k->q = dup(pk->key.ec.q, k->qlen)) == NULL)
			goto oom;
	} else {
		free(dn.p);
		*why = "a certificate with an unsupported key type";
		return -1;
	}
	return 0;
oom:
	free(dn.p);
	if (pk->key_type == BR_KEYTYPE_RSA) {
		free(ta->pkey.key.rsa.n);
		free(ta->pkey.key.rsa.e);
	} else
		free(ta->pkey.key.ec.q);
	*why = "out of memory";
	return -1;
}

void
anchors_free(br_x509_trust_anchor *tas, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(tas[i].dn.data);
		if (tas[i].pkey.key_type == BR_KEYTYPE_RSA) {
			free(tas[i].pkey.key.rsa.n);
			free(tas[i].pkey.key.rsa.e);
		} else
			free(tas[i].pkey.key.ec.q);
	}
	free(tas);
}

long
anchors_pem(const char *pem, size_t len, br_x509_trust_anchor **out,
    const char **why)
{
	br_pem_decoder_context pc;
	struct bytes der = { 0 };
	br_x509_trust_anchor *tas = NULL, *nt;
	size_t n = 0, cap = 0, k;
	int incert = 0, inobj = 0, pass;

	br_pem_decoder_init(&pc);
	/* a second pass pushes a final newline, as the decoder wants one */
	for (pass = 0; pass < 2; pass++) {
		const char *p = pass == 0 ? pem : "\n";
		size_t left = pass == 0 ? len : 1;

		while (left > 0) {
			k = br_pem_decoder_push(&pc, p, left);
			p += k;
			left -= k;
			switch (br_pem_decoder_event(&pc)) {
			case BR_PEM_BEGIN_OBJ:
				inobj = 1;
				incert = strcmp(br_pem_decoder_name(&pc), "CERTIFICATE") == 0 ||
				    strcmp(br_pem_decoder_name(&pc), "X509 CERTIFICATE") == 0;
				der.len = 0;
				br_pem_decoder_setdest(&pc, incert ? append : NULL,
				    incert ? &der : NULL);
				break;
			case BR_PEM_END_OBJ:
				inobj = 0;
				if (!incert)
					break;
				if (der.oom) {
					*why = "out of memory";
					goto bad;
				}
				if (n >= ANCHORS_MAX) {
					*why = "more than 4096 certificates";
					goto bad;
				}
				if (n == cap) {
					cap = cap ? cap * 2 : 16;
					if ((nt = realloc(tas, cap * sizeof *tas)) == NULL) {
						*why = "out of memory";
						goto bad;
					}
					tas = nt;
				}
				if (to_anchor(&der, &tas[n], why) < 0)
					goto bad;
				n++;
				break;
			case BR_PEM_ERROR:
				*why = "malformed PEM";
				goto bad;
			}
		}
	}
	if (inobj) {
		*why = "truncated PEM (no END line)";
		goto bad;
	}
	free(der.p);
	*out = tas;
	return (long)n;
bad:
	free(der.p);
	anchors_free(tas, n);
	return -1;
}
