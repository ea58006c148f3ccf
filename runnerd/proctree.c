/*
 * proctree.c: the processes an instance started, found through /proc.
 *
 * A stop signals the instance's process group, but a grandchild may have
 * left the group (setsid, setpgid: daemons do).  So a stop also signals
 * every descendant, found by walking /proc/PID/task/TID/children from the
 * instance's main process; and since runnerd is a child subreaper, what
 * outlives its parent is reparented to runnerd: a child of runnerd that
 * is no instance's main process belongs to an instance that has ended,
 * and is killed (libev's SIGCHLD handler reaps it, so it never lingers
 * as a zombie).  Reading the children files costs one read per process
 * in the tree, so a leaf instance (the usual case) costs one read.
 */

#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerd.h"

#define CHILDREN_MAX	65536	/* bytes of one children file read */
#define PIDS_MAX	100000	/* processes walked at most */

struct pids {
	pid_t	*v;
	size_t	 n;
	size_t	 cap;
};

static int	 pids_add(struct pids *, pid_t);
static void	 proc_children(pid_t, struct pids *);
static int	 proc_is_leader(pid_t);

static int
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

/* Append pid's children (of all its threads) to out. */
static void
proc_children(pid_t pid, struct pids *out)
{
	char		 path[320], buf[CHILDREN_MAX], *p, *end;
	struct dirent	*de;
	DIR		*d;
	ssize_t		 n;
	long		 c;
	int		 fd;

	snprintf(path, sizeof(path), "/proc/%ld/task", (long)pid);
	if ((d = opendir(path)) == NULL)
		return;		/* gone already */
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%s/children",
		    (long)pid, de->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		for (p = buf;; p = end) {
			errno = 0;
			c = strtol(p, &end, 10);
			if (end == p || errno != 0)
				break;
			if (c > 0 && pids_add(out, (pid_t)c) == -1)
				break;
		}
	}
	closedir(d);
}

/*
 * Send sig to every descendant of pid (not pid itself, whose group the
 * caller signals).  Returns how many there were.
 */
int
proctree_signal(pid_t pid, int sig)
{
	struct pids	 all = { NULL, 0, 0 };
	size_t		 k;
	int		 n;

	proc_children(pid, &all);
	/* Breadth first: all grows as we go. */
	for (k = 0; k < all.n; k++)
		proc_children(all.v[k], &all);
	for (k = 0; k < all.n; k++)
		kill(all.v[k], sig);
	n = (int)all.n;
	free(all.v);
	return (n);
}

/* Is pid the main process of an instance? */
static int
proc_is_leader(pid_t pid)
{
	size_t	 k;

	for (k = 0; k < server.ninsts; k++)
		if (server.insts[k]->pid == pid)
			return (1);
	return (0);
}

/*
 * Kill what was reparented to runnerd: children of ours that are no
 * instance's main process, with everything under them.
 */
void
proctree_kill_orphans(void)
{
	struct pids	 mine = { NULL, 0, 0 };
	size_t		 k;

	proc_children(getpid(), &mine);
	/*
	 * Every child is an instance's main process (exited ones not yet
	 * reaped included): no orphan, and no need to look at each.
	 */
	if (mine.n <= (size_t)server.nprocs) {
		free(mine.v);
		return;
	}
	for (k = 0; k < mine.n; k++) {
		if (proc_is_leader(mine.v[k]))
			continue;
		log_info("killing pid %ld, left behind by an instance that "
		    "ended", (long)mine.v[k]);
		proctree_signal(mine.v[k], SIGKILL);
		kill(mine.v[k], SIGKILL);
	}
	free(mine.v);
}
