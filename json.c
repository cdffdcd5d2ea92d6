/* see json.h */
#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include <string.h>

#include "json.h"

static int
ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t
skipws(const struct json *j, size_t p)
{
	while (p < j->len && ws(j->js[p]))
		p++;
	return p;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static long
hex4(const char *s)
{
	long v = 0;
	int i, h;

	for (i = 0; i < 4; i++) {
		if ((h = hexval(s[i])) < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 when invalid. */
static size_t
utf8len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		if (s[0] == 0xed)
			hi = 0x9f;	/* no UTF-16 surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (len > n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

static size_t
pututf8(unsigned char *d, unsigned long cp)
{
	if (cp < 0x80) {
		d[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (unsigned char)(0xc0 | cp >> 6);
		d[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (unsigned char)(0xe0 | cp >> 12);
		d[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		d[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (unsigned char)(0xf0 | cp >> 18);
	d[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	d[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	d[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Bytes p[0..k) at dst + len, as many as fit in cap: a truncated string keeps its first bytes. */
static void
put(char *dst, size_t cap, size_t len, const unsigned char *p, size_t k)
{
	size_t j;

	for (j = 0; dst != NULL && j < k && len + j < cap; j++)
		dst[len + j] = (char)p[j];
}

/*
 * Unescape the string body s[0..n) into dst (when dst is not NULL, at most
 * cap bytes, no NUL added). Returns the unescaped length, -1 when invalid.
 * The length is computed in full even when it exceeds cap.
 */
static long
unescape(const char *s, size_t n, char *dst, size_t cap)
{
	size_t i = 0, len = 0, k;
	unsigned char tmp[4];

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		unsigned long cp;

		if (c < 0x20)
			return -1;	/* raw control character */
		if (c != '\\') {
			if ((k = utf8len((const unsigned char *)s + i, n - i)) == 0)
				return -1;
			put(dst, cap, len, (const unsigned char *)s + i, k);
			len += k;
			i += k;
			continue;
		}
		if (++i >= n)
			return -1;
		switch (s[i++]) {
		case '"': cp = '"'; break;
		case '\\': cp = '\\'; break;
		case '/': cp = '/'; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u': {
			long u, lo;

			if (n - i < 4 || (u = hex4(s + i)) < 0)
				return -1;
			i += 4;
			if (u >= 0xdc00 && u <= 0xdfff)
				return -1;	/* lone low surrogate */
			if (u >= 0xd800 && u <= 0xdbff) {
				if (n - i < 6 || s[i] != '\\' || s[i + 1] != 'u' ||
				    (lo = hex4(s + i + 2)) < 0xdc00 || lo > 0xdfff)
					return -1;	/* high surrogate without its pair */
				i += 6;
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (u == 0)
				return -1;	/* NUL has no place in our strings */
			cp = (unsigned long)u;
			break;
		}
		default:
			return -1;
		}
		k = pututf8(tmp, cp);
		put(dst, cap, len, tmp, k);
		len += k;
	}
	return (long)len;
}

/* A JSON literal or number, exactly. */
static int
primitive(const char *s, size_t n)
{
	size_t i = 0, d;

	if ((n == 4 && memcmp(s, "true", 4) == 0) ||
	    (n == 5 && memcmp(s, "false", 5) == 0) ||
	    (n == 4 && memcmp(s, "null", 4) == 0))
		return 0;
	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else {
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return -1;
	}
	if (i < n && s[i] == '.') {
		for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return -1;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return -1;
	}
	return i == n ? 0 : -1;
}

/* Raw extent of token t in the text: strings include their quotes. */
static size_t
rawstart(const jsmntok_t *t)
{
	return (size_t)t->start - (t->type == JSMN_STRING);
}

static size_t
rawend(const jsmntok_t *t)
{
	return (size_t)t->end + (t->type == JSMN_STRING);
}

/*
 * Check the value at token i, which must begin at the first non-blank byte
 * from *pos. On success *pos is just past it and the next token index is
 * returned; -1 on error with *why set.
 */
static int
walk(const struct json *j, int i, size_t *pos, int depth, const char **why)
{
	const jsmntok_t *t;
	size_t p;
	int k, m, member, last;

	if (i >= j->ntok) {
		*why = "missing value";
		return -1;
	}
	t = &j->tok[i];
	p = skipws(j, *pos);
	if (t->start < 0 || t->end < t->start || (size_t)t->end > j->len ||
	    p != rawstart(t)) {
		*why = "unexpected character";
		return -1;
	}
	switch (t->type) {
	case JSMN_STRING:
		if (t->size != 0) {
			*why = "string followed by ':' where a value ends";
			return -1;
		}
		if (unescape(j->js + t->start, (size_t)(t->end - t->start), NULL, 0) < 0) {
			*why = "invalid string (escape, control character or UTF-8)";
			return -1;
		}
		*pos = rawend(t);
		return i + 1;
	case JSMN_PRIMITIVE:
		if (primitive(j->js + t->start, (size_t)(t->end - t->start)) < 0) {
			*why = "invalid literal or number";
			return -1;
		}
		*pos = rawend(t);
		return i + 1;
	case JSMN_OBJECT:
	case JSMN_ARRAY:
		break;
	default:
		*why = "unexpected token";
		return -1;
	}
	if (depth >= JSON_DEPTH) {
		*why = "nested too deeply";
		return -1;
	}
	member = t->type == JSMN_OBJECT;
	p++;	/* '{' or '[' */
	k = i + 1;
	for (m = 0; m < t->size; m++) {
		p = skipws(j, p);
		if (m > 0) {
			if (p >= j->len || j->js[p] != ',') {
				*why = "missing ',' between members";
				return -1;
			}
			p = skipws(j, p + 1);
		}
		if (member) {
			const jsmntok_t *key = k < j->ntok ? &j->tok[k] : NULL;

			if (key == NULL || key->type != JSMN_STRING || key->size != 1 ||
			    p != rawstart(key)) {
				*why = key != NULL && key->type == JSMN_STRING ?
				    "object key without a value" : "object key is not a string";
				return -1;
			}
			if (unescape(j->js + key->start,
			    (size_t)(key->end - key->start), NULL, 0) < 0) {
				*why = "invalid string (escape, control character or UTF-8)";
				return -1;
			}
			p = skipws(j, rawend(key));
			if (p >= j->len || j->js[p] != ':') {
				*why = "missing ':' after key";
				return -1;
			}
			p++;
			k++;
		}
		if ((k = walk(j, k, &p, depth + 1, why)) < 0)
			return -1;
	}
	p = skipws(j, p);
	last = member ? '}' : ']';
	if (p >= j->len || j->js[p] != last || p + 1 != (size_t)t->end) {
		*why = p < j->len && j->js[p] == ',' ? "trailing comma" :
		    "unexpected character before the closing bracket";
		return -1;
	}
	*pos = p + 1;
	return k;
}

int
json_parse(struct json *j, const char *js, size_t len, const char **why)
{
	jsmn_parser ps;
	size_t p;
	int r;

	j->js = js;
	j->len = len;
	j->ntok = 0;
	jsmn_init(&ps);
	r = jsmn_parse(&ps, js, len, j->tok, (unsigned)j->cap);
	if (r == JSMN_ERROR_NOMEM) {
		*why = "too many tokens";
		return -1;
	}
	if (r == JSMN_ERROR_PART) {
		*why = "truncated";
		return -1;
	}
	if (r < 0) {
		*why = "invalid character";
		return -1;
	}
	if (r == 0) {
		*why = "empty";
		return -1;
	}
	j->ntok = r;
	if (j->tok[0].type != JSMN_OBJECT) {
		*why = "not an object";
		return -1;
	}
	p = 0;
	if ((r = walk(j, 0, &p, 0, why)) < 0)
		return -1;
	if (r != j->ntok) {
		*why = "data after the object";
		return -1;
	}
	if (skipws(j, p) != len) {
		*why = "data after the object";
		return -1;
	}
	return 0;
}

int
json_next(const struct json *j, int t)
{
	int end = j->tok[t].end, i = t + 1;

	while (i < j->ntok && j->tok[i].start < end)
		i++;
	return i;
}

int
json_get(const struct json *j, int obj, const char *key)
{
	char name[JSON_KEY_MAX];
	size_t klen = strlen(key);
	int i, m, found = JSON_ABSENT;
	long n;

	if (obj < 0 || obj >= j->ntok || j->tok[obj].type != JSMN_OBJECT)
		return JSON_ABSENT;
	i = obj + 1;
	for (m = 0; m < j->tok[obj].size; m++) {
		n = json_string(j, i, name, sizeof name);
		if (n == (long)klen && memcmp(name, key, klen) == 0) {
			if (found != JSON_ABSENT)
				return JSON_DUPLICATE;
			found = i + 1;
		}
		i = json_next(j, i + 1);
	}
	return found;
}

long
json_string(const struct json *j, int t, char *dst, size_t cap)
{
	const jsmntok_t *tk;
	long n;

	if (t < 0 || t >= j->ntok || j->tok[t].type != JSMN_STRING)
		return JSON_NOTSTR;
	tk = &j->tok[t];
	n = unescape(j->js + tk->start, (size_t)(tk->end - tk->start), dst, cap);
	if (n < 0)
		return JSON_NOTSTR;	/* cannot happen after json_parse() */
	if (cap == 0 || (size_t)n >= cap) {
		if (cap > 0)
			dst[cap - 1] = '\0';
		return JSON_TOOLONG;
	}
	dst[n] = '\0';
	return n;
}

int
json_int(const struct json *j, int t, long long *v)
{
	const jsmntok_t *tk;
	const char *s;
	size_t i, n;
	unsigned long long u = 0;
	int neg;

	if (t < 0 || t >= j->ntok || j->tok[t].type != JSMN_PRIMITIVE)
		return -1;
	tk = &j->tok[t];
	s = j->js + tk->start;
	n = (size_t)(tk->end - tk->start);
	neg = n > 0 && s[0] == '-';
	i = neg;
	if (i == n)
		return -1;
	for (; i < n; i++) {
		/* LLONG_MAX, or one more for a negative number */
		unsigned long long max = 9223372036854775807ULL + (unsigned)neg;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (u > (max - (unsigned)(s[i] - '0')) / 10)
			return -1;
		u = u * 10 + (unsigned)(s[i] - '0');
	}
	*v = neg ? (long long)(0ULL - u) : (long long)u;
	return 0;
}

size_t
json_escape(char *dst, size_t cap, const char *s, size_t n)
{
	size_t i, len = 0;

#define PUT(c) do { if (len + 1 < cap) dst[len] = (c); len++; } while (0)
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			PUT('\\');
			PUT((char)c);
		} else if (c < 0x20 || c == 0x7f) {
			PUT('\\');
			PUT('u');
			PUT('0');
			PUT('0');
			PUT("0123456789abcdef"[c >> 4]);
			PUT("0123456789abcdef"[c & 15]);
		} else
			PUT((char)c);
	}
	if (cap > 0)
		dst[len < cap ? len : cap - 1] = '\0';
#undef PUT
	return len;
}
