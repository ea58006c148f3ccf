/*
 * test_commands.c: the control commands over a raw socket, checked field
 * by field against proto.h: hello, apps, start, stop, restart, status.
 */

#include "daemon.h"

/* hello: protocol 1, the daemon's version, pid, config and socket. */
static void
test_hello(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	int		 ext;

	j = cl_call(c, "hello", NULL);
	ext = j_ok(j);
	assert_int_equal(j_int(j, ext, "protocol"), PROTO_VERSION);
	assert_string_equal(j_str(j, ext, "version"), RUNNER_VERSION);
	assert_int_equal(j_int(j, ext, "pid"), d->pid);
	assert_string_equal(j_str(j, ext, "config"), d->conf);
	assert_string_equal(j_str(j, ext, "socket"), d->sock);
	/* The empty ext is the same as none. */
	j_ok(cl_call(c, "hello", "{}"));
}

/* Find app name in an apps reply; its index. */
static int
app_entry(struct json *j, int apps, const char *name)
{
	int	 i, e;

	for (i = 0; i < json_len(j, apps); i++) {
		e = json_at(j, apps, i);
		if (json_streq(j, json_get(j, e, "name"), name))
			return (e);
	}
	fail_msg("apps does not list '%s': %.500s", name, json_raw(j, 0, NULL));
	return (-1);
}

/* apps: every app with its type, command, cwd, socket, restart, autostart. */
static void
test_apps(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	int		 ext, apps, e, cmd;

	j = cl_call(c, "apps", NULL);
	ext = j_ok(j);
	assert_string_equal(j_str(j, ext, "config"), d->conf);
	apps = j_type(j, ext, "apps", JSON_ARRAY);
	assert_int_equal(json_len(j, apps), 10);

	e = app_entry(j, apps, "cat");
	assert_string_equal(j_str(j, e, "type"), "stdio");
	cmd = j_type(j, e, "command", JSON_ARRAY);
	assert_int_equal(json_len(j, cmd), 1);
	assert_true(json_streq(j, json_at(j, cmd, 0), "cat"));
	j_type(j, e, "cwd", JSON_NULL);
	j_type(j, e, "socket", JSON_NULL);
	assert_string_equal(j_str(j, e, "restart"), "no");
	assert_false(j_bool(j, e, "autostart"));

	e = app_entry(j, apps, "flaky");
	assert_string_equal(j_str(j, e, "restart"), "on-failure");
	cmd = j_type(j, e, "command", JSON_ARRAY);
	assert_int_equal(json_len(j, cmd), 3);
	assert_true(json_streq(j, json_at(j, cmd, 2), "read x; exit 1"));

	e = app_entry(j, apps, "echo");
	assert_string_equal(j_str(j, e, "type"), "socket");
	assert_string_equal(j_str(j, e, "cwd"), d->dir);
	assert_string_equal(j_str(j, e, "socket"), "echo.sock");
	cmd = j_type(j, e, "command", JSON_ARRAY);
	assert_int_equal(json_len(j, cmd), 3);
	assert_true(json_streq(j, json_at(j, cmd, 0), "socat"));
	assert_true(json_streq(j, json_at(j, cmd, 1),
	    "UNIX-LISTEN:echo.sock,fork"));
}

/* start ensures: a second start leaves the instance alone; strict: EEXIST. */
static void
test_start_ensure_and_strict(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	int		 ext;
	pid_t		 pid;

	j = cl_call(c, "start", "{\"app\": \"cat\", \"alias\": \"c1\"}");
	ext = j_ok(j);
	assert_string_equal(j_str(j, ext, "alias"), "c1");
	assert_string_equal(j_str(j, ext, "app"), "cat");
	assert_true(j_bool(j, ext, "started"));
	pid = (pid_t)j_int(j, ext, "pid");
	assert_true(pid > 0);
	assert_true(t_alive(pid));

	/* Again, even with other args: already running, same pid. */
	j = cl_call(c, "start", "{\"app\": \"cat\", \"alias\": \"c1\", "
	    "\"args\": [\"-u\"]}");
	ext = j_ok(j);
	assert_false(j_bool(j, ext, "started"));
	assert_int_equal(j_int(j, ext, "pid"), pid);
	assert_string_equal(j_str(j, ext, "alias"), "c1");

	j = cl_call(c, "start", "{\"app\": \"cat\", \"alias\": \"c1\", "
	    "\"strict\": true}");
	assert_non_null(strstr(j_err(j, "EEXIST"), "c1"));
	j = cl_call(c, "start", "{\"app\": \"cat\", \"alias\": \"c1\", "
	    "\"strict\": false}");
	assert_false(j_bool(j, j_ok(j), "started"));
	assert_true(t_alive(pid));
}

