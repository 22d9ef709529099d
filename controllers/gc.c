/* gc.c - the garbage collector (see gc.h).
 *
 * Keys on one queue: "d/<Kind>/<ns>/<name>" asks whether a dependent's
 * owners still live; "o/<Kind>/<ns>/<name>" finishes an owner's Orphan or
 * Foreground deletion.
 */
#include "controllers/gc.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "controllers/controllers.h"
#include "controllers/workqueue.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/util.h"

#define GC_WORKERS  4
#define GC_RETRY_MS 1000
#define GC_WAIT_MS  500 /* a Foreground owner looks at its dependents again */

static const char *const gc_kinds[] = {
    "Pod",         "ReplicaSet",         "Job",
    "Deployment",  "DaemonSet",          "CronJob",
    "StatefulSet", "ControllerRevision", "PersistentVolumeClaim"};

json_object *gc_refs_without(json_object *obj, const char *uid)
{
    json_object *out = json_object_new_array();
    json_object *refs = mk_json_path(obj, "metadata.ownerReferences");
    for (size_t i = 0; refs && json_object_is_type(refs, json_type_array) &&
                       i < json_object_array_length(refs);
         i++) {
        json_object *r = json_object_array_get_idx(refs, i);
        if (strcmp(mk_json_str(r, "uid") ?: "", uid) != 0) {
            json_object *copy = NULL;
            json_object_deep_copy(r, &copy, NULL);
            json_object_array_add(out, copy);
        }
    }
    return out;
}

bool gc_refers_to(json_object *obj, const char *uid)
{
    json_object *refs = mk_json_path(obj, "metadata.ownerReferences");
    for (size_t i = 0; refs && json_object_is_type(refs, json_type_array) &&
                       i < json_object_array_length(refs);
         i++)
        if (strcmp(mk_json_str(json_object_array_get_idx(refs, i), "uid") ?: "", uid) == 0)
            return true;
    return false;
}

typedef struct gcctl {
    manager *m;
    mk_informer *inf[ARRAY_SIZE(gc_kinds)];
    workqueue *q;
    pthread_t workers[GC_WORKERS];
    int nworkers;
} gcctl;

typedef struct gc_handler_ctx {
    gcctl *c;
    size_t kind; /* index in gc_kinds */
} gc_handler_ctx;

static gc_handler_ctx handler_ctx[ARRAY_SIZE(gc_kinds)];

static void queue(gcctl *c, char type, const char *kind, json_object *obj)
{
    _cleanup_free_ char *key = xasprintf("%c/%s/%s/%s", type, kind,
                                         mk_json_str(obj, "metadata.namespace") ?: "default",
                                         mk_json_str(obj, "metadata.name") ?: "");
    workqueue_add(c->q, key);
}

static bool has_refs(json_object *obj)
{
    json_object *refs = mk_json_path(obj, "metadata.ownerReferences");
    return refs && json_object_is_type(refs, json_type_array) && json_object_array_length(refs);
}

static bool held(json_object *obj)
{
    return mk_json_path(obj, "metadata.deletionTimestamp") &&
           (mk_has_finalizer(obj, "orphan") || mk_has_finalizer(obj, "foregroundDeletion"));
}

static void on_add(void *ctx, json_object *obj)
{
    gc_handler_ctx *h = ctx;
    if (has_refs(obj))
        queue(h->c, 'd', gc_kinds[h->kind], obj);
    if (held(obj))
        queue(h->c, 'o', gc_kinds[h->kind], obj);
}

static void on_update(void *ctx, json_object *old, json_object *obj)
{
    gc_handler_ctx *h = ctx;
    json_object *r1 = mk_json_path(old, "metadata.ownerReferences"),
                *r2 = mk_json_path(obj, "metadata.ownerReferences");
    if (r2 && !(r1 && json_object_equal(r1, r2)))
        queue(h->c, 'd', gc_kinds[h->kind], obj);
    if (held(obj))
        queue(h->c, 'o', gc_kinds[h->kind], obj);
}

/* Every cached object (of any kind we collect) that names uid. */
typedef struct dependents_of {
    gcctl *c;
    const char *kind;
    const char *ns, *uid;
    json_object *found; /* NULL: queue them instead of collecting */
} dependents_of;

