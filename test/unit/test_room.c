/*
 * test_room.c: the room logic (room.c, cmd.c) driven through room.h with fake
 * conns (fake_conn.c) that record every frame and close, one line each. Every
 * check compares a conn's whole history since the last look, so an extra,
 * missing or reordered event fails the test.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "chatroom/cmd.h"
#include "chatroom/room.h"
#include "common/key.h"

#include "fake_conn.h"
#include "room_fixture.h"
#include "unit.h"

#define K1	"xWqn-nCtemuA0e9BUnlt8Q"
#define K2	"aE967PGYEip9QOQTh9f4sA"
#define K3	"UBGVz-7IjfT6jkmb3c5NBw"
#define K4	"mdCdvZbOxvjzlOi6xiCdFQ"
#define K5	"AAAAAAAAAAAAAAAAAAAAAA"

/* A new conn that creates room key as alias (mode owner or everyone). */
static struct conn *
creator(const char *key, const char *alias, const char *mode)
{
	struct conn	*c = fake_conn_new();
	char		 frame[128], rest[128];

	snprintf(frame, sizeof(frame), "create 1 %s %s %s", key, alias, mode);
	say(c, frame);
	snprintf(rest, sizeof(rest), "%s %s %s", mode,
	    strcmp(mode, "owner") == 0 ? alias : "*", alias);
	got_welcome(c, rest, NULL);
	ck_assert_ptr_nonnull(fake_conn_member(c));
	return c;
}

/* A new conn that sends `join 1 key alias`; its history is left unread. */
static struct conn *
joiner(const char *key, const char *alias)
{
	struct conn	*c = fake_conn_new();
	char		 frame[128];

	snprintf(frame, sizeof(frame), "join 1 %s %s", key, alias);
	say(c, frame);
	return c;
}

/* Room K1, owner mode: alice (owner), bob, carol; histories empty. */
static void
three(struct conn **a, struct conn **b, struct conn **c, const char *mode)
{
	const char	*mod = strcmp(mode, "owner") == 0 ? "alice" : "*";
	char		 rest[128];

	*a = creator(K1, "alice", mode);
	*b = joiner(K1, "bob");
	snprintf(rest, sizeof(rest), "%s %s alice bob", mode, mod);
	got_welcome(*b, rest, NULL);
	got(*a, "joined bob\n");
	*c = joiner(K1, "carol");
	snprintf(rest, sizeof(rest), "%s %s alice bob carol", mode, mod);
	got_welcome(*c, rest, NULL);
	got(*a, "joined carol\n");
	got(*b, "joined carol\n");
}

START_TEST(test_create)
{
	struct conn	*a;

	ck_assert_uint_eq(rooms_count(tab), 0);
	a = creator(K1, "alice", "owner");
	ck_assert_uint_eq(rooms_count(tab), 1);
	ck_assert_uint_eq(rooms_members(tab), 1);
	creator(K2, "alice", "everyone");
	ck_assert_uint_eq(rooms_count(tab), 2);
	ck_assert_uint_eq(rooms_members(tab), 2);
	got(a, "");
}
END_TEST

START_TEST(test_create_exists)
{
	struct conn	*a, *x;

	a = creator(K1, "alice", "owner");
	x = fake_conn_new();
	say(x, "create 1 " K1 " bob owner");
	got(x, "error exists\n");
	say(x, "create 1 " K1 " alice everyone");
	got(x, "error exists\n");
	ck_assert_ptr_null(fake_conn_member(x));
	got(a, "");
	ck_assert_uint_eq(rooms_count(tab), 1);
	ck_assert_uint_eq(rooms_members(tab), 1);
}
END_TEST

START_TEST(test_join)
{
	struct conn	*a, *b, *c, *d;
	char		 t1[KEY_LEN + 1], t2[KEY_LEN + 1];

	three(&a, &b, &c, "owner");
	ck_assert_uint_eq(rooms_members(tab), 3);
	ck_assert_uint_eq(rooms_count(tab), 1);
	d = joiner(K1, "\xc3\xa9mile");
	got_welcome(d, "owner alice alice bob carol \xc3\xa9mile", t1);
	got(a, "joined \xc3\xa9mile\n");
	got(b, "joined \xc3\xa9mile\n");
	got(c, "joined \xc3\xa9mile\n");
	/* Every welcome has its own token. */
	d = joiner(K2, "x");
	got(d, "error noroom\n");
	a = creator(K2, "x", "owner");
	d = joiner(K2, "y");
	got_welcome(d, "owner x x y", t2);
	ck_assert_str_ne(t1, t2);
}
END_TEST

