/*
 * test_ctl.c: the real runnerctl against the real runnerd: the mission's
 * flow, its output (table, --json, raw bytes) and its exit statuses:
 * 0 done, 1 refused (code and message on stderr), 2 usage, 3 no daemon.
 * A raw client checks what runnerctl did.
 */

#include "daemon.h"

/* Wait (bounded) until alias holds at least n unread bytes. */
static void
wait_buffered(struct client *c, const char *alias, long long n)
{
	struct json	*j;
	long long	 end = t_ms() + T_WAIT_MS;
	int		 e;

	while ((e = cl_status_of(c, alias, &j)) == -1 ||
	    j_int(j, e, "buffered") < n) {
		if (t_ms() > end)
			fail_msg("'%s' does not buffer %lld bytes", alias, n);
		usleep(10000);
	}
}

/* The pid of alias, from a raw status. */
static pid_t
pid_of(struct client *c, const char *alias)
{
	struct json	*j;
	int		 e;

	if ((e = cl_status_of(c, alias, &j)) == -1)
		fail_msg("status does not list '%s'", alias);
	return ((pid_t)j_int(j, e, "pid"));
}

/* The mission: start, send, read, status, stop. */
static void
test_ctl_mission(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct run	*r;
	pid_t		 pid;

	r_status(CTL(d, "start", "cat", "--alias", "c1"), 0);
	pid = pid_of(c, "c1");
	assert_true(t_alive(pid));
	r_status(CTL(d, "send", "c1", "hello"), 0);
	wait_buffered(c, "c1", 6);
	r = CTL(d, "read", "c1");
	r_status(r, 0);
	assert_int_equal(r->outlen, 6);
	assert_string_equal(r->out, "hello\n");
	r = CTL(d, "status");
	r_status(r, 0);
	assert_non_null(strstr(r->out, "c1"));
	r_status(CTL(d, "stop", "c1"), 0);
	assert_false(t_alive(pid));
	/* The alias is free again. */
	r_status(CTL(d, "start", "cat", "--alias", "c1", "--strict"), 0);
}

/* The i-th line of s (kept), or NULL. */
static char *
line_of(struct daemon *d, const char *s, int i)
{
	const char	*e;

	for (; i > 0 && s != NULL; i--)
		if ((s = strchr(s, '\n')) != NULL)
			s++;
	if (s == NULL || *s == '\0')
		return (NULL);
	e = strchr(s, '\n');
	return (d_keep(d, strndup(s, e != NULL ? (size_t)(e - s) :
	    strlen(s))));
}

