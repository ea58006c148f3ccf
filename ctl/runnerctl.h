/*
 * runnerctl.h: runnerctl's one internal header.  The command table and
 * its handlers, the argument parser, the connection to runnerd and the
 * output helpers, grouped by the file that defines them.
 */

#ifndef RUNNERCTL_H
#define RUNNERCTL_H

#include <stdarg.h>
#include <stdio.h>

#include "runner-int.h"
#include "proto.h"
#include "rpc.h"

/* Exit statuses: part of the interface, documented in runnerctl(1). */
#define CTL_EXIT_OK		0	/* done */
#define CTL_EXIT_REFUSED	1	/* runnerd (or runnerctl) refused */
#define CTL_EXIT_USAGE		2	/* bad command line */
#define CTL_EXIT_NODAEMON	3	/* no runnerd reachable, or it left */

#define CTL_OPTS_MAX		8	/* most options one command takes */

/* One option a command (or runnerctl itself) takes. */
struct ctl_opt {
	const char	*name;		/* "--alias", "-n" */
	int		 arg;		/* takes a value */
	const char	*help;		/* "A: name the instance A"; a value's
					   name, then what the option does */
};

/* A command line taken apart by parse_args. */
struct ctl_args {
	const char	*val[CTL_OPTS_MAX];	/* per option: value, "" for a
						   flag, NULL when absent */
	const char	*gval[CTL_OPTS_MAX];	/* runnerctl's own options
						   given after the command */
	char		**argv;		/* operands */
	int		 argc;
	char		**extra;	/* after "--" (CMD_EXTRA), or NULL */
	int		 nextra;
	int		 help;		/* --help was given */
};

struct ctl;

/* One entry of the command table. */
struct ctl_cmd {
	const char		*name;
	int			 min, max;	/* operands; max -1: any */
	int			 flags;
#define CMD_OPTSFIRST	0x1	/* options only before the first operand */
#define CMD_EXTRA	0x2	/* words after "--" are extra, not operands */
#define CMD_LINE	0x4	/* runnerctl's own words: the first operand is
				   the command, whose words are its own */
	const struct ctl_opt	*opts;		/* NULL-terminated, or NULL */
	int			(*fn)(struct ctl *, struct ctl_args *);
	const char		*synopsis;	/* operands and options */
	const char		*help;		/* one line */
	const char		*example;	/* one or more command lines,
						   each ending "\n" */
};

/* What every handler works with. */
struct ctl {
	const char		*socket;	/* control socket path, or
						   ssh://... (lib/ssh.c) */
	const char		*host;		/* -H as given, until
						   ctl_where settles socket */
	int			 json;		/* --json: replies as JSON */
	int			 autostart;	/* start runnerd if none answers */
	int			 timeout_ms;	/* a reply's wait: -1 runnerd's
						   own bounds, else this */
	struct runner_channel	*h;		/* to runnerd, once connected */
	const struct ctl_cmd	*cmd;		/* the command being run */
};

