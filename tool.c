/*
 * crtoken: exchange a Kubernetes projected service-account token for an
 * IBM Cloud IAM access token (trusted profile, cr-token grant).
 *
 * tool.c is the command line: the modes, options and their environment
 * fallbacks, the exit codes, signals, and the one-shot run. watch.c,
 * exec.c and check.c hold the other modes. See crtoken.1 and README.md.
 */
#include <sys/prctl.h>
#include <poll.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bearssl.h>

#include "check.h"
#include "cred.h"
#include "docker.h"
#include "exec.h"
#include "file.h"
#include "http.h"
#include "iam.h"
#include "jwt.h"
#include "msg.h"
#include "net.h"
#include "probe.h"
#include "proxy.h"
#include "retry.h"
#include "super.h"
#include "text.h"
#include "tls.h"
#include "unpack.h"
#include "watch.h"

#ifndef VERSION
#define VERSION "0"
#endif
#ifndef BEARSSL_VERSION
#define BEARSSL_VERSION "?"
#endif
#ifndef CRTOKEN_ARCH
#define CRTOKEN_ARCH "?"
#endif
#ifndef CRTOKEN_REV
#define CRTOKEN_REV "unknown"
#endif

#define DEFAULT_URL TEXT_DEFAULT_URL
#define VALUE_MAX 1024		/* cap on a profile or scope value */

static struct {
	const char *profile_id, *profile_name, *profile_crn, *profile;
	const char *token_file, *url, *scope, *cacert, *timeout;
	const char *output, *mode, *format;
	const char *connect_timeout, *retries, *proxy, *noproxy, *region;
	const char *ready_file, *env_name;
	int quiet, private, json, log;
	int verb;		/* ONESHOT, WATCH, EXEC, CHECK, PROBE, HELPER */
	char **cmd;		/* exec: the command and its arguments */
	const char *min_valid, *probe_file;
	const char *action;	/* credential-helper: get, list, store, erase */
	const char *signal, *stop_signal, *stop_timeout;
	int watch, restart;	/* exec --watch, --restart */
	unsigned long given;	/* 1 << O_*: the options on the command line */
} opt;

enum { ONESHOT, WATCH, EXEC, CHECK, PROBE, HELPER };

static struct fail fl;
static struct iam_token tok;
static char out[IAM_OUT_MAX];
static size_t outlen;		/* of out, used: what is wiped */
static long timeout_s = 30;
static volatile sig_atomic_t writing;	/* the result is being written */
static volatile sig_atomic_t stopped;	/* the exit code a signal asked for meanwhile */

static void
wipe(void)
{
	explicit_bzero(&tok, sizeof tok);
	explicit_bzero(out, outlen);
	iam_wipe();
	tls_end();
	msg_forget();
}

static _Noreturn void
finish(int code)
{
	sigset_t all;

	/* the outcome is decided: no signal (the whole-run timer firing during
	   a slow exit) adds a second line or another code */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	/* print while the secrets are still registered (and intact) for redaction */
	if (code != 0 && !opt.quiet && fl.text[0])
		msg_error(code, fl.text);
	if (code != 0 && opt.verb == HELPER && fl.text[0])
		cred_error(fl.text);	/* the protocol's channel too */
	wipe();
	exit(code);
}

/*
 * A usage or configuration error: exit 2 with its line, except in check,
 * which keeps the first problem of each kind (CHECK_*) for its report and
 * goes on; every caller leaves a sane default behind when it returns.
 */
static char bad[CHECK_BAD][MSG_MAX];

static void
config_error(int kind, const char *f, ...) __attribute__((format(printf, 2, 3)));

static void
config_error(int kind, const char *f, ...)
{
	char text[MSG_MAX];
	va_list ap;

	va_start(ap, f);
	vfmt(text, sizeof text, f, ap);
	va_end(ap);
	if (opt.verb != CHECK) {
		fmt(fl.text, sizeof fl.text, "%s (see crtoken --help)", text);
		finish(XC_USAGE);
	}
	if (bad[kind][0] == '\0')
		memcpy(bad[kind], text, sizeof text);
}
#define usage_error(...) config_error(CHECK_OPTIONS, __VA_ARGS__)

/*
 * SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 (128 + N) and the
 * whole-run timer (SIGALRM: 9) end the one-shot run, exec before CMD
 * starts, and check, at once, even as PID 1 (whose default is to ignore
 * them); watch (until its own handlers are in) ends with 0 on SIGTERM and
 * SIGINT. While the result is being written they only interrupt a write
 * that blocks: a result fully written is a success, one cut short is the
 * signal's code. Nothing here waits: the line goes out only if stderr has
 * room.
 */
static const int stop_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1,
    SIGUSR2, SIGALRM };

