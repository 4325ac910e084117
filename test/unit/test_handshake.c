/*
 * test_handshake.c: the opening handshake parser and responses, exact bytes
 * and statuses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "unit.h"

#include "chatroom/handshake.h"

#define RL	"GET / HTTP/1.1\r\n"
#define HOST	"Host: 127.0.0.1:9696\r\n"
#define UPG	"Upgrade: websocket\r\n"
#define CONN	"Connection: Upgrade\r\n"
#define KEY	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
#define VER	"Sec-WebSocket-Version: 13\r\n"
#define END	"\r\n"
#define VALID	RL HOST UPG CONN KEY VER END
#define RFC_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

struct hs_case {
	const char	*req;
	size_t		 len;
	int		 status;
};
#define C(s, st)	{ s, sizeof(s) - 1, st }

static const char *const allow[] = { "https://chat.example.org",
    "http://10.0.0.1:6969" };
static const struct hs_config cfg = { 8192, allow, 2 };
static const struct hs_config cfg_none = { 8192, NULL, 0 };

static struct hs_result
parse_cfg(const struct hs_config *cf, const char *buf, size_t len)
{
	struct hs_result r;

	memset(&r, 0xa5, sizeof(r));	/* the parser must set every field */
	handshake_parse(&r, cf, buf, len);
	return r;
}

static struct hs_result
parse(const char *buf, size_t len)
{
	return parse_cfg(&cfg, buf, len);
}

/*
 * The verdict must depend only on the bytes: every prefix short of the
 * request's end is 0 (or already the final 431), and once a verdict appears it
 * never changes.
 */
static void
check_prefixes(const struct hs_config *cf, const char *buf, size_t len)
{
	struct hs_result whole, r;
	size_t		 i;

	whole = parse_cfg(cf, buf, len);
	for (i = 0; i <= len; i++) {
		r = parse_cfg(cf, buf, i);
		if (r.status == 0)
			continue;
		ck_assert_int_eq(r.status, whole.status);
		ck_assert_uint_eq(r.consumed, whole.consumed);
		ck_assert_mem_eq(r.accept, whole.accept,
		    r.status == 101 ? 29 : 0);
	}
}

