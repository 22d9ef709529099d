/* objkey.c - keys of the keyed controllers (see objkey.h). */
#include "controllers/objkey.h"

#include <string.h>

#include "controllers/replicaset.h"
#include "store/codec.h"
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

json_object *objkey_get(mk_informer *inf, const char *key)
{
    _cleanup_free_ char *ns = xstrdup(key);
    char *name = strchr(ns, '/');
    if (!name)
        return NULL;
    *name++ = '\0';
    return informer_get(inf, ns, name);
}
