/*
 * test_metrics.c: runnerd's Prometheus metrics (runnerd/metrics.c,
 * metrics_http.c, lib/config_metrics.c) with a real runnerd, real
 * children, Prometheus's own promtool and curl:
 *
 * `runnerctl metrics` with instances running, exited (status 3), failed
 * (cannot be executed), restarted after a SIGKILL, probed healthy and
 * unhealthy: promtool check metrics passes, and the values are right
 * (up, state, ready, health, restarts_total, last exit code and signal,
 * requests_total by command and result, an unknown command counted as
 * "unknown", not under the name a client made up); the endpoint scraped
 * by curl (GET 200 text/plain; version=0.0.4, HEAD, POST 405, another
 * path 404, the same families as the command); a port in use (runnerd
 * starts, logs it with the errno in words, hello says metrics_error and
 * runnerctl ping says why, a reload once the port is free binds it);
 * values that do not parse
 * (runnerd -n and reload: file:line, the endpoint in force kept); a
 * reload that moves the endpoint and one that removes it (the old port
 * refused, runnerd's descriptors as before); scrapers that connect and
 * send nothing, that stop reading a large response, and more than the
 * connection limit: a concurrent runnerctl status still answers at
 * once, runnerd closes them within its idle timeout, and descriptors
 * come back.
 */

/*
 * A reload that starts MANY instances took over 10 s under valgrind on
 * CI's loaded machine: the bound on each wait is raised for this file
 * alone, so a slow machine is not a failure and a hang still is.
 */
#define T_WAIT_MS	60000

#include <netinet/in.h>

#include <math.h>

#include "daemon.h"
#include "ctl.h"

#define PROMTOOL	"/usr/bin/promtool"
#define CURL		"/usr/bin/curl"
#define MANY		300	/* instances behind a large response */
#define CROWD		20	/* connections, over runnerd's 16 */
#define STATUS_MS	2000	/* a status among stalled scrapers */
#define IDLE_MS		25000	/* runnerd's idle timeout (10 s), twice:
				   the crowd past the limit waits in
				   the backlog for the first 16 */

/* A connection to 127.0.0.1:port (rcvbuf: its receive buffer, or 0). */
static int
m_connect(int port, int rcvbuf)
{
	struct sockaddr_in	 sin;
	int			 fd;

	assert_true((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) !=
	    -1);
	if (rcvbuf > 0)
		assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		    sizeof(rcvbuf)), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* The configuration: every state a test looks at, the endpoint on port. */
static char *
m_conf(struct daemon *d, int port)
{
	return (d_fmt(d,
	    "metrics_listen = \"127.0.0.1:%d\"\n"
	    "apps = {\n"
	    "  cat = { command = \"cat\"; restart = \"no\"; };\n"
	    "  fail3 = { command = [\"sh\", \"-c\", \"exit 3\"]; "
	    "restart = \"no\"; };\n"
	    "  noexec = { command = \"%s/no-such-program\"; "
	    "restart = \"no\"; };\n"
	    "  loop = { command = \"sleep 1000\"; restart = \"always\"; "
	    "backoff_initial = 0; };\n"
	    "  well = { command = \"sleep 1000\"; restart = \"no\"; "
	    "health = { exec = \"true\"; interval = 30; }; };\n"
	    "  sick = { command = \"sleep 1000\"; restart = \"no\"; "
	    "health = { exec = \"false\"; interval = 30; retries = 1; }; };\n"
	    "  many = { command = \"sleep 1000\"; restart = \"no\"; };\n"
	    "};\n", port, d->dir));
}

static int	 m_ports[2];	/* the fixture's endpoint, and a spare */

static int
m_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	m_ports[0] = t_tcp_port();
	m_ports[1] = t_tcp_port();
	d_start(d, m_conf(d, m_ports[0]));
	d_wait_log(d, d_fmt(d, "metrics on http://127.0.0.1:%d/metrics",
	    m_ports[0]));
	return (0);
}

