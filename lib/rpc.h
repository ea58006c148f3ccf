/*
 * rpc.h: librunner's one client of runnerd's protocol (lib/proto.h),
 * shared by the daemon backend (remote.c) and runnerctl (ctl/conn.c).
 * Named rpc, not client: runnerd's client_* are its peers.  Not
 * installed.
 */

#ifndef RPC_H
#define RPC_H

#include "runner-int.h"

/* A start request: what is NULL (or -1) is not sent. */
struct rpc_start {
	const char		*app;
	const char		*alias;
	const char *const	*args;		/* NULL-terminated */
	const char		*socket;	/* relative to the app's cwd */
	const char		*cwd;		/* absolute (rpc_abspath) */
	int			 strict;	/* 0, 1, or -1 */
	int			 wait;		/* 0, 1, or -1 */
	int			 forget;	/* 1: a failed start leaves no
						   record (protocol 7) */
};

int		 rpc_dial(const char *, pid_t *);
const char	*rpc_local(const char *);
struct runner_channel *rpc_handle(int, pid_t);
void		 rpc_attached(struct runner_channel *);
int		 rpc_call(struct runner_channel *, const char *, struct buf *,
		    int, struct json **);
const char	*rpc_refusal(const struct runner_channel *, char *, size_t);
char		*rpc_abspath(const char *, int);
void		 rpc_start_req(struct buf *, const struct rpc_start *);
void		 rpc_signal_req(struct buf *, const char *, int);

#endif /* RPC_H */
