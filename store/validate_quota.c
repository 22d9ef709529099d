/* validate_quota.c - v1 LimitRanges and ResourceQuotas, as Kubernetes'
 * ValidateLimitRange and ValidateResourceQuota check them. Which resource
 * names a quota may hold, and which of them its scopes may apply to, is
 * store/quota.h's: admission and the quota controller count by the same
 * table. */
#include <string.h>

#include "store/quantity.h"
#include "store/quota.h"
#include "store/selector.h"
#include "store/util.h"
#include "store/validate_impl.h"

/* ---- LimitRange ---- */

/* A limit's amount maps, each resource name to a quantity. */
enum { LR_MAX, LR_MIN, LR_DEFAULT, LR_DEFAULT_REQUEST, LR_RATIO, LR_NFIELDS };
static const char *const limit_fields[LR_NFIELDS] = {"max", "min", "default", "defaultRequest",
                                                     "maxLimitRequestRatio"};

static const char *const limit_types[] = {"Container", "Pod", "PersistentVolumeClaim", NULL};

/* A Pod limit bounds the sum of its containers, which have no one default
 * to give; a claim's only bounds are on its storage request. */
static bool limit_field_allowed(const char *type, int f)
{
    if (!strcmp(type, "Pod"))
        return f != LR_DEFAULT && f != LR_DEFAULT_REQUEST;
    if (!strcmp(type, "PersistentVolumeClaim"))
        return f == LR_MIN || f == LR_MAX;
    return true;
}

/* An extended resource ("nvidia.com/gpu") is whole devices: Kubernetes
 * lets no container's limit of one differ from its request. */
static bool is_extended(const char *name)
{
    return strchr(name, '/') && !strstr(name, "kubernetes.io/");
}

/* A resource a limit of this type may bound: a claim's storage, or a
 * container's compute resource, standard or extended. */
static int check_limit_resource(const char *type, const char *name, const char *path,
                                mk_err *err)
{
    if (!strcmp(type, "PersistentVolumeClaim")) {
        static const char *const storage[] = {"storage", NULL};
        return strcmp(name, "storage") ? field_unsupported(err, path, name, storage) : 0;
    }
    if (strchr(name, '/')) {
        const char *why = selector_label_key_error(name);
        return why ? field_invalid_str(err, path, name,
                                       "doesn't follow extended resource name standard: %s",
                                       why)
                   : 0;
    }
    static const char *const compute[] = {"cpu", "memory", "ephemeral-storage"};
    for (size_t i = 0; i < ARRAY_SIZE(compute); i++)
        if (!strcmp(name, compute[i]))
            return 0;
    return field_invalid_str(err, path, name, "must be a standard resource for containers");
}

/* One resource's amounts across a limit's maps; has[f] false where the map
 * lacks it. */
typedef struct limit_amounts {
    mk_quantity q[LR_NFIELDS];
    const char *text[LR_NFIELDS];
    bool has[LR_NFIELDS];
} limit_amounts;

static void limit_amounts_of(json_object *limit, const char *name, limit_amounts *a)
{
    for (int f = 0; f < LR_NFIELDS; f++) {
        json_object *v = get(get(limit, limit_fields[f]), name);
        a->text[f] = v ? qty_text(v) : NULL;
        a->has[f] = v && quantity_parse(a->text[f], &a->q[f], NULL) == 0;
    }
}

/* Kubernetes' order of a resource's amounts: lo may not exceed hi. The
 * error is at field `at` and shows the amount of field `shown`, as
 * Kubernetes' does (min above default names default, showing min). */
static const struct limit_order {
    int lo, hi, at, shown;
    const char *lo_name, *hi_name;
} limit_orders[] = {
    {LR_MIN, LR_MAX, LR_MIN, LR_MIN, "min", "max"},
    {LR_MIN, LR_DEFAULT_REQUEST, LR_DEFAULT_REQUEST, LR_DEFAULT_REQUEST, "min",
     "default request"},
    {LR_DEFAULT_REQUEST, LR_MAX, LR_DEFAULT_REQUEST, LR_DEFAULT_REQUEST, "default request",
     "max"},
    {LR_DEFAULT_REQUEST, LR_DEFAULT, LR_DEFAULT_REQUEST, LR_DEFAULT_REQUEST, "default request",
     "default limit"},
    {LR_MIN, LR_DEFAULT, LR_DEFAULT, LR_MIN, "min", "default"},
    {LR_DEFAULT, LR_MAX, LR_DEFAULT, LR_MAX, "default", "max"},
};

