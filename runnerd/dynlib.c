/*
 * dynlib.c: libcurl and libmicrohttpd, loaded on first use.  Few
 * runnerds probe over http or serve metrics, yet linking the two mapped
 * some thirty libraries (OpenSSL, GnuTLS, Kerberos, LDAP, ...) into
 * every runnerd and relocated them at each start: three quarters of an
 * idle runnerd's resident memory (issue 20).  So runnerd is not linked
 * with them.  This file defines the functions probe_http.c and
 * metrics_http.c call, under the libraries' own names, each a forward
 * through the pointer dlsym found; dynlib_curl and dynlib_mhd load a
 * library (once, for good) and must have succeeded before the first
 * call.  runnerd exports none of these names (it is not linked with
 * -rdynamic), so the libraries' own calls never land here.
 *
 * The variadic setters pass their one argument on by the type its
 * option number says (libcurl numbers options by type, as its own
 * curl_easy_setopt reads them); MHD_start_daemon has a va_list twin.
 */

#include <dlfcn.h>
#include <stdarg.h>

/* The type-checking macros would stand in for the functions defined here. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <microhttpd.h>

#include "runnerd.h"

/* The sonames, as the Debian packages libcurl4 and libmicrohttpd12. */
#define CURL_SONAME	"libcurl.so.4"
#define MHD_SONAME	"libmicrohttpd.so.12"

/* A function to find: its name, and where its pointer goes. */
struct dynsym {
	const char	*name;
	void		**slot;
};

