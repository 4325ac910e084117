/*
 * test_outq.c: the write path. Frames are encoded once with the shortest
 * length form, written to a real socket in order and whole, and a close that
 * overtakes the queue never cuts a frame already begun.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "unit.h"

#include "chatroom/msg.h"
#include "chatroom/outq.h"
#include "chatroom/transport.h"

static struct msg *
filled(size_t len, int c)
{
	struct msg	*m = msg_new(len);

	ck_assert_ptr_nonnull(m);
	memset(m->data, c, len);
	return m;
}

START_TEST(test_header_forms)
{
	static const struct {
		size_t		len, hlen;
		uint8_t		b1;
	} cases[] = {
		{ 0, 2, 0 }, { 125, 2, 125 }, { 126, 4, 126 },
		{ 65535, 4, 126 }, { 65536, 10, 127 },
	};
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct msg	*m = filled(cases[i].len, 'x');
		uint64_t	 len = 0;
		size_t		 k;

		ck_assert_uint_eq(m->framelen, cases[i].hlen + cases[i].len);
		ck_assert_ptr_eq(m->frame + cases[i].hlen, m->data);
		ck_assert_uint_eq(m->frame[0], 0x81);	/* FIN, text, no RSV */
		/* never masked */
		ck_assert_uint_eq(m->frame[1], cases[i].b1);
		if (cases[i].hlen == 2)
			len = m->frame[1];
		for (k = 2; k < cases[i].hlen; k++)
			len = len << 8 | m->frame[k];
		ck_assert_uint_eq(len, cases[i].len);
		msg_unref(m);
	}
}
END_TEST

/* The queue over a plain socket, as the relay's TCP transport writes it. */
static int
write_fd(struct outq *q, int fd)
{
	struct transport	t;

	transport_tcp_init(&t, fd);
	return outq_write(q, &t);
}

static void
nonblocking_pair(int sv[2], int sndbuf)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	if (sndbuf > 0)
		ck_assert_int_eq(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF,
		    &sndbuf, sizeof(sndbuf)), 0);
}

/* Reads what is there into buf at *got. */
static void
drain(int fd, uint8_t *buf, size_t cap, size_t *got)
{
	ssize_t	n;

	while (*got < cap && (n = read(fd, buf + *got, cap - *got)) > 0)
		*got += (size_t)n;
}

/* One shared msg in many queues: each writes its own copy of the frame. */
START_TEST(test_shared_frame)
{
	struct outq	 q[3];
	struct msg	*m = filled(100, 'a');
	int		 sv[3][2], i;

	memset(q, 0, sizeof(q));
	for (i = 0; i < 3; i++) {
		nonblocking_pair(sv[i], 0);
		ck_assert_int_eq(outq_push(&q[i], m), 0);
	}
	ck_assert_uint_eq(m->refs, 4);
	msg_unref(m);			/* the queues hold it now */
	for (i = 0; i < 3; i++) {
		uint8_t	buf[256];
		size_t	got = 0;

		ck_assert_int_eq(write_fd(&q[i], sv[i][0]), 0);
		ck_assert_uint_eq(q[i].count, 0);
		ck_assert_uint_eq(q[i].bytes, 0);
		drain(sv[i][1], buf, sizeof(buf), &got);
		ck_assert_uint_eq(got, 102);
		ck_assert_uint_eq(buf[0], 0x81);
		ck_assert_uint_eq(buf[1], 100);
		ck_assert_uint_eq(buf[101], 'a');
		outq_release(&q[i]);
		close(sv[i][0]);
		close(sv[i][1]);
	}
}
END_TEST

/*
 * More frames than one sendmsg() carries and more bytes than the socket
 * takes: the reader sees every frame, in order, byte for byte.
 */
