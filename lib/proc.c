/*
 * proc.c: processes seen through /proc, for runnerd's process tree
 * (runnerd/proctree.c) and the in-process backend's stop (local.c): a
 * process's parent, group, session and start time; its descendants; the
 * members of a session.  Linux only, like the rest of runner.
 *
 * A pid read here names a process only while something keeps it from
 * being reused (it is our unreaped child, or the start time read with
 * it is checked again); the callers say what keeps theirs.
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner-int.h"

#define CHILDREN_READ	8192	/* bytes of a children file per read */
#define PIDS_MAX	100000	/* processes walked at most */
#define STAT_MAX	1024	/* bytes of /proc/PID/stat read */
#define ENVIRON_READ	4096	/* bytes of /proc/PID/environ per read */
#define ENVIRON_MAX	(16 * 1024 * 1024)	/* ... and at most in all */

/* Append pid to p: 0, or -1 (no memory, or a tree too big to be real). */
int
pids_add(struct pids *p, pid_t pid)
{
	pid_t	*v;

	/* A tree bigger than this is a pid reused mid-walk, or a fork bomb. */
	if (p->n >= PIDS_MAX)
		return (-1);
	if (p->n == p->cap) {
		if ((v = reallocarray(p->v, p->cap ? p->cap * 2 : 16,
		    sizeof(*v))) == NULL)
			return (-1);
		p->v = v;
		p->cap = p->cap ? p->cap * 2 : 16;
	}
	p->v[p->n++] = pid;
	return (0);
}

/*
 * Append the children listed in path (a task's children file, "PID PID
 * ... ") to out.  The kernel gives a page of it per read: a process with
 * more than about 680 children (runnerd with 1000 instances) has the rest
 * in the next reads, the children reparented last (orphans) among them.
 * A number cut between two reads is kept for the next.
 */
static void
proc_task_children(const char *path, struct pids *out)
{
	char		 buf[CHILDREN_READ + 32], *p, *end;
	size_t		 have = 0;
	ssize_t		 n;
	long		 c;
	int		 fd, eof = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	while (!eof) {
		do
			n = read(fd, buf + have, sizeof(buf) - 1 - have);
		while (n == -1 && errno == EINTR);
		if (n <= 0)
			eof = 1;	/* an error ends it as the end would */
		else
			have += (size_t)n;
		buf[have] = '\0';
		/* Whole numbers only (a space after), all of them at the end. */
		for (p = buf;; p = end) {
			p += strspn(p, " \n");
			if (*p == '\0' || (strchr(p, ' ') == NULL && !eof))
				break;
			errno = 0;
			c = strtol(p, &end, 10);
			if (end == p || errno != 0) {
				eof = 1;
				break;
			}
			if (c > 0 && pids_add(out, (pid_t)c) == -1) {
				eof = 1;
				break;
			}
		}
		have = strlen(p);
		memmove(buf, p, have);
	}
	close(fd);
}

/*
 * Append pid's children (of all its threads) to out.  The task
 * directory's link count is 2 plus its threads: a process of one thread
 * (most) has one children file, read without listing the directory (half
 * the system calls of a stop's walk).  A thread made after either look
 * is missed alike.
 */
void
proc_children(pid_t pid, struct pids *out)
{
	char		 path[320];
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;

	snprintf(path, sizeof(path), "/proc/%ld/task", (long)pid);
	if (stat(path, &st) == -1)
		return;		/* gone already */
	if (st.st_nlink == 3) {
		snprintf(path, sizeof(path), "/proc/%ld/task/%ld/children",
		    (long)pid, (long)pid);
		proc_task_children(path, out);
		return;
	}
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%s/children",
		    (long)pid, de->d_name);
		proc_task_children(path, out);
	}
	closedir(d);
}

/* Append every descendant of pid (not pid), breadth first, to out. */
void
proc_tree(pid_t pid, struct pids *out)
{
	size_t	 k;

	k = out->n;
	proc_children(pid, out);
	for (; k < out->n; k++)		/* out grows as we go */
		proc_children(out->v[k], out);
}

/*
 * Read /proc/PID/stat: parent, group, session, start time (field 22, in
 * clock ticks since boot: with the pid, it names one process for good),
 * state, and the uid that owns /proc/PID.  0, or -1 when there is no such
 * process (or it is not readable).
 */
