/* Fuzz target: the borsh readers of src/near on arbitrary bytes — Transaction /
 * SignedTransaction (ol_near_tx_decode_any), SignedDelegateAction, DelegateAction, AccessKey.
 *
 * Invariants checked beyond "no crash, no read past the input":
 *   - a failure is OL_E_MALFORMED, OL_E_UNSUPPORTED, OL_E_LIMIT or OL_E_NOMEM, and the diagnostic
 *     carries that code and a message; the output is untouched;
 *   - whatever decodes re-encodes to exactly the input bytes (borsh is canonical, and the
 *     encoders accept everything the decoders produce);
 *   - a decoded transaction prints as JSON, and its actions printed in the `--actions` form parse
 *     back to the same borsh;
 *   - every byte the arena took goes back (live bytes return to 0). */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ol/near.h"

static void check_failure(ol_err rc, const ol_diag *d)
{
    bool expected =
        rc == OL_E_MALFORMED || rc == OL_E_UNSUPPORTED || rc == OL_E_LIMIT || rc == OL_E_NOMEM;
    if (!expected || d->code != rc || d->msg[0] == '\0')
        abort();
}

static void check_same(const ol_near_buf *b, ol_err rc, const uint8_t *data, size_t size)
{
    if (rc != OL_OK || b->len != size || (size > 0 && memcmp(b->p, data, size) != 0))
        abort();
}

/* Actions -> JSON -> actions -> borsh must equal actions -> borsh. */
static void check_json_round_trip(const ol_near_action *acts, size_t n, ol_near_arena *ar)
{
    const char *json = NULL;
    if (ol_near_actions_to_json(acts, n, ar, &json, NULL) != OL_OK)
        abort();
    const ol_near_action *back = NULL;
    size_t nb = 0;
    if (ol_near_actions_from_json(json, strlen(json), ar, &back, &nb, NULL) != OL_OK || nb != n)
        abort();
    ol_near_buf x, y;
    ol_near_buf_init(&x, NULL);
    ol_near_buf_init(&y, NULL);
    for (size_t i = 0; i < n; i++) {
        if (ol_near_action_encode(&acts[i], &x, NULL) != OL_OK ||
            ol_near_action_encode(&back[i], &y, NULL) != OL_OK)
            abort();
    }
    if (x.len != y.len || (x.len > 0 && memcmp(x.p, y.p, x.len) != 0))
        abort();
    ol_near_buf_fini(&x);
    ol_near_buf_fini(&y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ol_alloc_counter counter;
    ol_allocator a = ol_alloc_counter_init(&counter, NULL);
    ol_near_arena *ar = NULL;
    ol_diag d = {0};
    ol_near_buf b;
    if (ol_near_init(NULL) != OL_OK || ol_near_arena_new(&a, &ar, NULL) != OL_OK)
        abort();
    ol_near_buf_init(&b, NULL);

    /* Transaction or SignedTransaction. */
    ol_near_signed_tx stx;
    bool is_signed = false;
    memset(&stx, 0xa5, sizeof stx);
    ol_err rc = ol_near_tx_decode_any(data, size, ar, &stx, &is_signed, &d);
    if (rc != OL_OK) {
        check_failure(rc, &d);
        if (stx.tx.n_actions != (size_t)0xa5a5a5a5a5a5a5a5ull)
            abort();
    } else {
        rc = is_signed ? ol_near_signed_tx_encode(&stx, &b, NULL)
                       : ol_near_tx_encode(&stx.tx, &b, NULL);
        check_same(&b, rc, data, size);
        const char *json = NULL;
        if (ol_near_tx_to_json(&stx.tx, is_signed ? &stx.signature : NULL, ar, &json, NULL) !=
            OL_OK)
            abort();
        check_json_round_trip(stx.tx.actions, stx.tx.n_actions, ar);
        (void)ol_near_signed_tx_verify(&stx, NULL, NULL);
    }

    /* SignedDelegateAction and DelegateAction. */
    ol_near_signed_delegate sd;
    rc = ol_near_signed_delegate_decode(data, size, ar, &sd, &d);
    if (rc != OL_OK) {
        check_failure(rc, &d);
    } else {
        ol_near_buf_reset(&b);
        check_same(&b, ol_near_signed_delegate_encode(&sd, &b, NULL), data, size);
        check_json_round_trip(sd.delegate_action.actions, sd.delegate_action.n_actions, ar);
        (void)ol_near_signed_delegate_verify(&sd, NULL, NULL);
    }
    ol_near_delegate_action da;
    rc = ol_near_delegate_decode(data, size, ar, &da, &d);
    if (rc != OL_OK) {
        check_failure(rc, &d);
    } else {
        ol_near_buf_reset(&b);
        check_same(&b, ol_near_delegate_encode(&da, &b, NULL), data, size);
    }

    /* AccessKey. */
    ol_near_access_key ak;
    rc = ol_near_access_key_decode(data, size, ar, &ak, &d);
    if (rc != OL_OK) {
        check_failure(rc, &d);
    } else {
        ol_near_buf_reset(&b);
        check_same(&b, ol_near_access_key_encode(&ak, &b, NULL), data, size);
    }

    ol_near_buf_fini(&b);
    ol_near_arena_free(ar);
    if (counter.live != 0)
        abort();
    return 0;
}
