/*
 * fuzz_msg: msg_redact() of msg.h with secrets registered by msg_secret()
 * (fmt() is not fuzzed: its formats are the program's own).
 *
 * Input: byte 0: bits 0-3 the number of secrets (more than the table's 8
 * makes msg_redact() fail closed), bits 4-5 the text (0: the rest of the
 * input; 1: secret 0 alone; 2: the rest with secret 0 inserted in the
 * middle; 3: the rest with the first 8 or more bytes of secret 0 at the
 * end), bits 6-7 the cap; then per secret a length byte and that many
 * bytes; the rest is the text (up to a NUL).
 *
 *   - the result is NUL-terminated, its length returned, below cap; a
 *     smaller cap gives a prefix of the full result.
 *   - no run shaped like a JWT ("eyJ" and 17 or more base64url characters
 *     or dots) is left.
 *   - no registered secret is left whole (for secrets without a character
 *     of "[redacted]", which the markers could otherwise spell), nor a run
 *     of RUN_MIN bytes of one anywhere, nor at the end of the line a start
 *     of one of 8 bytes or more.
 *   - the text kept between markers is the text's own, in order: what is
 *     not redacted is never changed (a redacted line still reads as one).
 *   - one secret registered and the text exactly that secret: the result is
 *     exactly "[redacted]".
 *   - more secrets than the table holds: the text is withheld (the result
 *     is the same whatever the text).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "fuzz.h"

#define NSEC 15

static unsigned char secret[NSEC][256];
static size_t slen[NSEC];

static int
b64url(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static int
markerfree(const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == 0 || strchr("[]redact", s[i]) != NULL)
			return 0;
	return 1;
}

static void
report(const char *what, const char *text, const char *out)
{
	fprintf(stderr, "%s\n  text: \"%s\"\n  out:  \"%s\"\n", what, text, out);
	CHECK(0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t capsel[4] = { 0, 1, 11, 64 };
	char *text, *out, *small;
	const char *rest;
	size_t i, k, n, ns, nreg, len, olen, tlen, cap;
	int mode;

	if (size < 1)
		return 0;
	ns = data[0] & 15;
	mode = data[0] >> 4 & 3;
	cap = capsel[data[0] >> 6];
	i = 1;
	for (k = 0; k < ns; k++) {
		n = i < size ? data[i++] : 0;
		if (n > size - i)
			n = size - i;
		memcpy(secret[k], data + i, n);
		slen[k] = n;
		i += n;
	}
	rest = (const char *)data + i;
	n = size - i;
	/* the text */
	text = malloc(n + 2 * 256 + 1);
	CHECK(text != NULL);
	switch (mode) {
	case 1:
		memcpy(text, secret[0], ns ? slen[0] : 0);
		text[ns ? slen[0] : 0] = '\0';
		break;
	case 2:
		memcpy(text, rest, n / 2);
		memcpy(text + n / 2, secret[0], ns ? slen[0] : 0);
		memcpy(text + n / 2 + (ns ? slen[0] : 0), rest + n / 2, n - n / 2);
		text[n + (ns ? slen[0] : 0)] = '\0';
		break;
	case 3:
		memcpy(text, rest, n);
		k = ns && slen[0] > 8 ? 8 + (n % (slen[0] - 8)) : 0;	/* 8..slen-1 */
		memcpy(text + n, secret[0], k);
		text[n + k] = '\0';
		break;
	default:
		memcpy(text, rest, n);
		text[n] = '\0';
		break;
	}
	tlen = strlen(text);

	msg_forget();
	for (k = nreg = 0; k < ns; k++) {
		msg_secret(secret[k], slen[k]);
		nreg += slen[k] > 0;	/* empty ones are not registered */
	}

	/* room enough for anything: each byte becomes at most "[redacted]" */
	out = malloc(tlen * 10 + 80);
	CHECK(out != NULL);
	olen = msg_redact(out, tlen * 10 + 80, text);
	CHECK(olen < tlen * 10 + 80 && strlen(out) == olen);

	/* smaller caps: a prefix */
	for (cap = cap ? cap : 1; cap <= olen + 1; cap = cap * 3 + 1) {
		small = malloc(cap);
		CHECK(small != NULL);
		len = msg_redact(small, cap, text);
		CHECK(len < cap && strlen(small) == len);
		CHECK(len == (olen < cap - 1 ? olen : cap - 1));
		CHECK(memcmp(small, out, len) == 0);
		free(small);
	}
	small = malloc(1);
	CHECK(small != NULL);
	small[0] = 'x';
	CHECK(msg_redact(small, 0, text) == 0 && small[0] == 'x');
	free(small);

	/* no JWT-shaped run */
	for (i = 0; i + 3 <= olen; i++) {
		if (memcmp(out + i, "eyJ", 3) != 0)
			continue;
		for (k = i + 3; k < olen && (b64url((unsigned char)out[k]) || out[k] == '.'); k++)
			;
		if (k - i >= 20)
			report("a JWT-shaped run is left", text, out);
	}

	if (nreg > 8) {	/* fail closed: the text does not matter */
		static const char other[] = "some other text";

		small = malloc(tlen * 10 + 80);
		CHECK(small != NULL);
		msg_redact(small, tlen * 10 + 80, other);
		if (strcmp(small, out) != 0)
			report("too many secrets, yet the text shows", text, out);
		free(small);
	} else {
		for (k = 0; k < ns; k++) {
			if (slen[k] == 0 || !markerfree(secret[k], slen[k]))
				continue;
			if (find(out, olen, secret[k], slen[k]) != NULL)
				report("a secret is left", text, out);
			for (i = 0; slen[k] >= RUN_MIN && i + RUN_MIN <= olen; i++)
				if (find((const char *)secret[k], slen[k], out + i, RUN_MIN) != NULL)
					report("a run of RUN_MIN bytes of a secret is left", text, out);
			/* a start of it, 8 bytes or more, at the end of the line */
			for (len = 8; len < slen[k] && len <= olen; len++)
				if (memcmp(out + olen - len, secret[k], len) == 0)
					report("the start of a secret ends the line", text, out);
		}
		if (mode == 1 && nreg == 1 && slen[0] > 0 &&
		    memchr(secret[0], 0, slen[0]) == NULL && strcmp(out, "[redacted]") != 0)
			report("a line that is only the secret (jwt-prefix-secret)", text, out);
	}

	/* the pieces between markers appear in the text, in order */
	if (nreg <= 8) {
		const char *t = text, *o = out, *m;

		while (*o) {
			size_t piece;

			m = strstr(o, "[redacted]");
			piece = m ? (size_t)(m - o) : strlen(o);
			if (piece > 0) {
				const char *at = find(t, strlen(t), o, piece);

				if (at == NULL)
					report("text outside the markers was changed", text, out);
				t = at + piece;
			}
			if (m == NULL)
				break;
			o = m + 10;
		}
	}

	msg_forget();
	free(out);
	free(text);
	return 0;
}
