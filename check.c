/* see check.h */
#include <string.h>
#include <time.h>

#include "check.h"
#include "file.h"
#include "json.h"
#include "jwt.h"
#include "net.h"
#include "tls.h"

enum { PASS, WARN, FAIL, SKIP };

#define STEPS 20
#define DETAIL_MAX 640
#define SKEW 60			/* seconds a clock may be off */
#define EPOCH_CAP (1LL << 40)	/* claims beyond this are not times */

static struct step {
	const char *name;
	int status;
	char detail[DETAIL_MAX];
} steps[STEPS];
static int nsteps, warnings;
static int first_fail;		/* exit class of the first failed step */

volatile sig_atomic_t check_printing;

static struct iam_token tok;
static struct json cj;
static char out[STEPS * (DETAIL_MAX * 2 + 64) + 64];

static void
step(const char *name, int status, int cls, const char *f, ...)
	__attribute__((format(printf, 4, 5)));

/* Every detail is redacted and escaped (msg_redact()): safe for a terminal. */
static void
step(const char *name, int status, int cls, const char *f, ...)
{
	struct step *s = &steps[nsteps < STEPS ? nsteps++ : STEPS - 1];
	char raw[DETAIL_MAX];
	va_list ap;

	va_start(ap, f);
	vfmt(raw, sizeof raw, f, ap);
	va_end(ap);
	msg_redact(s->detail, sizeof s->detail, raw);
	s->name = name;
	s->status = status;
	warnings += status == WARN;
	if (status == FAIL && cls == 0)	/* a failure always has a class */
		cls = XC_INTERNAL;
	if (status == FAIL && first_fail == 0)
		first_fail = cls;
}

/* "(none)", or "(given twice)" for a key that is. */
static const char *
none(int obj, const char *key)
{
	return json_get(&cj, obj, key) == JSON_DUPLICATE ? "(given twice)" : "(none)";
}

/*
 * A string claim (cut with "..." when long); when absent, given twice or
 * not a string, "" (in buf) or, with shown set, what none() says.
 */
static const char *
claim(int obj, const char *key, char *buf, size_t cap, int shown)
{
	long n = json_string(&cj, json_get(&cj, obj, key), buf, cap - 3);

	if (n == JSON_TOOLONG)
		memcpy(buf + strlen(buf), "...", 4);
	else if (n <= 0)
		buf[0] = '\0';
	return buf[0] || !shown ? buf : none(obj, key);
}

/* A time claim: 1 with *v, 0 when absent, -1 when not a time, -2 when twice. */
static int
number(const char *key, long long *v)
{
	int t = json_get(&cj, 0, key);

	if (t == JSON_ABSENT || t == JSON_DUPLICATE)
		return t == JSON_ABSENT ? 0 : -2;
	return json_int(&cj, t, v) == 0 && *v >= 0 && *v < EPOCH_CAP ? 1 : -1;
}

static const char *
state(int h)
{
	return h > 0 ? "present" : h == 0 ? "missing" : h == -1 ?
	    "not a time in epoch seconds" : "given twice";
}

/* A Kubernetes name as a service-account token's sub holds it: [a-z0-9.-]+. */
static int
k8sname(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
	    s[i] <= '9') || s[i] == '-' || s[i] == '.'); i++)
		;
	return n > 0 && i == n;
}

