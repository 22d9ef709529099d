/* volume.c - the volume controller (see volume.h). */
#include "controllers/volume.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controllers/controllers.h"
#include "controllers/workqueue.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/printers.h"
#include "store/quantity.h"
#include "store/selector.h"
#include "store/util.h"

#define VOLUME_RETRY_MS 2000

/* ---- the rules ---- */

/* An annotation (keys hold dots: no mk_json_path). */
static const char *ann(json_object *obj, const char *key)
{
    json_object *a = mk_json_path(obj, "metadata.annotations"), *v = NULL;
    if (!json_object_is_type(a, json_type_object) || !json_object_object_get_ex(a, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

const char *volume_claim_class(json_object *claim)
{
    return mk_json_str(claim, "spec.storageClassName") ?: "";
}

static const char *pv_class(json_object *pv)
{
    return mk_json_str(pv, "spec.storageClassName") ?: "";
}

json_object *volume_default_class(json_object *const *classes, size_t n)
{
    json_object *best = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!storageclass_is_default(classes[i]))
            continue;
        if (!best) {
            best = classes[i];
            continue;
        }
        /* RFC 3339 times of one format order as strings */
        const char *a = mk_json_str(classes[i], "metadata.creationTimestamp") ?: "";
        const char *b = mk_json_str(best, "metadata.creationTimestamp") ?: "";
        int c = strcmp(a, b);
        if (c > 0 || (c == 0 && strcmp(mk_json_str(classes[i], "metadata.name") ?: "",
                                       mk_json_str(best, "metadata.name") ?: "") < 0))
            best = classes[i];
    }
    return best;
}

json_object *volume_local_path_class(void)
{
    json_object *sc = NULL;
    mk_err err = {0};
    static const char text[] =
        "{\"apiVersion\":\"storage.k8s.io/v1\",\"kind\":\"StorageClass\","
        "\"metadata\":{\"name\":\"" VOLUME_LOCAL_PATH_CLASS "\",\"annotations\":"
        "{\"" VOLUME_ANN_DEFAULT_CLASS "\":\"true\"}},"
        "\"provisioner\":\"" VOLUME_LOCAL_PATH_PROVISIONER "\","
        "\"parameters\":{\"path\":\"" VOLUME_LOCAL_PATH_DIR "\"},"
        "\"reclaimPolicy\":\"Delete\",\"volumeBindingMode\":\"WaitForFirstConsumer\"}";
    if (codec_decode(text, sizeof text - 1, &sc, &err) < 0)
        abort(); /* a constant */
    return sc;
}

/* A quantity at path, or false. */
static bool qty_at(json_object *obj, const char *path, mk_quantity *q)
{
    const char *s = mk_json_str(obj, path);
    return s && quantity_parse(s, q, NULL) == 0;
}

static bool has_mode(json_object *modes, const char *mode)
{
    size_t n = mk_json_array_len(modes);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(json_object_get_string(json_object_array_get_idx(modes, i)) ?: "", mode))
            return true;
    return false;
}

static bool modes_superset(json_object *have, json_object *want)
{
    size_t n = mk_json_array_len(want);
    for (size_t i = 0; i < n; i++)
        if (!has_mode(have, json_object_get_string(json_object_array_get_idx(want, i)) ?: ""))
            return false;
    return true;
}

static bool selector_matches(json_object *claim, json_object *pv)
{
    json_object *sel = mk_json_path(claim, "spec.selector");
    if (!sel)
        return true;
    mk_selector *s = NULL;
    if (selector_from_object(sel, &s, NULL) < 0)
        return false;
    bool ok = selector_match_labels(s, mk_json_path(pv, "metadata.labels"));
    selector_free(s);
    return ok;
}

