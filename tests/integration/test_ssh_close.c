/*
 * test_ssh_close.c: a channel of the library through ssh (lib/ssh.c,
 * runnerctl dial-stdio --escaped) ended under strain, through a real
 * OpenSSH server (sshd.h): closed right after 1 MiB was written while
 * the remote relay is stopped (SIGSTOP), none of it is lost and cat
 * runs on; half-closed the same way, cat gets it all, then its end of
 * input; closed while the network hangs (the channel's sshd stopped),
 * the close returns (bounded), its ssh reaped, and once sshd runs again
 * the remote relay goes too.  Before the escapes, a close ended the ssh
 * connection, and sshd dropped what it still held for the relay.
 */

#include "daemon.h"
#include "sshd.h"

#define MIB	(1024 * 1024)

/* The remote relays to d's runnerd (up to 16), not our ssh. */
static int
s_relays(struct daemon *d, pid_t *out)
{
	pid_t	 all[16];
	long	 ppid;
	int	 n, i, k = 0;

	n = s_pgrep("dial-stdio", d->sock, all, 16);
	for (i = 0; i < n; i++)
		if (t_state(all[i], &ppid, NULL) != 0 && ppid != getpid())
			out[k++] = all[i];
	return (k);
}

/* The pid of d's remote relay not among the n in seen: the newest one. */
static pid_t
s_new_relay(struct daemon *d, const pid_t *seen, int n)
{
	pid_t	 all[16];
	int	 k, i, j;

	k = s_relays(d, all);
	for (i = 0; i < k; i++) {
		for (j = 0; j < n && seen[j] != all[i]; j++)
			;
		if (j == n)
			return (all[i]);
	}
	fail_msg("no new dial-stdio");
	return (0);
}

/* Write all len bytes on h, waiting (bounded) for room. */
static void
s_write_all(struct runner_channel *h, const unsigned char *p, size_t len)
{
	struct pollfd	 pfd = { .fd = runner_channel_fd(h), .events = POLLOUT };
	long long	 end = t_ms() + T_WAIT_MS;
	ssize_t		 n;

	while (len > 0) {
		n = runner_channel_write(h, p, len);
		if (n == RUNNER_EAGAIN) {
			assert_true(t_ms() < end);
			poll(&pfd, 1, (int)(end - t_ms()));
			continue;
		}
		assert_true(n > 0);
		p += n;
		len -= (size_t)n;
	}
}

/* Read exactly want's len bytes from h (bounded): byte for byte. */
static void
s_read_exact(struct runner_channel *h, const unsigned char *want, size_t len)
{
	unsigned char	*got;
	size_t		 have = 0;
	ssize_t		 n;

	assert_non_null(got = malloc(len + 1));
	while (have < len) {
		if (runner_channel_wait(h, T_WAIT_MS) != 0)
			fail_msg("%zu of %zu bytes came", have, len);
		n = runner_channel_read(h, got + have, len + 1 - have);
		if (n <= 0)
			fail_msg("read %zd after %zu of %zu bytes", n, have,
			    len);
		have += (size_t)n;
	}
	assert_int_equal(have, len);
	assert_memory_equal(got, want, len);
	free(got);
}

/* A relay stopped until the socket of a channel being closed is. */
struct s_cont {
	int		 fd;		/* the channel's, while open */
	ino_t		 ino;
	pid_t		 relay;		/* SIGCONT once fd is closed */
};

static void *
s_cont_when_closed(void *arg)
{
	struct s_cont	*w = arg;
	struct timespec	 ts = { 0, 1000000 };
	struct stat	 st;
	long long	 end = t_ms() + T_WAIT_MS;

	while (t_ms() < end && fstat(w->fd, &st) == 0 && st.st_ino == w->ino)
		nanosleep(&ts, NULL);
	kill(w->relay, SIGCONT);
	return (NULL);
}

/*
 * runnerd (its own, for this test), and the library connected to it
 * through ssh with cat started; *base: our children before.
 */
static struct runner *
s_lib_cat(struct daemon *d, int *base)
{
	struct runner	*rn;

	s_need_sshd();
	d_start(d, d_default_conf(d));
	*base = s_children();
	assert_non_null(rn = runner_connect(s_url(d, "root", d->sock)));
	assert_int_equal(runner_start(rn, "cat", NULL), 0);
	return (rn);
}

/* A new channel to cat, with *relay its remote dial-stdio. */
static struct runner_channel *
s_chan_relay(struct daemon *d, struct runner *rn, pid_t *relay)
{
	struct runner_channel	*h;
	pid_t			 seen[16];
	int			 nseen;

	nseen = s_relays(d, seen);
	assert_non_null(h = runner_get_channel(rn, "cat"));
	*relay = s_new_relay(d, seen, nseen);
	return (h);
}

