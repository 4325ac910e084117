/*
 * e2e2_open.c: the receiving half of "sanctuary/2" (sanctuary(7),
 * END-TO-END ENCRYPTION, VERSION 2, Receiving): opens a BODY with the key
 * its frame calls for, splits SIG || M, and judges it (kind, stamped
 * sender, recipient, signature, epoch, replay window); takes rosters and
 * rekeys.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test/interop/e2e2_int.h"

#define SEQ_MAX		9007199254740991ULL	/* 2^53 - 1, as IDs */

enum { F_KIND, F_FROM, F_TO, F_SEQ, F_EPOCH, F_TEXT, NFIELDS };

/* An opened, unpadded plaintext and M's fields (pointers into p). */
struct plain {
	unsigned char	*p;	/* owned */
	size_t		 plen;	/* bytes to wipe */
	size_t		 len;	/* SIG || M, unpadded */
	const char	*f[NFIELDS];
	size_t		 fl[NFIELDS];
	uint64_t	 seq;
};

static const char *const room_kinds[] = { "msg", "typing", "img", NULL };
static const char *const purr_kinds[] = { "purr", "img", NULL };
static const char *const hello_kinds[] = { "hello", NULL };
static const char *const exit_kinds[] = { "exit", NULL };
static const char *const rekey_kinds[] = { "rekey", NULL };
static const char *const all_kinds[] = { "hello", "msg", "typing", "img",
	"purr", "keys", "exit", "rekey", NULL };

