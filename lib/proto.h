/*
 * proto.h: the control protocol between runnerd and its clients
 * (runnerctl, librunner's daemon backend, scripts).  This comment is the
 * reference; bump PROTO_VERSION on every change.
 *
 * Transport: a UNIX stream socket; one JSON object per line, both ways.
 *
 * Request:  {"tag": 7, "cmd": "start", "ext": {...}}
 *   tag   optional integer, echoed unchanged in the reply (absent: no tag)
 *   cmd   string, required
 *   ext   optional object (absent: {})
 * Reply:    {"tag": 7, "ok": true, "ext": {...}}
 *       or  {"tag": 7, "ok": false, "error": "ENOAPP", "message": "..."}
 * Event:    {"event": "exited", "ext": {...}}  (subscribers only, no tag)
 *
 * A client may send many requests before reading; each gets exactly one
 * reply.  Most commands answer at once, in order; start (of a socket app:
 * once it accepts), stop, restart, write and read with "wait", reload and
 * update (once their starts had their turn) answer when done, so replies
 * can overtake each other: match them by tag.  A client
 * that half-closes gets the replies to what it sent; one that closes
 * outright is forgotten at once, with whatever it was waiting for.
 *
 * Bounds on what clients make runnerd hold (protocol 4):
 *   - Request bytes runnerd holds for all clients together (unfinished
 *     lines, requests read but not yet handled) are bounded by 16 MiB.
 *     Past that, the client holding the most gets an untagged ENOMEM
 *     and is closed, until the total is under again.
 *   - A line left unfinished for 20 s while runnerd waits for the rest
 *     gets an untagged ETIMEDOUT and the connection is closed.  A client
 *     idle between requests (nothing unfinished), attached, following a
 *     log or subscribed and idle, or whose requests wait on runnerd, is
 *     never timed out.
 *   - Replies a client leaves unread: its requests wait (runnerd stops
 *     reading them) while it has more than 4 MiB of replies unsent, or
 *     more than 64 KiB while all clients together have more than 16 MiB
 *     unsent; nothing is dropped.
 *   - Events: see subscribe.
 *
 * Errors: EPROTO (not JSON, not an object: the connection goes on; a
 * line over PROTO_LINE_MAX: the connection is closed after the reply),
 * ENOCMD (unknown cmd; tag echoed when readable), EINVAL (a field, tag
 * and cmd included, missing or of the wrong type; a name, path or arg
 * holding a NUL, "\u0000"), ENOAPP, ENOALIAS, EEXIST, ESPAWN, ECLOSED,
 * ETIMEDOUT, EPERM, ECONFIG, ENOMEM, ESYS (protocol 5: a system call failed),
 * EDEPEND (protocol 8: a dependency failed a start; a stop would leave
 * a running instance without what it depends on).
 * An error reply without a tag is about the connection, not one request
 * (a line too long; a peer runnerd does not serve: EPERM at once, before
 * any request, then the connection closes; a line left unfinished:
 * ETIMEDOUT; over the request budget: ENOMEM): it answers whatever
 * request is pending, as librunner and runnerctl take it.  After an
 * attach reply the connection is the instance's stream, and untagged
 * lines on it are the instance's own (lib/ask.c skips them).
 *
 * Who: root and runnerd's own uid may send everything; a member of
 * allow_group gets EPERM (with the rule in words) for reload, update,
 * shutdown, and a start with "socket" or "cwd" (runnerd/access.c).
 *
 * Commands (ext fields; "?" marks optional ones) and their reply ext:
 *
 * hello {}
 *   -> {"protocol": 9, "version": "0.1.0", "pid": N, "config": PATH,
 *       "socket": PATH}   (protocol: PROTO_VERSION)
 *   Protocol 9: with metrics_listen in the configuration, also
 *   "metrics": "HOST:PORT" when its endpoint serves, or "metrics_error":
 *   "HOST:PORT: bind: Address already in use" when it could not.
 *   Protocol 10: also "started" (epoch seconds: when the binary now
 *   running started) and "upgrades" (how many this runnerd went
 *   through; "pid" stays the same across them).
 * apps {}
 *   -> {"config": PATH, "apps": [{"name", "type": "stdio"|"socket",
 *       "command": [..], "cwd": S|null, "socket": S|null, "restart",
 *       "autostart": bool}]}
 * start {"app", "alias"?, "args"?: [S], "socket"?, "cwd"?, "strict"?: bool}
 *   Ensure semantics unless strict: an alias that runs is left alone.
 *   Answers once the instance runs (socket apps: once connected).
 *   "wait"?: bool (default true): answer once the instance is ready (its
 *   `ready`); false: once exec succeeded (state "starting" or "running").
 *   Input sent while it is starting (write, attach) is queued, bounded
 *   as all input, and delivered once it has its channel (protocol 7).
 *   A start that fails (exec, an exit before ready, the ready timeout)
 *   leaves the instance listed as "failed" with its reason (protocol 7),
 *   unless "forget"?: true (librunner's starts) leaves no record.
 *   -> {"alias", "app", "pid", "started": bool, "state"}  (started false:
 *   already running).  Without "alias", an app of instances = N starts
 *   NAME-1..NAME-N: -> {"app", "started": [aliases started]}
 *   EINVAL, ENOAPP, EEXIST (strict), ESPAWN, ETIMEDOUT, EPERM (socket
 *   or cwd from a member of allow_group)
 *   Protocol 8: an app with depends_on first starts its dependencies'
 *   instances that are not running, and the instance is "waiting" until
 *   every condition holds (then it starts as above); even with "wait"
 *   false the answer comes once its exec succeeded.  A dependency that
 *   fails ends it "failed" with reason "dependency 'db' failed: ...":
 *   EDEPEND.  A stop of a waiting instance cancels its wait (the start
 *   gets ESPAWN, "... stopped before it was ready").
 * stop {"alias"} | {"aliases": [S]} | {"all": true}
 *   Every alias is checked first (ENOALIAS: nothing is stopped).
 *   Protocol 8: an instance is signalled only once every instance that
 *   depends on it and is being stopped has ended (dependents first, the
 *   rest in parallel); stopping what a running instance depends on is
 *   EDEPEND, naming the dependents, unless "with_dependents"?: true adds
 *   them to the stop (they are in "stopped").  Answers
 *   when none has a process left; their aliases are then free (a start
 *   replaces the record).  Protocol 7: they stay listed, "stopped" (one
 *   that had ended keeps its state), until started again or removed;
 *   before, they were gone.
 *   -> {"stopped": [S]}
 * remove {"alias"} | {"aliases": [S]}   (protocol 7)
 *   Forgets ended instances (stopped, exited, failed), their output and
 *   log.  Every alias is checked first: ENOALIAS, or EEXIST for one that
 *   runs, starts, stops or waits to restart; then nothing is removed.
 *   runnerd keeps at most 1000 ended instances, forgetting the one that
 *   ended first.
 *   -> {"removed": [S]}
 * restart {"alias"}
 *   Stops it and starts it again with the same app, args, cwd and socket.
 *   -> {"alias", "app", "pid", "started": true}
 * restart {"rolling": true, "app" | "alias" | "aliases": [S],
 *     "max_unavailable"?: N}   (protocol 8)
 *   A rolling restart (runnerd/roll.c): the app's instances, or those
 *   named (each checked first: ENOALIAS, nothing restarted), restarted
 *   max_unavailable at a time (default 1; a whole number from 1 to the
 *   instances named, else EINVAL), an app's in byte order of alias,
 *   named ones as named, each batch once every instance of the one
 *   before runs its new process, ready by its `ready` and healthy where
 *   the app has a probe.  Instances not
 *   running at the start are left alone (not_running); one stopped or
 *   removed meanwhile is skipped.  Answered at the end (the client may
 *   leave: the roll goes on):
 *   -> {"app": S|null, "rolling": true, "max_unavailable": N,
 *       "batches": N, "seconds": S, "restarted": [{"alias", "pid",
 *       "old_pid"}], "failed": [], "skipped": [{"alias", "error"}],
 *       "not_running": [{"alias", "error"}], "untouched": []}
 *   A batch where an instance's new process fails (spawn, an exit
 *   before ready, the ready timeout, unhealthy) stops the roll: an
 *   error with that instance's code (ESPAWN, ETIMEDOUT) whose message
 *   names the instances failed and why, restarted, skipped, and left
 *   untouched (their old processes run on).  EEXIST: an instance named
 *   is in a roll already (and a roll that a reload replaces ends so);
 *   EPERM: runnerd shut down mid-roll; ENOAPP; ENOALIAS (an app with
 *   no instances).
 * signal {"alias", "signal": NAME | N}   (protocol 5)
 *   Sends the signal ("HUP", "SIGHUP", "1" or 1: 1 to 64) to the
 *   instance's main process only, not its group, as kill(2); the
 *   restart policy is unchanged (one that dies of it is restarted as
 *   after any crash).  Answers once sent.
 *   -> {"alias", "app", "pid", "signal": "SIGHUP" | N (one without a
 *   name)}
 *   EINVAL (a missing, unknown or out of range signal: checked before
 *   the alias), ENOALIAS, ECLOSED ("'c1' is not running (killed by
 *   SIGTERM)": no process now), ESYS (kill failed)
 * status {"alias"?}
 *   -> {"instances": [{"alias", "app", "pid" (0 when not running),
 *       "state": "starting"|"running"|"backoff"|"stopping"|"exited"|
 *       "failed"|"stopped" (7)|"waiting" (8: for its dependencies;
 *       then "waiting_for": "db (healthy), cache (started)", what it
 *       still waits for),
 *       "args": [S], "type", "socket": S|null, "uptime": seconds,
 *       "restarts": N, "last_exit": null|{"code": N}|{"signal": "SIGKILL"},
 *       "next_restart": seconds|null (backoff), "error"?: S (failed),
 *       "reason": S|null (7: why an ended one is not running),
 *       "buffered": bytes, "dropped": bytes, "log_dropped": bytes,
 *       "attached": N, "input_closed": bool, "input_lost": bytes,
 *       "left_behind": N, "health": null|{...} (8)}]}
 *   sorted by alias; dropped: output the overflow policy dropped (drop-
 *   oldest); log_dropped (protocol 2): log bytes its log file did not
 *   take (a FIFO nobody reads, a full disk); (protocol 6) attached:
 *   clients attached; input_closed: the instance takes no more input
 *   (close_input, an attacher's half-close, the child shut its end, a
 *   socket app closed its connection, no process); input_lost: input
 *   bytes that never reached it, since the instance was made;
 *   left_behind: processes the last process left running when it
 *   exited by itself (its session, its group, what escaped them:
 *   runnerd/proctree.c), which were then killed; 0 after a stop, which
 *   kills them anyway.  health (protocol 8): null for an app without a
 *   probe, else {"state": "starting"|"healthy"|"unhealthy", "failures":
 *   N (in a row, counted), "restarts": N (stops by its probe: liveness),
 *   "last": null|{"ok": bool, "at": epoch seconds, "duration": seconds,
 *   "output": S (a pass: an exec probe's first line, "accepted", "HTTP
 *   200") | "error": S (a failure: "exit 1", "timed out after 1 s",
 *   "HTTP 500", ...)}}; an instance without a process has no verdict
 *   ("starting").  A probe's liveness stop shows in reason while the
 *   instance waits to restart ("unhealthy after 3 failed probes (last:
 *   exit 1)"), and as the reason of one that ended failed for it.
 * write {"alias", "data": base64 | "text": S}
 *   Answers when every byte has been written to the instance.
 *   -> {"written": N}    ENOALIAS, ECLOSED (the instance is gone, or
 *   takes no more input: "'c1' stopped reading its input; N bytes were
 *   not delivered")
 * close_input {"alias"}   (protocol 6)
 *   Ends the instance's input once the input queued before it is
 *   written: the channel's write side is shut, so the child reads EOF
 *   and may go on writing.  Answers then (again: at once, the same).
 *   Input sent after it is not taken: write gets ECLOSED, attachers'
 *   writes fail (below), the bytes are counted in input_lost.  For the
 *   current process only: one restarted later starts with open input.
 *   -> {"written": N, "lost": N}  (input bytes written to the instance,
 *   and that never reached it, since it was made)
 *   ENOALIAS, ECLOSED (not running), EPERM (a direct lease holds it)
 * read {"alias", "wait"?: seconds, "max"?: bytes}
 *   Takes up to max (default and cap: PROTO_READ_MAX) buffered bytes.
 *   With nothing buffered and wait > 0, answers when output comes or the
 *   wait ends (then with no data).
 *   -> {"data": base64, "bytes": N}
 *   ECLOSED once the instance has ended and all its output was read.
 * attach {"alias"}
 *   -> {"alias", "pid"}; then the connection is a raw byte stream: what
 *   the client sends goes to the instance's input, and the instance's
 *   output (what was buffered, then live) comes back.  An attach is to
 *   one process (protocol 6): when it exits, even if the policy restarts
 *   the instance, and its output has been sent, runnerd closes the
 *   connection (so a tagged request to it ends at once, and no reply
 *   from a later process answers it); attached while the instance has
 *   no process ("pid": 0: it waits to restart), it gets what was
 *   buffered and is closed.  A socket app that closed its connection
 *   ends the attach too.  A client that leaves does not stop the
 *   instance.  A client that half-closes (shutdown SHUT_WR) ends the
 *   instance's input, as close_input, after all it sent (protocol 6),
 *   and goes on receiving output until the process ends; one that
 *   closes outright does not.  Once the instance takes no more input
 *   runnerd shuts the read side of the connection (protocol 6): the
 *   client's writes fail with EPIPE, and what it sent that never
 *   reached the child is counted in input_lost.  Who gets the output
 *   (protocol 6): each attached client a copy, from its attach on; with
 *   nobody attached, the buffer (for read, and first for the next
 *   attacher); when the last attacher leaves, what runnerd held for it
 *   unsent goes back to the front of the buffer.  Bytes sent after the
 *   attach line are already raw input.
 * direct {"alias"}   (protocol 2)
 *   -> {"alias", "app", "pid", "data": base64, "bytes": N}, and with the
 *   reply's first byte (SCM_RIGHTS) the instance's channel descriptor
 *   itself: the client then talks to the instance with no relay.  "data"
 *   is the output runnerd had buffered, to be read before the
 *   descriptor.  The connection stays open as the lease: while it is
 *   open runnerd neither reads nor writes that channel (no output is
 *   buffered, attached clients get nothing and their input waits, write
 *   and read requests get EPERM); when it closes (the client closed the
 *   channel, or died) runnerd takes the channel back and relays again.
 *   When the instance's process ends, runnerd closes the lease
 *   connection itself, so a client that finds it closed knows the
 *   channel is over once its descriptor is drained.  Requests may still
 *   be sent on the lease connection.  The reply line may be longer than
 *   PROTO_LINE_MAX (base64 of up to output_buffer bytes), never longer
 *   than PROTO_DIRECT_LINE_MAX.
 *   EEXIST (another connection holds it), ECLOSED (no live channel: not
 *   running, or a socket app still starting), EPERM (input queued for
 *   the instance that it has not read yet: retry once it has), EINVAL
 *   (replies still unsent on this connection, or it already holds one).
 * logs {"alias", "lines"?: N, "follow"?: bool}   (protocol 2)
 *   -> {"alias", "data": base64}: the instance's recent log (what went to
 *   its log file or runnerd's log: stderr by the app's stderr option, a
 *   socket app's stdout, and with a log file a stdio app's stdout too),
 *   whole lines, at most the last 64 KiB; the last N lines with lines.
 *   With follow, the connection then carries the log raw as it comes,
 *   output only (what the client sends is ignored), until the instance
 *   is stopped, or ends for good and its log pipe closes: runnerd closes
 *   it then.  A follower more than 4 MiB behind misses lines and is told
 *   "runnerd: N bytes of log skipped: ..." on a line of its own.
 * subscribe {}
 *   -> {}; from then on the connection also carries events, each ext
 *   starting {"alias", "app", "pid"} (pid 0 when there is no process,
 *   as for failed and restarting): started (the instance runs, ready), restarted (the same
 *   after a restart); (protocol 6) ready, right after either; exited
 *   {..., "status": {"code": N}|{"signal": S|N}, (protocol 6)
 *   "left_behind": N}; (protocol 6) restarting {..., "delay": seconds,
 *   "restarts": N} when the policy schedules a restart, after the exit;
 *   failed; stopped; (protocol 4) lagged {"missed": N}; (protocol 8)
 *   waiting {..., "waiting_for": S} when a start waits for
 *   dependencies, again as what it waits for changes; and (protocol
 *   8) health {..., "health": "starting"|"healthy"|"unhealthy"|"none",
 *   "failures": N, "last": null|{"ok", "at", "duration", "output"|
 *   "error"}} when an instance's probe verdict changes (status's
 *   health, below; "none": a reload removed the probe).  A client
 *   skips events it does not know (a later runnerd's).  A subscriber that has not read 256 KiB of what was
 *   sent to it (or anything, while all clients together have not read
 *   16 MiB) misses events, counted, until it is back under 128 KiB
 *   unread; then, before any other event, it gets lagged with the count
 *   of events it missed (the events around the gap came in order; what
 *   it missed can be asked with status).  Replies to its requests are
 *   never dropped, and the connection stays open.  Once it attaches or
 *   follows a log, its events end, lagged included: the connection
 *   carries only that stream.
 * reload {"path"?} | {"config"?: libconfig text}
 *   The new configuration is checked whole (else ECONFIG "FILE:LINE: ..."
 *   and nothing changes), then applied app by app: unchanged instances go
 *   on, policy changes apply live, process changes restart, removed apps'
 *   instances stop, autostart apps are scaled to their instances (an
 *   ended instance, stopped or failed, is started again only when its
 *   app was added or changed).  The starts wait their turn in runnerd's
 *   launch queue, other clients served meanwhile; the reply comes once
 *   each has had it (one stopped or removed before its turn is listed
 *   failed, "stopped before its turn to start came").  Once a shutdown
 *   has begun: EPERM "runnerd is shutting down" (update too).
 *   -> {"config": SOURCE, "apps": N, "added": [apps], "removed": [apps],
 *       "changed": [apps], "restarted": [aliases], "started": [aliases],
 *       "stopped": [aliases], "failed": [{"alias", "error"}] (7: the
 *       autostart instances it could not start; listed as failed),
 *       "rolling": [apps] (8: changed apps of several instances with
 *       reload_strategy = "rolling", whose rolling restart has begun;
 *       the reply does not wait for it: runnerd logs its end)}
 *   A reload replaces the whole configuration; to add or replace some
 *   apps and keep the others, use update.
 * update {"config": libconfig text} | {"path"}   (protocol 6)
 *   Adds or replaces the apps the text (or the file) names and leaves
 *   the others: the configuration in force, its apps in their order, an
 *   app named by the update taking the place of the one of its name,
 *   then the update's new apps.  The update is checked alone (it must
 *   load; it names apps only: a top-level setting such as allow_group is
 *   ECONFIG, since it is the whole configuration's), then the result
 *   across apps (two socket apps on one socket path); on any error
 *   ECONFIG "FILE:LINE: ..." and nothing changes.  An update naming no
 *   apps changes nothing.  Then applied as a reload is: "removed" is
 *   always [], no instance is stopped but NAME-k past a scaled-down
 *   app's instances; "config" is the source of the configuration in
 *   force.  A reload and an update are each applied whole, in the order
 *   runnerd reads them, each against what the one before left; a reload
 *   of runnerd's file (SIGHUP, reload {}) drops what updates added.
 *   -> the same ext as reload.   EPERM (a member of allow_group)
 * shutdown {}
 *   -> {}; then every instance is stopped (dependents first, protocol
 *   8) and runnerd exits 0 (or with an essential instance's status,
 *   on_exit = "shutdown").
 * deps {"app"?}   (protocol 8)
 *   The dependency graph of the configuration in force: every app, or
 *   the one named and every app it reaches through its dependencies, in
 *   file order.
 *   -> {"apps": [{"app", "depends_on": [{"app", "condition":
 *       "started"|"ready"|"healthy"|"completed"|
 *       "completed_successfully"}], "on_dependency_restart":
 *       "none"|"restart"}]}   ENOAPP
 * metrics {}   (protocol 9)
 *   -> {"format": "text/plain; version=0.0.4", "text": S}: runnerd's
 *   metrics in the Prometheus text exposition format, complete (what
 *   GET /metrics on metrics_listen serves; the names: runnerd(8)).
 *   Large with many instances (about 1 KiB each): a reply line may be
 *   longer than PROTO_LINE_MAX, never than PROTO_REPLY_MAX.
 * upgrade {"binary"?: PATH}   (protocol 10; root or runnerd's uid only)
 *   runnerd executes PATH (absolute; default: its own binary, as it was
 *   started) keeping its pid, every instance, channel and client
 *   (runnerd(8), UPGRADE IN PLACE).  Answered by the new runnerd:
 *   -> {"pid": N, "version": V, "from": OLD_V, "upgrades": N,
 *       "instances": N, "clients": N, "bytes": N}
 *   EUPGRADE (runnerd runs on unchanged) when PATH cannot be executed,
 *   does not answer --version with this handover version within 5 s,
 *   requests still wait after 10 s, or the new runnerd refused the state.
 */

