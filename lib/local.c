/*
 * local.c: the in-process backend.  Instances are this program's own
 * children.  The library may not install a SIGCHLD handler, so exits are
 * noticed lazily: every call first reaps, by pid, the children that have
 * ended (never waitpid(-1), which would steal the program's own children).
 * An instance that ended stays listed, its channel still readable, until
 * its alias is started again or terminated.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner-int.h"

struct inst {
	char		*alias;
	char		*app;		/* the app's name, for messages */
	pid_t		 pid;		/* 0 once reaped */
	int		 status;	/* wait status, once reaped */
	int		 stop_signal;	/* copied: the config may change */
	double		 stop_timeout;
	struct chan	*chan;
	struct inst	*next;
};

struct local {
	struct config	*config;
	struct inst	*insts;
};

struct start {				/* one start, being set up */
	const struct app	*app;
	const char		*alias;
	const char		*cwd;
	char			*socket;	/* socket apps: resolved path */
	char			**argv;
	pid_t			 pid;
	int			 fd;		/* our end of the channel */
};

static void		 local_reap(struct local *);
static struct inst	*local_find(struct local *, const char *);
static void		 local_unlink(struct local *, struct inst *);
static void		 inst_free(struct inst *);
static int		 local_set_config(struct runner *, struct config *,
			    const char *);
static int		 start_spawn(struct runner *, struct start *);
static int		 start_connect(struct runner *, struct start *);
static int		 start_log(struct runner *, const struct app *, int *);

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
	struct inst	*i;

	for (i = l->insts; i != NULL; i = i->next) {
		if (i->pid > 0 && spawn_reap(i->pid, &i->status)) {
			i->pid = 0;
			chan_gone(i->chan);
		}
	}
}

static struct inst *
local_find(struct local *l, const char *alias)
{
	struct inst	*i;

	for (i = l->insts; i != NULL; i = i->next) {
		if (strcmp(i->alias, alias) == 0)
			return (i);
	}
	return (NULL);
}

static void
local_unlink(struct local *l, struct inst *dead)
{
	struct inst	**ip;

	for (ip = &l->insts; *ip != NULL; ip = &(*ip)->next) {
		if (*ip == dead) {
			*ip = dead->next;
			return;
		}
	}
}

/* Free an instance that has been reaped; its handles keep the channel. */
static void
inst_free(struct inst *i)
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

static int
local_update_config(struct runner *r, const char *text)
{
	char	 err[RUNNER_ERRMSG_MAX];

	return (local_set_config(r, config_load_text(text, err, sizeof(err)),
	    err));
}

