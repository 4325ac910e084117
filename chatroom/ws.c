/*
 * ws.c: the OPEN phase. wslay parses what clients send, without its
 * buffering, straight into the conn's wiped buffer; everything we send goes
 * through the conn's outq as shared, pre-encoded frames (wslay's own control
 * frames are copied in), so no chat byte sits in a heap block we cannot wipe
 * and a fan-out costs one reference per recipient. A wslay context exists only
 * while a conn is busy: at rest (whole frames read, nothing queued) the tick
 * gives it back, as a context is most of an idle conn's memory. Flood control
 * lives here, before the room sees a frame.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <sodium.h>

#include "cmd.h"
#include "conn.h"
#include "msg.h"
#include "server.h"

#define WS_TOKEN	1000	/* one message, in bucket units */

/* Bytes read from the socket per wakeup, so relaying alternates with writing. */
#define WS_READ_BUDGET	65536

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

/*
 * Fills buf from, in stream order: a held control-frame prefix, the bytes that
 * came after the handshake request, the socket. 0 at EOF or would-block.
 */
static ssize_t
ws_fill(struct conn *c, uint8_t *buf, size_t len)
{
	size_t	n = 0, off = 0;
	ssize_t	r;

	if (c->holdlen > 0) {
		n = ws_take(buf, len, c->hold, c->holdlen, &off);
		memmove(c->hold, c->hold + off, c->holdlen - off);
		c->holdlen -= off;
		if (c->holdlen > 0)
			return (ssize_t)n;
	}
	if (c->hs != NULL && n < len) {
		n += ws_take(buf + n, len - n, c->hs, c->hslen, &c->hsoff);
		if (c->hsoff < c->hslen)
			return (ssize_t)n;
		sodium_memzero(c->hs, c->hslen);
		free(c->hs);
		c->hs = NULL;
	}
	if (n == len || c->rx_eof || c->rbudget == 0)
		return (ssize_t)n;
	r = recv(c->fd, buf + n, len - n > c->rbudget ? c->rbudget : len - n, 0);
	if (r > 0) {
		c->rbudget -= (size_t)r;
		n += (size_t)r;
	} else if (r == 0)
		c->rx_eof = 1;
	else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		c->rx_eof = 1;
	return (ssize_t)n;
}