/* Without an alias the app's name is the alias. */
static void
test_start_default_alias(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	int		 e;

	j = cl_call(c, "start", "{\"app\": \"cat\"}");
	assert_string_equal(j_str(j, j_ok(j), "alias"), "cat");
	e = cl_status_of(c, "cat", &j);
	assert_true(e != -1);
	assert_string_equal(j_str(j, e, "app"), "cat");
}

/* An unknown app: ENOAPP naming the app and the configuration. */
static void
test_start_enoapp(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;

	j = cl_call(c, "start", "{\"app\": \"kat\", \"alias\": \"k1\"}");
	assert_string_equal(j_err(j, "ENOAPP"),
	    d_fmt(d, "no app named 'kat' (in %s)", d->conf));
	assert_int_equal(cl_status_of(c, "k1", &j), -1);
}

/* A command that cannot be executed: ESPAWN at start, with errno in words. */
static void
test_start_espawn(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	int		 e;

	j = cl_call(c, "start", "{\"app\": \"noexec\", \"alias\": \"n1\"}");
	assert_string_equal(j_err(j, "ESPAWN"),
	    d_fmt(d, "cannot execute '%s/no-such-program': No such file or "
	    "directory", d->dir));
	/* Listed as failed, with why (protocol 7), until started or removed. */
	e = cl_status_of(c, "n1", &j);
	assert_string_equal(j_str(j, e, "state"), "failed");
	assert_string_equal(j_str(j, e, "reason"), d_fmt(d, "cannot execute "
	    "'%s/no-such-program': No such file or directory", d->dir));
	j_ok(cl_call(c, "remove", "{\"alias\": \"n1\"}"));
	assert_int_equal(cl_status_of(c, "n1", &j), -1);
	d_no_zombies(d);
	/* The daemon goes on. */
	assert_true(cl_start(c, "cat", "c1") > 0);
}

