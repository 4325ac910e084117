/*
 * fuzz_room.c: the room table (room.c, cmd.c) driven by a sequence of
 * operations decoded from the input, one per line:
 *	DIGIT FRAME	conn DIGIT (mod NCONNS) sends the text frame FRAME;
 *			"@D" in FRAME becomes the token conn D last got in a
 *			welcome (so resumes can be found)
 *	D DIGIT		conn DIGIT drops (TCP close): rooms_drop(), as the
 *			server's before-sleep hook does
 *	M C		allocation number (C mod 16) + 1 from now fails, once
 *			(test/lib/failalloc.h: only the room code's count)
 *	X		rooms_shutdown()
 * A conn that was closed or dropped is replaced by a fresh one before it is
 * used again, as a client reconnects. After every operation the table is
 * walked and checked against the conns' view of it (conn_set_member()), and
 * the step's output against sanctuary(7)'s rules. rooms_free() at the end must
 * leave nothing behind (LeakSanitizer).
 *
 * The sink below is this harness's own fake conn: it aborts when the room
 * logic sends anything to a conn it closed, or fans out to a non-member.
 * FUZZ_TRACE in the environment prints each step and what each conn got.
 */
#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "chatroom/alias.h"
#include "chatroom/cmd.h"
#include "chatroom/msg.h"
#include "chatroom/proto.h"
#include "chatroom/room.h"
#include "chatroom/room_priv.h"
#include "chatroom/sink.h"
#include "common/key.h"
#include "test/lib/failalloc.h"

#include "ref.h"

#define NCONNS		5
#define MAX_OPS		256
#define MAX_FRAME	1024
#define MAX_FAKES	(NCONNS + MAX_OPS)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct conn {
	struct member	*member;	/* as conn_set_member() said */
	int		 closed;	/* conn_close_async() seen */
	int		 dead;		/* dropped: the daemon would free it */
	enum proto_close code;		/* of the close */
	char		*out;		/* this step's lines */
	size_t		 outlen, outcap, lines;
	char		 token[KEY_LEN + 1];	/* from the last welcome */
};

static struct conn	 fakes[MAX_FAKES];
static size_t		 nfakes;
static struct conn	*slot[NCONNS];
static struct conn	*actor;		/* whose frame runs now, or NULL */
static int		 failed;	/* an allocation failed this step */
static const struct room_limits limits = { 3, 3 };
static int		 trace;		/* FUZZ_TRACE set: print every step */

/* The harness's own memory: never failed, never counted. */
static void
out_append(struct conn *c, const void *p, size_t n)
{
	if (c->outlen + n + 1 > c->outcap) {
		size_t cap = (c->outlen + n + 1) * 2;

		if ((c->out = realloc(c->out, cap)) == NULL)
			abort();
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, p, n);
	c->outlen += n;
	c->out[c->outlen] = '\0';
}

static struct conn *
fake_new(void)
{
	struct conn	*c;

	if (nfakes == MAX_FAKES)
		abort();
	c = &fakes[nfakes++];
	memset(c, 0, sizeof(*c));
	out_append(c, "", 0);
	return c;
}

static int
is_fake(const struct conn *c)
{
	return c >= fakes && c < fakes + nfakes;
}

/* A relay event: no CR, LF or NUL, no empty field, a known verb first. */
static void
check_event(const unsigned char *p, size_t n)
{
	static const char *const verbs[] = { "welcome ", "joined ", "left ",
		"moderator ", "msg ", "purr ", "kicked ", "stopped ",
		"error ", "ack ", "pong ", "rekey " };
	size_t		 i;

	if (n == 0 || p[n - 1] == ' ' || memchr(p, '\n', n) != NULL ||
	    memchr(p, '\r', n) != NULL || memchr(p, '\0', n) != NULL ||
	    memmem(p, n, "  ", 2) != NULL)
		abort();
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (n > strlen(verbs[i]) &&
		    memcmp(p, verbs[i], strlen(verbs[i])) == 0)
			return;
	abort();
}

/*
 * A conn closed with 1011 (out of memory) may still be a member until the
 * server's before-sleep hook drops it (settle() below), and the room logic
 * may address it again meanwhile; conn.c ignores all that once a conn is
 * closing, and so does this fake. Any other closed conn must never be
 * addressed again.
 */
