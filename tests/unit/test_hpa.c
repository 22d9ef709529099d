/* test_hpa.c - the HPA's arithmetic (controllers/hpa_algo.c) against cases
 * worked by hand from the Kubernetes documentation ("Horizontal Pod
 * Autoscaling": algorithm details, configurable scaling behavior) and
 * Kubernetes' replica calculator. Every expected number has its
 * arithmetic beside it. Values are milli-units: 1000 = one core. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "controllers/hpa.h"
#include "controllers/hpa_algo.h"
#include "store/codec.h"

#define S 1000 /* one second in ms */

static hpa_pod_sample ready(int64_t usage, int64_t request)
{
    return (hpa_pod_sample){HPA_POD_READY, usage, request};
}

static int32_t util_replicas(int32_t current, const hpa_pod_sample *p, size_t n, int32_t target)
{
    int32_t r = -1, u;
    int64_t avg;
    mk_err err = {0};
    assert_int_equal(hpa_replicas_utilization(current, p, n, target, &r, &u, &avg, &err), 0);
    return r;
}

/* Docs: "if the current metric value is 200m, and the desired value is
 * 100m, the number of replicas will be doubled, since 200.0 / 100.0 ==
 * 2.0. If the current value is instead 50m, you'll halve the number of
 * replicas, since 50.0 / 100.0 == 0.5." */
static void test_doc_double_and_halve(void **state)
{
    hpa_pod_sample two[] = {ready(200, 1000), ready(200, 1000)};
    int32_t r;
    int64_t avg;
    mk_err err = {0};
    /* AverageValue 100m, usage 200m each: ratio 200/100 = 2.0, ceil(2.0 * 2) = 4 */
    assert_int_equal(hpa_replicas_average(2, two, 2, 100, &r, &avg, &err), 0);
    assert_int_equal(r, 4);
    assert_int_equal(avg, 200);
    /* usage 50m each: ratio 0.5, ceil(0.5 * 2) = 1 */
    hpa_pod_sample half[] = {ready(50, 1000), ready(50, 1000)};
    assert_int_equal(hpa_replicas_average(2, half, 2, 100, &r, &avg, &err), 0);
    assert_int_equal(r, 1);
}

/* Docs: "the control plane skips any scaling action if the ratio is
 * sufficiently close to 1.0 (within a globally-configurable tolerance,
 * 0.1 by default)." */
static void test_doc_tolerance(void **state)
{
    /* 3 pods, request 1000m, usage 540m each, target 50%:
     * utilization = 1620 * 100 / 3000 = 54, ratio 54/50 = 1.08 <= 1.1: keep 3 */
    hpa_pod_sample p[] = {ready(540, 1000), ready(540, 1000), ready(540, 1000)};
    assert_int_equal(util_replicas(3, p, 3, 50), 3);
    /* usage 560m: utilization 56, ratio 1.12 > 1.1: ceil(1.12 * 3) = ceil(3.36) = 4 */
    hpa_pod_sample q[] = {ready(560, 1000), ready(560, 1000), ready(560, 1000)};
    assert_int_equal(util_replicas(3, q, 3, 50), 4);
    /* usage 460m: utilization 46, ratio 0.92, |1 - 0.92| <= 0.1: keep 3 */
    hpa_pod_sample d[] = {ready(460, 1000), ready(460, 1000), ready(460, 1000)};
    assert_int_equal(util_replicas(3, d, 3, 50), 3);
}

/* Utilization is of the requests: 2 pods requesting 200m, using 300m and
 * 100m, target 50%: utilization = 400 * 100 / 400 = 100, ratio 100/50 =
 * 2.0, ceil(2.0 * 2) = 4. */
