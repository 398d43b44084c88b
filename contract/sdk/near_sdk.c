/* The contract SDK (near_sdk.h): memory, panics and logs, registers, u128, storage, JSON reading
 * and writing, events, promises and yield/resume, over the host functions of near.h. No libc:
 * compiled freestanding for wasm32. */
#include "near_sdk.h"

/* ================================ memory ================================ */

/* LLVM never turns the loops below into calls to the functions they implement: its loop-idiom
 * pass skips functions named memcpy/memset/memmove. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    for (size_t i = 0; i < n; i++)
        d[i] = s[i];
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    } else {
        for (size_t i = n; i > 0; i--)
            d[i - 1] = s[i - 1];
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    for (size_t i = 0; i < n; i++)
        d[i] = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}

/* Set by wasm-ld: the first byte after the data and the stack. */
extern unsigned char __heap_base;

static uintptr_t heap_next;

#define WASM_PAGE ((uintptr_t)65536)

void *near_alloc(size_t n)
{
    if (heap_next == 0)
        heap_next = ((uintptr_t)&__heap_base + 15u) & ~(uintptr_t)15u;
    uintptr_t start = heap_next;
    /* n + 15 and start + n must stay below 2^32: the wasm32 address space. */
    if (n > UINT32_MAX - 16u || start > UINT32_MAX - 16u - n)
        near_panic("out of memory");
    uintptr_t end = start + ((n + 15u) & ~(uintptr_t)15u);
    uintptr_t have = (uintptr_t)__builtin_wasm_memory_size(0) * WASM_PAGE;
    if (end > have) {
        uintptr_t pages = (end - have + WASM_PAGE - 1) / WASM_PAGE;
        if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1)
            near_panic("out of memory");
    }
    heap_next = end;
    /* Each call runs in a fresh instance and this memory is never handed out twice, so it is
     * still as wasm created it: zero. */
    return (void *)start;
}

char *near_strndup(const void *p, size_t n)
{
    char *s = near_alloc(n + 1);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

size_t near_strlen(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0')
        n++;
    return n;
}

bool near_streq(const char *a, const char *b)
{
    size_t i = 0;
    for (; a[i] != '\0' && a[i] == b[i]; i++) {
    }
    return a[i] == b[i];
}

bool near_memeq(const void *a, size_t alen, const void *b, size_t blen)
{
    return alen == blen && memcmp(a, b, alen) == 0;
}

/* ============================ panics and logs ============================ */

_Noreturn void near_panic_n(const char *msg, size_t len)
{
    panic_utf8(len, NEAR_PTR(msg));
}

_Noreturn void near_panic(const char *msg)
{
    near_panic_n(msg, near_strlen(msg));
}

/* a ‖ b ‖ c (NULL parts skipped) in fresh memory. */
static const char *concat3(const char *a, const char *b, const char *c, size_t *len)
{
    const char *parts[3] = {a, b, c};
    size_t lens[3] = {0, 0, 0}, total = 0;
    for (int i = 0; i < 3; i++) {
        if (parts[i] != NULL)
            lens[i] = near_strlen(parts[i]);
        total += lens[i];
    }
    char *s = near_alloc(total + 1), *q = s;
    for (int i = 0; i < 3; i++) {
        memcpy(q, parts[i] != NULL ? parts[i] : "", lens[i]);
        q += lens[i];
    }
    *len = total;
    return s;
}

_Noreturn void near_panic3(const char *a, const char *b, const char *c)
{
    size_t len;
    const char *s = concat3(a, b, c, &len);
    near_panic_n(s, len);
}

void near_require(bool cond, const char *msg)
{
    if (!cond)
        near_panic(msg);
}

void near_log_n(const char *msg, size_t len)
{
    log_utf8(len, NEAR_PTR(msg));
}

void near_log(const char *msg)
{
    near_log_n(msg, near_strlen(msg));
}

void near_log3(const char *a, const char *b, const char *c)
{
    size_t len;
    const char *s = concat3(a, b, c, &len);
    near_log_n(s, len);
}

/* ===================== registers, input, return value ===================== */

uint8_t *near_register_read(uint64_t register_id, size_t *len)
{
    uint64_t n = register_len(register_id);
    if (n == UINT64_MAX)
        return NULL;
    if (n > UINT32_MAX - 32u)
        near_panic("register too large");
    uint8_t *p = near_alloc((size_t)n + 1);
    read_register(register_id, NEAR_PTR(p));
    if (len != NULL)
        *len = (size_t)n;
    return p;
}

static const uint8_t *input_bytes;
static size_t input_len;

const uint8_t *near_input(size_t *len)
{
    if (input_bytes == NULL) {
        input(NEAR_REG_ATOMIC);
        input_bytes = near_register_read(NEAR_REG_ATOMIC, &input_len);
        if (input_bytes == NULL) { /* no input at all: treat as empty */
            input_bytes = near_alloc(1);
            input_len = 0;
        }
    }
    if (len != NULL)
        *len = input_len;
    return input_bytes;
}

void near_return(const void *p, size_t len)
{
    value_return(len, NEAR_PTR(p));
}

void near_return_str(const char *s)
{
    near_return(s, near_strlen(s));
}

/* ================================ context ================================ */

static const char *account_from(void (*host)(uint64_t))
{
    host(NEAR_REG_ATOMIC);
    const char *s = (const char *)near_register_read(NEAR_REG_ATOMIC, NULL);
    if (s == NULL)
        near_panic("account id register not set");
    return s;
}

const char *near_current_account(void)
{
    static const char *cached;
    if (cached == NULL)
        cached = account_from(current_account_id);
    return cached;
}

const char *near_predecessor(void)
{
    static const char *cached;
    if (cached == NULL)
        cached = account_from(predecessor_account_id);
    return cached;
}

const char *near_signer(void)
{
    static const char *cached;
    if (cached == NULL)
        cached = account_from(signer_account_id);
    return cached;
}

static bool is_account_sep(char c)
{
    return c == '-' || c == '_' || c == '.';
}

bool near_account_id_valid(const char *s, size_t len)
{
    if (len < 2 || len > NEAR_ACCOUNT_ID_MAX)
        return false;
    bool prev_sep = true; /* no separator at the start */
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            prev_sep = false;
        } else if (is_account_sep(c)) {
            if (prev_sep)
                return false;
            prev_sep = true;
        } else {
            return false;
        }
    }
    return !prev_sep;
}

