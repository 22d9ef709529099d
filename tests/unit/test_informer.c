/* test_informer.c - the informer's cache (diffs, order, revisions) and the
 * informer itself against a real mk-apiserver that is killed and restarted
 * under it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "fixture_apiserver.h"
#include "store/client.h"
#include "store/codec.h"
#include "store/informer.h"
#include "store/kinds.h"
#include "store/objcache.h"
#include "store/util.h"

static const mk_kind *POD;

/* A pod-shaped object with a name, namespace and revision. */
static json_object *obj_at(const char *ns, const char *name, int64_t rev)
{
    json_object *o = json_object_new_object();
    json_object *meta = json_object_new_object();
    json_object_object_add(meta, "name", json_object_new_string(name));
    if (ns)
        json_object_object_add(meta, "namespace", json_object_new_string(ns));
    char rv[32];
    snprintf(rv, sizeof rv, "%lld", (long long)rev);
    json_object_object_add(meta, "resourceVersion", json_object_new_string(rv));
    json_object_object_add(o, "metadata", meta);
    return o;
}

static json_object *list_of(int n, const char *const *names, const int64_t *revs)
{
    json_object *a = json_object_new_array();
    for (int i = 0; i < n; i++)
        json_object_array_add(a, obj_at("default", names[i], revs[i]));
    return a;
}

/* "ADD a 1", "UPDATE b 2->5", "DELETE c 3" */
static void assert_change(const objcache_change *c, objcache_op op, const char *name,
                          int64_t old_rev, int64_t new_rev)
{
    assert_int_equal(c->op, op);
    json_object *named = c->obj ? c->obj : c->old;
    assert_string_equal(mk_json_str(named, "metadata.name"), name);
    if (old_rev)
        assert_int_equal(objcache_obj_rev(c->old), old_rev);
    else
        assert_null(c->old);
    assert_int_equal(objcache_obj_rev(c->obj), new_rev);
}

static void test_objcache_relist_diff(void **state)
{
    mk_objcache *oc = objcache_new(true);
    objcache_changes ch = {0};
    static const char *n1[] = {"a", "b", "c"};
    json_object *l1 = list_of(3, n1, (int64_t[]){1, 2, 3});
    objcache_replace(oc, l1, 3, &ch);
    assert_int_equal(ch.n, 3);
    for (size_t i = 0; i < 3; i++)
        assert_change(&ch.v[i], OBJCACHE_ADD, n1[i], 0, (int64_t)i + 1);
    objcache_changes_free(&ch);
    assert_int_equal(objcache_count(oc), 3);
    assert_int_equal(objcache_rev(oc), 3);
    uint64_t gen = objcache_generation(oc);
    assert_true(gen > 0);

    /* Missed while disconnected: b changed, c went, d came; a is as it was. */
    static const char *n2[] = {"a", "b", "d"};
    json_object *l2 = list_of(3, n2, (int64_t[]){1, 5, 6});
    objcache_replace(oc, l2, 7, &ch);
    assert_int_equal(ch.n, 3);
    assert_change(&ch.v[0], OBJCACHE_UPDATE, "b", 2, 5);
    assert_change(&ch.v[1], OBJCACHE_ADD, "d", 0, 6);
    assert_int_equal(ch.v[2].op, OBJCACHE_DELETE);
    assert_string_equal(mk_json_str(ch.v[2].old, "metadata.name"), "c");
    assert_ptr_equal(ch.v[2].old, ch.v[2].obj);
    objcache_changes_free(&ch);
    assert_true(objcache_generation(oc) > gen);
    assert_int_equal(objcache_rev(oc), 7);

    /* The same list again changes nothing. */
    gen = objcache_generation(oc);
    objcache_replace(oc, l2, 7, &ch);
    assert_int_equal(ch.n, 0);
    assert_int_equal(objcache_generation(oc), gen);

    /* Handlers get the list's objects, the cache keeps its own copies. */
    json_object *b = objcache_get(oc, "default", "b");
    assert_non_null(b);
    assert_ptr_not_equal(b, json_object_array_get_idx(l2, 1));
    mk_json_set_str(b, "metadata.name", "changed");
    json_object_put(b);
    b = objcache_get(oc, "default", "b");
    assert_string_equal(mk_json_str(b, "metadata.name"), "b");
    json_object_put(b);
    assert_null(objcache_get(oc, "other", "b"));
    assert_null(objcache_get(oc, "default", "c"));

    json_object_put(l1);
    json_object_put(l2);
    objcache_free(oc);
}

