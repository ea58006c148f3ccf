/*
 * test_ssh_url.c: cmocka tests for ssh.c's URL parser, the part of -H
 * ssh:// that no server is needed for: each piece taken apart, the
 * socket path kept byte for byte (blanks, quotes, '@' and ':' in it),
 * and every malformed URL refused with a message, including a host or
 * user that ssh would read as an option.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "runner-int.h"

/* Parse url, which must be good, and compare each piece (NULL: none). */
static void
good(const char *url, const char *user, const char *host, const char *port,
    const char *path)
{
	struct ssh_target	 t;
	char			 err[256];

	if (ssh_parse(url, &t, err, sizeof(err)) != 0)
		fail_msg("%s: %s", url, err);
	if (user == NULL)
		assert_null(t.user);
	else
		assert_string_equal(t.user, user);
	assert_string_equal(t.host, host);
	if (port == NULL)
		assert_null(t.port);
	else
		assert_string_equal(t.port, port);
	if (path == NULL)
		assert_null(t.path);
	else
		assert_string_equal(t.path, path);
}

/* Parse url, which must be refused with a message holding want. */
static void
bad(const char *url, const char *want)
{
	struct ssh_target	 t;
	char			 err[256] = "";

	assert_int_equal(ssh_parse(url, &t, err, sizeof(err)), -1);
	if (strstr(err, want) == NULL)
		fail_msg("%s: '%s' does not say '%s'", url, err, want);
}

static void
test_pieces(void **state)
{
	(void)state;
	good("ssh://web1", NULL, "web1", NULL, NULL);
	good("ssh://web1/", NULL, "web1", NULL, NULL);
	good("ssh://deploy@web1", "deploy", "web1", NULL, NULL);
	good("ssh://deploy@web1:2222", "deploy", "web1", "2222", NULL);
	good("ssh://web1:22/run/runner/runnerd.sock", NULL, "web1", "22",
	    "/run/runner/runnerd.sock");
	good("ssh://[::1]:2222/s", NULL, "::1", "2222", "/s");
	good("ssh://u@[fe80::1]", "u", "fe80::1", NULL, NULL);
	/* The path is the rest, as written: nothing in it is syntax. */
	good("ssh://h/tmp/a b'c$(touch x)/@:r.sock", NULL, "h", NULL,
	    "/tmp/a b'c$(touch x)/@:r.sock");
	assert_true(ssh_url("ssh://h"));
	assert_false(ssh_url("/run/runner/runnerd.sock"));
	assert_false(ssh_url("unix:///s"));
	assert_false(ssh_url(NULL));
}

static void
test_refused(void **state)
{
	char	 long_url[8192];

	(void)state;
	bad("http://h", "is not ssh://");
	bad("ssh://", "no valid host");
	bad("ssh:///s", "no valid host");
	bad("ssh://-oProxyCommand=touch%20x/s", "no valid host");
	bad("ssh://-l/s", "not starting with '-'");
	bad("ssh://-x@h", "no valid user");
	bad("ssh://@h", "no valid user");
	bad("ssh://a b@h", "no valid user");
	bad("ssh://h\tx", "no valid host");
	bad("ssh://h:0", "invalid port '0'");
	bad("ssh://h:65536", "invalid port '65536'");
	bad("ssh://h:22x", "invalid port '22x'");
	bad("ssh://h:", "invalid port ''");
	bad("ssh://h:-1", "invalid port '-1'");
	bad("ssh://[::1]x", "in brackets");
	memset(long_url, 'a', sizeof(long_url) - 1);
	memcpy(long_url, "ssh://h/", 8);
	long_url[sizeof(long_url) - 1] = '\0';
	bad(long_url, "is not ssh://");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pieces),
		cmocka_unit_test(test_refused),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
