/*
 * room2.c: the C client as a member of a version 2 room (sanctuary(7),
 * RELAY PROTOCOL, Version 2, and END-TO-END ENCRYPTION, VERSION 2): the
 * hello on entering, the roster answered to newcomers, IDs that are our
 * SEQs, messages held until the epoch key is in place, rekey and kick as a
 * moderator, and the other side of all that. e2e2.c does the bytes.
 *
 * Lines it prints besides version 1's (see sanctuary_client.c):
 *	hello FROM SAFETY [changed]	a verified hello (and its safety code)
 *	keys FROM N			the roster: we are in epoch N
 *	rekey FROM N			FROM moved the room: we are in epoch N
 *	rekeyed N			our own rekey or kick was acknowledged
 *	typing FROM | img FROM		kinds this client does not show
 *	dropped KIND FROM		a repeated SEQ, dropped
 *	split KIND FROM			our epoch's number with another key
 *	unverified rekey FROM		a rekey that does not verify
 *	ack ID | pong ID | error CODE ID
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test/interop/client.h"

static uint64_t
next_seq(struct client *c)
{
	return ++c->e2.seq;
}

/* A frame from a format (malloc'd). */
static char * __attribute__((format(printf, 1, 2)))
frame_make(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		die("out of memory");
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* Queues FRAME (owned, freed here); a sealed one is kept for /again. */
static void
send_frame(struct client *c, char *frame, int sealed)
{
	queue_text(c, frame, strlen(frame));
	if (!sealed) {
		free(frame);
		return;
	}
	free(c->last);
	c->last = frame;
}

/* ---------- members ---------- */

static int
member_index(const struct client *c, const char *alias)
{
	int i;

	for (i = 0; i < c->nmembers; i++)
		if (strcmp(c->members[i], alias) == 0)
			return i;
	return -1;
}

static void
member_add(struct client *c, const char *alias)
{
	int i = member_index(c, alias);

	if (i < 0 && c->nmembers < MEMBERS_MAX && strlen(alias) <= ALIAS_MAX)
		i = c->nmembers++;
	if (i < 0)
		return;
	snprintf(c->members[i], sizeof(c->members[i]), "%s", alias);
	c->hellos[i] = 0;
}

static void
member_remove(struct client *c, const char *alias)
{
	int i = member_index(c, alias);

	if (i < 0)
		return;
	memmove(c->members[i], c->members[i + 1],
	    sizeof(c->members[0]) * (size_t)(c->nmembers - i - 1));
	memmove(&c->hellos[i], &c->hellos[i + 1],
	    sizeof(c->hellos[0]) * (size_t)(c->nmembers - i - 1));
	c->nmembers--;
}

/* ---------- entering ---------- */

static void
say_hello(struct client *c)
{
	uint64_t seq = next_seq(c);
	char *body = e2e2_hello(&c->e2, seq);

	send_frame(c, frame_make("msg %llu %s", (unsigned long long)seq, body),
	    0);
	free(body);
}

/* `welcome TOKEN MODE MODERATOR ALIAS ...` (a copy, split here). */
void
room2_welcome(struct client *c, char *s)
{
	char *a, *sp;
	int i;

	c->nmembers = 0;
	for (i = 0, a = s; a != NULL; i++, a = sp ? sp + 1 : NULL) {
		if ((sp = strchr(a, ' ')) != NULL)
			*sp = '\0';
		if (i == 2)
			snprintf(c->mode, sizeof(c->mode), "%s", a);
		else if (i == 3)
			snprintf(c->moderator, sizeof(c->moderator), "%s", a);
		else if (i >= 4)
			member_add(c, a);
	}
	if (c->creator && !c->e2.ready)
		e2e2_start_epoch(&c->e2);
	say_hello(c);
	if (!c->e2.ready)
		c->hello_at = now_ms() + HELLO_WAIT_MS;
}

/* The second hello, when no roster came in HELLO_WAIT_MS. */
void
room2_tick(struct client *c)
{
	if (c->hello_at == 0 || now_ms() < c->hello_at)
		return;
	c->hello_at = 0;
	if (!c->e2.ready)
		say_hello(c);
}

/*
 * A verified hello from FROM: the member present longest answers with the
 * roster, and everyone answers a repeated one.
 */
static void
answer_hello(struct client *c, const char *from)
{
	int i = member_index(c, from), n = 1, k;
	const char *longest = NULL;
	uint64_t seq;
	char *body;

	if (i >= 0)
		n = ++c->hellos[i];
	for (k = 0; k < c->nmembers && longest == NULL; k++)
		if (strcmp(c->members[k], from) != 0)
			longest = c->members[k];
	if (!c->e2.ready || (n == 1 && (longest == NULL ||
	    strcmp(longest, c->alias) != 0)))
		return;
	seq = next_seq(c);
	if ((body = e2e2_keys_for(&c->e2, from, seq)) == NULL) {
		c->e2.seq--;	/* nothing went out under it */
		return;
	}
	send_frame(c, frame_make("purr %llu %s %s", (unsigned long long)seq,
	    from, body), 0);
	free(body);
}

/* ---------- frames ---------- */

static void
print_from(const char *what, const char *from)
{
	fputs(what, stdout);
	putchar(' ');
	out_text(from, strlen(from));
}

/* Prints CMD FROM TEXT, or what else the verdict V says. */
static void
print_verdict(const char *cmd, const char *from, enum e2e2_verdict v,
    const struct e2e2_msg *m)
{
	if (v == V2_OK) {
		print_from(cmd, from);
		putchar(' ');
		out_text(m->text, m->textlen);
	} else {
		printf("%s ", v == V2_DROP ? "dropped" : v == V2_SPLIT ?
		    "split" : "unverified");
		print_from(cmd, from);
	}
	out_end();
}

static void held_flush(struct client *);
static void rekey(struct client *, const char *, const char *);
static void maybe_rotate(struct client *);

static void
frame_msg(struct client *c, const char *from, const char *body)
{
	struct e2e2_msg m;
	enum e2e2_verdict v = e2e2_on_msg(&m, &c->e2, from, body);
	char code[25];

	if (v == V2_OK && strcmp(m.kind, "hello") == 0) {
		e2e2_safety(code, e2e2_peer(&c->e2, from));
		print_from("hello", from);
		printf(" %s%s", code, m.changed ? " changed" : "");
		out_end();
		answer_hello(c, from);
	} else if (v == V2_OK && strcmp(m.kind, "msg") != 0) {
		print_from(m.kind, from);
		out_end();
	} else
		print_verdict("msg", from, v, &m);
	e2e2_msg_release(&m);
}

static void
frame_purr(struct client *c, const char *from, const char *body)
{
	struct e2e2_msg m;
	enum e2e2_verdict v = e2e2_on_purr(&m, &c->e2, from, body);

	if (v == V2_OK && strcmp(m.kind, "keys") == 0) {
		c->hello_at = 0;
		print_from("keys", from);
		printf(" %llu", (unsigned long long)c->e2.cur.n);
		out_end();
		held_flush(c);
	} else if (v == V2_OK && strcmp(m.kind, "purr") != 0) {
		print_from(m.kind, from);
		out_end();
	} else
		print_verdict("purr", from, v, &m);
	e2e2_msg_release(&m);
}

static void
frame_rekey(struct client *c, const char *from, const char *body)
{
	struct e2e2_msg m;
	enum e2e2_verdict v = e2e2_on_rekey(&m, &c->e2, from, body);

	if (v == V2_OK) {
		c->rotate_due = 0;	/* FROM rotated for everyone */
		print_from("rekey", from);
		printf(" %llu", (unsigned long long)c->e2.cur.n);
		out_end();
	} else
		print_verdict("rekey", from, v, &m);
	e2e2_msg_release(&m);
}

/* `ack ID`: our rekey, if it is its ID, is done: switch epoch. */
static void
frame_ack(struct client *c, const char *id)
{
	if (c->rekey_id == 0 || strtoull(id, NULL, 10) != c->rekey_id)
		return;
	c->rekey_id = 0;
	e2e2_set_epoch(&c->e2, &c->next, c->next_roomkey, c->next_secret);
	snprintf(c->e2.flags, sizeof(c->e2.flags), "%s", c->next_flags);
	sodium_memzero(&c->next, sizeof(c->next));
	sodium_memzero(c->next_secret, sizeof(c->next_secret));
	printf("rekeyed %llu", (unsigned long long)c->e2.cur.n);
	out_end();
	held_flush(c);
	maybe_rotate(c);	/* a leave while this one was in flight */
}

/*
 * The version 2 side of a relay frame split into NF fields F. Returns 1 if
 * it printed the frame's line, 0 if the caller prints it as version 1.
 */
int
room2_frame(struct client *c, char **f, int nf)
{
	if (nf == 2 && strcmp(f[0], "joined") == 0)
		member_add(c, f[1]);
	else if ((nf == 2 || nf == 3) && strcmp(f[0], "left") == 0) {
		member_remove(c, f[1]);
		c->rotate_due = strcmp(c->e2.flags, "rotate") == 0;
	} else if (nf == 2 && strcmp(f[0], "moderator") == 0)
		snprintf(c->moderator, sizeof(c->moderator), "%s", f[1]);
	else if (nf == 3 && strcmp(f[0], "kicked") == 0)
		member_remove(c, f[1]);
	if (nf == 3 && strcmp(f[0], "msg") == 0)
		frame_msg(c, f[1], f[2]);
	else if (nf == 3 && strcmp(f[0], "purr") == 0)
		frame_purr(c, f[1], f[2]);
	else if (nf == 3 && strcmp(f[0], "rekey") == 0)
		frame_rekey(c, f[1], f[2]);
	else if (nf == 3 && strcmp(f[0], "left") == 0) {
		struct e2e2_msg m;
		enum e2e2_verdict v = e2e2_on_left(&m, &c->e2, f[1], f[2]);

		print_verdict("left", f[1], v, &m);
		e2e2_msg_release(&m);
	} else if ((nf == 2 && (strcmp(f[0], "ack") == 0 ||
	    strcmp(f[0], "pong") == 0)) ||
	    (nf == 3 && strcmp(f[0], "error") == 0)) {
		printf("%s %s", f[0], f[1]);
		if (nf == 3)
			printf(" %s", f[2]);
		out_end();
		if (strcmp(f[0], "ack") == 0)
			frame_ack(c, f[1]);
		else if (nf == 3 && c->rekey_id != 0 &&
		    strtoull(f[2], NULL, 10) == c->rekey_id) {
			c->rekey_id = 0;	/* refused: stay in our epoch */
			held_flush(c);
		}
	} else {
		if (nf == 2 && (strcmp(f[0], "left") == 0 ||
		    strcmp(f[0], "moderator") == 0))
			maybe_rotate(c);
		return 0;
	}
	if (nf == 3 && strcmp(f[0], "left") == 0)
		maybe_rotate(c);
	return 1;
}

/* ---------- commands ---------- */

/* Sends "HEAD SEQ [TO] BODY" with TEXT sealed: a msg, a purr or an exit. */
static void
send_sealed(struct client *c, const char *head, const char *to, char *text,
    size_t n)
{
	uint64_t seq = next_seq(c);
	char *body;

	n = unescape(text, n);
	body = to ? e2e2_seal_to(&c->e2, to, text, n, seq) :
	    e2e2_seal(&c->e2, head, text, n, seq);
	if (body == NULL) {
		c->e2.seq--;	/* nothing went out under it */
		fprintf(stderr, "sanctuary-client: %s, not sent\n", to ?
		    "no keys for that member" : "message too long");
		return;
	}
	if (to)
		send_frame(c, frame_make("%s %llu %s %s", head,
		    (unsigned long long)seq, to, body), 1);
	else
		send_frame(c, frame_make("%s %llu %s", head,
		    (unsigned long long)seq, body), 1);
	free(body);
}

/*
 * A moderator's rekey, or with KICK its kick: a new room key, secret and
 * epoch sealed for every member kept, and FLAGS (NULL: unchanged) from
 * then on; the switch waits for the ack.
 */
static void
rekey(struct client *c, const char *kick, const char *flags)
{
	char *keep[MEMBERS_MAX], *text, *body;
	unsigned char unused[SECRET_BYTES];
	uint64_t seq;
	int i, n = 0;

	invite_mint(c->next_roomkey, unused);
	sodium_memzero(unused, sizeof(unused));
	for (i = 0; i < c->nmembers; i++)
		if (kick == NULL || strcmp(c->members[i], kick) != 0)
			keep[n++] = c->members[i];
	snprintf(c->next_flags, sizeof(c->next_flags), "%s",
	    flags ? flags : c->e2.flags);
	c->rotate_due = 0;	/* KEEP is who is here now */
	text = e2e2_rekey_text(&c->next, c->next_secret, &c->e2, keep, n,
	    c->next_roomkey, c->next_flags);
	seq = next_seq(c);
	body = e2e2_seal(&c->e2, "rekey", text, strlen(text), seq);
	sodium_memzero(text, strlen(text));
	free(text);
	if (body == NULL)
		die("rekey too long");
	c->rekey_id = seq;
	if (kick)
		send_frame(c, frame_make("kick %llu %s %s %s %s",
		    (unsigned long long)seq, kick, c->e2.roomkey,
		    c->next_roomkey, body), 1);
	else
		send_frame(c, frame_make("rekey %llu %s %s %s",
		    (unsigned long long)seq, c->e2.roomkey, c->next_roomkey,
		    body), 1);
	free(body);
}

/*
 * After a leave in a rotate-on-leave room one member rotates: the
 * moderator, or in an everyone room the member present longest.
 */
static void
maybe_rotate(struct client *c)
{
	const char *who = strcmp(c->mode, "everyone") == 0 ?
	    (c->nmembers ? c->members[0] : "") : c->moderator;

	if (!c->rotate_due || strcmp(c->e2.flags, "rotate") != 0 ||
	    c->rekey_id != 0 || !c->e2.ready || strcmp(who, c->alias) != 0)
		return;
	rekey(c, NULL, "rotate");
}

/* Lines that seal with the epoch key wait until it is in place. */
static int
held_line(const struct client *c, const char *s)
{
	if (c->e2.ready && c->rekey_id == 0)
		return 0;
	return s[0] != '/' || s[1] == '/' || strncmp(s, "/purr ", 6) == 0 ||
	    strncmp(s, "/kick ", 6) == 0 || strcmp(s, "/rekey") == 0 ||
	    strncmp(s, "/rotate ", 8) == 0 ||
	    strncmp(s, "/forge ", 7) == 0;
}

static void
held_flush(struct client *c)
{
	char **lines = c->held;
	int i, n = c->nheld;

	c->held = NULL;
	c->nheld = 0;
	for (i = 0; i < n; i++) {
		room2_command(c, lines[i], strlen(lines[i]));
		sodium_memzero(lines[i], strlen(lines[i]));
		free(lines[i]);
	}
	free(lines);
}

static void
print_invite(const struct client *c)
{
	char *inv = e2e2_invite(&c->e2);

	printf("invite %s", inv);
	out_end();
	sodium_memzero(inv, strlen(inv));
	free(inv);
}

/* One line of standard input in a version 2 room. */
void
room2_command(struct client *c, char *s, size_t n)
{
	char *sp, to[ALIAS_MAX + 1];

	if (n == 0)
		return;
	if (held_line(c, s)) {
		c->held = realloc(c->held,
		    sizeof(*c->held) * (size_t)(c->nheld + 1));
		if (c->held == NULL || (c->held[c->nheld] = strdup(s)) == NULL)
			die("out of memory");
		c->nheld++;
		return;
	}
	if (s[0] != '/' || s[1] == '/')
		send_sealed(c, "msg", NULL, s + (s[0] == '/'),
		    n - (s[0] == '/'));
	else if (strncmp(s, "/purr ", 6) == 0 &&
	    (sp = strchr(s + 6, ' ')) != NULL && sp > s + 6 &&
	    (size_t)(sp - s - 6) <= ALIAS_MAX) {
		snprintf(to, sizeof(to), "%.*s", (int)(sp - s - 6), s + 6);
		send_sealed(c, "purr", to, sp + 1, n - (size_t)(sp + 1 - s));
	} else if (strcmp(s, "/exit") == 0 || (strncmp(s, "/exit ", 6) == 0 &&
	    !c->e2.ready))
		send_frame(c, frame_make("exit %llu",
		    (unsigned long long)next_seq(c)), 0);
	else if (strncmp(s, "/exit ", 6) == 0)
		send_sealed(c, "exit", NULL, s + 6, n - 6);
	else if (strncmp(s, "/kick ", 6) == 0)
		rekey(c, s + 6, NULL);
	else if (strcmp(s, "/rekey") == 0)
		rekey(c, NULL, NULL);
	else if (strcmp(s, "/rotate on") == 0 || strcmp(s, "/rotate off") == 0)
		rekey(c, NULL, s[9] == 'n' ? "rotate" : "-");
	else if (strncmp(s, "/forge ", 7) == 0) {
		e2e2_forge = 1;
		send_sealed(c, "msg", NULL, s + 7, n - 7);
		e2e2_forge = 0;
	} else if (strcmp(s, "/again") == 0 && c->last != NULL)
		queue_text(c, c->last, strlen(c->last));
	else if (strcmp(s, "/invite") == 0)
		print_invite(c);
	else if (strcmp(s, "/stop") == 0)
		queue_text(c, "stop", 4);
	else if (strncmp(s, "/raw ", 5) == 0)
		queue_text(c, s + 5, n - 5);
	else
		fprintf(stderr, "sanctuary-client: unknown command %.20s\n", s);
}

void
room2_release(struct client *c)
{
	int i;

	for (i = 0; i < c->nheld; i++) {
		sodium_memzero(c->held[i], strlen(c->held[i]));
		free(c->held[i]);
	}
	free(c->held);
	free(c->last);
	e2e2_release(&c->e2);
	sodium_memzero(&c->next, sizeof(c->next));
	sodium_memzero(c->next_secret, sizeof(c->next_secret));
}
