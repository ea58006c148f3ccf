/*
 * instance.c: instances and their lives.  An instance is an alias bound
 * to an app of the configuration, with a process, a channel and a state:
 *
 *   starting --ready--> running --exit--> backoff --> starting/running
 *       |                  |        \--> exited (policy: no restart)
 *       |                  |        \--> failed (max_restarts reached)
 *       +--exit/timeout--> failed (first start) or backoff (a restart)
 *   (exec fails on a first start) --> failed
 *   backoff --spawn fails--> backoff, exited or failed (as an exit)
 *   any --stop--> stopping --exit--> stopped
 *   backoff --stop--> stopped
 *   stopping --exit, restart by hand--> backoff (queued) --> starting/running
 *   exited/failed/stopped --start--> replaced by a new instance
 *   exited/failed/stopped --remove, or more than ENDED_MAX ended--> removed,
 *       oldest first
 *
 * libev's default loop owns SIGCHLD: one ev_child per pid, started right
 * after the spawn, and its handler reaps every child, so what is
 * reparented to runnerd (a child subreaper) never lingers as a zombie.
 * When an instance's main process ends, for whatever reason, what is
 * left of its process group is killed, and so is what it started that
 * escaped the group and can be told to be its own (proctree.c: by
 * session, or seen under it at a stop; a helper that left its session
 * unseen lives on while an older instance runs, since it may be that
 * one's).  A stop sends stop_signal (and SIGCONT) to the group and the
 * descendants, SIGKILL after stop_timeout, again each second if the kill
 * itself fails.  Readiness is ready.c's job.
 *
 * Restarts are restart.c's: the policy (backoff, max_restarts).  Every
 * launch but a lone start by hand (a restart, a start of many, the
 * autostart, a reload's starts, the dependencies a dependent starts, a
 * dependent let go) waits its turn in the launch queue
 * (launchq.c), worked between polls of the loop; no restart runs in the
 * reaping callback.
 *
 * Nothing vanishes by itself: ended instances (exited, failed, stopped)
 * stay listed until started again or removed, at most ENDED_MAX of them
 * (ended.c).
 *
 * Instances live in an array sorted by alias: lookups are a binary search
 * and status comes out sorted for free.
 */

#include <sys/queue.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerd.h"

#define KILL_RETRY	1.0	/* seconds between SIGKILLs that failed */

static void	 inst_kill_cb(struct ev_loop *, ev_timer *, int);
static int	 inst_signal(struct inst *, int);
static int	 inst_cmp(const void *, const void *);
static struct inst *inst_place(const char *, const struct app *,
		    const struct runner_start *, int, int *, char *, size_t);

static int
inst_cmp(const void *key, const void *elem)
{
	return (strcmp(key, (*(struct inst *const *)elem)->alias));
}

/* The instance under alias, or NULL. */
struct inst *
inst_find(const char *alias)
{
	struct inst	**i;

	if (server.ninsts == 0)
		return (NULL);	/* bsearch must not see a NULL array */
	i = bsearch(alias, server.insts, server.ninsts, sizeof(*i),
	    inst_cmp);
	return (i == NULL ? NULL : *i);
}

/* The instance with that id, or NULL once it is gone. */
struct inst *
inst_by_id(uint64_t id)
{
	size_t	 k;

	for (k = 0; k < server.ninsts; k++) {
		if (server.insts[k]->id == id)
			return (server.insts[k]);
	}
	return (NULL);
}

const char *
inst_state_name(enum inst_state s)
{
	static const char *const names[] = {
		"starting", "running", "backoff", "stopping", "exited",
		"failed", "stopped", "waiting"
	};

	return (names[s]);
}

/* Running by policy: started, or ended and about to restart. */
int
inst_running(const struct inst *i)
{
	return (i->state == INST_STARTING || i->state == INST_RUNNING ||
	    i->state == INST_BACKOFF || i->state == INST_WAITING);
}

/* Drop a hold on a configuration; the last one frees it. */
void
conf_unref(struct conf *c)
{
	if (c == NULL || --c->refs > 0)
		return;
	config_free(c->cfg);
	free(c);
}

