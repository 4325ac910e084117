/*
 * test_proto.c: chatroom/proto.c, exact bytes in, exact result out. Each row
 * of the frame tables is its own test so a failure names the frame.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "chatroom/proto.h"
#include "common/key.h"

#include "unit.h"

#define K	"xWqn-nCtemuA0e9BUnlt8Q"	/* canonical key */
#define T	"aE967PGYEip9QOQTh9f4sA"	/* canonical token */
#define A32	"abcdefghijklmnopqrstuvwxyz012345"	/* 32 bytes */
#define N(s)	s, sizeof(s) - 1

/* Frames that parse; absent fields are NULL. */
static const struct good {
	const char	*frame;
	size_t		 len;
	enum proto_cmd	 cmd;
	const char	*key, *alias, *token, *body;
	enum proto_mode	 mode;
} good[] = {
	{ N("create 1 " K " alice owner"), PROTO_CREATE, K, "alice", NULL,
	    NULL, PROTO_OWNER },
	{ N("create 1 " K " alice everyone"), PROTO_CREATE, K, "alice", NULL,
	    NULL, PROTO_EVERYONE },
	{ N("join 1 " K " bob"), PROTO_JOIN, K, "bob", NULL, NULL, 0 },
	{ N("join 1 " K " bob " T), PROTO_JOIN, K, "bob", T, NULL, 0 },
	{ N("join 1 " K " " A32), PROTO_JOIN, K, A32, NULL, NULL, 0 },
	{ N("msg hello"), PROTO_MSG, NULL, NULL, NULL, "hello", 0 },
	{ N("msg !\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~"), PROTO_MSG, NULL,
	    NULL, NULL, "!\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~", 0 },
	{ N("msg x"), PROTO_MSG, NULL, NULL, NULL, "x", 0 },
	{ N("purr bob psst"), PROTO_PURR, NULL, "bob", NULL, "psst", 0 },
	{ N("kick bob"), PROTO_KICK, NULL, "bob", NULL, NULL, 0 },
	{ N("kick **"), PROTO_KICK, NULL, "**", NULL, NULL, 0 },
	{ N("stop"), PROTO_STOP, NULL, NULL, NULL, NULL, 0 },
	{ N("exit"), PROTO_EXIT, NULL, NULL, NULL, NULL, 0 },
	{ N("exit ciao!"), PROTO_EXIT, NULL, NULL, NULL, "ciao!", 0 },
	/* Aliases at the edges of what is allowed. */
	{ N("kick \xc3\xa9l\xc3\xa8ve"), PROTO_KICK, NULL,
	    "\xc3\xa9l\xc3\xa8ve", NULL, NULL, 0 },
	{ N("kick \xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
	    "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
	    "\xc3\xbc"),
	    PROTO_KICK, NULL,
	    "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
	    "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc",
	    NULL, NULL, 0 },
	{ N("kick \xf0\x9f\x90\xb1"), PROTO_KICK, NULL, "\xf0\x9f\x90\xb1",
	    NULL, NULL, 0 },				/* U+1F431 cat */
	{ N("kick \xf0\xa0\x80\x80"), PROTO_KICK, NULL, "\xf0\xa0\x80\x80",
	    NULL, NULL, 0 },				/* U+20000 */
	{ N("kick \xc2\xa1"), PROTO_KICK, NULL, "\xc2\xa1", NULL, NULL, 0 },
	{ N("kick \xe2\x80\x90"), PROTO_KICK, NULL, "\xe2\x80\x90", NULL, NULL,
	    0 },					/* U+2010 hyphen */
	{ N("kick \xe2\x81\xb0"), PROTO_KICK, NULL, "\xe2\x81\xb0", NULL, NULL,
	    0 },					/* U+2070 */
	{ N("kick \xef\xbf\xbd"), PROTO_KICK, NULL, "\xef\xbf\xbd", NULL, NULL,
	    0 },					/* U+FFFD */
	{ N("kick a*"), PROTO_KICK, NULL, "a*", NULL, NULL, 0 },
	{ N("kick ~"), PROTO_KICK, NULL, "~", NULL, NULL, 0 },
};

