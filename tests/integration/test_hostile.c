/*
 * test_hostile.c: clients that mean harm, all against one runnerd: the
 * tests share it (a group fixture), so that what they leave behind adds
 * up.  Thousands of mutated request lines (mutate.h: random bytes,
 * truncated and deeply nested JSON, huge numbers, NULs, invalid UTF-8,
 * every field of every command given each wrong type, duplicate keys,
 * lines at and over PROTO_LINE_MAX), each of which must get exactly one
 * valid reply with a documented error code, while nothing but the starts
 * made on purpose starts anything; 200 clients stalled mid-line while
 * another is answered within a second; 500 clients at once; clients that
 * leave mid-attach or with replies pending.  The last test does it all a
 * second time, then runnerd must hold the descriptors it had at the
 * start and no more memory than after the first time (see RSS_*).
 *
 * The lines come from a seeded PRNG: the seed is printed, and
 * RUNNER_TEST_SEED=N makes the same lines again.
 */

#include <sys/resource.h>

#include "daemon.h"
#include "mutate.h"

#define N_LINES		3000	/* mutated lines per round */
#define BATCH		300	/* lines sent before their replies are read */
#define NCONN		3	/* connections a batch is spread over */
#define STALLED		200	/* clients stalled mid-line */
#define MANY		500	/* clients at once */
#define ATTACHERS	20	/* attached to a stream, leaving at random */
#define UNREAD		4	/* attached, never reading */
#define PIPELINERS	60	/* clients that leave with replies pending */
#define REPLY_MS	1000	/* the most a live client waits for a reply */
#define H_INPUT_MAX	(1024 * 1024)	/* runnerd's INPUT_MAX */

/*
 * Memory.  runnerd runs with malloc's mmap threshold at 0 (a glibc
 * tunable, in main): every allocation is a mapping of its own, returned
 * to the system when freed, so its RssAnon (heap and anonymous maps, not
 * libraries' pages) is what it holds, a page or more per live
 * allocation, without the free space a heap keeps and that made the
 * figure wander by megabytes from one round to the next.  The last test
 * does everything a second time, and runnerd must then hold no more
 * than RSS_ROUND_KB over what it held after the first (it grows a
 * little meanwhile: libev's arrays and the instance list reach new
 * high-water marks; under 150 kB here).  A round opens over 1000
 * connections and sends over 4000 requests: one allocation leaked per
 * connection would add 4 MiB, one per request 16 MiB.  RSS_TOTAL_KB
 * bounds the growth since the start (here: 312 kB to 650 kB).  Under
 * ASan its allocator and quarantine hold freed memory, so the figures
 * are printed but not checked (LeakSanitizer checks at runnerd's exit).
 */
#define RSS_ROUND_KB	512
#define RSS_TOTAL_KB	(2 * 1024)

static unsigned long long h_seed;	/* the PRNG's seed, for messages */
static int	 h_vstarted;		/* v1..vN started on purpose */
static int	 h_base_fds;		/* runnerd's, with sink1 and a probe */
static long	 h_rss0;		/* runnerd's RssAnon at the start */

/* The apps: cat; sink reads and discards; stream floods; silent hangs. */
static char *
h_conf(struct daemon *d)
{
	return (d_fmt(d,
	    "apps = {\n"
	    "  cat = { command = \"cat\"; restart = \"no\"; };\n"
	    "  sink = { command = [\"sh\", \"-c\", \"exec cat >/dev/null\"]; "
	    "restart = \"no\"; };\n"
	    "  stream = { command = [\"yes\", \"hostile stream line\"]; "
	    "restart = \"no\"; };\n"
	    "  silent = { command = \"sleep 300\"; restart = \"no\"; };\n"
	    "};\n"));
}

/* The group's runnerd, with sink1 (the target of writes) running. */
static int
h_setup(void **state)
{
	struct daemon	*d;
	struct client	*c;

	t_setup_bare(state);
	d = *state;
	d_start(d, h_conf(d));
	c = cl_open(d);
	cl_start(c, "sink", "sink1");
	cl_close(c);
	h_base_fds = d_fds_probe(d);
	h_rss0 = t_status_kb(d->pid, "RssAnon");
	return (0);
}

