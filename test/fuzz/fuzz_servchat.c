/*
 * fuzz_servchat.c: servchat's request handling (routes.c, headers.c,
 * rules.c) behind a real libmicrohttpd daemon, set up as server.c sets it up
 * (identity unescaping, the URI log hook, a discarding logger, the same
 * limits) but polled from here, with no listening socket: each input is one
 * connection, a socketpair end given to MHD_add_connection(). The input is
 * the client's bytes, written in pieces whose sizes come from its first
 * bytes, with the daemon run between pieces.
 *
 * Checked: the bytes that come back are a sequence of whole HTTP/1.x
 * responses; every response servchat made (a known status) carries the full
 * security header set and a Cache-Control; /api/key bodies are a fresh
 * canonical key; the connection is released once the client hangs up. The
 * embedded assets are a small table of this file's own (the real one is
 * generated at build time from static/, which needs npm). FUZZ_TRACE in
 * the environment prints what came back.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "common/key.h"
#include "servchat/assets.h"
#include "servchat/headers.h"
#include "servchat/routes.h"

#define MAX_TURNS	64
#define OUT_CAP		(1 << 20)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const unsigned char	index_html[] =
    "<!doctype html><title>Sanctuary</title><script src=/app.js></script>";
static const unsigned char	app_js[] = "'use strict';\n";
static const unsigned char	app_css[] = "body{margin:0}\n";
/* Stand-ins: routes.c never looks inside a coded body. */
static const unsigned char	app_js_gz[] = { 0x1f, 0x8b, 0x08, 0x00 };
static const unsigned char	app_js_br[] = { 0x0b, 0x06, 0x80 };

/* Sorted by path, as embed.c writes it; app.js has coded bodies too. */
const struct asset	assets[] = {
	{ "/app.css", "text/css; charset=utf-8", "app.css", {
	  { app_css, sizeof(app_css) - 1, "\"Y3NzY3NzY3NzY3NzY3NzY3\"" },
	  { NULL, 0, NULL }, { NULL, 0, NULL } } },
	{ "/app.js", "text/javascript; charset=utf-8", "app.js", {
	  { app_js, sizeof(app_js) - 1, "\"anNqc2pzanNqc2pzanNqc2\"" },
	  { app_js_gz, sizeof(app_js_gz), "\"Z3pnemd6Z3pnemd6Z3pnem\"" },
	  { app_js_br, sizeof(app_js_br), "\"YnJicmJyYnJicmJyYnJicm\"" } } },
	{ "/index.html", "text/html; charset=utf-8", "index.html", {
	  { index_html, sizeof(index_html) - 1,
	    "\"aHRtbGh0bWxodG1saHRtbG\"" },
	  { NULL, 0, NULL }, { NULL, 0, NULL } } },
};
const size_t		assets_count = sizeof(assets) / sizeof(assets[0]);

static const char *const security[] = {
	"\r\nContent-Security-Policy: default-src 'none'; ",
	"\r\nX-Content-Type-Options: nosniff\r\n",
	"\r\nReferrer-Policy: no-referrer\r\n",
	"\r\nCross-Origin-Opener-Policy: same-origin\r\n",
	"\r\nCross-Origin-Resource-Policy: same-origin\r\n",
	"\r\nX-Frame-Options: DENY\r\n",
	"\r\nPermissions-Policy: ",
	"\r\nCache-Control: no-",
};

static struct MHD_Daemon	*daemon_;
static uint8_t			 out[OUT_CAP];
static size_t			 outlen;

static void
log_discard(void *cls, const char *fmt, va_list ap)
{
}

/* server.c: URLs stay undecoded. */
static size_t
unescape_none(void *cls, struct MHD_Connection *c, char *s)
{
	return strlen(s);
}

static void
start(void)
{
	struct routes_conf	conf = {
		.chatport = 9696, .max_message = 65536, .dirfd = -1
	};

	if (sodium_init() < 0)
		abort();
	headers_init(9696, NULL, 0);
	if (routes_init(&conf) == -1)
		abort();
	daemon_ = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET | MHD_USE_EPOLL,
	    0, NULL, NULL, routes_handle, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, 15u,
	    MHD_OPTION_CONNECTION_LIMIT, 256u,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, 16u,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
	    MHD_OPTION_EXTERNAL_LOGGER, log_discard, NULL,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape_none, NULL,
	    MHD_OPTION_URI_LOG_CALLBACK, routes_uri_seen, NULL,
	    MHD_OPTION_END);
	if (daemon_ == NULL)
		abort();
}

static unsigned
connections(void)
{
	const union MHD_DaemonInfo *di;

	di = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return di == NULL ? 0 : di->num_connections;
}

/* Runs the daemon and reads its answers until neither moves. */
static void
settle(int fd)
{
	ssize_t	n;
	int	i, quiet = 0;

	for (i = 0; i < MAX_TURNS && quiet < 3; i++) {
		MHD_run(daemon_);
		n = recv(fd, out + outlen, OUT_CAP - outlen, 0);
		if (n > 0) {
			outlen += (size_t)n;
			quiet = 0;
		} else
			quiet++;
		if (outlen == OUT_CAP)
			abort();
	}
}

