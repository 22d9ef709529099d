/* ingress.c - the ingress controller: every Ingress, Service and
 * Endpoints of the cluster as one nginx configuration, served by an nginx
 * this controller starts and stops (docs/ingress.md).
 *
 * Level-triggered: any change queues one key; the worker rebuilds the
 * whole configuration from the informer caches, and only when the text
 * differs does nginx check it (nginx -t), get it and reload. Upstreams are
 * the ready endpoint addresses of the Service port, as ingress-nginx does:
 * nginx balances and retries itself, and it needs no service proxy on
 * this machine.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <string.h>

#include "controllers/controllers.h"
#include "controllers/ingress_hosts.h"
#include "controllers/ingress_nginx.h"
#include "controllers/ingress_routes.h"
#include "controllers/workqueue.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/util.h"

#define ING_KEY_SYNC  "sync"
#define ING_KEY_CHECK "check"
#define ING_CHECK_MS  1000
#define ING_RETRY_MS  1000

typedef struct ingctl {
    manager *m;
    mk_informer *ingresses, *services, *endpoints;
    workqueue *q;
    pthread_t worker;
    bool have_worker;
    ingress_nginx *nginx;
    char *listen, *address, *dir, *hosts_file;
    char *applied;       /* the configuration nginx runs */
    json_object *good;   /* {uid: generation} of the Ingresses it serves */
    json_object *blamed; /* {uid: {generation, message}} nginx refused */
    char *refused_all;   /* nginx refused even the Ingresses it served: why */
} ingctl;

/* Ingresses for this controller: no class, or ours. */
static bool ours(json_object *ing)
{
    const char *cls = mk_json_str(ing, "spec.ingressClassName");
    return !cls || !*cls || !strcmp(cls, "minik8s") || !strcmp(cls, "nginx");
}

static int collect(void *ctx, json_object *obj)
{
    json_object *copy = NULL;
    if (ours(obj) && json_object_deep_copy(obj, &copy, NULL) == 0)
        json_object_array_add(ctx, copy);
    return 0;
}

/* ---- backends ---- */

static json_object *service_port(json_object *svc, const ingress_backend *b)
{
    json_object *ports = mk_json_path(svc, "spec.ports");
    for (size_t i = 0; ports && i < json_object_array_length(ports); i++) {
        json_object *p = json_object_array_get_idx(ports, i);
        if (b->port_name ? !strcmp(mk_json_str(p, "name") ?: "", b->port_name)
                         : mk_json_int(p, "port", 0) == b->port_number)
            return p;
    }
    return NULL;
}

static void add_server(ingress_backend *b, const char *ip, int64_t port)
{
    b->servers = xrealloc(b->servers, (b->nservers + 1) * sizeof(*b->servers));
    b->servers[b->nservers++] = xasprintf("%s:%lld", ip, (long long)port);
}

/* The ready addresses of the Service port, from its Endpoints. */
static void resolve_backend(ingctl *c, ingress_backend *b)
{
    json_object *svc = informer_get(c->services, b->ns, b->service);
    if (!svc) {
        b->problem = xasprintf("service %s/%s not found", b->ns, b->service);
        return;
    }
    json_object *sp = service_port(svc, b);
    if (!sp) {
        b->problem = b->port_name ? xasprintf("service %s/%s has no port named %s", b->ns,
                                              b->service, b->port_name)
                                  : xasprintf("service %s/%s has no port %d", b->ns, b->service,
                                              b->port_number);
        json_object_put(svc);
        return;
    }
    const char *pname = mk_json_str(sp, "name") ?: "";
    json_object *ep = informer_get(c->endpoints, b->ns, b->service);
    json_object *subsets = ep ? mk_json_path(ep, "subsets") : NULL;
    for (size_t i = 0; subsets && i < json_object_array_length(subsets); i++) {
        json_object *s = json_object_array_get_idx(subsets, i);
        json_object *ports = mk_json_path(s, "ports"), *addrs = mk_json_path(s, "addresses");
        int64_t port = 0;
        for (size_t j = 0; ports && j < json_object_array_length(ports); j++) {
            json_object *p = json_object_array_get_idx(ports, j);
            if (!strcmp(mk_json_str(p, "name") ?: "", pname))
                port = mk_json_int(p, "port", 0);
        }
        for (size_t j = 0; port > 0 && addrs && j < json_object_array_length(addrs); j++) {
            const char *ip = mk_json_str(json_object_array_get_idx(addrs, j), "ip");
            struct in_addr a;
            if (ip && inet_pton(AF_INET, ip, &a) == 1) /* nothing else reaches the file */
                add_server(b, ip, port);
        }
    }
    json_object_put(ep);
    json_object_put(svc);
}

