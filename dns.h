/*
 * dns.h: a host name to addresses, in this process, as musl 1.2.3's
 * getaddrinfo() (AF_UNSPEC, no flags) finds and orders them, with every
 * wait bounded by the caller's deadline and by the cut of net.h.
 *
 * In order, the first that gives anything wins:
 *   - an IP literal: IPv4 in inet_aton()'s forms ("127.1", "0x7f.1"),
 *     IPv6 with an optional "%scope" (a number, or an interface name for a
 *     link-local address);
 *   - /etc/hosts: each line is "ADDRESS NAME..." up to a '#'; the name
 *     matches a whole whitespace-separated field, case-sensitive, not the
 *     first one nor one that ends the file without a newline (as musl);
 *     every matching line's address in file order, at most DNS_MAX;
 *   - the DNS per /etc/resolv.conf: up to DNS_NS "nameserver" addresses
 *     (127.0.0.1 when none), "options ndots:N timeout:N attempts:N"
 *     (defaults 1, 5, 2; caps 15, 60, 10), "search" or "domain" (the last
 *     such line wins); lines of 255 bytes or more are ignored. A name with
 *     fewer dots than ndots tries NAME.DOMAIN for each search domain first,
 *     going on to the next only after NXDOMAIN, then NAME; a name with a
 *     trailing dot is NAME only. Each try sends an A and an AAAA query with
 *     random ids to every server from one UDP socket, again to every server
 *     every timeout/attempts s while unanswered, for timeout s in all. A
 *     reply counts only from a server's address and port 53, with the id,
 *     QR and the question of a query: NOERROR and NXDOMAIN are answers, a
 *     SERVFAIL is asked again of that server at once (at most twice per
 *     query and round), other codes are ignored. No TCP: a truncated reply
 *     is used as it is (its first 512 bytes, as musl). The addresses are
 *     the A and AAAA records of the answer sections (any owner: CNAME
 *     chains are taken as they come), A first. Both queries must be
 *     answered: one unanswered is "no answer". NXDOMAIN is "no such name",
 *     as is an answer without addresses (and that ends the search).
 * Two addresses or more, one of them IPv6: sorted as musl does RFC 6724
 * rules 1, 2, 5, 6, 8, 9 and 10 (dns_key()), each destination probed with
 * the connect() of a UDP socket for reachability and source address.
 *
 * No fork, no stdio, no malloc: files are read with open(O_NONBLOCK) and
 * read() after poll() (a FIFO waits for its writer, within the deadline),
 * replies into fixed 512-byte buffers.
 */
#ifndef DNS_H
#define DNS_H

#include <stddef.h>

#define DNS_MAX 48	/* addresses at most (musl's MAXADDRS) */
#define DNS_NS 3	/* name servers at most (musl's MAXNS) */
#define DNS_REPLY 512	/* bytes of a reply that are read */
#define DNS_QUERY 280	/* bytes of a query at most */

struct dns_addr {
	int family;		/* AF_INET or AF_INET6 */
	unsigned scope;		/* the IPv6 scope id, 0 for none */
	unsigned char ip[16];	/* network order; IPv4 in the first 4 */
	int key;		/* dns_key(), once sorted */
};

/* What went wrong, as a negative result. */
enum {
	DNS_NONAME = -1,	/* no such name, no address, not a valid name */
	DNS_AGAIN = -2,		/* no answer from the servers within timeout */
	DNS_SYSTEM = -3,	/* a system call failed: *err holds errno */
	DNS_TIMEOUT = -4	/* the deadline passed, or the cut */
};

/*
 * dns_resolve(): name (NUL-terminated) to at most DNS_MAX addresses in a,
 * before deadline (clock_ms()). Returns their count (> 0) or a DNS_*.
 */
int dns_resolve(const char *name, long long deadline, struct dns_addr *a, int *err);

/* ---- the parts, for the tests ---- */

/* inet_pton() of IPv4 (four decimal parts, no leading zeros) and IPv6: 1 or 0. */
int dns_pton4(const char *s, unsigned char *ip);	/* 4 bytes */
int dns_pton6(const char *s, unsigned char *ip);	/* 16 bytes */

/* An IP literal as above: 1 with *a filled, 0 when s is none, DNS_NONAME for a bad scope. */
int dns_literal(const char *s, struct dns_addr *a);

/*
 * dns_hosts(): the lines of an /etc/hosts text buf[0..n) (cut as musl's
 * fgets() with 512 bytes would) for name: the addresses of the matching
 * lines into a (DNS_MAX), their count; DNS_NONAME when none matched but a
 * matching line had a bad scope.
 */
int dns_hosts(const char *buf, size_t n, const char *name, struct dns_addr *a);

/*
 * dns_hosts_read(): the same for the file dns_hosts_file ("/etc/hosts";
 * none, or one that may not be read, is empty), read before deadline: the
 * count, 0, DNS_NONAME, DNS_SYSTEM (opening failed otherwise) or
 * DNS_TIMEOUT.
 */
extern const char *dns_hosts_file, *dns_conf_file;	/* changed by tests only */
int dns_hosts_read(const char *name, struct dns_addr *a, long long deadline, int *err);

struct dns_conf {
	struct dns_addr ns[DNS_NS];
	int nns, ndots, timeout, attempts;	/* timeout in seconds */
	char search[256];	/* the domains, separated by white space */
};

/* dns_conf(): *c from a resolv.conf text buf[0..n), the defaults where it says nothing. */
void dns_conf(const char *buf, size_t n, struct dns_conf *c);

/* dns_conf_read(): the same for the file dns_conf_file ("/etc/resolv.conf"): 0 or a DNS_*. */
int dns_conf_read(struct dns_conf *c, long long deadline, int *err);

/*
 * dns_query(): the query for name (an optional trailing dot ignored) of
 * type (1 A, 28 AAAA), class IN, RD set, with id into q (DNS_QUERY bytes).
 * Returns its length, or -1 when name is not one (an empty label, a label
 * over 63 bytes, over 253 bytes in all).
 */
int dns_query(unsigned char *q, const char *name, int type, unsigned id);

/*
 * dns_match(): the RCODE of reply r[0..n) when it answers query q[0..qn)
 * (the same id, QR set, one question: the same name, ignoring case, type
 * and class), else -1.
 */
int dns_match(const unsigned char *r, size_t n, const unsigned char *q, size_t qn);

/*
 * dns_answers(): append the A and AAAA records of the answer section of a
 * NOERROR reply r[0..n) to a, which holds cnt (up to DNS_MAX). Stops at
 * the first malformed record (a name with a bad label, a compression
 * pointer that does not point back, anything past n, an A not of 4 bytes
 * or an AAAA not of 16) keeping what came before; takes nothing from a
 * reply with over 64 questions and answers. Returns the new count.
 */
int dns_answers(const unsigned char *r, size_t n, struct dns_addr *a, int cnt);

/*
 * dns_key(): musl's RFC 6724 sort key of d, the i-th (from 0) of the
 * list, given whether a UDP connect() to it worked and, if known, the
 * source address it chose (IPv4 as ::ffff:a.b.c.d), else src NULL.
 * dns_sort() fills each key that way and sorts by it, highest first.
 */
int dns_key(const struct dns_addr *d, int i, int usable, const unsigned char *src);
void dns_sort(struct dns_addr *a, int n);

#endif
