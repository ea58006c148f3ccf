/*
 * instance.c: instances and their lives.  An instance is an alias bound
 * to an app of the configuration, with a process, a channel and a state:
 *
 *   starting --ready--> running --exit--> backoff --> starting/running
 *       |                  |        \--> exited (policy: no restart)
 *       |                  |        \--> failed (max_restarts reached)
 *       +--exit/timeout--> removed (first start) or backoff (a restart)
 *   any --stop--> stopping --exit--> removed
 *
 * libev's default loop owns SIGCHLD: one ev_child per pid, started right
 * after the spawn, and its handler reaps every child, so what is
 * reparented to runnerd (a child subreaper) never lingers as a zombie.
 * When an instance's main process ends, for whatever reason, what is
 * left of its process group is killed, and so is everything it started
 * that escaped the group (proctree.c): nothing of an instance outlives
 * it, as with systemd's control-group kill mode.  A stop sends
 * stop_signal (and SIGCONT) to the group and the descendants, SIGKILL
 * after stop_timeout.  Readiness is ready.c's job.
 *
 * Restarts: the first after a run is immediate; crashes in a row wait
 * backoff_initial, doubling up to backoff_max; a run of backoff_reset
 * seconds forgets the crashes.  More than max_restarts restarts within
 * restart_window seconds of the first of them and the instance is
 * failed: it stays listed, with its output and last exit, until started
 * or restarted by hand.
 *
 * Instances live in an array sorted by alias: lookups are a binary search
 * and status comes out sorted for free.
 */

#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerd.h"

static void	 inst_child_cb(struct ev_loop *, ev_child *, int);
static void	 inst_timer_cb(struct ev_loop *, ev_timer *, int);
static void	 inst_respawn(struct inst *);
static void	 inst_after_exit(struct inst *, int);
static void	 inst_ended_now(struct inst *, enum inst_state, pid_t);
static int	 inst_window_full(struct inst *);
static void	 inst_remove(struct inst *);
static void	 inst_event(const char *, struct inst *, pid_t);
static int	 inst_cmp(const void *, const void *);

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
		"failed"
	};

	return (names[s]);
}

/* Running by policy: started, or ended and about to restart. */
int
inst_running(const struct inst *i)
{
	return (i->state == INST_STARTING || i->state == INST_RUNNING ||
	    i->state == INST_BACKOFF);
}

