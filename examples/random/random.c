/* random: uniformly distributed random integers in a range, like the reference's random-ark.
 *
 *   input   {"min": 1, "max": 100}                 (integers, min <= max, both included)
 *           {"min": 1, "max": 100, "count": 5}     (count: 1..1000 numbers)
 *   output  {"random_number": 42}
 *           {"random_numbers": [42, 7, 99, 1, 63]} (when count is given)
 *
 * The bytes come from WASI random_get, so `outlayer run --seed HEX` makes the output
 * reproducible and --record/--replay let anyone re-check a live run. */
#include "outlayer.h"

#define MAX_COUNT 1000

/* The integer member `name` of the input object, or a clear error. */
static int64_t int_field(const ol_json *in, const char *name)
{
    const ol_json *v = ol_json_get(in, name);
    int64_t x;
    if (v == NULL)
        ol_fail("random: missing \"%s\" (input: {\"min\": 1, \"max\": 100})", name);
    if (!ol_json_int(v, &x))
        ol_fail("random: \"%s\": expected an integer, found %s", name,
                v->type == OL_JSON_NUMBER ? "a fraction or a number out of range"
                                          : ol_json_type_name(v->type));
    return x;
}

int main(void)
{
    const ol_json *in = ol_input_json();
    if (in->type != OL_JSON_OBJECT)
        ol_fail("random: expected an object like {\"min\": 1, \"max\": 100}, found %s",
                ol_json_type_name(in->type));
    int64_t min = int_field(in, "min");
    int64_t max = int_field(in, "max");
    if (min > max)
        ol_fail("random: min (%lld) is above max (%lld)", (long long)min, (long long)max);
    bool many = ol_json_get(in, "count") != NULL;
    int64_t count = many ? int_field(in, "count") : 1;
    if (count < 1 || count > MAX_COUNT)
        ol_fail("random: \"count\" must be in 1..%d, not %lld", MAX_COUNT, (long long)count);

    ol_json_writer w;
    ol_jw_init(&w);
    ol_jw_object_begin(&w);
    if (many) {
        ol_jw_key(&w, "random_numbers");
        ol_jw_array_begin(&w);
        for (int64_t i = 0; i < count; i++)
            ol_jw_int(&w, ol_random_range(min, max));
        ol_jw_array_end(&w);
    } else {
        ol_jw_key(&w, "random_number");
        ol_jw_int(&w, ol_random_range(min, max));
    }
    ol_jw_object_end(&w);
    ol_jw_output(&w);
    return 0;
}
