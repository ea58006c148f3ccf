/*
 * test_health.c: health probes (runnerd/health.c and its probes) with
 * real runnerd, real probes and real servers.  Every verdict is awaited
 * as its "health" event on a subscribed connection, never polled:
 *
 * an exec probe going healthy, then unhealthy (a file the test creates
 * and removes), and the liveness restart that follows (a new pid, reason
 * and log line "unhealthy after 2 failed probes (last: exit 1)"); a probe
 * that hangs, killed at its timeout (its pid gone, no zombie) and, with
 * restart = "no", the instance failed with that reason; a probe that
 * floods its output (the log takes 64 KiB of it, runnerd answers); ready
 * = "healthy" (a start answered at the first pass, and one that fails
 * with ETIMEDOUT when none comes); start_period's quicker retries before
 * the first pass; a connect probe on a socat socket app;
 * http probes against python3's http.server (200), a server answering
 * 500, one that never answers (timed out), one whose header is too long; an instance stopped while
 * its probe runs (the probe killed, runnerd's descriptors as before); a
 * probe that leaves a daemon each run (each killed soon after);
 * 200 instances probed every 0.1 s (runnerd answers, nothing leaks); the
 * HEALTH column of runnerctl status; a probe that cannot be executed.
 */

#include <sys/stat.h>

#include <netinet/in.h>

#include "daemon.h"
#include "ctl.h"

#define MANY		200	/* instances probed together */
#define MANY_MS		2000	/* how long they are watched */
#define MANY_REPLY_MS	1000	/* a reply meanwhile, at most */

static int	 h_ports[3];	/* bad.py's, mute.py's, bad.py big's */

/* A subscribed client. */
static struct client *
h_sub(struct daemon *d)
{
	struct client	*s = cl_open(d);

	j_ok(cl_call(s, "subscribe", NULL));
	return (s);
}

#define h_wait(s, alias, state, jp)	cl_event_about(s, alias, "health", \
					    state, jp)
#define h_wait_event(s, alias, want, jp) cl_event_about(s, alias, want, \
					    NULL, jp)

/*
 * A pid a probe wrote into the FIFO at path (made by h_fifo): waits for
 * it with poll, bounded.
 */
static pid_t
h_fifo_pid(int fd)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	char		 buf[64];
	ssize_t		 n;

	if (poll(&pfd, 1, T_WAIT_MS) != 1)
		fail_msg("no probe wrote its pid within %d ms", T_WAIT_MS);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	return ((pid_t)atol(buf));
}

/* A FIFO at DIR/name, open for reading (non-blocking). */
static int
h_fifo(struct daemon *d, const char *name)
{
	const char	*path = d_fmt(d, "%s/%s", d->dir, name);
	int		 fd;

	assert_int_equal(mkfifo(path, 0600), 0);
	assert_true((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) !=
	    -1);
	return (fd);
}

