/* Guest for the platform tests (built with clang-14 for wasm32-wasi). The input JSON picks a
 * behaviour by its first key:
 *   {"spin": N}      N rounds of a hash loop, then {"spin":N,"h":H} (slow runs for kill tests)
 *   {"exit": N}      prints {"exit":N} and exits with code N
 *   {"trap": 1}      traps (unreachable)
 *   {"text": 1}      prints text that is not JSON
 *   {"env": "NAME"}  prints {"NAME":"<value>"} (null when unset)
 *   {"random": 1}    prints 8 random bytes and a clock reading (exercises the transcript)
 *   {"big": N}       prints a JSON string of N bytes (output limits)
 *   anything else    echoes the input unchanged
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char in[1 << 16];

static long long num_after(const char *key)
{
    const char *p = strstr(in, key);
    return p != NULL ? atoll(p + strlen(key)) : 0;
}

int main(void)
{
    size_t n = fread(in, 1, sizeof in - 1, stdin);
    in[n] = '\0';
    if (strncmp(in, "{\"spin\":", 8) == 0) {
        long long rounds = num_after("{\"spin\":");
        unsigned h = 2166136261u;
        for (long long i = 0; i < rounds; i++)
            h = (h ^ (unsigned)i) * 16777619u;
        printf("{\"spin\":%lld,\"h\":%u}", rounds, h);
    } else if (strncmp(in, "{\"exit\":", 8) == 0) {
        int code = (int)num_after("{\"exit\":");
        printf("{\"exit\":%d}", code);
        fflush(stdout);
        exit(code);
    } else if (strncmp(in, "{\"trap\":", 8) == 0) {
        __builtin_trap();
    } else if (strncmp(in, "{\"text\":", 8) == 0) {
        printf("this is not JSON");
    } else if (strncmp(in, "{\"env\":\"", 8) == 0) {
        char name[128];
        size_t k = 0;
        for (const char *p = in + 8; *p != '"' && *p != '\0' && k < sizeof name - 1; p++)
            name[k++] = *p;
        name[k] = '\0';
        const char *v = getenv(name);
        if (v == NULL)
            printf("{\"%s\":null}", name);
        else
            printf("{\"%s\":\"%s\"}", name, v);
    } else if (strncmp(in, "{\"random\":", 10) == 0) {
        unsigned char r[8];
        struct timespec ts;
        if (getentropy(r, sizeof r) != 0)
            return 1;
        clock_gettime(CLOCK_REALTIME, &ts);
        printf("{\"random\":\"");
        for (size_t i = 0; i < sizeof r; i++)
            printf("%02x", r[i]);
        printf("\",\"sec\":%lld}", (long long)ts.tv_sec);
    } else if (strncmp(in, "{\"big\":", 7) == 0) {
        long long len = num_after("{\"big\":");
        putchar('"');
        for (long long i = 0; i < len; i++)
            putchar('x');
        putchar('"');
    } else {
        fwrite(in, 1, n, stdout);
    }
    return 0;
}
