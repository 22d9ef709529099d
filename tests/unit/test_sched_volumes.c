/* test_sched_volumes.c - the scheduler's volume step (scheduler/volumes.h):
 * claims missing, terminating, bound (PV node affinity), waiting for a
 * node (selected-node), immediate and unbound; the filter and message
 * that follow; the fast path of pods without claims. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "scheduler/cache.h"
#include "scheduler/podinfo.h"
#include "scheduler/queue.h"
#include "scheduler/volumes.h"
#include "store/codec.h"
#include "store/util.h"

static json_object *parse(const char *text)
{
    json_object *o = json_tokener_parse(text);
    assert_non_null(o);
    return o;
}

/* The cluster's claims, volumes and classes: one JSON array. */
static json_object *world;

static json_object *lookup(void *ctx, const char *kind, const char *ns, const char *name)
{
    (void)ctx;
    for (size_t i = 0; i < json_object_array_length(world); i++) {
        json_object *o = json_object_array_get_idx(world, i);
        const char *k = mk_json_str(o, "kind"), *n = mk_json_str(o, "metadata.name");
        const char *on = mk_json_str(o, "metadata.namespace");
        if (strcmp(k, kind) == 0 && strcmp(n, name) == 0 &&
            (!ns || (on && strcmp(on, ns) == 0)))
            return json_object_get(o);
    }
    return NULL;
}

static const char *objects =
    "["
    "{\"kind\":\"StorageClass\",\"metadata\":{\"name\":\"local-path\"},"
    " \"provisioner\":\"minik8s.io/local-path\",\"volumeBindingMode\":\"Immediate\"},"
    "{\"kind\":\"StorageClass\",\"metadata\":{\"name\":\"wait\"},"
    " \"provisioner\":\"example.com/x\",\"volumeBindingMode\":\"WaitForFirstConsumer\"},"
    "{\"kind\":\"StorageClass\",\"metadata\":{\"name\":\"now\"},"
    " \"provisioner\":\"example.com/x\",\"volumeBindingMode\":\"Immediate\"},"
    "{\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"bound\","
    " \"namespace\":\"default\"},\"spec\":{\"volumeName\":\"pv1\"},"
    " \"status\":{\"phase\":\"Bound\"}},"
    "{\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"anywhere\","
    " \"namespace\":\"default\"},\"spec\":{\"volumeName\":\"pv2\"}},"
    "{\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"lp\","
    " \"namespace\":\"default\"},\"spec\":{\"storageClassName\":\"local-path\"}},"
    "{\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"wffc\","
    " \"namespace\":\"default\"},\"spec\":{\"storageClassName\":\"wait\"}},"
    "{\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"imm\","
    " \"namespace\":\"default\"},\"spec\":{\"storageClassName\":\"now\"}},"
    "{\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"noclass\","
    " \"namespace\":\"default\"},\"spec\":{\"storageClassName\":\"\"}},"
    "{\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"ghostclass\","
    " \"namespace\":\"default\"},\"spec\":{\"storageClassName\":\"gone\"}},"
    "{\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"nopv\","
    " \"namespace\":\"default\"},\"spec\":{\"volumeName\":\"missing\"}},"
    "{\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"dying\","
    " \"namespace\":\"default\",\"deletionTimestamp\":\"2026-01-01T00:00:00Z\"},"
    " \"spec\":{\"volumeName\":\"pv1\"}},"
    "{\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"promised\","
    " \"namespace\":\"default\",\"annotations\":"
    " {\"volume.kubernetes.io/selected-node\":\"n2\"}},"
    " \"spec\":{\"storageClassName\":\"local-path\"}},"
    "{\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"lp\","
    " \"namespace\":\"other\"},\"spec\":{\"storageClassName\":\"now\"}},"
    "{\"kind\":\"PersistentVolume\",\"metadata\":{\"name\":\"pv1\"},\"spec\":{"
    " \"nodeAffinity\":{\"required\":{\"nodeSelectorTerms\":[{\"matchExpressions\":"
    " [{\"key\":\"kubernetes.io/hostname\",\"operator\":\"In\",\"values\":[\"n1\"]}]}]}}}},"
    "{\"kind\":\"PersistentVolume\",\"metadata\":{\"name\":\"pv2\"},\"spec\":{}}"
    "]";

static int setup(void **state)
{
    (void)state;
    world = parse(objects);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    json_object_put(world);
    return 0;
}

