/*
 * launch.c: the part of starting an instance that every backend shares:
 * the argv (the app's plus the start's args), the socket path resolved
 * against the cwd with a stale socket removed, the channel socketpair of
 * a stdio app, the log, and the spawn.  What follows differs: the
 * in-process backend waits for a socket app's readiness by blocking,
 * runnerd on its event loop.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner-int.h"

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
 * Start the child l describes.  A stdio app gets one end of a socketpair
 * as both stdin and stdout, so its channel is a single descriptor that
 * polls for reading and writing alike; a socket app gets /dev/null as
 * stdin.  Output that is not the channel goes to the app's log, or to
 * l->errfd.  Returns 0, with l->pid and (stdio) l->fd set, or a
 * RUNNER_E* code with the reason in err.
 */
int
launch_spawn(struct launch *l, char *err, size_t errlen)
{
	const struct app	*app = l->app;
	struct spawn		 sp;
	char			**argv;
	int			 sv[2] = { -1, -1 }, log = l->errfd, rc;

	l->pid = 0;
	l->fd = -1;
	if (l->cwd == NULL)
		l->cwd = app->cwd;
	if ((argv = argv_concat(app->argv, l->args)) == NULL) {
		errf(err, errlen, "out of memory");
		return (RUNNER_ENOMEM);
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
	if (app->log != NULL && (log = open(app->log, O_WRONLY | O_APPEND |
	    O_CREAT | O_CLOEXEC, 0644)) == -1) {
		errf(err, errlen, "cannot open log '%s' of app '%s': %s",
		    app->log, app->name, strerror(errno));
		rc = RUNNER_ESPAWN;
		goto out;
	}

	sp.argv = argv;
	sp.env = app->env;
	sp.cwd = l->cwd;
	sp.fd[2] = log;
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
	if (spawn_child(&sp, &l->pid, err, errlen) == -1) {
		rc = RUNNER_ESPAWN;
		goto out;
	}
	l->fd = sv[0];
	sv[0] = -1;
	rc = 0;
out:
	if (sv[0] != -1)
		close(sv[0]);
	if (sv[1] != -1)
		close(sv[1]);
	if (log >= 0 && log != l->errfd)
		close(log);
	argv_free(argv);
	return (rc);
}

/* Free what launch_spawn allocated (not the fd or the child). */
void
launch_done(struct launch *l)
{
	free(l->socket_path);
	l->socket_path = NULL;
}
