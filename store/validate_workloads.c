/* validate_workloads.c - the checks of Jobs, CronJobs, ReplicaSets, DaemonSets,
 * StatefulSets, ControllerRevisions, Deployments and HorizontalPodAutoscalers
 * (see validate_impl.h). */
#include <string.h>

#include "store/codec.h"
#include "store/cron.h"
#include "store/quantity.h"
#include "store/selector.h"
#include "store/util.h"
#include "store/validate_impl.h"

/* Kubernetes' bound on an Indexed Job's completions. */
#define JOB_MAX_INDEXES 100000

/* ---- Job ---- */

/* Kubernetes' bounds on a pod failure policy. */
#define POLICY_MAX_RULES  20
#define POLICY_MAX_VALUES 255

/* onExitCodes: an operator, values sorted and unique (0 never with In: a
 * success is no failure), a container of the template when named. */
static int check_on_exit_codes(json_object *req, const char *base, json_object *pod_spec,
                               mk_err *err)
{
    static const char *const ops[] = {"In", "NotIn", NULL};
    vpath p;
    int r = check_enum(req, "operator", base, ops, true, err);
    if (r < 0)
        return r;
    json_object *values = get(req, "values");
    SUBPATH(p, "%s.values", base);
    if (!list_len(values))
        return field_required(err, p, NULL);
    if (list_len(values) > POLICY_MAX_VALUES)
        return field_invalid(err, p, values, "must have at most %d items", POLICY_MAX_VALUES);
    bool in = !strcmp(get_str(req, "operator"), "In");
    for (size_t i = 0; i < list_len(values); i++) {
        int64_t v = json_object_get_int64(list_at(values, i));
        SUBPATH(p, "%s.values[%zu]", base, i);
        if (in && v == 0)
            return field_invalid(err, p, list_at(values, i),
                                 "must not be 0 for the In operator");
        if (i && v <= json_object_get_int64(list_at(values, i - 1)))
            return field_invalid(err, p, list_at(values, i), "must be ordered");
    }
    const char *ctr = get_str(req, "containerName");
    if (!ctr || pod_spec_has_container(pod_spec, ctr))
        return 0;
    SUBPATH(p, "%s.containerName", base);
    return field_invalid_str(err, p, ctr,
                             "must be one of the container or initContainer names in the pod "
                             "template");
}

static int check_on_pod_conditions(json_object *conds, const char *base, mk_err *err)
{
    static const char *const statuses[] = {"True", "False", "Unknown", NULL};
    vpath p;
    int r;
    for (size_t i = 0; i < list_len(conds); i++) {
        json_object *c = list_at(conds, i);
        SUBPATH(p, "%s[%zu]", base, i);
        vpath t;
        SUBPATH(t, "%s.type", p);
        if (empty_str(get_str(c, "type")))
            return field_required(err, t, NULL);
        if ((r = check_enum(c, "status", p, statuses, false, err)) < 0)
            return r;
    }
    return 0;
}

/* spec.podFailurePolicy, as Kubernetes' validatePodFailurePolicy: pods
 * that are never restarted, up to 20 rules, each an action and exactly one
 * of onExitCodes and onPodConditions. */
