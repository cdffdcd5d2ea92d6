/* see iam.h */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "docker.h"
#include "iam.h"
#include "json.h"
#include "jwt.h"
#include "file.h"
#include "net.h"
#include "tls.h"

#ifndef VERSION
#define VERSION "0"
#endif

#define FORM_MAX (CR_TOKEN_MAX + 16384)	/* the CR token and the rest, encoded */
#define LIFETIME_MAX 315360000LL	/* ten years: more is not a token lifetime */
#define EPOCH_MAX 32503680000LL		/* the year 3000 */
#define HEAD_MAX (URL_PATH_MAX + URL_HOST_MAX + 512)

/* the request: the head goes right before the form, to leave in one write */
static char req[HEAD_MAX + FORM_MAX];
static char *const body = req + HEAD_MAX;
static char head[HEAD_MAX];
static char chunk[4096];
static struct http_resp resp;
static jsmntok_t jt[JSON_TOKENS];
static struct json js = JSON_INIT(jt);
static char crbuf[CR_TOKEN_MAX + 1];

static const char SUFFIX[] = "/identity/token";

int
iam_endpoint(struct url *u, const char *s, struct fail *f)
{
	size_t n;

	if (url_parse(u, s, f) != 0)
		return XC_USAGE;
	n = strlen(u->path);
	if (n >= sizeof SUFFIX - 1 &&
	    memcmp(u->path + n - (sizeof SUFFIX - 1), SUFFIX, sizeof SUFFIX - 1) == 0)
		return 0;
	if (n + sizeof SUFFIX > sizeof u->path)
		return fail(f, XC_USAGE, "bad URL: path longer than %d bytes",
		    URL_PATH_MAX);
	memcpy(u->path + n, SUFFIX, sizeof SUFFIX);
	return 0;
}

static const char *const default_token_files[] = {
	"/var/run/secrets/tokens/vault-token",
	"/var/run/secrets/tokens/sa-token",
	"/var/run/secrets/codeengine.cloud.ibm.com/compute-resource-token/token",
};

void
iam_wipe(void)
{
	explicit_bzero(req, sizeof req);
	explicit_bzero(chunk, sizeof chunk);
	explicit_bzero(&resp, sizeof resp);
	jwt_wipe();
	explicit_bzero(crbuf, sizeof crbuf);
}

static void
trim(const char **p, size_t *n)
{
	while (*n > 0 && strchr(" \t\r\n\v\f", (*p)[0]) != NULL && (*p)[0])
		(*p)++, (*n)--;
	while (*n > 0 && strchr(" \t\r\n\v\f", (*p)[*n - 1]) != NULL && (*p)[*n - 1])
		(*n)--;
}

int
iam_crtoken(const char *path, struct iam_req *rq, const char **used,
    struct fail *f)
{
	const char *p = crbuf;
	long len = -1;
	size_t i, k;

	if (path != NULL)
		len = file_read(path, crbuf, CR_TOKEN_MAX, 1);
	else {
		for (i = 0; i < sizeof default_token_files / sizeof default_token_files[0]; i++) {
			path = default_token_files[i];
			if ((len = file_read(path, crbuf, CR_TOKEN_MAX, 1)) >= 0 || len == -2)
				break;
			note("token file %s: %s", path, len == -3 ? "not a regular file" :
			    errstr(errno));
		}
		if (len == -1 || len == -3)
			return fail(f, XC_TOKENFILE, "token file: none of the default "
			    "paths is readable (%s, %s, %s); mount a projected "
			    "service-account token with audience iam there, or pass "
			    "--token-file", default_token_files[0],
			    default_token_files[1], default_token_files[2]);
	}
	if (used != NULL)
		*used = path;
	if (len == -1)
		return fail(f, XC_TOKENFILE, "token file %s: %s", path, errstr(errno));
	if (len == -2)
		return fail(f, XC_TOKENFILE, "token file %s: larger than %d bytes; "
		    "is this a service-account token?", path, CR_TOKEN_MAX);
	if (len == -3)
		return fail(f, XC_TOKENFILE, "token file %s: not a regular file (a "
		    "directory, FIFO or device); mount the projected service-account "
		    "token there", path);
	k = (size_t)len;
	crbuf[k] = '\0';
	trim(&p, &k);
	if (k == 0)
		return fail(f, XC_TOKENFILE, "token file %s: empty", path);
	if (jwt_shape(p, k) < 0)
		return fail(f, XC_TOKENFILE, "token file %s: not a JWT (three "
		    "dot-separated base64url parts)", path);
	msg_secret(p, k);
	note("CR token from %s (%lu bytes)", path, (unsigned long)k);
	rq->cr = p;
	rq->crlen = k;
	return 0;
}

