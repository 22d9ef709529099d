/* nodelifecycle.c - the node lifecycle controller, as Kubernetes':
 *
 *  - a node whose kubelet stops posting status (its Ready condition's
 *    lastHeartbeatTime unchanged for --node-monitor-grace-period) gets all
 *    its conditions set to Unknown (reason NodeStatusUnknown) and the taints
 *    node.kubernetes.io/unreachable NoSchedule and NoExecute;
 *  - the pods of an unreachable node are marked Ready=False at once;
 *  - a node that stays not ready for --pod-eviction-timeout has its pods
 *    deleted (evicted), one log line each;
 *  - when the kubelet posts Ready=True again, the taints go.
 *
 * Heartbeat age is measured on this controller's clock, from the moment it
 * saw the heartbeat change (as kube-controller-manager's probeTimestamp),
 * so clock skew between nodes and controller does not matter, and a
 * restarted controller gives every node a full grace period.
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <uthash.h>

#include "controllers/controllers.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/util.h"

#define TAINT_UNREACHABLE "node.kubernetes.io/unreachable"
#define TAINT_NOT_READY   "node.kubernetes.io/not-ready"

typedef struct node_health {
    char *name;
    char *heartbeat;      /* the Ready condition's lastHeartbeatTime last seen */
    int64_t probe_ns;     /* when we saw it change (monotonic) */
    int64_t not_ready_ns; /* since when we see it not ready; 0 if ready */
    bool seen;            /* still in the cache at this pass */
    UT_hash_handle hh;
} node_health;

typedef struct lifecycle {
    manager *m;
    mk_informer *nodes, *pods;
    node_health *health; /* only the monitor thread touches it */
    int64_t grace_ns, eviction_ns, period_ns;
    pthread_t thread;
    bool running;
} lifecycle;

/* What one pass needs of a node, copied out under the cache's lock. */
typedef struct node_view {
    char *name;
    char *ready;     /* "True", "False", "Unknown" or NULL (no condition) */
    char *heartbeat; /* may be NULL */
    bool tainted;    /* carries one of our taints */
} node_view;

typedef struct views {
    node_view *v;
    size_t n;
} views;

/* obj's status.conditions (*conds, NULL if none) and how many there are. */
static size_t conditions_of(json_object *obj, json_object **conds)
{
    *conds = mk_json_path(obj, "status.conditions");
    return *conds && json_object_is_type(*conds, json_type_array)
               ? json_object_array_length(*conds)
               : 0;
}

static bool our_taint(json_object *t)
{
    const char *key = mk_json_str(t, "key");
    return key && (strcmp(key, TAINT_UNREACHABLE) == 0 || strcmp(key, TAINT_NOT_READY) == 0);
}

static bool has_our_taint(json_object *node)
{
    json_object *taints = mk_json_path(node, "spec.taints");
    size_t n = mk_json_array_len(taints);
    for (size_t i = 0; i < n; i++)
        if (our_taint(json_object_array_get_idx(taints, i)))
            return true;
    return false;
}

static int collect(void *ctx, json_object *node)
{
    views *vs = ctx;
    json_object *ready = mk_condition(node, "Ready");
    const char *status = ready ? mk_json_str(ready, "status") : NULL;
    const char *hb = ready ? mk_json_str(ready, "lastHeartbeatTime") : NULL;
    vs->v = xrealloc(vs->v, (vs->n + 1) * sizeof(*vs->v));
    vs->v[vs->n++] = (node_view){xstrdup(mk_json_str(node, "metadata.name") ?: ""),
                                 status ? xstrdup(status) : NULL, hb ? xstrdup(hb) : NULL,
                                 has_our_taint(node)};
    return 0;
}

static void now_rfc3339(char *buf, size_t n)
{
    mk_rfc3339(buf, n, mk_wall_ms() / 1000);
}

static void set_condition(json_object *c, const char *status, const char *reason,
                          const char *message)
{
    json_object_object_add(c, "status", json_object_new_string(status));
    json_object_object_add(c, "reason", json_object_new_string(reason));
    json_object_object_add(c, "message", json_object_new_string(message));
}

