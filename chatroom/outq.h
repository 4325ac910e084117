/*
 * outq.h: a connection's output: references to shared, already encoded frames,
 * written with one vectored write (sendmsg) carrying many frames per loop
 * turn. The ring is allocated on the first push and given back by outq_trim()
 * once drained (the relay's tick does it), so an idle connection holds no
 * output memory.
 */
#ifndef CHATROOM_OUTQ_H
#define CHATROOM_OUTQ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct msg;
struct transport;

struct outq_ent {
	struct msg	*m;
	size_t		 off;		/* bytes of m->frame already written */
};

struct outq {
	struct outq_ent	*ent;		/* ring of cap entries, or NULL */
	uint32_t	 head, count, cap;
	size_t		 bytes;		/* not yet written */
};

/* Queues m, taking a reference of its own. -1 on ENOMEM. */
int	outq_push(struct outq *, struct msg *);
/*
 * Writes from the head until empty or the transport is full. -1: the stream
 * is dead. Bytes not written stay in place, first (transport.h asks it).
 */
int	outq_write(struct outq *, struct transport *);
/* Drops every frame not yet begun; one begun stays, to end whole. */
void	outq_drop_unstarted(struct outq *);
/* Gives back the ring if nothing is queued. */
void	outq_trim(struct outq *);
/* Drops everything and frees the ring. */
void	outq_release(struct outq *);

#endif
