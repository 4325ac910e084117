/*
 * ref.h: plain reference versions of what the fuzzers check the relay
 * against, written apart from the relay's own code on purpose. The alias
 * rules come from ICU as alias.c's do, but by other calls: a UnicodeSet of
 * the banned properties instead of u_charType, and uspoof_areConfusable on
 * the normalized forms instead of comparing skeleton digests.
 */
#ifndef TEST_FUZZ_REF_H
#define TEST_FUZZ_REF_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <unicode/unorm2.h>
#include <unicode/uset.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>

#define REF_UNITS	4096	/* more than alias.c ever keeps */

/* The reference's own spoof checker: all checks, as uspoof_open makes it. */
static inline USpoofChecker *
ref_checker(void)
{
	static USpoofChecker	*sc;
	UErrorCode		 err = U_ZERO_ERROR;

	if (sc == NULL && ((sc = uspoof_open(&err)) == NULL || U_FAILURE(err)))
		abort();
	return sc;
}

/* sanctuary(7) ALIAS: the code points no alias holds, as one set. */
static inline int
ref_alias_banned(uint32_t c)
{
	static USet	*set;
	UChar		 pat[128];
	UErrorCode	 err = U_ZERO_ERROR;

	if (set == NULL) {
		u_uastrcpy(pat, "[[:Cc:][:Cf:][:Cs:][:Co:][:Cn:][:Z:][:DI:]"
		    "\\u115F\\u1160\\u3164\\uFFA0\\u2800]");
		if ((set = uset_openPattern(pat, -1, &err)) == NULL ||
		    U_FAILURE(err))
			abort();
	}
	return uset_contains(set, (UChar32)c);
}

/* 1 if the UTF-8 s has a hidden overlay or a repeated mark (UTS #39). */
static inline int
ref_alias_marks(const char *s, size_t n)
{
	static USpoofChecker	*sc;
	UErrorCode		 err = U_ZERO_ERROR;
	int32_t			 r;

	if (sc == NULL) {
		sc = uspoof_open(&err);
		uspoof_setChecks(sc, USPOOF_HIDDEN_OVERLAY, &err);
		if (U_FAILURE(err))
			abort();
	}
	r = uspoof_checkUTF8(sc, s, (int32_t)n, NULL, &err);
	if (U_FAILURE(err))
		abort();
	if (r != 0)
		return 1;
	uspoof_setChecks(sc, USPOOF_INVISIBLE, &err);
	r = uspoof_checkUTF8(sc, s, (int32_t)n, NULL, &err);
	uspoof_setChecks(sc, USPOOF_HIDDEN_OVERLAY, &err);
	if (U_FAILURE(err))
		abort();
	return r != 0;
}

/*
 * out = fold(NFC(s)), or with visual fold(skeleton(NFC(s))): what the two
 * skeletons are taken of. Its length, or -1 if s is not UTF-8.
 */
static inline int32_t
ref_alias_form(UChar *out, const char *s, size_t n, int visual)
{
	UChar		 a[REF_UNITS], b[REF_UNITS];
	UErrorCode	 err = U_ZERO_ERROR;
	int32_t		 m;

	u_strFromUTF8(a, REF_UNITS, &m, s, (int32_t)n, &err);
	if (err == U_INVALID_CHAR_FOUND)
		return -1;
	m = unorm2_normalize(unorm2_getNFCInstance(&err), a, m, b, REF_UNITS,
	    &err);
	if (visual)
		m = uspoof_getSkeleton(ref_checker(), 0, b, m, a, REF_UNITS,
		    &err);
	else
		u_memcpy(a, b, m);
	m = u_strFoldCase(out, REF_UNITS, a, m, U_FOLD_CASE_DEFAULT, &err);
	if (U_FAILURE(err))
		abort();
	return m;
}

/* Alias equality: confusable after folding, or before it (I and l). */
static inline int
ref_alias_equal(const char *a, size_t an, const char *b, size_t bn)
{
	UChar		 x[REF_UNITS], y[REF_UNITS];
	UErrorCode	 err = U_ZERO_ERROR;
	int32_t		 xn, yn;
	int		 visual, same = 0;

	for (visual = 0; visual < 2 && !same; visual++) {
		if ((xn = ref_alias_form(x, a, an, visual)) < 0 ||
		    (yn = ref_alias_form(y, b, bn, visual)) < 0)
			return 0;
		same = uspoof_areConfusable(ref_checker(), x, xn, y, yn,
		    &err) != 0;
		if (U_FAILURE(err))
			abort();
	}
	return same;
}

#endif
