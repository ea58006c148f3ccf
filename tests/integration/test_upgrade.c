/*
 * test_upgrade.c: runnerd upgraded in place under load (issue 19's "Done
 * when").  50 instances run: stdio (cat) and socket (socat) apps, one in
 * backoff, one still starting (its ready not met, its start waiting for
 * it on a client), one stopping (it ignores SIGTERM; the client that
 * stopped it has left); an attached client streams 10 MiB through cat;
 * a `runnerctl logs -f` follower and a subscriber are connected; a read
 * waits; a client pipelines 1000 requests (half as the upgrade begins,
 * 400 in small batches while it runs, the last 100 once runnerd's check
 * of the new binary passed, when it reads no more: the new runnerd
 * answers those); two children are killed, as the upgrade begins and
 * once the new binary runs.  runnerd is upgraded to
 * tests/upgrade/next/runnerd while one loop of poll(2) keeps every
 * stream moving and connects to the socket again and again.
 * Afterwards: the same pids, states, restart counts and uptimes; hello
 * says version 0.1.0-next, upgrades 1, the same pid; the 10 MiB
 * byte-exact; every request answered once; the follower, the
 * subscriber, the waiting start and the ready and stop deadlines
 * carried on; both exits reported with their signal; no connection
 * refused; no growth of descriptors or memory.  Then an upgrade back to
 * the original binary, quiet, leaves exactly the descriptors it found.
 * A second test upgrades three times, and once to a binary that refuses
 * the state (two execs), while another process connects and says hello
 * in a loop: never a refusal, every hello answered.  A third:
 * an instance stopping whose stop's client has left crosses the exec
 * stopping, and is killed at the deadline the old runnerd set.
 */

#define T_WAIT_MS	20000		/* 50 instances, 10 MiB, 2 execs */

#include "upgrade.h"

#define POOL		42		/* cats; with the 8 others: 50 */
#define STREAM		(10 * 1024 * 1024)	/* through the attach */
#define STREAM_HOLD	(1024 * 1024)	/* ... its last sent after */
#define NREQ		1000		/* pipelined requests */
/*
 * How much runnerd's anonymous memory may grow across the upgrade: the
 * stream fills the attach's input queue and output queue (bounded by
 * output_buffer, 1 MiB each) in the new runnerd as it did in the old;
 * the handover's state, read whole, is freed; 4 MiB is twice that and
 * still far below what a leak per instance, client or byte would show.
 * Not under SANITIZE=1: ASan keeps what is freed in its quarantine (the
 * leaks are LeakSanitizer's to find there), as test_output says.
 */
#define RSS_GROWTH_KB	4096

/* The apps: 50 instances once all are started. */
static char *
up_conf(struct daemon *d)
{
	return (d_fmt(d,
	    "apps = {\n"
	    "  pool = { command = \"cat\"; instances = %d; "
	    "restart = \"always\"; };\n"
	    "  echo1 = { command = [\"socat\", \"UNIX-LISTEN:echo1.sock,fork\", "
	    "\"EXEC:cat\"]; type = \"socket\"; socket = \"echo1.sock\"; "
	    "cwd = \"%s\"; ready_timeout = 5.0; restart = \"no\"; };\n"
	    "  echo2 = { command = [\"socat\", \"UNIX-LISTEN:echo2.sock,fork\", "
	    "\"EXEC:cat\"]; type = \"socket\"; socket = \"echo2.sock\"; "
	    "cwd = \"%s\"; ready_timeout = 5.0; restart = \"no\"; };\n"
	    "  crash = { command = [\"sh\", \"-c\", \"exit 3\"]; "
	    "restart = \"always\"; backoff_initial = 60; backoff_max = 60; };\n"
	    "  slow = { command = [\"sh\", \"-c\", "
	    "\"read go; echo >&3; exec cat\"]; ready = \"notify\"; "
	    "ready_timeout = 60; restart = \"no\"; };\n"
	    "  stubborn = { command = [\"sh\", \"-c\", "
	    "\"trap '' TERM; echo ready; while :; do sleep 1; done\"]; "
	    "restart = \"no\"; stop_timeout = 4; };\n"
	    "  talker = { command = [\"sh\", \"-c\", "
	    "\"while read l; do echo \\\"log $l\\\" >&2; done\"]; "
	    "restart = \"no\"; };\n"
	    "  victim = { command = \"sleep 300\"; instances = 2; "
	    "restart = \"no\"; };\n"
	    "};\n", POOL, d->dir, d->dir));
}

