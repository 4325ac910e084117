/*
 * server.c: accepting connections against the caps, and the loop's hooks:
 * before sleep, members of ended conns leave their rooms, output is flushed and
 * dead conns are freed; every tick, timeouts and flood buckets move on.
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "handshake.h"
#include "common/peers.h"
#include "room.h"
#include "server.h"
#include "common/tls.h"
#include "transport.h"

#define SERVER_TICK_MS		250
#define SERVER_SHUTDOWN_MS	1000
/* After this many conns are gone, give the freed heap back to the system. */
#define SERVER_TRIM_AFTER	256

/*
 * Out of descriptors or memory: a level-triggered listener would wake us
 * forever, so stop listening until the next tick.
 */
static void
server_pause_accept(struct server *srv)
{
	int	i;

	if (srv->accept_paused)
		return;
	for (i = 0; i < srv->nlis; i++)
		loop_del(&srv->loop, srv->lis[i].l.fd);
	srv->accept_paused = 1;
}

static void
server_resume_accept(struct server *srv)
{
	int	i;

	if (!srv->accept_paused)
		return;
	for (i = 0; i < srv->nlis; i++)
		loop_add(&srv->loop, srv->lis[i].l.fd, EPOLLIN, &srv->lis[i].h);
	srv->accept_paused = 0;
}

/*
 * 503 with no conn behind it. Reading what the peer already sent first makes
 * close() send FIN rather than a reset that could discard our answer.
 */
static void
server_refuse_now(int fd)
{
	struct hs_result	 r = { .status = 503 };
	struct transport	 t;
	char			 buf[1024];
	int			 len, i;

	if (tls_enabled()) {
		close(fd);	/* no TLS session for a plain 503 */
		return;
	}
	transport_tcp_init(&t, fd);
	len = handshake_response(buf, sizeof(buf), &r);
	if (len > 0 && transport_write_all(&t, buf, (size_t)len) == 0)
		(void)transport_shutdown(&t);
	for (i = 0; i < 16 && transport_read(&t, buf, sizeof(buf)) > 0; i++)
		;
	transport_close(&t);
}

/*
 * All handshake slots are taken: close the oldest handshake of the address
 * holding the most, if that is at least two more than key holds (so a
 * newcomer always gets in, and an address cannot evict itself or an equal).
 * 0 if a slot is free now, -1 if key must be refused.
 */
static int
server_evict_handshake(struct server *srv, uint64_t key)
{
	struct conn	*c, *victim = NULL;
	size_t		 n, most = peers_count(srv->hs_peers, key) + 1;

	/* conns.all is newest first: ">=" settles a tie on the oldest. */
	for (c = srv->conns.all; c != NULL; c = c->next) {
		if (c->state != CONN_HANDSHAKE || !c->hs_slot)
			continue;
		if ((n = peers_count(srv->hs_peers, c->peer_key)) > most ||
		    (victim != NULL && n == most)) {
			most = n;
			victim = c;
		}
	}
	if (victim == NULL)
		return -1;
	conn_kill(victim);
	return 0;
}

/* Accepts one conn; 0, or -1 when the backlog is empty. */
static int
server_accept_one(struct server *srv, int lfd)
{
	const struct relay_config	*cfg = srv->cfg;
	struct sockaddr_storage		 ss;
	socklen_t			 sslen = sizeof(ss);
	uint64_t			 key;
	int				 fd, reject = 0, counted = 0;

	fd = accept4(lfd, (struct sockaddr *)&ss, &sslen,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM)
			server_pause_accept(srv);
		return -1;
	}
	/* Past its share or every slot, refuse without keeping any state. */
	key = net_peer_key(&ss);
	if (peers_count(srv->hs_peers, key) >= cfg->max_hs_per_ip ||
	    (srv->conns.nhandshakes >= cfg->max_handshakes &&
	    server_evict_handshake(srv, key) == -1)) {
		server_refuse_now(fd);
		return 0;
	}
	if (srv->conns.nconns >= cfg->max_conns ||
	    peers_add(srv->peers, key, cfg->max_per_ip) == -1)
		reject = 503;
	else
		counted = 1;
	if (conn_new(&srv->conns, fd, key, counted, reject) == NULL) {
		if (counted)
			peers_del(srv->peers, key);
		close(fd);
	}
	return 0;
}

static void
server_on_accept(struct handler *h, uint32_t events)
{
	struct server_listener	*sl = (struct server_listener *)h;
	int			 i;

	/* Bounded, so one busy listener cannot starve the others. */
	for (i = 0; i < 64; i++)
		if (server_accept_one(sl->srv, sl->l.fd) == -1)
			break;
}

