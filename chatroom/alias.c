/*
 * alias.c: which aliases the relay takes and when two are the same name.
 * Every property comes from ICU (general category, Default_Ignorable, the
 * UTS #39 confusables), so the rules follow ICU's Unicode version and no
 * table is typed in here. Any ICU error refuses the alias.
 */
#include <string.h>

#include <sodium.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include "alias.h"

/*
 * UTF-16 units for a stage of alias_key. 32 bytes are at most 32 code
 * points; NFC and case folding at most triple them and the longest
 * skeleton of one code point is 18 units (U+FDFA). Names that overflow
 * this are refused, not cut.
 */
#define ALIAS_UNITS	1024

static USpoofChecker	*checker;
static char		 unicode_version[U_MAX_VERSION_STRING_LENGTH];

int
alias_init(void)
{
	UErrorCode	err = U_ZERO_ERROR;
	UVersionInfo	v;

	if (sodium_init() < 0)
		return -1;
	checker = uspoof_open(&err);
	/* Only checks that need no other name; look-alikes are skeletons. */
	uspoof_setChecks(checker, USPOOF_HIDDEN_OVERLAY | USPOOF_INVISIBLE,
	    &err);
	if (U_FAILURE(err)) {
		alias_release();
		return -1;
	}
	u_getUnicodeVersion(v);
	u_versionToString(v, unicode_version);
	return 0;
}

void
alias_release(void)
{
	uspoof_close(checker);
	checker = NULL;
}

const char *
alias_unicode_version(void)
{
	return unicode_version;
}

/*
 * Code points no alias holds: controls, format characters, surrogates,
 * private use, unassigned, white space, Default_Ignorable_Code_Point, and
 * what renders blank without being ignorable: the Hangul fillers (also
 * ignorable, named for clarity) and the braille blank U+2800.
 */
static int
alias_banned(UChar32 c)
{
	switch (u_charType(c)) {
	case U_CONTROL_CHAR:		/* Cc */
	case U_FORMAT_CHAR:		/* Cf */
	case U_SURROGATE:		/* Cs */
	case U_PRIVATE_USE_CHAR:	/* Co */
	case U_UNASSIGNED:		/* Cn */
	case U_SPACE_SEPARATOR:		/* Zs */
	case U_LINE_SEPARATOR:		/* Zl */
	case U_PARAGRAPH_SEPARATOR:	/* Zp */
		return 1;
	default:
		break;
	}
	if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT))
		return 1;
	return c == 0x115f || c == 0x1160 || c == 0x3164 || c == 0xffa0 ||
	    c == 0x2800;
}

int
alias_valid(const char *s, size_t len)
{
	const uint8_t	*u = (const uint8_t *)s;
	UErrorCode	 err = U_ZERO_ERROR;
	int32_t		 i = 0, n = (int32_t)len;
	UChar32		 c;

	if (checker == NULL || len == 0 || len > ALIAS_MAX ||
	    (len == 1 && s[0] == '*'))
		return 0;
	while (i < n) {
		U8_NEXT(u, i, n, c);
		if (c < 0 || alias_banned(c))
			return 0;
	}
	/* i + U+0307 (a dot hidden in i's own), a mark doubled: not a name. */
	if (uspoof_check2UTF8(checker, s, n, NULL, &err) != 0 ||
	    U_FAILURE(err))
		return 0;
	return 1;
}

/* dst = the UTS #39 skeleton of src (n units); its length, or -1. */
static int32_t
alias_skeleton(UChar *dst, const UChar *src, int32_t n)
{
	UErrorCode	err = U_ZERO_ERROR;

	n = uspoof_getSkeleton(checker, 0, src, n, dst, ALIAS_UNITS, &err);
	return U_FAILURE(err) || err == U_STRING_NOT_TERMINATED_WARNING ?
	    -1 : n;
}

/* dst = the full case folding of src (n units); its length, or -1. */
static int32_t
alias_fold(UChar *dst, const UChar *src, int32_t n)
{
	UErrorCode	err = U_ZERO_ERROR;

	n = u_strFoldCase(dst, ALIAS_UNITS, src, n, U_FOLD_CASE_DEFAULT, &err);
	return U_FAILURE(err) || err == U_STRING_NOT_TERMINATED_WARNING ?
	    -1 : n;
}

/* nfc = NFC of the UTF-8 s[0..len); its length in units, or -1. */
static int32_t
alias_nfc(UChar *nfc, UChar *tmp, const char *s, size_t len)
{
	const UNormalizer2	*norm;
	UErrorCode		 err = U_ZERO_ERROR;
	int32_t			 n;

	if (len > ALIAS_MAX)
		return -1;
	u_strFromUTF8(tmp, ALIAS_UNITS, &n, s, (int32_t)len, &err);
	norm = unorm2_getNFCInstance(&err);
	if (U_FAILURE(err))
		return -1;
	n = unorm2_normalize(norm, tmp, n, nfc, ALIAS_UNITS, &err);
	return U_FAILURE(err) || err == U_STRING_NOT_TERMINATED_WARNING ?
	    -1 : n;
}

static void
alias_digest(unsigned char *out, const UChar *s, int32_t n)
{
	crypto_generichash(out, ALIAS_HASH_LEN, (const unsigned char *)s,
	    (unsigned long long)n * sizeof(*s), NULL, 0);
}

/*
 * folded = skeleton(fold(NFC(s))), visual = skeleton(fold(skeleton(NFC(s)))).
 * Digests, not the skeletons: a member keeps 32 bytes however long its
 * skeleton, and two names whose digests collide only get aliastaken.
 */
int
alias_key(struct alias_key *out, const char *s, size_t len)
{
	UChar		a[ALIAS_UNITS], b[ALIAS_UNITS], nfc[ALIAS_UNITS];
	int32_t		n, m;
	int		rc = -1;

	if (checker == NULL || (n = alias_nfc(nfc, a, s, len)) < 0)
		goto out;
	if ((m = alias_fold(a, nfc, n)) < 0 ||
	    (m = alias_skeleton(b, a, m)) < 0)
		goto out;
	alias_digest(out->folded, b, m);
	if ((m = alias_skeleton(a, nfc, n)) < 0 ||
	    (m = alias_fold(b, a, m)) < 0 ||
	    (m = alias_skeleton(a, b, m)) < 0)
		goto out;
	alias_digest(out->visual, a, m);
	rc = 0;
out:
	sodium_memzero(a, sizeof(a));
	sodium_memzero(b, sizeof(b));
	sodium_memzero(nfc, sizeof(nfc));
	return rc;
}

int
alias_same(const struct alias_key *x, const struct alias_key *y)
{
	return memcmp(x->folded, y->folded, ALIAS_HASH_LEN) == 0 ||
	    memcmp(x->visual, y->visual, ALIAS_HASH_LEN) == 0;
}
