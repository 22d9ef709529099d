/* test_scheduler.c - the scheduler's pure logic: filter, round-robin pick,
 * assume-cache accounting, the unschedulable message, the queue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "scheduler/cache.h"
#include "scheduler/podinfo.h"
#include "scheduler/queue.h"
#include "scheduler/topology.h"
#include "store/codec.h"
#include "store/util.h"

static json_object *parse(const char *text)
{
    json_object *o = json_tokener_parse(text);
    assert_non_null(o);
    return o;
}

/* A Ready node with the given labels (JSON object text) and allocatable. */
static json_object *node_json(const char *name, const char *labels, const char *cpu,
                              const char *mem, int pods, bool ready)
{
    char *text = xasprintf(
        "{\"kind\":\"Node\",\"metadata\":{\"name\":\"%s\",\"labels\":%s},"
        "\"status\":{\"allocatable\":{\"cpu\":\"%s\",\"memory\":\"%s\",\"pods\":\"%d\"},"
        "\"conditions\":[{\"type\":\"Ready\",\"status\":\"%s\"}]}}",
        name, labels, cpu, mem, pods, ready ? "True" : "False");
    json_object *o = parse(text);
    free(text);
    return o;
}

static void add_node(sched_cache *c, const char *name, const char *labels, const char *cpu,
                     const char *mem, int pods)
{
    json_object *n = node_json(name, labels, cpu, mem, pods, true);
    sched_cache_set_node(c, n);
    json_object_put(n);
}

static void pod_from(const char *name, const char *selector, const char *cpu, const char *mem,
                     sched_pod *p)
{
    char *text = xasprintf(
        "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\"},\"spec\":{"
        "\"nodeSelector\":%s,\"containers\":[{\"name\":\"a\",\"resources\":{\"requests\":"
        "{\"cpu\":\"%s\",\"memory\":\"%s\"}}}]}}",
        name, selector, cpu, mem);
    json_object *o = parse(text);
    free(text);
    sched_pod_parse(o, p);
    json_object_put(o);
}

static char *schedule(sched_cache *c, const sched_pod *p, char **why)
{
    char *node = NULL, *w = NULL;
    int rc = sched_cache_schedule(c, p, &node, &w);
    if (why)
        *why = w;
    else
        free(w);
    assert_true(rc == 0 ? node != NULL : node == NULL);
    return node;
}

