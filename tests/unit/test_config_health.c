/*
 * test_config_health.c: cmocka tests for the health group
 * (config_health.c): the defaults, each kind of probe, every bound at
 * its edge and past it, and every message.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner-int.h"

#include "config_check.h"

#define H(body)	"health = { " body " };"
#define SOCK	"type = \"socket\"; socket = \"s\"; "

/* The defaults runner.conf(5) documents: 5, 1, 3, 0. */
APP_TEST(test_defaults, H("exec = \"true\";"),
    a->health.exec != NULL && strcmp(a->health.exec[0], "true") == 0 &&
    a->health.exec[1] == NULL && !a->health.connect &&
    a->health.http == NULL && a->health.interval == 5.0 &&
    a->health.timeout == 1.0 && a->health.retries == 3 &&
    a->health.start_period == 0.0 && APP_HAS_HEALTH(a))
APP_TEST(test_none, "", !APP_HAS_HEALTH(a))
APP_TEST(test_exec_list, H("exec = [\"pg_isready\", \"-q\"]; interval = 2; "
    "timeout = 0.5; retries = 7; start_period = 10;"),
    strcmp(a->health.exec[1], "-q") == 0 && a->health.interval == 2.0 &&
    a->health.timeout == 0.5 && a->health.retries == 7 &&
    a->health.start_period == 10.0)
APP_TEST(test_exec_split, H("exec = \"sh -c 'exit 0'\";"),
    strcmp(a->health.exec[2], "exit 0") == 0)
APP_TEST(test_connect, SOCK H("connect = true;"), a->health.connect == 1)
APP_TEST(test_http, H("http = \"http://127.0.0.1:8080/healthz\";"),
    strcmp(a->health.http, "http://127.0.0.1:8080/healthz") == 0)
APP_TEST(test_https, H("http = \"HTTPS://example.org\";"),
    a->health.http != NULL)
APP_TEST(test_ready_healthy, "ready = \"healthy\"; " H("exec = \"true\";"),
    a->ready == READY_HEALTHY)
APP_TEST(test_ready_healthy_socket, SOCK "ready = \"healthy\"; "
    H("connect = true;"), a->ready == READY_HEALTHY)
/* The edges that are allowed. */
APP_TEST(test_interval_max, H("exec = \"true\"; interval = 86400; "
    "timeout = 86400;"), a->health.interval == 86400.0 &&
    a->health.timeout == 86400.0)
APP_TEST(test_interval_small, H("exec = \"true\"; interval = 0.01; "
    "timeout = 0.01;"), a->health.interval == 0.01 &&
    a->health.timeout == 0.01)
APP_TEST(test_retries_edges, H("exec = \"true\"; retries = 1000;"),
    a->health.retries == 1000)
APP_TEST(test_retries_one, H("exec = \"true\"; retries = 1;"),
    a->health.retries == 1)
APP_TEST(test_start_period_edges, H("exec = \"true\"; start_period = "
    "86400;"), a->health.start_period == 86400.0)
APP_TEST(test_start_period_zero, H("exec = \"true\"; start_period = 0;"),
    a->health.start_period == 0.0)
/* Without a timeout, a short interval bounds the default one. */
APP_TEST(test_timeout_default_short, H("exec = \"true\"; interval = 0.1;"),
    a->health.timeout == 0.1)
APP_TEST(test_timeout_is_interval, H("exec = \"true\"; interval = 1; "
    "timeout = 1;"), a->health.timeout == 1.0)

#define E(name, body, msg)	OPT_ERROR(name, body, msg)
E(test_not_group, "health = \"true\";",
    "apps.cat.health: expected a group { exec = [...]; interval = 5; ... }")
E(test_empty, H(""), "apps.cat.health: a probe needs one of exec, "
    "connect = true and http")
E(test_connect_false, H("connect = false;"), "apps.cat.health: a probe "
    "needs one of exec, connect = true and http")
