#include "store/kinds.h"
#include "store/hpaconv.h"
#include "store/util.h"

#include <string.h>
#include <strings.h>

const mk_kind mk_kinds[] = {
    {"Namespace", "", "v1", "v1", "namespaces", "namespace", "ns", false, true, false},
    {"Node", "", "v1", "v1", "nodes", "node", "no", false, true, false},
    {"Pod", "", "v1", "v1", "pods", "pod", "po", true, true, false},
    {"Service", "", "v1", "v1", "services", "service", "svc", true, true, false},
    {"Endpoints", "", "v1", "v1", "endpoints", "endpoints", "ep", true, false, false},
    {"ConfigMap", "", "v1", "v1", "configmaps", "configmap", "cm", true, false, false},
    {"Secret", "", "v1", "v1", "secrets", "secret", "", true, false, true},
    {"Event", "", "v1", "v1", "events", "event", "ev", true, false, false},
    {"ServiceAccount", "", "v1", "v1", "serviceaccounts", "serviceaccount", "sa", true, false,
     false},
    {"PersistentVolume", "", "v1", "v1", "persistentvolumes", "persistentvolume", "pv", false,
     true, false},
    {"PersistentVolumeClaim", "", "v1", "v1", "persistentvolumeclaims", "persistentvolumeclaim",
     "pvc", true, true, false},
    {"LimitRange", "", "v1", "v1", "limitranges", "limitrange", "limits", true, false, false},
    {"ResourceQuota", "", "v1", "v1", "resourcequotas", "resourcequota", "quota", true, true,
     false},
    {"ReplicaSet", "apps", "v1", "apps/v1", "replicasets", "replicaset", "rs", true, true,
     false},
    {"Deployment", "apps", "v1", "apps/v1", "deployments", "deployment", "deploy", true, true,
     false},
    {"DaemonSet", "apps", "v1", "apps/v1", "daemonsets", "daemonset", "ds", true, true, false},
    {"StatefulSet", "apps", "v1", "apps/v1", "statefulsets", "statefulset", "sts", true, true,
     false},
    {"ControllerRevision", "apps", "v1", "apps/v1", "controllerrevisions", "controllerrevision",
     "", true, false, false},
    {"Job", "batch", "v1", "batch/v1", "jobs", "job", "", true, true, false},
    {"CronJob", "batch", "v1", "batch/v1", "cronjobs", "cronjob", "cj", true, true, false},
    {"HorizontalPodAutoscaler", "autoscaling", "v2", "autoscaling/v2",
     "horizontalpodautoscalers", "horizontalpodautoscaler", "hpa", true, true, false},
    {"PodDisruptionBudget", "policy", "v1", "policy/v1", "poddisruptionbudgets",
     "poddisruptionbudget", "pdb", true, true, false},
    {"Lease", "coordination.k8s.io", "v1", "coordination.k8s.io/v1", "leases", "lease", "",
     true, false, false},
    {"Role", "rbac.authorization.k8s.io", "v1", "rbac.authorization.k8s.io/v1", "roles", "role",
     "", true, false, false},
    {"ClusterRole", "rbac.authorization.k8s.io", "v1", "rbac.authorization.k8s.io/v1",
     "clusterroles", "clusterrole", "", false, false, false},
    {"RoleBinding", "rbac.authorization.k8s.io", "v1", "rbac.authorization.k8s.io/v1",
     "rolebindings", "rolebinding", "", true, false, false},
    {"ClusterRoleBinding", "rbac.authorization.k8s.io", "v1", "rbac.authorization.k8s.io/v1",
     "clusterrolebindings", "clusterrolebinding", "", false, false, false},
    {"StorageClass", "storage.k8s.io", "v1", "storage.k8s.io/v1", "storageclasses",
     "storageclass", "sc", false, false, false},
    {"PriorityClass", "scheduling.k8s.io", "v1", "scheduling.k8s.io/v1", "priorityclasses",
     "priorityclass", "pc", false, false, false},
    {"Ingress", "networking.k8s.io", "v1", "networking.k8s.io/v1", "ingresses", "ingress",
     "ing", true, true, false},
    {"NetworkPolicy", "networking.k8s.io", "v1", "networking.k8s.io/v1", "networkpolicies",
     "networkpolicy", "netpol", true, false, false},
    {"Function", "minik8s.io", "v1", "minik8s.io/v1", "functions", "function", "fn func", true,
     true, false},
    {"Workflow", "minik8s.io", "v1", "minik8s.io/v1", "workflows", "workflow", "wf", true, true,
     false},
    {"GpuJob", "minik8s.io", "v1", "minik8s.io/v1", "gpujobs", "gpujob", "gj", true, true,
     false},
};
const size_t mk_nkinds = ARRAY_SIZE(mk_kinds);

