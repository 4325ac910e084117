/*
 * conn.c: a connection's life: the opening handshake (handshake.c decides),
 * rejection with linger, timeouts, and the hand-over to ws.c once upgraded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "conn.h"
#include "handshake.h"
#include "common/peers.h"
#include "room.h"
#include "server.h"

/* How long a closing or rejected conn may take to say goodbye. */
#define CONN_CLOSE_GRACE_MS	2000
#define CONN_LINGER_MS		1000

static void	conn_on_event(struct handler *, uint32_t);

struct conn *
conn_new(struct server *srv, int fd, uint64_t peer_key, int counted,
    int reject)
{
	struct conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->h.on_event = conn_on_event;
	c->srv = srv;
	c->fd = fd;
	c->peer_key = peer_key;
	c->counted = counted;
	c->state = CONN_HANDSHAKE;
	c->deadline = srv->loop.now + srv->cfg->handshake_timeout_ms;
	buf_init(&c->in);
	c->interest = EPOLLIN;
	if (loop_add(&srv->loop, fd, c->interest, &c->h) == -1) {
		free(c);
		return NULL;
	}
	if ((c->next = srv->conns) != NULL)
		c->next->prev = c;
	srv->conns = c;
	srv->nhandshakes++;
	c->hs_slot = 1;
	if (counted)
		srv->nconns++;
	if (reject != 0) {
		struct hs_result r = { .status = reject };

		conn_reject(c, &r);
	}
	return c;
}

static void
conn_release_hs_slot(struct conn *c)
{
	if (c->hs_slot) {
		c->srv->nhandshakes--;
		c->hs_slot = 0;
	}
}

static void
conn_hs_release(struct conn *c)
{
	if (c->hs == NULL)
		return;
	sodium_memzero(c->hs, c->srv->cfg->max_header_bytes + 1);
	free(c->hs);
	c->hs = NULL;
	c->hslen = c->hsoff = 0;
}

void
conn_free(struct conn *c)
{
	struct server	*srv;

	if (c == NULL)
		return;
	srv = c->srv;
	ws_release(c);
	conn_hs_release(c);
	conn_release_hs_slot(c);
	if (c->counted) {
		srv->nconns--;
		peers_del(srv->peers, c->peer_key);
	}
	if (c->fd != -1)
		close(c->fd);
	sodium_memzero(c, sizeof(*c));
	free(c);
}

/* A member whose conn ends leaves its room before sleep, never mid-fan-out. */
static void
conn_drop_member(struct conn *c)
{
	if (c->member == NULL || c->on_dropped)
		return;
	c->on_dropped = 1;
	c->drop_next = c->srv->dropped;
	c->srv->dropped = c;
}

void
conn_kill(struct conn *c)
{
	if (c->state == CONN_DEAD)
		return;
	conn_release_hs_slot(c);
	c->state = CONN_DEAD;
	conn_drop_member(c);
	loop_del(&c->srv->loop, c->fd);
	c->dead_next = c->srv->dead;
	c->srv->dead = c;
}

void
conn_mark_dirty(struct conn *c)
{
	if (c->on_dirty || c->state == CONN_DEAD)
		return;
	c->on_dirty = 1;
	c->dirty_next = c->srv->dirty;
	c->srv->dirty = c;
}

static void
conn_set_interest(struct conn *c, uint32_t want)
{
	if (want == c->interest)
		return;
	if (loop_mod(&c->srv->loop, c->fd, want, &c->h) == -1) {
		conn_kill(c);
		return;
	}
	c->interest = want;
}

void
conn_flush(struct conn *c)
{
	uint32_t	want = 0;

	if (c->state != CONN_OPEN && c->state != CONN_CLOSING)
		return;
	if (ws_output(c) == -1) {
		conn_kill(c);
		return;
	}
	if (c->close_why != CLOSE_NONE && c->out.count == 0) {
		ws_close(c, c->close_why);
		c->close_why = CLOSE_NONE;
		if (c->state == CONN_DEAD)
			return;
		if (ws_output(c) == -1) {
			conn_kill(c);
			return;
		}
	}
	if (!ws_want_read(c) && !ws_want_write(c)) {
		/* After a clean close handshake the peer has nothing left to send. */
		if (ws_close_received(c))
			conn_kill(c);
		else
			conn_linger(c);
		return;
	}
	if (ws_want_read(c) && !ws_throttled(c))
		want |= EPOLLIN;
	if (ws_want_write(c))
		want |= EPOLLOUT;
	conn_set_interest(c, want);
}

/* The conn stops being a member now; its room hears it before sleep. */
static void
conn_closing(struct conn *c)
{
	if (c->state != CONN_OPEN)
		return;
	c->state = CONN_CLOSING;
	c->deadline = c->srv->loop.now + CONN_CLOSE_GRACE_MS;
	conn_drop_member(c);
	conn_mark_dirty(c);
}

void
conn_linger(struct conn *c)
{
	if (c->state == CONN_DEAD || c->state == CONN_LINGER)
		return;
	conn_drop_member(c);
	c->state = CONN_LINGER;
	c->deadline = c->srv->loop.now + CONN_LINGER_MS;
	if (shutdown(c->fd, SHUT_WR) == -1) {
		conn_kill(c);
		return;
	}
	conn_set_interest(c, EPOLLIN);
}

void
conn_reject(struct conn *c, const struct hs_result *r)
{
	char	resp[512];
	int	len;

	conn_hs_release(c);
	len = handshake_response(resp, sizeof(resp), r);
	/* A peer that cannot take a few hundred bytes gets nothing. */
	if (len <= 0 || send(c->fd, resp, (size_t)len, MSG_NOSIGNAL) != len)
		conn_kill(c);
	else
		conn_linger(c);
}

