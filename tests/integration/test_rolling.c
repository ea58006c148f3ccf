/*
 * test_rolling.c: rolling restarts (restart with "rolling", runnerctl
 * restart --rolling, reload_strategy = "rolling") through the real
 * runnerd and runnerctl.  The instances are sh scripts that write, to
 * one file, when they go down (their stop signal), start, and are
 * ready (just before they notify): from those timestamps, taken by the
 * processes themselves, the tests check that no more than max_unavailable
 * were down at any time and that each batch began after the one before
 * was ready.  A marker file named after an alias makes that instance's
 * next process fail (exit before ready, or never notify): the roll stops
 * there, the rest keep their old pids.  The failure is a table row
 * (roll_fails): exits before ready, never ready, or ready but failing its
 * health probe (every instance is probed; DIR/sick-ALIAS, holding the
 * old process's pid, fails any other process's probe), so
 * each batch also waits for its members' first passing probe.
 */

#include "daemon.h"
#include "ctl.h"
#include "pty.h"

#define NINST	5

/*
 * many-k get "many-k DIR" as args (r_start_all): the script logs under
 * its alias, and fails its next start when DIR/exit-ALIAS (exits 1) or
 * DIR/hang-ALIAS (never notifies) exists, is slow to be ready
 * (DIR/slow-ALIAS) or to stop (DIR/linger-ALIAS).
 */
static const char roll_script[] =
    "a=$1; d=$2; ts() { echo $1 $a $(date +%s%N) >> $d/times; }; "
    "trap 'ts down; [ -e $d/linger-$a ] && sleep 0.5; exit 0' TERM; ts up; "
    "[ -e $d/exit-$a ] && exit 1; "
    "[ -e $d/hang-$a ] && { sleep 300 & wait; }; "
    "[ -e $d/slow-$a ] && sleep 0.7; "
    "sleep 0.1; ts ready; echo >&3; while :; do sleep 300 & wait; done";

static char *
roll_conf(struct daemon *d, const char *extra)
{
	return (d_fmt(d,
	    "apps = {\n"
	    "  many = { command = [\"sh\", \"-c\", \"%s\", \"sh\"]; "
	    "ready = \"notify\"; ready_timeout = 1.0; instances = %d; "
	    "restart = \"on-failure\"; backoff_initial = 5; "
	    "backoff_max = 5; health = { exec = [\"sh\", \"-c\", "
	    "\"f=%s/sick-$RUNNER_ALIAS; ! test -e $f || "
	    "test \\\"$(cat $f)\\\" = $RUNNER_PID\"]; interval = 0.3; "
	    "retries = 1; }; %s };\n"
	    "  one = { command = [\"sh\", \"-c\", \"%s\", \"sh\", \"one\", "
	    "\"%s\"]; ready = \"notify\"; };\n"
	    "};\n", roll_script, NINST, d->dir, extra, roll_script, d->dir));
}

static int
roll_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	d_start(d, roll_conf(d, ""));
	return (0);
}

/* Start many-1..many-5, each told its alias; their pids into pids. */
static void
r_start_all(struct daemon *d, struct client *c, pid_t *pids)
{
	struct json	*j;
	int		 k;

	for (k = 0; k < NINST; k++) {
		j = cl_call(c, "start", "{\"app\": \"many\", \"alias\": "
		    "\"many-%d\", \"args\": [\"many-%d\", \"%s\"]}", k + 1,
		    k + 1, d->dir);
		pids[k] = (pid_t)j_int(j, j_ok(j), "pid");
		d_saw(d, pids[k]);
	}
}

/* One line of DIR/times. */
struct mark {
	char		 what[8];	/* up, ready, down */
	int		 k;		/* many-k */
	long long	 ns;
};

