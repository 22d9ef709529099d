/* cron.c - cron schedules and time zones (see cron.h). */
#include "store/cron.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "store/util.h"

#define ZONEINFO_DIR "/usr/share/zoneinfo"
#define ZONE_MAX     (256 * 1024) /* the largest TZif file is a few KiB */
#define CRON_HORIZON (5 * 366 * 86400LL)

/* ---- the schedule ---- */

typedef struct cron_field {
    const char *what;
    int min, max;
    const char *const *names; /* names[i] is the value min + i */
} cron_field;

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul",
                                          "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const day_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};

static const cron_field fields[5] = {
    {"minute", 0, 59, NULL},          {"hour", 0, 23, NULL},
    {"day of month", 1, 31, NULL},    {"month", 1, 12, month_names},
    {"day of week", 0, 7, day_names}, /* 7 is Sunday too */
};

static int parse_value(const cron_field *f, const char *s, size_t n, int *out, mk_err *err)
{
    for (size_t i = 0; f->names && n == 3 && f->names[i]; i++)
        if (strncasecmp(s, f->names[i], 3) == 0) {
            *out = f->min + (int)i;
            return 0;
        }
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]) || v > 1000)
            return mk_error(err, EINVAL, "%s: not a number: \"%.*s\"", f->what, (int)n, s);
        v = v * 10 + (s[i] - '0');
    }
    if (n == 0)
        return mk_error(err, EINVAL, "%s: empty value", f->what);
    if (v < f->min || v > f->max)
        return mk_error(err, EINVAL, "%s: %d is out of range %d-%d", f->what, v, f->min,
                        f->max);
    *out = v;
    return 0;
}

/* One item of a list: `*`, `?`, `a`, `a-b`, each with an optional `/step`. */
static int parse_item(const cron_field *f, const char *s, size_t n, uint64_t *bits, bool *star,
                      mk_err *err)
{
    const char *slash = memchr(s, '/', n);
    size_t rn = slash ? (size_t)(slash - s) : n;
    int lo = f->min, hi = f->max, step = 1, r;
    bool any = rn == 1 && (*s == '*' || *s == '?');
    if (slash && (r = parse_value(&(cron_field){f->what, 1, 1000, NULL}, slash + 1, n - rn - 1,
                                  &step, err)) < 0)
        return r;
    if (!any) {
        const char *dash = memchr(s, '-', rn);
        if ((r = parse_value(f, s, dash ? (size_t)(dash - s) : rn, &lo, err)) < 0)
            return r;
        hi = lo;
        if (dash && (r = parse_value(f, dash + 1, rn - (size_t)(dash - s) - 1, &hi, err)) < 0)
            return r;
        if (!dash && slash)
            hi = f->max == 7 ? 6 : f->max; /* "a/n": from a to the end */
        if (hi < lo)
            return mk_error(err, EINVAL, "%s: range %d-%d goes backwards", f->what, lo, hi);
    } else if (f->max == 7) {
        hi = 6; /* `*` in day of week: 7 is Sunday again */
    }
    if (any && step == 1)
        *star = true;
    for (int v = lo; v <= hi; v += step)
        *bits |= 1ULL << (f->max == 7 && v == 7 ? 0 : v);
    return 0;
}

static int parse_field(const cron_field *f, const char *s, size_t n, uint64_t *bits, bool *star,
                       mk_err *err)
{
    *bits = 0, *star = false;
    while (true) {
        const char *comma = memchr(s, ',', n);
        size_t len = comma ? (size_t)(comma - s) : n;
        int r = parse_item(f, s, len, bits, star, err);
        if (r < 0)
            return r;
        if (!comma)
            return 0;
        s = comma + 1, n -= len + 1;
    }
}

