/* u128 amounts (yoctoNEAR): checked arithmetic, decimal text, and the "1.5 NEAR" form the
 * command line accepts.
 *
 * The arithmetic uses the compiler's unsigned __int128 (gcc and clang on every 64-bit target);
 * __extension__ keeps -Wpedantic quiet about it. The public type stays a two-word struct, so no
 * header depends on the extension. Every operation checks before it overflows: nothing here
 * wraps silently. */
#include <string.h>

#include "near_int.h"

__extension__ typedef unsigned __int128 u128;

#define U128_MAX (~(u128)0)

static u128 to_native(ol_near_u128 v)
{
    return (u128)v.hi << 64 | v.lo;
}

static ol_near_u128 from_native(u128 v)
{
    ol_near_u128 r = {(uint64_t)v, (uint64_t)(v >> 64)};
    return r;
}

ol_near_u128 ol_near_u128_from_u64(uint64_t v)
{
    ol_near_u128 r = {v, 0};
    return r;
}

int ol_near_u128_cmp(ol_near_u128 a, ol_near_u128 b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo)
        return a.lo < b.lo ? -1 : 1;
    return 0;
}

bool ol_near_u128_is_zero(ol_near_u128 a)
{
    return a.hi == 0 && a.lo == 0;
}

ol_err ol_near_u128_add(ol_near_u128 a, ol_near_u128 b, ol_near_u128 *out, ol_diag *d)
{
    u128 x = to_native(a), y = to_native(b);
    if (x > U128_MAX - y)
        return OL_FAIL(d, OL_E_RANGE, "u128 addition overflows");
    *out = from_native(x + y);
    return OL_OK;
}

ol_err ol_near_u128_sub(ol_near_u128 a, ol_near_u128 b, ol_near_u128 *out, ol_diag *d)
{
    u128 x = to_native(a), y = to_native(b);
    if (x < y)
        return OL_FAIL(d, OL_E_RANGE, "u128 subtraction underflows");
    *out = from_native(x - y);
    return OL_OK;
}

ol_err ol_near_u128_mul(ol_near_u128 a, ol_near_u128 b, ol_near_u128 *out, ol_diag *d)
{
    u128 x = to_native(a), y = to_native(b);
    if (x != 0 && y > U128_MAX / x)
        return OL_FAIL(d, OL_E_RANGE, "u128 multiplication overflows");
    *out = from_native(x * y);
    return OL_OK;
}

ol_err ol_near_u128_divmod_u64(ol_near_u128 a, uint64_t b, ol_near_u128 *quot, uint64_t *rem,
                               ol_diag *d)
{
    if (b == 0)
        return OL_FAIL(d, OL_E_RANGE, "u128 division by zero");
    u128 x = to_native(a);
    *quot = from_native(x / b);
    if (rem != NULL)
        *rem = (uint64_t)(x % b);
    return OL_OK;
}

/* Accumulates decimal digits s[0..len) into *acc (acc = acc * 10 + digit). */
static ol_err add_digits(const char *s, size_t len, u128 *acc, ol_diag *d)
{
    u128 v = *acc;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < '0' || c > '9')
            return OL_FAIL(d, OL_E_MALFORMED, "amount: invalid character 0x%02x at %zu",
                           (unsigned)c, i);
        unsigned dig = (unsigned)(c - '0');
        if (v > (U128_MAX - dig) / 10)
            return OL_FAIL(d, OL_E_RANGE, "amount: exceeds 2^128 - 1");
        v = v * 10 + dig;
    }
    *acc = v;
    return OL_OK;
}

ol_err ol_near_u128_parse(const char *s, size_t len, ol_near_u128 *out, ol_diag *d)
{
    if (s == NULL || len == 0)
        return OL_FAIL(d, OL_E_MALFORMED, "amount: empty");
    u128 v = 0;
    ol_err rc = add_digits(s, len, &v, d);
    if (rc != OL_OK)
        return rc;
    *out = from_native(v);
    return OL_OK;
}

