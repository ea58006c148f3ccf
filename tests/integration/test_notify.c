/*
 * test_notify.c: runnerd under a service manager's NOTIFY_SOCKET (the
 * sd_notify protocol, as systemd's Type=notify expects): READY=1 with
 * runnerd's MAINPID once it listens, RELOADING=1 then READY=1 around a
 * reload (SIGHUP or the reload command), STOPPING=1 once on SIGTERM; a
 * path socket and an abstract one; the instances, autostarted or not, do
 * not inherit NOTIFY_SOCKET; a socket nobody listens on is reported once
 * and changes nothing else.
 */

#include "daemon.h"

/* Instances that say whether they see NOTIFY_SOCKET. */
#define SHOWENV \
    "  showenv = { command = [\"sh\", \"-c\", " \
    "\"echo notify=${NOTIFY_SOCKET-unset}; exec cat\"]; restart = \"no\"; " \
    "autostart = true; };\n"
static const char notify_conf[] = "apps = {\n" SHOWENV "};\n";
/* A reload that starts 100 instances more. */
static const char notify_many[] = "apps = {\n" SHOWENV
    "  many = { command = \"cat\"; instances = 100; autostart = true; "
    "restart = \"no\"; };\n};\n";
/* A reload that starts 200 others (and stops those 100). */
static const char notify_more[] = "apps = {\n" SHOWENV
    "  more = { command = \"cat\"; instances = 200; autostart = true; "
    "restart = \"no\"; };\n};\n";

/* How many instances status lists running. */
static int
n_running(struct client *c)
{
	struct json	*j;
	int		 a, k, n = 0;

	j = cl_call(c, "status", NULL);
	a = j_type(j, j_ok(j), "instances", JSON_ARRAY);
	for (k = 0; k < json_len(j, a); k++)
		if (json_streq(j, json_get(j, json_at(j, a, k), "state"),
		    "running"))
			n++;
	return (n);
}

/* Add NAME=value to the environment runnerd gets. */
static void
n_setenv(struct daemon *d, const char *nv)
{
	size_t	 n;

	for (n = 0; d->envp[n] != NULL; n++)
		;
	assert_non_null(d->envp = realloc(d->envp, (n + 2) *
	    sizeof(*d->envp)));
	d->envp[n] = d_fmt(d, "%s", nv);
	d->envp[n + 1] = NULL;
}

/*
 * A datagram socket bound at name: a path, or "@name" for an abstract
 * one.  The fd; closed at the end of the test by n_close.
 */
static int
n_bind(const char *name)
{
	struct sockaddr_un	 sa;
	socklen_t		 len;
	int			 fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	assert_true(strlen(name) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, name, strlen(name));
	len = sizeof(sa);
	if (name[0] == '@') {
		sa.sun_path[0] = '\0';
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    strlen(name));
	}
	assert_true((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, len), 0);
	return (fd);
}

/* The next message (kept), waiting at most T_WAIT_MS. */
static char *
n_recv(struct daemon *d, int fd)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN };
	char		 buf[4096];
	ssize_t		 n;

	if (poll(&pfd, 1, T_WAIT_MS) != 1)
		fail_msg("no notification within %d ms; runnerd's output:\n%.*s",
		    T_WAIT_MS, (int)d->loglen, d->log);
	assert_true((n = recv(fd, buf, sizeof(buf) - 1, 0)) >= 0);
	buf[n] = '\0';
	return (d_fmt(d, "%s", buf));
}

/* No message is waiting. */
static void
n_none(struct daemon *d, int fd)
{
	char	 buf[256];
	ssize_t	 n;

	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	if (n >= 0)
		fail_msg("unexpected notification '%.*s'", (int)n, buf);
	assert_int_equal(errno, EAGAIN);
	(void)d;
}

/* READY=1 and MAINPID= runnerd's pid. */
static void
n_expect_ready(struct daemon *d, int fd)
{
	char	*m = n_recv(d, fd);

	assert_string_equal(m, d_fmt(d, "READY=1\nMAINPID=%ld",
	    (long)d->pid));
}

