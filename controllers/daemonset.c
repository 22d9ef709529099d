/* daemonset.c - the DaemonSet controller: one pod on every node that fits.
 *
 * As Kubernetes' since 1.12: the controller creates one pod per eligible
 * node (its labels match the template's nodeSelector), pinned there by a
 * required node affinity on metadata.name, and the scheduler binds it.
 * Pods on nodes no longer eligible, extra pods on a node and failed pods
 * are deleted. A template change rolls node by node (RollingUpdate,
 * maxUnavailable 1 by default; OnDelete waits for the pods to be deleted).
 * Pods carry controller-revision-hash (the template's hash); status counts
 * desired, current, ready, up-to-date, available and misscheduled nodes.
 */
#include <stdio.h>
#include <string.h>

#include "controllers/controllers.h"
#include "controllers/deployment.h"
#include "controllers/objkey.h"
#include "controllers/replicaset.h"
#include "controllers/workqueue.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/util.h"

#define DS_RETRY_MS 2000
#define HASH_LABEL  "controller-revision-hash"

typedef struct dsctl {
    manager *m;
    objkey_loop loop;
    mk_informer *dss, *nodes, *pods;
} dsctl;

/* A daemon pod, as the sync needs it. */
typedef struct dpod {
    char *name, *node, *hash;
    bool ready, failed;
} dpod;

typedef struct ds_scan {
    json_object *ds;
    const char *uid;
    char **nodes; /* eligible, from the node cache */
    size_t nnodes;
    dpod *pods;
    size_t npods;
} ds_scan;

static bool labels_match(json_object *selector, json_object *labels)
{
    if (!json_object_is_type(selector, json_type_object))
        return true;
    json_object_object_foreach(selector, k, v)
    {
        json_object *have = NULL;
        if (!json_object_object_get_ex(labels, k, &have) ||
            strcmp(json_object_get_string(have), json_object_get_string(v)) != 0)
            return false;
    }
    return true;
}

static int scan_node(void *ctx, json_object *node)
{
    ds_scan *s = ctx;
    if (!labels_match(mk_json_path(s->ds, "spec.template.spec.nodeSelector"),
                      mk_json_path(node, "metadata.labels")))
        return 0;
    s->nodes = xrealloc(s->nodes, (s->nnodes + 1) * sizeof *s->nodes);
    s->nodes[s->nnodes++] = xstrdup(mk_json_str(node, "metadata.name") ?: "");
    return 0;
}

/* The node a daemon pod is for: where it is bound, else its affinity's. */
static const char *pod_node(json_object *pod)
{
    const char *bound = mk_json_str(pod, "spec.nodeName");
    if (bound && *bound)
        return bound;
    json_object *terms = mk_json_path(pod, "spec.affinity.nodeAffinity."
                                           "requiredDuringSchedulingIgnoredDuringExecution."
                                           "nodeSelectorTerms");
    json_object *t = terms ? json_object_array_get_idx(terms, 0) : NULL;
    json_object *f = mk_json_path(t, "matchFields");
    json_object *values = mk_json_path(f ? json_object_array_get_idx(f, 0) : NULL, "values");
    return values ? json_object_get_string(json_object_array_get_idx(values, 0)) : NULL;
}

static int scan_pod(void *ctx, json_object *pod)
{
    ds_scan *s = ctx;
    json_object *ref = replicaset_controller_ref(pod);
    const char *uid = mk_json_str(ref, "uid");
    if (!uid || strcmp(uid, s->uid) != 0 || mk_json_str(pod, "metadata.deletionTimestamp"))
        return 0;
    const char *phase = mk_json_str(pod, "status.phase") ?: "";
    s->pods = xrealloc(s->pods, (s->npods + 1) * sizeof *s->pods);
    json_object *labels = mk_json_path(pod, "metadata.labels"), *h = NULL;
    json_object_object_get_ex(labels, HASH_LABEL, &h);
    s->pods[s->npods++] =
        (dpod){xstrdup(mk_json_str(pod, "metadata.name") ?: ""), xstrdup(pod_node(pod) ?: ""),
               xstrdup(h ? json_object_get_string(h) : ""), replicaset_pod_ready(pod),
               strcmp(phase, "Failed") == 0};
    return 0;
}

static void scan_free(ds_scan *s)
{
    for (size_t i = 0; i < s->nnodes; i++)
        free(s->nodes[i]);
    for (size_t i = 0; i < s->npods; i++) {
        free(s->pods[i].name);
        free(s->pods[i].node);
        free(s->pods[i].hash);
    }
    free(s->nodes);
    free(s->pods);
}

