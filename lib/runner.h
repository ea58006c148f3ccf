/*
 * runner.h: the public API of librunner.
 *
 * A runner starts instances of configured apps under aliases and hands out
 * channels: non-blocking byte streams to an instance (its stdin and stdout
 * for stdio apps, a connection to its socket for socket apps).  The same API
 * drives the program's own children (runner_new) or instances owned by
 * runnerd (runner_connect).  See librunner(3).
 *
 * Every function that can fail returns a negative RUNNER_E* code (or NULL)
 * and keeps a message for runner_errmsg.  The library never prints, exits,
 * installs signal handlers or touches the program's event loop.  A runner
 * and its channels are not thread-safe: use them from one thread at a time.
 */

#ifndef RUNNER_H
#define RUNNER_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef RUNNER_VERSION		/* -D for a second build (tests/upgrade) */
#define RUNNER_VERSION "0.1.0"
#endif

/* Error codes: negative, append-only; runner_strerror gives the words. */
enum runner_error {
	RUNNER_OK = 0,
	RUNNER_EAGAIN = -1,	/* nothing to read, or no room to write, yet */
	RUNNER_ECLOSED = -2,	/* the other side is gone, all its output read */
	RUNNER_ENOAPP = -3,	/* no app of that name in the configuration */
	RUNNER_ENOALIAS = -4,	/* no instance under that alias */
	RUNNER_EEXIST = -5,	/* the alias is already running */
	RUNNER_ESPAWN = -6,	/* the command could not be started */
	RUNNER_ETIMEDOUT = -7,	/* no answer in time */
	RUNNER_ECONFIG = -8,	/* the configuration is invalid */
	RUNNER_EINVAL = -9,	/* a bad argument */
	RUNNER_EPROTO = -10,	/* a malformed message */
	RUNNER_ENOCMD = -11,	/* the peer does not know that command */
	RUNNER_EPERM = -12,	/* not allowed */
	RUNNER_ENOMEM = -13,	/* out of memory */
	RUNNER_ESYS = -14,	/* a system call failed; the message says which */
	RUNNER_ENOTSUP = -15,	/* not supported by this backend or build */
	RUNNER_EDEPEND = -16,	/* a dependency failed: not started; or
				   a stop of what others depend on */
	RUNNER_EUPGRADE = -17	/* runnerd's upgrade did not happen; it
				   runs on unchanged */
};

/* runner_ensure_running: the alias was already running (not an error). */
#define RUNNER_RUNNING 1

struct runner;
struct runner_channel;

/* Per-start options; any field may be NULL. */
struct runner_start {
	const char		*alias;	/* default: the app's name */
	const char *const	*args;	/* NULL-terminated, appended to argv */
	const char		*socket;/* socket apps: overrides the app's */
	const char		*cwd;	/* overrides the app's */
};

/*
 * runner_new: instances are this program's children; runner_free stops
 * them.  runner_connect: instances are runnerd's (socket NULL: the
 * default path, see runnerd(8)); they outlive the runner, and NULL with
 * errno (ENOENT, ECONNREFUSED) means no runnerd answers there: none is
 * started.  Every other function works the same on both, with the same
 * codes; handles outlive runner_free on both.
 */
struct runner	*runner_new(void);
struct runner	*runner_connect(const char *socket);
void		 runner_free(struct runner *);
const char	*runner_errmsg(const struct runner *);
int		 runner_errcode(const struct runner *);
const char	*runner_strerror(int code);

/* Checked whole first; through runnerd, runnerd loads it (reload). */
int	runner_load_config(struct runner *, const char *path);
int	runner_update_config(struct runner *, const char *libconfig_text);

int	runner_ensure_running(struct runner *, const char *app,
	    const struct runner_start *);
int	runner_start(struct runner *, const char *app,
	    const struct runner_start *);
int	runner_terminate(struct runner *, const char *alias);

/*
 * Send signo to the instance's main process only (not its group), as
 * kill(2) would; the restart policy is unchanged, so an instance that
 * dies of it is restarted (through runnerd) like any other crash.
 */
int	runner_signal(struct runner *, const char *alias, int signo);

/*
 * A new handle on alias's channel.  In-process every handle shares the
 * child's one stream; through runnerd each is a connection of its own
 * (attach) that sees all the output from when it was made.
 */
struct runner_channel *runner_get_channel(struct runner *, const char *alias);
ssize_t	 runner_channel_read(struct runner_channel *, void *, size_t);
ssize_t	 runner_channel_write(struct runner_channel *, const void *, size_t);
int	 runner_channel_fd(const struct runner_channel *);
int	 runner_channel_wait(struct runner_channel *, int timeout_ms);
void	 runner_channel_close(struct runner_channel *);
const char *runner_channel_errmsg(const struct runner_channel *);

