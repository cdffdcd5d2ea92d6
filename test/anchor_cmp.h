/*
 * test/anchor_cmp.h: der_anchor() against BearSSL's X.509 decoder, shared
 * by test/unit.c (every system root, mutated) and test/fuzz/fuzz_der.c.
 * Include <bearssl.h>, <string.h> and "der.h" first.
 */

/* The decoder's subject, appended into w[0] up to w[1]; over it, w[1] = w[0]. */
static void
anchor_dn(void *ctx, const void *p, size_t n)
{
	unsigned char **w = ctx;

	if ((size_t)(w[1] - w[0]) >= n) {
		memcpy(w[0], p, n);
		w[0] += n;
	} else
		w[1] = w[0];
}

/*
 * 1 when BearSSL's decoder refuses cert[0..n) (der_anchor() may then read
 * it or not) or reads the same subject, key and CA flag as der_anchor();
 * 0 when they differ.
 */
static int
anchor_agrees(const unsigned char *cert, size_t n)
{
	static unsigned char dn[65536];
	br_x509_decoder_context dc;
	const br_x509_pkey *pk;
	struct der_key k;
	unsigned char *w[2] = { dn, dn + sizeof dn };
	int r = der_anchor(cert, n, &k);

	br_x509_decoder_init(&dc, anchor_dn, w);
	br_x509_decoder_push(&dc, cert, n);
	pk = br_x509_decoder_get_pkey(&dc);
	if (pk == NULL || br_x509_decoder_last_error(&dc) != 0 || w[1] == w[0])
		return 1;
	if (r < 0 || k.dnlen != (size_t)(w[0] - dn) || memcmp(k.dn, dn, k.dnlen) != 0 ||
	    k.ca != (br_x509_decoder_isCA(&dc) != 0))
		return 0;
	if (pk->key_type == BR_KEYTYPE_RSA)
		return r == DER_RSA && k.alen == pk->key.rsa.nlen &&
		    memcmp(k.a, pk->key.rsa.n, k.alen) == 0 && k.blen == pk->key.rsa.elen &&
		    memcmp(k.b, pk->key.rsa.e, k.blen) == 0;
	return r == DER_EC && k.curve == pk->key.ec.curve && k.alen == pk->key.ec.qlen &&
	    memcmp(k.a, pk->key.ec.q, k.alen) == 0;
}
