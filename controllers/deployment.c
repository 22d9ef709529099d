/* deployment.c - the Deployment controller (see deployment.h). */
#include "controllers/deployment.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controllers/controllers.h"
#include "controllers/objkey.h"
#include "controllers/replicaset.h"
#include "controllers/workqueue.h"
#include "store/codec.h"
#include "store/defaults.h"
#include "store/log.h"
#include "store/util.h"

#define DEPLOY_RETRY_MS 2000
#define DEPLOY_WAIT_MS  500 /* a new ReplicaSet, or old pods going (Recreate) */
#define HASH_LABEL      "pod-template-hash"
#define REVISION        "deployment.kubernetes.io/revision"

/* ---- the rules ---- */

int deployment_intstr(json_object *v, int replicas, bool round_up)
{
    if (!v)
        return (replicas * 25 + (round_up ? 99 : 0)) / 100;
    if (json_object_is_type(v, json_type_int))
        return json_object_get_int(v);
    const char *s = json_object_get_string(v);
    char *end = NULL;
    long pct = s ? strtol(s, &end, 10) : 0;
    if (!end || *end != '%')
        return (int)pct;
    return (int)((replicas * pct + (round_up ? 99 : 0)) / 100);
}

static int by_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* JSON with every object's keys sorted: the same text for the same value. */
static void canonical(json_object *v, mk_buf *b)
{
    if (json_object_is_type(v, json_type_array)) {
        mk_buf_puts(b, "[");
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            if (i)
                mk_buf_puts(b, ",");
            canonical(json_object_array_get_idx(v, i), b);
        }
        mk_buf_puts(b, "]");
        return;
    }
    if (!json_object_is_type(v, json_type_object)) {
        mk_buf_puts(b, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
        return;
    }
    size_t n = (size_t)json_object_object_length(v), k = 0;
    const char **keys = xcalloc(n + 1, sizeof *keys);
    json_object_object_foreach(v, key, val)
    {
        (void)val;
        keys[k++] = key;
    }
    qsort(keys, k, sizeof *keys, by_key);
    mk_buf_puts(b, "{");
    for (size_t i = 0; i < k; i++) {
        mk_buf_printf(b, "%s\"%s\":", i ? "," : "", keys[i]);
        canonical(json_object_object_get(v, keys[i]), b);
    }
    mk_buf_puts(b, "}");
    free(keys);
}

void deployment_hash(json_object *tmpl, char *out)
{
    mk_buf b = {0};
    canonical(tmpl, &b);
    uint32_t h = 2166136261u; /* FNV-1a, as Kubernetes' ComputeHash */
    for (size_t i = 0; i < b.len; i++)
        h = (h ^ (unsigned char)b.data[i]) * 16777619u;
    mk_buf_free(&b);
    /* rand.SafeEncodeString(fmt.Sprint(hash)) */
    static const char safe[] = "bcdfghjklmnpqrstvwxz2456789";
    char dec[16];
    int n = snprintf(dec, sizeof dec, "%u", h);
    for (int i = 0; i < n; i++)
        out[i] = safe[(unsigned char)dec[i] % (sizeof safe - 1)];
    out[n] = '\0';
}

