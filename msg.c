/* see msg.h */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "text.h"
#include "unpack.h"

int msg_verbose, msg_quiet, msg_json;

#define SECRETS_MAX 8
static struct { const char *p; size_t n; } secrets[SECRETS_MAX];
static size_t nsecrets;
static int overflow;	/* a secret could not be registered: print nothing of substance */

static const char REDACTED[] = "[redacted]";

size_t
vfmt(char *dst, size_t cap, const char *f, va_list ap)
{
	size_t len = 0;
	char num[24];

#define PUT(c) do { if (len + 1 < cap) dst[len] = (c); len++; } while (0)
	for (; *f; f++) {
		const char *s;
		size_t n;
		unsigned long long u;
		int neg, lng, base;

		if (*f != '%') {
			PUT(*f);
			continue;
		}
		f++;
		s = NULL;
		n = (size_t)-1;
		if (f[0] == '.' && f[1] == '*' && f[2] == 's') {
			int w = va_arg(ap, int);
			n = w < 0 ? 0 : (size_t)w;
			f += 2;
		}
		lng = 0;
		while (*f == 'l') {
			lng++;
			f++;
		}
		neg = 0;
		base = 10;
		switch (*f) {
		case 's':
			s = va_arg(ap, const char *);
			if (s == NULL)
				s = "(null)";
			for (; n > 0 && *s; n--, s++)
				PUT(*s);
			continue;
		case 'c':
			PUT((char)va_arg(ap, int));
			continue;
		case '%':
			PUT('%');
			continue;
		case 'd': {
			long long v = lng == 0 ? va_arg(ap, int) :
			    lng == 1 ? va_arg(ap, long) : va_arg(ap, long long);
			neg = v < 0;
			u = neg ? 0ULL - (unsigned long long)v : (unsigned long long)v;
			break;
		}
		case 'x':
			base = 16;
			/* fall through */
		case 'u':
			u = lng == 0 ? va_arg(ap, unsigned) :
			    lng == 1 ? va_arg(ap, unsigned long) :
			    va_arg(ap, unsigned long long);
			break;
		default:	/* unknown conversion: a bug; stop before the arguments desync */
			PUT('%');
			PUT('?');
			goto end;
		}
		n = sizeof num;
		do {
			num[--n] = "0123456789abcdef"[u % (unsigned)base];
			u /= (unsigned)base;
		} while (u > 0);
		if (neg)
			PUT('-');
		for (; n < sizeof num; n++)
			PUT(num[n]);
	}
end:
	if (cap > 0)
		dst[len < cap ? len : cap - 1] = '\0';
#undef PUT
	return len;
}

size_t
fmt(char *dst, size_t cap, const char *f, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, f);
	n = vfmt(dst, cap, f, ap);
	va_end(ap);
	return n;
}

size_t
fmtcat(char *dst, size_t cap, size_t n, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	n += vfmt(dst + (n < cap ? n : cap), n < cap ? cap - n : 0, f, ap);
	va_end(ap);
	return n;
}

int
fail(struct fail *fl, int code, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vfmt(fl->text, sizeof fl->text, f, ap);
	va_end(ap);
	fl->code = code;
	fl->io = 0;
	return code;
}

void
msg_secret(const void *p, size_t n)
{
	if (n == 0)
		return;
	if (nsecrets == SECRETS_MAX) {
		overflow = 1;
		return;
	}
	secrets[nsecrets].p = p;
	secrets[nsecrets].n = n;
	nsecrets++;
}

void
msg_forget(void)
{
	msg_release(0);
}

size_t
msg_mark(void)
{
	return nsecrets;
}

void
msg_release(size_t mark)
{
	if (mark < nsecrets)
		nsecrets = mark;
	overflow = 0;
}