/* Requests to refuse, each with its status (check order 400 > 405 ...). */
static const struct hs_case bad[] = {
	/* request line */
	C("POST / HTTP/1.1\r\n" HOST UPG CONN KEY VER END, 405),
	C("get / HTTP/1.1\r\n" HOST UPG CONN KEY VER END, 405),
	C("OPTIONS * HTTP/1.1\r\n" HOST UPG CONN KEY VER END, 405),
	/* 405 before header 400s */
	C("POST / HTTP/1.1\r\n" UPG CONN END, 405),
	C("GET / HTTP/1.0\r\n" HOST UPG CONN KEY VER END, 400),
	C("GET / HTTP/2.0\r\n" HOST UPG CONN KEY VER END, 400),
	C("GET / HTTP/1.10\r\n" HOST UPG CONN KEY VER END, 400),
	C("GET / http/1.1\r\n" HOST UPG CONN KEY VER END, 400),
	C("GET /  HTTP/1.1\r\n" HOST UPG CONN KEY VER END, 400),
	C("GET / HTTP/1.1 \r\n" HOST UPG CONN KEY VER END, 400),
	C(" GET / HTTP/1.1\r\n" HOST UPG CONN KEY VER END, 400),
	C("GET HTTP/1.1\r\n" HOST UPG CONN KEY VER END, 400),
	C("G(T / HTTP/1.1\r\n" HOST UPG CONN KEY VER END, 400),
	C("GET /\x80 HTTP/1.1\r\n" HOST UPG CONN KEY VER END, 400),
	C("GET /\t HTTP/1.1\r\n" HOST UPG CONN KEY VER END, 400),
	C("\r\n\r\n", 400),
	C("\r\n" VALID, 400),
	/* framing: NUL, bare LF, bare CR */
	C("GET /\0 HTTP/1.1\r\n" HOST UPG CONN KEY VER END, 400),
	C(RL HOST UPG CONN KEY VER "X-A: a\0b\r\n" END, 400),
	/* framing before 405 */
	C("POST / HTTP/1.1\r\n" HOST "X-A: \0\r\n" END, 400),
	C("GET / HTTP/1.1\n" HOST UPG CONN KEY VER END, 400),
	C(RL "Host: 127.0.0.1:9696\n" UPG CONN KEY VER END, 400),
	C(RL HOST UPG CONN KEY VER "X-A: a\nb\r\n" END, 400),
	C(RL HOST UPG CONN KEY VER "X-A: a\rb\r\n" END, 400),
	C(RL HOST UPG CONN KEY VER "X-A: a\r\r\n" END, 400),
	/* field syntax */
	/* obs-fold */
	C(RL HOST UPG CONN KEY VER "X-A: a\r\n b\r\n" END, 400),
	C(RL HOST UPG CONN KEY VER "X-A: a\r\n\tb\r\n" END, 400),
	C(RL " " HOST UPG CONN KEY VER END, 400),
	C(RL HOST UPG CONN KEY VER "X-Nocolon\r\n" END, 400),
	C(RL "Host : 127.0.0.1:9696\r\n" UPG CONN KEY VER END, 400),
	C(RL HOST UPG CONN KEY VER "X-A\t: a\r\n" END, 400),
	C(RL HOST UPG CONN KEY VER ": a\r\n" END, 400),
	C(RL HOST UPG CONN KEY VER "X(A): a\r\n" END, 400),
	C(RL HOST UPG CONN KEY VER "X-A: a\x01" "b\r\n" END, 400),
	C(RL HOST UPG CONN KEY VER "X-A: a\x7f" "b\r\n" END, 400),
	C(RL HOST UPG CONN KEY VER "X-A: a\x1b[2J\r\n" END, 400),
	/* Host */
	C(RL UPG CONN KEY VER END, 400),
	C(RL HOST HOST UPG CONN KEY VER END, 400),
	C(RL "Host: \r\n" UPG CONN KEY VER END, 400),
	C(RL "Host: a b\r\n" UPG CONN KEY VER END, 400),
	C(RL "Host: [::1\r\n" UPG CONN KEY VER END, 400),
	C(RL "Host: []:9696\r\n" UPG CONN KEY VER END, 400),
	C(RL "Host: ::1\r\n" UPG CONN KEY VER END, 400),
	C(RL "Host: a:96x\r\n" UPG CONN KEY VER END, 400),
	C(RL "Host: user@a\r\n" UPG CONN KEY VER END, 400),
	/* Upgrade, Connection */
	C(RL HOST CONN KEY VER END, 400),
	C(RL HOST "Upgrade: h2c\r\n" CONN KEY VER END, 400),
	C(RL HOST "Upgrade: websocket/13\r\n" CONN KEY VER END, 400),
	C(RL HOST "Upgrade: websockets\r\n" CONN KEY VER END, 400),
	C(RL HOST "Upgrade: \r\n" CONN KEY VER END, 400),
	C(RL HOST UPG UPG CONN KEY VER END, 400),
	C(RL HOST UPG KEY VER END, 400),
	C(RL HOST UPG "Connection: keep-alive\r\n" KEY VER END, 400),
	C(RL HOST UPG "Connection: upgrades\r\n" KEY VER END, 400),
	C(RL HOST UPG "Connection: keep-alive upgrade\r\n" KEY VER END, 400),
	/* Sec-WebSocket-Key */
	C(RL HOST UPG CONN VER END, 400),
	C(RL HOST UPG CONN KEY KEY VER END, 400),
	C(RL HOST UPG CONN "Sec-WebSocket-Key: \r\n" VER END, 400),
	C(RL HOST UPG CONN "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ\r\n" VER
	    END, 400),
	C(RL HOST UPG CONN "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=\r\n" VER
	    END, 400),
	C(RL HOST UPG CONN "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ===\r\n"
	    VER END, 400),
	C(RL HOST UPG CONN "Sec-WebSocket-Key: MDEyMzQ1Njc4OWFiY2RlZmdoaWo=\r\n"
	    VER END,
	    400),	/* 20 bytes */
	C(RL HOST UPG CONN "Sec-WebSocket-Key: MDEyMzQ1Njc4OWFiY2RlZg==AA\r\n"
	    VER END,
	    400),
	C(RL HOST UPG CONN "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZ-==\r\n" VER
	    END, 400),
	C(RL HOST UPG CONN "Sec-WebSocket-Key: dGhlIHNhbXBs ZSBub25jZQ==\r\n"
	    VER END,
	    400),
	C(RL HOST UPG CONN "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j=Q==\r\n" VER
	    END,
	    400),
	C(RL HOST UPG CONN "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQAA\r\n" VER
	    END, 400),
	/* Sec-WebSocket-Version */
	C(RL HOST UPG CONN KEY VER VER END, 400),
	C(RL HOST UPG CONN KEY END, 426),
	C(RL HOST UPG CONN KEY "Sec-WebSocket-Version: 8\r\n" END, 426),
	C(RL HOST UPG CONN KEY "Sec-WebSocket-Version: 13, 8\r\n" END, 426),
	C(RL HOST UPG CONN KEY "Sec-WebSocket-Version: 013\r\n" END, 426),
	C(RL HOST UPG CONN KEY "Sec-WebSocket-Version: \r\n" END, 426),
	/* order: 400 before 426 before 403 */
	C(RL HOST UPG CONN "Sec-WebSocket-Version: 8\r\n" END, 400),
	C(RL HOST UPG CONN KEY "Sec-WebSocket-Version: 8\r\nOrigin: null\r\n"
	    END, 426),
	C(RL HOST UPG CONN KEY VER "Origin: http://a\r\nOrigin: http://a\r\n"
	    END, 400),
};

