/* job.c - the Job controller (see job.h). */
#include "controllers/job.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uthash.h>

#include "controllers/controllers.h"
#include "controllers/objkey.h"
#include "controllers/replicaset.h"
#include "controllers/workqueue.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/util.h"

#define JOB_RETRY_MS     2000
#define JOB_EXPECT_MS    30000 /* forget creates never seen after this long */
#define JOB_CREATE_BURST 16    /* pods created in one sync at most */

/* ---- the decision ---- */

static int64_t spec_int(json_object *job, const char *field, int64_t dflt)
{
    _cleanup_free_ char *path = xasprintf("spec.%s", field);
    return mk_json_int(job, path, dflt);
}

static bool spec_suspended(json_object *job)
{
    return mk_json_bool(job, "spec.suspend", false);
}

void job_decide(json_object *job, const job_counts *n, int64_t now_s, job_plan *out)
{
    *out = (job_plan){0};
    int64_t parallelism = spec_int(job, "parallelism", 1);
    bool queue = !mk_json_path(job, "spec.completions") && parallelism > 1;
    int64_t completions = spec_int(job, "completions", 1);
    int64_t deadline = spec_int(job, "activeDeadlineSeconds", 0);
    const char *start = mk_json_str(job, "status.startTime");
    bool suspended = spec_suspended(job);
    if (suspended != mk_condition_true(job, "Suspended"))
        out->suspended = suspended ? "True" : "False";
    if (suspended || out->suspended)
        deadline = 0; /* the clock is stopped, or starts again now */
    if (n->fail_job) {
        out->finish = "Failed", out->reason = "PodFailurePolicy", out->message = n->fail_job;
    } else if (n->failed > spec_int(job, "backoffLimit", 6)) {
        out->finish = "Failed", out->reason = "BackoffLimitExceeded";
        out->message = "Job has reached the specified backoff limit";
    } else if (deadline > 0 && start && now_s - mk_parse_rfc3339(start) >= deadline) {
        out->finish = "Failed", out->reason = "DeadlineExceeded";
        out->message = "Job was active longer than specified deadline";
    } else if ((!queue && n->succeeded >= completions) ||
               (queue && n->succeeded > 0 && n->active == 0)) {
        out->finish = "Complete", out->reason = "Completed", out->message = "Job completed";
    }
    if (out->finish) {
        out->remove = n->active;
        return;
    }
    int64_t want =
        queue ? (n->succeeded > 0 ? n->active : parallelism) : completions - n->succeeded;
    if (want > parallelism)
        want = parallelism;
    if (suspended)
        want = 0;
    if (n->active < want)
        out->create = (int)(want - n->active);
    else
        out->remove = (int)(n->active - want);
}

/* ---- the pod failure policy ---- */

static bool in_values(json_object *values, int64_t code)
{
    for (size_t i = 0; i < mk_json_array_len(values); i++)
        if (json_object_get_int64(json_object_array_get_idx(values, i)) == code)
            return true;
    return false;
}

/* The first container (init containers first) that failed with a code
 * the requirement matches, or NULL; its code in *code. */
static json_object *match_exit_codes(json_object *pod, json_object *req, int64_t *code)
{
    const char *want = mk_json_str(req, "containerName");
    bool in = !strcmp(mk_json_str(req, "operator") ?: "", "In");
    json_object *values = mk_json_path(req, "values");
    static const char *const lists[] = {"status.initContainerStatuses",
                                        "status.containerStatuses"};
    for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
        json_object *sts = mk_json_path(pod, lists[l]);
        for (size_t i = 0; i < mk_json_array_len(sts); i++) {
            json_object *cs = json_object_array_get_idx(sts, i);
            json_object *term = mk_json_path(cs, "state.terminated");
            *code = mk_json_int(term, "exitCode", 0);
            if (!term || !*code || (want && strcmp(want, mk_json_str(cs, "name") ?: "")))
                continue;
            if (in_values(values, *code) == in)
                return cs;
        }
    }
    return NULL;
}

