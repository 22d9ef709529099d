/* volume.h - the volume controller: binds PersistentVolumeClaims to
 * PersistentVolumes, provisions local-path volumes, releases volumes
 * whose claim is gone (docs/storage.md).
 *
 * As Kubernetes' PV controller, level-triggered from the informers on
 * claims, volumes and StorageClasses:
 * - at start, the StorageClass `local-path` (provisioner
 *   minik8s.io/local-path, WaitForFirstConsumer, Delete, parameters.path
 *   /var/lib/minik8s/volumes, the default-class annotation) is made when
 *   no class is marked default and none is named local-path;
 * - a claim without spec.storageClassName gets the default class's name
 *   (the newest default class), as Kubernetes >= 1.28 does;
 * - a Pending claim binds to the smallest Available volume of its class
 *   that holds its request, offers its access modes, matches its
 *   selector and is not reserved for another claim (spec.volumeName names
 *   the one volume it may take); binding writes the volume's claimRef and
 *   phase Bound, then the claim's volumeName, annotations
 *   pv.kubernetes.io/bind-completed and bound-by-controller, and status
 *   (Bound, capacity, accessModes);
 * - a claim of a minik8s.io/local-path class waits (Event
 *   WaitForFirstConsumer) for the scheduler's annotation
 *   volume.kubernetes.io/selected-node, then gets a volume pvc-<uid>: a
 *   hostPath directory <parameters.path>/pvc-<uid>_<ns>_<name> on that
 *   node (DirectoryOrCreate), pinned there by nodeAffinity;
 * - a Bound volume whose claim (by uid) is gone turns Released; under
 *   reclaim policy Delete a volume not provisioned by minik8s.io/local-path
 *   turns Failed (no plugin deletes it); local-path ones are deleted by the
 *   kubelet of their node (kubelet/, not here);
 * - a Bound claim whose volume is gone, or bound elsewhere, turns Lost.
 * Events on claims and volumes in Kubernetes' words.
 */
#ifndef MK_CONTROLLERS_VOLUME_H
#define MK_CONTROLLERS_VOLUME_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#define VOLUME_LOCAL_PATH_PROVISIONER "minik8s.io/local-path"
#define VOLUME_LOCAL_PATH_CLASS       "local-path"
#define VOLUME_LOCAL_PATH_DIR         "/var/lib/minik8s/volumes"
#define VOLUME_ANN_DEFAULT_CLASS      "storageclass.kubernetes.io/is-default-class"
#define VOLUME_ANN_SELECTED_NODE      "volume.kubernetes.io/selected-node"
#define VOLUME_ANN_PROVISIONED_BY     "pv.kubernetes.io/provisioned-by"
#define VOLUME_ANN_BIND_COMPLETED     "pv.kubernetes.io/bind-completed"
#define VOLUME_ANN_BOUND_BY_CTRL      "pv.kubernetes.io/bound-by-controller"

/* The class a claim asks for: spec.storageClassName, "" for none. */
const char *volume_claim_class(json_object *claim);

/* The default StorageClass among classes: the newest of those marked
 * default (then the first by name); NULL when none is. Borrowed. */
json_object *volume_default_class(json_object *const *classes, size_t n);

/* The StorageClass `local-path` the controller makes (caller puts). */
json_object *volume_local_path_class(void);

/* Does pv satisfy claim: class, volumeMode, capacity >= request, access
 * modes a superset, selector? (Neither its phase nor its claimRef.) When
 * not, *why says so in Kubernetes' words (static text). */
bool volume_fits(json_object *claim, json_object *pv, const char **why);

/* Is pv reserved for claim: claimRef names it (namespace, name, and uid
 * when the claimRef has one)? */
bool volume_reserved_for(json_object *pv, json_object *claim);

/* The volume a Pending claim should bind to, among pvs (borrowed), or
 * NULL: one reserved for it if it fits, else the smallest Available,
 * unreserved one that fits (ties: by name). */
json_object *volume_pick(json_object *claim, json_object *const *pvs, size_t n);

/* The PersistentVolume provisioned for claim by a local-path class on
 * node (caller puts): name pvc-<claim uid>, the class's reclaimPolicy,
 * hostPath <parameters.path>/pvc-<uid>_<ns>_<name>, nodeAffinity on
 * kubernetes.io/hostname, claimRef to the claim. */
json_object *volume_provisioned_pv(json_object *claim, json_object *sc, const char *node);

/* The phase a volume should show, given the claim its claimRef names as
 * found (NULL: no such claim): Available (no claimRef, or reserved by
 * name only), Bound, Released (the claim with its uid is gone), Failed
 * (Released under Delete, not provisioned by minik8s.io/local-path: with
 * message Kubernetes' "no deletable volume plugin matched"; else message
 * is ""). Released and Failed are kept once reached. A static string. */
const char *volume_pv_phase(json_object *pv, json_object *claim, char *message, size_t n);

#endif
