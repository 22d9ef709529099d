/* priority.h - Kubernetes' Priority admission: a pod's priorityClassName
 * becomes its spec.priority and spec.preemptionPolicy, which the
 * scheduler orders and preempts by (scheduler/preempt.h).
 *
 * The PriorityClasses are kept in memory, following the backend's event
 * sink as the namespace set does (namespaces.h): every pod create needs
 * the global default, and a read of the store per create would cost more
 * than the rest of the admission.
 */
#ifndef MK_SERVER_PRIORITY_H
#define MK_SERVER_PRIORITY_H

#include <json-c/json.h>

#include "store/backend/backend.h"
#include "store/error.h"
#include "store/kinds.h"

typedef struct prioset prioset;

prioset *prioset_new(void);
void prioset_free(prioset *s);
/* Follow one committed change; other keys are ignored. Non-blocking for
 * writers (callable from the event sink). */
void prioset_apply(prioset *s, const mk_event *ev);
/* Add every PriorityClass the store holds now, once the sink feeds
 * prioset_apply. */
int prioset_load(prioset *s, mk_backend *be, mk_err *err);

/* The built-in classes, as Kubernetes' API server makes them at start:
 * system-cluster-critical (2000000000) and system-node-critical
 * (2000001000). Objects to create, in a new array (caller puts). */
json_object *priority_system_classes(void);

/* A pod on create: spec.priorityClassName (else the global default class,
 * else none) sets spec.priority and spec.preemptionPolicy. EACCES, in
 * Kubernetes' words, when the class does not exist or the pod states a
 * priority or policy other than the class's. s NULL: only the defaults. */
int priority_admit_pod(prioset *s, json_object *pod, mk_err *err);
/* A pod on update: what admission set on create stays when the new object
 * leaves it out (a PUT of the manifest as written). */
void priority_keep(json_object *old, json_object *neu);
/* A PriorityClass on create (old NULL) or update: at most one may be the
 * global default. EACCES naming the one that is. */
int priority_admit_class(prioset *s, json_object *old, json_object *neu, mk_err *err);

#endif