static void test_pod_requests(void **state)
{
    json_object *o =
        parse("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":["
              "{\"resources\":{\"requests\":{\"cpu\":\"250m\",\"memory\":\"64Mi\"}}},"
              "{\"resources\":{\"limits\":{\"cpu\":\"0.5\",\"memory\":\"1Gi\"}}},{}],"
              "\"initContainers\":[{\"resources\":{\"requests\":{\"cpu\":\"2\"}}}]}}");
    sched_pod p;
    sched_pod_parse(o, &p);
    assert_string_equal(p.key, "default/p");
    assert_int_equal(p.milli_cpu, 2000); /* the init container is bigger */
    assert_int_equal(p.mem, 64 * 1024 * 1024 + 1024LL * 1024 * 1024);
    sched_pod_clear(&p);
    json_object_put(o);
}

static void test_fit_by_selector(void **state)
{
    sched_cache *c = sched_cache_new();
    add_node(c, "n1", "{\"disk\":\"hdd\"}", "4", "16Gi", 110);
    add_node(c, "n2", "{\"disk\":\"ssd\",\"zone\":\"a\"}", "4", "16Gi", 110);
    add_node(c, "n3", "{}", "4", "16Gi", 110);
    sched_pod p;
    pod_from("ssd", "{\"disk\":\"ssd\"}", "100m", "1Mi", &p);
    for (int i = 0; i < 4; i++) {
        char *node = schedule(c, &p, NULL);
        assert_string_equal(node, "n2");
        free(node);
        sched_cache_remove_pod(c, p.key); /* as if deleted, so it can come again */
    }
    sched_pod_clear(&p);
    char *why;
    pod_from("gpu", "{\"disk\":\"ssd\",\"zone\":\"b\"}", "0", "0", &p);
    assert_null(schedule(c, &p, &why));
    assert_string_equal(why,
                        "0/3 nodes are available: 3 node(s) didn't match Pod's node selector.");
    free(why);
    sched_pod_clear(&p);
    sched_cache_free(c);
}

static void affinity_pod(const char *name, const char *terms, sched_pod *p)
{
    char *text = xasprintf("{\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\"},"
                           "\"spec\":{\"affinity\":{\"nodeAffinity\":{"
                           "\"requiredDuringSchedulingIgnoredDuringExecution\":{"
                           "\"nodeSelectorTerms\":%s}}},\"containers\":[{\"name\":\"a\"}]}}",
                           name, terms);
    json_object *o = parse(text);
    free(text);
    sched_pod_parse(o, p);
    json_object_put(o);
}

/* Required node affinity: terms OR'ed, expressions AND'ed, every operator,
 * matchFields on the node's name; the pod copy keeps it all. */
static void test_fit_by_affinity(void **state)
{
    sched_cache *c = sched_cache_new();
    add_node(c, "n1", "{\"zone\":\"a\",\"gen\":\"3\"}", "4", "16Gi", 110);
    add_node(c, "n2", "{\"zone\":\"b\",\"gen\":\"5\",\"gpu\":\"\"}", "4", "16Gi", 110);
    add_node(c, "n3", "{\"zone\":\"c\"}", "4", "16Gi", 110);
    static const struct {
        const char *terms, *node;
    } cases[] = {
        {"[{\"matchExpressions\":[{\"key\":\"zone\",\"operator\":\"In\",\"values\":[\"b\","
         "\"x\"]}]}]",
         "n2"},
        {"[{\"matchExpressions\":[{\"key\":\"zone\",\"operator\":\"NotIn\",\"values\":[\"a\","
         "\"b\"]}]}]",
         "n3"},
        {"[{\"matchExpressions\":[{\"key\":\"gpu\",\"operator\":\"Exists\"}]}]", "n2"},
        {"[{\"matchExpressions\":[{\"key\":\"gen\",\"operator\":\"DoesNotExist\"}]}]", "n3"},
        {"[{\"matchExpressions\":[{\"key\":\"gen\",\"operator\":\"Gt\",\"values\":[\"4\"]}]}]",
         "n2"},
        {"[{\"matchExpressions\":[{\"key\":\"gen\",\"operator\":\"Lt\",\"values\":[\"4\"]}]}]",
         "n1"},
        {"[{\"matchFields\":[{\"key\":\"metadata.name\",\"operator\":\"In\",\"values\":[\"n3\"]"
         "}]}]",
         "n3"},
        /* Both expressions of one term must hold; either term may. */
        {"[{\"matchExpressions\":[{\"key\":\"zone\",\"operator\":\"In\",\"values\":[\"a\"]},"
         "{\"key\":\"gpu\",\"operator\":\"Exists\"}]},"
         "{\"matchExpressions\":[{\"key\":\"zone\",\"operator\":\"In\",\"values\":[\"c\"]}]}]",
         "n3"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sched_pod p, copy;
        affinity_pod("aff", cases[i].terms, &p);
        sched_pod_copy(&copy, &p);
        char *node = schedule(c, &copy, NULL);
        if (!node || strcmp(node, cases[i].node) != 0)
            fail_msg("case %zu: %s, want %s", i, node ? node : "(none)", cases[i].node);
        free(node);
        sched_cache_remove_pod(c, p.key);
        sched_pod_clear(&copy);
        sched_pod_clear(&p);
    }
    sched_pod p;
    char *why;
    affinity_pod(
        "none",
        "[{\"matchExpressions\":[{\"key\":\"zone\",\"operator\":\"In\",\"values\":[\"z\"]}]}]",
        &p);
    assert_null(schedule(c, &p, &why));
    assert_string_equal(why, "0/3 nodes are available: 3 node(s) didn't match Pod's node "
                             "affinity/selector.");
    free(why);
    sched_pod_clear(&p);
    sched_cache_free(c);
}

static void test_fit_by_resources(void **state)
{
    sched_cache *c = sched_cache_new();
    add_node(c, "a", "{}", "1", "1Gi", 110);
    sched_pod p;
    pod_from("big", "{}", "600m", "100Mi", &p);
    char *node = schedule(c, &p, NULL);
    assert_string_equal(node, "a");
    free(node);
    /* Assumed, so a second one no longer fits, though nothing was bound. */
    sched_pod q;
    pod_from("big2", "{}", "600m", "100Mi", &q);
    char *why;
    assert_null(schedule(c, &q, &why));
    assert_string_equal(why, "0/1 nodes are available: 1 Insufficient cpu.");
    free(why);
    /* A failed binding forgets the assumption: room again. */
    sched_cache_forget(c, p.key);
    node = schedule(c, &q, NULL);
    assert_string_equal(node, "a");
    free(node);
    /* Confirming (the informer saw it bound) never counts a pod twice. */
    sched_cache_add_pod(c, &q, "a");
    sched_pod small;
    pod_from("small", "{}", "400m", "900Mi", &small);
    node = schedule(c, &small, NULL);
    assert_string_equal(node, "a");
    free(node);
    sched_pod mem;
    pod_from("mem", "{}", "0", "100Mi", &mem);
    assert_null(schedule(c, &mem, &why));
    assert_string_equal(why, "0/1 nodes are available: 1 Insufficient memory.");
    free(why);
    sched_pod_clear(&mem);
    sched_pod_clear(&small);
    sched_pod_clear(&q);
    sched_pod_clear(&p);
    sched_cache_free(c);
}

static void test_too_many_pods(void **state)
{
    sched_cache *c = sched_cache_new();
    add_node(c, "a", "{}", "1", "1Gi", 2);
    sched_pod p[3];
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof(name), "p%d", i);
        pod_from(name, "{}", "0", "0", &p[i]);
    }
    char *why, *node;
    free(node = schedule(c, &p[0], NULL));
    assert_non_null(node);
    free(node = schedule(c, &p[1], NULL));
    assert_non_null(node);
    assert_null(schedule(c, &p[2], &why));
    assert_string_equal(why, "0/1 nodes are available: 1 Too many pods.");
    free(why);
    for (int i = 0; i < 3; i++)
        sched_pod_clear(&p[i]);
    sched_cache_free(c);
}

static void test_round_robin(void **state)
{
    sched_cache *c = sched_cache_new();
    /* added out of order: the round-robin order is by name */
    add_node(c, "node-c", "{}", "4", "16Gi", 110);
    add_node(c, "node-a", "{\"pin\":\"yes\"}", "4", "16Gi", 110);
    add_node(c, "node-b", "{\"pin\":\"yes\"}", "4", "16Gi", 110);
    const char *want[] = {"node-a", "node-b", "node-c", "node-a", "node-b", "node-c"};
    for (int i = 0; i < 6; i++) {
        char name[16];
        snprintf(name, sizeof(name), "p%d", i);
        sched_pod p;
        pod_from(name, "{}", "100m", "64Mi", &p);
        char *node = schedule(c, &p, NULL);
        assert_string_equal(node, want[i]);
        free(node);
        sched_pod_clear(&p);
    }
    /* Round-robin among the fitting nodes only. */
    const char *pinned[] = {"node-a", "node-b", "node-a"};
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof(name), "q%d", i);
        sched_pod p;
        pod_from(name, "{\"pin\":\"yes\"}", "0", "0", &p);
        char *node = schedule(c, &p, NULL);
        assert_string_equal(node, pinned[i]);
        free(node);
        sched_pod_clear(&p);
    }
    sched_cache_free(c);
}

