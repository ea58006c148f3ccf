/*
 * upgrade.c: runnerctl upgrade (and SIGUSR2): runnerd re-executes itself,
 * a new binary or the same, keeping its pid, so that every instance stays
 * its child and every descriptor (channels, log pipes, the listening
 * socket, the clients' connections) crosses the exec open.
 *
 * The course of an upgrade, one at a time:
 *   1. check: the new binary is opened (the descriptor is what is
 *      executed, so the file checked is the file run), must be a regular
 *      file runnerd may execute, and must answer --version within
 *      UPGRADE_CHECK_WAIT with the handover version this runnerd writes;
 *   2. drain: no request is read any more (they wait in the sockets and
 *      in the clients' buffers, for the new runnerd), and the requests
 *      still waiting (a start for readiness, a stop for an exit, a read)
 *      are answered, for UPGRADE_DRAIN_WAIT at most;
 *   3. exec: every owner writes its state (handover.c), the descriptors
 *      it names are kept open, and the new binary is executed with
 *      --handover STATE OLD REASON and runnerd's own arguments;
 *   4. the new runnerd takes the state (upgrade_restore) and answers the
 *      client that asked.  One that cannot (a version it does not read,
 *      a record it cannot restore) executes the old binary again, through
 *      OLD, a descriptor kept open to it (so this works even when its
 *      file was replaced), with REASON: that one takes the state back and
 *      answers EUPGRADE.  An upgrade never loses an instance; what it
 *      cannot survive is a new binary that crashes after its check.
 * Any failure before the exec leaves runnerd as it was (EUPGRADE).
 */

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerd.h"

#define UPGRADE_CHECK_WAIT	5.0	/* s for the new binary's --version */
#define UPGRADE_DRAIN_WAIT	10.0	/* s for the requests still waiting */
#define UPGRADE_SAID_MAX	512	/* bytes of --version kept */
#define EXEC_FAILED		'\001'	/* the check's child: errno follows */

extern char	**environ;

enum up_phase {
	UP_IDLE,
	UP_CHECKING,		/* the new binary's --version runs */
	UP_DRAINING		/* the requests still waiting are answered */
};

static struct {
	enum up_phase	 phase;
	uint64_t	 client;	/* who asked; 0: SIGUSR2 */
	int		 has_tag;
	long long	 tag;
	char		*path;		/* the new binary */
	int		 bin;		/* ... open */
	struct stat	 checked;	/* ... as it was checked */
	pid_t		 pid;		/* its --version, until reaped */
	pid_t		 pgid;		/* ... its process group */
	int		 out;		/* ... what it prints; -1 at its end */
	struct buf	 said;
	int		 status;
	int		 timed_out;
	ev_io		 io;
	ev_child	 child;
	ev_timer	 timer;
	ev_prepare	 hold;		/* clients are not read while draining */
	ev_signal	 usr2;
} up = { .bin = -1, .out = -1 };

static char	 *self_path;		/* this binary, as it was started */
static int	  self_fd = -1;		/* ... kept open for the way back */
static char	**self_args;		/* runnerd's own arguments */
static char	 *self_name;		/* ... and its argv[0] */
static double	  started;		/* when this binary started */
static int	  upgrades;		/* gone through */
static struct handinfo restored;	/* what the state said ... */
static const char *restored_refused;	/* ... and why the new refused it */

static void	 upgrade_fail(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
static void	 upgrade_checked(void);
static void	 upgrade_exec(void);
static void	 upgrade_io_cb(struct ev_loop *, ev_io *, int);
static void	 upgrade_child_cb(struct ev_loop *, ev_child *, int);
static void	 upgrade_timer_cb(struct ev_loop *, ev_timer *, int);
static void	 upgrade_hold_cb(struct ev_loop *, ev_prepare *, int);
static void	 upgrade_usr2_cb(struct ev_loop *, ev_signal *, int);

/*
 * The signals runnerd handles are blocked across the exec: the new image
 * starts with their default actions (most of which end runnerd, and with
 * it every instance) until its loop handles them; blocked, they wait for
 * it instead (the mask survives execve), and so does a SIGCHLD.
 */
static void
upgrade_mask(int how)
{
	sigset_t	 set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGCHLD);
	sigprocmask(how, &set, NULL);
}

