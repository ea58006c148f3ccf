/*
 * restart.c: the restart policy; the launch queue paces its restarts.
 *
 * After an exit that nobody asked for, the policy says whether the
 * instance restarts (restart), how long it waits first (backoff_initial
 * doubling up to backoff_max; the first restart after a run of
 * backoff_reset seconds is immediate) and when it gives up (max_restarts
 * within restart_window).  A spawn that fails is a failed start and goes
 * through the same policy as a crash, its error kept for status.
 *
 * A restart never runs where the exit is reaped: libev's SIGCHLD watcher
 * feeds itself again for as long as waitpid finds a child, without going
 * back to epoll, so a restart there whose child dies before the next
 * waitpid (command = "false" at backoff 0, or any crash while hundreds
 * of subscribers make each exit slow to announce) would never let the
 * loop answer anyone again.  An instance in backoff waits for its delay
 * on its own timer (i->restart.backoff), and then, like one with no delay and
 * like a restart by hand, in the launch queue (launchq.c), which paces
 * every launch: a wave of hundreds of crashes is spread over many
 * iterations of the loop, clients answered between them.  Starts of one
 * instance are RESTART_SPACING apart at least, whatever the backoff (0
 * included), so that a crash loop costs a bounded number of forks a
 * second.
 *
 * The policy's state (counts, window, backoff timer, a restart by hand
 * under way) is i->restart, touched only here.
 */

#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runnerd.h"

#define RESTART_SPACING	0.01	/* between two starts of one instance */

static void	 restart_backoff_cb(struct ev_loop *, ev_timer *, int);
static int	 restart_wanted(const struct inst *, int);
static double	 restart_backoff(struct inst *);
static int	 restart_window_full(struct inst *);
static void	 restart_respawn(struct inst *);
static void	 restart_spawn_failed(struct inst *, int, const char *, int);
static void	 restart_dequeue(struct inst *);
static void	 restart_soon(struct inst *);
static double	 restart_in(const struct inst *);

/* A new instance: never restarted, not queued. */
void
restart_init(struct inst *i)
{
	ev_timer_init(&i->restart.backoff, restart_backoff_cb, 0, 0);
	i->restart.backoff.data = i;
}

/* i's process was just started: its run is timed from now. */
void
restart_started(struct inst *i)
{
	i->restart.started_at = ev_now(server.loop);
}

/* How often i was restarted (0: it runs from its first start). */
int
restart_count(const struct inst *i)
{
	return (i->restart.restarts);
}

/*
 * A restart by hand starts the policy's count again (a failed instance
 * runs again).  One with a process is about to be stopped: it starts
 * again when its exit is reaped (restart_after_stop).
 */
void
restart_by_hand(struct inst *i)
{
	i->restart.crashes = 0;
	i->restart.window_restarts = 0;
	i->restart.by_hand = 1;
	if (i->pid > 0)
		i->restart.respawn = 1;
	else
		restart_soon(i);
}

/*
 * i was stopped and its exit reaped: 1 if it was a restart by hand, now
 * queued (never run from here), 0 if the stop ends it.
 */
int
restart_after_stop(struct inst *i)
{
	if (!i->restart.respawn || server.shutting_down)
		return (0);
	i->restart.respawn = 0;
	restart_soon(i);
	return (1);
}

/* 1 while i is stopping to start again (a restart by hand). */
int
restart_pending(const struct inst *i)
{
	return (i->restart.respawn);
}

/* Queue i for a restart now (next_restart says so to status). */
static void
restart_soon(struct inst *i)
{
	i->restart.next_restart = ev_now(server.loop);
	restart_enqueue(i);
}

/*
 * Status's members about the runs: "uptime", "restarts", "last_exit" and
 * "next_restart" (seconds from now, while in backoff).
 */
void
restart_json(struct buf *b, const struct inst *i)
{
	jw_key(b, "uptime");
	jw_double(b, i->pid > 0 ? ev_now(server.loop) -
	    i->restart.started_at : 0);
	jw_key(b, "restarts");
	jw_int(b, i->restart.restarts);
	jw_key(b, "last_exit");
	inst_json_exit(b, i);
	jw_key(b, "next_restart");
	if (i->state == INST_BACKOFF)
		jw_double(b, restart_in(i));
	else
		jw_null(b);
}

/*
 * Seconds until i's restart, to the microsecond: the loop's clock is
 * seconds since 1970 in a double, whose rounding (some 0.2 us) made a
 * backoff of 0.4 s read 0.4000001 when asked in the turn that set it.
 */
