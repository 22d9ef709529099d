/* statefulset.c - the StatefulSet controller (see statefulset.h). */
#include "controllers/statefulset.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controllers/controllers.h"
#include "controllers/deployment.h"
#include "controllers/objkey.h"
#include "controllers/replicaset.h"
#include "controllers/stshistory.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/selector.h"
#include "store/util.h"

#define STS_RETRY_MS    2000
#define STS_MAX_ACTIONS 64 /* per sync; the next sync does the rest */
#define HASH_LABEL      "controller-revision-hash"
#define NAME_LABEL      "statefulset.kubernetes.io/pod-name"
#define INDEX_LABEL     "apps.kubernetes.io/pod-index"

/* ---- the pure decisions ---- */

int statefulset_ordinal(const char *set, const char *pod)
{
    size_t n = strlen(set);
    if (strncmp(pod, set, n) != 0 || pod[n] != '-')
        return -1;
    const char *d = pod + n + 1;
    if (!isdigit((unsigned char)d[0]) || (d[0] == '0' && d[1]) || strlen(d) > 9)
        return -1;
    for (const char *p = d; *p; p++)
        if (!isdigit((unsigned char)*p))
            return -1;
    return atoi(d);
}

static const sts_pod *find_pod(const sts_pod *pods, size_t npods, int ordinal)
{
    for (size_t i = 0; i < npods; i++)
        if (pods[i].ordinal == ordinal)
            return &pods[i];
    return NULL;
}

typedef struct plan {
    sts_action *out;
    int n, max;
} plan;

static bool add(plan *p, sts_verb verb, int ordinal)
{
    if (p->n >= p->max)
        return false;
    p->out[p->n++] = (sts_action){verb, ordinal};
    return true;
}

/* The planner works on indexes, ordinal - start: pods 0..replicas-1 are
 * the set's, the rest (above, or below at negative indexes) go. */

/* Pods 0..replicas-1: make the missing, replace the failed. False when
 * OrderedReady must wait here. */
static bool plan_ordinals(const sts_spec *s, const sts_pod *pods, size_t npods, plan *p)
{
    for (int o = 0; o < s->replicas; o++) {
        const sts_pod *pod = find_pod(pods, npods, o);
        if (!pod) {
            if (!add(p, STS_CREATE, o) || !s->parallel)
                return false;
        } else if (pod->failed && !pod->terminating) {
            if (!add(p, STS_DELETE, o) || !s->parallel)
                return false;
        } else if (!s->parallel && (pod->terminating || !pod->healthy)) {
            return false;
        }
    }
    return true;
}

static int by_ordinal_desc(const void *a, const void *b)
{
    const sts_pod *x = *(const sts_pod *const *)a, *y = *(const sts_pod *const *)b;
    return (y->ordinal > x->ordinal) - (y->ordinal < x->ordinal);
}

/* Pods outside 0..replicas-1 go, the highest first (those below 0 last).
 * Sorted rather than counted down: a stray name may carry any ordinal. */
static bool plan_condemned(const sts_spec *s, const sts_pod *pods, size_t npods, plan *p)
{
    const sts_pod **gone = npods ? xcalloc(npods, sizeof *gone) : NULL;
    size_t n = 0;
    for (size_t i = 0; i < npods; i++)
        if (pods[i].ordinal < 0 || pods[i].ordinal >= s->replicas)
            gone[n++] = &pods[i];
    if (n)
        qsort(gone, n, sizeof *gone, by_ordinal_desc);
    bool go_on = true;
    for (size_t i = 0; i < n && go_on; i++) {
        if (gone[i]->terminating)
            go_on = s->parallel;
        else if (!add(p, STS_DELETE, gone[i]->ordinal) || !s->parallel)
            go_on = false;
    }
    free(gone);
    return go_on;
}

/* RollingUpdate: outdated pods go from the top down to the partition
 * while no more than max_unavailable are down. */
static void plan_roll(const sts_spec *s, const sts_pod *pods, size_t npods, plan *p)
{
    int budget = s->max_unavailable;
    for (int o = 0; o < s->replicas; o++) {
        const sts_pod *pod = find_pod(pods, npods, o);
        if (!pod || pod->terminating || !pod->available)
            budget--;
    }
    for (int o = s->replicas - 1; o >= s->partition && budget > 0; o--) {
        const sts_pod *pod = find_pod(pods, npods, o);
        if (pod && !pod->updated && !pod->terminating && add(p, STS_DELETE, o))
            budget -= pod->available;
    }
}

