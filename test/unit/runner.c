/* runner.c: main() for every unit test binary; prints "N passed, N failed". */
#include <stdio.h>
#include <stdlib.h>

#include <check.h>
#include <sodium.h>

#include "chatroom/alias.h"
#include "unit.h"

int
main(void)
{
	SRunner	*sr;
	int	 run, failed;

	if (sodium_init() < 0 || alias_init() == -1)
		return 2;
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	run = srunner_ntests_run(sr);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	alias_release();
	printf("%d passed, %d failed\n", run - failed, failed);
	return failed == 0 && run > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