/* Frames that do not parse, with the error expected. */
static const struct bad {
	const char	*frame;
	size_t		 len;
	int		 err;
} bad[] = {
	/* Shape of the frame. */
	{ N(""), PROTO_EBADCOMMAND },
	{ N(" "), PROTO_EBADCOMMAND },
	{ N("  "), PROTO_EBADCOMMAND },
	{ N("stop "), PROTO_EBADCOMMAND },
	{ N(" stop"), PROTO_EBADCOMMAND },
	{ N("exit "), PROTO_EBADCOMMAND },
	{ N("msg "), PROTO_EBADCOMMAND },
	{ N("msg  hi"), PROTO_EBADCOMMAND },
	{ N("msg hi "), PROTO_EBADCOMMAND },
	{ N("msg a  b"), PROTO_EBADCOMMAND },
	{ N("exit bye "), PROTO_EBADCOMMAND },
	{ N("purr  bob hi"), PROTO_EBADCOMMAND },
	{ N("purr bob  hi"), PROTO_EBADCOMMAND },
	{ N("create 1 " K " alice  owner"), PROTO_EBADCOMMAND },
	{ N("create 1  " K " alice owner"), PROTO_EBADCOMMAND },
	{ N("create 1 " K " alice owner "), PROTO_EBADCOMMAND },
	{ N("join 1 " K " bob "), PROTO_EBADCOMMAND },
	{ N("STOP"), PROTO_EBADCOMMAND },
	{ N("Msg hi"), PROTO_EBADCOMMAND },
	{ N("hello"), PROTO_EBADCOMMAND },
	{ N("sto"), PROTO_EBADCOMMAND },
	{ N("stopp"), PROTO_EBADCOMMAND },
	{ N("stop\n"), PROTO_EBADCOMMAND },
	{ N("stop\r\n"), PROTO_EBADCOMMAND },
	{ N("stop\0"), PROTO_EBADCOMMAND },
	{ N("msg\thi"), PROTO_EBADCOMMAND },
	{ N("msg\0hi"), PROTO_EBADCOMMAND },
	{ N("welcome x"), PROTO_EBADCOMMAND },
	{ N("error x"), PROTO_EBADCOMMAND },
	/* Field counts. */
	{ N("msg"), PROTO_EBADCOMMAND },
	{ N("purr"), PROTO_EBADCOMMAND },
	{ N("purr bob"), PROTO_EBADCOMMAND },
	{ N("kick"), PROTO_EBADCOMMAND },
	{ N("kick bob carol"), PROTO_EBADCOMMAND },
	{ N("stop now"), PROTO_EBADCOMMAND },
	{ N("create"), PROTO_EBADCOMMAND },
	{ N("create 1"), PROTO_EBADCOMMAND },
	{ N("create 1 " K), PROTO_EBADCOMMAND },
	{ N("create 1 " K " alice"), PROTO_EBADCOMMAND },
	{ N("create 1 " K " alice owner x"), PROTO_EBADCOMMAND },
	/* count before fields */
	{ N("create 9 x y"), PROTO_EBADCOMMAND },
	{ N("join"), PROTO_EBADCOMMAND },
	{ N("join 1 " K), PROTO_EBADCOMMAND },
	{ N("join 1 " K " bob " T " x"), PROTO_EBADCOMMAND },
	/* VERSION, checked before the other fields. */
	{ N("create 3 " K " alice owner"), PROTO_EVERSION },
	{ N("create 0 " K " alice owner"), PROTO_EVERSION },
	{ N("create 01 " K " alice owner"), PROTO_EVERSION },
	{ N("create 1.0 " K " alice owner"), PROTO_EVERSION },
	{ N("create v1 " K " alice owner"), PROTO_EVERSION },
	{ N("create 3 bad * bad"), PROTO_EVERSION },
	{ N("join 3 " K " bob"), PROTO_EVERSION },
	{ N("join 11 " K " bob"), PROTO_EVERSION },
	/* KEY. */
	{ N("create 1 xWqn-nCtemuA0e9BUnlt8 alice owner"), PROTO_EBADKEY },
	{ N("create 1 xWqn-nCtemuA0e9BUnlt8QA alice owner"), PROTO_EBADKEY },
	{ N("create 1 xWqn-nCtemuA0e9BUnlt8R alice owner"), PROTO_EBADKEY },
	{ N("create 1 xWqn-nCtemuA0e9BUnlt8B alice owner"), PROTO_EBADKEY },
	{ N("create 1 xWqn+nCtemuA0e9BUnlt8Q alice owner"), PROTO_EBADKEY },
	{ N("create 1 xWqn/nCtemuA0e9BUnlt8Q alice owner"), PROTO_EBADKEY },
	{ N("create 1 xWqn-nCtemuA0e9BUnlt8Q== alice owner"), PROTO_EBADKEY },
	{ N("create 1 xWqn-nCtemuA0e9BUnl=8Q alice owner"), PROTO_EBADKEY },
	{ N("create 1 xWqn-nCtemuA0e9BUnl\08Q alice owner"), PROTO_EBADKEY },
	{ N("create 1 x * bad"), PROTO_EBADKEY },
	{ N("join 1 " K "x bob"), PROTO_EBADKEY },
	/* ALIAS, checked before MODE. */
	{ N("create 1 " K " * owner"), PROTO_EBADALIAS },
	{ N("create 1 " K " * bad"), PROTO_EBADALIAS },
	{ N("join 1 " K " *"), PROTO_EBADALIAS },
	{ N("join 1 " K " " A32 "6"), PROTO_EBADALIAS },	/* 33 bytes */
	{ N("join 1 " K " \xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3"
	    "\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3"
	    "\xbc\xc3\xbc" "a"), PROTO_EBADALIAS },	/* 33 bytes */
	{ N("join 1 " K " a\xff"), PROTO_EBADALIAS },
	{ N("join 1 " K " \xfe"), PROTO_EBADALIAS },
	{ N("join 1 " K " \x80"), PROTO_EBADALIAS },	/* lone continuation */
	{ N("join 1 " K " a\xc3"), PROTO_EBADALIAS },	/* truncated */
	{ N("join 1 " K " \xe2\x82"), PROTO_EBADALIAS },	/* truncated */
	{ N("join 1 " K " \xf0\x9f\x90"), PROTO_EBADALIAS },	/* truncated */
	/* bad continuation */
	{ N("join 1 " K " \xc3" "a"), PROTO_EBADALIAS },
	/* overlong '/' */
	{ N("join 1 " K " \xc0\xaf"), PROTO_EBADALIAS },
	{ N("join 1 " K " \xc1\xbf"), PROTO_EBADALIAS },	/* overlong */
	{ N("join 1 " K " \xe0\x80\xaf"), PROTO_EBADALIAS },	/* overlong */
	{ N("join 1 " K " \xe0\x9f\xbf"), PROTO_EBADALIAS },	/* overlong */
	/* overlong */
	{ N("join 1 " K " \xf0\x80\x80\xaf"), PROTO_EBADALIAS },
	/* overlong */
	{ N("join 1 " K " \xf0\x8f\xbf\xbf"), PROTO_EBADALIAS },
	{ N("join 1 " K " \xed\xa0\x80"), PROTO_EBADALIAS },	/* U+D800 */
	{ N("join 1 " K " \xed\xbf\xbf"), PROTO_EBADALIAS },	/* U+DFFF */
	{ N("join 1 " K " \xed\xa0\xbd\xed\xb0\xb1"), PROTO_EBADALIAS },
	/* >10FFFF */
	{ N("join 1 " K " \xf4\x90\x80\x80"), PROTO_EBADALIAS },
	{ N("join 1 " K " \xf5\x80\x80\x80"), PROTO_EBADALIAS },
	{ N("join 1 " K " \xf8\x88\x80\x80\x80"), PROTO_EBADALIAS },
	{ N("join 1 " K " a\x01"), PROTO_EBADALIAS },
	{ N("join 1 " K " a\tb"), PROTO_EBADALIAS },
	{ N("join 1 " K " a\nb"), PROTO_EBADALIAS },
	{ N("join 1 " K " a\rb"), PROTO_EBADALIAS },
	{ N("join 1 " K " a\0b"), PROTO_EBADALIAS },
	{ N("join 1 " K " a\x7f"), PROTO_EBADALIAS },	/* DEL */
	{ N("join 1 " K " \xf4\x8f\xbf\xbf"), PROTO_EBADALIAS },	/* Cn */
	{ N("join 1 " K " a\xe2\x81\xa5"), PROTO_EBADALIAS },	/* U+2065 */
	{ N("join 1 " K " \xc2\x80"), PROTO_EBADALIAS },	/* C1 */
	{ N("join 1 " K " \xc2\x85"), PROTO_EBADALIAS },	/* NEL */
	{ N("join 1 " K " \xc2\x9f"), PROTO_EBADALIAS },	/* C1 */
	{ N("join 1 " K " \xc2\xa0"), PROTO_EBADALIAS },	/* NBSP */
	/* soft hyphen */
	{ N("join 1 " K " a\xc2\xad" "b"), PROTO_EBADALIAS },
	{ N("join 1 " K " \xd8\x9c"), PROTO_EBADALIAS },	/* U+061C */
	{ N("join 1 " K " \xe1\x9a\x80"), PROTO_EBADALIAS },	/* U+1680 */
	{ N("join 1 " K " \xe1\xa0\x8e"), PROTO_EBADALIAS },	/* U+180E */
	{ N("join 1 " K " \xe2\x80\x80"), PROTO_EBADALIAS },	/* U+2000 */
	{ N("join 1 " K " \xe2\x80\x8a"), PROTO_EBADALIAS },	/* U+200A */
	{ N("join 1 " K " \xe2\x80\x8b"), PROTO_EBADALIAS },	/* ZWSP */
	{ N("join 1 " K " a\xe2\x80\x8b" "b"), PROTO_EBADALIAS },
	{ N("join 1 " K " \xe2\x80\x8d"), PROTO_EBADALIAS },	/* ZWJ */
	{ N("join 1 " K " \xe2\x80\x8f"), PROTO_EBADALIAS },	/* RLM */
	{ N("join 1 " K " \xe2\x80\xa8"), PROTO_EBADALIAS },	/* U+2028 */
	{ N("join 1 " K " \xe2\x80\xa9"), PROTO_EBADALIAS },	/* U+2029 */
	{ N("join 1 " K " \xe2\x80\xaa"), PROTO_EBADALIAS },	/* LRE */
	/* RLO */
	{ N("join 1 " K " a\xe2\x80\xae" "b"), PROTO_EBADALIAS },
	{ N("join 1 " K " \xe2\x80\xaf"), PROTO_EBADALIAS },	/* NNBSP */
	{ N("join 1 " K " \xe2\x81\x9f"), PROTO_EBADALIAS },	/* MMSP */
	{ N("join 1 " K " \xe2\x81\xa0"), PROTO_EBADALIAS },	/* WJ */
	{ N("join 1 " K " \xe2\x81\xa4"), PROTO_EBADALIAS },	/* U+2064 */
	{ N("join 1 " K " \xe2\x81\xa6"), PROTO_EBADALIAS },	/* LRI */
	{ N("join 1 " K " \xe2\x81\xaf"), PROTO_EBADALIAS },	/* U+206F */
	{ N("join 1 " K " \xe3\x80\x80"), PROTO_EBADALIAS },	/* U+3000 */
	{ N("join 1 " K " \xef\xbb\xbf"), PROTO_EBADALIAS },	/* BOM */
	{ N("create 1 " K " \xef\xbb\xbf" "a owner"), PROTO_EBADALIAS },
	{ N("purr * hi"), PROTO_EBADALIAS },
	{ N("purr \xe2\x80\x8b hi"), PROTO_EBADALIAS },
	{ N("purr * a b"), PROTO_EBADALIAS },
	{ N("kick *"), PROTO_EBADALIAS },
	{ N("kick " A32 "x"), PROTO_EBADALIAS },
	{ N("kick \xc0\x80"), PROTO_EBADALIAS },
	/* MODE. */
	{ N("create 1 " K " alice Owner"), PROTO_EBADMODE },
	{ N("create 1 " K " alice all"), PROTO_EBADMODE },
	{ N("create 1 " K " alice owners"), PROTO_EBADMODE },
	{ N("create 1 " K " alice own"), PROTO_EBADMODE },
	{ N("create 1 " K " alice owner\n"), PROTO_EBADMODE },
	{ N("create 1 " K " alice owner\0"), PROTO_EBADMODE },
	/* TOKEN. */
	{ N("join 1 " K " bob x"), PROTO_EBADTOKEN },
	{ N("join 1 " K " bob aE967PGYEip9QOQTh9f4sB"), PROTO_EBADTOKEN },
	{ N("join 1 " K " bob aE967PGYEip9QOQTh9f4s"), PROTO_EBADTOKEN },
	{ N("join 1 " K " bob " T "A"), PROTO_EBADTOKEN },
	{ N("join 1 " K " bob aE967PGYEip9QOQTh9f4s="), PROTO_EBADTOKEN },
	/* BODY: the rest of the frame, so a space in it is its own fault. */
	{ N("msg a b"), PROTO_EBADBODY },
	{ N("msg a b c d e f"), PROTO_EBADBODY },
	{ N("msg h\xc3\xa9"), PROTO_EBADBODY },
	{ N("msg \x80"), PROTO_EBADBODY },
	{ N("msg a\x7f"), PROTO_EBADBODY },
	{ N("msg a\x01"), PROTO_EBADBODY },
	{ N("msg a\tb"), PROTO_EBADBODY },
	{ N("msg hi\n"), PROTO_EBADBODY },
	{ N("msg hi\r\n"), PROTO_EBADBODY },
	{ N("msg a\0b"), PROTO_EBADBODY },
	{ N("purr bob a b"), PROTO_EBADBODY },
	{ N("purr bob \xc3\xa9"), PROTO_EBADBODY },
	{ N("exit a b"), PROTO_EBADBODY },
	{ N("exit \xff"), PROTO_EBADBODY },
	{ N("exit \x1b[0m"), PROTO_EBADBODY },
};

