/*
 * proto.c: parser and validators for client frames (man/sanctuary.7). Pure:
 * no allocation, no globals but const tables; keys and tokens are checked by
 * common/key.c and aliases by alias.c (ICU), so fuzz harnesses link those.
 */
#include <stdint.h>
#include <string.h>

#include "common/key.h"
#include "alias.h"
#include "proto.h"

#define MAX_FIELDS	5	/* kick ID ALIAS OLDKEY NEWKEY BODY */

typedef int	(*parse_fn)(struct proto_req *, const struct proto_str *);

/*
 * A grammar: each command with its field count. With rest set, the last field
 * runs to the end of the frame (a BODY), so extra spaces there are the body's
 * fault, not the frame's. With id set, the first field is an ID and parse
 * sees the fields after it. A command a version lacks has no name.
 */
struct grammar {
	const char	*name;
	size_t		 min, max;
	int		 rest, id;
	parse_fn	 parse;
};

static int	parse_create(struct proto_req *, const struct proto_str *);
static int	parse_join(struct proto_req *, const struct proto_str *);
static int	parse_msg(struct proto_req *, const struct proto_str *);
static int	parse_purr(struct proto_req *, const struct proto_str *);
static int	parse_kick(struct proto_req *, const struct proto_str *);
static int	parse_kick2(struct proto_req *, const struct proto_str *);
static int	parse_rekey(struct proto_req *, const struct proto_str *);
static int	parse_none(struct proto_req *, const struct proto_str *);
static int	parse_exit(struct proto_req *, const struct proto_str *);

static const struct grammar grammar_v1[PROTO_NCMDS] = {
	[PROTO_CREATE] =	{ "create", 4, 4, 0, 0, parse_create },
	[PROTO_JOIN] =		{ "join", 3, 4, 0, 0, parse_join },
	[PROTO_MSG] =		{ "msg", 1, 1, 1, 0, parse_msg },
	[PROTO_PURR] =		{ "purr", 2, 2, 1, 0, parse_purr },
	[PROTO_KICK] =		{ "kick", 1, 1, 0, 0, parse_kick },
	[PROTO_STOP] =		{ "stop", 0, 0, 0, 0, parse_none },
	[PROTO_EXIT] =		{ "exit", 0, 1, 1, 0, parse_exit },
	[PROTO_PING] =		{ NULL, 0, 0, 0, 0, NULL },
	[PROTO_REKEY] =		{ NULL, 0, 0, 0, 0, NULL },
};

static const struct grammar grammar_v2[PROTO_NCMDS] = {
	[PROTO_CREATE] =	{ "create", 4, 4, 0, 0, parse_create },
	[PROTO_JOIN] =		{ "join", 3, 4, 0, 0, parse_join },
	[PROTO_MSG] =		{ "msg", 2, 2, 1, 1, parse_msg },
	[PROTO_PURR] =		{ "purr", 3, 3, 1, 1, parse_purr },
	[PROTO_KICK] =		{ "kick", 5, 5, 1, 1, parse_kick2 },
	[PROTO_STOP] =		{ "stop", 0, 0, 0, 0, parse_none },
	[PROTO_EXIT] =		{ "exit", 1, 2, 1, 1, parse_exit },
	[PROTO_PING] =		{ "ping", 1, 1, 0, 1, parse_none },
	[PROTO_REKEY] =		{ "rekey", 4, 4, 1, 1, parse_rekey },
};

/* Indexed by -error. */
static const char *const error_names[] = {
	NULL, "badcommand", "version", "badkey", "badalias", "badmode",
	"badbody", "badtoken", "notjoined", "joined", "exists", "noroom",
	"aliastaken", "roomfull", "toomanyrooms", "nosuchmember", "self",
	"notallowed", "flood", "badid", "roomversion", "stale"
};

const char *
proto_error_name(int err)
{
	const int	n = (int)(sizeof(error_names) / sizeof(error_names[0]));

	if (err >= 0 || err <= -n)
		return NULL;
	return error_names[-err];
}

struct close_entry {
	unsigned	 code;
	const char	*reason;
};

