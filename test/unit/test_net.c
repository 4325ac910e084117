/*
 * test_net.c: per-peer keys (IPv6 per /64), the per-peer counts both daemons
 * cap connections with, strict numbers, room keys.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <string.h>

#include "unit.h"

#include "common/key.h"
#include "common/net.h"
#include "common/peers.h"
#include "common/opts.h"

static uint64_t
key_of(const char *addr)
{
	struct sockaddr_storage	ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(addr, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, addr, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, addr, &s4->sin_addr), 1);
	}
	return net_peer_key(&ss);
}

START_TEST(test_peer_key_v6_per_64)
{
	ck_assert_uint_eq(key_of("2001:db8:1:2::1"),
	    key_of("2001:db8:1:2:ffff::9"));
	ck_assert_uint_ne(key_of("2001:db8:1:2::1"), key_of("2001:db8:1:3::1"));
}
END_TEST

START_TEST(test_peer_key_v4)
{
	ck_assert_uint_eq(key_of("192.0.2.7"), key_of("::ffff:192.0.2.7"));
	ck_assert_uint_ne(key_of("192.0.2.7"), key_of("192.0.2.8"));
	ck_assert_uint_eq(key_of("192.0.2.7"), UINT64_C(0x0000ffffc0000207));
	ck_assert_uint_ne(key_of("192.0.2.7"), key_of("::"));
}
END_TEST

/* Exactly max per key, as the abuse suite sees it from outside. */
START_TEST(test_peers_cap_exact)
{
	struct peers	*p = peers_new();
	uint64_t	 a = key_of("192.0.2.7"), b = key_of("192.0.2.8");
	size_t		 i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(peers_add(p, a, 3), 0);
	ck_assert_int_eq(peers_add(p, a, 3), -1);
	ck_assert_uint_eq(peers_count(p, a), 3);
	ck_assert_int_eq(peers_add(p, b, 3), 0);
	ck_assert_uint_eq(peers_count(p, b), 1);
	peers_del(p, a);
	ck_assert_uint_eq(peers_count(p, a), 2);
	ck_assert_int_eq(peers_add(p, a, 3), 0);
	ck_assert_int_eq(peers_add(p, a, 3), -1);
	ck_assert_int_eq(peers_add(p, key_of("192.0.2.9"), 0), -1);
	ck_assert_uint_eq(peers_count(p, key_of("192.0.2.9")), 0);
	peers_free(p);
	peers_free(NULL);
}
END_TEST

/* One IPv6 /64 is one peer: its hosts share one count. */
START_TEST(test_peers_v6_per_64)
{
	struct peers	*p = peers_new();

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(peers_add(p, key_of("2001:db8:1:2::1"), 2), 0);
	ck_assert_int_eq(peers_add(p, key_of("2001:db8:1:2::2"), 2), 0);
	ck_assert_int_eq(peers_add(p, key_of("2001:db8:1:2:ab::3"), 2), -1);
	ck_assert_int_eq(peers_add(p, key_of("2001:db8:1:3::1"), 2), 0);
	ck_assert_uint_eq(peers_count(p, key_of("2001:db8:1:2::9")), 2);
	peers_free(p);
}
END_TEST

/* Past the first 64 buckets the table grows; no count is lost or mixed. */
START_TEST(test_peers_grow_and_drain)
{
	struct peers	*p = peers_new();
	uint64_t	 k;

	ck_assert_ptr_nonnull(p);
	for (k = 0; k < 1000; k++) {
		ck_assert_int_eq(peers_add(p, k, 2), 0);
		if (k % 3 == 0)
			ck_assert_int_eq(peers_add(p, k, 2), 0);
	}
	for (k = 0; k < 1000; k++)
		ck_assert_uint_eq(peers_count(p, k), k % 3 == 0 ? 2 : 1);
	for (k = 0; k < 1000; k++) {
		peers_del(p, k);
		ck_assert_uint_eq(peers_count(p, k), k % 3 == 0 ? 1 : 0);
		peers_del(p, k);
		peers_del(p, k);	/* gone: ignored */
		ck_assert_uint_eq(peers_count(p, k), 0);
	}
	ck_assert_int_eq(peers_add(p, 7, 1), 0);
	ck_assert_uint_eq(peers_count(p, 7), 1);
	peers_free(p);
}
END_TEST

START_TEST(test_parse_long_strict)
{
	long	v = -1;

	ck_assert_int_eq(opts_parse_long(&v, "9696", 1, 65535), 0);
	ck_assert_int_eq(v, 9696);
	ck_assert_int_eq(opts_parse_long(&v, "0", 1, 65535), -1);
	ck_assert_int_eq(opts_parse_long(&v, "65536", 1, 65535), -1);
	ck_assert_int_eq(opts_parse_long(&v, "12ab", 1, 65535), -1);
	ck_assert_int_eq(opts_parse_long(&v, " 12", 1, 65535), -1);
	ck_assert_int_eq(opts_parse_long(&v, "-1", -5, 5), -1);
	ck_assert_int_eq(opts_parse_long(&v, "", 0, 5), -1);
	ck_assert_int_eq(opts_parse_long(&v, "99999999999999999999", 0,
	    LONG_MAX), -1);
	ck_assert_int_eq(v, 9696);
}
END_TEST

START_TEST(test_room_keys)
{
	char	a[KEY_LEN + 1], b[KEY_LEN + 1];

	key_new(a);
	key_new(b);
	ck_assert_uint_eq(strlen(a), KEY_LEN);
	ck_assert(key_valid(a, KEY_LEN));
	ck_assert(!key_equal(a, b));
	ck_assert(key_equal(a, a));
	/* 22 chars whose last one has low bits set: not canonical. */
	ck_assert(!key_valid("AAAAAAAAAAAAAAAAAAAAAB", KEY_LEN));
	ck_assert(key_valid("AAAAAAAAAAAAAAAAAAAAAA", KEY_LEN));
	ck_assert(!key_valid("AAAAAAAAAAAAAAAAAAAAA+", KEY_LEN));
	ck_assert(!key_valid("AAAAAAAAAAAAAAAAAAAAA", KEY_LEN - 1));
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("net");
	TCase	*t = tcase_create("common");

	tcase_add_test(t, test_peer_key_v6_per_64);
	tcase_add_test(t, test_peer_key_v4);
	tcase_add_test(t, test_peers_cap_exact);
	tcase_add_test(t, test_peers_v6_per_64);
	tcase_add_test(t, test_peers_grow_and_drain);
	tcase_add_test(t, test_parse_long_strict);
	tcase_add_test(t, test_room_keys);
	suite_add_tcase(s, t);
	return s;
}
