/* hpa_algo.c - the HPA's arithmetic (see hpa_algo.h), line for line with
 * Kubernetes' replica calculator and normalization. */
#include "controllers/hpa_algo.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#include "store/codec.h"
#include "store/util.h"

/* ---- replica counts from metrics ---- */

/* GetResourceUtilizationRatio over the pods that have a value. */
static int utilization_ratio(const hpa_pod_sample *pods, const int64_t *val, const bool *has,
                             size_t n, int32_t target, double *ratio, int32_t *util,
                             int64_t *avg, mk_err *err)
{
    int64_t total = 0, requests = 0, entries = 0;
    for (size_t i = 0; i < n; i++) {
        if (!has[i])
            continue;
        total += val[i];
        requests += pods[i].request;
        entries++;
    }
    if (requests == 0)
        return mk_error(err, EINVAL, "no metrics returned matched known pods");
    *util = (int32_t)(total * 100 / requests);
    *ratio = (double)*util / (double)target;
    if (avg)
        *avg = total / entries;
    return 0;
}

static double plain_ratio(const int64_t *val, const bool *has, size_t n, int64_t target,
                          int64_t *avg)
{
    int64_t total = 0, entries = 0;
    for (size_t i = 0; i < n; i++)
        if (has[i]) {
            total += val[i];
            entries++;
        }
    int64_t usage = entries ? total / entries : 0;
    if (avg)
        *avg = usage;
    return (double)usage / (double)target;
}

typedef struct calc {
    bool utilization;
    int32_t target_pct;
    int64_t target_milli;
} calc;

static int ratio_of(const calc *k, const hpa_pod_sample *pods, const int64_t *val,
                    const bool *has, size_t n, double *ratio, int32_t *util, int64_t *avg,
                    mk_err *err)
{
    if (k->utilization)
        return utilization_ratio(pods, val, has, n, k->target_pct, ratio, util, avg, err);
    *ratio = plain_ratio(val, has, n, k->target_milli, avg);
    return 0;
}

static int replicas_for(const calc *k, int32_t current, const hpa_pod_sample *pods, size_t n,
                        int32_t *replicas, int32_t *util, int64_t *avg, mk_err *err)
{
    if (n == 0)
        return mk_error(err, ENOENT,
                        "no pods returned by selector while calculating replica count");
    if (k->utilization)
        for (size_t i = 0; i < n; i++)
            if (pods[i].request <= 0)
                return mk_error(err, EINVAL, "missing request for the resource");
    _cleanup_free_ int64_t *val = xcalloc(n, sizeof(*val));
    _cleanup_free_ bool *has = xcalloc(n, sizeof(*has));
    size_t ready = 0, unready = 0, missing = 0;
    for (size_t i = 0; i < n; i++) {
        ready += pods[i].state == HPA_POD_READY;
        unready += pods[i].state == HPA_POD_UNREADY;
        missing += pods[i].state == HPA_POD_MISSING;
        if (pods[i].state == HPA_POD_READY) {
            val[i] = pods[i].usage;
            has[i] = true;
        }
    }
    if (ready == 0)
        return mk_error(err, ENODATA,
                        "did not receive metrics for targeted pods (pods might be unready)");
    double ratio;
    int32_t u = 0;
    if (ratio_of(k, pods, val, has, n, &ratio, &u, avg, err) < 0)
        return -err->code;
    if (util)
        *util = u;
    bool up_with_unready = unready > 0 && ratio > 1.0;
    if (!up_with_unready && missing == 0) {
        if (fabs(1.0 - ratio) <= HPA_TOLERANCE)
            *replicas = current;
        else
            *replicas = (int32_t)ceil(ratio * (double)ready);
        return 0;
    }
    /* Fill in the pods without a usable metric, pessimistically for the
     * direction the others point, and look again. */
    for (size_t i = 0; i < n; i++) {
        if (pods[i].state == HPA_POD_MISSING && ratio < 1.0) {
            val[i] = k->utilization
                         ? pods[i].request * (k->target_pct > 100 ? k->target_pct : 100) / 100
                         : k->target_milli;
            has[i] = true;
        } else if (pods[i].state == HPA_POD_MISSING && ratio > 1.0) {
            val[i] = 0;
            has[i] = true;
        } else if (pods[i].state == HPA_POD_UNREADY && up_with_unready) {
            val[i] = 0;
            has[i] = true;
        }
    }
    double new_ratio;
    int32_t ignored;
    if (ratio_of(k, pods, val, has, n, &new_ratio, &ignored, NULL, err) < 0)
        return -err->code;
    if (fabs(1.0 - new_ratio) <= HPA_TOLERANCE || (ratio < 1.0 && new_ratio > 1.0) ||
        (ratio > 1.0 && new_ratio < 1.0)) {
        *replicas = current;
        return 0;
    }
    size_t counted = 0;
    for (size_t i = 0; i < n; i++)
        counted += has[i];
    int32_t next = (int32_t)ceil(new_ratio * (double)counted);
    if ((new_ratio < 1.0 && next > current) || (new_ratio > 1.0 && next < current))
        next = current;
    *replicas = next;
    return 0;
}

