/*
 * loop.h: one epoll loop, after redis's ae.c. Each fd's handler is the first
 * member of its owner's struct and travels in epoll_event.data.ptr.
 */
#ifndef CHATROOM_LOOP_H
#define CHATROOM_LOOP_H

#include <stdint.h>

struct handler {
	void	(*on_event)(struct handler *, uint32_t events);
};

struct loop {
	int	 epfd;
	int	 sigfd;		/* SIGINT and SIGTERM arrive here */
	int	 stop;		/* set by a signal */
	int64_t	 now;		/* monotonic milliseconds, once per wakeup */
	int	 tick_ms;
	void	(*before_sleep)(void *);
	void	(*on_tick)(void *);
	void	(*on_hup)(void *);	/* SIGHUP, or NULL: ignored */
	void	*arg;		/* for the two hooks; not owned */
};

/* Returns 0, or -1 with errno set. Blocks SIGINT/SIGTERM for the signalfd. */
int	loop_init(struct loop *, int tick_ms);
void	loop_release(struct loop *);
int	loop_add(struct loop *, int fd, uint32_t events, struct handler *);
int	loop_mod(struct loop *, int fd, uint32_t events, struct handler *);
void	loop_del(struct loop *, int fd);
/* Runs until a signal sets stop; the hooks run every iteration / every tick. */
void	loop_run(struct loop *);
/* One iteration, waiting at most timeout_ms (used while shutting down). */
void	loop_once(struct loop *, int timeout_ms);
int64_t	loop_clock(void);

#endif
