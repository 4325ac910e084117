/*
 * sanctuary-client: a small command-line member of a Sanctuary room, for
 * interoperability tests. It speaks the relay protocol and the browser's
 * end-to-end formats "sanctuary/1" and "sanctuary/2" (--version 2: member
 * keys, signed and numbered messages, epochs, rekey; room2.c) exactly as
 * sanctuary(7) specifies them, with libsodium for every cryptographic step
 * (e2e1.c, e2e2.c), over a real WebSocket client: our own HTTP upgrade
 * (connect.c, test/lib/wsclient.c, with nettle SHA-1 and base64) and
 * wslay's client context for the frames.
 *
 * It shares no code with the relay on purpose: a test with it shows that
 * the documented protocol, not some common helper, is what both sides use.
 *
 * usage: sanctuary-client --url ws://HOST:PORT/ --invite KEY.SECRET
 *            --alias NAME [--create owner|everyone] [--deadline SECONDS]
 *            [--version 1|2]
 *        sanctuary-client --url ws://HOST:PORT/ --alias NAME
 *            --create owner|everyone     (mints an invite and prints it)
 *        sanctuary-client --invite KEY.SECRET --open KIND FROM BODY
 *        sanctuary-client --invite KEY.SECRET --vector2 < FRAMES
 *
 * The invite may also be the whole link (anything up to '#' is skipped).
 *
 * Standard input, one command per line:
 *	TEXT			send TEXT to the room (msg)
 *	//TEXT			send "/TEXT"
 *	/purr ALIAS TEXT	whisper TEXT to ALIAS
 *	/exit [TEXT]		leave, with TEXT as farewell
 *	/kick ALIAS, /stop	moderation (version 2: the kick rekeys)
 *	/raw FRAME		send FRAME as it is (protocol tests)
 *	/invite			print the room's invite as it is now
 * Version 2 only: /rekey (move the room to a new key), /rotate on|off
 * (rekey whenever someone leaves, from now on), /forge TEXT (TEXT
 * signed with a key nobody announced), /again (our last sealed frame
 * again, the same SEQ: a replay). Sealed lines wait until the epoch key
 * is in place (sanctuary(7) Rekey).
 * In TEXT, "\n" stands for a line feed and "\\" for a backslash. At the
 * end of standard input the client closes the connection with 1000 without
 * exit, as a dropped member would.
 *
 * Standard output, one line per frame received, bodies decrypted:
 *	invite KEY.SECRET		(first, when the client minted it)
 *	welcome TOKEN MODE MODERATOR ALIAS ...
 *	joined A | left A | left A TEXT | moderator A | kicked A BY |
 *	stopped BY | error CODE | msg FROM TEXT | purr FROM TEXT
 *	unverified msg|purr|left FROM	(a body failing the format's checks)
 *	frame RAW			(a frame this client does not know)
 *	... and version 2's lines, listed in room2.c
 *	http STATUS			(the relay refused the upgrade)
 *	close CODE REASON		(last; 1006 if TCP ended unclosed)
 * Text is untrusted: '\\', line feed, carriage return, tab and the other
 * control bytes are printed as \\ \n \r \t \xHH, everything else as is.
 *
 * Exit status: 0 once the connection is closed, 1 on an error (a line on
 * standard error), 2 on a usage error, 3 when --deadline (default 600 s)
 * passes first.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>

#include <sodium.h>
#include <wslay/wslay.h>

#include "test/interop/client.h"
#include "test/lib/wsclient.h"

#define LINE_MAX_BYTES	(4 * P0_MAX + 256)
#define MSG_MAX		(16 * 1024 * 1024)

static const char *progname = "sanctuary-client";

void
die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: %s --url ws://HOST:PORT/ [--invite KEY.SECRET]"
	    " --alias NAME\n"
	    "           [--create owner|everyone] [--deadline SECONDS]"
	    " [--version 1|2]\n"
	    "       %s --invite KEY.SECRET --open KIND FROM BODY\n"
	    "       %s --invite KEY.SECRET --vector2 < FRAMES\n",
	    progname, progname, progname);
	exit(2);
}

/* ---------- output ---------- */

/* Prints n bytes of untrusted text with control bytes escaped. */
void
out_text(const char *s, size_t n)
{
	size_t i;
	unsigned char ch;

	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if (ch == '\\')
			fputs("\\\\", stdout);
		else if (ch == '\n')
			fputs("\\n", stdout);
		else if (ch == '\r')
			fputs("\\r", stdout);
		else if (ch == '\t')
			fputs("\\t", stdout);
		else if (ch < 0x20 || ch == 0x7f)
			printf("\\x%02x", ch);
		else
			putchar(ch);
	}
}