bool volume_fits(json_object *claim, json_object *pv, const char **why)
{
    mk_quantity want, have;
    const char *w = NULL;
    if (strcmp(volume_claim_class(claim), pv_class(pv)))
        w = "storageClassName does not match";
    else if (strcmp(mk_json_str(claim, "spec.volumeMode") ?: "Filesystem",
                    mk_json_str(pv, "spec.volumeMode") ?: "Filesystem"))
        w = "incompatible volumeMode";
    else if (!qty_at(claim, "spec.resources.requests.storage", &want) ||
             !qty_at(pv, "spec.capacity.storage", &have) || quantity_cmp(&have, &want) < 0)
        w = "requested PV is too small";
    else if (!modes_superset(mk_json_path(pv, "spec.accessModes"),
                             mk_json_path(claim, "spec.accessModes")))
        w = "incompatible accessMode";
    else if (!selector_matches(claim, pv))
        w = "claim's selector does not match the volume's labels";
    if (why)
        *why = w;
    return !w;
}

bool volume_reserved_for(json_object *pv, json_object *claim)
{
    json_object *ref = mk_json_path(pv, "spec.claimRef");
    if (!ref)
        return false;
    const char *uid = mk_json_str(ref, "uid");
    return !strcmp(mk_json_str(ref, "name") ?: "", mk_json_str(claim, "metadata.name") ?: "") &&
           !strcmp(mk_json_str(ref, "namespace") ?: "",
                   mk_json_str(claim, "metadata.namespace") ?: "") &&
           (!uid || !*uid || !strcmp(uid, mk_json_str(claim, "metadata.uid") ?: ""));
}

/* Is a smaller than b: by capacity, then by name. */
static bool smaller(json_object *a, json_object *b)
{
    mk_quantity qa, qb;
    if (qty_at(a, "spec.capacity.storage", &qa) && qty_at(b, "spec.capacity.storage", &qb)) {
        int c = quantity_cmp(&qa, &qb);
        if (c)
            return c < 0;
    }
    return strcmp(mk_json_str(a, "metadata.name") ?: "",
                  mk_json_str(b, "metadata.name") ?: "") < 0;
}

json_object *volume_pick(json_object *claim, json_object *const *pvs, size_t n)
{
    const char *want = mk_json_str(claim, "spec.volumeName");
    json_object *best = NULL;
    for (size_t i = 0; i < n; i++) {
        json_object *pv = pvs[i];
        if (mk_json_str(pv, "metadata.deletionTimestamp") || !volume_fits(claim, pv, NULL))
            continue;
        if (want && *want && strcmp(want, mk_json_str(pv, "metadata.name") ?: ""))
            continue;
        if (volume_reserved_for(pv, claim))
            return pv;
        /* Kubernetes takes only Available ones: a Pending one turns
         * Available soon, and the claim is looked at again then. */
        if (mk_json_path(pv, "spec.claimRef") ||
            strcmp(mk_json_str(pv, "status.phase") ?: "", "Available"))
            continue;
        if (!best || smaller(pv, best))
            best = pv;
    }
    return best;
}

static void add_str(json_object *o, const char *key, const char *v)
{
    json_object_object_add(o, key, json_object_new_string(v ? v : ""));
}

/* spec.claimRef to claim, as Kubernetes writes it. */
static json_object *claim_ref(json_object *claim)
{
    json_object *ref = json_object_new_object();
    add_str(ref, "kind", "PersistentVolumeClaim");
    add_str(ref, "namespace", mk_json_str(claim, "metadata.namespace"));
    add_str(ref, "name", mk_json_str(claim, "metadata.name"));
    add_str(ref, "uid", mk_json_str(claim, "metadata.uid"));
    add_str(ref, "apiVersion", "v1");
    add_str(ref, "resourceVersion", mk_json_str(claim, "metadata.resourceVersion"));
    return ref;
}

/* nodeAffinity.required: the node named `node`, by its hostname label. */
static json_object *node_affinity(const char *node)
{
    json_object *values = json_object_new_array(), *expr = json_object_new_object();
    json_object_array_add(values, json_object_new_string(node));
    add_str(expr, "key", "kubernetes.io/hostname");
    add_str(expr, "operator", "In");
    json_object_object_add(expr, "values", values);
    json_object *exprs = json_object_new_array(), *term = json_object_new_object();
    json_object_array_add(exprs, expr);
    json_object_object_add(term, "matchExpressions", exprs);
    json_object *terms = json_object_new_array(), *req = json_object_new_object();
    json_object_array_add(terms, term);
    json_object_object_add(req, "nodeSelectorTerms", terms);
    json_object *na = json_object_new_object();
    json_object_object_add(na, "required", req);
    return na;
}

