/* wsclient.c: the client's side of the opening handshake (see wsclient.h). */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <sodium.h>

#include "wsclient.h"

#define WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define ACCEPT_LEN	BASE64_ENCODE_RAW_LENGTH(SHA1_DIGEST_SIZE)

/* The value of header NAME in the header block HDRS (CRLF lines), or NULL. */
static const char *
header_find(size_t *vlen, const char *hdrs, const char *name)
{
	const char	*line = hdrs, *eol, *v;
	size_t		 nl = strlen(name);

	for (; (eol = strstr(line, "\r\n")) != NULL && eol != line;
	    line = eol + 2) {
		if ((size_t)(eol - line) <= nl ||
		    strncasecmp(line, name, nl) != 0 || line[nl] != ':')
			continue;
		for (v = line + nl + 1; v < eol && (*v == ' ' || *v == '\t');
		    v++)
			;
		*vlen = (size_t)(eol - v);
		while (*vlen > 0 &&
		    (v[*vlen - 1] == ' ' || v[*vlen - 1] == '\t'))
			(*vlen)--;
		return v;
	}
	return NULL;
}

/* 1 if the comma-separated list V (n bytes) has TOKEN, ignoring case. */
static int
list_has(const char *v, size_t n, const char *token)
{
	size_t	tl = strlen(token), i = 0, s, e;

	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == tl && strncasecmp(v + s, token, tl) == 0)
			return 1;
	}
	return 0;
}

/* base64(SHA-1(key || GUID)), RFC 6455 section 4.2.2. */
static void
ws_accept(char out[ACCEPT_LEN + 1], const char *key)
{
	struct sha1_ctx	sha;
	uint8_t		digest[SHA1_DIGEST_SIZE];

	sha1_init(&sha);
	sha1_update(&sha, strlen(key), (const uint8_t *)key);
	sha1_update(&sha, sizeof(WS_GUID) - 1, (const uint8_t *)WS_GUID);
	sha1_digest(&sha, sizeof(digest), digest);
	base64_encode_raw(out, sizeof(digest), digest);
	out[ACCEPT_LEN] = '\0';
}

void
wsclient_key(char key[WSCLIENT_KEY_LEN + 1])
{
	uint8_t	raw[16];

	randombytes_buf(raw, sizeof(raw));
	base64_encode_raw(key, sizeof(raw), raw);
	key[WSCLIENT_KEY_LEN] = '\0';
}

const char *
wsclient_check(const char *hdrs, const char *key)
{
	char		 want[ACCEPT_LEN + 1];
	const char	*v;
	size_t		 vlen;

	ws_accept(want, key);
	if ((v = header_find(&vlen, hdrs, "Upgrade")) == NULL ||
	    !list_has(v, vlen, "websocket"))
		return "no Upgrade: websocket";
	if ((v = header_find(&vlen, hdrs, "Connection")) == NULL ||
	    !list_has(v, vlen, "upgrade"))
		return "no Connection: upgrade";
	if ((v = header_find(&vlen, hdrs, "Sec-WebSocket-Accept")) == NULL ||
	    vlen != ACCEPT_LEN || memcmp(v, want, vlen) != 0)
		return "wrong Sec-WebSocket-Accept";
	/* Neither was asked for: RFC 6455 4.1 fails a server that picks one. */
	if (header_find(&vlen, hdrs, "Sec-WebSocket-Extensions") != NULL ||
	    header_find(&vlen, hdrs, "Sec-WebSocket-Protocol") != NULL)
		return "unrequested extension or subprotocol";
	return NULL;
}
