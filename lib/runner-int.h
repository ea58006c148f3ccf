/*
 * runner-int.h: librunner's internal interfaces, shared by the library's
 * own files and by runnerd and runnerctl, which link the same code.
 * Nothing here is installed; runner.h is the public face.
 */

#ifndef RUNNER_INT_H
#define RUNNER_INT_H

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>

#include "runner.h"

#define RUNNER_ERRMSG_MAX	1024	/* longest kept error message */
#define RUNNER_LINE_MAX		(1024 * 1024)	/* longest protocol line */
#define RUNNER_ALIAS_MAX	64		/* longest alias */
/* Longest runner_update_config text: escaped, it fits a protocol line. */
#define RUNNER_CONFIG_TEXT_MAX	(RUNNER_LINE_MAX / 2)

/* buf.c: a growable byte buffer, consumed from the front. */
struct buf {
	char	*data;
	size_t	 off;		/* first unconsumed byte */
	size_t	 len;		/* end of the held bytes (data + len) */
	size_t	 cap;		/* allocated size of data */
	int	 failed;	/* an allocation failed: contents are short */
};
void	 buf_init(struct buf *);
void	 buf_free(struct buf *);
int	 buf_add(struct buf *, const void *, size_t);
char	*buf_reserve(struct buf *, size_t);
void	 buf_commit(struct buf *, size_t);
int	 buf_addc(struct buf *, char);
int	 buf_adds(struct buf *, const char *);
int	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
size_t	 buf_used(const struct buf *);
char	*buf_head(const struct buf *);
void	 buf_drop(struct buf *, size_t);
void	 buf_reset(struct buf *);
const char *buf_cstr(struct buf *);
char	*buf_take(struct buf *);

/* json.c: the one JSON module's reader (jsmn, behind a strict check). */
enum json_type {
	JSON_NONE,		/* absent (index -1) */
	JSON_OBJECT,
	JSON_ARRAY,
	JSON_STRING,
	JSON_NUMBER,
	JSON_BOOL,
	JSON_NULL
};
struct json;
struct json	*json_parse(const char *, size_t, char *, size_t);
struct json	*json_sub(const struct json *, int);
void		 json_free(struct json *);
enum json_type	 json_type(const struct json *, int);
int		 json_get(const struct json *, int, const char *);
int		 json_len(const struct json *, int);
int		 json_at(const struct json *, int, int);
int		 json_key_at(const struct json *, int, int);
int		 json_int(const struct json *, int, long long *);
int		 json_double(const struct json *, int, double *);
int		 json_bool(const struct json *, int, int *);
char		*json_str(const struct json *, int, size_t *);
int		 json_streq(const struct json *, int, const char *);
const char	*json_raw(const struct json *, int, size_t *);
void		*json_b64(const struct json *, int, size_t *);
int		 json_valid(const char *, size_t, char *, size_t);
/* json_text.c */
size_t		 utf8_len(const unsigned char *, size_t);
size_t		 json_char(const char *, const char *, char *, size_t *);
int		 json_check(const char *, size_t, char *, size_t);
extern const char json_esc_in[], json_esc_out[], json_b64_chars[];

/* json_write.c: the writer, appending to a struct buf. */
void	 jw_open(struct buf *, char);
void	 jw_close(struct buf *, char);
void	 jw_key(struct buf *, const char *);
void	 jw_str(struct buf *, const char *);
void	 jw_strn(struct buf *, const char *, size_t);
void	 jw_int(struct buf *, long long);
void	 jw_double(struct buf *, double);
void	 jw_bool(struct buf *, int);
void	 jw_null(struct buf *);
void	 jw_raw(struct buf *, const char *, size_t);
void	 jw_b64(struct buf *, const void *, size_t);
void	 jw_object1(struct buf *, const char *, const char *);
void	 jw_strings(struct buf *, char *const *, int);

/* words.c: split a command line like sh does, without any expansion. */
char	**words_split(const char *, char *, size_t);
char	**argv_dup(char *const *);
char	**argv_concat(char *const *, const char *const *);
size_t	 argv_len(char *const *);
void	 argv_free(char **);

