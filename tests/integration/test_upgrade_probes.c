/*
 * test_upgrade_probes.c: what an upgrade does to health probes and the
 * metrics listener.  A verdict crosses the exec (a healthy instance is
 * still healthy right after, not "starting"); a probe in flight is
 * dropped (its process killed and reaped) and the next runs in the new
 * runnerd an interval after the dropped one began, not at once (all of
 * them at once would be a herd); the metrics listener is closed and
 * bound again on the same address, and serves the new version's figures.
 */

#include "upgrade.h"

#define CURL		"/usr/bin/curl"

/* The health object of alias in status; *jp gets the reply. */
static int
pr_health(struct client *c, const char *alias, struct json **jp)
{
	int	 e;

	if ((e = cl_status_of(c, alias, jp)) == -1)
		fail_msg("'%s' is not listed", alias);
	return (j_type(*jp, e, "health", JSON_OBJECT));
}

/* Wait (bounded) until alias's health says state; the health object. */
static int
pr_wait_health(struct client *c, const char *alias, const char *state,
    struct json **jp)
{
	long long	 end = t_ms() + T_WAIT_MS;
	int		 h;

	while (!json_streq(*jp, json_get(*jp, h = pr_health(c, alias, jp),
	    "state"), state)) {
		if (t_ms() > end)
			fail_msg("'%s' is not %s after %d ms: %.500s", alias,
			    state, T_WAIT_MS, json_raw(*jp, h, NULL));
		usleep(10000);
	}
	return (h);
}

/* The pid the probe wrote to DIR/name, once it is there (bounded). */
static pid_t
pr_probe_pid(struct daemon *d, const char *name, pid_t not)
{
	long long	 end = t_ms() + T_WAIT_MS;
	FILE		*fp;
	int		 pid;

	for (;;) {
		pid = 0;
		if ((fp = fopen(d_fmt(d, "%s/%s", d->dir, name), "r")) !=
		    NULL) {
			if (fscanf(fp, "%d", &pid) != 1)
				pid = 0;
			fclose(fp);
		}
		if (pid > 0 && pid != not)
			return (pid);
		if (t_ms() > end)
			fail_msg("no probe wrote %s in %d ms", name, T_WAIT_MS);
		usleep(10000);
	}
}

/* When the probe that wrote probe.pid began (date +%s.%N), or 0. */
static double
pr_probe_start(struct daemon *d)
{
	FILE	*fp;
	double	 t = 0;
	int	 pid;

	if ((fp = fopen(d_fmt(d, "%s/probe.pid", d->dir), "r")) != NULL) {
		if (fscanf(fp, "%d %lf", &pid, &t) != 2)
			t = 0;
		fclose(fp);
	}
	return (t);
}

/* GET /metrics on port: must answer 200; the body (kept). */
static char *
pr_metrics(struct daemon *d, int port)
{
	char		*argv[] = { (char *)CURL, (char *)"-sS", (char *)"-f",
	    (char *)"--max-time", (char *)"5", d_fmt(d,
	    "http://127.0.0.1:%d/metrics", port), NULL };
	struct run	*r;

	if (access(CURL, X_OK) != 0)
		fail_msg("%s: %s (make check installs curl)", CURL,
		    strerror(errno));
	r = t_run(d, argv, NULL, 0);
	if (r->status != 0)
		fail_msg("curl exited %d: %s", r->status, r->err);
	return (r->out);
}

static void
test_upgrade_probes(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;
	struct json	*j;
	struct u_hello	 h0;
	double		 started, t1;
	long long	 end;
	pid_t		 p1;
	int		 port = t_tcp_port(), h;

	d_file(d, "ok", "");
	d_start(d, d_fmt(d,
	    "metrics_listen = \"127.0.0.1:%d\";\n"
	    "apps = {\n"
	    "  well = { command = \"cat\"; restart = \"no\"; "
	    "health = { exec = [\"test\", \"-e\", \"%s/ok\"]; "
	    "interval = 0.1; }; };\n"
	    "  slow = { command = \"cat\"; restart = \"no\"; "
	    "health = { exec = [\"sh\", \"-c\", \"echo $$ $(date +%%s.%%N) "
	    ">%s/p.tmp && mv %s/p.tmp %s/probe.pid && exec sleep 60\"]; "
	    "interval = 3; timeout = 3; }; };\n"
	    "};\n", port, d->dir, d->dir, d->dir, d->dir));
	c = cl_open(d);
	d_saw(d, cl_start(c, "well", "well"));
	d_saw(d, cl_start(c, "slow", "slow"));
	pr_wait_health(c, "well", "healthy", &j);
	p1 = pr_probe_pid(d, "probe.pid", 0);
	assert_true(t_alive(p1));
	assert_non_null(strstr(pr_metrics(d, port), d_fmt(d,
	    "runner_build_info{version=\"%s\"", RUNNER_VERSION)));
	h0 = u_hello(c);

	(void)u_upgraded(d, u_upgrade(d, u_variant(d, "next")), "0.1.0-next",
	    1);
	/* The verdict crossed; the probe in flight did not. */
	h = pr_health(c, "well", &j);
	assert_true(json_streq(j, json_get(j, h, "state"), "healthy"));
	assert_true(t_wait_gone(p1));
	d_no_zombies(d);
	/*
	 * The next one runs when it would have, an interval after the one
	 * dropped began (not at once: every probe in flight at an upgrade
	 * would run again in the same instant).
	 */
	t1 = pr_probe_start(d);
	p1 = pr_probe_pid(d, "probe.pid", p1);
	assert_true(t_alive(p1));
	assert_true(pr_probe_start(d) - t1 >= 3 - 0.05);
	/* ... and well is probed again by the new runnerd. */
	started = u_hello(c).started;
	end = t_ms() + T_WAIT_MS;
	for (;;) {
		h = pr_wait_health(c, "well", "healthy", &j);
		if (j_num(j, json_get(j, h, "last"), "at") > started)
			break;
		if (t_ms() > end)
			fail_msg("well was not probed after the upgrade");
		usleep(10000);
	}

	/* The listener, bound again where it was, says the new version. */
	j = cl_call(c, "hello", NULL);
	assert_string_equal(j_str(j, j_ok(j), "metrics"), d_fmt(d,
	    "127.0.0.1:%d", port));
	assert_non_null(strstr(pr_metrics(d, port), d_fmt(d,
	    "runner_build_info{version=\"0.1.0-next\"")));
	assert_true(u_hello(c).started > h0.started);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, t_setup_bare, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_upgrade_probes),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
