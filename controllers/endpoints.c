/* endpoints.c - the endpoints controller (see endpoints.h).
 *
 * Level-triggered: events only queue Service keys; a worker rebuilds the
 * whole Endpoints of a Service from the informer caches and writes it when
 * it differs from what is stored.
 */
#include "controllers/endpoints.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <string.h>
#include <uthash.h>

#include "controllers/controllers.h"
#include "controllers/workqueue.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/util.h"

#define EP_WORKERS  4
#define EP_RETRY_MS 500

/* ---- building subsets ---- */

/* Pods that resolve the Service's ports the same way share a subset;
 * the key is the resolved port list as text. */
typedef struct subset {
    char *key;
    json_object *ports;     /* [{name, port, protocol}] */
    json_object *ready;     /* addresses */
    json_object *not_ready; /* notReadyAddresses */
    UT_hash_handle hh;
} subset;

struct endpoints_builder {
    json_object *svc; /* borrowed */
    subset *subsets;
};

bool endpoints_selects(json_object *svc, json_object *labels)
{
    json_object *sel = mk_json_path(svc, "spec.selector");
    if (!sel || !json_object_is_type(sel, json_type_object) ||
        json_object_object_length(sel) == 0)
        return false;
    json_object_object_foreach(sel, k, v)
    {
        json_object *have;
        if (!labels || !json_object_object_get_ex(labels, k, &have) ||
            strcmp(json_object_get_string(have), json_object_get_string(v)) != 0)
            return false;
    }
    return true;
}

endpoints_builder *endpoints_builder_new(json_object *svc)
{
    endpoints_builder *b = xcalloc(1, sizeof(*b));
    b->svc = svc;
    return b;
}

/* The container port named name, for protocol proto; 0 if none. */
static int64_t named_port(json_object *pod, const char *name, const char *proto)
{
    json_object *ctrs = mk_json_path(pod, "spec.containers");
    for (size_t i = 0; ctrs && i < json_object_array_length(ctrs); i++) {
        json_object *ports = mk_json_path(json_object_array_get_idx(ctrs, i), "ports");
        for (size_t j = 0; ports && j < json_object_array_length(ports); j++) {
            json_object *p = json_object_array_get_idx(ports, j);
            if (strcmp(mk_json_str(p, "name") ?: "", name) == 0 &&
                strcmp(mk_json_str(p, "protocol") ?: "TCP", proto) == 0)
                return mk_json_int(p, "containerPort", 0);
        }
    }
    return 0;
}

/* The Service's ports as this pod serves them, and their text key. */
static json_object *resolve_ports(json_object *svc, json_object *pod, mk_buf *key)
{
    json_object *out = json_object_new_array();
    json_object *ports = mk_json_path(svc, "spec.ports");
    for (size_t i = 0; ports && i < json_object_array_length(ports); i++) {
        json_object *sp = json_object_array_get_idx(ports, i);
        const char *proto = mk_json_str(sp, "protocol") ?: "TCP";
        json_object *tp = mk_json_path(sp, "targetPort");
        int64_t port;
        if (tp && json_object_is_type(tp, json_type_string) &&
            !(json_object_get_string(tp)[0] >= '0' && json_object_get_string(tp)[0] <= '9'))
            port = named_port(pod, json_object_get_string(tp), proto);
        else if (tp)
            port = json_object_get_int64(tp);
        else
            port = mk_json_int(sp, "port", 0);
        if (port <= 0)
            continue; /* this pod does not serve the named port */
        json_object *ep = json_object_new_object();
        const char *name = mk_json_str(sp, "name");
        if (name && *name)
            json_object_object_add(ep, "name", json_object_new_string(name));
        json_object_object_add(ep, "port", json_object_new_int64(port));
        json_object_object_add(ep, "protocol", json_object_new_string(proto));
        json_object_array_add(out, ep);
        mk_buf_printf(key, "%s/%lld/%s,", name ? name : "", (long long)port, proto);
    }
    return out;
}

