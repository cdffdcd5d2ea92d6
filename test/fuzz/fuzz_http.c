/*
 * fuzz_http: the incremental response parser of http.h (http_init,
 * http_feed, http_eof, http_head_done) against what http.h promises.
 *
 * Input: byte 0 chooses how the rest, the bytes a server sends, is cut
 * into pieces for http_feed (see cut()); then http_eof (with close_notify,
 * and once more in one piece without it: the same end, but a body
 * delimited by the close is then HTTP_BAD). In the rest,
 * "\xff\xfe" K C stands for K * 256 bytes C (see expand()), so that the
 * line, head and body caps are in reach of small inputs. The same bytes are
 * also fed in one piece and one byte at a time: all three must end the
 * same way (result, status, framing, headers kept, body, reason).
 *
 * Checked after every http_feed: the result is one of the three values;
 * the body fits its cap and is NUL-terminated; Content-Type and
 * Retry-After are NUL-terminated in their arrays; HTTP_BAD has a reason
 * and stays HTTP_BAD (http_feed and http_eof); HTTP_DONE stays HTTP_DONE
 * and later bytes change nothing; once the head is complete it stays so;
 * a complete response has a final status (200 to 599), exactly Content-Length
 * bytes of body when that frames it, none for 204 and 304.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "fuzz.h"

struct outcome {
	int fed;		/* the last http_feed() result */
	int eof;		/* http_eof() */
	size_t headlen;
};

#define EXPAND_MAX 300000

static struct http_resp one, bytes, cut_r, bare;

static uint64_t
hash(const char *p, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	while (n-- > 0)
		h = (h ^ (unsigned char)*p++) * 1099511628211ULL;
	return h;
}

/*
 * Size of the next piece, at most left. mode (byte 0 & 3) and param
 * (byte 0 >> 2, 0..63): 0 every piece param + 1 bytes; 1 every piece
 * (param + 1) * 61 bytes; 2 pseudo-random sizes 0..param * 8 + 8 (empty
 * pieces included); 3 two pieces, cut at param / 64 of the input.
 */
static size_t
cut(int mode, unsigned param, uint32_t *rng, size_t total, size_t off,
    int pieces)
{
	size_t left = total - off, k;

	switch (mode) {
	case 0:
		k = param + 1;
		break;
	case 1:
		k = (param + 1) * 61;
		break;
	case 2:
		*rng ^= *rng << 13;
		*rng ^= *rng >> 17;
		*rng ^= *rng << 5;
		k = *rng % (param * 8 + 9);
		break;
	default:
		k = pieces == 0 ? total * param / 64 : left;
		break;
	}
	return k < left ? k : left;
}

/* What holds whatever the state. */
static void
invariants(const struct http_resp *r, int ret)
{
	CHECK(ret == HTTP_BAD || ret == HTTP_MORE || ret == HTTP_DONE);
	CHECK(r->blen <= HTTP_BODY_MAX);
	CHECK(r->body[r->blen] == '\0');
	CHECK(memchr(r->ctype, '\0', sizeof r->ctype) != NULL);
	CHECK(memchr(r->retry_after, '\0', sizeof r->retry_after) != NULL);
	CHECK(r->llen <= HTTP_LINE_MAX + 1);
	if (ret == HTTP_BAD) {
		CHECK(r->why != NULL && r->why[0] != '\0');
		CHECK(!http_head_done(r));
		return;
	}
	CHECK(r->headlen <= HTTP_HEAD_MAX);
	if (http_head_done(r))
		CHECK(r->status >= 200 && r->status <= 599);
	if (ret == HTTP_DONE) {
		CHECK(http_head_done(r));
		if (r->status == 204 || r->status == 304)
			CHECK(r->blen == 0);
		else if (!r->chunked && r->clen >= 0)
			CHECK(r->blen == (size_t)r->clen);
	}
}