static void
check_field(const struct proto_str *f, const char *want, const char *frame,
    size_t len)
{
	if (want == NULL) {
		ck_assert_ptr_null(f->p);
		ck_assert_uint_eq(f->len, 0);
		return;
	}
	ck_assert_uint_eq(f->len, strlen(want));
	ck_assert_mem_eq(f->p, want, f->len);
	/* Fields are views into the frame, never copies. */
	ck_assert(f->p >= frame && f->p + f->len <= frame + len);
}

START_TEST(test_good)
{
	const struct good	*g = &good[_i];
	struct proto_req	 req;

	ck_assert_int_eq(proto_parse(&req, g->frame, g->len), 0);
	ck_assert_int_eq(req.cmd, g->cmd);
	check_field(&req.key, g->key, g->frame, g->len);
	check_field(&req.alias, g->alias, g->frame, g->len);
	check_field(&req.token, g->token, g->frame, g->len);
	check_field(&req.body, g->body, g->frame, g->len);
	if (g->cmd == PROTO_CREATE)
		ck_assert_int_eq(req.mode, g->mode);
}
END_TEST

START_TEST(test_bad)
{
	const struct bad	*b = &bad[_i];
	struct proto_req	 req;

	ck_assert_msg(proto_parse(&req, b->frame, b->len) == b->err,
	    "frame %d (\"%.*s\"): got %s, want %s", _i, (int)b->len, b->frame,
	    proto_error_name(proto_parse(&req, b->frame, b->len)),
	    proto_error_name(b->err));
}
END_TEST

