/* resourcequota.c - the resource quota controller: every ResourceQuota's
 * status says its hard limits and how much of each its namespace uses
 * (store/quota.h counts as the API server's admission does), for `kubectl
 * get quota` and `kubectl describe quota`. It enforces nothing: admission
 * counts from the store at each create (store/server/quotacheck.h), so a
 * status a moment old never lets a create through.
 *
 * A quota is synced when it changes, when an object of its namespace of a
 * kind quotas usually count (pods, services, configmaps, secrets, claims)
 * changes, and every RESYNC_MS: objects of the other kinds a count/<kind>
 * entry names are listed from the API server then.
 */
#include <errno.h>
#include <string.h>

#include "controllers/controllers.h"
#include "controllers/objkey.h"
#include "store/codec.h"
#include "store/quota.h"
#include "store/util.h"

#define RETRY_MS  1000
#define RESYNC_MS 30000
#define ENTRY_MAX 64

static const char *const watched[] = {"Pod", "Service", "ConfigMap", "Secret",
                                      "PersistentVolumeClaim"};
#define NWATCHED (sizeof watched / sizeof *watched)

typedef struct quotactl {
    manager *m;
    objkey_loop loop; /* keys: quotas */
    mk_informer *quotas;
    mk_informer *objs[NWATCHED];
} quotactl;

/* One spec.hard entry and what its namespace uses of it. */
typedef struct entry {
    const char *name;
    quota_resource r;
    int64_t used;
} entry;

typedef struct counting {
    json_object *quota;
    const char *ns;
    const mk_kind *k; /* the kind being walked */
    entry e[ENTRY_MAX];
    size_t n;
} counting;

static int count_obj(void *ctx, json_object *obj)
{
    counting *c = ctx;
    if (strcmp(mk_json_str(obj, "metadata.namespace") ?: "", c->ns) != 0)
        return 0;
    for (size_t i = 0; i < c->n; i++) {
        int64_t m;
        if (quota_counts(c->quota, &c->e[i].r, c->k, obj, &m))
            c->e[i].used += m;
    }
    return 0;
}

static mk_informer *informer_of(quotactl *q, const mk_kind *k)
{
    if (!strcmp(k->kind, "ResourceQuota"))
        return q->quotas;
    for (size_t i = 0; i < NWATCHED; i++)
        if (!strcmp(k->kind, watched[i]))
            return q->objs[i];
    return NULL;
}

/* Walk the namespace's objects of kind k: from a cache, else a list. */
static int walk(quotactl *q, counting *c, const mk_kind *k, mk_err *err)
{
    c->k = k;
    mk_informer *inf = informer_of(q, k);
    if (inf) {
        informer_foreach(inf, count_obj, c);
        return 0;
    }
    json_object *items = NULL;
    int64_t rev;
    if (client_list(manager_client(q->m), k, c->ns, NULL, NULL, &items, &rev, err) < 0)
        return -err->code;
    for (size_t i = 0; i < json_object_array_length(items); i++)
        count_obj(c, json_object_array_get_idx(items, i));
    json_object_put(items);
    return 0;
}

static json_object *status_of(counting *c)
{
    json_object *st = json_object_new_object(), *used = json_object_new_object();
    json_object *hard = mk_json_path(c->quota, "spec.hard");
    json_object_object_add(st, "hard", hard ? json_object_get(hard) : json_object_new_object());
    for (size_t i = 0; i < c->n; i++) {
        char v[48];
        quota_format(&c->e[i].r, c->e[i].used, v, sizeof v);
        json_object_object_add(used, c->e[i].name, json_object_new_string(v));
    }
    json_object_object_add(st, "used", used);
    return st;
}

static int sync_quota(void *ctx, json_object *quota, int64_t *requeue_ms, mk_err *err)
{
    quotactl *q = ctx;
    counting c = {.quota = quota, .ns = mk_json_str(quota, "metadata.namespace") ?: ""};
    json_object *hard = mk_json_path(quota, "spec.hard");
    if (json_object_is_type(hard, json_type_object)) {
        json_object_object_foreach(hard, name, v)
        {
            (void)v;
            quota_resource r = quota_resource_of(name);
            if (r.cls != QUOTA_UNKNOWN && c.n < ENTRY_MAX)
                c.e[c.n++] = (entry){.name = name, .r = r};
        }
    }
    /* Each kind once, for every entry that counts it. */
    for (size_t i = 0; i < c.n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i; j++)
            seen |= c.e[j].r.kind == c.e[i].r.kind;
        if (!seen && walk(q, &c, c.e[i].r.kind, err) < 0)
            return -err->code;
    }
    *requeue_ms = RESYNC_MS;
    json_object *st = status_of(&c);
    if (json_object_equal(mk_json_path(quota, "status"), st)) {
        json_object_put(st);
        return 0;
    }
    json_object_object_add(quota, "status", st);
    int rc = client_update_status(manager_client(q->m), kind_by_kind("ResourceQuota"), c.ns,
                                  quota, NULL, err);
    return rc == -ENOENT ? 0 : rc;
}

/* ---- handlers ---- */

typedef struct touch {
    quotactl *q;
    const char *ns;
} touch;

static int touch_quota(void *ctx, json_object *quota)
{
    touch *t = ctx;
    if (!strcmp(mk_json_str(quota, "metadata.namespace") ?: "", t->ns))
        objkey_enqueue(t->q->loop.q, quota, mk_json_str(quota, "metadata.name"));
    return 0;
}

static void on_obj(void *ctx, json_object *obj)
{
    touch t = {ctx, mk_json_str(obj, "metadata.namespace") ?: ""};
    informer_foreach(((quotactl *)ctx)->quotas, touch_quota, &t);
}

static void on_obj_update(void *ctx, json_object *old, json_object *obj)
{
    (void)old;
    on_obj(ctx, obj);
}

static void quotactl_stop(void *state)
{
    quotactl *q = state;
    objkey_loop_stop(&q->loop);
    free(q);
}

static int quotactl_start(manager *m, void **state, mk_err *err)
{
    quotactl *q = xcalloc(1, sizeof *q);
    q->m = m;
    objkey_loop_init(&q->loop, m, "ResourceQuota", RETRY_MS, sync_quota, q);
    q->quotas = objkey_loop_watch(&q->loop);
    mk_informer_handlers h = {
        .on_add = on_obj, .on_update = on_obj_update, .on_delete = on_obj};
    for (size_t i = 0; i < NWATCHED; i++)
        q->objs[i] = manager_informer(m, kind_by_kind(watched[i]), &h, q);
    if (objkey_loop_start(&q->loop, err) < 0) {
        quotactl_stop(q);
        return -err->code;
    }
    *state = q;
    return 0;
}

const mk_controller resourcequota_controller = {
    .name = "resourcequota",
    .start = quotactl_start,
    .stop = quotactl_stop,
};
