/*
 * cred.h: crtoken as a docker credential helper: run as
 * docker-credential-crtoken (a link or a copy) or as `crtoken
 * credential-helper ACTION`, configured by the environment only.
 *
 *   get     a server URL on stdin; for one of docker.h's registries,
 *           {"ServerURL":URL,"Username":"iambearer","Secret":TOKEN} on stdout;
 *           for another host "credentials not found in native keychain"
 *           and exit 1 (the protocol's answer)
 *   list    {"HOST":"iambearer",...}
 *   store, erase   accepted (stdin read), nothing changes: exit 0
 *
 * A build calls get for every layer, so the token comes, in this order,
 * from kept (a file a running `crtoken watch` keeps, any --format), from
 * the cache file (--format json plus "for": the IAM URL, profile and scope
 * it was exchanged for), each only when valid for more than CRED_MIN_S
 * seconds more; else from an exchange, after which the cache is replaced
 * (atomically, mode 0600). Exchanges are serialized by an flock() on
 * "<cache>.lock": many helpers started at once make one exchange. A cache
 * not owned by this user or readable by others is ignored.
 *
 * Failures: the error line on stdout (the protocol shows it to the user)
 * and crtoken's exit class. store, erase, list and an unknown action need
 * no profile; only get exchanges.
 */
#ifndef CRED_H
#define CRED_H

#include "iam.h"
#include "msg.h"

#define CRED_MIN_S 60

struct cred {
	const char *action;
	const char *token_file;	/* the CR token, NULL: the default paths */
	const char *cache;	/* NULL: none */
	const char *kept;	/* CRTOKEN_ACCESS_TOKEN_FILE, or NULL */
	const char *key;	/* what a token is for: IAM URL, profile, scope */
	long long deadline;
	/* the exchange, with the retry policy: 0 or the class */
	int (*exchange)(struct iam_req *rq, long long deadline);
};

/*
 * cred_run(): the action; tok is where exchange() leaves the token.
 * Returns the exit status, f filled on failure (already printed on stdout).
 */
int cred_run(const struct cred *c, struct iam_req *rq, struct iam_token *tok,
    struct fail *f);

/* cred_error(): "crtoken: <text>" on stdout, redacted: a failure, in the protocol's channel. */
void cred_error(const char *text);

#endif