int deployment_roll(int replicas, int max_surge, int max_unavailable, const deploy_rs *new_rs,
                    deploy_rs *olds, size_t nolds)
{
    int all = new_rs->replicas;
    for (size_t i = 0; i < nolds; i++)
        all += olds[i].replicas;
    /* The new ReplicaSet first, within replicas + maxSurge pods in all. */
    if (new_rs->replicas > replicas)
        return replicas;
    if (new_rs->replicas < replicas && all < replicas + max_surge) {
        int up = replicas + max_surge - all;
        int target = new_rs->replicas + up;
        return target < replicas ? target : replicas;
    }
    /* Then the old ones, keeping replicas - maxUnavailable available:
     * unavailable pods of old ReplicaSets go first, then available ones. */
    int min_available = replicas - max_unavailable;
    int new_unavailable = new_rs->replicas - new_rs->available;
    int budget = all - min_available - (new_unavailable > 0 ? new_unavailable : 0);
    for (size_t i = 0; i < nolds && budget > 0; i++) {
        int unhealthy = olds[i].replicas - olds[i].available;
        int down = unhealthy < budget ? unhealthy : budget;
        if (down > 0)
            olds[i].replicas -= down, budget -= down;
    }
    int available = new_rs->available;
    for (size_t i = 0; i < nolds; i++)
        available +=
            olds[i].available < olds[i].replicas ? olds[i].available : olds[i].replicas;
    int more = available - min_available;
    for (size_t i = 0; i < nolds && more > 0; i++) {
        int down = olds[i].replicas < more ? olds[i].replicas : more;
        olds[i].replicas -= down, more -= down;
    }
    return new_rs->replicas;
}

/* ---- the controller ---- */

typedef struct deployctl {
    manager *m;
    objkey_loop loop;
    mk_informer *deploys, *rss;
} deployctl;

/* The ReplicaSets a Deployment controls, copied out of the cache. */
typedef struct owned {
    const char *uid;
    json_object **v;
    size_t n;
} owned;

static json_object *deploy_ref(json_object *rs)
{
    return objkey_owner(rs, "Deployment");
}

static int collect(void *ctx, json_object *rs)
{
    owned *o = ctx;
    const char *uid = mk_json_str(deploy_ref(rs), "uid");
    if (!uid || strcmp(uid, o->uid) != 0)
        return 0;
    json_object *copy = NULL;
    if (json_object_deep_copy(rs, &copy, NULL) < 0)
        return 0;
    o->v = xrealloc(o->v, (o->n + 1) * sizeof *o->v);
    o->v[o->n++] = copy;
    return 0;
}

static int by_age(const void *a, const void *b)
{
    const char *x = mk_json_str(*(json_object *const *)a, "metadata.creationTimestamp") ?: "";
    const char *y = mk_json_str(*(json_object *const *)b, "metadata.creationTimestamp") ?: "";
    int c = strcmp(x, y);
    return c ? c
             : strcmp(mk_json_str(*(json_object *const *)a, "metadata.name") ?: "",
                      mk_json_str(*(json_object *const *)b, "metadata.name") ?: "");
}

static int revision_of(json_object *rs)
{
    json_object *ann = mk_json_path(rs, "metadata.annotations"), *v = NULL;
    return ann && json_object_object_get_ex(ann, REVISION, &v) ? atoi(json_object_get_string(v))
                                                               : 0;
}

static void add_label(json_object *obj, const char *path, const char *key, const char *value)
{
    json_object *m = mk_json_ensure(obj, path);
    json_object_object_add(m, key, json_object_new_string(value));
}

/* The ReplicaSet for the Deployment's current template. */
static json_object *new_rs(json_object *d, const char *hash, int revision)
{
    json_object *rs = json_object_new_object();
    json_object_object_add(rs, "apiVersion", json_object_new_string("apps/v1"));
    json_object_object_add(rs, "kind", json_object_new_string("ReplicaSet"));
    const char *name = mk_json_str(d, "metadata.name") ?: "";
    _cleanup_free_ char *rsname = xasprintf("%.*s-%s", 52, name, hash);
    mk_json_set_str(rs, "metadata.name", rsname);
    json_object *spec = NULL, *labels = NULL;
    json_object_deep_copy(mk_json_path(d, "spec"), &spec, NULL);
    json_object_object_del(spec, "strategy");
    json_object_object_del(spec, "revisionHistoryLimit");
    json_object_object_del(spec, "progressDeadlineSeconds");
    json_object_object_del(spec, "paused");
    json_object_object_add(spec, "replicas", json_object_new_int(0));
    json_object_object_add(rs, "spec", spec);
    add_label(rs, "spec.template.metadata.labels", HASH_LABEL, hash);
    add_label(rs, "spec.selector.matchLabels", HASH_LABEL, hash);
    json_object_deep_copy(mk_json_path(rs, "spec.template.metadata.labels"), &labels, NULL);
    json_object_object_add(mk_json_ensure(rs, "metadata"), "labels", labels);
    char rev[16];
    snprintf(rev, sizeof rev, "%d", revision);
    add_label(rs, "metadata.annotations", REVISION, rev);
    mk_set_owner(rs, objkey_controller_ref(d, "apps/v1", "Deployment"));
    return rs;
}

