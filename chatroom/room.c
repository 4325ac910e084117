/*
 * room.c: the room table. A hash table of rooms keyed by room key, hashed with
 * SipHash (crypto_shorthash) under a key drawn at startup so that clients
 * cannot aim many room keys at one bucket. A second array of as many buckets
 * holds the keys rooms moved away from (room_move). Each room holds its
 * members in join order. Nothing here touches a socket: effects go through
 * sink.h, and sink.h never calls back in, so a fan-out cannot re-enter the
 * table.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/key.h"
#include "msg.h"
#include "proto.h"
#include "room.h"
#include "room_priv.h"
#include "sink.h"

#define BUCKETS_MIN	16

static void	room_unhook(struct room_table *, struct room *);

struct room_table {
	struct room		**buckets;
	struct retired		**rbuckets;	/* as many as buckets */
	size_t			  nbuckets;	/* a power of two */
	size_t			  nrooms, nmembers;
	struct room_limits	  limits;
	unsigned char		  hkey[crypto_shorthash_KEYBYTES];
};

static uint64_t
table_hash(const struct room_table *tab, const char *key)
{
	unsigned char	out[crypto_shorthash_BYTES];
	uint64_t	h;

	crypto_shorthash(out, (const unsigned char *)key, KEY_LEN, tab->hkey);
	memcpy(&h, out, sizeof(h));
	return h;
}

struct room_table *
rooms_new(const struct room_limits *limits)
{
	struct room_table	*tab;

	if ((tab = calloc(1, sizeof(*tab))) == NULL)
		return NULL;
	tab->buckets = calloc(BUCKETS_MIN, sizeof(*tab->buckets));
	tab->rbuckets = calloc(BUCKETS_MIN, sizeof(*tab->rbuckets));
	if (tab->buckets == NULL || tab->rbuckets == NULL) {
		free(tab->buckets);
		free(tab->rbuckets);
		free(tab);
		return NULL;
	}
	tab->nbuckets = BUCKETS_MIN;
	tab->limits = *limits;
	crypto_shorthash_keygen(tab->hkey);
	return tab;
}

static void
member_free(struct member *m)
{
	sodium_memzero(m, sizeof(*m));
	free(m);
}

static void
retired_unlink(struct room_table *tab, struct retired *r)
{
	struct retired	**pp;

	pp = &tab->rbuckets[r->hash & (tab->nbuckets - 1)];
	while (*pp != r)
		pp = &(*pp)->next;
	*pp = r->next;
}

/* Unhooks an empty room and its retired keys, wipes and frees it. */
static void
room_free(struct room_table *tab, struct room *room)
{
	size_t	i;

	for (i = 0; i < room->nretired; i++)
		retired_unlink(tab, &room->retired[(room->oldest + i) %
		    ROOM_RETIRED]);
	room_unhook(tab, room);
	tab->nrooms--;
	sodium_memzero(room, sizeof(*room));
	free(room);
}

void
rooms_free(struct room_table *tab)
{
	struct room	*room;
	struct member	*m;
	size_t		 i;

	if (tab == NULL)
		return;
	for (i = 0; i < tab->nbuckets; i++) {
		while ((room = tab->buckets[i]) != NULL) {
			while ((m = TAILQ_FIRST(&room->members)) != NULL) {
				TAILQ_REMOVE(&room->members, m, entry);
				member_free(m);
			}
			room_free(tab, room);
		}
	}
	free(tab->buckets);
	free(tab->rbuckets);
	sodium_memzero(tab, sizeof(*tab));
	free(tab);
}

void
rooms_shutdown(struct room_table *tab)
{
	struct room	*room;
	size_t		 i;

	for (i = 0; i < tab->nbuckets; i++)
		while ((room = tab->buckets[i]) != NULL)
			room_wipe(tab, room, CLOSE_SHUTDOWN);
}

size_t
rooms_count(const struct room_table *tab)
{
	return tab->nrooms;
}

size_t
rooms_members(const struct room_table *tab)
{
	return tab->nmembers;
}

void
rooms_drop(struct room_table *tab, struct member *m)
{
	if (m != NULL)
		room_leave(tab, m, 1, NULL);
}

struct room *
room_find(struct room_table *tab, const struct proto_str *key)
{
	struct room	*room;
	uint64_t	 h;

	if (key->len != KEY_LEN)
		return NULL;
	h = table_hash(tab, key->p);
	for (room = tab->buckets[h & (tab->nbuckets - 1)]; room != NULL;
	    room = room->next)
		if (room->hash == h && key_equal(room->key, key->p))
			return room;
	return NULL;
}

struct room *
room_find_retired(struct room_table *tab, const struct proto_str *key)
{
	struct retired	*r;
	uint64_t	 h;

	if (key->len != KEY_LEN)
		return NULL;
	h = table_hash(tab, key->p);
	for (r = tab->rbuckets[h & (tab->nbuckets - 1)]; r != NULL;
	    r = r->next)
		if (r->hash == h && key_equal(r->key, key->p))
			return r->room;
	return NULL;
}

