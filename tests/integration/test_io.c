/*
 * test_io.c: write and read (text, base64, waits, the end of an
 * instance), subscribe and its events, and reload.
 */

#include "daemon.h"

/* Binary test bytes: every byte value, in an order that is not periodic. */
static void
t_bytes(unsigned char *p, size_t len, uint32_t seed)
{
	uint32_t	 x = seed | 1;
	size_t		 i;

	for (i = 0; i < len; i++) {
		if (i % 512 < 256)
			p[i] = (unsigned char)(i % 512);
		else {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			p[i] = (unsigned char)x;
		}
	}
}

/* write text, read it back through cat. */
static void
test_write_text_read(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;

	cl_start(c, "cat", "c1");
	j = cl_call(c, "write", "{\"alias\": \"c1\", \"text\": \"hello\\n\"}");
	assert_int_equal(j_ok_int(j, "written"), 6);
	cl_read_expect(c, "c1", "hello\n", 6);
	/* UTF-8 text goes through as its bytes. */
	j = cl_call(c, "write", "{\"alias\": \"c1\", \"text\": "
	    "\"\\u00e9t\\u00e9 \xe2\x82\xac\"}");
	assert_int_equal(j_ok_int(j, "written"), 9);
	cl_read_expect(c, "c1", "\xc3\xa9t\xc3\xa9 \xe2\x82\xac", 9);
}

/* write base64 data of every byte value, read the same bytes back. */
static void
test_write_data_binary(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	unsigned char	 b[256];
	struct json	*j;
	int		 i;

	for (i = 0; i < 256; i++)
		b[i] = (unsigned char)i;
	cl_start(c, "cat", "c1");
	j = cl_call(c, "write", "{\"alias\": \"c1\", \"data\": %s}",
	    t_b64(b, sizeof(b)));
	assert_int_equal(j_ok_int(j, "written"), 256);
	cl_read_expect(c, "c1", b, sizeof(b));
	/* Empty data is written as nothing. */
	j = cl_call(c, "write", "{\"alias\": \"c1\", \"data\": \"\"}");
	assert_int_equal(j_ok_int(j, "written"), 0);
}

/* 768 KiB in three writes; each read gives at most PROTO_READ_MAX. */
static void
test_write_read_large(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	unsigned char	*b, *p;
	size_t		 len = 3 * 256 * 1024, got = 0, n;
	long long	 end = t_ms() + T_WAIT_MS;
	int		 i, ext;

	assert_non_null(b = d_keep(d, malloc(len)));
	t_bytes(b, len, 7);
	cl_start(c, "cat", "c1");
	for (i = 0; i < 3; i++) {
		j = cl_call(c, "write", "{\"alias\": \"c1\", \"data\": %s}",
		    t_b64(b + i * 256 * 1024, 256 * 1024));
		assert_int_equal(j_ok_int(j, "written"), 256 * 1024);
	}
	while (got < len) {
		j = cl_call(c, "read", "{\"alias\": \"c1\", \"wait\": 2}");
		ext = j_ok(j);
		p = j_b64(j, ext, "data", &n);
		assert_int_equal(j_int(j, ext, "bytes"), (long long)n);
		assert_true(n <= PROTO_READ_MAX);
		assert_true(got + n <= len);
		assert_memory_equal(p, b + got, n);
		got += n;
		if (t_ms() > end)
			fail_msg("read %zu of %zu bytes in %d ms", got, len,
			    T_WAIT_MS);
	}
}

/* Wait (bounded) until alias holds n unread bytes. */
static void
wait_buffered(struct client *c, const char *alias, long long n)
{
	struct json	*j;
	long long	 end = t_ms() + T_WAIT_MS;
	int		 e;

	for (;;) {
		e = cl_status_of(c, alias, &j);
		assert_true(e != -1);
		if (j_int(j, e, "buffered") == n)
			return;
		if (t_ms() > end)
			fail_msg("'%s' buffers %lld bytes, not %lld", alias,
			    j_int(j, e, "buffered"), n);
		usleep(10000);
	}
}

