/* validate_policy.c - PodDisruptionBudgets (policy/v1), as Kubernetes'
 * ValidatePodDisruptionBudgetSpec checks them, and coordination.k8s.io/v1
 * Leases (node heartbeats, leader election). */

#include "store/codec.h"
#include "store/util.h"
#include "store/validate_impl.h"

int validate_pdb(json_object *obj, mk_err *err)
{
    json_object *spec = get(obj, "spec");
    int r;
    if (has(spec, "minAvailable") && has(spec, "maxUnavailable"))
        return field_invalid(err, "spec", spec,
                             "minAvailable and maxUnavailable cannot be both set");
    if ((r = check_int_or_percent(spec, "minAvailable", "spec", 0, true, err)) < 0 ||
        (r = check_int_or_percent(spec, "maxUnavailable", "spec", 0, true, err)) < 0)
        return r;
    static const char *const policies[] = {"IfHealthyBudget", "AlwaysAllow", NULL};
    if ((r = check_enum(spec, "unhealthyPodEvictionPolicy", "spec", policies, false, err)) < 0)
        return r;
    return check_label_selector(get(spec, "selector"), "spec.selector", err);
}

/* A MicroTime: RFC 3339 with a fraction ("2026-11-28T00:52:09.123456Z"). */
static int check_micro_time(json_object *spec, const char *field, mk_err *err)
{
    const char *v = get_str(spec, field);
    if (!v || mk_parse_rfc3339(v) >= 0)
        return 0;
    vpath p;
    SUBPATH(p, "spec.%s", field);
    return field_invalid(err, p, get(spec, field), "must be an RFC 3339 time");
}

int validate_lease(json_object *obj, mk_err *err)
{
    json_object *spec = get(obj, "spec");
    int r;
    if ((r = check_range(spec, "leaseDurationSeconds", "spec", 1, INT32_MAX, err)) < 0 ||
        (r = check_range(spec, "leaseTransitions", "spec", 0, INT32_MAX, err)) < 0 ||
        (r = check_micro_time(spec, "acquireTime", err)) < 0 ||
        (r = check_micro_time(spec, "renewTime", err)) < 0)
        return r;
    return 0;
}
