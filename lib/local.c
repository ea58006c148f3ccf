/*
 * local.c: the in-process backend.  Instances are this program's own
 * children.  The library may not install a SIGCHLD handler, so exits are
 * noticed lazily: every call first reaps, by pid, the children that have
 * ended (never waitpid(-1), which would steal the program's own children),
 * and once the program asked for events, a pidfd per child wakes its
 * events descriptor (evq.c).  Reaping happens in one place, local_reap,
 * which queues the exit: whichever call notices an exit first, its event
 * comes once.  An instance that ended stays listed, its channel still
 * readable, until its alias is started again or terminated.
 *
 * Nothing an instance started may outlive it (librunner(3)), without a
 * loop and without making the program a subreaper.  When the main
 * process has exited, before it is reaped (its pid, and so its session
 * and group ids, cannot be reused while it is a zombie), every process
 * left in its session or group is killed, and counted as left behind.
 * A stop also walks the tree under the main process first, so that what
 * left the session (setsid) but still hangs under it is signalled too.
 * What left the session and was reparented before we looked (a daemon's
 * double fork) is found by the mark every instance's processes inherit
 * in their environment (RUNNER_INSTANCE, unique to the start), unless it
 * cleared its environment: such a program must be run in the foreground.
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runner-int.h"

#define LOCAL_MARK	"RUNNER_INSTANCE"	/* the mark's name */
#define LOCAL_MARK_MAX	(RUNNER_ALIAS_MAX + 80)

struct local_inst {
	char		*alias;
	char		*app;		/* the app's name, for messages */
	pid_t		 pid;		/* 0 once reaped */
	int		 status;	/* wait status, once reaped */
	int		 left;		/* processes it left behind, killed */
	int		 pidfd;		/* evq's watch, or -1 */
	double		 started;	/* clock_now at the start */
	char		*mark;		/* RUNNER_INSTANCE=..., in its
					   processes' environment */
	struct pids	 tree;		/* a stop's: its descendants ... */
	unsigned long long *starts;	/* ... and their start times */
	int		 stop_signal;	/* copied: the config may change */
	double		 stop_timeout;
	struct chan	*chan;
	struct local_inst	*next;
};

struct local {
	struct config	*config;
	struct local_inst	*insts;
	struct evq	*evq;		/* NULL until events are asked for */
};

static void		 local_reap(struct local *);
static struct local_inst	*local_find(struct local *, const char *);
static struct local_inst	*local_get(struct runner *, const char *);
static void		 local_unlink(struct local *, struct local_inst *);
static void		 local_inst_free(struct local_inst *);
static int		 local_set_config(struct runner *, struct config *,
			    const char *);
static int		 local_notify(struct runner *, struct launch *,
			    const char *);
static int		 local_connect(struct runner *, struct launch *,
			    const char *);
static int		 local_not_ready(struct runner *, struct launch *,
			    const char *, enum ready_fail, int);
static void		 local_ended(struct local *, struct local_inst *);
static void		 local_stop_begin(struct local_inst *, int);
static void		 local_stop_end(struct local *, struct local_inst *,
			    double);
static int		 local_evq(struct runner *);
static void		 local_mark(char *, size_t, const char *);

/* The backend's state: no configuration, no instances. */
void *
local_new(void)
{
	return (calloc(1, sizeof(struct local)));
}

/*
 * Reap, by pid, every instance that has ended since the last call, after
 * killing what it left behind in its session or group.
 */
static void
local_reap(struct local *l)
{
	struct local_inst	*i;
	int			 ex;

	for (i = l->insts; i != NULL; i = i->next) {
		if (i->pid <= 0 || (ex = spawn_exited(i->pid)) == 0)
			continue;
		if (ex == 1)
			i->left = proc_kill_left(i->pid, i->mark, SIGKILL);
		spawn_reap(i->pid, &i->status);
		local_ended(l, i);
	}
}

/* i's process was reaped: its exit is queued once, here, and only here. */
static void
local_ended(struct local *l, struct local_inst *i)
{
	pid_t	 pid = i->pid;

	i->pid = 0;
	chan_gone(i->chan);
	if (l->evq == NULL)
		return;
	evq_unwatch(l->evq, i->pidfd);
	i->pidfd = -1;
	evq_push_exit(l->evq, i->alias, pid, i->status, i->left);
}

