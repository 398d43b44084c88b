#include "ol/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void stderr_sink(void *ud, ol_log_level level, const char *msg)
{
    (void)ud;
    struct timespec ts;
    struct tm tm;
    char when[32];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(stderr, "ts=%s.%03ldZ level=%s %s\n", when, ts.tv_nsec / 1000000L,
            ol_log_level_name(level), msg);
}

/* Configured once at startup before threads; the level is read concurrently, hence atomic. */
static ol_log_sink sink_fn = stderr_sink;
static void *sink_ud;
static _Atomic int current_level = OL_LOG_INFO;

void ol_log_set_sink(ol_log_sink fn, void *ud)
{
    sink_fn = fn != NULL ? fn : stderr_sink;
    sink_ud = fn != NULL ? ud : NULL;
}

void ol_log_set_level(ol_log_level level)
{
    atomic_store(&current_level, (int)level);
}

ol_log_level ol_log_get_level(void)
{
    return (ol_log_level)atomic_load_explicit(&current_level, memory_order_relaxed);
}

const char *ol_log_level_name(ol_log_level level)
{
    switch (level) {
    case OL_LOG_ERROR:
        return "error";
    case OL_LOG_WARN:
        return "warn";
    case OL_LOG_INFO:
        return "info";
    case OL_LOG_DEBUG:
        return "debug";
    }
    return "unknown";
}

bool ol_log_level_parse(const char *s, ol_log_level *out)
{
    for (int l = OL_LOG_ERROR; l <= OL_LOG_DEBUG; l++) {
        if (s != NULL && strcmp(s, ol_log_level_name((ol_log_level)l)) == 0) {
            if (out != NULL)
                *out = (ol_log_level)l;
            return true;
        }
    }
    return false;
}

void ol_log_write(ol_log_level level, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    sink_fn(sink_ud, level, buf);
}