size_t
iam_format(int format, const struct iam_token *tok, char *out, size_t cap)
{
	switch (format) {
	case IAM_FMT_JSON:
		return fmt(out, cap, "{\"access_token\":\"%s\",\"token_type\":"
		    "\"%s\",\"expires_in\":%lld,\"expiration\":%lld}\n",
		    tok->access, tok->type, tok->expires_in, tok->expiration);
	case IAM_FMT_HEADER:
		return fmt(out, cap, "Authorization: Bearer %s\n", tok->access);
	case IAM_FMT_ENV:
		return fmt(out, cap, "IAM_ACCESS_TOKEN=%s\nIAM_TOKEN_EXPIRATION=%lld\n",
		    tok->access, tok->expiration);
	case IAM_FMT_DOCKER:
		return fmtcat(out, cap, docker_auths(&docker, tok->access, out, cap), "\n");
	}
	return fmt(out, cap, "%s\n", tok->access);
}

/*
 * Copy a server-supplied string for a message: control bytes become spaces,
 * at most cap - 1 bytes, and never an incomplete UTF-8 sequence at the end.
 */
static void
clean(char *dst, size_t cap, const char *s)
{
	size_t i, k, want;
	unsigned char c;

	for (i = 0; s[i] && i + 1 < cap; i++)
		dst[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
	for (k = i; k > 0 && i - k < 4 && ((unsigned char)dst[k - 1] & 0xc0) == 0x80; k--)
		;
	if (k > 0 && (c = (unsigned char)dst[k - 1]) >= 0xc0) {
		want = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		if (i - (k - 1) < want)
			i = k - 1;
	}
	dst[i] = '\0';
}

/* A string member of object obj, cleaned for a message; "" when absent or not a string. */
static void
member(int obj, const char *key, char *dst, size_t cap)
{
	char raw[400];
	long n = json_string(&js, json_get(&js, obj, key), raw, sizeof raw);

	if (n < 0 && n != JSON_TOOLONG)
		raw[0] = '\0';
	clean(dst, cap - 3, raw);
	if (n == JSON_TOOLONG || strlen(raw) > strlen(dst))
		memcpy(dst + strlen(dst), "...", 4);
}

static int
bearer_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || (c != 0 && strchr("-._~+/", c) != NULL);
}

/* RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
static int
b64token(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && bearer_char((unsigned char)s[i]))
		i++;
	if (i == 0)
		return -1;
	while (i < n && s[i] == '=')
		i++;
	return i == n ? 0 : -1;
}

/* The "sub" claim of the CR token, for hints; "" when unreadable. */
static void
cr_sub(const char *cr, size_t crlen, char *dst, size_t cap)
{
	struct json cj;
	char raw[256];

	dst[0] = '\0';
	if (cr == NULL || jwt_claims(cr, crlen, &cj, NULL) < 0)
		return;
	if (json_string(&cj, json_get(&cj, 0, "sub"), raw, sizeof raw) > 0)
		clean(dst, cap, raw);
}

/* The wall clock in milliseconds. */
static long long
epoch_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An integer member of the answer in [0, max]: 1 with *v, 0 when absent, -1 when bad. */
static int
integer(const char *key, long long max, long long *v)
{
	int t = json_get(&js, 0, key);

	if (t == JSON_ABSENT)
		return 0;
	if (json_int(&js, t, v) < 0 || *v < 0 || *v > max)
		return -1;
	return 1;
}

/*
 * A 200 answer: the token, checked, and how long it lives. tok->len is set
 * last, when everything passed: nothing else makes an exchange succeed.
 */
