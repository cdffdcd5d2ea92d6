/*
 * fuzz.h: what the harnesses share. CHECK() aborts with the failed
 * condition (libFuzzer then saves the input); expand() lets a small input
 * reach the size caps; find() is memmem() that never matches an empty
 * needle; head_framing() checks a request head we wrote. Included by
 * test/fuzz/fuzz_*.c only.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", \
	__FILE__, __LINE__, #c); abort(); } } while (0)

/*
 * "\xff\xfe" K C in the input stands for K * 256 bytes C, so that the caps
 * can be reached from small inputs. Writes into dst (when not NULL);
 * returns the length, at most cap.
 */
static inline size_t
expand(char *dst, size_t cap, const uint8_t *s, size_t n)
{
	size_t i = 0, len = 0, k;

	while (i < n && len < cap) {
		if (n - i >= 4 && s[i] == 0xff && s[i + 1] == 0xfe) {
			k = (size_t)s[i + 2] * 256;
			if (k > cap - len)
				k = cap - len;
			if (dst != NULL)
				memset(dst + len, s[i + 3], k);
			len += k;
			i += 4;
			continue;
		}
		if (dst != NULL)
			dst[len] = (char)s[i];
		len++;
		i++;
	}
	return len;
}

/* the first nd[0..nn) in h[0..hn), or NULL (always for nn == 0) */
static inline const char *
find(const char *h, size_t hn, const void *nd, size_t nn)
{
	size_t i;

	for (i = 0; nn > 0 && i + nn <= hn; i++)
		if (memcmp(h + i, nd, nn) == 0)
			return h + i;
	return NULL;
}

/* head[0..n): every line ends in CRLF, no bare CR or LF, and the first
 * empty line is the end */
static inline void
head_framing(const char *head, size_t n)
{
	const char *p;
	size_t i;

	for (i = 0; i < n; i++) {
		if (head[i] == '\n')
			CHECK(i > 0 && head[i - 1] == '\r');
		if (head[i] == '\r')
			CHECK(i + 1 < n && head[i + 1] == '\n');
	}
	p = strstr(head, "\r\n\r\n");
	CHECK(p != NULL && (size_t)(p - head) == n - 4);
}

#endif
