/*
 * test_room2.c: version 2 of the relay protocol in the room logic (cmd.c,
 * room.c) with the fake conns of test_room.c: IDs and acks, ping, rekey and
 * kick with rekey, retired keys, the races two moderators can run.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>
#include <sodium.h>

#include "chatroom/cmd.h"
#include "chatroom/room.h"
#include "chatroom/room_priv.h"
#include "common/key.h"

#include "fake_conn.h"
#include "room_fixture.h"
#include "unit.h"

#define K1	"xWqn-nCtemuA0e9BUnlt8Q"
#define K2	"aE967PGYEip9QOQTh9f4sA"
#define K3	"UBGVz-7IjfT6jkmb3c5NBw"
#define K4	"mdCdvZbOxvjzlOi6xiCdFQ"
#define K5	"AAAAAAAAAAAAAAAAAAAAAA"
#define K6	"AAAAAAAAAAAAAAAAAAAAAQ"

/* A conn that sends frame (printf-style key and alias) and is welcomed. */
static struct conn *
enter(const char *frame, const char *rest, char *tok)
{
	struct conn	*c = fake_conn_new();

	say(c, frame);
	got_welcome(c, rest, tok);
	return c;
}

/* Room K1 of version 2 in mode: alice, bob (token tb), carol. */
static void
three(struct conn **a, struct conn **b, struct conn **c, const char *mode,
    char *tb)
{
	char	frame[128], rest[128];
	const char *mod = strcmp(mode, "owner") == 0 ? "alice" : "*";

	snprintf(frame, sizeof(frame), "create 2 " K1 " alice %s", mode);
	snprintf(rest, sizeof(rest), "%s %s alice", mode, mod);
	*a = enter(frame, rest, NULL);
	snprintf(rest, sizeof(rest), "%s %s alice bob", mode, mod);
	*b = enter("join 2 " K1 " bob", rest, tb);
	got(*a, "joined bob\n");
	snprintf(rest, sizeof(rest), "%s %s alice bob carol", mode, mod);
	*c = enter("join 2 " K1 " carol", rest, NULL);
	got(*a, "joined carol\n");
	got(*b, "joined carol\n");
}

START_TEST(test_versions)
{
	struct conn	*a, *x, *v1;

	x = fake_conn_new();
	say(x, "ping 1");
	got(x, "pong 1\n");
	say(x, "join 2 " K1 " bob");
	got(x, "error noroom\n");
	a = enter("create 2 " K1 " alice owner", "owner alice alice", NULL);
	v1 = enter("create 1 " K2 " vic owner", "owner vic vic", NULL);
	/* A room keeps the version it was made with. */
	say(x, "join 1 " K1 " bob");
	got(x, "error roomversion\n");
	say(x, "join 2 " K2 " bob");
	got(x, "error roomversion\n");
	say(x, "join 3 " K1 " bob");
	got(x, "error version\n");
	ck_assert_ptr_null(fake_conn_member(x));
	/* Each room reads frames by its own grammar. */
	say(a, "ping 77");
	got(a, "pong 77\n");
	say(v1, "ping 77");
	got(v1, "error badcommand\n");
	say(v1, "msg 1 hi");
	got(v1, "error badbody\n");
	say(a, "msg hi");
	got(a, "error badcommand\n");
	say(a, "kick bob");
	got(a, "error badcommand\n");
	say(a, "stop 1");
	got(a, "error badcommand\n");
	/* Before create/join, a version 2 frame is judged as one. */
	say(x, "msg 7 hi");
	got(x, "error notjoined 7\n");
	say(x, "msg hi");
	got(x, "error notjoined\n");
	say(x, "ping 0");
	got(x, "error badid\n");
	say(x, "rekey 8 " K1 " " K3 " x");
	got(x, "error notjoined 8\n");
	ck_assert_uint_eq(rooms_members(tab), 2);
}
END_TEST

