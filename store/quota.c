/* quota.c - ResourceQuota's resource names and how objects use them, after
 * Kubernetes' quota evaluators (pkg/quota/v1/evaluator/core).
 */
#include "store/quota.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "store/codec.h"
#include "store/qos.h"
#include "store/quantity.h"

#define STORAGE_CLASS_SUFFIX ".storageclass.storage.k8s.io/"

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool is_compute(const char *res)
{
    return !strcmp(res, "cpu") || !strcmp(res, "memory") || !strcmp(res, "ephemeral-storage");
}

static quota_resource compute(quota_class cls, const char *res)
{
    quota_resource r = {.cls = cls, .kind = kind_by_kind("Pod")};
    snprintf(r.res, sizeof r.res, "%s", res);
    return r;
}

static quota_resource counted(const char *group, const char *resource)
{
    const mk_kind *k = kind_by_resource(group, resource);
    return (quota_resource){.cls = k ? QUOTA_COUNT : QUOTA_UNKNOWN, .kind = k};
}

/* "count/deployments.apps": the resource, then its group ("" for core). */
static quota_resource count_of(const char *spec)
{
    char res[64];
    const char *dot = strchr(spec, '.');
    size_t n = dot ? (size_t)(dot - spec) : strlen(spec);
    if (n == 0 || n >= sizeof res)
        return (quota_resource){0};
    memcpy(res, spec, n);
    res[n] = '\0';
    return counted(dot ? dot + 1 : "", res);
}

/* "<class>.storageclass.storage.k8s.io/requests.storage" and
 * ".../persistentvolumeclaims": a claim's storage or count, one class's. */
static quota_resource per_class(const char *name, const char *suffix)
{
    quota_resource r = {0};
    size_t n = (size_t)(suffix - name);
    const char *what = suffix + strlen(STORAGE_CLASS_SUFFIX);
    if (n == 0 || n >= sizeof r.storage_class)
        return r;
    if (!strcmp(what, "requests.storage"))
        r.cls = QUOTA_STORAGE;
    else if (!strcmp(what, "persistentvolumeclaims"))
        r.cls = QUOTA_COUNT;
    else
        return r;
    r.kind = kind_by_kind("PersistentVolumeClaim");
    memcpy(r.storage_class, name, n);
    return r;
}

quota_resource quota_resource_of(const char *name)
{
    static const char *const counts[] = {"pods",
                                         "services",
                                         "secrets",
                                         "configmaps",
                                         "persistentvolumeclaims",
                                         "replicationcontrollers",
                                         "resourcequotas"};
    const char *suffix = strstr(name, STORAGE_CLASS_SUFFIX);
    if (suffix)
        return per_class(name, suffix);
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
        if (!strcmp(name, counts[i]))
            return counted("", name);
    if (!strcmp(name, "services.nodeports") || !strcmp(name, "services.loadbalancers")) {
        quota_resource r = {.cls = QUOTA_SERVICE_PORTS, .kind = kind_by_kind("Service")};
        snprintf(r.res, sizeof r.res, "%s", name + strlen("services."));
        return r;
    }
    if (starts(name, "count/"))
        return count_of(name + strlen("count/"));
    if (is_compute(name))
        return compute(QUOTA_REQUESTS, name);
    if (!strcmp(name, "requests.storage"))
        return (quota_resource){.cls = QUOTA_STORAGE,
                                .kind = kind_by_kind("PersistentVolumeClaim")};
    const char *res = name + strlen("requests.");
    /* Extended resources (nvidia.com/gpu) have requests only: they are
     * never overcommitted, so their limit is their request. */
    if (starts(name, "requests.") && (is_compute(res) || strchr(res, '/')) &&
        strlen(res) < sizeof((quota_resource *)0)->res)
        return compute(QUOTA_REQUESTS, res);
    res = name + strlen("limits.");
    if (starts(name, "limits.") && is_compute(res))
        return compute(QUOTA_LIMITS, res);
    return (quota_resource){0};
}

bool quota_resource_is_pod_count(const quota_resource *r)
{
    return r->cls == QUOTA_COUNT && r->kind && !strcmp(r->kind->kind, "Pod");
}

bool quota_resource_is_pod(const quota_resource *r)
{
    return r->cls == QUOTA_REQUESTS || r->cls == QUOTA_LIMITS || quota_resource_is_pod_count(r);
}

