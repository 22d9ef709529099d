/* hpa.c - the HorizontalPodAutoscaler controller (see hpa.h).
 *
 * One worker: HPAs are few and each sync is a handful of requests. The
 * recommendations and scale events of each HPA live here, as in
 * Kubernetes' controller; a restart begins them anew from the current
 * replica count (so a restart never scales down at once).
 */
#include "controllers/hpa.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <uthash.h>

#include "controllers/controllers.h"
#include "controllers/hpa_algo.h"
#include "controllers/replicaset.h"
#include "controllers/workqueue.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/quantity.h"
#include "store/selector.h"
#include "store/util.h"

#define HPA_RETRY_MS    1000
#define HPA_MAX_METRICS 8

typedef struct hpa_state {
    char *key;
    hpa_history h;
    UT_hash_handle hh;
} hpa_state;

/* What an HPA may scale. */
static const char *const target_kinds[] = {"ReplicaSet", "Deployment", "StatefulSet"};

typedef struct hpactl {
    manager *m;
    mk_informer *hpas, *pods;
    mk_informer *targets[ARRAY_SIZE(target_kinds)];
    workqueue *q;
    pthread_t worker;
    bool started;
    int period_ms;
    hpa_state *states; /* only the worker touches it */
} hpactl;

int64_t hpa_pod_request(json_object *pod, const char *resource)
{
    json_object *ctrs = mk_json_path(pod, "spec.containers");
    int64_t sum = 0;
    for (size_t i = 0; ctrs && i < json_object_array_length(ctrs); i++) {
        json_object *req =
            mk_json_path(json_object_array_get_idx(ctrs, i), "resources.requests");
        json_object *v;
        if (!req || !json_object_object_get_ex(req, resource, &v))
            return 0;
        mk_quantity q;
        if (quantity_parse(json_object_get_string(v), &q, NULL) < 0)
            return 0;
        sum += quantity_milli(&q);
    }
    return sum;
}

/* ---- events ---- */

static void queue_hpa(hpactl *c, json_object *hpa)
{
    _cleanup_free_ char *key =
        xasprintf("%s/%s", mk_json_str(hpa, "metadata.namespace") ?: "default",
                  mk_json_str(hpa, "metadata.name") ?: "");
    workqueue_add(c->q, key);
}

static void on_add(void *ctx, json_object *hpa)
{
    queue_hpa(ctx, hpa);
}

/* Our own status writes come back as updates: only a spec change counts. */
static void on_update(void *ctx, json_object *old, json_object *hpa)
{
    json_object *a = mk_json_path(old, "spec"), *b = mk_json_path(hpa, "spec");
    if (!(a && b && json_object_equal(a, b)))
        queue_hpa(ctx, hpa);
}

/* ---- metrics ---- */

typedef struct pod_usage {
    char *name;
    int64_t cpu, memory; /* milli */
    UT_hash_handle hh;
} pod_usage;

static void usage_free(pod_usage **all)
{
    pod_usage *u, *tmp;
    HASH_ITER(hh, *all, u, tmp)
    {
        HASH_DEL(*all, u);
        free(u->name);
        free(u);
    }
}

static int64_t milli_of(json_object *usage, const char *res)
{
    json_object *v;
    mk_quantity q;
    if (!usage || !json_object_object_get_ex(usage, res, &v) ||
        quantity_parse(json_object_get_string(v), &q, NULL) < 0)
        return 0;
    return quantity_milli(&q);
}

static int fetch_usage(hpactl *c, const char *ns, pod_usage **out, mk_err *err)
{
    _cleanup_free_ char *path =
        xasprintf("/apis/metrics.k8s.io/v1beta1/namespaces/%s/pods", ns);
    int status = 0;
    _cleanup_free_ char *resp = NULL;
    size_t len = 0;
    int rc = client_request(manager_client(c->m), "GET", path, NULL, NULL, 0, &status, &resp,
                            &len, NULL, err);
    if (rc < 0)
        return rc;
    json_object *list = json_tokener_parse(resp);
    json_object *items = mk_json_path(list, "items");
    for (size_t i = 0; items && i < json_object_array_length(items); i++) {
        json_object *pm = json_object_array_get_idx(items, i);
        json_object *ctrs = mk_json_path(pm, "containers");
        pod_usage *u = xcalloc(1, sizeof(*u));
        u->name = xstrdup(mk_json_str(pm, "metadata.name") ?: "");
        for (size_t j = 0; ctrs && j < json_object_array_length(ctrs); j++) {
            json_object *usage = mk_json_path(json_object_array_get_idx(ctrs, j), "usage");
            u->cpu += milli_of(usage, "cpu");
            u->memory += milli_of(usage, "memory");
        }
        pod_usage *dup;
        HASH_FIND_STR(*out, u->name, dup);
        if (dup) {
            free(u->name);
            free(u);
        } else
            HASH_ADD_KEYPTR(hh, *out, u->name, strlen(u->name), u);
    }
    json_object_put(list);
    return 0;
}

