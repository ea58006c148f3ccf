/*
 * listen.c: where the control socket lives.  Its directory is opened
 * without following a link and must be ours (or root's) and not writable
 * by others; a stale socket is replaced, a live runnerd refused; the
 * socket is bound 0600 and then given the modes the configuration asks
 * for (allow_group), again at every reload.  Who may use it once
 * connected is access.c's; its clients are control.c's.
 */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerd.h"

/*
 * Open the socket's directory without following a symbolic link,
 * creating it (0700) if it is missing; *created says so.  One that was
 * there must belong to us or root and be writable by no one else unless
 * sticky (like /tmp): else someone else could swap the socket for one of
 * theirs.  The descriptor, or -1 after logging why.
 */
static int
listen_dir(const char *dir, int *created)
{
	struct stat	 st;
	int		 fd;

	*created = mkdir(dir, 0700) == 0;
	if (!*created && errno != EEXIST) {
		log_warn("cannot create socket directory %s", dir);
		return (-1);
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		if ((errno == ELOOP || errno == ENOTDIR) &&
		    lstat(dir, &st) == 0 && S_ISLNK(st.st_mode))
			log_warnx("socket directory %s is a symbolic link; "
			    "not following it", dir);
		else if (errno == ENOTDIR)
			log_warnx("%s is not a directory", dir);
		else
			log_warn("cannot open socket directory %s", dir);
		return (-1);
	}
	if (fstat(fd, &st) == -1) {
		log_warn("fstat %s", dir);
		close(fd);
		return (-1);
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		log_warnx("socket directory %s belongs to uid %lu, not to us "
		    "(uid %lu)", dir, (unsigned long)st.st_uid,
		    (unsigned long)geteuid());
		close(fd);
		return (-1);
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
		log_warnx("socket directory %s is writable by others (mode "
		    "%04o)", dir, (unsigned)(st.st_mode & 07777));
		close(fd);
		return (-1);
	}
	return (fd);
}

/*
 * Give the socket (and the directory, when it is runnerd's own) the
 * modes the configuration asks for: 0600 and 0700 for runnerd's user
 * alone, 0660 and 0750 with group allow_group.  At listen and after every
 * reload.  Access is checked at accept as well (access.c), so a mode
 * that cannot be set is logged, not fatal.
 */
void
listen_perms(void)
{
	const struct config	*cfg = server.conf->cfg;
	gid_t			 gid = cfg->allow_group != NULL ?
				    cfg->allow_gid : getegid();
	int			 shared = cfg->allow_group != NULL;

	if (server.socket_path == NULL)
		return;
	if (fchownat(server.sock_dirfd, server.sock_base, (uid_t)-1, gid,
	    AT_SYMLINK_NOFOLLOW) == -1 ||
	    fchmodat(server.sock_dirfd, server.sock_base, shared ? 0660 :
	    0600, 0) == -1)
		log_warn("cannot set the mode of %s", server.socket_path);
	if (server.own_dir && (fchown(server.sock_dirfd, (uid_t)-1, gid) ==
	    -1 || fchmod(server.sock_dirfd, shared ? 0750 : 0700) == -1))
		log_warn("cannot set the mode of the socket's directory");
}

/*
 * Listen on path (server.lfd).  Its directory is opened safely (listen_dir) and is
 * runnerd's own when it created it or own_dir says so (the default
 * path's); a stale socket is replaced, a live runnerd makes us refuse,
 * and the socket is bound 0600 (umask) before listen_perms widens it.
 */
int
listen_socket(const char *path, int own_dir)
{
	struct sockaddr_un	 sun;
	char			 err[RUNNER_ERRMSG_MAX];
	char			*copy, *base;
	mode_t			 old;
	int			 fd, rc, created;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("socket path too long: %s", path);
		return (-1);
	}
	if ((copy = strdup(path)) == NULL ||
	    (base = strdup(basename(copy))) == NULL)
		fatal("strdup");
	strcpy(copy, path);
	server.sock_dirfd = listen_dir(dirname(copy), &created);
	free(copy);
	if (server.sock_dirfd == -1) {
		free(base);
		return (-1);
	}
	server.sock_base = base;
	server.own_dir = own_dir || created;
	if ((rc = sock_remove_stale(path, err, sizeof(err))) != 0) {
		if (rc == RUNNER_EEXIST)
			log_warnx("another runnerd is listening on %s", path);
		else
			log_warnx("%s", err);
		return (-1);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		log_warn("socket");
		return (-1);
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc == -1 || listen(fd, SOMAXCONN) == -1) {
		log_warn("cannot listen on %s", path);
		close(fd);
		return (-1);
	}
	if ((server.socket_path = strdup(path)) == NULL)
		fatal("strdup");
	server.lfd = fd;
	listen_perms();
	return (0);
}