bool quota_resource_is_whole(const quota_resource *r)
{
    return r->cls == QUOTA_COUNT || r->cls == QUOTA_SERVICE_PORTS;
}

/* ---- scopes ---- */

bool quota_scope_valid(const char *scope)
{
    static const char *const scopes[] = {"Terminating", "NotTerminating", "BestEffort",
                                         "NotBestEffort", "PriorityClass"};
    for (size_t i = 0; i < sizeof scopes / sizeof *scopes; i++)
        if (!strcmp(scope, scopes[i]))
            return true;
    return false;
}

static bool in_values(json_object *values, const char *s)
{
    size_t n = mk_json_array_len(values);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(json_object_get_string(json_object_array_get_idx(values, i)) ?: "", s))
            return true;
    return false;
}

/* Whether the pod is in the scope; for PriorityClass, whether it has one. */
static bool in_scope(const char *scope, json_object *pod)
{
    json_object *spec = mk_json_path(pod, "spec");
    if (!strcmp(scope, "Terminating") || !strcmp(scope, "NotTerminating"))
        return (mk_json_path(spec, "activeDeadlineSeconds") != NULL) == (scope[0] == 'T');
    if (!strcmp(scope, "BestEffort") || !strcmp(scope, "NotBestEffort"))
        return (qos_of_spec(spec) == QOS_BEST_EFFORT) == (scope[0] == 'B');
    if (!strcmp(scope, "PriorityClass"))
        return (mk_json_str(spec, "priorityClassName") ?: "")[0] != '\0';
    return false;
}

static bool expression_matches(json_object *e, json_object *pod)
{
    const char *scope = mk_json_str(e, "scopeName") ?: "";
    const char *op = mk_json_str(e, "operator") ?: "";
    const char *class = mk_json_str(pod, "spec.priorityClassName") ?: "";
    json_object *values = mk_json_path(e, "values");
    if (!strcmp(op, "In"))
        return !strcmp(scope, "PriorityClass") && in_values(values, class);
    if (!strcmp(op, "NotIn"))
        return !strcmp(scope, "PriorityClass") && !in_values(values, class);
    if (!strcmp(op, "DoesNotExist"))
        return !in_scope(scope, pod);
    return in_scope(scope, pod); /* Exists */
}

bool quota_selects_pod(json_object *quota, json_object *pod)
{
    json_object *scopes = mk_json_path(quota, "spec.scopes");
    size_t n = mk_json_array_len(scopes);
    for (size_t i = 0; i < n; i++)
        if (!in_scope(json_object_get_string(json_object_array_get_idx(scopes, i)) ?: "", pod))
            return false;
    json_object *exprs = mk_json_path(quota, "spec.scopeSelector.matchExpressions");
    n = mk_json_array_len(exprs);
    for (size_t i = 0; i < n; i++)
        if (!expression_matches(json_object_array_get_idx(exprs, i), pod))
            return false;
    return true;
}

/* ---- usage ---- */

static int64_t amount_in(json_object *map, const char *res, bool *has)
{
    json_object *v = NULL;
    *has =
        json_object_is_type(map, json_type_object) && json_object_object_get_ex(map, res, &v);
    return *has ? quantity_parse_milli(json_object_get_string(v)) : 0;
}

/* A container's request or limit; a request left out is its limit, as
 * Kubernetes' defaulting makes it. */
static int64_t container_amount(json_object *c, const char *res, bool limits, bool *has)
{
    json_object *lim = mk_json_path(c, "resources.limits");
    if (limits)
        return amount_in(lim, res, has);
    int64_t v = amount_in(mk_json_path(c, "resources.requests"), res, has);
    return *has ? v : amount_in(lim, res, has);
}

int64_t quota_pod_amount(json_object *pod, const char *res, bool limits, bool *all)
{
    bool every = true, has;
    int64_t sum = 0, init_max = 0;
    json_object *cs = mk_json_path(pod, "spec.containers");
    size_t n = mk_json_array_len(cs);
    for (size_t i = 0; i < n; i++) {
        int64_t v = container_amount(json_object_array_get_idx(cs, i), res, limits, &has);
        sum += v > 0 ? v : 0;
        every &= has;
    }
    /* Init containers run one at a time, before the others: the pod needs
     * the most any one of them needs, if that is more than the sum. */
    cs = mk_json_path(pod, "spec.initContainers");
    n = mk_json_array_len(cs);
    for (size_t i = 0; i < n; i++) {
        int64_t v = container_amount(json_object_array_get_idx(cs, i), res, limits, &has);
        if (v > init_max)
            init_max = v;
        every &= has;
    }
    if (all)
        *all = every;
    return sum > init_max ? sum : init_max;
}