int statefulset_plan(const sts_spec *spec, const sts_pod *pods, size_t npods, sts_action *out,
                     int max)
{
    sts_pod *at = npods ? xcalloc(npods, sizeof *at) : NULL;
    for (size_t i = 0; i < npods; i++) {
        at[i] = pods[i];
        at[i].ordinal -= spec->start;
    }
    plan p = {out, 0, max};
    if (plan_ordinals(spec, at, npods, &p) && plan_condemned(spec, at, npods, &p) &&
        !spec->on_delete)
        plan_roll(spec, at, npods, &p);
    free(at);
    for (int i = 0; i < p.n; i++)
        out[i].ordinal += spec->start;
    return p.n;
}

bool statefulset_in_range(const sts_spec *spec, int ordinal)
{
    return ordinal >= spec->start && ordinal - spec->start < spec->replicas;
}

/* ---- volume claims ---- */

json_object *statefulset_claim(json_object *set, json_object *tmpl, int ordinal)
{
    json_object *claim = json_object_new_object();
    json_object_object_add(claim, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(claim, "kind", json_object_new_string("PersistentVolumeClaim"));
    json_object *md = mk_json_copy(mk_json_path(tmpl, "metadata"));
    if (!json_object_is_type(md, json_type_object)) {
        json_object_put(md);
        md = json_object_new_object();
    }
    static const char *const drop[] = {
        "uid",          "resourceVersion", "creationTimestamp", "ownerReferences",
        "generateName", "namespace"};
    for (size_t i = 0; i < ARRAY_SIZE(drop); i++)
        json_object_object_del(md, drop[i]);
    _cleanup_free_ char *name = xasprintf("%s-%s-%d", mk_json_str(md, "name") ?: "",
                                          mk_json_str(set, "metadata.name") ?: "", ordinal);
    json_object_object_add(md, "name", json_object_new_string(name));
    json_object_object_add(
        md, "namespace",
        json_object_new_string(mk_json_str(set, "metadata.namespace") ?: "default"));
    json_object *labels = mk_json_ensure(md, "labels"); /* keys with dots: not paths */
    json_object *match = mk_json_path(set, "spec.selector.matchLabels");
    if (json_object_is_type(match, json_type_object)) {
        json_object_object_foreach(match, k, v)
        {
            json_object_object_add(labels, k, mk_json_copy(v)); /* v is the cache's */
        }
    }
    json_object_object_add(claim, "metadata", md);
    json_object *spec = mk_json_copy(mk_json_path(tmpl, "spec"));
    json_object_object_add(claim, "spec", spec ? spec : json_object_new_object());
    return claim;
}

void statefulset_claim_volumes(json_object *set, json_object *pod, int ordinal)
{
    json_object *tmpls = mk_json_path(set, "spec.volumeClaimTemplates");
    size_t n = mk_json_array_len(tmpls);
    if (n == 0)
        return;
    json_object *vols = json_object_new_array();
    const char *set_name = mk_json_str(set, "metadata.name") ?: "";
    for (size_t i = 0; i < n; i++) {
        const char *t = mk_json_str(json_object_array_get_idx(tmpls, i), "metadata.name") ?: "";
        _cleanup_free_ char *claim = xasprintf("%s-%s-%d", t, set_name, ordinal);
        json_object *v = json_object_new_object(), *src = json_object_new_object();
        json_object_object_add(src, "claimName", json_object_new_string(claim));
        json_object_object_add(v, "name", json_object_new_string(t));
        json_object_object_add(v, "persistentVolumeClaim", src);
        json_object_array_add(vols, v);
    }
    json_object *old = mk_json_path(pod, "spec.volumes");
    for (size_t i = 0;
         json_object_is_type(old, json_type_array) && i < json_object_array_length(old); i++) {
        json_object *v = json_object_array_get_idx(old, i);
        const char *name = mk_json_str(v, "name") ?: "";
        bool shadowed = false;
        for (size_t j = 0; j < n && !shadowed; j++)
            shadowed = !strcmp(name, mk_json_str(json_object_array_get_idx(vols, j), "name"));
        if (!shadowed)
            json_object_array_add(vols, json_object_get(v));
    }
    json_object_object_add(mk_json_ensure(pod, "spec"), "volumes", vols);
}

/* A reference as Kubernetes' StatefulSetAutoDeletePVC writes it: not the
 * claim's controller, but its deletion waits for the claim's in Foreground. */
static json_object *claim_ref(const sts_owner *o)
{
    json_object *ref = json_object_new_object();
    json_object_object_add(ref, "apiVersion", json_object_new_string(o->api_version));
    json_object_object_add(ref, "kind", json_object_new_string(o->kind));
    json_object_object_add(ref, "name", json_object_new_string(o->name));
    json_object_object_add(ref, "uid", json_object_new_string(o->uid));
    json_object_object_add(ref, "controller", json_object_new_boolean(false));
    json_object_object_add(ref, "blockOwnerDeletion", json_object_new_boolean(true));
    return ref;
}

/* refs (a new array) with the reference to o present or absent as want
 * says; *changed set when that changed anything. */
static void want_ref(json_object *refs, const sts_owner *o, bool want, bool *changed)
{
    bool found = false;
    for (size_t i = json_object_array_length(refs); i-- > 0;) {
        const char *uid = mk_json_str(json_object_array_get_idx(refs, i), "uid") ?: "";
        if (strcmp(uid, o->uid) != 0)
            continue;
        found = true;
        if (!want) {
            json_object_array_del_idx(refs, i, 1);
            *changed = true;
        }
    }
    if (want && !found) {
        json_object_array_add(refs, claim_ref(o));
        *changed = true;
    }
}

json_object *statefulset_claim_refs(json_object *claim, json_object *set, const sts_owner *pod,
                                    bool scaled_down)
{
    const char *deleted =
        mk_json_str(set, "spec.persistentVolumeClaimRetentionPolicy.whenDeleted") ?: "";
    const char *scaled =
        mk_json_str(set, "spec.persistentVolumeClaimRetentionPolicy.whenScaled") ?: "";
    bool scale_delete = !strcmp(scaled, "Delete");
    sts_owner owner = {"apps/v1", "StatefulSet", mk_json_str(set, "metadata.name") ?: "",
                       mk_json_str(set, "metadata.uid") ?: ""};
    json_object *refs = mk_json_copy(mk_json_path(claim, "metadata.ownerReferences"));
    if (!json_object_is_type(refs, json_type_array)) {
        json_object_put(refs);
        refs = json_object_new_array();
    }
    bool changed = false;
    want_ref(refs, &owner, !strcmp(deleted, "Delete") && !(scale_delete && scaled_down),
             &changed);
    if (pod && pod->uid && *pod->uid)
        want_ref(refs, pod, scale_delete && scaled_down, &changed);
    if (!changed) {
        json_object_put(refs);
        return NULL;
    }
    return refs;
}

bool statefulset_claim_stale(json_object *claim, const char *pod_name, const char *pod_uid)
{
    if (mk_json_str(claim, "metadata.deletionTimestamp"))
        return true;
    json_object *refs = mk_json_path(claim, "metadata.ownerReferences");
    for (size_t i = 0;
         json_object_is_type(refs, json_type_array) && i < json_object_array_length(refs);
         i++) {
        json_object *r = json_object_array_get_idx(refs, i);
        if (!strcmp(mk_json_str(r, "kind") ?: "", "Pod") &&
            !strcmp(mk_json_str(r, "name") ?: "", pod_name) &&
            (!pod_uid || strcmp(mk_json_str(r, "uid") ?: "", pod_uid) != 0))
            return true;
    }
    return false;
}

/* ---- the controller ---- */

typedef struct stsctl {
    manager *m;
    objkey_loop loop;
    mk_informer *sets, *pods, *revs, *claims;
} stsctl;

/* One sync's view of a set: its revision and its pods. */
typedef struct sts_scan {
    json_object *set;
    const char *uid, *name;
    char revision[80]; /* "<set>-<hash>", the update revision */
    int64_t min_ready_ms, now_ms, recheck_ms;
    sts_pod *pods;
    char **hashes; /* pods[i]'s controller-revision-hash */
    char **uids;   /* pods[i]'s uid */
    bool *pending; /* pods[i] is Pending: its missing claims are made again */
    size_t npods;
    const char *ns;
    mk_selector *sel;
    json_object *adopt; /* orphans named as ours that the selector picks: [pod] */
    sts_spec spec;
    sts_history hist; /* the current revision, its template if not the set's */
} sts_scan;

/* A pod without a controller, named "<set>-<i>" in the set's namespace and
 * selected by it, is the set's to adopt (one left by an orphaning delete). */
static bool adoptable(sts_scan *s, json_object *pod)
{
    return !replicaset_controller_ref(pod) && s->sel &&
           !strcmp(mk_json_str(pod, "metadata.namespace") ?: "", s->ns) &&
           !mk_json_str(pod, "metadata.deletionTimestamp") &&
           selector_match_labels(s->sel, mk_json_path(pod, "metadata.labels"));
}

static int scan_pod(void *ctx, json_object *pod)
{
    sts_scan *s = ctx;
    const char *uid = mk_json_str(objkey_owner(pod, "StatefulSet"), "uid");
    int o = statefulset_ordinal(s->name, mk_json_str(pod, "metadata.name") ?: "");
    if (o >= 0 && adoptable(s, pod)) { /* a copy: the cache's objects are only read */
        json_object *copy = NULL;
        json_object_deep_copy(pod, &copy, NULL);
        json_object_array_add(s->adopt, copy);
    }
    if (!uid || strcmp(uid, s->uid) != 0 || o < 0)
        return 0;
    rs_pod sum;
    replicaset_pod_summary(pod, &sum);
    const char *phase = mk_json_str(pod, "status.phase") ?: "";
    json_object *h = mk_json_path(pod, "metadata.labels." HASH_LABEL);
    const char *hash =
        json_object_is_type(h, json_type_string) ? json_object_get_string(h) : "";
    sts_pod p = {.ordinal = o,
                 .terminating = mk_json_str(pod, "metadata.deletionTimestamp") != NULL,
                 .failed = !strcmp(phase, "Failed") || !strcmp(phase, "Succeeded"),
                 .healthy = !strcmp(phase, "Running") && sum.ready,
                 .updated = !strcmp(hash, s->revision)};
    p.available =
        p.healthy && (s->min_ready_ms == 0 || sum.ready_ms + s->min_ready_ms <= s->now_ms);
    if (p.healthy && !p.available) { /* look again once it has been ready long enough */
        int64_t wait = sum.ready_ms + s->min_ready_ms - s->now_ms;
        if (s->recheck_ms == 0 || wait < s->recheck_ms)
            s->recheck_ms = wait;
    }
    s->pods = xrealloc(s->pods, (s->npods + 1) * sizeof *s->pods);
    s->hashes = xrealloc(s->hashes, (s->npods + 1) * sizeof *s->hashes);
    s->uids = xrealloc(s->uids, (s->npods + 1) * sizeof *s->uids);
    s->pending = xrealloc(s->pending, (s->npods + 1) * sizeof *s->pending);
    s->pending[s->npods] = !strcmp(phase, "Pending") && !p.terminating;
    s->pods[s->npods] = p;
    s->uids[s->npods] = xstrdup(mk_json_str(pod, "metadata.uid") ?: "");
    s->hashes[s->npods++] = xstrdup(hash);
    return 0;
}

static void scan_free(sts_scan *s)
{
    selector_free(s->sel);
    json_object_put(s->adopt);
    json_object_put(s->hist.current_tmpl);
    for (size_t i = 0; i < s->npods; i++) {
        free(s->hashes[i]);
        free(s->uids[i]);
    }
    free(s->hashes);
    free(s->uids);
    free(s->pending);
    free(s->pods);
}

static json_object *set_pod(json_object *set, const char *name, int ordinal,
                            const char *revision)
{
    json_object *pod = replicaset_pod_from_template(set, "apps/v1", "StatefulSet");
    json_object *md = mk_json_path(pod, "metadata");
    json_object_object_del(md, "generateName");
    json_object_object_add(md, "name", json_object_new_string(name));
    char index[16];
    snprintf(index, sizeof index, "%d", ordinal);
    json_object *labels = mk_json_ensure(md, "labels"); /* keys with dots: not paths */
    json_object_object_add(labels, NAME_LABEL, json_object_new_string(name));
    json_object_object_add(labels, INDEX_LABEL, json_object_new_string(index));
    json_object_object_add(labels, HASH_LABEL, json_object_new_string(revision));
    mk_json_set_str(pod, "spec.hostname", name);
    const char *svc = mk_json_str(set, "spec.serviceName");
    if (svc && *svc)
        mk_json_set_str(pod, "spec.subdomain", svc);
    return pod;
}

static json_object *claim_templates(json_object *set, size_t *n)
{
    json_object *t = mk_json_path(set, "spec.volumeClaimTemplates");
    *n = mk_json_array_len(t);
    return t;
}

/* The cached claim of template t for ordinal (caller puts), or NULL; its
 * name in name. */
static json_object *cached_claim(stsctl *c, sts_scan *s, json_object *t, int ordinal,
                                 char *name, size_t size)
{
    snprintf(name, size, "%s-%s-%d", mk_json_str(t, "metadata.name") ?: "", s->name, ordinal);
    _cleanup_free_ char *key = xasprintf("%s/%s", s->ns, name);
    return objkey_get(c->claims, key);
}

static int create_claim(stsctl *c, sts_scan *s, json_object *t, int ordinal, const char *pod)
{
    json_object *claim = statefulset_claim(s->set, t, ordinal), *out = NULL;
    json_object *refs = statefulset_claim_refs(claim, s->set, NULL, false);
    if (refs)
        json_object_object_add(mk_json_path(claim, "metadata"), "ownerReferences", refs);
    const char *name = mk_json_str(claim, "metadata.name");
    mk_obj_ref ref = recorder_ref(s->set);
    mk_err err = {0};
    int rc = client_create(manager_client(c->m), kind_by_kind("PersistentVolumeClaim"), s->ns,
                           claim, &out, &err);
    if (rc == 0)
        recorder_event(manager_recorder(c->m), &ref, "Normal", "SuccessfulCreate",
                       "create Claim %s Pod %s in StatefulSet %s success", name, pod, s->name);
    else if (err.code == EEXIST) /* the cache is behind */
        rc = 0;
    else
        recorder_event(manager_recorder(c->m), &ref, "Warning", "FailedCreate",
                       "create Claim %s for Pod %s in StatefulSet %s failed error: %s", name,
                       pod, s->name, err.msg);
    json_object_put(out);
    json_object_put(claim);
    return rc;
}

/* Make the missing claims of pod ordinal; *wait when one is still to go
 * (statefulset_claim_stale): the pod is not made before it is made again. */
static int make_claims(stsctl *c, sts_scan *s, int ordinal, const char *pod, bool *wait)
{
    size_t n;
    json_object *tmpls = claim_templates(s->set, &n);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        json_object *t = json_object_array_get_idx(tmpls, i);
        char name[640];
        json_object *claim = cached_claim(c, s, t, ordinal, name, sizeof name);
        if (!claim)
            rc = create_claim(c, s, t, ordinal, pod);
        else if (statefulset_claim_stale(claim, pod, NULL))
            *wait = true;
        json_object_put(claim);
    }
    return rc;
}