static const uint8_t *
find(const uint8_t *p, size_t n, const char *s)
{
	return memmem(p, n, s, strlen(s));
}

/* The value of header name (with ": ") in h[0..n), or NULL. */
static const uint8_t *
header(const uint8_t *h, size_t n, const char *name)
{
	const uint8_t	*v = find(h, n, name);

	return v == NULL ? NULL : v + strlen(name);
}

static size_t
content_length(const uint8_t *h, size_t n)
{
	const uint8_t	*v = header(h, n, "\r\nContent-Length: ");
	size_t		 len = 0;

	if (v == NULL)
		return 0;
	for (; v < h + n && *v >= '0' && *v <= '9'; v++) {
		if (len > OUT_CAP)
			abort();
		len = len * 10 + (size_t)(*v - '0');
	}
	return len;
}

/* A servchat response: the whole security set, and a body that fits. */
static void
check_ours(int status, const uint8_t *h, size_t hn, const uint8_t *body,
    size_t bn)
{
	size_t	i;

	for (i = 0; i < sizeof(security) / sizeof(security[0]); i++)
		if (find(h, hn, security[i]) == NULL)
			abort();
	/* A key: {"key":"<22 base64url>"}, never cached. */
	if (status == 200 && bn > 0 && find(h, hn, "\r\nContent-Type: "
	    "application/json\r\n") != NULL && bn > 8 &&
	    memcmp(body, "{\"key\":\"", 8) == 0) {
		if (bn != 8 + KEY_LEN + 2 ||
		    memcmp(body + 8 + KEY_LEN, "\"}", 2) != 0 ||
		    !key_valid((const char *)body + 8, KEY_LEN) ||
		    find(h, hn, "\r\nCache-Control: no-store\r\n") == NULL)
			abort();
	}
}

/*
 * Parses the responses in out[]. A HEAD's answer has Content-Length but no
 * body, and which request was a HEAD is MHD's business: a response ends
 * either after its body or, if that does not lead to the next response or
 * the end, right after its header.
 */
static void
check_responses(void)
{
	const uint8_t	*p = out, *end = out + outlen, *hend;
	size_t		 hn, clen;
	int		 status;

	while (p < end) {
		if (end - p < 13 || (memcmp(p, "HTTP/1.1 ", 9) != 0 &&
		    memcmp(p, "HTTP/1.0 ", 9) != 0) ||
		    (hend = find(p, (size_t)(end - p), "\r\n\r\n")) == NULL)
			abort();
		status = (p[9] - '0') * 100 + (p[10] - '0') * 10 +
		    (p[11] - '0');
		hn = (size_t)(hend - p) + 2;	/* keeps the last CRLF */
		clen = status == 304 ? 0 : content_length(p, hn);
		hend += 4;
		if (clen > (size_t)(end - hend) || (hend + clen < end &&
		    (size_t)(end - hend - clen) >= 5 &&
		    memcmp(hend + clen, "HTTP/", 5) != 0))
			clen = 0;	/* HEAD */
		switch (status) {
		case 100:
			clen = 0;	/* an interim answer to Expect */
			break;
		case 200:
		case 304:
		case 404:
		case 405:
			check_ours(status, p, hn, hend, clen);
			break;
		case 400:
			/* servchat's own 400, or MHD's for a bad request */
			if (find(p, hn, "\r\nContent-Security-Policy: ") !=
			    NULL)
				check_ours(status, p, hn, hend, clen);
			break;
		case 413:
		case 414:
		case 417:
		case 431:
		case 500:
		case 501:
		case 505:
			break;		/* MHD's own refusals */
		default:
			abort();
		}
		p = hend + clen;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sockaddr_in	 sin;
	size_t			 off = 0, k = 0, step, seeds;
	ssize_t			 n;
	int			 sv[2], i, stuck = 0;

	if (daemon_ == NULL)
		start();
	if (getenv("FUZZ_TRACE") != NULL)
		fprintf(stderr, "input of %zu bytes\n", len);
	outlen = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) == -1)
		abort();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(40000);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (MHD_add_connection(daemon_, sv[0], (const struct sockaddr *)&sin,
	    sizeof(sin)) != MHD_YES)
		abort();
	seeds = len < 8 ? len : 8;
	while (off < len && stuck < MAX_TURNS) {
		step = seeds == 0 ? len :
		    (size_t)(data[k++ % seeds] & 0x7f) * 8 + 1;
		step = step < len - off ? step : len - off;
		n = send(sv[1], data + off, step, MSG_NOSIGNAL);
		if (n > 0)
			off += (size_t)n;
		else if (n == -1 && errno == EAGAIN)
			stuck++;	/* MHD reads no more: refusal due */
		else
			break;		/* MHD closed it */
		settle(sv[1]);
	}
	settle(sv[1]);
	if (getenv("FUZZ_TRACE") != NULL)
		fprintf(stderr, "%.*s\n", (int)outlen, (const char *)out);
	check_responses();
	close(sv[1]);
	for (i = 0; i < MAX_TURNS && connections() > 0; i++)
		MHD_run(daemon_);
	if (connections() != 0)
		abort();	/* the client is gone: so must its conn */
	return 0;
}
