/*
 * launch.c: the part of starting an instance that every backend shares:
 * the argv (the app's plus the start's args), the environment, the
 * socket path resolved against the cwd with a stale socket removed, the
 * channel socketpair of a stdio app, the log, and the spawn.  What
 * follows differs: the in-process backend waits for a socket app's
 * readiness by blocking, runnerd on its event loop.  And the same for a
 * health probe of an app (launch_probe_job): run as the app runs.
 *
 * The environment is built whole here, in the parent, because the child
 * may not allocate; launch_env says what goes in, and in which order.
 * An app with user is without env_inherit unless it says otherwise, so
 * that nothing of the runner's environment (a root SECRET_TOKEN,
 * NOTIFY_SOCKET, SSH_AUTH_SOCK) reaches an app that runs as someone else.
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

/* A clean environment's PATH, as Debian's login.defs gives one. */
#define LAUNCH_PATH	"PATH=/usr/local/bin:/usr/bin:/bin"
#define LAUNCH_SUPATH	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:" \
			    "/usr/bin:/sbin:/bin"
#define LAUNCH_NIDENT	5	/* HOME, USER, LOGNAME, SHELL, PATH */

static char	*launch_socket_path(const char *, const char *);
static int	 launch_ids(const struct app *, struct spawn *, gid_t **,
		    char *, size_t);
static int	 env_sets(char *const *, const char *);
static int	 launch_ident(const struct app *, char **);
static char	**launch_env(const struct app *, char **, const char *);

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
    char *err, size_t errlen)
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
	return (0);
}

/* Does list set the variable that the "NAME=value" entry names? */
static int
env_sets(char *const *list, const char *entry)
{
	size_t	 n = strcspn(entry, "=");

	for (; list != NULL && *list != NULL; list++)
		if (strncmp(*list, entry, n) == 0 && (*list)[n] == '=')
			return (1);
	return (0);
}

/*
 * The identity of the user the app runs as (runnerd's own without
 * user), into ident as malloc'd "NAME=value" strings, NULL-terminated:
 * HOME, USER, LOGNAME and SHELL from the password database, as login(1)
 * sets them, and with a clean environment a PATH (the superuser's for
 * uid 0).  An id without an entry (user = "54321") has no home nor login
 * shell to name: HOME=/, its number as USER and LOGNAME, and no SHELL.
 * 0, or -1 when out of memory.
 */
static int
launch_ident(const struct app *app, char **ident)
{
	struct passwd	*pw;
	uid_t		 uid = app->user != NULL ? app->uid : geteuid();
	int		 n = 0;

	if ((pw = getpwuid(uid)) != NULL) {
		if (asprintf(&ident[n++], "HOME=%s", pw->pw_dir[0] != '\0' ?
		    pw->pw_dir : "/") == -1 ||
		    asprintf(&ident[n++], "USER=%s", pw->pw_name) == -1 ||
		    asprintf(&ident[n++], "LOGNAME=%s", pw->pw_name) == -1 ||
		    asprintf(&ident[n++], "SHELL=%s", pw->pw_shell[0] !=
		    '\0' ? pw->pw_shell : "/bin/sh") == -1)
			goto nomem;
	} else if ((ident[n++] = strdup("HOME=/")) == NULL ||
	    asprintf(&ident[n++], "USER=%lu", (unsigned long)uid) == -1 ||
	    asprintf(&ident[n++], "LOGNAME=%lu", (unsigned long)uid) == -1)
		goto nomem;
	if (!app->env_inherit && (ident[n++] = strdup(uid == 0 ?
	    LAUNCH_SUPATH : LAUNCH_PATH)) == NULL)
		goto nomem;
	return (0);
nomem:
	ident[n - 1] = NULL;	/* asprintf leaves it undefined on failure */
	return (-1);
}

/*
 * The child's whole environment, from the last to the first that loses
 * to a later one: the runner's (with env_inherit), the identity (with
 * user, or without env_inherit; launch_ident), the app's env; and first
 * of all the caller's mark (l->mark), which nothing overrides.  Each name
 * appears once, so what getenv finds is what the documentation says.
 * Only the array is allocated; the strings are borrowed.
 */