/* cat is in state; then the runner goes, and every ssh it ran with it. */
static void
s_lib_end(struct daemon *d, struct runner *rn, int base, int state)
{
	struct runner_status	 st = { .version = RUNNER_STATUS_VERSION };

	assert_int_equal(runner_status(rn, "cat", &st), 0);
	assert_int_equal(st.state, state);
	runner_free(rn);
	assert_int_equal(s_children(), base);
	d_stop(d, SIGTERM);
}

/*
 * A handle closed right after 1 MiB was written, its remote relay
 * stopped meanwhile (sshd holds the bytes, not yet on the relay's
 * stdin): every byte reaches cat (the other handle sees the echo, byte
 * for byte), and cat runs on.  Before ssh.c escaped its channels, the
 * close ended the ssh connection, and sshd dropped what it held.
 */
static void
test_library_close_keeps(void **state)
{
	struct daemon		*d = *state;
	struct runner		*rn;
	struct runner_channel	*h, *h2;
	struct s_cont		 w;
	struct stat		 sb;
	pthread_t		 t;
	unsigned char		*big;
	int			 base;

	rn = s_lib_cat(d, &base);
	big = s_random(d, MIB);
	assert_non_null(h2 = runner_get_channel(rn, "cat"));
	h = s_chan_relay(d, rn, &w.relay);
	assert_int_equal(kill(w.relay, SIGSTOP), 0);
	s_write_all(h, big, MIB);
	w.fd = runner_channel_fd(h);
	assert_int_equal(fstat(w.fd, &sb), 0);
	w.ino = sb.st_ino;
	assert_int_equal(pthread_create(&t, NULL, s_cont_when_closed, &w), 0);
	runner_channel_close(h);
	pthread_join(t, NULL);
	s_read_exact(h2, big, MIB);
	assert_true(t_wait_gone(w.relay));
	runner_channel_close(h2);
	s_lib_end(d, rn, base, RUNNER_STATE_RUNNING);
}

/*
 * A half-close right after 1 MiB was written, the relay stopped until
 * it returned: cat gets every byte, then the end of its input, so the
 * echo is whole and then the channel ends (cat exited).
 */
static void
test_library_shutdown_keeps(void **state)
{
	struct daemon		*d = *state;
	struct runner		*rn;
	struct runner_channel	*h;
	unsigned char		*big, b[16];
	pid_t			 relay;
	int			 base;

	rn = s_lib_cat(d, &base);
	big = s_random(d, MIB);
	h = s_chan_relay(d, rn, &relay);
	assert_int_equal(kill(relay, SIGSTOP), 0);
	s_write_all(h, big, MIB);
	assert_int_equal(runner_channel_shutdown(h), 0);
	assert_int_equal(kill(relay, SIGCONT), 0);
	s_read_exact(h, big, MIB);
	assert_int_equal(runner_channel_wait(h, T_WAIT_MS), 0);
	assert_int_equal(runner_channel_read(h, b, sizeof(b)), RUNNER_ECLOSED);
	runner_channel_close(h);
	s_lib_end(d, rn, base, RUNNER_STATE_EXITED);
}

/*
 * The network hangs (the channel's sshd stopped) as a handle closes:
 * the close returns all the same (bounded: ssh.c's SSH_EXIT_WAIT, then
 * SIGTERM and SSH_TERM_WAIT, then SIGKILL), its ssh reaped; once sshd
 * runs again the remote relay goes too, and cat runs on.
 */
static void
test_library_close_hung(void **state)
{
	struct daemon		*d = *state;
	struct runner		*rn;
	struct runner_channel	*h;
	pid_t			 relay;
	long			 session = 0;	/* sshd's, the relay's parent */
	char			 cl[256];
	int			 base, mid;

	rn = s_lib_cat(d, &base);
	mid = s_children();
	h = s_chan_relay(d, rn, &relay);
	assert_true(t_state(relay, &session, NULL) != 0);
	t_cmdline((pid_t)session, cl, sizeof(cl));
	if (strstr(cl, "sshd") == NULL)
		fail_msg("the relay's parent is '%s', not sshd", cl);
	assert_int_equal(kill((pid_t)session, SIGSTOP), 0);
	assert_int_equal(runner_channel_write(h, "x\n", 2), 2);
	runner_channel_close(h);
	assert_int_equal(s_children(), mid);
	assert_int_equal(kill((pid_t)session, SIGCONT), 0);
	assert_true(t_wait_gone(relay));
	assert_true(t_wait_gone((pid_t)session));
	s_lib_end(d, rn, base, RUNNER_STATE_RUNNING);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, s_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_library_close_keeps),
		T(test_library_shutdown_keeps),
		T(test_library_close_hung),
	};

	return (cmocka_run_group_tests(tests, s_group_setup,
	    s_group_teardown));
}
