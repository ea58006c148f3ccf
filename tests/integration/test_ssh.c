/*
 * test_ssh.c: runnerd on "another machine", through a real OpenSSH
 * server: runnerctl -H ssh://... and RUNNER_HOST, dial-stdio's relay
 * and half-close, a 10 MiB attach both ways byte for byte, ask and
 * status -w, a remote user runnerd refuses (its EPERM reaches the local
 * user), a host that cannot be reached (exit 3, ssh's own words), a
 * socket path that tries to become a remote command, a runnerctl killed
 * mid logs -f (its ssh and the remote relay go too), and
 * runner_connect("ssh://...") in the library: start, send, read, a
 * handle closed (the instance runs on) against a half-close (its input
 * ends), a direct channel refused (RUNNER_ENOTSUP), its ssh killed under
 * it (ECLOSED, then a new connection), and no ssh left behind, not even
 * a zombie.  The close and half-close of a channel under strain are
 * test_ssh_close.c's.
 *
 * One sshd serves every test (sshd.h); each test has its own runnerd.
 * Skipped, with a message, only where sshd cannot run.
 */

#include "daemon.h"
#include "sshd.h"

#define BIG	(10 * 1024 * 1024)

/* runnerctl -H URL ARGS..., stdin from in (NULL: /dev/null). */
static struct run *
s_ctl(struct daemon *d, const char *url, const void *in, size_t inlen, ...)
{
	char		*argv[32];
	const char	*a;
	va_list		 ap;
	int		 n = 0;

	argv[n++] = d->runnerctl;
	argv[n++] = (char *)"-H";
	argv[n++] = (char *)url;
	va_start(ap, inlen);
	while ((a = va_arg(ap, const char *)) != NULL && n < 31)
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	return (t_run(d, argv, in, inlen));
}

/*
 * Start runnerctl -H url ARGS... with stdout on a pipe (*out) and
 * stdin on another (*in; -1: /dev/null): its pid.
 */
static pid_t
s_ctl_bg(struct daemon *d, const char *url, int *in, int *out,
    const char *a1, const char *a2, const char *a3)
{
	int	 po[2], pi[2] = { -1, -1 };
	pid_t	 pid;

	assert_int_equal(pipe2(po, O_CLOEXEC), 0);
	if (in != NULL)
		assert_int_equal(pipe2(pi, O_CLOEXEC), 0);
	if ((pid = fork()) == 0) {
		signal(SIGPIPE, SIG_DFL);
		dup2(in != NULL ? pi[0] : open("/dev/null", O_RDONLY), 0);
		dup2(po[1], 1);
		execve(d->runnerctl, (char *const []){ d->runnerctl, (char *)"-H",
		    (char *)url, (char *)a1, (char *)a2, (char *)a3, NULL },
		    d->envp);
		_exit(127);
	}
	assert_true(pid > 0);
	close(po[1]);
	*out = po[0];
	if (in != NULL) {
		close(pi[0]);
		*in = pi[1];
	}
	return (pid);
}

/* Read from fd until what has arrived (bounded): fails the test if not. */
static void
s_read_until(int fd, const char *what)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN };
	struct buf	 b;
	long long	 end = t_ms() + T_WAIT_MS;
	char		 tmp[4096];
	ssize_t		 n = 0;

	buf_init(&b);
	while (buf_cstr(&b) == NULL || strstr(buf_cstr(&b), what) == NULL) {
		if (t_ms() > end || poll(&pfd, 1, (int)(end - t_ms())) != 1 ||
		    (n = read(fd, tmp, sizeof(tmp))) <= 0)
			fail_msg("'%s' never came; got '%.300s'", what,
			    buf_cstr(&b) != NULL ? buf_cstr(&b) : "");
		buf_add(&b, tmp, (size_t)n);
	}
	buf_free(&b);
}

