/*
 * test_spawn_fds.c: what spawn_child (lib/spawn.c) gives the child, with
 * real programs: descriptors 0-2 from any of the caller's, each other's
 * too (a rotation, a swap), /dev/null (with the caller's own 0 closed),
 * the extra descriptor at 3, at 4, at its own number or from below 3,
 * and nothing else open though the caller holds descriptors without
 * close-on-exec; its own session and group, default dispositions and an
 * empty mask, the environment and directory asked; the descriptor limit
 * set for children, or the caller's; and the parent-death signal, per
 * spawn or for all; the same with descriptors parked (spawn_park).
 * test_spawn_child.c drives the failures.
 */

#include "spawn.h"

/*
 * The extra descriptor at 3, at 4, at its own number, and from below 3;
 * and nothing else of ours open in the child, though we hold many
 * descriptors without close-on-exec.
 */
static void
sc_extra(int from, int as)
{
	struct spawn	 sp;
	char		 out[SC_OUT_MAX], script[128], want[64];
	int		 p[2], src, k;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	if (from >= 0) {
		assert_int_equal(dup3(p[1], from, O_CLOEXEC), from);
		src = from;
	} else
		src = p[1];
	sc_init(&sp, NULL);
	sp.fd[0] = SPAWN_NULL;		/* ours may be the extra's source */
	sp.extra_fd = src;
	sp.extra_as = as;
	snprintf(script, sizeof(script),
	    "echo x >/proc/$$/fd/%d; ls /proc/$$/fd", as);
	sc_sh(&sp, script, out, sizeof(out));
	snprintf(want, sizeof(want), "0\n1\n2\n%d\n", as);
	assert_string_equal(out, want);
	close(p[1]);
	if (from >= 0 && from != p[1])
		close(from);
	k = (int)sc_slurp(p[0], out, sizeof(out));
	assert_int_equal(k, 2);
	assert_string_equal(out, "x\n");
	close(p[0]);
}

static void
test_extra_fd(void **state)
{
	int	 leak[40], k, saved;

	(void)state;
	for (k = 0; k < 40; k++)	/* careless: no close-on-exec */
		assert_true((leak[k] = open("/dev/null", O_RDONLY)) >= 0);
	sc_extra(-1, 3);
	sc_extra(-1, 4);
	sc_extra(70, 70);		/* already where it goes */
	sc_extra(71, 3);
	/* From 0, below the child's 0-2, moved out of the way. */
	assert_true((saved = dup(0)) >= 0);
	sc_extra(0, 5);
	assert_int_equal(dup2(saved, 0), 0);
	close(saved);
	for (k = 0; k < 40; k++)
		close(leak[k]);
}

/*
 * 0-2 given as each other's sources: our 0, 1 and 2 are three pipes,
 * the child's 0 is our 1, its 1 our 2, its 2 our 0; then 0 and 1
 * swapped, 2 its own.  Each pipe tells which of the child's it was.
 */
