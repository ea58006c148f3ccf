/*
 * test_pid1.c: runnerd as PID 1 of a fresh PID namespace (`unshare
 * --pid --fork --mount-proc`), as a container engine runs its entry
 * point, checked for what the engine relies on.  PID 1 gets no default
 * signal actions and inherits every orphan of the namespace:
 *
 *  - orphans are reaped: an instance whose grandchildren are orphaned
 *    (reparented to PID 1) and then exit leaves no zombie in the
 *    namespace (read through /proc/INIT/root/proc, the namespace's own
 *    /proc);
 *  - SIGTERM sent to PID 1 from outside, as `docker stop` does, stops
 *    every instance within stop_timeout (one that ignores SIGTERM is
 *    killed at stop_timeout) and runnerd exits 0; SIGINT does the same;
 *    SIGHUP reloads;
 *  - an essential app (on_exit = "shutdown") that ends ends runnerd with
 *    its status, which the engine sees as the container's.
 *
 * Where unshare cannot make the namespace (no CAP_SYS_ADMIN, EPERM in
 * an unprivileged container) the tests are skipped, saying so.  The
 * instances' pids in runnerd's replies are the namespace's, so nothing
 * here records them for the fixture's outside checks: when PID 1 exits
 * the kernel kills what is left in its namespace, so what runnerd did is
 * judged before that, from its log and its timing.
 */

#include "daemon.h"
#include "ctl.h"

/* util-linux's, where Debian puts it (execve: no PATH search). */
#define UNSHARE	"/usr/bin/unshare"

static pid_t	 pid1_init;	/* runnerd, as seen from outside */

static int	 pid1_can(void);
static void	 pid1_start(struct daemon *, const char *);
static int	 pid1_exit(struct daemon *, int, long long *);
static int	 pid1_teardown(void **);
static int	 ns_stat(const char *, long *, char *);
static int	 ns_zombies(void);

/* Can unshare make a PID namespace here?  Says why not, once. */
static int
pid1_can(void)
{
	static int	 can = -1;
	char		*argv[] = { (char *)UNSHARE, (char *)"--pid",
			    (char *)"--fork", (char *)"--mount-proc",
			    (char *)"true", NULL };
	pid_t		 pid;
	int		 status, null;

	if (can != -1)
		return (can);
	if ((pid = fork()) == 0) {
		if ((null = open("/dev/null", O_RDWR)) != -1) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	assert_true(pid > 0);
	assert_true(t_wait_child(pid, &status, T_WAIT_MS));
	can = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (!can)
		print_message("test_pid1: skipped: `unshare --pid --fork "
		    "--mount-proc true` failed (status 0x%x): no PID "
		    "namespace here (needs root or CAP_SYS_ADMIN)\n", status);
	return (can);
}

/*
 * Start runnerd on conf as PID 1 of a new namespace (d->pid is unshare,
 * its parent outside; pid1_init runnerd itself) and wait until it
 * listens.  Skips the test where no namespace can be made.
 */
static void
pid1_start(struct daemon *d, const char *conf)
{
	static char *const wrap[] = { (char *)UNSHARE, (char *)"--pid",
	    (char *)"--fork", (char *)"--mount-proc", NULL };
	char		 path[64], line[256], *p;
	long long	 v;
	FILE		*f;

	if (!pid1_can())
		skip();
	d_spawn(d, conf, wrap);
	d_drain_begin(d);
	d_wait_log(d, d_fmt(d, "runnerd: listening on %s\n", d->sock));
	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/children",
	    (long)d->pid, (long)d->pid);
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_true((v = strtoll(line, NULL, 10)) > 0);
	pid1_init = (pid_t)v;
	/* It is PID 1 where it runs: NSpid's last field. */
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid1_init);
	assert_non_null(f = fopen(path, "r"));
	v = -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "NSpid:", 6) == 0 &&
		    (p = strrchr(line, '\t')) != NULL)
			v = strtoll(p + 1, NULL, 10);
	fclose(f);
	assert_int_equal(v, 1);
}

/*
 * Send sig to PID 1 from outside (0: none; it is to exit by itself) and
 * wait (bounded) for the namespace to end: runnerd's exit status, as
 * unshare passes it on; *ms how long it took.
 */
static int
pid1_exit(struct daemon *d, int sig, long long *ms)
{
	long long	 t0 = t_ms();
	int		 st;

	if (sig != 0)
		assert_int_equal(kill(pid1_init, sig), 0);
	st = d_wait_exit(d);
	if (ms != NULL)
		*ms = t_ms() - t0;
	pid1_init = 0;
	if (!WIFEXITED(st))
		fail_msg("unshare (runnerd) wait status 0x%x", st);
	return (WEXITSTATUS(st));
}

