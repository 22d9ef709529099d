/* test_qos.c - pods' QoS classes and the OOM ranks that follow from them,
 * against the cases of Kubernetes' own qos_test.go and policy_test.go. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "store/codec.h"
#include "store/qos.h"

/* The class of a pod spec written as YAML flow. */
static const char *qos_of(const char *yaml)
{
    json_object *docs = NULL;
    mk_err err = {0};
    if (codec_decode_all(yaml, strlen(yaml), &docs, &err) < 0)
        fail_msg("%s: %s", yaml, err.msg);
    const char *name = qos_name(qos_of_spec(json_object_array_get_idx(docs, 0)));
    json_object_put(docs);
    return name;
}

static void test_classes(void **state)
{
    (void)state;
    assert_string_equal(qos_of("{containers: [{name: a}, {name: b}]}"), "BestEffort");
    /* Zero asks for nothing; other resources do not count. */
    assert_string_equal(
        qos_of(
            "{containers: [{name: a, resources: {requests: {cpu: '0', nvidia.com/gpu: 1}}}]}"),
        "BestEffort");
    /* Limits alone: requests are the limits. */
    assert_string_equal(
        qos_of("{containers: [{name: a, resources: {limits: {cpu: 100m, memory: 1Gi}}}]}"),
        "Guaranteed");
    assert_string_equal(qos_of("{containers: [{name: a, resources: {limits: {cpu: '0.1', "
                               "memory: 1Gi}, requests: {cpu: 100m, memory: 1024Mi}}}]}"),
                        "Guaranteed");
    /* Requests below limits, one resource unlimited, one container without. */
    assert_string_equal(qos_of("{containers: [{name: a, resources: {limits: {cpu: 200m, "
                               "memory: 1Gi}, requests: {cpu: 100m}}}]}"),
                        "Burstable");
    assert_string_equal(qos_of("{containers: [{name: a, resources: {limits: {memory: 1Gi}}}]}"),
                        "Burstable");
    assert_string_equal(
        qos_of("{containers: [{name: a, resources: {limits: {cpu: '1', memory: 1Gi}}}, "
               "{name: b}]}"),
        "Burstable");
    /* Init containers count as the others do. */
    assert_string_equal(
        qos_of("{containers: [{name: a, resources: {limits: {cpu: '1', memory: 1Gi}}}], "
               "initContainers: [{name: i, resources: {requests: {memory: 1Mi}}}]}"),
        "Burstable");
    assert_string_equal(qos_of("{}"), "BestEffort");
}

static void test_oom_score_adj(void **state)
{
    (void)state;
    const int64_t gib = 1 << 30;
    assert_int_equal(qos_oom_score_adj(QOS_GUARANTEED, gib, 4 * gib), -997);
    assert_int_equal(qos_oom_score_adj(QOS_BEST_EFFORT, 0, 4 * gib), 1000);
    /* A quarter of the node: 1000 - 250. */
    assert_int_equal(qos_oom_score_adj(QOS_BURSTABLE, gib, 4 * gib), 750);
    /* Asking for nothing is still ranked under BestEffort... */
    assert_int_equal(qos_oom_score_adj(QOS_BURSTABLE, 0, 4 * gib), 999);
    /* ...and asking for all of it still above Guaranteed. */
    assert_int_equal(qos_oom_score_adj(QOS_BURSTABLE, 8 * gib, 4 * gib), 3);
    assert_int_equal(qos_oom_score_adj(QOS_BURSTABLE, gib, 0), 999);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_oom_score_adj),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