/*
 * Version 2 frames: vers is the grammar asked for (PROTO_VNONE: a conn in no
 * room yet); err 0 means the frame parses. id is the ID the refusal or the
 * request names (NULL: none).
 */
#define K2	"UBGVz-7IjfT6jkmb3c5NBw"	/* another key */
#define IDMAX	"9007199254740991"

static const struct v2 {
	int		 vers;
	const char	*frame;
	size_t		 len;
	int		 err;
	enum proto_cmd	 cmd;
	const char	*id, *key, *newkey, *alias, *body;
} v2[] = {
	{ PROTO_V2, N("msg 1 hello"), 0, PROTO_MSG, "1", NULL, NULL, NULL,
	    "hello" },
	{ PROTO_V2, N("msg " IDMAX " x"), 0, PROTO_MSG, IDMAX, NULL, NULL,
	    NULL, "x" },
	{ PROTO_V2, N("purr 7 bob psst"), 0, PROTO_PURR, "7", NULL, NULL,
	    "bob", "psst" },
	{ PROTO_V2, N("exit 3"), 0, PROTO_EXIT, "3", NULL, NULL, NULL, NULL },
	{ PROTO_V2, N("exit 3 ciao"), 0, PROTO_EXIT, "3", NULL, NULL, NULL,
	    "ciao" },
	{ PROTO_V2, N("ping 42"), 0, PROTO_PING, "42", NULL, NULL, NULL,
	    NULL },
	{ PROTO_V2, N("rekey 5 " K " " K2 " sealed"), 0, PROTO_REKEY, "5", K,
	    K2, NULL, "sealed" },
	{ PROTO_V2, N("kick 6 bob " K " " K2 " sealed"), 0, PROTO_KICK, "6",
	    K, K2, "bob", "sealed" },
	{ PROTO_V2, N("stop"), 0, PROTO_STOP, NULL, NULL, NULL, NULL, NULL },
	{ PROTO_V2, N("create 2 " K " alice owner"), 0, PROTO_CREATE, NULL, K,
	    NULL, "alice", NULL },
	{ PROTO_V2, N("join 2 " K " bob"), 0, PROTO_JOIN, NULL, K, NULL,
	    "bob", NULL },
	/* Before create/join: v1 first, then v2. */
	{ PROTO_VNONE, N("ping 9"), 0, PROTO_PING, "9", NULL, NULL, NULL,
	    NULL },
	{ PROTO_VNONE, N("msg hi"), 0, PROTO_MSG, NULL, NULL, NULL, NULL,
	    "hi" },
	{ PROTO_VNONE, N("msg 4 hi"), 0, PROTO_MSG, "4", NULL, NULL, NULL,
	    "hi" },
	{ PROTO_VNONE, N("ping 0"), PROTO_EBADID, PROTO_PING, NULL, NULL,
	    NULL, NULL, NULL },
	{ PROTO_VNONE, N("msg a b c"), PROTO_EBADBODY, PROTO_MSG, NULL, NULL,
	    NULL, NULL, NULL },
	/* Version 1 has no ping, rekey, ID. */
	{ PROTO_V1, N("ping 1"), PROTO_EBADCOMMAND, 0, NULL, NULL, NULL,
	    NULL, NULL },
	{ PROTO_V1, N("rekey 1 " K " " K2 " x"), PROTO_EBADCOMMAND, 0, NULL,
	    NULL, NULL, NULL, NULL },
	{ PROTO_V1, N("msg 1 hi"), PROTO_EBADBODY, PROTO_MSG, NULL, NULL,
	    NULL, NULL, NULL },
	/* ID: 1..2^53-1, decimal, no leading zero, no sign. */
	{ PROTO_V2, N("msg 0 hi"), PROTO_EBADID, PROTO_MSG, NULL, NULL, NULL,
	    NULL, NULL },
	{ PROTO_V2, N("msg 01 hi"), PROTO_EBADID, PROTO_MSG, NULL, NULL,
	    NULL, NULL, NULL },
	{ PROTO_V2, N("msg 9007199254740992 hi"), PROTO_EBADID, PROTO_MSG,
	    NULL, NULL, NULL, NULL, NULL },
	{ PROTO_V2, N("msg 99999999999999999 hi"), PROTO_EBADID, PROTO_MSG,
	    NULL, NULL, NULL, NULL, NULL },
	{ PROTO_V2, N("msg -1 hi"), PROTO_EBADID, PROTO_MSG, NULL, NULL,
	    NULL, NULL, NULL },
	{ PROTO_V2, N("msg +1 hi"), PROTO_EBADID, PROTO_MSG, NULL, NULL,
	    NULL, NULL, NULL },
	{ PROTO_V2, N("msg 1a hi"), PROTO_EBADID, PROTO_MSG, NULL, NULL,
	    NULL, NULL, NULL },
	{ PROTO_V2, N("ping x"), PROTO_EBADID, PROTO_PING, NULL, NULL, NULL,
	    NULL, NULL },
	{ PROTO_V2, N("exit \xd9\xa1"), PROTO_EBADID, PROTO_EXIT, NULL, NULL,
	    NULL, NULL, NULL },				/* Arabic-Indic 1 */
	/* A refusal after a valid ID names it. */
	{ PROTO_V2, N("msg 5"), PROTO_EBADCOMMAND, PROTO_MSG, "5", NULL, NULL,
	    NULL, NULL },
	{ PROTO_V2, N("msg 5 a b"), PROTO_EBADBODY, PROTO_MSG, "5", NULL,
	    NULL, NULL, NULL },
	{ PROTO_V2, N("msg 5  ab"), PROTO_EBADCOMMAND, PROTO_MSG, "5", NULL,
	    NULL, NULL, NULL },
	{ PROTO_V2, N("msg hi"), PROTO_EBADCOMMAND, PROTO_MSG, NULL, NULL,
	    NULL, NULL, NULL },
	{ PROTO_V2, N("ping 5 6"), PROTO_EBADCOMMAND, PROTO_PING, "5", NULL,
	    NULL, NULL, NULL },
	{ PROTO_V2, N("purr 8 * hi"), PROTO_EBADALIAS, PROTO_PURR, "8", NULL,
	    NULL, NULL, NULL },
	{ PROTO_V2, N("rekey 9 x " K2 " b"), PROTO_EBADKEY, PROTO_REKEY, "9",
	    NULL, NULL, NULL, NULL },
	{ PROTO_V2, N("rekey 9 " K " x b"), PROTO_EBADKEY, PROTO_REKEY, "9",
	    NULL, NULL, NULL, NULL },
	{ PROTO_V2, N("rekey 9 " K " " K2 " a b"), PROTO_EBADBODY,
	    PROTO_REKEY, "9", NULL, NULL, NULL, NULL },
	{ PROTO_V2, N("rekey 9 " K " " K2), PROTO_EBADCOMMAND, PROTO_REKEY,
	    "9", NULL, NULL, NULL, NULL },
	/* v1's kick ALIAS is not version 2. */
	{ PROTO_V2, N("kick bob"), PROTO_EBADCOMMAND, PROTO_KICK, NULL, NULL,
	    NULL, NULL, NULL },
	{ PROTO_V2, N("kick 2 bob"), PROTO_EBADCOMMAND, PROTO_KICK, "2",
	    NULL, NULL, NULL, NULL },
	{ PROTO_V2, N("kick 2 * " K " " K2 " b"), PROTO_EBADALIAS,
	    PROTO_KICK, "2", NULL, NULL, NULL, NULL },
	{ PROTO_V2, N("stop 1"), PROTO_EBADCOMMAND, PROTO_STOP, NULL, NULL,
	    NULL, NULL, NULL },
	{ PROTO_V2, N("pong 1"), PROTO_EBADCOMMAND, 0, NULL, NULL, NULL,
	    NULL, NULL },
	{ PROTO_V2, N("create 3 " K " alice owner"), PROTO_EVERSION,
	    PROTO_CREATE, NULL, NULL, NULL, NULL, NULL },
};

