/* hpa_algo.h - the HorizontalPodAutoscaler's arithmetic, as Kubernetes'
 * (pkg/controller/podautoscaler: replica_calculator.go, horizontal.go),
 * free of clocks and I/O so tests can pin it.
 *
 * Values are in thousandths (milli-cores for cpu, milli-bytes for memory),
 * as Kubernetes computes them. Times are milliseconds on any clock the
 * caller keeps consistent.
 */
#ifndef MK_CONTROLLERS_HPA_ALGO_H
#define MK_CONTROLLERS_HPA_ALGO_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/error.h"

#define HPA_TOLERANCE 0.1 /* --horizontal-pod-autoscaler-tolerance */

/* How a pod counts (Kubernetes' groupPods). */
typedef enum hpa_pod_state {
    HPA_POD_READY,   /* has a metric and counts */
    HPA_POD_UNREADY, /* Pending, or (cpu) not ready: 0 on scale-up, else left out */
    HPA_POD_MISSING, /* no metric: 100% (or the target) on scale-down, 0 on scale-up */
    HPA_POD_IGNORED, /* being deleted or Failed */
} hpa_pod_state;

typedef struct hpa_pod_sample {
    hpa_pod_state state;
    int64_t usage;   /* milli-units; READY pods only */
    int64_t request; /* milli-units of the resource requested; Utilization needs > 0 */
} hpa_pod_sample;

/* Replicas for a Utilization target (percent of requests). *utilization
 * is the current average utilization in percent, *avg the raw average
 * usage (milli). Errors: EINVAL when a pod has no request, ENODATA when
 * no pod has a usable metric, ENOENT when there are no pods. */
int hpa_replicas_utilization(int32_t current, const hpa_pod_sample *pods, size_t n,
                             int32_t target_pct, int32_t *replicas, int32_t *utilization,
                             int64_t *avg, mk_err *err);
/* Replicas for an AverageValue target (milli per pod); *avg as above. */
int hpa_replicas_average(int32_t current, const hpa_pod_sample *pods, size_t n,
                         int64_t target_milli, int32_t *replicas, int64_t *avg, mk_err *err);

/* spec.behavior, with Kubernetes' defaults filled in. */
typedef enum hpa_policy_type { HPA_POLICY_PODS, HPA_POLICY_PERCENT } hpa_policy_type;
typedef enum hpa_select { HPA_SELECT_MAX, HPA_SELECT_MIN, HPA_SELECT_DISABLED } hpa_select;

#define HPA_MAX_POLICIES 10

typedef struct hpa_policy {
    hpa_policy_type type;
    int32_t value;
    int32_t period_s;
} hpa_policy;

typedef struct hpa_rules {
    int32_t window_s; /* stabilizationWindowSeconds */
    hpa_select select;
    hpa_policy policies[HPA_MAX_POLICIES];
    size_t npolicies;
} hpa_rules;

typedef struct hpa_behavior {
    hpa_rules up, down;
} hpa_behavior;

/* Read spec.behavior (may be NULL). Absent parts take Kubernetes'
 * defaults: scaleUp window 0, Max of {Pods 4, Percent 100} per 15 s;
 * scaleDown window 300, Percent 100 per 15 s. EINVAL names a bad field. */
int hpa_behavior_parse(json_object *behavior, hpa_behavior *b, mk_err *err);

/* What an HPA remembers between syncs: its recent recommendations and
 * scale events (Kubernetes keeps them in the controller, not the object). */
typedef struct hpa_rec {
    int64_t at_ms;
    int32_t replicas;
} hpa_rec;

typedef struct hpa_event {
    int64_t at_ms;
    int32_t change;
    bool outdated;
} hpa_event;

typedef struct hpa_history {
    hpa_rec *recs;
    size_t nrecs;
    hpa_event *ups, *downs;
    size_t nups, ndowns;
} hpa_history;

void hpa_history_free(hpa_history *h);

/* The outcome of normalizing a recommendation, with the conditions'
 * reasons as Kubernetes sets them. */
typedef struct hpa_decision {
    int32_t desired;
    const char *able_reason; /* AbleToScale=True: ScaleUpStabilized, ScaleDownStabilized,
                                ReadyForNewScale */
    const char *able_message;
    bool limited;               /* ScalingLimited */
    const char *limited_reason; /* ScaleUpLimit, TooManyReplicas, ScaleDownLimit,
                                   TooFewReplicas, DesiredWithinRange */
    const char *limited_message;
} hpa_decision;

/* normalizeDesiredReplicasWithBehaviors: stabilize `proposed` over the
 * windows (recording it), then bound it by the policies' rates and
 * [min, max]. */
void hpa_normalize(hpa_history *h, const hpa_behavior *b, int64_t now_ms, int32_t current,
                   int32_t proposed, int32_t min, int32_t max, hpa_decision *d);
/* Record a scale the controller made (storeScaleEvent). */
void hpa_record_scale(hpa_history *h, const hpa_behavior *b, int64_t now_ms, int32_t prev,
                      int32_t next);
/* The scale-up and scale-down limits alone (for tests). */
int32_t hpa_scale_up_limit(const hpa_history *h, const hpa_rules *r, int64_t now_ms,
                           int32_t current);
int32_t hpa_scale_down_limit(const hpa_history *h, const hpa_rules *r, int64_t now_ms,
                             int32_t current);

#endif