/* Decodes canonical base64url of any length (malloc'd), or NULL. */
static unsigned char *
b64u_decode_any(size_t *n, const char *s)
{
	size_t len = strlen(s);
	unsigned char *out = e2e2_alloc(len / 4 * 3 + 3);
	const char *end;

	if (sodium_base642bin(out, len / 4 * 3 + 3, s, len, NULL, n, &end,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || end != s + len) {
		free(out);
		return NULL;
	}
	return out;
}

/*
 * Opens a BODY that is PREFIX bytes then nonce || C, with a secretbox KEY
 * or (KEY NULL) a box from FROM_BPK (NULL: the BPK the body starts with).
 * Fills pl with the unpadded P and M's fields; 0, or -1.
 */
static int
plain_open(struct plain *pl, const unsigned char *key,
    const unsigned char *from_bpk, const unsigned char *bsk, size_t prefix,
    const char *body, unsigned char got_bpk[32])
{
	unsigned char *raw, *n;
	size_t rawlen;
	int rc;

	memset(pl, 0, sizeof(*pl));
	if ((raw = b64u_decode_any(&rawlen, body)) == NULL)
		return -1;
	if (rawlen < prefix + NONCE_BYTES + MAC_BYTES + 1) {
		free(raw);
		return -1;
	}
	n = raw + prefix;
	pl->plen = rawlen - prefix - NONCE_BYTES - MAC_BYTES;
	pl->p = e2e2_alloc(pl->plen);
	if (prefix)
		memcpy(got_bpk, raw, 32);
	if (key != NULL)
		rc = crypto_secretbox_open_easy(pl->p, n + NONCE_BYTES,
		    pl->plen + MAC_BYTES, n, key);
	else
		rc = crypto_box_open_easy(pl->p, n + NONCE_BYTES,
		    pl->plen + MAC_BYTES, n, from_bpk ? from_bpk : raw, bsk);
	free(raw);
	return rc;
}

static int kind_in(const struct plain *, const char *const *);

/* Splits SIG || M into its fields (sanctuary(7) Receiving); 0 or -1. */
static int
plain_parse(struct plain *pl)
{
	const char *m, *nl;
	size_t left, i, k;
	uint64_t v = 0;

	if (sodium_unpad(&pl->len, pl->p, pl->plen, pl->plen) != 0 ||
	    pl->len < SIG_BYTES ||
	    !utf8_valid(pl->p + SIG_BYTES, pl->len - SIG_BYTES))
		return -1;
	m = (const char *)pl->p + SIG_BYTES;
	left = pl->len - SIG_BYTES;
	for (i = 0; i < F_TEXT; i++) {
		if ((nl = memchr(m, '\n', left)) == NULL)
			return -1;
		pl->f[i] = m;
		pl->fl[i] = (size_t)(nl - m);
		left -= pl->fl[i] + 1;
		m = nl + 1;
	}
	pl->f[F_TEXT] = m;
	pl->fl[F_TEXT] = left;
	if (pl->fl[F_SEQ] < 1 || pl->fl[F_SEQ] > 16 || pl->f[F_SEQ][0] == '0')
		return -1;
	for (k = 0; k < pl->fl[F_SEQ]; k++) {
		if (pl->f[F_SEQ][k] < '0' || pl->f[F_SEQ][k] > '9')
			return -1;
		v = v * 10 + (uint64_t)(pl->f[F_SEQ][k] - '0');
	}
	if (v > SEQ_MAX || !kind_in(pl, all_kinds))
		return -1;
	pl->seq = v;
	return 0;
}

static int
field_is(const struct plain *pl, int i, const char *s)
{
	return pl->fl[i] == strlen(s) && memcmp(pl->f[i], s, pl->fl[i]) == 0;
}

static int
kind_in(const struct plain *pl, const char *const *kinds)
{
	for (; *kinds != NULL; kinds++)
		if (field_is(pl, F_KIND, *kinds))
			return 1;
	return 0;
}

/* SIG over "sanctuary/2 sig" 0x00 || M verifies with SPK. */
static int
plain_verify(const struct plain *pl, const unsigned char *spk)
{
	size_t ctxlen = sizeof(SIG_CONTEXT), mlen = pl->len - SIG_BYTES;
	unsigned char *tbs = e2e2_alloc(ctxlen + mlen);
	int ok;

	memcpy(tbs, SIG_CONTEXT, ctxlen);
	memcpy(tbs + ctxlen, pl->p + SIG_BYTES, mlen);
	ok = crypto_sign_verify_detached(pl->p, tbs, ctxlen + mlen, spk) == 0;
	sodium_memzero(tbs, ctxlen + mlen);
	free(tbs);
	return ok;
}

static void
plain_release(struct plain *pl)
{
	if (pl->p != NULL) {
		sodium_memzero(pl->p, pl->plen);
		free(pl->p);
	}
	memset(pl, 0, sizeof(*pl));
}

/* EPOCH names our epoch, or the previous one within OLD_EPOCH_MS. */
static int
epoch_ok(const struct e2e2 *s, const struct plain *pl)
{
	if (s->ready && field_is(pl, F_EPOCH, s->cur.tag))
		return 1;
	return s->has_prev && field_is(pl, F_EPOCH, s->prev.tag) &&
	    now_ms() < s->prev_until;
}

/* Our epoch's number with another key hash: the relay split the room. */
static int
epoch_split(const struct e2e2 *s, const struct plain *pl)
{
	char n[24];
	size_t l;

	if (!s->ready)
		return 0;
	l = (size_t)snprintf(n, sizeof(n), "%llu.",
	    (unsigned long long)s->cur.n);
	return pl->fl[F_EPOCH] > l && memcmp(pl->f[F_EPOCH], n, l) == 0;
}

/*
 * The checks of sanctuary(7) Receiving for PL from the stamped alias FROM,
 * with SPK (NULL: the one remembered for FROM).
 */
static enum e2e2_verdict
judge(struct e2e2 *s, const struct plain *pl, const char *from,
    const char *const *kinds, const char *to, const unsigned char *spk)
{
	struct peer2 *p;

	if (!kind_in(pl, kinds) || !field_is(pl, F_FROM, from) ||
	    !field_is(pl, F_TO, to) || (p = e2e2_peer(s, from)) == NULL ||
	    !plain_verify(pl, spk ? spk : p->spk))
		return V2_BAD;
	if (!field_is(pl, F_KIND, "hello") && !epoch_ok(s, pl))
		return epoch_split(s, pl) ? V2_SPLIT : V2_BAD;
	return e2e2_window(p, pl->seq) ? V2_OK : V2_DROP;
}

/* Hands PL's text over to OUT (which then owns the buffer). */
static enum e2e2_verdict
verdict_out(struct e2e2_msg *out, struct plain *pl, enum e2e2_verdict v)
{
	memset(out, 0, sizeof(*out));
	if (v != V2_OK) {
		plain_release(pl);
		return v;
	}
	snprintf(out->kind, sizeof(out->kind), "%.*s", (int)pl->fl[F_KIND],
	    pl->f[F_KIND]);
	snprintf(out->from, sizeof(out->from), "%.*s", (int)pl->fl[F_FROM],
	    pl->f[F_FROM]);
	out->seq = pl->seq;
	out->text = pl->f[F_TEXT];
	out->textlen = pl->fl[F_TEXT];
	out->p = pl->p;
	out->plen = pl->plen;
	pl->p = NULL;
	return V2_OK;
}

void
e2e2_msg_release(struct e2e2_msg *m)
{
	if (m->p != NULL) {
		sodium_memzero(m->p, m->plen);
		free(m->p);
	}
	memset(m, 0, sizeof(*m));
}

/* Opens a room BODY with the epoch key, or the previous one in its grace. */
static int
open_room(struct plain *pl, const struct e2e2 *s, const char *body)
{
	memset(pl, 0, sizeof(*pl));
	if (s->ready && plain_open(pl, s->cur.e, NULL, NULL, 0, body, NULL) ==
	    0 && plain_parse(pl) == 0)
		return 0;
	plain_release(pl);
	if (s->has_prev && now_ms() < s->prev_until &&
	    plain_open(pl, s->prev.e, NULL, NULL, 0, body, NULL) == 0 &&
	    plain_parse(pl) == 0)
		return 0;
	plain_release(pl);
	return -1;
}

/* A hello: TEXT is two 32-byte keys, signed with the SPK it carries. */
static enum e2e2_verdict
on_hello(struct e2e2_msg *out, struct e2e2 *s, const char *from,
    const char *body)
{
	struct plain pl;
	unsigned char bpk[32], spk[32];
	const char *t;
	int changed = 0;
	enum e2e2_verdict v;

	if (plain_open(&pl, s->ki, NULL, NULL, 0, body, NULL) != 0 ||
	    plain_parse(&pl) != 0 || !field_is(&pl, F_KIND, "hello") ||
	    !field_is(&pl, F_EPOCH, "-") ||
	    pl.fl[F_TEXT] != 2 * KEY32_LEN + 1 ||
	    (t = pl.f[F_TEXT])[KEY32_LEN] != ' ' ||
	    b64u_decode_exact(bpk, 32, t, KEY32_LEN) != 0 ||
	    b64u_decode_exact(spk, 32, t + KEY32_LEN + 1, KEY32_LEN) != 0 ||
	    !field_is(&pl, F_FROM, from) || !field_is(&pl, F_TO, "*") ||
	    !plain_verify(&pl, spk))
		return verdict_out(out, &pl, V2_BAD);
	if (strcmp(from, s->alias) != 0)
		changed = e2e2_peer_add(s, from, bpk, spk);
	v = verdict_out(out, &pl, judge(s, &pl, from, hello_kinds, "*", spk));
	out->changed = changed;
	return v;
}

/* A `msg FROM BODY`: a room kind under E, or a hello under KI. */
enum e2e2_verdict
e2e2_on_msg(struct e2e2_msg *out, struct e2e2 *s, const char *from,
    const char *body)
{
	struct plain pl;

	if (open_room(&pl, s, body) == 0)
		return verdict_out(out, &pl,
		    judge(s, &pl, from, room_kinds, "*", NULL));
	return on_hello(out, s, from, body);
}

/* A `left ALIAS BODY`: the farewell. */
enum e2e2_verdict
e2e2_on_left(struct e2e2_msg *out, struct e2e2 *s, const char *from,
    const char *body)
{
	struct plain pl;

	if (open_room(&pl, s, body) != 0)
		return verdict_out(out, &pl, V2_BAD);
	return verdict_out(out, &pl,
	    judge(s, &pl, from, exit_kinds, "*", NULL));
}

/* One roster line, "ALIAS BPK SPK", in place; 0 or -1. */
static int
roster_line(char **alias, unsigned char bpk[32], unsigned char spk[32],
    char *l)
{
	char *sp = strchr(l, ' ');

	if (sp == NULL || sp == l || sp - l > ALIAS_MAX ||
	    strlen(sp + 1) != 2 * KEY32_LEN + 1 ||
	    sp[1 + KEY32_LEN] != ' ' ||
	    b64u_decode_exact(bpk, 32, sp + 1, KEY32_LEN) != 0 ||
	    b64u_decode_exact(spk, 32, sp + 2 + KEY32_LEN, KEY32_LEN) != 0)
		return -1;
	*sp = '\0';
	*alias = l;
	return 0;
}

/* The roster's first line: N b64(E) ROOMKEY b64(SECRET) FLAGS; 0 or -1. */
static int
roster_head(struct epoch2 *ep, char roomkey[ROOMKEY_LEN + 1],
    unsigned char secret[SECRET_BYTES], char flags[7], const char *l)
{
	unsigned char e[32], rk[ROOMKEY_BYTES];
	uint64_t n = 0;
	const char *p = l;

	for (; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (uint64_t)(*p - '0');
	if (p == l || p - l > 16 || (*l == '0' && p != l + 1) || *p != ' ' ||
	    strlen(p) < 1 + KEY32_LEN + 1 + ROOMKEY_LEN + 1 + SECRET_LEN + 2 ||
	    b64u_decode_exact(e, 32, p + 1, KEY32_LEN) != 0)
		return -1;
	p += 1 + KEY32_LEN;
	if (*p != ' ' || b64u_decode_exact(rk, sizeof(rk), p + 1,
	    ROOMKEY_LEN) != 0)
		goto fail;
	memcpy(roomkey, p + 1, ROOMKEY_LEN);
	roomkey[ROOMKEY_LEN] = '\0';
	p += 1 + ROOMKEY_LEN;
	if (*p != ' ' || b64u_decode_exact(secret, SECRET_BYTES, p + 1,
	    SECRET_LEN) != 0)
		goto fail;
	p += 1 + SECRET_LEN;
	if (strcmp(p, " -") != 0 && strcmp(p, " rotate") != 0)
		goto fail;
	snprintf(flags, 7, "%s", p + 1);
	e2e2_epoch(ep, n, e);
	sodium_memzero(e, sizeof(e));
	return 0;
fail:
	sodium_memzero(e, sizeof(e));
	return -1;
}

/* Splits TEXT (a NUL-terminated copy) into lines in place; the count. */
static int
lines_split(char **l, int max, char *t)
{
	int n = 0;
	char *nl;

	for (;;) {
		if (n == max)
			return -1;
		l[n++] = t;
		if ((nl = strchr(t, '\n')) == NULL)
			return n;
		*nl = '\0';
		t = nl + 1;
	}
}

static char *
text_copy(const struct plain *pl)
{
	char *t = e2e2_alloc(pl->fl[F_TEXT] + 1);

	memcpy(t, pl->f[F_TEXT], pl->fl[F_TEXT]);
	t[pl->fl[F_TEXT]] = '\0';
	return t;
}

/*
 * Takes the roster of PL (signed keys from FROM whose BODY began with
 * FROM_BPK): the members' keys and, when newer, the epoch. 0 or -1.
 */
static int
roster_take(struct e2e2 *s, struct plain *pl, const char *from,
    const unsigned char from_bpk[32], int *changed)
{
	char *t = text_copy(pl), *l[MEMBERS_MAX + 1], *a, rk[ROOMKEY_LEN + 1];
	char flags[7];
	unsigned char bpk[MEMBERS_MAX][32], spk[MEMBERS_MAX][32];
	unsigned char sec[SECRET_BYTES];
	struct epoch2 ep;
	struct peer2 *known;
	int n, i, mine = -1, rc = -1;
	char *names[MEMBERS_MAX];

	n = lines_split(l, MEMBERS_MAX + 1, t);
	if (n < 2 || roster_head(&ep, rk, sec, flags, l[0]) != 0 ||
	    !field_is(pl, F_EPOCH, ep.tag))
		goto out;
	for (i = 1; i < n; i++) {
		if (roster_line(&a, bpk[i - 1], spk[i - 1], l[i]) != 0)
			goto out;
		names[i - 1] = a;
		if (strcmp(a, from) == 0)
			mine = i - 1;
	}
	if (mine < 0 || memcmp(bpk[mine], from_bpk, 32) != 0 ||
	    !plain_verify(pl, spk[mine]))
		goto out;
	known = e2e2_peer(s, from);
	if (s->ready ? known == NULL || memcmp(known->spk, spk[mine], 32) ||
	    ep.n < s->cur.n : strcmp(rk, s->roomkey) != 0 ||
	    memcmp(sec, s->secret, SECRET_BYTES) != 0)
		goto out;
	for (i = 0; i < n - 1; i++)
		if (strcmp(names[i], s->alias) != 0)
			*changed |= e2e2_peer_add(s, names[i], bpk[i], spk[i]);
	if (!e2e2_window(e2e2_peer(s, from), pl->seq))
		rc = 1;
	else {
		if (!s->ready || ep.n > s->cur.n)
			e2e2_set_epoch(s, &ep, rk, sec);
		snprintf(s->flags, sizeof(s->flags), "%s", flags);
		rc = 0;
	}
out:
	sodium_memzero(&ep, sizeof(ep));
	sodium_memzero(sec, sizeof(sec));
	sodium_memzero(t, pl->fl[F_TEXT]);
	free(t);
	return rc;
}

/* A `purr FROM BODY`: a whisper from a member we know, or a roster. */
enum e2e2_verdict
e2e2_on_purr(struct e2e2_msg *out, struct e2e2 *s, const char *from,
    const char *body)
{
	struct peer2 *q = e2e2_peer(s, from);
	struct plain pl;
	unsigned char fbpk[32];
	int changed = 0, rc;
	enum e2e2_verdict v;

	memset(&pl, 0, sizeof(pl));
	if (q != NULL && plain_open(&pl, NULL, q->bpk, s->bsk, 0, body,
	    NULL) == 0 && plain_parse(&pl) == 0)
		return verdict_out(out, &pl,
		    judge(s, &pl, from, purr_kinds, s->alias, NULL));
	plain_release(&pl);
	if (plain_open(&pl, NULL, NULL, s->bsk, 32, body, fbpk) != 0 ||
	    plain_parse(&pl) != 0 || !field_is(&pl, F_KIND, "keys") ||
	    !field_is(&pl, F_FROM, from) || !field_is(&pl, F_TO, s->alias))
		return verdict_out(out, &pl, V2_BAD);
	rc = roster_take(s, &pl, from, fbpk, &changed);
	v = verdict_out(out, &pl, rc < 0 ? V2_BAD : rc ? V2_DROP : V2_OK);
	out->changed = changed;
	return v;
}

/*
 * A `rekey FROM BODY`: opens our line, checks E' against EH' and switches.
 * V2_BAD also when it has no line for us.
 */
enum e2e2_verdict
e2e2_on_rekey(struct e2e2_msg *out, struct e2e2 *s, const char *from,
    const char *body)
{
	struct plain pl;
	struct epoch2 ep;
	unsigned char raw[EPOCH_SEALED], plain[EPOCH_SEALED], sec[32];
	char *t, *l[MEMBERS_MAX + 1], rk[ROOMKEY_LEN + 1], *end, flags[7];
	size_t al = strlen(s->alias);
	unsigned long long n;
	int nl, i, ok = 0;
	enum e2e2_verdict v;

	if (open_room(&pl, s, body) != 0)
		return verdict_out(out, &pl, V2_BAD);
	if ((v = judge(s, &pl, from, rekey_kinds, "*", NULL)) != V2_OK)
		return verdict_out(out, &pl, v);
	t = text_copy(&pl);
	nl = lines_split(l, MEMBERS_MAX + 1, t);
	n = strtoull(l[0], &end, 10);
	if (nl >= 2 && end != l[0] && l[0][0] != '0' && n == s->cur.n + 1 &&
	    *end == ' ' && strlen(end + 1) > ROOMKEY_LEN &&
	    end[1 + ROOMKEY_LEN] == ' ' &&
	    (strcmp(end + 2 + ROOMKEY_LEN, "-") == 0 ||
	    strcmp(end + 2 + ROOMKEY_LEN, "rotate") == 0)) {
		snprintf(flags, sizeof(flags), "%s", end + 2 + ROOMKEY_LEN);
		end[1 + ROOMKEY_LEN] = '\0';
		for (i = 1; i < nl && !ok; i++) {
			if (strncmp(l[i], s->alias, al) != 0 ||
			    l[i][al] != ' ' ||
			    b64u_decode_exact(raw, sizeof(raw), l[i] + al + 1,
			    strlen(l[i] + al + 1)) != 0 ||
			    crypto_box_open_easy(plain, raw + NONCE_BYTES,
			    sizeof(raw) - NONCE_BYTES, raw,
			    e2e2_peer(s, from)->bpk, s->bsk) != 0)
				continue;
			e2e2_epoch(&ep, n,
			    plain + ROOMKEY_BYTES + SECRET_BYTES);
			ok = strcmp(e2e2_epoch_hash(&ep), end + 1) == 0;
		}
	}
	if (ok) {
		sodium_bin2base64(rk, sizeof(rk), plain, ROOMKEY_BYTES,
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		memcpy(sec, plain + ROOMKEY_BYTES, SECRET_BYTES);
		e2e2_set_epoch(s, &ep, rk, sec);
		snprintf(s->flags, sizeof(s->flags), "%s", flags);
	}
	sodium_memzero(plain, sizeof(plain));
	sodium_memzero(sec, sizeof(sec));
	sodium_memzero(&ep, sizeof(ep));
	sodium_memzero(t, pl.fl[F_TEXT]);
	free(t);
	return verdict_out(out, &pl, ok ? V2_OK : V2_BAD);
}
