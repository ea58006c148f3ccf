/*
 * test_daemon.c: runnerd as a whole: shutdown and signals leave no
 * process behind, stop escalates to SIGKILL, a second runnerd on a live
 * socket refuses, a stale socket is replaced, -n checks, SIGHUP reloads,
 * autostart, sessions and reaping.
 */

#include "daemon.h"

/* Start a mixed set of instances, the stubborn one included. */
static void
start_many(struct client *c)
{
	cl_start(c, "cat", "c1");
	cl_start(c, "cat", "c2");
	cl_start(c, "silent", "s1");
	cl_start(c, "stubborn", "st1");
	cl_start(c, "echo", "e1");
	cl_start(c, "bye", "b1");
	/* Their pids come from status too (sessions of grandchildren). */
	j_ok(cl_call(c, "status", NULL));
}

/* shutdown: ok, then every instance stopped, socket removed, exit 0. */
static void
test_shutdown(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;

	start_many(c);
	j = cl_call(c, "shutdown", NULL);
	assert_int_equal(json_len(j, j_ok(j)), 0);
	assert_int_equal(d_wait_exit(d), 0);
	d_assert_clean_exit(d);
}

/* shutdown does not wait for a client's long read. */
static void
test_shutdown_with_waiting_client(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *w = cl_open(d);

	cl_start(c, "cat", "c1");
	cl_req(w, "read", "{\"alias\": \"c1\", \"wait\": 60}");
	cl_wait_taken(w);	/* waiting, not read with the shutdown */
	j_ok(cl_call(c, "shutdown", "{}"));
	assert_int_equal(d_wait_exit(d), 0);
	d_assert_clean_exit(d);
}

/* While shutting down, runnerd still answers, but starts nothing: EPERM. */
static void
test_shutdown_refuses_start(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;

	/* stubborn takes stop_timeout (0.5 s) to go: a window. */
	cl_start(c, "stubborn", "st1");
	cl_read_expect(c, "st1", "ready\n", 6);
	cl_sendf(c, "{\"tag\": 1, \"cmd\": \"shutdown\"}\n"
	    "{\"tag\": 2, \"cmd\": \"start\", \"ext\": {\"app\": \"cat\", "
	    "\"alias\": \"late\"}}\n");
	j_ok(cl_reply_tag(c, 1));
	j = cl_reply_tag(c, 2);
	assert_non_null(strstr(j_err(j, "EPERM"), "shutting down"));
	assert_int_equal(d_wait_exit(d), 0);
	d_assert_clean_exit(d);
}

/* SIGTERM: the same, from the outside. */
static void
test_sigterm(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);

	start_many(c);
	d_stop(d, SIGTERM);
}

/* SIGINT: the same. */
static void
test_sigint(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);

	start_many(c);
	d_stop(d, SIGINT);
}

/* An instance that ignores its stop signal is killed after stop_timeout. */
static void
test_stop_escalates(void **state)
{
	struct daemon	*d = *state;
	struct client	*s = cl_open(d), *c = cl_open(d);
	struct json	*j;
	char		*name;
	long long	 t0;
	int		 ext;
	pid_t		 pid;

	j_ok(cl_call(s, "subscribe", NULL));
	pid = cl_start(c, "stubborn", "st1");
	cl_read_expect(c, "st1", "ready\n", 6);	/* its trap is set */
	t0 = t_ms();
	j_ok(cl_call(c, "stop", "{\"alias\": \"st1\"}"));
	assert_true(t_ms() - t0 >= 400);
	assert_false(t_alive(pid));
	assert_int_equal(t_session_empty(pid, NULL), 0);
	for (;;) {
		j = cl_event(s, &name);
		if (strcmp(name, "exited") == 0)
			break;
	}
	ext = json_get(j, 0, "ext");
	assert_string_equal(j_str(j, j_type(j, ext, "status", JSON_OBJECT),
	    "signal"), "SIGKILL");
}

/* Instances run in their own session, as its leader. */
static void
test_instance_session(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	long		 ppid, sid;
	pid_t		 pid;

	pid = cl_start(c, "cat", "c1");
	assert_true(t_state(pid, &ppid, &sid) != 0);
	assert_int_equal(sid, pid);
	assert_int_equal(ppid, d->pid);
}

/* Instances that end by themselves are reaped: no zombie. */
static void
test_exits_reaped(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	pid_t		 p[4];
	int		 i;

	p[0] = cl_start(c, "bye", "b1");
	p[1] = cl_start(c, "bye", "b2");
	p[2] = cl_start(c, "fail3", "f1");
	p[3] = cl_start(c, "once", "o1");
	j_ok(cl_call(c, "write", "{\"alias\": \"f1\", \"text\": \"\\n\"}"));
	j_ok(cl_call(c, "write", "{\"alias\": \"o1\", \"text\": \"\\n\"}"));
	for (i = 0; i < 4; i++)
		assert_true(t_wait_gone(p[i]));
	d_no_zombies(d);
	for (i = 0; i < 4; i++)
		assert_int_equal(kill(p[i], 0), -1);
}

