/* eviction.c - pods/{name}/eviction: a delete that asks first.
 *
 * As Kubernetes' eviction subresource: a pod that is not running (Pending,
 * Succeeded, Failed) or already being deleted goes at once; otherwise the
 * one PodDisruptionBudget whose selector covers it must allow a disruption.
 * Allowing one is taking one: status.disruptionsAllowed goes down and the
 * pod is listed in status.disruptedPods (the disruption controller then
 * does not count it as healthy while it goes), in one conditional write of
 * the budget, so two evictions never spend the same disruption. No
 * disruption left: 429 TooManyRequests, which kubectl drain retries.
 * An evicted pod is marked DisruptionTarget before it is deleted, so that
 * it (and whoever watches it) can tell an eviction from a failure.
 */
#include <stdio.h>
#include <string.h>

#include "store/codec.h"
#include "store/selector.h"
#include "store/server/objects.h"
#include "store/server/watch.h"
#include "store/util.h"

#define EVICT_RETRIES 8
#define EVICT_REFUSED "Cannot evict pod as it would violate the pod's disruption budget."

/* The budgets of the pod's namespace that select it: how many, and the
 * first with its revision (one is all an eviction works with). */
typedef struct pdb_match {
    json_object *labels;
    size_t n;
    json_object *pdb;
    int64_t rev;
} pdb_match;

static int match_pdb(void *ctx, const mk_kv *kv)
{
    pdb_match *m = ctx;
    json_object *pdb = json_tokener_parse(kv->value);
    if (selector_object_selects(mk_json_path(pdb, "spec.selector"), m->labels) && m->n++ == 0) {
        m->pdb = steal_pointer(&pdb);
        m->rev = kv->rev;
    }
    json_object_put(pdb);
    return 0;
}

/* Pending, finished or already going: it disrupts nothing that is not
 * disrupted already. */
static bool ignores_budgets(json_object *pod)
{
    const char *phase = mk_json_str(pod, "status.phase") ?: "Pending";
    return !strcmp(phase, "Pending") || !strcmp(phase, "Succeeded") ||
           !strcmp(phase, "Failed") || mk_json_str(pod, "metadata.deletionTimestamp");
}

/* The 429 of a budget that allows no disruption now. */
static int refuse(mk_err *err, json_object **cause, const char *why)
{
    *cause = json_object_new_string(why);
    return mk_error(err, EAGAIN, EVICT_REFUSED);
}

/* Take one disruption from the budget: a write conditional on the revision
 * read. -ESTALE: it changed meanwhile (read again); -EAGAIN with *cause:
 * none to take. */
static int take_disruption(api_req *r, json_object *pdb, int64_t rev, const char *pod,
                           json_object **cause, mk_err *err)
{
    const char *name = mk_json_str(pdb, "metadata.name") ?: "";
    char why[256];
    if (mk_json_int(pdb, "status.observedGeneration", 0) <
        mk_json_int(pdb, "metadata.generation", 1)) {
        snprintf(why, sizeof why,
                 "The disruption budget %s is still being processed by the server.", name);
        return refuse(err, cause, why);
    }
    int64_t allowed = mk_json_int(pdb, "status.disruptionsAllowed", 0);
    if (allowed <= 0) {
        snprintf(why, sizeof why,
                 "The disruption budget %s needs %lld healthy pods and has %lld currently",
                 name, (long long)mk_json_int(pdb, "status.desiredHealthy", 0),
                 (long long)mk_json_int(pdb, "status.currentHealthy", 0));
        return refuse(err, cause, why);
    }
    json_object *prev = hub_view_of(pdb);
    json_object *st = mk_json_ensure(pdb, "status");
    json_object_object_add(st, "disruptionsAllowed", json_object_new_int64(allowed - 1));
    char ts[32];
    objects_now(ts, sizeof ts);
    json_object *disrupted = mk_json_ensure(st, "disruptedPods");
    json_object_object_add(disrupted, pod, json_object_new_string(ts));
    const mk_kind *k = kind_by_kind("PodDisruptionBudget");
    _cleanup_free_ char *key = kind_key(k, mk_json_str(pdb, "metadata.namespace"), name);
    mk_write w = {
        .op = MK_WRITE_UPDATE, .key = key, .obj = pdb, .prev = prev, .expect_rev = rev};
    int64_t new_rev;
    int rc = objects_write(r, &w, &new_rev, err);
    json_object_put(prev);
    return rc;
}

/* May the pod go? 0: yes; -ESTALE: read everything again; else the error. */
static int evict_check(api_req *r, const api_route *rt, json_object *pod, json_object **cause,
                       mk_err *err)
{
    if (ignores_budgets(pod))
        return 0;
    pdb_match m = {.labels = mk_json_path(pod, "metadata.labels")};
    const mk_kind *k = kind_by_kind("PodDisruptionBudget");
    _cleanup_free_ char *prefix = kind_prefix(k, rt->ns);
    int64_t list_rev;
    int rc = backend_list(r->srv->be, prefix, match_pdb, &m, &list_rev, err);
    if (rc == 0 && m.n > 1)
        rc = mk_error(err, EIO,
                      "This pod has more than one PodDisruptionBudget, which the eviction "
                      "subresource does not support.");
    if (rc == 0 && m.n == 1) {
        json_object *pdb = m.pdb;
        /* An unready pod counts for nothing: it may go while the budget
         * has the healthy pods it wants (or its policy lets it go always). */
        bool unready = !mk_condition_true(pod, "Ready");
        const char *policy = mk_json_str(pdb, "spec.unhealthyPodEvictionPolicy") ?: "";
        int64_t desired = mk_json_int(pdb, "status.desiredHealthy", 0);
        if (unready &&
            (!strcmp(policy, "AlwaysAllow") ||
             (desired > 0 && mk_json_int(pdb, "status.currentHealthy", 0) >= desired)))
            rc = 0;
        else
            rc = take_disruption(r, pdb, m.rev, rt->name, cause, err);
    }
    json_object_put(m.pdb);
    return rc;
}

