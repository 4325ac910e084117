/*
 * vector2.c: computes the "sanctuary/2" test vector of sanctuary(7) with
 * libsodium, opens and verifies what it sealed, and prints one "NAME  VALUE"
 * line per field; test/docs/test_docs.py compares them with the man page.
 * Exits 1 if libsodium cannot open or verify its own output.
 */

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define SIG_CONTEXT	"sanctuary/2 sig"	/* signed with its NUL */
#define BUCKET		256

static void
fill(unsigned char *b, size_t n, unsigned char first)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(first + i);
}

static void
hash32(unsigned char out[32], const char *ctx, const unsigned char *a,
    size_t alen, const unsigned char *b, size_t blen)
{
	crypto_hash_sha512_state st;
	unsigned char h[64];

	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, (const unsigned char *)ctx, strlen(ctx));
	crypto_hash_sha512_update(&st, a, alen);
	if (b != NULL)
		crypto_hash_sha512_update(&st, b, blen);
	crypto_hash_sha512_final(&st, h);
	memcpy(out, h, 32);
}

static void
b64u(char *out, size_t outlen, const unsigned char *b, size_t n)
{
	sodium_bin2base64(out, outlen, b, n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void
print_hex(const char *name, const unsigned char *b, size_t n)
{
	char hex[129];

	sodium_bin2hex(hex, sizeof(hex), b, n);
	printf("%-10s%s\n", name, hex);
}

static void
print_b64u(const char *name, const unsigned char *b, size_t n)
{
	char s[1024];

	b64u(s, sizeof(s), b, n);
	printf("%-10s%s\n", name, s);
}

/* P = pad(SIG || M) into p (BUCKET bytes); returns 0 or -1. */
static int
signed_plain(unsigned char p[BUCKET], const char *m,
    const unsigned char ssk[crypto_sign_SECRETKEYBYTES])
{
	unsigned char tbs[BUCKET];
	size_t mlen = strlen(m), ctxlen = sizeof(SIG_CONTEXT), plen;

	if (ctxlen + mlen > sizeof(tbs) || 64 + mlen >= BUCKET)
		return -1;
	memcpy(tbs, SIG_CONTEXT, ctxlen);
	memcpy(tbs + ctxlen, m, mlen);
	crypto_sign_detached(p, NULL, tbs, ctxlen + mlen, ssk);
	memcpy(p + 64, m, mlen);
	return sodium_pad(&plen, p, 64 + mlen, BUCKET, BUCKET);
}

/* Checks that P (opened) carries M under a valid signature by SPK. */
static int
check_plain(const unsigned char p[BUCKET], const char *m,
    const unsigned char spk[crypto_sign_PUBLICKEYBYTES])
{
	unsigned char tbs[BUCKET];
	size_t len, ctxlen = sizeof(SIG_CONTEXT);

	if (sodium_unpad(&len, p, BUCKET, BUCKET) != 0 || len < 64 ||
	    len - 64 != strlen(m) || memcmp(p + 64, m, len - 64) != 0)
		return -1;
	memcpy(tbs, SIG_CONTEXT, ctxlen);
	memcpy(tbs + ctxlen, p + 64, len - 64);
	return crypto_sign_verify_detached(p, tbs, ctxlen + len - 64, spk);
}

static int
room_body(const char *name, const char *m, const unsigned char key[32],
    unsigned char nonce_first, const unsigned char *ssk,
    const unsigned char *spk)
{
	unsigned char p[BUCKET], raw[24 + 16 + BUCKET], back[BUCKET];

	if (signed_plain(p, m, ssk) != 0)
		return -1;
	fill(raw, 24, nonce_first);
	crypto_secretbox_easy(raw + 24, p, BUCKET, raw, key);
	if (crypto_secretbox_open_easy(back, raw + 24, 16 + BUCKET, raw,
	    key) != 0 || check_plain(back, m, spk) != 0)
		return -1;
	print_b64u(name, raw, sizeof(raw));
	return 0;
}

static int
purr_body(const char *name, const char *m, unsigned char nonce_first,
    const unsigned char *to_bpk, const unsigned char *from_bsk,
    const unsigned char *to_bsk, const unsigned char *from_bpk,
    const unsigned char *ssk, const unsigned char *spk)
{
	unsigned char p[BUCKET], raw[24 + 16 + BUCKET], back[BUCKET];

	if (signed_plain(p, m, ssk) != 0)
		return -1;
	fill(raw, 24, nonce_first);
	if (crypto_box_easy(raw + 24, p, BUCKET, raw, to_bpk, from_bsk) != 0 ||
	    crypto_box_open_easy(back, raw + 24, 16 + BUCKET, raw, from_bpk,
	    to_bsk) != 0 || check_plain(back, m, spk) != 0)
		return -1;
	print_b64u(name, raw, sizeof(raw));
	return 0;
}

int
main(void)
{
	unsigned char rk[16], sec[32], ki[32], e[32], eh[32], h[64];
	unsigned char a_bsk[32], a_bpk[32], a_seed[32];
	unsigned char a_spk[crypto_sign_PUBLICKEYBYTES];
	unsigned char a_ssk[crypto_sign_SECRETKEYBYTES];
	unsigned char b_bsk[32], b_bpk[32];
	char s_bpk[64], s_spk[64], s_eh[32], m[512], code[32];
	crypto_hash_sha512_state st;

	if (sodium_init() < 0)
		return 1;
	fill(rk, sizeof(rk), 0x00);
	fill(sec, sizeof(sec), 0x20);
	fill(a_bsk, sizeof(a_bsk), 0x60);
	fill(a_seed, sizeof(a_seed), 0x80);
	fill(b_bsk, sizeof(b_bsk), 0xc0);
	fill(e, sizeof(e), 0xa0);
	crypto_scalarmult_base(a_bpk, a_bsk);
	crypto_scalarmult_base(b_bpk, b_bsk);
	crypto_sign_seed_keypair(a_spk, a_ssk, a_seed);
	hash32(ki, "sanctuary/2 invite", rk, sizeof(rk), sec, sizeof(sec));
	hash32(eh, "sanctuary/2 epoch", e, sizeof(e), NULL, 0);

	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st,
	    (const unsigned char *)"sanctuary/2 safety", 18);
	crypto_hash_sha512_update(&st, a_bpk, 32);
	crypto_hash_sha512_update(&st, a_spk, 32);
	crypto_hash_sha512_final(&st, h);
	for (int i = 0, at = 0; i < 5; i++)
		at += snprintf(code + at, sizeof(code) - at, "%s%04u",
		    i ? " " : "", (h[2 * i] << 8 | h[2 * i + 1]) % 10000U);

	b64u(s_bpk, sizeof(s_bpk), a_bpk, 32);
	b64u(s_spk, sizeof(s_spk), a_spk, 32);
	b64u(s_eh, sizeof(s_eh), eh, 16);
	print_hex("KI (hex)", ki, 32);
	print_b64u("alice BPK", a_bpk, 32);
	print_b64u("alice SPK", a_spk, 32);
	printf("%-10s%s\n", "safety", code);
	print_b64u("bob BPK", b_bpk, 32);
	printf("%-10s%s\n", "EH", s_eh);

	snprintf(m, sizeof(m), "hello\nalice\n*\n1\n-\n%s %s", s_bpk, s_spk);
	if (room_body("hello", m, ki, 0x40, a_ssk, a_spk) != 0)
		return 1;
	snprintf(m, sizeof(m), "msg\nalice\n*\n2\n0.%s\nHello, Bob!", s_eh);
	if (room_body("msg", m, e, 0x50, a_ssk, a_spk) != 0)
		return 1;
	snprintf(m, sizeof(m), "purr\nalice\nbob\n3\n0.%s\npsst", s_eh);
	if (purr_body("purr", m, 0x70, b_bpk, a_bsk, b_bsk, a_bpk, a_ssk,
	    a_spk) != 0)
		return 1;
	return 0;
}