/*
 * Begin stopping i: sig to every descendant (found now, while they hang
 * under it: one that left its session is found no other way), to its
 * group, and SIGCONT so that a stopped process can act on it.
 */
static void
local_stop_begin(struct local_inst *i, int sig)
{
	struct procstat	 ps;
	size_t		 k;

	proc_tree(i->pid, &i->tree);
	if (i->tree.n > 0 &&
	    (i->starts = calloc(i->tree.n, sizeof(*i->starts))) == NULL)
		i->tree.n = 0;	/* the group and session still go */
	for (k = 0; k < i->tree.n; k++) {
		if (proc_stat(i->tree.v[k], &ps) == 0)
			i->starts[k] = ps.start;
		kill(i->tree.v[k], sig);
	}
	if (kill(-i->pid, sig) == -1)
		kill(i->pid, sig);
	kill(-i->pid, SIGCONT);
}

/*
 * End stopping i at deadline: once its main process has exited (or at
 * the deadline), SIGKILL to what is left of the tree seen at the start
 * (each still the same process: its start time), its session and group,
 * and then reap it.  Its exit is queued.
 */
static void
local_stop_end(struct local *l, struct local_inst *i, double deadline)
{
	struct procstat	 ps;
	size_t		 k;

	spawn_wait_exit(i->pid, deadline);
	kill(-i->pid, SIGKILL);
	for (k = 0; k < i->tree.n; k++) {
		if (proc_stat(i->tree.v[k], &ps) == 0 &&
		    ps.start == i->starts[k] && ps.state != 'Z')
			kill(i->tree.v[k], SIGKILL);
	}
	proc_kill_left(i->pid, i->mark, SIGKILL);
	free(i->tree.v);
	free(i->starts);
	memset(&i->tree, 0, sizeof(i->tree));
	i->starts = NULL;
	spawn_stop(i->pid, SIGKILL, 0, &i->status);
	local_ended(l, i);
}

static struct local_inst *
local_find(struct local *l, const char *alias)
{
	struct local_inst	*i;

	for (i = l->insts; i != NULL; i = i->next) {
		if (strcmp(i->alias, alias) == 0)
			return (i);
	}
	return (NULL);
}

/*
 * The instance under alias, its exit reaped if it ended (as every call
 * does first); NULL with RUNNER_ENOALIAS set when there is none.
 */
static struct local_inst *
local_get(struct runner *r, const char *alias)
{
	struct local		*l = r->backend;
	struct local_inst	*i;

	local_reap(l);
	if ((i = local_find(l, alias)) == NULL)
		runner_seterr(r, RUNNER_ENOALIAS, "no instance named '%s'",
		    alias);
	return (i);
}

static void
local_unlink(struct local *l, struct local_inst *dead)
{
	struct local_inst	**ip;

	for (ip = &l->insts; *ip != NULL; ip = &(*ip)->next) {
		if (*ip == dead) {
			*ip = dead->next;
			return;
		}
	}
}

/* Free an instance that has been reaped; its handles keep the channel. */
static void
local_inst_free(struct local_inst *i)
{
	chan_gone(i->chan);
	chan_unref(i->chan);
	free(i->alias);
	free(i->app);
	free(i->mark);
	free(i);
}

/* Make cfg the configuration (or keep the old one and report err). */
static int
local_set_config(struct runner *r, struct config *cfg, const char *err)
{
	struct local	*l = r->backend;

	if (cfg == NULL)
		return (runner_seterr(r, RUNNER_ECONFIG, "%s", err));
	config_free(l->config);
	l->config = cfg;
	return (0);
}

static int
local_load_config(struct runner *r, const char *path)
{
	char	 err[RUNNER_ERRMSG_MAX];

	return (local_set_config(r, config_load_file(path, err, sizeof(err)),
	    err));
}

/*
 * Merge the apps text names into the configuration (config_merge.c).
 * As with load_config, running instances are not touched: they keep
 * what they were started with (stop_signal, stop_timeout), and a
 * replaced app's settings apply from its next start.
 */
static int
local_update_config(struct runner *r, const char *text)
{
	struct local	*l = r->backend;
	char		 err[RUNNER_ERRMSG_MAX];

	return (local_set_config(r, config_update_text(l->config, text, err,
	    sizeof(err)), err));
}