/* < 0 when the pod could not be made: the sync is tried again. */
static int create_pod(stsctl *c, sts_scan *s, int ordinal)
{
    char name[320];
    snprintf(name, sizeof name, "%s-%d", s->name, ordinal);
    json_object *pod = NULL, *out = NULL;
    bool wait = false;
    if (make_claims(c, s, ordinal, name, &wait) < 0)
        return -1;
    if (wait) { /* its claim goes first: look again */
        if (s->recheck_ms == 0 || s->recheck_ms > STS_RETRY_MS)
            s->recheck_ms = STS_RETRY_MS;
        return 0;
    }
    if (s->hist.current_tmpl && !s->spec.on_delete &&
        ordinal < s->spec.start + s->spec.partition) {
        /* below the partition: the current revision's template */
        json_object *old = NULL;
        json_object_deep_copy(s->set, &old, NULL);
        json_object_object_add(mk_json_path(old, "spec"), "template",
                               json_object_get(s->hist.current_tmpl));
        pod = set_pod(old, name, ordinal, s->hist.current);
        json_object_put(old);
    } else {
        pod = set_pod(s->set, name, ordinal, s->revision);
    }
    statefulset_claim_volumes(s->set, pod, ordinal);
    mk_obj_ref ref = recorder_ref(s->set);
    mk_err err = {0};
    int rc = client_create(manager_client(c->m), kind_by_kind("Pod"), ref.ns, pod, &out, &err);
    if (rc == 0)
        recorder_event(manager_recorder(c->m), &ref, "Normal", "SuccessfulCreate",
                       "create Pod %s in StatefulSet %s successful", name, s->name);
    else if (err.code == EEXIST) /* the cache is behind: the pod shows up */
        rc = 0;
    else
        recorder_event(manager_recorder(c->m), &ref, "Warning", "FailedCreate",
                       "create Pod %s in StatefulSet %s failed error: %s", name, s->name,
                       err.msg);
    json_object_put(out);
    json_object_put(pod);
    return rc;
}