static void
run(struct http_resp *r, const char *p, size_t n, int mode, unsigned param,
    int notify, struct outcome *o)
{
	uint32_t rng = param * 2654435761u + 1;
	size_t off = 0, k, doneblen = 0;
	uint64_t donehash = 0;
	int st = HTTP_MORE, ret, head = 0, pieces = 0;

	http_init(r);
	invariants(r, HTTP_MORE);
	CHECK(!http_head_done(r) && r->clen == -1 && r->blen == 0);
	while (off < n || pieces == 0) {
		k = cut(mode, param, &rng, n, off, pieces);
		ret = http_feed(r, p + off, k);
		off += k;
		pieces++;
		invariants(r, ret);
		if (st == HTTP_BAD)
			CHECK(ret == HTTP_BAD);
		if (st == HTTP_DONE) {	/* later bytes are ignored (the body's hash: at the end) */
			CHECK(ret == HTTP_DONE);
			CHECK(r->blen == doneblen);
		}
		if (ret == HTTP_DONE && st != HTTP_DONE) {
			doneblen = r->blen;
			donehash = hash(r->body, r->blen);
		}
		if (head && ret != HTTP_BAD)
			CHECK(http_head_done(r));
		head = http_head_done(r);
		if (k == 0 && st != HTTP_MORE)
			CHECK(ret == st);
		st = ret;
	}
	o->fed = st;
	o->eof = http_eof(r, notify);
	invariants(r, o->eof);
	CHECK(o->eof == HTTP_DONE || o->eof == HTTP_BAD);
	if (st != HTTP_MORE)
		CHECK(o->eof == st);
	if (st == HTTP_DONE)
		CHECK(r->blen == doneblen && hash(r->body, r->blen) == donehash);
	if (o->eof == HTTP_DONE && st == HTTP_MORE)	/* delimited by the close */
		CHECK(!r->chunked && r->clen < 0 && notify);
	/* after the end: feeding and closing again change nothing */
	CHECK(http_feed(r, "HTTP/1.1 200 OK\r\n\r\n", 19) == o->eof);
	CHECK(http_feed(r, "", 0) == o->eof);
	CHECK(http_eof(r, 1) == o->eof && http_eof(r, 0) == o->eof);
	invariants(r, o->eof);
	o->headlen = r->headlen;
}

static void
same(const struct http_resp *a, const struct outcome *oa,
    const struct http_resp *b, const struct outcome *ob)
{
	CHECK(oa->eof == ob->eof);
	CHECK(oa->fed == ob->fed);
	CHECK(oa->headlen == ob->headlen);
	if (oa->eof == HTTP_BAD) {
		CHECK(strcmp(a->why, b->why) == 0);
		return;
	}
	CHECK(a->status == b->status);
	CHECK(a->chunked == b->chunked);
	CHECK(a->clen == b->clen);
	CHECK(strcmp(a->ctype, b->ctype) == 0);
	CHECK(strcmp(a->retry_after, b->retry_after) == 0);
	CHECK(a->blen == b->blen);
	CHECK(memcmp(a->body, b->body, a->blen) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome oc, o1, ob;
	char *p;
	size_t n;

	if (size < 1)
		return 0;
	/* in a buffer of its own size: reading past it is caught */
	n = expand(NULL, EXPAND_MAX, data + 1, size - 1);
	p = malloc(n ? n : 1);
	if (p == NULL)
		return 0;
	expand(p, n, data + 1, size - 1);
	run(&cut_r, p, n, data[0] & 3, data[0] >> 2, 1, &oc);
	run(&one, p, n, 3, 0, 1, &o1);		/* cut at 0: one piece after an empty one */
	run(&bytes, p, n, 0, 0, 1, &ob);	/* one byte at a time */
	same(&cut_r, &oc, &one, &o1);
	same(&bytes, &ob, &one, &o1);
	run(&bare, p, n, 3, 0, 0, &oc);		/* closed without close_notify */
	if (o1.fed == HTTP_MORE && o1.eof == HTTP_DONE)
		CHECK(oc.eof == HTTP_BAD && strstr(bare.why, "close_notify") != NULL);
	else
		same(&bare, &oc, &one, &o1);
	free(p);
	return 0;
}