static int
awaits_drop(const struct conn *c)
{
	return c->closed && c->code == CLOSE_INTERNAL;
}

void
conn_send(struct conn *c, struct msg *m)
{
	if (!is_fake(c) || m == NULL || m->refs == 0)
		abort();
	check_event(m->data, m->len);
	if (awaits_drop(c))
		return;
	/* A closed conn hears nothing more; a fan-out reaches members only. */
	if (c->closed || c->dead || (c != actor && c->member == NULL))
		abort();
	if (m->len > 8 + KEY_LEN && memcmp(m->data, "welcome ", 8) == 0) {
		memcpy(c->token, m->data + 8, KEY_LEN);
		c->token[KEY_LEN] = '\0';
	}
	out_append(c, m->data, m->len);
	out_append(c, "\n", 1);
	c->lines++;
}

void
conn_close_async(struct conn *c, enum proto_close code)
{
	char	line[32];
	int	n;

	if (!is_fake(c) || *proto_close_reason(code) == '\0')
		abort();
	if (awaits_drop(c))
		return;
	if (c->closed || c->dead)
		abort();
	switch (code) {
	case CLOSE_BYE:
	case CLOSE_SHUTDOWN:
	case CLOSE_INTERNAL:
	case CLOSE_KICKED:
	case CLOSE_STOPPED:
	case CLOSE_REPLACED:
		break;
	default:
		abort();
	}
	c->closed = 1;
	c->code = code;
	n = snprintf(line, sizeof(line), "close %u\n", proto_close_code(code));
	out_append(c, line, (size_t)n);
	c->lines++;
}

void
conn_set_member(struct conn *c, struct member *m)
{
	/* A conn closed by the room logic never becomes a member again. */
	if (!is_fake(c) || c->dead || (m != NULL && c->closed))
		abort();
	c->member = m;
}

static struct conn *
slot_conn(int i)
{
	if (slot[i]->closed || slot[i]->dead)
		slot[i] = fake_new();
	return slot[i];
}

/*
 * The server's before-sleep hook: a member whose conn closed for its own
 * reasons (1011, out of memory) leaves its room as a drop. The room logic's
 * own closes (bye, kicked, stopped, replaced) must have unlinked it already.
 */
static void
settle(struct room_table *tab)
{
	size_t		 i;
	int		 again = 1;

	while (again) {
		again = 0;
		for (i = 0; i < nfakes; i++) {
			struct conn	*c = &fakes[i];
			struct member	*m = c->member;

			if (m == NULL || (!c->closed && !c->dead))
				continue;
			if (c->dead || c->code != CLOSE_INTERNAL)
				abort();
			c->member = NULL;
			failalloc_on();
			rooms_drop(tab, m);
			failed |= failalloc_off();
			again = 1;
		}
	}
}

/* One room, whole: list, count, aliases, tokens, moderator. */
static size_t
check_room(const struct room *room)
{
	const struct member	*m, *x;
	size_t			 n = 0;

	if (!key_valid(room->key, KEY_LEN) || room->key[KEY_LEN] != '\0')
		abort();
	TAILQ_FOREACH(m, &room->members, entry) {
		n++;
		if (m->room != room || !is_fake(m->conn) ||
		    m->conn->member != m || m->conn->closed || m->conn->dead)
			abort();
		if (!alias_valid(m->alias, m->aliaslen) ||
		    m->alias[m->aliaslen] != '\0' ||
		    !key_valid(m->token, KEY_LEN))
			abort();
		for (x = TAILQ_NEXT(m, entry); x != NULL;
		    x = TAILQ_NEXT(x, entry))
			if (ref_alias_equal(m->alias, m->aliaslen, x->alias,
			    x->aliaslen) || memcmp(m->token, x->token,
			    KEY_LEN) == 0)
				abort();
	}
	if (n == 0 || n != room->nmembers || n > limits.max_members)
		abort();
	if (room->mode == PROTO_OWNER ?
	    room->moderator != TAILQ_FIRST(&room->members) :
	    room->moderator != NULL)
		abort();
	return n;
}

/*
 * The room is found by its key and by each retired one, which are all valid
 * and distinct, and no more than ROOM_RETIRED; version 1 rooms never move.
 */