/* ---- status ---- */

static json_object *condition(const char *type, bool ok, const char *reason, const char *msg)
{
    json_object *c = json_object_new_object();
    json_object_object_add(c, "type", json_object_new_string(type));
    json_object_object_add(c, "status", json_object_new_string(ok ? "True" : "False"));
    json_object_object_add(c, "reason", json_object_new_string(reason));
    json_object_object_add(c, "message", json_object_new_string(msg));
    return c;
}

/* Keep a condition's lastTransitionTime while its status stays. */
static void stamp(json_object *cond, json_object *old_conds, const char *now)
{
    const char *type = mk_json_str(cond, "type"), *st = mk_json_str(cond, "status");
    for (size_t i = 0; old_conds && i < json_object_array_length(old_conds); i++) {
        json_object *o = json_object_array_get_idx(old_conds, i);
        if (!strcmp(mk_json_str(o, "type") ?: "", type) &&
            !strcmp(mk_json_str(o, "status") ?: "", st) &&
            mk_json_str(o, "lastTransitionTime")) {
            json_object_object_add(
                cond, "lastTransitionTime",
                json_object_new_string(mk_json_str(o, "lastTransitionTime")));
            return;
        }
    }
    json_object_object_add(cond, "lastTransitionTime", json_object_new_string(now));
}

/* What went wrong with the backends of key's routes (one "; " list). */
static void backend_problems(const ingress_table *t, const char *key, mk_buf *out)
{
    for (size_t i = 0; i < t->nhosts; i++) {
        const ingress_host *h = &t->hosts[i];
        for (size_t j = 0; j < h->nroutes; j++) {
            const ingress_route *r = &h->routes[j];
            const char *p = t->backends[r->backend].problem;
            if (p && !strcmp(r->owner, key))
                mk_buf_printf(out, "%s%s: %s (answers 503)", out->len ? "; " : "", r->path, p);
        }
        if (h->fallback >= 0 && h->fallback_owner && !strcmp(h->fallback_owner, key) &&
            t->backends[h->fallback].problem)
            mk_buf_printf(out, "%sdefaultBackend: %s (answers 503)", out->len ? "; " : "",
                          t->backends[h->fallback].problem);
    }
}

/* Why nginx refuses this Ingress, or NULL. Caller frees. */
static char *refusal(ingctl *c, json_object *ing)
{
    json_object *b;
    if (json_object_object_get_ex(c->blamed, mk_json_str(ing, "metadata.uid") ?: "", &b) &&
        mk_json_int(b, "generation", 0) == mk_json_int(ing, "metadata.generation", 1))
        return xasprintf("%s; this Ingress is left out, the others are served",
                         mk_json_str(b, "message"));
    if (c->refused_all)
        return xasprintf("%s; the previous configuration still serves", c->refused_all);
    return NULL;
}

static json_object *desired_status(ingctl *c, const ingress_table *t, json_object *ing)
{
    const char *ns = mk_json_str(ing, "metadata.namespace") ?: "default";
    _cleanup_free_ char *key = xasprintf("%s/%s", ns, mk_json_str(ing, "metadata.name") ?: "");
    json_object *st = json_object_new_object();
    json_object *lb = mk_json_ensure(st, "loadBalancer");
    json_object *list = json_object_new_array(), *addr = json_object_new_object();
    json_object_object_add(addr, "ip", json_object_new_string(c->address));
    json_object_array_add(list, addr);
    json_object_object_add(lb, "ingress", list);

    json_object *conds = json_object_new_array();
    _cleanup_free_ char *why = refusal(c, ing);
    if (why) {
        json_object_array_add(conds,
                              condition("Configured", false, "InvalidConfiguration", why));
    } else {
        mk_buf notes = {0};
        for (size_t i = 0; i < t->nnotes; i++)
            if (!strcmp(t->notes[i].owner, key))
                mk_buf_printf(&notes, "%s%s", notes.len ? "; " : "", t->notes[i].text);
        _cleanup_free_ char *msg =
            notes.len ? xstrdup(notes.data) : xasprintf("served by nginx at %s", c->listen);
        json_object_array_add(
            conds, condition("Configured", true, notes.len ? "PartlyApplied" : "Applied", msg));
        mk_buf_free(&notes);
    }
    mk_buf probs = {0};
    backend_problems(t, key, &probs);
    json_object_array_add(
        conds, probs.len ? condition("BackendsResolved", false, "BackendNotFound", probs.data)
                         : condition("BackendsResolved", true, "Resolved",
                                     "every backend names a Service port"));
    mk_buf_free(&probs);
    char now[32];
    mk_rfc3339(now, sizeof now, mk_wall_ms() / 1000);
    json_object *old = mk_json_path(ing, "status.conditions");
    for (size_t i = 0; i < json_object_array_length(conds); i++)
        stamp(json_object_array_get_idx(conds, i), old, now);
    json_object_object_add(st, "conditions", conds);
    return st;
}