/* DIR/times, in the order written; n lines. */
static struct mark *
r_marks(struct daemon *d, int *n)
{
	static struct mark	 m[256];
	FILE			*f;
	char			 alias[64];

	*n = 0;
	assert_non_null(f = fopen(d_fmt(d, "%s/times", d->dir), "r"));
	while (*n < 256 && fscanf(f, "%7s %63s %lld", m[*n].what, alias,
	    &m[*n].ns) == 3) {
		m[*n].k = strncmp(alias, "many-", 5) == 0 ? atoi(alias + 5) :
		    0;
		(*n)++;
	}
	fclose(f);
	return (m);
}

/*
 * From the processes' own marks after the roll began (from: lines
 * before it): never more than max instances down (from a "down" to
 * the next "ready" of its alias), and batch b + 1 (aliases in order,
 * max at a time) went down only after every member of batch b was
 * ready.
 */
static void
r_check_marks(struct daemon *d, int from, int max)
{
	struct mark	*m;
	long long	 ready_at[NINST + 1] = { 0 }, down_at[NINST + 1] = { 0 };
	int		 n, i, k, down = 0, most = 0, b;

	m = r_marks(d, &n);
	for (i = from; i < n; i++) {
		if (m[i].k < 1 || m[i].k > NINST)
			continue;
		if (strcmp(m[i].what, "down") == 0) {
			down_at[m[i].k] = m[i].ns;
			if (++down > most)
				most = down;
		} else if (strcmp(m[i].what, "ready") == 0) {
			ready_at[m[i].k] = m[i].ns;
			down--;
		}
	}
	if (most > max)
		fail_msg("%d instances were down at once (max_unavailable "
		    "%d)", most, max);
	for (k = 1; k <= NINST; k++)
		if (down_at[k] == 0 || ready_at[k] <= down_at[k]) {
			for (i = 0; i < n; i++)
				fprintf(stderr, "%s%s many-%d %lld\n",
				    i < from ? "(before) " : "", m[i].what,
				    m[i].k, m[i].ns);
			fail_msg("many-%d was not restarted (down %lld, ready "
			    "%lld)", k, down_at[k], ready_at[k]);
		}
	for (k = 1 + max; k <= NINST; k++) {
		b = (k - 1) / max;		/* its batch, from 0 */
		for (i = (b - 1) * max + 1; i <= b * max; i++)
			if (down_at[k] <= ready_at[i])
				fail_msg("many-%d (batch %d) went down before "
				    "many-%d (batch %d) was ready", k, b + 1,
				    i, b);
	}
}

/* The lines in DIR/times so far. */
static int
r_nmarks(struct daemon *d)
{
	int	 n;

	(void)r_marks(d, &n);
	return (n);
}

/* Wait (bounded) until DIR/times has at least want lines. */
static void
r_wait_marks(struct daemon *d, int want)
{
	long long	 end = t_ms() + T_WAIT_MS;

	while (r_nmarks(d) < want) {
		if (t_ms() > end)
			fail_msg("only %d marks of %d", r_nmarks(d), want);
		usleep(10000);
	}
}

/* Wait (bounded) until many-k has written what nth times. */
static void
r_wait_mark(struct daemon *d, const char *what, int k, int nth)
{
	struct mark	*m;
	long long	 end = t_ms() + T_WAIT_MS;
	int		 n, i, seen;

	for (;;) {
		m = r_marks(d, &n);
		for (i = seen = 0; i < n; i++)
			seen += m[i].k == k && strcmp(m[i].what, what) == 0;
		if (seen >= nth)
			return;
		if (t_ms() > end)
			fail_msg("many-%d wrote %s %d times, not %d", k, what,
			    seen, nth);
		usleep(10000);
	}
}

/* A roll of many, max at a time, by the protocol: its reply. */
static struct json *
r_roll(struct client *c, int max)
{
	return (cl_call(c, "restart", "{\"app\": \"many\", \"rolling\": "
	    "true, \"max_unavailable\": %d}", max));
}

/*
 * Begin a roll of many (one at a time) on c without reading its reply,
 * and wait until runnerd says batch (e.g. "batch 2 of 5") began: the tag.
 */
