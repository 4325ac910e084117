/*
 * connect.c: the C client's way onto the relay: the ws:// URL, the TCP
 * connection (IPv4 or IPv6) and the opening handshake of RFC 6455 with our
 * own request (test/lib/wsclient.c checks the 101). Bytes that arrive with
 * the 101 stay in c->pre for wslay.
 */

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>

#include "test/interop/client.h"
#include "test/lib/wsclient.h"

/* Parses ws://HOST:PORT/PATH; HOST may be a bracketed IPv6 literal. */
int
url_parse(struct url *u, const char *s)
{
	const char *a, *e, *colon, *slash;
	size_t n;

	if (strncmp(s, "ws://", 5) != 0)
		return -1;
	a = s + 5;
	slash = strchr(a, '/');
	e = slash ? slash : a + strlen(a);
	n = (size_t)(e - a);
	if (n == 0 || n >= sizeof(u->authority))
		return -1;
	memcpy(u->authority, a, n);
	u->authority[n] = '\0';
	snprintf(u->path, sizeof(u->path), "%s", slash ? slash : "/");
	if (a[0] == '[') {
		const char *rb = memchr(a, ']', n);

		if (rb == NULL || (size_t)(rb - a - 1) >= sizeof(u->host))
			return -1;
		memcpy(u->host, a + 1, (size_t)(rb - a - 1));
		u->host[rb - a - 1] = '\0';
		colon = rb + 1 < e && rb[1] == ':' ? rb + 1 : NULL;
		if (colon == NULL && rb + 1 != e)
			return -1;
	} else {
		colon = memchr(a, ':', n);
		n = colon ? (size_t)(colon - a) : n;
		if (n == 0 || n >= sizeof(u->host))
			return -1;
		memcpy(u->host, a, n);
		u->host[n] = '\0';
	}
	n = colon ? (size_t)(e - colon - 1) : 2;
	if (n == 0 || n >= sizeof(u->port))
		return -1;
	snprintf(u->port, sizeof(u->port), "%.*s", (int)n,
	    colon ? colon + 1 : "80");
	return 0;
}

int
net_connect(const struct url *u)
{
	struct addrinfo hints, *res, *ai;
	struct timeval tv = { 10, 0 };
	int fd = -1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(u->host, u->port, &hints, &res)) != 0)
		die("%s: %s", u->host, gai_strerror(rc));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		die("connect %s: %s", u->authority, strerror(errno));
	return fd;
}

/* Reads the response head into c->pre; returns its length up to CRLFCRLF. */
static size_t
handshake_read(struct client *c)
{
	char *end;
	ssize_t r;

	for (;;) {
		if (c->prelen == sizeof(c->pre) - 1)
			die("handshake response over %zu bytes",
			    sizeof(c->pre) - 1);
		r = recv(c->fd, c->pre + c->prelen,
		    sizeof(c->pre) - 1 - c->prelen, 0);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			die("handshake: %s", r == 0 ? "connection closed" :
			    strerror(errno));
		c->prelen += (size_t)r;
		c->pre[c->prelen] = '\0';
		if (memchr(c->pre, '\0', c->prelen) == NULL &&
		    (end = strstr((char *)c->pre, "\r\n\r\n")) != NULL)
			return (size_t)(end - (char *)c->pre) + 4;
	}
}

/* Sends the upgrade request and checks the 101; leftover bytes stay in pre. */
void
handshake(struct client *c, const struct url *u)
{
	char key[WSCLIENT_KEY_LEN + 1], req[2048];
	const char *why;
	size_t headlen;
	int n, status;

	wsclient_key(key);
	n = snprintf(req, sizeof(req),
	    "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
	    "Sec-WebSocket-Version: 13\r\n"
	    "User-Agent: sanctuary-client\r\n\r\n", u->path, u->authority, key);
	if (n < 0 || (size_t)n >= sizeof(req))
		die("request too long");
	if (send(c->fd, req, (size_t)n, MSG_NOSIGNAL) != n)
		die("handshake: send: %s", strerror(errno));
	headlen = handshake_read(c);
	if (strncmp((char *)c->pre, "HTTP/1.1 ", 9) != 0 ||
	    c->pre[9] < '1' || c->pre[9] > '5' ||
	    c->pre[10] < '0' || c->pre[10] > '9' ||
	    c->pre[11] < '0' || c->pre[11] > '9' || c->pre[12] != ' ')
		die("handshake: not an HTTP/1.1 response");
	status = (c->pre[9] - '0') * 100 + (c->pre[10] - '0') * 10 +
	    (c->pre[11] - '0');
	if (status != 101) {
		printf("http %d", status);
		out_end();
		exit(1);
	}
	c->pre[headlen - 2] = '\0';	/* the block ends with one CRLF */
	why = wsclient_check(strstr((char *)c->pre, "\r\n") + 2, key);
	if (why != NULL)
		die("handshake: %s", why);
	c->preoff = headlen;
}