/* 1 if key is a room's, current or retired. */
static int
key_taken(struct room_table *tab, const struct proto_str *key)
{
	return room_find(tab, key) != NULL ||
	    room_find_retired(tab, key) != NULL;
}

/*
 * Doubles both bucket arrays; on ENOMEM the table just stays more crowded.
 */
static void
table_grow(struct room_table *tab)
{
	struct room	**nb, *room, *next;
	struct retired	**nr, *r, *rnext;
	size_t		  n = tab->nbuckets * 2, i;

	if (n < tab->nbuckets || (nb = calloc(n, sizeof(*nb))) == NULL)
		return;
	if ((nr = calloc(n, sizeof(*nr))) == NULL) {
		free(nb);
		return;
	}
	for (i = 0; i < tab->nbuckets; i++) {
		for (room = tab->buckets[i]; room != NULL; room = next) {
			next = room->next;
			room->next = nb[room->hash & (n - 1)];
			nb[room->hash & (n - 1)] = room;
		}
		for (r = tab->rbuckets[i]; r != NULL; r = rnext) {
			rnext = r->next;
			r->next = nr[r->hash & (n - 1)];
			nr[r->hash & (n - 1)] = r;
		}
	}
	free(tab->buckets);
	free(tab->rbuckets);
	tab->buckets = nb;
	tab->rbuckets = nr;
	tab->nbuckets = n;
}

/* Links room into its bucket under room->key. */
static void
room_hook(struct room_table *tab, struct room *room)
{
	size_t	b;

	room->hash = table_hash(tab, room->key);
	b = room->hash & (tab->nbuckets - 1);
	room->next = tab->buckets[b];
	tab->buckets[b] = room;
}

static void
room_unhook(struct room_table *tab, struct room *room)
{
	struct room	**pp;

	pp = &tab->buckets[room->hash & (tab->nbuckets - 1)];
	while (*pp != room)
		pp = &(*pp)->next;
	*pp = room->next;
}

/* Keeps room's current key as retired, forgetting the oldest if full. */
static void
room_retire(struct room_table *tab, struct room *room)
{
	struct retired	*r;
	size_t		 b;

	if (room->nretired == ROOM_RETIRED) {
		r = &room->retired[room->oldest];
		retired_unlink(tab, r);
		room->oldest = (room->oldest + 1) % ROOM_RETIRED;
	} else
		r = &room->retired[(room->oldest + room->nretired++) %
		    ROOM_RETIRED];
	memcpy(r->key, room->key, sizeof(r->key));
	r->hash = room->hash;
	r->room = room;
	b = r->hash & (tab->nbuckets - 1);
	r->next = tab->rbuckets[b];
	tab->rbuckets[b] = r;
}

int
room_move(struct room_table *tab, struct room *room,
    const struct proto_str *newkey)
{
	if (newkey->len != KEY_LEN || key_taken(tab, newkey))
		return PROTO_EEXISTS;
	room_unhook(tab, room);
	room_retire(tab, room);
	memcpy(room->key, newkey->p, KEY_LEN);
	room_hook(tab, room);
	return 0;
}

/* *out = a new member of room; 0, ROOM_ENOMEM, or PROTO_EBADALIAS. */
static int
member_new(struct member **out, struct room *room, struct conn *conn,
    const struct proto_str *alias)
{
	struct member	*m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return ROOM_ENOMEM;
	if (alias_key(&m->skel, alias->p, alias->len) == -1) {
		member_free(m);
		return PROTO_EBADALIAS;
	}
	m->room = room;
	m->conn = conn;
	m->aliaslen = alias->len;
	memcpy(m->alias, alias->p, alias->len);
	key_new(m->token);
	*out = m;
	return 0;
}

static void
member_link(struct room_table *tab, struct member *m)
{
	TAILQ_INSERT_TAIL(&m->room->members, m, entry);
	m->room->nmembers++;
	tab->nmembers++;
	conn_set_member(m->conn, m);
}

int
room_create(struct member **out, struct room_table *tab, struct conn *conn,
    const struct proto_req *req)
{
	struct room	*room;
	struct member	*m;
	int		 rc;

	if (key_taken(tab, &req->key))
		return PROTO_EEXISTS;
	if (tab->nrooms >= tab->limits.max_rooms)
		return PROTO_ETOOMANYROOMS;
	if (tab->limits.max_members == 0)
		return PROTO_EROOMFULL;
	if ((room = calloc(1, sizeof(*room))) == NULL)
		return ROOM_ENOMEM;
	if ((rc = member_new(&m, room, conn, &req->alias)) != 0) {
		free(room);
		return rc;
	}
	TAILQ_INIT(&room->members);
	memcpy(room->key, req->key.p, KEY_LEN);
	room->mode = req->mode;
	room->version = req->version == PROTO_V2 ? PROTO_V2 : PROTO_V1;
	if (room->mode == PROTO_OWNER)
		room->moderator = m;
	if (tab->nrooms >= tab->nbuckets)
		table_grow(tab);
	room_hook(tab, room);
	tab->nrooms++;
	member_link(tab, m);
	*out = m;
	return 0;
}

