/*
 * fuzz_frames.c: the relay's frame path, whole: conn.c, ws.c (wslay, real
 * server contexts reading a socket), cmd.c and room.c behind them. Three
 * clients, each a socketpair whose one end is a conn made by conn_new() in a
 * struct server made by server_init() (no listener); the input is a script
 * of records, each for one client:
 *	byte h	client = (h & 3) % NCLIENTS, kind = (h >> 2) & 7,
 *		bit 0x20 (first record of a client only): the handshake goes
 *		out in the same write (frames that came with the request);
 *		for RAW: instead of the handshake (its answer is not checked)
 *	0 RAW	 n, n bytes as they are
 *	1 FRAME	 b0 (FIN, RSV, opcode), len (2 bytes, little endian), payload
 *		 (what the input has, padded with 'a' to len); masked
 *	2 TEXT	 n, n bytes: one masked FIN text frame
 *	3 CHOP	 n, n bytes: a text frame written one byte per loop turn
 *	4 EOF	 shutdown(SHUT_WR)
 *	5 CLOSE	 close the client's end
 *	6 TIME	 n: (n + 1) ticks of 250 ms on a virtual clock
 *	7 STALL	 stop (or resume) reading what the relay sends
 * The fixed handshake precedes a client's first bytes. The loop is turned by
 * a copy of loop_once() that sets the server's clock to the virtual one, so
 * timeouts, pings and the flood bucket are reached without sleeping.
 *
 * Checked after every record: the relay's bytes are the exact 101, then
 * well-formed server frames (unmasked, no RSV, no binary, control frames
 * short and whole), every text message a valid relay event in UTF-8, a close
 * code the relay may send, nothing at all after a close frame, 4001 preceded
 * by `kicked` and 4002 by `stopped`; the loop goes quiet once the clients
 * stop (no busy loop); every member's conn is OPEN and points
 * back at it, the room table counts what the conns hold, the caps' counters
 * match the conns. At the end every conn must be gone after the timeouts
 * (no conn lives forever), and server_release() must leave nothing behind.
 * FUZZ_TRACE in the environment prints the records and what clients got.
 */
#include <sys/queue.h>

#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "chatroom/conn.h"
#include "common/peers.h"
#include "chatroom/room.h"
#include "chatroom/room_priv.h"
#include "chatroom/server.h"

#define NCLIENTS	3
#define MAX_RECORDS	128
#define MAX_TURNS	64	/* loop turns to reach quiet after a record */
#define TICK_MS		250
#define PEER_KEY	0x7f000001u
#define IN_CAP		(1 << 16)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char handshake[] =
    "GET / HTTP/1.1\r\nHost: 127.0.0.1:9696\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n";
static const char switching[] =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    "\r\n\r\n";
static const uint8_t mask[4] = { 0x37, 0xfa, 0x21, 0x3d };

static const struct relay_config cfg = {
	.max_conns = 16, .max_per_ip = 16, .max_handshakes = 16,
	.max_message = 512, .max_header_bytes = 1024, .max_queue = 4096,
	.handshake_timeout_ms = 10000, .join_timeout_ms = 30000,
	.ping_interval_ms = 20000, .pong_timeout_ms = 40000,
	.flood_rate = 2, .flood_burst = 6,
	.hs = { 1024, NULL, 0 },
	.rooms = { 2, 3 },
};

/* The client's side: what it sent, and a decoder for what the relay sent. */
struct client {
	int		 fd;		/* -1 once closed */
	int		 said_hello;	/* handshake written */
	int		 own_hello;	/* the input wrote its own */
	int		 may_echo;	/* may have sent a close (echoed) */
	int		 stalled;	/* not reading */
	int		 eof;		/* the relay closed its end */
	size_t		 hsgot;		/* bytes of the 101 seen */
	int		 got_close;	/* a close came: nothing may follow */
	int		 in_frag;	/* a fragmented text message is open */
	uint8_t		 in[IN_CAP];	/* unparsed bytes */
	size_t		 inlen;
	uint8_t		 msg[4096];	/* the text message being reassembled */
	size_t		 msglen;
	char		 last[4096];	/* the last whole text message */
	size_t		 lastlen;
};