/* config.c: libconfig text to plain structs, validated whole. */
enum app_type {
	APP_STDIO,		/* channel = the child's stdin and stdout */
	APP_SOCKET		/* channel = a connection to its socket */
};
enum app_restart {
	RESTART_NO,
	RESTART_ON_FAILURE,
	RESTART_ALWAYS
};
enum app_ready {
	READY_NONE,		/* running once exec succeeded */
	READY_SOCKET,		/* once its socket accepts a connection */
	READY_NOTIFY,		/* once it writes a newline to notify_fd */
	READY_HEALTHY		/* at its first passing health probe */
};
enum app_stderr {
	STDERR_LOG,		/* to the log (the file, or runnerd's log) */
	STDERR_MERGE,		/* with stdout */
	STDERR_NULL		/* to /dev/null */
};
enum app_overflow {
	OVERFLOW_BLOCK,		/* stop reading the child: backpressure */
	OVERFLOW_DROP_OLDEST	/* drop the oldest output, and count it */
};
enum app_on_exit {
	ON_EXIT_NONE,
	ON_EXIT_SHUTDOWN	/* ended for good: runnerd exits with it */
};
/* What a reload that must restart an app's instances does (roll17). */
enum app_reload_strategy {
	RELOAD_ALL,		/* restart them all at once */
	RELOAD_ROLLING		/* a rolling restart (runnerd/roll.c) */
};
/*
 * A health probe (runnerd/health.c): exactly one of exec, connect and
 * http is set when the app has one (APP_HAS_HEALTH).
 */
struct app_health {
	char		**exec;		/* a command, NULL-terminated; or NULL */
	int		 connect;	/* 1: connect to the app's socket */
	char		*http;		/* a URL: 2xx and 3xx are healthy */
	double		 interval;	/* seconds between probes */
	double		 timeout;	/* a probe's budget, seconds */
	double		 start_period;	/* failures before this do not count */
	int		 retries;	/* failures in a row: unhealthy */
};
#define APP_HAS_HEALTH(a)	((a)->health.exec != NULL || \
	    (a)->health.connect || (a)->health.http != NULL)
/*
 * A dependency (lib/config_deps.c): an app that must meet a condition
 * before an instance of the app that names it is started (runnerd's
 * depends.c waits for it).
 */
enum dep_cond {
	DEP_STARTED,		/* its exec succeeded */
	DEP_READY,		/* its ready setting was met */
	DEP_HEALTHY,		/* its health probe passed */
	DEP_COMPLETED,		/* it ended, any status */
	DEP_COMPLETED_OK	/* it exited 0 */
};
enum dep_restart {
	DEP_RESTART_NONE,	/* dependents keep running */
	DEP_RESTART_RESTART	/* restarted once the condition holds again */
};
struct app_dep {
	char		*app;		/* the app depended on */
	enum dep_cond	 cond;
	int		 line;		/* of its depends_on member */
};
struct app_deps {
	struct app_dep	*v;		/* in file order */
	size_t		 n;
	int		 line;		/* of depends_on; 0: none */
};
/*
 * An app as loaded.  A new field must be added to config_state.c too:
 * its tables carry every field across runnerd's exec (an upgrade).
 */