/*
 * Wait for a socket app to accept a connection on its path, for up to
 * ready_timeout.  Nothing signals "the path now accepts", so connect is
 * retried; between tries we wait on the child's exit for a short, growing
 * nap (1 to 32 ms), so a child that dies ends the wait at once.
 */
static int
local_connect(struct runner *r, struct launch *l, const char *alias)
{
	double		 deadline, nap = READY_NAP_FIRST;
	char		 how[64];
	int		 fd, status, rc;

	deadline = clock_now() + l->app->ready_timeout;
	for (;;) {
		if ((rc = ready_connect(l->socket_path, &fd)) == 1) {
			l->fd = fd;
			return (0);
		}
		if (rc == -1)
			return (local_not_ready(r, l, alias, READY_ECONNECT,
			    errno));
		if (spawn_reap(l->pid, &status)) {
			l->pid = 0;
			return (runner_seterr(r, RUNNER_ESPAWN, "'%s' %s before "
			    "its socket '%s' accepted a connection", alias,
			    status_words(status, how, sizeof(how)),
			    l->socket_path));
		}
		if (clock_ms_left(deadline) == 0)
			return (local_not_ready(r, l, alias, READY_ENOACCEPT,
			    0));
		spawn_wait_exit(l->pid, clock_now() + ready_nap(&nap,
		    deadline - clock_now()));
	}
}

/*
 * ready = notify: wait, for up to ready_timeout, until the child writes a
 * newline to its notify_fd (the s6 convention).  Only the child holds the
 * pipe's write end, so its exit ends the wait at once with EOF.
 */
static int
local_notify(struct runner *r, struct launch *l, const char *alias)
{
	double		 deadline;
	char		 how[64];
	enum ready_read	 rd;
	int		 status;

	deadline = clock_now() + l->app->ready_timeout;
	for (;;) {
		if (fd_wait(l->notify, POLLIN, deadline) == 0)
			return (local_not_ready(r, l, alias, READY_ENOLINE,
			    0));
		if ((rd = ready_notify_read(l->notify)) == READY_LINE)
			return (0);
		if (rd == READY_MORE || rd == READY_WAIT)
			continue;
		if (rd == READY_FAIL)
			return (local_not_ready(r, l, alias, READY_EREAD,
			    errno));
		/* EOF: it exited, or closed the fd without a word. */
		if (spawn_wait_exit(l->pid, clock_now() + 0.1) == 0 &&
		    spawn_reap(l->pid, &status)) {
			l->pid = 0;
			return (runner_seterr(r, RUNNER_ESPAWN, "'%s' %s before "
			    "it was ready", alias, status_words(status, how,
			    sizeof(how))));
		}
		return (local_not_ready(r, l, alias, READY_ECLOSED, 0));
	}
}

/* The start of alias will not be ready (why, errnum: as ready_errf's). */
static int
local_not_ready(struct runner *r, struct launch *l, const char *alias,
    enum ready_fail why, int errnum)
{
	char	 err[RUNNER_ERRMSG_MAX];

	return (runner_seterr(r, ready_errf(why, l->app, alias,
	    l->socket_path, errnum, err, sizeof(err)), "%s", err));
}

/*
 * The mark of a new instance of alias: an environment entry its
 * processes inherit, unique to this start (our pid, the time in ns), by
 * which what it left is found once it has left the session and been
 * reparented (proc_kill_left).
 */
static void
local_mark(char *mark, size_t len, const char *alias)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(mark, len, LOCAL_MARK "=%s:%ld.%lld.%09ld", alias,
	    (long)getpid(), (long long)ts.tv_sec, ts.tv_nsec);
}

