/* see dns.h */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "net.h"

const char *dns_hosts_file = "/etc/hosts", *dns_conf_file = "/etc/resolv.conf";

#define HOSTS_LINE 511	/* musl reads /etc/hosts with fgets(line, 512) */
#define CONF_LINE 255	/* and resolv.conf with fgets(line, 256) */

static int
sp(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static int
dig(int c)
{
	return c >= '0' && c <= '9';
}

/* ---- addresses as text ---- */

int
dns_pton4(const char *s, unsigned char *ip)
{
	int i, j, v;

	for (i = 0; i < 4; i++) {
		for (v = j = 0; j < 3 && dig(s[j]); j++)
			v = 10 * v + s[j] - '0';
		if (j == 0 || (j > 1 && s[0] == '0') || v > 255)
			return 0;
		ip[i] = (unsigned char)v;
		if (s[j] == '\0' && i == 3)
			return 1;
		if (s[j] != '.')
			return 0;
		s += j + 1;
	}
	return 0;
}

static int
hexval(int c)
{
	if (dig(c))
		return c - '0';
	c |= 32;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* musl's inet_pton(AF_INET6), written to bytes */
int
dns_pton6(const char *s, unsigned char *ip)
{
	unsigned g[8];
	int i, j, v, d, brk = -1, v4 = 0;

	if (*s == ':' && *++s != ':')
		return 0;
	for (i = 0; ; i++) {
		if (s[0] == ':' && brk < 0) {
			brk = i;
			g[i & 7] = 0;
			if (!*++s)
				break;
			if (i == 7)
				return 0;
			continue;
		}
		for (v = j = 0; j < 4 && (d = hexval((unsigned char)s[j])) >= 0; j++)
			v = 16 * v + d;
		if (j == 0)
			return 0;
		g[i & 7] = (unsigned)v;
		if (!s[j] && (brk >= 0 || i == 7))
			break;
		if (i == 7)
			return 0;
		if (s[j] != ':') {
			if (s[j] != '.' || (i < 6 && brk < 0))
				return 0;
			v4 = 1;
			i++;
			break;
		}
		s += j + 1;
	}
	if (brk >= 0) {
		memmove(g + brk + 7 - i, g + brk, sizeof g[0] * (size_t)(i + 1 - brk));
		for (j = 0; j < 7 - i; j++)
			g[brk + j] = 0;
	}
	for (j = 0; j < 8; j++) {
		ip[2 * j] = (unsigned char)(g[j] >> 8);
		ip[2 * j + 1] = (unsigned char)g[j];
	}
	return !v4 || dns_pton4(s, ip + 12);
}

/* musl's inet_aton(): 1 to 4 parts, each decimal, 0x hex or 0 octal */
static int
aton(const char *s, unsigned char *ip)
{
	unsigned long a[4] = { 0 };
	char *z;
	int i;

	for (i = 0; i < 4; i++) {
		a[i] = strtoul(s, &z, 0);
		if (z == s || (*z && *z != '.') || !dig(*s))
			return 0;
		if (!*z)
			break;
		s = z + 1;
	}
	if (i == 4)
		return 0;
	for (; i < 3; i++) {	/* the last part fills the bytes that are left */
		a[i + 1] = a[i] & (0xffffffUL >> 8 * i);
		a[i] >>= 24 - 8 * i;
	}
	for (i = 0; i < 4; i++) {
		if (a[i] > 255)
			return 0;
		ip[i] = (unsigned char)a[i];
	}
	return 1;
}

static int
linklocal(const unsigned char *a)
{
	return (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || (a[0] == 0xff && (a[1] & 15) == 2);
}

/* if_nametoindex(): 0 when there is no such interface */
static unsigned
ifindex(const char *name)
{
	struct ifreq ifr;
	size_t n = strlen(name);
	int fd, r;

	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, name, n < IFNAMSIZ - 1 ? n : IFNAMSIZ - 1);
	r = ioctl(fd, SIOCGIFINDEX, &ifr);
	close(fd);
	return r < 0 ? 0 : (unsigned)ifr.ifr_ifindex;
}

int
dns_literal(const char *name, struct dns_addr *a)
{
	const char *p = strchr(name, '%'), *z;
	unsigned long long scope = 0;
	char tmp[64];

	memset(a, 0, sizeof *a);
	if (aton(name, a->ip)) {
		a->family = AF_INET;
		return 1;
	}
	if (p != NULL && p - name < 64) {
		memcpy(tmp, name, (size_t)(p - name));
		tmp[p - name] = '\0';
		name = tmp;
	}
	if (!dns_pton6(name, a->ip))
		return 0;
	a->family = AF_INET6;
	if (p != NULL) {
		for (z = ++p; dig(*z); z++)
			scope = scope > 0xffffffffULL ? scope : scope * 10 + (unsigned)(*z - '0');
		if (z == p || *z) {	/* a name: only for a link-local address */
			if (!linklocal(a->ip) || (scope = ifindex(p)) == 0)
				return DNS_NONAME;
		}
		if (scope > 0xffffffffULL)
			return DNS_NONAME;
	}
	a->scope = (unsigned)scope;
	return 1;
}

/* ---- files ---- */

/*
 * Cut buf[0..n) into lines as fgets(line, max + 1) would and give each to
 * fn (NUL-terminated, its '\n' kept) until fn returns nonzero; with drop, a
 * line of max bytes or more is skipped whole (*skip carries it to the next
 * call), else it comes in pieces of max. Returns the bytes used: all of
 * them at eof, else up to the end of the last whole line; < max are left.
 */
struct lines {
	size_t max;
	int drop, skip, stop;
	int (*fn)(void *, char *);
	void *ctx;
};

static size_t
lines(struct lines *L, const char *buf, size_t n, int eof)
{
	char line[HOSTS_LINE + 1];
	const char *nl;
	size_t at = 0, k;

	while (at < n && !L->stop) {
		if (L->skip) {	/* the rest of a long line */
			nl = memchr(buf + at, '\n', n - at);
			at = nl != NULL ? (size_t)(nl - buf) + 1 : n;
			L->skip = nl == NULL;
			continue;
		}
		k = n - at < L->max ? n - at : L->max;
		if ((nl = memchr(buf + at, '\n', k)) != NULL)
			k = (size_t)(nl - (buf + at)) + 1;
		else if (k < L->max && !eof)
			break;	/* the end of this line is yet to come */
		else if (k == L->max && L->drop) {
			L->skip = 1;
			continue;
		}
		memcpy(line, buf + at, k);
		line[k] = '\0';
		at += k;
		L->stop = L->fn(L->ctx, line);
	}
	return L->stop ? n : at;
}

/* Read path's lines into L before deadline: 0 (also when there is no such file) or a DNS_*. */
static int
readlines(const char *path, struct lines *L, long long deadline, int *err)
{
	char buf[2 * HOSTS_LINE + 2];
	size_t have = 0, used;
	ssize_t r;
	int fd, eof = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) < 0) {
		*err = errno;
		return *err == ENOENT || *err == ENOTDIR || *err == EACCES ? 0 : DNS_SYSTEM;
	}
	while (!eof && !L->stop) {
		if (!net_wait(fd, POLLIN, deadline)) {
			close(fd);
			return DNS_TIMEOUT;
		}
		r = read(fd, buf + have, sizeof buf - have);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r > 0)
			have += (size_t)r;
		else
			eof = 1;	/* a read error ends the file, as with fgets() */
		used = lines(L, buf, have, eof);
		memmove(buf, buf + used, have - used);
		have -= used;
	}
	close(fd);
	return 0;
}

