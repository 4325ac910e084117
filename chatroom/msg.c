/* msg.c: shared, reference-counted outgoing frames; wiped on release. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "msg.h"

struct msg *
msg_new(size_t len)
{
	struct msg *m;

	if (len > SIZE_MAX - sizeof(*m))
		return NULL;
	if ((m = malloc(sizeof(*m) + len)) == NULL)
		return NULL;
	m->refs = 1;
	m->len = len;
	return m;
}

struct msg *
msg_join(int n, ...)
{
	va_list		 ap;
	struct msg	*m;
	size_t		 len = 0, off = 0;
	int		 i;

	va_start(ap, n);
	for (i = 0; i < n; i++)
		len += strlen(va_arg(ap, const char *)) + (i > 0);
	va_end(ap);
	if ((m = msg_new(len)) == NULL)
		return NULL;
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		const char	*s = va_arg(ap, const char *);
		size_t		 sl = strlen(s);

		if (i > 0)
			m->data[off++] = ' ';
		memcpy(m->data + off, s, sl);
		off += sl;
	}
	va_end(ap);
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
	sodium_memzero(m->data, m->len);
	free(m);
}
