/*
 * der.h: just enough DER to find a certificate's iPAddress names, to show
 * its subject, and to make a trust anchor of it (for --cacert).
 *
 * BearSSL matches the server name against DNS names only. For a URL whose
 * host is an IP literal crtoken checks the leaf certificate's
 * subjectAltName iPAddress entries itself, with this reader. It trusts
 * nothing: every length is checked against what encloses it.
 */
#ifndef DER_H
#define DER_H

#include <stddef.h>

/*
 * der_san_ip(): whether the DER certificate cert[0..n) lists ip[0..iplen)
 * (4 or 16 bytes, network order) as an iPAddress in its subjectAltName.
 * Returns 1 when it does, 0 when it does not (or has no subjectAltName),
 * -1 when the certificate is malformed.
 */
int der_san_ip(const unsigned char *cert, size_t n, const unsigned char *ip,
    size_t iplen);

/*
 * der_name(): the certificate's subject (issuer when issuer is set) as
 * "CN=..., OU=..., O=..., C=..." in the order of the certificate, other
 * attributes left out, bytes outside printable ASCII shown as '?', into
 * dst (cap bytes, NUL-terminated). Returns the length; 0 ("") when the
 * certificate is malformed.
 */
size_t der_name(const unsigned char *cert, size_t n, int issuer, char *dst,
    size_t cap);

/* What a trust anchor needs of a certificate; pointers into it. */
enum { DER_RSA = 1, DER_EC = 2 };
struct der_key {
	const unsigned char *dn;	/* the subject, its whole DER */
	size_t dnlen;
	int type;		/* DER_RSA, DER_EC */
	int curve;		/* DER_EC: 23 P-256, 24 P-384, 25 P-521 (TLS's numbers) */
	int ca;			/* basicConstraints says cA */
	const unsigned char *a, *b;	/* RSA: n, e (no leading zeros); EC: the point */
	size_t alen, blen;
};

/*
 * der_anchor(): the subject, public key and CA flag of the DER certificate
 * cert[0..n) into k. Returns k->type, or -1 when the certificate is
 * malformed or its key is neither RSA nor EC on P-256, P-384 or P-521.
 */
int der_anchor(const unsigned char *cert, size_t n, struct der_key *k);

#endif
