/*
 * ctl.h: run a program (runnerctl, or a second runnerd) as a child to its
 * end, with stdin from a buffer or /dev/null, stdout and stderr captured
 * through poll, and its exit status; bounded by T_WAIT_MS, after which it
 * is killed by its pid and the test fails.  Included by daemon.h.
 */

#ifndef T_CTL_H
#define T_CTL_H

/* Run argv with the fixture's environment; the result is kept. */
static inline struct run *
t_run(struct daemon *d, char *const argv[], const void *in, size_t inlen)
{
	struct run	*r;
	struct pollfd	 pfd[3];
	struct buf	 out, err;
	struct buf	*to[3] = { NULL, &out, &err };
	const char	*inp = in;
	long long	 end = t_ms() + T_WAIT_MS;
	char		 tmp[65536];
	int		 po[2], pe[2], pi[2] = { -1, -1 }, null = -1;
	int		 status, i, nopen, exited = 0;
	ssize_t		 n;
	pid_t		 pid;

	assert_int_equal(pipe2(po, O_CLOEXEC), 0);
	assert_int_equal(pipe2(pe, O_CLOEXEC), 0);
	if (in != NULL)
		assert_int_equal(pipe2(pi, O_CLOEXEC), 0);
	else
		assert_true((null = open("/dev/null", O_RDONLY | O_CLOEXEC))
		    >= 0);
	if ((pid = fork()) == 0) {
		signal(SIGPIPE, SIG_DFL);
		dup2(in != NULL ? pi[0] : null, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execve(argv[0], argv, d->envp);
		_exit(127);
	}
	assert_true(pid > 0);
	close(po[1]);
	close(pe[1]);
	if (in != NULL) {
		close(pi[0]);
		fd_nonblock(pi[1]);
		if (inlen == 0) {
			close(pi[1]);
			pi[1] = -1;
		}
	} else
		close(null);
	fd_nonblock(po[0]);
	fd_nonblock(pe[0]);
	buf_init(&out);
	buf_init(&err);
	pfd[0].fd = pi[1];
	pfd[0].events = POLLOUT;
	pfd[1].fd = po[0];
	pfd[1].events = POLLIN;
	pfd[2].fd = pe[0];
	pfd[2].events = POLLIN;
	/*
	 * Until stdout and stderr end, or the child is gone and they are
	 * drained (a process it left behind may hold them open).
	 */
	for (;;) {
		nopen = pfd[1].fd != -1 || pfd[2].fd != -1;
		if (!nopen || exited)
			break;
		if (t_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("%s %s did not end within %d ms; stdout: "
			    "%.300s; stderr: %.300s", argv[0],
			    argv[1] ? argv[1] : "", T_WAIT_MS,
			    buf_cstr(&out), buf_cstr(&err));
		}
		if (poll(pfd, 3, 20) == 0 && waitpid(pid, &status,
		    WNOHANG) == pid)
			exited = 1;
		if (pfd[0].fd != -1 && pfd[0].revents != 0) {
			n = write(pfd[0].fd, inp, inlen);
			if (n > 0) {
				inp += n;
				inlen -= (size_t)n;
			}
			if (inlen == 0 || (n == -1 && errno != EAGAIN &&
			    errno != EINTR)) {
				close(pfd[0].fd);
				pfd[0].fd = -1;
			}
		}
		for (i = 1; i < 3; i++) {
			if (pfd[i].fd == -1 || (pfd[i].revents == 0 &&
			    !exited))
				continue;
			while ((n = read(pfd[i].fd, tmp, sizeof(tmp))) > 0)
				assert_int_equal(buf_add(to[i], tmp,
				    (size_t)n), 0);
			if (n == 0 || (n == -1 && errno != EAGAIN &&
			    errno != EINTR) || exited) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
			}
		}
	}
	for (i = 0; i < 3; i++)
		if (pfd[i].fd != -1)
			close(pfd[i].fd);
	if (!exited && !t_wait_child(pid, &status, (int)(end - t_ms()) > 0 ?
	    (int)(end - t_ms()) : 1)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("%s %s did not exit within %d ms", argv[0],
		    argv[1] ? argv[1] : "", T_WAIT_MS);
	}
	assert_non_null(r = calloc(1, sizeof(*r)));
	d_keep(d, r);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status);
	r->outlen = buf_used(&out);
	r->errlen = buf_used(&err);
	assert_non_null(r->out = buf_take(&out));
	assert_non_null(r->err = buf_take(&err));
	d_keep(d, r->out);
	d_keep(d, r->err);
	return (r);
}

/*
 * runnerctl -s SOCK ARGS... (sock NULL: no -s), stdin from in (NULL:
 * /dev/null).  The argument list ends with NULL.
 */
static inline struct run *
ctl_runv(struct daemon *d, const char *sock, const void *in, size_t inlen,
    va_list ap)
{
	char		*argv[64];
	const char	*a;
	int		 n = 0;

	argv[n++] = d->runnerctl;
	if (sock != NULL) {
		argv[n++] = (char *)"-s";
		argv[n++] = (char *)sock;
	}
	while ((a = va_arg(ap, const char *)) != NULL && n < 63)
		argv[n++] = (char *)a;
	argv[n] = NULL;
	return (t_run(d, argv, in, inlen));
}

static inline struct run *
ctl_in(struct daemon *d, const void *in, size_t inlen, ...)
{
	struct run	*r;
	va_list		 ap;

	va_start(ap, inlen);
	r = ctl_runv(d, d->sock, in, inlen, ap);
	va_end(ap);
	return (r);
}

static inline struct run *
ctl_sock(struct daemon *d, const char *sock, ...)
{
	struct run	*r;
	va_list		 ap;

	va_start(ap, sock);
	r = ctl_runv(d, sock, NULL, 0, ap);
	va_end(ap);
	return (r);
}

/* runnerctl -s SOCK ARGS... with stdin from /dev/null. */
#define CTL(d, ...)	ctl_in((d), NULL, 0, __VA_ARGS__, (char *)NULL)

/* The run must have exited with want; shows its output if not. */
static inline void
r_status(const struct run *r, int want)
{
	if (r->status != want)
		fail_msg("runnerctl exited %d, want %d; stdout: %.500s; "
		    "stderr: %.500s", r->status, want, r->out, r->err);
}

#endif /* T_CTL_H */