/* `runnerctl metrics`, which must succeed: its output. */
static char *
m_metrics(struct daemon *d)
{
	struct run	*r = CTL(d, "metrics");

	r_status(r, 0);
	return (r->out);
}

/* promtool check metrics on text: it must pass, and say nothing. */
static void
m_promtool(struct daemon *d, const char *text)
{
	char *const	 argv[] = { (char *)PROMTOOL, (char *)"check",
			    (char *)"metrics", NULL };
	struct run	*r;

	if (access(PROMTOOL, X_OK) != 0)
		fail_msg("%s: %s (Debian's prometheus package: make check "
		    "installs it)", PROMTOOL, strerror(errno));
	r = t_run(d, argv, text, strlen(text));
	if (r->status != 0 || r->outlen != 0 || r->errlen != 0)
		fail_msg("promtool check metrics exited %d: %s%s\non:\n%.2000s",
		    r->status, r->out, r->err, text);
}

/*
 * The value of the sample series (name and labels, as written) in text;
 * fails when it is not there, unless absent_ok (then NAN).
 */
static double
m_value(const char *text, const char *series, int absent_ok)
{
	const char	*p = text;
	size_t		 n = strlen(series);

	for (; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 :
	    NULL)
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return (strtod(p + n + 1, NULL));
	if (!absent_ok)
		fail_msg("no %s in:\n%.3000s", series, text);
	return (NAN);
}
#define M(text, series)		m_value((text), (series), 0)
#define M_ABSENT(text, series)	assert_true(isnan(m_value((text), (series), 1)))

/* curl ARGS... URL-on-port: its run (exit status, output). */
static struct run *
m_curl(struct daemon *d, int port, const char *path, const char *a1,
    const char *a2)
{
	char	*argv[12];
	int	 n = 0;

	argv[n++] = (char *)CURL;
	argv[n++] = (char *)"-sS";
	argv[n++] = (char *)"--max-time";
	argv[n++] = (char *)"5";
	if (a1 != NULL)
		argv[n++] = (char *)a1;
	if (a2 != NULL)
		argv[n++] = (char *)a2;
	argv[n++] = d_fmt(d, "http://127.0.0.1:%d%s", port, path);
	argv[n] = NULL;
	if (access(CURL, X_OK) != 0)
		fail_msg("%s: %s (make check installs curl)", CURL,
		    strerror(errno));
	return (t_run(d, argv, NULL, 0));
}

/* The status line and headers curl -i printed: code and content type. */
static void
m_expect(struct run *r, const char *code, const char *type)
{
	if (r->status != 0 || strncmp(r->out, "HTTP/1.1 ", 9) != 0 ||
	    strncmp(r->out + 9, code, 3) != 0 ||
	    (type != NULL && strcasestr(r->out, d_fmt(t_d,
	    "Content-Type: %s\r\n", type)) == NULL))
		fail_msg("curl exited %d, want %s %s:\n%.600s%s", r->status,
		    code, type != NULL ? type : "", r->out, r->err);
}