/* start, status, send, read, stop over -H; RUNNER_HOST; -H vs -s. */
static void
test_ctl_commands(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	char		*url, *argv[8];

	s_need_sshd();
	d_start(d, d_default_conf(d));
	url = s_url(d, "root", d->sock);
	r = s_ctl(d, url, NULL, 0, "start", "cat", (char *)NULL);
	r_status(r, 0);
	r = s_ctl(d, url, NULL, 0, "status", "cat", (char *)NULL);
	r_status(r, 0);
	assert_non_null(strstr(r->out, "running"));
	r = s_ctl(d, url, NULL, 0, "send", "cat", "over ssh", (char *)NULL);
	r_status(r, 0);
	r = s_ctl(d, url, NULL, 0, "read", "cat", "--wait", "5",
	    (char *)NULL);
	r_status(r, 0);
	assert_string_equal(r->out, "over ssh\n");
	/* RUNNER_HOST, when neither -s nor -H says where. */
	argv[0] = (char *)"/usr/bin/env";
	argv[1] = d_fmt(d, "RUNNER_HOST=%s", url);
	argv[2] = d->runnerctl;
	argv[3] = (char *)"stop";
	argv[4] = (char *)"cat";
	argv[5] = NULL;
	r = t_run(d, argv, NULL, 0);
	r_status(r, 0);
	r = CTL(d, "status", "cat");
	r_status(r, 0);
	assert_non_null(strstr(r->out, "stopped"));
	/* -H and -s both: which one?  A usage error, nothing dialled. */
	r = CTL(d, "-H", url, "status");
	r_status(r, 2);
	assert_non_null(strstr(r->err, "-s and -H"));
	r = s_ctl(d, "tcp://127.0.0.1:1", NULL, 0, "status", (char *)NULL);
	r_status(r, 2);
	r = s_ctl(d, d_fmt(d, "ssh://-oProxyCommand=x:%d", sshd.port), NULL,
	    0, "status", (char *)NULL);
	r_status(r, 2);
	/* unix:// is the local socket. */
	r = s_ctl(d, d_fmt(d, "unix://%s", d->sock), NULL, 0, "ping",
	    (char *)NULL);
	r_status(r, 0);
	d_stop(d, SIGTERM);
}

/* 10 MiB through a remote attach to cat and back, byte for byte. */
static void
test_attach_big(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	unsigned char	*in;

	s_need_sshd();
	d_start(d, d_default_conf(d));
	in = s_random(d, BIG);
	r = s_ctl(d, s_url(d, "root", d->sock), NULL, 0, "start", "cat",
	    (char *)NULL);
	r_status(r, 0);
	r = s_ctl(d, s_url(d, "root", d->sock), in, BIG, "attach", "cat",
	    (char *)NULL);
	r_status(r, 0);
	assert_int_equal(r->outlen, BIG);
	assert_memory_equal(r->out, in, BIG);
	/* Half-close: printf 'q\n' | runnerctl -H ... attach. */
	r = s_ctl(d, s_url(d, "root", d->sock), NULL, 0, "start", "cat",
	    (char *)NULL);
	r_status(r, 0);
	r = s_ctl(d, s_url(d, "root", d->sock), "q\n", 2, "attach", "cat",
	    (char *)NULL);
	r_status(r, 0);
	assert_string_equal(r->out, "q\n");
	d_stop(d, SIGTERM);
}

/* A remote user runnerd does not let in: its EPERM, here, exit 1. */
static void
test_remote_refused(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	char		*argv[6];

	s_need_sshd();
	if (!sshd.nobody) {
		print_message("skipped: sshd lets nobody log in only as root "
		    "with unshare(1)\n");
		skip();
	}
	/* nobody must be able to run the build's runnerctl at all. */
	argv[0] = (char *)"/usr/bin/setpriv";
	argv[1] = (char *)"--reuid=65534";
	argv[2] = (char *)"--regid=65534";
	argv[3] = (char *)"--clear-groups";
	argv[4] = d->runnerctl;
	argv[5] = NULL;
	if (t_run(d, argv, NULL, 0)->status != 2) {	/* no command */
		print_message("skipped: uid 65534 cannot run %s\n",
		    d->runnerctl);
		skip();
	}
	d_start(d, d_default_conf(d));
	/* The socket's mode lets it through: runnerd's check is left. */
	assert_int_equal(chmod(d->dir, 0711), 0);
	assert_int_equal(chmod(d->sock, 0666), 0);
	r = s_ctl(d, s_url(d, "nobody", d->sock), NULL, 0, "status",
	    (char *)NULL);
	r_status(r, 1);
	assert_non_null(strstr(r->err, "runnerctl: EPERM: uid 65534"));
	r = s_ctl(d, s_url(d, "nobody", d->sock), NULL, 0, "stop", "--all",
	    (char *)NULL);
	r_status(r, 1);
	assert_non_null(strstr(r->err, "EPERM"));
	d_stop(d, SIGTERM);
}