/* RELOADING=1 (with MONOTONIC_USEC=), then READY=1. */
static void
n_expect_reload(struct daemon *d, int fd)
{
	char	*m = n_recv(d, fd);

	if (strncmp(m, "RELOADING=1\nMONOTONIC_USEC=", 27) != 0)
		fail_msg("expected RELOADING=1, got '%s'", m);
	n_expect_ready(d, fd);
}

/* Start runnerd with NOTIFY_SOCKET=name; the bound socket. */
static int
n_start(struct daemon *d, const char *name)
{
	int	 fd = n_bind(name);

	n_setenv(d, d_fmt(d, "NOTIFY_SOCKET=%s", name));
	d_start(d, notify_conf);
	return (fd);
}

/*
 * The whole life on a path socket: ready, two reloads, instances without
 * NOTIFY_SOCKET, stopping.
 */
static void
test_notify_path(void **state)
{
	struct daemon	*d = *state;
	struct client	*c, *c2;
	struct json	*j;
	long long	 tag;
	int		 fd;

	fd = n_start(d, d_fmt(d, "%s/notify.sock", d->dir));
	n_expect_ready(d, fd);
	n_none(d, fd);

	/* Autostarted before READY, and started later: neither sees it. */
	c = cl_open(d);
	c2 = cl_open(d);
	d_saw(d, cl_start(c, "showenv", "showenv"));
	cl_read_expect(c, "showenv", "notify=unset\n", 13);
	d_saw(d, cl_start(c, "showenv", "e2"));
	cl_read_expect(c, "e2", "notify=unset\n", 13);
	n_none(d, fd);

	assert_int_equal(kill(d->pid, SIGHUP), 0);
	n_expect_reload(d, fd);
	j_ok(cl_call(c, "reload", NULL));
	n_expect_reload(d, fd);
	/*
	 * A reload that starts 100 instances: READY=1 once each has had its
	 * turn, the reply too (a wave: sent before then, systemd would take
	 * the reload as done while they still wait).
	 */
	tag = cl_req(c, "reload", "{\"config\": %s}", t_jstr(notify_many));
	n_expect_reload(d, fd);
	assert_int_equal(n_running(c2), 102);	/* showenv, e2 */
	j = cl_reply_tag(c, tag);
	assert_int_equal(json_len(j, j_type(j, j_ok(j), "started",
	    JSON_ARRAY)), 100);
	j_ok(cl_call(c, "reload", "{\"config\": %s}", t_jstr(notify_conf)));
	n_expect_reload(d, fd);
	/* A refused configuration: the old one runs on, ready. */
	j_err(cl_call(c, "reload", "{\"config\": \"apps = { x = 1; };\"}"),
	    "ECONFIG");
	n_expect_reload(d, fd);
	n_none(d, fd);

	d_stop(d, SIGTERM);
	assert_string_equal(n_recv(d, fd), "STOPPING=1");
	n_none(d, fd);
	close(fd);
}

/* An abstract socket ('@'); the shutdown command says STOPPING=1 too. */
static void
test_notify_abstract(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;
	int		 fd;

	/* The directory's unique suffix keeps the name to this test. */
	fd = n_start(d, d_fmt(d, "@runner-itest-notify-%s",
	    strrchr(d->dir, '.') + 1));
	n_expect_ready(d, fd);
	c = cl_open(d);
	d_saw(d, cl_start(c, "showenv", "showenv"));
	cl_read_expect(c, "showenv", "notify=unset\n", 13);
	assert_int_equal(kill(d->pid, SIGHUP), 0);
	n_expect_reload(d, fd);
	j_ok(cl_call(c, "shutdown", NULL));
	assert_string_equal(n_recv(d, fd), "STOPPING=1");
	/* SIGTERM during the shutdown: still one STOPPING=1. */
	kill(d->pid, SIGTERM);
	assert_int_equal(d_wait_exit(d), 0);
	d_assert_clean_exit(d);
	n_none(d, fd);
	close(fd);
}

/*
 * Nobody listens at NOTIFY_SOCKET: runnerd says so once, for all the
 * messages it could not send, and works as ever.
 */