/* ---- pods of the target ---- */

typedef struct target_pods {
    const char *ns;
    mk_selector *sel;
    json_object *pods; /* deep copies */
} target_pods;

static int collect_pod(void *ctx, json_object *pod)
{
    target_pods *t = ctx;
    if (strcmp(mk_json_str(pod, "metadata.namespace") ?: "", t->ns) != 0 ||
        !selector_match_labels(t->sel, mk_json_path(pod, "metadata.labels")))
        return 0;
    json_object *copy = NULL;
    json_object_deep_copy(pod, &copy, NULL);
    json_object_array_add(t->pods, copy);
    return 0;
}

/* groupPods, as Kubernetes (without its cpu initialization period: a
 * not-ready pod's cpu does not count). */
static hpa_pod_state classify(json_object *pod, const pod_usage *u, bool cpu)
{
    const char *phase = mk_json_str(pod, "status.phase") ?: "Pending";
    if (mk_json_path(pod, "metadata.deletionTimestamp") || !strcmp(phase, "Failed"))
        return HPA_POD_IGNORED;
    if (!strcmp(phase, "Pending"))
        return HPA_POD_UNREADY;
    if (!u)
        return HPA_POD_MISSING;
    if (cpu && !replicaset_pod_ready(pod))
        return HPA_POD_UNREADY;
    return HPA_POD_READY;
}

/* ---- one metric ---- */

typedef struct metric_result {
    bool valid;
    int32_t replicas;
    json_object *status; /* currentMetrics entry */
    char error[256];
} metric_result;

static void fmt_value(const char *res, int64_t milli, char *buf, size_t n)
{
    if (!strcmp(res, "cpu"))
        quantity_format_milli(milli, buf, n);
    else if (milli % 1000 == 0)
        quantity_format_bytes(milli / 1000, buf, n);
    else
        snprintf(buf, n, "%lldm", (long long)milli);
}

static void compute_metric(json_object *spec, json_object *pods, pod_usage *usage,
                           int32_t current, metric_result *r)
{
    *r = (metric_result){0};
    const char *type = mk_json_str(spec, "type") ?: "";
    if (strcmp(type, "Resource") != 0) {
        snprintf(r->error, sizeof r->error, "metric type %s is not supported (only Resource)",
                 type);
        return;
    }
    const char *res = mk_json_str(spec, "resource.name") ?: "";
    bool cpu = !strcmp(res, "cpu");
    if (!cpu && strcmp(res, "memory") != 0) {
        snprintf(r->error, sizeof r->error, "resource %s is not supported (cpu or memory)",
                 res);
        return;
    }
    const char *ttype = mk_json_str(spec, "resource.target.type") ?: "";
    size_t n = json_object_array_length(pods);
    _cleanup_free_ hpa_pod_sample *s = xcalloc(n ? n : 1, sizeof(*s));
    for (size_t i = 0; i < n; i++) {
        json_object *pod = json_object_array_get_idx(pods, i);
        pod_usage *u = NULL;
        const char *name = mk_json_str(pod, "metadata.name") ?: "";
        HASH_FIND_STR(usage, name, u);
        s[i].state = classify(pod, u, cpu);
        s[i].usage = u ? (cpu ? u->cpu : u->memory) : 0;
        s[i].request = hpa_pod_request(pod, res);
    }
    mk_err err = {0};
    int32_t util = 0;
    int64_t avg = 0;
    int rc;
    json_object *cur = json_object_new_object();
    if (!strcmp(ttype, "Utilization")) {
        int32_t target = (int32_t)mk_json_int(spec, "resource.target.averageUtilization", 0);
        rc = hpa_replicas_utilization(current, s, n, target, &r->replicas, &util, &avg, &err);
        if (rc == 0)
            json_object_object_add(cur, "averageUtilization", json_object_new_int(util));
    } else if (!strcmp(ttype, "AverageValue")) {
        int64_t target =
            quantity_parse_milli(mk_json_str(spec, "resource.target.averageValue"));
        rc = hpa_replicas_average(current, s, n, target, &r->replicas, &avg, &err);
    } else
        rc = mk_error(&err, EINVAL, "target type \"%s\" is not Utilization or AverageValue",
                      ttype);
    if (rc < 0) {
        snprintf(r->error, sizeof r->error, "failed to get %s utilization: %.160s", res,
                 err.msg);
        json_object_put(cur);
        return;
    }
    char buf[64];
    fmt_value(res, avg, buf, sizeof buf);
    json_object_object_add(cur, "averageValue", json_object_new_string(buf));
    r->status = json_object_new_object();
    json_object_object_add(r->status, "type", json_object_new_string("Resource"));
    json_object *ro = json_object_new_object();
    json_object_object_add(ro, "name", json_object_new_string(res));
    json_object_object_add(ro, "current", cur);
    json_object_object_add(r->status, "resource", ro);
    r->valid = true;
}