static const struct {
    const char *name, *spec;
} macros[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

int cron_parse(const char *spec, cron_schedule *out, mk_err *err)
{
    *out = (cron_schedule){0};
    while (isspace((unsigned char)*spec))
        spec++;
    if (strncmp(spec, "TZ=", 3) == 0 || strncmp(spec, "CRON_TZ=", 8) == 0)
        return mk_error(err, EINVAL,
                        "cannot use TZ or CRON_TZ in schedule, use timeZone field instead");
    if (*spec == '@') {
        size_t n = strcspn(spec, " \t\n");
        for (size_t i = 0; i < ARRAY_SIZE(macros); i++)
            if (strlen(macros[i].name) == n && strncmp(spec, macros[i].name, n) == 0 &&
                !spec[n + strspn(spec + n, " \t\n")])
                return cron_parse(macros[i].spec, out, err);
        if (strncmp(spec, "@every", 6) == 0) /* robfig/cron has it; Kubernetes users rarely */
            return mk_error(err, EINVAL, "@every is not supported by minik8s: use five fields");
        return mk_error(err, EINVAL, "unrecognized descriptor: %.40s", spec);
    }
    const char *p = spec;
    uint64_t bits[5];
    bool star[5];
    int nf = 0;
    while (*p) {
        size_t len = strcspn(p, " \t\n");
        if (nf == 5)
            return mk_error(err, EINVAL, "expected exactly 5 fields, found more: %.60s", spec);
        int r = parse_field(&fields[nf], p, len, &bits[nf], &star[nf], err);
        if (r < 0)
            return r;
        nf++;
        p += len;
        p += strspn(p, " \t\n");
    }
    if (nf != 5)
        return mk_error(err, EINVAL, "expected exactly 5 fields, found %d: %.60s", nf, spec);
    *out = (cron_schedule){.minute = bits[0],
                           .hour = (uint32_t)bits[1],
                           .dom = (uint32_t)bits[2],
                           .month = (uint16_t)bits[3],
                           .dow = (uint8_t)bits[4],
                           .dom_star = star[2],
                           .dow_star = star[4]};
    return 0;
}

/* ---- zones ---- */

struct cron_zone {
    size_t n;        /* transitions */
    int64_t *at;     /* their instants, ascending */
    int32_t *off;    /* the offset from each on */
    int32_t initial; /* the offset before the first */
};

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* RFC 8536: a header, the 32-bit data block, and (version 2 on) a second
 * header with the 64-bit block, which is the one read when present. */
static int zone_parse(const unsigned char *d, size_t len, cron_zone *z, mk_err *err)
{
    if (len < 44 || memcmp(d, "TZif", 4) != 0)
        return mk_error(err, EINVAL, "not a TZif file");
    size_t tsize = 4;
    for (int pass = 0; pass < 2; pass++) {
        uint32_t isut = be32(d + 20), isstd = be32(d + 24), leap = be32(d + 28),
                 timecnt = be32(d + 32), typecnt = be32(d + 36), charcnt = be32(d + 40);
        size_t block = timecnt * tsize + timecnt + typecnt * 6 + charcnt + leap * (tsize + 4) +
                       isstd + isut;
        if (typecnt == 0 || timecnt > 100000 || typecnt > 256 || 44 + block > len)
            return mk_error(err, EINVAL, "truncated TZif file");
        if (pass == 0 && d[4] >= '2') {
            d += 44 + block, len -= 44 + block, tsize = 8;
            if (len < 44 || memcmp(d, "TZif", 4) != 0)
                return mk_error(err, EINVAL, "bad TZif version 2 header");
            continue;
        }
        const unsigned char *times = d + 44, *idx = times + timecnt * tsize,
                            *types = idx + timecnt;
        z->n = timecnt;
        z->at = xcalloc(timecnt + 1, sizeof *z->at);
        z->off = xcalloc(timecnt + 1, sizeof *z->off);
        z->initial = (int32_t)be32(types);
        for (uint32_t i = 0; i < timecnt; i++) {
            z->at[i] = tsize == 8 ? be64(times + 8 * i) : (int32_t)be32(times + 4 * i);
            if (idx[i] >= typecnt)
                return mk_error(err, EINVAL, "bad TZif type index");
            z->off[i] = (int32_t)be32(types + 6 * idx[i]);
        }
        return 0;
    }
    return 0;
}

/* A zone name as Go's time.LoadLocation takes one: relative, no "..". */
static bool zone_name_ok(const char *name)
{
    if (!*name || *name == '/' || strstr(name, "..") || strlen(name) > 128)
        return false;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("/_+-", *p))
            return false;
    return true;
}

