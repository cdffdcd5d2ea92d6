/* see der.h */
#include <string.h>

#include "der.h"
#include "msg.h"

struct tlv {
	unsigned char tag;
	const unsigned char *v;	/* contents */
	size_t len;		/* of the contents */
	size_t size;		/* of the whole TLV */
};

/* One TLV at p[0..n): 0, or -1 when it does not fit or is not DER we read. */
static int
tlv(const unsigned char *p, size_t n, struct tlv *t)
{
	size_t hl = 2, len, k;

	if (n < 2 || (p[0] & 0x1f) == 0x1f)	/* multi-byte tags: not in X.509 here */
		return -1;
	t->tag = p[0];
	len = p[1];
	if (len & 0x80) {
		k = len & 0x7f;
		if (k == 0 || k > 4 || n < 2 + k)	/* indefinite, or absurd */
			return -1;
		for (len = 0; k > 0; k--, hl++)
			len = len << 8 | p[hl];
	}
	if (len > n - hl)
		return -1;
	t->v = p + hl;
	t->len = len;
	t->size = hl + len;
	return 0;
}

/* The contents of the TLV with tag at p[0..n), or -1. */
static int
expect(const unsigned char *p, size_t n, unsigned char tag, struct tlv *t)
{
	return tlv(p, n, t) < 0 || t->tag != tag ? -1 : 0;
}

static const unsigned char SAN_OID[] = { 0x55, 0x1d, 0x11 };	/* 2.5.29.17 */

/* Within GeneralNames g[0..n): 1 when ip is there, 0 when not, -1 malformed. */
static int
names(const unsigned char *g, size_t n, const unsigned char *ip, size_t iplen)
{
	struct tlv t;
	int found = 0;

	while (n > 0) {
		if (tlv(g, n, &t) < 0)
			return -1;
		if (t.tag == 0x87 && t.len == iplen && memcmp(t.v, ip, iplen) == 0)
			found = 1;	/* [7] IMPLICIT OCTET STRING */
		g += t.size;
		n -= t.size;
	}
	return found;
}

/*
 * The value of the extension oid[0..olen) of cert[0..n): 1 with *val the
 * TLV inside its OCTET STRING, 0 when the certificate has none, -1 when
 * it is malformed.
 */
static int
extension(const unsigned char *cert, size_t n, const unsigned char *oid,
    size_t olen, struct tlv *val)
{
	struct tlv c, tbs, t, exts, ext, f;
	const unsigned char *p, *q, *e;
	size_t left, eleft, el;

	if (expect(cert, n, 0x30, &c) < 0 || expect(c.v, c.len, 0x30, &tbs) < 0)
		return -1;
	/* tbsCertificate: skip to the [3] extensions, the last field */
	for (p = tbs.v, left = tbs.len; left > 0; p += t.size, left -= t.size) {
		if (tlv(p, left, &t) < 0)
			return -1;
		if (t.tag != 0xa3)
			continue;
		if (expect(t.v, t.len, 0x30, &exts) < 0)
			return -1;
		for (q = exts.v, eleft = exts.len; eleft > 0;
		    q += ext.size, eleft -= ext.size) {
			if (expect(q, eleft, 0x30, &ext) < 0)
				return -1;
			e = ext.v;
			el = ext.len;
			if (expect(e, el, 0x06, &f) < 0)
				return -1;
			if (f.len != olen || memcmp(f.v, oid, olen) != 0)
				continue;
			e += f.size;
			el -= f.size;
			if (tlv(e, el, &f) < 0)
				return -1;
			if (f.tag == 0x01) {	/* critical BOOLEAN */
				e += f.size;
				el -= f.size;
				if (tlv(e, el, &f) < 0)
					return -1;
			}
			if (f.tag != 0x04 || tlv(f.v, f.len, val) < 0)
				return -1;
			return 1;
		}
	}
	return 0;
}

int
der_san_ip(const unsigned char *cert, size_t n, const unsigned char *ip,
    size_t iplen)
{
	struct tlv t;
	int r = extension(cert, n, SAN_OID, sizeof SAN_OID, &t);

	if (r <= 0)
		return r;
	return t.tag == 0x30 ? names(t.v, t.len, ip, iplen) : -1;
}

/* The tbsCertificate field number k (0: serial, 2: issuer, 4: subject), after the version. */
static int
tbs_field(const unsigned char *cert, size_t n, int k, struct tlv *out)
{
	struct tlv c, tbs;
	const unsigned char *p;
	size_t left;
	int i = 0;

	if (expect(cert, n, 0x30, &c) < 0 || expect(c.v, c.len, 0x30, &tbs) < 0)
		return -1;
	for (p = tbs.v, left = tbs.len; left > 0; p += out->size, left -= out->size) {
		if (tlv(p, left, out) < 0)
			return -1;
		if (out->tag == 0xa0 && p == tbs.v)	/* [0] version */
			continue;
		if (i++ == k)
			return 0;
	}
	return -1;
}

