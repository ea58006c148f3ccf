/*
 * probe_exec.c: an exec health probe.  The command runs as the app runs
 * (launch.c's launch_probe_job: its user, group, environment, and the
 * instance's cwd) in a session of its own, stdin from /dev/null, stdout
 * and stderr on a pipe that the loop reads: the first PROBE_LOG_MAX
 * bytes of each run go to the instance's log (capture.c), the rest is
 * read and dropped, so a probe that floods neither blocks on a full pipe
 * nor fills the log.  Exit 0 passes.  At its timeout its process group
 * is killed; it reports once reaped, so nothing is left a zombie.  What
 * it leaves running (a daemon in a session of its own) is killed by
 * proctree.c's next sweep, found by RUNNER_PROBE=TOKEN.N in its
 * environment: N is the run's serial, and a run counts as live
 * (probe_exec_live) from before its spawn until its exit, so that
 * neither a probe nor what it started while it runs is taken for a
 * leftover.  TOKEN is random, drawn once per runnerd: an instance whose
 * configured or inherited environment holds a RUNNER_PROBE (runnerd
 * started from a probe of another) is never taken for a probe's.
 *
 * The spawn is probe_spawn.c's (a thread of its own: the loop never pays
 * for it), which calls back here with the pid (probe_exec_spawned) and
 * with the exit (probe_exec_exited).  A probe whose exec failed exits
 * 127 and says why on a pipe, read then.
 *
 * A probe dropped in flight (its instance stopped, ended or removed) is
 * killed at once, or as soon as its pid is known, and detached: it
 * reports nothing, and frees itself at its exit (or at runnerd's).
 */

#include <sys/queue.h>
#include <sys/random.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runnerd.h"

#define PROBE_LOG_MAX	65536	/* bytes of one run into the log */
#define PROBE_READ	16384	/* bytes read at once */
#define PROBE_NOTE	128	/* bytes of output kept for status */
#define PROBE_DRAIN	8	/* reads at the exit, at most */
#define PROBE_WATCH	0.02	/* seconds before its pipe is watched */
#define PROBE_LIVE	256	/* buckets of live runs, by serial */

struct probe_exec {
	struct health		*h;		/* NULL once dropped */
	struct inst		*inst;		/* valid while h is */
	pid_t			 pid;		/* 0 until spawned */
	int			 fd;		/* the pipe, or -1 */
	int			 errfd;		/* why a spawn failed, or -1 */
	ev_io			 io;
	ev_timer		 late;		/* still running: watch io */
	size_t			 logged;	/* bytes given to the log */
	char			 note[PROBE_NOTE]; /* its first line */
	size_t			 nnote;
	int			 note_done;	/* the line ended */
	int			 timed_out;
	double			 timeout;
	unsigned long long	 serial;	/* RUNNER_PROBE's value */
	LIST_ENTRY(probe_exec)	 entry;		/* detached, until it exits */
	LIST_ENTRY(probe_exec)	 live;		/* until freed */
};

static LIST_HEAD(, probe_exec) detached = LIST_HEAD_INITIALIZER(detached);
static LIST_HEAD(, probe_exec) live[PROBE_LIVE];
static unsigned long long	 serials;	/* the last given */
static char			 token[17];	/* 16 hex digits, or "" */

static void	 probe_exec_io_cb(struct ev_loop *, ev_io *, int);
static void	 probe_exec_late_cb(struct ev_loop *, ev_timer *, int);
static int	 probe_exec_read(struct probe_exec *);
static void	 probe_exec_close(struct probe_exec *);
static void	 probe_exec_kill(struct probe_exec *);
static void	 probe_exec_free(struct probe_exec *);
static const char *probe_exec_token(void);
static int	 probe_exec_failed(struct probe_exec *, const struct app *,
		    const char *, char *, size_t);

