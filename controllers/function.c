/* function.c - the function controller (see function.h).
 *
 * Level-triggered: Function, ReplicaSet and ConfigMap events queue the
 * Function's key; a worker rebuilds what the Function should have from the
 * informer caches and writes the difference.
 */
#include "controllers/function.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "controllers/controllers.h"
#include "controllers/objkey.h"
#include "controllers/replicaset.h"
#include "controllers/workqueue.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/util.h"

#define FN_WORKERS  2
#define FN_RETRY_MS 1000

typedef struct fnctl {
    manager *m;
    workqueue *q;
    mk_informer *fns, *rss, *cms, *svcs;
    pthread_t workers[FN_WORKERS];
    int nworkers;
} fnctl;

/* ---- pure parts (unit-tested) ---- */

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (h ^ 0xff) * 1099511628211ull; /* field separator */
}

static const char *json_text(json_object *o)
{
    return o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : "";
}

void function_revision(json_object *fn, const char *code, char out[11])
{
    json_object *spec = mk_json_path(fn, "spec");
    uint64_t h = 14695981039346656037ull;
    h = fnv1a(h, mk_json_str(spec, "runtime"));
    h = fnv1a(h, mk_json_str(spec, "handler"));
    h = fnv1a(h, code);
    json_object *env = json_object_get(mk_json_path(spec, "env"));
    h = fnv1a(h, json_text(env));
    json_object_put(env);
    json_object *res = json_object_get(mk_json_path(spec, "resources"));
    h = fnv1a(h, json_text(res));
    json_object_put(res);
    char t[32];
    snprintf(t, sizeof(t), "%lld", (long long)mk_json_int(spec, "timeoutSeconds", 30));
    h = fnv1a(h, t);
    snprintf(out, 11, "%010llx", (unsigned long long)(h & 0xffffffffffull));
}

int64_t function_desired(json_object *fn)
{
    int64_t lo = mk_json_int(fn, "spec.minReplicas", 0);
    int64_t hi = mk_json_int(fn, "spec.maxReplicas", 10);
    int64_t d = mk_json_int(fn, "status.autoscaler.desiredReplicas", lo);
    return d < lo ? lo : d > hi ? hi : d;
}

static bool is_sh(json_object *fn)
{
    return !strcmp(mk_json_str(fn, "spec.runtime") ?: "", "sh");
}

const char *function_code_key(json_object *fn)
{
    return is_sh(fn) ? "handler.sh" : "handler.py";
}

static json_object *owner_ref(json_object *fn)
{
    json_object *a = json_object_new_array();
    json_object_array_add(a, objkey_controller_ref(fn, "minik8s.io/v1", "Function"));
    return a;
}

static json_object *fn_labels(const char *name, const char *rev)
{
    json_object *l = json_object_new_object();
    json_object_object_add(l, FUNCTION_LABEL, json_object_new_string(name));
    if (rev)
        json_object_object_add(l, FUNCTION_REV_LABEL, json_object_new_string(rev));
    return l;
}

static json_object *new_meta(json_object *fn, const char *name, const char *rev)
{
    json_object *md = json_object_new_object();
    json_object_object_add(md, "name", json_object_new_string(name));
    json_object_object_add(
        md, "namespace",
        json_object_new_string(mk_json_str(fn, "metadata.namespace") ?: "default"));
    json_object_object_add(md, "labels", fn_labels(mk_json_str(fn, "metadata.name"), rev));
    json_object_object_add(md, "ownerReferences", owner_ref(fn));
    return md;
}

static json_object *strs(const char *const *v)
{
    json_object *a = json_object_new_array();
    for (; *v; v++)
        json_object_array_add(a, json_object_new_string(*v));
    return a;
}