json_object *volume_provisioned_pv(json_object *claim, json_object *sc, const char *node)
{
    const char *uid = mk_json_str(claim, "metadata.uid") ?: "";
    const char *dir = mk_json_str(sc, "parameters.path") ?: VOLUME_LOCAL_PATH_DIR;
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    json_object *pv = json_object_new_object();
    add_str(pv, "apiVersion", "v1");
    add_str(pv, "kind", "PersistentVolume");
    json_object *md = json_object_new_object(), *anns = json_object_new_object();
    _cleanup_free_ char *name = xasprintf("pvc-%s", uid);
    add_str(md, "name", name);
    add_str(anns, VOLUME_ANN_PROVISIONED_BY, VOLUME_LOCAL_PATH_PROVISIONER);
    json_object_object_add(md, "annotations", anns);
    json_object_object_add(pv, "metadata", md);
    json_object *spec = json_object_new_object(), *cap = json_object_new_object();
    add_str(cap, "storage", mk_json_str(claim, "spec.resources.requests.storage"));
    json_object_object_add(spec, "capacity", cap);
    json_object_object_add(spec, "accessModes",
                           mk_json_copy(mk_json_path(claim, "spec.accessModes")));
    add_str(spec, "persistentVolumeReclaimPolicy",
            mk_json_str(sc, "reclaimPolicy") ?: "Delete");
    add_str(spec, "storageClassName", mk_json_str(sc, "metadata.name"));
    add_str(spec, "volumeMode", "Filesystem");
    json_object *hp = json_object_new_object();
    _cleanup_free_ char *path = xasprintf("%.*s/pvc-%s_%s_%s", (int)dl, dir, uid,
                                          mk_json_str(claim, "metadata.namespace") ?: "default",
                                          mk_json_str(claim, "metadata.name") ?: "");
    add_str(hp, "path", path);
    add_str(hp, "type", "DirectoryOrCreate");
    json_object_object_add(spec, "hostPath", hp);
    json_object_object_add(spec, "nodeAffinity", node_affinity(node));
    json_object_object_add(spec, "claimRef", claim_ref(claim));
    json_object_object_add(pv, "spec", spec);
    return pv;
}

const char *volume_pv_phase(json_object *pv, json_object *claim, char *message, size_t n)
{
    const char *phase = mk_json_str(pv, "status.phase") ?: "";
    json_object *ref = mk_json_path(pv, "spec.claimRef");
    const char *uid = mk_json_str(ref, "uid");
    if (n)
        message[0] = '\0';
    if (!strcmp(phase, "Failed")) {
        snprintf(message, n, "%s", mk_json_str(pv, "status.message") ?: "");
        return "Failed";
    }
    if (!ref || !uid || !*uid)
        return "Available";
    bool gone = !claim || strcmp(mk_json_str(claim, "metadata.uid") ?: "", uid);
    if (!gone && strcmp(phase, "Released"))
        return "Bound";
    const char *policy = mk_json_str(pv, "spec.persistentVolumeReclaimPolicy") ?: "Retain";
    const char *by = ann(pv, VOLUME_ANN_PROVISIONED_BY);
    if (!strcmp(policy, "Delete") && (!by || strcmp(by, VOLUME_LOCAL_PATH_PROVISIONER))) {
        snprintf(message, n,
                 "error getting deleter volume plugin for volume \"%s\": no deletable volume "
                 "plugin matched",
                 mk_json_str(pv, "metadata.name") ?: "");
        return "Failed";
    }
    return "Released";
}

/* ---- the controller ---- */

typedef struct volctl {
    manager *m;
    workqueue *q;
    mk_informer *claims, *pvs, *classes;
    pthread_t worker;
    bool started;
} volctl;

static void enqueue_claim(volctl *c, const char *ns, const char *name)
{
    if (!name || !*name)
        return;
    _cleanup_free_ char *key = xasprintf("c/%s/%s", ns ? ns : "default", name);
    workqueue_add(c->q, key);
}

static void enqueue_volume(volctl *c, const char *name)
{
    if (!name || !*name)
        return;
    _cleanup_free_ char *key = xasprintf("v/%s", name);
    workqueue_add(c->q, key);
}