/* Ended for good: no process now, none to come. */
int
inst_ended(const struct inst *i)
{
	return (i->state == INST_EXITED || i->state == INST_FAILED);
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
	i->id = ++server.next_id;
	i->alias = strdup(alias);
	i->args = argv_dup((char *const *)opts->args);
	i->cwd = opts->cwd != NULL ? strdup(opts->cwd) : NULL;
	i->socket = opts->socket != NULL ? strdup(opts->socket) : NULL;
	if (i->alias == NULL || i->args == NULL ||
	    (opts->cwd != NULL && i->cwd == NULL) ||
	    (opts->socket != NULL && i->socket == NULL)) {
		free(i->alias);
		argv_free(i->args);
		free(i->cwd);
		free(i->socket);
		free(i);
		return (NULL);
	}
	i->conf = conf;
	conf->refs++;
	i->app = app;
	i->state = INST_EXITED;
	i->fd = -1;
	i->notify_fd = -1;
	buf_init(&i->out);
	buf_init(&i->in);
	ev_timer_init(&i->timer, inst_timer_cb, 0, 0);
	i->timer.data = i;

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
 * Start app under alias, replacing an ended instance of that alias (an
 * ended alias is free again).  The new instance, or NULL with *rc and
 * err saying why.
 */
struct inst *
inst_launch(const char *alias, const struct app *app,
    const struct runner_start *opts, int *rc, char *err, size_t errlen)
{
	struct inst	*i;

	if (alias_check(alias, err, errlen) == -1) {
		*rc = RUNNER_EINVAL;
		return (NULL);
	}
	if ((i = inst_find(alias)) != NULL)
		inst_stop(i);
	if ((i = inst_new(alias, server.conf, app, opts)) == NULL) {
		*rc = RUNNER_ENOMEM;
		errf(err, errlen, "out of memory");
		return (NULL);
	}
	if ((*rc = inst_start(i, err, errlen)) != 0) {
		inst_discard(i);
		return (NULL);
	}
	return (i);
}

/* Free an instance that is off the list and has no process. */
void
inst_free(struct inst *i)
{
	capture_free(i);
	free(i->alias);
	argv_free(i->args);
	free(i->cwd);
	free(i->socket);
	free(i->socket_path);
	free(i->start_msg);
	buf_free(&i->out);
	buf_free(&i->in);
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
	int	 st = i->last_status;

	if (!i->exited) {
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

/* Tell subscribers: {"alias", "app", "pid"}, and how it exited. */
static void
inst_event(const char *name, struct inst *i, pid_t pid)
{
	struct buf	 b;

	buf_init(&b);
	jw_open(&b, '{');
	inst_json_head(&b, i, pid);
	if (strcmp(name, "exited") == 0) {
		jw_key(&b, "status");
		inst_json_exit(&b, i);
	}
	jw_close(&b, '}');
	if (!b.failed)
		event_emit(name, &b);
	buf_free(&b);
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
	la.args = (const char *const *)i->args;
	la.cwd = i->cwd;
	la.socket = i->socket;
	la.capture = 1;
	if ((la.errfd = capture_start(i, err, errlen)) == -1)
		return (RUNNER_ESYS);
	rc = launch_spawn(&la, err, errlen);
	capture_spawned(i);	/* the child has its end of the log pipe */
	if (rc != 0) {
		launch_done(&la);
		return (rc);
	}
	free(i->socket_path);
	i->socket_path = la.socket_path;
	la.socket_path = NULL;
	i->pid = la.pid;
	server.nprocs++;
	i->started_at = ev_now(server.loop);
	i->chan_eof = 0;
	i->input_closed = 0;
	free(i->start_msg);
	i->start_msg = NULL;
	i->start_code = 0;
	ev_child_init(&i->child, inst_child_cb, i->pid, 0);
	i->child.data = i;
	ev_child_start(server.loop, &i->child);
	log_info("%s: started %s (pid %ld)", i->alias, i->app->name,
	    (long)i->pid);
	/*
	 * A stdio app's channel is relayed from the start: it may need its
	 * input to become ready.  A socket app's comes when it is ready.
	 */
	if ((i->fd = la.fd) != -1)
		relay_start(i);
	notify = la.notify;
	la.notify = -1;
	launch_done(&la);
	ready_begin(i, notify);
	return (0);
}

/* The instance is ready: relay its channel, tell waiters and subscribers. */
void
inst_ready(struct inst *i)
{
	i->state = INST_RUNNING;
	if (i->app->type == APP_SOCKET)
		relay_start(i);
	inst_event(i->restarts > 0 ? "restarted" : "started", i, i->pid);
	waiters_inst_event(i);
}

/*
 * The instance failed to become ready: keep the reason for the start's
 * waiters and kill it; its exit removes the instance and answers them
 * (or, for a restart, counts as a crash).
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
	i->start_code = code;
	free(i->start_msg);
	i->start_msg = strdup(msg);
	ready_cancel(i);
	if (kill(-i->pid, SIGKILL) == -1)
		kill(i->pid, SIGKILL);
}

/* Start again in place: same alias, args and buffered output. */
static void
inst_respawn(struct inst *i)
{
	char	 err[RUNNER_ERRMSG_MAX];
	int	 rc;

	i->restarts++;
	if ((rc = inst_start(i, err, sizeof(err))) != 0) {
		log_warnx("%s: cannot restart: %s", i->alias, err);
		i->state = INST_EXITED;
		i->start_code = rc;
		free(i->start_msg);
		i->start_msg = strdup(err);
		waiters_inst_event(i);
		relay_detach_all(i);
	}
}

/*
 * Restart now: stop the process (if any) and start it again.  A restart
 * by hand starts the policy's count again (a failed instance runs again).
 */
void
inst_restart(struct inst *i)
{
	i->crashes = 0;
	i->window_restarts = 0;
	if (i->pid > 0) {
		i->respawn = 1;
		inst_stop(i);
		return;
	}
	ev_timer_stop(server.loop, &i->timer);
	inst_respawn(i);
}

/* Forget an instance that never started (its start failed). */
void
inst_discard(struct inst *i)
{
	inst_remove(i);
}

/* Take the instance off the list and free it; it has no process. */
static void
inst_remove(struct inst *i)
{
	struct inst	**slot;
	size_t		 k;

	slot = bsearch(i->alias, server.insts, server.ninsts,
	    sizeof(*slot), inst_cmp);
	k = (size_t)(slot - server.insts);
	memmove(slot, slot + 1, (server.ninsts - k - 1) * sizeof(*slot));
	server.ninsts--;
	ev_timer_stop(server.loop, &i->timer);
	relay_stop(i);
	relay_detach_all(i);
	waiters_inst_gone(i);
	inst_free(i);
	if (server.shutting_down && server.ninsts == 0)
		ev_break(server.loop, EVBREAK_ALL);
}

/*
 * Stop the instance: stop_signal and SIGCONT to its group, SIGKILL after
 * stop_timeout.  One that has no process is removed at once; the others
 * are removed when their exit is reaped.
 */
void
inst_stop(struct inst *i)
{
	if (i->state == INST_STOPPING)
		return;
	if (i->pid == 0) {
		inst_event("stopped", i, 0);
		inst_remove(i);
		return;
	}
	i->state = INST_STOPPING;
	log_info("%s: stopping pid %ld with %s", i->alias, (long)i->pid,
	    signal_name(i->app->stop_signal) ? signal_name(i->app->stop_signal)
	    : "its stop signal");
	ready_cancel(i);
	if (kill(-i->pid, i->app->stop_signal) == -1)
		kill(i->pid, i->app->stop_signal);
	proctree_signal(i->pid, i->app->stop_signal);
	kill(-i->pid, SIGCONT);
	ev_timer_stop(server.loop, &i->timer);
	ev_timer_set(&i->timer, i->app->stop_timeout, 0);
	ev_timer_start(server.loop, &i->timer);
}

/* Shut down: no new clients, every instance stopped at once. */
void
inst_stop_all(void)
{
	size_t	 k;

	notify_stopping();
	server.shutting_down = 1;
	ev_io_stop(server.loop, &server.accept_io);
	ev_timer_stop(server.loop, &server.accept_pause);
	if (server.ninsts == 0) {
		ev_break(server.loop, EVBREAK_ALL);
		return;
	}
	/* Backwards: stopping one may remove it, never those before it. */
	for (k = server.ninsts; k > 0; k--)
		inst_stop(server.insts[k - 1]);
}

static void
inst_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct inst	*i = w->data;

	(void)loop;
	(void)revents;
	switch (i->state) {
	case INST_STARTING:
		ready_timeout(i);
		break;
	case INST_STOPPING:
		log_info("%s: still there after %g s; killing", i->alias,
		    i->app->stop_timeout);
		proctree_signal(i->pid, SIGKILL);
		if (kill(-i->pid, SIGKILL) == -1)
			kill(i->pid, SIGKILL);
		break;
	case INST_BACKOFF:
		inst_respawn(i);
		break;
	default:
		break;
	}
}

/* Should an exit with this status be followed by a restart? */
static int
inst_wants_restart(const struct inst *i, int status)
{
	if (server.shutting_down)
		return (0);
	if (i->app->restart == RESTART_ALWAYS)
		return (1);
	return (i->app->restart == RESTART_ON_FAILURE &&
	    !(WIFEXITED(status) && WEXITSTATUS(status) == 0));
}

/*
 * The delay before the next restart: none for the first after a run,
 * then backoff_initial doubling up to backoff_max; a run of backoff_reset
 * seconds or more starts the count again.
 */
static double
inst_backoff(struct inst *i)
{
	const struct app	*a = i->app;
	double			 delay = a->backoff_initial;
	int			 k;

	if (ev_now(server.loop) - i->started_at >= a->backoff_reset)
		i->crashes = 0;
	if (i->crashes++ == 0)
		return (0);
	for (k = 1; k < i->crashes - 1 && delay < a->backoff_max; k++)
		delay *= 2;
	return (delay < a->backoff_max ? delay : a->backoff_max);
}

/*
 * Count a restart against max_restarts: the window opens at the first
 * restart and lasts restart_window seconds.  1 when this one is over
 * the limit.
 */
static int
inst_window_full(struct inst *i)
{
	double	 now = ev_now(server.loop);

	if (i->app->max_restarts == 0)
		return (0);
	if (i->window_restarts == 0 ||
	    now - i->window_start > i->app->restart_window) {
		i->window_start = now;
		i->window_restarts = 0;
	}
	return (++i->window_restarts > i->app->max_restarts);
}

/*
 * The instance has ended for good (exited, or failed): answer waiters,
 * let attachers read what is left, and for an essential app (on_exit =
 * shutdown) stop everything, runnerd exiting with the instance's status.
 */
static void
inst_ended_now(struct inst *i, enum inst_state state, pid_t pid)
{
	int	 st = i->last_status;

	i->state = state;
	if (state == INST_FAILED)
		inst_event("failed", i, pid);
	waiters_inst_event(i);
	relay_detach_all(i);
	if (i->app->on_exit == ON_EXIT_SHUTDOWN && !server.shutting_down) {
		server.exit_status = st == -1 ? 1 : WIFSIGNALED(st) ?
		    128 + WTERMSIG(st) : WEXITSTATUS(st);
		log_info("%s: essential app %s ended; shutting down with "
		    "status %d", i->alias, i->app->name, server.exit_status);
		inst_stop_all();
		return;
	}
	if (server.shutting_down) {
		inst_event("stopped", i, pid);
		inst_remove(i);
	}
}

/* What the policy does after an exit that nobody asked for. */
static void
inst_after_exit(struct inst *i, int status)
{
	char	 how[64];
	double	 delay;

	if (!inst_wants_restart(i, status)) {
		inst_ended_now(i, INST_EXITED, 0);
		return;
	}
	if (inst_window_full(i)) {
		log_warnx("%s: %d restarts within %g s; giving up (failed)",
		    i->alias, i->app->max_restarts, i->app->restart_window);
		free(i->start_msg);
		if (asprintf(&i->start_msg, "'%s' %s; it was restarted %d "
		    "times within %g s and is now failed", i->alias,
		    status_words(status, how, sizeof(how)),
		    i->app->max_restarts, i->app->restart_window) == -1)
			i->start_msg = NULL;
		i->start_code = RUNNER_ESPAWN;
		inst_ended_now(i, INST_FAILED, 0);
		return;
	}
	delay = inst_backoff(i);
	i->state = INST_BACKOFF;
	i->next_restart = ev_now(server.loop) + delay;
	if (delay == 0) {
		inst_respawn(i);
		return;
	}
	log_info("%s: restarting in %g s", i->alias, delay);
	ev_timer_set(&i->timer, delay, 0);
	ev_timer_start(server.loop, &i->timer);
}

static void
inst_child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct inst	*i = w->data;
	pid_t		 pid = i->pid;
	char		 how[64];

	(void)revents;
	ev_child_stop(loop, w);
	ev_timer_stop(loop, &i->timer);
	ready_cancel(i);
	i->pid = 0;
	server.nprocs--;
	i->exited = 1;
	i->last_status = w->rstatus;
	capture_exited(i);	/* its last log lines come before its exit */
	log_info("%s: pid %ld %s", i->alias, (long)pid,
	    status_words(w->rstatus, how, sizeof(how)));
	/*
	 * Nothing it started outlives it: the rest of its group (the pgid
	 * cannot be reused while members remain), then what escaped.
	 */
	kill(-pid, SIGKILL);
	proctree_kill_orphans(i, pid);
	inst_event("exited", i, pid);
	/* Whatever it wrote before it died is kept, then the channel goes. */
	relay_drain(i);
	relay_stop(i);

	switch (i->state) {
	case INST_STARTING:
		if (i->start_code == 0) {
			i->start_code = RUNNER_ESPAWN;
			if (asprintf(&i->start_msg, "'%s' %s before it was "
			    "ready", i->alias, how) == -1)
				i->start_msg = NULL;
		}
		/* A first start failed: the start's caller is told. */
		if (i->restarts == 0) {
			inst_remove(i);
			return;
		}
		break;
	case INST_STOPPING:
		if (i->respawn && !server.shutting_down) {
			i->respawn = 0;
			inst_respawn(i);
			return;
		}
		inst_event("stopped", i, pid);
		inst_remove(i);
		return;
	default:
		break;
	}
	inst_after_exit(i, w->rstatus);
}
