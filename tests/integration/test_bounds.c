/*
 * test_bounds.c: what many clients, slow readers and chatty apps can make
 * runnerd hold or wait for, and the bounds that keep it answering
 * (issue 13, items 3 and 4 and the partial request lines):
 *   - subscribers that never read while events flow: runnerd's memory
 *     stays bounded, a reading subscriber misses nothing, and a slow one
 *     learns how many events it missed ("lagged");
 *   - runnerd's stderr a pipe nobody reads: runnerd goes on answering,
 *     and once the pipe is read again it says how many lines it dropped;
 *   - an app flooding its stderr with no log file: runnerd's own log gets
 *     a burst and then a rate, with the count of the lines it left out,
 *     while `logs` still has every line;
 *   - 200 clients each holding 1 MiB of an unfinished request line:
 *     memory bounded by the budget, the largest holders refused;
 *   - a line left unfinished is timed out, while an attached client, a
 *     follower, a subscriber and a client idle between requests are not.
 *
 * Memory is runnerd's RssAnon with malloc's mmap threshold at 0 (a glibc
 * tunable set in main, as test_hostile.c does): what it holds, by the
 * page.
 */

#include "daemon.h"

#define CRASH_NAME	4000		/* bytes in the crasher's name */
#define BIG_NAME	12000		/* an app only apps replies show */
#define CRASHERS	4		/* instances of it */
#define SUBS		20		/* subscribers that never read */
#define EVENT_BYTES	(2 * 1024 * 1024)	/* events the reader must see */
#define SUBS_RSS_KB	(16 * 1024)	/* growth allowed: 20 x 256 KiB + */
#define PARTIALS	200		/* clients holding a partial line */
#define PARTIAL_LEN	(1024 * 1024 - 1)	/* ... of this many bytes */
#define PARTIAL_RSS_KB	(28 * 1024)	/* growth allowed: the 16 MiB budget + */
#define UNREAD		40		/* clients that ask and never read */
#define UNREAD_ASKS	200		/* ... each asking this many apps */
#define UNREAD_RSS_KB	(32 * 1024)	/* growth allowed: runnerd's 16 MiB + */
#define IDLE_S		20		/* runnerd's REQUEST_IDLE */
#define LOG_BURST	200		/* capture.c's CAPTURE_LOG_BURST */
#define LOG_RATE	50		/* ... and CAPTURE_LOG_RATE */
#define FLOOD_LINES	100000		/* lines the flooding app writes */
#define ANSWER_MS	1000		/* the most a request may take */

/*
 * The crasher's name: long, so that its events are (each names its app),
 * and the events a test can make in a few seconds add up to megabytes.
 */
static const char *
b_crash(void)
{
	static char	 name[CRASH_NAME + 1];

	if (name[0] == '\0') {
		memset(name, 'k', CRASH_NAME);
		memcpy(name, "crash", 5);
	}
	return (name);
}

/* An app of BIG_NAME bytes' name: an apps reply is 16 KiB. */
static const char *
b_big(void)
{
	static char	 name[BIG_NAME + 1];

	if (name[0] == '\0') {
		memset(name, 'b', BIG_NAME);
		memcpy(name, "big", 3);
	}
	return (name);
}

/* Apps: crashers restart as fast as backoff allows; the rest talk. */
static char *
b_conf(struct daemon *d)
{
	return (d_fmt(d,
	    "apps = {\n"
	    "  %s = { command = \"false\"; restart = \"always\"; "
	    "backoff_initial = 0.001; backoff_max = 0.001; };\n"
	    "  %s = { command = \"true\"; restart = \"no\"; };\n"
	    "  cat = { command = \"cat\"; restart = \"no\"; };\n"
	    "  flood = { command = [\"sh\", \"-c\", \"yes flood-line | head -n "
	    "%d >&2; sleep 1; echo flood-done >&2; exec sleep 300\"]; "
	    "restart = \"no\"; };\n"
	    /*
	     * 400 lines at once, more than runnerd's log takes while its
	     * stderr is full however slow the machine, then a line every
	     * 10 ms.
	     */
	    "  chatty = { command = [\"sh\", \"-c\", \"printf '%%01000d\\\\n' "
	    "$(seq 400) >&2; while :; do printf '%%016000d\\\\n' 0 >&2; "
	    "sleep 0.01; done\"]; restart = \"no\"; };\n"
	    "  talker = { command = [\"sh\", \"-c\", \"echo hi >&2; exec "
	    "sleep 300\"]; restart = \"no\"; };\n"
	    "};\n", b_crash(), b_big(), FLOOD_LINES));
}

