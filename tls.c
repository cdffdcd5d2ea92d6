/* see tls.h */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <bearssl.h>

#include "anchors.h"
#include "der.h"
#include "dns.h"
#include "net.h"
#include "p384.h"
#include "text.h"
#include "tls.h"
#include "unpack.h"

static br_ssl_client_context sc;
static br_x509_minimal_context xc;

/*
 * The X.509 engine BearSSL sees: br_x509_minimal, plus a copy of the leaf
 * certificate so that an IP-literal host can be checked against its
 * iPAddress names (BearSSL checks DNS names only).
 */
#define CHAIN_MAX 6		/* certificates kept */
#define CHAIN_BYTES 32768	/* bytes of them kept */
static struct {
	const br_x509_class *vtable;
	int ncert;		/* certificates seen */
	int over;		/* the one being received did not fit */
	size_t len[CHAIN_MAX];	/* of each kept certificate, 0 when it did not fit */
	size_t used;
	unsigned char ip[16];
	size_t iplen;		/* 0: a DNS name, checked by br_x509_minimal */
	unsigned char der[CHAIN_BYTES];
} chk;
static unsigned char iobuf[BR_SSL_BUFSIZE_MONO];
static int sock = -1;
static int handshaken;
static const char *peer;	/* the server name, for messages */

/* run()'s ends of the stream, besides 0 and the classes */
enum { CLOSED_NOTIFY = -1, CLOSED_BARE = -2 };

static const br_x509_trust_anchor *tas = roots;
static size_t ntas;		/* 0: the embedded roots */
static br_x509_trust_anchor *own;	/* from --cacert */

static const uint16_t suites[] = {
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
};

static const char *const suite_names[] = {
	"ECDHE-ECDSA-AES128-GCM-SHA256",
	"ECDHE-RSA-AES128-GCM-SHA256",
	"ECDHE-ECDSA-AES256-GCM-SHA384",
	"ECDHE-RSA-AES256-GCM-SHA384",
};

static const struct {
	unsigned char alert;
	const char *name;
} alerts[] = {
	{ 10, "unexpected_message" }, { 20, "bad_record_mac" },
	{ 40, "handshake_failure" }, { 42, "bad_certificate" },
	{ 47, "illegal_parameter" }, { 48, "unknown_ca" },
	{ 50, "decode_error" }, { 51, "decrypt_error" },
	{ 70, "protocol_version" }, { 71, "insufficient_security" },
	{ 80, "internal_error" }, { 90, "user_canceled" },
	{ 109, "missing_extension" }, { 110, "unsupported_extension" },
	{ 112, "unrecognized_name" }, { 120, "no_application_protocol" },
};

/* BearSSL's error codes, named and explained: text.h's TEXT_ERRTAB */
const char *
tls_errname(int err, const char **meaning)
{
	const char *tab = text() + TEXT_ERRTAB_AT, *p = tab;

	while (p < tab + sizeof TEXT_ERRTAB - 1) {
		const char *name = p + 1, *m = name + strlen(name) + 1;

		if ((unsigned char)p[0] == err) {
			*meaning = *m ? m : err > BR_ERR_X509_OK ? "malformed certificate" :
			    "TLS protocol error";
			return name;
		}
		p = m + strlen(m) + 1;
	}
	*meaning = "unknown error";
	return "?";
}

size_t
tls_roots(void)
{
	return roots_n;
}

int
tls_cafile(const char *name, const char *pem, size_t len, struct fail *f)
{
	const char *why;
	long n;

	if ((n = anchors_pem(pem, len, &own, &why)) < 0)
		return fail(f, XC_USAGE, "%s: %s", name, why);
	if (n == 0)
		return fail(f, XC_USAGE, "%s: no certificate in it "
		    "(expected PEM \"BEGIN CERTIFICATE\" blocks)", name);
	tas = own;
	ntas = (size_t)n;
	note("trusting the %ld certificates of %s instead of the embedded roots",
	    n, name);
	return 0;
}

/* The subjects of the chain the server sent (even when it was rejected) into t. */
static void
record(struct trace *t)
{
	size_t off = 0;
	int i;

	if (t == NULL)
		return;
	t->nchain = chk.ncert;
	for (i = 0; i < chk.ncert && i < TRACE_CHAIN && i < CHAIN_MAX; i++) {
		if (chk.len[i] == 0)
			fmt(t->chain[i], sizeof t->chain[i], "(not kept)");
		else if (der_name(chk.der + off, chk.len[i], 0, t->chain[i],
		    sizeof t->chain[i]) == 0)
			fmt(t->chain[i], sizeof t->chain[i], "(no subject shown)");
		off += chk.len[i];
	}
}

