#include "controllers/pdbstatus.h"

#include <string.h>

#include "controllers/deployment.h"
#include "store/codec.h"
#include "store/util.h"

static bool is_percent(json_object *v)
{
    return v && json_object_is_type(v, json_type_string);
}

bool pdb_needs_scale(json_object *pdb)
{
    return mk_json_path(pdb, "spec.maxUnavailable") ||
           is_percent(mk_json_path(pdb, "spec.minAvailable"));
}

static json_object *pod_named(json_object *pods, const char *name)
{
    for (size_t i = 0; i < json_object_array_length(pods); i++) {
        json_object *p = json_object_array_get_idx(pods, i);
        if (!strcmp(mk_json_str(p, "metadata.name") ?: "", name))
            return p;
    }
    return NULL;
}

/* The entries of disruptedPods still pending: the pod is there, not being
 * deleted, and was evicted less than the timeout ago. */
static json_object *pending_disruptions(json_object *pdb, json_object *pods, int64_t now,
                                        int64_t *recheck_s)
{
    json_object *out = json_object_new_object();
    json_object *in = mk_json_path(pdb, "status.disruptedPods");
    if (!json_object_is_type(in, json_type_object))
        return out;
    json_object_object_foreach(in, name, when)
    {
        json_object *pod = pod_named(pods, name);
        int64_t t = mk_parse_rfc3339(json_object_get_string(when));
        int64_t left = t < 0 ? 0 : t + PDB_DISRUPTED_TIMEOUT_S - now;
        if (!pod || mk_json_str(pod, "metadata.deletionTimestamp") || left <= 0)
            continue;
        json_object_object_add(out, name, json_object_get(when));
        if (*recheck_s == 0 || left < *recheck_s)
            *recheck_s = left;
    }
    return out;
}

static int64_t desired_healthy(json_object *pdb, int64_t expected)
{
    json_object *max = mk_json_path(pdb, "spec.maxUnavailable");
    json_object *min = mk_json_path(pdb, "spec.minAvailable");
    if (max) {
        int64_t d = expected - deployment_intstr(max, (int)expected, true);
        return d < 0 ? 0 : d;
    }
    if (min)
        return deployment_intstr(min, (int)expected, true);
    return 0;
}

/* The one condition, DisruptionAllowed, in metav1.Condition's shape; its
 * transition time moves only when its status does. */
static void set_condition(json_object *st, bool allowed, const char *reason, const char *msg,
                          json_object *pdb, int64_t now)
{
    const char *status = allowed ? "True" : "False";
    json_object *old = mk_condition(pdb, "DisruptionAllowed");
    const char *since = !strcmp(mk_json_str(old, "status") ?: "", status)
                            ? mk_json_str(old, "lastTransitionTime")
                            : NULL;
    char ts[32];
    mk_rfc3339(ts, sizeof ts, now);
    json_object *c = json_object_new_object();
    json_object_object_add(c, "type", json_object_new_string("DisruptionAllowed"));
    json_object_object_add(c, "status", json_object_new_string(status));
    json_object_object_add(c, "observedGeneration",
                           json_object_new_int64(mk_json_int(pdb, "metadata.generation", 1)));
    json_object_object_add(c, "lastTransitionTime", json_object_new_string(since ?: ts));
    json_object_object_add(c, "reason", json_object_new_string(reason));
    json_object_object_add(c, "message", json_object_new_string(msg ?: ""));
    json_object *conds = json_object_new_array();
    json_object_array_add(conds, c);
    json_object_object_add(st, "conditions", conds);
}

json_object *pdb_status(json_object *pdb, json_object *pods, int64_t scale, const char *why,
                        int64_t now, int64_t *recheck_s)
{
    *recheck_s = 0;
    json_object *st = json_object_new_object();
    json_object *disrupted = pending_disruptions(pdb, pods, now, recheck_s);
    int64_t healthy = 0;
    for (size_t i = 0; i < json_object_array_length(pods); i++) {
        json_object *p = json_object_array_get_idx(pods, i);
        if (mk_condition_true(p, "Ready") && !mk_json_str(p, "metadata.deletionTimestamp") &&
            !json_object_object_get_ex(disrupted, mk_json_str(p, "metadata.name") ?: "", NULL))
            healthy++;
    }
    bool by_scale = pdb_needs_scale(pdb);
    int64_t expected = by_scale ? scale : (int64_t)json_object_array_length(pods);
    int64_t desired = expected < 0 ? 0 : desired_healthy(pdb, expected);
    int64_t allowed = healthy - desired;
    if (expected <= 0 || allowed < 0)
        allowed = 0;
    json_object_object_add(st, "observedGeneration",
                           json_object_new_int64(mk_json_int(pdb, "metadata.generation", 1)));
    json_object_object_add(st, "disruptedPods", disrupted);
    json_object_object_add(st, "disruptionsAllowed", json_object_new_int64(allowed));
    json_object_object_add(st, "currentHealthy", json_object_new_int64(healthy));
    json_object_object_add(st, "desiredHealthy", json_object_new_int64(desired));
    json_object_object_add(st, "expectedPods",
                           json_object_new_int64(expected < 0 ? 0 : expected));
    if (expected < 0)
        set_condition(st, false, "SyncFailed", why ?: "cannot tell the expected pods", pdb,
                      now);
    else if (allowed > 0)
        set_condition(st, true, "SufficientPods", NULL, pdb, now);
    else
        set_condition(st, false, "InsufficientPods", NULL, pdb, now);
    return st;
}
