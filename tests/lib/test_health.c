/*
 * test_health.c: health probes through librunner, in both backends.
 * Through runnerd: runner_status's health (version 2) goes healthy, and
 * RUNNER_EVENT_HEALTH comes with each change; a caller of version 1 gets
 * neither the field (nothing written past it) nor the event (it is
 * skipped).  In-process: starting an app with a probe, or with ready =
 * "healthy", fails with RUNNER_ENOTSUP saying that probes need runnerd,
 * and nothing is started.  An app without a probe reports
 * RUNNER_HEALTH_NONE in both.
 */

#include "common.h"

#define CONF	"apps = {\n" \
	"  web = { command = \"sleep 1000\"; health = { exec = [\"test\", " \
	"\"-e\", \"%s/ok\"]; interval = 0.1; retries = 1; }; };\n" \
	"  gate = { command = \"sleep 1000\"; ready = \"healthy\"; " \
	"health = { exec = \"true\"; }; };\n" \
	"  plain = { command = \"sleep 1000\"; };\n" \
	"};\n"

/* A file in the test's directory (made empty), or removed. */
static void
h_file(struct fixture *f, const char *name, int make)
{
	char	 path[PATH_MAX];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	if (!make) {
		assert_int_equal(unlink(path), 0);
		return;
	}
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fclose(fp), 0);
}

/* Skip events until a HEALTH one about alias saying want. */
static void
h_wait_health(struct fixture *f, const char *alias, int want)
{
	struct runner_event	 ev;

	do
		t_wait_event(f, RUNNER_EVENT_HEALTH, alias, &ev);
	while (ev.health != want);
	assert_int_equal(ev.version, RUNNER_EVENT_VERSION);
}

/*
 * Through runnerd: healthy, then unhealthy when the file goes, each an
 * event; status says the same.
 */
static void
test_health_daemon(void **state)
{
	struct fixture		*f = *state;
	struct runner_status	 st;

	if (!t_daemon())
		skip();
	t_config(f, CONF, f->dir);
	assert_true(runner_events_fd(f->r) >= 0);
	h_file(f, "ok", 1);
	assert_int_equal(runner_start(f->r, "web", NULL), 0);
	h_wait_health(f, "web", RUNNER_HEALTH_HEALTHY);
	t_status(f, "web", &st);
	assert_int_equal(st.version, 2);
	assert_int_equal(st.health, RUNNER_HEALTH_HEALTHY);
	h_file(f, "ok", 0);
	h_wait_health(f, "web", RUNNER_HEALTH_UNHEALTHY);
	/* ready = "healthy": runner_start returns once it passed. */
	assert_int_equal(runner_start(f->r, "gate", NULL), 0);
	t_status(f, "gate", &st);
	assert_int_equal(st.state, RUNNER_STATE_RUNNING);
	assert_int_equal(st.health, RUNNER_HEALTH_HEALTHY);
	t_status(f, "web", &st);
	assert_true(st.health != RUNNER_HEALTH_NONE);
}

/*
 * A caller built against version 1: status fills nothing past its
 * struct, and health events never reach it.
 */
static void
test_health_version1(void **state)
{
	struct fixture		*f = *state;
	struct {
		struct runner_status	 st;
		int			 guard;
	} v1;
	struct runner_event	 ev;
	size_t			 n = offsetof(struct runner_status, health);

	if (!t_daemon())
		skip();
	t_config(f, CONF, f->dir);
	assert_true(runner_events_fd(f->r) >= 0);
	h_file(f, "ok", 1);
	assert_int_equal(runner_start(f->r, "web", NULL), 0);
	h_wait_health(f, "web", RUNNER_HEALTH_HEALTHY);
	memset(&v1, 0x5a, sizeof(v1));
	v1.st.version = 1;
	assert_int_equal(runner_status(f->r, "web", &v1.st), 0);
	assert_int_equal(v1.st.version, 1);
	assert_int_equal(((unsigned char *)&v1.st)[n], 0x5a);
	/* Unhealthy, then a stop: version 1 sees the stop, not the health. */
	h_file(f, "ok", 0);
	assert_int_equal(runner_terminate(f->r, "web"), 0);
	for (;;) {
		struct pollfd	 pfd = { runner_events_fd(f->r), POLLIN, 0 };
		int		 rc;

		memset(&ev, 0, sizeof(ev));
		ev.version = 1;
		if ((rc = runner_next_event(f->r, &ev)) == 0) {
			assert_int_equal(poll(&pfd, 1, T_WAIT_MS), 1);
			continue;
		}
		assert_int_equal(rc, 1);
		assert_int_not_equal(ev.kind, RUNNER_EVENT_HEALTH);
		if (ev.kind == RUNNER_EVENT_STOPPED)
			break;
	}
}

/* In-process: no probes, and a clear refusal. */
static void
test_health_local(void **state)
{
	struct fixture		*f = *state;
	struct runner_status	 st;

	if (t_daemon())
		skip();
	t_config(f, CONF, f->dir);
	assert_int_equal(runner_start(f->r, "web", NULL), RUNNER_ENOTSUP);
	assert_string_equal(runner_errmsg(f->r), "'web': app 'web' has a "
	    "health probe, which needs runnerd (the in-process backend runs "
	    "none): use runner_connect");
	assert_int_equal(runner_start(f->r, "gate", NULL), RUNNER_ENOTSUP);
	memset(&st, 0, sizeof(st));
	st.version = RUNNER_STATUS_VERSION;
	assert_int_equal(runner_status(f->r, "web", &st), RUNNER_ENOALIAS);
}

/* No probe: RUNNER_HEALTH_NONE in both backends. */
static void
test_health_none(void **state)
{
	struct fixture		*f = *state;
	struct runner_status	 st;

	t_config(f, CONF, f->dir);
	assert_int_equal(runner_start(f->r, "plain", NULL), 0);
	t_status(f, "plain", &st);
	assert_int_equal(st.version, RUNNER_STATUS_VERSION);
	assert_int_equal(st.health, RUNNER_HEALTH_NONE);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_health_daemon),
		T(test_health_version1),
		T(test_health_local),
		T(test_health_none),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
