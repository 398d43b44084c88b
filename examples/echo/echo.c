/* echo: the output is the input, byte for byte. Binary-safe: any bytes, including NUL and
 * invalid UTF-8, come back unchanged (`outlayer run --json` reports such output as
 * "output_base64"). The smallest useful job and a template for new ones. */
#include "outlayer.h"

int main(void)
{
    size_t len;
    const uint8_t *in = ol_input(&len);
    ol_output(in, len);
    return 0;
}
