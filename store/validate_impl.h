/* validate_impl.h - what store/validate*.c share; private to them
 * (store/validate.h is the contract).
 *
 * validate.c holds the entry points and the update rules; each area's
 * checks live in a file of their own: validate_common.c (messages in
 * Kubernetes' words, names, labels, metadata), validate_pod.c (pods and
 * pod templates), validate_core.c (Namespaces, Nodes, Services, Endpoints,
 * ConfigMaps, Secrets, Ingresses, Events), validate_workloads.c (Jobs,
 * CronJobs, ReplicaSets, DaemonSets, StatefulSets, ControllerRevisions,
 * Deployments, HPAs), validate_storage.c (PersistentVolumes, claims,
 * StorageClasses), validate_rbac.c (Roles, ClusterRoles and their
 * bindings), validate_policy.c (PodDisruptionBudgets, Leases),
 * validate_quota.c (LimitRanges, ResourceQuotas), validate_netpol.c
 * (NetworkPolicies), validate_scheduling.c (PriorityClasses, a pod's
 * priority fields) and validate_minik8s.c (Functions, Workflows, GpuJobs).
 *
 * A check reads fields knowing schema.c checked their types where present,
 * fails on the first error with the field's path in Kubernetes' wording
 * ("spec.replicas: Invalid value: -1: must be greater than or equal to 0")
 * and returns < 0 (err filled); 0 when all is well.
 */
#ifndef MK_VALIDATE_IMPL_H
#define MK_VALIDATE_IMPL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/error.h"
#include "store/kinds.h"

/* Field paths are built in fixed buffers; a longer one is cut, which only
 * shortens a message. */
typedef char vpath[256];
#define SUBPATH(buf, ...) vpath_printf((buf), __VA_ARGS__)
__attribute__((format(printf, 2, 3))) void vpath_printf(char *buf, const char *fmt, ...);

/* ---- field readers (types were checked by the schema) ---- */

/* json_object_object_foreach for an object that may be absent (NULL or
 * another type): no iteration then. The inner loops run once each, only
 * to declare k and v; continue and return work as in a plain loop. */
