/*
 * upgrade.h: what the upgrade tests share (test_upgrade.c, the upgrade
 * under load; test_upgrade_fail.c, upgrades that fail and the other
 * ways in): the second runnerds the Makefile builds (tests/upgrade/V/
 * runnerd), hello's facts, `runnerctl upgrade` and the checks of its two
 * outcomes, a snapshot of status to hold against a later one, and a
 * program run in the background (runnerctl upgrade while the test
 * keeps other clients moving).  An
 * upgrade keeps runnerd's pid, so the fixture's teardown (SIGTERM, exit
 * 0, nothing left) is the same as after any test.
 */

#ifndef T_UPGRADE_H
#define T_UPGRADE_H

#include "output.h"

#define U_MAX		64		/* instances a snapshot holds */

/* hello's facts about the runnerd serving. */
struct u_hello {
	long long	 pid;
	long long	 upgrades;	/* upgrades it went through */
	double		 started;	/* when its current binary started */
	char		*version;	/* kept */
};

/* One instance in status. */
struct u_inst {
	char		 alias[64];
	char		 state[16];
	long long	 pid;
	long long	 restarts;
	double		 uptime;
	double		 next_restart;	/* -1: null */
	char		 last_exit[64];	/* its JSON: null, {"code": N}... */
	char		 health[16];	/* its state, or "" */
};

struct u_snap {
	struct u_inst	 in[U_MAX];
	int		 n;
};

/*
 * Built with SANITIZE=1 (ASan's quarantine makes RSS say little)?  From
 * the build, as T_ASAN says: SANITIZE in the environment is make's, and
 * a binary run by hand lacks it.
 */
static inline int
u_sanitized(void)
{
	return (T_ASAN);
}

/* The absolute path of the second runnerd of variant v (kept). */
static inline char *
u_variant(struct daemon *d, const char *v)
{
	char	 path[PATH_MAX];
	char	*rel = d_fmt(d, "tests/upgrade/%s/runnerd", v);

	if (realpath(rel, path) == NULL)
		fail_msg("%s: %s (make tests/integration/test_upgrade builds "
		    "it)", rel, strerror(errno));
	return (d_fmt(d, "%s", path));
}

/* hello on c. */
static inline struct u_hello
u_hello(struct client *c)
{
	struct u_hello	 h;
	struct json	*j = cl_call(c, "hello", NULL);
	int		 ext = j_ok(j);

	h.pid = j_int(j, ext, "pid");
	h.upgrades = j_int(j, ext, "upgrades");
	h.started = j_num(j, ext, "started");
	h.version = j_str(j, ext, "version");
	return (h);
}

/* hello on a connection of its own. */
static inline struct u_hello
u_hello_new(struct daemon *d)
{
	struct client	*c = cl_open(d);
	struct u_hello	 h = u_hello(c);

	cl_close(c);
	return (h);
}

/* runnerctl upgrade [--binary binary] (NULL: runnerd's own). */
static inline struct run *
u_upgrade(struct daemon *d, const char *binary)
{
	if (binary == NULL)
		return (CTL(d, "upgrade"));
	return (CTL(d, "upgrade", "--binary", binary));
}

/*
 * r succeeded: runnerctl said "runnerd upgraded in place: pid P, version
 * V (from OLD, upgrade N); handed over I instances, C clients, B bytes"
 * (I instance, C client when one) with runnerd's pid, version and n; the
 * instances handed over.
 */
static inline long long
u_upgraded(struct daemon *d, const struct run *r, const char *version,
    long long n)
{
	long long	 pid, got, inst, clients, bytes;
	char		 v[64], from[64], *want;

	r_status(r, 0);
	if (sscanf(r->out, "runnerd upgraded in place: pid %lld, version "
	    "%63[^ ] (from %63[^,], upgrade %lld); handed over %lld %*s "
	    "%lld %*s %lld", &pid, v, from, &got, &inst, &clients,
	    &bytes) != 7)
		fail_msg("runnerctl upgrade printed '%s'", r->out);
	want = d_fmt(d, "runnerd upgraded in place: pid %lld, version %s "
	    "(from %s, upgrade %lld); handed over %lld instance%s, %lld "
	    "client%s, %lld bytes\n", pid, v, from, got, inst, inst == 1 ?
	    "" : "s", clients, clients == 1 ? "" : "s", bytes);
	if (strcmp(r->out, want) != 0)
		fail_msg("runnerctl upgrade printed '%s'", r->out);
	assert_int_equal(pid, d->pid);
	assert_string_equal(v, version);
	assert_int_equal(got, n);
	assert_true(inst >= 0 && clients >= 0 && bytes >= 0);
	return (inst);
}