/* ================================== u128 ================================== */

near_u128 near_u128_from_u64(uint64_t v)
{
    near_u128 r = {v, 0};
    return r;
}

bool near_u128_is_zero(near_u128 a)
{
    return a.lo == 0 && a.hi == 0;
}

int near_u128_cmp(near_u128 a, near_u128 b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo)
        return a.lo < b.lo ? -1 : 1;
    return 0;
}

bool near_u128_add(near_u128 a, near_u128 b, near_u128 *out)
{
    near_u128 r;
    r.lo = a.lo + b.lo;
    uint64_t carry = r.lo < a.lo;
    r.hi = a.hi + b.hi;
    if (r.hi < a.hi || r.hi + carry < r.hi)
        return false;
    r.hi += carry;
    *out = r;
    return true;
}

bool near_u128_sub(near_u128 a, near_u128 b, near_u128 *out)
{
    if (near_u128_cmp(a, b) < 0)
        return false;
    near_u128 r;
    r.lo = a.lo - b.lo;
    r.hi = a.hi - b.hi - (a.lo < b.lo);
    *out = r;
    return true;
}

/* The full 128-bit product of two u64, from 32-bit halves (wasm has no 64x64->128 multiply,
 * and unsigned __int128 would pull in compiler-rt's __multi3). */
static void mul_64x64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    uint64_t a0 = a & 0xFFFFFFFFu, a1 = a >> 32, b0 = b & 0xFFFFFFFFu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xFFFFFFFFu) + (p10 & 0xFFFFFFFFu);
    *lo = (p00 & 0xFFFFFFFFu) | (mid << 32);
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

bool near_u128_mul_u64(near_u128 a, uint64_t b, near_u128 *out)
{
    uint64_t lo_hi, lo_lo, hi_hi, hi_lo;
    mul_64x64(a.lo, b, &lo_hi, &lo_lo);
    mul_64x64(a.hi, b, &hi_hi, &hi_lo);
    if (hi_hi != 0 || lo_hi + hi_lo < lo_hi)
        return false;
    out->lo = lo_lo;
    out->hi = lo_hi + hi_lo;
    return true;
}

near_u128 near_u128_divmod_u64(near_u128 a, uint64_t b, uint64_t *rem)
{
    if (b == 0)
        near_panic("u128 division by zero");
    near_u128 q = {0, 0};
    uint64_t r = 0;
    /* Schoolbook binary division. r < b always holds before the shift, so when the shift
     * carries out of 64 bits the true value is >= 2^64 > b and the wrapped r - b is exact. */
    for (int i = 127; i >= 0; i--) {
        uint64_t bit = i >= 64 ? (a.hi >> (i - 64)) & 1u : (a.lo >> i) & 1u;
        uint64_t top = r >> 63;
        r = (r << 1) | bit;
        if (top != 0 || r >= b) {
            r -= b;
            if (i >= 64)
                q.hi |= UINT64_C(1) << (i - 64);
            else
                q.lo |= UINT64_C(1) << i;
        }
    }
    if (rem != NULL)
        *rem = r;
    return q;
}

near_u128 near_u128_add_or_panic(near_u128 a, near_u128 b)
{
    near_u128 r;
    if (!near_u128_add(a, b, &r))
        near_panic("u128 overflow");
    return r;
}

near_u128 near_u128_sub_or_panic(near_u128 a, near_u128 b)
{
    near_u128 r;
    if (!near_u128_sub(a, b, &r))
        near_panic("u128 underflow");
    return r;
}

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void store_le64(uint64_t v, uint8_t *p)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

near_u128 near_u128_load(const uint8_t p[16])
{
    near_u128 r = {load_le64(p), load_le64(p + 8)};
    return r;
}

void near_u128_store(near_u128 v, uint8_t p[16])
{
    store_le64(v.lo, p);
    store_le64(v.hi, p + 8);
}

bool near_u128_parse(const char *s, size_t len, near_u128 *out)
{
    if (len == 0)
        return false;
    near_u128 v = {0, 0};
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        if (!near_u128_mul_u64(v, 10, &v) ||
            !near_u128_add(v, near_u128_from_u64((uint64_t)(s[i] - '0')), &v))
            return false;
    }
    *out = v;
    return true;
}

#define TEN19 UINT64_C(10000000000000000000)

