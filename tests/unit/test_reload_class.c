/*
 * test_reload_class.c: cmocka tests of what a reload does about each
 * option (app_reload over config_opt.c's table).  Every test walks the
 * table, so a new option is tested as soon as it has its row: a row
 * without a class fails, and so does an option whose change app_reload
 * does not report as the class its row declares, or whose entry in
 * runner.conf(5) does not say that class.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner-int.h"
#include "config.h"

#include "config_check.h"

/*
 * Two settings of each option, as the body of an app: the same but for
 * that option (a type needs its socket, so that one adds it).  A row of
 * the table with no line here fails test_each_option_text: add one.
 */
static const struct sample {
	const char	*name;
	const char	*old, *new;
} samples[] = {
	{ "command", "command = \"cat\";", "command = \"tac\";" },
	{ "type", "command = \"cat\";",
	    "command = \"cat\"; type = \"socket\"; socket = \"s\";" },
#define CAT "command = \"cat\"; "
#define SOCKET CAT "type = \"socket\"; "
	{ "socket", SOCKET "socket = \"a\";", SOCKET "socket = \"b\";" },
	{ "cwd", CAT "cwd = \"/\";", CAT "cwd = \"/tmp\";" },
	{ "env", CAT "env = { A = \"1\"; };", CAT "env = { A = \"2\"; };" },
	{ "env_file", CAT "env_file = \"e1\";", CAT "env_file = \"e2\";" },
	{ "env_inherit", CAT "env_inherit = true;",
	    CAT "env_inherit = false;" },
	{ "user", CAT "user = \"root\";", CAT "user = \"12345\";" },
	{ "group", CAT "group = \"0\";", CAT "group = \"23456\";" },
	{ "restart", CAT "restart = \"no\";", CAT "restart = \"always\";" },
	{ "backoff_initial", CAT "backoff_initial = 0.5;",
	    CAT "backoff_initial = 1;" },
	{ "backoff_max", CAT "backoff_max = 20;", CAT "backoff_max = 40;" },
	{ "backoff_reset", CAT "backoff_reset = 1;",
	    CAT "backoff_reset = 2;" },
	{ "max_restarts", CAT "max_restarts = 1;", CAT "max_restarts = 2;" },
	{ "restart_window", CAT "restart_window = 1;",
	    CAT "restart_window = 2;" },
	{ "autostart", CAT "autostart = false;", CAT "autostart = true;" },
	{ "instances", CAT "instances = 2;", CAT "instances = 3;" },
	{ "ready", CAT "ready = \"none\";", CAT "ready = \"notify\";" },
	{ "notify_fd", CAT "notify_fd = 4;", CAT "notify_fd = 5;" },
	{ "ready_timeout", CAT "ready_timeout = 1;",
	    CAT "ready_timeout = 2;" },
	{ "stop_signal", CAT "stop_signal = \"TERM\";",
	    CAT "stop_signal = \"INT\";" },
	{ "stop_timeout", CAT "stop_timeout = 1;", CAT "stop_timeout = 2;" },
	{ "output_buffer", CAT "output_buffer = \"1K\";",
	    CAT "output_buffer = \"2K\";" },
	{ "overflow", CAT "overflow = \"block\";",
	    CAT "overflow = \"drop-oldest\";" },
	{ "log", CAT "log = \"a.log\";", CAT "log = \"b.log\";" },
	{ "log_max_size", CAT "log_max_size = \"1K\";",
	    CAT "log_max_size = \"2K\";" },
	{ "log_keep", CAT "log_keep = 1;", CAT "log_keep = 2;" },
	{ "timestamps", CAT "timestamps = false;", CAT "timestamps = true;" },
	{ "stderr", CAT "stderr = \"log\";", CAT "stderr = \"merge\";" },
	{ "on_exit", CAT "on_exit = \"none\";",
	    CAT "on_exit = \"shutdown\";" },
	/* A dependency needs a second app: the body closes cat's group. */
	{ "depends_on", CAT "}; o = { command = \"x\";",
	    CAT "depends_on = { o = \"started\"; }; }; o = { command = "
	    "\"x\";" },
	{ "on_dependency_restart", CAT "on_dependency_restart = \"none\";",
	    CAT "on_dependency_restart = \"restart\";" },
	{ "health", CAT "health = { exec = \"true\"; };",
	    CAT "health = { exec = \"true\"; interval = 2; };" },
	{ "reload_strategy", CAT "reload_strategy = \"all\";",
	    CAT "reload_strategy = \"rolling\";" },
	{ "reload_max_unavailable", CAT "reload_max_unavailable = 1;",
	    CAT "reload_max_unavailable = 2;" },
#undef SOCKET
#undef CAT
};