/* A new instance, not started, listed under alias. */
struct inst *
inst_new(const char *alias, struct conf *conf, const struct app *app,
    const struct runner_start *opts)
{
	struct inst	*i, **list;
	size_t		 k;

	if ((i = calloc(1, sizeof(*i))) == NULL ||
	    (list = reallocarray(server.insts, server.ninsts + 1,
	    sizeof(*list))) == NULL) {
		free(i);
		return (NULL);
	}
	server.insts = list;
	TAILQ_INIT(&i->waiters);
	i->id = ++server.next_id;
	i->alias = strdup(alias);
	i->req.args = argv_dup((char *const *)opts->args);
	i->req.cwd = opts->cwd != NULL ? strdup(opts->cwd) : NULL;
	i->req.socket = opts->socket != NULL ? strdup(opts->socket) : NULL;
	if (i->alias == NULL || i->req.args == NULL ||
	    (opts->cwd != NULL && i->req.cwd == NULL) ||
	    (opts->socket != NULL && i->req.socket == NULL)) {
		free(i->alias);
		argv_free(i->req.args);
		free(i->req.cwd);
		free(i->req.socket);
		free(i);
		return (NULL);
	}
	i->conf = conf;
	conf->refs++;
	i->app = app;
	i->state = INST_EXITED;
	relay_init(i);
	ev_timer_init(&i->proc.timer, inst_kill_cb, 0, 0);
	i->proc.timer.data = i;
	ready_init(i);
	restart_init(i);

	for (k = 0; k < server.ninsts; k++) {
		if (strcmp(alias, server.insts[k]->alias) < 0)
			break;
	}
	memmove(&server.insts[k + 1], &server.insts[k],
	    (server.ninsts - k) * sizeof(*server.insts));
	server.insts[k] = i;
	server.ninsts++;
	return (i);
}

/*
 * The alias of the k-th (from 1) instance of app: NAME-k, or NAME for an
 * app that runs once.
 */
void
inst_alias(const struct app *app, int k, char *buf, size_t len)
{
	if (app->instances > 1)
		snprintf(buf, len, "%s-%d", app->name, k);
	else
		snprintf(buf, len, "%s", app->name);
}

/*
 * A new instance of app under alias, not started, replacing an ended
 * instance of that alias (an ended alias is free again); NULL with *rc
 * and err saying why (in the log too, unless the alias is not one: that
 * is the client's error alone).
 */
static struct inst *
inst_place(const char *alias, const struct app *app,
    const struct runner_start *opts, int forget, int *rc, char *err,
    size_t errlen)
{
	struct inst	*i;

	if (alias_check(alias, err, errlen) == -1) {
		*rc = RUNNER_EINVAL;
		return (NULL);
	}
	if ((i = inst_find(alias)) != NULL) {
		if (inst_ended(i))
			inst_remove(i);	/* its record is replaced */
		else
			inst_stop(i);
	}
	if ((i = inst_new(alias, server.conf, app, opts)) == NULL) {
		*rc = RUNNER_ENOMEM;
		errf(err, errlen, "out of memory");
		log_warnx("%s: cannot start: %s", alias, err);
		return (NULL);
	}
	i->req.forget = forget;
	return (i);
}

/*
 * Start i, new (inst_place): its process, or a wait for its
 * dependencies.  0, or a RUNNER_E* code with err saying why; then one
 * whose exec failed stays listed as failed, with the reason (unless out
 * of memory, or the start asked to forget a failure: then it is gone).
 */
int
inst_go(struct inst *i, char *err, size_t errlen)
{
	int	 rc;

	if ((rc = depends_start(i, err, errlen)) == 0)
		return (0);
	/* Said once here, for every start: by hand, auto, reload. */
	log_warnx("%s: cannot start: %s", i->alias, err);
	/* A dependent waiting for it (queued by depends.c) looks again. */
	depends_changed();
	i->end.start_code = rc;
	free(i->end.start_msg);
	if (rc == RUNNER_ENOMEM || i->req.forget ||
	    (i->end.start_msg = strdup(err)) == NULL) {
		inst_remove(i);
		return (rc);
	}
	inst_ended_now(i, INST_FAILED);
	inst_trim_ended();
	return (rc);
}

/*
 * Start app under alias now (inst_place, inst_go).  The new instance, or
 * NULL with *rc and err saying why.
 */
struct inst *
inst_launch(const char *alias, const struct app *app,
    const struct runner_start *opts, int forget, int *rc, char *err,
    size_t errlen)
{
	struct inst	*i;

	if ((i = inst_place(alias, app, opts, forget, rc, err, errlen)) ==
	    NULL || (*rc = inst_go(i, err, errlen)) != 0)
		return (NULL);
	return (i);
}