static void
sc_rotate(const int src[3], const char *want[3])
{
	struct spawn	 sp;
	const char	*argv[] = { "sh", "-c",
	    "echo zero >&0; echo one >&1; echo two >&2", NULL };
	char		 out[64], err[RUNNER_ERRMSG_MAX];
	int		 saved[3], p[3][2], k, rc;
	pid_t		 pid;

	for (k = 0; k < 3; k++) {
		assert_int_equal(pipe2(p[k], O_CLOEXEC), 0);
		assert_true((saved[k] = fcntl(k, F_DUPFD_CLOEXEC, 3)) >= 0);
	}
	sc_init(&sp, argv);
	for (k = 0; k < 3; k++) {
		dup2(p[k][1], k);	/* checked below, once 0-2 are back */
		sp.fd[k] = src[k];
	}
	rc = spawn_child(&sp, &pid, err, sizeof(err));
	for (k = 0; k < 3; k++) {
		dup2(saved[k], k);
		close(saved[k]);
		close(p[k][1]);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(sc_wait(pid), 0);
	for (k = 0; k < 3; k++) {
		sc_slurp(p[k][0], out, sizeof(out));
		close(p[k][0]);
		assert_string_equal(out, want[k]);
	}
}

static void
test_fds_each_other(void **state)
{
	const int	 rot[3] = { 1, 2, 0 }, swap[3] = { 1, 0, 2 };
	const char	*rotw[3] = { "two\n", "zero\n", "one\n" };
	const char	*swapw[3] = { "one\n", "zero\n", "two\n" };

	(void)state;
	sc_rotate(rot, rotw);
	sc_rotate(swap, swapw);
}

/* SPAWN_NULL on 0-2, even with our own 0 closed (the pipe lands there). */
static void
test_null(void **state)
{
	struct spawn	 sp;
	char		 out[SC_OUT_MAX];
	int		 saved;

	(void)state;
	sc_init(&sp, NULL);
	sp.fd[0] = sp.fd[2] = SPAWN_NULL;
	sc_sh(&sp, "readlink /proc/$$/fd/0 /proc/$$/fd/2", out, sizeof(out));
	assert_string_equal(out, "/dev/null\n/dev/null\n");
	assert_true((saved = fcntl(0, F_DUPFD_CLOEXEC, 3)) >= 0);
	close(0);
	sc_init(&sp, NULL);
	sp.fd[0] = SPAWN_NULL;
	sp.fd[2] = SPAWN_NULL;
	sc_sh(&sp, "readlink /proc/$$/fd/0; echo >&2 hidden", out,
	    sizeof(out));
	assert_int_equal(dup2(saved, 0), 0);
	close(saved);
	assert_string_equal(out, "/dev/null\n");
}

/*
 * What the child starts from: its own session and group, no signal
 * blocked or ignored though we block SIGUSR2 and ignore SIGPIPE, the
 * environment asked (nothing else of ours) and the directory asked.
 */
static void
test_child_state(void **state)
{
	struct spawn	 sp;
	const char	*env[] = { "PATH=/usr/bin:/bin", "A=1", NULL };
	char		 out[SC_OUT_MAX], want[SC_OUT_MAX];
	sigset_t	 usr2, old;
	void		(*pipe_was)(int);

	(void)state;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &usr2, &old);
	pipe_was = signal(SIGPIPE, SIG_IGN);
	sc_init(&sp, NULL);
	sp.env = (char *const *)env;
	sp.cwd = sc_dir;
	sc_sh(&sp, "s=$(cut -d' ' -f6 /proc/$$/stat); "
	    "g=$(cut -d' ' -f5 /proc/$$/stat); "
	    "[ $s = $$ ] && [ $g = $$ ] && echo leader; "
	    "grep -E '^Sig(Blk|Ign)' /proc/$$/status | tr -s '\\t' ' '; "
	    "echo A=$A HOME=${HOME-unset}; pwd", out, sizeof(out));
	signal(SIGPIPE, pipe_was);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/*
	 * glibc's sigaction may not touch the two signals it keeps for
	 * itself (32, 33): what we ignore of them, the child does too.
	 * Nothing ignores them natively; valgrind and ASan's runtime do.
	 */
	snprintf(want, sizeof(want), "leader\nSigBlk: 0000000000000000\n"
	    "SigIgn: %016llx\nA=1 HOME=unset\n%s\n", sc_sigign_self() &
	    0x180000000ULL, sc_dir);
	assert_string_equal(out, want);
}

/*
 * The parent-death signal: a process of ours spawns a sleeper with it
 * (per spawn, then the global one), says its pid and exits; the sleeper
 * (ours then: we are a subreaper) is killed by that signal.  And the
 * children's descriptor limit (spawn_child_nofile), given instead of
 * the spawner's own.
 */
static void
sc_orphan(int per_spawn)
{
	struct spawn	 sp;
	const char	*argv[] = { "sleep", "100", NULL };
	char		 err[RUNNER_ERRMSG_MAX];
	int		 p[2], status;
	pid_t		 mid, pid = 0;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	if ((mid = fork()) == 0) {
		sc_init(&sp, argv);
		if (per_spawn)
			sp.pdeathsig = SIGTERM;
		else
			spawn_parent_death(SIGTERM);
		if (spawn_child(&sp, &pid, err, sizeof(err)) == -1)
			_exit(1);
		(void)!write(p[1], &pid, sizeof(pid));
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &pid, sizeof(pid)), sizeof(pid));
	close(p[0]);
	assert_int_equal(sc_wait(mid), 0);
	status = sc_wait(pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGTERM);
}