static void scale_rs(deployctl *c, json_object *d, json_object *rs, int to)
{
    int from = (int)mk_json_int(rs, "spec.replicas", 1);
    if (from == to)
        return;
    const char *ns = mk_json_str(rs, "metadata.namespace"),
               *name = mk_json_str(rs, "metadata.name");
    _cleanup_free_ char *patch = xasprintf("{\"spec\":{\"replicas\":%d}}", to);
    mk_err err = {0};
    if (client_patch(manager_client(c->m), kind_by_kind("ReplicaSet"), ns, name, NULL, patch,
                     NULL, &err) < 0) {
        mk_log("deployment: %s/%s: scale %s: %s", ns, mk_json_str(d, "metadata.name"), name,
               err.msg);
        return;
    }
    mk_obj_ref ref = recorder_ref(d);
    recorder_event(manager_recorder(c->m), &ref, "Normal", "ScalingReplicaSet",
                   "Scaled %s replica set %s from %d to %d", to > from ? "up" : "down", name,
                   from, to);
}

static int rs_int(json_object *rs, const char *path)
{
    return (int)mk_json_int(rs, path, 0);
}

/* Recreate: every old pod gone before the new ReplicaSet grows. */
static int64_t recreate(deployctl *c, json_object *d, json_object *nrs, json_object **olds,
                        size_t n, int replicas)
{
    bool old_left = false;
    for (size_t i = 0; i < n; i++) {
        scale_rs(c, d, olds[i], 0);
        old_left |=
            rs_int(olds[i], "status.replicas") > 0 || rs_int(olds[i], "spec.replicas") > 0;
    }
    if (old_left)
        return DEPLOY_WAIT_MS;
    scale_rs(c, d, nrs, replicas);
    return 0;
}

static void rolling(deployctl *c, json_object *d, json_object *nrs, json_object **olds,
                    size_t n, int replicas)
{
    json_object *ru = mk_json_path(d, "spec.strategy.rollingUpdate");
    int surge = deployment_intstr(mk_json_path(ru, "maxSurge"), replicas, true);
    int unavailable = deployment_intstr(mk_json_path(ru, "maxUnavailable"), replicas, false);
    if (surge == 0 && unavailable == 0)
        unavailable = 1;
    deploy_rs nr = {rs_int(nrs, "spec.replicas"), rs_int(nrs, "status.availableReplicas")};
    deploy_rs *o = xcalloc(n + 1, sizeof *o);
    for (size_t i = 0; i < n; i++)
        o[i] = (deploy_rs){rs_int(olds[i], "spec.replicas"),
                           rs_int(olds[i], "status.availableReplicas")};
    int target = deployment_roll(replicas, surge, unavailable, &nr, o, n);
    scale_rs(c, d, nrs, target);
    for (size_t i = 0; i < n && target == nr.replicas; i++)
        scale_rs(c, d, olds[i], o[i].replicas);
    free(o);
}