static int delete_pod(stsctl *c, sts_scan *s, int ordinal)
{
    char name[320];
    snprintf(name, sizeof name, "%s-%d", s->name, ordinal);
    mk_obj_ref ref = recorder_ref(s->set);
    mk_err err = {0};
    int rc = client_delete(manager_client(c->m), kind_by_kind("Pod"), ref.ns, name, NULL, &err);
    if (rc == 0)
        recorder_event(manager_recorder(c->m), &ref, "Normal", "SuccessfulDelete",
                       "delete Pod %s in StatefulSet %s successful", name, s->name);
    else if (err.code == ENOENT)
        rc = 0;
    else
        recorder_event(manager_recorder(c->m), &ref, "Warning", "FailedDelete",
                       "delete Pod %s in StatefulSet %s failed error: %s", name, s->name,
                       err.msg);
    return rc;
}

static sts_spec spec_of(json_object *set)
{
    int replicas = (int)mk_json_int(set, "spec.replicas", 1);
    const char *policy = mk_json_str(set, "spec.podManagementPolicy") ?: "";
    const char *type = mk_json_str(set, "spec.updateStrategy.type") ?: "";
    json_object *mu = mk_json_path(set, "spec.updateStrategy.rollingUpdate.maxUnavailable");
    int max_unavailable = mu ? deployment_intstr(mu, replicas, true) : 1;
    return (sts_spec){
        .start = (int)mk_json_int(set, "spec.ordinals.start", 0),
        .replicas = replicas,
        .parallel = !strcmp(policy, "Parallel"),
        .on_delete = !strcmp(type, "OnDelete"),
        .partition = (int)mk_json_int(set, "spec.updateStrategy.rollingUpdate.partition", 0),
        .max_unavailable = max_unavailable < 1 ? 1 : max_unavailable,
    };
}