static int
local_start(struct runner *r, const char *name,
    const struct runner_start *opts, int strict)
{
	struct local	*l = r->backend;
	struct launch	 la;
	struct local_inst	*i;
	const char	*alias;
	char		 err[RUNNER_ERRMSG_MAX], mark[LOCAL_MARK_MAX];
	int		 rc, status;

	local_reap(l);
	memset(&la, 0, sizeof(la));
	if ((la.app = config_app(l->config, name)) == NULL) {
		if (l->config == NULL)
			return (runner_seterr(r, RUNNER_ENOAPP, "no app named "
			    "'%s' (no configuration loaded)", name));
		return (runner_seterr(r, RUNNER_ENOAPP, "no app named '%s' "
		    "(in %s)", name, l->config->source));
	}
	if ((rc = launch_check(la.app, opts, err, sizeof(err))) != 0)
		return (runner_seterr(r, rc, "%s", err));
	alias = opts != NULL && opts->alias != NULL ? opts->alias : name;
	/*
	 * Probing is a schedule that runs while the instance does: a loop
	 * this library does not have in-process (it never owns the
	 * program's), runnerd's.  Said, rather than the probe ignored.
	 */
	if (APP_HAS_HEALTH(la.app) || la.app->ready == READY_HEALTHY)
		return (runner_seterr(r, RUNNER_ENOTSUP, "'%s': app '%s' has "
		    "a health probe, which needs runnerd (the in-process "
		    "backend runs none): use runner_connect",
		    alias, name));
	/* So is waiting on other apps' events: runnerd's loop. */
	if (la.app->deps.n > 0)
		return (runner_seterr(r, RUNNER_ENOTSUP, "'%s': app '%s' has "
		    "depends_on, which needs runnerd (the in-process backend "
		    "starts no dependencies): use runner_connect", alias,
		    name));
	if (config_alias_taken(l->config, la.app, alias, err, sizeof(err)))
		return (runner_seterr(r, RUNNER_EEXIST, "%s", err));
	if ((i = local_find(l, alias)) != NULL && i->pid > 0 &&
	    strcmp(i->app, name) != 0)
		return (runner_seterr(r, RUNNER_EEXIST, "alias '%s' is taken "
		    "by an instance of app '%s'", alias, i->app));
	if (i != NULL && i->pid > 0) {
		if (strict)
			return (runner_seterr(r, RUNNER_EEXIST, "'%s' is "
			    "already running (pid %ld)", alias, (long)i->pid));
		return (RUNNER_RUNNING);
	}
	if (i != NULL) {		/* ended: its alias is free again */
		local_unlink(l, i);
		local_inst_free(i);
	}

	if (opts != NULL) {
		la.args = opts->args;
		la.cwd = opts->cwd;
		la.socket = opts->socket;
	}
	la.errfd = SPAWN_INHERIT;
	local_mark(mark, sizeof(mark), alias);
	la.mark = mark;
	if ((rc = launch_spawn(&la, err, sizeof(err))) != 0) {
		runner_seterr(r, rc, "%s", err);
		goto out;
	}
	if (la.notify != -1 && (rc = local_notify(r, &la, alias)) != 0) {
		if (la.pid > 0)
			spawn_stop(la.pid, SIGKILL, 0, &status);
		goto out;
	}
	if (la.app->type == APP_SOCKET &&
	    (rc = local_connect(r, &la, alias)) != 0) {
		if (la.pid > 0)
			spawn_stop(la.pid, SIGKILL, 0, &status);
		goto out;
	}

	if ((i = calloc(1, sizeof(*i))) == NULL ||
	    (i->alias = strdup(alias)) == NULL ||
	    (i->app = strdup(name)) == NULL ||
	    (i->mark = strdup(mark)) == NULL ||
	    (i->chan = chan_new(la.fd)) == NULL) {
		if (i != NULL) {
			free(i->alias);
			free(i->app);
			free(i->mark);
			free(i);
		}
		close(la.fd);
		spawn_stop(la.pid, SIGKILL, 0, &status);
		rc = runner_seterr(r, RUNNER_ENOMEM, "out of memory");
		goto out;
	}
	i->pid = la.pid;
	i->started = clock_now();
	i->stop_signal = la.app->stop_signal;
	i->stop_timeout = la.app->stop_timeout;
	i->next = l->insts;
	l->insts = i;
	i->pidfd = -1;
	if (l->evq != NULL) {
		i->pidfd = evq_watch(l->evq, i->pid);
		/* Ready too: a start returns once the instance is. */
		evq_push(l->evq, RUNNER_EVENT_STARTED, alias, i->pid);
		evq_push(l->evq, RUNNER_EVENT_READY, alias, i->pid);
	}
	rc = 0;
out:
	launch_done(&la);
	return (rc);
}

static int
local_terminate(struct runner *r, const char *alias)
{
	struct local	*l = r->backend;
	struct local_inst	*i;

	if ((i = local_get(r, alias)) == NULL)
		return (r->errcode);
	local_unlink(l, i);
	if (i->pid > 0) {
		local_stop_begin(i, i->stop_signal);
		local_stop_end(l, i, clock_now() + i->stop_timeout);
	}
	if (l->evq != NULL)
		evq_push(l->evq, RUNNER_EVENT_STOPPED, alias, 0);
	local_inst_free(i);
	return (0);
}