START_TEST(test_join_noroom)
{
	struct conn	*x = joiner(K1, "bob");

	got(x, "error noroom\n");
	ck_assert_ptr_null(fake_conn_member(x));
	ck_assert_uint_eq(rooms_count(tab), 0);
	ck_assert_uint_eq(rooms_members(tab), 0);
}
END_TEST

START_TEST(test_alias_taken)
{
	struct conn	*a, *x;

	a = creator(K1, "Alice", "owner");
	x = joiner(K1, "Alice");
	got(x, "error aliastaken\n");
	say(x, "join 1 " K1 " alice");
	got(x, "error aliastaken\n");
	say(x, "join 1 " K1 " ALICE");
	got(x, "error aliastaken\n");
	say(x, "join 1 " K1 " aLiCe");
	got(x, "error aliastaken\n");
	ck_assert_ptr_null(fake_conn_member(x));
	got(a, "");
	/* Full case folding and look-alikes: Émile is émile is Еmile. */
	say(x, "join 1 " K1 " \xc3\x89mile");
	got_welcome(x, "owner Alice Alice \xc3\x89mile", NULL);
	x = joiner(K1, "\xc3\xa9mile");
	got(x, "error aliastaken\n");
	say(x, "join 1 " K1 " \xc3\xa9MILE");
	got(x, "error aliastaken\n");
	say(x, "join 1 " K1 " \xd0\x95\xcc\x81mile");	/* Cyrillic Е */
	got(x, "error aliastaken\n");
	say(x, "join 1 " K1 " \xd0\xb0lice");		/* Cyrillic а */
	got(x, "error aliastaken\n");
	say(x, "join 1 " K1 " Emile");
	got_welcome(x, "owner Alice Alice \xc3\x89mile Emile", NULL);
	ck_assert_uint_eq(rooms_members(tab), 3);
}
END_TEST

START_TEST(test_joined_twice)
{
	struct conn	*a, *b, *c;

	three(&a, &b, &c, "owner");
	say(b, "join 1 " K1 " bobby");
	got(b, "error joined\n");
	say(b, "create 1 " K2 " bob owner");
	got(b, "error joined\n");
	say(a, "create 1 " K1 " alice owner");
	got(a, "error joined\n");
	got(c, "");
	ck_assert_uint_eq(rooms_count(tab), 1);
	ck_assert_uint_eq(rooms_members(tab), 3);
}
END_TEST

START_TEST(test_not_joined)
{
	static const char *const frames[] = {
		"msg hi", "purr bob hi", "kick bob", "stop", "exit",
		"exit bye"
	};
	struct conn	*a, *x;
	size_t		 i;

	a = creator(K1, "bob", "everyone");
	x = fake_conn_new();
	for (i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		say(x, frames[i]);
		got(x, "error notjoined\n");
	}
	/* The frame's syntax is judged first. */
	say(x, "msg");
	got(x, "error badcommand\n");
	say(x, "msg a b");
	got(x, "error badbody\n");
	say(x, "kick *");
	got(x, "error badalias\n");
	say(x, "join 3 " K1 " x");
	got(x, "error version\n");
	say(x, "create 1 nokey x owner");
	got(x, "error badkey\n");
	say(x, "create 1 " K2 " x boss");
	got(x, "error badmode\n");
	say(x, "join 1 " K1 " x nottoken");
	got(x, "error badtoken\n");
	ck_assert_ptr_null(fake_conn_member(x));
	got(a, "");
}
END_TEST

START_TEST(test_bad_frames_as_member)
{
	struct conn	*a, *b, *c;

	three(&a, &b, &c, "owner");
	say(b, "msg  hi");
	got(b, "error badcommand\n");
	say(b, "msg hi there");
	got(b, "error badbody\n");
	say(b, "hello");
	got(b, "error badcommand\n");
	say(b, "");
	got(b, "error badcommand\n");
	say(b, "purr \xe2\x80\x8b hi");
	got(b, "error badalias\n");
	got(a, "");
	got(c, "");
	ck_assert_ptr_nonnull(fake_conn_member(b));
}
END_TEST

