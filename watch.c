/* see watch.h */
#include <sys/select.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "net.h"
#include "watch.h"

#define RETRY_CAP_MS 60000	/* between failed refreshes */
#define MIN_REFRESH_MS 1000	/* never refresh more often than this */
#define UNKNOWN_LIFETIME_MS 60000	/* when IAM says nothing of the expiry */

static volatile sig_atomic_t hup;
static int quiet;
static struct iam_token tok;
static char out[IAM_TOKEN_MAX + 512];

static void
on_hup(int sig)
{
	(void)sig;
	hup = 1;
}

static void
on_term(int sig)
{
	static const char m[] = "crtoken: watch: stopping\n";

	(void)sig;
	file_abort();
	if (!quiet)
		(void)write_all(2, m, sizeof m - 1);
	_exit(0);
}

static void
say(const char *f, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *f, ...)
{
	char text[MSG_MAX];
	va_list ap;

	if (quiet)
		return;
	va_start(ap, f);
	vfmt(text, sizeof text, f, ap);
	va_end(ap);
	msg_line(text);
}

/* Sleep ms milliseconds, or less when SIGHUP comes (blocked outside this wait). */
static void
nap(long long ms, const sigset_t *open)
{
	long long until = clock_ms() + ms;

	while (!hup) {
		struct timespec ts;
		long long left = until - clock_ms();

		if (left <= 0)
			return;
		ts.tv_sec = (time_t)(left / 1000);
		ts.tv_nsec = (long)(left % 1000 * 1000000);
		(void)pselect(0, NULL, NULL, NULL, &ts, open);
	}
}

/* Create path if missing and set its times to now. */
static int
touch(const char *path, struct fail *f)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);

	if (fd < 0 || futimens(fd, NULL) < 0) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		return fail(f, XC_OUTPUT, "ready file %s: %s", path, strerror(err));
	}
	close(fd);
	return 0;
}

/* One refresh: read the CR token, exchange, write FILE. 0 or the class. */
static int
refresh(const struct watch *w, struct iam_req *rq, size_t mark, struct fail *f)
{
	size_t n;
	int r;

	msg_release(mark);	/* last round's tokens; the proxy's credentials stay */
	if ((r = iam_crtoken(w->token_file, rq, NULL, f)) != 0)
		return r;
	r = iam_exchange(rq, &tok, clock_ms() + w->timeout_ms, f);
	if (r == 0) {
		n = iam_format(w->format, &tok, out, sizeof out);
		if (n >= sizeof out)
			r = fail(f, XC_INTERNAL, "output: over %lu bytes",
			    (unsigned long)sizeof out);
		else
			r = file_write(w->path, w->mode, out, n, f);
	}
	return r;
}

/* After the round's line is out (redaction needs them): wipe the tokens. */
static void
forget(void)
{
	explicit_bzero(out, sizeof out);
	explicit_bzero(tok.access, sizeof tok.access);
	iam_wipe();
}

int
watch_run(const struct watch *w, struct iam_req *rq, struct fail *f)
{
	struct sigaction sa;
	sigset_t hupset, open;
	long long valid_until = 0;	/* epoch seconds of the token in FILE, 0: none */
	size_t mark = msg_mark();
	int attempt = 0, first = 1, ready = 0, r;

	quiet = w->quiet;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&hupset);
	sigaddset(&hupset, SIGHUP);
	sigprocmask(SIG_BLOCK, &hupset, &open);
	sigdelset(&open, SIGHUP);

	for (;;) {
		long long wait, now;

		hup = 0;
		r = refresh(w, rq, mark, f);
		now = (long long)time(NULL);
		if (r == 0) {
			long long life = tok.expires_in * 1000;

			attempt = 0;
			first = 0;
			valid_until = tok.expiration;
			wait = life > 0 ? life * 8 / 10 : UNKNOWN_LIFETIME_MS;
			if (wait < MIN_REFRESH_MS)
				wait = MIN_REFRESH_MS;
			say("watch: wrote %s: token expires in %lld s; next refresh in "
			    "%lld.%lld s", w->path, tok.expires_in, wait / 1000,
			    wait % 1000 / 100);
			if (w->ready && !ready) {
				if ((r = touch(w->ready, f)) != 0)
					return r;
				ready = 1;
			}
		} else {
			/* what retrying cannot fix; an unwritable FILE too, or
			   every retry would cost IAM an exchange for nothing */
			if (first && (r == XC_USAGE || r == XC_TOKENFILE ||
			    r == XC_CERT || r == XC_IAM || r == XC_OUTPUT))
				return r;
			wait = iam_backoff_ms(attempt++, tok.retry_after, RETRY_CAP_MS);
			if (valid_until > now)
				say("watch: refresh failed (attempt %d): %s; %s keeps a "
				    "token valid for %lld s; retrying in %lld ms", attempt,
				    f->text, w->path, valid_until - now, wait);
			else
				say("watch: refresh failed (attempt %d): %s; %s holds no "
				    "valid token; retrying in %lld ms", attempt, f->text,
				    w->path, wait);
			if (ready && valid_until <= now) {
				if (unlink(w->ready) < 0 && errno != ENOENT)
					say("watch: removing ready file %s: %s", w->ready,
					    strerror(errno));
				ready = 0;
			}
		}
		forget();
		nap(wait, &open);
		if (hup)
			say("watch: SIGHUP: refreshing now");
	}
}
