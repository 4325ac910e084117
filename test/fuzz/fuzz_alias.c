/*
 * fuzz_alias.c: chatroom/alias.c on any bytes, against ref.h. Input: byte
 * 0 mod 33 is the length of a name a, the next up to 32 bytes are a name b.
 * Each name: alias_valid agrees with the reference set and marks; a key
 * exists for every UTF-8 string of at most 32 bytes and for nothing else.
 * The pair: alias_same is reflexive and symmetric and agrees with
 * uspoof_areConfusable on fold(NFC) and on fold(skeleton(NFC)).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/utf16.h>

#include "chatroom/alias.h"
#include "chatroom/proto.h"

#include "ref.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* s as UTF-16 in u (REF_UNITS); its length, or -1 if s is not UTF-8. */
static int32_t
ref_utf16(UChar *u, const char *s, size_t n)
{
	UErrorCode	err = U_ZERO_ERROR;
	int32_t		m;

	u_strFromUTF8(u, REF_UNITS, &m, s, (int32_t)n, &err);
	return U_FAILURE(err) ? -1 : m;
}

static int
ref_valid(const char *s, size_t n)
{
	UChar		u[REF_UNITS];
	int32_t		m, i = 0;
	UChar32		c;

	if (n < 1 || n > PROTO_ALIAS_MAX || (n == 1 && s[0] == '*') ||
	    (m = ref_utf16(u, s, n)) < 0)
		return 0;
	while (i < m) {
		U16_NEXT(u, i, m, c);
		if (ref_alias_banned((uint32_t)c))
			return 0;
	}
	return !ref_alias_marks(s, n);
}

/* 0 with *k set if s has a key; abort if that disagrees with the rules. */
static int
check_one(struct alias_key *k, const char *s, size_t n)
{
	UChar	u[REF_UNITS];
	int	utf8 = n <= PROTO_ALIAS_MAX && ref_utf16(u, s, n) >= 0;
	int	rc;

	if (alias_valid(s, n) != ref_valid(s, n))
		abort();
	rc = alias_key(k, s, n);
	if ((rc == 0) != utf8 || (rc == 0 && !alias_same(k, k)))
		abort();
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char		*a = (const char *)data + 1, *b;
	struct alias_key	 x, y;
	size_t			 an, bn;

	if (len < 1)
		return 0;
	an = data[0] % (PROTO_ALIAS_MAX + 1);
	if (an > len - 1)
		an = len - 1;
	b = a + an;
	bn = len - 1 - an;
	if (bn > PROTO_ALIAS_MAX)
		bn = PROTO_ALIAS_MAX;
	if (check_one(&x, a, an) != 0 || check_one(&y, b, bn) != 0)
		return 0;
	if (alias_same(&x, &y) != alias_same(&y, &x) ||
	    alias_same(&x, &y) != ref_alias_equal(a, an, b, bn))
		abort();
	return 0;
}
