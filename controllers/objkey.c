/* objkey.c - the frame of the keyed controllers (see objkey.h). */
#include "controllers/objkey.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "controllers/replicaset.h"
#include "store/codec.h"
#include "store/kinds.h"
#include "store/util.h"

void objkey_enqueue(workqueue *q, json_object *obj, const char *name)
{
    const char *ns = mk_json_str(obj, "metadata.namespace");
    _cleanup_free_ char *key = xasprintf("%s/%s", ns ? ns : "default", name ? name : "");
    workqueue_add(q, key);
}

json_object *objkey_owner(json_object *obj, const char *kind)
{
    json_object *ref = replicaset_controller_ref(obj);
    const char *k = mk_json_str(ref, "kind");
    return k && strcmp(k, kind) == 0 ? ref : NULL;
}

json_object *objkey_controller_ref(json_object *owner, const char *api_version,
                                   const char *kind)
{
    json_object *ref = mk_owner_ref(owner, api_version, kind);
    json_object_object_add(ref, "controller", json_object_new_boolean(true));
    json_object_object_add(ref, "blockOwnerDeletion", json_object_new_boolean(true));
    return ref;
}

json_object *objkey_get(mk_informer *inf, const char *key)
{
    _cleanup_free_ char *ns = xstrdup(key);
    char *name = strchr(ns, '/');
    if (!name)
        return NULL;
    *name++ = '\0';
    return informer_get(inf, ns, name);
}

void objkey_loop_init(objkey_loop *l, manager *m, const char *kind, int64_t retry_ms,
                      objkey_sync_fn sync, void *ctx)
{
    *l = (objkey_loop){.q = workqueue_new(),
                       .kind = kind,
                       .m = m,
                       .retry_ms = retry_ms,
                       .sync = sync,
                       .ctx = ctx};
}

static void on_self(void *ctx, json_object *obj)
{
    objkey_loop *l = ctx;
    objkey_enqueue(l->q, obj, mk_json_str(obj, "metadata.name"));
}

static void on_self_update(void *ctx, json_object *old, json_object *obj)
{
    (void)old;
    on_self(ctx, obj);
}

static void on_owned(void *ctx, json_object *obj)
{
    objkey_loop *l = ctx;
    json_object *ref = objkey_owner(obj, l->kind);
    if (ref)
        objkey_enqueue(l->q, obj, mk_json_str(ref, "name"));
}

static void on_owned_update(void *ctx, json_object *old, json_object *obj)
{
    (void)old;
    on_owned(ctx, obj);
}

mk_informer *objkey_loop_watch(objkey_loop *l)
{
    mk_informer_handlers h = {.on_add = on_self, .on_update = on_self_update};
    l->objs = manager_informer(l->m, kind_by_kind(l->kind), &h, l);
    return l->objs;
}

mk_informer *objkey_loop_watch_owned(objkey_loop *l, const char *kind)
{
    mk_informer_handlers h = {
        .on_add = on_owned, .on_update = on_owned_update, .on_delete = on_owned};
    return manager_informer(l->m, kind_by_kind(kind), &h, l);
}

static int sync_key(void *ctx, const char *key, int64_t *requeue_ms, mk_err *err)
{
    objkey_loop *l = ctx;
    json_object *obj = objkey_get(l->objs, key);
    if (!obj)
        return 0;
    int rc = l->sync(l->ctx, obj, requeue_ms, err);
    json_object_put(obj);
    return rc;
}

static void *worker(void *arg)
{
    objkey_loop *l = arg;
    _cleanup_free_ char *who = xstrdup(l->kind);
    for (char *c = who; *c; c++)
        *c = (char)tolower((unsigned char)*c); /* "cronjob: ns/x: why" in the log */
    if (manager_wait_synced(l->m))
        workqueue_process(l->q, who, l->retry_ms, sync_key, l);
    return NULL;
}

int objkey_loop_start(objkey_loop *l, mk_err *err)
{
    if (pthread_create(&l->worker, NULL, worker, l) != 0)
        return mk_error(err, EAGAIN, "cannot start a thread");
    l->started = true;
    return 0;
}

void objkey_loop_stop(objkey_loop *l)
{
    workqueue_close(l->q, &l->worker, l->started ? 1 : 0);
    l->q = NULL;
}

bool objkey_ns_active(json_object *ns)
{
    return !mk_json_str(ns, "metadata.deletionTimestamp") &&
           strcmp(mk_json_str(ns, "status.phase") ?: "", "Terminating") != 0;
}
