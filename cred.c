/* see cred.h */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cred.h"
#include "docker.h"
#include "file.h"
#include "json.h"
#include "jwt.h"
#include "net.h"
#include "probe.h"

static char in[4096], out[IAM_TOKEN_MAX + 2 * 4096 + 256], tokbuf[IAM_TOKEN_MAX + 1];

/* stdin, up to sizeof in - 1 bytes (the rest read and dropped) */
static void
input(void)
{
	size_t n = 0;
	ssize_t r;
	char sink[512];

	while ((r = read(0, n + 1 < sizeof in ? in + n : sink, n + 1 < sizeof in ?
	    sizeof in - 1 - n : sizeof sink)) > 0 || (r < 0 && errno == EINTR))
		if (r > 0 && n + 1 < sizeof in)
			n += (size_t)r;
	in[n] = '\0';
}

/* A token valid for CRED_MIN_S more from the file a watch keeps: 1 and tokbuf, or 0. */
static int
from_kept(const char *path)
{
	struct fail f;
	long long exp;

	if (path == NULL)
		return 0;
	if (probe_read(path, tokbuf, sizeof tokbuf, &exp, &f) != 0) {
		note("%s", f.text);
		return 0;
	}
	msg_secret(tokbuf, strlen(tokbuf));
	if (exp - (long long)time(NULL) > CRED_MIN_S)
		return 1;
	note("%s: the token expires within %d s", path, CRED_MIN_S);
	return 0;
}

/* The cache's token, when ours, for key and valid CRED_MIN_S more: 1 and tokbuf, or 0. */
static int
from_cache(const char *path, const char *key)
{
	static jsmntok_t jt[JSON_TOKENS];
	struct json j = JSON_INIT(jt), cj;
	struct stat st;
	const char *why;
	char k[80];
	long n;
	long long exp = 0, v;
	int fd, ok = 0;

	/* O_NONBLOCK: a FIFO planted there must not hold us (fstat then refuses it) */
	if (path == NULL || (fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0 || st.st_size >= (off_t)sizeof out) {
		note("cache %s: not a private file of this user: not used", path);
		close(fd);
		return 0;
	}
	n = 0;
	while (n < (long)sizeof out - 1) {
		ssize_t r = read(fd, out + n, sizeof out - 1 - (size_t)n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += r;
	}
	close(fd);
	msg_secret(out, (size_t)n);
	if (json_parse(&j, out, (size_t)n, &why) == 0 &&
	    json_string(&j, json_get(&j, 0, "for"), k, sizeof k) >= 0 &&
	    strcmp(k, key) == 0 && json_int(&j, json_get(&j, 0, "expiration"), &exp) == 0 &&
	    json_string(&j, json_get(&j, 0, "access_token"), tokbuf, sizeof tokbuf) > 0 &&
	    jwt_shape(tokbuf, strlen(tokbuf)) == 0) {
		msg_secret(tokbuf, strlen(tokbuf));
		if (jwt_claims(tokbuf, strlen(tokbuf), &cj, NULL) == 0 &&
		    json_int(&cj, json_get(&cj, 0, "exp"), &v) == 0 && v < exp)
			exp = v;
		jwt_wipe();
		ok = exp - (long long)time(NULL) > CRED_MIN_S;
	}
	explicit_bzero(out, sizeof out);
	note("cache %s: %s", path, ok ? "a token valid long enough" :
	    "no token for this profile valid long enough");
	return ok;
}

/*
 * Hold "<cache>.lock", this user's own regular file, until the process
 * ends; wait for it at most half the time left: the fd, or -1 (then go on
 * without: a lock planted by someone else must not stop us).
 */
static int
lock(const char *cache, long long deadline)
{
	struct timespec ts = { 0, 50000000 };
	struct stat st;
	char path[4200];
	long long by = clock_ms() + (deadline - clock_ms()) / 2;
	int fd;

	if (cache == NULL || fmt(path, sizeof path, "%s.lock", cache) >= sizeof path ||
	    (fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
	    0600)) < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		note("cache lock %s: not this user's file: not used", path);
		close(fd);
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) != 0)
		if ((errno != EWOULDBLOCK && errno != EINTR) || clock_ms() >= by) {
			note("cache lock %s: %s: going on without it", path,
			    errno == EWOULDBLOCK ? "still held" : errstr(errno));
			close(fd);
			return -1;
		} else
			nanosleep(&ts, NULL);
	return fd;
}

