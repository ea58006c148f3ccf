/*
 * runnerd.h: the daemon's internal interfaces, grouped by file.
 *
 * Objects and their owners: the server owns the configuration, the
 * instances and the clients.  Callbacks that finish later (a start waiting
 * for readiness, a stop, a write, a read with a wait) refer to clients and
 * instances by id, never by pointer, because either may be gone by then.
 */

#ifndef RUNNERD_H
#define RUNNERD_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stdint.h>

#include <ev.h>

#include "runner-int.h"
#include "proto.h"

#define CLIENT_OUT_MAX	(4 * 1024 * 1024)	/* pause a client's producer */
#define INPUT_MAX	(1024 * 1024)		/* queued input per instance */

/* A configuration and the instances still started from it. */
struct conf {
	struct config	*cfg;
	int		 refs;
};

enum inst_state {
	INST_STARTING,		/* waiting for readiness (ready.c) */
	INST_RUNNING,
	INST_BACKOFF,		/* ended; restarting after a delay */
	INST_STOPPING,		/* stop signal sent, waiting for the exit */
	INST_EXITED,		/* ended for good; output may remain */
	INST_FAILED,		/* gave up after max_restarts, or its
				   first start failed */
	INST_STOPPED,		/* stopped by a client; listed until
				   started again or removed */
	INST_WAITING		/* for its dependencies (depends.c) */
};

/* What a start asked for (instance.c): kept for every restart. */
struct startreq {
	char		**args;		/* the start's extra args */
	char		*cwd;		/* the start's overrides, or NULL */
	char		*socket;
	char		*socket_path;	/* resolved; socket apps */
	int		 forget;	/* a failed first start leaves no
					   record (librunner's starts) */
};

/* The process's watchers (instance.c): its exit, and a stop's course. */
struct inst_proc {
	ev_child	 child;
	ev_timer	 timer;		/* stop escalation: SIGKILL */
	int		 kill_failing;	/* SIGKILL failed: retried, said once */
	int		 reaped;	/* its end waits to be handled (reap.c) */
	int		 status;	/* ... with this wait status */
	TAILQ_ENTRY(inst) reap_entry;
};

/* How the last start or run ended (instance.c), kept for status. */
struct ending {
	int		 start_code;	/* why the last start failed ... */
	char		*start_msg;	/* ... in words */
	int		 exited;	/* last_status is valid */
	int		 last_status;	/* wait status of the last exit */
	int		 left_behind;	/* processes its last run left when its
					   main process exited, then killed */
	uint64_t	 ended_seq;	/* order of ending; 0: not ended */
};

/* Waiting for readiness (ready.c). */
struct ready {
	ev_timer	 timer;		/* connect retry, deadline, EOF grace */
	ev_io		 notify_io;	/* ready = notify: the pipe */
	int		 notify_fd;	/* its read end, or -1 */
	int		 notify_eof;	/* closed without the newline */
	int		 healthy;	/* ready = healthy: a probe passed */
	double		 delay;		/* next readiness retry */
	double		 deadline;	/* readiness deadline */
};

/* The restart policy's state (restart.c). */
struct restart {
	int		 respawn;	/* stopping to start again (by hand) */
	int		 by_hand;	/* the queued restart is by hand: a
					   spawn that fails ends it failed */
	double		 started_at;	/* ev_now at the last start */
	int		 restarts;
	int		 crashes;	/* quick exits in a row, for backoff */
	double		 next_restart;	/* backoff: when (ev_now time) */
	double		 window_start;	/* max_restarts: the window's start */
	int		 window_restarts; /* ... and the restarts in it */
	ev_timer	 backoff;	/* the delay before a restart */
};

/*
 * The launch queue (launchq.c): an instance's place on it, and a wave
 * (a start of many instances) told of each of its members' turn: 0
 * launched, a RUNNER_E* code failed (the instance NULL once removed),
 * -1 cancelled before its turn.  queued: its members still to come.
 */
