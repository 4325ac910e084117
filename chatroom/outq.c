/* outq.c: the write path: shared frames, many per system call (see outq.h). */
#include <stdlib.h>
#include <sys/uio.h>

#include "msg.h"
#include "outq.h"
#include "transport.h"

#define OUTQ_MIN_CAP	8
/* Frames per write; loopback takes 16 and more at once. */
#define OUTQ_IOV	64

static struct outq_ent *
outq_at(const struct outq *q, uint32_t i)
{
	return &q->ent[(q->head + i) & (q->cap - 1)];
}

/* Doubles the ring, unwrapping it; cap stays a power of two. */
static int
outq_grow(struct outq *q)
{
	struct outq_ent	*ent;
	uint32_t	 cap = q->cap ? q->cap * 2 : OUTQ_MIN_CAP, i;

	if (cap == 0 || (ent = calloc(cap, sizeof(*ent))) == NULL)
		return -1;
	for (i = 0; i < q->count; i++)
		ent[i] = *outq_at(q, i);
	free(q->ent);
	q->ent = ent;
	q->cap = cap;
	q->head = 0;
	return 0;
}

int
outq_push(struct outq *q, struct msg *m)
{
	struct outq_ent	*e;

	if (q->count == q->cap && outq_grow(q) == -1)
		return -1;
	e = outq_at(q, q->count++);
	e->m = msg_ref(m);
	e->off = 0;
	q->bytes += m->framelen;
	return 0;
}

static void
outq_pop(struct outq *q)
{
	struct outq_ent	*e = outq_at(q, 0);

	msg_unref(e->m);
	e->m = NULL;
	q->head = (q->head + 1) & (q->cap - 1);
	q->count--;
}

/* Moves the head on by n written bytes. */
static void
outq_consume(struct outq *q, size_t n)
{
	q->bytes -= n;
	while (n > 0) {
		struct outq_ent	*e = outq_at(q, 0);
		size_t		 left = e->m->framelen - e->off;

		if (n < left) {
			e->off += n;
			return;
		}
		n -= left;
		outq_pop(q);
	}
}

int
outq_write(struct outq *q, struct transport *t)
{
	struct iovec	 iov[OUTQ_IOV];
	ssize_t		 n;
	size_t		 want;
	uint32_t	 i, k;

	while (q->count > 0) {
		k = q->count < OUTQ_IOV ? q->count : OUTQ_IOV;
		for (i = 0, want = 0; i < k; i++) {
			struct outq_ent	*e = outq_at(q, i);

			iov[i].iov_base = e->m->frame + e->off;
			iov[i].iov_len = e->m->framelen - e->off;
			want += iov[i].iov_len;
		}
		n = transport_writev(t, iov, (int)k);
		if (n == TRANSPORT_AGAIN)
			return 0;
		if (n < 0)
			return -1;
		outq_consume(q, (size_t)n);
		if ((size_t)n < want)
			return 0;
	}
	return 0;
}

void
outq_drop_unstarted(struct outq *q)
{
	uint32_t	keep = q->count > 0 && outq_at(q, 0)->off > 0;

	while (q->count > keep) {
		struct outq_ent	*e = outq_at(q, q->count - 1);

		q->bytes -= e->m->framelen - e->off;
		msg_unref(e->m);
		e->m = NULL;
		q->count--;
	}
}

void
outq_trim(struct outq *q)
{
	if (q->count > 0)
		return;
	free(q->ent);
	q->ent = NULL;
	q->cap = q->head = 0;
	q->bytes = 0;
}

void
outq_release(struct outq *q)
{
	while (q->count > 0)
		outq_pop(q);
	outq_trim(q);
}
