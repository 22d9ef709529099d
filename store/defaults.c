/* defaults.c - Kubernetes' defaults per kind (see defaults.h). */
#include "store/defaults.h"

#include <string.h>

#include "store/codec.h"
#include "store/util.h"

/* Set path to v (taken) where it is absent, making the objects above it;
 * a parent of another type is left for validation to name. */
static void default_field(json_object *obj, const char *path, json_object *v)
{
    const char *dot = strrchr(path, '.'), *leaf = dot ? dot + 1 : path;
    _cleanup_free_ char *head = xstrndup(path, dot ? (size_t)(dot - path) : 0);
    json_object *parent = obj;
    for (const char *p = head; *p;) {
        size_t n = strcspn(p, ".");
        _cleanup_free_ char *key = xstrndup(p, n);
        json_object *child = NULL;
        if (!json_object_is_type(parent, json_type_object))
            break; /* a parent of another type: validation names it */
        if (!json_object_object_get_ex(parent, key, &child)) {
            child = json_object_new_object();
            json_object_object_add(parent, key, child);
        }
        parent = child;
        p += n + (p[n] == '.');
    }
    if (json_object_is_type(parent, json_type_object) &&
        !json_object_object_get_ex(parent, leaf, NULL))
        json_object_object_add(parent, leaf, v);
    else
        json_object_put(v);
}

static void default_statefulset(json_object *obj)
{
    /* kubectl reads these: `rollout status` refuses a StatefulSet whose
     * updateStrategy.type is not RollingUpdate, absent included. */
    default_field(obj, "spec.replicas", json_object_new_int(1));
    default_field(obj, "spec.podManagementPolicy", json_object_new_string("OrderedReady"));
    default_field(obj, "spec.revisionHistoryLimit", json_object_new_int(10));
    default_field(obj, "spec.updateStrategy.type", json_object_new_string("RollingUpdate"));
    const char *type = mk_json_str(obj, "spec.updateStrategy.type") ?: "";
    json_object *ru = mk_json_path(obj, "spec.updateStrategy.rollingUpdate");
    if (!strcmp(type, "RollingUpdate"))
        default_field(obj, "spec.updateStrategy.rollingUpdate.partition",
                      json_object_new_int(0));
    else if (!strcmp(type, "OnDelete") && json_object_is_type(ru, json_type_object) &&
             json_object_object_length(ru) == 1 &&
             mk_json_int(ru, "partition", -1) == 0) /* our own default, left by an apply */
        json_object_object_del(mk_json_path(obj, "spec.updateStrategy"), "rollingUpdate");
    default_field(obj, "spec.persistentVolumeClaimRetentionPolicy.whenDeleted",
                  json_object_new_string("Retain"));
    default_field(obj, "spec.persistentVolumeClaimRetentionPolicy.whenScaled",
                  json_object_new_string("Retain"));
    /* Each claim template as Kubernetes stores it: a PersistentVolumeClaim,
     * defaulted as one. */
    json_object *tmpls = mk_json_path(obj, "spec.volumeClaimTemplates");
    for (size_t i = 0;
         json_object_is_type(tmpls, json_type_array) && i < json_object_array_length(tmpls);
         i++) {
        json_object *t = json_object_array_get_idx(tmpls, i);
        if (!json_object_is_type(t, json_type_object))
            continue;
        default_field(t, "apiVersion", json_object_new_string("v1"));
        default_field(t, "kind", json_object_new_string("PersistentVolumeClaim"));
        default_field(t, "spec.volumeMode", json_object_new_string("Filesystem"));
    }
}

static void default_cronjob(json_object *obj)
{
    default_field(obj, "spec.concurrencyPolicy", json_object_new_string("Allow"));
    default_field(obj, "spec.suspend", json_object_new_boolean(false));
    default_field(obj, "spec.successfulJobsHistoryLimit", json_object_new_int(3));
    default_field(obj, "spec.failedJobsHistoryLimit", json_object_new_int(1));
}

/* Each entry of the array at `field` of obj gets `key` set to a string
 * where it has none. */
static void default_each(json_object *obj, const char *field, const char *key,
                         const char *value)
{
    json_object *arr = mk_json_path(obj, field);
    if (!json_object_is_type(arr, json_type_array))
        return;
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        if (json_object_is_type(e, json_type_object) &&
            !json_object_object_get_ex(e, key, NULL))
            json_object_object_add(e, key, json_object_new_string(value));
    }
}

