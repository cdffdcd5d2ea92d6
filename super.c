/* see super.h */
#define _GNU_SOURCE	/* pipe2() in glibc (the sanitizer builds) */
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"
#include "file.h"
#include "net.h"
#include "retry.h"
#include "super.h"

#define MIN_REFRESH_MS 1000	/* between two exchanges */

static const int fwd[] = { SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2,
    SIGWINCH };

static const struct { char name[6]; signed char sig; } sigs[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
	{ "ALRM", SIGALRM }, { "TERM", SIGTERM }, { "CONT", SIGCONT },
	{ "WINCH", SIGWINCH }, { "PIPE", SIGPIPE }, { "ABRT", SIGABRT },
};

static volatile pid_t child;		/* CMD while it runs, else 0 */
static volatile sig_atomic_t stopping;	/* SIGTERM or SIGINT came: which */
static volatile sig_atomic_t told;	/* and it reached CMD */
static volatile sig_atomic_t ended;	/* CMD ended (status in status) */
static volatile int status;
static const char *cmd0;		/* CMD's name, for the log */
static int cut[2] = { -1, -1 };		/* net_cutfd's pipe */
static char out[IAM_OUT_MAX];
static size_t outlen;		/* of out, used: what is wiped */

static void
wake(void)
{
	net_cut = 1;
	(void)!write(cut[1], "", 1);
}

/* A "signal" line: "exec: <what> SIGHUP (1)<rest> CMD", the name when it has one. */
static void
sig_line(int sig, const char *what, const char *rest, int urgent)
{
	struct lf lf = LF_NONE;
	const char *name = "";
	char text[160];
	size_t i;

	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		if (sigs[i].sig == sig)
			name = sigs[i].name;
	lf.signal = sig;
	fmt(text, sizeof text, "exec: %s SIG%s (%d)%s %s", what, name, sig, rest, cmd0);
	if (urgent)
		msg_urgent("signal", &lf, text);
	else
		say("signal", &lf, "%s", text);
}

/*
 * Forward to CMD at once, and say so (a line per signal, as it happens);
 * TERM and INT also stop crtoken (an exchange is cut). Every signal is
 * blocked while this runs.
 */
static void
on_fwd(int sig)
{
	pid_t c = child;
	int err = errno;

	if (c > 0 && kill(c, sig) == 0)
		sig_line(sig, "forwarded", " to", 1);
	if (sig == SIGTERM || sig == SIGINT) {
		stopping = sig;
		told = c > 0;
		wake();
	}
	errno = err;
}

/* Reap every child that ended, at once (as PID 1, orphans too): CMD's status kept. */
static void
reap(void)
{
	pid_t p;
	int st;

	while ((p = waitpid(-1, &st, WNOHANG)) > 0)
		if (p == child) {
			status = st;
			ended = 1;
			child = 0;
			wake();
		}
}

static void
on_chld(int sig)
{
	int err = errno;

	(void)sig;
	reap();
	errno = err;
}

/* Wait for a signal, until (monotonic ms; 0: no limit), the mask open opened. */
static void
pause_until(long long until, const sigset_t *open)
{
	struct timespec ts;
	long long left = until - clock_ms();

	if (until != 0 && left <= 0)
		return;
	ts.tv_sec = (time_t)(left / 1000);
	ts.tv_nsec = (long)(left % 1000 * 1000000);
	(void)pselect(0, NULL, NULL, NULL, until ? &ts : NULL, open);
	reap();
}

/* Start CMD with tok: 0, or the class (the child reports 126/127 itself). */
static int
start(const struct super *s, const struct iam_token *tok, struct fail *f)
{
	sigset_t none;
	pid_t p, parent = getpid();
	size_t i;
	int r;

	ended = 0;
	/* _Fork(): fork() without the pthread_atfork() handlers and the locks
	 * of other threads, which this process has none of; musl's fork()
	 * brings 1.5 KB of them into the static binary */
	if ((p = _Fork()) < 0)
		return fail(f, XC_INTERNAL, "exec %s: fork: %s", s->cmd[0],
		    errstr(errno));
	if (p == 0) {	/* our handlers go before the signals open */
		for (i = 0; i < sizeof fwd / sizeof fwd[0]; i++)
			signal(fwd[i], SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
			_exit(XC_INTERNAL);
		r = exec_run(s->cmd, s->env_name, tok, s->format, s->closefds, f);
		msg_error(r, f->text);
		_exit(r);
	}
	child = p;
	return 0;
}

/* Stop CMD: stop_sig, KILL after stop_ms; returns when it has ended. */
static void
stop(const struct super *s, int sig, const sigset_t *open)
{
	long long by = clock_ms() + s->stop_ms;

	if (child > 0)
		(void)kill(child, sig);
	while (!ended && clock_ms() < by)
		pause_until(by, open);
	if (!ended && child > 0) {
		struct lf lf = LF_NONE;

		lf.signal = SIGKILL;
		say("kill", &lf, "exec: %s did not stop within --stop-timeout: SIGKILL",
		    cmd0);
		(void)kill(child, SIGKILL);
	}
	while (!ended)
		pause_until(0, open);
}

/* CMD's status as crtoken's: its exit code, or 128 + the signal that killed it. */
static int
code(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) :
	    XC_INTERNAL;
}