/* ---- status ---- */

typedef struct condition {
    const char *type, *status, *reason;
    char message[300];
} condition;

static json_object *conditions_json(json_object *old, const condition *cs, size_t n)
{
    char now[32];
    mk_rfc3339(now, sizeof now, mk_wall_ms() / 1000);
    json_object *arr = json_object_new_array();
    json_object *prev = mk_json_path(old, "status.conditions");
    for (size_t i = 0; i < n; i++) {
        if (!cs[i].type)
            continue;
        const char *since = now;
        for (size_t j = 0; prev && j < json_object_array_length(prev); j++) {
            json_object *p = json_object_array_get_idx(prev, j);
            if (!strcmp(mk_json_str(p, "type") ?: "", cs[i].type) &&
                !strcmp(mk_json_str(p, "status") ?: "", cs[i].status))
                since = mk_json_str(p, "lastTransitionTime") ?: now;
        }
        json_object *o = json_object_new_object();
        json_object_object_add(o, "type", json_object_new_string(cs[i].type));
        json_object_object_add(o, "status", json_object_new_string(cs[i].status));
        json_object_object_add(o, "lastTransitionTime", json_object_new_string(since));
        json_object_object_add(o, "reason", json_object_new_string(cs[i].reason));
        json_object_object_add(o, "message", json_object_new_string(cs[i].message));
        json_object_array_add(arr, o);
    }
    return arr;
}

enum { COND_ABLE, COND_ACTIVE, COND_LIMITED, NCOND };

static void set_cond(condition *cs, int which, const char *status, const char *reason,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void set_cond(condition *cs, int which, const char *status, const char *reason,
                     const char *fmt, ...)
{
    static const char *const types[] = {"AbleToScale", "ScalingActive", "ScalingLimited"};
    cs[which].type = types[which];
    cs[which].status = status;
    cs[which].reason = reason;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cs[which].message, sizeof cs[which].message, fmt, ap);
    va_end(ap);
}