/* A default: a field and its value as JSON text. */
typedef struct field_default {
    const char *field;
    const char *str; /* a string value, or NULL: */
    int num;         /* an integer one, or -1: an empty object */
} field_default;

/* Kubernetes' SetDefaults_PodSpec: every pod spec, templates included. */
static const field_default spec_defaults[] = {
    {"restartPolicy", "Always", 0},
    {"dnsPolicy", "ClusterFirst", 0},
    {"terminationGracePeriodSeconds", NULL, 30},
    {"schedulerName", "default-scheduler", 0},
    {"securityContext", NULL, -1},
};
static const field_default container_defaults[] = {
    {"terminationMessagePath", "/dev/termination-log", 0},
    {"terminationMessagePolicy", "File", 0},
};
/* A probe's timing, as the kubelet reads it when absent (kubelet/probe.c). */
static const field_default probe_defaults[] = {
    {"timeoutSeconds", NULL, 1},
    {"periodSeconds", NULL, 10},
    {"successThreshold", NULL, 1},
    {"failureThreshold", NULL, 3},
};

static json_object *default_value(const field_default *d)
{
    if (d->str)
        return json_object_new_string(d->str);
    return d->num < 0 ? json_object_new_object() : json_object_new_int(d->num);
}

static bool is_default(json_object *v, const field_default *d)
{
    if (d->str)
        return json_object_is_type(v, json_type_string) &&
               strcmp(json_object_get_string(v), d->str) == 0;
    if (d->num < 0)
        return json_object_is_type(v, json_type_object) && json_object_object_length(v) == 0;
    return json_object_is_type(v, json_type_int) && json_object_get_int64(v) == d->num;
}

/* Put the defaults d in o, or (strip) take out the fields that equal them.
 * A Job's pods must say how they end, so restartPolicy is left for
 * validation to ask for there (restart false). Every create runs this:
 * values are made, not parsed. */
static void set_fields(json_object *o, const field_default *d, size_t n, bool restart,
                       bool strip)
{
    if (!json_object_is_type(o, json_type_object))
        return;
    for (size_t i = 0; i < n; i++) {
        if (!restart && strcmp(d[i].field, "restartPolicy") == 0)
            continue;
        json_object *have = NULL;
        bool present = json_object_object_get_ex(o, d[i].field, &have);
        if (!strip && !present)
            json_object_object_add(o, d[i].field, default_value(&d[i]));
        else if (strip && present && is_default(have, &d[i]))
            json_object_object_del(o, d[i].field);
    }
}

/* A Pod's requests default to its limits, resource by resource (Kubernetes'
 * SetDefaults_Pod; templates keep what they say). */
static void default_requests(json_object *ctr)
{
    json_object *limits = mk_json_path(ctr, "resources.limits");
    if (!json_object_is_type(limits, json_type_object))
        return;
    json_object_object_foreach(limits, res, v)
    {
        _cleanup_free_ char *path = xasprintf("resources.requests.%s", res);
        default_field(ctr, path, json_object_get(v));
    }
}

/* The defaults of spec's own fields, its containers' and their probes', or
 * (strip) the taking out of those that equal them. A Pod (pod) gets its
 * own besides, as SetDefaults_Pod gives them: requests from limits and
 * service links. Ports speak TCP (never stripped: stored so always). */
static void pod_spec_fields(json_object *spec, bool pod, bool restart, bool strip)
{
    set_fields(spec, spec_defaults, ARRAY_SIZE(spec_defaults), restart, strip);
    if (pod && !strip)
        default_field(spec, "enableServiceLinks", json_object_new_boolean(true));
    static const char *const lists[] = {"containers", "initContainers"};
    static const char *const probes[] = {"livenessProbe", "readinessProbe", "startupProbe"};
    for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
        json_object *ctrs = mk_json_path(spec, lists[i]);
        size_t n = mk_json_array_len(ctrs);
        for (size_t j = 0; j < n; j++) {
            json_object *c = json_object_array_get_idx(ctrs, j);
            if (!json_object_is_type(c, json_type_object))
                continue;
            set_fields(c, container_defaults, ARRAY_SIZE(container_defaults), true, strip);
            for (size_t k = 0; k < ARRAY_SIZE(probes); k++)
                set_fields(mk_json_path(c, probes[k]), probe_defaults,
                           ARRAY_SIZE(probe_defaults), true, strip);
            if (strip)
                continue;
            default_each(c, "ports", "protocol", "TCP");
            if (pod)
                default_requests(c);
        }
    }
}

