/*
 * metrics.c: runnerd's metrics in the Prometheus text format, for the
 * metrics command (runnerctl metrics, node_exporter's textfile
 * collector) and the HTTP endpoint (metrics_http.c), both built here
 * from the same data status shows (cmd_query.c's sources: the instance,
 * restart.c, relay.c, capture.c, health.c), at the time they are asked.
 * lib/prom.c writes the syntax.  Also the few counters status has no
 * use for: requests answered by command and result, and the loop's lag.
 *
 * Requests are counted when answered, by a context: cmd.c's dispatch
 * and waiter.c's answers say which command they handle (metrics_enter),
 * and control.c's reply_ok and reply_err count the first reply made in
 * it (metrics_answered).  The command label is always one of the
 * table's names ("unknown" for the rest, "invalid" for a line that is
 * not a request): a client cannot make up series.
 *
 * The loop's lag is how long one turn of the loop spent handling events
 * before it went back to wait: the longest delay an event (a request, a
 * child's exit, a scrape) could have met.  An ev_check watcher notes
 * when a turn's work begins and an ev_prepare when it ends, which costs
 * one clock read a turn and no wakeup when runnerd is idle; the gauge is
 * the longest turn of the last LAG_WINDOW to 2 LAG_WINDOW seconds.
 */

#include <sys/resource.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerd.h"

#define LAG_WINDOW	10.0		/* seconds */
#define NSTATES		(INST_WAITING + 1)

/* A requests_total series: a command and its result. */
struct reqcount {
	const char	*cmd;		/* static: a table name */
	const char	*result;	/* "ok" or a code's name (static) */
	uint64_t	 n;
};

static struct {
	struct reqcount	*req;
	size_t		 nreq;
	const char	*cur;		/* the command being answered */
	ev_prepare	 prepare;
	ev_check	 check;
	double		 turn;		/* ev_now when this turn's work began */
	double		 lag, lag_prev;	/* longest turn: this window, last */
	double		 lag_since;	/* this window's start */
	double		 started;	/* runnerd's start, epoch seconds */
} m;

static void	 lag_rotate(double);
static void	 lag_check_cb(struct ev_loop *, ev_check *, int);
static void	 lag_prepare_cb(struct ev_loop *, ev_prepare *, int);
static double	 proc_rss(void);
static int	 proc_fds(void);
static void	 metrics_instances(struct buf *);
static void	 metrics_runnerd(struct buf *);
static void	 metrics_process(struct buf *);

/* Start the lag watchers; once, with the loop. */
void
metrics_init(void)
{
	m.started = ev_time();
	m.lag_since = ev_now(server.loop);
	ev_check_init(&m.check, lag_check_cb);
	ev_set_priority(&m.check, EV_MAXPRI);	/* before any work */
	ev_check_start(server.loop, &m.check);
	ev_prepare_init(&m.prepare, lag_prepare_cb);
	ev_prepare_start(server.loop, &m.prepare);
}

/* runnerd exits. */
void
metrics_free(void)
{
	ev_check_stop(server.loop, &m.check);
	ev_prepare_stop(server.loop, &m.prepare);
	free(m.req);
	m.req = NULL;
	m.nreq = 0;
}

/* Move to a new window when this one is over. */
static void
lag_rotate(double now)
{
	if (now - m.lag_since < LAG_WINDOW)
		return;
	/* A window with no turn at all left nothing to say. */
	m.lag_prev = now - m.lag_since < 2 * LAG_WINDOW ? m.lag : 0;
	m.lag = 0;
	m.lag_since = now;
}

static void
lag_check_cb(struct ev_loop *loop, ev_check *w, int revents)
{
	(void)w;
	(void)revents;
	m.turn = ev_now(loop);	/* updated right after the wait */
}

static void
lag_prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	double	 busy;

	(void)loop;
	(void)w;
	(void)revents;
	if (m.turn == 0)
		return;
	busy = ev_time() - m.turn;
	lag_rotate(m.turn);
	if (busy > m.lag)
		m.lag = busy;
}

/*
 * The command now handled (a table name, "unknown" or "invalid"), or
 * NULL; returns the one before, for metrics_leave.
 */
const char *
metrics_enter(const char *cmd)
{
	const char	*prev = m.cur;

	m.cur = cmd;
	return (prev);
}

/* Back to the context before metrics_enter. */
void
metrics_leave(const char *prev)
{
	m.cur = prev;
}

/* The command being handled now, or NULL (waiter.c keeps it). */
const char *
metrics_current(void)
{
	return (m.cur);
}

/*
 * A reply with code (0: ok) is made: counted when a request is being
 * handled and it is the request's first reply.
 */