/* Nobody listens on the port: exit 3 with ssh's own message. */
static void
test_unreachable(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	char		*url;

	s_need_sshd();
	url = d_fmt(d, "ssh://root@127.0.0.1:%d/x.sock", t_tcp_port());
	r = s_ctl(d, url, NULL, 0, "status", (char *)NULL);
	r_status(r, 3);
	assert_non_null(strstr(r->err, "ssh: connect to host 127.0.0.1"));
	assert_non_null(strstr(r->err, "Connection refused"));
	/* start does not try to start a local runnerd on "ssh://...". */
	r = s_ctl(d, url, NULL, 0, "start", "cat", (char *)NULL);
	r_status(r, 3);
	assert_int_equal(access(d->sock, F_OK), -1);
	/* sshd answers, but no runnerd there: dial-stdio says so. */
	r = s_ctl(d, s_url(d, "root", d->sock), NULL, 0, "ping",
	    (char *)NULL);
	r_status(r, 3);
	assert_non_null(strstr(r->err, d_fmt(d, "no runnerd at %s",
	    d->sock)));
}

/*
 * A socket path with a space, a quote and a command substitution stays
 * one path on the remote side, never a command.
 */
static void
test_hostile_path(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	char		*pwned = d_fmt(d, "%s/pwned", d->dir);
	char		*parent, *p;

	s_need_sshd();
	parent = d_fmt(d, "%s/a b'c$(touch %s)", d->dir, pwned);
	/* Its '/'s make directories: each made, 0700 as runnerd wants. */
	for (p = parent + strlen(d->dir) + 1; (p = strchr(p, '/')) != NULL;
	    p++) {
		*p = '\0';
		assert_int_equal(mkdir(parent, 0700), 0);
		*p = '/';
	}
	assert_int_equal(mkdir(parent, 0700), 0);
	snprintf(d->sock, sizeof(d->sock), "%s/r.sock", parent);
	d_start(d, d_default_conf(d));
	r = s_ctl(d, s_url(d, "root", d->sock), NULL, 0, "ping",
	    (char *)NULL);
	r_status(r, 0);
	assert_int_equal(access(pwned, F_OK), -1);
	d_stop(d, SIGTERM);
}

/* dial-stdio alone: one request in, stdin ends, the reply still out. */
static void
test_dial_stdio(void **state)
{
	struct daemon	*d = *state;
	static const char req[] = "{\"cmd\": \"hello\", \"tag\": 7}\n";
	struct run	*r;

	d_start(d, d_default_conf(d));
	r = ctl_in(d, req, sizeof(req) - 1, "dial-stdio", (char *)NULL);
	r_status(r, 0);
	assert_true(strncmp(r->out, "{\"tag\":7,\"ok\":true", 18) == 0);
	assert_non_null(strchr(r->out, '\n'));
	r = ctl_in(d, NULL, 0, "-H", "ssh://h/x", "dial-stdio",
	    (char *)NULL);
	r_status(r, 2);
	d_stop(d, SIGTERM);
	r = CTL(d, "dial-stdio");
	r_status(r, 3);
	assert_non_null(strstr(r->err, "no runnerd at"));
}

/*
 * dial-stdio --escaped alone, fed what the library writes and what it
 * never does.  Its half-close mark ends the input and the reply still
 * comes; an escape of nothing (0xff 0x02) in the middle of a line is no
 * byte.  An unknown escape, or a byte after the mark, is said on stderr
 * and taken as a close, exit 1, with what came before it passed on (the
 * start it carried happens): before, both were dropped without a word.
 */
