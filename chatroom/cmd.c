/*
 * cmd.c: one function per client command, dispatched from a table (as tmux's
 * cmd-*.c). A frame is parsed first, so a malformed frame gets its syntax error
 * whatever the state; then the table says whether the command needs a member;
 * then the command checks its own conditions and either answers `error CODE`
 * with nothing changed or does all of its work.
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
	int	  joined;	/* 1: only as a member, 0: only before */
	void	(*exec)(struct cmd_ctx *);
};

static void	cmd_create(struct cmd_ctx *);
static void	cmd_join(struct cmd_ctx *);
static void	cmd_msg(struct cmd_ctx *);
static void	cmd_purr(struct cmd_ctx *);
static void	cmd_kick(struct cmd_ctx *);
static void	cmd_stop(struct cmd_ctx *);
static void	cmd_exit(struct cmd_ctx *);

static const struct cmd_entry cmd_table[PROTO_NCMDS] = {
	[PROTO_CREATE] =	{ 0, cmd_create },
	[PROTO_JOIN] =		{ 0, cmd_join },
	[PROTO_MSG] =		{ 1, cmd_msg },
	[PROTO_PURR] =		{ 1, cmd_purr },
	[PROTO_KICK] =		{ 1, cmd_kick },
	[PROTO_STOP] =		{ 1, cmd_stop },
	[PROTO_EXIT] =		{ 1, cmd_exit },
};

/* Answers `error CODE`, or closes 1011 for ROOM_ENOMEM. */
static void
cmd_error(struct cmd_ctx *c, int err)
{
	const char		*name;
	struct proto_str	 parts[2] = { PROTO_STR("error") };

	if ((name = proto_error_name(err)) == NULL) {
		conn_close_async(c->conn, CLOSE_INTERNAL);
		return;
	}
	parts[1] = (struct proto_str){ name, strlen(name) };
	room_tell(c->conn, msg_join(parts, 2));
}

void
cmd_exec(struct room_table *tab, struct conn *conn, struct member *m,
    const char *frame, size_t len)
{
	struct proto_req	 req;
	struct cmd_ctx		 c = { tab, conn, m, &req };
	const struct cmd_entry	*e;
	int			 rc;

	if ((rc = proto_parse(&req, frame, len)) != 0) {
		cmd_error(&c, rc);
		return;
	}
	e = &cmd_table[req.cmd];
	if (e->joined && m == NULL)
		cmd_error(&c, PROTO_ENOTJOINED);
	else if (!e->joined && m != NULL)
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
		cmd_error(c, PROTO_ENOROOM);
		return;
	}
	if ((m = room_member(room, &req->alias)) != NULL) {
		if (req->token.len == KEY_LEN && key_equal(m->token,
		    req->token.p))
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
	if ((msg = msg_join(parts, 3)) == NULL)
		cmd_error(c, ROOM_ENOMEM);
	else
		room_send(c->member->room, c->member, msg);
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
	if ((msg = msg_join(parts, 3)) == NULL)
		cmd_error(c, ROOM_ENOMEM);
	else
		room_tell(t->conn, msg);
}

/* 1 if c's member may kick and stop; answers notallowed if not. */
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
 * Everyone, victim included, hears `kicked`; then the victim is unlinked at
 * once so that no later fan-out reaches its closing conn.
 */
static void
cmd_kick(struct cmd_ctx *c)
{
	struct member		*t;
	struct conn		*conn;
	struct proto_str	 parts[3] = { PROTO_STR("kicked"),
				    PROTO_STR(""), member_alias(c->member) };

	if (!cmd_moderates(c) || (t = cmd_target(c)) == NULL)
		return;
	parts[1] = member_alias(t);
	room_send(t->room, NULL, msg_join(parts, 3));
	conn = t->conn;
	room_leave(c->tab, t, 0, NULL);
	conn_close_async(conn, CLOSE_KICKED);
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

	room_leave(c->tab, c->member, 1, c->req->body.len > 0 ?
	    &c->req->body : NULL);
	conn_close_async(conn, CLOSE_BYE);
}
