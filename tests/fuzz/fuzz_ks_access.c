/* Fuzz target: the access-condition parser (JSON shapes, PCRE2 compilation with limits, depth
 * and size bounds), then evaluation for a few callers and the canonical round trip: the
 * canonical text of a parsed tree must parse again to the same hash. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ol/keystore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    static bool init;
    if (!init) {
        if (ol_ks_init(NULL) != OL_OK)
            abort();
        init = true;
    }
    ol_ks_access *a = NULL;
    ol_diag d = {0};
    if (ol_ks_access_parse((const char *)data, size, OL_KS_ACCESS_ALLOW_CHAIN, &a, &d) != OL_OK)
        return 0;
    static const char *const callers[] = {"alice.near", "bob.near", "ab", "x.y.z.near",
                                          "0123456789abcdef0123456789abcdef0123456789abcdef01234567"
                                          "89abcdef"};
    for (size_t i = 0; i < sizeof callers / sizeof callers[0]; i++) {
        bool ok = false;
        ol_err rc = ol_ks_access_eval(a, callers[i], &ok, NULL);
        if (rc != OL_OK && rc != OL_E_UNSUPPORTED && rc != OL_E_LIMIT)
            abort();
    }
    char *canon = NULL;
    size_t n = 0;
    uint8_t h1[32], h2[32];
    if (ol_ks_access_canonical(a, &canon, &n, NULL) == OL_OK &&
        ol_ks_access_hash(a, h1, NULL) == OL_OK) {
        ol_ks_access *b = NULL;
        if (ol_ks_access_parse(canon, n, OL_KS_ACCESS_ALLOW_CHAIN, &b, NULL) != OL_OK)
            abort();
        if (ol_ks_access_hash(b, h2, NULL) != OL_OK || memcmp(h1, h2, 32) != 0)
            abort();
        ol_ks_access_free(b);
    }
    free(canon);
    ol_ks_access_free(a);
    return 0;
}
