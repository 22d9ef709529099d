/* objects.c - create, get and delete, and what the verbs share. Updates
 * and patches are in update.c, bindings and pod proxies in binding.c. */
#include "store/server/objects.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/codec.h"
#include "store/defaults.h"
#include "store/log.h"
#include "store/qos.h"
#include "store/server/clusterip.h"
#include "store/server/finalizers.h"
#include "store/server/limitrange.h"
#include "store/server/namespaces.h"
#include "store/server/nslife.h"
#include "store/server/priority.h"
#include "store/server/quotacheck.h"
#include "store/server/rbac.h"
#include "store/server/satoken.h"
#include "store/server/table.h"

#define DELETE_RETRIES 16

static const char *const bootstrap_namespaces[] = {"default", "kube-system", "kube-public",
                                                   "kube-node-lease"};

const char *objects_qualified(const mk_kind *k, char *buf, size_t n)
{
    if (!k->group[0])
        return k->resource;
    snprintf(buf, n, "%s.%s", k->resource, k->group);
    return buf;
}

int objects_decode_body(api_req *r, json_object **out, mk_err *err)
{
    if (!r->body.len)
        return mk_error(err, EBADMSG, "request body is empty");
    if (codec_decode(r->body.data, r->body.len, out, err) < 0)
        return -err->code;
    if (!json_object_is_type(*out, json_type_object)) {
        json_object_put(*out);
        *out = NULL;
        return mk_error(err, EBADMSG, "request body is not an object");
    }
    return 0;
}

static json_object *parse_value(const char *value, size_t len)
{
    json_tokener *tok = json_tokener_new();
    json_object *obj = json_tokener_parse_ex(tok, value, (int)len);
    json_tokener_free(tok);
    return obj;
}

int objects_load(api_server *srv, const mk_kind *k, const char *ns, const char *name,
                 json_object **obj, int64_t *rev, mk_err *err)
{
    _cleanup_free_ char *key = kind_key(k, ns, name);
    _cleanup_free_ char *value = NULL;
    size_t len;
    char q[96];
    int rc = backend_get(srv->be, key, &value, &len, rev, err);
    if (rc == -ENOENT)
        return mk_error(err, ENOENT, "%s \"%s\" not found", objects_qualified(k, q, sizeof q),
                        name);
    if (rc < 0)
        return rc;
    *obj = parse_value(value, len);
    if (!*obj)
        return mk_error(err, EIO, "%s: stored value is not JSON", key);
    return 0;
}

json_object *objects_find(api_server *srv, const mk_kind *k, const char *ns, const char *name)
{
    json_object *obj = NULL;
    int64_t rev;
    mk_err err = {0};
    return objects_load(srv, k, ns, name, &obj, &rev, &err) == 0 ? obj : NULL;
}

typedef struct each_ctx {
    objects_fn fn;
    void *ctx;
} each_ctx;

static int each_one(void *ctx, const mk_kv *kv)
{
    each_ctx *e = ctx;
    json_object *obj = parse_value(kv->value, kv->len);
    int rc = obj ? e->fn(e->ctx, obj) : 0;
    json_object_put(obj);
    return rc;
}

int objects_each(api_server *srv, const mk_kind *k, const char *ns, objects_fn fn, void *ctx,
                 mk_err *err)
{
    _cleanup_free_ char *prefix = kind_prefix(k, ns);
    each_ctx e = {fn, ctx};
    int64_t rev;
    return backend_list(srv->be, prefix, each_one, &e, &rev, err);
}

int objects_convert_in(const api_route *rt, json_object *obj, mk_err *err)
{
    const mk_kind_version *v = rt->served;
    if (!v)
        return 0;
    const char *av = mk_json_str(obj, "apiVersion"), *kind = mk_json_str(obj, "kind");
    if (!av || !kind || strcmp(av, v->api_version) != 0 || strcmp(kind, v->kind) != 0)
        return mk_error(err, EBADMSG,
                        "the API version in the data (%s) and kind (%s) do not match the "
                        "resource %s/%s/%s",
                        av ? av : "", kind ? kind : "", rt->kind->group, v->version,
                        rt->kind->resource);
    if (v->to_stored(obj, err) < 0)
        return mk_error_wrap(err, "%s \"%s\" is invalid", v->kind,
                             mk_json_str(obj, "metadata.name") ?: "");
    return 0;
}

void objects_convert_out(const api_route *rt, json_object *obj)
{
    if (rt->served)
        rt->served->from_stored(obj);
}