static void test_objcache_events(void **state)
{
    mk_objcache *oc = objcache_new(true);
    objcache_changes ch = {0};
    json_object *e7 = obj_at("ns1", "e", 7), *e8 = obj_at("ns1", "e", 8);
    json_object *f9 = obj_at("ns1", "f", 9), *e10 = obj_at("ns1", "e", 10);
    json_object *g = obj_at("ns1", "g", 11), *other = obj_at("ns2", "e", 12);

    objcache_apply(oc, "ADDED", e7, &ch);
    assert_int_equal(ch.n, 1);
    assert_change(&ch.v[0], OBJCACHE_ADD, "e", 0, 7);
    objcache_changes_free(&ch);
    uint64_t gen = objcache_generation(oc);

    objcache_apply(oc, "MODIFIED", e7, &ch); /* a replay: nothing */
    assert_int_equal(ch.n, 0);
    assert_int_equal(objcache_generation(oc), gen);

    objcache_apply(oc, "MODIFIED", e8, &ch);
    objcache_apply(oc, "MODIFIED", f9, &ch); /* unknown so far: an add */
    objcache_apply(oc, "ADDED", other, &ch); /* same name, other namespace */
    assert_int_equal(ch.n, 3);
    assert_change(&ch.v[0], OBJCACHE_UPDATE, "e", 7, 8);
    assert_change(&ch.v[1], OBJCACHE_ADD, "f", 0, 9);
    assert_change(&ch.v[2], OBJCACHE_ADD, "e", 0, 12);
    objcache_changes_free(&ch);
    assert_int_equal(objcache_count(oc), 3);
    assert_int_equal(objcache_rev(oc), 12);

    objcache_apply(oc, "DELETED", e10, &ch);
    objcache_apply(oc, "DELETED", g, &ch); /* never seen: the handler still hears */
    assert_int_equal(ch.n, 2);
    assert_change(&ch.v[0], OBJCACHE_DELETE, "e", 8, 10);
    assert_change(&ch.v[1], OBJCACHE_DELETE, "g", 0, 11);
    objcache_changes_free(&ch);
    assert_int_equal(objcache_count(oc), 2);
    json_object *left = objcache_get(oc, "ns2", "e");
    assert_non_null(left);
    json_object_put(left);

    /* Bookmarks move the revision only forward, and change nothing else. */
    gen = objcache_generation(oc);
    json_object *bm = obj_at(NULL, "", 40);
    objcache_apply(oc, "BOOKMARK", bm, &ch);
    assert_int_equal(ch.n, 0);
    assert_int_equal(objcache_rev(oc), 40);
    objcache_set_rev(oc, 20);
    assert_int_equal(objcache_rev(oc), 40);
    assert_int_equal(objcache_generation(oc), gen);

    json_object *objs[] = {e7, e8, f9, e10, g, other, bm};
    for (size_t i = 0; i < ARRAY_SIZE(objs); i++)
        json_object_put(objs[i]);
    objcache_free(oc);
}

typedef struct walk {
    char last[128];
    int n, stop_at;
    bool ordered;
} walk;

static int walk_fn(void *ctx, json_object *obj)
{
    walk *w = ctx;
    char key[128];
    snprintf(key, sizeof key, "%s/%s", mk_json_str(obj, "metadata.namespace"),
             mk_json_str(obj, "metadata.name"));
    if (w->n && strcmp(w->last, key) >= 0)
        w->ordered = false;
    snprintf(w->last, sizeof w->last, "%s", key);
    w->n++;
    return w->stop_at && w->n >= w->stop_at ? 7 : 0;
}