/* Old ReplicaSets at 0, oldest first, beyond revisionHistoryLimit. */
static void prune(deployctl *c, json_object *d, json_object **olds, size_t n)
{
    int keep = (int)mk_json_int(d, "spec.revisionHistoryLimit", 10);
    int idle = 0;
    for (size_t i = 0; i < n; i++)
        idle +=
            rs_int(olds[i], "spec.replicas") == 0 && rs_int(olds[i], "status.replicas") == 0;
    for (size_t i = 0; i < n && idle > keep; i++) {
        if (rs_int(olds[i], "spec.replicas") || rs_int(olds[i], "status.replicas"))
            continue;
        mk_err err = {0};
        client_delete(manager_client(c->m), kind_by_kind("ReplicaSet"),
                      mk_json_str(olds[i], "metadata.namespace"),
                      mk_json_str(olds[i], "metadata.name"), NULL, &err);
        idle--;
    }
}

static json_object *condition(const char *type, bool ok, const char *reason, const char *msg,
                              json_object *old_status, const char *now)
{
    json_object *c = json_object_new_object();
    json_object_object_add(c, "type", json_object_new_string(type));
    json_object_object_add(c, "status", json_object_new_string(ok ? "True" : "False"));
    json_object_object_add(c, "reason", json_object_new_string(reason));
    json_object_object_add(c, "message", json_object_new_string(msg));
    /* The transition time stays while the status does. */
    const char *since = now;
    json_object *conds = mk_json_path(old_status, "conditions");
    for (size_t i = 0; conds && i < json_object_array_length(conds); i++) {
        json_object *o = json_object_array_get_idx(conds, i);
        if (!strcmp(mk_json_str(o, "type") ?: "", type) &&
            !strcmp(mk_json_str(o, "status") ?: "", ok ? "True" : "False") &&
            !strcmp(mk_json_str(o, "reason") ?: "", reason))
            since = mk_json_str(o, "lastTransitionTime") ?: now;
    }
    json_object_object_add(c, "lastUpdateTime", json_object_new_string(since));
    json_object_object_add(c, "lastTransitionTime", json_object_new_string(since));
    return c;
}

const char *deployment_progress(const deploy_progress_in *in, int64_t now_s)
{
    const char *r = in->reason ? in->reason : "";
    const deploy_counts *o = &in->old, *n = &in->cur;
    if (in->paused)
        return strcmp(r, "DeploymentPaused") ? "DeploymentPaused" : NULL;
    if (strcmp(r, "DeploymentPaused") == 0)
        return "DeploymentResumed";
    if (in->created)
        return strcmp(r, "NewReplicaSetCreated") ? "NewReplicaSetCreated" : NULL;
    if (strcmp(r, "NewReplicaSetAvailable") == 0 && n->replicas == n->updated)
        return NULL; /* complete, and no rollout since: scaling is not one */
    if (n->updated == in->want && n->replicas == in->want && n->available == in->want)
        return "NewReplicaSetAvailable";
    /* Progress, as Kubernetes' DeploymentProgressing counts it. */
    if (n->updated > o->updated || n->replicas - n->updated < o->replicas - o->updated ||
        n->ready > o->ready || n->available > o->available)
        return "ReplicaSetUpdated";
    if (strcmp(r, "ProgressDeadlineExceeded") != 0 && in->last_update_s >= 0 &&
        now_s > in->last_update_s + in->deadline_s)
        return "ProgressDeadlineExceeded";
    return NULL;
}

static deploy_counts counts_of(json_object *status)
{
    return (deploy_counts){
        .replicas = (int)mk_json_int(status, "replicas", 0),
        .updated = (int)mk_json_int(status, "updatedReplicas", 0),
        .ready = (int)mk_json_int(status, "readyReplicas", 0),
        .available = (int)mk_json_int(status, "availableReplicas", 0),
    };
}

/* The status and message Kubernetes gives a Progressing reason. */
static char *progress_text(const char *reason, const char *rs, const char **status)
{
    *status = "True";
    if (!strcmp(reason, "DeploymentPaused") || !strcmp(reason, "DeploymentResumed")) {
        *status = "Unknown";
        return xstrdup(reason[10] == 'P' ? "Deployment is paused" : "Deployment is resumed");
    }
    if (!strcmp(reason, "NewReplicaSetCreated"))
        return xasprintf("Created new replica set \"%s\"", rs);
    if (!strcmp(reason, "ProgressDeadlineExceeded")) {
        *status = "False";
        return xasprintf("ReplicaSet \"%s\" has timed out progressing.", rs);
    }
    if (!strcmp(reason, "NewReplicaSetAvailable"))
        return xasprintf("ReplicaSet \"%s\" has successfully progressed.", rs);
    return xasprintf("ReplicaSet \"%s\" is progressing.", rs);
}