/* The new runnerd handles its signals: those that came meanwhile too. */
void
upgrade_unblock(void)
{
	upgrade_mask(SIG_UNBLOCK);
}

/*
 * At start: this binary's path and a descriptor to it, and runnerd's
 * argv as it was first started (kept for the next exec, so that ps and
 * pgrep -f see the same command line after an upgrade).
 */
void
upgrade_init(char **argv)
{
	char	 path[PATH_MAX];
	ssize_t	 n;

	started = ev_time();
	self_name = argv[0];
	self_args = argv + 1;
	if ((n = readlink("/proc/self/exe", path, sizeof(path) - 1)) > 0) {
		path[n] = '\0';
		self_path = strdup(path);
	}
	if ((self_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)) == -1)
		log_warn("open /proc/self/exe: an upgrade that fails after "
		    "its exec cannot come back");
	ev_signal_init(&up.usr2, upgrade_usr2_cb, SIGUSR2);
	ev_signal_start(server.loop, &up.usr2);
	ev_io_init(&up.io, upgrade_io_cb, -1, EV_READ);
	ev_child_init(&up.child, upgrade_child_cb, 0, 0);
	ev_timer_init(&up.timer, upgrade_timer_cb, 0, 0);
	ev_prepare_init(&up.hold, upgrade_hold_cb);
	buf_init(&up.said);
}

/* hello's fields: when this binary started, and the upgrades so far. */
void
upgrade_json(struct buf *b)
{
	jw_key(b, "started");
	jw_double(b, started);
	jw_key(b, "upgrades");
	jw_int(b, upgrades);
}

/* Is an upgrade draining: no request may be handled now? */
int
upgrade_draining(void)
{
	return (up.phase == UP_DRAINING);
}

/*
 * Upgrade to path (NULL: this binary), for client id (0: none) with its
 * tag: the answer comes when it is over.
 */