static int match_dependent(void *ctx, json_object *obj)
{
    dependents_of *d = ctx;
    if (strcmp(mk_json_str(obj, "metadata.namespace") ?: "", d->ns) != 0 ||
        !gc_refers_to(obj, d->uid))
        return 0;
    if (d->found) {
        json_object *copy = NULL;
        json_object_deep_copy(obj, &copy, NULL);
        json_object_object_add(copy, "kind", json_object_new_string(d->kind));
        json_object_array_add(d->found, copy);
    } else
        queue(d->c, 'd', d->kind, obj);
    return 0;
}

static void each_dependent(gcctl *c, const char *ns, const char *uid, json_object *found)
{
    for (size_t i = 0; i < ARRAY_SIZE(gc_kinds); i++) {
        dependents_of d = {c, gc_kinds[i], ns, uid, found};
        informer_foreach(c->inf[i], match_dependent, &d);
    }
}

static void on_delete(void *ctx, json_object *obj)
{
    gc_handler_ctx *h = ctx;
    /* As an owner: its dependents look again. */
    each_dependent(h->c, mk_json_str(obj, "metadata.namespace") ?: "default",
                   mk_json_str(obj, "metadata.uid") ?: "", NULL);
    /* As a dependent: a Foreground owner may be waiting for it. */
    json_object *refs = mk_json_path(obj, "metadata.ownerReferences");
    for (size_t i = 0; refs && json_object_is_type(refs, json_type_array) &&
                       i < json_object_array_length(refs);
         i++) {
        json_object *r = json_object_array_get_idx(refs, i);
        const mk_kind *k =
            kind_by_gvk(mk_json_str(r, "apiVersion") ?: "", mk_json_str(r, "kind") ?: "");
        if (!k)
            continue;
        _cleanup_free_ char *key = xasprintf(
            "o/%s/%s/%s", k->kind, mk_json_str(obj, "metadata.namespace") ?: "default",
            mk_json_str(r, "name") ?: "");
        workqueue_add(h->c->q, key);
    }
}

/* ---- owners ---- */

typedef enum owner_state { OWNER_LIVE, OWNER_GONE, OWNER_FOREGROUND } owner_state;

static mk_informer *informer_of(gcctl *c, const mk_kind *k)
{
    for (size_t i = 0; i < ARRAY_SIZE(gc_kinds); i++)
        if (strcmp(gc_kinds[i], k->kind) == 0)
            return c->inf[i];
    return NULL;
}

/* Where the owner a reference names stands; < 0 when it cannot be told. */
static int owner_of(gcctl *c, const char *ns, json_object *ref, owner_state *st, mk_err *err)
{
    const mk_kind *k =
        kind_by_gvk(mk_json_str(ref, "apiVersion") ?: "", mk_json_str(ref, "kind") ?: "");
    const char *uid = mk_json_str(ref, "uid") ?: "";
    const char *name = mk_json_str(ref, "name") ?: "";
    if (!k) {
        *st = OWNER_LIVE; /* a kind this cluster does not serve: leave it be */
        return 0;
    }
    mk_informer *inf = informer_of(c, k);
    json_object *owner = inf ? informer_get(inf, ns, name) : NULL;
    if (!owner || strcmp(mk_json_str(owner, "metadata.uid") ?: "", uid) != 0) {
        /* The cache may lag: only the server's word makes an owner gone. */
        json_object_put(owner);
        owner = NULL;
        int rc = client_get(manager_client(c->m), k, ns, name, &owner, err);
        if (rc == -ENOENT) {
            *st = OWNER_GONE;
            return 0;
        }
        if (rc < 0)
            return rc;
    }
    if (strcmp(mk_json_str(owner, "metadata.uid") ?: "", uid) != 0)
        *st = OWNER_GONE;
    else if (mk_json_path(owner, "metadata.deletionTimestamp") &&
             mk_has_finalizer(owner, "foregroundDeletion"))
        *st = OWNER_FOREGROUND;
    else
        *st = OWNER_LIVE;
    json_object_put(owner);
    return 0;
}

