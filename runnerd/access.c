/*
 * access.c: who may use the control socket.  A connection can start
 * programs, so it is as good as a shell as runnerd's user: each peer is
 * checked by its kernel-given credentials (SO_PEERCRED), never by what
 * it says.  runnerd's own user and root are served, and so are members
 * of the configuration's allow_group; anyone else is refused.  The
 * socket's mode (control.c) keeps strangers out first; this is the
 * check that holds even when a mode is wrong.
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
 * May the peer on fd use runnerd?  1 if so; 0 if not, with why filled
 * in for the refusal; -1 if its credentials cannot be read (errno).
 */
int
access_peer(int fd, char *why, size_t len)
{
	const struct config	*cfg = server.conf->cfg;
	struct ucred		 cr;
	socklen_t		 n = sizeof(cr);
	int			 rc;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &n) == -1)
		return (-1);
	if (cr.uid == 0 || cr.uid == geteuid())
		return (1);
	if (cfg->allow_group != NULL) {
		if ((rc = access_member(fd, &cr, cfg->allow_gid)) != 0)
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
