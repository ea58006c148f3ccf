/*
 * test_output.c: output capture in the real runnerd.  10 MiB nobody
 * reads waits in a bounded buffer (runnerd's VmRSS read from /proc) and
 * is delivered byte-exact later; drop-oldest keeps the newest and counts
 * the rest; stderr to the log (runnerd's, or a file that also gets a
 * stdio app's stdout), merged, or discarded; a socket app's stdout in the
 * log; timestamps; rotation keeping log_keep files, and log_keep = 0;
 * long lines cut; a FIFO nobody reads as the log; `logs`, `logs -n` and
 * `logs -f` over the protocol and through runnerctl; each start and exit
 * in runnerd's log once.  Every test ends with no instance, no zombie and
 * as many descriptors in runnerd as it began with.
 */

#include "daemon.h"

#define BIG		(10 * 1024 * 1024)	/* output nobody reads */
#define DROP_TOTAL	(3 * 1024 * 1024)	/* drop-oldest: written */
#define DROP_KEEP	(64 * 1024)		/* ... and kept */
#define LONG_LINE	40000			/* cut at 16384 */
#define RSS_GROWTH_MAX	(6 * 1024)		/* kB runnerd may grow by */

/* The apps of these tests; DIR is the test's directory. */
static char *
out_conf(struct daemon *d)
{
	return (d_fmt(d,
	    "apps = {\n"
	    "  big = { command = [\"cat\", \"%s/big.bin\"]; restart = \"no\"; };\n"
	    "  dropper = { command = [\"cat\", \"%s/drop.bin\"]; "
	    "output_buffer = \"64K\"; overflow = \"drop-oldest\"; "
	    "restart = \"no\"; };\n"
	    "  both = { command = [\"sh\", \"-c\", \"echo out; echo err >&2; "
	    "printf tail >&2\"]; restart = \"no\"; };\n"
	    "  bothf = { command = [\"sh\", \"-c\", \"echo out; echo err >&2; "
	    "printf tail >&2\"]; log = \"%s/bothf.log\"; restart = \"no\"; };\n"
	    "  merged = { command = [\"sh\", \"-c\", \"echo out; echo err >&2; "
	    "printf tail >&2\"]; stderr = \"merge\"; restart = \"no\"; };\n"
	    "  nulled = { command = [\"sh\", \"-c\", \"echo out; echo err >&2; "
	    "printf tail >&2\"]; stderr = \"null\"; restart = \"no\"; };\n"
	    "  sock = { command = [\"sh\", \"-c\", \"echo sout; echo serr >&2; "
	    "exec socat UNIX-LISTEN:s1.sock,fork EXEC:cat\"]; type = \"socket\"; "
	    "socket = \"s1.sock\"; cwd = \"%s\"; restart = \"no\"; };\n"
	    "  socknull = { command = [\"sh\", \"-c\", \"echo serr >&2; "
	    "echo sout; exec socat UNIX-LISTEN:s2.sock,fork EXEC:cat\"]; "
	    "type = \"socket\"; socket = \"s2.sock\"; cwd = \"%s\"; "
	    "stderr = \"null\"; restart = \"no\"; };\n"
	    "  stamped = { command = [\"sh\", \"-c\", \"echo one >&2; "
	    "echo two >&2\"]; timestamps = true; log = \"%s/stamped.log\"; "
	    "restart = \"no\"; };\n"
	    "  rot = { command = [\"sh\", \"-c\", \"seq 1 2000 >&2\"]; "
	    "log = \"%s/rot.log\"; log_max_size = 1000; log_keep = 2; "
	    "restart = \"no\"; };\n"
	    "  trunc = { command = [\"sh\", \"-c\", \"seq 1 2000 >&2\"]; "
	    "log = \"%s/trunc.log\"; log_max_size = 1000; log_keep = 0; "
	    "restart = \"no\"; };\n"
	    "  many = { command = [\"sh\", \"-c\", \"seq 1 30000 >&2\"]; "
	    "log = \"%s/many.log\"; log_max_size = 0; restart = \"no\"; };\n"
	    "  long = { command = [\"sh\", \"-c\", \"cat long.txt >&2\"]; "
	    "cwd = \"%s\"; restart = \"no\"; };\n"
	    "  echoerr = { command = [\"sh\", \"-c\", "
	    "\"while read x; do echo \\\"got $x\\\" >&2; done\"]; "
	    "restart = \"no\"; };\n"
	    "  bye = { command = [\"sh\", \"-c\", "
	    "\"read x; echo \\\"bye $x\\\" >&2\"]; restart = \"no\"; };\n"
	    "  fifo = { command = [\"sh\", \"-c\", "
	    "\"while read x; do echo \\\"got $x\\\" >&2; done\"]; "
	    "log = \"%s/fifo\"; restart = \"no\"; };\n"
	    "  crash = { command = [\"sh\", \"-c\", \"echo dying >&2; exit 1\"]; "
	    "restart = \"on-failure\"; backoff_initial = 0.01; "
	    "max_restarts = 2; };\n"
	    "};\n", d->dir, d->dir, d->dir, d->dir, d->dir, d->dir, d->dir,
	    d->dir, d->dir, d->dir, d->dir));
}