static int queue_pending_claim(void *ctx, json_object *claim)
{
    if (strcmp(mk_json_str(claim, "status.phase") ?: "Pending", "Pending") == 0)
        enqueue_claim(ctx, mk_json_str(claim, "metadata.namespace"),
                      mk_json_str(claim, "metadata.name"));
    return 0;
}

typedef struct uid_scan {
    volctl *c;
    const char *uid;
} uid_scan;

static int queue_volume_of(void *ctx, json_object *pv)
{
    uid_scan *s = ctx;
    if (!strcmp(mk_json_str(pv, "spec.claimRef.uid") ?: "", s->uid))
        enqueue_volume(s->c, mk_json_str(pv, "metadata.name"));
    return 0;
}

static void on_claim(void *ctx, json_object *claim)
{
    volctl *c = ctx;
    enqueue_claim(c, mk_json_str(claim, "metadata.namespace"),
                  mk_json_str(claim, "metadata.name"));
    enqueue_volume(c, mk_json_str(claim, "spec.volumeName"));
}

static void on_claim_update(void *ctx, json_object *old, json_object *claim)
{
    (void)old;
    on_claim(ctx, claim);
}

/* A claim gone releases its volume: the one it names, or any whose
 * claimRef has its uid (a binding cut short). */
static void on_claim_delete(void *ctx, json_object *claim)
{
    volctl *c = ctx;
    enqueue_volume(c, mk_json_str(claim, "spec.volumeName"));
    uid_scan s = {c, mk_json_str(claim, "metadata.uid") ?: ""};
    if (*s.uid)
        informer_foreach(c->pvs, queue_volume_of, &s);
}

static void on_volume(void *ctx, json_object *pv)
{
    volctl *c = ctx;
    enqueue_volume(c, mk_json_str(pv, "metadata.name"));
    json_object *ref = mk_json_path(pv, "spec.claimRef");
    if (ref)
        enqueue_claim(c, mk_json_str(ref, "namespace"), mk_json_str(ref, "name"));
    else if (!strcmp(mk_json_str(pv, "status.phase") ?: "", "Available"))
        informer_foreach(c->claims, queue_pending_claim, c);
}

static void on_volume_update(void *ctx, json_object *old, json_object *pv)
{
    (void)old;
    on_volume(ctx, pv);
}

static void on_volume_delete(void *ctx, json_object *pv)
{
    json_object *ref = mk_json_path(pv, "spec.claimRef");
    if (ref)
        enqueue_claim(ctx, mk_json_str(ref, "namespace"), mk_json_str(ref, "name"));
}

static void on_class(void *ctx, json_object *sc)
{
    (void)sc;
    volctl *c = ctx;
    informer_foreach(c->claims, queue_pending_claim, c);
}

static void on_class_update(void *ctx, json_object *old, json_object *sc)
{
    (void)old;
    on_class(ctx, sc);
}

/* ---- writes ---- */

static const mk_kind *pv_kind(void)
{
    return kind_by_kind("PersistentVolume");
}

static const mk_kind *pvc_kind(void)
{
    return kind_by_kind("PersistentVolumeClaim");
}

/* A merge patch (body, taken) of obj, a claim or a volume; of its status
 * when status. */
static int patch(volctl *c, json_object *obj, bool status, json_object *body, mk_err *err)
{
    bool claim = mk_json_str(obj, "metadata.namespace") != NULL; /* PVs have none */
    int rc =
        client_patch(manager_client(c->m), claim ? pvc_kind() : pv_kind(),
                     mk_json_str(obj, "metadata.namespace"), mk_json_str(obj, "metadata.name"),
                     status ? "status" : NULL,
                     json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN), NULL, err);
    json_object_put(body);
    return rc;
}

/* {"<a>": {"<b>": v}} */
static json_object *nest(const char *a, const char *b, json_object *v)
{
    json_object *inner = json_object_new_object(), *outer = json_object_new_object();
    json_object_object_add(inner, b, v);
    json_object_object_add(outer, a, inner);
    return outer;
}

