/* test_controllers.c - the controllers' pure parts: the node CIDR set
 * (nodeipam), the keyed work queue every controller uses, and the
 * manager's start-up order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "controllers/cidrset.h"
#include "controllers/manager.h"
#include "store/client.h"
#include "controllers/workqueue.h"
#include "store/util.h"

static char *alloc(cidrset *s)
{
    char *c = NULL;
    mk_err err = {0};
    assert_int_equal(cidrset_allocate(s, &c, &err), 0);
    return c;
}

static void test_cidrset_distinct(void **state)
{
    cidrset *s;
    mk_err err = {0};
    assert_int_equal(cidrset_new("10.244.0.0/16", 24, &s, &err), 0);
    assert_int_equal(cidrset_size(s), 256);
    /* existing nodes' ranges are taken first (a restart) */
    assert_int_equal(cidrset_occupy(s, "10.244.1.0/24", &err), 0);
    assert_int_equal(cidrset_occupy(s, "10.244.1.0/24", &err), -EEXIST);
    char *a = alloc(s), *b = alloc(s), *c = alloc(s);
    assert_string_equal(a, "10.244.0.0/24");
    assert_string_equal(b, "10.244.2.0/24"); /* 1 was taken */
    assert_string_equal(c, "10.244.3.0/24");
    assert_int_equal(cidrset_used(s), 4);
    /* a released range is reused last, not next */
    cidrset_release(s, a);
    char *d = alloc(s);
    assert_string_equal(d, "10.244.4.0/24");
    free(a);
    free(b);
    free(c);
    free(d);
    cidrset_free(s);
}

static void test_cidrset_full_and_bad(void **state)
{
    cidrset *s;
    mk_err err = {0};
    assert_int_equal(cidrset_new("10.250.1.0/23", 24, &s, &err), 0); /* host bits dropped */
    char *a = alloc(s), *b = alloc(s), *c = NULL;
    assert_string_equal(a, "10.250.0.0/24");
    assert_string_equal(b, "10.250.1.0/24");
    assert_int_equal(cidrset_allocate(s, &c, &err), -ENOSPC);
    assert_non_null(strstr(err.msg, "no free /24"));
    cidrset_release(s, b);
    c = alloc(s);
    assert_string_equal(c, "10.250.1.0/24");
    assert_int_equal(cidrset_occupy(s, "10.251.0.0/24", &err), -EINVAL); /* outside */
    assert_int_equal(cidrset_occupy(s, "10.250.0.0/25", &err), -EINVAL); /* wrong size */
    assert_int_equal(cidrset_occupy(s, "10.250.0.1/24", &err), -EINVAL); /* host bits */
    assert_int_equal(cidrset_occupy(s, "banana", &err), -EINVAL);
    cidrset_release(s, "banana"); /* ignored */
    assert_int_equal(cidrset_used(s), 2);
    free(a);
    free(b);
    free(c);
    cidrset_free(s);
    assert_int_equal(cidrset_new("10.244.0.0", 24, &s, &err), -EINVAL);
    assert_int_equal(cidrset_new("10.244.0.0/16", 8, &s, &err), -EINVAL);
    assert_int_equal(cidrset_new("10.0.0.0/8", 30, &s, &err), -EINVAL); /* 4M subnets */
    assert_int_equal(cidrset_new("10.0.0.0/8", 24, &s, &err), 0);
    assert_int_equal(cidrset_size(s), 65536);
    cidrset_free(s);
}

static void test_workqueue_dedup(void **state)
{
    workqueue *q = workqueue_new();
    workqueue_add(q, "a");
    workqueue_add(q, "b");
    workqueue_add(q, "a");
    assert_int_equal(workqueue_len(q), 2);
    char *k;
    assert_true(workqueue_get(q, &k));
    assert_string_equal(k, "a");
    /* added while a worker has it: not handed out twice at once... */
    workqueue_add(q, "a");
    assert_int_equal(workqueue_len(q), 1);
    char *k2;
    assert_true(workqueue_get(q, &k2));
    assert_string_equal(k2, "b");
    workqueue_done(q, k2);
    free(k2);
    assert_int_equal(workqueue_len(q), 0);
    /* ...but comes back once the worker is done */
    workqueue_done(q, k);
    free(k);
    assert_int_equal(workqueue_len(q), 1);
    assert_true(workqueue_get(q, &k));
    assert_string_equal(k, "a");
    workqueue_done(q, k);
    free(k);
    workqueue_shutdown(q);
    assert_false(workqueue_get(q, &k));
    workqueue_free(q);
}

static void test_workqueue_delay(void **state)
{
    workqueue *q = workqueue_new();
    int64_t t0 = mk_now_ns();
    workqueue_add_after(q, "later", 150);
    workqueue_add(q, "now");
    char *k;
    assert_true(workqueue_get(q, &k));
    assert_string_equal(k, "now");
    workqueue_done(q, k);
    free(k);
    assert_true(workqueue_get(q, &k));
    assert_string_equal(k, "later");
    assert_true(mk_now_ns() - t0 >= 150 * 1000000LL);
    workqueue_done(q, k);
    free(k);
    /* a plain add overtakes a pending delay */
    workqueue_add_after(q, "x", 60000);
    workqueue_add(q, "x");
    assert_true(workqueue_get(q, &k));
    assert_string_equal(k, "x");
    workqueue_done(q, k);
    free(k);
    assert_int_equal(workqueue_len(q), 0);
    workqueue_shutdown(q);
    workqueue_free(q);
}

typedef struct waiter {
    manager *m;
    atomic_bool done, synced;
} waiter;

static void *wait_synced(void *arg)
{
    waiter *w = arg;
    atomic_store(&w->synced, manager_wait_synced(w->m));
    atomic_store(&w->done, true);
    return NULL;
}

typedef struct runner {
    manager *m;
    volatile bool stop;
    int rc;
} runner;

static void *run(void *arg)
{
    runner *r = arg;
    mk_err err = {0};
    r->rc = manager_run(r->m, &r->stop, &err);
    return NULL;
}

/* Workers wait in manager_wait_synced from their controller's start, while
 * later controllers still register informers: it must not answer before
 * manager_run has every informer registered and started. */
static void test_manager_wait_synced_waits_for_run(void **state)
{
    mk_client *c = NULL;
    mk_client_opts co = {.server = "http://127.0.0.1:1"};
    mk_err err = {0};
    assert_int_equal(client_new(&co, &c, &err), 0);
    manager_config cfg = {0};
    manager *m = manager_new(c, &cfg);
    assert_int_equal(manager_enable(m, "", &err), 0); /* no controller */
    waiter w = {.m = m};
    pthread_t wt, rt;
    assert_int_equal(pthread_create(&wt, NULL, wait_synced, &w), 0);
    usleep(200 * 1000);
    assert_false(atomic_load(&w.done));
    runner r = {.m = m};
    assert_int_equal(pthread_create(&rt, NULL, run, &r), 0);
    for (int i = 0; i < 200 && !atomic_load(&w.done); i++)
        usleep(10 * 1000);
    assert_true(atomic_load(&w.done));
    assert_true(atomic_load(&w.synced));
    r.stop = true;
    pthread_join(rt, NULL);
    pthread_join(wt, NULL);
    assert_int_equal(r.rc, 0);
    manager_free(m);
    client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cidrset_distinct),
        cmocka_unit_test(test_cidrset_full_and_bad),
        cmocka_unit_test(test_workqueue_dedup),
        cmocka_unit_test(test_workqueue_delay),
        cmocka_unit_test(test_manager_wait_synced_waits_for_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