int hpa_replicas_utilization(int32_t current, const hpa_pod_sample *pods, size_t n,
                             int32_t target_pct, int32_t *replicas, int32_t *utilization,
                             int64_t *avg, mk_err *err)
{
    if (target_pct <= 0)
        return mk_error(err, EINVAL, "target averageUtilization must be positive");
    calc k = {.utilization = true, .target_pct = target_pct};
    return replicas_for(&k, current, pods, n, replicas, utilization, avg, err);
}

int hpa_replicas_average(int32_t current, const hpa_pod_sample *pods, size_t n,
                         int64_t target_milli, int32_t *replicas, int64_t *avg, mk_err *err)
{
    if (target_milli <= 0)
        return mk_error(err, EINVAL, "target averageValue must be positive");
    calc k = {.utilization = false, .target_milli = target_milli};
    return replicas_for(&k, current, pods, n, replicas, NULL, avg, err);
}

/* ---- behavior ---- */

static void default_rules(hpa_rules *r, bool up)
{
    *r = (hpa_rules){.select = HPA_SELECT_MAX};
    if (up) {
        r->window_s = 0;
        r->policies[r->npolicies++] = (hpa_policy){HPA_POLICY_PODS, 4, 15};
        r->policies[r->npolicies++] = (hpa_policy){HPA_POLICY_PERCENT, 100, 15};
    } else {
        r->window_s = 300;
        r->policies[r->npolicies++] = (hpa_policy){HPA_POLICY_PERCENT, 100, 15};
    }
}

static int parse_rules(json_object *o, const char *what, hpa_rules *r, mk_err *err)
{
    if (!o)
        return 0;
    json_object *v;
    if (json_object_object_get_ex(o, "stabilizationWindowSeconds", &v)) {
        int64_t w = json_object_get_int64(v);
        if (w < 0 || w > 3600)
            return mk_error(err, EINVAL,
                            "behavior.%s.stabilizationWindowSeconds: must be in 0..3600", what);
        r->window_s = (int32_t)w;
    }
    const char *sel = mk_json_str(o, "selectPolicy");
    if (sel) {
        if (!strcmp(sel, "Max"))
            r->select = HPA_SELECT_MAX;
        else if (!strcmp(sel, "Min"))
            r->select = HPA_SELECT_MIN;
        else if (!strcmp(sel, "Disabled"))
            r->select = HPA_SELECT_DISABLED;
        else
            return mk_error(err, EINVAL,
                            "behavior.%s.selectPolicy: \"%s\" is not Max, Min or Disabled",
                            what, sel);
    }
    json_object *pol = mk_json_path(o, "policies");
    if (pol && json_object_is_type(pol, json_type_array)) {
        size_t n = json_object_array_length(pol);
        if (n > HPA_MAX_POLICIES)
            return mk_error(err, EINVAL, "behavior.%s.policies: at most %d", what,
                            HPA_MAX_POLICIES);
        r->npolicies = 0;
        for (size_t i = 0; i < n; i++) {
            json_object *p = json_object_array_get_idx(pol, i);
            const char *type = mk_json_str(p, "type") ?: "";
            int64_t value = mk_json_int(p, "value", 0),
                    period = mk_json_int(p, "periodSeconds", 0);
            hpa_policy_type t;
            if (!strcmp(type, "Pods"))
                t = HPA_POLICY_PODS;
            else if (!strcmp(type, "Percent"))
                t = HPA_POLICY_PERCENT;
            else
                return mk_error(err, EINVAL,
                                "behavior.%s.policies[%zu].type: \"%s\" is not Pods or Percent",
                                what, i, type);
            if (value <= 0 || period <= 0 || period > 1800)
                return mk_error(err, EINVAL,
                                "behavior.%s.policies[%zu]: value must be > 0 and "
                                "periodSeconds in 1..1800",
                                what, i);
            r->policies[r->npolicies++] = (hpa_policy){t, (int32_t)value, (int32_t)period};
        }
    }
    return 0;
}