static int check_pod_failure_policy(json_object *spec, const char *base, mk_err *err)
{
    json_object *policy = get(spec, "podFailurePolicy");
    if (!policy)
        return 0;
    static const char *const actions[] = {"FailJob", "FailIndex", "Ignore", "Count", NULL};
    json_object *pod_spec = get(get(spec, "template"), "spec");
    const char *restart = get_str(pod_spec, "restartPolicy") ?: "";
    vpath p;
    int r;
    if (strcmp(restart, "Never")) {
        SUBPATH(p, "%s.template.spec.restartPolicy", base);
        return field_invalid_str(
            err, p, restart, "only \"Never\" is supported when podFailurePolicy is specified");
    }
    json_object *rules = get(policy, "rules");
    SUBPATH(p, "%s.podFailurePolicy.rules", base);
    if (list_len(rules) > POLICY_MAX_RULES)
        return field_invalid(err, p, rules, "must have at most %d items", POLICY_MAX_RULES);
    for (size_t i = 0; i < list_len(rules); i++) {
        json_object *rule = list_at(rules, i);
        SUBPATH(p, "%s.podFailurePolicy.rules[%zu]", base, i);
        if ((r = check_enum(rule, "action", p, actions, true, err)) < 0)
            return r;
        if (!strcmp(get_str(rule, "action"), "FailIndex")) {
            vpath a;
            SUBPATH(a, "%s.action", p);
            return field_invalid_str(err, a, "FailIndex",
                                     "requires the backoffLimitPerIndex to be set");
        }
        bool codes = has(rule, "onExitCodes"), conds = has(rule, "onPodConditions");
        /* Kubernetes omits the value in these two */
        if (codes == conds)
            return mk_error(err, EINVAL, "%s: Invalid value: specifying %s", p,
                            codes ? "both OnExitCodes and OnPodConditions is not supported"
                                  : "one of OnExitCodes and OnPodConditions is required");
        vpath q;
        SUBPATH(q, codes ? "%s.onExitCodes" : "%s.onPodConditions", p);
        r = codes ? check_on_exit_codes(get(rule, "onExitCodes"), q, pod_spec, err)
                  : check_on_pod_conditions(get(rule, "onPodConditions"), q, err);
        if (r < 0)
            return r;
    }
    return 0;
}

/* A Job's spec, at base ("spec", or "spec.jobTemplate.spec" in a
 * CronJob): a pod template whose pods end (restartPolicy OnFailure or
 * Never), counts that are not negative. */
static int check_job_spec(json_object *spec, const char *base, mk_err *err)
{
    int r;
    vpath p;
    static const char *const counts[] = {"parallelism", "completions", "backoffLimit",
                                         "ttlSecondsAfterFinished"};
    for (size_t i = 0; i < ARRAY_SIZE(counts); i++)
        if ((r = check_range(spec, counts[i], base, 0, INT32_MAX, err)) < 0)
            return r;
    if ((r = check_range(spec, "activeDeadlineSeconds", base, 1, INT64_MAX, err)) < 0)
        return r;
    static const char *const modes[] = {"NonIndexed", "Indexed", NULL};
    if ((r = check_enum(spec, "completionMode", base, modes, false, err)) < 0)
        return r;
    const char *mode = get_str(spec, "completionMode");
    SUBPATH(p, "%s.completions", base);
    if (mode && !strcmp(mode, "Indexed") && !has(spec, "completions"))
        return field_required(err, p, "when completion mode is Indexed");
    if (mode && !strcmp(mode, "Indexed") &&
        (r = check_range(spec, "completions", base, 0, JOB_MAX_INDEXES, err)) < 0)
        return r;
    json_object *tmpl = get(spec, "template");
    SUBPATH(p, "%s.template", base);
    if (!tmpl)
        return field_required(err, p, NULL);
    static const char *const ends[] = {"OnFailure", "Never", NULL};
    const char *policy = get_str(get(tmpl, "spec"), "restartPolicy");
    SUBPATH(p, "%s.template.spec", base);
    if (!policy) {
        vpath rp;
        SUBPATH(rp, "%s.restartPolicy", p);
        return field_required(err, rp, "a Job's pods must end: OnFailure or Never");
    }
    if ((r = check_enum(get(tmpl, "spec"), "restartPolicy", p, ends, true, err)) < 0 ||
        (r = check_pod_failure_policy(spec, base, err)) < 0)
        return r;
    return check_pod_spec(get(tmpl, "spec"), p, err);
}

int validate_job(json_object *obj, mk_err *err)
{
    json_object *spec = get(obj, "spec");
    if (!spec)
        return field_required(err, "spec", NULL);
    return check_job_spec(spec, "spec", err);
}

/* ---- CronJob ---- */

/* Kubernetes' limit: "<name>-<minutes since the epoch>" must stay a
 * 63-character label. */
#define CRONJOB_NAME_MAX 52