static long long
r_roll_until(struct daemon *d, struct client *c, const char *batch)
{
	long long	 tag;

	tag = cl_req(c, "restart", "{\"app\": \"many\", \"rolling\": true}");
	d_wait_log(d, d_fmt(d, "rolling restart of 'many': %s", batch));
	return (tag);
}

/* Every alias of the reply's list key, in order, space-separated. */
static char *
r_list(struct json *j, int ext, const char *key)
{
	struct buf	 b;
	int		 l, k, e;
	char		*s;

	buf_init(&b);
	l = j_type(j, ext, key, JSON_ARRAY);
	for (k = 0; k < json_len(j, l); k++) {
		e = json_at(j, l, k);
		s = json_type(j, e) == JSON_STRING ? json_str(j, e, NULL) :
		    json_str(j, json_get(j, e, "alias"), NULL);
		buf_printf(&b, "%s%s", k > 0 ? " " : "", s != NULL ? s : "?");
		free(s);
	}
	buf_addc(&b, '\0');
	return (d_keep(t_d, buf_take(&b)));
}

/* N = 1 and N = 2: each batch once the one before is ready; all new pids. */
static void
roll_batches(struct daemon *d, int max)
{
	struct client	*c = cl_open(d);
	struct json	*j;
	pid_t		 pids[NINST];
	int		 ext, from, k;

	r_start_all(d, c, pids);
	r_wait_marks(d, 2 * NINST);
	from = r_nmarks(d);
	j = r_roll(c, max);
	ext = j_ok(j);
	assert_string_equal(r_list(j, ext, "restarted"),
	    "many-1 many-2 many-3 many-4 many-5");
	assert_string_equal(r_list(j, ext, "failed"), "");
	assert_string_equal(r_list(j, ext, "untouched"), "");
	assert_int_equal(j_int(j, ext, "max_unavailable"), max);
	assert_int_equal(j_int(j, ext, "batches"), (NINST + max - 1) / max);
	r_check_marks(d, from, max);
	for (k = 0; k < NINST; k++)
		assert_int_not_equal(cl_pid_of(c, d_fmt(d, "many-%d", k + 1)),
		    pids[k]);
	d_wait_log(d, "rolling restart of 'many': done, 5 restarted");
	d_wait_log(d, "rolling restart of 'many': batch 1 of");
}

static void
t_roll_one_at_a_time(void **state)
{
	roll_batches(*state, 1);
}

static void
t_roll_two_at_a_time(void **state)
{
	roll_batches(*state, 2);
}

/*
 * The third instance's new process fails (marker: exits 1 before it is
 * ready, or never notifies): the roll stops, names it and why, and the
 * fourth and fifth keep their old processes.
 */
static const struct {
	const char	*marker;	/* DIR/MARKER-many-3 */
	const char	*code;		/* the reply's error */
	const char	*why;		/* in its message */
} roll_fails[] = {
	{ "exit",	"ESPAWN",	"exited with status 1 before it was ready" },
	{ "hang",	"ETIMEDOUT",	"many-3" },
	/* Its probe (told the alias in RUNNER_ALIAS) fails at once. */
	{ "sick",	"ESPAWN",	"but its health probe fails" },
};

static void
t_roll_third_fails(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;
	struct json	*j;
	pid_t		 pids[NINST];
	size_t		 f;
	char		*msg;
	int		 k;

	for (f = 0; f < sizeof(roll_fails) / sizeof(roll_fails[0]); f++) {
		c = cl_open(d);
		r_start_all(d, c, pids);
		/* sick: the old process (its pid in the file) passes. */
		d_file(d, d_fmt(d, "%s-many-3", roll_fails[f].marker),
		    strcmp(roll_fails[f].marker, "sick") == 0 ?
		    d_fmt(d, "%ld", (long)pids[2]) : "");
		j = r_roll(c, 1);
		msg = j_err(j, roll_fails[f].code);
		if (strstr(msg, roll_fails[f].why) == NULL ||
		    strstr(msg, "failed: 'many-3'") == NULL ||
		    strstr(msg, "restarted: 'many-1', 'many-2'") == NULL ||
		    strstr(msg, "untouched (their old processes run on): "
		    "'many-4', 'many-5'") == NULL)
			fail_msg("the message does not say what happened: %s",
			    msg);
		assert_int_not_equal(cl_pid_of(c, "many-1"), pids[0]);
		assert_int_not_equal(cl_pid_of(c, "many-2"), pids[1]);
		assert_int_equal(cl_pid_of(c, "many-4"), pids[3]);
		assert_int_equal(cl_pid_of(c, "many-5"), pids[4]);
		d_wait_log(d, "rolling restart of 'many' stopped at batch 3 "
		    "of 5");
		/* Back to five healthy instances for the next row. */
		unlink(d_fmt(d, "%s/%s-many-3", d->dir, roll_fails[f].marker));
		j = cl_call(c, "stop", "{\"all\": true}");
		j_ok(j);
		for (k = 1; k <= NINST; k++)
			j_ok(cl_call(c, "remove", "{\"alias\": \"many-%d\"}",
			    k));
		cl_close(c);
	}
}

