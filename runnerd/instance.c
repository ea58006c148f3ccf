/*
 * instance.c: instances and their lives.  An instance is an alias bound
 * to an app of the configuration it started from, with a process, a
 * channel and a state:
 *
 *   starting --socket accepts--> running --exit--> backoff --> running
 *       |                           |        \--> exited (no restart)
 *       +--exit/timeout--> removed  +--stop--> stopping --exit--> removed
 *
 * libev's default loop owns SIGCHLD: one ev_child per pid, started right
 * after the spawn.  A stop sends stop_signal (and SIGCONT) to the process
 * group, SIGKILL after stop_timeout, and SIGKILL to what is left of the
 * group once the main process is gone, so nothing of it outlives a stop.
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

#define READY_NAP_MAX	0.032	/* longest wait between connect tries */
#define BACKOFF_RESET	10.0	/* up this long: the next crash is new */
#define BACKOFF_FIRST	0.1	/* second crash in a row waits this ... */
#define BACKOFF_MAX	30.0	/* ... doubling up to this */

static void	 inst_child_cb(struct ev_loop *, ev_child *, int);
static void	 inst_timer_cb(struct ev_loop *, ev_timer *, int);
static void	 inst_try_connect(struct inst *);
static void	 inst_running_now(struct inst *, int);
static void	 inst_start_failed(struct inst *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	 inst_respawn(struct inst *);
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
		"starting", "running", "backoff", "stopping", "exited"
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
	return (i->state == INST_EXITED);
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

/*
 * Put cfg in force.  Running instances keep the configuration they were
 * started from until they are started again.
 */
int
conf_replace(struct config *cfg)
{
	struct conf	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("%s", __func__);
		config_free(cfg);
		return (-1);
	}
	c->cfg = cfg;
	c->refs = 1;
	conf_unref(server.conf);
	server.conf = c;
	return (0);
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

/* Free an instance that is off the list and has no process. */
void
inst_free(struct inst *i)
{
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

/* Tell subscribers: {"alias", "app", "pid"}. */
static void
inst_event(const char *name, struct inst *i, pid_t pid)
{
	struct buf	 b;

	buf_init(&b);
	jw_open(&b, '{');
	inst_json_head(&b, i, pid);
	if (strcmp(name, "exited") == 0) {
		jw_key(&b, "status");
		jw_open(&b, '{');
		if (i->last_status != -1 && WIFSIGNALED(i->last_status)) {
			jw_key(&b, "signal");
			jw_str(&b, signal_name(WTERMSIG(i->last_status)));
		} else {
			jw_key(&b, "code");
			jw_int(&b, i->last_status == -1 ? -1 :
			    WEXITSTATUS(i->last_status));
		}
		jw_close(&b, '}');
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
	int		 rc;

	memset(&la, 0, sizeof(la));
	la.app = i->app;
	la.args = (const char *const *)i->args;
	la.cwd = i->cwd;
	la.socket = i->socket;
	la.errfd = SPAWN_INHERIT;
	if ((rc = launch_spawn(&la, err, errlen)) != 0) {
		launch_done(&la);
		return (rc);
	}
	free(i->socket_path);
	i->socket_path = la.socket_path;
	i->pid = la.pid;
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
	if (i->app->type == APP_STDIO) {
		i->fd = la.fd;
		inst_running_now(i, i->restarts > 0);
		return (0);
	}
	i->state = INST_STARTING;
	i->ready_delay = 0.001;
	i->deadline = ev_now(server.loop) + i->app->ready_timeout;
	inst_try_connect(i);
	return (0);
}

/* The instance runs: relay its channel, tell waiters and subscribers. */
static void
inst_running_now(struct inst *i, int again)
{
	i->state = INST_RUNNING;
	relay_start(i);
	inst_event(again ? "restarted" : "started", i, i->pid);
	waiters_inst_event(i);
}

/* Try the socket once; if it does not accept yet, try again soon. */
static void
inst_try_connect(struct inst *i)
{
	double	 now = ev_now(server.loop), nap;
	int	 fd;

	if ((fd = sock_connect(i->socket_path)) != -1) {
		i->fd = fd;
		inst_running_now(i, i->restarts > 0);
		return;
	}
	if (errno != ENOENT && errno != ECONNREFUSED && errno != EAGAIN) {
		inst_start_failed(i, RUNNER_ESPAWN, "cannot connect to '%s' "
		    "of '%s': %s", i->socket_path, i->alias, strerror(errno));
		return;
	}
	if (now >= i->deadline) {
		inst_start_failed(i, RUNNER_ETIMEDOUT, "'%s' did not accept "
		    "connections on '%s' within %g s", i->alias,
		    i->socket_path, i->app->ready_timeout);
		return;
	}
	nap = i->ready_delay < i->deadline - now ? i->ready_delay :
	    i->deadline - now;
	if (i->ready_delay < READY_NAP_MAX)
		i->ready_delay *= 2;
	ev_timer_set(&i->timer, nap, 0);
	ev_timer_start(server.loop, &i->timer);
}

/*
 * A socket app failed to become ready: keep the reason for the start's
 * waiters and kill it; its exit removes the instance and answers them.
 */
static void
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

/* Restart now: stop the process (if any) and start it again. */
void
inst_restart(struct inst *i)
{
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
	if (kill(-i->pid, i->app->stop_signal) == -1)
		kill(i->pid, i->app->stop_signal);
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
		inst_try_connect(i);
		break;
	case INST_STOPPING:
		log_info("%s: still there after %g s; killing", i->alias,
		    i->app->stop_timeout);
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
 * The first restart is immediate; quick crashes in a row wait 0.1 s,
 * 0.2 s, ... up to 30 s, and an instance that stayed up 10 s starts the
 * count again.
 */
static double
inst_backoff(struct inst *i)
{
	double	 delay = BACKOFF_FIRST;
	int	 k;

	if (ev_now(server.loop) - i->started_at >= BACKOFF_RESET)
		i->crashes = 0;
	if (i->crashes++ == 0)
		return (0);
	for (k = 1; k < i->crashes - 1 && delay < BACKOFF_MAX; k++)
		delay *= 2;
	return (delay < BACKOFF_MAX ? delay : BACKOFF_MAX);
}

static void
inst_child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct inst	*i = w->data;
	pid_t		 pid = i->pid;
	char		 how[64];
	double		 delay;

	(void)revents;
	ev_child_stop(loop, w);
	ev_timer_stop(loop, &i->timer);
	i->pid = 0;
	i->exited = 1;
	i->last_status = w->rstatus;
	log_info("%s: pid %ld %s", i->alias, (long)pid,
	    status_words(w->rstatus, how, sizeof(how)));
	inst_event("exited", i, pid);
	/* Whatever it wrote before it died is kept, then the channel goes. */
	relay_drain(i);
	relay_stop(i);

	switch (i->state) {
	case INST_STARTING:
		if (i->start_code == 0) {
			i->start_code = RUNNER_ESPAWN;
			if (asprintf(&i->start_msg, "'%s' %s before its socket "
			    "'%s' accepted a connection", i->alias, how,
			    i->socket_path) == -1)
				i->start_msg = NULL;
		}
		inst_remove(i);
		return;
	case INST_STOPPING:
		kill(-pid, SIGKILL);	/* what is left of the group */
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
	if (inst_wants_restart(i, w->rstatus)) {
		delay = inst_backoff(i);
		i->state = INST_BACKOFF;
		if (delay == 0) {
			inst_respawn(i);
			return;
		}
		log_info("%s: restarting in %g s", i->alias, delay);
		ev_timer_set(&i->timer, delay, 0);
		ev_timer_start(loop, &i->timer);
		return;
	}
	i->state = INST_EXITED;
	waiters_inst_event(i);
	relay_detach_all(i);
	if (server.shutting_down) {
		inst_event("stopped", i, pid);
		inst_remove(i);
	}
}