static void
check_keys(struct room_table *tab, const struct room *room)
{
	const struct retired	*r;
	struct proto_str	 k = { room->key, KEY_LEN };
	size_t			 i, j;

	if (room_find(tab, &k) != room || room_find_retired(tab, &k) != NULL ||
	    room->nretired > ROOM_RETIRED || room->oldest >= ROOM_RETIRED ||
	    (room->version == PROTO_V1 && room->nretired != 0) ||
	    (room->version != PROTO_V1 && room->version != PROTO_V2))
		abort();
	for (i = 0; i < room->nretired; i++) {
		r = &room->retired[(room->oldest + i) % ROOM_RETIRED];
		k.p = r->key;
		if (r->room != room || !key_valid(r->key, KEY_LEN) ||
		    room_find_retired(tab, &k) != room ||
		    room_find(tab, &k) != NULL)
			abort();
		for (j = 0; j < i; j++)
			if (memcmp(r->key, room->retired[(room->oldest + j) %
			    ROOM_RETIRED].key, KEY_LEN) == 0)
				abort();
	}
}

/* The table against the conns: every member is a live conn's, and back. */
static void
check_table(struct room_table *tab)
{
	const struct room	*rooms[MAX_FAKES];
	size_t			 nrooms = 0, members = 0, listed = 0, i, j;

	for (i = 0; i < nfakes; i++) {
		const struct member *m = fakes[i].member;

		if (m == NULL)
			continue;
		if (fakes[i].closed || fakes[i].dead || m->conn != &fakes[i])
			abort();
		members++;
		for (j = 0; j < nrooms && rooms[j] != m->room; j++)
			;
		if (j == nrooms)
			rooms[nrooms++] = m->room;
	}
	for (i = 0; i < nrooms; i++) {
		listed += check_room(rooms[i]);
		for (j = 0; j < i; j++)
			if (memcmp(rooms[i]->key, rooms[j]->key, KEY_LEN) == 0)
				abort();
	}
	if (members != rooms_members(tab) || listed != members ||
	    nrooms != rooms_count(tab) || nrooms > limits.max_rooms)
		abort();
	for (i = 0; i < nrooms; i++)
		check_keys(tab, rooms[i]);
}

struct before {
	struct member	*member[MAX_FAKES];
	const struct room *room[MAX_FAKES];	/* compared, never followed */
	char		 alias[MAX_FAKES][PROTO_ALIAS_MAX + 1];
	int		 mod[MAX_FAKES];	/* moderated its room */
	int		 version[MAX_FAKES];	/* its room's, or PROTO_VNONE */
	size_t		 nrooms, nmembers;
};

static void
snapshot(struct before *b, struct room_table *tab)
{
	size_t	i;

	for (i = 0; i < nfakes; i++) {
		struct member *m = fakes[i].member;

		fakes[i].outlen = fakes[i].lines = 0;
		fakes[i].out[0] = '\0';
		b->member[i] = m;
		b->room[i] = m != NULL ? m->room : NULL;
		b->mod[i] = m != NULL && m->room->moderator == m;
		b->version[i] = m != NULL ? m->room->version : PROTO_VNONE;
		memcpy(b->alias[i], m != NULL ? m->alias : "", m != NULL ?
		    m->aliaslen + 1 : 1);
	}
	b->nrooms = rooms_count(tab);
	b->nmembers = rooms_members(tab);
}

/* Nobody but c heard anything this step. */
static void
check_quiet_but(const struct conn *c)
{
	size_t	i;

	for (i = 0; i < nfakes; i++)
		if (&fakes[i] != c && fakes[i].lines != 0)
			abort();
}

/* The welcome names token, mode, moderator and every member in join order. */
static void
check_welcome(const struct conn *c)
{
	const struct member	*m = c->member, *x;
	const struct room	*room = m->room;
	char			 want[64 + 34 * 64];
	size_t			 n;

	n = (size_t)snprintf(want, sizeof(want), "welcome %s %s %s", m->token,
	    proto_mode_name(room->mode), room->moderator != NULL ?
	    room->moderator->alias : "*");
	TAILQ_FOREACH(x, &room->members, entry) {
		if (n + x->aliaslen + 3 > sizeof(want))
			abort();
		want[n++] = ' ';
		memcpy(want + n, x->alias, x->aliaslen);
		n += x->aliaslen;
	}
	want[n++] = '\n';
	if (c->outlen != n || memcmp(c->out, want, n) != 0)
		abort();
}

