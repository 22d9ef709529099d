/* The StatefulSet controller's decisions (controllers/statefulset.h):
 * ordinals from names, which pod is made or removed next, the roll's order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "controllers/statefulset.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ordinal),         cmocka_unit_test(test_ordered_create),
        cmocka_unit_test(test_parallel_create), cmocka_unit_test(test_scale_down),
        cmocka_unit_test(test_rolling_update),  cmocka_unit_test(test_partition_and_on_delete),
    };
    return cmocka_run_group_tests_name("statefulset", tests, NULL, NULL);
}