size_t ol_near_u128_format(ol_near_u128 v, char out[OL_NEAR_U128_STR_MAX])
{
    char tmp[OL_NEAR_U128_STR_MAX];
    size_t n = 0;
    u128 x = to_native(v);
    do {
        tmp[n++] = (char)('0' + (unsigned)(x % 10));
        x /= 10;
    } while (x != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return n;
}

/* 10^24 */
static u128 yocto_per_near(void)
{
    u128 v = 1;
    for (int i = 0; i < OL_NEAR_YOCTO_DECIMALS; i++)
        v *= 10;
    return v;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

static bool unit_eq(const char *s, size_t len, const char *unit)
{
    size_t n = strlen(unit);
    if (len != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != unit[i])
            return false;
    }
    return true;
}

ol_err ol_near_amount_parse(const char *s, size_t len, ol_near_u128 *out, ol_diag *d)
{
    if (s == NULL)
        return OL_FAIL(d, OL_E_MALFORMED, "amount: missing");
    size_t b = 0, e = len;
    while (b < e && is_space(s[b]))
        b++;
    while (e > b && is_space(s[e - 1]))
        e--;
    /* number = int [ '.' frac ] | '.' frac ; then optional spaces and a unit */
    size_t i = b;
    while (i < e && s[i] >= '0' && s[i] <= '9')
        i++;
    size_t int_b = b, int_e = i;
    size_t frac_b = i, frac_e = i;
    bool has_point = i < e && s[i] == '.';
    if (has_point) {
        frac_b = ++i;
        while (i < e && s[i] >= '0' && s[i] <= '9')
            i++;
        frac_e = i;
    }
    if (int_e == int_b && frac_e == frac_b)
        return OL_FAIL(d, OL_E_MALFORMED,
                       "amount: expected a number such as \"1.5 NEAR\" or "
                       "\"1000\" (yoctoNEAR)");
    size_t unit_b = i;
    while (unit_b < e && is_space(s[unit_b]))
        unit_b++;
    const char *unit = s + unit_b;
    size_t unit_len = e - unit_b;
    bool near;
    if (unit_len == 0 && unit_b == i) {
        near = false;
    } else if (unit_eq(unit, unit_len, "near")) {
        near = true;
    } else if (unit_eq(unit, unit_len, "yocto") || unit_eq(unit, unit_len, "yoctonear")) {
        near = false;
    } else {
        return OL_FAIL(d, OL_E_MALFORMED, "amount: unknown unit (use NEAR or yoctoNEAR)");
    }
    if (!near && has_point)
        return OL_FAIL(d, OL_E_MALFORMED,
                       "amount: a yoctoNEAR amount is an integer (add the unit NEAR for NEAR)");

    u128 v = 0;
    ol_err rc = add_digits(s + int_b, int_e - int_b, &v, d);
    if (rc != OL_OK)
        return rc;
    if (near) {
        u128 scale = yocto_per_near();
        if (v > U128_MAX / scale)
            return OL_FAIL(d, OL_E_RANGE, "amount: exceeds 2^128 - 1 yoctoNEAR");
        v *= scale;
        /* Fraction digits beyond the 24th must be zeros: finer amounts are refused. */
        size_t nfrac = frac_e - frac_b;
        for (size_t k = OL_NEAR_YOCTO_DECIMALS; k < nfrac; k++) {
            if (s[frac_b + k] != '0')
                return OL_FAIL(d, OL_E_RANGE,
                               "amount: more than 24 decimal places (finer than 1 yoctoNEAR)");
        }
        u128 frac = 0;
        size_t used = nfrac < OL_NEAR_YOCTO_DECIMALS ? nfrac : OL_NEAR_YOCTO_DECIMALS;
        rc = add_digits(s + frac_b, used, &frac, d);
        if (rc != OL_OK)
            return rc;
        for (size_t k = used; k < OL_NEAR_YOCTO_DECIMALS; k++)
            frac *= 10; /* < 10^24: cannot overflow */
        if (v > U128_MAX - frac)
            return OL_FAIL(d, OL_E_RANGE, "amount: exceeds 2^128 - 1 yoctoNEAR");
        v += frac;
    }
    *out = from_native(v);
    return OL_OK;
}

size_t ol_near_amount_format_near(ol_near_u128 yocto, char out[OL_NEAR_AMOUNT_STR_MAX])
{
    u128 scale = yocto_per_near();
    u128 x = to_native(yocto);
    size_t n = ol_near_u128_format(from_native(x / scale), out);
    u128 frac = x % scale;
    if (frac == 0)
        return n;
    char digits[OL_NEAR_YOCTO_DECIMALS];
    for (int i = OL_NEAR_YOCTO_DECIMALS - 1; i >= 0; i--) {
        digits[i] = (char)('0' + (unsigned)(frac % 10));
        frac /= 10;
    }
    size_t keep = OL_NEAR_YOCTO_DECIMALS;
    while (digits[keep - 1] == '0')
        keep--;
    out[n++] = '.';
    memcpy(out + n, digits, keep);
    n += keep;
    out[n] = '\0';
    return n;
}
