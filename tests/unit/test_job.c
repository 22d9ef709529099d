/* The Job controller's decision (controllers/job.h): how many pods to
 * create or delete, and when the Job ends, from its spec and its pods. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "controllers/job.h"
#include "store/codec.h"
#include "store/util.h"

/* The plan for a Job of that spec, started 2026-01-01T00:00:00Z, whose
 * status has the extra fields `more` ("" or ",\"conditions\":[...]"). */
static job_plan plan_with(const char *spec, const char *more, int active, int succeeded,
                          int failed, int64_t now)
{
    _cleanup_free_ char *text = xasprintf("{\"spec\":%s,\"status\":{\"startTime\":"
                                          "\"2026-01-01T00:00:00Z\"%s}}",
                                          spec, more);
    json_object *job = json_tokener_parse(text);
    assert_non_null(job);
    job_counts n = {active, succeeded, failed, NULL};
    job_plan p;
    job_decide(job, &n, now ? now : mk_parse_rfc3339("2026-01-01T00:00:10Z"), &p);
    json_object_put(job);
    return p;
}

static job_plan plan(const char *spec, int active, int succeeded, int failed, int64_t now)
{
    return plan_with(spec, "", active, succeeded, failed, now);
}

static void test_counts(void **state)
{
    (void)state;
    job_plan p = plan("{}", 0, 0, 0, 0); /* one pod, to one success */
    assert_int_equal(p.create, 1);
    assert_null(p.finish);
    p = plan("{}", 0, 1, 0, 0);
    assert_string_equal(p.finish, "Complete");
    /* 5 completions, 2 at a time: never more than 2, never more than left. */
    p = plan("{\"completions\":5,\"parallelism\":2}", 0, 0, 0, 0);
    assert_int_equal(p.create, 2);
    p = plan("{\"completions\":5,\"parallelism\":2}", 1, 3, 0, 0);
    assert_int_equal(p.create, 1);
    p = plan("{\"completions\":5,\"parallelism\":2}", 1, 4, 0, 0);
    assert_int_equal(p.create, 0);
    assert_int_equal(p.remove, 0);
    p = plan("{\"completions\":5,\"parallelism\":2}", 0, 5, 0, 0);
    assert_string_equal(p.finish, "Complete");
    /* parallelism lowered: the surplus goes. */
    p = plan("{\"completions\":5,\"parallelism\":1}", 3, 0, 0, 0);
    assert_int_equal(p.remove, 2);
}

static void test_work_queue(void **state)
{
    (void)state;
    /* No completions, parallelism 3: all start; the first success ends it
     * once the others are done, and none is started after it. */
    job_plan p = plan("{\"parallelism\":3}", 0, 0, 0, 0);
    assert_int_equal(p.create, 3);
    p = plan("{\"parallelism\":3}", 2, 1, 0, 0);
    assert_int_equal(p.create, 0);
    assert_null(p.finish);
    p = plan("{\"parallelism\":3}", 0, 1, 0, 0);
    assert_string_equal(p.finish, "Complete");
}

static void test_failures(void **state)
{
    (void)state;
    job_plan p = plan("{\"backoffLimit\":2}", 1, 0, 2, 0);
    assert_null(p.finish); /* 2 failures are within a limit of 2 */
    assert_int_equal(p.create, 0);
    p = plan("{\"backoffLimit\":2}", 1, 0, 3, 0);
    assert_string_equal(p.finish, "Failed");
    assert_string_equal(p.reason, "BackoffLimitExceeded");
    assert_int_equal(p.remove, 1);
    p = plan("{\"activeDeadlineSeconds\":10}", 1, 0, 0,
             mk_parse_rfc3339("2026-01-01T00:00:11Z"));
    assert_string_equal(p.reason, "DeadlineExceeded");
    assert_int_equal(p.remove, 1);
    p = plan("{\"activeDeadlineSeconds\":10}", 1, 0, 0,
             mk_parse_rfc3339("2026-01-01T00:00:05Z"));
    assert_null(p.finish);
}

/* A failed pod of job "j": its container "c" ended with code; conds: a
 * conditions array text. */
static json_object *failed_pod(int code, const char *conds)
{
    _cleanup_free_ char *text = xasprintf(
        "{\"metadata\":{\"name\":\"j-1\",\"namespace\":\"ns\"},\"status\":{\"phase\":"
        "\"Failed\",\"conditions\":%s,\"containerStatuses\":[{\"name\":\"c\",\"state\":{"
        "\"terminated\":{\"exitCode\":%d}}}]}}",
        conds, code);
    json_object *o = json_tokener_parse(text);
    assert_non_null(o);
    return o;
}