/* Start h's instance's exec probe; NULL with err when it cannot. */
struct probe_exec *
probe_exec_start(struct health *h, char *err, size_t errlen)
{
	const struct inst	*i = health_inst(h);
	struct probe_exec	*p;
	struct spawn_job	*job;
	char			 alias_env[RUNNER_ALIAS_MAX + 16], pid_env[32];
	char			 probe_env[48];
	char			*about[] = { alias_env, pid_env, probe_env,
				    NULL };
	int			 fds[2];

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		errf(err, errlen, "out of memory");
		return (NULL);
	}
	p->errfd = -1;
	if (pipe2(fds, O_CLOEXEC) == -1) {
		errf(err, errlen, "cannot make a pipe for the probe: %s",
		    strerror(errno));
		free(p);
		return (NULL);
	}
	if (fd_nonblock(fds[0]) == -1) {
		errf(err, errlen, "fcntl: %s", strerror(errno));
		job = NULL;
	} else {
		/* Which instance it probes: one app, many instances. */
		snprintf(alias_env, sizeof(alias_env), "RUNNER_ALIAS=%s",
		    i->alias);
		snprintf(pid_env, sizeof(pid_env), "RUNNER_PID=%ld",
		    (long)i->pid);
		snprintf(probe_env, sizeof(probe_env), PROBE_ENV "%s.%llu",
		    probe_exec_token(), serials + 1);
		job = launch_probe_job(i->app, i->app->health.exec,
		    i->req.cwd != NULL ? i->req.cwd : i->app->cwd, about, fds[1],
		    err, errlen);
	}
	if (job == NULL || probe_spawn(job, p) == -1) {
		if (job != NULL)
			errf(err, errlen, "out of memory");
		spawn_job_free(job);
		close(fds[0]);
		close(fds[1]);
		free(p);
		return (NULL);
	}
	/* fds[1] is the job's until spawned: probe_exec_spawned closes it. */
	p->serial = ++serials;
	LIST_INSERT_HEAD(&live[p->serial % PROBE_LIVE], p, live);
	p->h = h;
	p->inst = (struct inst *)i;
	p->fd = fds[0];
	p->timeout = i->app->health.timeout;
	ev_io_init(&p->io, probe_exec_io_cb, p->fd, EV_READ);
	p->io.data = p;
	ev_timer_init(&p->late, probe_exec_late_cb, PROBE_WATCH, 0);
	p->late.data = p;
	return (p);
}

/*
 * Still running PROBE_WATCH after its spawn: its output is read as it
 * comes from now on (so that a flood never fills the pipe).  A probe
 * that ends sooner, as most do, is read once at its exit, and its pipe
 * never costs the loop an epoll registration.
 */
static void
probe_exec_late_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct probe_exec	*p = w->data;

	(void)revents;
	if (p->fd != -1)
		ev_io_start(loop, &p->io);
}

/*
 * The spawn is done (probe_spawn.c): pid, or 0 with why in err.  The
 * child has its end of the output pipe: ours of it closes.
 */
void
probe_exec_spawned(void *arg, pid_t pid, struct spawn_job *job,
    const char *err)
{
	struct probe_exec	*p = arg;
	struct health		*h = p->h;

	close(job->sp.fd[1]);
	p->errfd = job->errfd;
	job->errfd = -1;
	p->pid = pid;
	if (pid > 0) {
		if (h == NULL || p->timed_out)
			probe_exec_kill(p);	/* dropped, or late already */
		else {
			ev_timer_start(server.loop, &p->late);
			health_spawned(h);
		}
		return;
	}
	/* No process: no exit to come. */
	if (h == NULL) {
		LIST_REMOVE(p, entry);
		probe_exec_free(p);
		return;
	}
	probe_exec_free(p);
	health_result(h, 0, "%s", err);
}

/* Has it a process (its timeout counts), or does it wait for a spawn? */
int
probe_exec_running(const struct probe_exec *p)
{
	return (p->pid > 0);
}

/* This runnerd's token for RUNNER_PROBE, drawn at the first probe. */
static const char *
probe_exec_token(void)
{
	unsigned char	 r[8];
	size_t		 k;

	if (token[0] != '\0')
		return (token);
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		/* Unique enough to tell this runnerd's from another's. */
		snprintf(token, sizeof(token), "%08lx%08lx",
		    (unsigned long)getpid(), (unsigned long)time(NULL));
		return (token);
	}
	for (k = 0; k < sizeof(r); k++)
		snprintf(token + 2 * k, 3, "%02x", r[k]);
	return (token);
}

/*
 * The run a RUNNER_PROBE value names, when it is one of this runnerd's
 * (its token): its serial, else 0.
 */
unsigned long long
probe_exec_run(const char *value)
{
	const char		*t = probe_exec_token();
	size_t			 n = strlen(t);
	char			*end;
	unsigned long long	 run;

	if (strncmp(value, t, n) != 0 || value[n] != '.' ||
	    value[n + 1] < '0' || value[n + 1] > '9')
		return (0);
	errno = 0;
	run = strtoull(value + n + 1, &end, 10);
	return (*end != '\0' || errno != 0 ? 0 : run);
}

/*
 * Is the run with this serial live: being spawned, or its process not
 * reaped yet?
 */
int
probe_exec_live(unsigned long long serial)
{
	struct probe_exec	*p;

	LIST_FOREACH(p, &live[serial % PROBE_LIVE], live)
		if (p->serial == serial)
			return (1);
	return (0);
}

/* Its timeout came: kill it; it reports "timed out" at its exit. */
void
probe_exec_timeout(struct probe_exec *p)
{
	p->timed_out = 1;
	if (p->pid > 0)
		probe_exec_kill(p);
}

/* Its instance no longer wants it: killed, detached until it exits. */
void
probe_exec_drop(struct probe_exec *p)
{
	if (p == NULL)
		return;
	p->h = NULL;
	p->inst = NULL;
	probe_exec_close(p);
	if (p->pid > 0)
		probe_exec_kill(p);
	LIST_INSERT_HEAD(&detached, p, entry);
}

