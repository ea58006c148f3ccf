/*
 * codes.c: the error codes' protocol names and words, and errf.  Apart
 * from runner.c so that programs that only speak the protocol
 * (runnerctl) link none of the backends, and so not libconfig.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runner-int.h"

/* Codes, their protocol names and their words: one table for all. */
static const struct {
	int		 code;
	const char	*name;
	const char	*words;
} runner_codes[] = {
	{ RUNNER_OK,		"OK",		"success" },
	{ RUNNER_EAGAIN,	"EAGAIN",	"nothing available yet" },
	{ RUNNER_ECLOSED,	"ECLOSED",	"the other side is gone" },
	{ RUNNER_ENOAPP,	"ENOAPP",	"no such app" },
	{ RUNNER_ENOALIAS,	"ENOALIAS",	"no such alias" },
	{ RUNNER_EEXIST,	"EEXIST",	"already running" },
	{ RUNNER_ESPAWN,	"ESPAWN",	"cannot start the command" },
	{ RUNNER_ETIMEDOUT,	"ETIMEDOUT",	"timed out" },
	{ RUNNER_ECONFIG,	"ECONFIG",	"invalid configuration" },
	{ RUNNER_EINVAL,	"EINVAL",	"invalid argument" },
	{ RUNNER_EPROTO,	"EPROTO",	"protocol error" },
	{ RUNNER_ENOCMD,	"ENOCMD",	"unknown command" },
	{ RUNNER_EPERM,		"EPERM",	"permission denied" },
	{ RUNNER_ENOMEM,	"ENOMEM",	"out of memory" },
	{ RUNNER_ESYS,		"ESYS",		"system error" },
	{ RUNNER_ENOTSUP,	"ENOTSUP",	"not supported" },
	{ RUNNER_EDEPEND,	"EDEPEND",	"a dependency failed, or needs it" },
	{ RUNNER_EUPGRADE,	"EUPGRADE",	"the upgrade did not happen" },
};
#define NCODES	(sizeof(runner_codes) / sizeof(runner_codes[0]))

/* A code in words; never NULL. */
const char *
runner_strerror(int code)
{
	size_t	 i;

	if (code > 0)
		return ("already running");
	for (i = 0; i < NCODES; i++) {
		if (runner_codes[i].code == code)
			return (runner_codes[i].words);
	}
	return ("unknown error");
}

/* A code's protocol name ("ENOAPP"); never NULL. */
const char *
runner_code_name(int code)
{
	size_t	 i;

	for (i = 0; i < NCODES; i++) {
		if (runner_codes[i].code == code)
			return (runner_codes[i].name);
	}
	return ("EUNKNOWN");
}

/* The code for a protocol name; RUNNER_EPROTO for a name we do not know. */
int
runner_code_from_name(const char *name)
{
	size_t	 i;

	for (i = 1; i < NCODES; i++) {
		if (strcmp(runner_codes[i].name, name) == 0)
			return (runner_codes[i].code);
	}
	return (RUNNER_EPROTO);
}

/* Format a message into err, if the caller gave room for one. */
void
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