/* read max takes no more than max; the rest stays. */
static void
test_read_max(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	size_t		 n;
	int		 ext;

	cl_start(c, "cat", "c1");
	j_ok(cl_call(c, "write", "{\"alias\": \"c1\", \"text\": "
	    "\"0123456789\"}"));
	wait_buffered(c, "c1", 10);
	j = cl_call(c, "read", "{\"alias\": \"c1\", \"max\": 4}");
	ext = j_ok(j);
	assert_int_equal(j_int(j, ext, "bytes"), 4);
	assert_memory_equal(j_b64(j, ext, "data", &n), "0123", 4);
	assert_int_equal(n, 4);
	wait_buffered(c, "c1", 6);
	cl_read_expect(c, "c1", "456789", 6);
}

/* read on a silent instance: empty at once, or empty after the wait. */
static void
test_read_wait_silent(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	long long	 t0;
	size_t		 n;
	int		 ext;

	cl_start(c, "cat", "c1");
	j = cl_call(c, "read", "{\"alias\": \"c1\"}");
	ext = j_ok(j);
	assert_int_equal(j_int(j, ext, "bytes"), 0);
	j_b64(j, ext, "data", &n);
	assert_int_equal(n, 0);

	t0 = t_ms();
	j = cl_call(c, "read", "{\"alias\": \"c1\", \"wait\": 0.3}");
	ext = j_ok(j);
	assert_true(t_ms() - t0 >= 250);
	assert_int_equal(j_int(j, ext, "bytes"), 0);
	j_b64(j, ext, "data", &n);
	assert_int_equal(n, 0);
}

/* A read that waits answers as soon as output comes. */
static void
test_read_wait_wakes(void **state)
{
	struct daemon	*d = *state;
	struct client	*a = cl_open(d), *b = cl_open(d);
	struct json	*j;
	long long	 tag, t0;
	size_t		 n;
	int		 ext;

	cl_start(a, "cat", "c1");
	t0 = t_ms();
	tag = cl_req(a, "read", "{\"alias\": \"c1\", \"wait\": 8}");
	/* Requests are handled in order: once hello is answered, the read
	 * is waiting. */
	j_ok(cl_call(a, "hello", NULL));
	j_ok(cl_call(b, "write", "{\"alias\": \"c1\", \"text\": \"x\\n\"}"));
	j = cl_reply_tag(a, tag);
	ext = j_ok(j);
	/* Woken by the write, not at its wait's end (8 s): a loaded
	 * machine may take seconds, not that. */
	assert_true(t_ms() - t0 < 7000);
	assert_memory_equal(j_b64(j, ext, "data", &n), "x\n", 2);
	assert_int_equal(n, 2);
}

/* An instance that ended: its output first, then ECLOSED. */
static void
test_read_exited(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	long long	 end = t_ms() + T_WAIT_MS;

	cl_start(c, "bye", "b1");
	cl_wait_state(c, "b1", "exited", &j);
	cl_read_expect(c, "b1", "bye\n", 4);
	for (;;) {
		j = cl_call(c, "read", "{\"alias\": \"b1\", \"wait\": 1}");
		if (json_streq(j, json_get(j, 0, "error"), "ECLOSED"))
			break;
		assert_int_equal(j_ok_int(j, "bytes"), 0);
		if (t_ms() > end)
			fail_msg("no ECLOSED after the output of an exited "
			    "instance");
	}
	j_err(j, "ECLOSED");
	j_err(cl_call(c, "read", "{\"alias\": \"b1\"}"), "ECLOSED");
	d_no_zombies(d);
}

