/* finalizers.h - metadata.finalizers, as Kubernetes' generic store honours
 * them.
 *
 * An object whose finalizers list is not empty is not removed by DELETE: it
 * is only marked (deletionTimestamp) and stays, Terminating, until whoever
 * put each finalizer there takes it off with an update. The update that
 * leaves an object being deleted with no finalizers (and, for a pod, no
 * grace period still running) removes it: watchers see DELETED.
 *
 * The garbage collector's two finalizers, "orphan" and "foregroundDeletion",
 * are set by DELETE's propagationPolicy; the collector takes them off with
 * its closing Background DELETE (objects.c), or an update may.
 */
#ifndef MK_SERVER_FINALIZERS_H
#define MK_SERVER_FINALIZERS_H

#include <json-c/json.h>
#include <stdbool.h>

#include <stddef.h>

#include "store/error.h"

/* The number of finalizers obj carries. */
size_t finalizers_count(json_object *obj);

/* Add finalizer f to obj's list unless it is there. */
void finalizers_add(json_object *obj, const char *f);

/* Take the garbage collector's finalizers off obj's list. */
void finalizers_drop_gc(json_object *obj);

/* An update of an object being deleted may remove finalizers, never add
 * one: a 422-worded error naming the new ones, as Kubernetes words it. */
int finalizers_check_update(json_object *old, json_object *neu, mk_err *err);

/* Does writing neu (the new state of an object being deleted) end it: no
 * finalizer left, and no grace period running (deletionGracePeriodSeconds
 * absent or 0)? */
bool finalizers_done(json_object *neu);

#endif