START_TEST(test_v2)
{
	const struct v2		*g = &v2[_i];
	struct proto_req	 req;
	int			 rc;

	rc = proto_parse_as(&req, g->vers, g->frame, g->len);
	ck_assert_msg(rc == g->err, "frame %d (\"%.*s\"): got %s, want %s",
	    _i, (int)g->len, g->frame, proto_error_name(rc),
	    proto_error_name(g->err));
	check_field(&req.id, g->id, g->frame, g->len);
	if (rc != 0) {
		if (g->id != NULL)
			ck_assert_int_eq(req.cmd, g->cmd);
		return;
	}
	ck_assert_int_eq(req.cmd, g->cmd);
	check_field(&req.key, g->key, g->frame, g->len);
	check_field(&req.newkey, g->newkey, g->frame, g->len);
	check_field(&req.alias, g->alias, g->frame, g->len);
	check_field(&req.body, g->body, g->frame, g->len);
	if (g->cmd == PROTO_CREATE || g->cmd == PROTO_JOIN)
		ck_assert_int_eq(req.version, PROTO_V2);
}
END_TEST

START_TEST(test_id_valid)
{
	ck_assert(proto_id_valid(N("1")));
	ck_assert(proto_id_valid(N(IDMAX)));
	ck_assert(proto_id_valid(N("1000000000000000")));
	ck_assert(!proto_id_valid(N("")));
	ck_assert(!proto_id_valid(N("0")));
	ck_assert(!proto_id_valid(N("9007199254740992")));
	ck_assert(!proto_id_valid(N("18446744073709551617")));
	ck_assert(!proto_id_valid(N("1 ")));
	ck_assert(!proto_id_valid(N("1\0")));
}
END_TEST

