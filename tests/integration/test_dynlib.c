/*
 * test_dynlib.c: libcurl and libmicrohttpd are loaded at their first use
 * (runnerd/dynlib.c), with a real runnerd and real children.  A runnerd
 * whose apps have no http probe and no metrics_listen maps neither
 * library (nor OpenSSL behind libcurl) and runs one thread; an http
 * probe maps libcurl alone, and its probe works through it: against a
 * port nobody serves it fails (unhealthy); metrics_listen maps
 * libmicrohttpd alone, and serves.
 */

#include <netinet/in.h>

#include "daemon.h"
#include "ctl.h"

/* Does runnerd map a file whose path holds name? */
static int
dl_mapped(struct daemon *d, const char *name)
{
	char	 path[64], line[1024];
	FILE	*fp;
	int	 found = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)d->pid);
	assert_non_null(fp = fopen(path, "re"));
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strstr(line, name) != NULL)
			found++;
	fclose(fp);
	return (found);
}

/* runnerd's thread count (/proc/PID/status). */
static int
dl_threads(struct daemon *d)
{
	char	 path[64], line[256];
	FILE	*fp;
	int	 n = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)d->pid);
	assert_non_null(fp = fopen(path, "re"));
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, "Threads:", 8) == 0)
			n = atoi(line + 8);
	fclose(fp);
	return (n);
}

/* Plain apps: neither library, nor what libcurl would pull in; one thread. */
static void
test_idle_maps_neither(void **state)
{
	struct daemon	*d = *state;

	d_start(d, "apps = { one = { command = \"sleep 1000\"; "
	    "autostart = true; }; };\n");
	d_wait_log(d, "one: started one");
	assert_int_equal(dl_mapped(d, "libcurl"), 0);
	assert_int_equal(dl_mapped(d, "libmicrohttpd"), 0);
	assert_int_equal(dl_mapped(d, "libssl"), 0);
	assert_int_equal(dl_threads(d), 1);
}

/* An http probe of a port nobody serves: libcurl is loaded, it fails. */
static void
test_http_probe_loads_curl(void **state)
{
	struct daemon	*d = *state;
	int		 port = t_tcp_port();

	d_start(d, d_fmt(d, "apps = { web = { command = \"sleep 1000\"; "
	    "autostart = true; restart = \"no\"; health = { http = "
	    "\"http://127.0.0.1:%d/\"; interval = 0.1; retries = 1; }; "
	    "}; };\n", port));
	d_wait_log(d, "web: unhealthy after 1 failed probe");
	assert_true(dl_mapped(d, "libcurl.so") > 0);
	assert_int_equal(dl_mapped(d, "libmicrohttpd"), 0);
}

/* metrics_listen: libmicrohttpd alone, and it serves. */
static void
test_metrics_loads_mhd(void **state)
{
	struct daemon	*d = *state;
	struct sockaddr_in sin;
	char		 buf[64];
	int		 port = t_tcp_port(), fd;
	ssize_t		 k;
	const char	*get = "GET /metrics HTTP/1.0\r\n\r\n";

	d_start(d, d_fmt(d, "metrics_listen = \"127.0.0.1:%d\"\n"
	    "apps = { one = { command = \"sleep 1000\"; }; };\n", port));
	d_wait_log(d, d_fmt(d, "metrics on http://127.0.0.1:%d/metrics",
	    port));
	assert_true(dl_mapped(d, "libmicrohttpd") > 0);
	assert_int_equal(dl_mapped(d, "libcurl"), 0);

	assert_true((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) !=
	    -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	assert_int_equal(write(fd, get, strlen(get)), (ssize_t)strlen(get));
	assert_true((k = read(fd, buf, sizeof(buf) - 1)) > 0);	/* blocks */
	buf[k] = '\0';
	assert_non_null(strstr(buf, "HTTP/1.0 200") != NULL ? buf :
	    strstr(buf, "HTTP/1.1 200"));
	close(fd);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, t_setup_bare, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_idle_maps_neither),
		T(test_http_probe_loads_curl),
		T(test_metrics_loads_mhd),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
