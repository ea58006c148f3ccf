/*
 * hello.c: librunner in twenty lines.  Loads a configuration, starts two
 * instances of the cat app under their own aliases, talks to each, and
 * lets runner_free stop them.  Build against an installed librunner:
 *	cc hello.c $(pkg-config --cflags --libs librunner)
 * or in the source tree, from its root, as make does:
 *	cc -Ilib examples/hello.c lib/librunner.a -lconfig -o examples/hello
 * and run it there: examples/hello [CONFIG] (conf/runner.conf unless
 * CONFIG says).
 */

#include <stdio.h>
#include <string.h>

#include "runner.h"

static void
say(struct runner *r, const char *alias, const char *text)
{
	struct runner_channel	*ch = runner_get_channel(r, alias);
	char			 buf[256];
	ssize_t			 n;

	runner_channel_write(ch, text, strlen(text));
	runner_channel_wait(ch, 1000);
	n = runner_channel_read(ch, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	printf("%s answered: %s", alias, buf);
	runner_channel_close(ch);
}

int
main(int argc, char **argv)
{
	struct runner	*r = runner_new();

	if (runner_load_config(r, argc > 1 ? argv[1] : "conf/runner.conf") ||
	    runner_start(r, "cat", &(struct runner_start){ .alias = "c1" }) ||
	    runner_start(r, "cat", &(struct runner_start){ .alias = "c2" })) {
		fprintf(stderr, "hello: %s\n", runner_errmsg(r));
		return (1);
	}
	say(r, "c1", "hello from c1\n");
	say(r, "c2", "hello from c2\n");
	runner_free(r);
	return (0);
}
