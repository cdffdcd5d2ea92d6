/*
 * exec.h: crtoken exec: CMD with the token in its environment, never in
 * argv, for images without a shell (where TOKEN=$(crtoken) app is not
 * possible).
 */
#ifndef EXEC_H
#define EXEC_H

#include "iam.h"
#include "msg.h"

#define EXEC_NAME_MAX 255	/* bytes of a variable name for --env */

/*
 * exec_name_ok(): whether name can hold the token: [A-Za-z_][A-Za-z0-9_]*,
 * 1 to EXEC_NAME_MAX bytes, not IAM_TOKEN_EXPIRATION.
 */
int exec_name_ok(const char *name);

/*
 * exec_run(): replace this process with cmd[0] (a PATH search as execvp's
 * when it has no '/'; "/usr/local/bin:/usr/bin:/bin" without PATH), its
 * environment ours with name=<the token> (format IAM_FMT_DOCKER: the auth
 * file of docker.h, without its newline) and IAM_TOKEN_EXPIRATION=<epoch
 * seconds> in place of any variables of those names. The descriptors in
 * the mask closefds (bit n for descriptor n, 0 to 2) are closed first, and
 * the signals crtoken caught or ignored get their default actions. Returns
 * only when CMD did not start: 127 when it is nowhere, 126 when it is there
 * but cannot be run, XC_INTERNAL (out of memory), with f saying why; the
 * token's copies are wiped first.
 */
int exec_run(char **cmd, const char *name, const struct iam_token *tok, int format,
    unsigned closefds, struct fail *f);

#endif