/* status: a header, then one aligned row per instance. */
static void
test_ctl_status_table(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct run	*r;
	char		*head, *row, *p;
	int		 i, found = 0;
	pid_t		 pid;

	pid = cl_start(c, "cat", "c1");
	cl_start(c, "silent", "s1");
	r = CTL(d, "status");
	r_status(r, 0);
	assert_non_null(head = line_of(d, r->out, 0));
	for (p = head; *p != '\0'; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	assert_non_null(strstr(head, "ALIAS"));
	assert_non_null(strstr(head, "APP"));
	assert_non_null(strstr(head, "PID"));
	assert_non_null(strstr(head, "STATE"));
	for (i = 1; (row = line_of(d, r->out, i)) != NULL; i++) {
		if (strncmp(row, "c1 ", 3) != 0)
			continue;
		found++;
		assert_non_null(strstr(row, "cat"));
		assert_non_null(strstr(row, d_fmt(d, "%ld", (long)pid)));
		assert_non_null(strstr(row, "running"));
	}
	assert_int_equal(found, 1);
	assert_int_equal(i, 3);		/* header, c1, s1 */

	r = CTL(d, "status", "c1");
	r_status(r, 0);
	assert_null(strstr(r->out, "s1"));
	r = CTL(d, "status", "nope");
	r_status(r, 1);
	assert_true(strncmp(r->err, "runnerctl: ENOALIAS: ", 21) == 0);
}

/* --json status: valid JSON, with the instance in it. */
static void
test_ctl_json_status(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct run	*r;
	struct json	*j;
	char		 why[256];
	int		 a;
	pid_t		 pid;

	pid = cl_start(c, "cat", "c1");
	r = CTL(d, "--json", "status");
	r_status(r, 0);
	if ((j = json_parse(r->out, r->outlen, why, sizeof(why))) == NULL)
		fail_msg("--json status is not JSON (%s): %s", why, r->out);
	d_keepj(d, j);
	assert_int_equal(json_type(j, 0), JSON_OBJECT);
	/* The reply, or its ext. */
	if ((a = json_get(j, 0, "instances")) == -1)
		a = json_get(j, json_get(j, 0, "ext"), "instances");
	assert_int_equal(json_type(j, a), JSON_ARRAY);
	assert_int_equal(json_len(j, a), 1);
	assert_int_equal(j_int(j, json_at(j, a, 0), "pid"), pid);
	r = CTL(d, "--json", "start", "cat", "--alias", "c2");
	r_status(r, 0);
	assert_int_equal(json_valid(r->out, r->outlen, why, sizeof(why)), 0);
}

/* Refused: exit 1, "runnerctl: CODE: message" on stderr. */
static void
test_ctl_exit_refused(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	r = CTL(d, "start", "kat");
	r_status(r, 1);
	assert_string_equal(r->err, d_fmt(d, "runnerctl: ENOAPP: no app "
	    "named 'kat' (in %s)\n", d->conf));
	assert_int_equal(r->outlen, 0);
	r = CTL(d, "stop", "nope");
	r_status(r, 1);
	assert_true(strncmp(r->err, "runnerctl: ENOALIAS: ", 21) == 0);
	r_status(CTL(d, "start", "cat", "--alias", "c1", "--strict"), 0);
	r = CTL(d, "start", "cat", "--alias", "c1", "--strict");
	r_status(r, 1);
	assert_true(strncmp(r->err, "runnerctl: EEXIST: ", 19) == 0);
	/* Without --strict it is fine. */
	r_status(CTL(d, "start", "cat", "--alias", "c1"), 0);
	r = CTL(d, "start", "noexec");
	r_status(r, 1);
	assert_true(strncmp(r->err, "runnerctl: ESPAWN: cannot execute ",
	    34) == 0);
}

/* Usage errors: exit 2, a message, nothing done. */
static void
test_ctl_exit_usage(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	struct run	*r;
	const char	*none = d_fmt(d, "%s/none.sock", d->dir);

	r = CTL(d, "frobnicate");
	r_status(r, 2);
	assert_true(r->errlen > 0);
	r_status(CTL(d, "start"), 2);
	r_status(CTL(d, "send"), 2);
	r_status(CTL(d, "read"), 2);
	r_status(CTL(d, "restart"), 2);
	r_status(CTL(d, "attach"), 2);
	r_status(CTL(d, "stop"), 2);
	r_status(CTL(d, "read", "c1", "--wait", "soon"), 2);
	r_status(CTL(d, "start", "cat", "--alias"), 2);
	r_status(CTL(d, "start", "cat", "--bogus"), 2);
	r_status(CTL(d, "--bogus", "status"), 2);
	r_status(ctl_sock(d, d->sock, (char *)NULL), 2);
	/* Usage is checked before any daemon is looked for. */
	r = ctl_sock(d, none, "frobnicate", (char *)NULL);
	r_status(r, 2);
	/* Nothing was started. */
	j = cl_call(c, "status", NULL);
	assert_int_equal(json_len(j, j_type(j, j_ok(j), "instances",
	    JSON_ARRAY)), 0);
}

/* No daemon: exit 3, and start --no-autostart starts none. */
static void
test_ctl_exit_no_daemon(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	const char	*none = d_fmt(d, "%s/none.sock", d->dir);
	const char	*stale = d_fmt(d, "%s/stale.sock", d->dir);

	r = ctl_sock(d, none, "status", (char *)NULL);
	r_status(r, 3);
	assert_true(strncmp(r->err, "runnerctl: ", 11) == 0);
	r_status(ctl_sock(d, none, "ping", (char *)NULL), 3);
	r_status(ctl_sock(d, none, "stop", "--all", (char *)NULL), 3);
	r_status(ctl_sock(d, none, "start", "cat", "--no-autostart",
	    (char *)NULL), 3);
	assert_int_equal(access(none, F_OK), -1);
	t_stale_socket(stale);
	r_status(ctl_sock(d, stale, "status", (char *)NULL), 3);
	r_status(ctl_sock(d, stale, "start", "cat", "--no-autostart",
	    (char *)NULL), 3);
}

/* send with no text: stdin, binary, as it is. */
static void
test_ctl_send_stdin(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	unsigned char	 b[1024];
	int		 i;

	for (i = 0; i < 1024; i++)
		b[i] = (unsigned char)(i ^ (i >> 8) * 77);
	cl_start(c, "cat", "c1");
	r_status(ctl_in(d, b, sizeof(b), "send", "c1", (char *)NULL), 0);
	cl_read_expect(c, "c1", b, sizeof(b));
	/* Empty stdin sends nothing and is fine. */
	r_status(ctl_in(d, "", 0, "send", "c1", (char *)NULL), 0);
}

/* read prints the bytes as they are. */
static void
test_ctl_read_binary(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	unsigned char	 b[512];
	struct run	*r;
	int		 i;

	for (i = 0; i < 512; i++)
		b[i] = (unsigned char)(255 - i % 256);
	cl_start(c, "cat", "c1");
	j_ok(cl_call(c, "write", "{\"alias\": \"c1\", \"data\": %s}",
	    t_b64(b, sizeof(b))));
	wait_buffered(c, "c1", 512);
	r = CTL(d, "read", "c1");
	r_status(r, 0);
	assert_int_equal(r->outlen, 512);
	assert_memory_equal(r->out, b, 512);
}

/* read --wait on a silent instance: empty after the wait, exit 0. */
static void
test_ctl_read_wait(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct run	*r;
	long long	 t0;

	cl_start(c, "cat", "c1");
	t0 = t_ms();
	r = CTL(d, "read", "c1", "--wait", "0.3");
	r_status(r, 0);
	assert_true(t_ms() - t0 >= 250);
	assert_int_equal(r->outlen, 0);
}

/* read of an ended instance: its output, then ECLOSED (exit 1). */
static void
test_ctl_read_closed(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	struct run	*r;

	cl_start(c, "bye", "b1");
	cl_wait_state(c, "b1", "exited", &j);
	r = CTL(d, "read", "b1", "--wait", "1");
	r_status(r, 0);
	assert_string_equal(r->out, "bye\n");
	r = CTL(d, "read", "b1");
	r_status(r, 1);
	assert_true(strncmp(r->err, "runnerctl: ECLOSED: ", 20) == 0);
}

/* stop --all, and stop of several. */
static void
test_ctl_stop_all(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	pid_t		 p[4];
	int		 i, a;

	p[0] = cl_start(c, "cat", "c1");
	p[1] = cl_start(c, "cat", "c2");
	p[2] = cl_start(c, "cat", "c3");
	p[3] = cl_start(c, "silent", "s1");
	r_status(CTL(d, "stop", "c1", "c2"), 0);
	assert_false(t_alive(p[0]));
	assert_false(t_alive(p[1]));
	assert_true(t_alive(p[2]));
	r_status(CTL(d, "stop", "--all"), 0);
	for (i = 0; i < 4; i++)
		assert_false(t_alive(p[i]));
	j = cl_call(c, "status", NULL);
	a = j_type(j, j_ok(j), "instances", JSON_ARRAY);
	for (i = 0; i < json_len(j, a); i++)
		assert_false(json_streq(j, json_get(j, json_at(j, a, i),
		    "state"), "running"));
}

/* restart, start with args, apps, ping, version. */
static void
test_ctl_other_commands(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	struct run	*r;
	pid_t		 pid;
	int		 e, a;

	r_status(CTL(d, "start", "cat", "--alias", "c2", "--", "-u"), 0);
	e = cl_status_of(c, "c2", &j);
	a = j_type(j, e, "args", JSON_ARRAY);
	assert_int_equal(json_len(j, a), 1);
	assert_true(json_streq(j, json_at(j, a, 0), "-u"));
	pid = pid_of(c, "c2");
	r_status(CTL(d, "restart", "c2"), 0);
	assert_true(pid_of(c, "c2") != pid);
	assert_false(t_alive(pid));
	r_status(CTL(d, "restart", "nope"), 1);

	r = CTL(d, "apps");
	r_status(r, 0);
	assert_non_null(strstr(r->out, "cat"));
	assert_non_null(strstr(r->out, "echo"));
	r_status(CTL(d, "ping"), 0);
	r = CTL(d, "version");
	r_status(r, 0);
	assert_non_null(strstr(r->out, RUNNER_VERSION));
}

/* reload: the file again, another file, a broken one (exit 1, ECONFIG). */
static void
test_ctl_reload(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	struct run	*r;
	char		*other, *bad;

	d_file(d, "runner.conf", "apps = {\n  cat = { command = \"cat\"; };\n"
	    "  dog = { command = \"cat\"; };\n};\n");
	r_status(CTL(d, "reload"), 0);
	j = cl_call(c, "apps", NULL);
	assert_int_equal(json_len(j, j_type(j, j_ok(j), "apps", JSON_ARRAY)),
	    2);
	other = d_file(d, "other.conf", "apps = { one = { command = "
	    "\"cat\"; }; };\n");
	r_status(CTL(d, "reload", other), 0);
	cl_start(c, "one", "o1");
	bad = d_file(d, "bad.conf", "apps = {\n  one = ;\n};\n");
	r = CTL(d, "reload", bad);
	r_status(r, 1);
	assert_string_equal(r->err, d_fmt(d, "runnerctl: ECONFIG: %s:2: "
	    "syntax error\n", bad));
}

/* shutdown through runnerctl: runnerd exits 0 and leaves nothing. */
static void
test_ctl_shutdown(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);

	cl_start(c, "cat", "c1");
	cl_start(c, "echo", "e1");
	j_ok(cl_call(c, "status", NULL));
	r_status(CTL(d, "shutdown"), 0);
	assert_int_equal(d_wait_exit(d), 0);
	d_assert_clean_exit(d);
	r_status(CTL(d, "ping"), 3);
}