/* A merge patch replacing status.conditions with arr (taken). */
static char *conditions_patch(json_object *arr)
{
    json_object *patch = json_object_new_object();
    json_object_object_add(mk_json_ensure(patch, "status"), "conditions", arr);
    char *s = xstrdup(json_object_to_json_string_ext(patch, JSON_C_TO_STRING_PLAIN));
    json_object_put(patch);
    return s;
}

/* Every condition to Unknown, as the node controller does when the
 * kubelet falls silent; heartbeats stay what the kubelet last wrote. */
static char *unknown_patch(json_object *node)
{
    char now[32];
    now_rfc3339(now, sizeof(now));
    json_object *arr = json_object_new_array();
    json_object *conds;
    size_t n = conditions_of(node, &conds);
    bool had_ready = false;
    for (size_t i = 0; i < n; i++) {
        json_object *c = NULL;
        json_object_deep_copy(json_object_array_get_idx(conds, i), &c, NULL);
        const char *type = mk_json_str(c, "type");
        had_ready = had_ready || (type && strcmp(type, "Ready") == 0);
        const char *st = mk_json_str(c, "status");
        if (!st || strcmp(st, "Unknown") != 0)
            json_object_object_add(c, "lastTransitionTime", json_object_new_string(now));
        set_condition(c, "Unknown", "NodeStatusUnknown",
                      "Kubelet stopped posting node status.");
        json_object_array_add(arr, c);
    }
    if (!had_ready) {
        json_object *c = json_object_new_object();
        json_object_object_add(c, "type", json_object_new_string("Ready"));
        set_condition(c, "Unknown", "NodeStatusNeverUpdated",
                      "Kubelet never posted node status.");
        json_object_object_add(c, "lastHeartbeatTime", NULL);
        json_object_object_add(c, "lastTransitionTime", json_object_new_string(now));
        json_object_array_add(arr, c);
    }
    return conditions_patch(arr);
}

static json_object *taint(const char *key, const char *effect, const char *now)
{
    json_object *t = json_object_new_object();
    json_object_object_add(t, "key", json_object_new_string(key));
    json_object_object_add(t, "effect", json_object_new_string(effect));
    if (now)
        json_object_object_add(t, "timeAdded", json_object_new_string(now));
    return t;
}

/* The node's taints less ours, plus key's (NoSchedule and NoExecute) if
 * key is not NULL. A merge patch replaces the array, so it is all there. */
static char *taints_patch(json_object *node, const char *key)
{
    char now[32];
    now_rfc3339(now, sizeof(now));
    json_object *arr = json_object_new_array();
    json_object *taints = mk_json_path(node, "spec.taints");
    size_t n = mk_json_array_len(taints);
    for (size_t i = 0; i < n; i++) {
        json_object *t = json_object_array_get_idx(taints, i);
        if (!our_taint(t))
            json_object_array_add(arr, json_object_get(t));
    }
    if (key) {
        json_object_array_add(arr, taint(key, "NoSchedule", NULL));
        json_object_array_add(arr, taint(key, "NoExecute", now));
    }
    json_object *patch = json_object_new_object();
    json_object_object_add(mk_json_ensure(patch, "spec"), "taints", arr);
    char *s = xstrdup(json_object_to_json_string_ext(patch, JSON_C_TO_STRING_PLAIN));
    json_object_put(patch);
    return s;
}

static int send_patch(lifecycle *lc, const char *name, const char *sub, const char *patch)
{
    mk_err err = {0};
    if (client_patch(manager_client(lc->m), kind_by_kind("Node"), NULL, name, sub, patch, NULL,
                     &err) < 0) {
        if (err.code != ENOENT)
            mk_log("nodelifecycle: node %s: %s", name, err.msg);
        return -1;
    }
    return 0;
}

static int mark_unknown(lifecycle *lc, const char *name)
{
    json_object *node = informer_get(lc->nodes, NULL, name);
    if (!node)
        return -1;
    _cleanup_free_ char *patch = unknown_patch(node);
    json_object_put(node);
    return send_patch(lc, name, "status", patch);
}

