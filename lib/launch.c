/*
 * launch.c: the part of starting an instance that every backend shares:
 * the argv (the app's plus the start's args), the socket path resolved
 * against the cwd with a stale socket removed, the channel socketpair of
 * a stdio app, the log, and the spawn.  What follows differs: the
 * in-process backend waits for a socket app's readiness by blocking,
 * runnerd on its event loop.
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner-int.h"

/* Resolve a socket app's path against the instance's cwd. */
static int	 launch_ids(const struct app *, struct spawn *, gid_t **,
		    char ***, char *, size_t);
static char	**launch_env(char **, char *const *);

/* Resolve a socket app's path against the instance's cwd. */
static char *
launch_socket_path(const char *path, const char *cwd)
{
	char	*s;

	if (path[0] == '/' || cwd == NULL)
		return (strdup(path));
	if (asprintf(&s, "%s/%s", cwd, path) == -1)
		return (NULL);
	return (s);
}

/*
 * The ids to switch to for user/group.  Only root may switch; anyone may
 * "switch" to what they are already, so a config naming the current user
 * works unprivileged.  The user's groups come from the group database,
 * read here because the child may not allocate.
 */
static int
launch_ids(const struct app *app, struct spawn *sp, gid_t **groups,
    char ***env, char *err, size_t errlen)
{
	struct passwd	*pw;
	gid_t		*g;
	int		 n = 16;

	if (app->user == NULL && app->group == NULL)
		return (0);
	if (geteuid() != 0) {
		if ((app->user == NULL || app->uid == geteuid()) &&
		    app->gid == getegid())
			return (0);
		errf(err, errlen, "app '%s' runs as %s%s%s%s%s, which needs "
		    "root (this runner runs as uid %ld)", app->name,
		    app->user != NULL ? "user '" : "", app->user != NULL ?
		    app->user : "", app->user != NULL ? "'" : "",
		    app->group != NULL ? " group " : "", app->group != NULL ?
		    app->group : "", (long)geteuid());
		return (RUNNER_EPERM);
	}
	sp->set_ids = 1;
	sp->uid = app->user != NULL ? app->uid : getuid();
	sp->gid = app->gid;
	pw = app->user != NULL ? getpwuid(app->uid) : NULL;
	if (pw == NULL) {
		/* No entry (a bare number): no supplementary groups at all. */
		sp->ngroups = 0;
		return (0);
	}
	for (;;) {
		if ((g = reallocarray(*groups, n, sizeof(*g))) == NULL) {
			errf(err, errlen, "out of memory");
			return (RUNNER_ENOMEM);
		}
		*groups = g;
		if (getgrouplist(pw->pw_name, sp->gid, g, &n) != -1)
			break;
	}
	sp->groups = g;
	sp->ngroups = n;
	/* What su(1) sets, unless the app's env says otherwise. */
	if (asprintf(&(*env)[0], "HOME=%s", pw->pw_dir) == -1 ||
	    asprintf(&(*env)[1], "USER=%s", pw->pw_name) == -1 ||
	    asprintf(&(*env)[2], "LOGNAME=%s", pw->pw_name) == -1) {
		errf(err, errlen, "out of memory");
		return (RUNNER_ENOMEM);
	}
	return (0);
}

/* The app's env after the user's HOME, USER and LOGNAME (when set). */
static char **
launch_env(char **ids, char *const *env)
{
	char	**all;
	size_t	  n = 0, k;

	while (n < 3 && ids[n] != NULL)
		n++;
	if ((all = calloc(n + argv_len(env) + 1, sizeof(*all))) == NULL)
		return (NULL);
	for (k = 0; k < n; k++)
		all[k] = ids[k];
	for (k = 0; env != NULL && env[k] != NULL; k++)
		all[n + k] = env[k];
	return (all);
}

/*
 * Start the child l describes.  A stdio app gets one end of a socketpair
 * as both stdin and stdout, so its channel is a single descriptor that
 * polls for reading and writing alike; a socket app gets /dev/null as
 * stdin.  Output that is not the channel (stderr, by app->err, and a
 * socket app's stdout) goes to l->errfd, or to the app's log file when
 * the caller does not capture it.  ready = notify gives the child the
 * write end of a pipe as notify_fd; the caller waits on l->notify.
 * Returns 0, with l->pid and (stdio) l->fd set, or a RUNNER_E* code with
 * the reason in err.
 */
