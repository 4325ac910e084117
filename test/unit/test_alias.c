/*
 * test_alias.c: chatroom/alias.c, the alias rules. The banned code points
 * are checked against a UnicodeSet written from sanctuary(7)'s words (ICU's
 * own property lookup, apart from alias.c's u_charType calls); the same-name
 * rule against pairs from issue 11.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/uset.h>
#include <unicode/uvernum.h>

#include "chatroom/alias.h"
#include "unit.h"

/* sanctuary(7) ALIAS, as a set: the categories, ignorables, blanks. */
static const char banned_pattern[] = "[[:Cc:][:Cf:][:Cs:][:Co:][:Cn:]"
    "[:Z:][:Default_Ignorable_Code_Point:]"
    "\\u115F\\u1160\\u3164\\uFFA0\\u2800]";

static USet *
banned_set(void)
{
	UChar		 pat[128];
	UErrorCode	 err = U_ZERO_ERROR;
	USet		*set;

	u_uastrcpy(pat, banned_pattern);
	set = uset_openPattern(pat, -1, &err);
	ck_assert_msg(U_SUCCESS(err), "%s", u_errorName(err));
	return set;
}

static size_t
encode(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | (c >> 6 & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | (c >> 12 & 0x3f));
	out[2] = (char)(0x80 | (c >> 6 & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

START_TEST(test_unicode_version)
{
	/* The version the man pages state, printed from ICU itself. */
	printf("alias: Unicode %s (ICU %s, built for Unicode %s)\n",
	    alias_unicode_version(), U_ICU_VERSION, U_UNICODE_VERSION);
	ck_assert_str_eq(alias_unicode_version(), U_UNICODE_VERSION);
}
END_TEST

/* Every code point, encoded correctly, alone and between letters. */
START_TEST(test_every_code_point)
{
	USet		*set = banned_set();
	char		 buf[8];
	uint32_t	 c;
	size_t		 n;
	int		 want;

	for (c = 0; c <= 0x10ffff; c++) {
		want = !uset_contains(set, (UChar32)c);
		n = encode(buf, c);
		ck_assert_msg(alias_valid(buf, n) == (want && c != '*'),
		    "U+%04X", c);
		buf[0] = 'a';
		n = encode(buf + 1, c) + 1;
		buf[n++] = 'b';
		ck_assert_msg(alias_valid(buf, n) == want, "aU+%04Xb", c);
	}
	uset_close(set);
}
END_TEST

/* Every 1- and 2-byte string: ASCII or one well-formed 2-byte char. */
START_TEST(test_two_bytes)
{
	USet		*set = banned_set();
	unsigned char	 s[2];
	unsigned	 a, b;
	int		 want;

	for (a = 0; a < 256; a++) {
		s[0] = (unsigned char)a;
		want = a > 0x20 && a < 0x7f && a != '*';
		ck_assert_int_eq(alias_valid((char *)s, 1), want);
		for (b = 0; b < 256; b++) {
			UChar32	c = (UChar32)((a & 0x1f) << 6 | (b & 0x3f));

			s[1] = (unsigned char)b;
			if (a < 0x80)
				want = a > 0x20 && a < 0x7f && b > 0x20 &&
				    b < 0x7f;
			else
				want = a >= 0xc2 && a <= 0xdf &&
				    (b & 0xc0) == 0x80 &&
				    !uset_contains(set, c);
			ck_assert_msg(alias_valid((char *)s, 2) == want,
			    "%02x %02x", a, b);
		}
	}
	uset_close(set);
}
END_TEST

START_TEST(test_lengths_and_bytes)
{
	static const char	*bad[] = {
		"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
		"ab\xe2\x82", "\xf0\x9f\xa6", "\x80", "\xfe",
	};
	char			 buf[64];
	size_t			 n, i;

	memset(buf, 'a', sizeof(buf));
	for (n = 0; n <= sizeof(buf); n++)
		ck_assert_int_eq(alias_valid(buf, n), n >= 1 && n <= 32);
	ck_assert_int_eq(alias_valid("*", 1), 0);
	ck_assert_int_eq(alias_valid("**", 2), 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!alias_valid(bad[i], strlen(bad[i])), "%zu", i);
}
END_TEST

/* UTS #39's hidden overlay and repeated mark: refused on their own. */
START_TEST(test_marks)
{
	ck_assert(!alias_valid("ali\xcc\x87" "ce", 7));	/* i + U+0307 */
	ck_assert(!alias_valid("jose\xcc\x81\xcc\x81", 8));	/* é + U+0301 */
	ck_assert(alias_valid("jose\xcc\x81", 6));		/* NFD José */
	ck_assert(alias_valid("Jos\xc3\xa9", 5));		/* NFC José */
}
END_TEST

static int
same(const char *a, const char *b)
{
	struct alias_key	x, y;

	ck_assert_int_eq(alias_key(&x, a, strlen(a)), 0);
	ck_assert_int_eq(alias_key(&y, b, strlen(b)), 0);
	ck_assert_int_eq(alias_same(&x, &y), alias_same(&y, &x));
	return alias_same(&x, &y);
}

START_TEST(test_same_name)
{
	static const char	*pairs[][2] = {
		{ "alice", "alice" },
		{ "alice", "ALICE" },
		{ "alice", "Alice" },
		{ "alice", "\xd0\xb0lice" },		/* Cyrillic а */
		{ "alice", "alic\xd0\xb5" },		/* Cyrillic е */
		{ "alice", "\xef\xbd\x81\xef\xbd\x8c\xef\xbd\x89\xef\xbd\x83"
		    "\xef\xbd\x85" },			/* fullwidth */
		{ "alice", "al\xc4\xb1" "ce" },		/* dotless ı */
		{ "alice", "aIice" },			/* capital I for l */
		{ "bob", "b\xce\xbf" "b" },		/* Greek ο */
		{ "Jos\xc3\xa9", "Jose\xcc\x81" },	/* NFC, NFD */
		{ "Jos\xc3\xa9", "JOS\xc3\x89" },	/* full case folding */
		{ "strasse", "stra\xc3\x9f" "e" },	/* ß folds to ss */
		{ "rn", "m" },				/* UTS #39: rn ~ m */
		/* Arabic yeh and alef maksura look alike at a word's end. */
		{ "\xd8\xb9\xd9\x84\xd9\x8a", "\xd8\xb9\xd9\x84\xd9\x89" },
		/* Ελένη, ελένη */
		{ "\xce\x95\xce\xbb\xce\xad\xce\xbd\xce\xb7",
		    "\xce\xb5\xce\xbb\xce\xad\xce\xbd\xce\xb7" },
	};
	static const char	*apart[][2] = {
		{ "alice", "alicia" },
		{ "alice", "bob" },
		{ "Jos\xc3\xa9", "Jose" },
		{ "\xe6\x97\xa5\xe6\x9c\xac", "\xe4\xb8\xad\xe5\x9b\xbd" },
		{ "\xd8\xb9\xd9\x84\xd9\x8a", "\xd8\xb9\xd9\x85\xd8\xb1" },
	};
	size_t			 i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		ck_assert_msg(same(pairs[i][0], pairs[i][1]), "%s %s",
		    pairs[i][0], pairs[i][1]);
	for (i = 0; i < sizeof(apart) / sizeof(apart[0]); i++)
		ck_assert_msg(!same(apart[i][0], apart[i][1]), "%s %s",
		    apart[i][0], apart[i][1]);
}
END_TEST

/* Without ICU open nothing is an alias and nothing has a key. */
START_TEST(test_fail_closed)
{
	struct alias_key	k;

	alias_release();
	ck_assert_int_eq(alias_valid("bob", 3), 0);
	ck_assert_int_eq(alias_key(&k, "bob", 3), -1);
	ck_assert_int_eq(alias_key(&k, "\xff", 1), -1);
	ck_assert_int_eq(alias_init(), 0);
	ck_assert_int_eq(alias_key(&k, "\xff", 1), -1);
	ck_assert_int_eq(alias_key(&k, "bob", 3), 0);
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("alias");
	TCase	*tc;

	tc = tcase_create("alias");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_unicode_version);
	tcase_add_test(tc, test_every_code_point);
	tcase_add_test(tc, test_two_bytes);
	tcase_add_test(tc, test_lengths_and_bytes);
	tcase_add_test(tc, test_marks);
	tcase_add_test(tc, test_same_name);
	tcase_add_test(tc, test_fail_closed);
	suite_add_tcase(s, tc);
	return s;
}