struct inst;
enum launch_kind {
	LAUNCH_NONE,		/* not on the queue */
	LAUNCH_START,		/* a first start (inst_go) */
	LAUNCH_DEPS,		/* dependencies met (depends_turn) */
	LAUNCH_RESTART		/* restart.c's (restart_turn) */
};
struct wave {
	/* A member's turn: the instance (NULL: gone), its alias, rc, why. */
	void		(*turn)(struct wave *, struct inst *, const char *,
			    int, const char *);
	int		 queued;
};
struct launchslot {
	TAILQ_ENTRY(inst) entry;
	enum launch_kind kind;
	struct wave	*wave;		/* a first start's, or NULL */
};

/* Dependencies (depends.c): a start's wait, a stop's hold. */
struct depwait {
	double		 since;		/* ev_time when the wait began */
	char		 what[256];	/* what it waits for, last said */
	int		 held;		/* a stop waits for its dependents */
	int		 restart_due;	/* on_dependency_restart: restart
					   once the conditions hold again */
};

/* proctree.c's note of when the main process started. */
struct proctick {
	pid_t		 pid;		/* the pid whose ... */
	unsigned long long start;	/* ... start time this is */
};

/*
 * An instance's channel and the bytes relayed through it, both ways.
 * Embedded in the instance, touched only by relay.c, attach.c (its
 * attached clients) and splice.c; the rest of runnerd asks their
 * functions.
 */
struct splice;
struct relay {
	int		 fd;		/* channel; -1 when closed */
	int		 input_closed;	/* the channel takes no more input */
	int		 in_eof;	/* end of input asked (close_input, an
					   attacher's half-close): shut the
					   write side once the queue is out */
	int		 closed_by_app;	/* a socket app closed the connection:
					   nothing comes until a new process */
	uint64_t	 in_lost;	/* input bytes that never reached the
					   child: queued when its input
					   closed, or sent after */
	ev_io		 rio;		/* output from the channel */
	ev_io		 wio;		/* input to the channel */
	ev_timer	 probe;		/* input stuck: is its reader gone? */
	struct buf	 out;		/* output not yet read or sent */
	size_t		 ask;		/* the next read's size: doubles
					   while reads fill it (0: none yet) */
	struct buf	 in;		/* input not yet written */
	uint64_t	 in_queued;	/* bytes ever queued as input */
	uint64_t	 in_written;	/* bytes ever written to the channel */
	uint64_t	 in_dropped;	/* bytes ever queued, then dropped
					   unwritten (its input closed, its
					   process ended) */
	uint64_t	 drop_from;	/* the last drop: [from, to) of the */
	uint64_t	 drop_to;	/* queued bytes (relay_settled) */
	uint64_t	 dropped;	/* output bytes dropped by policy */
	int		 nattach;	/* clients attached */
	uint64_t	 direct;	/* client holding the channel
					   (direct.c), or 0 */
	struct splice	*sp;		/* splice.c's pipes, or NULL */
};

/* Requests waiting (waiter.c): all of them, or one instance's. */
TAILQ_HEAD(waiterq, waiter);

struct inst {
	uint64_t	 id;
	char		*alias;
	struct conf	*conf;		/* the configuration it started from */
	const struct app *app;		/* in conf */
	struct startreq	 req;
	enum inst_state	 state;
	pid_t		 pid;		/* 0 when no process */
	struct relay	 relay;		/* its channel (relay.c) */
	struct inst_proc proc;
	struct ready	 ready;
	struct restart	 restart;
	struct launchslot launch;	/* launchq.c */
	struct ending	 end;
	struct capture	*cap;		/* its log (capture.c), or NULL */
	struct proctick	 tick;
	struct depwait	 dep;
	struct health	*health;	/* its probe's state (health.c), or
					   NULL: none yet */
	struct waiterq	 waiters;	/* its waiters, in request order */
};

/*
 * What a client's connection carries, one mode at a time, each handled
 * by the file named.  It starts with requests; subscribe adds events, and
 * attach or logs with follow make it a stream for good.
 */
