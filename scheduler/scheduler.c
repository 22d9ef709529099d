#include "scheduler/scheduler.h"

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "scheduler/binder.h"
#include "scheduler/cache.h"
#include "scheduler/podinfo.h"
#include "scheduler/queue.h"
#include "scheduler/volumes.h"
#include "store/codec.h"
#include "store/informer.h"
#include "store/log.h"
#include "store/util.h"

typedef struct sched {
    mk_client *client;
    sched_cache *cache;
    sched_queue *queue;
    sched_binder *binder;
    mk_informer *pods, *nodes, *namespaces;
    mk_informer *claims, *volumes, *classes; /* read only for pods with claims */
    mk_informer *pdbs;                       /* read only to choose preemption victims */
    volatile bool *stop;
} sched;

static bool pod_bound(json_object *pod, const char **node)
{
    *node = mk_json_str(pod, "spec.nodeName");
    return *node && **node;
}

/* Level-triggered: whatever the event, look at the pod as it is now. */
static void pod_seen(sched *s, json_object *old, json_object *pod)
{
    const char *node;
    sched_pod p;
    if (pod_bound(pod, &node)) {
        _cleanup_free_ char *key = sched_pod_key(pod);
        sched_queue_delete(s->queue, key);
        if (sched_pod_is_active(pod)) {
            sched_pod_parse(pod, &p);
            if (sched_cache_add_pod(s->cache, &p, node)) /* placed by someone else */
                sched_queue_move_affinity(s->queue);
            sched_pod_clear(&p);
        } else if (sched_cache_remove_pod(s->cache, key)) {
            sched_queue_move_all(s->queue); /* a finished pod frees room */
        }
        return;
    }
    if (!sched_pod_wants_scheduling(pod)) {
        _cleanup_free_ char *key = sched_pod_key(pod);
        sched_queue_delete(s->queue, key);
        return;
    }
    /* Our own status patch (PodScheduled=False) comes back as an update:
     * only a change of spec or labels is worth another attempt. */
    if (old && sched_pod_wants_scheduling(old) &&
        json_object_equal(mk_json_path(old, "spec"), mk_json_path(pod, "spec")) &&
        json_object_equal(mk_json_path(old, "metadata.labels"),
                          mk_json_path(pod, "metadata.labels")))
        return;
    sched_pod_parse(pod, &p);
    /* A nomination made before a restart still holds the room. */
    const char *nominated = mk_json_str(pod, "status.nominatedNodeName");
    if (!old && nominated && *nominated)
        sched_cache_nominate(s->cache, &p, nominated);
    if (!sched_cache_has_pod(s->cache, p.key)) /* assumed: binding on its way */
        sched_queue_add(s->queue, &p);
    sched_pod_clear(&p);
}

static void on_pod_add(void *ctx, json_object *pod)
{
    pod_seen(ctx, NULL, pod);
}

static void on_pod_update(void *ctx, json_object *old, json_object *pod)
{
    pod_seen(ctx, old, pod);
}

static void on_pod_delete(void *ctx, json_object *pod)
{
    sched *s = ctx;
    _cleanup_free_ char *key = sched_pod_key(pod);
    sched_queue_delete(s->queue, key);
    if (sched_cache_remove_pod(s->cache, key))
        sched_queue_move_all(s->queue);
}

static void on_node_add(void *ctx, json_object *node)
{
    sched *s = ctx;
    if (sched_cache_set_node(s->cache, node))
        sched_queue_move_all(s->queue);
}

static void on_node_update(void *ctx, json_object *old, json_object *node)
{
    on_node_add(ctx, node);
}

static void on_node_delete(void *ctx, json_object *node)
{
    sched *s = ctx;
    const char *name = mk_json_str(node, "metadata.name");
    if (name)
        sched_cache_remove_node(s->cache, name);
}

static void on_ns_add(void *ctx, json_object *ns)
{
    sched *s = ctx;
    sched_cache_set_namespace(s->cache, ns);
    sched_queue_move_affinity(s->queue); /* a namespaceSelector may match now */
}

static void on_ns_update(void *ctx, json_object *old, json_object *ns)
{
    on_ns_add(ctx, ns);
}

static void on_ns_delete(void *ctx, json_object *ns)
{
    sched *s = ctx;
    const char *name = mk_json_str(ns, "metadata.name");
    if (name)
        sched_cache_remove_namespace(s->cache, name);
}

/* Any claim, PV or class event may let a pod waiting on one fit. */
static void on_vol_add(void *ctx, json_object *obj)
{
    sched *s = ctx;
    (void)obj;
    sched_queue_move_volumes(s->queue);
}

static void on_vol_update(void *ctx, json_object *old, json_object *obj)
{
    (void)old;
    on_vol_add(ctx, obj);
}

static void on_pdb_add(void *ctx, json_object *pdb)
{
    sched_cache_set_pdb(((sched *)ctx)->cache, pdb);
}

static void on_pdb_update(void *ctx, json_object *old, json_object *pdb)
{
    (void)old;
    on_pdb_add(ctx, pdb);
}