/* A toleration every daemon pod gets, as Kubernetes adds them. */
static void tolerate(json_object *tols, const char *key, const char *effect)
{
    json_object *t = json_object_new_object();
    json_object_object_add(t, "key", json_object_new_string(key));
    json_object_object_add(t, "operator", json_object_new_string("Exists"));
    json_object_object_add(t, "effect", json_object_new_string(effect));
    json_object_array_add(tols, t);
}

static json_object *daemon_pod(json_object *ds, const char *node, const char *hash)
{
    json_object *pod = replicaset_pod_from_template(ds, "apps/v1", "DaemonSet");
    mk_json_set_str(pod, "metadata.labels." HASH_LABEL, hash);
    _cleanup_free_ char *aff =
        xasprintf("{\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":{"
                  "\"nodeSelectorTerms\":[{\"matchFields\":[{\"key\":\"metadata.name\","
                  "\"operator\":\"In\",\"values\":[\"%s\"]}]}]}}}",
                  node);
    json_object *spec = mk_json_ensure(pod, "spec");
    json_object_object_add(spec, "affinity", json_tokener_parse(aff));
    json_object *tols = mk_json_path(spec, "tolerations");
    if (!json_object_is_type(tols, json_type_array)) {
        tols = json_object_new_array();
        json_object_object_add(spec, "tolerations", tols);
    }
    tolerate(tols, "node.kubernetes.io/not-ready", "NoExecute");
    tolerate(tols, "node.kubernetes.io/unreachable", "NoExecute");
    tolerate(tols, "node.kubernetes.io/unschedulable", "NoSchedule");
    return pod;
}

static void create_on(dsctl *c, json_object *ds, const char *node, const char *hash)
{
    json_object *pod = daemon_pod(ds, node, hash), *out = NULL;
    mk_err err = {0};
    mk_obj_ref ref = recorder_ref(ds);
    if (client_create(manager_client(c->m), kind_by_kind("Pod"), ref.ns, pod, &out, &err) == 0)
        recorder_event(manager_recorder(c->m), &ref, "Normal", "SuccessfulCreate",
                       "Created pod: %s", mk_json_str(out, "metadata.name") ?: "");
    else
        mk_log("daemonset: %s/%s: create pod for %s: %s", ref.ns, ref.name, node, err.msg);
    json_object_put(out);
    json_object_put(pod);
}

static void delete_pod(dsctl *c, json_object *ds, const dpod *p, const char *why)
{
    mk_obj_ref ref = recorder_ref(ds);
    mk_err err = {0};
    if (client_delete(manager_client(c->m), kind_by_kind("Pod"), ref.ns, p->name, NULL, &err) ==
        0)
        recorder_event(manager_recorder(c->m), &ref, "Normal", "SuccessfulDelete",
                       "Deleted pod: %s (%s)", p->name, why);
    else if (err.code != ENOENT)
        mk_log("daemonset: %s/%s: delete pod %s: %s", ref.ns, ref.name, p->name, err.msg);
}

static bool eligible(const ds_scan *s, const char *node)
{
    for (size_t i = 0; i < s->nnodes; i++)
        if (strcmp(s->nodes[i], node) == 0)
            return true;
    return false;
}

typedef struct ds_counts {
    int desired, current, ready, updated, misscheduled;
} ds_counts;

/* One pod per eligible node: create where none is, delete the rest. */
static void place(dsctl *c, json_object *ds, ds_scan *s, const char *hash, ds_counts *n)
{
    n->desired = (int)s->nnodes;
    for (size_t i = 0; i < s->nnodes; i++) {
        const dpod *keep = NULL;
        for (size_t j = 0; j < s->npods; j++) {
            dpod *p = &s->pods[j];
            if (strcmp(p->node, s->nodes[i]) != 0 || p->failed)
                continue;
            if (!keep) {
                keep = p;
                continue;
            }
            delete_pod(c, ds, p, "one daemon pod per node");
        }
        if (!keep) {
            create_on(c, ds, s->nodes[i], hash);
            continue;
        }
        n->current++;
        n->ready += keep->ready;
        n->updated += strcmp(keep->hash, hash) == 0;
    }
    for (size_t j = 0; j < s->npods; j++) {
        dpod *p = &s->pods[j];
        if (p->failed)
            delete_pod(c, ds, p, "failed");
        else if (!eligible(s, p->node)) {
            n->misscheduled++;
            delete_pod(c, ds, p, "node no longer eligible");
        }
    }
}

/* RollingUpdate: old pods go while the unavailable stay within budget. */
static void roll(dsctl *c, json_object *ds, ds_scan *s, const char *hash, const ds_counts *n)
{
    const char *type = mk_json_str(ds, "spec.updateStrategy.type");
    if (type && strcmp(type, "OnDelete") == 0)
        return;
    int budget = deployment_intstr(mk_json_path(ds, "spec.updateStrategy.rollingUpdate."
                                                    "maxUnavailable"),
                                   n->desired, true);
    if (!mk_json_path(ds, "spec.updateStrategy.rollingUpdate.maxUnavailable"))
        budget = 1;
    budget -= n->desired - n->ready;
    for (size_t j = 0; j < s->npods && budget > 0; j++) {
        dpod *p = &s->pods[j];
        if (strcmp(p->hash, hash) != 0 && !p->failed && eligible(s, p->node)) {
            delete_pod(c, ds, p, "template changed");
            budget--;
        }
    }
}

static void write_status(dsctl *c, json_object *ds, const ds_counts *n)
{
    json_object *st = json_object_new_object();
    json_object_object_add(st, "desiredNumberScheduled", json_object_new_int(n->desired));
    json_object_object_add(st, "currentNumberScheduled", json_object_new_int(n->current));
    json_object_object_add(st, "numberMisscheduled", json_object_new_int(n->misscheduled));
    json_object_object_add(st, "numberReady", json_object_new_int(n->ready));
    json_object_object_add(st, "updatedNumberScheduled", json_object_new_int(n->updated));
    json_object_object_add(st, "numberAvailable", json_object_new_int(n->ready));
    json_object_object_add(st, "numberUnavailable", json_object_new_int(n->desired - n->ready));
    json_object_object_add(st, "observedGeneration",
                           json_object_new_int64(mk_json_int(ds, "metadata.generation", 1)));
    json_object *old = mk_json_path(ds, "status");
    if (old && json_object_equal(old, st)) {
        json_object_put(st);
        return;
    }
    json_object *patch = json_object_new_object();
    json_object_object_add(patch, "status", st);
    mk_err err = {0};
    if (client_patch(manager_client(c->m), kind_by_kind("DaemonSet"),
                     mk_json_str(ds, "metadata.namespace"), mk_json_str(ds, "metadata.name"),
                     "status", json_object_to_json_string(patch), NULL, &err) < 0 &&
        err.code != ENOENT)
        mk_log("daemonset: %s: status: %s", mk_json_str(ds, "metadata.name"), err.msg);
    json_object_put(patch);
}

static int ds_sync(void *ctx, json_object *ds, int64_t *requeue_ms, mk_err *err)
{
    (void)requeue_ms;
    (void)err;
    dsctl *c = ctx;
    if (!mk_json_str(ds, "metadata.deletionTimestamp")) {
        char hash[16];
        json_object *tmpl = deployment_template_of(ds);
        deployment_hash(tmpl, hash);
        json_object_put(tmpl);
        ds_scan s = {.ds = ds, .uid = mk_json_str(ds, "metadata.uid") ?: ""};
        informer_foreach(c->nodes, scan_node, &s);
        informer_foreach(c->pods, scan_pod, &s);
        ds_counts n = {0};
        place(c, ds, &s, hash, &n);
        roll(c, ds, &s, hash, &n);
        write_status(c, ds, &n);
        scan_free(&s);
    }
    return 0;
}

static int enqueue_each(void *ctx, json_object *ds)
{
    dsctl *c = ctx;
    objkey_enqueue(c->loop.q, ds, mk_json_str(ds, "metadata.name"));
    return 0;
}

/* A node came, went or changed labels: every DaemonSet looks again. */
static void on_node(void *ctx, json_object *node)
{
    (void)node;
    dsctl *c = ctx;
    informer_foreach(c->dss, enqueue_each, c);
}

static void on_node_update(void *ctx, json_object *old, json_object *node)
{
    if (!json_object_equal(mk_json_path(old, "metadata.labels"),
                           mk_json_path(node, "metadata.labels")))
        on_node(ctx, node);
}

static void ds_stop(void *state)
{
    dsctl *c = state;
    objkey_loop_stop(&c->loop);
    free(c);
}

static int ds_start(manager *m, void **state, mk_err *err)
{
    dsctl *c = xcalloc(1, sizeof *c);
    c->m = m;
    objkey_loop_init(&c->loop, m, "DaemonSet", DS_RETRY_MS, ds_sync, c);
    mk_informer_handlers nh = {
        .on_add = on_node, .on_update = on_node_update, .on_delete = on_node};
    c->dss = objkey_loop_watch(&c->loop);
    c->nodes = manager_informer(m, kind_by_kind("Node"), &nh, c);
    c->pods = objkey_loop_watch_owned(&c->loop, "Pod");
    int rc = objkey_loop_start(&c->loop, err);
    if (rc < 0) {
        ds_stop(c);
        return rc;
    }
    *state = c;
    return 0;
}

const mk_controller daemonset_controller = {
    .name = "daemonset",
    .start = ds_start,
    .stop = ds_stop,
};
