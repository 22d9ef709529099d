/* statefulset.h - the StatefulSet controller: pods with stable names,
 * made, removed and rolled in order.
 *
 * As Kubernetes' StatefulSet controller:
 * - pod i is "<set>-<i>", i in [0, replicas), with the labels
 *   statefulset.kubernetes.io/pod-name, apps.kubernetes.io/pod-index and
 *   controller-revision-hash, spec.hostname its name and spec.subdomain
 *   the set's serviceName; a deleted or failed pod comes back under the
 *   same name once the old one is gone;
 * - OrderedReady (the default) creates 0, 1, ... each once the one before
 *   is Running and Ready, and removes from the highest ordinal down, one at
 *   a time; Parallel creates and removes all at once;
 * - RollingUpdate (the default) replaces pods whose revision is not the
 *   template's from the highest ordinal down to spec.updateStrategy.
 *   rollingUpdate.partition, each once the ones above are available,
 *   maxUnavailable (default 1) at a time; OnDelete waits for the pods to be
 *   deleted;
 * - each spec.volumeClaimTemplates entry T gives pod i the claim
 *   "<T>-<set>-<i>", made before the pod when missing (and again while
 *   the pod is Pending; the template's labels and the selector's
 *   matchLabels) and never changed or deleted
 *   by the set but for its owner references, and the pod the volume
 *   {name: T, persistentVolumeClaim: {claimName}} (the pod's, not the
 *   template's: the revision hash does not see it);
 * - persistentVolumeClaimRetentionPolicy, as Kubernetes'
 *   StatefulSetAutoDeletePVC: whenDeleted Delete gives each claim an owner
 *   reference to the set, whenScaled Delete one to the pod of an ordinal
 *   scaled away (before the pod is deleted), and the garbage collector
 *   deletes the claim with its owner; Retain keeps none. A claim still
 *   owned by an earlier pod of the name it is for is left to the collector
 *   and the pod waits for it to be made again;
 * - status: replicas, readyReplicas, availableReplicas (ready for
 *   minReadySeconds), currentReplicas, updatedReplicas, currentRevision,
 *   updateRevision, observedGeneration, collisionCount;
 * - Events SuccessfulCreate/SuccessfulDelete ("create Pod web-0 in
 *   StatefulSet web successful", "create Claim www-web-0 Pod web-0 in
 *   StatefulSet web success"), FailedCreate/FailedDelete.
 * Revisions: each template is a ControllerRevision "<set>-<hash>"
 * (stshistory.h), named in the pods' label and in status; a pod below the
 * partition that must be made again is made from the current revision's
 * template. collisionCount stays 0 (a hash names one template here).
 * A pod without a controller, named "<set>-<i>" and selected by the set,
 * is adopted (its controller reference added), as after a delete with
 * --cascade=orphan and the set made again.
 */
#ifndef MK_CONTROLLERS_STATEFULSET_H
#define MK_CONTROLLERS_STATEFULSET_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

/* The ordinal of the pod named pod in the set named set ("web-2" -> 2), or
 * -1 when the name is not "<set>-<decimal without leading zeros>". */
int statefulset_ordinal(const char *set, const char *pod);

/* What a sync knows of one pod of the set. */
typedef struct sts_pod {
    int ordinal;
    bool terminating; /* deletionTimestamp set */
    bool failed;      /* phase Failed or Succeeded: to be made again */
    bool healthy;     /* Running and Ready */
    bool available;   /* healthy for minReadySeconds */
    bool updated;     /* its revision is the template's */
} sts_pod;

typedef struct sts_spec {
    int start; /* spec.ordinals.start: the set's pods are start..start+replicas-1 */
    int replicas;
    bool parallel;       /* podManagementPolicy Parallel */
    bool on_delete;      /* updateStrategy OnDelete */
    int partition;       /* pods below start+partition are not rolled */
    int max_unavailable; /* pods a roll may take down at once, >= 1 */
} sts_spec;

typedef enum { STS_CREATE, STS_DELETE } sts_verb;

typedef struct sts_action {
    sts_verb verb;
    int ordinal;
} sts_action;

/* The creates and deletes of one sync, in the order to do them, given
 * the set's pods (any order, ordinals unique); writes at most max actions
 * and returns their count. With OrderedReady it stops at the first pod
 * that is missing, terminating or not healthy: nothing past it changes.
 * Pods outside start..start+replicas-1 go, the highest ordinal first. */
int statefulset_plan(const sts_spec *spec, const sts_pod *pods, size_t npods, sts_action *out,
                     int max);

/* Is ordinal one of the set's pods (start..start+replicas-1)? */
bool statefulset_in_range(const sts_spec *spec, int ordinal);

/* ---- volume claims ---- */

/* The claim of pod ordinal for volume claim template tmpl of set (a new
 * PersistentVolumeClaim, no owner references; caller puts). */
json_object *statefulset_claim(json_object *set, json_object *tmpl, int ordinal);

/* pod's spec.volumes with, first, one persistentVolumeClaim volume per
 * template of set naming ordinal's claim; a pod volume of a template's
 * name gives way (Kubernetes' updateStorage). */
void statefulset_claim_volumes(json_object *set, json_object *pod, int ordinal);

/* Who a claim's owner reference points at. */
typedef struct sts_owner {
    const char *api_version, *kind, *name, *uid;
} sts_owner;

/* The owner references claim should carry under set's retention policy:
 * to the set when whenDeleted is Delete (and the pod is not scaled away
 * under whenScaled Delete), to pod when whenScaled is Delete and it is
 * scaled_down; pod may be NULL (not made yet). A new array (caller puts)
 * when they are not the claim's, NULL when they are. */
json_object *statefulset_claim_refs(json_object *claim, json_object *set, const sts_owner *pod,
                                    bool scaled_down);

/* May the pod named pod_name, with uid pod_uid (NULL: to be made), use
 * claim? Not while the claim is being deleted or is owned by another pod
 * of that name: the one scaled away, whose claim the collector deletes. */
bool statefulset_claim_stale(json_object *claim, const char *pod_name, const char *pod_uid);

#endif
