/*
 * peers.h: connection counts per peer (an IPv4 address or an IPv6 /64, as
 * net_peer_key() makes them), for the per-address limit of both daemons.
 * Counts only: no address is kept. A table has no lock: one thread uses it.
 */
#ifndef COMMON_PEERS_H
#define COMMON_PEERS_H

#include <stddef.h>
#include <stdint.h>

struct peers;

/* An empty table (after sodium_init), or NULL on ENOMEM. */
struct peers	*peers_new(void);
void		 peers_free(struct peers *);
/*
 * Counts one more connection of key unless it already has max: 0, or -1
 * (at max, or ENOMEM for a key not yet in the table).
 */
int		 peers_add(struct peers *, uint64_t key, size_t max);
/* Counts one connection of key less; a key not in the table is ignored. */
void		 peers_del(struct peers *, uint64_t key);
size_t		 peers_count(const struct peers *, uint64_t key);

#endif
