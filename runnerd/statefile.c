/*
 * statefile.c: what runnerd has running, on disk, for the runnerd that
 * comes after it if it dies.
 *
 * runnerd's children get SIGKILL when it dies (spawn_parent_death), but
 * what they started lives on: a helper they double-forked, a daemon that
 * left their session.  So runnerd keeps a file next to its socket,
 * SOCKET.state (mode 0600, in the socket's directory, which is runnerd's
 * own or root's and writable by no one else unless sticky: control.c),
 * naming each instance's main process and each process reparented to
 * runnerd, with its start time.  A runnerd started on the same socket
 * reads it before its autostart and kills, with SIGKILL, every process
 * still there from it: the main processes, every process in their
 * sessions, and everything under those.  No stop signal and no grace
 * period: what is left has lost its main process and its supervisor
 * already, and the new runnerd's autostart should not wait on it.
 *
 * The file is written whole to SOCKET.state.XXXXXXXX (a new file, its
 * name random: never a FIFO or a file someone put there) and renamed
 * over, so a reader sees one complete version or the one before.  It is not
 * fsync'd: it only matters while the machine stays up (after a reboot
 * none of the processes can exist, and their start times say so).  It is
 * written when the set of processes has changed (an ev_prepare watcher
 * sees it just before the loop blocks), from a timer, at most once per
 * STATE_INTERVAL seconds, so a burst of a thousand starts costs a few
 * writes; a process that starts and is orphaned within that interval of
 * runnerd's death can be missed.  Never from the prepare itself, even
 * when due: a write of a thousand records takes milliseconds, which the
 * next iteration's launch batch counts in its budget (launchq.c), while
 * added to this one's batch it would keep clients waiting twice as long.
 * A clean shutdown removes the file.
 *
 * The file is trusted no more than it must be: one that is not a regular
 * file of runnerd's uid, writable by no one else, up to STATE_MAX bytes,
 * every line well formed, is ignored whole; a process is killed only if
 * it exists with the recorded start time (which defeats pid reuse) and
 * runs as runnerd's uid (any uid when runnerd is root, which starts apps
 * as other users), or if it is in the session of such a recorded main
 * process and started no earlier than it.  A signal goes through a pidfd
 * opened before the checks, so the process checked is the one killed.
 *
 * Format, one record a line after a "runnerd-state 1" line:
 *	P PID START ALIAS	an instance's main process (its session: PID)
 *	O PID START ALIAS	a process reparented to runnerd ("-": owner
 *				unknown)
 * with START field 22 of /proc/PID/stat.
 */

#include <sys/pidfd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerd.h"

#define STATE_MAX	(16 * 1024 * 1024)	/* bytes of a state file */
#define STATE_HEADER	"runnerd-state 1\n"
#define STATE_INTERVAL	0.1	/* seconds between two writes, at least */
#define STATE_WAIT	2.0	/* seconds to wait for the killed to go */
#define STATE_KILL_MAX	4096	/* processes killed at start, at most */

/* A record of the file. */
struct srec {
	char			 kind;		/* 'P' or 'O' */
	pid_t			 pid;
	unsigned long long	 start;
	char			 alias[RUNNER_ALIAS_MAX + 16];
};

static char		*state_name;	/* in server.sock_dirfd */
static char		*state_tmp;

static void		 state_names(void);
static ev_prepare	 state_prepare;
static ev_timer		 state_timer;
static int		 state_dirty;	/* the processes changed */
static int		 state_nprocs = -1; /* server.nprocs when written */
static double		 state_last;	/* ev_now of the last write */
static int		 state_failing;	/* the last write failed (logged) */
static pid_t		*state_killed;	/* at start: the pids killed */

static int	 state_parse(char *, size_t, struct srec **, size_t *);
static int	 state_open_tmp(void);
static int	 state_uid_ok(pid_t);
static int	 state_kill(pid_t, unsigned long long, const char *, int *,
		    size_t *);
static void	 state_write(void);
static void	 state_prepare_cb(struct ev_loop *, ev_prepare *, int);
static void	 state_timer_cb(struct ev_loop *, ev_timer *, int);

/*
 * Parse the text of a state file (NUL-terminated, len bytes): every line
 * must be a well-formed record, or nothing is taken.  0 with *out (to
 * free) and *n, or -1.
 */
