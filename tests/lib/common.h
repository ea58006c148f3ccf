/*
 * common.h: fixtures and helpers for the behavioural tests of librunner.
 * Every test gets a private temporary directory and a fresh runner; the
 * teardown frees the runner (stopping what it started) and removes the
 * directory.  Waits are on events (channel readiness, pidfds) with a
 * generous bound, so a broken build fails instead of hanging.
 *
 * One suite, two backends: RUNNER_TEST_BACKEND=daemon makes the runner
 * under test runner_connect() to a real runnerd that the fixture starts
 * on a private socket in the test's directory (in the foreground, its
 * log in DIR/runnerd.log, stopped by its pid and reaped at teardown);
 * anything else tests runner_new().  T_RUNNERD overrides the program.
 */

#ifndef TEST_COMMON_H
#define TEST_COMMON_H

#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner-int.h"

#include "../proc.h"

struct fixture {
	struct runner	*r;
	char		 dir[64];	/* private temporary directory */
	char		 helpers[PATH_MAX];	/* tests/helpers, absolute */
	pid_t		 daemon;	/* runnerd (daemon backend), or 0 */
	char		 sock[PATH_MAX];	/* its socket */
};

static char	 t_sock[PATH_MAX];	/* the daemon backend's socket */

/* Is the backend under test runnerd (RUNNER_TEST_BACKEND=daemon)? */
static inline int
t_daemon(void)
{
	const char	*b = getenv("RUNNER_TEST_BACKEND");

	return (b != NULL && strcmp(b, "daemon") == 0);
}

/* The runner under test: in-process, or connected to the test's runnerd. */
static inline struct runner *
t_runner_new(void)
{
	return (t_daemon() ? runner_connect(t_sock) : runner_new());
}

/* What runnerd said so far (for failure messages), kept in buf. */
static inline const char *
t_daemon_log(struct fixture *f, char *buf, size_t len)
{
	char	 path[PATH_MAX];
	FILE	*fp;
	size_t	 n = 0;

	snprintf(path, sizeof(path), "%s/runnerd.log", f->dir);
	if ((fp = fopen(path, "r")) != NULL) {
		n = fread(buf, 1, len - 1, fp);
		fclose(fp);
	}
	buf[n] = '\0';
	return (buf);
}

/*
 * Start runnerd -c DIR/runner.conf (no apps) -s DIR/runnerd.sock in the
 * foreground and wait until its socket answers.  Nothing announces that
 * but the socket itself, so connect is retried, each try after a 2 ms
 * wait on runnerd's pidfd, so that a runnerd that dies ends it at once;
 * bounded by T_WAIT_MS.
 */
