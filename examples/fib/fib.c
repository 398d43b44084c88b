/* fib: the n-th Fibonacci number by naive recursion, a compute-heavy job for fuel
 * demonstrations: the work, and so the instruction count, grows about 1.6 times per step of n.
 *
 *   input   25   or   {"n": 25}      (0 <= n <= 93: fib(93) is the last that fits 64 bits)
 *   output  {"n":25,"fib":75025}
 *
 * fib(30) takes about 3 * 10^7 instructions; from n = 43 on the default limit of 10^10 is
 * exceeded. Lower it with `outlayer run --max-instructions N` to see a run stop with status
 * out_of_fuel. */
#include "outlayer.h"

#define MAX_N 93

static uint64_t fib(uint32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int main(void)
{
    const ol_json *in = ol_input_json();
    const ol_json *nv = in->type == OL_JSON_OBJECT ? ol_json_get(in, "n") : in;
    int64_t n;
    if (nv == NULL)
        ol_fail("fib: missing \"n\" (input: 25 or {\"n\": 25})");
    if (!ol_json_int(nv, &n))
        ol_fail("fib: n: expected an integer, found %s",
                nv->type == OL_JSON_NUMBER ? "a fraction" : ol_json_type_name(nv->type));
    if (n < 0 || n > MAX_N)
        ol_fail("fib: n must be in 0..%d, not %lld", MAX_N, (long long)n);

    ol_json_writer w;
    ol_jw_init(&w);
    ol_jw_object_begin(&w);
    ol_jw_key(&w, "n");
    ol_jw_int(&w, n);
    ol_jw_key(&w, "fib");
    ol_jw_uint(&w, fib((uint32_t)n));
    ol_jw_object_end(&w);
    ol_jw_output(&w);
    return 0;
}