/* The first of the pod's conditions a requirement names, with its status
 * (True when the rule gives none), or NULL. */
static const char *match_conditions(json_object *pod, json_object *reqs)
{
    for (size_t i = 0; i < mk_json_array_len(reqs); i++) {
        json_object *r = json_object_array_get_idx(reqs, i);
        const char *type = mk_json_str(r, "type") ?: "";
        const char *st = mk_json_str(mk_condition(pod, type), "status");
        if (st && !strcmp(st, mk_json_str(r, "status") ?: "True"))
            return type;
    }
    return NULL;
}

job_failure job_pod_failure(json_object *job, json_object *pod, char **why)
{
    *why = NULL;
    json_object *rules = mk_json_path(job, "spec.podFailurePolicy.rules");
    const char *ns = mk_json_str(pod, "metadata.namespace") ?: "",
               *name = mk_json_str(pod, "metadata.name") ?: "";
    for (size_t i = 0; i < mk_json_array_len(rules); i++) {
        json_object *rule = json_object_array_get_idx(rules, i);
        const char *action = mk_json_str(rule, "action") ?: "";
        json_object *req = mk_json_path(rule, "onExitCodes");
        int64_t code = 0;
        json_object *cs = req ? match_exit_codes(pod, req, &code) : NULL;
        const char *cond =
            req ? NULL : match_conditions(pod, mk_json_path(rule, "onPodConditions"));
        if (!cs && !cond)
            continue;
        if (!strcmp(action, "Ignore"))
            return JOB_FAILURE_IGNORE;
        if (strcmp(action, "FailJob"))
            return JOB_FAILURE_COUNT;
        *why = cs ? xasprintf("Container %s for pod %s/%s failed with exit code %lld matching "
                              "FailJob rule at index %zu",
                              mk_json_str(cs, "name") ?: "", ns, name, (long long)code, i)
                  : xasprintf("Pod %s/%s has condition %s matching FailJob rule at index %zu",
                              ns, name, cond, i);
        return JOB_FAILURE_FAIL_JOB;
    }
    return JOB_FAILURE_COUNT;
}

/* ---- Indexed Jobs ---- */

int job_pod_index(json_object *pod)
{
    json_object *ann = mk_json_path(pod, "metadata.annotations"), *v = NULL;
    if (!json_object_object_get_ex(ann, JOB_INDEX_KEY, &v) ||
        !json_object_is_type(v, json_type_string))
        return -1;
    const char *s = json_object_get_string(v);
    char *end;
    long i = strtol(s, &end, 10);
    return *s && !*end && i >= 0 && i < INT32_MAX ? (int)i : -1;
}

void job_format_indexes(const bool *done, int n, mk_buf *out)
{
    mk_buf_puts(out, "");
    for (int i = 0; i < n; i++) {
        if (!done[i])
            continue;
        int j = i;
        while (j + 1 < n && done[j + 1])
            j++;
        mk_buf_printf(out, "%s%d", out->len ? "," : "", i);
        if (j > i)
            mk_buf_printf(out, "-%d", j);
        i = j;
    }
}

void job_parse_indexes(const char *text, bool *done, int n)
{
    for (const char *p = text ?: ""; *p;) {
        char *end;
        long a = strtol(p, &end, 10), b = a;
        if (end == p)
            return;
        if (*end == '-') {
            p = end + 1;
            b = strtol(p, &end, 10);
            if (end == p)
                return;
        }
        for (long i = a < 0 ? 0 : a; i <= b && i < n; i++)
            done[i] = true;
        p = *end == ',' ? end + 1 : end;
        if (*end && *end != ',')
            return;
    }
}

int job_pick_indexes(const bool *done, const bool *active, int n, int want, int *out)
{
    int k = 0;
    for (int i = 0; i < n && k < want; i++)
        if (!done[i] && !active[i])
            out[k++] = i;
    return k;
}

/* ---- the controller ---- */

