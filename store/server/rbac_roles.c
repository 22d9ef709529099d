/* rbac_roles.c - the ClusterRoles every cluster starts with (rbac.h).
 *
 * Kubernetes' user-facing roles, cut to the kinds minik8s serves:
 * cluster-admin (everything), admin (everything in a namespace, its Roles
 * and RoleBindings included, bound with a RoleBinding), edit (the
 * workloads, not the access to them) and view (reads, but not Secrets).
 * Kubernetes builds admin, edit and view by aggregation; here they carry
 * their rules themselves, and an aggregationRule of a cluster's own still
 * works (rbac.c). Made at start when missing; never overwritten, so an
 * administrator's changes stay.
 */
#include "store/server/rbac.h"

#include "store/util.h"

#define LABELS  "\"labels\":{\"kubernetes.io/bootstrapping\":\"rbac-defaults\"}"
#define READ_V  "\"get\",\"list\",\"watch\""
#define WRITE_V "\"create\",\"delete\",\"deletecollection\",\"patch\",\"update\""
#define READ    "\"verbs\":[" READ_V "]"
#define ALL     "\"verbs\":[" READ_V "," WRITE_V "]"

/* What view reads and edit also writes, group by group. */
#define CORE_RES                                                                               \
    "\"pods\",\"pods/log\",\"pods/status\",\"services\",\"services/status\",\"endpoints\","    \
    "\"configmaps\",\"persistentvolumeclaims\",\"persistentvolumeclaims/status\","             \
    "\"serviceaccounts\""
#define APPS_RES                                                                               \
    "\"deployments\",\"deployments/scale\",\"deployments/status\",\"replicasets\","            \
    "\"replicasets/scale\",\"replicasets/status\",\"statefulsets\",\"statefulsets/scale\","    \
    "\"statefulsets/status\",\"daemonsets\",\"daemonsets/status\",\"controllerrevisions\""
#define WORKLOADS                                                                              \
    "{\"apiGroups\":[\"\"],\"resources\":[" CORE_RES "],%s},"                                  \
    "{\"apiGroups\":[\"apps\"],\"resources\":[" APPS_RES "],%s},"                              \
    "{\"apiGroups\":[\"batch\"],\"resources\":[\"jobs\",\"jobs/status\",\"cronjobs\","         \
    "\"cronjobs/status\"],%s},"                                                                \
    "{\"apiGroups\":[\"autoscaling\"],\"resources\":[\"horizontalpodautoscalers\","            \
    "\"horizontalpodautoscalers/status\"],%s},"                                                \
    "{\"apiGroups\":[\"networking.k8s.io\"],\"resources\":[\"ingresses\","                     \
    "\"ingresses/status\",\"networkpolicies\"],%s},"                                           \
    "{\"apiGroups\":[\"policy\"],\"resources\":[\"poddisruptionbudgets\","                     \
    "\"poddisruptionbudgets/status\"],%s},"                                                    \
    "{\"apiGroups\":[\"minik8s.io\"],\"resources\":[\"functions\",\"workflows\","              \
    "\"gpujobs\",\"functions/status\",\"workflows/status\",\"gpujobs/status\"],%s}"

/* Reads every role has: events, namespaces, metrics; the namespace's
 * quotas and limits, which as in Kubernetes only a cluster admin sets. */
#define VIEW_EXTRA                                                                             \
    "{\"apiGroups\":[\"\"],\"resources\":[\"events\",\"namespaces\",\"namespaces/"             \
    "status\",\"limitranges\",\"resourcequotas\",\"resourcequotas/status\"]," READ             \
    "},{\"apiGroups\":[\"metrics.k8s.io\"],\"resources\":[\"pods\"]," READ "}"
/* What edit adds: secrets, a way into pods, evictions, accounts' tokens. */
#define EDIT_EXTRA                                                                             \
    "{\"apiGroups\":[\"\"],\"resources\":[\"secrets\"]," ALL "},"                              \
    "{\"apiGroups\":[\"\"],\"resources\":[\"pods/exec\",\"pods/attach\","                      \
    "\"pods/portforward\",\"pods/eviction\"],\"verbs\":[\"get\",\"create\"]},"                 \
    "{\"apiGroups\":[\"\"],\"resources\":[\"serviceaccounts/token\"],\"verbs\":[\"create\"]}"
#define ADMIN_EXTRA                                                                            \
    "{\"apiGroups\":[\"rbac.authorization.k8s.io\"],\"resources\":[\"roles\","                 \
    "\"rolebindings\"]," ALL "}"

static char *role_json(const char *name, const char *rules)
{
    return xasprintf(
        "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRole\","
        "\"metadata\":{\"name\":\"%s\"," LABELS "},\"rules\":[%s]}",
        name, rules);
}

/* The workload rules with these verbs. */
static char *workloads(const char *verbs)
{
    return xasprintf(WORKLOADS, verbs, verbs, verbs, verbs, verbs, verbs, verbs);
}

json_object *rbac_default_roles(void)
{
    _cleanup_free_ char *view = workloads(READ);
    _cleanup_free_ char *edit = workloads(ALL);
    _cleanup_free_ char *view_rules = xasprintf("%s,%s", view, VIEW_EXTRA);
    _cleanup_free_ char *edit_rules = xasprintf("%s,%s,%s", edit, VIEW_EXTRA, EDIT_EXTRA);
    _cleanup_free_ char *admin_rules = xasprintf("%s,%s", edit_rules, ADMIN_EXTRA);
    char *texts[] = {
        role_json("cluster-admin", "{\"apiGroups\":[\"*\"],\"resources\":[\"*\"],\"verbs\":"
                                   "[\"*\"]},{\"nonResourceURLs\":[\"*\"],\"verbs\":[\"*\"]}"),
        role_json("admin", admin_rules),
        role_json("edit", edit_rules),
        role_json("view", view_rules),
    };
    json_object *roles = json_object_new_array();
    for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
        json_object_array_add(roles, json_tokener_parse(texts[i]));
        free(texts[i]);
    }
    return roles;
}
