/*
 * test_spawn_child.c: spawn_child (lib/spawn.c), the one way every child
 * of runnerd, of the in-process library and of lib/ssh.c is made, driven
 * through each failure a child can meet between its clone and its exec,
 * with real programs: the error in words (a directory missing or not one,
 * a program missing, not executable or a directory, an argv over the
 * kernel's limit, a user switch refused), and nothing left behind over
 * many spawns (no zombie, no descriptor, no stack mapping).  The child
 * borrows the caller's memory until it execs, so: a script without #!
 * (execvpe's /bin/sh fallback copies argv onto the child's stack) runs,
 * from a thread with a 64 KiB stack too while the main thread spawns; a
 * storm of signals with a handler installed never runs the handler in a
 * child; and the user switch leaves the ids of the caller's other
 * threads alone.  Under valgrind the clone is a fork: the same cases
 * hold.  test_spawn_fds.c checks what the child is given.
 */

#include "spawn.h"

#define SC_MANY		(sc_valgrind() ? 100 : 1000) /* spawns in the leak
					   and storm cases */
#define SC_SCRIPT_ARGS	12000		/* argv of the script: 96 KiB of
					   pointers, more than a 64 KiB
					   thread's whole stack */

static pid_t	 sc_self;
static volatile sig_atomic_t sc_handled, sc_in_child;

/* A chdir to what is not there, or not a directory: said in words. */
static void
test_chdir_fails(void **state)
{
	struct spawn	 sp;
	const char	*argv[] = { "true", NULL };
	char		 want[512], *file;

	(void)state;
	sc_init(&sp, argv);
	sp.cwd = "/nonexistent/dir";
	sc_fails(&sp, "cannot change directory to '/nonexistent/dir': "
	    "No such file or directory");
	file = sc_file("plain", 0644, "x");
	sp.cwd = file;
	snprintf(want, sizeof(want), "cannot change directory to '%s': "
	    "Not a directory", file);
	sc_fails(&sp, want);
}

/* Exec of a missing program, a file without x, a directory. */
static void
test_exec_fails(void **state)
{
	struct spawn	 sp;
	const char	*argv[] = { NULL, NULL };
	char		 want[512], path[256];

	(void)state;
	sc_init(&sp, argv);
	argv[0] = "/nonexistent/prog";
	sc_fails(&sp, "cannot execute '/nonexistent/prog': "
	    "No such file or directory");
	argv[0] = "no-such-program-in-path-20";
	sc_fails(&sp, "cannot execute 'no-such-program-in-path-20': "
	    "No such file or directory");
	snprintf(path, sizeof(path), "%s", sc_file("noexec", 0644,
	    "#!/bin/sh\nexit 0\n"));
	argv[0] = path;
	snprintf(want, sizeof(want), "cannot execute '%s': Permission denied",
	    path);
	sc_fails(&sp, want);
	argv[0] = sc_dir;
	snprintf(want, sizeof(want), "cannot execute '%s': Permission denied",
	    sc_dir);
	sc_fails(&sp, want);
	sp.argv = NULL;
	sc_fails(&sp, "empty command");
}

/*
 * A script without #!: execvpe runs it with /bin/sh, copying argv's
 * pointers onto the child's stack (96 KiB of them here).  No cmocka
 * assertion: a thread runs it too.  0 when it said its argc.
 */
static char	 sc_script_path[256];

static int
sc_script(void)
{
	struct spawn	 sp;
	const char	**argv;
	char		 out[64], err[RUNNER_ERRMSG_MAX];
	int		 i, p[2], status = -1, ok = -1;
	pid_t		 pid;

	if ((argv = calloc(SC_SCRIPT_ARGS + 1, sizeof(*argv))) == NULL)
		return (-1);
	argv[0] = sc_script_path;
	for (i = 1; i < SC_SCRIPT_ARGS; i++)
		argv[i] = "a";
	sc_init(&sp, argv);
	if (pipe2(p, O_CLOEXEC) == -1) {
		free(argv);
		return (-1);
	}
	sp.fd[1] = p[1];
	i = spawn_child(&sp, &pid, err, sizeof(err));
	close(p[1]);
	sc_slurp(p[0], out, sizeof(out));
	close(p[0]);
	if (i == 0 && t_wait_child(pid, &status, T_WAIT_MS) && status == 0 &&
	    atoi(out) == SC_SCRIPT_ARGS - 1)
		ok = 0;
	free(argv);
	return (ok);
}

static void
test_script_fallback(void **state)
{
	(void)state;
	assert_int_equal(sc_script(), 0);
}

/*
 * argv and environment together over the kernel's limit: E2BIG in
 * words; just under it, the program runs.
 */