/* The Progressing condition for status st (see deployment_progress);
 * returns when to look again for a deadline (ms), or 0. */
static int64_t progressing(json_object *d, json_object *st, const char *rs, bool created,
                           const char *now)
{
    json_object *old = mk_condition(d, "Progressing");
    int64_t now_s = mk_parse_rfc3339(now);
    const char *last = mk_json_str(old, "lastUpdateTime");
    deploy_progress_in in = {
        .reason = mk_json_str(old, "reason"),
        .last_update_s = last ? mk_parse_rfc3339(last) : -1,
        .deadline_s = mk_json_int(d, "spec.progressDeadlineSeconds", 600),
        .want = (int)mk_json_int(d, "spec.replicas", 1),
        .old = counts_of(mk_json_path(d, "status")),
        .cur = counts_of(st),
        .paused = mk_json_bool(d, "spec.paused", false),
        .created = created,
    };
    const char *reason = deployment_progress(&in, now_s);
    json_object *conds = mk_json_path(st, "conditions");
    if (!reason) {
        if (old)
            json_object_array_add(conds, json_object_get(old));
        reason = in.reason ? in.reason : "";
    } else {
        const char *status;
        _cleanup_free_ char *msg = progress_text(reason, rs, &status);
        const char *was = mk_json_str(old, "status");
        const char *since =
            was && !strcmp(was, status) ? mk_json_str(old, "lastTransitionTime") : NULL;
        json_object *c = json_object_new_object();
        json_object_object_add(c, "type", json_object_new_string("Progressing"));
        json_object_object_add(c, "status", json_object_new_string(status));
        json_object_object_add(c, "reason", json_object_new_string(reason));
        json_object_object_add(c, "message", json_object_new_string(msg));
        json_object_object_add(c, "lastUpdateTime", json_object_new_string(now));
        json_object_object_add(c, "lastTransitionTime", json_object_new_string(since ?: now));
        json_object_array_add(conds, c);
        in.last_update_s = now_s;
    }
    /* Still rolling: look again when the deadline would pass. */
    static const char *const settled[] = {"NewReplicaSetAvailable", "ProgressDeadlineExceeded",
                                          "DeploymentPaused"};
    for (size_t i = 0; i < ARRAY_SIZE(settled); i++)
        if (strcmp(reason, settled[i]) == 0)
            return 0;
    int64_t left = in.last_update_s + in.deadline_s - now_s;
    return (left > 0 ? left : 0) * 1000 + 500;
}