/* The parser reads only frame[0..len): a frame cut anywhere stays in bounds. */
START_TEST(test_prefixes)
{
	static const char	 full[] = "create 1 " K " alice owner";
	struct proto_req	 req;
	char			*copy;
	size_t			 n;

	for (n = 0; n < sizeof(full) - 1; n++) {
		copy = malloc(n ? n : 1);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, full, n);
		ck_assert_int_lt(proto_parse(&req, copy, n), 0);
		free(copy);
	}
}
END_TEST

START_TEST(test_error_names)
{
	static const char *const want[] = {
		"badcommand", "version", "badkey", "badalias", "badmode",
		"badbody", "badtoken", "notjoined", "joined", "exists",
		"noroom", "aliastaken", "roomfull", "toomanyrooms",
		"nosuchmember", "self", "notallowed", "flood", "badid",
		"roomversion", "stale"
	};
	size_t	i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_str_eq(proto_error_name(-(int)i - 1), want[i]);
	ck_assert_str_eq(proto_error_name(PROTO_EVERSION), "version");
	ck_assert_str_eq(proto_error_name(PROTO_EFLOOD), "flood");
	ck_assert_ptr_null(proto_error_name(0));
	ck_assert_ptr_null(proto_error_name(1));
	ck_assert_ptr_null(proto_error_name(-22));
	ck_assert_ptr_null(proto_error_name(-128));
	ck_assert_ptr_null(proto_error_name(INT_MIN));
	ck_assert_ptr_null(proto_error_name(INT_MAX));
}
END_TEST

