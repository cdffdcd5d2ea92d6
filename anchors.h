/*
 * anchors.h: the trust anchors crtoken verifies IAM's certificate against.
 *
 * The embedded set is generated at build time from the PEM roots named by
 * CERTS (by default every root of Debian's ca-certificates, the Mozilla
 * set) into build/roots.c by certs/mkroots. --cacert FILE replaces it at
 * run time with the certificates of a PEM bundle.
 */
#ifndef ANCHORS_H
#define ANCHORS_H

#include <bearssl.h>

extern const br_x509_trust_anchor roots[];
extern const size_t roots_n;

#define ANCHORS_MAX 4096	/* certificates taken from one PEM bundle */

/*
 * anchors_pem(): turn every "CERTIFICATE" in the PEM text pem[0..len) into a
 * trust anchor (CA flag when the certificate says it is a CA), allocated
 * (anchors_free() releases them). The PEM reader is crtoken's own, as
 * BearSSL's byte-code one costs about a million instructions a certificate:
 * BEGIN and END lines must match, bodies must be base64 (white space
 * allowed), text between objects is skipped, other objects (keys) are
 * skipped undecoded. Returns the number found (0 when none), or -1 with
 * *why set (malformed PEM, undecodable certificate, out of memory, over
 * ANCHORS_MAX).
 */
long anchors_pem(const char *pem, size_t len, br_x509_trust_anchor **out,
    const char **why);

void anchors_free(br_x509_trust_anchor *tas, size_t n);

#endif
