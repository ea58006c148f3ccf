/*
 * health.c: an instance's health probe (the app's `health`), its
 * schedule and its verdict.  From the exec of its process until the
 * process ends or is stopped, an instance is probed every interval
 * seconds (from the end of one probe to the start of the next; the first
 * at once), each probe bounded by timeout.  The probes themselves are
 * probe_exec.c, probe_connect.c and probe_http.c; none blocks the loop,
 * and each reports once, through health_result, unless dropped first.
 *
 *   starting --pass--> healthy --retries failures in a row--> unhealthy
 *   starting --retries failures (past start_period)--> unhealthy
 *   unhealthy --pass--> healthy;  any --the process ends--> starting
 *
 * Failures within start_period of the exec do not count, and until the
 * first pass they are retried sooner (50 ms, doubling up to interval).
 * Every change
 * of state is an event ("health", with the state and the last result),
 * so what waits for a verdict (ready = "healthy", a dependency) awaits
 * it rather than polls.  A pass of a starting instance with ready =
 * "healthy" makes it ready (ready.c).  A running, ready instance that
 * turns unhealthy is stopped and then restarted by its policy, or with
 * restart = "no" ends failed (restart.c asks health_killed), the reason
 * "unhealthy" in status and in the log: a liveness probe.
 *
 * A probe that is due does not start in its timer's callback: it joins
 * a queue, which one timer of the loop works for HEALTH_BUDGET seconds
 * at most per loop iteration (one probe at least), so that between
 * batches the loop polls and clients are answered, as restart.c paces
 * restarts.  An exec probe's spawn waits for the exec; a thousand
 * instances probed in step would otherwise hold the loop for as many.
 * When more is due than the budget allows, probes run late, never the
 * replies.
 *
 * The state lives in i->health, made at the first probe and freed with
 * the instance; a reload that adds, changes or removes the probe is
 * followed from the next one (health_follow).
 */

#include <sys/queue.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runnerd.h"

#define HEALTH_NOTE	256	/* bytes of a result kept for status */
#define HEALTH_BUDGET	0.002	/* seconds of starting probes per loop
				   iteration */
#define HEALTH_RETRY	0.05	/* start_period: the first retry after a
				   failure, doubling up to interval */

enum probe_kind { PROBE_NONE, PROBE_EXEC, PROBE_CONNECT, PROBE_HTTP };

struct health {
	struct inst		*inst;		/* its owner */
	ev_timer		 timer;		/* the next probe; while one
						   runs, its timeout */
	enum health_state	 state;
	int			 failures;	/* counted, in a row */
	double			 retry;		/* start_period: the last
						   retry's delay, or 0 */
	double			 began;		/* ev_now at the exec */
	double			 probe_at;	/* ev_now the probe began */
	enum probe_kind		 kind;		/* the probe in flight */
	void			*probe;		/* ... its own state */
	int			 has_last;	/* a result is below */
	int			 last_ok;
	double			 last_at;	/* epoch seconds */
	double			 last_duration;	/* seconds */
	char			 last[HEALTH_NOTE]; /* output or error */
	int			 killed;	/* liveness stopped it */
	char			 reason[HEALTH_NOTE + 64]; /* ... why */
	int			 kills;		/* liveness stops, ever */
	TAILQ_ENTRY(health)	 qentry;	/* the queue of due probes ... */
	int			 queued;	/* ... when on it */
};

static TAILQ_HEAD(, health) due = TAILQ_HEAD_INITIALIZER(due);
static ev_timer		 pump;		/* works the queue, a batch a time */
static int		 pump_init;

static struct health	*health_get(struct inst *);
static void		 health_timer_cb(struct ev_loop *, ev_timer *, int);
static void		 health_probe(struct health *);
static void		 health_enqueue(struct health *);
static void		 health_dequeue(struct health *);
static void		 health_pump_cb(struct ev_loop *, ev_timer *, int);
static void		 health_drop(struct health *);
static void		 health_arm(struct health *, double);
static void		 health_set(struct health *, enum health_state);
static void		 health_liveness(struct health *);
static void		 health_last_json(struct buf *, const struct health *);