static int write_status(hpactl *c, json_object *hpa, int32_t current, int32_t desired,
                        json_object *metrics, bool scaled, const condition *cs, mk_err *err)
{
    json_object *st = json_object_new_object();
    json_object_object_add(st, "observedGeneration",
                           json_object_new_int64(mk_json_int(hpa, "metadata.generation", 1)));
    json_object_object_add(st, "currentReplicas", json_object_new_int(current));
    json_object_object_add(st, "desiredReplicas", json_object_new_int(desired));
    json_object_object_add(st, "currentMetrics", metrics ? json_object_get(metrics) : NULL);
    if (scaled) {
        char now[32];
        mk_rfc3339(now, sizeof now, mk_wall_ms() / 1000);
        json_object_object_add(st, "lastScaleTime", json_object_new_string(now));
    }
    json_object_object_add(st, "conditions", conditions_json(hpa, cs, NCOND));
    /* As Kubernetes: no write when nothing changed (every sync would
     * otherwise wake every watcher of HPAs). */
    json_object *old = mk_json_path(hpa, "status"), *merged = NULL;
    if (old && json_object_is_type(old, json_type_object)) {
        json_object_deep_copy(old, &merged, NULL);
        mk_json_merge_patch(merged, st);
        bool same = json_object_equal(old, merged);
        json_object_put(merged);
        if (same) {
            json_object_put(st);
            return 0;
        }
    }
    json_object *patch = json_object_new_object();
    json_object_object_add(patch, "status", st);
    int rc =
        client_patch(manager_client(c->m), kind_by_kind("HorizontalPodAutoscaler"),
                     mk_json_str(hpa, "metadata.namespace"), mk_json_str(hpa, "metadata.name"),
                     "status", json_object_to_json_string(patch), NULL, err);
    json_object_put(patch);
    return rc == -ENOENT ? 0 : rc;
}

/* ---- one sync ---- */

static hpa_state *state_of(hpactl *c, const char *key)
{
    hpa_state *s;
    HASH_FIND_STR(c->states, key, s);
    if (!s) {
        s = xcalloc(1, sizeof(*s));
        s->key = xstrdup(key);
        HASH_ADD_KEYPTR(hh, c->states, s->key, strlen(s->key), s);
    }
    return s;
}

static void state_drop(hpactl *c, const char *key)
{
    hpa_state *s;
    HASH_FIND_STR(c->states, key, s);
    if (s) {
        HASH_DEL(c->states, s);
        hpa_history_free(&s->h);
        free(s->key);
        free(s);
    }
}

/* computeReplicasForMetrics: the largest valid proposal; -1 when none. */
static int32_t metrics_replicas(hpactl *c, json_object *hpa, json_object *rs, int32_t current,
                                json_object *statuses, char *why, size_t whyn, char *which,
                                size_t whichn)
{
    const char *ns = mk_json_str(hpa, "metadata.namespace") ?: "default";
    json_object *specs = mk_json_path(hpa, "spec.metrics");
    size_t n = mk_json_array_len(specs);
    json_object *fallback = NULL;
    if (n == 0) { /* Kubernetes' default: 80% cpu */
        fallback = json_tokener_parse("[{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\","
                                      "\"target\":{\"type\":\"Utilization\","
                                      "\"averageUtilization\":80}}}]");
        specs = fallback;
        n = 1;
    }
    target_pods t = {.ns = ns, .pods = json_object_new_array()};
    mk_err err = {0};
    pod_usage *usage = NULL;
    int32_t best = -1;
    size_t invalid = 0;
    if (selector_from_object(mk_json_path(rs, "spec.selector"), &t.sel, &err) < 0) {
        snprintf(why, whyn, "InvalidSelector|%.200s", err.msg);
        goto out;
    }
    informer_foreach(c->pods, collect_pod, &t);
    if (fetch_usage(c, ns, &usage, &err) < 0) {
        snprintf(why, whyn, "FailedGetResourceMetric|unable to get metrics: %.200s", err.msg);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        json_object *spec = json_object_array_get_idx(specs, i);
        metric_result r;
        compute_metric(spec, t.pods, usage, current, &r);
        if (!r.valid) {
            invalid++;
            snprintf(why, whyn, "FailedGetResourceMetric|%s", r.error);
            continue;
        }
        json_object_array_add(statuses, r.status);
        if (r.replicas > best) {
            best = r.replicas;
            snprintf(which, whichn, "%s resource %s",
                     mk_json_str(spec, "resource.target.type") ?: "",
                     mk_json_str(spec, "resource.name") ?: "");
        }
    }
    /* As Kubernetes: all invalid, or some invalid and the rest would scale
     * down, means no decision. */
    if (invalid >= n || (invalid > 0 && best < current))
        best = -1;
out:
    usage_free(&usage);
    selector_free(t.sel);
    json_object_put(t.pods);
    json_object_put(fallback);
    return best;
}

/* The target: a ReplicaSet, Deployment or StatefulSet (they have
 * spec.replicas and spec.selector, which is all the autoscaler reads of
 * them). */