static struct server	 srv;
static struct client	 clients[NCLIENTS];
static int64_t		 vnow;
static int		 trace;		/* FUZZ_TRACE: print what clients get */
static int		 allow_spin;	/* FUZZ_ALLOW_SPIN set */

/* Strict UTF-8 (RFC 3629); 1 if p[0..n) is valid. */
static int
utf8_valid(const uint8_t *p, size_t n)
{
	size_t	 i = 0, k, need;
	uint32_t c;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf)
			need = 2;
		else if (p[i] >= 0xe0 && p[i] <= 0xef)
			need = 3;
		else if (p[i] >= 0xf0 && p[i] <= 0xf4)
			need = 4;
		else
			return 0;
		if (n - i < need)
			return 0;
		c = p[i] & (0xff >> (need + 1));
		for (k = 1; k < need; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			c = (c << 6) | (p[i + k] & 0x3f);
		}
		if ((need == 3 && c < 0x800) || (need == 4 && c < 0x10000) ||
		    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return 0;
		i += need;
	}
	return 1;
}

/* A relay event (sanctuary(7), relay -> client, versions 1 and 2). */
static void
check_event(const uint8_t *p, size_t n)
{
	static const char *const verbs[] = { "welcome ", "joined ", "left ",
		"moderator ", "msg ", "purr ", "kicked ", "stopped ",
		"error ", "ack ", "pong ", "rekey " };
	size_t		 i;

	if (n == 0 || !utf8_valid(p, n) || p[n - 1] == ' ' ||
	    memchr(p, '\n', n) != NULL || memchr(p, '\r', n) != NULL ||
	    memchr(p, '\0', n) != NULL || memmem(p, n, "  ", 2) != NULL)
		abort();
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (n > strlen(verbs[i]) &&
		    memcmp(p, verbs[i], strlen(verbs[i])) == 0)
			return;
	abort();
}

static int
starts(const struct client *cl, const char *s)
{
	return cl->lastlen >= strlen(s) && memcmp(cl->last, s, strlen(s)) == 0;
}

/* A close frame from the relay: a code it may send, after its story. */
static void
check_close(struct client *cl, const uint8_t *p, size_t n)
{
	unsigned	code;

	if (n == 0)
		return;
	if (n == 1 || !utf8_valid(p + 2, n - 2))
		abort();
	code = (unsigned)p[0] << 8 | p[1];
	/* RFC 6455 7.4: what an endpoint may send; 3000-4999 may be an echo. */
	if (!(code >= 1000 && code <= 1003) &&
	    !(code >= 1007 && code <= 1011) &&
	    !(code >= 3000 && code <= 4999))
		abort();
	if (!cl->may_echo && ((code == 4001 && !starts(cl, "kicked ")) ||
	    (code == 4002 && !starts(cl, "stopped "))))
		abort();
}

static void
on_message(struct client *cl, int opcode, const uint8_t *p, size_t n, int fin)
{
	if (trace)
		fprintf(stderr, "  client %d <- op %x%s len %zu: %.*s\n",
		    (int)(cl - clients), opcode, fin ? "" : " (more)", n,
		    opcode == 0x8 && n >= 2 ? (int)n - 2 : (int)n,
		    opcode == 0x8 && n >= 2 ? (const char *)p + 2 :
		    (const char *)p);
	if (trace && opcode == 0x8 && n >= 2)
		fprintf(stderr, "  client %d <- close %u\n",
		    (int)(cl - clients), (unsigned)p[0] << 8 | p[1]);
	switch (opcode) {
	case 0x0:
	case 0x1:
		if ((opcode == 0x0) != cl->in_frag ||
		    cl->msglen + n > sizeof(cl->msg))
			abort();
		memcpy(cl->msg + cl->msglen, p, n);
		cl->msglen += n;
		cl->in_frag = !fin;
		if (!fin)
			return;
		check_event(cl->msg, cl->msglen);
		memcpy(cl->last, cl->msg, cl->msglen);
		cl->lastlen = cl->msglen;
		cl->msglen = 0;
		return;
	case 0x8:
		check_close(cl, p, n);
		cl->got_close = 1;
		return;
	case 0x9:
	case 0xa:
		return;
	default:
		abort();
	}
}

