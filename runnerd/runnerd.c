/*
 * runnerd.c: the daemon's entry point.  This build knows its flags and
 * checks configurations (-n), using the same validator as the library;
 * the control socket, supervision and relay arrive with the daemon issue,
 * and until then runnerd says so plainly instead of pretending to serve.
 */

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "runner-int.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: runnerd [-dnv] [-c config] [-s socket]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct config	*cfg;
	char		 err[RUNNER_ERRMSG_MAX], *path = NULL;
	int		 ch, check = 0;

	while ((ch = getopt(argc, argv, "c:dns:v")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'd':
		case 's':
		case 'v':
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (!check) {
		fprintf(stderr, "runnerd: serving is not built yet: this "
		    "version only checks configurations (runnerd -n)\n");
		return (1);
	}
	if (path == NULL && (path = paths_config()) == NULL) {
		fprintf(stderr, "runnerd: out of memory\n");
		return (1);
	}
	if ((cfg = config_load_file(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "runnerd: %s\n", err);
		return (1);
	}
	fprintf(stderr, "runnerd: %s: configuration OK (%zu app%s)\n", path,
	    cfg->napps, cfg->napps == 1 ? "" : "s");
	config_free(cfg);
	return (0);
}
