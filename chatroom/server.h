/* server.h: the relay: listeners, connection caps, and the loop's hooks. */
#ifndef CHATROOM_SERVER_H
#define CHATROOM_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "common/net.h"
#include "handshake.h"
#include "loop.h"
#include "room.h"

struct conn;
struct peers;

struct relay_config {
	size_t			max_conns, max_per_ip, max_handshakes;
	size_t			max_message, max_header_bytes, max_queue;
	int			send_buffer;	/* SO_SNDBUF */
	int64_t			handshake_timeout_ms, join_timeout_ms;
	int64_t			ping_interval_ms, pong_timeout_ms;
	long			flood_rate, flood_burst;	/* msgs/s, msgs */
	struct hs_config	hs;
	struct room_limits	rooms;
};

struct server_listener {
	struct handler		 h;		/* first: epoll data.ptr */
	struct listener		 l;
	struct server		*srv;		/* not owned */
};

struct server {
	struct loop		 loop;
	const struct relay_config *cfg;		/* not owned */
	struct server_listener	 lis[NET_MAX_LISTEN];
	int			 nlis;
	struct room_table	*rooms;
	struct peers		*peers;
	struct conn		*conns;		/* every conn not yet freed */
	struct conn		*dirty;		/* output to flush before sleep */
	struct conn		*dropped;	/* members to take out of rooms */
	struct conn		*dead;		/* to free before sleep */
	size_t			 nconns;	/* accepted, counted against caps */
	size_t			 nhandshakes;	/* handshakes and rejections */
	int			 accept_paused;
	size_t			 freed_since_trim;	/* out of fds: until the next tick */
};

/* Takes the listeners (fds now owned by srv). 0, or -1 with errno set. */
int	server_init(struct server *, const struct relay_config *,
	    const struct listener *, int n);
/* Runs until SIGINT/SIGTERM, then closes every conn with 1001 (<= 1 s). */
void	server_run(struct server *);
void	server_release(struct server *);

#endif