int
room_join(struct member **out, struct room_table *tab, struct room *room,
    struct conn *conn, const struct proto_str *alias)
{
	struct member	*m;
	int		 rc;

	if (room->nmembers >= tab->limits.max_members)
		return PROTO_EROOMFULL;
	if ((rc = member_new(&m, room, conn, alias)) != 0)
		return rc;
	member_link(tab, m);
	*out = m;
	return 0;
}

struct member *
room_member(struct room *room, const struct proto_str *alias)
{
	struct member		*m;
	struct alias_key	 k;

	/*
	 * Whispers and kicks name members as they are spelled: no skeleton
	 * needed then. Skeletons are unique in a room, so this finds the same.
	 */
	TAILQ_FOREACH(m, &room->members, entry)
		if (m->aliaslen == alias->len &&
		    memcmp(m->alias, alias->p, alias->len) == 0)
			return m;
	if (alias_key(&k, alias->p, alias->len) == -1)
		return NULL;
	TAILQ_FOREACH(m, &room->members, entry)
		if (alias_same(&m->skel, &k))
			break;
	sodium_memzero(&k, sizeof(k));
	return m;
}

struct proto_str
member_alias(const struct member *m)
{
	return (struct proto_str){ m->alias, m->aliaslen };
}

/* Takes m out of its room without a word to anyone; frees m. */
static void
member_unlink(struct room_table *tab, struct member *m)
{
	struct room	*room = m->room;

	TAILQ_REMOVE(&room->members, m, entry);
	room->nmembers--;
	tab->nmembers--;
	if (room->moderator == m)
		room->moderator = NULL;
	conn_set_member(m->conn, NULL);
	member_free(m);
}

void
room_leave(struct room_table *tab, struct member *m, int announce,
    const struct proto_str *farewell)
{
	struct room		*room = m->room;
	struct msg		*left = NULL;
	struct proto_str	 parts[3] = { PROTO_STR("left"),
				    member_alias(m) };
	int			 was_mod = room->moderator == m;

	if (announce && room->nmembers > 1) {
		if (farewell != NULL)
			parts[2] = *farewell;
		left = msg_join(parts, farewell != NULL ? 3 : 2);
	}
	member_unlink(tab, m);
	if (room->nmembers == 0) {
		room_free(tab, room);
		return;
	}
	if (announce)
		room_send(room, NULL, left);
	if (was_mod) {
		/* Owner mode: the longest-present member inherits. */
		room->moderator = TAILQ_FIRST(&room->members);
		parts[0] = PROTO_STR("moderator");
		parts[1] = member_alias(room->moderator);
		room_send(room, NULL, msg_join(parts, 2));
	}
}

void
room_wipe(struct room_table *tab, struct room *room, enum proto_close why)
{
	struct member	*m;
	struct conn	*conn;

	while ((m = TAILQ_FIRST(&room->members)) != NULL) {
		conn = m->conn;
		member_unlink(tab, m);
		conn_close_async(conn, why);
	}
	room_free(tab, room);
}

/* welcome TOKEN MODE MODERATOR ALIAS...: aliases in join order. */
struct msg *
room_welcome(const struct member *m)
{
	const struct room	*room = m->room;
	const struct member	*x;
	const char		*mode = proto_mode_name(room->mode);
	struct proto_str	*f;
	struct msg		*msg;
	size_t			 n = 0;

	if ((f = calloc(4 + room->nmembers, sizeof(*f))) == NULL)
		return NULL;
	f[n++] = PROTO_STR("welcome");
	f[n++] = (struct proto_str){ m->token, KEY_LEN };
	f[n++] = (struct proto_str){ mode, strlen(mode) };
	f[n++] = room->moderator != NULL ? member_alias(room->moderator) :
	    PROTO_STR("*");
	TAILQ_FOREACH(x, &room->members, entry)
		f[n++] = member_alias(x);
	msg = msg_join(f, n);
	free(f);	/* pointers into the room only: nothing to wipe */
	return msg;
}

void
room_send(struct room *room, const struct member *except, struct msg *msg)
{
	struct member	*m;

	TAILQ_FOREACH(m, &room->members, entry) {
		if (m == except)
			continue;
		if (msg != NULL)
			conn_send(m->conn, msg);
		else
			conn_close_async(m->conn, CLOSE_INTERNAL);
	}
	msg_unref(msg);
}

void
room_tell(struct conn *conn, struct msg *msg)
{
	if (msg != NULL)
		conn_send(conn, msg);
	else
		conn_close_async(conn, CLOSE_INTERNAL);
	msg_unref(msg);
}
