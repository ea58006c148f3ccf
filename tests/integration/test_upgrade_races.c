/*
 * test_upgrade_races.c: what may happen while an upgrade is under way,
 * before the exec.  A shutdown wins (`runnerctl shutdown` while the new
 * binary's --version runs; SIGTERM while the upgrade waits for a
 * rolling restart, when no request is read): the upgrade is answered
 * EUPGRADE "runnerd is shutting down", the check is killed, and runnerd
 * stops everything and exits 0 (it used to exec the new binary, which
 * then served on with everything stopped).  A binary written over in
 * place (cp onto it: the same inode) while the upgrade waited is not
 * executed: what the descriptor holds now is not what was checked.  A
 * --version that answers and exits but leaves a child holding its
 * output is told apart from one that never answered, and the child is
 * killed. */

#include <fcntl.h>

#include "upgrade_world.h"

/* runnerctl upgrade --binary path, in the background. */
static void
ra_upgrade_bg(struct daemon *d, struct u_bg *b, char *path)
{
	char	*argv[] = { d->runnerctl, (char *)"-s", d->sock,
	    (char *)"upgrade", (char *)"--binary", path, NULL };

	u_bg_start(d, b, argv);
}

/* The upgrade asked by b was given up for the shutdown; runnerd left. */
static void
ra_shut(struct daemon *d, struct u_bg *b)
{
	struct run	*r = u_bg_wait(d, b);

	r_status(r, 1);
	assert_string_equal(r->err, "runnerctl: EUPGRADE: runnerd is "
	    "shutting down\n");
	assert_int_equal(d_wait_exit(d), 0);
	d_assert_clean_exit(d);
}

/* Let one instance of gated through its gate (a line in the FIFO). */
static void
ra_let(struct daemon *d)
{
	static int	 gate = -1;	/* read-write: opening never blocks */
	static char	 path[PATH_MAX];	/* ... of this test's FIFO */

	if (strcmp(path, d_fmt(d, "%s/gate", d->dir)) != 0) {
		if (gate != -1)
			close(gate);
		snprintf(path, sizeof(path), "%s/gate", d->dir);
		assert_true((gate = open(path, O_RDWR | O_CLOEXEC)) >= 0);
	}
	assert_int_equal(write(gate, "go\n", 3), 3);
}

/*
 * Start gated, then a rolling restart of it that waits (its first new
 * instance is not through the gate); then an upgrade to path, which
 * waits for the roll.  The roll's client, and *tag its request's.
 */
static struct client *
ra_drain(struct uw_world *w, struct u_bg *b, char *path, long long *tag)
{
	struct daemon	*d = w->d;
	struct client	*q = cl_open(d);
	struct json	*j;

	ra_let(d);
	ra_let(d);
	j_ok(cl_call(q, "start", "{\"app\": \"gated\"}"));
	cl_wait_state(w->c, "gated-1", "running", &j);	/* spawned: */
	cl_wait_state(w->c, "gated-2", "running", &j);	/* now ready */
	*tag = cl_req(q, "restart", "{\"rolling\": true, \"app\": "
	    "\"gated\"}");
	cl_wait_state(w->c, "gated-1", "starting", &j);
	ra_upgrade_bg(d, b, path);
	d_wait_log(d, ": waiting for the end of ");
	return (q);
}

/*
 * runnerctl shutdown while the new binary's --version runs: no upgrade,
 * runnerctl says runnerd stopped, and it is true.
 */
static void
test_upgrade_shutdown_during_check(void **state)
{
	struct daemon	*d = *state;
	struct uw_world	 w;
	struct u_bg	 b;
	char		 hang[PATH_MAX];

	uw_private(d, "tests/helpers/hang", hang);
	uw_world(d, &w);
	ra_upgrade_bg(d, &b, hang);
	d_wait_log(d, d_fmt(d, "upgrade to %s: checking it", hang));
	r_status(CTL(d, "shutdown"), 0);
	ra_shut(d, &b);
	uw_none(hang);
}

/*
 * SIGTERM while the upgrade waits for a rolling restart (no request is
 * read meanwhile): the upgrade and the roll are answered with errors,
 * and runnerd stops.
 */
static void
test_upgrade_term_during_drain(void **state)
{
	struct daemon	*d = *state;
	struct uw_world	 w;
	struct u_bg	 b;
	struct client	*q;
	struct json	*j;
	long long	 tag;

	uw_world(d, &w);
	q = ra_drain(&w, &b, u_variant(d, "next"), &tag);
	assert_int_equal(kill(d->pid, SIGTERM), 0);
	ra_shut(d, &b);
	j = cl_reply_tag(q, tag);
	if (json_get(j, 0, "ok") != -1 && j_bool(j, 0, "ok"))
		fail_msg("the roll succeeded across a shutdown");
}

/*
 * The checked binary written over in place while the upgrade waits:
 * refused when the wait ends, never executed.  What it holds then is a
 * runnerd that refuses the state: were it executed, the answer would be
 * "refused the state" instead.
 */
static void
test_upgrade_binary_changed(void **state)
{
	struct daemon	*d = *state;
	struct uw_world	 w;
	struct u_bg	 b;
	struct client	*q;
	char		*path = d_fmt(d, "%s/runnerd-new", d->dir);
	char		*argv[] = { (char *)"/bin/cp", u_variant(d, "refuses"),
	    path, NULL };
	long long	 tag;

	uw_world(d, &w);
	uw_install(d, u_variant(d, "next"), path);
	q = ra_drain(&w, &b, path, &tag);
	r_status(t_run(d, argv, NULL, 0), 0);	/* into the same inode */
	ra_let(d);			/* gated-1, then gated-2 */
	ra_let(d);
	j_ok(cl_reply_tag(q, tag));
	u_refused(u_bg_wait(d, &b), d_fmt(d, "'%s' changed since it was "
	    "checked; ask again", path));
	u_snap(w.c, &w.snap);		/* the roll's new pids */
	w.fds = d_fds_probe(d);
	uw_intact(&w);
	cl_close(q);
}

/*
 * A --version that answers and exits 0 but leaves a child holding its
 * output: given up after 5 s saying so, and the child is killed.
 */
static void
test_upgrade_check_lingers(void **state)
{
	struct daemon	*d = *state;
	struct uw_world	 w;
	char		 linger[PATH_MAX];

	uw_private(d, "tests/helpers/linger", linger);
	uw_world(d, &w);
	u_refused(u_upgrade(d, linger), d_fmt(d, "'%s --version' exited, "
	    "but what it started held its output for 5 s", linger));
	uw_none(linger);
	uw_intact(&w);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, uw_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_upgrade_shutdown_during_check),
		T(test_upgrade_term_during_drain),
		T(test_upgrade_binary_changed),
		T(test_upgrade_check_lingers),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