/* write to an ended instance: ECLOSED; to an unknown alias: ENOALIAS. */
static void
test_write_errors(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;

	cl_start(c, "bye", "b1");
	cl_wait_state(c, "b1", "exited", &j);
	j = cl_call(c, "write", "{\"alias\": \"b1\", \"text\": \"x\"}");
	j_err(j, "ECLOSED");
	j = cl_call(c, "write", "{\"alias\": \"nope\", \"text\": \"x\"}");
	assert_non_null(strstr(j_err(j, "ENOALIAS"), "nope"));
	j = cl_call(c, "read", "{\"alias\": \"nope\"}");
	j_err(j, "ENOALIAS");
}

/* Wait for event name on c; its ext index. */
static int
wait_event(struct client *c, const char *name, struct json **jp)
{
	char	*got;
	int	 i;

	for (i = 0; i < 16; i++) {
		*jp = cl_event(c, &got);
		if (strcmp(got, name) == 0)
			return (json_get(*jp, 0, "ext"));
	}
	fail_msg("no '%s' event among 16", name);
	return (-1);
}

/* subscribe: started, ready, exited (with the signal), stopped events. */
static void
test_subscribe_events(void **state)
{
	struct daemon	*d = *state;
	struct client	*s = cl_open(d), *c = cl_open(d);
	struct json	*j;
	char		*name;
	int		 ext, st, seen = 0;
	pid_t		 pid;

	j = cl_call(s, "subscribe", NULL);
	assert_int_equal(json_len(j, j_ok(j)), 0);
	pid = cl_start(c, "cat", "c1");
	j = cl_event(s, &name);
	assert_string_equal(name, "started");
	ext = json_get(j, 0, "ext");
	assert_string_equal(j_str(j, ext, "alias"), "c1");
	assert_string_equal(j_str(j, ext, "app"), "cat");
	assert_int_equal(j_int(j, ext, "pid"), pid);
	/* Protocol 6: ready, right after started. */
	j = cl_event(s, &name);
	assert_string_equal(name, "ready");
	ext = json_get(j, 0, "ext");
	assert_string_equal(j_str(j, ext, "alias"), "c1");
	assert_int_equal(j_int(j, ext, "pid"), pid);

	j_ok(cl_call(c, "stop", "{\"alias\": \"c1\"}"));
	while (seen != 3) {
		j = cl_event(s, &name);
		ext = json_get(j, 0, "ext");
		assert_string_equal(j_str(j, ext, "alias"), "c1");
		if (strcmp(name, "exited") == 0) {
			assert_int_equal(j_int(j, ext, "pid"), pid);
			st = j_type(j, ext, "status", JSON_OBJECT);
			assert_string_equal(j_str(j, st, "signal"), "SIGTERM");
			seen |= 1;
		} else if (strcmp(name, "stopped") == 0)
			seen |= 2;
		else
			fail_msg("unexpected event '%s'", name);
	}
}

/* An instance that exits by itself: the exited event carries its code. */
static void
test_subscribe_exit_code(void **state)
{
	struct daemon	*d = *state;
	struct client	*s = cl_open(d), *c = cl_open(d);
	struct json	*j;
	int		 ext, st, e;
	pid_t		 pid;

	j_ok(cl_call(s, "subscribe", "{}"));
	pid = cl_start(c, "fail3", "f1");
	j_ok(cl_call(c, "write", "{\"alias\": \"f1\", \"text\": \"go\\n\"}"));
	ext = wait_event(s, "exited", &j);
	assert_string_equal(j_str(j, ext, "alias"), "f1");
	assert_int_equal(j_int(j, ext, "pid"), pid);
	st = j_type(j, ext, "status", JSON_OBJECT);
	assert_int_equal(j_int(j, st, "code"), 3);
	assert_int_equal(json_get(j, st, "signal"), -1);
	assert_true(t_wait_gone(pid));
	d_no_zombies(d);
	/* Not restarted (restart = "no"): its last exit is in status. */
	e = cl_status_of(c, "f1", &j);
	if (e != -1) {
		assert_string_equal(j_str(j, e, "state"), "exited");
		st = j_type(j, e, "last_exit", JSON_OBJECT);
		assert_int_equal(j_int(j, st, "code"), 3);
	}
}