/* A request line for messages: printable, escaped, cut at 240 bytes. */
static const char *
h_show(const char *p, size_t len)
{
	static char	 out[1100];
	size_t		 k, o = 0;

	for (k = 0; k < len && k < 240; k++) {
		unsigned char	 u = (unsigned char)p[k];

		if (u >= 0x20 && u < 0x7f && u != '\\')
			out[o++] = (char)u;
		else
			o += (size_t)snprintf(out + o, 5, "\\x%02x", u);
	}
	if (k < len)
		o += (size_t)snprintf(out + o, 40, "... (%zu bytes)", len);
	out[o] = '\0';
	return (out);
}

/* Is code one of proto.h's? */
static int
h_known(const struct json *j, int v)
{
	size_t	 k;

	for (k = 0; k < NELEM(mut_codes); k++) {
		if (json_streq(j, v, mut_codes[k]))
			return (1);
	}
	return (0);
}

/*
 * Check reply against line k of b: a JSON object, ok or an error with a
 * documented code and a message, and what mutate.h said it must be.
 */
static void
h_check(const char *reply, const struct mbatch *b, int k)
{
	const struct mline	*m = &b->ml[k];
	const char		*req = buf_head(&b->text) + m->off;
	const char		*why = NULL;
	struct json		*j;
	char			 jwhy[256];
	long long		 tag;
	int			 ok, v;

	if ((j = json_parse(reply, strlen(reply), jwhy, sizeof(jwhy))) ==
	    NULL)
		fail_msg("invalid JSON (%s) in reply to %s: %.300s (seed "
		    "%llu)", jwhy, h_show(req, m->len), reply, h_seed);
	if (json_type(j, 0) != JSON_OBJECT || json_bool(j, json_get(j, 0,
	    "ok"), &ok) == -1)
		why = "not an object with a boolean ok";
	else if (ok && json_type(j, json_get(j, 0, "ext")) != JSON_OBJECT)
		why = "ok without an ext object";
	else if (!ok && !h_known(j, json_get(j, 0, "error")))
		why = "an error code proto.h does not list";
	else if (!ok && ((v = json_get(j, 0, "message")) == -1 ||
	    json_type(j, v) != JSON_STRING || json_streq(j, v, "")))
		why = "an error without a message";
	else if (m->want == M_OK && !ok)
		why = "an error where ok was due";
	else if (m->want == M_ERR && (ok || !json_streq(j, json_get(j, 0,
	    "error"), m->code)))
		why = m->code;
	else if (m->want != M_ANY && m->tagged && (json_int(j, json_get(j,
	    0, "tag"), &tag) == -1 || tag != m->tag))
		why = "not the request's tag";
	else if (m->want != M_ANY && !m->tagged && json_get(j, 0, "tag") !=
	    -1)
		why = "a tag where the request had none that could be read";
	if (why != NULL)
		fail_msg("reply to line %d, %s\n  is %.400s\n  want: %s (seed "
		    "%llu)", k, h_show(req, m->len), reply, why, h_seed);
	json_free(j);
}

/*
 * Send each batch on its connection, then check every reply in order.
 * Each batch ends with a hello: a line answered twice, or a reply to
 * nothing, would shift the replies after it onto the wrong lines.
 */
static void
h_exchange(struct client **c, struct mbatch *mb, int n)
{
	char	*line;
	int	 i, k;

	for (i = 0; i < n; i++) {
		mb_addf(&mb[i], M_OK, NULL, 1, 424242, "{\"tag\": 424242, "
		    "\"cmd\": \"hello\"}");
		cl_send(c[i], buf_head(&mb[i].text), buf_used(&mb[i].text));
	}
	for (i = 0; i < n; i++) {
		/*
		 * In order: none of these lines waits (a write holds the
		 * ones after it until it is done), so none overtakes.
		 */
		for (k = 0; k < mb[i].n; k++) {
			if ((line = cl_take(c[i], T_WAIT_MS)) == NULL)
				fail_msg("runnerd closed the connection after "
				    "%d of %d replies; the next request: %s "
				    "(seed %llu)", k, mb[i].n, h_show(
				    buf_head(&mb[i].text) + mb[i].ml[k].off,
				    mb[i].ml[k].len), h_seed);
			h_check(line, &mb[i], k);
			free(line);
		}
	}
}

