/*
 * check.h: crtoken check: a step-by-step report for kubectl debug.
 *
 * Each step is shown with what it saw and a mark: pass, warn, fail or
 * skip (not run because an earlier step failed). The steps: the options
 * (only when one is wrong), the token file, the CR token's claims (decoded
 * at all; issuer; sub as namespace and service account; aud; lifetime
 * exp - iat present, positive and at most 3600 s; validity: exp present
 * and in the future, nbf and iat at most SKEW seconds ahead of this clock),
 * the profile, the endpoint, the trust anchors, the proxy, name resolution,
 * TCP connect, TLS (version, cipher, the server chain's subjects), the
 * exchange (with IAM's error explained), the IAM token's claims and its
 * expiry (exp in the future and within SKEW seconds of what expires_in and
 * expiration said). A configuration problem is a failed step, and every
 * step that does not depend on it still runs. A missing claim warns; only
 * a check that held passes. Tokens themselves are never shown; every
 * value is escaped (msg_redact()). With json set, the same report is one
 * JSON object with the exit code. The report goes to stdout.
 */
#ifndef CHECK_H
#define CHECK_H

#include <signal.h>

#include "iam.h"
#include "msg.h"

/* Configuration problems, each reported as the failed step of its name. */
enum { CHECK_OPTIONS, CHECK_PROFILE, CHECK_ENDPOINT, CHECK_TRUST, CHECK_PROXY,
    CHECK_BAD };

struct check {
	const char *token_file;	/* NULL: the default paths */
	long long deadline;	/* of the network steps (clock_ms()) */
	int json;
	const char *cacert;	/* "--cacert FILE" or "SSL_CERT_FILE FILE"; NULL: the embedded roots */
	const char *url_from;	/* where the endpoint came from: "--url", "default"... */
	const char *bad[CHECK_BAD];	/* the problem of each kind, "" when none */
};

/*
 * check_run(): run every step that can run and print the report; rq holds
 * what configuration was good (rq->url is unset when bad[CHECK_ENDPOINT]
 * is not ""). Returns 0 when no step failed, else the exit class of the
 * first failing one (a claim that makes IAM refuse the token counts as
 * XC_TOKENFILE, a configuration problem as XC_USAGE).
 */
int check_run(const struct check *c, struct iam_req *rq, struct fail *f);

/*
 * Set once check_run() starts printing the report: a signal handler that
 * ends check before that prints, with --json, {"exit":N,"steps":[],
 * "error":"..."} instead, so that the output is still one object.
 */
extern volatile sig_atomic_t check_printing;

#endif
