/* cronjob.c - the CronJob controller (see cronjob.h). */
#include "controllers/cronjob.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controllers/controllers.h"
#include "controllers/objkey.h"
#include "controllers/workqueue.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/util.h"

#define CRONJOB_RETRY_MS     2000
#define CRONJOB_WAKE_MS      100 /* past the due time, so the next one is in the future */
#define CRONJOB_STALE_MS     200 /* a status write lost to a newer CronJob: again after */
#define SCHEDULED_ANNOTATION "batch.kubernetes.io/cronjob-scheduled-timestamp"

/* ---- the decision ---- */

char *cronjob_job_name(const char *name, int64_t t)
{
    return xasprintf("%s-%lld", name, (long long)(t / 60));
}

/* The latest time s fires in (earliest, now], found by looking back over
 * windows that double: many missed times are never walked one by one. */
static int64_t most_recent(const cron_schedule *s, const cron_zone *z, int64_t earliest,
                           int64_t now)
{
    for (int64_t w = 3600;; w *= 2) {
        int64_t from = now - w > earliest ? now - w : earliest;
        int64_t t = cron_next(s, z, from), u;
        if (t >= 0 && t <= now) {
            while ((u = cron_next(s, z, t)) >= 0 && u <= now)
                t = u;
            return t;
        }
        if (from == earliest)
            return -1;
    }
}

static bool in_active(json_object *cj, const char *name)
{
    json_object *active = mk_json_path(cj, "status.active");
    for (size_t i = 0;
         json_object_is_type(active, json_type_array) && i < json_object_array_length(active);
         i++)
        if (strcmp(mk_json_str(json_object_array_get_idx(active, i), "name") ?: "", name) == 0)
            return true;
    return false;
}

void cronjob_decide(json_object *cj, const cron_schedule *s, const cron_zone *z, int64_t now,
                    cronjob_plan *out)
{
    *out = (cronjob_plan){.scheduled = -1, .next = cron_next(s, z, now)};
    const char *last = mk_json_str(cj, "status.lastScheduleTime");
    int64_t earliest = mk_parse_rfc3339(last ?: mk_json_str(cj, "metadata.creationTimestamp") ?: "");
    if (earliest < 0)
        earliest = now;
    json_object *dl = mk_json_path(cj, "spec.startingDeadlineSeconds");
    int64_t deadline = dl ? json_object_get_int64(dl) : -1;
    if (dl && now - deadline > earliest)
        earliest = now - deadline;
    int missed = 0;
    int64_t t = earliest, recent = -1;
    while ((t = cron_next(s, z, t)) >= 0 && t <= now) {
        recent = t;
        if (++missed > CRONJOB_MAX_MISSED) {
            out->too_many_missed = true;
            recent = most_recent(s, z, earliest, now);
            break;
        }
    }
    if (recent < 0)
        return;
    out->scheduled = recent;
    out->too_late = dl && recent + deadline < now;
    _cleanup_free_ char *name =
        cronjob_job_name(mk_json_str(cj, "metadata.name") ?: "", recent);
    out->already = (last && mk_parse_rfc3339(last) == recent) || in_active(cj, name);
    json_object *active = mk_json_path(cj, "status.active");
    bool busy =
        json_object_is_type(active, json_type_array) && json_object_array_length(active);
    const char *policy = mk_json_str(cj, "spec.concurrencyPolicy") ?: "Allow";
    out->forbid = busy && strcmp(policy, "Forbid") == 0;
    out->replace = busy && strcmp(policy, "Replace") == 0;
}

/* ---- the controller ---- */

typedef struct cronctl {
    manager *m;
    objkey_loop loop;
    mk_informer *cronjobs, *jobs;
} cronctl;

/* JOB_GOING: being deleted, neither active nor history. */
enum { JOB_GOING = -1, JOB_RUNNING, JOB_SUCCEEDED, JOB_FAILED };

/* A Job of the CronJob, as the cache shows it. */
typedef struct owned_job {
    char *name, *uid, *rv;
    int state;
    int64_t start, completion;
} owned_job;

typedef struct job_scan {
    const char *uid;
    owned_job *jobs;
    size_t n;
} job_scan;

