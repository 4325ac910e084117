/* loop.c: the epoll loop with a before-sleep hook and a periodic tick. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

#define LOOP_MAX_EVENTS	256

/* Marks the signalfd in epoll (its handler is NULL). */
static struct handler	loop_signal_mark;

int64_t
loop_clock(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
loop_init(struct loop *l, int tick_ms)
{
	sigset_t	set;

	memset(l, 0, sizeof(*l));
	l->sigfd = -1;
	l->tick_ms = tick_ms;
	l->now = loop_clock();
	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return -1;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1 ||
	    loop_add(l, l->sigfd, EPOLLIN, &loop_signal_mark) == -1) {
		loop_release(l);
		return -1;
	}
	return 0;
}

void
loop_release(struct loop *l)
{
	if (l->sigfd != -1)
		close(l->sigfd);
	if (l->epfd != -1)
		close(l->epfd);
	l->sigfd = l->epfd = -1;
}

static int
loop_ctl(struct loop *l, int op, int fd, uint32_t events, struct handler *h)
{
	struct epoll_event	ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = h;
	return epoll_ctl(l->epfd, op, fd, &ev);
}

int
loop_add(struct loop *l, int fd, uint32_t events, struct handler *h)
{
	return loop_ctl(l, EPOLL_CTL_ADD, fd, events, h);
}

int
loop_mod(struct loop *l, int fd, uint32_t events, struct handler *h)
{
	return loop_ctl(l, EPOLL_CTL_MOD, fd, events, h);
}

void
loop_del(struct loop *l, int fd)
{
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
}

static void
loop_drain_signals(struct loop *l)
{
	struct signalfd_siginfo	si;

	while (read(l->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		/* SIGHUP reloads (the TLS pair) and keeps every connection. */
		if (si.ssi_signo == SIGHUP) {
			if (l->on_hup != NULL)
				l->on_hup(l->arg);
		} else
			l->stop = 1;
	}
}

void
loop_once(struct loop *l, int timeout_ms)
{
	struct epoll_event	evs[LOOP_MAX_EVENTS];
	int			i, n;

	if (l->before_sleep != NULL)
		l->before_sleep(l->arg);
	n = epoll_wait(l->epfd, evs, LOOP_MAX_EVENTS, timeout_ms);
	l->now = loop_clock();
	for (i = 0; i < n; i++) {
		struct handler *h = evs[i].data.ptr;

		if (h == &loop_signal_mark)
			loop_drain_signals(l);
		else
			h->on_event(h, evs[i].events);
	}
}

void
loop_run(struct loop *l)
{
	int64_t	next_tick = loop_clock() + l->tick_ms;

	while (!l->stop) {
		int64_t	wait = next_tick - loop_clock();

		loop_once(l, wait < 0 ? 0 : (int)wait);
		if (l->now >= next_tick) {
			next_tick = l->now + l->tick_ms;
			if (l->on_tick != NULL)
				l->on_tick(l->arg);
		}
	}
}