/*
 * r failed as an upgrade does: exit 1, "runnerctl: EUPGRADE: WHY;
 * runnerd runs on unchanged", WHY holding why.
 */
static inline void
u_refused(const struct run *r, const char *why)
{
	static const char	 head[] = "runnerctl: EUPGRADE: ";
	static const char	 tail[] = "; runnerd runs on unchanged\n";

	r_status(r, 1);
	if (strncmp(r->err, head, sizeof(head) - 1) != 0 ||
	    r->errlen < sizeof(tail) - 1 || strcmp(r->err + r->errlen -
	    (sizeof(tail) - 1), tail) != 0 || strstr(r->err, why) == NULL)
		fail_msg("runnerctl upgrade said '%s', want EUPGRADE with "
		    "'%s'", r->err, why);
}

/* Every instance in status, in its order (sorted by alias). */
static inline void
u_snap(struct client *c, struct u_snap *s)
{
	struct json	*j = cl_call(c, "status", NULL);
	struct u_inst	*u;
	const char	*raw;
	char		*str;
	size_t		 len;
	int		 a, i, e;

	a = j_type(j, j_ok(j), "instances", JSON_ARRAY);
	if (json_len(j, a) > U_MAX)
		fail_msg("%d instances, more than a snapshot holds",
		    json_len(j, a));
	s->n = json_len(j, a);
	for (i = 0; i < s->n; i++) {
		e = json_at(j, a, i);
		u = &s->in[i];
		str = j_str(j, e, "alias");
		assert_true(strlen(str) < sizeof(u->alias));
		strcpy(u->alias, str);
		str = j_str(j, e, "state");
		assert_true(strlen(str) < sizeof(u->state));
		strcpy(u->state, str);
		u->pid = j_int(j, e, "pid");
		u->restarts = j_int(j, e, "restarts");
		u->uptime = j_num(j, e, "uptime");
		if (json_double(j, json_get(j, e, "next_restart"),
		    &u->next_restart) == -1)
			u->next_restart = -1;
		raw = json_raw(j, json_get(j, e, "last_exit"), &len);
		assert_true(raw != NULL && len < sizeof(u->last_exit));
		memcpy(u->last_exit, raw, len);
		u->last_exit[len] = '\0';
		str = json_str(j, json_get(j, json_get(j, e, "health"),
		    "state"), NULL);
		snprintf(u->health, sizeof(u->health), "%s", str != NULL ?
		    str : "");
		free(str);
	}
}

/* alias in s, or NULL. */
static inline const struct u_inst *
u_find(const struct u_snap *s, const char *alias)
{
	int	 i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->in[i].alias, alias) == 0)
			return (&s->in[i]);
	return (NULL);
}

/*
 * after holds every instance of before, with the same pid, state,
 * restarts, last exit and health verdict, and an uptime that went on
 * (not one that began again),
 * except those named in skip (NULL-terminated; NULL: none), which the
 * test checks itself.
 */
static inline void
u_same(const struct u_snap *before, const struct u_snap *after,
    const char *const *skip)
{
	const struct u_inst	*b, *a;
	const char *const	*k;
	int			 i;

	for (i = 0; i < before->n; i++) {
		b = &before->in[i];
		for (k = skip; k != NULL && *k != NULL; k++)
			if (strcmp(*k, b->alias) == 0)
				break;
		if (k != NULL && *k != NULL)
			continue;
		if ((a = u_find(after, b->alias)) == NULL)
			fail_msg("'%s' is gone after the upgrade", b->alias);
		if (a->pid != b->pid || strcmp(a->state, b->state) != 0 ||
		    a->restarts != b->restarts || a->uptime < b->uptime ||
		    strcmp(a->last_exit, b->last_exit) != 0 ||
		    strcmp(a->health, b->health) != 0)
			fail_msg("'%s' was pid %lld %s, %lld restarts, up %.3f "
			    "s, last exit %s, health '%s'; after: pid %lld %s, "
			    "%lld restarts, up %.3f s, last exit %s, health "
			    "'%s'", b->alias, b->pid, b->state, b->restarts,
			    b->uptime, b->last_exit, b->health, a->pid,
			    a->state, a->restarts, a->uptime, a->last_exit,
			    a->health);
	}
}