static const br_x509_class **
inner(void)
{
	return &xc.vtable;
}

static void
chk_start_chain(const br_x509_class **ctx, const char *name)
{
	(void)ctx;
	chk.ncert = 0;
	chk.used = 0;
	xc.vtable->start_chain(inner(), name);
}

static void
chk_start_cert(const br_x509_class **ctx, uint32_t length)
{
	(void)ctx;
	chk.over = chk.ncert >= CHAIN_MAX || length > CHAIN_BYTES - chk.used;
	if (chk.ncert < CHAIN_MAX)
		chk.len[chk.ncert] = 0;
	xc.vtable->start_cert(inner(), length);
}

static void
chk_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	(void)ctx;
	if (!chk.over && len <= CHAIN_BYTES - chk.used) {
		memcpy(chk.der + chk.used, buf, len);
		chk.used += len;
		chk.len[chk.ncert] += len;
	} else
		chk.over = 1;
	xc.vtable->append(inner(), buf, len);
}

static void
chk_end_cert(const br_x509_class **ctx)
{
	(void)ctx;
	if (chk.over && chk.ncert < CHAIN_MAX) {	/* drop what was kept of it */
		chk.used -= chk.len[chk.ncert];
		chk.len[chk.ncert] = 0;
	}
	chk.ncert++;
	xc.vtable->end_cert(inner());
}

static unsigned
chk_end_chain(const br_x509_class **ctx)
{
	unsigned r = xc.vtable->end_chain(inner());

	(void)ctx;
	if (r != BR_ERR_OK || chk.iplen == 0)
		return r;
	if (chk.len[0] == 0)
		return BR_ERR_X509_LIMIT_EXCEEDED;
	if (der_san_ip(chk.der, chk.len[0], chk.ip, chk.iplen) != 1)
		return BR_ERR_X509_BAD_SERVER_NAME;
	return BR_ERR_OK;
}

static const br_x509_pkey *
chk_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	(void)ctx;
	return xc.vtable->get_pkey((const br_x509_class *const *)inner(), usages);
}

static const br_x509_class chk_vtable = {
	sizeof chk, chk_start_chain, chk_start_cert, chk_append, chk_end_cert,
	chk_end_chain, chk_get_pkey
};

/* The engine closed: classify its error (or a clean close: 0). */
static int
closed(struct fail *f)
{
	int err = br_ssl_engine_last_error(&sc.eng);
	const char *name, *meaning;

	if (err == BR_ERR_OK)
		return 0;
	if ((err & 0x300) != 0 && (err & 0xff) < 256) {
		size_t i;
		const char *an = "alert";
		int a = err & 0xff;

		for (i = 0; i < sizeof alerts / sizeof alerts[0]; i++)
			if (alerts[i].alert == a)
				an = alerts[i].name;
		if (err & BR_ERR_RECV_FATAL_ALERT)
			return fail(f, XC_TLS, "TLS handshake with %s: the server "
			    "sent fatal alert %d (%s)%s", peer, a, an,
			    a == 70 ? "; it does not accept TLS 1.2" :
			    a == 40 ? "; no cipher suite in common (crtoken offers "
			    "TLS 1.2 ECDHE with AES-GCM)" : "");
		return fail(f, XC_TLS, "TLS handshake with %s: crtoken sent "
		    "fatal alert %d (%s)", peer, a, an);
	}
	name = tls_errname(err, &meaning);
	if (err > BR_ERR_X509_OK && err < BR_ERR_X509_OK + 32) {
		fail(f, XC_CERT, "server certificate of %s rejected: BR_ERR_%s: %s",
		    peer, name, meaning);
		if (err == BR_ERR_X509_NOT_TRUSTED)
			fmtcat(f->text, sizeof f->text, strlen(f->text),
			    "; if a proxy or a private CA signs it, pass its root "
			    "with --cacert");
		return XC_CERT;
	}
	return fail(f, XC_TLS, "TLS %s %s: BR_ERR_%s: %s",
	    handshaken ? "connection to" : "handshake with", peer, name, meaning);
}

