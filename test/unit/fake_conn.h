/*
 * fake_conn.h: the unit tests' stand-in for conn.c behind sink.h
 * (test/unit/fake_conn.c). Each fake records what it is sent and asked, one
 * line each, so a test compares a conn's whole history with one string.
 */
#ifndef TEST_UNIT_FAKE_CONN_H
#define TEST_UNIT_FAKE_CONN_H

struct conn;
struct member;

/* A fresh fake; fake_conn_free_all() frees it with every other. */
struct conn	*fake_conn_new(void);
void		 fake_conn_free_all(void);
/* The member conn_set_member() last gave c, or NULL. */
struct member	*fake_conn_member(const struct conn *);
/* Everything c got since the last take; valid until the next take of c. */
const char	*fake_conn_take(struct conn *);
/* How many times conn_close_async() was called on c. */
int		 fake_conn_closes(const struct conn *);

#endif
