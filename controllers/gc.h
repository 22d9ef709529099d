/* gc.h - the garbage collector: objects whose owners are gone go too.
 *
 * As Kubernetes' garbage collector, by metadata.ownerReferences, for Pods,
 * ReplicaSets, Deployments, DaemonSets, StatefulSets, ControllerRevisions,
 * Jobs, CronJobs and PersistentVolumeClaims (a StatefulSet's, under its
 * retention policy Delete): the kinds that own or are owned in minik8s.
 *
 * - Background (the default): once an owner is gone (absent, or present
 *   with another uid), a dependent whose every owner is gone is deleted;
 *   one that still has a live owner only loses the dangling reference.
 * - Orphan: the API server keeps the owner, marked (deletionTimestamp,
 *   finalizer "orphan"); the collector removes the owner's reference from
 *   each dependent, then deletes the owner for good.
 * - Foreground: the owner stays marked (finalizer "foregroundDeletion")
 *   while the collector deletes its dependents; once none is left, the
 *   owner is deleted for good.
 *
 * An owner is looked up in the informer caches first and, when the cache
 * says absent, asked of the API server, so a lagging watch never deletes a
 * dependent of a live owner.
 */
#ifndef MK_CONTROLLERS_GC_H
#define MK_CONTROLLERS_GC_H

#include <json-c/json.h>
#include <stdbool.h>

/* The owner references of obj that point at uid, removed: a new array
 * (caller puts), possibly empty. */
json_object *gc_refs_without(json_object *obj, const char *uid);
/* Does obj name uid among its ownerReferences? */
bool gc_refers_to(json_object *obj, const char *uid);

#endif