/* The close table against man/sanctuary.7, Close codes. */
START_TEST(test_close_table)
{
	static const struct {
		enum proto_close why;
		unsigned	 code;
		const char	*reason;
	} want[] = {
		{ CLOSE_BYE, 1000, "bye" },
		{ CLOSE_SHUTDOWN, 1001, "shutdown" },
		{ CLOSE_TEXT_ONLY, 1003, "text only" },
		{ CLOSE_FLOOD, 1008, "flood" },
		{ CLOSE_QUEUE, 1008, "queue" },
		{ CLOSE_TIMEOUT, 1008, "timeout" },
		{ CLOSE_TOO_BIG, 1009, "too big" },
		{ CLOSE_INTERNAL, 1011, "out of memory" },
		{ CLOSE_KICKED, 4001, "kicked" },
		{ CLOSE_STOPPED, 4002, "stopped" },
		{ CLOSE_JOIN_TIMEOUT, 4003, "join timeout" },
		{ CLOSE_REPLACED, 4004, "replaced" },
	};
	size_t	i;

	ck_assert_uint_eq(sizeof(want) / sizeof(want[0]), PROTO_NCLOSES - 1);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_uint_eq(proto_close_code(want[i].why), want[i].code);
		ck_assert_str_eq(proto_close_reason(want[i].why),
		    want[i].reason);
	}
	ck_assert_str_eq(proto_close_reason(CLOSE_FLOOD),
	    proto_error_name(PROTO_EFLOOD));
	ck_assert_uint_eq(proto_close_code(CLOSE_NONE), 0);
	ck_assert_uint_eq(proto_close_code(PROTO_NCLOSES), 0);
	ck_assert_str_eq(proto_close_reason(PROTO_NCLOSES), "");
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(proto_cmd_name(PROTO_CREATE), "create");
	ck_assert_str_eq(proto_cmd_name(PROTO_JOIN), "join");
	ck_assert_str_eq(proto_cmd_name(PROTO_MSG), "msg");
	ck_assert_str_eq(proto_cmd_name(PROTO_PURR), "purr");
	ck_assert_str_eq(proto_cmd_name(PROTO_KICK), "kick");
	ck_assert_str_eq(proto_cmd_name(PROTO_STOP), "stop");
	ck_assert_str_eq(proto_cmd_name(PROTO_EXIT), "exit");
	ck_assert_ptr_null(proto_cmd_name(PROTO_NCMDS));
	ck_assert_str_eq(proto_mode_name(PROTO_OWNER), "owner");
	ck_assert_str_eq(proto_mode_name(PROTO_EVERYONE), "everyone");
}
END_TEST