static int job_state(json_object *job)
{
    return mk_condition_true(job, "Complete") ? JOB_SUCCEEDED
           : mk_condition_true(job, "Failed") ? JOB_FAILED
                                              : JOB_RUNNING;
}

static int scan_job(void *ctx, json_object *job)
{
    job_scan *s = ctx;
    const char *uid = mk_json_str(objkey_owner(job, "CronJob"), "uid");
    if (!uid || strcmp(uid, s->uid) != 0)
        return 0;
    s->jobs = xrealloc(s->jobs, (s->n + 1) * sizeof *s->jobs);
    owned_job *j = &s->jobs[s->n++];
    const char *start =
        mk_json_str(job, "status.startTime") ?: mk_json_str(job, "metadata.creationTimestamp");
    const char *end = mk_json_str(job, "status.completionTime");
    *j = (owned_job){.name = xstrdup(mk_json_str(job, "metadata.name") ?: ""),
                     .uid = xstrdup(mk_json_str(job, "metadata.uid") ?: ""),
                     .rv = xstrdup(mk_json_str(job, "metadata.resourceVersion") ?: ""),
                     .state = mk_json_str(job, "metadata.deletionTimestamp") ? JOB_GOING
                                                                             : job_state(job),
                     .start = start ? mk_parse_rfc3339(start) : 0,
                     .completion = end ? mk_parse_rfc3339(end) : 0};
    return 0;
}

static void scan_free(job_scan *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->jobs[i].name);
        free(s->jobs[i].uid);
        free(s->jobs[i].rv);
    }
    free(s->jobs);
}

static owned_job *scan_find(job_scan *s, const char *uid)
{
    for (size_t i = 0; uid && i < s->n; i++)
        if (strcmp(s->jobs[i].uid, uid) == 0)
            return &s->jobs[i];
    return NULL;
}

static json_object *job_reference(const char *ns, const char *name, const char *uid,
                                  const char *rv)
{
    json_object *r = json_object_new_object();
    json_object_object_add(r, "apiVersion", json_object_new_string("batch/v1"));
    json_object_object_add(r, "kind", json_object_new_string("Job"));
    json_object_object_add(r, "name", json_object_new_string(name));
    json_object_object_add(r, "namespace", json_object_new_string(ns));
    json_object_object_add(r, "uid", json_object_new_string(uid));
    if (rv && *rv)
        json_object_object_add(r, "resourceVersion", json_object_new_string(rv));
    return r;
}

