/* objkey.h - what the keyed controllers (Deployment, DaemonSet, Job) do
 * with keys: queue an object, or the owner it names, as "namespace/name",
 * and find the cached object a key names.
 */
#ifndef MK_CONTROLLERS_OBJKEY_H
#define MK_CONTROLLERS_OBJKEY_H

#include <json-c/json.h>

#include "controllers/workqueue.h"
#include "store/informer.h"

/* Queue "<obj's namespace>/<name>": name is obj's own, or an owner's. */
void objkey_enqueue(workqueue *q, json_object *obj, const char *name);
/* The controller reference of obj when its kind is `kind` (borrowed), or NULL. */
json_object *objkey_owner(json_object *obj, const char *kind);
/* The cached object named by key "ns/name" (caller puts), or NULL. */
json_object *objkey_get(mk_informer *inf, const char *key);

#endif