static void
test_dial_stdio_escaped(void **state)
{
	struct daemon	*d = *state;
	static const char half[] = "{\"cmd\": \"hel\xff\x02lo\", "
	    "\"tag\": 8}\n\xff\x01";
	static const char unknown[] = "{\"cmd\": \"start\", \"ext\": "
	    "{\"app\": \"cat\", \"alias\": \"esc1\"}}\n\xff\x07more\n";
	static const char after[] = "{\"cmd\": \"start\", \"ext\": "
	    "{\"app\": \"cat\", \"alias\": \"esc2\"}}\n\xff\x01x";
	struct client	*c;
	struct json	*j;
	struct run	*r;

	d_start(d, d_default_conf(d));
	c = cl_open(d);
	r = ctl_in(d, half, sizeof(half) - 1, "dial-stdio", "--escaped",
	    (char *)NULL);
	r_status(r, 0);
	assert_true(strncmp(r->out, "{\"tag\":8,\"ok\":true", 18) == 0);
	r = ctl_in(d, unknown, sizeof(unknown) - 1, "dial-stdio",
	    "--escaped", (char *)NULL);
	r_status(r, 1);
	assert_non_null(strstr(r->err, "runnerctl: dial-stdio: standard "
	    "input is not escaped as --escaped says (0xff then 0x07); "
	    "closing"));
	d_saw(d, (pid_t)j_int(j, cl_wait_state(c, "esc1", "running", &j),
	    "pid"));
	r = ctl_in(d, after, sizeof(after) - 1, "dial-stdio", "--escaped",
	    (char *)NULL);
	r_status(r, 1);
	assert_non_null(strstr(r->err, "runnerctl: dial-stdio: standard "
	    "input goes on after its half-close mark; closing"));
	d_saw(d, (pid_t)j_int(j, cl_wait_state(c, "esc2", "running", &j),
	    "pid"));
	j_ok(cl_call(c, "stop", "{\"all\": true}"));
	d_stop(d, SIGTERM);
}

/*
 * Read h (bounded) until what has come, or to its end if what is NULL:
 * what came must then have been exactly want.
 */
static void
s_read_chan(struct runner_channel *h, const char *what, const char *want)
{
	struct buf	 b;
	char		 tmp[4096];
	ssize_t		 n;

	buf_init(&b);
	for (;;) {
		if (runner_channel_wait(h, T_WAIT_MS) != 0)
			fail_msg("waiting for %s: none in %d ms after '%s'",
			    what != NULL ? what : "the end", T_WAIT_MS,
			    buf_cstr(&b));
		if ((n = runner_channel_read(h, tmp, sizeof(tmp))) <= 0)
			break;
		buf_add(&b, tmp, (size_t)n);
		if (what != NULL && strstr(buf_cstr(&b), what) != NULL)
			break;
	}
	if (what == NULL)
		assert_int_equal(n, RUNNER_ECLOSED);
	assert_string_equal(buf_cstr(&b), want);
	buf_free(&b);
}

