/* clock: one home for clock_gettime, so every module measures alike. */
#include "clock.h"

#include <assert.h>
#include <math.h>

static double read_clock(clockid_t id)
{
    struct timespec ts;
    int rc = clock_gettime(id, &ts);
    assert(rc == 0); /* only fails for an unknown clock id */
    (void)rc;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double clock_mono(void)
{
    return read_clock(CLOCK_MONOTONIC);
}

double clock_real(void)
{
    return read_clock(CLOCK_REALTIME);
}

double clock_round_ns(double secs)
{
    return isfinite(secs) ? round(secs * 1e9) / 1e9 : secs;
}

struct timespec clock_timespec(double s)
{
    assert(s >= 0 && isfinite(s));
    struct timespec ts;
    double whole = floor(s);
    ts.tv_sec = (time_t)whole;
    ts.tv_nsec = (long)((s - whole) * 1e9);
    if (ts.tv_nsec >= 1000000000L) { /* rounding at the top of a second */
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}