static char **
launch_env(const struct app *app, char **ident, const char *mark)
{
	static const char *const who[] = { "HOME=", "USER=", "LOGNAME=",
	    "SHELL=", NULL };
	char	**all, *marks[2] = { (char *)mark, NULL };
	size_t	  n = 1, k = 0, i;

	if (app->env_inherit)
		n += argv_len(environ);
	n += argv_len(ident) + argv_len(app->env);
	if ((all = calloc(n + 1, sizeof(*all))) == NULL)
		return (NULL);
	/*
	 * The mark first, where a scan of /proc/PID/environ finds it in the
	 * first bytes, and only it: it is how the instance's processes are
	 * found (local.c).
	 */
	if (mark != NULL)
		all[k++] = (char *)mark;
	for (i = 0; app->env_inherit && environ[i] != NULL; i++) {
		/* The identity is whole or not at all: no runnerd SHELL. */
		if ((ident[0] != NULL && env_sets((char *const *)who,
		    environ[i])) || env_sets(ident, environ[i]) ||
		    env_sets(app->env, environ[i]) ||
		    (mark != NULL && env_sets(marks, environ[i])))
			continue;
		all[k++] = environ[i];
	}
	for (i = 0; ident[i] != NULL; i++)
		if (!env_sets(app->env, ident[i]))
			all[k++] = ident[i];
	for (i = 0; app->env != NULL && app->env[i] != NULL; i++)
		if (mark == NULL || !env_sets(marks, app->env[i]))
			all[k++] = app->env[i];
	all[k] = NULL;
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
	char			**argv, *ident[LAUNCH_NIDENT + 1] = { NULL };
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
	if ((rc = launch_ids(app, &sp, &groups, err, errlen)) != 0)
		goto out;
	if (((app->user != NULL || !app->env_inherit) &&
	    launch_ident(app, ident) == -1) ||
	    (env = launch_env(app, ident, l->mark)) == NULL) {
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
	for (k = 0; k < LAUNCH_NIDENT; k++)
		free(ident[k]);
	free(env);
	free(groups);
	argv_free(argv);
	return (rc);
}

/*
 * What a health probe of app needs to start (runnerd/probe_exec.c), made
 * here, in the parent, and owned whole by the job (its argv, environment,
 * cwd and groups copied: a reload may free the app before the spawn): argv
 * run as the app runs (its user and group, its environment, after about's
 * NAME=value pairs: which instance it probes), in cwd (the instance's),
 * stdin from /dev/null, stdout and stderr to out.  The job
 * does not wait for the exec (sp.errpipe: a probe runs often, and whoever
 * spawns it must not wait for a child to be scheduled).  The job, or NULL
 * with the reason in err.
 */
struct spawn_job *
launch_probe_job(const struct app *app, char *const *argv, const char *cwd,
    char *const *about, int out, char *err, size_t errlen)
{
	struct spawn_job	*j;
	char			*ident[LAUNCH_NIDENT + 1] = { NULL }, **env = NULL;
	int			 k;

	if ((j = calloc(1, sizeof(*j))) == NULL) {
		errf(err, errlen, "out of memory");
		return (NULL);
	}
	j->errfd = -1;
	if (launch_ids(app, &j->sp, &j->groups, err, errlen) != 0) {
		spawn_job_free(j);
		return (NULL);
	}
	if (((app->user != NULL || !app->env_inherit) &&
	    launch_ident(app, ident) == -1) ||
	    (env = launch_env(app, ident, NULL)) == NULL ||
	    (j->env = argv_concat(about, (const char *const *)env)) == NULL ||
	    (j->argv = argv_dup(argv)) == NULL ||
	    (cwd != NULL && (j->cwd = strdup(cwd)) == NULL)) {
		errf(err, errlen, "out of memory");
		spawn_job_free(j);
		j = NULL;
		goto out;
	}
	j->sp.extra_fd = -1;
	j->sp.argv = j->argv;
	j->sp.env = j->env;
	j->sp.cwd = j->cwd;
	j->sp.groups = j->groups;
	j->sp.fd[0] = SPAWN_NULL;
	j->sp.fd[1] = j->sp.fd[2] = out;
	j->sp.errpipe = &j->errfd;
out:
	for (k = 0; k < LAUNCH_NIDENT; k++)
		free(ident[k]);
	free(env);
	return (j);
}

void
spawn_job_free(struct spawn_job *j)
{
	if (j == NULL)
		return;
	argv_free(j->argv);
	argv_free(j->env);
	free(j->groups);
	free(j->cwd);
	free(j);
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

/*
 * What a start asks that the app cannot take, checked before anything
 * is done: a socket path for an app that has no socket would be ignored
 * without a word.  0, or RUNNER_EINVAL with err saying why.
 */
int
launch_check(const struct app *app, const struct runner_start *opts,
    char *err, size_t errlen)
{
	if (opts != NULL && opts->socket != NULL && app->type != APP_SOCKET) {
		errf(err, errlen, "app '%s' is a stdio app: a socket path "
		    "applies only to socket apps (type = \"socket\")",
		    app->name);
		return (RUNNER_EINVAL);
	}
	return (0);
}