/* A program run in the background, its output read as it comes. */
struct u_bg {
	pid_t		 pid;
	int		 fd[2];		/* stdout, stderr; -1 once ended */
	struct buf	 out[2];
	int		 status;	/* exit code, or 128 + signal */
	int		 done;
};

static inline void
u_bg_start(struct daemon *d, struct u_bg *b, char *const argv[])
{
	int	 po[2], pe[2], null;

	assert_int_equal(pipe2(po, O_CLOEXEC | O_NONBLOCK), 0);
	assert_int_equal(pipe2(pe, O_CLOEXEC | O_NONBLOCK), 0);
	assert_true((null = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
	if ((b->pid = fork()) == 0) {
		signal(SIGPIPE, SIG_DFL);
		dup2(null, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execve(argv[0], argv, d->envp);
		_exit(127);
	}
	assert_true(b->pid > 0);
	close(po[1]);
	close(pe[1]);
	close(null);
	b->fd[0] = po[0];
	b->fd[1] = pe[0];
	buf_init(&b->out[0]);
	buf_init(&b->out[1]);
	b->done = 0;
}

/* Read what b printed; reap it once both pipes ended.  1: it ended. */
static inline int
u_bg_poll(struct u_bg *b)
{
	char	 tmp[4096];
	ssize_t	 n;
	int	 i, status;

	for (i = 0; i < 2; i++) {
		n = -1;
		while (b->fd[i] != -1 && (n = read(b->fd[i], tmp,
		    sizeof(tmp))) != 0) {
			if (n == -1) {
				if (errno != EAGAIN && errno != EINTR)
					fail_msg("read: %s", strerror(errno));
				break;
			}
			assert_int_equal(buf_add(&b->out[i], tmp, (size_t)n),
			    0);
		}
		if (b->fd[i] != -1 && n == 0) {
			close(b->fd[i]);
			b->fd[i] = -1;
		}
	}
	if (!b->done && b->fd[0] == -1 && b->fd[1] == -1) {
		if (!t_wait_child(b->pid, &status, T_WAIT_MS))
			fail_msg("%ld closed its output but did not exit",
			    (long)b->pid);
		b->status = WIFEXITED(status) ? WEXITSTATUS(status) :
		    128 + WTERMSIG(status);
		b->done = 1;
	}
	return (b->done);
}

/* b as a struct run (kept), for u_upgraded. */
static inline struct run *
u_bg_run(struct daemon *d, struct u_bg *b)
{
	struct run	*r;

	assert_non_null(r = d_keep(d, calloc(1, sizeof(*r))));
	r->status = b->status;
	r->outlen = buf_used(&b->out[0]);
	r->errlen = buf_used(&b->out[1]);
	r->out = d_keep(d, buf_take(&b->out[0]));
	r->err = d_keep(d, buf_take(&b->out[1]));
	assert_non_null(r->out);
	assert_non_null(r->err);
	return (r);
}

/* Wait (bounded) until b has ended; b as a struct run (kept). */
static inline struct run *
u_bg_wait(struct daemon *d, struct u_bg *b)
{
	long long	 end = t_ms() + T_WAIT_MS;

	while (!u_bg_poll(b)) {
		if (t_ms() > end)
			fail_msg("%ld did not end within %d ms", (long)b->pid,
			    T_WAIT_MS);
		(void)fd_wait(b->fd[1] != -1 ? b->fd[1] : b->fd[0], POLLIN,
		    clock_now() + 0.05);
	}
	return (u_bg_run(d, b));
}

#endif /* T_UPGRADE_H */