enum MHD_Result objects_reply(api_req *r, unsigned status, const api_route *rt,
                              json_object *obj)
{
    if (api_wants_table(r)) {
        const char *inc = api_query(r, "includeObject");
        json_object *t = table_of_one(rt->kind, obj, inc && strcmp(inc, "Object") == 0);
        table_serve_as(t, rt->served);
        enum MHD_Result ret = api_reply_json(r, status, t);
        json_object_put(t);
        return ret;
    }
    objects_convert_out(rt, obj);
    const char *accept = api_header(r, "Accept");
    if (accept && strncmp(accept, "application/yaml", 16) == 0) {
        _cleanup_free_ char *y = codec_to_yaml(obj);
        return api_reply_text(r, status, "application/yaml", y, strlen(y));
    }
    return api_reply_json(r, status, obj);
}

enum MHD_Result objects_reply_stored(api_req *r, unsigned status, const api_route *rt,
                                     json_object *obj, const char *stored, size_t len)
{
    const char *accept = api_header(r, "Accept");
    if (!stored || rt->served || api_wants_table(r) ||
        (accept && strncmp(accept, "application/yaml", 16) == 0))
        return objects_reply(r, status, rt, obj);
    /* The store's canonical JSON of obj: the same bytes a GET returns. */
    return api_reply_text(r, status, "application/json", stored, len);
}

/* ?fieldValidation=Strict|Warn|Ignore, Warn by default as Kubernetes. */
typedef enum field_mode { FIELDS_WARN, FIELDS_STRICT, FIELDS_IGNORE } field_mode;

static int field_mode_of(api_req *r, field_mode *mode, mk_err *err)
{
    const char *v = api_query(r, "fieldValidation");
    *mode = FIELDS_WARN;
    if (!v || !*v || strcmp(v, "Warn") == 0)
        return 0;
    if (strcmp(v, "Strict") == 0)
        *mode = FIELDS_STRICT;
    else if (strcmp(v, "Ignore") == 0)
        *mode = FIELDS_IGNORE;
    else
        return mk_error(err, EBADMSG,
                        "fieldValidation: invalid value \"%.40s\" (Strict, Warn "
                        "or Ignore)",
                        v);
    return 0;
}

/* After validation filled r->warn: Strict turns unknown fields into a 400,
 * Ignore drops them. */
int objects_check_fields(api_req *r, mk_err *err)
{
    field_mode mode;
    if (field_mode_of(r, &mode, err) < 0)
        return -err->code;
    if (mode == FIELDS_IGNORE || r->warn.n == 0) {
        r->warn = (mk_warnings){0};
        return 0;
    }
    if (mode == FIELDS_WARN)
        return 0;
    char msg[sizeof err->msg];
    size_t off = (size_t)snprintf(msg, sizeof msg, "strict decoding error: ");
    for (int i = 0; i < r->warn.n && off < sizeof msg; i++)
        off += (size_t)snprintf(msg + off, sizeof msg - off, "%sunknown field \"%s\"",
                                i ? ", " : "", r->warn.path[i]);
    r->warn = (mk_warnings){0};
    return mk_error(err, EBADMSG, "%s", msg);
}

void objects_now(char *buf, size_t n)
{
    mk_rfc3339(buf, n, (int64_t)time(NULL));
}

static void generate_name(json_object *md)
{
    const char *base = mk_json_str(md, "generateName");
    if (!base || mk_json_str(md, "name"))
        return;
    char suffix[MK_NAME_SUFFIX + 1];
    mk_name_suffix(suffix);
    /* Kubernetes trims the base so the result stays within 63 characters. */
    size_t blen = strlen(base);
    if (blen > 63 - MK_NAME_SUFFIX)
        blen = 63 - MK_NAME_SUFFIX;
    _cleanup_free_ char *name = xasprintf("%.*s%s", (int)blen, base, suffix);
    json_object_object_add(md, "name", json_object_new_string(name));
}

/* *terminating (may be NULL): it is being deleted (known only from the
 * in-memory set, which the server always has; a test fixture may not). */
static int namespace_exists(api_server *srv, const char *ns, bool *terminating, mk_err *err)
{
    if (terminating)
        *terminating = false;
    if (srv->namespaces) {
        ns_state st = nsset_state(srv->namespaces, ns);
        if (terminating)
            *terminating = st == NS_TERMINATING;
        return st != NS_ABSENT ? 0 : mk_error(err, ENOENT, "namespaces \"%s\" not found", ns);
    }
    const mk_kind *nsk = kind_by_kind("Namespace");
    _cleanup_free_ char *key = kind_key(nsk, NULL, ns);
    _cleanup_free_ char *value = NULL;
    size_t len;
    int64_t rev;
    int rc = backend_get(srv->be, key, &value, &len, &rev, err);
    if (rc == -ENOENT)
        return mk_error(err, ENOENT, "namespaces \"%s\" not found", ns);
    return rc;
}

