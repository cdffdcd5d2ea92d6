/*
 * alloc.c: malloc, calloc, realloc and free for the static binary.
 *
 * crtoken allocates in two places only: getaddrinfo()'s result (freed
 * before the next one) and the trust anchors of --cacert (kept for the
 * life of the process). musl's general-purpose allocator costs 9 KB of a
 * binary that has to stay small, so these four functions replace it: a
 * bump allocator over a static arena (untouched pages cost no memory),
 * where freeing or growing the newest block works in place and freeing
 * any other block does nothing. The pattern above never leaks: each
 * getaddrinfo() result is the newest block when it is freed.
 *
 * Not linked into sanitizer builds, which want the C library's allocator.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ARENA (16u << 20)	/* --cacert: at most 4 MiB of PEM, 4096 certificates */
#define ALIGN 16

struct head {
	size_t size;		/* bytes usable after the header */
	size_t pad;		/* keeps the block 16-byte aligned */
};

static _Alignas(ALIGN) unsigned char arena[ARENA];
static size_t top;		/* first free byte */
static struct head *last;	/* the newest block, or NULL */

/* alloc_used(): bytes of the arena in use (for test/unit.c). */
size_t alloc_used(void);

size_t
alloc_used(void)
{
	return top;
}

static size_t
round_up(size_t n)
{
	return (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

void *
malloc(size_t n)
{
	struct head *h;
	size_t need;

	if (n > ARENA - sizeof *h || (need = sizeof *h + round_up(n)) > ARENA - top) {
		errno = ENOMEM;
		return NULL;
	}
	h = (struct head *)(arena + top);
	h->size = round_up(n);
	top += need;
	last = h;
	return h + 1;
}

void
free(void *p)
{
	struct head *h = p;

	if (p == NULL)
		return;
	h--;
	if (h == last) {
		top = (size_t)((unsigned char *)h - arena);
		last = NULL;	/* the one before is not known: it stays */
	}
}

void *
calloc(size_t m, size_t n)
{
	void *p;

	if (n != 0 && m > SIZE_MAX / n) {
		errno = ENOMEM;
		return NULL;
	}
	if ((p = malloc(m * n)) != NULL)
		memset(p, 0, m * n);	/* rewound memory may be dirty */
	return p;
}

void *
realloc(void *p, size_t n)
{
	struct head *h = p;
	void *np;

	if (p == NULL)
		return malloc(n);
	h--;
	if (h == last) {	/* the newest block grows or shrinks where it is */
		size_t base = (size_t)((unsigned char *)(h + 1) - arena);

		if (n > ARENA - base || round_up(n) > ARENA - base) {
			errno = ENOMEM;
			return NULL;
		}
		h->size = round_up(n);
		top = base + h->size;
		return p;
	}
	if ((np = malloc(n)) != NULL)
		memcpy(np, p, h->size < n ? h->size : n);
	return np;
}