static void test_pod_failure_policy(void **state)
{
    (void)state;
    json_object *job = json_tokener_parse(
        "{\"spec\":{\"podFailurePolicy\":{\"rules\":["
        "{\"action\":\"FailJob\",\"onExitCodes\":{\"containerName\":\"c\","
        "\"operator\":\"In\",\"values\":[42]}},"
        "{\"action\":\"Ignore\",\"onPodConditions\":[{\"type\":\"DisruptionTarget\"}]},"
        "{\"action\":\"Ignore\",\"onExitCodes\":{\"operator\":\"NotIn\",\"values\":[1,2]}},"
        "{\"action\":\"Count\",\"onExitCodes\":{\"operator\":\"In\",\"values\":[1]}}]}}}");
    char *why;
    json_object *pod = failed_pod(42, "[]");
    assert_int_equal(job_pod_failure(job, pod, &why), JOB_FAILURE_FAIL_JOB);
    assert_string_equal(why, "Container c for pod ns/j-1 failed with exit code 42 matching "
                             "FailJob rule at index 0");
    free(why);
    json_object_put(pod);
    /* a condition, True when the rule names no status */
    pod = failed_pod(1, "[{\"type\":\"DisruptionTarget\",\"status\":\"True\"}]");
    assert_int_equal(job_pod_failure(job, pod, &why), JOB_FAILURE_IGNORE);
    assert_null(why);
    json_object_put(pod);
    pod = failed_pod(7, "[]"); /* NotIn [1,2] */
    assert_int_equal(job_pod_failure(job, pod, &why), JOB_FAILURE_IGNORE);
    json_object_put(pod);
    pod = failed_pod(1, "[]");
    assert_int_equal(job_pod_failure(job, pod, &why), JOB_FAILURE_COUNT);
    json_object_put(pod);
    /* 2: no rule matches: counted */
    pod = failed_pod(2, "[]");
    assert_int_equal(job_pod_failure(job, pod, &why), JOB_FAILURE_COUNT);
    json_object_put(pod);
    json_object_put(job);
    /* A FailJob match ends the Job before its backoffLimit. */
    json_object *j = json_tokener_parse("{\"spec\":{\"backoffLimit\":6}}");
    job_counts n = {1, 0, 1, "Container c for pod ns/j-1 failed"};
    job_plan p;
    job_decide(j, &n, 0, &p);
    assert_string_equal(p.finish, "Failed");
    assert_string_equal(p.reason, "PodFailurePolicy");
    assert_string_equal(p.message, "Container c for pod ns/j-1 failed");
    assert_int_equal(p.remove, 1);
    json_object_put(j);
}

static void test_suspend(void **state)
{
    (void)state;
    static const char suspended[] = ",\"conditions\":[{\"type\":\"Suspended\","
                                    "\"status\":\"True\"}]";
    job_plan p = plan("{\"suspend\":true,\"parallelism\":2,\"completions\":4}", 2, 0, 0, 0);
    assert_int_equal(p.remove, 2);
    assert_int_equal(p.create, 0);
    assert_string_equal(p.suspended, "True");
    p = plan_with("{\"suspend\":true}", suspended, 0, 0, 0, 0);
    assert_null(p.suspended); /* already said */
    /* Suspended past its deadline: the clock is stopped, nothing fails. */
    p = plan_with("{\"suspend\":true,\"activeDeadlineSeconds\":5}", suspended, 0, 0, 0, 0);
    assert_null(p.finish);
    /* Resumed: the condition turns False, pods start, the clock restarts. */
    p = plan_with("{\"suspend\":false,\"activeDeadlineSeconds\":5}", suspended, 0, 0, 0, 0);
    assert_string_equal(p.suspended, "False");
    assert_int_equal(p.create, 1);
    assert_null(p.finish);
}

/* Indexed Jobs: completedIndexes as Kubernetes writes it, read back, and
 * the lowest missing indexes picked for new pods. */
static void test_indexes(void **state)
{
    (void)state;
    bool done[8] = {true, true, true, false, true, false, true, true};
    mk_buf b = {0};
    job_format_indexes(done, 8, &b);
    assert_string_equal(b.data, "0-2,4,6-7");
    bool back[8] = {0};
    job_parse_indexes(b.data, back, 8);
    assert_memory_equal(back, done, sizeof done);
    free(b.data);
    b = (mk_buf){0};
    bool none[3] = {0};
    job_format_indexes(none, 3, &b);
    assert_string_equal(b.data, "");
    free(b.data);
    bool small[3] = {0};
    job_parse_indexes("1,2-9,x", small, 3); /* beyond n and unreadable: skipped */
    assert_false(small[0]);
    assert_true(small[1] && small[2]);
    bool active[8] = {false, false, false, true};
    int out[4];
    assert_int_equal(job_pick_indexes(done, active, 8, 4, out), 1);
    assert_int_equal(out[0], 5);
    json_object *pod =
        json_tokener_parse("{\"metadata\":{\"annotations\":{\"" JOB_INDEX_KEY "\":\"3\"}}}");
    assert_int_equal(job_pod_index(pod), 3);
    json_object_put(pod);
    pod = json_tokener_parse("{\"metadata\":{\"annotations\":{\"" JOB_INDEX_KEY "\":\"-1\"}}}");
    assert_int_equal(job_pod_index(pod), -1);
    json_object_put(pod);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),   cmocka_unit_test(test_work_queue),
        cmocka_unit_test(test_failures), cmocka_unit_test(test_suspend),
        cmocka_unit_test(test_indexes),  cmocka_unit_test(test_pod_failure_policy),
    };
    return cmocka_run_group_tests_name("job", tests, NULL, NULL);
}