static int
io_fail(struct fail *f, const char *what, int err)
{
	fail(f, XC_TLS, "TLS %s %s: %s%s", handshaken ? "connection to" :
	    "handshake with", peer, what, err ? errstr(err) : "");
	f->io = 1;
	return XC_TLS;
}

static int
timeout(struct fail *f)
{
	return fail(f, XC_TIMEOUT, "%s %s: deadline passed (--timeout)",
	    handshaken ? "waiting for the response from" : "TLS handshake with",
	    peer);
}

/*
 * Run the engine until its state has one of the target bits. Returns 0,
 * CLOSED_NOTIFY when the server closed with close_notify, CLOSED_BARE when
 * the stream ended without it after the handshake, else the class.
 */
static int
run(unsigned target, long long deadline, struct fail *f)
{
	for (;;) {
		unsigned st = br_ssl_engine_current_state(&sc.eng);
		unsigned char *buf;
		size_t len;
		ssize_t n;

		if (st & BR_SSL_CLOSED) {
			int c = closed(f);
			return c ? c : CLOSED_NOTIFY;
		}
		if (st & BR_SSL_SENDREC) {
			buf = br_ssl_engine_sendrec_buf(&sc.eng, &len);
			n = write(sock, buf, len);
			if (n > 0) {
				br_ssl_engine_sendrec_ack(&sc.eng, (size_t)n);
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			/* our answer to its close_notify may find the socket closed */
			if (n < 0 && errno != EAGAIN && sc.eng.close_received)
				return CLOSED_NOTIFY;
			if (n < 0 && errno != EAGAIN)
				return io_fail(f, "", errno);
			if (!net_wait(sock, POLLOUT, deadline))
				return timeout(f);
			continue;
		}
		if (st & target)
			return 0;
		if (st & BR_SSL_RECVAPP)	/* cannot happen half-duplex */
			return fail(f, XC_INTERNAL, "TLS engine: unread data "
			    "while sending");
		if (st & BR_SSL_RECVREC) {
			buf = br_ssl_engine_recvrec_buf(&sc.eng, &len);
			n = read(sock, buf, len);
			if (n > 0) {
				br_ssl_engine_recvrec_ack(&sc.eng, (size_t)n);
				continue;
			}
			if (n == 0) {
				if (handshaken)
					return CLOSED_BARE;
				return io_fail(f, "the server closed the connection "
				    "mid-handshake", 0);
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return io_fail(f, "", errno);
			if (!net_wait(sock, POLLIN, deadline))
				return timeout(f);
			continue;
		}
		br_ssl_engine_flush(&sc.eng, 0);
	}
}

int
tls_start(int fd, const char *host, long long deadline, struct trace *t,
    struct fail *f)
{
	static const br_hash_class *const hashes[] = {
		&br_sha256_vtable, &br_sha384_vtable, &br_sha512_vtable
	};
	/* i31, not the default i62: the i31 code is linked for P-384 anyway, and
	   a second big-number engine costs 1.6 KB for 2.8 M instructions less on
	   an RSA chain (IAM serves an ECDSA one) */
	br_rsa_pkcs1_vrfy rsa = &br_rsa_i31_pkcs1_vrfy;
	br_ssl_engine_context *eng = &sc.eng;
	br_ssl_session_parameters sp;
	const char *suite = "?";
	unsigned char seed[32];
	size_t i;
	int r;

	sock = fd;
	peer = host;
	handshaken = 0;
	chk.ncert = 0;
	br_ssl_client_zero(&sc);
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(eng, suites, sizeof suites / sizeof suites[0]);
	br_x509_minimal_init(&xc, &br_sha256_vtable, tas, ntas ? ntas : roots_n);
	br_x509_minimal_set_minrsa(&xc, 256);	/* 2048-bit RSA keys or larger */
	for (i = 0; i < sizeof hashes / sizeof hashes[0]; i++) {
		int id = (int)(hashes[i]->desc >> BR_HASHDESC_ID_OFF & BR_HASHDESC_ID_MASK);

		br_ssl_engine_set_hash(eng, id, hashes[i]);
		br_x509_minimal_set_hash(&xc, id, hashes[i]);
	}
	br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
	/* ECDSA with P-384 keys is verified by p384.c (p384.h); the rest is BearSSL's */
	br_ssl_engine_set_ec(eng, &br_ec_all_m31);
	br_ssl_engine_set_ecdsa(eng, &p384_vrfy_asn1);
	br_ssl_engine_set_rsavrfy(eng, rsa);
	br_x509_minimal_set_rsa(&xc, rsa);
	br_x509_minimal_set_ecdsa(&xc, &br_ec_all_m31, &p384_vrfy_asn1);
	/* AES: BearSSL's 32-bit bitsliced code, constant-time like ct64 and
	   960 bytes smaller, for 0.2 M instructions more per exchange */
	br_ssl_engine_set_aes_ctr(eng, &br_aes_ct_ctr_vtable);
	br_ssl_engine_set_ghash(eng, &br_ghash_ctmul64);
	br_ssl_engine_set_gcm(eng, &br_sslrec_in_gcm_vtable, &br_sslrec_out_gcm_vtable);
	chk.vtable = &chk_vtable;
	chk.iplen = 0;
	if (dns_pton4(host, chk.ip))
		chk.iplen = 4;
	else if (dns_pton6(host, chk.ip))
		chk.iplen = 16;
	br_ssl_engine_set_x509(eng, &chk.vtable);
	br_ssl_engine_set_buffer(eng, iobuf, sizeof iobuf, 0);
	if (getentropy(seed, sizeof seed) != 0)
		return fail(f, XC_INTERNAL, "TLS: no entropy from getentropy(): "
		    "%s; hint: the kernel or a seccomp profile refuses getrandom(2), "
		    "which crtoken needs (Linux >= 3.17)", errstr(errno));
	br_ssl_engine_inject_entropy(eng, seed, sizeof seed);
	explicit_bzero(seed, sizeof seed);
	/* an IP literal: no SNI (RFC 6066), and the name check is ours */
	if (!br_ssl_client_reset(&sc, chk.iplen ? NULL : host, 0))
		return (r = closed(f)) != 0 ? r : fail(f, XC_INTERNAL, "TLS: reset failed");
	note("TLS handshake with %s (%s)", host, chk.iplen ? "no SNI for an IP "
	    "address; certificate iPAddress check on" : "SNI and certificate "
	    "name check on");
	r = run(BR_SSL_SENDAPP, deadline, f);
	record(t);
	if (r < 0)
		return io_fail(f, "the server closed the connection mid-handshake", 0);
	if (r != 0)
		return r;
	handshaken = 1;
	br_ssl_engine_get_session_parameters(eng, &sp);
	for (i = 0; i < sizeof suites / sizeof suites[0]; i++)
		if (suites[i] == sp.cipher_suite)
			suite = suite_names[i];
	if (t != NULL) {
		t->stage = TR_TLS;
		t->suite = suite;
	}
	note("TLS 1.2 established: %s", suite);
	return 0;
}

int
tls_send(const void *p, size_t n, long long deadline, struct fail *f)
{
	const unsigned char *c = p;
	int r;

	while (n > 0) {
		unsigned char *buf;
		size_t len;

		if ((r = run(BR_SSL_SENDAPP, deadline, f)) != 0)
			return r < 0 ? io_fail(f, "the server closed the "
			    "connection while we were sending", 0) : r;
		buf = br_ssl_engine_sendapp_buf(&sc.eng, &len);
		if (len > n)
			len = n;
		memcpy(buf, c, len);
		br_ssl_engine_sendapp_ack(&sc.eng, len);
		c += len;
		n -= len;
	}
	br_ssl_engine_flush(&sc.eng, 0);
	/* push the records out: run until the engine wants nothing but input */
	r = run(BR_SSL_RECVAPP | BR_SSL_RECVREC, deadline, f);
	return r < 0 ? io_fail(f, "the server closed the connection while "
	    "we were sending", 0) : r;
}

int
tls_recv(void *p, size_t cap, size_t *n, long long deadline, struct fail *f)
{
	unsigned char *buf;
	size_t len;
	int r;

	*n = 0;
	if ((r = run(BR_SSL_RECVAPP, deadline, f)) != 0)
		return r == CLOSED_NOTIFY ? TLS_END : r == CLOSED_BARE ? TLS_CUT : r;
	buf = br_ssl_engine_recvapp_buf(&sc.eng, &len);
	if (len > cap)
		len = cap;
	memcpy(p, buf, len);
	br_ssl_engine_recvapp_ack(&sc.eng, len);
	*n = len;
	return 0;
}

void
tls_end(void)
{
	if (sock >= 0)
		close(sock);
	sock = -1;
	explicit_bzero(&sc, sizeof sc);
	explicit_bzero(iobuf, sizeof iobuf);
}
