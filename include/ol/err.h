/* One error list for the whole project, and a diagnostic that remembers where an error started. */
#ifndef OL_ERR_H
#define OL_ERR_H

#include <stddef.h>

/* X(name, value, message). Values are stable: they may be stored and compared. */
#define OL_ERR_MAP(X)                         \
    X(OK, 0, "success")                       \
    X(E_NOMEM, -1, "out of memory")           \
    X(E_INVAL, -2, "invalid argument")        \
    X(E_RANGE, -3, "value out of range")      \
    X(E_NOTFOUND, -4, "not found")            \
    X(E_EXISTS, -5, "already exists")         \
    X(E_IO, -6, "input/output error")         \
    X(E_LIMIT, -7, "limit exceeded")          \
    X(E_MALFORMED, -8, "malformed input")     \
    X(E_INVALID_MODULE, -9, "invalid module") \
    X(E_UNLINKABLE, -10, "unlinkable module") \
    X(E_TRAP, -11, "wasm trap")               \
    X(E_UNSUPPORTED, -12, "unsupported")      \
    X(E_STATE, -13, "invalid state")          \
    X(E_INTERNAL, -14, "internal error")

typedef enum ol_err {
#define OL_ERR_ENUM(name, val, msg) OL_##name = (val),
    OL_ERR_MAP(OL_ERR_ENUM)
#undef OL_ERR_ENUM
} ol_err;

/* Static strings; unknown codes give "unknown error" / "E_UNKNOWN". */
const char *ol_strerror(ol_err e);
const char *ol_err_name(ol_err e);

/* Where an error started (SQLite's *_BKPT idea). All fields are plain values; a zeroed struct
 * means "no error recorded". */
typedef struct ol_diag {
    ol_err code;
    const char *file; /* static string: __FILE__ of the failing site */
    int line;
    char msg[256];
} ol_diag;

/* The one place to put a breakpoint. `d` may be NULL. Messages longer than msg are truncated. */
void ol__diag_set(ol_diag *d, ol_err code, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Records the error in `d` and evaluates to `code`: `return OL_FAIL(d, OL_E_INVAL, "x=%d", x);` */
#define OL_FAIL(d, code, ...) (ol__diag_set((d), (code), __FILE__, __LINE__, __VA_ARGS__), (code))

/* Clears a diagnostic (NULL allowed). */
void ol_diag_clear(ol_diag *d);

#define OL_LIKELY(x)   __builtin_expect(!!(x), 1)
#define OL_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Cannot-happen branches that release builds still handle (SQLite's ALWAYS/NEVER). */
#ifdef NDEBUG
#define OL_ALWAYS(x) (x)
#define OL_NEVER(x)  (x)
#define OL_ASSERT(x) ((void)0)
#else
#include <assert.h>
#define OL_ALWAYS(x) ((x) ? 1 : (assert(0), 0))
#define OL_NEVER(x)  ((x) ? (assert(0), 1) : 0)
#define OL_ASSERT(x) assert(x)
#endif

/* Programmer errors in daemons only; never reachable from untrusted input. */
_Noreturn void ol_panic_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define ol_panic(...) ol_panic_at(__FILE__, __LINE__, __VA_ARGS__)

#endif