/* A CronJob: a schedule that parses, a time zone that exists, a Job spec. */
int validate_cronjob(json_object *obj, mk_err *err)
{
    json_object *spec = get(obj, "spec");
    int r;
    const char *name = mk_json_str(obj, "metadata.name");
    if (name && strlen(name) > CRONJOB_NAME_MAX)
        return field_invalid_str(err, "metadata.name", name,
                                 "must be no more than %d characters", CRONJOB_NAME_MAX);
    if (!spec)
        return field_required(err, "spec", NULL);
    const char *sched = get_str(spec, "schedule");
    if (empty_str(sched))
        return field_required(err, "spec.schedule", NULL);
    cron_schedule cs;
    mk_err perr = {0};
    if (cron_parse(sched, &cs, &perr) < 0)
        return field_invalid_str(err, "spec.schedule", sched, "%s", perr.msg);
    const char *tz = get_str(spec, "timeZone");
    cron_zone *zone = NULL;
    if (tz && !*tz)
        return field_invalid_str(err, "spec.timeZone", tz,
                                 "timeZone must be nil or non-empty string");
    if (tz && cron_zone_load(tz, &zone, &perr) < 0)
        return field_invalid_str(err, "spec.timeZone", tz, "%s", perr.msg);
    cron_zone_free(zone);
    static const char *const policies[] = {"Allow", "Forbid", "Replace", NULL};
    if ((r = check_enum(spec, "concurrencyPolicy", "spec", policies, false, err)) < 0)
        return r;
    static const char *const counts[] = {
        "startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"};
    for (size_t i = 0; i < ARRAY_SIZE(counts); i++)
        if ((r = check_range(spec, counts[i], "spec", 0, INT64_MAX, err)) < 0)
            return r;
    json_object *job = get(get(spec, "jobTemplate"), "spec");
    if (!job)
        return field_required(err, "spec.jobTemplate.spec", NULL);
    return check_job_spec(job, "spec.jobTemplate.spec", err);
}

/* Kubernetes' defaults for a CronJob's own fields. */

/* ---- ReplicaSet ---- */

/* A ReplicaSet's or Deployment's spec: replicas, a selector that selects
 * the template's labels, a pod template whose pods restart Always. */
static int check_replicated(json_object *obj, const char *kind, mk_err *err)
{
    static const char *const always[] = {"Always", NULL};
    json_object *spec = get(obj, "spec");
    int r;
    if (!spec)
        return field_required(err, "spec", NULL);
    if ((r = check_range(spec, "replicas", "spec", 0, INT32_MAX, err)) < 0 ||
        (r = check_range(spec, "minReadySeconds", "spec", 0, INT32_MAX, err)) < 0)
        return r;
    json_object *sel = get(spec, "selector");
    if (!sel)
        return field_required(err, "spec.selector", NULL);
    mk_selector *s = NULL;
    mk_err serr = {0};
    if (selector_from_object(sel, &s, &serr) < 0) /* "matchLabels...": a path below ours */
        return mk_error(err, serr.code, "spec.selector%s%s",
                        strncmp(serr.msg, "match", 5) ? ": " : ".", serr.msg);
    if (selector_is_empty(s)) {
        selector_free(s);
        return field_invalid_str(err, "spec.selector", "{}",
                                 "empty selector is invalid for a %s", kind);
    }
    json_object *tmpl = get(spec, "template");
    if (!tmpl) {
        selector_free(s);
        return field_required(err, "spec.template", NULL);
    }
    json_object *labels = get(get(tmpl, "metadata"), "labels");
    bool match = selector_match_labels(s, labels);
    selector_free(s);
    if (!match)
        return field_invalid(err, "spec.template.metadata.labels", labels,
                             "`selector` does not match template `labels`");
    if ((r = check_labels(labels, "spec.template.metadata.labels", err)) < 0 ||
        (r = check_pod_spec(get(tmpl, "spec"), "spec.template.spec", err)) < 0)
        return r;
    return check_enum(get(tmpl, "spec"), "restartPolicy", "spec.template.spec", always, false,
                      err);
}

int validate_replicaset(json_object *obj, mk_err *err)
{
    return check_replicated(obj, "ReplicaSet", err);
}

int validate_daemonset(json_object *obj, mk_err *err)
{
    int r;
    if ((r = check_replicated(obj, "DaemonSet", err)) < 0)
        return r;
    static const char *const types[] = {"RollingUpdate", "OnDelete", NULL};
    return check_enum(get(get(obj, "spec"), "updateStrategy"), "type", "spec.updateStrategy",
                      types, false, err);
}

