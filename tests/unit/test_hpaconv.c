/* test_hpaconv.c - autoscaling/v1 <-> v2 HPAs (store/hpaconv.h) against
 * what Kubernetes' conversion (pkg/apis/autoscaling/v1/conversion.go)
 * makes of the same objects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "store/hpaconv.h"

static void expect_json(json_object *got, const char *want_text)
{
    json_object *want = json_tokener_parse(want_text);
    assert_non_null(want);
    if (!json_object_equal(got, want))
        fail_msg("\n got  %s\n want %s", json_object_to_json_string(got), want_text);
    json_object_put(want);
}

/* kubectl autoscale deployment web --min=2 --max=5 --cpu-percent=80 */
static void test_v1_cpu_to_v2(void **state)
{
    (void)state;
    json_object *o = json_tokener_parse(
        "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"HorizontalPodAutoscaler\","
        "\"metadata\":{\"name\":\"web\"},\"spec\":{\"scaleTargetRef\":{\"kind\":"
        "\"Deployment\",\"name\":\"web\",\"apiVersion\":\"apps/v1\"},\"minReplicas\":2,"
        "\"maxReplicas\":5,\"targetCPUUtilizationPercentage\":80},"
        "\"status\":{\"currentReplicas\":2,\"desiredReplicas\":2,"
        "\"currentCPUUtilizationPercentage\":30}}");
    mk_err err = {0};
    assert_int_equal(hpaconv_v1_to_v2(o, &err), 0);
    expect_json(o, "{\"apiVersion\":\"autoscaling/v2\",\"kind\":\"HorizontalPodAutoscaler\","
                   "\"metadata\":{\"name\":\"web\"},\"spec\":{\"scaleTargetRef\":{\"kind\":"
                   "\"Deployment\",\"name\":\"web\",\"apiVersion\":\"apps/v1\"},"
                   "\"minReplicas\":2,\"maxReplicas\":5,\"metrics\":[{\"type\":\"Resource\","
                   "\"resource\":{\"name\":\"cpu\",\"target\":{\"type\":\"Utilization\","
                   "\"averageUtilization\":80}}}]},"
                   "\"status\":{\"currentReplicas\":2,\"desiredReplicas\":2,"
                   "\"currentMetrics\":[{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\","
                   "\"current\":{\"averageUtilization\":30}}}]}}");
    /* and back */
    hpaconv_v2_to_v1(o);
    expect_json(o, "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"HorizontalPodAutoscaler\","
                   "\"metadata\":{\"name\":\"web\",\"annotations\":{"
                   "\"autoscaling.alpha.kubernetes.io/current-metrics\":"
                   "\"[{\\\"type\\\":\\\"Resource\\\",\\\"resource\\\":{\\\"name\\\":"
                   "\\\"cpu\\\",\\\"currentAverageUtilization\\\":30}}]\"}},"
                   "\"spec\":{\"scaleTargetRef\":{\"kind\":\"Deployment\",\"name\":\"web\","
                   "\"apiVersion\":\"apps/v1\"},\"minReplicas\":2,\"maxReplicas\":5,"
                   "\"targetCPUUtilizationPercentage\":80},"
                   "\"status\":{\"currentReplicas\":2,\"desiredReplicas\":2,"
                   "\"currentCPUUtilizationPercentage\":30}}");
    json_object_put(o);
}

/* What v1 has no field for travels in annotations, in v1's shapes, and
 * comes back whole: a v1 read-modify-write loses nothing. */
static const char v2_full[] =
    "{\"apiVersion\":\"autoscaling/v2\",\"kind\":\"HorizontalPodAutoscaler\","
    "\"metadata\":{\"name\":\"web\",\"annotations\":{\"team\":\"a\"}},"
    "\"spec\":{\"scaleTargetRef\":{\"kind\":\"Deployment\",\"name\":\"web\"},"
    "\"maxReplicas\":10,\"metrics\":["
    "{\"type\":\"Resource\",\"resource\":{\"name\":\"memory\",\"target\":{\"type\":"
    "\"AverageValue\",\"averageValue\":\"100Mi\"}}},"
    "{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"target\":{\"type\":"
    "\"Utilization\",\"averageUtilization\":50}}}],"
    "\"behavior\":{\"scaleDown\":{\"stabilizationWindowSeconds\":60}}},"
    "\"status\":{\"currentReplicas\":3,\"desiredReplicas\":4,\"currentMetrics\":["
    "{\"type\":\"Resource\",\"resource\":{\"name\":\"memory\",\"current\":{\"averageValue\":"
    "\"80Mi\"}}},"
    "{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"current\":{\"averageUtilization\":"
    "70,\"averageValue\":\"350m\"}}}],"
    "\"conditions\":[{\"type\":\"AbleToScale\",\"status\":\"True\",\"reason\":"
    "\"ReadyForNewScale\"}]}}";