/* A ratio of limit to request of at least 1, and one that a container
 * between min and max can meet (skipped where min is 0: any ratio can). */
static int check_limit_ratio(const limit_amounts *a, const char *base, const char *name,
                             mk_err *err)
{
    if (!a->has[LR_RATIO])
        return 0;
    vpath p;
    SUBPATH(p, "%s.maxLimitRequestRatio[%s]", base, name);
    const char *ratio = a->text[LR_RATIO];
    mk_quantity one = {.mant = 1};
    if (quantity_cmp(&a->q[LR_RATIO], &one) < 0)
        return field_invalid_str(err, p, ratio, "ratio %s is less than 1", ratio);
    int64_t min = a->has[LR_MIN] ? quantity_milli(&a->q[LR_MIN]) : 0;
    if (min <= 0 || !a->has[LR_MAX])
        return 0;
    double most = (double)quantity_milli(&a->q[LR_MAX]) / (double)min;
    if ((double)quantity_milli(&a->q[LR_RATIO]) / 1000 > most)
        return field_invalid_str(err, p, ratio, "ratio %s is greater than max/min = %f", ratio,
                                 most);
    return 0;
}

/* The amounts of one resource named in a limit, checked against each
 * other. */
static int check_limit_amounts(json_object *limit, const char *name, const char *base,
                               mk_err *err)
{
    limit_amounts a;
    limit_amounts_of(limit, name, &a);
    vpath p;
    for (size_t i = 0; i < ARRAY_SIZE(limit_orders); i++) {
        const struct limit_order *o = &limit_orders[i];
        if (!a.has[o->lo] || !a.has[o->hi] || quantity_cmp(&a.q[o->lo], &a.q[o->hi]) <= 0)
            continue;
        SUBPATH(p, "%s.%s[%s]", base, limit_fields[o->at], name);
        return field_invalid_str(err, p, a.text[o->shown],
                                 "%s value %s is greater than %s value %s", o->lo_name,
                                 a.text[o->lo], o->hi_name, a.text[o->hi]);
    }
    int r = check_limit_ratio(&a, base, name, err);
    if (r < 0)
        return r;
    if (is_extended(name) && a.has[LR_DEFAULT] && a.has[LR_DEFAULT_REQUEST] &&
        quantity_cmp(&a.q[LR_DEFAULT], &a.q[LR_DEFAULT_REQUEST]) != 0) {
        SUBPATH(p, "%s.defaultRequest[%s]", base, name);
        return field_invalid_str(err, p, a.text[LR_DEFAULT_REQUEST],
                                 "default value %s must equal to defaultRequest value %s in %s",
                                 a.text[LR_DEFAULT], a.text[LR_DEFAULT_REQUEST], name);
    }
    return 0;
}

/* The maps a limit of its type may carry, naming resources it may bound. */
static int check_limit_maps(json_object *limit, const char *type, const char *base, mk_err *err)
{
    vpath p;
    int r;
    for (int f = 0; f < LR_NFIELDS; f++) {
        json_object *map = get(limit, limit_fields[f]);
        SUBPATH(p, "%s.%s", base, limit_fields[f]);
        if (fields_head(map) && !limit_field_allowed(type, f))
            return field_forbidden(err, p, "may not be specified when `type` is '%s'", type);
        foreach_field(map, name, v)
        {
            (void)v;
            SUBPATH(p, "%s.%s[%s]", base, limit_fields[f], name);
            if ((r = check_limit_resource(type, name, p, err)) < 0)
                return r;
        }
    }
    return 0;
}

/* spec.limits[i]: a known type, once in the list, the maps it may carry;
 * then each resource's amounts, once all are known to belong. */