enum client_mode {
	CLIENT_REQUESTS,	/* request lines and replies (control.c) */
	CLIENT_SUBSCRIBED,	/* ... and events (events.c) */
	CLIENT_ATTACHED,	/* a raw stream to an instance (relay.c) */
	CLIENT_FOLLOWING	/* a one-way stream of a log (capture.c) */
};

struct client {
	uint64_t	 id;
	int		 fd;
	ev_io		 rio;
	ev_io		 wio;
	struct buf	 in;		/* request bytes not yet handled */
	struct buf	 out;		/* reply bytes not yet sent */
	enum client_mode mode;
	uint64_t	 attached;	/* CLIENT_ATTACHED: its instance's id,
					   else 0 */
	uint64_t	 direct;	/* instance whose channel it holds, or 0 */
	size_t		 head;		/* attached: reply bytes at the front
					   of out, ahead of the stream */
	int		 input_done;	/* attached: nothing more it sends is
					   input (its half-close was passed
					   on, or its read side shut) */
	int		 waiting;	/* a write of ours is in flight */
	int		 closing;	/* close once out is sent */
	int		 eof;		/* sent all it will: close when answered */
	int		 pending;	/* requests still to answer (waiters) */
	char		*refused;	/* why it may not use runnerd, or NULL */
	uid_t		 uid;		/* the peer's, from SO_PEERCRED at
					   accept (access.c) */
	int		 owner;		/* root or runnerd's own uid: may
					   change the configuration */
	size_t		 held;		/* its bytes in the request budget */
	ev_timer	 idle;		/* a request line left unfinished */
	uint64_t	 missed;	/* events not queued: it fell behind
					   (events.c) */
};

/*
 * A request that answers later (waiter.c).  The handler that made it
 * supplies done, which answers it; waiter.c keeps the list and the timer
 * and calls done, saying why.  done returns 1 when the waiter is over
 * (answered, or nothing left to answer), and must for WAIT_GONE and
 * WAIT_TIMEOUT; 0 keeps it waiting.
 */
enum wait_why {
	WAIT_EVENT,		/* the instance changed: answer if it can */
	WAIT_GONE,		/* the instance is being removed: last answer */
	WAIT_TIMEOUT,		/* the waiter's timer ran out */
	WAIT_CLIENT_GONE	/* the client left (the instance is NULL) */
};
struct waiter {
	uint64_t	 client;
	long long	 tag;
	int		 has_tag;
	uint64_t	 inst;
	int		(*done)(struct waiter *, struct inst *, enum wait_why);
	/* The handler's own state, for done: */
	uint64_t	 until;		/* write: in_written target */
	size_t		 count;		/* write: bytes; read: max */
	int		 started;	/* start: a new start (not restart) */
	int		 exec_only;	/* start: answer once it runs, ready
					   or not (waits out dependencies) */
	void		*arg;		/* stop: its stop job */
	const char	*cmd;		/* the command, for requests_total
					   (metrics.c) */
	ev_timer	 timer;		/* waiter_timeout */
	struct inst	*on;		/* whose list it is in, or NULL */
	TAILQ_ENTRY(waiter) entry;	/* server.waiters */
	TAILQ_ENTRY(waiter) ientry;	/* on's */
};

/* The one server: global because there is one loop and one socket. */
struct server {
	struct ev_loop	*loop;
	struct conf	*conf;		/* the configuration in force */
	char		*config_path;	/* file to reload; NULL: none */
	char		*socket_path;
	int		 sock_dirfd;	/* the socket's directory */
	char		*sock_base;	/* the socket's name in it */
	int		 own_dir;	/* runnerd sets the directory's mode */
	int		 lfd;		/* listening socket */
	ev_io		 accept_io;
	ev_timer	 accept_pause;	/* EMFILE: retry accept later */
	struct inst	**insts;	/* sorted by alias */
	size_t		 ninsts;
	struct client	**clients;	/* sorted by id */
	size_t		 nclients;
	struct waiterq	 waiters;	/* every waiter, in request order */
	uint64_t	 next_id;
	int		 nprocs;	/* instances with a process */
	int		 shutting_down;
	int		 exit_status;	/* runnerd's, set by on_exit */
};
extern struct server server;