/* Extra args are appended to argv and shown by status. */
static void
test_start_args(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	char		 path[64], buf[256];
	int		 e, a, fd;
	ssize_t		 n;
	pid_t		 pid;

	j = cl_call(c, "start", "{\"app\": \"cat\", \"alias\": \"c1\", "
	    "\"args\": [\"-u\", \"-\"]}");
	pid = (pid_t)j_int(j, j_ok(j), "pid");
	e = cl_status_of(c, "c1", &j);
	a = j_type(j, e, "args", JSON_ARRAY);
	assert_int_equal(json_len(j, a), 2);
	assert_true(json_streq(j, json_at(j, a, 0), "-u"));
	assert_true(json_streq(j, json_at(j, a, 1), "-"));
	/* And the process really got them. */
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	assert_true((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_int_equal(n, 9);
	assert_memory_equal(buf, "cat\0-u\0-\0", 9);
}

/* Children get only 0, 1 and 2: no descriptor of runnerd leaks into them. */
static void
test_start_no_fd_leak(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	char		 path[64];
	pid_t		 pid;
	int		 i, n;

	cl_start(c, "cat", "c1");
	pid = cl_start(c, "cat", "c2");
	cl_start(c, "silent", "s1");
	/*
	 * The start reply does not mean cat's descriptors are final: it
	 * comes when exec closes the error pipe, and the kernel closes the
	 * close-on-exec descriptors one by one, yielding between them, so a
	 * child the loaded machine preempts there still holds those after
	 * the pipe's number for a while (this test failed once so).  Cat
	 * echoing a line is the event that says exec has returned.
	 */
	j_ok(cl_call(c, "write", "{\"alias\": \"c2\", \"text\": \"x\\n\"}"));
	cl_read_expect(c, "c2", "x\n", 2);
	if ((n = t_fd_count(pid)) != 3)
		fail_msg("cat has %d descriptors:\n%s", n, t_fd_list(d, pid));
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/proc/%ld/fd/%d", (long)pid, i);
		assert_int_equal(access(path, F_OK), 0);
	}
}

/* stop one: the reply lists it, the process is gone, the alias is free. */
static void
test_stop_one(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	int		 a;
	pid_t		 pid, pid2;

	pid = cl_start(c, "cat", "c1");
	j = cl_call(c, "stop", "{\"alias\": \"c1\"}");
	a = j_type(j, j_ok(j), "stopped", JSON_ARRAY);
	assert_int_equal(json_len(j, a), 1);
	assert_true(json_streq(j, json_at(j, a, 0), "c1"));
	/* Answered when gone. */
	assert_false(t_alive(pid));
	j = cl_call(c, "start", "{\"app\": \"cat\", \"alias\": \"c1\", "
	    "\"strict\": true}");
	pid2 = (pid_t)j_int(j, j_ok(j), "pid");
	assert_true(pid2 != pid);
	d_no_zombies(d);
}

/* stop several: all named ones go, the others stay. */
static void
test_stop_several(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	int		 a, e;
	pid_t		 p1, p2, p3;

	p1 = cl_start(c, "cat", "c1");
	p2 = cl_start(c, "cat", "c2");
	p3 = cl_start(c, "cat", "c3");
	j = cl_call(c, "stop", "{\"aliases\": [\"c1\", \"c3\"]}");
	a = j_type(j, j_ok(j), "stopped", JSON_ARRAY);
	assert_int_equal(json_len(j, a), 2);
	assert_false(t_alive(p1));
	assert_false(t_alive(p3));
	assert_true(t_alive(p2));
	e = cl_status_of(c, "c2", &j);
	assert_string_equal(j_str(j, e, "state"), "running");
}

/* stop all: every instance goes. */
static void
test_stop_all(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	int		 a, e;
	pid_t		 p[3];

	p[0] = cl_start(c, "cat", "c1");
	p[1] = cl_start(c, "cat", "c2");
	p[2] = cl_start(c, "silent", "s1");
	j = cl_call(c, "stop", "{\"all\": true}");
	a = j_type(j, j_ok(j), "stopped", JSON_ARRAY);
	assert_int_equal(json_len(j, a), 3);
	for (e = 0; e < 3; e++)
		assert_false(t_alive(p[e]));
	j = cl_call(c, "status", NULL);
	a = j_type(j, j_ok(j), "instances", JSON_ARRAY);
	for (e = 0; e < json_len(j, a); e++)
		assert_false(json_streq(j, json_get(j, json_at(j, a, e),
		    "state"), "running"));
	/* Nothing to stop is fine too. */
	j = cl_call(c, "stop", "{\"all\": true}");
	j_type(j, j_ok(j), "stopped", JSON_ARRAY);
	d_no_zombies(d);
}

/* stop of an unknown alias: ENOALIAS, and nothing is stopped. */
static void
test_stop_enoalias(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	pid_t		 pid;

	j = cl_call(c, "stop", "{\"alias\": \"nope\"}");
	assert_non_null(strstr(j_err(j, "ENOALIAS"), "nope"));
	pid = cl_start(c, "cat", "c1");
	j = cl_call(c, "stop", "{\"aliases\": [\"c1\", \"nope\"]}");
	assert_non_null(strstr(j_err(j, "ENOALIAS"), "nope"));
	assert_true(t_alive(pid));
	j = cl_call(c, "status", "{\"alias\": \"c1\"}");
	assert_string_equal(j_str(j, json_at(j, json_get(j, j_ok(j),
	    "instances"), 0), "state"), "running");
}

/* restart: a new pid, the old one gone, same app and args. */
static void
test_restart(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	int		 ext, e, a;
	pid_t		 pid, pid2;

	j = cl_call(c, "start", "{\"app\": \"cat\", \"alias\": \"c1\", "
	    "\"args\": [\"-u\"]}");
	pid = (pid_t)j_int(j, j_ok(j), "pid");
	j = cl_call(c, "restart", "{\"alias\": \"c1\"}");
	ext = j_ok(j);
	assert_string_equal(j_str(j, ext, "alias"), "c1");
	assert_string_equal(j_str(j, ext, "app"), "cat");
	assert_true(j_bool(j, ext, "started"));
	pid2 = (pid_t)j_int(j, ext, "pid");
	assert_true(pid2 > 0 && pid2 != pid);
	assert_true(t_wait_gone(pid));
	assert_true(t_alive(pid2));
	e = cl_status_of(c, "c1", &j);
	assert_int_equal(j_int(j, e, "pid"), pid2);
	assert_string_equal(j_str(j, e, "state"), "running");
	a = j_type(j, e, "args", JSON_ARRAY);
	assert_int_equal(json_len(j, a), 1);
	assert_true(json_streq(j, json_at(j, a, 0), "-u"));
	/* The new one works. */
	j_ok(cl_call(c, "write", "{\"alias\": \"c1\", \"text\": \"x\\n\"}"));
	cl_read_expect(c, "c1", "x\n", 2);

	j = cl_call(c, "restart", "{\"alias\": \"nope\"}");
	j_err(j, "ENOALIAS");
	d_no_zombies(d);
}

/* status of one: every field, with its type. */
static void
test_status_fields(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	int		 ext, a, e;
	pid_t		 pid;

	j = cl_call(c, "start", "{\"app\": \"cat\", \"alias\": \"c1\", "
	    "\"args\": [\"-u\"]}");
	pid = (pid_t)j_int(j, j_ok(j), "pid");
	j = cl_call(c, "status", "{\"alias\": \"c1\"}");
	ext = j_ok(j);
	a = j_type(j, ext, "instances", JSON_ARRAY);
	assert_int_equal(json_len(j, a), 1);
	e = json_at(j, a, 0);
	assert_string_equal(j_str(j, e, "alias"), "c1");
	assert_string_equal(j_str(j, e, "app"), "cat");
	assert_int_equal(j_int(j, e, "pid"), pid);
	assert_string_equal(j_str(j, e, "state"), "running");
	a = j_type(j, e, "args", JSON_ARRAY);
	assert_int_equal(json_len(j, a), 1);
	assert_string_equal(j_str(j, e, "type"), "stdio");
	j_type(j, e, "socket", JSON_NULL);
	assert_true(j_num(j, e, "uptime") >= 0);
	assert_true(j_num(j, e, "uptime") < 60);
	assert_int_equal(j_int(j, e, "restarts"), 0);
	j_type(j, e, "last_exit", JSON_NULL);
	assert_int_equal(j_int(j, e, "buffered"), 0);
	assert_int_equal(j_int(j, e, "dropped"), 0);

	/* buffered counts output nobody has read yet. */
	j_ok(cl_call(c, "write", "{\"alias\": \"c1\", \"text\": \"12345\"}"));
	for (ext = 0; ext < T_WAIT_MS / 10; ext++) {
		e = cl_status_of(c, "c1", &j);
		if (j_int(j, e, "buffered") == 5)
			break;
		usleep(10000);
	}
	assert_int_equal(j_int(j, e, "buffered"), 5);

	j = cl_call(c, "status", "{\"alias\": \"nope\"}");
	j_err(j, "ENOALIAS");
}

/* status of all: sorted by alias. */
static void
test_status_all_sorted(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	int		 a;

	j = cl_call(c, "status", NULL);
	assert_int_equal(json_len(j, j_type(j, j_ok(j), "instances",
	    JSON_ARRAY)), 0);
	cl_start(c, "cat", "zz");
	cl_start(c, "silent", "aa");
	cl_start(c, "cat", "mm");
	j = cl_call(c, "status", "{}");
	a = j_type(j, j_ok(j), "instances", JSON_ARRAY);
	assert_int_equal(json_len(j, a), 3);
	assert_string_equal(j_str(j, json_at(j, a, 0), "alias"), "aa");
	assert_string_equal(j_str(j, json_at(j, a, 1), "alias"), "mm");
	assert_string_equal(j_str(j, json_at(j, a, 2), "alias"), "zz");
	assert_string_equal(j_str(j, json_at(j, a, 0), "app"), "silent");
}

/* An instance that exits: status says exited, pid 0, last_exit its code. */
static void
test_status_exited(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	int		 e, le;

	cl_start(c, "bye", "b1");
	e = cl_wait_state(c, "b1", "exited", &j);
	assert_int_equal(j_int(j, e, "pid"), 0);
	le = j_type(j, e, "last_exit", JSON_OBJECT);
	assert_int_equal(j_int(j, le, "code"), 0);
	d_no_zombies(d);
	/* A stopped instance's last_exit names the signal. */
	cl_start(c, "cat", "c1");
	j_ok(cl_call(c, "restart", "{\"alias\": \"c1\"}"));
	e = cl_status_of(c, "c1", &j);
	le = j_type(j, e, "last_exit", JSON_OBJECT);
	assert_string_equal(j_str(j, le, "signal"), "SIGTERM");
}

/* The runner_ask path works against runnerd too. */
static void
test_runner_ask(void **state)
{
	struct daemon	*d = *state;
	char		*ext;

	ext = d_ask_ok(d, "hello", NULL);
	assert_non_null(strstr(ext, "\"protocol\""));
	d_ask_ok(d, "start", "{\"app\": \"cat\", \"alias\": \"c1\"}");
	assert_int_equal(d_ask(d, "start", "{\"app\": \"cat\", \"alias\": "
	    "\"c1\", \"strict\": true}", NULL), RUNNER_EEXIST);
	assert_int_equal(d_ask(d, "start", "{\"app\": \"kat\"}", NULL),
	    RUNNER_ENOAPP);
	assert_string_equal(runner_channel_errmsg(d->ch),
	    d_fmt(d, "ENOAPP: no app named 'kat' (in %s)", d->conf));
	assert_int_equal(d_ask(d, "frobnicate", NULL, NULL), RUNNER_ENOCMD);
	d_ask_ok(d, "stop", "{\"alias\": \"c1\"}");
}

#define T(f)	cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_hello),
		T(test_apps),
		T(test_start_ensure_and_strict),
		T(test_start_default_alias),
		T(test_start_enoapp),
		T(test_start_espawn),
		T(test_start_args),
		T(test_start_no_fd_leak),
		T(test_stop_one),
		T(test_stop_several),
		T(test_stop_all),
		T(test_stop_enoalias),
		T(test_restart),
		T(test_status_fields),
		T(test_status_all_sorted),
		T(test_status_exited),
		T(test_runner_ask),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
