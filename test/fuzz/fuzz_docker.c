/*
 * fuzz_docker: the registry hosts of docker.h, with the input as a host
 * (docker_add) and as a credential helper's server URL (docker_server).
 *
 *   - docker_add() of the input (up to a NUL): 0 only for a host the model
 *     here accepts (labels of letters, digits and inner hyphens, at most 63
 *     bytes each and 253 in all, or [hex digits, colons, dots], then an
 *     optional :PORT in 1..65535, 1 to 5 digits, no leading zero); the stored
 *     host is the input lower-cased; adding it again adds nothing.
 *   - docker_server() of the raw input: a host (lower case, never longer
 *     than DOCKER_HOST_MAX, NUL-terminated) that docker_add() accepts when
 *     found; it matches the list only at the index where that host is.
 *   - docker_auths() for the hosts and the input as a token: a JSON object
 *     whose "auth" values decode (b64_decode) to "iambearer:" + token, for
 *     every cap up to the whole length (a cut is always reported).
 */
#include "docker.h"
#include "jwt.h"
#include "fuzz.h"

static int
model_label_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-';
}

/* the host model: 1 when s is a valid HOST[:PORT] */
static int
model(const char *s)
{
	size_t i = 0, label = 0, n = 0, digits = 0;
	unsigned long port = 0;

	if (s[0] == '[') {
		for (i = 1; s[i] && strchr("0123456789abcdefABCDEF:.", s[i]); i++)
			;
		if (i < 3 || s[i] != ']')
			return 0;
		i++;
	} else {
		for (; s[i] && s[i] != ':'; i++, n++) {
			if (s[i] == '.') {
				if (label == 0 || s[i - 1] == '-')
					return 0;
				label = 0;
				continue;
			}
			if (!model_label_char((unsigned char)s[i]) ||
			    (s[i] == '-' && label == 0) || ++label > 63)
				return 0;
		}
		if (n == 0 || n > 253 || label == 0 || s[i - 1] == '-')
			return 0;
	}
	if (s[i] == '\0')
		return 1;
	if (s[i++] != ':')
		return 0;
	for (; s[i] >= '0' && s[i] <= '9'; i++, digits++)
		port = digits < 6 ? port * 10 + (unsigned long)(s[i] - '0') : port;
	return s[i] == '\0' && digits >= 1 && digits <= 5 && port >= 1 && port <= 65535 &&
	    s[i - digits] != '0';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct docker d;
	static char out[DOCKER_HOSTS_MAX * 400 + 64], host[DOCKER_HOST_MAX + 1];
	static unsigned char dec[512];
	char *s = malloc(size + 1), tok[200];
	size_t i, n, whole;
	int k, ok;

	CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&d, 0, sizeof d);
	ok = docker_add(&d, s) == 0;
	CHECK(ok == model(s));
	if (ok) {
		CHECK(d.n == 1 && strlen(d.host[0]) == strlen(s));
		for (i = 0; s[i]; i++)
			CHECK(d.host[0][i] == (s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]));
		CHECK(docker_add(&d, s) == 0 && d.n == 1);
	}
	docker_add(&d, "icr.io");
	docker_add(&d, "127.0.0.1:5000");
	k = docker_server(&d, s, host);
	CHECK(strlen(host) <= DOCKER_HOST_MAX);
	if (host[0]) {
		struct docker e;

		memset(&e, 0, sizeof e);
		CHECK(docker_add(&e, host) == 0 && strcmp(e.host[0], host) == 0);
		for (i = 0; host[i]; i++)
			CHECK(!(host[i] >= 'A' && host[i] <= 'Z'));
	}
	CHECK(k == -1 || (k < d.n && strcmp(d.host[k], host) == 0));
	for (i = 0; i < (size_t)d.n; i++)
		CHECK(strcmp(d.host[i], host) != 0 || k == (int)i);

	n = size < sizeof tok - 1 ? size : sizeof tok - 1;	/* the input as a token */
	memcpy(tok, data, n);
	tok[n] = '\0';
	whole = docker_auths(&d, tok, out, sizeof out);
	CHECK(whole < sizeof out && strlen(out) == whole);
	CHECK(strncmp(out, "{\"auths\":{", 10) == 0 && strcmp(out + whole - 2, "}}") == 0);
	{
		const char *p = out;
		int seen = 0;

		while ((p = strstr(p, "{\"auth\":\"")) != NULL) {
			const char *b = p + 9, *e = strchr(b, '"');
			long m;

			CHECK(e != NULL);
			m = b64_decode(dec, sizeof dec, b, (size_t)(e - b));
			CHECK(m == (long)(10 + strlen(tok)) && memcmp(dec, "iambearer:", 10) == 0 &&
			    memcmp(dec + 10, tok, strlen(tok)) == 0);
			seen++;
			p = e;
		}
		CHECK(seen == d.n);
	}
	for (i = 0; i <= whole; i += 1 + whole / 64)
		CHECK(docker_auths(&d, tok, out, i) >= i);
	free(s);
	return 0;
}
