/*
 * test_upgrade_lib.c: a program on librunner through runnerd does not
 * notice an upgrade: its channel (an attach) carries on, its direct
 * channel (the instance's own descriptor, with runnerd's lease on a
 * connection of its own) carries on and the new runnerd still honours
 * the lease (a write request gets EPERM) until the handle is closed,
 * then relays the channel again; its events keep coming.
 */

#include "upgrade.h"

/* Write text on ch and read it back (cat echoes). */
static void
lb_echo(struct runner_channel *ch, const char *text)
{
	char		 got[256];
	size_t		 len = strlen(text), n = 0;
	ssize_t		 k;

	assert_true(len < sizeof(got));
	for (n = 0; n < len; n += (size_t)k) {
		if ((k = runner_channel_write(ch, text + n, len - n)) ==
		    RUNNER_EAGAIN) {
			if (fd_wait(runner_channel_fd(ch), POLLOUT,
			    clock_now() + T_WAIT_MS / 1000.0) != 1)
				fail_msg("no room to write in %d ms",
				    T_WAIT_MS);
			k = 0;
			continue;
		}
		if (k < 0)
			fail_msg("write: %s (%s)", runner_strerror((int)k),
			    runner_channel_errmsg(ch));
	}
	for (n = 0; n < len; n += (size_t)k) {
		if ((k = runner_channel_read(ch, got + n, len - n)) ==
		    RUNNER_EAGAIN) {
			if (runner_channel_wait(ch, T_WAIT_MS) != 0)
				fail_msg("nothing came back in %d ms", T_WAIT_MS);
			k = 0;
			continue;
		}
		if (k < 0)
			fail_msg("read: %s (%s)", runner_strerror((int)k),
			    runner_channel_errmsg(ch));
	}
	got[len] = '\0';
	assert_string_equal(got, text);
}

/* The next event of r about alias of kind (others skipped), bounded. */
static void
lb_event(struct runner *r, int kind, const char *alias)
{
	struct runner_event	 ev;
	struct pollfd		 pfd;
	long long		 end = t_ms() + T_WAIT_MS;
	int			 rc;

	assert_true((pfd.fd = runner_events_fd(r)) >= 0);
	pfd.events = POLLIN;
	for (;;) {
		memset(&ev, 0, sizeof(ev));
		ev.version = RUNNER_EVENT_VERSION;
		if ((rc = runner_next_event(r, &ev)) == 1) {
			if (ev.kind == kind && strcmp(ev.alias, alias) == 0)
				return;
			continue;
		}
		if (rc != 0)
			fail_msg("runner_next_event: %s", runner_strerror(rc));
		if (t_ms() > end || poll(&pfd, 1, (int)(end - t_ms())) != 1)
			fail_msg("no event %d about '%s' in %d ms", kind,
			    alias, T_WAIT_MS);
	}
}

static void
test_upgrade_library(void **state)
{
	struct daemon		*d = *state;
	struct client		*c = cl_open(d);
	struct runner		*r;
	struct runner_channel	*ch, *dch;
	struct json		*j;
	long long		 end;

	d_saw(d, cl_start(c, "cat", "c1"));
	d_saw(d, cl_start(c, "cat", "c2"));
	assert_non_null(r = runner_connect(d->sock));
	assert_int_equal(runner_errcode(r), 0);
	assert_true(runner_events_fd(r) >= 0);
	assert_non_null(ch = runner_get_channel(r, "c1"));
	assert_non_null(dch = runner_get_channel_direct(r, "c2"));
	lb_echo(ch, "one\n");
	lb_echo(dch, "two\n");

	(void)u_upgraded(d, u_upgrade(d, u_variant(d, "next")), "0.1.0-next",
	    1);
	lb_echo(ch, "three\n");
	lb_echo(dch, "four\n");
	j_err(cl_call(c, "write", "{\"alias\": \"c2\", \"text\": \"x\"}"),
	    "EPERM");

	/* The lease ends with the handle: runnerd relays c2 again. */
	runner_channel_close(dch);
	end = t_ms() + T_WAIT_MS;
	while (j = cl_call(c, "write", "{\"alias\": \"c2\", \"text\": "
	    "\"five\\n\"}"), json_get(j, 0, "error") != -1) {
		j_err(j, "EPERM");
		if (t_ms() > end)
			fail_msg("c2's lease outlived its handle");
		usleep(10000);
	}
	j_ok(j);
	cl_read_expect(c, "c2", "five\n", 5);

	/* Events still come, from the new runnerd. */
	j_ok(cl_call(c, "stop", "{\"alias\": \"c1\"}"));
	lb_event(r, RUNNER_EVENT_STOPPED, "c1");
	runner_channel_close(ch);
	runner_free(r);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_upgrade_library),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