static int
b_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	d_start(d, b_conf(d));
	return (0);
}

static long
b_rss(struct daemon *d)
{
	long	 kb = t_status_kb(d->pid, "RssAnon");

	assert_true(kb > 0);
	return (kb);
}

/* The next line from c within ms, parsed (kept); fails if none comes. */
static struct json *
b_json_within(struct client *c, int ms, const char *what)
{
	struct json	*j;
	char		*line;
	long long	 end = t_ms() + ms;
	char		*nl;

	for (;;) {
		if (buf_used(&c->in) > 0 && (nl = memchr(buf_head(&c->in),
		    '\n', buf_used(&c->in))) != NULL)
			break;
		if (t_ms() > end || cl_fill(c, (int)(end - t_ms()) + 1) <= 0)
			fail_msg("runnerd did not answer %s within %d ms%s",
			    what, ms, c->eof ? " (closed)" : "");
	}
	line = cl_take(c, 0);
	assert_non_null(line);
	assert_non_null(j = json_parse(line, strlen(line), NULL, 0));
	free(line);
	return (d_keepj(c->d, j));
}

/* A request that must be answered within ANSWER_MS; the reply. */
static struct json *
b_call_within(struct client *c, const char *cmd, const char *ext)
{
	struct json	*j;
	long long	 tag = cl_req(c, cmd, "%s", ext != NULL ? ext : "{}");

	for (;;) {
		j = b_json_within(c, ANSWER_MS, cmd);
		if (!j_is_event(j) && j_int(j, 0, "tag") == tag)
			return (j);
	}
}

/*
 * Events: SUBS subscribers never read while crashers restart; one
 * subscriber reads all the while.  runnerd's memory must stay bounded
 * (without the bound, each slow subscriber holds every event), the
 * reader must get every event, in full, with no "lagged", and a slow
 * subscriber, once it reads, must get the events it had room for, then
 * a "lagged" event whose count makes up the rest exactly.
 */
