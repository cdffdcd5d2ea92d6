/* see retry.h */
#include <stdint.h>
#include <unistd.h>

#include "msg.h"
#include "net.h"
#include "retry.h"

void
retry_say(const char *mode, int n, const struct fail *f, const char *who,
    long long valid_ms, long long wait_ms)
{
	struct lf lf = { valid_ms > 0 ? valid_ms / 1000 : 0, n, wait_ms, f->code, -1 };
	char held[48];

	if (valid_ms > 0)
		fmt(held, sizeof held, "keeps a token valid for %lld s", valid_ms / 1000);
	else
		fmt(held, sizeof held, "holds no valid token");
	say("refresh_failed", &lf, "%s: refresh failed (attempt %d): %s; %s %s; "
	    "retrying in %lld ms", mode, n, f->text, who, held, wait_ms);
}

int
retry_transient(int code, int io)
{
	switch (code) {
	case XC_DNS:
	case XC_CONNECT:
	case XC_TIMEOUT:
	case XC_RATE:
	case XC_SERVER:
		return 1;
	case XC_TLS:
		return io;
	}
	return 0;
}

/* E(n) = min(cap, base * 2^(n-1)) */
static long long
envelope(int n, long long cap_ms)
{
	long long e = RETRY_BASE_MS;

	while (--n > 0 && e < cap_ms)
		e *= 2;
	return e < cap_ms ? e : cap_ms;
}

/* Retry-After in ms when it counts (above 0), capped; else 0. */
static long long
asked(long retry_after)
{
	if (retry_after <= 0)
		return 0;
	return retry_after > RETRY_AFTER_CAP_MS / 1000 ? RETRY_AFTER_CAP_MS :
	    retry_after * 1000LL;
}

long long
retry_wait_ms(int n, long retry_after, long long cap_ms)
{
	long long e = envelope(n, cap_ms), lo = e / 2, w, ra = asked(retry_after);
	uint32_t rnd;

	if (getentropy(&rnd, sizeof rnd) != 0)
		rnd = (uint32_t)clock_ms() * 2654435761u;
	w = lo + (long long)(rnd % (uint32_t)(e - lo + 1));
	return ra > w ? ra : w;
}
