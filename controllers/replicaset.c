/* replicaset.c - the ReplicaSet controller (see replicaset.h). */
#include "controllers/replicaset.h"

#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <string.h>
#include <uthash.h>

#include "controllers/controllers.h"
#include "controllers/objkey.h"
#include "controllers/workqueue.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/selector.h"
#include "store/util.h"

#define RS_WORKERS        4
#define RS_RETRY_MS       1000
#define RS_BURST          500 /* creates or deletes per sync, as Kubernetes' burstReplicas */
#define RS_PARALLEL       64  /* requests in flight for one batch */
#define RS_EXPECT_TIMEOUT 300 /* seconds: expectations lapse, as Kubernetes' */
#define RS_MAX_BATCHES    16

/* ---- the pure part ---- */

bool replicaset_pod_ready(json_object *pod)
{
    return mk_condition_true(pod, "Ready");
}

static int64_t ready_since_ms(json_object *pod)
{
    const char *since = mk_json_str(mk_condition(pod, "Ready"), "lastTransitionTime");
    int64_t t = since ? mk_parse_rfc3339(since) : -1;
    return t < 0 ? 0 : t * 1000;
}

json_object *replicaset_controller_ref(json_object *obj)
{
    json_object *refs = mk_json_path(obj, "metadata.ownerReferences");
    for (size_t i = 0; refs && json_object_is_type(refs, json_type_array) &&
                       i < json_object_array_length(refs);
         i++) {
        json_object *r = json_object_array_get_idx(refs, i), *c;
        if (json_object_object_get_ex(r, "controller", &c) && json_object_get_boolean(c))
            return r;
    }
    return NULL;
}

void replicaset_pod_summary(json_object *pod, rs_pod *out)
{
    *out = (rs_pod){0};
    snprintf(out->name, sizeof out->name, "%s", mk_json_str(pod, "metadata.name") ?: "");
    snprintf(out->uid, sizeof out->uid, "%s", mk_json_str(pod, "metadata.uid") ?: "");
    const char *node = mk_json_str(pod, "spec.nodeName");
    out->assigned = node && *node;
    const char *phase = mk_json_str(pod, "status.phase") ?: "Pending";
    out->phase_rank = !strcmp(phase, "Running") ? 2 : !strcmp(phase, "Pending") ? 0 : 1;
    out->ready = replicaset_pod_ready(pod);
    out->ready_ms = out->ready ? ready_since_ms(pod) : 0;
    json_object *cs = mk_json_path(pod, "status.containerStatuses");
    for (size_t i = 0; cs && i < json_object_array_length(cs); i++) {
        int64_t r = mk_json_int(json_object_array_get_idx(cs, i), "restartCount", 0);
        if (r > out->restarts)
            out->restarts = r;
    }
    int64_t c = mk_parse_rfc3339(mk_json_str(pod, "metadata.creationTimestamp") ?: "");
    out->created_s = c < 0 ? 0 : c;
}

#define CMP(x, y) ((x) < (y) ? -1 : (x) > (y) ? 1 : 0)

int replicaset_pod_cmp(const rs_pod *a, const rs_pod *b)
{
    if (a->assigned != b->assigned)
        return a->assigned ? 1 : -1;
    if (a->phase_rank != b->phase_rank)
        return CMP(a->phase_rank, b->phase_rank);
    if (a->ready != b->ready)
        return a->ready ? 1 : -1;
    /* Ready for a shorter time goes first: the later ready_ms. */
    if (a->ready && a->ready_ms != b->ready_ms)
        return CMP(b->ready_ms, a->ready_ms);
    if (a->restarts != b->restarts)
        return CMP(b->restarts, a->restarts);
    if (a->created_s != b->created_s)
        return CMP(b->created_s, a->created_s);
    return strcmp(a->name, b->name);
}

json_object *replicaset_new_pod(json_object *rs)
{
    return replicaset_pod_from_template(rs, "apps/v1", "ReplicaSet");
}

