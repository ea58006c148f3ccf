/*
 * test_logs.c: `logs` in the real runnerd: the recent log of an instance
 * (a ring that wraps on whole lines), `logs -n`, and `logs -f` over the
 * protocol and through runnerctl, until the instance ends.  Every test
 * ends with no instance, no zombie and as many descriptors in runnerd as
 * it began with.
 */

#include "output.h"

static void
test_logs_ring_wraps(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	char		*logs, *line, *save;
	size_t		 len;
	long		 prev = -1, v;
	int		 base = d_fds_probe(d);

	run_to_exit(d, c, "many");
	logs = LOGS(d, "many");
	len = strlen(logs);
	assert_true(len > 60000 && len <= 65536);
	assert_int_equal(logs[len - 1], '\n');
	for (line = strtok_r(logs, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		v = atol(line);
		if (prev != -1 && v != prev + 1)
			fail_msg("%ld follows %ld in logs", v, prev);
		if (prev == -1 && strcmp(line, d_fmt(d, "%ld", v)) != 0)
			fail_msg("logs starts in a line: %s", line);
		prev = v;
	}
	assert_int_equal(prev, 30000);
	assert_string_equal(LOGS(d, "many", "-n", "3"),
	    "29998\n29999\n30000\n");
	slurp(d, "many.log", &len);
	assert_int_equal(len, 168894);	/* seq 1 30000 | wc -c */
	assert_false(exists(d, "many.log.1"));
	out_clean(d, base);
}

/* logs: all, the last N lines, none; errors as every command has them. */
static void
test_logs_lines(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	struct run	*r;
	size_t		 n;
	int		 base = d_fds_probe(d), ext;

	cl_start(c, "echoerr", "echoerr");
	j_ok(cl_call(c, "write", "{\"alias\": \"echoerr\", \"text\": "
	    "\"a\\nb\\nc\\nd\\ne\\n\"}"));
	logs_wait(d, "echoerr", "got e\n");
	assert_string_equal(LOGS(d, "echoerr"),
	    "got a\ngot b\ngot c\ngot d\ngot e\n");
	assert_string_equal(LOGS(d, "echoerr", "-n", "2"), "got d\ngot e\n");
	assert_string_equal(LOGS(d, "-n", "9", "echoerr"),
	    "got a\ngot b\ngot c\ngot d\ngot e\n");
	assert_string_equal(LOGS(d, "echoerr", "-n", "0"), "");

	/* Over the protocol: {alias, data}. */
	j = cl_call(c, "logs", "{\"alias\": \"echoerr\", \"lines\": 1}");
	ext = j_ok(j);
	assert_string_equal(j_str(j, ext, "alias"), "echoerr");
	assert_memory_equal(j_b64(j, ext, "data", &n), "got e\n", 6);
	assert_int_equal(n, 6);
	j_err(cl_call(c, "logs", "{\"alias\": \"nosuch\"}"), "ENOALIAS");
	j_err(cl_call(c, "logs", "{\"alias\": \"echoerr\", \"follow\": 1}"),
	    "EINVAL");
	j_err(cl_call(c, "logs", "{\"alias\": \"echoerr\", \"lines\": -1}"),
	    "EINVAL");

	r = CTL(d, "logs", "nosuch");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "runnerctl: ENOALIAS: "));
	r_status(CTL(d, "logs"), 2);
	r_status(CTL(d, "logs", "echoerr", "-n", "x"), 2);
	r_status(CTL(d, "logs", "echoerr", "-n", "-3"), 2);
	r = CTL(d, "--json", "logs", "echoerr", "-n", "1");
	r_status(r, 0);
	assert_non_null(strstr(r->out, t_b64("got e\n", 6)));
	out_clean(d, base);
}

/*
 * logs with follow, over the protocol: the reply, then the log raw as it
 * comes; what the client sends is ignored; a stop ends the stream.
 */