/*
 * End of input (a half-close): the child reads EOF once it has read
 * every byte written before; output is still read until the child's
 * ends.  0, also when input was already ended; RUNNER_ECLOSED when the
 * instance is gone.  Writes after it fail with RUNNER_ECLOSED.
 */
int	 runner_channel_shutdown(struct runner_channel *);

int	runner_ask(struct runner_channel *, const char *cmd,
	    const char *ext_json, int timeout_ms, char **reply_ext);

/*
 * A channel that bypasses runnerd: the daemon hands over the instance's
 * own descriptor (with the output it had buffered, read first) and
 * leaves it alone until the handle is closed or this process exits.
 * Only one direct holder per instance at a time (RUNNER_EEXIST); while
 * it is held runnerd neither buffers the instance's output nor takes
 * write requests for it.  In-process it is runner_get_channel.
 */
struct runner_channel *runner_get_channel_direct(struct runner *,
	    const char *alias);

/*
 * The lifecycle: how an instance is (runner_status) and what happens to
 * it (runner_events_fd, runner_next_event).  Both structs are versioned
 * for growth: set version to RUNNER_STATUS_VERSION (RUNNER_EVENT_VERSION)
 * before the call.  The library fills the fields that version has and
 * never writes past them, and sets version to the lower of the caller's
 * and its own; a later header only appends fields and raises the
 * number, so a program built against this one works with later
 * libraries, and one built later works with this library (checking
 * version for what was filled).  A version below 1: RUNNER_EINVAL.
 */
enum runner_state {
	RUNNER_STATE_STARTING = 1,	/* started, not ready yet */
	RUNNER_STATE_RUNNING,		/* running (ready) */
	RUNNER_STATE_BACKOFF,		/* ended; the policy restarts it */
	RUNNER_STATE_STOPPING,		/* being stopped */
	RUNNER_STATE_EXITED,		/* ended; no restart to come */
	RUNNER_STATE_FAILED,		/* the policy gave up restarting */
	RUNNER_STATE_STOPPED,		/* stopped by another client of
					   runnerd (7); listed until removed */
	RUNNER_STATE_WAITING		/* for its dependencies (8) */
};

/* An instance's health probe's verdict (version 2; runnerd only). */
enum runner_health {
	RUNNER_HEALTH_NONE = 0,		/* its app has no probe */
	RUNNER_HEALTH_STARTING,		/* no verdict yet */
	RUNNER_HEALTH_HEALTHY,		/* the last probe passed */
	RUNNER_HEALTH_UNHEALTHY		/* retries probes failed in a row */
};

#define RUNNER_STATUS_VERSION	2
struct runner_status {
	int		 version;	/* in and out: see above */
	int		 state;		/* enum runner_state */
	pid_t		 pid;		/* main process; 0: none now */
	int		 ready;		/* 1: running and ready */
	int		 restarts;	/* by the policy or by hand */
	int		 exited;	/* 1: the last exit is below */
	int		 exit_code;	/* its exit status; -1: a signal */
	int		 exit_signal;	/* the signal that killed it, or 0 */
	int		 left_behind;	/* processes its main process left
					   when it exited, then killed */
	double		 uptime;	/* seconds its process has run */
	/* Version 2: */
	int		 health;	/* enum runner_health */
};
int	runner_status(struct runner *, const char *alias,
	    struct runner_status *);

enum runner_event_kind {
	RUNNER_EVENT_STARTED = 1,	/* a process started (pid) */
	RUNNER_EVENT_READY,		/* it is ready, right after STARTED */
	RUNNER_EVENT_EXITED,		/* its process ended (exit_*) */
	RUNNER_EVENT_RESTARTING,	/* a restart comes after delay */
	RUNNER_EVENT_FAILED,		/* the policy gave up */
	RUNNER_EVENT_STOPPED,		/* terminated: the alias is free */
	RUNNER_EVENT_LAGGED,		/* missed events were dropped */
	RUNNER_EVENT_HEALTH		/* its probe's verdict changed
					   (health); version 2 only */
};

#define RUNNER_EVENT_VERSION	2
#define RUNNER_EVENT_ALIAS	65	/* an alias and its NUL */
struct runner_event {
	int		 version;	/* in and out, as runner_status's */
	int		 kind;		/* enum runner_event_kind */
	char		 alias[RUNNER_EVENT_ALIAS];	/* "" for LAGGED */
	pid_t		 pid;		/* STARTED, READY, EXITED; else 0 */
	int		 exit_code;	/* EXITED: as runner_status's */
	int		 exit_signal;
	int		 left_behind;	/* EXITED */
	double		 delay;		/* RESTARTING: seconds */
	unsigned long long missed;	/* LAGGED: events dropped */
	/* Version 2: */
	int		 health;	/* HEALTH: enum runner_health */
};
int	runner_events_fd(struct runner *);
int	runner_next_event(struct runner *, struct runner_event *);

#ifdef __cplusplus
}
#endif

#endif /* RUNNER_H */
