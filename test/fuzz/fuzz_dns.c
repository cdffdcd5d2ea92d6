/*
 * fuzz_dns: the parsers of dns.h with the input as a DNS reply, as an
 * /etc/hosts text and as a resolv.conf text.
 *
 *   - dns_answers() of the input: at most DNS_MAX addresses, each AF_INET
 *     or AF_INET6 with no scope; the input cut short gives a prefix of
 *     them; started at a count k, the same addresses after a[k], up to
 *     DNS_MAX. dns_match() of the input against a query: -1 or an RCODE
 *     (0..15), and a match has the query's id and QR.
 *   - The input as the answer section of a reply to a query for a name
 *     taken from it: dns_match() gives the RCODE; another id, no QR, a
 *     shorter or a longer message question make it -1; dns_answers() takes
 *     at most ANCOUNT records.
 *   - dns_hosts() for "a" and for the first line's second field: a count
 *     up to DNS_MAX (or 0, or DNS_NONAME), valid families; the same as
 *     the text in two parts cut at a line end (what a line is does not
 *     depend on what came before), and as dns_hosts_read() of the text
 *     in a file (read in pieces through a 1 KB buffer).
 *   - dns_conf(): the counts within their caps, the search list a string
 *     of under 256 bytes, the same as dns_conf_read() of the same file.
 */
#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "fuzz.h"

static char path[64];

static void
valid(const struct dns_addr *a, int n)
{
	int i;

	CHECK(n >= 0 && n <= DNS_MAX);
	for (i = 0; i < n; i++) {
		CHECK(a[i].family == AF_INET || a[i].family == AF_INET6);
		if (a[i].family == AF_INET)
			CHECK(memcmp(a[i].ip + 4, "\0\0\0\0\0\0\0\0\0\0\0\0", 12) == 0);
	}
}

static void
reply(const uint8_t *d, size_t n)
{
	static struct dns_addr a[DNS_MAX], b[DNS_MAX];
	unsigned char q[DNS_QUERY];
	int na, nb, k, qn, r;
	size_t m;

	na = dns_answers(d, n, a, 0);
	valid(a, na);
	for (m = n > 0 ? n - 1 : 0; ; m = m / 2) {	/* cut short: a prefix */
		nb = dns_answers(d, m, b, 0);
		CHECK(nb <= na && memcmp(a, b, sizeof a[0] * (size_t)nb) == 0);
		if (m == 0)
			break;
	}
	for (k = 0; k <= DNS_MAX; k += 7) {	/* from a count k: the same, up to DNS_MAX */
		nb = dns_answers(d, n, b, k);
		CHECK(nb == (k + na < DNS_MAX ? k + na : DNS_MAX));
		CHECK(memcmp(b + k, a, sizeof a[0] * (size_t)(nb - k)) == 0);
	}
	qn = dns_query(q, "live.test", 1, n >= 2 ? (unsigned)(d[0] << 8 | d[1]) : 0);
	CHECK(qn == 27);
	r = dns_match(d, n, q, (size_t)qn);
	CHECK(r >= -1 && r <= 15);
	if (r >= 0)
		CHECK(d[0] == q[0] && d[1] == q[1] && (d[2] & 0x80));
}

/* the input as the answer section of a reply to a query for a name from it */
static void
built(const uint8_t *d, size_t n)
{
	static unsigned char r[DNS_QUERY + 70000];
	static struct dns_addr a[DNS_MAX];
	unsigned char q[DNS_QUERY];
	char name[64];
	size_t i, l = 0;
	int qn, an, got;

	for (i = 4; i < n && l < 40 && d[i] != 0 && d[i] != '\n'; i++)
		name[l++] = (char)d[i];
	name[l] = '\0';
	if (n < 4 || (qn = dns_query(q, name, d[2] & 1 ? 28 : 1, d[0])) < 0)
		return;
	CHECK(qn == (int)(l + 18) || (qn == (int)(l + 17) && name[l - 1] == '.'));
	memcpy(r, q, (size_t)qn);
	r[2] = (unsigned char)(q[2] | 0x80 | (d[1] & 0x7a));
	r[3] = d[3];
	r[7] = d[2] >> 1;	/* ANCOUNT */
	an = r[7];
	memcpy(r + qn, d, n);
	CHECK(dns_match(r, (size_t)qn + n, q, (size_t)qn) == (d[3] & 15));
	got = dns_answers(r, (size_t)qn + n, a, 0);
	valid(a, got);
	CHECK(got <= an && (got == 0 || (d[3] & 15) == 0));
	CHECK(dns_match(r, (size_t)qn - 1, q, (size_t)qn) == -1);
	r[0] ^= 0x40;
	CHECK(dns_match(r, (size_t)qn + n, q, (size_t)qn) == -1);
	r[0] ^= 0x40;
	r[2] &= 0x7f;
	CHECK(dns_match(r, (size_t)qn + n, q, (size_t)qn) == -1);
	r[2] |= 0x80;
	if (l > 1 && name[l - 1] != '.') {	/* a name one byte shorter, one longer */
		name[l - 1] = '\0';
		if ((qn = dns_query(q, name, d[2] & 1 ? 28 : 1, d[0])) > 0)
			CHECK(dns_match(r, (size_t)qn + n, q, (size_t)qn) == -1);
		name[l - 1] = 'x';
		name[l] = 'y';
		name[l + 1] = '\0';
		if ((qn = dns_query(q, name, d[2] & 1 ? 28 : 1, d[0])) > 0)
			CHECK(dns_match(r, (size_t)qn + n, q, (size_t)qn) == -1);
	}
}

