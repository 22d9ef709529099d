/* quota.h - what a ResourceQuota counts: the resource names it may hold in
 * spec.hard, and how much of each one an object uses.
 *
 * Pure functions over objects: the API server's admission (store/server/
 * admission.h) feeds them what it reads from the store, the quota controller
 * what its informers hold, so both count alike.
 *
 * Amounts are in thousandths of the unit (quantity_milli): "500m" cpu is
 * 500, "1Gi" memory 1073741824000, one pod 1000.
 */
#ifndef MK_QUOTA_H
#define MK_QUOTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "store/kinds.h"

typedef enum quota_class {
    QUOTA_UNKNOWN,  /* not a resource minik8s' quota tracks */
    QUOTA_COUNT,    /* objects of a kind: "pods", "count/deployments.apps" */
    QUOTA_REQUESTS, /* the pods' requests: "cpu", "requests.memory", "requests.nvidia.com/gpu"
                     */
    QUOTA_LIMITS,   /* the pods' limits: "limits.cpu" */
    QUOTA_STORAGE,  /* claims' requested storage: "requests.storage" */
    QUOTA_SERVICE_PORTS, /* "services.nodeports", "services.loadbalancers" */
} quota_class;

typedef struct quota_resource {
    quota_class cls;
    const mk_kind *kind;    /* the kind counted or measured (Pod for requests/limits) */
    char res[64];           /* the container resource for QUOTA_REQUESTS/LIMITS: "cpu" */
    char storage_class[64]; /* "<class>.storageclass.storage.k8s.io/..." names: the class */
} quota_resource;

/* What a spec.hard name means; cls QUOTA_UNKNOWN when nothing. */
quota_resource quota_resource_of(const char *name);
/* Whether scopes (spec.scopes, spec.scopeSelector) may apply to the
 * resource: only pod resources, as in Kubernetes. */
bool quota_resource_is_pod(const quota_resource *r);
/* "pods", "count/pods": all a BestEffort quota may count. */
bool quota_resource_is_pod_count(const quota_resource *r);
/* Whether its amounts are whole numbers (object counts, ports). */
bool quota_resource_is_whole(const quota_resource *r);

/* The scope names spec.scopes and scopeSelector may use. */
bool quota_scope_valid(const char *scope);
/* Whether the quota's scopes and scopeSelector select the pod (always, for
 * a quota without either). */
bool quota_selects_pod(json_object *quota, json_object *pod);

/* How much of resource r the object (of kind k) uses, in thousandths.
 * false when it does not count toward r at all: another kind, a pod past
 * its end (Succeeded, Failed), a claim of another storage class. */
bool quota_usage(const quota_resource *r, const mk_kind *k, json_object *obj, int64_t *milli);
/* quota_usage within the quota's scopes: false also for a pod its scopes
 * leave out. What admission and the controller both count. */
bool quota_counts(json_object *quota, const quota_resource *r, const mk_kind *k,
                  json_object *obj, int64_t *milli);

/* For cpu and memory requests and limits: the names of the containers
 * (init containers included) that do not say the resource, comma-joined
 * into buf; false when all do (or r is another resource). Kubernetes
 * refuses such a pod under a quota that limits the resource. */
bool quota_missing_containers(const quota_resource *r, json_object *pod, char *buf, size_t n);

/* The pod's effective request (limits=false) or limit of a container
 * resource, as Kubernetes sums it: the larger of the containers' sum and any
 * one init container; *all: whether every container says it. */
int64_t quota_pod_amount(json_object *pod, const char *res, bool limits, bool *all);

/* An amount as Kubernetes prints it for the resource: cpu "500m" or "2",
 * memory and storage with a binary suffix when exact, counts plain. */
void quota_format(const quota_resource *r, int64_t milli, char *buf, size_t n);

#endif