/* The URL's namespace fills the body's; a different one is an error. */
static int settle_namespace(const api_route *rt, json_object *md, mk_err *err)
{
    const mk_kind *k = rt->kind;
    const char *body_ns = mk_json_str(md, "namespace");
    if (!k->namespaced) {
        json_object_object_del(md, "namespace");
        return 0;
    }
    if (!rt->ns[0])
        return mk_error(err, ENOENT,
                        "the server could not find the requested resource "
                        "(a namespaced %s needs /namespaces/NAME/ in the path)",
                        k->resource);
    if (body_ns && *body_ns && strcmp(body_ns, rt->ns) != 0)
        return mk_error(err, EBADMSG,
                        "the namespace of the provided object (%s) does not match the "
                        "namespace sent on the request (%s)",
                        body_ns, rt->ns);
    json_object_object_add(md, "namespace", json_object_new_string(rt->ns));
    return 0;
}

/* A Pod's status as Kubernetes' pod strategy begins it: Pending, its QoS
 * class, and PodScheduled False while scheduling gates hold it back. */
static void pod_create_status(json_object *pod, const char *ts)
{
    if (!mk_json_str(pod, "status.phase"))
        mk_json_set_str(pod, "status.phase", "Pending");
    mk_json_set_str(pod, "status.qosClass", qos_name(qos_of_spec(mk_json_path(pod, "spec"))));
    json_object *gates = mk_json_path(pod, "spec.schedulingGates");
    json_object *st = mk_json_path(pod, "status");
    if (!json_object_is_type(gates, json_type_array) || !json_object_array_length(gates) ||
        !json_object_is_type(st, json_type_object))
        return;
    json_object *c =
        mk_condition_new("PodScheduled", "False", ts, "SchedulingGated",
                         "Scheduling is blocked due to non-empty scheduling gates");
    json_object_object_add(st, "conditions", mk_conditions_with(NULL, c));
}

/* What the server sets on create, whatever the client sent. */
static void set_create_fields(const mk_kind *k, json_object *obj, json_object *md)
{
    char uid[37], ts[32];
    mk_uuid(uid);
    objects_now(ts, sizeof ts);
    json_object_object_add(md, "uid", json_object_new_string(uid));
    json_object_object_add(md, "creationTimestamp", json_object_new_string(ts));
    json_object_object_add(md, "generation", json_object_new_int64(1));
    json_object_object_del(md, "resourceVersion");
    json_object_object_del(md, "deletionTimestamp");
    json_object_object_del(md, "deletionGracePeriodSeconds");
    if (strcmp(k->kind, "Pod") == 0)
        pod_create_status(obj, ts);
    if ((strcmp(k->kind, "PersistentVolume") == 0 ||
         strcmp(k->kind, "PersistentVolumeClaim") == 0) &&
        !mk_json_str(obj, "status.phase")) /* the volume controller moves them on */
        mk_json_set_str(obj, "status.phase", "Pending");
    /* Storage in use is protected from deletion (controllers/volprotect.c),
     * as Kubernetes' admission puts these on. */
    if (strcmp(k->kind, "PersistentVolumeClaim") == 0)
        finalizers_add(obj, "kubernetes.io/pvc-protection");
    else if (strcmp(k->kind, "PersistentVolume") == 0)
        finalizers_add(obj, "kubernetes.io/pv-protection");
    if (strcmp(k->kind, "Namespace") == 0 && !mk_json_str(obj, "status.phase"))
        mk_json_set_str(obj, "status.phase", "Active");
    satoken_fill(obj);
    defaults_apply(k, obj);
}

/* Check a decoded manifest is of the route's kind. */
int objects_check_kind(const api_route *rt, json_object *obj, mk_err *err)
{
    const mk_kind *k;
    if (validate_kind_of(obj, &k, err) < 0) {
        err->code = EBADMSG; /* not an object of any kind: a malformed request */
        return -EBADMSG;
    }
    if (k != rt->kind)
        return mk_error(err, EBADMSG,
                        "the API version in the data (%s) and kind (%s) do not match the "
                        "resource %s%s%s/%s",
                        k->api_version, k->kind, rt->kind->group, rt->kind->group[0] ? "/" : "",
                        rt->kind->version, rt->kind->resource);
    return 0;
}