/* Put the new token where CMD reads it: FILE. 0 or the class. */
static int
put(const struct super *s, const struct iam_token *tok, struct fail *f)
{
	size_t n;

	if (s->path == NULL)
		return 0;
	n = iam_format(s->format, tok, out, sizeof out);
	outlen = n < sizeof out ? n : sizeof out;
	if (n >= sizeof out)
		return fail(f, XC_INTERNAL, "output: over %lu bytes",
		    (unsigned long)sizeof out);
	return file_write(s->path, s->mode, out, n, clock_ms() + s->timeout_ms, f);
}

int
super_run(const struct super *s, struct iam_req *rq, struct iam_token *tok,
    struct fail *f)
{
	struct sigaction sa;
	sigset_t set, open;
	struct lf lf = LF_NONE;
	size_t i, mark = msg_mark();
	long long start_ms = clock_ms(), next, floor, until;
	char drain[64];
	int attempt = 0, r;

	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (pipe2(cut, O_CLOEXEC | O_NONBLOCK) < 0)
		return fail(f, XC_INTERNAL, "exec: pipe: %s", errstr(errno));
	net_cutfd = cut[0];
	/* blocked but in the waits below and in a refresh, from before the handlers */
	sigemptyset(&set);
	for (i = 0; i < sizeof fwd / sizeof fwd[0]; i++)
		sigaddset(&set, fwd[i]);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &open);
	memset(&sa, 0, sizeof sa);
	sigfillset(&sa.sa_mask);	/* one handler at a time */
	sa.sa_handler = on_fwd;
	for (i = 0; i < sizeof fwd / sizeof fwd[0]; i++)
		sigaction(fwd[i], &sa, NULL);
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	for (i = 0; i < sizeof fwd / sizeof fwd[0]; i++)
		sigdelset(&open, fwd[i]);
	sigdelset(&open, SIGCHLD);

	cmd0 = s->cmd[0];
	if ((r = put(s, tok, f)) != 0)
		return r;
	lf.expires_in = tok->life_ms / 1000;
	say("refresh", &lf, "exec: token expires in %lld s: starting %s",
	    lf.expires_in, cmd0);
	if ((r = start(s, tok, f)) != 0)
		return r;
	f->text[0] = '\0';	/* from here on the status is CMD's */
	until = start_ms + tok->life_ms;
	next = start_ms + tok->life_ms * 8 / 10;
	explicit_bzero(tok->access, sizeof tok->access);
	explicit_bzero(out, outlen);
	for (;;) {
		while (!ended && !stopping && clock_ms() < next)
			pause_until(next, &open);
		if (stopping)	/* forwarded already, unless CMD was not there yet */
			stop(s, told ? 0 : stopping, &open);
		if (stopping || ended)
			break;
		/* refresh, signals open: a TERM or CMD's end cuts it short */
		floor = clock_ms() + MIN_REFRESH_MS;
		msg_release(mark);
		net_cut = 0;
		while (read(cut[0], drain, sizeof drain) > 0)
			;
		sigprocmask(SIG_SETMASK, &open, NULL);
		if ((r = iam_crtoken(s->token_file, rq, NULL, f)) == 0)
			r = iam_exchange(rq, tok, clock_ms() + s->timeout_ms, f);
		sigprocmask(SIG_BLOCK, &set, NULL);
		reap();
		if (stopping || ended)
			continue;
		if (r == 0 && (r = put(s, tok, f)) == 0) {
			until = clock_ms() + tok->life_ms;
			next = until - tok->life_ms + tok->life_ms * 8 / 10;
			if (next < floor)
				next = floor;
			attempt = 0;
			lf.expires_in = tok->life_ms / 1000;
			say("refresh", &lf, "exec: new token, expires in %lld s%s%s",
			    lf.expires_in, s->path ? ": written to " : "",
			    s->path ? s->path : "");
			if (s->sig) {
				if (child > 0 && kill(child, s->sig) == 0)
					sig_line(s->sig, "sent", " to", 0);
			} else {
				say("restart", NULL, "exec: restarting %s with the new "
				    "token", cmd0);
				stop(s, s->stop_sig, &open);
				if (stopping)
					break;
				if ((r = start(s, tok, f)) != 0) {	/* fork failed */
					explicit_bzero(tok->access, sizeof tok->access);
					return r;
				}
			}
		} else {
			long long now = clock_ms(), wait = retry_wait_ms(++attempt,
			    tok->retry_after, RETRY_CAP_WATCH_MS);

			next = now + wait;
			retry_say("exec", attempt, f, cmd0, until - now, wait);
		}
		explicit_bzero(tok->access, sizeof tok->access);
		explicit_bzero(out, outlen);
		iam_wipe();
	}
	explicit_bzero(tok->access, sizeof tok->access);
	iam_wipe();
	f->text[0] = '\0';
	lf.expires_in = -1;
	lf.code = code(status);
	if (WIFSIGNALED(status))
		say("child_exit", &lf, "exec: %s was killed by signal %d", cmd0,
		    WTERMSIG(status));
	else
		say("child_exit", &lf, "exec: %s exited with status %lld", cmd0, lf.code);
	return (int)lf.code;
}

int
super_signal(const char *name)
{
	size_t i;
	int n = 0;

	if (*name >= '0' && *name <= '9') {
		for (i = 0; name[i] >= '0' && name[i] <= '9' && n < 100; i++)
			n = n * 10 + (name[i] - '0');
		return name[i] == '\0' && n >= 1 && n < 65 ? n : -1;
	}
	if (strncmp(name, "SIG", 3) == 0)
		name += 3;
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		if (strcmp(name, sigs[i].name) == 0)
			return sigs[i].sig;
	return -1;
}