static void test_utilization_of_requests(void **state)
{
    hpa_pod_sample p[] = {ready(300, 200), ready(100, 200)};
    int32_t r, u;
    int64_t avg;
    mk_err err = {0};
    assert_int_equal(hpa_replicas_utilization(2, p, 2, 50, &r, &u, &avg, &err), 0);
    assert_int_equal(r, 4);
    assert_int_equal(u, 100);
    assert_int_equal(avg, 200); /* (300 + 100) / 2 */
    /* A pod without a request: Kubernetes refuses a Utilization target. */
    hpa_pod_sample bad[] = {ready(300, 200), ready(100, 0)};
    assert_int_equal(hpa_replicas_utilization(2, bad, 2, 50, &r, &u, &avg, &err), -EINVAL);
}

/* Docs: "If there were any missing metrics, the control plane recomputes
 * the average more conservatively, assuming those pods were consuming 100%
 * of the desired value in case of a scale down, and 0% in case of a scale
 * up." */
static void test_doc_missing_metrics(void **state)
{
    hpa_pod_sample miss = {HPA_POD_MISSING, 0, 1000};
    /* Scale down: 2 pods at 500m of 1000m, target 100%: ratio 0.5.
     * The missing pod counts as 100% (1000m): utilization =
     * (500 + 500 + 1000) * 100 / 3000 = 66, ratio 0.66,
     * ceil(0.66 * 3) = ceil(1.98) = 2 (not 1, as without it). */
    hpa_pod_sample down[] = {ready(500, 1000), ready(500, 1000), miss};
    assert_int_equal(util_replicas(3, down, 3, 100), 2);
    /* Scale up: 2 pods at 1500m, target 100%: ratio 1.5. The missing pod
     * counts as 0: utilization = 3000 * 100 / 3000 = 100, ratio 1.0, within
     * the tolerance: stay at 3 (the missing pod damps the scale-up). */
    hpa_pod_sample up[] = {ready(1500, 1000), ready(1500, 1000), miss};
    assert_int_equal(util_replicas(3, up, 3, 100), 3);
    /* Scale up: 2 pods at 3000m: ratio 3.0; with the missing one at 0:
     * 6000 * 100 / 3000 = 200, ratio 2.0, ceil(2.0 * 3) = 6. */
    hpa_pod_sample up2[] = {ready(3000, 1000), ready(3000, 1000), miss};
    assert_int_equal(util_replicas(3, up2, 3, 100), 6);
    /* AverageValue: missing counts as the target (100m) on a scale-down:
     * (20 + 20 + 100) / 3 = 46, ratio 0.46, ceil(0.46 * 3) = ceil(1.38) = 2 */
    hpa_pod_sample avgp[] = {ready(20, 0), ready(20, 0), {HPA_POD_MISSING, 0, 0}};
    int32_t r;
    int64_t avg;
    mk_err err = {0};
    assert_int_equal(hpa_replicas_average(3, avgp, 3, 100, &r, &avg, &err), 0);
    assert_int_equal(r, 2);
}

/* Docs: "if any pod has yet to become ready ... it is set aside as well";
 * on a scale-up such pods count as 0%. */
static void test_doc_unready_pods(void **state)
{
    hpa_pod_sample unready = {HPA_POD_UNREADY, 0, 1000};
    /* 2 ready pods at 200% (2000m of 1000m), 2 unready, target 100%:
     * ratio 2.0 > 1 with unready pods: they count as 0 -> utilization
     * 4000 * 100 / 4000 = 100, ratio 1.0: stay at 4. */
    hpa_pod_sample p[] = {ready(2000, 1000), ready(2000, 1000), unready, unready};
    assert_int_equal(util_replicas(4, p, 4, 100), 4);
    /* 2 ready at 400%: first ratio 4.0; with 2 at 0: 8000*100/4000 = 200,
     * ratio 2.0, ceil(2.0 * 4) = 8. */
    hpa_pod_sample q[] = {ready(4000, 1000), ready(4000, 1000), unready, unready};
    assert_int_equal(util_replicas(4, q, 4, 100), 8);
    /* On a scale-down unready pods are simply left out: 2 ready at 20%:
     * ratio 0.2, ceil(0.2 * 2 ready) = 1. */
    hpa_pod_sample d[] = {ready(200, 1000), ready(200, 1000), unready, unready};
    assert_int_equal(util_replicas(4, d, 4, 100), 1);
    /* Ignored (deleting, Failed) pods count for nothing. */
    hpa_pod_sample ign[] = {ready(2000, 1000), {HPA_POD_IGNORED, 0, 1000}};
    assert_int_equal(util_replicas(2, ign, 2, 100), 2); /* ceil(2.0 * 1) */
    /* No usable metric at all is an error, not a decision. */
    hpa_pod_sample none[] = {unready, unready};
    int32_t r, u;
    int64_t avg;
    mk_err err = {0};
    assert_int_equal(hpa_replicas_utilization(2, none, 2, 100, &r, &u, &avg, &err), -ENODATA);
    assert_int_equal(hpa_replicas_utilization(2, NULL, 0, 100, &r, &u, &avg, &err), -ENOENT);
}

