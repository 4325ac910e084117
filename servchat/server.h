/*
 * server.h: one libmicrohttpd daemon per listening socket. Each daemon runs
 * its own internal polling thread on epoll (MHD_USE_EPOLL_INTERNAL_THREAD):
 * one thread per address family, no thread per connection, since every
 * answer is a buffer in memory and never blocks.
 */
#ifndef SERVCHAT_SERVER_H
#define SERVCHAT_SERVER_H

#include <stddef.h>

struct server_limits {
	unsigned int	 timeout;	/* idle seconds before a close */
	unsigned int	 max_conns;	/* per daemon */
	unsigned int	 per_ip;	/* per address, IPv6 per /64 */
	size_t		 memory;	/* bytes per connection */
};

struct server {
	struct MHD_Daemon	*daemon;
	struct peers		*peers;		/* live connections by key */
	unsigned int		 per_ip;
};

/*
 * Starts serving the listening socket fd, which the daemon then owns (it
 * closes it in server_stop). 0, or -1 if the daemon could not start.
 */
int	server_start(struct server *, int fd, const struct server_limits *);
/* Stops the daemon, closing its connections; copes with a failed start. */
void	server_stop(struct server *);

#endif