/* Parses whole frames off cl->in; a partial one waits for more bytes. */
static void
decode(struct client *cl)
{
	size_t	 off = 0, hl, i;
	uint64_t len;
	uint8_t	*f;

	while (cl->inlen - off >= 2) {
		f = cl->in + off;
		if (cl->got_close)
			abort();	/* nothing after a close frame */
		if ((f[0] & 0x70) != 0 || (f[1] & 0x80) != 0)
			abort();	/* RSV bits, or a masked server frame */
		len = f[1] & 0x7f;
		hl = 2;
		if (len == 126) {
			if (cl->inlen - off < 4)
				break;
			len = (uint64_t)f[2] << 8 | f[3];
			hl = 4;
			if (len < 126)
				abort();
		} else if (len == 127) {
			if (cl->inlen - off < 10)
				break;
			for (len = 0, i = 2; i < 10; i++)
				len = len << 8 | f[i];
			hl = 10;
			if (len < 65536 || len >> 63)
				abort();
		}
		if ((f[0] & 0x08) && ((f[0] & 0x80) == 0 || len > 125))
			abort();	/* control frames: whole and short */
		if (len > IN_CAP - hl)
			abort();	/* far more than any relay event */
		if (cl->inlen - off < hl + len)
			break;
		on_message(cl, f[0] & 0x0f, f + hl, (size_t)len, f[0] & 0x80);
		off += hl + (size_t)len;
	}
	memmove(cl->in, cl->in + off, cl->inlen - off);
	cl->inlen -= off;
}

/* Checks the 101 byte by byte, then hands the rest to the frame decoder. */
static void
client_got(struct client *cl, const uint8_t *p, size_t n)
{
	size_t	k;

	if (cl->own_hello)
		return;
	if (cl->hsgot < sizeof(switching) - 1) {
		k = sizeof(switching) - 1 - cl->hsgot;
		k = k < n ? k : n;
		if (memcmp(p, switching + cl->hsgot, k) != 0)
			abort();
		cl->hsgot += k;
		p += k;
		n -= k;
	}
	if (n == 0)
		return;
	if (cl->inlen + n > IN_CAP)
		abort();
	memcpy(cl->in + cl->inlen, p, n);
	cl->inlen += n;
	decode(cl);
}

/* Reads what the relay sent to every client that reads; 1 if anything came. */
static int
drain(void)
{
	uint8_t	 buf[8192];
	ssize_t	 n;
	int	 any = 0, i;

	for (i = 0; i < NCLIENTS; i++) {
		struct client *cl = &clients[i];

		while (cl->fd != -1 && !cl->stalled && !cl->eof) {
			n = recv(cl->fd, buf, sizeof(buf), 0);
			if (n > 0) {
				client_got(cl, buf, (size_t)n);
				any = 1;
			} else if (n == 0 ||
			    (errno != EAGAIN && errno != EINTR)) {
				if (trace)
					fprintf(stderr,
					    "  client %d <- EOF\n", i);
				cl->eof = 1;	/* closed, or reset */
				any = 1;
			} else
				break;
		}
	}
	return any;
}

/* loop_once() on the virtual clock; the number of events handled. */
static int
relay_turn(void)
{
	struct epoll_event	evs[32];
	int			i, n;

	srv.loop.before_sleep(srv.loop.arg);
	n = epoll_wait(srv.loop.epfd, evs, 32, 0);
	srv.loop.now = vnow;
	for (i = 0; i < n; i++) {
		struct handler *h = evs[i].data.ptr;

		/* The signalfd's mark has no handler. */
		if (h->on_event != NULL)
			h->on_event(h, evs[i].events);
	}
	return n > 0 ? n : 0;
}