START_TEST(test_msg)
{
	struct conn	*a, *b, *c;

	three(&a, &b, &c, "owner");
	say(a, "msg hello");
	got(a, "");
	got(b, "msg alice hello\n");
	got(c, "msg alice hello\n");
	say(c, "msg x1");
	say(b, "msg y2");
	say(c, "msg x3");
	got(a, "msg carol x1\nmsg bob y2\nmsg carol x3\n");
	got(b, "msg carol x1\nmsg carol x3\n");
	got(c, "msg bob y2\n");
}
END_TEST

START_TEST(test_msg_alone)
{
	struct conn	*a = creator(K1, "alice", "owner");

	say(a, "msg anyone?");
	got(a, "");
}
END_TEST

START_TEST(test_purr)
{
	struct conn	*a, *b, *c;

	three(&a, &b, &c, "owner");
	say(a, "purr bob psst");
	got(b, "purr alice psst\n");
	got(a, "");
	got(c, "");
	say(c, "purr ALICE hey");
	got(a, "purr carol hey\n");
	got(b, "");
	got(c, "");
	say(b, "purr dave hi");
	got(b, "error nosuchmember\n");
	say(b, "purr bob hi");
	got(b, "error self\n");
	say(b, "purr BOB hi");
	got(b, "error self\n");
	got(a, "");
	got(c, "");
}
END_TEST

START_TEST(test_kick_owner)
{
	struct conn	*a, *b, *c;

	three(&a, &b, &c, "owner");
	say(a, "kick bob");
	got(a, "kicked bob alice\n");
	got(b, "kicked bob alice\nclose 4001 kicked\n");
	got(c, "kicked bob alice\n");
	ck_assert_ptr_null(fake_conn_member(b));
	ck_assert_uint_eq(rooms_members(tab), 2);
	/* Gone at once: later fan-outs and lookups do not find bob. */
	say(a, "msg still");
	got(c, "msg alice still\n");
	say(c, "purr bob hi");
	got(c, "error nosuchmember\n");
	say(a, "kick bob");
	got(a, "error nosuchmember\n");
	got(b, "");
	/* And the alias is free again. */
	b = joiner(K1, "BOB");
	got_welcome(b, "owner alice alice carol BOB", NULL);
	got(a, "joined BOB\n");
	got(c, "joined BOB\n");
}
END_TEST

START_TEST(test_kick_case)
{
	struct conn	*a, *b, *c;

	three(&a, &b, &c, "owner");
	say(a, "kick CAROL");
	/* The relay names the member as it named itself. */
	got(a, "kicked carol alice\n");
	got(b, "kicked carol alice\n");
	got(c, "kicked carol alice\nclose 4001 kicked\n");
}
END_TEST

START_TEST(test_notallowed)
{
	struct conn	*a, *b, *c;

	three(&a, &b, &c, "owner");
	say(b, "kick carol");
	got(b, "error notallowed\n");
	say(b, "kick alice");
	got(b, "error notallowed\n");
	/* Not even told whether the member exists. */
	say(b, "kick nobody");
	got(b, "error notallowed\n");
	say(b, "kick bob");
	got(b, "error notallowed\n");
	say(c, "stop");
	got(c, "error notallowed\n");
	got(a, "");
	got(b, "");
	ck_assert_uint_eq(rooms_members(tab), 3);
	ck_assert_uint_eq(rooms_count(tab), 1);
}
END_TEST

START_TEST(test_kick_errors)
{
	struct conn	*a, *b, *c;

	three(&a, &b, &c, "owner");
	say(a, "kick dave");
	got(a, "error nosuchmember\n");
	say(a, "kick alice");
	got(a, "error self\n");
	say(a, "kick ALICE");
	got(a, "error self\n");
	got(b, "");
	got(c, "");
	ck_assert_uint_eq(rooms_members(tab), 3);
}
END_TEST