const char *
health_state_name(enum health_state s)
{
	static const char *const names[] = { "none", "starting", "healthy",
	    "unhealthy" };

	return (names[s]);
}

/* The instance's verdict; HEALTH_NONE when its app has no probe. */
enum health_state
health_state(const struct inst *i)
{
	if (!APP_HAS_HEALTH(i->app))
		return (HEALTH_NONE);
	if (i->health == NULL)
		return (HEALTH_STARTING);
	return (i->health->state);
}

const struct inst *
health_inst(const struct health *h)
{
	return (h->inst);
}

/* The instance's state, made on first use; NULL out of memory. */
static struct health *
health_get(struct inst *i)
{
	struct health	*h;

	if (i->health != NULL)
		return (i->health);
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		log_warn("%s: %s", i->alias, __func__);
		return (NULL);
	}
	h->inst = i;
	h->state = HEALTH_STARTING;
	ev_timer_init(&h->timer, health_timer_cb, 0, 0);
	h->timer.data = h;
	i->health = h;
	return (h);
}

/*
 * The instance's process was just spawned: probe it from now, the first
 * probe at once (on the next turn of the loop, not inside the start).
 */
void
health_begin(struct inst *i)
{
	struct health	*h;

	if (!APP_HAS_HEALTH(i->app) || (h = health_get(i)) == NULL)
		return;
	health_drop(h);
	h->killed = 0;
	h->failures = 0;
	h->retry = 0;
	h->began = ev_now(server.loop);
	h->state = HEALTH_STARTING;
	health_arm(h, 0);
}

/*
 * The process ended or is being stopped: no more probes (one in flight
 * is dropped, an exec probe killed), and no verdict for what is gone.
 */
void
health_end(struct inst *i)
{
	struct health	*h = i->health;

	if (h == NULL)
		return;
	health_drop(h);
	if (h->state != HEALTH_STARTING && APP_HAS_HEALTH(i->app))
		health_set(h, HEALTH_STARTING);
}

/*
 * A stop begins (a client's, a reload's, a shutdown's, or liveness's
 * own): as health_end, and the exit it brings is a stop, not a failure
 * for the policy.
 */
void
health_stopped(struct inst *i)
{
	health_end(i);
	if (i->health != NULL)
		i->health->killed = 0;
}

/* The instance goes: its state with it. */
void
health_free(struct inst *i)
{
	struct health	*h = i->health;

	if (h == NULL)
		return;
	health_drop(h);
	free(h);
	i->health = NULL;
}

/*
 * A reload gave the instance its app's new version: a probe added is
 * begun, one removed stopped; one changed is followed from its next run.
 */
void
health_follow(struct inst *i)
{
	struct health	*h = i->health;

	if (!APP_HAS_HEALTH(i->app)) {
		if (h != NULL && h->state != HEALTH_NONE) {
			health_drop(h);
			health_set(h, HEALTH_NONE);
		}
		return;
	}
	if (i->pid > 0 && (i->state == INST_STARTING ||
	    i->state == INST_RUNNING) && (h == NULL ||
	    !ev_is_active(&h->timer)))
		health_begin(i);
}

static void
health_arm(struct health *h, double after)
{
	ev_timer_stop(server.loop, &h->timer);
	ev_timer_set(&h->timer, after, 0);
	ev_timer_start(server.loop, &h->timer);
}

/* The timer: time for a probe, or the one in flight ran out of time. */
static void
health_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct health	*h = w->data;
	double		 t = h->inst->app->health.timeout;

	(void)loop;
	(void)revents;
	if (h->kind == PROBE_NONE) {
		health_enqueue(h);
		return;
	}
	if (h->kind == PROBE_EXEC) {
		/*
		 * Not spawned yet: the wait is runnerd's (its spawner threads
		 * are behind), not the probe's, and failing it would restart
		 * a healthy instance on a busy machine; health_spawned counts
		 * the timeout from the process.  Else killed now; it reports
		 * once it is reaped.
		 */
		if (probe_exec_running(h->probe))
			probe_exec_timeout(h->probe);
		else
			health_arm(h, t);
		return;
	}
	health_drop(h);
	health_result(h, 0, "timed out after %g s", t);
}

