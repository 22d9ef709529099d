/* quantity.c - Kubernetes resource quantities as exact decimals.
 *
 * The grammar is apimachinery's parseQuantityString: an optional sign,
 * digits with at most one '.', then one suffix: a decimal SI one
 * (n u m "" k M G T P E), a binary one (Ki Mi Gi Ti Pi Ei) or a decimal
 * exponent (e3, E-2). The significant digits go to an int64 mantissa with
 * the exponents beside it, so nothing is rounded while parsing;
 * conversions round away from zero, as Quantity.ScaledValue does.
 * Intermediate products use unsigned __int128: mant < 2^63 and 2^exp2 <=
 * 2^60 keep every product we form below 2^127.
 */
#include "store/quantity.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef __int128 i128;

/* No real quantity strays this far; the bound keeps the arithmetic finite. */
#define QUANTITY_MAX_EXP10 100

static const struct {
    const char *suffix;
    int exp10, exp2;
} suffixes[] = {
    {"n", -9, 0},  {"u", -6, 0},  {"m", -3, 0},  {"", 0, 0},    {"k", 3, 0},   {"M", 6, 0},
    {"G", 9, 0},   {"T", 12, 0},  {"P", 15, 0},  {"E", 18, 0},  {"Ki", 0, 10}, {"Mi", 0, 20},
    {"Gi", 0, 30}, {"Ti", 0, 40}, {"Pi", 0, 50}, {"Ei", 0, 60},
};

static int bad(mk_err *err, const char *s, const char *why)
{
    return mk_error(err, EINVAL, "quantity \"%.64s\": %s", s, why);
}

/* "e3", "E-2": a decimal exponent. */
static bool parse_exponent(const char *p, int *exp)
{
    if (*p != 'e' && *p != 'E')
        return false;
    p++;
    bool neg = *p == '-';
    p += (*p == '-' || *p == '+');
    if (!*p || strspn(p, "0123456789") != strlen(p))
        return false;
    long v = 0;
    for (; *p; p++) {
        v = v * 10 + (*p - '0');
        if (v > 100000)
            v = 100000; /* saturate: the range check rejects it anyway */
    }
    *exp = (int)(neg ? -v : v);
    return true;
}

/* value * 10^scale... away from zero: the value in units of 10^-digits,
 * i.e. scaled(q, 0) is Value() and scaled(q, 3) is MilliValue(). *ok is
 * false (and the result saturated) when it does not fit an int64. */
static int64_t scaled(const mk_quantity *q, int digits, bool *ok)
{
    *ok = true;
    if (q->mant == 0)
        return 0;
    if (q->exp2 < 0 || q->exp2 > 60) { /* not from quantity_parse: refuse to shift */
        *ok = false;
        return q->mant < 0 ? INT64_MIN : INT64_MAX;
    }
    bool neg = q->mant < 0;
    unsigned __int128 n =
        neg ? (unsigned __int128)(-(i128)q->mant) : (unsigned __int128)q->mant;
    n <<= q->exp2;
    int e = q->exp10 + digits;
    const unsigned __int128 limit = (unsigned __int128)INT64_MAX + (neg ? 1 : 0);
    for (; e > 0; e--) {
        if (n > limit) /* already too big; more zeros cannot help */
            break;
        n *= 10;
    }
    if (e < 0) {
        bool fraction = false;
        for (; e < 0 && n; e++) {
            fraction |= n % 10 != 0;
            n /= 10;
        }
        if (fraction)
            n++;
    }
    if (n > limit) {
        *ok = false;
        return neg ? INT64_MIN : INT64_MAX;
    }
    return neg ? (int64_t)(-(i128)n) : (int64_t)n;
}

