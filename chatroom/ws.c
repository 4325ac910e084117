/*
 * ws.c: the OPEN phase. wslay parses what clients send, without its
 * buffering, straight into a wiped buffer; everything we send goes through
 * the outq as shared, pre-encoded frames (wslay's own control frames are
 * copied in), so no chat byte sits in a heap block we cannot wipe and a
 * fan-out costs one reference per recipient. A wslay context exists only
 * while a conn is busy: at rest (whole frames read, nothing queued) the tick
 * gives it back, as a context is most of an idle conn's memory. Flood control
 * lives here, before the room sees a frame. Nothing here changes the conn's
 * state: what happened goes back to conn.c as a return value.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "config.h"
#include "msg.h"
#include "transport.h"
#include "ws.h"

#define WS_TOKEN	1000	/* one message, in bucket units */

/* Bytes read per wakeup, so relaying alternates with writing. */
#define WS_READ_BUDGET	65536

static int	ws_output(struct ws_state *);

/* Nothing more of this conn goes anywhere: conn.c kills it. */
static void
ws_die(struct ws_state *ws)
{
	ws->dead = 1;
	ws->open = 0;
}

/* Copies up to len bytes of src[*off..srclen) into buf; returns the count. */
static size_t
ws_take(uint8_t *buf, size_t len, const uint8_t *src, size_t srclen,
    size_t *off)
{
	size_t	n = srclen - *off < len ? srclen - *off : len;

	memcpy(buf, src + *off, n);
	*off += n;
	return n;
}

/* The bytes that came with the request, as long as some are left. */
static size_t
ws_take_early(struct ws_state *ws, uint8_t *buf, size_t len)
{
	size_t	n;

	n = ws_take(buf, len, ws->early.data, ws->early.len, &ws->earlyoff);
	if (ws->earlyoff == ws->early.len) {
		buf_release(&ws->early);
		ws->earlyoff = 0;
	}
	return n;
}

/* Reads from the transport within this wakeup's budget. */
static size_t
ws_take_stream(struct ws_state *ws, uint8_t *buf, size_t len)
{
	ssize_t	r;

	if (ws->rx_eof || ws->rbudget == 0)
		return 0;
	r = transport_read(ws->t, buf, len > ws->rbudget ? ws->rbudget : len);
	if (r > 0) {
		ws->rbudget -= (size_t)r;
		return (size_t)r;
	}
	if (r != TRANSPORT_AGAIN)
		ws->rx_eof = 1;
	return 0;
}

/*
 * Fills buf from, in stream order: a held control-frame prefix, the bytes that
 * came after the handshake request, the transport. 0 at EOF or would-block.
 */
static size_t
ws_fill(struct ws_state *ws, uint8_t *buf, size_t len)
{
	size_t	n = 0, off = 0;

	if (ws->holdlen > 0) {
		n = ws_take(buf, len, ws->hold, ws->holdlen, &off);
		memmove(ws->hold, ws->hold + off, ws->holdlen - off);
		ws->holdlen -= off;
		if (ws->holdlen > 0)
			return n;
	}
	if (ws->early.len > 0 && n < len) {
		n += ws_take_early(ws, buf + n, len - n);
		if (ws->early.len > 0)
			return n;
	}
	if (n < len)
		n += ws_take_stream(ws, buf + n, len - n);
	return n;
}