static int
up_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	d_start(d, up_conf(d));
	return (0);
}

/* Byte i of the stream: a pattern that shows any loss, shift or twin. */
static unsigned char
up_byte(size_t i)
{
	return ((unsigned char)((i * 2654435761u) >> 13 ^ i >> 16 ^ i >> 24));
}

/* Everything one upgrade under load keeps moving, and what it saw. */
struct up_load {
	struct daemon	*d;
	struct client	*att;		/* attached to pool-1 */
	size_t		 sent, got;	/* stream bytes */
	struct client	*pipe;		/* the pipelined requests */
	int		 nsent;		/* requests sent */
	unsigned char	 seen[NREQ + 1];	/* replies per tag */
	int		 answered;
	int		 by_new;	/* hellos the new runnerd answered */
	int		 by_old;
	int		 connects, refused;	/* the connect loop */
	pid_t		 victim[2];
	int		 killed;	/* victims killed so far */
	int		 exe_new;	/* /proc/PID/exe is the new binary */
	int		 checked;	/* runnerd logged the check passed */
};

/* Send requests from+1 .. to on the pipelined client, in one write. */
static void
up_req_send(struct up_load *l, int to)
{
	struct buf	 b;
	int		 t;

	buf_init(&b);
	for (t = l->nsent + 1; t <= to; t++) {
		if (t % 100 == 0)	/* a request that waits */
			buf_printf(&b, "{\"tag\": %d, \"cmd\": \"read\", "
			    "\"ext\": {\"alias\": \"pool-2\", \"wait\": "
			    "0.05}}\n", t);
		else if (t % 2 == 0)
			buf_printf(&b, "{\"tag\": %d, \"cmd\": \"status\", "
			    "\"ext\": {\"alias\": \"pool-3\"}}\n", t);
		else
			buf_printf(&b, "{\"tag\": %d, \"cmd\": \"hello\"}\n",
			    t);
	}
	cl_send(l->pipe, buf_head(&b), buf_used(&b));
	buf_free(&b);
	l->nsent = to;
}

/*
 * The replies that came: each ok, its tag once; hello's version may
 * turn from the old to the new, never back.
 */
static void
up_req_read(struct up_load *l)
{
	struct json	*j;
	char		*line, *v;
	long long	 tag;
	int		 ext;

	while (cl_fill(l->pipe, 0) > 0)
		;
	if (l->pipe->eof)
		fail_msg("runnerd closed the pipelining client after %d "
		    "replies", l->answered);
	/* memchr must not see an empty buffer's NULL (UBSan). */
	while (buf_used(&l->pipe->in) > 0 && memchr(buf_head(&l->pipe->in),
	    '\n', buf_used(&l->pipe->in)) != NULL) {
		line = cl_take(l->pipe, 0);
		if ((j = json_parse(line, strlen(line), NULL, 0)) == NULL)
			fail_msg("not JSON: %.300s", line);
		free(line);
		d_keepj(l->d, j);
		ext = j_ok(j);
		tag = j_int(j, 0, "tag");
		if (tag < 1 || tag > NREQ || l->seen[tag]++ != 0)
			fail_msg("reply with tag %lld twice, or never asked",
			    tag);
		l->answered++;
		if ((v = json_str(j, json_get(j, ext, "version"),
		    NULL)) == NULL)
			continue;
		if (strcmp(v, "0.1.0-next") == 0)
			l->by_new++;
		else if (strcmp(v, RUNNER_VERSION) == 0 && l->by_new == 0)
			l->by_old++;
		else
			fail_msg("hello %lld said version %s (after %d from "
			    "the new runnerd)", tag, v, l->by_new);
		free(v);
	}
}

/*
 * Move the stream both ways without waiting, up to 4 chunks each way a
 * turn, so that a turn stays short (the connect loop runs every turn).
 */