START_TEST(test_order_across_partial_writes)
{
	enum { N = 300, LEN = 1000 };
	static uint8_t	 got_buf[N * (LEN + 4)];
	struct outq	 q;
	size_t		 got = 0, i, rounds = 0;
	int		 sv[2];

	memset(&q, 0, sizeof(q));
	nonblocking_pair(sv, 4096);
	for (i = 0; i < N; i++) {
		struct msg	*m = filled(LEN, (int)(i & 0xff));

		ck_assert_int_eq(outq_push(&q, m), 0);
		msg_unref(m);
	}
	ck_assert_uint_eq(q.bytes, (size_t)N * (LEN + 4));
	while (q.count > 0) {
		ck_assert_int_eq(write_fd(&q, sv[0]), 0);
		drain(sv[1], got_buf, sizeof(got_buf), &got);
		ck_assert_uint_lt(++rounds, 100000);
	}
	ck_assert_uint_gt(rounds, 1);	/* the kernel did refuse part of it */
	ck_assert_uint_eq(got, sizeof(got_buf));
	for (i = 0; i < N; i++) {
		const uint8_t	*f = got_buf + i * (LEN + 4);

		ck_assert_uint_eq(f[0], 0x81);
		ck_assert_uint_eq(f[1], 126);
		ck_assert_uint_eq((size_t)f[2] << 8 | f[3], LEN);
		ck_assert_uint_eq(f[4], i & 0xff);
		ck_assert_uint_eq(f[LEN + 3], i & 0xff);
	}
	outq_release(&q);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* A begun frame is finished; the rest is forgotten and its refs dropped. */
START_TEST(test_drop_keeps_begun_frame)
{
	static uint8_t	 buf[1 << 20];
	struct outq	 q;
	struct msg	*big = filled(200000, 'b'), *after = filled(10, 'c');
	size_t		 got = 0;
	int		 sv[2];

	memset(&q, 0, sizeof(q));
	nonblocking_pair(sv, 4096);
	ck_assert_int_eq(outq_push(&q, big), 0);
	ck_assert_int_eq(outq_push(&q, after), 0);
	ck_assert_int_eq(write_fd(&q, sv[0]), 0);
	ck_assert_uint_eq(q.count, 2);		/* the socket took only part */
	outq_drop_unstarted(&q);
	ck_assert_uint_eq(q.count, 1);
	ck_assert_uint_eq(after->refs, 1);
	ck_assert_uint_eq(q.bytes, big->framelen - q.ent[q.head].off);
	while (q.count > 0) {
		ck_assert_int_eq(write_fd(&q, sv[0]), 0);
		drain(sv[1], buf, sizeof(buf), &got);
	}
	ck_assert_uint_eq(got, big->framelen);
	ck_assert_int_eq(memcmp(buf, big->frame, big->framelen), 0);

	/* Nothing begun: everything goes. */
	ck_assert_int_eq(outq_push(&q, after), 0);
	outq_drop_unstarted(&q);
	ck_assert_uint_eq(q.count, 0);
	ck_assert_uint_eq(q.bytes, 0);
	outq_release(&q);
	msg_unref(big);
	msg_unref(after);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* The ring is held only while something is queued. */
START_TEST(test_trim_only_when_empty)
{
	struct outq	 q;
	struct msg	*m = filled(5, 'd');
	int		 sv[2];

	memset(&q, 0, sizeof(q));
	nonblocking_pair(sv, 0);
	ck_assert_int_eq(outq_push(&q, m), 0);
	ck_assert_ptr_nonnull(q.ent);
	outq_trim(&q);
	ck_assert_ptr_nonnull(q.ent);
	ck_assert_int_eq(write_fd(&q, sv[0]), 0);
	outq_trim(&q);
	ck_assert_ptr_null(q.ent);
	ck_assert_uint_eq(m->refs, 1);
	msg_unref(m);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* A socket whose peer is gone is reported dead, not as would-block. */
START_TEST(test_dead_socket)
{
	struct outq	 q;
	struct msg	*m = filled(5, 'e');
	int		 sv[2];

	memset(&q, 0, sizeof(q));
	nonblocking_pair(sv, 0);
	close(sv[1]);
	ck_assert_int_eq(outq_push(&q, m), 0);
	ck_assert_int_eq(write_fd(&q, sv[0]), -1);
	outq_release(&q);
	msg_unref(m);
	close(sv[0]);
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("outq");
	TCase	*t = tcase_create("write path");

	tcase_add_test(t, test_header_forms);
	tcase_add_test(t, test_shared_frame);
	tcase_add_test(t, test_order_across_partial_writes);
	tcase_add_test(t, test_drop_keeps_begun_frame);
	tcase_add_test(t, test_trim_only_when_empty);
	tcase_add_test(t, test_dead_socket);
	suite_add_tcase(s, t);
	return s;
}