/* runnerd exits: the detached probes' memory (SIGKILLed already). */
void
probe_exec_shutdown(void)
{
	struct probe_exec	*p;

	probe_spawn_shutdown();		/* nothing calls back after this */
	while ((p = LIST_FIRST(&detached)) != NULL) {
		LIST_REMOVE(p, entry);
		probe_exec_free(p);
	}
}

static void
probe_exec_free(struct probe_exec *p)
{
	LIST_REMOVE(p, live);
	probe_exec_close(p);
	if (p->errfd != -1)
		close(p->errfd);
	free(p);
}

/* SIGKILL to its group (setsid made one), and to it if that failed. */
static void
probe_exec_kill(struct probe_exec *p)
{
	if (kill(-p->pid, SIGKILL) == -1)
		kill(p->pid, SIGKILL);
}

static void
probe_exec_close(struct probe_exec *p)
{
	ev_timer_stop(server.loop, &p->late);
	if (p->fd == -1)
		return;
	ev_io_stop(server.loop, &p->io);
	close(p->fd);
	p->fd = -1;
}

static void
probe_exec_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct probe_exec	*p = w->data;

	(void)loop;
	(void)revents;
	if (probe_exec_read(p) == -1)
		probe_exec_close(p);
}

/*
 * One read: into the log up to PROBE_LOG_MAX, its first line into the
 * note.  1 bytes came, 0 none yet, -1 the pipe ended (or failed).
 */
static int
probe_exec_read(struct probe_exec *p)
{
	char	 tmp[PROBE_READ];
	ssize_t	 n;
	size_t	 k, take;

	n = read(p->fd, tmp, sizeof(tmp));
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return (0);
	if (n <= 0) {
		capture_probe(p->inst, NULL, 0);	/* ends a cut line */
		return (-1);
	}
	for (k = 0; k < (size_t)n && !p->note_done; k++) {
		if (tmp[k] == '\n' || p->nnote == sizeof(p->note) - 1)
			p->note_done = 1;
		else
			p->note[p->nnote++] = tmp[k];
	}
	take = PROBE_LOG_MAX - p->logged < (size_t)n ?
	    PROBE_LOG_MAX - p->logged : (size_t)n;
	if (take > 0) {
		capture_probe(p->inst, tmp, take);
		p->logged += take;
	}
	return (1);
}

/*
 * A probe that exited 127: why, if it failed before its exec (into err,
 * 1), else 0 (its program said 127).
 */
static int
probe_exec_failed(struct probe_exec *p, const struct app *app,
    const char *cwd, char *err, size_t errlen)
{
	struct spawn	 sp;
	int		 msg[2];
	ssize_t		 n;

	do
		n = read(p->errfd, msg, sizeof(msg));
	while (n == -1 && errno == EINTR);
	if (n != sizeof(msg))
		return (0);
	memset(&sp, 0, sizeof(sp));
	sp.argv = app->health.exec;
	sp.cwd = cwd;
	sp.uid = app->user != NULL ? app->uid : geteuid();
	sp.gid = app->gid;
	spawn_errf(&sp, msg, err, errlen);
	return (1);
}

/* It exited (status -1: unknown): what it said, then its verdict. */
void
probe_exec_exited(void *arg, int st)
{
	struct probe_exec	*p = arg;
	struct health		*h = p->h;
	const struct inst	*i = p->inst;
	char			 how[64], note[PROBE_NOTE];
	char			 why[RUNNER_ERRMSG_MAX];
	int			 k, timed_out = p->timed_out, failed;
	double			 timeout = p->timeout;

	/*
	 * What it left in its group goes with it, as an instance's does;
	 * what left the group too, by the mark in its environment, soon.
	 */
	kill(-p->pid, SIGKILL);
	proctree_probe_ended();
	if (h == NULL) {
		LIST_REMOVE(p, entry);
		probe_exec_free(p);
		return;
	}
	/* What is left in the pipe (or all it said: a quick one). */
	for (k = 0; p->fd != -1 && k < PROBE_DRAIN; k++)
		if (probe_exec_read(p) != 1)
			break;
	if (p->fd != -1)
		capture_probe(p->inst, NULL, 0);
	memcpy(note, p->note, p->nnote);
	note[p->nnote] = '\0';
	failed = st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 127 &&
	    probe_exec_failed(p, i->app, i->req.cwd != NULL ? i->req.cwd :
	    i->app->cwd, why, sizeof(why));
	probe_exec_free(p);
	if (failed)
		health_result(h, 0, "%s", why);
	else if (timed_out)
		health_result(h, 0, "timed out after %g s", timeout);
	else if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		health_result(h, 1, "%s", note);
	else {
		if (st != -1 && WIFEXITED(st))
			snprintf(how, sizeof(how), "exit %d", WEXITSTATUS(st));
		else
			status_words(st, how, sizeof(how));
		health_result(h, 0, "%s%s%s", how, note[0] != '\0' ? ": " :
		    "", note);
	}
}