json_object *replicaset_pod_from_template(json_object *rs, const char *api_version,
                                          const char *kind)
{
    json_object *pod = json_object_new_object();
    json_object_object_add(pod, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(pod, "kind", json_object_new_string("Pod"));
    json_object *md = json_object_new_object();
    json_object *tmd = mk_json_path(rs, "spec.template.metadata");
    static const char *const keep[] = {"labels", "annotations"};
    for (size_t i = 0; tmd && i < ARRAY_SIZE(keep); i++) {
        json_object *v;
        if (json_object_object_get_ex(tmd, keep[i], &v)) {
            json_object *copy = NULL;
            json_object_deep_copy(v, &copy, NULL);
            json_object_object_add(md, keep[i], copy);
        }
    }
    const char *name = mk_json_str(rs, "metadata.name") ?: "rs";
    _cleanup_free_ char *gen = xasprintf("%s-", name);
    json_object_object_add(md, "generateName", json_object_new_string(gen));
    json_object_object_add(pod, "metadata", md);
    mk_set_owner(pod, objkey_controller_ref(rs, api_version, kind));
    json_object *spec = NULL;
    json_object *tspec = mk_json_path(rs, "spec.template.spec");
    if (tspec)
        json_object_deep_copy(tspec, &spec, NULL);
    json_object_object_add(pod, "spec", spec ? spec : json_object_new_object());
    return pod;
}

int replicaset_batches(int n, int *out, int max)
{
    int count = 0, size = 1;
    while (n > 0 && count < max) {
        int b = size < n ? size : n;
        out[count++] = b;
        n -= b;
        size *= 2;
    }
    if (n > 0 && count > 0)
        out[count - 1] += n;
    return count;
}

/* ---- expectations ---- */

typedef struct pending_del {
    char uid[40];
    UT_hash_handle hh;
} pending_del;

typedef struct expectation {
    char *key; /* "ns/name" of the ReplicaSet */
    int64_t adds;
    pending_del *dels;
    int64_t set_s;
    UT_hash_handle hh;
} expectation;

typedef struct rsctl {
    manager *m;
    mk_informer *rss, *pods;
    workqueue *q;
    pthread_mutex_t lock; /* expectations */
    expectation *expect;
    pthread_t workers[RS_WORKERS];
    int nworkers;
} rsctl;

static void expect_free_one(expectation *e)
{
    pending_del *d, *tmp;
    HASH_ITER(hh, e->dels, d, tmp)
    {
        HASH_DEL(e->dels, d);
        free(d);
    }
    free(e->key);
    free(e);
}

static expectation *expect_get(rsctl *c, const char *key, bool create)
{
    expectation *e;
    HASH_FIND_STR(c->expect, key, e);
    if (!e && create) {
        e = xcalloc(1, sizeof(*e));
        e->key = xstrdup(key);
        HASH_ADD_KEYPTR(hh, c->expect, e->key, strlen(e->key), e);
    }
    return e;
}

/* Fulfilled (or never set, or lapsed): the cache can be trusted. */
static bool expect_satisfied(rsctl *c, const char *key)
{
    pthread_mutex_lock(&c->lock);
    expectation *e = expect_get(c, key, false);
    bool ok = !e || (e->adds <= 0 && HASH_COUNT(e->dels) == 0) ||
              mk_wall_ms() / 1000 - e->set_s > RS_EXPECT_TIMEOUT;
    pthread_mutex_unlock(&c->lock);
    return ok;
}

static void expect_forget(rsctl *c, const char *key)
{
    pthread_mutex_lock(&c->lock);
    expectation *e = expect_get(c, key, false);
    if (e) {
        HASH_DEL(c->expect, e);
        expect_free_one(e);
    }
    pthread_mutex_unlock(&c->lock);
}

static void expect_creates(rsctl *c, const char *key, int64_t n)
{
    pthread_mutex_lock(&c->lock);
    expectation *e = expect_get(c, key, true);
    e->adds = n;
    e->set_s = mk_wall_ms() / 1000;
    pthread_mutex_unlock(&c->lock);
}

static void expect_deletes(rsctl *c, const char *key, const rs_pod *pods, size_t n)
{
    pthread_mutex_lock(&c->lock);
    expectation *e = expect_get(c, key, true);
    for (size_t i = 0; i < n; i++) {
        pending_del *d;
        HASH_FIND_STR(e->dels, pods[i].uid, d);
        if (!d) {
            d = xcalloc(1, sizeof(*d));
            snprintf(d->uid, sizeof d->uid, "%s", pods[i].uid);
            HASH_ADD_STR(e->dels, uid, d);
        }
    }
    e->set_s = mk_wall_ms() / 1000;
    pthread_mutex_unlock(&c->lock);
}

static void observe_add(rsctl *c, const char *key)
{
    pthread_mutex_lock(&c->lock);
    expectation *e = expect_get(c, key, false);
    if (e && e->adds > 0)
        e->adds--;
    pthread_mutex_unlock(&c->lock);
}

static void observe_delete(rsctl *c, const char *key, const char *uid)
{
    pthread_mutex_lock(&c->lock);
    expectation *e = expect_get(c, key, false);
    pending_del *d = NULL;
    if (e)
        HASH_FIND_STR(e->dels, uid, d);
    if (d) {
        HASH_DEL(e->dels, d);
        free(d);
    }
    pthread_mutex_unlock(&c->lock);
}

/* ---- events ---- */

static void queue_key(rsctl *c, const char *ns, const char *name)
{
    _cleanup_free_ char *key = xasprintf("%s/%s", ns, name);
    workqueue_add(c->q, key);
}

static void queue_rs(rsctl *c, json_object *rs)
{
    queue_key(c, mk_json_str(rs, "metadata.namespace") ?: "default",
              mk_json_str(rs, "metadata.name") ?: "");
}

static void on_rs_add(void *ctx, json_object *rs)
{
    queue_rs(ctx, rs);
}
static void on_rs_update(void *ctx, json_object *old, json_object *rs)
{
    queue_rs(ctx, rs);
}
static void on_rs_delete(void *ctx, json_object *rs)
{
    queue_rs(ctx, rs);
}

/* The ReplicaSet key a pod's controller reference names, or NULL. */
static char *owner_key(json_object *pod)
{
    json_object *ref = replicaset_controller_ref(pod);
    if (!ref || strcmp(mk_json_str(ref, "kind") ?: "", "ReplicaSet") != 0)
        return NULL;
    return xasprintf("%s/%s", mk_json_str(pod, "metadata.namespace") ?: "default",
                     mk_json_str(ref, "name") ?: "");
}

typedef struct orphan_match {
    rsctl *c;
    const char *ns;
    json_object *labels;
} orphan_match;

static int queue_if_selects(void *ctx, json_object *rs)
{
    orphan_match *om = ctx;
    if (strcmp(mk_json_str(rs, "metadata.namespace") ?: "", om->ns) != 0)
        return 0;
    mk_selector *sel = NULL;
    json_object *s = mk_json_path(rs, "spec.selector");
    if (s && selector_from_object(s, &sel, NULL) == 0 && !selector_is_empty(sel) &&
        selector_match_labels(sel, om->labels))
        queue_rs(om->c, rs);
    selector_free(sel);
    return 0;
}

static void queue_selecting(rsctl *c, json_object *pod)
{
    orphan_match om = {c, mk_json_str(pod, "metadata.namespace") ?: "default",
                       mk_json_path(pod, "metadata.labels")};
    informer_foreach(c->rss, queue_if_selects, &om);
}

static void on_pod_add(void *ctx, json_object *pod)
{
    rsctl *c = ctx;
    _cleanup_free_ char *key = owner_key(pod);
    if (key) {
        if (mk_json_path(pod, "metadata.deletionTimestamp"))
            observe_delete(c, key, mk_json_str(pod, "metadata.uid") ?: "");
        else
            observe_add(c, key);
        workqueue_add(c->q, key);
    } else
        queue_selecting(c, pod);
}

static void on_pod_update(void *ctx, json_object *old, json_object *pod)
{
    rsctl *c = ctx;
    _cleanup_free_ char *key = owner_key(pod), *old_key = owner_key(old);
    if (key && mk_json_path(pod, "metadata.deletionTimestamp") &&
        !mk_json_path(old, "metadata.deletionTimestamp"))
        observe_delete(c, key, mk_json_str(pod, "metadata.uid") ?: "");
    if (key)
        workqueue_add(c->q, key);
    if (old_key && (!key || strcmp(old_key, key) != 0))
        workqueue_add(c->q, old_key);
    json_object *l1 = mk_json_path(old, "metadata.labels"),
                *l2 = mk_json_path(pod, "metadata.labels");
    bool relabeled = !(l1 == l2 || (l1 && l2 && json_object_equal(l1, l2)));
    if (!key && (relabeled || old_key))
        queue_selecting(c, pod);
}

static void on_pod_delete(void *ctx, json_object *pod)
{
    rsctl *c = ctx;
    _cleanup_free_ char *key = owner_key(pod);
    if (key) {
        observe_delete(c, key, mk_json_str(pod, "metadata.uid") ?: "");
        workqueue_add(c->q, key);
    }
}

/* ---- one sync ---- */

/* The pods of one ReplicaSet as a sync sees them. */
typedef struct rs_view {
    const char *ns;
    const char *uid;
    mk_selector *sel;
    json_object *template_labels;
    int64_t min_ready_s;
    rs_pod *active;
    size_t nactive;
    json_object *adopt;   /* orphans to adopt: [pod] (deep copies) */
    json_object *release; /* owned pods that no longer match */
    json_object *failed;  /* owned Failed pods to delete (names) */
    int64_t fully_labeled, ready, available;
    int64_t requeue_ms; /* > 0: a pod becomes available then */
} rs_view;

static bool labels_cover(json_object *want, json_object *have)
{
    if (!want)
        return true;
    json_object_object_foreach(want, k, v)
    {
        json_object *h;
        if (!have || !json_object_object_get_ex(have, k, &h) ||
            strcmp(json_object_get_string(h), json_object_get_string(v)) != 0)
            return false;
    }
    return true;
}

static int view_pod(void *ctx, json_object *pod)
{
    rs_view *v = ctx;
    if (strcmp(mk_json_str(pod, "metadata.namespace") ?: "", v->ns) != 0)
        return 0;
    json_object *ref = replicaset_controller_ref(pod);
    json_object *labels = mk_json_path(pod, "metadata.labels");
    bool matches = selector_match_labels(v->sel, labels);
    bool terminating = mk_json_path(pod, "metadata.deletionTimestamp") != NULL;
    if (!ref) {
        if (matches && !terminating)
            json_object_array_add(v->adopt, mk_json_copy(pod));
        return 0;
    }
    if (strcmp(mk_json_str(ref, "uid") ?: "", v->uid) != 0)
        return 0;
    if (!matches) {
        if (!terminating)
            json_object_array_add(v->release, mk_json_copy(pod));
        return 0;
    }
    const char *phase = mk_json_str(pod, "status.phase") ?: "";
    if (terminating || !strcmp(phase, "Succeeded"))
        return 0;
    if (!strcmp(phase, "Failed")) {
        json_object_array_add(v->failed,
                              json_object_new_string(mk_json_str(pod, "metadata.name") ?: ""));
        return 0;
    }
    v->active = xrealloc(v->active, (v->nactive + 1) * sizeof(*v->active));
    rs_pod *p = &v->active[v->nactive++];
    replicaset_pod_summary(pod, p);
    if (labels_cover(v->template_labels, labels))
        v->fully_labeled++;
    if (p->ready) {
        v->ready++;
        int64_t since = p->ready_ms ? p->ready_ms : 0;
        int64_t avail_at = since + v->min_ready_s * 1000;
        if (v->min_ready_s <= 0 || avail_at <= mk_wall_ms())
            v->available++;
        else if (!v->requeue_ms || avail_at - mk_wall_ms() < v->requeue_ms)
            v->requeue_ms = avail_at - mk_wall_ms() + 100;
    }
    return 0;
}

static void view_free(rs_view *v)
{
    selector_free(v->sel);
    free(v->active);
    json_object_put(v->adopt);
    json_object_put(v->release);
    json_object_put(v->failed);
}

/* Parallel requests: n jobs, RS_PARALLEL at a time, through the shared
 * (thread-safe) client. job returns 0 or < 0; the count of successes is
 * returned. */
typedef int (*rs_job)(void *ctx, size_t i);
typedef struct par {
    rs_job job;
    void *ctx;
    size_t n;
    atomic_size_t next;
    atomic_int ok;
} par;

static void *par_main(void *arg)
{
    par *p = arg;
    for (size_t i; (i = atomic_fetch_add(&p->next, 1)) < p->n;)
        if (p->job(p->ctx, i) == 0)
            atomic_fetch_add(&p->ok, 1);
    return NULL;
}

static int run_parallel(rs_job job, void *ctx, size_t n)
{
    par p = {.job = job, .ctx = ctx, .n = n};
    size_t nt = n < RS_PARALLEL ? n : RS_PARALLEL;
    pthread_t t[RS_PARALLEL];
    size_t started = 0;
    for (; started + 1 < nt; started++)
        if (pthread_create(&t[started], NULL, par_main, &p) != 0)
            break;
    par_main(&p); /* this thread works too */
    for (size_t i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    return atomic_load(&p.ok);
}

typedef struct create_ctx {
    rsctl *c;
    const char *ns, *rsname;
    mk_obj_ref ref; /* the ReplicaSet, for its events */
    const char *text;
    atomic_int failed;
    mk_err first;
    pthread_mutex_t lock;
} create_ctx;

/* "<rs>-<5 of Kubernetes' name alphabet>", from the kernel's randomness
 * (27^5 names: a clash is rare, and retried). */
void replicaset_pod_name(const char *rs, char *out, size_t n)
{
    char suffix[MK_NAME_SUFFIX + 1];
    mk_name_suffix(suffix);
    /* As Kubernetes, the base is cut so the name stays a 63-character label. */
    snprintf(out, n, "%.*s-%s", 63 - MK_NAME_SUFFIX - 1, rs, suffix);
}

static int create_one(void *ctx, size_t i)
{
    create_ctx *cc = ctx;
    mk_err err = {0};
    int rc = -EEXIST;
    for (int attempt = 0; attempt < 3 && rc == -EEXIST; attempt++) {
        json_object *pod = json_tokener_parse(cc->text);
        char name[64];
        replicaset_pod_name(cc->rsname, name, sizeof name);
        mk_json_set_str(pod, "metadata.name", name);
        rc = client_create(manager_client(cc->c->m), kind_by_kind("Pod"), cc->ns, pod, NULL,
                           &err);
        json_object_put(pod);
        if (rc == 0)
            recorder_event(manager_recorder(cc->c->m), &cc->ref, "Normal", "SuccessfulCreate",
                           "Created pod: %s", name);
    }
    if (rc < 0) {
        pthread_mutex_lock(&cc->lock);
        if (!atomic_fetch_add(&cc->failed, 1))
            cc->first = err;
        pthread_mutex_unlock(&cc->lock);
    }
    return rc;
}

static int create_pods(rsctl *c, const char *key, json_object *rs, int n, mk_err *err)
{
    const char *ns = mk_json_str(rs, "metadata.namespace") ?: "default";
    json_object *pod = replicaset_new_pod(rs);
    create_ctx cc = {.c = c,
                     .ns = ns,
                     .rsname = mk_json_str(rs, "metadata.name") ?: "rs",
                     .ref = recorder_ref(rs),
                     .text = json_object_to_json_string(pod)};
    pthread_mutex_init(&cc.lock, NULL);
    expect_creates(c, key, n);
    int batches[RS_MAX_BATCHES], nb = replicaset_batches(n, batches, RS_MAX_BATCHES);
    int done = 0, made = 0;
    for (int b = 0; b < nb; b++) {
        made += run_parallel(create_one, &cc, batches[b]);
        done += batches[b];
        if (atomic_load(&cc.failed))
            break; /* slow start: stop at the first failing batch */
    }
    /* Creates that failed or were skipped will never be seen. */
    for (int i = made; i < n; i++)
        observe_add(c, key);
    mk_log("replicaset: %s: created %d pod%s", key, made, made == 1 ? "" : "s");
    int rc = 0;
    if (atomic_load(&cc.failed))
        rc = mk_error(err, cc.first.code, "create pod: %s (%d of %d made)", cc.first.msg, made,
                      n);
    (void)done;
    pthread_mutex_destroy(&cc.lock);
    json_object_put(pod);
    return rc;
}

typedef struct delete_ctx {
    rsctl *c;
    const char *ns, *key;
    mk_obj_ref ref; /* the ReplicaSet, for its events */
    rs_pod *pods;
    atomic_int failed;
} delete_ctx;

static int delete_one(void *ctx, size_t i)
{
    delete_ctx *dc = ctx;
    mk_err err = {0};
    int rc = client_delete(manager_client(dc->c->m), kind_by_kind("Pod"), dc->ns,
                           dc->pods[i].name, NULL, &err);
    if (rc == 0)
        recorder_event(manager_recorder(dc->c->m), &dc->ref, "Normal", "SuccessfulDelete",
                       "Deleted pod: %s", dc->pods[i].name);
    if (rc == -ENOENT)
        rc = 0; /* gone already: its delete event settles the expectation */
    if (rc < 0) {
        observe_delete(dc->c, dc->key, dc->pods[i].uid);
        atomic_fetch_add(&dc->failed, 1);
        mk_log("replicaset: %s: delete pod %s: %s", dc->key, dc->pods[i].name, err.msg);
    }
    return rc;
}

static int cmp_pods(const void *a, const void *b)
{
    return replicaset_pod_cmp(a, b);
}

static int delete_pods(rsctl *c, const char *key, const char *ns, rs_pod *pods, size_t n,
                       mk_err *err)
{
    expect_deletes(c, key, pods, n);
    const char *slash = strchr(key, '/');
    delete_ctx dc = {.c = c,
                     .ns = ns,
                     .key = key,
                     .pods = pods,
                     .ref = {"ReplicaSet", "apps/v1", ns, slash ? slash + 1 : key, NULL}};
    int ok = run_parallel(delete_one, &dc, n);
    mk_log("replicaset: %s: deleted %d surplus pod%s", key, ok, ok == 1 ? "" : "s");
    return atomic_load(&dc.failed) ? mk_error(err, EIO, "some deletes failed") : 0;
}

/* The merge patch that sets a pod's ownerReferences. */
static int patch_refs(rsctl *c, json_object *pod, json_object *refs, mk_err *err)
{
    json_object *patch = json_object_new_object();
    json_object *md = mk_json_ensure(patch, "metadata");
    json_object_object_add(md, "ownerReferences",
                           json_object_array_length(refs) ? json_object_get(refs) : NULL);
    /* The resourceVersion makes it a compare-and-swap: a pod changed
     * meanwhile is looked at again on the next sync. */
    json_object_object_add(
        md, "resourceVersion",
        json_object_new_string(mk_json_str(pod, "metadata.resourceVersion") ?: ""));
    int rc = client_patch(
        manager_client(c->m), kind_by_kind("Pod"), mk_json_str(pod, "metadata.namespace"),
        mk_json_str(pod, "metadata.name"), NULL, json_object_to_json_string(patch), NULL, err);
    json_object_put(patch);
    return rc;
}

static int adopt(rsctl *c, const char *key, json_object *rs, json_object *pod, mk_err *err)
{
    json_object *refs = json_object_new_array();
    json_object *old = mk_json_path(pod, "metadata.ownerReferences");
    for (size_t i = 0; old && i < json_object_array_length(old); i++)
        json_object_array_add(refs, json_object_get(json_object_array_get_idx(old, i)));
    json_object *p = replicaset_new_pod(rs);
    json_object *ours =
        json_object_array_get_idx(mk_json_path(p, "metadata.ownerReferences"), 0);
    json_object_array_add(refs, json_object_get(ours));
    json_object_put(p);
    int rc = patch_refs(c, pod, refs, err);
    json_object_put(refs);
    if (rc == 0)
        mk_log("replicaset: %s: adopted pod %s", key, mk_json_str(pod, "metadata.name"));
    return rc;
}

static int release(rsctl *c, const char *key, const char *uid, json_object *pod, mk_err *err)
{
    json_object *refs = json_object_new_array();
    json_object *old = mk_json_path(pod, "metadata.ownerReferences");
    for (size_t i = 0; old && i < json_object_array_length(old); i++) {
        json_object *r = json_object_array_get_idx(old, i);
        if (strcmp(mk_json_str(r, "uid") ?: "", uid) != 0)
            json_object_array_add(refs, json_object_get(r));
    }
    int rc = patch_refs(c, pod, refs, err);
    json_object_put(refs);
    if (rc == 0)
        mk_log("replicaset: %s: released pod %s (labels no longer match)", key,
               mk_json_str(pod, "metadata.name"));
    return rc;
}

static int update_status(rsctl *c, json_object *rs, const rs_view *v, mk_err *err)
{
    struct {
        const char *field;
        int64_t value;
    } want[] = {
        {"replicas", (int64_t)v->nactive},
        {"fullyLabeledReplicas", v->fully_labeled},
        {"readyReplicas", v->ready},
        {"availableReplicas", v->available},
        {"observedGeneration", mk_json_int(rs, "metadata.generation", 1)},
    };
    json_object *status = json_object_new_object();
    bool same = true;
    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        _cleanup_free_ char *path = xasprintf("status.%s", want[i].field);
        if (mk_json_int(rs, path, -1) != want[i].value)
            same = false;
        json_object_object_add(status, want[i].field, json_object_new_int64(want[i].value));
    }
    int rc = 0;
    if (!same) {
        json_object *patch = json_object_new_object();
        json_object_object_add(patch, "status", json_object_get(status));
        rc = client_patch(manager_client(c->m), kind_by_kind("ReplicaSet"),
                          mk_json_str(rs, "metadata.namespace"),
                          mk_json_str(rs, "metadata.name"), "status",
                          json_object_to_json_string(patch), NULL, err);
        json_object_put(patch);
    }
    json_object_put(status);
    return rc == -ENOENT ? 0 : rc;
}

/* Bring pod count to spec.replicas when the cache can be trusted. */
static int manage(rsctl *c, const char *key, json_object *rs, rs_view *v, mk_err *err)
{
    int rc = 0;
    for (size_t i = 0; i < json_object_array_length(v->adopt); i++) {
        json_object *pod = json_object_array_get_idx(v->adopt, i);
        if (adopt(c, key, rs, pod, err) < 0)
            rc = -1; /* the adoption shows up as a pod event; its pod counts then */
    }
    for (size_t i = 0; i < json_object_array_length(v->release); i++)
        if (release(c, key, v->uid, json_object_array_get_idx(v->release, i), err) < 0)
            rc = -1;
    if (rc < 0 || json_object_array_length(v->adopt))
        return rc; /* count again once the adoptions are seen */
    size_t nf = json_object_array_length(v->failed);
    for (size_t i = 0; i < nf; i++) {
        const char *name = json_object_get_string(json_object_array_get_idx(v->failed, i));
        if (client_delete(manager_client(c->m), kind_by_kind("Pod"), v->ns, name, NULL, err) ==
            0)
            mk_log("replicaset: %s: deleted failed pod %s", key, name);
    }
    if (!expect_satisfied(c, key))
        return 0;
    int64_t want = mk_json_int(rs, "spec.replicas", 1);
    int64_t diff = (int64_t)v->nactive - want;
    if (diff < 0) {
        int n = (int)(-diff > RS_BURST ? RS_BURST : -diff);
        return create_pods(c, key, rs, n, err);
    }
    if (diff > 0) {
        size_t n = (size_t)(diff > RS_BURST ? RS_BURST : diff);
        qsort(v->active, v->nactive, sizeof(*v->active), cmp_pods);
        return delete_pods(c, key, v->ns, v->active, n, err);
    }
    return 0;
}

/* 0 done; < 0 retry later. */
static int sync_rs(rsctl *c, const char *key, int64_t *requeue_ms, mk_err *err)
{
    _cleanup_free_ char *ns = xstrdup(key);
    char *name = strchr(ns, '/');
    if (!name)
        return 0;
    *name++ = '\0';
    json_object *rs = informer_get(c->rss, ns, name);
    if (!rs) {
        expect_forget(c, key);
        return 0;
    }
    rs_view v = {.ns = ns,
                 .uid = mk_json_str(rs, "metadata.uid") ?: "",
                 .template_labels = mk_json_path(rs, "spec.template.metadata.labels"),
                 .min_ready_s = mk_json_int(rs, "spec.minReadySeconds", 0),
                 .adopt = json_object_new_array(),
                 .release = json_object_new_array(),
                 .failed = json_object_new_array()};
    int rc = selector_from_object(mk_json_path(rs, "spec.selector"), &v.sel, err);
    if (rc == 0 && selector_is_empty(v.sel)) {
        mk_log("replicaset: %s: an empty selector selects nothing here", key);
        rc = 1;
    }
    if (rc == 0) {
        informer_foreach(c->pods, view_pod, &v);
        if (!mk_json_path(rs, "metadata.deletionTimestamp"))
            rc = manage(c, key, rs, &v, err);
        mk_err serr = {0};
        if (update_status(c, rs, &v, &serr) < 0 && rc == 0) {
            *err = serr;
            rc = -1;
        }
        *requeue_ms = v.requeue_ms;
    } else if (rc < 0) {
        mk_log("replicaset: %s: %s", key, err->msg);
        rc = 0; /* an invalid selector waits for an edit */
    }
    view_free(&v);
    json_object_put(rs);
    return rc < 0 ? rc : 0;
}

static int sync_key(void *ctx, const char *key, int64_t *requeue_ms, mk_err *err)
{
    return sync_rs(ctx, key, requeue_ms, err);
}

static void *worker(void *arg)
{
    rsctl *c = arg;
    if (!manager_wait_synced(c->m))
        return NULL;
    workqueue_process(c->q, "replicaset", RS_RETRY_MS, sync_key, c);
    return NULL;
}

static void replicaset_stop(void *state)
{
    rsctl *c = state;
    workqueue_close(c->q, c->workers, c->nworkers);
    expectation *e, *tmp;
    HASH_ITER(hh, c->expect, e, tmp)
    {
        HASH_DEL(c->expect, e);
        expect_free_one(e);
    }
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static int replicaset_start(manager *m, void **state, mk_err *err)
{
    rsctl *c = xcalloc(1, sizeof(*c));
    c->m = m;
    c->q = workqueue_new();
    pthread_mutex_init(&c->lock, NULL);
    mk_informer_handlers rh = {
        .on_add = on_rs_add, .on_update = on_rs_update, .on_delete = on_rs_delete};
    mk_informer_handlers ph = {
        .on_add = on_pod_add, .on_update = on_pod_update, .on_delete = on_pod_delete};
    c->rss = manager_informer(m, kind_by_kind("ReplicaSet"), &rh, c);
    c->pods = manager_informer(m, kind_by_kind("Pod"), &ph, c);
    for (; c->nworkers < RS_WORKERS; c->nworkers++)
        if (pthread_create(&c->workers[c->nworkers], NULL, worker, c) != 0) {
            replicaset_stop(c);
            return mk_error(err, EAGAIN, "cannot start a thread");
        }
    *state = c;
    return 0;
}

const mk_controller replicaset_controller = {
    .name = "replicaset",
    .start = replicaset_start,
    .stop = replicaset_stop,
};
