/*
 * wsclient.h: the client's side of the WebSocket opening handshake (RFC 6455
 * 4.1), shared by the C test clients (test/interop) and the load generator
 * (test/bench), so that both judge the relay's 101 by the same rules.
 */
#ifndef TEST_LIB_WSCLIENT_H
#define TEST_LIB_WSCLIENT_H

#define WSCLIENT_KEY_LEN	24	/* base64 of 16 random bytes */

/* A fresh random Sec-WebSocket-Key, NUL-terminated. */
void		 wsclient_key(char key[WSCLIENT_KEY_LEN + 1]);
/*
 * Checks the header lines of a 101 (CRLF-separated, after the status line,
 * ending at an empty line or NUL) against the key that was sent. NULL if the
 * upgrade is valid, else what is wrong.
 */
const char	*wsclient_check(const char *hdrs, const char *key);

#endif
