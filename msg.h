/*
 * msg.h: how crtoken talks: exit classes, the error idiom, verbose notes,
 * and a small formatter (no stdio in the binary).
 *
 * Every failure is one value of struct fail: an exit class and one line of
 * text, "<what failed>: <why>[; hint]", which tool.c prints behind
 * "crtoken: ". Lower layers fill a struct fail and return its class; only
 * tool.c decides to exit.
 *
 * Secrets: msg_secret() registers a buffer (the CR token, the access token)
 * whose bytes must never be printed; every line that leaves through
 * msg_line() and note() has each registered secret, each run of RUN_MIN
 * bytes or more of one (a JWT's signature is secret on its own, and may
 * be quoted in pieces), a start of one (8 bytes or more) that a truncation
 * left at the end of the line, and anything shaped like a JWT, replaced by
 * "[redacted]" (one marker for runs that touch). If more secrets are
 * registered than the table holds, every line is withheld: it fails closed.
 */
#ifndef MSG_H
#define MSG_H

#include <stdarg.h>
#include <stddef.h>

/* Exit classes: the contract (README, --help and crtoken.1 show this table). */
enum {
	XC_OK = 0,
	XC_INTERNAL = 1,	/* a bug, out of memory */
	XC_USAGE = 2,	/* bad flag or environment, no profile, bad URL, --cacert, --mode */
	XC_TOKENFILE = 3,	/* CR token file missing, unreadable, empty, too large, malformed */
	XC_DNS = 4,	/* name resolution failed */
	XC_CONNECT = 5,	/* connection refused, unreachable, reset before TLS */
	XC_PROXY = 6,	/* proxy failed (reserved) */
	XC_TLS = 7,	/* TLS handshake failed */
	XC_CERT = 8,	/* server certificate rejected */
	XC_TIMEOUT = 9,	/* deadline passed */
	XC_IAM = 10,	/* HTTP 4xx other than 429 */
	XC_RATE = 11,	/* HTTP 429 */
	XC_SERVER = 12,	/* HTTP 5xx */
	XC_RESPONSE = 13,	/* malformed HTTP or JSON, no access_token, over a cap */
	XC_OUTPUT = 14	/* could not write the output */
};

#define MSG_MAX 1024
#define RUN_MIN 12	/* bytes of a secret that are redacted wherever they appear */

struct fail {
	int code;		/* an XC_* class, XC_OK when nothing failed */
	int io;			/* 1 when caused by an I/O error rather than a peer's verdict */
	char text[MSG_MAX];	/* "<what>: <why>", no "crtoken: ", no newline */
};

/*
 * fail(): format the message into f->text, set f->code = code, f->io = 0,
 * return code. Formats are the subset that fmt() knows.
 */
int fail(struct fail *f, int code, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * fmt(): snprintf for %s %.*s %c %d %u %ld %lu %lld %llu %x %%, nothing else
 * (no widths, no floats: any other conversion ends the output with "%?").
 * Always NUL-terminates when cap > 0. Returns the length the whole output
 * needed, so "fmt(...) >= cap" means truncated.
 */
size_t fmt(char *dst, size_t cap, const char *format, ...)
	__attribute__((format(printf, 3, 4)));
size_t vfmt(char *dst, size_t cap, const char *format, va_list ap);

/*
 * fmtcat(): fmt() at offset n of dst (cap bytes in all), for building a
 * line piece by piece: returns n plus the length the piece needed, so the
 * result is >= cap when anything was cut.
 */
size_t fmtcat(char *dst, size_t cap, size_t n, const char *format, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Register a secret that must never be printed; msg_forget() drops them
 * all; msg_release(m) drops those registered since m = msg_mark() (for a
 * loop that registers new secrets each time round).
 */
void msg_secret(const void *p, size_t n);
void msg_forget(void);
size_t msg_mark(void);
void msg_release(size_t mark);

/*
 * The log. Every line has an event and, with --log json (msg_json), is one
 * JSON object instead of "crtoken: <text>":
 *   {"time":"2026-12-01T20:41:21.123Z","level":"info","event":"refresh",
 *    "msg":"<text, redacted>","expires_in":3600}
 * time is UTC (RFC 3339, milliseconds); level is "error" for "error",
 * "warn" for "refresh_failed", "kill" and a "child_exit" with a
 * code other than 0, "debug" for "debug", else "info";
 * the numbers of struct lf that are >= 0 follow msg (signal as "signal").
 * Events: error (crtoken ends: code is its exit status), debug (-v),
 * refresh, refresh_failed, restart, signal (received or sent), kill,
 * child_exit, stop (crtoken ends on a signal).
 *
 * A line that has no room on stderr for MSG_WAIT_MS (a log reader that
 * stopped reading) is lost rather than stopping crtoken.
 * msg_error(): an "error" line with its exit class. note(): a "debug" line
 * when msg_verbose is set (-v). say(): a line of watch and exec --watch,
 * unless msg_quiet (-q). msg_urgent(): the same from a signal handler, only
 * if stderr has room now (async-signal-safe: no waiting, no stdio).
 */
#define MSG_WAIT_MS 1000
struct lf { long long expires_in, attempt, wait_ms, code, signal; };
#define LF_NONE { -1, -1, -1, -1, -1 }
extern int msg_verbose, msg_quiet, msg_json;
void msg_error(int code, const char *text);
void note(const char *format, ...) __attribute__((format(printf, 1, 2)));
void say(const char *event, const struct lf *lf, const char *format, ...)
	__attribute__((format(printf, 3, 4)));
void msg_urgent(const char *event, const struct lf *lf, const char *text);

/*
 * msg_redact(): copy s to dst (cap bytes, NUL-terminated) with each registered
 * secret, each run of RUN_MIN bytes of one, and each JWT-shaped run ("eyJ"
 * and 17 or more base64url characters or dots, a final dot left out)
 * replaced by "[redacted]", runs that touch by one; and every byte that is
 * not printable text as \xNN: control characters, DEL, the backslash
 * (so that every "\\" printed starts an escape), bytes that are not valid
 * UTF-8, and the UTF-8 forms of C1 controls, bidirectional overrides,
 * isolates and marks, zero-width characters and line separators (so
 * nothing from outside can move the cursor, paint a line or reorder one).
 * Never cuts a character or an escape. Returns the length written.
 */
size_t msg_redact(char *dst, size_t cap, const char *s);

/*
 * errstr(): strerror() for the errors crtoken can meet (musl's words), else
 * "error N" (in a static buffer).
 */
const char *errstr(int e);

/* Write all of p to fd, retrying on EINTR and short writes: 0, or -1 with errno. */
int write_all(int fd, const void *p, size_t n);

#endif
