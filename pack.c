/*
 * pack: compress the texts of text.h into the stream unpack.h describes
 * (build tool).
 *
 *   pack > text.c
 *
 * The parse is optimal for the format's bit costs (a shortest path from
 * the end back), the same on every machine: the output depends only on
 * text.h. The stream is unpacked again and compared before it is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "unpack.h"

static const char in[] = TEXT_USAGE "\0" TEXT_ERRTAB "\0" TEXT_ERRWORDS;
#define N ((size_t)TEXT_LEN)
#define LMAX 1024	/* the longest copy tried */
_Static_assert(TEXT_LEN < 65536, "take and back hold lengths and distances");

static unsigned long cost[N + 1];	/* bits from here to the end, at best */
static unsigned short take[N], back[N];	/* the item that does it: length, distance */
static unsigned char out[N + 16];
static size_t nbits;
const unsigned char text_packed[1];	/* for unpack.c's text(), not called here */

static void
put(size_t v, int n)
{
	while (n-- > 0) {
		if (v >> n & 1)
			out[nbits >> 3] |= (unsigned char)(0x80 >> (nbits & 7));
		nbits++;
	}
}

static int
width(size_t v)
{
	int n = 0;

	while (v >> n)
		n++;
	return n;
}

/* v >= 1 as unpack.c's gamma() reads it: after the leading 1, each bit behind a 0; then a 1 */
static void
putg(size_t v)
{
	int n;

	for (n = width(v) - 1; n-- > 0;) {
		put(0, 1);
		put(v >> n, 1);
	}
	put(1, 1);
}

/* the bits of a copy: its 1, two gamma numbers, 7 bits */
static unsigned long
copycost(size_t len, size_t d)
{
	return 1 + (2 * width(len - 1) - 1) + (2 * width((d >> 7) + 1) - 1) + 7;
}

int
main(void)
{
	static char check[N];
	size_t i, d, k, j;

	for (i = 0; i < N; i++)
		if ((unsigned char)in[i] >= 0x80) {
			fprintf(stderr, "pack: byte %zu of text.h is not below 0x80\n", i);
			return 1;
		}
	cost[N] = copycost(2, 0);
	for (i = N; i-- > 0;) {
		cost[i] = 8 + cost[i + 1];
		take[i] = 1;
		for (d = 1; d <= i; d++) {
			for (k = 0; i + k < N && k < LMAX && in[i + k] == in[i + k - d]; k++)
				if (k + 1 >= 2 && copycost(k + 1, d) + cost[i + k + 1] < cost[i]) {
					cost[i] = copycost(k + 1, d) + cost[i + k + 1];
					take[i] = (unsigned short)(k + 1);
					back[i] = (unsigned short)d;
				}
		}
	}
	for (i = 0; i < N; i += take[i])
		if (take[i] == 1) {
			put(0, 1);
			put((unsigned char)in[i], 7);
		} else {
			put(1, 1);
			putg(take[i] - 1);
			putg((back[i] >> 7) + 1);
			put(back[i], 7);
		}
	put(1, 1);	/* the end */
	putg(1);
	putg(1);
	put(0, 7);
	if (unpack(check, sizeof check, out) != N || memcmp(check, in, N) != 0) {
		fprintf(stderr, "pack: the stream does not unpack to text.h\n");
		return 1;
	}
	printf("/* made by pack from text.h: %zu bytes in %zu */\n#include \"unpack.h\"\n\n",
	    N, (nbits + 7) / 8);
	printf("const unsigned char text_packed[] = {");
	for (j = 0; j < (nbits + 7) / 8; j++)
		printf("%s%d,", j % 20 ? "" : "\n", out[j]);
	printf("\n};\n");
	return 0;
}