static void
test_subscribers_bounded(void **state)
{
	struct daemon	*d = *state;
	struct client	*slow[SUBS], *reader, *ctl;
	struct json	*j;
	char		*line;
	long long	 events = 0, got, missed, lagged, end;
	size_t		 bytes = 0;
	long		 rss0, rss1;
	int		 k;

	ctl = cl_open(d);
	reader = cl_open(d);
	j_ok(cl_call(reader, "subscribe", NULL));
	for (k = 0; k < SUBS; k++) {
		slow[k] = cl_open(d);
		j_ok(cl_call(slow[k], "subscribe", NULL));
	}
	rss0 = b_rss(d);
	/* Every event the reader sees, every slow subscriber was sent. */
	end = t_ms() + 60 * 1000;
	for (k = 0; bytes < EVENT_BYTES; k++) {
		if (k < CRASHERS)
			cl_req(ctl, "start", "{\"app\": \"%s\", \"alias\": "
			    "\"crash%d\"}", b_crash(), k);
		if (t_ms() > end)
			fail_msg("only %zu bytes of events in 60 s", bytes);
		line = cl_take(reader, T_WAIT_MS);
		assert_non_null(line);
		if (strstr(line, "\"lagged\"") != NULL)
			fail_msg("the reading subscriber lagged: %s", line);
		bytes += strlen(line) + 1;
		events++;
		free(line);
	}
	for (k = 0; k < CRASHERS; k++)
		j_ok(cl_json(ctl));	/* in any order: starts that wait */
	rss1 = b_rss(d);
	j_ok(cl_call(ctl, "stop", "{\"all\": true}"));
	/* The reader's last events: all before the hello reply. */
	cl_req(reader, "hello", NULL);
	for (;;) {
		line = cl_take(reader, T_WAIT_MS);
		assert_non_null(line);
		if (strstr(line, "\"event\"") == NULL) {
			free(line);
			break;
		}
		events++;
		free(line);
	}
	print_message("%lld events (%zu bytes) to %d subscribers that do not "
	    "read: RssAnon %ld kB, then %ld\n", events, bytes, SUBS, rss0,
	    rss1);
	if (!T_ASAN && rss1 - rss0 > SUBS_RSS_KB)
		fail_msg("runnerd grew by %ld kB for %d subscribers that do "
		    "not read (bound %d kB)", rss1 - rss0, SUBS,
		    SUBS_RSS_KB);

	/* A slow one reads at last: what it got and what it missed. */
	got = missed = lagged = 0;
	end = t_ms() + T_WAIT_MS;
	while (got + missed < events) {
		if (t_ms() > end)
			fail_msg("the slow subscriber got %lld events and was "
			    "told of %lld missed (%lld lagged events), of %lld",
			    got, missed, lagged, events);
		j = cl_json(slow[0]);
		if (json_streq(j, json_get(j, 0, "event"), "lagged")) {
			missed += j_int(j, json_get(j, 0, "ext"), "missed");
			lagged++;
		} else if (j_is_event(j))
			got++;
		else
			fail_msg("a reply to nobody: %.300s",
			    json_raw(j, 0, NULL));
	}
	print_message("the slow subscriber: %lld events, %lld missed (told "
	    "in %lld lagged events)\n", got, missed, lagged);
	assert_int_equal(got + missed, events);
	assert_true(lagged >= 1 && missed > 0);
	/* And it is still served. */
	j_ok(cl_call(slow[0], "hello", NULL));
	for (k = 0; k < SUBS; k++)
		cl_close(slow[k]);
	cl_close(reader);
	cl_close(ctl);
}

/*
 * A subscriber that fell behind, then attached: from the attach reply on,
 * its connection is the instance's raw stream, and the "lagged" event it
 * was owed must not be spliced into it (it was, once the backlog drained:
 * events.c looked at the count, not the mode).
 */
static void
test_lagged_then_attached(void **state)
{
	struct daemon	*d = *state;
	struct client	*slow, *reader, *ctl;
	char		*line;
	size_t		 bytes = 0;
	long long	 tag, end;
	int		 k;

	ctl = cl_open(d);
	j_ok(cl_call(ctl, "start", "{\"app\": \"cat\", \"alias\": \"cat\"}"));
	reader = cl_open(d);
	j_ok(cl_call(reader, "subscribe", NULL));
	slow = cl_open(d);
	j_ok(cl_call(slow, "subscribe", NULL));
	/* 2 MiB of events: the slow one, not reading, misses some. */
	for (k = 0; k < CRASHERS; k++)
		cl_req(ctl, "start", "{\"app\": \"%s\", \"alias\": "
		    "\"crash%d\"}", b_crash(), k);
	end = t_ms() + 60 * 1000;
	while (bytes < EVENT_BYTES) {
		if (t_ms() > end)
			fail_msg("only %zu bytes of events in 60 s", bytes);
		assert_non_null(line = cl_take(reader, T_WAIT_MS));
		bytes += strlen(line) + 1;
		free(line);
	}
	for (k = 0; k < CRASHERS; k++)
		cl_req(ctl, "stop", "{\"alias\": \"crash%d\"}", k);
	for (k = 0; k < 2 * CRASHERS; k++)
		j_ok(cl_json(ctl));	/* the starts and the stops */

	/* Attach while still behind, then read all of it. */
	tag = cl_req(slow, "attach", "{\"alias\": \"cat\"}");
	j_ok(cl_reply_tag(slow, tag));
	cl_send(slow, "ping\n", 5);
	assert_non_null(line = cl_take(slow, T_WAIT_MS));
	if (strcmp(line, "ping") != 0)
		fail_msg("the attached stream carried %.300s before cat's "
		    "own output", line);
	free(line);
	cl_close(slow);
	cl_close(reader);
	cl_close(ctl);
}