int
proc_stat(pid_t pid, struct procstat *ps)
{
	char		 path[64], buf[STAT_MAX], *p, *end;
	unsigned long long v;
	struct stat	 st;
	ssize_t		 n;
	int		 fd, field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0 || fstat(fd, &st) == -1) {
		close(fd);
		return (-1);
	}
	close(fd);
	buf[n] = '\0';
	memset(ps, 0, sizeof(*ps));
	ps->uid = st.st_uid;
	/* The command name may hold anything, ')' included: skip to the last. */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ' || p[2] == '\0')
		return (-1);
	ps->state = p[2];
	p += 3;
	for (field = 4; field <= 22; field++) {
		errno = 0;
		v = strtoull(p, &end, 10);
		if (end == p || errno != 0)
			return (-1);
		p = end;
		switch (field) {
		case 4:
			ps->ppid = (pid_t)v;
			break;
		case 5:
			ps->pgid = (pid_t)v;
			break;
		case 6:
			ps->sid = (pid_t)v;
			break;
		case 22:
			ps->start = v;
			break;
		}
	}
	return (0);
}

/*
 * Find in pid's environment, as it was at its exec, the first entry that
 * starts with prefix, and is exactly prefix when exact; 1 with the rest
 * of it (cut to len - 1 bytes) in value (NULL: not wanted), else 0.  All
 * of it is read, entry by entry across reads: launch.c puts a mark
 * first, but a shell re-exports the environment in its own order, so
 * behind kilobytes of others.  Only the kernel bounds its size (a
 * quarter of the stack limit); ENVIRON_MAX bounds the reading anyway.
 */
static int
proc_environ_find(pid_t pid, const char *prefix, int exact, char *value,
    size_t len)
{
	char	 path[64], buf[ENVIRON_READ];
	size_t	 plen = strlen(prefix), have = 0, total = 0, got = 0;
	ssize_t	 n, k;
	int	 fd, differs = 0, found = 0;

	snprintf(path, sizeof(path), "/proc/%ld/environ", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (0);
	while (!found && total < ENVIRON_MAX &&
	    (n = read(fd, buf, sizeof(buf))) > 0) {
		total += (size_t)n;
		for (k = 0; k < n && !found; k++) {
			if (buf[k] == '\0') {	/* an entry ends */
				if (!differs && have == plen &&
				    (!exact || got == 0))
					found = 1;	/* got: its length */
				else
					have = got = differs = 0;
			} else if (differs)
				continue;
			else if (have < plen) {
				if (buf[k] == prefix[have])
					have++;
				else
					differs = 1;
			} else if (exact)
				got = 1;	/* longer than the mark */
			else if (value != NULL && got + 1 < len)
				value[got++] = buf[k];
		}
	}
	close(fd);
	if (value != NULL && len > 0)
		value[found ? got : 0] = '\0';
	return (found);
}

/* Does pid's environment hold the entry mark, exactly? */
int
proc_marked(pid_t pid, const char *mark)
{
	return (proc_environ_find(pid, mark, 1, NULL, 0));
}

/*
 * The value of pid's environment variable name ("NAME="), cut to len - 1
 * bytes: 1, or 0 when it has none.
 */
int
proc_environ_value(pid_t pid, const char *name, char *value, size_t len)
{
	return (proc_environ_find(pid, name, 0, value, len));
}

/*
 * Send sig to what the instance whose main process is sid left: every
 * live process of its session or process group but sid itself, and with
 * mark (NULL: none) every process whose environment holds that entry
 * (what left the session and was reparented: a daemon's double fork),
 * found by reading every /proc/PID.  The caller keeps sid from being
 * reused (its unreaped child): the kernel hands out no pid that is still
 * a session's or a group's id, so what is found is sid's.  Returns how
 * many were signalled.
 */
int
proc_kill_left(pid_t sid, const char *mark, int sig)
{
	struct procstat	 ps;
	struct dirent	*de;
	DIR		*d;
	pid_t		 pid, self = getpid();
	int		 n = 0;

	if (sid <= 1 || (d = opendir("/proc")) == NULL)
		return (0);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid = (pid_t)strtol(de->d_name, NULL, 10);
		if (pid == sid || pid == self || proc_stat(pid, &ps) == -1 ||
		    ps.state == 'Z')
			continue;
		if (ps.sid != sid && ps.pgid != sid &&
		    (mark == NULL || !proc_marked(pid, mark)))
			continue;
		if (kill(pid, sig) == 0)
			n++;
	}
	closedir(d);
	return (n);
}
