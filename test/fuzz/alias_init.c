/*
 * alias_init.c: the spoof checker opened once per fuzzing process, as
 * chatroom's main() does before the loop; linked into every harness that
 * reaches chatroom/alias.c.
 */
#include <stdlib.h>

#include "chatroom/alias.h"

int	LLVMFuzzerInitialize(int *, char ***);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (alias_init() == -1)
		abort();
	return 0;
}