size_t near_u128_format(near_u128 v, char *out)
{
    /* Base 10^19 limbs: at most three divisions instead of one per digit. */
    uint64_t limbs[3];
    int n = 0;
    do {
        v = near_u128_divmod_u64(v, TEN19, &limbs[n++]);
    } while (!near_u128_is_zero(v));
    size_t len = near_u64_format(limbs[n - 1], out);
    for (int i = n - 2; i >= 0; i--) {
        uint64_t x = limbs[i];
        for (int d = 18; d >= 0; d--) {
            out[len + (size_t)d] = (char)('0' + x % 10);
            x /= 10;
        }
        len += 19;
    }
    out[len] = '\0';
    return len;
}

size_t near_u64_format(uint64_t v, char *out)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return n;
}

bool near_u64_parse(const char *s, size_t len, uint64_t *out)
{
    near_u128 v;
    if (!near_u128_parse(s, len, &v) || v.hi != 0)
        return false;
    *out = v.lo;
    return true;
}

near_u128 near_attached_deposit(void)
{
    uint8_t b[16];
    attached_deposit(NEAR_PTR(b));
    return near_u128_load(b);
}

near_u128 near_account_balance(void)
{
    uint8_t b[16];
    account_balance(NEAR_PTR(b));
    return near_u128_load(b);
}

near_u128 near_account_locked_balance(void)
{
    uint8_t b[16];
    account_locked_balance(NEAR_PTR(b));
    return near_u128_load(b);
}

void near_assert_no_deposit(void)
{
    if (!near_u128_is_zero(near_attached_deposit()))
        near_panic("method is not payable");
}

void near_assert_one_yocto(void)
{
    if (near_u128_cmp(near_attached_deposit(), near_u128_from_u64(1)) != 0)
        near_panic("requires attached deposit of exactly 1 yoctoNEAR");
}

void near_assert_private(void)
{
    if (!near_streq(near_predecessor(), near_current_account()))
        near_panic("method is private");
}

near_u128 near_storage_cost(uint64_t bytes)
{
    near_u128 r;
    if (!near_u128_mul_u64(near_u128_from_u64(bytes), NEAR_STORAGE_BYTE_PRICE, &r))
        near_panic("u128 overflow");
    return r;
}

/* ================================ storage ================================ */

bool near_storage_write(const void *key, size_t key_len, const void *value, size_t value_len)
{
    return storage_write(key_len, NEAR_PTR(key), value_len, NEAR_PTR(value), NEAR_REG_EVICTED) == 1;
}

uint8_t *near_storage_read(const void *key, size_t key_len, size_t *value_len)
{
    if (storage_read(key_len, NEAR_PTR(key), NEAR_REG_ATOMIC) != 1)
        return NULL;
    return near_register_read(NEAR_REG_ATOMIC, value_len);
}

bool near_storage_remove(const void *key, size_t key_len)
{
    return storage_remove(key_len, NEAR_PTR(key), NEAR_REG_EVICTED) == 1;
}

bool near_storage_has(const void *key, size_t key_len)
{
    return storage_has_key(key_len, NEAR_PTR(key)) == 1;
}

uint64_t near_storage_read_u64(const char *key, uint64_t dflt)
{
    size_t n;
    uint8_t *v = near_storage_read(key, near_strlen(key), &n);
    if (v == NULL)
        return dflt;
    if (n != 8)
        near_panic3("storage value is not a u64: ", key, NULL);
    return load_le64(v);
}

void near_storage_write_u64(const char *key, uint64_t v)
{
    uint8_t b[8];
    store_le64(v, b);
    near_storage_write(key, near_strlen(key), b, sizeof b);
}

near_u128 near_storage_read_u128(const char *key, near_u128 dflt)
{
    size_t n;
    uint8_t *v = near_storage_read(key, near_strlen(key), &n);
    if (v == NULL)
        return dflt;
    if (n != 16)
        near_panic3("storage value is not a u128: ", key, NULL);
    return near_u128_load(v);
}

void near_storage_write_u128(const char *key, near_u128 v)
{
    uint8_t b[16];
    near_u128_store(v, b);
    near_storage_write(key, near_strlen(key), b, sizeof b);
}

/* ============================== JSON reading ============================== */

typedef struct jparse {
    const char *p;
    size_t len, pos;
    int depth;
    const char *err;
} jparse;

static bool jp_fail(jparse *j, const char *msg)
{
    if (j->err == NULL)
        j->err = msg;
    return false;
}

static void jp_ws(jparse *j)
{
    while (j->pos < j->len) {
        char c = j->p[j->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        j->pos++;
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Four hex digits at p (the caller checked they exist). -1 if one is not hex. */
static int32_t hex4(const char *p)
{
    int32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0)
            return -1;
        v = (v << 4) | h;
    }
    return v;
}

/* One UTF-8 sequence at p[0..n): its length, or 0 if invalid (overlong, surrogate, > U+10FFFF,
 * truncated). */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    size_t need;
    uint32_t cp, min;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2, cp = c & 0x1Fu, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3, cp = c & 0x0Fu, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4, cp = c & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xC0u) != 0x80u)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return need;
}

