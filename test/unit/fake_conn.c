/*
 * fake_conn.c: sink.h for unit tests. A fake conn records every frame it is
 * sent and every close it is asked for, one line each, in order:
 *	a frame		its text, e.g. "msg alice hi"
 *	a close		"close CODE REASON", plus " +member" if the conn
 *			still had a member then (the room logic never does that)
 * so a test compares a conn's whole history with one string. It also remembers
 * the member conn_set_member() gave it, as the daemon's conn does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatroom/msg.h"
#include "chatroom/sink.h"
#include "fake_conn.h"

struct conn {
	struct conn	*next;		/* all fakes, for fake_conn_free_all */
	struct member	*member;
	char		*log, *taken;
	size_t		 len, cap;
	int		 closes;	/* conn_close_async calls */
};

static struct conn	*fakes;

static void
fake_append(struct conn *c, const void *p, size_t n)
{
	while (c->len + n + 1 > c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		if ((c->log = realloc(c->log, c->cap)) == NULL)
			abort();
	}
	memcpy(c->log + c->len, p, n);
	c->len += n;
	c->log[c->len] = '\0';
}

struct conn *
fake_conn_new(void)
{
	struct conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		abort();
	fake_append(c, "", 0);
	c->next = fakes;
	fakes = c;
	return c;
}

void
fake_conn_free_all(void)
{
	struct conn	*c;

	while ((c = fakes) != NULL) {
		fakes = c->next;
		free(c->log);
		free(c->taken);
		free(c);
	}
}

struct member *
fake_conn_member(const struct conn *c)
{
	return c->member;
}

const char *
fake_conn_take(struct conn *c)
{
	free(c->taken);
	if ((c->taken = strdup(c->log)) == NULL)
		abort();
	c->len = 0;
	c->log[0] = '\0';
	return c->taken;
}

int
fake_conn_closes(const struct conn *c)
{
	return c->closes;
}

void
conn_send(struct conn *c, struct msg *m)
{
	/* The caller must hold a reference while it sends. */
	if (m == NULL || m->refs == 0)
		abort();
	msg_ref(m);
	fake_append(c, m->data, m->len);
	fake_append(c, "\n", 1);
	msg_unref(m);
}

void
conn_close_async(struct conn *c, enum proto_close why)
{
	unsigned	 code = proto_close_code(why);
	const char	*reason = proto_close_reason(why);
	char	line[64];
	int	n;

	/* The room logic unlinks a member before closing its conn. */
	n = snprintf(line, sizeof(line), "close %u %s%s\n", code, reason,
	    c->member != NULL ? " +member" : "");
	if (n < 0 || (size_t)n >= sizeof(line))
		abort();
	fake_append(c, line, (size_t)n);
	c->closes++;
}

void
conn_set_member(struct conn *c, struct member *m)
{
	c->member = m;
}