static int check_sts_strategy(json_object *spec, mk_err *err)
{
    static const char *const types[] = {"RollingUpdate", "OnDelete", NULL};
    json_object *us = get(spec, "updateStrategy"), *ru = get(us, "rollingUpdate");
    int r;
    if ((r = check_enum(us, "type", "spec.updateStrategy", types, false, err)) < 0)
        return r;
    const char *type = get_str(us, "type");
    if (ru && type && !strcmp(type, "OnDelete"))
        return field_invalid(err, "spec.updateStrategy.rollingUpdate", ru,
                             "only allowed for updateStrategy 'RollingUpdate'");
    if ((r = check_range(ru, "partition", "spec.updateStrategy.rollingUpdate", 0, INT32_MAX,
                         err)) < 0)
        return r;
    return check_int_or_percent(ru, "maxUnavailable", "spec.updateStrategy.rollingUpdate", 1,
                                false, err);
}

/* spec.volumeClaimTemplates: each a claim with a name that is a volume
 * name of the pods (unique, none of spec.template.spec.volumes). */
static int check_claim_templates(json_object *spec, mk_err *err)
{
    json_object *tmpls = get(spec, "volumeClaimTemplates");
    json_object *volumes = get(get(get(spec, "template"), "spec"), "volumes");
    vpath p;
    int r;
    for (size_t i = 0; i < list_len(tmpls); i++) {
        json_object *t = list_at(tmpls, i);
        const char *name = get_str(get(t, "metadata"), "name");
        SUBPATH(p, "spec.volumeClaimTemplates[%zu].metadata.name", i);
        if (empty_str(name))
            return field_required(err, p, NULL);
        if ((r = check_dns_label(p, name, err)) < 0)
            return r;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(name, get_str(get(list_at(tmpls, j), "metadata"), "name") ?: ""))
                return field_duplicate(err, p, name);
        for (size_t j = 0; j < list_len(volumes); j++)
            if (!strcmp(name, get_str(list_at(volumes, j), "name") ?: ""))
                return field_invalid_str(err, p, name,
                                         "must not be the name of a volume in "
                                         "spec.template.spec.volumes");
        SUBPATH(p, "spec.volumeClaimTemplates[%zu].metadata.labels", i);
        if ((r = check_labels(get(get(t, "metadata"), "labels"), p, err)) < 0)
            return r;
        SUBPATH(p, "spec.volumeClaimTemplates[%zu].spec", i);
        if ((r = check_pvc_spec(get(t, "spec"), p, err)) < 0)
            return r;
    }
    return 0;
}

/* The set's replicated spec, checked as if its pod template had a volume
 * for each claim template, since the pods do: containers mount them. */
static int check_sts_replicated(json_object *obj, mk_err *err)
{
    json_object *tmpls = get(get(obj, "spec"), "volumeClaimTemplates");
    if (list_len(tmpls) == 0)
        return check_replicated(obj, "StatefulSet", err);
    json_object *copy = NULL;
    json_object_deep_copy(obj, &copy, NULL);
    json_object *tspec = mk_json_path(copy, "spec.template.spec");
    if (json_object_is_type(tspec, json_type_object)) {
        json_object *vols = get(tspec, "volumes");
        if (!json_object_is_type(vols, json_type_array)) {
            vols = json_object_new_array();
            json_object_object_add(tspec, "volumes", vols);
        }
        for (size_t i = 0; i < list_len(tmpls); i++) {
            json_object *v = json_object_new_object();
            const char *name = get_str(get(list_at(tmpls, i), "metadata"), "name");
            json_object_object_add(v, "name", json_object_new_string(name));
            json_object_object_add(v, "emptyDir", json_object_new_object());
            json_object_array_add(vols, v);
        }
    }
    int r = check_replicated(copy, "StatefulSet", err);
    json_object_put(copy);
    return r;
}

