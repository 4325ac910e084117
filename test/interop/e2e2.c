/*
 * e2e2.c: the "sanctuary/2" format of sanctuary(7), END-TO-END ENCRYPTION,
 * VERSION 2, with libsodium, the sending half (e2e2_open.c receives):
 * member keys (crypto_box X25519, crypto_sign Ed25519), the invite key KI
 * that seals hellos, epoch keys E, the signed plaintext SIG || M with
 * M = KIND \n FROM \n TO \n SEQ \n EPOCH \n TEXT, the replay window, the
 * keys roster and the sealed rekey. It builds BODYs; the client decides
 * when.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test/interop/e2e2_int.h"

#define WINDOW		64

int e2e2_forge;

static void __attribute__((noreturn))
oom(void)
{
	fputs("sanctuary-client: out of memory\n", stderr);
	exit(1);
}

void *
e2e2_alloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

/* First 32 bytes of SHA-512(CTX || A || B). */
static void
hash32(unsigned char out[32], const char *ctx, const unsigned char *a,
    size_t alen, const unsigned char *b, size_t blen)
{
	crypto_hash_sha512_state st;
	unsigned char h[crypto_hash_sha512_BYTES];

	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, (const unsigned char *)ctx, strlen(ctx));
	crypto_hash_sha512_update(&st, a, alen);
	if (b != NULL)
		crypto_hash_sha512_update(&st, b, blen);
	crypto_hash_sha512_final(&st, h);
	memcpy(out, h, 32);
	sodium_memzero(h, sizeof(h));
	sodium_memzero(&st, sizeof(st));
}

/* Epoch N with key E; its tag is N "." EH. */
void
e2e2_epoch(struct epoch2 *ep, uint64_t n, const unsigned char e[32])
{
	unsigned char h[32];
	char eh[ROOMKEY_LEN + 1];

	hash32(h, "sanctuary/2 epoch", e, 32, NULL, 0);
	sodium_bin2base64(eh, sizeof(eh), h, 16,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	ep->n = n;
	memcpy(ep->e, e, 32);
	snprintf(ep->tag, sizeof(ep->tag), "%llu.%s", (unsigned long long)n,
	    eh);
}

const char *
e2e2_epoch_hash(const struct epoch2 *ep)
{
	return strchr(ep->tag, '.') + 1;
}

/* KI = first 32 bytes of SHA-512("sanctuary/2 invite" || ROOMKEY || SECRET). */
static void
ki_derive(struct e2e2 *s)
{
	unsigned char rk[ROOMKEY_BYTES];

	if (b64u_decode_exact(rk, sizeof(rk), s->roomkey, ROOMKEY_LEN) != 0)
		memset(rk, 0, sizeof(rk));	/* callers pass checked keys */
	hash32(s->ki, "sanctuary/2 invite", rk, sizeof(rk), s->secret,
	    SECRET_BYTES);
}

/* ---------- members ---------- */

struct peer2 *
e2e2_peer(struct e2e2 *s, const char *alias)
{
	int i;

	for (i = 0; i < s->npeers; i++)
		if (strcmp(s->peers[i].alias, alias) == 0)
			return &s->peers[i];
	return NULL;
}

/*
 * Remembers ALIAS's keys with a fresh replay window when they are new or
 * differ; returns 1 if they differ from earlier ones, else 0.
 */
int
e2e2_peer_add(struct e2e2 *s, const char *alias, const unsigned char *bpk,
    const unsigned char *spk)
{
	struct peer2 *p = e2e2_peer(s, alias);
	int changed = p != NULL;

	if (p != NULL && memcmp(p->bpk, bpk, 32) == 0 &&
	    memcmp(p->spk, spk, 32) == 0)
		return 0;
	if (p == NULL) {
		if (s->npeers == MEMBERS_MAX || strlen(alias) > ALIAS_MAX)
			return 0;
		p = &s->peers[s->npeers++];
	}
	memset(p, 0, sizeof(*p));
	snprintf(p->alias, sizeof(p->alias), "%s", alias);
	memcpy(p->bpk, bpk, 32);
	memcpy(p->spk, spk, 32);
	return changed;
}

/*
 * The replay window: SEQ is new if above the highest seen, or among the
 * 63 below it and not seen yet (64 SEQs with the highest).
 */
int
e2e2_window(struct peer2 *p, uint64_t seq)
{
	uint64_t d, bit;

	if (seq > p->max) {
		d = seq - p->max;
		p->seen = d >= WINDOW ? 0 : p->seen << d;
		if (d <= WINDOW)
			p->seen |= 1ULL << (d - 1);
		p->max = seq;
		return 1;
	}
	d = p->max - seq;
	if (d == 0 || d >= WINDOW)
		return 0;
	bit = 1ULL << (d - 1);
	if (p->seen & bit)
		return 0;
	p->seen |= bit;
	return 1;
}

/* ---------- state ---------- */

/*
 * A member of the room ROOMKEY (with SECRET) as ALIAS, with fresh key pairs,
 * or with the box secret key BSK and signing seed SEED where given (for the
 * test vector).
 */
void
e2e2_init(struct e2e2 *s, const char *alias, const char *roomkey,
    const unsigned char secret[SECRET_BYTES], const unsigned char *bsk,
    const unsigned char *seed)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->alias, sizeof(s->alias), "%s", alias);
	if (bsk == NULL)
		crypto_box_keypair(s->bpk, s->bsk);
	else {
		memcpy(s->bsk, bsk, sizeof(s->bsk));
		crypto_scalarmult_base(s->bpk, s->bsk);
	}
	if (seed == NULL)
		crypto_sign_keypair(s->spk, s->ssk);
	else
		crypto_sign_seed_keypair(s->spk, s->ssk, seed);
	snprintf(s->roomkey, sizeof(s->roomkey), "%s", roomkey);
	memcpy(s->secret, secret, SECRET_BYTES);
	ki_derive(s);
	snprintf(s->flags, sizeof(s->flags), "-");
	e2e2_peer_add(s, alias, s->bpk, s->spk);
}