int
launch_spawn(struct launch *l, char *err, size_t errlen)
{
	const struct app	*app = l->app;
	struct spawn		 sp;
	char			**argv, *ids[4] = { NULL }, **idsp = ids;
	char			**env = NULL;
	gid_t			*groups = NULL;
	int			 sv[2] = { -1, -1 }, np[2] = { -1, -1 };
	int			 log = l->errfd, rc, k;

	l->pid = 0;
	l->fd = -1;
	l->notify = -1;
	memset(&sp, 0, sizeof(sp));
	sp.extra_fd = -1;
	if (l->cwd == NULL)
		l->cwd = app->cwd;
	if ((argv = argv_concat(app->argv, l->args)) == NULL) {
		errf(err, errlen, "out of memory");
		return (RUNNER_ENOMEM);
	}
	if ((rc = launch_ids(app, &sp, &groups, &idsp, err, errlen)) != 0)
		goto out;
	if ((env = launch_env(ids, app->env)) == NULL) {
		errf(err, errlen, "out of memory");
		rc = RUNNER_ENOMEM;
		goto out;
	}
	if (app->type == APP_SOCKET) {
		l->socket_path = launch_socket_path(l->socket != NULL ?
		    l->socket : app->socket, l->cwd);
		if (l->socket_path == NULL) {
			errf(err, errlen, "out of memory");
			rc = RUNNER_ENOMEM;
			goto out;
		}
		if ((rc = sock_remove_stale(l->socket_path, err, errlen)) != 0)
			goto out;
	}
	if (!l->capture && app->log != NULL && (log = open(app->log,
	    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) == -1) {
		errf(err, errlen, "cannot open log '%s' of app '%s': %s",
		    app->log, app->name, strerror(errno));
		rc = RUNNER_ESPAWN;
		goto out;
	}
	if (app->ready == READY_NOTIFY) {
		if (pipe2(np, O_CLOEXEC) == -1) {
			errf(err, errlen, "pipe: %s", strerror(errno));
			rc = RUNNER_ESYS;
			goto out;
		}
		sp.extra_fd = np[1];
		sp.extra_as = app->notify_fd;
	}

	sp.argv = argv;
	sp.env = env;
	sp.cwd = l->cwd;
	if (app->type == APP_STDIO) {
		if (sock_pair(sv) == -1) {
			errf(err, errlen, "socketpair: %s", strerror(errno));
			rc = RUNNER_ESYS;
			goto out;
		}
		sp.fd[0] = sp.fd[1] = sv[1];
	} else {
		sp.fd[0] = SPAWN_NULL;
		sp.fd[1] = log;
	}
	switch (app->err) {
	case STDERR_MERGE:
		sp.fd[2] = sp.fd[1];
		break;
	case STDERR_NULL:
		sp.fd[2] = SPAWN_NULL;
		break;
	default:
		sp.fd[2] = log;
		break;
	}
	if (spawn_child(&sp, &l->pid, err, errlen) == -1) {
		rc = RUNNER_ESPAWN;
		goto out;
	}
	l->fd = sv[0];
	sv[0] = -1;
	l->notify = np[0];
	np[0] = -1;
	rc = 0;
out:
	for (k = 0; k < 2; k++) {
		if (sv[k] != -1)
			close(sv[k]);
		if (np[k] != -1)
			close(np[k]);
	}
	if (log >= 0 && log != l->errfd)
		close(log);
	for (k = 0; k < 3; k++)
		free(ids[k]);
	free(env);
	free(groups);
	argv_free(argv);
	return (rc);
}

/* Free what launch_spawn allocated, and a notify pipe nobody took. */
void
launch_done(struct launch *l)
{
	free(l->socket_path);
	l->socket_path = NULL;
	if (l->notify != -1)
		close(l->notify);
	l->notify = -1;
}
