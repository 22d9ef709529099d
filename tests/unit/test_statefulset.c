/* The StatefulSet controller's decisions (controllers/statefulset.h):
 * ordinals from names, which pod is made or removed next, the roll's order,
 * the volume claims of a pod and their owners under the retention policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "controllers/statefulset.h"
#include "store/codec.h"
#include "store/util.h"

#define UP(o)      ((sts_pod){.ordinal = (o), .healthy = true, .available = true, .updated = true})
#define OLD(o)     ((sts_pod){.ordinal = (o), .healthy = true, .available = true})
#define STARTED(o) ((sts_pod){.ordinal = (o), .updated = true})
#define GOING(o)   ((sts_pod){.ordinal = (o), .terminating = true, .updated = true})

static int plan(const sts_spec *s, const sts_pod *pods, size_t n, sts_action *out)
{
    return statefulset_plan(s, pods, n, out, 16);
}

static void test_ordinal(void **state)
{
    (void)state;
    assert_int_equal(statefulset_ordinal("web", "web-0"), 0);
    assert_int_equal(statefulset_ordinal("web", "web-12"), 12);
    assert_int_equal(statefulset_ordinal("web", "web-01"), -1); /* not one we make */
    assert_int_equal(statefulset_ordinal("web", "web-"), -1);
    assert_int_equal(statefulset_ordinal("web", "web-x"), -1);
    assert_int_equal(statefulset_ordinal("web", "web-1-2"), -1);
    assert_int_equal(statefulset_ordinal("web", "webby-1"), -1);
    assert_int_equal(statefulset_ordinal("web", "db-1"), -1);
    assert_int_equal(statefulset_ordinal("web-1", "web-1-3"), 3);
    assert_int_equal(statefulset_ordinal("web", "web-99999999999"), -1); /* overflow */
}

static void test_ordered_create(void **state)
{
    (void)state;
    sts_spec s = {.replicas = 3, .max_unavailable = 1};
    sts_action a[16];
    /* Nothing yet: only web-0. */
    assert_int_equal(plan(&s, NULL, 0, a), 1);
    assert_int_equal(a[0].verb, STS_CREATE);
    assert_int_equal(a[0].ordinal, 0);
    /* web-0 not ready: wait. */
    sts_pod p[3] = {STARTED(0)};
    assert_int_equal(plan(&s, p, 1, a), 0);
    /* web-0 ready: web-1. */
    p[0] = UP(0);
    assert_int_equal(plan(&s, p, 1, a), 1);
    assert_int_equal(a[0].ordinal, 1);
    /* A gap (web-1 deleted) is filled before anything past it. */
    p[1] = UP(2);
    assert_int_equal(plan(&s, p, 2, a), 1);
    assert_int_equal(a[0].verb, STS_CREATE);
    assert_int_equal(a[0].ordinal, 1);
    /* A terminating web-0 holds everything: it comes back under its name. */
    p[0] = GOING(0);
    assert_int_equal(plan(&s, p, 2, a), 0);
    /* A failed pod is deleted (and made again once gone). */
    p[0] = (sts_pod){.ordinal = 0, .failed = true, .updated = true};
    assert_int_equal(plan(&s, p, 2, a), 1);
    assert_int_equal(a[0].verb, STS_DELETE);
    assert_int_equal(a[0].ordinal, 0);
}

static void test_parallel_create(void **state)
{
    (void)state;
    sts_spec s = {.replicas = 3, .parallel = true, .max_unavailable = 1};
    sts_action a[16];
    sts_pod p[1] = {STARTED(1)};
    assert_int_equal(plan(&s, p, 1, a), 2);
    assert_int_equal(a[0].ordinal, 0);
    assert_int_equal(a[1].ordinal, 2);
    assert_int_equal(a[0].verb, STS_CREATE);
    assert_int_equal(a[1].verb, STS_CREATE);
}

static void test_scale_down(void **state)
{
    (void)state;
    sts_spec s = {.replicas = 1, .max_unavailable = 1};
    sts_action a[16];
    sts_pod p[3] = {UP(0), UP(1), UP(2)};
    /* The highest first, one at a time. */
    assert_int_equal(plan(&s, p, 3, a), 1);
    assert_int_equal(a[0].verb, STS_DELETE);
    assert_int_equal(a[0].ordinal, 2);
    p[2] = GOING(2);
    assert_int_equal(plan(&s, p, 3, a), 0); /* wait for it to go */
    assert_int_equal(plan(&s, p, 2, a), 1);
    assert_int_equal(a[0].ordinal, 1);
    /* Parallel: all at once, highest first. */
    s.parallel = true;
    p[2] = UP(2);
    assert_int_equal(plan(&s, p, 3, a), 2);
    assert_int_equal(a[0].ordinal, 2);
    assert_int_equal(a[1].ordinal, 1);
    /* Ordered: not while a lower pod is unhealthy. */
    s.parallel = false;
    p[0] = STARTED(0);
    assert_int_equal(plan(&s, p, 3, a), 0);
}