static int
state_parse(char *text, size_t len, struct srec **out, size_t *n)
{
	struct srec	*v = NULL, *nv;
	char		*line, *nl, *p, *end;
	unsigned long long num;
	size_t		 cap = 0, k;

	*out = NULL;
	*n = 0;
	if (strlen(text) != len || strncmp(text, STATE_HEADER,
	    strlen(STATE_HEADER)) != 0)
		return (-1);
	for (line = text + strlen(STATE_HEADER); *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			goto bad;	/* a torn last line */
		*nl = '\0';
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				goto bad;
			v = nv;
		}
		if ((line[0] != 'P' && line[0] != 'O') || line[1] != ' ')
			goto bad;
		v[*n].kind = line[0];
		p = line + 2;
		if (!isdigit((unsigned char)*p))
			goto bad;
		errno = 0;
		num = strtoull(p, &end, 10);
		if (errno != 0 || *end != ' ' || num < 2 || num > INT_MAX)
			goto bad;
		v[*n].pid = (pid_t)num;
		p = end + 1;
		if (!isdigit((unsigned char)*p))
			goto bad;
		errno = 0;
		num = strtoull(p, &end, 10);
		if (errno != 0 || *end != ' ' || num == 0)
			goto bad;
		v[*n].start = num;
		p = end + 1;
		if (*p == '\0' || strlen(p) >= sizeof(v[*n].alias))
			goto bad;
		for (k = 0; p[k] != '\0'; k++)
			if (!isgraph((unsigned char)p[k]))
				goto bad;
		memcpy(v[*n].alias, p, k + 1);
		(*n)++;
	}
	*out = v;
	return (0);
bad:
	free(v);
	*n = 0;
	return (-1);
}

/*
 * Could runnerd have started pid, as far as its uid says?  Any uid when
 * runnerd is root (apps may run as other users); else only runnerd's
 * own, read from the real uid in /proc/PID/status (the owner of /proc/PID
 * is root for a process that made itself non-dumpable, as ssh-agent
 * does).
 */
static int
state_uid_ok(pid_t pid)
{
	char		 path[64], buf[2048], *p;
	unsigned long	 uid;
	ssize_t		 n;
	int		 fd;

	if (geteuid() == 0)
		return (1);
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (0);
	buf[n] = '\0';
	if ((p = strstr(buf, "\nUid:\t")) == NULL ||
	    sscanf(p + 6, "%lu", &uid) != 1)
		return (0);
	return (uid == (unsigned long)geteuid());
}

/*
 * Kill pid, with what is under it, if it still is the process that
 * started at start (0: any start time, checked by the caller) and runs
 * as a uid of ours.  pfds collects pidfds to wait on.  1 when killed.
 */
static int
state_kill(pid_t pid, unsigned long long start, const char *alias,
    int *pfds, size_t *npfds)
{
	struct procstat	 ps;
	int		 pfd;
	size_t		 k;

	if (pid == getpid() || pid == getppid() || *npfds >= STATE_KILL_MAX)
		return (0);
	for (k = 0; k < *npfds; k++)
		if (state_killed[k] == pid)
			return (0);	/* a record and its session both */
	/* The pidfd first: the checks below are then about this process. */
	pfd = pidfd_open(pid, 0);
	if (pfd == -1 && errno != ENOSYS)
		return (0);	/* gone */
	if (proc_stat(pid, &ps) == -1 || ps.state == 'Z' ||
	    (start != 0 && ps.start != start) || !state_uid_ok(pid)) {
		if (pfd != -1)
			close(pfd);
		return (0);
	}
	proctree_signal(pid, SIGKILL, NULL);
	if (pfd != -1 ? pidfd_send_signal(pfd, SIGKILL, NULL, 0) == -1 :
	    kill(pid, SIGKILL) == -1) {
		if (pfd != -1)
			close(pfd);
		return (0);
	}
	log_info("pid %ld (alias %s) left by a runnerd that died: killed",
	    (long)pid, alias);
	if (pfd != -1) {
		state_killed[*npfds] = pid;
		pfds[(*npfds)++] = pfd;
	}
	return (1);
}

/* The file's name and its temporary's, beside the socket. */
static void
state_names(void)
{
	if (state_name != NULL)
		return;
	if (asprintf(&state_name, "%s.state", server.sock_base) == -1 ||
	    asprintf(&state_tmp, "%s.state.XXXXXXXX", server.sock_base) == -1)
		fatal("asprintf");
}

/*
 * Find what a runnerd that died on this socket left running, and kill it
 * (see the top).  Before the autostart, so that what starts now does not
 * meet what was left (its socket still taken, say).
 */