static int set_phase(volctl *c, json_object *obj, const char *phase, const char *message,
                     mk_err *err)
{
    json_object *st = json_object_new_object();
    add_str(st, "phase", phase);
    if (message && *message)
        add_str(st, "message", message);
    else if (mk_json_str(obj, "status.message"))
        json_object_object_add(st, "message", NULL);
    json_object *body = json_object_new_object();
    json_object_object_add(body, "status", st);
    return patch(c, obj, true, body, err);
}

static void event(volctl *c, json_object *obj, const char *type, const char *reason,
                  const char *msg)
{
    mk_obj_ref ref = recorder_ref(obj);
    recorder_event(manager_recorder(c->m), &ref, type, reason, "%s", msg);
}

/* ---- binding ---- */

/* The volume's half: claimRef (with the cached resourceVersion as the
 * precondition, so a stale cache cannot give one volume to two claims),
 * then phase Bound. */
static int bind_volume(volctl *c, json_object *pv, json_object *claim, mk_err *err)
{
    int rc = 0;
    const char *uid = mk_json_str(pv, "spec.claimRef.uid");
    if (!uid || !*uid) {
        json_object *body = nest("spec", "claimRef", claim_ref(claim));
        json_object *md = json_object_new_object(), *anns = json_object_new_object();
        add_str(md, "resourceVersion", mk_json_str(pv, "metadata.resourceVersion"));
        add_str(anns, VOLUME_ANN_BOUND_BY_CTRL, "yes");
        json_object_object_add(md, "annotations", anns);
        json_object_object_add(body, "metadata", md);
        if ((rc = patch(c, pv, false, body, err)) < 0)
            return rc;
    }
    if (strcmp(mk_json_str(pv, "status.phase") ?: "", "Bound"))
        rc = set_phase(c, pv, "Bound", NULL, err);
    return rc;
}

/* The claim's half: volumeName and the annotations, then its status. */
static int bind_claim(volctl *c, json_object *claim, json_object *pv, mk_err *err)
{
    const char *name = mk_json_str(pv, "metadata.name") ?: "";
    const char *was = mk_json_str(claim, "spec.volumeName");
    int rc;
    if (!was || !*was || !ann(claim, VOLUME_ANN_BIND_COMPLETED)) {
        json_object *body = nest("spec", "volumeName", json_object_new_string(name));
        json_object *anns = json_object_new_object();
        add_str(anns, VOLUME_ANN_BIND_COMPLETED, "yes");
        if (!was || !*was)
            add_str(anns, VOLUME_ANN_BOUND_BY_CTRL, "yes");
        json_object *md = json_object_new_object();
        json_object_object_add(md, "annotations", anns);
        json_object_object_add(body, "metadata", md);
        if ((rc = patch(c, claim, false, body, err)) < 0)
            return rc;
    }
    json_object *st = json_object_new_object(), *cap = json_object_new_object();
    add_str(st, "phase", "Bound");
    add_str(cap, "storage", mk_json_str(pv, "spec.capacity.storage"));
    json_object_object_add(st, "capacity", cap);
    json_object_object_add(st, "accessModes",
                           mk_json_copy(mk_json_path(pv, "spec.accessModes")));
    json_object *old = mk_json_path(claim, "status");
    bool same =
        old && json_object_equal(mk_json_path(old, "phase"), mk_json_path(st, "phase")) &&
        json_object_equal(mk_json_path(old, "capacity"), cap) &&
        json_object_equal(mk_json_path(old, "accessModes"), mk_json_path(st, "accessModes"));
    if (same) {
        json_object_put(st);
        return 0;
    }
    json_object *body = json_object_new_object();
    json_object_object_add(body, "status", st);
    return patch(c, claim, true, body, err);
}

static int bind(volctl *c, json_object *pv, json_object *claim, mk_err *err)
{
    int rc = bind_volume(c, pv, claim, err);
    if (rc == 0)
        rc = bind_claim(c, claim, pv, err);
    if (rc == 0 && mk_json_str(claim, "spec.volumeName") == NULL) /* the first time */
        mk_log("volume: bound %s/%s to %s", mk_json_str(claim, "metadata.namespace"),
               mk_json_str(claim, "metadata.name"), mk_json_str(pv, "metadata.name"));
    return rc;
}