static void
upgrade_begin(uint64_t id, int has_tag, long long tag, const char *path)
{
	struct stat	 st;
	char		 magic[2];
	int		 p[2];

	up.client = id;
	up.has_tag = has_tag;
	up.tag = tag;
	up.timed_out = 0;
	buf_reset(&up.said);
	if (path == NULL && (path = self_path) == NULL) {
		upgrade_fail("runnerd's own binary is unknown "
		    "(/proc/self/exe): name one with --binary");
		return;
	}
	free(up.path);
	if ((up.path = strdup(path)) == NULL) {
		upgrade_fail("out of memory");
		return;
	}
	if ((up.bin = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		upgrade_fail("cannot open '%s': %s", path, strerror(errno));
		return;
	}
	if (fstat(up.bin, &st) == -1 || !S_ISREG(st.st_mode)) {
		upgrade_fail("'%s' is not a regular file", path);
		return;
	}
	up.checked = st;
	if (access(path, X_OK) == -1) {
		upgrade_fail("cannot execute '%s': %s", path, strerror(errno));
		return;
	}
	/*
	 * The descriptor is what is executed, close-on-exec: a script's
	 * interpreter could not open it, and left open it would outlive
	 * the exec in the new runnerd.
	 */
	if (pread(up.bin, magic, 2, 0) == 2 && memcmp(magic, "#!", 2) == 0) {
		upgrade_fail("'%s' is a script: name the runnerd binary itself",
		    path);
		return;
	}
	log_info("upgrade to %s: checking it", path);
	if (pipe2(p, O_CLOEXEC) == -1) {
		upgrade_fail("pipe: %s", strerror(errno));
		return;
	}
	if ((up.pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		upgrade_fail("fork: %s", strerror(errno));
		return;
	}
	if (up.pid == 0) {
		/* The child: async-signal-safe calls only. */
		static char	 name[] = "runnerd", flag[] = "--version";
		char		*argv[] = { name, flag, NULL };
		sigset_t	 none;
		char		 msg[1 + sizeof(int)];
		int		 e;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setpgid(0, 0);		/* killed whole at the timeout */
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		execveat(up.bin, "", argv, environ, AT_EMPTY_PATH);
		e = errno;
		msg[0] = EXEC_FAILED;
		memcpy(msg + 1, &e, sizeof(e));
		(void)!write(STDOUT_FILENO, msg, sizeof(msg));
		_exit(127);
	}
	close(p[1]);
	setpgid(up.pid, up.pid);	/* as the child does: no race */
	up.pgid = up.pid;
	up.out = p[0];
	up.status = -1;
	fd_nonblock(up.out);
	up.phase = UP_CHECKING;
	ev_io_set(&up.io, up.out, EV_READ);
	ev_io_start(server.loop, &up.io);
	ev_child_set(&up.child, up.pid, 0);
	ev_child_start(server.loop, &up.child);
	ev_timer_set(&up.timer, UPGRADE_CHECK_WAIT, 0);
	ev_timer_start(server.loop, &up.timer);
}

/* The upgrade request. */
void
cmd_upgrade(struct req *rq)
{
	char	*path;

	if (up.phase != UP_IDLE) {
		REQ_ERR(rq, RUNNER_EUPGRADE, "an upgrade is already under way");
		return;
	}
	if (server.shutting_down) {
		REQ_ERR(rq, RUNNER_EUPGRADE, "runnerd is shutting down");
		return;
	}
	if (req_str(rq, "binary", 0, &path) == -1)
		return;
	if (path != NULL && *path != '/') {
		REQ_ERR(rq, RUNNER_EINVAL, "binary '%s' must be an absolute "
		    "path", path);
		free(path);
		return;
	}
	upgrade_begin(rq->c->id, rq->has_tag, rq->tag, path);
	free(path);
}

static void
upgrade_usr2_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	if (up.phase != UP_IDLE)
		log_warnx("SIGUSR2: an upgrade is already under way");
	else if (server.shutting_down)
		log_warnx("SIGUSR2: runnerd is shutting down; no upgrade");
	else
		upgrade_begin(0, 0, 0, NULL);
}

/* The upgrade is over, not done: runnerd serves on as it was. */
static void
upgrade_fail(const char *fmt, ...)
{
	char		 msg[RUNNER_ERRMSG_MAX];
	const char	*tail;
	va_list		 ap;
	size_t		 k;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Given up for a shutdown, runnerd does not run on. */
	tail = server.shutting_down ? "" : "; runnerd runs on unchanged";
	log_warnx("upgrade: %s%s", msg, tail);
	if (up.client != 0)
		reply_err(up.client, up.has_tag, up.tag, RUNNER_EUPGRADE,
		    "%s%s", msg, tail);
	if (up.bin != -1)
		close(up.bin);
	up.bin = -1;
	if (up.out != -1) {
		ev_io_stop(server.loop, &up.io);
		close(up.out);
		up.out = -1;
	}
	ev_timer_stop(server.loop, &up.timer);
	/* A check still running is reaped by its watcher, then forgotten. */
	if (up.phase == UP_DRAINING) {
		ev_prepare_stop(server.loop, &up.hold);
		if (!server.shutting_down)
			ev_io_start(server.loop, &server.accept_io);
		for (k = 0; k < server.nclients; k++)
			client_resume(server.clients[k]);
	}
	up.phase = UP_IDLE;
}

/*
 * runnerd is shutting down: an upgrade under way ends now, answered
 * EUPGRADE, its check killed (else it would outlive runnerd).
 */
void
upgrade_cancel(void)
{
	if (up.phase == UP_IDLE)
		return;
	if (up.phase == UP_CHECKING)
		kill(-up.pgid, SIGKILL);
	upgrade_fail("runnerd is shutting down");
}

/* What the check prints, up to UPGRADE_SAID_MAX bytes. */
static void
upgrade_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	char	 tmp[256];
	ssize_t	 n;

	(void)revents;
	while ((n = read(w->fd, tmp, sizeof(tmp))) > 0)
		if (buf_used(&up.said) < UPGRADE_SAID_MAX)
			buf_add(&up.said, tmp, (size_t)n);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	ev_io_stop(loop, w);
	close(up.out);
	up.out = -1;
	if (up.status != -1)
		upgrade_checked();
}