#ifndef PROTO_H
#define PROTO_H

#define PROTO_VERSION	10		/* 2: direct, logs; 3: start's wait,
					   backoff/failed, reload report;
					   4: lagged, request bounds,
					   owner-only commands; 5: signal;
					   6: update (merge apps), an
					   attach ends with its process,
					   close_input, an attacher's
					   half-close ends input, input_lost,
					   attached, who gets the output;
					   the ready and restarting events,
					   left_behind in exited and status;
					   7: ended instances stay listed
					   (stopped, failed starts), remove,
					   reason in status, failed in the
					   reload report, input queued while
					   starting;
					   8 (issue 17): dependencies: deps,
					   stop's with_dependents, the
					   waiting state and event, EDEPEND;
					   health probes: the health event,
					   health in status, reason
					   "unhealthy ..."; rolling restarts:
					   restart's rolling and
					   max_unavailable, reload's
					   rolling;
					   9 (issue 18): metrics (the
					   Prometheus text), hello's
					   metrics and metrics_error;
					   10 (issue 19): upgrade, EUPGRADE,
					   hello's started and upgrades */
#define PROTO_LINE_MAX	RUNNER_LINE_MAX	/* longest request line */
#define PROTO_READ_MAX	(256 * 1024)	/* most bytes one read returns */
/*
 * Longest reply line a client takes from runnerd: status of 10000
 * instances (instances = N's bound) with health is a few MiB, more than
 * a request may be; a bound still, against a runnerd that lies.
 */
#define PROTO_REPLY_MAX	((size_t)64 << 20)
/* Longest direct reply: base64 of the largest output_buffer (1G), plus. */
#define PROTO_DIRECT_LINE_MAX	((size_t)3 << 29)

#endif /* PROTO_H */
