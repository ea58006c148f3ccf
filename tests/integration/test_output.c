/*
 * test_output.c: output capture in the real runnerd.  10 MiB nobody
 * reads waits in a bounded buffer (runnerd's VmRSS read from /proc) and
 * is delivered byte-exact later; drop-oldest keeps the newest and counts
 * the rest; stderr to the log (runnerd's, or a file that also gets a
 * stdio app's stdout), merged, or discarded; a socket app's stdout in the
 * log; timestamps; rotation keeping log_keep files, and log_keep = 0;
 * long lines cut; a FIFO nobody reads as the log; each start and exit in
 * runnerd's log once (`logs` is test_logs.c).  Every test ends with no instance, no zombie and
 * as many descriptors in runnerd as it began with.
 */

#include "output.h"

static void
test_unread_10mib_bounded(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	unsigned char	*want = pattern_file(d, "big.bin", BIG);
	struct json	*j;
	struct buf	 got;
	long long	 end = t_ms() + T_WAIT_MS;
	long		 rss0, rss1, rss, rssmax;
	size_t		 n;
	void		*p;
	int		 base = d_fds_probe(d), ext;
	pid_t		 pid;

	rss0 = vmrss_kb(d->pid);
	pid = cl_start(c, "big", "big");
	while (status_int(c, "big", "buffered") < 1024 * 1024) {
		if (t_ms() > end)
			fail_msg("buffered stays at %lld",
			    status_int(c, "big", "buffered"));
		usleep(10000);
	}
	/* Full: runnerd reads no more, and cat waits, blocked. */
	rss1 = rssmax = vmrss_kb(d->pid);
	assert_int_equal(status_int(c, "big", "buffered"), 1024 * 1024);
	assert_true(t_alive(pid));
	buf_init(&got);
	while (buf_used(&got) < BIG) {
		j = cl_call(c, "read", "{\"alias\": \"big\", \"wait\": 2}");
		ext = j_ok(j);
		p = j_b64(j, ext, "data", &n);
		assert_int_equal(buf_add(&got, p, n), 0);
		if ((rss = vmrss_kb(d->pid)) > rssmax)
			rssmax = rss;
		if (t_ms() > end + T_WAIT_MS)
			fail_msg("read %zu of %d bytes", buf_used(&got), BIG);
	}
	assert_int_equal(buf_used(&got), BIG);
	assert_memory_equal(buf_head(&got), want, BIG);
	buf_free(&got);
	print_message("runnerd VmRSS: %ld kB idle, %ld kB holding 1 MiB "
	    "of 10 MiB unread, at most %ld kB while it was read\n", rss0,
	    rss1, rssmax);
	if (rss1 - rss0 > RSS_GROWTH_MAX)
		fail_msg("runnerd grew by %ld kB holding 10 MiB of output",
		    rss1 - rss0);
	/*
	 * ASan keeps freed memory (its quarantine): only without it.  Known
	 * from the build (T_ASAN, as the other tests do), not from
	 * SANITIZE in the environment, which a binary run by hand lacks.
	 */
	if (!T_ASAN && rssmax - rss0 > RSS_GROWTH_MAX)
		fail_msg("runnerd grew by %ld kB while 10 MiB were read",
		    rssmax - rss0);
	/* All read: the instance ends, and a read says so. */
	cl_wait_state(c, "big", "exited", &j);
	j_err(cl_call(c, "read", "{\"alias\": \"big\"}"), "ECLOSED");
	assert_int_equal(status_int(c, "big", "dropped"), 0);
	out_clean(d, base);
}

/*
 * drop-oldest: the child is never held back; runnerd keeps the newest
 * output_buffer bytes and status counts the dropped ones.
 */
static void
test_drop_oldest_counts(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	unsigned char	*data = pattern_file(d, "drop.bin", DROP_TOTAL);
	struct json	*j;
	int		 base = d_fds_probe(d), e;

	cl_start(c, "dropper", "dropper");
	/* Nobody reads, and yet it runs to its end. */
	e = cl_wait_state(c, "dropper", "exited", &j);
	assert_int_equal(j_int(j, e, "buffered"), DROP_KEEP);
	assert_int_equal(j_int(j, e, "dropped"), DROP_TOTAL - DROP_KEEP);
	cl_read_expect(c, "dropper", data + DROP_TOTAL - DROP_KEEP, DROP_KEEP);
	j_err(cl_call(c, "read", "{\"alias\": \"dropper\"}"), "ECLOSED");
	/* runnerctl shows the count too. */
	assert_non_null(strstr(CTL(d, "--json", "status", "dropper")->out,
	    d_fmt(d, "\"dropped\":%d", DROP_TOTAL - DROP_KEEP)));
	out_clean(d, base);
}

