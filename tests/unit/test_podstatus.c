/* kubectl's pod columns (store/podstatus.h), case by case as kubectl's
 * printer has them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "store/codec.h"
#include "store/podstatus.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_columns)};
    return cmocka_run_group_tests_name("podstatus", tests, NULL, NULL);
}
