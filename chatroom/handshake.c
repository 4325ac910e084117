/*
 * handshake.c: the WebSocket opening handshake (RFC 6455 §4.2.1) over HTTP/1.1
 * (RFC 9110, RFC 9112). Pure functions over the caller's bytes: no I/O, no
 * allocation. The verdict is a function of the bytes only, so feeding a
 * request in pieces and whole gives the same answer (the fuzz harness checks
 * exactly that).
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <nettle/base64.h>
#include <nettle/sha1.h>

#include "handshake.h"

#define HS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define HS_KEY_LEN	24	/* base64 of 16 bytes, with "==" */
#define HS_ACCEPT_LEN	28	/* base64 of a SHA-1 digest */

struct hs_span {
	const char	*p;		/* not owned: points into the request */
	size_t		 n;
	unsigned	 count;
};

/* The header fields the handshake looks at; every other field is ignored. */
struct hs_fields {
	struct hs_span	 host, upgrade, key, version, origin;
	int		 conn_upgrade;	/* a Connection field lists "upgrade" */
};

/* ASCII only: the C library's isalnum() depends on the locale. */
static int
hs_is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z');
}

/* RFC 9110 §5.6.2 tchar. */
static int
hs_is_tchar(unsigned char c)
{
	if (hs_is_alnum(c))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int
hs_is_ows(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static int
hs_is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* RFC 3986 reg-name: unreserved / pct-encoded / sub-delims. */
static int
hs_is_regname(unsigned char c)
{
	if (hs_is_alnum(c))
		return 1;
	return c != '\0' && strchr("-._~%!$&'()*+,;=", c) != NULL;
}

static int
hs_is_b64(unsigned char c)
{
	if (hs_is_alnum(c))
		return 1;
	return c == '+' || c == '/';
}

/* ASCII only: the C library's tolower() depends on the locale. */
static unsigned char
hs_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int
hs_ieq(const char *a, size_t an, const char *b, size_t bn)
{
	size_t	 i;

	if (an != bn)
		return 0;
	for (i = 0; i < an; i++)
		if (hs_lower(a[i]) != hs_lower(b[i]))
			return 0;
	return 1;
}

static void
hs_trim(const char **p, size_t *n)
{
	while (*n > 0 && hs_is_ows((*p)[0])) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && hs_is_ows((*p)[*n - 1]))
		(*n)--;
}

/* Whether the comma-separated list p[0..n) has tok (case-insensitive). */
static int
hs_list_has(const char *p, size_t n, const char *tok)
{
	const char	*e;
	size_t		 en, i = 0, start;

	while (i <= n) {
		for (start = i; i < n && p[i] != ','; i++)
			;
		e = p + start;
		en = i - start;
		hs_trim(&e, &en);
		if (hs_ieq(e, en, tok, strlen(tok)))
			return 1;
		i++;
	}
	return 0;
}

/*
 * Splits an authority "host[:port]" (Host field, or an origin after
 * "scheme://") and returns its host in *h, *hn (IPv6 literals keep their
 * brackets); -1 if malformed.
 */
static int
hs_authority(const char **h, size_t *hn, const char *p, size_t n)
{
	size_t	 i;

	if (n > 0 && p[0] == '[') {
		for (i = 1; i < n && p[i] != ']'; i++)
			if (!hs_is_hex(p[i]) && p[i] != ':' && p[i] != '.')
				return -1;
		if (i == n || i == 1)
			return -1;
		i++;
	} else {
		for (i = 0; i < n && p[i] != ':'; i++)
			if (!hs_is_regname(p[i]))
				return -1;
		if (i == 0)
			return -1;
	}
	*h = p;
	*hn = i;
	if (i == n)
		return 0;
	if (p[i] != ':')
		return -1;
	for (i++; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return -1;
	return 0;
}

/*
 * The host of a serialized http(s) origin (RFC 6454 §6.2: scheme "://" host
 * [":" port], no path). Other schemes have no host we could compare: -1.
 */
static int
hs_origin_host(const char **h, size_t *hn, const char *p, size_t n)
{
	if (n > 7 && hs_ieq(p, 7, "http://", 7))
		return hs_authority(h, hn, p + 7, n - 7);
	if (n > 8 && hs_ieq(p, 8, "https://", 8))
		return hs_authority(h, hn, p + 8, n - 8);
	return -1;
}

/*
 * RFC 6455 §4.2.1 item 5: base64 that decodes to exactly 16 bytes. The shape
 * check comes first because nettle's decoder skips white space and would
 * accept "AA AA...".
 */
static int
hs_key_valid(const char *p, size_t n)
{
	struct base64_decode_ctx ctx;
	uint8_t		 raw[BASE64_DECODE_LENGTH(HS_KEY_LEN)];
	size_t		 rawlen = sizeof(raw), i;

	if (n != HS_KEY_LEN || p[22] != '=' || p[23] != '=')
		return 0;
	for (i = 0; i < 22; i++)
		if (!hs_is_b64(p[i]))
			return 0;
	base64_decode_init(&ctx);
	if (!base64_decode_update(&ctx, &rawlen, raw, n, p) ||
	    !base64_decode_final(&ctx))
		return 0;
	return rawlen == 16;
}

static void
hs_accept(char out[HS_ACCEPT_LEN + 1], const char *key, size_t n)
{
	struct sha1_ctx	 ctx;
	uint8_t		 d[SHA1_DIGEST_SIZE];

	sha1_init(&ctx);
	sha1_update(&ctx, n, (const uint8_t *)key);
	sha1_update(&ctx, sizeof(HS_GUID) - 1, (const uint8_t *)HS_GUID);
	sha1_digest(&ctx, sizeof(d), d);
	base64_encode_raw(out, sizeof(d), d);
	out[HS_ACCEPT_LEN] = '\0';
}

/*
 * Length of the request up to and including the first CRLFCRLF, or 0 if that
 * is not in the first max bytes (then the request is either incomplete or too
 * large).
 */
static size_t
hs_find_end(const char *buf, size_t len, size_t max)
{
	const char	*e;
	size_t		 lim = len < max ? len : max;

	if (lim < 4 || (e = memmem(buf, lim, "\r\n\r\n", 4)) == NULL)
		return 0;
	return (size_t)(e - buf) + 4;
}

/* Framing first: NUL, a bare CR or a bare LF make line boundaries ambiguous. */
static int
hs_framing_ok(const char *buf, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (buf[i] == '\0')
			return 0;
		if (buf[i] == '\r' && (i + 1 == n || buf[i + 1] != '\n'))
			return 0;
		if (buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r'))
			return 0;
	}
	return 1;
}

/*
 * "method SP request-target SP HTTP/1.x": 0 for GET, 405 for another method,
 * else 400.
 */
static int
hs_request_line(const char *p, size_t n)
{
	size_t	 m, t;

	for (m = 0; m < n && hs_is_tchar(p[m]); m++)
		;
	if (m == 0 || m == n || p[m] != ' ')
		return 400;
	/* Any path will do (man/sanctuary.7), but in visible ASCII. */
	for (t = m + 1; t < n && p[t] > 0x20 && p[t] < 0x7f; t++)
		;
	if (t == m + 1 || t == n || p[t] != ' ')
		return 400;
	t++;
	if (n - t != 8 || memcmp(p + t, "HTTP/1.", 7) != 0 || p[t + 7] < '1' ||
	    p[t + 7] > '9')
		return 400;
	if (m != 3 || memcmp(p, "GET", 3) != 0)
		return 405;
	return 0;
}

/* Records a field that must appear at most once; -1 on a duplicate. */
static int
hs_once(struct hs_span *s, const char *v, size_t vn)
{
	if (s->count++ > 0)
		return -1;
	s->p = v;
	s->n = vn;
	return 0;
}

static int
hs_field_store(struct hs_fields *f, const char *name, size_t nn, const char *v,
    size_t vn)
{
	if (hs_ieq(name, nn, "Host", 4))
		return hs_once(&f->host, v, vn);
	if (hs_ieq(name, nn, "Upgrade", 7))
		return hs_once(&f->upgrade, v, vn);
	if (hs_ieq(name, nn, "Sec-WebSocket-Key", 17))
		return hs_once(&f->key, v, vn);
	if (hs_ieq(name, nn, "Sec-WebSocket-Version", 21))
		return hs_once(&f->version, v, vn);
	/* Two Origins could let a check and a later reader see others. */
	if (hs_ieq(name, nn, "Origin", 6))
		return hs_once(&f->origin, v, vn);
	/* Connection is a list field and may rightly be split over lines. */
	if (hs_ieq(name, nn, "Connection", 10) && hs_list_has(v, vn, "upgrade"))
		f->conn_upgrade = 1;
	return 0;
}

/* One "name: value" line without its CRLF (RFC 9112 §5): 0 or -1. */
static int
hs_field_line(struct hs_fields *f, const char *p, size_t n)
{
	const char	*v;
	size_t		 c, i, vn;

	/* obs-fold, or white space before the first field name: refused. */
	if (n == 0 || hs_is_ows(p[0]))
		return -1;
	for (c = 0; c < n && hs_is_tchar(p[c]); c++)
		;
	/* No colon, white space before it or another non-tchar in the name. */
	if (c == 0 || c == n || p[c] != ':')
		return -1;
	v = p + c + 1;
	vn = n - c - 1;
	for (i = 0; i < vn; i++) {
		unsigned char	 ch = v[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return -1;
	}
	hs_trim(&v, &vn);
	return hs_field_store(f, p, c, v, vn);
}

/* Splits the field section buf[0..n) (each line CRLF-terminated) into lines. */
static int
hs_fields_parse(struct hs_fields *f, const char *buf, size_t n)
{
	const char	*p = buf, *q, *end = buf + n;

	while (p < end) {
		if ((q = memmem(p, (size_t)(end - p), "\r\n", 2)) == NULL)
			return -1;
		if (hs_field_line(f, p, (size_t)(q - p)) == -1)
			return -1;
		p = q + 2;
	}
	return 0;
}

/* The headers RFC 6455 §4.2.1 requires, but the version: 1 if all are right. */
static int
hs_fields_ok(const struct hs_fields *f)
{
	const char	*h;
	size_t		 hn;

	if (f->host.count == 0 ||
	    hs_authority(&h, &hn, f->host.p, f->host.n) == -1)
		return 0;
	if (f->upgrade.count == 0 ||
	    !hs_list_has(f->upgrade.p, f->upgrade.n, "websocket"))
		return 0;
	if (!f->conn_upgrade)
		return 0;
	return f->key.count == 1 && hs_key_valid(f->key.p, f->key.n);
}

/*
 * Cross-site WebSocket hijacking defence. No Origin: not a browser, allowed.
 * "null" (sandboxed frames, file: pages) never. Else an allow-listed origin,
 * or an http(s) origin whose host is Host's host (ports ignored: page and
 * relay differ in port).
 */
static int
hs_origin_ok(const struct hs_config *cf, const struct hs_fields *f)
{
	const char	*o = f->origin.p, *oh, *hh;
	size_t		 on = f->origin.n, ohn, hhn, i;

	if (f->origin.count == 0)
		return 1;
	if (on == 0 || hs_ieq(o, on, "null", 4))
		return 0;
	for (i = 0; cf->origins != NULL && i < cf->norigins; i++)
		if (hs_ieq(o, on, cf->origins[i], strlen(cf->origins[i])))
			return 1;
	if (hs_origin_host(&oh, &ohn, o, on) == -1 ||
	    hs_authority(&hh, &hhn, f->host.p, f->host.n) == -1)
		return 0;
	return hs_ieq(oh, ohn, hh, hhn);
}

/* The status of the complete request buf[0..n), the final CRLFCRLF included. */
static int
hs_verdict(struct hs_fields *f, const struct hs_config *cf, const char *buf,
    size_t n)
{
	const char	*eol;
	size_t		 rl;
	int		 st;

	if (!hs_framing_ok(buf, n))
		return 400;
	/* Found: buf ends with CRLFCRLF. */
	eol = memmem(buf, n, "\r\n", 2);
	rl = (size_t)(eol - buf);
	if ((st = hs_request_line(buf, rl)) != 0)
		return st;
	/* Field lines: after the request line's CRLF, before the empty line. */
	if (hs_fields_parse(f, buf + rl + 2, n - rl - 4) == -1 ||
	    !hs_fields_ok(f))
		return 400;
	if (f->version.count == 0 ||
	    !hs_ieq(f->version.p, f->version.n, "13", 2))
		return 426;
	if (!hs_origin_ok(cf, f))
		return 403;
	return 101;
}

/* NUL, or CR and LF not paired as CRLF, in the n bytes so far. */
static int
hs_bad_framing(const char *buf, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (buf[i] == '\0')
			return 1;
		if (buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r'))
			return 1;
		if (buf[i] == '\r' && i + 1 < n && buf[i + 1] != '\n')
			return 1;
	}
	return 0;
}

void
handshake_parse(struct hs_result *r, const struct hs_config *cf,
    const char *buf, size_t len)
{
	struct hs_fields f;
	size_t		 end;

	memset(r, 0, sizeof(*r));
	memset(&f, 0, sizeof(f));
	if ((end = hs_find_end(buf, len, cf->max_header_bytes)) == 0) {
		/*
		 * A bare LF (or NUL) means the end we wait for may never
		 * come: answer now. Otherwise, once len reaches max it can
		 * only be 431.
		 */
		if (hs_bad_framing(buf, len < cf->max_header_bytes ? len :
		    cf->max_header_bytes))
			r->status = 400;
		else
			r->status = len >= cf->max_header_bytes ? 431 : 0;
		return;
	}
	r->status = hs_verdict(&f, cf, buf, end);
	if (r->status == 101) {
		r->consumed = end;
		hs_accept(r->accept, f.key.p, f.key.n);
	}
}

struct hs_out {
	char	*p;
	size_t	 len, cap;
	int	 full;
};

static void
hs_put(struct hs_out *o, const char *s, size_t n)
{
	if (o->full || n > o->cap - o->len) {
		o->full = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void
hs_puts(struct hs_out *o, const char *s)
{
	hs_put(o, s, strlen(s));
}

static void
hs_putnum(struct hs_out *o, size_t v)
{
	char	 d[20];
	size_t	 i = sizeof(d);

	do {
		d[--i] = '0' + v % 10;
		v /= 10;
	} while (v > 0 && i > 0);
	hs_put(o, d + i, sizeof(d) - i);
}

struct hs_reply {
	int		 status;
	const char	*line, *conn, *extra, *body;
};

/*
 * Bodies are fixed text: a response never echoes request bytes. RFC 9110
 * §15.5.22 wants Upgrade on a 426, and §7.8 wants it named in Connection.
 */
static const struct hs_reply hs_replies[] = {
	{ 400, "400 Bad Request", "close", "", "bad websocket handshake\n" },
	{ 403, "403 Forbidden", "close", "", "origin not allowed\n" },
	{ 405, "405 Method Not Allowed", "close", "Allow: GET\r\n",
	  "method not allowed\n" },
	{ 426, "426 Upgrade Required", "close, Upgrade",
	  "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n",
	  "websocket version 13 required\n" },
	{ 431, "431 Request Header Fields Too Large", "close", "",
	  "request header too large\n" },
	{ 503, "503 Service Unavailable", "close", "", "relay full\n" },
};

/*
 * 101 carries neither Sec-WebSocket-Extensions (no permessage-deflate) nor
 * Sec-WebSocket-Protocol.
 */
static void
hs_switch(struct hs_out *o, const struct hs_result *r)
{
	hs_puts(o, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: ");
	hs_put(o, r->accept, HS_ACCEPT_LEN);
	hs_puts(o, "\r\n\r\n");
}

static void
hs_error(struct hs_out *o, const struct hs_reply *rp)
{
	hs_puts(o, "HTTP/1.1 ");
	hs_puts(o, rp->line);
	hs_puts(o, "\r\nContent-Type: text/plain\r\nContent-Length: ");
	hs_putnum(o, strlen(rp->body));
	hs_puts(o, "\r\nConnection: ");
	hs_puts(o, rp->conn);
	hs_puts(o, "\r\n");
	hs_puts(o, rp->extra);
	hs_puts(o, "\r\n");
	hs_puts(o, rp->body);
}

int
handshake_response(char *out, size_t outlen, const struct hs_result *r)
{
	struct hs_out	 o = { out, 0, outlen, 0 };
	size_t		 i;

	if (r->status == 101) {
		if (memchr(r->accept, '\0', HS_ACCEPT_LEN) != NULL)
			return -1;
		hs_switch(&o, r);
	} else {
		for (i = 0; i < sizeof(hs_replies) / sizeof(hs_replies[0]); i++)
			if (hs_replies[i].status == r->status)
				break;
		if (i == sizeof(hs_replies) / sizeof(hs_replies[0]))
			return -1;
		hs_error(&o, &hs_replies[i]);
	}
	if (o.full || o.len > INT_MAX)
		return -1;
	return (int)o.len;
}
