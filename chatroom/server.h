/* server.h: the relay: listeners, connection caps, and the loop's hooks. */
#ifndef CHATROOM_SERVER_H
#define CHATROOM_SERVER_H

#include "common/net.h"
#include "config.h"
#include "conn.h"
#include "loop.h"

struct peers;
struct room_table;

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
	struct peers		*hs_peers;	/* handshakes by address */
	struct conn_set		 conns;
	int			 accept_paused;	/* out of fds: until the tick */
};

/* Takes the listeners (fds now owned by srv). 0, or -1 with errno set. */
int	server_init(struct server *, const struct relay_config *,
	    const struct listener *, int n);
/* Runs until SIGINT/SIGTERM, then closes every conn CLOSE_SHUTDOWN (<= 1 s). */
void	server_run(struct server *);
void	server_release(struct server *);

#endif
