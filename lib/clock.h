/* clock: the two clocks esvigil reads, as seconds in a double. Monotonic for
 * durations, deadlines and rates (immune to NTP steps); real time only for
 * timestamps people and Prometheus see. */
#ifndef ESVIGIL_CLOCK_H
#define ESVIGIL_CLOCK_H

#include <time.h>

double clock_mono(void);
double clock_real(void);

/* s seconds as a timespec (s >= 0), e.g. an absolute deadline for
 * pthread_cond_timedwait on a CLOCK_MONOTONIC condition. */
struct timespec clock_timespec(double s);

/* A duration in seconds rounded to the nanosecond, the clock's own resolution, for export: the
 * difference of two readings carries float noise in its last digits (0.0010675350000042272 for
 * 1067535 ns), which would cost the page 17 digits and the renderer three printf calls. */
double clock_round_ns(double secs);

#endif