static void
upgrade_child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	(void)revents;
	ev_child_stop(loop, w);
	up.pid = 0;
	if (up.phase != UP_CHECKING)
		return;		/* given up on already */
	up.status = w->rstatus;
	if (up.out == -1 || up.timed_out)
		upgrade_checked();
}

static void
upgrade_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	if (up.phase == UP_CHECKING) {
		up.timed_out = 1;
		/* The whole group: what it left holding its output too. */
		kill(-up.pgid, SIGKILL);
		if (up.pid == 0)
			upgrade_checked();	/* else once it is reaped */
		return;
	}
	upgrade_fail("%s still under way after %.0f s (an upgrade waits for "
	    "it to end)", upgrade_busy() != NULL ? upgrade_busy() :
	    "something", UPGRADE_DRAIN_WAIT);
}

/*
 * The check is over: the binary must have said "runnerd VERSION
 * (protocol P, handover H)" with our H, and exited 0.
 */
static void
upgrade_checked(void)
{
	const char	*said, *h;
	char		*nl;
	int		 e, ver;

	ev_timer_stop(server.loop, &up.timer);
	if (up.out != -1) {
		ev_io_stop(server.loop, &up.io);
		close(up.out);
		up.out = -1;
	}
	said = buf_cstr(&up.said);
	/* A stop of everything came meanwhile: it wins, and ends here. */
	if (server.shutting_down) {
		upgrade_fail("runnerd is shutting down");
		return;
	}
	if (up.timed_out) {
		if (up.status != -1 && WIFEXITED(up.status))
			upgrade_fail("'%s --version' exited, but what it "
			    "started held its output for %.0f s", up.path,
			    UPGRADE_CHECK_WAIT);
		else
			upgrade_fail("'%s --version' did not answer within "
			    "%.0f s", up.path, UPGRADE_CHECK_WAIT);
		return;
	}
	if (buf_used(&up.said) == 1 + sizeof(int) && said[0] == EXEC_FAILED) {
		memcpy(&e, said + 1, sizeof(e));
		upgrade_fail("cannot execute '%s': %s", up.path, strerror(e));
		return;
	}
	if ((nl = strchr(said, '\n')) != NULL)
		*nl = '\0';
	if (!WIFEXITED(up.status) || WEXITSTATUS(up.status) != 0) {
		upgrade_fail("'%s --version' %s %d%s%s", up.path,
		    WIFEXITED(up.status) ? "exited" : "was killed by signal",
		    WIFEXITED(up.status) ? WEXITSTATUS(up.status) :
		    WTERMSIG(up.status), *said != '\0' ? ": " : "", said);
		return;
	}
	if (strncmp(said, "runnerd ", 8) != 0 ||
	    (h = strstr(said, "handover ")) == NULL) {
		upgrade_fail("'%s' is not a runnerd that takes over instances "
		    "(its --version says '%s')", up.path, said);
		return;
	}
	if (sscanf(h, "handover %d)", &ver) != 1) {
		upgrade_fail("'%s' does not say which handover version it "
		    "reads (its --version says '%s')", up.path, said);
		return;
	}
	if (ver != HANDOVER_VERSION) {
		upgrade_fail("'%s' reads handover state version %d, this "
		    "runnerd writes version %d", up.path, ver, HANDOVER_VERSION);
		return;
	}
	log_info("upgrade to %s (%s)%s%s", up.path, said,
	    upgrade_busy() != NULL ? ": waiting for the end of " : "",
	    upgrade_busy() != NULL ? upgrade_busy() : "");
	up.phase = UP_DRAINING;
	ev_io_stop(server.loop, &server.accept_io);
	ev_prepare_start(server.loop, &up.hold);
	ev_timer_set(&up.timer, UPGRADE_DRAIN_WAIT, 0);
	ev_timer_start(server.loop, &up.timer);
}