static void test_rolling_update(void **state)
{
    (void)state;
    sts_spec s = {.replicas = 3, .max_unavailable = 1};
    sts_action a[16];
    sts_pod p[3] = {OLD(0), OLD(1), OLD(2)};
    /* From the highest ordinal down. */
    assert_int_equal(plan(&s, p, 3, a), 1);
    assert_int_equal(a[0].verb, STS_DELETE);
    assert_int_equal(a[0].ordinal, 2);
    /* Its replacement not ready yet: wait. */
    p[2] = STARTED(2);
    assert_int_equal(plan(&s, p, 3, a), 0);
    p[2] = UP(2);
    assert_int_equal(plan(&s, p, 3, a), 1);
    assert_int_equal(a[0].ordinal, 1);
    /* Ready but not yet available (minReadySeconds): wait. */
    p[1] = UP(1);
    p[1].available = false;
    assert_int_equal(plan(&s, p, 3, a), 0);
    p[1] = UP(1);
    assert_int_equal(plan(&s, p, 3, a), 1);
    assert_int_equal(a[0].ordinal, 0);
    p[0] = UP(0);
    assert_int_equal(plan(&s, p, 3, a), 0); /* done */
}

static void test_partition_and_on_delete(void **state)
{
    (void)state;
    sts_spec s = {.replicas = 3, .partition = 2, .max_unavailable = 1};
    sts_action a[16];
    sts_pod p[3] = {OLD(0), OLD(1), UP(2)};
    assert_int_equal(plan(&s, p, 3, a), 0); /* below the partition: kept */
    s.partition = 0;
    s.on_delete = true;
    assert_int_equal(plan(&s, p, 3, a), 0);
    /* maxUnavailable 2: two at a time. */
    s = (sts_spec){.replicas = 3, .max_unavailable = 2};
    p[2] = OLD(2);
    assert_int_equal(plan(&s, p, 3, a), 2);
    assert_int_equal(a[0].ordinal, 2);
    assert_int_equal(a[1].ordinal, 1);
}

static json_object *parse(const char *text)
{
    json_object *o = json_tokener_parse(text);
    assert_non_null(o);
    return o;
}

#define SET(policy)                                                                            \
    "{\"metadata\": {\"name\": \"web\", \"namespace\": \"ns1\", \"uid\": \"set-uid\"},"        \
    " \"spec\": {\"selector\": {\"matchLabels\": {\"app\": \"web\", \"x.io/tier\": \"db\"}},"  \
    "  \"persistentVolumeClaimRetentionPolicy\": " policy ","                                  \
    "  \"volumeClaimTemplates\": ["                                                            \
    "   {\"metadata\": {\"name\": \"www\", \"labels\": {\"keep\": \"yes\"},"                   \
    "     \"annotations\": {\"a\": \"b\"}},"                                                   \
    "    \"spec\": {\"accessModes\": [\"ReadWriteOnce\"],"                                     \
    "     \"resources\": {\"requests\": {\"storage\": \"1Gi\"}}},"                             \
    "    \"status\": {\"phase\": \"Pending\"}},"                                               \
    "   {\"metadata\": {\"name\": \"logs\"}, \"spec\": {}}],"                                  \
    "  \"template\": {\"spec\": {\"volumes\": [{\"name\": \"tmp\", \"emptyDir\": {}}]}}}}"
#define RETAIN "{\"whenDeleted\": \"Retain\", \"whenScaled\": \"Retain\"}"

/* ordinals.start: the set's pods are start..start+replicas-1; moving the
 * start makes the missing and removes those left outside, the highest
 * first; the partition counts from the start. */