static void test_objcache_order(void **state)
{
    enum { N = 10000 };
    mk_objcache *oc = objcache_new(true);
    json_object *items = json_object_new_array();
    unsigned seed = 42;
    for (int i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof name, "p-%u-%d", rand_r(&seed) % 100000, i);
        json_object_array_add(items, obj_at(i % 3 ? "default" : "kube-system", name, i + 1));
    }
    objcache_changes ch = {0};
    objcache_replace(oc, items, N, &ch);
    objcache_changes_free(&ch);
    json_object_put(items);
    for (int round = 0; round < 3; round++) {
        walk w = {.ordered = true};
        assert_int_equal(objcache_foreach(oc, walk_fn, &w), 0);
        assert_int_equal(w.n, N + round);
        assert_true(w.ordered);
        /* A change in between: the order is rebuilt. */
        char name[32];
        snprintf(name, sizeof name, "a-%d", round);
        json_object *o = obj_at("default", name, N + round + 1);
        objcache_apply(oc, "ADDED", o, &ch);
        objcache_changes_free(&ch);
        json_object_put(o);
    }
    walk w = {.stop_at = 3, .ordered = true};
    assert_int_equal(objcache_foreach(oc, walk_fn, &w), 7);
    assert_int_equal(w.n, 3);
    assert_string_equal(w.last, "default/a-2"); /* "a-0" < "a-1" < "a-2" < "p-..." */
    objcache_free(oc);

    /* Cluster-scoped kinds key by name alone. */
    oc = objcache_new(false);
    json_object *n = obj_at(NULL, "node-1", 3);
    objcache_apply(oc, "ADDED", n, &ch);
    objcache_changes_free(&ch);
    json_object *got = objcache_get(oc, "ignored", "node-1");
    assert_non_null(got);
    json_object_put(got);
    json_object_put(n);
    objcache_free(oc);
}

/* ---- against a real server ---- */

/* What the handlers saw: "ns/name" -> the last resourceVersion. */
typedef struct recorder {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    json_object *seen;
    int adds, updates, deletes, synced, disconnects, regressions;
    char first_regression[400];
    /* on_add of this name blocks until release is set */
    const char *block_name;
    bool blocked, release;
} recorder;

static void rec_init(recorder *r)
{
    *r = (recorder){.seen = json_object_new_object()};
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cond, NULL);
}

static void rec_free(recorder *r)
{
    json_object_put(r->seen);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cond);
}

static void rec_key(json_object *obj, char *key, size_t n)
{
    snprintf(key, n, "%s/%s", mk_json_str(obj, "metadata.namespace"),
             mk_json_str(obj, "metadata.name"));
}

static void rec_regression(recorder *r, const char *what, const char *key, int64_t a, int64_t b)
{
    if (!r->regressions++)
        snprintf(r->first_regression, sizeof r->first_regression, "%s %s: %lld then %lld", what,
                 key, (long long)a, (long long)b);
}

static void on_add(void *ctx, json_object *obj)
{
    recorder *r = ctx;
    char key[256];
    rec_key(obj, key, sizeof key);
    pthread_mutex_lock(&r->mu);
    json_object *prev;
    if (json_object_object_get_ex(r->seen, key, &prev))
        rec_regression(r, "add of a known object", key, json_object_get_int64(prev),
                       objcache_obj_rev(obj));
    json_object_object_add(r->seen, key, json_object_new_int64(objcache_obj_rev(obj)));
    r->adds++;
    if (r->block_name && strcmp(mk_json_str(obj, "metadata.name"), r->block_name) == 0) {
        r->blocked = true;
        pthread_cond_broadcast(&r->cond);
        while (!r->release)
            pthread_cond_wait(&r->cond, &r->mu);
    }
    pthread_mutex_unlock(&r->mu);
}

static void on_update(void *ctx, json_object *old, json_object *obj)
{
    recorder *r = ctx;
    char key[256];
    rec_key(obj, key, sizeof key);
    pthread_mutex_lock(&r->mu);
    json_object *prev;
    int64_t rev = objcache_obj_rev(obj);
    if (!json_object_object_get_ex(r->seen, key, &prev))
        rec_regression(r, "update of an unknown object", key, 0, rev);
    else if (json_object_get_int64(prev) >= rev ||
             objcache_obj_rev(old) != json_object_get_int64(prev))
        rec_regression(r, "update out of order", key, json_object_get_int64(prev), rev);
    json_object_object_add(r->seen, key, json_object_new_int64(rev));
    r->updates++;
    pthread_mutex_unlock(&r->mu);
}