/* *stored: the JSON the store keeps (caller frees), NULL if not known. */
static int create_object(api_req *r, const api_route *rt, json_object *obj, char **stored,
                         size_t *stored_len, mk_err *err)
{
    const mk_kind *k = rt->kind;
    char q[96];
    if (objects_convert_in(rt, obj, err) < 0 || objects_check_kind(rt, obj, err) < 0)
        return -err->code;
    json_object *md = mk_json_ensure(obj, "metadata");
    if (!json_object_is_type(md, json_type_object))
        return mk_error(err, EBADMSG, "metadata: must be an object");
    if (settle_namespace(rt, md, err) < 0)
        return -err->code;
    generate_name(md);
    set_create_fields(k, obj, md);
    if (k->namespaced && limitrange_default(r, k, rt->ns, obj, err) < 0)
        return -err->code;
    if (!strcmp(k->kind, "Pod") && priority_admit_pod(r->srv->priorities, obj, err) < 0)
        return -err->code;
    if (!strcmp(k->kind, "Pod") &&
        mk_json_array_len(mk_json_path(obj, "spec.ephemeralContainers")))
        return mk_error(err, EINVAL,
                        "Pod \"%s\" is invalid: spec.ephemeralContainers: Forbidden: cannot be "
                        "set on create",
                        mk_json_str(obj, "metadata.name") ?: "");
    if (validate_object(k, obj, &r->warn, err) < 0) {
        r->warn = (mk_warnings){0};
        return mk_error_wrap(err, "%s \"%s\" is invalid", k->kind,
                             mk_json_str(obj, "metadata.name") ?: "");
    }
    validate_normalize(k, obj); /* quantities stored as strings, as Kubernetes does */
    if (objects_check_fields(r, err) < 0)
        return -err->code;
    const char *name = mk_json_str(obj, "metadata.name");
    bool terminating = false;
    if (k->namespaced && namespace_exists(r->srv, rt->ns, &terminating, err) < 0)
        return -err->code;
    if (terminating)
        return mk_error(err, EACCES,
                        "%s \"%s\" is forbidden: unable to create new content in namespace %s "
                        "because it is being terminated",
                        objects_qualified(k, q, sizeof q), name, rt->ns);
    if (strcmp(k->kind, "Pod") == 0)
        satoken_admit_pod(r, obj);
    if (!strcmp(k->kind, "PriorityClass") &&
        priority_admit_class(r->srv->priorities, NULL, obj, err) < 0)
        return -err->code;
    quota_hold hold;
    if ((k->namespaced && limitrange_check(r, k, rt->ns, obj, err) < 0) ||
        quota_admit(r, k, rt->ns, obj, &hold, err) < 0)
        return -err->code;
    bool svc = strcmp(k->kind, "Service") == 0;
    if (svc && clusterip_allocate(r->srv, obj, err) < 0) {
        quota_admit_done(&hold);
        return mk_error_wrap(err, "Service \"%s\" is invalid", name);
    }
    _cleanup_free_ char *key = kind_key(k, rt->ns, name);
    mk_write w = {.op = MK_WRITE_CREATE,
                  .key = key,
                  .obj = obj,
                  .stored = stored,
                  .stored_len = stored_len};
    int64_t rev;
    int rc = objects_write(r, &w, &rev, err);
    quota_admit_done(&hold);
    if ((rc < 0 || r->dry_run) && svc)
        clusterip_release(r->srv, obj);
    if (rc == -EEXIST)
        return mk_error(err, EEXIST, "%s \"%s\" already exists",
                        objects_qualified(k, q, sizeof q), name);
    return rc;
}

enum MHD_Result objects_create(api_req *r, const api_route *rt)
{
    mk_err err = {0};
    json_object *obj = NULL;
    if (rt->name[0])
        return api_fail(r, EOPNOTSUPP, "POST is not allowed on a named %s", rt->kind->singular);
    if (objects_decode_body(r, &obj, &err) < 0)
        return api_reply_err(r, &err, rt->kind, NULL);
    return objects_create_with(r, rt, obj);
}

enum MHD_Result objects_create_with(api_req *r, const api_route *rt, json_object *obj)
{
    mk_err err = {0};
    _cleanup_free_ char *stored = NULL;
    size_t stored_len = 0;
    if (create_object(r, rt, obj, &stored, &stored_len, &err) < 0) {
        const char *name = obj ? mk_json_str(obj, "metadata.name") : NULL;
        enum MHD_Result ret = api_reply_err(r, &err, rt->kind, name);
        json_object_put(obj);
        return ret;
    }
    enum MHD_Result ret = objects_reply_stored(r, 201, rt, obj, stored, stored_len);
    json_object_put(obj);
    return ret;
}

enum MHD_Result objects_get(api_req *r, const api_route *rt)
{
    mk_err err = {0};
    const char *accept = api_header(r, "Accept");
    bool plain = !rt->served && !api_wants_table(r) &&
                 !(accept && !strncmp(accept, "application/yaml", 16));
    if (plain) {
        /* The stored value is already the canonical JSON: send it as is. */
        _cleanup_free_ char *key = kind_key(rt->kind, rt->ns, rt->name);
        _cleanup_free_ char *value = NULL;
        size_t len;
        int64_t rev;
        char q[96];
        int rc = backend_get(r->srv->be, key, &value, &len, &rev, &err);
        if (rc == -ENOENT)
            mk_error(&err, ENOENT, "%s \"%s\" not found",
                     objects_qualified(rt->kind, q, sizeof q), rt->name);
        if (rc < 0)
            return api_reply_err(r, &err, rt->kind, rt->name);
        return api_reply_text(r, 200, "application/json", value, len);
    }
    json_object *obj = NULL;
    int64_t rev;
    if (objects_load(r->srv, rt->kind, rt->ns, rt->name, &obj, &rev, &err) < 0)
        return api_reply_err(r, &err, rt->kind, rt->name);
    enum MHD_Result ret = objects_reply(r, 200, rt, obj);
    json_object_put(obj);
    return ret;
}

