/* test_quota.c - what ResourceQuota counts (store/quota.h): the names
 * spec.hard may hold, a pod's requests and limits as Kubernetes sums them,
 * scopes, and the amounts printed in status and refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "store/codec.h"
#include "store/quota.h"

static json_object *yaml(const char *text)
{
    json_object *docs = NULL;
    mk_err err = {0};
    if (codec_decode_all(text, strlen(text), &docs, &err) < 0)
        fail_msg("%s: %s", text, err.msg);
    json_object *obj = json_object_get(json_object_array_get_idx(docs, 0));
    json_object_put(docs);
    return obj;
}

static void test_resource_names(void **state)
{
    (void)state;
    quota_resource r = quota_resource_of("pods");
    assert_int_equal(r.cls, QUOTA_COUNT);
    assert_string_equal(r.kind->kind, "Pod");
    assert_true(quota_resource_is_pod(&r) && quota_resource_is_whole(&r));
    r = quota_resource_of("count/deployments.apps");
    assert_int_equal(r.cls, QUOTA_COUNT);
    assert_string_equal(r.kind->kind, "Deployment");
    assert_false(quota_resource_is_pod(&r));
    assert_string_equal(quota_resource_of("count/configmaps").kind->kind, "ConfigMap");
    r = quota_resource_of("cpu");
    assert_int_equal(r.cls, QUOTA_REQUESTS);
    assert_string_equal(r.res, "cpu");
    r = quota_resource_of("limits.memory");
    assert_int_equal(r.cls, QUOTA_LIMITS);
    assert_string_equal(r.res, "memory");
    assert_false(quota_resource_is_whole(&r));
    r = quota_resource_of("requests.nvidia.com/gpu");
    assert_int_equal(r.cls, QUOTA_REQUESTS);
    assert_string_equal(r.res, "nvidia.com/gpu");
    r = quota_resource_of("gold.storageclass.storage.k8s.io/requests.storage");
    assert_int_equal(r.cls, QUOTA_STORAGE);
    assert_string_equal(r.storage_class, "gold");
    assert_int_equal(quota_resource_of("services.nodeports").cls, QUOTA_SERVICE_PORTS);
    /* Nothing a quota could count: refused by validation. */
    assert_int_equal(quota_resource_of("foo").cls, QUOTA_UNKNOWN);
    assert_int_equal(quota_resource_of("count/nothings").cls, QUOTA_UNKNOWN);
    assert_int_equal(quota_resource_of("limits.nvidia.com/gpu").cls, QUOTA_UNKNOWN);
    assert_int_equal(quota_resource_of("nvidia.com/gpu").cls, QUOTA_UNKNOWN);
}

static void test_pod_amounts(void **state)
{
    (void)state;
    json_object *pod =
        yaml("{spec: {containers: ["
             "{name: a, resources: {requests: {cpu: 100m}, limits: {cpu: 200m}}},"
             "{name: b, resources: {limits: {cpu: 300m, memory: 64Mi}}}],"
             "initContainers: [{name: i, resources: {requests: {cpu: '1'}}}]}}");
    bool all;
    /* A request left out is the limit; an init container alone needs more. */
    assert_int_equal(quota_pod_amount(pod, "cpu", false, &all), 1000);
    assert_true(all);
    assert_int_equal(quota_pod_amount(pod, "cpu", true, &all), 500);
    assert_false(all); /* i has no limit */
    assert_int_equal(quota_pod_amount(pod, "memory", false, &all), 64LL * 1024 * 1024 * 1000);
    assert_false(all);
    char names[64];
    quota_resource mem = quota_resource_of("requests.memory");
    assert_true(quota_missing_containers(&mem, pod, names, sizeof names));
    assert_string_equal(names, "a,i");
    quota_resource cpu = quota_resource_of("requests.cpu");
    assert_false(quota_missing_containers(&cpu, pod, names, sizeof names));
    /* Only cpu and memory must be said. */
    quota_resource gpu = quota_resource_of("requests.nvidia.com/gpu");
    assert_false(quota_missing_containers(&gpu, pod, names, sizeof names));
    json_object_put(pod);
}