const mk_kind_version mk_kind_versions[] = {
    {"HorizontalPodAutoscaler", "v1", "autoscaling/v1", hpaconv_v2_to_v1, hpaconv_v1_to_v2},
};
const size_t mk_nkind_versions = ARRAY_SIZE(mk_kind_versions);

const mk_kind_version *kind_version(const mk_kind *k, const char *version)
{
    for (size_t i = 0; k && version && i < mk_nkind_versions; i++)
        if (strcmp(mk_kind_versions[i].kind, k->kind) == 0 &&
            strcmp(mk_kind_versions[i].version, version) == 0)
            return &mk_kind_versions[i];
    return NULL;
}

const mk_kind *kind_version_kind(const mk_kind_version *v)
{
    return kind_by_kind(v->kind);
}

const mk_kind *kind_by_kind(const char *kind)
{
    for (size_t i = 0; kind && i < mk_nkinds; i++)
        if (strcmp(mk_kinds[i].kind, kind) == 0)
            return &mk_kinds[i];
    return NULL;
}

const mk_kind *kind_by_gvk(const char *api_version, const char *kind)
{
    const mk_kind *k = kind_by_kind(kind);
    return k && api_version && strcmp(k->api_version, api_version) == 0 ? k : NULL;
}

const mk_kind *kind_by_resource(const char *group, const char *resource)
{
    for (size_t i = 0; resource && i < mk_nkinds; i++)
        if (strcmp(mk_kinds[i].group, group ? group : "") == 0 &&
            strcmp(mk_kinds[i].resource, resource) == 0)
            return &mk_kinds[i];
    return NULL;
}

bool kind_has_path_names(const mk_kind *k)
{
    return k && strcmp(k->group, "rbac.authorization.k8s.io") == 0;
}

bool kind_has_subdomain_names(const mk_kind *k)
{
    static const struct {
        const char *group, *kind;
    } kinds[] = {{"", "ConfigMap"},
                 {"", "Secret"},
                 {"", "ServiceAccount"},
                 {"", "Event"},
                 {"scheduling.k8s.io", "PriorityClass"}};
    for (size_t i = 0; k && i < ARRAY_SIZE(kinds); i++)
        if (!strcmp(k->kind, kinds[i].kind) && !strcmp(k->group, kinds[i].group))
            return true;
    return false;
}

static bool word_in(const char *words, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = words; *p;) {
        size_t len = strcspn(p, " ");
        if (len == n && strncasecmp(p, w, n) == 0)
            return true;
        p += len;
        p += strspn(p, " ");
    }
    return false;
}

const mk_kind *kind_by_alias(const char *name)
{
    for (size_t i = 0; name && i < mk_nkinds; i++) {
        const mk_kind *k = &mk_kinds[i];
        if (strcasecmp(k->resource, name) == 0 || strcasecmp(k->singular, name) == 0 ||
            strcasecmp(k->kind, name) == 0 || word_in(k->short_names, name))
            return k;
    }
    return NULL;
}

char *kind_key(const mk_kind *k, const char *ns, const char *name)
{
    if (k->namespaced)
        return xasprintf("/registry/%s/%s/%s", k->resource, ns, name);
    return xasprintf("/registry/%s/%s", k->resource, name);
}

char *kind_prefix(const mk_kind *k, const char *ns)
{
    if (k->namespaced && ns)
        return xasprintf("/registry/%s/%s/", k->resource, ns);
    return xasprintf("/registry/%s/", k->resource);
}

char *kind_collection_path(const mk_kind *k, const char *ns)
{
    const char *root = k->group[0] ? "/apis/" : "/api";
    const char *group = k->group[0] ? k->group : "";
    if (k->namespaced && ns)
        return xasprintf("%s%s/%s/namespaces/%s/%s", root, group, k->version, ns, k->resource);
    return xasprintf("%s%s/%s/%s", root, group, k->version, k->resource);
}