struct hosts {
	const char *name;
	size_t l;
	struct dns_addr *a;
	int cnt, bad;
};

static int
hosts_line(void *v, char *line)
{
	struct hosts *h = v;
	char *p;
	int r;

	if ((p = strchr(line, '#')) != NULL) {
		*p++ = '\n';
		*p = '\0';
	}
	if (line[0] == '\0')
		return 0;
	for (p = line + 1; (p = strstr(p, h->name)) != NULL &&
	    (!sp(p[-1]) || !sp(p[h->l])); p++)
		;
	if (p == NULL)
		return 0;
	for (p = line; *p && !sp(*p); p++)
		;
	*p = '\0';
	if ((r = dns_literal(line, &h->a[h->cnt])) > 0)
		h->cnt++;
	else if (r < 0)
		h->bad = DNS_NONAME;
	return h->cnt >= DNS_MAX;
}

static void
hosts_init(struct hosts *h, struct lines *L, const char *name, struct dns_addr *a)
{
	memset(h, 0, sizeof *h);
	h->name = name;
	h->l = strlen(name);
	h->a = a;
	memset(L, 0, sizeof *L);
	L->max = HOSTS_LINE;
	L->fn = hosts_line;
	L->ctx = h;
}

int
dns_hosts(const char *buf, size_t n, const char *name, struct dns_addr *a)
{
	struct hosts h;
	struct lines L;

	hosts_init(&h, &L, name, a);
	lines(&L, buf, n, 1);
	return h.cnt ? h.cnt : h.bad;
}

