/* volprotect.c - storage object in-use protection, as Kubernetes'
 * pvc-protection and pv-protection controllers.
 *
 * Every claim carries the finalizer kubernetes.io/pvc-protection and every
 * volume kubernetes.io/pv-protection (the API server puts them on at
 * creation; this controller adds them to older objects). A claim being
 * deleted keeps its finalizer while a pod that has not finished uses it,
 * so deleting a claim never pulls the storage from under a running pod:
 * the claim stays Terminating until its last pod goes. A volume being
 * deleted keeps its finalizer while it is Bound.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "controllers/controllers.h"
#include "controllers/workqueue.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/util.h"

#define PVC_PROTECTION "kubernetes.io/pvc-protection"
#define PV_PROTECTION  "kubernetes.io/pv-protection"
#define RETRY_MS       1000

typedef struct protect {
    manager *m;
    workqueue *q;
    mk_informer *pods, *claims, *pvs;
    pthread_t worker;
    bool started;
} protect;

/* Add finalizer f to obj, or take it off (add false), by a merge patch
 * that carries the resourceVersion read: a concurrent change of the list
 * fails it (409) and the queue retries from the cache. */
static int set_finalizer(protect *p, const mk_kind *k, json_object *obj, const char *f,
                         bool add, mk_err *err)
{
    json_object *list = json_object_new_array(),
                *have = mk_json_path(obj, "metadata.finalizers");
    for (size_t i = 0;
         json_object_is_type(have, json_type_array) && i < json_object_array_length(have);
         i++) {
        json_object *e = json_object_array_get_idx(have, i);
        if (strcmp(json_object_get_string(e) ?: "", f) != 0)
            json_object_array_add(list, json_object_get(e));
    }
    if (add)
        json_object_array_add(list, json_object_new_string(f));
    json_object *md = json_object_new_object(), *body = json_object_new_object();
    json_object_object_add(md, "finalizers", list);
    json_object_object_add(
        md, "resourceVersion",
        json_object_new_string(mk_json_str(obj, "metadata.resourceVersion") ?: ""));
    json_object_object_add(body, "metadata", md);
    int rc =
        client_patch(manager_client(p->m), k, mk_json_str(obj, "metadata.namespace"),
                     mk_json_str(obj, "metadata.name"), NULL,
                     json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN), NULL, err);
    json_object_put(body);
    return rc == -ENOENT ? 0 : rc;
}

/* ---- which pods use a claim ---- */

static bool pod_finished(json_object *pod)
{
    const char *phase = mk_json_str(pod, "status.phase") ?: "";
    return !strcmp(phase, "Succeeded") || !strcmp(phase, "Failed");
}

typedef void claim_fn(void *ctx, const char *ns, const char *claim);

static void foreach_claim_of(json_object *pod, claim_fn *fn, void *ctx)
{
    json_object *vols = mk_json_path(pod, "spec.volumes");
    for (size_t i = 0;
         json_object_is_type(vols, json_type_array) && i < json_object_array_length(vols);
         i++) {
        const char *claim =
            mk_json_str(json_object_array_get_idx(vols, i), "persistentVolumeClaim.claimName");
        if (claim)
            fn(ctx, mk_json_str(pod, "metadata.namespace") ?: "default", claim);
    }
}

typedef struct use_scan {
    const char *ns, *name;
    bool used;
} use_scan;

static void match_claim(void *ctx, const char *ns, const char *claim)
{
    use_scan *s = ctx;
    s->used = s->used || (!strcmp(ns, s->ns) && !strcmp(claim, s->name));
}

static int check_pod(void *ctx, json_object *pod)
{
    use_scan *s = ctx;
    if (!pod_finished(pod))
        foreach_claim_of(pod, match_claim, s);
    return s->used; /* non-zero stops the walk */
}

static bool claim_in_use(protect *p, const char *ns, const char *name)
{
    use_scan s = {ns, name, false};
    informer_foreach(p->pods, check_pod, &s);
    return s.used;
}

/* ---- sync ---- */

static int sync_claim(protect *p, json_object *claim, mk_err *err)
{
    const mk_kind *k = kind_by_kind("PersistentVolumeClaim");
    bool going = mk_json_str(claim, "metadata.deletionTimestamp") != NULL;
    bool has = mk_has_finalizer(claim, PVC_PROTECTION);
    if (!going && !has)
        return set_finalizer(p, k, claim, PVC_PROTECTION, true, err);
    const char *ns = mk_json_str(claim, "metadata.namespace") ?: "default";
    const char *name = mk_json_str(claim, "metadata.name") ?: "";
    if (going && has && !claim_in_use(p, ns, name)) {
        mk_log("volume-protection: claim %s/%s is no longer used; released", ns, name);
        return set_finalizer(p, k, claim, PVC_PROTECTION, false, err);
    }
    return 0;
}

