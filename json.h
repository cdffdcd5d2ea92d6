/*
 * json.h: one JSON object, checked strictly, read by key.
 *
 * jsmn tokenizes; json.c then distrusts it. jsmn (even strict) accepts
 * {"a"}, {"a":1,}, {"a":"b":"c"}, bad literals such as "tru" or "1.2.3",
 * raw control characters and invalid UTF-8 in strings, and stops at a NUL.
 * json_parse() walks the tokens against the text and rejects all of these:
 * after it succeeds the input is exactly one RFC 8259 object (with optional
 * surrounding whitespace) whose strings are valid UTF-8 with valid escapes.
 *
 * Caps: the caller's tokens (JSON_TOKENS for IAM's answers), JSON_DEPTH
 * levels of nesting. Nothing is allocated; struct json borrows the text and
 * the token array, which must outlive it.
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>

#ifndef JSMN_H	/* json.c includes jsmn's code first; others see the types only */
#define JSMN_PARENT_LINKS
#define JSMN_HEADER
#include <jsmn.h>
#endif

#define JSON_TOKENS 256
#define JSON_DEPTH 32
#define JSON_KEY_MAX 256	/* json_get() finds keys shorter than this */

struct json {
	const char *js;
	size_t len;
	int ntok;
	int cap;		/* tokens at tok */
	jsmntok_t *tok;
};
#define JSON_INIT(t) { NULL, 0, 0, (int)(sizeof (t) / sizeof (t)[0]), (t) }

/*
 * json_parse(): tokenize and check js[0..len). Returns 0, or -1 with *why
 * pointing to a static description ("too many tokens", "trailing comma"...).
 * Token 0 is then the root object.
 */
int json_parse(struct json *j, const char *js, size_t len, const char **why);

/*
 * json_get(): the value token of key (shorter than JSON_KEY_MAX bytes) in
 * the object at token obj, compared after unescaping. Returns the token index, JSON_ABSENT, or JSON_DUPLICATE
 * when the key appears more than once (an ambiguous document).
 */
#define JSON_ABSENT (-1)
#define JSON_DUPLICATE (-2)
int json_get(const struct json *j, int obj, const char *key);

/*
 * json_next(): the token after t and everything inside it: for an element
 * of an array (or a value in an object) the next element (or key). Array
 * a's elements are a + 1, json_next(j, a + 1), ... (tok[a].size of them).
 */
int json_next(const struct json *j, int t);

/*
 * json_string(): unescape string token t into dst (cap bytes, NUL added).
 * Returns the length, JSON_NOTSTR when t is not a string, JSON_TOOLONG when
 * it does not fit in cap - 1 bytes (dst then holds its first cap - 1 bytes,
 * which may end inside a UTF-8 sequence).
 */
#define JSON_NOTSTR (-1)
#define JSON_TOOLONG (-2)
long json_string(const struct json *j, int t, char *dst, size_t cap);

/*
 * json_int(): the value of an integer token (a number without fraction or
 * exponent, within long long). Returns 0, or -1 when t is anything else.
 */
int json_int(const struct json *j, int t, long long *v);

/*
 * json_escape(): write s[0..n) as the body of a JSON string (no quotes) into
 * dst, escaping '"', '\\' and control characters. Returns the length needed.
 */
size_t json_escape(char *dst, size_t cap, const char *s, size_t n);

#endif