int
dns_hosts_read(const char *name, struct dns_addr *a, long long deadline, int *err)
{
	struct hosts h;
	struct lines L;
	int r;

	hosts_init(&h, &L, name, a);
	if ((r = readlines(dns_hosts_file, &L, deadline, err)) < 0)
		return r;
	return h.cnt ? h.cnt : h.bad;
}

/* "KEY:N" anywhere in an options line: N capped at max */
static void
option(const char *line, const char *key, int *v, int max)
{
	const char *p = strstr(line, key);
	int x = 0;

	if (p == NULL || !dig(*(p += strlen(key))))
		return;
	for (; dig(*p); p++)
		x = x > max ? x : 10 * x + *p - '0';
	*v = x > max ? max : x;
}

static int
conf_line(void *v, char *line)
{
	struct dns_conf *c = v;
	char *p, *z;

	if (strncmp(line, "options", 7) == 0 && sp(line[7])) {
		option(line, "ndots:", &c->ndots, 15);
		option(line, "attempts:", &c->attempts, 10);
		option(line, "timeout:", &c->timeout, 60);
	} else if (strncmp(line, "nameserver", 10) == 0 && sp(line[10])) {
		for (p = line + 11; sp(*p); p++)
			;
		for (z = p; *z && !sp(*z); z++)
			;
		*z = '\0';
		if (c->nns < DNS_NS && dns_literal(p, &c->ns[c->nns]) > 0)
			c->nns++;
	} else if ((strncmp(line, "domain", 6) == 0 || strncmp(line, "search", 6) == 0) &&
	    sp(line[6])) {
		for (p = line + 7; sp(*p); p++)
			;
		memcpy(c->search, p, strlen(p) + 1);	/* < CONF_LINE */
	}
	return 0;
}

static void
conf_init(struct dns_conf *c, struct lines *L)
{
	memset(c, 0, sizeof *c);
	c->ndots = 1;
	c->timeout = 5;
	c->attempts = 2;
	memset(L, 0, sizeof *L);
	L->max = CONF_LINE;
	L->drop = 1;
	L->fn = conf_line;
	L->ctx = c;
}

static void
conf_done(struct dns_conf *c)
{
	if (c->nns == 0) {	/* 127.0.0.1 (a failed parse may have left bytes) */
		memset(&c->ns[0], 0, sizeof c->ns[0]);
		c->ns[0].family = AF_INET;
		c->ns[0].ip[0] = 127;
		c->ns[0].ip[3] = 1;
		c->nns = 1;
	}
}

void
dns_conf(const char *buf, size_t n, struct dns_conf *c)
{
	struct lines L;

	conf_init(c, &L);
	lines(&L, buf, n, 1);
	conf_done(c);
}

int
dns_conf_read(struct dns_conf *c, long long deadline, int *err)
{
	struct lines L;
	int r;

	conf_init(c, &L);
	r = readlines(dns_conf_file, &L, deadline, err);
	conf_done(c);
	return r;
}

/* ---- messages ---- */

