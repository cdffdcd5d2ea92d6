/*
 * retry.h: the one retry policy, shared by every mode.
 *
 * Which failures another attempt can fix, and how long to wait before it.
 * Before the n-th retry (n = 1, 2, ...) the wait is drawn at random in
 * [E(n)/2, E(n)], E(n) = min(cap, 500 ms * 2^(n-1)): jitter spreads the pods
 * of a cluster, but never shrinks a wait toward zero. A Retry-After from
 * IAM (delta-seconds above 0, or an HTTP date in the future) raises the wait
 * to itself, capped at 60 s; it never lowers it. A Retry-After of 0,
 * negative, in the past or unparseable counts as absent. So against an IAM
 * that answers 429 with Retry-After: 0 forever, attempts start no sooner
 * than 0.25, 0.75, 1.75, 3.75, 7.75 s... after the first.
 */
#ifndef RETRY_H
#define RETRY_H

#define RETRY_BASE_MS 500
#define RETRY_AFTER_CAP_MS 60000
#define RETRY_CAP_ONESHOT_MS 30000	/* one-shot, exec, check */
#define RETRY_CAP_WATCH_MS 60000	/* watch */

/*
 * retry_transient(): whether a failure of class code is worth another
 * attempt: 4 (name resolution), 5 (connection), 9 (deadline of an attempt),
 * 11 (HTTP 429), 12 (HTTP 5xx), and 7 when io is set (a reset or a close
 * mid-handshake, not an alert). Verdicts (2, 3, 8, 10, 13, 14) are not.
 */
int retry_transient(int code, int io);

/*
 * retry_wait_ms(): the wait before retry number n (n >= 1) with the
 * envelope capped at cap_ms; retry_after is what http_retry_after() made of
 * the last answer's Retry-After (seconds, -1 when absent).
 */
long long retry_wait_ms(int n, long retry_after, long long cap_ms);

/*
 * retry_say(): the "refresh_failed" line watch and exec --watch log:
 * "<mode>: refresh failed (attempt n): <f->text>; <who> keeps a token valid
 * for N s" (or "holds no valid token" when valid_ms <= 0) "; retrying in
 * W ms", with expires_in (N, or 0), attempt, wait_ms and code (f->code).
 */
struct fail;
void retry_say(const char *mode, int n, const struct fail *f, const char *who,
    long long valid_ms, long long wait_ms);

#endif