/* Requests that must be accepted despite unusual but legal spelling. */
static const struct hs_case good[] = {
	C(VALID, 101),
	C("GET /chat?x=1 HTTP/1.1\r\n" HOST UPG CONN KEY VER END, 101),
	C("GET http://127.0.0.1:9696/ HTTP/1.1\r\n" HOST UPG CONN KEY VER END,
	    101),
	C("GET / HTTP/1.2\r\n" HOST UPG CONN KEY VER END, 101),
	C(RL "hOsT: 127.0.0.1:9696\r\nUPGRADE: WebSocket\r\n"
	    "connection: keep-alive, Upgrade\r\n"
	    "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "SEC-WEBSOCKET-VERSION: 13\r\n" END,
	    101),
	C(RL HOST "Upgrade: foo/2, websocket\r\n" CONN KEY VER END, 101),
	C(RL HOST UPG "Connection: keep-alive\r\nConnection: ,upgrade ,\r\n" KEY
	    VER END, 101),
	C(RL "Host:127.0.0.1:9696\r\n" UPG CONN "Sec-WebSocket-Key: \t "
	    "dGhlIHNhbXBsZSBub25jZQ== \t\r\n"
	    "Sec-WebSocket-Version:13\r\n" END, 101),
	C(RL HOST UPG CONN KEY VER "X-Empty:\r\nUser-Agent: caf\xc3\xa9\t1\r\n"
	    END, 101),
	C(RL HOST UPG CONN KEY VER "Sec-WebSocket-Extensions: "
	    "permessage-deflate\r\n"
	    "Sec-WebSocket-Protocol: chat\r\n" END, 101),
	C(RL "Host: sanctuary.test\r\n" UPG CONN KEY VER "Origin: "
	    "http://sanctuary.test\r\n"
	    END, 101),
	C(RL "Host: [::1]\r\n" UPG CONN KEY VER END, 101),
	C(RL "Host: [::ffff:127.0.0.1]:9696\r\n" UPG CONN KEY VER END, 101),
	C(RL "Host: a:\r\n" UPG CONN KEY VER END, 101),
};

/*
 * Origin checks: Host and allow-list decide (cfg allows chat.example.org,
 * 10.0.0.1:6969).
 */
