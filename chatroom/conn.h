/*
 * conn.h: one client connection: HANDSHAKE -> OPEN -> CLOSING -> LINGER ->
 * DEAD, or HANDSHAKE -> LINGER (after an error response) -> DEAD. LINGER has
 * sent all it will and reads until the peer closes, so that our close never
 * turns into a reset that destroys our last words. A conn is freed only in the
 * server's before-sleep hook, never in the middle of an event or fan-out.
 */
#ifndef CHATROOM_CONN_H
#define CHATROOM_CONN_H

#include <stddef.h>
#include <stdint.h>

#include <wslay/wslay.h>

#include "common/buf.h"
#include "handshake.h"
#include "outq.h"
#include "proto.h"
#include "loop.h"
#include "sink.h"
#include "wsscan.h"

struct server;

enum conn_state {
	CONN_HANDSHAKE,
	CONN_LINGER,
	CONN_OPEN,
	CONN_CLOSING,
	CONN_DEAD
};

struct conn {
	struct handler		 h;		/* first: epoll data.ptr */
	struct server		*srv;		/* not owned */
	int			 fd;
	enum conn_state		 state;
	uint64_t		 peer_key;
	int			 counted;	/* against max-conns/per-ip */
	int			 hs_slot;	/* counted in nhandshakes */
	int64_t			 deadline;	/* handshake, reject or close */
	uint32_t		 interest;	/* current epoll events */

	/* The request, then the bytes after it until wslay has read them. */
	unsigned char		*hs;
	size_t			 hslen, hsoff;

	wslay_event_context_ptr	 ws;		/* NULL at rest: ws_rest() */
	struct wsscan		 scan;		/* control frames go whole */
	uint8_t			 hold[WSSCAN_HOLD_MAX];
	size_t			 holdlen;
	size_t			 rbudget;	/* bytes to read this wakeup */
	int			 rx_eof;
	struct member		*member;	/* not owned: its room's */
	struct buf		 in;		/* the message being received */
	uint8_t			 in_ctrl, in_fin, in_bad;
	struct outq		 out;		/* frames to write, in order */
	long			 tokens;	/* flood bucket, in 1/1000 msg */
	long			 strikes;
	int			 throttled;
	enum proto_close	 close_why;	/* to send once the queue is out */
	int64_t			 tokens_at, opened_at, next_ping, last_pong;

	int			 on_dirty, on_dropped;
	struct conn		*prev, *next, *dirty_next, *drop_next, *dead_next;
};

/* Takes fd. reject: answer with that status (503) instead of a handshake. */
struct conn	*conn_new(struct server *, int fd, uint64_t peer_key, int counted,
		    int reject);
/* Wipes and frees; the caller has unlinked it. conn_free(NULL) is a no-op. */
void		 conn_free(struct conn *);
/* Marks the conn DEAD: removed from epoll, freed before sleep. */
void		 conn_kill(struct conn *);
/* Sends FIN and reads until the peer closes (or a deadline), then dies. */
void		 conn_linger(struct conn *);
/* As conn_close_async, but the close frame overtakes queued messages. */
void		 conn_close_now(struct conn *, enum proto_close);
/* Writes what is queued and sets epoll interest from what ws.c wants. */
void		 conn_flush(struct conn *);
void		 conn_mark_dirty(struct conn *);
void		 conn_tick(struct conn *, int64_t now);
/* Answers r->status (4xx/503), then lingers until the peer closes. */
void		 conn_reject(struct conn *, const struct hs_result *);

/* ws.c tells: the peer closed, broke the protocol (failed) or hung up. */
void		 conn_after_input(struct conn *, int failed);

/* ws.c: the OPEN phase over wslay. */
/* Makes sure the conn has a wslay context (it has none at rest). */
int		 ws_open(struct conn *);
void		 ws_release(struct conn *);
/* At rest (whole frames read, nothing queued): gives back what an idle conn needs not hold. */
void		 ws_rest(struct conn *);
void		 ws_input(struct conn *);
/* Hands wslay's control frames to the outq and writes it. -1: the socket is dead. */
int		 ws_output(struct conn *);
int		 ws_want_read(const struct conn *);
int		 ws_want_write(const struct conn *);
int		 ws_close_received(const struct conn *);
/* Forgets queued frames not yet begun, for a close that overtakes them. */
void		 ws_drop_queued(struct conn *);
void		 ws_refill(struct conn *, int64_t now);
/* Reading is paused by the flood bucket (only while OPEN). */
int		 ws_throttled(const struct conn *);
void		 ws_close(struct conn *, enum proto_close);
void		 ws_send(struct conn *, struct msg *);
void		 ws_ping(struct conn *);

#endif