static void event(cronctl *c, json_object *cj, const char *type, const char *reason,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void event(cronctl *c, json_object *cj, const char *type, const char *reason,
                  const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mk_obj_ref ref = recorder_ref(cj);
    recorder_event(manager_recorder(c->m), &ref, type, reason, "%s", msg);
    mk_log("cronjob: %s/%s: %s: %s", ref.ns, ref.name, reason, msg);
}

/* An active entry whose Job the cache lacks: gone, or only not seen yet? */
static bool job_gone(cronctl *c, const char *ns, json_object *entry)
{
    json_object *job = NULL;
    mk_err err = {0};
    int rc = client_get(manager_client(c->m), kind_by_kind("Job"), ns,
                        mk_json_str(entry, "name") ?: "", &job, &err);
    bool gone = rc == -ENOENT || (rc == 0 && strcmp(mk_json_str(job, "metadata.uid") ?: "",
                                                    mk_json_str(entry, "uid") ?: "") != 0);
    json_object_put(job);
    return gone;
}

/* status.active and lastSuccessfulTime from the Jobs, into st. */
static void reconcile_active(cronctl *c, json_object *cj, json_object *st, job_scan *s)
{
    const char *ns = mk_json_str(cj, "metadata.namespace") ?: "default";
    json_object *old = mk_json_path(st, "active"), *active = json_object_new_array();
    for (size_t i = 0;
         json_object_is_type(old, json_type_array) && i < json_object_array_length(old); i++) {
        json_object *e = json_object_array_get_idx(old, i);
        owned_job *j = scan_find(s, mk_json_str(e, "uid"));
        if (j && j->state == JOB_RUNNING) {
            json_object_array_add(active, json_object_get(e));
        } else if (j && j->state > JOB_RUNNING) {
            event(c, cj, "Normal", "SawCompletedJob", "Saw completed job: %s, condition: %s",
                  j->name, j->state == JOB_SUCCEEDED ? "Complete" : "Failed");
        } else if (!j && !job_gone(c, ns, e)) {
            json_object_array_add(active, json_object_get(e)); /* the cache lags */
        } else if (!j) {
            event(c, cj, "Normal", "MissingJob", "Active job went missing: %s",
                  mk_json_str(e, "name") ?: "");
        }
    }
    int64_t last_ok = mk_parse_rfc3339(mk_json_str(st, "lastSuccessfulTime") ?: "");
    for (size_t i = 0; i < s->n; i++) {
        owned_job *j = &s->jobs[i];
        if (j->state == JOB_RUNNING && !in_active(cj, j->name))
            json_object_array_add(active, job_reference(ns, j->name, j->uid, j->rv));
        if (j->state == JOB_SUCCEEDED && j->completion > last_ok)
            last_ok = j->completion;
    }
    if (last_ok > 0) {
        char ts[32];
        mk_rfc3339(ts, sizeof ts, last_ok);
        json_object_object_add(st, "lastSuccessfulTime", json_object_new_string(ts));
    }
    json_object_object_add(st, "active", active);
}

/* scheduled as RFC 3339 in the CronJob's zone, as Kubernetes writes the
 * scheduled-timestamp annotation ("Z" in UTC, else the offset). */
static void zoned_rfc3339(char *buf, size_t n, int64_t t, const cron_zone *z)
{
    int64_t off = cron_zone_offset(z, t);
    time_t local = (time_t)(t + off);
    struct tm tm;
    gmtime_r(&local, &tm);
    size_t len = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
    if (off == 0)
        snprintf(buf + len, n - len, "Z");
    else
        snprintf(buf + len, n - len, "%c%02d:%02d", off < 0 ? '-' : '+',
                 (int)(llabs(off) / 3600), (int)(llabs(off) % 3600 / 60));
}

/* The Job of scheduled time t, from spec.jobTemplate. */
static json_object *new_job(json_object *cj, int64_t t, const cron_zone *z)
{
    json_object *job = json_object_new_object(), *md = json_object_new_object(), *v = NULL;
    json_object_object_add(job, "apiVersion", json_object_new_string("batch/v1"));
    json_object_object_add(job, "kind", json_object_new_string("Job"));
    json_object_object_add(job, "metadata", md);
    const char *name = mk_json_str(cj, "metadata.name") ?: "";
    _cleanup_free_ char *job_name = cronjob_job_name(name, t);
    json_object_object_add(md, "name", json_object_new_string(job_name));
    json_object_object_add(
        md, "namespace",
        json_object_new_string(mk_json_str(cj, "metadata.namespace") ?: "default"));
    static const char *const copied[] = {"labels", "annotations"};
    for (size_t i = 0; i < ARRAY_SIZE(copied); i++) {
        json_object *src =
            mk_json_path(mk_json_path(cj, "spec.jobTemplate.metadata"), copied[i]);
        if (src && json_object_deep_copy(src, &v, NULL) == 0)
            json_object_object_add(md, copied[i], v);
        v = NULL;
    }
    char ts[48];
    zoned_rfc3339(ts, sizeof ts, t, z);
    json_object_object_add(mk_json_ensure(md, "annotations"), SCHEDULED_ANNOTATION,
                           json_object_new_string(ts));
    json_object *refs = json_object_new_array();
    json_object_array_add(refs, objkey_controller_ref(cj, "batch/v1", "CronJob"));
    json_object_object_add(md, "ownerReferences", refs);
    json_object *spec = mk_json_path(cj, "spec.jobTemplate.spec");
    if (spec && json_object_deep_copy(spec, &v, NULL) == 0)
        json_object_object_add(job, "spec", v);
    return job;
}

/* Start the Job of plan->scheduled; its reference joins st.active. */
static int create_job(cronctl *c, json_object *cj, json_object *st, const cronjob_plan *p,
                      const cron_zone *z, mk_err *err)
{
    const char *ns = mk_json_str(cj, "metadata.namespace") ?: "default";
    json_object *job = new_job(cj, p->scheduled, z), *out = NULL;
    int rc = client_create(manager_client(c->m), kind_by_kind("Job"), ns, job, &out, err);
    char ts[32];
    mk_rfc3339(ts, sizeof ts, p->scheduled);
    if (rc == 0) {
        event(c, cj, "Normal", "SuccessfulCreate", "Created job %s",
              mk_json_str(out, "metadata.name") ?: "");
        json_object_array_add(mk_json_path(st, "active"),
                              job_reference(ns, mk_json_str(out, "metadata.name") ?: "",
                                            mk_json_str(out, "metadata.uid") ?: "",
                                            mk_json_str(out, "metadata.resourceVersion")));
    } else if (rc == -EEXIST) {
        rc = 0; /* made before the cache showed it: the Job's own event adds it */
    } else {
        event(c, cj, "Warning", "FailedCreate", "Error creating job: %s", err->msg);
    }
    if (rc == 0)
        json_object_object_add(st, "lastScheduleTime", json_object_new_string(ts));
    json_object_put(out);
    json_object_put(job);
    return rc;
}

static void delete_job(cronctl *c, json_object *cj, const char *name)
{
    mk_err err = {0};
    if (client_delete(manager_client(c->m), kind_by_kind("Job"),
                      mk_json_str(cj, "metadata.namespace"), name, "Background", &err) == 0)
        event(c, cj, "Normal", "SuccessfulDelete", "Deleted job %s", name);
    else if (err.code != ENOENT)
        mk_log("cronjob: %s: delete job %s: %s", mk_json_str(cj, "metadata.name"), name,
               err.msg);
}

/* concurrencyPolicy Replace: the active Jobs go before the new one comes. */
static void replace_active(cronctl *c, json_object *cj, json_object *st)
{
    json_object *active = mk_json_path(st, "active");
    for (size_t i = 0; i < json_object_array_length(active); i++)
        delete_job(c, cj, mk_json_str(json_object_array_get_idx(active, i), "name") ?: "");
    json_object_object_add(st, "active", json_object_new_array());
}

static int by_start(const void *a, const void *b)
{
    const owned_job *x = *(owned_job *const *)a, *y = *(owned_job *const *)b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Finished Jobs in state beyond the limit, oldest first, are deleted. */
static void trim_history(cronctl *c, json_object *cj, job_scan *s, int state, int64_t limit)
{
    owned_job **done = xcalloc(s->n + 1, sizeof *done);
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->jobs[i].state == state)
            done[n++] = &s->jobs[i];
    qsort(done, n, sizeof *done, by_start);
    for (size_t i = 0; limit >= 0 && (int64_t)(n - i) > limit; i++)
        delete_job(c, cj, done[i]->name);
    free(done);
}

/* Patch status to st when it differs (an empty active list is removed).
 * The patch carries the resourceVersion it was computed from: a status
 * from a cache that lags behind our own last write fails ESTALE instead
 * of undoing that write. */
static int write_status(cronctl *c, json_object *cj, json_object *st, mk_err *err)
{
    if (json_object_array_length(mk_json_path(st, "active")) == 0)
        json_object_object_del(st, "active");
    json_object *old = mk_json_path(cj, "status");
    if (old ? json_object_equal(old, st) : json_object_object_length(st) == 0)
        return 0;
    if (!mk_json_path(st, "active"))
        json_object_object_add(st, "active", NULL); /* null: merge patch removes it */
    json_object *patch = json_object_new_object(), *md = json_object_new_object();
    json_object_object_add(
        md, "resourceVersion",
        json_object_new_string(mk_json_str(cj, "metadata.resourceVersion") ?: ""));
    json_object_object_add(patch, "metadata", md);
    json_object_object_add(patch, "status", json_object_get(st));
    int rc =
        client_patch(manager_client(c->m), kind_by_kind("CronJob"),
                     mk_json_str(cj, "metadata.namespace"), mk_json_str(cj, "metadata.name"),
                     "status", json_object_to_json_string(patch), NULL, err);
    json_object_put(patch);
    return rc == -ENOENT ? 0 : rc;
}

/* The schedule's part of a sync: start the Job that is due, if any, and
 * say when to look again. */
static int run_schedule(cronctl *c, json_object *cj, json_object *st, int64_t *requeue_ms,
                        mk_err *err)
{
    json_object *suspend = mk_json_path(cj, "spec.suspend");
    if (suspend && json_object_get_boolean(suspend))
        return 0; /* an update that resumes it wakes us */
    const char *spec = mk_json_str(cj, "spec.schedule") ?: "",
               *tz = mk_json_str(cj, "spec.timeZone");
    cron_schedule cs;
    cron_zone *z = NULL;
    mk_err perr = {0};
    if (cron_parse(spec, &cs, &perr) < 0) {
        event(c, cj, "Warning", "UnparseableSchedule", "unparseable schedule: \"%s\" : %s",
              spec, perr.msg);
        return 0;
    }
    if (cron_zone_load(tz, &z, &perr) < 0) {
        event(c, cj, "Warning", "UnknownTimeZone", "invalid timeZone: \"%s\": %s", tz,
              perr.msg);
        return 0;
    }
    json_object *work = NULL; /* the CronJob with its reconciled status */
    json_object_deep_copy(cj, &work, NULL);
    json_object_object_add(work, "status", json_object_get(st));
    int64_t now_ms = mk_wall_ms();
    cronjob_plan p;
    cronjob_decide(work, &cs, z, now_ms / 1000, &p);
    json_object_put(work);
    char ts[32];
    mk_rfc3339(ts, sizeof ts, p.scheduled);
    int rc = 0;
    if (p.too_many_missed)
        event(c, cj, "Warning", "TooManyMissedTimes",
              "too many missed start times. Set or decrease .spec.startingDeadlineSeconds "
              "or check clock skew");
    if (p.scheduled < 0 || p.already) {
        /* nothing due */
    } else if (p.too_late) {
        event(c, cj, "Normal", "MissSchedule", "Missed scheduled time to start a job: %s", ts);
    } else if (p.forbid) {
        event(c, cj, "Normal", "JobAlreadyActive",
              "Not starting job because prior execution is running and concurrency policy "
              "is Forbid");
    } else {
        if (p.replace)
            replace_active(c, cj, st);
        rc = create_job(c, cj, st, &p, z, err);
    }
    if (p.next >= 0)
        *requeue_ms = p.next * 1000 - now_ms + CRONJOB_WAKE_MS;
    cron_zone_free(z);
    return rc;
}

static int sync_cronjob(void *ctx, json_object *cj, int64_t *requeue_ms, mk_err *err)
{
    cronctl *c = ctx;
    if (mk_json_str(cj, "metadata.deletionTimestamp"))
        return 0;
    json_object *old = mk_json_path(cj, "status"), *st = NULL;
    if (!json_object_is_type(old, json_type_object) ||
        json_object_deep_copy(old, &st, NULL) < 0)
        st = json_object_new_object();
    job_scan s = {.uid = mk_json_str(cj, "metadata.uid") ?: ""};
    informer_foreach(c->jobs, scan_job, &s);
    reconcile_active(c, cj, st, &s);
    int rc = run_schedule(c, cj, st, requeue_ms, err);
    trim_history(c, cj, &s, JOB_SUCCEEDED,
                 mk_json_int(cj, "spec.successfulJobsHistoryLimit", 3));
    trim_history(c, cj, &s, JOB_FAILED, mk_json_int(cj, "spec.failedJobsHistoryLimit", 1));
    mk_err serr = {0};
    int src = write_status(c, cj, st, &serr);
    if (src == -ESTALE)
        *requeue_ms = CRONJOB_STALE_MS; /* the cache catches up: look again */
    else if (rc == 0 && src < 0)
        rc = src, *err = serr;
    json_object_put(st);
    scan_free(&s);
    return rc;
}

static void cronjob_stop(void *state)
{
    cronctl *c = state;
    objkey_loop_stop(&c->loop);
    free(c);
}

static int cronjob_start(manager *m, void **state, mk_err *err)
{
    cronctl *c = xcalloc(1, sizeof *c);
    c->m = m;
    objkey_loop_init(&c->loop, m, "CronJob", CRONJOB_RETRY_MS, sync_cronjob, c);
    c->cronjobs = objkey_loop_watch(&c->loop);
    c->jobs = objkey_loop_watch_owned(&c->loop, "Job");
    int rc = objkey_loop_start(&c->loop, err);
    if (rc < 0) {
        cronjob_stop(c);
        return rc;
    }
    *state = c;
    return 0;
}

const mk_controller cronjob_controller = {
    .name = "cronjob",
    .start = cronjob_start,
    .stop = cronjob_stop,
};