E(test_two_kinds, H("exec = \"true\"; http = \"http://a\";"),
    "apps.cat.health: a probe is one of exec, connect and http, not 2 of "
    "them")
E(test_three_kinds, SOCK H("exec = \"true\"; http = \"http://a\"; "
    "connect = true;"), "apps.cat.health: a probe is one of exec, "
    "connect and http, not 3 of them")
E(test_unknown, H("exec = \"true\"; intervall = 1;"),
    "apps.cat.health.intervall: unknown health setting 'intervall' "
    "(exec, connect, http, interval, timeout, retries, start_period)")
E(test_exec_empty, H("exec = [];"), "apps.cat.health.exec: empty command")
E(test_exec_type, H("exec = 1;"), "apps.cat.health.exec: expected a "
    "string or a list of strings")
E(test_connect_type, H("connect = 1;"),
    "apps.cat.health.connect: expected a boolean")
E(test_connect_stdio, H("connect = true;"), "apps.cat.health: connect = "
    "true needs a socket app (type = \"socket\"): a stdio app has no "
    "socket")
E(test_interval_zero, H("exec = \"true\"; interval = 0;"),
    "apps.cat.health.interval: must be more than 0 and at most 86400 "
    "seconds")
E(test_interval_negative, H("exec = \"true\"; interval = -1;"),
    "apps.cat.health.interval: must be more than 0 and at most 86400 "
    "seconds")
E(test_interval_past, H("exec = \"true\"; interval = 86401;"),
    "apps.cat.health.interval: must be more than 0 and at most 86400 "
    "seconds")
E(test_interval_under, H("exec = \"true\"; interval = 0.009;"),
    "apps.cat.health.interval: must be at least 0.01 and at most 86400 "
    "seconds")
E(test_timeout_under, H("exec = \"true\"; timeout = 0.000001;"),
    "apps.cat.health.timeout: must be at least 0.01 and at most 86400 "
    "seconds")
E(test_interval_type, H("exec = \"true\"; interval = \"5\";"),
    "apps.cat.health.interval: expected a number")
E(test_timeout_zero, H("exec = \"true\"; timeout = 0;"),
    "apps.cat.health.timeout: must be more than 0 and at most 86400 "
    "seconds")
E(test_timeout_past, H("exec = \"true\"; timeout = 86401;"),
    "apps.cat.health.timeout: must be more than 0 and at most 86400 "
    "seconds")
E(test_timeout_over_interval, H("exec = \"true\"; interval = 1; "
    "timeout = 2;"), "apps.cat.health.timeout: timeout (2 s) is more "
    "than interval (1 s): probes would overlap")
/* The default interval (5) bounds a timeout given alone. */
E(test_timeout_over_default, H("exec = \"true\"; timeout = 6;"),
    "apps.cat.health.timeout: timeout (6 s) is more than interval (5 s): "
    "probes would overlap")
E(test_retries_zero, H("exec = \"true\"; retries = 0;"),
    "apps.cat.health.retries: must be between 1 and 1000")
E(test_retries_past, H("exec = \"true\"; retries = 1001;"),
    "apps.cat.health.retries: must be between 1 and 1000")
E(test_retries_type, H("exec = \"true\"; retries = 1.5;"),
    "apps.cat.health.retries: expected an integer")
E(test_start_period_negative, H("exec = \"true\"; start_period = -1;"),
    "apps.cat.health.start_period: must be between 0 and 86400 seconds")
E(test_start_period_past, H("exec = \"true\"; start_period = 86401;"),
    "apps.cat.health.start_period: must be between 0 and 86400 seconds")
E(test_http_scheme, H("http = \"ftp://a/\";"), "apps.cat.health.http: "
    "expected an http:// or https:// URL, not \"ftp://a/\"")
E(test_http_file, H("http = \"file:///etc/passwd\";"),
    "apps.cat.health.http: expected an http:// or https:// URL, not "
    "\"file:///etc/passwd\"")