typedef struct sts_counts {
    int replicas, ready, available, current, updated;
} sts_counts;

static void write_status(stsctl *c, sts_scan *s, const sts_spec *spec)
{
    const char *current = s->hist.current;
    sts_counts n = {0};
    for (size_t i = 0; i < s->npods; i++) {
        const sts_pod *p = &s->pods[i];
        n.replicas++;
        n.ready += p->healthy;
        n.available += p->available;
        n.current += !p->terminating && !strcmp(s->hashes[i], current);
        n.updated += !p->terminating && p->updated;
    }
    /* Every pod at the new revision and ready: it becomes the current one. */
    if (n.updated == n.replicas && n.ready == n.replicas && n.replicas == spec->replicas) {
        current = s->revision;
        n.current = n.updated;
    }
    json_object *st = json_object_new_object();
    json_object_object_add(
        st, "observedGeneration",
        json_object_new_int64(mk_json_int(s->set, "metadata.generation", 1)));
    json_object_object_add(st, "replicas", json_object_new_int(n.replicas));
    json_object_object_add(st, "readyReplicas", json_object_new_int(n.ready));
    json_object_object_add(st, "currentReplicas", json_object_new_int(n.current));
    json_object_object_add(st, "updatedReplicas", json_object_new_int(n.updated));
    json_object_object_add(st, "availableReplicas", json_object_new_int(n.available));
    json_object_object_add(st, "currentRevision", json_object_new_string(current));
    json_object_object_add(st, "updateRevision", json_object_new_string(s->revision));
    json_object_object_add(
        st, "collisionCount",
        json_object_new_int64(mk_json_int(s->set, "status.collisionCount", 0)));
    json_object *old = mk_json_path(s->set, "status");
    if (old && json_object_equal(old, st)) {
        json_object_put(st);
        return;
    }
    json_object *patch = json_object_new_object();
    json_object_object_add(patch, "status", st);
    mk_err err = {0};
    if (client_patch(manager_client(c->m), kind_by_kind("StatefulSet"),
                     mk_json_str(s->set, "metadata.namespace"), s->name, "status",
                     json_object_to_json_string(patch), NULL, &err) < 0 &&
        err.code != ENOENT)
        mk_log("statefulset: %s: status: %s", s->name, err.msg);
    json_object_put(patch);
}