/* Open the app's log for the child's output; *fd is SPAWN_INHERIT if none. */
static int
start_log(struct runner *r, const struct app *app, int *fd)
{
	*fd = SPAWN_INHERIT;
	if (app->log == NULL)
		return (0);
	*fd = open(app->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (*fd == -1)
		return (runner_seterr(r, RUNNER_ESPAWN, "cannot open log "
		    "'%s' of app '%s': %s", app->log, app->name,
		    strerror(errno)));
	return (0);
}

/*
 * Spawn the child.  A stdio app gets one end of a socketpair as both
 * stdin and stdout, so the channel is a single descriptor that polls for
 * reading and writing alike; its stderr goes to the log or ours.  A socket
 * app gets /dev/null as stdin and writes to the log or ours.
 */
static int
start_spawn(struct runner *r, struct start *st)
{
	struct spawn	 sp;
	char		 err[RUNNER_ERRMSG_MAX];
	int		 sv[2] = { -1, -1 }, log, rc;

	if ((rc = start_log(r, st->app, &log)) != 0)
		return (rc);
	sp.argv = st->argv;
	sp.env = st->app->env;
	sp.cwd = st->cwd;
	sp.fd[2] = log;
	if (st->app->type == APP_STDIO) {
		if (sock_pair(sv) == -1) {
			rc = runner_seterr(r, RUNNER_ESYS, "socketpair: %s",
			    strerror(errno));
			goto out;
		}
		sp.fd[0] = sp.fd[1] = sv[1];
	} else {
		sp.fd[0] = SPAWN_NULL;
		sp.fd[1] = log;
	}
	if (spawn_child(&sp, &st->pid, err, sizeof(err)) == -1) {
		rc = runner_seterr(r, RUNNER_ESPAWN, "%s", err);
		close(sv[0]);
		goto out;
	}
	st->fd = sv[0];
	rc = 0;
out:
	if (sv[1] != -1)
		close(sv[1]);
	if (log >= 0)
		close(log);
	return (rc);
}

/*
 * Wait for a socket app to accept a connection on its path, for up to
 * ready_timeout.  Nothing signals "the path now accepts", so connect is
 * retried; between tries we wait on the child's exit for a short, growing
 * nap (1 to 32 ms), so a child that dies ends the wait at once.
 */
static int
start_connect(struct runner *r, struct start *st)
{
	const struct app	*app = st->app;
	double			 deadline;
	char			 how[64];
	int			 fd, status;
	int			 nap_ms = 1;

	deadline = clock_now() + app->ready_timeout;
	for (;;) {
		if ((fd = sock_connect(st->socket)) != -1) {
			st->fd = fd;
			return (0);
		}
		if (errno != ENOENT && errno != ECONNREFUSED &&
		    errno != EAGAIN)
			return (runner_seterr(r, RUNNER_ESPAWN, "cannot connect "
			    "to '%s' of '%s': %s", st->socket, st->alias,
			    strerror(errno)));
		if (spawn_reap(st->pid, &status)) {
			st->pid = 0;
			return (runner_seterr(r, RUNNER_ESPAWN, "'%s' %s before "
			    "its socket '%s' accepted a connection", st->alias,
			    status_words(status, how, sizeof(how)),
			    st->socket));
		}
		if (clock_ms_left(deadline) == 0)
			return (runner_seterr(r, RUNNER_ETIMEDOUT, "'%s' did "
			    "not accept connections on '%s' within %g s",
			    st->alias, st->socket, app->ready_timeout));
		spawn_wait_exit(st->pid, clock_now() + nap_ms / 1000.0 <
		    deadline ? clock_now() + nap_ms / 1000.0 : deadline);
		if (nap_ms < 32)
			nap_ms *= 2;
	}
}

/* Resolve a socket app's path against the instance's cwd. */
static char *
start_socket_path(const char *path, const char *cwd)
{
	char	*s;

	if (path[0] == '/' || cwd == NULL)
		return (strdup(path));
	if (asprintf(&s, "%s/%s", cwd, path) == -1)
		return (NULL);
	return (s);
}

static int
local_start(struct runner *r, const char *name,
    const struct runner_start *opts, int strict)
{
	struct local	*l = r->backend;
	struct start	 st;
	struct inst	*i;
	char		 err[RUNNER_ERRMSG_MAX];
	int		 rc, status;

	local_reap(l);
	memset(&st, 0, sizeof(st));
	st.fd = -1;
	if ((st.app = config_app(l->config, name)) == NULL) {
		if (l->config == NULL)
			return (runner_seterr(r, RUNNER_ENOAPP, "no app named "
			    "'%s' (no configuration loaded)", name));
		return (runner_seterr(r, RUNNER_ENOAPP, "no app named '%s' "
		    "(in %s)", name, l->config->source));
	}
	st.alias = opts != NULL && opts->alias != NULL ? opts->alias : name;
	if ((i = local_find(l, st.alias)) != NULL && i->pid > 0) {
		if (strict)
			return (runner_seterr(r, RUNNER_EEXIST, "'%s' is "
			    "already running (pid %ld)", st.alias,
			    (long)i->pid));
		return (RUNNER_RUNNING);
	}
	if (i != NULL) {		/* ended: its alias is free again */
		local_unlink(l, i);
		inst_free(i);
	}

	st.cwd = opts != NULL && opts->cwd != NULL ? opts->cwd : st.app->cwd;
	st.argv = argv_concat(st.app->argv, opts != NULL ? opts->args : NULL);
	if (st.argv == NULL)
		return (runner_seterr(r, RUNNER_ENOMEM, "out of memory"));
	if (st.app->type == APP_SOCKET) {
		st.socket = start_socket_path(opts != NULL &&
		    opts->socket != NULL ? opts->socket : st.app->socket,
		    st.cwd);
		if (st.socket == NULL) {
			rc = runner_seterr(r, RUNNER_ENOMEM, "out of memory");
			goto out;
		}
		if ((rc = sock_remove_stale(st.socket, err, sizeof(err))) != 0) {
			runner_seterr(r, rc, "%s", err);
			goto out;
		}
	}
	if ((rc = start_spawn(r, &st)) != 0)
		goto out;
	if (st.app->type == APP_SOCKET &&
	    (rc = start_connect(r, &st)) != 0) {
		if (st.pid > 0)
			spawn_stop(st.pid, SIGKILL, 0, &status);
		goto out;
	}

	if ((i = calloc(1, sizeof(*i))) == NULL ||
	    (i->alias = strdup(st.alias)) == NULL ||
	    (i->app = strdup(name)) == NULL ||
	    (i->chan = chan_new(st.fd)) == NULL) {
		if (i != NULL) {
			free(i->alias);
			free(i->app);
			free(i);
		}
		close(st.fd);
		spawn_stop(st.pid, SIGKILL, 0, &status);
		rc = runner_seterr(r, RUNNER_ENOMEM, "out of memory");
		goto out;
	}
	i->pid = st.pid;
	i->stop_signal = st.app->stop_signal;
	i->stop_timeout = st.app->stop_timeout;
	i->next = l->insts;
	l->insts = i;
	rc = 0;
out:
	argv_free(st.argv);
	free(st.socket);
	return (rc);
}

static int
local_terminate(struct runner *r, const char *alias)
{
	struct local	*l = r->backend;
	struct inst	*i;

	local_reap(l);
	if ((i = local_find(l, alias)) == NULL)
		return (runner_seterr(r, RUNNER_ENOALIAS, "no instance named "
		    "'%s'", alias));
	local_unlink(l, i);
	if (i->pid > 0)
		spawn_stop(i->pid, i->stop_signal, i->stop_timeout, &i->status);
	inst_free(i);
	return (0);
}

static struct chan *
local_channel(struct runner *r, const char *alias)
{
	struct local	*l = r->backend;
	struct inst	*i;

	local_reap(l);
	if ((i = local_find(l, alias)) == NULL) {
		runner_seterr(r, RUNNER_ENOALIAS, "no instance named '%s'",
		    alias);
		return (NULL);
	}
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
	struct inst	*i;
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
		inst_free(i);
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
};
