/*
 * test_upgrade_logs.c: an instance's log file across an upgrade.  Lines
 * written before and after land in the file in order, each once, and
 * its size as runnerd counts it crosses too: the file is rotated at
 * log_max_size counting the bytes from before the upgrade (a count
 * begun again would leave it unrotated).
 */

#include "upgrade.h"

#define LINE_LEN	100		/* bytes per line, newline included */
#define NLINES		16		/* 8 before, 8 after */

static int
lg_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	d_start(d, d_fmt(d,
	    "apps = {\n"
	    "  scribe = { command = [\"sh\", \"-c\", "
	    "\"while read l; do echo \\\"$l\\\" >&2; done\"]; "
	    "log = \"%s/scribe.log\"; log_max_size = 1000; log_keep = 3; "
	    "restart = \"no\"; };\n"
	    "};\n", d->dir));
	return (0);
}

/* Line k: LINE_LEN bytes with its newline. */
static char *
lg_line(struct daemon *d, int k)
{
	return (d_fmt(d, "line %02d %0*d\n", k, LINE_LEN - 9, k));
}

/* The log's files, oldest first, as one text (kept). */
static char *
lg_all(struct daemon *d)
{
	struct buf	 b;
	size_t		 len;
	int		 k;

	buf_init(&b);
	for (k = 3; k >= 0; k--) {
		if (!exists(d, k == 0 ? "scribe.log" : d_fmt(d,
		    "scribe.log.%d", k)))
			continue;
		buf_printf(&b, "%s", slurp(d, k == 0 ? "scribe.log" :
		    d_fmt(d, "scribe.log.%d", k), &len));
	}
	return (d_keep(d, buf_take(&b)));
}

/* Write lines from..to-1, and wait (bounded) until the log has them. */
static void
lg_write(struct daemon *d, struct client *c, int from, int to, char *want)
{
	long long	 end = t_ms() + T_WAIT_MS;
	int		 k;

	for (k = from; k < to; k++) {
		strcat(want, lg_line(d, k));
		j_ok(cl_call(c, "write", "{\"alias\": \"scribe\", \"text\": %s}",
		    t_jstr(lg_line(d, k))));
	}
	while (strcmp(lg_all(d), want) != 0) {
		if (t_ms() > end)
			fail_msg("the log holds:\n%s\nwant:\n%s", lg_all(d),
			    want);
		usleep(10000);
	}
}

static void
test_upgrade_log_file(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	char		 want[NLINES * LINE_LEN + 1] = "";

	d_saw(d, cl_start(c, "scribe", "scribe"));
	lg_write(d, c, 0, NLINES / 2, want);
	assert_false(exists(d, "scribe.log.1"));
	(void)u_upgraded(d, u_upgrade(d, u_variant(d, "next")), "0.1.0-next",
	    1);
	lg_write(d, c, NLINES / 2, NLINES, want);
	if (!exists(d, "scribe.log.1"))
		fail_msg("%d bytes logged with log_max_size 1000, and no "
		    "rotation: the size began again at the upgrade",
		    NLINES * LINE_LEN);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, lg_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_upgrade_log_file),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