static void test_start_ordinal(void **state)
{
    (void)state;
    sts_spec s = {.start = 5, .replicas = 2, .max_unavailable = 1};
    sts_action a[16];
    assert_int_equal(plan(&s, NULL, 0, a), 1);
    assert_int_equal(a[0].verb, STS_CREATE);
    assert_int_equal(a[0].ordinal, 5);
    sts_pod p[4] = {UP(5)};
    assert_int_equal(plan(&s, p, 1, a), 1);
    assert_int_equal(a[0].ordinal, 6);
    /* Start moved from 5 to 7 (Parallel): 7 and 8 made, 6 then 5 go. */
    s = (sts_spec){.start = 7, .replicas = 2, .parallel = true, .max_unavailable = 1};
    p[1] = UP(6);
    assert_int_equal(plan(&s, p, 2, a), 4);
    assert_int_equal(a[0].verb, STS_CREATE);
    assert_int_equal(a[0].ordinal, 7);
    assert_int_equal(a[1].ordinal, 8);
    assert_int_equal(a[2].verb, STS_DELETE);
    assert_int_equal(a[2].ordinal, 6);
    assert_int_equal(a[3].ordinal, 5);
    assert_true(statefulset_in_range(&s, 8));
    assert_false(statefulset_in_range(&s, 6));
    assert_false(statefulset_in_range(&s, 9));
    /* Partition 1 from start 7: only 8 is rolled. */
    s = (sts_spec){.start = 7, .replicas = 2, .partition = 1, .max_unavailable = 2};
    p[0] = OLD(7);
    p[1] = OLD(8);
    assert_int_equal(plan(&s, p, 2, a), 1);
    assert_int_equal(a[0].verb, STS_DELETE);
    assert_int_equal(a[0].ordinal, 8);
    /* A stray name with a huge ordinal goes at once, without a long count. */
    s = (sts_spec){.replicas = 1, .max_unavailable = 1};
    p[0] = UP(0);
    p[1] = UP(999999999);
    assert_int_equal(plan(&s, p, 2, a), 1);
    assert_int_equal(a[0].ordinal, 999999999);
}

static void test_claim(void **state)
{
    (void)state;
    json_object *set = parse(SET(RETAIN));
    json_object *tmpl =
        json_object_array_get_idx(mk_json_path(set, "spec.volumeClaimTemplates"), 0);
    json_object *claim = statefulset_claim(set, tmpl, 3);
    assert_string_equal(mk_json_str(claim, "kind"), "PersistentVolumeClaim");
    assert_string_equal(mk_json_str(claim, "apiVersion"), "v1");
    assert_string_equal(mk_json_str(claim, "metadata.name"), "www-web-3");
    assert_string_equal(mk_json_str(claim, "metadata.namespace"), "ns1");
    json_object *labels = mk_json_path(claim, "metadata.labels"), *v;
    assert_int_equal(json_object_object_length(labels), 3); /* the template's and selector's */
    assert_true(json_object_object_get_ex(labels, "x.io/tier", &v));
    assert_string_equal(json_object_get_string(v), "db");
    assert_string_equal(mk_json_str(claim, "metadata.labels.keep"), "yes");
    assert_string_equal(mk_json_str(claim, "metadata.annotations.a"), "b");
    assert_string_equal(mk_json_str(claim, "spec.resources.requests.storage"), "1Gi");
    assert_null(mk_json_path(claim, "status"));
    assert_null(mk_json_path(claim, "metadata.ownerReferences"));
    json_object_put(claim);
    /* The pod: a claim volume per template, first; the template's own stay. */
    json_object *pod = parse("{\"spec\": {\"volumes\": [{\"name\": \"tmp\", \"emptyDir\": {}},"
                             " {\"name\": \"logs\", \"emptyDir\": {}}]}}");
    statefulset_claim_volumes(set, pod, 1);
    json_object *vols = mk_json_path(pod, "spec.volumes");
    assert_int_equal(json_object_array_length(vols), 3);
    json_object *v0 = json_object_array_get_idx(vols, 0),
                *v1 = json_object_array_get_idx(vols, 1);
    assert_string_equal(mk_json_str(v0, "name"), "www");
    assert_string_equal(mk_json_str(v0, "persistentVolumeClaim.claimName"), "www-web-1");
    assert_string_equal(mk_json_str(v1, "name"), "logs");
    assert_string_equal(mk_json_str(v1, "persistentVolumeClaim.claimName"), "logs-web-1");
    assert_string_equal(mk_json_str(json_object_array_get_idx(vols, 2), "name"), "tmp");
    json_object_put(pod);
    json_object_put(set);
}

/* The owner references the retention policy asks of claim for pod. */
static json_object *refs(const char *policy, const char *claim_refs, bool scaled_down)
{
    _cleanup_free_ char *set_text = xasprintf(SET("%s"), policy);
    _cleanup_free_ char *claim_text = xasprintf(
        "{\"metadata\": {\"name\": \"www-web-1\", \"ownerReferences\": %s}}", claim_refs);
    json_object *set = parse(set_text), *claim = parse(claim_text);
    sts_owner pod = {"v1", "Pod", "web-1", "pod-uid"};
    json_object *out = statefulset_claim_refs(claim, set, &pod, scaled_down);
    json_object_put(set);
    json_object_put(claim);
    return out;
}

