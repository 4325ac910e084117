/*
 * test_transport.c: the TCP transport keeps the contract in transport.h
 * (what read, writev, pending, shutdown and close answer), over a socketpair.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "unit.h"

#include "chatroom/transport.h"

static void
pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    sv), 0);
}

START_TEST(test_read_again_then_bytes)
{
	struct transport	t;
	char			buf[8];
	int			sv[2];

	pair(sv);
	transport_tcp_init(&t, sv[0]);
	ck_assert_int_eq(transport_read(&t, buf, sizeof(buf)),
	    TRANSPORT_AGAIN);
	ck_assert_uint_eq(transport_pending(&t), 0);
	ck_assert_int_eq(write(sv[1], "abc", 3), 3);
	ck_assert_uint_eq(transport_pending(&t), 3);
	ck_assert_int_eq(transport_read(&t, buf, sizeof(buf)), 3);
	ck_assert_mem_eq(buf, "abc", 3);
	ck_assert_uint_eq(transport_pending(&t), 0);
	transport_close(&t);
	close(sv[1]);
}
END_TEST

/* The peer's orderly end reads as 0, never as an error. */
START_TEST(test_read_eof)
{
	struct transport	t;
	char			buf[8];
	int			sv[2];

	pair(sv);
	transport_tcp_init(&t, sv[0]);
	ck_assert_int_eq(shutdown(sv[1], SHUT_WR), 0);
	ck_assert_int_eq(transport_read(&t, buf, sizeof(buf)), 0);
	transport_close(&t);
	close(sv[1]);
}
END_TEST

/* A vector goes out in order, as one stream. */
START_TEST(test_writev_in_order)
{
	struct transport	t;
	char			a[] = "hel", b[] = "lo", buf[8];
	struct iovec		iov[2] = { { a, 3 }, { b, 2 } };
	int			sv[2];

	pair(sv);
	transport_tcp_init(&t, sv[0]);
	ck_assert_int_eq(transport_writev(&t, iov, 2), 5);
	ck_assert_int_eq(read(sv[1], buf, sizeof(buf)), 5);
	ck_assert_mem_eq(buf, "hello", 5);
	ck_assert_int_eq(transport_write_all(&t, a, 3), 0);
	ck_assert_int_eq(read(sv[1], buf, sizeof(buf)), 3);
	transport_close(&t);
	close(sv[1]);
}
END_TEST

/* A full socket answers AGAIN; a gone peer FAIL, with no SIGPIPE. */
START_TEST(test_writev_full_and_broken)
{
	struct transport	t;
	static char		big[1 << 16];
	struct iovec		iov = { big, sizeof(big) };
	ssize_t			n;
	int			sv[2], i;

	pair(sv);
	transport_tcp_init(&t, sv[0]);
	for (i = 0; i < 1000; i++)
		if ((n = transport_writev(&t, &iov, 1)) == TRANSPORT_AGAIN)
			break;
	ck_assert_int_eq(n, TRANSPORT_AGAIN);
	ck_assert_int_eq(transport_write_all(&t, big, sizeof(big)), -1);
	close(sv[1]);
	ck_assert_int_eq(transport_writev(&t, &iov, 1), TRANSPORT_FAIL);
	transport_close(&t);
}
END_TEST

/* shutdown() ends our side only: the peer sees EOF and can still talk. */
START_TEST(test_shutdown_keeps_reading)
{
	struct transport	t;
	char			buf[8];
	int			sv[2];

	pair(sv);
	transport_tcp_init(&t, sv[0]);
	ck_assert_int_eq(transport_shutdown(&t), 0);
	ck_assert_int_eq(read(sv[1], buf, sizeof(buf)), 0);
	ck_assert_int_eq(write(sv[1], "x", 1), 1);
	ck_assert_int_eq(transport_read(&t, buf, sizeof(buf)), 1);
	transport_rest(&t);
	transport_close(&t);
	close(sv[1]);
}
END_TEST

/* close() closes the fd once; a second close() is a no-op. */
START_TEST(test_close_twice)
{
	struct transport	t;
	int			sv[2];

	pair(sv);
	transport_tcp_init(&t, sv[0]);
	transport_close(&t);
	ck_assert_int_eq(t.fd, -1);
	ck_assert_int_eq(fcntl(sv[0], F_GETFD), -1);
	transport_close(&t);
	close(sv[1]);
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("transport");
	TCase	*t = tcase_create("tcp");

	tcase_add_test(t, test_read_again_then_bytes);
	tcase_add_test(t, test_read_eof);
	tcase_add_test(t, test_writev_in_order);
	tcase_add_test(t, test_writev_full_and_broken);
	tcase_add_test(t, test_shutdown_keeps_reading);
	tcase_add_test(t, test_close_twice);
	suite_add_tcase(s, t);
	return s;
}