static int
b64url(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/*
 * Length of a JWT-shaped run at s, or 0: "eyJ" (base64 of '{"') then at
 * least 17 more base64url characters or dots; dots at its end (a full stop)
 * are left out of it. A JWT cut short, without its dots, still counts.
 */
static size_t
jwtlen(const char *s)
{
	size_t n;

	if (strncmp(s, "eyJ", 3) != 0)
		return 0;
	for (n = 3; b64url((unsigned char)s[n]) || s[n] == '.'; n++)
		;
	if (n < 20)
		return 0;
	while (s[n - 1] == '.')
		n--;
	return n;
}

/* A character of a token (base64, base64url, JWT dots, RFC 6750). */
static int
tokchar(unsigned char c)
{
	return b64url(c) || (c != 0 && strchr(".+/=~", c) != NULL);
}

/*
 * The longest run at s[0..left) of RUN_MIN bytes or more that the secret
 * p[0..n) contains anywhere: 0 if none. For a long secret (a token) the
 * run must be made of token characters, which keeps this cheap on text.
 */
static size_t
piecelen(const char *s, size_t left, const char *p, size_t n)
{
	const char *q = p, *e = p + n;
	size_t i, m, best = 0;

	if (left < RUN_MIN || n < RUN_MIN)
		return 0;
	if (n > 256)
		for (i = 0; i < RUN_MIN; i++)
			if (!tokchar((unsigned char)s[i]))
				return 0;
	for (; q + RUN_MIN <= e; q++) {
		if ((q = memchr(q, s[0], (size_t)(e - q) - RUN_MIN + 1)) == NULL)
			break;
		if (memcmp(q, s, RUN_MIN) != 0)
			continue;
		for (m = RUN_MIN; m < left && q + m < e && q[m] == s[m]; m++)
			;
		if (m > best)
			best = m;
	}
	return best;
}

/*
 * Length of what must go at s: a registered secret, a run of RUN_MIN bytes
 * or more of one (a JWT's signature quoted in pieces), or a start of one
 * (8 bytes or more) that ends s; 0 if none.
 */
static size_t
secretlen(const char *s, size_t left)
{
	size_t k, m, best = 0;

	for (k = 0; k < nsecrets; k++) {
		size_t n = secrets[k].n;

		if (n <= left && memcmp(s, secrets[k].p, n) == 0 && n > best)
			best = n;
		if (n > left && left >= 8 && memcmp(s, secrets[k].p, left) == 0)
			best = left;
		if ((m = piecelen(s, left, secrets[k].p, n)) > best)
			best = m;
	}
	return best;
}

/*
 * The length of the printable character at s (left bytes), or 0: not for
 * a backslash (escaped, so that every "\\" printed starts an escape), C1
 * controls, bidirectional overrides, isolates and marks, zero-width
 * characters, line and paragraph separators, overlong forms, surrogates
 * or bad UTF-8.
 */
static size_t
u8len(const unsigned char *s, size_t left)
{
	unsigned long c = s[0];
	size_t i, n;

	if (c >= 0x20 && c < 0x7f && c != '\\')	/* "\\" only starts an escape */
		return 1;
	if (c < 0xc2 || c > 0xf4)
		return 0;
	n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (n > left)
		return 0;
	c &= 0x3fu >> (n - 1);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < (n == 2 ? 0xa0 : n == 3 ? 0x800 : 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c < 0xe000) || (c >= 0x2028 && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069) || (c >= 0x200b && c <= 0x200f) ||
	    c == 0x61c || c == 0xfeff)
		return 0;
	return n;
}

size_t
msg_redact(char *dst, size_t cap, const char *s)
{
	size_t i, j, k, n, len, last = (size_t)-1;

	if (cap == 0)
		return 0;
	if (overflow)
		s = "internal error: too many secrets to redact; message withheld";
	len = strlen(s);
	for (i = j = 0; i < len && j + 1 < cap; ) {
		if ((n = secretlen(s + i, len - i)) == 0)
			n = jwtlen(s + i);
		/* a secret that starts inside the run is redacted whole with it */
		for (k = 1; n > 0 && k < n; k++) {
			size_t m = secretlen(s + i + k, len - i - k);

			if (k + m > n)
				n = k + m;
		}
		if (n == 0) {	/* printable as it is, or escaped as \xNN */
			n = u8len((const unsigned char *)s + i, len - i);
			for (k = 1; k < n && secretlen(s + i + k, len - i - k) == 0; k++)
				;
			if (n > 0 && k == n) {	/* no secret starts inside it */
				if (j + n >= cap)
					break;
				memcpy(dst + j, s + i, n);
				j += n;
				i += n;
				continue;
			}
			if (j + 4 >= cap)
				break;
			dst[j++] = '\\';
			dst[j++] = 'x';
			dst[j++] = "0123456789abcdef"[(unsigned char)s[i] >> 4];
			dst[j++] = "0123456789abcdef"[s[i++] & 15];
			continue;
		}
		i += n;
		if (j == last)	/* right after another: one marker for both */
			continue;
		for (k = 0; REDACTED[k] && j + 1 < cap; k++)
			dst[j++] = REDACTED[k];
		last = j;
	}
	dst[j] = '\0';
	return j;
}

/*
 * The errors crtoken can meet, in musl's words: its strerror() carries all
 * of them (2 KB) for a program that needs these. The words are text.h's
 * TEXT_ERRWORDS, in this order.
 */
static const unsigned short errnos[] = {
	EPERM, ENOENT, EINTR, EIO, ENXIO, E2BIG, ENOEXEC, EBADF, ENOMEM, EACCES,
	EBUSY, EEXIST, EXDEV, ENODEV, ENOTDIR, EISDIR, EINVAL, ENFILE, EMFILE,
	ETXTBSY, EFBIG, ENOSPC, EROFS, EPIPE, ENAMETOOLONG, ELOOP, ENOSYS, EAGAIN,
	EAFNOSUPPORT, EADDRNOTAVAIL, ENETDOWN, ENETUNREACH, ECONNABORTED,
	ECONNRESET, ETIMEDOUT, ECONNREFUSED, EHOSTDOWN, EHOSTUNREACH, EDQUOT,
	ENOTCONN, EADDRINUSE,
};
const char *
errstr(int e)
{
	static char other[24];
	const char *p = text() + TEXT_ERRWORDS_AT;
	size_t i;

	for (i = 0; i < sizeof errnos / sizeof errnos[0]; i++, p += strlen(p) + 1)
		if (errnos[i] == e)
			return p;
	fmt(other, sizeof other, "error %d", e);
	return other;
}

