/* validate.c - what a manifest must mean before it is stored.
 *
 * Two passes: schema.c checks the type of every known field and collects
 * unknown ones as warnings; the checks of each kind (one file per area,
 * validate_impl.h) then read fields knowing their types are right where
 * present, and fail on the first semantic error with Kubernetes' wording
 * ("spec.replicas: Invalid value: -1: must be greater than or equal to
 * 0"). Messages carry no kind/name prefix: the API server adds "Pod
 * \"web\" is invalid: " where it builds its Status.
 * This file: the entry points of validate.h and the rules of updates.
 */
#include "store/validate.h"

#include <string.h>

#include "store/codec.h"
#include "store/quantity.h"
#include "store/schema.h"
#include "store/util.h"
#include "store/validate_impl.h"

/* ---- entry points ---- */

static const struct {
    const char *kind;
    int (*check)(json_object *obj, mk_err *err);
} kind_checks[] = {
    {"Namespace", validate_namespace},
    {"Node", validate_node},
    {"Pod", validate_pod},
    {"Service", validate_service},
    {"Endpoints", validate_endpoints},
    {"ConfigMap", validate_configmap},
    {"Secret", validate_secret},
    {"Event", validate_event},
    {"ServiceAccount", validate_serviceaccount},
    {"PersistentVolume", validate_pv},
    {"PersistentVolumeClaim", validate_pvc},
    {"LimitRange", validate_limitrange},
    {"ResourceQuota", validate_resourcequota},
    {"StorageClass", validate_storageclass},
    {"PriorityClass", validate_priorityclass},
    {"ReplicaSet", validate_replicaset},
    {"Job", validate_job},
    {"CronJob", validate_cronjob},
    {"Deployment", validate_deployment},
    {"DaemonSet", validate_daemonset},
    {"StatefulSet", validate_statefulset},
    {"ControllerRevision", validate_controllerrevision},
    {"HorizontalPodAutoscaler", validate_hpa},
    {"PodDisruptionBudget", validate_pdb},
    {"Lease", validate_lease},
    {"Role", validate_role},
    {"ClusterRole", validate_clusterrole},
    {"RoleBinding", validate_rolebinding},
    {"ClusterRoleBinding", validate_clusterrolebinding},
    {"Ingress", validate_ingress},
    {"NetworkPolicy", validate_networkpolicy},
    {"Function", validate_function},
    {"Workflow", validate_workflow},
    {"GpuJob", validate_gpujob},
};

int validate_kind_of(json_object *obj, const mk_kind **kind, mk_err *err)
{
    if (!json_object_is_type(obj, json_type_object))
        return mk_error(err, EINVAL, "Invalid value: an object must be a mapping");
    json_object *kv = get(obj, "kind"), *av = get(obj, "apiVersion");
    if (!kv || (json_object_is_type(kv, json_type_string) && !*json_object_get_string(kv)))
        return field_required(err, "kind", NULL);
    if (!json_object_is_type(kv, json_type_string))
        return field_invalid(err, "kind", kv, "must be a string");
    if (!av || (json_object_is_type(av, json_type_string) && !*json_object_get_string(av)))
        return field_required(err, "apiVersion", NULL);
    if (!json_object_is_type(av, json_type_string))
        return field_invalid(err, "apiVersion", av, "must be a string");
    const char *k = json_object_get_string(kv), *a = json_object_get_string(av);
    const mk_kind *found = kind_by_kind(k);
    if (!found) {
        _cleanup_free_ const char **all = xcalloc(mk_nkinds + 1, sizeof *all);
        for (size_t n = 0; n < mk_nkinds; n++)
            all[n] = mk_kinds[n].kind;
        return field_unsupported(err, "kind", k, all);
    }
    if (strcmp(found->api_version, a)) {
        const char *want[] = {found->api_version, NULL};
        return field_unsupported(err, "apiVersion", a, want);
    }
    *kind = found;
    return 0;
}

