/*
 * cmd_signal.c: the signal command, `kill -s SIG PID` for an instance.
 * It goes to the main process only, not to its group or descendants:
 * what a program does with SIGHUP (reload, reopen its logs) is its main
 * process's business, and a group-wide signal would hit helpers that
 * never asked for it.  Nothing else changes: the state and the restart
 * policy stay, so a process that dies of the signal is reaped, logged
 * and restarted (or not) like any crash, by instance.c and restart.c.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runnerd.h"

static int	 signal_field(struct req *, int *);

/*
 * The signal field: a name ("HUP", "SIGHUP"), digits ("1") or a number
 * (1).  0 with *sig, or -1 after answering EINVAL.
 */
static int
signal_field(struct req *rq, int *sig)
{
	const char	*raw;
	long long	 n;
	size_t		 len;
	char		*name;
	int		 v = json_get(rq->j, rq->ext, "signal");

	if (v == -1) {
		REQ_ERR(rq, RUNNER_EINVAL, "missing 'signal'");
		return (-1);
	}
	if (json_type(rq->j, v) == JSON_NUMBER) {
		if (json_int(rq->j, v, &n) == -1 || n <= 0 || n >= NSIG) {
			raw = json_raw(rq->j, v, &len);
			REQ_ERR(rq, RUNNER_EINVAL, "invalid signal number "
			    "%.*s: use 1 to %d", len > 32 ? 32 : (int)len,
			    raw, NSIG - 1);
			return (-1);
		}
		*sig = (int)n;
		return (0);
	}
	if (req_str(rq, "signal", 1, &name) == -1)
		return (-1);
	if ((*sig = signal_from_name(name)) == -1 || *sig >= NSIG) {
		REQ_ERR(rq, RUNNER_EINVAL, "unknown signal '%.64s'", name);
		free(name);
		return (-1);
	}
	free(name);
	return (0);
}

/* Send a signal to an instance's main process; answered once sent. */
void
cmd_signal(struct req *rq)
{
	struct inst	*i;
	struct buf	 b;
	const char	*name;
	char		 how[64], words[64], num[32];
	int		 sig, saved;

	/* The signal first: a bad one is EINVAL whatever the alias. */
	if (signal_field(rq, &sig) == -1 || (i = req_inst(rq)) == NULL)
		return;
	if (i->pid == 0) {
		/* How it ended, when it did: the likely reason to ask. */
		if (!i->end.exited)
			snprintf(how, sizeof(how), "%s",
			    inst_state_name(i->state));
		else if (i->state == INST_EXITED)
			status_words(i->end.last_status, how, sizeof(how));
		else
			snprintf(how, sizeof(how), "%s, %s",
			    inst_state_name(i->state), status_words(
			    i->end.last_status, words, sizeof(words)));
		REQ_ERR(rq, RUNNER_ECLOSED, "'%s' is not running (%s)",
		    i->alias, how);
		return;
	}
	if ((name = signal_name(sig)) == NULL)
		snprintf(num, sizeof(num), "signal %d", sig);
	/* Our unreaped child (ev_child reaps it): the pid is still its. */
	if (kill(i->pid, sig) == -1) {
		saved = errno;
		log_warn("%s: cannot send %s to pid %ld", i->alias,
		    name != NULL ? name : num, (long)i->pid);
		REQ_ERR(rq, RUNNER_ESYS, "cannot send %s to '%s' (pid %ld): "
		    "%s", name != NULL ? name : num, i->alias, (long)i->pid,
		    strerror(saved));
		return;
	}
	log_info("%s: %s sent to pid %ld (client %llu)", i->alias,
	    name != NULL ? name : num, (long)i->pid,
	    (unsigned long long)rq->c->id);
	buf_init(&b);
	jw_open(&b, '{');
	inst_json_head(&b, i, i->pid);
	jw_key(&b, "signal");
	if (name != NULL)
		jw_str(&b, name);
	else
		jw_int(&b, sig);
	jw_close(&b, '}');
	req_reply(rq, &b);
}
