/*
 * trim.c: the heap handed back to the kernel once runnerd goes quiet.
 * What a burst of work allocates and frees (a status reply, a client's
 * buffers, the directory buffers of a restart's process walk, the
 * configuration at start-up) leaves pages touched in the heap that
 * malloc keeps, in the middle of it where no free() trims: an idle
 * runnerd held three times the heap it uses (issue 20: idle RSS).  So
 * after TRIM_QUIET seconds without an event, malloc_trim gives back
 * every whole free page, once.
 *
 * One shot, never periodic: a check watcher (run after each wakeup of
 * the loop) sets the timer anew, except on the wakeup that is the timer
 * itself, so an idle runnerd wakes once after its last work and then
 * never.  A busy one never trims: what it frees it will reuse.
 */

#include <malloc.h>

#include "runnerd.h"

#define TRIM_QUIET	0.5	/* seconds without an event, then trim */

static ev_check	 trim_check;
static ev_timer	 trim_timer;

static void
trim_check_cb(struct ev_loop *loop, ev_check *w, int revents)
{
	(void)w;
	(void)revents;
	/* libev runs check watchers before the timers of the same wakeup. */
	if (!ev_is_pending(&trim_timer))
		ev_timer_again(loop, &trim_timer);
}

static void
trim_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	ev_timer_stop(loop, w);
	malloc_trim(0);
}

/* Trim after each quiet spell of the loop, from its next wakeup on. */
void
trim_init(void)
{
	ev_check_init(&trim_check, trim_check_cb);
	ev_timer_init(&trim_timer, trim_timer_cb, 0, TRIM_QUIET);
	ev_check_start(server.loop, &trim_check);
	ev_timer_again(server.loop, &trim_timer);
}