/* The CR token's claims: issuer, subject, audience, lifetime, validity. */
static void
cr_claims(const struct iam_req *rq, char *ns, char *sa, size_t cap)
{
	char iss[256], sub[400], aud[256], one[128];
	long long exp, iat, nbf, ahead, now = (long long)time(NULL);
	int t, i, k, he, hi, hn, has_iam = 0;
	const char *why, *c;
	size_t n = 0;

	if (jwt_claims(rq->cr, rq->crlen, &cj, &why) < 0) {
		step("claims", WARN, 0, "cannot decode them (%s); IAM judges the "
		    "token: see the exchange", why);
		return;
	}
	step("claims", PASS, 0, "%d claims, %lu bytes", cj.tok[0].size,
	    (unsigned long)cj.len);
	step("issuer", claim(0, "iss", iss, sizeof iss, 0)[0] ? PASS : WARN, 0, "%s",
	    claim(0, "iss", iss, sizeof iss, 1));
	claim(0, "sub", sub, sizeof sub, 1);
	c = strncmp(sub, "system:serviceaccount:", 22) == 0 ? strchr(sub + 22, ':') : NULL;
	if (c != NULL && k8sname(sub + 22, (size_t)(c - sub - 22)) &&
	    k8sname(c + 1, strlen(c + 1)) && strlen(sub) < sizeof sub - 4 &&
	    strlen(sub) < cap) {
		fmt(ns, cap, "%.*s", (int)(c - sub - 22), sub + 22);
		fmt(sa, cap, "%s", c + 1);
		step("subject", PASS, 0, "%s (namespace %s, service account %s)",
		    sub, ns, sa);
	} else
		step("subject", WARN, 0, "%s: not system:serviceaccount:NAMESPACE:NAME",
		    sub);
	aud[0] = '\0';
	t = json_get(&cj, 0, "aud");
	if (t >= 0 && cj.tok[t].type == JSMN_ARRAY) {
		for (i = 0, k = t + 1; i < cj.tok[t].size; i++, k = json_next(&cj, k))
			if (json_string(&cj, k, one, sizeof one) >= 0) {
				has_iam |= strcmp(one, "iam") == 0;
				n = fmtcat(aud, sizeof aud, n, "%s%s", n ? "," : "", one);
			}
	} else if (json_string(&cj, t, aud, sizeof aud) >= 0)
		has_iam = strcmp(aud, "iam") == 0;
	step("audience", has_iam ? PASS : WARN, 0, "%s%s", aud[0] ? aud : "(none)",
	    has_iam ? "" : ": does not contain iam; set audience: iam on the "
	    "projected token");
	he = number("exp", &exp);
	hi = number("iat", &iat);
	hn = number("nbf", &nbf);
	ahead = hn == 1 && nbf > now ? nbf - now : 0;	/* the later of nbf and iat */
	if (hi == 1 && iat - now > ahead)
		ahead = iat - now;
	if (he != 1 || hi != 1)
		step("lifetime", WARN, 0, "unknown: exp %s, iat %s", state(he), state(hi));
	else if (exp - iat <= 0)
		step("lifetime", FAIL, XC_TOKENFILE, "%lld s (exp - iat): not "
		    "positive, the token is malformed", exp - iat);
	else
		step("lifetime", exp - iat > 3600 ? FAIL : PASS, XC_TOKENFILE,
		    "%lld s (exp - iat)%s", exp - iat, exp - iat > 3600 ?
		    ": IAM refuses tokens that live longer than 3600 s; set "
		    "expirationSeconds: 3600 or less" : ", at most 3600");
	if (he != 1)
		step("validity", WARN, 0, "unknown: exp %s", state(he));
	else if (exp <= now)
		step("validity", FAIL, XC_TOKENFILE, "expired %lld s ago; is the "
		    "kubelet rotating the file?", now - exp);
	else if (ahead > SKEW)
		step("validity", FAIL, XC_TOKENFILE, "not valid for another %lld s "
		    "(over the %d s allowed for clock skew): the clock here is "
		    "behind the cluster's", ahead, SKEW);
	else if (ahead > 0)
		step("validity", WARN, 0, "issued %lld s in the future (within the "
		    "%d s allowed for clock skew)", ahead, SKEW);
	else if (hi != 1 || hn < 0)
		step("validity", WARN, 0, "expires in %lld s; iat %s, nbf %s",
		    exp - now, state(hi), state(hn));
	else
		step("validity", PASS, 0, "issued %lld s ago, expires in %lld s "
		    "(nbf and iat at most %d s ahead of this clock)", now - iat,
		    exp - now, SKEW);
}