static void test_usage(void **state)
{
    (void)state;
    const mk_kind *pod_kind = kind_by_kind("Pod"), *svc_kind = kind_by_kind("Service");
    json_object *pod =
        yaml("{spec: {containers: [{name: a, resources: {limits: {cpu: '2'}}}]}}");
    quota_resource pods = quota_resource_of("pods"), cpu = quota_resource_of("limits.cpu");
    int64_t m = 0;
    assert_true(quota_usage(&pods, pod_kind, pod, &m) && m == 1000);
    assert_true(quota_usage(&cpu, pod_kind, pod, &m) && m == 2000);
    assert_false(quota_usage(&pods, svc_kind, pod, &m)); /* another kind */
    json_object *done = yaml("{spec: {containers: [{name: a}]}, status: {phase: Succeeded}}");
    assert_false(quota_usage(&pods, pod_kind, done, &m)); /* past its end */
    json_object *svc = yaml("{spec: {type: NodePort, ports: [{port: 80}, {port: 81}]}}");
    quota_resource np = quota_resource_of("services.nodeports");
    assert_true(quota_usage(&np, svc_kind, svc, &m) && m == 2000);
    json_object *claim = yaml("{spec: {storageClassName: gold, resources: {requests: "
                              "{storage: 1Gi}}}}");
    const mk_kind *pvc = kind_by_kind("PersistentVolumeClaim");
    quota_resource gold =
        quota_resource_of("gold.storageclass.storage.k8s.io/requests.storage");
    quota_resource silver =
        quota_resource_of("silver.storageclass.storage.k8s.io/requests.storage");
    assert_true(quota_usage(&gold, pvc, claim, &m) && m == 1024LL * 1024 * 1024 * 1000);
    assert_false(quota_usage(&silver, pvc, claim, &m));
    json_object_put(pod);
    json_object_put(done);
    json_object_put(svc);
    json_object_put(claim);
}

static void test_scopes(void **state)
{
    (void)state;
    json_object *best = yaml("{spec: {containers: [{name: a}]}}");
    json_object *burst = yaml("{spec: {activeDeadlineSeconds: 10, priorityClassName: high,"
                              "containers: [{name: a, resources: {requests: {cpu: 1m}}}]}}");
    json_object *q = yaml("{spec: {scopes: [BestEffort]}}");
    assert_true(quota_selects_pod(q, best));
    assert_false(quota_selects_pod(q, burst));
    json_object_put(q);
    q = yaml("{spec: {scopes: [NotBestEffort, Terminating]}}");
    assert_false(quota_selects_pod(q, best));
    assert_true(quota_selects_pod(q, burst));
    json_object_put(q);
    q = yaml("{spec: {scopeSelector: {matchExpressions: [{scopeName: PriorityClass, "
             "operator: In, values: [high, low]}]}}}");
    assert_true(quota_selects_pod(q, burst));
    assert_false(quota_selects_pod(q, best));
    json_object_put(q);
    q = yaml("{spec: {scopeSelector: {matchExpressions: [{scopeName: PriorityClass, "
             "operator: DoesNotExist}]}}}");
    assert_true(quota_selects_pod(q, best));
    assert_false(quota_selects_pod(q, burst));
    json_object_put(q);
    q = yaml("{spec: {hard: {pods: '1'}}}");
    assert_true(quota_selects_pod(q, best) && quota_selects_pod(q, burst));
    json_object_put(q);
    assert_true(quota_scope_valid("NotTerminating"));
    assert_false(quota_scope_valid("CrossNamespacePodAffinity"));
    json_object_put(best);
    json_object_put(burst);
}

static void test_format(void **state)
{
    (void)state;
    char buf[48];
    quota_resource r = quota_resource_of("requests.cpu");
    quota_format(&r, 1500, buf, sizeof buf);
    assert_string_equal(buf, "1500m");
    quota_format(&r, 2000, buf, sizeof buf);
    assert_string_equal(buf, "2");
    r = quota_resource_of("limits.memory");
    quota_format(&r, 256LL * 1024 * 1024 * 1000, buf, sizeof buf);
    assert_string_equal(buf, "256Mi");
    r = quota_resource_of("pods");
    quota_format(&r, 3000, buf, sizeof buf);
    assert_string_equal(buf, "3");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resource_names), cmocka_unit_test(test_pod_amounts),
        cmocka_unit_test(test_usage),          cmocka_unit_test(test_scopes),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
