/* A PodDisruptionBudget's status (controllers/pdbstatus.c), case by case as
 * Kubernetes' disruption controller computes it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "yaml_fixture.h"

#include <string.h>

#include "controllers/pdbstatus.h"
#include "store/codec.h"
#include "store/util.h"

#define NOW 1800000000 /* 2027-01-15T08:00:00Z */

/* n pods: the first `ready` Ready, the rest not; pod-<i>. */
static json_object *pods(int n, int ready)
{
    json_object *a = json_object_new_array();
    for (int i = 0; i < n; i++) {
        _cleanup_free_ char *t =
            xasprintf("metadata: {name: pod-%d}\nstatus: {conditions: [{type: Ready, status: "
                      "\"%s\"}]}\n",
                      i, i < ready ? "True" : "False");
        json_object_array_add(a, yaml(t));
    }
    return a;
}

static json_object *status_of(const char *pdb_yaml, json_object *ps, int64_t scale,
                              int64_t *recheck)
{
    json_object *pdb = yaml(pdb_yaml);
    int64_t r = 0;
    json_object *st = pdb_status(pdb, ps, scale, "found no controllers for pod \"x\"", NOW, &r);
    if (recheck)
        *recheck = r;
    json_object_put(pdb);
    json_object_put(ps);
    return st;
}

static void expect(json_object *st, int64_t allowed, int64_t healthy, int64_t desired,
                   int64_t expected, const char *reason)
{
    assert_int_equal(mk_json_int(st, "disruptionsAllowed", -1), allowed);
    assert_int_equal(mk_json_int(st, "currentHealthy", -1), healthy);
    assert_int_equal(mk_json_int(st, "desiredHealthy", -1), desired);
    assert_int_equal(mk_json_int(st, "expectedPods", -1), expected);
    json_object *c = json_object_array_get_idx(mk_json_path(st, "conditions"), 0);
    assert_string_equal(mk_json_str(c, "type"), "DisruptionAllowed");
    assert_string_equal(mk_json_str(c, "reason"), reason);
    assert_string_equal(mk_json_str(c, "status"), allowed > 0 ? "True" : "False");
    json_object_put(st);
}

static void test_min_available(void **state)
{
    (void)state;
    /* A number: the pods selected are the expected ones; the scale is not read. */
    expect(status_of("spec: {minAvailable: 2}\n", pods(3, 3), -1, NULL), 1, 3, 2, 3,
           "SufficientPods");
    expect(status_of("spec: {minAvailable: 2}\n", pods(3, 2), -1, NULL), 0, 2, 2, 3,
           "InsufficientPods");
    expect(status_of("spec: {minAvailable: 0}\n", pods(0, 0), -1, NULL), 0, 0, 0, 0,
           "InsufficientPods");
    /* A percentage of the controllers' scale, rounded up. */
    expect(status_of("spec: {minAvailable: 50%}\n", pods(3, 3), 3, NULL), 1, 3, 2, 3,
           "SufficientPods");
    /* The scale unknown: fail safe. */
    json_object *st = status_of("spec: {minAvailable: 50%}\n", pods(3, 3), -1, NULL);
    json_object *c = json_object_array_get_idx(mk_json_path(st, "conditions"), 0);
    assert_string_equal(mk_json_str(c, "message"), "found no controllers for pod \"x\"");
    expect(st, 0, 3, 0, 0, "SyncFailed");
}

static void test_max_unavailable(void **state)
{
    (void)state;
    expect(status_of("spec: {maxUnavailable: 1}\n", pods(3, 3), 3, NULL), 1, 3, 2, 3,
           "SufficientPods");
    /* 34% of 3 rounds up to 2 unavailable: 1 desired. */
    expect(status_of("spec: {maxUnavailable: 34%}\n", pods(3, 3), 3, NULL), 2, 3, 1, 3,
           "SufficientPods");
    /* More unavailable than pods: nothing is desired. */
    expect(status_of("spec: {maxUnavailable: 5}\n", pods(2, 1), 2, NULL), 1, 1, 0, 2,
           "SufficientPods");
    /* The scale counts, not the pods there: 5 wanted, 3 up, 1 may be missing. */
    expect(status_of("spec: {maxUnavailable: 1}\n", pods(3, 3), 5, NULL), 0, 3, 4, 5,
           "InsufficientPods");
}

static void test_disrupted_pods(void **state)
{
    (void)state;
    /* pod-0 was just evicted: not healthy while it goes; the entry is kept
     * and comes due in 100 s. */
    int64_t recheck = 0;
    json_object *st = status_of("metadata: {generation: 3}\nspec: {minAvailable: 1}\n"
                                "status: {disruptedPods: {pod-0: \"2027-01-15T07:59:40Z\"}}\n",
                                pods(3, 3), -1, &recheck);
    assert_int_equal(recheck, 100);
    assert_int_equal(mk_json_int(st, "observedGeneration", 0), 3);
    assert_non_null(mk_json_path(st, "disruptedPods.pod-0"));
    expect(st, 1, 2, 1, 3, "SufficientPods");
    /* Too old (the pod did not go), or of a pod that is gone: dropped. */
    st = status_of("spec: {minAvailable: 1}\n"
                   "status: {disruptedPods: {pod-0: \"2027-01-15T07:50:00Z\", pod-9: "
                   "\"2027-01-15T07:59:59Z\"}}\n",
                   pods(3, 3), -1, &recheck);
    assert_int_equal(recheck, 0);
    assert_int_equal(json_object_object_length(mk_json_path(st, "disruptedPods")), 0);
    expect(st, 2, 3, 1, 3, "SufficientPods");
    /* A pod being deleted is not healthy, and its entry is done with. */
    json_object *ps = pods(2, 2);
    mk_json_set_str(json_object_array_get_idx(ps, 0), "metadata.deletionTimestamp",
                    "2027-01-15T07:59:59Z");
    st = status_of("spec: {minAvailable: 1}\n"
                   "status: {disruptedPods: {pod-0: \"2027-01-15T07:59:59Z\"}}\n",
                   ps, -1, NULL);
    assert_int_equal(json_object_object_length(mk_json_path(st, "disruptedPods")), 0);
    expect(st, 0, 1, 1, 2, "InsufficientPods");
}

static void test_transition_time(void **state)
{
    (void)state;
    /* The same status keeps its time; a new one takes now. */
    const char *was =
        "spec: {minAvailable: 1}\nstatus: {conditions: [{type: DisruptionAllowed, "
        "status: \"True\", lastTransitionTime: \"2026-01-01T00:00:00Z\"}]}\n";
    json_object *st = status_of(was, pods(2, 2), -1, NULL);
    json_object *c = json_object_array_get_idx(mk_json_path(st, "conditions"), 0);
    assert_string_equal(mk_json_str(c, "lastTransitionTime"), "2026-01-01T00:00:00Z");
    json_object_put(st);
    st = status_of(was, pods(2, 1), -1, NULL);
    c = json_object_array_get_idx(mk_json_path(st, "conditions"), 0);
    assert_string_equal(mk_json_str(c, "lastTransitionTime"), "2027-01-15T08:00:00Z");
    json_object_put(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_min_available), cmocka_unit_test(test_max_unavailable),
        cmocka_unit_test(test_disrupted_pods), cmocka_unit_test(test_transition_time)};
    return cmocka_run_group_tests_name("disruption", tests, NULL, NULL);
}