START_TEST(test_ack)
{
	struct conn	*a, *b, *c;

	three(&a, &b, &c, "owner", NULL);
	say(b, "msg 1 aGk");
	got(b, "ack 1\n");
	got(a, "msg bob aGk\n");
	got(c, "msg bob aGk\n");
	say(b, "purr 9007199254740991 carol cHNzdA");
	got(b, "ack 9007199254740991\n");
	got(c, "purr bob cHNzdA\n");
	got(a, "");
	say(c, "exit 3 Ynll");
	got(c, "ack 3\nclose 1000 bye\n");
	got(a, "left carol Ynll\n");
	got(b, "left carol Ynll\n");
	say(b, "exit 4");
	got(b, "ack 4\nclose 1000 bye\n");
	got(a, "left bob\n");
	ck_assert_uint_eq(rooms_members(tab), 1);
}
END_TEST

/* A refused frame that carried a valid ID is answered `error CODE ID`. */
START_TEST(test_error_id)
{
	struct conn	*a, *b, *c;

	three(&a, &b, &c, "owner", NULL);
	say(b, "msg 5 a b");
	got(b, "error badbody 5\n");
	say(b, "msg 5");
	got(b, "error badcommand 5\n");
	say(b, "msg 05 x");
	got(b, "error badid\n");
	say(b, "msg 9007199254740992 x");
	got(b, "error badid\n");
	say(b, "purr 6 zed x");
	got(b, "error nosuchmember 6\n");
	say(b, "purr 6 BOB x");
	got(b, "error self 6\n");
	say(b, "rekey 7 " K1 " " K2 " x");
	got(b, "error notallowed 7\n");
	say(b, "kick 8 carol " K1 " " K2 " x");
	got(b, "error notallowed 8\n");
	say(b, "create 2 " K2 " x owner");
	got(b, "error joined\n");
	got(a, "");
	got(c, "");
}
END_TEST

START_TEST(test_rekey)
{
	struct conn	*a, *b, *c, *x;
	char		 tb[KEY_LEN + 1], frame[128];

	three(&a, &b, &c, "owner", tb);
	say(a, "rekey 1 " K1 " " K2 " c2VhbA");
	got(a, "ack 1\n");
	got(b, "rekey alice c2VhbA\n");
	got(c, "rekey alice c2VhbA\n");
	ck_assert_uint_eq(rooms_count(tab), 1);
	/* The old key is gone for a plain join and for create. */
	x = fake_conn_new();
	say(x, "join 2 " K1 " dave");
	got(x, "error noroom\n");
	say(x, "join 2 " K1 " bob");
	got(x, "error noroom\n");
	say(x, "join 2 " K1 " bob " K3);
	got(x, "error noroom\n");
	say(x, "create 2 " K1 " dave owner");
	got(x, "error exists\n");
	say(x, "create 1 " K1 " dave owner");
	got(x, "error exists\n");
	/* The new key lets in. */
	x = enter("join 2 " K2 " dave", "owner alice alice bob carol dave",
	    NULL);
	got(a, "joined dave\n");
	got(b, "joined dave\n");
	got(c, "joined dave\n");
	/* A member cut off across the move resumes with the old key. */
	snprintf(frame, sizeof(frame), "join 2 " K1 " bob %s", tb);
	b = enter(frame, "owner alice alice bob carol dave", NULL);
	say(a, "msg 2 aGk");
	got(a, "ack 2\n");
	got(b, "msg alice aGk\n");
	got(c, "msg alice aGk\n");
	got(x, "msg alice aGk\n");
}
END_TEST

