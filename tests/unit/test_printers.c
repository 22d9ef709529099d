/* The columns kubectl computes (store/printers.h), case by case as
 * kubectl's printers have them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "yaml_fixture.h"

#include <string.h>

#include "store/codec.h"
#include "store/printers.h"

static void expect(const char *yaml, const char *status, size_t ready, size_t total,
                   int64_t restarts)
{
    json_object *pod = NULL;
    mk_err err = {0};
    assert_int_equal(codec_decode(yaml, strlen(yaml), &pod, &err), 0);
    podstatus ps;
    podstatus_of(pod, &ps);
    json_object_put(pod);
    assert_string_equal(ps.status, status);
    assert_int_equal(ps.ready, ready);
    assert_int_equal(ps.total, total);
    assert_int_equal(ps.restarts, restarts);
}

#define TWO                                                                                    \
    "spec: {containers: [{name: a}, {name: b}], initContainers: [{name: i1}, {name: i2}]}\n"

static void test_columns(void **state)
{
    (void)state;
    expect("spec: {containers: [{name: a}]}\n", "Pending", 0, 1, 0);
    expect("spec: {containers: [{name: a}]}\nstatus: {phase: Running, containerStatuses:"
           " [{name: a, ready: true, restartCount: 2, state: {running: {}}}]}\n",
           "Running", 1, 1, 2);
    expect("spec: {containers: [{name: a}]}\nstatus: {phase: Running, containerStatuses:"
           " [{name: a, ready: false, restartCount: 4, state: {waiting: {reason: "
           "CrashLoopBackOff}}}]}\n",
           "CrashLoopBackOff", 0, 1, 4);
    /* The first container's reason wins over a later one's. */
    expect("spec: {containers: [{name: a}, {name: b}]}\nstatus: {phase: Pending, "
           "containerStatuses:"
           " [{name: a, state: {waiting: {reason: CreateContainerConfigError}}},"
           " {name: b, state: {waiting: {reason: ErrImageNeverPull}}}]}\n",
           "CreateContainerConfigError", 0, 2, 0);
    /* A completed sidecar beside a running one: Running. */
    expect("spec: {containers: [{name: a}, {name: b}]}\nstatus: {phase: Running, "
           "containerStatuses:"
           " [{name: a, ready: true, state: {running: {}}},"
           " {name: b, state: {terminated: {exitCode: 0, reason: Completed}}}]}\n",
           "Running", 1, 2, 0);
    expect("spec: {containers: [{name: a}]}\nstatus: {phase: Failed, containerStatuses:"
           " [{name: a, state: {terminated: {exitCode: 137, reason: OOMKilled}}}]}\n",
           "OOMKilled", 0, 1, 0);
    expect(TWO
           "status: {phase: Pending, initContainerStatuses: [{name: i1, state: {terminated:"
           " {exitCode: 0, reason: Completed}}}, {name: i2, state: {running: {}}}],"
           " containerStatuses: [{name: a, state: {waiting: {reason: PodInitializing}}}]}\n",
           "Init:1/2", 0, 2, 0);
    expect(TWO "status: {phase: Pending, initContainerStatuses: [{name: i1, restartCount: 3,"
               " state: {waiting: {reason: CrashLoopBackOff}}}]}\n",
           "Init:CrashLoopBackOff", 0, 2, 3);
    expect(TWO "status: {phase: Failed, initContainerStatuses: [{name: i1, state: {terminated:"
               " {exitCode: 2, reason: Error}}}]}\n",
           "Init:Error", 0, 2, 0);
    expect("metadata: {deletionTimestamp: '2026-11-27T10:00:00Z'}\nspec: {containers: [{name: "
           "a}]}\n"
           "status: {phase: Running}\n",
           "Terminating", 0, 1, 0);
}

static void age_is(int64_t s, const char *want)
{
    char b[32];
    human_duration(s, b, sizeof b);
    assert_string_equal(b, want);
}

