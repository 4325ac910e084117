/*
 * proto.h: the client side of the relay protocol (man/sanctuary.7, versions
 * 1 and 2) as pure functions over bytes. proto.c allocates nothing, calls no
 * library and touches no global state, so a fuzzer links it alone. Parsed
 * fields point into the frame.
 */
#ifndef CHATROOM_PROTO_H
#define CHATROOM_PROTO_H

#include <stddef.h>

#include "alias.h"

#define PROTO_V1	1
#define PROTO_V2	2
#define PROTO_VNONE	0		/* in no room yet: proto_parse_as */
#define PROTO_ID_MAX	9007199254740991ULL	/* 2^53 - 1 */
#define PROTO_ALIAS_MAX	ALIAS_MAX	/* bytes */

/* Client commands, in the order of sanctuary(7). */
enum proto_cmd {
	PROTO_CREATE,
	PROTO_JOIN,
	PROTO_MSG,
	PROTO_PURR,
	PROTO_KICK,
	PROTO_STOP,
	PROTO_EXIT,
	PROTO_PING,		/* version 2 */
	PROTO_REKEY,		/* version 2 */
	PROTO_NCMDS
};

enum proto_mode {
	PROTO_OWNER,
	PROTO_EVERYONE
};

/*
 * Every `error CODE` of the protocol; proto_error_name() gives CODE. The parser
 * returns the first seven (syntax) and PROTO_EBADID; the rest are for the room
 * logic and the conn layer (PROTO_EFLOOD).
 */
enum proto_error {
	PROTO_OK = 0,
	PROTO_EBADCOMMAND = -1,
	PROTO_EVERSION = -2,
	PROTO_EBADKEY = -3,
	PROTO_EBADALIAS = -4,
	PROTO_EBADMODE = -5,
	PROTO_EBADBODY = -6,
	PROTO_EBADTOKEN = -7,
	PROTO_ENOTJOINED = -8,
	PROTO_EJOINED = -9,
	PROTO_EEXISTS = -10,
	PROTO_ENOROOM = -11,
	PROTO_EALIASTAKEN = -12,
	PROTO_EROOMFULL = -13,
	PROTO_ETOOMANYROOMS = -14,
	PROTO_ENOSUCHMEMBER = -15,
	PROTO_ESELF = -16,
	PROTO_ENOTALLOWED = -17,
	PROTO_EFLOOD = -18,
	PROTO_EBADID = -19,
	PROTO_EROOMVERSION = -20,
	PROTO_ESTALE = -21
};

/*
 * Every close the relay sends, by name. proto.c's table gives each its wire
 * code and reason (man/sanctuary.7, Close codes); no other file spells a code.
 * CLOSE_NONE means no close is pending.
 */
enum proto_close {
	CLOSE_NONE,
	CLOSE_BYE,		/* 1000 bye: exit */
	CLOSE_SHUTDOWN,		/* 1001 shutdown: the relay stops */
	CLOSE_TEXT_ONLY,	/* 1003 text only: a binary message */
	CLOSE_FLOOD,		/* 1008 flood: over the rate limit */
	CLOSE_QUEUE,		/* 1008 queue: over --max-queue */
	CLOSE_TIMEOUT,		/* 1008 timeout: no pong */
	CLOSE_TOO_BIG,		/* 1009 too big: over --max-message */
	CLOSE_INTERNAL,		/* 1011 out of memory */
	CLOSE_KICKED,		/* 4001 kicked */
	CLOSE_STOPPED,		/* 4002 stopped */
	CLOSE_JOIN_TIMEOUT,	/* 4003 join timeout */
	CLOSE_REPLACED,		/* 4004 replaced: resumed elsewhere */
	PROTO_NCLOSES
};

/* A field of a frame: not NUL-terminated; len 0 means absent. */
struct proto_str {
	const char	*p;
	size_t		 len;
};

/* The field of a string literal: PROTO_STR("msg"). */
#define PROTO_STR(lit)	((struct proto_str){ (lit), sizeof(lit) - 1 })

/* One parsed client frame. Fields a command does not carry are absent. */
struct proto_req {
	enum proto_cmd	 cmd;
	int		 version;	/* create, join: PROTO_V1 or PROTO_V2 */
	enum proto_mode	 mode;		/* create */
	struct proto_str id;		/* version 2: msg, purr, exit, ping,
					 * rekey, kick (digits, no sign) */
	struct proto_str key;		/* create, join; rekey, kick: OLDKEY */
	struct proto_str newkey;	/* rekey, kick of version 2 */
	struct proto_str alias;		/* create, join, purr, kick */
	struct proto_str token;		/* join, optional */
	struct proto_str body;		/* msg, purr, rekey, kick of version 2;
					 * exit optional */
};

/*
 * Parses frame[0..len) by the grammar of version (PROTO_V1, PROTO_V2) into
 * req. Returns 0, or the first error found: the shape of the frame
 * (PROTO_EBADCOMMAND: unknown command, wrong field count, empty field,
 * leading, trailing or double space), then each field left to right. The last
 * field of msg, purr, exit, rekey and kick (version 2) is the rest of the
 * frame, so a space in it is PROTO_EBADBODY. On error req holds nothing
 * useful but req->id: set whenever the frame names a command that carries an
 * ID and its first field is a valid one, so that the refusal can name it.
 * PROTO_VNONE, for a conn that is in no room yet, takes a frame by version 1
 * and, when version 1 refuses it, by version 2 if that accepts it or knows
 * the command alone (ping). create and join take VERSION 1 or 2 in any grammar
 * and set req->version.
 */
int		 proto_parse_as(struct proto_req *req, int version,
		    const char *frame, size_t len);
/* proto_parse_as(req, PROTO_V1, frame, len). */
int		 proto_parse(struct proto_req *req, const char *frame,
		    size_t len);
/* 1 if s[0..len) is an ID: decimal 1..PROTO_ID_MAX, no leading zero. */
int		 proto_id_valid(const char *s, size_t len);
/* The wire CODE of a negative enum proto_error, or NULL for anything else. */
const char	*proto_error_name(int err);
/* The wire code and reason of a close; 0 and "" for CLOSE_NONE or junk. */
unsigned	 proto_close_code(enum proto_close);
const char	*proto_close_reason(enum proto_close);
/* "create", "join", ... or NULL. */
const char	*proto_cmd_name(enum proto_cmd);
/* "owner" or "everyone". */
const char	*proto_mode_name(enum proto_mode);

/* Field validators; each returns 1 if s[0..len) is valid, else 0. */
int	proto_body_valid(const char *s, size_t len);	/* BODY */

#endif