/* Two moderators move at once: the first frame read wins, the other stale. */
START_TEST(test_rekey_race)
{
	struct conn	*a, *b, *c, *x;

	three(&a, &b, &c, "everyone", NULL);
	say(a, "rekey 10 " K1 " " K2 " YQ");
	say(b, "rekey 20 " K1 " " K3 " Yg");
	got(a, "ack 10\n");
	got(b, "rekey alice YQ\nerror stale 20\n");
	got(c, "rekey alice YQ\n");
	x = fake_conn_new();
	say(x, "join 2 " K3 " dave");
	got(x, "error noroom\n");
	/* NEWKEY naming a live room, or the room itself: exists. */
	enter("create 2 " K4 " zed owner", "owner zed zed", NULL);
	say(b, "rekey 21 " K2 " " K4 " Yg");
	got(b, "error exists 21\n");
	say(b, "rekey 22 " K2 " " K2 " Yg");
	got(b, "error exists 22\n");
	say(b, "rekey 23 " K2 " " K1 " Yg");
	got(b, "error exists 23\n");
	say(b, "kick 24 carol " K2 " " K4 " Yg");
	got(b, "error exists 24\n");
	say(b, "kick 25 carol " K1 " " K5 " Yg");
	got(b, "error stale 25\n");
	got(a, "");
	got(c, "");
	ck_assert_uint_eq(rooms_members(tab), 4);
	/* Nothing moved. */
	say(x, "join 2 " K2 " dave");
	got_welcome(x, "everyone * alice bob carol dave", NULL);
}
END_TEST

START_TEST(test_kick_rekey)
{
	struct conn	*a, *b, *c, *x;
	char		 tb[KEY_LEN + 1], frame[128];

	three(&a, &b, &c, "owner", tb);
	say(a, "kick 3 bob " K1 " " K2 " c2VhbA");
	got(a, "kicked bob alice\nack 3\n");
	got(b, "kicked bob alice\nclose 4001 kicked\n");
	got(c, "kicked bob alice\nrekey alice c2VhbA\n");
	ck_assert_ptr_null(fake_conn_member(b));
	ck_assert_uint_eq(rooms_members(tab), 2);
	/* The victim's old link and token are dead. */
	x = fake_conn_new();
	snprintf(frame, sizeof(frame), "join 2 " K1 " bob %s", tb);
	say(x, frame);
	got(x, "error noroom\n");
	say(x, "join 2 " K1 " bob");
	got(x, "error noroom\n");
	say(a, "msg 4 aGk");
	got(a, "ack 4\n");
	got(c, "msg alice aGk\n");
	got(x, "");
	/* Errors: the target first, then the keys. */
	say(a, "kick 5 zed " K2 " " K3 " x");
	got(a, "error nosuchmember 5\n");
	say(a, "kick 6 alice " K2 " " K3 " x");
	got(a, "error self 6\n");
	say(a, "kick 7 carol " K1 " " K3 " x");
	got(a, "error stale 7\n");
	got(c, "");
}
END_TEST

/* At most ROOM_RETIRED old keys resume; the oldest is forgotten. */
START_TEST(test_retired_ring)
{
	static const char *const keys[] = { K1, K2, K3, K4, K5, K6 };
	struct conn	*a, *b, *c, *x;
	char		 tb[KEY_LEN + 1], frame[128];
	size_t		 i;

	three(&a, &b, &c, "owner", tb);
	for (i = 1; i < 6; i++) {
		snprintf(frame, sizeof(frame), "rekey %zu %s %s x", i,
		    keys[i - 1], keys[i]);
		say(a, frame);
		snprintf(frame, sizeof(frame), "ack %zu\n", i);
		got(a, frame);
	}
	got(b, "rekey alice x\nrekey alice x\nrekey alice x\nrekey alice x\n"
	    "rekey alice x\n");
	ck_assert_uint_eq(ROOM_RETIRED, 4);
	ck_assert_uint_eq(fake_conn_member(a)->room->nretired, 4);
	x = fake_conn_new();
	snprintf(frame, sizeof(frame), "join 2 " K1 " bob %s", tb);
	say(x, frame);
	got(x, "error noroom\n");
	/* K1 is free again: a new room may have it. */
	enter("create 2 " K1 " zed owner", "owner zed zed", NULL);
	snprintf(frame, sizeof(frame), "join 2 " K2 " bob %s", tb);
	say(x, frame);
	got_welcome(x, "owner alice alice bob carol", NULL);
	got(b, "close 4004 replaced\n");
	/* The last one out takes the retired keys along. */
	say(a, "stop");
	ck_assert_uint_eq(rooms_count(tab), 1);
	enter("create 2 " K3 " yan owner", "owner yan yan", NULL);
	enter("create 2 " K5 " wu owner", "owner wu wu", NULL);
}
END_TEST