static ssize_t
ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
    void *user)
{
	struct conn	*c = user;
	size_t		 n, ready;

	if (ws_throttled(c)) {
		/* Not reading is what slows a flooder down. */
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	n = (size_t)ws_fill(c, buf, len);
	ready = wsscan_ready(&c->scan, buf, n);
	/* Only if wslay asked for less than was held (it never does): pass on. */
	if (ready < n && c->holdlen + (n - ready) > sizeof(c->hold))
		ready = n;
	if (ready < n) {
		memcpy(c->hold + c->holdlen, buf + ready, n - ready);
		c->holdlen += n - ready;
		sodium_memzero(buf + ready, n - ready);
	}
	if (ready > 0)
		return (ssize_t)ready;
	wslay_event_set_error(ctx, c->rx_eof ? WSLAY_ERR_CALLBACK_FAILURE :
	    WSLAY_ERR_WOULDBLOCK);
	return -1;
}

/* wslay's control frames join the outq in order; they are never refused for space. */
static ssize_t
ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
    int flags, void *user)
{
	struct conn	*c = user;
	struct msg	*m;

	if ((m = msg_new_wire(data, len)) == NULL ||
	    outq_push(&c->out, m) == -1) {
		msg_unref(m);
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	msg_unref(m);
	return (ssize_t)len;
}

void
ws_refill(struct conn *c, int64_t now)
{
	const struct relay_config *cfg = c->srv->cfg;
	long		full = cfg->flood_burst * WS_TOKEN;
	int64_t		dt = now - c->tokens_at;

	c->tokens_at = now;
	if (dt > 0)
		c->tokens = dt >= full ? full :
		    c->tokens + (long)dt * cfg->flood_rate;
	if (c->tokens >= full) {
		c->tokens = full;
		c->strikes = 0;
	}
	if (c->throttled && c->tokens >= WS_TOKEN)
		c->throttled = 0;
}

static void
ws_send_error(struct conn *c, const char *code)
{
	struct proto_str	 f[2] = { PROTO_STR("error"),
				    { code, strlen(code) } };
	struct msg		*m;

	if ((m = msg_join(f, 2)) == NULL)
		return;
	ws_send(c, m);
	msg_unref(m);
}

int
ws_throttled(const struct conn *c)
{
	return c->throttled && c->state == CONN_OPEN;
}

/* More of the peer's bytes are already here, waiting to be read. */
static int
ws_input_waiting(const struct conn *c)
{
	int	n = 0;

	return c->holdlen > 0 || c->hs != NULL ||
	    (ioctl(c->fd, FIONREAD, &n) == 0 && n > 0);
}

static void
ws_strike(struct conn *c)
{
	if (++c->strikes > c->srv->cfg->flood_burst)
		conn_close_async(c, CLOSE_FLOOD);
}

/*
 * A whole text message is in c->in: charge the bucket, then the room decides.
 * An empty bucket stops reading; a sender that has more waiting by then, or
 * whose message was read with the bucket empty, earns a strike.
 */
static void
ws_dispatch(struct conn *c)
{
	struct server	*srv = c->srv;

	ws_refill(c, srv->loop.now);
	if (c->tokens < WS_TOKEN) {
		c->throttled = 1;
		ws_send_error(c, "flood");
		ws_strike(c);
		buf_clear(&c->in);
		return;
	}
	c->tokens -= WS_TOKEN;
	cmd_exec(srv->rooms, c, c->member, (const char *)c->in.data,
	    c->in.len);
	buf_clear(&c->in);
	if (c->tokens < WS_TOKEN) {
		c->throttled = 1;
		if (ws_input_waiting(c))
			ws_strike(c);
	}
}

static void
ws_frame_start_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_frame_recv_start_arg *arg, void *user)
{
	struct conn	*c = user;

	c->in_ctrl = (arg->opcode & 0x8) != 0;
	if (c->in_ctrl)
		return;
	c->in_fin = arg->fin;
	if (arg->opcode == WSLAY_TEXT_FRAME) {
		buf_clear(&c->in);
		c->in_bad = 0;
	} else if (arg->opcode == WSLAY_BINARY_FRAME) {
		c->in_bad = 1;
		conn_close_now(c, CLOSE_TEXT_ONLY);
	}
}

static void
ws_frame_chunk_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_frame_recv_chunk_arg *arg, void *user)
{
	struct conn	*c = user;
	size_t		 max = c->srv->cfg->max_message;
	int		 too_big;

	if (c->in_ctrl || c->in_bad || c->state != CONN_OPEN)
		return;
	too_big = arg->data_length > max || c->in.len > max - arg->data_length;
	if (buf_append(&c->in, arg->data, arg->data_length, max) == 0)
		return;
	c->in_bad = 1;
	buf_clear(&c->in);
	if (too_big)
		conn_close_now(c, CLOSE_TOO_BIG);
	else
		conn_close_now(c, CLOSE_INTERNAL);
}

static void
ws_frame_end_cb(wslay_event_context_ptr ctx, void *user)
{
	struct conn	*c = user;

	if (c->in_ctrl) {
		c->in_ctrl = 0;
		return;
	}
	if (c->in_fin && !c->in_bad && c->state == CONN_OPEN)
		ws_dispatch(c);
}

static void
ws_msg_recv_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
	struct conn	*c = user;

	if (arg->opcode == WSLAY_PONG)
		c->last_pong = c->srv->loop.now;
}

static const struct wslay_event_callbacks ws_callbacks = {
	.recv_callback = ws_recv_cb,
	.send_callback = ws_send_cb,
	.on_msg_recv_callback = ws_msg_recv_cb,
	.on_frame_recv_start_callback = ws_frame_start_cb,
	.on_frame_recv_chunk_callback = ws_frame_chunk_cb,
	.on_frame_recv_end_callback = ws_frame_end_cb,
};

/* Only at rest (see ws_rest) may a conn be without one: a new one starts there. */
int
ws_open(struct conn *c)
{
	if (c->ws != NULL)
		return 0;
	if (wslay_event_context_server_init(&c->ws, &ws_callbacks, c) != 0) {
		c->ws = NULL;
		return -1;
	}
	wslay_event_config_set_no_buffering(c->ws, 1);
	/* Per frame only with no_buffering; the chunk callback checks the message. */
	wslay_event_config_set_max_recv_msg_length(c->ws, c->srv->cfg->max_message);
	return 0;
}