/*
 * Start app under alias in its turn (launchq.c), as one of wave (or
 * NULL): the new instance, waiting until then, or NULL as inst_place.
 */
struct inst *
inst_queue(const char *alias, const struct app *app,
    const struct runner_start *opts, int forget, struct wave *wave, int *rc,
    char *err, size_t errlen)
{
	struct inst	*i;

	if ((i = inst_place(alias, app, opts, forget, rc, err, errlen)) ==
	    NULL)
		return (NULL);
	i->state = INST_WAITING;
	i->dep.since = ev_time();
	i->dep.what[0] = '\0';
	launchq_add(i, LAUNCH_START, wave);
	return (i);
}

/* Free an instance that is off the list and has no process. */
void
inst_free(struct inst *i)
{
	capture_free(i);
	health_free(i);
	free(i->alias);
	argv_free(i->req.args);
	free(i->req.cwd);
	free(i->req.socket);
	free(i->req.socket_path);
	free(i->end.start_msg);
	relay_free(i);
	conf_unref(i->conf);
	free(i);
}

/* The members every answer about an instance starts with. */
void
inst_json_head(struct buf *b, const struct inst *i, pid_t pid)
{
	jw_key(b, "alias");
	jw_str(b, i->alias);
	jw_key(b, "app");
	jw_str(b, i->app->name);
	jw_key(b, "pid");
	jw_int(b, pid);
}

/* The last exit: {"code": N} or {"signal": "SIGKILL"}; null if none. */
void
inst_json_exit(struct buf *b, const struct inst *i)
{
	int	 st = i->end.last_status;

	if (!i->end.exited) {
		jw_null(b);
		return;
	}
	jw_open(b, '{');
	if (st != -1 && WIFSIGNALED(st)) {
		jw_key(b, "signal");
		if (signal_name(WTERMSIG(st)) != NULL)
			jw_str(b, signal_name(WTERMSIG(st)));
		else
			jw_int(b, WTERMSIG(st));
	} else {
		jw_key(b, "code");
		jw_int(b, st == -1 ? -1 : WEXITSTATUS(st));
	}
	jw_close(b, '}');
}

/*
 * Tell subscribers: {"alias", "app", "pid"}; exited adds how, and what
 * its main process left behind; restarting (protocol 6), how long until
 * the restart and how many restarts there were before it; health
 * (protocol 8), the probe's verdict and its last result.
 */
void
inst_event(const char *name, struct inst *i, pid_t pid)
{
	struct buf	 b;
	double		 delay;

	buf_init(&b);
	jw_open(&b, '{');
	inst_json_head(&b, i, pid);
	if (strcmp(name, "exited") == 0) {
		jw_key(&b, "status");
		inst_json_exit(&b, i);
		jw_key(&b, "left_behind");
		jw_int(&b, i->end.left_behind);
	} else if (strcmp(name, "restarting") == 0) {
		delay = i->restart.next_restart - ev_now(server.loop);
		jw_key(&b, "delay");
		jw_double(&b, delay > 0 ? delay : 0);
		jw_key(&b, "restarts");
		jw_int(&b, restart_count(i));
	} else if (strcmp(name, "health") == 0)
		health_event_json(&b, i);
	jw_close(&b, '}');
	if (!b.failed)
		event_emit(name, &b);
	buf_free(&b);
	depends_event(name, i);
	roll_inst_event(i);	/* a rolling restart waits for this */
}

/*
 * Start the instance's process.  A stdio app runs at once; a socket app
 * is starting until its socket accepts (without blocking the loop).
 * Returns 0, or a RUNNER_E* code with the reason in err.
 */
