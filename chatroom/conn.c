/*
 * conn.c: a connection's life: the opening handshake (handshake.c decides),
 * rejection with linger, timeouts, and the hand-over to ws.c once upgraded.
 * Every byte goes through the conn's transport; ws.c reports what happened
 * in its return values and this file changes the state.
 */
#include <stdint.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <sodium.h>

#include "common/peers.h"
#include "common/tls.h"
#include "cmd.h"
#include "config.h"
#include "conn.h"
#include "handshake.h"

/* How long a closing or rejected conn may take to say goodbye. */
#define CONN_CLOSE_GRACE_MS	2000
#define CONN_LINGER_MS		1000
/* An answer to a request: 101, 4xx or 503 with a few headers. */
#define CONN_ANSWER_MAX		512

static void	conn_on_event(struct handler *, uint32_t);
static void	conn_deliver(void *, const char *, size_t, int);
static void	conn_reject(struct conn *, const struct hs_result *);
static void	conn_close_now(struct conn *, enum proto_close);

static void
conn_link(struct conn *c)
{
	struct conn_set	*set = c->set;

	if ((c->next = set->all) != NULL)
		c->next->prev = c;
	set->all = c;
	set->nhandshakes++;
	c->hs_slot = 1;
	/* On ENOMEM the key goes uncounted: its cap is loose, never tight. */
	(void)peers_add(set->hs_peers, c->peer_key, SIZE_MAX);
	if (c->counted)
		set->nconns++;
}

struct conn *
conn_new(struct conn_set *set, int fd, uint64_t peer_key, int counted,
    int reject)
{
	struct conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->h.on_event = conn_on_event;
	c->set = set;
	c->peer_key = peer_key;
	c->counted = counted;
	c->state = CONN_HANDSHAKE;
	c->deadline = set->loop->now + set->cfg->handshake_timeout_ms;
	c->interest = EPOLLIN;
	if (loop_add(set->loop, fd, c->interest, &c->h) == -1) {
		free(c);
		return NULL;
	}
	if (tls_enabled()) {
		if (transport_tls_init(&c->t, fd) == -1) {
			loop_del(set->loop, fd);
			free(c);
			return NULL;
		}
	} else
		transport_tcp_init(&c->t, fd);
	ws_init(&c->ws, &c->t, set->cfg, &set->loop->now, conn_deliver, c);
	conn_link(c);
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
		c->set->nhandshakes--;
		peers_del(c->set->hs_peers, c->peer_key);
		c->hs_slot = 0;
	}
}

/*
 * c->hs is conn.c's alone: conn_handshake_read() allocates it and this is its
 * one release, wiped: at the upgrade (ws_start() copied the bytes after the
 * request), at a rejection, or in conn_free().
 */
static void
conn_hs_release(struct conn *c)
{
	if (c->hs == NULL)
		return;
	sodium_memzero(c->hs, c->set->cfg->max_header_bytes + 1);
	free(c->hs);
	c->hs = NULL;
	c->hslen = 0;
}

void
conn_free(struct conn *c)
{
	struct conn_set	*set;

	if (c == NULL)
		return;
	set = c->set;
	ws_release(&c->ws);
	conn_hs_release(c);
	conn_release_hs_slot(c);
	if (c->counted) {
		set->nconns--;
		peers_del(set->peers, c->peer_key);
	}
	transport_close(&c->t);
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
	c->drop_next = c->set->dropped;
	c->set->dropped = c;
}

void
conn_kill(struct conn *c)
{
	if (c->state == CONN_DEAD)
		return;
	conn_release_hs_slot(c);
	c->state = CONN_DEAD;
	ws_stop(&c->ws);
	conn_drop_member(c);
	loop_del(c->set->loop, c->t.fd);
	c->dead_next = c->set->dead;
	c->set->dead = c;
}

static void
conn_mark_dirty(struct conn *c)
{
	if (c->on_dirty || c->state == CONN_DEAD)
		return;
	c->on_dirty = 1;
	c->dirty_next = c->set->dirty;
	c->set->dirty = c;
}