static json_object *target_of(hpactl *c, const char *ns, const char *kind, const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(target_kinds); i++)
        if (strcmp(kind, target_kinds[i]) == 0)
            return informer_get(c->targets[i], ns, name);
    return NULL;
}

static int scale_to(hpactl *c, json_object *rs, int32_t replicas, mk_err *err)
{
    _cleanup_free_ char *patch = xasprintf("{\"spec\":{\"replicas\":%d}}", replicas);
    return client_patch(manager_client(c->m),
                        kind_by_kind(mk_json_str(rs, "kind") ?: "ReplicaSet"),
                        mk_json_str(rs, "metadata.namespace"), mk_json_str(rs, "metadata.name"),
                        NULL, patch, NULL, err);
}

static int sync_hpa(hpactl *c, const char *key, mk_err *err)
{
    _cleanup_free_ char *ns = xstrdup(key);
    char *name = strchr(ns, '/');
    if (!name)
        return 0;
    *name++ = '\0';
    json_object *hpa = informer_get(c->hpas, ns, name);
    if (!hpa) {
        state_drop(c, key);
        return 1; /* gone: no more periodic syncs */
    }
    condition cs[NCOND] = {0};
    char why[300] = "", which[128] = ""; /* cs[].reason may point into why */
    json_object *statuses = json_object_new_array();
    int32_t min = (int32_t)mk_json_int(hpa, "spec.minReplicas", 1);
    int32_t max = (int32_t)mk_json_int(hpa, "spec.maxReplicas", 1);
    const char *tkind = mk_json_str(hpa, "spec.scaleTargetRef.kind") ?: "";
    const char *tname = mk_json_str(hpa, "spec.scaleTargetRef.name") ?: "";
    json_object *rs = target_of(c, ns, tkind, tname);
    int32_t current = 0, desired = 0;
    bool scaled = false;
    hpa_behavior b;
    mk_err berr = {0};
    if (!rs) {
        set_cond(cs, COND_ABLE, "False", "FailedGetScale",
                 "the HPA controller was unable to get the target's current scale: %s %s/%s %s",
                 tkind, ns, tname,
                 strcmp(tkind, "ReplicaSet") && strcmp(tkind, "Deployment") &&
                         strcmp(tkind, "StatefulSet")
                     ? "is not a ReplicaSet, Deployment or StatefulSet"
                     : "not found");
        current = (int32_t)mk_json_int(hpa, "status.currentReplicas", 0);
        desired = current;
        goto status;
    }
    current = (int32_t)mk_json_int(rs, "spec.replicas", 1);
    desired = current;
    set_cond(cs, COND_ABLE, "True", "SucceededGetScale",
             "the HPA controller was able to get the target's current scale");
    if (hpa_behavior_parse(mk_json_path(hpa, "spec.behavior"), &b, &berr) < 0) {
        set_cond(cs, COND_ACTIVE, "False", "InvalidBehavior", "%s", berr.msg);
        goto status;
    }
    hpa_state *st = state_of(c, key);
    int64_t now = mk_wall_ms();
    if (!st->h.nrecs) { /* recordInitialRecommendation */
        st->h.recs = xcalloc(1, sizeof(*st->h.recs));
        st->h.recs[0] = (hpa_rec){now, current};
        st->h.nrecs = 1;
    }
    bool rescale = false;
    if (current == 0 && min != 0) {
        set_cond(cs, COND_ACTIVE, "False", "ScalingDisabled",
                 "scaling is disabled since the replica count of the target is zero");
    } else if (current > max) {
        desired = max;
        rescale = true;
        set_cond(cs, COND_LIMITED, "True", "TooManyReplicas",
                 "the desired replica count is more than the maximum replica count");
    } else if (current < min) {
        desired = min;
        rescale = true;
        set_cond(cs, COND_LIMITED, "True", "TooFewReplicas",
                 "the desired replica count is less than the minimum replica count");
    } else {
        int32_t proposed = metrics_replicas(c, hpa, rs, current, statuses, why, sizeof why,
                                            which, sizeof which);
        if (proposed < 0) {
            char *bar = strchr(why, '|');
            if (bar)
                *bar = '\0';
            set_cond(cs, COND_ACTIVE, "False", why[0] ? why : "FailedGetResourceMetric",
                     "the HPA was unable to compute the replica count: %s",
                     bar ? bar + 1 : "no metrics");
            set_cond(cs, COND_ABLE, "True", "SucceededGetScale",
                     "the HPA controller was able to get the target's current scale");
            goto status;
        }
        set_cond(cs, COND_ACTIVE, "True", "ValidMetricFound",
                 "the HPA was able to successfully calculate a replica count from %s", which);
        hpa_decision d;
        hpa_normalize(&st->h, &b, now, current, proposed, min, max, &d);
        desired = d.desired;
        set_cond(cs, COND_ABLE, "True", d.able_reason, "%s", d.able_message);
        set_cond(cs, COND_LIMITED, d.limited ? "True" : "False", d.limited_reason, "%s",
                 d.limited_message);
        rescale = desired != current;
    }
    if (rescale) {
        mk_err serr = {0};
        if (scale_to(c, rs, desired, &serr) < 0) {
            set_cond(cs, COND_ABLE, "False", "FailedUpdateScale",
                     "the HPA controller was unable to update the target scale: %s", serr.msg);
            desired = current;
        } else {
            hpa_record_scale(&st->h, &b, now, current, desired);
            set_cond(cs, COND_ABLE, "True", "SucceededRescale",
                     "the HPA controller was able to update the target scale to %d", desired);
            mk_log("hpa: %s: scaled %s %s from %d to %d", key, tkind, tname, current, desired);
            mk_obj_ref ref = recorder_ref(hpa);
            /* Kubernetes' words: "New size: 3; reason: cpu resource utilization
             * (percentage of request) above target". */
            recorder_event(
                manager_recorder(c->m), &ref, "Normal", "SuccessfulRescale",
                "New size: %d; reason: %s", desired,
                which[0] ? (desired > current ? "metrics above target" : "metrics below target")
                : desired > current ? "below the minimum replica count"
                                    : "above the maximum replica count");
            scaled = true;
        }
    }
status:;
    int rc = write_status(c, hpa, current, desired, statuses, scaled, cs, err);
    json_object_put(statuses);
    json_object_put(rs);
    json_object_put(hpa);
    return rc;
}