/* Every state at once: promtool passes, and each value is right. */
static void
test_states(void **state)
{
	struct daemon	*d = *state;
	struct client	*s = cl_open(d), *c = cl_open(d);
	struct run	*r;
	const char	*t;
	pid_t		 old;

	j_ok(cl_call(s, "subscribe", NULL));
	cl_start(c, "cat", "cat");
	cl_start(c, "fail3", "fail3");
	j_err(cl_call(c, "start", "{\"app\": \"noexec\"}"), "ESPAWN");
	old = cl_start(c, "loop", "loop");
	cl_event_about(s, "fail3", "exited", NULL, NULL);
	/*
	 * One probed app's verdict before the next starts: started together,
	 * their probes run side by side (probe_spawn.c's threads) and end in
	 * either order, and cl_event_about passes over the events it is not
	 * waiting for, the other's verdict too.
	 */
	cl_start(c, "well", "well");
	cl_event_about(s, "well", "health", "healthy", NULL);
	cl_start(c, "sick", "sick");
	cl_event_about(s, "sick", "health", "unhealthy", NULL);
	cl_event_about(s, "sick", "failed", NULL, NULL);
	r_status(CTL(d, "kill", "-s", "KILL", "loop"), 0);
	cl_event_about(s, "loop", "restarted", NULL, NULL);
	assert_true(cl_pid_of(c, "loop") != old);
	r_status(CTL(d, "stop", "nosuch"), 1);		/* ENOALIAS */
	cl_sendf(c, "{\"tag\": 9, \"cmd\": \"made\\\"up\\\\\"}\n");
	j_err(cl_reply_tag(c, 9), "ENOCMD");

	t = m_metrics(d);
	m_promtool(d, t);
	assert_true(M(t, "runner_instance_up{app=\"cat\",alias=\"cat\"}") == 1);
	assert_true(M(t, "runner_instance_ready{app=\"cat\",alias=\"cat\"}") ==
	    1);
	assert_true(M(t, "runner_instance_state{app=\"cat\",alias=\"cat\","
	    "state=\"running\"}") == 1);
	assert_true(M(t, "runner_instance_state{app=\"cat\",alias=\"cat\","
	    "state=\"exited\"}") == 0);
	assert_true(M(t, "runner_instance_start_time_seconds{app=\"cat\","
	    "alias=\"cat\"}") > time(NULL) - 60);
	M_ABSENT(t, "runner_instance_health{app=\"cat\",alias=\"cat\","
	    "state=\"healthy\"}");
	/* Ended: up 0, its state, how it ended, no start time. */
	assert_true(M(t, "runner_instance_up{app=\"fail3\",alias=\"fail3\"}") ==
	    0);
	assert_true(M(t, "runner_instance_state{app=\"fail3\",alias=\"fail3\","
	    "state=\"exited\"}") == 1);
	assert_true(M(t, "runner_instance_last_exit_code{app=\"fail3\","
	    "alias=\"fail3\"}") == 3);
	M_ABSENT(t, "runner_instance_start_time_seconds{app=\"fail3\","
	    "alias=\"fail3\"}");
	assert_true(M(t, "runner_instance_state{app=\"noexec\","
	    "alias=\"noexec\",state=\"failed\"}") == 1);
	assert_true(M(t, "runner_instances{state=\"exited\"}") == 1);
	/* Killed and restarted. */
	assert_true(M(t, "runner_instance_restarts_total{app=\"loop\","
	    "alias=\"loop\"}") == 1);
	assert_true(M(t, "runner_instance_last_exit_signal{app=\"loop\","
	    "alias=\"loop\"}") == SIGKILL);
	assert_true(M(t, "runner_instance_up{app=\"loop\",alias=\"loop\"}") ==
	    1);
	/* Probed: one series per verdict. */
	assert_true(M(t, "runner_instance_health{app=\"well\",alias=\"well\","
	    "state=\"healthy\"}") == 1);
	assert_true(M(t, "runner_instance_health{app=\"well\",alias=\"well\","
	    "state=\"unhealthy\"}") == 0);
	/* Stopped by its probe: failed; no process, no verdict (status's). */
	assert_true(M(t, "runner_instance_state{app=\"sick\",alias=\"sick\","
	    "state=\"failed\"}") == 1);
	assert_true(M(t, "runner_instance_health{app=\"sick\",alias=\"sick\","
	    "state=\"healthy\"}") == 0);
	assert_true(M(t, "runner_instances{state=\"failed\"}") == 2);
	/* Requests, by command and result; made-up names are "unknown". */
	assert_true(M(t, "runner_requests_total{command=\"start\","
	    "result=\"ok\"}") == 5);
	assert_true(M(t, "runner_requests_total{command=\"start\","
	    "result=\"ESPAWN\"}") == 1);
	assert_true(M(t, "runner_requests_total{command=\"stop\","
	    "result=\"ENOALIAS\"}") >= 1);
	assert_true(M(t, "runner_requests_total{command=\"unknown\","
	    "result=\"ENOCMD\"}") == 1);
	assert_null(strstr(t, "made"));
	assert_true(M(t, "runner_clients") >= 2);
	/* Counted by runnerd and by us: clients may come and go between. */
	assert_true(fabs(M(t, "process_open_fds") - t_fd_count(d->pid)) <= 2);
	assert_true(M(t, "process_resident_memory_bytes") > 1e6);
	assert_true(M(t, "runner_loop_lag_seconds") >= 0);
	assert_true(M(t, "runner_build_info{version=\"" RUNNER_VERSION
	    "\",protocol=\"10\"}") == 1);
	r = CTL(d, "metrics", "--json");
	r_status(r, 0);
	assert_non_null(strstr(r->out, "\"format\":\"text/plain; "
	    "version=0.0.4\""));
}