void endpoints_builder_add(endpoints_builder *b, json_object *pod)
{
    const char *ip = mk_json_str(pod, "status.podIP");
    const char *phase = mk_json_str(pod, "status.phase") ?: "";
    if (!ip || !*ip || mk_json_path(pod, "metadata.deletionTimestamp") ||
        strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0 ||
        !endpoints_selects(b->svc, mk_json_path(pod, "metadata.labels")))
        return;
    mk_buf key = {0};
    mk_buf_puts(&key, "");
    json_object *ports = resolve_ports(b->svc, pod, &key);
    subset *s;
    HASH_FIND_STR(b->subsets, key.data, s);
    if (!s) {
        s = xcalloc(1, sizeof(*s));
        s->key = mk_buf_steal(&key);
        s->ports = ports;
        s->ready = json_object_new_array();
        s->not_ready = json_object_new_array();
        HASH_ADD_KEYPTR(hh, b->subsets, s->key, strlen(s->key), s);
    } else
        json_object_put(ports);
    mk_buf_free(&key);
    json_object *addr = json_object_new_object();
    json_object_object_add(addr, "ip", json_object_new_string(ip));
    /* A pod that names the Service as its subdomain is known in DNS by its
     * hostname under it (web-0.web.default.svc.cluster.local). */
    const char *hostname = mk_json_str(pod, "spec.hostname");
    if (hostname && *hostname &&
        strcmp(mk_json_str(pod, "spec.subdomain") ?: "",
               mk_json_str(b->svc, "metadata.name") ?: "") == 0)
        json_object_object_add(addr, "hostname", json_object_new_string(hostname));
    const char *node = mk_json_str(pod, "spec.nodeName");
    if (node && *node)
        json_object_object_add(addr, "nodeName", json_object_new_string(node));
    json_object *ref = json_object_new_object();
    json_object_object_add(ref, "kind", json_object_new_string("Pod"));
    static const char *const fields[] = {"namespace", "name", "uid"};
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        _cleanup_free_ char *path = xasprintf("metadata.%s", fields[i]);
        const char *v = mk_json_str(pod, path);
        if (v)
            json_object_object_add(ref, fields[i], json_object_new_string(v));
    }
    json_object_object_add(addr, "targetRef", ref);
    json_object_array_add(mk_condition_true(pod, "Ready") ? s->ready : s->not_ready, addr);
}

static uint32_t ip_of(json_object *addr)
{
    struct in_addr a = {0};
    inet_pton(AF_INET, mk_json_str(addr, "ip") ?: "", &a);
    return ntohl(a.s_addr);
}

static int by_ip(const void *a, const void *b)
{
    uint32_t x = ip_of(*(json_object *const *)a), y = ip_of(*(json_object *const *)b);
    return x < y ? -1 : x > y;
}

static int by_key(subset *a, subset *b)
{
    return strcmp(a->key, b->key);
}

json_object *endpoints_builder_finish(endpoints_builder *b)
{
    json_object *out = json_object_new_array();
    subset *s, *tmp;
    HASH_SORT(b->subsets, by_key);
    HASH_ITER(hh, b->subsets, s, tmp)
    {
        json_object *o = json_object_new_object();
        json_object_array_sort(s->ready, by_ip);
        json_object_array_sort(s->not_ready, by_ip);
        if (json_object_array_length(s->ready))
            json_object_object_add(o, "addresses", json_object_get(s->ready));
        if (json_object_array_length(s->not_ready))
            json_object_object_add(o, "notReadyAddresses", json_object_get(s->not_ready));
        if (json_object_array_length(s->ports))
            json_object_object_add(o, "ports", json_object_get(s->ports));
        json_object_array_add(out, o);
        HASH_DEL(b->subsets, s);
        json_object_put(s->ready);
        json_object_put(s->not_ready);
        json_object_put(s->ports);
        free(s->key);
        free(s);
    }
    free(b);
    return out;
}

/* ---- the controller ---- */

typedef struct epctl {
    manager *m;
    mk_informer *services, *pods, *endpoints;
    workqueue *q;
    pthread_t workers[EP_WORKERS];
    int nworkers;
} epctl;

static void queue_service(epctl *c, json_object *svc)
{
    const char *ns = mk_json_str(svc, "metadata.namespace"),
               *name = mk_json_str(svc, "metadata.name");
    if (ns && name) {
        _cleanup_free_ char *key = xasprintf("%s/%s", ns, name);
        workqueue_add(c->q, key);
    }
}

static void on_svc_add(void *ctx, json_object *svc)
{
    queue_service(ctx, svc);
}
static void on_svc_update(void *ctx, json_object *old, json_object *svc)
{
    queue_service(ctx, svc);
}

/* Every Service of the pod's namespace that selects it (now or before). */
typedef struct pod_change {
    epctl *c;
    const char *ns;
    json_object *labels[2];
} pod_change;

static int queue_selecting(void *ctx, json_object *svc)
{
    pod_change *pc = ctx;
    if (strcmp(mk_json_str(svc, "metadata.namespace") ?: "", pc->ns) != 0)
        return 0;
    if (endpoints_selects(svc, pc->labels[0]) || endpoints_selects(svc, pc->labels[1]))
        queue_service(pc->c, svc);
    return 0;
}

static void pod_changed(epctl *c, json_object *old, json_object *pod)
{
    pod_change pc = {c,
                     mk_json_str(pod, "metadata.namespace") ?: "",
                     {mk_json_path(pod, "metadata.labels"),
                      old ? mk_json_path(old, "metadata.labels") : NULL}};
    informer_foreach(c->services, queue_selecting, &pc);
}

static void on_pod_add(void *ctx, json_object *pod)
{
    pod_changed(ctx, NULL, pod);
}
static void on_pod_update(void *ctx, json_object *old, json_object *pod)
{
    pod_changed(ctx, old, pod);
}
static void on_pod_delete(void *ctx, json_object *pod)
{
    pod_changed(ctx, NULL, pod);
}