/*
 * runnerd started with stderr (and stdout) a pipe this test does not read
 * until it says so: d->errfd is the read end; no drainer yet.  Waits
 * (bounded) for the socket to answer.
 */
static void
b_start_undrained(struct daemon *d, const char *conf)
{
	long long	 end = t_ms() + T_WAIT_MS;
	int		 fd;

	d->errpipe = 4096;	/* the smallest pipe: it fills at once */
	d_spawn(d, conf, NULL);
	while ((fd = sock_connect(d->sock)) == -1) {
		if (t_ms() > end)
			fail_msg("runnerd did not listen within %d ms",
			    T_WAIT_MS);
		usleep(10000);
	}
	close(fd);
}

/* The file status flags of pid's descriptor fd (fdinfo's, octal). */
static long
b_fd_flags(pid_t pid, int fd)
{
	char	 path[64], line[128];
	long	 flags = -1;
	FILE	*fp;

	snprintf(path, sizeof(path), "/proc/%ld/fdinfo/%d", (long)pid, fd);
	assert_non_null(fp = fopen(path, "r"));
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "flags:", 6) == 0)
			flags = strtol(line + 6, NULL, 8);
	}
	fclose(fp);
	assert_true(flags != -1);
	return (flags);
}


/*
 * runnerd's stderr is a pipe nobody reads, and an app without a log file
 * chatters on its stderr, which runnerd copies to its own log: the pipe
 * is full at once.  runnerd must go on answering every request within
 * ANSWER_MS, and once the pipe is read again it must say how many lines
 * it dropped meanwhile.
 */
static void
test_stderr_not_read(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;
	struct json	*j;
	long long	 t0, worst = 0, dt, end;
	int		 k;

	b_start_undrained(d, b_conf(d));
	c = cl_open(d);
	j = b_call_within(c, "start", "{\"app\": \"chatty\"}");
	j_ok(j);
	j_ok(b_call_within(c, "start", "{\"app\": \"cat\", \"alias\": \"c\"}"));
	/* Two seconds of requests while the pipe stays full. */
	end = t_ms() + 2000;
	for (k = 0; t_ms() < end; k++) {
		t0 = t_ms();
		j_ok(b_call_within(c, k % 2 ? "status" : "hello", NULL));
		if ((dt = t_ms() - t0) > worst)
			worst = dt;
	}
	print_message("%d requests answered with runnerd's stderr not read; "
	    "slowest %lld ms\n", k, worst);
	/* Its stderr, shared with whoever started it, is left blocking. */
	assert_false(b_fd_flags(d->pid, 2) & O_NONBLOCK);
	/* The reader is back: runnerd says what it lost. */
	d_drain_begin(d);
	d_wait_log(d, "log lines dropped while stderr was not being read");
	j_ok(b_call_within(c, "stop", "{\"all\": true}"));
	cl_close(c);
}

/* How many times needle occurs in s. */
static long long
b_count(const char *s, const char *needle)
{
	long long	 n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return (n);
}

/*
 * An app writes FLOOD_LINES lines to its stderr, with no log file, then
 * a last line a second later.  runnerd's own log takes a burst and then
 * a rate; the lines it left out are counted, and the counts and the
 * lines it logged make FLOOD_LINES exactly.  `logs` still has every line
 * of its last 64 KiB.
 */