/* 0, or < 0 when some status could not be written (retry). */
static int write_statuses(ingctl *c, const ingress_table *t, json_object *ings)
{
    int rc = 0;
    for (size_t i = 0; i < json_object_array_length(ings); i++) {
        json_object *ing = json_object_array_get_idx(ings, i);
        json_object *want = desired_status(c, t, ing);
        /* Compared field by field: a merge patch leaves fields others wrote. */
        json_object *lb = mk_json_path(ing, "status.loadBalancer");
        json_object *conds = mk_json_path(ing, "status.conditions");
        if (lb && conds && json_object_equal(lb, mk_json_path(want, "loadBalancer")) &&
            json_object_equal(conds, mk_json_path(want, "conditions"))) {
            json_object_put(want);
            continue;
        }
        json_object *patch = json_object_new_object();
        json_object_object_add(patch, "status", want);
        mk_err err = {0};
        const char *ns = mk_json_str(ing, "metadata.namespace") ?: "default";
        const char *name = mk_json_str(ing, "metadata.name") ?: "";
        if (client_patch(manager_client(c->m), kind_by_kind("Ingress"), ns, name, "status",
                         json_object_to_json_string_ext(patch, JSON_C_TO_STRING_PLAIN), NULL,
                         &err) < 0 &&
            err.code != ENOENT) {
            mk_log("ingress: %s/%s: status: %s (will retry)", ns, name, err.msg);
            rc = -1;
        }
        json_object_put(patch);
    }
    return rc;
}

/* ---- one pass ---- */

static bool same_generation(json_object *map, json_object *ing)
{
    json_object *g;
    return map && json_object_object_get_ex(map, mk_json_str(ing, "metadata.uid") ?: "", &g) &&
           json_object_get_int64(g) == mk_json_int(ing, "metadata.generation", 1);
}

static json_object *generations(json_object *ings)
{
    json_object *map = json_object_new_object();
    for (size_t i = 0; i < json_object_array_length(ings); i++) {
        json_object *ing = json_object_array_get_idx(ings, i);
        json_object_object_add(
            map, mk_json_str(ing, "metadata.uid") ?: "",
            json_object_new_int64(mk_json_int(ing, "metadata.generation", 1)));
    }
    return map;
}

static void blame(ingctl *c, json_object *ing, const char *msg)
{
    json_object *b = json_object_new_object();
    json_object_object_add(b, "generation",
                           json_object_new_int64(mk_json_int(ing, "metadata.generation", 1)));
    json_object_object_add(b, "message", json_object_new_string(msg));
    json_object_object_add(c->blamed, mk_json_str(ing, "metadata.uid") ?: "", b);
    mk_log("ingress: %s/%s refused: %s", mk_json_str(ing, "metadata.namespace") ?: "",
           mk_json_str(ing, "metadata.name") ?: "", msg);
}

/* The table and nginx.conf for these Ingresses (caller frees both). */
static ingress_table *render(ingctl *c, json_object *ings, mk_buf *conf)
{
    ingress_table *t = ingress_table_build(ings);
    for (size_t i = 0; i < t->nbackends; i++)
        resolve_backend(c, &t->backends[i]);
    ingress_render_opts o = {.prefix = c->dir, .listen = c->listen};
    mk_buf_reset(conf);
    ingress_render(t, &o, conf);
    return t;
}

static void array_push(json_object *arr, json_object *obj)
{
    json_object_array_add(arr, json_object_get(obj));
}

/* nginx refused the whole render: find which new Ingresses it refuses,
 * one at a time on top of the ones it already serves, so that one broken
 * Ingress never holds the others back. Returns those it takes. */
