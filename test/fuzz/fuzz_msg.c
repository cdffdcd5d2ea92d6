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
 *     smaller cap gives a prefix of the full result, short of cap - 1 by
 *     less than one character or escape (never a cut one).
 *   - the result is printable text: no control character, DEL, backslash
 *     but for escapes, C1 control, bidirectional override, isolate or mark,
 *     zero-width character, line separator, or byte that is not valid
 *     UTF-8 (a model written here, not msg.c's); when
 *     nothing was redacted it is exactly the text with every other byte
 *     escaped as \xNN.
 *   - no run shaped like a JWT ("eyJ" and 17 or more base64url characters
 *     or dots) is left.
 *   - no registered secret is left whole (for secrets without a character
 *     of "[redacted]", which the markers could otherwise spell), nor a run
 *     of RUN_MIN bytes of one anywhere, nor at the end of the line a start
 *     of one of 8 bytes or more.
 *   - the text kept between markers and escapes is the text's own, in
 *     order: what is not redacted is never changed (a redacted line still
 *     reads as one).
 *   - one secret registered and the text exactly that secret: the result is
 *     exactly "[redacted]".
 *   - more secrets than the table holds: the text is withheld (the result
 *     is the same whatever the text).
 */
#include <ctype.h>
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

/* The model: the length of the printable character at s, or 0. */
static size_t
printable(const unsigned char *s, size_t left)
{
	unsigned long cp;
	size_t n, i;

	if (s[0] >= 0x20 && s[0] <= 0x7e && s[0] != '\\')
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000))
		return 0;	/* overlong */
	if (cp <= 0x9f || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if ((cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	    (cp >= 0x200b && cp <= 0x200f) || cp == 0x61c || cp == 0xfeff)
		return 0;
	return n;
}

/* s with each byte that is not part of a printable character as \xNN (malloc'd). */
static char *
escaped(const char *s)
{
	size_t i = 0, j = 0, n = strlen(s), k;
	char *d = malloc(n * 4 + 1);

	CHECK(d != NULL);
	while (i < n) {
		if ((k = printable((const unsigned char *)s + i, n - i)) > 0) {
			memcpy(d + j, s + i, k);
			i += k;
			j += k;
		} else {
			sprintf(d + j, "\\x%02x", (unsigned char)s[i++]);
			j += 4;
		}
	}
	d[j] = '\0';
	return d;
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
	char *text, *out, *small, *plain;
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
		CHECK(len <= olen && memcmp(small, out, len) == 0);
		CHECK(len == olen || len + 4 >= cap - 1);
		free(small);
	}
	small = malloc(1);
	CHECK(small != NULL);
	small[0] = 'x';
	CHECK(msg_redact(small, 0, text) == 0 && small[0] == 'x');
	free(small);

	/*
	 * Escapes are not the text's: blanked out (NUL bytes) so that
	 * "x1b" of "\x1b" never counts as bytes of a secret; secrets
	 * with a backslash (never a token's) are left out.
	 */
	plain = malloc(olen + 1);
	CHECK(plain != NULL);
	memcpy(plain, out, olen + 1);
	for (i = 0; i + 4 <= olen; i++) {
		unsigned v;

		if (plain[i] == '\\' && plain[i + 1] == 'x' &&
		    sscanf(plain + i + 2, "%2x", &v) == 1 && isxdigit((unsigned char)plain[i + 3]))
			memset(plain + i, 0, 4);
	}
	/* no JWT-shaped run */
	for (i = 0; i + 3 <= olen; i++) {
		if (memcmp(plain + i, "eyJ", 3) != 0)
			continue;
		for (k = i + 3; k < olen && (b64url((unsigned char)plain[k]) || plain[k] == '.'); k++)
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
			if (slen[k] == 0 || !markerfree(secret[k], slen[k]) ||
			    memchr(secret[k], '\\', slen[k]) != NULL)
				continue;
			if (find(plain, olen, secret[k], slen[k]) != NULL) {
				for (i = 0; i < slen[k]; i++)
					fprintf(stderr, "%02x", secret[k][i]);
				report(" (secret) is left", text, out);
			}
			for (i = 0; slen[k] >= RUN_MIN && i + RUN_MIN <= olen; i++)
				if (find((const char *)secret[k], slen[k], plain + i, RUN_MIN) != NULL)
					report("a run of RUN_MIN bytes of a secret is left", text, out);
			/* a start of it, 8 bytes or more, at the end of the line */
			for (len = 8; len < slen[k] && len <= olen; len++)
				if (memcmp(plain + olen - len, secret[k], len) == 0)
					report("the start of a secret ends the line", text, out);
		}
		if (mode == 1 && nreg == 1 && slen[0] > 0 &&
		    memchr(secret[0], 0, slen[0]) == NULL && strcmp(out, "[redacted]") != 0)
			report("a line that is only the secret (jwt-prefix-secret)", text, out);
	}

	/* printable, and without markers exactly the text escaped */
	{
		char *t = escaped(text);

		for (i = 0; i < olen; i += k)	/* escapes, and printable characters */
			if ((k = out[i] == '\\' ? 4 * (out[i + 1] == 'x' &&
			    isxdigit((unsigned char)out[i + 2]) &&
			    isxdigit((unsigned char)out[i + 3])) :
			    printable((const unsigned char *)out + i, olen - i)) == 0) {
				report("something not printable is left", text, out);
				break;
			}
		if (nreg <= 8 && strstr(out, "[redacted]") == NULL && strcmp(out, t) != 0)
			report("not the text, escaped", text, out);
		free(t);
	}

	/* the pieces between markers and escapes appear in the text, in order */
	if (nreg <= 8) {
		const char *t = text, *at;
		size_t o = 0, e;

		while (o < olen) {
			if (plain[o] == '\0') {
				o++;
				continue;
			}
			if (olen - o >= 10 && memcmp(plain + o, "[redacted]", 10) == 0) {
				o += 10;
				continue;
			}
			for (e = o; e < olen && plain[e] != '\0' && !(olen - e >= 10 &&
			    memcmp(plain + e, "[redacted]", 10) == 0); e++)
				;
			if ((at = find(t, strlen(t), plain + o, e - o)) == NULL)
				report("text outside the markers was changed", text, out);
			t = at + (e - o);
			o = e;
		}
	}

	msg_forget();
	free(plain);
	free(out);
	free(text);
	return 0;
}