/* Every member's conn is OPEN and its own; the counters match the conns. */
static void
check_server(void)
{
	const struct conn	*c;
	size_t			 members = 0, hs = 0, counted = 0;

	for (c = srv.conns.all; c != NULL; c = c->next) {
		if (c->member != NULL) {
			if (c->member->conn != c || c->state != CONN_OPEN)
				abort();
			members++;
		}
		hs += c->hs_slot != 0;
		counted += c->counted != 0;
		if (c->ws.out.bytes > cfg.max_queue ||
		    c->ws.in.len > cfg.max_message)
			abort();
	}
	if (members != rooms_members(srv.rooms) ||
	    rooms_count(srv.rooms) > cfg.rooms.max_rooms ||
	    hs != srv.conns.nhandshakes || counted != srv.conns.nconns ||
	    peers_count(srv.peers, PEER_KEY) != counted)
		abort();
}

/* Turns the loop until nothing moves, then checks the lot. */
static void
settle(void)
{
	int	i, moved;

	for (i = 0; i < MAX_TURNS; i++) {
		moved = relay_turn();
		moved |= drain();
		if (!moved)
			break;
	}
	/*
	 * No client acts now: a relay still busy after MAX_TURNS turns is
	 * spinning on a level-triggered event it never consumes (a busy loop
	 * in the daemon). FUZZ_ALLOW_SPIN in the environment lets the fuzzer
	 * look past a known one.
	 */
	if (i == MAX_TURNS && !allow_spin)
		abort();
	srv.loop.before_sleep(srv.loop.arg);
	drain();
	check_server();
}

static void
tick(int64_t ms)
{
	vnow += ms;
	srv.loop.now = vnow;
	srv.loop.on_tick(srv.loop.arg);
	settle();
}

/* Writes all of p, turning the loop while the socket is full (bounded). */
static void
client_write(struct client *cl, const uint8_t *p, size_t n, int chop)
{
	ssize_t	w;
	int	tries = 0;

	while (n > 0 && cl->fd != -1 && tries < 256) {
		w = send(cl->fd, p, chop ? 1 : n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			if (chop)
				settle();
		} else if (w == -1 && errno == EAGAIN) {
			settle();
			tries++;
		} else
			return;		/* the relay is gone */
	}
}

static void
client_hello(struct client *cl, int merged, const uint8_t *p, size_t n)
{
	uint8_t	buf[sizeof(handshake) + 256];

	if (cl->said_hello++ != 0) {
		client_write(cl, p, n, 0);
		return;
	}
	memcpy(buf, handshake, sizeof(handshake) - 1);
	if (!merged || n > 256) {
		client_write(cl, buf, sizeof(handshake) - 1, 0);
		settle();
		client_write(cl, p, n, 0);
		return;
	}
	if (n > 0)
		memcpy(buf + sizeof(handshake) - 1, p, n);
	client_write(cl, buf, sizeof(handshake) - 1 + n, 0);
}

/* A masked frame around payload: the header the input asked for. */
static void
client_frame(struct client *cl, int merged, uint8_t b0, const uint8_t *p,
    size_t have, size_t len, int chop)
{
	static uint8_t	f[14 + 65536];
	size_t		hl = 2, i;

	f[0] = b0;
	if (len < 126)
		f[1] = 0x80 | (uint8_t)len;
	else {
		f[1] = 0x80 | 126;
		f[2] = (uint8_t)(len >> 8);
		f[3] = (uint8_t)len;
		hl = 4;
	}
	memcpy(f + hl, mask, 4);
	hl += 4;
	for (i = 0; i < len; i++)
		f[hl + i] = (i < have ? p[i] : 'a') ^ mask[i % 4];
	if (chop) {
		client_hello(cl, merged, NULL, 0);
		client_write(cl, f, hl + len, 1);
	} else
		client_hello(cl, merged, f, hl + len);
}

