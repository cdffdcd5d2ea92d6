/*
 * unpack.h: the cold texts of text.h, built in compressed and unpacked
 * when first needed.
 *
 * The format (pack.c writes it, unpack() reads it) is a bit stream, most
 * significant bit of each byte first, of items:
 *   0 and 7 bits: one literal byte (every text byte is below 0x80);
 *   1, g(L - 1), g((D >> 7) + 1) and the 7 low bits of D: a copy of L
 *     bytes (L >= 2) from D bytes back in the output (D >= 1);
 *   the same with D = 0: the end.
 * g(V), V >= 1, is Elias gamma: as many 0 bits as V has bits after its
 * leading 1, then V's bits from that 1 down.
 */
#ifndef UNPACK_H
#define UNPACK_H

#include <stddef.h>

/*
 * unpack(): decode the stream src into dst[0..cap). Returns the bytes
 * written, or 0 when the output would not fit in cap (what was written so
 * far is left). Never writes beyond dst[cap - 1]; src is trusted (built
 * in): it must end, and reach no further back than dst. Uses no state but
 * its arguments: async-signal-safe, and running it again on the same
 * buffer (even over a run it interrupted) writes the same bytes.
 */
size_t unpack(char *dst, size_t cap, const unsigned char *src);

/* The packed texts: build/text.c, made by pack.c from text.h. */
extern const unsigned char text_packed[];

/*
 * text(): the texts of text.h, one after the other, each with its NUL
 * (TEXT_*_AT), unpacked into static storage on the first call.
 * Async-signal-safe: a call that interrupts the first unpacks again.
 */
const char *text(void);

#endif