/* restart = "on-failure": a restarted event, a new pid, restarts 1. */
static void
test_restarted_event(void **state)
{
	struct daemon	*d = *state;
	struct client	*s = cl_open(d), *c = cl_open(d);
	struct json	*j;
	int		 ext, e, st;
	pid_t		 pid, pid2;

	j_ok(cl_call(s, "subscribe", NULL));
	pid = cl_start(c, "flaky", "f1");
	j_ok(cl_call(c, "write", "{\"alias\": \"f1\", \"text\": \"go\\n\"}"));
	ext = wait_event(s, "exited", &j);
	assert_int_equal(j_int(j, ext, "pid"), pid);
	assert_int_equal(j_int(j, j_type(j, ext, "status", JSON_OBJECT),
	    "code"), 1);
	ext = wait_event(s, "restarted", &j);
	assert_string_equal(j_str(j, ext, "alias"), "f1");
	pid2 = (pid_t)j_int(j, ext, "pid");
	assert_true(pid2 > 0 && pid2 != pid);
	assert_true(t_alive(pid2));
	e = cl_wait_state(c, "f1", "running", &j);
	assert_int_equal(j_int(j, e, "pid"), pid2);
	assert_int_equal(j_int(j, e, "restarts"), 1);
	st = j_type(j, e, "last_exit", JSON_OBJECT);
	assert_int_equal(j_int(j, st, "code"), 1);
	j_ok(cl_call(c, "stop", "{\"alias\": \"f1\"}"));
	assert_false(t_alive(pid2));
}

/* Events go to every subscriber and to nobody else. */
static void
test_subscribe_only_subscribers(void **state)
{
	struct daemon	*d = *state;
	struct client	*s1 = cl_open(d), *s2 = cl_open(d), *c = cl_open(d);
	char		*name;

	j_ok(cl_call(s1, "subscribe", NULL));
	j_ok(cl_call(s2, "subscribe", NULL));
	cl_start(c, "cat", "c1");
	cl_event(s1, &name);
	assert_string_equal(name, "started");
	cl_event(s2, &name);
	assert_string_equal(name, "started");
	/* c saw no event before its own replies. */
	j_ok(cl_call(c, "hello", NULL));
	assert_int_equal(c->nev, 0);
	/* A subscriber still gets replies. */
	j_ok(cl_call(s1, "hello", NULL));
}

/* reload with configuration text: a new app; running instances go on. */
static void
test_reload_text(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	int		 ext, e;
	pid_t		 pid;

	pid = cl_start(c, "cat", "c1");
	j = cl_call(c, "reload", "{\"config\": %s}", t_jstr("apps = {\n"
	    "  cat = { command = \"cat\"; restart = \"no\"; };\n"
	    "  dog = { command = [\"cat\", \"-u\"]; restart = \"no\"; };\n"
	    "};\n"));
	ext = j_ok(j);
	assert_string_equal(j_str(j, ext, "config"), CONFIG_TEXT_SOURCE);
	assert_int_equal(j_int(j, ext, "apps"), 2);
	j = cl_call(c, "apps", NULL);
	ext = j_ok(j);
	assert_int_equal(json_len(j, j_type(j, ext, "apps", JSON_ARRAY)), 2);
	assert_string_equal(j_str(j, ext, "config"), CONFIG_TEXT_SOURCE);
	e = cl_status_of(c, "c1", &j);
	assert_int_equal(j_int(j, e, "pid"), pid);
	assert_true(t_alive(pid));
	cl_start(c, "dog", "d1");
	j_ok(cl_call(c, "write", "{\"alias\": \"d1\", \"text\": \"woof\"}"));
	cl_read_expect(c, "d1", "woof", 4);
	j = cl_call(c, "start", "{\"app\": \"bye\"}");
	j_err(j, "ENOAPP");
}