static int
success(const char *body, size_t n, struct iam_token *tok, struct fail *f)
{
	long long ei = -1, ex = -1, life = -1, now = epoch_ms(), exp;
	const char *why;
	long len;
	int t, said;

	if (json_parse(&js, body, n, &why) < 0)
		return fail(f, XC_RESPONSE, "invalid response: the body is not a "
		    "JSON object (%s)", why);
	t = json_get(&js, 0, "access_token");
	if (t == JSON_ABSENT)
		return fail(f, XC_RESPONSE, "invalid response: no access_token in "
		    "IAM's answer");
	if (t == JSON_DUPLICATE)
		return fail(f, XC_RESPONSE, "invalid response: access_token appears "
		    "twice");
	len = json_string(&js, t, tok->access, sizeof tok->access);
	if (len == JSON_TOOLONG)
		return fail(f, XC_RESPONSE, "invalid response: access_token over "
		    "the cap (%d bytes)", IAM_TOKEN_MAX - 1);
	if (len < 0)
		return fail(f, XC_RESPONSE, "invalid response: access_token is not "
		    "a string");
	if (len == 0)
		return fail(f, XC_RESPONSE, "invalid response: access_token is empty");
	if (jwt_shape(tok->access, (size_t)len) < 0)
		return fail(f, XC_RESPONSE, "invalid response: access_token is not "
		    "a JWT (three dot-separated base64url parts), as IAM issues them");
	msg_secret(tok->access, (size_t)len);
	fmt(tok->type, sizeof tok->type, "Bearer");
	t = json_get(&js, 0, "token_type");
	if (t >= 0) {
		char type[sizeof tok->type];

		if (json_string(&js, t, type, sizeof type) <= 0 ||
		    b64token(type, strlen(type)) < 0)
			return fail(f, XC_RESPONSE, "invalid response: bad token_type");
		memcpy(tok->type, type, sizeof type);
	}
	if (integer("expires_in", LIFETIME_MAX, &ei) < 0)
		return fail(f, XC_RESPONSE, "invalid response: expires_in is not "
		    "a whole number of seconds from 0 to %ld", (long)LIFETIME_MAX);
	if (integer("expiration", EPOCH_MAX, &ex) < 0)
		return fail(f, XC_RESPONSE, "invalid response: expiration is not "
		    "a time in epoch seconds");
	said = (ei >= 0 ? IAM_SAID_EXPIRES_IN : 0) | (ex >= 0 ? IAM_SAID_EXPIRATION : 0);
	if (ei < 0 && ex < 0) {	/* IAM said nothing: the JWT's exp, if any */
		struct json cj;

		if (jwt_claims(tok->access, (size_t)len, &cj, NULL) == 0 &&
		    json_int(&cj, json_get(&cj, 0, "exp"), &exp) == 0 && exp > 0 &&
		    exp <= EPOCH_MAX)
			ex = exp;
		jwt_wipe();
	}
	/* the lesser of the two, but a clock that is off cannot void expires_in */
	if (ei >= 0)
		life = ei * 1000;
	if (ex >= 0 && (life < 0 || (ex * 1000 - now < life && ex * 1000 - now > 0)))
		life = ex * 1000 - now;
	if (ei < 0 && ex < 0)
		return fail(f, XC_RESPONSE, "invalid response: no expiry (neither "
		    "expires_in, expiration nor the token's exp claim)");
	if (life <= 0)
		return fail(f, XC_RESPONSE, "invalid response: the access token has "
		    "already expired (expires_in %lld, expiration %lld, now %lld); "
		    "is this machine's clock right?", ei, ex, now / 1000);
	tok->said = said;
	tok->life_ms = life;
	tok->expires_in = ei >= 0 ? ei : life / 1000;
	tok->expiration = ex >= 0 ? ex : now / 1000 + ei;
	tok->len = (size_t)len;
	return 0;
}

static const struct {
	const char *code, *hint;
} hints[] = {
	{ "BXNIM0398E", "the trusted profile's trust does not match this cluster, "
	    "namespace or service account: check the profile's compute-resource "
	    "link (cluster CRN, namespace, service account) against the token" },
	{ "BXNIM0407E", "IAM could not validate the CR token: use a projected "
	    "service-account token with audience iam and expirationSeconds <= 3600 "
	    "from a cluster IAM knows" },
	{ "BXNIM0415E", "IAM found no such credential: check the profile id, name or CRN" },
	{ "BXNIM0109E", "a required form field is missing or invalid: "
	    "check the profile options" },
};