int
dns_query(unsigned char *q, const char *name, int type, unsigned id)
{
	size_t l = strlen(name), i, j;

	if (l > 0 && name[l - 1] == '.')
		l--;
	/* musl sends "a.." as a malformed query; here it is no name */
	if (l == 0 || l > 253 || name[l - 1] == '.')
		return -1;
	memset(q, 0, 18 + l);
	q[0] = (unsigned char)(id >> 8);
	q[1] = (unsigned char)id;
	q[2] = 1;	/* RD */
	q[5] = 1;	/* one question */
	memcpy(q + 13, name, l);
	for (i = 13; i < 13 + l; i = j + 1) {
		for (j = i; j < 13 + l && q[j] != '.'; j++)
			;
		if (j == i || j - i > 63)
			return -1;
		q[i - 1] = (unsigned char)(j - i);
	}
	q[l + 15] = (unsigned char)type;
	q[l + 17] = 1;	/* IN */
	return (int)l + 18;
}

/*
 * The name at r[off] of message r[0..n), uncompressed into dst (255 bytes,
 * or NULL): the offset after it, or -1 for a bad label type, a pointer
 * that does not point back (no loops), anything past n or over 255 bytes.
 */
static int
name(const unsigned char *r, size_t n, size_t off, unsigned char *dst)
{
	size_t len = 0, end = 0, c;

	for (;;) {
		if (off >= n)
			return -1;
		c = r[off];
		if (c >= 0xc0) {
			size_t to;

			if (off + 1 >= n || (to = (c & 0x3f) << 8 | r[off + 1]) >= off)
				return -1;
			if (end == 0)
				end = off + 2;
			off = to;
			continue;
		}
		if (c > 63 || len + c + 1 > 255 || off + c + 1 > n)
			return -1;
		if (dst != NULL)
			memcpy(dst + len, r + off, c + 1);
		len += c + 1;
		off += c + 1;
		if (c == 0)
			return (int)(end ? end : off);
	}
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

int
dns_match(const unsigned char *r, size_t n, const unsigned char *q, size_t qn)
{
	unsigned char nm[255];
	size_t i;
	int end;

	if (n < 12 || qn < 17 || qn > 271 || r[0] != q[0] || r[1] != q[1] || !(r[2] & 0x80) ||
	    r[4] != 0 || r[5] != 1 || (end = name(r, n, 12, nm)) < 0 || (size_t)end + 4 > n)
		return -1;
	/* q's name, q[12..qn-4): labels line up while the bytes before agree,
	   so the first difference comes at nm's end at the latest */
	for (i = 0; i < qn - 16; i++)
		if (lower(nm[i]) != lower(q[12 + i]))
			return -1;
	return memcmp(r + end, q + qn - 4, 4) == 0 ? r[3] & 15 : -1;
}

int
dns_answers(const unsigned char *r, size_t n, struct dns_addr *a, int cnt)
{
	size_t len;
	int qd, an, off = 12, type;

	if (n < 12 || (r[3] & 15))
		return cnt;
	qd = r[4] << 8 | r[5];
	an = r[6] << 8 | r[7];
	if (qd + an > 64)
		return cnt;
	while (qd--)
		if ((off = name(r, n, (size_t)off, NULL)) < 0 || (size_t)(off += 4) > n)
			return cnt;
	while (an-- && cnt < DNS_MAX) {
		if ((off = name(r, n, (size_t)off, NULL)) < 0 || (size_t)off + 10 > n)
			return cnt;
		type = r[off] << 8 | r[off + 1];
		len = (size_t)(r[off + 8] << 8 | r[off + 9]);
		off += 10;
		if ((size_t)off + len > n)
			return cnt;
		if (type == 1 || type == 28) {
			if (len != (type == 1 ? 4u : 16u))
				return cnt;
			memset(&a[cnt], 0, sizeof a[cnt]);
			a[cnt].family = type == 1 ? AF_INET : AF_INET6;
			memcpy(a[cnt++].ip, r + off, len);
		}
		off += (int)len;
	}
	return cnt;
}

/* ---- asking ---- */

union sa {
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

/*
 * musl's res_msend: each of the nq queries q[i] (ql[i] bytes) to every
 * server of c, answers into r[i] (rl[i] bytes, 0 for none). 0 or a DNS_*.
 */
static int
exchange(const struct dns_conf *c, int nq, unsigned char (*q)[DNS_QUERY], const int *ql,
    unsigned char (*r)[DNS_REPLY], int *rl, long long deadline, int *err)
{
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
	union sa ns[DNS_NS], from;
	unsigned char buf[DNS_REPLY];
	struct pollfd pfd[2];
	socklen_t sl = sizeof ns[0].v4, fl;
	long long t0, t1, t2, timeout = 1000LL * c->timeout, gap;
	int fd, i, j, rc = 0, len, left, family = AF_INET, sfretry = 0, done = 0, one = 0;

	memset(ns, 0, sizeof ns);
	for (j = 0; j < c->nns; j++)
		if (c->ns[j].family == AF_INET6)
			family = AF_INET6;
	if ((fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0 &&
	    family == AF_INET6 && errno == EAFNOSUPPORT) {
		family = AF_INET;	/* a system without IPv6: the IPv4 servers */
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	}
	if (fd < 0) {
		*err = errno;
		return DNS_SYSTEM;
	}
	for (j = 0; j < c->nns; j++) {
		const struct dns_addr *a = &c->ns[j];

		if (family == AF_INET6) {	/* IPv4 servers as ::ffff:a.b.c.d */
			sl = sizeof ns[j].v6;
			ns[j].v6.sin6_family = AF_INET6;
			ns[j].v6.sin6_port = htons(53);
			ns[j].v6.sin6_scope_id = a->scope;
			memcpy(ns[j].v6.sin6_addr.s6_addr, mapped, 12);
			memcpy(ns[j].v6.sin6_addr.s6_addr + (a->family == AF_INET ? 12 : 0),
			    a->ip, a->family == AF_INET ? 4 : 16);
		} else if (a->family == AF_INET) {
			ns[j].v4.sin_family = AF_INET;
			ns[j].v4.sin_port = htons(53);
			memcpy(&ns[j].v4.sin_addr, a->ip, 4);
		}
	}
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	memset(rl, 0, sizeof *rl * (size_t)nq);
	/* attempts:0 would divide by zero in musl; here it is 1 */
	gap = timeout / (c->attempts > 0 ? c->attempts : 1);
	t0 = t2 = clock_ms();
	t1 = t2 - gap;
	for (; t2 - t0 < timeout; t2 = clock_ms()) {
		if ((left = ms_left(deadline)) == 0)
			break;
		if (t2 - t1 >= gap) {	/* to every server, again */
			for (i = 0; i < nq; i++)
				for (j = 0; j < c->nns && !rl[i]; j++)
					sendto(fd, q[i], (size_t)ql[i], MSG_NOSIGNAL,
					    (struct sockaddr *)&ns[j], sl);
			t1 = t2;
			sfretry = 2 * nq;
		}
		pfd[0].fd = fd;
		pfd[1].fd = net_cutfd;
		pfd[0].events = pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, t1 + gap - t2 < left ? (int)(t1 + gap - t2) : left) <= 0)
			continue;
		if (pfd[1].revents) {
			done = -1;	/* the cut */
			break;
		}
		for (;;) {
			fl = sl;
			if ((len = (int)recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from,
			    &fl)) < 0)
				break;
			for (j = 0; j < c->nns && memcmp(&ns[j], &from, sl) != 0; j++)
				;
			for (i = 0; j < c->nns && i < nq; i++)
				if (!rl[i] && (rc = dns_match(buf, (size_t)len, q[i], (size_t)ql[i])) >= 0)
					break;
			if (j == c->nns || i >= nq)
				continue;
			if (rc == 2 && sfretry > 0) {	/* SERVFAIL: once more, at once */
				sfretry--;
				sendto(fd, q[i], (size_t)ql[i], MSG_NOSIGNAL,
				    (struct sockaddr *)&ns[j], sl);
			}
			if (rc != 0 && rc != 3)
				continue;
			memcpy(r[i], buf, (size_t)len);
			rl[i] = len;
			if (++done == nq)
				goto out;
		}
	}
out:
	close(fd);
	return done < 0 || (done < nq && ms_left(deadline) == 0) ? DNS_TIMEOUT : 0;
}

