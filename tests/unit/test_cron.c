/* store/cron.c: the schedule language, zones from TZif files, and the next
 * time a schedule fires. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "store/cron.h"
#include "store/util.h"

static int64_t at(const char *rfc3339)
{
    return mk_parse_rfc3339(rfc3339);
}

/* The next firing of spec after `after`, in zone (NULL: UTC), as RFC 3339 UTC. */
static const char *next(const char *spec, const char *zone, const char *after)
{
    static char buf[32];
    cron_schedule s;
    mk_err err = {0};
    assert_int_equal(cron_parse(spec, &s, &err), 0);
    cron_zone *z = NULL;
    assert_int_equal(cron_zone_load(zone, &z, &err), 0);
    int64_t t = cron_next(&s, z, at(after));
    cron_zone_free(z);
    if (t < 0)
        return "never";
    mk_rfc3339(buf, sizeof buf, t);
    return buf;
}

static void test_fields(void **state)
{
    (void)state;
    assert_string_equal(next("* * * * *", NULL, "2026-01-01T00:00:00Z"),
                        "2026-01-01T00:01:00Z");
    assert_string_equal(next("* * * * *", NULL, "2026-01-01T00:00:30Z"),
                        "2026-01-01T00:01:00Z");
    assert_string_equal(next("*/15 * * * *", NULL, "2026-01-01T00:16:00Z"),
                        "2026-01-01T00:30:00Z");
    assert_string_equal(next("5/20 * * * *", NULL, "2026-01-01T00:46:00Z"),
                        "2026-01-01T01:05:00Z");
    assert_string_equal(next("0 9-17/4 * * *", NULL, "2026-01-01T14:00:00Z"),
                        "2026-01-01T17:00:00Z");
    assert_string_equal(next("30 2 1,15 * *", NULL, "2026-01-02T00:00:00Z"),
                        "2026-01-15T02:30:00Z");
    /* Names, any case; 2026-01-01 is a Thursday. */
    assert_string_equal(next("0 0 * * MON-fri", NULL, "2026-01-02T00:00:00Z"),
                        "2026-01-05T00:00:00Z");
    assert_string_equal(next("0 0 1 jun,Dec *", NULL, "2026-01-02T00:00:00Z"),
                        "2026-06-01T00:00:00Z");
    assert_string_equal(next("0 0 * * 7", NULL, "2026-01-01T00:00:00Z"),
                        "2026-01-04T00:00:00Z");
    /* Both day fields restricted: either matches (the 10th, or a Monday). */
    assert_string_equal(next("0 0 10 * 1", NULL, "2026-01-01T00:00:00Z"),
                        "2026-01-05T00:00:00Z");
    /* One of them `*`: both must match. */
    assert_string_equal(next("0 0 10 * ?", NULL, "2026-01-01T00:00:00Z"),
                        "2026-01-10T00:00:00Z");
    assert_string_equal(next("0 0 29 2 *", NULL, "2026-01-01T00:00:00Z"),
                        "2028-02-29T00:00:00Z");
    assert_string_equal(next("0 0 30 2 *", NULL, "2026-01-01T00:00:00Z"), "never");
}

static void test_macros(void **state)
{
    (void)state;
    const char *after = "2026-05-17T10:20:00Z"; /* a Sunday */
    assert_string_equal(next("@yearly", NULL, after), "2027-01-01T00:00:00Z");
    assert_string_equal(next("@annually", NULL, after), "2027-01-01T00:00:00Z");
    assert_string_equal(next("@monthly", NULL, after), "2026-06-01T00:00:00Z");
    assert_string_equal(next("@weekly", NULL, after), "2026-05-24T00:00:00Z");
    assert_string_equal(next("@daily", NULL, after), "2026-05-18T00:00:00Z");
    assert_string_equal(next("@midnight", NULL, after), "2026-05-18T00:00:00Z");
    assert_string_equal(next("@hourly", NULL, after), "2026-05-17T11:00:00Z");
}