static const struct close_entry closes[PROTO_NCLOSES] = {
	[CLOSE_NONE] =		{ 0, "" },
	[CLOSE_BYE] =		{ 1000, "bye" },
	[CLOSE_SHUTDOWN] =	{ 1001, "shutdown" },
	[CLOSE_TEXT_ONLY] =	{ 1003, "text only" },
	[CLOSE_FLOOD] =		{ 1008, "flood" },
	[CLOSE_QUEUE] =		{ 1008, "queue" },
	[CLOSE_TIMEOUT] =	{ 1008, "timeout" },
	[CLOSE_TOO_BIG] =	{ 1009, "too big" },
	[CLOSE_INTERNAL] =	{ 1011, "out of memory" },
	[CLOSE_KICKED] =	{ 4001, "kicked" },
	[CLOSE_STOPPED] =	{ 4002, "stopped" },
	[CLOSE_JOIN_TIMEOUT] =	{ 4003, "join timeout" },
	[CLOSE_REPLACED] =	{ 4004, "replaced" },
};

unsigned
proto_close_code(enum proto_close why)
{
	if ((unsigned)why >= PROTO_NCLOSES)
		return 0;
	return closes[why].code;
}

const char *
proto_close_reason(enum proto_close why)
{
	if ((unsigned)why >= PROTO_NCLOSES)
		return "";
	return closes[why].reason;
}

const char *
proto_cmd_name(enum proto_cmd cmd)
{
	if ((unsigned)cmd >= PROTO_NCMDS)
		return NULL;
	return grammar_v2[cmd].name;
}

const char *
proto_mode_name(enum proto_mode mode)
{
	return mode == PROTO_OWNER ? "owner" : "everyone";
}

static int
str_is(const struct proto_str *s, const char *lit)
{
	size_t	n = strlen(lit);

	return s->len == n && memcmp(s->p, lit, n) == 0;
}

int
proto_body_valid(const char *s, size_t len)
{
	size_t	i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return 0;
	return 1;
}

int
proto_id_valid(const char *s, size_t len)
{
	unsigned long long	v = 0;
	size_t			i;

	if (len == 0 || len > 16 || s[0] == '0')
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	return v <= PROTO_ID_MAX;
}

/* VERSION KEY ALIAS, which create and join begin with. */
static int
parse_entry(struct proto_req *req, const struct proto_str *f)
{
	if (str_is(&f[0], "1"))
		req->version = PROTO_V1;
	else if (str_is(&f[0], "2"))
		req->version = PROTO_V2;
	else
		return PROTO_EVERSION;
	if (!key_valid(f[1].p, f[1].len))
		return PROTO_EBADKEY;
	if (!alias_valid(f[2].p, f[2].len))
		return PROTO_EBADALIAS;
	req->key = f[1];
	req->alias = f[2];
	return 0;
}

static int
parse_create(struct proto_req *req, const struct proto_str *f)
{
	int	rc;

	if ((rc = parse_entry(req, f)) != 0)
		return rc;
	if (str_is(&f[3], "owner"))
		req->mode = PROTO_OWNER;
	else if (str_is(&f[3], "everyone"))
		req->mode = PROTO_EVERYONE;
	else
		return PROTO_EBADMODE;
	return 0;
}

static int
parse_join(struct proto_req *req, const struct proto_str *f)
{
	int	rc;

	if ((rc = parse_entry(req, f)) != 0)
		return rc;
	if (f[3].len > 0 && !key_valid(f[3].p, f[3].len))
		return PROTO_EBADTOKEN;
	req->token = f[3];
	return 0;
}

static int
parse_msg(struct proto_req *req, const struct proto_str *f)
{
	if (!proto_body_valid(f[0].p, f[0].len))
		return PROTO_EBADBODY;
	req->body = f[0];
	return 0;
}

static int
parse_purr(struct proto_req *req, const struct proto_str *f)
{
	if (!alias_valid(f[0].p, f[0].len))
		return PROTO_EBADALIAS;
	if (!proto_body_valid(f[1].p, f[1].len))
		return PROTO_EBADBODY;
	req->alias = f[0];
	req->body = f[1];
	return 0;
}

static int
parse_kick(struct proto_req *req, const struct proto_str *f)
{
	if (!alias_valid(f[0].p, f[0].len))
		return PROTO_EBADALIAS;
	req->alias = f[0];
	return 0;
}

/* OLDKEY NEWKEY BODY, which rekey and kick of version 2 end with. */
static int
parse_rekey(struct proto_req *req, const struct proto_str *f)
{
	if (!key_valid(f[0].p, f[0].len) || !key_valid(f[1].p, f[1].len))
		return PROTO_EBADKEY;
	if (!proto_body_valid(f[2].p, f[2].len))
		return PROTO_EBADBODY;
	req->key = f[0];
	req->newkey = f[1];
	req->body = f[2];
	return 0;
}

static int
parse_kick2(struct proto_req *req, const struct proto_str *f)
{
	int	rc;

	if ((rc = parse_kick(req, f)) != 0)
		return rc;
	return parse_rekey(req, f + 1);
}

