/* The CronJob controller's decision (controllers/cronjob.h): which
 * scheduled time is due, missed times, the starting deadline, the
 * concurrency policy, and when to wake. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "controllers/cronjob.h"
#include "store/codec.h"
#include "store/util.h"

static int64_t at(const char *rfc3339)
{
    return mk_parse_rfc3339(rfc3339);
}

/* cj: the CronJob's JSON (created 2026-01-01T00:00:00Z unless it says). */
static cronjob_plan plan(const char *schedule, const char *cj, const char *now)
{
    _cleanup_free_ char *text =
        xasprintf("{\"metadata\":{\"name\":\"hello\",\"creationTimestamp\":"
                  "\"2026-01-01T00:00:00Z\"},%s}",
                  cj);
    json_object *o = json_tokener_parse(text);
    assert_non_null(o);
    cron_schedule s;
    mk_err err = {0};
    assert_int_equal(cron_parse(schedule, &s, &err), 0);
    cronjob_plan p;
    cronjob_decide(o, &s, NULL, at(now), &p);
    json_object_put(o);
    return p;
}

static void test_due(void **state)
{
    (void)state;
    /* Not yet: wake at the next time. */
    cronjob_plan p = plan("*/5 * * * *", "\"spec\":{}", "2026-01-01T00:03:10Z");
    assert_int_equal(p.scheduled, -1);
    assert_int_equal(p.next, at("2026-01-01T00:05:00Z"));
    /* Due: the time just passed; the next one after now. */
    p = plan("*/5 * * * *", "\"spec\":{}", "2026-01-01T00:05:01Z");
    assert_int_equal(p.scheduled, at("2026-01-01T00:05:00Z"));
    assert_int_equal(p.next, at("2026-01-01T00:10:00Z"));
    assert_false(p.already || p.too_late || p.forbid || p.replace || p.too_many_missed);
    /* Done already: lastScheduleTime says so. */
    p = plan("*/5 * * * *",
             "\"spec\":{},\"status\":{\"lastScheduleTime\":\"2026-01-01T00:05:00Z\"}",
             "2026-01-01T00:06:00Z");
    assert_int_equal(p.scheduled, -1);
    /* Or its Job is active by name (minutes since the epoch). */
    _cleanup_free_ char *name = cronjob_job_name("hello", at("2026-01-01T00:05:00Z"));
    assert_string_equal(name, "hello-29453765");
    _cleanup_free_ char *active =
        xasprintf("\"spec\":{},\"status\":{\"active\":[{\"name\":\"%s\"}]}", name);
    p = plan("*/5 * * * *", active, "2026-01-01T00:06:00Z");
    assert_true(p.already);
}

static void test_missed(void **state)
{
    (void)state;
    /* Three times missed since the last: only the most recent runs. */
    cronjob_plan p = plan(
        "*/5 * * * *", "\"spec\":{},\"status\":{\"lastScheduleTime\":\"2026-01-01T00:05:00Z\"}",
        "2026-01-01T00:21:00Z");
    assert_int_equal(p.scheduled, at("2026-01-01T00:20:00Z"));
    assert_false(p.too_many_missed);
    /* A day of every minute: too many, still the most recent. */
    p = plan("* * * * *", "\"spec\":{}", "2026-01-02T00:00:30Z");
    assert_true(p.too_many_missed);
    assert_int_equal(p.scheduled, at("2026-01-02T00:00:00Z"));
    /* startingDeadlineSeconds: only the times within it count, so no
     * warning, and a time older than it is not run. */
    p = plan("* * * * *", "\"spec\":{\"startingDeadlineSeconds\":200}", "2026-01-02T00:00:30Z");
    assert_false(p.too_many_missed);
    assert_int_equal(p.scheduled, at("2026-01-02T00:00:00Z"));
    p = plan("0 * * * *", "\"spec\":{\"startingDeadlineSeconds\":60}", "2026-01-01T05:10:00Z");
    assert_int_equal(p.scheduled, -1);
    assert_int_equal(p.next, at("2026-01-01T06:00:00Z"));
}

static void test_concurrency(void **state)
{
    (void)state;
    const char *now = "2026-01-01T00:05:01Z";
    const char *busy = "\"status\":{\"active\":[{\"name\":\"hello-1\"}]}";
    _cleanup_free_ char *allow = xasprintf("\"spec\":{},%s", busy);
    _cleanup_free_ char *forbid =
        xasprintf("\"spec\":{\"concurrencyPolicy\":\"Forbid\"},%s", busy);
    _cleanup_free_ char *replace =
        xasprintf("\"spec\":{\"concurrencyPolicy\":\"Replace\"},%s", busy);
    cronjob_plan p = plan("*/5 * * * *", allow, now);
    assert_false(p.forbid || p.replace);
    assert_int_equal(p.scheduled, at("2026-01-01T00:05:00Z"));
    p = plan("*/5 * * * *", forbid, now);
    assert_true(p.forbid);
    p = plan("*/5 * * * *", replace, now);
    assert_true(p.replace);
    /* Nothing active: no policy applies. */
    p = plan("*/5 * * * *", "\"spec\":{\"concurrencyPolicy\":\"Forbid\"}", now);
    assert_false(p.forbid);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_due),
        cmocka_unit_test(test_missed),
        cmocka_unit_test(test_concurrency),
    };
    return cmocka_run_group_tests_name("cronjob", tests, NULL, NULL);
}