static void on_delete(void *ctx, json_object *obj)
{
    recorder *r = ctx;
    char key[256];
    rec_key(obj, key, sizeof key);
    pthread_mutex_lock(&r->mu);
    if (!json_object_object_get_ex(r->seen, key, NULL))
        rec_regression(r, "delete of an unknown object", key, 0, objcache_obj_rev(obj));
    json_object_object_del(r->seen, key);
    r->deletes++;
    pthread_mutex_unlock(&r->mu);
}

static void on_synced(void *ctx)
{
    recorder *r = ctx;
    pthread_mutex_lock(&r->mu);
    r->synced++;
    pthread_mutex_unlock(&r->mu);
}

static void on_connection(void *ctx, bool connected, const char *why)
{
    recorder *r = ctx;
    pthread_mutex_lock(&r->mu);
    if (!connected)
        r->disconnects++;
    pthread_mutex_unlock(&r->mu);
}

static const mk_informer_handlers rec_handlers = {
    .on_add = on_add,
    .on_update = on_update,
    .on_delete = on_delete,
    .on_synced = on_synced,
    .on_connection = on_connection,
};

static int cache_to_map(void *ctx, json_object *obj)
{
    char key[256];
    rec_key(obj, key, sizeof key);
    json_object_object_add(ctx, key, json_object_new_int64(objcache_obj_rev(obj)));
    return 0;
}

/* Describe how two "key -> rev" maps differ; NULL if they are equal. */
static char *map_diff(json_object *want, json_object *got)
{
    mk_buf b = {0};
    json_object_object_foreach(want, k, v)
    {
        json_object *g;
        if (!json_object_object_get_ex(got, k, &g))
            mk_buf_printf(&b, " missing %s@%lld;", k, (long long)json_object_get_int64(v));
        else if (json_object_get_int64(g) != json_object_get_int64(v))
            mk_buf_printf(&b, " %s at %lld, server %lld;", k,
                          (long long)json_object_get_int64(g),
                          (long long)json_object_get_int64(v));
    }
    json_object_object_foreach(got, k2, v2)
    {
        if (!json_object_object_get_ex(want, k2, NULL))
            mk_buf_printf(&b, " extra %s@%lld;", k2, (long long)json_object_get_int64(v2));
    }
    return b.len ? mk_buf_steal(&b) : NULL;
}

/* Wait until the informer has caught up with the server's list, then the
 * cache and what the handlers saw must both equal the server's state. */
static void assert_converged(mk_informer *inf, recorder *rec, mk_client *c, const char *ns,
                             const char *label_sel)
{
    char *cache_diff = NULL, *seen_diff = NULL;
    for (int i = 0; i < 300; i++) {
        free(cache_diff);
        free(seen_diff);
        cache_diff = seen_diff = NULL;
        json_object *items = NULL, *want = json_object_new_object(),
                    *got = json_object_new_object();
        int64_t rev = 0;
        mk_err err = {0};
        if (client_list(c, POD, ns, label_sel, NULL, &items, &rev, &err) < 0)
            fail_msg("list: %s", err.msg);
        for (size_t j = 0; j < json_object_array_length(items); j++)
            cache_to_map(want, json_object_array_get_idx(items, j));
        bool caught_up = informer_rev(inf) >= rev;
        informer_foreach(inf, cache_to_map, got);
        cache_diff = map_diff(want, got);
        pthread_mutex_lock(&rec->mu);
        seen_diff = map_diff(want, rec->seen);
        pthread_mutex_unlock(&rec->mu);
        json_object_put(items);
        json_object_put(want);
        json_object_put(got);
        if (caught_up && !cache_diff && !seen_diff)
            break;
        test_sleep_ms(100);
    }
    if (cache_diff || seen_diff)
        fail_msg("informer never converged: cache:%s handlers:%s",
                 cache_diff ? cache_diff : " equal", seen_diff ? seen_diff : " equal");
    assert_int_equal(rec->regressions, 0);
}

