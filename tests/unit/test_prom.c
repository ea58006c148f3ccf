/*
 * test_prom.c: cmocka tests for prom.c, the Prometheus text format's
 * writing, and config_metrics.c's metrics_addr: label values escaped as
 * the format says (backslash, double quote, newline; nothing else),
 * HELP text escaped (backslash and newline only), samples without and
 * with labels, values whole, fractional, NaN and infinite; addresses
 * IPv4 and IPv6 and each way a value can be wrong.  runnerd's aliases
 * and app names cannot hold a quote or a backslash, so the escaping is
 * tested here, on its own.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner-int.h"

/* b's text, NUL-terminated. */
static const char *
text(struct buf *b)
{
	assert_false(b->failed);
	return (buf_cstr(b));
}

/* A label value with every byte the format escapes, and some it does not. */
static void
test_label_escaped(void **state)
{
	struct buf	 b;

	(void)state;
	buf_init(&b);
	prom_sample(&b, "m", (const char *[]){ "a", "x\\y\"z\nw", "b",
	    "\t{}=,'é", NULL }, 1);
	assert_string_equal(text(&b),
	    "m{a=\"x\\\\y\\\"z\\nw\",b=\"\t{}=,'é\"} 1\n");
	buf_free(&b);
}

/* HELP escapes a backslash and a newline, and leaves a quote. */
static void
test_help_escaped(void **state)
{
	struct buf	 b;

	(void)state;
	buf_init(&b);
	prom_family(&b, "m_total", "counter", "a \"b\" c\\d\ne");
	assert_string_equal(text(&b), "# HELP m_total a \"b\" c\\\\d\\ne\n"
	    "# TYPE m_total counter\n");
	buf_free(&b);
}

/* No labels: NULL, or an empty list. */
static void
test_no_labels(void **state)
{
	struct buf	 b;

	(void)state;
	buf_init(&b);
	prom_sample(&b, "m", NULL, 2);
	prom_sample(&b, "m", (const char *[]){ NULL }, 3);
	assert_string_equal(text(&b), "m 2\nm 3\n");
	buf_free(&b);
}

/* Values: whole numbers whole, the rest exact, the specials spelt. */
static void
test_values(void **state)
{
	struct buf	 b;

	(void)state;
	buf_init(&b);
	prom_sample(&b, "a", NULL, 0);
	prom_sample(&b, "b", NULL, 1e15);
	prom_sample(&b, "c", NULL, 0.25);
	prom_sample(&b, "d", NULL, 0.1);
	prom_sample(&b, "e", NULL, NAN);
	prom_sample(&b, "f", NULL, INFINITY);
	prom_sample(&b, "g", NULL, -INFINITY);
	prom_sample(&b, "h", NULL, -1);
	prom_sample(&b, "i", NULL, 1796598651.3534551);
	assert_string_equal(text(&b), "a 0\nb 1e+15\nc 0.25\nd 0.1\ne NaN\n"
	    "f +Inf\ng -Inf\nh -1\ni 1796598651.3534551\n");
	buf_free(&b);
}

/* Addresses that parse, into what they say. */
static void
test_addr_good(void **state)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	char			 err[256], host[64];
	socklen_t		 len;

	(void)state;
	assert_int_equal(metrics_addr("127.0.0.1:9464", &ss, &len, err,
	    sizeof(err)), 0);
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohs(sin->sin_port), 9464);
	assert_int_equal(len, sizeof(*sin));
	assert_int_equal(ntohl(sin->sin_addr.s_addr), 0x7f000001);
	assert_int_equal(metrics_addr("[::1]:1", &ss, &len, err,
	    sizeof(err)), 0);
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 1);
	assert_int_equal(len, sizeof(*sin6));
	inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
	assert_string_equal(host, "::1");
	assert_int_equal(metrics_addr("0.0.0.0:65535", &ss, &len, err,
	    sizeof(err)), 0);
	assert_int_equal(metrics_addr("[::]:80", &ss, &len, err, sizeof(err)),
	    0);
}

/* Each way wrong, and the words for it. */
static void
test_addr_bad(void **state)
{
	static const char *const bad[][2] = {
		{ "", "has no port" },
		{ "9464", "has no port" },
		{ "127.0.0.1", "has no port" },
		{ "127.0.0.1:", "from 1 to 65535" },
		{ "127.0.0.1:0", "from 1 to 65535" },
		{ "127.0.0.1:65536", "from 1 to 65535" },
		{ "127.0.0.1:-1", "from 1 to 65535" },
		{ "127.0.0.1:+80", "from 1 to 65535" },
		{ "127.0.0.1: 80", "from 1 to 65535" },
		{ "127.0.0.1:99999999999999999999", "from 1 to 65535" },
		{ ":80", "no host" },
		{ "[]:80", "no host" },
		{ "[::1:80", "in brackets" },
		{ "::1:80", "not an IPv4 address" },
		{ "[127.0.0.1]:80", "not an IPv6 address" },
		{ "localhost:80", "names are not resolved" },
		{ "256.0.0.1:80", "not an IPv4 address" },
		{ "1234567890123456789012345678901234567890123456789:80",
		    "is not an address" },
	};
	struct sockaddr_storage	 ss;
	char			 err[256];
	socklen_t		 len;
	size_t			 k;

	(void)state;
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		err[0] = '\0';
		if (metrics_addr(bad[k][0], &ss, &len, err, sizeof(err)) !=
		    -1 || strstr(err, bad[k][1]) == NULL)
			fail_msg("'%s': got '%s', want '%s'", bad[k][0], err,
			    bad[k][1]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_escaped),
		cmocka_unit_test(test_help_escaped),
		cmocka_unit_test(test_no_labels),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_addr_good),
		cmocka_unit_test(test_addr_bad),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
