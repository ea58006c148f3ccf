/*
 * common.h: fixtures and helpers for the behavioural tests of librunner.
 * Every test gets a private temporary directory and a fresh runner; the
 * teardown frees the runner (stopping what it started) and removes the
 * directory.  Waits are on events (channel readiness, pidfds) with a
 * generous bound, so a broken build fails instead of hanging.
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
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
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
};

/* The runner under test: in-process now; the daemon backend joins later. */
static inline struct runner *
t_runner_new(void)
{
	return (runner_new());
}

static inline int
t_setup(void **state)
{
	struct fixture	*f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/tmp/runner-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_non_null(realpath("tests/helpers", f->helpers));
	assert_non_null(f->r = t_runner_new());
	*state = f;
	return (0);
}

static inline int
t_teardown(void **state)
{
	struct fixture	*f = *state;

	runner_free(f->r);
	nftw(f->dir, t_rm, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return (0);
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

#endif /* TEST_COMMON_H */