/* max_unavailable out of bounds or not a whole number: EINVAL, no roll. */
static void
t_roll_bounds(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	pid_t		 pids[NINST];
	const char	*bad[] = { "0", "6", "-1", "\"x\"", "2.5", "true" };
	size_t		 k;
	char		*msg;

	r_start_all(d, c, pids);
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		j = cl_call(c, "restart", "{\"app\": \"many\", \"rolling\": "
		    "true, \"max_unavailable\": %s}", bad[k]);
		msg = j_err(j, "EINVAL");
		if (strstr(msg, "from 1 to 5") == NULL)
			fail_msg("max_unavailable %s: %s", bad[k], msg);
	}
	j = cl_call(c, "restart", "{\"app\": \"nosuch\", \"rolling\": true}");
	j_err(j, "ENOAPP");
	j = cl_call(c, "restart", "{\"aliases\": [\"many-1\", \"nosuch\"], "
	    "\"rolling\": true}");
	j_err(j, "ENOALIAS");
	j = cl_call(c, "restart", "{\"app\": \"many\", \"alias\": \"many-1\", "
	    "\"rolling\": true}");
	j_err(j, "EINVAL");
	j = cl_call(c, "restart", "{\"app\": \"one\", \"rolling\": true}");
	j_err(j, "ENOALIAS");		/* never started */
	for (k = 0; k < NINST; k++)
		assert_int_equal(cl_pid_of(c, d_fmt(d, "many-%zu", k + 1)),
		    pids[k]);
	/* runnerctl: the same refusals, exit 1; a word that is no number 2. */
	r_status(CTL(d, "restart", "many", "--rolling", "--max-unavailable",
	    "0"), 1);
	r_status(CTL(d, "restart", "many", "--rolling", "--max-unavailable",
	    "6"), 1);
	r_status(CTL(d, "restart", "many", "--rolling", "--max-unavailable",
	    "x"), 2);
	r_status(CTL(d, "restart", "many", "--max-unavailable", "2"), 2);
}

/*
 * A second roll of an app that rolls is refused, EEXIST; the first
 * goes on and is answered.
 */
static void
t_roll_twice(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *c2 = cl_open(d);
	struct json	*j;
	pid_t		 pids[NINST];
	long long	 tag;
	char		*msg;

	r_start_all(d, c, pids);
	tag = r_roll_until(d, c, "batch 1 of 5");
	j = cl_call(c2, "restart", "{\"app\": \"many\", \"rolling\": true}");
	msg = j_err(j, "EEXIST");
	assert_non_null(strstr(msg, "'many' is already rolling"));
	j = cl_call(c2, "restart", "{\"aliases\": [\"many-5\"], \"rolling\": "
	    "true}");
	j_err(j, "EEXIST");
	j = cl_reply_tag(c, tag);
	assert_string_equal(r_list(j, j_ok(j), "restarted"),
	    "many-1 many-2 many-3 many-4 many-5");
}

