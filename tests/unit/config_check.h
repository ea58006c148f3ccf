/*
 * config_check.h: what the configuration tests share: text with one app
 * "cat" whose option sits on a known line, and checks that a text loads
 * or is refused with exactly one message.
 */

#ifndef CONFIG_CHECK_H
#define CONFIG_CHECK_H

/* One app "cat" with a command; BODY sits alone on line 4. */
#define APP(body) \
	"apps = {\n cat = {\n  command = \"cat\";\n  " body "\n };\n};\n"
/* One app "cat" with no command; BODY sits alone on line 3. */
#define APP0(body) "apps = {\n cat = {\n  " body "\n };\n};\n"

#define ERROR_TEST(name, text, msg)					\
static void								\
name(void **state)							\
{									\
	(void)state;							\
	check_error(text, msg);						\
}
/* An option on line 4 that must be refused with msg. */
#define OPT_ERROR(name, body, msg)					\
	ERROR_TEST(name, APP(body), "<text>:4: " msg)
/* Load APP(body) and check cond about `a`, the app. */
#define APP_TEST(name, body, cond)					\
static void								\
name(void **state)							\
{									\
	struct config	*c = load_ok(APP(body));			\
	const struct app *a = &c->apps[0];				\
									\
	(void)state;							\
	assert_true(cond);						\
	config_free(c);							\
}

#define SHELL_HINT "commands never run through a shell; quote it, " \
	"or write [\"sh\", \"-c\", \"...\"]"
#define ONE_GIB "1073741824"

static inline struct config *
load_ok(const char *text)
{
	struct config	*c;
	char		 err[RUNNER_ERRMSG_MAX] = "";

	if ((c = config_load_text(text, err, sizeof(err))) == NULL)
		fail_msg("config rejected: %s\n---\n%s", err, text);
	return (c);
}

static inline void
check_error(const char *text, const char *msg)
{
	struct config	*c;
	char		 err[RUNNER_ERRMSG_MAX] = "";

	if ((c = config_load_text(text, err, sizeof(err))) != NULL) {
		config_free(c);
		fail_msg("config accepted\n---\n%s", text);
	}
	assert_string_equal(err, msg);
}

#endif /* CONFIG_CHECK_H */
