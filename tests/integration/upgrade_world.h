/*
 * upgrade_world.h: the world the failed upgrades are held against
 * (test_upgrade_fail.c, test_upgrade_races.c): three cats (one
 * attached), a socket app and two instances ready when told; what must
 * be intact after an upgrade that did not happen (the same runnerd,
 * instances, bytes flowing both ways, descriptors, no zombie); and the
 * files the tests upgrade to.
 */

#ifndef T_UPGRADE_WORLD_H
#define T_UPGRADE_WORLD_H

#include <sys/stat.h>

#include <dirent.h>

#include "upgrade.h"

/*
 * The apps: three cats, a socket app, two ready when told (a line on
 * their input) and two ready when let through the gate (a line in the
 * FIFO "gate": what an upgrade waiting for a roll, which reads no
 * request meanwhile, can be let past with).
 */
static inline char *
uw_conf(struct daemon *d)
{
	char	*gate = d_fmt(d, "%s/gate", d->dir);

	if (mkfifo(gate, 0600) == -1 && errno != EEXIST)
		fail_msg("mkfifo %s: %s", gate, strerror(errno));
	return (d_fmt(d,
	    "apps = {\n"
	    "  cat = { command = \"cat\"; instances = 3; restart = \"always\"; };\n"
	    "  echo = { command = [\"socat\", \"UNIX-LISTEN:echo.sock,fork\", "
	    "\"EXEC:cat\"]; type = \"socket\"; socket = \"echo.sock\"; "
	    "cwd = \"%s\"; ready_timeout = 5.0; restart = \"no\"; };\n"
	    "  notify = { command = [\"sh\", \"-c\", "
	    "\"read go; echo >&3; exec cat\"]; ready = \"notify\"; "
	    "ready_timeout = 30; instances = 2; restart = \"no\"; };\n"
	    "  gated = { command = [\"sh\", \"-c\", "
	    "\"read go <gate; echo >&3; exec cat\"]; cwd = \"%s\"; "
	    "ready = \"notify\"; ready_timeout = 30; instances = 2; "
	    "restart = \"no\"; };\n"
	    "};\n", d->dir, d->dir));
}

/* What must be intact after a failed upgrade. */
struct uw_world {
	struct daemon	*d;
	struct client	*c;		/* requests */
	struct client	*att;		/* attached to cat-1 */
	struct u_hello	 hello;
	struct u_snap	 snap;
	int		 fds;		/* with c, att and one probe */
};

static inline int
uw_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	d_start(d, uw_conf(d));
	return (0);
}

/* The attached client's bytes still come back through cat-1. */
static inline void
uw_echo(struct uw_world *w, const char *text)
{
	size_t	 len = strlen(text);

	cl_send(w->att, text, len);
	while (buf_used(&w->att->in) < len)
		if (cl_fill(w->att, T_WAIT_MS) <= 0)
			fail_msg("the attached client got %zu of %zu bytes",
			    buf_used(&w->att->in), len);
	assert_int_equal(buf_used(&w->att->in), len);
	assert_memory_equal(buf_head(&w->att->in), text, len);
	buf_reset(&w->att->in);
}

/* Bytes go both ways through the attach and the socket app. */
static inline void
uw_flow(struct uw_world *w, const char *text)
{
	uw_echo(w, text);
	j_ok(cl_call(w->c, "write", "{\"alias\": \"echo\", \"text\": "
	    "\"ping\\n\"}"));
	cl_read_expect(w->c, "echo", "ping\n", 5);
}

/* Start the apps, attach to cat-1, and note what must stay. */
static inline void
uw_world(struct daemon *d, struct uw_world *w)
{
	struct json	*j;

	w->d = d;
	w->c = cl_open(d);
	j = cl_call(w->c, "start", "{\"app\": \"cat\"}");
	j_ok(j);
	d_saw(d, cl_start(w->c, "echo", "echo"));
	w->att = cl_open(d);
	j_ok(cl_call(w->att, "attach", "{\"alias\": \"cat-1\"}"));
	w->hello = u_hello(w->c);
	u_snap(w->c, &w->snap);
	uw_flow(w, "first\n");	/* relays make their pipes at first use */
	w->fds = d_fds_probe(d);
}

/* Everything as it was: runnerd, its instances, clients, descriptors. */
static inline void
uw_intact(struct uw_world *w)
{
	struct u_hello	 h = u_hello(w->c);
	struct u_snap	 now;

	assert_int_equal(h.pid, w->d->pid);
	assert_string_equal(h.version, w->hello.version);
	assert_int_equal(h.upgrades, w->hello.upgrades);
	u_snap(w->c, &now);
	assert_int_equal(now.n, w->snap.n);
	u_same(&w->snap, &now, NULL);
	uw_flow(w, "still here\n");
	d_no_zombies(w->d);
	d_fds_settle(w->d, w->fds);
}

/* An executable file of the test directory holding text; its path. */
static inline char *
uw_script(struct daemon *d, const char *name, const char *text)
{
	char	*path = d_file(d, name, text);

	assert_int_equal(chmod(path, 0755), 0);
	return (path);
}

/* A process whose program is path, or 0. */
static inline pid_t
uw_running(const char *path)
{
	char		 link[64], target[PATH_MAX];
	DIR		*dp;
	struct dirent	*e;
	ssize_t		 n;
	pid_t		 pid, found = 0;

	assert_non_null(dp = opendir("/proc"));
	while (found == 0 && (e = readdir(dp)) != NULL) {
		if ((pid = (pid_t)atol(e->d_name)) <= 0)
			continue;
		snprintf(link, sizeof(link), "/proc/%ld/exe", (long)pid);
		if ((n = readlink(link, target, sizeof(target) - 1)) <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, path) == 0 && t_alive(pid))
			found = pid;
	}
	closedir(dp);
	return (found);
}

/*
 * No process runs path: one still listed was sent SIGKILL with its
 * group, and dies when next scheduled (a loaded machine: later than the
 * reply), or never (then this fails).
 */
static inline void
uw_none(const char *path)
{
	pid_t	 pid;

	while ((pid = uw_running(path)) != 0)
		if (!t_wait_gone(pid))
			fail_msg("%s (pid %ld) still runs", path, (long)pid);
}

/* Put a copy of from at to (by rename, as an install does); to. */
static inline char *
uw_install(struct daemon *d, const char *from, const char *to)
{
	char	*tmp = d_fmt(d, "%s.new", to);
	char	*argv[] = { (char *)"/bin/cp", (char *)from, tmp, NULL };

	r_status(t_run(d, argv, NULL, 0), 0);
	assert_int_equal(rename(tmp, to), 0);
	return ((char *)to);
}

/*
 * A private copy of the helper program at from (tests/helpers/...),
 * its real path in path: uw_running looks for a program by path among
 * every process, and another suite run beside this one runs the same
 * helper.
 */
static inline void
uw_private(struct daemon *d, const char *from, char path[PATH_MAX])
{
	const char	*base = strrchr(from, '/');

	if (realpath(uw_install(d, from, d_fmt(d, "%s/%s", d->dir,
	    base != NULL ? base + 1 : from)), path) == NULL)
		fail_msg("%s: %s", from, strerror(errno));
}

/* Write "go" to alias (its ready comes then). */
static inline void
uw_go(struct uw_world *w, const char *alias)
{
	j_ok(cl_call(w->c, "write", "{\"alias\": \"%s\", \"text\": "
	    "\"go\\n\"}", alias));
}

#endif /* T_UPGRADE_WORLD_H */
