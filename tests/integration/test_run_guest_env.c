/* Guest for `outlayer run` tests: prints argc, every argv entry and every environment entry, in
 * order, one per line; and getenv("OUTLAYER_TEST") when set. */
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

int main(int argc, char **argv)
{
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    for (char **e = environ; *e != NULL; e++)
        printf("env %s\n", *e);
    const char *v = getenv("OUTLAYER_TEST");
    if (v != NULL)
        printf("OUTLAYER_TEST is %s\n", v);
    return 0;
}
