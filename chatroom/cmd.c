/*
 * cmd.c: one function per client command, dispatched from a table (as tmux's
 * cmd-*.c). A frame is parsed first, so a malformed frame gets its syntax error
 * whatever the state; then the table says whether the command needs a member;
 * then the command checks its own conditions and either answers `error CODE`
 * (`error CODE ID` in version 2) with nothing changed or does all of its work.
 * A member's frames are read by its room's version; a conn in no room yet may
 * speak either (proto_parse_as, PROTO_VNONE).
 */
#include <stddef.h>
#include <string.h>

#include "common/key.h"
#include "cmd.h"
#include "msg.h"
#include "proto.h"
#include "room_priv.h"
#include "sink.h"

struct cmd_ctx {
	struct room_table	*tab;
	struct conn		*conn;
	struct member		*member;	/* NULL before create/join */
	const struct proto_req	*req;
};

struct cmd_entry {
	int	  joined;	/* 1: as a member, 0: only before, -1: any */
	void	(*exec)(struct cmd_ctx *);
};

static void	cmd_create(struct cmd_ctx *);
static void	cmd_join(struct cmd_ctx *);
static void	cmd_msg(struct cmd_ctx *);
static void	cmd_purr(struct cmd_ctx *);
static void	cmd_kick(struct cmd_ctx *);
static void	cmd_stop(struct cmd_ctx *);
static void	cmd_exit(struct cmd_ctx *);
static void	cmd_ping(struct cmd_ctx *);
static void	cmd_rekey(struct cmd_ctx *);

static const struct cmd_entry cmd_table[PROTO_NCMDS] = {
	[PROTO_CREATE] =	{ 0, cmd_create },
	[PROTO_JOIN] =		{ 0, cmd_join },
	[PROTO_MSG] =		{ 1, cmd_msg },
	[PROTO_PURR] =		{ 1, cmd_purr },
	[PROTO_KICK] =		{ 1, cmd_kick },
	[PROTO_STOP] =		{ 1, cmd_stop },
	[PROTO_EXIT] =		{ 1, cmd_exit },
	[PROTO_PING] =		{ -1, cmd_ping },
	[PROTO_REKEY] =		{ 1, cmd_rekey },
};

/*
 * Answers `error CODE`, with the frame's ID if it carried a valid one, or
 * closes 1011 for ROOM_ENOMEM.
 */
static void
cmd_error(struct cmd_ctx *c, int err)
{
	const char		*name;
	struct proto_str	 parts[3] = { PROTO_STR("error") };

	if ((name = proto_error_name(err)) == NULL) {
		conn_close_async(c->conn, CLOSE_INTERNAL);
		return;
	}
	parts[1] = (struct proto_str){ name, strlen(name) };
	parts[2] = c->req->id;
	room_tell(c->conn, msg_join(parts, c->req->id.len > 0 ? 3 : 2));
}

/* `ack ID` to the sender of an accepted version 2 frame. */
static void
cmd_ack(struct cmd_ctx *c)
{
	struct proto_str	parts[2] = { PROTO_STR("ack"), c->req->id };

	if (c->req->id.len > 0)
		room_tell(c->conn, msg_join(parts, 2));
}

/* The grammar m's frames are read by. */
static int
cmd_version(const struct member *m)
{
	return m == NULL ? PROTO_VNONE : m->room->version;
}

void
cmd_refuse(struct conn *conn, struct member *m, const char *frame,
    size_t len, int err)
{
	struct proto_req	 req;
	struct cmd_ctx		 c = { NULL, conn, m, &req };

	(void)proto_parse_as(&req, cmd_version(m), frame, len);
	cmd_error(&c, err);
}

void
cmd_exec(struct room_table *tab, struct conn *conn, struct member *m,
    const char *frame, size_t len)
{
	struct proto_req	 req;
	struct cmd_ctx		 c = { tab, conn, m, &req };
	const struct cmd_entry	*e;
	int			 rc;

	if ((rc = proto_parse_as(&req, cmd_version(m), frame, len)) != 0) {
		cmd_error(&c, rc);
		return;
	}
	e = &cmd_table[req.cmd];
	if (e->joined == 1 && m == NULL)
		cmd_error(&c, PROTO_ENOTJOINED);
	else if (e->joined == 0 && m != NULL)
		cmd_error(&c, PROTO_EJOINED);
	else
		e->exec(&c);
}

