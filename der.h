/*
 * der.h: just enough DER to find a certificate's iPAddress names and
 * to show its subject.
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

#endif
