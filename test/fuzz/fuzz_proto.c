/*
 * fuzz_proto.c: proto_parse_as() (versions 1 and 2, and a conn in no room
 * yet) and the field validators against a second,
 * deliberately naive implementation written from sanctuary(7) alone. The two
 * must agree on every frame: the same error code, or the same fields pointing
 * at the same bytes of the frame. KEY validity is also checked against
 * common/key.c (libsodium's decoder), ALIAS equality against a plain fold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "chatroom/alias.h"
#include "chatroom/proto.h"
#include "common/key.h"

#include "ref.h"

#define REF_MAXTOK	8

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct span {
	const char	*p;
	size_t		 n;
};

struct ref {
	int		 cmd;
	int		 mode;
	struct span	 id, key, newkey, alias, token, body;
};

/* Strict UTF-8 (RFC 3629): length of the sequence at s, 0 if invalid. */
static size_t
ref_utf8(uint32_t *cp, const unsigned char *s, size_t n)
{
	size_t	 need, i;
	uint32_t c;

	if (s[0] <= 0x7f) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4;
	else
		return 0;
	if (n < need)
		return 0;
	c = s[0] & (0xff >> (need + 1));
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((need == 3 && c < 0x800) || (need == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return need;
}

static int
ref_alias(const char *s, size_t n)
{
	size_t	 off, k;
	uint32_t c;

	if (n < 1 || n > 32 || (n == 1 && s[0] == '*'))
		return 0;
	for (off = 0; off < n; off += k)
		if ((k = ref_utf8(&c, (const unsigned char *)s + off,
		    n - off)) == 0 || ref_alias_banned(c))
			return 0;
	return !ref_alias_marks(s, n);
}

static int
ref_b64url(char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '-')
		return 62;
	if (ch == '_')
		return 63;
	return -1;
}

/* 22 base64url chars whose last one leaves the 4 unused bits zero. */
static int
ref_key(const char *s, size_t n)
{
	size_t	i;

	if (n != 22)
		return 0;
	for (i = 0; i < n; i++)
		if (ref_b64url(s[i]) < 0)
			return 0;
	return (ref_b64url(s[21]) & 0x0f) == 0;
}

static int
ref_body(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return n > 0;
}

static int
ref_is(struct span s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

/* The rest of the frame from token i on. */
static struct span
ref_rest(const char *s, size_t len, const struct span *tok, size_t i)
{
	struct span	r = { tok[i].p, (size_t)(s + len - tok[i].p) };

	return r;
}

static int
ref_join_fields(struct ref *r, const struct span *t, size_t nf)
{
	if (!ref_is(t[1], "1") && !ref_is(t[1], "2"))
		return PROTO_EVERSION;
	if (!ref_key(t[2].p, t[2].n))
		return PROTO_EBADKEY;
	if (!ref_alias(t[3].p, t[3].n))
		return PROTO_EBADALIAS;
	r->key = t[2];
	r->alias = t[3];
	return 0;
}

/* An ID: 1 to 16 digits, no leading zero, at most 2^53 - 1 as a string. */
static int
ref_id(struct span s)
{
	static const char	max[] = "9007199254740991";
	size_t			i;

	if (s.n == 0 || s.n > 16 || s.p[0] == '0')
		return 0;
	for (i = 0; i < s.n; i++)
		if (s.p[i] < '0' || s.p[i] > '9')
			return 0;
	return s.n < 16 || memcmp(s.p, max, 16) <= 0;
}

/*
 * Version 2's commands that differ: t[1] is the ID; the fields follow. The
 * count is checked first, then each field left to right.
 */
static int
ref_parse2(struct ref *r, const char *s, size_t len, const struct span *t,
    size_t nf)
{
	static const size_t	need[] = { [PROTO_MSG] = 2, [PROTO_PURR] = 3,
		[PROTO_KICK] = 5, [PROTO_EXIT] = 1, [PROTO_PING] = 1,
		[PROTO_REKEY] = 4 };
	size_t			k;

	if (nf < need[r->cmd] || (r->cmd == PROTO_PING && nf != 1))
		return PROTO_EBADCOMMAND;
	if (!ref_id(t[1]))
		return PROTO_EBADID;
	k = 2;
	if (r->cmd == PROTO_PURR || r->cmd == PROTO_KICK) {
		if (!ref_alias(t[2].p, t[2].n))
			return PROTO_EBADALIAS;
		r->alias = t[k++];
	}
	if (r->cmd == PROTO_KICK || r->cmd == PROTO_REKEY) {
		if (!ref_key(t[k].p, t[k].n) || !ref_key(t[k + 1].p,
		    t[k + 1].n))
			return PROTO_EBADKEY;
		r->key = t[k];
		r->newkey = t[k + 1];
		k += 2;
	}
	if (r->cmd == PROTO_PING || (r->cmd == PROTO_EXIT && nf == 1))
		return 0;
	r->body = ref_rest(s, len, t, k);
	return ref_body(r->body.p, r->body.n) ? 0 : PROTO_EBADBODY;
}

/* sanctuary(7)'s frame grammar, spelled out the long way. */
static int
ref_parse(struct ref *r, int version, const char *s, size_t len)
{
	static const char *const names[] = { "create", "join", "msg", "purr",
		"kick", "stop", "exit", "ping", "rekey" };
	struct span	 t[REF_MAXTOK];
	size_t		 i, ntok = 0, nf, start = 0;
	int		 rc, has_id;

	memset(r, 0, sizeof(*r));
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != ' ')
			continue;
		if (ntok < REF_MAXTOK)
			t[ntok] = (struct span){ s + start, i - start };
		ntok++;
		start = i + 1;
	}
	nf = ntok - 1;
	for (r->cmd = 0; r->cmd < (version == PROTO_V2 ? 9 : 7); r->cmd++)
		if (ref_is(t[0], names[r->cmd]))
			break;
	has_id = version == PROTO_V2 && r->cmd >= PROTO_MSG &&
	    r->cmd != PROTO_STOP && r->cmd <= PROTO_REKEY;
	if (has_id && nf >= 1 && ref_id(t[1]))
		r->id = t[1];
	if (len == 0 || s[0] == ' ' || s[len - 1] == ' ' ||
	    memmem(s, len, "  ", 2) != NULL)
		return PROTO_EBADCOMMAND;
	if (has_id)
		return ref_parse2(r, s, len, t, nf);
	switch (r->cmd) {
	case PROTO_CREATE:
		if (nf != 4)
			return PROTO_EBADCOMMAND;
		if ((rc = ref_join_fields(r, t, nf)) != 0)
			return rc;
		if (ref_is(t[4], "owner"))
			r->mode = PROTO_OWNER;
		else if (ref_is(t[4], "everyone"))
			r->mode = PROTO_EVERYONE;
		else
			return PROTO_EBADMODE;
		return 0;
	case PROTO_JOIN:
		if (nf < 3 || nf > 4)
			return PROTO_EBADCOMMAND;
		if ((rc = ref_join_fields(r, t, nf)) != 0)
			return rc;
		if (nf == 4 && !ref_key(t[4].p, t[4].n))
			return PROTO_EBADTOKEN;
		if (nf == 4)
			r->token = t[4];
		return 0;
	case PROTO_MSG:
		if (nf < 1)
			return PROTO_EBADCOMMAND;
		r->body = ref_rest(s, len, t, 1);
		return ref_body(r->body.p, r->body.n) ? 0 : PROTO_EBADBODY;
	case PROTO_PURR:
		if (nf < 2)
			return PROTO_EBADCOMMAND;
		if (!ref_alias(t[1].p, t[1].n))
			return PROTO_EBADALIAS;
		r->alias = t[1];
		r->body = ref_rest(s, len, t, 2);
		return ref_body(r->body.p, r->body.n) ? 0 : PROTO_EBADBODY;
	case PROTO_KICK:
		if (nf != 1)
			return PROTO_EBADCOMMAND;
		r->alias = t[1];
		return ref_alias(t[1].p, t[1].n) ? 0 : PROTO_EBADALIAS;
	case PROTO_STOP:
		return nf == 0 ? 0 : PROTO_EBADCOMMAND;
	case PROTO_EXIT:
		if (nf == 0)
			return 0;
		r->body = ref_rest(s, len, t, 1);
		return ref_body(r->body.p, r->body.n) ? 0 : PROTO_EBADBODY;
	default:
		return PROTO_EBADCOMMAND;
	}
}

