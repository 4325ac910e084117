/* room_fixture.c: see room_fixture.h. */
#include <stdio.h>
#include <string.h>

#include "chatroom/cmd.h"
#include "common/key.h"

#include "room_fixture.h"

struct room_table		*tab;
static struct room_limits	 limits = { 4, 4 };

void
room_fixture_setup(void)
{
	tab = rooms_new(&limits);
	ck_assert_ptr_nonnull(tab);
}

void
room_fixture_teardown(void)
{
	rooms_free(tab);
	fake_conn_free_all();
}

void
say(struct conn *c, const char *frame)
{
	cmd_exec(tab, c, fake_conn_member(c), frame, strlen(frame));
}

void
got_welcome(struct conn *c, const char *rest, char *tok)
{
	const char	*s = fake_conn_take(c);
	char		 want[512];

	ck_assert_msg(strncmp(s, "welcome ", 8) == 0, "got \"%s\"", s);
	ck_assert_uint_ge(strlen(s), 8 + KEY_LEN);
	ck_assert(key_valid(s + 8, KEY_LEN));
	snprintf(want, sizeof(want), " %s\n", rest);
	ck_assert_str_eq(s + 8 + KEY_LEN, want);
	if (tok != NULL) {
		memcpy(tok, s + 8, KEY_LEN);
		tok[KEY_LEN] = '\0';
	}
}