/* A string starting at the opening quote. */
static bool jp_string(jparse *j)
{
    j->pos++; /* '"' */
    while (j->pos < j->len) {
        unsigned char c = (unsigned char)j->p[j->pos];
        if (c == '"') {
            j->pos++;
            return true;
        }
        if (c < 0x20)
            return jp_fail(j, "control character in string");
        if (c == '\\') {
            if (j->pos + 1 >= j->len)
                return jp_fail(j, "unterminated string");
            char e = j->p[j->pos + 1];
            if (e == 'u') {
                if (j->len - j->pos < 6)
                    return jp_fail(j, "bad \\u escape");
                int32_t u = hex4(j->p + j->pos + 2);
                if (u < 0)
                    return jp_fail(j, "bad \\u escape");
                j->pos += 6;
                if (u >= 0xDC00 && u <= 0xDFFF)
                    return jp_fail(j, "lone low surrogate");
                if (u >= 0xD800 && u <= 0xDBFF) {
                    if (j->len - j->pos < 6 || j->p[j->pos] != '\\' || j->p[j->pos + 1] != 'u')
                        return jp_fail(j, "lone high surrogate");
                    int32_t lo = hex4(j->p + j->pos + 2);
                    if (lo < 0xDC00 || lo > 0xDFFF)
                        return jp_fail(j, "lone high surrogate");
                    j->pos += 6;
                }
                continue;
            }
            if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' &&
                e != 't')
                return jp_fail(j, "bad escape");
            j->pos += 2;
            continue;
        }
        size_t n = utf8_seq((const unsigned char *)j->p + j->pos, j->len - j->pos);
        if (n == 0)
            return jp_fail(j, "invalid UTF-8");
        j->pos += n;
    }
    return jp_fail(j, "unterminated string");
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool jp_number(jparse *j)
{
    if (j->p[j->pos] == '-')
        j->pos++;
    if (j->pos >= j->len || !is_digit(j->p[j->pos]))
        return jp_fail(j, "bad number");
    if (j->p[j->pos] == '0') {
        j->pos++;
    } else {
        while (j->pos < j->len && is_digit(j->p[j->pos]))
            j->pos++;
    }
    if (j->pos < j->len && j->p[j->pos] == '.') {
        j->pos++;
        if (j->pos >= j->len || !is_digit(j->p[j->pos]))
            return jp_fail(j, "bad number");
        while (j->pos < j->len && is_digit(j->p[j->pos]))
            j->pos++;
    }
    if (j->pos < j->len && (j->p[j->pos] == 'e' || j->p[j->pos] == 'E')) {
        j->pos++;
        if (j->pos < j->len && (j->p[j->pos] == '+' || j->p[j->pos] == '-'))
            j->pos++;
        if (j->pos >= j->len || !is_digit(j->p[j->pos]))
            return jp_fail(j, "bad number");
        while (j->pos < j->len && is_digit(j->p[j->pos]))
            j->pos++;
    }
    return true;
}

static bool jp_literal(jparse *j, const char *lit)
{
    size_t n = near_strlen(lit);
    if (j->len - j->pos < n || memcmp(j->p + j->pos, lit, n) != 0)
        return jp_fail(j, "unexpected character");
    j->pos += n;
    return true;
}

static bool jp_value(jparse *j, near_json *out);

static bool jp_container(jparse *j, bool object)
{
    char close = object ? '}' : ']';
    if (++j->depth > NEAR_JSON_MAX_DEPTH)
        return jp_fail(j, "nesting too deep");
    j->pos++; /* '{' or '[' */
    jp_ws(j);
    if (j->pos < j->len && j->p[j->pos] == close) {
        j->pos++;
        j->depth--;
        return true;
    }
    for (;;) {
        near_json v;
        if (object) {
            jp_ws(j);
            if (j->pos >= j->len || j->p[j->pos] != '"')
                return jp_fail(j, "expected a member name");
            if (!jp_string(j))
                return false;
            jp_ws(j);
            if (j->pos >= j->len || j->p[j->pos] != ':')
                return jp_fail(j, "expected ':'");
            j->pos++;
        }
        if (!jp_value(j, &v))
            return false;
        jp_ws(j);
        if (j->pos >= j->len)
            return jp_fail(j, "unterminated container");
        if (j->p[j->pos] == ',') {
            j->pos++;
            continue;
        }
        if (j->p[j->pos] != close)
            return jp_fail(j, object ? "expected ',' or '}'" : "expected ',' or ']'");
        j->pos++;
        j->depth--;
        return true;
    }
}

/* One value (leading whitespace skipped); out gets its type and exact span. */
static bool jp_value(jparse *j, near_json *out)
{
    jp_ws(j);
    if (j->pos >= j->len)
        return jp_fail(j, "unexpected end of input");
    size_t start = j->pos;
    near_json_type t;
    bool ok;
    switch (j->p[j->pos]) {
    case '{':
        t = NEAR_JSON_OBJECT, ok = jp_container(j, true);
        break;
    case '[':
        t = NEAR_JSON_ARRAY, ok = jp_container(j, false);
        break;
    case '"':
        t = NEAR_JSON_STRING, ok = jp_string(j);
        break;
    case 't':
        t = NEAR_JSON_BOOL, ok = jp_literal(j, "true");
        break;
    case 'f':
        t = NEAR_JSON_BOOL, ok = jp_literal(j, "false");
        break;
    case 'n':
        t = NEAR_JSON_NULL, ok = jp_literal(j, "null");
        break;
    default:
        if (j->p[j->pos] != '-' && !is_digit(j->p[j->pos]))
            return jp_fail(j, "unexpected character");
        t = NEAR_JSON_NUMBER, ok = jp_number(j);
        break;
    }
    if (!ok)
        return false;
    out->type = t;
    out->p = j->p + start;
    out->len = j->pos - start;
    return true;
}

