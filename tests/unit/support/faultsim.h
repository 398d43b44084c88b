/* Fault injection for unit tests (conventions item 20): SQLite's faultsim countdown on top of
 * ol_alloc_counter. Fails allocation N of an operation for N = 0, 1, 2, ... and checks after every
 * run that the operation reported OL_E_NOMEM (or coped) and freed everything. */
#ifndef OL_TEST_FAULTSIM_H
#define OL_TEST_FAULTSIM_H

#include "ol/alloc.h"
#include "ol/err.h"

/* The operation under test. It allocates only through `a`, and frees everything it allocated
 * before returning, whatever its result. */
typedef ol_err (*ol_test_fault_fn)(const ol_allocator *a, void *ud);

/* Runs fn with allocation number n (0-based) failing, for n = 0, 1, 2, ..., until a run makes
 * no more than n allocations (so no failure was injected); that run must return OL_OK. A run
 * that did hit the injected failure must return OL_OK or OL_E_NOMEM. After every run, live bytes
 * must be 0. Any violation, or needing more than max_runs runs, fails the current cmocka test.
 * Returns the number of allocations the final, undisturbed run made. */
long ol_test_fault_loop(ol_test_fault_fn fn, void *ud, long max_runs);

#endif
