/*
 * ref.h: plain reference versions of what the fuzzers check the relay
 * against, written apart from the relay's own code on purpose.
 */
#ifndef TEST_FUZZ_REF_H
#define TEST_FUZZ_REF_H

#include <stddef.h>

/* Alias equality: ASCII case-insensitive, bytewise otherwise. */
static inline int
ref_alias_equal(const char *a, size_t an, const char *b, size_t bn)
{
	size_t	i;

	if (an != bn)
		return 0;
	for (i = 0; i < an; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

		if (x >= 'A' && x <= 'Z')
			x |= 0x20;
		if (y >= 'A' && y <= 'Z')
			y |= 0x20;
		if (x != y)
			return 0;
	}
	return 1;
}

#endif
