/*
 * super.h: crtoken exec --watch: CMD supplied with a fresh token for as
 * long as it runs.
 *
 * With the first token in hand (exchanged as exec does), FILE (-o) is
 * written, then CMD started with the token in its environment (NAME and
 * IAM_TOKEN_EXPIRATION). At 80% of the token's life a refresh runs (the CR
 * token re-read, the retry policy of retry.h, capped at 60 s, between
 * failures); each new token replaces FILE atomically, then either
 * signals CMD (sig set) or restarts it: stop_sig, KILL after stop_ms, and
 * CMD again with the new token; one restart per new token. A failed
 * refresh never touches CMD; one line per attempt goes to stderr.
 *
 * SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2 and SIGWINCH are
 * forwarded to CMD at once (an exchange under way is cut short); after
 * SIGTERM or SIGINT crtoken waits for CMD (KILL after stop_ms) and ends.
 * As PID 1 every orphan is reaped. Between refreshes it waits in one
 * pselect(), nothing polls. The process is not dumpable.
 */
#ifndef SUPER_H
#define SUPER_H

#include "iam.h"
#include "msg.h"

struct super {
	char **cmd;		/* CMD and its arguments */
	const char *env_name;	/* the token's variable */
	unsigned closefds;	/* descriptors 0-2 to close in CMD (exec_run()) */
	const char *path;	/* -o FILE, or NULL */
	unsigned mode;		/* of FILE */
	int format;		/* IAM_FMT_* of FILE */
	int sig;		/* --signal: sent on a new token; 0: restart */
	int stop_sig;		/* --stop-signal */
	long long stop_ms;	/* --stop-timeout */
	const char *token_file;	/* NULL: the default paths */
	long long timeout_ms;	/* for each refresh */
};

/*
 * super_run(): run CMD with tok (the first token) as above. Returns CMD's
 * exit status, or 128 + the signal that killed it; or, before CMD ever
 * started, the class of what failed (XC_OUTPUT: FILE could not be
 * written; 126 or 127: CMD could not be executed or found).
 */
int super_run(const struct super *s, struct iam_req *rq, struct iam_token *tok,
    struct fail *f);

/* super_signal(): the number of a signal name ("HUP", "SIGUSR1") or number ("10"), or -1. */
int super_signal(const char *name);

#endif
