/* volumes.h - the scheduler's volume step: kube-scheduler's VolumeBinding
 * plugin reduced to minik8s' storage (hostPath and local PersistentVolumes,
 * the minik8s.io/local-path provisioner).
 *
 * For a pod whose volumes name PersistentVolumeClaims, before the node
 * filter: each claim must exist and not be terminating; a bound claim
 * limits the pod to the nodes its PV's nodeAffinity allows; an unbound
 * claim of a WaitForFirstConsumer class (or of the local-path provisioner,
 * which always needs a node) allows any node and learns the chosen one
 * through the annotation volume.kubernetes.io/selected-node, written
 * before the binding; an unbound claim of any other class (or of none)
 * waits for the volume controller: "pod has unbound immediate
 * PersistentVolumeClaims". A pending claim that already names a selected
 * node (a provisioning under way) keeps the pod to that node.
 *
 * Pure: the objects come from a lookup function, so that tests feed JSON.
 * Pods without claims never come here.
 */
#ifndef MK_SCHED_VOLUMES_H
#define MK_SCHED_VOLUMES_H

#include <json-c/json.h>
#include <stdbool.h>

#include "scheduler/podinfo.h"

#define SCHED_SELECTED_NODE "volume.kubernetes.io/selected-node"
#define SCHED_LOCAL_PATH    "minik8s.io/local-path"

/* An object by kind ("PersistentVolumeClaim", "PersistentVolume",
 * "StorageClass"), namespace (claims only) and name: a reference the
 * caller puts, or NULL when there is none. */
typedef json_object *(*sched_vol_lookup)(void *ctx, const char *kind, const char *ns,
                                         const char *name);

/* What the volume step decided for one attempt. */
typedef struct sched_vol_plan {
    char *why; /* the pod fits no node, in kube-scheduler's words; NULL: it may */
    sched_node_sel *affinity; /* a node must match each */
    size_t naffinity;
    char **select; /* claims to annotate with the chosen node */
    size_t nselect;
} sched_vol_plan;

/* Decide for p's claims (p->nclaims > 0). Always fills *out; clear it. */
void sched_volumes_plan(const sched_pod *p, sched_vol_lookup get, void *ctx,
                        sched_vol_plan *out);
void sched_vol_plan_clear(sched_vol_plan *plan);
/* Move the plan's node rules and claims to annotate into p (replacing
 * any earlier ones); the plan keeps only why. */
void sched_vol_plan_apply(sched_vol_plan *plan, sched_pod *p);

/* Does node n satisfy every PV node affinity the volume step set on p? */
bool sched_volumes_fit(const sched_node_info *n, const sched_pod *p);

/* The merge patch that records the chosen node on a claim (caller frees). */
char *sched_volumes_selected_node_patch(const char *node);

#endif