int
iam_response(int status, const char *ctype, const char *b, size_t n,
    const char *cr, size_t crlen, struct iam_token *tok, struct fail *f)
{
	char code[64], detail[320], reqid[96], sub[160];
	const char *what, *why, *hint = "";
	int cls, ctx;
	size_t i;

	if (status == 200)
		return success(b, n, tok, f);
	if (status < 300)
		return fail(f, XC_RESPONSE, "invalid response: HTTP %d from IAM, "
		    "where a token comes with 200", status);
	if (status < 400)
		return fail(f, XC_RESPONSE, "invalid response: unexpected HTTP %d "
		    "from IAM (a redirect? check --url)", status);
	if (status == 429) {
		cls = XC_RATE;
		what = "IAM rate limit";
	} else if (status < 500) {
		cls = XC_IAM;
		what = "IAM rejected the request";
	} else {
		cls = XC_SERVER;
		what = "IAM server error";
	}
	if (json_parse(&js, b, n, &why) < 0) {
		char ct[64];

		clean(ct, sizeof ct, ctype[0] ? ctype : "no Content-Type");
		return fail(f, cls, "%s: HTTP %d with a %lu-byte body that is not "
		    "IAM's JSON (%s)%s", what, status, (unsigned long)n, ct,
		    status == 404 ? "; check --url" : "");
	}
	member(0, "errorCode", code, sizeof code);
	member(0, "errorDetails", detail, sizeof detail);
	if (detail[0] == '\0')
		member(0, "errorMessage", detail, sizeof detail);
	reqid[0] = '\0';
	if ((ctx = json_get(&js, 0, "context")) >= 0)
		member(ctx, "requestId", reqid, sizeof reqid);
	for (i = 0; i < sizeof hints / sizeof hints[0]; i++)
		if (strcmp(code, hints[i].code) == 0)
			hint = hints[i].hint;
	if (*hint == '\0' && (status == 401 || status == 403))
		hint = "IAM did not accept the CR token or the profile: use a "
		    "projected token with audience iam and expirationSeconds <= 3600";
	if (*hint == '\0' && status == 404)
		hint = "check --url";
	if (*hint == '\0' && cls == XC_RATE)
		hint = "wait before calling again, and cache tokens for their lifetime";
	fail(f, cls, "%s: HTTP %d%s%s%s%s%s%s%s", what, status,
	    code[0] ? " " : "", code, detail[0] ? ": " : "", detail,
	    reqid[0] ? " (requestId " : "", reqid, reqid[0] ? ")" : "");
	if (*hint)
		fmtcat(f->text, sizeof f->text, strlen(f->text), "; hint: %s", hint);
	if (strcmp(code, "BXNIM0398E") == 0) {
		cr_sub(cr, crlen, sub, sizeof sub);
		if (sub[0])
			fmtcat(f->text, sizeof f->text, strlen(f->text),
			    " (this token's sub is %s)", sub);
	}
	return cls;
}

/*
 * Wipe the stack below this frame, where the exchange's callees left what
 * they never clear: BearSSL's session keys (the key block), keystream,
 * and stray copies of the plaintext. Its frames are a few KB deep.
 */
static void __attribute__((noinline))
burn_stack(void)
{
	unsigned char pit[32768];

	explicit_bzero(pit, sizeof pit);
}

/* A connection to IAM's host, through the proxy when there is one: 0 with *fd, or the class. */
static int
dial(const struct iam_req *rq, long long deadline, int *fd, struct fail *f)
{
	if (rq->proxy)
		return proxy_connect(rq->proxy, rq->url, deadline, rq->connect_ms,
		    rq->trace, fd, f);
	return net_connect(rq->url->host, rq->url->port, deadline, rq->connect_ms,
	    rq->trace, fd, f);
}

/*
 * How an exchange ended, decided in one place: success only with the token
 * success() committed in this exchange. A failure without a class is a
 * bug, and fails closed; a transport failure once the deadline has passed
 * is the deadline's (an answer that came, a 429 say, keeps its class).
 */