void defaults_strip_template(json_object *spec)
{
    pod_spec_fields(spec, false, true, true);
}

/* A Service is a ClusterIP one of one IPv4 address, without affinity and
 * with traffic spread over the cluster; a port is TCP, and forwards to the
 * same port number. */
static void default_service(json_object *obj)
{
    default_field(obj, "spec.type", json_object_new_string("ClusterIP"));
    default_field(obj, "spec.sessionAffinity", json_object_new_string("None"));
    const char *type = mk_json_str(obj, "spec.type") ?: "";
    if (strcmp(type, "ExternalName") != 0) {
        json_object *families = json_object_new_array();
        json_object_array_add(families, json_object_new_string("IPv4"));
        default_field(obj, "spec.ipFamilies", families);
        default_field(obj, "spec.ipFamilyPolicy", json_object_new_string("SingleStack"));
        default_field(obj, "spec.internalTrafficPolicy", json_object_new_string("Cluster"));
    }
    if (!strcmp(type, "NodePort") || !strcmp(type, "LoadBalancer"))
        default_field(obj, "spec.externalTrafficPolicy", json_object_new_string("Cluster"));
    default_each(mk_json_path(obj, "spec"), "ports", "protocol", "TCP");
    json_object *ports = mk_json_path(obj, "spec.ports");
    for (size_t i = 0;
         json_object_is_type(ports, json_type_array) && i < json_object_array_length(ports);
         i++) {
        json_object *p = json_object_array_get_idx(ports, i), *port = NULL;
        if (json_object_is_type(p, json_type_object) &&
            !json_object_object_get_ex(p, "targetPort", NULL) &&
            json_object_object_get_ex(p, "port", &port) &&
            json_object_is_type(port, json_type_int))
            json_object_object_add(p, "targetPort", json_object_get(port));
    }
}

/* Volumes: a PV is kept (Retain) unless it says otherwise, a class
 * deletes what it provisions and binds at once; every volume is a
 * Filesystem one. */
static void default_volume_kinds(const mk_kind *k, json_object *obj)
{
    if (strcmp(k->kind, "PersistentVolume") == 0) {
        default_field(obj, "spec.persistentVolumeReclaimPolicy",
                      json_object_new_string("Retain"));
        default_field(obj, "spec.volumeMode", json_object_new_string("Filesystem"));
    } else if (strcmp(k->kind, "PersistentVolumeClaim") == 0) {
        default_field(obj, "spec.volumeMode", json_object_new_string("Filesystem"));
    } else if (strcmp(k->kind, "StorageClass") == 0) {
        default_field(obj, "reclaimPolicy", json_object_new_string("Delete"));
        default_field(obj, "volumeBindingMode", json_object_new_string("Immediate"));
    }
}

/* Where each kind keeps the pod spec its pods are made from. */
static json_object *pod_spec_of(const mk_kind *k, json_object *obj)
{
    if (strcmp(k->kind, "Pod") == 0)
        return mk_json_path(obj, "spec");
    if (strcmp(k->kind, "CronJob") == 0)
        return mk_json_path(obj, "spec.jobTemplate.spec.template.spec");
    static const char *const templated[] = {"ReplicaSet", "Deployment", "DaemonSet",
                                            "StatefulSet", "Job"};
    for (size_t i = 0; i < ARRAY_SIZE(templated); i++)
        if (strcmp(k->kind, templated[i]) == 0)
            return mk_json_path(obj, "spec.template.spec");
    return NULL;
}

static void default_secret(json_object *obj)
{
    const char *type = mk_json_str(obj, "type");
    if (!type || !*type)
        json_object_object_add(obj, "type", json_object_new_string("Opaque"));
}

/* Deployment, ReplicaSet and DaemonSet as Kubernetes' apps/v1 defaults
 * them. */
