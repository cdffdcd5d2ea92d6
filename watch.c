/* see watch.h */
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "net.h"
#include "retry.h"
#include "watch.h"

#define MIN_REFRESH_MS 1000	/* between two exchanges, whatever asks */

static volatile sig_atomic_t hup;
static struct iam_token tok;
static char out[IAM_OUT_MAX];
static size_t outlen;		/* of out, used: what is wiped */

/*
 * READY: ready_on says it exists (made by us); ready_until is when FILE's
 * token expires (monotonic ms). A timer on the monotonic clock removes
 * READY then, whatever the loop is doing (an exchange can take --timeout).
 */
static const char *ready_path;
static volatile sig_atomic_t ready_on;
static volatile long long ready_until;
static int expiry;		/* the kernel's timer id */
static int have_timer;

/*
 * A POSIX timer by its system calls: musl's timer_create() would link its
 * thread code (for SIGEV_THREAD). The kernel's sigevent, for SIGEV_SIGNAL.
 */
struct ksigevent {
	union sigval value;
	int signo, notify, tid;
};

static void
on_hup(int sig)
{
	(void)sig;
	hup = 1;
}

static void
on_expiry(int sig)
{
	int err = errno;

	(void)sig;
	if (ready_on && clock_ms() >= ready_until) {
		ready_on = 0;
		(void)unlink(ready_path);
	}
	errno = err;
}

/* SIGTERM, SIGINT: stop with 0; SIGQUIT, SIGUSR1, SIGUSR2: the same cleanup, 128 + N */
static void
on_term(int sig)
{
	struct lf lf = LF_NONE;

	lf.code = sig == SIGTERM || sig == SIGINT ? 0 : 128 + sig;
	file_abort();
	if (ready_path != NULL)
		(void)unlink(ready_path);
	msg_urgent("stop", &lf, "watch: stopping");
	_exit((int)lf.code);
}

/*
 * Sleep until until (monotonic ms), SIGHUP (blocked outside this wait)
 * bringing it forward, but never before floor (after a failure, floor is
 * until: the retry policy's wait stands).
 */
static void
nap(long long until, long long floor, const sigset_t *open)
{
	static const struct lf hupf = { -1, -1, -1, -1, SIGHUP };
	int failed = floor >= until;

	for (;;) {
		struct timespec ts;
		long long now = clock_ms(), left = until - now;

		if (hup) {
			const char *what = "a refresh is already due";

			hup = 0;
			if (failed)
				what = "the retry policy's wait stands: the retry is due";
			else if (until > floor && until > now) {
				until = floor > now ? floor : now;	/* 1 s after the last */
				what = "refreshing";
			}
			say("signal", &hupf, "watch: SIGHUP: %s in %lld ms", what,
			    until > now ? until - now : 0);
			continue;
		}
		if (left <= 0)
			return;
		ts.tv_sec = (time_t)(left / 1000);
		ts.tv_nsec = (long)(left % 1000 * 1000000);
		(void)pselect(0, NULL, NULL, NULL, &ts, open);
	}
}

