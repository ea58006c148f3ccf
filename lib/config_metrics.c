/*
 * config_metrics.c: metrics_listen, the address runnerd's Prometheus
 * endpoint listens on (runnerd/metrics_http.c).  One parser for the
 * value, used twice: at load, so that a value that does not parse is a
 * file:line error of the configuration, and by runnerd when it binds,
 * so the two can never disagree about what a value means.
 *
 * The host is numeric (an IPv4 address, or an IPv6 one in brackets):
 * a name would be resolved at load, blocking runnerd's loop on DNS at
 * every reload, and could mean another address tomorrow.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runner-int.h"
#include "config.h"

/*
 * "HOST:PORT" or "[V6]:PORT" into *ss and *len: 0, or -1 with err saying
 * why in words.
 */
int
metrics_addr(const char *v, struct sockaddr_storage *ss, socklen_t *len,
    char *err, size_t errlen)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	char			 host[INET6_ADDRSTRLEN + 1], *end;
	const char		*colon, *h = v;
	size_t			 hl;
	long			 port;

	memset(ss, 0, sizeof(*ss));
	if ((colon = strrchr(v, ':')) == NULL) {
		errf(err, errlen, "'%s' has no port: say HOST:PORT, as "
		    "127.0.0.1:9464 or [::1]:9464", v);
		return (-1);
	}
	hl = (size_t)(colon - v);
	if (v[0] == '[') {
		/* [v6]:port: the brackets keep the port apart. */
		if (hl < 2 || v[hl - 1] != ']') {
			errf(err, errlen, "'%s': an IPv6 address is written "
			    "in brackets, as [::1]:9464", v);
			return (-1);
		}
		h = v + 1;
		hl -= 2;
	}
	if (hl == 0) {
		errf(err, errlen, "'%s': no host: say which address, as "
		    "127.0.0.1:9464", v);
		return (-1);
	}
	if (hl >= sizeof(host)) {
		errf(err, errlen, "'%.*s...' is not an address", 16, v);
		return (-1);
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno != 0 ||
	    port < 1 || port > 65535) {
		errf(err, errlen, "'%s': the port must be a number from 1 to "
		    "65535", v);
		return (-1);
	}
	if (v[0] != '[' && inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return (0);
	}
	if (v[0] == '[' && inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return (0);
	}
	errf(err, errlen, "'%s': '%s' is not an %s address (a numeric one: "
	    "names are not resolved)", v, host, v[0] == '[' ? "IPv6" : "IPv4");
	return (-1);
}

/* metrics_listen = "HOST:PORT": checked now, kept as written. */
int
conf_metrics_listen(struct load *ld, struct config *cfg,
    const config_setting_t *s)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	const char		*v;
	char			 why[256];

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return (load_err(ld, s, s, "expected \"HOST:PORT\", as "
		    "\"127.0.0.1:9464\""));
	v = config_setting_get_string(s);
	if (metrics_addr(v, &ss, &len, why, sizeof(why)) == -1)
		return (load_err(ld, s, s, "%s", why));
	free(cfg->metrics_listen);
	if ((cfg->metrics_listen = strdup(v)) == NULL)
		return (load_nomem(ld));
	return (0);
}