static void test_unschedulable_message(void **state)
{
    sched_cache *c = sched_cache_new();
    add_node(c, "n1", "{\"disk\":\"hdd\"}", "4", "1Gi", 110);
    add_node(c, "n2", "{\"disk\":\"ssd\"}", "4", "1Gi", 110);
    add_node(c, "n3", "{\"disk\":\"ssd\"}", "4", "1Gi", 110);
    sched_pod p;
    pod_from("huge", "{\"disk\":\"ssd\"}", "100m", "2Gi", &p);
    char *why;
    assert_null(schedule(c, &p, &why));
    assert_string_equal(why,
                        "0/3 nodes are available: 1 node(s) didn't match Pod's node selector, "
                        "2 Insufficient memory.");
    free(why);
    sched_pod_clear(&p);

    /* not ready, cordoned, tainted; then no nodes at all */
    json_object *n = node_json("n1", "{\"disk\":\"ssd\"}", "4", "1Gi", 110, false);
    sched_cache_set_node(c, n);
    json_object_put(n);
    n = parse("{\"metadata\":{\"name\":\"n2\"},\"spec\":{\"unschedulable\":true},\"status\":{"
              "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}");
    assert_true(sched_cache_set_node(c, n));
    json_object_put(n);
    n = parse("{\"metadata\":{\"name\":\"n3\"},\"spec\":{\"taints\":[{\"key\":"
              "\"node.kubernetes.io/unreachable\",\"effect\":\"NoSchedule\"}]},\"status\":{"
              "\"allocatable\":{\"pods\":\"10\"},\"conditions\":[{\"type\":\"Ready\","
              "\"status\":\"True\"}]}}");
    sched_cache_set_node(c, n);
    assert_false(sched_cache_set_node(c, n)); /* nothing changed: a heartbeat */
    json_object_put(n);
    pod_from("any", "{}", "0", "0", &p);
    assert_null(schedule(c, &p, &why));
    assert_string_equal(why, "0/3 nodes are available: 1 node(s) had untolerated taint "
                             "{node.kubernetes.io/unreachable: }, 1 node(s) were not ready, "
                             "1 node(s) were unschedulable.");
    free(why);
    sched_pod_clear(&p);
    json_object *o =
        parse("{\"metadata\":{\"name\":\"tol\"},\"spec\":{\"tolerations\":[{\"key\":"
              "\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\"}]}}");
    sched_pod_parse(o, &p);
    json_object_put(o);
    char *node = schedule(c, &p, NULL);
    assert_string_equal(node, "n3");
    free(node);
    sched_pod_clear(&p);
    sched_cache_remove_node(c, "n1");
    sched_cache_remove_node(c, "n2");
    sched_cache_remove_node(c, "n3");
    pod_from("none", "{}", "0", "0", &p);
    assert_null(schedule(c, &p, &why));
    assert_string_equal(why, "0/0 nodes are available: no nodes available to schedule pods.");
    free(why);
    sched_pod_clear(&p);
    sched_cache_free(c);
}

static void test_pods_before_node(void **state)
{
    /* A bound pod seen before its node is charged once the node comes. */
    sched_cache *c = sched_cache_new();
    sched_pod p;
    pod_from("early", "{}", "1", "0", &p);
    sched_cache_add_pod(c, &p, "late");
    add_node(c, "late", "{}", "1", "1Gi", 110);
    sched_pod q;
    pod_from("next", "{}", "1", "0", &q);
    char *why;
    assert_null(schedule(c, &q, &why));
    free(why);
    /* The node goes and comes back: its pod is charged again, once. */
    sched_cache_remove_node(c, "late");
    add_node(c, "late", "{}", "1", "1Gi", 110);
    assert_null(schedule(c, &q, &why));
    assert_string_equal(why, "0/1 nodes are available: 1 Insufficient cpu.");
    free(why);
    assert_true(sched_cache_remove_pod(c, p.key));
    char *node = schedule(c, &q, NULL);
    assert_string_equal(node, "late");
    free(node);
    sched_pod_clear(&p);
    sched_pod_clear(&q);
    sched_cache_free(c);
}

static void test_which_pods(void **state)
{
    struct {
        const char *json;
        bool wants;
    } cases[] = {
        {"{\"metadata\":{\"name\":\"a\"},\"spec\":{}}", true},
        {"{\"metadata\":{\"name\":\"a\"},\"spec\":{\"nodeName\":\"\"}}", true},
        {"{\"metadata\":{\"name\":\"a\"},\"spec\":{\"nodeName\":\"n1\"}}", false},
        {"{\"metadata\":{\"name\":\"a\"},\"spec\":{\"schedulerName\":\"default-scheduler\"}}",
         true},
        {"{\"metadata\":{\"name\":\"a\"},\"spec\":{\"schedulerName\":\"other\"}}", false},
        {"{\"metadata\":{\"name\":\"a\",\"deletionTimestamp\":\"2026-01-01T00:00:00Z\"}}",
         false},
        {"{\"metadata\":{\"name\":\"a\"},\"status\":{\"phase\":\"Succeeded\"}}", false},
        {"{\"metadata\":{\"name\":\"a\"},\"status\":{\"phase\":\"Pending\"}}", true},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        json_object *o = parse(cases[i].json);
        assert_int_equal(sched_pod_wants_scheduling(o), cases[i].wants);
        json_object_put(o);
    }
    /* capacity when allocatable is absent; JSON numbers as well as strings */
    json_object *n = parse("{\"metadata\":{\"name\":\"n\"},\"status\":{\"capacity\":{\"cpu\":2,"
                           "\"memory\":\"1Gi\",\"pods\":110}}}");
    sched_node_info info;
    sched_node_parse(n, &info);
    assert_int_equal(info.alloc_milli_cpu, 2000);
    assert_int_equal(info.alloc_mem, 1024 * 1024 * 1024);
    assert_int_equal(info.alloc_pods, 110);
    assert_false(info.ready); /* no Ready condition: not ready */
    sched_node_clear(&info);
    json_object_put(n);
}

/* ---- pod (anti-)affinity, topology spread, preferences ---- */