/* The client that asked leaves mid-roll: the roll goes on to its end. */
static void
t_roll_client_vanishes(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *c2;
	pid_t		 pids[NINST];
	int		 k;

	r_start_all(d, c, pids);
	(void)r_roll_until(d, c, "batch 2 of 5");
	cl_close(c);
	d_wait_log(d, "rolling restart of 'many': done, 5 restarted");
	c2 = cl_open(d);
	for (k = 0; k < NINST; k++)
		assert_int_not_equal(cl_pid_of(c2, d_fmt(d, "many-%d", k + 1)),
		    pids[k]);
}

/*
 * The reply of a roll whose many-2 and many-4 were not restarted (they
 * end stopped): the others restarted, skipped as said.
 */
static struct json *
r_reply_2_4(struct client *c, long long tag, const char *skipped)
{
	struct json	*j;
	int		 ext;

	j = cl_reply_tag(c, tag);
	ext = j_ok(j);
	assert_string_equal(r_list(j, ext, "restarted"),
	    "many-1 many-3 many-5");
	assert_string_equal(r_list(j, ext, "skipped"), skipped);
	assert_int_equal(cl_pid_of(c, "many-2"), 0);
	assert_int_equal(cl_pid_of(c, "many-4"), 0);
	return (j);
}

/*
 * Not running when the roll begins (stopped by hand): left alone and
 * listed; stopped during the roll, before its turn: skipped and said.
 */
static void
t_roll_stopped(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *c2 = cl_open(d);
	struct json	*j;
	pid_t		 pids[NINST];
	long long	 tag;

	r_start_all(d, c, pids);
	j_ok(cl_call(c, "stop", "{\"alias\": \"many-2\"}"));
	tag = r_roll_until(d, c, "batch 1 of 4");
	j_ok(cl_call(c2, "stop", "{\"alias\": \"many-4\"}"));
	j = r_reply_2_4(c, tag, "many-4");
	assert_string_equal(r_list(j, j_ok(j), "not_running"), "many-2");
}

/*
 * Stopped by hand during its own restart (its old process still going,
 * then its new one starting): stopped it stays, and the roll skips it
 * and goes on.
 */
static void
t_roll_stopped_busy(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *c2 = cl_open(d);
	pid_t		 pids[NINST];
	long long	 tag;

	r_start_all(d, c, pids);
	d_file(d, "linger-many-2", "");
	d_file(d, "slow-many-4", "");
	tag = r_roll_until(d, c, "batch 2 of 5");
	j_ok(cl_call(c2, "stop", "{\"alias\": \"many-2\"}"));
	r_wait_mark(d, "up", 4, 2);	/* its new process, not ready */
	j_ok(cl_call(c2, "stop", "{\"alias\": \"many-4\"}"));
	(void)r_reply_2_4(c, tag, "many-2 many-4");
}

/* A list of aliases rolls those only; a single-instance app: a restart. */
static void
t_roll_list_and_single(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	pid_t		 pids[NINST], one;
	int		 ext;

	r_start_all(d, c, pids);
	j = cl_call(c, "restart", "{\"aliases\": [\"many-4\", \"many-2\"], "
	    "\"rolling\": true, \"max_unavailable\": 2}");
	ext = j_ok(j);
	assert_string_equal(r_list(j, ext, "restarted"), "many-4 many-2");
	assert_true(json_type(j, json_get(j, ext, "app")) == JSON_NULL);
	assert_int_equal(cl_pid_of(c, "many-1"), pids[0]);
	assert_int_not_equal(cl_pid_of(c, "many-2"), pids[1]);
	assert_int_not_equal(cl_pid_of(c, "many-4"), pids[3]);

	one = cl_start(c, "one", "one");
	j = cl_call(c, "restart", "{\"app\": \"one\", \"rolling\": true}");
	ext = j_ok(j);
	assert_string_equal(r_list(j, ext, "restarted"), "one");
	assert_int_equal(j_int(j, ext, "batches"), 1);
	assert_int_not_equal(cl_pid_of(c, "one"), one);
}

/*
 * runnerctl restart --rolling: the summary, -v's lines, --json; a roll
 * that stops exits 1 naming the instance.
 */