/* Welcome to the new member, `joined ALIAS` to the others. */
static void
cmd_welcome(struct member *m)
{
	struct proto_str	parts[2] = { PROTO_STR("joined"),
				    member_alias(m) };

	room_tell(m->conn, room_welcome(m));
	if (m->room->nmembers > 1)
		room_send(m->room, m, msg_join(parts, 2));
}

static void
cmd_create(struct cmd_ctx *c)
{
	struct member	*m;
	int		 rc;

	if ((rc = room_create(&m, c->tab, c->conn, c->req)) != 0)
		cmd_error(c, rc);
	else
		cmd_welcome(m);
}

/*
 * The new conn takes over m's place, alias and rank; only the old conn and the
 * new one hear of it. The old token dies so that it cannot be replayed.
 */
static void
cmd_resume(struct cmd_ctx *c, struct member *m)
{
	conn_set_member(m->conn, NULL);
	conn_close_async(m->conn, CLOSE_REPLACED);
	m->conn = c->conn;
	key_new(m->token);
	conn_set_member(c->conn, m);
	room_tell(m->conn, room_welcome(m));
}

/* 1 if req's TOKEN is m's. */
static int
cmd_token_ok(const struct proto_req *req, const struct member *m)
{
	return req->token.len == KEY_LEN && key_equal(m->token, req->token.p);
}

/*
 * A retired key lets in only the member it names, with its token (a member
 * that lost its connection across a rekey); to anyone else the room is gone.
 */
static void
cmd_join_retired(struct cmd_ctx *c)
{
	const struct proto_req	*req = c->req;
	struct room		*room;
	struct member		*m;

	if ((room = room_find_retired(c->tab, &req->key)) == NULL ||
	    room->version != req->version ||
	    (m = room_member(room, &req->alias)) == NULL ||
	    !cmd_token_ok(req, m))
		cmd_error(c, PROTO_ENOROOM);
	else
		cmd_resume(c, m);
}

/*
 * A TOKEN matters only while its alias is held: with the right token the
 * holder is replaced, with a wrong one the alias is taken. A token for an alias
 * nobody holds (the holder was dropped meanwhile) is an ordinary join.
 */
static void
cmd_join(struct cmd_ctx *c)
{
	const struct proto_req	*req = c->req;
	struct room		*room;
	struct member		*m;
	int			 rc;

	if ((room = room_find(c->tab, &req->key)) == NULL) {
		cmd_join_retired(c);
		return;
	}
	if (room->version != req->version) {
		cmd_error(c, PROTO_EROOMVERSION);
		return;
	}
	if ((m = room_member(room, &req->alias)) != NULL) {
		if (cmd_token_ok(req, m))
			cmd_resume(c, m);
		else
			cmd_error(c, PROTO_EALIASTAKEN);
		return;
	}
	if ((rc = room_join(&m, c->tab, room, c->conn, &req->alias)) != 0)
		cmd_error(c, rc);
	else
		cmd_welcome(m);
}

static void
cmd_msg(struct cmd_ctx *c)
{
	struct proto_str	 parts[3] = { PROTO_STR("msg"),
				    member_alias(c->member), c->req->body };
	struct msg		*msg;

	/* Unsent to all: only the sender must learn it failed. */
	if ((msg = msg_join(parts, 3)) == NULL) {
		cmd_error(c, ROOM_ENOMEM);
		return;
	}
	room_send(c->member->room, c->member, msg);
	cmd_ack(c);
}

/* The member named by the request, or NULL after answering the error. */
static struct member *
cmd_target(struct cmd_ctx *c)
{
	struct member	*t;

	if ((t = room_member(c->member->room, &c->req->alias)) == NULL)
		cmd_error(c, PROTO_ENOSUCHMEMBER);
	else if (t == c->member)
		cmd_error(c, PROTO_ESELF);
	else
		return t;
	return NULL;
}