static void
conn_set_interest(struct conn *c, uint32_t want)
{
	if (want == c->interest)
		return;
	if (loop_mod(c->set->loop, c->t.fd, want, &c->h) == -1) {
		conn_kill(c);
		return;
	}
	c->interest = want;
}

/* Sends FIN and reads until the peer closes (or a deadline), then dies. */
static void
conn_linger(struct conn *c)
{
	if (c->state == CONN_DEAD || c->state == CONN_LINGER)
		return;
	conn_drop_member(c);
	c->state = CONN_LINGER;
	c->deadline = c->set->loop->now + CONN_LINGER_MS;
	if (transport_shutdown(&c->t) == -1) {
		conn_kill(c);
		return;
	}
	conn_set_interest(c, EPOLLIN);
}

void
conn_flush(struct conn *c)
{
	int	w;

	if (c->state != CONN_OPEN && c->state != CONN_CLOSING)
		return;
	w = ws_flush(&c->ws);
	/* After a clean close handshake the peer has nothing left to send. */
	if (w == WS_FLUSH_DEAD || w == WS_FLUSH_OVER)
		conn_kill(c);
	else if (w == WS_FLUSH_SAID)
		conn_linger(c);
	else
		conn_set_interest(c, (w & WS_WANT_READ ? EPOLLIN : 0) |
		    (w & WS_WANT_WRITE ? EPOLLOUT : 0));
}

/* The conn stops being a member now; its room hears it before sleep. */
static void
conn_closing(struct conn *c)
{
	if (c->state != CONN_OPEN)
		return;
	c->state = CONN_CLOSING;
	c->deadline = c->set->loop->now + CONN_CLOSE_GRACE_MS;
	conn_drop_member(c);
	conn_mark_dirty(c);
}

/* Writes the answer to the request; -1 if it did not go out whole. */
static int
conn_answer(struct conn *c, const struct hs_result *r)
{
	char	resp[CONN_ANSWER_MAX];
	int	len;

	len = handshake_response(resp, sizeof(resp), r);
	if (len <= 0)
		return -1;
	return transport_write_all(&c->t, resp, (size_t)len);
}

/* Answers r->status (4xx/503), then lingers until the peer closes. */
static void
conn_reject(struct conn *c, const struct hs_result *r)
{
	conn_hs_release(c);
	/* A peer that cannot take a few hundred bytes gets nothing. */
	if (conn_answer(c, r) == -1)
		conn_kill(c);
	else
		conn_linger(c);
}

static void
conn_tune_socket(struct conn *c)
{
	const struct relay_config *cfg = c->set->cfg;
	int			   one = 1;

	/* The outq puts a turn's frames in one write; Nagle would only wait. */
	(void)setsockopt(c->t.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/*
	 * A fixed size stops the kernel growing it to megabytes: a slow
	 * reader's backlog then waits in the outq, where --max-queue judges it.
	 */
	if (cfg->send_buffer > 0)
		(void)setsockopt(c->t.fd, SOL_SOCKET, SO_SNDBUF,
		    &cfg->send_buffer, sizeof(cfg->send_buffer));
}

static void
conn_input(struct conn *c)
{
	enum ws_in	r;

	if (c->state != CONN_OPEN && c->state != CONN_CLOSING)
		return;
	r = ws_input(&c->ws);
	if (c->state == CONN_DEAD)
		return;
	switch (r) {
	case WS_IN_MORE:
		break;
	case WS_IN_ENDED:
		conn_closing(c);
		break;
	case WS_IN_BROKEN:
		conn_linger(c);
		break;
	case WS_IN_GONE:
	case WS_IN_DEAD:
		conn_kill(c);
		break;
	}
}

static void
conn_upgrade(struct conn *c, const struct hs_result *r)
{
	size_t	early = c->hslen - r->consumed;

	if (conn_answer(c, r) == -1 ||
	    ws_start(&c->ws, c->hs + r->consumed, early) == -1) {
		conn_kill(c);
		return;
	}
	conn_hs_release(c);
	conn_tune_socket(c);
	conn_release_hs_slot(c);
	c->state = CONN_OPEN;
	c->opened_at = c->set->loop->now;
	if (early > 0)
		conn_input(c);	/* frames that came with the request */
	conn_mark_dirty(c);
}

static void
conn_handshake_read(struct conn *c)
{
	size_t		cap = c->set->cfg->max_header_bytes + 1;
	struct hs_result r;
	ssize_t		n;

	if (c->hs == NULL && (c->hs = malloc(cap)) == NULL) {
		conn_kill(c);
		return;
	}
	n = transport_read(&c->t, c->hs + c->hslen, cap - c->hslen);
	if (n == TRANSPORT_AGAIN) {
		/* A TLS handshake may wait to write, not to read. */
		conn_set_interest(c, EPOLLIN |
		    (transport_want_write(&c->t) ? EPOLLOUT : 0));
		return;
	}
	conn_set_interest(c, EPOLLIN);
	if (n <= 0) {
		conn_kill(c);
		return;
	}
	c->hslen += (size_t)n;
	handshake_parse(&r, &c->set->cfg->hs, (const char *)c->hs, c->hslen);
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

	while ((n = transport_read(&c->t, sink, sizeof(sink))) > 0)
		;
	if (n != TRANSPORT_AGAIN)
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
		if ((events & (EPOLLHUP | EPOLLERR)) && ws_throttled(&c->ws)) {
			conn_kill(c);
			break;
		}
		if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			conn_input(c);
		conn_mark_dirty(c);
		break;
	case CONN_DEAD:
		break;
	}
}