/* A pod with labels and extra spec fields (JSON members, may be ""). */
static void pod_with(const char *name, const char *labels, const char *spec, sched_pod *p)
{
    char *text = xasprintf("{\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\","
                           "\"labels\":%s},\"spec\":{%s%s\"containers\":[{\"name\":\"a\"}]}}",
                           name, labels, spec, *spec ? "," : "");
    json_object *o = parse(text);
    free(text);
    sched_pod_parse(o, p);
    json_object_put(o);
}

/* Three nodes a, b, c labelled with their hostname and a zone each. */
static sched_cache *three_nodes(const char *za, const char *zb, const char *zc)
{
    sched_cache *c = sched_cache_new();
    const char *zones[] = {za, zb, zc};
    for (int i = 0; i < 3; i++) {
        char name[24], labels[128];
        snprintf(name, sizeof(name), "n%c", 'a' + i);
        snprintf(labels, sizeof(labels), "{\"kubernetes.io/hostname\":\"%s\",\"zone\":\"%s\"}",
                 name, zones[i]);
        add_node(c, name, labels, "4", "16Gi", 110);
    }
    return c;
}

/* Schedule a pod; the node's name, or "-" and *why (may be NULL). */
static char *place(sched_cache *c, const char *name, const char *labels, const char *spec,
                   char **why)
{
    sched_pod p;
    pod_with(name, labels, spec, &p);
    char *node = schedule(c, &p, why);
    sched_pod_clear(&p);
    return node ? node : xstrdup("-");
}

/* Schedule a pod and check where it went ("-": nowhere). */
static void expect_at(sched_cache *c, const char *name, const char *labels, const char *spec,
                      const char *want)
{
    char *node = place(c, name, labels, spec, NULL);
    assert_string_equal(node, want);
    free(node);
}

