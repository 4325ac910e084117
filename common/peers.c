/*
 * peers.c: a chained hash table of per-peer connection counts. The hash is
 * SipHash under a random key, so remote peers cannot aim at one bucket.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "peers.h"

struct peer {
	uint64_t	 key;
	size_t		 count;
	struct peer	*next;
};

struct peers {
	struct peer	**buckets;
	size_t		  nbuckets;	/* a power of two */
	size_t		  n;
	unsigned char	  hkey[crypto_shorthash_KEYBYTES];
};

static size_t
peers_slot(const struct peers *p, uint64_t key)
{
	unsigned char	h[crypto_shorthash_BYTES];
	uint64_t	v;

	crypto_shorthash(h, (const unsigned char *)&key, sizeof(key), p->hkey);
	memcpy(&v, h, sizeof(v));
	return (size_t)(v & (p->nbuckets - 1));
}

struct peers *
peers_new(void)
{
	struct peers	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->nbuckets = 64;
	if ((p->buckets = calloc(p->nbuckets, sizeof(*p->buckets))) == NULL) {
		free(p);
		return NULL;
	}
	crypto_shorthash_keygen(p->hkey);
	return p;
}

void
peers_free(struct peers *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nbuckets; i++) {
		struct peer *e, *next;

		for (e = p->buckets[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(p->buckets);
	sodium_memzero(p, sizeof(*p));
	free(p);
}

/* Doubles the table when it is full; on ENOMEM it stays as it is. */
static void
peers_grow(struct peers *p)
{
	struct peer	**old = p->buckets, **nb;
	size_t		  oldn = p->nbuckets, i;

	if ((nb = calloc(oldn * 2, sizeof(*nb))) == NULL)
		return;
	p->buckets = nb;
	p->nbuckets = oldn * 2;
	for (i = 0; i < oldn; i++) {
		struct peer *e, *next;

		for (e = old[i]; e != NULL; e = next) {
			size_t s = peers_slot(p, e->key);

			next = e->next;
			e->next = nb[s];
			nb[s] = e;
		}
	}
	free(old);
}

static struct peer *
peers_find(const struct peers *p, uint64_t key, struct peer ***link)
{
	struct peer	**l = &p->buckets[peers_slot(p, key)];

	for (; *l != NULL; l = &(*l)->next)
		if ((*l)->key == key)
			break;
	if (link != NULL)
		*link = l;
	return *l;
}

size_t
peers_count(const struct peers *p, uint64_t key)
{
	struct peer	*e = peers_find(p, key, NULL);

	return e == NULL ? 0 : e->count;
}

int
peers_add(struct peers *p, uint64_t key, size_t max)
{
	struct peer	*e, **link;

	if ((e = peers_find(p, key, &link)) != NULL) {
		if (e->count >= max)
			return -1;
		e->count++;
		return 0;
	}
	if (max == 0 || (e = calloc(1, sizeof(*e))) == NULL)
		return -1;
	e->key = key;
	e->count = 1;
	*link = e;
	if (++p->n > p->nbuckets)
		peers_grow(p);
	return 0;
}

void
peers_del(struct peers *p, uint64_t key)
{
	struct peer	*e, **link;

	if ((e = peers_find(p, key, &link)) == NULL)
		return;
	if (--e->count > 0)
		return;
	*link = e->next;
	free(e);
	p->n--;
}