typedef struct expectation {
    char *uid;
    int pending;      /* creates asked for, their pods not yet seen */
    int64_t until_ms; /* then forgotten */
    UT_hash_handle hh;
} expectation;

typedef struct jobctl {
    manager *m;
    objkey_loop loop;
    mk_informer *jobs, *pods;
    pthread_mutex_t mu; /* expectations */
    expectation *exp;
} jobctl;

static void expect_creates(jobctl *c, const char *uid, int n)
{
    pthread_mutex_lock(&c->mu);
    expectation *e = NULL;
    HASH_FIND_STR(c->exp, uid, e);
    if (!e) {
        e = xcalloc(1, sizeof *e);
        e->uid = xstrdup(uid);
        HASH_ADD_KEYPTR(hh, c->exp, e->uid, strlen(e->uid), e);
    }
    e->pending += n;
    e->until_ms = mk_wall_ms() + JOB_EXPECT_MS;
    pthread_mutex_unlock(&c->mu);
}

static void observe_create(jobctl *c, const char *uid)
{
    pthread_mutex_lock(&c->mu);
    expectation *e = NULL;
    HASH_FIND_STR(c->exp, uid, e);
    if (e && e->pending > 0)
        e->pending--;
    pthread_mutex_unlock(&c->mu);
}

/* Are creates of this Job still on their way? */
static bool expecting(jobctl *c, const char *uid)
{
    pthread_mutex_lock(&c->mu);
    expectation *e = NULL;
    HASH_FIND_STR(c->exp, uid, e);
    bool waiting = e && e->pending > 0 && mk_wall_ms() < e->until_ms;
    if (e && !waiting) {
        HASH_DEL(c->exp, e);
        free(e->uid);
        free(e);
    }
    pthread_mutex_unlock(&c->mu);
    return waiting;
}

/* The Job a pod belongs to: its controller reference of kind Job. */
static json_object *job_ref(json_object *pod)
{
    return objkey_owner(pod, "Job");
}

static void on_pod(void *ctx, json_object *pod)
{
    jobctl *c = ctx;
    json_object *ref = job_ref(pod);
    if (ref)
        objkey_enqueue(c->loop.q, pod, mk_json_str(ref, "name"));
}

static void on_pod_add(void *ctx, json_object *pod)
{
    json_object *ref = job_ref(pod);
    if (ref && mk_json_str(ref, "uid"))
        observe_create(ctx, mk_json_str(ref, "uid"));
    on_pod(ctx, pod);
}

static void on_pod_update(void *ctx, json_object *old, json_object *pod)
{
    (void)old;
    on_pod(ctx, pod);
}

/* The Job's pods, counted; the running ones' names kept for deletion. */
typedef struct pod_scan {
    json_object *job;
    const char *uid;
    bool on_failure; /* restartPolicy OnFailure: restarts count as failures */
    job_counts n;
    char **running;
    size_t nrunning;
    int indexes;         /* an Indexed Job's completions; 0 for NonIndexed */
    bool *done, *active; /* per index */
} pod_scan;

/* A pod's index, when it is one of an Indexed Job's (-1 otherwise). */
static int index_in(const pod_scan *s, json_object *pod)
{
    int i = s->indexes ? job_pod_index(pod) : -1;
    return i < s->indexes ? i : -1;
}