static int
out_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	d_start(d, out_conf(d));
	return (0);
}

/* A file of len bytes of a pattern that shows any shift; the bytes. */
static unsigned char *
pattern_file(struct daemon *d, const char *name, size_t len)
{
	unsigned char	*p;
	FILE		*fp;
	size_t		 i;

	assert_non_null(p = d_keep(d, malloc(len)));
	for (i = 0; i < len; i++)
		p[i] = (unsigned char)((i * 2654435761u) >> 13 ^ i >> 16);
	assert_non_null(fp = fopen(d_fmt(d, "%s/%s", d->dir, name), "w"));
	assert_int_equal(fwrite(p, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	return (p);
}

/* The whole of a file (kept), NUL-terminated; *len its length. */
static char *
slurp(struct daemon *d, const char *name, size_t *len)
{
	struct buf	 b;
	char		 tmp[4096];
	size_t		 n;
	FILE		*fp;

	buf_init(&b);
	if ((fp = fopen(d_fmt(d, "%s/%s", d->dir, name), "r")) == NULL)
		fail_msg("%s: %s", name, strerror(errno));
	while ((n = fread(tmp, 1, sizeof(tmp), fp)) > 0)
		assert_int_equal(buf_add(&b, tmp, n), 0);
	fclose(fp);
	if (len != NULL)
		*len = buf_used(&b);
	return (d_keep(d, buf_take(&b)));
}

static int
exists(struct daemon *d, const char *name)
{
	struct stat	 st;

	return (stat(d_fmt(d, "%s/%s", d->dir, name), &st) == 0);
}

/* runnerd's resident memory in kB, from /proc. */
static long
vmrss_kb(pid_t pid)
{
	char	 path[64], line[256];
	long	 kb = -1;
	FILE	*fp;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	assert_non_null(fp = fopen(path, "r"));
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(fp);
	assert_true(kb > 0);
	return (kb);
}

/* The number of times s occurs in runnerd's output so far. */
static int
log_count(struct daemon *d, const char *s)
{
	const char	*p;
	int		 n = 0;

	pthread_mutex_lock(&d->mu);
	d->log[d->loglen] = '\0';
	for (p = d->log; (p = strstr(p, s)) != NULL; p += strlen(s))
		n++;
	pthread_mutex_unlock(&d->mu);
	return (n);
}

/* Where s first occurs in runnerd's output, or -1. */
static long
log_at(struct daemon *d, const char *s)
{
	const char	*p;
	long		 at;

	pthread_mutex_lock(&d->mu);
	d->log[d->loglen] = '\0';
	p = strstr(d->log, s);
	at = p != NULL ? p - d->log : -1;
	pthread_mutex_unlock(&d->mu);
	return (at);
}

/* Start app (its alias is its name), wait for its exit in runnerd's log. */
static pid_t
run_to_exit(struct daemon *d, struct client *c, const char *app)
{
	pid_t	 pid = cl_start(c, app, app);

	d_wait_log(d, d_fmt(d, "%s: pid %ld exited", app, (long)pid));
	return (pid);
}

/* runnerctl logs ARGS...: must succeed; its stdout (kept). */
#define LOGS(d, ...)	logs_ok(CTL((d), "logs", __VA_ARGS__))
static char *
logs_ok(struct run *r)
{
	r_status(r, 0);
	return (r->out);
}

/* Poll runnerctl logs alias until its output holds want; the output. */
static char *
logs_wait(struct daemon *d, const char *alias, const char *want)
{
	long long	 end = t_ms() + T_WAIT_MS;
	char		*out;

	while (strstr(out = LOGS(d, alias), want) == NULL) {
		if (t_ms() > end)
			fail_msg("'%s' not in the log of %s after %d ms: %s",
			    want, alias, T_WAIT_MS, out);
		usleep(10000);
	}
	return (out);
}

/* A status number of alias. */
static long long
status_int(struct client *c, const char *alias, const char *key)
{
	struct json	*j;
	int		 e;

	if ((e = cl_status_of(c, alias, &j)) == -1)
		fail_msg("no status of %s", alias);
	return (j_int(j, e, key));
}

/*
 * The end of every test: stop what runs, then runnerd must have no
 * zombie and the descriptors it had at the start.
 */
static void
out_clean(struct daemon *d, int base)
{
	struct client	*c = cl_open(d);

	j_ok(cl_call(c, "stop", "{\"all\": true}"));
	cl_close(c);
	d_no_zombies(d);
	d_fds_settle(d, base);
}

/* A runnerctl in the background (logs -f), its stdout read by us. */
struct bg {
	pid_t		 pid;
	int		 out;
	struct buf	 got;
};

static void
bg_start(struct daemon *d, struct bg *b, const char *alias)
{
	char	*argv[] = { d->runnerctl, (char *)"-s", d->sock,
	    (char *)"logs", (char *)"-f", (char *)alias, NULL };
	int	 p[2], null;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_true((null = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0);
	if ((b->pid = fork()) == 0) {
		signal(SIGPIPE, SIG_DFL);
		dup2(null, 0);
		dup2(p[1], 1);
		dup2(null, 2);
		execve(argv[0], argv, d->envp);
		_exit(127);
	}
	assert_true(b->pid > 0);
	close(p[1]);
	close(null);
	b->out = p[0];
	buf_init(&b->got);
}

/* Read b's stdout until it holds want (bounded). */
static void
bg_expect(struct bg *b, const char *want)
{
	long long	 end = t_ms() + T_WAIT_MS;
	char		 tmp[4096];
	ssize_t		 n;

	while (buf_cstr(&b->got) == NULL || strstr(buf_cstr(&b->got),
	    want) == NULL) {
		if (fd_wait(b->out, POLLIN, clock_now() + (end - t_ms()) /
		    1000.0) != 1)
			fail_msg("runnerctl logs -f did not print '%s' in %d "
			    "ms; it printed: %s", want, T_WAIT_MS,
			    buf_cstr(&b->got));
		if ((n = read(b->out, tmp, sizeof(tmp))) <= 0)
			fail_msg("runnerctl logs -f ended before '%s'; it "
			    "printed: %s", want, buf_cstr(&b->got));
		assert_int_equal(buf_add(&b->got, tmp, (size_t)n), 0);
	}
}

/* Wait (bounded) for b to end by itself; its exit status. */
static int
bg_end(struct bg *b)
{
	char	 tmp[4096];
	ssize_t	 n;
	int	 status;

	while (fd_wait(b->out, POLLIN, clock_now() + T_WAIT_MS / 1000.0) ==
	    1 && (n = read(b->out, tmp, sizeof(tmp))) > 0)
		assert_int_equal(buf_add(&b->got, tmp, (size_t)n), 0);
	close(b->out);
	if (!t_wait_child(b->pid, &status, T_WAIT_MS)) {
		kill(b->pid, SIGKILL);
		waitpid(b->pid, &status, 0);
		fail_msg("runnerctl logs -f did not end");
	}
	return (WIFEXITED(status) ? WEXITSTATUS(status) : 128 +
	    WTERMSIG(status));
}

/*
 * 10 MiB nobody reads: runnerd holds output_buffer (1 MiB) of it and
 * stops reading, the child blocks, runnerd's memory stays bounded; then
 * all of it is read, byte-exact, and only then does the instance end.
 */
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
	/* ASan keeps freed memory (its quarantine): only without it. */
	if (rssmax - rss0 > RSS_GROWTH_MAX && (getenv("SANITIZE") == NULL ||
	    strcmp(getenv("SANITIZE"), "1") != 0))
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
test_logs_ring_wraps(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	char		*logs, *line, *save;
	size_t		 len;
	long		 prev = -1, v;
	int		 base = d_fds_probe(d);

	run_to_exit(d, c, "many");
	logs = LOGS(d, "many");
	len = strlen(logs);
	assert_true(len > 60000 && len <= 65536);
	assert_int_equal(logs[len - 1], '\n');
	for (line = strtok_r(logs, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		v = atol(line);
		if (prev != -1 && v != prev + 1)
			fail_msg("%ld follows %ld in logs", v, prev);
		if (prev == -1 && strcmp(line, d_fmt(d, "%ld", v)) != 0)
			fail_msg("logs starts in a line: %s", line);
		prev = v;
	}
	assert_int_equal(prev, 30000);
	assert_string_equal(LOGS(d, "many", "-n", "3"),
	    "29998\n29999\n30000\n");
	slurp(d, "many.log", &len);
	assert_int_equal(len, 168894);	/* seq 1 30000 | wc -c */
	assert_false(exists(d, "many.log.1"));
	out_clean(d, base);
}

/* logs: all, the last N lines, none; errors as every command has them. */
static void
test_logs_lines(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	struct run	*r;
	size_t		 n;
	int		 base = d_fds_probe(d), ext;

	cl_start(c, "echoerr", "echoerr");
	j_ok(cl_call(c, "write", "{\"alias\": \"echoerr\", \"text\": "
	    "\"a\\nb\\nc\\nd\\ne\\n\"}"));
	logs_wait(d, "echoerr", "got e\n");
	assert_string_equal(LOGS(d, "echoerr"),
	    "got a\ngot b\ngot c\ngot d\ngot e\n");
	assert_string_equal(LOGS(d, "echoerr", "-n", "2"), "got d\ngot e\n");
	assert_string_equal(LOGS(d, "-n", "9", "echoerr"),
	    "got a\ngot b\ngot c\ngot d\ngot e\n");
	assert_string_equal(LOGS(d, "echoerr", "-n", "0"), "");

	/* Over the protocol: {alias, data}. */
	j = cl_call(c, "logs", "{\"alias\": \"echoerr\", \"lines\": 1}");
	ext = j_ok(j);
	assert_string_equal(j_str(j, ext, "alias"), "echoerr");
	assert_memory_equal(j_b64(j, ext, "data", &n), "got e\n", 6);
	assert_int_equal(n, 6);
	j_err(cl_call(c, "logs", "{\"alias\": \"nosuch\"}"), "ENOALIAS");
	j_err(cl_call(c, "logs", "{\"alias\": \"echoerr\", \"follow\": 1}"),
	    "EINVAL");
	j_err(cl_call(c, "logs", "{\"alias\": \"echoerr\", \"lines\": -1}"),
	    "EINVAL");

	r = CTL(d, "logs", "nosuch");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "runnerctl: ENOALIAS: "));
	r_status(CTL(d, "logs"), 2);
	r_status(CTL(d, "logs", "echoerr", "-n", "x"), 2);
	r_status(CTL(d, "logs", "echoerr", "-n", "-3"), 2);
	r = CTL(d, "--json", "logs", "echoerr", "-n", "1");
	r_status(r, 0);
	assert_non_null(strstr(r->out, t_b64("got e\n", 6)));
	out_clean(d, base);
}

/*
 * logs with follow, over the protocol: the reply, then the log raw as it
 * comes; what the client sends is ignored; a stop ends the stream.
 */
static void
test_logs_follow_protocol(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *f;
	struct json	*j;
	size_t		 n;
	int		 base = d_fds_probe(d), ext;

	f = cl_open(d);
	cl_start(c, "echoerr", "echoerr");
	j_ok(cl_call(c, "write", "{\"alias\": \"echoerr\", \"text\": "
	    "\"early\\n\"}"));
	logs_wait(d, "echoerr", "got early\n");
	j = cl_call(f, "logs", "{\"alias\": \"echoerr\", \"follow\": true}");
	ext = j_ok(j);
	assert_memory_equal(j_b64(j, ext, "data", &n), "got early\n", 10);
	/* A request now is not one: nothing answers it. */
	cl_sendf(f, "{\"tag\": 9, \"cmd\": \"hello\"}\n");
	j_ok(cl_call(c, "write", "{\"alias\": \"echoerr\", \"text\": "
	    "\"live\\n\"}"));
	while (buf_used(&f->in) < 9)
		if (cl_fill(f, T_WAIT_MS) <= 0)
			fail_msg("no live log line");
	assert_int_equal(buf_used(&f->in), 9);
	assert_memory_equal(buf_head(&f->in), "got live\n", 9);
	buf_reset(&f->in);
	/* The instance goes: so does the stream. */
	j_ok(cl_call(c, "stop", "{\"alias\": \"echoerr\"}"));
	while (cl_fill(f, T_WAIT_MS) > 0)
		;
	assert_true(f->eof);
	assert_int_equal(buf_used(&f->in), 0);
	cl_close(f);
	out_clean(d, base);
}

/* runnerctl logs -f: the log so far, then live; a stop ends it (0). */
static void
test_logs_follow_ctl(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct bg	 b;
	int		 base = d_fds_probe(d);

	cl_start(c, "echoerr", "echoerr");
	j_ok(cl_call(c, "write", "{\"alias\": \"echoerr\", \"text\": "
	    "\"before\\n\"}"));
	logs_wait(d, "echoerr", "got before\n");
	bg_start(d, &b, "echoerr");
	bg_expect(&b, "got before\n");
	j_ok(cl_call(c, "write", "{\"alias\": \"echoerr\", \"text\": "
	    "\"after\\n\"}"));
	bg_expect(&b, "got before\ngot after\n");
	j_ok(cl_call(c, "stop", "{\"alias\": \"echoerr\"}"));
	assert_int_equal(bg_end(&b), 0);
	assert_string_equal(buf_cstr(&b.got), "got before\ngot after\n");
	buf_free(&b.got);
	out_clean(d, base);
}

/* logs -f of an instance that ends for good ends with it. */
static void
test_logs_follow_until_end(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct bg	 b;
	struct json	*j;
	int		 base = d_fds_probe(d);

	cl_start(c, "bye", "bye");
	bg_start(d, &b, "bye");
	/* Its line comes in the reply or after it, never twice. */
	j_ok(cl_call(c, "write", "{\"alias\": \"bye\", \"text\": \"now\\n\"}"));
	cl_wait_state(c, "bye", "exited", &j);
	assert_int_equal(bg_end(&b), 0);
	assert_string_equal(buf_cstr(&b.got), "bye now\n");
	buf_free(&b.got);
	/* Ended and read out: logs -f prints it and returns at once. */
	r_status(CTL(d, "logs", "-f", "bye"), 0);
	assert_string_equal(CTL(d, "logs", "-f", "bye")->out, "bye now\n");
	out_clean(d, base);
}

/*
 * A FIFO nobody reads as the log: runnerd never blocks on it; what it
 * cannot take is counted in log_dropped; it says so once; a reader that
 * comes gets the lines from then on.
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
		T(test_stderr_log_file),
		T(test_stderr_merge),
		T(test_stderr_null),
		T(test_socket_stdout_logged),
		T(test_timestamps),
		T(test_rotation_keeps_files),
		T(test_long_line_cut),
		T(test_logs_lines),
		T(test_logs_ring_wraps),
		T(test_logs_follow_protocol),
		T(test_logs_follow_ctl),
		T(test_logs_follow_until_end),
		T(test_log_fifo_unread),
		T(test_markers_once),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