static void default_deployment(json_object *obj)
{
    default_field(obj, "spec.replicas", json_object_new_int(1));
    default_field(obj, "spec.strategy.type", json_object_new_string("RollingUpdate"));
    const char *type = mk_json_str(obj, "spec.strategy.type") ?: "";
    json_object *ru = mk_json_path(obj, "spec.strategy.rollingUpdate");
    if (!strcmp(type, "RollingUpdate")) {
        default_field(obj, "spec.strategy.rollingUpdate.maxUnavailable",
                      json_object_new_string("25%"));
        default_field(obj, "spec.strategy.rollingUpdate.maxSurge",
                      json_object_new_string("25%"));
    } else if (!strcmp(type, "Recreate") && json_object_is_type(ru, json_type_object) &&
               json_object_object_length(ru) == 2 &&
               !strcmp(mk_json_str(ru, "maxUnavailable") ?: "", "25%") &&
               !strcmp(mk_json_str(ru, "maxSurge") ?: "", "25%")) {
        /* Our own defaults, kept by an apply that switched to Recreate. */
        json_object_object_del(mk_json_path(obj, "spec.strategy"), "rollingUpdate");
    }
    default_field(obj, "spec.revisionHistoryLimit", json_object_new_int(10));
    default_field(obj, "spec.progressDeadlineSeconds", json_object_new_int(600));
}

static void default_daemonset(json_object *obj)
{
    default_field(obj, "spec.updateStrategy.type", json_object_new_string("RollingUpdate"));
    if (!strcmp(mk_json_str(obj, "spec.updateStrategy.type") ?: "", "RollingUpdate")) {
        default_field(obj, "spec.updateStrategy.rollingUpdate.maxUnavailable",
                      json_object_new_int(1));
        default_field(obj, "spec.updateStrategy.rollingUpdate.maxSurge",
                      json_object_new_int(0));
    }
    default_field(obj, "spec.revisionHistoryLimit", json_object_new_int(10));
}

/* A Job with neither completions nor parallelism runs one pod to one
 * success; parallelism alone leaves completions unset (a work queue). */
static void default_job(json_object *spec)
{
    if (!json_object_is_type(spec, json_type_object))
        return;
    if (!json_object_object_get_ex(spec, "completions", NULL) &&
        !json_object_object_get_ex(spec, "parallelism", NULL))
        json_object_object_add(spec, "completions", json_object_new_int(1));
    default_field(spec, "parallelism", json_object_new_int(1));
    default_field(spec, "backoffLimit", json_object_new_int(6));
    default_field(spec, "completionMode", json_object_new_string("NonIndexed"));
    default_field(spec, "suspend", json_object_new_boolean(false));
}

/* Set o's string field to value where it is absent or "", as Go's
 * defaulting of a string field (len == 0) does. */
static void default_empty_str(json_object *o, const char *field, const char *value)
{
    json_object *v = NULL;
    if (!json_object_is_type(o, json_type_object))
        return;
    if (!json_object_object_get_ex(o, field, &v) ||
        (json_object_is_type(v, json_type_string) && json_object_get_string_len(v) == 0))
        json_object_object_add(o, field, json_object_new_string(value));
}

/* rbac/v1's SetDefaults_RoleBinding and _Subject: a roleRef, a User and a
 * Group are of the RBAC group unless they say (kubectl sends them without
 * it); a ServiceAccount is of the core group, "". */
static void default_binding(json_object *obj)
{
    static const char rbac[] = "rbac.authorization.k8s.io";
    default_field(obj, "roleRef", json_object_new_object());
    default_empty_str(mk_json_path(obj, "roleRef"), "apiGroup", rbac);
    json_object *subjects = mk_json_path(obj, "subjects");
    for (size_t i = 0; json_object_is_type(subjects, json_type_array) &&
                       i < json_object_array_length(subjects);
         i++) {
        json_object *s = json_object_array_get_idx(subjects, i);
        const char *kind = mk_json_str(s, "kind") ?: "";
        if (!strcmp(kind, "User") || !strcmp(kind, "Group"))
            default_empty_str(s, "apiGroup", rbac);
    }
}

/* Copy into map `to` of the item every resource of map `from` it lacks. */
static void default_from(json_object *item, const char *to, const char *from)
{
    json_object *src = mk_json_path(item, from);
    if (!json_object_is_type(src, json_type_object))
        return;
    json_object *dst = mk_json_ensure(item, to);
    if (!json_object_is_type(dst, json_type_object))
        return;
    json_object_object_foreach(src, res, v)
    {
        if (!json_object_object_get_ex(dst, res, NULL))
            json_object_object_add(dst, res, json_object_get(v));
    }
}

/* SetDefaults_LimitRangeItem: a Container item's default limit is its max,
 * its default request its default limit, else its min. */