static const char *const class_names[] = { "RELOAD_SAME",
    "RELOAD_AT_START", "RELOAD_LIVE", "RELOAD_RESTART" };

static const char *
class_name(enum app_reload r)
{
	return ((size_t)r < NITEMS(class_names) ? class_names[r] : "?");
}

/* Every row has a class (never "same") and a field that shows a change. */
static void
test_every_row_has_class(void **state)
{
	const struct option	*o;
	size_t			 k;

	(void)state;
	assert_true(app_noptions > 0);
	for (k = 0; k < app_noptions; k++) {
		o = &app_options[k];
		if (o->reload != RELOAD_AT_START && o->reload != RELOAD_LIVE &&
		    o->reload != RELOAD_RESTART)
			fail_msg("option %s has no reload class", o->name);
		if (o->cmp[0].type == FIELD_NONE)
			fail_msg("option %s: reload compares nothing",
			    o->name);
	}
}

/*
 * Set field f of b to something other than a's, whatever its type: the
 * two apps then differ in that field only.
 */
static void
field_change(const struct field *f, const struct app *a, struct app *b)
{
	static char	 word[] = "changed", *list[] = { word, NULL };
	static struct app_dep dep = { word, DEP_STARTED, 1 };
	const char	*pa = (const char *)a + f->off;
	char		*pb = (char *)b + f->off;

	switch (f->type) {
	case FIELD_NONE:
		fail_msg("no field");
		break;
	case FIELD_STR:
		*(char **)pb = word;
		assert_true(*(char *const *)pa == NULL ||
		    strcmp(*(char *const *)pa, word) != 0);
		break;
	case FIELD_ARGV:
		*(char ***)pb = list;
		break;
	case FIELD_INT:
		*(int *)pb = *(const int *)pa + 1;
		break;
	case FIELD_DOUBLE:
		*(double *)pb = *(const double *)pa + 1;
		break;
	case FIELD_SIZE:
		*(size_t *)pb = *(const size_t *)pa + 1;
		break;
	case FIELD_UID:
		*(uid_t *)pb = *(const uid_t *)pa + 1;
		break;
	case FIELD_GID:
		*(gid_t *)pb = *(const gid_t *)pa + 1;
		break;
	case FIELD_DEPS:
		((struct app_deps *)pb)->v = &dep;
		((struct app_deps *)pb)->n = 1;
		break;
	case FIELD_HEALTH:
		((struct app_health *)pb)->interval =
		    ((const struct app_health *)pa)->interval + 1;
		break;
	}
}

/*
 * For every option and every field its row compares, two apps that
 * differ in that field alone: app_reload gives the row's class, both
 * ways round, and nothing for an app against itself.
 */
static void
test_each_field_alone(void **state)
{
	struct config		*c = load_ok(APP(""));
	const struct app	*a = &c->apps[0];
	const struct option	*o;
	struct app		 b;
	size_t			 k, j;

	(void)state;
	assert_int_equal(app_reload(a, a), RELOAD_SAME);
	for (k = 0; k < app_noptions; k++) {
		o = &app_options[k];
		for (j = 0; j < OPTION_FIELDS && o->cmp[j].type != FIELD_NONE;
		    j++) {
			b = *a;
			field_change(&o->cmp[j], a, &b);
			if (app_reload(a, &b) != o->reload ||
			    app_reload(&b, a) != o->reload)
				fail_msg("option %s (field %zu): reload says "
				    "%s, its row %s", o->name, j,
				    class_name(app_reload(a, &b)),
				    class_name(o->reload));
		}
	}
	config_free(c);
}

/* The sample of option name, or NULL. */
static const struct sample *
sample_find(const char *name)
{
	size_t	 k;

	for (k = 0; k < NITEMS(samples); k++)
		if (strcmp(samples[k].name, name) == 0)
			return (&samples[k]);
	return (NULL);
}

/* APP0(body) for a body known at run time. */
static struct config *
load_body(const char *body)
{
	char	 text[512];

	snprintf(text, sizeof(text), "apps = {\n cat = {\n  %s\n };\n};\n",
	    body);
	return (load_ok(text));
}

