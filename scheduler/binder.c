#include "scheduler/binder.h"

#include <pthread.h>
#include <string.h>

#include "scheduler/volumes.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/util.h"

typedef struct job {
    sched_pod pod;
    char *node; /* a binding; NULL for a status patch */
    char *why;  /* the unschedulable message */
    /* A preemption: the node the pod waits for, and who goes to make room. */
    char *nominated;
    sched_victims victims;
    struct job *next;
} job;

struct sched_binder {
    mk_client *client;
    mk_informer *pods;
    mk_recorder *rec;
    binder_callbacks cb;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    job *jobs, *tail; /* FIFO */
    bool stopping;
    int nworkers;
    pthread_t *workers;
};

static void job_free(job *j)
{
    sched_pod_clear(&j->pod);
    free(j->node);
    free(j->why);
    free(j->nominated);
    sched_victims_clear(&j->victims);
    free(j);
}

static char *scheduled_patch(json_object *conds, const char *status, const char *reason,
                             const char *why, const char *nominated);

/* A pod once marked Unschedulable and now bound: say so, or its status
 * would keep the stale reason (Kubernetes' binding does this itself; an
 * API server that does too makes this a no-op). */
static void mark_scheduled(sched_binder *b, job *j)
{
    json_object *pod = b->pods ? informer_get(b->pods, j->pod.ns, j->pod.name) : NULL;
    json_object *conds = pod ? mk_json_path(pod, "status.conditions") : NULL;
    const char *st = mk_json_str(mk_condition(pod, "PodScheduled"), "status");
    if (st && strcmp(st, "False") == 0) {
        _cleanup_free_ char *patch = scheduled_patch(conds, "True", NULL, NULL, NULL);
        mk_err err = {0};
        if (client_patch(b->client, kind_by_kind("Pod"), j->pod.ns, j->pod.name, "status",
                         patch, NULL, &err) < 0 &&
            err.code != ENOENT)
            mk_log("pod %s: cannot set PodScheduled=True: %s", j->pod.key, err.msg);
    }
    json_object_put(pod);
}

static mk_obj_ref pod_ref(const sched_pod *p)
{
    return (mk_obj_ref){"Pod", "v1", p->ns, p->name, p->uid};
}

/* The claims that wait for a node learn it first (the volume controller
 * provisions there), as kube-scheduler's VolumeBinding PreBind does. */
static int select_node(sched_binder *b, job *j, mk_err *err)
{
    const mk_kind *k = kind_by_kind("PersistentVolumeClaim");
    _cleanup_free_ char *patch = sched_volumes_selected_node_patch(j->node);
    for (size_t i = 0; i < j->pod.nvol_select; i++)
        if (client_patch(b->client, k, j->pod.ns, j->pod.vol_select[i], NULL, patch, NULL,
                         err) < 0)
            return mk_error_wrap(err, "persistentvolumeclaim %s", j->pod.vol_select[i]);
    return 0;
}

static void do_bind(sched_binder *b, job *j)
{
    mk_err err = {0};
    if (j->pod.nvol_select && select_node(b, j, &err) < 0) {
        /* Not dropped: the next attempt says what became of the claim. */
        mk_log("pod %s: %s (will retry)", j->pod.key, err.msg);
        b->cb.failed(b->cb.ctx, &j->pod);
        return;
    }
    if (client_bind(b->client, j->pod.ns, j->pod.name, j->node, &err) == 0) {
        mk_log("pod %s bound to %s", j->pod.key, j->node);
        mk_obj_ref ref = pod_ref(&j->pod);
        recorder_event(b->rec, &ref, "Normal", "Scheduled", "Successfully assigned %s to %s",
                       j->pod.key, j->node);
        if (j->pod.attempts > 0)
            mark_scheduled(b, j);
        return;
    }
    if (err.code == ENOENT || err.code == EEXIST || err.code == ESTALE) {
        mk_debug("pod %s: binding dropped: %s", j->pod.key, err.msg);
        b->cb.dropped(b->cb.ctx, &j->pod);
    } else {
        mk_log("pod %s: binding to %s failed: %s (will retry)", j->pod.key, j->node, err.msg);
        b->cb.failed(b->cb.ctx, &j->pod);
    }
}

