/*
 * cmd.h: the client commands (cmd.c: one exec function per command,
 * dispatched from a table), run on the room table of room.h.
 */
#ifndef CHATROOM_CMD_H
#define CHATROOM_CMD_H

#include <stddef.h>

struct conn;
struct member;
struct room_table;

/*
 * Executes one complete client text frame from conn, which is member (NULL
 * before create/join). Replies, fan-out and closes happen through sink.h.
 */
void	cmd_exec(struct room_table *, struct conn *, struct member *,
	    const char *frame, size_t len);
/*
 * Refuses a frame that will not run (err: PROTO_EFLOOD) with `error CODE`,
 * `error CODE ID` when the frame carried a valid ID.
 */
void	cmd_refuse(struct conn *, struct member *, const char *frame,
	    size_t len, int err);

#endif
