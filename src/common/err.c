#include "ol/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ol_strerror(ol_err e)
{
    switch (e) {
#define OL_ERR_MSG(name, val, msg) \
    case OL_##name:                \
        return msg;
        OL_ERR_MAP(OL_ERR_MSG)
#undef OL_ERR_MSG
    }
    return "unknown error";
}

const char *ol_err_name(ol_err e)
{
    switch (e) {
#define OL_ERR_NAME(name, val, msg) \
    case OL_##name:                 \
        return #name;
        OL_ERR_MAP(OL_ERR_NAME)
#undef OL_ERR_NAME
    }
    return "E_UNKNOWN";
}

void ol__diag_set(ol_diag *d, ol_err code, const char *file, int line, const char *fmt, ...)
{
    if (d == NULL)
        return;
    d->code = code;
    d->file = file;
    d->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
}

void ol_diag_clear(ol_diag *d)
{
    if (d != NULL)
        memset(d, 0, sizeof *d);
}

_Noreturn void ol_panic_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "panic at %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}