static void
test_app_stderr_rate_limited(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	const char	*p, *s;
	char		*log, *data, *e;
	long long	 t0, logged, unlogged = 0, ms, bound, v;
	size_t		 n;

	t0 = t_ms();
	j_ok(cl_call(c, "start", "{\"app\": \"flood\"}"));
	/* Until its last line, never more than the rate allows so far. */
	for (;;) {
		(void)poll(NULL, 0, 20);
		ms = t_ms() - t0;
		pthread_mutex_lock(&d->mu);
		d->log[d->loglen] = '\0';
		log = strdup(d->log);
		pthread_mutex_unlock(&d->mu);
		assert_non_null(log);
		logged = b_count(log, "runnerd: flood: flood-line\n");
		bound = LOG_BURST + LOG_RATE * (ms / 1000 + 1);
		if (logged > bound)
			fail_msg("runnerd logged %lld of the app's lines in "
			    "%lld ms (bound %lld)", logged, ms, bound);
		if (strstr(log, "runnerd: flood: flood-done\n") != NULL)
			break;
		free(log);
		if (ms > T_WAIT_MS)
			fail_msg("runnerd did not log the app's last line "
			    "within %d ms", T_WAIT_MS);
	}
	d_keep(d, log);
	for (p = log; (s = strstr(p, "runnerd: flood: ")) != NULL;
	    p = s + 1) {
		v = strtoll(s + 16, &e, 10);
		if (e != s + 16 && strncmp(e, " lines of output not logged "
		    "(rate limit", 39) == 0)
			unlogged += v;
	}
	print_message("%d lines in %lld ms: %lld in runnerd's log (bound "
	    "%lld), %lld counted as not logged\n", FLOOD_LINES, ms, logged,
	    bound, unlogged);
	assert_int_equal(logged + unlogged, FLOOD_LINES);
	/* The ring for `logs` took every line. */
	j = cl_call(c, "logs", "{\"alias\": \"flood\"}");
	data = j_b64(j, j_ok(j), "data", &n);
	assert_true(n > 60000);
	data = d_keep(d, strndup(data, n));
	assert_int_equal(b_count(data, "flood-line\n"), (long long)(n -
	    strlen("flood-done\n")) / (long long)strlen("flood-line\n"));
	cl_close(c);
}

/*
 * PARTIALS clients each send PARTIAL_LEN bytes of a request line and
 * stop there.  runnerd holds no more than its budget for them all: the
 * clients holding the most are refused (ENOMEM, without a tag) and
 * closed, and memory stays bounded.  Another client is answered all the
 * while.
 */
static void
test_partial_lines_bounded(void **state)
{
	struct daemon	*d = *state;
	struct client	*c[PARTIALS], *live;
	struct json	*j;
	char		*line;
	long		 rss0, rss1;
	long long	 end;
	int		 k, refused = 0, open = 0, done[PARTIALS] = { 0 };

	line = d_keep(d, malloc(PARTIAL_LEN));
	memcpy(line, "{\"cmd\": \"hello\", \"ext\": {\"x\": \"", 32);
	memset(line + 32, 'x', PARTIAL_LEN - 32);
	live = cl_open(d);
	j_ok(cl_call(live, "hello", NULL));
	rss0 = b_rss(d);
	for (k = 0; k < PARTIALS; k++) {
		c[k] = cl_open_wait(d);
		(void)cl_send_try(c[k], line, PARTIAL_LEN);
		if (k % 20 == 0)
			j_ok(b_call_within(live, "hello", NULL));
	}
	j_ok(b_call_within(live, "status", NULL));
	/* Over the budget, all but the 16 MiB's worth are let go. */
	end = t_ms() + T_WAIT_MS;
	while (refused < PARTIALS - 16) {
		if (t_ms() > end)
			fail_msg("only %d of %d clients holding %d bytes of a "
			    "line each were refused in %d ms", refused,
			    PARTIALS, PARTIAL_LEN, T_WAIT_MS);
		for (k = 0; k < PARTIALS; k++) {
			if (done[k] || cl_fill(c[k], 0) == -1)
				continue;
			j = b_json_within(c[k], T_WAIT_MS, "the refusal");
			j_err(j, "ENOMEM");
			assert_int_equal(json_get(j, 0, "tag"), -1);
			assert_null(cl_take(c[k], T_WAIT_MS));
			done[k] = 1;
			refused++;
		}
		(void)poll(NULL, 0, 10);
	}
	open = PARTIALS - refused;
	j_ok(b_call_within(live, "hello", NULL));
	rss1 = b_rss(d);
	print_message("%d clients with %d bytes of a line each: %d refused, "
	    "%d held; RssAnon %ld kB, then %ld\n", PARTIALS, PARTIAL_LEN,
	    refused, open, rss0, rss1);
	if (!T_ASAN && rss1 - rss0 > PARTIAL_RSS_KB)
		fail_msg("runnerd grew by %ld kB for %d unfinished lines "
		    "(bound %d kB)", rss1 - rss0, PARTIALS, PARTIAL_RSS_KB);
	for (k = 0; k < PARTIALS; k++)
		cl_close(c[k]);
	cl_close(live);
}