static void
test_logs_follow_protocol(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *f;
	struct json	*j;
	size_t		 n;
	int		 base = d_fds_probe(d), ext;

	f = cl_open(d);
	cl_start(c, "echoerr", "echoerr");
	j_ok(cl_call(c, "write", "{\"alias\": \"echoerr\", \"text\": "
	    "\"early\\n\"}"));
	logs_wait(d, "echoerr", "got early\n");
	j = cl_call(f, "logs", "{\"alias\": \"echoerr\", \"follow\": true}");
	ext = j_ok(j);
	assert_memory_equal(j_b64(j, ext, "data", &n), "got early\n", 10);
	/* A request now is not one: nothing answers it. */
	cl_sendf(f, "{\"tag\": 9, \"cmd\": \"hello\"}\n");
	j_ok(cl_call(c, "write", "{\"alias\": \"echoerr\", \"text\": "
	    "\"live\\n\"}"));
	while (buf_used(&f->in) < 9)
		if (cl_fill(f, T_WAIT_MS) <= 0)
			fail_msg("no live log line");
	assert_int_equal(buf_used(&f->in), 9);
	assert_memory_equal(buf_head(&f->in), "got live\n", 9);
	buf_reset(&f->in);
	/* The instance goes: so does the stream. */
	j_ok(cl_call(c, "stop", "{\"alias\": \"echoerr\"}"));
	while (cl_fill(f, T_WAIT_MS) > 0)
		;
	assert_true(f->eof);
	assert_int_equal(buf_used(&f->in), 0);
	cl_close(f);
	out_clean(d, base);
}

/* runnerctl logs -f: the log so far, then live; a stop ends it (0). */
static void
test_logs_follow_ctl(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct bg	 b;
	int		 base = d_fds_probe(d);

	cl_start(c, "echoerr", "echoerr");
	j_ok(cl_call(c, "write", "{\"alias\": \"echoerr\", \"text\": "
	    "\"before\\n\"}"));
	logs_wait(d, "echoerr", "got before\n");
	bg_start(d, &b, "echoerr");
	bg_expect(&b, "got before\n");
	j_ok(cl_call(c, "write", "{\"alias\": \"echoerr\", \"text\": "
	    "\"after\\n\"}"));
	bg_expect(&b, "got before\ngot after\n");
	j_ok(cl_call(c, "stop", "{\"alias\": \"echoerr\"}"));
	assert_int_equal(bg_end(&b), 0);
	assert_string_equal(buf_cstr(&b.got), "got before\ngot after\n");
	buf_free(&b.got);
	out_clean(d, base);
}

/* logs -f of an instance that ends for good ends with it. */
static void
test_logs_follow_until_end(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct bg	 b;
	struct json	*j;
	int		 base = d_fds_probe(d);

	cl_start(c, "bye", "bye");
	bg_start(d, &b, "bye");
	/* Its line comes in the reply or after it, never twice. */
	j_ok(cl_call(c, "write", "{\"alias\": \"bye\", \"text\": \"now\\n\"}"));
	cl_wait_state(c, "bye", "exited", &j);
	assert_int_equal(bg_end(&b), 0);
	assert_string_equal(buf_cstr(&b.got), "bye now\n");
	buf_free(&b.got);
	/* Ended and read out: logs -f prints it and returns at once. */
	r_status(CTL(d, "logs", "-f", "bye"), 0);
	assert_string_equal(CTL(d, "logs", "-f", "bye")->out, "bye now\n");
	out_clean(d, base);
}

/*
 * A FIFO nobody reads as the log: runnerd never blocks on it; what it
 * cannot take is counted in log_dropped; it says so once; a reader that
 * comes gets the lines from then on.
 */
#define T(f)	cmocka_unit_test_setup_teardown(f, out_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_logs_lines),
		T(test_logs_ring_wraps),
		T(test_logs_follow_protocol),
		T(test_logs_follow_ctl),
		T(test_logs_follow_until_end),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