/* The IAM token's claims, never the token; its exp against what IAM said. */
static void
iam_claims(void)
{
	char id[160], sub[160], type[64], acct[96];
	long long exp, iat, now = (long long)time(NULL), d;
	const char *why;
	int he, hi;

	if (jwt_claims(tok.access, tok.len, &cj, &why) < 0) {
		step("IAM token", WARN, 0, "a %s token whose claims cannot be "
		    "decoded (%s)", tok.type, why);
		return;
	}
	step("IAM token", claim(0, "iam_id", id, sizeof id, 0)[0] &&
	    claim(0, "sub", sub, sizeof sub, 0)[0] ? PASS : WARN, 0, "iam_id %s, "
	    "sub %s, sub_type %s, account %s", claim(0, "iam_id", id, sizeof id, 1),
	    claim(0, "sub", sub, sizeof sub, 1), claim(0, "sub_type", type, sizeof type, 1),
	    claim(json_get(&cj, 0, "account"), "bss", acct, sizeof acct, 1));
	he = number("exp", &exp);
	hi = number("iat", &iat);
	d = he == 1 ? exp - (hi == 1 ? iat : now) - tok.expires_in : 0;
	if (he != 1)
		step("IAM expiry", WARN, 0, "exp %s", state(he));
	else if (exp <= now)
		step("IAM expiry", FAIL, XC_RESPONSE, "exp %lld: expired %lld s ago; "
		    "is this machine's clock right?", exp, now - exp);
	else if ((tok.said & IAM_SAID_EXPIRATION) && (exp - tok.expiration > SKEW ||
	    tok.expiration - exp > SKEW))
		step("IAM expiry", FAIL, XC_RESPONSE, "exp %lld disagrees with "
		    "expiration %lld by more than %d s", exp, tok.expiration, SKEW);
	else if ((tok.said & IAM_SAID_EXPIRES_IN) && (d > SKEW || -d > SKEW))
		step("IAM expiry", FAIL, XC_RESPONSE, "exp %lld is %lld s after %s, "
		    "but expires_in is %lld", exp, exp - (hi == 1 ? iat : now),
		    hi == 1 ? "iat" : "now", tok.expires_in);
	else if (tok.said == 0)
		step("IAM expiry", WARN, 0, "exp %lld: in %lld s; IAM's answer gave "
		    "neither expires_in nor expiration to compare", exp, exp - now);
	else
		step("IAM expiry", PASS, 0, "exp %lld: in %lld s, as IAM's %s%s%s say%s",
		    exp, exp - now, tok.said & IAM_SAID_EXPIRES_IN ? "expires_in" : "",
		    tok.said == 3 ? " and " : "", tok.said & IAM_SAID_EXPIRATION ?
		    "expiration" : "", tok.said == 3 ? "" : "s");
}

/*
 * The network steps, from the trace of the exchange: a step passes only
 * when the exchange got past it, fails where it stopped, and is skipped
 * after that.
 */
