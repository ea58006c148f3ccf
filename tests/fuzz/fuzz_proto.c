/*
 * fuzz_proto.c: libFuzzer target for runnerd's control protocol: request
 * lines in, any reply out.  The daemon's own objects are linked
 * (runnerd.c with its main renamed) and each input is what one client
 * sends: a client connects to the control socket, accept_cb registers
 * it as it does every client, the input is written and the connection
 * half-closed, and the real loop runs until the client is answered (or
 * quiet), so the bytes take a client's whole path: read, cut into
 * lines, cmd_dispatch, handlers, replies.  Replies are drained and
 * dropped (descriptors that come with a direct reply closed).
 *
 * The server is set up once: a loop, a configuration file with a few
 * apps (sandbox.c lets only cat, true and false run, without their
 * arguments), the control socket in a private directory.  After each
 * input every instance it started is stopped and killed, the loop runs
 * until each exit is reaped, and what a request may change for good is
 * put back (the configuration after a reload, its path, shutting down,
 * accepting), so that every input starts from the same state and a
 * crash replays alone.  Then no child may be left and the descriptor
 * count must be what it was: a leak aborts, which libFuzzer reports
 * like a crash.
 */

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runnerd.h"
#include "fuzz.h"

#define TICK		0.001	/* s: how often the loop looks */
#define QUIET_TICKS	3	/* ticks without a reply: done */

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const unsigned char *, size_t);

static int	 client_connect(uint64_t *);
static int	 drain(int);
static void	 tick_cb(struct ev_loop *, ev_timer *, int);
static void	 run_input(const unsigned char *, size_t);
static void	 teardown(void);
static pid_t	 instance_left(void);
static double	 now(void);

/*
 * The apps (%1$s is the private directory): a plain stdio app, a pool of
 * instances, quick exits with and without restarts, a socket app that
 * never gets ready, one that never notifies, a command that cannot run,
 * a log file, a small buffer that drops, an essential app.
 */
static const char base_conf[] =
    "apps = {\n"
    "  cat = { command = \"cat\"; };\n"
    "  pool = { command = \"cat\"; instances = 3; restart = \"always\"; };\n"
    "  quick = { command = \"true\"; restart = \"on-failure\"; };\n"
    "  flap = { command = [\"false\", \"-x\"]; restart = \"always\";\n"
    "    backoff_initial = 0.01; max_restarts = 2; };\n"
    "  sock = { command = \"cat\"; type = \"socket\"; socket = \"s.sock\";\n"
    "    cwd = \"%1$s\"; ready_timeout = 0.05; };\n"
    "  notified = { command = \"cat\"; ready = \"notify\";\n"
    "    ready_timeout = 0.05; };\n"
    "  missing = { command = \"no-such-program\"; };\n"
    "  logged = { command = \"cat\"; log = \"%1$s/logged.log\";\n"
    "    log_max_size = 4096; log_keep = 1; stderr = \"merge\"; };\n"
    "  small = { command = \"cat\"; output_buffer = 16;\n"
    "    overflow = \"drop-oldest\"; stop_signal = \"HUP\"; };\n"
    "  essential = { command = \"false\"; on_exit = \"shutdown\"; };\n"
    "};\n";

static struct conf	*base;		/* the configuration each input sees */
static char		*base_path;	/* and its file */
static int		 base_fds;	/* descriptors open between inputs */

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/*
 * Connect a client to the daemon's socket and let accept_cb register it,
 * as it does every client.  Returns our end, with the client's id.
 */
static int
client_connect(uint64_t *id)
{
	struct sockaddr_un	 sun;
	int			 fd, k;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		abort();
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s",
	    server.socket_path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		abort();
	for (k = 0; k < 100; k++) {
		ev_run(server.loop, EVRUN_NOWAIT);
		if (server.nclients > 0) {
			*id = server.clients[server.nclients - 1]->id;
			return (fd);
		}
	}
	sandbox_fail("fuzz_proto: runnerd did not accept a client");
}

/*
 * Read and drop what the daemon sent on fd; close any descriptor that
 * came with it (a direct reply).  The bytes read, 0 at EOF or when none
 * are waiting.
 */
