/*
 * assets.c: lookup in the embedded table (generated sorted by path), and the
 * choice of body by Accept-Encoding (RFC 9110 12.5.3). q-values are kept as
 * thousandths, 0 to 1000, so no floating point meets a request.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assets.h"

#define Q_UNSET		(-1)
#define Q_MAX		1000
/* Unlisted, identity is still acceptable (RFC 9110), but after any other. */
#define Q_IDENTITY	1

static const char *const coding_names[ASSET_CODINGS] = {
	"identity", "gzip", "br"
};

/* What one Accept-Encoding header says, per coding and for "*". */
struct accept {
	int	q[ASSET_CODINGS];
	int	star;
};

static int
asset_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct asset *)elem)->path);
}

const struct asset *
assets_find(const char *path)
{
	if (assets_count == 0)
		return NULL;
	return bsearch(path, assets, assets_count, sizeof(assets[0]),
	    asset_cmp);
}

int
assets_varies(const struct asset *a)
{
	return a->body[ASSET_GZIP].data != NULL ||
	    a->body[ASSET_BR].data != NULL;
}

const char *
assets_coding_name(enum asset_coding c)
{
	return c == ASSET_IDENTITY ? NULL : coding_names[c];
}

static const char *
ows_skip(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *
word_end(const char *p, const char *end)
{
	while (p < end && *p != ';' && *p != ' ' && *p != '\t')
		p++;
	return p;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), or -1. */
static int
qvalue_parse(const char *s, size_t n)
{
	size_t	i;
	int	q, scale = 100;

	if (n == 0 || (s[0] != '0' && s[0] != '1') || n > 5 ||
	    (n > 1 && s[1] != '.'))
		return -1;
	q = (s[0] - '0') * Q_MAX;
	for (i = 2; i < n; i++, scale /= 10) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		q += (s[i] - '0') * scale;
	}
	return q > Q_MAX ? -1 : q;
}

/* One list element, [p, end): coding *( OWS ";" OWS param ). */
static void
element_parse(struct accept *ac, const char *p, const char *end)
{
	const char	*tok, *v;
	size_t		 n;
	int		 c, q = Q_MAX;

	tok = p = ows_skip(p, end);
	n = (size_t)((p = word_end(p, end)) - tok);
	while ((p = ows_skip(p, end)) < end && *p == ';') {
		v = p = ows_skip(p + 1, end);
		p = word_end(p, end);
		if (p - v >= 2 && (v[0] == 'q' || v[0] == 'Q') && v[1] == '=' &&
		    (q = qvalue_parse(v + 2, (size_t)(p - v - 2))) < 0)
			return;		/* a malformed q: the element is void */
	}
	if (n == 0 || p != end)
		return;
	if (n == 1 && tok[0] == '*') {
		ac->star = q;
		return;
	}
	if (n == 6 && strncasecmp(tok, "x-gzip", n) == 0)
		ac->q[ASSET_GZIP] = q;	/* RFC 9110 8.4.1.3 */
	for (c = 0; c < ASSET_CODINGS; c++)
		if (strlen(coding_names[c]) == n &&
		    strncasecmp(tok, coding_names[c], n) == 0)
			ac->q[c] = q;
}

static void
accept_parse(struct accept *ac, const char *s)
{
	const char	*end;
	int		 c;

	for (c = 0; c < ASSET_CODINGS; c++)
		ac->q[c] = Q_UNSET;
	ac->star = Q_UNSET;
	for (;;) {
		end = s + strcspn(s, ",");
		element_parse(ac, s, end);
		if (*end == '\0')
			break;
		s = end + 1;
	}
	for (c = 0; c < ASSET_CODINGS; c++)
		if (ac->q[c] == Q_UNSET)
			ac->q[c] = ac->star != Q_UNSET ? ac->star :
			    c == ASSET_IDENTITY ? Q_IDENTITY : 0;
}

enum asset_coding
assets_coding(const struct asset *a, const char *accept)
{
	struct accept	ac;
	int		c, best = ASSET_IDENTITY, bestq = 0;

	if (accept == NULL || !assets_varies(a))
		return ASSET_IDENTITY;
	accept_parse(&ac, accept);
	/* Later codings win ties: the loop runs in the preferred order. */
	for (c = 0; c < ASSET_CODINGS; c++)
		if (a->body[c].data != NULL && ac.q[c] > 0 &&
		    ac.q[c] >= bestq) {
			best = c;
			bestq = ac.q[c];
		}
	return (enum asset_coding)best;
}