void
out_end(void)
{
	putchar('\n');
	fflush(stdout);
}

/* Prints "invite KEY.SECRET". */
static void
print_invite(const char *roomkey, const unsigned char secret[SECRET_BYTES])
{
	char *text = b64u_encode(secret, SECRET_BYTES);

	printf("invite %s.%s", roomkey, text);
	out_end();
	sodium_memzero(text, strlen(text));
	free(text);
}

/* ---------- frames from the relay ---------- */

/*
 * Prints "KIND FROM TEXT" for a body that opens, else "unverified KIND
 * FROM".
 */
static void
frame_body(const struct client *c, const char *cmd, const char *kind,
    const char *from, const char *body)
{
	const char *text;
	size_t textlen, plen;
	unsigned char *p;

	p = e2e1_open(&text, &textlen, c->key, kind, from, body, strlen(body));
	if (p == NULL) {
		printf("unverified %s ", cmd);
		out_text(from, strlen(from));
		out_end();
		return;
	}
	plen = (size_t)(text - (const char *)p) + textlen;
	printf("%s ", cmd);
	out_text(from, strlen(from));
	putchar(' ');
	out_text(text, textlen);
	out_end();
	sodium_memzero(p, plen);
	free(p);
}

/*
 * Splits s at single spaces into at most max fields; returns the count, or
 * -1.
 */
static int
fields_split(char **f, int max, char *s)
{
	int n = 0;
	char *sp;

	for (;;) {
		if (n == max)
			return -1;
		f[n++] = s;
		if ((sp = strchr(s, ' ')) == NULL)
			return n;
		*sp = '\0';
		s = sp + 1;
	}
}

/* Handles one text message from the relay (NUL-terminated copy in s). */
static void
frame_handle(struct client *c, char *s, size_t n)
{
	char *copy, *f[4];
	int nf;

	if (memchr(s, '\0', n) != NULL || (copy = strdup(s)) == NULL) {
		printf("frame ");
		out_text(s, n);
		out_end();
		return;
	}
	nf = fields_split(f, 4, copy);
	if (c->version == 2 && strncmp(s, "welcome ", 8) == 0) {
		out_text(s, n);
		out_end();
		free(copy);
		if ((copy = strdup(s)) == NULL)
			die("out of memory");
		room2_welcome(c, copy);
	} else if (c->version == 2 && nf > 0 && room2_frame(c, f, nf))
		;
	else if (nf == 3 && (strcmp(f[0], "msg") == 0 ||
	    strcmp(f[0], "purr") == 0))
		frame_body(c, f[0], f[0], f[1], f[2]);
	else if (nf == 3 && strcmp(f[0], "left") == 0)
		frame_body(c, "left", "exit", f[1], f[2]);
	else if (strncmp(s, "welcome ", 8) == 0 ||
	    (nf == 2 && (strcmp(f[0], "joined") == 0 ||
	    strcmp(f[0], "left") == 0 ||
	    strcmp(f[0], "moderator") == 0 || strcmp(f[0], "stopped") == 0 ||
	    strcmp(f[0], "error") == 0)) ||
	    (nf == 3 && strcmp(f[0], "kicked") == 0)) {
		out_text(s, n);
		out_end();
	} else {
		printf("frame ");
		out_text(s, n);
		out_end();
	}
	free(copy);
}

/* ---------- wslay callbacks ---------- */

