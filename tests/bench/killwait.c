/*
 * killwait.c: how long a supervisor takes to replace a killed child.
 *
 *	killwait SUPERVISOR_PID CHILD_PID
 *
 * Sends SIGKILL to CHILD_PID and polls the supervisor's children (the
 * /proc children files, every 100 us) until one appears that was not
 * there before and runs the same program as the one killed (its comm:
 * a child only forked, not yet exec'd, does not count); prints the
 * milliseconds that took.  Any supervisor is measured the same way, from
 * outside: runnerd, supervisord, s6-supervise and runsv are all the
 * parent of what they run.  Exit 1 after 10 s.
 */

#include <sys/types.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXKIDS	4096

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

/* The children of pid (all its threads) into kids; how many. */
static int
children(long pid, long *kids, int max)
{
	char		 path[300], buf[65536], *p, *end;
	struct dirent	*de;
	DIR		*d;
	ssize_t		 n;
	long		 c;
	int		 fd, k = 0;

	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	if ((d = opendir(path)) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL && k < max) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%s/children",
		    pid, de->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		for (p = buf; k < max; p = end) {
			c = strtol(p, &end, 10);
			if (end == p)
				break;
			kids[k++] = c;
		}
	}
	closedir(d);
	return (k);
}

/* pid's comm into buf (empty when it is gone). */
static void
comm(long pid, char *buf, size_t len)
{
	char	 path[64];
	ssize_t	 n;
	int	 fd;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
}

/* 1 when pid runs the program named want (it has exec'd). */
static int
runs(long pid, const char *want)
{
	char	 got[64];

	comm(pid, got, sizeof(got));
	return (strcmp(got, want) == 0);
}

static int
member(long v, const long *set, int n)
{
	int	 k;

	for (k = 0; k < n; k++)
		if (set[k] == v)
			return (1);
	return (0);
}

int
main(int argc, char **argv)
{
	static long	 before[MAXKIDS], after[MAXKIDS];
	char		 want[64];
	double		 t0;
	long		 sup, child;
	int		 nb, na, k;

	if (argc != 3) {
		fprintf(stderr, "usage: killwait SUPERVISOR_PID CHILD_PID\n");
		return (2);
	}
	sup = strtol(argv[1], NULL, 10);
	child = strtol(argv[2], NULL, 10);
	if ((nb = children(sup, before, MAXKIDS)) == -1) {
		fprintf(stderr, "killwait: no process %ld\n", sup);
		return (2);
	}
	comm(child, want, sizeof(want));
	t0 = now_ms();
	if (kill((pid_t)child, SIGKILL) == -1) {
		perror("killwait: kill");
		return (2);
	}
	while (now_ms() - t0 < 10000) {
		na = children(sup, after, MAXKIDS);
		for (k = 0; k < na; k++)
			if (after[k] != child &&
			    !member(after[k], before, nb) &&
			    runs(after[k], want)) {
				printf("%.3f\n", now_ms() - t0);
				return (0);
			}
		usleep(100);
	}
	fprintf(stderr, "killwait: no new child of %ld within 10 s\n", sup);
	return (1);
}