/* The endpoint: GET, HEAD, other methods and paths. */
/*
 * Scrapes within a second get the same rendering: of three made within
 * one second, two in a row are the same bytes (a boundary of the reuse
 * falls between two of them at most), where a new rendering would
 * differ: a status request between each two is counted in
 * runner_requests_total.
 */
static void
m_reuse(struct daemon *d, struct client *c)
{
	const char	*body[3];
	long long	 t0;
	int		 k, tries;

	for (tries = 0; tries < 10; tries++) {
		t0 = t_ms();
		for (k = 0; k < 3; k++) {
			body[k] = m_curl(d, m_ports[0], "/metrics", NULL,
			    NULL)->out;
			j_ok(cl_call(c, "status", NULL));
		}
		if (t_ms() - t0 < 900)
			break;
	}
	if (tries == 10)
		fail_msg("no three scrapes within a second in 10 tries");
	assert_true(strcmp(body[0], body[1]) == 0 ||
	    strcmp(body[1], body[2]) == 0);
}

static void
test_http(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct run	*r;
	const char	*t, *h, *p, *q;

	cl_start(c, "cat", "cat");
	r = m_curl(d, m_ports[0], "/metrics", "-i", NULL);
	m_expect(r, "200", "text/plain; version=0.0.4; charset=utf-8");
	assert_non_null(h = strstr(r->out, "\r\n\r\n"));
	m_promtool(d, h + 4);
	assert_true(M(h + 4, "runner_instance_up{app=\"cat\",alias=\"cat\"}") ==
	    1);
	/* The same families as the command's, in the same order. */
	t = m_metrics(d);
	for (p = t, q = h + 4; (p = strstr(p, "# TYPE ")) != NULL; p++) {
		assert_non_null(q = strstr(q, "# TYPE "));
		assert_memory_equal(p, q, strcspn(p, "\n"));
		q++;
	}
	m_reuse(d, c);
	r = m_curl(d, m_ports[0], "/metrics", "-I", NULL);	/* HEAD */
	m_expect(r, "200", "text/plain; version=0.0.4; charset=utf-8");
	assert_null(strstr(r->out, "# TYPE"));
	r = m_curl(d, m_ports[0], "/metrics", "-i", "-XPOST");
	m_expect(r, "405", NULL);
	assert_non_null(strcasestr(r->out, "Allow: GET, HEAD\r\n"));
	r = m_curl(d, m_ports[0], "/metrics", "-i", "-XDELETE");
	m_expect(r, "405", NULL);
	r = m_curl(d, m_ports[0], "/", "-i", NULL);
	m_expect(r, "404", NULL);
	r = m_curl(d, m_ports[0], "/metrics/../metrics?x", "-i",
	    "--path-as-is");
	m_expect(r, "404", NULL);
	r = m_curl(d, m_ports[0], "/metricsx", "-i", NULL);
	m_expect(r, "404", NULL);
	r = CTL(d, "ping");
	r_status(r, 0);
	assert_non_null(strstr(r->out, d_fmt(d, "\nmetrics on "
	    "http://127.0.0.1:%d/metrics\n", m_ports[0])));
	/* Nothing changed by any of it. */
	assert_true(cl_pid_of(c, "cat") > 0);
	d_ask_ok(d, "hello", NULL);
	assert_non_null(strstr(d_ask_ok(d, "hello", NULL), d_fmt(d,
	    "\"metrics\":\"127.0.0.1:%d\"", m_ports[0])));
}

