/* unit.h: each test_*.c defines suite(); runner.c runs it. */
#ifndef TEST_UNIT_H
#define TEST_UNIT_H

#include <check.h>

Suite	*suite(void);

#endif
