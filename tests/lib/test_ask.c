/*
 * test_ask.c: runner_ask against a real child (tests/helpers/asker) that
 * answers tagged JSON lines, skips noise, stays silent, fails or exits.
 */

#include "common.h"

static struct runner_channel *
asker(struct fixture *f)
{
	struct runner_channel	*ch;

	/* No restart (runnerd's policy): some tests are about its end. */
	t_config(f, "apps = { asker = { command = \"%s/asker\";"
	    " restart = \"no\"; }; };", f->helpers);
	assert_int_equal(runner_start(f->r, "asker", NULL), 0);
	assert_non_null(ch = runner_get_channel(f->r, "asker"));
	return (ch);
}

/* The reply with our tag comes back, its ext as JSON text. */
static void
test_ask_reply(void **state)
{
	struct runner_channel	*ch = asker(*state);
	char			*ext;

	assert_int_equal(runner_ask(ch, "echo", "{\"n\": [1, 2, \"\\u00e9\"]}",
	    T_WAIT_MS, &ext), 0);
	assert_string_equal(ext, "{\"n\": [1, 2, \"\\u00e9\"]}");
	free(ext);
	/* No ext in, none out; the caller may not want it anyway. */
	assert_int_equal(runner_ask(ch, "echo", NULL, T_WAIT_MS, &ext), 0);
	assert_null(ext);
	assert_int_equal(runner_ask(ch, "echo", "7", T_WAIT_MS, NULL), 0);
	runner_channel_close(ch);
}

/* Lines that are not our reply are skipped, whatever they are. */
static void
test_ask_skips_other_lines(void **state)
{
	struct runner_channel	*ch = asker(*state);
	char			*ext;
	int			 i;

	for (i = 0; i < 3; i++) {
		assert_int_equal(runner_ask(ch, "noise", "\"right\"",
		    T_WAIT_MS, &ext), 0);
		assert_string_equal(ext, "\"right\"");
		free(ext);
	}
	runner_channel_close(ch);
}

/* Bytes after the reply stay readable on the channel. */
static void
test_ask_keeps_later_bytes(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	char			*ext;

	/* The reply carries the request's tag, whatever it was. */
	t_config(f, "apps = { sh = { command = [\"sh\", \"-c\", "
	    "\"read line; t=${line#*:}; printf '{\\\"tag\\\": %%s, "
	    "\\\"ext\\\": 5}\\\\nafter\\\\n' ${t%%,*}; exec cat\"]; }; };");
	assert_int_equal(runner_start(f->r, "sh", NULL), 0);
	assert_non_null(ch = runner_get_channel(f->r, "sh"));
	assert_int_equal(runner_ask(ch, "x", NULL, T_WAIT_MS, &ext), 0);
	assert_string_equal(ext, "5");
	free(ext);
	assert_int_equal(runner_channel_wait(ch, 0), 0);
	t_expect(ch, "after\n");
	runner_channel_close(ch);
}

/* A silent child: RUNNER_ETIMEDOUT, and the channel still works. */
static void
test_ask_timeout(void **state)
{
	struct runner_channel	*ch = asker(*state);
	char			*ext = (char *)1;

	assert_int_equal(runner_ask(ch, "silent", NULL, 200, &ext),
	    RUNNER_ETIMEDOUT);
	assert_null(ext);
	assert_non_null(strstr(runner_channel_errmsg(ch), "no reply"));
	assert_int_equal(runner_ask(ch, "echo", "1", T_WAIT_MS, &ext), 0);
	assert_string_equal(ext, "1");
	free(ext);
	runner_channel_close(ch);
}

/* A child that exits instead of answering: RUNNER_ECLOSED. */
static void
test_ask_child_exits(void **state)
{
	struct runner_channel	*ch = asker(*state);

	assert_int_equal(runner_ask(ch, "exit", NULL, T_WAIT_MS, NULL),
	    RUNNER_ECLOSED);
	assert_int_equal(runner_ask(ch, "echo", NULL, T_WAIT_MS, NULL),
	    RUNNER_ECLOSED);
	runner_channel_close(ch);
}

/* {"ok": false} replies give their code and message. */
static void
test_ask_error_reply(void **state)
{
	struct runner_channel	*ch = asker(*state);

	assert_int_equal(runner_ask(ch, "fail", NULL, T_WAIT_MS, NULL),
	    RUNNER_EINVAL);
	assert_string_equal(runner_channel_errmsg(ch),
	    "EINVAL: you asked for it");
	assert_int_equal(runner_ask(ch, "what", NULL, T_WAIT_MS, NULL),
	    RUNNER_ENOCMD);
	runner_channel_close(ch);
}

/* ext must be JSON; nothing is sent otherwise. */
static void
test_ask_bad_ext(void **state)
{
	struct runner_channel	*ch = asker(*state);

	assert_int_equal(runner_ask(ch, "echo", "{oops", T_WAIT_MS, NULL),
	    RUNNER_EINVAL);
	assert_non_null(strstr(runner_channel_errmsg(ch), "not JSON"));
	assert_int_equal(runner_ask(ch, "echo", "2", T_WAIT_MS, NULL), 0);
	runner_channel_close(ch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ask_reply,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_ask_skips_other_lines,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_ask_keeps_later_bytes,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_ask_timeout,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_ask_child_exits,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_ask_error_reply,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_ask_bad_ext,
		    t_setup, t_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