/* One try at the condition; *retry when the pod changed in between. */
static int mark_once(api_req *r, const api_route *rt, bool *retry, mk_err *err)
{
    json_object *pod;
    int64_t rev;
    *retry = false;
    if (objects_load(r->srv, rt->kind, rt->ns, rt->name, &pod, &rev, err) < 0)
        return -err->code;
    json_object *st = mk_json_ensure(pod, "status");
    if (!json_object_is_type(st, json_type_object)) {
        json_object_put(pod);
        return 0;
    }
    json_object *prev = hub_view_of(pod); /* what the sink compares, as binding.c */
    char ts[32];
    objects_now(ts, sizeof ts);
    json_object *c = mk_condition_new("DisruptionTarget", "True", ts, "EvictionByEvictionAPI",
                                      "Eviction API: evicting");
    json_object_object_add(st, "conditions",
                           mk_conditions_with(mk_json_path(st, "conditions"), c));
    int rc = objects_write_back(r, rt, pod, prev, rev, err);
    json_object_put(pod);
    json_object_put(prev);
    *retry = rc == -ESTALE;
    return rc;
}

/* The condition Kubernetes' eviction puts on the pod before deleting it
 * (reason EvictionByEvictionAPI); a dry run writes nothing. */
static int mark_evicted(api_req *r, const api_route *rt, mk_err *err)
{
    if (r->dry_run)
        return 0;
    int rc = 0;
    for (int i = 0; i < EVICT_RETRIES; i++) {
        bool retry;
        *err = (mk_err){0};
        if ((rc = mark_once(r, rt, &retry, err)) == 0 || !retry)
            break;
    }
    return rc;
}

static int check_body(api_req *r, const api_route *rt, json_object **options, mk_err *err)
{
    *options = NULL;
    if (!r->body.len)
        return 0;
    json_object *b = NULL;
    if (objects_decode_body(r, &b, err) < 0)
        return -err->code;
    const char *kind = mk_json_str(b, "kind");
    const char *name = mk_json_str(b, "metadata.name");
    int rc = 0;
    if (kind && strcmp(kind, "Eviction") != 0)
        rc = mk_error(err, EBADMSG, "kind: expected Eviction, got %s", kind);
    else if (name && strcmp(name, rt->name) != 0)
        rc = mk_error(err, EBADMSG, "name in URL does not match name in Eviction object");
    else if ((*options = mk_json_path(b, "deleteOptions"))) {
        json_object_get(*options);
        rc = objects_dry_run_of(r, *options, err); /* before the budget is spent */
    }
    json_object_put(b);
    return rc;
}

enum MHD_Result objects_evict(api_req *r, const api_route *rt)
{
    mk_err err = {0};
    if (strcmp(rt->kind->kind, "Pod") != 0 || !rt->name[0])
        return api_fail(r, ENOENT, "the server could not find the requested resource");
    json_object *options = NULL, *cause = NULL;
    int rc = check_body(r, rt, &options, &err);
    for (int i = 0; rc == 0 && i < EVICT_RETRIES; i++) {
        json_object *pod = NULL;
        int64_t rev;
        if ((rc = objects_load(r->srv, rt->kind, rt->ns, rt->name, &pod, &rev, &err)) < 0)
            break;
        rc = evict_check(r, rt, pod, &cause, &err);
        json_object_put(pod);
        if (rc != -ESTALE)
            break;
        err = (mk_err){0};
        rc = i + 1 < EVICT_RETRIES ? 0 : mk_error(&err, EAGAIN, EVICT_REFUSED);
    }
    if (rc == 0)
        rc = mark_evicted(r, rt, &err);
    if (rc == 0)
        rc = objects_delete_with(r, rt, options, NULL, &err);
    json_object_put(options);
    if (rc < 0 && cause) {
        json_object *st = status_new(429, "TooManyRequests", err.msg, rt->kind, rt->name);
        json_object *c = json_object_new_object();
        json_object_object_add(c, "reason", json_object_new_string("DisruptionBudget"));
        json_object_object_add(c, "message", cause);
        json_object *causes = json_object_new_array();
        json_object_array_add(causes, c);
        json_object_object_add(mk_json_ensure(st, "details"), "causes", causes);
        enum MHD_Result ret = api_reply_json(r, 429, st);
        json_object_put(st);
        return ret;
    }
    json_object_put(cause);
    if (rc < 0)
        return api_reply_err(r, &err, rt->kind, rt->name);
    _cleanup_free_ char *st = status_json(201, NULL, NULL, NULL, NULL);
    return api_reply_text(r, 201, "application/json", st, strlen(st));
}