void
e2e2_release(struct e2e2 *s)
{
	sodium_memzero(s, sizeof(*s));
}

/* The creator's epoch 0. */
void
e2e2_start_epoch(struct e2e2 *s)
{
	unsigned char e[32];

	randombytes_buf(e, sizeof(e));
	e2e2_epoch(&s->cur, 0, e);
	sodium_memzero(e, sizeof(e));
	s->ready = 1;
}

/* The room's invite as it is now, "ROOMKEY.SECRET" (malloc'd). */
char *
e2e2_invite(const struct e2e2 *s)
{
	char *sec = b64u_encode(s->secret, SECRET_BYTES), *out;

	out = e2e2_alloc(ROOMKEY_LEN + 1 + SECRET_LEN + 1);
	snprintf(out, ROOMKEY_LEN + 1 + SECRET_LEN + 1, "%s.%s", s->roomkey,
	    sec);
	sodium_memzero(sec, strlen(sec));
	free(sec);
	return out;
}

/* The safety code of sanctuary(7) Member keys: "dddd dddd dddd dddd dddd". */
void
e2e2_safety(char code[25], const struct peer2 *p)
{
	crypto_hash_sha512_state st;
	unsigned char h[crypto_hash_sha512_BYTES];
	int i, at = 0;

	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st,
	    (const unsigned char *)"sanctuary/2 safety", 18);
	crypto_hash_sha512_update(&st, p->bpk, 32);
	crypto_hash_sha512_update(&st, p->spk, 32);
	crypto_hash_sha512_final(&st, h);
	for (i = 0; i < 5; i++)
		at += snprintf(code + at, (size_t)(25 - at), "%s%04u",
		    i ? " " : "", (unsigned)(h[2 * i] << 8 | h[2 * i + 1]) %
		    10000U);
}

/* Switches to epoch EP (and the room's new key and secret). */
void
e2e2_set_epoch(struct e2e2 *s, const struct epoch2 *ep, const char *roomkey,
    const unsigned char secret[SECRET_BYTES])
{
	if (s->ready) {
		s->prev = s->cur;
		s->has_prev = 1;
		s->prev_until = now_ms() + OLD_EPOCH_MS;
	}
	s->cur = *ep;
	s->ready = 1;
	if (strcmp(roomkey, s->roomkey) != 0 ||
	    memcmp(secret, s->secret, SECRET_BYTES) != 0) {
		snprintf(s->roomkey, sizeof(s->roomkey), "%s", roomkey);
		memcpy(s->secret, secret, SECRET_BYTES);
		ki_derive(s);
	}
}

/* ---------- sealing ---------- */

/*
 * P = pad(SIG || M) (malloc'd, *plen bytes, to wipe) for FROM = our alias,
 * or NULL if P0 would pass P0_MAX. With e2e2_forge it signs with a key
 * nobody announced.
 */
