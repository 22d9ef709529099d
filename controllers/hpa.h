/* hpa.h - the HorizontalPodAutoscaler controller (autoscaling/v2).
 *
 * Every --hpa-sync-period (15 s) and whenever an HPA's spec changes, for
 * each HPA whose scaleTargetRef is a ReplicaSet: read the pods' usage from
 * the API server's metrics.k8s.io/v1beta1 PodMetrics (store/server/
 * metrics_api.c, fed by the kubelets), compute the replicas each Resource
 * metric (cpu or memory, Utilization of requests or AverageValue) asks for
 * with Kubernetes' algorithm (hpa_algo.h), take the largest, stabilize and
 * rate-limit it by spec.behavior, bound it by min/maxReplicas, and PATCH
 * the ReplicaSet's spec.replicas. Status as Kubernetes writes it:
 * currentReplicas, desiredReplicas, currentMetrics, lastScaleTime and the
 * AbleToScale, ScalingActive and ScalingLimited conditions with
 * Kubernetes' reasons; a missing target or missing metrics show there.
 */
#ifndef MK_CONTROLLERS_HPA_H
#define MK_CONTROLLERS_HPA_H

#include <json-c/json.h>
#include <stdint.h>

/* Sum of the containers' resources.requests[resource] of a pod, in
 * thousandths; 0 when any container requests none (Kubernetes then
 * refuses a Utilization target). */
int64_t hpa_pod_request(json_object *pod, const char *resource);

#endif