/* key NULL: remove our taints. */
static int set_taints(lifecycle *lc, const char *name, const char *key)
{
    json_object *node = informer_get(lc->nodes, NULL, name);
    if (!node)
        return -1;
    _cleanup_free_ char *patch = taints_patch(node, key);
    json_object_put(node);
    return send_patch(lc, name, NULL, patch);
}

/* Does the node carry the right taint set for its readiness? Checked on
 * the cached object, so a pass costs no request when nothing changes. */
static bool has_taint(lifecycle *lc, const char *name, const char *key)
{
    json_object *node = informer_get(lc->nodes, NULL, name);
    if (!node)
        return true;
    json_object *taints = mk_json_path(node, "spec.taints");
    size_t n = mk_json_array_len(taints);
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *t = json_object_array_get_idx(taints, i);
        const char *k = mk_json_str(t, "key");
        found += k && strcmp(k, key) == 0;
    }
    json_object_put(node);
    return found >= 2;
}

typedef struct evict_ctx {
    const char *node;
    char **pods; /* "ns/name" */
    size_t n;
} evict_ctx;

static int pods_on_node(void *ctx, json_object *pod)
{
    evict_ctx *e = ctx;
    const char *node = mk_json_str(pod, "spec.nodeName");
    if (!node || strcmp(node, e->node) != 0 || mk_json_path(pod, "metadata.deletionTimestamp"))
        return 0;
    e->pods = xrealloc(e->pods, (e->n + 1) * sizeof(*e->pods));
    e->pods[e->n++] = xasprintf("%s/%s", mk_json_str(pod, "metadata.namespace") ?: "default",
                                mk_json_str(pod, "metadata.name") ?: "");
    return 0;
}

/* Pods on node still reporting Ready=True: "ns/name" into e->pods. */
static int ready_pods_on_node(void *ctx, json_object *pod)
{
    evict_ctx *e = ctx;
    const char *node = mk_json_str(pod, "spec.nodeName");
    if (!node || strcmp(node, e->node) != 0)
        return 0;
    json_object *ready = mk_condition(pod, "Ready");
    const char *st = ready ? mk_json_str(ready, "status") : NULL;
    if (!st || strcmp(st, "True") != 0)
        return 0;
    e->pods = xrealloc(e->pods, (e->n + 1) * sizeof(*e->pods));
    e->pods[e->n++] = xasprintf("%s/%s", mk_json_str(pod, "metadata.namespace") ?: "default",
                                mk_json_str(pod, "metadata.name") ?: "");
    return 0;
}

/* The pod's conditions with Ready set False, whole (a merge patch
 * replaces the array). */
static char *pod_not_ready_patch(json_object *pod)
{
    char now[32];
    now_rfc3339(now, sizeof(now));
    json_object *arr = json_object_new_array();
    json_object *conds;
    size_t n = conditions_of(pod, &conds);
    for (size_t i = 0; i < n; i++) {
        json_object *c = NULL;
        json_object_deep_copy(json_object_array_get_idx(conds, i), &c, NULL);
        const char *type = mk_json_str(c, "type");
        if (type && strcmp(type, "Ready") == 0) {
            set_condition(c, "False", "NodeNotReady", "Node is not ready");
            json_object_object_add(c, "lastTransitionTime", json_object_new_string(now));
        }
        json_object_array_add(arr, c);
    }
    return conditions_patch(arr);
}

/* As Kubernetes' MarkPodsNotReady: the pods of a node that is not ready
 * stop counting as ready (Services, ReplicaSet status) long before they
 * are evicted. */