int
inst_start(struct inst *i, char *err, size_t errlen)
{
	struct launch	 la;
	int		 rc, notify;

	memset(&la, 0, sizeof(la));
	la.app = i->app;
	la.args = (const char *const *)i->req.args;
	la.cwd = i->req.cwd;
	la.socket = i->req.socket;
	la.capture = 1;
	if ((la.errfd = capture_start(i, err, errlen)) == -1)
		return (RUNNER_ESYS);
	rc = launch_spawn(&la, err, errlen);
	capture_spawned(i);	/* the child has its end of the log pipe */
	if (rc != 0) {
		launch_done(&la);
		return (rc);
	}
	free(i->req.socket_path);
	i->req.socket_path = la.socket_path;
	la.socket_path = NULL;
	i->pid = la.pid;
	server.nprocs++;
	restart_started(i);
	free(i->end.start_msg);
	i->end.start_msg = NULL;
	i->end.start_code = 0;
	i->end.ended_seq = 0;
	reap_watch(i);
	log_info("%s: started %s (pid %ld)", i->alias, i->app->name,
	    (long)i->pid);
	health_begin(i);	/* probes begin at exec */
	/*
	 * A stdio app's channel is relayed from the start: it may need its
	 * input to become ready.  A socket app's comes when it is ready.
	 */
	if (la.fd != -1)
		relay_open(i, la.fd);
	else
		relay_await(i);
	notify = la.notify;
	la.notify = -1;
	launch_done(&la);
	if (ready_begin(i, notify))
		inst_ready(i);
	return (0);
}

/*
 * The instance is ready: tell waiters and subscribers.  started and
 * restarted keep their meaning from before protocol 6 (it runs, ready);
 * ready (6) follows at once, for every instance, so that a client reads
 * "started, then ready" from both of librunner's backends.
 */
void
inst_ready(struct inst *i)
{
	i->state = INST_RUNNING;
	inst_event(restart_count(i) > 0 ? "restarted" : "started", i,
	    i->pid);
	inst_event("ready", i, i->pid);
	waiters_inst_event(i);
}

/*
 * Send sig to i's descendants, then to its group, else to its main
 * process alone: -1 when that failed.  The descendants first, while they
 * are still under the main process: once it dies they are reparented,
 * and the walk (which also records them as its, for the orphan sweep:
 * proctree.c) finds none.  Nothing to one whose end is queued (reap.c):
 * its pid may be another process's by now.
 */
static int
inst_signal(struct inst *i, int sig)
{
	if (reap_pending(i))
		return (0);
	proctree_signal(i->pid, sig, i);
	if (kill(-i->pid, sig) == -1 && kill(i->pid, sig) == -1)
		return (-1);
	return (0);
}

/*
 * The instance failed to become ready: keep the reason for the start's
 * waiters and kill it; its exit makes the instance failed and answers
 * them (or, for a restart, counts as a crash).
 */
void
inst_start_failed(struct inst *i, int code, const char *fmt, ...)
{
	char	 msg[RUNNER_ERRMSG_MAX];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s: %s", i->alias, msg);
	i->end.start_code = code;
	free(i->end.start_msg);
	i->end.start_msg = strdup(msg);
	ready_cancel(i);
	inst_signal(i, SIGKILL);
}

/*
 * Restart now: stop the process (if any) and start it again, through the
 * restart queue (restart.c counts it as a restart by hand).  One with no
 * process forgets the last start's error.
 */
void
inst_restart(struct inst *i)
{
	if (i->pid > 0) {
		restart_by_hand(i);
		inst_stop(i);
		return;
	}
	i->end.start_code = 0;
	free(i->end.start_msg);
	i->end.start_msg = NULL;
	i->end.ended_seq = 0;
	restart_by_hand(i);
}

/* Take the instance off the list and free it; it has no process. */
void
inst_remove(struct inst *i)
{
	struct inst	**slot;
	size_t		 k;

	slot = bsearch(i->alias, server.insts, server.ninsts,
	    sizeof(*slot), inst_cmp);
	k = (size_t)(slot - server.insts);
	memmove(slot, slot + 1, (server.ninsts - k - 1) * sizeof(*slot));
	server.ninsts--;
	reap_forget(i);
	ev_timer_stop(server.loop, &i->proc.timer);
	ready_cancel(i);
	restart_cancel(i);
	launchq_remove(i);
	relay_stop(i);
	relay_detach_all(i);
	waiters_inst_gone(i);
	roll_inst_gone(i);
	inst_free(i);
	if (server.shutting_down && server.ninsts == 0)
		ev_break(server.loop, EVBREAK_ALL);
}

/*
 * Stop the instance: stop_signal and SIGCONT to its group, SIGKILL after
 * stop_timeout.  One that has no process is stopped at once (one waiting
 * to restart), or left as it ended (exited, failed); the others are
 * stopped when their exit is reaped.  One leaving for good (shutdown,
 * its app removed) is removed instead.  Never removes another instance:
 * callers walk the list while they stop.
 */
