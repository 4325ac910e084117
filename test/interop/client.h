/*
 * The C test client's parts (sanctuary_client.c: options, frames, the
 * loop, version 1; connect.c: onto the relay; room2.c: the version 2
 * conversation). Not a library: one struct client per process.
 */

#ifndef SANCTUARY_CLIENT_H
#define SANCTUARY_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <wslay/wslay.h>

#include "test/interop/e2e.h"

#define RESPONSE_MAX	8192
#define HELLO_WAIT_MS	5000	/* sanctuary(7): no keys yet, hello again */

struct client {
	int			 fd;
	wslay_event_context_ptr	 ctx;
	int			 version;	/* 1 or 2 */
	const char		*alias;		/* not owned: argv */
	char			 roomkey[ROOMKEY_LEN + 1];
	unsigned char		 secret[SECRET_BYTES];
	unsigned char		 key[crypto_secretbox_KEYBYTES];  /* v1 */
	/* Version 2: the format state and the room as the relay tells it. */
	struct e2e2		 e2;
	int			 creator;
	char			 members[MEMBERS_MAX][ALIAS_MAX + 1];
	int			 hellos[MEMBERS_MAX];
	int			 nmembers;
	char			**held;		/* input lines until keys */
	int			 nheld;
	uint64_t		 rekey_id;	/* our rekey awaiting its ack */
	struct epoch2		 next;
	unsigned char		 next_secret[SECRET_BYTES];
	char			 next_roomkey[ROOMKEY_LEN + 1];
	char			 next_flags[7];
	char			 mode[9];	/* owner or everyone */
	char			 moderator[ALIAS_MAX + 1];
	int			 rotate_due;	/* a leave in a rotate room */
	long long		 hello_at;	/* ms; 0: no second hello due */
	char			*last;		/* our last sealed frame */
	/* Stream bytes read with the 101. */
	unsigned char		 pre[RESPONSE_MAX];
	size_t			 prelen, preoff;
	char			*line;		/* partial stdin line */
	size_t			 linelen;
	int			 stdin_open;
	int			 closing;	/* we queued a close */
	int			 closed;	/* the close line is printed */
	int			 eof;		/* TCP ended */
};

struct url {
	char	 host[256];	/* without brackets, for getaddrinfo */
	char	 port[8];
	char	 authority[300];	/* as written, for Host */
	char	 path[1024];
};

int	 url_parse(struct url *, const char *);
int	 net_connect(const struct url *);
void	 handshake(struct client *, const struct url *);

void	 die(const char *, ...)
	    __attribute__((noreturn, format(printf, 1, 2)));
void	 out_text(const char *, size_t);
void	 out_end(void);
void	 queue_text(struct client *, const char *, size_t);
size_t	 unescape(char *, size_t);

void	 room2_welcome(struct client *, char *);
int	 room2_frame(struct client *, char **, int);
void	 room2_command(struct client *, char *, size_t);
void	 room2_tick(struct client *);
void	 room2_release(struct client *);

#endif
