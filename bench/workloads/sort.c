/* Sorting one million 32-bit integers with a hand-written quicksort
 * (median of three, insertion sort for short ranges, recursion on the smaller side only, so the
 * depth stays below log2(n)). Compares, swaps and unpredictable branches. */
#include "workload.h"

#ifndef SORT_N
#define SORT_N 1000000u
#endif
#define SORT_SMALL 16

static uint32_t data[SORT_N];

static void insertion_sort(uint32_t *v, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        uint32_t x = v[i];
        uint32_t j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

static void swap(uint32_t *v, uint32_t i, uint32_t j)
{
    uint32_t t = v[i];
    v[i] = v[j];
    v[j] = t;
}

static void quicksort(uint32_t *v, uint32_t n)
{
    while (n > SORT_SMALL) {
        uint32_t mid = n / 2;
        uint32_t last = n - 1;

        /* Median of three into v[mid]; v[0] <= pivot <= v[last] act as sentinels. */
        if (v[mid] < v[0])
            swap(v, mid, 0);
        if (v[last] < v[0])
            swap(v, last, 0);
        if (v[last] < v[mid])
            swap(v, last, mid);
        uint32_t pivot = v[mid];

        /* Hoare partition. */
        uint32_t i = 0, j = last;
        for (;;) {
            do
                i++;
            while (v[i] < pivot);
            do
                j--;
            while (v[j] > pivot);
            if (i >= j)
                break;
            swap(v, i, j);
        }
        /* [0, j] <= pivot <= [j + 1, n). Recurse into the smaller part, loop on the larger. */
        uint32_t left = j + 1;
        if (left < n - left) {
            quicksort(v, left);
            v += left;
            n -= left;
        } else {
            quicksort(v + left, n - left);
            n = left;
        }
    }
    insertion_sort(v, n);
}

uint64_t run(void)
{
    uint32_t x = 2463534242u;
    uint64_t hash = 0;

    /* xorshift32, fixed seed. */
    for (uint32_t i = 0; i < SORT_N; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data[i] = x;
    }
    quicksort(data, SORT_N);
    for (uint32_t i = 0; i < SORT_N; i++) {
        if (i > 0 && data[i - 1] > data[i])
            return 0; /* not sorted: a checksum no correct run can produce */
        hash = (hash ^ data[i]) * 0x100000001b3u;
    }
    return hash;
}
