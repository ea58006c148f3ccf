/*
 * output.h: what the output-capture tests share: the apps (out_conf), the
 * fixture, reading files of the test directory, runnerd's VmRSS, its log,
 * `runnerctl logs` run in the background, and the end-of-test check that
 * no instance, no zombie and no extra descriptor is left.
 */

#ifndef T_OUTPUT_H
#define T_OUTPUT_H

#include "daemon.h"
#include "ctl.h"

#define BIG		(10 * 1024 * 1024)	/* output nobody reads */
#define DROP_TOTAL	(3 * 1024 * 1024)	/* drop-oldest: written */
#define DROP_KEEP	(64 * 1024)		/* ... and kept */
#define LONG_LINE	40000			/* cut at 16384 */
#define RSS_GROWTH_MAX	(6 * 1024)		/* kB runnerd may grow by */

/* The apps of these tests; DIR is the test's directory. */
static inline char *
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
	    "  ctrl = { command = [\"sh\", \"-c\", \"printf 'e\\\\033[2Jx\\\\n' "
	    ">&2; printf 'f\\\\tg\\\\n' >&2\"]; restart = \"no\"; };\n"
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

static inline int
out_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	d_start(d, out_conf(d));
	return (0);
}

/* A file of len bytes of a pattern that shows any shift; the bytes. */
static inline unsigned char *
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
static inline char *
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

static inline int
exists(struct daemon *d, const char *name)
{
	struct stat	 st;

	return (stat(d_fmt(d, "%s/%s", d->dir, name), &st) == 0);
}

/* runnerd's resident memory in kB, from /proc. */
static inline long
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
static inline int
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
static inline long
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
static inline pid_t
run_to_exit(struct daemon *d, struct client *c, const char *app)
{
	pid_t	 pid = cl_start(c, app, app);

	d_wait_log(d, d_fmt(d, "%s: pid %ld exited", app, (long)pid));
	return (pid);
}

/* runnerctl logs ARGS...: must succeed; its stdout (kept). */
#define LOGS(d, ...)	logs_ok(CTL((d), "logs", __VA_ARGS__))
static inline char *
logs_ok(struct run *r)
{
	r_status(r, 0);
	return (r->out);
}

/* Poll runnerctl logs alias until its output holds want; the output. */
static inline char *
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
static inline long long
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
static inline void
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

static inline void
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
static inline void
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
static inline int
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

#endif /* T_OUTPUT_H */