static inline struct lh_entry *fields_head(json_object *o)
{
    return json_object_is_type(o, json_type_object) ? json_object_get_object(o)->head : NULL;
}
#define foreach_field(obj, k, v)                                                               \
    for (struct lh_entry *k##_e = fields_head(obj), *k##_next; k##_e; k##_e = k##_next)        \
        for (const char *k = (k##_next = k##_e->next, (const char *)lh_entry_k(k##_e)); k;     \
             k = NULL)                                                                         \
            for (json_object *v = (json_object *)lh_entry_v(k##_e); k; k = NULL)

static inline json_object *get(json_object *o, const char *field)
{
    json_object *v = NULL;
    if (json_object_is_type(o, json_type_object))
        json_object_object_get_ex(o, field, &v);
    return v;
}

static inline const char *get_str(json_object *o, const char *field)
{
    json_object *v = get(o, field);
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static inline bool has(json_object *o, const char *field)
{
    return get(o, field) != NULL;
}

static inline bool empty_str(const char *s)
{
    return !s || !*s;
}

static inline size_t list_len(json_object *v)
{
    return json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;
}

static inline json_object *list_at(json_object *v, size_t i)
{
    return json_object_array_get_idx(v, i);
}

/* The text of a quantity the schema accepted: a string, or a number, which
 * keeps the text it was written with ("1e3"); validate_common.c. */
const char *qty_text(json_object *v);

/* ---- messages, as Kubernetes' field errors (validate_common.c) ---- */

int field_required(mk_err *err, const char *path, const char *detail);
__attribute__((format(printf, 4, 5))) int field_invalid(mk_err *err, const char *path,
                                                        json_object *v, const char *fmt, ...);
__attribute__((format(printf, 4, 5))) int
field_invalid_str(mk_err *err, const char *path, const char *v, const char *fmt, ...);
__attribute__((format(printf, 3, 4))) int field_forbidden(mk_err *err, const char *path,
                                                          const char *fmt, ...);
int field_duplicate(mk_err *err, const char *path, const char *v);
int field_not_found(mk_err *err, const char *path, const char *v);
/* allowed ends with NULL */
int field_unsupported(mk_err *err, const char *path, const char *v, const char *const *allowed);

/* ---- enums, ranges, names, labels, metadata (validate_common.c) ---- */

/* A string field o.field (at base) that must be one of allowed. */
int check_enum(json_object *o, const char *field, const char *base, const char *const *allowed,
               bool must, mk_err *err);
/* An integer field o.field within [lo, hi], when present. */
int check_range(json_object *o, const char *field, const char *base, int64_t lo, int64_t hi,
                mk_err *err);
/* An IntOrString count at base.field (absent: fine): an int of at least
 * min, or a percentage "N%" (at most 100% when at_most_100). */
int check_int_or_percent(json_object *o, const char *field, const char *base, int64_t min,
                         bool at_most_100, mk_err *err);
int check_dns_label(const char *path, const char *v, mk_err *err);
int check_dns_subdomain(const char *path, const char *v, mk_err *err);
/* A name of the kinds named by path segments (kinds.h: kind_has_path_names). */
int check_path_segment_name(const char *path, const char *v, mk_err *err);
int check_port_name(const char *path, const char *v, mk_err *err);
int check_int_or_name_port(json_object *o, const char *field, const char *base, bool must,
                           mk_err *err);
int check_config_key(const char *path, const char *k, mk_err *err);
int check_labels(json_object *labels, const char *path, mk_err *err);
/* A LabelSelector object at path; absent (NULL) is fine. */
int check_label_selector(json_object *sel, const char *path, mk_err *err);
int check_metadata(const mk_kind *k, json_object *meta, mk_err *err);

/* ---- the areas ---- */

/* Does the pod spec have a container or init container of that name? */
bool pod_spec_has_container(json_object *spec, const char *name);
/* validate_pod.c; check_pod_spec checks a pod spec at base ("spec", or
 * a template's "spec.template.spec") */
extern const char *const port_protocols[]; /* TCP, UDP, SCTP; NULL-terminated */
int check_resources(json_object *res, const char *base, mk_err *err);
int check_env(json_object *env, const char *base, mk_err *err);
int check_pod_spec(json_object *spec, const char *base, mk_err *err);
int validate_pod(json_object *obj, mk_err *err);
/* validate_core.c */
int validate_namespace(json_object *obj, mk_err *err);
int validate_node(json_object *obj, mk_err *err);
int validate_service(json_object *obj, mk_err *err);
int validate_endpoints(json_object *obj, mk_err *err);
int validate_configmap(json_object *obj, mk_err *err);
int validate_serviceaccount(json_object *obj, mk_err *err);
int validate_secret(json_object *obj, mk_err *err);
int validate_ingress(json_object *obj, mk_err *err);
int validate_event(json_object *obj, mk_err *err);
/* validate_workloads.c */
int validate_job(json_object *obj, mk_err *err);
int validate_cronjob(json_object *obj, mk_err *err);
int validate_replicaset(json_object *obj, mk_err *err);
int validate_daemonset(json_object *obj, mk_err *err);
int validate_statefulset(json_object *obj, mk_err *err);
int validate_controllerrevision(json_object *obj, mk_err *err);
int check_statefulset_update(json_object *old, json_object *obj, mk_err *err);
int validate_pdb(json_object *obj, mk_err *err);
int validate_lease(json_object *obj, mk_err *err);
int validate_deployment(json_object *obj, mk_err *err);
int validate_hpa(json_object *obj, mk_err *err);
/* validate_storage.c; check_pvc_spec checks a claim's spec at base (a
 * claim's "spec", a volumeClaimTemplate's) */
int check_pvc_spec(json_object *spec, const char *base, mk_err *err);
int validate_pvc(json_object *obj, mk_err *err);
int validate_pv(json_object *obj, mk_err *err);
int validate_storageclass(json_object *obj, mk_err *err);
int check_pvc_update(json_object *old, json_object *obj, mk_err *err);
int check_pv_update(json_object *old, json_object *obj, mk_err *err);
int check_storageclass_update(json_object *old, json_object *obj, mk_err *err);
/* validate_quota.c */
int validate_limitrange(json_object *obj, mk_err *err);
int validate_resourcequota(json_object *obj, mk_err *err);
/* validate_scheduling.c; check_pod_priority checks a pod spec's
 * priorityClassName and preemptionPolicy at base (as check_pod_spec);
 * check_pod_priority_update: a pod's priority fields never change */
int validate_priorityclass(json_object *obj, mk_err *err);
int check_priorityclass_update(json_object *old, json_object *obj, mk_err *err);
int check_pod_priority(json_object *spec, const char *base, mk_err *err);
int check_pod_priority_update(json_object *old, json_object *obj, mk_err *err);
/* validate_netpol.c */
int validate_networkpolicy(json_object *obj, mk_err *err);
/* validate_minik8s.c */
int validate_function(json_object *obj, mk_err *err);
int validate_workflow(json_object *obj, mk_err *err);
int validate_gpujob(json_object *obj, mk_err *err);
/* validate_rbac.c; check_binding_update: a binding's roleRef never changes */
int validate_role(json_object *obj, mk_err *err);
int validate_clusterrole(json_object *obj, mk_err *err);
int validate_rolebinding(json_object *obj, mk_err *err);
int validate_clusterrolebinding(json_object *obj, mk_err *err);
int check_binding_update(json_object *old, json_object *obj, mk_err *err);
/* validate.c: a field that keeps its value once set */
int check_immutable_str(json_object *old, json_object *obj, const char *path, mk_err *err);

#endif