E(test_http_no_host, H("http = \"http:///x\";"),
    "apps.cat.health.http: no host in \"http:///x\"")
E(test_http_empty_host, H("http = \"https://\";"),
    "apps.cat.health.http: no host in \"https://\"")
E(test_http_space, H("http = \"http://a/b c\";"),
    "apps.cat.health.http: a space or control character in the URL")
E(test_http_type, H("http = 80;"),
    "apps.cat.health.http: expected a URL string")
E(test_ready_healthy_no_probe, "ready = \"healthy\";",
    "apps.cat.ready: ready = \"healthy\" needs a health probe (health = "
    "{ exec = [...]; })")

/* A URL past HEALTH_URL_MAX (2048 bytes). */
static void
test_http_long(void **state)
{
	char	 text[4096], url[2100];

	(void)state;
	memset(url, 'a', sizeof(url) - 1);
	url[sizeof(url) - 1] = '\0';
	memcpy(url, "http://", 7);
	snprintf(text, sizeof(text), APP("health = { http = \"%s\"; };"), url);
	check_error(text, "<text>:4: apps.cat.health.http: URL longer than "
	    "2048 bytes");
}

/* Two versions of one probe: a change in any member is a change. */
static void
test_differ(void **state)
{
	static const char *const v[] = {
		H("exec = \"true\";"),
		H("exec = \"false\";"),
		H("exec = [\"true\", \"x\"];"),
		H("http = \"http://a\";"),
		H("http = \"http://b\";"),
		H("exec = \"true\"; interval = 2;"),
		H("exec = \"true\"; timeout = 0.5;"),
		H("exec = \"true\"; retries = 4;"),
		H("exec = \"true\"; start_period = 1;"),
		"",
	};
	struct config	*a, *b;
	size_t		 j, k;

	(void)state;
	for (j = 0; j < sizeof(v) / sizeof(v[0]); j++)
		for (k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
			char	 ta[512], tb[512];

			snprintf(ta, sizeof(ta), APP("%s"), v[j]);
			snprintf(tb, sizeof(tb), APP("%s"), v[k]);
			a = load_ok(ta);
			b = load_ok(tb);
			if ((app_reload(&a->apps[0], &b->apps[0]) ==
			    RELOAD_SAME) != (j == k))
				fail_msg("%s against %s", v[j], v[k]);
			if (j != k)
				assert_int_equal(app_reload(&a->apps[0],
				    &b->apps[0]), RELOAD_LIVE);
			config_free(a);
			config_free(b);
		}
}

#define T(f)	cmocka_unit_test(f)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_defaults), T(test_none), T(test_exec_list),
		T(test_exec_split), T(test_connect), T(test_http),
		T(test_https), T(test_ready_healthy),
		T(test_ready_healthy_socket), T(test_interval_max),
		T(test_interval_small), T(test_retries_edges),
		T(test_retries_one), T(test_start_period_edges),
		T(test_start_period_zero), T(test_timeout_is_interval),
		T(test_timeout_default_short),
		T(test_not_group), T(test_empty), T(test_connect_false),
		T(test_two_kinds), T(test_three_kinds), T(test_unknown),
		T(test_exec_empty), T(test_exec_type), T(test_connect_type),
		T(test_connect_stdio), T(test_interval_zero),
		T(test_interval_negative), T(test_interval_past),
		T(test_interval_under), T(test_timeout_under),
		T(test_interval_type), T(test_timeout_zero),
		T(test_timeout_past), T(test_timeout_over_interval),
		T(test_timeout_over_default), T(test_retries_zero),
		T(test_retries_past), T(test_retries_type),
		T(test_start_period_negative), T(test_start_period_past),
		T(test_http_scheme), T(test_http_file), T(test_http_no_host),
		T(test_http_empty_host), T(test_http_space),
		T(test_http_type), T(test_ready_healthy_no_probe),
		T(test_http_long), T(test_differ),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
