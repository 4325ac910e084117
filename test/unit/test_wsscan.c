/* test_wsscan.c: control frames go to wslay whole, data frames at once. */
#include <string.h>

#include "unit.h"

#include "chatroom/wsscan.h"

/* Masked client frames: 5-byte text "hello", normal close "ok", ping "p". */
static const uint8_t text[] = { 0x81, 0x85, 1, 2, 3, 4, 'h' ^ 1, 'e' ^ 2,
    'l' ^ 3, 'l' ^ 4, 'o' ^ 1 };
static const uint8_t closef[] = { 0x88, 0x84, 0, 0, 0, 0, 0x03, 0xe8, 'o',
    'k' };
static const uint8_t ping[] = { 0x89, 0x81, 0, 0, 0, 0, 'p' };

START_TEST(test_data_split_anywhere)
{
	size_t		cut;

	for (cut = 0; cut <= sizeof(text); cut++) {
		struct wsscan s;

		memset(&s, 0, sizeof(s));
		ck_assert_uint_eq(wsscan_ready(&s, text, cut), cut);
		ck_assert_uint_eq(wsscan_ready(&s, text + cut,
		    sizeof(text) - cut), sizeof(text) - cut);
		ck_assert_uint_eq(s.hlen, 0);
	}
}
END_TEST

/* Every cut inside the close frame holds it back from its first byte. */
START_TEST(test_control_held_whole)
{
	uint8_t		buf[64];
	size_t		cut;

	memcpy(buf, text, sizeof(text));
	memcpy(buf + sizeof(text), closef, sizeof(closef));
	for (cut = sizeof(text) + 1; cut < sizeof(text) + sizeof(closef);
	    cut++) {
		struct wsscan s;

		memset(&s, 0, sizeof(s));
		ck_assert_uint_eq(wsscan_ready(&s, buf, cut), sizeof(text));
		/* Given again with the rest, it all goes. */
		ck_assert_uint_eq(wsscan_ready(&s, buf + sizeof(text),
		    sizeof(closef)), sizeof(closef));
	}
}
END_TEST

START_TEST(test_control_complete_goes)
{
	uint8_t		buf[64];
	struct wsscan	s;

	memset(&s, 0, sizeof(s));
	memcpy(buf, ping, sizeof(ping));
	memcpy(buf + sizeof(ping), text, 3);
	ck_assert_uint_eq(wsscan_ready(&s, buf, sizeof(ping) + 3),
	    sizeof(ping) + 3);
}
END_TEST

/* A control frame too long to be valid is wslay's to refuse: not held. */
START_TEST(test_oversize_control_not_held)
{
	static const uint8_t big[] = { 0x89, 0xfe, 0x00, 0x7e, 0, 0, 0, 0,
		'x' };
	struct wsscan	s;

	memset(&s, 0, sizeof(s));
	ck_assert_uint_eq(wsscan_ready(&s, big, sizeof(big)), sizeof(big));
}
END_TEST

/* A 64-bit length data frame is followed across pieces. */
START_TEST(test_long_data_frame)
{
	static const uint8_t hdr[] = { 0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0,
	    0, 0, 0, 0 };
	static uint8_t	payload[65536];
	struct wsscan	s;

	memset(&s, 0, sizeof(s));
	ck_assert_uint_eq(wsscan_ready(&s, hdr, sizeof(hdr)), sizeof(hdr));
	ck_assert_uint_eq(wsscan_ready(&s, payload, sizeof(payload)),
	    sizeof(payload));
	ck_assert_uint_eq(s.hlen, 0);
	ck_assert_uint_eq(wsscan_ready(&s, ping, 3), 0);
}
END_TEST

/* At rest only between frames and outside a fragmented message. */
START_TEST(test_at_rest)
{
	/* "he" (FIN clear), a ping, "llo" as continuation with FIN. */
	static const uint8_t first[] = { 0x01, 0x82, 0, 0, 0, 0, 'h', 'e' };
	static const uint8_t last[] = { 0x80, 0x83, 0, 0, 0, 0, 'l', 'l', 'o' };
	struct wsscan	s;
	size_t		cut;

	memset(&s, 0, sizeof(s));
	ck_assert(wsscan_at_rest(&s));
	for (cut = 1; cut < sizeof(text); cut++) {
		memset(&s, 0, sizeof(s));
		wsscan_ready(&s, text, cut);
		ck_assert(!wsscan_at_rest(&s));
		wsscan_ready(&s, text + cut, sizeof(text) - cut);
		ck_assert(wsscan_at_rest(&s));
	}
	memset(&s, 0, sizeof(s));
	wsscan_ready(&s, first, sizeof(first));
	ck_assert(!wsscan_at_rest(&s));
	wsscan_ready(&s, ping, sizeof(ping));
	ck_assert(!wsscan_at_rest(&s));
	wsscan_ready(&s, last, sizeof(last));
	ck_assert(wsscan_at_rest(&s));
	/* A held control frame is not at rest until it is given whole. */
	ck_assert_uint_eq(wsscan_ready(&s, ping, 3), 0);
	ck_assert(wsscan_at_rest(&s));
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("wsscan");
	TCase	*t = tcase_create("scan");

	tcase_add_test(t, test_data_split_anywhere);
	tcase_add_test(t, test_control_held_whole);
	tcase_add_test(t, test_control_complete_goes);
	tcase_add_test(t, test_oversize_control_not_held);
	tcase_add_test(t, test_long_data_frame);
	tcase_add_test(t, test_at_rest);
	suite_add_tcase(s, t);
	return s;
}
