/* see probe.h */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "docker.h"
#include "file.h"
#include "iam.h"
#include "json.h"
#include "jwt.h"
#include "probe.h"

#define NONE (-(1LL << 62))	/* no expiry stated */

static char buf[IAM_OUT_MAX], tokbuf[IAM_TOKEN_MAX + 16];

/* Epoch seconds in decimal, all of s: the value, or -1. */
static long long
epoch(const char *s)
{
	long long v = 0;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9' && v < (1LL << 40); p++)
		v = v * 10 + (*p - '0');
	return p == s || *p != '\0' || v >= (1LL << 40) ? -1 : v;
}

/*
 * The token of buf (n bytes, its final newline dropped) in one of the
 * formats iam_format() writes, and the expiration the format states (NONE
 * when it states none): the token, or NULL.
 */
static const char *
token(size_t n, long long *exp)
{
	static jsmntok_t jt[JSON_TOKENS];
	struct json j = JSON_INIT(jt);
	const char *why;
	char *t = buf, *e;
	long long v;

	*exp = NONE;
	if (buf[0] == '{') {	/* json or docker */
		jsmntok_t *a;
		long k;
		int i;

		if (json_parse(&j, buf, n, &why) < 0)
			return NULL;
		if ((i = json_get(&j, 0, "auths")) >= 0) {	/* the first registry's */
			if (jt[i].type != JSMN_OBJECT || jt[i].size < 1 || jt[i + 2].type !=
			    JSMN_OBJECT || (i = json_get(&j, i + 2, "auth")) < 0 ||
			    (a = &jt[i])->type != JSMN_STRING || (k = b64_decode(
			    (unsigned char *)tokbuf, sizeof tokbuf - 1, buf + a->start,
			    (size_t)(a->end - a->start))) < (long)sizeof DOCKER_USER ||
			    memcmp(tokbuf, DOCKER_USER ":", sizeof DOCKER_USER) != 0 ||
			    memchr(tokbuf, '\0', (size_t)k) != NULL)
				return NULL;
			tokbuf[k] = '\0';
			return tokbuf + sizeof DOCKER_USER;
		}
		if (json_string(&j, json_get(&j, 0, "access_token"), tokbuf,
		    sizeof tokbuf) <= 0)
			return NULL;
		if (json_int(&j, json_get(&j, 0, "expiration"), &v) == 0)
			*exp = v;
		return tokbuf;
	}
	if (strncmp(buf, "Authorization: Bearer ", 22) == 0)	/* header */
		t += 22;
	else if (strncmp(buf, "IAM_ACCESS_TOKEN=", 17) == 0) {	/* env */
		t += 17;
		if ((e = strchr(t, '\n')) == NULL ||
		    strncmp(e + 1, "IAM_TOKEN_EXPIRATION=", 21) != 0 ||
		    (*exp = epoch(e + 22)) < 0)
			return NULL;	/* as crtoken writes it: a time, nothing after */
		*e = '\0';
	}
	return t;
}

int
probe_read(const char *path, char *tok, size_t cap, long long *exp, struct fail *f)
{
	struct json cj;
	const char *t;
	long n = file_read(path, buf, sizeof buf - 1, 1);
	size_t used = n < 0 ? sizeof buf : (size_t)n + 1;	/* what is wiped */
	long long v;
	int r = 0;

	if (n == -2) {
		explicit_bzero(buf, sizeof buf);
		return fail(f, PROBE_NOTOKEN, "%s: larger than any token crtoken "
		    "writes", path);
	}
	if (n < 0)
		return fail(f, PROBE_FILE, "%s: %s", path, n == -3 ?
		    "not a regular file" : errstr(errno));
	msg_secret(buf, (size_t)n);	/* whatever it holds stays off stderr */
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (memchr(buf, '\0', (size_t)n) != NULL || (t = token((size_t)n, exp)) == NULL ||
	    jwt_shape(t, strlen(t)) < 0)
		r = fail(f, PROBE_NOTOKEN, "%s: not an access token as crtoken writes "
		    "it (a JWT, in --format token, json, header, env or docker)", path);
	else {
		if (jwt_claims(t, strlen(t), &cj, NULL) == 0 &&
		    json_int(&cj, json_get(&cj, 0, "exp"), &v) == 0 &&
		    (*exp == NONE || v < *exp))
			*exp = v;
		jwt_wipe();
		if (*exp == NONE)
			r = fail(f, PROBE_NOTOKEN, "%s: the token has no expiry (no exp "
			    "claim, no expiration)", path);
		else if (tok != NULL && fmt(tok, cap, "%s", t) >= cap)
			r = fail(f, PROBE_NOTOKEN, "%s: a token over %lu bytes", path,
			    (unsigned long)cap);
	}
	explicit_bzero(buf, used);
	explicit_bzero(tokbuf, sizeof tokbuf);
	return r;
}

int
probe_run(const char *path, long long min_valid, struct fail *f)
{
	long long exp, now = (long long)time(NULL);
	int r;

	if ((r = probe_read(path, NULL, 0, &exp, f)) != 0) {
		char why[sizeof f->text];

		memcpy(why, f->text, sizeof why);
		return fail(f, r, "probe %s", why);
	}
	if (exp <= now)
		return fail(f, PROBE_EXPIRING, "probe %s: the token expired %lld s ago; "
		    "is crtoken watch running?", path, now - exp);
	if (exp - now < min_valid)
		return fail(f, PROBE_EXPIRING, "probe %s: the token expires in %lld s, "
		    "under --min-valid %lld", path, exp - now, min_valid);
	note("%s: a token valid for %lld s more", path, exp - now);
	return 0;
}
