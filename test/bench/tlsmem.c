/*
 * tlsmem: where an idle TLS connection's bytes go, for make bench. N server
 * sessions made as the relay makes them (common/tls.c: tls_session_new),
 * each handshaken with a GnuTLS client over a socketpair in this process,
 * then one small record each way; the client is freed at once. glibc's
 * heap in use (mallinfo2) is read before, after the N gnutls_init()s and
 * after the N handshakes; the growth per session is one line of JSON.
 * With "cork", each server then also sends CORK_BYTES in small pieces
 * under gnutls_record_cork() and gnutls_record_uncork(): what corking
 * leaves behind in an idle session.
 *
 * usage: tlsmem CERT KEY [N [cork]]
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "common/tls.h"

#define CORK_BYTES	8192	/* a burst of 64 frames of 128 bytes */
#define CORK_PIECE	128

static size_t
heap(void)
{
	return mallinfo2().uordblks;
}

/* Steps both sides until the handshake is done; 0 or -1. */
static int
shake(gnutls_session_t srv, gnutls_session_t cli)
{
	int	a = GNUTLS_E_AGAIN, b = GNUTLS_E_AGAIN, i;

	for (i = 0; i < 100 && (a != 0 || b != 0); i++) {
		if (b != 0 && (b = gnutls_handshake(cli)) < 0 &&
		    b != GNUTLS_E_AGAIN)
			return -1;
		if (a != 0 && (a = gnutls_handshake(srv)) < 0 &&
		    a != GNUTLS_E_AGAIN)
			return -1;
	}
	return a == 0 && b == 0 ? 0 : -1;
}

/* A record each way, and the client reads what the server sent after. */
static int
talk(gnutls_session_t srv, gnutls_session_t cli)
{
	char	buf[256];
	ssize_t	n;

	if (gnutls_record_send(cli, "ping", 4) != 4 ||
	    gnutls_record_recv(srv, buf, sizeof(buf)) != 4 ||
	    gnutls_record_send(srv, "pong", 4) != 4)
		return -1;
	/* Tickets, then our pong: read until it came. */
	while ((n = gnutls_record_recv(cli, buf, sizeof(buf))) ==
	    GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
		;
	return n == 4 ? 0 : -1;
}

/* A corked burst from the server, read whole by the client. */
static int
burst(gnutls_session_t srv, gnutls_session_t cli)
{
	char	piece[CORK_PIECE], buf[CORK_BYTES];
	size_t	got = 0;
	ssize_t	n;
	int	i;

	memset(piece, 'x', sizeof(piece));
	gnutls_record_cork(srv);
	for (i = 0; i < CORK_BYTES / CORK_PIECE; i++)
		if (gnutls_record_send(srv, piece, sizeof(piece)) !=
		    (ssize_t)sizeof(piece))
			return -1;
	if (gnutls_record_uncork(srv, GNUTLS_RECORD_WAIT) != CORK_BYTES)
		return -1;
	while (got < CORK_BYTES) {
		n = gnutls_record_recv(cli, buf, sizeof(buf));
		if (n <= 0 && n != GNUTLS_E_AGAIN)
			return -1;
		if (n > 0)
			got += (size_t)n;
	}
	return 0;
}

static int
client(gnutls_session_t *cli, gnutls_certificate_credentials_t cred, int fd)
{
	if (gnutls_init(cli, GNUTLS_CLIENT | GNUTLS_NONBLOCK) < 0 ||
	    gnutls_set_default_priority(*cli) < 0 ||
	    gnutls_credentials_set(*cli, GNUTLS_CRD_CERTIFICATE, cred) < 0)
		return -1;
	gnutls_transport_set_int(*cli, fd);
	return 0;
}

int
main(int argc, char *argv[])
{
	gnutls_certificate_credentials_t cred;
	gnutls_session_t	*srv, cli;
	int			(*sv)[2];
	size_t			 n, i, h0, h1, h2;
	int			 cork;

	if (argc < 3 || argc > 5 || (argc == 5 && strcmp(argv[4], "cork")))
		return fprintf(stderr, "usage: tlsmem CERT KEY [N [cork]]\n"),
		    2;
	n = argc >= 4 ? strtoul(argv[3], NULL, 10) : 1000;
	cork = argc == 5;
	tls_opts.cert = argv[1];
	tls_opts.key = argv[2];
	if (n == 0 || tls_init() == -1 ||
	    gnutls_certificate_allocate_credentials(&cred) < 0 ||
	    (srv = calloc(n, sizeof(*srv))) == NULL ||
	    (sv = calloc(n, sizeof(*sv))) == NULL)
		return 1;
	for (i = 0; i < n; i++)
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
		    sv[i]) == -1)
			return fprintf(stderr, "socketpair: %s\n",
			    strerror(errno)), 1;
	h0 = heap();
	for (i = 0; i < n; i++)
		if (tls_session_new(&srv[i], sv[i][0]) == -1)
			return 1;
	h1 = heap();
	for (i = 0; i < n; i++) {
		if (client(&cli, cred, sv[i][1]) == -1 ||
		    shake(srv[i], cli) == -1 || talk(srv[i], cli) == -1 ||
		    (cork && burst(srv[i], cli) == -1))
			return fprintf(stderr, "tlsmem: handshake %zu "
			    "failed\n", i), 1;
		gnutls_deinit(cli);
	}
	h2 = heap();

	printf("{\"sessions\":%zu,\"init_b\":%zu,\"handshake_b\":%zu,"
	    "\"total_b\":%zu,\"corked\":%d,\"cipher\":\"%s\"}\n", n,
	    (h1 - h0) / n, (h2 - h1) / n, (h2 - h0) / n, cork,
	    gnutls_cipher_get_name(gnutls_cipher_get(srv[0])));
	for (i = 0; i < n; i++) {
		gnutls_deinit(srv[i]);
		close(sv[i][0]);
		close(sv[i][1]);
	}
	gnutls_certificate_free_credentials(cred);
	tls_release();
	return 0;
}
