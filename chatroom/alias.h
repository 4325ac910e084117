/*
 * alias.h: the rules for a member's alias, after UTS #39 with ICU's data:
 * which code points an alias may hold, and when two aliases are one name.
 */
#ifndef CHATROOM_ALIAS_H
#define CHATROOM_ALIAS_H

#include <stddef.h>

#define ALIAS_MAX	32	/* bytes of UTF-8 in an alias */
#define ALIAS_HASH_LEN	16	/* bytes of a skeleton's BLAKE2b digest */

/*
 * What an alias is compared by: digests of two confusable skeletons, one of
 * the case-folded name (Alice = alice) and one taken before folding (aIice =
 * alice: folding first would turn I into i, which looks unlike l).
 */
struct alias_key {
	unsigned char	folded[ALIAS_HASH_LEN];
	unsigned char	visual[ALIAS_HASH_LEN];
};

/* Opens ICU's spoof checker; 0, or -1 if ICU failed. Once, at startup. */
int		 alias_init(void);
void		 alias_release(void);
/*
 * 1 if s[0..len) may be an alias: 1..ALIAS_MAX bytes of UTF-8, not "*",
 * no code point sanctuary(7) bans, no hidden or repeated combining mark.
 * 0 otherwise, and 0 for every alias if ICU is not open or fails.
 */
int		 alias_valid(const char *s, size_t len);
/* The key of s[0..len); 0, or -1 (refuse the alias) if ICU fails. */
int		 alias_key(struct alias_key *out, const char *s, size_t len);
/* 1 if the two keys name the same member. */
int		 alias_same(const struct alias_key *, const struct alias_key *);
/* The Unicode version of ICU's data, such as "15.0". */
const char	*alias_unicode_version(void);

#endif
