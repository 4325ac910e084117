/*
 * ws.c: the OPEN phase over wslay. Frames are received without wslay's
 * buffering, straight into the conn's wiped buffer; messages are sent from
 * shared, wiped msgs through a read callback, so no chat byte sits in a heap
 * block we cannot wipe. Flood control lives here, before the room sees a frame.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "conn.h"
#include "msg.h"
#include "room.h"
#include "server.h"

#define WS_TOKEN	1000	/* one message, in bucket units */

/* One recipient's place in a shared msg; wslay sends them in queue order. */
struct cursor {
	struct msg	*m;
	size_t		 off;
	struct cursor	*next;
};

static ssize_t
ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
    void *user)
{
	struct conn	*c = user;
	ssize_t		 n;

	if (c->throttled) {
		/* Not reading is what slows a flooder down. */
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (c->hs != NULL) {
		size_t left = c->hslen - c->hsoff;

		n = (ssize_t)(left < len ? left : len);
		memcpy(buf, c->hs + c->hsoff, (size_t)n);
		c->hsoff += (size_t)n;
		if (c->hsoff == c->hslen) {
			sodium_memzero(c->hs, c->hslen);
			free(c->hs);
			c->hs = NULL;
		}
		return n;
	}
	n = recv(c->fd, buf, len, 0);
	if (n > 0)
		return n;
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
	else
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static ssize_t
ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
    int flags, void *user)
{
	struct conn	*c = user;
	ssize_t		 n;
	int		 sflags = MSG_NOSIGNAL;

	if (flags & WSLAY_MSG_MORE)
		sflags |= MSG_MORE;
	n = send(c->fd, data, len, sflags);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
	else
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
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
	struct msg	*m;

	if ((m = msg_join(2, "error", code)) == NULL)
		return;
	ws_send(c, m);
	msg_unref(m);
}

/* A whole text message is in c->in: charge the bucket, then the room decides. */
static void
ws_dispatch(struct conn *c)
{
	struct server	*srv = c->srv;

	ws_refill(c, srv->loop.now);
	if (c->tokens < WS_TOKEN) {
		c->throttled = 1;
		if (++c->strikes > srv->cfg->flood_burst)
			conn_close_async(c, 1008, "flood");
		else
			ws_send_error(c, "flood");
		buf_clear(&c->in);
		return;
	}
	c->tokens -= WS_TOKEN;
	rooms_exec(srv->rooms, c, c->member, (const char *)c->in.data,
	    c->in.len);
	buf_clear(&c->in);
	if (c->tokens < WS_TOKEN)
		c->throttled = 1;
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
		conn_close_async(c, 1003, "text only");
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
		conn_close_async(c, 1009, "too big");
	else
		conn_close_async(c, 1011, "out of memory");
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

int
ws_open(struct conn *c)
{
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
	struct cursor	*q, *next;

	if (c->ws != NULL)
		wslay_event_context_free(c->ws);
	c->ws = NULL;
	for (q = c->qhead; q != NULL; q = next) {
		next = q->next;
		msg_unref(q->m);
		free(q);
	}
	c->qhead = c->qtail = NULL;
	c->queued = 0;
	buf_release(&c->in);
}

void
ws_input(struct conn *c)
{
	int	r;

	if (c->ws == NULL)
		return;
	r = wslay_event_recv(c->ws);
	conn_after_input(c, r != 0);
}

int
ws_output(struct conn *c)
{
	return wslay_event_send(c->ws) == 0 ? 0 : -1;
}

static ssize_t
ws_read_cursor_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
    const union wslay_event_msg_source *source, int *eof, void *user)
{
	struct conn	*c = user;
	struct cursor	*q = source->data;
	size_t		 n = q->m->len - q->off;

	if (n > len)
		n = len;
	memcpy(buf, q->m->data + q->off, n);
	q->off += n;
	c->queued -= n;
	if (q->off == q->m->len) {
		*eof = 1;
		/* wslay sends in queue order: q is the head. */
		c->qhead = q->next;
		if (c->qhead == NULL)
			c->qtail = NULL;
		msg_unref(q->m);
		free(q);
	}
	return (ssize_t)n;
}

void
ws_send(struct conn *c, struct msg *m)
{
	struct wslay_event_fragmented_msg	 fm;
	struct cursor				*q;

	if (m->len == 0)
		return;
	if (c->queued + m->len > c->srv->cfg->max_queue) {
		conn_close_async(c, 1008, "queue");
		return;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		conn_close_async(c, 1011, "out of memory");
		return;
	}
	q->m = msg_ref(m);
	memset(&fm, 0, sizeof(fm));
	fm.opcode = WSLAY_TEXT_FRAME;
	fm.source.data = q;
	fm.read_callback = ws_read_cursor_cb;
	if (wslay_event_queue_fragmented_msg(c->ws, &fm) != 0) {
		msg_unref(q->m);
		free(q);
		conn_close_async(c, 1011, "out of memory");
		return;
	}
	if (c->qtail != NULL)
		c->qtail->next = q;
	else
		c->qhead = q;
	c->qtail = q;
	c->queued += m->len;
	conn_mark_dirty(c);
}

void
ws_close(struct conn *c, uint16_t code, const char *reason)
{
	wslay_event_queue_close(c->ws, code, (const uint8_t *)reason,
	    strlen(reason));
	conn_mark_dirty(c);
}

void
ws_ping(struct conn *c)
{
	struct wslay_event_msg	ping = { WSLAY_PING, NULL, 0 };

	wslay_event_queue_msg(c->ws, &ping);
}
