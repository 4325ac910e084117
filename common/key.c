/* key.c: room keys and resume tokens (libsodium randomness and base64url). */
#include <string.h>

#include <sodium.h>

#include "key.h"

void
key_new(char out[KEY_LEN + 1])
{
	unsigned char raw[KEY_BYTES];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, KEY_LEN + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

int
key_valid(const char *s, size_t len)
{
	unsigned char	raw[KEY_BYTES];
	char		again[KEY_LEN + 1];
	size_t		rawlen;
	const char	*end;
	int		ok;

	if (len != KEY_LEN)
		return 0;
	if (sodium_base642bin(raw, sizeof(raw), s, len, NULL, &rawlen, &end,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    rawlen != KEY_BYTES || end != s + len)
		return 0;
	/* Reject non-canonical spellings so one room has one name. */
	sodium_bin2base64(again, sizeof(again), raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	ok = memcmp(again, s, KEY_LEN) == 0;
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(again, sizeof(again));
	return ok;
}

int
key_equal(const char *a, const char *b)
{
	return sodium_memcmp(a, b, KEY_LEN) == 0;
}