/* The PodScheduled condition of a conditions array, or NULL. */
/* Is the condition already what we would write? Then writing it again is
 * only noise (and an event for every watcher). */
static bool already_marked(json_object *pod, const char *why, const char *nominated)
{
    json_object *c = mk_condition(pod, "PodScheduled");
    const char *status = mk_json_str(c, "status"), *msg = mk_json_str(c, "message");
    const char *nom = mk_json_str(pod, "status.nominatedNodeName");
    return status && strcmp(status, "False") == 0 && msg && strcmp(msg, why) == 0 &&
           (!nominated || (nom && !strcmp(nom, nominated)));
}

/* A merge patch replaces arrays whole: carry the pod's other conditions
 * over unchanged, and put ours in place of any PodScheduled. reason and
 * why may be NULL; nominated too. */
static char *scheduled_patch(json_object *conds, const char *status, const char *reason,
                             const char *why, const char *nominated)
{
    char now[32];
    mk_rfc3339(now, sizeof(now), mk_wall_ms() / 1000);
    json_object *arr =
        mk_conditions_with(conds, mk_condition_new("PodScheduled", status, now, reason, why));
    json_object *patch = json_object_new_object();
    json_object *st = json_object_new_object();
    json_object_object_add(st, "conditions", arr);
    if (nominated)
        json_object_object_add(st, "nominatedNodeName", json_object_new_string(nominated));
    json_object_object_add(patch, "status", st);
    char *s = xstrdup(json_object_to_json_string_ext(patch, JSON_C_TO_STRING_PLAIN));
    json_object_put(patch);
    return s;
}

static void do_unschedulable(sched_binder *b, job *j)
{
    /* Every failed try is an event (the recorder counts repeats into one);
     * the status below changes only when the reason does. */
    mk_obj_ref ref = pod_ref(&j->pod);
    recorder_event(b->rec, &ref, "Warning", "FailedScheduling", "%s", j->why);
    json_object *pod = b->pods ? informer_get(b->pods, j->pod.ns, j->pod.name) : NULL;
    json_object *conds = pod ? mk_json_path(pod, "status.conditions") : NULL;
    if (pod && already_marked(pod, j->why, j->nominated)) {
        json_object_put(pod);
        return;
    }
    _cleanup_free_ char *patch =
        scheduled_patch(conds, "False", "Unschedulable", j->why, j->nominated);
    json_object_put(pod);
    mk_err err = {0};
    if (client_patch(b->client, kind_by_kind("Pod"), j->pod.ns, j->pod.name, "status", patch,
                     NULL, &err) < 0) {
        if (err.code != ENOENT)
            mk_log("pod %s: cannot set PodScheduled=False: %s", j->pod.key, err.msg);
        return;
    }
    mk_log("pod %s unschedulable: %s", j->pod.key, j->why);
}

/* Before a victim goes it is marked, as Kubernetes marks it, so that it
 * (and a Job's podFailurePolicy) can tell preemption from a failure. The
 * kubelet's own status patches merge conditions by type: this one stays. */
static void mark_disrupted(sched_binder *b, const sched_victim *v)
{
    char now[32];
    mk_rfc3339(now, sizeof(now), mk_wall_ms() / 1000);
    json_object *conds = json_object_new_array();
    json_object_array_add(conds, mk_condition_new("DisruptionTarget", "True", now,
                                                  "PreemptionByScheduler",
                                                  "default-scheduler: preempting to "
                                                  "accommodate a higher priority pod"));
    json_object *patch = json_object_new_object(), *st = json_object_new_object();
    json_object_object_add(st, "conditions", conds);
    json_object_object_add(patch, "status", st);
    json_object *out = NULL;
    mk_err err = {0};
    if (client_patch_strategic(b->client, kind_by_kind("Pod"), v->ns, v->name, "status",
                               json_object_to_json_string_ext(patch, JSON_C_TO_STRING_PLAIN),
                               &out, &err) < 0 &&
        err.code != ENOENT)
        mk_log("pod %s/%s: cannot mark DisruptionTarget: %s", v->ns, v->name, err.msg);
    json_object_put(out);
    json_object_put(patch);
}