static json_object *sift(ingctl *c, json_object *ings)
{
    json_object *take = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(ings); i++)
        if (same_generation(c->good, json_object_array_get_idx(ings, i)))
            array_push(take, json_object_array_get_idx(ings, i));
    for (size_t i = 0; i < json_object_array_length(ings); i++) {
        json_object *ing = json_object_array_get_idx(ings, i);
        if (same_generation(c->good, ing))
            continue;
        array_push(take, ing);
        mk_buf conf = {0};
        ingress_table_free(render(c, take, &conf));
        mk_err err = {0};
        if (ingress_nginx_check(c->nginx, conf.data, &err) < 0) {
            blame(c, ing, err.msg);
            json_object_array_del_idx(take, json_object_array_length(take) - 1, 1);
        }
        mk_buf_free(&conf);
    }
    return take;
}

/* Load conf unless nginx runs it already; false with the reason kept. */
static bool load(ingctl *c, mk_buf *conf, json_object *ings, const ingress_table *t)
{
    if (c->applied && strcmp(conf->data, c->applied) == 0)
        return true;
    mk_err err = {0};
    if (ingress_nginx_apply(c->nginx, conf->data, &err) < 0) {
        free(c->refused_all);
        c->refused_all = xstrdup(err.msg);
        return false;
    }
    free(c->applied);
    c->applied = mk_buf_steal(conf);
    size_t n = json_object_array_length(ings), routes = 0;
    for (size_t i = 0; i < t->nhosts; i++)
        routes += t->hosts[i].nroutes;
    mk_log("ingress: nginx reloaded: %zu Ingress%s, %zu host%s, %zu route%s", n,
           n == 1 ? "" : "es", t->nhosts - 1, t->nhosts == 2 ? "" : "s", routes,
           routes == 1 ? "" : "s");
    return true;
}

static void update_hosts(ingctl *c, const ingress_table *t)
{
    if (!c->hosts_file)
        return;
    char **names = xcalloc(t->nhosts + 1, sizeof(*names));
    for (size_t i = 0; i < t->nhosts; i++)
        names[i] = t->hosts[i].host;
    mk_err err = {0};
    if (ingress_hosts_update(c->hosts_file, c->address, names, t->nhosts, &err) < 0)
        mk_log("ingress: %s", err.msg);
    free(names);
}

static int sync_all(ingctl *c)
{
    json_object *all = json_object_new_array();
    informer_foreach(c->ingresses, collect, all);
    /* Refused before at this generation: not tried again. */
    json_object *old_blamed = c->blamed, *ings = json_object_new_array();
    c->blamed = json_object_new_object();
    for (size_t i = 0; i < json_object_array_length(all); i++) {
        json_object *ing = json_object_array_get_idx(all, i), *b;
        const char *uid = mk_json_str(ing, "metadata.uid") ?: "";
        if (json_object_object_get_ex(old_blamed, uid, &b) &&
            mk_json_int(b, "generation", 0) == mk_json_int(ing, "metadata.generation", 1))
            json_object_object_add(c->blamed, uid, json_object_get(b));
        else
            array_push(ings, ing);
    }
    json_object_put(old_blamed);
    free(c->refused_all);
    c->refused_all = NULL;

    mk_buf conf = {0};
    ingress_table *t = render(c, ings, &conf);
    if (!load(c, &conf, ings, t)) {
        mk_log("ingress: configuration refused, trying the Ingresses one by one: %s",
               c->refused_all);
        json_object *take = sift(c, ings);
        ingress_table_free(t);
        t = render(c, take, &conf);
        free(c->refused_all);
        c->refused_all = NULL;
        if (!load(c, &conf, take, t))
            mk_log("ingress: configuration refused, the previous one still serves: %s",
                   c->refused_all);
        json_object_put(ings);
        ings = take;
    }
    if (!c->refused_all) {
        json_object_put(c->good);
        c->good = generations(ings);
        update_hosts(c, t);
    }
    mk_buf_free(&conf);
    int rc = write_statuses(c, t, all);
    ingress_table_free(t);
    json_object_put(ings);
    json_object_put(all);
    return rc;
}