static void
up_stream(struct up_load *l, size_t limit)
{
	unsigned char	 tmp[65536];
	size_t		 k, i;
	ssize_t		 n = -1;
	int		 turn;

	for (turn = 0; turn < 4 && l->sent < limit; turn++) {
		k = limit - l->sent < sizeof(tmp) ? limit - l->sent :
		    sizeof(tmp);
		for (i = 0; i < k; i++)
			tmp[i] = up_byte(l->sent + i);
		n = send(l->att->fd, tmp, k, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0)
			fail_msg("attach: send after %zu bytes: %s", l->sent,
			    strerror(errno));
		l->sent += (size_t)n;
	}
	for (turn = 0; turn < 4 && (n = recv(l->att->fd, tmp, sizeof(tmp),
	    MSG_DONTWAIT)) > 0; turn++)
		for (i = 0; i < (size_t)n; i++, l->got++)
			if (l->got >= STREAM || tmp[i] != up_byte(l->got))
				fail_msg("attach: byte %zu of the stream is "
				    "wrong (or one too many)", l->got);
	if (turn < 4 && (n == 0 || (n == -1 && errno != EAGAIN &&
	    errno != EINTR)))
		fail_msg("attach: the connection ended after %zu of %d "
		    "bytes", l->got, STREAM);
}

/* One connect to runnerd's socket: refused counts; a full backlog not. */
static void
up_connect(struct up_load *l)
{
	int	 fd;

	if ((fd = sock_connect(l->d->sock)) != -1)
		close(fd);
	else if (errno == ECONNREFUSED || errno == ENOENT)
		l->refused++;
	else if (errno != EAGAIN)
		fail_msg("connect: %s", strerror(errno));
	l->connects++;
}

/* Has runnerd's pid exec'd the binary path yet? */
static int
up_exe_is(pid_t pid, const char *path)
{
	char	 link[64], target[PATH_MAX];
	ssize_t	 n;

	snprintf(link, sizeof(link), "/proc/%ld/exe", (long)pid);
	if ((n = readlink(link, target, sizeof(target) - 1)) == -1)
		return (0);
	target[n] = '\0';
	return (strcmp(target, path) == 0);
}

/*
 * Start all 50; crash in backoff, slow starting, its start waiting on
 * ws (the tag returned) for a ready that comes after the upgrade.
 */
static long long
up_start_all(struct daemon *d, struct client *c, struct client *ws)
{
	long long	 tag;
	struct json	*j;
	long long	 end;
	int		 e;

	j = cl_call(c, "start", "{\"app\": \"pool\"}");
	assert_int_equal(json_len(j, j_type(j, j_ok(j), "started",
	    JSON_ARRAY)), POOL);
	d_saw(d, cl_start(c, "echo1", "echo1"));
	d_saw(d, cl_start(c, "echo2", "echo2"));
	d_saw(d, cl_start(c, "talker", "talker"));
	d_saw(d, cl_start(c, "stubborn", "stubborn"));
	j_ok(cl_call(c, "start", "{\"app\": \"victim\"}"));
	j_ok(cl_call(c, "start", "{\"app\": \"crash\", \"alias\": \"crash\", "
	    "\"wait\": false}"));
	tag = cl_req(ws, "start", "{\"app\": \"slow\", \"alias\": \"slow\"}");
	/*
	 * Its first crash restarts it at once (RESTART_SPACING), the second
	 * waits backoff_initial: the 60 s backoff is the one wanted.
	 */
	for (end = t_ms() + T_WAIT_MS;;) {
		e = cl_wait_state(c, "crash", "backoff", &j);
		if (j_int(j, e, "restarts") == 1)
			break;
		if (t_ms() > end)
			fail_msg("crash did not restart once: %.500s",
			    json_raw(j, 0, NULL));
		usleep(5000);
	}
	cl_wait_state(c, "slow", "starting", &j);
	assert_true(cl_pid_of(c, "slow") > 0);
	return (tag);
}

/*
 * The upgrade under load, in one loop: runnerctl upgrade runs in the
 * background while the stream, the requests and the connect loop go
 * on; the victims are killed as it begins and once the new binary runs.
 */