/* log.c */
#define RUNNERD_LOGFILE	"runnerd.log"	/* detached, without syslog */
void	log_init(int, int);
void	log_detach(int);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* access.c */
int	 access_peer(struct client *, char *, size_t);
int	 access_owner(const struct client *, const char *, char *, size_t);
void	 access_recheck(void);

/* listen.c */
int	 listen_socket(const char *, int);
void	 listen_perms(void);

/* hangup.c */
void	 hangup_init(void);
void	 hangup_watch(struct client *);
void	 hangup_close(void);

/* control.c */
int	 control_listen(const char *, int);
void	 control_adopt(void);
void	 control_close(void);
struct client *client_find(uint64_t);
void	 client_close(struct client *);
void	 client_send(struct client *, const char *, size_t);
void	 client_send_buf(struct client *, struct buf *);
void	 client_flush(struct client *);
void	 client_resume(struct client *);
void	 client_check(struct client *);
ssize_t	 client_recv(struct client *, char *, size_t);
void	 client_received(struct client *, int);
int	 clients_crowded(void);
void	 reply_ok(uint64_t, int, long long, struct buf *);
struct client *reply_ok_open(uint64_t, int, long long, struct buf *, size_t);
void	 reply_ok_close(struct client *, struct buf *, int, long long);
void	 reply_err(uint64_t, int, long long, int, const char *, ...)
	    __attribute__((format(printf, 5, 6)));
int	 reply_ok_fd(struct client *, int, long long, struct buf *, int);

/* events.c */
void	 event_subscribe(struct client *);
void	 event_sent(struct client *);
void	 event_emit(const char *, struct buf *);

/* cmd.c: a request being handled, and the decoding of its fields */
struct req {
	struct client	*c;
	struct json	*j;
	int		 ext;		/* the ext object's index, or -1 */
	int		 has_tag;
	long long	 tag;
};
#define REQ_ERR(rq, code, ...) \
	reply_err((rq)->c->id, (rq)->has_tag, (rq)->tag, (code), __VA_ARGS__)
void	 cmd_dispatch(struct client *, const char *, size_t);
int	 req_str(struct req *, const char *, int, char **);
int	 req_num(struct req *, const char *, double, double *);
int	 req_bool(struct req *, const char *, int *);
int	 req_bool_or(struct req *, const char *, int, int *);
int	 req_strings(struct req *, const char *, char ***);
struct inst *req_inst(struct req *);
void	 req_reply(struct req *, struct buf *);
struct waiter *req_waiter(struct req *, struct inst *,
	    int (*)(struct waiter *, struct inst *, enum wait_why));

/* cmd_start.c */
void	 cmd_start(struct req *);
void	 cmd_restart(struct req *);

/* cmd_stop.c */
void	 cmd_stop(struct req *);

/* cmd_remove.c */
void	 cmd_remove(struct req *);

/* cmd_signal.c */
void	 cmd_signal(struct req *);

/* cmd_io.c */
void	 cmd_write(struct req *);
void	 cmd_read(struct req *);
void	 cmd_attach(struct req *);
void	 cmd_direct(struct req *);
void	 cmd_close_input(struct req *);

/* cmd_query.c */
void	 cmd_hello(struct req *);
void	 cmd_apps(struct req *);
void	 cmd_status(struct req *);
void	 cmd_logs(struct req *);

/* cmd_admin.c */
void	 cmd_subscribe(struct req *);
void	 cmd_reload(struct req *);
void	 cmd_update(struct req *);
void	 cmd_shutdown(struct req *);