static int set_refs(gcctl *c, const mk_kind *k, json_object *obj, json_object *refs,
                    mk_err *err)
{
    json_object *patch = json_object_new_object();
    json_object *md = mk_json_ensure(patch, "metadata");
    json_object_object_add(md, "ownerReferences",
                           json_object_array_length(refs) ? json_object_get(refs) : NULL);
    json_object_object_add(
        md, "resourceVersion",
        json_object_new_string(mk_json_str(obj, "metadata.resourceVersion") ?: ""));
    int rc = client_patch(manager_client(c->m), k, mk_json_str(obj, "metadata.namespace"),
                          mk_json_str(obj, "metadata.name"), NULL,
                          json_object_to_json_string(patch), NULL, err);
    json_object_put(patch);
    return rc == -ENOENT ? 0 : rc;
}

/* ---- one dependent ---- */

/* Do the caches show every owner of the dependent alive and not being
 * deleted? The common case, answered without a request. */
static bool owners_cached_live(gcctl *c, const mk_kind *k, const char *ns, const char *name)
{
    mk_informer *inf = informer_of(c, k);
    json_object *obj = inf ? informer_get(inf, ns, name) : NULL;
    json_object *refs = obj ? mk_json_path(obj, "metadata.ownerReferences") : NULL;
    bool live = refs && json_object_is_type(refs, json_type_array);
    for (size_t i = 0; live && i < json_object_array_length(refs); i++) {
        json_object *r = json_object_array_get_idx(refs, i);
        const mk_kind *ok =
            kind_by_gvk(mk_json_str(r, "apiVersion") ?: "", mk_json_str(r, "kind") ?: "");
        mk_informer *oinf = ok ? informer_of(c, ok) : NULL;
        json_object *owner = oinf ? informer_get(oinf, ns, mk_json_str(r, "name") ?: "") : NULL;
        live = owner &&
               strcmp(mk_json_str(owner, "metadata.uid") ?: "", mk_json_str(r, "uid") ?: "") ==
                   0 &&
               !mk_json_path(owner, "metadata.deletionTimestamp");
        json_object_put(owner);
    }
    json_object_put(obj);
    return live;
}

static int sync_dependent(gcctl *c, const mk_kind *k, const char *ns, const char *name,
                          mk_err *err)
{
    if (owners_cached_live(c, k, ns, name))
        return 0;
    /* The live object: its references as they are now, not as cached. */
    json_object *obj = NULL;
    int rc = client_get(manager_client(c->m), k, ns, name, &obj, err);
    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        return rc;
    json_object *refs = mk_json_path(obj, "metadata.ownerReferences");
    size_t n = mk_json_array_len(refs);
    if (n == 0 || mk_json_path(obj, "metadata.deletionTimestamp")) {
        json_object_put(obj);
        return 0;
    }
    size_t live = 0, foreground = 0;
    json_object *keep = json_object_new_array();
    for (size_t i = 0; i < n && rc == 0; i++) {
        json_object *r = json_object_array_get_idx(refs, i);
        owner_state st;
        rc = owner_of(c, ns, r, &st, err);
        if (rc == 0 && st != OWNER_GONE)
            json_object_array_add(keep, json_object_get(r));
        live += rc == 0 && st == OWNER_LIVE;
        foreground += rc == 0 && st == OWNER_FOREGROUND;
    }
    if (rc == 0 && live == 0) {
        rc = client_delete(manager_client(c->m), k, ns, name, "Background", err);
        if (rc == -ENOENT)
            rc = 0;
        else if (rc == 0)
            mk_log("garbagecollector: deleted %s %s/%s (%s)", k->kind, ns, name,
                   foreground ? "its owner is deleted in the foreground" : "its owner is gone");
    } else if (rc == 0 && json_object_array_length(keep) < n) {
        rc = set_refs(c, k, obj, keep, err);
        if (rc == 0)
            mk_log("garbagecollector: %s %s/%s: dropped references to deleted owners", k->kind,
                   ns, name);
    }
    json_object_put(keep);
    json_object_put(obj);
    return rc;
}

/* ---- one owner being deleted with Orphan or Foreground ---- */

