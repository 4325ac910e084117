/*
 * room.h: the room table. Rooms live in RAM, keyed by room key, while one
 * member is in them; the last member out wipes and frees the room. All
 * effects on connections go through sink.h; client frames reach the table
 * through cmd.h. Protocol: man/sanctuary.7.
 */
#ifndef CHATROOM_ROOM_H
#define CHATROOM_ROOM_H

#include <stddef.h>

struct member;
struct room_table;

struct room_limits {
	size_t	max_rooms;	/* --max-rooms */
	size_t	max_members;	/* --max-members, per room */
};

struct room_table	*rooms_new(const struct room_limits *);
/*
 * Wipes and frees every room; members' conns are not told (see
 * rooms_shutdown).
 */
void			 rooms_free(struct room_table *);
/* Sends close 1001 to every member's conn and empties the table. */
void			 rooms_shutdown(struct room_table *);
size_t			 rooms_count(const struct room_table *);
size_t			 rooms_members(const struct room_table *);
/* conn of member is gone without exit: tell the others `left ALIAS`. */
void			 rooms_drop(struct room_table *, struct member *);

#endif
