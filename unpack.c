/* see unpack.h */
#include <signal.h>
#include <stdatomic.h>

#include "text.h"
#include "unpack.h"

struct in {
	const unsigned char *src;	/* the next byte */
	unsigned cur;		/* from bit 9 down: the bits left of the last byte, a 1 */
};

static unsigned
bit(struct in *in)
{
	if (!(in->cur & 0xff))
		in->cur = *in->src++ << 1 | 1;
	in->cur <<= 1;
	return in->cur >> 9 & 1;
}

static unsigned
gamma(struct in *in)
{
	unsigned v = 1;

	while (!bit(in))
		v = v << 1 | bit(in);
	return v;
}

size_t
unpack(char *dst, size_t cap, const unsigned char *src)
{
	struct in in = { src, 0 };
	unsigned len = 1, v = 0, k;
	size_t n = 0;

	for (;; len = 1, v = 0) {
		if (bit(&in)) {
			len = gamma(&in) + 1;
			v = gamma(&in);
		}
		for (k = 0; k < 7; k++)
			v = v << 1 | bit(&in);
		/* v: a literal below 128, D + 128 above */
		if (v == 128)
			return n;
		if (len > cap - n)
			return 0;
		for (; len > 0; len--, n++)
			dst[n] = v < 128 ? (char)v : dst[n - (v - 128)];
	}
}

const char *
text(void)
{
	static char buf[TEXT_LEN];
	static volatile sig_atomic_t done;

	if (!done) {
		unpack(buf, sizeof buf, text_packed);
		atomic_signal_fence(memory_order_seq_cst);	/* buf before done */
		done = 1;
	}
	return buf;
}