/* Writes the status; returns when to look again (ms), or 0. */
static int64_t write_status(deployctl *c, json_object *d, json_object *nrs, json_object **all,
                            size_t n, int replicas, const char *created)
{
    int total = 0, ready = 0, available = 0;
    for (size_t i = 0; i < n; i++) {
        total += rs_int(all[i], "status.replicas");
        ready += rs_int(all[i], "status.readyReplicas");
        available += rs_int(all[i], "status.availableReplicas");
    }
    int updated = nrs ? rs_int(nrs, "status.replicas") : 0;
    json_object *ru = mk_json_path(d, "spec.strategy.rollingUpdate");
    int unavailable = deployment_intstr(mk_json_path(ru, "maxUnavailable"), replicas, false);
    json_object *old = mk_json_path(d, "status");
    char now[32];
    mk_rfc3339(now, sizeof now, mk_wall_ms() / 1000);
    json_object *st = json_object_new_object();
    json_object_object_add(st, "observedGeneration",
                           json_object_new_int64(mk_json_int(d, "metadata.generation", 1)));
    json_object_object_add(st, "replicas", json_object_new_int(total));
    json_object_object_add(st, "updatedReplicas", json_object_new_int(updated));
    json_object_object_add(st, "readyReplicas", json_object_new_int(ready));
    json_object_object_add(st, "availableReplicas", json_object_new_int(available));
    json_object_object_add(
        st, "unavailableReplicas",
        json_object_new_int(replicas > available ? replicas - available : 0));
    json_object *conds = json_object_new_array();
    bool avail = available >= replicas - unavailable;
    json_object_array_add(
        conds, condition("Available", avail,
                         avail ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                         avail ? "Deployment has minimum availability."
                               : "Deployment does not have minimum availability.",
                         old, now));
    json_object_object_add(st, "conditions", conds);
    const char *rs = created ? created : nrs ? mk_json_str(nrs, "metadata.name") : "";
    int64_t next = progressing(d, st, rs ?: "", created != NULL, now);
    if (old && json_object_equal(old, st)) {
        json_object_put(st);
        return next;
    }
    json_object *patch = json_object_new_object();
    json_object_object_add(patch, "status", st);
    mk_err err = {0};
    if (client_patch(manager_client(c->m), kind_by_kind("Deployment"),
                     mk_json_str(d, "metadata.namespace"), mk_json_str(d, "metadata.name"),
                     "status", json_object_to_json_string(patch), NULL, &err) < 0 &&
        err.code != ENOENT)
        mk_log("deployment: %s: status: %s", mk_json_str(d, "metadata.name"), err.msg);
    json_object_put(patch);
    return next;
}

/* A rollback to an older template takes the next revision, as in Kubernetes. */
static void bump_revision(deployctl *c, json_object *nrs, int max_rev)
{
    if (revision_of(nrs) >= max_rev)
        return;
    _cleanup_free_ char *patch =
        xasprintf("{\"metadata\":{\"annotations\":{\"" REVISION "\":\"%d\"}}}", max_rev + 1);
    mk_err err = {0};
    client_patch(manager_client(c->m), kind_by_kind("ReplicaSet"),
                 mk_json_str(nrs, "metadata.namespace"), mk_json_str(nrs, "metadata.name"),
                 NULL, patch, NULL, &err);
}

/* Drop null, {} and [] values (in place): what a Go client writes for a
 * zero value ("creationTimestamp": null, "resources": {}) means nothing. */
static void prune_empty(json_object *o)
{
    if (json_object_is_type(o, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(o); i++)
            prune_empty(json_object_array_get_idx(o, i));
        return;
    }
    if (!json_object_is_type(o, json_type_object))
        return;
    bool again = true;
    while (again) {
        again = false;
        json_object_object_foreach(o, k, v)
        {
            prune_empty(v);
            bool empty =
                !v ||
                (json_object_is_type(v, json_type_object) &&
                 json_object_object_length(v) == 0) ||
                (json_object_is_type(v, json_type_array) && json_object_array_length(v) == 0);
            if (empty) {
                json_object_object_del(o, k); /* the iteration is spent: start over */
                again = true;
                break;
            }
        }
    }
}

json_object *deployment_template_of(json_object *obj)
{
    json_object *t = NULL;
    if (json_object_deep_copy(mk_json_path(obj, "spec.template"), &t, NULL) < 0 || !t)
        return json_object_new_object();
    json_object *labels = mk_json_path(t, "metadata.labels");
    if (labels)
        json_object_object_del(labels, HASH_LABEL);
    defaults_strip_template(mk_json_path(t, "spec"));
    prune_empty(t);
    return t;
}

/* Is rs the Deployment's current template? Compared as Kubernetes'
 * EqualIgnoreHash does, not by the hash: `kubectl rollout undo` puts an
 * old template back, which must find its old ReplicaSet again. */