static void
t_roll_ctl(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct run	*r;
	pid_t		 pids[NINST];

	r_start_all(d, c, pids);
	r = CTL(d, "restart", "many", "--rolling", "--max-unavailable", "2");
	r_status(r, 0);
	assert_string_equal(r->out, "many: 5 restarted, 2 at a time\n");
	r = CTL(d, "restart", "many", "--rolling", "-v");
	r_status(r, 0);
	if (strstr(r->out, "many-3 restarted (pid ") == NULL ||
	    strstr(r->out, "many: 5 restarted, 1 at a time\n") == NULL)
		fail_msg("-v: %s", r->out);
	r = CTL(d, "--json", "restart", "many", "--rolling");
	r_status(r, 0);
	assert_non_null(strstr(r->out, "\"restarted\":"));
	/* Aliases: those only. */
	r = CTL(d, "restart", "many-4", "many-2", "--rolling", "-v");
	r_status(r, 0);
	if (strstr(r->out, "many-4 restarted (pid ") == NULL ||
	    strstr(r->out, "many-2 restarted (pid ") == NULL ||
	    strstr(r->out, "many-1") != NULL ||
	    strstr(r->out, "\n2 restarted, 1 at a time\n") == NULL)
		fail_msg("aliases: %s", r->out);
	d_file(d, "exit-many-3", "");
	r = CTL(d, "restart", "many", "--rolling");
	r_status(r, 1);
	if (strstr(r->err, "failed: 'many-3'") == NULL ||
	    strstr(r->err, "'many-4', 'many-5'") == NULL)
		fail_msg("stderr: %s", r->err);
	/* Each roll is a restart request answered: counted in metrics. */
	r = CTL(d, "metrics");
	r_status(r, 0);
	if (strstr(r->out, "runner_requests_total{command=\"restart\","
	    "result=\"ok\"} 4\n") == NULL ||
	    strstr(r->out, "runner_requests_total{command=\"restart\","
	    "result=\"ESPAWN\"} 1\n") == NULL)
		fail_msg("metrics: %s", r->out);
}

/* At a terminal, a roll that takes over a second says it goes on. */
static void
t_roll_progress(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct ptyrun	*p;
	pid_t		 pids[NINST];

	r_start_all(d, c, pids);
	d_file(d, "slow-many-1", "");
	p = pty_spawn(d, NULL, "restart", "many", "--rolling", NULL);
	assert_true(pty_wait_for(p,
	    "runnerctl: restarting 'many', 1 at a time... 1s"));
	assert_int_equal(pty_finish(p), 0);
	assert_non_null(strstr(p->text, "\r\033[K"));
	assert_non_null(strstr(p->text, "many: 5 restarted, 1 at a time"));
}

/*
 * reload_strategy = "rolling": a reload that changes the command rolls
 * the app (the reply says so at once; the roll is logged), never more
 * than reload_max_unavailable down.
 */
static void
t_reload_rolling(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	struct run	*r;
	pid_t		 pids[NINST];
	size_t		 mark;
	int		 ext, from;

	d_file(d, "runner.conf", roll_conf(d, "reload_strategy = "
	    "\"rolling\"; reload_max_unavailable = 2;"));
	j_ok(cl_call(c, "reload", NULL));
	r_start_all(d, c, pids);
	r_wait_marks(d, 2 * NINST);
	from = r_nmarks(d);
	d_file(d, "runner.conf", roll_conf(d, "reload_strategy = "
	    "\"rolling\"; reload_max_unavailable = 2; env = { V = \"2\"; };"));
	j = cl_call(c, "reload", NULL);
	ext = j_ok(j);
	assert_string_equal(r_list(j, ext, "rolling"), "many");
	assert_string_equal(r_list(j, ext, "restarted"), "");
	d_wait_log(d, "rolling restart of 'many': done, 5 restarted");
	r_check_marks(d, from, 2);
	/* runnerctl reload says it rolls, and returns at once. */
	d_file(d, "runner.conf", roll_conf(d, "reload_strategy = "
	    "\"rolling\"; reload_max_unavailable = 2; env = { V = \"3\"; };"));
	mark = d_log_mark(d);
	r = CTL(d, "reload");
	r_status(r, 0);
	assert_non_null(strstr(r->out, "  rolling: many\n"));
	d_wait_log_from(d, mark, "rolling restart of 'many': done");
}