static void
test_huge_argv(void **state)
{
	struct spawn	 sp;
	struct rlimit	 rl;
	const char	**argv, *env[] = { "A=1", NULL };
	char		*arg, out[64], err[RUNNER_ERRMSG_MAX];
	size_t		 max, each = 1000, n, i;
	int		 status = -1;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_STACK, &rl), 0);
	max = 8 * 1024 * 1024 / 4 * 3;	/* fs/exec.c: _STK_LIM / 4 * 3 */
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 4 < max)
		max = rl.rlim_cur / 4;
	assert_non_null(arg = malloc(each));
	memset(arg, 'x', each - 1);
	arg[each - 1] = '\0';
	n = max / (each + sizeof(char *)) + 8;
	assert_non_null(argv = calloc(n + 1, sizeof(*argv)));
	argv[0] = "true";
	for (i = 1; i < n; i++)
		argv[i] = arg;
	sc_init(&sp, argv);
	sp.env = (char *const *)env;
	if (!sc_valgrind())
		sc_fails(&sp, "cannot execute 'true': "
		    "Argument list too long");
	/* 16 KiB under: what the kernel counts besides is smaller. */
	argv[(max - 16384) / (each + sizeof(char *))] = NULL;
	assert_int_equal(sc_run(&sp, out, sizeof(out), &status, err,
	    sizeof(err)), 0);
	assert_int_equal(status, 0);
	free(argv);
	free(arg);
}

/*
 * The user switch.  Refused (we are not root, or made ourselves nobody in
 * a child first): said in words.  Granted (as root): the child is nobody
 * with the groups asked, and our other thread is still root: the child's
 * setuid is the system call, not glibc's, which would have every thread
 * of the process (ours, through the shared memory) switch too.
 */
static void *
sc_idle(void *arg)
{
	char	 c;

	while (read(*(int *)arg, &c, 1) == -1 && errno == EINTR)
		;
	return (NULL);
}

static void
sc_ids_refused(void)
{
	struct spawn	 sp;
	const char	*argv[] = { "true", NULL };

	sc_init(&sp, argv);
	sp.set_ids = 1;
	sp.uid = 0;
	sp.gid = 0;
	sc_fails(&sp, "cannot switch to uid 0, gid 0 for 'true': "
	    "Operation not permitted");
}

/* The Uid: line of one of our threads, whitespace squeezed. */
static void
sc_thread_uid(pid_t tid, char *out, size_t len)
{
	char	 path[64], buf[256];
	FILE	*fp;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/status", (long)tid);
	assert_non_null(fp = fopen(path, "re"));
	out[0] = '\0';
	while (fgets(buf, sizeof(buf), fp) != NULL)
		if (strncmp(buf, "Uid:", 4) == 0)
			snprintf(out, len, "%s", buf);
	fclose(fp);
}