int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Write p[0..n) to fd 2, each piece waiting at most wait_ms for room; what
 * gets none is dropped: a log reader that stopped reading must not stop
 * crtoken. After a line was dropped, the next ones do not wait until one
 * gets through. A line fits in the free page POLLOUT promises on a pipe.
 */
static void
put2(const char *p, size_t n, int wait_ms)
{
	static volatile int stalled;
	struct pollfd pfd;
	ssize_t w;
	int r;

	while (n > 0) {
		pfd.fd = 2;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		if ((r = poll(&pfd, 1, stalled ? 0 : wait_ms)) < 0 && errno == EINTR)
			continue;
		if (r != 1 || !(pfd.revents & POLLOUT)) {
			stalled = 1;
			return;
		}
		stalled = 0;
		if ((w = write(2, p, n)) < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* "2026-12-01T20:41:21.123Z": the realtime clock in RFC 3339 (async-signal-safe) */
static void
stamp(char *t)
{
	static const unsigned char at[] = { 0, 5, 8, 11, 14, 17, 20 }, len[] = {
	    4, 2, 2, 2, 2, 2, 3 };
	struct timespec ts;
	long long v[7], z, era, doe, yoe, doy, mp;
	int i, k;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec < 0)
		ts.tv_sec = 0;
	z = ts.tv_sec / 86400 + 719468;	/* days from 0000-03-01 */
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	v[2] = doy - (153 * mp + 2) / 5 + 1;
	v[1] = mp < 10 ? mp + 3 : mp - 9;
	v[0] = yoe + era * 400 + (v[1] <= 2);
	v[3] = ts.tv_sec % 86400 / 3600;
	v[4] = ts.tv_sec % 3600 / 60;
	v[5] = ts.tv_sec % 60;
	v[6] = ts.tv_nsec / 1000000;
	memcpy(t, "0000-00-00T00:00:00.000Z", 25);
	for (i = 0; i < 7; i++)
		for (k = at[i] + len[i]; k-- > at[i]; v[i] /= 10)
			t[k] = (char)('0' + v[i] % 10);
}

/*
 * One log line out: "crtoken: <text>", or the JSON object of msg.h; the
 * text redacted and escaped (msg_redact()), then, for JSON, its '"' and
 * '\\' escaped (nothing else is left to escape).
 */
static void
emit(const char *event, const struct lf *lf, const char *text, int wait_ms)
{
	static const char *const names[] = { "expires_in", "attempt", "wait_ms",
	    "code", "signal" };
	char red[MSG_MAX + 32], line[2 * (MSG_MAX + 32) + 320], t[25];
	const long long *num = &lf->expires_in;
	const char *level = "info";
	size_t n, i;

	if (!msg_json) {
		fmt(line, sizeof line, "crtoken: %s", text);
		n = msg_redact(red, sizeof red - 1, line);
		red[n++] = '\n';
		put2(red, n, wait_ms);
		return;
	}
	msg_redact(red, sizeof red, text);
	stamp(t);
	if (strcmp(event, "error") == 0 || strcmp(event, "debug") == 0)
		level = event;
	else if (strcmp(event, "refresh_failed") == 0 || strcmp(event, "kill") == 0 ||
	    (strcmp(event, "child_exit") == 0 && lf->code != 0))
		level = "warn";
	n = fmt(line, sizeof line, "{\"time\":\"%s\",\"level\":\"%s\",\"event\":\"%s\","
	    "\"msg\":\"", t, level, event);
	for (i = 0; red[i]; i++) {
		if (red[i] == '"' || red[i] == '\\')
			line[n++] = '\\';
		line[n++] = red[i];
	}
	n = fmtcat(line, sizeof line, n, "\"");
	for (i = 0; i < 5; i++)
		if (num[i] >= 0)
			n = fmtcat(line, sizeof line, n, ",\"%s\":%lld", names[i], num[i]);
	n = fmtcat(line, sizeof line, n, "}\n");
	put2(line, n, wait_ms);
}

void
msg_urgent(const char *event, const struct lf *lf, const char *text)
{
	int err = errno;

	if (!msg_quiet)
		emit(event, lf, text, 0);
	errno = err;
}

void
msg_error(int code, const char *text)
{
	struct lf lf = LF_NONE;

	lf.code = code;
	emit("error", &lf, text, MSG_WAIT_MS);
}

void
say(const char *event, const struct lf *lf, const char *f, ...)
{
	static const struct lf none = LF_NONE;
	char text[MSG_MAX];
	va_list ap;

	if (msg_quiet)
		return;
	va_start(ap, f);
	vfmt(text, sizeof text, f, ap);
	va_end(ap);
	emit(event, lf ? lf : &none, text, MSG_WAIT_MS);
}

void
note(const char *f, ...)
{
	static const struct lf none = LF_NONE;
	char text[MSG_MAX];
	va_list ap;

	if (!msg_verbose)
		return;
	va_start(ap, f);
	vfmt(text, sizeof text, f, ap);
	va_end(ap);
	emit("debug", &none, text, MSG_WAIT_MS);
}