/*
 * runnerd is well: a new client gets hello and status, status lists
 * sink1 and v1..vN and nothing else, every one running, and runnerd has
 * exactly those children (nothing started by garbage).
 */
static void
h_served(struct daemon *d)
{
	struct client	*c = cl_open(d);
	struct json	*j;
	char		 name[32];
	int		 a, k, e, n;

	j = cl_call(c, "hello", NULL);
	assert_int_equal(j_ok_int(j, "pid"), d->pid);
	j = cl_call(c, "status", NULL);
	a = j_type(j, j_ok(j), "instances", JSON_ARRAY);
	n = json_len(j, a);
	for (k = 0; k < n; k++) {
		e = json_at(j, a, k);
		if (json_streq(j, json_get(j, e, "alias"), "sink1"))
			continue;
		if (sscanf(j_str(j, e, "alias"), "v%31[0-9]", name) != 1 ||
		    atoi(name) < 1 || atoi(name) > h_vstarted)
			fail_msg("an instance nobody started on purpose: %.300s "
			    "(seed %llu)", json_raw(j, e, NULL), h_seed);
		if (!json_streq(j, json_get(j, e, "state"), "running"))
			fail_msg("not running: %.300s", json_raw(j, e, NULL));
	}
	if (n != 1 + h_vstarted)
		fail_msg("status lists %d instances, want sink1 and v1..v%d: "
		    "%.500s (seed %llu)", n, h_vstarted, json_raw(j, a, NULL),
		    h_seed);
	if ((k = t_procs(d->pid, 0, 0, NULL, 0)) != n)
		fail_msg("runnerd has %d children for %d instances", k, n);
	cl_close(c);
}

/* Stop and remove v1..vN (what the mutations started on purpose). */
static void
h_stop_v(struct daemon *d)
{
	struct client	*c = cl_open(d);
	struct buf	 b;
	struct json	*j;
	int		 k;

	if (h_vstarted > 0) {
		buf_init(&b);
		buf_adds(&b, "{\"aliases\": [");
		for (k = 1; k <= h_vstarted; k++)
			buf_printf(&b, "%s\"v%d\"", k > 1 ? ", " : "", k);
		buf_adds(&b, "]}");
		j = cl_call(c, "stop", "%s", buf_cstr(&b));
		assert_int_equal(json_len(j, j_type(j, j_ok(j), "stopped",
		    JSON_ARRAY)), h_vstarted);
		/* Stopped, they stay listed (protocol 7): forget them. */
		j_ok(cl_call(c, "remove", "%s", buf_cstr(&b)));
		buf_free(&b);
	}
	h_vstarted = 0;
	cl_close(c);
}

/* Each test starts clean of what a failed one may have left. */
static void
h_begin(struct daemon *d)
{
	cl_close_all(d);
	h_stop_v(d);
}

/* A line of exactly PROTO_LINE_MAX is taken; one byte more is refused. */
static void
h_line_limits(struct daemon *d)
{
	struct client	*c = cl_open(d);
	struct json	*j;
	char		*line, *s;
	size_t		 n;
	int		 replies = 0;

	assert_non_null(line = malloc(PROTO_LINE_MAX + 2));
	n = (size_t)snprintf(line, 64, "{\"tag\": 1, \"cmd\": \"hello\"}");
	memset(line + n, ' ', PROTO_LINE_MAX + 1 - n);
	line[PROTO_LINE_MAX] = '\n';
	cl_send(c, line, PROTO_LINE_MAX + 1);
	j_ok(cl_reply_tag(c, 1));
	j_ok(cl_call(c, "hello", NULL));	/* and it goes on */
	cl_close(c);

	c = cl_open(d);
	line[PROTO_LINE_MAX] = ' ';
	line[PROTO_LINE_MAX + 1] = '\n';
	(void)cl_send_try(c, line, PROTO_LINE_MAX + 2);
	while ((s = cl_take(c, T_WAIT_MS)) != NULL) {
		assert_non_null(j = json_parse(s, strlen(s), NULL, 0));
		d_keepj(d, j);
		j_err(j, "EPROTO");
		replies++;
		free(s);
	}
	assert_int_equal(replies, 1);
	cl_close(c);
	free(line);
}