static void mark_pods_not_ready(lifecycle *lc, const char *node)
{
    evict_ctx e = {.node = node};
    informer_foreach(lc->pods, ready_pods_on_node, &e);
    for (size_t i = 0; i < e.n; i++) {
        char *slash = strchr(e.pods[i], '/');
        *slash = '\0';
        json_object *pod = informer_get(lc->pods, e.pods[i], slash + 1);
        if (pod) {
            _cleanup_free_ char *patch = pod_not_ready_patch(pod);
            json_object_put(pod);
            mk_err err = {0};
            if (client_patch(manager_client(lc->m), kind_by_kind("Pod"), e.pods[i], slash + 1,
                             "status", patch, NULL, &err) == 0)
                mk_log("nodelifecycle: node %s not ready: pod %s/%s marked not ready", node,
                       e.pods[i], slash + 1);
            else if (err.code != ENOENT)
                mk_log("nodelifecycle: pod %s/%s: %s", e.pods[i], slash + 1, err.msg);
        }
        free(e.pods[i]);
    }
    free(e.pods);
}

static void evict_pods(lifecycle *lc, const char *node)
{
    evict_ctx e = {.node = node};
    informer_foreach(lc->pods, pods_on_node, &e);
    for (size_t i = 0; i < e.n; i++) {
        char *slash = strchr(e.pods[i], '/');
        *slash = '\0';
        mk_err err = {0};
        if (client_delete(manager_client(lc->m), kind_by_kind("Pod"), e.pods[i], slash + 1,
                          NULL, &err) == 0) {
            mk_log("nodelifecycle: node %s not ready: evicted pod %s/%s", node, e.pods[i],
                   slash + 1);
            mk_obj_ref ref = {"Pod", "v1", e.pods[i], slash + 1, NULL};
            recorder_event(manager_recorder(lc->m), &ref, "Normal", "TaintManagerEviction",
                           "Deleting pod %s/%s: node %s is not ready", e.pods[i], slash + 1,
                           node);
        } else if (err.code != ENOENT)
            mk_log("nodelifecycle: node %s: cannot evict pod %s/%s: %s", node, e.pods[i],
                   slash + 1, err.msg);
        free(e.pods[i]);
    }
    free(e.pods);
}

static node_health *health_of(lifecycle *lc, const node_view *v, int64_t now)
{
    node_health *h;
    HASH_FIND_STR(lc->health, v->name, h);
    if (!h) {
        h = xcalloc(1, sizeof(*h));
        h->name = xstrdup(v->name);
        h->probe_ns = now;
        h->heartbeat = v->heartbeat ? xstrdup(v->heartbeat) : NULL;
        HASH_ADD_KEYPTR(hh, lc->health, h->name, strlen(h->name), h);
    } else if ((v->heartbeat == NULL) != (h->heartbeat == NULL) ||
               (v->heartbeat && strcmp(v->heartbeat, h->heartbeat) != 0)) {
        free(h->heartbeat);
        h->heartbeat = v->heartbeat ? xstrdup(v->heartbeat) : NULL;
        h->probe_ns = now;
    }
    h->seen = true;
    return h;
}

static void check_node(lifecycle *lc, const node_view *v, int64_t now)
{
    node_health *h = health_of(lc, v, now);
    bool ready = v->ready && strcmp(v->ready, "True") == 0;
    bool unknown = !v->ready || strcmp(v->ready, "Unknown") == 0;
    if (now - h->probe_ns > lc->grace_ns && (!v->ready || strcmp(v->ready, "Unknown") != 0)) {
        if (mark_unknown(lc, v->name) == 0) {
            mk_log("nodelifecycle: node %s: Kubelet stopped posting node status; Ready=Unknown",
                   v->name);
            mk_obj_ref ref = {"Node", "v1", NULL, v->name, NULL};
            recorder_event(manager_recorder(lc->m), &ref, "Normal", "NodeNotReady",
                           "Node %s status is now: NodeNotReady", v->name);
            ready = false;
            unknown = true;
        }
    }
    if (ready) {
        if (h->not_ready_ns)
            mk_log("nodelifecycle: node %s is Ready again", v->name);
        h->not_ready_ns = 0;
        if (v->tainted && set_taints(lc, v->name, NULL) == 0)
            mk_log("nodelifecycle: node %s: taints %s, %s removed", v->name, TAINT_UNREACHABLE,
                   TAINT_NOT_READY);
        return;
    }
    /* Not ready: a node that never reported gets its grace period first. */
    if (!v->ready && now - h->probe_ns <= lc->grace_ns)
        return;
    if (!h->not_ready_ns)
        h->not_ready_ns = now;
    const char *key = unknown ? TAINT_UNREACHABLE : TAINT_NOT_READY;
    const char *other = unknown ? TAINT_NOT_READY : TAINT_UNREACHABLE;
    if ((!has_taint(lc, v->name, key) || has_taint(lc, v->name, other)) &&
        set_taints(lc, v->name, key) == 0)
        mk_log("nodelifecycle: node %s: tainted %s", v->name, key);
    if (now - h->not_ready_ns > lc->eviction_ns)
        evict_pods(lc, v->name);
    else if (unknown)
        mark_pods_not_ready(lc, v->name);
}