/*
 * The port is taken: runnerd starts anyway, says why once, and hello
 * says so; a reload once it is free binds it.
 */
static void
test_port_in_use(void **state)
{
	struct daemon		*d = *state;
	struct sockaddr_in	 sin;
	struct client		*c = cl_open(d);
	struct run		*r;
	char			*hello;
	int			 fd, port = t_tcp_port();
	size_t			 mark;

	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 1), 0);
	mark = d_log_mark(d);
	d_file(d, "runner.conf", m_conf(d, port));
	j_ok(cl_call(c, "reload", NULL));
	d_wait_log_from(d, mark, d_fmt(d, "metrics_listen 127.0.0.1:%d: bind: "
	    "Address already in use; runnerd goes on without its metrics "
	    "endpoint", port));
	hello = d_ask_ok(d, "hello", NULL);
	assert_non_null(strstr(hello, d_fmt(d, "\"metrics_error\":"
	    "\"127.0.0.1:%d: bind: Address already in use\"", port)));
	assert_null(strstr(hello, "\"metrics\":"));
	r = CTL(d, "ping");
	r_status(r, 0);
	assert_non_null(strstr(r->out, d_fmt(d, "\nmetrics not served: "
	    "127.0.0.1:%d: bind: Address already in use\n", port)));
	/* The fixture's endpoint went with the reload. */
	assert_int_equal(m_connect(m_ports[0], 0), -1);
	/* runnerd serves on. */
	r_status(CTL(d, "status"), 0);
	r_status(CTL(d, "metrics"), 0);
	/* Freed: the next reload binds it. */
	close(fd);
	j_ok(cl_call(c, "reload", NULL));
	hello = d_ask_ok(d, "hello", NULL);
	assert_non_null(strstr(hello, d_fmt(d, "\"metrics\":"
	    "\"127.0.0.1:%d\"", port)));
	assert_null(strstr(hello, "metrics_error"));
	m_expect(m_curl(d, port, "/metrics", "-i", NULL), "200", NULL);
}

/* A runnerd that starts with the port taken. */
static void
test_port_in_use_at_start(void **state)
{
	struct daemon	*d = *state;
	int		 port = m_ports[0];

	/* The fixture's runnerd holds m_ports[0]: a second one is refused. */
	(void)d;
	{
		struct daemon	*e;
		void		*st;

		t_setup_bare(&st);
		e = st;
		d_start(e, m_conf(e, port));
		d_wait_log(e, d_fmt(e, "metrics_listen 127.0.0.1:%d: bind: "
		    "Address already in use", port));
		assert_non_null(strstr(d_ask_ok(e, "hello", NULL),
		    "\"metrics_error\":"));
		r_status(CTL(e, "status"), 0);
		t_teardown(&st);
		t_d = d;
	}
}