/*
 * A failed test leaves the namespace up: end it through its init (unshare
 * does not pass our signals on), then the usual teardown.
 */
static int
pid1_teardown(void **state)
{
	struct daemon	*d = *state;
	int		 status;

	if (d->pid > 0 && pid1_init > 0) {
		kill(pid1_init, SIGTERM);
		if (!t_wait_child(d->pid, &status, T_WAIT_MS)) {
			kill(pid1_init, SIGKILL);
			waitpid(d->pid, &status, 0);
		}
		d->pid = 0;
	}
	pid1_init = 0;
	return (t_teardown(state));
}

/*
 * Process pid of the namespace, from its own /proc: 0 with its parent
 * (in the namespace) and state, -1 when there is no such process.
 */
static int
ns_stat(const char *pid, long *ppid, char *state)
{
	char	 path[96], line[512], *p;
	FILE	*f;
	int	 ok = -1;

	snprintf(path, sizeof(path), "/proc/%ld/root/proc/%s/stat",
	    (long)pid1_init, pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	/* "pid (comm) S ppid ...": comm may hold anything, ')' last. */
	if (fgets(line, sizeof(line), f) != NULL &&
	    (p = strrchr(line, ')')) != NULL &&
	    sscanf(p + 1, " %c %ld", state, ppid) == 2)
		ok = 0;
	fclose(f);
	return (ok);
}

/* The zombies in the namespace now. */
static int
ns_zombies(void)
{
	char		 path[64], st;
	struct dirent	*e;
	DIR		*dp;
	long		 pp;
	int		 n = 0;

	snprintf(path, sizeof(path), "/proc/%ld/root/proc", (long)pid1_init);
	assert_non_null(dp = opendir(path));
	while ((e = readdir(dp)) != NULL)
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9' &&
		    ns_stat(e->d_name, &pp, &st) == 0 && st == 'Z')
			n++;
	closedir(dp);
	return (n);
}

/*
 * Orphans reaped: orphan.sh double-forks five grandchildren (each
 * subshell exits at once, so each is orphaned) that note their pid and
 * wait for a line on DIR/go.  Once all five are PID 1's children they
 * get their lines and exit: each must be gone from the namespace's
 * /proc (reaped, not a zombie), and no zombie be left there at all.
 */
static void
test_orphans_reaped(void **state)
{
	struct daemon	*d = *state;
	char		 line[32], **pids, st;
	long		 pp;
	long long	 end;
	FILE		*f;
	int		 go, n, i, k;

	d_file(d, "orphan.sh",
	    "i=0\n"
	    "while [ $i -lt 5 ]; do\n"
	    "	(sh -c 'echo $$ >>\"$0/gc\"; read x <\"$0/go\"; exit 3' "
	    "\"$1\" &)\n"
	    "	i=$((i + 1))\n"
	    "done\n"
	    "exec sleep 1000\n");
	assert_int_equal(mkfifo(d_fmt(d, "%s/go", d->dir), 0600), 0);
	/* Held open for writing: a late reader's open never blocks. */
	assert_true((go = open(d_fmt(d, "%s/go", d->dir), O_RDWR |
	    O_CLOEXEC)) >= 0);
	pid1_start(d, d_fmt(d, "apps = { orphans = { command = [\"sh\", "
	    "\"%s/orphan.sh\", \"%s\"]; restart = \"no\"; }; };\n", d->dir,
	    d->dir));
	r_status(CTL(d, "start", "orphans"), 0);

	/* All five noted and orphaned: their parent is PID 1. */
	assert_non_null(pids = d_keep(d, calloc(6, sizeof(*pids))));
	for (end = t_ms() + T_WAIT_MS, n = 0; n < 5; usleep(5000)) {
		if (t_ms() > end)
			fail_msg("only %d of 5 grandchildren orphaned", n);
		if ((f = fopen(d_fmt(d, "%s/gc", d->dir), "r")) == NULL)
			continue;
		for (n = 0; n < 5 && fgets(line, sizeof(line), f) != NULL;
		    n++) {
			line[strcspn(line, "\n")] = '\0';
			pids[n] = d_fmt(d, "%s", line);
			if (ns_stat(pids[n], &pp, &st) == -1 || pp != 1)
				break;
		}
		fclose(f);
	}
	assert_int_equal(write(go, "1\n2\n3\n4\n5\n", 10), 10);
	/* Each exits, and PID 1 (runnerd) reaps it: gone, not a zombie. */
	for (i = 0; i < 5; i++) {
		for (k = 0; k < T_WAIT_MS / 5 &&
		    ns_stat(pids[i], &pp, &st) == 0; k++)
			usleep(5000);
		if (ns_stat(pids[i], &pp, &st) == 0)
			fail_msg("orphan %s left in state %c (parent %ld)",
			    pids[i], st, pp);
	}
	assert_int_equal(ns_zombies(), 0);
	close(go);
	/* The instance lives on, and runnerd still answers. */
	r_status(CTL(d, "status", "--check", "-q", "orphans"), 0);
	assert_int_equal(pid1_exit(d, SIGTERM, NULL), 0);
}

