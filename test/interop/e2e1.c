/*
 * e2e1.c: what both formats share (strict UTF-8, canonical base64url, the
 * padding buckets, invites) and the "sanctuary/1" format of sanctuary(7):
 * one secretbox key K from the invite, P0 = KIND "\n" ALIAS "\n" TEXT.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test/interop/e2e.h"

#define NONCE_BYTES	crypto_secretbox_NONCEBYTES
#define CONTEXT1	"sanctuary/1"

static void __attribute__((noreturn))
oom(void)
{
	fputs("sanctuary-client: out of memory\n", stderr);
	exit(1);
}

/* Strict RFC 3629 UTF-8: no overlong forms, no surrogates, at most U+10FFFF. */
long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, k, len;
	uint32_t cp;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			len = 2;
			cp = s[i] & 0x1f;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			len = 3;
			cp = s[i] & 0x0f;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			len = 4;
			cp = s[i] & 0x07;
		} else
			return 0;
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

/* Decodes canonical unpadded base64url of exactly want bytes; 0 or -1. */
int
b64u_decode_exact(unsigned char *out, size_t want, const char *s, size_t n)
{
	size_t got;
	const char *end;

	if (sodium_base642bin(out, want, s, n, NULL, &got, &end,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    end != s + n || got != want)
		return -1;
	return 0;
}

/* Unpadded base64url of n bytes, NUL-terminated and malloc'd. */
char *
b64u_encode(const unsigned char *b, size_t n)
{
	size_t len = sodium_base64_ENCODED_LEN(n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *s;

	if ((s = malloc(len)) == NULL)
		oom();
	return sodium_bin2base64(s, len, b, n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* The sodium_pad() block size for n bytes of P0 (sanctuary(7) Padding). */
size_t
pad_block(size_t n)
{
	if (n < 256)
		return 256;
	if (n < 1024)
		return 1024;
	if (n < 4096)
		return 4096;
	return 16384;
}

/*
 * Parses "KEY.SECRET" (or a whole invite link: anything up to '#' is
 * skipped) into the room key text and the secret. Returns 0 or -1.
 */
int
invite_split(char roomkey[ROOMKEY_LEN + 1], unsigned char secret[SECRET_BYTES],
    const char *invite)
{
	unsigned char rk[ROOMKEY_BYTES];
	const char *hash;

	if ((hash = strrchr(invite, '#')) != NULL)
		invite = hash + 1;
	if (strlen(invite) != ROOMKEY_LEN + 1 + SECRET_LEN ||
	    invite[ROOMKEY_LEN] != '.' ||
	    b64u_decode_exact(rk, sizeof(rk), invite, ROOMKEY_LEN) != 0 ||
	    b64u_decode_exact(secret, SECRET_BYTES, invite + ROOMKEY_LEN + 1,
	    SECRET_LEN) != 0)
		return -1;
	memcpy(roomkey, invite, ROOMKEY_LEN);
	roomkey[ROOMKEY_LEN] = '\0';
	return 0;
}

/* A new room key (as servchat(8) /api/key mints them) and secret. */
void
invite_mint(char roomkey[ROOMKEY_LEN + 1], unsigned char secret[SECRET_BYTES])
{
	unsigned char rk[ROOMKEY_BYTES];

	randombytes_buf(rk, sizeof(rk));
	randombytes_buf(secret, SECRET_BYTES);
	sodium_bin2base64(roomkey, ROOMKEY_LEN + 1, rk, sizeof(rk),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* K = first 32 bytes of SHA-512("sanctuary/1" || ROOMKEY || SECRET). */
void
e2e1_key(unsigned char k[crypto_secretbox_KEYBYTES], const char *roomkey,
    const unsigned char secret[SECRET_BYTES])
{
	crypto_hash_sha512_state st;
	unsigned char h[crypto_hash_sha512_BYTES], rk[ROOMKEY_BYTES];

	if (b64u_decode_exact(rk, sizeof(rk), roomkey, strlen(roomkey)) != 0)
		memset(rk, 0, sizeof(rk));	/* callers pass checked keys */
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, (const unsigned char *)CONTEXT1,
	    sizeof(CONTEXT1) - 1);
	crypto_hash_sha512_update(&st, rk, ROOMKEY_BYTES);
	crypto_hash_sha512_update(&st, secret, SECRET_BYTES);
	crypto_hash_sha512_final(&st, h);
	memcpy(k, h, crypto_secretbox_KEYBYTES);
	sodium_memzero(h, sizeof(h));
	sodium_memzero(&st, sizeof(st));
}

/*
 * Seals KIND "\n" ALIAS "\n" TEXT into a NUL-terminated BODY (malloc'd),
 * or returns NULL if the message is too long.
 */
char *
e2e1_seal(const unsigned char *k, const char *kind, const char *alias,
    const char *text, size_t textlen)
{
	size_t kl = strlen(kind), al = strlen(alias), p0len, cap, plen;
	unsigned char *p, *raw;
	char *body;

	p0len = kl + 1 + al + 1 + textlen;
	if (p0len > P0_MAX)
		return NULL;
	cap = (p0len / 16384 + 1) * 16384;
	if ((p = malloc(cap)) == NULL || (raw = malloc(40 + cap)) == NULL)
		oom();
	memcpy(p, kind, kl);
	p[kl] = '\n';
	memcpy(p + kl + 1, alias, al);
	p[kl + 1 + al] = '\n';
	memcpy(p + kl + al + 2, text, textlen);
	if (sodium_pad(&plen, p, p0len, pad_block(p0len), cap) != 0)
		oom();
	randombytes_buf(raw, NONCE_BYTES);
	crypto_secretbox_easy(raw + NONCE_BYTES, p, plen, raw, k);
	body = b64u_encode(raw, NONCE_BYTES + crypto_secretbox_MACBYTES + plen);
	sodium_memzero(p, cap);
	free(p);
	free(raw);
	return body;
}

/*
 * Opens BODY as a KIND message from FROM (sanctuary(7) Receiving). On
 * success returns the P0 buffer (malloc'd, to wipe and free) with *text
 * and *textlen pointing into it; NULL if the body is not authentic and
 * well formed.
 */
unsigned char *
e2e1_open(const char **text, size_t *textlen, const unsigned char *k,
    const char *kind, const char *from, const char *body, size_t bodylen)
{
	unsigned char *raw, *p;
	size_t rawlen, plen, p0len, kl = strlen(kind), fl = strlen(from);
	const char *end;
	unsigned char *nl1, *nl2;

	if ((raw = malloc(bodylen / 4 * 3 + 3)) == NULL)
		oom();
	if (sodium_base642bin(raw, bodylen / 4 * 3 + 3, body, bodylen, NULL,
	    &rawlen, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    end != body + bodylen ||
	    rawlen < NONCE_BYTES + crypto_secretbox_MACBYTES + 1) {
		free(raw);
		return NULL;
	}
	plen = rawlen - NONCE_BYTES - crypto_secretbox_MACBYTES;
	if ((p = malloc(plen)) == NULL)
		oom();
	if (crypto_secretbox_open_easy(p, raw + NONCE_BYTES,
	    rawlen - NONCE_BYTES, raw, k) != 0 ||
	    sodium_unpad(&p0len, p, plen, plen) != 0 ||
	    !utf8_valid(p, p0len) ||
	    (nl1 = memchr(p, '\n', p0len)) == NULL ||
	    (nl2 = memchr(nl1 + 1, '\n',
	    p0len - (size_t)(nl1 + 1 - p))) == NULL ||
	    (size_t)(nl1 - p) != kl || memcmp(p, kind, kl) != 0 ||
	    (size_t)(nl2 - nl1 - 1) != fl || memcmp(nl1 + 1, from, fl) != 0) {
		sodium_memzero(p, plen);
		free(p);
		free(raw);
		return NULL;
	}
	free(raw);
	*text = (const char *)nl2 + 1;
	*textlen = p0len - (size_t)(nl2 + 1 - p);
	return p;
}
