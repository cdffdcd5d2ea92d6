/*
 * fuzz_iam: iam_response() of iam.h, IAM's answer interpreted, and
 * jwt_claims() of the access token it accepts.
 *
 * Input: bytes 0-1: the HTTP status (100 + big-endian value % 500);
 * byte 2: the length of the Content-Type (% 64), then its bytes (a NUL
 * ends it early); the rest is the body. If the body holds the line
 * "\n--cr--\n", what follows it is the CR token instead of a built-in
 * one whose sub is system:serviceaccount:default:app (or none, when the
 * status's low bit is set). In the body, "\xff\xfe" K C stands for
 * K * 256 bytes C (0xff is never in valid JSON), so that an access token
 * over IAM_TOKEN_MAX is in reach of small inputs.
 *
 *   - the class follows the status: 200 0 or XC_RESPONSE; 1xx, other 2xx
 *     and 3xx XC_RESPONSE; 429 XC_RATE; other 4xx XC_IAM; 5xx XC_SERVER;
 *     f->code is the class.
 *   - the message is one NUL-terminated line without control characters
 *     (server strings are cleaned), and never holds the access token.
 *   - on success: the token is non-empty, NUL-terminated at tok->len,
 *     below IAM_TOKEN_MAX, a b64token (RFC 6750); token_type is one too;
 *     the token is a JWT; expires_in and expiration are not negative, and
 *     the token has an expiry not yet passed (life_ms above 0); iam_format() of each
 *     format returns strlen() of a result holding the token; and
 *     jwt_claims() of the token either fails or gives an object.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iam.h"
#include "json.h"
#include "jwt.h"
#include "msg.h"
#include "fuzz.h"

/* {"alg":"RS256"}.{"iss":"kubernetes/serviceaccount","sub":"system:serviceaccount:default:app","aud":["iam"]}.sig */
static const char CR[] =
    "eyJhbGciOiJSUzI1NiJ9."
    "eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50Iiwic3ViIjoic3lzdGVtOnNlcnZpY2VhY2NvdW50OmRlZmF1bHQ6YXBwIiwiYXVkIjpbImlhbSJdfQ."
    "c2lnbmF0dXJl";

static struct iam_token tok;
static struct json claims;

static int
b64token(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
	    (s[i] >= '0' && s[i] <= '9') || (s[i] && strchr("-._~+/", s[i]))))
		i++;
	if (i == 0)
		return 0;
	while (i < n && s[i] == '=')
		i++;
	return i == n;
}

static void
success(void)
{
	static char out[IAM_TOKEN_MAX + 256];
	size_t n;
	int fmt;

	CHECK(tok.len > 0 && tok.len < IAM_TOKEN_MAX);
	CHECK(tok.access[tok.len] == '\0' && strlen(tok.access) == tok.len);
	CHECK(b64token(tok.access, tok.len));
	CHECK(memchr(tok.type, '\0', sizeof tok.type) != NULL);
	CHECK(b64token(tok.type, strlen(tok.type)));
	CHECK(tok.expires_in >= 0);
	/* as an "expiration" member below 0 is rejected, so is an "exp" claim */
	CHECK(tok.expiration >= 0);
	CHECK(tok.life_ms > 0);	/* an expiry, not passed */
	CHECK(jwt_shape(tok.access, tok.len) == 0);	/* as IAM issues them */
	for (fmt = IAM_FMT_TOKEN; fmt <= IAM_FMT_ENV; fmt++) {
		n = iam_format(fmt, &tok, out, sizeof out);
		CHECK(n < sizeof out && strlen(out) == n);
		CHECK(strstr(out, tok.access) != NULL);
		CHECK(n > 0 && out[n - 1] == '\n');
	}
	if (jwt_claims(tok.access, tok.len, &claims, NULL) == 0)
		CHECK(claims.ntok >= 1 && claims.tok[0].type == JSMN_OBJECT);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n--cr--\n";
	char ctype[64], *body;
	const char *cr, *s;
	size_t ctlen, n, crlen, i, k;
	struct fail f;
	int status, r;

	if (size < 3)
		return 0;
	status = 100 + (data[0] << 8 | data[1]) % 500;
	ctlen = data[2] % 64;
	if (ctlen > size - 3)
		ctlen = size - 3;
	memcpy(ctype, data + 3, ctlen);
	ctype[ctlen] = '\0';
	s = (const char *)data + 3 + ctlen;
	n = size - 3 - ctlen;
	if ((cr = find(s, n, sep, sizeof sep - 1)) != NULL) {
		crlen = n - (size_t)(cr - s) - (sizeof sep - 1);
		n = (size_t)(cr - s);
		cr += sizeof sep - 1;
	} else if (status & 1) {
		cr = NULL;
		crlen = 0;
	} else {
		cr = CR;
		crlen = sizeof CR - 1;
	}
	/* the body in a buffer of its own size: reading past it is caught */
	k = expand(NULL, 4 * IAM_TOKEN_MAX, (const uint8_t *)s, n);
	body = malloc(k ? k : 1);
	CHECK(body != NULL);
	expand(body, k, (const uint8_t *)s, n);
	n = k;

	msg_forget();
	memset(&tok, 0xa5, sizeof tok);
	memset(&f, 0, sizeof f);
	r = iam_response(status, ctype, body, n, cr, crlen, &tok, &f);
	if (status == 200)
		CHECK(r == 0 || r == XC_RESPONSE);
	else if (status < 400)
		CHECK(r == XC_RESPONSE);
	else if (status == 429)
		CHECK(r == XC_RATE);
	else if (status < 500)
		CHECK(r == XC_IAM);
	else
		CHECK(r == XC_SERVER);
	if (r == 0) {
		success();
	} else {
		CHECK(f.code == r);
		CHECK(memchr(f.text, '\0', sizeof f.text) != NULL);
		CHECK(f.text[0] != '\0');
		for (i = 0; f.text[i]; i++)
			if ((unsigned char)f.text[i] < 0x20 || f.text[i] == 0x7f) {
				fprintf(stderr, "control character 0x%02x in: %s\n",
				    (unsigned char)f.text[i], f.text);
				CHECK(0);
			}
		/*
		 * an access token accepted before failing (a bad token_type...) is
		 * not shown; tokens that could be words of the message (short, or
		 * only lower case and '_') are left out of this check
		 */
		k = strnlen(tok.access, sizeof tok.access);
		if (status == 200 && k >= 8 && k < IAM_TOKEN_MAX &&
		    strspn(tok.access, "abcdefghijklmnopqrstuvwxyz_") != k)
			CHECK(strstr(f.text, tok.access) == NULL);
	}
	msg_forget();
	free(body);
	return 0;
}
