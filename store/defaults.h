/* defaults.h - Kubernetes' defaults for the fields clients read back, so
 * `kubectl get -o yaml` shows what Kubernetes would: a pod spec's
 * restartPolicy (not a Job's: it must say), dnsPolicy, grace period,
 * schedulerName, probe timings and termination message path and policy, a
 * Pod's requests from its limits and its enableServiceLinks (true); a
 * Deployment's replicas, strategy (25%/25%) and history; a ReplicaSet's
 * replicas; a DaemonSet's and StatefulSet's updateStrategy; a Job's
 * completions, parallelism and backoffLimit; a CronJob's concurrencyPolicy
 * and history limits; a Service's type, affinity, IP family and traffic
 * policies, a port's protocol (TCP) and targetPort (its port); a Secret's
 * type (Opaque); a PersistentVolume's reclaim policy (Retain) and
 * volumeMode (Filesystem, a claim's too), a StorageClass's reclaimPolicy
 * (Delete) and volumeBindingMode (Immediate); a role binding's roleRef
 * and User and Group subjects their apiGroup (rbac.authorization.k8s.io);
 * a PriorityClass's value (0) and preemptionPolicy (PreemptLowerPriority).
 * Fields of features minik8s does not have (imagePullPolicy: images are
 * node-local) are left out rather than promised.
 *
 * Set where absent, on create and update alike (an update that omits them
 * changes nothing), before validation, as the API server's defaulting runs
 * before its validation. One place for every kind's, so the API server and
 * tests agree.
 */
#ifndef MK_DEFAULTS_H
#define MK_DEFAULTS_H

#include <json-c/json.h>

#include "store/kinds.h"

void defaults_apply(const mk_kind *k, json_object *obj);

/* Take out of a pod template's spec the fields that equal the pod spec
 * defaults templates were stored without before minik8s applied them
 * (restartPolicy, dnsPolicy, grace period, schedulerName, securityContext,
 * termination message, probe timings). Controllers compare and hash
 * templates so, and a template stored before and updated after compares
 * equal: an upgrade does not roll anything out. */
void defaults_strip_template(json_object *spec);

#endif