#define ANTI_WEB                                                                               \
    "\"affinity\":{\"podAntiAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":[{" \
    "\"labelSelector\":{\"matchLabels\":{\"app\":\"web\"}},"                                   \
    "\"topologyKey\":\"kubernetes.io/hostname\"}]}}"

static void test_affinity_parse(void **state)
{
    sched_pod p;
    pod_with(
        "x", "{\"app\":\"web\",\"rev\":\"7\"}",
        "\"affinity\":{\"nodeAffinity\":{\"preferredDuringSchedulingIgnoredDuringExecution\":"
        "[{\"weight\":20,\"preference\":{\"matchExpressions\":[{\"key\":\"disk\","
        "\"operator\":\"In\",\"values\":[\"ssd\"]}]}}]},"
        "\"podAffinity\":{\"preferredDuringSchedulingIgnoredDuringExecution\":[{\"weight\":5,"
        "\"podAffinityTerm\":{\"labelSelector\":{\"matchLabels\":{\"app\":\"db\"}},"
        "\"namespaces\":[\"data\"],\"topologyKey\":\"zone\"}}]},"
        "\"podAntiAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":[{"
        "\"labelSelector\":{\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"Exists\"}]},"
        "\"matchLabelKeys\":[\"rev\",\"missing\"],\"topologyKey\":\"kubernetes.io/"
        "hostname\"}]}},"
        "\"topologySpreadConstraints\":[{\"maxSkew\":2,\"topologyKey\":\"zone\","
        "\"whenUnsatisfiable\":\"ScheduleAnyway\",\"nodeAffinityPolicy\":\"Ignore\"}]",
        &p);
    assert_non_null(p.aff);
    assert_int_equal(p.nlabels, 2);
    assert_int_equal(p.aff->npreferred, 1);
    assert_int_equal(p.aff->preferred[0].weight, 20);
    assert_int_equal(p.aff->npref_affinity, 1);
    assert_int_equal(p.aff->pref_affinity[0].weight, 5);
    assert_string_equal(p.aff->pref_affinity[0].namespaces[0], "data");
    assert_string_equal(p.aff->pref_affinity[0].topology_key, "zone");
    /* matchLabelKeys: "rev In [7]" merged in; a key the pod lacks is not */
    assert_int_equal(p.aff->nanti, 1);
    assert_int_equal(p.aff->anti[0].sel.nexprs, 2);
    assert_string_equal(p.aff->anti[0].sel.exprs[1].key, "rev");
    assert_string_equal(p.aff->anti[0].sel.exprs[1].values[0], "7");
    assert_int_equal(p.aff->nspread, 1);
    assert_false(p.aff->spread[0].hard);
    assert_true(p.aff->spread[0].ignore_affinity);
    assert_false(p.aff->spread[0].sel.set); /* no selector: matches no pod */
    /* copies share the parsed terms */
    sched_pod q;
    sched_pod_copy(&q, &p);
    assert_ptr_equal(q.aff, p.aff);
    sched_pod_clear(&p);
    assert_int_equal(q.aff->anti[0].sel.nexprs, 2);
    sched_pod_clear(&q);
    /* a pod without any of it has none */
    pod_with("y", "{}", "\"affinity\":{\"nodeAffinity\":{}}", &p);
    assert_null(p.aff);
    sched_pod_clear(&p);
}

static void test_anti_affinity(void **state)
{
    sched_cache *c = three_nodes("z1", "z1", "z2");
    const char *want[] = {"na", "nb", "nc"};
    for (int i = 0; i < 3; i++) {
        char name[24];
        snprintf(name, sizeof(name), "web-%d", i);
        expect_at(c, name, "{\"app\":\"web\"}", ANTI_WEB, want[i]);
    }
    char *why;
    char *node = place(c, "web-3", "{\"app\":\"web\"}", ANTI_WEB, &why);
    assert_string_equal(node, "-");
    assert_string_equal(why,
                        "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity "
                        "rules.");
    free(node);
    free(why);
    /* Another namespace's pods are not selected by default. */
    sched_pod p;
    pod_with("other", "{\"app\":\"web\"}", ANTI_WEB, &p);
    free(p.ns);
    p.ns = xstrdup("prod");
    node = schedule(c, &p, NULL);
    assert_non_null(node);
    free(node);
    sched_pod_clear(&p);
    /* Gone: room again. */
    assert_true(sched_cache_remove_pod(c, "default/web-1"));
    expect_at(c, "web-4", "{\"app\":\"web\"}", ANTI_WEB, "nb");
    sched_cache_free(c);
}

static void test_existing_anti_affinity(void **state)
{
    sched_cache *c = three_nodes("z1", "z1", "z2");
    /* A loner that wants no "noisy" pod in its zone, on na (zone z1). */
    char *node = place(c, "loner", "{}",
                       "\"affinity\":{\"podAntiAffinity\":{\"requiredDuringScheduling"
                       "IgnoredDuringExecution\":[{\"labelSelector\":{\"matchLabels\":{\"app\":"
                       "\"noisy\"}},\"topologyKey\":\"zone\"}]}}",
                       NULL);
    assert_string_equal(node, "na");
    free(node);
    /* Noisy pods, which say nothing themselves, keep out of z1. */
    for (int i = 0; i < 2; i++) {
        expect_at(c, i ? "noisy-1" : "noisy-0", "{\"app\":\"noisy\"}", "", "nc");
    }
    /* ...but other pods still go round robin: nc, then na. */
    expect_at(c, "quiet", "{\"app\":\"quiet\"}", "", "na");
    char *why;
    sched_pod p;
    pod_with("noisy-2", "{\"app\":\"noisy\"}", "\"nodeSelector\":{\"zone\":\"z1\"}", &p);
    assert_null(schedule(c, &p, &why));
    assert_string_equal(why, "0/3 nodes are available: 1 node(s) didn't match Pod's node "
                             "selector, 2 node(s) didn't satisfy existing pods anti-affinity "
                             "rules.");
    free(why);
    sched_pod_clear(&p);
    sched_cache_free(c);
}

#define WITH_DB(key)                                                                           \
    "\"affinity\":{\"podAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":[{"     \
    "\"labelSelector\":{\"matchLabels\":{\"app\":\"db\"}},\"topologyKey\":\"" key "\"}]}}"

static void test_pod_affinity(void **state)
{
    sched_cache *c = three_nodes("z1", "z1", "z2");
    /* No db anywhere, and the pod is no db itself: nowhere. */
    char *why;
    char *node =
        place(c, "web-0", "{\"app\":\"web\"}", WITH_DB("kubernetes.io/hostname"), &why);
    assert_string_equal(node, "-");
    assert_string_equal(why,
                        "0/3 nodes are available: 3 node(s) didn't match pod affinity rules.");
    free(node);
    free(why);
    /* The first db with affinity to dbs goes anywhere (round robin: na)... */
    expect_at(c, "db-0", "{\"app\":\"db\"}", WITH_DB("zone"), "na");
    /* ...the next ones join its zone, the web pods its node. */
    expect_at(c, "db-1", "{\"app\":\"db\"}", WITH_DB("zone"), "nb");
    for (int i = 1; i < 4; i++) {
        char name[24];
        snprintf(name, sizeof(name), "web-%d", i);
        node = place(c, name, "{\"app\":\"web\"}", WITH_DB("kubernetes.io/hostname"), NULL);
        assert_true(strcmp(node, "na") == 0 || strcmp(node, "nb") == 0);
        free(node);
    }
    /* A node without the topology key never matches. */
    add_node(c, "nd", "{}", "4", "16Gi", 110);
    sched_pod p;
    pod_with("web-9", "{\"app\":\"web\"}",
             WITH_DB("kubernetes.io/hostname") ",\"nodeSelector\":{}", &p);
    for (int i = 0; i < 4; i++) {
        node = schedule(c, &p, NULL);
        assert_string_not_equal(node, "nd");
        assert_string_not_equal(node, "nc");
        free(node);
        sched_cache_remove_pod(c, "default/web-9");
    }
    sched_pod_clear(&p);
    sched_cache_free(c);
}

#define SPREAD(skew, extra)                                                                    \
    "\"topologySpreadConstraints\":[{\"maxSkew\":" #skew ",\"topologyKey\":\"zone\","          \
    "\"whenUnsatisfiable\":\"DoNotSchedule\",\"labelSelector\":{\"matchLabels\":"              \
    "{\"app\":\"web\"}}" extra "}]"

static void test_topology_spread(void **state)
{
    sched_cache *c = three_nodes("z1", "z1", "z2");
    /* Two zones, maxSkew 1: z1, z2, z1, z2, ... whatever the round robin
     * (which, from nc, goes on at na). */
    const char *want[] = {"na", "nc", "na", "nc", "na", "nc"};
    for (int i = 0; i < 6; i++) {
        char name[24];
        snprintf(name, sizeof(name), "web-%d", i);
        expect_at(c, name, "{\"app\":\"web\"}", SPREAD(1, ""), want[i]);
    }
    /* Pods the selector does not match are not counted. */
    expect_at(c, "other", "{\"app\":\"other\"}", SPREAD(1, ""), "na");
    /* One more web pod in z1 (4 there, 3 in z2). nodeAffinityPolicy Honor:
     * only the nodes the pod may go to count, here z1 alone, so z1 is
     * within the skew of itself; with Ignore, z2 counts and z1 is full. */
    expect_at(c, "web-6", "{\"app\":\"web\"}", "\"nodeSelector\":{\"zone\":\"z1\"}", "nb");
    add_node(c, "nd", "{}", "4", "16Gi", 110);
    char *why, *node;
    sched_pod p;
    pod_with(
        "web-x", "{\"app\":\"web\"}",
        SPREAD(1, "") ",\"affinity\":{\"nodeAffinity\":{\"requiredDuringSchedulingIgnored"
                      "DuringExecution\":{\"nodeSelectorTerms\":[{\"matchFields\":[{\"key\":"
                      "\"metadata.name\",\"operator\":\"NotIn\",\"values\":[\"nc\"]}]}]}}}",
        &p);
    node = schedule(c, &p, NULL);
    assert_string_equal(node, "na");
    free(node);
    sched_pod_clear(&p);
    pod_with(
        "web-y", "{\"app\":\"web\"}",
        SPREAD(1, ",\"nodeAffinityPolicy\":\"Ignore\"") ",\"nodeSelector\":{\"zone\":\"z1\"}",
        &p);
    assert_null(schedule(c, &p, &why));
    assert_string_equal(why, "0/4 nodes are available: 2 node(s) didn't match Pod's node "
                             "selector, 2 node(s) didn't match pod topology spread "
                             "constraints.");
    free(why);
    sched_pod_clear(&p);
    sched_cache_free(c);

    /* minDomains 3 with two zones: the missing domain counts as empty. */
    c = three_nodes("z1", "z1", "z2");
    add_node(c, "nd", "{\"zone\":\"z1\"}", "4", "16Gi", 110);
    for (int i = 0; i < 2; i++) {
        node = place(c, i ? "m-1" : "m-0", "{\"app\":\"web\"}", SPREAD(1, ",\"minDomains\":3"),
                     NULL);
        assert_string_equal(node, i ? "nc" : "na");
        free(node);
    }
    node = place(c, "m-2", "{\"app\":\"web\"}", SPREAD(1, ",\"minDomains\":3"), &why);
    assert_string_equal(node, "-");
    assert_string_equal(why, "0/4 nodes are available: 4 node(s) didn't match pod topology "
                             "spread constraints.");
    free(node);
    free(why);
    add_node(c, "ne", "{}", "4", "16Gi", 110);
    node = place(c, "m-3", "{\"app\":\"web\"}", SPREAD(1, ",\"minDomains\":3"), &why);
    assert_string_equal(why, "0/5 nodes are available: 1 node(s) didn't match pod topology "
                             "spread constraints (missing required label), 4 node(s) didn't "
                             "match pod topology spread constraints.");
    free(node);
    free(why);
    sched_cache_free(c);
}

static void test_preferences(void **state)
{
    sched_cache *c = three_nodes("z1", "z1", "z2");
    /* Preferred node affinity: the heavier term wins, until full. */
    const char *pref =
        "\"affinity\":{\"nodeAffinity\":{\"preferredDuringSchedulingIgnoredDuringExecution\":["
        "{\"weight\":10,\"preference\":{\"matchExpressions\":[{\"key\":\"zone\",\"operator\":"
        "\"In\",\"values\":[\"z1\"]}]}},{\"weight\":50,\"preference\":{\"matchFields\":[{"
        "\"key\":"
        "\"metadata.name\",\"operator\":\"In\",\"values\":[\"nb\"]}]}}]}}";
    for (int i = 0; i < 3; i++) {
        expect_at(c, i == 0 ? "p0" : i == 1 ? "p1" : "p2", "{}", pref, "nb");
    }
    /* Equal scores keep the round robin (after nb: nc, na). */
    expect_at(c, "plain", "{}", "", "nc");
    /* Preferred anti-affinity spreads, ScheduleAnyway spread leans away
     * from the fuller zone. */
    const char *soft =
        "\"affinity\":{\"podAntiAffinity\":{"
        "\"preferredDuringSchedulingIgnoredDuringExecution\":"
        "[{\"weight\":100,\"podAffinityTerm\":{\"labelSelector\":{\"matchLabels\":{\"app\":"
        "\"cache\"}},\"topologyKey\":\"kubernetes.io/hostname\"}}]}}";
    const char *want[] = {"na", "nb", "nc"};
    for (int i = 0; i < 3; i++) {
        char name[24];
        snprintf(name, sizeof(name), "cache-%d", i);
        expect_at(c, name, "{\"app\":\"cache\"}", soft, want[i]);
    }
    const char *lean =
        "\"topologySpreadConstraints\":[{\"maxSkew\":1,\"topologyKey\":\"zone\","
        "\"whenUnsatisfiable\":\"ScheduleAnyway\",\"labelSelector\":{\"matchLabels\":"
        "{\"app\":\"lean\"}}}]";
    expect_at(c, "lean-0", "{\"app\":\"lean\"}", lean, "na");
    expect_at(c, "lean-1", "{\"app\":\"lean\"}", lean, "nc");
    expect_at(c, "lean-2", "{\"app\":\"lean\"}", lean, "na"); /* a tie: round robin */
    /* A placed pod's preferred affinity draws pods it selects. */
    expect_at(c, "magnet", "{}",
              "\"nodeSelector\":{\"zone\":\"z2\"},\"affinity\":{\"podAffinity\":{"
              "\"preferredDuringSchedulingIgnoredDuringExecution\":[{\"weight\":100,"
              "\"podAffinityTerm\":{\"labelSelector\":{\"matchLabels\":{\"app\":\"iron\"}},"
              "\"topologyKey\":\"kubernetes.io/hostname\"}}]}}",
              "nc");
    expect_at(c, "iron-0", "{\"app\":\"iron\"}", "", "nc");
    expect_at(c, "iron-1", "{\"app\":\"iron\"}", "", "nc");
    sched_cache_free(c);
}

static void test_scores_total(void **state)
{
    sched_raw_score raw[3] = {{.node_affinity = 0, .inter_pod = -5, .spread = 4},
                              {.node_affinity = 10, .inter_pod = 5, .spread = 2},
                              {.node_affinity = 5, .inter_pod = 0, .spread_ignored = true}};
    int64_t total[3];
    sched_scores_total(raw, 3, total);
    /* 2 * (affinity 0..100 + inter-pod min..max to 0..100 + spread reversed) */
    assert_int_equal(total[0], 2 * (0 + 0 + 100 * (4 + 2 - 4) / 4));
    assert_int_equal(total[1], 2 * (100 + 100 + 100 * (4 + 2 - 2) / 4));
    assert_int_equal(total[2], 2 * (50 + 50 + 0));
    /* The inter-pod range includes 0, as kube-scheduler's. */
    sched_raw_score pos[2] = {{.inter_pod = 5}, {.inter_pod = 10}};
    sched_scores_total(pos, 2, total);
    assert_int_equal(total[0], 2 * (50 + 100));
    assert_int_equal(total[1], 2 * (100 + 100));
}

static void test_namespace_selector(void **state)
{
    sched_cache *c = three_nodes("z1", "z1", "z2");
    json_object *ns =
        parse("{\"metadata\":{\"name\":\"prod\",\"labels\":{\"tier\":\"prod\"}}}");
    sched_cache_set_namespace(c, ns);
    json_object_put(ns);
    sched_pod db;
    pod_with("db", "{\"app\":\"db\"}", "\"nodeSelector\":{\"zone\":\"z2\"}", &db);
    free(db.ns);
    db.ns = xstrdup("prod");
    free(db.key);
    db.key = xstrdup("prod/db");
    sched_cache_add_pod(c, &db, "nc");
    sched_pod_clear(&db);
    /* Same namespace by default: no db in "default", nowhere. */
    expect_at(c, "w0", "{}", WITH_DB("zone"), "-");
    const char *by_label =
        "\"affinity\":{\"podAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":[{"
        "\"labelSelector\":{\"matchLabels\":{\"app\":\"db\"}},\"namespaceSelector\":{"
        "\"matchLabels\":{\"tier\":\"prod\"}},\"topologyKey\":\"zone\"}]}}";
    const char *all = "\"affinity\":{\"podAffinity\":{\"requiredDuringSchedulingIgnoredDuring"
                      "Execution\":[{\"labelSelector\":{\"matchLabels\":{\"app\":\"db\"}},"
                      "\"namespaceSelector\":{},\"topologyKey\":\"zone\"}]}}";
    const char *listed =
        "\"affinity\":{\"podAffinity\":{\"requiredDuringSchedulingIgnoredDuring"
        "Execution\":[{\"labelSelector\":{\"matchLabels\":{\"app\":\"db\"}},"
        "\"namespaces\":[\"prod\"],\"topologyKey\":\"zone\"}]}}";
    const char *specs[] = {by_label, all, listed};
    for (int i = 0; i < 3; i++) {
        expect_at(c, i == 0 ? "w1" : i == 1 ? "w2" : "w3", "{}", specs[i], "nc");
    }
    sched_cache_remove_namespace(c, "prod");
    expect_at(c, "w4", "{}", by_label, "-");
    sched_cache_free(c);
}

static void test_queue(void **state)
{
    sched_queue *q = sched_queue_new(20, 40, 60000);
    sched_pod a, b, out;
    pod_from("a", "{}", "0", "0", &a);
    pod_from("b", "{}", "0", "0", &b);
    sched_queue_add(q, &a);
    sched_queue_add(q, &b);
    sched_queue_add(q, &a); /* once only */
    assert_int_equal(sched_queue_active(q), 2);
    assert_true(sched_queue_pop(q, &out));
    assert_string_equal(out.key, "default/a");
    sched_queue_unschedulable(q, out.key);
    sched_pod_clear(&out);
    assert_int_equal(sched_queue_parked(q), 1);
    assert_true(sched_queue_pop(q, &out));
    assert_string_equal(out.key, "default/b");
    sched_queue_done(q, out.key);
    sched_pod_clear(&out);
    /* parked, no event: stays parked (backstop is a minute away) */
    usleep(50 * 1000);
    assert_int_equal(sched_queue_parked(q), 1);
    /* a cluster event brings it back once its backoff is over */
    sched_queue_move_all(q);
    assert_true(sched_queue_pop(q, &out));
    assert_string_equal(out.key, "default/a");
    sched_queue_delete(q, out.key);
    sched_pod_clear(&out);
    assert_int_equal(sched_queue_active(q) + sched_queue_parked(q), 0);
    sched_queue_stop(q);
    assert_false(sched_queue_pop(q, &out));
    sched_pod_clear(&a);
    sched_pod_clear(&b);
    sched_queue_free(q);
}

/* pod_from with a priority (and preemptionPolicy Never when never). */
static void prio_pod(const char *name, const char *cpu, int64_t priority, bool never,
                     sched_pod *p)
{
    char *text = xasprintf(
        "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\",\"uid\":\"u-%s\"},"
        "\"spec\":{\"priority\":%lld,\"preemptionPolicy\":\"%s\",\"containers\":[{"
        "\"name\":\"a\",\"resources\":{\"requests\":{\"cpu\":\"%s\"}}}]}}",
        name, name, (long long)priority, never ? "Never" : "PreemptLowerPriority", cpu);
    json_object *o = parse(text);
    free(text);
    sched_pod_parse(o, p);
    json_object_put(o);
}

static void test_queue_priority(void **state)
{
    sched_queue *q = sched_queue_new(20, 40, 60000);
    const char *names[] = {"low1", "high", "low2", "mid"};
    const int64_t prios[] = {0, 1000, 0, 10};
    for (int i = 0; i < 4; i++) {
        sched_pod p;
        prio_pod(names[i], "0", prios[i], false, &p);
        sched_queue_add(q, &p);
        sched_pod_clear(&p);
    }
    /* higher first, FIFO among equals */
    const char *want[] = {"default/high", "default/mid", "default/low1", "default/low2"};
    for (int i = 0; i < 4; i++) {
        sched_pod out;
        assert_true(sched_queue_pop(q, &out));
        assert_string_equal(out.key, want[i]);
        sched_queue_done(q, out.key);
        sched_pod_clear(&out);
    }
    sched_queue_stop(q);
    sched_queue_free(q);
}

/* Place a pod of priority prio and cpu on node, as the informer would. */
static void place_prio(sched_cache *c, const char *name, const char *cpu, int64_t prio,
                       const char *node)
{
    sched_pod p;
    prio_pod(name, cpu, prio, false, &p);
    sched_cache_add_pod(c, &p, node);
    sched_pod_clear(&p);
}

static void test_preemption(void **state)
{
    sched_cache *c = sched_cache_new();
    add_node(c, "a", "{}", "1", "1Gi", 110);
    add_node(c, "b", "{}", "1", "1Gi", 110);
    /* a: two small pods of priority 100; b: one of 50 and one of 200 */
    place_prio(c, "a1", "400m", 100, "a");
    place_prio(c, "a2", "400m", 100, "a");
    place_prio(c, "b1", "400m", 50, "b");
    place_prio(c, "b2", "400m", 200, "b");
    sched_pod hi, same, never;
    prio_pod("hi", "500m", 1000, false, &hi);
    char *node, *why;
    assert_null(schedule(c, &hi, &why));
    free(why);
    /* b: one victim of priority 50 (b2 put back) beats a: one of 100 */
    sched_victims v;
    assert_int_equal(sched_cache_preempt(c, &hi, &node, &v), 0);
    assert_string_equal(node, "b");
    assert_int_equal(v.n, 1);
    assert_string_equal(v.v[0].name, "b1");
    assert_string_equal(v.v[0].uid, "u-b1");
    free(node);
    sched_victims_clear(&v);
    /* Nominated: a pod of lower priority may not take the room once it is
     * free; the preemptor goes to b, though a comes first by name. */
    assert_true(sched_cache_remove_pod(c, "default/b1"));
    prio_pod("same", "500m", 100, false, &same);
    assert_null(schedule(c, &same, &why));
    free(why);
    node = schedule(c, &hi, NULL);
    assert_string_equal(node, "b");
    free(node);
    /* Equal priority never preempts; nor does preemptionPolicy Never. */
    assert_int_equal(sched_cache_preempt(c, &same, &node, &v), -1);
    prio_pod("never", "500m", 5000, true, &never);
    assert_int_equal(sched_cache_preempt(c, &never, &node, &v), -1);
    assert_null(node);
    sched_pod_clear(&never);
    sched_pod_clear(&same);
    sched_pod_clear(&hi);
    sched_cache_free(c);
}

static void test_preemption_waits(void **state)
{
    sched_cache *c = sched_cache_new();
    add_node(c, "a", "{}", "1", "1Gi", 110);
    place_prio(c, "low", "800m", 0, "a");
    sched_pod hi, going;
    prio_pod("hi", "500m", 10, false, &hi);
    char *node;
    sched_victims v;
    assert_int_equal(sched_cache_preempt(c, &hi, &node, &v), 0);
    free(node);
    sched_victims_clear(&v);
    /* The victim is terminating: no second round while it goes. */
    prio_pod("low", "800m", 0, false, &going);
    going.terminating = true;
    sched_cache_add_pod(c, &going, "a");
    assert_int_equal(sched_cache_preempt(c, &hi, &node, &v), -1);
    /* No removal helps a pod bigger than the node. */
    sched_pod huge;
    prio_pod("huge", "2", 10, false, &huge);
    assert_int_equal(sched_cache_preempt(c, &huge, &node, &v), -1);
    sched_pod_clear(&huge);
    sched_pod_clear(&going);
    sched_pod_clear(&hi);
    sched_cache_free(c);
}

static void test_preemption_budgets(void **state)
{
    sched_cache *c = sched_cache_new();
    add_node(c, "a", "{}", "1", "1Gi", 110);
    add_node(c, "b", "{}", "1", "1Gi", 110);
    /* One pod each, alike but for a's label, which a budget guards. */
    sched_pod guarded, other, hi;
    prio_pod("ga", "800m", 0, false, &guarded);
    sched_kv_free(guarded.labels, guarded.nlabels);
    json_object *l = parse("{\"app\":\"db\"}");
    sched_kv_parse(l, &guarded.labels, &guarded.nlabels);
    json_object_put(l);
    sched_cache_add_pod(c, &guarded, "a");
    prio_pod("ob", "800m", 0, false, &other);
    sched_cache_add_pod(c, &other, "b");
    json_object *pdb = parse("{\"metadata\":{\"name\":\"db\",\"namespace\":\"default\"},"
                             "\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"db\"}}},"
                             "\"status\":{\"disruptionsAllowed\":0}}");
    sched_cache_set_pdb(c, pdb);
    prio_pod("hi", "500m", 10, false, &hi);
    char *node;
    sched_victims v;
    /* a would come first by name; its victim breaks the budget: b */
    assert_int_equal(sched_cache_preempt(c, &hi, &node, &v), 0);
    assert_string_equal(node, "b");
    assert_string_equal(v.v[0].name, "ob");
    free(node);
    sched_victims_clear(&v);
    /* A budget with room left is no obstacle: a again, by name. */
    sched_cache_nominate(c, &hi, NULL);
    json_object_object_add(mk_json_path(pdb, "status"), "disruptionsAllowed",
                           json_object_new_int(1));
    sched_cache_set_pdb(c, pdb);
    assert_int_equal(sched_cache_preempt(c, &hi, &node, &v), 0);
    assert_string_equal(node, "a");
    free(node);
    sched_victims_clear(&v);
    /* A budget deleted counts no more. */
    sched_cache_remove_pdb(c, pdb);
    json_object_put(pdb);
    sched_pod_clear(&hi);
    sched_pod_clear(&other);
    sched_pod_clear(&guarded);
    sched_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pod_requests),
        cmocka_unit_test(test_fit_by_selector),
        cmocka_unit_test(test_fit_by_affinity),
        cmocka_unit_test(test_fit_by_resources),
        cmocka_unit_test(test_too_many_pods),
        cmocka_unit_test(test_round_robin),
        cmocka_unit_test(test_unschedulable_message),
        cmocka_unit_test(test_pods_before_node),
        cmocka_unit_test(test_which_pods),
        cmocka_unit_test(test_queue),
        cmocka_unit_test(test_queue_priority),
        cmocka_unit_test(test_preemption),
        cmocka_unit_test(test_preemption_waits),
        cmocka_unit_test(test_preemption_budgets),
        cmocka_unit_test(test_affinity_parse),
        cmocka_unit_test(test_anti_affinity),
        cmocka_unit_test(test_existing_anti_affinity),
        cmocka_unit_test(test_pod_affinity),
        cmocka_unit_test(test_topology_spread),
        cmocka_unit_test(test_preferences),
        cmocka_unit_test(test_scores_total),
        cmocka_unit_test(test_namespace_selector),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