/* ---- volumes ---- */

/* The claim a volume's claimRef names (*out NULL when there is none),
 * from the cache, or else from the API server: a volume is never released
 * on a cache's word (it may lag). */
static int claim_of(volctl *c, json_object *ref, json_object **out, mk_err *err)
{
    const char *ns = mk_json_str(ref, "namespace"), *name = mk_json_str(ref, "name");
    const char *uid = mk_json_str(ref, "uid");
    json_object *claim = informer_get(c->claims, ns, name);
    *out = NULL;
    if (claim && (!uid || !strcmp(uid, mk_json_str(claim, "metadata.uid") ?: ""))) {
        *out = claim;
        return 0;
    }
    json_object_put(claim);
    int rc = client_get(manager_client(c->m), pvc_kind(), ns, name, out, err);
    return rc == -ENOENT ? 0 : rc;
}

static int sync_volume(volctl *c, json_object *pv, mk_err *err)
{
    if (mk_json_str(pv, "metadata.deletionTimestamp"))
        return 0;
    json_object *ref = mk_json_path(pv, "spec.claimRef"), *claim = NULL;
    int rc = ref ? claim_of(c, ref, &claim, err) : 0;
    if (rc < 0)
        return rc;
    char msg[512];
    const char *phase = volume_pv_phase(pv, claim, msg, sizeof msg);
    const char *was = mk_json_str(pv, "status.phase") ?: "";
    const char *was_msg = mk_json_str(pv, "status.message") ?: "";
    if (strcmp(phase, was) || strcmp(msg, was_msg)) {
        rc = set_phase(c, pv, phase, msg, err);
        if (rc == 0 && !strcmp(phase, "Failed"))
            event(c, pv, "Warning", "VolumeFailedDelete", msg);
        if (rc == 0 && strcmp(phase, was))
            mk_log("volume: %s: %s -> %s", mk_json_str(pv, "metadata.name"), *was ? was : "-",
                   phase);
    }
    if (claim && !strcmp(phase, "Available"))
        enqueue_claim(c, mk_json_str(ref, "namespace"), mk_json_str(ref, "name"));
    json_object_put(claim);
    return rc;
}

/* ---- claims ---- */

typedef struct collect {
    json_object **objs;
    size_t n, cap;
} collect;

/* foreach hands out shared objects: keep copies. */
static int collect_one(void *ctx, json_object *obj)
{
    collect *col = ctx;
    if (col->n == col->cap) {
        col->cap = col->cap ? col->cap * 2 : 16;
        col->objs = xrealloc(col->objs, col->cap * sizeof *col->objs);
    }
    col->objs[col->n++] = mk_json_copy(obj);
    return 0;
}

static void collect_free(collect *col)
{
    for (size_t i = 0; i < col->n; i++)
        json_object_put(col->objs[i]);
    free(col->objs);
}

/* An unbound claim without spec.storageClassName gets the default class's
 * name (1: written, the update brings the claim back). */
static int default_class(volctl *c, json_object *claim, mk_err *err)
{
    const char *bound = mk_json_str(claim, "spec.volumeName");
    if (mk_json_path(claim, "spec.storageClassName") || (bound && *bound))
        return 0;
    collect col = {0};
    informer_foreach(c->classes, collect_one, &col);
    json_object *sc = volume_default_class(col.objs, col.n);
    int rc = 0;
    if (sc) {
        json_object *body = nest("spec", "storageClassName",
                                 json_object_new_string(mk_json_str(sc, "metadata.name")));
        rc = patch(c, claim, false, body, err);
    }
    collect_free(&col);
    return rc < 0 ? rc : sc != NULL;
}

static int set_claim_phase(volctl *c, json_object *claim, const char *phase, mk_err *err)
{
    if (!strcmp(mk_json_str(claim, "status.phase") ?: "", phase))
        return 0;
    return set_phase(c, claim, phase, NULL, err);
}