static json_object *pod_template(json_object *fn, const char *rev)
{
    const char *name = mk_json_str(fn, "metadata.name");
    json_object *spec = mk_json_path(fn, "spec");
    char timeout[24], code[64];
    snprintf(timeout, sizeof(timeout), "%lld",
             (long long)mk_json_int(spec, "timeoutSeconds", 30));
    snprintf(code, sizeof(code), "/fn/%s", function_code_key(fn));
    const char *argv[] = {"/usr/local/bin/mk-fnrt",
                          "--runtime",
                          is_sh(fn) ? "sh" : "python3",
                          "--code",
                          code,
                          "--handler",
                          mk_json_str(spec, "handler") ?: "main.handle",
                          "--timeout",
                          timeout,
                          NULL};
    json_object *c = json_object_new_object();
    json_object_object_add(c, "name", json_object_new_string("function"));
    json_object_object_add(c, "image",
                           json_object_new_string(is_sh(fn) ? "fnrt-sh" : "python3"));
    json_object_object_add(c, "command", strs(argv));
    json_object *port = json_object_new_object();
    json_object_object_add(port, "name", json_object_new_string("http"));
    json_object_object_add(port, "containerPort", json_object_new_int(FUNCTION_PORT));
    json_object *ports = json_object_new_array();
    json_object_array_add(ports, port);
    json_object_object_add(c, "ports", ports);
    json_object *v;
    if ((v = mk_json_path(spec, "env")))
        json_object_object_add(c, "env", json_object_get(v));
    if ((v = mk_json_path(spec, "resources")))
        json_object_object_add(c, "resources", json_object_get(v));
    json_object *vm = json_object_new_object();
    json_object_object_add(vm, "name", json_object_new_string("code"));
    json_object_object_add(vm, "mountPath", json_object_new_string("/fn"));
    json_object_object_add(vm, "readOnly", json_object_new_boolean(true));
    json_object *vms = json_object_new_array();
    json_object_array_add(vms, vm);
    json_object_object_add(c, "volumeMounts", vms);
    json_object *ctrs = json_object_new_array();
    json_object_array_add(ctrs, c);

    _cleanup_free_ char *cm = xasprintf("%s-code-%s", name, rev);
    json_object *cmref = json_object_new_object();
    json_object_object_add(cmref, "name", json_object_new_string(cm));
    json_object *vol = json_object_new_object();
    json_object_object_add(vol, "name", json_object_new_string("code"));
    json_object_object_add(vol, "configMap", cmref);
    json_object *vols = json_object_new_array();
    json_object_array_add(vols, vol);

    json_object *pspec = json_object_new_object();
    json_object_object_add(pspec, "containers", ctrs);
    json_object_object_add(pspec, "volumes", vols);
    json_object_object_add(pspec, "restartPolicy", json_object_new_string("Always"));
    json_object *md = json_object_new_object();
    json_object_object_add(md, "labels", fn_labels(name, rev));
    json_object *t = json_object_new_object();
    json_object_object_add(t, "metadata", md);
    json_object_object_add(t, "spec", pspec);
    return t;
}

json_object *function_replicaset(json_object *fn, const char *rev, int64_t replicas)
{
    const char *name = mk_json_str(fn, "metadata.name");
    _cleanup_free_ char *rsname = xasprintf("%s-%s", name, rev);
    json_object *rs = json_object_new_object();
    json_object_object_add(rs, "apiVersion", json_object_new_string("apps/v1"));
    json_object_object_add(rs, "kind", json_object_new_string("ReplicaSet"));
    json_object_object_add(rs, "metadata", new_meta(fn, rsname, rev));
    json_object *sel = json_object_new_object();
    json_object_object_add(sel, "matchLabels", fn_labels(name, rev));
    json_object *spec = json_object_new_object();
    json_object_object_add(spec, "replicas", json_object_new_int64(replicas));
    json_object_object_add(spec, "selector", sel);
    json_object_object_add(spec, "template", pod_template(fn, rev));
    json_object_object_add(rs, "spec", spec);
    return rs;
}

/* ---- reconcile ---- */

static void queue_fn(fnctl *c, const char *ns, const char *name)
{
    _cleanup_free_ char *key = xasprintf("%s/%s", ns ?: "default", name);
    workqueue_add(c->q, key);
}

static void on_fn(void *ctx, json_object *fn)
{
    queue_fn(ctx, mk_json_str(fn, "metadata.namespace"), mk_json_str(fn, "metadata.name"));
}
static void on_fn_update(void *ctx, json_object *old, json_object *fn)
{
    on_fn(ctx, fn);
}

/* A ReplicaSet or ConfigMap of a function (by label) queues it. */
static void on_dependent(void *ctx, json_object *obj)
{
    const char *fn = mk_json_str(obj, "metadata.labels." FUNCTION_LABEL);
    if (fn)
        queue_fn(ctx, mk_json_str(obj, "metadata.namespace"), fn);
}
static void on_dependent_update(void *ctx, json_object *old, json_object *obj)
{
    on_dependent(ctx, obj);
}

/* A user's codeFrom ConfigMap queues every function that reads it. */
typedef struct cm_users {
    fnctl *c;
    const char *ns, *name;
} cm_users;

static int queue_if_user(void *ctx, json_object *fn)
{
    cm_users *u = ctx;
    if (!strcmp(mk_json_str(fn, "metadata.namespace") ?: "default", u->ns) &&
        !strcmp(mk_json_str(fn, "spec.codeFrom.configMapRef.name") ?: "", u->name))
        queue_fn(u->c, u->ns, mk_json_str(fn, "metadata.name"));
    return 0;
}

