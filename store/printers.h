/* printers.h - the columns `kubectl get` computes from an object rather
 * than copies from it, as kubectl's printers compute them. Shared by the
 * API server's tables (kubectl) and mk-fs's (rkubectl), so the two never
 * disagree.
 *
 * Pods: STATUS, READY and RESTARTS: "Init:1/2", "Init:CrashLoopBackOff",
 * "Init:Error", a container's waiting or terminated reason
 * ("CrashLoopBackOff", "CreateContainerConfigError", "OOMKilled",
 * "Completed"), "Terminating", else the phase. */
#ifndef MK_PRINTERS_H
#define MK_PRINTERS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct podstatus {
    char status[64];
    size_t ready, total; /* containers ready, of spec.containers */
    int64_t restarts;
} podstatus;

void podstatus_of(json_object *pod, podstatus *out);

/* An AGE: kubectl's HumanDuration of `seconds` ("45s", "3m20s", "5h",
 * "2d3h", "400d", "3y12d"): the coarser the older. */
void human_duration(int64_t seconds, char *buf, size_t n);

/* A node's STATUS: "Ready" or "NotReady" by its Ready condition,
 * "Unknown" without one; ",SchedulingDisabled" added when cordoned. */
void node_status_text(json_object *node, char *buf, size_t n);

/* A Job's STATUS: Complete, Failed, Terminating, Suspended, FailureTarget
 * or Running, in kubectl's order of precedence. */
const char *job_status_text(json_object *job);

/* A Job's COMPLETIONS: "2/3", or without spec.completions "0/1" ("0/1 of 4"
 * when more than one pod runs at once). */
void job_completions_text(json_object *job, char *buf, size_t n);
/* An autoscaling/v2 HPA's TARGETS, as kubectl's formatHPAMetrics: one
 * "<resource>: <current>/<target>" a metric ("cpu: 40%/80%", "memory:
 * <unknown>/100Mi"), the i-th of status.currentMetrics being the i-th
 * metric's, two at most and "+ N more..."; "<none>" without metrics. */
void hpa_targets_text(json_object *hpa, char *buf, size_t n);

/* Endpoints' ENDPOINTS, as kubectl's formatEndpoints: "ip:port" for each
 * port of each subset and each ready address (bare "ip" in a subset
 * without ports), three shown then " + N more..."; "<none>" without
 * subsets. Caller frees. */
char *endpoints_text(json_object *ep);

/* A Role's, ClusterRole's or LimitRange's CREATED AT (kubectl shows it
 * instead of an AGE): the creation timestamp as RFC 3339 UTC, "<unknown>" without one. */
void created_at_text(json_object *obj, char *buf, size_t n);
/* A RoleBinding's or ClusterRoleBinding's ROLE: "<kind>/<name>" of its
 * roleRef ("ClusterRole/view"). */
void role_ref_text(json_object *binding, char *buf, size_t n);
/* Its USERS, GROUPS or SERVICEACCOUNTS (-o wide), as kubectl's
 * SubjectsStrings: the names of the subjects of that kind ("User",
 * "Group", "ServiceAccount"; a ServiceAccount as "<namespace>/<name>"),
 * joined by ", "; "" for none. Caller frees. */
char *subjects_text(json_object *binding, const char *kind);

/* An IntOrString field of a PodDisruptionBudget as kubectl prints it:
 * "2", "50%", "N/A" when absent. */
void intstr_text(json_object *v, char *buf, size_t n);

/* A ResourceQuota's REQUEST (limits false) or LIMIT, as kubectl's
 * printResourceQuota: "<resource>: <used>/<hard>" for each resource of
 * status.hard in name order, used "0" where status.used lacks it; those
 * named "limits.<resource>" make LIMIT, the others REQUEST; joined by
 * ", ", "" for none. Caller frees. */
char *quota_usage_text(json_object *quota, bool limits);

/* A LabelSelector object (a NetworkPolicy's POD-SELECTOR) as kubectl's
 * FormatLabelSelector prints it: selector_text's "a=b,k in (v1,v2),!k";
 * "<none>" for an empty or absent one, "<error>" for one that does not
 * parse. Caller frees. */
char *label_selector_text(json_object *sel);

/* Volumes' ACCESS MODES as kubectl abbreviates them, in its order:
 * "RWO,ROX,RWX,RWOP" (those present); "" for none. */
void access_modes_text(json_object *modes, char *buf, size_t n);
/* A PersistentVolume's or claim's STATUS: "Terminating" once deleted,
 * else status.phase ("" without one). */
const char *volume_phase_text(json_object *obj);
/* A PV's CLAIM: "<namespace>/<name>" of spec.claimRef, "" without one. */
void pv_claim_text(json_object *pv, char *buf, size_t n);
/* Does a StorageClass carry storageclass.kubernetes.io/is-default-class
 * "true" (or the beta annotation)? */
bool storageclass_is_default(json_object *sc);
/* A StorageClass's NAME: "local-path (default)" for the default one. */
void storageclass_name_text(json_object *sc, char *buf, size_t n);

#endif