void
metrics_answered(int code)
{
	const char	*result = code == 0 ? "ok" : runner_code_name(code);
	struct reqcount	*r;
	size_t		 k;

	if (m.cur == NULL)
		return;
	for (k = 0; k < m.nreq; k++) {
		if (m.req[k].cmd == m.cur && m.req[k].result == result) {
			m.req[k].n++;
			goto out;
		}
	}
	/* Out of memory: one count lost, nothing else. */
	if ((r = reallocarray(m.req, m.nreq + 1, sizeof(*r))) != NULL) {
		m.req = r;
		m.req[m.nreq++] = (struct reqcount){ m.cur, result, 1 };
	}
out:
	m.cur = NULL;
}

/* Resident memory in bytes (/proc/self/statm), or -1. */
static double
proc_rss(void)
{
	unsigned long	 size, rss;
	FILE		*f;
	int		 n;

	if ((f = fopen("/proc/self/statm", "re")) == NULL)
		return (-1);
	n = fscanf(f, "%lu %lu", &size, &rss);
	fclose(f);
	return (n == 2 ? (double)rss * (double)sysconf(_SC_PAGESIZE) : -1);
}

/* Descriptors open (/proc/self/fd, less the one reading it), or -1. */
static int
proc_fds(void)
{
	DIR	*d;
	int	 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return (-1);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return (n - 3);		/* ".", ".." and d's own */
}

/* Per instance, each family whole: the format wants a family together. */
static void
metrics_instances(struct buf *b)
{
	struct inst	*i;
	const char	*l[8];
	size_t		 k;
	int		 s, st;

	l[0] = "app";
	l[2] = "alias";
	l[4] = NULL;
#define EACH(body)	for (k = 0; k < server.ninsts; k++) {		\
				i = server.insts[k];			\
				l[1] = i->app->name;			\
				l[3] = i->alias;			\
				body;					\
			}
	prom_family(b, "runner_instance_up", "gauge",
	    "1 when the instance has a process, 0 when not");
	EACH(prom_sample(b, "runner_instance_up", l, i->pid > 0));
	prom_family(b, "runner_instance_state", "gauge",
	    "the instance's state: 1 in the series of its state, 0 in the "
	    "others");
	l[4] = "state";
	l[6] = NULL;
	EACH(for (s = 0; s < NSTATES; s++) {
		l[5] = inst_state_name(s);
		prom_sample(b, "runner_instance_state", l, i->state ==
		    (enum inst_state)s);
	});
	prom_family(b, "runner_instance_health", "gauge",
	    "an instance with a health probe: 1 in the series of its "
	    "verdict (starting, healthy, unhealthy), 0 in the others");
	EACH(if (APP_HAS_HEALTH(i->app)) {
		for (s = HEALTH_STARTING; s <= HEALTH_UNHEALTHY; s++) {
			l[5] = health_state_name(s);
			prom_sample(b, "runner_instance_health", l,
			    health_state(i) == (enum health_state)s);
		}
	});
	l[4] = NULL;
	prom_family(b, "runner_instance_ready", "gauge",
	    "1 when the instance runs and is ready (its ready setting)");
	EACH(prom_sample(b, "runner_instance_ready", l,
	    i->state == INST_RUNNING));
	prom_family(b, "runner_instance_start_time_seconds", "gauge",
	    "when the instance's process started, seconds since the epoch "
	    "(an instance with a process only)");
	EACH(if (i->pid > 0)
		prom_sample(b, "runner_instance_start_time_seconds", l,
		    i->restart.started_at));
	prom_family(b, "runner_instance_restarts_total", "counter",
	    "restarts of the instance since it was started by hand");
	EACH(prom_sample(b, "runner_instance_restarts_total", l,
	    i->restart.restarts));
	prom_family(b, "runner_instance_last_exit_code", "gauge",
	    "the exit status of the instance's last process, when it "
	    "exited (not killed)");
	EACH(st = i->end.last_status;
	    if (i->end.exited && (st == -1 || WIFEXITED(st)))
		prom_sample(b, "runner_instance_last_exit_code", l,
		    st == -1 ? -1 : WEXITSTATUS(st)));
	prom_family(b, "runner_instance_last_exit_signal", "gauge",
	    "the signal that killed the instance's last process, when one "
	    "did");
	EACH(st = i->end.last_status;
	    if (i->end.exited && st != -1 && WIFSIGNALED(st))
		prom_sample(b, "runner_instance_last_exit_signal", l,
		    WTERMSIG(st)));
	prom_family(b, "runner_instance_buffered_bytes", "gauge",
	    "output held for readers (read, the next attach)");
	EACH(prom_sample(b, "runner_instance_buffered_bytes", l,
	    (double)relay_buffered(i)));
	prom_family(b, "runner_instance_dropped_bytes_total", "counter",
	    "output the overflow policy dropped");
	/* relay.c's own counter; read, never written, here as in status. */
	EACH(prom_sample(b, "runner_instance_dropped_bytes_total", l,
	    (double)i->relay.dropped));
	prom_family(b, "runner_instance_input_lost_bytes_total", "counter",
	    "input bytes that never reached the instance");
	EACH(prom_sample(b, "runner_instance_input_lost_bytes_total", l,
	    (double)relay_lost(i)));
	prom_family(b, "runner_instance_log_dropped_bytes_total", "counter",
	    "log bytes its log file did not take (a full disk, a FIFO "
	    "nobody reads)");
	EACH(prom_sample(b, "runner_instance_log_dropped_bytes_total", l,
	    (double)capture_log_dropped(i)));