/*
 * kill(2) to the main process.  It is our unreaped child, so its pid
 * cannot have been reused; one that has ended (reaped just now) says
 * how, as runnerd does.
 */
static int
local_signal(struct runner *r, const char *alias, int signo)
{
	struct local_inst	*i;
	char		 how[64];

	if ((i = local_get(r, alias)) == NULL)
		return (r->errcode);
	if (i->pid == 0)
		return (runner_seterr(r, RUNNER_ECLOSED, "'%s' is not running "
		    "(%s)", alias, status_words(i->status, how, sizeof(how))));
	if (kill(i->pid, signo) == -1)
		return (runner_seterr(r, RUNNER_ESYS, "cannot send signal %d "
		    "to '%s' (pid %ld): %s", signo, alias, (long)i->pid,
		    strerror(errno)));
	return (0);
}

static struct chan *
local_channel(struct runner *r, const char *alias)
{
	struct local_inst	*i;

	if ((i = local_get(r, alias)) == NULL)
		return (NULL);
	i->chan->refs++;	/* the caller's (runner_ops) */
	return (i->chan);
}

/*
 * Stop every instance at once: each gets its stop signal now, then each
 * is waited for against its own deadline, so n instances take as long as
 * the slowest, not the sum.
 */
static void
local_free(struct runner *r)
{
	struct local	*l = r->backend;
	struct local_inst	*i;
	double		 t0 = clock_now();

	local_reap(l);
	for (i = l->insts; i != NULL; i = i->next) {
		if (i->pid > 0)
			local_stop_begin(i, i->stop_signal);
	}
	while ((i = l->insts) != NULL) {
		l->insts = i->next;
		if (i->pid > 0)
			local_stop_end(l, i, t0 + i->stop_timeout);
		local_inst_free(i);
	}
	evq_free(l->evq);
	config_free(l->config);
	free(l);
}

/*
 * How alias is.  In-process a start returns once the instance is ready,
 * a terminate once it is gone, and nothing restarts: an instance runs,
 * or has exited (and stays listed, saying how, until terminated or
 * started again).
 */
static int
local_status(struct runner *r, const char *alias, struct runner_status *st)
{
	struct local_inst	*i;

	if ((i = local_get(r, alias)) == NULL)
		return (r->errcode);
	st->pid = i->pid;
	st->state = i->pid > 0 ? RUNNER_STATE_RUNNING : RUNNER_STATE_EXITED;
	st->ready = i->pid > 0;
	st->exited = i->pid == 0;
	if (st->exited)
		ev_exit_status(i->status, &st->exit_code, &st->exit_signal);
	st->left_behind = i->left;
	st->uptime = i->pid > 0 ? clock_now() - i->started : 0;
	return (0);
}

/*
 * Make the events queue on first use: events are kept from then on, and
 * the instances already running are watched from now.
 */
static int
local_evq(struct runner *r)
{
	struct local	*l = r->backend;
	struct local_inst	*i;
	char		 err[RUNNER_ERRMSG_MAX];

	if (l->evq != NULL)
		return (0);
	if ((l->evq = evq_new(err, sizeof(err))) == NULL)
		return (runner_seterr(r, RUNNER_ESYS, "%s", err));
	for (i = l->insts; i != NULL; i = i->next) {
		if (i->pid > 0)
			i->pidfd = evq_watch(l->evq, i->pid);
	}
	return (0);
}

static int
local_events_fd(struct runner *r)
{
	struct local	*l = r->backend;
	int		 rc;

	if ((rc = local_evq(r)) != 0)
		return (rc);
	return (evq_fd(l->evq));
}

/* Reap what exited (its pidfd woke the set), then the oldest event. */
static int
local_next_event(struct runner *r, struct runner_event *ev)
{
	struct local	*l = r->backend;
	int		 rc;

	if ((rc = local_evq(r)) != 0)
		return (rc);
	local_reap(l);
	return (evq_pop(l->evq, ev));
}

const struct runner_ops local_ops = {
	local_load_config,
	local_update_config,
	local_start,
	local_terminate,
	local_channel,
	local_free,
	local_channel,		/* direct: the channel is already the child's */
	local_signal,
	local_status,
	local_events_fd,
	local_next_event,
};