/*
 * stderr = "log" without a log file: runnerd's log, one line each, the
 * unfinished last one too, all before the exit; stdout is the channel.
 */
static void
test_stderr_log_runnerd(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	long		 ex;
	int		 base = d_fds_probe(d);
	pid_t		 pid;

	pid = run_to_exit(d, c, "both");
	cl_read_expect(c, "both", "out\n", 4);
	ex = log_at(d, d_fmt(d, "both: pid %ld exited", (long)pid));
	assert_true(log_at(d, "runnerd: both: err\n") != -1);
	assert_true(log_at(d, "runnerd: both: err\n") < ex);
	assert_true(log_at(d, "runnerd: both: tail\n") != -1);
	assert_true(log_at(d, "runnerd: both: tail\n") < ex);
	assert_int_equal(log_count(d, "both: out"), 0);
	assert_string_equal(LOGS(d, "both"), "err\ntail\n");
	out_clean(d, base);
}

/*
 * A child's control bytes reach runnerd's log escaped (an escape sequence
 * would drive the terminal or journal showing it); its own log keeps
 * them as they were.
 */
static void
test_stderr_log_escaped(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	int		 base = d_fds_probe(d);

	run_to_exit(d, c, "ctrl");
	assert_true(log_at(d, "runnerd: ctrl: e\\033[2Jx\n") != -1);
	assert_true(log_at(d, "runnerd: ctrl: f\\tg\n") != -1);
	assert_int_equal(log_count(d, "\033"), 0);
	assert_string_equal(LOGS(d, "ctrl"), "e\033[2Jx\nf\tg\n");
	out_clean(d, base);
}

/*
 * stderr = "log" with a log file: the file gets stderr and (the tee) the
 * stdout runnerd reads from the channel; runnerd's log gets neither.
 */
static void
test_stderr_log_file(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	char		*file, *logs;
	int		 base = d_fds_probe(d);

	run_to_exit(d, c, "bothf");
	cl_read_expect(c, "bothf", "out\n", 4);
	/* The tee happened when runnerd read the channel: by now. */
	file = slurp(d, "bothf.log", NULL);
	assert_int_equal(strlen(file), strlen("out\nerr\ntail\n"));
	assert_non_null(strstr(file, "out\n"));
	assert_non_null(strstr(file, "err\n"));
	assert_non_null(strstr(file, "tail\n"));
	logs = LOGS(d, "bothf");
	assert_int_equal(strlen(logs), strlen(file));
	assert_int_equal(log_count(d, "bothf: err"), 0);
	assert_int_equal(log_count(d, "bothf: out"), 0);
	assert_int_equal(status_int(c, "bothf", "log_dropped"), 0);
	out_clean(d, base);
}

/* stderr = "merge": with stdout, in the channel; the log stays empty. */
static void
test_stderr_merge(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	int		 base = d_fds_probe(d);

	run_to_exit(d, c, "merged");
	cl_read_expect(c, "merged", "out\nerr\ntail", 12);
	assert_string_equal(LOGS(d, "merged"), "");
	assert_int_equal(log_count(d, "merged: err"), 0);
	out_clean(d, base);
}

/* stderr = "null": gone; stdout is the channel as ever. */
static void
test_stderr_null(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	int		 base = d_fds_probe(d);

	run_to_exit(d, c, "nulled");
	cl_read_expect(c, "nulled", "out\n", 4);
	assert_string_equal(LOGS(d, "nulled"), "");
	assert_int_equal(log_count(d, "nulled: err"), 0);
	assert_int_equal(log_count(d, "nulled: tail"), 0);
	out_clean(d, base);
}

/*
 * A socket app's stdout is its log, with its stderr (stderr = "log") or
 * without it (stderr = "null").
 */
