/* pdbstatus.h - a PodDisruptionBudget's status from the pods it selects,
 * as Kubernetes' disruption controller computes it
 * (pkg/controller/disruption), free of clocks and I/O so tests can pin it.
 *
 * desiredHealthy: minAvailable as a number; a percentage of, or the
 * expected pods less maxUnavailable (rounded up), where the expected pods
 * are the replicas the pods' controllers want (the caller sums them: the
 * `scale`). currentHealthy: the selected pods that are Ready, not being
 * deleted and not just evicted (status.disruptedPods, which the eviction
 * writes; an entry whose pod did not go within PDB_DISRUPTED_TIMEOUT_S is
 * dropped). disruptionsAllowed: what is healthy beyond what is desired.
 */
#ifndef MK_CONTROLLERS_PDBSTATUS_H
#define MK_CONTROLLERS_PDBSTATUS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#define PDB_DISRUPTED_TIMEOUT_S 120

/* Does the budget count from its pods' controllers' scale (maxUnavailable,
 * or minAvailable as a percentage)? */
bool pdb_needs_scale(json_object *pdb);

/* The status of pdb (a new object, caller puts) given the pods it selects
 * (a JSON array, read only), the replicas their controllers want (used
 * only when pdb_needs_scale; < 0: unknown, which fails safe: no
 * disruption allowed and condition DisruptionAllowed False SyncFailed with
 * why), and the time now (Unix seconds). *recheck_s: seconds until an
 * entry of disruptedPods expires and the status must be computed again
 * (0: none). */
json_object *pdb_status(json_object *pdb, json_object *pods, int64_t scale, const char *why,
                        int64_t now, int64_t *recheck_s);

#endif