/* A claim naming its volume: bind to that one only. */
static int sync_named(volctl *c, json_object *claim, const char *name, mk_err *err)
{
    bool bound = !strcmp(mk_json_str(claim, "status.phase") ?: "", "Bound");
    json_object *pv = informer_get(c->pvs, NULL, name);
    char msg[512];
    int rc = 0;
    if (!pv) {
        if (bound) {
            event(c, claim, "Warning", "ClaimLost",
                  "Bound claim has lost reference to PersistentVolume. Data on the volume is "
                  "lost!");
            rc = set_claim_phase(c, claim, "Lost", err);
        }
        return rc;
    }
    const char *why = NULL;
    if (volume_reserved_for(pv, claim) ||
        (!mk_json_path(pv, "spec.claimRef") && volume_fits(claim, pv, &why)))
        rc = bind(c, pv, claim, err);
    else if (bound) {
        event(c, claim, "Warning", "ClaimMisbound",
              "Two claims are bound to the same volume, this one is bound incorrectly");
        rc = set_claim_phase(c, claim, "Lost", err);
    } else {
        if (why)
            snprintf(msg, sizeof msg, "Cannot bind to requested volume \"%s\": %s", name, why);
        else
            snprintf(msg, sizeof msg, "volume \"%s\" already bound to a different claim.",
                     name);
        event(c, claim, "Warning", "FailedBinding", msg);
    }
    json_object_put(pv);
    return rc;
}

static int provision(volctl *c, json_object *claim, json_object *sc, const char *node,
                     mk_err *err)
{
    char msg[600];
    snprintf(msg, sizeof msg, "External provisioner is provisioning volume for claim \"%s/%s\"",
             mk_json_str(claim, "metadata.namespace") ?: "",
             mk_json_str(claim, "metadata.name"));
    event(c, claim, "Normal", "Provisioning", msg);
    json_object *pv = volume_provisioned_pv(claim, sc, node), *made = NULL;
    int rc = client_create(manager_client(c->m), pv_kind(), NULL, pv, &made, err);
    if (rc == -EEXIST) /* an earlier sync made it: bind to it */
        rc = client_get(manager_client(c->m), pv_kind(), NULL, mk_json_str(pv, "metadata.name"),
                        &made, err);
    else if (rc == 0) {
        snprintf(msg, sizeof msg, "Successfully provisioned volume %s",
                 mk_json_str(pv, "metadata.name"));
        event(c, claim, "Normal", "ProvisioningSucceeded", msg);
        mk_log("volume: provisioned %s on %s for %s/%s", mk_json_str(pv, "metadata.name"), node,
               mk_json_str(claim, "metadata.namespace"), mk_json_str(claim, "metadata.name"));
    }
    json_object_put(pv);
    if (rc == 0 && volume_reserved_for(made, claim))
        rc = bind(c, made, claim, err);
    json_object_put(made);
    return rc;
}

/* No volume fits: provision one, or say why the claim waits. */
static int sync_unmatched(volctl *c, json_object *claim, mk_err *err)
{
    const char *class = volume_claim_class(claim);
    char msg[600];
    if (!*class) {
        event(c, claim, "Normal", "FailedBinding",
              "no persistent volumes available for this claim and no storage class is set");
        return 0;
    }
    json_object *sc = informer_get(c->classes, NULL, class);
    if (!sc) {
        snprintf(msg, sizeof msg, "storageclass.storage.k8s.io \"%s\" not found", class);
        event(c, claim, "Warning", "ProvisioningFailed", msg);
        return 0;
    }
    const char *prov = mk_json_str(sc, "provisioner") ?: "";
    bool local = !strcmp(prov, VOLUME_LOCAL_PATH_PROVISIONER);
    bool wait = !strcmp(mk_json_str(sc, "volumeBindingMode") ?: "", "WaitForFirstConsumer");
    const char *node = ann(claim, VOLUME_ANN_SELECTED_NODE);
    int rc = 0;
    if ((local || wait) && (!node || !*node))
        event(c, claim, "Normal", "WaitForFirstConsumer",
              "waiting for first consumer to be created before binding");
    else if (!local) {
        snprintf(msg, sizeof msg,
                 "Waiting for a volume to be created either by the external provisioner '%s' "
                 "or manually by the system administrator. If volume creation is delayed, "
                 "please verify that the provisioner is running and correctly registered.",
                 prov);
        event(c, claim, "Normal", "ExternalProvisioning", msg);
    } else
        rc = provision(c, claim, sc, node, err);
    json_object_put(sc);
    return rc;
}

