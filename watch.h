/*
 * watch.h: crtoken watch: keep a file holding a valid access token.
 *
 * Exchange, write FILE atomically, sleep until 80% of the token's lifetime
 * has passed, and again, re-reading the CR token every time (the kubelet
 * rotates it). A failed refresh leaves FILE as it was and is retried with
 * backoff (full jitter, capped at 60 s, Retry-After honoured); one line per
 * attempt goes to stderr. SIGTERM and SIGINT end it with status 0 at once
 * (a temporary file being written is removed); SIGHUP refreshes now. The
 * ready file is touched after each write that follows a time without a
 * valid token (the first write included) and removed when the token in
 * FILE expires without a successful refresh.
 */
#ifndef WATCH_H
#define WATCH_H

#include "iam.h"
#include "msg.h"

struct watch {
	const char *path;	/* FILE */
	unsigned mode;		/* of FILE */
	int format;		/* IAM_FMT_* */
	const char *ready;	/* --ready-file, or NULL */
	const char *token_file;	/* NULL: the default paths */
	long long timeout_ms;	/* for each exchange */
	int quiet;		/* no log lines */
};

/*
 * watch_run(): returns only when the first refresh fails with a class that
 * retrying cannot fix (2, 3, 8, 10, or 14 when FILE cannot be written: the
 * class is returned, f says why) or when the ready file cannot be written
 * (XC_OUTPUT); else it runs until a signal ends the process with status 0.
 */
int watch_run(const struct watch *w, struct iam_req *rq, struct fail *f);

#endif