static hpa_behavior parse(const char *json)
{
    hpa_behavior b;
    mk_err err = {0};
    json_object *o = json ? json_tokener_parse(json) : NULL;
    assert_int_equal(hpa_behavior_parse(o, &b, &err), 0);
    json_object_put(o);
    return b;
}

/* Docs, "Default Behavior": scaleDown 300 s window, Percent 100 per 15 s;
 * scaleUp no window, Max of Percent 100 and Pods 4 per 15 s. */
static void test_doc_defaults(void **state)
{
    hpa_behavior b = parse(NULL);
    assert_int_equal(b.down.window_s, 300);
    assert_int_equal(b.down.npolicies, 1);
    assert_int_equal(b.down.policies[0].type, HPA_POLICY_PERCENT);
    assert_int_equal(b.down.policies[0].value, 100);
    assert_int_equal(b.down.policies[0].period_s, 15);
    assert_int_equal(b.up.window_s, 0);
    assert_int_equal(b.up.npolicies, 2);
    assert_int_equal(b.up.select, HPA_SELECT_MAX);

    /* Scale up from 1 to a recommendation of 10, max 10: the limit is
     * max(1 + 4, ceil(1 * 2)) = 5 per 15 s. */
    hpa_history h = {0};
    hpa_decision d;
    int64_t t = 1000 * S;
    hpa_normalize(&h, &b, t, 1, 10, 1, 10, &d);
    assert_int_equal(d.desired, 5);
    assert_true(d.limited);
    assert_string_equal(d.limited_reason, "ScaleUpLimit");
    hpa_record_scale(&h, &b, t, 1, 5);
    /* 10 s later, still inside the 15 s period: the period began at
     * 5 - 4 = 1 replica, so the limit is still 5: no change. */
    hpa_normalize(&h, &b, t + 10 * S, 5, 10, 1, 10, &d);
    assert_int_equal(d.desired, 5);
    /* 16 s later the +4 has left the period: max(5 + 4, 5 * 2) = 10. */
    hpa_normalize(&h, &b, t + 16 * S, 5, 10, 1, 10, &d);
    assert_int_equal(d.desired, 10);
    assert_false(d.limited);
    hpa_record_scale(&h, &b, t + 16 * S, 5, 10);
    /* maxReplicas bounds a larger wish: 10 -> 30 wanted, max 12 */
    hpa_normalize(&h, &b, t + 40 * S, 10, 30, 1, 12, &d);
    assert_int_equal(d.desired, 12);
    assert_string_equal(d.limited_reason, "TooManyReplicas");
    hpa_history_free(&h);
}

/* Docs, "Stabilization window": "the highest recommendation within the
 * window" is used for a scale-down, so flapping metrics don't flap pods. */
