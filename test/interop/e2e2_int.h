/*
 * e2e2_int.h: what the two halves of the "sanctuary/2" format share
 * (e2e2.c: keys, members, sealing; e2e2_open.c: receiving). Only those two
 * files include it.
 */

#ifndef SANCTUARY_E2E2_INT_H
#define SANCTUARY_E2E2_INT_H

#include "test/interop/e2e.h"

#define SIG_CONTEXT	"sanctuary/2 sig"	/* signed with its NUL */
#define SIG_BYTES	crypto_sign_BYTES
#define NONCE_BYTES	24
#define MAC_BYTES	16
/* A rekey line's sealed part: nonce || box(ROOMKEY' || SECRET' || E'). */
#define EPOCH_SEALED	(NONCE_BYTES + MAC_BYTES + ROOMKEY_BYTES + \
			    SECRET_BYTES + 32)

void		*e2e2_alloc(size_t);
const char	*e2e2_epoch_hash(const struct epoch2 *);
int		 e2e2_peer_add(struct e2e2 *, const char *,
		    const unsigned char *, const unsigned char *);
int		 e2e2_window(struct peer2 *, uint64_t);

#endif
