/*
 * failalloc.h: malloc and calloc that fail on demand, for a test linked with
 * failalloc.c and -Wl,--wrap=malloc -Wl,--wrap=calloc (test_oom in
 * test/test.mk, fuzz_room in mk/fuzz.mk). Only allocations made between
 * failalloc_on() and failalloc_off() count, and only those can fail, so the
 * harness's own memory is never touched. Other functions (realloc, strdup)
 * and libraries' calls from inside libc are not wrapped.
 */
#ifndef TEST_LIB_FAILALLOC_H
#define TEST_LIB_FAILALLOC_H

/*
 * The next n counted allocations succeed, the one after fails, then all
 * succeed again; n < 0: none fails. The count carries across on/off.
 */
void	failalloc_after(long n);
void	failalloc_on(void);
/* Stops counting; 1 if an allocation failed since failalloc_on(), else 0. */
int	failalloc_off(void);

#endif