static struct {
	CURLcode	(*global_init)(long);
	void		(*global_cleanup)(void);
	CURL		*(*easy_init)(void);
	CURLcode	(*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode	(*easy_getinfo)(CURL *, CURLINFO, ...);
	void		(*easy_cleanup)(CURL *);
	const char	*(*easy_strerror)(CURLcode);
	CURLM		*(*multi_init)(void);
	CURLMcode	(*multi_setopt)(CURLM *, CURLMoption, ...);
	CURLMcode	(*multi_add_handle)(CURLM *, CURL *);
	CURLMcode	(*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode	(*multi_assign)(CURLM *, curl_socket_t, void *);
	CURLMcode	(*multi_cleanup)(CURLM *);
	CURLMsg		*(*multi_info_read)(CURLM *, int *);
	CURLMcode	(*multi_socket_action)(CURLM *, curl_socket_t, int,
			    int *);
	const char	*(*multi_strerror)(CURLMcode);
} cu;

static const struct dynsym curl_syms[] = {
	{ "curl_global_init", (void **)&cu.global_init },
	{ "curl_global_cleanup", (void **)&cu.global_cleanup },
	{ "curl_easy_init", (void **)&cu.easy_init },
	{ "curl_easy_setopt", (void **)&cu.easy_setopt },
	{ "curl_easy_getinfo", (void **)&cu.easy_getinfo },
	{ "curl_easy_cleanup", (void **)&cu.easy_cleanup },
	{ "curl_easy_strerror", (void **)&cu.easy_strerror },
	{ "curl_multi_init", (void **)&cu.multi_init },
	{ "curl_multi_setopt", (void **)&cu.multi_setopt },
	{ "curl_multi_add_handle", (void **)&cu.multi_add_handle },
	{ "curl_multi_remove_handle", (void **)&cu.multi_remove_handle },
	{ "curl_multi_assign", (void **)&cu.multi_assign },
	{ "curl_multi_cleanup", (void **)&cu.multi_cleanup },
	{ "curl_multi_info_read", (void **)&cu.multi_info_read },
	{ "curl_multi_socket_action", (void **)&cu.multi_socket_action },
	{ "curl_multi_strerror", (void **)&cu.multi_strerror },
	{ NULL, NULL }
};

static struct {
	struct MHD_Daemon *(*start_daemon_va)(unsigned int, uint16_t,
			    MHD_AcceptPolicyCallback, void *,
			    MHD_AccessHandlerCallback, void *, va_list);
	void		(*stop_daemon)(struct MHD_Daemon *);
	MHD_socket	(*quiesce_daemon)(struct MHD_Daemon *);
	enum MHD_Result	(*run)(struct MHD_Daemon *);
	enum MHD_Result	(*get_timeout)(struct MHD_Daemon *,
			    MHD_UNSIGNED_LONG_LONG *);
	const union MHD_DaemonInfo *(*get_daemon_info)(struct MHD_Daemon *,
			    enum MHD_DaemonInfoType, ...);
	struct MHD_Response *(*create_response_from_buffer)(size_t, void *,
			    enum MHD_ResponseMemoryMode);
	enum MHD_Result	(*add_response_header)(struct MHD_Response *,
			    const char *, const char *);
	enum MHD_Result	(*queue_response)(struct MHD_Connection *,
			    unsigned int, struct MHD_Response *);
	void		(*destroy_response)(struct MHD_Response *);
} mhd;

static const struct dynsym mhd_syms[] = {
	{ "MHD_start_daemon_va", (void **)&mhd.start_daemon_va },
	{ "MHD_stop_daemon", (void **)&mhd.stop_daemon },
	{ "MHD_quiesce_daemon", (void **)&mhd.quiesce_daemon },
	{ "MHD_run", (void **)&mhd.run },
	{ "MHD_get_timeout", (void **)&mhd.get_timeout },
	{ "MHD_get_daemon_info", (void **)&mhd.get_daemon_info },
	{ "MHD_create_response_from_buffer",
	    (void **)&mhd.create_response_from_buffer },
	{ "MHD_add_response_header", (void **)&mhd.add_response_header },
	{ "MHD_queue_response", (void **)&mhd.queue_response },
	{ "MHD_destroy_response", (void **)&mhd.destroy_response },
	{ NULL, NULL }
};

static int	 dynlib_load(const char *, const struct dynsym *, int *,
		    char *, size_t);

/*
 * Load soname and fill syms, once: 0, or -1 with err (and again -1 on
 * each later call, with the same words, without trying again).
 */
static int
dynlib_load(const char *soname, const struct dynsym *syms, int *state,
    char *err, size_t errlen)
{
	const char	*why;
	void		*h;

	if (*state == 1)
		return (0);
	if (*state == -1) {
		errf(err, errlen, "cannot load %s", soname);
		return (-1);
	}
	dlerror();
	if ((h = dlopen(soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		why = dlerror();
		errf(err, errlen, "cannot load %s", why != NULL ? why :
		    soname);
		*state = -1;
		return (-1);
	}
	for (; syms->name != NULL; syms++) {
		if ((*syms->slot = dlsym(h, syms->name)) == NULL) {
			errf(err, errlen, "%s: no %s", soname, syms->name);
			dlclose(h);
			*state = -1;
			return (-1);
		}
	}
	*state = 1;
	return (0);
}

/* libcurl, before probe_http.c's first call into it. */
int
dynlib_curl(char *err, size_t errlen)
{
	static int	 state;

	return (dynlib_load(CURL_SONAME, curl_syms, &state, err, errlen));
}

/* libmicrohttpd, before metrics_http.c's first call into it. */
int
dynlib_mhd(char *err, size_t errlen)
{
	static int	 state;

	return (dynlib_load(MHD_SONAME, mhd_syms, &state, err, errlen));
}

/* ---- libcurl ---------------------------------------------------------- */

CURLcode
curl_global_init(long flags)
{
	return (cu.global_init(flags));
}

void
curl_global_cleanup(void)
{
	cu.global_cleanup();
}

CURL *
curl_easy_init(void)
{
	return (cu.easy_init());
}

/* The argument's type is the option's: libcurl numbers them by type. */
CURLcode
curl_easy_setopt(CURL *easy, CURLoption opt, ...)
{
	va_list		 ap;
	CURLcode	 rc;

	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = cu.easy_setopt(easy, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		rc = cu.easy_setopt(easy, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		rc = cu.easy_setopt(easy, opt, va_arg(ap, void (*)(void)));
	else if (opt < CURLOPTTYPE_BLOB)
		rc = cu.easy_setopt(easy, opt, va_arg(ap, curl_off_t));
	else
		rc = cu.easy_setopt(easy, opt, va_arg(ap, void *));
	va_end(ap);
	return (rc);
}

/* Every CURLINFO takes a pointer. */
CURLcode
curl_easy_getinfo(CURL *easy, CURLINFO info, ...)
{
	va_list		 ap;
	CURLcode	 rc;

	va_start(ap, info);
	rc = cu.easy_getinfo(easy, info, va_arg(ap, void *));
	va_end(ap);
	return (rc);
}

void
curl_easy_cleanup(CURL *easy)
{
	cu.easy_cleanup(easy);
}

const char *
curl_easy_strerror(CURLcode rc)
{
	return (cu.easy_strerror(rc));
}

CURLM *
curl_multi_init(void)
{
	return (cu.multi_init());
}

/* As curl_easy_setopt: CURLMOPT numbers say the type the same way. */
CURLMcode
curl_multi_setopt(CURLM *m, CURLMoption opt, ...)
{
	va_list		 ap;
	CURLMcode	 rc;

	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = cu.multi_setopt(m, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		rc = cu.multi_setopt(m, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		rc = cu.multi_setopt(m, opt, va_arg(ap, void (*)(void)));
	else
		rc = cu.multi_setopt(m, opt, va_arg(ap, curl_off_t));
	va_end(ap);
	return (rc);
}

CURLMcode
curl_multi_add_handle(CURLM *m, CURL *easy)
{
	return (cu.multi_add_handle(m, easy));
}

CURLMcode
curl_multi_remove_handle(CURLM *m, CURL *easy)
{
	return (cu.multi_remove_handle(m, easy));
}

CURLMcode
curl_multi_assign(CURLM *m, curl_socket_t fd, void *p)
{
	return (cu.multi_assign(m, fd, p));
}

CURLMcode
curl_multi_cleanup(CURLM *m)
{
	return (cu.multi_cleanup(m));
}

CURLMsg *
curl_multi_info_read(CURLM *m, int *left)
{
	return (cu.multi_info_read(m, left));
}

CURLMcode
curl_multi_socket_action(CURLM *m, curl_socket_t fd, int ev, int *running)
{
	return (cu.multi_socket_action(m, fd, ev, running));
}

const char *
curl_multi_strerror(CURLMcode rc)
{
	return (cu.multi_strerror(rc));
}

/* ---- libmicrohttpd ---------------------------------------------------- */

struct MHD_Daemon *
MHD_start_daemon(unsigned int flags, uint16_t port,
    MHD_AcceptPolicyCallback apc, void *apc_cls,
    MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
	struct MHD_Daemon	*d;
	va_list			 ap;

	va_start(ap, dh_cls);
	d = mhd.start_daemon_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
	va_end(ap);
	return (d);
}

void
MHD_stop_daemon(struct MHD_Daemon *d)
{
	mhd.stop_daemon(d);
}

MHD_socket
MHD_quiesce_daemon(struct MHD_Daemon *d)
{
	return (mhd.quiesce_daemon(d));
}

enum MHD_Result
MHD_run(struct MHD_Daemon *d)
{
	return (mhd.run(d));
}

enum MHD_Result
MHD_get_timeout(struct MHD_Daemon *d, MHD_UNSIGNED_LONG_LONG *ms)
{
	return (mhd.get_timeout(d, ms));
}

/* The kinds metrics_http.c asks (epoll fd, connections) take no more. */
const union MHD_DaemonInfo *
MHD_get_daemon_info(struct MHD_Daemon *d, enum MHD_DaemonInfoType kind, ...)
{
	return (mhd.get_daemon_info(d, kind));
}

struct MHD_Response *
MHD_create_response_from_buffer(size_t len, void *p,
    enum MHD_ResponseMemoryMode mode)
{
	return (mhd.create_response_from_buffer(len, p, mode));
}

enum MHD_Result
MHD_add_response_header(struct MHD_Response *r, const char *k,
    const char *v)
{
	return (mhd.add_response_header(r, k, v));
}

enum MHD_Result
MHD_queue_response(struct MHD_Connection *c, unsigned int status,
    struct MHD_Response *r)
{
	return (mhd.queue_response(c, status, r));
}

void
MHD_destroy_response(struct MHD_Response *r)
{
	mhd.destroy_response(r);
}
