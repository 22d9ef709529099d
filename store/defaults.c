/* defaults.c - Kubernetes' defaults per kind (see defaults.h). */
#include "store/defaults.h"

#include <string.h>

#include "store/codec.h"
#include "store/util.h"

/* Set path to v (taken) where it is absent; a parent of another type is
 * left for validation to name. */
static void default_field(json_object *obj, const char *path, json_object *v)
{
    const char *dot = strrchr(path, '.'), *leaf = dot ? dot + 1 : path;
    _cleanup_free_ char *head = xstrndup(path, dot ? (size_t)(dot - path) : 0);
    json_object *parent = obj;
    for (const char *p = head; *p;) {
        size_t n = strcspn(p, ".");
        _cleanup_free_ char *key = xstrndup(p, n);
        json_object *child = NULL;
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

/* A pod spec's container ports speak TCP unless they say otherwise. */
static void default_pod_spec(json_object *spec)
{
    static const char *const lists[] = {"containers", "initContainers"};
    for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
        json_object *ctrs = mk_json_path(spec, lists[i]);
        for (size_t j = 0;
             json_object_is_type(ctrs, json_type_array) && j < json_object_array_length(ctrs);
             j++)
            default_each(json_object_array_get_idx(ctrs, j), "ports", "protocol", "TCP");
    }
}

/* A Service port is TCP, and forwards to the same port number. */
static void default_service(json_object *obj)
{
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

void defaults_apply(const mk_kind *k, json_object *obj)
{
    json_object *pod = pod_spec_of(k, obj);
    if (json_object_is_type(pod, json_type_object))
        default_pod_spec(pod);
    if (strcmp(k->kind, "StatefulSet") == 0)
        default_statefulset(obj);
    else if (strcmp(k->kind, "CronJob") == 0)
        default_cronjob(obj);
    else if (strcmp(k->kind, "Service") == 0)
        default_service(obj);
    else if (strcmp(k->kind, "Secret") == 0)
        default_secret(obj);
    else
        default_volume_kinds(k, obj);
}
