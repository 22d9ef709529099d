/* test_replicaset.c - the ReplicaSet controller's and the garbage
 * collector's pure parts: which surplus pod goes first, slow-start batch
 * sizes, the pods made from a template, owner references. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "controllers/gc.h"
#include "controllers/replicaset.h"
#include "store/codec.h"

static rs_pod pod(const char *name, bool assigned, int phase, bool ready, int64_t ready_ms,
                  int64_t restarts, int64_t created)
{
    rs_pod p = {.assigned = assigned,
                .phase_rank = phase,
                .ready = ready,
                .ready_ms = ready_ms,
                .restarts = restarts,
                .created_s = created};
    strcpy(p.name, name);
    return p;
}

static int cmp(const void *a, const void *b)
{
    return replicaset_pod_cmp(a, b);
}

/* Kubernetes' ActivePods order: the first to go comes first. */
static void test_deletion_order(void **state)
{
    rs_pod v[] = {
        pod("old-ready", true, 2, true, 1000, 0, 100),
        pod("unscheduled", false, 0, false, 0, 0, 100),
        pod("pending", true, 0, false, 0, 0, 100),
        pod("running-notready", true, 2, false, 0, 0, 100),
        pod("new-ready", true, 2, true, 1000, 0, 200),
        pod("recently-ready", true, 2, true, 5000, 0, 50),
        pod("restarted", true, 2, true, 1000, 3, 100),
        pod("unknown", true, 1, false, 0, 0, 100),
    };
    qsort(v, sizeof v / sizeof v[0], sizeof v[0], cmp);
    const char *want[] = {"unscheduled",    "pending",   "unknown",   "running-notready",
                          "recently-ready", "restarted", "new-ready", "old-ready"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_string_equal(v[i].name, want[i]);
}

static void test_batches(void **state)
{
    int b[16];
    /* slow start: 1, 2, 4, 8 ... until the count is reached */
    assert_int_equal(replicaset_batches(10, b, 16), 4);
    assert_int_equal(b[0], 1);
    assert_int_equal(b[1], 2);
    assert_int_equal(b[2], 4);
    assert_int_equal(b[3], 3);
    assert_int_equal(replicaset_batches(1, b, 16), 1);
    assert_int_equal(replicaset_batches(0, b, 16), 0);
    /* 1000 pods: 1+2+4+...+256 = 511, then 489 */
    assert_int_equal(replicaset_batches(1000, b, 16), 10);
    assert_int_equal(b[8], 256);
    assert_int_equal(b[9], 489);
    /* more than max batches: the last one takes the rest */
    assert_int_equal(replicaset_batches(100, b, 3), 3);
    assert_int_equal(b[0] + b[1] + b[2], 100);
}

static const char *RS =
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\","
    "\"metadata\":{\"name\":\"web\",\"namespace\":\"default\",\"uid\":\"u-1\"},"
    "\"spec\":{\"replicas\":3,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
    "\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\",\"tier\":\"fe\"},"
    "\"annotations\":{\"a\":\"b\"}},"
    "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}}}";

static void test_new_pod(void **state)
{
    json_object *rs = json_tokener_parse(RS);
    json_object *p = replicaset_new_pod(rs);
    assert_string_equal(mk_json_str(p, "kind"), "Pod");
    assert_string_equal(mk_json_str(p, "metadata.generateName"), "web-");
    assert_null(mk_json_path(p, "metadata.name"));
    assert_string_equal(mk_json_str(p, "metadata.labels.tier"), "fe");
    assert_string_equal(mk_json_str(p, "metadata.annotations.a"), "b");
    assert_int_equal(json_object_array_length(mk_json_path(p, "spec.containers")), 1);
    json_object *ref = replicaset_controller_ref(p);
    assert_non_null(ref);
    assert_string_equal(mk_json_str(ref, "uid"), "u-1");
    assert_string_equal(mk_json_str(ref, "kind"), "ReplicaSet");
    assert_true(json_object_get_boolean(mk_json_path(ref, "blockOwnerDeletion")));
    /* the template is copied, not shared */
    mk_json_set_str(p, "metadata.labels.tier", "changed");
    assert_string_equal(mk_json_str(rs, "spec.template.metadata.labels.tier"), "fe");
    assert_true(gc_refers_to(p, "u-1"));
    assert_false(gc_refers_to(p, "u-2"));
    json_object *rest = gc_refs_without(p, "u-1");
    assert_int_equal(json_object_array_length(rest), 0);
    json_object_put(rest);
    json_object_put(p);
    json_object_put(rs);
}

static void test_summary_and_refs(void **state)
{
    json_object *p = json_tokener_parse(
        "{\"metadata\":{\"name\":\"web-abcde\",\"uid\":\"p1\","
        "\"creationTimestamp\":\"2026-11-27T01:00:00Z\",\"finalizers\":[\"orphan\"],"
        "\"ownerReferences\":[{\"kind\":\"Other\",\"uid\":\"x\"},"
        "{\"kind\":\"ReplicaSet\",\"name\":\"web\",\"uid\":\"u-1\",\"controller\":true}]},"
        "\"spec\":{\"nodeName\":\"n1\"},"
        "\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":"
        "\"True\",\"lastTransitionTime\":\"2026-11-27T01:00:10Z\"}],"
        "\"containerStatuses\":[{\"restartCount\":2},{\"restartCount\":5}]}}");
    rs_pod s;
    replicaset_pod_summary(p, &s);
    assert_string_equal(s.name, "web-abcde");
    assert_true(s.assigned);
    assert_int_equal(s.phase_rank, 2);
    assert_true(s.ready);
    assert_int_equal(s.restarts, 5);
    assert_int_equal(s.ready_ms - s.created_s * 1000, 10000);
    assert_string_equal(mk_json_str(replicaset_controller_ref(p), "uid"), "u-1");
    json_object *rest = gc_refs_without(p, "u-1");
    assert_int_equal(json_object_array_length(rest), 1);
    assert_string_equal(mk_json_str(json_object_array_get_idx(rest, 0), "uid"), "x");
    json_object_put(rest);
    assert_true(mk_has_finalizer(p, "orphan"));
    assert_false(mk_has_finalizer(p, "foregroundDeletion"));
    json_object_put(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deletion_order),
        cmocka_unit_test(test_batches),
        cmocka_unit_test(test_new_pod),
        cmocka_unit_test(test_summary_and_refs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