static const struct hs_case origins[] = {
	C(RL HOST UPG CONN KEY VER END, 101),	/* no Origin: not a browser */
	C(RL HOST UPG CONN KEY VER "Origin: http://127.0.0.1:6969\r\n" END,
	    101),
	C(RL HOST UPG CONN KEY VER "Origin: https://127.0.0.1\r\n" END, 101),
	C(RL "Host: [::1]:9696\r\n" UPG CONN KEY VER "Origin: "
	    "http://[::1]:6969\r\n" END,
	    101),
	C(RL "Host: [::1]:9696\r\n" UPG CONN KEY VER "Origin: "
	    "http://[::2]:6969\r\n" END,
	    403),
	C(RL "Host: sanctuary.test:9696\r\n" UPG CONN KEY VER
	    "Origin: HTTP://Sanctuary.TEST:6969\r\n" END, 101),
	C(RL "Host: sanctuary.test:9696\r\n" UPG CONN KEY VER
	    "Origin: http://evil.example:6969\r\n" END, 403),
	C(RL HOST UPG CONN KEY VER "Origin: "
	    "http://127.0.0.1.evil.example:6969\r\n" END, 403),
	C(RL HOST UPG CONN KEY VER "Origin: http://127.0.0.10:6969\r\n" END,
	    403),
	C(RL HOST UPG CONN KEY VER "Origin: null\r\n" END, 403),
	C(RL HOST UPG CONN KEY VER "Origin: NULL\r\n" END, 403),
	C(RL HOST UPG CONN KEY VER "Origin: \r\n" END, 403),
	C(RL HOST UPG CONN KEY VER "Origin: http://127.0.0.1:6969/\r\n" END,
	    403),
	C(RL HOST UPG CONN KEY VER "Origin: http://u@127.0.0.1:6969\r\n" END,
	    403),
	C(RL HOST UPG CONN KEY VER "Origin: http://127.0.0.1:69x\r\n" END, 403),
	C(RL HOST UPG CONN KEY VER "Origin: ws://127.0.0.1:6969\r\n" END, 403),
	C(RL HOST UPG CONN KEY VER "Origin: file://\r\n" END, 403),
	C(RL HOST UPG CONN KEY VER "Origin: 127.0.0.1\r\n" END, 403),
	C(RL HOST UPG CONN KEY VER "Origin: https://chat.example.org\r\n" END,
	    101),
	C(RL HOST UPG CONN KEY VER "Origin: HTTPS://Chat.Example.ORG\r\n" END,
	    101),
	C(RL HOST UPG CONN KEY VER "Origin: https://chat.example.org:443\r\n"
	    END, 403),
	C(RL HOST UPG CONN KEY VER "Origin: https://chat.example.org.evil\r\n"
	    END, 403),
	C(RL HOST UPG CONN KEY VER "Origin: http://10.0.0.1:6969\r\n" END, 101),
	C(RL HOST UPG CONN KEY VER "Origin: http://10.0.0.1:6970\r\n" END, 403),
};

START_TEST(test_rfc_vector)
{
	static const char req[] = "GET /chat HTTP/1.1\r\n"
	    "Host: server.example.com\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Origin: http://server.example.com\r\nSec-WebSocket-Version: 13\r\n"
	    "\r\n";
	struct hs_result r = parse(req, sizeof(req) - 1);

	ck_assert_int_eq(r.status, 101);
	ck_assert_str_eq(r.accept, RFC_ACCEPT);
	ck_assert_uint_eq(r.consumed, sizeof(req) - 1);
}
END_TEST

START_TEST(test_other_key)
{
	/* Python: base64(sha1(b"AQIDBAUGBwgJCgsMDQ4PEA==" + GUID)) */
	static const char req[] = RL HOST UPG CONN
	    "Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==\r\n" VER END;
	struct hs_result r = parse(req, sizeof(req) - 1);

	ck_assert_int_eq(r.status, 101);
	ck_assert_str_eq(r.accept, "C/0nmHhBztSRGR1CwL6Tf4ZjwpY=");
}
END_TEST

START_TEST(test_trailing_bytes)
{
	/* A client may send its first frame right behind the request. */
	static const char req[] = VALID
	    "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"
	    "\r\n\r\n";
	struct hs_result r = parse(req, sizeof(req) - 1);

	ck_assert_int_eq(r.status, 101);
	ck_assert_uint_eq(r.consumed, sizeof(VALID) - 1);
	ck_assert_str_eq(r.accept, RFC_ACCEPT);
}
END_TEST