static void
on_stop(int sig)
{
	struct lf lf = LF_NONE;
	char line[80];
	int code = sig == SIGALRM ? XC_TIMEOUT : opt.verb == WATCH &&
	    (sig == SIGTERM || sig == SIGINT) ? 0 : 128 + sig;

	if (writing) {
		if (!stopped)
			stopped = code;
		file_stop = 1;
		return;
	}
	file_abort();
	if (sig == SIGALRM)
		fmt(line, sizeof line, "deadline passed: no result within --timeout %lds",
		    timeout_s);
	else
		fmt(line, sizeof line, "stopped by signal %d", sig);
	lf.code = code;
	msg_urgent(sig == SIGALRM ? "error" : "stop", &lf, line);
	if (opt.verb == HELPER) {	/* the protocol's channel too */
		char l2[sizeof line + 16];

		(void)!write(1, l2, fmt(l2, sizeof l2, "crtoken: %s\n", line));
	}
	if (opt.verb == CHECK && opt.json && !check_printing) {	/* still one object */
		char js[sizeof line + 48];
		struct pollfd p = { 1, POLLOUT, 0 };
		int err = errno;
		size_t k = fmt(js, sizeof js, "{\"exit\":%d,\"steps\":[],\"error\":\"%s\"}\n",
		    code, line);
		if (poll(&p, 1, 0) == 1 && (p.revents & POLLOUT))
			(void)!write(1, js, k < sizeof js ? k : sizeof js - 1);
		errno = err;
	}
	iam_wipe();
	explicit_bzero(&tok, sizeof tok);
	explicit_bzero(out, outlen);
	_exit(code);
}

/* "30", "2.5", "0.25": milliseconds (at most three decimals), or -1. */
static long long
timeout_ms(const char *s)
{
	static const int scale[] = { 1000, 100, 10, 1 };
	long long ms = 0;
	int dec = -1;		/* digits after the point; -1 before it */
	const char *p;

	for (p = s; *p; p++) {
		if (*p == '.' && dec < 0) {
			dec = 0;
			continue;
		}
		if (*p < '0' || *p > '9' || dec >= 3 || ms > 1000000000LL)
			return -1;
		ms = ms * 10 + (*p - '0');
		if (dec >= 0)
			dec++;
	}
	if (p == s || dec == 0)
		return -1;
	return ms * scale[dec < 0 ? 0 : dec];
}

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* A profile or scope value: non-empty, printable, capped; 0, or -1 when reported. */
static int
check_value(int kind, const char *what, const char *v)
{
	size_t i, n = strlen(v);

	for (i = 0; i < n && (unsigned char)v[i] >= 0x20 && v[i] != 0x7f; i++)
		;
	if (n > 0 && n <= VALUE_MAX && i == n)
		return 0;
	config_error(kind, "%s: %s", what, n == 0 ? "empty value" : n > VALUE_MAX ?
	    "longer than 1024 bytes" : "control character in value");
	return -1;
}

/*
 * Put one profile value into the slot for its kind, unless a flag filled
 * that kind (*flag: the flags beat the environment). Two different values
 * from the same side are a conflict.
 */
static void
profile_slot(const char **slot, const char *v, const char *what, int fromflag,
    int *flag)
{
	if (!fromflag && *flag)
		return;
	if (check_value(CHECK_PROFILE, what, v) != 0)
		return;
	if (*slot != NULL && strcmp(*slot, v) != 0) {
		config_error(CHECK_PROFILE, "%s '%s': conflicts with '%s' of the same "
		    "kind; give one %s", what, v, *slot, fromflag ? "flag per kind" :
		    "variable per kind, or a flag to override them");
		return;
	}
	*slot = v;
	*flag |= fromflag;
}

enum { O_PID, O_PNAME, O_PCRN, O_PROFILE, O_TOKEN, O_URL, O_SCOPE, O_CACERT,
    O_TIMEOUT, O_OUTPUT, O_MODE, O_FORMAT, O_CTIMEOUT, O_RETRIES, O_PROXY,
    O_NOPROXY, O_REGION, O_READY, O_ENV, O_MINVALID, O_SIGNAL, O_STOPSIG,
    O_STOPTIME, O_LOG, O_REGISTRY, O_WATCH, O_RESTART, O_PRIVATE, O_JSON, O_VERBOSE, O_QUIET, O_HELP,
    O_VERSION };

static const struct {
	const char *name;
	char shrt;	/* short form, or 0 */
	char arg;	/* takes a value */
} options[] = {
	[O_PID] = { "profile-id", 0, 1 },
	[O_PNAME] = { "profile-name", 0, 1 },
	[O_PCRN] = { "profile-crn", 0, 1 },
	[O_PROFILE] = { "profile", 0, 1 },
	[O_TOKEN] = { "token-file", 0, 1 },
	[O_URL] = { "url", 0, 1 },
	[O_SCOPE] = { "scope", 0, 1 },
	[O_CACERT] = { "cacert", 0, 1 },
	[O_TIMEOUT] = { "timeout", 0, 1 },
	[O_OUTPUT] = { "output", 'o', 1 },
	[O_MODE] = { "mode", 0, 1 },
	[O_FORMAT] = { "format", 'f', 1 },
	[O_CTIMEOUT] = { "connect-timeout", 0, 1 },
	[O_RETRIES] = { "retries", 0, 1 },
	[O_PROXY] = { "proxy", 0, 1 },
	[O_NOPROXY] = { "noproxy", 0, 1 },
	[O_REGION] = { "region", 0, 1 },
	[O_READY] = { "ready-file", 0, 1 },
	[O_ENV] = { "env", 0, 1 },
	[O_MINVALID] = { "min-valid", 0, 1 },
	[O_SIGNAL] = { "signal", 0, 1 },
	[O_STOPSIG] = { "stop-signal", 0, 1 },
	[O_STOPTIME] = { "stop-timeout", 0, 1 },
	[O_LOG] = { "log", 0, 1 },
	[O_REGISTRY] = { "registry", 0, 1 },
	[O_WATCH] = { "watch", 0, 0 },
	[O_RESTART] = { "restart", 0, 0 },
	[O_PRIVATE] = { "private", 0, 0 },
	[O_JSON] = { "json", 0, 0 },
	[O_VERBOSE] = { "verbose", 'v', 0 },
	[O_QUIET] = { "quiet", 'q', 0 },
	[O_HELP] = { "help", 'h', 0 },
	[O_VERSION] = { "version", 0, 0 },
};
#define NOPTIONS ((int)(sizeof options / sizeof options[0]))

