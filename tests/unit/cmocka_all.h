/* cmocka_all.h: the includes cmocka needs, in the order it needs them. */
#ifndef BONES_TEST_CMOCKA_ALL_H
#define BONES_TEST_CMOCKA_ALL_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#endif