struct app {
	char		*name;
	char		**argv;		/* NULL-terminated; argv[0] the program */
	enum app_type	 type;
	char		*cwd;		/* NULL: the runner's own */
	char		*socket;	/* socket apps: path, relative to cwd */
	char		**env;		/* NULL-terminated "NAME=value" pairs,
					   env_file's first, then env's */
	char		*env_file;	/* file of NAME=value lines, or NULL */
	int		 env_inherit;	/* 1: runnerd's environment under env;
					   0: a clean one (launch.c); the
					   default is 1 without user */
	char		*user;		/* run as this user (root only) ... */
	char		*group;		/* ... and group; NULL: unchanged */
	uid_t		 uid;		/* user resolved, valid with user */
	gid_t		 gid;		/* group (or user's), with user|group */
	enum app_restart restart;
	double		 backoff_initial; /* second restart in a row waits */
	double		 backoff_max;	/* doubling up to this */
	double		 backoff_reset;	/* up this long: crashes forgotten */
	int		 max_restarts;	/* in restart_window; 0: no limit */
	double		 restart_window; /* seconds */
	int		 autostart;
	int		 instances;	/* autostart as NAME-1..NAME-N (N > 1) */
	enum app_ready	 ready;
	int		 notify_fd;	/* ready = notify: the child's fd */
	int		 stop_signal;
	double		 stop_timeout;	/* seconds before SIGKILL */
	double		 ready_timeout;	/* seconds to become ready */
	size_t		 output_buffer;	/* bytes of output held for readers */
	enum app_overflow overflow;
	char		*log;		/* file for output; NULL: none */
	size_t		 log_max_size;	/* rotate past this; 0: never */
	int		 log_keep;	/* rotated files kept */
	int		 timestamps;	/* prefix log lines with the time */
	enum app_stderr	 err;		/* where stderr goes */
	enum app_on_exit on_exit;
	struct app_health health;	/* its probe, if it has one */
	struct app_deps	 deps;		/* depends_on */
	enum dep_restart on_dep_restart; /* on_dependency_restart */
	enum app_reload_strategy reload_strategy; /* roll17 */
	int		 reload_max_unavailable; /* ... its batches' size */
	char		*file;		/* where the app was defined ... */
	int		 line;		/* ... for messages */
};
/* As struct app: a new field goes into config_state.c's tables too. */
struct config {
	char		*source;	/* file path, or "<text>" */
	struct app	*apps;
	size_t		 napps;
	char		*allow_group;	/* may use runnerd too, or NULL */
	gid_t		 allow_gid;
	char		*metrics_listen; /* "HOST:PORT" as written, or NULL
					   (config_metrics.c) */
};
#define CONFIG_TEXT_SOURCE	"<text>"
extern const char *const app_type_names[], *const app_restart_names[],
    *const app_ready_names[], *const app_stderr_names[],
    *const app_overflow_names[], *const app_on_exit_names[],
    *const dep_cond_names[], *const dep_restart_names[],
    *const app_reload_strategy_names[];
struct config	*config_load_file(const char *, char *, size_t);
struct config	*config_load_text(const char *, char *, size_t);
void		 config_free(struct config *);
/* config_merge.c: an update adds or replaces the apps it names. */
struct config	*config_update_file(const struct config *, const char *,
		    char *, size_t);
struct config	*config_update_text(const struct config *, const char *,
		    char *, size_t);
const struct app *config_app(const struct config *, const char *);
/*
 * config_state.c (config19): the configuration in force as exact JSON,
 * carried across runnerd's exec by an upgrade instead of a file.
 */
int		 config_state_write(const struct config *, struct buf *);
struct config	*config_state_read(const char *, size_t, char *, size_t);
/* prom.c: the Prometheus text format */
void		 prom_family(struct buf *, const char *, const char *,
		    const char *);
void		 prom_sample(struct buf *, const char *, const char *const *,
		    double);
/* config_metrics.c: metrics_listen's value as an address. */
struct sockaddr_storage;
int		 metrics_addr(const char *, struct sockaddr_storage *,
		    socklen_t *, char *, size_t);
int		 config_alias_taken(const struct config *, const struct app *,
		    const char *, char *, size_t);
/*
 * What a reload does about an option that changed: the class of its row
 * in config_opt.c's table.  app_reload compares two versions of one app
 * option by option and gives the strongest class among those that
 * differ, RELOAD_SAME when none does.
 */
enum app_reload {
	RELOAD_SAME,		/* nothing differs; no option's class */
	RELOAD_AT_START,	/* read when an instance starts: no restart,
				   the running ones keep the old value */
	RELOAD_LIVE,		/* followed by the running instances at once */
	RELOAD_RESTART		/* what the process is: they are restarted */
};
enum app_reload	 app_reload(const struct app *, const struct app *);
/* signals.c */
#define SIGNAL_MAX	64		/* Linux: 1..31, then real-time ones */
int		 signal_from_name(const char *);
const char	*signal_name(int);