static void test_doc_stabilization_window(void **state)
{
    hpa_behavior b = parse(NULL); /* scaleDown window 300 s */
    hpa_history h = {0};
    hpa_decision d;
    int64_t t0 = 5000 * S;
    /* t0: recommendation 10 at 10 replicas (the controller's first record) */
    hpa_normalize(&h, &b, t0, 10, 10, 1, 20, &d);
    assert_int_equal(d.desired, 10);
    /* t0+100: metrics say 6; the window holds 10: stay at 10 */
    hpa_normalize(&h, &b, t0 + 100 * S, 10, 6, 1, 20, &d);
    assert_int_equal(d.desired, 10);
    assert_string_equal(d.able_reason, "ScaleDownStabilized");
    /* t0+200: metrics say 4; the window holds max(10, 6, 4) = 10 */
    hpa_normalize(&h, &b, t0 + 200 * S, 10, 4, 1, 20, &d);
    assert_int_equal(d.desired, 10);
    /* t0+301: the 10 left the window: max(6, 4, 4) = 6; rate 100%/15 s
     * allows down to int(10 * 0) = 0, minReplicas 1: 6 is within range */
    hpa_normalize(&h, &b, t0 + 301 * S, 10, 4, 1, 20, &d);
    assert_int_equal(d.desired, 6);
    assert_string_equal(d.limited_reason, "DesiredWithinRange");
    /* t0+401: 6 left too: max(4, 4, 4) = 4 */
    hpa_normalize(&h, &b, t0 + 401 * S, 6, 4, 1, 20, &d);
    assert_int_equal(d.desired, 4);
    hpa_history_free(&h);
    /* A scale-up is not held by the scale-down window: up window 0. */
    hpa_history u = {0};
    hpa_normalize(&u, &b, t0, 2, 2, 1, 20, &d);
    hpa_normalize(&u, &b, t0 + 1 * S, 2, 3, 1, 20, &d);
    assert_int_equal(d.desired, 3);
    hpa_history_free(&u);
}

/* Docs, "Scaling Policies": scaleDown Pods 4 and Percent 10 per 60 s, the
 * default selectPolicy Max picks the policy allowing the biggest change.
 * "if there are 80 replicas and the target has to be scaled down to 10
 * replicas then during the first step 8 replicas will be reduced. In the
 * next iteration when the number of replicas is 72, 10% of the pods is 7.2
 * but the number is rounded up to 8." */
static void test_doc_scale_down_policies(void **state)
{
    hpa_behavior b = parse("{\"scaleDown\":{\"stabilizationWindowSeconds\":0,\"policies\":["
                           "{\"type\":\"Pods\",\"value\":4,\"periodSeconds\":60},"
                           "{\"type\":\"Percent\",\"value\":10,\"periodSeconds\":60}]}}");
    hpa_history h = {0};
    hpa_decision d;
    int64_t t = 9000 * S;
    /* 80 -> 10 wanted: Pods gives 80 - 4 = 76, Percent int(80 * 0.9) = 72;
     * Max change: 72 (8 fewer) */
    assert_int_equal(hpa_scale_down_limit(&h, &b.down, t, 80), 72);
    hpa_normalize(&h, &b, t, 80, 10, 1, 100, &d);
    assert_int_equal(d.desired, 72);
    assert_string_equal(d.limited_reason, "ScaleDownLimit");
    hpa_record_scale(&h, &b, t, 80, 72);
    /* Within the minute the period still starts at 72 + 8 = 80: no change */
    hpa_normalize(&h, &b, t + 30 * S, 72, 10, 1, 100, &d);
    assert_int_equal(d.desired, 72);
    /* Next minute: int(72 * 0.9) = int(64.8) = 64, i.e. 7.2 rounded up to 8
     * fewer; Pods would give 68 */
    hpa_normalize(&h, &b, t + 61 * S, 72, 10, 1, 100, &d);
    assert_int_equal(d.desired, 64);
    hpa_record_scale(&h, &b, t + 61 * S, 72, 64);
    /* "With 40 or less replicas, the first policy will be applied":
     * at 40: Pods 36, Percent int(36.0) = 36; at 30: Pods 26, Percent 27 */
    hpa_history e = {0};
    assert_int_equal(hpa_scale_down_limit(&e, &b.down, t, 30), 26);
    /* selectPolicy Min picks the smaller change: at 80, max(76, 72) = 76 */
    b.down.select = HPA_SELECT_MIN;
    assert_int_equal(hpa_scale_down_limit(&e, &b.down, t, 80), 76);
    hpa_history_free(&h);
}