int validate_object(const mk_kind *k, json_object *obj, mk_warnings *warn, mk_err *err)
{
    if (!json_object_is_type(obj, json_type_object))
        return mk_error(err, EINVAL, "Invalid value: an object must be a mapping");
    const char *kind = get_str(obj, "kind"), *av = get_str(obj, "apiVersion");
    if (kind && strcmp(kind, k->kind))
        return field_invalid_str(err, "kind", kind, "must be %s", k->kind);
    if (av && strcmp(av, k->api_version))
        return field_invalid_str(err, "apiVersion", av, "must be %s", k->api_version);
    const schema_node *schema = schema_for_kind(k->kind);
    int r;
    if (schema && (r = schema_check(schema, obj, "", warn, err)) < 0)
        return r;
    json_object *meta = get(obj, "metadata");
    if (!meta)
        return field_required(err, "metadata.name", NULL);
    if ((r = check_metadata(k, meta, err)) < 0)
        return r;
    for (size_t i = 0; i < ARRAY_SIZE(kind_checks); i++)
        if (!strcmp(kind_checks[i].kind, k->kind))
            return kind_checks[i].check(obj, err);
    return 0;
}

void validate_normalize(const mk_kind *k, json_object *obj)
{
    schema_normalize(schema_for_kind(k->kind), obj);
}

/* ---- updates ---- */

/* A field that, once set, keeps its value. An update that leaves it empty
 * is allowed: the API server carries the old value over, as Kubernetes
 * does for uid and an allocated clusterIP. */
int check_immutable_str(json_object *old, json_object *obj, const char *path, mk_err *err)
{
    const char *a = mk_json_str(old, path), *b = mk_json_str(obj, path);
    if (empty_str(a) || empty_str(b) || !strcmp(a, b))
        return 0;
    return field_invalid_str(err, path, b, "field is immutable");
}

/* Pods, simplified from Kubernetes: a container's image may change, and
 * spec.nodeName may go from empty to set (binding); the number and names
 * of containers and init containers may not change, nor a set nodeName,
 * nor the priority fields admission resolved (the scheduler and
 * preemption act on them). Everything else in the spec is accepted; the
 * kubelet acts on images. */
/* Scheduling gates may only be taken off, as in Kubernetes. */
static int check_gates_update(json_object *old, json_object *obj, mk_err *err)
{
    json_object *a = mk_json_path(old, "spec.schedulingGates"),
                *b = mk_json_path(obj, "spec.schedulingGates");
    for (size_t i = 0; i < list_len(b); i++) {
        const char *name = get_str(list_at(b, i), "name") ?: "";
        bool had = false;
        for (size_t j = 0; j < list_len(a) && !had; j++)
            had = !strcmp(name, get_str(list_at(a, j), "name") ?: "");
        if (!had)
            return mk_error(err, EINVAL,
                            "spec.schedulingGates: Forbidden: only deletion is allowed, but "
                            "found new scheduling gate '%.80s'",
                            name);
    }
    return 0;
}

/* Ephemeral containers, once added, stay as they are (Kubernetes'
 * ValidatePodEphemeralContainersUpdate). */
static int check_ephemeral_update(json_object *old, json_object *obj, mk_err *err)
{
    json_object *a = mk_json_path(old, "spec.ephemeralContainers"),
                *b = mk_json_path(obj, "spec.ephemeralContainers");
    for (size_t i = 0; i < list_len(a); i++) {
        const char *name = get_str(list_at(a, i), "name") ?: "";
        json_object *now = NULL;
        for (size_t j = 0; j < list_len(b) && !now; j++)
            if (!strcmp(get_str(list_at(b, j), "name") ?: "", name))
                now = list_at(b, j);
        if (!now || !json_object_equal(now, list_at(a, i)))
            return field_forbidden(err, "spec.ephemeralContainers",
                                   "existing ephemeral containers \"%.63s\" may not be %s",
                                   name, now ? "changed" : "removed");
    }
    return 0;
}