int hpa_behavior_parse(json_object *behavior, hpa_behavior *b, mk_err *err)
{
    default_rules(&b->up, true);
    default_rules(&b->down, false);
    if (!behavior)
        return 0;
    if (parse_rules(mk_json_path(behavior, "scaleUp"), "scaleUp", &b->up, err) < 0 ||
        parse_rules(mk_json_path(behavior, "scaleDown"), "scaleDown", &b->down, err) < 0)
        return -err->code;
    return 0;
}

void hpa_history_free(hpa_history *h)
{
    free(h->recs);
    free(h->ups);
    free(h->downs);
    *h = (hpa_history){0};
}

/* ---- normalization ---- */

/* getReplicasChangePerPeriod */
static int32_t change_in_period(const hpa_event *ev, size_t n, int64_t now_ms, int32_t period_s)
{
    int64_t cutoff = now_ms - (int64_t)period_s * 1000;
    int32_t sum = 0;
    for (size_t i = 0; i < n; i++)
        if (ev[i].at_ms > cutoff)
            sum += ev[i].change;
    return sum;
}

static int32_t min32(int32_t a, int32_t b)
{
    return a < b ? a : b;
}
static int32_t max32(int32_t a, int32_t b)
{
    return a > b ? a : b;
}

int32_t hpa_scale_up_limit(const hpa_history *h, const hpa_rules *r, int64_t now_ms,
                           int32_t current)
{
    if (r->select == HPA_SELECT_DISABLED)
        return current;
    bool pick_min = r->select == HPA_SELECT_MIN;
    int32_t result = pick_min ? INT32_MAX : INT32_MIN;
    for (size_t i = 0; i < r->npolicies; i++) {
        const hpa_policy *p = &r->policies[i];
        int32_t start = current - change_in_period(h->ups, h->nups, now_ms, p->period_s) +
                        change_in_period(h->downs, h->ndowns, now_ms, p->period_s);
        int32_t proposed = p->type == HPA_POLICY_PODS
                               ? start + p->value
                               : (int32_t)ceil((double)start * (1.0 + p->value / 100.0));
        result = pick_min ? min32(result, proposed) : max32(result, proposed);
    }
    return result;
}

int32_t hpa_scale_down_limit(const hpa_history *h, const hpa_rules *r, int64_t now_ms,
                             int32_t current)
{
    if (r->select == HPA_SELECT_DISABLED)
        return current;
    bool pick_min = r->select == HPA_SELECT_MIN;
    int32_t result = pick_min ? INT32_MIN : INT32_MAX;
    for (size_t i = 0; i < r->npolicies; i++) {
        const hpa_policy *p = &r->policies[i];
        int32_t start = current - change_in_period(h->ups, h->nups, now_ms, p->period_s) +
                        change_in_period(h->downs, h->ndowns, now_ms, p->period_s);
        int32_t proposed = p->type == HPA_POLICY_PODS
                               ? start - p->value
                               : (int32_t)((double)start * (1.0 - p->value / 100.0));
        result = pick_min ? max32(result, proposed) : min32(result, proposed);
    }
    return result;
}