static void
test_socket_stdout_logged(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	char		*logs;
	int		 base = d_fds_probe(d);

	cl_start(c, "sock", "sock");
	logs = logs_wait(d, "sock", "serr\n");
	assert_non_null(strstr(logs, "sout\n"));
	d_wait_log(d, "runnerd: sock: sout\n");
	/* serr went to /dev/null before sout was written. */
	cl_start(c, "socknull", "socknull");
	assert_string_equal(logs_wait(d, "socknull", "sout\n"), "sout\n");
	assert_int_equal(log_count(d, "socknull: serr"), 0);
	out_clean(d, base);
}

/* "2026-11-21T10:00:00.123Z " at the start of s, within [lo, hi]? */
static void
check_stamp(const char *s, time_t lo, time_t hi)
{
	struct tm	 tm;
	const char	*end;
	time_t		 t;

	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL ||
	    end[0] != '.' || end[1] < '0' || end[1] > '9' ||
	    end[2] < '0' || end[2] > '9' || end[3] < '0' || end[3] > '9' ||
	    strncmp(end + 4, "Z ", 2) != 0)
		fail_msg("no timestamp at the start of: %.60s", s);
	t = timegm(&tm);
	if (t < lo || t > hi)
		fail_msg("timestamp %.24s is not within the test's run", s);
}

/* timestamps = true: each line in the file and in logs is stamped. */
static void
test_timestamps(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	const char	*src[2];
	char		*line;
	time_t		 lo = time(NULL) - 1, hi;
	int		 base = d_fds_probe(d), k;

	run_to_exit(d, c, "stamped");
	hi = time(NULL) + 1;
	src[0] = slurp(d, "stamped.log", NULL);
	src[1] = LOGS(d, "stamped");
	for (k = 0; k < 2; k++) {
		line = d_keep(d, strdup(src[k]));
		assert_int_equal(strlen(line), 2 * strlen("2026-11-21T10:00:00."
		    "123Z one\n"));
		check_stamp(line, lo, hi);
		assert_memory_equal(line + 24, " one\n", 5);
		check_stamp(line + 29, lo, hi);
		assert_memory_equal(line + 29 + 24, " two\n", 5);
	}
	assert_string_equal(src[0], src[1]);
	out_clean(d, base);
}

/*
 * The files of a rotated log hold whole lines, the numbers 1..2000 in
 * order, oldest first, each file within max bytes, ending with 2000.
 */