/* A pod in default with a claim volume for each name (and an emptyDir). */
static void pod_with(const char *c1, const char *c2, sched_pod *p)
{
    mk_buf b = {0};
    mk_buf_puts(&b, "{\"metadata\":{\"name\":\"p\",\"namespace\":\"default\"},\"spec\":{"
                    "\"containers\":[{\"name\":\"a\"}],\"volumes\":[{\"name\":\"e\","
                    "\"emptyDir\":{}}");
    const char *claims[] = {c1, c2};
    for (int i = 0; i < 2; i++)
        if (claims[i])
            mk_buf_printf(&b,
                          ",{\"name\":\"v%d\",\"persistentVolumeClaim\":"
                          "{\"claimName\":\"%s\"}}",
                          i, claims[i]);
    mk_buf_puts(&b, "]}}");
    json_object *o = parse(b.data);
    sched_pod_parse(o, p);
    json_object_put(o);
    free(b.data);
}

static void add_node(sched_cache *c, const char *name)
{
    char *text = xasprintf(
        "{\"metadata\":{\"name\":\"%s\",\"labels\":{\"kubernetes.io/hostname\":\"%s\"}},"
        "\"status\":{\"allocatable\":{\"cpu\":\"4\",\"memory\":\"4Gi\",\"pods\":\"10\"},"
        "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}",
        name, name);
    json_object *o = parse(text);
    sched_cache_set_node(c, o);
    json_object_put(o);
    free(text);
}

/* The whole step as the decision loop runs it: plan, then the cache. */
static char *decide(sched_cache *c, sched_pod *p, char **why)
{
    sched_vol_plan plan;
    sched_volumes_plan(p, lookup, NULL, &plan);
    char *node = NULL;
    if (plan.why) {
        *why = xasprintf("0/%zu nodes are available: %s.", sched_cache_node_count(c), plan.why);
    } else {
        sched_vol_plan_apply(&plan, p);
        sched_cache_schedule(c, p, &node, why);
        if (node)
            sched_cache_forget(c, p->key);
    }
    sched_vol_plan_clear(&plan);
    return node;
}

static void test_claims_parsed(void **state)
{
    (void)state;
    sched_pod p, copy;
    pod_with("bound", "lp", &p);
    assert_int_equal(p.nclaims, 2);
    assert_string_equal(p.claims[0], "bound");
    assert_string_equal(p.claims[1], "lp");
    sched_pod_copy(&copy, &p);
    assert_int_equal(copy.nclaims, 2);
    assert_string_equal(copy.claims[1], "lp");
    sched_pod_clear(&copy);
    sched_pod_clear(&p);
    pod_with(NULL, NULL, &p);
    assert_int_equal(p.nclaims, 0); /* the fast path: no volume step at all */
    assert_null(p.claims);
    sched_pod_clear(&p);
}

/* Each failure and its message, as kube-scheduler's VolumeBinding says it. */
static void expect_why(const char *claim, const char *want)
{
    sched_pod p;
    pod_with(claim, NULL, &p);
    sched_vol_plan plan;
    sched_volumes_plan(&p, lookup, NULL, &plan);
    assert_non_null(plan.why);
    assert_string_equal(plan.why, want);
    sched_vol_plan_clear(&plan);
    sched_pod_clear(&p);
}

static void test_unschedulable_claims(void **state)
{
    (void)state;
    expect_why("nope", "persistentvolumeclaim \"nope\" not found");
    expect_why("dying", "persistentvolumeclaim \"dying\" is being deleted");
    expect_why("imm", "pod has unbound immediate PersistentVolumeClaims");
    expect_why("noclass", "pod has unbound immediate PersistentVolumeClaims");
    expect_why("ghostclass", "storageclass.storage.k8s.io \"gone\" not found");
    expect_why("nopv", "persistentvolume \"missing\" not found");
    /* the first failing claim speaks */
    sched_pod p;
    pod_with("bound", "nope", &p);
    sched_vol_plan plan;
    sched_volumes_plan(&p, lookup, NULL, &plan);
    assert_string_equal(plan.why, "persistentvolumeclaim \"nope\" not found");
    sched_vol_plan_clear(&plan);
    sched_pod_clear(&p);
}

static void test_delayed_binding(void **state)
{
    (void)state;
    sched_pod p;
    /* local-path needs a node even in an Immediate class; WFFC waits */
    pod_with("lp", "wffc", &p);
    sched_vol_plan plan;
    sched_volumes_plan(&p, lookup, NULL, &plan);
    assert_null(plan.why);
    assert_int_equal(plan.nselect, 2);
    assert_string_equal(plan.select[0], "lp");
    assert_string_equal(plan.select[1], "wffc");
    assert_int_equal(plan.naffinity, 0);
    sched_vol_plan_apply(&plan, &p);
    assert_int_equal(p.nvol_select, 2);
    sched_pod copy;
    sched_pod_copy(&copy, &p); /* the binder's copy carries them */
    assert_string_equal(copy.vol_select[1], "wffc");
    sched_pod_clear(&copy);
    sched_vol_plan_clear(&plan);
    sched_pod_clear(&p);

    char *patch = sched_volumes_selected_node_patch("n1");
    assert_string_equal(
        patch,
        "{\"metadata\":{\"annotations\":{\"volume.kubernetes.io/selected-node\":\"n1\"}}}");
    free(patch);
}

