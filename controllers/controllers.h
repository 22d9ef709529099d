/* controllers.h - the controllers mk-controller-manager is built with. */
#ifndef MK_CONTROLLERS_H
#define MK_CONTROLLERS_H

#include "controllers/manager.h"

/* nodeipam.c: a free podCIDR for every node that has none. */
extern const mk_controller nodeipam_controller;
/* nodelifecycle.c: silent nodes go Ready=Unknown, tainted; their pods
 * are evicted after the eviction timeout. */
extern const mk_controller nodelifecycle_controller;
/* endpoints.c: Endpoints from the ready pods a Service selects. */
extern const mk_controller endpoints_controller;
/* replicaset.c: spec.replicas pods per ReplicaSet (replicaset.h). */
extern const mk_controller replicaset_controller;
/* gc.c: dependents of deleted owners go, or are orphaned (gc.h). */
extern const mk_controller garbagecollector_controller;
/* hpa.c: HorizontalPodAutoscalers scale their ReplicaSets (hpa.h). */
extern const mk_controller hpa_controller;
/* ingress.c: Ingresses served by an nginx it owns (docs/ingress.md). */
extern const mk_controller ingress_controller;
/* function.c: Functions as ReplicaSets of runtime pods and a Service
 * (function.h). */
extern const mk_controller function_controller;
/* daemonset.c: a pod on every node that fits (the file's head). */
extern const mk_controller daemonset_controller;
/* deployment.c: Deployments roll ReplicaSets (deployment.h). */
extern const mk_controller deployment_controller;
/* statefulset.c: pods with stable names, made and rolled in order
 * (statefulset.h). */
extern const mk_controller statefulset_controller;
/* job.c: Jobs run their pods to completion (job.h). */
extern const mk_controller job_controller;
/* cronjob.c: CronJobs start Jobs on a schedule (cronjob.h). */
extern const mk_controller cronjob_controller;
/* volume.c: claims bound to PersistentVolumes, local-path provisioning,
 * released volumes (volume.h). */
extern const mk_controller volume_controller;
/* volprotect.c: claims in use and bound volumes are not removed until
 * they are free (the pvc-protection and pv-protection finalizers). */
extern const mk_controller volumeprotection_controller;
/* disruption.c: PodDisruptionBudgets' status, which evictions spend
 * (pdbstatus.h). */
extern const mk_controller disruption_controller;
/* serviceaccount.c: a "default" ServiceAccount in every namespace. */
extern const mk_controller serviceaccount_controller;
/* rootca.c: the ConfigMap kube-root-ca.crt, the API server's CA, in
 * every namespace (for pods' kube-api-access volumes). */
extern const mk_controller rootca_controller;
/* resourcequota.c: ResourceQuotas' status, hard and used, for people to
 * read (admission enforces them: store/server/quotacheck.h). */
extern const mk_controller resourcequota_controller;

#endif