static void test_errors(void **state)
{
    (void)state;
    static const char *const bad[][2] = {
        {"* * * *", "expected exactly 5 fields"},
        {"* * * * * *", "expected exactly 5 fields"},
        {"60 * * * *", "minute: 60 is out of range 0-59"},
        {"* 24 * * *", "hour: 24"},
        {"* * 0 * *", "day of month: 0"},
        {"* * * 13 *", "month: 13"},
        {"* * * * 8", "day of week: 8"},
        {"*/0 * * * *", "minute: 0 is out of range"},
        {"5-1 * * * *", "goes backwards"},
        {"x * * * *", "minute: not a number"},
        {"1,,2 * * * *", "minute: empty value"},
        {"@every 1h", "@every is not supported"},
        {"@weekdays", "unrecognized descriptor"},
        {"TZ=UTC * * * * *", "use timeZone field instead"},
        {"", "found 0"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        cron_schedule s;
        mk_err err = {0};
        assert_int_equal(cron_parse(bad[i][0], &s, &err), -EINVAL);
        if (!strstr(err.msg, bad[i][1]))
            fail_msg("\"%s\": %s (want %s)", bad[i][0], err.msg, bad[i][1]);
    }
}

static void test_zones(void **state)
{
    (void)state;
    cron_zone *z = NULL;
    mk_err err = {0};
    assert_int_equal(cron_zone_load("Europe/Paris", &z, &err), 0);
    assert_int_equal(cron_zone_offset(z, at("2026-01-15T12:00:00Z")), 3600);
    assert_int_equal(cron_zone_offset(z, at("2026-07-15T12:00:00Z")), 7200);
    cron_zone_free(z);
    assert_int_equal(cron_zone_load("Mars/Olympus", &z, &err), -ENOENT);
    assert_non_null(strstr(err.msg, "unknown time zone Mars/Olympus"));
    assert_int_equal(cron_zone_load("../etc/passwd", &z, &err), -EINVAL);
    assert_int_equal(cron_zone_load("Local", &z, &err), -EINVAL);
    assert_int_equal(cron_zone_load("Etc/UTC", &z, &err), 0);
    assert_int_equal(cron_zone_offset(z, 0), 0);
    cron_zone_free(z);
    /* 9:00 in New York is 14:00 UTC in winter, 13:00 in summer. */
    assert_string_equal(next("0 9 * * *", "America/New_York", "2026-01-10T00:00:00Z"),
                        "2026-01-10T14:00:00Z");
    assert_string_equal(next("0 9 * * *", "America/New_York", "2026-07-10T00:00:00Z"),
                        "2026-07-10T13:00:00Z");
    assert_string_equal(next("0 0 1 * *", "Asia/Kolkata", "2026-01-10T00:00:00Z"),
                        "2026-01-31T18:30:00Z");
    /* Paris springs forward on 2026-03-29 at 02:00 local: 02:30 never
     * happens that day; it falls back on 2026-10-25 at 03:00, so 02:30
     * happens twice (00:30 and 01:30 UTC). */
    assert_string_equal(next("30 2 * * *", "Europe/Paris", "2026-03-28T02:00:00Z"),
                        "2026-03-30T00:30:00Z");
    assert_string_equal(next("30 2 * * *", "Europe/Paris", "2026-10-24T23:00:00Z"),
                        "2026-10-25T00:30:00Z");
    assert_string_equal(next("30 2 * * *", "Europe/Paris", "2026-10-25T00:30:00Z"),
                        "2026-10-25T01:30:00Z");
    assert_string_equal(next("0 3 * * *", "Europe/Paris", "2026-03-28T03:00:00Z"),
                        "2026-03-29T01:00:00Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_macros),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_zones),
    };
    return cmocka_run_group_tests_name("cron", tests, NULL, NULL);
}