/*
 * A bare LF or NUL is refused at once: the CRLFCRLF we would wait for may
 * never come.
 */
START_TEST(test_bare_lf_before_end)
{
	static const char lf[] = "GET / HTTP/1.1\nHost: a\n\n";
	static const char nul[] = "GET / HTTP/1.1\r\nHo\0st: a";
	static const char cr[] = "GET / HTTP/1.1\rHost: a";
	static const char ok[] = "GET / HTTP/1.1\r\nHost: a\r";
	struct hs_result r;

	r = parse(lf, sizeof(lf) - 1);
	ck_assert_int_eq(r.status, 400);
	r = parse(nul, sizeof(nul) - 1);
	ck_assert_int_eq(r.status, 400);
	r = parse(cr, sizeof(cr) - 1);
	ck_assert_int_eq(r.status, 400);
	r = parse(ok, sizeof(ok) - 1);
	ck_assert_int_eq(r.status, 0);
	check_prefixes(&cfg, lf, sizeof(lf) - 1);
}
END_TEST

START_TEST(test_every_prefix)
{
	static const char req[] = VALID;
	struct hs_result r;
	size_t		 i;

	for (i = 0; i < sizeof(req) - 1; i++) {
		r = parse(req, i);
		ck_assert_int_eq(r.status, 0);
		ck_assert_uint_eq(r.consumed, 0);
	}
	r = parse(req, sizeof(req) - 1);
	ck_assert_int_eq(r.status, 101);
}
END_TEST

START_TEST(test_bad)
{
	const struct hs_case *c = &bad[_i];
	struct hs_result r = parse(c->req, c->len);

	ck_assert_msg(r.status == c->status, "case %d: status %d, want %d", _i,
	    r.status, c->status);
	/* consumed only means something on 101 */
	ck_assert_uint_eq(r.consumed, 0);
	check_prefixes(&cfg, c->req, c->len);
}
END_TEST

START_TEST(test_good)
{
	const struct hs_case *c = &good[_i];
	struct hs_result r = parse(c->req, c->len);

	ck_assert_msg(r.status == c->status, "case %d: status %d, want %d", _i,
	    r.status, c->status);
	ck_assert_uint_eq(r.consumed, c->len);
	ck_assert_str_eq(r.accept, RFC_ACCEPT);
	check_prefixes(&cfg, c->req, c->len);
}
END_TEST

START_TEST(test_origin)
{
	const struct hs_case *c = &origins[_i];
	struct hs_result r = parse(c->req, c->len);

	ck_assert_msg(r.status == c->status, "case %d: status %d, want %d", _i,
	    r.status, c->status);
	check_prefixes(&cfg, c->req, c->len);
}
END_TEST

START_TEST(test_origin_no_allowlist)
{
	static const char req[] = RL HOST UPG CONN KEY VER
	    "Origin: https://chat.example.org\r\n" END;
	static const char same[] = RL HOST UPG CONN KEY VER
	    "Origin: http://127.0.0.1:6969\r\n" END;

	ck_assert_int_eq(parse_cfg(&cfg_none, req, sizeof(req) - 1).status,
	    403);
	ck_assert_int_eq(parse_cfg(&cfg_none, same, sizeof(same) - 1).status,
	    101);
}
END_TEST

START_TEST(test_origin_null_allowlisted)
{
	/* Listing "null" must not admit sandboxed frames and file: pages. */
	static const char *const nul[] = { "null" };
	static const struct hs_config cf = { 8192, nul, 1 };
	static const char req[] = RL HOST UPG CONN KEY VER "Origin: null\r\n"
	    END;

	ck_assert_int_eq(parse_cfg(&cf, req, sizeof(req) - 1).status, 403);
}
END_TEST