static void *worker(void *arg)
{
    hpactl *c = arg;
    if (!manager_wait_synced(c->m))
        return NULL;
    char *key;
    while (workqueue_get(c->q, &key)) {
        mk_err err = {0};
        int rc = sync_hpa(c, key, &err);
        if (rc < 0)
            mk_log("hpa: %s: %s", key, err.msg);
        if (rc <= 0) /* periodic, as Kubernetes' resync */
            workqueue_add_after(c->q, key, rc < 0 ? HPA_RETRY_MS : c->period_ms);
        workqueue_done(c->q, key);
        free(key);
    }
    return NULL;
}

static void hpa_stop(void *state)
{
    hpactl *c = state;
    workqueue_close(c->q, &c->worker, c->started ? 1 : 0);
    hpa_state *s, *tmp;
    HASH_ITER(hh, c->states, s, tmp)
    {
        HASH_DEL(c->states, s);
        hpa_history_free(&s->h);
        free(s->key);
        free(s);
    }
    free(c);
}

static int hpa_start(manager *m, void **state, mk_err *err)
{
    hpactl *c = xcalloc(1, sizeof(*c));
    c->m = m;
    c->q = workqueue_new();
    int period = manager_cfg(m)->hpa_sync_period_s;
    c->period_ms = (period > 0 ? period : 15) * 1000;
    mk_informer_handlers h = {.on_add = on_add, .on_update = on_update};
    c->hpas = manager_informer(m, kind_by_kind("HorizontalPodAutoscaler"), &h, c);
    for (size_t i = 0; i < ARRAY_SIZE(target_kinds); i++)
        c->targets[i] = manager_informer(m, kind_by_kind(target_kinds[i]), NULL, NULL);
    c->pods = manager_informer(m, kind_by_kind("Pod"), NULL, NULL);
    if (pthread_create(&c->worker, NULL, worker, c) != 0) {
        hpa_stop(c);
        return mk_error(err, EAGAIN, "cannot start a thread");
    }
    c->started = true;
    *state = c;
    return 0;
}

const mk_controller hpa_controller = {
    .name = "hpa",
    .start = hpa_start,
    .stop = hpa_stop,
};
