/* see check.h */
#include <string.h>
#include <time.h>

#include "check.h"
#include "file.h"
#include "json.h"
#include "jwt.h"
#include "net.h"

enum { PASS, WARN, FAIL, SKIP };

#define STEPS 16
#define DETAIL_MAX 640

static struct step {
	const char *name;
	int status;
	char detail[DETAIL_MAX];
} steps[STEPS];
static int nsteps;
static int first_fail;		/* exit class of the first failed step */

static struct iam_token tok;
static struct json cj;
static char claims[8192];
static char out[STEPS * (DETAIL_MAX * 2 + 64) + 64];

static void
step(const char *name, int status, int cls, const char *f, ...)
	__attribute__((format(printf, 4, 5)));

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
	if (status == FAIL && cls == 0)	/* a failure always has a class */
		cls = XC_INTERNAL;
	if (status == FAIL && first_fail == 0)
		first_fail = cls;
}

/* A string claim, or "" (not a string, absent, too long). */
static const char *
claim(int obj, const char *key, char *buf, size_t cap)
{
	if (json_string(&cj, json_get(&cj, obj, key), buf, cap) < 0)
		buf[0] = '\0';
	return buf;
}

static long long
number(const char *key)
{
	long long v;

	return json_int(&cj, json_get(&cj, 0, key), &v) == 0 ? v : -1;
}

/* The CR token's claims: issuer, subject, audience, lifetime, validity. */
static void
cr_claims(const struct iam_req *rq, char *ns, char *sa, size_t cap)
{
	char iss[256], sub[256], aud[256], one[128];
	long long exp, iat, nbf, now = (long long)time(NULL);
	int t, i, k, has_iam = 0;
	size_t n = 0;

	ns[0] = sa[0] = '\0';
	if (jwt_claims(rq->cr, rq->crlen, claims, sizeof claims, &cj) < 0) {
		step("claims", FAIL, XC_TOKENFILE, "the payload is not a JSON object");
		return;
	}
	claim(0, "iss", iss, sizeof iss);
	step("issuer", iss[0] ? PASS : WARN, 0, "%s", iss[0] ? iss : "(none)");
	claim(0, "sub", sub, sizeof sub);
	if (strncmp(sub, "system:serviceaccount:", 22) == 0 && strchr(sub + 22, ':')) {
		const char *c = strchr(sub + 22, ':');

		fmt(ns, cap, "%.*s", (int)(c - sub - 22), sub + 22);
		fmt(sa, cap, "%s", c + 1);
		step("subject", PASS, 0, "%s (namespace %s, service account %s)",
		    sub, ns, sa);
	} else
		step("subject", WARN, 0, "%s: not system:serviceaccount:NAMESPACE:NAME",
		    sub[0] ? sub : "(none)");
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
	exp = number("exp");
	iat = number("iat");
	nbf = number("nbf");
	if (exp < 0 || iat < 0)
		step("lifetime", WARN, 0, "exp or iat missing");
	else
		step("lifetime", exp - iat > 3600 ? FAIL : PASS, XC_TOKENFILE,
		    "%lld s (exp - iat)%s", exp - iat, exp - iat > 3600 ?
		    ": IAM refuses tokens that live longer than 3600 s; set "
		    "expirationSeconds: 3600 or less" : ", at most 3600");
	if (exp >= 0 && exp <= now)
		step("validity", FAIL, XC_TOKENFILE, "expired %lld s ago; is the "
		    "kubelet rotating the file?", now - exp);
	else if ((nbf > now + 60) || (iat > now + 60))
		step("validity", FAIL, XC_TOKENFILE, "not valid for another %lld s: "
		    "the clock here is behind the cluster's", (nbf > iat ? nbf : iat) - now);
	else if (iat > now)
		step("validity", WARN, 0, "issued %lld s in the future: clock skew",
		    iat - now);
	else
		step("validity", PASS, 0, "issued %lld s ago, expires in %lld s",
		    iat >= 0 ? now - iat : 0, exp >= 0 ? exp - now : 0);
}

/* The IAM token's claims, never the token. */
static void
iam_claims(void)
{
	char id[160], sub[160], type[64], acct[96];
	int a;

	if (jwt_claims(tok.access, tok.len, claims, sizeof claims, &cj) < 0) {
		step("IAM token", WARN, 0, "%s token, not a JWT", tok.type);
		return;
	}
	a = json_get(&cj, 0, "account");
	step("IAM token", PASS, 0, "iam_id %s, sub %s, sub_type %s, account %s, "
	    "exp %lld (in %lld s)", claim(0, "iam_id", id, sizeof id),
	    claim(0, "sub", sub, sizeof sub), claim(0, "sub_type", type, sizeof type),
	    claim(a, "bss", acct, sizeof acct), number("exp"),
	    number("exp") - (long long)time(NULL));
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
		else if (st >= TR_CONNECTED)
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
	else if (up)
		step("TLS", FAIL, r, "%s; chain: %s", why, chain);
	else
		step("TLS", SKIP, 0, "not attempted");
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
	else
		OUT("%s\n", first_fail ? "crtoken check: a step failed" :
		    "crtoken check: all steps passed");
#undef OUT
	return n < sizeof out ? n : sizeof out - 1;
}

int
check_run(const struct check *c, struct iam_req *rq, struct fail *f)
{
	char ns[128], sa[128], prof[DETAIL_MAX];
	const char *used = NULL;
	struct trace tr;
	size_t n;
	int r, have;

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
	step("profile", PASS, 0, "%s", prof);
	step("endpoint", PASS, 0, "https://%s%s%s:%s%s", rq->url->iplit == 6 ? "[" : "",
	    rq->url->host, rq->url->iplit == 6 ? "]" : "", rq->url->port, rq->url->path);
	memset(&tr, 0, sizeof tr);
	rq->trace = &tr;
	if (have)
		r = iam_exchange(rq, &tok, c->deadline, f);
	else
		r = iam_probe(rq, c->deadline, f);
	rq->trace = NULL;
	network(rq, &tr, r, f);
	if (!have)
		step("exchange", SKIP, 0, "no CR token to exchange");
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
	explicit_bzero(claims, sizeof claims);
	if (file_stdout(out, n, f) != 0)
		return XC_OUTPUT;
	return first_fail;
}
