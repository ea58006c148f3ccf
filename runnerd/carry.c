/*
 * carry.c: what an upgrade carries across the exec (upgrade.c), in the
 * order the new runnerd needs it: the server's own record, the
 * configurations (the one in force and those older instances still run
 * from), the instances, the clients, then an end record that says how
 * many of each were written (a state cut short is refused).  Each owner
 * writes and reads its own fields (inst_save, client_save, ...); the
 * format is handover.c's.
 */

#include <sys/resource.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerd.h"

/* The configurations, numbered: server.conf is 0. */
struct confs {
	struct conf	**v;
	size_t		  n;
};

static long long
confs_index(struct confs *cs, struct conf *c)
{
	struct conf	**v;
	size_t		  k;

	for (k = 0; k < cs->n; k++)
		if (cs->v[k] == c)
			return ((long long)k);
	if ((v = reallocarray(cs->v, cs->n + 1, sizeof(*v))) == NULL)
		return (-1);
	cs->v = v;
	cs->v[cs->n] = c;
	return ((long long)cs->n++);
}

/* Returns the bytes written (not counted as handed-over buffers). */
static size_t
save_conf(struct hand *h, long long idx, const struct conf *c)
{
	size_t		 n;
	struct buf	 b;

	buf_init(&b);
	if (config_state_write(c->cfg, &b) == -1 || b.failed) {
		hand_fail(h, "configuration %lld: cannot write it", idx);
		buf_free(&b);
		return (0);
	}
	hand_rec(h, "conf");
	hand_int(h, "index", idx);
	hand_bytes(h, "config", buf_head(&b), buf_used(&b));
	hand_end(h);
	n = buf_used(&b);
	buf_free(&b);
	return (n);
}

/* Write runnerd's state into h, for the upgrade asked by client (0). */
void
handover_save(struct hand *h, uint64_t client, int has_tag, long long tag,
    int upgrades, double started)
{
	struct confs	 cs = { NULL, 0 };
	struct rlimit	 rl;
	long long	 idx;
	size_t		 k, ninsts = 0, confbytes = 0;

	/* Spliced bytes go back to the buffers that are carried. */
	for (k = 0; k < server.ninsts; k++)
		splice_park(server.insts[k]);
	hand_rec(h, "server");
	hand_str(h, "from", RUNNER_VERSION);
	hand_int(h, "client", (long long)client);
	hand_int(h, "has_tag", has_tag);
	hand_int(h, "tag", tag);
	hand_int(h, "upgrades", upgrades);
	hand_double(h, "started", started);
	hand_int(h, "next_id", (long long)server.next_id);
	hand_str(h, "config_path", server.config_path);
	hand_str(h, "socket_path", server.socket_path);
	hand_str(h, "sock_base", server.sock_base);
	hand_fd(h, "sock_dirfd", server.sock_dirfd);
	hand_int(h, "own_dir", server.own_dir);
	hand_fd(h, "lfd", server.lfd);
	/* The limit runnerd raised for itself is not its children's. */
	if (spawn_child_nofile_of(&rl)) {
		hand_int(h, "child_nofile_cur", (long long)rl.rlim_cur);
		hand_int(h, "child_nofile_max", (long long)rl.rlim_max);
	}
	hand_end(h);

	(void)confs_index(&cs, server.conf);
	for (k = 0; k < server.ninsts; k++)
		if (confs_index(&cs, server.insts[k]->conf) == -1)
			hand_fail(h, "out of memory");
	for (k = 0; k < cs.n && !hand_failed(h); k++)
		confbytes += save_conf(h, (long long)k, cs.v[k]);
	for (k = 0; k < server.ninsts && !hand_failed(h); k++) {
		idx = confs_index(&cs, server.insts[k]->conf);
		inst_save(h, server.insts[k], idx);
		ninsts++;
	}
	for (k = 0; k < server.nclients && !hand_failed(h); k++)
		client_save(h, server.clients[k]);
	waiters_save(h);
	hand_rec(h, "end");
	hand_int(h, "confs", (long long)cs.n);
	hand_int(h, "instances", (long long)ninsts);
	hand_int(h, "clients", (long long)server.nclients);
	hand_int(h, "bytes", (long long)(hand_bytes_total(h) - confbytes));
	hand_end(h);
	free(cs.v);
}