static void
test_notify_unreachable(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;
	const char	*p;
	size_t		 mark;
	int		 n = 0;

	n_setenv(d, d_fmt(d, "NOTIFY_SOCKET=%s/nobody.sock", d->dir));
	d_start(d, notify_conf);
	c = cl_open(d);
	d_saw(d, cl_start(c, "showenv", "showenv"));
	cl_read_expect(c, "showenv", "notify=unset\n", 13);
	mark = d_log_mark(d);
	assert_int_equal(kill(d->pid, SIGHUP), 0);
	d_wait_log_from(d, mark, "reloaded");
	d_stop(d, SIGTERM);
	d_drain_stop(d);
	d->log[d->loglen] = '\0';
	for (p = d->log; (p = strstr(p, "NOTIFY_SOCKET")) != NULL; p++)
		n++;
	if (n != 1)
		fail_msg("runnerd mentions NOTIFY_SOCKET %d times, not once:\n%s",
		    n, d->log);
	assert_non_null(strstr(d->log, "nobody.sock"));
}

/* Not a path nor @name: said once at start-up, and no notifying. */
static void
test_notify_bad_value(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;

	n_setenv(d, "NOTIFY_SOCKET=relative/notify.sock");
	d_start(d, notify_conf);
	d_wait_log(d, "NOTIFY_SOCKET=relative/notify.sock: not a path");
	c = cl_open(d);
	d_saw(d, cl_start(c, "showenv", "showenv"));
	cl_read_expect(c, "showenv", "notify=unset\n", 13);
	d_stop(d, SIGTERM);
}

/*
 * Reloads whose starts are a wave (one launch per turn of runnerd's
 * loop): a refused reload in the middle of another's wave says
 * RELOADING=1 but not READY=1, which comes once, when the wave is over;
 * a shutdown in the middle of a wave says STOPPING=1 and never READY=1
 * after it (the cut wave's reload answered all the same).  Each pair of
 * requests goes in one write, so no launch comes between them.
 */
static void
test_notify_reload_waves(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;
	struct json	*j;
	int		 fd, ext, k;

	n_setenv(d, "RUNNERD_LAUNCH_BATCH=1");
	fd = n_start(d, d_fmt(d, "%s/notify.sock", d->dir));
	n_expect_ready(d, fd);
	c = cl_open(d);
	cl_sendf(c, "{\"tag\": 1, \"cmd\": \"reload\", \"ext\": "
	    "{\"config\": %s}}\n{\"tag\": 2, \"cmd\": \"reload\", \"ext\": "
	    "{\"config\": \"apps = { x = 1; };\"}}\n", t_jstr(notify_many));
	c->tag = 2;
	j_err(cl_reply_tag(c, 2), "ECONFIG");
	j = cl_reply_tag(c, 1);
	assert_int_equal(json_len(j, j_type(j, j_ok(j), "started",
	    JSON_ARRAY)), 100);
	if (strncmp(n_recv(d, fd), "RELOADING=1\n", 12) != 0)
		fail_msg("expected RELOADING=1");
	n_expect_reload(d, fd);
	n_none(d, fd);

	cl_sendf(c, "{\"tag\": 3, \"cmd\": \"reload\", \"ext\": "
	    "{\"config\": %s}}\n{\"tag\": 4, \"cmd\": \"shutdown\"}\n",
	    t_jstr(notify_more));
	/* The shutdown's answer, then the reload's, its wave cut. */
	for (k = 0; k < 2; k++) {
		j = cl_json(c);
		ext = j_ok(j);
		if (j_int(j, 0, "tag") == 4)
			continue;
		assert_int_equal(j_int(j, 0, "tag"), 3);
		assert_int_equal(json_len(j, j_type(j, ext, "failed",
		    JSON_ARRAY)) + json_len(j, j_type(j, ext, "started",
		    JSON_ARRAY)), 200);
	}
	if (strncmp(n_recv(d, fd), "RELOADING=1\n", 12) != 0)
		fail_msg("expected RELOADING=1");
	assert_string_equal(n_recv(d, fd), "STOPPING=1");
	assert_int_equal(d_wait_exit(d), 0);
	d_assert_clean_exit(d);
	n_none(d, fd);
	close(fd);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, t_setup_bare, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_notify_path),
		T(test_notify_abstract),
		T(test_notify_unreachable),
		T(test_notify_bad_value),
		T(test_notify_reload_waves),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