static void test_v2_roundtrip(void **state)
{
    (void)state;
    json_object *o = json_tokener_parse(v2_full);
    hpaconv_v2_to_v1(o);
    assert_string_equal(json_object_get_string(json_object_object_get(o, "apiVersion")),
                        "autoscaling/v1");
    json_object *spec = json_object_object_get(o, "spec");
    assert_int_equal(
        json_object_get_int(json_object_object_get(spec, "targetCPUUtilizationPercentage")),
        50);
    assert_null(json_object_object_get(spec, "metrics"));
    assert_null(json_object_object_get(spec, "behavior"));
    json_object *status = json_object_object_get(o, "status");
    assert_int_equal(
        json_object_get_int(json_object_object_get(status, "currentCPUUtilizationPercentage")),
        70);
    json_object *ann =
        json_object_object_get(json_object_object_get(o, "metadata"), "annotations");
    expect_json(json_object_object_get(ann, "autoscaling.alpha.kubernetes.io/metrics"),
                "\"[{\\\"type\\\":\\\"Resource\\\",\\\"resource\\\":{\\\"name\\\":"
                "\\\"memory\\\",\\\"targetAverageValue\\\":\\\"100Mi\\\"}}]\"");
    expect_json(json_object_object_get(ann, "autoscaling.alpha.kubernetes.io/behavior"),
                "\"{\\\"scaleDown\\\":{\\\"stabilizationWindowSeconds\\\":60}}\"");
    assert_non_null(json_object_object_get(ann, "autoscaling.alpha.kubernetes.io/conditions"));
    assert_non_null(
        json_object_object_get(ann, "autoscaling.alpha.kubernetes.io/current-metrics"));
    assert_string_equal(json_object_get_string(json_object_object_get(ann, "team")), "a");

    mk_err err = {0};
    assert_int_equal(hpaconv_v1_to_v2(o, &err), 0);
    expect_json(o, v2_full);
    json_object_put(o);
}

/* v1 wins over a stale annotation for the cpu target; the status's
 * annotation wins over the bare percentage, as in Kubernetes. Round-trip
 * annotations a client sets on a v2 object are replaced on the way out. */
static void test_annotations_precedence(void **state)
{
    (void)state;
    json_object *o = json_tokener_parse(
        "{\"apiVersion\":\"autoscaling/v2\",\"kind\":\"HorizontalPodAutoscaler\","
        "\"metadata\":{\"name\":\"h\",\"annotations\":{"
        "\"autoscaling.alpha.kubernetes.io/metrics\":\"junk\"}},"
        "\"spec\":{\"scaleTargetRef\":{\"kind\":\"Deployment\",\"name\":\"web\"},"
        "\"maxReplicas\":3}}");
    hpaconv_v2_to_v1(o);
    expect_json(o, "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"HorizontalPodAutoscaler\","
                   "\"metadata\":{\"name\":\"h\"},"
                   "\"spec\":{\"scaleTargetRef\":{\"kind\":\"Deployment\",\"name\":\"web\"},"
                   "\"maxReplicas\":3},"
                   "\"status\":{\"currentReplicas\":0,\"desiredReplicas\":0}}");
    json_object_put(o);

    o = json_tokener_parse(
        "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"HorizontalPodAutoscaler\","
        "\"metadata\":{\"name\":\"h\",\"annotations\":{"
        "\"autoscaling.alpha.kubernetes.io/current-metrics\":\"[]\","
        "\"autoscaling.alpha.kubernetes.io/metrics\":\"not json\"}},"
        "\"spec\":{\"maxReplicas\":3,\"targetCPUUtilizationPercentage\":60},"
        "\"status\":{\"currentCPUUtilizationPercentage\":10}}");
    mk_err err = {0};
    assert_int_equal(hpaconv_v1_to_v2(o, &err), 0);
    expect_json(o, "{\"apiVersion\":\"autoscaling/v2\",\"kind\":\"HorizontalPodAutoscaler\","
                   "\"metadata\":{\"name\":\"h\"},"
                   "\"spec\":{\"maxReplicas\":3,\"metrics\":[{\"type\":\"Resource\","
                   "\"resource\":{\"name\":\"cpu\",\"target\":{\"type\":\"Utilization\","
                   "\"averageUtilization\":60}}}]},\"status\":{}}");
    json_object_put(o);
}

static void test_v1_invalid(void **state)
{
    (void)state;
    json_object *o = json_tokener_parse(
        "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"HorizontalPodAutoscaler\","
        "\"metadata\":{\"name\":\"h\"},\"spec\":{\"maxReplicas\":3,"
        "\"targetCPUUtilizationPercentage\":\"80\"}}");
    mk_err err = {0};
    assert_int_equal(hpaconv_v1_to_v2(o, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "spec.targetCPUUtilizationPercentage: Invalid value"));
    json_object_put(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v1_cpu_to_v2),
        cmocka_unit_test(test_v2_roundtrip),
        cmocka_unit_test(test_annotations_precedence),
        cmocka_unit_test(test_v1_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
