/* Guest for `outlayer run` tests, driven by its input:
 *   a decimal number N  prints "exiting with N" on stdout and "bye" on stderr, then exit(N)
 *   "trap"              traps (unreachable)
 *   "spin"              loops forever (fuel and timeout limits)
 *   "sleep"             sleeps 30 s (the timeout wakes it)
 *   "oom"               allocates until malloc fails, then exits 42
 *   "binary"            writes bytes that are not UTF-8, and invalid UTF-8 on stderr */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    char in[64] = {0};
    size_t n = fread(in, 1, sizeof in - 1, stdin);
    in[n] = '\0';
    if (strcmp(in, "trap") == 0)
        __builtin_trap();
    if (strcmp(in, "spin") == 0) {
        for (volatile unsigned i = 0;; i++)
            ;
    }
    if (strcmp(in, "sleep") == 0) {
        sleep(30);
        return 0;
    }
    if (strcmp(in, "oom") == 0) {
        /* A linked list through a volatile head: the allocations cannot be optimised away. */
        static void *volatile head;
        for (;;) {
            void **p = malloc(1 << 20);
            if (p == NULL)
                return 42;
            *p = head;
            head = p;
        }
    }
    if (strcmp(in, "binary") == 0) {
        static const unsigned char out[] = {0xff, 0xfe, 'a', 0x00, 0xc3, 0x28};
        fwrite(out, 1, sizeof out, stdout);
        fputs("bad \xc3\x28 utf-8", stderr);
        return 0;
    }
    unsigned long code = strtoul(in, NULL, 10);
    printf("exiting with %lu\n", code);
    fprintf(stderr, "bye\n");
    exit((int)code);
}
