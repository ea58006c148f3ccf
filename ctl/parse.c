/*
 * parse.c: runnerctl's command-line parser.  runnerctl itself and every
 * command describe their options as a table (struct ctl_opt); one loop
 * here takes the words apart against it, so no command grows its own
 * strcmp chain.  Long options take their value as the next word or after
 * '=' ("--alias c1", "--alias=c1"); "--" ends the options.  runnerctl's
 * own options (-s, --json) are also taken after the command, where the
 * command has no option of that name (kill -s is its signal).  Values that
 * need checking or turning into what the daemon expects (seconds, paths)
 * are handled here too.
 */

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerctl.h"

static int	parse_lookup(const struct ctl_opt *, const char *, size_t);

/* The index of the option named name[0..len) in opts, or -1. */
static int
parse_lookup(const struct ctl_opt *opts, const char *name, size_t len)
{
	int	 i;

	/* val[] has CTL_OPTS_MAX slots; a longer table is a bug here. */
	for (i = 0; opts != NULL && opts[i].name != NULL &&
	    i < CTL_OPTS_MAX; i++) {
		if (strlen(opts[i].name) == len &&
		    strncmp(opts[i].name, name, len) == 0)
			return (i);
	}
	return (-1);
}

/*
 * Take argv[0..argc) apart against opts, then globals (their values go
 * to a->gval; CMD_* flags say where options may stand and what "--"
 * starts).  --help and -h are known everywhere
 * options are.  0, or -1 with a message in err; the operand array is
 * the caller's to release with parse_args_free.
 */
int
parse_args(int argc, char **argv, const struct ctl_opt *opts,
    const struct ctl_opt *globals, int flags, struct ctl_args *a, char *err,
    size_t errlen)
{
	const struct ctl_opt *t;
	const char	**val;
	const char	*w, *eq;
	size_t		 len;
	int		 i, k;

	memset(a, 0, sizeof(*a));
	if ((a->argv = calloc((size_t)argc + 1, sizeof(*a->argv))) == NULL) {
		errf(err, errlen, "out of memory");
		return (-1);
	}
	for (i = 0; i < argc; i++) {
		w = argv[i];
		/*
		 * Options-first commands (send) read everything after the
		 * alias as text, as echo does: "send c1 -n" sends "-n".  A
		 * "--" right after the alias is still the end of options
		 * ("send c1 -- --help" sends "--help"); a later one is text.
		 */
		if ((flags & CMD_OPTSFIRST) && a->argc == 1 &&
		    strcmp(w, "--") == 0 && !(flags & (CMD_EXTRA | CMD_LINE))) {
			while (++i < argc)
				a->argv[a->argc++] = argv[i];
			break;
		}
		if (w[0] != '-' || w[1] == '\0' ||
		    ((flags & CMD_OPTSFIRST) && a->argc > 0)) {
			a->argv[a->argc++] = argv[i];
			continue;
		}
		if (strcmp(w, "--") == 0) {
			if (flags & CMD_EXTRA) {
				a->extra = argv + i + 1;
				a->nextra = argc - i - 1;
				break;
			}
			while (++i < argc)
				a->argv[a->argc++] = argv[i];
			break;
		}
		if (strcmp(w, "--help") == 0 || strcmp(w, "-h") == 0) {
			a->help = 1;
			continue;
		}
		eq = strncmp(w, "--", 2) == 0 ? strchr(w, '=') : NULL;
		len = eq != NULL ? (size_t)(eq - w) : strlen(w);
		t = opts;
		val = a->val;
		if ((k = parse_lookup(opts, w, len)) == -1 &&
		    (k = parse_lookup(globals, w, len)) != -1) {
			t = globals;
			val = a->gval;
		}
		if (k == -1) {
			errf(err, errlen, "unknown option '%.*s'", (int)len, w);
			return (-1);
		}
		if (!t[k].arg) {
			if (eq != NULL) {
				errf(err, errlen, "option '%s' takes no value",
				    t[k].name);
				return (-1);
			}
			val[k] = "";
		} else if (eq != NULL)
			val[k] = eq + 1;
		else if (i + 1 < argc)
			val[k] = argv[++i];
		else {
			errf(err, errlen, "option '%s' needs a value",
			    t[k].name);
			return (-1);
		}
	}
	return (0);
}

/* Release what parse_args allocated. */
void
parse_args_free(struct ctl_args *a)
{
	free(a->argv);
	a->argv = NULL;
}

/* A number of seconds (fractions welcome, not negative): 0, else -1. */
int
parse_seconds(const char *s, double *d)
{
	char	*end;

	errno = 0;
	*d = strtod(s, &end);
	if (s[0] == '\0' || *end != '\0' || errno != 0 || !isfinite(*d) ||
	    *d < 0)
		return (-1);
	return (0);
}

/*
 * A path word as runnerd must see it (rpc_abspath), resolved when asked
 * and it exists, else left for the daemon to report as missing; the
 * word itself when our cwd is unknown.  Malloc'd.
 */
char *
parse_path(const char *path, int resolve)
{
	char	*p;

	if ((p = rpc_abspath(path, resolve)) == NULL)
		p = out_oom(strdup(path));
	return (p);
}