static void
test_parent_death(void **state)
{
	(void)state;
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	sc_orphan(1);
	sc_orphan(0);
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0), 0);
}

static void
test_nofile(void **state)
{
	struct rlimit	 rl, child;
	struct spawn	 sp;
	char		 out[SC_OUT_MAX], want[64];
	int		 status;
	pid_t		 pid;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (sc_valgrind())
		print_message("under valgrind: spawn_child_nofile skipped\n");
	else {
		if ((pid = fork()) == 0) {
			child.rlim_cur = 200;
			child.rlim_max = rl.rlim_max;
			spawn_child_nofile(&child);
			sc_init(&sp, NULL);
			sc_sh(&sp, "ulimit -n", out, sizeof(out));
			_exit(strcmp(out, "200\n") == 0 ? 0 : 1);
		}
		status = sc_wait(pid);
		assert_int_equal(status, 0);
	}
	/*
	 * Unset, the child has ours: the kernel's (valgrind shows its
	 * client a lower one), as /proc tells.
	 */
	sc_init(&sp, NULL);
	sc_sh(&sp, "ulimit -n", out, sizeof(out));
	sc_sh(&sp, "sed -n 's/^Max open files *\\([0-9]*\\) .*/\\1/p' "
	    "/proc/$PPID/limits", want, sizeof(want));
	assert_string_equal(out, want);
}

/*
 * All of the above again with descriptors parked (spawn_park: the child
 * shares our table until it copies the low end, where its own were put),
 * behind a thousand more of ours the child must not get: each pipe
 * still ends when the child and we close ours (test_extra_fd reads its
 * to the end), so no parked number kept one; an exec failure is still
 * told through the error pipe, parked too.  Under valgrind, whose clone
 * takes no CLONE_FILES, the fallback (a copy) is what runs.
 */
static void
test_parked(void **state)
{
	struct spawn	 sp;
	struct pollfd	 pfd;
	const char	*argv[] = { "/nonexistent/prog", NULL };
	const char	*truth[] = { "true", NULL };
	char		 out[SC_OUT_MAX], err[RUNNER_ERRMSG_MAX];
	int		 many[1000], k, p[2];
	pid_t		 pid;

	alarm(120);	/* a parked copy of a pipe end hangs a read: fail */
	assert_int_equal(spawn_park(), 0);
	assert_int_equal(spawn_park(), 0);	/* once is enough */
	for (k = 0; k < 1000; k++)
		assert_true((many[k] = open("/dev/null", O_RDONLY |
		    O_CLOEXEC)) >= 0);
	/* The child gone and our end closed, the pipe ends (no hang). */
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	sc_init(&sp, truth);
	sp.fd[1] = p[1];
	assert_int_equal(spawn_child(&sp, &pid, err, sizeof(err)), 0);
	close(p[1]);
	assert_int_equal(sc_wait(pid), 0);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(read(p[0], out, sizeof(out)), 0);
	close(p[0]);
	test_extra_fd(state);
	test_fds_each_other(state);
	test_null(state);
	sc_init(&sp, NULL);
	sc_sh(&sp, "ls /proc/$$/fd", out, sizeof(out));
	assert_string_equal(out, "0\n1\n2\n");
	sc_init(&sp, argv);
	sc_fails(&sp, "cannot execute '/nonexistent/prog': "
	    "No such file or directory");
	for (k = 0; k < 1000; k++)
		close(many[k]);
	alarm(0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extra_fd),
		cmocka_unit_test(test_fds_each_other),
		cmocka_unit_test(test_null),
		cmocka_unit_test(test_child_state),
		cmocka_unit_test(test_parent_death),
		cmocka_unit_test(test_nofile),
		cmocka_unit_test(test_parked),	/* last: parks for good */
	};

	return (cmocka_run_group_tests(tests, sc_setup, sc_teardown));
}