int quantity_parse(const char *s, mk_quantity *q, mk_err *err)
{
    if (!s || !*s)
        return bad(err, s ? s : "",
                   "must be a number with an optional suffix (e.g. 500m, 128Mi)");
    const char *p = s;
    bool neg = *p == '-';
    p += (*p == '-' || *p == '+');

    /* Significant digits, with the integer part's trailing zeros and the
     * fraction's length moved into the exponent. */
    uint64_t m = 0; /* up to 2^63, the magnitude of INT64_MIN */
    size_t zeros = 0, ndigits_seen = 0;
    int exp10 = 0;
    bool dot = false;
    for (;; p++) {
        if (*p == '.' && !dot) {
            dot = true;
            continue;
        }
        if (*p < '0' || *p > '9')
            break;
        ndigits_seen++;
        if (dot)
            exp10--;
        if (*p == '0') {
            if (m)
                zeros++; /* pending: significant only if a nonzero digit follows */
            continue;
        }
        for (; zeros; zeros--)
            if (__builtin_mul_overflow(m, 10, &m))
                return bad(err, s, "too many significant digits");
        if (__builtin_mul_overflow(m, 10, &m) ||
            __builtin_add_overflow(m, (uint64_t)(*p - '0'), &m) || m > (uint64_t)INT64_MAX + 1)
            return bad(err, s, "too many significant digits");
    }
    if (!ndigits_seen)
        return bad(err, s, "must start with a number (e.g. 500m, 128Mi)");
    if (m > (uint64_t)INT64_MAX && !neg)
        return bad(err, s, "too large");
    exp10 += (int)zeros;

    int sexp10 = 0, sexp2 = 0;
    size_t i = 0;
    while (i < sizeof suffixes / sizeof suffixes[0] && strcmp(suffixes[i].suffix, p))
        i++;
    if (i < sizeof suffixes / sizeof suffixes[0]) {
        sexp10 = suffixes[i].exp10;
        sexp2 = suffixes[i].exp2;
    } else if (!parse_exponent(p, &sexp10)) {
        return bad(err, s, "unable to parse quantity's suffix");
    }

    mk_quantity r = {
        .mant = neg ? (int64_t)(-(i128)m) : (int64_t)m, .exp10 = exp10 + sexp10, .exp2 = sexp2};
    if (r.mant == 0)
        r = (mk_quantity){0};
    if (r.exp10 > QUANTITY_MAX_EXP10 || r.exp10 < -QUANTITY_MAX_EXP10)
        return bad(err, s, "exponent out of range");
    bool ok;
    scaled(&r, 0, &ok);
    if (!ok)
        return bad(err, s, "too large");
    *q = r;
    return 0;
}

int64_t quantity_milli(const mk_quantity *q)
{
    bool ok;
    return scaled(q, 3, &ok);
}

int64_t quantity_value(const mk_quantity *q)
{
    bool ok;
    return scaled(q, 0, &ok);
}

/* Magnitudes compared exactly: bring both to the smaller decimal exponent.
 * |mant| * 2^exp2 < 2^123, so a side that overflows 2^127 on the way is
 * the larger one. */
static int cmp_abs(const mk_quantity *a, const mk_quantity *b)
{
    if (a->exp2 < 0 || a->exp2 > 60 || b->exp2 < 0 || b->exp2 > 60)
        return 0; /* not from quantity_parse */
    unsigned __int128 x = (unsigned __int128)(a->mant < 0 ? -(i128)a->mant : a->mant)
                          << a->exp2;
    unsigned __int128 y = (unsigned __int128)(b->mant < 0 ? -(i128)b->mant : b->mant)
                          << b->exp2;
    const unsigned __int128 big = (unsigned __int128)1 << 123;
    for (int e = a->exp10; e > b->exp10; e--) {
        if (x >= big)
            return 1;
        x *= 10;
    }
    for (int e = b->exp10; e > a->exp10; e--) {
        if (y >= big)
            return -1;
        y *= 10;
    }
    return x < y ? -1 : x > y;
}

int quantity_cmp(const mk_quantity *a, const mk_quantity *b)
{
    int sa = (a->mant > 0) - (a->mant < 0);
    int sb = (b->mant > 0) - (b->mant < 0);
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (sa == 0)
        return 0;
    int c = cmp_abs(a, b);
    return sa > 0 ? c : -c;
}

int64_t quantity_parse_milli(const char *s)
{
    mk_quantity q;
    return s && quantity_parse(s, &q, NULL) == 0 ? quantity_milli(&q) : -1;
}

int64_t quantity_parse_value(const char *s)
{
    mk_quantity q;
    return s && quantity_parse(s, &q, NULL) == 0 ? quantity_value(&q) : -1;
}

void quantity_format_milli(int64_t milli, char *buf, size_t n)
{
    if (milli % 1000 == 0)
        snprintf(buf, n, "%" PRId64, milli / 1000);
    else
        snprintf(buf, n, "%" PRId64 "m", milli);
}

void quantity_format_bytes(int64_t bytes, char *buf, size_t n)
{
    static const char *const bin[] = {"Ei", "Pi", "Ti", "Gi", "Mi", "Ki"};
    for (size_t i = 0; bytes != 0 && i < sizeof bin / sizeof bin[0]; i++) {
        int shift = 60 - 10 * (int)i;
        int64_t unit = (int64_t)1 << shift;
        if (bytes % unit == 0) {
            snprintf(buf, n, "%" PRId64 "%s", bytes / unit, bin[i]);
            return;
        }
    }
    snprintf(buf, n, "%" PRId64, bytes);
}