static void
test_set_ids(void **state)
{
	struct spawn	 sp;
	pthread_t	 th;
	gid_t		 groups[] = { 65534, 4 };
	char		 out[SC_OUT_MAX], before[256], after[256];
	int		 p[2], status;
	pid_t		 pid, tid;

	(void)state;
	if (geteuid() != 0) {
		sc_ids_refused();
		return;
	}
	if ((pid = fork()) == 0) {
		if (setgroups(0, NULL) == -1 || setgid(65534) == -1 ||
		    setuid(65534) == -1)
			_exit(2);
		sc_ids_refused();
		_exit(0);
	}
	status = sc_wait(pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(pthread_create(&th, NULL, sc_idle, &p[0]), 0);
	/* Its tid: the one task of ours that is not us. */
	tid = 0;
	{
		DIR		*dp;
		struct dirent	*e;

		assert_non_null(dp = opendir("/proc/self/task"));
		while ((e = readdir(dp)) != NULL)
			if (atol(e->d_name) > 0 && atol(e->d_name) != gettid())
				tid = (pid_t)atol(e->d_name);
		closedir(dp);
	}
	assert_true(tid > 0);
	sc_thread_uid(tid, before, sizeof(before));
	sc_init(&sp, NULL);
	sp.set_ids = 1;
	sp.uid = 65534;
	sp.gid = 65534;
	sp.groups = groups;
	sp.ngroups = 2;
	sc_sh(&sp, "echo $(id -u) $(id -g) $(id -G)", out, sizeof(out));
	assert_string_equal(out, "65534 65534 65534 4\n");
	sc_thread_uid(tid, after, sizeof(after));
	assert_string_equal(after, before);
	sc_thread_uid(gettid(), after, sizeof(after));
	assert_string_equal(after, before);
	assert_int_equal(getuid(), 0);
	close(p[1]);
	pthread_join(th, NULL);
	close(p[0]);
}

/*
 * Many spawns, failing and not: afterwards as many descriptors and
 * mappings as before (the child's stack unmapped each time), no zombie.
 */
static void
test_no_leak(void **state)
{
	struct spawn	 sp;
	const char	*ok[] = { "true", NULL }, *bad[] = { "/nonexistent", NULL };
	char		 err[RUNNER_ERRMSG_MAX];
	int		 fds, maps, k, rc;
	pid_t		 pid;

	(void)state;
	sc_init(&sp, ok);
	assert_int_equal(spawn_child(&sp, &pid, err, sizeof(err)), 0);
	sc_wait(pid);
	fds = t_fd_count(getpid());
	maps = sc_maps();
	for (k = 0; k < SC_MANY; k++) {
		sp.argv = (char *const *)(k % 2 ? ok : bad);
		sp.cwd = k % 3 == 0 ? "/nonexistent" : NULL;
		sp.fd[1] = k % 5 == 0 ? SPAWN_NULL : SPAWN_INHERIT;
		rc = spawn_child(&sp, &pid, err, sizeof(err));
		if (k % 2 == 0 || k % 3 == 0)
			assert_int_equal(rc, -1);
		else {
			assert_int_equal(rc, 0);
			assert_int_equal(sc_wait(pid), 0);
		}
	}
	assert_int_equal(t_fd_count(getpid()), fds);
	assert_true(sc_maps() <= maps + 2);	/* malloc may map a page */
	assert_int_equal(t_procs(getpid(), 'Z', 0, NULL, 0), 0);
	assert_int_equal(t_procs(getpid(), 0, 0, NULL, 0), 0);
}

/*
 * A handler installed, and a storm of SIGUSR1 at our process group (where
 * a child sits until its setsid) while we spawn: the handler runs in us
 * only, never in a child (it would write our memory), and a child ends
 * either as its program did or killed by the signal it had pending.
 */
static void
sc_usr1(int sig)
{
	(void)sig;
	sc_handled++;
	if (getpid() != sc_self)
		sc_in_child = 1;
}

static void
test_signal_storm(void **state)
{
	struct sigaction sa, old;
	struct spawn	 sp;
	const char	*argv[] = { "true", NULL };
	char		 err[RUNNER_ERRMSG_MAX];
	int		 k, status, killed = 0;
	pid_t		 storm, pid;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sc_usr1;	/* no SA_RESTART: EINTR everywhere */
	assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
	if ((storm = fork()) == 0) {
		signal(SIGUSR1, SIG_IGN);
		for (;;)
			kill(0, SIGUSR1);
	}
	assert_true(storm > 0);
	sc_init(&sp, argv);
	for (k = 0; k < SC_MANY; k++) {
		assert_int_equal(spawn_child(&sp, &pid, err, sizeof(err)), 0);
		status = sc_wait(pid);
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR1)
			killed++;
		else
			assert_int_equal(status, 0);
	}
	kill(storm, SIGKILL);
	sc_wait(storm);
	sigaction(SIGUSR1, &old, NULL);
	print_message("%d signals handled, %d children killed by one\n",
	    (int)sc_handled, killed);
	assert_true(sc_handled > 0);
	assert_int_equal(sc_in_child, 0);
}

/*
 * A thread with a 64 KiB stack spawns the script with 12000 arguments
 * (execvpe's copy of their pointers would not fit its stack), while the
 * main thread spawns too.
 */
static void *
sc_small(void *failed)
{
	int	 k;

	for (k = 0; k < 20; k++)
		if (sc_script() == -1)
			(*(int *)failed)++;
	return (NULL);
}

static void
test_small_stack_thread(void **state)
{
	pthread_attr_t	 attr;
	pthread_t	 th;
	struct spawn	 sp;
	char		 out[64];
	int		 k, failed = 0;

	(void)state;
	assert_int_equal(pthread_attr_init(&attr), 0);
	assert_int_equal(pthread_attr_setstacksize(&attr, 64 * 1024), 0);
	assert_int_equal(pthread_create(&th, &attr, sc_small, &failed), 0);
	for (k = 0; k < 50; k++) {
		sc_init(&sp, NULL);
		sc_sh(&sp, "echo $$", out, sizeof(out));
		assert_true(atoi(out) > 0);
	}
	assert_int_equal(pthread_join(th, NULL), 0);
	pthread_attr_destroy(&attr);
	assert_int_equal(failed, 0);
}

static int
sc_child_setup(void **state)
{
	sc_self = getpid();
	/* The storm's group: ours alone, not the runner's. */
	assert_int_equal(setpgid(0, 0), 0);
	sc_setup(state);
	snprintf(sc_script_path, sizeof(sc_script_path), "%s",
	    sc_file("script", 0755, "echo $#\n"));
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chdir_fails),
		cmocka_unit_test(test_exec_fails),
		cmocka_unit_test(test_script_fallback),
		cmocka_unit_test(test_huge_argv),
		cmocka_unit_test(test_set_ids),
		cmocka_unit_test(test_no_leak),
		cmocka_unit_test(test_signal_storm),
		cmocka_unit_test(test_small_stack_thread),
	};

	return (cmocka_run_group_tests(tests, sc_child_setup, sc_teardown));
}