/* h's probe is due: its turn in the queue. */
static void
health_enqueue(struct health *h)
{
	if (!pump_init) {
		ev_timer_init(&pump, health_pump_cb, 0, 0);
		pump_init = 1;
	}
	if (h->queued)
		return;
	TAILQ_INSERT_TAIL(&due, h, qentry);
	h->queued = 1;
	if (!ev_is_active(&pump)) {
		ev_timer_set(&pump, 0, 0);
		ev_timer_start(server.loop, &pump);
	}
}

static void
health_dequeue(struct health *h)
{
	if (!h->queued)
		return;
	TAILQ_REMOVE(&due, h, qentry);
	h->queued = 0;
}

/* Start the due probes for HEALTH_BUDGET seconds; the rest next turn. */
static void
health_pump_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct health	*h;
	double		 start = ev_time();

	(void)w;
	(void)revents;
	while ((h = TAILQ_FIRST(&due)) != NULL) {
		health_dequeue(h);
		health_probe(h);
		if (ev_time() - start >= HEALTH_BUDGET)
			break;
	}
	if (!TAILQ_EMPTY(&due)) {
		ev_timer_set(&pump, 0, 0);
		ev_timer_start(loop, &pump);
	}
}

/* Start a probe of the kind the app has now. */
static void
health_probe(struct health *h)
{
	const struct app_health	*ah = &h->inst->app->health;
	char			 err[RUNNER_ERRMSG_MAX];

	h->probe_at = ev_now(server.loop);
	/* An exec probe's counts again from its spawn (health_spawned). */
	health_arm(h, ah->timeout);
	if (ah->exec != NULL) {
		h->kind = PROBE_EXEC;
		h->probe = probe_exec_start(h, err, sizeof(err));
	} else if (ah->connect) {
		h->kind = PROBE_CONNECT;
		h->probe = probe_connect_start(h, err, sizeof(err));
	} else {
		h->kind = PROBE_HTTP;
		h->probe = probe_http_start(h, err, sizeof(err));
	}
	if (h->probe == NULL) {
		h->kind = PROBE_NONE;
		health_result(h, 0, "%s", err);
	}
}

/*
 * An exec probe has its process: its timeout, and its duration, count
 * from now, however long it waited for a spawner thread.
 */
void
health_spawned(struct health *h)
{
	h->probe_at = ev_now(server.loop);
	health_arm(h, h->inst->app->health.timeout);
}

/*
 * Forget the probe in flight, if any (it reports nothing), and the next
 * one: none is due until the timer is armed again.
 */
static void
health_drop(struct health *h)
{
	void	*p = h->probe;

	ev_timer_stop(server.loop, &h->timer);
	health_dequeue(h);
	h->probe = NULL;
	switch (h->kind) {
	case PROBE_EXEC:
		probe_exec_drop(p);
		break;
	case PROBE_CONNECT:
		probe_connect_drop(p);
		break;
	case PROBE_HTTP:
		probe_http_drop(p);
		break;
	case PROBE_NONE:
		break;
	}
	h->kind = PROBE_NONE;
}

/*
 * The probe in flight is over (it has let go of everything): ok, and
 * its output or error in words.  The verdict, its event, and the next
 * probe after interval.
 */
