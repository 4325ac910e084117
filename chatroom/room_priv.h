/*
 * room_priv.h: the room table's insides, for room.c and the command layer
 * (cmd.c) that works on them. The fuzzers include it to check the table
 * whole; everyone else uses room.h and cmd.h.
 */
#ifndef CHATROOM_ROOM_PRIV_H
#define CHATROOM_ROOM_PRIV_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "common/key.h"
#include "alias.h"
#include "proto.h"

struct conn;
struct msg;
struct room_table;

/* Returned with the negative enum proto_error codes: out of memory. */
#define ROOM_ENOMEM	(-128)

/* Keys a room has moved away from and still knows, for resume only. */
#define ROOM_RETIRED	4

struct member {
	TAILQ_ENTRY(member)	 entry;		/* in join order */
	struct room		*room;		/* not owned */
	struct conn		*conn;		/* not owned */
	size_t			 aliaslen;
	char			 alias[PROTO_ALIAS_MAX + 1];
	struct alias_key	 skel;		/* what alias_same compares */
	char			 token[KEY_LEN + 1];
};

TAILQ_HEAD(member_list, member);

/*
 * A key the room was moved away from (room_move). Only a resume with a valid
 * TOKEN finds the room by it; it stays taken for create and rekey.
 */
struct retired {
	struct retired		*next;		/* hash chain of retired keys */
	uint64_t		 hash;
	struct room		*room;		/* not owned: the holder */
	char			 key[KEY_LEN + 1];
};

struct room {
	struct room		*next;		/* hash chain */
	uint64_t		 hash;
	int			 version;	/* PROTO_V1, PROTO_V2 */
	struct member_list	 members;
	size_t			 nmembers;
	enum proto_mode		 mode;
	struct member		*moderator;	/* owner mode only; not owned */
	char			 key[KEY_LEN + 1];
	struct retired		 retired[ROOM_RETIRED];	/* a ring */
	size_t			 nretired, oldest;
};

struct room	*room_find(struct room_table *, const struct proto_str *key);
/* The room that retired key, or NULL. */
struct room	*room_find_retired(struct room_table *,
		    const struct proto_str *key);
/*
 * Gives room the key newkey and retires its current one (the oldest retired
 * key is forgotten when ROOM_RETIRED are kept), in one step. Returns 0, or
 * PROTO_EEXISTS with nothing changed when newkey is a room's key, current or
 * retired. Allocates nothing.
 */
int		 room_move(struct room_table *, struct room *,
		    const struct proto_str *newkey);
/*
 * Makes room req->key of req->version with conn as its only member (*out) and
 * moderator in owner mode. Returns 0, PROTO_EEXISTS (a retired key too),
 * PROTO_ETOOMANYROOMS, PROTO_EROOMFULL or ROOM_ENOMEM; nothing changed unless
 * 0. Calls conn_set_member().
 */
int		 room_create(struct member **out, struct room_table *,
		    struct conn *, const struct proto_req *req);
/*
 * Appends a member; 0, PROTO_EROOMFULL or ROOM_ENOMEM. Calls
 * conn_set_member().
 */
int		 room_join(struct member **out, struct room_table *,
		    struct room *, struct conn *,
		    const struct proto_str *alias);
/*
 * The member whose alias is the same name as alias (alias_same: equal
 * skeletons), or NULL; NULL too if alias has no key (ICU failed).
 */
struct member	*room_member(struct room *, const struct proto_str *alias);
/*
 * Removes m: conn_set_member(m->conn, NULL), frees m, and the room if it was
 * the last member. Otherwise, if announce, the rest get `left ALIAS [farewell]`
 * (farewell may be NULL), then `moderator X` if m moderated. m's conn is not
 * closed here: callers close it after, so that the conn no longer has a member
 * when it starts closing.
 */
void		 room_leave(struct room_table *, struct member *m, int announce,
		    const struct proto_str *farewell);
/*
 * Unlinks every member (conn_set_member(conn, NULL)), then closes its conn
 * with why; frees the room.
 */
void		 room_wipe(struct room_table *, struct room *,
		    enum proto_close);

/* The welcome frame for m; NULL when out of memory. */
struct msg	*room_welcome(const struct member *m);
struct proto_str member_alias(const struct member *);
/*
 * Sends msg to every member but except (may be NULL) and drops the caller's
 * reference. A NULL msg (allocation failed) closes those members with 1011:
 * they would otherwise miss an event and hold a wrong picture of the room.
 */
void		 room_send(struct room *, const struct member *except,
		    struct msg *msg);
/* As room_send for one conn. */
void		 room_tell(struct conn *, struct msg *msg);

#endif