/* Put the set's controller reference on an orphan (compare-and-swap on its
 * resourceVersion: a pod changed meanwhile is looked at again). */
static int adopt_pod(stsctl *c, sts_scan *s, json_object *pod, mk_err *err)
{
    json_object *refs = json_object_new_array();
    json_object *old = mk_json_path(pod, "metadata.ownerReferences");
    for (size_t i = 0; i < (old ? json_object_array_length(old) : 0); i++)
        json_object_array_add(refs, json_object_get(json_object_array_get_idx(old, i)));
    json_object *made = replicaset_pod_from_template(s->set, "apps/v1", "StatefulSet");
    json_object_array_add(refs, json_object_get(json_object_array_get_idx(
                                    mk_json_path(made, "metadata.ownerReferences"), 0)));
    json_object_put(made);
    json_object *patch = json_object_new_object(), *md = mk_json_ensure(patch, "metadata");
    json_object_object_add(md, "ownerReferences", refs);
    json_object_object_add(
        md, "resourceVersion",
        json_object_new_string(mk_json_str(pod, "metadata.resourceVersion") ?: ""));
    const char *name = mk_json_str(pod, "metadata.name") ?: "";
    int rc = client_patch(manager_client(c->m), kind_by_kind("Pod"), s->ns, name, NULL,
                          json_object_to_json_string(patch), NULL, err);
    json_object_put(patch);
    if (rc == 0)
        mk_log("statefulset: %s/%s: adopted pod %s", s->ns, s->name, name);
    return rc;
}