static struct run *
up_run_upgrade(struct up_load *l, const char *next)
{
	struct daemon	*d = l->d;
	struct u_bg	 ctl;
	struct pollfd	 pfd[4];
	long long	 end = t_ms() + T_WAIT_MS;
	char		*argv[] = { d->runnerctl, (char *)"-s", d->sock,
	    (char *)"upgrade", (char *)"--binary", (char *)next, NULL };
	static const int sig[2] = { SIGUSR1, SIGHUP };
	char		*checked = d_fmt(d, "upgrade to %s (runnerd ", next);
	int		 last;

	/* A fifth of the stream first, so that the upgrade meets it. */
	while (l->got < STREAM / 5) {
		if (t_ms() > end)
			fail_msg("attach: %zu bytes echoed in %d ms", l->got,
			    T_WAIT_MS);
		up_stream(l, STREAM - STREAM_HOLD);
		fd_wait(l->att->fd, POLLIN, clock_now() + 0.01);
	}
	u_bg_start(d, &ctl, argv);
	kill(l->victim[l->killed], sig[l->killed]);
	l->killed++;
	up_req_send(l, NREQ / 2);
	while (!ctl.done || l->got < STREAM || l->answered < NREQ) {
		if (t_ms() > end)
			fail_msg("after %d ms: upgrade %s, stream %zu/%zu of "
			    "%d, %d of %d replies; runnerctl said: %s%s",
			    T_WAIT_MS, ctl.done ? "done" : "running", l->got,
			    l->sent, STREAM, l->answered, l->nsent,
			    buf_cstr(&ctl.out[0]), buf_cstr(&ctl.out[1]));
		if (!ctl.done)
			up_connect(l);
		if (!l->exe_new && up_exe_is(d->pid, next))
			l->exe_new = 1;
		if (l->killed < 2 && (l->exe_new || ctl.done)) {
			kill(l->victim[l->killed], sig[l->killed]);
			l->killed++;
		}
		/*
		 * Once the check passed runnerd reads no request: a batch
		 * sent then waits in the socket for the new runnerd.
		 */
		if (!l->checked && log_at(d, checked) != -1) {
			l->checked = 1;
			up_req_send(l, l->nsent + 100);
		}
		last = l->checked || ctl.done ? NREQ : NREQ - 100;
		if (l->nsent < last)
			up_req_send(l, ctl.done || l->nsent + 5 > last ? last :
			    l->nsent + 5);
		up_stream(l, ctl.done ? STREAM : STREAM - STREAM_HOLD);
		up_req_read(l);
		if (!ctl.done)
			u_bg_poll(&ctl);
		pfd[0].fd = l->att->fd;
		pfd[0].events = POLLIN | (l->sent < STREAM ? POLLOUT : 0);
		pfd[1].fd = l->pipe->fd;
		pfd[1].events = POLLIN;
		pfd[2].fd = ctl.fd[0];
		pfd[2].events = POLLIN;
		pfd[3].fd = ctl.fd[1];
		pfd[3].events = POLLIN;
		/* A short turn while the upgrade runs: the connect loop. */
		(void)poll(pfd, 4, ctl.done ? 50 : 2);
	}
	return (u_bg_run(d, &ctl));
}

/*
 * Events on subscriber s until each of the n (alias, event) pairs came,
 * in any order; got[k] is the first event of pair k.
 */
static void
up_events(struct client *s, int n, const char *const want[][2],
    struct json **got)
{
	struct json	*j;
	char		*name;
	int		 k, left = n;

	memset(got, 0, n * sizeof(*got));
	while (left > 0) {
		j = cl_event(s, &name);
		for (k = 0; k < n; k++)
			if (got[k] == NULL && strcmp(name, want[k][1]) == 0 &&
			    json_streq(j, json_get(j, json_get(j, 0, "ext"),
			    "alias"), want[k][0])) {
				got[k] = j;
				left--;
			}
	}
}

/* The signal an exited event says (kept). */
static char *
up_exit_signal(struct json *j)
{
	return (j_str(j, json_get(j, json_get(j, 0, "ext"), "status"),
	    "signal"));
}

