/*
 * runnerd.c: the daemon's entry point: flags (and --help, --version),
 * the configuration, the control socket, signals and the loop.  runnerd runs in the foreground
 * (as systemd and s6 expect); -d detaches once the socket is listening,
 * so whoever ran `runnerd -d` can connect as soon as it exits 0.
 */

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerd.h"

#define NOFILE_MAX	524288	/* systemd's default hard limit */

struct server	server = { .sock_dirfd = -1, .lfd = -1,
    .waiters = TAILQ_HEAD_INITIALIZER(server.waiters) };

static ev_signal	sig_term, sig_int, sig_hup;

static int	 serve(char *, char *);
static int	 handed_over(char **, int, int, const char *, int);
static int	 flag_next(int, char **, int *, char **);

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: runnerd [-dnv] [-c config] [-s socket]\n"
	    "       runnerd --help | --version\n");
	exit(2);
}

/*
 * --help and --version, which getopt(3) has no place for: only as the
 * one argument, so that they never mix with a daemon's real options.
 */
static void
long_options(int argc, char **argv)
{
	const char	*p;
	int		 i, known;

	/* getopt would say "invalid option -- '-'" of any other. */
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strncmp(argv[i], "--", 2) == 0) {
			known = strcmp(argv[i], "--help") == 0 ||
			    strcmp(argv[i], "--version") == 0;
			if (known && argc == 2)
				break;
			fprintf(stderr, known ? "runnerd: %s goes alone\n" :
			    "runnerd: unknown option '%s'\n", argv[i]);
			usage();
		}
		/* -c and -s take the next argument, unless it is in this. */
		if (argv[i][0] == '-' && (p = strpbrk(argv[i] + 1, "cs")) !=
		    NULL && p[1] == '\0')
			i++;
	}
	if (argc != 2)
		return;
	if (strcmp(argv[1], "--version") == 0) {
		/* upgrade.c reads the handover version of a new binary. */
		printf("runnerd %s (protocol %d, handover %d)\n",
		    RUNNER_VERSION, PROTO_VERSION, HANDOVER_VERSION);
		exit(0);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		printf("usage: runnerd [-dnv] [-c config] [-s socket]\n"
		    "  -c config  read the configuration from config "
		    "(default: see FILES\n"
		    "             in runnerd(8); a file named here must "
		    "exist)\n"
		    "  -d         detach once the socket listens; log to "
		    "syslog\n"
		    "             (without one: to runnerd.log beside the "
		    "socket)\n"
		    "  -n         check the configuration and exit "
		    "(0: OK, 1: file:line why)\n"
		    "  -s socket  listen on socket (default: see FILES in "
		    "runnerd(8))\n"
		    "  -v         log debug messages too\n"
		    "  --version  print the version and protocol, and exit\n"
		    "example: runnerd -n -c ~/runner.conf && "
		    "runnerd -d -c ~/runner.conf\n");
		exit(0);
	}
}

/*
 * Load the configuration.  A missing file at a default location is an
 * empty configuration (runnerctl may start runnerd for a user who has
 * none, as tmux does); a file named with -c or RUNNER_CONFIG must exist.
 */
static struct config *
load_config(const char *path, int must_exist, char *err, size_t errlen)
{
	struct config	*cfg;
	char		*source;

	if (must_exist || access(path, F_OK) == 0 || errno != ENOENT)
		return (config_load_file(path, err, errlen));
	if ((cfg = config_load_text("", err, errlen)) == NULL)
		return (NULL);
	/* Say so where it shows: "no app named 'x' (in PATH, missing)". */
	if (asprintf(&source, "%s, which does not exist", path) != -1) {
		free(cfg->source);
		cfg->source = source;
	}
	log_info("no configuration at %s: starting with no apps", path);
	return (cfg);
}

/*
 * Leave the terminal: the log to syslog or a file beside the socket
 * (log_detach; before the fork, so that the file is there once `runnerd
 * -d` has exited), fork, new session, stdin and stdout on /dev/null.
 */
static void
detach(void)
{
	pid_t	 pid;
	int	 fd;

	log_detach(server.sock_dirfd);
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid != 0)
		_exit(0);
	setsid();
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
}

/* SIGTERM, SIGINT: stop every instance, then leave the loop. */
static void
sig_stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)loop;
	(void)revents;
	log_info("%s: stopping every instance", signal_name(w->signum));
	inst_stop_all();
}

/* SIGHUP: reload the configuration file, keeping the old one if bad. */
static void
sig_hup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	char	 err[RUNNER_ERRMSG_MAX];

	(void)loop;
	(void)w;
	(void)revents;
	if (reload_config(NULL, NULL, NULL, err, sizeof(err)) != 0)
		log_warnx("SIGHUP: %s; keeping the running configuration", err);
}

/*
 * Each instance holds two descriptors or more, so runnerd takes its hard
 * limit (up to NOFILE_MAX): under systemd's soft limit of 1024 it would
 * stop at about 500 instances.  The children get the old limit back.
 */
