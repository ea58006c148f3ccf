/*
 * autostart.c: start runnerd when `runnerctl start` finds none, as tmux
 * starts its server.  `runnerd -d` exits 0 only once it listens (or
 * non-zero with its error on stderr, which is ours), so waiting for it
 * to exit is the whole readiness protocol: no polling of the socket.
 *
 * What a user needs next is said here too: that the runnerd started has
 * no configuration and how to give it one, and where its own log goes
 * (syslog, or RUNNERD_LOGFILE beside the socket where there is none:
 * runnerd/log.c), above all when it did not start.
 */

#include <sys/stat.h>

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerctl.h"

#define AUTOSTART_LOGFILE	"runnerd.log"	/* runnerd.h's RUNNERD_LOGFILE */

static char	*autostart_path(void);
static char	*autostart_log(const char *);
static void	 autostart_exec(const char *, const char *[])
		    __attribute__((noreturn));

/*
 * The runnerd to run: $RUNNERD, else the one next to this runnerctl (in
 * the build tree: ../runnerd/runnerd; installed: ../sbin/runnerd), else
 * NULL for a PATH search.  Malloc'd.
 */
static char *
autostart_path(void)
{
	static const char *const near[] = {
		"../runnerd/runnerd",	/* the build tree */
		"../sbin/runnerd",	/* bin/runnerctl, sbin/runnerd */
	};
	const char	*v;
	char		 self[PATH_MAX], *slash, *p;
	ssize_t		 n;
	size_t		 i;

	if ((v = getenv("RUNNERD")) != NULL && *v != '\0')
		return (out_oom(strdup(v)));
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		return (NULL);
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return (NULL);
	*slash = '\0';
	for (i = 0; i < sizeof(near) / sizeof(near[0]); i++) {
		if (asprintf(&p, "%s/%s", self, near[i]) == -1)
			out_oom(NULL);
		if (access(p, X_OK) == 0)
			return (p);
		free(p);
	}
	return (NULL);
}

/*
 * In the child: stdin from /dev/null and stdout onto our stderr, so a
 * caller reading runnerctl's stdout never waits on the daemon; default
 * SIGPIPE again, since an ignored disposition survives exec.
 */
static void
autostart_exec(const char *prog, const char *argv[])
{
	int	 fd;

	signal(SIGPIPE, SIG_DFL);
	if ((fd = open("/dev/null", O_RDONLY)) != -1) {
		dup2(fd, 0);
		if (fd > 2)
			close(fd);
	}
	dup2(2, 1);
	/* exec takes char *const []; the words are not changed. */
	if (prog != NULL)
		execv(prog, (char *const *)argv);
	else
		execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "runnerctl: cannot execute %s: %s\n",
	    prog != NULL ? prog : argv[0], strerror(errno));
	_exit(127);
}

/*
 * Run `runnerd -d -s SOCKET [-c $RUNNER_CONFIG]` and wait for it to
 * exit: 0 once it listens, else -1 (its own error is already on our
 * stderr; a line of ours says what failed).
 */
int
autostart_runnerd(const char *socket)
{
	const char	*argv[7], *v;
	char		*prog, *sock, *conf = NULL, *log;
	pid_t		 pid;
	char		 why[64];
	int		 status = -1, i = 0;

	prog = autostart_path();
	sock = parse_path(socket, 0);
	argv[i++] = "runnerd";
	argv[i++] = "-d";
	argv[i++] = "-s";
	argv[i++] = sock;
	/* Only when set: otherwise runnerd finds its default itself. */
	if ((v = getenv("RUNNER_CONFIG")) != NULL && *v != '\0') {
		conf = parse_path(v, 1);
		argv[i++] = "-c";
		argv[i++] = conf;
	}
	argv[i] = NULL;
	fflush(NULL);
	if ((pid = fork()) == -1)
		fprintf(stderr, "runnerctl: fork: %s\n", strerror(errno));
	else if (pid == 0)
		autostart_exec(prog, argv);
	else {
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			continue;
		/* 127: the child has said it could not execute runnerd. */
		if (WIFSIGNALED(status) || (WIFEXITED(status) &&
		    WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 127))
			fprintf(stderr, "runnerctl: could not start runnerd "
			    "on %s (%s)\n", socket,
			    status_words(status, why, sizeof(why)));
	}
	if (status != 0 && (log = autostart_log(socket)) != NULL) {
		fprintf(stderr, "runnerctl: runnerd's log: %s\n", log);
		free(log);
	}
	free(prog);
	free(sock);
	free(conf);
	return (status == 0 ? 0 : -1);
}

/*
 * The log a detached runnerd on socket has written beside it, when
 * there is one (runnerd found no syslog), else NULL.  Malloc'd.
 */
static char *
autostart_log(const char *socket)
{
	const char	*slash = strrchr(socket, '/');
	char		*p;

	if (asprintf(&p, "%.*s%s", slash != NULL ? (int)(slash - socket + 1) :
	    0, socket, AUTOSTART_LOGFILE) == -1)
		out_oom(NULL);
	if (access(p, F_OK) == 0)
		return (p);
	free(p);
	return (NULL);
}

/*
 * runnerd has started on socket: say so, with where it logs, and when
 * it found no configuration (only the default is ever missing: one
 * named by $RUNNER_CONFIG must exist), how to give it one.
 */
void
autostart_started(const char *socket)
{
	const char	*v = getenv("RUNNER_CONFIG");
	char		*log, *conf, *home;

	if ((log = autostart_log(socket)) != NULL)
		fprintf(stderr, "runnerctl: started runnerd on %s (its log: "
		    "%s)\n", socket, log);
	else
		fprintf(stderr, "runnerctl: started runnerd on %s\n", socket);
	free(log);
	if (v != NULL && *v != '\0')
		return;
	conf = out_oom(paths_config());
	/* A user cannot write /etc: name the file that user can. */
	if (geteuid() == 0 || (home = paths_config_home()) == NULL)
		home = out_oom(strdup(conf));
	if (access(conf, F_OK) == -1 && errno == ENOENT)
		fprintf(stderr, "runnerctl: it has no configuration (%s does "
		    "not exist), so no apps;\n"
		    "runnerctl: give it one: `runnerctl reload FILE` "
		    "(runner.conf(5); conf/runner.conf is a sample),\n"
		    "runnerctl: and for its next start, write %s "
		    "or set RUNNER_CONFIG\n", conf, home);
	free(home);
	free(conf);
}
