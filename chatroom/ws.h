/*
 * ws.h: the OPEN phase of a conn: WebSocket framing over wslay, the flood
 * bucket, ping and pong, and the output queue. It reads and writes only
 * through the conn's transport and reports what happened by its return
 * values; the conn (conn.c) decides about states, timers and teardown.
 */
#ifndef CHATROOM_WS_H
#define CHATROOM_WS_H

#include <stddef.h>
#include <stdint.h>

#include <wslay/wslay.h>

#include "common/buf.h"
#include "outq.h"
#include "proto.h"
#include "wsscan.h"

struct msg;
struct relay_config;
struct transport;

/*
 * A whole text message from the peer, for the layer above (the room); with
 * refused set (PROTO_EFLOOD) it must be refused, not run.
 */
typedef void	(*ws_deliver_fn)(void *arg, const char *text, size_t len,
		    int refused);

struct ws_state {
	wslay_event_context_ptr	 ctx;		/* NULL at rest: ws_rest() */
	struct transport	*t;		/* not owned: the conn's */
	const struct relay_config *cfg;		/* not owned */
	const int64_t		*now;		/* not owned: the loop's */
	ws_deliver_fn		 deliver;
	void			*arg;		/* for deliver; not owned */
	struct wsscan		 scan;		/* control frames go whole */
	uint8_t			 hold[WSSCAN_HOLD_MAX];
	size_t			 holdlen;
	struct buf		 early;		/* came with the request */
	size_t			 earlyoff;	/* of early, handed to wslay */
	size_t			 rbudget;	/* bytes to read this wakeup */
	int			 rx_eof;
	int			 open;		/* messages go up to the room */
	int			 dead;		/* stream broken or no memory */
	struct buf		 in;		/* the message being received */
	uint8_t			 in_ctrl, in_fin, in_bad;
	struct outq		 out;		/* frames to write, in order */
	enum proto_close	 close_after;	/* once the queue is out */
	long			 tokens;	/* bucket, in 1/1000 message */
	long			 strikes;
	int			 throttled;
	int64_t			 tokens_at, next_ping, last_pong;
};

enum ws_in {
	WS_IN_MORE,	/* read what there was; more may come */
	WS_IN_ENDED,	/* the conversation is over: the close is under way */
	WS_IN_BROKEN,	/* a protocol error: wslay's close went out */
	WS_IN_GONE,	/* a protocol error, and the peer hung up */
	WS_IN_DEAD	/* the stream is broken or memory ran out */
};

enum ws_sent {
	WS_SENT,
	WS_SENT_FULL,	/* over --max-queue: the peer does not read */
	WS_SENT_NOMEM,
	WS_SENT_DEAD	/* the stream is broken */
};

/* ws_flush(): the epoll interest wanted (bits), or a verdict (< 0). */
#define WS_WANT_READ	1
#define WS_WANT_WRITE	2
#define WS_FLUSH_DEAD	(-1)	/* the stream is broken or memory ran out */
#define WS_FLUSH_OVER	(-2)	/* both closes are through: nothing is left */
#define WS_FLUSH_SAID	(-3)	/* all is sent, the peer's close has not come */

/* Nothing is allocated until ws_start(); ws_release() is safe from here. */
void		ws_init(struct ws_state *, struct transport *,
		    const struct relay_config *, const int64_t *now,
		    ws_deliver_fn, void *arg);
/*
 * The upgrade is done: a full bucket, the ping clock starts, early[0..n)
 * (frames that came with the request) are copied to be read first. -1 on
 * ENOMEM.
 */
int		ws_start(struct ws_state *, const void *early, size_t n);
/* Wipes and frees what it holds; the ws_state may be freed after. */
void		ws_release(struct ws_state *);
/* Reads up to a budget of frames; whole messages go to deliver. */
enum ws_in	ws_input(struct ws_state *);
/* Writes what is queued, then the close held for the queue's end. */
int		ws_flush(struct ws_state *);
/* Queues m (its own reference) after what is queued. */
enum ws_sent	ws_send(struct ws_state *, struct msg *);
/* The close goes out once what was said before it is out. */
void		ws_close_after(struct ws_state *, enum proto_close);
/* The close overtakes what is queued and not yet begun. -1: dead. */
int		ws_close_now(struct ws_state *, enum proto_close);
/* The conn is killed: nothing goes up or out any more. */
void		ws_stop(struct ws_state *);
/* Reading is paused by the flood bucket (only while open). */
int		ws_throttled(const struct ws_state *);
/* Refills a throttled bucket; 1 when reading may start again. */
int		ws_unthrottle(struct ws_state *, int64_t now);
/* Pings when due; -1 when the peer let --pong-timeout pass. */
int		ws_keepalive(struct ws_state *, int64_t now);
/*
 * At rest (whole frames read, nothing queued) gives back what an idle conn
 * need not hold: the wslay context, buffers, the transport's. 1 if it did.
 */
int		ws_rest(struct ws_state *);

#endif