static ssize_t
cb_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
    void *user)
{
	struct client *c = user;
	ssize_t r;
	size_t n;

	if (c->preoff < c->prelen) {
		n = c->prelen - c->preoff;
		if (n > len)
			n = len;
		memcpy(buf, c->pre + c->preoff, n);
		c->preoff += n;
		return (ssize_t)n;
	}
	do
		r = recv(c->fd, buf, len, 0);
	while (r == -1 && errno == EINTR);
	if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (r <= 0) {
		c->eof = 1;
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return r;
}

static ssize_t
cb_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
    int flags, void *user)
{
	struct client *c = user;
	ssize_t r;

	do
		r = send(c->fd, data, len, MSG_NOSIGNAL);
	while (r == -1 && errno == EINTR);
	if (r == -1) {
		wslay_event_set_error(ctx,
		    errno == EAGAIN || errno == EWOULDBLOCK ?
		    WSLAY_ERR_WOULDBLOCK : WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return r;
}

static int
cb_genmask(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *user)
{
	randombytes_buf(buf, len);
	return 0;
}

static void
cb_msg(wslay_event_context_ptr ctx,
    const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
	struct client *c = user;
	char *s;

	if (arg->opcode == WSLAY_CONNECTION_CLOSE) {
		printf("close %u", arg->status_code ? arg->status_code : 1005);
		if (arg->msg_length > 2) {
			putchar(' ');
			out_text((const char *)arg->msg + 2,
			    arg->msg_length - 2);
		}
		out_end();
		c->closed = 1;
		return;
	}
	if (arg->opcode == WSLAY_BINARY_FRAME) {
		printf("frame <binary %zu>", arg->msg_length);
		out_end();
		return;
	}
	if (arg->opcode != WSLAY_TEXT_FRAME)
		return;		/* ping and pong: wslay answers pings itself */
	if ((s = malloc(arg->msg_length + 1)) == NULL)
		die("out of memory");
	memcpy(s, arg->msg, arg->msg_length);
	s[arg->msg_length] = '\0';
	frame_handle(c, s, arg->msg_length);
	sodium_memzero(s, arg->msg_length);
	free(s);
}

/* ---------- commands from standard input ---------- */

void
queue_text(struct client *c, const char *s, size_t n)
{
	struct wslay_event_msg m = { WSLAY_TEXT_FRAME, (const uint8_t *)s, n };

	if (c->closing)
		return;
	if (wslay_event_queue_msg(c->ctx, &m) != 0)
		die("could not queue a message");
}

/* Decodes "\n" and "\\" in place; returns the new length. */
size_t
unescape(char *s, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n &&
		    (s[i + 1] == 'n' || s[i + 1] == '\\')) {
			s[o++] = s[i + 1] == 'n' ? '\n' : '\\';
			i++;
		} else
			s[o++] = s[i];
	}
	return o;
}

/* Sends "PREFIX BODY" with TEXT sealed as KIND. */
static void
send_sealed(struct client *c, const char *prefix, const char *kind, char *text,
    size_t n)
{
	char *body, *frame;
	size_t len;

	n = unescape(text, n);
	if ((body = e2e1_seal(c->key, kind, c->alias, text, n)) == NULL) {
		fprintf(stderr, "%s: message too long, not sent\n", progname);
		return;
	}
	len = strlen(prefix) + 1 + strlen(body);
	if ((frame = malloc(len + 1)) == NULL)
		die("out of memory");
	snprintf(frame, len + 1, "%s %s", prefix, body);
	queue_text(c, frame, len);
	free(frame);
	free(body);
}

static void
command(struct client *c, char *s, size_t n)
{
	char *sp, prefix[6 + ALIAS_MAX + 1];

	if (c->version == 2) {
		room2_command(c, s, n);
		return;
	}
	if (n == 0)
		return;
	if (s[0] != '/' || (n > 1 && s[1] == '/')) {
		send_sealed(c, "msg", "msg", s + (s[0] == '/'),
		    n - (s[0] == '/'));
	} else if (strncmp(s, "/purr ", 6) == 0 &&
	    (sp = strchr(s + 6, ' ')) != NULL &&
	    sp > s + 6 && (size_t)(sp - s - 6) <= ALIAS_MAX) {
		snprintf(prefix, sizeof(prefix), "purr %.*s",
		    (int)(sp - s - 6), s + 6);
		send_sealed(c, prefix, "purr", sp + 1,
		    n - (size_t)(sp + 1 - s));
	} else if (strcmp(s, "/exit") == 0) {
		queue_text(c, "exit", 4);
	} else if (strncmp(s, "/exit ", 6) == 0) {
		send_sealed(c, "exit", "exit", s + 6, n - 6);
	} else if (strncmp(s, "/kick ", 6) == 0) {
		queue_text(c, s + 1, n - 1);
	} else if (strcmp(s, "/stop") == 0) {
		queue_text(c, "stop", 4);
	} else if (strcmp(s, "/invite") == 0) {
		print_invite(c->roomkey, c->secret);
	} else if (strncmp(s, "/raw ", 5) == 0) {
		queue_text(c, s + 5, n - 5);
	} else
		fprintf(stderr, "%s: unknown command %.20s\n", progname, s);
}