static int
drain(int fd)
{
	union {
		struct cmsghdr	 align;
		char		 space[CMSG_SPACE(sizeof(int) * 8)];
	} cbuf;
	char		 data[65536];
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cm;
	ssize_t		 n;
	int		 total = 0, k, got;

	for (;;) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = data;
		iov.iov_len = sizeof(data);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf.space;
		msg.msg_controllen = sizeof(cbuf.space);
		n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n <= 0)
			return (total);
		for (cm = CMSG_FIRSTHDR(&msg); cm != NULL;
		    cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level != SOL_SOCKET ||
			    cm->cmsg_type != SCM_RIGHTS)
				continue;
			for (k = 0; (size_t)k < (cm->cmsg_len - CMSG_LEN(0)) /
			    sizeof(int); k++) {
				memcpy(&got, CMSG_DATA(cm) + k * sizeof(int),
				    sizeof(int));
				close(got);
			}
		}
		total += (int)n;
	}
}

/* A tick of the quiet clock: the loop wakes at least this often. */
static void
tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	(*(int *)w->data)++;
}

/*
 * One client sends the input and half-closes; the loop runs until the
 * client is answered and gone, or nothing has come back for QUIET_TICKS
 * ticks (a request still waiting: a read with a wait, an attach, a
 * start of the socket app), or a second has passed.
 */
static void
run_input(const unsigned char *data, size_t size)
{
	struct client	*c;
	ev_timer	 tick;
	uint64_t	 id;
	size_t		 off = 0, in;
	ssize_t		 n;
	int		 fd, quiet = 0;
	double		 deadline;

	fd = client_connect(&id);
	deadline = now() + 1.0;
	while (off < size && now() < deadline) {
		n = write(fd, data + off, size - off);
		if (n > 0)
			off += (size_t)n;
		else if (n == -1 && errno != EAGAIN)
			break;		/* the daemon closed it */
		ev_run(server.loop, EVRUN_NOWAIT);
		drain(fd);
	}
	shutdown(fd, SHUT_WR);
	ev_timer_init(&tick, tick_cb, TICK, TICK);
	tick.data = &quiet;
	ev_timer_start(server.loop, &tick);
	while ((c = client_find(id)) != NULL && quiet < QUIET_TICKS &&
	    now() < deadline) {
		in = buf_used(&c->in);
		ev_run(server.loop, EVRUN_ONCE);
		if (drain(fd) > 0 || ((c = client_find(id)) != NULL &&
		    buf_used(&c->in) != in))
			quiet = 0;
	}
	ev_timer_stop(server.loop, &tick);
	if ((c = client_find(id)) != NULL)
		client_close(c);
	drain(fd);
	close(fd);
}

/*
 * A child of ours that leads its own session, as every instance does
 * (spawn.c), or 0.  Others are libFuzzer's (llvm-symbolizer).
 */
static pid_t
instance_left(void)
{
	DIR		*d;
	struct dirent	*e;
	FILE		*fp;
	char		 path[PATH_MAX];
	long		 pid;
	pid_t		 found = 0;

	if ((d = opendir("/proc/self/task")) == NULL)
		return (0);
	while (found == 0 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/children",
		    e->d_name);
		if ((fp = fopen(path, "re")) == NULL)
			continue;
		while (fscanf(fp, "%ld", &pid) == 1) {
			if (getsid((pid_t)pid) == (pid_t)pid) {
				found = (pid_t)pid;
				break;
			}
		}
		fclose(fp);
	}
	closedir(d);
	return (found);
}

/*
 * Back to the state every input starts from: no client, no instance,
 * no child, the base configuration, not shutting down.
 */
