/*
 * probe.h: crtoken probe FILE [--min-valid SECONDS]: whether FILE holds an
 * access token, as crtoken writes it in any --format, that is valid for at
 * least SECONDS more. For a native sidecar's startupProbe (and liveness and
 * readiness probes) in an image without a shell: no network, no CR token,
 * no profile. The token's expiry is the lesser of its exp claim and the
 * expiration the file states (--format json and env); a token with neither
 * is not one crtoken wrote.
 */
#ifndef PROBE_H
#define PROBE_H

#include "msg.h"

/* Exit codes of probe besides 0 (valid) and XC_USAGE (2). */
#define PROBE_FILE 3		/* FILE missing, unreadable, not a regular file */
#define PROBE_NOTOKEN 13	/* not a token crtoken wrote (too large, a NUL in
				   it...), or one without expiry */
#define PROBE_EXPIRING 15	/* expired, or valid for less than SECONDS */

/*
 * probe_read(): the token in path (any format) into tok (cap bytes; none
 * when tok is NULL) and its expiry (epoch seconds) into *exp: 0, or
 * PROBE_FILE or PROBE_NOTOKEN with f saying why ("PATH: ..."). The file's
 * bytes are registered as a secret while read, and wiped.
 */
int probe_read(const char *path, char *tok, size_t cap, long long *exp,
    struct fail *f);

/*
 * probe_run(): 0 when the token in path is valid for min_valid seconds
 * more, else one of the codes above with f saying why. The token is
 * registered as a secret while it is read and wiped after.
 */
int probe_run(const char *path, long long min_valid, struct fail *f);

#endif
