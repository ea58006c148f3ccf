/*
 * clock.c: deadlines on the monotonic clock, so that waits are bounded
 * even when the wall clock jumps.  A deadline is a time in seconds; a
 * negative one means "no deadline".
 */

#include <limits.h>
#include <time.h>

#include "runner-int.h"

/* Seconds on the monotonic clock. */
double
clock_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* The deadline timeout_ms from now; a negative timeout never expires. */
double
clock_deadline(int timeout_ms)
{
	if (timeout_ms < 0)
		return (-1);
	return (clock_now() + timeout_ms / 1000.0);
}

/* Milliseconds left before the deadline, for poll(2): -1 for none. */
int
clock_ms_left(double deadline)
{
	double	 left;

	if (deadline < 0)
		return (-1);
	left = (deadline - clock_now()) * 1000.0;
	if (left <= 0)
		return (0);
	if (left >= INT_MAX)
		return (INT_MAX);
	return ((int)left + (left > (int)left));	/* round up: no early 0 */
}