/* stabilizeRecommendationWithBehaviors */
static int32_t stabilize(hpa_history *h, const hpa_behavior *b, int64_t now_ms, int32_t current,
                         int32_t proposed)
{
    int64_t up_cutoff = now_ms - (int64_t)b->up.window_s * 1000;
    int64_t down_cutoff = now_ms - (int64_t)b->down.window_s * 1000;
    int32_t up = proposed, down = proposed;
    bool found_old = false;
    size_t old = 0;
    for (size_t i = 0; i < h->nrecs; i++) {
        const hpa_rec *r = &h->recs[i];
        if (r->at_ms > up_cutoff)
            up = min32(r->replicas, up);
        if (r->at_ms > down_cutoff)
            down = max32(r->replicas, down);
        if (r->at_ms < up_cutoff && r->at_ms < down_cutoff) {
            found_old = true;
            old = i;
        }
    }
    int32_t rec = current;
    if (rec < up)
        rec = up;
    if (rec > down)
        rec = down;
    if (found_old)
        h->recs[old] = (hpa_rec){now_ms, proposed};
    else {
        h->recs = xrealloc(h->recs, (h->nrecs + 1) * sizeof(*h->recs));
        h->recs[h->nrecs++] = (hpa_rec){now_ms, proposed};
    }
    return rec;
}

void hpa_normalize(hpa_history *h, const hpa_behavior *b, int64_t now_ms, int32_t current,
                   int32_t proposed, int32_t min, int32_t max, hpa_decision *d)
{
    int32_t stable = stabilize(h, b, now_ms, current, proposed);
    if (stable != proposed) {
        bool up = proposed >= current;
        d->able_reason = up ? "ScaleUpStabilized" : "ScaleDownStabilized";
        d->able_message =
            up ? "recent recommendations were lower than current one, applying the lowest "
                 "recent recommendation"
               : "recent recommendations were higher than current one, applying the highest "
                 "recent recommendation";
    } else {
        d->able_reason = "ReadyForNewScale";
        d->able_message = "recommended size matches current size";
    }
    /* convertDesiredReplicasWithBehaviorRate */
    int32_t desired = stable;
    d->limited_reason = "DesiredWithinRange";
    d->limited_message = "the desired count is within the acceptable range";
    if (stable > current) {
        int32_t limit = max32(hpa_scale_up_limit(h, &b->up, now_ms, current), current);
        int32_t allowed = max;
        const char *reason = "TooManyReplicas",
                   *msg = "the desired replica count is more than the maximum replica count";
        if (allowed > limit) {
            allowed = limit;
            reason = "ScaleUpLimit";
            msg = "the desired replica count is increasing faster than the maximum scale rate";
        }
        if (stable > allowed) {
            desired = allowed;
            d->limited_reason = reason;
            d->limited_message = msg;
        }
    } else if (stable < current) {
        int32_t limit = min32(hpa_scale_down_limit(h, &b->down, now_ms, current), current);
        int32_t allowed = min;
        const char *reason = "TooFewReplicas",
                   *msg = "the desired replica count is less than the minimum replica count";
        if (allowed < limit) {
            allowed = limit;
            reason = "ScaleDownLimit";
            msg = "the desired replica count is decreasing faster than the maximum scale rate";
        }
        if (stable < allowed) {
            desired = allowed;
            d->limited_reason = reason;
            d->limited_message = msg;
        }
    }
    d->desired = desired;
    d->limited = desired != stable;
}

static int32_t longest_period(const hpa_rules *r)
{
    int32_t p = 0;
    for (size_t i = 0; i < r->npolicies; i++)
        p = max32(p, r->policies[i].period_s);
    return p;
}

static void store_event(hpa_event **ev, size_t *n, const hpa_rules *r, int64_t now_ms,
                        int32_t change)
{
    int64_t cutoff = now_ms - (int64_t)longest_period(r) * 1000;
    for (size_t i = 0; i < *n; i++)
        if ((*ev)[i].at_ms < cutoff)
            (*ev)[i].outdated = true;
    for (size_t i = 0; i < *n; i++)
        if ((*ev)[i].outdated) {
            (*ev)[i] = (hpa_event){now_ms, change, false};
            return;
        }
    *ev = xrealloc(*ev, (*n + 1) * sizeof(**ev));
    (*ev)[(*n)++] = (hpa_event){now_ms, change, false};
}

void hpa_record_scale(hpa_history *h, const hpa_behavior *b, int64_t now_ms, int32_t prev,
                      int32_t next)
{
    if (next > prev)
        store_event(&h->ups, &h->nups, &b->up, now_ms, next - prev);
    else if (next < prev)
        store_event(&h->downs, &h->ndowns, &b->down, now_ms, prev - next);
}
