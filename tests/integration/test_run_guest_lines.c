/* Guest for the differential test: formatted output through stdio (buffering, integers,
 * floats, puts, a large write) and a little on stderr. */
#include <stdio.h>
#include <string.h>

int main(void)
{
    double x = 1.0;
    for (int i = 0; i < 200; i++) {
        printf("%4d %-8s %.6f %e %x\n", i, i % 2 ? "odd" : "even", x, x * 1e10,
               (unsigned)i * 2654435761u);
        x = x * 1.0001 + 0.5;
    }
    puts("a line from puts");
    static char block[70000];
    memset(block, 'z', sizeof block - 1);
    fputs(block, stdout);
    putchar('\n');
    fprintf(stderr, "done\n");
    return 0;
}