void
statefile_recover(void)
{
	struct stat	 st;
	struct srec	*rec = NULL;
	struct procstat	 ps, lp;
	struct pollfd	 pw;
	double		 deadline;
	struct dirent	*de;
	DIR		*dir;
	char		*text = NULL, *end;
	ssize_t		 r;
	size_t		 n = 0, len = 0, k, npfds = 0, left;
	pid_t		 pid;
	long		 v;
	int		*pfds = NULL, fd;

	state_names();
	fd = openat(server.sock_dirfd, state_name, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		if (errno != ENOENT)
			log_warn("state file %s.state: ignored",
			    server.socket_path);
		goto done;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 022) != 0 ||
	    st.st_nlink != 1 || st.st_size > STATE_MAX) {
		log_warnx("state file %s.state is not a file of ours (mode "
		    "0600, uid %lu, at most %d bytes): ignored",
		    server.socket_path, (unsigned long)geteuid(), STATE_MAX);
		close(fd);
		goto done;
	}
	if ((text = malloc((size_t)st.st_size + 1)) == NULL)
		fatal("malloc");
	while (len < (size_t)st.st_size) {
		r = read(fd, text + len, (size_t)st.st_size - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	text[len] = '\0';
	if (state_parse(text, len, &rec, &n) == -1) {
		log_warnx("state file %s.state is corrupt: ignored, nothing "
		    "killed", server.socket_path);
		goto done;
	}
	if (n == 0)
		goto done;
	if ((pfds = calloc(STATE_KILL_MAX, sizeof(*pfds))) == NULL ||
	    (state_killed = calloc(STATE_KILL_MAX,
	    sizeof(*state_killed))) == NULL)
		fatal("calloc");
	log_info("state file %s.state: a runnerd on this socket died with "
	    "%zu process(es) running; killing what is left of them",
	    server.socket_path, n);
	for (k = 0; k < n; k++)
		state_kill(rec[k].pid, rec[k].start, rec[k].alias, pfds,
		    &npfds);
	/*
	 * What is left in the main processes' sessions: a pid that leads
	 * (names) a session cannot be reused while a member lives, so the
	 * members are the dead instance's, unless the recorded pid is now
	 * another process (then it is not checked further).  One pass over
	 * /proc, at start only.
	 */
	if ((dir = opendir("/proc")) == NULL) {
		log_warn("opendir /proc");
		goto wait;
	}
	while ((de = readdir(dir)) != NULL) {
		errno = 0;
		v = strtol(de->d_name, &end, 10);
		if (errno != 0 || *end != '\0' || v <= 1 || v > INT_MAX)
			continue;
		pid = (pid_t)v;
		if (proc_stat(pid, &ps) == -1 || ps.state == 'Z')
			continue;
		for (k = 0; k < n; k++) {
			if (rec[k].kind != 'P' || ps.sid != rec[k].pid ||
			    ps.start < rec[k].start)
				continue;
			/* The leader is another process now: not ours. */
			if (proc_stat(rec[k].pid, &lp) == 0 &&
			    lp.start != rec[k].start)
				break;
			state_kill(pid, 0, rec[k].alias, pfds, &npfds);
			break;
		}
	}
	closedir(dir);
wait:
	/*
	 * Until they are gone (a socket they held is free then), bounded:
	 * one in uninterruptible sleep may take its time.
	 */
	deadline = clock_now() + STATE_WAIT;
	for (k = 0, left = 0; k < npfds; k++) {
		pw.fd = pfds[k];
		pw.events = POLLIN;
		if (poll(&pw, 1, clock_ms_left(deadline)) == 0)
			left++;
		close(pfds[k]);
	}
	if (left > 0)
		log_warnx("%zu process(es) killed still there after %g s; "
		    "going on", left, STATE_WAIT);
done:
	free(pfds);
	free(state_killed);
	state_killed = NULL;
	free(rec);
	free(text);
	if (unlinkat(server.sock_dirfd, state_name, 0) == -1 &&
	    errno != ENOENT)
		log_warn("cannot remove state file %s.state",
		    server.socket_path);
}

/* Every change to the processes is written, in batches (see the top). */
void
statefile_start(void)
{
	state_names();		/* an upgrade's runnerd recovers nothing */
	ev_prepare_init(&state_prepare, state_prepare_cb);
	ev_prepare_start(server.loop, &state_prepare);
	ev_timer_init(&state_timer, state_timer_cb, 0, 0);
	/*
	 * After the iteration's requests: a client that asked meanwhile is
	 * answered before the write, not after (libev runs a pending timer
	 * before the I/O of the same priority).
	 */
	ev_set_priority(&state_timer, EV_MINPRI);
	state_dirty = 1;
}

/* The processes changed (an instance's process ended). */
void
statefile_dirty(void)
{
	state_dirty = 1;
}

/*
 * Just before the loop blocks: have the timer write if something changed
 * (at once when the last write is STATE_INTERVAL old: the loop then does
 * not block).  A spawn adds to server.nprocs and an exit marks the state
 * dirty, so between two writes an unchanged count with no exit means
 * nothing changed.
 */
static void
state_prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	double	 wait;

	(void)w;
	(void)revents;
	if (!state_dirty && server.nprocs == state_nprocs)
		return;
	if (ev_is_active(&state_timer))
		return;
	wait = state_last + STATE_INTERVAL - ev_now(loop);
	ev_timer_set(&state_timer, wait > 0 ? wait : 0, 0);
	ev_timer_start(loop, &state_timer);
}