START_TEST(test_kick_everyone)
{
	struct conn	*a, *b, *c;

	three(&a, &b, &c, "everyone");
	/* Anyone may kick, the creator too; no moderator to pass on. */
	say(c, "kick alice");
	got(a, "kicked alice carol\nclose 4001 kicked\n");
	got(b, "kicked alice carol\n");
	got(c, "kicked alice carol\n");
	ck_assert_ptr_null(fake_conn_member(a));
	say(b, "kick carol");
	got(b, "kicked carol bob\n");
	got(c, "kicked carol bob\nclose 4001 kicked\n");
	say(b, "kick bob");
	got(b, "error self\n");
	ck_assert_uint_eq(rooms_members(tab), 1);
	ck_assert_uint_eq(rooms_count(tab), 1);
}
END_TEST

START_TEST(test_stop)
{
	struct conn	*a, *b, *c, *x;

	three(&a, &b, &c, "owner");
	say(a, "stop");
	got(a, "stopped alice\nclose 4002 stopped\n");
	got(b, "stopped alice\nclose 4002 stopped\n");
	got(c, "stopped alice\nclose 4002 stopped\n");
	ck_assert_ptr_null(fake_conn_member(a));
	ck_assert_ptr_null(fake_conn_member(b));
	ck_assert_ptr_null(fake_conn_member(c));
	ck_assert_uint_eq(rooms_count(tab), 0);
	ck_assert_uint_eq(rooms_members(tab), 0);
	x = joiner(K1, "dave");
	got(x, "error noroom\n");
	/* The key is free for a new room. */
	creator(K1, "dave", "everyone");
}
END_TEST

START_TEST(test_stop_everyone)
{
	struct conn	*a, *b, *c;

	three(&a, &b, &c, "everyone");
	say(c, "stop");
	got(a, "stopped carol\nclose 4002 stopped\n");
	got(b, "stopped carol\nclose 4002 stopped\n");
	got(c, "stopped carol\nclose 4002 stopped\n");
	ck_assert_uint_eq(rooms_count(tab), 0);
}
END_TEST

START_TEST(test_exit)
{
	struct conn	*a, *b, *c;

	three(&a, &b, &c, "owner");
	say(b, "exit");
	got(a, "left bob\n");
	got(c, "left bob\n");
	got(b, "close 1000 bye\n");
	ck_assert_ptr_null(fake_conn_member(b));
	ck_assert_uint_eq(rooms_members(tab), 2);
	say(a, "msg hi");
	got(c, "msg alice hi\n");
	got(b, "");
}
END_TEST

START_TEST(test_exit_farewell)
{
	struct conn	*a, *b, *c;

	three(&a, &b, &c, "owner");
	say(c, "exit ciao!");
	got(a, "left carol ciao!\n");
	got(b, "left carol ciao!\n");
	got(c, "close 1000 bye\n");
	ck_assert_ptr_null(fake_conn_member(c));
}
END_TEST

START_TEST(test_owner_inheritance)
{
	struct conn	*a, *b, *c, *d;

	three(&a, &b, &c, "owner");
	d = joiner(K1, "dave");
	got_welcome(d, "owner alice alice bob carol dave", NULL);
	got(a, "joined dave\n");
	got(b, "joined dave\n");
	got(c, "joined dave\n");
	/* A member who is not the owner leaves: no moderator line. */
	say(c, "exit");
	got(a, "left carol\n");
	got(b, "left carol\n");
	got(d, "left carol\n");
	/* The owner leaves: the longest-present member inherits. */
	say(a, "exit bye");
	got(a, "close 1000 bye\n");
	got(b, "left alice bye\nmoderator bob\n");
	got(d, "left alice bye\nmoderator bob\n");
	say(d, "kick bob");
	got(d, "error notallowed\n");
	c = joiner(K1, "erin");
	got_welcome(c, "owner bob bob dave erin", NULL);
	got(b, "joined erin\n");
	got(d, "joined erin\n");
	/* Dropped owner: same succession, after the `left`. */
	rooms_drop(tab, fake_conn_member(b));
	got(b, "");
	ck_assert_ptr_null(fake_conn_member(b));
	got(d, "left bob\nmoderator dave\n");
	got(c, "left bob\nmoderator dave\n");
	say(c, "stop");
	got(c, "error notallowed\n");
	say(d, "kick erin");
	got(d, "kicked erin dave\n");
	got(c, "kicked erin dave\nclose 4001 kicked\n");
	/* The last member leaves: the room is wiped. */
	say(d, "exit");
	got(d, "close 1000 bye\n");
	ck_assert_uint_eq(rooms_count(tab), 0);
	ck_assert_uint_eq(rooms_members(tab), 0);
}
END_TEST