static void on_cm(void *ctx, json_object *cm)
{
    fnctl *c = ctx;
    on_dependent(ctx, cm);
    if (mk_json_str(cm, "metadata.labels." FUNCTION_LABEL))
        return;
    cm_users u = {c, mk_json_str(cm, "metadata.namespace") ?: "default",
                  mk_json_str(cm, "metadata.name")};
    /* Not from a handler: foreach would call into the informer we run on
     * only if this were the Function informer; it is the ConfigMap one. */
    informer_foreach(c->fns, queue_if_user, &u);
}
static void on_cm_update(void *ctx, json_object *old, json_object *cm)
{
    on_cm(ctx, cm);
}

/* The source the pods should run: caller frees; NULL with *why set. */
static char *function_code(fnctl *c, json_object *fn, const char *ns, const char **why)
{
    const char *code = mk_json_str(fn, "spec.code");
    if (code)
        return xstrdup(code);
    const char *cmname = mk_json_str(fn, "spec.codeFrom.configMapRef.name");
    const char *key = mk_json_str(fn, "spec.codeFrom.key");
    json_object *cm = cmname ? informer_get(c->cms, ns, cmname) : NULL;
    json_object *data = cm ? mk_json_path(cm, "data") : NULL;
    json_object *v = NULL;
    char *out = NULL;
    if (data && key && json_object_object_get_ex(data, key, &v))
        out = xstrdup(json_object_get_string(v));
    *why = !cm ? "the codeFrom ConfigMap does not exist"
               : "the codeFrom key is not in the ConfigMap";
    json_object_put(cm);
    return out;
}

static int ensure_created(fnctl *c, const char *kind, const char *ns, json_object *obj,
                          mk_err *err)
{
    mk_err e = {0};
    int rc = client_create(manager_client(c->m), kind_by_kind(kind), ns, obj, NULL, &e);
    if (rc < 0 && e.code != EEXIST) {
        *err = e;
        return rc;
    }
    if (rc == 0)
        mk_log("function: created %s %s/%s", kind, ns, mk_json_str(obj, "metadata.name"));
    return 0;
}