/* A second runnerd on a socket that answers refuses to start. */
static void
test_second_daemon_refuses(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct run	*r;
	struct stat	 st;
	char		*argv[] = { d->runnerd, (char *)"-c", d->conf,
			    (char *)"-s", d->sock, NULL };

	cl_start(c, "cat", "c1");
	r = t_run(d, argv, NULL, 0);
	if (r->status == 0)
		fail_msg("a second runnerd exited 0: %s", r->err);
	assert_true(strlen(r->err) > 0);
	assert_non_null(strstr(r->err, "runnerd"));
	/* The first goes on, on the same socket. */
	assert_int_equal(lstat(d->sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	j_ok(cl_call(c, "hello", NULL));
	cl_close(c);
	c = cl_open(d);
	j_ok(cl_call(c, "status", "{\"alias\": \"c1\"}"));
}

/* A stale socket file (nobody listening) is replaced. */
static void
test_stale_socket_replaced(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;

	t_stale_socket(d->sock);
	d_start(d, d_default_conf(d));
	c = cl_open(d);
	j_ok(cl_call(c, "hello", NULL));
}

/* Something that is not a socket is never deleted: runnerd refuses. */
static void
test_socket_path_not_socket(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	struct stat	 st;
	char		*argv[] = { d->runnerd, (char *)"-c", d->conf,
			    (char *)"-s", d->sock, NULL };

	d_file(d, "runner.conf", d_default_conf(d));
	d_file(d, "runnerd.sock", "precious\n");
	r = t_run(d, argv, NULL, 0);
	assert_true(r->status != 0);
	assert_true(strlen(r->err) > 0);
	assert_int_equal(lstat(d->sock, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 9);
}

/* runnerd -n: 0 for a valid configuration, 1 with FILE:LINE otherwise. */
static void
test_check_config(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	char		*bad, *argv[] = { d->runnerd, (char *)"-n",
			    (char *)"-c", NULL, NULL };

	argv[3] = d_file(d, "runner.conf", d_default_conf(d));
	r = t_run(d, argv, NULL, 0);
	assert_int_equal(r->status, 0);
	bad = d_file(d, "bad.conf", "apps = {\n  cat = { command = \"cat\";"
	    " };\n  dog = { type = \"stdio\"; };\n};\n");
	argv[3] = bad;
	r = t_run(d, argv, NULL, 0);
	assert_int_equal(r->status, 1);
	assert_non_null(strstr(r->err, d_fmt(d, "%s:3: apps.dog: missing "
	    "'command'", bad)));
}

/* A broken configuration file: runnerd does not start. */
static void
test_broken_config_refused(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	struct stat	 st;
	char		*argv[] = { d->runnerd, (char *)"-c", d->conf,
			    (char *)"-s", d->sock, NULL };

	d_file(d, "runner.conf", "apps = {\n cat = ;\n};\n");
	r = t_run(d, argv, NULL, 0);
	assert_true(r->status != 0);
	assert_non_null(strstr(r->err, d_fmt(d, "%s:2: syntax error",
	    d->conf)));
	assert_int_equal(lstat(d->sock, &st), -1);
}

/* Wait (bounded) until apps lists n apps. */
static void
wait_apps(struct client *c, int n)
{
	struct json	*j;
	long long	 end = t_ms() + T_WAIT_MS;

	for (;;) {
		j = cl_call(c, "apps", NULL);
		if (json_len(j, j_type(j, j_ok(j), "apps", JSON_ARRAY)) == n)
			return;
		if (t_ms() > end)
			fail_msg("apps does not list %d apps: %.300s", n,
			    json_raw(j, 0, NULL));
		usleep(20000);
	}
}

/* SIGHUP reloads the file; running instances go on; a broken file is kept out. */
static void
test_sighup_reloads(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	size_t		 mark;
	pid_t		 pid;

	pid = cl_start(c, "cat", "c1");
	d_file(d, "runner.conf", "apps = {\n  cat = { command = \"cat\"; };\n"
	    "  dog = { command = \"cat\"; };\n};\n");
	mark = d_log_mark(d);
	assert_int_equal(kill(d->pid, SIGHUP), 0);
	d_wait_log_from(d, mark, "reloaded");
	wait_apps(c, 2);
	cl_start(c, "dog", "d1");
	assert_true(t_alive(pid));

	d_file(d, "runner.conf", "apps = {\n  cat = ;\n};\n");
	mark = d_log_mark(d);
	assert_int_equal(kill(d->pid, SIGHUP), 0);
	d_wait_log_from(d, mark, "keeping the running configuration");
	assert_true(t_alive(d->pid));
	wait_apps(c, 2);
	cl_start(c, "dog", "d2");
}

/* autostart apps run from the start; the others do not. */
static void
test_autostart(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;
	struct json	*j;
	int		 a, e, i;

	d_start(d, "apps = {\n"
	    "  auto = { command = \"cat\"; autostart = true; };\n"
	    "  manual = { command = \"cat\"; };\n};\n");
	c = cl_open(d);
	cl_wait_state(c, "auto", "running", &j);
	assert_int_equal(cl_status_of(c, "manual", &j), -1);
	j = cl_call(c, "apps", NULL);
	a = j_type(j, j_ok(j), "apps", JSON_ARRAY);
	assert_int_equal(json_len(j, a), 2);
	for (i = 0; i < 2; i++) {
		e = json_at(j, a, i);
		assert_int_equal(j_bool(j, e, "autostart"),
		    json_streq(j, json_get(j, e, "name"), "auto"));
	}
}

#define T(f)	cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)
#define TB(f)	cmocka_unit_test_setup_teardown(f, t_setup_bare, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_shutdown),
		T(test_shutdown_with_waiting_client),
		T(test_shutdown_refuses_start),
		T(test_sigterm),
		T(test_sigint),
		T(test_stop_escalates),
		T(test_instance_session),
		T(test_exits_reaped),
		T(test_second_daemon_refuses),
		TB(test_stale_socket_replaced),
		TB(test_socket_path_not_socket),
		TB(test_check_config),
		TB(test_broken_config_refused),
		T(test_sighup_reloads),
		TB(test_autostart),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
