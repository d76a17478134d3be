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

#endif