static ssize_t
ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
    void *user)
{
	struct ws_state	*ws = user;
	size_t		 n, ready;

	if (ws_throttled(ws)) {
		/* Not reading is what slows a flooder down. */
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	n = ws_fill(ws, buf, len);
	ready = wsscan_ready(&ws->scan, buf, n);
	/* Only if wslay asked for less than is held (it never does): on. */
	if (ready < n && ws->holdlen + (n - ready) > sizeof(ws->hold))
		ready = n;
	if (ready < n) {
		memcpy(ws->hold + ws->holdlen, buf + ready, n - ready);
		ws->holdlen += n - ready;
		sodium_memzero(buf + ready, n - ready);
	}
	if (ready > 0)
		return (ssize_t)ready;
	wslay_event_set_error(ctx, ws->rx_eof ? WSLAY_ERR_CALLBACK_FAILURE :
	    WSLAY_ERR_WOULDBLOCK);
	return -1;
}

/* wslay's control frames join the outq in order, never refused for space. */
static ssize_t
ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
    int flags, void *user)
{
	struct ws_state	*ws = user;
	struct msg	*m;

	if ((m = msg_new_wire(data, len)) == NULL ||
	    outq_push(&ws->out, m) == -1) {
		msg_unref(m);
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	msg_unref(m);
	return (ssize_t)len;
}

static void
ws_refill(struct ws_state *ws, int64_t now)
{
	long		full = ws->cfg->flood_burst * WS_TOKEN;
	int64_t		dt = now - ws->tokens_at;

	ws->tokens_at = now;
	if (dt > 0)
		ws->tokens = dt >= full ? full :
		    ws->tokens + (long)dt * ws->cfg->flood_rate;
	if (ws->tokens >= full) {
		ws->tokens = full;
		ws->strikes = 0;
	}
	if (ws->throttled && ws->tokens >= WS_TOKEN)
		ws->throttled = 0;
}

int
ws_unthrottle(struct ws_state *ws, int64_t now)
{
	if (!ws->throttled)
		return 0;
	ws_refill(ws, now);
	return !ws->throttled;
}

int
ws_throttled(const struct ws_state *ws)
{
	return ws->throttled && ws->open;
}

/* More of the peer's bytes are already here, waiting to be read. */
static int
ws_input_waiting(const struct ws_state *ws)
{
	return ws->holdlen > 0 || ws->early.len > 0 ||
	    transport_pending(ws->t) > 0;
}

static void
ws_strike(struct ws_state *ws)
{
	if (++ws->strikes > ws->cfg->flood_burst)
		ws_close_after(ws, CLOSE_FLOOD);
}

/*
 * A whole text message is in ws->in: charge the bucket, then the room decides.
 * An empty bucket stops reading; a sender that has more waiting by then, or
 * whose message was read with the bucket empty, earns a strike.
 */
static void
ws_dispatch(struct ws_state *ws)
{
	ws_refill(ws, *ws->now);
	if (ws->tokens < WS_TOKEN) {
		ws->throttled = 1;
		ws->deliver(ws->arg, (const char *)ws->in.data, ws->in.len,
		    PROTO_EFLOOD);
		ws_strike(ws);
		buf_clear(&ws->in);
		return;
	}
	ws->tokens -= WS_TOKEN;
	ws->deliver(ws->arg, (const char *)ws->in.data, ws->in.len, 0);
	buf_clear(&ws->in);
	if (ws->tokens < WS_TOKEN) {
		ws->throttled = 1;
		if (ws_input_waiting(ws))
			ws_strike(ws);
	}
}

static void
ws_frame_start_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_frame_recv_start_arg *arg, void *user)
{
	struct ws_state	*ws = user;

	ws->in_ctrl = (arg->opcode & 0x8) != 0;
	if (ws->in_ctrl)
		return;
	ws->in_fin = arg->fin;
	if (arg->opcode == WSLAY_TEXT_FRAME) {
		buf_clear(&ws->in);
		ws->in_bad = 0;
	} else if (arg->opcode == WSLAY_BINARY_FRAME) {
		ws->in_bad = 1;
		(void)ws_close_now(ws, CLOSE_TEXT_ONLY);
	}
}

static void
ws_frame_chunk_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_frame_recv_chunk_arg *arg, void *user)
{
	struct ws_state	*ws = user;
	size_t		 max = ws->cfg->max_message;
	int		 too_big;

	if (ws->in_ctrl || ws->in_bad || !ws->open)
		return;
	too_big = arg->data_length > max || ws->in.len > max - arg->data_length;
	if (buf_append(&ws->in, arg->data, arg->data_length, max) == 0)
		return;
	ws->in_bad = 1;
	buf_clear(&ws->in);
	(void)ws_close_now(ws, too_big ? CLOSE_TOO_BIG : CLOSE_INTERNAL);
}

static void
ws_frame_end_cb(wslay_event_context_ptr ctx, void *user)
{
	struct ws_state	*ws = user;

	if (ws->in_ctrl) {
		ws->in_ctrl = 0;
		return;
	}
	if (ws->in_fin && !ws->in_bad && ws->open)
		ws_dispatch(ws);
}

static void
ws_msg_recv_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
	struct ws_state	*ws = user;

	if (arg->opcode == WSLAY_PONG)
		ws->last_pong = *ws->now;
}