/* Thousands of mutated lines in batches, then every wrong type. */
static void
h_mutations(struct daemon *d, int nlines)
{
	struct mbatch	 mb[NCONN];
	struct client	*c[NCONN];
	long long	 t0 = t_ms();
	int		 sent, i, k, nwrong, nreq = 0;

	for (sent = 0; sent < nlines; sent += BATCH) {
		for (i = 0; i < NCONN; i++) {
			mb_init(&mb[i]);
			c[i] = cl_open(d);
		}
		for (k = 0; k < BATCH; k++)
			mut_add(&mb[k % NCONN], &h_vstarted);
		h_exchange(c, mb, NCONN);
		for (i = 0; i < NCONN; i++) {
			nreq += mb[i].n;
			mb_free(&mb[i]);
			cl_close(c[i]);
		}
		h_served(d);
	}
	mb_init(&mb[0]);
	c[0] = cl_open(d);
	mut_wrong(&mb[0]);
	nwrong = mb[0].n;
	h_exchange(c, mb, 1);
	nreq += mb[0].n;
	print_message("%d request lines (%d of them wrong types), %d starts "
	    "on purpose, in %lld ms\n", nreq, nwrong, h_vstarted,
	    t_ms() - t0);
	mb_free(&mb[0]);
	cl_close(c[0]);
	h_served(d);
	h_line_limits(d);
	h_served(d);
	h_stop_v(d);
	d_fds_settle(d, h_base_fds);
}

/*
 * Clients stalled mid-line: each holds half a request.  Another client
 * is answered within REPLY_MS every time; then half of the stalled ones
 * finish their line and are answered, and the rest leave.
 */
static void
h_stalled(struct daemon *d)
{
	struct client	*st[STALLED], *live;
	long long	 t0, dt, worst = 0;
	int		 i;

	for (i = 0; i < STALLED; i++) {
		st[i] = cl_open_wait(d);
		cl_sendf(st[i], "{\"tag\": %d, \"cmd\": \"sta", i);
	}
	live = cl_open_wait(d);
	for (i = 0; i < 100; i++) {
		t0 = t_ms();
		j_ok(cl_call(live, i % 2 ? "status" : "hello", NULL));
		if ((dt = t_ms() - t0) > worst)
			worst = dt;
		if (dt > REPLY_MS)
			fail_msg("a reply took %lld ms beside %d stalled "
			    "clients", dt, STALLED);
	}
	print_message("beside %d stalled clients: slowest of 100 replies "
	    "%lld ms\n", STALLED, worst);
	for (i = 0; i < STALLED; i += 2)
		cl_sendf(st[i], "tus\"}\n");
	for (i = 0; i < STALLED; i++) {
		if (i % 2 == 0)
			j_ok(cl_reply_tag(st[i], i));
		cl_close(st[i]);
	}
	cl_close(live);
	d_fds_settle(d, h_base_fds);
}

/* MANY clients connected at once, each asking, every one answered. */
static void
h_many(struct daemon *d)
{
	static struct client	*c[MANY];
	static long long	 tags[MANY];
	struct rlimit		 rl;
	int			 i, fds;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < MANY + 64) {
		print_message("RLIMIT_NOFILE is %llu: too low for %d clients\n",
		    (unsigned long long)rl.rlim_cur, MANY);
		skip();
	}
	for (i = 0; i < MANY; i++)
		c[i] = cl_open_wait(d);
	for (i = 0; i < MANY; i++)
		tags[i] = cl_req(c[i], i % 3 == 0 ? "hello" : i % 3 == 1 ?
		    "status" : "apps", NULL);
	for (i = MANY - 1; i >= 0; i--)
		j_ok(cl_reply_tag(c[i], tags[i]));
	/* All of them at once, really: runnerd holds them all. */
	fds = t_fd_count(d->pid);
	if (fds < h_base_fds + MANY - 1)
		fail_msg("runnerd has %d descriptors with %d clients (%d "
		    "before)", fds, MANY, h_base_fds);
	for (i = 0; i < MANY; i++)
		cl_close(c[i]);
	d_fds_settle(d, h_base_fds);
}

