/* Guest for `outlayer run` tests: 160 MiB of static data, so its initial memory exceeds the
 * default 128 MiB limit. */
#include <stdio.h>

static char big[160 << 20];

int main(void)
{
    /* Reached through a volatile index so that the array cannot be optimised away. */
    volatile size_t at = sizeof big - 1;
    big[at] = 'x';
    printf("touched %c\n", big[at]);
    return 0;
}