void
inst_stop(struct inst *i)
{
	health_stopped(i);
	launchq_remove(i);	/* its turn to start will not come */
	if (i->state == INST_STOPPING) {
		/*
		 * Stopping to start again (a restart by hand, a roll's): the
		 * stop wins, else it would wait for an exit that restarts.
		 */
		restart_cancel(i);
		return;
	}
	if (i->pid == 0 && inst_leaving(i)) {
		inst_event("stopped", i, 0);
		inst_remove(i);
		return;
	}
	if (i->pid == 0) {
		restart_cancel(i);
		if (inst_ended(i)) {
			/* As ended, with its reason; a stop's: done. */
			inst_event("stopped", i, 0);
			waiters_inst_event(i);
			return;
		}
		inst_event("stopped", i, 0);
		inst_ended_now(i, INST_STOPPED);
		return;
	}
	i->state = INST_STOPPING;
	log_info("%s: stopping pid %ld with %s", i->alias, (long)i->pid,
	    signal_name(i->app->stop_signal) ? signal_name(i->app->stop_signal)
	    : "its stop signal");
	ready_cancel(i);
	if (inst_signal(i, i->app->stop_signal) == -1)
		log_warn("%s: cannot signal pid %ld", i->alias, (long)i->pid);
	if (!reap_pending(i))
		kill(-i->pid, SIGCONT);
	ev_timer_stop(server.loop, &i->proc.timer);
	ev_timer_set(&i->proc.timer, i->app->stop_timeout, 0);
	ev_timer_start(server.loop, &i->proc.timer);
}

/* Shut down: no new clients, every instance stopped at once. */
void
inst_stop_all(void)
{
	size_t	 k;

	notify_stopping();
	server.shutting_down = 1;
	upgrade_cancel();	/* the stop wins over an upgrade under way */
	ev_io_stop(server.loop, &server.accept_io);
	ev_timer_stop(server.loop, &server.accept_pause);
	if (server.ninsts == 0) {
		ev_break(server.loop, EVBREAK_ALL);
		return;
	}
	/*
	 * Backwards: stopping one may remove it, never those before it.
	 * Dependents first (depends.c holds what they depend on).
	 */
	for (k = server.ninsts; k > 0; k--)
		depends_stop(server.insts[k - 1]);
	depends_release();
}

/* A stop's stop_timeout (or KILL_RETRY) passed: SIGKILL. */
static void
inst_kill_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct inst	*i = w->data;

	(void)loop;
	(void)revents;
	if (i->state != INST_STOPPING)
		return;
	if (!i->proc.kill_failing)
		log_info("%s: still there after %g s; killing",
		    i->alias, i->app->stop_timeout);
	if (inst_signal(i, SIGKILL) == -1) {
		/*
		 * EPERM (it ran a set-user-ID program) or worse: the stop
		 * stays pending, and SIGKILL is tried again each KILL_RETRY
		 * seconds until it works (said once).
		 */
		if (!i->proc.kill_failing)
			log_warn("%s: cannot kill pid %ld; trying again "
			    "every %g s", i->alias, (long)i->pid,
			    KILL_RETRY);
		i->proc.kill_failing = 1;
		ev_timer_set(&i->proc.timer, KILL_RETRY, 0);
		ev_timer_start(server.loop, &i->proc.timer);
	}
}

/*
 * The instance has ended for good (exited, or failed): answer waiters,
 * let attachers read what is left, and for an essential app (on_exit =
 * shutdown) stop everything, runnerd exiting with the instance's status.
 */
void
inst_end(struct inst *i, enum inst_state state)
{
	int		 st = i->end.last_status;

	if (state == INST_FAILED)
		inst_event("failed", i, 0);
	inst_ended_now(i, state);
	if (i->app->on_exit == ON_EXIT_SHUTDOWN && !server.shutting_down) {
		server.exit_status = st == -1 ? 1 : WIFSIGNALED(st) ?
		    128 + WTERMSIG(st) : WEXITSTATUS(st);
		log_info("%s: essential app %s ended; shutting down with "
		    "status %d", i->alias, i->app->name, server.exit_status);
		inst_stop_all();
		return;
	}
	if (server.shutting_down) {
		inst_event("stopped", i, 0);
		inst_remove(i);
		return;
	}
	inst_trim_ended();
}

