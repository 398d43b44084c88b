/* json-stats: count, sum, mean, min and max of a list of numbers.
 *
 *   input   {"numbers": [3, 1.5, -2]}   or the bare array   [3, 1.5, -2]
 *   output  {"count":3,"sum":2.5,"mean":0.8333333333333334,"min":-2,"max":3}
 *
 * Exactness: when every number is an integer literal (no fraction or exponent) the sum is
 * computed in 64-bit integers and printed exactly, as are min and max; otherwise the sum is a
 * compensated (Neumaier) double sum in input order, which is exact whenever the exact sum is
 * representable. Doubles print in their shortest round-trip form. mean = sum / count. For an
 * empty list count and sum are 0 and mean, min and max are null. Anything else (malformed JSON,
 * a missing "numbers", a non-number element, a sum beyond the double range) fails with a message
 * naming the problem. */
#include <math.h>

#include "outlayer.h"

/* a < b, exactly when both are integers. */
static bool less(const ol_json *a, const ol_json *b)
{
    if (a->is_int && b->is_int)
        return a->integer < b->integer;
    return a->number < b->number;
}

static void write_number(ol_json_writer *w, const ol_json *v)
{
    if (v->is_int)
        ol_jw_int(w, v->integer);
    else
        ol_jw_double(w, v->number);
}

int main(void)
{
    const ol_json *in = ol_input_json();
    const ol_json *list = in;
    if (in->type == OL_JSON_OBJECT) {
        list = ol_json_get(in, "numbers");
        if (list == NULL)
            ol_fail("json-stats: the input object has no \"numbers\" member "
                    "(input: {\"numbers\": [1, 2, 3]} or [1, 2, 3])");
        if (list->type != OL_JSON_ARRAY)
            ol_fail("json-stats: \"numbers\": expected an array, found %s",
                    ol_json_type_name(list->type));
    } else if (in->type != OL_JSON_ARRAY) {
        ol_fail("json-stats: expected an array of numbers or {\"numbers\": [...]}, found %s",
                ol_json_type_name(in->type));
    }

    const ol_json *min = NULL, *max = NULL;
    bool all_int = true;
    int64_t isum = 0;
    double sum = 0, comp = 0; /* Neumaier: sum + comp is the running total */
    size_t i = 0;
    for (const ol_json *e = list->child; e != NULL; e = e->next, i++) {
        if (e->type != OL_JSON_NUMBER)
            ol_fail("json-stats: element %zu: expected a number, found %s", i,
                    ol_json_type_name(e->type));
        if (min == NULL || less(e, min))
            min = e;
        if (max == NULL || less(max, e))
            max = e;
        if (all_int && (!e->is_int || __builtin_add_overflow(isum, e->integer, &isum)))
            all_int = false;
        double t = sum + e->number;
        if (fabs(sum) >= fabs(e->number))
            comp += (sum - t) + e->number;
        else
            comp += (e->number - t) + sum;
        sum = t;
    }
    size_t count = list->count;
    double total = sum + comp;
    if (!all_int && !isfinite(total))
        ol_fail("json-stats: the sum overflows a double");

    ol_json_writer w;
    ol_jw_init(&w);
    ol_jw_object_begin(&w);
    ol_jw_key(&w, "count");
    ol_jw_uint(&w, count);
    ol_jw_key(&w, "sum");
    if (all_int)
        ol_jw_int(&w, isum);
    else
        ol_jw_double(&w, total);
    ol_jw_key(&w, "mean");
    if (count == 0)
        ol_jw_null(&w);
    else
        ol_jw_double(&w, (all_int ? (double)isum : total) / (double)count);
    ol_jw_key(&w, "min");
    if (min == NULL)
        ol_jw_null(&w);
    else
        write_number(&w, min);
    ol_jw_key(&w, "max");
    if (max == NULL)
        ol_jw_null(&w);
    else
        write_number(&w, max);
    ol_jw_object_end(&w);
    ol_jw_output(&w);
    return 0;
}