/*
 * Every option through the parser: two configuration texts that differ
 * in that option, loaded, give the class of its row.  This also holds
 * the row's compared fields to what its parser fills (env_file's
 * variables land in env, user's id in uid).
 */
static void
test_each_option_text(void **state)
{
	const struct option	*o;
	const struct sample	*s;
	struct config		*a, *b;
	char			 dir[] = "/tmp/test_reload_class.XXXXXX";
	char			 old[PATH_MAX];
	FILE			*fp;
	size_t			 k;

	(void)state;
	/* env_file's files, by relative path: text keeps it as written. */
	assert_non_null(getcwd(old, sizeof(old)));
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chdir(dir), 0);
	assert_non_null(fp = fopen("e1", "w"));
	fputs("A=1\n", fp);
	assert_int_equal(fclose(fp), 0);
	assert_non_null(fp = fopen("e2", "w"));
	fputs("A=2\n", fp);
	assert_int_equal(fclose(fp), 0);

	for (k = 0; k < app_noptions; k++) {
		o = &app_options[k];
		if ((s = sample_find(o->name)) == NULL)
			fail_msg("option %s has no sample in %s: add one",
			    o->name, __FILE__);
		a = load_body(s->old);
		b = load_body(s->new);
		if (app_reload(&a->apps[0], &b->apps[0]) != o->reload ||
		    app_reload(&b->apps[0], &a->apps[0]) != o->reload)
			fail_msg("option %s: reload says %s, its row %s",
			    o->name, class_name(app_reload(&a->apps[0],
			    &b->apps[0])), class_name(o->reload));
		config_free(a);
		config_free(b);
	}

	unlink("e1");
	unlink("e2");
	assert_int_equal(chdir(old), 0);
	assert_int_equal(rmdir(dir), 0);
}

/*
 * What runner.conf(5) says beside option name about a reload: the
 * sentence from "A reload that changes" to its full stop, in out.
 * NULL when the entry has none.
 */
static char *
man_sentence(FILE *fp, const char *name, char *out, size_t len)
{
	char	 line[1024], head[128];
	size_t	 n;
	int	 in = 0;

	snprintf(head, sizeof(head), ".It Ic %s No = ", name);
	rewind(fp);
	out[0] = '\0';
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, head, strlen(head)) == 0) {
			in = 1;
			continue;
		}
		if (!in)
			continue;
		if (out[0] == '\0' && (strncmp(line, ".It Ic ", 7) == 0 ||
		    strcmp(line, ".El") == 0))
			return (NULL);
		if (out[0] == '\0' && strncmp(line, "A reload that changes",
		    21) != 0)
			continue;
		n = strlen(out);
		if (snprintf(out + n, len - n, "%s%s", n > 0 ? " " : "",
		    line) >= (int)(len - n))
			return (NULL);	/* too long to be one sentence */
		if ((n = strlen(line)) > 0 && line[n - 1] == '.')
			return (out);
	}
	return (NULL);
}

/*
 * runner.conf(5) says beside each option what a reload does about it,
 * and says what the table does: restarts, at once, or at the next start.
 */
static void
test_man_says_class(void **state)
{
	static const char *const says[] = { NULL, "next start", "at once",
	    "restarts the running instances" };
	const struct option	*o;
	FILE			*fp;
	char			 sentence[1024];
	size_t			 k;

	(void)state;
	if ((fp = fopen("man/runner.conf.5", "r")) == NULL)
		fail_msg("man/runner.conf.5: %s (run from the repository "
		    "root)", strerror(errno));
	for (k = 0; k < app_noptions; k++) {
		o = &app_options[k];
		if (man_sentence(fp, o->name, sentence, sizeof(sentence)) ==
		    NULL)
			fail_msg("runner.conf(5) does not say what a reload "
			    "does about %s (\"A reload that changes it "
			    "...\")", o->name);
		if ((size_t)o->reload >= NITEMS(says) ||
		    says[o->reload] == NULL ||
		    strstr(sentence, says[o->reload]) == NULL)
			fail_msg("runner.conf(5) on %s: \"%s\"; the table: "
			    "%s", o->name, sentence, class_name(o->reload));
	}
	fclose(fp);
}

#define T(f)	cmocka_unit_test(f)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_every_row_has_class),
		T(test_each_field_alone),
		T(test_each_option_text),
		T(test_man_says_class),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