START_TEST(test_everyone_no_moderator)
{
	struct conn	*a, *b, *c;

	three(&a, &b, &c, "everyone");
	say(a, "exit");
	got(b, "left alice\n");
	got(c, "left alice\n");
	c = joiner(K1, "dave");
	got_welcome(c, "everyone * bob carol dave", NULL);
}
END_TEST

START_TEST(test_drop)
{
	struct conn	*a, *b, *c;

	three(&a, &b, &c, "owner");
	rooms_drop(tab, fake_conn_member(b));
	got(a, "left bob\n");
	got(c, "left bob\n");
	got(b, "");
	ck_assert_int_eq(fake_conn_closes(b), 0);
	ck_assert_ptr_null(fake_conn_member(b));
	ck_assert_uint_eq(rooms_members(tab), 2);
	rooms_drop(tab, NULL);
	rooms_drop(tab, fake_conn_member(a));
	got(c, "left alice\nmoderator carol\n");
	rooms_drop(tab, fake_conn_member(c));
	ck_assert_uint_eq(rooms_count(tab), 0);
	ck_assert_uint_eq(rooms_members(tab), 0);
	got(a, "");
	got(c, "");
}
END_TEST

START_TEST(test_room_gone)
{
	struct conn	*a, *b, *x;

	a = creator(K1, "alice", "owner");
	b = joiner(K1, "bob");
	got_welcome(b, "owner alice alice bob", NULL);
	say(a, "exit");
	got(b, "left alice\nmoderator bob\n");
	ck_assert_uint_eq(rooms_count(tab), 1);
	say(b, "exit farewell");
	got(b, "close 1000 bye\n");
	ck_assert_uint_eq(rooms_count(tab), 0);
	ck_assert_uint_eq(rooms_members(tab), 0);
	x = joiner(K1, "alice");
	got(x, "error noroom\n");
	/* Kicking down to one member keeps the room. */
	a = creator(K2, "alice", "owner");
	b = joiner(K2, "bob");
	got_welcome(b, "owner alice alice bob", NULL);
	say(a, "kick bob");
	ck_assert_uint_eq(rooms_count(tab), 1);
	rooms_drop(tab, fake_conn_member(a));
	ck_assert_uint_eq(rooms_count(tab), 0);
}
END_TEST

START_TEST(test_resume)
{
	struct conn	*a, *b, *b2, *c;
	char		 tok[KEY_LEN + 1], tok2[KEY_LEN + 1];
	char		 frame[128];

	a = creator(K1, "alice", "owner");
	b = joiner(K1, "bob");
	got_welcome(b, "owner alice alice bob", tok);
	got(a, "joined bob\n");
	c = joiner(K1, "carol");
	got_welcome(c, "owner alice alice bob carol", NULL);
	got(a, "joined carol\n");
	got(b, "joined carol\n");

	b2 = fake_conn_new();
	snprintf(frame, sizeof(frame), "join 1 " K1 " bob %s", tok);
	say(b2, frame);
	got_welcome(b2, "owner alice alice bob carol", tok2);
	ck_assert_str_ne(tok, tok2);
	got(b, "close 4004 replaced\n");
	ck_assert_ptr_null(fake_conn_member(b));
	ck_assert_ptr_nonnull(fake_conn_member(b2));
	/* Nobody else is told. */
	got(a, "");
	got(c, "");
	ck_assert_uint_eq(rooms_members(tab), 3);
	/* Fan-out reaches the new conn only. */
	say(a, "msg hi");
	got(b2, "msg alice hi\n");
	got(c, "msg alice hi\n");
	got(b, "");
	say(b2, "msg back");
	got(a, "msg bob back\n");
	got(c, "msg bob back\n");
	/* The old token is dead; the new one works, under any ASCII case. */
	b = fake_conn_new();
	say(b, frame);
	got(b, "error aliastaken\n");
	snprintf(frame, sizeof(frame), "join 1 " K1 " BOB %s", tok2);
	say(b, frame);
	got_welcome(b, "owner alice alice bob carol", NULL);
	got(b2, "close 4004 replaced\n");
	got(a, "");
	got(c, "");
}
END_TEST

