/*
 * fuzz_handshake.c: handshake_parse() on the input whole and fed in pieces,
 * as conn.c feeds it (the whole buffer so far, re-parsed after every read,
 * until a verdict): the verdict must be the same, since it may depend only
 * on the bytes. Every verdict must have a response. Two configurations: the
 * default header limit with an Origin allow-list, and the smallest limit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatroom/handshake.h"

#define B64	"ABCDEFGHIJKLMNOPQRSTUVWXYZ" \
		"abcdefghijklmnopqrstuvwxyz0123456789+/"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const allow[] = { "https://chat.example.org",
	"http://10.0.0.1:6969" };
static const struct hs_config configs[] = {
	{ 8192, allow, 2 },
	{ 512, NULL, 0 },
};

/* 1 if buf[0..len) has its first CRLFCRLF within the first max bytes. */
static int
has_end(const char *buf, size_t len, size_t max)
{
	return memmem(buf, len < max ? len : max, "\r\n\r\n", 4) != NULL;
}

/*
 * What a verdict must look like, whatever the bytes: consumed is set on 101
 * only; 403, 405 and 426 need the whole request, 400 may come early (a bare
 * LF or a NUL), 431 only once max bytes came without the end.
 */
static void
check_result(const struct hs_result *r, const struct hs_config *cf,
    const char *buf, size_t len)
{
	size_t	i;

	if (r->status != 101 && r->consumed != 0)
		abort();
	switch (r->status) {
	case 0:
		if (len >= cf->max_header_bytes)
			abort();
		return;
	case 431:
		if (len < cf->max_header_bytes ||
		    has_end(buf, len, cf->max_header_bytes))
			abort();
		return;
	case 400:
		return;
	case 403:
	case 405:
	case 426:
		if (!has_end(buf, len, cf->max_header_bytes))
			abort();
		return;
	case 101:
		break;
	default:
		abort();
	}
	for (i = 0; i < 28; i++)
		if (strchr(B64 "=", r->accept[i]) == NULL ||
		    r->accept[i] == '\0')
			abort();
	if (r->accept[28] != '\0')
		abort();
	/* The request ends with its first CRLFCRLF, within the limit. */
	if (r->consumed < 4 || r->consumed > len ||
	    r->consumed > cf->max_header_bytes ||
	    memmem(buf, r->consumed, "\r\n\r\n", 4) != buf + r->consumed - 4)
		abort();
}

/* Every verdict has a full response, which never fits a byte less. */
static void
check_response(const struct hs_result *r)
{
	char	out[1024], want[16];
	int	n, wn;

	n = handshake_response(out, sizeof(out), r);
	if (r->status == 0) {
		if (n != -1)
			abort();
		return;
	}
	if (n <= 0 || (size_t)n > sizeof(out))
		abort();
	wn = snprintf(want, sizeof(want), "HTTP/1.1 %d ", r->status);
	if (wn <= 0 || n < wn || memcmp(out, want, (size_t)wn) != 0)
		abort();
	if (r->status == 101 &&
	    (memmem(out, (size_t)n, r->accept, 28) == NULL ||
	    memcmp(out + n - 4, "\r\n\r\n", 4) != 0))
		abort();
	if (handshake_response(out, (size_t)n - 1, r) != -1)
		abort();
}

static int
same(const struct hs_result *a, const struct hs_result *b)
{
	if (a->status != b->status || a->consumed != b->consumed)
		return 0;
	return a->status != 101 || memcmp(a->accept, b->accept, 29) == 0;
}

/*
 * Feeds buf in pieces whose sizes come from the input itself (step k uses
 * byte k mod 16, scaled by shift): the first verdict must be the whole's.
 */
static void
check_pieces(const struct hs_config *cf, const struct hs_result *whole,
    const uint8_t *data, size_t len, int shift)
{
	struct hs_result r;
	size_t		 have = 0, k = 0, step, seeds = len < 16 ? len : 16;

	memset(&r, 0, sizeof(r));
	while (have < len) {
		step = seeds == 0 ? 1 :
		    ((size_t)(data[k++ % seeds] >> shift) & 0x0f) + 1;
		have = step > len - have ? len : have + step;
		memset(&r, 0xa5, sizeof(r));
		handshake_parse(&r, cf, (const char *)data, have);
		check_result(&r, cf, (const char *)data, have);
		if (r.status != 0)
			break;
	}
	if (len == 0)
		handshake_parse(&r, cf, (const char *)data, 0);
	if (!same(&r, whole))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct hs_result whole, again;
	size_t		 i;

	for (i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
		memset(&whole, 0x5a, sizeof(whole));
		handshake_parse(&whole, &configs[i], (const char *)data, len);
		check_result(&whole, &configs[i], (const char *)data, len);
		check_response(&whole);
		handshake_parse(&again, &configs[i], (const char *)data, len);
		if (!same(&whole, &again))
			abort();
		check_pieces(&configs[i], &whole, data, len, 0);
		check_pieces(&configs[i], &whole, data, len, 4);
		/* Byte by byte, as a slowloris sends it; short inputs only. */
		if (len <= 600) {
			size_t	 n;

			for (n = 0; n <= len; n++) {
				handshake_parse(&again, &configs[i],
				    (const char *)data, n);
				if (again.status != 0)
					break;
			}
			if (!same(&again, &whole))
				abort();
		}
	}
	return 0;
}