static void
option(int id, const char *v)
{
	const char **slot[] = {
		[O_PID] = &opt.profile_id, [O_PNAME] = &opt.profile_name,
		[O_PCRN] = &opt.profile_crn, [O_PROFILE] = &opt.profile,
		[O_TOKEN] = &opt.token_file, [O_URL] = &opt.url,
		[O_SCOPE] = &opt.scope, [O_CACERT] = &opt.cacert,
		[O_TIMEOUT] = &opt.timeout, [O_OUTPUT] = &opt.output,
		[O_MODE] = &opt.mode, [O_FORMAT] = &opt.format,
		[O_CTIMEOUT] = &opt.connect_timeout, [O_RETRIES] = &opt.retries,
		[O_PROXY] = &opt.proxy, [O_NOPROXY] = &opt.noproxy,
		[O_REGION] = &opt.region, [O_READY] = &opt.ready_file,
		[O_ENV] = &opt.env_name, [O_MINVALID] = &opt.min_valid,
		[O_SIGNAL] = &opt.signal, [O_STOPSIG] = &opt.stop_signal,
		[O_STOPTIME] = &opt.stop_timeout,
	};
	char ver[256];
	size_t n;

	opt.given |= 1UL << id;
	switch (id) {
	case O_VERBOSE:
		msg_verbose = 1;
		return;
	case O_QUIET:
		opt.quiet = msg_quiet = 1;
		return;
	case O_PRIVATE:
		opt.private = 1;
		return;
	case O_JSON:
		opt.json = 1;
		return;
	case O_LOG:
		if ((opt.log = strcmp(v, "json") == 0) == 0 && strcmp(v, "text") != 0)
			usage_error("--log %s: text or json", v);
		return;
	case O_REGISTRY:
		if (docker_add(&docker, v) != 0)
			usage_error("--registry %s: not a registry host (HOST[:PORT], at "
			    "most %d of them)", v, DOCKER_HOSTS_MAX);
		return;
	case O_WATCH:
		opt.watch = 1;
		return;
	case O_RESTART:
		opt.restart = 1;
		return;
	case O_PID: case O_PNAME: case O_PCRN: case O_PROFILE:
		n = fmt(ver, sizeof ver, "--%s", options[id].name);
		if (check_value(CHECK_PROFILE, ver, v) != 0)
			return;
		if (*slot[id] != NULL && strcmp(*slot[id], v) != 0) {
			config_error(CHECK_PROFILE, "--%s given twice with different "
			    "values ('%s', '%s')", options[id].name, *slot[id], v);
			return;
		}
		break;
	case O_HELP:
		finish(file_stdout(text() + TEXT_USAGE_AT, sizeof TEXT_USAGE - 1, &fl));
	case O_VERSION:
		n = fmt(ver, sizeof ver, "crtoken %s linux-%s (source %s; BearSSL %s, "
		    "%lu embedded roots)\n", VERSION, CRTOKEN_ARCH, CRTOKEN_REV,
		    BEARSSL_VERSION, (unsigned long)tls_roots());
		finish(file_stdout(ver, n, &fl));
	}
	*slot[id] = v;
}

/*
 * --name VALUE, --name=VALUE, -x VALUE, -xVALUE, -vq; "--" ends the
 * options. No permutation: the first operand ends them too.
 */