/* Every other member of c's room got exactly line (with "\n"), or nothing. */
static void
check_others(const struct conn *c, const char *line)
{
	const struct member	*x;
	size_t			 n = line == NULL ? 0 : strlen(line);

	TAILQ_FOREACH(x, &c->member->room->members, entry) {
		if (x->conn == c)
			continue;
		if (x->conn->outlen != n || (n > 0 &&
		    memcmp(x->conn->out, line, n) != 0))
			abort();
	}
}

/*
 * Each conn that was in c's room before the step got exactly want_c (c
 * itself), want_x (the one at index x, if x is not NULL) or want; nobody
 * else heard a thing.
 */
static void
check_was_room(const struct before *b, const struct conn *c, const char *want_c,
    const char *want, const struct conn *x, const char *want_x)
{
	const struct room	*room = b->room[c - fakes];
	const char		*w;
	size_t			 i;

	for (i = 0; i < nfakes; i++) {
		if (b->room[i] != room || room == NULL) {
			if (fakes[i].lines != 0)
				abort();
			continue;
		}
		w = &fakes[i] == c ? want_c : &fakes[i] == x ? want_x : want;
		if (fakes[i].outlen != strlen(w) || memcmp(fakes[i].out, w,
		    fakes[i].outlen) != 0)
			abort();
	}
}

/* The conn that held alias in c's room before the step, or NULL. */
static struct conn *
was_member(const struct before *b, const struct conn *c,
    const struct proto_str *alias)
{
	size_t	i;

	for (i = 0; i < nfakes; i++)
		if (b->room[i] != NULL && b->room[i] == b->room[c - fakes] &&
		    ref_alias_equal(b->alias[i], strlen(b->alias[i]), alias->p,
		    alias->len))
			return &fakes[i];
	return NULL;
}

/* What the sender of req hears when it is accepted: `ack ID` (version 2). */
static void
ack_line(char *out, size_t size, const struct proto_req *req)
{
	if (req->id.len > 0)
		snprintf(out, size, "ack %.*s\n", (int)req->id.len, req->id.p);
	else
		out[0] = '\0';
}

static void
check_purr(const struct before *b, const struct conn *c,
    const struct proto_req *req)
{
	struct conn	*t = was_member(b, c, &req->alias);
	char		 line[MAX_FRAME + 64], ack[32];

	if (t == NULL || t == c)
		abort();	/* should have been nosuchmember or self */
	snprintf(line, sizeof(line), "purr %s %.*s\n", b->alias[c - fakes],
	    (int)req->body.len, req->body.p);
	ack_line(ack, sizeof(ack), req);
	check_was_room(b, c, ack, "", t, line);
}

/* The sender's room now has NEWKEY. */
static void
check_moved(const struct conn *c, const struct proto_req *req)
{
	if (c->member == NULL ||
	    memcmp(c->member->room->key, req->newkey.p, KEY_LEN) != 0)
		abort();
}

/* Version 2 rekey: the others hear `rekey FROM BODY`, the sender `ack ID`. */
static void
check_rekey(const struct before *b, const struct conn *c,
    const struct proto_req *req)
{
	char	line[MAX_FRAME + 64], ack[32];

	check_moved(c, req);
	snprintf(line, sizeof(line), "rekey %s %.*s\n", b->alias[c - fakes],
	    (int)req->body.len, req->body.p);
	ack_line(ack, sizeof(ack), req);
	check_was_room(b, c, ack, line, NULL, NULL);
}

static void
check_kick(const struct before *b, const struct conn *c,
    const struct proto_req *req)
{
	struct conn	*t = was_member(b, c, &req->alias);
	char		 line[128], victim[160], mine[160];
	char		 others[MAX_FRAME + 192];

	if (t == NULL || t == c || t->member != NULL || !t->closed)
		abort();
	snprintf(line, sizeof(line), "kicked %s %s\n", b->alias[t - fakes],
	    b->alias[c - fakes]);
	snprintf(victim, sizeof(victim), "%sclose 4001\n", line);
	if (req->newkey.len == 0) {
		check_was_room(b, c, line, line, t, victim);
		return;
	}
	/* Version 2: moved, then the rest hear the rekey. */
	check_moved(c, req);
	snprintf(mine, sizeof(mine), "%sack %.*s\n", line, (int)req->id.len,
	    req->id.p);
	snprintf(others, sizeof(others), "%srekey %s %.*s\n", line,
	    b->alias[c - fakes], (int)req->body.len, req->body.p);
	check_was_room(b, c, mine, others, t, victim);
}