static double
restart_in(const struct inst *i)
{
	double	 d = i->restart.next_restart - ev_now(server.loop);

	return (d > 0 ? (double)(long long)(d * 1e6 + 0.5) / 1e6 : 0);
}

/* Should an exit with this status (-1: a failed spawn) restart? */
static int
restart_wanted(const struct inst *i, int status)
{
	if (server.shutting_down)
		return (0);
	/* Stopped by its probe (health.c): a failure, however it exited. */
	if (health_killed(i))
		return (i->app->restart != RESTART_NO);
	if (i->app->restart == RESTART_ALWAYS)
		return (1);
	return (i->app->restart == RESTART_ON_FAILURE &&
	    !(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0));
}

/*
 * The delay before the next restart: none for the first after a run,
 * then backoff_initial doubling up to backoff_max; a run of backoff_reset
 * seconds or more starts the count again.
 */
static double
restart_backoff(struct inst *i)
{
	const struct app	*a = i->app;
	double			 delay = a->backoff_initial;
	int			 k;

	if (ev_now(server.loop) - i->restart.started_at >= a->backoff_reset)
		i->restart.crashes = 0;
	if (i->restart.crashes++ == 0)
		return (0);
	for (k = 1; k < i->restart.crashes - 1 && delay < a->backoff_max; k++)
		delay *= 2;
	return (delay < a->backoff_max ? delay : a->backoff_max);
}

/*
 * Count a restart against max_restarts: the window opens at the first
 * restart and lasts restart_window seconds.  1 when this one is over
 * the limit.
 */
static int
restart_window_full(struct inst *i)
{
	double	 now = ev_now(server.loop);

	if (i->app->max_restarts == 0)
		return (0);
	if (i->restart.window_restarts == 0 ||
	    now - i->restart.window_start > i->app->restart_window) {
		i->restart.window_start = now;
		i->restart.window_restarts = 0;
	}
	return (++i->restart.window_restarts > i->app->max_restarts);
}

/*
 * What the policy does after an exit that nobody asked for (status is
 * its wait status), or after a restart whose spawn failed (status -1,
 * the reason in i->end.start_msg): end the instance, or put it in backoff.
 */
void
restart_after_exit(struct inst *i, int status)
{
	char	 how[RUNNER_ERRMSG_MAX];
	double	 delay, now = ev_now(server.loop);

	if (!restart_wanted(i, status)) {
		if (health_killed(i) && !server.shutting_down) {
			/* restart = "no": stopped by its probe, failed. */
			free(i->end.start_msg);
			i->end.start_msg = strdup(health_reason(i));
			i->end.start_code = RUNNER_ESPAWN;
			inst_end(i, INST_FAILED);
			return;
		}
		inst_end(i, INST_EXITED);
		return;
	}
	if (restart_window_full(i)) {
		log_warnx("%s: %d restarts within %g s; giving up (failed)",
		    i->alias, i->app->max_restarts, i->app->restart_window);
		if (status == -1)
			snprintf(how, sizeof(how), "could not be started (%s)",
			    i->end.start_msg != NULL ? i->end.start_msg : "?");
		else
			status_words(status, how, sizeof(how));
		free(i->end.start_msg);
		if (asprintf(&i->end.start_msg, "'%s' %s; it was restarted %d "
		    "times within %g s and is now failed", i->alias, how,
		    i->app->max_restarts, i->app->restart_window) == -1)
			i->end.start_msg = NULL;
		i->end.start_code = RUNNER_ESPAWN;
		inst_end(i, INST_FAILED);
		return;
	}
	delay = restart_backoff(i);
	if (delay > 0)
		log_info("%s: restarting in %g s", i->alias, delay);
	/* Never sooner than RESTART_SPACING after its last start. */
	if (i->restart.started_at + RESTART_SPACING - now > delay)
		delay = i->restart.started_at + RESTART_SPACING - now;
	i->state = INST_BACKOFF;
	i->restart.next_restart = now + delay;
	inst_event("restarting", i, 0);
	if (delay <= 0) {
		restart_enqueue(i);
		return;
	}
	ev_timer_stop(server.loop, &i->restart.backoff);
	ev_timer_set(&i->restart.backoff, delay, 0);
	ev_timer_start(server.loop, &i->restart.backoff);
}

static void
restart_backoff_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct inst	*i = w->data;

	(void)loop;
	(void)revents;
	if (i->state == INST_BACKOFF)
		restart_enqueue(i);	/* due: its turn in the queue */
}

/*
 * Start again in place: same alias, args and buffered output.  Only the
 * launch queue does this; a failed spawn goes back to the policy.
 */