/* spawn.c: start a child in its own session, every other fd closed. */
#define SPAWN_INHERIT	-1	/* the child keeps the caller's descriptor */
#define SPAWN_NULL	-2	/* the child gets /dev/null */
struct spawn {
	char *const	*argv;		/* argv[0] is searched in PATH */
	char *const	*env;		/* the whole environment ("NAME=
					   value"), built by launch.c */
	const char	*cwd;		/* NULL: the caller's */
	int		 fd[3];		/* the child's 0, 1, 2 */
	int		 extra_fd;	/* -1, or a descriptor the child gets */
	int		 extra_as;	/* ... as this number (3 and up) */
	int		 set_ids;	/* switch to uid, gid and groups */
	uid_t		 uid;
	gid_t		 gid;
	const gid_t	*groups;	/* supplementary groups */
	int		 ngroups;
	int		*errpipe;	/* NULL: spawn_child waits for the
					   exec; else it returns at once,
					   with here the pipe on which a
					   child that fails before its exec
					   says why (spawn_errf) */
	int		 pdeathsig;	/* this child's spawn_parent_death
					   signal; 0: the global one */
};
int	 spawn_child(const struct spawn *, pid_t *, char *, size_t);
void	 spawn_errf(const struct spawn *, const int [2], char *, size_t);
void	 spawn_child_nofile(const struct rlimit *);
int	 spawn_child_nofile_of(struct rlimit *);
void	 spawn_parent_death(int);
int	 spawn_park(void);
void	 spawn_trim(void);
int	 spawn_reap(pid_t, int *);
int	 spawn_wait_exit(pid_t, double);
int	 spawn_exited(pid_t);
int	 spawn_stop(pid_t, int, double, int *);
const char *status_words(int, char *, size_t);

/* proc.c: processes seen through /proc (runnerd's tree, local stops). */
struct procstat {
	pid_t			 ppid;
	pid_t			 pgid;
	pid_t			 sid;
	unsigned long long	 start;	/* clock ticks after boot */
	uid_t			 uid;	/* of /proc/PID */
	char			 state;	/* R, S, Z... */
};
struct pids {
	pid_t	*v;
	size_t	 n;
	size_t	 cap;
};
int	 pids_add(struct pids *, pid_t);
void	 proc_children(pid_t, struct pids *);
void	 proc_tree(pid_t, struct pids *);
int	 proc_stat(pid_t, struct procstat *);
int	 proc_kill_left(pid_t, const char *, int);
int	 proc_marked(pid_t, const char *);
int	 proc_environ_value(pid_t, const char *, char *, size_t);

/* ready.c: readiness checks shared by runnerd and the local backend. */
#define READY_NAP_FIRST	0.001	/* first nap between connect tries */
enum ready_read {
	READY_LINE,		/* the newline came: ready */
	READY_MORE,		/* bytes without it: read again */
	READY_WAIT,		/* nothing yet */
	READY_EOF,		/* closed without the newline */
	READY_FAIL		/* read failed: errno */
};
enum ready_fail {
	READY_ECONNECT,		/* connect failed for good (errnum) */
	READY_ENOACCEPT,	/* the socket did not accept in time */
	READY_ENOLINE,		/* no newline in time */
	READY_EREAD,		/* reading the notify pipe failed (errnum) */
	READY_ECLOSED		/* the pipe closed without the newline */
};
int	 ready_connect(const char *, int *);
double	 ready_nap(double *, double);
enum ready_read ready_notify_read(int);
int	 ready_errf(enum ready_fail, const struct app *, const char *,
	    const char *, int, char *, size_t);