/*
 * UNREAD clients each ask UNREAD_ASKS times for apps (16 KiB a reply,
 * the long names of big and the crasher) and read nothing.  Each may have 4 MiB of
 * replies queued, but all together no more than runnerd's 16 MiB and a
 * little each: its memory stays bounded.  The requests wait; none is
 * lost: one of them, reading at last, gets every reply.
 */
static void
test_unread_replies_bounded(void **state)
{
	struct daemon	*d = *state;
	struct client	*c[UNREAD], *live;
	struct buf	 asks;
	char		*line;
	long		 rss0, rss, last = 0;
	long long	 end;
	size_t		 off = 0, sent = 0;
	ssize_t		 n;
	int		 k, stable = 0, got;

	buf_init(&asks);
	for (k = 0; k < UNREAD_ASKS; k++)
		buf_printf(&asks, "{\"tag\": %d, \"cmd\": \"apps\"}\n", k);
	live = cl_open(d);
	j_ok(cl_call(live, "hello", NULL));
	rss0 = b_rss(d);
	for (k = 0; k < UNREAD; k++) {
		c[k] = cl_open(d);
		/* What the socket takes: the rest waits on runnerd anyway. */
		for (off = 0; off < buf_used(&asks); off += (size_t)n) {
			n = send(c[k]->fd, buf_head(&asks) + off,
			    buf_used(&asks) - off, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n <= 0) {
				assert_true(n == -1 && errno == EAGAIN);
				break;
			}
		}
		sent = off;	/* the last one's, whose replies are read */
	}
	/* Until runnerd's memory settles (bounded), or passes the bound. */
	end = t_ms() + 3 * T_WAIT_MS;
	while (stable < 5 && t_ms() < end) {
		j_ok(cl_call(live, "hello", NULL));
		(void)poll(NULL, 0, 100);
		rss = b_rss(d);
		stable = rss - last < 256 ? stable + 1 : 0;
		last = rss;
		if (!T_ASAN && rss - rss0 > UNREAD_RSS_KB)
			break;
	}
	print_message("%d clients asking %d times and reading nothing: "
	    "RssAnon %ld kB, then %ld\n", UNREAD, UNREAD_ASKS, rss0, last);
	if (!T_ASAN && last - rss0 > UNREAD_RSS_KB)
		fail_msg("runnerd grew by %ld kB for %d clients that do not "
		    "read their replies (bound %d kB)", last - rss0, UNREAD,
		    UNREAD_RSS_KB);
	/* One reads at last: every reply, in order. */
	for (k = 0; k < UNREAD - 1; k++)
		cl_close(c[k]);
	for (got = 0; memchr(buf_head(&asks), '\n', sent) != NULL; got++) {
		line = cl_take(c[UNREAD - 1], T_WAIT_MS);
		assert_non_null(line);
		if (strncmp(line, "{\"tag\":", 7) != 0 ||
		    atoi(line + 7) != got || strstr(line, "\"ok\":true") ==
		    NULL)
			fail_msg("reply %d: %.80s", got, line);
		free(line);
		off = (size_t)((char *)memchr(buf_head(&asks), '\n', sent) -
		    buf_head(&asks)) + 1;
		buf_drop(&asks, off);
		sent -= off;
	}
	print_message("the last one read its %d replies\n", got);
	buf_free(&asks);
	cl_close(c[UNREAD - 1]);
	cl_close(live);
}

/* Is c still open, with nothing from runnerd waiting? */
static int
b_quiet(struct client *c)
{
	return (cl_fill(c, 0) == -1);
}