static void default_limitrange(json_object *obj)
{
    json_object *limits = mk_json_path(obj, "spec.limits");
    size_t n = mk_json_array_len(limits);
    for (size_t i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(limits, i);
        if (strcmp(mk_json_str(item, "type") ?: "", "Container") != 0)
            continue;
        default_from(item, "default", "max");
        default_from(item, "defaultRequest", "default");
        default_from(item, "defaultRequest", "min");
    }
}

/* Kubernetes labels every namespace with its own name, so that a
 * namespaceSelector can pick one by name. */
static void default_namespace(json_object *obj)
{
    const char *name = mk_json_str(obj, "metadata.name");
    json_object *labels = mk_json_ensure(obj, "metadata.labels");
    if (name && json_object_is_type(labels, json_type_object))
        json_object_object_add(labels, "kubernetes.io/metadata.name",
                               json_object_new_string(name));
}

/* SetDefaults_NetworkPolicy: policyTypes Ingress, and Egress when there
 * are egress rules; every port's protocol TCP. */
static void default_networkpolicy(json_object *obj)
{
    json_object *spec = mk_json_path(obj, "spec");
    if (!json_object_is_type(spec, json_type_object))
        return;
    json_object *types = mk_json_path(spec, "policyTypes");
    json_object *egress = mk_json_path(spec, "egress");
    if (!types ||
        (json_object_is_type(types, json_type_array) && json_object_array_length(types) == 0)) {
        types = json_object_new_array();
        json_object_array_add(types, json_object_new_string("Ingress"));
        if (json_object_is_type(egress, json_type_array) && json_object_array_length(egress))
            json_object_array_add(types, json_object_new_string("Egress"));
        json_object_object_add(spec, "policyTypes", types);
    }
    static const char *const dirs[] = {"ingress", "egress"};
    for (size_t d = 0; d < 2; d++) {
        json_object *rules = mk_json_path(spec, dirs[d]);
        size_t n = mk_json_array_len(rules);
        for (size_t i = 0; i < n; i++)
            default_each(json_object_array_get_idx(rules, i), "ports", "protocol", "TCP");
    }
}

/* scheduling/v1's SetDefaults_PriorityClass: a class preempts unless it
 * says Never. value is a plain int32 in Go, so always there: 0 unless
 * given. */
static void default_priorityclass(json_object *obj)
{
    default_field(obj, "value", json_object_new_int(0));
    default_field(obj, "preemptionPolicy", json_object_new_string("PreemptLowerPriority"));
}

void defaults_apply(const mk_kind *k, json_object *obj)
{
    json_object *pod = pod_spec_of(k, obj);
    bool is_pod = strcmp(k->kind, "Pod") == 0;
    bool jobs = strcmp(k->kind, "Job") == 0 || strcmp(k->kind, "CronJob") == 0;
    if (json_object_is_type(pod, json_type_object))
        pod_spec_fields(pod, is_pod, !jobs, false);
    if (strcmp(k->kind, "StatefulSet") == 0)
        default_statefulset(obj);
    else if (strcmp(k->kind, "Deployment") == 0)
        default_deployment(obj);
    else if (strcmp(k->kind, "ReplicaSet") == 0)
        default_field(obj, "spec.replicas", json_object_new_int(1));
    else if (strcmp(k->kind, "DaemonSet") == 0)
        default_daemonset(obj);
    else if (strcmp(k->kind, "Job") == 0)
        default_job(mk_json_path(obj, "spec"));
    else if (strcmp(k->kind, "CronJob") == 0)
        default_cronjob(obj); /* its Jobs get theirs when made */
    else if (strcmp(k->kind, "Service") == 0)
        default_service(obj);
    else if (strcmp(k->kind, "Secret") == 0)
        default_secret(obj);
    else if (strcmp(k->kind, "RoleBinding") == 0 || strcmp(k->kind, "ClusterRoleBinding") == 0)
        default_binding(obj);
    else if (strcmp(k->kind, "LimitRange") == 0)
        default_limitrange(obj);
    else if (strcmp(k->kind, "Namespace") == 0)
        default_namespace(obj);
    else if (strcmp(k->kind, "NetworkPolicy") == 0)
        default_networkpolicy(obj);
    else if (strcmp(k->kind, "PriorityClass") == 0)
        default_priorityclass(obj);
    else
        default_volume_kinds(k, obj);
}