static void
test_upgrade_under_load(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *s = cl_open(d), *x, *w, *ws;
	struct up_load	 l;
	long long	 wtag;
	struct u_snap	 before, after;
	struct u_hello	 h0, h;
	struct bg	 follow;
	struct json	*j;
	struct run	*r;
	char		*next = u_variant(d, "next");
	const char	*skip[] = { "victim-1", "victim-2", "stubborn", NULL };
	const char	*want[4][2] = { { "victim-1", "exited" },
	    { "victim-2", "exited" }, { "slow", "ready" },
	    { "stubborn", "stopped" } };
	struct json	*ev[4];
	const struct u_inst *crash0, *crash1;
	long		 rss0, rss1;
	int		 fds0, fds1, e, i;

	memset(&l, 0, sizeof(l));
	l.d = d;
	j_ok(cl_call(s, "subscribe", NULL));
	ws = cl_open(d);
	wtag = up_start_all(d, c, ws);
	l.victim[0] = cl_pid_of(c, "victim-1");
	l.victim[1] = cl_pid_of(c, "victim-2");
	assert_true(l.victim[0] > 0 && l.victim[1] > 0);
	d_saw(d, l.victim[0]);
	d_saw(d, l.victim[1]);

	/* The follower has its first line. */
	bg_start(d, &follow, "talker");
	j_ok(cl_call(c, "write", "{\"alias\": \"talker\", \"text\": "
	    "\"a\\n\"}"));
	bg_expect(&follow, "log a\n");

	/* stubborn stopping, its stop's client gone (nothing waits). */
	x = cl_open(d);
	cl_read_expect(c, "stubborn", "ready\n", 6);	/* SIGTERM ignored */
	cl_req(x, "stop", "{\"alias\": \"stubborn\"}");
	cl_wait_state(c, "stubborn", "stopping", &j);
	cl_close(x);

	l.att = cl_open(d);
	j_ok(cl_call(l.att, "attach", "{\"alias\": \"pool-1\"}"));
	l.pipe = cl_open(d);
	w = cl_open(d);		/* a read that waits as the upgrade begins */
	h0 = u_hello(c);
	assert_string_equal(h0.version, RUNNER_VERSION);
	assert_int_equal(h0.upgrades, 0);
	u_snap(c, &before);
	assert_int_equal(before.n, 50);
	fds0 = t_fd_count(d->pid);
	rss0 = t_status_kb(d->pid, "RssAnon");
	cl_req(w, "read", "{\"alias\": \"pool-4\", \"wait\": 1}");

	r = up_run_upgrade(&l, next);
	assert_true(u_upgraded(d, r, "0.1.0-next", 1) >= 48);
	print_message("upgraded: %d connects, none refused; hellos answered "
	    "%d by the old runnerd, %d by the new\n", l.connects, l.by_old,
	    l.by_new);
	assert_int_equal(l.refused, 0);
	assert_true(l.connects > 0);
	assert_true(l.checked && l.by_new > 0);
	for (i = 1; i <= NREQ; i++)
		if (l.seen[i] != 1)
			fail_msg("request %d answered %d times", i, l.seen[i]);
	assert_int_equal(l.got, STREAM);
	j_ok(cl_reply_tag(w, w->tag));

	/* The same runnerd, another binary; the same instances. */
	h = u_hello(c);
	assert_int_equal(h.pid, d->pid);
	assert_string_equal(h.version, "0.1.0-next");
	assert_int_equal(h.upgrades, 1);
	assert_true(h.started > h0.started);
	u_snap(c, &after);
	u_same(&before, &after, skip);
	crash0 = u_find(&before, "crash");
	crash1 = u_find(&after, "crash");
	assert_true(crash1->next_restart > 0 &&
	    crash1->next_restart <= crash0->next_restart);

	/*
	 * Both exits, with their signals, as events and in status; the
	 * ready and the stop deadline crossed the exec.
	 */
	j_ok(cl_call(c, "write", "{\"alias\": \"slow\", \"text\": "
	    "\"go\\n\"}"));
	up_events(s, 4, want, ev);
	assert_string_equal(up_exit_signal(ev[0]), "SIGUSR1");
	assert_string_equal(up_exit_signal(ev[1]), "SIGHUP");
	e = cl_wait_state(c, "victim-2", "exited", &j);
	assert_string_equal(j_str(j, j_type(j, e, "last_exit", JSON_OBJECT),
	    "signal"), "SIGHUP");
	assert_int_equal(j_int(j, e, "restarts"), 0);
	e = cl_wait_state(c, "slow", "running", &j);
	assert_int_equal(j_int(j, e, "pid"), u_find(&before, "slow")->pid);
	j = cl_reply_tag(ws, wtag);	/* the start the old runnerd took */
	assert_int_equal(j_ok_int(j, "pid"), u_find(&before, "slow")->pid);
	e = cl_wait_state(c, "stubborn", "stopped", &j);
	assert_true(t_wait_gone((pid_t)u_find(&before, "stubborn")->pid));

	/* The follower and the socket apps carry on. */
	j_ok(cl_call(c, "write", "{\"alias\": \"talker\", \"text\": "
	    "\"b\\n\"}"));
	bg_expect(&follow, "log a\nlog b\n");
	j_ok(cl_call(c, "write", "{\"alias\": \"echo2\", \"text\": "
	    "\"ping\\n\"}"));
	cl_read_expect(c, "echo2", "ping\n", 5);
	d_wait_log(d, "handed over");

	/* Three instances fewer, the same clients: no more descriptors. */
	fds1 = t_fd_count(d->pid);
	rss1 = t_status_kb(d->pid, "RssAnon");
	if (fds1 > fds0)
		fail_msg("runnerd had %d descriptors, now %d:\n%s", fds0,
		    fds1, t_fd_list(d, d->pid));
	print_message("RssAnon %ld kB before the upgrade, %ld kB after it "
	    "and the stream\n", rss0, rss1);
	assert_true(rss1 <= rss0 + RSS_GROWTH_KB || u_sanitized());

	/* Back to the original binary, quiet: exactly the same. */
	kill(follow.pid, SIGTERM);
	bg_end(&follow);
	buf_free(&follow.got);
	cl_close(l.att);
	cl_close(l.pipe);
	cl_close(s);
	cl_close(w);
	cl_close(ws);
	fds0 = d_fds_probe(d);
	rss0 = t_status_kb(d->pid, "RssAnon");
	u_snap(c, &before);
	(void)u_upgraded(d, u_upgrade(d, d->runnerd), RUNNER_VERSION, 2);
	d_fds_settle(d, fds0);
	rss1 = t_status_kb(d->pid, "RssAnon");
	print_message("RssAnon %ld kB before the quiet upgrade, %ld kB "
	    "after\n", rss0, rss1);
	assert_true(rss1 <= rss0 + 1024 || u_sanitized());
	u_snap(c, &after);
	u_same(&before, &after, NULL);
	assert_string_equal(u_hello(c).version, RUNNER_VERSION);
}

