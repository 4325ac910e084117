/*
 * sink.h: what the room logic may ask of a connection. Implemented by conn.c
 * in the daemon and by test/unit/fake_conn.c in the unit tests, so room.c and
 * cmd.c never touch a socket.
 */
#ifndef CHATROOM_SINK_H
#define CHATROOM_SINK_H

#include <stdint.h>

#include "proto.h"

struct conn;
struct member;
struct msg;

/* Queues m (its own reference). On failure the conn closes itself later. */
void	conn_send(struct conn *, struct msg *);
/* A close frame after what is queued; the conn is freed later, not now. */
void	conn_close_async(struct conn *, enum proto_close);
/* Tells the conn which member it is (NULL: none any more). */
void	conn_set_member(struct conn *, struct member *);

#endif