/* An absent field is { NULL or anything, 0 }; a present one is exactly s. */
static void
check_field(const struct proto_str *got, struct span want, const char *frame,
    size_t len)
{
	if (got->len != want.n)
		abort();
	if (want.n == 0)
		return;
	if (got->p != want.p || got->p < frame ||
	    got->p + got->len > frame + len)
		abort();
}

static void
check_names(void)
{
	static int	done;
	int		i;

	if (done++)
		return;
	for (i = -40; i <= 2; i++)
		if ((proto_error_name(i) != NULL) != (i <= -1 && i >= -21))
			abort();
	for (i = 0; i < PROTO_NCMDS; i++)
		if (proto_cmd_name((enum proto_cmd)i) == NULL)
			abort();
	if (proto_cmd_name(PROTO_NCMDS) != NULL)
		abort();
}

/*
 * A conn in no room yet: version 1's answer, unless version 1 refuses and
 * version 2 accepts the frame or alone knows its command.
 */
static int
ref_parse_none(struct ref *r, const char *s, size_t len)
{
	static const char *const v1[] = { "create", "join", "msg", "purr",
		"kick", "stop", "exit" };
	const char	*sp = len > 0 ? memchr(s, ' ', len) : NULL;
	struct span	 name = { s, sp == NULL ? len : (size_t)(sp - s) };
	size_t		 i;
	int		 rc;

	if ((rc = ref_parse(r, PROTO_V1, s, len)) == 0)
		return 0;
	for (i = 0; i < 7 && !ref_is(name, v1[i]); i++)
		;
	if (i == 7 || ref_parse(r, PROTO_V2, s, len) == 0)
		return ref_parse(r, PROTO_V2, s, len);
	return ref_parse(r, PROTO_V1, s, len);
}

