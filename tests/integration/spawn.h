/*
 * spawn.h: what test_spawn_child.c and test_spawn_fds.c share to drive
 * spawn_child (lib/spawn.c) with real programs: a spawn with the
 * defaults, a child's output and exit collected, a failure's words
 * checked, files in a temporary directory.  The includer brings
 * cmocka's headers' prerequisites (this file includes the rest).
 */

#ifndef T_SPAWN_H
#define T_SPAWN_H

#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner-int.h"

#include "../proc.h"

#define SC_OUT_MAX	8192		/* the most a child's output holds */

extern char **environ;

static char	 sc_dir[] = "/tmp/test_spawn.XXXXXX";

/* A spawn of argv with the defaults: 0-2 inherited, no extra, our env. */
static inline void
sc_init(struct spawn *sp, const char *const *argv)
{
	memset(sp, 0, sizeof(*sp));
	sp->argv = (char *const *)argv;
	sp->env = environ;
	sp->fd[0] = sp->fd[1] = sp->fd[2] = SPAWN_INHERIT;
	sp->extra_fd = -1;
}

/* Read fd to its end (EINTR retried) into out; the length. */
static inline size_t
sc_slurp(int fd, char *out, size_t len)
{
	size_t	 got = 0;
	ssize_t	 n;

	for (;;) {
		n = read(fd, out + got, len - 1 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	out[got] = '\0';
	return (got);
}

/* Wait for pid (EINTR retried, bounded); its wait status. */
static inline int
sc_wait(pid_t pid)
{
	int	 status = -1;

	assert_true(t_wait_child(pid, &status, T_WAIT_MS));
	return (status);
}

/*
 * Spawn sp with its stdout on a pipe (unless fd[1] is set), collect what
 * it writes and its exit: the spawn's return, the output in out, the
 * status in *status (untouched when the spawn failed).
 */
static inline int
sc_run(struct spawn *sp, char *out, size_t len, int *status, char *err,
    size_t errlen)
{
	int	 p[2], rc;
	pid_t	 pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	if (sp->fd[1] == SPAWN_INHERIT)
		sp->fd[1] = p[1];
	err[0] = '\0';
	rc = spawn_child(sp, &pid, err, errlen);
	close(p[1]);
	sc_slurp(p[0], out, len);
	close(p[0]);
	if (rc == 0)
		*status = sc_wait(pid);
	return (rc);
}

/* Spawn argv expecting failure; the error in words must be want. */
static inline void
sc_fails(struct spawn *sp, const char *want)
{
	char	 out[64], err[RUNNER_ERRMSG_MAX];
	int	 status = -1;

	assert_int_equal(sc_run(sp, out, sizeof(out), &status, err,
	    sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_string_equal(out, "");
}

/* Run sh -c script; it must exit 0; its output in out. */
static inline void
sc_sh(struct spawn *sp, const char *script, char *out, size_t len)
{
	char		 err[RUNNER_ERRMSG_MAX];
	const char	*argv[] = { "sh", "-c", script, NULL };
	int		 status = -1;

	sp->argv = (char *const *)argv;
	assert_int_equal(sc_run(sp, out, len, &status, err, sizeof(err)), 0);
	assert_int_equal(status, 0);
}

/* A file of ours under sc_dir, with that mode and text. */
static inline char *
sc_file(const char *name, mode_t mode, const char *text)
{
	static char	 path[256];
	int		 fd;

	snprintf(path, sizeof(path), "%s/%s", sc_dir, name);
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
	return (path);
}

/* How many lines /proc/self/maps has: a stack left mapped adds two. */
static inline int
sc_maps(void)
{
	char	 buf[4096];
	FILE	*fp;
	int	 n = 0;

	assert_non_null(fp = fopen("/proc/self/maps", "re"));
	while (fgets(buf, sizeof(buf), fp) != NULL)
		n++;
	fclose(fp);
	return (n);
}

/*
 * 1 under valgrind (its preload is in the environment it gives us).  A
 * forked valgrind dies when its execve fails (no E2BIG to report), and
 * keeps a setrlimit of RLIMIT_NOFILE to itself: those cases skip.
 */
static inline int
sc_valgrind(void)
{
	const char	*pre = getenv("LD_PRELOAD");

	return (pre != NULL && strstr(pre, "vgpreload") != NULL);
}

/* The signals this process ignores, as /proc/self/status's SigIgn. */
static inline unsigned long long
sc_sigign_self(void)
{
	char			 line[256];
	unsigned long long	 ign = 0;
	FILE			*f;

	assert_non_null(f = fopen("/proc/self/status", "re"));
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "SigIgn: %llx", &ign) == 1)
			break;
	fclose(f);
	return (ign);
}

/* The temporary directory, made at the start of a group. */
static inline int
sc_setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(sc_dir));
	return (0);
}

static inline int
sc_teardown(void **state)
{
	(void)state;
	nftw(sc_dir, t_rm, 16, FTW_DEPTH | FTW_PHYS);
	return (0);
}

#endif /* T_SPAWN_H */