static int scan_pod(void *ctx, json_object *pod)
{
    pod_scan *s = ctx;
    json_object *ref = job_ref(pod);
    const char *uid = mk_json_str(ref, "uid");
    if (!uid || strcmp(uid, s->uid) != 0 || mk_json_str(pod, "metadata.deletionTimestamp"))
        return 0;
    const char *phase = mk_json_str(pod, "status.phase") ?: "Pending";
    int idx = index_in(s, pod);
    if (strcmp(phase, "Succeeded") == 0) {
        s->n.succeeded++;
        if (idx >= 0)
            s->done[idx] = true;
    } else if (strcmp(phase, "Failed") == 0) {
        char *why = NULL;
        job_failure f = job_pod_failure(s->job, pod, &why);
        s->n.failed += f != JOB_FAILURE_IGNORE;
        if (f == JOB_FAILURE_FAIL_JOB && !s->n.fail_job)
            s->n.fail_job = steal_pointer(&why);
        free(why);
    } else {
        s->n.active++;
        if (idx >= 0)
            s->active[idx] = true;
        s->running = xrealloc(s->running, (s->nrunning + 1) * sizeof *s->running);
        s->running[s->nrunning++] = xstrdup(mk_json_str(pod, "metadata.name") ?: "");
        json_object *sts = mk_json_path(pod, "status.containerStatuses");
        for (size_t i = 0; s->on_failure && sts && i < json_object_array_length(sts); i++)
            s->n.failed +=
                (int)mk_json_int(json_object_array_get_idx(sts, i), "restartCount", 0);
    }
    return 0;
}

static bool finished(json_object *job)
{
    return mk_condition_true(job, "Complete") || mk_condition_true(job, "Failed");
}

/* ttlSecondsAfterFinished: delete the Job (its pods follow) once due. */
static int expire(jobctl *c, json_object *job, int64_t *requeue_ms, mk_err *err)
{
    json_object *ttl = mk_json_path(job, "spec.ttlSecondsAfterFinished");
    const char *end = mk_json_str(job, "status.completionTime");
    json_object *conds = mk_json_path(job, "status.conditions");
    if (!end && conds && json_object_array_length(conds))
        end = mk_json_str(json_object_array_get_idx(conds, json_object_array_length(conds) - 1),
                          "lastTransitionTime");
    if (!ttl || !end)
        return 0;
    int64_t left = mk_parse_rfc3339(end) + json_object_get_int64(ttl) - (int64_t)time(NULL);
    if (left > 0) {
        *requeue_ms = left * 1000;
        return 0;
    }
    const char *ns = mk_json_str(job, "metadata.namespace"),
               *name = mk_json_str(job, "metadata.name");
    int rc =
        client_delete(manager_client(c->m), kind_by_kind("Job"), ns, name, "Background", err);
    if (rc == 0)
        mk_log("job: %s/%s: finished %lld s ago: deleted (ttlSecondsAfterFinished)", ns, name,
               (long long)-left);
    return rc == -ENOENT ? 0 : rc;
}

/* An Indexed Job's pod runs index i: Kubernetes' annotation and label, its
 * name, host name and environment say so. */
static void set_index(json_object *pod, const char *job, int i)
{
    char text[16];
    snprintf(text, sizeof text, "%d", i);
    json_object *md = mk_json_path(pod, "metadata");
    json_object_object_add(mk_json_ensure(md, "annotations"), JOB_INDEX_KEY,
                           json_object_new_string(text));
    json_object_object_add(mk_json_ensure(md, "labels"), JOB_INDEX_KEY,
                           json_object_new_string(text));
    _cleanup_free_ char *gen = xasprintf("%.*s-%d-", 40, job, i);
    json_object_object_add(md, "generateName", json_object_new_string(gen));
    json_object *spec = mk_json_ensure(pod, "spec");
    if (!mk_json_str(spec, "hostname")) {
        _cleanup_free_ char *host = xasprintf("%.*s-%d", 50, job, i);
        json_object_object_add(spec, "hostname", json_object_new_string(host));
    }
    static const char *const lists[] = {"containers", "initContainers"};
    for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
        json_object *ctrs = mk_json_path(spec, lists[l]);
        for (size_t c = 0;
             json_object_is_type(ctrs, json_type_array) && c < json_object_array_length(ctrs);
             c++) {
            json_object *ctr = json_object_array_get_idx(ctrs, c);
            json_object *env = mk_json_path(ctr, "env");
            if (!json_object_is_type(env, json_type_array)) {
                env = json_object_new_array();
                json_object_object_add(ctr, "env", env);
            }
            json_object *e = json_tokener_parse(
                "{\"name\":\"JOB_COMPLETION_INDEX\",\"valueFrom\":{\"fieldRef\":{"
                "\"fieldPath\":\"metadata.annotations['" JOB_INDEX_KEY "']\"}}}");
            json_object_array_add(env, e);
        }
    }
}