/* launch.c: the start of an instance, shared by every backend. */
struct launch {
	const struct app	*app;
	const char *const	*args;		/* appended to the app's argv */
	const char		*cwd;		/* NULL: the app's */
	const char		*socket;	/* NULL: the app's */
	int			 errfd;		/* the log: stderr, a socket
						   app's stdout */
	const char		*mark;		/* NULL, or "NAME=value" put
						   last in its environment */
	int			 capture;	/* errfd is the caller's log
						   pipe: app->log not opened */
	char			*socket_path;	/* out: resolved, socket apps */
	pid_t			 pid;		/* out */
	int			 fd;		/* out: stdio channel, else -1 */
	int			 notify;	/* out: ready = notify: read end
						   of the child's notify_fd */
};
int	 launch_check(const struct app *, const struct runner_start *,
	    char *, size_t);
int	 launch_spawn(struct launch *, char *, size_t);
/* A spawn prepared whole, to run later or elsewhere (a probe's). */
struct spawn_job {
	struct spawn	 sp;		/* pointing into the copies below */
	char		**argv;
	char		**env;
	char		*cwd;
	gid_t		*groups;
	int		 errfd;		/* out: sp.errpipe's, after the spawn */
};
struct spawn_job *launch_probe_job(const struct app *, char *const *,
		    const char *, char *const *, int, char *, size_t);
void	 spawn_job_free(struct spawn_job *);
void	 launch_done(struct launch *);

/* chan.c: the shared end of a channel, and the handles users hold. */
struct chan {
	int		 refs;		/* holders: the instance and handles */
	int		 fd;		/* stream socket, non-blocking */
	int		 gone;		/* the instance ended: no more bytes */
	int		 shut;		/* runner_channel_shutdown ended input */
	char		 alias[RUNNER_ALIAS_MAX + 1]; /* for messages */
	long long	 tag;		/* last tag runner_ask used; 0 none
					   yet (ask.c starts at random) */
	struct buf	 in;		/* read ahead by runner_ask, unread */
	int		 lease;		/* direct: the connection to runnerd
					   whose close hands fd back; or -1 */
	struct chan	**owner;	/* remote: the runner's pointer to
					   this chan, cleared when freed */
	int		 daemon;	/* runnerd speaks on fd (a control
					   connection; an attach until its
					   reply), set where it is made: an
					   untagged error is about the
					   connection.  0: a child's stream,
					   its untagged lines its own */
	int		 cut;		/* runner_ask gave up in the middle
					   of a request line: the next one
					   ends it first */
	pid_t		 ssh;		/* the ssh carrying fd (ssh.c),
					   reaped once fd closes; or 0 */
	int		 esc;		/* what is written is escaped for
					   dial-stdio --escaped (ssh.c) */
	int		 esc_lead;	/* an escape's first byte went, its
					   second is owed */
};
struct runner_channel {
	struct chan	*chan;
	char		 errmsg[RUNNER_ERRMSG_MAX];
};
struct chan		*chan_new(int);
void			 chan_gone(struct chan *);
void			 chan_name(struct chan *, const char *);
void			 chan_unref(struct chan *);
struct runner_channel	*chan_handle(struct chan *);
ssize_t			 chan_fill(struct runner_channel *, size_t);
int			 chan_lease_over(struct chan *);
int			 chan_seterr(struct runner_channel *, int,
			    const char *, ...)
			    __attribute__((format(printf, 3, 4)));

/* ask.c: runner_ask with the reply's ext parsed (rpc.c's core). */
int	 ask_json(struct runner_channel *, const char *, const char *, int,
	    struct json **);

/* sock.c: UNIX socket helpers shared by the library and runnerd. */
int	 sock_connect(const char *);
int	 sock_remove_stale(const char *, char *, size_t);
int	 sock_pair(int [2]);
int	 fd_nonblock(int);
int	 fd_wait(int, short, double);
int	 fd_wait_either(int, int, short, double);