/* One record; returns the bytes it used. */
static size_t
record(const uint8_t *p, size_t len)
{
	struct client	*cl = &clients[(p[0] & 3) % NCLIENTS];
	int		 kind = (p[0] >> 2) & 7, merged = (p[0] & 0x20) != 0;
	size_t		 n, used = 1, flen;

	if (trace)
		fprintf(stderr, "> client %d kind %d%s (t=%lld)\n",
		    (int)(cl - clients), kind, merged ? " merged" : "",
		    (long long)vnow);

	switch (kind) {
	case 0:		/* RAW */
	case 2:		/* TEXT */
	case 3:		/* CHOP */
		n = len > 1 ? p[1] : 0;
		n = n < len - 2 ? n : (len >= 2 ? len - 2 : 0);
		used = 2 + n;
		cl->may_echo |= kind == 0;
		if (kind == 0 && merged && !cl->said_hello) {
			cl->said_hello = cl->own_hello = 1;
			client_write(cl, p + 2, n, 0);
		} else if (kind == 0)
			client_hello(cl, merged, p + 2, n);
		else
			client_frame(cl, merged, 0x81, p + 2, n, n, kind == 3);
		break;
	case 1:		/* FRAME */
		if (len < 4)
			return len;
		flen = (size_t)p[2] | (size_t)p[3] << 8;
		n = flen < len - 4 ? flen : len - 4;
		used = 4 + n;
		cl->may_echo |= (p[1] & 0x0f) == 0x8;
		client_frame(cl, merged, p[1], p + 4, n, flen, 0);
		break;
	case 4:		/* EOF */
		if (cl->fd != -1)
			shutdown(cl->fd, SHUT_WR);
		break;
	case 5:		/* CLOSE */
		if (cl->fd != -1)
			close(cl->fd);
		cl->fd = -1;
		break;
	case 6:		/* TIME */
		n = len > 1 ? p[1] + 1 : 1;
		used = 2;
		while (n-- > 0)
			tick(TICK_MS);
		break;
	case 7:		/* STALL */
		cl->stalled = !cl->stalled;
		break;
	}
	settle();
	return used < len ? used : len;
}

/* After every timeout has run out, no conn may be left. */
static void
check_all_end(void)
{
	int	i;

	for (i = 0; i < NCLIENTS; i++)
		clients[i].stalled = 0;
	settle();
	tick(cfg.pong_timeout_ms + cfg.join_timeout_ms);
	tick(3000);
	tick(3000);
	if (srv.conns.all != NULL || rooms_count(srv.rooms) != 0)
		abort();
	for (i = 0; i < NCLIENTS; i++)
		if (clients[i].fd != -1 && !clients[i].eof)
			abort();
}

static void
setup(void)
{
	sigset_t	set;
	int		sv[2], i;

	if (server_init(&srv, &cfg, NULL, 0) == -1)
		abort();
	/* server_init blocked them for its signalfd; the fuzzer wants them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	vnow = 1000000;
	srv.loop.now = vnow;
	for (i = 0; i < NCLIENTS; i++) {
		int	small = 4096;

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0, sv) == -1)
			abort();
		/* A small send buffer: a slow reader fills the queue. */
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
		memset(&clients[i], 0, sizeof(clients[i]));
		clients[i].fd = sv[1];
		if (peers_add(srv.peers, PEER_KEY, cfg.max_per_ip) == -1 ||
		    conn_new(&srv.conns, sv[0], PEER_KEY, 1, 0) == NULL)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	size_t	used, n = 0;
	int	i;

	if (sodium_init() < 0)
		abort();
	signal(SIGPIPE, SIG_IGN);
	trace = getenv("FUZZ_TRACE") != NULL;
	allow_spin = getenv("FUZZ_ALLOW_SPIN") != NULL;
	setup();
	while (len > 0 && n++ < MAX_RECORDS) {
		used = record(data, len);
		data += used;
		len -= used;
	}
	check_all_end();
	server_release(&srv);
	for (i = 0; i < NCLIENTS; i++)
		if (clients[i].fd != -1)
			close(clients[i].fd);
	return 0;
}
