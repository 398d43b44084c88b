/* Logging through a sink. Library modules never print; they call OL_LOG, which tests the level
 * before evaluating its arguments. The default sink writes one logfmt line to stderr. */
#ifndef OL_LOG_H
#define OL_LOG_H

#include <stdbool.h>

typedef enum ol_log_level {
    OL_LOG_ERROR = 0,
    OL_LOG_WARN = 1,
    OL_LOG_INFO = 2,
    OL_LOG_DEBUG = 3,
} ol_log_level;

/* `msg` is a complete message without a trailing newline; borrowed for the call only. */
typedef void (*ol_log_sink)(void *ud, ol_log_level level, const char *msg);

/* Set once at startup, before threads start. fn == NULL restores the default stderr sink. */
void ol_log_set_sink(ol_log_sink fn, void *ud);
void ol_log_set_level(ol_log_level level);
ol_log_level ol_log_get_level(void);
const char *ol_log_level_name(ol_log_level level);
/* "error", "warn", "info" or "debug" -> the level in *out (out may be NULL); false otherwise. */
bool ol_log_level_parse(const char *s, ol_log_level *out);

void ol_log_write(ol_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define OL_LOG(level, ...)                      \
    do {                                        \
        if ((level) <= ol_log_get_level())      \
            ol_log_write((level), __VA_ARGS__); \
    } while (0)

#endif
