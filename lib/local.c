/*
 * local.c: the in-process backend.  Instances are this program's own
 * children.  The library may not install a SIGCHLD handler, so exits are
 * noticed lazily: every call first reaps, by pid, the children that have
 * ended (never waitpid(-1), which would steal the program's own children).
 * An instance that ended stays listed, its channel still readable, until
 * its alias is started again or terminated.
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner-int.h"

struct local_inst {
	char		*alias;
	char		*app;		/* the app's name, for messages */
	pid_t		 pid;		/* 0 once reaped */
	int		 status;	/* wait status, once reaped */
	int		 stop_signal;	/* copied: the config may change */
	double		 stop_timeout;
	struct chan	*chan;
	struct local_inst	*next;
};

struct local {
	struct config	*config;
	struct local_inst	*insts;
};

static void		 local_reap(struct local *);
static struct local_inst	*local_find(struct local *, const char *);
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

/* The backend's state: no configuration, no instances. */
void *
local_new(void)
{
	return (calloc(1, sizeof(struct local)));
}

/* Reap, by pid, every instance that has ended since the last call. */
static void
local_reap(struct local *l)
{
	struct local_inst	*i;

	for (i = l->insts; i != NULL; i = i->next) {
		if (i->pid > 0 && spawn_reap(i->pid, &i->status)) {
			i->pid = 0;
			chan_gone(i->chan);
		}
	}
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

static int
local_start(struct runner *r, const char *name,
    const struct runner_start *opts, int strict)
{
	struct local	*l = r->backend;
	struct launch	 la;
	struct local_inst	*i;
	const char	*alias;
	char		 err[RUNNER_ERRMSG_MAX];
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
	alias = opts != NULL && opts->alias != NULL ? opts->alias : name;
	if ((i = local_find(l, alias)) != NULL && i->pid > 0) {
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
	    (i->chan = chan_new(la.fd)) == NULL) {
		if (i != NULL) {
			free(i->alias);
			free(i->app);
			free(i);
		}
		close(la.fd);
		spawn_stop(la.pid, SIGKILL, 0, &status);
		rc = runner_seterr(r, RUNNER_ENOMEM, "out of memory");
		goto out;
	}
	i->pid = la.pid;
	i->stop_signal = la.app->stop_signal;
	i->stop_timeout = la.app->stop_timeout;
	i->next = l->insts;
	l->insts = i;
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

	local_reap(l);
	if ((i = local_find(l, alias)) == NULL)
		return (runner_seterr(r, RUNNER_ENOALIAS, "no instance named "
		    "'%s'", alias));
	local_unlink(l, i);
	if (i->pid > 0)
		spawn_stop(i->pid, i->stop_signal, i->stop_timeout, &i->status);
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
	struct local	*l = r->backend;
	struct local_inst	*i;
	char		 how[64];

	local_reap(l);
	if ((i = local_find(l, alias)) == NULL)
		return (runner_seterr(r, RUNNER_ENOALIAS, "no instance named "
		    "'%s'", alias));
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
	struct local	*l = r->backend;
	struct local_inst	*i;

	local_reap(l);
	if ((i = local_find(l, alias)) == NULL) {
		runner_seterr(r, RUNNER_ENOALIAS, "no instance named '%s'",
		    alias);
		return (NULL);
	}
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
		if (i->pid > 0) {
			kill(-i->pid, i->stop_signal);
			kill(-i->pid, SIGCONT);
		}
	}
	while ((i = l->insts) != NULL) {
		l->insts = i->next;
		if (i->pid > 0) {
			spawn_wait_exit(i->pid, t0 + i->stop_timeout);
			spawn_stop(i->pid, SIGKILL, 0, &i->status);
		}
		local_inst_free(i);
	}
	config_free(l->config);
	free(l);
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
};