/* Values that do not parse: file:line, at load and at reload. */
static void
test_bad_values(void **state)
{
	static const char *const bad[][2] = {
		{ "\"127.0.0.1\"", "has no port" },
		{ "\"127.0.0.1:\"", "the port must be a number" },
		{ "\"127.0.0.1:0\"", "must be a number from 1 to 65535" },
		{ "\"127.0.0.1:65536\"", "from 1 to 65535" },
		{ "\"127.0.0.1:80x\"", "from 1 to 65535" },
		{ "\":9464\"", "no host" },
		{ "\"localhost:9464\"", "is not an IPv4 address" },
		{ "\"1.2.3:9464\"", "is not an IPv4 address" },
		{ "\"::1:9464\"", "is not an IPv4 address" },
		{ "\"[::1:9464\"", "in brackets" },
		{ "\"[127.0.0.1]:9464\"", "is not an IPv6 address" },
		{ "9464", "expected \\\"HOST:PORT\\\"" },
	};
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	char *const	 argv[] = { d->runnerd, (char *)"-n", (char *)"-c",
			    d_fmt(d, "%s/bad.conf", d->dir), NULL };
	struct json	*j;
	struct run	*r;
	const char	*conf, *msg;
	size_t		 k;

	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		conf = d_fmt(d, "# a comment\n\nmetrics_listen = %s\n"
		    "apps = { cat = { command = \"cat\"; }; };\n", bad[k][0]);
		d_file(d, "bad.conf", conf);
		r = t_run(d, argv, NULL, 0);
		if (r->status == 0 || strstr(r->err, d_fmt(d, "%s/bad.conf:3: "
		    "metrics_listen: ", d->dir)) == NULL ||
		    strstr(r->err, strchr(bad[k][1], '\\') ? "expected" :
		    bad[k][1]) == NULL)
			fail_msg("%s: runnerd -n exited %d: %s", bad[k][0],
			    r->status, r->err);
		/* A reload refuses it whole; the endpoint in force stays. */
		j = cl_call(c, "reload", "{\"path\": \"%s/bad.conf\"}",
		    d->dir);
		j_err(j, "ECONFIG");
		msg = j_str(j, 0, "message");
		assert_non_null(strstr(msg, "bad.conf:3: metrics_listen: "));
		m_expect(m_curl(d, m_ports[0], "/metrics", "-i", NULL), "200",
		    NULL);
	}
	/* And the good ones: v4, v6 (where the host has it). */
	d_file(d, "bad.conf", "metrics_listen = \"[::1]:9464\"\n");
	r_status(t_run(d, argv, NULL, 0), 0);
	d_file(d, "bad.conf", "metrics_listen = \"0.0.0.0:1\"\n");
	r_status(t_run(d, argv, NULL, 0), 0);
	/* An update may not set it: it is the whole configuration's. */
	j = cl_call(c, "update", "{\"config\": \"metrics_listen = "
	    "\\\"127.0.0.1:%d\\\"\\n\"}", m_ports[1]);
	j_err(j, "ECONFIG");
	assert_non_null(strstr(j_str(j, 0, "message"), "an update adds or "
	    "replaces apps only"));
}

/* A reload moves the endpoint, then removes it: nothing left open. */
static void
test_reload_moves(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	const char	*hello = d_ask_ok(d, "hello", NULL);	/* d's own
						   connection, opened now */
	int		 base = d_fds_probe(d);

	assert_non_null(strstr(hello, "\"metrics\":"));

	d_file(d, "runner.conf", m_conf(d, m_ports[1]));
	j_ok(cl_call(c, "reload", NULL));
	m_expect(m_curl(d, m_ports[1], "/metrics", "-i", NULL), "200", NULL);
	assert_int_equal(m_connect(m_ports[0], 0), -1);
	d_fds_settle(d, base);
	/* Unchanged: the same socket goes on (no rebind, no gap). */
	j_ok(cl_call(c, "reload", NULL));
	m_expect(m_curl(d, m_ports[1], "/metrics", "-i", NULL), "200", NULL);
	d_file(d, "runner.conf", "apps = { cat = { command = \"cat\"; }; };\n");
	j_ok(cl_call(c, "reload", NULL));
	d_wait_log(d, d_fmt(d, "metrics_listen removed: no metrics on "
	    "127.0.0.1:%d any more", m_ports[1]));
	assert_int_equal(m_connect(m_ports[1], 0), -1);
	hello = d_ask_ok(d, "hello", NULL);
	assert_null(strstr(hello, "metrics"));
	/* The listener and MHD's epoll descriptor are gone. */
	d_fds_settle(d, base - 2);
	r_status(CTL(d, "metrics"), 0);
}

