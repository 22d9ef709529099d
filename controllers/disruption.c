/* disruption.c - the disruption controller: keeps every
 * PodDisruptionBudget's status (pdbstatus.h) true to the pods it selects,
 * so the eviction subresource (store/server/eviction.c) knows how many
 * pods may go now.
 *
 * A budget is synced when it changes, when a pod of its namespace that it
 * selects changes, and when a ReplicaSet, Deployment or StatefulSet of its
 * namespace changes (they make the expected count). The status is written
 * with the resourceVersion read, so it never undoes an eviction's write
 * that came in between (the 409 brings the key back).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "controllers/controllers.h"
#include "controllers/objkey.h"
#include "controllers/pdbstatus.h"
#include "controllers/replicaset.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/selector.h"
#include "store/util.h"

#define RETRY_MS 1000

typedef struct disruption {
    manager *m;
    objkey_loop loop; /* keys: budgets */
    mk_informer *pdbs, *pods, *rss, *deploys, *stss;
} disruption;

/* ---- the pods a budget selects, and what their controllers want ---- */

typedef struct selected {
    const char *ns;
    mk_selector *sel;
    json_object *pods; /* array */
} selected;

static int select_pod(void *ctx, json_object *pod)
{
    selected *s = ctx;
    if (!strcmp(mk_json_str(pod, "metadata.namespace") ?: "", s->ns) &&
        selector_match_labels(s->sel, mk_json_path(pod, "metadata.labels")))
        json_object_array_add(s->pods, mk_json_copy(pod)); /* the cache's is only lent */
    return 0;
}

/* The replicas pod's controller wants, counted once per controller (by
 * uid in seen): a ReplicaSet's, or its Deployment's; a StatefulSet's. */
static int scale_of(disruption *d, json_object *pod, json_object *seen, int64_t *sum, char *why,
                    size_t n)
{
    const char *ns = mk_json_str(pod, "metadata.namespace");
    json_object *ref = replicaset_controller_ref(pod), *owner = NULL;
    const char *kind = mk_json_str(ref, "kind") ?: "";
    if (!strcmp(kind, "ReplicaSet")) {
        owner = informer_get(d->rss, ns, mk_json_str(ref, "name") ?: "");
        json_object *up = replicaset_controller_ref(owner);
        if (up && !strcmp(mk_json_str(up, "kind") ?: "", "Deployment")) {
            json_object *dep = informer_get(d->deploys, ns, mk_json_str(up, "name") ?: "");
            json_object_put(owner);
            owner = dep;
        }
    } else if (!strcmp(kind, "StatefulSet")) {
        owner = informer_get(d->stss, ns, mk_json_str(ref, "name") ?: "");
    }
    if (!owner) {
        snprintf(why, n, "found no controllers for pod \"%s\"",
                 mk_json_str(pod, "metadata.name") ?: "");
        return -1;
    }
    const char *uid = mk_json_str(owner, "metadata.uid") ?: "";
    if (!json_object_object_get_ex(seen, uid, NULL)) {
        json_object_object_add(seen, uid, NULL);
        *sum += mk_json_int(owner, "spec.replicas", 1);
    }
    json_object_put(owner);
    return 0;
}

static int64_t expected_scale(disruption *d, json_object *pods, char *why, size_t n)
{
    json_object *seen = json_object_new_object();
    int64_t sum = 0;
    for (size_t i = 0; i < json_object_array_length(pods); i++)
        if (scale_of(d, json_object_array_get_idx(pods, i), seen, &sum, why, n) < 0) {
            sum = -1;
            break;
        }
    json_object_put(seen);
    return sum;
}

/* ---- sync ---- */

static int write_status(disruption *d, json_object *pdb, json_object *st, mk_err *err)
{
    json_object *old = mk_json_path(pdb, "status");
    /* The transition time is kept unless the status moved: equal objects
     * mean nothing to write. */
    if (old && json_object_equal(old, st)) {
        json_object_put(st);
        return 0;
    }
    json_object_object_add(pdb, "status", st);
    int rc = client_update_status(manager_client(d->m), kind_by_kind("PodDisruptionBudget"),
                                  mk_json_str(pdb, "metadata.namespace"), pdb, NULL, err);
    return rc == -ENOENT ? 0 : rc;
}