/* A new pod of the Job, with the labels Kubernetes gives them; index is
 * the one it runs in an Indexed Job, else -1. */
static json_object *new_pod(json_object *job, int index)
{
    json_object *pod = replicaset_pod_from_template(job, "batch/v1", "Job");
    const char *uid = mk_json_str(job, "metadata.uid") ?: "";
    const char *name = mk_json_str(job, "metadata.name") ?: "";
    static const char *const uid_keys[] = {"controller-uid",
                                           "batch.kubernetes.io/controller-uid"};
    static const char *const name_keys[] = {"job-name", "batch.kubernetes.io/job-name"};
    json_object *labels = mk_json_ensure(mk_json_path(pod, "metadata"), "labels");
    for (size_t i = 0; i < 2; i++) {
        json_object_object_add(labels, uid_keys[i], json_object_new_string(uid));
        json_object_object_add(labels, name_keys[i], json_object_new_string(name));
    }
    if (index >= 0)
        set_index(pod, name, index);
    return pod;
}

static void create_pods(jobctl *c, json_object *job, const pod_scan *s, int n)
{
    const char *ns = mk_json_str(job, "metadata.namespace") ?: "default";
    mk_obj_ref ref = recorder_ref(job);
    int index[JOB_CREATE_BURST];
    n = n > JOB_CREATE_BURST ? JOB_CREATE_BURST : n;
    if (s->indexes)
        n = job_pick_indexes(s->done, s->active, s->indexes, n, index);
    expect_creates(c, mk_json_str(job, "metadata.uid") ?: "", n);
    for (int i = 0; i < n; i++) {
        json_object *pod = new_pod(job, s->indexes ? index[i] : -1), *out = NULL;
        mk_err err = {0};
        if (client_create(manager_client(c->m), kind_by_kind("Pod"), ns, pod, &out, &err) ==
            0) {
            recorder_event(manager_recorder(c->m), &ref, "Normal", "SuccessfulCreate",
                           "Created pod: %s", mk_json_str(out, "metadata.name") ?: "");
        } else {
            observe_create(c, mk_json_str(job, "metadata.uid") ?: ""); /* never coming */
            mk_log("job: %s/%s: create pod: %s", ns, ref.name, err.msg);
        }
        json_object_put(out);
        json_object_put(pod);
    }
}

static void delete_pods(jobctl *c, json_object *job, char **names, int n)
{
    const char *ns = mk_json_str(job, "metadata.namespace") ?: "default";
    mk_obj_ref ref = recorder_ref(job);
    for (int i = 0; i < n; i++) {
        mk_err err = {0};
        if (client_delete(manager_client(c->m), kind_by_kind("Pod"), ns, names[i], NULL,
                          &err) == 0)
            recorder_event(manager_recorder(c->m), &ref, "Normal", "SuccessfulDelete",
                           "Deleted pod: %s", names[i]);
        else if (err.code != ENOENT)
            mk_log("job: %s/%s: delete pod %s: %s", ns, ref.name, names[i], err.msg);
    }
}

/* The status the Job should have; NULL when it already has it. */
/* Put condition `type` into status st, in place of any of that type. */
static void put_condition(json_object *st, const char *type, const char *status,
                          const char *reason, const char *message, const char *now)
{
    json_object *conds = mk_json_path(st, "conditions");
    if (!json_object_is_type(conds, json_type_array)) {
        conds = json_object_new_array();
        json_object_object_add(st, "conditions", conds);
    }
    for (size_t i = 0; i < json_object_array_length(conds); i++)
        if (strcmp(mk_json_str(json_object_array_get_idx(conds, i), "type") ?: "", type) == 0)
            json_object_array_del_idx(conds, i--, 1);
    json_object *c = json_object_new_object();
    json_object_object_add(c, "type", json_object_new_string(type));
    json_object_object_add(c, "status", json_object_new_string(status));
    json_object_object_add(c, "reason", json_object_new_string(reason));
    json_object_object_add(c, "message", json_object_new_string(message));
    json_object_object_add(c, "lastProbeTime", json_object_new_string(now));
    json_object_object_add(c, "lastTransitionTime", json_object_new_string(now));
    json_object_array_add(conds, c);
}

