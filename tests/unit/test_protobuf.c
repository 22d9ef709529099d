/* The protobuf decoder (store/server/protobuf.h) on bodies the real kubectl
 * 1.32 sent (the .pb files of tests/unit/protobuf, captured from `kubectl create
 * deployment`, `create job`, `create service`, `create role`, `create quota`,
 * `create token`, `create priorityclass`...): each must decode to the JSON
 * kubectl would have sent as JSON, zero values left out as Go's omitempty
 * leaves them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/server/protobuf.h"
#include "store/util.h"

#define FIXTURES "tests/unit/protobuf/"

static size_t slurp(const char *name, char *buf, size_t cap)
{
    _cleanup_free_ char *path = xasprintf(FIXTURES "%s", name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static json_object *decode(const char *name, int *rc, mk_err *err)
{
    char buf[4096];
    size_t n = slurp(name, buf, sizeof buf);
    json_object *obj = NULL;
    *rc = protobuf_to_json(buf, n, &obj, err);
    return obj;
}

static void expect(const char *name, const char *json)
{
    int rc;
    mk_err err = {0};
    json_object *got = decode(name, &rc, &err);
    if (rc < 0)
        fail_msg("%s: %s", name, err.msg);
    json_object *want = json_tokener_parse(json);
    assert_non_null(want);
    if (!json_object_equal(got, want))
        fail_msg("%s:\n got  %s\n want %s", name, json_object_to_json_string(got), json);
    json_object_put(got);
    json_object_put(want);
}

static void test_workloads(void **state)
{
    (void)state;
    /* kubectl create deployment web --image=busybox --replicas=3 --port=8080 -- sleep 3600 */
    expect(
        "deployment.pb",
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\","
        "\"labels\":{\"app\":\"web\"}},\"spec\":{\"replicas\":3,\"selector\":{\"matchLabels\":"
        "{\"app\":\"web\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},"
        "\"spec\":{\"containers\":[{\"name\":\"busybox\",\"image\":\"busybox\",\"command\":"
        "[\"sleep\",\"3600\"],\"ports\":[{\"containerPort\":8080}]}]}}}}");
    /* --replicas=0: a pointer in Go, so the zero is kept */
    expect(
        "deployment-zero.pb",
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"zero\","
        "\"labels\":{\"app\":\"zero\"}},\"spec\":{\"replicas\":0,\"selector\":{\"matchLabels\":"
        "{\"app\":\"zero\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"zero\"}},"
        "\"spec\":{\"containers\":[{\"name\":\"busybox\",\"image\":\"busybox\"}]}}}}");
    /* kubectl create job once --image=busybox -- echo hi */
    expect("job.pb", "{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":"
                     "\"once\"},\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":"
                     "\"once\",\"image\":\"busybox\",\"command\":[\"echo\",\"hi\"]}],"
                     "\"restartPolicy\":\"Never\"}}}}");
}

static void test_network(void **state)
{
    (void)state;
    /* kubectl create service clusterip svc --tcp=80:8080 --tcp=443 */
    expect("service.pb",
           "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"svc\","
           "\"labels\":{\"app\":\"svc\"}},\"spec\":{\"ports\":[{\"name\":\"80-8080\","
           "\"protocol\":\"TCP\",\"port\":80,\"targetPort\":8080},{\"name\":\"443\","
           "\"protocol\":\"TCP\",\"port\":443,\"targetPort\":443}],\"selector\":{\"app\":"
           "\"svc\"},\"type\":\"ClusterIP\"}}");
    /* kubectl create ingress ing --rule=foo.com/bar=svc:80 and a rule "tls.com/ *"
     * (spaced here: a path of /, Prefix) to svc:443 with tls=secret1 */
    expect(
        "ingress.pb",
        "{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"Ingress\",\"metadata\":{\"name\":"
        "\"ing\"},\"spec\":{\"tls\":[{\"hosts\":[\"tls.com\"],\"secretName\":\"secret1\"}],"
        "\"rules\":[{\"host\":\"foo.com\",\"http\":{\"paths\":[{\"path\":\"/bar\",\"backend\":"
        "{\"service\":{\"name\":\"svc\",\"port\":{\"number\":80}}},\"pathType\":\"Exact\"}]}},"
        "{\"host\":\"tls.com\",\"http\":{\"paths\":[{\"path\":\"/\",\"backend\":{\"service\":"
        "{\"name\":\"svc\",\"port\":{\"number\":443}}},\"pathType\":\"Prefix\"}]}}]}}");
}