static const struct wslay_event_callbacks ws_callbacks = {
	.recv_callback = ws_recv_cb,
	.send_callback = ws_send_cb,
	.on_msg_recv_callback = ws_msg_recv_cb,
	.on_frame_recv_start_callback = ws_frame_start_cb,
	.on_frame_recv_chunk_callback = ws_frame_chunk_cb,
	.on_frame_recv_end_callback = ws_frame_end_cb,
};

/* Only at rest (see ws_rest) is there none: a new one starts there. */
static int
ws_open(struct ws_state *ws)
{
	if (ws->ctx != NULL)
		return 0;
	if (wslay_event_context_server_init(&ws->ctx, &ws_callbacks, ws)
	    != 0) {
		ws->ctx = NULL;
		return -1;
	}
	wslay_event_config_set_no_buffering(ws->ctx, 1);
	/* Per frame only with no_buffering; the chunk callback checks more. */
	wslay_event_config_set_max_recv_msg_length(ws->ctx,
	    ws->cfg->max_message);
	return 0;
}

void
ws_init(struct ws_state *ws, struct transport *t,
    const struct relay_config *cfg, const int64_t *now, ws_deliver_fn deliver,
    void *arg)
{
	memset(ws, 0, sizeof(*ws));
	ws->t = t;
	ws->cfg = cfg;
	ws->now = now;
	ws->deliver = deliver;
	ws->arg = arg;
	ws->close_after = CLOSE_NONE;
	buf_init(&ws->early);
	buf_init(&ws->in);
}

int
ws_start(struct ws_state *ws, const void *early, size_t n)
{
	int64_t	now = *ws->now;

	if (n > 0 && buf_append(&ws->early, early, n, n) == -1)
		return -1;
	if (ws_open(ws) == -1)
		return -1;
	ws->open = 1;
	ws->last_pong = ws->tokens_at = now;
	ws->next_ping = now + ws->cfg->ping_interval_ms;
	ws->tokens = ws->cfg->flood_burst * WS_TOKEN;
	return 0;
}

void
ws_release(struct ws_state *ws)
{
	if (ws->ctx != NULL)
		wslay_event_context_free(ws->ctx);
	ws->ctx = NULL;
	outq_release(&ws->out);
	buf_release(&ws->in);
	buf_release(&ws->early);
}

int
ws_rest(struct ws_state *ws)
{
	/* Only open: a close sent or received ends that at once. */
	if (!ws->open)
		return 0;
	outq_trim(&ws->out);
	if (ws->ctx == NULL || !wsscan_at_rest(&ws->scan) || ws->holdlen > 0 ||
	    ws->early.len > 0 || ws->in.len > 0 || ws->out.count > 0 ||
	    wslay_event_want_write(ws->ctx))
		return 0;
	wslay_event_context_free(ws->ctx);
	ws->ctx = NULL;
	buf_release(&ws->in);
	transport_rest(ws->t);
	return 1;
}

/*
 * WS_SENT if extra more bytes fit in --max-queue. The reader is judged by
 * what the kernel would not take, not by our burst, so the queue is written
 * first.
 */
static enum ws_sent
ws_queue_room(struct ws_state *ws, size_t extra)
{
	size_t	max = ws->cfg->max_queue;

	if (ws->out.bytes + extra <= max)
		return WS_SENT;
	/* Not ws_output(): this may run inside wslay_event_recv(). */
	if (outq_write(&ws->out, ws->t) == -1) {
		ws_die(ws);
		return WS_SENT_DEAD;
	}
	if (ws->out.bytes + extra <= max)
		return WS_SENT;
	return WS_SENT_FULL;
}

/*
 * wslay answers every ping with a pong: a peer that pings and never reads
 * would make them pile up. Moved to the outq, they count like messages; a
 * closing conn that still does not read is dropped.
 */
static void
ws_judge_pongs(struct ws_state *ws)
{
	if (!wslay_event_want_write(ws->ctx))
		return;
	if (ws_output(ws) == -1) {
		ws_die(ws);
		return;
	}
	if (ws_queue_room(ws, 0) != WS_SENT_FULL)
		return;
	if (ws->open)
		(void)ws_close_now(ws, CLOSE_QUEUE);
	else
		ws_die(ws);
}