START_TEST(test_too_large)
{
	static const char req[] = VALID;
	struct hs_config cf = { sizeof(req) - 1, NULL, 0 };
	struct hs_result r;
	char		*big;
	size_t		 i;

	/* Exactly max bytes, end included: accepted. */
	ck_assert_int_eq(parse_cfg(&cf, req, sizeof(req) - 1).status, 101);
	/* One byte over: 431 as soon as max bytes came without the end. */
	cf.max_header_bytes = sizeof(req) - 2;
	for (i = 0; i < cf.max_header_bytes; i++)
		ck_assert_int_eq(parse_cfg(&cf, req, i).status, 0);
	r = parse_cfg(&cf, req, cf.max_header_bytes);
	ck_assert_int_eq(r.status, 431);
	ck_assert_uint_eq(r.consumed, 0);
	ck_assert_int_eq(parse_cfg(&cf, req, sizeof(req) - 1).status, 431);
	check_prefixes(&cf, req, sizeof(req) - 1);

	/* A header line that never ends, default limit. */
	ck_assert_ptr_nonnull(big = malloc(20000));
	memcpy(big, RL "X-Big: ", sizeof(RL "X-Big: ") - 1);
	memset(big + sizeof(RL "X-Big: ") - 1, 'a',
	    20000 - (sizeof(RL "X-Big: ") - 1));
	ck_assert_int_eq(parse(big, 8191).status, 0);
	ck_assert_int_eq(parse(big, 8192).status, 431);
	ck_assert_int_eq(parse(big, 20000).status, 431);
	/* The end arrives, but past the limit: still 431. */
	memcpy(big + 9000, "\r\n\r\n", 4);
	ck_assert_int_eq(parse(big, 20000).status, 431);
	free(big);
}
END_TEST

START_TEST(test_empty)
{
	struct hs_result r = parse("", 0);

	ck_assert_int_eq(r.status, 0);
	ck_assert_uint_eq(r.consumed, 0);
}
END_TEST

/* Fixed mutations of a valid request: the verdict never depends on chunks. */
START_TEST(test_mutations)
{
	static const char base[] = VALID "Origin: http://127.0.0.1:6969\r\n"
	    END;
	static const char bytes[] = "\r\n \t:,\0=aA[]";
	char		 buf[sizeof(base) + 8];
	uint32_t	 x = 0x6969 + (uint32_t)_i;
	size_t		 len, k;
	int		 n;

	for (n = 0; n < 50; n++) {
		memcpy(buf, base, sizeof(base) - 1);
		len = sizeof(base) - 1;
		for (k = 0; k < 3; k++) {
			x = x * 1103515245u + 12345u;
			buf[(x >> 8) % len] =
			    bytes[(x >> 20) % (sizeof(bytes) - 1)];
		}
		check_prefixes(&cfg, buf, len);
	}
}
END_TEST

static const char resp101[] = "HTTP/1.1 101 Switching Protocols\r\n"
    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

START_TEST(test_response_101)
{
	static const char req[] = RL HOST UPG CONN KEY VER
	    "Sec-WebSocket-Extensions: permessage-deflate; "
	    "client_max_window_bits\r\n"
	    "Sec-WebSocket-Protocol: chat\r\n" END;
	struct hs_result r = parse(req, sizeof(req) - 1);
	char		 out[512];
	int		 n;

	ck_assert_int_eq(r.status, 101);
	n = handshake_response(out, sizeof(out), &r);
	ck_assert_int_eq(n, sizeof(resp101) - 1);
	ck_assert_mem_eq(out, resp101, sizeof(resp101) - 1);
	/* Exactly enough room works, one byte less does not. */
	ck_assert_int_eq(handshake_response(out, sizeof(resp101) - 1, &r), n);
	ck_assert_int_eq(handshake_response(out, sizeof(resp101) - 2, &r), -1);
}
END_TEST

START_TEST(test_response_101_no_accept)
{
	struct hs_result r;
	char		 out[512];

	memset(&r, 0, sizeof(r));
	r.status = 101;
	ck_assert_int_eq(handshake_response(out, sizeof(out), &r), -1);
}
END_TEST

