/*
 * server.h: one libmicrohttpd daemon per listening socket. Each daemon runs
 * in a thread of ours polling on epoll (MHD_USE_EPOLL, MHD_run_wait): one
 * thread per address family, no thread per connection, since every answer
 * is a buffer in memory and never blocks. Between two polls the thread
 * closes connections past --request-timeout, which MHD cannot do: its
 * timeout is an idle one.
 */
#ifndef SERVCHAT_SERVER_H
#define SERVCHAT_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct server_limits {
	unsigned int	 timeout;	/* idle seconds before a close */
	unsigned int	 request_timeout; /* seconds to get a request in */
	unsigned int	 max_conns;	/* per daemon */
	unsigned int	 per_ip;	/* per address, IPv6 per /64 */
	size_t		 memory;	/* bytes per connection */
};

struct server_conn;

struct server {
	struct MHD_Daemon	*daemon;
	struct peers		*peers;		/* live connections by key */
	struct server_conn	*conns;		/* for the request deadline */
	unsigned int		 per_ip;
	int64_t			 request_ms;
	pthread_t		 thread;
	int			 has_thread;
	atomic_int		 stopping;
};

/*
 * Starts serving the listening socket fd, which the daemon then owns (it
 * closes it in server_stop). 0, or -1 if the daemon could not start.
 */
int	server_start(struct server *, int fd, const struct server_limits *);
/* Stops the daemon, closing its connections; copes with a failed start. */
void	server_stop(struct server *);

#endif
