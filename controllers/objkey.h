/* objkey.h - the frame of the controllers whose work is keyed by objects
 * of one kind (Deployment, DaemonSet, Job, CronJob, StatefulSet): keys
 * "namespace/name" of that kind's objects, queued by informer handlers
 * (for the object itself, or for the owner an object names), and one
 * worker thread that waits for the manager's caches, takes each key, finds
 * the object in the kind's informer and hands it to the controller's sync.
 */
#ifndef MK_CONTROLLERS_OBJKEY_H
#define MK_CONTROLLERS_OBJKEY_H

#include <json-c/json.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "controllers/manager.h"
#include "controllers/workqueue.h"
#include "store/informer.h"

/* Queue "<obj's namespace>/<name>": name is obj's own, or an owner's. */
void objkey_enqueue(workqueue *q, json_object *obj, const char *name);
/* The controller reference of obj when its kind is `kind` (borrowed), or NULL. */
json_object *objkey_owner(json_object *obj, const char *kind);
/* A new controller reference (caller puts) to owner, an object of that
 * apiVersion and kind: name, uid, controller and blockOwnerDeletion true,
 * as Kubernetes' controllers set them on what they make. */
json_object *objkey_controller_ref(json_object *owner, const char *api_version,
                                   const char *kind);
/* A Namespace neither being deleted nor Terminating: one to fill. */
bool objkey_ns_active(json_object *ns);
/* The cached object named by key "ns/name" (caller puts), or NULL. */
json_object *objkey_get(mk_informer *inf, const char *key);

/* One object's work, as workqueue_sync_fn but given the object (borrowed;
 * a key whose object is gone is never synced). */
typedef int (*objkey_sync_fn)(void *ctx, json_object *obj, int64_t *requeue_ms, mk_err *err);

typedef struct objkey_loop {
    workqueue *q;
    const char *kind; /* "Job": the objects of the keys, and the owners queued */
    manager *m;
    mk_informer *objs;
    int64_t retry_ms;
    objkey_sync_fn sync;
    void *ctx;
    pthread_t worker;
    bool started;
} objkey_loop;

/* Make the queue, before the informers whose handlers fill it. */
void objkey_loop_init(objkey_loop *l, manager *m, const char *kind, int64_t retry_ms,
                      objkey_sync_fn sync, void *ctx);
/* The informer of the loop's kind, its handlers queueing each object's
 * own key (ctx: the loop). */
mk_informer *objkey_loop_watch(objkey_loop *l);
/* An informer of another kind whose objects queue the owner of the loop's
 * kind they name (a Job's pods...), for controllers without more to do on
 * their events. */
mk_informer *objkey_loop_watch_owned(objkey_loop *l, const char *kind);
/* Start the worker. EAGAIN when no thread can be made. */
int objkey_loop_start(objkey_loop *l, mk_err *err);
/* Shut the queue, join the worker, free the queue. */
void objkey_loop_stop(objkey_loop *l);

#endif
