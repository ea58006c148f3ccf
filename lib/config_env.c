/*
 * config_env.c: env_file, a file of NAME=value lines read when the
 * configuration is loaded (so a bad line is refused with the rest of the
 * configuration, and a changed file is a changed app on reload).  Blank
 * lines and lines starting with # are skipped, "export " is allowed in
 * front, and a value wholly in single or double quotes loses them; there
 * is no expansion of any kind.  The app's own env wins over the file's.
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner-int.h"
#include "config.h"

#define ENV_LINE_MAX	65536

static int	 env_name_ok(const char *, size_t);
static int	 env_has(char *const *, const char *);
static int	 env_line(char *, char **);

/* A shell variable name: [A-Za-z_][A-Za-z0-9_]*. */
static int
env_name_ok(const char *s, size_t n)
{
	size_t	 k;

	if (n == 0 || isdigit((unsigned char)s[0]))
		return (0);
	for (k = 0; k < n; k++)
		if (!isalnum((unsigned char)s[k]) && s[k] != '_')
			return (0);
	return (1);
}

/* Does env set the name that the "NAME=value" entry sets? */
static int
env_has(char *const *env, const char *entry)
{
	size_t	 n = strcspn(entry, "=");

	for (; *env != NULL; env++)
		if (strncmp(*env, entry, n) == 0 && (*env)[n] == '=')
			return (1);
	return (0);
}

/*
 * One line, trimmed of its newline, into *out as "NAME=value" (malloc'd),
 * or *out NULL for a blank or comment line.  -1: malformed (errno 0) or
 * out of memory (errno ENOMEM).
 */
static int
env_line(char *line, char **out)
{
	char	*p = line, *eq, *v;
	size_t	 vn;

	*out = NULL;
	line[strcspn(line, "\r\n")] = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '#')
		return (0);
	if (strncmp(p, "export ", 7) == 0)
		p += 7;
	errno = 0;
	if ((eq = strchr(p, '=')) == NULL || !env_name_ok(p, eq - p))
		return (-1);
	v = eq + 1;
	vn = strlen(v);
	if (vn >= 2 && (v[0] == '"' || v[0] == '\'') && v[vn - 1] == v[0]) {
		v++;
		vn -= 2;
	}
	if (asprintf(out, "%.*s=%.*s", (int)(eq - p), p, (int)vn, v) == -1) {
		*out = NULL;
		errno = ENOMEM;
		return (-1);
	}
	return (0);
}

/*
 * Read app->env_file (s is its setting, for messages) and put its
 * variables in front of the app's env, except those env sets itself.
 */
int
env_file_load(struct load *ld, struct app *app, const config_setting_t *s)
{
	FILE		*fp;
	const char	*why;
	char		 line[ENV_LINE_MAX], **env, **merged, *entry;
	size_t		 n, k, len;
	int		 lineno;

	if ((fp = conf_fopen(app->env_file, ENV_FILE_MAX, &why)) == NULL)
		return (load_err(ld, s, s, "cannot read '%s': %s",
		    app->env_file, why));
	env = NULL;
	n = 0;
	for (lineno = 1; fgets(line, sizeof(line), fp) != NULL; lineno++) {
		len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			load_err(ld, s, s, "%s:%d: line longer than %d bytes",
			    app->env_file, lineno, ENV_LINE_MAX - 2);
			goto fail;
		}
		if (env_line(line, &entry) == -1) {
			if (errno == ENOMEM)
				load_nomem(ld);
			else
				load_err(ld, s, s, "%s:%d: expected NAME=value",
				    app->env_file, lineno);
			goto fail;
		}
		if (entry == NULL || env_has(app->env, entry)) {
			free(entry);
			continue;
		}
		if ((merged = reallocarray(env, n + 2, sizeof(*env))) == NULL) {
			free(entry);
			load_nomem(ld);
			goto fail;
		}
		env = merged;
		env[n++] = entry;
		env[n] = NULL;
	}
	if (ferror(fp)) {
		load_err(ld, s, s, "cannot read '%s': %s", app->env_file,
		    strerror(errno));
		goto fail;
	}
	fclose(fp);
	if (n == 0)
		return (0);
	len = argv_len(app->env);
	if ((merged = reallocarray(env, n + len + 1, sizeof(*env))) == NULL) {
		argv_free(env);
		return (load_nomem(ld));
	}
	for (k = 0; k <= len; k++)
		merged[n + k] = app->env[k];
	free(app->env);
	app->env = merged;
	return (0);

fail:
	fclose(fp);
	argv_free(env);
	return (-1);
}