/* musl's name_from_dns: A and AAAA for name */
static int
from_dns(const char *name, const struct dns_conf *c, struct dns_addr *a, long long deadline,
    int *err)
{
	unsigned char q[2][DNS_QUERY], r[2][DNS_REPLY], id[4];
	int ql[2], rl[2], i, cnt = 0;
	long long t;

	if (getentropy(id, sizeof id) != 0)	/* musl takes the clock's nanoseconds */
		for (i = 0, t = clock_ms(); i < 4; i++)
			id[i] = (unsigned char)(t >> 8 * i);
	if (id[0] == id[2] && id[1] == id[3])
		id[3] ^= 1;	/* two ids, so a reply fits one query only */
	for (i = 0; i < 2; i++)
		if ((ql[i] = dns_query(q[i], name, i ? 28 : 1,
		    (unsigned)(id[2 * i] << 8 | id[2 * i + 1]))) < 0)
			return DNS_NONAME;
	if ((i = exchange(c, 2, q, ql, r, rl, deadline, err)) < 0)
		return i;
	for (i = 0; i < 2; i++) {	/* in this order, as musl: only 0 and 3 are kept */
		if (rl[i] == 0)
			return DNS_AGAIN;
		if ((r[i][3] & 15) == 3)
			return 0;
	}
	for (i = 0; i < 2; i++)
		cnt = dns_answers(r[i], (size_t)rl[i], a, cnt);
	return cnt ? cnt : DNS_NONAME;
}

