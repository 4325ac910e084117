/* peers.h: connection counts per peer (IPv4 address or IPv6 /64). Counts only. */
#ifndef CHATROOM_PEERS_H
#define CHATROOM_PEERS_H

#include <stddef.h>
#include <stdint.h>

struct peers;

struct peers	*peers_new(void);
void		 peers_free(struct peers *);
/* Counts one more connection of key unless it already has max: 0, or -1. */
int		 peers_add(struct peers *, uint64_t key, size_t max);
void		 peers_del(struct peers *, uint64_t key);
size_t		 peers_count(const struct peers *, uint64_t key);

#endif