static void expect_refs(json_object *r, const char *uid0, const char *uid1)
{
    assert_non_null(r);
    size_t n = json_object_array_length(r);
    assert_int_equal(n, uid1 ? 2 : uid0 ? 1 : 0);
    if (uid0)
        assert_string_equal(mk_json_str(json_object_array_get_idx(r, 0), "uid"), uid0);
    if (uid1)
        assert_string_equal(mk_json_str(json_object_array_get_idx(r, 1), "uid"), uid1);
    if (n) { /* the one added last: not the claim's controller, blocking */
        json_object *ref = json_object_array_get_idx(r, n - 1);
        if (strcmp(mk_json_str(ref, "uid"), "x") != 0) {
            assert_non_null(mk_json_path(ref, "controller"));
            assert_false(json_object_get_boolean(mk_json_path(ref, "controller")));
            assert_true(json_object_get_boolean(mk_json_path(ref, "blockOwnerDeletion")));
        }
    }
    json_object_put(r);
}

#define POLICY(d, s) "{\"whenDeleted\": \"" d "\", \"whenScaled\": \"" s "\"}"
#define SET_REF      "[{\"kind\": \"StatefulSet\", \"name\": \"web\", \"uid\": \"set-uid\"}]"
#define POD_REF      "[{\"kind\": \"Pod\", \"name\": \"web-1\", \"uid\": \"pod-uid\"}]"

static void test_claim_retention(void **state)
{
    (void)state;
    /* Retain, Retain: no owners; those a Delete left go. */
    assert_null(refs(POLICY("Retain", "Retain"), "[]", false));
    assert_null(refs(POLICY("Retain", "Retain"), "[]", true));
    expect_refs(refs(POLICY("Retain", "Retain"), SET_REF, false), NULL, NULL);
    expect_refs(refs(POLICY("Retain", "Retain"), POD_REF, true), NULL, NULL);
    /* whenDeleted Delete: the set owns it. */
    expect_refs(refs(POLICY("Delete", "Retain"), "[]", false), "set-uid", NULL);
    expect_refs(refs(POLICY("Delete", "Retain"), "[]", true), "set-uid", NULL);
    assert_null(refs(POLICY("Delete", "Retain"), SET_REF, false));
    /* whenScaled Delete: the pod owns it once scaled away, not before. */
    assert_null(refs(POLICY("Retain", "Delete"), "[]", false));
    expect_refs(refs(POLICY("Retain", "Delete"), "[]", true), "pod-uid", NULL);
    expect_refs(refs(POLICY("Retain", "Delete"), POD_REF, false), NULL, NULL);
    /* Both: the set while in range, the pod alone once scaled away. */
    expect_refs(refs(POLICY("Delete", "Delete"), "[]", false), "set-uid", NULL);
    expect_refs(refs(POLICY("Delete", "Delete"), SET_REF, true), "pod-uid", NULL);
    /* Other owners are kept. */
    expect_refs(refs(POLICY("Delete", "Retain"), "[{\"kind\": \"X\", \"uid\": \"x\"}]", false),
                "x", "set-uid");
    /* A claim to be made: no pod yet. */
    json_object *set = parse(SET(POLICY("Delete", "Delete")));
    json_object *claim = parse("{\"metadata\": {\"name\": \"www-web-0\"}}");
    expect_refs(statefulset_claim_refs(claim, set, NULL, false), "set-uid", NULL);
    json_object_put(claim);
    json_object_put(set);
}

static void test_claim_stale(void **state)
{
    (void)state;
    json_object *c = parse("{\"metadata\": {\"ownerReferences\": " POD_REF "}}");
    assert_true(statefulset_claim_stale(c, "web-1", NULL));       /* its old pod's */
    assert_true(statefulset_claim_stale(c, "web-1", "new-uid"));  /* another web-1's */
    assert_false(statefulset_claim_stale(c, "web-1", "pod-uid")); /* this pod's */
    assert_false(statefulset_claim_stale(c, "web-2", NULL));
    json_object_put(c);
    c = parse("{\"metadata\": {\"deletionTimestamp\": \"2026-01-01T00:00:00Z\"}}");
    assert_true(statefulset_claim_stale(c, "web-1", NULL));
    json_object_put(c);
    c = parse("{\"metadata\": {\"ownerReferences\": " SET_REF "}}");
    assert_false(statefulset_claim_stale(c, "web-1", NULL));
    json_object_put(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ordinal),         cmocka_unit_test(test_ordered_create),
        cmocka_unit_test(test_parallel_create), cmocka_unit_test(test_scale_down),
        cmocka_unit_test(test_rolling_update),  cmocka_unit_test(test_partition_and_on_delete),
        cmocka_unit_test(test_claim),           cmocka_unit_test(test_claim_retention),
        cmocka_unit_test(test_claim_stale),     cmocka_unit_test(test_start_ordinal),
    };
    return cmocka_run_group_tests_name("statefulset", tests, NULL, NULL);
}