/* Others: left ALIAS [BODY], then moderator X if the leaver moderated. */
static void
check_exit(const struct before *b, const struct conn *c,
    const struct proto_req *req)
{
	const struct room	*room = NULL;
	char			 line[MAX_FRAME + 128], mine[64];
	size_t			 i, n;

	if (c->member != NULL || c->code != CLOSE_BYE)
		abort();
	for (i = 0; i < nfakes; i++)
		if (b->room[i] == b->room[c - fakes] && &fakes[i] != c)
			room = b->room[i];	/* still there: others stay */
	n = (size_t)snprintf(line, sizeof(line), "left %s%s%.*s\n",
	    b->alias[c - fakes], req->body.len > 0 ? " " : "",
	    (int)req->body.len, req->body.p);
	if (room != NULL && b->mod[c - fakes])
		snprintf(line + n, sizeof(line) - n, "moderator %s\n",
		    TAILQ_FIRST(&room->members)->alias);
	if (req->id.len > 0) {
		snprintf(mine, sizeof(mine), "ack %.*s\nclose 1000\n",
		    (int)req->id.len, req->id.p);
		check_was_room(b, c, mine, line, NULL, NULL);
	} else
		check_was_room(b, c, "close 1000\n", line, NULL, NULL);
}

/*
 * sanctuary(7)'s rules for the step's output: an error changes nothing and
 * goes to the sender alone; create/join answer with the exact welcome and tell
 * the room `joined`; msg reaches every other member verbatim.
 */
static void
check_rules(const struct before *b, struct room_table *tab, struct conn *c,
    const char *frame, size_t len)
{
	struct proto_req	 req;
	char			 line[MAX_FRAME + 64], ack[32];
	size_t			 i;

	if (failed)
		return;
	if (c->outlen >= 6 && memcmp(c->out, "error ", 6) == 0) {
		if (c->lines != 1 || c->member != b->member[c - fakes] ||
		    rooms_count(tab) != b->nrooms ||
		    rooms_members(tab) != b->nmembers)
			abort();
		check_quiet_but(c);
		return;
	}
	if (proto_parse_as(&req, b->version[c - fakes], frame, len) != 0)
		abort();	/* a syntax error must have been answered */
	switch (req.cmd) {
	case PROTO_CREATE:
	case PROTO_JOIN:
		if (c->member == NULL || c->lines != 1)
			abort();
		check_welcome(c);
		for (i = 0; i < nfakes; i++) {
			/* A resume: the old conn alone hears, 4004. */
			if (b->member[i] == c->member) {
				if (fakes[i].outlen != 11 ||
				    memcmp(fakes[i].out, "close 4004\n",
				    11) != 0)
					abort();
				check_others(c, NULL);
				return;
			}
		}
		snprintf(line, sizeof(line), "joined %s\n", c->member->alias);
		check_others(c, line);
		if (rooms_members(tab) != b->nmembers + 1)
			abort();
		break;
	case PROTO_MSG:
		ack_line(ack, sizeof(ack), &req);
		if (c->member == NULL || strcmp(c->out, ack) != 0)
			abort();
		snprintf(line, sizeof(line), "msg %s %.*s\n", c->member->alias,
		    (int)req.body.len, req.body.p);
		check_others(c, line);
		break;
	case PROTO_PING:
		snprintf(line, sizeof(line), "pong %.*s\n", (int)req.id.len,
		    req.id.p);
		if (strcmp(c->out, line) != 0)
			abort();
		check_quiet_but(c);
		break;
	case PROTO_REKEY:
		check_rekey(b, c, &req);
		break;
	case PROTO_PURR:
		check_purr(b, c, &req);
		break;
	case PROTO_KICK:
		check_kick(b, c, &req);
		break;
	case PROTO_STOP:
		/* Everyone: stopped, then 4002; the room is gone. */
		snprintf(line, sizeof(line), "stopped %s\nclose 4002\n",
		    b->alias[c - fakes]);
		check_was_room(b, c, line, line, NULL, NULL);
		if (rooms_count(tab) != b->nrooms - 1)
			abort();
		break;
	case PROTO_EXIT:
		check_exit(b, c, &req);
		break;
	case PROTO_NCMDS:
		abort();
	}
}