/*
 * Before each poll while draining: no client is read (a request read
 * now would be handled by this runnerd), and once nothing waits, the
 * exec, here, between two iterations, where no callback is half done.
 */
static void
upgrade_hold_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	size_t	 k;

	(void)w;
	(void)revents;
	if (server.shutting_down) {
		upgrade_fail("runnerd is shutting down");
		return;
	}
	for (k = 0; k < server.nclients; k++)
		ev_io_stop(loop, &server.clients[k]->rio);
	ev_io_stop(loop, &server.accept_io);
	if (upgrade_busy() == NULL)
		upgrade_exec();
}

/*
 * Execute bin (a descriptor) as runnerd --handover STATE OLD WHY ARGS,
 * with runnerd's own arguments.  Returns only if the exec failed (errno).
 */
static void
upgrade_execve(int bin, int state, int old, const char *why)
{
	static char	 name[] = "runnerd", flag[] = "--handover";
	char		 sfd[16], ofd[16], reason[RUNNER_ERRMSG_MAX];
	char		*argv[256];
	size_t		 k;

	snprintf(sfd, sizeof(sfd), "%d", state);
	snprintf(ofd, sizeof(ofd), "%d", old);
	snprintf(reason, sizeof(reason), "%s", why);
	argv[0] = self_name != NULL ? self_name : name;
	argv[1] = flag;
	argv[2] = sfd;
	argv[3] = ofd;
	argv[4] = reason;
	for (k = 0; self_args != NULL && self_args[k] != NULL; k++) {
		if (k + 6 > sizeof(argv) / sizeof(argv[0])) {
			errno = E2BIG;
			return;
		}
		argv[5 + k] = self_args[k];
	}
	argv[5 + k] = NULL;
	execveat(bin, "", argv, environ, AT_EMPTY_PATH);
}

/*
 * Write the state and execute the new binary.  Should that exec fail,
 * this binary is executed again with the state and why: it takes it
 * back and answers EUPGRADE (the probes and the metrics listener, ended
 * for the exec, start again as after any upgrade).
 */
static void
upgrade_exec(void)
{
	struct hand	*h;
	struct stat	 st;
	char		 why[RUNNER_ERRMSG_MAX];

	/*
	 * The descriptor is the file checked, but not its bytes: one
	 * written over in place since (cp onto it) is not what was checked.
	 */
	if (fstat(up.bin, &st) == -1 || st.st_size != up.checked.st_size ||
	    st.st_mtim.tv_sec != up.checked.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != up.checked.st_mtim.tv_nsec ||
	    st.st_ctim.tv_sec != up.checked.st_ctim.tv_sec ||
	    st.st_ctim.tv_nsec != up.checked.st_ctim.tv_nsec) {
		upgrade_fail("'%s' changed since it was checked; ask again",
		    up.path);
		return;
	}
	if ((h = hand_create()) == NULL) {
		upgrade_fail("memfd_create: %s", strerror(errno));
		return;
	}
	handover_save(h, up.client, up.has_tag, up.tag, upgrades, started);
	if (hand_failed(h)) {
		upgrade_fail("%s", hand_error(h));
		hand_free(h);
		return;
	}
	log_info("upgrade: executing %s", up.path);
	/* What runs beside the loop goes: probes run again afterwards. */
	health_shutdown();
	metrics_http_close();
	hand_keep(h, 1);
	if (self_fd != -1)
		fcntl(self_fd, F_SETFD, 0);
	upgrade_mask(SIG_BLOCK);
	upgrade_execve(up.bin, hand_fd_of(h), self_fd, "");
	snprintf(why, sizeof(why), "cannot execute '%s': %s", up.path,
	    strerror(errno));
	upgrade_back(hand_fd_of(h), self_fd, why);
	fatalx("upgrade: %s, and cannot execute runnerd again", why);
}

