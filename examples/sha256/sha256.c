/* sha256: the SHA-256 of the input as 64 lowercase hex digits and a newline, the same line
 * `sha256sum` prints before its file name. The input is hashed as it streams in, so its size is
 * not limited by memory. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "outlayer.h"

int main(void)
{
    static uint8_t chunk[64 * 1024];
    ol_sha256_ctx c;
    ol_sha256_init(&c);
    for (;;) {
        ssize_t n = read(STDIN_FILENO, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            ol_fail("sha256: reading input: %s", strerror(errno));
        }
        if (n == 0)
            break;
        ol_sha256_update(&c, chunk, (size_t)n);
    }
    uint8_t digest[OL_SHA256_LEN];
    char hex[2 * OL_SHA256_LEN + 2];
    ol_sha256_final(&c, digest);
    ol_hex(digest, sizeof digest, hex);
    hex[2 * OL_SHA256_LEN] = '\n';
    ol_output(hex, sizeof hex - 1);
    return 0;
}