enum ws_in
ws_input(struct ws_state *ws)
{
	int	r;

	if (ws_open(ws) == -1) {
		ws_die(ws);
		return WS_IN_DEAD;
	}
	ws->rbudget = WS_READ_BUDGET;
	r = wslay_event_recv(ws->ctx);
	if (r == 0 && !ws->dead)
		ws_judge_pongs(ws);
	if (ws->dead)
		return WS_IN_DEAD;
	if (r != 0) {
		/* Let a close wslay queued for a protocol error go out. */
		(void)ws_output(ws);
		ws->open = 0;
		return ws->rx_eof ? WS_IN_GONE : WS_IN_BROKEN;
	}
	if (ws->open && !wslay_event_get_close_received(ws->ctx) &&
	    wslay_event_want_read(ws->ctx))
		return WS_IN_MORE;
	ws->open = 0;
	return WS_IN_ENDED;
}

/* Hands wslay's control frames to the outq and writes it. -1: dead. */
static int
ws_output(struct ws_state *ws)
{
	if (ws->ctx != NULL && wslay_event_send(ws->ctx) != 0)
		return -1;
	return outq_write(&ws->out, ws->t);
}

static int
ws_queue_close(struct ws_state *ws, enum proto_close why)
{
	const char	*reason = proto_close_reason(why);

	if (ws_open(ws) == -1)
		return -1;
	wslay_event_queue_close(ws->ctx, (uint16_t)proto_close_code(why),
	    (const uint8_t *)reason, strlen(reason));
	return 0;
}

int
ws_flush(struct ws_state *ws)
{
	enum proto_close	why = ws->close_after;
	int			rd, wr;

	if (ws_output(ws) == -1)
		return WS_FLUSH_DEAD;
	if (why != CLOSE_NONE && ws->out.count == 0) {
		ws->close_after = CLOSE_NONE;
		if (ws_queue_close(ws, why) == -1 || ws_output(ws) == -1)
			return WS_FLUSH_DEAD;
	}
	rd = ws->ctx == NULL || wslay_event_want_read(ws->ctx);
	wr = ws->out.count > 0 ||
	    (ws->ctx != NULL && wslay_event_want_write(ws->ctx));
	if (!rd && !wr)
		return ws->ctx != NULL &&
		    wslay_event_get_close_received(ws->ctx) ?
		    WS_FLUSH_OVER : WS_FLUSH_SAID;
	return (rd && !ws_throttled(ws) ? WS_WANT_READ : 0) |
	    (wr ? WS_WANT_WRITE : 0);
}

enum ws_sent
ws_send(struct ws_state *ws, struct msg *m)
{
	enum ws_sent	r;

	if (m->len == 0)
		return WS_SENT;
	if ((r = ws_queue_room(ws, m->framelen)) != WS_SENT)
		return r;
	return outq_push(&ws->out, m) == 0 ? WS_SENT : WS_SENT_NOMEM;
}

void
ws_close_after(struct ws_state *ws, enum proto_close why)
{
	if (!ws->open)
		return;
	ws->close_after = why;
	ws->open = 0;
}

int
ws_close_now(struct ws_state *ws, enum proto_close why)
{
	if (!ws->open)
		return ws->dead ? -1 : 0;
	ws->open = 0;
	outq_drop_unstarted(&ws->out);
	if (ws_queue_close(ws, why) == -1) {
		ws_die(ws);
		return -1;
	}
	return 0;
}

void
ws_stop(struct ws_state *ws)
{
	ws_die(ws);
}

/* Our own frame: a ping needs no wslay context, so an idle conn has none. */
static void
ws_ping(struct ws_state *ws)
{
	static const uint8_t	 ping[] = { 0x89, 0x00 };
	struct msg		*m;

	if ((m = msg_new_wire(ping, sizeof(ping))) == NULL)
		return;
	(void)outq_push(&ws->out, m);
	msg_unref(m);
}

int
ws_keepalive(struct ws_state *ws, int64_t now)
{
	if (now - ws->last_pong >= ws->cfg->pong_timeout_ms)
		return -1;
	if (now >= ws->next_ping) {
		ws_ping(ws);
		ws->next_ping = now + ws->cfg->ping_interval_ms;
	}
	return 0;
}