static void add_missing(json_object *cs, const char *res, bool limits, char *buf, size_t n)
{
    size_t len = mk_json_array_len(cs);
    for (size_t i = 0; i < len; i++) {
        json_object *c = json_object_array_get_idx(cs, i);
        bool has;
        container_amount(c, res, limits, &has);
        size_t at = strlen(buf);
        if (!has)
            snprintf(buf + at, n - at, "%s%s", at ? "," : "", mk_json_str(c, "name") ?: "");
    }
}

bool quota_missing_containers(const quota_resource *r, json_object *pod, char *buf, size_t n)
{
    if (n == 0)
        return false;
    buf[0] = '\0';
    if ((r->cls != QUOTA_REQUESTS && r->cls != QUOTA_LIMITS) ||
        (strcmp(r->res, "cpu") && strcmp(r->res, "memory")))
        return false;
    bool limits = r->cls == QUOTA_LIMITS;
    add_missing(mk_json_path(pod, "spec.containers"), r->res, limits, buf, n);
    add_missing(mk_json_path(pod, "spec.initContainers"), r->res, limits, buf, n);
    return buf[0] != '\0';
}

static bool pod_ended(json_object *pod)
{
    const char *phase = mk_json_str(pod, "status.phase") ?: "";
    return !strcmp(phase, "Succeeded") || !strcmp(phase, "Failed");
}

static bool of_class(const quota_resource *r, json_object *claim)
{
    return !r->storage_class[0] ||
           !strcmp(mk_json_str(claim, "spec.storageClassName") ?: "", r->storage_class);
}

static int64_t service_ports(const quota_resource *r, json_object *svc)
{
    const char *type = mk_json_str(svc, "spec.type") ?: "ClusterIP";
    if (!strcmp(r->res, "loadbalancers"))
        return !strcmp(type, "LoadBalancer") ? 1000 : 0;
    if (strcmp(type, "NodePort") && strcmp(type, "LoadBalancer"))
        return 0;
    json_object *ports = mk_json_path(svc, "spec.ports");
    return json_object_is_type(ports, json_type_array)
               ? 1000 * (int64_t)json_object_array_length(ports)
               : 0;
}

bool quota_usage(const quota_resource *r, const mk_kind *k, json_object *obj, int64_t *milli)
{
    if (r->kind != k || (!strcmp(k->kind, "Pod") && pod_ended(obj)) ||
        (!strcmp(k->kind, "PersistentVolumeClaim") && !of_class(r, obj)))
        return false;
    bool has;
    switch (r->cls) {
    case QUOTA_COUNT:
        *milli = 1000;
        return true;
    case QUOTA_REQUESTS:
    case QUOTA_LIMITS:
        *milli = quota_pod_amount(obj, r->res, r->cls == QUOTA_LIMITS, NULL);
        return true;
    case QUOTA_STORAGE:
        *milli = amount_in(mk_json_path(obj, "spec.resources.requests"), "storage", &has);
        return true;
    case QUOTA_SERVICE_PORTS:
        *milli = service_ports(r, obj);
        return true;
    case QUOTA_UNKNOWN:
        break;
    }
    return false;
}

bool quota_counts(json_object *quota, const quota_resource *r, const mk_kind *k,
                  json_object *obj, int64_t *milli)
{
    return quota_usage(r, k, obj, milli) &&
           (!quota_resource_is_pod(r) || quota_selects_pod(quota, obj));
}

void quota_format(const quota_resource *r, int64_t milli, char *buf, size_t n)
{
    bool bytes = r->cls == QUOTA_STORAGE ||
                 ((r->cls == QUOTA_REQUESTS || r->cls == QUOTA_LIMITS) &&
                  (!strcmp(r->res, "memory") || !strcmp(r->res, "ephemeral-storage")));
    if ((r->cls == QUOTA_REQUESTS || r->cls == QUOTA_LIMITS) && !strcmp(r->res, "cpu"))
        quantity_format_milli(milli, buf, n);
    else if (milli % 1000)
        snprintf(buf, n, "%" PRId64 "m", milli);
    else if (bytes)
        quantity_format_bytes(milli / 1000, buf, n);
    else
        snprintf(buf, n, "%" PRId64, milli / 1000);
}