static void
network(const struct iam_req *rq, const struct trace *t, int r, const struct fail *f)
{
	char addrs[400], chain[DETAIL_MAX];
	const char *why = r ? f->text : "stopped before this step";
	int i, st = t->stage, proxied = rq->proxy != NULL;
	int up = proxied ? st >= TR_TUNNEL : st >= TR_CONNECTED;	/* TLS can start */
	size_t n = 0;

	for (i = 0; i < t->naddr && i < TRACE_ADDRS; i++)
		n = fmtcat(addrs, sizeof addrs, n, "%s%s", i ? ", " : "", t->addr[i]);
	if (n == 0)
		fmt(addrs, sizeof addrs, "none");
	if (proxied) {
		if (st >= TR_TUNNEL)
			step("proxy", PASS, 0, "http://%s:%s%s, tunnel open", rq->proxy->host,
			    rq->proxy->port, rq->proxy->auth[0] ? " (with credentials)" : "");
		else if (st >= TR_CONNECTED && up == 0 && r != 0)
			step("proxy", FAIL, r, "http://%s:%s: %s", rq->proxy->host,
			    rq->proxy->port, why);
		else
			step("proxy", SKIP, 0, "http://%s:%s: not reached", rq->proxy->host,
			    rq->proxy->port);
	}
	if (st >= TR_RESOLVED)
		step("resolve", PASS, 0, "%s -> %s", proxied ? rq->proxy->host :
		    rq->url->host, addrs);
	else
		step("resolve", FAIL, r, "%s: %s", proxied ? rq->proxy->host :
		    rq->url->host, why);
	if (st >= TR_CONNECTED)
		step("connect", PASS, 0, "%s port %s", t->connected, proxied ?
		    rq->proxy->port : rq->url->port);
	else if (st >= TR_RESOLVED)
		step("connect", FAIL, r, "%s", why);
	else
		step("connect", SKIP, 0, "not attempted");
	for (i = 0, n = 0; i < t->nchain && i < TRACE_CHAIN; i++)
		n = fmtcat(chain, sizeof chain, n, "%s[%d] %s", i ? "; " : "", i,
		    t->chain[i]);
	if (n == 0)
		fmt(chain, sizeof chain, "no certificate");
	if (st >= TR_TLS)
		step("TLS", PASS, 0, "TLS 1.2 %s, server %s, chain: %s", t->suite,
		    rq->url->host, chain);
	else if (up && r != 0)
		step("TLS", FAIL, r, "%s; chain: %s", why, chain);
	else
		step("TLS", SKIP, 0, "not attempted%s", up ? ": no trust anchors "
		    "(see trust)" : "");
}

static size_t
report(int json)
{
	static const char *const mark[] = { "\xe2\x9c\x93", "!", "\xe2\x9c\x97", "-" };
	static const char *const word[] = { "pass", "warn", "fail", "skip" };
	size_t n = 0;
	int i;

#define OUT(...) (n = fmtcat(out, sizeof out, n, __VA_ARGS__))
	if (json)
		OUT("{\"exit\":%d,\"steps\":[", first_fail);
	for (i = 0; i < nsteps; i++) {
		char esc[DETAIL_MAX * 2];

		if (json) {
			json_escape(esc, sizeof esc, steps[i].detail, strlen(steps[i].detail));
			OUT("%s{\"step\":\"%s\",\"status\":\"%s\",\"detail\":\"%s\"}",
			    i ? "," : "", steps[i].name, word[steps[i].status], esc);
		} else {
			size_t k;

			OUT("%s %s ", mark[steps[i].status], steps[i].name);
			for (k = strlen(steps[i].name); k < 11; k++)
				OUT(" ");
			OUT("%s\n", steps[i].detail);
		}
	}
	if (json)
		OUT("]}\n");
	else if (first_fail)
		OUT("crtoken check: a step failed (exit %d)\n", first_fail);
	else if (warnings)
		OUT("crtoken check: no step failed, %d warned\n", warnings);
	else
		OUT("crtoken check: all steps passed\n");
#undef OUT
	return n < sizeof out ? n : sizeof out - 1;
}