/* Is c still open (what runnerd sent it is read and dropped)? */
static int
b_open(struct client *c)
{
	while (cl_fill(c, 0) > 0)
		buf_reset(&c->in);
	return (!c->eof);
}

/*
 * A client that leaves a request line unfinished is refused (ETIMEDOUT,
 * no tag) and closed after IDLE_S seconds.  Meanwhile an attached client
 * streams, a follower follows, a subscriber and a client idle between
 * requests wait: none of them is closed, and they are served after.
 */
static void
test_idle_line_timed_out(void **state)
{
	struct daemon	*d = *state;
	struct client	*half, *att, *fol, *sub, *idle, *ctl;
	struct json	*j;
	char		 msg[64], *line;
	long long	 t0, t, ms;
	size_t		 n;
	int		 k;

	ctl = cl_open(d);
	cl_start(ctl, "cat", "c");
	cl_start(ctl, "talker", "t");
	att = cl_open(d);
	j_ok(cl_call(att, "attach", "{\"alias\": \"c\"}"));
	fol = cl_open(d);
	j_ok(cl_call(fol, "logs", "{\"alias\": \"t\", \"follow\": true}"));
	sub = cl_open(d);
	j_ok(cl_call(sub, "subscribe", NULL));
	idle = cl_open(d);
	j_ok(cl_call(idle, "hello", NULL));
	half = cl_open(d);
	cl_sendf(half, "{\"tag\": 1, \"cmd\": \"hel");
	t0 = t_ms();
	/* The attached client streams all the while, each line echoed. */
	for (k = 0; b_quiet(half); k++) {
		if ((t = t_ms() - t0) > (IDLE_S + 10) * 1000)
			fail_msg("a line unfinished for %lld ms is still held",
			    t);
		n = (size_t)snprintf(msg, sizeof(msg), "line %d\n", k);
		cl_send(att, msg, n);
		line = cl_take(att, T_WAIT_MS);
		if (line == NULL)
			fail_msg("the attached client was closed after %lld "
			    "ms", t_ms() - t0);
		msg[n - 1] = '\0';
		assert_string_equal(line, msg);
		free(line);
		(void)poll(NULL, 0, 200);
	}
	ms = t_ms() - t0;
	j = b_json_within(half, T_WAIT_MS, "the timeout");
	j_err(j, "ETIMEDOUT");
	assert_int_equal(json_get(j, 0, "tag"), -1);
	assert_null(cl_take(half, T_WAIT_MS));
	print_message("an unfinished line was timed out after %lld ms; %d "
	    "lines streamed meanwhile\n", ms, k);
	if (ms < (IDLE_S - 1) * 1000)
		fail_msg("an unfinished line was timed out after %lld ms, "
		    "before %d s", ms, IDLE_S);
	/* The others were left alone. */
	assert_true(b_open(fol));
	assert_true(b_quiet(idle));
	j_ok(cl_call(idle, "hello", NULL));
	j_ok(cl_call(sub, "hello", NULL));
	cl_send(att, "last\n", 5);
	line = cl_take(att, T_WAIT_MS);
	assert_non_null(line);
	assert_string_equal(line, "last");
	free(line);
	j_ok(cl_call(ctl, "stop", "{\"all\": true}"));
	cl_close(half);
	cl_close(att);
	cl_close(fol);
	cl_close(sub);
	cl_close(idle);
	cl_close(ctl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_subscribers_bounded,
		    b_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_lagged_then_attached,
		    b_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_stderr_not_read,
		    t_setup_bare, t_teardown),
		cmocka_unit_test_setup_teardown(test_app_stderr_rate_limited,
		    b_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_partial_lines_bounded,
		    b_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_unread_replies_bounded,
		    b_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_idle_line_timed_out,
		    b_setup, t_teardown),
	};

	/* runnerd's memory, counted by the page. */
	setenv("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=0", 1);
	if (getenv("T_ONLY") != NULL)		/* T_ONLY=test_name */
		cmocka_set_test_filter(getenv("T_ONLY"));
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
