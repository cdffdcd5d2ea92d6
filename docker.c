/* see docker.h */
#include <string.h>
#include <strings.h>

#include "docker.h"
#include "jwt.h"
#include "msg.h"

struct docker docker;

/* IBM's registry docs: the global registry and one per region (2026). */
static const char *const icr[] = { "icr.io", "au.icr.io", "br.icr.io", "ca.icr.io",
    "ca2.icr.io", "de.icr.io", "es.icr.io", "jp.icr.io", "jp2.icr.io", "uk.icr.io",
    "us.icr.io" };

/* The length of a valid host[:port] at s (ending at a NUL or in stop), or 0. */
static size_t
hostlen(const char *s, const char *stop)
{
	size_t i = 0, label = 0, port = 0;
	unsigned long pn = 0;
	int c;

	if (s[0] == '[') {	/* an IPv6 literal */
		for (i = 1; s[i] && strchr("0123456789abcdefABCDEF:.", s[i]); i++)
			;
		if (i < 3 || s[i++] != ']')
			return 0;
	} else
		for (; (c = (unsigned char)s[i]) && c != ':' && !strchr(stop, c); i++) {
			if (c == '.') {
				if (label == 0 || s[i - 1] == '-')
					return 0;
				label = 0;
			} else if ((c | 32) >= 'a' && (c | 32) <= 'z' ? 0 :
			    !(c >= '0' && c <= '9') && !(c == '-' && label > 0))
				return 0;
			else if (++label > 63)
				return 0;
		}
	if (i == 0 || i > 253 + (s[0] == '[' ? 2 : 0) || s[i - 1] == '-' || s[i - 1] == '.')
		return 0;
	if (s[i] == ':') {
		for (i++; s[i] >= '0' && s[i] <= '9' && port < 5; i++, port++)
			pn = pn * 10 + (unsigned long)(s[i] - '0');
		if (port == 0 || pn == 0 || pn > 65535 || s[i - port] == '0')
			return 0;	/* none, out of range, or a leading zero */
	}
	return s[i] == '\0' || strchr(stop, s[i]) ? i : 0;
}

/* s[0..n) lower-cased into dst, NUL-terminated */
static void
lower(char *dst, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	dst[n] = '\0';
}

static int
add(struct docker *d, const char *h, size_t n)
{
	char low[DOCKER_HOST_MAX + 1];
	int k;

	if (n == 0 || n > DOCKER_HOST_MAX)
		return -1;
	lower(low, h, n);
	for (k = 0; k < d->n; k++)
		if (strcmp(d->host[k], low) == 0)
			return 0;	/* a repeat */
	if (d->n == DOCKER_HOSTS_MAX)
		return -1;
	memcpy(d->host[d->n++], low, n + 1);
	return 0;
}

int
docker_add(struct docker *d, const char *host)
{
	return add(d, host, hostlen(host, ""));
}

void
docker_icr(struct docker *d, int private)
{
	char h[32];
	size_t i;

	for (i = 0; i < sizeof icr / sizeof icr[0]; i++)
		add(d, h, fmt(h, sizeof h, "%s%s", private ? "private." : "", icr[i]));
}

size_t
docker_auths(const struct docker *d, const char *token, char *out, size_t cap)
{
	static unsigned char cred[sizeof DOCKER_USER + IAM_TOKEN_MAX];
	size_t n, k, len = fmt((char *)cred, sizeof cred, "%s:%s", DOCKER_USER, token);
	int i;

	n = fmt(out, cap, "{\"auths\":{");
	for (i = 0; i < d->n && len < sizeof cred; i++) {
		n = fmtcat(out, cap, n, "%s\"%s\":{\"auth\":\"", i ? "," : "", d->host[i]);
		k = n < cap ? b64_encode(out + n, cap - n, cred, len) : 0;
		n = k ? n + k : cap;
		n = fmtcat(out, cap, n, "\"}");
	}
	explicit_bzero(cred, sizeof cred);
	return len >= sizeof cred ? cap : fmtcat(out, cap, n, "}}");
}

int
docker_server(const struct docker *d, const char *url, char *host)
{
	size_t n;
	int k;

	url += strspn(url, " \t\r\n");
	/* http:// or https:// (any case), only at the start */
	if (strncasecmp(url, "http", 4) == 0 && strncmp(url + 4 + ((url[4] | 32) == 's'),
	    "://", 3) == 0)
		url += 7 + ((url[4] | 32) == 's');
	n = hostlen(url, "/ \t\r\n");
	host[0] = '\0';
	if (n == 0 || n > DOCKER_HOST_MAX)
		return -1;
	lower(host, url, n);
	for (k = 0; k < d->n; k++)
		if (strcmp(d->host[k], host) == 0)
			return k;
	return -1;
}