static int check_limit(json_object *limits, size_t i, const char *base, mk_err *err)
{
    json_object *limit = list_at(limits, i);
    int r = check_enum(limit, "type", base, limit_types, true, err);
    if (r < 0)
        return r;
    const char *type = get_str(limit, "type");
    vpath p;
    for (size_t j = 0; j < i; j++) {
        if (!strcmp(type, get_str(list_at(limits, j), "type") ?: "")) {
            SUBPATH(p, "%s.type", base);
            return field_duplicate(err, p, type);
        }
    }
    if ((r = check_limit_maps(limit, type, base, err)) < 0)
        return r;
    if (!strcmp(type, "PersistentVolumeClaim") && !has(get(limit, "min"), "storage") &&
        !has(get(limit, "max"), "storage")) {
        SUBPATH(p, "%s.limits", base); /* sic: Kubernetes' path */
        return field_required(err, p,
                              "either minimum or maximum storage value is required, but "
                              "neither was provided");
    }
    for (int f = 0; f < LR_NFIELDS; f++) {
        foreach_field(get(limit, limit_fields[f]), name, v)
        {
            (void)v;
            if ((r = check_limit_amounts(limit, name, base, err)) < 0)
                return r;
        }
    }
    return 0;
}

int validate_limitrange(json_object *obj, mk_err *err)
{
    json_object *limits = get(get(obj, "spec"), "limits");
    vpath base;
    int r;
    for (size_t i = 0; i < list_len(limits); i++) {
        SUBPATH(base, "spec.limits[%zu]", i);
        if ((r = check_limit(limits, i, base, err)) < 0)
            return r;
    }
    return 0;
}

/* ---- ResourceQuota ---- */

static const char *const scope_names[] = {"Terminating",   "NotTerminating", "BestEffort",
                                          "NotBestEffort", "PriorityClass",  NULL};

/* A map of amounts (spec.hard, status.hard, status.used): names a quota
 * counts, amounts never negative and whole where they count things. */
static int check_quota_amounts(json_object *map, const char *base, mk_err *err)
{
    foreach_field(map, name, v)
    {
        vpath p;
        SUBPATH(p, "%s[%s]", base, name);
        quota_resource r = quota_resource_of(name);
        if (r.cls == QUOTA_UNKNOWN)
            return field_invalid_str(err, p, name,
                                     "must be a standard resource for quota (pods, services, "
                                     "requests.cpu, limits.memory, count/<resource>.<group>, "
                                     "...)");
        mk_quantity q;
        const char *text = qty_text(v);
        if (quantity_parse(text, &q, NULL) < 0)
            continue; /* the schema said why */
        if (q.mant < 0)
            return field_invalid_str(err, p, text, "must be greater than or equal to 0");
        if (quota_resource_is_whole(&r) && quantity_milli(&q) % 1000)
            return field_invalid_str(err, p, text, "must be an integer");
    }
    return 0;
}

/* The i-th scope of spec.scopes (a string) or of
 * spec.scopeSelector.matchExpressions (its scopeName). */
static const char *scope_at(json_object *list, size_t i, bool selector)
{
    json_object *v = list_at(list, i);
    if (selector)
        return get_str(v, "scopeName");
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool has_scope(json_object *list, bool selector, const char *scope)
{
    for (size_t i = 0; i < list_len(list); i++)
        if (!strcmp(scope_at(list, i, selector) ?: "", scope))
            return true;
    return false;
}

/* Scopes no pod is in at once select nothing: Kubernetes refuses them. */
static int check_scope_conflicts(json_object *list, bool selector, const char *path,
                                 json_object *shown, mk_err *err)
{
    static const char *const pairs[][2] = {{"BestEffort", "NotBestEffort"},
                                           {"Terminating", "NotTerminating"}};
    for (size_t i = 0; i < ARRAY_SIZE(pairs); i++)
        if (has_scope(list, selector, pairs[i][0]) && has_scope(list, selector, pairs[i][1]))
            return field_invalid(err, path, shown, "conflicting scopes");
    return 0;
}

/* spec.scopes: known, each once (PriorityClass here: pods with any
 * priority class, as the selector's Exists). */
static int check_scopes(json_object *scopes, mk_err *err)
{
    vpath p;
    for (size_t i = 0; i < list_len(scopes); i++) {
        const char *s = scope_at(scopes, i, false) ?: "";
        SUBPATH(p, "spec.scopes[%zu]", i);
        if (!quota_scope_valid(s))
            return field_unsupported(err, p, s, scope_names);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(s, scope_at(scopes, j, false) ?: ""))
                return field_duplicate(err, p, s);
    }
    return check_scope_conflicts(scopes, false, "spec.scopes", scopes, err);
}

