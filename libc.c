/*
 * libc.c: smaller stand-ins for functions that musl's resolver
 * (getaddrinfo) called, before dns.c replaced it. Defined here, they keep
 * musl's larger ones out of the static link: strstr, a two-way search,
 * finds words in short lines (resolv.conf's, /etc/hosts', ours); strtoul
 * (with __intscan) reads inet_aton()'s parts (base 0: 0x hex, 0 octal).
 * qsort, mbstowcs and strtoull have no caller left and stay out of the
 * link (--gc-sections). Each keeps the C standard's contract. With
 * LIBC_PREFIXED they are crt_qsort... instead, built beside another
 * libc's for differential tests (test/unit.c).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#ifdef LIBC_PREFIXED
#define LIBC_NAME(f) crt_##f
#else
#define LIBC_NAME(f) f
#endif

/* The plain search: quadratic only on what is never long. */
char *
LIBC_NAME(strstr)(const char *h, const char *n)
{
	size_t i;

	for (; ; h++) {
		for (i = 0; n[i] != '\0' && h[i] == n[i]; i++)
			;
		if (n[i] == '\0')
			return (char *)h;
		if (*h == '\0')
			return NULL;
	}
}

/* Insertion sort: stable, no recursion, quadratic only on what is never long. */
void
LIBC_NAME(qsort)(void *base, size_t n, size_t size,
    int (*cmp)(const void *, const void *))
{
	unsigned char *a = base, *p, t;
	size_t i, j, k;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && cmp(a + (j - 1) * size, a + j * size) > 0; j--)
			for (k = 0, p = a + (j - 1) * size; k < size; k++) {
				t = p[k];
				p[k] = p[k + size];
				p[k + size] = t;
			}
}

/* The C locale of musl: byte b is the character b, or 0xdf00 + b over 0x7f. */
size_t
LIBC_NAME(mbstowcs)(wchar_t *restrict ws, const char *restrict s, size_t n)
{
	size_t i;

	for (i = 0; s[i] != '\0' && (ws == NULL || i < n); i++)
		if (ws != NULL)
			ws[i] = 0xdfff & (signed char)s[i];
	if (ws != NULL && i < n)
		ws[i] = 0;
	return i;
}

static int
digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 32;
	return c >= 'a' && c <= 'z' ? c - 'a' + 10 : 99;
}

static unsigned long long
scan(const char *s, char **end, int base, unsigned long long max)
{
	const char *p = s, *start;
	unsigned long long v = 0;
	int neg = 0, over = 0, d;

	if (end != NULL)
		*end = (char *)s;
	if (base < 0 || base == 1 || base > 36) {
		errno = EINVAL;
		return 0;
	}
	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] | 32) == 'x' &&
	    digit((unsigned char)p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0)
		base = *p == '0' ? 8 : 10;
	for (start = p; (d = digit((unsigned char)*p)) < base; p++) {
		if (v > (max - (unsigned)d) / (unsigned)base)
			over = 1;
		else
			v = v * (unsigned)base + (unsigned)d;
	}
	if (p == start)
		return 0;
	if (end != NULL)
		*end = (char *)p;
	if (over) {
		errno = ERANGE;
		return max;
	}
	return neg ? -v : v;
}

unsigned long
LIBC_NAME(strtoul)(const char *restrict s, char **restrict end, int base)
{
	return (unsigned long)scan(s, end, base, ULONG_MAX);
}

unsigned long long
LIBC_NAME(strtoull)(const char *restrict s, char **restrict end, int base)
{
	return scan(s, end, base, ULLONG_MAX);
}