typedef struct collect {
    const char *ns;
    endpoints_builder *b;
} collect;

static int collect_pod(void *ctx, json_object *pod)
{
    collect *cl = ctx;
    if (strcmp(mk_json_str(pod, "metadata.namespace") ?: "", cl->ns) == 0)
        endpoints_builder_add(cl->b, pod);
    return 0;
}

static json_object *new_endpoints(const char *ns, const char *name, json_object *subsets)
{
    json_object *ep = mk_json_new_object("v1", "Endpoints", ns, name);
    json_object_object_add(ep, "subsets", json_object_get(subsets));
    return ep;
}

/* 0 done, < 0 retry later. */
static int sync_service(epctl *c, const char *ns, const char *name, mk_err *err)
{
    const mk_kind *epk = kind_by_kind("Endpoints");
    mk_client *cl = manager_client(c->m);
    json_object *svc = informer_get(c->services, ns, name);
    json_object *cur = informer_get(c->endpoints, ns, name);
    int rc = 0;
    if (!svc) {
        if (cur && (rc = client_delete(cl, epk, ns, name, NULL, err)) == -ENOENT)
            rc = 0;
        if (cur && rc == 0)
            mk_log("endpoints: %s/%s deleted with its service", ns, name);
        json_object_put(cur);
        return rc;
    }
    if (!mk_json_path(svc, "spec.selector") ||
        json_object_object_length(mk_json_path(svc, "spec.selector")) == 0) {
        json_object_put(svc);
        json_object_put(cur);
        return 0;
    }
    collect cl_ctx = {ns, endpoints_builder_new(svc)};
    informer_foreach(c->pods, collect_pod, &cl_ctx);
    json_object *subsets = endpoints_builder_finish(cl_ctx.b);
    json_object *have = cur ? mk_json_path(cur, "subsets") : NULL;
    bool same = cur && (have ? json_object_equal(have, subsets)
                             : json_object_array_length(subsets) == 0);
    if (!same) {
        json_object *ep = new_endpoints(ns, name, subsets);
        if (cur) {
            json_object_object_add(
                mk_json_path(ep, "metadata"), "resourceVersion",
                json_object_new_string(mk_json_str(cur, "metadata.resourceVersion") ?: "0"));
            rc = client_update(cl, epk, ns, ep, NULL, err);
        } else {
            rc = client_create(cl, epk, ns, ep, NULL, err);
        }
        json_object_put(ep);
        if (rc == 0) {
            size_t ready = 0;
            for (size_t i = 0; i < json_object_array_length(subsets); i++) {
                json_object *a =
                    mk_json_path(json_object_array_get_idx(subsets, i), "addresses");
                ready += a ? json_object_array_length(a) : 0;
            }
            mk_log("endpoints: %s/%s: %zu ready address%s", ns, name, ready,
                   ready == 1 ? "" : "es");
        }
    }
    json_object_put(subsets);
    json_object_put(svc);
    json_object_put(cur);
    return rc;
}

/* A key is ns/name. */
static int sync_key(void *ctx, const char *key, int64_t *requeue_ms, mk_err *err)
{
    const char *slash = strchr(key, '/');
    if (!slash)
        return 0;
    _cleanup_free_ char *ns = xstrndup(key, (size_t)(slash - key));
    return sync_service(ctx, ns, slash + 1, err);
}

static void *worker(void *arg)
{
    epctl *c = arg;
    if (!manager_wait_synced(c->m))
        return NULL;
    workqueue_process(c->q, "endpoints", EP_RETRY_MS, sync_key, c);
    return NULL;
}

static void endpoints_stop(void *state)
{
    epctl *c = state;
    workqueue_close(c->q, c->workers, c->nworkers);
    free(c);
}

static int endpoints_start(manager *m, void **state, mk_err *err)
{
    epctl *c = xcalloc(1, sizeof(*c));
    c->m = m;
    c->q = workqueue_new();
    mk_informer_handlers sh = {
        .on_add = on_svc_add, .on_update = on_svc_update, .on_delete = on_svc_add};
    mk_informer_handlers ph = {
        .on_add = on_pod_add, .on_update = on_pod_update, .on_delete = on_pod_delete};
    /* An Endpoints changed or deleted by someone else is put right. */
    mk_informer_handlers eh = {.on_update = on_svc_update, .on_delete = on_svc_add};
    c->services = manager_informer(m, kind_by_kind("Service"), &sh, c);
    c->pods = manager_informer(m, kind_by_kind("Pod"), &ph, c);
    c->endpoints = manager_informer(m, kind_by_kind("Endpoints"), &eh, c);
    for (; c->nworkers < EP_WORKERS; c->nworkers++)
        if (pthread_create(&c->workers[c->nworkers], NULL, worker, c) != 0) {
            endpoints_stop(c);
            return mk_error(err, EAGAIN, "cannot start a thread");
        }
    *state = c;
    return 0;
}

const mk_controller endpoints_controller = {
    .name = "endpoints",
    .start = endpoints_start,
    .stop = endpoints_stop,
};
