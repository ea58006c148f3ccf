/*
 * pty.h: runnerctl at a terminal.  Its stdout and stderr are a
 * pseudo-terminal's slave (stdin a file, or /dev/null); the test reads
 * the master, waits for a string to appear (bounded by T_WAIT_MS, by
 * poll, never by sleeping), and collects the exit status.  Included after
 * daemon.h.
 */

#ifndef T_PTY_H
#define T_PTY_H

#include <pty.h>

struct ptyrun {
	struct daemon	*d;
	char		*text;		/* after pty_finish: all it showed */
	pid_t		 pid;
	int		 master;
	struct buf	 out;		/* all the terminal showed so far */
};

/* Start runnerctl -s SOCK ARGS... (NULL-terminated) on a terminal. */
static inline struct ptyrun *
pty_spawn(struct daemon *d, const char *in, ...)
{
	struct ptyrun	*p;
	char		*argv[32];
	const char	*a;
	va_list		 ap;
	int		 n = 0, slave, fd;

	argv[n++] = d->runnerctl;
	argv[n++] = (char *)"-s";
	argv[n++] = d->sock;
	va_start(ap, in);
	while ((a = va_arg(ap, const char *)) != NULL && n < 31)
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	assert_non_null(p = calloc(1, sizeof(*p)));
	d_keep(d, p);
	p->d = d;
	buf_init(&p->out);
	assert_int_equal(openpty(&p->master, &slave, NULL, NULL, NULL), 0);
	fd = open(in != NULL ? in : "/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	if ((p->pid = fork()) == 0) {
		setsid();
		dup2(fd, 0);
		dup2(slave, 1);
		dup2(slave, 2);
		execve(argv[0], argv, d->envp);
		_exit(127);
	}
	assert_true(p->pid > 0);
	close(slave);
	close(fd);
	fd_nonblock(p->master);
	return (p);
}

/*
 * Read what the terminal shows until want is among it (1) or it closes
 * (0); fails the test after T_WAIT_MS.
 */
static inline int
pty_wait_for(struct ptyrun *p, const char *want)
{
	struct pollfd	 pfd;
	long long	 end = t_ms() + T_WAIT_MS;
	char		 tmp[4096];
	ssize_t		 n;

	for (;;) {
		assert_int_equal(buf_addc(&p->out, '\0'), 0);
		p->out.len--;
		if (want != NULL && strstr(buf_head(&p->out), want) != NULL)
			return (1);
		if (t_ms() > end)
			fail_msg("the terminal did not show '%s': %.500s", want,
			    buf_head(&p->out));
		pfd.fd = p->master;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		n = read(p->master, tmp, sizeof(tmp));
		if (n > 0)
			assert_int_equal(buf_add(&p->out, tmp, (size_t)n), 0);
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			return (0);	/* EIO: the last writer is gone */
	}
}

/* Read to the end, wait for runnerctl: its exit status; p->text. */
static inline int
pty_finish(struct ptyrun *p)
{
	int	 status;

	pty_wait_for(p, NULL);
	close(p->master);
	assert_true(t_wait_child(p->pid, &status, T_WAIT_MS));
	assert_int_equal(buf_addc(&p->out, '\0'), 0);
	p->text = d_keep(p->d, buf_take(&p->out));
	return (WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status));
}

#endif /* T_PTY_H */