bool near_json_parse(const char *text, size_t len, near_json *out, const char **err)
{
    jparse j = {text, len, 0, 0, NULL};
    near_json v;
    if (jp_value(&j, &v)) {
        jp_ws(&j);
        if (j.pos == j.len) {
            *out = v;
            return true;
        }
        jp_fail(&j, "trailing characters after the value");
    }
    if (err != NULL)
        *err = j.err;
    return false;
}

/* Decodes one character of a validated string body at s[*i] into buf (1..4 UTF-8 bytes). */
static size_t str_char(const char *s, size_t *i, char buf[4])
{
    if (s[*i] != '\\') {
        buf[0] = s[(*i)++];
        return 1;
    }
    char e = s[*i + 1];
    *i += 2;
    switch (e) {
    case 'b':
        buf[0] = '\b';
        return 1;
    case 'f':
        buf[0] = '\f';
        return 1;
    case 'n':
        buf[0] = '\n';
        return 1;
    case 'r':
        buf[0] = '\r';
        return 1;
    case 't':
        buf[0] = '\t';
        return 1;
    case 'u':
        break;
    default: /* '"', '\\', '/' */
        buf[0] = e;
        return 1;
    }
    uint32_t cp = (uint32_t)hex4(s + *i);
    *i += 4;
    if (cp >= 0xD800 && cp <= 0xDBFF) { /* validated: a low surrogate follows */
        uint32_t lo = (uint32_t)hex4(s + *i + 2);
        *i += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    if (cp < 0x80) {
        buf[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        buf[0] = (char)(0xC0 | (cp >> 6));
        buf[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        buf[0] = (char)(0xE0 | (cp >> 12));
        buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    buf[0] = (char)(0xF0 | (cp >> 18));
    buf[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    buf[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    buf[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

bool near_json_str_eq(const near_json *v, const char *s)
{
    if (v->type != NEAR_JSON_STRING)
        return false;
    size_t i = 1, end = v->len - 1, k = 0;
    while (i < end) {
        char buf[4];
        size_t n = str_char(v->p, &i, buf);
        for (size_t b = 0; b < n; b++, k++) {
            if (s[k] == '\0' || s[k] != buf[b])
                return false;
        }
    }
    return s[k] == '\0';
}

bool near_json_str(const near_json *v, char **out, size_t *len)
{
    if (v->type != NEAR_JSON_STRING)
        return false;
    char *s = near_alloc(v->len); /* decoding never lengthens; the quotes leave room for NUL */
    size_t i = 1, end = v->len - 1, k = 0;
    while (i < end) {
        char buf[4];
        size_t n = str_char(v->p, &i, buf);
        memcpy(s + k, buf, n);
        k += n;
    }
    s[k] = '\0';
    *out = s;
    if (len != NULL)
        *len = k;
    return true;
}

bool near_json_next(const near_json *c, near_json_iter *it, near_json *key, near_json *value)
{
    if (c->type != NEAR_JSON_OBJECT && c->type != NEAR_JSON_ARRAY)
        return false;
    /* The container was validated, so re-parsing its parts cannot fail; depth restarts at 0
     * because the nesting was checked as a whole. */
    jparse j = {c->p, c->len, it->pos == 0 ? 1 : it->pos, 0, NULL};
    jp_ws(&j);
    if (j.p[j.pos] == ',')
        j.pos++;
    jp_ws(&j);
    if (j.p[j.pos] == '}' || j.p[j.pos] == ']')
        return false;
    near_json k;
    if (c->type == NEAR_JSON_OBJECT) {
        if (!jp_value(&j, &k))
            return false;
        jp_ws(&j);
        j.pos++; /* ':' */
        if (key != NULL)
            *key = k;
    }
    near_json v;
    if (!jp_value(&j, &v))
        return false;
    if (value != NULL)
        *value = v;
    it->pos = j.pos;
    return true;
}

size_t near_json_count(const near_json *c)
{
    near_json_iter it = {0};
    size_t n = 0;
    while (near_json_next(c, &it, NULL, NULL))
        n++;
    return n;
}

bool near_json_get(const near_json *obj, const char *key, near_json *out)
{
    if (obj->type != NEAR_JSON_OBJECT)
        return false;
    near_json_iter it = {0};
    near_json k, v;
    while (near_json_next(obj, &it, &k, &v)) {
        if (near_json_str_eq(&k, key)) {
            *out = v;
            return true;
        }
    }
    return false;
}

bool near_json_bool(const near_json *v, bool *out)
{
    if (v->type != NEAR_JSON_BOOL)
        return false;
    *out = v->p[0] == 't';
    return true;
}

bool near_json_u128(const near_json *v, near_u128 *out)
{
    if (v->type == NEAR_JSON_NUMBER)
        return near_u128_parse(v->p, v->len, out);
    if (v->type == NEAR_JSON_STRING)
        return near_u128_parse(v->p + 1, v->len - 2, out); /* escapes are not digits */
    return false;
}

bool near_json_u64(const near_json *v, uint64_t *out)
{
    near_u128 x;
    if (!near_json_u128(v, &x) || x.hi != 0)
        return false;
    *out = x.lo;
    return true;
}

near_json near_args(void)
{
    static near_json args;
    if (args.type == NEAR_JSON_INVALID) {
        size_t len;
        const char *in = (const char *)near_input(&len);
        const char *err = NULL;
        if (len == 0) {
            args.type = NEAR_JSON_OBJECT, args.p = "{}", args.len = 2;
        } else if (!near_json_parse(in, len, &args, &err)) {
            near_panic3("invalid JSON arguments: ", err, NULL);
        } else if (args.type != NEAR_JSON_OBJECT) {
            args.type = NEAR_JSON_INVALID;
            near_panic("invalid JSON arguments: not an object");
        }
    }
    return args;
}

_Noreturn static void bad_arg(const char *key)
{
    near_panic3("missing or invalid argument '", key, "'");
}

/* The member, false when absent or null. */
static bool opt_member(const near_json *args, const char *key, near_json *v)
{
    return near_json_get(args, key, v) && v->type != NEAR_JSON_NULL;
}

const char *near_arg_str(const near_json *args, const char *key, size_t *len)
{
    const char *s;
    if (!near_arg_opt_str(args, key, &s, len))
        bad_arg(key);
    return s;
}

uint64_t near_arg_u64(const near_json *args, const char *key)
{
    uint64_t v;
    if (!near_arg_opt_u64(args, key, &v))
        bad_arg(key);
    return v;
}

near_u128 near_arg_u128(const near_json *args, const char *key)
{
    near_u128 v;
    if (!near_arg_opt_u128(args, key, &v))
        bad_arg(key);
    return v;
}

bool near_arg_bool(const near_json *args, const char *key)
{
    near_json v;
    bool b;
    if (!near_json_get(args, key, &v) || !near_json_bool(&v, &b))
        bad_arg(key);
    return b;
}

bool near_arg_opt_str(const near_json *args, const char *key, const char **out, size_t *len)
{
    near_json v;
    char *s;
    if (!opt_member(args, key, &v))
        return false;
    if (!near_json_str(&v, &s, len))
        bad_arg(key);
    *out = s;
    return true;
}

bool near_arg_opt_u64(const near_json *args, const char *key, uint64_t *out)
{
    near_json v;
    if (!opt_member(args, key, &v))
        return false;
    if (!near_json_u64(&v, out))
        bad_arg(key);
    return true;
}

bool near_arg_opt_u128(const near_json *args, const char *key, near_u128 *out)
{
    near_json v;
    if (!opt_member(args, key, &v))
        return false;
    if (!near_json_u128(&v, out))
        bad_arg(key);
    return true;
}

/* ============================== JSON writing ============================== */

void near_jw_init(near_jw *w)
{
    memset(w, 0, sizeof *w);
}

static void jw_put(near_jw *w, const char *p, size_t n)
{
    if (n > NEAR_JW_MAX - w->len)
        near_panic("JSON output too large");
    if (w->len + n + 1 > w->cap) {
        size_t cap = w->cap < 256 ? 256 : w->cap;
        while (cap < w->len + n + 1)
            cap *= 2;
        char *q = near_alloc(cap);
        memcpy(q, w->p, w->len);
        w->p = q, w->cap = cap;
    }
    memcpy(w->p + w->len, p, n);
    w->len += n;
}

static void jw_putc(near_jw *w, char c)
{
    jw_put(w, &c, 1);
}

/* Before any value: the comma, and the check that objects get keys first. */
static void jw_value(near_jw *w)
{
    if (w->depth > 0 && w->in_object[w->depth]) {
        if (!w->after_key)
            near_panic("JSON writer: value without a key in an object");
        w->after_key = false;
        return;
    }
    if (w->depth == 0 && w->count[0] != 0)
        near_panic("JSON writer: second top-level value");
    if (w->depth > 0 && w->count[w->depth] != 0)
        jw_putc(w, ',');
    w->count[w->depth] = 1;
}

static void jw_open(near_jw *w, char c, bool object)
{
    jw_value(w);
    if (w->depth >= NEAR_JSON_MAX_DEPTH)
        near_panic("JSON writer: nesting too deep");
    jw_putc(w, c);
    w->depth++;
    w->in_object[w->depth] = object;
    w->count[w->depth] = 0;
}

static void jw_close(near_jw *w, char c, bool object)
{
    if (w->depth == 0 || (bool)w->in_object[w->depth] != object || w->after_key)
        near_panic("JSON writer: unbalanced end");
    w->depth--;
    jw_putc(w, c);
}

void near_jw_object_begin(near_jw *w)
{
    jw_open(w, '{', true);
}

void near_jw_object_end(near_jw *w)
{
    jw_close(w, '}', true);
}

void near_jw_array_begin(near_jw *w)
{
    jw_open(w, '[', false);
}

void near_jw_array_end(near_jw *w)
{
    jw_close(w, ']', false);
}

static void jw_escaped(near_jw *w, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    jw_putc(w, '"');
    size_t run = 0; /* bytes copied as they are, flushed in one go */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        jw_put(w, s + i - run, run);
        run = 0;
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        if (c == '"' || c == '\\') {
            esc[1] = (char)c;
            jw_put(w, esc, 2);
        } else if (c == '\n') {
            jw_put(w, "\\n", 2);
        } else if (c == '\t') {
            jw_put(w, "\\t", 2);
        } else if (c == '\r') {
            jw_put(w, "\\r", 2);
        } else {
            jw_put(w, esc, 6);
        }
    }
    jw_put(w, s + len - run, run);
    jw_putc(w, '"');
}

void near_jw_key(near_jw *w, const char *key)
{
    if (w->depth == 0 || !w->in_object[w->depth] || w->after_key)
        near_panic("JSON writer: key outside an object");
    if (w->count[w->depth] != 0)
        jw_putc(w, ',');
    w->count[w->depth] = 1;
    jw_escaped(w, key, near_strlen(key));
    jw_putc(w, ':');
    w->after_key = true;
}

void near_jw_str_n(near_jw *w, const char *s, size_t len)
{
    jw_value(w);
    jw_escaped(w, s, len);
}

void near_jw_str(near_jw *w, const char *s)
{
    if (s == NULL)
        near_jw_null(w);
    else
        near_jw_str_n(w, s, near_strlen(s));
}

void near_jw_u64(near_jw *w, uint64_t v)
{
    char buf[21];
    size_t n = near_u64_format(v, buf);
    jw_value(w);
    jw_put(w, buf, n);
}

void near_jw_u64_str(near_jw *w, uint64_t v)
{
    char buf[21];
    size_t n = near_u64_format(v, buf);
    near_jw_str_n(w, buf, n);
}

void near_jw_u128(near_jw *w, near_u128 v)
{
    char buf[NEAR_U128_MAX_DEC + 1];
    size_t n = near_u128_format(v, buf);
    near_jw_str_n(w, buf, n);
}

void near_jw_bool(near_jw *w, bool v)
{
    jw_value(w);
    if (v)
        jw_put(w, "true", 4);
    else
        jw_put(w, "false", 5);
}

void near_jw_null(near_jw *w)
{
    jw_value(w);
    jw_put(w, "null", 4);
}

void near_jw_bytes_array(near_jw *w, const uint8_t *p, size_t len)
{
    near_jw_array_begin(w);
    for (size_t i = 0; i < len; i++)
        near_jw_u64(w, p[i]);
    near_jw_array_end(w);
}

void near_jw_raw(near_jw *w, const char *json, size_t len)
{
    near_json v;
    const char *err = NULL;
    if (!near_json_parse(json, len, &v, &err))
        near_panic3("JSON writer: raw value is not JSON: ", err, NULL);
    jw_value(w);
    jw_put(w, v.p, v.len); /* without the surrounding whitespace */
}

const char *near_jw_finish(near_jw *w, size_t *len)
{
    if (w->depth != 0 || w->count[0] == 0)
        near_panic("JSON writer: document not complete");
    jw_put(w, "", 0); /* makes sure a buffer exists */
    w->p[w->len] = '\0';
    if (len != NULL)
        *len = w->len;
    return w->p;
}

void near_jw_return(near_jw *w)
{
    size_t len;
    const char *s = near_jw_finish(w, &len);
    near_return(s, len);
}

void near_return_json_str(const char *s)
{
    near_jw w;
    near_jw_init(&w);
    near_jw_str(&w, s);
    near_jw_return(&w);
}

void near_return_json_u64(uint64_t v)
{
    char buf[21];
    size_t n = near_u64_format(v, buf);
    near_return(buf, n);
}

void near_return_json_bool(bool v)
{
    near_return_str(v ? "true" : "false");
}

/* ================================== hex ================================== */

void near_hex_encode(const uint8_t *p, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex[p[i] >> 4];
        out[2 * i + 1] = hex[p[i] & 15];
    }
    out[2 * len] = '\0';
}

bool near_hex_decode(const char *s, size_t len, uint8_t *out, size_t n)
{
    if (len != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int h = hexval(s[2 * i]), l = hexval(s[2 * i + 1]);
        if (h < 0 || l < 0)
            return false;
        out[i] = (uint8_t)(h << 4 | l);
    }
    return true;
}

/* ================================= events ================================= */

void near_emit_event(const char *standard, const char *version, const char *event,
                     const char *data_json, size_t data_len)
{
    static const char prefix[] = "EVENT_JSON:";
    near_jw w;
    near_jw_init(&w);
    /* The prefix goes into the buffer first so that the log is one host call without a copy;
     * the writer's state is untouched by it, as if it were part of the previous line. */
    jw_put(&w, prefix, sizeof prefix - 1);
    near_jw_object_begin(&w);
    near_jw_key(&w, "standard");
    near_jw_str(&w, standard);
    near_jw_key(&w, "version");
    near_jw_str(&w, version);
    near_jw_key(&w, "event");
    near_jw_str(&w, event);
    if (data_json != NULL) {
        near_jw_key(&w, "data");
        near_jw_raw(&w, data_json, data_len);
    }
    near_jw_object_end(&w);
    near_log_n(w.p, w.len);
}

/* ================================ promises ================================ */

static uint64_t str_len_or_0(const char *s)
{
    return s != NULL ? near_strlen(s) : 0;
}

uint64_t near_promise_create(const char *account, const char *method, const void *args,
                             size_t args_len, near_u128 deposit, uint64_t gas)
{
    uint8_t amount[16];
    near_u128_store(deposit, amount);
    return promise_create(near_strlen(account), NEAR_PTR(account), near_strlen(method),
                          NEAR_PTR(method), args_len, NEAR_PTR(args), NEAR_PTR(amount), gas);
}

uint64_t near_promise_then(uint64_t after, const char *account, const char *method,
                           const void *args, size_t args_len, near_u128 deposit, uint64_t gas)
{
    uint8_t amount[16];
    near_u128_store(deposit, amount);
    return promise_then(after, near_strlen(account), NEAR_PTR(account), near_strlen(method),
                        NEAR_PTR(method), args_len, NEAR_PTR(args), NEAR_PTR(amount), gas);
}

uint64_t near_promise_and(const uint64_t *indices, size_t n)
{
    return promise_and(NEAR_PTR(indices), n);
}

uint64_t near_promise_batch(const char *account)
{
    return promise_batch_create(near_strlen(account), NEAR_PTR(account));
}

uint64_t near_promise_batch_then(uint64_t after, const char *account)
{
    return promise_batch_then(after, near_strlen(account), NEAR_PTR(account));
}

void near_promise_batch_create_account(uint64_t idx)
{
    promise_batch_action_create_account(idx);
}

void near_promise_batch_deploy(uint64_t idx, const void *code, size_t len)
{
    promise_batch_action_deploy_contract(idx, len, NEAR_PTR(code));
}

void near_promise_batch_call(uint64_t idx, const char *method, const void *args, size_t args_len,
                             near_u128 deposit, uint64_t gas)
{
    uint8_t amount[16];
    near_u128_store(deposit, amount);
    promise_batch_action_function_call(idx, near_strlen(method), NEAR_PTR(method), args_len,
                                       NEAR_PTR(args), NEAR_PTR(amount), gas);
}

void near_promise_batch_call_weight(uint64_t idx, const char *method, const void *args,
                                    size_t args_len, near_u128 deposit, uint64_t gas,
                                    uint64_t weight)
{
    uint8_t amount[16];
    near_u128_store(deposit, amount);
    promise_batch_action_function_call_weight(idx, near_strlen(method), NEAR_PTR(method), args_len,
                                              NEAR_PTR(args), NEAR_PTR(amount), gas, weight);
}

void near_promise_batch_transfer(uint64_t idx, near_u128 amount)
{
    uint8_t b[16];
    near_u128_store(amount, b);
    promise_batch_action_transfer(idx, NEAR_PTR(b));
}

void near_promise_batch_add_full_access_key(uint64_t idx, const uint8_t *pk, size_t pk_len,
                                            uint64_t nonce)
{
    promise_batch_action_add_key_with_full_access(idx, pk_len, NEAR_PTR(pk), nonce);
}

void near_promise_batch_add_function_call_key(uint64_t idx, const uint8_t *pk, size_t pk_len,
                                              uint64_t nonce, near_u128 allowance,
                                              const char *receiver, const char *methods)
{
    uint8_t b[16];
    near_u128_store(allowance, b);
    promise_batch_action_add_key_with_function_call(idx, pk_len, NEAR_PTR(pk), nonce, NEAR_PTR(b),
                                                    near_strlen(receiver), NEAR_PTR(receiver),
                                                    str_len_or_0(methods), NEAR_PTR(methods));
}

void near_promise_batch_delete_key(uint64_t idx, const uint8_t *pk, size_t pk_len)
{
    promise_batch_action_delete_key(idx, pk_len, NEAR_PTR(pk));
}

void near_promise_batch_delete_account(uint64_t idx, const char *beneficiary)
{
    promise_batch_action_delete_account(idx, near_strlen(beneficiary), NEAR_PTR(beneficiary));
}

void near_promise_return(uint64_t idx)
{
    promise_return(idx);
}

uint64_t near_promise_results_count(void)
{
    return promise_results_count();
}

near_promise_status near_promise_result(uint64_t i, uint8_t **data, size_t *len)
{
    uint64_t r = promise_result(i, NEAR_REG_ATOMIC);
    *data = NULL;
    if (len != NULL)
        *len = 0;
    if (r == NEAR_PROMISE_SUCCESS) {
        *data = near_register_read(NEAR_REG_ATOMIC, len);
        if (*data == NULL) /* an empty success value */
            *data = near_alloc(1);
        return NEAR_PROMISE_SUCCESS;
    }
    return r == NEAR_PROMISE_FAILED ? NEAR_PROMISE_FAILED : NEAR_PROMISE_NOT_READY;
}

/* ============================== yield / resume ============================== */

uint64_t near_yield_create(const char *method, const void *args, size_t args_len, uint64_t gas,
                           uint64_t weight, uint8_t data_id[NEAR_DATA_ID_LEN])
{
    uint64_t idx = promise_yield_create(near_strlen(method), NEAR_PTR(method), args_len,
                                        NEAR_PTR(args), gas, weight, NEAR_REG_ATOMIC);
    size_t n;
    uint8_t *id = near_register_read(NEAR_REG_ATOMIC, &n);
    if (id == NULL || n != NEAR_DATA_ID_LEN)
        near_panic("promise_yield_create: no 32-byte data id");
    memcpy(data_id, id, NEAR_DATA_ID_LEN);
    return idx;
}

bool near_yield_resume(const uint8_t data_id[NEAR_DATA_ID_LEN], const void *payload, size_t len)
{
    return promise_yield_resume(NEAR_DATA_ID_LEN, NEAR_PTR(data_id), len, NEAR_PTR(payload)) == 1;
}