/* Docs, "Example: disable scale down" (selectPolicy: Disabled) and a
 * scale-up of Pods 1 per 15 s. */
static void test_doc_disabled_and_one_pod(void **state)
{
    hpa_behavior b = parse("{\"scaleDown\":{\"selectPolicy\":\"Disabled\"},"
                           "\"scaleUp\":{\"policies\":[{\"type\":\"Pods\",\"value\":1,"
                           "\"periodSeconds\":15}]}}");
    hpa_history h = {0};
    hpa_decision d;
    int64_t t = 100 * S;
    /* 5 -> 1 wanted: scale-down disabled, the limit is the current count */
    b.down.window_s = 0;
    hpa_normalize(&h, &b, t, 5, 1, 1, 10, &d);
    assert_int_equal(d.desired, 5);
    assert_string_equal(d.limited_reason, "ScaleDownLimit");
    /* 2 -> 6 wanted, Pods 1 per 15 s: 3, then nothing until 15 s passed */
    hpa_history u = {0};
    hpa_normalize(&u, &b, t, 2, 6, 1, 10, &d);
    assert_int_equal(d.desired, 3);
    hpa_record_scale(&u, &b, t, 2, 3);
    hpa_normalize(&u, &b, t + 14 * S, 3, 6, 1, 10, &d);
    assert_int_equal(d.desired, 3); /* period starts at 3 - 1 = 2: limit 3 */
    hpa_normalize(&u, &b, t + 16 * S, 3, 6, 1, 10, &d);
    assert_int_equal(d.desired, 4);
    /* selectPolicy Min on the default scale-up: at 10, min(14, 20) = 14 */
    hpa_behavior m = parse("{\"scaleUp\":{\"selectPolicy\":\"Min\"}}");
    hpa_history e = {0};
    assert_int_equal(hpa_scale_up_limit(&e, &m.up, t, 10), 14);
    m.up.select = HPA_SELECT_MAX;
    assert_int_equal(hpa_scale_up_limit(&e, &m.up, t, 10), 20);
    hpa_history_free(&h);
    hpa_history_free(&u);
}

static void test_behavior_errors(void **state)
{
    hpa_behavior b;
    mk_err err = {0};
    json_object *o = json_tokener_parse("{\"scaleUp\":{\"selectPolicy\":\"Fastest\"}}");
    assert_int_equal(hpa_behavior_parse(o, &b, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "scaleUp.selectPolicy"));
    json_object_put(o);
    o = json_tokener_parse("{\"scaleDown\":{\"policies\":[{\"type\":\"Pods\",\"value\":0,"
                           "\"periodSeconds\":15}]}}");
    assert_int_equal(hpa_behavior_parse(o, &b, &err), -EINVAL);
    json_object_put(o);
}

static void test_pod_request(void **state)
{
    json_object *pod = json_tokener_parse(
        "{\"spec\":{\"containers\":[{\"resources\":{\"requests\":{\"cpu\":\"250m\","
        "\"memory\":\"64Mi\"}}},{\"resources\":{\"requests\":{\"cpu\":\"0.5\"}}}]}}");
    assert_int_equal(hpa_pod_request(pod, "cpu"), 750);  /* 250m + 500m */
    assert_int_equal(hpa_pod_request(pod, "memory"), 0); /* the second asks none */
    json_object_put(pod);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doc_double_and_halve),
        cmocka_unit_test(test_doc_tolerance),
        cmocka_unit_test(test_utilization_of_requests),
        cmocka_unit_test(test_doc_missing_metrics),
        cmocka_unit_test(test_doc_unready_pods),
        cmocka_unit_test(test_doc_defaults),
        cmocka_unit_test(test_doc_stabilization_window),
        cmocka_unit_test(test_doc_scale_down_policies),
        cmocka_unit_test(test_doc_disabled_and_one_pod),
        cmocka_unit_test(test_behavior_errors),
        cmocka_unit_test(test_pod_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
