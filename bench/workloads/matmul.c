/* Dense f64 matrix multiply, i-k-j loop order: f64 loads, mul, add and stores. */
#include <string.h>

#include "workload.h"

#ifndef MATMUL_N
#define MATMUL_N 200
#endif
#ifndef MATMUL_REPS
#define MATMUL_REPS 40
#endif

static double a[MATMUL_N][MATMUL_N];
static double b[MATMUL_N][MATMUL_N];
static double c[MATMUL_N][MATMUL_N];

static void init(void)
{
    /* Small values keep the sums well inside the f64 range; the divisions make them inexact, so
     * any difference in evaluation order or rounding shows in the checksum. */
    for (int i = 0; i < MATMUL_N; i++) {
        for (int j = 0; j < MATMUL_N; j++) {
            a[i][j] = (double)((i * 7 + j * 3) % 17 - 8) / 7.0;
            b[i][j] = (double)((i * 5 + j * 11) % 13 - 6) / 3.0;
        }
    }
}

static void multiply(void)
{
    for (int i = 0; i < MATMUL_N; i++) {
        for (int j = 0; j < MATMUL_N; j++)
            c[i][j] = 0.0;
        for (int k = 0; k < MATMUL_N; k++) {
            double aik = a[i][k];
            for (int j = 0; j < MATMUL_N; j++)
                c[i][j] += aik * b[k][j];
        }
    }
}

uint64_t run(void)
{
    uint64_t hash = 0;

    init();
    for (int r = 0; r < MATMUL_REPS; r++) {
        multiply();
        /* Hash the exact bits of every element: a plain sum would hide rounding differences. */
        for (int i = 0; i < MATMUL_N; i++) {
            for (int j = 0; j < MATMUL_N; j++) {
                uint64_t bits;
                memcpy(&bits, &c[i][j], sizeof bits);
                hash = (hash ^ bits) * 0x100000001b3u;
            }
        }
        /* Feed a result back so each repetition multiplies a different matrix. */
        a[r % MATMUL_N][(r * 7) % MATMUL_N] += c[(r * 3) % MATMUL_N][r % MATMUL_N] / 64.0;
    }
    return hash;
}