void
ws_release(struct conn *c)
{
	if (c->ws != NULL)
		wslay_event_context_free(c->ws);
	c->ws = NULL;
	outq_release(&c->out);
	buf_release(&c->in);
}

void
ws_rest(struct conn *c)
{
	/* Only OPEN: a close sent or received makes a conn CLOSING at once. */
	if (c->state != CONN_OPEN)
		return;
	outq_trim(&c->out);
	if (c->ws == NULL || !wsscan_at_rest(&c->scan) || c->holdlen > 0 ||
	    c->hs != NULL || c->in.len > 0 || c->out.count > 0 ||
	    wslay_event_want_write(c->ws))
		return;
	wslay_event_context_free(c->ws);
	c->ws = NULL;
	buf_release(&c->in);
	c->srv->freed_since_trim++;
}

/*
 * 0 if extra more bytes fit in --max-queue. The reader is judged by what the
 * kernel would not take, not by our burst, so the queue is written first.
 * Otherwise -1: the conn is closed 1008, or dropped if it is closing already
 * and still not reading, or its socket is dead.
 */
static int
ws_queue_room(struct conn *c, size_t extra)
{
	size_t	max = c->srv->cfg->max_queue;

	if (c->out.bytes + extra <= max)
		return 0;
	/* Not ws_output(): this may run inside wslay_event_recv() on c. */
	if (outq_write(&c->out, c->fd) == -1) {
		conn_kill(c);
		return -1;
	}
	if (c->out.bytes + extra <= max)
		return 0;
	if (c->state == CONN_OPEN)
		conn_close_now(c, CLOSE_QUEUE);
	else
		conn_kill(c);
	return -1;
}

/*
 * wslay answers every ping with a pong: a peer that pings and never reads
 * would make them pile up. Moved to the outq, they count like messages.
 */
static void
ws_judge_pongs(struct conn *c)
{
	if (!wslay_event_want_write(c->ws))
		return;
	if (ws_output(c) == -1)
		conn_kill(c);
	else
		(void)ws_queue_room(c, 0);
}

void
ws_input(struct conn *c)
{
	int	r;

	if (c->state != CONN_OPEN && c->state != CONN_CLOSING)
		return;
	if (ws_open(c) == -1) {
		conn_kill(c);
		return;
	}
	c->rbudget = WS_READ_BUDGET;
	r = wslay_event_recv(c->ws);
	if (r == 0)
		ws_judge_pongs(c);
	if (c->state != CONN_DEAD)
		conn_after_input(c, r != 0);
}

int
ws_output(struct conn *c)
{
	if (c->ws != NULL && wslay_event_send(c->ws) != 0)
		return -1;
	return outq_write(&c->out, c->fd);
}

int
ws_want_read(const struct conn *c)
{
	return c->ws == NULL || wslay_event_want_read(c->ws);
}

int
ws_want_write(const struct conn *c)
{
	return c->out.count > 0 || (c->ws != NULL &&
	    wslay_event_want_write(c->ws));
}

int
ws_close_received(const struct conn *c)
{
	return c->ws != NULL && wslay_event_get_close_received(c->ws);
}

void
ws_send(struct conn *c, struct msg *m)
{
	if (m->len == 0 || ws_queue_room(c, m->framelen) == -1)
		return;
	if (outq_push(&c->out, m) == -1) {
		conn_close_async(c, CLOSE_INTERNAL);
		return;
	}
	conn_mark_dirty(c);
}

void
ws_drop_queued(struct conn *c)
{
	outq_drop_unstarted(&c->out);
}

void
ws_close(struct conn *c, enum proto_close why)
{
	const char	*reason = proto_close_reason(why);

	if (ws_open(c) == -1) {
		conn_kill(c);
		return;
	}
	wslay_event_queue_close(c->ws, (uint16_t)proto_close_code(why),
	    (const uint8_t *)reason,
	    strlen(reason));
	conn_mark_dirty(c);
}

/* Our own frame: a ping needs no wslay context, so an idle conn stays without one. */
void
ws_ping(struct conn *c)
{
	static const uint8_t	 ping[] = { 0x89, 0x00 };
	struct msg		*m;

	if ((m = msg_new_wire(ping, sizeof(ping))) == NULL)
		return;
	if (outq_push(&c->out, m) == 0)
		conn_mark_dirty(c);
	msg_unref(m);
}