/*
 * An instance stopping whose stop's client left (nothing waits for it):
 * the new runnerd takes it as it is, stopping, and kills it at the
 * deadline the old one set.
 */
static void
test_upgrade_stop_client_gone(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *x = cl_open(d);
	struct json	*j;
	pid_t		 pid = cl_start(c, "stubborn", "stubborn");
	int		 e;

	d_saw(d, pid);
	cl_read_expect(c, "stubborn", "ready\n", 6);	/* SIGTERM ignored */
	cl_req(x, "stop", "{\"alias\": \"stubborn\"}");
	cl_wait_state(c, "stubborn", "stopping", &j);
	cl_close(x);
	(void)u_upgraded(d, u_upgrade(d, u_variant(d, "next")), "0.1.0-next",
	    1);
	e = cl_status_of(c, "stubborn", &j);
	assert_int_equal(j_int(j, e, "pid"), pid);
	assert_string_equal(j_str(j, e, "state"), "stopping");
	e = cl_wait_state(c, "stubborn", "stopped", &j);
	assert_string_equal(j_str(j, j_type(j, e, "last_exit", JSON_OBJECT),
	    "signal"), "SIGKILL");
	assert_true(t_wait_gone(pid));
}

/*
 * A process that connects and says hello until told to stop, each
 * connect blocking (a full backlog waits, as does a reply; both bounded
 * by half the test's wait, a timeout counting as a failure): it prints
 * how many round trips, refusals and other failures, and the longest
 * round trip in ms.
 * It ends by itself at the socket's removal or after three times the
 * test's bound, so that a test that fails leaves it not running.
 */