static void on_pdb_delete(void *ctx, json_object *pdb)
{
    sched_cache_remove_pdb(((sched *)ctx)->cache, pdb);
}

static void on_connection(void *ctx, bool connected, const char *why)
{
    if (!connected)
        mk_log("watch lost: %s (retrying)", why ? why : "?");
}

static json_object *vol_lookup(void *ctx, const char *kind, const char *ns, const char *name)
{
    sched *s = ctx;
    mk_informer *inf = strcmp(kind, "PersistentVolumeClaim") == 0 ? s->claims
                       : strcmp(kind, "PersistentVolume") == 0    ? s->volumes
                                                                  : s->classes;
    return inf ? informer_get(inf, ns, name) : NULL;
}

typedef struct claim_user {
    sched *s;
    const sched_pod *p;
    const char *claim;
    bool found;
} claim_user;

/* A pod of the same namespace, placed or assumed, not finished, with a
 * volume of the claim. */
static int find_user(void *ctx, json_object *pod)
{
    claim_user *u = ctx;
    const char *ns = mk_json_str(pod, "metadata.namespace");
    const char *name = mk_json_str(pod, "metadata.name");
    if (!ns || !name || strcmp(ns, u->p->ns) != 0 || strcmp(name, u->p->name) == 0)
        return 0;
    json_object *vols = mk_json_path(pod, "spec.volumes");
    bool uses = false;
    for (size_t i = 0; vols && i < json_object_array_length(vols) && !uses; i++) {
        const char *c =
            mk_json_str(json_object_array_get_idx(vols, i), "persistentVolumeClaim.claimName");
        uses = c && strcmp(c, u->claim) == 0;
    }
    if (!uses || !sched_pod_is_active(pod))
        return 0;
    const char *node = mk_json_str(pod, "spec.nodeName");
    if (node && *node) {
        u->found = true;
    } else {
        _cleanup_free_ char *key = xasprintf("%s/%s", ns, name);
        u->found = sched_cache_has_pod(u->s->cache, key);
    }
    return u->found;
}

/* Only for claims with ReadWriteOncePod: a walk over every pod. */
static bool claim_in_use(void *ctx, const sched_pod *p, const char *claim)
{
    claim_user u = {ctx, p, claim, false};
    informer_foreach(((sched *)ctx)->pods, find_user, &u);
    return u.found;
}

/* The volume step, for pods with claims only: 0 with p's node rules set,
 * or -1 and *why (kube-scheduler's PreFilter failure). */
static int volume_step(sched *s, sched_pod *p, char **why)
{
    mk_informer *infs[] = {s->claims, s->volumes, s->classes};
    for (size_t i = 0; i < ARRAY_SIZE(infs); i++)
        while (infs[i] && !informer_wait_synced(infs[i], 200))
            if (*s->stop)
                break;
    sched_vol_plan plan;
    sched_volumes_plan(p, vol_lookup, claim_in_use, s, &plan);
    int rc = 0;
    if (plan.why) {
        *why = xasprintf("0/%zu nodes are available: %s.", sched_cache_node_count(s->cache),
                         plan.why);
        rc = -1;
    } else {
        sched_vol_plan_apply(&plan, p);
    }
    sched_vol_plan_clear(&plan);
    return rc;
}

/* No node fits p: make room by preemption if it may, else say why. */
static void unschedulable(sched *s, const sched_pod *p, const char *why)
{
    _cleanup_free_ char *node = NULL;
    sched_victims v;
    sched_queue_unschedulable(s->queue, p->key);
    if (sched_cache_preempt(s->cache, p, &node, &v) == 0) {
        mk_log("pod %s: preempting %zu pod(s) on %s", p->key, v.n, node);
        binder_preempt(s->binder, p, node, &v, why);
    } else {
        binder_unschedulable(s->binder, p, why);
    }
}

/* The decision loop: one pod at a time, no network. */
static void *decide_loop(void *arg)
{
    sched *s = arg;
    /* Decide only on a full picture: the bound pods are the accounting,
     * and the budgets say whom preemption may take. */
    while (!informer_wait_synced(s->nodes, 200) || !informer_wait_synced(s->pods, 200) ||
           !informer_wait_synced(s->namespaces, 200) || !informer_wait_synced(s->pdbs, 200))
        if (*s->stop)
            return NULL;
    mk_log("caches synced: %zu nodes", sched_cache_node_count(s->cache));
    sched_pod p;
    while (sched_queue_pop(s->queue, &p)) {
        _cleanup_free_ char *node = NULL, *why = NULL;
        if (sched_cache_has_pod(s->cache, p.key)) {
            sched_queue_done(s->queue, p.key);
        } else if (p.nclaims && volume_step(s, &p, &why) < 0) {
            sched_queue_unschedulable(s->queue, p.key);
            binder_unschedulable(s->binder, &p, why);
        } else if (sched_cache_schedule(s->cache, &p, &node, &why) == 0) {
            sched_queue_done(s->queue, p.key);
            binder_bind(s->binder, &p, node);
            sched_queue_move_affinity(s->queue); /* its group may follow it */
        } else {
            unschedulable(s, &p, why);
        }
        sched_pod_clear(&p);
    }
    return NULL;
}