/* Read what c has for up to max bytes or ms; the count (discarded). */
static size_t
h_drain(struct client *c, size_t max, int ms)
{
	long long	 end = t_ms() + ms;
	size_t		 got = 0;
	ssize_t		 n;

	while (got < max && !c->eof) {
		if ((n = cl_fill(c, (int)(end - t_ms()) > 0 ? (int)(end -
		    t_ms()) : 0)) <= 0)
			break;
		got += (size_t)n;
		buf_reset(&c->in);
	}
	return (got);
}

/*
 * Wait until runnerd has taken and forgotten every connection made
 * before now (they are closed): a new client is answered only once
 * runnerd has accepted those before it, and then its count of
 * descriptors comes back to fds.
 */
static void
h_sync(struct daemon *d, int fds)
{
	struct client	*c = cl_open_wait(d);
	long long	 end = t_ms() + T_WAIT_MS;

	j_ok(cl_call(c, "hello", NULL));
	cl_close(c);
	while (t_fd_count(d->pid) != fds) {
		if (t_ms() > end)
			fail_msg("runnerd has %d descriptors, not %d:\n%s",
			    t_fd_count(d->pid), fds, t_fd_list(d, d->pid));
		usleep(5000);
	}
}

/* A hello on c, answered within REPLY_MS. */
static void
h_prompt(struct client *c, const char *when)
{
	long long	 t0 = t_ms(), dt;

	j_ok(cl_call(c, "hello", NULL));
	if ((dt = t_ms() - t0) > REPLY_MS)
		fail_msg("hello took %lld ms %s", dt, when);
}

/*
 * Clients that leave mid-attach: from a stream after reading some or
 * none of it, with output piled up unread (which had paused the stream
 * for everyone), with input the instance never reads, after a
 * half-close, before the attach's reply, and holding a direct channel.
 */