#undef EACH
}

/* runnerd's own: instances by state, clients, requests, lag. */
static void
metrics_runnerd(struct buf *b)
{
	const char	*l[5] = { "state", NULL, NULL };
	size_t		 k, n[NSTATES] = { 0 };
	int		 s;

	prom_family(b, "runner_build_info", "gauge",
	    "runnerd's version and protocol, as labels; the value is 1");
	{
		char	 proto[16];

		snprintf(proto, sizeof(proto), "%d", PROTO_VERSION);
		prom_sample(b, "runner_build_info", (const char *[]){
		    "version", RUNNER_VERSION, "protocol", proto, NULL }, 1);
	}
	for (k = 0; k < server.ninsts; k++)
		n[server.insts[k]->state]++;
	prom_family(b, "runner_instances", "gauge",
	    "instances listed, by state");
	for (s = 0; s < NSTATES; s++) {
		l[1] = inst_state_name(s);
		prom_sample(b, "runner_instances", l, (double)n[s]);
	}
	prom_family(b, "runner_clients", "gauge",
	    "clients connected to the control socket");
	prom_sample(b, "runner_clients", NULL, (double)server.nclients);
	prom_family(b, "runner_requests_total", "counter",
	    "requests answered, by command and result (ok, or the error's "
	    "code)");
	for (k = 0; k < m.nreq; k++)
		prom_sample(b, "runner_requests_total", (const char *[]){
		    "command", m.req[k].cmd, "result", m.req[k].result, NULL },
		    (double)m.req[k].n);
	lag_rotate(ev_now(server.loop));
	prom_family(b, "runner_loop_lag_seconds", "gauge",
	    "the longest turn of runnerd's loop in the last 10 to 20 "
	    "seconds: how late an event could be handled");
	prom_sample(b, "runner_loop_lag_seconds", NULL, m.lag > m.lag_prev ?
	    m.lag : m.lag_prev);
}

/* The process collector's names, as every Prometheus client has them. */
static void
metrics_process(struct buf *b)
{
	struct rlimit	 rl;
	struct rusage	 ru;
	double		 v;

	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		prom_family(b, "process_cpu_seconds_total", "counter",
		    "user and system CPU time runnerd spent, in seconds");
		prom_sample(b, "process_cpu_seconds_total", NULL,
		    ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
		    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	}
	if ((v = proc_fds()) >= 0) {
		prom_family(b, "process_open_fds", "gauge",
		    "descriptors runnerd has open");
		prom_sample(b, "process_open_fds", NULL, v);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY) {
		prom_family(b, "process_max_fds", "gauge",
		    "runnerd's limit of open descriptors");
		prom_sample(b, "process_max_fds", NULL, (double)rl.rlim_cur);
	}
	if ((v = proc_rss()) >= 0) {
		prom_family(b, "process_resident_memory_bytes", "gauge",
		    "runnerd's resident memory, in bytes");
		prom_sample(b, "process_resident_memory_bytes", NULL, v);
	}
	prom_family(b, "process_start_time_seconds", "gauge",
	    "when runnerd started, seconds since the epoch");
	prom_sample(b, "process_start_time_seconds", NULL, m.started);
}

/* The whole exposition into b: complete and valid on its own. */
void
metrics_text(struct buf *b)
{
	metrics_instances(b);
	metrics_runnerd(b);
	metrics_process(b);
}

/* metrics {}: -> {"text": the exposition} (protocol 9). */
void
cmd_metrics(struct req *rq)
{
	struct buf	 text, ext;

	buf_init(&text);
	metrics_text(&text);
	buf_init(&ext);
	jw_open(&ext, '{');
	jw_key(&ext, "format");
	jw_str(&ext, "text/plain; version=0.0.4");
	jw_key(&ext, "text");
	jw_strn(&ext, buf_head(&text), buf_used(&text));
	jw_close(&ext, '}');
	if (text.failed)
		ext.failed = 1;
	buf_free(&text);
	req_reply(rq, &ext);
}