/* Fill s for set: its update revision "<set>-<hash>", its pods, the
 * orphans it may adopt. scan_free(s) after. */
static void scan_set(stsctl *c, json_object *set, sts_scan *s)
{
    *s = (sts_scan){.set = set,
                    .uid = mk_json_str(set, "metadata.uid") ?: "",
                    .name = mk_json_str(set, "metadata.name") ?: "",
                    .ns = mk_json_str(set, "metadata.namespace") ?: "default",
                    .min_ready_ms = mk_json_int(set, "spec.minReadySeconds", 0) * 1000,
                    .now_ms = mk_wall_ms(),
                    .adopt = json_object_new_array(),
                    .spec = spec_of(set)};
    char hash[16];
    json_object *tmpl = deployment_template_of(set);
    deployment_hash(tmpl, hash);
    json_object_put(tmpl);
    snprintf(s->revision, sizeof s->revision, "%.63s-%s", s->name, hash);
    mk_err serr = {0};
    if (selector_from_object(mk_json_path(set, "spec.selector"), &s->sel, &serr) < 0)
        s->sel = NULL; /* validated on the way in: cannot happen */
    informer_foreach(c->pods, scan_pod, s);
}

/* Write refs as claim's owner references (compare-and-swap on its
 * resourceVersion: a claim changed meanwhile is looked at again). */
static int patch_claim_refs(stsctl *c, sts_scan *s, json_object *claim, json_object *refs)
{
    json_object *patch = json_object_new_object(), *md = mk_json_ensure(patch, "metadata");
    json_object_object_add(md, "ownerReferences", json_object_get(refs));
    json_object_object_add(
        md, "resourceVersion",
        json_object_new_string(mk_json_str(claim, "metadata.resourceVersion") ?: ""));
    const char *name = mk_json_str(claim, "metadata.name") ?: "";
    mk_err err = {0};
    int rc = client_patch(manager_client(c->m), kind_by_kind("PersistentVolumeClaim"), s->ns,
                          name, NULL, json_object_to_json_string(patch), NULL, &err);
    json_object_put(patch);
    if (rc == 0)
        mk_log("statefulset: %s/%s: claim %s: owner references for the retention policy", s->ns,
               s->name, name);
    else if (err.code == ENOENT)
        rc = 0;
    else
        mk_log("statefulset: %s/%s: claim %s: %s", s->ns, s->name, name, err.msg);
    return rc;
}

/* Make the missing claims of Pending pods again (a claim deleted under
 * them), as Kubernetes does, and give the claims of the set's pods the
 * owner references the retention policy asks for, before any pod is
 * deleted (a pod scaled away owns its claims first); how many failed. */
