/*
 * signals.c: signal names and numbers, for stop_signal, status's
 * last_exit and runnerctl's output.  Its own file so that runnerctl links
 * it without the configuration parser.
 */

#include <signal.h>
#include <stddef.h>
#include <strings.h>

#include "runner-int.h"

/* The usual Linux signals; signal_name gives the first name of a number. */
#define SIG(n)	{ "SIG" #n, SIG##n }
static const struct {
	const char	*name;
	int		 num;
} signals[] = {
	SIG(HUP), SIG(INT), SIG(QUIT), SIG(ILL), SIG(TRAP), SIG(ABRT),
	SIG(BUS), SIG(FPE), SIG(KILL), SIG(USR1), SIG(SEGV), SIG(USR2),
	SIG(PIPE), SIG(ALRM), SIG(TERM),
#ifdef SIGSTKFLT
	SIG(STKFLT),
#endif
	SIG(CHLD), SIG(CONT), SIG(STOP), SIG(TSTP), SIG(TTIN), SIG(TTOU),
	SIG(URG), SIG(XCPU), SIG(XFSZ), SIG(VTALRM), SIG(PROF), SIG(WINCH),
#ifdef SIGIO
	SIG(IO),
#endif
#ifdef SIGPWR
	SIG(PWR),
#endif
	SIG(SYS),
};
#undef SIG

/* "TERM", "SIGTERM", "sigterm" or "15" as a number; -1 when unknown. */
int
signal_from_name(const char *name)
{
	const char	*p;
	size_t		 i;
	int		 n;

	if (name == NULL || name[0] == '\0')
		return (-1);
	if (name[0] >= '0' && name[0] <= '9') {
		for (n = 0, p = name; *p >= '0' && *p <= '9'; p++)
			if ((n = n * 10 + (*p - '0')) > SIGNAL_MAX)
				return (-1);
		return (*p == '\0' && n >= 1 ? n : -1);
	}
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (strcasecmp(name, signals[i].name + 3) == 0)
			return (signals[i].num);
	return (-1);
}

/* "SIGTERM" for SIGTERM; NULL for a number the table does not name. */
const char *
signal_name(int sig)
{
	size_t	 i;

	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (signals[i].num == sig)
			return (signals[i].name);
	return (NULL);
}