/*
 * runnerd shuts down mid-roll: the roll's client is told (EPERM, the
 * instance being restarted named), and runnerd exits cleanly.
 */
static void
t_roll_shutdown(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	pid_t		 pids[NINST];
	long long	 tag;
	char		*msg;

	r_start_all(d, c, pids);
	tag = r_roll_until(d, c, "batch 2 of 5");
	assert_int_equal(kill(d->pid, SIGTERM), 0);
	j = cl_reply_tag(c, tag);
	msg = j_err(j, "EPERM");
	if (strstr(msg, "runnerd is shutting down") == NULL ||
	    strstr(msg, "restarted: 'many-1'") == NULL)
		fail_msg("%s", msg);
	d_wait_exit(d);
	d_assert_clean_exit(d);
}

/*
 * A reload that changes an app rolling by hand (reload_strategy =
 * "rolling"): the first roll ends (EEXIST, saying why), the reload's
 * rolls every instance again, with the new command.
 */
static void
t_roll_reload_takes_over(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *c2 = cl_open(d);
	struct json	*j;
	pid_t		 pids[NINST];
	long long	 tag;
	char		*msg;
	int		 k;

	d_file(d, "runner.conf", roll_conf(d, "reload_strategy = "
	    "\"rolling\";"));
	j_ok(cl_call(c, "reload", NULL));
	r_start_all(d, c, pids);
	tag = r_roll_until(d, c, "batch 2 of 5");
	d_file(d, "runner.conf", roll_conf(d, "reload_strategy = "
	    "\"rolling\"; env = { V = \"2\"; };"));
	j = cl_call(c2, "reload", NULL);
	assert_string_equal(r_list(j, j_ok(j), "rolling"), "many");
	j = cl_reply_tag(c, tag);
	msg = j_err(j, "EEXIST");
	assert_non_null(strstr(msg, "a reload changed the app"));
	d_wait_log(d, "rolling restart of 'many': done, 5 restarted");
	for (k = 0; k < NINST; k++)
		assert_int_not_equal(cl_pid_of(c2, d_fmt(d, "many-%d", k + 1)),
		    pids[k]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_roll_one_at_a_time,
		    roll_setup, t_teardown),
		cmocka_unit_test_setup_teardown(t_roll_two_at_a_time,
		    roll_setup, t_teardown),
		cmocka_unit_test_setup_teardown(t_roll_third_fails,
		    roll_setup, t_teardown),
		cmocka_unit_test_setup_teardown(t_roll_bounds,
		    roll_setup, t_teardown),
		cmocka_unit_test_setup_teardown(t_roll_twice,
		    roll_setup, t_teardown),
		cmocka_unit_test_setup_teardown(t_roll_client_vanishes,
		    roll_setup, t_teardown),
		cmocka_unit_test_setup_teardown(t_roll_stopped,
		    roll_setup, t_teardown),
		cmocka_unit_test_setup_teardown(t_roll_stopped_busy,
		    roll_setup, t_teardown),
		cmocka_unit_test_setup_teardown(t_roll_list_and_single,
		    roll_setup, t_teardown),
		cmocka_unit_test_setup_teardown(t_roll_ctl,
		    roll_setup, t_teardown),
		cmocka_unit_test_setup_teardown(t_roll_progress,
		    roll_setup, t_teardown),
		cmocka_unit_test_setup_teardown(t_reload_rolling,
		    roll_setup, t_teardown),
		cmocka_unit_test_setup_teardown(t_roll_shutdown,
		    roll_setup, t_teardown),
		cmocka_unit_test_setup_teardown(t_roll_reload_takes_over,
		    roll_setup, t_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