static void
state_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	if (state_dirty || server.nprocs != state_nprocs)
		state_write();
}

/*
 * A new file of ours beside the state file, under a name nobody can
 * guess: the socket's directory may be a sticky one like /tmp, where
 * anyone may have put a FIFO (an open would block the loop) or a file of
 * theirs (it would be renamed over the state file, theirs then) under a
 * fixed name.  O_EXCL never opens what is there.  Its descriptor, or -1.
 */
static int
state_open_tmp(void)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 rnd[8];
	char			*x = state_tmp + strlen(state_tmp) - 8;
	int			 fd, k, tries;

	for (tries = 0; tries < 8; tries++) {
		if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) !=
		    (ssize_t)sizeof(rnd))
			return (-1);
		for (k = 0; k < 8; k++)
			x[k] = hex[rnd[k] & 15];
		fd = openat(server.sock_dirfd, state_tmp, O_WRONLY | O_CREAT |
		    O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
		if (fd != -1 || errno != EEXIST)
			return (fd);
	}
	return (-1);
}

/* Write the state file whole, to the side, then rename it over. */
static void
state_write(void)
{
	struct buf	 b;
	pid_t		*orph = NULL;
	const char	*owner;
	size_t		 k, n = 0, j;
	ssize_t		 r;
	int		 fd = -1, ok = 0, made = 0;
	char		 alias[RUNNER_ALIAS_MAX + 16];
	double		 t0 = clock_now();
	size_t		 nrec = 0;

	state_last = ev_now(server.loop);
	state_dirty = 0;
	state_nprocs = server.nprocs;
	buf_init(&b);
	buf_adds(&b, STATE_HEADER);
	for (k = 0; k < server.ninsts; k++) {
		if (server.insts[k]->pid <= 0)
			continue;
		snprintf(alias, sizeof(alias), "%s", server.insts[k]->alias);
		for (j = 0; alias[j] != '\0'; j++)
			if (!isgraph((unsigned char)alias[j]))
				alias[j] = '?';
		buf_printf(&b, "P %ld %llu %s\n", (long)server.insts[k]->pid,
		    proctree_start_of(server.insts[k]), alias);
		nrec++;
	}
	n = proctree_orphans(&orph);
	for (k = 0; k < n; k++) {
		struct procstat	 ps;

		if (proctree_orphan_info(orph[k], &ps) == -1 ||
		    ps.state == 'Z')
			continue;
		owner = "-";
		for (j = 0; j < server.ninsts; j++)
			if (server.insts[j]->pid == ps.sid)
				owner = server.insts[j]->alias;
		snprintf(alias, sizeof(alias), "%s", owner);
		for (j = 0; alias[j] != '\0'; j++)
			if (!isgraph((unsigned char)alias[j]))
				alias[j] = '?';
		buf_printf(&b, "O %ld %llu %s\n", (long)orph[k], ps.start,
		    alias);
		nrec++;
	}
	free(orph);
	if (b.failed) {
		errno = ENOMEM;
		goto out;
	}
	if ((fd = state_open_tmp()) == -1)
		goto out;
	made = 1;
	while (buf_used(&b) > 0) {
		r = write(fd, buf_head(&b), buf_used(&b));
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			goto out;
		buf_drop(&b, (size_t)r);
	}
	if (close(fd) == -1) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (renameat(server.sock_dirfd, state_tmp, server.sock_dirfd,
	    state_name) == -1)
		goto out;
	ok = 1;
	log_debug("state file: %zu records written in %.3f ms", nrec,
	    (clock_now() - t0) * 1000);
out:
	if (!ok) {
		/* Once per failing streak; the next change tries again. */
		if (!state_failing)
			log_warn("cannot write state file %s.state",
			    server.socket_path);
		if (fd != -1)
			close(fd);
		if (made)	/* never a file of someone else's */
			unlinkat(server.sock_dirfd, state_tmp, 0);
	}
	state_failing = !ok;
	buf_free(&b);
}

/* Clean shutdown: nothing is left running, so no file. */
void
statefile_remove(void)
{
	if (state_name == NULL)
		return;
	ev_prepare_stop(server.loop, &state_prepare);
	ev_timer_stop(server.loop, &state_timer);
	if (unlinkat(server.sock_dirfd, state_name, 0) == -1 &&
	    errno != ENOENT)
		log_warn("cannot remove state file %s.state",
		    server.socket_path);
	free(state_name);
	free(state_tmp);
	state_name = state_tmp = NULL;
}