/* A StatefulSet: a replicated spec, its volume claims, its policies. */
int validate_statefulset(json_object *obj, mk_err *err)
{
    static const char *const policies[] = {"OrderedReady", "Parallel", NULL};
    static const char *const retain[] = {"Retain", "Delete", NULL};
    int r;
    json_object *spec = get(obj, "spec");
    if ((r = check_claim_templates(spec, err)) < 0 || (r = check_sts_replicated(obj, err)) < 0)
        return r;
    json_object *pvc = get(spec, "persistentVolumeClaimRetentionPolicy");
    const char *svc = get_str(spec, "serviceName");
    if ((r = check_enum(spec, "podManagementPolicy", "spec", policies, false, err)) < 0 ||
        (r = check_range(spec, "revisionHistoryLimit", "spec", 0, INT32_MAX, err)) < 0 ||
        (r = check_enum(pvc, "whenDeleted", "spec.persistentVolumeClaimRetentionPolicy", retain,
                        false, err)) < 0 ||
        (r = check_enum(pvc, "whenScaled", "spec.persistentVolumeClaimRetentionPolicy", retain,
                        false, err)) < 0 ||
        (!empty_str(svc) && (r = check_dns_label("spec.serviceName", svc, err)) < 0) ||
        (r = check_sts_strategy(spec, err)) < 0 ||
        (r = check_range(get(spec, "ordinals"), "start", "spec.ordinals", 0, INT32_MAX, err)) <
            0)
        return r;
    return 0;
}

/* A ControllerRevision: a snapshot (data) and its number. */
int validate_controllerrevision(json_object *obj, mk_err *err)
{
    if (!has(obj, "data"))
        return field_required(err, "data", "data is mandatory");
    json_object *rev = get(obj, "revision");
    if (rev && mk_json_int(rev, "", 0) < 0)
        return field_invalid(err, "revision", rev, "must be greater than or equal to 0");
    return 0;
}

/* Kubernetes lets a StatefulSet's spec change only in these fields. */
int check_statefulset_update(json_object *old, json_object *obj, mk_err *err)
{
    static const char *const fixed[] = {"selector", "serviceName", "podManagementPolicy",
                                        "volumeClaimTemplates"};
    json_object *a = get(old, "spec"), *b = get(obj, "spec");
    for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
        if (!json_object_equal(get(a, fixed[i]), get(b, fixed[i])))
            return field_forbidden(
                err, "spec",
                "updates to statefulset spec for fields other than 'replicas', "
                "'ordinals', 'template', 'updateStrategy', "
                "'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' "
                "and 'minReadySeconds' are forbidden");
    return 0;
}

int validate_deployment(json_object *obj, mk_err *err)
{
    int r;
    if ((r = check_replicated(obj, "Deployment", err)) < 0)
        return r;
    json_object *spec = get(obj, "spec");
    static const char *const types[] = {"RollingUpdate", "Recreate", NULL};
    json_object *strategy = get(spec, "strategy");
    if ((r = check_enum(strategy, "type", "spec.strategy", types, false, err)) < 0 ||
        (r = check_range(spec, "revisionHistoryLimit", "spec", 0, INT32_MAX, err)) < 0 ||
        (r = check_range(spec, "progressDeadlineSeconds", "spec", 1, INT32_MAX, err)) < 0)
        return r;
    const char *type = get_str(strategy, "type");
    if (type && !strcmp(type, "Recreate") && has(strategy, "rollingUpdate"))
        return field_forbidden(err, "spec.strategy.rollingUpdate",
                               "may not be specified when strategy `type` is 'Recreate'");
    return 0;
}

/* ---- HorizontalPodAutoscaler ---- */

static int check_hpa_rules(json_object *rules, const char *base, mk_err *err)
{
    static const char *const select[] = {"Max", "Min", "Disabled", NULL};
    static const char *const types[] = {"Pods", "Percent", NULL};
    int r;
    if ((r = check_range(rules, "stabilizationWindowSeconds", base, 0, 3600, err)) < 0 ||
        (r = check_enum(rules, "selectPolicy", base, select, false, err)) < 0)
        return r;
    json_object *policies = get(rules, "policies");
    for (size_t i = 0; i < list_len(policies); i++) {
        json_object *pol = list_at(policies, i);
        vpath p, f;
        SUBPATH(p, "%s.policies[%zu]", base, i);
        if ((r = check_enum(pol, "type", p, types, true, err)) < 0)
            return r;
        SUBPATH(f, "%s.value", p);
        if (!has(pol, "value"))
            return field_required(err, f, NULL);
        if ((r = check_range(pol, "value", p, 1, INT32_MAX, err)) < 0)
            return r;
        SUBPATH(f, "%s.periodSeconds", p);
        if (!has(pol, "periodSeconds"))
            return field_required(err, f, NULL);
        if ((r = check_range(pol, "periodSeconds", p, 1, 1800, err)) < 0)
            return r;
    }
    return 0;
}