static void
raise_nofile(void)
{
	struct rlimit	 old, up;

	if (getrlimit(RLIMIT_NOFILE, &old) == -1)
		return;
	up.rlim_max = old.rlim_max;
	up.rlim_cur = old.rlim_max < NOFILE_MAX ? old.rlim_max : NOFILE_MAX;
	if (up.rlim_cur <= old.rlim_cur)
		return;
	if (setrlimit(RLIMIT_NOFILE, &up) == -1)
		log_warn("setrlimit(RLIMIT_NOFILE)");
	else
		spawn_child_nofile(&old);
}

/* The loop, its signals, and what runs beside it (both starts). */
static void
loop_init(void)
{
	/* After the fork: libev's default loop must belong to this process. */
	if ((server.loop = ev_default_loop(EVFLAG_AUTO)) == NULL)
		fatalx("cannot initialise the event loop");
	ev_signal_init(&sig_term, sig_stop_cb, SIGTERM);
	ev_signal_init(&sig_int, sig_stop_cb, SIGINT);
	ev_signal_init(&sig_hup, sig_hup_cb, SIGHUP);
	ev_signal_start(server.loop, &sig_term);
	ev_signal_start(server.loop, &sig_int);
	ev_signal_start(server.loop, &sig_hup);
	/*
	 * What the instances start and leave behind is reparented to us,
	 * not to init: so it is reaped here, and killed (proctree.c).
	 */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		log_warn("prctl(PR_SET_CHILD_SUBREAPER)");
	/*
	 * While few descriptors are open: the instances' channels and logs
	 * come after, and a spawn then copies the low end only (spawn.c).
	 */
	if (spawn_park() == -1)
		log_warn("%s: spawn_park", __func__);
	proctree_init();
	trim_init();
}

/*
 * The start of a runnerd an upgrade executed (upgrade.c): the state in
 * descriptor state has the configuration, the socket, the instances and
 * the clients, all of them running already; nothing is loaded, bound,
 * recovered or autostarted.  argv: runnerd's, as it was first started.
 */
static int
handed_over(char **argv, int state, int old, const char *refused,
    int daemonize)
{
	notify_init();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	loop_init();
	spawn_parent_death(SIGKILL);
	hangup_init();
	metrics_init();
	upgrade_init(argv);
	upgrade_restore(state, old, refused);
	control_adopt();
	if (daemonize)
		log_detach(server.sock_dirfd);	/* -d: where its log went */
	upgrade_announce();
	statefile_start();
	metrics_http_config(server.conf->cfg);
	ev_io_start(server.loop, &server.accept_io);
	/*
	 * A child that ended during the exec was not reaped, and its
	 * SIGCHLD went with the old image: look now.
	 */
	ev_feed_signal_event(server.loop, SIGCHLD);
	upgrade_unblock();
	return (serve(NULL, NULL));
}

/*
 * The autostart's launches, one wave in the launch queue (launchq.c):
 * systemd hears READY=1 once each has had its turn, as it did when they
 * were all launched before the loop ran.
 */
static struct wave	 autostart_wave;
static int		 autostart_queuing;

static void
autostart_turn(struct wave *w, struct inst *i, const char *alias, int rc,
    const char *err)
{
	(void)i;
	(void)alias;
	(void)rc;
	(void)err;
	if (w->queued == 0 && !autostart_queuing)
		notify_ready();
}

/*
 * Start the apps marked autostart: NAME, or NAME-1..NAME-N, queued in
 * that order.  One an earlier app depends on was started with it
 * (depends.c), or is queued already: left be.
 */
static void
autostart(void)
{
	const struct app	*app;
	char			 err[RUNNER_ERRMSG_MAX];
	char			 alias[RUNNER_ALIAS_MAX + 16];
	size_t			 k;
	int			 j, rc;

	autostart_wave.turn = autostart_turn;
	autostart_queuing = 1;
	for (k = 0; k < server.conf->cfg->napps; k++) {
		app = &server.conf->cfg->apps[k];
		for (j = 1; app->autostart && j <= app->instances; j++) {
			inst_alias(app, j, alias, sizeof(alias));
			if (inst_find(alias) != NULL)
				continue;
			/* A failure is logged, and listed as failed. */
			(void)inst_queue(alias, app,
			    &(struct runner_start){ 0 }, 0, &autostart_wave,
			    &rc, err, sizeof(err));
		}
	}
	autostart_queuing = 0;
	autostart_turn(&autostart_wave, NULL, NULL, 0, "");
}

/*
 * The next flag of "c:dns:v", as getopt(3) gives it: grouped (-dv), an
 * argument joined (-cFILE) or next (-c FILE), up to "--" or the first
 * operand (*ind is then its index), '?' after getopt's message; -1 at
 * the end.  Not getopt itself: its code sits in libc's text apart from
 * all else runnerd runs, and the kernel maps 64 KiB around a page run,
 * so one call at start kept some 40 KiB resident in every runnerd.
 */
