/*
 * libc.c: smaller stand-ins for functions that musl's resolver
 * (getaddrinfo) called, before dns.c replaced it. Defined here, they keep
 * musl's larger ones out of the static link: strstr, a two-way search,
 * finds words in short lines (resolv.conf's, /etc/hosts', ours); strtoul
 * (with __intscan) reads inet_aton()'s parts (base 0: 0x hex, 0 octal).
 * strtoull has no caller in crtoken and stays out of its link
 * (--gc-sections); test/unit.c's comparison with musl's getaddrinfo()
 * needs it, where musl's strtol.lo would bring a second strtoul. Each
 * keeps the C standard's contract. With LIBC_PREFIXED they are
 * crt_strstr... instead, built beside another libc's for differential
 * tests (test/unit.c).
 */
#include <sys/syscall.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* The system call, not musl's vDSO lookup (1 KB): a fraction of a microsecond slower. */
int
LIBC_NAME(clock_gettime)(clockid_t clk, struct timespec *ts)
{
	return (int)syscall(SYS_clock_gettime, (long)clk, ts);
}

time_t
LIBC_NAME(time)(time_t *t)
{
	struct timespec ts;

	LIBC_NAME(clock_gettime)(CLOCK_REALTIME, &ts);
	if (t != NULL)
		*t = ts.tv_sec;
	return ts.tv_sec;
}