/* Whether paths a and b name the same file (both existing), or are the same string. */
static int
same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return strcmp(a, b) == 0 || (stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

/* Create READY, never through a symlink, never in FILE's place. 0 or XC_OUTPUT. */
static int
ready_create(const char *file, struct fail *f)
{
	int fd, i;

	for (i = 0; i < 2; i++) {
		fd = open(ready_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC | O_NOCTTY, 0644);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (errno != EEXIST)
			break;
		if (same_file(ready_path, file))
			return fail(f, XC_OUTPUT, "ready file %s: it is FILE %s", ready_path,
			    file);
		if (unlink(ready_path) < 0)
			break;
	}
	return fail(f, XC_OUTPUT, "ready file %s: %s", ready_path, errstr(errno));
}

/* FILE holds a token valid until until (monotonic ms): READY exists until then. */
static int
ready_set(long long until, const char *file, struct fail *f)
{
	struct itimerspec it = { { 0, 0 }, { (time_t)(until / 1000),
	    (long)(until % 1000 * 1000000) } };
	sigset_t alrm, old;
	int r = 0;

	if (ready_path == NULL)
		return 0;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_BLOCK, &alrm, &old);
	ready_until = until;
	if (!ready_on && (r = ready_create(file, f)) == 0)
		ready_on = 1;
	if (have_timer)
		(void)syscall(SYS_timer_settime, expiry, TIMER_ABSTIME, &it, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}

/* FILE no longer holds an unexpired token: READY goes at once. */
static void
ready_drop(void)
{
	sigset_t alrm, old;

	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_BLOCK, &alrm, &old);
	if (ready_on) {
		ready_on = 0;
		(void)unlink(ready_path);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/*
 * One refresh: read the CR token, exchange, write FILE. 0 or the class;
 * *until: when the token in FILE expires (monotonic ms); *wrote: FILE was
 * replaced (even when the refresh failed after: the token expired first).
 */
static int
refresh(const struct watch *w, struct iam_req *rq, size_t mark, long long *until,
    int *wrote, struct fail *f)
{
	long long by;
	size_t n;
	int r;

	msg_release(mark);	/* last round's tokens; the proxy's credentials stay */
	if ((r = iam_crtoken(w->token_file, rq, NULL, f)) != 0)
		return r;
	if ((r = iam_exchange(rq, &tok, clock_ms() + w->timeout_ms, f)) != 0)
		return r;
	*until = clock_ms() + tok.life_ms;
	n = iam_format(w->format, &tok, out, sizeof out);
	outlen = n < sizeof out ? n : sizeof out;
	if (n >= sizeof out)
		return fail(f, XC_INTERNAL, "output: over %lu bytes",
		    (unsigned long)sizeof out);
	/* a FIFO or a device may make the write wait: not past the token's life */
	by = clock_ms() + w->timeout_ms;
	if ((r = file_write(w->path, w->mode, out, n, by < *until ? by : *until, f)) != 0)
		return r;
	*wrote = 1;
	if (clock_ms() >= *until)
		return fail(f, XC_OUTPUT, "writing %s took longer than the token "
		    "lived (%lld ms)", w->path, tok.life_ms);
	return 0;
}

/* After the round's line is out (redaction needs them): wipe the tokens. */
static void
forget(void)
{
	explicit_bzero(out, outlen);
	explicit_bzero(tok.access, sizeof tok.access);
	iam_wipe();
}

int
watch_run(const struct watch *w, struct iam_req *rq, struct fail *f)
{
	struct ksigevent sev;
	struct sigaction sa;
	sigset_t hupset, open;
	size_t mark = msg_mark();
	long long valid_until = 0;	/* FILE's token, monotonic ms; 0: none */
	int attempt = 0, first = 1, r;

	ready_path = w->ready;
	/* no core dump or ptrace by the same user while tokens are in memory */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_expiry;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	memset(&sev, 0, sizeof sev);
	sev.notify = SIGEV_SIGNAL;
	sev.signo = SIGALRM;
	have_timer = syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &expiry) == 0;
	sigemptyset(&hupset);
	sigaddset(&hupset, SIGHUP);
	sigprocmask(SIG_BLOCK, &hupset, &open);
	sigdelset(&open, SIGHUP);
	if (ready_path != NULL && (same_file(ready_path, w->path) ||
	    (w->token_file != NULL && same_file(ready_path, w->token_file))))
		return fail(f, XC_USAGE, "--ready-file %s: names FILE or the token "
		    "file; it must be a file of its own", ready_path);
	/* READY left by an earlier run says nothing about this one */
	if (ready_path != NULL && unlink(ready_path) < 0 && errno != ENOENT)
		return fail(f, XC_OUTPUT, "ready file %s: removing what an earlier "
		    "run left: %s", ready_path, errstr(errno));
	if (!have_timer && ready_path != NULL)
		return fail(f, XC_INTERNAL, "ready file %s: no timer to remove it "
		    "when the token expires: %s", ready_path, errstr(errno));

	for (;;) {
		long long start = clock_ms(), until = 0, next, floor, wait, left;
		struct lf lf = LF_NONE;
		int wrote = 0;

		hup = 0;
		r = refresh(w, rq, mark, &until, &wrote, f);
		if (r == 0) {
			attempt = 0;
			first = 0;
			valid_until = until;
			if ((r = ready_set(valid_until, w->path, f)) != 0)
				return r;
			next = until - tok.life_ms + tok.life_ms * 8 / 10;
			floor = start + MIN_REFRESH_MS;
			if (next < floor)
				next = floor;
			left = next - clock_ms();
			if (left < 0)
				left = 0;
			lf.expires_in = tok.life_ms / 1000;
			say("refresh", &lf, "watch: wrote %s: token expires in %lld s; next "
			    "refresh in %lld.%lld s", w->path, tok.life_ms / 1000, left / 1000,
			    left % 1000 / 100);
		} else {
			long long now = clock_ms();

			if (wrote) {	/* FILE got a token that expired on the way */
				valid_until = 0;
				ready_drop();
			}

			/* what retrying cannot fix; an unwritable FILE too, or
			   every retry would cost IAM an exchange for nothing */
			if (first && (r == XC_USAGE || r == XC_TOKENFILE ||
			    r == XC_CERT || r == XC_IAM || r == XC_OUTPUT))
				return r;
			wait = retry_wait_ms(++attempt, tok.retry_after, RETRY_CAP_WATCH_MS);
			next = floor = now + wait;
			retry_say("watch", attempt, f, w->path, valid_until - now, wait);
		}
		forget();
		nap(next, floor, &open);
	}
}