static void
check_parse_as(int version, const char *s, size_t len)
{
	struct proto_req req;
	struct ref	 ref;
	const char	*name;
	int		 rc, want;

	memset(&req, 0xa5, sizeof(req));
	rc = proto_parse_as(&req, version, s, len);
	want = version == PROTO_VNONE ? ref_parse_none(&ref, s, len) :
	    ref_parse(&ref, version, s, len);
	if (rc != want)
		abort();
	check_field(&req.id, ref.id, s, len);
	if (rc < 0) {
		if ((rc < PROTO_EBADTOKEN && rc != PROTO_EBADID) ||
		    proto_error_name(rc) == NULL)
			abort();
		return;
	}
	if (rc != 0 || (int)req.cmd != ref.cmd)
		abort();
	name = proto_cmd_name(req.cmd);
	if (len < strlen(name) || memcmp(s, name, strlen(name)) != 0)
		abort();
	check_field(&req.key, ref.key, s, len);
	check_field(&req.newkey, ref.newkey, s, len);
	check_field(&req.alias, ref.alias, s, len);
	check_field(&req.token, ref.token, s, len);
	check_field(&req.body, ref.body, s, len);
	if (req.cmd == PROTO_CREATE && (int)req.mode != ref.mode)
		abort();
	if ((req.cmd == PROTO_CREATE || req.cmd == PROTO_JOIN) &&
	    req.version != s[req.key.p - s - 2] - '0')
		abort();
}

static void
check_parse(const char *s, size_t len)
{
	struct proto_req req;

	check_parse_as(PROTO_V1, s, len);
	check_parse_as(PROTO_V2, s, len);
	check_parse_as(PROTO_VNONE, s, len);
	if (proto_parse(&req, s, len) != proto_parse_as(&req, PROTO_V1, s,
	    len))
		abort();
}

static void
check_validators(const char *s, size_t len)
{
	if (alias_valid(s, len) != ref_alias(s, len))
		abort();
	if (proto_body_valid(s, len) != ref_body(s, len))
		abort();
	if (key_valid(s, len) != ref_key(s, len))
		abort();
	if (len > 0 && key_valid(s + 1, len - 1) != ref_key(s + 1, len - 1))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char	*s = (const char *)data;
	const char	*sp;

	if (sodium_init() < 0)
		abort();
	check_names();
	check_parse(s, len);
	check_validators(s, len);
	/* Each space-separated piece on its own, as a frame and as a field. */
	while (len > 0 && (sp = memchr(s, ' ', len)) != NULL) {
		check_validators(s, (size_t)(sp - s));
		len -= (size_t)(sp - s) + 1;
		s = sp + 1;
		check_parse(s, len);
	}
	check_validators(s, len);
	return 0;
}