static int check_pod_update(json_object *old, json_object *obj, mk_err *err)
{
    int r = check_gates_update(old, obj, err);
    if (r == 0)
        r = check_ephemeral_update(old, obj, err);
    if (r < 0 || (r = check_pod_priority_update(old, obj, err)) < 0)
        return r;
    r = check_immutable_str(old, obj, "spec.nodeName", err);
    if (r < 0)
        return mk_error(err, EINVAL,
                        "spec.nodeName: Invalid value: \"%.80s\": field is "
                        "immutable once set",
                        mk_json_str(obj, "spec.nodeName"));
    static const char *const lists[] = {"spec.containers", "spec.initContainers"};
    for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
        json_object *a = mk_json_path(old, lists[l]), *b = mk_json_path(obj, lists[l]);
        if (list_len(a) != list_len(b))
            return field_forbidden(err, lists[l],
                                   "pod updates may not add or remove containers");
        for (size_t i = 0; i < list_len(a); i++) {
            const char *na = get_str(list_at(a, i), "name"),
                       *nb = get_str(list_at(b, i), "name");
            if (na && nb && strcmp(na, nb)) {
                vpath p;
                SUBPATH(p, "%s[%zu].name", lists[l], i);
                return field_forbidden(err, p, "pod updates may not rename containers");
            }
        }
    }
    return 0;
}

int validate_update(const mk_kind *k, json_object *old, json_object *obj, mk_warnings *warn,
                    mk_err *err)
{
    int r = validate_object(k, obj, warn, err);
    if (r < 0)
        return r;
    static const char *const meta[] = {"metadata.name", "metadata.namespace", "metadata.uid",
                                       "metadata.creationTimestamp"};
    for (size_t i = 0; i < ARRAY_SIZE(meta); i++)
        if ((r = check_immutable_str(old, obj, meta[i], err)) < 0)
            return r;
    if (!strcmp(k->kind, "Pod"))
        return check_pod_update(old, obj, err);
    if (!strcmp(k->kind, "Service"))
        return check_immutable_str(old, obj, "spec.clusterIP", err);
    if (!strcmp(k->kind, "StatefulSet"))
        return check_statefulset_update(old, obj, err);
    if (!strcmp(k->kind, "PersistentVolumeClaim"))
        return check_pvc_update(old, obj, err);
    if (!strcmp(k->kind, "PersistentVolume"))
        return check_pv_update(old, obj, err);
    if (!strcmp(k->kind, "StorageClass"))
        return check_storageclass_update(old, obj, err);
    if (!strcmp(k->kind, "PriorityClass"))
        return check_priorityclass_update(old, obj, err);
    if (!strcmp(k->kind, "RoleBinding") || !strcmp(k->kind, "ClusterRoleBinding"))
        return check_binding_update(old, obj, err);
    if (!strcmp(k->kind, "ControllerRevision") &&
        !json_object_equal(mk_json_path(old, "data"), mk_json_path(obj, "data")))
        return field_invalid(err, "data", mk_json_path(obj, "data"), "field is immutable");
    if (!strcmp(k->kind, "ReplicaSet") &&
        !json_object_equal(mk_json_path(old, "spec.selector"),
                           mk_json_path(obj, "spec.selector")))
        return field_invalid(err, "spec.selector", mk_json_path(obj, "spec.selector"),
                             "field is immutable");
    if ((!strcmp(k->kind, "ConfigMap") || !strcmp(k->kind, "Secret")) &&
        json_object_get_boolean(mk_json_path(old, "immutable"))) {
        static const char *const fields[] = {"data", "binaryData", "stringData", "immutable"};
        for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
            if (!json_object_equal(mk_json_path(old, fields[i]), mk_json_path(obj, fields[i])))
                return field_forbidden(err, fields[i],
                                       "field is immutable when `immutable` is set");
    }
    return 0;
}