START_TEST(test_resume_owner)
{
	struct conn	*a, *a2, *b, *b2, *c;
	char		 ta[KEY_LEN + 1], tb[KEY_LEN + 1], frame[128];

	a = fake_conn_new();
	say(a, "create 1 " K1 " alice owner");
	got_welcome(a, "owner alice alice", ta);
	b = joiner(K1, "bob");
	got_welcome(b, "owner alice alice bob", tb);
	c = joiner(K1, "carol");
	got_welcome(c, "owner alice alice bob carol", NULL);
	got(a, "joined bob\njoined carol\n");
	got(b, "joined carol\n");

	/* The owner resumes: it keeps moderation. */
	a2 = fake_conn_new();
	snprintf(frame, sizeof(frame), "join 1 " K1 " alice %s", ta);
	say(a2, frame);
	got_welcome(a2, "owner alice alice bob carol", NULL);
	got(a, "close 4004 replaced\n");
	say(a2, "kick carol");
	got(a2, "kicked carol alice\n");
	got(b, "kicked carol alice\n");
	got(c, "kicked carol alice\nclose 4001 kicked\n");
	got(a, "");
	c = joiner(K1, "carol");
	got_welcome(c, "owner alice alice bob carol", NULL);
	got(a2, "joined carol\n");
	got(b, "joined carol\n");

	/* bob resumes: it keeps its rank, so it inherits before carol. */
	b2 = fake_conn_new();
	snprintf(frame, sizeof(frame), "join 1 " K1 " bob %s", tb);
	say(b2, frame);
	got_welcome(b2, "owner alice alice bob carol", NULL);
	got(b, "close 4004 replaced\n");
	say(a2, "exit");
	got(a2, "close 1000 bye\n");
	got(b2, "left alice\nmoderator bob\n");
	got(c, "left alice\nmoderator bob\n");
	got(a, "");
	got(b, "");
	say(b2, "stop");
	got(b2, "stopped bob\nclose 4002 stopped\n");
	got(c, "stopped bob\nclose 4002 stopped\n");
	ck_assert_uint_eq(rooms_count(tab), 0);
}
END_TEST

START_TEST(test_resume_wrong_token)
{
	struct conn	*a, *b, *x;
	char		 tok[KEY_LEN + 1], frame[128];

	a = creator(K1, "alice", "owner");
	b = joiner(K1, "bob");
	got_welcome(b, "owner alice alice bob", tok);
	got(a, "joined bob\n");
	x = fake_conn_new();
	/* Well-formed but wrong: the alias is simply taken. */
	say(x, "join 1 " K1 " bob " K2);
	got(x, "error aliastaken\n");
	/* Right token, wrong alias. */
	snprintf(frame, sizeof(frame), "join 1 " K1 " alice %s", tok);
	say(x, frame);
	got(x, "error aliastaken\n");
	/* Malformed token. */
	say(x, "join 1 " K1 " bob short");
	got(x, "error badtoken\n");
	/* Right token, other room. */
	creator(K2, "bob", "owner");
	snprintf(frame, sizeof(frame), "join 1 " K2 " bob %s", tok);
	say(x, frame);
	got(x, "error aliastaken\n");
	ck_assert_ptr_null(fake_conn_member(x));
	got(a, "");
	got(b, "");
	ck_assert_ptr_nonnull(fake_conn_member(b));
}
END_TEST

START_TEST(test_resume_after_drop)
{
	struct conn	*a, *b, *b2;
	char		 tok[KEY_LEN + 1], frame[128];

	a = creator(K1, "alice", "owner");
	b = joiner(K1, "bob");
	got_welcome(b, "owner alice alice bob", tok);
	got(a, "joined bob\n");
	rooms_drop(tab, fake_conn_member(b));
	got(a, "left bob\n");
	/* Nobody holds bob: the token is moot and this is a plain join. */
	b2 = fake_conn_new();
	snprintf(frame, sizeof(frame), "join 1 " K1 " bob %s", tok);
	say(b2, frame);
	got_welcome(b2, "owner alice alice bob", NULL);
	got(a, "joined bob\n");
}
END_TEST