static int
h_setup(void **state)
{
	struct daemon	*d;
	int		 port = t_tcp_port(), bad = t_tcp_port();
	int		 mute = t_tcp_port(), big = t_tcp_port();

	t_setup_bare(state);
	d = *state;
	/* Answers 500; or, asked "big", a header past libcurl's limit. */
	d_file(d, "bad.py", "import http.server, sys\n"
	    "big = sys.argv[2:] == ['big']\n"
	    "class H(http.server.BaseHTTPRequestHandler):\n"
	    "    def do_GET(self):\n"
	    "        self.send_response(200 if big else 500)\n"
	    "        if big:\n"
	    "            self.send_header('X-Big', 'a' * 400000)\n"
	    "        self.end_headers()\n"
	    "    def log_message(self, *a):\n"
	    "        pass\n"
	    "s = http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H)\n"
	    "print('listening', flush=True)\n"
	    "s.serve_forever()\n");
	/*
	 * A probe that leaves a daemon: in a session of its own (out of
	 * reach of the kill of the probe's group) before the probe exits.
	 * With an argument, the FIFO it writes to (an instance's daemon).
	 */
	d_file(d, "leave.py", "import os, sys\n"
	    "name = sys.argv[1] if len(sys.argv) > 1 else 'left'\n"
	    "r, w = os.pipe()\n"
	    "if os.fork() == 0:\n"
	    "    os.setsid()\n"
	    "    with open(os.path.dirname(sys.argv[0]) + '/' + name + "
	    "'.fifo', 'w') as f:\n"
	    "        f.write('%d\\n' % os.getpid())\n"
	    "    os.write(w, b'x')\n"
	    "    os.execvp('sleep', ['sleep', '1000'])\n"
	    "os.read(r, 1)\n");
	d_file(d, "mute.py", "import socket, sys, time\n"
	    "s = socket.socket()\n"
	    "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
	    "s.bind(('127.0.0.1', int(sys.argv[1])))\n"
	    "s.listen(16)\n"
	    "print('listening', flush=True)\n"
	    "time.sleep(1000)\n");
	d_start(d, d_fmt(d,
	    "apps = {\n"
	    "  web = { command = \"sleep 1000\"; backoff_initial = 0; "
	    "health = { exec = [\"test\", \"-e\", \"%s/ok\"]; interval = 0.1; "
	    "timeout = 0.1; retries = 2; }; };\n"
	    "  hang = { command = \"sleep 1000\"; restart = \"no\"; "
	    "health = { exec = [\"sh\", \"-c\", \"echo $$ > %s/hang.fifo; "
	    "exec sleep 1000\"]; interval = 0.3; timeout = 0.3; "
	    "retries = 1; }; };\n"
	    "  slow = { command = \"sleep 1000\"; "
	    "health = { exec = [\"sh\", \"-c\", \"echo $$ > %s/slow.fifo; "
	    "exec sleep 1000\"]; interval = 30; timeout = 30; }; };\n"
	    "  flood = { command = \"sleep 1000\"; "
	    "health = { exec = [\"sh\", \"-c\", \"head -c 1000000 /dev/zero "
	    "| tr '\\\\0' x; echo; echo done\"]; interval = 5; "
	    "timeout = 5; }; };\n"
	    "  gate = { command = \"sleep 1000\"; ready = \"healthy\"; "
	    "ready_timeout = 2; health = { exec = [\"test\", \"-e\", "
	    "\"%s/gate\"]; interval = 0.25; retries = 1; }; };\n"
	    "  sock = { command = [\"socat\", \"UNIX-LISTEN:s.sock,fork\", "
	    "\"EXEC:cat\"]; type = \"socket\"; socket = \"s.sock\"; "
	    "cwd = \"%s\"; health = { connect = true; interval = 0.1; }; };\n"
	    "  http = { command = [\"python3\", \"-m\", \"http.server\", "
	    "\"%d\", \"--bind\", \"127.0.0.1\"]; cwd = \"%s\"; "
	    "stderr = \"null\"; ready = \"healthy\"; "
	    "health = { http = \"http://127.0.0.1:%d/\"; interval = 0.1; "
	    "timeout = 0.1; }; };\n"
	    "  h500 = { command = \"sleep 1000\"; restart = \"no\"; "
	    "health = { http = \"http://127.0.0.1:%d/\"; interval = 0.1; "
	    "timeout = 0.1; retries = 3; }; };\n"
	    "  big = { command = \"sleep 1000\"; restart = \"no\"; "
	    "health = { http = \"http://127.0.0.1:%d/\"; interval = 2; "
	    "timeout = 2; retries = 1; }; };\n"
	    "  marked = { command = [\"sh\", \"-c\", \"python3 %s/leave.py "
	    "own; exec sleep 1000\"]; env = { RUNNER_PROBE = \"1\"; }; };\n"
	    "  leaves = { command = \"sleep 1000\"; health = { exec = "
	    "[\"python3\", \"%s/leave.py\"]; interval = 2; timeout = 2; }; };\n"
	    "  mute = { command = \"sleep 1000\"; restart = \"no\"; "
	    "health = { http = \"http://127.0.0.1:%d/\"; interval = 0.3; "
	    "timeout = 0.3; retries = 1; }; };\n"
	    "  many = { command = \"sleep 1000\"; instances = %d; "
	    "health = { exec = \"true\"; interval = 0.1; timeout = 0.1; }; "
	    "};\n"
	    "  plain = { command = \"sleep 1000\"; };\n"
	    "  missing = { command = \"sleep 1000\"; restart = \"no\"; "
	    "health = { exec = \"/nonexistent/probe\"; retries = 1; }; };\n"
	    "  late = { command = [\"sh\", \"-c\", \"sleep 0.5; touch %s/late; "
	    "exec sleep 1000\"]; ready = \"healthy\"; ready_timeout = 10; "
	    "health = { exec = [\"test\", \"-e\", \"%s/late\"]; "
	    "interval = 30; start_period = 60; }; };\n"
	    "  who = { command = \"sleep 1000\"; health = { exec = [\"sh\", "
	    "\"-c\", \"echo $RUNNER_ALIAS $RUNNER_PID > %s/who.tmp; "
	    "mv %s/who.tmp %s/who.out\"]; interval = 30; }; };\n"
	    "};\n", d->dir, d->dir, d->dir, d->dir, d->dir, port, d->dir,
	    port, bad, big, d->dir, d->dir, mute, MANY, d->dir, d->dir, d->dir, d->dir, d->dir));
	h_ports[0] = bad;
	h_ports[1] = mute;
	h_ports[2] = big;
	return (0);
}