START_TEST(test_body)
{
	char	c;
	int	i;

	ck_assert_int_eq(proto_body_valid("", 0), 0);
	for (i = 0; i < 256; i++) {
		c = (char)i;
		ck_assert_int_eq(proto_body_valid(&c, 1),
		    i >= 0x21 && i <= 0x7e);
	}
}
END_TEST

/* The parser accepts exactly the keys and tokens common/key.c accepts. */
START_TEST(test_key_agrees)
{
	char	k[KEY_LEN + 2], frame[64];
	size_t	pos;
	int	i, b;

	for (i = 0; i < 200; i++) {
		key_new(k);
		for (pos = 0; pos < KEY_LEN; pos++) {
			char	save = k[pos];

			/* Visible bytes: a space would split the frame. */
			for (b = 0x21; b < 0x7f; b += (i == 0 ? 1 : 7)) {
				struct proto_req req;

				k[pos] = (char)b;
				memcpy(frame, "join 1 ", 7);
				memcpy(frame + 7, k, KEY_LEN);
				memcpy(frame + 7 + KEY_LEN, " al", 3);
				ck_assert_int_eq(proto_parse(&req, frame,
				    KEY_LEN + 10) == PROTO_EBADKEY,
				    !key_valid(k, KEY_LEN));
			}
			k[pos] = save;
		}
	}
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("proto");
	TCase	*tc;

	tc = tcase_create("frames");
	tcase_add_loop_test(tc, test_good, 0, sizeof(good) / sizeof(good[0]));
	tcase_add_loop_test(tc, test_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_loop_test(tc, test_v2, 0, sizeof(v2) / sizeof(v2[0]));
	tcase_add_test(tc, test_id_valid);
	tcase_add_test(tc, test_prefixes);
	tcase_add_test(tc, test_error_names);
	tcase_add_test(tc, test_close_table);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("fields");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_body);
	tcase_add_test(tc, test_key_agrees);
	suite_add_tcase(s, tc);
	return s;
}