START_TEST(test_roomfull)
{
	struct conn	*a, *b, *c, *d, *x;
	char		 tok[KEY_LEN + 1], frame[128];

	three(&a, &b, &c, "owner");
	d = joiner(K1, "dave");
	got_welcome(d, "owner alice alice bob carol dave", tok);
	(void)fake_conn_take(a);
	(void)fake_conn_take(b);
	(void)fake_conn_take(c);
	x = joiner(K1, "erin");
	got(x, "error roomfull\n");
	ck_assert_ptr_null(fake_conn_member(x));
	ck_assert_uint_eq(rooms_members(tab), 4);
	got(a, "");
	/* A resume takes no new place. */
	snprintf(frame, sizeof(frame), "join 1 " K1 " dave %s", tok);
	say(x, frame);
	got_welcome(x, "owner alice alice bob carol dave", NULL);
	got(d, "close 4004 replaced\n");
	/* A place freed is a place taken. */
	say(b, "exit");
	d = joiner(K1, "erin");
	got_welcome(d, "owner alice alice carol dave erin", NULL);
}
END_TEST

START_TEST(test_toomanyrooms)
{
	struct conn	*a, *x;

	a = creator(K1, "a", "owner");
	creator(K2, "a", "owner");
	creator(K3, "a", "everyone");
	creator(K4, "a", "owner");
	ck_assert_uint_eq(rooms_count(tab), 4);
	x = fake_conn_new();
	say(x, "create 1 " K5 " a owner");
	got(x, "error toomanyrooms\n");
	/* An existing key says exists, whatever the count. */
	say(x, "create 1 " K1 " a owner");
	got(x, "error exists\n");
	ck_assert_ptr_null(fake_conn_member(x));
	say(a, "exit");
	ck_assert_uint_eq(rooms_count(tab), 3);
	say(x, "create 1 " K5 " a owner");
	got_welcome(x, "owner a a", NULL);
	ck_assert_uint_eq(rooms_count(tab), 4);
}
END_TEST

START_TEST(test_zero_limits)
{
	struct room_table	*t;
	struct room_limits	 l = { 0, 4 };
	struct conn		*x = fake_conn_new();

	t = rooms_new(&l);
	cmd_exec(t, x, NULL, "create 1 " K1 " a owner",
	    strlen("create 1 " K1 " a owner"));
	got(x, "error toomanyrooms\n");
	rooms_free(t);
	l.max_rooms = 4;
	l.max_members = 0;
	t = rooms_new(&l);
	cmd_exec(t, x, NULL, "create 1 " K1 " a owner",
	    strlen("create 1 " K1 " a owner"));
	got(x, "error roomfull\n");
	ck_assert_uint_eq(rooms_count(t), 0);
	rooms_free(t);
	ck_assert_ptr_null(fake_conn_member(x));
}
END_TEST

START_TEST(test_shutdown)
{
	struct conn	*a, *b, *c, *d;

	three(&a, &b, &c, "owner");
	d = creator(K2, "dave", "everyone");
	rooms_shutdown(tab);
	got(a, "close 1001 shutdown\n");
	got(b, "close 1001 shutdown\n");
	got(c, "close 1001 shutdown\n");
	got(d, "close 1001 shutdown\n");
	ck_assert_ptr_null(fake_conn_member(a));
	ck_assert_ptr_null(fake_conn_member(d));
	ck_assert_uint_eq(rooms_count(tab), 0);
	ck_assert_uint_eq(rooms_members(tab), 0);
	/* The table is empty, not gone. */
	creator(K1, "erin", "owner");
}
END_TEST