/* attach: stdin to the instance, its output to stdout, to its end. */
static void
test_ctl_attach(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct run	*r;

	cl_start(c, "once", "o1");
	r = ctl_in(d, "ping\n", 5, "attach", "o1", (char *)NULL);
	r_status(r, 0);
	assert_string_equal(r->out, "got ping\n");
	r_status(CTL(d, "attach", "nope"), 1);
}

/* Without -s, RUNNER_SOCKET says where runnerd is. */
static void
test_ctl_env_socket(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	r_status(ctl_sock(d, NULL, "ping", (char *)NULL), 0);
	r_status(ctl_sock(d, NULL, "start", "cat", "--alias", "e1",
	    (char *)NULL), 0);
	r = ctl_sock(d, NULL, "status", (char *)NULL);
	r_status(r, 0);
	assert_non_null(strstr(r->out, "e1"));
}

/* start with no daemon starts one (on -s, with $RUNNER_CONFIG). */
static void
test_ctl_autostart(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;
	struct json	*j;
	struct stat	 st;
	int		 e, status;

	/* runnerd -d detaches; orphans come to us, so we can reap it. */
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	d->subreaper = 1;
	d_file(d, "runner.conf", d_default_conf(d));
	r_status(CTL(d, "start", "cat", "--alias", "c1"), 0);
	c = cl_open(d);
	j = cl_call(c, "hello", NULL);
	d->other = (pid_t)j_int(j, j_ok(j), "pid");
	assert_true(d->other > 0 && t_alive(d->other));
	assert_string_equal(j_str(j, j_ok(j), "config"), d->conf);
	e = cl_status_of(c, "c1", &j);
	assert_true(e != -1);
	assert_string_equal(j_str(j, e, "state"), "running");
	/* And runnerctl goes on using it. */
	r_status(CTL(d, "send", "c1", "hi"), 0);
	cl_read_expect(c, "c1", "hi\n", 3);
	j_ok(cl_call(c, "shutdown", NULL));
	assert_true(t_wait_child(d->other, &status, T_WAIT_MS));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(lstat(d->sock, &st), -1);
	d->other = 0;
	cl_close(c);
	{
		struct buf	 msg;

		buf_init(&msg);
		if (d_check_gone(d, &msg) > 0)
			fail_msg("%s", (char *)d_keep(d, buf_take(&msg)));
		buf_free(&msg);
	}
}

#define T(f)	cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)
#define TB(f)	cmocka_unit_test_setup_teardown(f, t_setup_bare, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ctl_mission),
		T(test_ctl_status_table),
		T(test_ctl_json_status),
		T(test_ctl_exit_refused),
		T(test_ctl_exit_usage),
		T(test_ctl_exit_no_daemon),
		T(test_ctl_send_stdin),
		T(test_ctl_read_binary),
		T(test_ctl_read_wait),
		T(test_ctl_read_closed),
		T(test_ctl_stop_all),
		T(test_ctl_other_commands),
		T(test_ctl_reload),
		T(test_ctl_shutdown),
		T(test_ctl_attach),
		T(test_ctl_env_socket),
		TB(test_ctl_autostart),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
