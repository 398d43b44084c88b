/* Fuzz target: malformed sealed blobs (ECIES v1 framing, then X25519 + HKDF + ChaCha20-Poly1305
 * open with a fixed master). The first input byte picks the seed, so the target also exercises
 * the seed derivation; an input that happens to be a valid ciphertext for that seed must open
 * to its exact plaintext length. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ol/keystore.h"

static ol_ks *ks;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (ks == NULL) {
        static const uint8_t master[32] = {7};
        if (ol_ks_init(NULL) != OL_OK || ol_ks_new(master, &ks, NULL) != OL_OK)
            abort();
    }
    static const char *const seeds[] = {"project:alice.near/app:alice.near",
                                        "wasm_hash:00:bob.near", "github.com/o/r:carol.near:main"};
    const char *seed = seeds[size > 0 ? data[0] % 3 : 0];
    ol_ks_sealed sd;
    ol_err prc = ol_ks_sealed_parse(data, size, &sd, NULL);
    uint8_t *pt = NULL;
    size_t pt_len = 0;
    ol_diag d = {0};
    ol_err rc = ol_ks_open(ks, seed, strlen(seed), data, size, &pt, &pt_len, &d);
    if (prc != OL_OK && rc == OL_OK)
        abort(); /* opened something the framing check refuses */
    if (rc == OL_OK) {
        if (pt_len != size - OL_KS_OVERHEAD || pt[pt_len] != 0)
            abort();
        ol_ks_wipe_free(pt, pt_len + 1);
    }
    return 0;
}