static int
verdict(int r, struct iam_token *tok, long long deadline, struct fail *f)
{
	char text[sizeof f->text];

	if (r == 0 && tok->len > 0)
		return 0;
	tok->len = 0;
	if (r == 0)
		return fail(f, ms_left(deadline) == 0 ? XC_TIMEOUT : XC_INTERNAL,
		    "exchange: ended without a token%s", ms_left(deadline) == 0 ?
		    ": deadline passed (--timeout)" : " or a reason (a bug)");
	/* no answer came: resolution, connection or TLS torn down (not a verdict) */
	if (ms_left(deadline) == 0 && (r == XC_DNS || r == XC_CONNECT ||
	    (r == XC_TLS && f->io))) {
		memcpy(text, f->text, sizeof text);
		fail(f, XC_TIMEOUT, "deadline passed (--timeout): %s", text);
		f->io = 1;
		return XC_TIMEOUT;
	}
	return r;
}

int
iam_probe(const struct iam_req *rq, int handshake, long long deadline,
    struct fail *f)
{
	int fd, r;

	if ((r = dial(rq, deadline, &fd, f)) == 0 && handshake)
		r = tls_start(fd, rq->url->host, deadline, rq->trace, f);
	else if (r == 0)
		close(fd);
	tls_end();
	return r;
}

int
iam_exchange(const struct iam_req *rq, struct iam_token *tok,
    long long deadline, struct fail *f)
{
	struct buf form = { body, 0, FORM_MAX, 0 };
	const struct url *u = rq->url;
	size_t hlen, n;
	int fd, r, k, st = HTTP_MORE;

	tok->len = 0;
	tok->access[0] = '\0';
	tok->retry_after = -1;
	form_add(&form, "grant_type", "urn:ibm:params:oauth:grant-type:cr-token", 40);
	form_add(&form, "cr_token", rq->cr, rq->crlen);
	if (rq->profile_id)
		form_add(&form, "profile_id", rq->profile_id, strlen(rq->profile_id));
	if (rq->profile_name)
		form_add(&form, "profile_name", rq->profile_name, strlen(rq->profile_name));
	if (rq->profile_crn)
		form_add(&form, "profile_crn", rq->profile_crn, strlen(rq->profile_crn));
	if (rq->scope)
		form_add(&form, "scope", rq->scope, strlen(rq->scope));
	if (form.over)
		r = fail(f, XC_USAGE, "request: form over %lu bytes",
		    (unsigned long)FORM_MAX);
	else if ((hlen = http_head(head, sizeof head, u, form.len, VERSION)) == 0)
		r = fail(f, XC_INTERNAL, "request: head does not fit");
	else if ((r = dial(rq, deadline, &fd, f)) == 0 &&
	    (r = tls_start(fd, u->host, deadline, rq->trace, f)) == 0) {
		note("POST https://%s:%s%s (%lu-byte form)", u->host, u->port,
		    u->path, (unsigned long)form.len);
		memcpy(body - hlen, head, hlen);
		r = tls_send(body - hlen, hlen + form.len, deadline, f);
		explicit_bzero(body - hlen, hlen + form.len);
		if (r == 0 && rq->trace != NULL)
			rq->trace->stage = TR_SENT;
		http_init(&resp);
		while (r == 0 && st == HTTP_MORE) {
			k = tls_recv(chunk, sizeof chunk, &n, deadline, f);
			if (k == TLS_END || k == TLS_CUT)
				st = http_eof(&resp, k == TLS_END);
			else if (k != 0)
				r = k;
			else
				st = http_feed(&resp, chunk, n);
		}
		if (rq->trace != NULL && http_head_done(&resp)) {
			rq->trace->stage = TR_ANSWER;
			rq->trace->status = resp.status;
		}
		if (r == 0 && st == HTTP_BAD)
			r = fail(f, XC_RESPONSE, "invalid response: %s", resp.why);
		else if (r == 0) {
			note("HTTP %d, %lu-byte body (%s)", resp.status,
			    (unsigned long)resp.blen, resp.ctype[0] ? resp.ctype : "no type");
			tok->retry_after = http_retry_after(resp.retry_after,
			    (long long)time(NULL));
			r = iam_response(resp.status, resp.ctype, resp.body, resp.blen,
			    rq->cr, rq->crlen, tok, f);
		}
	}
	tls_end();
	explicit_bzero(chunk, sizeof chunk);
	explicit_bzero(resp.body, resp.blen);
	burn_stack();
	return verdict(r, tok, deadline, f);
}