static void
server_drop_members(struct server *srv)
{
	struct conn	*c;

	while ((c = srv->conns.dropped) != NULL) {
		struct member *m = c->member;

		srv->conns.dropped = c->drop_next;
		c->on_dropped = 0;
		c->member = NULL;
		if (m != NULL)
			rooms_drop(srv->rooms, m);
	}
}

static void
server_flush_dirty(struct server *srv)
{
	struct conn	*c;

	while ((c = srv->conns.dirty) != NULL) {
		srv->conns.dirty = c->dirty_next;
		c->on_dirty = 0;
		conn_flush(c);
	}
}

static void
server_free_dead(struct server *srv)
{
	struct conn	*c;

	while ((c = srv->conns.dead) != NULL) {
		srv->conns.dead = c->dead_next;
		if (c->prev != NULL)
			c->prev->next = c->next;
		else
			srv->conns.all = c->next;
		if (c->next != NULL)
			c->next->prev = c->prev;
		conn_free(c);
		srv->conns.freed_since_trim++;
	}
}

static void
server_before_sleep(void *arg)
{
	struct server	*srv = arg;
	struct conn	*c;

	if (tls_enabled())
		for (c = srv->conns.all; c != NULL; c = c->next)
			conn_serve_held(c);
	/* Leaving tells others, which may end more conns: go until quiet. */
	while (srv->conns.dropped != NULL || srv->conns.dirty != NULL) {
		server_drop_members(srv);
		server_flush_dirty(srv);
	}
	server_free_dead(srv);
}

/* SIGHUP: new handshakes get the new pair; open conns keep theirs. */
static void
server_on_hup(void *arg)
{
	(void)arg;
	if (tls_enabled())
		(void)tls_reload();
}

static void
server_on_tick(void *arg)
{
	struct server	*srv = arg;
	struct conn	*c;

	server_resume_accept(srv);
	for (c = srv->conns.all; c != NULL; c = c->next)
		conn_tick(c, srv->loop.now);
	/* A crowd that left should not keep the relay's memory at its peak. */
	if (srv->conns.freed_since_trim >= SERVER_TRIM_AFTER) {
		malloc_trim(0);
		srv->conns.freed_since_trim = 0;
	}
}

int
server_init(struct server *srv, const struct relay_config *cfg,
    const struct listener *lis, int n)
{
	int	i;

	memset(srv, 0, sizeof(*srv));
	srv->cfg = cfg;
	if (loop_init(&srv->loop, SERVER_TICK_MS) == -1)
		return -1;
	srv->loop.before_sleep = server_before_sleep;
	srv->loop.on_tick = server_on_tick;
	srv->loop.on_hup = server_on_hup;
	srv->loop.arg = srv;
	if ((srv->rooms = rooms_new(&cfg->rooms)) == NULL ||
	    (srv->peers = peers_new()) == NULL ||
	    (srv->hs_peers = peers_new()) == NULL)
		return -1;
	srv->conns.loop = &srv->loop;
	srv->conns.cfg = cfg;
	srv->conns.rooms = srv->rooms;
	srv->conns.peers = srv->peers;
	srv->conns.hs_peers = srv->hs_peers;
	for (i = 0; i < n; i++) {
		struct server_listener *sl = &srv->lis[i];

		sl->h.on_event = server_on_accept;
		sl->l = lis[i];
		sl->srv = srv;
		if (loop_add(&srv->loop, sl->l.fd, EPOLLIN, &sl->h) == -1)
			return -1;
		srv->nlis++;
	}
	return 0;
}

/* Members hear CLOSE_SHUTDOWN; the rest are dropped. Waits at most 1 s. */
static void
server_shutdown(struct server *srv)
{
	struct conn	*c;
	int64_t		 until;

	server_pause_accept(srv);
	rooms_shutdown(srv->rooms);
	for (c = srv->conns.all; c != NULL; c = c->next) {
		if (c->state == CONN_OPEN)
			conn_close_async(c, CLOSE_SHUTDOWN);
		else if (c->state != CONN_CLOSING)
			conn_kill(c);
	}
	until = loop_clock() + SERVER_SHUTDOWN_MS;
	while (srv->conns.all != NULL && loop_clock() < until)
		loop_once(&srv->loop, 50);
}

void
server_run(struct server *srv)
{
	loop_run(&srv->loop);
	server_shutdown(srv);
}

void
server_release(struct server *srv)
{
	struct conn	*c;
	int		 i;

	for (c = srv->conns.all; c != NULL; c = c->next)
		conn_kill(c);
	srv->conns.dirty = srv->conns.dropped = NULL;
	server_free_dead(srv);
	rooms_free(srv->rooms);
	peers_free(srv->peers);
	peers_free(srv->hs_peers);
	for (i = 0; i < srv->nlis; i++)
		close(srv->lis[i].l.fd);
	loop_release(&srv->loop);
}