size_t
der_name(const unsigned char *cert, size_t n, int issuer, char *dst, size_t cap)
{
	static const struct {
		unsigned char oid;	/* 2.5.4.oid */
		char name[3];
	} attrs[] = { { 3, "CN" }, { 11, "OU" }, { 10, "O" }, { 6, "C" } };
	struct tlv name, rdn, atv, oid, val;
	const unsigned char *p, *q;
	size_t left, rl, len = 0, i, k;

	if (cap == 0)
		return 0;
	dst[0] = '\0';
	if (tbs_field(cert, n, issuer ? 2 : 4, &name) < 0 || name.tag != 0x30)
		return 0;
	for (p = name.v, left = name.len; left > 0; p += rdn.size, left -= rdn.size) {
		if (tlv(p, left, &rdn) < 0 || rdn.tag != 0x31)
			goto bad;
		for (q = rdn.v, rl = rdn.len; rl > 0; q += atv.size, rl -= atv.size) {
			if (expect(q, rl, 0x30, &atv) < 0 ||
			    expect(atv.v, atv.len, 0x06, &oid) < 0 ||
			    tlv(atv.v + oid.size, atv.len - oid.size, &val) < 0)
				goto bad;
			if (oid.len != 3 || memcmp(oid.v, "\x55\x04", 2) != 0)
				continue;
			for (k = 0; k < sizeof attrs / sizeof attrs[0] &&
			    attrs[k].oid != oid.v[2]; k++)
				;
			if (k == sizeof attrs / sizeof attrs[0])
				continue;
			len = fmtcat(dst, cap, len, "%s%s=", len ? ", " : "",
			    attrs[k].name);
			for (i = 0; i < val.len && len + 1 < cap; i++)
				dst[len++] = val.v[i] >= 0x20 && val.v[i] < 0x7f ?
				    (char)val.v[i] : '?';
			dst[len < cap ? len : cap - 1] = '\0';
		}
	}
	return len < cap ? len : cap - 1;
bad:
	dst[0] = '\0';	/* nothing of a malformed name */
	return 0;
}

/* An INTEGER's magnitude: *p, *n without leading zero bytes; -1 when not one. */
static int
integer(const unsigned char *p, size_t n, struct tlv *t, const unsigned char **v,
    size_t *len)
{
	if (expect(p, n, 0x02, t) < 0 || t->len == 0)
		return -1;
	for (*v = t->v, *len = t->len; *len > 1 && **v == 0; (*v)++, (*len)--)
		;
	return 0;
}

int
der_anchor(const unsigned char *cert, size_t n, struct der_key *k)
{
	static const unsigned char rsa[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 1, 1 },
	    ec[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 2, 1 },
	    p256[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 3, 1, 7 },
	    p384[] = { 0x2b, 0x81, 4, 0, 0x22 }, p521[] = { 0x2b, 0x81, 4, 0, 0x23 },
	    bc[] = { 0x55, 0x1d, 0x13 };	/* basicConstraints */
	struct tlv spki, alg, oid, bits, t, u;
	int r;

	memset(k, 0, sizeof *k);
	if (tbs_field(cert, n, 4, &t) < 0 || tbs_field(cert, n, 5, &spki) < 0 ||
	    spki.tag != 0x30)
		return -1;
	k->dn = t.v - (t.size - t.len);
	k->dnlen = t.size;
	if (expect(spki.v, spki.len, 0x30, &alg) < 0 ||
	    expect(alg.v, alg.len, 0x06, &oid) < 0 ||
	    expect(spki.v + alg.size, spki.len - alg.size, 0x03, &bits) < 0 ||
	    bits.len < 2 || bits.v[0] != 0)
		return -1;
	if (oid.len == sizeof rsa && memcmp(oid.v, rsa, sizeof rsa) == 0) {
		if (expect(bits.v + 1, bits.len - 1, 0x30, &t) < 0 ||
		    integer(t.v, t.len, &u, &k->a, &k->alen) < 0 ||
		    integer(t.v + u.size, t.len - u.size, &u, &k->b, &k->blen) < 0)
			return -1;
		k->type = DER_RSA;
	} else if (oid.len == sizeof ec && memcmp(oid.v, ec, sizeof ec) == 0) {
		if (expect(alg.v + oid.size, alg.len - oid.size, 0x06, &t) < 0)
			return -1;
		k->curve = t.len == sizeof p256 && memcmp(t.v, p256, t.len) == 0 ? 23 :
		    t.len == sizeof p384 && memcmp(t.v, p384, t.len) == 0 ? 24 :
		    t.len == sizeof p521 && memcmp(t.v, p521, t.len) == 0 ? 25 : 0;
		if (k->curve == 0)
			return -1;
		k->a = bits.v + 1;
		k->alen = bits.len - 1;
		k->type = DER_EC;
	} else
		return -1;
	/* cA: the first element of basicConstraints, a BOOLEAN true */
	if ((r = extension(cert, n, bc, sizeof bc, &t)) < 0 ||
	    (r == 1 && t.tag != 0x30))
		return -1;
	k->ca = r == 1 && tlv(t.v, t.len, &u) == 0 && u.tag == 0x01 && u.len == 1 &&
	    u.v[0] != 0;
	return k->type;
}