/*
 * python3 DIR/script PORT, run by the test (not by runnerd), once it
 * says it listens: its pid, for h_server_kill.
 */
static pid_t
h_server(struct daemon *d, const char *script, int port, const char *mode)
{
	char	 portbuf[16], line[64];
	char	*argv[] = { (char *)"python3", NULL, portbuf, (char *)mode,
		    NULL };
	int	 p[2];
	pid_t	 pid;
	FILE	*fp;

	snprintf(portbuf, sizeof(portbuf), "%d", port);
	argv[1] = d_fmt(d, "%s/%s", d->dir, script);
	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execvp("python3", argv);
		_exit(127);
	}
	assert_true(pid > 0);
	close(p[1]);
	assert_non_null(fp = fdopen(p[0], "r"));
	if (fgets(line, sizeof(line), fp) == NULL ||
	    strcmp(line, "listening\n") != 0)
		fail_msg("%s did not start", script);
	fclose(fp);
	return (pid);
}

static void
h_server_kill(pid_t pid)
{
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

/*
 * healthy once the file exists, unhealthy two failures after it is gone,
 * and then restarted by the policy: a new pid, the log and status say
 * why.
 */
static void
test_exec_states(void **state)
{
	struct daemon	*d = *state;
	struct client	*s = h_sub(d), *c = cl_open(d);
	struct json	*j;
	int		 e, l;
	pid_t		 pid, pid2;

	d_file(d, "ok", "");
	pid = cl_start(c, "web", "web");
	e = h_wait(s, "web", "healthy", &j);
	assert_int_equal(j_int(j, e, "pid"), pid);
	l = j_type(j, e, "last", JSON_OBJECT);
	assert_true(j_bool(j, l, "ok"));
	assert_true(j_num(j, l, "at") > 1e9);
	assert_true(j_num(j, l, "duration") >= 0);

	e = cl_status_of(c, "web", &j);
	l = j_type(j, e, "health", JSON_OBJECT);
	assert_string_equal(j_str(j, l, "state"), "healthy");
	assert_int_equal(j_int(j, l, "failures"), 0);

	assert_int_equal(unlink(d_fmt(d, "%s/ok", d->dir)), 0);
	e = h_wait(s, "web", "unhealthy", &j);
	assert_int_equal(j_int(j, e, "failures"), 2);
	l = j_type(j, e, "last", JSON_OBJECT);
	assert_false(j_bool(j, l, "ok"));
	assert_string_equal(j_str(j, l, "error"), "exit 1");
	d_wait_log(d, "web: unhealthy after 2 failed probes (last: exit 1): "
	    "restarting");

	/* Liveness: restarted by the policy, as a new process. */
	d_file(d, "ok", "");
	e = h_wait_event(s, "web", "restarted", &j);
	pid2 = (pid_t)j_int(j, e, "pid");
	assert_true(pid2 > 0 && pid2 != pid);
	assert_true(t_wait_gone(pid));
	h_wait(s, "web", "healthy", &j);
	e = cl_status_of(c, "web", &j);
	assert_int_equal(j_int(j, e, "restarts"), 1);
	l = j_type(j, e, "health", JSON_OBJECT);
	assert_int_equal(j_int(j, l, "restarts"), 1);
	j_ok(cl_call(c, "stop", "{\"alias\": \"web\"}"));
}

/*
 * A probe that hangs is killed at its timeout (its process gone, not a
 * zombie); one failure is unhealthy, and restart = "no" ends the
 * instance failed, the reason unhealthy.
 */
static void
test_hang_killed(void **state)
{
	struct daemon	*d = *state;
	struct client	*s = h_sub(d), *c = cl_open(d);
	struct json	*j;
	int		 fd = h_fifo(d, "hang.fifo"), e, l;
	pid_t		 probe, pid;

	pid = cl_start(c, "hang", "hang");
	probe = h_fifo_pid(fd);
	assert_true(probe > 0 && probe != pid);
	e = h_wait(s, "hang", "unhealthy", &j);
	l = j_type(j, e, "last", JSON_OBJECT);
	assert_string_equal(j_str(j, l, "error"), "timed out after 0.3 s");
	assert_true(j_num(j, l, "duration") >= 0.29);
	assert_true(t_wait_gone(probe));
	h_wait_event(s, "hang", "failed", &j);
	d_no_zombies(d);
	assert_false(t_alive(probe));
	assert_true(t_wait_gone(pid));
	e = cl_status_of(c, "hang", &j);
	assert_string_equal(j_str(j, e, "state"), "failed");
	assert_string_equal(j_str(j, e, "reason"), "unhealthy after 1 failed "
	    "probe (last: timed out after 0.3 s)");
	d_wait_log(d, "hang: unhealthy after 1 failed probe (last: timed out "
	    "after 0.3 s): stopping (restart = \"no\")");
	close(fd);
}

/*
 * A probe that leaves a daemon (its own session, reparented to runnerd)
 * at each run: each is killed soon after, found by RUNNER_PROBE in its
 * environment, while a probe still running (slow's, marked too), the
 * instance itself and an instance's daemon whose environment holds a
 * RUNNER_PROBE of its own are left alone.
 */
static void
test_probe_leftovers(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	int		 sfd = h_fifo(d, "slow.fifo"), lfd = h_fifo(d,
			    "left.fifo");
	pid_t		 probe, left, pid, own;
	int		 hold, ofd = h_fifo(d, "own.fifo");

	/* A writer of ours: between runs the FIFO has none (no EOF). */
	assert_true((hold = open(d_fmt(d, "%s/left.fifo", d->dir),
	    O_WRONLY | O_NONBLOCK | O_CLOEXEC)) != -1);
	/*
	 * An instance's daemon, reparented to runnerd, whose environment
	 * says RUNNER_PROBE too (configured; or inherited by a runnerd
	 * started from another's probe): not a probe's, never swept.
	 */
	cl_start(c, "marked", "marked");
	own = h_fifo_pid(ofd);
	cl_start(c, "slow", "slow");
	probe = h_fifo_pid(sfd);
	pid = cl_start(c, "leaves", "leaves");
	left = h_fifo_pid(lfd);
	assert_true(left > 0 && left != pid);
	assert_true(t_wait_gone(left));
	d_wait_log(d, "left running by health probes");
	assert_true(t_alive(probe));		/* older than left, in flight */
	assert_int_equal(cl_pid_of(c, "leaves"), pid);
	/* And the next run's too: not one a run piles up. */
	while ((left = h_fifo_pid(lfd)) > 0 && !t_alive(left))
		;
	assert_true(t_wait_gone(left));
	assert_true(t_alive(probe));
	assert_true(t_alive(own));
	j_ok(cl_call(c, "stop", "{\"all\": true}"));
	assert_true(t_wait_gone(own));
	assert_true(t_wait_gone(probe));
	d_no_zombies(d);
	close(sfd);
	close(lfd);
	close(ofd);
	close(hold);
}

/*
 * Stopped while its probe runs: the probe is killed with it, nothing
 * stays (no zombie, runnerd's descriptors as before).
 */
static void
test_stop_during_probe(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	int		 fd = h_fifo(d, "slow.fifo"), fds;
	pid_t		 probe;

	fds = d_fds_probe(d);
	cl_start(c, "slow", "slow");
	probe = h_fifo_pid(fd);
	j_ok(cl_call(c, "stop", "{\"alias\": \"slow\"}"));
	assert_true(t_wait_gone(probe));
	d_no_zombies(d);
	d_fds_settle(d, fds);
	close(fd);
}

/* A flood of output: the log takes the first 64 KiB, it still passes. */
static void
test_flood(void **state)
{
	struct daemon	*d = *state;
	struct client	*s = h_sub(d), *c = cl_open(d);
	struct json	*j;
	char		*log;
	size_t		 xs = 0, n, k;
	int		 e;

	cl_start(c, "flood", "flood");
	e = h_wait(s, "flood", "healthy", &j);
	assert_int_equal(strlen(j_str(j, j_type(j, e, "last", JSON_OBJECT),
	    "output")), 127);	/* the first line, cut */
	j = cl_call(c, "logs", "{\"alias\": \"flood\"}");
	log = json_b64(j, json_get(j, j_ok(j), "data"), &n);
	assert_non_null(log);
	for (k = 0; k < n; k++)
		xs += log[k] == 'x';
	assert_true(xs > 0 && xs <= 65536);
	assert_null(memmem(log, n, "done", 4));	/* past the bound */
	free(log);
	j_ok(cl_call(c, "hello", NULL));
	j_ok(cl_call(c, "stop", "{\"alias\": \"flood\"}"));
}

/*
 * ready = "healthy": the start is answered at the first passing probe,
 * and fails with ETIMEDOUT, naming the last result, when none passes.
 */
static void
test_ready_healthy(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *s;
	struct json	*j;
	long long	 tag;
	char		*msg;
	int		 e;

	j = cl_call(c, "start", "{\"app\": \"gate\"}");
	s = h_sub(d);	/* from here: not the failed start's events */
	msg = j_err(j, "ETIMEDOUT");
	assert_string_equal(msg, "'gate' did not pass its health probe "
	    "within 2 s (last: exit 1)");
	/* The reply comes as it is killed: a start now would find it. */
	cl_wait_state(c, "gate", "failed", &j);

	tag = cl_req(c, "start", "{\"app\": \"gate\"}");
	/* A failure: unhealthy, and the start not answered yet. */
	h_wait(s, "gate", "unhealthy", &j);
	assert_int_equal(buf_used(&c->in), 0);
	assert_int_equal(cl_fill(c, 0), -1);
	d_file(d, "gate", "");
	j = cl_reply_tag(c, tag);
	j_ok(j);
	e = cl_status_of(c, "gate", &j);
	assert_string_equal(j_str(j, e, "state"), "running");
	assert_string_equal(j_str(j, j_type(j, e, "health", JSON_OBJECT),
	    "state"), "healthy");
	j_ok(cl_call(c, "stop", "{\"alias\": \"gate\"}"));
}

/*
 * Within start_period, a failure before the first pass is retried
 * sooner than interval: ready = "healthy" comes soon after the app is up
 * (0.5 s here), where interval (30 s) would outlast ready_timeout (10 s).
 */
static void
test_start_period_retries(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	int		 e, h;

	j_ok(cl_call(c, "start", "{\"app\": \"late\"}"));
	e = cl_status_of(c, "late", &j);
	h = j_type(j, e, "health", JSON_OBJECT);
	assert_string_equal(j_str(j, h, "state"), "healthy");
	/* Failures in start_period do not count. */
	assert_int_equal(j_int(j, h, "failures"), 0);
	j_ok(cl_call(c, "stop", "{\"alias\": \"late\"}"));
}

/* An exec probe is told which instance it probes: alias and pid. */
static void
test_exec_env(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *s = h_sub(d);
	struct json	*j;
	char		 out[128];
	FILE		*fp;
	pid_t		 pid;

	j = cl_call(c, "start", "{\"app\": \"who\", \"alias\": \"w1\"}");
	pid = (pid_t)j_int(j, j_ok(j), "pid");
	h_wait(s, "w1", "healthy", &j);
	/* The probe renames its file into place before it exits 0. */
	assert_non_null(fp = fopen(d_fmt(d, "%s/who.out", d->dir), "r"));
	assert_non_null(fgets(out, sizeof(out), fp));
	fclose(fp);
	assert_string_equal(out, d_fmt(d, "w1 %ld\n", (long)pid));
	j_ok(cl_call(c, "stop", "{\"alias\": \"w1\"}"));
}

/* connect = true against socat's UNIX-LISTEN socket. */
static void
test_connect(void **state)
{
	struct daemon	*d = *state;
	struct client	*s = h_sub(d), *c = cl_open(d);
	struct json	*j;
	int		 e;

	cl_start(c, "sock", "sock");
	e = h_wait(s, "sock", "healthy", &j);
	assert_string_equal(j_str(j, j_type(j, e, "last", JSON_OBJECT),
	    "output"), "accepted");
	j_ok(cl_call(c, "stop", "{\"alias\": \"sock\"}"));
}

/*
 * http: python3's http.server answers 200 (ready = "healthy": the start
 * returns once it does); a server answering 500 is unhealthy after its
 * start_period; one that accepts and never answers times out.
 */
static void
test_http(void **state)
{
	struct daemon	*d = *state;
	struct client	*s = h_sub(d), *c = cl_open(d);
	struct json	*j;
	int		 e, l;
	pid_t		 srv;

	cl_start(c, "http", "http");
	e = cl_status_of(c, "http", &j);
	l = j_type(j, e, "health", JSON_OBJECT);
	assert_string_equal(j_str(j, l, "state"), "healthy");
	assert_string_equal(j_str(j, j_type(j, l, "last", JSON_OBJECT),
	    "output"), "HTTP 200");

	srv = h_server(d, "bad.py", h_ports[0], NULL);
	cl_start(c, "h500", "h500");
	e = h_wait(s, "h500", "unhealthy", &j);
	assert_string_equal(j_str(j, j_type(j, e, "last", JSON_OBJECT),
	    "error"), "HTTP 500");
	h_wait_event(s, "h500", "failed", &j);
	h_server_kill(srv);

	srv = h_server(d, "mute.py", h_ports[1], NULL);
	cl_start(c, "mute", "mute");
	e = h_wait(s, "mute", "unhealthy", &j);
	assert_string_equal(j_str(j, j_type(j, e, "last", JSON_OBJECT),
	    "error"), "timed out after 0.3 s");
	h_wait_event(s, "mute", "failed", &j);
	h_server_kill(srv);

	/* libcurl says "Out of memory" of a huge header: said better. */
	srv = h_server(d, "bad.py", h_ports[2], "big");
	cl_start(c, "big", "big");
	e = h_wait(s, "big", "unhealthy", &j);
	assert_string_equal(j_str(j, j_type(j, e, "last", JSON_OBJECT),
	    "error"), "libcurl: out of memory (a response header too long "
	    "for it, or memory short)");
	h_server_kill(srv);
	j_ok(cl_call(c, "stop", "{\"alias\": \"http\"}"));
}

/*
 * 200 instances probed every 0.1 s: every one turns healthy, runnerd
 * answers meanwhile, and its descriptors and children are as before.
 */
static void
test_many(void **state)
{
	struct daemon	*d = *state;
	struct client	*s, *c;
	struct json	*j;
	char		*name;
	long long	 t0, end, worst = 0;
	int		 fds, healthy = 0, e;

	fds = d_fds_probe(d);
	s = h_sub(d);
	c = cl_open(d);
	j_ok(cl_call(c, "start", "{\"app\": \"many\"}"));
	while (healthy < MANY) {
		j = cl_event(s, &name);
		e = json_get(j, 0, "ext");
		if (strcmp(name, "health") == 0 &&
		    json_streq(j, json_get(j, e, "health"), "healthy"))
			healthy++;
	}
	cl_close(s);
	end = t_ms() + MANY_MS;
	while (t_ms() < end) {
		t0 = t_ms();
		j_ok(cl_call(c, "status", "{\"alias\": \"many-1\"}"));
		if (t_ms() - t0 > worst)
			worst = t_ms() - t0;
		usleep(10000);
	}
	print_message("status during %d probed instances: worst %lld ms\n",
	    MANY, worst);
	assert_true(worst < MANY_REPLY_MS);
	d_no_zombies(d);
	j_ok(cl_call(c, "stop", "{\"all\": true}"));
	cl_close(c);
	d_fds_settle(d, fds);
}

/* A probe that cannot be run fails, saying why. */
static void
test_exec_missing(void **state)
{
	struct daemon	*d = *state;
	struct client	*s = h_sub(d), *c = cl_open(d);
	struct json	*j;
	int		 e;

	cl_start(c, "missing", "missing");
	e = h_wait(s, "missing", "unhealthy", &j);
	assert_string_equal(j_str(j, j_type(j, e, "last", JSON_OBJECT),
	    "error"), "cannot execute '/nonexistent/probe': No such file or "
	    "directory");
	h_wait_event(s, "missing", "failed", &j);
	d_no_zombies(d);
}

/* The HEALTH column: there when an instance has a probe, else not. */
static void
test_ctl_column(void **state)
{
	struct daemon	*d = *state;
	struct client	*s = h_sub(d), *c = cl_open(d);
	struct json	*j;
	struct run	*r;

	cl_start(c, "plain", "plain");
	r = CTL(d, "status");
	r_status(r, 0);
	assert_null(strstr(r->out, "HEALTH"));
	d_file(d, "ok", "");
	cl_start(c, "web", "web");
	h_wait(s, "web", "healthy", &j);
	r = CTL(d, "status");
	r_status(r, 0);
	assert_non_null(strstr(r->out, "HEALTH"));
	assert_non_null(strstr(r->out, "healthy"));
	j_ok(cl_call(c, "stop", "{\"alias\": \"web\"}"));
}

#define T(f)	cmocka_unit_test_setup_teardown(f, h_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_exec_states),
		T(test_hang_killed),
		T(test_stop_during_probe),
		T(test_probe_leftovers),
		T(test_flood),
		T(test_ready_healthy),
		T(test_start_period_retries),
		T(test_exec_env),
		T(test_connect),
		T(test_http),
		T(test_many),
		T(test_ctl_column),
		T(test_exec_missing),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