/* instance.c */
struct inst	*inst_find(const char *);
struct inst	*inst_by_id(uint64_t);
int		 inst_start(struct inst *, char *, size_t);
struct inst	*inst_new(const char *, struct conf *, const struct app *,
		    const struct runner_start *);
void		 inst_free(struct inst *);
void		 inst_alias(const struct app *, int, char *, size_t);
struct inst	*inst_launch(const char *, const struct app *,
		    const struct runner_start *, int, int *, char *, size_t);
struct inst	*inst_queue(const char *, const struct app *,
		    const struct runner_start *, int, struct wave *, int *,
		    char *, size_t);
int		 inst_go(struct inst *, char *, size_t);
void		 inst_stop(struct inst *);
void		 inst_exited(struct inst *, int);
void		 inst_stop_all(void);
void		 inst_restart(struct inst *);
void		 inst_end(struct inst *, enum inst_state);
void		 inst_json_head(struct buf *, const struct inst *, pid_t);
void		 inst_json_exit(struct buf *, const struct inst *);
void		 inst_event(const char *, struct inst *, pid_t);
void		 inst_ready(struct inst *);
void		 inst_start_failed(struct inst *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
int		 inst_running(const struct inst *);
void		 inst_remove(struct inst *);
const char	*inst_state_name(enum inst_state);
void		 conf_unref(struct conf *);

/* ended.c */
int		 inst_ended(const struct inst *);
void		 inst_reason(struct buf *, const struct inst *);
int		 inst_leaving(const struct inst *);
void		 inst_forget(struct inst *);
void		 inst_ended_now(struct inst *, enum inst_state);
void		 inst_trim_ended(void);

/* proctree.c */
int	 proctree_signal(pid_t, int, const struct inst *);
int	 proctree_kill_orphans(const struct inst *, pid_t);
void	 proctree_strays_forget(void);
unsigned long long proctree_start_of(struct inst *);
size_t	 proctree_orphans(pid_t **);
void	 proctree_reap_orphans(double);
void	 proctree_init(void);
int	 proctree_orphan_info(pid_t, struct procstat *);
void	 proctree_probe_ended(void);

/* reap.c */
void	 reap_watch(struct inst *);
int	 reap_pending(const struct inst *);
void	 reap_forget(struct inst *);

/* statefile.c */
void	 statefile_recover(void);
void	 statefile_start(void);
void	 statefile_dirty(void);
void	 statefile_remove(void);

/* restart.c */
void	 restart_init(struct inst *);
void	 restart_started(struct inst *);
int	 restart_count(const struct inst *);
void	 restart_by_hand(struct inst *);
int	 restart_after_stop(struct inst *);
int	 restart_pending(const struct inst *);
void	 restart_json(struct buf *, const struct inst *);
void	 restart_after_exit(struct inst *, int);
void	 restart_enqueue(struct inst *);
void	 restart_cancel(struct inst *);
void	 restart_turn(struct inst *);

/* launchq.c */
void	 launchq_add(struct inst *, enum launch_kind, struct wave *);
void	 launchq_remove(struct inst *);
enum launch_kind launchq_kind(const struct inst *);
int	 launchq_starting(void);
void	 launchq_drop(struct wave *);

/* health.c */
enum health_state {
	HEALTH_NONE,		/* the app has no probe */
	HEALTH_STARTING,	/* no verdict yet */
	HEALTH_HEALTHY,
	HEALTH_UNHEALTHY
};
enum health_state health_state(const struct inst *);
struct health;
void	 health_begin(struct inst *);
void	 health_end(struct inst *);
void	 health_stopped(struct inst *);
void	 health_free(struct inst *);
void	 health_follow(struct inst *);
void	 health_json(struct buf *, const struct inst *);
void	 health_event_json(struct buf *, const struct inst *);
const char *health_state_name(enum health_state);
int	 health_killed(const struct inst *);
const char *health_reason(const struct inst *);
const char *health_last(const struct inst *);
void	 health_shutdown(void);
/* The probes, each in its file: start one, or drop one in flight. */
void	 health_result(struct health *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
const struct inst *health_inst(const struct health *);
void	 health_spawned(struct health *);
/*
 * In every exec probe's environment, and so in what it leaves running:
 * RUNNER_PROBE=TOKEN.N, N the run's serial (probe_exec_run, _live).
 */
#define PROBE_ENV	"RUNNER_PROBE="
struct probe_exec;
struct probe_exec *probe_exec_start(struct health *, char *, size_t);
void	 probe_exec_drop(struct probe_exec *);
void	 probe_exec_timeout(struct probe_exec *);
int	 probe_exec_running(const struct probe_exec *);
int	 probe_exec_live(unsigned long long);
unsigned long long probe_exec_run(const char *);
void	 probe_exec_shutdown(void);
void	 probe_exec_spawned(void *, pid_t, struct spawn_job *, const char *);
void	 probe_exec_exited(void *, int);
int	 probe_spawn(struct spawn_job *, void *);
void	 probe_spawn_shutdown(void);
int	 probe_spawn_watching(pid_t);
struct probe_connect;
struct probe_connect *probe_connect_start(struct health *, char *, size_t);
void	 probe_connect_drop(struct probe_connect *);
struct probe_http;
struct probe_http *probe_http_start(struct health *, char *, size_t);
void	 probe_http_drop(struct probe_http *);
void	 probe_http_shutdown(void);

/* ready.c */
void	 ready_init(struct inst *);
void	 ready_healthy(struct inst *);
int	 ready_begin(struct inst *, int);
void	 ready_cancel(struct inst *);

/* capture.c */
struct capture;
int	 capture_start(struct inst *, char *, size_t);
void	 capture_spawned(struct inst *);
void	 capture_exited(struct inst *);
void	 capture_ended(struct inst *);
void	 capture_free(struct inst *);
void	 capture_tee(struct inst *, const char *, size_t);
void	 capture_probe(struct inst *, const char *, size_t);
int	 capture_tees(const struct inst *);
uint64_t capture_log_dropped(const struct inst *);
void	 capture_logs(struct inst *, struct client *, int, long long, int,
	    long long);
void	 capture_follower_input(struct client *);

/* logfile.c */
struct logfile;
struct logfile	*logfile_open(const struct app *);
void		 logfile_close(struct logfile *);
const char	*logfile_path(const struct logfile *);
size_t		 logfile_write(struct logfile *, const char *, size_t);

/* notify.c */
void	 notify_init(void);
void	 notify_ready(void);
void	 notify_reloading(void);
void	 notify_stopping(void);

/* reload.c */
int	 reload_config(const char *, const char *, struct req *, char *,
	    size_t);
int	 update_config(const char *, const char *, struct req *, char *,
	    size_t);

/* direct.c */
void	 direct_take(struct client *, struct inst *, int, long long);
void	 direct_client_gone(struct client *);
void	 direct_end(uint64_t);
int	 direct_refuse(struct client *, struct inst *, int, long long);

/* relay.c */
void	 relay_init(struct inst *);
void	 relay_free(struct inst *);
void	 relay_open(struct inst *, int);
void	 relay_stop(struct inst *);
void	 relay_await(struct inst *);
int	 relay_takes_input(const struct inst *);
int	 relay_close_input(struct inst *);
int	 relay_closing_input(const struct inst *);
void	 relay_input_over(struct inst *);
void	 relay_stuck(struct inst *);
uint64_t relay_lost(const struct inst *);
int	 relay_input(struct inst *, const void *, size_t);
uint64_t relay_queued(const struct inst *);
uint64_t relay_written(const struct inst *);
uint64_t relay_settled(const struct inst *);
uint64_t relay_dropped_of(const struct inst *, uint64_t, uint64_t);
size_t	 relay_input_pending(const struct inst *);
size_t	 relay_buffered(const struct inst *);
size_t	 relay_peek(const struct inst *, const char **);
size_t	 relay_take(struct inst *, void *, size_t);
void	 relay_json(struct buf *, const struct inst *);
int	 relay_fd(const struct inst *);
int	 relay_attached(const struct inst *);
void	 relay_resume(struct inst *);
void	 relay_fanout(struct inst *);
void	 relay_trim(struct inst *);

/* attach.c */
void	 relay_attach(struct inst *, struct client *);
void	 relay_attach_input(struct inst *, struct client *);
void	 relay_detach_all(struct inst *);
void	 relay_detach_exited(struct inst *);
void	 relay_client_read(struct client *);
int	 relay_client_sent(struct client *);
int	 relay_client_input(struct client *);
int	 relay_client_waits(const struct client *);
void	 relay_client_gone(struct client *);
void	 relay_each(struct inst *, void (*)(struct client *));
void	 relay_clients_close(struct inst *);
void	 relay_clients_shut(struct inst *);
void	 relay_drain(struct inst *);
uint64_t relay_holder(const struct inst *);
void	 relay_lease(struct inst *, uint64_t);
void	 relay_unlease(struct inst *);

/* splice.c */
int	 splice_output(struct inst *);
int	 splice_flush(struct inst *, struct client *);
void	 splice_unsplice(struct inst *);
size_t	 splice_take(struct inst *, struct client *, struct buf *);
void	 splice_lose_input(struct inst *);
size_t	 splice_out_pending(const struct inst *);
size_t	 splice_in_pending(const struct inst *);
int	 splice_input(struct inst *, struct client *);
int	 splice_write(struct inst *);
void	 splice_idle(struct inst *);
void	 splice_close(struct inst *);

/* depends.c */
int	 depends_start(struct inst *, char *, size_t);
void	 depends_event(const char *, struct inst *);
void	 depends_json(struct buf *, const struct inst *);
int	 depends_stop_set(struct inst **, size_t *, int, char *, size_t);
void	 depends_stop(struct inst *);
void	 depends_release(void);
void	 depends_changed(void);
void	 depends_turn(struct inst *);

/* cmd_deps.c */
void	 cmd_deps(struct req *);

/* waiter.c */
struct waiter	*waiter_new(struct client *, int, long long, struct inst *,
		    int (*)(struct waiter *, struct inst *, enum wait_why));
void		 waiter_free(struct waiter *);
void		 waiter_timeout(struct waiter *, double);
void		 waiters_drop(const void *);
void		 waiters_inst_event(struct inst *);
void		 waiters_inst_gone(struct inst *);
void		 waiters_client_gone(uint64_t);

/* metrics.c: the Prometheus text format's metrics (metrics18) */
void	 metrics_init(void);
void	 metrics_free(void);
const char *metrics_enter(const char *);
void	 metrics_leave(const char *);
const char *metrics_current(void);
void	 metrics_answered(int);
void	 metrics_text(struct buf *);
void	 cmd_metrics(struct req *);

/* trim.c: the heap given back once the loop goes quiet (rss20b) */
void	 trim_init(void);

/* dynlib.c: libcurl and libmicrohttpd, loaded on first use (fast20) */
int	 dynlib_curl(char *, size_t);
int	 dynlib_mhd(char *, size_t);

/* metrics_http.c: metrics_listen, GET /metrics (metrics18) */
void	 metrics_http_config(const struct config *);
void	 metrics_http_json(struct buf *);
void	 metrics_http_close(void);

/* roll.c: rolling restarts */
void	 roll_request(struct req *);
int	 roll_app(const struct app *, int);
void	 roll_inst_event(struct inst *);
void	 roll_inst_gone(struct inst *);
int	 roll_busy(void);

/* handover.c: the state an upgrade carries across the exec */
#ifndef HANDOVER_VERSION
#define HANDOVER_VERSION	1	/* written, and said by --version */
#endif
#ifndef HANDOVER_ACCEPTS
#define HANDOVER_ACCEPTS	HANDOVER_VERSION	/* read */
#endif
struct hand;
struct hand	*hand_create(void);
struct hand	*hand_open(int, char *, size_t);
void		 hand_free(struct hand *);
int		 hand_fd_of(const struct hand *);
uint64_t	 hand_bytes_total(const struct hand *);
void		 hand_keep(struct hand *, int);
void		 hand_commit(struct hand *);
void		 hand_fail(struct hand *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
int		 hand_failed(const struct hand *);
const char	*hand_error(const struct hand *);
void		 hand_rec(struct hand *, const char *);
void		 hand_int(struct hand *, const char *, long long);
void		 hand_double(struct hand *, const char *, double);
void		 hand_str(struct hand *, const char *, const char *);
void		 hand_strv(struct hand *, const char *, char *const *);
void		 hand_fd(struct hand *, const char *, int);
void		 hand_bytes(struct hand *, const char *, const void *, size_t);
void		 hand_end(struct hand *);
int		 hand_next(struct hand *);
int		 hand_is(const struct hand *, const char *);
int		 hand_has(const struct hand *, const char *);
long long	 hand_get_int(struct hand *, const char *);
double		 hand_get_double(struct hand *, const char *);
char		*hand_get_str(struct hand *, const char *);
char		**hand_get_strv(struct hand *, const char *);
int		 hand_get_fd(struct hand *, const char *);
int		 hand_get_bytes(struct hand *, const char *, struct buf *);
/* Each owner's part of the state. */
void	 inst_save(struct hand *, const struct inst *, long long);
void	 inst_load(struct hand *, struct conf **, size_t);
void	 inst_ended_seq(uint64_t);
void	 relay_save(struct hand *, const struct inst *);
void	 relay_load(struct hand *, struct inst *);
void	 ready_save(struct hand *, const struct inst *);
void	 ready_load(struct hand *, struct inst *);
void	 restart_save(struct hand *, const struct inst *);
void	 restart_load(struct hand *, struct inst *);
void	 capture_save(struct hand *, const struct inst *);
void	 capture_load(struct hand *, struct inst *);
void	 health_save(struct hand *, const struct inst *);
void	 health_load(struct hand *, struct inst *);
void	 client_save(struct hand *, const struct client *);
void	 client_load(struct hand *);
void	 clients_resume_all(void);
void	 splice_park(struct inst *);

/* carry.c: what crosses, in order */
struct handinfo {
	uint64_t	 client;	/* who asked for the upgrade, or 0 */
	int		 has_tag;
	long long	 tag;
	int		 upgrades;	/* before this one */
	double		 started;	/* when the old binary started */
	char		 from[64];	/* its version */
	size_t		 ninsts;
	size_t		 nclients;
	uint64_t	 bytes;		/* buffered bytes handed over */
};
void	 handover_save(struct hand *, uint64_t, int, long long, int, double);
int	 handover_load(struct hand *, struct handinfo *);

/* upgrade.c */
void	 upgrade_init(char **);
void	 upgrade_json(struct buf *);
int	 upgrade_draining(void);
void	 cmd_upgrade(struct req *);
void	 upgrade_back(int, int, const char *);
void	 upgrade_restore(int, int, const char *);
void	 upgrade_announce(void);
void	 upgrade_unblock(void);
void	 upgrade_cancel(void);

/* waiter.c (for upgrade.c and carry.c) */
const char *upgrade_busy(void);
int	 waiters_carried(void);
void	 waiters_save(struct hand *);
void	 waiter_load(struct hand *);
void	 waiters_loaded(void);
/* The handlers whose waiters an upgrade carries. */
int	 start_done(struct waiter *, struct inst *, enum wait_why);
int	 write_done(struct waiter *, struct inst *, enum wait_why);
int	 read_done(struct waiter *, struct inst *, enum wait_why);
int	 close_done(struct waiter *, struct inst *, enum wait_why);
int	 stop_done(struct waiter *, struct inst *, enum wait_why);
void	 stopjob_save(struct hand *, const void *);
void	*stopjob_load(struct hand *);
const char *cmd_name(const char *);

#endif /* RUNNERD_H */
