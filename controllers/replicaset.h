/* replicaset.h - the ReplicaSet controller: keep spec.replicas pods alive.
 *
 * As Kubernetes' ReplicaSet controller: level-triggered from the informer
 * caches, with expectations (creates and deletes asked for but not yet seen
 * in the pod cache) so a slow watch never makes it create or delete twice,
 * and a restarted controller starts from the cache alone.
 *
 * - Pods are made from spec.template, named "<rs>-<5 random>" (made here
 *   from getrandom: a clash is retried), with an ownerReference to the ReplicaSet
 *   (controller=true, blockOwnerDeletion=true).
 * - Pods without a controller that match the selector are adopted; owned
 *   pods whose labels stop matching are released (the reference dropped).
 * - Terminating, Succeeded and Failed pods do not count; Failed ones are
 *   deleted so they are replaced.
 * - Surplus pods go in the order of replicaset_pod_cmp; creates go in
 *   batches of 1, 2, 4, ... (slow start), each batch in parallel.
 * - status (replicas, fullyLabeledReplicas, readyReplicas,
 *   availableReplicas, observedGeneration) goes through /status.
 * - A ReplicaSet with a deletionTimestamp is left to the garbage collector.
 */
#ifndef MK_CONTROLLERS_REPLICASET_H
#define MK_CONTROLLERS_REPLICASET_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the controller knows of one pod (a summary, not the object). */
typedef struct rs_pod {
    char name[254];
    char uid[40];
    bool assigned;     /* spec.nodeName set */
    int phase_rank;    /* Pending 0, Unknown 1, Running 2 (Kubernetes' order) */
    bool ready;        /* Ready=True */
    int64_t ready_ms;  /* when Ready last became True (0 unknown) */
    int64_t restarts;  /* the largest container restart count */
    int64_t created_s; /* creationTimestamp */
} rs_pod;

/* The order surplus pods are deleted in, first to go first:
 * unscheduled < scheduled, Pending < Unknown < Running, not ready < ready,
 * ready for less time < longer, more restarts < fewer, newer < older. */
int replicaset_pod_cmp(const rs_pod *a, const rs_pod *b);
/* Fill a summary from a pod object (only read). */
void replicaset_pod_summary(json_object *pod, rs_pod *out);

/* Is the pod Ready=True? */
bool replicaset_pod_ready(json_object *pod);
/* The ownerReference with controller=true, borrowed, or NULL. */
json_object *replicaset_controller_ref(json_object *obj);
/* A new pod (caller puts) from the ReplicaSet's template, with
 * generateName "<rs>-" and the controller reference. */
json_object *replicaset_new_pod(json_object *rs);
/* The same for any owner with a spec.template (a Job): its kind and
 * apiVersion in the controller reference. */
json_object *replicaset_pod_from_template(json_object *owner, const char *api_version,
                                          const char *kind);
/* A pod name for the ReplicaSet rs: "<rs>-" and 5 random characters of
 * Kubernetes' alphabet (the base cut to keep 63 characters). */
void replicaset_pod_name(const char *rs, char *out, size_t n);
/* The sizes of slow-start batches for n creates: 1, 2, 4, ... until the
 * sum is n; writes at most max sizes into out and returns their count. */
int replicaset_batches(int n, int *out, int max);

#endif