/* runner_connect("ssh://..."): the library through the same path. */
static void
test_library(void **state)
{
	struct daemon		*d = *state;
	struct runner		*rn;
	struct runner_channel	*h, *h2, *direct;
	struct runner_status	 st = { .version = RUNNER_STATUS_VERSION };
	char			 b[64];
	ssize_t			 n;
	int			 base, ep[2], saved, flags;

	s_need_sshd();
	d_start(d, d_default_conf(d));
	base = s_children();		/* runnerd, sshd */
	assert_non_null(rn = runner_connect(s_url(d, "root", d->sock)));
	assert_int_equal(runner_start(rn, "cat", NULL), 0);
	assert_int_equal(runner_status(rn, "cat", &st), 0);
	assert_int_equal(st.state, RUNNER_STATE_RUNNING);
	assert_non_null(h = runner_get_channel(rn, "cat"));
	assert_int_equal(runner_channel_write(h, "hi\n", 3), 3);
	assert_int_equal(runner_channel_wait(h, T_WAIT_MS), 0);
	n = runner_channel_read(h, b, sizeof(b));
	assert_int_equal(n, 3);
	assert_memory_equal(b, "hi\n", 3);
	/* A descriptor does not cross machines. */
	assert_null(direct = runner_get_channel_direct(rn, "cat"));
	assert_int_equal(runner_errcode(rn), RUNNER_ENOTSUP);
	assert_non_null(strstr(runner_errmsg(rn), "ssh"));
	assert_true(runner_events_fd(rn) >= 0);
	/*
	 * Our stderr a pipe, as under a shell: ssh's O_NONBLOCK on its own
	 * stderr must not become ours (a new open file for it).
	 */
	assert_int_equal(pipe2(ep, O_CLOEXEC), 0);
	assert_true((saved = dup(2)) >= 0);
	assert_int_equal(dup2(ep[1], 2), 2);
	assert_non_null(h2 = runner_get_channel(rn, "cat"));
	assert_int_equal(runner_channel_write(h2, "x\n", 2), 2);
	assert_int_equal(runner_channel_wait(h2, T_WAIT_MS), 0);
	flags = fcntl(2, F_GETFL);
	runner_channel_close(h2);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	close(ep[0]);
	close(ep[1]);
	assert_int_equal(flags & O_NONBLOCK, 0);
	/* h has the echo too, through its own ssh: in its own time. */
	assert_int_equal(runner_channel_wait(h, T_WAIT_MS), 0);
	assert_int_equal(runner_channel_read(h, b, sizeof(b)), 2);
	/*
	 * A handle closed right after a write is not the end of input:
	 * cat runs on, and had it all (h2 sees its echo); a half-close
	 * is, and the rest of the output comes.  The close's last bytes
	 * and h2's travel through two ssh connections, so h2 waits for
	 * the echo before it ends the input: nothing orders the two.
	 */
	assert_non_null(h2 = runner_get_channel(rn, "cat"));
	assert_int_equal(runner_channel_write(h, "tail\n", 5), 5);
	runner_channel_close(h);
	h = h2;
	s_read_chan(h, "tail\n", "tail\n");
	assert_int_equal(runner_status(rn, "cat", &st), 0);
	assert_int_equal(st.state, RUNNER_STATE_RUNNING);
	assert_int_equal(runner_channel_write(h, "bye\n", 4), 4);
	assert_int_equal(runner_channel_shutdown(h), 0);
	s_read_chan(h, NULL, "bye\n");
	assert_int_equal(runner_status(rn, "cat", &st), 0);
	assert_int_equal(st.state, RUNNER_STATE_EXITED);
	runner_channel_close(h);
	runner_free(rn);
	/* Every ssh it ran reaped, none a zombie. */
	assert_int_equal(s_children(), base);
	/* Unreachable: NULL with errno, and no ssh left either. */
	errno = 0;
	assert_null(runner_connect(d_fmt(d, "ssh://root@127.0.0.1:%d/x",
	    t_tcp_port())));
	assert_int_equal(errno, ECONNRESET);
	assert_int_equal(s_children(), base);
	errno = 0;
	assert_null(runner_connect("ssh://-evil/x"));
	assert_int_equal(errno, EINVAL);
	d_stop(d, SIGTERM);
}

/*
 * logs -f streams over ssh; the local runnerctl killed, its ssh ends and
 * so does the remote relay: nothing is left holding runnerd.
 */
static void
test_follow_vanish(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	pid_t		 ctl, relay[8], ssh[8];
	int		 out, in, i, nrelay, nssh, status;

	s_need_sshd();
	/* The log is what an instance writes on stderr. */
	d_start(d, "apps = { cat = { command = \"cat\"; restart = \"no\"; };\n"
	    "  talk = { command = [\"sh\", \"-c\", \"while read l; do "
	    "echo \\\"$l\\\" >&2; done\"]; restart = \"no\"; }; };\n");
	r = CTL(d, "start", "talk");
	r_status(r, 0);
	r = CTL(d, "send", "talk", "first line");
	r_status(r, 0);
	ctl = s_ctl_bg(d, s_url(d, "root", d->sock), NULL, &out, "logs",
	    "talk", "-f");
	s_read_until(out, "first line\n");
	r = CTL(d, "send", "talk", "second line");
	r_status(r, 0);
	s_read_until(out, "second line\n");
	nssh = t_procs(ctl, 0, 0, ssh, 8);
	assert_int_equal(nssh, 1);
	nrelay = s_pgrep(d_fmt(d, "dial-stdio -s %s", d->sock), NULL, relay,
	    8);
	assert_int_equal(nrelay, 1);
	kill(ctl, SIGKILL);
	assert_true(t_wait_child(ctl, &status, T_WAIT_MS));
	close(out);
	assert_true(t_wait_gone(ssh[0]));
	for (i = 0; i < nrelay; i++)
		assert_true(t_wait_gone(relay[i]));
	/* attach, whose stdin stays open: its relay ends with runnerd's end. */
	r = CTL(d, "start", "cat");
	r_status(r, 0);
	ctl = s_ctl_bg(d, s_url(d, "root", d->sock), &in, &out, "attach",
	    "cat", NULL);
	assert_int_equal(write(in, "ping\n", 5), 5);
	s_read_until(out, "ping\n");
	r = CTL(d, "stop", "cat");
	r_status(r, 0);
	assert_true(t_wait_child(ctl, &status, T_WAIT_MS));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(in);
	close(out);
	d_stop(d, SIGTERM);
}

