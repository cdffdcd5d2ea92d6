/*
 * check.h: crtoken check: a step-by-step report for kubectl debug.
 *
 * Each step is shown with what it saw and a mark: pass, warn, fail or
 * skip (not run because an earlier step failed). The steps: the token file,
 * the CR token's claims (issuer, sub as namespace and service account,
 * aud, lifetime exp - iat, validity and clock skew), the profile, the
 * endpoint and proxy, name resolution, TCP connect, TLS (version, cipher,
 * the server chain's subjects), the exchange (with IAM's error explained),
 * and the IAM token's claims. Tokens themselves are never shown. With json
 * set, the same report is one JSON object. The report goes to stdout.
 */
#ifndef CHECK_H
#define CHECK_H

#include "iam.h"
#include "msg.h"

struct check {
	const char *token_file;	/* NULL: the default paths */
	long long deadline;	/* of the network steps (clock_ms()) */
	int json;
};

/*
 * check_run(): run every step that can run and print the report. Returns
 * 0 when no step failed, else the exit class of the first failing one (a
 * claim that makes IAM refuse the token counts as XC_TOKENFILE).
 */
int check_run(const struct check *c, struct iam_req *rq, struct fail *f);

#endif