static void test_human_duration(void **state)
{
    (void)state;
    age_is(-1, "0s");
    age_is(-5, "<invalid>");
    age_is(45, "45s");
    age_is(119, "119s");
    age_is(200, "3m20s");
    age_is(300, "5m");
    age_is(3600, "60m");
    age_is(5 * 3600, "5h");
    age_is(5 * 3600 + 600, "5h10m");
    age_is(30 * 3600, "30h");
    age_is(3 * 86400 + 4 * 3600, "3d4h");
    age_is(3 * 86400, "3d");
    age_is(30 * 86400, "30d");
    age_is(800 * 86400, "2y70d");
    age_is(9 * 365 * 86400, "9y");
}

static void test_node_and_job(void **state)
{
    (void)state;
    char b[64];
    json_object *o = yaml("spec: {unschedulable: true}\n"
                          "status: {conditions: [{type: Ready, status: 'False'}]}\n");
    node_status_text(o, b, sizeof b);
    assert_string_equal(b, "NotReady,SchedulingDisabled");
    json_object_put(o);
    o = yaml("status: {conditions: [{type: MemoryPressure, status: 'False'}]}\n");
    node_status_text(o, b, sizeof b);
    assert_string_equal(b, "Unknown");
    json_object_put(o);

    o = yaml("spec: {parallelism: 4}\nstatus: {succeeded: 1, conditions: [{type: Suspended,"
             " status: 'True'}]}\n");
    assert_string_equal(job_status_text(o), "Suspended");
    job_completions_text(o, b, sizeof b);
    assert_string_equal(b, "1/1 of 4");
    json_object_put(o);
    o = yaml("metadata: {deletionTimestamp: '2026-11-27T10:00:00Z'}\n"
             "spec: {completions: 3}\nstatus: {succeeded: 3, conditions: [{type: Complete,"
             " status: 'True'}]}\n");
    assert_string_equal(job_status_text(o), "Complete");
    job_completions_text(o, b, sizeof b);
    assert_string_equal(b, "3/3");
    json_object_put(o);
    o = yaml("metadata: {deletionTimestamp: '2026-11-27T10:00:00Z'}\nspec: {}\n");
    assert_string_equal(job_status_text(o), "Terminating");
    job_completions_text(o, b, sizeof b);
    assert_string_equal(b, "0/1");
    json_object_put(o);
}

/* kubectl get hpa's TARGETS (formatHPAMetrics). */
static void test_hpa_targets(void **state)
{
    (void)state;
    char b[256];
    json_object *o = yaml("spec: {maxReplicas: 3}\n");
    hpa_targets_text(o, b, sizeof b);
    assert_string_equal(b, "<none>");
    json_object_put(o);
    o = yaml("spec: {metrics: [{type: Resource, resource: {name: cpu, target: {type: "
             "Utilization, averageUtilization: 80}}}]}\n");
    hpa_targets_text(o, b, sizeof b);
    assert_string_equal(b, "cpu: <unknown>/80%");
    json_object_put(o);
    o = yaml("spec: {metrics: [\n"
             " {type: Resource, resource: {name: cpu, target: {type: Utilization, "
             "averageUtilization: 50}}},\n"
             " {type: Resource, resource: {name: memory, target: {type: AverageValue, "
             "averageValue: 100Mi}}},\n"
             " {type: Resource, resource: {name: memory, target: {type: AverageValue, "
             "averageValue: 1Gi}}}]}\n"
             "status: {currentMetrics: [{type: Resource, resource: {name: cpu, current: "
             "{averageUtilization: 7}}}, {type: Resource, resource: {name: memory, current: "
             "{averageValue: 20Mi}}}]}\n");
    hpa_targets_text(o, b, sizeof b);
    assert_string_equal(b, "cpu: 7%/50%, memory: 20Mi/100Mi + 1 more...");
    json_object_put(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_columns), cmocka_unit_test(test_human_duration),
        cmocka_unit_test(test_node_and_job), cmocka_unit_test(test_hpa_targets)};
    return cmocka_run_group_tests_name("printers", tests, NULL, NULL);
}