/*
 * The state in descriptor state cannot go on to a new runnerd (why):
 * back to the old binary, old, which takes it and answers EUPGRADE with
 * why.  Returns only if that exec failed.
 */
void
upgrade_back(int state, int old, const char *why)
{
	log_warnx("upgrade: %s; executing the old runnerd again", why);
	fcntl(state, F_SETFD, 0);
	if (old != -1)
		fcntl(old, F_SETFD, 0);
	upgrade_execve(old, state, old, why);
	log_warn("execveat of the old runnerd");
}

/*
 * The start of a runnerd that was handed the state in descriptor state
 * by the binary old, which refused it if refused is not "": take it, or
 * go back to old.  The loop exists; the configuration, the socket and
 * the instances come from the state.
 */
void
upgrade_restore(int state, int old, const char *refused)
{
	struct hand	*h;
	struct handinfo	 hi;
	char		 err[RUNNER_ERRMSG_MAX], why[RUNNER_ERRMSG_MAX + 64];

	memset(&hi, 0, sizeof(hi));
	if ((h = hand_open(state, err, sizeof(err))) == NULL ||
	    handover_load(h, &hi) == -1) {
		if (h != NULL)
			snprintf(err, sizeof(err), "%s", hand_error(h));
		if (*refused != '\0')
			fatalx("the state handed back: %s (and the new "
			    "runnerd's: %s)", err, refused);
		snprintf(why, sizeof(why), "the new runnerd refused the state: "
		    "%s", err);
		upgrade_back(state, old, why);
		fatalx("cannot go back to the old runnerd: %s", err);
	}
	hand_commit(h);
	hand_free(h);
	close(state);
	if (old != -1)
		close(old);
	restored = hi;
	restored_refused = refused;
}

/*
 * After upgrade_restore, once the log is where it was: say what was
 * handed over, and answer the client that asked.
 */
void
upgrade_announce(void)
{
	const struct handinfo	*hi = &restored;
	const char		*refused = restored_refused;

	if (refused == NULL)
		return;
	if (*refused != '\0') {
		/* The old binary, again: as it was, the upgrade refused. */
		started = hi->started;
		upgrades = hi->upgrades;
		log_warnx("upgrade: %s; runnerd runs on unchanged", refused);
		if (hi->client != 0)
			reply_err(hi->client, hi->has_tag, hi->tag,
			    RUNNER_EUPGRADE, "%s; runnerd runs on unchanged",
			    refused);
		return;
	}
	upgrades = hi->upgrades + 1;
	log_info("upgraded from %s to %s: handed over %zu instances, %zu "
	    "clients, %llu bytes", hi->from, RUNNER_VERSION, hi->ninsts,
	    hi->nclients, (unsigned long long)hi->bytes);
	if (hi->client != 0) {
		struct buf	 b;

		buf_init(&b);
		jw_open(&b, '{');
		jw_key(&b, "pid");
		jw_int(&b, getpid());
		jw_key(&b, "version");
		jw_str(&b, RUNNER_VERSION);
		jw_key(&b, "from");
		jw_str(&b, hi->from);
		jw_key(&b, "upgrades");
		jw_int(&b, upgrades);
		jw_key(&b, "instances");
		jw_int(&b, (long long)hi->ninsts);
		jw_key(&b, "clients");
		jw_int(&b, (long long)hi->nclients);
		jw_key(&b, "bytes");
		jw_int(&b, (long long)hi->bytes);
		jw_close(&b, '}');
		reply_ok(hi->client, hi->has_tag, hi->tag, &b);
		buf_free(&b);
	}
}
