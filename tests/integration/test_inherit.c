/*
 * test_inherit.c: runnerd started by a careless parent, with 60
 * descriptors open without close-on-exec below everything runnerd opens
 * itself.  Its parked descriptors (lib/spawn.c's spawn_park) then sit
 * above them, and a child copies the table up to there: it must still
 * get only its own (0-2, and its notify descriptor), before and after
 * runnerd has opened hundreds more, and an exec failure must still be
 * told through the parked error pipe.  Through the real runnerd, started
 * by a python3 wrapper that opens the descriptors and execs it.
 */

#include "daemon.h"
#include "client.h"

#define INHERITED	60

/* Opens INHERITED descriptors, inheritable, then execs argv[1:]. */
static const char careless[] =
    "import os, sys\n"
    "for _ in range(60):\n"
    "    os.set_inheritable(os.open('/dev/null', os.O_RDONLY), True)\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n";

static int
inherit_setup(void **state)
{
	struct daemon	*d;
	char		*wrap[4];

	t_setup_bare(state);
	d = *state;
	wrap[0] = (char *)"/usr/bin/python3";
	wrap[1] = (char *)"-c";
	wrap[2] = (char *)careless;
	wrap[3] = NULL;
	d_spawn(d, d_fmt(d, "apps = {\n"
	    /* No pipeline: the shell would hold its pipe as ls lists. */
	    "  fds = { command = [\"sh\", \"-c\", \"ls /proc/$$/fd; "
	    "exec cat\"]; restart = \"no\"; };\n"
	    "  nfds = { command = [\"sh\", \"-c\", \"ls /proc/$$/fd; "
	    "echo >&3; exec cat\"]; ready = \"notify\"; "
	    "notify_fd = 3; restart = \"no\"; };\n"
	    "  many = { command = \"cat\"; instances = 100; restart = \"no\"; "
	    "};\n"
	    "  noexec = { command = \"%s/no-such-program\"; restart = \"no\"; "
	    "};\n"
	    "};\n", d->dir), wrap);
	d_drain_begin(d);
	d_wait_log(d, d_fmt(d, "runnerd: listening on %s\n", d->sock));
	return (0);
}

/* Start alias of app; its first output must be want. */
static void
expect_fds(struct daemon *d, struct client *c, const char *app,
    const char *alias, const char *want)
{
	d_saw(d, cl_start(c, app, alias));
	cl_read_expect(c, alias, want, strlen(want));
}

static void
test_children_get_theirs(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);

	/* The wrapper did its part: runnerd holds what it inherited. */
	assert_true(t_fd_count(d->pid) > INHERITED);
	expect_fds(d, c, "fds", "f1", "0\n1\n2\n");
	expect_fds(d, c, "nfds", "n1", "0\n1\n2\n3\n");
	/* Hundreds more of runnerd's own, above the parked ones. */
	j_ok(cl_call(c, "start", "{\"app\": \"many\"}"));
	assert_true(t_fd_count(d->pid) > INHERITED + 200);
	expect_fds(d, c, "fds", "f2", "0\n1\n2\n");
	expect_fds(d, c, "nfds", "n2", "0\n1\n2\n3\n");
	j_err(cl_call(c, "start", "{\"app\": \"noexec\"}"), "ESPAWN");
	/* And after the failure, the parked numbers are whole again. */
	expect_fds(d, c, "fds", "f3", "0\n1\n2\n");
	j_ok(cl_call(c, "stop", "{\"all\": true}"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_children_get_theirs,
		    inherit_setup, t_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