/*
 * Scrapers that stall: one sends nothing, one stops reading a large
 * response, and more than the limit connect.  runnerd answers a status
 * meanwhile, closes them within its idle timeout, and its descriptors
 * come back.
 */
static void
test_stalled_scrapers(void **state)
{
	static const char	 get[] = "GET /metrics HTTP/1.1\r\n"
				    "Host: x\r\n\r\n";
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct pollfd	 pfd;
	struct run	*r;
	struct json	*j;
	long long	 t0, end;
	char		 buf[4096];
	int		 fds[CROWD + 1], base, k, n, open;
	ssize_t		 got;

	j = cl_call(c, "reload", "{\"config\": \"metrics_listen = "
	    "\\\"127.0.0.1:%d\\\"\\napps = { many = { command = \\\"sleep "
	    "1000\\\"; instances = %d; autostart = true; restart = "
	    "\\\"no\\\"; }; };\\n\"}", m_ports[0], MANY);
	j_ok(j);
	assert_int_equal(json_len(j, j_type(j, j_ok(j), "started",
	    JSON_ARRAY)), MANY);
	base = d_fds_probe(d);
	/* The large one: ~MANY * 1.5 KiB into a 4 KiB receive buffer. */
	fds[0] = m_connect(m_ports[0], 4096);
	assert_true(fds[0] != -1);
	{
		struct timeval	 tv = { IDLE_MS / 1000, 0 };

		assert_int_equal(setsockopt(fds[0], SOL_SOCKET, SO_RCVTIMEO,
		    &tv, sizeof(tv)), 0);
	}
	assert_int_equal(write(fds[0], get, sizeof(get) - 1),
	    (ssize_t)sizeof(get) - 1);
	for (k = 1; k <= CROWD; k++)	/* silent, past the limit */
		fds[k] = m_connect(m_ports[0], 0);
	t0 = t_ms();
	r = CTL(d, "status");
	r_status(r, 0);
	assert_true(t_ms() - t0 < STATUS_MS);
	r = CTL(d, "metrics");
	r_status(r, 0);
	assert_true(M(r->out, "runner_instances{state=\"running\"}") == MANY);
	/* Each is closed by runnerd: at once past the limit, else idle. */
	end = t_ms() + IDLE_MS;
	for (open = 1; open > 0;) {
		open = 0;
		for (k = 0; k <= CROWD; k++) {
			if (fds[k] == -1)
				continue;
			pfd.fd = fds[k];
			pfd.events = POLLIN;
			if (poll(&pfd, 1, 0) == 1 && k > 0 &&
			    ((got = read(fds[k], buf, sizeof(buf))) <= 0)) {
				close(fds[k]);
				fds[k] = -1;
				continue;
			}
			open++;
		}
		/* The large one: read it only once the others are gone. */
		if (open == 1 && fds[0] != -1) {
			n = 0;
			while ((got = read(fds[0], buf, sizeof(buf))) > 0)
				n += (int)got;
			assert_true(n > 0);	/* cut off, or whole */
			close(fds[0]);
			fds[0] = -1;
			open = 0;
		}
		if (t_ms() > end)
			fail_msg("%d scrapers still open after %d ms", open,
			    IDLE_MS);
		usleep(50000);
	}
	d_fds_settle(d, base);
	m_expect(m_curl(d, m_ports[0], "/metrics", "-i", NULL), "200", NULL);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, m_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_states),
		T(test_http),
		T(test_port_in_use),
		T(test_port_in_use_at_start),
		T(test_bad_values),
		T(test_reload_moves),
		T(test_stalled_scrapers),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