static int sync_claims(stsctl *c, sts_scan *s)
{
    size_t n;
    json_object *tmpls = claim_templates(s->set, &n);
    int failed = 0;
    for (size_t i = 0; i < s->npods && n; i++) {
        char pod[320];
        snprintf(pod, sizeof pod, "%s-%d", s->name, s->pods[i].ordinal);
        sts_owner owner = {"v1", "Pod", pod, s->uids[i]};
        bool wait = false; /* a stale claim: the pod waits for it anyway */
        if (s->pending[i] && statefulset_in_range(&s->spec, s->pods[i].ordinal) &&
            make_claims(c, s, s->pods[i].ordinal, pod, &wait) < 0)
            failed++;
        for (size_t j = 0; j < n; j++) {
            char name[640];
            json_object *claim = cached_claim(c, s, json_object_array_get_idx(tmpls, j),
                                              s->pods[i].ordinal, name, sizeof name);
            json_object *refs = claim && !statefulset_claim_stale(claim, pod, s->uids[i])
                                    ? statefulset_claim_refs(
                                          claim, s->set, &owner,
                                          !statefulset_in_range(&s->spec, s->pods[i].ordinal))
                                    : NULL;
            if (refs && patch_claim_refs(c, s, claim, refs) < 0)
                failed++;
            json_object_put(refs);
            json_object_put(claim);
        }
    }
    return failed;
}

/* Create and delete as the plan says; how many failed. */
static int run_plan(stsctl *c, sts_scan *s)
{
    sts_action acts[STS_MAX_ACTIONS];
    int n = statefulset_plan(&s->spec, s->pods, s->npods, acts, STS_MAX_ACTIONS), failed = 0;
    for (int i = 0; i < n; i++) {
        int rc = acts[i].verb == STS_CREATE ? create_pod(c, s, acts[i].ordinal)
                                            : delete_pod(c, s, acts[i].ordinal);
        failed += rc < 0;
    }
    return failed;
}

/* < 0 when an adoption, a revision, a create or a delete failed (err says
 * which): the workqueue tries again, backing off. */
static int sync_set(stsctl *c, json_object *set, int64_t *requeue_ms, mk_err *err)
{
    sts_scan s;
    scan_set(c, set, &s);
    int rc = 0;
    if (json_object_array_length(s.adopt) > 0) { /* count again once they are seen ours */
        for (size_t i = 0; i < json_object_array_length(s.adopt); i++)
            if (adopt_pod(c, &s, json_object_array_get_idx(s.adopt, i), err) < 0)
                rc = -1;
    } else if ((rc = stshistory_sync(manager_client(c->m), c->revs, set, s.sel, s.revision,
                                     s.hashes, s.npods, &s.hist, err)) == 0) {
        int failed = sync_claims(c, &s);
        if (failed == 0) /* else no pod goes before its claims are right */
            failed = run_plan(c, &s);
        write_status(c, &s, &s.spec);
        if (s.recheck_ms > 0)
            *requeue_ms = s.recheck_ms;
        if (failed)
            rc = mk_error(err, EAGAIN, "statefulset %s: %d pod or claim operations failed",
                          s.name, failed);
    }
    scan_free(&s);
    return rc;
}

static int sts_sync(void *ctx, json_object *set, int64_t *requeue_ms, mk_err *err)
{
    if (mk_json_str(set, "metadata.deletionTimestamp"))
        return 0; /* the collector's */
    return sync_set(ctx, set, requeue_ms, err);
}

static void sts_stop(void *state)
{
    stsctl *c = state;
    objkey_loop_stop(&c->loop);
    free(c);
}

static int sts_start(manager *m, void **state, mk_err *err)
{
    stsctl *c = xcalloc(1, sizeof *c);
    c->m = m;
    objkey_loop_init(&c->loop, m, "StatefulSet", STS_RETRY_MS, sts_sync, c);
    c->sets = objkey_loop_watch(&c->loop);
    c->pods = objkey_loop_watch_owned(&c->loop, "Pod");
    c->revs = objkey_loop_watch_owned(&c->loop, "ControllerRevision");
    c->claims = objkey_loop_watch_owned(&c->loop, "PersistentVolumeClaim"); /* read only */
    int rc = objkey_loop_start(&c->loop, err);
    if (rc < 0) {
        sts_stop(c);
        return rc;
    }
    *state = c;
    return 0;
}

const mk_controller statefulset_controller = {
    .name = "statefulset",
    .start = sts_start,
    .stop = sts_stop,
};
