/*
 * timeit.c: how long a command takes, measured from outside, the same
 * way for every supervisor's CLI.
 *
 *	timeit [-n max] [-m min] [-t ms] [-s ms] [-p "prep cmd"]
 *	    [-P glob=text] [-u glob=text] -- command [arg ...]
 *
 * Runs command (posix_spawnp, output to /dev/null) until max samples
 * (default 100) or ms milliseconds (default 2000) have passed, but at
 * least min times (default 3), and prints each time in milliseconds, one
 * per line.  Before each run, untimed: prep (split on spaces, no quoting;
 * it must exit 0), then with -P a wait until every file matching glob
 * begins with text, then with -s a pause of ms milliseconds (runsv
 * starts a service at most once a second).  With -u the wait until every file matching glob
 * begins with text is part of the time: for a CLI that returns before
 * the thing is done (runit's `sv up`, whose supervise/stat says "run"
 * once runsv has forked the service).  Waits poll every 50 us, bounded
 * by 10 s.  Exit 1 when a command fails or a wait runs out.
 */

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS		10000
#define POLL_NS		50000
#define MAXARGS		64

extern char	**environ;

static posix_spawn_file_actions_t	 quiet;

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

/* Run argv to its end; 0 when it exited 0. */
static int
run(char **argv)
{
	pid_t	 pid;
	int	 status, e;

	if ((e = posix_spawnp(&pid, argv[0], &quiet, NULL, argv,
	    environ)) != 0) {
		fprintf(stderr, "timeit: %s: %s\n", argv[0], strerror(e));
		return (-1);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return (-1);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "timeit: %s: exit status %d\n", argv[0],
		    WIFEXITED(status) ? WEXITSTATUS(status) : 128 +
		    WTERMSIG(status));
		return (-1);
	}
	return (0);
}

/* 1 when the file begins with text. */
static int
begins(const char *path, const char *text)
{
	char	 buf[256];
	size_t	 len = strlen(text);
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return (n >= (ssize_t)len && memcmp(buf, text, len) == 0);
}

/*
 * Wait until every file matching the glob in spec ("glob=text") begins
 * with text; files found done are not read again.  0, or -1 on timeout.
 */
static int
wait_files(const char *spec)
{
	char		 pat[4096], *text;
	struct timespec	 ts = { 0, POLL_NS };
	glob_t		 g;
	double		 t0 = now_ms();
	size_t		 i, left;
	char		*done;

	snprintf(pat, sizeof(pat), "%s", spec);
	if ((text = strrchr(pat, '=')) == NULL)
		return (-1);
	*text++ = '\0';
	if (glob(pat, 0, NULL, &g) != 0 || g.gl_pathc == 0) {
		fprintf(stderr, "timeit: nothing matches %s\n", pat);
		return (-1);
	}
	if ((done = calloc(g.gl_pathc, 1)) == NULL)
		return (-1);
	for (left = g.gl_pathc;;) {
		for (i = 0; i < g.gl_pathc; i++)
			if (!done[i] && begins(g.gl_pathv[i], text)) {
				done[i] = 1;
				left--;
			}
		if (left == 0 || now_ms() - t0 > WAIT_MS)
			break;
		nanosleep(&ts, NULL);
	}
	free(done);
	globfree(&g);
	if (left != 0)
		fprintf(stderr, "timeit: %zu files not %s in 10 s\n", left,
		    text);
	return (left == 0 ? 0 : -1);
}

/* Split s on spaces into argv (s is modified). */
static void
split(char *s, char **argv)
{
	int	 n = 0;
	char	*w;

	while ((w = strsep(&s, " ")) != NULL && n < MAXARGS - 1)
		if (*w != '\0')
			argv[n++] = w;
	argv[n] = NULL;
}

int
main(int argc, char **argv)
{
	char	*prep[MAXARGS], *prepwait = NULL, *until = NULL;
	double	 budget = 2000, pause = 0, t0, t1, start;
	struct timespec	 ts;
	long	 max = 100, min = 3, k;
	int	 ch;

	prep[0] = NULL;
	while ((ch = getopt(argc, argv, "+n:m:t:s:p:P:u:")) != -1) {
		switch (ch) {
		case 'n':
			max = strtol(optarg, NULL, 10);
			break;
		case 'm':
			min = strtol(optarg, NULL, 10);
			break;
		case 't':
			budget = strtod(optarg, NULL);
			break;
		case 's':
			pause = strtod(optarg, NULL);
			break;
		case 'p':
			split(optarg, prep);
			break;
		case 'P':
			prepwait = optarg;
			break;
		case 'u':
			until = optarg;
			break;
		default:
			goto usage;
		}
	}
	argv += optind;
	if (argv[0] == NULL)
		goto usage;
	posix_spawn_file_actions_init(&quiet);
	posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
	start = now_ms();
	for (k = 0; k < max && (k < min || now_ms() - start < budget); k++) {
		if (prep[0] != NULL && run(prep) != 0)
			return (1);
		if (prepwait != NULL && wait_files(prepwait) != 0)
			return (1);
		if (pause > 0) {
			ts.tv_sec = (time_t)(pause / 1000);
			ts.tv_nsec = (long)((pause - ts.tv_sec * 1e3) * 1e6);
			nanosleep(&ts, NULL);
		}
		t0 = now_ms();
		if (run(argv) != 0)
			return (1);
		if (until != NULL && wait_files(until) != 0)
			return (1);
		t1 = now_ms();
		printf("%.4f\n", t1 - t0);
	}
	return (0);
usage:
	fprintf(stderr, "usage: timeit [-n max] [-m min] [-t ms] [-s ms] "
	    "[-p prep] [-P glob=text] [-u glob=text] -- command [arg ...]\n");
	return (2);
}