/* Reads what standard input has; runs every complete line. */
static void
stdin_read(struct client *c)
{
	char buf[65536];
	ssize_t r;
	size_t i, start;

	r = read(STDIN_FILENO, buf, sizeof(buf));
	if (r == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		c->stdin_open = 0;
		if (!c->closing &&
		    wslay_event_queue_close(c->ctx, 1000, NULL, 0) == 0)
			c->closing = 1;
		return;
	}
	for (i = 0, start = 0; i < (size_t)r; i++) {
		if (buf[i] != '\n')
			continue;
		if (c->linelen + (i - start) > LINE_MAX_BYTES)
			die("input line too long");
		memcpy(c->line + c->linelen, buf + start, i - start);
		c->linelen += i - start;
		c->line[c->linelen] = '\0';
		if (c->linelen > 0 && c->line[c->linelen - 1] == '\r')
			c->line[--c->linelen] = '\0';
		command(c, c->line, c->linelen);
		sodium_memzero(c->line, c->linelen);
		c->linelen = 0;
		start = i + 1;
	}
	if (c->linelen + ((size_t)r - start) > LINE_MAX_BYTES)
		die("input line too long");
	memcpy(c->line + c->linelen, buf + start, (size_t)r - start);
	c->linelen += (size_t)r - start;
	sodium_memzero(buf, sizeof(buf));
}

/* ---------- the loop ---------- */

/* Runs until the connection is closed; returns 0, or 3 past the deadline. */
static int
client_loop(struct client *c, long deadline_s)
{
	struct pollfd pfd[2];
	long long end = now_ms() + (long long)deadline_s * 1000, left;

	/*
	 * The hello goes out first; then the frames that came with the 101,
	 * which poll() will not announce since they are read already.
	 */
	if (wslay_event_send(c->ctx) != 0)
		return 0;
	if (c->preoff < c->prelen && wslay_event_recv(c->ctx) != 0) {
		wslay_event_send(c->ctx);
		return 0;
	}
	while (wslay_event_want_read(c->ctx) ||
	    wslay_event_want_write(c->ctx)) {
		if ((left = end - now_ms()) <= 0)
			return 3;
		pfd[0].fd = c->fd;
		pfd[0].events = (short)(
		    (wslay_event_want_read(c->ctx) ? POLLIN : 0) |
		    (wslay_event_want_write(c->ctx) ? POLLOUT : 0));
		pfd[1].fd = c->stdin_open ? STDIN_FILENO : -1;
		pfd[1].events = POLLIN;
		if (c->hello_at != 0 && c->hello_at - now_ms() < left)
			left = c->hello_at > now_ms() ?
			    c->hello_at - now_ms() : 0;
		if (poll(pfd, 2, left > INT_MAX ? INT_MAX : (int)left) == -1) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		if (c->version == 2)
			room2_tick(c);
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
			stdin_read(c);
		if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    wslay_event_recv(c->ctx) != 0) {
			/* Sends a close wslay queued. */
			wslay_event_send(c->ctx);
			break;
		}
		if (wslay_event_want_write(c->ctx) &&
		    wslay_event_send(c->ctx) != 0)
			break;
	}
	return 0;
}

static long
parse_seconds(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > 86400)
		usage();
	return v;
}

/* --open KIND FROM BODY: decrypts one body offline. */
static int
open_one(const unsigned char *k, const char *kind, const char *from,
    const char *body)
{
	struct client c;

	memset(&c, 0, sizeof(c));
	memcpy(c.key, k, sizeof(c.key));
	frame_body(&c, kind, strcmp(kind, "left") == 0 ? "exit" : kind, from,
	    body);
	sodium_memzero(c.key, sizeof(c.key));
	return 0;
}

/* Wipes the client's secrets and frees it (the connection is closed). */
static void
client_free(struct client *c)
{
	if (c->version == 2)
		room2_release(c);
	sodium_memzero(c->key, sizeof(c->key));
	sodium_memzero(c->secret, sizeof(c->secret));
	sodium_memzero(c->line, LINE_MAX_BYTES + 1);
	free(c->line);
	free(c);
}

/*
 * --vector2: bob of the sanctuary(7) version 2 test vector (box secret key
 * 0xc0 to 0xdf, in epoch 0 with E 0xa0 to 0xbf) in the invite's room. Reads
 * relay frames ("msg FROM BODY", "purr FROM BODY") on standard input and
 * prints what bob makes of them; nothing is sent.
 */
static int
vector2(struct client *c)
{
	unsigned char bsk[32], e[32];
	struct epoch2 ep;
	char line[65536], *f[4];
	int i, nf;

	for (i = 0; i < 32; i++) {
		bsk[i] = (unsigned char)(0xc0 + i);
		e[i] = (unsigned char)(0xa0 + i);
	}
	c->version = 2;
	c->alias = "bob";
	e2e2_init(&c->e2, c->alias, c->roomkey, c->secret, bsk, NULL);
	e2e2_epoch(&ep, 0, e);
	e2e2_set_epoch(&c->e2, &ep, c->roomkey, c->secret);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		nf = fields_split(f, 4, line);
		if (nf <= 0 || !room2_frame(c, f, nf)) {
			printf("frame ?");
			out_end();
		}
	}
	sodium_memzero(line, sizeof(line));
	sodium_memzero(&ep, sizeof(ep));
	return 0;
}