/* musl's name_from_dns_search */
static int
search(const char *name, struct dns_addr *a, long long deadline, int *err)
{
	static struct dns_conf c;
	char canon[256];
	const char *p, *z, *dom;
	size_t l, dots;
	int n;

	if ((n = dns_conf_read(&c, deadline, err)) < 0)
		return n;
	for (dots = l = 0; name[l]; l++)
		dots += name[l] == '.';
	dom = dots >= (size_t)c.ndots || name[l - 1] == '.' ? "" : c.search;
	if (name[l - 1] == '.')
		l--;
	if (l == 0 || name[l - 1] == '.' || l >= 256)
		return DNS_NONAME;
	memcpy(canon, name, l);
	canon[l] = '.';
	for (p = dom; *p; p = z) {
		for (; sp(*p); p++)
			;
		for (z = p; *z && !sp(*z); z++)
			;
		if (z == p)
			break;
		if ((size_t)(z - p) < 256 - l - 1) {
			memcpy(canon + l + 1, p, (size_t)(z - p));
			canon[z - p + 1 + (long)l] = '\0';
			if ((n = from_dns(canon, &c, a, deadline, err)) != 0)
				return n;
		}
	}
	canon[l] = '\0';
	return from_dns(canon, &c, a, deadline, err);
}

/* ---- order ---- */

static const struct policy {
	unsigned char addr[16];
	unsigned char len, mask, prec, label;
} policy[] = {
	{ { [15] = 1 }, 15, 0xff, 50, 0 },		/* ::1 */
	{ { [10] = 0xff, [11] = 0xff }, 11, 0xff, 35, 4 },	/* ::ffff:0:0/96 */
	{ { 0x20, 0x02 }, 1, 0xff, 30, 2 },		/* 2002::/16 */
	{ { 0x20, 0x01 }, 3, 0xff, 5, 5 },		/* 2001::/32 */
	{ { 0xfc }, 0, 0xfe, 3, 13 },			/* fc00::/7 */
	{ { 0 }, 0, 0, 40, 1 }				/* the rest */
};

static const struct policy *
policyof(const unsigned char *a)
{
	const struct policy *p;

	for (p = policy; memcmp(a, p->addr, p->len) != 0 ||
	    (a[p->len] & p->mask) != p->addr[p->len]; p++)
		;
	return p;
}

