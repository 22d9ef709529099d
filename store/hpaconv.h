/* hpaconv.h - HorizontalPodAutoscalers between autoscaling/v2, the version
 * this cluster stores, and autoscaling/v1, which kubectl autoscale sends.
 *
 * As Kubernetes' conversion (pkg/apis/autoscaling/v1/conversion.go):
 * spec.targetCPUUtilizationPercentage is a Resource cpu metric with an
 * Utilization target, status.currentCPUUtilizationPercentage the cpu entry
 * of status.currentMetrics. What v1 has no field for travels in
 * annotations, in v1's own shapes, so a v1 read-modify-write keeps it:
 *
 *   autoscaling.alpha.kubernetes.io/metrics          the other spec.metrics
 *   autoscaling.alpha.kubernetes.io/current-metrics  status.currentMetrics
 *   autoscaling.alpha.kubernetes.io/conditions       status.conditions
 *   autoscaling.alpha.kubernetes.io/behavior         spec.behavior
 *
 * Only Resource and ContainerResource metrics are converted field by
 * field, the sources this cluster stores (validate_workloads.c refuses the others).
 */
#ifndef MK_HPACONV_H
#define MK_HPACONV_H

#include <json-c/json.h>

#include "store/error.h"

/* A stored autoscaling/v2 object becomes autoscaling/v1, in place. */
void hpaconv_v2_to_v1(json_object *obj);
/* An autoscaling/v1 object becomes autoscaling/v2, in place. EINVAL,
 * naming the field, when spec.targetCPUUtilizationPercentage or
 * status.currentCPUUtilizationPercentage is not an integer (obj is then
 * left unchanged). Annotations that do not parse are dropped, as
 * Kubernetes drops them. */
int hpaconv_v1_to_v2(json_object *obj, mk_err *err);

#endif
