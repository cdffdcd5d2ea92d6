/*
 * watch.h: crtoken watch: keep a file holding a valid access token.
 *
 * Exchange, write FILE (file_write(): atomically, or in place for a FIFO
 * or a device), sleep until 80% of the token's lifetime has passed, and
 * again, re-reading the CR token every time (the kubelet rotates it). FILE
 * changes only when a new valid token is in hand: a failed refresh leaves
 * it as it was and is retried by the policy of retry.h (capped at 60 s,
 * Retry-After honoured); one line per attempt goes to stderr. Two
 * exchanges are never less than 1 s apart. SIGTERM and SIGINT end it with
 * status 0 at once (a temporary file being written and the ready file are
 * removed); SIGHUP asks for a refresh now, but never cuts a wait the retry
 * policy imposed after a failure. The process is not dumpable.
 *
 * The ready file means "a running watch keeps a token valid now in FILE":
 * removed at start, created (never through a symlink) once FILE holds an
 * unexpired token, removed by a timer at the moment that token expires if
 * no refresh replaced it, and removed when watch stops.
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
};

/*
 * watch_run(): returns only when, before its first success, a refresh
 * fails with a class that retrying cannot fix (2, 3, 8, 10, or 14 when FILE
 * cannot be written: the class is returned, f says why), or when the ready
 * file cannot be removed or created (XC_OUTPUT); else it runs until a
 * signal ends the process (status 0 for SIGTERM and SIGINT).
 */
int watch_run(const struct watch *w, struct iam_req *rq, struct fail *f);

#endif