/* room_move straight: nothing changes on a refusal; lookups follow. */
START_TEST(test_room_move)
{
	struct conn		*a;
	struct room		*room;
	struct proto_str	 k1 = { K1, KEY_LEN }, k2 = { K2, KEY_LEN };
	struct proto_str	 k3 = { K3, KEY_LEN };

	a = enter("create 2 " K1 " alice owner", "owner alice alice", NULL);
	enter("create 2 " K2 " bob owner", "owner bob bob", NULL);
	room = fake_conn_member(a)->room;
	ck_assert_int_eq(room_move(tab, room, &k2), PROTO_EEXISTS);
	ck_assert_int_eq(room_move(tab, room, &k1), PROTO_EEXISTS);
	ck_assert_ptr_eq(room_find(tab, &k1), room);
	ck_assert_uint_eq(room->nretired, 0);
	ck_assert_int_eq(room_move(tab, room, &k3), 0);
	ck_assert_ptr_eq(room_find(tab, &k3), room);
	ck_assert_ptr_null(room_find(tab, &k1));
	ck_assert_ptr_eq(room_find_retired(tab, &k1), room);
	ck_assert_ptr_null(room_find_retired(tab, &k3));
	ck_assert_str_eq(room->key, K3);
	ck_assert_int_eq(room_move(tab, room, &k1), PROTO_EEXISTS);
	ck_assert_uint_eq(rooms_count(tab), 2);
}
END_TEST

/* Moves survive the table's growth (rooms and retired keys rehashed). */
START_TEST(test_move_grow)
{
	struct room_limits	 big = { 64, 2 };
	struct room_table	*t2;
	struct conn		*c;
	struct proto_str	 k, nk;
	char			 keys[40][KEY_LEN + 1], frame[1024];
	unsigned char		 raw[16];
	size_t			 i;

	t2 = rooms_new(&big);
	ck_assert_ptr_nonnull(t2);
	for (i = 0; i < 40; i++) {
		memset(raw, 0, sizeof(raw));
		raw[0] = (unsigned char)i;
		raw[1] = 0x5a;
		sodium_bin2base64(keys[i], sizeof(keys[i]), raw, sizeof(raw),
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	}
	for (i = 0; i < 20; i++) {
		c = fake_conn_new();
		snprintf(frame, sizeof(frame), "create 2 %s a owner", keys[i]);
		cmd_exec(t2, c, NULL, frame, strlen(frame));
		k = (struct proto_str){ keys[i], KEY_LEN };
		nk = (struct proto_str){ keys[20 + i], KEY_LEN };
		ck_assert_int_eq(room_move(t2, room_find(t2, &k), &nk), 0);
	}
	for (i = 0; i < 20; i++) {
		k = (struct proto_str){ keys[i], KEY_LEN };
		nk = (struct proto_str){ keys[20 + i], KEY_LEN };
		ck_assert_ptr_nonnull(room_find(t2, &nk));
		ck_assert_ptr_eq(room_find_retired(t2, &k),
		    room_find(t2, &nk));
		ck_assert_ptr_null(room_find(t2, &k));
	}
	rooms_free(t2);
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("room2");
	TCase	*tc;

	tc = tcase_create("room2");
	tcase_add_checked_fixture(tc, room_fixture_setup,
	    room_fixture_teardown);
	tcase_add_test(tc, test_versions);
	tcase_add_test(tc, test_ack);
	tcase_add_test(tc, test_error_id);
	tcase_add_test(tc, test_rekey);
	tcase_add_test(tc, test_rekey_race);
	tcase_add_test(tc, test_kick_rekey);
	tcase_add_test(tc, test_retired_ring);
	tcase_add_test(tc, test_room_move);
	tcase_add_test(tc, test_move_grow);
	suite_add_tcase(s, tc);
	return s;
}