static void
up_hello_loop(const char *sock, int stopfd, int outfd)
{
	struct sockaddr_un	 sun;
	struct pollfd		 pfd = { stopfd, POLLIN, 0 };
	struct timeval		 tv = { T_WAIT_MS / 2000, 0 };
	double			 end = clock_now() + 3 * T_WAIT_MS / 1000.0;
	char			 reply[512], line[128];
	double			 t0, gap = 0;
	long			 n = 0, refused = 0, bad = 0;
	ssize_t			 k;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, sock);
	/* Told to stop, or past its own bound should the test fail. */
	while (poll(&pfd, 1, 0) == 0 && clock_now() < end) {
		t0 = clock_now();
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
			if (errno == ECONNREFUSED)
				refused++;
			else if (errno == ENOENT) {	/* runnerd is gone */
				refused++;
				end = 0;
			} else
				bad++;
		} else if (write(fd, "{\"tag\":1,\"cmd\":\"hello\"}\n", 24) !=
		    24 || (k = read(fd, reply, sizeof(reply) - 1)) <= 0 ||
		    strncmp(reply, "{\"tag\":1,\"ok\":true", 18) != 0)
			bad++;
		else
			n++;
		close(fd);
		if (clock_now() - t0 > gap)
			gap = clock_now() - t0;
	}
	snprintf(line, sizeof(line), "%ld %ld %ld %.1f\n", n, refused, bad,
	    gap * 1000);
	(void)!write(outfd, line, strlen(line));
}

/*
 * Three upgrades and one refused after its exec (two execs) while
 * another process says hello: never refused, every hello answered.
 */
static void
test_upgrade_never_refuses(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	char		 res[128];
	long		 n, refused, bad;
	double		 gap;
	ssize_t		 k;
	int		 stop[2], out[2], status;
	pid_t		 pid, pool1;

	pool1 = cl_start(c, "pool", "pool-1");
	d_saw(d, pool1);
	assert_int_equal(pipe2(stop, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	if ((pid = fork()) == 0) {
		close(stop[1]);		/* its end would keep the pipe open */
		close(out[0]);
		up_hello_loop(d->sock, stop[0], out[1]);
		_exit(0);
	}
	assert_true(pid > 0);
	close(stop[0]);
	close(out[1]);
	(void)u_upgraded(d, u_upgrade(d, u_variant(d, "next")), "0.1.0-next",
	    1);
	(void)u_upgraded(d, u_upgrade(d, d->runnerd), RUNNER_VERSION, 2);
	(void)u_upgraded(d, u_upgrade(d, u_variant(d, "next")), "0.1.0-next",
	    3);
	u_refused(u_upgrade(d, u_variant(d, "refuses")),
	    "the new runnerd refused the state");	/* two execs */
	close(stop[1]);
	assert_int_equal(fd_wait(out[0], POLLIN, clock_now() + T_WAIT_MS /
	    1000.0), 1);
	k = read(out[0], res, sizeof(res) - 1);
	assert_true(k > 0);
	res[k] = '\0';
	close(out[0]);
	assert_true(t_wait_child(pid, &status, T_WAIT_MS));
	assert_int_equal(sscanf(res, "%ld %ld %ld %lf", &n, &refused, &bad,
	    &gap), 4);
	print_message("%ld hellos across 4 upgrades, the longest %.1f ms\n",
	    n, gap);
	assert_int_equal(refused, 0);
	assert_int_equal(bad, 0);
	assert_true(n > 0);
	assert_int_equal(cl_pid_of(c, "pool-1"), pool1);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, up_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_upgrade_under_load),
		T(test_upgrade_never_refuses),
		T(test_upgrade_stop_client_gone),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