void
health_result(struct health *h, int ok, const char *fmt, ...)
{
	struct inst		*i = h->inst;
	const struct app_health	*ah = &i->app->health;
	struct timespec		 ts;
	va_list			 ap;
	double			 now = ev_now(server.loop), delay;
	enum health_state	 next = h->state;

	h->kind = PROBE_NONE;
	h->probe = NULL;
	/*
	 * Reaped in the pass that reaped its process, whose end waits to
	 * be handled (reap.c): a verdict on a process gone (a pass would
	 * make a dead start ready, a failure a crash a liveness stop), as
	 * none came before ends were queued.  The end stops the probing.
	 */
	if (reap_pending(i)) {
		ev_timer_stop(server.loop, &h->timer);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(h->last, sizeof(h->last), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	h->has_last = 1;
	h->last_ok = ok;
	h->last_at = ts.tv_sec + ts.tv_nsec / 1e9;
	ev_now_update(server.loop);
	h->last_duration = ev_now(server.loop) - h->probe_at;
	if (ok) {
		h->failures = 0;
		next = HEALTH_HEALTHY;
	} else if (now - h->began >= ah->start_period &&
	    ++h->failures >= ah->retries)
		next = HEALTH_UNHEALTHY;
	if (!APP_HAS_HEALTH(i->app)) {
		/* A reload took the probe away while it ran. */
		ev_timer_stop(server.loop, &h->timer);
		health_set(h, HEALTH_NONE);
		return;
	}
	/*
	 * Before its first pass and within start_period, a failure is
	 * retried sooner (as Docker's start_interval): whatever waits for
	 * the verdict (ready = "healthy", a dependency) has it soon after
	 * the app is up, not an interval later.
	 */
	delay = ah->interval;
	if (!ok && h->state == HEALTH_STARTING &&
	    now - h->began < ah->start_period) {
		h->retry = h->retry == 0 ? HEALTH_RETRY : h->retry * 2;
		if (h->retry < delay)
			delay = h->retry;
	}
	health_arm(h, delay);
	if (next != h->state)
		health_set(h, next);
	if (i->health != h || i->pid == 0)
		return;
	if (next == HEALTH_HEALTHY && i->state == INST_STARTING &&
	    i->app->ready == READY_HEALTHY)
		ready_healthy(i);
	else if (next == HEALTH_UNHEALTHY && i->state == INST_RUNNING)
		health_liveness(h);
}

/* A change of state, told to subscribers (and whatever hooks events). */
static void
health_set(struct health *h, enum health_state s)
{
	h->state = s;
	inst_event("health", h->inst, h->inst->pid);
}

/*
 * A running, ready instance failed retries probes in a row: stop it;
 * its exit goes to the restart policy as a failure (restart.c).
 */
static void
health_liveness(struct health *h)
{
	struct inst	*i = h->inst;

	snprintf(h->reason, sizeof(h->reason), "unhealthy after %d failed "
	    "probe%s (last: %s)", h->failures, h->failures == 1 ? "" : "s",
	    h->last);
	log_warnx("%s: %s: %s", i->alias, h->reason,
	    i->app->restart == RESTART_NO ? "stopping (restart = \"no\")" :
	    "restarting");
	h->kills++;
	inst_stop(i);		/* health_stopped: no probes, killed 0 */
	h->killed = 1;
}

/* Was the instance's process stopped by its probe (for restart.c)? */
int
health_killed(const struct inst *i)
{
	return (i->health != NULL && i->health->killed);
}

/* The last probe's result in words, or NULL before the first. */
const char *
health_last(const struct inst *i)
{
	return (i->health != NULL && i->health->has_last ? i->health->last :
	    NULL);
}

/* Why the probe stopped it, or NULL. */
const char *
health_reason(const struct inst *i)
{
	return (health_killed(i) ? i->health->reason : NULL);
}

static void
health_last_json(struct buf *b, const struct health *h)
{
	if (h == NULL || !h->has_last) {
		jw_null(b);
		return;
	}
	jw_open(b, '{');
	jw_key(b, "ok");
	jw_bool(b, h->last_ok);
	jw_key(b, "at");
	jw_double(b, h->last_at);
	jw_key(b, "duration");
	jw_double(b, h->last_duration);
	/* A pass's output (an exec probe's first line), a failure's why. */
	jw_key(b, h->last_ok ? "output" : "error");
	jw_str(b, h->last);
	jw_close(b, '}');
}

/*
 * Status's "health": null without a probe, else {"state", "failures",
 * "restarts" (liveness stops), "last": {"ok", "at", "duration", "output"
 * or "error"} or null}.
 */
void
health_json(struct buf *b, const struct inst *i)
{
	const struct health	*h = i->health;

	if (!APP_HAS_HEALTH(i->app)) {
		jw_null(b);
		return;
	}
	jw_open(b, '{');
	jw_key(b, "state");
	jw_str(b, health_state_name(health_state(i)));
	jw_key(b, "failures");
	jw_int(b, h != NULL ? h->failures : 0);
	jw_key(b, "restarts");
	jw_int(b, h != NULL ? h->kills : 0);
	jw_key(b, "last");
	health_last_json(b, h);
	jw_close(b, '}');
}

/* The health event's members: "health" (the state) and "last". */
void
health_event_json(struct buf *b, const struct inst *i)
{
	jw_key(b, "health");
	jw_str(b, health_state_name(i->health != NULL ? i->health->state :
	    health_state(i)));
	jw_key(b, "failures");
	jw_int(b, i->health != NULL ? i->health->failures : 0);
	jw_key(b, "last");
	health_last_json(b, i->health);
}

/* runnerd exits: what the probes hold for runnerd as a whole. */
void
health_shutdown(void)
{
	if (pump_init)
		ev_timer_stop(server.loop, &pump);
	probe_exec_shutdown();
	probe_http_shutdown();
}

/*
 * An upgrade (carry.c): the verdict and the counts.  A probe in flight
 * is not carried (health_shutdown ends it before the exec) and counts
 * for nothing: the next one comes when it would have after it, an
 * interval from its start, so that the probes in flight are not all
 * run again in the same instant (a herd that could time some out).  One
 * that was due runs at once.
 */
void
health_save(struct hand *hd, const struct inst *i)
{
	const struct health	*h = i->health;
	double			 next = -1;

	hand_int(hd, "hl", h != NULL);
	if (h == NULL)
		return;
	if (h->kind != PROBE_NONE) {
		next = h->probe_at + (h->retry > 0 ? h->retry :
		    i->app->health.interval) - ev_now(server.loop);
		next = next > 0 ? next : 0;
	} else if (h->queued)
		next = 0;
	else if (ev_is_active(&h->timer))
		next = ev_timer_remaining(server.loop, (ev_timer *)&h->timer);
	hand_int(hd, "hl_state", h->state);
	hand_int(hd, "hl_failures", h->failures);
	hand_double(hd, "hl_retry", h->retry);
	hand_double(hd, "hl_began", h->began);
	hand_int(hd, "hl_has_last", h->has_last);
	hand_int(hd, "hl_last_ok", h->last_ok);
	hand_double(hd, "hl_last_at", h->last_at);
	hand_double(hd, "hl_last_duration", h->last_duration);
	hand_str(hd, "hl_last", h->last);
	hand_int(hd, "hl_killed", h->killed);
	hand_str(hd, "hl_reason", h->reason);
	hand_int(hd, "hl_kills", h->kills);
	hand_double(hd, "hl_next_in", next);
}

void
health_load(struct hand *hd, struct inst *i)
{
	struct health	*h;
	char		*last, *reason;
	long long	 state;
	double		 next;

	if (hand_get_int(hd, "hl") == 0 || hand_failed(hd))
		return;
	if ((h = health_get(i)) == NULL) {
		hand_fail(hd, "out of memory");
		return;
	}
	state = hand_get_int(hd, "hl_state");
	h->state = state >= HEALTH_NONE && state <= HEALTH_UNHEALTHY ?
	    (enum health_state)state : HEALTH_STARTING;
	h->failures = (int)hand_get_int(hd, "hl_failures");
	h->retry = hand_get_double(hd, "hl_retry");
	h->began = hand_get_double(hd, "hl_began");
	h->has_last = (int)hand_get_int(hd, "hl_has_last");
	h->last_ok = (int)hand_get_int(hd, "hl_last_ok");
	h->last_at = hand_get_double(hd, "hl_last_at");
	h->last_duration = hand_get_double(hd, "hl_last_duration");
	if ((last = hand_get_str(hd, "hl_last")) != NULL)
		snprintf(h->last, sizeof(h->last), "%s", last);
	free(last);
	h->killed = (int)hand_get_int(hd, "hl_killed");
	if ((reason = hand_get_str(hd, "hl_reason")) != NULL)
		snprintf(h->reason, sizeof(h->reason), "%s", reason);
	free(reason);
	h->kills = (int)hand_get_int(hd, "hl_kills");
	next = hand_get_double(hd, "hl_next_in");
	if (!hand_failed(hd) && next >= 0)
		health_arm(h, next);
}