static int
parse_none(struct proto_req *req, const struct proto_str *f)
{
	(void)req;
	(void)f;
	return 0;
}

static int
parse_exit(struct proto_req *req, const struct proto_str *f)
{
	if (f[0].len > 0 && !proto_body_valid(f[0].p, f[0].len))
		return PROTO_EBADBODY;
	req->body = f[0];
	return 0;
}

/* 1 if the frame is empty, starts or ends with a space or has two in a row. */
static int
has_empty_field(const char *frame, size_t len)
{
	size_t	i;

	if (len == 0 || frame[0] == ' ' || frame[len - 1] == ' ')
		return 1;
	for (i = 1; i < len; i++)
		if (frame[i] == ' ' && frame[i - 1] == ' ')
			return 1;
	return 0;
}

static const struct grammar *
grammar_find(const struct grammar *gr, const struct proto_str *name)
{
	size_t	i;

	for (i = 0; i < PROTO_NCMDS; i++)
		if (gr[i].name != NULL && str_is(name, gr[i].name))
			return &gr[i];
	return NULL;
}

/*
 * Splits s[0..len) at single spaces into at most max fields; if rest is set the
 * last one takes whatever remains. Returns the field count, or max + 1 if there
 * are more fields than max (without rest). Fields are never empty here.
 */
static size_t
split(struct proto_str *f, size_t max, int rest, const char *s, size_t len)
{
	const char	*sp;
	size_t		 n = 0;

	while (len > 0) {
		if (n == max)
			return max + 1;
		f[n].p = s;
		if ((rest && n + 1 == max) ||
		    (sp = memchr(s, ' ', len)) == NULL) {
			f[n++].len = len;
			break;
		}
		f[n++].len = (size_t)(sp - s);
		len -= (size_t)(sp - s) + 1;
		s = sp + 1;
	}
	return n;
}

/* The ID that follows the command name at s[0..len), if it is one. */
static struct proto_str
first_id(const char *s, size_t len)
{
	const char		*sp = memchr(s, ' ', len);
	struct proto_str	 id = { s, len };

	if (sp != NULL)
		id.len = (size_t)(sp - s);
	if (!proto_id_valid(id.p, id.len))
		return (struct proto_str){ NULL, 0 };
	return id;
}

static int
parse_grammar(struct proto_req *req, const struct grammar *gr,
    const char *frame, size_t len)
{
	struct proto_str	 name, f[MAX_FIELDS];
	const struct grammar	*g;
	const char		*sp;
	size_t			 n;

	memset(req, 0, sizeof(*req));
	memset(f, 0, sizeof(f));
	if (len == 0)
		return PROTO_EBADCOMMAND;
	name.p = frame;
	sp = memchr(frame, ' ', len);
	name.len = sp == NULL ? len : (size_t)(sp - frame);
	if ((g = grammar_find(gr, &name)) == NULL)
		return PROTO_EBADCOMMAND;
	req->cmd = (enum proto_cmd)(g - gr);
	if (g->id && sp != NULL)
		req->id = first_id(sp + 1, len - name.len - 1);
	if (has_empty_field(frame, len))
		return PROTO_EBADCOMMAND;
	n = sp == NULL ? 0 : split(f, g->max, g->rest, sp + 1,
	    len - name.len - 1);
	if (n < g->min || n > g->max)
		return PROTO_EBADCOMMAND;
	if (g->id && req->id.len == 0)
		return PROTO_EBADID;
	return g->parse(req, f + g->id);
}

int
proto_parse_as(struct proto_req *req, int version, const char *frame,
    size_t len)
{
	struct proto_str	 name = { frame, len };
	const char		*sp;
	int			 rc;

	if (version == PROTO_V2)
		return parse_grammar(req, grammar_v2, frame, len);
	if ((rc = parse_grammar(req, grammar_v1, frame, len)) == 0 ||
	    version == PROTO_V1)
		return rc;
	/* No room yet: a version 2 client may already ping, or say more. */
	if (len > 0 && (sp = memchr(frame, ' ', len)) != NULL)
		name.len = (size_t)(sp - frame);
	if (grammar_find(grammar_v1, &name) == NULL)
		return parse_grammar(req, grammar_v2, frame, len);
	if (parse_grammar(req, grammar_v2, frame, len) == 0)
		return 0;
	return parse_grammar(req, grammar_v1, frame, len);
}

int
proto_parse(struct proto_req *req, const char *frame, size_t len)
{
	return proto_parse_as(req, PROTO_V1, frame, len);
}