static void test_config(void **state)
{
    (void)state;
    /* kubectl create namespace ns1 / secret generic s1 --from-literal=a=b /
     * configmap cm1 --from-literal=k=v --from-file=blob=<bytes 00 01 'bin'>, which
     * being UTF-8 goes to data, not binaryData */
    expect("namespace.pb",
           "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":"
           "\"ns1\"}}");
    expect("secret.pb", "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":"
                        "\"s1\"},\"data\":{\"a\":\"Yg==\"}}");
    expect("configmap.pb",
           "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
           "\"cm1\"},\"data\":{\"k\":\"v\",\"blob\":"
           "\"\\u0000\\u0001bin\"}}");
}

static void test_quota(void **state)
{
    (void)state;
    /* kubectl create quota q --hard=pods=2,requests.cpu=1 --scopes=BestEffort;
     * the empty status it sends is dropped */
    expect("resourcequota.pb",
           "{\"apiVersion\":\"v1\",\"kind\":\"ResourceQuota\",\"metadata\":{\"name\":\"q\"},"
           "\"spec\":{\"hard\":{\"pods\":\"2\",\"requests.cpu\":\"1\"},\"scopes\":"
           "[\"BestEffort\"]}}");
}

static void test_scheduling(void **state)
{
    (void)state;
    /* kubectl create priorityclass high --value=1000 --description=x
     * --preemption-policy=Never: the false globalDefault is left out */
    expect("priorityclass.pb",
           "{\"apiVersion\":\"scheduling.k8s.io/v1\",\"kind\":\"PriorityClass\",\"metadata\":"
           "{\"name\":\"high\"},\"value\":1000,\"description\":\"x\",\"preemptionPolicy\":"
           "\"Never\"}");
    /* --value=0 --global-default: value is no pointer in Go, yet its 0 is
     * always in the JSON; the empty description is left out */
    expect("priorityclass-zero.pb",
           "{\"apiVersion\":\"scheduling.k8s.io/v1\",\"kind\":\"PriorityClass\",\"metadata\":"
           "{\"name\":\"zero\"},\"value\":0,\"globalDefault\":true,\"preemptionPolicy\":"
           "\"PreemptLowerPriority\"}");
}

static void test_autoscale(void **state)
{
    (void)state;
    /* kubectl autoscale deployment web --min=2 --max=5 --cpu-percent=80: an
     * autoscaling/v1 HPA (the server converts it to v2, hpaconv.h) */
    expect("hpa-v1.pb",
           "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"HorizontalPodAutoscaler\","
           "\"metadata\":{\"name\":\"web\"},\"spec\":{\"scaleTargetRef\":{\"kind\":"
           "\"Deployment\",\"name\":\"web\",\"apiVersion\":\"apps/v1\"},\"minReplicas\":2,"
           "\"maxReplicas\":5,\"targetCPUUtilizationPercentage\":80}}");
}