int
check_run(const struct check *c, struct iam_req *rq, struct fail *f)
{
	char ns[400], sa[400], prof[DETAIL_MAX];
	const char *used = NULL, *const *bad = c->bad;	/* "": none */
	struct trace tr;
	size_t n;
	int r = 0, have;

	if (bad[CHECK_OPTIONS][0])
		step("options", FAIL, XC_USAGE, "%s (see crtoken --help)",
		    bad[CHECK_OPTIONS]);
	r = iam_crtoken(c->token_file, rq, &used, f);
	have = r == 0;
	if (have)
		step("token file", PASS, 0, "%s (%lu bytes)", used, (unsigned long)rq->crlen);
	else
		step("token file", FAIL, r, "%s", f->text);
	ns[0] = sa[0] = '\0';
	if (have)
		cr_claims(rq, ns, sa, sizeof ns);
	n = 0;
	if (rq->profile_id)
		n = fmtcat(prof, sizeof prof, n, "profile_id %s", rq->profile_id);
	if (rq->profile_name)
		n = fmtcat(prof, sizeof prof, n, "%sprofile_name %s", n ? ", " : "",
		    rq->profile_name);
	if (rq->profile_crn)
		n = fmtcat(prof, sizeof prof, n, "%sprofile_crn %s", n ? ", " : "",
		    rq->profile_crn);
	if (bad[CHECK_PROFILE][0])
		step("profile", FAIL, XC_USAGE, "%s", bad[CHECK_PROFILE]);
	else
		step("profile", PASS, 0, "%s", prof);
	if (bad[CHECK_ENDPOINT][0])
		step("endpoint", FAIL, XC_USAGE, "%s", bad[CHECK_ENDPOINT]);
	else
		step("endpoint", PASS, 0, "https://%s%s%s:%s%s (%s)",
		    rq->url->iplit == 6 ? "[" : "", rq->url->host,
		    rq->url->iplit == 6 ? "]" : "", rq->url->port, rq->url->path,
		    c->url_from);
	if (bad[CHECK_TRUST][0])
		step("trust", FAIL, XC_USAGE, "%s", bad[CHECK_TRUST]);
	else if (c->cacert)
		step("trust", PASS, 0, "the certificates of %s", c->cacert);
	else
		step("trust", PASS, 0, "the %lu embedded roots", (unsigned long)tls_roots());
	if (bad[CHECK_PROXY][0])
		step("proxy", FAIL, XC_USAGE, "%s", bad[CHECK_PROXY]);
	memset(&tr, 0, sizeof tr);
	rq->trace = &tr;
	if (bad[CHECK_ENDPOINT][0] || bad[CHECK_PROXY][0]) {
		const char *why = bad[CHECK_ENDPOINT][0] ? "no endpoint" : "no proxy";

		step("resolve", SKIP, 0, "not attempted: %s (see above)", why);
		step("connect", SKIP, 0, "not attempted: %s (see above)", why);
		step("TLS", SKIP, 0, "not attempted: %s (see above)", why);
		r = -1;
	} else {
		if (have && !bad[CHECK_PROFILE][0] && !bad[CHECK_TRUST][0])
			r = iam_exchange(rq, &tok, c->deadline, f);
		else
			r = iam_probe(rq, !bad[CHECK_TRUST][0], c->deadline, f);
		network(rq, &tr, r, f);
	}
	rq->trace = NULL;
	if (!have)
		step("exchange", SKIP, 0, "no CR token to exchange");
	else if (bad[CHECK_PROFILE][0])
		step("exchange", SKIP, 0, "no trusted profile to exchange it for");
	else if (r == 0 && tok.len > 0) {
		step("exchange", PASS, 0, "HTTP 200: a %s token, expires in %lld s",
		    tok.type, tok.expires_in);
		iam_claims();
	} else if (tr.stage < TR_TLS)
		step("exchange", SKIP, 0, "not attempted: an earlier step failed");
	else if (strstr(f->text, "BXNIM0398E") != NULL)
		step("exchange", FAIL, r, "%s; the profile's compute-resource link must "
		    "match this token: namespace %s, service account %s (and this "
		    "cluster)", f->text, ns[0] ? ns : "?", sa[0] ? sa : "?");
	else
		step("exchange", FAIL, r ? r : XC_INTERNAL, "%s", f->text);
	n = report(c->json);
	explicit_bzero(&tok, sizeof tok);
	jwt_wipe();
	check_printing = 1;
	if (file_stdout(out, n, f) != 0)
		return XC_OUTPUT;
	return first_fail;
}
