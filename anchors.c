/* see anchors.h */
#include <stdlib.h>
#include <string.h>

#include "anchors.h"
#include "der.h"

struct bytes {
	unsigned char *p;
	size_t len, cap;
	int oom;
};

static void
append(struct bytes *b, const void *data, size_t n)
{
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

/* One DER certificate der[0..n) into ta (der.c reads it); 0 or -1 with *why. */
static int
to_anchor(const unsigned char *der, size_t n, br_x509_trust_anchor *ta,
    const char **why)
{
	struct der_key k;

	memset(ta, 0, sizeof *ta);
	if (der_anchor(der, n, &k) < 0) {
		*why = "a certificate that cannot be decoded (or has an unsupported key)";
		return -1;
	}
	ta->flags = k.ca ? BR_X509_TA_CA : 0;
	ta->dn.len = k.dnlen;
	ta->dn.data = dup(k.dn, k.dnlen);
	if (k.type == DER_RSA) {
		br_rsa_public_key *r = &ta->pkey.key.rsa;

		ta->pkey.key_type = BR_KEYTYPE_RSA;
		r->n = dup(k.a, r->nlen = k.alen);
		r->e = dup(k.b, r->elen = k.blen);
		if (ta->dn.data != NULL && r->n != NULL && r->e != NULL)
			return 0;
		free(r->n);
		free(r->e);
	} else {
		br_ec_public_key *e = &ta->pkey.key.ec;

		ta->pkey.key_type = BR_KEYTYPE_EC;
		e->curve = k.curve;
		e->q = dup(k.a, e->qlen = k.alen);
		if (ta->dn.data != NULL && e->q != NULL)
			return 0;
		free(e->q);
	}
	free(ta->dn.data);
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

static int
b64(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* The line at *p (up to end): its start and length without the line ending; *p moves past it. */
static const char *
line(const char **p, const char *end, size_t *n)
{
	const char *s = *p, *e = memchr(s, '\n', (size_t)(end - s));

	*p = e ? e + 1 : end;
	if (!e)
		e = end;
	while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*n = (size_t)(e - s);
	return s;
}

/* "-----<word> LABEL-----": LABEL's start and length, or NULL. */
static const char *
armor(const char *s, size_t n, const char *word, size_t *ln)
{
	size_t w = strlen(word);

	if (n < 10 + w + 1 || memcmp(s, "-----", 5) != 0 || memcmp(s + 5, word, w) != 0 ||
	    s[5 + w] != ' ' || memcmp(s + n - 5, "-----", 5) != 0)
		return NULL;
	*ln = n - 10 - w - 1;
	return s + 5 + w + 1;
}

/*
 * Base64 body lines up to the END line matching label: decoded into der
 * when der is not NULL. 0, or -1 with *why.
 */
static int
body(const char **p, const char *end, const char *label, size_t ll,
    struct bytes *der, const char **why)
{
	unsigned long acc = 0;
	int bits = 0, pad = 0, v;

	while (*p < end) {
		const char *s, *el;
		size_t n, i, eln;
		unsigned char o;

		s = line(p, end, &n);
		if ((el = armor(s, n, "END", &eln)) != NULL) {
			if (eln != ll || memcmp(el, label, ll) != 0) {
				*why = "malformed PEM (END does not match BEGIN)";
				return -1;
			}
			if (bits >= 6) {	/* a single stray character */
				*why = "malformed PEM (bad base64 length)";
				return -1;
			}
			return 0;
		}
		if (der == NULL)
			continue;
		for (i = 0; i < n; i++) {
			if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')
				continue;
			if (s[i] == '=') {
				pad = 1;
				continue;
			}
			if (pad || (v = b64((unsigned char)s[i])) < 0) {
				*why = "malformed PEM (not base64)";
				return -1;
			}
			acc = (acc << 6 | (unsigned long)v) & 0xffffff;
			if ((bits += 6) >= 8) {
				bits -= 8;
				o = (unsigned char)(acc >> bits);
				append(der, &o, 1);
			}
		}
	}
	*why = "truncated PEM (no END line)";
	return -1;
}

long
anchors_pem(const char *pem, size_t len, br_x509_trust_anchor **out,
    const char **why)
{
	const char *p = pem, *end = pem + len, *s, *label;
	struct bytes der = { 0 };
	br_x509_trust_anchor *tas = NULL, *nt;
	size_t n = 0, cap = 0, ln, ll;
	int cert;

	while (p < end) {
		s = line(&p, end, &ln);
		if ((label = armor(s, ln, "BEGIN", &ll)) == NULL)
			continue;	/* text between objects is allowed */
		cert = (ll == 11 && memcmp(label, "CERTIFICATE", 11) == 0) ||
		    (ll == 16 && memcmp(label, "X509 CERTIFICATE", 16) == 0);
		der.len = 0;
		if (body(&p, end, label, ll, cert ? &der : NULL, why) < 0)
			goto bad;
		if (!cert)
			continue;
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
		if (to_anchor(der.p, der.len, &tas[n], why) < 0)
			goto bad;
		n++;
	}
	free(der.p);
	*out = tas;
	return (long)n;
bad:
	free(der.p);
	anchors_free(tas, n);
	return -1;
}