static int sync_pdb(void *ctx, json_object *pdb, int64_t *requeue_ms, mk_err *err)
{
    disruption *d = ctx;
    selected s = {mk_json_str(pdb, "metadata.namespace") ?: "default", NULL,
                  json_object_new_array()};
    json_object *sel = mk_json_path(pdb, "spec.selector");
    /* No selector selects nothing (validation made sure one parses). */
    if (sel && selector_from_object(sel, &s.sel, err) == 0)
        informer_foreach(d->pods, select_pod, &s);
    selector_free(s.sel);
    char why[256] = "";
    int64_t scale = pdb_needs_scale(pdb) ? expected_scale(d, s.pods, why, sizeof why) : 0;
    int64_t recheck_s = 0;
    json_object *st = pdb_status(pdb, s.pods, scale, why, (int64_t)time(NULL), &recheck_s);
    json_object_put(s.pods);
    if (recheck_s > 0)
        *requeue_ms = recheck_s * 1000;
    return write_status(d, pdb, st, err);
}

/* ---- handlers ---- */

/* The budgets of a namespace that select labels (any: every budget of the
 * namespace). */
typedef struct touch {
    disruption *d;
    const char *ns;
    json_object *labels;
    bool any;
} touch;

static int touch_pdb(void *ctx, json_object *pdb)
{
    touch *t = ctx;
    if (strcmp(mk_json_str(pdb, "metadata.namespace") ?: "", t->ns) != 0)
        return 0;
    if (t->any || selector_object_selects(mk_json_path(pdb, "spec.selector"), t->labels))
        objkey_enqueue(t->d->loop.q, pdb, mk_json_str(pdb, "metadata.name"));
    return 0;
}

static void touch_for(disruption *d, json_object *obj, bool any)
{
    touch t = {d, mk_json_str(obj, "metadata.namespace") ?: "",
               mk_json_path(obj, "metadata.labels"), any};
    informer_foreach(d->pdbs, touch_pdb, &t);
}

static void on_pod(void *ctx, json_object *pod)
{
    touch_for(ctx, pod, false);
}

static void on_pod_update(void *ctx, json_object *old, json_object *pod)
{
    touch_for(ctx, pod, false);
    /* Labels changed: the budgets that selected it before count again. */
    if (!json_object_equal(mk_json_path(old, "metadata.labels"),
                           mk_json_path(pod, "metadata.labels")))
        touch_for(ctx, old, false);
}

static void on_owner(void *ctx, json_object *obj)
{
    touch_for(ctx, obj, true);
}

static void on_owner_update(void *ctx, json_object *old, json_object *obj)
{
    if (mk_json_int(old, "spec.replicas", 1) != mk_json_int(obj, "spec.replicas", 1))
        touch_for(ctx, obj, true);
}

static void disruption_stop(void *state)
{
    disruption *d = state;
    objkey_loop_stop(&d->loop);
    free(d);
}

static int disruption_start(manager *m, void **state, mk_err *err)
{
    disruption *d = xcalloc(1, sizeof *d);
    d->m = m;
    objkey_loop_init(&d->loop, m, "PodDisruptionBudget", RETRY_MS, sync_pdb, d);
    mk_informer_handlers ph = {
        .on_add = on_pod, .on_update = on_pod_update, .on_delete = on_pod};
    mk_informer_handlers oh = {
        .on_add = on_owner, .on_update = on_owner_update, .on_delete = on_owner};
    d->pdbs = objkey_loop_watch(&d->loop);
    d->pods = manager_informer(m, kind_by_kind("Pod"), &ph, d);
    d->rss = manager_informer(m, kind_by_kind("ReplicaSet"), &oh, d);
    d->deploys = manager_informer(m, kind_by_kind("Deployment"), &oh, d);
    d->stss = manager_informer(m, kind_by_kind("StatefulSet"), &oh, d);
    if (objkey_loop_start(&d->loop, err) < 0) {
        disruption_stop(d);
        return -err->code;
    }
    *state = d;
    return 0;
}

const mk_controller disruption_controller = {
    .name = "disruption",
    .start = disruption_start,
    .stop = disruption_stop,
};