static const struct {
	int		 status;
	const char	*bytes;
} errors[] = {
	{ 400, "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 24\r\nConnection: close\r\n\r\n"
	    "bad websocket handshake\n" },
	{ 403, "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 19\r\nConnection: close\r\n\r\n"
	    "origin not allowed\n" },
	{ 405, "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 19\r\nConnection: close\r\nAllow: GET\r\n\r\n"
	    "method not allowed\n" },
	{ 426, "HTTP/1.1 426 Upgrade Required\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 30\r\nConnection: close, Upgrade\r\n"
	    "Upgrade: websocket\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n"
	    "websocket version 13 required\n" },
	{ 431, "HTTP/1.1 431 Request Header Fields Too Large\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 25\r\n"
	    "Connection: close\r\n\r\n"
	    "request header too large\n" },
	{ 503, "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Length: 11\r\nConnection: close\r\n\r\nrelay full\n" },
};

START_TEST(test_response_error)
{
	struct hs_result r;
	const char	*want = errors[_i].bytes, *body;
	char		 out[512];
	size_t		 wl = strlen(want);
	int		 n;

	memset(&r, 0, sizeof(r));
	r.status = errors[_i].status;
	n = handshake_response(out, sizeof(out), &r);
	ck_assert_int_eq(n, (int)wl);
	ck_assert_mem_eq(out, want, wl);
	/* Content-Length tells the truth. */
	body = strstr(want, "\r\n\r\n") + 4;
	ck_assert_ptr_nonnull(strstr(want, "Content-Length: "));
	ck_assert_uint_eq(strtoul(strstr(want, "Content-Length: ") + 16,
	    NULL, 10),
	    strlen(body));
	ck_assert_ptr_null(strstr(want, "Sec-WebSocket-Accept"));
	ck_assert_int_eq(handshake_response(out, wl, &r), n);
	ck_assert_int_eq(handshake_response(out, wl - 1, &r), -1);
	ck_assert_int_eq(handshake_response(out, 0, &r), -1);
}
END_TEST

START_TEST(test_response_426_from_parse)
{
	static const char req[] = RL HOST UPG CONN KEY
	    "Sec-WebSocket-Version: 8\r\n" END;
	struct hs_result r = parse(req, sizeof(req) - 1);
	char		 out[512];
	int		 n;

	ck_assert_int_eq(r.status, 426);
	ck_assert_int_gt(n = handshake_response(out, sizeof(out) - 1, &r), 0);
	out[n] = '\0';
	ck_assert_ptr_nonnull(strstr(out, "\r\nSec-WebSocket-Version: 13\r\n"));
}
END_TEST

START_TEST(test_response_unknown)
{
	static const int st[] = { 0, 200, 404, 500, -1 };
	struct hs_result r;
	char		 out[512];
	size_t		 i;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		r.status = st[i];
		ck_assert_int_eq(handshake_response(out, sizeof(out), &r), -1);
	}
}
END_TEST

#define NELEM(a)	((int)(sizeof(a) / sizeof((a)[0])))


Suite *
suite(void)
{
	Suite	*s = suite_create("handshake");
	TCase	*p = tcase_create("parse"), *o = tcase_create("response");

	tcase_add_test(p, test_rfc_vector);
	tcase_add_test(p, test_other_key);
	tcase_add_test(p, test_trailing_bytes);
	tcase_add_test(p, test_every_prefix);
	tcase_add_test(p, test_bare_lf_before_end);
	tcase_add_loop_test(p, test_bad, 0, NELEM(bad));
	tcase_add_loop_test(p, test_good, 0, NELEM(good));
	tcase_add_loop_test(p, test_origin, 0, NELEM(origins));
	tcase_add_test(p, test_origin_no_allowlist);
	tcase_add_test(p, test_origin_null_allowlisted);
	tcase_add_test(p, test_too_large);
	tcase_add_test(p, test_empty);
	tcase_add_loop_test(p, test_mutations, 0, 40);
	tcase_add_test(o, test_response_101);
	tcase_add_test(o, test_response_101_no_accept);
	tcase_add_loop_test(o, test_response_error, 0, NELEM(errors));
	tcase_add_test(o, test_response_426_from_parse);
	tcase_add_test(o, test_response_unknown);
	suite_add_tcase(s, p);
	suite_add_tcase(s, o);
	return s;
}