/* ---- delete ---- */

typedef struct delete_opts {
    int64_t precondition_rev; /* 0: none */
    char precondition_uid[64];
    char propagation[16]; /* "", Orphan, Background, Foreground */
    int64_t grace;        /* gracePeriodSeconds; -1: not given */
    bool terminate;       /* a namespace that still holds objects: only mark it */
} delete_opts;

static int grace_of(const char *s, int64_t *grace, mk_err *err)
{
    char *end;
    long long g = strtoll(s, &end, 10);
    if (!*s || *end || g < 0)
        return mk_error(err, EBADMSG, "gracePeriodSeconds: invalid value \"%.20s\"", s);
    *grace = g;
    return 0;
}

/* A DeleteOptions object's settings into o. */
static void delete_opts_from(json_object *body, delete_opts *o)
{
    const char *p = mk_json_str(body, "propagationPolicy");
    if (p)
        snprintf(o->propagation, sizeof o->propagation, "%s", p);
    const char *rv = mk_json_str(body, "preconditions.resourceVersion");
    if (rv)
        o->precondition_rev = strtoll(rv, NULL, 10);
    const char *uid = mk_json_str(body, "preconditions.uid");
    if (uid)
        snprintf(o->precondition_uid, sizeof o->precondition_uid, "%s", uid);
    json_object *g = mk_json_path(body, "gracePeriodSeconds");
    if (g && json_object_is_type(g, json_type_int))
        o->grace = json_object_get_int64(g) < 0 ? 0 : json_object_get_int64(g);
}

int objects_set_dry_run(api_req *r, const char *v, mk_err *err)
{
    if (strcmp(v ?: "", "All") != 0)
        return mk_error(err, EBADMSG,
                        "dryRun: Unsupported value: \"%s\": supported values: \"All\"",
                        v ?: "");
    r->dry_run = true;
    return 0;
}

int objects_dry_run_of(api_req *r, json_object *options, mk_err *err)
{
    json_object *dry = mk_json_path(options, "dryRun");
    size_t n = mk_json_array_len(dry);
    for (size_t i = 0; i < n; i++)
        if (objects_set_dry_run(r, json_object_get_string(json_object_array_get_idx(dry, i)),
                                err) < 0)
            return -err->code;
    return 0;
}

static int delete_body(api_req *r, delete_opts *o, mk_err *err)
{
    json_object *body;
    if (objects_decode_body(r, &body, err) < 0)
        return -err->code;
    delete_opts_from(body, o);
    int rc = objects_dry_run_of(r, body, err);
    json_object_put(body);
    return rc;
}

static int check_propagation(const delete_opts *o, mk_err *err)
{
    if (o->propagation[0] && strcmp(o->propagation, "Orphan") != 0 &&
        strcmp(o->propagation, "Background") != 0 && strcmp(o->propagation, "Foreground") != 0)
        return mk_error(err, EBADMSG, "propagationPolicy: Unsupported value: \"%s\"",
                        o->propagation);
    return 0;
}

static int delete_opts_of(api_req *r, delete_opts *o, mk_err *err)
{
    *o = (delete_opts){.grace = -1};
    const char *q = api_query(r, "propagationPolicy");
    if (q)
        snprintf(o->propagation, sizeof o->propagation, "%s", q);
    q = api_query(r, "gracePeriodSeconds");
    if (q && grace_of(q, &o->grace, err) < 0)
        return -err->code;
    if (r->body.len && delete_body(r, o, err) < 0)
        return -err->code;
    return check_propagation(o, err);
}

/* Record the deletion on the object's last state, as the DELETED event and
 * the reply carry it. The propagation policy is recorded as Kubernetes
 * records it, in finalizers, when the garbage collector holds the object
 * (held): it acts on them. A pod already marked for graceful deletion keeps
 * its timestamp. Finalizers the object carries are kept. */
static void mark_deleted(json_object *obj, const delete_opts *o, int64_t grace, bool held)
{
    json_object *md = mk_json_ensure(obj, "metadata");
    if (!mk_json_str(obj, "metadata.deletionTimestamp")) {
        char ts[32];
        mk_rfc3339(ts, sizeof ts, (int64_t)time(NULL) + grace);
        json_object_object_add(md, "deletionTimestamp", json_object_new_string(ts));
        if (grace > 0)
            json_object_object_add(md, "deletionGracePeriodSeconds",
                                   json_object_new_int64(grace));
    }
    const char *fin = strcmp(o->propagation, "Orphan") == 0       ? "orphan"
                      : strcmp(o->propagation, "Foreground") == 0 ? "foregroundDeletion"
                                                                  : NULL;
    if (fin && held)
        finalizers_add(obj, fin);
}

