/*
 * tls.c: TLS behind the transport seam (transport.h). A non-blocking GnuTLS
 * server session on the socket; the handshake runs inside read() and
 * writev(), which answer TRANSPORT_AGAIN until it is done, so the conn's
 * handshake deadline covers it. The session comes from common/tls.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "common/tls.h"
#include "transport.h"

/* One TLS record's worth of plaintext: frames of a turn go out together. */
#define TLS_RECORD_MAX	16384

struct tls_conn {
	gnutls_session_t	 s;
	int			 done;		/* handshake finished */
	size_t			 inflight;	/* record sent in part */
};

/* Shared by every conn: the loop is one thread, a record is built at once. */
static unsigned char	tls_out[TLS_RECORD_MAX];

static ssize_t
tls_result(ssize_t rc)
{
	if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED)
		return TRANSPORT_AGAIN;
	return TRANSPORT_FAIL;
}

/* 0 once the handshake is done, else TRANSPORT_AGAIN or _FAIL. */
static ssize_t
tls_handshake(struct tls_conn *tc)
{
	int	rc;

	if (tc->done)
		return 0;
	rc = gnutls_handshake(tc->s);
	if (rc == 0) {
		tc->done = 1;
		return 0;
	}
	if (gnutls_error_is_fatal(rc) == 0 && rc != GNUTLS_E_AGAIN &&
	    rc != GNUTLS_E_INTERRUPTED)
		return TRANSPORT_FAIL;	/* a warning alert: no second try */
	return tls_result(rc);
}

/*
 * A client's renegotiation (GNUTLS_E_REHANDSHAKE, TLS 1.2 only) is not
 * answered: the connection fails, as any other error of the record layer.
 */
static ssize_t
tls_read(struct transport *t, void *buf, size_t len)
{
	struct tls_conn	*tc = t->impl;
	ssize_t		 n;

	if ((n = tls_handshake(tc)) != 0)
		return n;
	n = gnutls_record_recv(tc->s, buf, len);
	if (n >= 0)
		return n;
	return tls_result(n);
}

/* The first bytes of the vector, up to one record, in tls_out. */
static size_t
tls_gather(struct iovec *iov, int n)
{
	size_t	len = 0, k;
	int	i;

	for (i = 0; i < n && len < sizeof(tls_out); i++) {
		k = iov[i].iov_len;
		if (k > sizeof(tls_out) - len)
			k = sizeof(tls_out) - len;
		memcpy(tls_out + len, iov[i].iov_base, k);
		len += k;
	}
	return len;
}

/*
 * All the frames a turn queued go out as one record (up to 16 KiB), so the
 * relay's encode-once fan-out pays one encryption and one write per conn,
 * not one per frame (test/tls t_one_write counts them). After
 * GNUTLS_E_AGAIN GnuTLS holds the record it made; the caller offers the
 * same bytes again and they are flushed, not encrypted twice.
 * gnutls_record_cork() would make the same records, but through a buffer
 * of the session's own that GnuTLS 3.7.9 keeps until gnutls_deinit()
 * (lib/record.c, append_data_to_corked): an 8 KiB burst left 8.6 KiB in
 * every idle session (make bench, tlsmem). The one tls_out serves all.
 */
static ssize_t
tls_writev(struct transport *t, struct iovec *iov, int n)
{
	struct tls_conn	*tc = t->impl;
	ssize_t		 w;
	size_t		 len;

	if ((w = tls_handshake(tc)) != 0)
		return w;
	if (tc->inflight > 0) {
		if ((w = gnutls_record_send(tc->s, NULL, 0)) < 0)
			return tls_result(w);
		w = (ssize_t)tc->inflight;
		tc->inflight = 0;
		return w;
	}
	if (n == 1) {
		len = iov[0].iov_len < sizeof(tls_out) ? iov[0].iov_len :
		    sizeof(tls_out);
		w = gnutls_record_send(tc->s, iov[0].iov_base, len);
	} else {
		len = tls_gather(iov, n);
		w = gnutls_record_send(tc->s, tls_out, len);
		sodium_memzero(tls_out, len);
	}
	if (w >= 0)
		return w;
	if (w == GNUTLS_E_AGAIN)
		tc->inflight = len;
	return tls_result(w);
}

/* The kernel's bytes and those GnuTLS decrypted but read() kept back. */
static size_t
tls_pending(const struct transport *t)
{
	const struct tls_conn	*tc = t->impl;
	int			 n = 0;
	size_t			 held = 0;

	if (tc->done)
		held = gnutls_record_check_pending(tc->s);
	if (ioctl(t->fd, FIONREAD, &n) == -1 || n < 0)
		n = 0;
	return held + (size_t)n;
}

/* close_notify, then FIN; an alert that does not fit now is left unsaid. */
static int
tls_shutdown(struct transport *t)
{
	struct tls_conn	*tc = t->impl;
	int		 rc;

	if (tc->done) {
		rc = gnutls_bye(tc->s, GNUTLS_SHUT_WR);
		if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED)
			return 0;
		if (rc < 0)
			return -1;
	}
	return shutdown(t->fd, SHUT_WR);
}

/*
 * GnuTLS 3.7.9 frees its record buffers once a record is read or written;
 * what an idle session holds has no call to give it back: 8.0 KiB from
 * gnutls_init() (7,304 bytes of it the session struct) and 1.3 KiB more
 * after the handshake (the epoch, both ciphers' state), measured by
 * make bench (tlsmem). Nothing to do here.
 */
static void
tls_rest(struct transport *t)
{
	(void)t;
}

static void
tls_close(struct transport *t)
{
	struct tls_conn	*tc = t->impl;

	if (tc != NULL) {
		gnutls_deinit(tc->s);
		free(tc);
		t->impl = NULL;
	}
	if (t->fd != -1)
		close(t->fd);
	t->fd = -1;
}

/* The handshake waits on a write: the conn must also watch EPOLLOUT. */
static int
tls_want_write(const struct transport *t)
{
	const struct tls_conn	*tc = t->impl;

	return !tc->done && gnutls_record_get_direction(tc->s) == 1;
}

static const struct transport_ops tls_ops = {
	.read = tls_read,
	.writev = tls_writev,
	.pending = tls_pending,
	.shutdown = tls_shutdown,
	.rest = tls_rest,
	.close = tls_close,
	.want_write = tls_want_write,
};

int
transport_tls_init(struct transport *t, int fd)
{
	struct tls_conn	*tc;

	if ((tc = calloc(1, sizeof(*tc))) == NULL)
		return -1;
	if (tls_session_new(&tc->s, fd) == -1) {
		free(tc);
		return -1;
	}
	t->ops = &tls_ops;
	t->fd = fd;
	t->impl = tc;
	return 0;
}

size_t
transport_tls_held(const struct transport *t)
{
	const struct tls_conn	*tc = t->impl;

	if (t->ops != &tls_ops || tc == NULL || !tc->done)
		return 0;
	return gnutls_record_check_pending(tc->s);
}
