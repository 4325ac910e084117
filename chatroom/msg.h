/*
 * msg.h: an outgoing frame, encoded once and shared by all its recipients.
 * The header is written when the msg is made, so sending is only a writev of
 * the same bytes to every queue that holds a reference.
 */
#ifndef CHATROOM_MSG_H
#define CHATROOM_MSG_H

#include <stddef.h>

#include "proto.h"

#define MSG_HEADER_MAX	10	/* FIN|text, 127, 64-bit length; never masked */

struct msg {
	unsigned	 refs;
	size_t		 len;		/* payload bytes at data */
	unsigned char	*data;		/* the payload, inside frame */
	unsigned char	*frame;		/* what goes on the wire */
	size_t		 framelen;
	unsigned char	 raw[];		/* wiped when the last ref goes */
};

/*
 * A text frame of len payload bytes (contents unset, header set), one ref.
 * NULL on ENOMEM.
 */
struct msg	*msg_new(size_t len);
/* len bytes that are already framed (wslay's control frames), copied. */
struct msg	*msg_new_wire(const void *p, size_t len);
/*
 * The relay's one frame builder: the n fields joined with single spaces, as
 * every event of man/sanctuary.7 is. NULL on ENOMEM.
 */
struct msg	*msg_join(const struct proto_str *fields, size_t n);
struct msg	*msg_ref(struct msg *);
/*
 * Drops one reference; the last one wipes and frees. msg_unref(NULL) is a
 * no-op.
 */
void		 msg_unref(struct msg *);

#endif