/* Orphan and Foreground deletions wait for the garbage collector, as in
 * Kubernetes: the first DELETE only marks the object (deletionTimestamp and
 * the "orphan" or "foregroundDeletion" finalizer); the collector, once it
 * has released or deleted the dependents, deletes it again with
 * Background, which removes it. Pods own nothing here and go at once. */
static bool gc_holds(const mk_kind *k, const delete_opts *o)
{
    return strcmp(k->kind, "Pod") != 0 &&
           (strcmp(o->propagation, "Orphan") == 0 || strcmp(o->propagation, "Foreground") == 0);
}

static bool protected_namespace(const mk_kind *k, const char *name)
{
    if (strcmp(k->kind, "Namespace") != 0)
        return false;
    for (size_t i = 0; i < ARRAY_SIZE(bootstrap_namespaces); i++)
        if (strcmp(name, bootstrap_namespaces[i]) == 0)
            return true;
    return false;
}

/* With --graceful-pod-deletion, pods bound to a node go as in Kubernetes:
 * the first DELETE only marks them (deletionTimestamp = now + grace) and
 * the kubelet, once the containers have stopped, deletes with grace 0. A
 * pod that never ran or has finished has nothing to stop and goes at once.
 * Without the flag every pod goes at once (no kubelet need confirm).
 * *grace is the period when graceful. */