/*
 * The main process of i ended with wait status status, and was reaped
 * (reap.c hands the ends over together).
 */
void
inst_exited(struct inst *i, int status)
{
	pid_t		 pid = i->pid;
	char		 how[64];
	int		 left;

	ev_timer_stop(server.loop, &i->proc.timer);
	ready_cancel(i);
	health_end(i);
	i->pid = 0;
	i->proc.kill_failing = 0;
	server.nprocs--;
	i->end.exited = 1;
	i->end.last_status = status;
	capture_exited(i);	/* its last log lines come before its exit */
	log_info("%s: pid %ld %s", i->alias, (long)pid,
	    status_words(status, how, sizeof(how)));
	/*
	 * Nothing it started outlives it: what was reparented to us (its
	 * session, and what escaped it), then the rest of its group (the
	 * pgid cannot be reused while members remain).  The sweep first:
	 * after a SIGKILL to the group, a member not yet dead would be
	 * killed, and counted, twice.  What an exit of its own left is
	 * counted as left behind; a stop's stragglers, signalled already,
	 * are not.
	 */
	left = proctree_kill_orphans(i, pid);
	i->end.left_behind = i->state == INST_STOPPING ? 0 : left;
	kill(-pid, SIGKILL);
	if (i->end.left_behind > 0)
		log_info("%s: pid %ld left %d process%s behind, killed; an "
		    "app that daemonizes must be run in the foreground",
		    i->alias, (long)pid, i->end.left_behind,
		    i->end.left_behind == 1 ? "" : "es");
	inst_event("exited", i, pid);
	/* Whatever it wrote before it died is kept, then the channel goes. */
	relay_drain(i);
	relay_stop(i);
	relay_detach_exited(i);	/* an attach is to this process */

	switch (i->state) {
	case INST_STARTING:
		if (i->end.start_code == 0) {
			i->end.start_code = RUNNER_ESPAWN;
			if (asprintf(&i->end.start_msg, "'%s' %s before it was "
			    "ready", i->alias, how) == -1)
				i->end.start_msg = NULL;
		}
		/*
		 * A first start failed: the start's caller is told, and it
		 * stays listed as failed, with why.  Not as an essential
		 * app's end, nor a "failed" event (the policy did not give
		 * up; librunner's in-process backend has none either).
		 */
		if (restart_count(i) == 0 && !server.shutting_down &&
		    !i->req.forget) {
			inst_ended_now(i, INST_FAILED);
			inst_trim_ended();
			return;
		}
		if (restart_count(i) == 0) {
			inst_remove(i);
			return;
		}
		/*
		 * A restart's: the policy goes on, but whoever waits for this
		 * start to be ready hears that it was not (else a restart by
		 * hand of one that never gets ready waits for ever).
		 */
		waiters_inst_event(i);
		break;
	case INST_STOPPING:
		if (health_killed(i))
			break;	/* liveness: a failure, for the policy */
		if (restart_after_stop(i))
			return;	/* a restart by hand: queued */
		inst_event("stopped", i, pid);
		if (inst_leaving(i)) {
			inst_remove(i);
			return;
		}
		inst_ended_now(i, INST_STOPPED);
		inst_trim_ended();
		return;
	default:
		break;
	}
	restart_after_exit(i, status);
}

/*
 * An upgrade (carry.c): the instance in a record of its own, with its
 * configuration's number; each of its owners adds its fields.
 */
void
inst_save(struct hand *h, const struct inst *i, long long conf)
{
	hand_rec(h, "inst");
	hand_int(h, "id", (long long)i->id);
	hand_str(h, "alias", i->alias);
	hand_int(h, "conf", conf);
	hand_str(h, "app", i->app->name);
	hand_strv(h, "args", i->req.args);
	hand_str(h, "cwd", i->req.cwd);
	hand_str(h, "socket", i->req.socket);
	hand_str(h, "socket_path", i->req.socket_path);
	hand_int(h, "forget", i->req.forget);
	hand_int(h, "state", i->state);
	hand_int(h, "pid", i->pid);
	hand_double(h, "kill_in", ev_is_active(&i->proc.timer) ?
	    ev_timer_remaining(server.loop, (ev_timer *)&i->proc.timer) : -1);
	hand_int(h, "kill_failing", i->proc.kill_failing);
	hand_int(h, "start_code", i->end.start_code);
	hand_str(h, "start_msg", i->end.start_msg);
	hand_int(h, "exited", i->end.exited);
	hand_int(h, "last_status", i->end.last_status);
	hand_int(h, "left_behind", i->end.left_behind);
	hand_int(h, "ended_seq", (long long)i->end.ended_seq);
	hand_int(h, "tick_pid", i->tick.pid);
	hand_int(h, "tick_start", (long long)i->tick.start);
	hand_double(h, "dep_since", i->dep.since);
	hand_str(h, "dep_what", i->dep.what);
	hand_int(h, "dep_restart_due", i->dep.restart_due);
	relay_save(h, i);
	ready_save(h, i);
	restart_save(h, i);
	capture_save(h, i);
	health_save(h, i);
	hand_end(h);
}

