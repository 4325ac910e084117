/*
 * The end-to-end formats of sanctuary(7) for the C test client, written
 * from the manual with libsodium: "sanctuary/1" (e2e1.c: one room key from
 * the invite) and "sanctuary/2" (e2e2.c sends, e2e2_open.c receives:
 * member keys, signed and numbered messages, epochs, whispers between two
 * members, the sealed rekey). No socket here: sanctuary_client.c and
 * room2.c speak the relay protocol and decide what to send.
 */

#ifndef SANCTUARY_E2E_H
#define SANCTUARY_E2E_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#define ROOMKEY_BYTES	16
#define ROOMKEY_LEN	22
#define SECRET_BYTES	32
#define SECRET_LEN	43
#define KEY32_LEN	43	/* base64url of 32 bytes */
#define ALIAS_MAX	32
#define P0_MAX		32767	/* sanctuary(7): the largest bucket is 32768 */
#define MEMBERS_MAX	64	/* chatroom(8) --max-members, default */

/* ---------- shared ---------- */

long long now_ms(void);	/* CLOCK_MONOTONIC, in ms */
int	 utf8_valid(const unsigned char *, size_t);
int	 b64u_decode_exact(unsigned char *, size_t, const char *, size_t);
char	*b64u_encode(const unsigned char *, size_t);
size_t	 pad_block(size_t);
int	 invite_split(char [ROOMKEY_LEN + 1], unsigned char [SECRET_BYTES],
	    const char *);
void	 invite_mint(char [ROOMKEY_LEN + 1], unsigned char [SECRET_BYTES]);

/* ---------- sanctuary/1 ---------- */

void		 e2e1_key(unsigned char [crypto_secretbox_KEYBYTES],
		    const char *, const unsigned char [SECRET_BYTES]);
char		*e2e1_seal(const unsigned char *, const char *, const char *,
		    const char *, size_t);
unsigned char	*e2e1_open(const char **, size_t *, const unsigned char *,
		    const char *, const char *, const char *, size_t);

/* ---------- sanctuary/2 ---------- */

/* A member whose keys we know, and its replay window. */
struct peer2 {
	char		alias[ALIAS_MAX + 1];
	unsigned char	bpk[crypto_box_PUBLICKEYBYTES];
	unsigned char	spk[crypto_sign_PUBLICKEYBYTES];
	uint64_t	max;	/* highest SEQ accepted */
	uint64_t	seen;	/* bit i: SEQ max-1-i accepted */
};

struct epoch2 {
	uint64_t	n;
	unsigned char	e[32];
	char		tag[24 + ROOMKEY_LEN];	/* N "." EH */
};

/*
 * One person's state in one version 2 room. Secrets (bsk, ssk, secret, ki,
 * the epoch keys) are wiped by e2e2_release().
 */
struct e2e2 {
	char		alias[ALIAS_MAX + 1];
	unsigned char	bpk[crypto_box_PUBLICKEYBYTES];
	unsigned char	bsk[crypto_box_SECRETKEYBYTES];
	unsigned char	spk[crypto_sign_PUBLICKEYBYTES];
	unsigned char	ssk[crypto_sign_SECRETKEYBYTES];
	char		roomkey[ROOMKEY_LEN + 1];
	unsigned char	secret[SECRET_BYTES];
	unsigned char	ki[32];
	int		ready;		/* cur is set */
	struct epoch2	cur;
	int		has_prev;
	struct epoch2	prev;		/* opens for OLD_EPOCH_MS */
	long long	prev_until;	/* monotonic ms */
	char		flags[7];	/* "-" or "rotate" */
	uint64_t	seq;		/* last SEQ sealed */
	struct peer2	peers[MEMBERS_MAX];
	int		npeers;
};

/* What a received BODY turned out to be. */
enum e2e2_verdict {
	V2_BAD,		/* not verified: show "unverified" */
	V2_DROP,	/* a repeated SEQ: dropped without a word */
	V2_SPLIT,	/* our epoch's number with another key */
	V2_OK
};

/* A verified message: its KIND and TEXT (TEXT points into p). */
struct e2e2_msg {
	char		 kind[8];
	char		 from[ALIAS_MAX + 1];
	uint64_t	 seq;
	const char	*text;
	size_t		 textlen;
	unsigned char	*p;	/* owned: wiped and freed by e2e2_msg_release */
	size_t		 plen;
	int		 changed;	/* hello, keys: some keys changed */
};

#define OLD_EPOCH_MS	10000

void	 e2e2_init(struct e2e2 *, const char *, const char *,
	    const unsigned char [SECRET_BYTES], const unsigned char *,
	    const unsigned char *);
void	 e2e2_epoch(struct epoch2 *, uint64_t, const unsigned char [32]);
void	 e2e2_release(struct e2e2 *);
void	 e2e2_start_epoch(struct e2e2 *);
struct peer2 *e2e2_peer(struct e2e2 *, const char *);
char	*e2e2_invite(const struct e2e2 *);
void	 e2e2_safety(char [25], const struct peer2 *);

char	*e2e2_hello(struct e2e2 *, uint64_t);
char	*e2e2_seal(struct e2e2 *, const char *, const char *, size_t,
	    uint64_t);
char	*e2e2_seal_to(struct e2e2 *, const char *, const char *, size_t,
	    uint64_t);
char	*e2e2_keys_for(struct e2e2 *, const char *, uint64_t);
char	*e2e2_rekey_text(struct epoch2 *, unsigned char [SECRET_BYTES],
	    struct e2e2 *, char *const *, int, const char *, const char *);
void	 e2e2_set_epoch(struct e2e2 *, const struct epoch2 *, const char *,
	    const unsigned char [SECRET_BYTES]);

enum e2e2_verdict e2e2_on_msg(struct e2e2_msg *, struct e2e2 *,
	    const char *, const char *);
enum e2e2_verdict e2e2_on_purr(struct e2e2_msg *, struct e2e2 *,
	    const char *, const char *);
enum e2e2_verdict e2e2_on_left(struct e2e2_msg *, struct e2e2 *,
	    const char *, const char *);
enum e2e2_verdict e2e2_on_rekey(struct e2e2_msg *, struct e2e2 *,
	    const char *, const char *);
void	 e2e2_msg_release(struct e2e2_msg *);

/* For tests of the receivers: sign with a key nobody announced. */
extern int e2e2_forge;

#endif