/* One scopeSelector requirement: only a PriorityClass has values to
 * compare; the other scopes are a pod's state, there or not (Exists). */
static int check_scope_requirement(json_object *req, const char *base, mk_err *err)
{
    static const char *const ops[] = {"In", "NotIn", "Exists", "DoesNotExist", NULL};
    vpath p;
    SUBPATH(p, "%s.scopeName", base);
    const char *scope = get_str(req, "scopeName");
    if (empty_str(scope))
        return field_required(err, p, NULL);
    if (!quota_scope_valid(scope))
        return field_unsupported(err, p, scope, scope_names);
    int r = check_enum(req, "operator", base, ops, true, err);
    if (r < 0)
        return r;
    const char *op = get_str(req, "operator");
    SUBPATH(p, "%s.operator", base);
    if (strcmp(scope, "PriorityClass") && strcmp(op, "Exists"))
        return field_invalid_str(err, p, op,
                                 "must be 'Exists' when scope is any of Terminating, "
                                 "NotTerminating, BestEffort or NotBestEffort");
    bool compares = !strcmp(op, "In") || !strcmp(op, "NotIn");
    json_object *values = get(req, "values");
    SUBPATH(p, "%s.values", base);
    if (compares && !list_len(values))
        return field_required(err, p,
                              "must be at least one value when `operator` is 'In' or 'NotIn' "
                              "for scope selector");
    if (!compares && list_len(values))
        return field_invalid(err, p, values,
                             "must be no value when `operator` is 'Exists' or 'DoesNotExist' "
                             "for scope selector");
    return 0;
}

static int check_scope_selector(json_object *sel, mk_err *err)
{
    json_object *exprs = get(sel, "matchExpressions");
    vpath base;
    int r;
    for (size_t i = 0; i < list_len(exprs); i++) {
        SUBPATH(base, "spec.scopeSelector.matchExpressions[%zu]", i);
        if ((r = check_scope_requirement(list_at(exprs, i), base, err)) < 0)
            return r;
    }
    return check_scope_conflicts(exprs, true, "spec.scopeSelector.matchExpressions", sel, err);
}

/* Scopes select pods: every hard resource must be a pod's; under
 * BestEffort (pods that ask for nothing) only their count. */
static int check_scoped_resources(json_object *spec, mk_err *err)
{
    json_object *scopes = get(spec, "scopes");
    json_object *exprs = get(get(spec, "scopeSelector"), "matchExpressions");
    if (!list_len(scopes) && !list_len(exprs))
        return 0;
    bool best_effort =
        has_scope(scopes, false, "BestEffort") || has_scope(exprs, true, "BestEffort");
    foreach_field(get(spec, "hard"), name, v)
    {
        (void)v;
        quota_resource r = quota_resource_of(name);
        bool pod = quota_resource_is_pod(&r);
        if (pod && (!best_effort || quota_resource_is_pod_count(&r)))
            continue;
        vpath p;
        SUBPATH(p, "spec.hard[%s]", name);
        return field_invalid_str(err, p, name, "unsupported scope applied to resource%s",
                                 pod ? ": the BestEffort scope counts only pods" : "");
    }
    return 0;
}

int validate_resourcequota(json_object *obj, mk_err *err)
{
    json_object *spec = get(obj, "spec"), *status = get(obj, "status");
    int r;
    if ((r = check_quota_amounts(get(spec, "hard"), "spec.hard", err)) < 0 ||
        (r = check_scopes(get(spec, "scopes"), err)) < 0 ||
        (r = check_scope_selector(get(spec, "scopeSelector"), err)) < 0 ||
        (r = check_scoped_resources(spec, err)) < 0 ||
        (r = check_quota_amounts(get(status, "hard"), "status.hard", err)) < 0 ||
        (r = check_quota_amounts(get(status, "used"), "status.used", err)) < 0)
        return r;
    return 0;
}