static void
conn_upgrade(struct conn *c, const struct hs_result *r)
{
	char	resp[512];
	int	len, one = 1;

	len = handshake_response(resp, sizeof(resp), r);
	if (len <= 0 || send(c->fd, resp, (size_t)len, MSG_NOSIGNAL) != len ||
	    ws_open(c) == -1) {
		conn_kill(c);
		return;
	}
	/* The outq already puts a turn's frames in one write; Nagle would only wait. */
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/*
	 * A fixed size stops the kernel growing it to megabytes: a slow reader's
	 * backlog then waits in the outq, where --max-queue judges it.
	 */
	if (c->srv->cfg->send_buffer > 0)
		(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF,
		    &c->srv->cfg->send_buffer, sizeof(c->srv->cfg->send_buffer));
	conn_release_hs_slot(c);
	c->state = CONN_OPEN;
	c->hsoff = r->consumed;
	c->opened_at = c->last_pong = c->tokens_at = c->srv->loop.now;
	c->next_ping = c->opened_at + c->srv->cfg->ping_interval_ms;
	c->tokens = c->srv->cfg->flood_burst * 1000;
	if (c->hsoff == c->hslen)
		conn_hs_release(c);
	else
		ws_input(c);	/* frames that came with the request */
	conn_mark_dirty(c);
}

static void
conn_handshake_read(struct conn *c)
{
	size_t		cap = c->srv->cfg->max_header_bytes + 1;
	struct hs_result r;
	ssize_t		n;

	if (c->hs == NULL && (c->hs = malloc(cap)) == NULL) {
		conn_kill(c);
		return;
	}
	n = recv(c->fd, c->hs + c->hslen, cap - c->hslen, 0);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n <= 0) {
		conn_kill(c);
		return;
	}
	c->hslen += (size_t)n;
	handshake_parse(&r, &c->srv->cfg->hs, (const char *)c->hs, c->hslen);
	if (r.status == 0)
		return;
	if (r.status == 101)
		conn_upgrade(c, &r);
	else
		conn_reject(c, &r);
}

/* After an error response: read and discard until the peer closes. */
static void
conn_linger_read(struct conn *c)
{
	char	sink[1024];
	ssize_t	n;

	while ((n = recv(c->fd, sink, sizeof(sink), 0)) > 0)
		;
	if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR))
		conn_kill(c);
}

static void
conn_on_event(struct handler *h, uint32_t events)
{
	struct conn	*c = (struct conn *)h;

	switch (c->state) {
	case CONN_HANDSHAKE:
		conn_handshake_read(c);
		break;
	case CONN_LINGER:
		conn_linger_read(c);
		break;
	case CONN_OPEN:
	case CONN_CLOSING:
		/*
		 * A hang-up is reported whatever the interest; a throttled
		 * conn would not read it and the loop would spin.
		 */
		if ((events & (EPOLLHUP | EPOLLERR)) && ws_throttled(c)) {
			conn_kill(c);
			break;
		}
		if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			ws_input(c);
		if (c->state != CONN_DEAD)
			conn_mark_dirty(c);
		break;
	case CONN_DEAD:
		break;
	}
}

/* wslay saw the peer's close, a protocol error or EOF. */
void
conn_after_input(struct conn *c, int failed)
{
	if (failed) {
		/* Let a close wslay queued for a protocol error go out. */
		(void)ws_output(c);
		if (c->rx_eof)
			conn_kill(c);
		else
			conn_linger(c);
		return;
	}
	if (c->state == CONN_OPEN && (ws_close_received(c) || !ws_want_read(c)))
		conn_closing(c);
}

void
conn_tick(struct conn *c, int64_t now)
{
	const struct relay_config *cfg = c->srv->cfg;

	switch (c->state) {
	case CONN_HANDSHAKE:
	case CONN_LINGER:
	case CONN_CLOSING:
		if (now >= c->deadline)
			conn_kill(c);
		return;
	case CONN_DEAD:
		return;
	case CONN_OPEN:
		break;
	}
	if (c->throttled) {
		ws_refill(c, now);
		if (!c->throttled)
			ws_input(c);	/* wslay may hold whole frames */
	}
	if (c->state != CONN_OPEN)
		return;
	ws_rest(c);
	if (c->member == NULL && now - c->opened_at >= cfg->join_timeout_ms)
		conn_close_async(c, CLOSE_JOIN_TIMEOUT);
	else if (now - c->last_pong >= cfg->pong_timeout_ms)
		conn_close_now(c, CLOSE_TIMEOUT);
	else if (now >= c->next_ping) {
		ws_ping(c);
		c->next_ping = now + cfg->ping_interval_ms;
	}
	conn_mark_dirty(c);
}

/* sink.h, for the room logic. */

void
conn_send(struct conn *c, struct msg *m)
{
	if (c->state == CONN_OPEN)
		ws_send(c, m);
}

/*
 * A close that ends a conversation (bye, kicked, stopped, flood, ...) waits
 * until what was said before it is out.
 */
void
conn_close_async(struct conn *c, enum proto_close why)
{
	if (c->state != CONN_OPEN)
		return;
	c->close_why = why;
	conn_closing(c);
}

/* For a peer that does not read (slow reader, no pong): at once. */
void
conn_close_now(struct conn *c, enum proto_close why)
{
	if (c->state != CONN_OPEN)
		return;
	ws_drop_queued(c);
	ws_close(c, why);
	conn_closing(c);
}

void
conn_set_member(struct conn *c, struct member *m)
{
	c->member = m;
}