/*
 * SIGTERM to PID 1 from outside: every instance is stopped, the one that
 * ignores SIGTERM killed at its stop_timeout (1 s), and runnerd exits 0,
 * after the timeout and before an engine's grace period (docker stop's
 * 10 s): the upper bound leaves a loaded machine its seconds.
 */
static void
test_sigterm_stops(void **state)
{
	struct daemon	*d = *state;
	long long	 ms;

	pid1_start(d, "apps = {\n"
	    "  deaf = { command = [\"sh\", \"-c\", \"trap '' TERM; "
	    "echo up; while :; do sleep 1; done\"]; ready = \"none\"; "
	    "stop_timeout = 1; restart = \"always\"; autostart = true; };\n"
	    "  quiet = { command = \"sleep 1000\"; instances = 3; "
	    "autostart = true; restart = \"always\"; };\n"
	    "};\n");
	d_wait_log(d, "runnerd: quiet-3: started");
	d_wait_log(d, "runnerd: deaf: started");
	/* deaf's trap is set once it said so: read through runnerd. */
	r_status(CTL(d, "read", "deaf", "--wait", "10"), 0);
	assert_int_equal(pid1_exit(d, SIGTERM, &ms), 0);
	d_wait_log(d, "runnerd: SIGTERM: stopping every instance");
	d_wait_log(d, "runnerd: deaf: still there after 1 s; killing");
	d_wait_log(d, "runnerd: stopped");
	if (ms < 900 || ms > 8000)
		fail_msg("runnerd took %lld ms to exit; stop_timeout is 1 s",
		    ms);
}

/* SIGINT as SIGTERM; SIGHUP reloads (PID 1 has no default action). */
static void
test_sigint_sighup(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	long long	 ms;

	pid1_start(d, "apps = { one = { command = \"sleep 1000\"; "
	    "autostart = true; }; };\n");
	d_wait_log(d, "runnerd: one: started");
	d_file(d, "runner.conf", "apps = { one = { command = \"sleep 1000\"; "
	    "autostart = true; }; two = { command = \"sleep 1000\"; "
	    "autostart = true; }; };\n");
	assert_int_equal(kill(pid1_init, SIGHUP), 0);
	d_wait_log(d, "runnerd: two: started");
	r = CTL(d, "status", "--check");
	r_status(r, 0);
	assert_string_equal(r->out, "2 instances running and ready\n");
	assert_int_equal(pid1_exit(d, SIGINT, &ms), 0);
	d_wait_log(d, "runnerd: SIGINT: stopping every instance");
	/* They ended on the SIGTERM, not killed at stop_timeout (5 s). */
	if (ms > 4500)
		fail_msg("runnerd took %lld ms to exit on SIGINT", ms);
}

/*
 * An essential app's exit ends runnerd, and the container, with its
 * status: 7 for an exit 7, 128 + 9 for a SIGKILL; the other instances
 * are stopped first.
 */
static void
test_essential_exit(void **state)
{
	struct daemon	*d = *state;
	const char	*conf = "apps = {\n"
	    "  main = { command = [\"sh\", \"-c\", \"read x; exit 7\"]; "
	    "autostart = true; restart = \"no\"; on_exit = \"shutdown\"; };\n"
	    "  side = { command = \"sleep 1000\"; autostart = true; };\n"
	    "};\n";

	pid1_start(d, conf);
	d_wait_log(d, "runnerd: side: started");
	r_status(CTL(d, "send", "main", "bye"), 0);
	assert_int_equal(pid1_exit(d, 0, NULL), 7);
	d_wait_log(d, "runnerd: main: essential app main ended; shutting "
	    "down with status 7");
	d_wait_log(d, "runnerd: side: stopping pid");
	d_wait_log(d, "runnerd: stopped");

	/* Killed by a signal: 128 + its number, as a shell says it. */
	d_drain_stop(d);
	free(d->log);
	d->log = NULL;
	pid1_start(d, conf);
	d_wait_log(d, "runnerd: main: started");
	r_status(CTL(d, "kill", "-s", "KILL", "main"), 0);
	assert_int_equal(pid1_exit(d, 0, NULL), 128 + SIGKILL);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, t_setup_bare, pid1_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_orphans_reaped),
		T(test_sigterm_stops),
		T(test_sigint_sighup),
		T(test_essential_exit),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