static unsigned char *
signed_plain(size_t *plen, const struct e2e2 *s, const char *kind,
    const char *to, uint64_t seq, const char *epoch, const char *text,
    size_t textlen)
{
	unsigned char *p, *tbs, fpk[crypto_sign_PUBLICKEYBYTES];
	unsigned char fsk[crypto_sign_SECRETKEYBYTES];
	char head[160];
	size_t ctxlen = sizeof(SIG_CONTEXT), mlen, cap;
	int hl;

	hl = snprintf(head, sizeof(head), "%s\n%s\n%s\n%llu\n%s\n", kind,
	    s->alias, to, (unsigned long long)seq, epoch);
	if (hl < 0 || (size_t)hl >= sizeof(head))
		return NULL;
	mlen = (size_t)hl + textlen;
	if (SIG_BYTES + mlen > P0_MAX)
		return NULL;
	cap = ((SIG_BYTES + mlen) / 16384 + 1) * 16384;
	p = e2e2_alloc(cap);
	tbs = e2e2_alloc(ctxlen + mlen);
	memcpy(tbs, SIG_CONTEXT, ctxlen);
	memcpy(tbs + ctxlen, head, (size_t)hl);
	memcpy(tbs + ctxlen + hl, text, textlen);
	if (e2e2_forge)
		crypto_sign_keypair(fpk, fsk);
	crypto_sign_detached(p, NULL, tbs, ctxlen + mlen,
	    e2e2_forge ? fsk : s->ssk);
	memcpy(p + SIG_BYTES, tbs + ctxlen, mlen);
	if (sodium_pad(plen, p, SIG_BYTES + mlen, pad_block(SIG_BYTES + mlen),
	    cap) != 0)
		oom();
	sodium_memzero(fsk, sizeof(fsk));
	sodium_memzero(tbs, ctxlen + mlen);
	free(tbs);
	return p;
}

/* base64url(PREFIX || nonce || C); C is a secretbox (TO_BPK NULL) or box. */
static char *
seal(const unsigned char *prefix, const unsigned char *key,
    const unsigned char *to_bpk, const unsigned char *bsk, unsigned char *p,
    size_t plen)
{
	size_t pre = prefix ? 32 : 0, rawlen = pre + NONCE_BYTES + MAC_BYTES +
	    plen;
	unsigned char *raw = e2e2_alloc(rawlen), *n = raw + pre;
	char *body;

	if (prefix)
		memcpy(raw, prefix, 32);
	randombytes_buf(n, NONCE_BYTES);
	if (to_bpk == NULL)
		crypto_secretbox_easy(n + NONCE_BYTES, p, plen, n, key);
	else if (crypto_box_easy(n + NONCE_BYTES, p, plen, n, to_bpk, bsk) != 0)
		rawlen = 0;
	body = rawlen ? b64u_encode(raw, rawlen) : NULL;
	sodium_memzero(p, plen);
	free(p);
	free(raw);
	return body;
}

/* The hello: TEXT = b64(BPK) SP b64(SPK), sealed with KI. */
char *
e2e2_hello(struct e2e2 *s, uint64_t seq)
{
	char text[2 * KEY32_LEN + 2], *b, *k;
	unsigned char *p;
	size_t plen;

	b = b64u_encode(s->bpk, 32);
	k = b64u_encode(s->spk, 32);
	snprintf(text, sizeof(text), "%s %s", b, k);
	free(b);
	free(k);
	p = signed_plain(&plen, s, "hello", "*", seq, "-", text, strlen(text));
	return p ? seal(NULL, s->ki, NULL, NULL, p, plen) : NULL;
}

/* A room message of KIND (msg, exit, rekey) under the epoch key. */
char *
e2e2_seal(struct e2e2 *s, const char *kind, const char *text, size_t len,
    uint64_t seq)
{
	unsigned char *p;
	size_t plen;

	if (!s->ready)
		return NULL;
	p = signed_plain(&plen, s, kind, "*", seq, s->cur.tag, text, len);
	return p ? seal(NULL, s->cur.e, NULL, NULL, p, plen) : NULL;
}

/* A whisper to TO, or NULL if TO's keys are unknown. */
char *
e2e2_seal_to(struct e2e2 *s, const char *to, const char *text, size_t len,
    uint64_t seq)
{
	struct peer2 *q = e2e2_peer(s, to);
	unsigned char *p;
	size_t plen;

	if (q == NULL || !s->ready)
		return NULL;
	p = signed_plain(&plen, s, "purr", to, seq, s->cur.tag, text, len);
	return p ? seal(NULL, NULL, q->bpk, s->bsk, p, plen) : NULL;
}

