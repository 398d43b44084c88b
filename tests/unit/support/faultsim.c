/* The fault-injection loop of faultsim.h. Each run gets a fresh counter, so a leak in one run
 * cannot hide behind a later one. */
#include "faultsim.h"

#include "test.h"

long ol_test_fault_loop(ol_test_fault_fn fn, void *ud, long max_runs)
{
    for (long n = 0; n < max_runs; n++) {
        ol_alloc_counter c;
        ol_allocator a = ol_alloc_counter_init(&c, NULL);
        c.fail_countdown = n;
        ol_err rc = fn(&a, ud);
        if (c.live != 0)
            fail_msg("fault run %ld (%s): %zu bytes still allocated", n, ol_err_name(rc), c.live);
        if (c.fail_countdown >= 0) {
            /* The failure was never reached: this was a normal run. */
            if (rc != OL_OK)
                fail_msg("undisturbed run returned %s", ol_err_name(rc));
            return n - c.fail_countdown;
        }
        if (rc != OL_OK && rc != OL_E_NOMEM)
            fail_msg("allocation %ld failed and the operation returned %s, not E_NOMEM", n,
                     ol_err_name(rc));
    }
    fail_msg("operation still allocating after %ld fault runs", max_runs);
    return -1;
}