static void
restart_respawn(struct inst *i)
{
	char	 err[RUNNER_ERRMSG_MAX];
	int	 rc, by_hand = i->restart.by_hand;

	i->restart.by_hand = 0;
	i->restart.restarts++;
	if ((rc = inst_start(i, err, sizeof(err))) != 0)
		restart_spawn_failed(i, rc, err, by_hand);
}

/*
 * A restart's spawn failed (err says why, rc is its RUNNER_E* code): a
 * failed start, logged, kept for status and for a restart's waiters.  A
 * restart by hand then ends failed, as a start by hand does: someone is
 * there to read why, and an exec that fails now fails again (the policy
 * looping on it forever helps no one).  The policy's own restart counts
 * it as a crash, to be tried again after the backoff (forks fail for a
 * while: pids.max, RLIMIT_NPROC).
 */
static void
restart_spawn_failed(struct inst *i, int rc, const char *err, int by_hand)
{
	log_warnx("%s: cannot restart: %s", i->alias, err);
	i->end.start_code = rc;
	free(i->end.start_msg);
	i->end.start_msg = strdup(err);
	if (by_hand) {
		inst_end(i, INST_FAILED);
		return;
	}
	/* The attempt is a start that ran for no time, for the backoff. */
	i->restart.started_at = ev_now(server.loop);
	i->state = INST_BACKOFF;
	waiters_inst_event(i);
	restart_after_exit(i, -1);
}

/*
 * Restart i as soon as the launch queue gets to it (a restart by hand,
 * or a policy's restart that is due).  i has no process.
 */
void
restart_enqueue(struct inst *i)
{
	ev_timer_stop(server.loop, &i->restart.backoff);
	i->state = INST_BACKOFF;
	launchq_add(i, LAUNCH_RESTART, NULL);
}

/* The restart is not wanted (stopped, removed). */
void
restart_cancel(struct inst *i)
{
	i->restart.respawn = 0;
	i->restart.by_hand = 0;
	ev_timer_stop(server.loop, &i->restart.backoff);
	restart_dequeue(i);
}

/* Take i off the launch queue, if its restart is on it. */
static void
restart_dequeue(struct inst *i)
{
	if (launchq_kind(i) == LAUNCH_RESTART)
		launchq_remove(i);
}

/*
 * i's turn in the launch queue: restart it, unless it was stopped or
 * started meanwhile, or runnerd is stopping.
 */
void
restart_turn(struct inst *i)
{
	if (i->state == INST_BACKOFF && i->pid == 0 && !server.shutting_down)
		restart_respawn(i);
}

/* An upgrade (carry.c): the policy's counts, its timer and queue place. */
void
restart_save(struct hand *h, const struct inst *i)
{
	const struct restart	*r = &i->restart;

	hand_int(h, "rs_respawn", r->respawn);
	hand_int(h, "rs_by_hand", r->by_hand);
	hand_double(h, "rs_started_at", r->started_at);
	hand_int(h, "rs_restarts", r->restarts);
	hand_int(h, "rs_crashes", r->crashes);
	hand_double(h, "rs_next_restart", r->next_restart);
	hand_double(h, "rs_window_start", r->window_start);
	hand_int(h, "rs_window_restarts", r->window_restarts);
	hand_double(h, "rs_backoff_in", ev_is_active(&r->backoff) ?
	    ev_timer_remaining(server.loop, (ev_timer *)&r->backoff) : -1);
	hand_int(h, "rs_queued", launchq_kind(i) == LAUNCH_RESTART);
}

void
restart_load(struct hand *h, struct inst *i)
{
	struct restart	*r = &i->restart;
	double		 in;
	int		 queued;

	r->respawn = (int)hand_get_int(h, "rs_respawn");
	r->by_hand = (int)hand_get_int(h, "rs_by_hand");
	r->started_at = hand_get_double(h, "rs_started_at");
	r->restarts = (int)hand_get_int(h, "rs_restarts");
	r->crashes = (int)hand_get_int(h, "rs_crashes");
	r->next_restart = hand_get_double(h, "rs_next_restart");
	r->window_start = hand_get_double(h, "rs_window_start");
	r->window_restarts = (int)hand_get_int(h, "rs_window_restarts");
	in = hand_get_double(h, "rs_backoff_in");
	queued = (int)hand_get_int(h, "rs_queued");
	if (hand_failed(h))
		return;
	if (queued)
		restart_enqueue(i);
	else if (in >= 0) {
		ev_timer_set(&r->backoff, in, 0);
		ev_timer_start(server.loop, &r->backoff);
	}
}