/* The instance in the record read, from configuration confs[conf]. */
void
inst_load(struct hand *h, struct conf **confs, size_t nconfs)
{
	const struct app	*app;
	struct runner_start	 opts = { 0 };
	struct inst		*i;
	char			*alias, *name, *what, **args;
	long long		 conf, state;
	double			 kill_in;

	alias = hand_get_str(h, "alias");
	name = hand_get_str(h, "app");
	conf = hand_get_int(h, "conf");
	args = hand_get_strv(h, "args");
	opts.cwd = hand_get_str(h, "cwd");
	opts.socket = hand_get_str(h, "socket");
	opts.args = (const char *const *)args;
	state = hand_get_int(h, "state");
	app = NULL;
	if (hand_failed(h))
		;
	else if (alias == NULL || name == NULL || conf < 0 ||
	    (size_t)conf >= nconfs || state < INST_STARTING ||
	    state > INST_WAITING)
		hand_fail(h, "instance '%s': a bad alias, app, configuration "
		    "or state", alias != NULL ? alias : "?");
	else if ((app = config_app(confs[conf]->cfg, name)) == NULL)
		hand_fail(h, "instance '%s': no app '%s' in its configuration",
		    alias, name);
	else if (inst_find(alias) != NULL)
		hand_fail(h, "instance '%s' twice", alias);
	i = NULL;
	if (app != NULL && !hand_failed(h) &&
	    (i = inst_new(alias, confs[conf], app, &opts)) == NULL)
		hand_fail(h, "out of memory");
	free(alias);
	free(name);
	argv_free(args);
	free((char *)opts.cwd);
	free((char *)opts.socket);
	if (i == NULL)
		return;
	i->id = (uint64_t)hand_get_int(h, "id");
	i->req.socket_path = hand_get_str(h, "socket_path");
	i->req.forget = (int)hand_get_int(h, "forget");
	i->state = (enum inst_state)state;
	i->pid = (pid_t)hand_get_int(h, "pid");
	kill_in = hand_get_double(h, "kill_in");
	i->proc.kill_failing = (int)hand_get_int(h, "kill_failing");
	i->end.start_code = (int)hand_get_int(h, "start_code");
	i->end.start_msg = hand_get_str(h, "start_msg");
	i->end.exited = (int)hand_get_int(h, "exited");
	i->end.last_status = (int)hand_get_int(h, "last_status");
	i->end.left_behind = (int)hand_get_int(h, "left_behind");
	i->end.ended_seq = (uint64_t)hand_get_int(h, "ended_seq");
	inst_ended_seq(i->end.ended_seq);
	i->tick.pid = (pid_t)hand_get_int(h, "tick_pid");
	i->tick.start = (unsigned long long)hand_get_int(h, "tick_start");
	i->dep.since = hand_get_double(h, "dep_since");
	if ((what = hand_get_str(h, "dep_what")) != NULL)
		snprintf(i->dep.what, sizeof(i->dep.what), "%s", what);
	free(what);
	i->dep.restart_due = (int)hand_get_int(h, "dep_restart_due");
	if (hand_failed(h))
		return;
	if (i->pid > 0) {
		server.nprocs++;
		reap_watch(i);
	}
	if (kill_in >= 0) {
		ev_timer_set(&i->proc.timer, kill_in, 0);
		ev_timer_start(server.loop, &i->proc.timer);
	}
	relay_load(h, i);
	ready_load(h, i);
	restart_load(h, i);
	capture_load(h, i);
	health_load(h, i);
}