static int
scopeof(const unsigned char *a)
{
	static const unsigned char lo[16] = { [15] = 1 };

	if (a[0] == 0xff)
		return a[1] & 15;
	if ((a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || memcmp(a, lo, 16) == 0)
		return 2;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
		return 5;
	return 14;
}

/* d's address as IPv6 (IPv4 mapped) */
static void
as6(const struct dns_addr *d, unsigned char *a)
{
	memset(a, 0, 16);
	if (d->family == AF_INET6)
		memcpy(a, d->ip, 16);
	else {
		a[10] = a[11] = 0xff;
		memcpy(a + 12, d->ip, 4);
	}
}

int
dns_key(const struct dns_addr *d, int i, int usable, const unsigned char *src)
{
	unsigned char da[16];
	const struct policy *dp;
	int key, prefix = 0, dscope;

	as6(d, da);
	dp = policyof(da);
	dscope = scopeof(da);
	key = usable ? 0x40000000 : 0;
	if (usable && src != NULL) {
		if (dscope == scopeof(src))
			key |= 0x20000000;
		if (dp->label == policyof(src)->label)
			key |= 0x10000000;
		while (prefix < 128 && !((src[prefix / 8] ^ da[prefix / 8]) & (128 >> prefix % 8)))
			prefix++;
	}
	return key | dp->prec << 20 | (15 - dscope) << 16 | prefix << 8 | (DNS_MAX - i);
}

void
dns_sort(struct dns_addr *a, int n)
{
	struct dns_addr t;
	union sa da, sa;
	unsigned char src[16];
	socklen_t len;
	int i, j, fd, usable, known;

	for (i = 0; i < n; i++) {
		memset(&da, 0, sizeof da);
		if (a[i].family == AF_INET6) {
			da.v6.sin6_family = AF_INET6;
			da.v6.sin6_port = 0xffff;
			da.v6.sin6_scope_id = a[i].scope;
			memcpy(da.v6.sin6_addr.s6_addr, a[i].ip, 16);
			len = sizeof da.v6;
		} else {
			da.v4.sin_family = AF_INET;
			da.v4.sin_port = 0xffff;
			memcpy(&da.v4.sin_addr, a[i].ip, 4);
			len = sizeof da.v4;
		}
		usable = known = 0;
		if ((fd = socket(a[i].family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP)) >= 0) {
			if (connect(fd, (struct sockaddr *)&da, len) == 0) {
				usable = 1;
				memset(&sa, 0, sizeof sa);
				if (getsockname(fd, (struct sockaddr *)&sa, &len) == 0) {
					struct dns_addr s = { .family = a[i].family };

					memcpy(s.ip, a[i].family == AF_INET6 ?
					    (void *)sa.v6.sin6_addr.s6_addr : (void *)&sa.v4.sin_addr,
					    a[i].family == AF_INET6 ? 16 : 4);
					as6(&s, src);
					known = 1;
				}
			}
			close(fd);
		}
		a[i].key = dns_key(&a[i], i, usable, known ? src : NULL);
	}
	for (i = 1; i < n; i++)	/* insertion sort, highest key first (keys differ) */
		for (j = i; j > 0 && a[j - 1].key < a[j].key; j--) {
			t = a[j];
			a[j] = a[j - 1];
			a[j - 1] = t;
		}
}

/* ---- all of it ---- */

int
dns_resolve(const char *name, long long deadline, struct dns_addr *a, int *err)
{
	size_t l = strlen(name);
	int n, i;

	*err = 0;
	if (l == 0 || l > 254)
		return DNS_NONAME;
	if ((n = dns_literal(name, a)) == 0 && (n = dns_hosts_read(name, a, deadline, err)) == 0)
		n = search(name, a, deadline, err);
	if (n <= 0)
		return n ? n : DNS_NONAME;
	for (i = 0; i < n && a[i].family == AF_INET; i++)
		;
	if (n > 1 && i < n)
		dns_sort(a, n);
	return n;
}
