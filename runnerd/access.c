/*
 * access.c: who may use the control socket, and who may change what it
 * runs.  Each peer is checked by its kernel-given credentials
 * (SO_PEERCRED, read once at accept and kept on the client), never by
 * what it says.  There are two levels:
 *
 *   owner     root and runnerd's own uid: everything, including reload
 *             (with text, a path, or the file), shutdown, and a start
 *             with its own cwd or socket;
 *   operator  members of the configuration's allow_group: the configured
 *             apps as configured (start with extra args, stop, restart,
 *             signal, send, read, attach, direct, logs, status,
 *             subscribe).
 *
 * The line between them is the line between running what root wrote and
 * running what the caller writes: a configuration defines commands that
 * run as runnerd's user (root, usually), so whoever may change it is as
 * good as that user (supervisord's CVE-2017-11610 had that shape), and so
 * is whoever picks the directory a configured program starts in or the
 * socket runnerd connects to as root on an attacher's behalf.  cmd.c
 * (its table) and cmd_start.c (cwd, socket) ask access_owner before each
 * such request.  Anyone else is refused at the door, and a reload that
 * no longer lets a member in closes its open connections
 * (access_recheck).  The socket's mode (control.c) keeps strangers out
 * first; this is the check that holds even when a mode is wrong.
 */

#include <sys/socket.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerd.h"

static int	access_member(int, const struct ucred *, gid_t);

/*
 * May the peer of client c use runnerd?  1 if so; 0 if not, with why
 * filled in for the refusal; -1 if its credentials cannot be read
 * (errno).  Its uid and whether it is an owner are kept on c for
 * access_owner: the credentials of a connected socket are those of its
 * connect(2) and never change, so one read serves every request.
 */
int
access_peer(struct client *c, char *why, size_t len)
{
	const struct config	*cfg = server.conf->cfg;
	struct ucred		 cr;
	socklen_t		 n = sizeof(cr);
	int			 rc;

	c->owner = 0;
	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cr, &n) == -1)
		return (-1);
	c->uid = cr.uid;
	if (cr.uid == 0 || cr.uid == geteuid()) {
		c->owner = 1;
		return (1);
	}
	if (cfg->allow_group != NULL) {
		if ((rc = access_member(c->fd, &cr, cfg->allow_gid)) != 0)
			return (rc);
		snprintf(why, len, "uid %lu is neither runnerd's user (uid "
		    "%lu) nor in group %s", (unsigned long)cr.uid,
		    (unsigned long)geteuid(), cfg->allow_group);
	} else
		snprintf(why, len, "uid %lu is not runnerd's user (uid %lu); "
		    "allow_group in the configuration lets a group in",
		    (unsigned long)cr.uid, (unsigned long)geteuid());
	return (0);
}

/*
 * May client c do what (words that follow "but not", e.g. "reload the
 * configuration")?  1 for an owner; 0 for an allow_group member, with
 * why filled in for an EPERM that names the rule.
 */
int
access_owner(const struct client *c, const char *what, char *why,
    size_t len)
{
	if (c->owner)
		return (1);
	snprintf(why, len, "uid %lu may operate the configured apps but not "
	    "%s: only root and runnerd's user (uid %lu) may change what "
	    "runnerd runs", (unsigned long)c->uid, what,
	    (unsigned long)geteuid());
	return (0);
}

/*
 * After a reload: a member of the old allow_group that the new one does
 * not let in (allow_group changed or removed) keeps no connection it was
 * let in with.  Each is closed from the loop, once what is already
 * queued for it is sent (control.c), with nothing more read from it; a
 * peer whose groups cannot be read any more is closed too.  Its groups
 * are the ones it had at connect time, as at accept.
 */
void
access_recheck(void)
{
	const struct config	*cfg = server.conf->cfg;
	struct client		*c;
	struct ucred		 cr;
	socklen_t		 n;
	size_t			 k;
	int			 rc;

	for (k = 0; k < server.nclients; k++) {
		c = server.clients[k];
		if (c->owner || c->refused != NULL || c->closing)
			continue;
		n = sizeof(cr);
		rc = 0;
		if (cfg->allow_group != NULL && getsockopt(c->fd, SOL_SOCKET,
		    SO_PEERCRED, &cr, &n) == 0)
			rc = access_member(c->fd, &cr, cfg->allow_gid);
		if (rc == 1)
			continue;
		log_warnx("client %llu: uid %lu is not in allow_group %s any "
		    "more; closing", (unsigned long long)c->id,
		    (unsigned long)c->uid, cfg->allow_group != NULL ?
		    cfg->allow_group : "(none)");
		(void)shutdown(c->fd, SHUT_RD);
		c->closing = 1;
		client_check(c);
	}
}

/*
 * Is the peer in group gid?  Its groups as they were at connect time
 * (SO_PEERGROUPS, Linux 4.13); on older kernels, its user's groups from
 * the group database.  1, 0, or -1 with errno.
 */
static int
access_member(int fd, const struct ucred *cr, gid_t gid)
{
	struct passwd	*pw;
	gid_t		*groups, one;
	socklen_t	 len;
	int		 i, n, rc = 0;

	if (cr->gid == gid)
		return (1);
	len = 0;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, &one, &len) == 0)
		return (0);		/* it has no supplementary groups */
	if (errno == ERANGE) {
		if ((groups = malloc(len)) == NULL)
			return (-1);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups,
		    &len) == -1) {
			free(groups);
			return (-1);
		}
		for (i = 0; (size_t)i < len / sizeof(*groups); i++)
			if (groups[i] == gid)
				rc = 1;
		free(groups);
		return (rc);
	}
	if (errno != ENOPROTOOPT)
		return (-1);
	if ((pw = getpwuid(cr->uid)) == NULL)
		return (0);
	n = NGROUPS_MAX;
	if ((groups = calloc(NGROUPS_MAX, sizeof(*groups))) == NULL)
		return (-1);
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) != -1)
		for (i = 0; i < n; i++)
			if (groups[i] == gid)
				rc = 1;
	free(groups);
	return (rc);
}