static void
cmd_purr(struct cmd_ctx *c)
{
	struct proto_str	 parts[3] = { PROTO_STR("purr"),
				    member_alias(c->member), c->req->body };
	struct member		*t;
	struct msg		*msg;

	if ((t = cmd_target(c)) == NULL)
		return;
	if ((msg = msg_join(parts, 3)) == NULL) {
		cmd_error(c, ROOM_ENOMEM);
		return;
	}
	room_tell(t->conn, msg);
	cmd_ack(c);
}

/* 1 if c's member may kick, rekey and stop; answers notallowed if not. */
static int
cmd_moderates(struct cmd_ctx *c)
{
	const struct room	*room = c->member->room;

	if (room->mode == PROTO_OWNER && room->moderator != c->member) {
		cmd_error(c, PROTO_ENOTALLOWED);
		return 0;
	}
	return 1;
}

/*
 * Version 2: OLDKEY must still be the room's key (two moderators racing: the
 * first frame the relay reads wins, the other is stale), then the room moves
 * to NEWKEY. Answers the error and returns -1 if not.
 */
static int
cmd_move(struct cmd_ctx *c)
{
	struct room	*room = c->member->room;
	int		 rc;

	if (!key_equal(room->key, c->req->key.p)) {
		cmd_error(c, PROTO_ESTALE);
		return -1;
	}
	if ((rc = room_move(c->tab, room, &c->req->newkey)) != 0) {
		cmd_error(c, rc);
		return -1;
	}
	return 0;
}

/* `rekey FROM BODY` to every member but the sender, who gets `ack ID`. */
static void
cmd_rekeyed(struct cmd_ctx *c)
{
	struct proto_str	parts[3] = { PROTO_STR("rekey"),
				    member_alias(c->member), c->req->body };

	room_send(c->member->room, c->member, msg_join(parts, 3));
	cmd_ack(c);
}

/*
 * Everyone, victim included, hears `kicked`; then the victim is unlinked at
 * once so that no later fan-out reaches its closing conn. In version 2 the
 * room has moved to a key the victim never learns before anyone hears.
 */
static void
cmd_kick(struct cmd_ctx *c)
{
	struct member		*t;
	struct conn		*conn;
	struct proto_str	 parts[3] = { PROTO_STR("kicked"),
				    PROTO_STR(""), member_alias(c->member) };
	int			 v2 = c->req->newkey.len > 0;

	if (!cmd_moderates(c) || (t = cmd_target(c)) == NULL)
		return;
	if (v2 && cmd_move(c) == -1)
		return;
	parts[1] = member_alias(t);
	room_send(t->room, NULL, msg_join(parts, 3));
	conn = t->conn;
	room_leave(c->tab, t, 0, NULL);
	conn_close_async(conn, CLOSE_KICKED);
	if (v2)
		cmd_rekeyed(c);
}

static void
cmd_rekey(struct cmd_ctx *c)
{
	if (cmd_moderates(c) && cmd_move(c) == 0)
		cmd_rekeyed(c);
}

static void
cmd_ping(struct cmd_ctx *c)
{
	struct proto_str	parts[2] = { PROTO_STR("pong"), c->req->id };

	room_tell(c->conn, msg_join(parts, 2));
}

static void
cmd_stop(struct cmd_ctx *c)
{
	struct room		*room = c->member->room;
	struct member		*m;
	struct msg		*msg;
	struct proto_str	 parts[2] = { PROTO_STR("stopped"),
				    member_alias(c->member) };

	if (!cmd_moderates(c))
		return;
	/* Without memory for `stopped` the 4002 close still tells the story. */
	msg = msg_join(parts, 2);
	if (msg != NULL)
		TAILQ_FOREACH(m, &room->members, entry)
			conn_send(m->conn, msg);
	msg_unref(msg);
	room_wipe(c->tab, room, CLOSE_STOPPED);
}

static void
cmd_exit(struct cmd_ctx *c)
{
	struct conn	*conn = c->conn;

	cmd_ack(c);
	room_leave(c->tab, c->member, 1, c->req->body.len > 0 ?
	    &c->req->body : NULL);
	conn_close_async(conn, CLOSE_BYE);
}