/* Appends "%s" pieces to a growing text. */
static void
text_add(char **t, size_t *len, const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c);

	*t = realloc(*t, *len + n + 1);
	if (*t == NULL)
		oom();
	snprintf(*t + *len, n + 1, "%s%s%s", a, b, c);
	*len += n;
}

/*
 * The roster whisper for TO: N b64(E) ROOMKEY b64(SECRET) FLAGS, then
 * ALIAS b64(BPK) b64(SPK) per member we know, ourselves included.
 */
char *
e2e2_keys_for(struct e2e2 *s, const char *to, uint64_t seq)
{
	struct peer2 *q = e2e2_peer(s, to);
	char *t = NULL, *e, *sec, *b, *k, n[24];
	unsigned char *p;
	size_t len = 0, plen;
	int i;

	if (q == NULL || !s->ready)
		return NULL;
	e = b64u_encode(s->cur.e, 32);
	sec = b64u_encode(s->secret, SECRET_BYTES);
	snprintf(n, sizeof(n), "%llu ", (unsigned long long)s->cur.n);
	text_add(&t, &len, n, e, " ");
	text_add(&t, &len, s->roomkey, " ", sec);
	text_add(&t, &len, " ", s->flags, "");
	for (i = 0; i < s->npeers; i++) {
		b = b64u_encode(s->peers[i].bpk, 32);
		k = b64u_encode(s->peers[i].spk, 32);
		text_add(&t, &len, "\n", s->peers[i].alias, " ");
		text_add(&t, &len, b, " ", k);
		free(b);
		free(k);
	}
	p = signed_plain(&plen, s, "keys", to, seq, s->cur.tag, t, len);
	sodium_memzero(e, strlen(e));
	sodium_memzero(sec, strlen(sec));
	sodium_memzero(t, len);
	free(e);
	free(sec);
	free(t);
	return p ? seal(s->bpk, NULL, q->bpk, s->bsk, p, plen) : NULL;
}

/*
 * A moderator's rekey to ROOMKEY with FLAGS ("-" or "rotate", the room's
 * from then on): makes the next epoch (*next, *secret) and returns its
 * TEXT, N+1 EH' FLAGS, then one line per member of KEEP
 * whose keys we know: ALIAS b64(nonce || box(ROOMKEY' || SECRET' || E')).
 * The switch waits for the relay's ack (e2e2_set_epoch).
 */
char *
e2e2_rekey_text(struct epoch2 *next, unsigned char secret[SECRET_BYTES],
    struct e2e2 *s, char *const *keep, int nkeep, const char *roomkey,
    const char *flags)
{
	unsigned char e[32], plain[ROOMKEY_BYTES + SECRET_BYTES + 32];
	unsigned char raw[EPOCH_SEALED];
	char *t = NULL, *line, n[24];
	struct peer2 *q;
	size_t len = 0;
	int i;

	randombytes_buf(e, sizeof(e));
	randombytes_buf(secret, SECRET_BYTES);
	e2e2_epoch(next, s->cur.n + 1, e);
	b64u_decode_exact(plain, ROOMKEY_BYTES, roomkey, ROOMKEY_LEN);
	memcpy(plain + ROOMKEY_BYTES, secret, SECRET_BYTES);
	memcpy(plain + ROOMKEY_BYTES + SECRET_BYTES, e, 32);
	snprintf(n, sizeof(n), "%llu ", (unsigned long long)next->n);
	text_add(&t, &len, n, e2e2_epoch_hash(next), " ");
	text_add(&t, &len, flags, "", "");
	for (i = 0; i < nkeep; i++) {
		if ((q = e2e2_peer(s, keep[i])) == NULL || q == &s->peers[0])
			continue;
		randombytes_buf(raw, NONCE_BYTES);
		if (crypto_box_easy(raw + NONCE_BYTES, plain, sizeof(plain),
		    raw, q->bpk, s->bsk) != 0)
			continue;
		line = b64u_encode(raw, sizeof(raw));
		text_add(&t, &len, "\n", q->alias, " ");
		text_add(&t, &len, line, "", "");
		free(line);
	}
	sodium_memzero(e, sizeof(e));
	sodium_memzero(plain, sizeof(plain));
	return t;
}
