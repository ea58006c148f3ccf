/*
 * test_ssh_esc.c: cmocka tests for the escapes of the library's channels
 * through ssh (lib/ssh.c: ssh_send, ssh_send_half, ssh_unescape), with
 * no server: every byte value comes out as it went in, through sends
 * that a small socket buffer cuts anywhere, even between an escape's two
 * bytes; a send cut there owes the second byte, whichever byte the
 * caller writes next; and the half-close mark is seen, never as data.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/socket.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "runner-int.h"

#define N	(256 * 1024)

/* A channel on one end of a socketpair with a small buffer; *peer the other. */
static void
pair(struct chan *c, int *peer)
{
	int	 sv[2], small = 4096;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small,
	    sizeof(small)), 0);
	assert_int_equal(fd_nonblock(sv[0]), 0);
	assert_int_equal(fd_nonblock(sv[1]), 0);
	memset(c, 0, sizeof(*c));
	c->fd = sv[0];
	c->esc = 1;
	*peer = sv[1];
}

/* Read what is there on fd, unescaped, onto out (at *len). */
static void
drain(int fd, struct ssh_unesc *u, unsigned char *out, size_t *len)
{
	char	 b[8192];
	ssize_t	 n;

	while ((n = read(fd, b, sizeof(b))) > 0) {
		n = (ssize_t)ssh_unescape(u, b, (size_t)n);
		assert_true(*len + (size_t)n <= N);
		memcpy(out + *len, b, (size_t)n);
		*len += (size_t)n;
	}
	assert_true(n == 0 || errno == EAGAIN);
}

/* Every byte value, 0xff half of them, through sends cut anywhere. */
static void
test_roundtrip(void **state)
{
	static unsigned char	 in[N], out[N];
	struct ssh_unesc	 u = { 0, 0, 0 };
	struct chan		 c;
	size_t			 i, at = 0, len = 0;
	ssize_t			 n;
	uint32_t		 x = 2463534242u;
	int			 peer, cuts = 0;

	(void)state;
	for (i = 0; i < N; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		in[i] = (x & 1) ? 0xff : (unsigned char)(x >> 8);
	}
	pair(&c, &peer);
	while (at < N) {
		n = ssh_send(&c, in + at, N - at);
		if (n == -1) {
			assert_int_equal(errno, EAGAIN);
			drain(peer, &u, out, &len);
			continue;
		}
		assert_true(n > 0);
		at += (size_t)n;
		cuts += c.esc_lead;
	}
	drain(peer, &u, out, &len);	/* room for the mark */
	assert_int_equal(ssh_send_half(&c), 0);
	assert_int_equal(c.esc_lead, 0);
	shutdown(c.fd, SHUT_WR);
	drain(peer, &u, out, &len);
	assert_int_equal(len, N);
	assert_memory_equal(out, in, N);
	assert_int_equal(u.half, 1);
	assert_int_equal(u.lead, 0);
	print_message("%d sends cut between an escape's bytes\n", cuts);
	close(c.fd);
	close(peer);
}

/*
 * A send cut after an escape's first byte owes its second: 0x00 when
 * the caller writes 0xff again, else a 0x02 that drops the lead, or the
 * mark.  The lead is written here by hand, as the cut send left it.
 */
static void
test_owed(void **state)
{
	static const unsigned char	 lead = 0xff, ff = 0xff;
	struct ssh_unesc		 u = { 0, 0, 0 };
	struct chan			 c;
	unsigned char			 out[N];
	size_t				 len = 0;
	int				 peer;

	(void)state;
	pair(&c, &peer);
	/* Written again: the 0xff is data. */
	assert_int_equal(write(c.fd, &lead, 1), 1);
	c.esc_lead = 1;
	assert_int_equal(ssh_send(&c, &ff, 1), 1);
	assert_int_equal(c.esc_lead, 0);
	/* Something else: the lead was nothing. */
	assert_int_equal(write(c.fd, &lead, 1), 1);
	c.esc_lead = 1;
	assert_int_equal(ssh_send(&c, "A", 1), 1);
	/* A half-close: the lead becomes the mark. */
	assert_int_equal(write(c.fd, &lead, 1), 1);
	c.esc_lead = 1;
	assert_int_equal(ssh_send_half(&c), 0);
	drain(peer, &u, out, &len);
	assert_int_equal(len, 2);
	assert_memory_equal(out, "\xff" "A", 2);
	assert_int_equal(u.half, 1);
	/* An escape of nothing is no byte; an escape across calls. */
	memset(&u, 0, sizeof(u));
	memcpy(out, "a\xff\x02" "b\xff", 5);
	assert_int_equal(ssh_unescape(&u, (char *)out, 5), 2);
	assert_memory_equal(out, "ab", 2);
	assert_int_equal(u.lead, 1);	/* across calls */
	memcpy(out, "\x00", 1);
	assert_int_equal(ssh_unescape(&u, (char *)out, 1), 1);
	assert_int_equal(out[0], 0xff);
	assert_int_equal(u.half, 0);
	assert_int_equal(u.bad, 0);
	/* An unknown second byte: the data ends before it, said. */
	memset(&u, 0, sizeof(u));
	memcpy(out, "a\xff\x07" "b", 4);
	assert_int_equal(ssh_unescape(&u, (char *)out, 4), 1);
	assert_int_equal(out[0], 'a');
	assert_int_equal(u.bad, 0x107);
	memcpy(out, "c", 1);
	assert_int_equal(ssh_unescape(&u, (char *)out, 1), 0);
	/* ... and across calls. */
	memset(&u, 0, sizeof(u));
	memcpy(out, "\xff", 1);
	assert_int_equal(ssh_unescape(&u, (char *)out, 1), 0);
	memcpy(out, "\xff", 1);
	assert_int_equal(ssh_unescape(&u, (char *)out, 1), 0);
	assert_int_equal(u.bad, 0x1ff);
	/* A byte after the half-close mark, in its read or the next. */
	memset(&u, 0, sizeof(u));
	memcpy(out, "a\xff\x01" "b", 4);
	assert_int_equal(ssh_unescape(&u, (char *)out, 4), 1);
	assert_int_equal(u.half, 1);
	assert_int_equal(u.bad, -1);
	memset(&u, 0, sizeof(u));
	memcpy(out, "a\xff\x01", 3);
	assert_int_equal(ssh_unescape(&u, (char *)out, 3), 1);
	assert_int_equal(u.bad, 0);
	memcpy(out, "z", 1);
	assert_int_equal(ssh_unescape(&u, (char *)out, 1), 0);
	assert_int_equal(u.bad, -1);
	close(c.fd);
	close(peer);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_owed),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