static void test_bound_affinity(void **state)
{
    (void)state;
    sched_cache *c = sched_cache_new();
    add_node(c, "n0");
    add_node(c, "n1");
    add_node(c, "n2");
    sched_pod p;
    char *why = NULL, *node;
    /* bound to a PV on n1: n1 whatever the round-robin cursor says */
    for (int i = 0; i < 3; i++) {
        pod_with("bound", NULL, &p);
        node = decide(c, &p, &why);
        assert_string_equal(node, "n1");
        free(node);
        sched_pod_clear(&p);
    }
    /* a PV without node affinity: anywhere */
    pod_with("anywhere", NULL, &p);
    node = decide(c, &p, &why);
    assert_non_null(node);
    free(node);
    sched_pod_clear(&p);
    /* a pending claim promised to n2 keeps the pod there, annotates nothing */
    pod_with("promised", NULL, &p);
    node = decide(c, &p, &why);
    assert_string_equal(node, "n2");
    assert_int_equal(p.nvol_select, 0);
    free(node);
    sched_pod_clear(&p);
    /* promised to n2 and bound on n1: no node */
    pod_with("promised", "bound", &p);
    node = decide(c, &p, &why);
    assert_null(node);
    assert_string_equal(why, "0/3 nodes are available: 3 node(s) had volume node affinity "
                             "conflict.");
    free(why);
    sched_pod_clear(&p);
    sched_cache_free(c);
}

static void test_message_counts(void **state)
{
    (void)state;
    sched_cache *c = sched_cache_new();
    add_node(c, "n0");
    add_node(c, "n1");
    char *json = xasprintf("{\"metadata\":{\"name\":\"n0\",\"labels\":{}},\"spec\":"
                           "{\"unschedulable\":true},\"status\":{\"conditions\":"
                           "[{\"type\":\"Ready\",\"status\":\"True\"}]}}");
    json_object *o = parse(json);
    sched_cache_set_node(c, o);
    json_object_put(o);
    free(json);
    add_node(c, "n2");
    sched_pod p;
    char *why = NULL;
    pod_with("bound", NULL, &p);
    /* n1 fits: only the volume's node */
    char *node = decide(c, &p, &why);
    assert_string_equal(node, "n1");
    free(node);
    sched_pod_clear(&p);
    sched_cache_remove_node(c, "n1");
    pod_with("bound", NULL, &p);
    node = decide(c, &p, &why);
    assert_null(node);
    assert_string_equal(why, "0/2 nodes are available: 1 node(s) had volume node affinity "
                             "conflict, 1 node(s) were unschedulable.");
    free(why);
    sched_pod_clear(&p);
    pod_with("nope", NULL, &p);
    node = decide(c, &p, &why);
    assert_string_equal(why,
                        "0/2 nodes are available: persistentvolumeclaim \"nope\" not found.");
    free(why);
    sched_pod_clear(&p);
    sched_cache_free(c);
}

static void test_queue_moves_claim_pods(void **state)
{
    (void)state;
    sched_queue *q = sched_queue_new(0, 0, 60000);
    sched_pod a, b, out;
    pod_with("lp", NULL, &a);
    pod_with(NULL, NULL, &b);
    free(b.key);
    b.key = xstrdup("default/b");
    sched_queue_add(q, &a);
    sched_queue_add(q, &b);
    for (int i = 0; i < 2; i++) {
        assert_true(sched_queue_pop(q, &out));
        sched_queue_unschedulable(q, out.key);
        sched_pod_clear(&out);
    }
    assert_int_equal(sched_queue_parked(q), 2);
    sched_queue_move_volumes(q); /* a claim changed: only the pod with one */
    assert_true(sched_queue_pop(q, &out));
    assert_string_equal(out.key, "default/p");
    assert_int_equal(sched_queue_parked(q), 1);
    sched_queue_delete(q, out.key);
    sched_pod_clear(&out);
    sched_queue_stop(q);
    sched_pod_clear(&a);
    sched_pod_clear(&b);
    sched_queue_free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claims_parsed),   cmocka_unit_test(test_unschedulable_claims),
        cmocka_unit_test(test_delayed_binding), cmocka_unit_test(test_bound_affinity),
        cmocka_unit_test(test_message_counts),  cmocka_unit_test(test_queue_moves_claim_pods),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