static void
parse_args(int argc, char **argv)
{
	static const char *const modes[] = { "", "watch", "exec", "check", "probe",
	    "credential-helper" };
	const char *a0 = argc > 0 ? argv[0] : "", *base = strrchr(a0, '/') ?
	    strrchr(a0, '/') + 1 : a0;
	int i = 1, k;

	/* errors found before --log is read are in its format too (a guess, the
	   last --log before "--" wins; mended below) */
	for (k = 1; k < argc && strcmp(argv[k], "--") != 0; k++)
		if (strncmp(argv[k], "--log", 5) == 0 && (argv[k][5] == '=' ||
		    (argv[k][5] == '\0' && k + 1 < argc)))
			msg_json = strcmp(argv[k][5] ? argv[k] + 6 : argv[k + 1], "json") == 0;
	for (k = 1; argc > 1 && k < 6; k++)
		if (strcmp(argv[1], modes[k]) == 0) {
			opt.verb = k;
			i = 2;
		}
	if (strcmp(base, "docker-credential-crtoken") == 0) {	/* no flags */
		opt.verb = HELPER;
		opt.action = argc > 1 ? argv[1] : NULL;
		i = argc;
	} else if (opt.verb == HELPER)
		opt.action = argv[i++];
	if (opt.verb == HELPER && (opt.action == NULL || opt.action[0] == '-'))
		usage_error("credential-helper: no action (get, list, store or erase)");
	for (; i < argc; i++) {
		const char *a = argv[i], *eq, *v;

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if ((a[0] != '-' || a[1] == '\0') && opt.verb == PROBE &&
		    !opt.probe_file) {
			opt.probe_file = a;	/* FILE, among the options */
			continue;
		}
		if ((a[0] != '-' || a[1] == '\0') && opt.verb == CHECK) {
			usage_error("unexpected argument '%s'", a);	/* and read on */
			continue;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		if (a[1] == '-') {	/* long */
			size_t len;

			eq = strchr(a + 2, '=');
			len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			for (k = 0; k < NOPTIONS; k++)
				if (strlen(options[k].name) == len &&
				    memcmp(options[k].name, a + 2, len) == 0)
					break;
			if (k == NOPTIONS) {
				usage_error("unknown option %.*s", (int)len + 2, a);
				continue;
			}
			if (!options[k].arg && eq) {
				usage_error("option --%s takes no value", options[k].name);
				if (k != O_JSON)	/* check --json=x still reports in JSON */
					continue;
			}
			v = eq ? eq + 1 : NULL;
			if (options[k].arg && v == NULL && (v = argv[++i]) == NULL) {
				usage_error("option --%s needs a value", options[k].name);
				return;
			}
			option(k, v);
			continue;
		}
		for (a++; *a; a++) {	/* short, possibly grouped */
			for (k = 0; k < NOPTIONS && options[k].shrt != *a; k++)
				;
			if (k == NOPTIONS) {
				usage_error("unknown option -%c", *a);
				continue;
			}
			if (!options[k].arg) {
				option(k, NULL);
				continue;
			}
			v = a[1] ? a + 1 : argv[++i];
			if (v == NULL) {
				usage_error("option -%c needs a value", *a);
				return;
			}
			option(k, v);
			break;
		}
	}
	msg_json = opt.log;
	if (opt.verb == PROBE && !opt.probe_file && i < argc)
		opt.probe_file = argv[i++];	/* after "--" */
	if (opt.verb == EXEC) {
		if (i == argc)
			usage_error("exec: no command (crtoken exec [options] -- CMD "
			    "[ARGS...])");
		opt.cmd = argv + i;
	} else if (i < argc)
		usage_error("unexpected argument '%s'", argv[i]);
}

static const char *const regions[] = {
	"au-syd", "br-sao", "ca-mon", "ca-tor", "eu-de", "eu-es", "eu-gb",
	"jp-osa", "jp-tok", "us-east", "us-south",
};

/* What the options and the environment resolve to. */
static struct {
	struct url url;
	struct proxy proxy;
	long long timeout_ms, connect_ms;
	int retries;
	unsigned long mode;
	int format;
	int sig, stop_sig;	/* exec --watch: --signal (0: restart), --stop-signal */
	long long stop_ms;
} cfg;	/* in .bss: the defaults are set by configure() */
static const char *url_from;	/* where cfg.url came from; NULL: it is bad */
static const char *cacert_from = "--cacert";
static char trust[VALUE_MAX + 32];	/* "--cacert FILE", for messages */

/*
 * The endpoint: --url, else --private [--region], else IAM_URL, else the
 * public one. Where it came from, or NULL when it is bad (reported).
 */
static const char *
endpoint(void)
{
	char buf[128];
	const char *u = opt.url, *from = "--url";
	size_t i;

	if (opt.region && !opt.private) {
		config_error(CHECK_ENDPOINT, "--region %s: goes with --private",
		    opt.region);
		return NULL;
	}
	if (opt.region) {
		for (i = 0; i < sizeof regions / sizeof regions[0] &&
		    strcmp(opt.region, regions[i]) != 0; i++)
			;
		if (i == sizeof regions / sizeof regions[0]) {
			size_t n = 0;

			for (i = 0; i < sizeof regions / sizeof regions[0]; i++)
				n = fmtcat(buf, sizeof buf, n, "%s%s", i ? " " : "", regions[i]);
			config_error(CHECK_ENDPOINT, "--region %s: not a region with a "
			    "private IAM endpoint (%s)", opt.region, buf);
			return NULL;
		}
	}
	if (u == NULL && opt.private) {
		fmt(buf, sizeof buf, "https://private.%s%siam.cloud.ibm.com",
		    opt.region ? opt.region : "", opt.region ? "." : "");
		u = buf;
		from = "--private";
	}
	if (u == NULL && (u = env("IAM_URL")) != NULL)
		from = "IAM_URL";
	if (u == NULL) {
		u = DEFAULT_URL;
		from = "the default";
	}
	if (iam_endpoint(&cfg.url, u, &fl) != 0) {
		config_error(CHECK_ENDPOINT, "%s", fl.text);
		return NULL;
	}
	return from;
}

/* The proxy for cfg.url, or NULL: --proxy ("" for none), else the environment, minus NO_PROXY. */
static const struct proxy *
proxy(void)
{
	const char *p = opt.proxy, *no = opt.noproxy;

	if (p == NULL && (p = env("HTTPS_PROXY")) == NULL && (p = env("https_proxy")) == NULL &&
	    (p = env("ALL_PROXY")) == NULL)
		p = env("all_proxy");
	if (no == NULL && (no = env("NO_PROXY")) == NULL)
		no = env("no_proxy");
	if (p == NULL || *p == '\0')
		return NULL;
	/* a host that goes direct never fails on the proxy's syntax */
	if (no != NULL && cfg.url.host[0] && noproxy_match(no, cfg.url.host)) {
		note("%s is in NO_PROXY: connecting directly", cfg.url.host);
		return NULL;
	}
	if (proxy_parse(&cfg.proxy, p, &fl) != 0) {
		config_error(CHECK_PROXY, "%s", fl.text);
		return NULL;
	}
	return &cfg.proxy;
}

/*
 * The profile: for each kind (id, name, CRN) the flags that give it
 * (--profile-id / --profile-name / --profile-crn, and --profile by its
 * shape), else the environment (IAM_PROFILE_ID / _NAME / _CRN,
 * IBMCLOUD_CR_PROFILE by its shape). Every kind found is sent.
 */
static void
profile(struct iam_req *rq)
{
	static const char *const flags[] = { "--profile-id", "--profile-name",
	    "--profile-crn" }, *const vars[] = { "IAM_PROFILE_ID", "IAM_PROFILE_NAME",
	    "IAM_PROFILE_CRN" };
	const char **slot[] = { &rq->profile_id, &rq->profile_name, &rq->profile_crn };
	const char *given[] = { opt.profile_id, opt.profile_name, opt.profile_crn };
	const char *p;
	int k, side, flag[3] = { 0, 0, 0 };

	for (side = 1; side >= 0; side--) {	/* the flags, then the environment */
		for (k = 0; k < 3; k++)
			if ((p = side ? given[k] : env(vars[k])) != NULL)
				profile_slot(slot[k], p, side ? flags[k] : vars[k], side,
				    &flag[k]);
		if ((p = side ? opt.profile : env("IBMCLOUD_CR_PROFILE")) != NULL) {
			k = strncmp(p, "crn:", 4) == 0 ? 2 : strncmp(p, "Profile-", 8) == 0 ?
			    0 : 1;
			profile_slot(slot[k], p, side ? "--profile" : "IBMCLOUD_CR_PROFILE",
			    side, &flag[k]);
		}
	}
	if (!rq->profile_id && !rq->profile_name && !rq->profile_crn &&
	    !(opt.verb == HELPER && strcmp(opt.action, "get") != 0))
		config_error(CHECK_PROFILE, "no trusted profile: give --profile-id, "
		    "--profile-name, --profile-crn or --profile (or IAM_PROFILE_ID, "
		    "IAM_PROFILE_NAME, IAM_PROFILE_CRN, IBMCLOUD_CR_PROFILE)");
}

/* "30", "2.5": milliseconds in (0, 1 day], or -1 (reported). */
static long long
seconds(const char *flag, const char *v)
{
	long long ms = timeout_ms(v);

	if (ms > 0 && ms <= 86400LL * 1000)
		return ms;
	usage_error("%s %s: not a number of seconds between 0.001 and 86400",
	    flag, v);
	return -1;
}

/* A whole number in [0, max] in base (8 or 10), or -1. */
static long
whole(const char *v, int base, long max)
{
	long n = 0;
	const char *p;

	for (p = v; *p >= '0' && *p < '0' + base && n <= max; p++)
		n = n * base + (*p - '0');
	return p == v || *p != '\0' || n > max ? -1 : n;
}

/* Everything the options and the environment say, checked: usage errors end here. */
static void
configure(struct iam_req *rq)
{
	const char *v;
	long long ms;
	long n;

	cfg.timeout_ms = 30000;
	cfg.connect_ms = 10000;
	cfg.retries = 4;
	cfg.mode = 0600;
	cfg.format = IAM_FMT_TOKEN;
	if (!opt.token_file)
		opt.token_file = env("CR_TOKEN_FILENAME");
	if (!opt.cacert && (opt.cacert = env("SSL_CERT_FILE")) != NULL)
		cacert_from = "SSL_CERT_FILE";
	profile(rq);
	if (opt.scope && check_value(CHECK_OPTIONS, "--scope", opt.scope) == 0)
		rq->scope = opt.scope;
	if ((url_from = endpoint()) != NULL)
		rq->url = &cfg.url;
	rq->proxy = proxy();
	if (opt.timeout && (ms = seconds("--timeout", opt.timeout)) > 0)
		cfg.timeout_ms = ms;
	timeout_s = (long)((cfg.timeout_ms + 999) / 1000);
	if (opt.connect_timeout && (ms = seconds("--connect-timeout",
	    opt.connect_timeout)) > 0)
		cfg.connect_ms = ms;
	rq->connect_ms = (int)cfg.connect_ms;
	if ((v = opt.retries) && (n = whole(v, 10, 100)) < 0)
		usage_error("--retries %s: not a whole number from 0 to 100", v);
	else if (v)
		cfg.retries = (int)n;
	if ((v = opt.mode) && (n = whole(v, 8, 0777)) < 0)
		usage_error("--mode %s: not an octal file mode such as 0600 or 0640", v);
	else if (v)
		cfg.mode = (unsigned long)n;
	if (opt.format) {
		static const char *const names[] = { "token", "json", "header", "env",
		    "docker" };

		for (n = 0; n < 5 && strcmp(opt.format, names[n]) != 0; n++)
			;
		if (n == 5)
			usage_error("--format %s: not one of token, json, header, env, "
			    "docker", opt.format);
		else
			cfg.format = (int)n;
	}
	if (opt.given >> O_REGISTRY & 1 && cfg.format != IAM_FMT_DOCKER &&
	    opt.verb != HELPER)
		usage_error("--registry goes with --format docker and credential-helper");
	if (cfg.format != IAM_FMT_DOCKER && opt.verb != HELPER)
		;	/* no registries */
	else if ((v = env("CRTOKEN_REGISTRIES")) && !(opt.given >> O_REGISTRY & 1))
		for (;;) {	/* hosts separated by commas or white space */
			char h[DOCKER_HOST_MAX + 2];

			v += strspn(v, ", \t\n");
			if (*v == '\0')
				break;
			n = (long)strcspn(v, ", \t\n");
			fmt(h, sizeof h, "%.*s", (int)(n < (long)sizeof h ? n : (long)sizeof h - 1), v);
			if (n >= (long)sizeof h || docker_add(&docker, h) != 0) {
				usage_error("CRTOKEN_REGISTRIES: '%.*s' is not a registry host "
				    "(HOST[:PORT], at most %d of them)", (int)n, v,
				    DOCKER_HOSTS_MAX);
				break;
			}
			v += n;
		}
	if (docker.n == 0 && (cfg.format == IAM_FMT_DOCKER || opt.verb == HELPER))
		docker_icr(&docker, opt.private);
	if (opt.output && *opt.output == '\0')
		usage_error("--output: empty file name");
	if (opt.output && (strcmp(opt.output, "/dev/stderr") == 0 ||
	    strcmp(opt.output, "/dev/fd/2") == 0 ||
	    strcmp(opt.output, "/proc/self/fd/2") == 0))
		usage_error("--output %s: a token never goes to stderr", opt.output);
	if (opt.verb == HELPER && (opt.output || opt.format || opt.mode))
		usage_error("credential-helper: no -o, -f or --mode (the answer goes to "
		    "stdout)");
	if (opt.verb == WATCH && (!opt.output || strcmp(opt.output, "-") == 0))
		usage_error("watch: -o FILE is required (a file to keep fresh)");
	if (((opt.verb == EXEC && !opt.watch) || opt.verb == CHECK) && (opt.output ||
	    (opt.format && (opt.verb == CHECK || cfg.format != IAM_FMT_DOCKER)) ||
	    opt.mode))
		usage_error("%s: no -o, -f or --mode (%s)", opt.verb == EXEC ? "exec" :
		    "check", opt.verb == EXEC ? "the token goes into the environment (-f "
		    "docker: the auth file); exec --watch can also keep a file" : "the report goes to stdout");
	if ((opt.watch || opt.restart || opt.signal || opt.stop_signal ||
	    opt.stop_timeout) && (opt.verb != EXEC || !opt.watch))
		usage_error("--watch and its options go with exec --watch");
	if (opt.watch && opt.output && strcmp(opt.output, "-") == 0)
		usage_error("exec --watch: -o -: stdout is CMD's; give a file");
	if (opt.signal && !opt.output)
		usage_error("--signal %s: needs -o FILE (the file CMD re-reads)",
		    opt.signal);
	if (opt.signal && (opt.restart || opt.stop_signal))
		usage_error("--signal %s: no restart, so no --restart or --stop-signal",
		    opt.signal);
	if (opt.signal && (cfg.sig = super_signal(opt.signal)) < 0)
		usage_error("--signal %s: not a signal (HUP, SIGUSR1, 10...)", opt.signal);
	cfg.stop_sig = SIGTERM;
	if (opt.stop_signal && (cfg.stop_sig = super_signal(opt.stop_signal)) < 0)
		usage_error("--stop-signal %s: not a signal (TERM, SIGINT, 15...)",
		    opt.stop_signal);
	cfg.stop_ms = 10000;
	if (opt.stop_timeout && (ms = seconds("--stop-timeout", opt.stop_timeout)) > 0)
		cfg.stop_ms = ms;
	if (opt.ready_file && opt.verb != WATCH)
		usage_error("--ready-file goes with watch");
	if (opt.json && opt.verb != CHECK)
		usage_error("--json goes with check");
	if (opt.env_name && opt.verb != EXEC)
		usage_error("--env goes with exec");
	if (opt.min_valid)
		usage_error("--min-valid goes with probe");
	if ((v = opt.env_name) && strlen(v) > EXEC_NAME_MAX)
		usage_error("--env: a variable name longer than %d bytes",
		    EXEC_NAME_MAX);
	if ((v = opt.env_name) && !exec_name_ok(v))
		usage_error("--env %s: not a variable name ([A-Za-z_][A-Za-z0-9_]*, "
		    "not IAM_TOKEN_EXPIRATION)", v);
}

/* The exchange, retried by the policy of retry.h while transient and while time is left. */
static int
exchange(struct iam_req *rq, long long deadline)
{
	int n, r;

	for (n = 0; ; n++) {
		long long wait, until;
		struct timespec ts;

		if ((r = iam_exchange(rq, &tok, deadline, &fl)) == 0)
			return 0;
		if (n >= cfg.retries || !retry_transient(r, fl.io))
			return r;
		wait = retry_wait_ms(n + 1, tok.retry_after, RETRY_CAP_ONESHOT_MS);
		note("attempt %d of %d failed: %s", n + 1, cfg.retries + 1, fl.text);
		if (clock_ms() + wait >= deadline) {
			note("no time left for another attempt before the deadline");
			return r;
		}
		note("waiting %lld ms%s", wait, tok.retry_after > 0 ?
		    " (backoff with jitter, at least Retry-After)" :
		    " (backoff with jitter)");
		for (until = clock_ms() + wait; (wait = until - clock_ms()) > 0; ) {
			ts.tv_sec = (time_t)(wait / 1000);
			ts.tv_nsec = (long)(wait % 1000 * 1000000);
			(void)nanosleep(&ts, NULL);
		}
	}
}

/* Stop the whole-run timer (before writing a result or exec). */
static void
disarm(void)
{
	struct itimerval it = { 0 };

	setitimer(ITIMER_REAL, &it, NULL);
}

/*
 * Descriptors 0, 1 and 2 that the caller left closed are filled with a
 * read-only descriptor of the directory "/" (there may be no /dev/null in
 * a FROM scratch image; a write to it fails with EBADF). So no socket or
 * token file of ours becomes "stderr" and receives the -v notes, and a
 * closed stdout is exit 14, not the token written into the next file
 * opened. exec closes them again before CMD runs.
 */
static unsigned stdfill;

static void
std_fds(void)
{
	int fd;

	while ((fd = open("/", O_RDONLY | O_DIRECTORY)) >= 0 && fd <= 2)
		stdfill |= 1u << fd;
	if (fd > 2)
		close(fd);
}

/* crtoken probe FILE [--min-valid SECONDS]: nothing else applies. */
static int
probe(void)
{
	long s = 60;

	if (opt.given & ~(1UL << O_MINVALID | 1UL << O_VERBOSE | 1UL << O_QUIET |
	    1UL << O_LOG))
		usage_error("probe: only FILE and --min-valid apply (crtoken probe "
		    "FILE [--min-valid SECONDS])");
	if (!opt.probe_file)
		usage_error("probe: no FILE (crtoken probe FILE [--min-valid SECONDS])");
	if (opt.min_valid && (s = whole(opt.min_valid, 10, 86400)) < 0)
		usage_error("--min-valid %s: not a whole number of seconds from 0 to "
		    "86400", opt.min_valid);
	return probe_run(opt.probe_file, s, &fl);
}

int
main(int argc, char **argv)
{
	struct iam_req rq = { 0 };
	struct itimerval it = { 0 };
	struct sigaction sa;
	long long deadline;
	size_t n;
	int r;

	deadline = clock_ms();
	std_fds();
	signal(SIGPIPE, SIG_IGN);
	/* a file size limit is a write error (14), not death with a temporary file left */
	signal(SIGXFSZ, SIG_IGN);
	/* no core dump, no ptrace by the same user: tokens will be in memory */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	parse_args(argc, argv);
	memset(&sa, 0, sizeof sa);	/* watch puts in its own when it starts */
	sa.sa_handler = on_stop;
	for (n = 0; n < sizeof stop_signals / sizeof stop_signals[0]; n++)
		sigaction(stop_signals[n], &sa, NULL);
	if (opt.verb == PROBE)
		finish(probe());
	if (opt.verb == HELPER && strcmp(opt.action, "get") != 0 &&
	    strcmp(opt.action, "list") != 0) {	/* store, erase: no configuration */
		struct cred c = { opt.action, NULL, NULL, NULL, NULL, 0, NULL };

		finish(cred_run(&c, &rq, &tok, &fl) == 0 ? 0 : (fl.text[0] = '\0', XC_USAGE));
	}
	configure(&rq);
	/* one-shot, exec and check: the deadline covers everything from the
	   start, name resolution included; the timer is the last resort behind it */
	deadline += cfg.timeout_ms;
	if (opt.verb != WATCH) {
		it.it_value.tv_sec = (cfg.timeout_ms + 200) / 1000;
		it.it_value.tv_usec = (cfg.timeout_ms + 200) % 1000 * 1000;
		setitimer(ITIMER_REAL, &it, NULL);
	}

	if (opt.cacert) {
		static char pem[4 << 20];
		long len = file_read(opt.cacert, pem, sizeof pem, 1);

		fmt(trust, sizeof trust, "%s %s", cacert_from, opt.cacert);
		if (len < 0)
			config_error(CHECK_TRUST, "%s: %s", trust, len == -2 ?
			    "larger than 4 MiB" : len == -3 ? "not a regular file" :
			    errstr(errno));
		else if (tls_cafile(trust, pem, (size_t)len, &fl) != 0)
			config_error(CHECK_TRUST, "%s", fl.text);
	}
	if (opt.verb == WATCH) {
		struct watch w = { opt.output, (unsigned)cfg.mode, cfg.format,
		    opt.ready_file, opt.token_file, cfg.timeout_ms };

		finish(watch_run(&w, &rq, &fl));
	}
	if (opt.verb == CHECK) {
		struct check c = { opt.token_file, deadline, opt.json,
		    opt.cacert ? trust : NULL,
		    url_from, { bad[0], bad[1], bad[2], bad[3], bad[4] } };

		r = check_run(&c, &rq, &fl);
		fl.text[0] = '\0';	/* the report said it all */
		finish(r);
	}

	if (opt.verb == HELPER) {
		const char *x = env("XDG_RUNTIME_DIR"), *h = env("HOME");
		const char *part[] = { cfg.url.host, cfg.url.port, cfg.url.path,
		    rq.profile_id, rq.profile_name, rq.profile_crn, rq.scope };
		br_sha256_context sh;
		unsigned char d[32];
		char key[65], len[24];
		struct cred c = { opt.action, opt.token_file, env("CRTOKEN_CACHE"),
		    env("CRTOKEN_ACCESS_TOKEN_FILE"), key, deadline, exchange };
		char cache[4096];

		if (c.cache == NULL && (x || h) && fmt(cache, sizeof cache, "%s/%s",
		    x ? x : h, x ? "crtoken-cache.json" : ".crtoken-cache.json") <
		    sizeof cache)
			c.cache = cache;
		/* what the token is for: SHA-256 of the IAM URL, the profile and the
		   scope, each part length-prefixed (no two lists hash alike) */
		br_sha256_init(&sh);
		for (n = 0; n < sizeof part / sizeof part[0]; n++) {
			const char *p = part[n] ? part[n] : "";

			br_sha256_update(&sh, len, fmt(len, sizeof len, "%d:%lu:", part[n] !=
			    NULL, (unsigned long)strlen(p)));
			br_sha256_update(&sh, p, strlen(p));
		}
		br_sha256_out(&sh, d);
		for (n = 0; n < 32; n++)
			fmt(key + 2 * n, 3, "%x%x", d[n] >> 4, d[n] & 15);
		r = cred_run(&c, &rq, &tok, &fl);
		disarm();
		if (r != 0 && r != 1)
			fl.text[0] = '\0';	/* said on stdout */
		finish(r);
	}
	if ((r = iam_crtoken(opt.token_file, &rq, NULL, &fl)) != 0)
		finish(r);
	if ((r = exchange(&rq, deadline)) != 0)
		finish(r);
	note("got a %s token, %lu bytes, expires in %lld s", tok.type,
	    (unsigned long)tok.len, tok.expires_in);
	if (opt.verb == EXEC && opt.watch) {
		struct super s = { opt.cmd, opt.env_name ? opt.env_name :
		    cfg.format == IAM_FMT_DOCKER ? "DOCKER_AUTH_CONFIG" : "IAM_ACCESS_TOKEN", stdfill, opt.output, (unsigned)cfg.mode,
		    cfg.format, cfg.sig, cfg.stop_sig, cfg.stop_ms, opt.token_file,
		    cfg.timeout_ms };

		disarm();
		finish(super_run(&s, &rq, &tok, &fl));
	}
	if (opt.verb == EXEC) {
		disarm();
		r = exec_run(opt.cmd, opt.env_name ? opt.env_name : cfg.format ==
		    IAM_FMT_DOCKER ? "DOCKER_AUTH_CONFIG" : "IAM_ACCESS_TOKEN", &tok,
		    cfg.format, stdfill, &fl);
		finish(r);
	}

	n = iam_format(cfg.format, &tok, out, sizeof out);
	outlen = n < sizeof out ? n : sizeof out;
	if (n >= sizeof out)
		finish(fail(&fl, XC_INTERNAL, "output: over %lu bytes",
		    (unsigned long)sizeof out));
	writing = 1;
	if (opt.output && strcmp(opt.output, "-") != 0)
		r = file_write(opt.output, (unsigned)cfg.mode, out, n, deadline, &fl);
	else
		r = file_stdout(out, n, &fl);
	if (r != 0 && stopped) {
		char why[sizeof fl.text];

		memcpy(why, fl.text, sizeof why);
		finish(fail(&fl, stopped, "%s: %s", stopped == XC_TIMEOUT ?
		    "deadline passed (--timeout)" : "stopped by a signal", why));
	}
	if (r != 0)
		finish(r);
	if (opt.output && strcmp(opt.output, "-") != 0)
		note("wrote %s (mode 0%lu%lu%lu)", opt.output, cfg.mode >> 6 & 7,
		    cfg.mode >> 3 & 7, cfg.mode & 7);
	disarm();
	finish(0);
}