/* 0 done, 1 look again later, < 0 error. */
static int sync_owner(gcctl *c, const mk_kind *k, const char *ns, const char *name, mk_err *err)
{
    json_object *owner = NULL;
    int rc = client_get(manager_client(c->m), k, ns, name, &owner, err);
    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        return rc;
    bool orphan = mk_has_finalizer(owner, "orphan");
    bool foreground = mk_has_finalizer(owner, "foregroundDeletion");
    if (!mk_json_path(owner, "metadata.deletionTimestamp") || (!orphan && !foreground)) {
        json_object_put(owner);
        return 0;
    }
    const char *uid = mk_json_str(owner, "metadata.uid") ?: "";
    json_object *deps = json_object_new_array();
    each_dependent(c, ns, uid, deps);
    size_t left = 0;
    for (size_t i = 0; i < json_object_array_length(deps) && rc == 0; i++) {
        json_object *d = json_object_array_get_idx(deps, i);
        const mk_kind *dk = kind_by_kind(mk_json_str(d, "kind"));
        const char *dname = mk_json_str(d, "metadata.name");
        if (orphan) {
            json_object *refs = gc_refs_without(d, uid);
            rc = set_refs(c, dk, d, refs, err);
            json_object_put(refs);
        } else {
            left++;
            if (!mk_json_path(d, "metadata.deletionTimestamp") &&
                (rc = client_delete(manager_client(c->m), dk, ns, dname, "Background", err)) ==
                    -ENOENT)
                rc = 0;
        }
    }
    if (rc == 0 && orphan)
        mk_log("garbagecollector: %s %s/%s: orphaned %zu dependent%s", k->kind, ns, name,
               json_object_array_length(deps), json_object_array_length(deps) == 1 ? "" : "s");
    json_object_put(deps);
    if (rc == 0 && left)
        rc = 1; /* Foreground: wait until the dependents are gone */
    if (rc == 0) {
        rc = client_delete(manager_client(c->m), k, ns, name, "Background", err);
        if (rc == -ENOENT)
            rc = 0;
        else if (rc == 0)
            mk_log("garbagecollector: deleted %s %s/%s (%s)", k->kind, ns, name,
                   orphan ? "dependents orphaned" : "dependents gone");
    }
    json_object_put(owner);
    return rc;
}

/* A key is type/Kind/ns/name; > 0 from a sync: look again in GC_WAIT_MS. */
static int sync_key(void *ctx, const char *key, int64_t *requeue_ms, mk_err *err)
{
    gcctl *c = ctx;
    _cleanup_free_ char *copy = xstrdup(key);
    char *save = NULL;
    char *type = strtok_r(copy, "/", &save), *kind = strtok_r(NULL, "/", &save),
         *ns = strtok_r(NULL, "/", &save), *name = strtok_r(NULL, "/", &save);
    const mk_kind *k = kind ? kind_by_kind(kind) : NULL;
    int rc = 0;
    if (k && ns && name)
        rc = type[0] == 'o' ? sync_owner(c, k, ns, name, err)
                            : sync_dependent(c, k, ns, name, err);
    if (rc > 0)
        *requeue_ms = GC_WAIT_MS;
    return rc < 0 ? rc : 0;
}

static void *worker(void *arg)
{
    gcctl *c = arg;
    if (!manager_wait_synced(c->m))
        return NULL;
    workqueue_process(c->q, "garbagecollector", GC_RETRY_MS, sync_key, c);
    return NULL;
}

static void gc_stop(void *state)
{
    gcctl *c = state;
    workqueue_close(c->q, c->workers, c->nworkers);
    free(c);
}

static int gc_start(manager *m, void **state, mk_err *err)
{
    gcctl *c = xcalloc(1, sizeof(*c));
    c->m = m;
    c->q = workqueue_new();
    mk_informer_handlers h = {.on_add = on_add, .on_update = on_update, .on_delete = on_delete};
    for (size_t i = 0; i < ARRAY_SIZE(gc_kinds); i++) {
        handler_ctx[i] = (gc_handler_ctx){c, i};
        c->inf[i] = manager_informer(m, kind_by_kind(gc_kinds[i]), &h, &handler_ctx[i]);
    }
    for (; c->nworkers < GC_WORKERS; c->nworkers++)
        if (pthread_create(&c->workers[c->nworkers], NULL, worker, c) != 0) {
            gc_stop(c);
            return mk_error(err, EAGAIN, "cannot start a thread");
        }
    *state = c;
    return 0;
}

const mk_controller garbagecollector_controller = {
    .name = "garbagecollector",
    .start = gc_start,
    .stop = gc_stop,
};
