/*
 * paths.c: where the configuration and the control socket live when no
 * flag says, in the order DESIGN.md fixes.  runnerd, runnerctl and the
 * daemon-backed library all resolve them here, so they always agree.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner-int.h"

/* Non-empty environment variable, or NULL. */
static const char *
paths_env(const char *name)
{
	const char	*v = getenv(name);

	return (v != NULL && *v != '\0' ? v : NULL);
}

/*
 * The user's configuration file, by the XDG base directory spec:
 * $XDG_CONFIG_HOME/runner/runner.conf, or ~/.config/runner/runner.conf
 * when XDG_CONFIG_HOME is unset.  A malloc'd path; NULL when neither
 * variable tells (or on OOM).
 */
char *
paths_config_home(void)
{
	const char	*v;
	char		*p;
	int		 n;

	if ((v = paths_env("XDG_CONFIG_HOME")) != NULL)
		n = asprintf(&p, "%s/runner/runner.conf", v);
	else if ((v = paths_env("HOME")) != NULL)
		n = asprintf(&p, "%s/.config/runner/runner.conf", v);
	else
		return (NULL);
	return (n == -1 ? NULL : p);
}

/*
 * The configuration file: $RUNNER_CONFIG, then the user's
 * (paths_config_home) when it exists, then /etc/runner/runner.conf.
 * Returns a malloc'd path, NULL on OOM.
 */
char *
paths_config(void)
{
	const char	*v;
	char		*p;

	if ((v = paths_env("RUNNER_CONFIG")) != NULL)
		return (strdup(v));
	if ((p = paths_config_home()) != NULL) {
		if (access(p, F_OK) == 0)
			return (p);
		free(p);
	}
	return (strdup(PATHS_SYSTEM_CONFIG));
}

/*
 * The control socket: $RUNNER_SOCKET, $XDG_RUNTIME_DIR/runner/runnerd.sock,
 * /run/runner/runnerd.sock for root, else /tmp/runner-UID/runnerd.sock.
 * Returns a malloc'd path, NULL on OOM.
 */
char *
paths_socket(void)
{
	const char	*v;
	char		*p;
	int		 n;

	if ((v = paths_env("RUNNER_SOCKET")) != NULL)
		return (strdup(v));
	if ((v = paths_env("XDG_RUNTIME_DIR")) != NULL)
		n = asprintf(&p, "%s/runner/runnerd.sock", v);
	else if (geteuid() == 0)
		n = asprintf(&p, "/run/runner/runnerd.sock");
	else
		n = asprintf(&p, "/tmp/runner-%lu/runnerd.sock",
		    (unsigned long)geteuid());
	return (n == -1 ? NULL : p);
}
