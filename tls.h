/*
 * tls.h: one TLS 1.2 client connection with BearSSL, over a socket from
 * net.c, every wait bounded by a deadline.
 *
 * Fixed: TLS 1.2 only; ECDHE key exchange (x25519, P-256, P-384, P-521)
 * with ECDSA or RSA certificates; AES-128/256-GCM and ChaCha20-Poly1305;
 * SHA-256/384/512. The server name is sent (SNI) and checked against the
 * certificate, always. The engine is seeded from getentropy(): no /dev
 * needed. One connection at a time: the state is static.
 *
 * Failures fill a struct fail: XC_TLS (handshake: version, cipher, alert,
 * closed or reset mid-handshake, and I/O errors after it; f->io tells an
 * I/O error from a verdict), XC_CERT (the chain was rejected: untrusted,
 * expired, wrong name), XC_TIMEOUT (the deadline passed), XC_INTERNAL.
 */
#ifndef TLS_H
#define TLS_H

#include <stddef.h>

#include "msg.h"

/*
 * tls_cafile(): use the certificates of PEM text pem[0..len) (from
 * --cacert) instead of the embedded roots. XC_USAGE when there is none.
 */
int tls_cafile(const char *name, const char *pem, size_t len, struct fail *f);

/* The number of embedded roots. */
size_t tls_roots(void);

/*
 * tls_start(): run the handshake on connected socket fd with host as the
 * server name. Returns 0 when application data can flow, else the class.
 */
int tls_start(int fd, const char *host, long long deadline, struct fail *f);

/* tls_send(): send all of p[0..n) and flush it. 0 or the class. */
int tls_send(const void *p, size_t n, long long deadline, struct fail *f);

/*
 * tls_recv(): up to cap bytes of application data into p. Returns the count
 * (> 0), 0 at the end of the stream (close_notify or a plain close), or -1
 * with f filled.
 */
long tls_recv(void *p, size_t cap, long long deadline, struct fail *f);

/* tls_end(): close fd, wipe the engine's buffers and keys. */
void tls_end(void);

/* Whether the last tls_start() completed its handshake. */
int tls_established(void);

/* After tls_start(): the negotiated cipher suite's name. */
const char *tls_suite(void);

/*
 * tls_chain(): after a handshake (even a failed one), the subject of the
 * server's certificate number i (0: the leaf) into dst. Returns 0, or -1
 * when the server sent fewer certificates.
 */
int tls_chain(int i, char *dst, size_t cap);

/* A BearSSL error code's name without "BR_ERR_" ("X509_EXPIRED") and meaning. */
const char *tls_errname(int err, const char **meaning);

#endif