static void
check_seq_tail(struct daemon *d, const char *const *names, int n)
{
	struct buf	 all;
	char		*s, *line, *save;
	size_t		 len;
	long		 prev = -1, v;
	int		 k;

	buf_init(&all);
	for (k = 0; k < n; k++) {
		s = slurp(d, names[k], &len);
		assert_true(len > 0 && len <= 1000);
		assert_int_equal(s[len - 1], '\n');
		assert_int_equal(buf_add(&all, s, len), 0);
	}
	s = d_keep(d, buf_take(&all));
	for (line = strtok_r(s, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		v = atol(line);
		if (prev != -1 && v != prev + 1)
			fail_msg("%ld follows %ld in the rotated log", v, prev);
		prev = v;
	}
	assert_int_equal(prev, 2000);
}

/* log_max_size and log_keep: LOG, LOG.1 .. LOG.keep, and no more. */
static void
test_rotation_keeps_files(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	const char	*rot[] = { "rot.log.2", "rot.log.1", "rot.log" };
	const char	*trunc[] = { "trunc.log" };
	int		 base = d_fds_probe(d);

	run_to_exit(d, c, "rot");
	assert_true(exists(d, "rot.log.2"));
	assert_false(exists(d, "rot.log.3"));
	check_seq_tail(d, rot, 3);
	assert_int_equal(status_int(c, "rot", "log_dropped"), 0);

	/* log_keep = 0: the file is truncated instead. */
	run_to_exit(d, c, "trunc");
	assert_false(exists(d, "trunc.log.1"));
	check_seq_tail(d, trunc, 1);
	out_clean(d, base);
}

/* A line longer than the bound is cut, the rest following as lines. */
static void
test_long_line_cut(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	char		*text, *logs;
	size_t		 want;
	int		 base = d_fds_probe(d);

	assert_non_null(text = d_keep(d, malloc(LONG_LINE + 1)));
	memset(text, 'x', LONG_LINE);
	text[LONG_LINE] = '\0';
	d_file(d, "long.txt", text);
	run_to_exit(d, c, "long");
	logs = LOGS(d, "long");
	want = LONG_LINE + 3;	/* 16384 + 16384 + 7232, three newlines */
	assert_int_equal(strlen(logs), want);
	assert_int_equal(logs[16384], '\n');
	assert_int_equal(logs[2 * 16384 + 1], '\n');
	assert_int_equal(logs[want - 1], '\n');
	out_clean(d, base);
}

/*
 * More log than runnerd keeps: logs gives the newest 64 KiB from a line's
 * start; log_max_size = 0 keeps the file whole.
 */
static void
test_log_fifo_unread(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	char		*path = d_fmt(d, "%s/fifo", d->dir), tmp[256];
	long long	 end = t_ms() + T_WAIT_MS;
	ssize_t		 n;
	int		 base, rfd, k;

	assert_int_equal(mkfifo(path, 0600), 0);
	base = d_fds_probe(d);
	cl_start(c, "fifo", "fifo");
	for (k = 0; k < 3; k++)
		j_ok(cl_call(c, "write", "{\"alias\": \"fifo\", \"text\": "
		    "\"x\\n\"}"));
	while (status_int(c, "fifo", "log_dropped") < 3 * 6) {
		if (t_ms() > end)
			fail_msg("log_dropped is %lld, not 18",
			    status_int(c, "fifo", "log_dropped"));
		usleep(10000);
	}
	assert_int_equal(status_int(c, "fifo", "log_dropped"), 18);
	assert_int_equal(log_count(d, d_fmt(d, "log %s", path)), 1);
	/* The lines are in logs all the same. */
	assert_string_equal(LOGS(d, "fifo"), "got x\ngot x\ngot x\n");

	/* A reader: within a second or so, lines reach it. */
	assert_true((rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC))
	    >= 0);
	for (;;) {
		j_ok(cl_call(c, "write", "{\"alias\": \"fifo\", \"text\": "
		    "\"y\\n\"}"));
		if (fd_wait(rfd, POLLIN, clock_now() + 0.1) == 1 &&
		    (n = read(rfd, tmp, sizeof(tmp))) > 0)
			break;
		if (t_ms() > end + T_WAIT_MS)
			fail_msg("nothing reached the FIFO's reader");
	}
	assert_memory_equal(tmp, "got y\n", 6);
	d_wait_log(d, d_fmt(d, "log %s: writing again", path));
	close(rfd);
	out_clean(d, base);
}

/*
 * Each start and each exit is in runnerd's log exactly once, also
 * through restarts; the exit after the app's last words.
 */
static void
test_markers_once(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	const char	*p;
	char		*text;
	long long	 end = t_ms() + T_WAIT_MS;
	long		 pid;
	int		 base = d_fds_probe(d), starts = 0;

	cl_start(c, "crash", "crash");
	cl_wait_state(c, "crash", "failed", &j);
	/* The log comes on a pipe of its own: wait for the last exit. */
	while (log_count(d, "crash: pid ") < 3) {
		if (t_ms() > end)
			fail_msg("fewer than 3 exits of crash in the log");
		usleep(10000);
	}
	pthread_mutex_lock(&d->mu);
	d->log[d->loglen] = '\0';
	text = d_keep(d, strdup(d->log));
	pthread_mutex_unlock(&d->mu);
	for (p = text; (p = strstr(p, "crash: started crash (pid ")) != NULL;
	    p++) {
		pid = atol(p + strlen("crash: started crash (pid "));
		d_saw(d, pid);
		starts++;
		assert_int_equal(log_count(d, d_fmt(d, "(pid %ld)", pid)), 1);
		assert_int_equal(log_count(d, d_fmt(d, "crash: pid %ld exited",
		    pid)), 1);
	}
	assert_int_equal(starts, 3);	/* the first run, 2 restarts */
	assert_int_equal(log_count(d, "runnerd: crash: dying\n"), 3);
	assert_int_equal(log_count(d, "crash: pid "), 3);
	out_clean(d, base);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, out_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_unread_10mib_bounded),
		T(test_drop_oldest_counts),
		T(test_stderr_log_runnerd),
		T(test_stderr_log_escaped),
		T(test_stderr_log_file),
		T(test_stderr_merge),
		T(test_stderr_null),
		T(test_socket_stdout_logged),
		T(test_timestamps),
		T(test_rotation_keeps_files),
		T(test_long_line_cut),
		T(test_log_fifo_unread),
		T(test_markers_once),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