/*
 * The library's ssh killed under it: the call fails with ECLOSED, the
 * dead ssh is reaped, and the next call connects again.
 */
static void
test_library_ssh_dies(void **state)
{
	struct daemon		*d = *state;
	struct runner		*rn;
	struct runner_status	 st = { .version = RUNNER_STATUS_VERSION };
	pid_t			 kids[16];
	char			 cl[256];
	int			 base, n, i;

	s_need_sshd();
	d_start(d, d_default_conf(d));
	base = s_children();
	assert_non_null(rn = runner_connect(s_url(d, "root", d->sock)));
	assert_int_equal(runner_start(rn, "cat", NULL), 0);
	n = t_procs(getpid(), 0, 0, kids, 16);
	for (i = 0; i < n; i++) {
		t_cmdline(kids[i], cl, sizeof(cl));
		if (strncmp(cl, "ssh ", 4) == 0) {
			kill(kids[i], SIGKILL);
			/* A zombie now: ours, until the library reaps it. */
			assert_true(t_wait_gone(kids[i]));
		}
	}
	assert_int_equal(runner_status(rn, "cat", &st), RUNNER_ECLOSED);
	assert_int_equal(s_children(), base);
	assert_int_equal(runner_status(rn, "cat", &st), 0);
	assert_int_equal(st.state, RUNNER_STATE_RUNNING);
	runner_free(rn);
	assert_int_equal(s_children(), base);
	d_stop(d, SIGTERM);
}

/* ask (the tagged protocol) and status -w (a subscription) over ssh. */
static void
test_ask_watch(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	char		 helper[PATH_MAX];
	pid_t		 ctl, ssh[4];
	int		 out, status;

	s_need_sshd();
	assert_non_null(realpath("tests/helpers/tagged.py", helper));
	d_start(d, d_fmt(d, "apps = { tag = { command = [\"python3\", "
	    "\"%s\"]; restart = \"no\"; }; };\n", helper));
	ctl = s_ctl_bg(d, s_url(d, "root", d->sock), NULL, &out, "status",
	    "-w", NULL);
	r = s_ctl(d, s_url(d, "root", d->sock), NULL, 0, "start", "tag",
	    (char *)NULL);
	r_status(r, 0);
	r = s_ctl(d, s_url(d, "root", d->sock), NULL, 0, "ask", "tag",
	    "echo", "{\"a\": [1, \"x y\"]}", (char *)NULL);
	r_status(r, 0);
	assert_string_equal(r->out, "{\"a\": [1, \"x y\"]}\n");
	r = s_ctl(d, s_url(d, "root", d->sock), NULL, 0, "ask", "tag",
	    "fail", (char *)NULL);
	r_status(r, 1);
	s_read_until(out, "running");
	r = CTL(d, "stop", "tag");
	r_status(r, 0);
	s_read_until(out, "stopped");
	assert_int_equal(t_procs(ctl, 0, 0, ssh, 4), 1);
	kill(ctl, SIGTERM);
	assert_true(t_wait_child(ctl, &status, T_WAIT_MS));
	close(out);
	assert_true(t_wait_gone(ssh[0]));
	d_stop(d, SIGTERM);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, s_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ctl_commands),
		T(test_attach_big),
		T(test_remote_refused),
		T(test_unreachable),
		T(test_hostile_path),
		T(test_dial_stdio),
		T(test_dial_stdio_escaped),
		T(test_library),
		T(test_follow_vanish),
		T(test_library_ssh_dies),
		T(test_ask_watch),
	};

	return (cmocka_run_group_tests(tests, s_group_setup,
	    s_group_teardown));
}