static void monitor_pass(lifecycle *lc)
{
    views vs = {0};
    informer_foreach(lc->nodes, collect, &vs);
    int64_t now = mk_now_ns();
    for (size_t i = 0; i < vs.n; i++) {
        check_node(lc, &vs.v[i], now);
        free(vs.v[i].name);
        free(vs.v[i].ready);
        free(vs.v[i].heartbeat);
    }
    free(vs.v);
    /* forget nodes that are gone */
    node_health *h, *tmp;
    HASH_ITER(hh, lc->health, h, tmp)
    {
        if (!h->seen) {
            HASH_DEL(lc->health, h);
            free(h->name);
            free(h->heartbeat);
            free(h);
        } else {
            h->seen = false;
        }
    }
}

static void *monitor(void *arg)
{
    lifecycle *lc = arg;
    if (!manager_wait_synced(lc->m))
        return NULL;
    while (!manager_is_stopping(lc->m)) {
        int64_t next = mk_now_ns() + lc->period_ns;
        monitor_pass(lc);
        while (!manager_is_stopping(lc->m) && mk_now_ns() < next)
            usleep(50 * 1000);
    }
    return NULL;
}

static int nodelifecycle_start(manager *m, void **state, mk_err *err)
{
    const manager_config *cfg = manager_cfg(m);
    if (cfg->node_monitor_grace_s <= 0 || cfg->pod_eviction_timeout_s < 0)
        return mk_error(err, EINVAL,
                        "--node-monitor-grace-period must be > 0 and "
                        "--pod-eviction-timeout >= 0");
    lifecycle *lc = xcalloc(1, sizeof(*lc));
    lc->m = m;
    lc->grace_ns = (int64_t)cfg->node_monitor_grace_s * 1000000000;
    lc->eviction_ns = (int64_t)cfg->pod_eviction_timeout_s * 1000000000;
    /* Kubernetes looks every 5 s; short test grace periods need finer. */
    lc->period_ns = lc->grace_ns / 4;
    if (lc->period_ns > 5000000000LL)
        lc->period_ns = 5000000000LL;
    if (lc->period_ns < 100000000)
        lc->period_ns = 100000000;
    lc->nodes = manager_informer(m, kind_by_kind("Node"), NULL, NULL);
    lc->pods = manager_informer(m, kind_by_kind("Pod"), NULL, NULL);
    if (pthread_create(&lc->thread, NULL, monitor, lc) != 0) {
        free(lc);
        return mk_error(err, EAGAIN, "cannot start a thread");
    }
    lc->running = true;
    *state = lc;
    return 0;
}

static void nodelifecycle_stop(void *state)
{
    lifecycle *lc = state;
    if (lc->running)
        pthread_join(lc->thread, NULL);
    node_health *h, *tmp;
    HASH_ITER(hh, lc->health, h, tmp)
    {
        HASH_DEL(lc->health, h);
        free(h->name);
        free(h->heartbeat);
        free(h);
    }
    free(lc);
}

const mk_controller nodelifecycle_controller = {
    .name = "nodelifecycle",
    .start = nodelifecycle_start,
    .stop = nodelifecycle_stop,
};