static void
load_server(struct hand *h, struct handinfo *hi)
{
	struct rlimit	 rl;
	char		*from;

	from = hand_get_str(h, "from");
	snprintf(hi->from, sizeof(hi->from), "%s", from != NULL ? from : "?");
	free(from);
	hi->client = (uint64_t)hand_get_int(h, "client");
	hi->has_tag = (int)hand_get_int(h, "has_tag");
	hi->tag = hand_get_int(h, "tag");
	hi->upgrades = (int)hand_get_int(h, "upgrades");
	hi->started = hand_get_double(h, "started");
	server.next_id = (uint64_t)hand_get_int(h, "next_id");
	server.config_path = hand_get_str(h, "config_path");
	server.socket_path = hand_get_str(h, "socket_path");
	server.sock_base = hand_get_str(h, "sock_base");
	server.sock_dirfd = hand_get_fd(h, "sock_dirfd");
	server.own_dir = (int)hand_get_int(h, "own_dir");
	server.lfd = hand_get_fd(h, "lfd");
	if (hand_has(h, "child_nofile_cur")) {
		rl.rlim_cur = (rlim_t)hand_get_int(h, "child_nofile_cur");
		rl.rlim_max = (rlim_t)hand_get_int(h, "child_nofile_max");
		spawn_child_nofile(&rl);
	}
	if (!hand_failed(h) && (server.socket_path == NULL || server.lfd ==
	    -1))
		hand_fail(h, "no control socket");
}

static void
load_conf(struct hand *h, struct confs *cs)
{
	struct buf	 b;
	struct conf	*c, **v;
	char		 err[RUNNER_ERRMSG_MAX];
	long long	 idx;

	idx = hand_get_int(h, "index");
	buf_init(&b);
	if (hand_get_bytes(h, "config", &b) == -1) {
		buf_free(&b);
		return;
	}
	if (idx != (long long)cs->n) {
		hand_fail(h, "configuration %lld out of order", idx);
		buf_free(&b);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (v = reallocarray(cs->v, cs->n + 1, sizeof(*v))) == NULL) {
		free(c);
		hand_fail(h, "out of memory");
		buf_free(&b);
		return;
	}
	cs->v = v;
	if ((c->cfg = config_state_read(buf_head(&b), buf_used(&b), err,
	    sizeof(err))) == NULL) {
		hand_fail(h, "configuration %lld: %s", idx, err);
		free(c);
		buf_free(&b);
		return;
	}
	buf_free(&b);
	cs->v[cs->n++] = c;
}

/*
 * Take the state in h: the server's fields, its configurations, its
 * instances and clients; what the client that asked must be told goes
 * in hi.  0, or -1 with hand_error (nothing of it is undone: the caller
 * executes the old runnerd, and what was built goes with this image).
 */
int
handover_load(struct hand *h, struct handinfo *hi)
{
	struct confs	 cs = { NULL, 0 };
	int		 rc, ended = 0;
	size_t		 k;

	while (!ended && (rc = hand_next(h)) == 1) {
		if (hand_is(h, "server"))
			load_server(h, hi);
		else if (server.lfd == -1)
			hand_fail(h, "the state does not begin with runnerd's "
			    "own record");
		else if (hand_is(h, "conf"))
			load_conf(h, &cs);
		else if (cs.n == 0)
			hand_fail(h, "no configuration before the instances");
		else if (hand_is(h, "inst")) {
			inst_load(h, cs.v, cs.n);
			hi->ninsts++;
		} else if (hand_is(h, "client")) {
			client_load(h);
			hi->nclients++;
		} else if (hand_is(h, "waiter"))
			waiter_load(h);
		else if (hand_is(h, "end")) {
			ended = 1;
			if ((size_t)hand_get_int(h, "instances") !=
			    hi->ninsts || (size_t)hand_get_int(h, "clients") !=
			    hi->nclients || (size_t)hand_get_int(h, "confs") !=
			    cs.n)
				hand_fail(h, "the state's counts do not add up");
			hi->bytes = (uint64_t)hand_get_int(h, "bytes");
		}
		/* Another kind: a newer writer's, not needed here. */
		if (hand_failed(h))
			break;
	}
	waiters_loaded();
	if (!hand_failed(h) && !ended)
		hand_fail(h, "the state ends early");
	if (hand_failed(h)) {
		free(cs.v);
		return (-1);
	}
	server.conf = cs.v[0];
	/* The clients are back: each channel is read as it was. */
	for (k = 0; k < server.ninsts; k++)
		relay_resume(server.insts[k]);
	clients_resume_all();
	for (k = 0; k < cs.n; k++)
		cs.v[k]->refs += k == 0;
	/* A configuration no instance holds any more is gone. */
	for (k = 1; k < cs.n; k++)
		if (cs.v[k]->refs == 0)
			conf_unref(cs.v[k]);
	free(cs.v);
	return (0);
}