/* A broken configuration: ECONFIG "<text>:LINE: ...", the old one stays. */
static void
test_reload_broken(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;

	j = cl_call(c, "reload", "{\"config\": %s}",
	    t_jstr("apps = {\n cat = ;\n};"));
	assert_string_equal(j_err(j, "ECONFIG"), "<text>:2: syntax error");
	j = cl_call(c, "reload", "{\"config\": %s}",
	    t_jstr("apps = {\n a = { command = \"x\"; };\n b = { };\n};"));
	assert_string_equal(j_err(j, "ECONFIG"),
	    "<text>:3: apps.b: missing 'command'");
	/* Checked whole: nothing of it was taken. */
	j = cl_call(c, "apps", NULL);
	assert_int_equal(json_len(j, j_type(j, j_ok(j), "apps", JSON_ARRAY)),
	    10);
	j_err(cl_call(c, "start", "{\"app\": \"a\"}"), "ENOAPP");
	cl_start(c, "cat", "c1");
	j_ok(cl_call(c, "write", "{\"alias\": \"c1\", \"text\": \"ok\"}"));
	cl_read_expect(c, "c1", "ok", 2);
}

/* reload {} reads the daemon's own file again, changed meanwhile. */
static void
test_reload_file(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	int		 ext;

	d_file(d, "runner.conf", "apps = {\n  two = { command = \"cat\"; };\n"
	    "  three = { command = \"cat\"; };\n};\n");
	j = cl_call(c, "reload", NULL);
	ext = j_ok(j);
	assert_string_equal(j_str(j, ext, "config"), d->conf);
	assert_int_equal(j_int(j, ext, "apps"), 2);
	cl_start(c, "three", "t3");
	j = cl_call(c, "reload", "{}");
	assert_int_equal(j_ok_int(j, "apps"), 2);
}

/* reload with a path: that file; a broken or missing one: ECONFIG. */
static void
test_reload_path(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	char		*path, *bad;
	int		 ext;

	path = d_file(d, "other.conf", "apps = {\n  one = { command = "
	    "\"cat\"; };\n};\n");
	j = cl_call(c, "reload", "{\"path\": %s}", t_jstr(path));
	ext = j_ok(j);
	assert_string_equal(j_str(j, ext, "config"), path);
	assert_int_equal(j_int(j, ext, "apps"), 1);
	j = cl_call(c, "start", "{\"app\": \"kat\"}");
	assert_string_equal(j_err(j, "ENOAPP"),
	    d_fmt(d, "no app named 'kat' (in %s)", path));
	cl_start(c, "one", "o1");

	bad = d_file(d, "bad.conf", "apps = {\n\n  one = { commnd = "
	    "\"cat\"; };\n};\n");
	j = cl_call(c, "reload", "{\"path\": %s}", t_jstr(bad));
	assert_true(strncmp(j_err(j, "ECONFIG"), d_fmt(d, "%s:3: ", bad),
	    strlen(bad) + 4) == 0);
	j = cl_call(c, "reload", "{\"path\": %s}",
	    t_jstr(d_fmt(d, "%s/missing.conf", d->dir)));
	assert_non_null(strstr(j_err(j, "ECONFIG"), "missing.conf"));
	/* Still the good one. */
	j = cl_call(c, "apps", NULL);
	assert_string_equal(j_str(j, j_ok(j), "config"), path);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_write_text_read),
		T(test_write_data_binary),
		T(test_write_read_large),
		T(test_read_max),
		T(test_read_wait_silent),
		T(test_read_wait_wakes),
		T(test_read_exited),
		T(test_write_errors),
		T(test_subscribe_events),
		T(test_subscribe_exit_code),
		T(test_restarted_event),
		T(test_subscribe_only_subscribers),
		T(test_reload_text),
		T(test_reload_broken),
		T(test_reload_file),
		T(test_reload_path),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
