/* msg.c: shared, reference-counted outgoing frames; wiped on release. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "msg.h"

static struct msg *
msg_alloc(size_t rawlen)
{
	struct msg *m;

	if (rawlen > SIZE_MAX - sizeof(*m))
		return NULL;
	if ((m = malloc(sizeof(*m) + rawlen)) == NULL)
		return NULL;
	m->refs = 1;
	return m;
}

/* RFC 6455 5.2: the shortest length encoding; the server never masks. */
static size_t
msg_header(unsigned char *h, size_t len)
{
	int	i;

	h[0] = 0x81;
	if (len < 126) {
		h[1] = (unsigned char)len;
		return 2;
	}
	if (len < 65536) {
		h[1] = 126;
		h[2] = (unsigned char)(len >> 8);
		h[3] = (unsigned char)len;
		return 4;
	}
	h[1] = 127;
	for (i = 0; i < 8; i++)
		h[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	return 10;
}

struct msg *
msg_new(size_t len)
{
	unsigned char	 h[MSG_HEADER_MAX];
	struct msg	*m;
	size_t		 hlen;

	if (len > SIZE_MAX - MSG_HEADER_MAX ||
	    (m = msg_alloc(MSG_HEADER_MAX + len)) == NULL)
		return NULL;
	hlen = msg_header(h, len);
	m->len = len;
	m->data = m->raw + MSG_HEADER_MAX;
	m->frame = m->data - hlen;
	m->framelen = hlen + len;
	memcpy(m->frame, h, hlen);
	return m;
}

struct msg *
msg_new_wire(const void *p, size_t len)
{
	struct msg	*m;

	if ((m = msg_alloc(len)) == NULL)
		return NULL;
	m->len = m->framelen = len;
	m->data = m->frame = m->raw;
	memcpy(m->raw, p, len);
	return m;
}

struct msg *
msg_join(const struct proto_str *fields, size_t n)
{
	struct msg	*m;
	size_t		 len = 0, off = 0, i;

	for (i = 0; i < n; i++) {
		if (fields[i].len > SIZE_MAX - len - 1)
			return NULL;
		len += fields[i].len + (i > 0);
	}
	if ((m = msg_new(len)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (i > 0)
			m->data[off++] = ' ';
		memcpy(m->data + off, fields[i].p, fields[i].len);
		off += fields[i].len;
	}
	return m;
}

struct msg *
msg_ref(struct msg *m)
{
	m->refs++;
	return m;
}

void
msg_unref(struct msg *m)
{
	if (m == NULL || --m->refs > 0)
		return;
	sodium_memzero(m->raw, (size_t)(m->frame - m->raw) + m->framelen);
	free(m);
}
