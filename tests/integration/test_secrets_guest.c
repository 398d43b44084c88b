/* Guest for the secrets test (built with clang-14 for wasm32-wasi). Ignores its input and prints
 * its whole environment as {"env":{"NAME":"<value reversed>",...}}.
 *
 * Reversed, because a run's output is stored with the call (it is part of the evidence): a guest
 * that printed a secret verbatim would put it into the database by its own choice, and the test
 * could no longer check that the platform itself never stores or logs a plaintext secret. The
 * reversed value proves the secret arrived; the value itself stays out of every file. */
#include <stdio.h>
#include <string.h>

extern char **environ;

static void put_escaped(char c)
{
    if (c == '"' || c == '\\')
        printf("\\%c", c);
    else if ((unsigned char)c < 0x20)
        printf("\\u%04x", (unsigned char)c);
    else
        putchar(c);
}

int main(void)
{
    printf("{\"env\":{");
    for (char **e = environ; *e != NULL; e++) {
        const char *eq = strchr(*e, '=');
        if (eq == NULL)
            continue;
        if (e != environ)
            putchar(',');
        putchar('"');
        for (const char *p = *e; p < eq; p++)
            put_escaped(*p);
        printf("\":\"");
        for (const char *p = *e + strlen(*e); p > eq + 1; p--)
            put_escaped(p[-1]);
        putchar('"');
    }
    printf("}}");
    return 0;
}
