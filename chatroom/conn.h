/*
 * conn.h: one client connection: HANDSHAKE -> OPEN -> CLOSING -> LINGER ->
 * DEAD, or HANDSHAKE -> LINGER (after an error response) -> DEAD. LINGER has
 * sent all it will and reads until the peer closes, so that our close never
 * turns into a reset that destroys our last words. A conn is freed only in the
 * server's before-sleep hook, never in the middle of an event or fan-out.
 * conn.c owns the life (states, deadlines, epoll interest, teardown); ws.c
 * the OPEN phase's framing, flood bucket, pings and queue; transport.c the
 * bytes.
 */
#ifndef CHATROOM_CONN_H
#define CHATROOM_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "proto.h"
#include "sink.h"
#include "transport.h"
#include "ws.h"

struct hs_result;
struct peers;
struct relay_config;
struct room_table;

enum conn_state {
	CONN_HANDSHAKE,
	CONN_LINGER,
	CONN_OPEN,
	CONN_CLOSING,
	CONN_DEAD
};

/*
 * What a server's conns share, and the lists its before-sleep hook works
 * through. Embedded in struct server, which owns what the pointers point to.
 */
struct conn_set {
	struct loop		*loop;		/* not owned */
	const struct relay_config *cfg;		/* not owned */
	struct room_table	*rooms;		/* not owned */
	struct peers		*peers;		/* not owned */
	struct peers		*hs_peers;	/* not owned: by hs_slot */
	struct conn		*all;		/* every conn not yet freed */
	struct conn		*dirty;		/* to flush before sleep */
	struct conn		*dropped;	/* to leave their rooms */
	struct conn		*dead;		/* to free before sleep */
	size_t			 nconns;	/* counted against the caps */
	size_t			 nhandshakes;	/* handshakes and rejections */
	size_t			 freed_since_trim;	/* see server_on_tick */
};

struct conn {
	struct handler		 h;		/* first: epoll data.ptr */
	struct conn_set		*set;		/* not owned */
	struct transport	 t;		/* owns the fd */
	enum conn_state		 state;
	uint64_t		 peer_key;
	int			 counted;	/* against max-conns/per-ip */
	int			 hs_slot;	/* counted in nhandshakes */
	int64_t			 deadline;	/* handshake, reject or close */
	int64_t			 opened_at;	/* for --join-timeout */
	uint32_t		 interest;	/* current epoll events */
	unsigned char		*hs;		/* the request, till answered */
	size_t			 hslen;
	struct ws_state		 ws;		/* OPEN and CLOSING */
	struct member		*member;	/* not owned: its room's */

	int			 on_dirty, on_dropped;
	struct conn		*prev, *next;	/* set->all */
	struct conn		*dirty_next, *drop_next, *dead_next;
};

/*
 * A conn for the accepted socket fd, linked into set. reject: answer with
 * that status (503) instead of a handshake. On success the conn owns fd
 * (conn_free closes it); on failure (NULL) fd is neither closed nor kept:
 * the caller still owns it.
 */
struct conn	*conn_new(struct conn_set *, int fd, uint64_t peer_key,
		    int counted, int reject);
/* Wipes and frees; the caller has unlinked it. conn_free(NULL) is a no-op. */
void		 conn_free(struct conn *);
/* Marks the conn DEAD: removed from epoll, freed before sleep. */
void		 conn_kill(struct conn *);
/* Writes what is queued and sets epoll interest from what ws.c wants. */
void		 conn_flush(struct conn *);
void		 conn_tick(struct conn *, int64_t now);
/* Serves what a TLS session holds decrypted (before sleep). */
void		 conn_serve_held(struct conn *);

#endif