static void
h_vanish_attach(struct daemon *d)
{
	struct client	*ctl = cl_open(d), *a[ATTACHERS], *u[UNREAD], *r, *x;
	struct json	*j;
	char		*chunk;
	size_t		 got, total = 0;
	long long	 end;
	pid_t		 st, ec, si;
	int		 i, left, fds, nread = 0;

	st = cl_start(ctl, "stream", "st1");
	ec = cl_start(ctl, "cat", "ec1");
	si = cl_start(ctl, "silent", "si1");

	/* Attached to a stream, each leaving at a random moment. */
	for (i = 0; i < ATTACHERS; i++) {
		a[i] = cl_open(d);
		j_ok(cl_call(a[i], "attach", "{\"alias\": \"st1\"}"));
	}
	for (left = ATTACHERS; left > 0; ) {
		for (i = 0; i < ATTACHERS; i++) {
			if (a[i] == NULL)
				continue;
			if (mut_n(4) != 0) {
				got = h_drain(a[i], mut_n(256 * 1024), 20);
				total += got;
				nread += got > 0;
			}
			if (mut_n(3) == 0) {
				cl_close(a[i]);
				a[i] = NULL;
				left--;
			}
		}
		h_prompt(ctl, "beside attached clients");
	}
	if (nread == 0 || total == 0)
		fail_msg("no attached client got any of the stream");

	/*
	 * Unread output: UNREAD attached clients never read, so runnerd
	 * holds CLIENT_OUT_MAX for each and then stops reading the stream,
	 * for r too.  Once they leave, r gets the stream again.
	 */
	for (i = 0; i < UNREAD; i++) {
		u[i] = cl_open(d);
		j_ok(cl_call(u[i], "attach", "{\"alias\": \"st1\"}"));
	}
	r = cl_open(d);
	j_ok(cl_call(r, "attach", "{\"alias\": \"st1\"}"));
	got = 0;
	while ((total = h_drain(r, 1 << 20, 300)) > 0)
		got += total;		/* until the stream stops for r */
	print_message("a reader got %zu kB of the stream before it stalled "
	    "beside %d attached clients that read nothing\n", got / 1024,
	    UNREAD);
	h_prompt(ctl, "with output piled up for attached clients");
	for (i = 0; i < UNREAD; i++)
		cl_close(u[i]);
	if ((got = h_drain(r, 1 << 20, T_WAIT_MS)) < 1 << 20)
		fail_msg("after the clients that read nothing left, the "
		    "stream gave %zu bytes in %d ms", got, T_WAIT_MS);
	cl_close(r);

	/* Input the instance never reads, then gone while it is pending. */
	x = cl_open(d);
	j_ok(cl_call(x, "attach", "{\"alias\": \"si1\"}"));
	assert_non_null(chunk = calloc(1, 65536));
	for (got = 0; got < 8 << 20; got += 65536) {
		if (send(x->fd, chunk, 65536, MSG_NOSIGNAL | MSG_DONTWAIT) <=
		    0 && fd_wait(x->fd, POLLOUT, clock_now() + 0.2) != 1)
			break;
	}
	free(chunk);
	assert_true(got >= H_INPUT_MAX);
	cl_close(x);
	h_prompt(ctl, "after a client left input pending");

	/* Gone before the attach's reply; and gone holding the channel. */
	fds = t_fd_count(d->pid);
	for (i = 0; i < 10; i++) {
		x = cl_open(d);
		cl_req(x, "attach", "{\"alias\": \"%s\"}", i % 2 ? "st1" :
		    "ec1");
		cl_close(x);
	}
	x = cl_open(d);
	cl_req(x, "direct", "{\"alias\": \"ec1\"}");
	cl_close(x);
	/*
	 * They are gone before ec1 says a word: said to a client still
	 * attached, it would go to that client (and be lost with it).
	 */
	h_sync(d, fds);
	/* runnerd takes the channel back (EPERM while it has not yet). */
	for (end = t_ms() + T_WAIT_MS;; usleep(10000)) {
		j = cl_call(ctl, "write", "{\"alias\": \"ec1\", \"text\": "
		    "\"back\\n\"}");
		if (!json_streq(j, json_get(j, 0, "error"), "EPERM"))
			break;
		if (t_ms() > end)
			fail_msg("ec1's channel was not taken back");
	}
	j_ok(j);
	cl_read_expect(ctl, "ec1", "back\n", 5);

	/*
	 * Half-closed: that is cat's end of input (protocol 6), so its echo
	 * comes back, then cat ends and the attach with it.  (Last: ec1 is
	 * gone after this.)
	 */
	x = cl_open(d);
	j_ok(cl_call(x, "attach", "{\"alias\": \"ec1\"}"));
	cl_send(x, "half\n", 5);
	assert_int_equal(shutdown(x->fd, SHUT_WR), 0);
	while (cl_fill(x, T_WAIT_MS) > 0)
		;
	assert_true(x->eof);
	assert_int_equal(buf_used(&x->in), 5);
	assert_memory_equal(buf_head(&x->in), "half\n", 5);
	cl_close(x);
	assert_false(t_alive(ec));

	/* Each other instance is as it was, and stops when told. */
	assert_true(t_alive(st) && t_alive(si));
	j_ok(cl_call(ctl, "stop", "{\"aliases\": [\"st1\", \"ec1\", "
	    "\"si1\"]}"));
	assert_false(t_alive(st) || t_alive(ec) || t_alive(si));
	/* Listed as ended (protocol 7) until removed. */
	j_ok(cl_call(ctl, "remove", "{\"aliases\": [\"st1\", \"ec1\", "
	    "\"si1\"]}"));
	cl_close(ctl);
	d_fds_settle(d, h_base_fds);
}

/*
 * Clients that send a pile of requests and leave without reading: after
 * sending, in the middle of a line, after a half-close, after reading a
 * few replies.  Some of the requests wait (read with a wait, a write).
 */
