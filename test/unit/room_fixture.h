/*
 * room_fixture.h: what test_room.c and test_room2.c share: one room table
 * per test (the checked fixture), frames said by fake conns, and the checks
 * of what a conn got.
 */
#ifndef ROOM_FIXTURE_H
#define ROOM_FIXTURE_H

#include <check.h>

#include "chatroom/room.h"
#include "fake_conn.h"

/* The table of the running test; a test may swap in its own (and frees it). */
extern struct room_table	*tab;

void	room_fixture_setup(void);
void	room_fixture_teardown(void);

/* conn sends one text frame. */
void	say(struct conn *, const char *);

/*
 * Asserts that c got exactly one line, `welcome TOKEN rest`, with a canonical
 * TOKEN, which goes to tok (KEY_LEN + 1 bytes) unless tok is NULL.
 */
void	got_welcome(struct conn *, const char *, char *);

/* Asserts that c got exactly want (lines) since the last look. */
#define got(c, want)	ck_assert_str_eq(fake_conn_take(c), (want))

#endif