static void
teardown(void)
{
	ev_timer	 tick;
	size_t		 k;
	double		 deadline;
	pid_t		 pid;
	int		 st, ticks = 0;

	while (server.nclients > 0)
		client_close(server.clients[0]);
	/* Stopping for good: no restart, no respawn. */
	server.shutting_down = 1;
	/* Backwards: stopping one may remove it, never those before it. */
	for (k = server.ninsts; k > 0; k--)
		inst_stop(server.insts[k - 1]);
	/* No waiting for stop_timeout. */
	for (k = 0; k < server.ninsts; k++) {
		if ((pid = server.insts[k]->pid) > 0) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
		}
	}
	ev_timer_init(&tick, tick_cb, 0.05, 0.05);
	tick.data = &ticks;
	ev_timer_start(server.loop, &tick);
	deadline = now() + 5.0;
	while (server.ninsts > 0) {
		if (now() > deadline)
			sandbox_fail("fuzz_proto: %zu instances still there "
			    "5 s after SIGKILL", server.ninsts);
		ev_run(server.loop, EVRUN_ONCE);
	}
	ev_timer_stop(server.loop, &tick);
	server.shutting_down = 0;
	server.exit_status = 0;
	/* A shutdown stopped accepting. */
	ev_timer_stop(server.loop, &server.accept_pause);
	if (!ev_is_active(&server.accept_io))
		ev_io_start(server.loop, &server.accept_io);
	if (!TAILQ_EMPTY(&server.waiters))
		sandbox_fail("fuzz_proto: waiters left without a client "
		    "or an instance");
	if (server.conf != base) {
		conf_unref(server.conf);
		server.conf = base;
		base->refs++;
	}
	if (server.config_path == NULL ||
	    strcmp(server.config_path, base_path) != 0) {
		free(server.config_path);
		if ((server.config_path = strdup(base_path)) == NULL)
			abort();
	}
	/* Every child was reaped through its ev_child: none may be left. */
	while (waitpid(-1, &st, WNOHANG) > 0)
		;
	if ((pid = instance_left()) != 0)
		sandbox_fail("fuzz_proto: process %ld is still running after "
		    "every instance is gone", (long)pid);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char warmup[] =
	    "{\"tag\":1,\"cmd\":\"start\",\"ext\":{\"app\":\"cat\"}}\n"
	    "{\"tag\":2,\"cmd\":\"write\",\"ext\":{\"alias\":\"cat\","
	    "\"text\":\"hi\\n\"}}\n"
	    "{\"tag\":3,\"cmd\":\"start\",\"ext\":{\"app\":\"logged\"}}\n"
	    "{\"tag\":4,\"cmd\":\"start\",\"ext\":{\"app\":\"sock\"}}\n";
	const char	*dir;
	char		 err[RUNNER_ERRMSG_MAX], *sock;
	struct config	*cfg;
	FILE		*fp;

	(void)argc;
	(void)argv;
	dir = sandbox_init("fuzz_proto");
	signal(SIGPIPE, SIG_IGN);
	log_init(1, 0);
	if (asprintf(&base_path, "%s/runner.conf", dir) == -1 ||
	    (fp = fopen(base_path, "w")) == NULL ||
	    fprintf(fp, base_conf, dir) < 0 || fclose(fp) == EOF)
		abort();
	if ((cfg = config_load_file(base_path, err, sizeof(err))) == NULL) {
		sandbox_fail("fuzz_proto: %s", err);
	}
	if ((base = calloc(1, sizeof(*base))) == NULL)
		abort();
	base->cfg = cfg;
	base->refs = 2;		/* in force, and kept here */
	server.conf = base;
	if ((server.config_path = strdup(base_path)) == NULL ||
	    asprintf(&sock, "%s/runnerd.sock", dir) == -1 ||
	    control_listen(sock, 0) == -1)
		abort();
	free(sock);
	if ((server.loop = ev_default_loop(EVFLAG_AUTO)) == NULL)
		abort();
	ev_io_start(server.loop, &server.accept_io);
	/* libev opens its own descriptors on first use. */
	run_input((const unsigned char *)warmup, sizeof(warmup) - 1);
	teardown();
	sandbox_symbolizer();
	return (0);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	/* Counted once libFuzzer has set up its own (-close_fd_mask). */
	if (base_fds == 0)
		base_fds = sandbox_fds();
	run_input(data, size);
	teardown();
	sandbox_fds_check(base_fds, "after an input");
	return (0);
}