/* A binding failed for a reason worth another try. */
static void bind_failed(void *ctx, const sched_pod *p)
{
    sched *s = ctx;
    sched_cache_forget(s->cache, p->key);
    sched_queue_add_backoff(s->queue, p);
}

/* A binding failed for good (pod gone, or bound by someone else). */
static void bind_dropped(void *ctx, const sched_pod *p)
{
    sched *s = ctx;
    sched_cache_forget(s->cache, p->key);
}

/* Claims, PVs and classes: watched from the start so that a pod with
 * claims finds them cached, but consulted only for such pods; and the
 * disruption budgets, consulted only when preempting. */
static void start_side_informers(sched *s)
{
    static const mk_informer_handlers h = {.on_add = on_vol_add,
                                           .on_update = on_vol_update,
                                           .on_delete = on_vol_add,
                                           .on_connection = on_connection};
    const mk_kind *k;
    if ((k = kind_by_kind("PersistentVolumeClaim")))
        s->claims = informer_new(s->client, k, NULL, NULL, NULL, &h, s);
    if ((k = kind_by_kind("PersistentVolume")))
        s->volumes = informer_new(s->client, k, NULL, NULL, NULL, &h, s);
    if ((k = kind_by_kind("StorageClass")))
        s->classes = informer_new(s->client, k, NULL, NULL, NULL, &h, s);
    static const mk_informer_handlers ph = {.on_add = on_pdb_add,
                                            .on_update = on_pdb_update,
                                            .on_delete = on_pdb_delete,
                                            .on_connection = on_connection};
    s->pdbs =
        informer_new(s->client, kind_by_kind("PodDisruptionBudget"), NULL, NULL, NULL, &ph, s);
}

int scheduler_run(mk_client *c, const scheduler_opts *o, volatile bool *stop, mk_err *err)
{
    sched s = {.client = c, .stop = stop};
    s.cache = sched_cache_new();
    s.queue = sched_queue_new(o->backoff_initial_ms ? o->backoff_initial_ms : 1000,
                              o->backoff_max_ms ? o->backoff_max_ms : 10000,
                              o->flush_ms ? o->flush_ms : 30000);
    binder_callbacks cb = {.failed = bind_failed, .dropped = bind_dropped, .ctx = &s};
    s.binder = binder_new(c, o->workers ? o->workers : 32, &cb);
    mk_recorder *rec = o->no_events ? NULL : recorder_new(c, "default-scheduler", NULL);
    binder_set_recorder(s.binder, rec);

    mk_informer_handlers ph = {.on_add = on_pod_add,
                               .on_update = on_pod_update,
                               .on_delete = on_pod_delete,
                               .on_connection = on_connection};
    mk_informer_handlers nh = {.on_add = on_node_add,
                               .on_update = on_node_update,
                               .on_delete = on_node_delete,
                               .on_connection = on_connection};
    s.nodes = informer_new(c, kind_by_kind("Node"), NULL, NULL, NULL, &nh, &s);
    mk_informer_handlers sh = {.on_add = on_ns_add,
                               .on_update = on_ns_update,
                               .on_delete = on_ns_delete,
                               .on_connection = on_connection};
    s.pods = informer_new(c, kind_by_kind("Pod"), NULL, NULL, NULL, &ph, &s);
    s.namespaces = informer_new(c, kind_by_kind("Namespace"), NULL, NULL, NULL, &sh, &s);
    binder_set_pods(s.binder, s.pods);
    start_side_informers(&s);
    int rc = informer_start(s.nodes, err);
    if (rc == 0)
        rc = informer_start(s.pods, err);
    if (rc == 0)
        rc = informer_start(s.namespaces, err);
    mk_informer *vinfs[] = {s.claims, s.volumes, s.classes, s.pdbs};
    for (size_t i = 0; i < ARRAY_SIZE(vinfs) && rc == 0; i++)
        if (vinfs[i])
            rc = informer_start(vinfs[i], err);
    pthread_t decider;
    bool deciding = false;
    if (rc == 0) {
        if (pthread_create(&decider, NULL, decide_loop, &s) != 0)
            rc = mk_error(err, EAGAIN, "cannot start the decision thread");
        else
            deciding = true;
    }
    if (rc == 0) {
        mk_log("scheduling (%d binding workers)", o->workers ? o->workers : 32);
        while (!*stop)
            usleep(100 * 1000);
    }
    sched_queue_stop(s.queue);
    if (deciding)
        pthread_join(decider, NULL);
    binder_free(s.binder);
    recorder_free(rec);
    informer_free(s.pods);
    informer_free(s.nodes);
    informer_free(s.namespaces);
    informer_free(s.claims);
    informer_free(s.volumes);
    informer_free(s.classes);
    informer_free(s.pdbs);
    sched_queue_free(s.queue);
    sched_cache_free(s.cache);
    return rc;
}