static void
put(const uint8_t *d, size_t n)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	CHECK(fwrite(d, 1, n, f) == n);
	CHECK(fclose(f) == 0);
}

static void
hosts(const uint8_t *d, size_t n, const char *name)
{
	static struct dns_addr a[DNS_MAX], b[DNS_MAX], c[DNS_MAX];
	const uint8_t *nl;
	int na, nb, nc, err;

	na = dns_hosts((const char *)d, n, name, a);
	CHECK(na == DNS_NONAME || (na >= 0 && na <= DNS_MAX));
	valid(a, na > 0 ? na : 0);
	/* two parts cut after a '\n': the lines and their pieces are the same, the
	   addresses add up (to DNS_MAX), a bad scope counts only when none is found */
	if ((nl = memchr(d + n / 2, '\n', n - n / 2)) != NULL) {
		size_t k = (size_t)(nl - d) + 1;
		int cb, cc, sum;

		nb = dns_hosts((const char *)d, k, name, b);
		nc = dns_hosts((const char *)d + k, n - k, name, c);
		cb = nb > 0 ? nb : 0;
		cc = nc > 0 ? nc : 0;
		sum = cb + cc < DNS_MAX ? cb + cc : DNS_MAX;
		if (sum > 0) {
			CHECK(na == sum && memcmp(a, b, sizeof a[0] * (size_t)cb) == 0);
			CHECK(memcmp(a + cb, c, sizeof a[0] * (size_t)(sum - cb)) == 0);
		} else
			CHECK(na == (nb == DNS_NONAME || nc == DNS_NONAME ? DNS_NONAME : 0));
	}
	put(d, n);
	dns_hosts_file = path;
	nb = dns_hosts_read(name, b, 0x7fffffffffffLL, &err);
	CHECK(nb == na && (na <= 0 || memcmp(a, b, sizeof a[0] * (size_t)na) == 0));
}

static void
conf(const uint8_t *d, size_t n)
{
	static struct dns_conf c1, c2;
	int i, err;

	dns_conf((const char *)d, n, &c1);
	CHECK(c1.nns >= 1 && c1.nns <= DNS_NS);
	CHECK(c1.ndots >= 0 && c1.ndots <= 15 && c1.timeout >= 0 && c1.timeout <= 60 &&
	    c1.attempts >= 0 && c1.attempts <= 10);
	CHECK(memchr(c1.search, '\0', sizeof c1.search) != NULL);
	for (i = 0; i < c1.nns; i++)
		CHECK(c1.ns[i].family == AF_INET || c1.ns[i].family == AF_INET6);
	put(d, n);
	dns_conf_file = path;
	CHECK(dns_conf_read(&c2, 0x7fffffffffffLL, &err) == 0);
	CHECK(c1.nns == c2.nns && c1.ndots == c2.ndots && c1.timeout == c2.timeout &&
	    c1.attempts == c2.attempts && strcmp(c1.search, c2.search) == 0 &&
	    memcmp(c1.ns, c2.ns, sizeof c1.ns[0] * (size_t)c1.nns) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[32];
	size_t i, l = 0;

	if (path[0] == '\0')
		snprintf(path, sizeof path, "/tmp/fuzz_dns.%ld", (long)getpid());
	reply(data, size);
	built(data, size);
	hosts(data, size, "a");
	/* the first line's second field as the name */
	for (i = 0; i < size && data[i] != ' ' && data[i] != '\t' && data[i] != '\n'; i++)
		;
	for (; i < size && (data[i] == ' ' || data[i] == '\t'); i++)
		;
	for (; i < size && l < sizeof name - 1 && data[i] > ' ' && data[i] != '#'; i++)
		name[l++] = (char)data[i];
	name[l] = '\0';
	if (l > 0)
		hosts(data, size, name);
	conf(data, size);
	unlink(path);
	return 0;
}