/* Copies the frame, replacing "@D" with conn D's last welcome token. */
static size_t
frame_build(char *out, const char *p, size_t n)
{
	size_t	i, len = 0;

	for (i = 0; i < n && len < MAX_FRAME; i++) {
		if (p[i] == '@' && i + 1 < n && p[i + 1] >= '0' &&
		    p[i + 1] < '0' + NCONNS && slot[p[i + 1] - '0']->token[0] &&
		    len + KEY_LEN <= MAX_FRAME) {
			memcpy(out + len, slot[p[i + 1] - '0']->token, KEY_LEN);
			len += KEY_LEN;
			i++;
		} else
			out[len++] = p[i];
	}
	return len;
}

static void
op_exec(struct room_table *tab, int i, const char *p, size_t n)
{
	struct before	 b;
	struct conn	*c = slot_conn(i);
	char		 frame[MAX_FRAME];
	size_t		 len = frame_build(frame, p, n);

	snapshot(&b, tab);
	actor = c;
	failalloc_on();
	cmd_exec(tab, c, c->member, frame, len);
	failed |= failalloc_off();
	actor = NULL;
	settle(tab);
	check_rules(&b, tab, c, frame, len);
}

static void
op_drop(struct room_table *tab, int i)
{
	struct before	 b;
	struct conn	*c = slot[i];
	struct member	*m = c->member;

	snapshot(&b, tab);
	c->member = NULL;
	if (m != NULL) {
		failalloc_on();
		rooms_drop(tab, m);
		failed |= failalloc_off();
	}
	c->dead = 1;
	slot[i] = fake_new();
	settle(tab);
	if (m != NULL && !failed && rooms_members(tab) != b.nmembers - 1)
		abort();
}

static void
op_shutdown(struct room_table *tab)
{
	struct before	 b;
	size_t		 i;

	snapshot(&b, tab);
	rooms_shutdown(tab);
	for (i = 0; i < nfakes; i++)
		if ((b.member[i] != NULL) != (fakes[i].lines == 1 &&
		    fakes[i].code == CLOSE_SHUTDOWN))
			abort();
	if (rooms_count(tab) != 0 || rooms_members(tab) != 0)
		abort();
}

/* With FUZZ_TRACE in the environment: the op and what each conn got. */
static void
trace_step(const char *p, size_t n)
{
	size_t	i;

	if (!trace)
		return;
	fprintf(stderr, "> %.*s\n", (int)n, p);
	for (i = 0; i < nfakes; i++)
		if (fakes[i].outlen > 0)
			fprintf(stderr, "  conn %zu%s: %s", i, fakes[i].dead ?
			    " (dead)" : "", fakes[i].out);
}

static void
run(struct room_table *tab, const char *p, size_t len)
{
	const char	*nl;
	size_t		 n, ops;
	int		 i;

	for (ops = 0; len > 0 && ops < MAX_OPS; ops++) {
		nl = memchr(p, '\n', len);
		n = nl == NULL ? len : (size_t)(nl - p);
		failed = 0;
		if (n >= 1 && p[0] == 'X')
			op_shutdown(tab);
		else if (n >= 2 && p[0] == 'D')
			op_drop(tab, (unsigned char)p[1] % NCONNS);
		else if (n >= 2 && p[0] == 'M')
			failalloc_after((unsigned char)p[1] % 16);
		else if (n >= 1) {
			i = (unsigned char)(p[0] - '0') % NCONNS;
			op_exec(tab, i, p + 1, n - 1);
		}
		if (p[0] != 'M')
			trace_step(p, n);
		check_table(tab);
		if (nl == NULL)
			break;
		len -= n + 1;
		p = nl + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct room_table	*tab;
	size_t			 i;

	if (sodium_init() < 0 || (tab = rooms_new(&limits)) == NULL)
		abort();
	trace = getenv("FUZZ_TRACE") != NULL;
	nfakes = 0;
	failalloc_after(-1);
	for (i = 0; i < NCONNS; i++)
		slot[i] = fake_new();
	run(tab, (const char *)data, len);
	failalloc_after(-1);
	rooms_free(tab);
	for (i = 0; i < nfakes; i++)
		free(fakes[i].out);
	return 0;
}