static bool pod_graceful(const api_server *srv, const mk_kind *k, json_object *pod,
                         const delete_opts *o, int64_t *grace)
{
    *grace = 0;
    if (!srv->graceful_pods || strcmp(k->kind, "Pod") != 0)
        return false;
    const char *node = mk_json_str(pod, "spec.nodeName");
    const char *phase = mk_json_str(pod, "status.phase");
    if (!node || !*node || (phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"))))
        return false;
    int64_t g =
        o->grace >= 0 ? o->grace : mk_json_int(pod, "spec.terminationGracePeriodSeconds", 30);
    if (g <= 0)
        return false;
    *grace = g;
    return true;
}

/* A second DELETE of an object already marked: the collector's closing
 * one (Background) takes its finalizers off, and a pod's grace period ends
 * (the kubelet has stopped it). */
static void end_grace(json_object *last, bool held)
{
    if (!held)
        finalizers_drop_gc(last);
    json_object *md = mk_json_path(last, "metadata");
    if (json_object_object_get_ex(md, "deletionGracePeriodSeconds", NULL))
        json_object_object_add(md, "deletionGracePeriodSeconds", json_object_new_int64(0));
}

static int delete_conflict(const mk_kind *k, const char *name, int rc, mk_err *err)
{
    char q[96];
    if (rc == -ENOENT)
        return mk_error(err, ENOENT, "%s \"%s\" not found", objects_qualified(k, q, sizeof q),
                        name);
    return mk_error(err, ESTALE,
                    "Operation cannot be fulfilled on %s \"%s\": the object has "
                    "been modified; please apply your changes to the latest version and try "
                    "again",
                    objects_qualified(k, q, sizeof q), name);
}

/* One read-check-write round; *retry when a concurrent change may be
 * retried (the client gave no resourceVersion precondition). */
static int delete_once(api_req *r, const api_route *rt, const delete_opts *o, json_object **out,
                       bool *retry, mk_err *err)
{
    const mk_kind *k = rt->kind;
    json_object *prev;
    int64_t rev;
    *retry = false;
    if (objects_load(r->srv, k, rt->ns, rt->name, &prev, &rev, err) < 0)
        return -err->code;
    const char *uid = mk_json_str(prev, "metadata.uid");
    if (o->precondition_uid[0] && strcmp(o->precondition_uid, uid ? uid : "") != 0) {
        int rc = mk_error(err, ESTALE,
                          "Precondition failed: UID in precondition: %s, UID in "
                          "object meta: %s",
                          o->precondition_uid, uid ? uid : "");
        json_object_put(prev);
        return rc;
    }
    int64_t grace;
    bool graceful = pod_graceful(r->srv, k, prev, o, &grace);
    bool held = !graceful && gc_holds(k, o);
    bool going = mk_json_str(prev, "metadata.deletionTimestamp") != NULL;
    if ((graceful || held) && going) {
        *out = prev; /* already going: nothing to write */
        return 0;
    }
    json_object *last = mk_json_copy(prev);
    mark_deleted(last, o, grace, held);
    if (going)
        end_grace(last, held);
    /* Finalizers of others hold the object, marked, until they are taken
     * off; a namespace is held by what it holds (nslife.h). */
    bool finalized = !graceful && !held && (finalizers_count(last) > 0 || o->terminate);
    if (o->terminate)
        mk_json_set_str(last, "status.phase", "Terminating");
    if (finalized && json_object_equal(last, prev)) {
        json_object_put(last);
        *out = prev;
        return 0;
    }
    _cleanup_free_ char *key = kind_key(k, rt->ns, rt->name);
    mk_write w = {.op = graceful || held || finalized ? MK_WRITE_UPDATE : MK_WRITE_DELETE,
                  .key = key,
                  .obj = last,
                  .prev = prev,
                  .expect_rev = o->precondition_rev ? o->precondition_rev : rev};
    int64_t new_rev;
    int rc = objects_write(r, &w, &new_rev, err);
    json_object_put(prev);
    if (rc == 0) {
        *out = last;
        return 0;
    }
    json_object_put(last);
    if (rc == -ESTALE || rc == -ENOENT) {
        *retry = rc == -ESTALE && !o->precondition_rev;
        return delete_conflict(k, rt->name, rc, err);
    }
    return rc;
}

static int delete_with_retries(api_req *r, const api_route *rt, const delete_opts *o,
                               json_object **out, mk_err *err)
{
    int rc = 0;
    bool retry = true;
    for (int i = 0; retry && i < DELETE_RETRIES; i++)
        rc = delete_once(r, rt, o, out, &retry, err);
    return rc;
}

typedef struct name_list {
    size_t prefix_len;
    char **names;
    size_t n, cap;
} name_list;

static int collect_name(void *ctx, const mk_kv *kv)
{
    name_list *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->names = xrealloc(l->names, l->cap * sizeof *l->names);
    }
    l->names[l->n++] = xstrdup(kv->key + l->prefix_len);
    return 0;
}

/* A namespace takes what is in it along, as the namespace controller
 * does in Kubernetes; here synchronously, before the namespace goes. */
static int delete_namespace_content(api_req *r, const char *ns, mk_err *err)
{
    delete_opts none = {.grace = -1};
    for (size_t k = 0; k < mk_nkinds; k++) {
        if (!mk_kinds[k].namespaced)
            continue;
        _cleanup_free_ char *prefix = kind_prefix(&mk_kinds[k], ns);
        name_list l = {.prefix_len = strlen(prefix)};
        int64_t rev;
        int rc = backend_list(r->srv->be, prefix, collect_name, &l, &rev, err);
        for (size_t i = 0; i < l.n; i++) {
            api_route rt = {.kind = &mk_kinds[k]};
            snprintf(rt.ns, sizeof rt.ns, "%.63s", ns); /* a DNS label */
            snprintf(rt.name, sizeof rt.name, "%s", l.names[i]);
            json_object *gone = NULL;
            mk_err e = {0};
            if (rc == 0 && delete_with_retries(r, &rt, &none, &gone, &e) < 0 &&
                e.code != ENOENT) {
                *err = e;
                rc = -e.code;
            }
            json_object_put(gone);
            free(l.names[i]);
        }
        free(l.names);
        if (rc < 0)
            return mk_error_wrap(err, "namespace %s: deleting its %s", ns,
                                 mk_kinds[k].resource);
    }
    return 0;
}

/* As Kubernetes: the namespace is marked Terminating first, so that no
 * new object lands in it while its content goes; then the content; then
 * the namespace itself, unless something stays (nslife.h). */
static int delete_namespace(api_req *r, const api_route *rt, delete_opts *o, json_object **out,
                            mk_err *err)
{
    json_object *marked = NULL;
    o->terminate = true;
    o->propagation[0] = '\0'; /* all of it goes, whatever the policy */
    if (delete_with_retries(r, rt, o, &marked, err) < 0)
        return -err->code;
    if (delete_namespace_content(r, rt->name, err) < 0) {
        json_object_put(marked);
        return -err->code;
    }
    if (nslife_holds(r->srv, rt->name)) {
        *out = marked;
        return 0;
    }
    json_object_put(marked);
    o->terminate = false;
    return delete_with_retries(r, rt, o, out, err);
}

static int delete_object(api_req *r, const api_route *rt, json_object **out, mk_err *err)
{
    delete_opts o;
    if (delete_opts_of(r, &o, err) < 0)
        return -err->code;
    bool ns = strcmp(rt->kind->kind, "Namespace") == 0;
    if (ns && protected_namespace(rt->kind, rt->name))
        return mk_error(err, EACCES,
                        "namespaces \"%s\" is forbidden: this namespace may not "
                        "be deleted",
                        rt->name);
    if (ns && namespace_exists(r->srv, rt->name, NULL, err) == 0)
        return delete_namespace(r, rt, &o, out, err);
    return delete_with_retries(r, rt, &o, out, err);
}

int objects_delete_with(api_req *r, const api_route *rt, json_object *options,
                        json_object **out, mk_err *err)
{
    delete_opts o = {.grace = -1};
    if (options)
        delete_opts_from(options, &o);
    if (objects_dry_run_of(r, options, err) < 0 || check_propagation(&o, err) < 0)
        return -err->code;
    json_object *last = NULL;
    int rc = delete_with_retries(r, rt, &o, &last, err);
    if (out)
        *out = last;
    else
        json_object_put(last);
    return rc;
}

enum MHD_Result objects_delete(api_req *r, const api_route *rt)
{
    mk_err err = {0};
    json_object *obj = NULL;
    if (!rt->name[0])
        return api_fail(r, EOPNOTSUPP, "deleting a collection is not supported");
    if (delete_object(r, rt, &obj, &err) < 0)
        return api_reply_err(r, &err, rt->kind, rt->name);
    if (strcmp(rt->kind->kind, "Service") == 0 && !r->dry_run)
        clusterip_release(r->srv, obj);
    mk_debug("deleted %s %s/%s", rt->kind->kind, rt->ns, rt->name);
    nslife_reap(r->srv, rt->ns);
    enum MHD_Result ret = objects_reply(r, 200, rt, obj);
    json_object_put(obj);
    return ret;
}

/* ---- the write ---- */

int objects_write(api_req *r, const mk_write *w, int64_t *rev, mk_err *err)
{
    /* An rbac user may grant only what it holds (rbac.h). */
    const mk_kind *k = r->role == ROLE_RBAC && w->op != MK_WRITE_DELETE
                           ? kind_by_kind(mk_json_str(w->obj, "kind"))
                           : NULL;
    if (kind_has_path_names(k) && rbac_check_escalation(r->srv, r->user, k, w->obj, err) < 0)
        return -err->code;
    if (!r->dry_run)
        return backend_write(r->srv->be, w, rev, err);
    /* The checks the backend makes inside its transaction, made on what is
     * there now: a dry run answers as the write would have. */
    _cleanup_free_ char *value = NULL;
    size_t len;
    int64_t cur = 0;
    mk_err gerr = {0};
    int rc = backend_get(r->srv->be, w->key, &value, &len, &cur, &gerr);
    if (rc < 0 && rc != -ENOENT) {
        *err = gerr;
        return rc;
    }
    bool exists = rc == 0;
    if ((rc = backend_check_write(w, exists ? cur : 0, err)) < 0)
        return rc;
    *rev = exists ? cur : r->srv->be->ops->current_rev(r->srv->be);
    return 0;
}

int objects_write_back(api_req *r, const api_route *rt, json_object *obj, json_object *prev,
                       int64_t rev, mk_err *err)
{
    _cleanup_free_ char *key = kind_key(rt->kind, rt->ns, rt->name);
    mk_write w = {
        .op = MK_WRITE_UPDATE, .key = key, .obj = obj, .prev = prev, .expect_rev = rev};
    int64_t new_rev;
    return objects_write(r, &w, &new_rev, err);
}

/* ---- startup ---- */

int objects_put_new(api_server *srv, json_object *obj, mk_err *err)
{
    const mk_kind *k = kind_by_kind(mk_json_str(obj, "kind"));
    const char *name = mk_json_str(obj, "metadata.name");
    set_create_fields(k, obj, mk_json_path(obj, "metadata"));
    _cleanup_free_ char *key = kind_key(k, mk_json_str(obj, "metadata.namespace"), name);
    mk_write w = {.op = MK_WRITE_CREATE, .key = key, .obj = obj};
    int64_t rev;
    int rc = backend_write(srv->be, &w, &rev, err);
    if (rc == 0)
        mk_log("created %s %s", k->singular, name);
    else if (rc != -EEXIST)
        return mk_error_wrap(err, "create %s %s", k->singular, name);
    return 0;
}

int objects_bootstrap(api_server *srv, mk_err *err)
{
    json_object *all = rbac_default_roles();
    json_object *classes = priority_system_classes();
    for (size_t i = 0; i < json_object_array_length(classes); i++)
        json_object_array_add(all, json_object_get(json_object_array_get_idx(classes, i)));
    json_object_put(classes);
    for (size_t i = 0; i < ARRAY_SIZE(bootstrap_namespaces); i++) {
        json_object *ns = json_object_new_object();
        json_object_object_add(ns, "apiVersion", json_object_new_string("v1"));
        json_object_object_add(ns, "kind", json_object_new_string("Namespace"));
        json_object *md = mk_json_ensure(ns, "metadata");
        json_object_object_add(md, "name", json_object_new_string(bootstrap_namespaces[i]));
        json_object_array_add(all, ns);
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < json_object_array_length(all); i++)
        rc = objects_put_new(srv, json_object_array_get_idx(all, i), err);
    json_object_put(all);
    return rc;
}