static json_object *next_status(json_object *job, const pod_scan *s, const job_plan *p,
                                const char *now)
{
    const job_counts *n = &s->n;
    json_object *old = mk_json_path(job, "status");
    json_object *st = NULL;
    if (!old || json_object_deep_copy(old, &st, NULL) < 0)
        st = json_object_new_object();
    bool resumed = p->suspended && strcmp(p->suspended, "False") == 0;
    if (!mk_json_str(st, "startTime") || resumed)
        json_object_object_add(st, "startTime", json_object_new_string(now));
    if (p->suspended)
        put_condition(st, "Suspended", p->suspended, resumed ? "JobResumed" : "JobSuspended",
                      resumed ? "Job resumed" : "Job suspended", now);
    json_object_object_add(st, "active", json_object_new_int(n->active - p->remove));
    json_object_object_add(st, "succeeded", json_object_new_int(n->succeeded));
    json_object_object_add(st, "failed", json_object_new_int(n->failed));
    if (s->indexes) {
        mk_buf done = {0};
        job_format_indexes(s->done, s->indexes, &done);
        if (done.len)
            json_object_object_add(st, "completedIndexes", json_object_new_string(done.data));
        free(done.data);
    }
    if (p->finish) {
        put_condition(st, p->finish, "True", p->reason, p->message, now);
        if (strcmp(p->finish, "Complete") == 0)
            json_object_object_add(st, "completionTime", json_object_new_string(now));
    }
    if (old && json_object_equal(old, st)) {
        json_object_put(st);
        return NULL;
    }
    return st;
}

static int write_status(jobctl *c, json_object *job, json_object *st, mk_err *err)
{
    json_object *patch = json_object_new_object();
    json_object_object_add(patch, "status", st);
    int rc =
        client_patch(manager_client(c->m), kind_by_kind("Job"),
                     mk_json_str(job, "metadata.namespace"), mk_json_str(job, "metadata.name"),
                     "status", json_object_to_json_string(patch), NULL, err);
    json_object_put(patch);
    return rc == -ENOENT ? 0 : rc;
}

/* spec.selector, as the API server's defaulting sets it in Kubernetes:
 * kubectl finds a Job's pods (logs job/x) through it. */
static void ensure_selector(jobctl *c, json_object *job)
{
    if (mk_json_path(job, "spec.selector"))
        return;
    _cleanup_free_ char *patch = xasprintf("{\"spec\":{\"selector\":{\"matchLabels\":{\"batch."
                                           "kubernetes.io/controller-uid\":\"%s\"}}}}",
                                           mk_json_str(job, "metadata.uid") ?: "");
    mk_err err = {0};
    if (client_patch(manager_client(c->m), kind_by_kind("Job"),
                     mk_json_str(job, "metadata.namespace"), mk_json_str(job, "metadata.name"),
                     NULL, patch, NULL, &err) < 0 &&
        err.code != ENOENT)
        mk_log("job: %s: set spec.selector: %s", mk_json_str(job, "metadata.name"), err.msg);
}

static void scan_indexed(pod_scan *s, json_object *job)
{
    s->indexes = (int)spec_int(job, "completions", 1);
    s->done = xcalloc((size_t)s->indexes + 1, sizeof *s->done);
    s->active = xcalloc((size_t)s->indexes + 1, sizeof *s->active);
}

/* An Indexed Job has succeeded as many times as it has indexes done, by
 * its pods or by its status (a pod deleted since is still done). */
static void count_done(pod_scan *s, json_object *job)
{
    job_parse_indexes(mk_json_str(job, "status.completedIndexes"), s->done, s->indexes);
    s->n.succeeded = 0;
    for (int i = 0; i < s->indexes; i++)
        s->n.succeeded += s->done[i];
}

