/*
 * tick.c: what runnerctl says at a terminal while a request takes over a
 * second, so that a person never waits on silence: progress ("runnerctl:
 * starting 'lots'... 3s", rewritten in place each second and erased at
 * the end), or one line said once ("'u' is not reading its input").  A
 * SIGALRM every second writes it; the waits in lib/ go on through the
 * signal (fd_wait_either), and SA_RESTART restarts the rest.  Nothing is
 * said when stderr is not a terminal: scripts and pipes see no change.
 */

#include <sys/time.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "runnerctl.h"

#define TICK_MSG_MAX	512

static volatile sig_atomic_t	 tick_secs;	/* seconds waited */
static volatile sig_atomic_t	 tick_shown;	/* something was written */
static int			 tick_mode = -1; /* TICK_*, -1: not armed */
/*
 * The message, twice: tick_say writes the copy not shown, then shows
 * it, so the handler never reads a message half written.
 */
static char			 tick_msgs[2][TICK_MSG_MAX];
static size_t			 tick_lens[2];
static volatile sig_atomic_t	 tick_cur;
#define tick_msg	tick_msgs[tick_cur]
#define tick_len	tick_lens[tick_cur]
static struct sigaction		 tick_old;

static void	tick_alarm(int);

/*
 * The handler: only write(2) and what is on its stack.  Progress is
 * "\r" + the message + " Ns" and clear to the end of the line.
 */
static void
tick_alarm(int sig)
{
	char	 line[TICK_MSG_MAX + 32], num[16];
	size_t	 n = 0, k = 0;
	int	 s, saved = errno, cur = tick_cur;

	(void)sig;
	s = ++tick_secs;
	if (tick_mode == TICK_ONCE) {
		if (s == 1 && write(STDERR_FILENO, tick_msgs[cur],
		    tick_lens[cur]) > 0)
			tick_shown = 1;
		errno = saved;
		return;
	}
	line[n++] = '\r';
	memcpy(line + n, tick_msgs[cur], tick_lens[cur]);
	n += tick_lens[cur];
	line[n++] = ' ';
	do {
		num[k++] = (char)('0' + s % 10);
		s /= 10;
	} while (s > 0 && k < sizeof(num));
	while (k > 0)
		line[n++] = num[--k];
	memcpy(line + n, "s\033[K", 4);
	n += 4;
	if (write(STDERR_FILENO, line, n) > 0)
		tick_shown = 1;
	errno = saved;
}

/*
 * From a second from now, say fmt's message (escaped) every second
 * (TICK_PROGRESS) or once (TICK_ONCE, a line of its own), until
 * tick_stop; only when stderr is a terminal.
 */
void
tick_start(int mode, const char *fmt, ...)
{
	struct sigaction	 sa;
	struct itimerval	 it;
	va_list			 ap;
	char			 raw[TICK_MSG_MAX / 4];

	if (tick_mode != -1 || !isatty(STDERR_FILENO))
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	snprintf(tick_msg, sizeof(tick_msg), "runnerctl: ");
	escape_ctrl(raw, tick_msg + strlen(tick_msg), sizeof(tick_msg) -
	    strlen(tick_msg) - 1);
	tick_len = strlen(tick_msg);
	if (mode == TICK_ONCE)
		tick_msg[tick_len++] = '\n';	/* room was kept */
	tick_secs = tick_shown = 0;
	tick_mode = mode;
	/* tick_msg is the shown copy: tick_cur is 0 between ticks. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tick_alarm;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &tick_old);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = it.it_interval.tv_sec = 1;
	setitimer(ITIMER_REAL, &it, NULL);
}

/*
 * Say fmt's message instead, from now on (progress only): from another
 * thread too, such as the one that hears a start's waiting events
 * (depwait.c).
 */
void
tick_say(const char *fmt, ...)
{
	va_list	 ap;
	char	 raw[TICK_MSG_MAX / 4];
	int	 other = !tick_cur;

	if (tick_mode != TICK_PROGRESS)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	snprintf(tick_msgs[other], sizeof(tick_msgs[other]), "runnerctl: ");
	escape_ctrl(raw, tick_msgs[other] + strlen(tick_msgs[other]),
	    sizeof(tick_msgs[other]) - strlen(tick_msgs[other]) - 1);
	tick_lens[other] = strlen(tick_msgs[other]);
	tick_cur = other;
}

/* No more ticks; progress shown is erased, so the answer stands alone. */
void
tick_stop(void)
{
	struct itimerval	 it;

	if (tick_mode == -1)
		return;
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	sigaction(SIGALRM, &tick_old, NULL);
	if (tick_mode == TICK_PROGRESS && tick_shown)
		(void)write(STDERR_FILENO, "\r\033[K", 4);
	tick_mode = -1;
	tick_cur = 0;
}
