/*
 * test_ctl_ui.c: runnerctl for a person at a terminal: the status table
 * is coloured on a terminal (a pty here), never in a pipe and never with
 * NO_COLOR; `status -w` prints the table again until interrupted;
 * --help, COMMAND --help and --version.
 */

#include <pty.h>

#include "daemon.h"
#include "ctl.h"

/*
 * Run runnerctl ARGS with stdout on a pseudo-terminal, NO_COLOR set to
 * nocolor (NULL: unset); what it printed (kept), after it exited 0.
 */
static char *
pty_run(struct daemon *d, const char *nocolor, const char *arg1,
    const char *arg2)
{
	char		*argv[4], **envp, buf[4096];
	struct buf	 out;
	size_t		 n, k;
	ssize_t		 got;
	pid_t		 pid;
	int		 master, slave, status, null;

	for (n = 0; d->envp[n] != NULL; n++)
		;
	assert_non_null(envp = calloc(n + 3, sizeof(*envp)));
	for (k = 0, n = 0; d->envp[n] != NULL; n++)
		if (strncmp(d->envp[n], "NO_COLOR=", 9) != 0 &&
		    strncmp(d->envp[n], "TERM=", 5) != 0)
			envp[k++] = d->envp[n];
	envp[k++] = (char *)"TERM=xterm";
	if (nocolor != NULL)
		envp[k++] = d_fmt(d, "NO_COLOR=%s", nocolor);
	argv[0] = d->runnerctl;
	argv[1] = (char *)arg1;
	argv[2] = (char *)arg2;
	argv[3] = NULL;
	assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
	assert_true((null = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0);
	if ((pid = fork()) == 0) {
		dup2(null, 0);
		dup2(slave, 1);
		dup2(null, 2);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	assert_true(pid > 0);
	close(slave);
	close(null);
	free(envp);
	buf_init(&out);
	/* Until the slave's last holder is gone: EIO (Linux) or EOF. */
	while ((got = read(master, buf, sizeof(buf))) > 0)
		assert_int_equal(buf_add(&out, buf, (size_t)got), 0);
	close(master);
	assert_true(t_wait_child(pid, &status, T_WAIT_MS));
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	buf_addc(&out, '\0');
	return (d_keep(d, buf_take(&out)));
}

/* On a terminal the state is coloured; NO_COLOR and pipes are plain. */
static void
test_status_colour(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct run	*r;
	char		*out;

	cl_start(c, "cat", "c1");
	out = pty_run(d, NULL, "status", NULL);
	assert_non_null(strstr(out, "\033[32mrunning\033[0m"));
	out = pty_run(d, "1", "status", NULL);
	assert_null(strchr(out, '\033'));
	assert_non_null(strstr(out, "running"));
	/* An empty NO_COLOR does not count (no-color.org). */
	out = pty_run(d, "", "status", NULL);
	assert_non_null(strstr(out, "\033[32m"));
	r = CTL(d, "status");
	r_status(r, 0);
	assert_null(strchr(r->out, '\033'));
}

/* status -w prints the table again and again until interrupted. */
static void
test_status_watch(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct buf	 out;
	char		 buf[4096], *argv[4];
	long long	 end = t_ms() + T_WAIT_MS;
	const char	*p;
	ssize_t		 n;
	pid_t		 pid;
	int		 po[2], status, tables = 0;

	cl_start(c, "cat", "c1");
	argv[0] = d->runnerctl;
	argv[1] = (char *)"status";
	argv[2] = (char *)"-w";
	argv[3] = NULL;
	assert_int_equal(pipe2(po, O_CLOEXEC), 0);
	if ((pid = fork()) == 0) {
		dup2(po[1], 1);
		execve(argv[0], argv, d->envp);
		_exit(127);
	}
	assert_true(pid > 0);
	close(po[1]);
	buf_init(&out);
	/* Two tables: the second comes after a refresh. */
	while (tables < 2 && t_ms() < end) {
		if (fd_wait(po[0], POLLIN, clock_now() + 1.5) != 1)
			continue;
		if ((n = read(po[0], buf, sizeof(buf))) <= 0)
			break;
		assert_int_equal(buf_add(&out, buf, (size_t)n), 0);
		buf_addc(&out, '\0');
		tables = 0;
		for (p = buf_head(&out); (p = strstr(p, "ALIAS ")) != NULL;
		    p++)
			tables++;
		out.len--;
	}
	assert_int_equal(kill(pid, SIGINT), 0);
	assert_true(t_wait_child(pid, &status, T_WAIT_MS));
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT);
	close(po[0]);
	assert_int_equal(tables, 2);
	buf_free(&out);
}

/* --help lists every command; COMMAND --help shows one; --version. */
static void
test_help_version(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	r = CTL(d, "--help");
	r_status(r, 0);
	assert_non_null(strstr(r->out, "  status [ALIAS|APP...] [-w | --check [-q]]\n"));
	assert_non_null(strstr(r->out, "  logs ALIAS [-f] [-n LINES]\n"));
	r = CTL(d, "start", "--help");
	r_status(r, 0);
	assert_non_null(strstr(r->out, "usage: runnerctl [-s SOCKET | -H HOST] "
	    "[--json] start APP"));
	assert_non_null(strstr(r->out, "[--no-wait]"));
	r = CTL(d, "--version");
	r_status(r, 0);
	assert_string_equal(r->out, "runnerctl " RUNNER_VERSION "\n");
	r = CTL(d, "status", "-x");
	r_status(r, 2);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_status_colour),
		T(test_status_watch),
		T(test_help_version),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
