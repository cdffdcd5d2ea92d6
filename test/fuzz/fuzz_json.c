/*
 * fuzz_json: json.h (json_parse, json_get, json_next, json_string,
 * json_int, json_escape) on the input as a JSON text.
 *
 * json_parse() fails with a reason, or succeeds and then every token is
 * visited:
 *   - json_next(): moves forward; walking an array's elements or an
 *     object's key/value pairs ends exactly at json_next() of the container;
 *     object keys are strings.
 *   - json_string(): JSON_NOTSTR for non-strings; for strings the length
 *     (no longer than the escaped text), a NUL after it, no NUL inside,
 *     valid UTF-8; JSON_TOOLONG with the first cap - 1 bytes for every
 *     smaller cap (0 included, which writes nothing).
 *   - json_get(): for each key shorter than JSON_KEY_MAX, its value token,
 *     or JSON_DUPLICATE exactly when the (unescaped) key repeats.
 *   - json_int(): agrees with strtoll() on numbers without fraction or
 *     exponent; -1 for everything else.
 *   - json_escape(): the length needed whatever the cap, a NUL-terminated
 *     prefix when cut, no control character, and {"k":"<escaped>"} parses
 *     back to the same string.
 * json_escape() also gets the raw input (any bytes, NUL included).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "fuzz.h"

static jsmntok_t jt[JSON_TOKENS], bt[JSON_TOKENS];
static struct json j = JSON_INIT(jt), back = JSON_INIT(bt);

/* Whether s[0..n) is valid UTF-8 (no surrogates, nothing over U+10FFFF, shortest form). */
static int
utf8ok(const unsigned char *s, size_t n)
{
	size_t i = 0, len, k;
	unsigned long cp;

	while (i < n) {
		unsigned char c = s[i];

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4, cp = c & 0x07;
		else
			return 0;
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

/* json_escape() of s[0..n): the checks above; the caller frees the result. */
static char *
escape(const char *s, size_t n, size_t *elen)
{
	size_t need, got, cap, i;
	char *e, *cutbuf, none[1] = { 'x' };

	need = json_escape(none, 0, s, n);
	CHECK(none[0] == 'x');
	CHECK(need >= n);
	e = malloc(need + 1);
	CHECK(e != NULL);
	got = json_escape(e, need + 1, s, n);
	CHECK(got == need);
	CHECK(strlen(e) == need);
	for (i = 0; i < need; i++)
		CHECK((unsigned char)e[i] >= 0x20 && e[i] != 0x7f);
	for (i = 0; i < need; i++) {	/* every quote escaped */
		if (e[i] == '\\')
			i++;
		else
			CHECK(e[i] != '"');
	}
	/* a smaller cap: the same length, a NUL-terminated prefix */
	for (cap = 1; cap <= need; cap += cap < 8 ? 1 : need / 3 + 1) {
		cutbuf = malloc(cap);
		CHECK(cutbuf != NULL);
		CHECK(json_escape(cutbuf, cap, s, n) == need);
		CHECK(strlen(cutbuf) == cap - 1 && memcmp(cutbuf, e, cap - 1) == 0);
		free(cutbuf);
	}
	*elen = need;
	return e;
}

/* The string token t: json_string()'s promises; returns it (caller frees) with *len. */
static char *
string(int t, long *len)
{
	const jsmntok_t *tk = &j.tok[t];
	size_t raw = (size_t)(tk->end - tk->start), cap;
	char *s, *small;
	long n;

	s = malloc(raw + 1);
	CHECK(s != NULL);
	n = json_string(&j, t, s, raw + 1);
	CHECK(n >= 0 && (size_t)n <= raw);
	CHECK(s[n] == '\0' && strlen(s) == (size_t)n);
	CHECK(utf8ok((const unsigned char *)s, (size_t)n));
	/* exactly enough room */
	small = malloc((size_t)n + 1);
	CHECK(small != NULL);
	CHECK(json_string(&j, t, small, (size_t)n + 1) == n);
	CHECK(memcmp(small, s, (size_t)n + 1) == 0);
	free(small);
	/* too little: the first cap - 1 bytes */
	for (cap = 1; cap <= (size_t)n; cap += cap < 8 ? 1 : (size_t)n / 3 + 1) {
		small = malloc(cap);
		CHECK(small != NULL);
		CHECK(json_string(&j, t, small, cap) == JSON_TOOLONG);
		CHECK(small[cap - 1] == '\0');
		/* json.h: "dst then holds its first cap - 1 bytes" */
		CHECK(memcmp(small, s, cap - 1) == 0);
		free(small);
	}
	small = malloc(1);
	CHECK(small != NULL);
	small[0] = 'x';
	CHECK(json_string(&j, t, small, 0) == JSON_TOOLONG && small[0] == 'x');
	free(small);
	*len = n;
	return s;
}

/* json_int() against strtoll() */
static void
integer(int t)
{
	const jsmntok_t *tk = &j.tok[t];
	size_t n = (size_t)(tk->end - tk->start), i;
	char txt[64];
	long long v = 12345, w;
	int plain = n > 0, r;
	char *end;

	r = json_int(&j, t, &v);
	CHECK(r == 0 || r == -1);
	for (i = 0; i < n; i++) {
		char c = j.js[tk->start + i];

		if (!((c >= '0' && c <= '9') || (i == 0 && c == '-')))
			plain = 0;
	}
	if (tk->type != JSMN_PRIMITIVE || !plain) {
		CHECK(r == -1);
		return;
	}
	if (n >= sizeof txt) {	/* too many digits for any long long */
		CHECK(r == -1);
		return;
	}
	memcpy(txt, j.js + tk->start, n);
	txt[n] = '\0';
	errno = 0;
	w = strtoll(txt, &end, 10);
	CHECK(*end == '\0');
	if (errno == ERANGE)
		CHECK(r == -1);
	else
		CHECK(r == 0 && v == w);
}

static void
escape_roundtrip(const char *s, size_t n)
{
	static const char pre[] = "{\"k\":\"", post[] = "\"}";
	size_t elen;
	char *e = escape(s, n, &elen), *doc, *again;
	const char *why = NULL;
	long len;

	doc = malloc(sizeof pre - 1 + elen + sizeof post - 1);
	CHECK(doc != NULL);
	memcpy(doc, pre, sizeof pre - 1);
	memcpy(doc + sizeof pre - 1, e, elen);
	memcpy(doc + sizeof pre - 1 + elen, post, sizeof post - 1);
	if (json_parse(&back, doc, sizeof pre - 1 + elen + sizeof post - 1, &why) != 0) {
		fprintf(stderr, "escaped string does not parse back: %s\n", why);
		CHECK(0);
	}
	CHECK(back.ntok == 3);
	again = malloc(n + 1);
	CHECK(again != NULL);
	len = json_string(&back, 2, again, n + 1);
	CHECK(len == (long)n && memcmp(again, s, n) == 0);
	free(again);
	free(doc);
	free(e);
}

/* The pairs of object o: keys, json_get(), the walk's end. */
static void
object(int o)
{
	int i, k, m, v, cnt, got, size = j.tok[o].size;
	char **keys = calloc((size_t)size + 1, sizeof *keys);
	long *klen = calloc((size_t)size + 1, sizeof *klen);

	CHECK(keys != NULL && klen != NULL);
	k = o + 1;
	for (m = 0; m < size; m++) {
		CHECK(k < j.ntok);
		CHECK(j.tok[k].type == JSMN_STRING && j.tok[k].size == 1);
		keys[m] = string(k, &klen[m]);
		v = json_next(&j, k);
		CHECK(v == k + 1 && v < j.ntok);
		k = json_next(&j, v);
	}
	CHECK(k == json_next(&j, o));
	/* json_get() finds each key, or says it repeats */
	k = o + 1;
	for (m = 0; m < size; m++) {
		if (klen[m] < JSON_KEY_MAX) {
			for (cnt = 0, i = 0; i < size; i++)
				cnt += klen[i] == klen[m] &&
				    memcmp(keys[i], keys[m], (size_t)klen[m]) == 0;
			got = json_get(&j, o, keys[m]);
			if (cnt > 1)
				CHECK(got == JSON_DUPLICATE);
			else
				CHECK(got == k + 1);
		}
		k = json_next(&j, k + 1);
	}
	for (m = 0; m < size; m++)
		free(keys[m]);
	free(keys);
	free(klen);
	/* a key too long to be found */
	{
		char longkey[JSON_KEY_MAX + 1];

		memset(longkey, 'a', JSON_KEY_MAX);
		longkey[JSON_KEY_MAX] = '\0';
		CHECK(json_get(&j, o, longkey) == JSON_ABSENT);
	}
}

static void
array(int a)
{
	int e = a + 1, m;

	for (m = 0; m < j.tok[a].size; m++) {
		CHECK(e < j.ntok);
		e = json_next(&j, e);
	}
	CHECK(e == json_next(&j, a));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *js = (const char *)data, *why = NULL;
	char *s, dummy[1];
	size_t elen;
	long n;
	int t, r, nx;
	long long v;

	/* json_escape() of anything */
	free(escape(js, size, &elen));

	r = json_parse(&j, js, size, &why);
	CHECK(r == 0 || r == -1);
	if (r < 0) {
		CHECK(why != NULL && why[0] != '\0');
		return 0;
	}
	CHECK(j.ntok >= 1 && j.ntok <= JSON_TOKENS);
	CHECK(j.tok[0].type == JSMN_OBJECT);
	CHECK(json_next(&j, 0) == j.ntok);
	/* out-of-range tokens */
	CHECK(json_string(&j, -1, dummy, sizeof dummy) == JSON_NOTSTR);
	CHECK(json_string(&j, j.ntok, dummy, sizeof dummy) == JSON_NOTSTR);
	CHECK(json_int(&j, -1, &v) == -1 && json_int(&j, j.ntok, &v) == -1);
	CHECK(json_get(&j, -1, "a") == JSON_ABSENT);
	CHECK(json_get(&j, j.ntok, "a") == JSON_ABSENT);
	for (t = 0; t < j.ntok; t++) {
		const jsmntok_t *tk = &j.tok[t];

		CHECK(tk->start >= 0 && tk->end >= tk->start && (size_t)tk->end <= size);
		nx = json_next(&j, t);
		CHECK(nx > t && nx <= j.ntok);
		if (nx < j.ntok)
			CHECK(j.tok[nx].start >= tk->end);
		integer(t);
		switch (tk->type) {
		case JSMN_STRING:
			s = string(t, &n);
			escape_roundtrip(s, (size_t)n);
			free(s);
			break;
		case JSMN_OBJECT:
			CHECK(json_string(&j, t, dummy, sizeof dummy) == JSON_NOTSTR);
			object(t);
			break;
		case JSMN_ARRAY:
			CHECK(json_string(&j, t, dummy, sizeof dummy) == JSON_NOTSTR);
			CHECK(json_get(&j, t, "a") == JSON_ABSENT);
			array(t);
			break;
		default:
			CHECK(tk->type == JSMN_PRIMITIVE);
			CHECK(json_string(&j, t, dummy, sizeof dummy) == JSON_NOTSTR);
			CHECK(json_get(&j, t, "a") == JSON_ABSENT);
			break;
		}
	}
	return 0;
}