static void test_rbac(void **state)
{
    (void)state;
    /* kubectl create role r --verb=get,list --resource=pods */
    expect("role.pb", "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"Role\","
                      "\"metadata\":{\"name\":\"r\"},\"rules\":[{\"verbs\":[\"get\",\"list\"],"
                      "\"apiGroups\":[\"\"],\"resources\":[\"pods\"]}]}");
    /* kubectl create clusterrole c2 --verb=get --resource=nodes
     * --non-resource-url=/metrics: two rules */
    expect("clusterrole.pb",
           "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRole\","
           "\"metadata\":{\"name\":\"c2\"},\"rules\":[{\"verbs\":[\"get\"],\"apiGroups\":"
           "[\"\"],\"resources\":[\"nodes\"]},{\"verbs\":[\"get\"],\"nonResourceURLs\":"
           "[\"/metrics\"]}]}");
    /* kubectl create clusterrole agg
     * --aggregation-rule=rbac.example.com/aggregate-to-view=true */
    expect("clusterrole-aggregate.pb",
           "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRole\","
           "\"metadata\":{\"name\":\"agg\"},\"aggregationRule\":{\"clusterRoleSelectors\":"
           "[{\"matchLabels\":{\"rbac.example.com/aggregate-to-view\":\"true\"}}]}}");
    /* kubectl create rolebinding rb --role=r --user=alice
     * --serviceaccount=default:app */
    expect("rolebinding.pb",
           "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"RoleBinding\","
           "\"metadata\":{\"name\":\"rb\"},\"subjects\":[{\"kind\":\"User\",\"apiGroup\":"
           "\"rbac.authorization.k8s.io\",\"name\":\"alice\"},{\"kind\":\"ServiceAccount\","
           "\"name\":\"app\",\"namespace\":\"default\"}],\"roleRef\":{\"apiGroup\":"
           "\"rbac.authorization.k8s.io\",\"kind\":\"Role\",\"name\":\"r\"}}");
    /* kubectl create clusterrolebinding system:crb
     * --clusterrole=system:controller:foo --serviceaccount=kube-system:ctl --user=bob */
    expect("clusterrolebinding.pb",
           "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRoleBinding\","
           "\"metadata\":{\"name\":\"system:crb\"},\"subjects\":[{\"kind\":\"User\","
           "\"apiGroup\":\"rbac.authorization.k8s.io\",\"name\":\"bob\"},{\"kind\":"
           "\"ServiceAccount\",\"name\":\"ctl\",\"namespace\":\"kube-system\"}],"
           "\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\","
           "\"name\":\"system:controller:foo\"}}");
}

static void test_token(void **state)
{
    (void)state;
    /* kubectl create token ci --duration=15m: the metadata and the status
     * it sends are empty, so they are left out */
    expect("tokenrequest.pb",
           "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\","
           "\"spec\":{\"expirationSeconds\":900}}");
    /* kubectl create token ci --audience=a1 --audience=a2 --bound-object-kind=Pod
     * --bound-object-name=p1 --bound-object-uid=0d5c8a36-...: kubectl fills in the
     * Pod's apiVersion itself */
    expect("tokenrequest-bound.pb",
           "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\","
           "\"spec\":{\"audiences\":[\"a1\",\"a2\"],\"boundObjectRef\":{\"kind\":"
           "\"Pod\",\"apiVersion\":\"v1\",\"name\":\"p1\",\"uid\":"
           "\"0d5c8a36-7c7e-4f29-9c93-6a2bd0d6c6a4\"}}}");
}

static void test_refused(void **state)
{
    (void)state;
    int rc;
    mk_err err = {0};
    /* A field the tables lack is refused by number, not dropped: the
     * Deployment's spec (field 2) with an unknown field 99 (varint 1). */
    static const char unknown[] =
        "k8s\0\n\x15\n\aapps/v1\x12\nDeployment\x12\x05\x12\x03\x98\x06\x01";
    json_object *obj = NULL;
    err = (mk_err){0};
    assert_int_equal(protobuf_to_json(unknown, sizeof unknown - 1, &obj, &err), -EOPNOTSUPP);
    assert_non_null(strstr(err.msg, "DeploymentSpec field 99"));
    /* Truncated and garbled bodies: EBADMSG, never a crash. */
    char buf[4096];
    size_t n = slurp("deployment.pb", buf, sizeof buf);
    for (size_t cut = 0; cut < n; cut += 7) {
        obj = NULL;
        rc = protobuf_to_json(buf, cut, &obj, &err);
        assert_true(rc == 0 || rc == -EBADMSG);
        json_object_put(obj);
    }
    assert_int_equal(protobuf_to_json("garbage", 7, &obj, &err), -EBADMSG);
    /* A Namespace named by the byte 0xff: not text, as JSON or YAML would say. */
    static const char latin[] = "k8s\0\n\x0f\n\x02v1\x12\tNamespace\x12\x05\n\x03\n\x01\xff";
    assert_int_equal(protobuf_to_json(latin, sizeof latin - 1, &obj, &err), -EBADMSG);
    assert_non_null(strstr(err.msg, "UTF-8"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_workloads),  cmocka_unit_test(test_network),
        cmocka_unit_test(test_config),     cmocka_unit_test(test_autoscale),
        cmocka_unit_test(test_rbac),       cmocka_unit_test(test_quota),
        cmocka_unit_test(test_token),      cmocka_unit_test(test_refused),
        cmocka_unit_test(test_scheduling),
    };
    return cmocka_run_group_tests_name("protobuf", tests, NULL, NULL);
}