/* prepareCandidate: the pod says where it waits, then the victims go,
 * each told why. In that order: once they are gone the pod may be bound at
 * once, by another worker, and this status must not come after. */
static void do_preempt(sched_binder *b, job *j)
{
    const mk_kind *pods = kind_by_kind("Pod");
    do_unschedulable(b, j);
    for (size_t i = 0; i < j->victims.n; i++) {
        const sched_victim *v = &j->victims.v[i];
        mk_obj_ref ref = {"Pod", "v1", v->ns, v->name, v->uid};
        mark_disrupted(b, v);
        recorder_event(b->rec, &ref, "Normal", "Preempted", "Preempted by pod %s on node %s",
                       j->pod.uid, j->nominated);
        mk_err err = {0};
        if (client_delete(b->client, pods, v->ns, v->name, NULL, &err) < 0 &&
            err.code != ENOENT)
            mk_log("pod %s/%s: cannot preempt: %s", v->ns, v->name, err.msg);
        else
            mk_log("pod %s/%s preempted by %s on %s", v->ns, v->name, j->pod.key, j->nominated);
    }
}

static void *worker(void *arg)
{
    sched_binder *b = arg;
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (!b->jobs && !b->stopping)
            pthread_cond_wait(&b->cond, &b->mu);
        /* Stopping: what is not sent yet is dropped; the pods stay unbound
         * and whoever schedules next (a restarted scheduler) takes them. */
        if (b->stopping)
            break;
        job *j = b->jobs;
        b->jobs = j->next;
        if (!b->jobs)
            b->tail = NULL;
        pthread_mutex_unlock(&b->mu);
        if (j->node)
            do_bind(b, j);
        else if (j->nominated)
            do_preempt(b, j);
        else
            do_unschedulable(b, j);
        job_free(j);
        pthread_mutex_lock(&b->mu);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

void binder_set_recorder(sched_binder *b, mk_recorder *rec)
{
    b->rec = rec;
}

sched_binder *binder_new(mk_client *c, int workers, const binder_callbacks *cb)
{
    sched_binder *b = xcalloc(1, sizeof(*b));
    b->client = c;
    b->cb = *cb;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cond, NULL);
    b->workers = xcalloc((size_t)workers, sizeof(*b->workers));
    for (int i = 0; i < workers; i++)
        if (pthread_create(&b->workers[b->nworkers], NULL, worker, b) == 0)
            b->nworkers++;
    return b;
}

void binder_set_pods(sched_binder *b, mk_informer *pods)
{
    b->pods = pods;
}

static void push(sched_binder *b, job *j)
{
    pthread_mutex_lock(&b->mu);
    if (b->tail)
        b->tail->next = j;
    else
        b->jobs = j;
    b->tail = j;
    pthread_cond_signal(&b->cond);
    pthread_mutex_unlock(&b->mu);
}

void binder_bind(sched_binder *b, const sched_pod *p, const char *node)
{
    job *j = xcalloc(1, sizeof(*j));
    sched_pod_copy(&j->pod, p);
    j->node = xstrdup(node);
    push(b, j);
}

void binder_unschedulable(sched_binder *b, const sched_pod *p, const char *why)
{
    job *j = xcalloc(1, sizeof(*j));
    sched_pod_copy(&j->pod, p);
    j->why = xstrdup(why);
    push(b, j);
}

void binder_preempt(sched_binder *b, const sched_pod *p, const char *node,
                    sched_victims *victims, const char *why)
{
    job *j = xcalloc(1, sizeof(*j));
    sched_pod_copy(&j->pod, p);
    j->why = xstrdup(why);
    j->nominated = xstrdup(node);
    j->victims = *victims;
    *victims = (sched_victims){0};
    push(b, j);
}

void binder_free(sched_binder *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->mu);
    b->stopping = true;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->mu);
    for (int i = 0; i < b->nworkers; i++)
        pthread_join(b->workers[i], NULL);
    while (b->jobs) {
        job *j = b->jobs;
        b->jobs = j->next;
        job_free(j);
    }
    free(b->workers);
    pthread_cond_destroy(&b->cond);
    pthread_mutex_destroy(&b->mu);
    free(b);
}