int cron_zone_load(const char *name, cron_zone **out, mk_err *err)
{
    *out = NULL;
    cron_zone *z = xcalloc(1, sizeof *z);
    if (!name || !*name || !strcmp(name, "UTC") || !strcmp(name, "Etc/UTC")) {
        *out = z;
        return 0;
    }
    if (!zone_name_ok(name) || !strcmp(name, "Local")) {
        free(z);
        return mk_error(err, EINVAL, "unknown time zone %.80s", name);
    }
    _cleanup_free_ char *path = xasprintf("%s/%s", ZONEINFO_DIR, name);
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    mk_err rerr = {0};
    int r = mk_read_file(path, ZONE_MAX, &data, &len, &rerr);
    if (r == 0)
        r = zone_parse((const unsigned char *)data, len, z, &rerr);
    if (r < 0) {
        cron_zone_free(z);
        return mk_error(err, ENOENT, "unknown time zone %.80s", name);
    }
    *out = z;
    return 0;
}

void cron_zone_free(cron_zone *z)
{
    if (!z)
        return;
    free(z->at);
    free(z->off);
    free(z);
}

int64_t cron_zone_offset(const cron_zone *z, int64_t t)
{
    if (!z || z->n == 0 || t < z->at[0])
        return z ? z->initial : 0;
    size_t lo = 0, hi = z->n; /* the last transition at or before t is in [lo, hi) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->at[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return z->off[lo];
}

/* ---- the next time ---- */

static bool day_matches(const cron_schedule *s, const struct tm *tm)
{
    bool dom = s->dom >> tm->tm_mday & 1, dow = s->dow >> tm->tm_wday & 1;
    return s->dom_star || s->dow_star ? dom && dow : dom || dow;
}

/* The first instant after t whose local time may be `to` or later, but
 * never past it: a step back where the offset grows on the way. */
static int64_t jump(const cron_zone *z, int64_t t, int64_t off, int64_t to)
{
    int64_t n = to - off, off2 = cron_zone_offset(z, n);
    if (off2 > off)
        n = to - off2;
    return n > t ? n : t + 60;
}

int64_t cron_next(const cron_schedule *s, const cron_zone *z, int64_t after)
{
    int64_t t = (after >= 0 ? after / 60 : (after - 59) / 60) * 60 + 60;
    for (int64_t end = after + CRON_HORIZON; t <= end;) {
        int64_t off = cron_zone_offset(z, t), local = t + off, to;
        time_t lt = (time_t)local;
        struct tm tm;
        gmtime_r(&lt, &tm);
        int64_t midnight = local - tm.tm_hour * 3600 - tm.tm_min * 60 - tm.tm_sec;
        if (!(s->month >> (tm.tm_mon + 1) & 1)) {
            struct tm next = {.tm_year = tm.tm_year, .tm_mon = tm.tm_mon + 1, .tm_mday = 1};
            to = (int64_t)timegm(&next);
        } else if (!day_matches(s, &tm)) {
            to = midnight + 86400;
        } else if (!(s->hour >> tm.tm_hour & 1)) {
            to = local - tm.tm_min * 60 - tm.tm_sec + 3600;
        } else if (!(s->minute >> tm.tm_min & 1)) {
            to = local - tm.tm_sec + 60;
        } else {
            return t;
        }
        t = jump(z, t, off, to);
    }
    return -1;
}
