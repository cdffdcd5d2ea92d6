/*
 * tls.h: one TLS 1.2 client connection with BearSSL, over a socket from
 * net.c, every wait bounded by a deadline.
 *
 * Fixed: TLS 1.2 only; ECDHE key exchange (x25519, P-256, P-384, P-521)
 * with ECDSA or RSA certificates; AES-128/256-GCM (every TLS 1.2 server
 * has it; ChaCha20-Poly1305 would cost 2.7 KB for nothing IAM needs);
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
#include "net.h"

/*
 * tls_cafile(): use the certificates of PEM text pem[0..len) (from
 * --cacert) instead of the embedded roots; name says where they came from
 * in messages ("--cacert FILE"). XC_USAGE when there is none.
 */
int tls_cafile(const char *name, const char *pem, size_t len, struct fail *f);

/* The number of embedded roots. */
size_t tls_roots(void);

/*
 * tls_start(): run the handshake on connected socket fd with host as the
 * server name. Returns 0 when application data can flow, else the class.
 * t (may be NULL) gets the server's chain (even a rejected one), the
 * cipher suite and TR_TLS. Server RSA keys (leaf and intermediates) must
 * have 2048 bits or more (XC_CERT).
 */
int tls_start(int fd, const char *host, long long deadline, struct trace *t,
    struct fail *f);

/* tls_send(): send all of p[0..n) and flush it. 0 or the class. */
int tls_send(const void *p, size_t n, long long deadline, struct fail *f);

/*
 * tls_recv(): up to cap bytes of application data into p. Returns 0 with
 * *n the count (> 0); TLS_END when the server ended the stream with
 * close_notify; TLS_CUT when the stream ended without it (a truncation an
 * attacker can make); else the class with f filled.
 */
enum { TLS_END = -1, TLS_CUT = -2 };
int tls_recv(void *p, size_t cap, size_t *n, long long deadline, struct fail *f);

/* tls_end(): close fd, wipe the engine's buffers and keys. */
void tls_end(void);

/* A BearSSL error code's name without "BR_ERR_" ("X509_EXPIRED") and meaning. */
const char *tls_errname(int err, const char **meaning);

#endif
