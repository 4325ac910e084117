/*
 * buf.h: a growable byte buffer for chat data; wiped whenever it lets go of
 * memory.
 */
#ifndef COMMON_BUF_H
#define COMMON_BUF_H

#include <stddef.h>

struct buf {
	unsigned char	*data;
	size_t		 len, cap;
};

void	buf_init(struct buf *);
/* Appends n bytes; -1 if that would pass max bytes or on ENOMEM. */
int	buf_append(struct buf *, const void *p, size_t n, size_t max);
/* Empties the buffer, wiping the bytes it held; keeps the memory. */
void	buf_clear(struct buf *);
/* Wipes and frees. */
void	buf_release(struct buf *);

#endif
