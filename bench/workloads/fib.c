/* Recursive Fibonacci: call-heavy, almost no memory traffic. Measures call/return and the
 * per-call fuel charge. */
#include "workload.h"

#ifndef FIB_N
#define FIB_N 37
#endif

static uint32_t fib(uint32_t n)
{
    if (n < 2)
        return n;
    return fib(n - 1) + fib(n - 2);
}

/* The argument goes through a volatile so the compiler cannot fold the call at build time. */
static volatile uint32_t fib_arg = FIB_N;

uint64_t run(void)
{
    uint32_t n = fib_arg;
    return ((uint64_t)n << 32) | fib(n);
}
