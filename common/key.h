/*
 * key.h: room keys and resume tokens: 16 random bytes as 22 chars of
 * base64url.
 */
#ifndef COMMON_KEY_H
#define COMMON_KEY_H

#include <stddef.h>

#define KEY_BYTES	16
#define KEY_LEN		22		/* base64url, no padding */

/* Writes a fresh NUL-terminated key into out (KEY_LEN + 1 bytes). */
void	key_new(char out[KEY_LEN + 1]);
/* 1 if s[0..len) is a canonical key, else 0. */
int	key_valid(const char *s, size_t len);
/* 1 if the two KEY_LEN-byte keys are equal; constant time. */
int	key_equal(const char *a, const char *b);

#endif
