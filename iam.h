/*
 * iam.h: the trusted-profile token exchange, once.
 *
 *   POST <url>  grant_type=urn:ibm:params:oauth:grant-type:cr-token
 *               &cr_token=...&profile_id=...&profile_name=...&profile_crn=...
 *               [&scope=...]
 *
 * and what IAM answers: an access token, or an error explained in one line.
 */
#ifndef IAM_H
#define IAM_H

#include <stddef.h>

#include "http.h"
#include "msg.h"
#include "net.h"
#include "proxy.h"

#define IAM_TOKEN_MAX 16384	/* cap on the access token IAM returns */
#define CR_TOKEN_MAX 65536	/* cap on the CR token file (before trimming) */

struct iam_req {
	const struct url *url;
	const char *profile_id, *profile_name, *profile_crn;	/* NULL when not sent */
	const char *scope;		/* NULL when not sent */
	const char *cr;			/* the CR token, trimmed and checked */
	size_t crlen;
	const struct proxy *proxy;	/* NULL: connect directly */
	int connect_ms;			/* for each connection attempt */
	struct trace *trace;		/* what the exchange saw, or NULL */
};

struct iam_token {
	char access[IAM_TOKEN_MAX];	/* NUL-terminated; a secret */
	size_t len;			/* 0 unless this exchange succeeded */
	char type[32];			/* token_type, "Bearer" by default */
	long long expires_in;		/* seconds, as IAM said or derived */
	long long expiration;		/* epoch seconds, as IAM said or derived */
	int said;			/* IAM_SAID_*: what IAM's answer gave */
	long long life_ms;		/* valid for this long after arrival (the
					   lesser of expires_in and expiration -
					   now), above 0 */
	long retry_after;		/* seconds asked by Retry-After, -1 if none;
					   set on failures too */
};

/*
 * iam_endpoint(): parse the IAM URL s into u (url_parse()) and give it
 * IAM's token path: "/identity/token" is appended to PATH unless PATH
 * already ends in it (as IBM's SDKs do). 0 or XC_USAGE with f filled.
 */
int iam_endpoint(struct url *u, const char *s, struct fail *f);

/*
 * iam_exchange(): one exchange, all of it before deadline (clock_ms()).
 * It succeeds in one way only: a token parsed out of an HTTP 200 answer of
 * this exchange, shaped as IAM issues them (a JWT), with an expiry
 * (expires_in, expiration or its exp claim) not yet passed, from a response
 * that ended properly. Then it returns 0 with tok filled (tok->len
 * > 0). Anything else returns the exit class with f filled, tok->len 0;
 * XC_TIMEOUT whenever the deadline passed before a token was in hand,
 * whatever the stage. Every buffer that held a token is wiped before it
 * returns.
 */
int iam_exchange(const struct iam_req *rq, struct iam_token *tok,
    long long deadline, struct fail *f);

/*
 * iam_probe(): connect and, when handshake is set, handshake; no request
 * (crtoken check without a token or a profile). 0 or the class.
 */
int iam_probe(const struct iam_req *rq, int handshake, long long deadline,
    struct fail *f);

/*
 * iam_response(): interpret a complete HTTP response (status, Content-Type
 * and body) as IAM's answer. Returns 0 with tok filled (200 only, with an
 * access token that is a JWT, with an expiry not yet passed), or the class (XC_IAM,
 * XC_RATE, XC_SERVER, XC_RESPONSE) with f explaining it. cr (may be NULL)
 * is the CR token, whose claims may make a hint.
 */
int iam_response(int status, const char *ctype, const char *body, size_t n,
    const char *cr, size_t crlen, struct iam_token *tok, struct fail *f);

/*
 * iam_crtoken(): read the CR token from path, or when path is NULL from the
 * first readable of the default paths (/var/run/secrets/tokens/vault-token,
 * .../sa-token, the Code Engine path), into a static buffer; trim white
 * space; check it is a JWT; register it as a secret; point rq->cr at it.
 * The file must be a regular file (a FIFO, device or directory fails at
 * once, without blocking).
 * *used (when not NULL) gets the path tried last. Returns 0, or
 * XC_TOKENFILE with f filled. Call it before every exchange: the kubelet
 * rotates the file.
 */
int iam_crtoken(const char *path, struct iam_req *rq, const char **used,
    struct fail *f);

#define IAM_SAID_EXPIRES_IN 1
#define IAM_SAID_EXPIRATION 2

/* Output formats of the access token; DOCKER: docker_auths() for docker.h's registries. */
enum { IAM_FMT_TOKEN, IAM_FMT_JSON, IAM_FMT_HEADER, IAM_FMT_ENV, IAM_FMT_DOCKER };

/* Room for any format: an auth file of 16 registries (docker.h checks). */
#define IAM_OUT_MAX (16 * 22200 + 512)

/* iam_format(): tok in a format into out (cap bytes); the length needed. */
size_t iam_format(int format, const struct iam_token *tok, char *out, size_t cap);

/*
 * iam_wipe(): wipe the static request, response and CR token buffers.
 */
void iam_wipe(void);

#endif
