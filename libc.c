/*
 * libc.c: smaller stand-ins for parts of musl. Defined here, they keep
 * musl's larger ones out of the static link, each enough for what crtoken
 * asks of it (short strings, one thread):
 *
 *   strstr, strtoul      once for musl's resolver, before dns.c replaced
 *                        it: a plain search; inet_aton()'s parts (base 0)
 *   strtoull             no caller in crtoken (--gc-sections drops it);
 *                        test/unit.c's musl getaddrinfo() needs it, where
 *                        musl's strtol.lo would bring a second strtoul
 *   clock_gettime, time  the system call, not musl's vDSO lookup (64-bit
 *                        machines; elsewhere musl's)
 *   nanosleep            the system call, not by clock_nanosleep() (64-bit)
 *   strchr, strspn,      byte loops, not musl's word-at-a-time __strchrnul
 *   strcspn, getenv      and bitmaps
 *   strncasecmp          without tolower()
 *   getentropy           getrandom(2), without thread cancellation
 *   fstat, stat, fchmod  the system calls, without the fallbacks for
 *                        O_PATH descriptors (fstat and stat on 64-bit
 *                        machines; elsewhere musl's)
 *   pipe2                the system call, without the fallback for Linux
 *                        before 2.6.27
 *
 * Each keeps the contract of the C standard or POSIX, and musl's choices
 * where those leave room. With LIBC_PREFIXED they are crt_strstr...
 * instead, built beside another libc's for differential tests
 * (test/unit.c).
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
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

#if LONG_MAX > INT_MAX	/* 64 bits: the kernel's timespec is musl's (no time64 call) */
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

/* The system call; musl's goes by clock_nanosleep(CLOCK_REALTIME), the same. */
int
LIBC_NAME(nanosleep)(const struct timespec *req, struct timespec *rem)
{
	return (int)syscall(SYS_nanosleep, req, rem);
}
#endif

/* A byte at a time: musl's word-at-a-time __strchrnul (238 bytes), for short strings. */
char *
LIBC_NAME(strchr)(const char *s, int c)
{
	for (; *s != (char)c; s++)
		if (*s == '\0')
			return NULL;
	return (char *)s;
}

/* musl's, without __strchrnul: NULL for "", a name with '=' or no environment. */
char *
LIBC_NAME(getenv)(const char *name)
{
	extern char **environ;
	size_t n = strlen(name);
	char **e;

	if (n == 0 || LIBC_NAME(strchr)(name, '=') != NULL || environ == NULL)
		return NULL;
	for (e = environ; *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

/* The plain loops: musl's bitmaps (420 bytes) pay off on long strings only. */
size_t
LIBC_NAME(strspn)(const char *s, const char *set)
{
	size_t n;

	for (n = 0; s[n] != '\0' && LIBC_NAME(strchr)(set, s[n]) != NULL; n++)
		;
	return n;
}

size_t
LIBC_NAME(strcspn)(const char *s, const char *set)
{
	size_t n;

	for (n = 0; s[n] != '\0' && LIBC_NAME(strchr)(set, s[n]) == NULL; n++)
		;
	return n;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* The C locale's, as musl's: ASCII letters only, the difference of the bytes. */
int
LIBC_NAME(strncasecmp)(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const void *)a, *y = (const void *)b;

	for (; n > 0; n--, x++, y++)
		if (lower(*x) != lower(*y) || *x == '\0')
			return lower(*x) - lower(*y);
	return 0;
}

/* musl's, without thread cancellation (one thread): at most 256 bytes, else
 * EIO. Weak, as the archive's would be: test/unit.c brings a predictable one. */
__attribute__((weak)) int
LIBC_NAME(getentropy)(void *buf, size_t len)
{
	unsigned char *p = buf;
	long r;

	if (len > 256) {
		errno = EIO;
		return -1;
	}
	for (; len > 0; p += r, len -= (size_t)r)
		if ((r = syscall(SYS_getrandom, p, len, 0L)) < 0) {
			if (errno != EINTR)
				return -1;
			r = 0;
		}
	return 0;
}

#if LONG_MAX > INT_MAX	/* 64 bits: the kernel's struct stat is musl's */
/* The system calls, without musl's fallbacks through /proc/self/fd for
 * O_PATH descriptors (crtoken opens none) and its copy from the kernel's
 * struct stat. */
int
LIBC_NAME(fstat)(int fd, struct stat *st)
{
	return (int)syscall(SYS_fstat, (long)fd, st);
}

int
LIBC_NAME(stat)(const char *restrict path, struct stat *restrict st)
{
#ifdef SYS_stat	/* as musl: stat where there is one, else newfstatat */
	return (int)syscall(SYS_stat, path, st);
#else
	return (int)syscall(SYS_newfstatat, (long)AT_FDCWD, path, st, 0L);
#endif
}
#endif

/* The system call: musl's retries an O_PATH descriptor's through /proc/self/fd. */
int
LIBC_NAME(fchmod)(int fd, mode_t mode)
{
	return (int)syscall(SYS_fchmod, (long)fd, (long)mode);
}

/* The system call: musl's falls back to pipe() and fcntl() before Linux 2.6.27. */
int
LIBC_NAME(pipe2)(int fd[2], int flags)
{
	return (int)syscall(SYS_pipe2, fd, (long)flags);
}
