/* msg.h: an outgoing text frame, built once and shared by all its recipients. */
#ifndef CHATROOM_MSG_H
#define CHATROOM_MSG_H

#include <stddef.h>

struct msg {
	unsigned	 refs;
	size_t		 len;
	unsigned char	 data[];	/* len bytes, wiped when the last ref goes */
};

/* Returns a message of len bytes (contents unset) holding one reference, or NULL. */
struct msg	*msg_new(size_t len);
/* Joins n strings with single spaces: msg_join(3, "msg", alias, body). NULL on ENOMEM. */
struct msg	*msg_join(int n, ...);
struct msg	*msg_ref(struct msg *);
/* Drops one reference; the last one wipes and frees. msg_unref(NULL) is a no-op. */
void		 msg_unref(struct msg *);

#endif