static int sync_volume(protect *p, json_object *pv, mk_err *err)
{
    const mk_kind *k = kind_by_kind("PersistentVolume");
    bool going = mk_json_str(pv, "metadata.deletionTimestamp") != NULL;
    bool has = mk_has_finalizer(pv, PV_PROTECTION);
    if (!going && !has)
        return set_finalizer(p, k, pv, PV_PROTECTION, true, err);
    if (going && has && strcmp(mk_json_str(pv, "status.phase") ?: "", "Bound") != 0)
        return set_finalizer(p, k, pv, PV_PROTECTION, false, err);
    return 0;
}

static int sync_key(void *ctx, const char *key, int64_t *requeue_ms, mk_err *err)
{
    protect *p = ctx;
    (void)requeue_ms;
    _cleanup_free_ char *ns = xstrdup(key + 2);
    char *name = strchr(ns, '/');
    json_object *obj = NULL;
    int rc = 0;
    if (key[0] == 'v') {
        if ((obj = informer_get(p->pvs, NULL, key + 2)))
            rc = sync_volume(p, obj, err);
    } else if (name) {
        *name++ = '\0';
        if ((obj = informer_get(p->claims, ns, name)))
            rc = sync_claim(p, obj, err);
    }
    json_object_put(obj);
    return rc;
}

/* ---- handlers ---- */

static void enqueue_claim(void *ctx, const char *ns, const char *claim)
{
    protect *p = ctx;
    _cleanup_free_ char *key = xasprintf("c/%s/%s", ns ? ns : "default", claim);
    workqueue_add(p->q, key);
}

static void on_claim(void *ctx, json_object *claim)
{
    enqueue_claim(ctx, mk_json_str(claim, "metadata.namespace"),
                  mk_json_str(claim, "metadata.name") ?: "");
}

static void on_claim_update(void *ctx, json_object *old, json_object *claim)
{
    (void)old;
    on_claim(ctx, claim);
}

static void on_volume(void *ctx, json_object *pv)
{
    protect *p = ctx;
    _cleanup_free_ char *key = xasprintf("v/%s", mk_json_str(pv, "metadata.name") ?: "");
    workqueue_add(p->q, key);
}

static void on_volume_update(void *ctx, json_object *old, json_object *pv)
{
    (void)old;
    on_volume(ctx, pv);
}

/* A pod that finished or went may have been a claim's last user. */
static void on_pod_update(void *ctx, json_object *old, json_object *pod)
{
    if (pod_finished(pod) && !pod_finished(old))
        foreach_claim_of(pod, enqueue_claim, ctx);
}

static void on_pod_delete(void *ctx, json_object *pod)
{
    foreach_claim_of(pod, enqueue_claim, ctx);
}

static void *worker(void *arg)
{
    protect *p = arg;
    if (manager_wait_synced(p->m))
        workqueue_process(p->q, "volume-protection", RETRY_MS, sync_key, p);
    return NULL;
}

static void protect_stop(void *state)
{
    protect *p = state;
    workqueue_close(p->q, &p->worker, p->started ? 1 : 0);
    free(p);
}

static int protect_start(manager *m, void **state, mk_err *err)
{
    protect *p = xcalloc(1, sizeof *p);
    p->m = m;
    p->q = workqueue_new();
    mk_informer_handlers ch = {.on_add = on_claim, .on_update = on_claim_update};
    mk_informer_handlers vh = {.on_add = on_volume, .on_update = on_volume_update};
    mk_informer_handlers ph = {.on_update = on_pod_update, .on_delete = on_pod_delete};
    p->claims = manager_informer(m, kind_by_kind("PersistentVolumeClaim"), &ch, p);
    p->pvs = manager_informer(m, kind_by_kind("PersistentVolume"), &vh, p);
    p->pods = manager_informer(m, kind_by_kind("Pod"), &ph, p);
    if (pthread_create(&p->worker, NULL, worker, p) != 0) {
        protect_stop(p);
        return mk_error(err, EAGAIN, "cannot start a thread");
    }
    p->started = true;
    *state = p;
    return 0;
}

const mk_controller volumeprotection_controller = {
    .name = "volume-protection",
    .start = protect_start,
    .stop = protect_stop,
};