/* ssh.c: runnerd on another machine, through ssh(1) and dial-stdio. */
struct ssh_target {
	char		*user, *host, *port;	/* NULL when not given */
	char		*path;			/* the remote socket, or NULL */
	char		 buf[4352];		/* what they point into */
};
int	 ssh_url(const char *);
int	 ssh_parse(const char *, struct ssh_target *, char *, size_t);
int	 ssh_dial(const char *, pid_t *, char *, size_t);
int	 ssh_dial_escaped(const char *, pid_t *, char *, size_t);
void	 ssh_hangup(int, pid_t);
void	 ssh_close(int, pid_t);
void	 ssh_parent_death(int);
ssize_t	 ssh_send(struct chan *, const void *, size_t);
int	 ssh_send_half(struct chan *);
struct ssh_unesc {			/* dial-stdio --escaped's reading */
	int		 lead;		/* the last byte was an escape */
	int		 half;		/* the half-close mark came */
	int		 bad;		/* the escaping broke: -1, a byte
					   after the mark; else 0x100 | the
					   unknown byte after an escape */
};
size_t	 ssh_unescape(struct ssh_unesc *, char *, size_t);

/* clock.c: monotonic deadlines in seconds; a negative one never comes. */
double	 clock_now(void);
double	 clock_deadline(int);
int	 clock_ms_left(double);

/* paths.c: default locations of the configuration and the socket. */
#define PATHS_SYSTEM_CONFIG	"/etc/runner/runner.conf"
char	*paths_config(void);
char	*paths_config_home(void);
char	*paths_socket(void);

/*
 * runner.c: the backends behind the public functions.  channel and
 * channel_direct return a chan with one reference for the caller.
 */
struct runner_ops {
	int	(*load_config)(struct runner *, const char *);
	int	(*update_config)(struct runner *, const char *);
	int	(*start)(struct runner *, const char *,
		    const struct runner_start *, int);
	int	(*terminate)(struct runner *, const char *);
	struct chan *(*channel)(struct runner *, const char *);
	void	(*free)(struct runner *);
	struct chan *(*channel_direct)(struct runner *, const char *);
	int	(*signal)(struct runner *, const char *, int);
	int	(*status)(struct runner *, const char *,
		    struct runner_status *);
	int	(*events_fd)(struct runner *);
	int	(*next_event)(struct runner *, struct runner_event *);
};
struct runner {
	const struct runner_ops	*ops;
	void			*backend;	/* the backend's own state */
	int			 errcode;	/* last error */
	char			 errmsg[RUNNER_ERRMSG_MAX];
};
int	 runner_seterr(struct runner *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	 errf(char *, size_t, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
const char *runner_code_name(int);
int	 alias_check(const char *, char *, size_t);
/* escape.c */
char	*escape_ctrl(const char *, char *, size_t);
int	 runner_code_from_name(const char *);

/*
 * evq.c: the in-process backend's events: a bounded queue, and the
 * descriptor (an epoll set) that polls readable while an event is queued
 * or a watched child has exited.
 */
#define EVQ_MAX		256	/* events queued; then one LAGGED */
struct evq;
struct evq	*evq_new(char *, size_t);
void		 evq_free(struct evq *);
int		 evq_fd(const struct evq *);
int		 evq_watch(struct evq *, pid_t);
void		 evq_unwatch(struct evq *, int);
void		 evq_push(struct evq *, int, const char *, pid_t);
void		 evq_push_exit(struct evq *, const char *, pid_t, int, int);
int		 evq_pop(struct evq *, struct runner_event *);
void		 ev_exit_status(int, int *, int *);

/* subscribe.c: the daemon backend's events, runnerd's subscribe. */
struct sub;
struct sub	*sub_open(const char *, char *, size_t, int *);
void		 sub_free(struct sub *);
int		 sub_fd(const struct sub *);
int		 sub_next(struct sub *, struct runner_event *, char *, size_t);
void		 sub_exit(const struct json *, int, int *, int *);
int		 sub_health(const struct json *, int);

/* local.c: the in-process backend. */
extern const struct runner_ops local_ops;
void	*local_new(void);

/* remote.c: the runnerd-backed backend; handoff.c: direct channels. */
extern const struct runner_ops remote_ops;
void	*remote_new(const char *);
int	 handoff_take(int, const char *, int *, struct buf *, char *,
	    size_t);

#endif /* RUNNER_INT_H */