static inline void
t_daemon_start(struct fixture *f)
{
	char		 conf[PATH_MAX], log[PATH_MAX], prog[PATH_MAX];
	char		 out[4096];
	const char	*p = getenv("T_RUNNERD");
	struct pollfd	 pfd;
	long long	 end = t_ms() + T_WAIT_MS;
	int		 fd, logfd, null, status;
	pid_t		 pid;

	snprintf(conf, sizeof(conf), "%s/runner.conf", f->dir);
	snprintf(log, sizeof(log), "%s/runnerd.log", f->dir);
	snprintf(f->sock, sizeof(f->sock), "%s/runnerd.sock", f->dir);
	snprintf(t_sock, sizeof(t_sock), "%s", f->sock);
	if (realpath(p != NULL && *p != '\0' ? p : "runnerd/runnerd",
	    prog) == NULL)
		fail_msg("runnerd: %s (run the tests from the repository "
		    "root after make)", strerror(errno));
	assert_true((fd = open(conf, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0600)) >= 0);
	close(fd);
	assert_true((logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0600)) >= 0);
	assert_true((null = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
	if ((pid = fork()) == 0) {
		dup2(null, 0);
		dup2(logfd, 1);
		dup2(logfd, 2);
		execl(prog, "runnerd", "-c", conf, "-s", f->sock, (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	close(logfd);
	close(null);
	f->daemon = pid;
	pfd.fd = pidfd_open(pid, 0);	/* -1 under valgrind: then a nap */
	pfd.events = POLLIN;
	while ((fd = sock_connect(f->sock)) == -1) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			f->daemon = 0;
			fail_msg("runnerd exited (status 0x%x) before it "
			    "listened:\n%s", status, t_daemon_log(f, out,
			    sizeof(out)));
		}
		if (t_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			f->daemon = 0;
			fail_msg("runnerd did not listen on %s within %d ms:"
			    "\n%s", f->sock, T_WAIT_MS, t_daemon_log(f, out,
			    sizeof(out)));
		}
		poll(&pfd, 1, 2);
	}
	close(fd);
	if (pfd.fd != -1)
		close(pfd.fd);
}

/*
 * Stop the test's runnerd (SIGTERM, bounded; SIGKILL if it hangs): 0 when
 * it exited 0, else -1 with what went wrong (and its log) in msg.
 */
static inline int
t_daemon_stop(struct fixture *f, char *msg, size_t len)
{
	char	 out[4096];
	int	 status;

	if (f->daemon == 0)
		return (0);
	kill(f->daemon, SIGTERM);
	if (!t_wait_child(f->daemon, &status, T_WAIT_MS)) {
		kill(f->daemon, SIGKILL);
		waitpid(f->daemon, &status, 0);
		f->daemon = 0;
		snprintf(msg, len, "runnerd did not exit within %d ms of "
		    "SIGTERM; killed:\n%s", T_WAIT_MS, t_daemon_log(f, out,
		    sizeof(out)));
		return (-1);
	}
	f->daemon = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(msg, len, "runnerd's wait status is 0x%x, not exit "
		    "0:\n%s", status, t_daemon_log(f, out, sizeof(out)));
		return (-1);
	}
	return (0);
}

static inline int
t_setup(void **state)
{
	struct fixture	*f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	*state = f;
	strcpy(f->dir, "/tmp/runner-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_non_null(realpath("tests/helpers", f->helpers));
	if (t_daemon())
		t_daemon_start(f);
	if ((f->r = t_runner_new()) == NULL)
		fail_msg("no runner: %s", strerror(errno));
	return (0);
}

static inline int
t_teardown(void **state)
{
	struct fixture	*f = *state;
	char		 msg[8192];
	int		 bad;

	runner_free(f->r);
	bad = t_daemon_stop(f, msg, sizeof(msg));
	nftw(f->dir, t_rm, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	if (bad)
		fail_msg("%s", msg);
	return (0);
}

/*
 * Ask the test's runnerd cmd directly (a raw control connection): 0 with
 * *ext (malloc'd, when wanted), or the error code, its message in msg.
 */
static inline int
t_daemon_ask(struct fixture *f, const char *cmd, const char *ext_json,
    char **ext, char *msg, size_t msglen)
{
	struct runner_channel	*h;
	struct chan		*c;
	int			 fd, rc;

	assert_true((fd = sock_connect(f->sock)) >= 0);
	assert_non_null(c = chan_new(fd));
	c->daemon = 1;		/* runnerd's untagged errors answer */
	assert_non_null(h = chan_handle(c));
	chan_unref(c);
	rc = runner_ask(h, cmd, ext_json, T_WAIT_MS, ext);
	if (msg != NULL)
		snprintf(msg, msglen, "%s", runner_channel_errmsg(h));
	runner_channel_close(h);
	return (rc);
}

/* runnerd's status field key (a number) of alias. */
static inline long long
t_daemon_status(struct fixture *f, const char *alias, const char *key)
{
	struct json	*j;
	char		 ext[128], *reply;
	long long	 v = -1;
	int		 in;

	snprintf(ext, sizeof(ext), "{\"alias\": \"%s\"}", alias);
	assert_int_equal(t_daemon_ask(f, "status", ext, &reply, NULL, 0), 0);
	assert_non_null(j = json_parse(reply, strlen(reply), NULL, 0));
	in = json_at(j, json_get(j, 0, "instances"), 0);
	assert_int_equal(json_int(j, json_get(j, in, key), &v), 0);
	json_free(j);
	free(reply);
	return (v);
}

/*
 * Wait (bounded) until runnerd holds at least n bytes of alias's output:
 * no event says so, so its status is asked every 5 ms.
 */
static inline void
t_daemon_wait_buffered(struct fixture *f, const char *alias, long long n)
{
	long long	 end = t_ms() + T_WAIT_MS;

	while (t_daemon_status(f, alias, "buffered") < n) {
		if (t_ms() > end)
			fail_msg("runnerd does not hold %lld bytes of '%s'",
			    n, alias);
		usleep(5000);
	}
}

/* Load configuration text (printf-style) or fail the test. */
static inline void __attribute__((format(printf, 2, 3)))
t_config(struct fixture *f, const char *fmt, ...)
{
	char	 text[8192];
	va_list	 ap;
	int	 rc;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	rc = runner_update_config(f->r, text);
	if (rc != 0)
		fail_msg("config: %s", runner_errmsg(f->r));
}

/* Write all of data, waiting for room; fails the test on error. */
static inline void
t_write_all(struct runner_channel *ch, const void *data, size_t len)
{
	struct pollfd	 pfd;
	const char	*p = data;
	ssize_t		 n;

	while (len > 0) {
		n = runner_channel_write(ch, p, len);
		if (n == RUNNER_EAGAIN) {
			pfd.fd = runner_channel_fd(ch);
			pfd.events = POLLOUT;
			assert_int_equal(poll(&pfd, 1, T_WAIT_MS), 1);
			continue;
		}
		if (n < 0)
			fail_msg("write: %s", runner_strerror((int)n));
		p += n;
		len -= (size_t)n;
	}
}

/*
 * Read until len bytes came or the channel closed: the count read.  Ends
 * with *closed set when RUNNER_ECLOSED was seen.
 */
static inline size_t
t_read_upto(struct runner_channel *ch, void *buf, size_t len, int *closed)
{
	char	*p = buf;
	size_t	 got = 0;
	ssize_t	 n;

	*closed = 0;
	while (got < len) {
		n = runner_channel_read(ch, p + got, len - got);
		if (n == RUNNER_EAGAIN) {
			if (runner_channel_wait(ch, T_WAIT_MS) != 0)
				fail_msg("nothing to read after %d ms "
				    "(%zu bytes so far)", T_WAIT_MS, got);
			continue;
		}
		if (n == RUNNER_ECLOSED) {
			*closed = 1;
			break;
		}
		if (n < 0)
			fail_msg("read: %s", runner_strerror((int)n));
		got += (size_t)n;
	}
	return (got);
}

/* Read exactly strlen(want) bytes and compare them with want. */
static inline void
t_expect(struct runner_channel *ch, const char *want)
{
	char	 got[65536];
	size_t	 n;
	int	 closed;

	assert_true(strlen(want) < sizeof(got));
	n = t_read_upto(ch, got, strlen(want), &closed);
	got[n] = '\0';
	assert_string_equal(got, want);
}

/* Read one line (without its newline) into buf. */
static inline void
t_read_line(struct runner_channel *ch, char *buf, size_t len)
{
	size_t	 i;
	int	 closed;

	for (i = 0; i + 1 < len; i++) {
		if (t_read_upto(ch, buf + i, 1, &closed) != 1)
			fail_msg("channel closed in mid-line");
		if (buf[i] == '\n')
			break;
	}
	buf[i] = '\0';
}

/* Expect the channel to be at its end: RUNNER_ECLOSED, now or soon. */
static inline void
t_expect_closed(struct runner_channel *ch)
{
	char	 c;
	int	 closed;

	assert_int_equal(t_read_upto(ch, &c, 1, &closed), 0);
	assert_true(closed);
}

/*
 * total bytes of every value (pattern i * mul + i / 65536) through ch and
 * back, non-blocking both ways from one poll loop, so that neither side
 * may deadlock the other; byte-exact.  Closes ch.
 */
static inline void
t_roundtrip(struct runner_channel *ch, size_t total, int mul)
{
	unsigned char	*out, *in;
	size_t		 sent = 0, got = 0, i;
	struct pollfd	 pfd;
	ssize_t		 n;

	assert_non_null(ch);
	assert_non_null(out = malloc(total));
	assert_non_null(in = malloc(total));
	for (i = 0; i < total; i++)
		out[i] = (unsigned char)(i * mul + i / 65536);
	while (got < total) {
		pfd.fd = runner_channel_fd(ch);
		pfd.events = POLLIN | (sent < total ? POLLOUT : 0);
		assert_int_equal(poll(&pfd, 1, T_WAIT_MS), 1);
		if (sent < total) {
			n = runner_channel_write(ch, out + sent, total - sent);
			assert_true(n > 0 || n == RUNNER_EAGAIN);
			if (n > 0)
				sent += (size_t)n;
		}
		n = runner_channel_read(ch, in + got, total - got);
		assert_true(n > 0 || n == RUNNER_EAGAIN);
		if (n > 0)
			got += (size_t)n;
	}
	assert_memory_equal(in, out, total);
	free(out);
	free(in);
	runner_channel_close(ch);
}

/*
 * The next event of f's runner: waits (bounded) on runner_events_fd,
 * and takes the fd's wake-ups that bring none (valgrind's tick).
 */
static inline void
t_next_event(struct fixture *f, struct runner_event *ev)
{
	struct pollfd	 pfd;
	long long	 end = t_ms() + T_WAIT_MS;
	int		 rc;

	assert_true((pfd.fd = runner_events_fd(f->r)) >= 0);
	pfd.events = POLLIN;
	for (;;) {
		memset(ev, 0, sizeof(*ev));
		ev->version = RUNNER_EVENT_VERSION;
		if ((rc = runner_next_event(f->r, ev)) == 1)
			return;
		if (rc != 0)
			fail_msg("runner_next_event: %d %s", rc,
			    runner_errmsg(f->r));
		if (t_ms() > end)
			fail_msg("no event within %d ms", T_WAIT_MS);
		poll(&pfd, 1, (int)(end - t_ms() > 0 ? end - t_ms() : 0));
	}
}

/* Expect the next event to be kind about alias; it goes to *ev. */
static inline void
t_expect_event(struct fixture *f, int kind, const char *alias,
    struct runner_event *ev)
{
	t_next_event(f, ev);
	if (ev->kind != kind || strcmp(ev->alias, alias) != 0)
		fail_msg("expected event %d about '%s', got %d about '%s'",
		    kind, alias, ev->kind, ev->alias);
}

/* Skip events until one of kind about alias comes (bounded). */
static inline void
t_wait_event(struct fixture *f, int kind, const char *alias,
    struct runner_event *ev)
{
	do
		t_next_event(f, ev);
	while (ev->kind != kind || strcmp(ev->alias, alias) != 0);
}

/* Write text to alias's input on a handle of its own, then close it. */
static inline void
t_say(struct fixture *f, const char *alias, const char *text)
{
	struct runner_channel	*ch;

	if ((ch = runner_get_channel(f->r, alias)) == NULL)
		fail_msg("no channel to '%s': %s", alias, runner_errmsg(f->r));
	t_write_all(ch, text, strlen(text));
	runner_channel_close(ch);
}

/* alias's status, or fail the test. */
static inline void
t_status(struct fixture *f, const char *alias, struct runner_status *st)
{
	memset(st, 0, sizeof(*st));
	st->version = RUNNER_STATUS_VERSION;
	if (runner_status(f->r, alias, st) != 0)
		fail_msg("runner_status '%s': %s", alias, runner_errmsg(f->r));
}

#endif /* TEST_COMMON_H */