static json_object *pod(const char *name, const char *label)
{
    json_object *p = json_tokener_parse(
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"namespace\":\"default\","
        "\"labels\":{}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
    mk_json_set_str(p, "metadata.name", name);
    mk_json_set_str(p, "metadata.labels.app", label);
    return p;
}

static test_apiserver srv;

static int server_setup(void **state)
{
    if (test_apiserver_start(&srv) < 0) {
        fprintf(stderr, "# could not start %s\n", test_apiserver_bin());
        test_apiserver_stop(&srv);
        return -1;
    }
    return 0;
}

static int server_teardown(void **state)
{
    test_apiserver_stop(&srv);
    return 0;
}

static void test_informer_basics(void **state)
{
    mk_client *c = test_client(&srv, NULL);
    mk_err err = {0};
    json_object *p1 = pod("basic-1", "basic"), *p2 = pod("basic-2", "basic");
    assert_int_equal(client_create(c, POD, NULL, p1, NULL, &err), 0);
    recorder rec;
    rec_init(&rec);
    mk_informer *inf = informer_new(c, POD, "default", "app=basic", NULL, &rec_handlers, &rec);
    assert_false(informer_synced(inf));
    assert_int_equal(informer_start(inf, &err), 0);
    assert_true(informer_wait_synced(inf, 10000));
    assert_true(informer_connected(inf));
    assert_int_equal(informer_count(inf), 1);
    assert_int_equal(rec.adds, 1);
    assert_int_equal(rec.synced, 1);

    uint64_t gen = informer_generation(inf);
    assert_int_equal(client_create(c, POD, NULL, p2, NULL, &err), 0);
    assert_int_equal(client_patch(c, POD, NULL, "basic-1", NULL,
                                  "{\"metadata\":{\"annotations\":{\"x\":\"y\"}}}", NULL, &err),
                     0);
    assert_int_equal(client_delete(c, POD, NULL, "basic-2", NULL, &err), 0);
    assert_converged(inf, &rec, c, "default", "app=basic");
    assert_true(informer_generation(inf) > gen);
    assert_int_equal(informer_count(inf), 1);
    json_object *got = informer_get(inf, "default", "basic-1");
    assert_non_null(got);
    assert_string_equal(mk_json_str(got, "metadata.annotations.x"), "y");
    assert_string_equal(mk_json_str(got, "kind"), "Pod");
    json_object_put(got);
    assert_null(informer_get(inf, "default", "basic-2"));
    pthread_mutex_lock(&rec.mu);
    int adds = rec.adds, updates = rec.updates, deletes = rec.deletes;
    pthread_mutex_unlock(&rec.mu);
    assert_int_equal(adds, 2);
    assert_int_equal(updates, 1);
    assert_int_equal(deletes, 1);

    informer_free(inf);
    assert_int_equal(client_delete(c, POD, NULL, "basic-1", NULL, &err), 0);
    rec_free(&rec);
    json_object_put(p1);
    json_object_put(p2);
    client_free(c);
}

/* A writer that keeps creating, changing and deleting pods. */
typedef struct writer {
    mk_client *c;
    volatile bool stop;
    int ops, errors;
    unsigned seed;
} writer;

static void *writer_main(void *p)
{
    writer *w = p;
    while (!__atomic_load_n(&w->stop, __ATOMIC_RELAXED)) {
        char name[32], patch[96];
        snprintf(name, sizeof name, "churn-%u", rand_r(&w->seed) % 40);
        mk_err err = {0};
        int r = 0;
        switch (rand_r(&w->seed) % 4) {
        case 0:
        case 1: {
            json_object *o = pod(name, "churn");
            r = client_create(w->c, POD, NULL, o, NULL, &err);
            json_object_put(o);
            if (r == -EEXIST) {
                snprintf(patch, sizeof patch, "{\"metadata\":{\"annotations\":{\"n\":\"%d\"}}}",
                         w->ops);
                r = client_patch(w->c, POD, NULL, name, NULL, patch, NULL, &err);
            }
            break;
        }
        case 2:
            snprintf(patch, sizeof patch, "{\"metadata\":{\"labels\":{\"n\":\"%d\"}}}", w->ops);
            r = client_patch(w->c, POD, NULL, name, NULL, patch, NULL, &err);
            break;
        default:
            r = client_delete(w->c, POD, NULL, name, NULL, &err);
        }
        if (r < 0 && r != -ENOENT && r != -EEXIST) {
            __atomic_add_fetch(&w->errors, 1, __ATOMIC_RELAXED);
            test_sleep_ms(10); /* the server is down: don't spin */
        }
        __atomic_add_fetch(&w->ops, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

static void wait_ops(writer *w, int n)
{
    for (int i = 0; i < 6000 && __atomic_load_n(&w->ops, __ATOMIC_RELAXED) < n; i++)
        test_sleep_ms(5);
}

/* Issue 2: the API server dies mid-stream and comes back; the informer's
 * cache ends equal to the server's state and no change was missed. */
static void test_informer_survives_restart(void **state)
{
    mk_client *c = test_client(&srv, NULL), *wc = test_client(&srv, NULL);
    mk_err err = {0};
    recorder rec;
    rec_init(&rec);
    mk_informer *inf = informer_new(c, POD, NULL, "app=churn", NULL, &rec_handlers, &rec);
    assert_int_equal(informer_start(inf, &err), 0);
    assert_true(informer_wait_synced(inf, 10000));

    writer w = {.c = wc, .seed = 7};
    pthread_t t;
    pthread_create(&t, NULL, writer_main, &w);
    wait_ops(&w, 400);
    test_apiserver_kill(&srv, SIGKILL);
    int at_kill = __atomic_load_n(&w.ops, __ATOMIC_RELAXED);
    wait_ops(&w, at_kill + 20); /* writes fail while it is down */
    test_sleep_ms(300);
    assert_int_equal(test_apiserver_restart(&srv), 0);
    int at_restart = __atomic_load_n(&w.ops, __ATOMIC_RELAXED);
    wait_ops(&w, at_restart + 400);
    __atomic_store_n(&w.stop, true, __ATOMIC_RELAXED);
    pthread_join(t, NULL);

    assert_converged(inf, &rec, c, NULL, "app=churn");
    assert_true(informer_connected(inf));
    pthread_mutex_lock(&rec.mu);
    recorder seen = rec;
    pthread_mutex_unlock(&rec.mu);
    assert_true(seen.disconnects >= 1);
    assert_true(seen.adds > 0 && seen.updates > 0 && seen.deletes > 0);
    informer_free(inf);
    rec_free(&rec);
    client_free(c);
    client_free(wc);
}

static int first_event_stops(void *ctx, const char *type, json_object *obj)
{
    return 1;
}

/* Issue 2: a watch that resumes from a compacted revision gets 410 Gone and
 * the informer lists again; the diff tells the handlers what they missed.
 * The informer is held inside a handler while the server restarts and
 * history moves past its revision, so the 410 comes for sure. */
static test_apiserver s2;
static recorder rec410;
static mk_informer *inf410;
static mk_client *c410;

static void test_informer_relists_on_410(void **state)
{
    rec_init(&rec410);
    recorder *rec = &rec410;
    /* No bookmark may tell the held informer a newer revision. */
    const char *flags[] = {
        "--compact-keep", "5", "--compact-age", "0", "--bookmark-interval", "600", NULL};
    if (test_apiserver_start_with(&s2, false, flags) < 0)
        fail_msg("could not start %s with %s", test_apiserver_bin(), flags[0]);
    mk_client *c = c410 = test_client(&s2, NULL);
    mk_err err = {0};
    rec->block_name = "blocker";
    for (int i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof name, "before-%d", i);
        json_object *o = pod(name, "gone");
        assert_int_equal(client_create(c, POD, NULL, o, NULL, &err), 0);
        json_object_put(o);
    }
    mk_informer *inf = inf410 = informer_new(c, POD, NULL, NULL, NULL, &rec_handlers, rec);
    assert_int_equal(informer_start(inf, &err), 0);
    assert_true(informer_wait_synced(inf, 10000));

    json_object *b = pod("blocker", "gone");
    assert_int_equal(client_create(c, POD, NULL, b, NULL, &err), 0);
    json_object_put(b);
    pthread_mutex_lock(&rec->mu);
    for (int i = 0; i < 100 && !rec->blocked; i++) {
        pthread_mutex_unlock(&rec->mu);
        test_sleep_ms(100);
        pthread_mutex_lock(&rec->mu);
    }
    bool blocked = rec->blocked;
    pthread_mutex_unlock(&rec->mu);
    assert_true(blocked);

    /* While the informer is held: a change of another kind, which its
     * watch never carries (so the restarted server's in-memory window
     * starts after the informer's revision: resuming must read the
     * compacted history), a restart, and churn until history is compacted
     * past the informer. */
    json_object *cm = json_tokener_parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
                                         "\"metadata\":{\"name\":\"unseen\"},"
                                         "\"data\":{\"a\":\"b\"}}");
    if (client_create(c, kind_by_kind("ConfigMap"), "default", cm, NULL, &err) < 0)
        fail_msg("create configmap: %s", err.msg);
    json_object_put(cm);
    test_apiserver_kill(&s2, SIGKILL);
    assert_int_equal(test_apiserver_restart(&s2), 0);
    for (int i = 0; i < 20; i++) {
        char name[32];
        snprintf(name, sizeof name, "during-%d", i);
        json_object *o = pod(name, "gone");
        assert_int_equal(client_create(c, POD, NULL, o, NULL, &err), 0);
        json_object_put(o);
    }
    assert_int_equal(client_delete(c, POD, NULL, "before-1", NULL, &err), 0);
    assert_int_equal(client_delete(c, POD, NULL, "during-3", NULL, &err), 0);
    assert_int_equal(client_patch(c, POD, NULL, "before-2", NULL,
                                  "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}", NULL, &err),
                     0);
    int64_t held_rev = informer_rev(inf);
    int r = 0;
    for (int i = 0; i < 100; i++) { /* compaction runs when the store is idle */
        r = client_watch(c, POD, NULL, NULL, NULL, held_rev, first_event_stops, NULL, NULL,
                         &err);
        if (r == -MK_EGONE)
            break;
        test_sleep_ms(100);
    }
    assert_int_equal(r, -MK_EGONE);

    pthread_mutex_lock(&rec->mu);
    rec->release = true;
    pthread_cond_broadcast(&rec->cond);
    pthread_mutex_unlock(&rec->mu);
    assert_converged(inf, rec, c, NULL, NULL);
    pthread_mutex_lock(&rec->mu);
    int synced = rec->synced;
    pthread_mutex_unlock(&rec->mu);
    assert_true(synced >= 2); /* it listed again */
    assert_null(informer_get(inf, "default", "before-1"));
    json_object *got = informer_get(inf, "default", "before-2");
    assert_string_equal(mk_json_str(got, "metadata.labels.x"), "y");
    json_object_put(got);
}

/* Also after a failure: let the held informer go, then free it all. */
static int teardown_410(void **state)
{
    pthread_mutex_lock(&rec410.mu);
    rec410.release = true;
    pthread_cond_broadcast(&rec410.cond);
    pthread_mutex_unlock(&rec410.mu);
    informer_free(inf410);
    rec_free(&rec410);
    client_free(c410);
    test_apiserver_stop(&s2);
    inf410 = NULL;
    c410 = NULL;
    return 0;
}

/* Stopping never waits for a server that is gone. */
static void test_informer_free_while_disconnected(void **state)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", test_free_port());
    mk_client_opts o = {.server = url};
    mk_client *c = NULL;
    mk_err err = {0};
    assert_int_equal(client_new(&o, &c, &err), 0);
    recorder rec;
    rec_init(&rec);
    mk_informer *inf = informer_new(c, POD, NULL, NULL, NULL, &rec_handlers, &rec);
    assert_int_equal(informer_start(inf, &err), 0);
    assert_false(informer_wait_synced(inf, 300));
    assert_false(informer_connected(inf));
    informer_free(inf);
    rec_free(&rec);
    client_free(c);
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_objcache_relist_diff),
        cmocka_unit_test(test_objcache_events),
        cmocka_unit_test(test_objcache_order),
        cmocka_unit_test(test_informer_free_while_disconnected),
    };
    const struct CMUnitTest live[] = {
        cmocka_unit_test(test_informer_basics),
        cmocka_unit_test(test_informer_survives_restart),
        cmocka_unit_test_teardown(test_informer_relists_on_410, teardown_410),
    };
    POD = kind_by_kind("Pod");
    int failed = cmocka_run_group_tests_name("informer cache", pure, NULL, NULL);
    failed += cmocka_run_group_tests_name("informer against mk-apiserver", live, server_setup,
                                          server_teardown);
    return failed ? 1 : 0;
}