static const char *
hello_frame(char *buf, size_t size, const struct client *c,
    const char *create)
{
	if (create)
		snprintf(buf, size, "create %d %s %s %s", c->version,
		    c->roomkey, c->alias, create);
	else
		snprintf(buf, size, "join %d %s %s", c->version, c->roomkey,
		    c->alias);
	return buf;
}

/* Sets up the end-to-end state of either version from the invite. */
static void
client_keys(struct client *c)
{
	if (c->version == 1)
		e2e1_key(c->key, c->roomkey, c->secret);
	else
		e2e2_init(&c->e2, c->alias, c->roomkey, c->secret, NULL,
		    NULL);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "invite", required_argument, NULL, 'i' },
		{ "alias", required_argument, NULL, 'a' },
		{ "create", required_argument, NULL, 'c' },
		{ "deadline", required_argument, NULL, 'd' },
		{ "open", no_argument, NULL, 'o' },
		{ "version", required_argument, NULL, 'v' },
		{ "vector2", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct wslay_event_callbacks cbs = { cb_recv, cb_send, cb_genmask,
	    NULL, NULL, NULL, cb_msg };
	struct client *c;
	struct url u;
	const char *urltext = NULL, *invite = NULL, *create = NULL;
	char hello[128];
	long deadline = 600;
	int ch, open_mode = 0, vector_mode = 0, rc;

	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0)
		die("sodium_init failed");
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->line = malloc(LINE_MAX_BYTES + 1)) == NULL)
		die("out of memory");
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u': urltext = optarg; break;
		case 'i': invite = optarg; break;
		case 'a': c->alias = optarg; break;
		case 'c': create = optarg; break;
		case 'd': deadline = parse_seconds(optarg); break;
		case 'o': open_mode = 1; break;
		case 'V': vector_mode = 1; break;
		case 'v': c->version = (int)parse_seconds(optarg); break;
		default: usage();
		}
	}
	if (c->version == 0)
		c->version = 1;
	if (invite != NULL && invite_split(c->roomkey, c->secret, invite) != 0)
		die("not an invite: want KEY.SECRET "
		    "(22 and 43 base64url characters)");
	if (vector_mode) {
		if (invite == NULL || optind != argc)
			usage();
		rc = vector2(c);
		client_free(c);
		return rc;
	}
	if (open_mode) {
		e2e1_key(c->key, c->roomkey, c->secret);
		if (invite == NULL || argc - optind != 3)
			usage();
		rc = open_one(c->key, argv[optind], argv[optind + 1],
		    argv[optind + 2]);
		client_free(c);
		return rc;
	}
	if (urltext == NULL || c->alias == NULL || optind != argc ||
	    (invite == NULL && create == NULL) ||
	    (create != NULL && strcmp(create, "owner") != 0 &&
	    strcmp(create, "everyone") != 0) ||
	    strlen(c->alias) == 0 || strlen(c->alias) > ALIAS_MAX ||
	    strchr(c->alias, ' ') != NULL || c->version > 2)
		usage();
	if (url_parse(&u, urltext) != 0)
		die("not a ws:// URL: %s", urltext);
	if (invite == NULL) {
		invite_mint(c->roomkey, c->secret);
		print_invite(c->roomkey, c->secret);
	}
	c->creator = create != NULL;
	client_keys(c);
	c->stdin_open = 1;
	c->fd = net_connect(&u);
	handshake(c, &u);
	if (fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK) == -1)
		die("fcntl: %s", strerror(errno));
	if (wslay_event_context_client_init(&c->ctx, &cbs, c) != 0)
		die("wslay: out of memory");
	/*
	 * Relay frames may exceed our own limit by an alias; a welcome lists
	 * everyone.
	 */
	wslay_event_config_set_max_recv_msg_length(c->ctx, MSG_MAX);
	hello_frame(hello, sizeof(hello), c, create);
	queue_text(c, hello, strlen(hello));
	rc = client_loop(c, deadline);
	if (rc == 0 && !c->closed) {
		printf("close 1006");
		out_end();
	}
	wslay_event_context_free(c->ctx);
	close(c->fd);
	client_free(c);
	if (rc == 3)
		fprintf(stderr, "%s: deadline of %ld s passed\n", progname,
		    deadline);
	return rc;
}