static int
flag_next(int argc, char **argv, int *ind, char **arg)
{
	static int	 pos;		/* the next flag in argv[*ind] */
	const char	*a;
	int		 ch;

	if (pos == 0) {
		if (*ind >= argc || argv[*ind][0] != '-' ||
		    argv[*ind][1] == '\0')
			return (-1);
		if (strcmp(argv[*ind], "--") == 0) {
			(*ind)++;
			return (-1);
		}
		pos = 1;
	}
	a = argv[*ind];
	ch = (unsigned char)a[pos++];
	if (ch == 'c' || ch == 's') {
		if (a[pos] != '\0')
			*arg = argv[*ind] + pos;
		else if (*ind + 1 < argc)
			*arg = argv[++*ind];
		else {
			fprintf(stderr, "%s: option requires an argument -- "
			    "'%c'\n", argv[0], ch);
			ch = '?';
		}
		(*ind)++;
		pos = 0;
		return (ch);
	}
	if (a[pos] == '\0') {
		(*ind)++;
		pos = 0;
	}
	if (ch != 'd' && ch != 'n' && ch != 'v') {
		fprintf(stderr, "%s: invalid option -- '%c'\n", argv[0], ch);
		return ('?');
	}
	return (ch);
}

int
main(int argc, char **argv)
{
	struct config	*cfg;
	char		 err[RUNNER_ERRMSG_MAX], *path = NULL, *sock = NULL;
	char		*abspath = NULL, *defpath = NULL;
	const char	*refused = NULL;
	char		*arg = NULL;
	int		 ch, check = 0, daemonize = 0, verbose = 0, ind = 1;
	int		 explicit, own_dir, state = -1, old = -1;

	/*
	 * runnerd --handover STATE OLD REFUSED ARGS...: an upgrade's exec
	 * (upgrade.c); ARGS are runnerd's own, as it was first started.
	 */
	if (argc >= 5 && strcmp(argv[1], "--handover") == 0) {
		state = atoi(argv[2]);
		old = atoi(argv[3]);
		refused = argv[4];
		argv[4] = argv[0];
		argv += 4;
		argc -= 4;
	}
	long_options(argc, argv);
	while ((ch = flag_next(argc, argv, &ind, &arg)) != -1) {
		switch (ch) {
		case 'c':
			path = arg;
			break;
		case 'd':
			daemonize = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 's':
			sock = arg;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (ind != argc)
		usage();
	log_init(1, verbose);
	if (state != -1)
		return (handed_over(argv, state, old, refused, daemonize));

	/* As in paths_config, an empty $RUNNER_CONFIG is no name. */
	explicit = path != NULL || (getenv("RUNNER_CONFIG") != NULL &&
	    *getenv("RUNNER_CONFIG") != '\0');
	if (path == NULL && (path = defpath = paths_config()) == NULL)
		fatal("paths_config");
	/* Absolute, so messages name it fully and reloads find it. */
	if ((abspath = realpath(path, NULL)) != NULL)
		path = abspath;
	if ((cfg = load_config(path, explicit, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	if (check) {
		fprintf(stderr, "runnerd: %s: configuration OK (%zu app%s)\n",
		    path, cfg->napps, cfg->napps == 1 ? "" : "s");
		config_free(cfg);
		free(abspath);
		free(defpath);
		return (0);
	}
	if ((server.conf = calloc(1, sizeof(*server.conf))) == NULL)
		fatal("calloc");
	server.conf->cfg = cfg;
	server.conf->refs = 1;
	if (access(path, F_OK) == 0 &&
	    (server.config_path = strdup(path)) == NULL)
		fatal("strdup");
	/* The default socket's directory is runnerd's own (listen_perms). */
	own_dir = sock == NULL && getenv("RUNNER_SOCKET") == NULL;
	if (sock == NULL && (sock = paths_socket()) == NULL)
		fatal("paths_socket");

	notify_init();		/* before anything is spawned */
	raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	/*
	 * A log past RLIMIT_FSIZE is a write error (EFBIG, logfile.c cuts
	 * the torn line), not the end of supervision.
	 */
	signal(SIGXFSZ, SIG_IGN);
	if (control_listen(sock, own_dir) == -1)
		exit(1);
	if (daemonize)
		detach();

	loop_init();
	/*
	 * Nothing we start may run on unsupervised if we die: our children
	 * get SIGKILL (no stop signal: nobody would be there to escalate),
	 * and what they leave is in the state file for the runnerd that
	 * comes next, which kills what a dead one left before its autostart.
	 * Only now: control_listen has made sure no runnerd lives here.
	 */
	spawn_parent_death(SIGKILL);
	statefile_recover();
	statefile_start();
	hangup_init();
	metrics_init();
	metrics_http_config(server.conf->cfg);
	upgrade_init(argv);
	ev_io_start(server.loop, &server.accept_io);
	log_info("listening on %s", server.socket_path);
	autostart();		/* READY=1 once it is launched */
	return (serve(abspath, defpath));
}

/* The loop, until runnerd stops; then what is left is let go. */
static int
serve(char *abspath, char *defpath)
{
	ev_run(server.loop, 0);

	proctree_reap_orphans(1.0);		/* no instance is left */
	statefile_remove();
	control_close();
	metrics_http_close();
	metrics_free();
	health_shutdown();
	conf_unref(server.conf);
	free(server.config_path);
	free(server.insts);
	free(abspath);
	free(defpath);
	log_info("stopped");
	return (server.exit_status);
}