static void *worker(void *arg)
{
    ingctl *c = arg;
    if (!manager_wait_synced(c->m))
        return NULL;
    workqueue_add(c->q, ING_KEY_SYNC);
    workqueue_add_after(c->q, ING_KEY_CHECK, ING_CHECK_MS);
    char *key;
    while (workqueue_get(c->q, &key)) {
        mk_err err = {0};
        if (!strcmp(key, ING_KEY_CHECK)) {
            if (ingress_nginx_ensure(c->nginx, &err) < 0)
                mk_log("ingress: %s", err.msg);
            workqueue_add_after(c->q, ING_KEY_CHECK, ING_CHECK_MS);
        } else if (sync_all(c) < 0) {
            workqueue_add_after(c->q, ING_KEY_SYNC, ING_RETRY_MS);
        }
        workqueue_done(c->q, key);
        free(key);
    }
    return NULL;
}

/* ---- start, stop ---- */

static void on_any(void *ctx, json_object *obj)
{
    (void)obj;
    workqueue_add(((ingctl *)ctx)->q, ING_KEY_SYNC);
}
static void on_any_update(void *ctx, json_object *old, json_object *obj)
{
    (void)old;
    on_any(ctx, obj);
}

static void ingress_stop(void *state)
{
    ingctl *c = state;
    if (!c)
        return;
    workqueue_close(c->q, &c->worker, c->have_worker ? 1 : 0);
    ingress_nginx_stop(c->nginx);
    if (c->hosts_file) {
        mk_err err = {0};
        if (ingress_hosts_update(c->hosts_file, c->address, NULL, 0, &err) < 0)
            mk_log("ingress: %s", err.msg);
    }
    json_object_put(c->good);
    json_object_put(c->blamed);
    free(c->applied);
    free(c->refused_all);
    free(c->listen);
    free(c->address);
    free(c->dir);
    free(c->hosts_file);
    free(c);
}

/* The host part of ADDR:PORT; a wildcard listen reports loopback. */
static char *listen_host(const char *listen)
{
    const char *colon = strrchr(listen, ':');
    char *h = colon ? xstrndup(listen, (size_t)(colon - listen)) : xstrdup("127.0.0.1");
    if (!*h || !strcmp(h, "0.0.0.0") || !strcmp(h, "*")) {
        free(h);
        h = xstrdup("127.0.0.1");
    }
    return h;
}

static int ingress_start(manager *m, void **state, mk_err *err)
{
    const manager_config *cfg = manager_cfg(m);
    *state = NULL;
    if (!cfg->ingress_listen || !*cfg->ingress_listen) {
        mk_log("ingress: no --ingress-listen: no nginx, Ingresses are not served");
        return 0;
    }
    ingctl *c = xcalloc(1, sizeof(*c));
    c->m = m;
    c->listen = xstrdup(cfg->ingress_listen);
    c->address = cfg->ingress_address ? xstrdup(cfg->ingress_address) : listen_host(c->listen);
    c->dir = xstrdup(cfg->ingress_dir ? cfg->ingress_dir : "/var/lib/minik8s/ingress");
    c->hosts_file = cfg->ingress_hosts_file ? xstrdup(cfg->ingress_hosts_file) : NULL;
    c->q = workqueue_new();
    /* nginx answers (404 everywhere) before the first Ingress is read, and
     * a taken port fails the start here, in one line. */
    ingress_table *empty = ingress_table_build(NULL);
    mk_buf conf = {0};
    ingress_render_opts o = {.prefix = c->dir, .listen = c->listen};
    ingress_render(empty, &o, &conf);
    ingress_table_free(empty);
    int rc = ingress_nginx_start(NULL, c->dir, conf.data, &c->nginx, err);
    if (rc < 0) {
        mk_buf_free(&conf);
        ingress_stop(c);
        return mk_error_wrap(err, "ingress nginx on %s", cfg->ingress_listen);
    }
    c->applied = mk_buf_steal(&conf);
    mk_informer_handlers h = {
        .on_add = on_any, .on_update = on_any_update, .on_delete = on_any};
    c->ingresses = manager_informer(m, kind_by_kind("Ingress"), &h, c);
    c->services = manager_informer(m, kind_by_kind("Service"), &h, c);
    c->endpoints = manager_informer(m, kind_by_kind("Endpoints"), &h, c);
    if (pthread_create(&c->worker, NULL, worker, c) != 0) {
        ingress_stop(c);
        return mk_error(err, EAGAIN, "cannot start a thread");
    }
    c->have_worker = true;
    *state = c;
    return 0;
}

const mk_controller ingress_controller = {
    .name = "ingress",
    .start = ingress_start,
    .stop = ingress_stop,
};
