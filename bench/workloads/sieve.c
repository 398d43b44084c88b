/* Sieve of Eratosthenes: byte-array stores with strides, tight loops, branchy counting. */
#include "workload.h"

#ifndef SIEVE_N
#define SIEVE_N 2000000u
#endif
#ifndef SIEVE_REPS
#define SIEVE_REPS 20u
#endif

static uint8_t composite[SIEVE_N];

/* Counts the primes below `limit` and folds them into a hash, so every flag matters. */
static uint64_t sieve(uint32_t limit)
{
    uint64_t count = 0;
    uint64_t hash = 0;

    for (uint32_t i = 0; i < limit; i++)
        composite[i] = 0;
    for (uint32_t i = 2; (uint64_t)i * i < limit; i++) {
        if (composite[i])
            continue;
        for (uint32_t j = i * i; j < limit; j += i)
            composite[j] = 1;
    }
    for (uint32_t i = 2; i < limit; i++) {
        if (!composite[i]) {
            count++;
            hash = hash * 31u + i;
        }
    }
    return (count << 40) ^ hash;
}

uint64_t run(void)
{
    uint64_t acc = 0;

    /* A slightly different limit each repetition keeps the repetitions from being identical. */
    for (uint32_t r = 0; r < SIEVE_REPS; r++)
        acc = acc * 1000003u + sieve(SIEVE_N - r * 1000u);
    return acc;
}