static int sync_job(void *ctx, json_object *job, int64_t *requeue_ms, mk_err *err)
{
    jobctl *c = ctx;
    if (mk_json_str(job, "metadata.deletionTimestamp"))
        return 0;
    if (finished(job))
        return expire(c, job, requeue_ms, err);
    ensure_selector(c, job);
    const char *policy = mk_json_str(job, "spec.template.spec.restartPolicy");
    pod_scan s = {.job = job,
                  .uid = mk_json_str(job, "metadata.uid") ?: "",
                  .on_failure = policy && strcmp(policy, "OnFailure") == 0};
    if (!strcmp(mk_json_str(job, "spec.completionMode") ?: "", "Indexed"))
        scan_indexed(&s, job);
    informer_foreach(c->pods, scan_pod, &s);
    if (s.indexes)
        count_done(&s, job);
    int64_t now = (int64_t)time(NULL);
    char ts[32];
    mk_rfc3339(ts, sizeof ts, now);
    job_plan p;
    job_decide(job, &s.n, now, &p);
    if (p.create && expecting(c, s.uid))
        p.create = 0; /* the pods of the last creates are not in the cache yet */
    if (p.create)
        create_pods(c, job, &s, p.create);
    delete_pods(c, job, s.running, p.remove < (int)s.nrunning ? p.remove : (int)s.nrunning);
    json_object *st = next_status(job, &s, &p, ts);
    int rc = st ? write_status(c, job, st, err) : 0;
    mk_obj_ref ref = recorder_ref(job);
    if (rc == 0 && p.suspended) {
        bool on = strcmp(p.suspended, "True") == 0;
        recorder_event(manager_recorder(c->m), &ref, "Normal", on ? "Suspended" : "Resumed",
                       on ? "Job suspended" : "Job resumed");
    }
    if (rc == 0 && p.finish) {
        bool ok = strcmp(p.finish, "Complete") == 0;
        recorder_event(manager_recorder(c->m), &ref, ok ? "Normal" : "Warning", p.reason, "%s",
                       p.message);
        mk_log("job: %s/%s: %s: %s", ref.ns, ref.name, p.finish, p.message);
    }
    int64_t deadline = spec_int(job, "activeDeadlineSeconds", 0);
    const char *start = p.suspended ? NULL : mk_json_str(job, "status.startTime");
    if (!p.finish && deadline > 0 && !spec_suspended(job))
        *requeue_ms = ((start ? mk_parse_rfc3339(start) : now) + deadline - now) * 1000 + 100;
    for (size_t i = 0; i < s.nrunning; i++)
        free(s.running[i]);
    free(s.running);
    free(s.done);
    free(s.active);
    free(s.n.fail_job);
    return rc;
}

static void job_stop(void *state)
{
    jobctl *c = state;
    objkey_loop_stop(&c->loop);
    expectation *e, *tmp;
    HASH_ITER(hh, c->exp, e, tmp)
    {
        HASH_DEL(c->exp, e);
        free(e->uid);
        free(e);
    }
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static int job_start(manager *m, void **state, mk_err *err)
{
    jobctl *c = xcalloc(1, sizeof *c);
    c->m = m;
    pthread_mutex_init(&c->mu, NULL);
    objkey_loop_init(&c->loop, m, "Job", JOB_RETRY_MS, sync_job, c);
    mk_informer_handlers ph = {
        .on_add = on_pod_add, .on_update = on_pod_update, .on_delete = on_pod};
    c->jobs = objkey_loop_watch(&c->loop);
    c->pods = manager_informer(m, kind_by_kind("Pod"), &ph, c);
    int rc = objkey_loop_start(&c->loop, err);
    if (rc < 0) {
        job_stop(c);
        return rc;
    }
    *state = c;
    return 0;
}

const mk_controller job_controller = {
    .name = "job",
    .start = job_start,
    .stop = job_stop,
};