static int sync_claim(volctl *c, json_object *claim, mk_err *err)
{
    if (mk_json_str(claim, "metadata.deletionTimestamp"))
        return 0;
    int rc = default_class(c, claim, err);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    const char *name = mk_json_str(claim, "spec.volumeName");
    if (name && *name)
        return sync_named(c, claim, name, err);
    collect col = {0};
    informer_foreach(c->pvs, collect_one, &col);
    json_object *pv = volume_pick(claim, col.objs, col.n);
    rc = pv ? bind(c, pv, claim, err) : sync_unmatched(c, claim, err);
    collect_free(&col);
    return rc;
}

/* ---- the loop ---- */

/* The default class, when the cluster has none (volume.h). */
static int ensure_default_class(volctl *c, mk_err *err)
{
    collect col = {0};
    informer_foreach(c->classes, collect_one, &col);
    bool have = volume_default_class(col.objs, col.n) != NULL;
    for (size_t i = 0; i < col.n; i++)
        have = have || !strcmp(mk_json_str(col.objs[i], "metadata.name") ?: "",
                               VOLUME_LOCAL_PATH_CLASS);
    collect_free(&col);
    if (have)
        return 0;
    json_object *sc = volume_local_path_class();
    int rc =
        client_create(manager_client(c->m), kind_by_kind("StorageClass"), NULL, sc, NULL, err);
    json_object_put(sc);
    if (rc == 0)
        mk_log("volume: made the default StorageClass " VOLUME_LOCAL_PATH_CLASS);
    return rc == -EEXIST ? 0 : rc;
}

static int sync_key(void *ctx, const char *key, int64_t *requeue_ms, mk_err *err)
{
    volctl *c = ctx;
    (void)requeue_ms;
    int rc = 0;
    if (!strcmp(key, "default-class"))
        return ensure_default_class(c, err);
    if (!strncmp(key, "v/", 2)) {
        json_object *pv = informer_get(c->pvs, NULL, key + 2);
        rc = pv ? sync_volume(c, pv, err) : 0;
        json_object_put(pv);
    } else if (!strncmp(key, "c/", 2)) {
        _cleanup_free_ char *ns = xstrdup(key + 2);
        char *name = strchr(ns, '/');
        if (!name)
            return 0;
        *name++ = '\0';
        json_object *claim = informer_get(c->claims, ns, name);
        rc = claim ? sync_claim(c, claim, err) : 0;
        json_object_put(claim);
    }
    return rc;
}

static void *worker(void *arg)
{
    volctl *c = arg;
    if (!manager_wait_synced(c->m))
        return NULL;
    workqueue_add(c->q, "default-class"); /* once at start; again only on failure */
    workqueue_process(c->q, "volume", VOLUME_RETRY_MS, sync_key, c);
    return NULL;
}

static void volume_stop(void *state)
{
    volctl *c = state;
    workqueue_close(c->q, &c->worker, c->started ? 1 : 0);
    free(c);
}

static int volume_start(manager *m, void **state, mk_err *err)
{
    volctl *c = xcalloc(1, sizeof *c);
    c->m = m;
    c->q = workqueue_new();
    mk_informer_handlers ch = {
        .on_add = on_claim, .on_update = on_claim_update, .on_delete = on_claim_delete};
    mk_informer_handlers vh = {
        .on_add = on_volume, .on_update = on_volume_update, .on_delete = on_volume_delete};
    mk_informer_handlers sh = {.on_add = on_class, .on_update = on_class_update};
    c->claims = manager_informer(m, pvc_kind(), &ch, c);
    c->pvs = manager_informer(m, pv_kind(), &vh, c);
    c->classes = manager_informer(m, kind_by_kind("StorageClass"), &sh, c);
    if (pthread_create(&c->worker, NULL, worker, c) != 0) {
        volume_stop(c);
        return mk_error(err, EAGAIN, "cannot start a thread");
    }
    c->started = true;
    *state = c;
    return 0;
}

const mk_controller volume_controller = {
    .name = "volume",
    .start = volume_start,
    .stop = volume_stop,
};
