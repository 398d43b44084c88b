/* Include this instead of <cmocka.h>: cmocka 1.1.5 needs these headers first. */
#ifndef OL_TEST_H
#define OL_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#endif