/* runnerctl.c */
int	 ctl_usage_error(const struct ctl_cmd *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 ctl_help(struct ctl *, struct ctl_args *);

/* parse.c */
int	 parse_args(int, char **, const struct ctl_opt *,
	    const struct ctl_opt *, int, struct ctl_args *, char *, size_t);
void	 parse_args_free(struct ctl_args *);
int	 parse_seconds(const char *, double *);
char	*parse_path(const char *, int);

/* conn.c */
int	 conn_open(struct ctl *);
void	 conn_close(struct ctl *);
int	 conn_request(struct ctl *, const char *, struct buf *,
	    struct json **);
int	 conn_ask(struct ctl *, const char *, struct buf *, struct json **);
int	 conn_ask_alias(struct ctl *, const char *, const char *,
	    struct json **);
int	 conn_fail(struct ctl *, int);
int	 conn_replied(struct ctl *);
int	 conn_refuse(struct ctl *, const char *, const char *);

/* autostart.c */
int	 autostart_runnerd(const char *);
void	 autostart_started(const char *);

/* ask.c */
extern const struct ctl_opt ask_opts[];
int	 ctl_ask(struct ctl *, struct ctl_args *);

/* cmd.c */
extern const struct ctl_opt start_opts[], stop_opts[], restart_opts[],
    status_opts[], kill_opts[];
int	 ctl_start(struct ctl *, struct ctl_args *);
int	 ctl_stop(struct ctl *, struct ctl_args *);
int	 ctl_rm(struct ctl *, struct ctl_args *);	/* remove.c */
extern const struct ctl_opt rm_opts[];
extern const struct ctl_opt upgrade_opts[];
/* Which instances an app's name and --all stand for (targets.c). */
enum targets_which {
	TARGETS_ANY,		/* every one (restart) */
	TARGETS_LIVE,		/* not ended: those with a process (stop) */
	TARGETS_ENDED		/* ended only: what rm can forget */
};
int	 ctl_targets(struct ctl *, struct ctl_args *, int, enum targets_which,
	    char ***, int *);
int	 ctl_restart(struct ctl *, struct ctl_args *);
int	 ctl_kill(struct ctl *, struct ctl_args *);
int	 ctl_status(struct ctl *, struct ctl_args *);

/* check.c */
int	 ctl_status_check(struct ctl *, struct ctl_args *, int);

/* daemon.c */
int	 ctl_apps(struct ctl *, struct ctl_args *);
int	 ctl_reload(struct ctl *, struct ctl_args *);
int	 ctl_update(struct ctl *, struct ctl_args *);
int	 ctl_shutdown(struct ctl *, struct ctl_args *);
int	 ctl_upgrade(struct ctl *, struct ctl_args *);
int	 ctl_ping(struct ctl *, struct ctl_args *);
int	 ctl_version(struct ctl *, struct ctl_args *);

/* dialstdio.c */
extern const struct ctl_opt dial_opts[];
int	 ctl_dial_stdio(struct ctl *, struct ctl_args *);

/* deps.c */
int	 ctl_deps(struct ctl *, struct ctl_args *);

/* metrics.c */
int	 ctl_metrics(struct ctl *, struct ctl_args *);

/* depwait.c */
void	 deps_watch(struct ctl *, const char *);
void	 deps_unwatch(void);

/* logs.c */
extern const struct ctl_opt logs_opts[];
int	 ctl_logs(struct ctl *, struct ctl_args *);

/* io.c */
extern const struct ctl_opt send_opts[], read_opts[];
int	 ctl_send(struct ctl *, struct ctl_args *);
int	 ctl_read(struct ctl *, struct ctl_args *);
int	 ctl_attach(struct ctl *, struct ctl_args *);

/* tick.c */
#define TICK_PROGRESS	0	/* "... 3s", rewritten each second */
#define TICK_ONCE	1	/* one line, after the first second */
void	 tick_start(int, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 tick_say(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
void	 tick_stop(void);

/* roll.c */
int	 ctl_restart_rolling(struct ctl *, struct ctl_args *, int,
	    const char *, int);

/* targets.c */
int	 targets_natcmp(const char *, const char *);
int	 targets_list(struct ctl *, struct json **);
int	 targets_match(struct json *, const char *, int *);
char	**targets_expand(struct ctl *, char **, int, int,
	    enum targets_which, int *, int *);
void	 targets_free(char **);

/* output.c */
struct table;
struct table	*table_new(const char *const *);
void		 table_add(struct table *, const char *const *);
void		 table_print(struct table *, FILE *);
void		 table_free(struct table *);
void		 table_colour(struct table *, size_t, const char *);
int		 out_colour(FILE *);
char		*out_uptime(const struct json *, int, char *, size_t);
char		*out_exit(const struct json *, int, char *, size_t);
char		*out_value(const struct json *, int, char *, size_t);
void		 out_json(const struct json *, int);
void		 out_escaped(FILE *, const char *);
void		 out_warnv(const char *, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));
void		 out_shquote(struct buf *, const char *);
int		 out_write(int, const void *, size_t);
void		*out_oom(void *);

#endif /* RUNNERCTL_H */