static bool same_template(json_object *rs, json_object *d)
{
    json_object *a = deployment_template_of(rs), *b = deployment_template_of(d);
    bool same = json_object_equal(a, b);
    json_object_put(a);
    json_object_put(b);
    return same;
}

static int64_t sync_deployment(deployctl *c, json_object *d)
{
    owned o = {.uid = mk_json_str(d, "metadata.uid") ?: ""};
    informer_foreach(c->rss, collect, &o);
    qsort(o.v, o.n, sizeof *o.v, by_age);
    char hash[16];
    json_object *tmpl = deployment_template_of(d);
    deployment_hash(tmpl, hash);
    json_object_put(tmpl);
    json_object *nrs = NULL;
    json_object **olds = xcalloc(o.n + 1, sizeof *olds);
    size_t nolds = 0;
    int max_rev = 0;
    for (size_t i = 0; i < o.n; i++) {
        if (!nrs && same_template(o.v[i], d))
            nrs = o.v[i];
        else
            olds[nolds++] = o.v[i];
        int r = revision_of(o.v[i]);
        max_rev = r > max_rev ? r : max_rev;
    }
    int replicas = (int)mk_json_int(d, "spec.replicas", 1);
    bool paused = mk_json_bool(d, "spec.paused", false);
    int64_t next = 0;
    _cleanup_free_ char *created = NULL;
    if (!nrs && paused) {
        /* A paused Deployment rolls nothing out: its new template waits
         * for the resume, without a ReplicaSet (as Kubernetes'). */
    } else if (!nrs) {
        json_object *rs = new_rs(d, hash, max_rev + 1);
        mk_err err = {0};
        if (client_create(manager_client(c->m), kind_by_kind("ReplicaSet"),
                          mk_json_str(d, "metadata.namespace"), rs, NULL, &err) == 0)
            created = xstrdup(mk_json_str(rs, "metadata.name"));
        else if (err.code != EEXIST)
            mk_log("deployment: %s: create ReplicaSet: %s", mk_json_str(d, "metadata.name"),
                   err.msg);
        json_object_put(rs);
        next = DEPLOY_WAIT_MS; /* its own event brings it back too */
    } else if (!paused) {
        bump_revision(c, nrs, max_rev);
        const char *type = mk_json_str(d, "spec.strategy.type");
        if (type && strcmp(type, "Recreate") == 0)
            next = recreate(c, d, nrs, olds, nolds, replicas);
        else
            rolling(c, d, nrs, olds, nolds, replicas);
        prune(c, d, olds, nolds);
    }
    int64_t deadline = write_status(c, d, nrs, o.v, o.n, replicas, created);
    if (deadline && (!next || deadline < next))
        next = deadline;
    for (size_t i = 0; i < o.n; i++)
        json_object_put(o.v[i]);
    free(o.v);
    free(olds);
    return next;
}

static int deploy_sync(void *ctx, json_object *d, int64_t *requeue_ms, mk_err *err)
{
    (void)err;
    if (!mk_json_str(d, "metadata.deletionTimestamp"))
        *requeue_ms = sync_deployment(ctx, d);
    return 0;
}

static void deploy_stop(void *state)
{
    deployctl *c = state;
    objkey_loop_stop(&c->loop);
    free(c);
}

static int deploy_start(manager *m, void **state, mk_err *err)
{
    deployctl *c = xcalloc(1, sizeof *c);
    c->m = m;
    objkey_loop_init(&c->loop, m, "Deployment", DEPLOY_RETRY_MS, deploy_sync, c);
    c->deploys = objkey_loop_watch(&c->loop);
    c->rss = objkey_loop_watch_owned(&c->loop, "ReplicaSet");
    int rc = objkey_loop_start(&c->loop, err);
    if (rc < 0) {
        deploy_stop(c);
        return rc;
    }
    *state = c;
    return 0;
}

const mk_controller deployment_controller = {
    .name = "deployment",
    .start = deploy_start,
    .stop = deploy_stop,
};
