/*
 * runnerctl.c: the command line.  This build has no daemon to talk to
 * yet, so it answers `version` and `--help` and reports every daemon
 * command as unreachable (exit status 3, as for a daemon that is down).
 */

#include <stdio.h>
#include <string.h>

#include "runner-int.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: runnerctl [-s SOCKET] [--json] COMMAND ...\n"
	    "  start APP [--alias A] [--socket PATH] [--strict] [-- ARGS...]\n"
	    "  stop ALIAS... | --all        restart ALIAS       "
	    "status [ALIAS...]\n"
	    "  apps     send ALIAS [TEXT]   read ALIAS [--wait SECONDS]\n"
	    "  attach ALIAS   logs ALIAS [-f]   reload   shutdown   ping   "
	    "version\n");
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return (2);
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return (0);
	}
	if (strcmp(argv[1], "version") == 0 ||
	    strcmp(argv[1], "--version") == 0) {
		printf("runnerctl %s\n", RUNNER_VERSION);
		return (0);
	}
	fprintf(stderr, "runnerctl: ENOTSUP: '%s' needs runnerd, which this "
	    "version does not have yet\n", argv[1]);
	return (3);
}
