/* failalloc.c: see failalloc.h. */
#include <stddef.h>

#include "failalloc.h"

void	*__real_malloc(size_t);
void	*__real_calloc(size_t, size_t);
void	*__wrap_malloc(size_t);
void	*__wrap_calloc(size_t, size_t);

static long	left = -1;	/* counted allocations before the failure */
static int	counting, failed;

void
failalloc_after(long n)
{
	left = n;
}

void
failalloc_on(void)
{
	counting = 1;
	failed = 0;
}

int
failalloc_off(void)
{
	counting = 0;
	return failed;
}

static int
fail_now(void)
{
	if (!counting || left < 0 || left-- > 0)
		return 0;
	failed = 1;
	return 1;
}

void *
__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}
