/* buf.c: growable byte buffers that wipe every byte they let go of. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"

void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

/* Grows by moving into a fresh allocation: realloc could leave a copy
 * behind. */
static int
buf_grow(struct buf *b, size_t need)
{
	unsigned char	*n;
	size_t		 cap = b->cap ? b->cap : 256;

	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if ((n = malloc(cap)) == NULL)
		return -1;
	if (b->len > 0)
		memcpy(n, b->data, b->len);
	if (b->data != NULL) {
		sodium_memzero(b->data, b->cap);
		free(b->data);
	}
	b->data = n;
	b->cap = cap;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n, size_t max)
{
	if (n == 0)
		return 0;
	if (n > max || b->len > max - n)
		return -1;
	if (b->len + n > b->cap && buf_grow(b, b->len + n) == -1)
		return -1;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

void
buf_clear(struct buf *b)
{
	if (b->data != NULL)
		sodium_memzero(b->data, b->len);
	b->len = 0;
}

void
buf_release(struct buf *b)
{
	if (b->data != NULL) {
		sodium_memzero(b->data, b->cap);
		free(b->data);
	}
	buf_init(b);
}