static void
h_vanish_pending(struct daemon *d)
{
	static const char *const reqs[] = {
		"{\"tag\": @, \"cmd\": \"hello\"}",
		"{\"tag\": @, \"cmd\": \"status\"}",
		"{\"tag\": @, \"cmd\": \"apps\"}",
		"{\"tag\": @, \"cmd\": \"read\", \"ext\": {\"alias\": "
		    "\"sink1\", \"wait\": 0.2}}",
		"{\"tag\": @, \"cmd\": \"write\", \"ext\": {\"alias\": "
		    "\"sink1\", \"text\": \"pending\\n\"}}",
		"{\"tag\": @, \"cmd\": \"logs\", \"ext\": {\"alias\": "
		    "\"sink1\"}}",
		"{\"tag\": @, \"cmd\": \"frobnicate\"}",
		"{\"tag\": @, not json",
	};
	struct client	*c, *ctl = cl_open(d);
	struct buf	 b;
	size_t		 len;
	int		 i, k;

	buf_init(&b);
	for (i = 0; i < PIPELINERS; i++) {
		buf_reset(&b);
		for (k = 0; k < 100; k++) {
			mut_fill(&b, reqs[mut_n(NELEM(reqs))], k);
			buf_addc(&b, '\n');
		}
		c = cl_open(d);
		len = buf_used(&b);
		if (i % 4 == 1)
			len = mut_n((unsigned)len);	/* mid-line */
		cl_send(c, buf_head(&b), len);
		if (i % 4 == 2)
			assert_int_equal(shutdown(c->fd, SHUT_WR), 0);
		if (i % 4 == 3)
			free(cl_take(c, T_WAIT_MS));
		cl_close(c);
		if (i % 10 == 0)
			h_prompt(ctl, "beside clients that left");
	}
	buf_free(&b);
	cl_close(ctl);
	d_fds_settle(d, h_base_fds);
	d_no_zombies(d);
}

static void
test_mutations(void **state)
{
	h_begin(*state);
	h_mutations(*state, N_LINES);
}

static void
test_stalled_mid_line(void **state)
{
	h_begin(*state);
	h_stalled(*state);
}

static void
test_many_at_once(void **state)
{
	h_begin(*state);
	h_many(*state);
}

static void
test_vanish_mid_attach(void **state)
{
	h_begin(*state);
	h_vanish_attach(*state);
}

static void
test_vanish_replies_pending(void **state)
{
	h_begin(*state);
	h_vanish_pending(*state);
}

/*
 * Everything again: descriptors back to where they were at the start,
 * and memory no higher than after the first time (RSS_*).
 */
static void
test_second_round_no_growth(void **state)
{
	struct daemon	*d = *state;
	long		 rss1, rss2;

	h_begin(d);
	d_fds_settle(d, h_base_fds);
	rss1 = t_status_kb(d->pid, "RssAnon");
	h_mutations(d, N_LINES);
	h_stalled(d);
	h_many(d);
	h_vanish_attach(d);
	h_vanish_pending(d);
	d_fds_settle(d, h_base_fds);
	h_served(d);
	rss2 = t_status_kb(d->pid, "RssAnon");
	print_message("runnerd's RssAnon: %ld kB at the start, %ld after a "
	    "round, %ld after two; %d descriptors as at the start\n", h_rss0,
	    rss1, rss2, h_base_fds);
	if (T_ASAN) {
		print_message("(ASan's quarantine holds freed memory: not "
		    "checked)\n");
		return;
	}
	if (rss2 - rss1 > RSS_ROUND_KB)
		fail_msg("runnerd grew by %ld kB in the second round (bound "
		    "%d kB)", rss2 - rss1, RSS_ROUND_KB);
	if (rss2 - h_rss0 > RSS_TOTAL_KB)
		fail_msg("runnerd grew by %ld kB in all (bound %d kB)",
		    rss2 - h_rss0, RSS_TOTAL_KB);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_stalled_mid_line),
		cmocka_unit_test(test_many_at_once),
		cmocka_unit_test(test_vanish_mid_attach),
		cmocka_unit_test(test_vanish_replies_pending),
		cmocka_unit_test(test_second_round_no_growth),
	};
	struct rlimit	 rl;
	const char	*s;

	/* runnerd's memory, counted by the page (RSS_ROUND_KB). */
	setenv("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=0", 1);
	/* Room for MANY clients here and in runnerd, which inherits it. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096) {
		rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if ((s = getenv("RUNNER_TEST_SEED")) != NULL && *s != '\0')
		h_seed = strtoull(s, NULL, 10);
	else
		h_seed = (unsigned long long)time(NULL) ^
		    (unsigned long long)getpid() << 16;
	mut_seed(h_seed);
	printf("test_hostile: seed %llu (RUNNER_TEST_SEED=%llu makes the "
	    "same lines)\n", h_seed, h_seed);
	fflush(stdout);
	return (cmocka_run_group_tests(tests, h_setup, t_teardown));
}