static int ensure_code(fnctl *c, json_object *fn, const char *ns, const char *rev,
                       const char *code, mk_err *err)
{
    _cleanup_free_ char *name = xasprintf("%s-code-%s", mk_json_str(fn, "metadata.name"), rev);
    json_object *have = informer_get(c->cms, ns, name);
    if (have) {
        json_object_put(have);
        return 0;
    }
    json_object *cm = json_object_new_object();
    json_object_object_add(cm, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(cm, "kind", json_object_new_string("ConfigMap"));
    json_object_object_add(cm, "metadata", new_meta(fn, name, rev));
    json_object *data = json_object_new_object();
    json_object_object_add(data, function_code_key(fn), json_object_new_string(code));
    json_object_object_add(cm, "data", data);
    int rc = ensure_created(c, "ConfigMap", ns, cm, err);
    json_object_put(cm);
    return rc;
}

static int ensure_service(fnctl *c, json_object *fn, const char *ns, mk_err *err)
{
    const char *name = mk_json_str(fn, "metadata.name");
    json_object *have = informer_get(c->svcs, ns, name);
    if (have) {
        json_object_put(have);
        return 0;
    }
    json_object *svc = json_object_new_object();
    json_object_object_add(svc, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(svc, "kind", json_object_new_string("Service"));
    json_object_object_add(svc, "metadata", new_meta(fn, name, NULL));
    json_object *port = json_object_new_object();
    json_object_object_add(port, "name", json_object_new_string("http"));
    json_object_object_add(port, "port", json_object_new_int(80));
    json_object_object_add(port, "targetPort", json_object_new_int(FUNCTION_PORT));
    json_object *ports = json_object_new_array();
    json_object_array_add(ports, port);
    json_object *spec = json_object_new_object();
    json_object_object_add(spec, "selector", fn_labels(name, NULL));
    json_object_object_add(spec, "ports", ports);
    json_object_object_add(svc, "spec", spec);
    int rc = ensure_created(c, "Service", ns, svc, err);
    json_object_put(svc);
    return rc;
}

typedef struct owned {
    const char *uid, *ns;
    json_object *list; /* the function's ReplicaSets, deep copies */
} owned;

static int collect_owned(void *ctx, json_object *rs)
{
    owned *o = ctx;
    json_object *ref = replicaset_controller_ref(rs);
    if (ref && !strcmp(mk_json_str(ref, "uid") ?: "", o->uid) &&
        !strcmp(mk_json_str(rs, "metadata.namespace") ?: "default", o->ns)) {
        json_object *copy = NULL;
        json_object_deep_copy(rs, &copy, NULL);
        json_object_array_add(o->list, copy);
    }
    return 0;
}

static int set_replicas(fnctl *c, const char *ns, const char *rs, int64_t n, mk_err *err)
{
    _cleanup_free_ char *p = xasprintf("{\"spec\":{\"replicas\":%lld}}", (long long)n);
    return client_patch(manager_client(c->m), kind_by_kind("ReplicaSet"), ns, rs, NULL, p, NULL,
                        err);
}

static void delete_revision(fnctl *c, const char *ns, const char *fname, const char *rsname)
{
    mk_err e = {0};
    const char *rev = rsname + strlen(fname) + 1;
    _cleanup_free_ char *cm = xasprintf("%s-code-%s", fname, rev);
    if (client_delete(manager_client(c->m), kind_by_kind("ReplicaSet"), ns, rsname, NULL, &e) ==
        0)
        mk_log("function: %s/%s: revision %s retired", ns, fname, rev);
    client_delete(manager_client(c->m), kind_by_kind("ConfigMap"), ns, cm, NULL, &e);
}

static int patch_status(fnctl *c, json_object *fn, const char *ns, const char *rev,
                        int64_t replicas, int64_t ready, const char *problem, mk_err *err)
{
    json_object *st = mk_json_path(fn, "status");
    if (!strcmp(mk_json_str(st, "revision") ?: "", rev) &&
        mk_json_int(st, "replicas", -1) == replicas &&
        mk_json_int(st, "readyReplicas", -1) == ready &&
        !strcmp(mk_json_str(st, "problem") ?: "", problem ?: ""))
        return 0;
    json_object *p = json_object_new_object(), *s = json_object_new_object();
    json_object_object_add(s, "revision", json_object_new_string(rev));
    json_object_object_add(s, "replicas", json_object_new_int64(replicas));
    json_object_object_add(s, "readyReplicas", json_object_new_int64(ready));
    json_object_object_add(s, "problem", problem ? json_object_new_string(problem) : NULL);
    json_object_object_add(p, "status", s);
    int rc = client_patch(manager_client(c->m), kind_by_kind("Function"), ns,
                          mk_json_str(fn, "metadata.name"), "status",
                          json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN), NULL, err);
    json_object_put(p);
    return rc;
}

typedef struct orphans {
    const char *ns, *name;
    json_object *names; /* of the dependents to delete */
} orphans;

static int collect_orphan(void *ctx, json_object *obj)
{
    orphans *o = ctx;
    json_object *ref = replicaset_controller_ref(obj);
    if (ref && !strcmp(mk_json_str(ref, "kind") ?: "", "Function") &&
        !strcmp(mk_json_str(ref, "name") ?: "", o->name) &&
        !strcmp(mk_json_str(obj, "metadata.namespace") ?: "default", o->ns))
        json_object_array_add(o->names,
                              json_object_new_string(mk_json_str(obj, "metadata.name")));
    return 0;
}

/* A deleted Function's dependents: the garbage collector knows Pods and
 * ReplicaSets only, so the controller removes what it made itself. */
static void delete_dependents(fnctl *c, const char *ns, const char *name)
{
    mk_informer *infs[] = {c->rss, c->cms, c->svcs};
    const char *kinds[] = {"ReplicaSet", "ConfigMap", "Service"};
    for (size_t i = 0; i < ARRAY_SIZE(infs); i++) {
        orphans o = {ns, name, json_object_new_array()};
        informer_foreach(infs[i], collect_orphan, &o);
        for (size_t j = 0; j < json_object_array_length(o.names); j++) {
            mk_err e = {0};
            const char *dep = json_object_get_string(json_object_array_get_idx(o.names, j));
            if (client_delete(manager_client(c->m), kind_by_kind(kinds[i]), ns, dep, NULL,
                              &e) == 0)
                mk_log("function: %s/%s gone: deleted %s %s", ns, name, kinds[i], dep);
        }
        json_object_put(o.names);
    }
}

static int sync_function(fnctl *c, const char *key, mk_err *err)
{
    _cleanup_free_ char *ns = xstrdup(key);
    char *name = strchr(ns, '/');
    *name++ = '\0';
    json_object *fn = informer_get(c->fns, ns, name);
    if (!fn || mk_json_path(fn, "metadata.deletionTimestamp")) {
        if (!fn)
            delete_dependents(c, ns, name);
        json_object_put(fn);
        return 0;
    }
    const char *why = NULL;
    _cleanup_free_ char *code = function_code(c, fn, ns, &why);
    if (!code) {
        patch_status(c, fn, ns, mk_json_str(fn, "status.revision") ?: "", 0, 0, why, err);
        json_object_put(fn);
        return 0; /* a ConfigMap event brings it back */
    }
    char rev[11];
    function_revision(fn, code, rev);
    int64_t want = function_desired(fn);
    int rc = ensure_code(c, fn, ns, rev, code, err);
    if (rc == 0)
        rc = ensure_service(c, fn, ns, err);
    owned o = {mk_json_str(fn, "metadata.uid") ?: "", ns, json_object_new_array()};
    informer_foreach(c->rss, collect_owned, &o);
    _cleanup_free_ char *cur = xasprintf("%s-%s", name, rev);
    json_object *current = NULL;
    int64_t replicas = 0, ready = 0, cur_ready = 0;
    for (size_t i = 0; i < json_object_array_length(o.list); i++) {
        json_object *rs = json_object_array_get_idx(o.list, i);
        replicas += mk_json_int(rs, "spec.replicas", 0);
        ready += mk_json_int(rs, "status.readyReplicas", 0);
        if (!strcmp(mk_json_str(rs, "metadata.name"), cur)) {
            current = rs;
            cur_ready = mk_json_int(rs, "status.readyReplicas", 0);
        }
    }
    if (rc == 0 && !current) {
        json_object *rs = function_replicaset(fn, rev, want);
        rc = ensure_created(c, "ReplicaSet", ns, rs, err);
        json_object_put(rs);
    } else if (rc == 0 && mk_json_int(current, "spec.replicas", 0) != want) {
        mk_log("function: %s: %lld -> %lld replicas", key,
               (long long)mk_json_int(current, "spec.replicas", 0), (long long)want);
        rc = set_replicas(c, ns, cur, want, err);
    }
    /* Older revisions serve until the current one is as ready as asked. */
    for (size_t i = 0; rc == 0 && i < json_object_array_length(o.list); i++) {
        json_object *rs = json_object_array_get_idx(o.list, i);
        const char *rsname = mk_json_str(rs, "metadata.name");
        if (strcmp(rsname, cur) && (want == 0 || cur_ready >= want))
            delete_revision(c, ns, name, rsname);
    }
    json_object_put(o.list);
    if (rc == 0)
        rc = patch_status(c, fn, ns, rev, replicas, ready, NULL, err);
    json_object_put(fn);
    return rc;
}

static void *worker(void *arg)
{
    fnctl *c = arg;
    if (!manager_wait_synced(c->m))
        return NULL;
    char *key;
    while (workqueue_get(c->q, &key)) {
        mk_err err = {0};
        if (sync_function(c, key, &err) < 0) {
            mk_log("function: %s: %s", key, err.msg);
            workqueue_add_after(c->q, key, FN_RETRY_MS);
        }
        workqueue_done(c->q, key);
        free(key);
    }
    return NULL;
}

static void function_stop(void *state)
{
    fnctl *c = state;
    workqueue_close(c->q, c->workers, c->nworkers);
    free(c);
}

static int function_start(manager *m, void **state, mk_err *err)
{
    fnctl *c = xcalloc(1, sizeof(*c));
    c->m = m;
    c->q = workqueue_new();
    mk_informer_handlers fh = {.on_add = on_fn, .on_update = on_fn_update, .on_delete = on_fn};
    mk_informer_handlers dh = {
        .on_add = on_dependent, .on_update = on_dependent_update, .on_delete = on_dependent};
    mk_informer_handlers ch = {.on_add = on_cm, .on_update = on_cm_update, .on_delete = on_cm};
    c->fns = manager_informer(m, kind_by_kind("Function"), &fh, c);
    c->rss = manager_informer(m, kind_by_kind("ReplicaSet"), &dh, c);
    c->cms = manager_informer(m, kind_by_kind("ConfigMap"), &ch, c);
    c->svcs = manager_informer(m, kind_by_kind("Service"), NULL, NULL);
    for (int i = 0; i < FN_WORKERS; i++) {
        if (pthread_create(&c->workers[i], NULL, worker, c) != 0) {
            function_stop(c);
            return mk_error(err, EAGAIN, "cannot start a thread");
        }
        c->nworkers++;
    }
    *state = c;
    return 0;
}

const mk_controller function_controller = {"function", function_start, function_stop};