/* Exchange, keep the result in the cache: 0 and tokbuf, or the class. */
static int
fresh(const struct cred *c, struct iam_req *rq, struct iam_token *tok, struct fail *f)
{
	struct fail ig;
	size_t n;
	int r;

	if ((r = iam_crtoken(c->token_file, rq, NULL, f)) != 0 ||
	    (r = c->exchange(rq, c->deadline)) != 0)
		return r;
	memcpy(tokbuf, tok->access, tok->len + 1);
	if (c->cache == NULL)
		return 0;
	n = iam_format(IAM_FMT_JSON, tok, out, sizeof out);
	if (n < sizeof out && (n = fmtcat(out, sizeof out, n - 2, ",\"for\":\"")) <
	    sizeof out) {
		n += json_escape(out + n, sizeof out - n, c->key, strlen(c->key));
		n = fmtcat(out, sizeof out, n, "\"}\n");
	}
	if (n >= sizeof out || file_write(c->cache, 0600 | FILE_REPLACE, out, n,
	    c->deadline, &ig) != 0)
		note("cache %s: not written: %s", c->cache, n >= sizeof out ?
		    "too large" : ig.text);
	explicit_bzero(out, sizeof out);
	return 0;
}

/*
 * The token into tokbuf: the kept file's, the cache's, or, under the lock,
 * the cache's again (another helper's, meanwhile) or a fresh one. A place
 * that had none gives its secrets' slots back. 0 or the class.
 */
static int
obtain(const struct cred *c, struct iam_req *rq, struct iam_token *tok,
    struct fail *f)
{
	size_t mark = msg_mark();
	int fd, r = 0;

	if (from_kept(c->kept))
		return 0;
	msg_release(mark);
	if (from_cache(c->cache, c->key))
		return 0;
	msg_release(mark);
	fd = lock(c->cache, c->deadline);
	if (fd < 0 || !from_cache(c->cache, c->key)) {
		msg_release(mark);
		r = fresh(c, rq, tok, f);
	}
	if (fd >= 0)
		close(fd);
	return r;
}

int
cred_run(const struct cred *c, struct iam_req *rq, struct iam_token *tok,
    struct fail *f)
{
	char host[DOCKER_HOST_MAX + 1];
	const char *url;
	size_t n = 0;
	int i, r;

	if (strcmp(c->action, "store") == 0 || strcmp(c->action, "erase") == 0) {
		input();
		return 0;
	}
	if (strcmp(c->action, "list") == 0) {
		for (i = 0; i < docker.n; i++)
			n = fmtcat(out, sizeof out, n, "%s\"%s\":\"%s\"", i ? "," : "{",
			    docker.host[i], DOCKER_USER);
		n = fmtcat(out, sizeof out, n, "%s}\n", docker.n ? "" : "{");
		return file_stdout(out, n, f);
	}
	if (strcmp(c->action, "get") != 0)
		r = fail(f, XC_USAGE, "credential-helper: unknown action '%s' (get, list, "
		    "store, erase)", c->action);
	else if (input(), docker_server(&docker, in, host) < 0) {
		static const char nf[] = "credentials not found in native keychain\n";

		note("credential-helper: '%s' is not one of the registries", host);
		return file_stdout(nf, sizeof nf - 1, f) ? XC_OUTPUT : 1;
	} else {
		if ((r = obtain(c, rq, tok, f)) != 0)
			goto failed;
		/* ServerURL: the URL as given when it is printable ASCII, else the host */
		in[strcspn(in, "\r\n")] = '\0';
		url = in + strspn(in, " \t");
		for (i = 0; url[i]; i++)
			if ((unsigned char)url[i] < 0x20 || (unsigned char)url[i] >= 0x7f) {
				url = host;
				break;
			}
		n = fmt(out, sizeof out, "{\"ServerURL\":\"");
		n += json_escape(out + n, sizeof out - n, url, strlen(url));
		n = fmtcat(out, sizeof out, n, "\",\"Username\":\"%s\",\"Secret\":\"%s\"}\n",
		    DOCKER_USER, tokbuf);
		r = n < sizeof out ? file_stdout(out, n, f) : fail(f, XC_OUTPUT,
		    "credential-helper: answer over %lu bytes", (unsigned long)sizeof out);
		explicit_bzero(out, sizeof out);
		explicit_bzero(tokbuf, sizeof tokbuf);
		return r;
	}
failed:
	explicit_bzero(tokbuf, sizeof tokbuf);
	cred_error(f->text);
	return r;
}

void
cred_error(const char *text)
{
	struct fail ig;
	size_t n;

	fmt(in, sizeof in, "crtoken: %s", text);
	n = msg_redact(out, sizeof out - 1, in);
	out[n++] = '\n';
	(void)file_stdout(out, n, &ig);
}