/*
 * Before sleep: bytes a TLS session decrypted and kept wake no epoll event,
 * so a conn that holds some and may read is served here (a throttled one
 * waits for its tick, as with the kernel's bytes).
 */
void
conn_serve_held(struct conn *c)
{
	if (transport_tls_held(&c->t) == 0)
		return;
	if (c->state == CONN_HANDSHAKE)
		conn_handshake_read(c);
	else if ((c->state == CONN_OPEN || c->state == CONN_CLOSING) &&
	    !ws_throttled(&c->ws)) {
		conn_input(c);
		conn_mark_dirty(c);
	}
}

/* ws.c hands up a whole text message of this conn's: the room decides. */
static void
conn_deliver(void *arg, const char *text, size_t len, int refused)
{
	struct conn	*c = arg;

	if (refused != 0)
		cmd_refuse(c, c->member, text, len, refused);
	else
		cmd_exec(c->set->rooms, c, c->member, text, len);
}

void
conn_tick(struct conn *c, int64_t now)
{
	const struct relay_config *cfg = c->set->cfg;

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
	if (ws_unthrottle(&c->ws, now))
		conn_input(c);	/* wslay may hold whole frames */
	if (c->state != CONN_OPEN)
		return;
	if (ws_rest(&c->ws))
		c->set->freed_since_trim++;
	if (c->member == NULL && now - c->opened_at >= cfg->join_timeout_ms)
		conn_close_async(c, CLOSE_JOIN_TIMEOUT);
	else if (ws_keepalive(&c->ws, now) == -1)
		conn_close_now(c, CLOSE_TIMEOUT);
	conn_mark_dirty(c);
}

/* sink.h, for the room logic. */

void
conn_send(struct conn *c, struct msg *m)
{
	if (c->state != CONN_OPEN)
		return;
	switch (ws_send(&c->ws, m)) {
	case WS_SENT:
		conn_mark_dirty(c);
		break;
	case WS_SENT_FULL:
		conn_close_now(c, CLOSE_QUEUE);
		break;
	case WS_SENT_NOMEM:
		conn_close_async(c, CLOSE_INTERNAL);
		break;
	case WS_SENT_DEAD:
		conn_kill(c);
		break;
	}
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
	ws_close_after(&c->ws, why);
	conn_closing(c);
}

/* For a peer that does not read (slow reader, no pong): at once. */
static void
conn_close_now(struct conn *c, enum proto_close why)
{
	if (c->state != CONN_OPEN)
		return;
	if (ws_close_now(&c->ws, why) == -1)
		conn_kill(c);
	else
		conn_closing(c);
}

void
conn_set_member(struct conn *c, struct member *m)
{
	c->member = m;
}
