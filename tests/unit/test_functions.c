/* test_functions.c - the workflow state machine and the KPA autoscaler. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "functions/autoscaler.h"
#include "functions/workflow.h"
#include "store/codec.h"

/* A task that doubles $.n, or fails for the function "bad". */
static int task(void *ctx, const char *fn, json_object *in, json_object **out, char **error)
{
    if (!strcmp(fn, "bad")) {
        *error = strdup("function bad: HTTP 500: boom");
        return -1;
    }
    *out = json_object_new_object();
    json_object_object_add(*out, "n", json_object_new_int64(2 * mk_json_int(in, "n", 0)));
    return 0;
}

static json_object *wf(const char *text)
{
    json_object *o = json_tokener_parse(text);
    assert_non_null(o);
    return o;
}

static const char sizer[] =
    "{\"metadata\":{\"name\":\"sizer\"},\"spec\":{\"StartAt\":\"D\",\"States\":{"
    "\"D\":{\"Type\":\"Task\",\"Resource\":\"double\",\"Next\":\"C\"},"
    "\"C\":{\"Type\":\"Choice\",\"Choices\":[{\"Variable\":\"$.n\",\"NumericGreaterThan\":10,"
    "\"Next\":\"Big\"}],\"Default\":\"Small\"},"
    "\"Big\":{\"Type\":\"Pass\",\"Result\":{\"size\":\"big\"},\"End\":true},"
    "\"Small\":{\"Type\":\"Fail\",\"Error\":\"TooSmall\",\"Cause\":\"c\"}}}}";

static void test_branch_both_ways(void **state)
{
    json_object *w = wf(sizer), *in = json_tokener_parse("{\"n\":8}");
    json_object *rec = workflow_run(w, in, 100, task, NULL);
    assert_string_equal(mk_json_str(rec, "status"), "SUCCEEDED");
    assert_string_equal(mk_json_str(rec, "output.size"), "big");
    assert_int_equal(json_object_array_length(mk_json_path(rec, "steps")), 3);
    json_object_put(rec);
    json_object_put(in);
    in = json_tokener_parse("{\"n\":5}");
    rec = workflow_run(w, in, 100, task, NULL);
    assert_string_equal(mk_json_str(rec, "status"), "FAILED");
    assert_string_equal(mk_json_str(rec, "error"), "TooSmall");
    assert_string_equal(mk_json_str(rec, "cause"), "c");
    json_object_put(rec);
    json_object_put(in);
    json_object_put(w);
}

static void test_step_limit_and_task_failure(void **state)
{
    json_object *w = wf(
        "{\"spec\":{\"startAt\":\"A\",\"maxSteps\":5,\"states\":{"
        "\"A\":{\"type\":\"Pass\",\"next\":\"B\"},\"B\":{\"type\":\"Pass\",\"next\":\"A\"}}}}");
    json_object *rec = workflow_run(w, NULL, 100, task, NULL);
    assert_string_equal(mk_json_str(rec, "error"), "States.StepLimitExceeded");
    assert_int_equal(json_object_array_length(mk_json_path(rec, "steps")), 5);
    json_object_put(rec);
    json_object_put(w);
    w = wf("{\"spec\":{\"startAt\":\"A\",\"states\":{\"A\":{\"type\":\"Task\",\"resource\":"
           "\"bad\","
           "\"end\":true}}}}");
    rec = workflow_run(w, NULL, 100, task, NULL);
    assert_string_equal(mk_json_str(rec, "error"), "States.TaskFailed");
    assert_non_null(strstr(mk_json_str(rec, "cause"), "boom"));
    json_object_put(rec);
    json_object_put(w);
}

static void test_rules(void **state)
{
    json_object *in =
        json_tokener_parse("{\"a\":{\"b\":[1,{\"s\":\"x\",\"t\":true}]},\"n\":3}");
    struct {
        const char *rule;
        bool want;
    } cases[] = {
        {"{\"Variable\":\"$.a.b[1].s\",\"StringEquals\":\"x\"}", true},
        {"{\"Variable\":\"$.a.b[1].t\",\"BooleanEquals\":false}", false},
        {"{\"Variable\":\"$.n\",\"NumericLessThanEquals\":3}", true},
        {"{\"Variable\":\"$.n\",\"NumericEquals\":4}", false},
        {"{\"Variable\":\"$.zz\",\"IsPresent\":false}", true},
        {"{\"Variable\":\"$.zz\",\"NumericEquals\":1}", false},
        {"{\"Not\":{\"Variable\":\"$.n\",\"NumericGreaterThan\":5}}", true},
        {"{\"And\":[{\"Variable\":\"$.n\",\"NumericGreaterThanEquals\":3},"
         "{\"Variable\":\"$.a.b[0]\",\"NumericEquals\":1}]}",
         true},
        {"{\"or\":[{\"variable\":\"$.n\",\"numericLessThan\":0},"
         "{\"variable\":\"$.a.b[1].s\",\"stringEquals\":\"y\"}]}",
         false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_object *r = json_tokener_parse(cases[i].rule);
        assert_int_equal(workflow_rule_matches(r, in), cases[i].want);
        json_object_put(r);
    }
    json_object_put(in);
}

static const kpa_config cfg = {.stable_window_ms = 60000,
                               .panic_window_ms = 6000,
                               .target = 10,
                               .scale_to_zero_ms = 30000,
                               .min = 0,
                               .max = 20};

static void test_kpa_stable_and_zero(void **state)
{
    kpa a;
    kpa_init(&a, 1);
    int64_t t = 0;
    kpa_decision d = {0};
    for (int i = 0; i < 60; i++, t += 1000) {
        kpa_record(&a, t, 25); /* ceil(25 / 10) = 3 */
        d = kpa_decide(&a, &cfg, t, 3, t);
    }
    assert_int_equal(d.desired, 3);
    assert_false(d.panic_mode);
    /* Idle: the stable mean falls, one pod stays while a call is recent,
     * zero once scaleToZeroAfter and the stable window have passed. */
    int64_t last_call = t;
    for (int i = 0; i < 61; i++, t += 1000) {
        kpa_record(&a, t, 0);
        d = kpa_decide(&a, &cfg, t, 3, last_call);
        if (t - last_call < 30000)
            assert_true(d.desired >= 1);
    }
    assert_int_equal(d.desired, 0);
}

static void test_kpa_panic_never_scales_down(void **state)
{
    kpa a;
    kpa_init(&a, 1);
    kpa_decision d = kpa_decide(&a, &cfg, 0, 1, 0);
    kpa_record(&a, 1000, 100); /* a burst: 10 pods' worth on 1 */
    d = kpa_decide(&a, &cfg, 1000, 1, 1000);
    assert_true(d.panic_mode);
    assert_int_equal(d.desired, 10);
    for (int64_t t = 2000; t < 10000; t += 1000) { /* the burst ends */
        kpa_record(&a, t, 1);
        d = kpa_decide(&a, &cfg, t, 10, t);
        assert_true(d.panic_mode);
        assert_int_equal(d.desired, 10);
    }
    /* max caps it */
    kpa_config capped = cfg;
    capped.max = 4;
    kpa_init(&a, 1);
    kpa_record(&a, 0, 100);
    assert_int_equal(kpa_decide(&a, &capped, 0, 1, 0).desired, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_branch_both_ways),
        cmocka_unit_test(test_step_limit_and_task_failure),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_kpa_stable_and_zero),
        cmocka_unit_test(test_kpa_panic_never_scales_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
