/*
 * handshake.h: the HTTP/1.1 WebSocket opening handshake (RFC 6455 §4.2),
 * pure functions.
 */
#ifndef CHATROOM_HANDSHAKE_H
#define CHATROOM_HANDSHAKE_H

#include <stddef.h>

struct hs_config {
	size_t			 max_header_bytes; /* default 8192 */
	const char *const	*origins;	/* --origin list, or NULL */
	size_t			 norigins;
};

struct hs_result {
	int	 status;	/* 0: not yet; 101, 400, 403, 405, 426, 431 */
	size_t	 consumed;	/* on 101: the request; the rest is wslay's */
	char	 accept[29];	/* on 101: Sec-WebSocket-Accept, with a NUL */
};

/*
 * Parses buf[0..len): the whole buffer received so far (the caller re-calls
 * with more). The verdict depends only on the bytes, never on how they
 * arrived. Checks, first failure wins:
 *   0    no CRLFCRLF yet and len < max_header_bytes
 *   431  the request (up to and including CRLFCRLF) would exceed
 *        max_header_bytes; decided as soon as len reaches max_header_bytes
 *        without the end
 *   400  framing: NUL, or a CR or LF that is not part of a CRLF pair
 *   400  request line: not "token SP target SP HTTP/1.x" with x >= 1
 *   405  method other than GET (the response says Allow: GET)
 *   400  header syntax (obs-fold, no ':', space before ':', control chars),
 *        Host missing/invalid/duplicate, Upgrade without "websocket",
 *        Connection without "upgrade", Sec-WebSocket-Key missing/duplicate/
 *        not 16 base64 bytes, duplicate Sec-WebSocket-Version, duplicate
 *        Origin
 *   426  Sec-WebSocket-Version missing or not "13"
 *   403  Origin present and neither allow-listed nor an http(s) origin on
 *        Host's host; "null" is always refused
 *   101  accept[] holds the Sec-WebSocket-Accept value
 * consumed is the request length on 101, else 0: a refusal may come before
 * the request is complete (a bare LF or NUL is refused as soon as it arrives).
 */
void	handshake_parse(struct hs_result *, const struct hs_config *,
	    const char *buf, size_t len);

/*
 * Writes the full HTTP response for r->status (101, 400, 403, 405, 426, 431,
 * 503) into out, without a NUL; returns its length, or -1 if outlen is too
 * small or the status is not one of those. Error responses close the
 * connection and never echo request bytes.
 */
int	handshake_response(char *out, size_t outlen, const struct hs_result *r);

#endif