/* Many rooms: the table grows and every room stays findable. */
START_TEST(test_many_rooms)
{
	enum { N = 1000 };
	static char		 keys[N][KEY_LEN + 1];
	static struct conn	*owners[N];
	struct room_limits	 l = { N, 2 };
	struct room_table	*t;
	struct conn		*x;
	char			 frame[64];
	int			 i, n;

	rooms_free(tab);
	tab = t = rooms_new(&l);
	for (i = 0; i < N; i++) {
		key_new(keys[i]);
		owners[i] = fake_conn_new();
		n = snprintf(frame, sizeof(frame), "create 1 %s o owner",
		    keys[i]);
		cmd_exec(t, owners[i], NULL, frame, (size_t)n);
		got_welcome(owners[i], "owner o o", NULL);
	}
	ck_assert_uint_eq(rooms_count(t), N);
	for (i = 0; i < N; i++) {
		x = fake_conn_new();
		n = snprintf(frame, sizeof(frame), "join 1 %s j", keys[i]);
		cmd_exec(t, x, NULL, frame, (size_t)n);
		got(owners[i], "joined j\n");
		say(x, "exit");
		got(owners[i], "left j\n");
	}
	for (i = 0; i < N; i += 2)
		say(owners[i], "exit");
	ck_assert_uint_eq(rooms_count(t), N / 2);
	for (i = 1; i < N; i += 2) {
		x = fake_conn_new();
		n = snprintf(frame, sizeof(frame), "join 1 %s j", keys[i]);
		cmd_exec(t, x, NULL, frame, (size_t)n);
		got(owners[i], "joined j\n");
		n = snprintf(frame, sizeof(frame), "join 1 %s j", keys[i - 1]);
		cmd_exec(t, x, NULL, frame, (size_t)n);
		ck_assert_ptr_nonnull(fake_conn_member(x));
	}
	ck_assert_uint_eq(rooms_members(t), N);
}
END_TEST

/* A big room: every message reaches every other member exactly once. */
START_TEST(test_fanout)
{
	enum { N = 50 };
	struct room_limits	 l = { 1, N };
	struct conn		*c[N];
	char			 frame[64], want[64];
	int			 i, j;

	rooms_free(tab);
	tab = rooms_new(&l);
	c[0] = creator(K1, "m0", "everyone");
	for (i = 1; i < N; i++) {
		snprintf(frame, sizeof(frame), "m%d", i);
		c[i] = joiner(K1, frame);
		(void)fake_conn_take(c[i]);
	}
	for (i = 0; i < N; i++)
		(void)fake_conn_take(c[i]);
	for (i = 0; i < N; i++) {
		snprintf(frame, sizeof(frame), "msg x%d", i);
		say(c[i], frame);
		for (j = 0; j < N; j++) {
			snprintf(want, sizeof(want), "msg m%d x%d\n", i, i);
			got(c[j], i == j ? "" : want);
		}
	}
	say(c[7], "stop");
	for (i = 0; i < N; i++)
		got(c[i], "stopped m7\nclose 4002 stopped\n");
	ck_assert_uint_eq(rooms_count(tab), 0);
}
END_TEST

START_TEST(test_free_null)
{
	rooms_free(NULL);
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("room");
	TCase	*tc;

	tc = tcase_create("room");
	tcase_add_checked_fixture(tc, room_fixture_setup,
	    room_fixture_teardown);
	tcase_add_test(tc, test_create);
	tcase_add_test(tc, test_create_exists);
	tcase_add_test(tc, test_join);
	tcase_add_test(tc, test_join_noroom);
	tcase_add_test(tc, test_alias_taken);
	tcase_add_test(tc, test_joined_twice);
	tcase_add_test(tc, test_not_joined);
	tcase_add_test(tc, test_bad_frames_as_member);
	tcase_add_test(tc, test_msg);
	tcase_add_test(tc, test_msg_alone);
	tcase_add_test(tc, test_purr);
	tcase_add_test(tc, test_kick_owner);
	tcase_add_test(tc, test_kick_case);
	tcase_add_test(tc, test_notallowed);
	tcase_add_test(tc, test_kick_errors);
	tcase_add_test(tc, test_kick_everyone);
	tcase_add_test(tc, test_stop);
	tcase_add_test(tc, test_stop_everyone);
	tcase_add_test(tc, test_exit);
	tcase_add_test(tc, test_exit_farewell);
	tcase_add_test(tc, test_owner_inheritance);
	tcase_add_test(tc, test_everyone_no_moderator);
	tcase_add_test(tc, test_drop);
	tcase_add_test(tc, test_room_gone);
	tcase_add_test(tc, test_resume);
	tcase_add_test(tc, test_resume_owner);
	tcase_add_test(tc, test_resume_wrong_token);
	tcase_add_test(tc, test_resume_after_drop);
	tcase_add_test(tc, test_roomfull);
	tcase_add_test(tc, test_toomanyrooms);
	tcase_add_test(tc, test_zero_limits);
	tcase_add_test(tc, test_shutdown);
	tcase_add_test(tc, test_many_rooms);
	tcase_add_test(tc, test_fanout);
	tcase_add_test(tc, test_free_null);
	suite_add_tcase(s, tc);
	return s;
}
