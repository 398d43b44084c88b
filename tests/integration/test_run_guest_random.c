/* Guest for `outlayer run` record/replay tests: everything it prints comes from the
 * nondeterministic source -- 16 random bytes, the realtime and monotonic clocks, a 2 ms sleep,
 * the monotonic clock again -- and its instruction count depends on a random byte. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static long long ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void)
{
    unsigned char r[16];
    if (getentropy(r, sizeof r) != 0)
        return 1;
    for (size_t i = 0; i < sizeof r; i++)
        printf("%02x", r[i]);
    long long rt = ns(CLOCK_REALTIME), m1 = ns(CLOCK_MONOTONIC);
    struct timespec two_ms = {0, 2000000};
    nanosleep(&two_ms, NULL);
    long long m2 = ns(CLOCK_MONOTONIC);
    printf("\nrealtime %lld\nmonotonic %lld\nslept %s\n", rt, m1,
           m2 - m1 >= 2000000 ? "yes" : "no");
    volatile unsigned sum = 0;
    for (unsigned i = 0; i < r[0] * 100u; i++)
        sum += i;
    printf("sum %u\n", sum);
    return 0;
}