static int check_hpa_metric(json_object *m, const char *base, mk_err *err)
{
    static const char *const types[] = {"Resource", NULL};
    static const char *const names[] = {"cpu", "memory", NULL};
    static const char *const targets[] = {"Utilization", "AverageValue", NULL};
    vpath p, f;
    int r;
    if ((r = check_enum(m, "type", base, types, true, err)) < 0)
        return r;
    json_object *res = get(m, "resource");
    SUBPATH(p, "%s.resource", base);
    if (!res)
        return field_required(err, p, "must populate information for the given metric source");
    if ((r = check_enum(res, "name", p, names, true, err)) < 0)
        return r;
    json_object *t = get(res, "target");
    SUBPATH(p, "%s.resource.target", base);
    if (!t)
        return field_required(err, p, NULL);
    if ((r = check_enum(t, "type", p, targets, true, err)) < 0)
        return r;
    if (!strcmp(get_str(t, "type"), "Utilization")) {
        SUBPATH(f, "%s.averageUtilization", p);
        if (!has(t, "averageUtilization"))
            return field_required(err, f,
                                  "must populate the averageUtilization field when the "
                                  "target type is Utilization");
        return check_range(t, "averageUtilization", p, 1, INT32_MAX, err);
    }
    SUBPATH(f, "%s.averageValue", p);
    json_object *av = get(t, "averageValue");
    if (!av)
        return field_required(err, f,
                              "must populate the averageValue field when the target type is "
                              "AverageValue");
    mk_quantity q;
    if (quantity_parse(qty_text(av), &q, NULL) == 0 && q.mant <= 0)
        return field_invalid(err, f, av, "must be positive");
    return 0;
}

int validate_hpa(json_object *obj, mk_err *err)
{
    json_object *spec = get(obj, "spec");
    int r;
    if (!spec)
        return field_required(err, "spec", NULL);
    json_object *ref = get(spec, "scaleTargetRef");
    if (!ref)
        return field_required(err, "spec.scaleTargetRef", NULL);
    if (empty_str(get_str(ref, "kind")))
        return field_required(err, "spec.scaleTargetRef.kind", NULL);
    if (empty_str(get_str(ref, "name")))
        return field_required(err, "spec.scaleTargetRef.name", NULL);
    if ((r = check_dns_label("spec.scaleTargetRef.name", get_str(ref, "name"), err)) < 0 ||
        (r = check_range(spec, "minReplicas", "spec", 1, INT32_MAX, err)) < 0)
        return r;
    if (!has(spec, "maxReplicas"))
        return field_required(err, "spec.maxReplicas", NULL);
    if ((r = check_range(spec, "maxReplicas", "spec", 1, INT32_MAX, err)) < 0)
        return r;
    int64_t min = mk_json_int(spec, "minReplicas", 1);
    if (mk_json_int(spec, "maxReplicas", 0) < min)
        return field_invalid(err, "spec.maxReplicas", get(spec, "maxReplicas"),
                             "must be greater than or equal to `minReplicas`");
    json_object *metrics = get(spec, "metrics");
    for (size_t i = 0; i < list_len(metrics); i++) {
        vpath p;
        SUBPATH(p, "spec.metrics[%zu]", i);
        if ((r = check_hpa_metric(list_at(metrics, i), p, err)) < 0)
            return r;
    }
    json_object *behavior = get(spec, "behavior");
    static const char *const dirs[] = {"scaleUp", "scaleDown"};
    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
        vpath p;
        SUBPATH(p, "spec.behavior.%s", dirs[i]);
        if (has(behavior, dirs[i]) && (r = check_hpa_rules(get(behavior, dirs[i]), p, err)) < 0)
            return r;
    }
    return 0;
}
