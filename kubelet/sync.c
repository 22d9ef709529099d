/* sync.c - one worker thread per pod, level-triggered: each pass compares
 * the pod's spec with what runs and acts (sandbox, containers in order,
 * restarts), then posts the status when it changed. Workers wake on pod
 * changes, on container exits (inotify on conmon's exit files), at a
 * restart's backoff deadline, and every resync period. */
#include "kubelet/cgroup.h"
#include "kubelet/ctrstate.h"
#include "kubelet/kubelet.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/util.h"

#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uthash.h>

struct pod_worker {
    char *uid, *ns, *name;
    kubelet *kl;
    /* Under kl->lock: */
    json_object *pod; /* the newest object the informer gave */
    bool deleted;
    bool kicked;
    pthread_cond_t cond;
    pthread_t thread;
    /* The worker's own: */
    ctr_state *ctrs;
    size_t nctrs;
    bool discovered;
    bool sandbox_ready;
    bool released; /* finished: IP and namespaces given back */
    char ip[64];
    int64_t start_ms;
    json_object *conds; /* condition type -> {status, lastTransitionTime} */
    char *last_posted;
    UT_hash_handle hh;
};

static int64_t now_ms(void)
{
    return mk_wall_ms();
}

static void worker_kick_locked(pod_worker *w)
{
    w->kicked = true;
    pthread_cond_signal(&w->cond);
}

/* ---- discovery: what already runs (a restarted kubelet adopts it) ---- */

static json_object *api_ctr_status(json_object *pod, const char *name)
{
    json_object *a = mk_json_path(pod, "status.containerStatuses");
    size_t n = a ? json_object_array_length(a) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *s = json_object_array_get_idx(a, i);
        const char *sn = mk_json_str(s, "name");
        if (sn && strcmp(sn, name) == 0)
            return s;
    }
    return NULL;
}

static void worker_discover(pod_worker *w, json_object *pod)
{
    kubelet *kl = w->kl;
    json_object *ctrs = mk_json_path(pod, "spec.containers");
    w->nctrs = ctrs ? json_object_array_length(ctrs) : 0;
    w->ctrs = xcalloc(w->nctrs + 1, sizeof *w->ctrs);
    const char *st = mk_json_str(pod, "status.startTime");
    w->start_ms = st ? mk_parse_rfc3339(st) * 1000 : now_ms();
    const char *policy = mk_json_str(pod, "spec.restartPolicy");
    for (size_t i = 0; i < w->nctrs; i++) {
        json_object *spec = json_object_array_get_idx(ctrs, i);
        ctr_state *c = &w->ctrs[i];
        const char *name = mk_json_str(spec, "name");
        c->name = xstrdup(name ? name : "");
        c->image = xstrdup(mk_json_str(spec, "image") ? mk_json_str(spec, "image") : "");
        json_object *prev = api_ctr_status(pod, c->name);
        c->restart_count = (int)mk_json_int(prev, "restartCount", 0);
        json_object *ls = mk_json_path(prev, "lastState");
        c->last_state = ls ? json_object_get(ls) : NULL;
        _cleanup_free_ char *id = pods_container_id(w->uid, c->name);
        runtime_status rs = RUNTIME_ABSENT;
        mk_err err;
        if (runtime_exists(kl->rt, id))
            runtime_state(kl->rt, id, &rs, NULL, &err);
        const char *started = mk_json_str(prev, "state.running.startedAt");
        if (rs != RUNTIME_ABSENT) {
            c->started = c->ever_started = true;
            /* A stopped (or never started) one is handled as an exit by the
             * pass that follows. */
            c->running = rs == RUNTIME_RUNNING;
            c->started_ms = started ? mk_parse_rfc3339(started) * 1000 : now_ms();
            ctrstate_running(c, c->started_ms);
            mk_log("pod %s/%s: adopted container %s", w->ns, w->name, c->name);
            continue;
        }
        json_object *term = mk_json_path(prev, "state.terminated");
        if (term) {
            c->ever_started = true;
            int code = (int)mk_json_int(term, "exitCode", 0);
            if (!ctrstate_should_restart(policy, code)) {
                c->done = true;
                c->state = json_object_get(mk_json_path(prev, "state"));
            }
        } else if (started || c->restart_count > 0) {
            c->ever_started = true;
        }
    }
}

/* ---- one pass ---- */

static bool all_images_present(pod_worker *w, json_object *pod)
{
    json_object *ctrs = mk_json_path(pod, "spec.containers");
    bool ok = true;
    for (size_t i = 0; i < w->nctrs; i++) {
        mk_err err;
        if (w->ctrs[i].started || w->ctrs[i].done)
            continue;
        if (pods_check_image(&w->kl->env, json_object_array_get_idx(ctrs, i), &err) < 0) {
            ctrstate_waiting(&w->ctrs[i], "ErrImageNeverPull", err.msg);
            ok = false;
        }
    }
    return ok;
}

static void handle_exit(pod_worker *w, ctr_state *c, const char *policy, int code,
                        int64_t finished_ms)
{
    kubelet *kl = w->kl;
    _cleanup_free_ char *id = pods_container_id(w->uid, c->name);
    /* OOM evidence lives in the cgroup, which runc delete removes. */
    _cleanup_free_ char *cg = pods_cgroup_path(w->uid, c->name);
    cgroup_stats cs;
    bool oom = cgroup_read(cg, &cs) && cs.oom_kills > 0 && code != 0;
    json_object *term = ctrstate_terminated(id, code, oom, c->started_ms, finished_ms);
    mk_err err;
    if (pods_remove_container(&kl->env, w->uid, c->name, &err) < 0)
        mk_log("pod %s/%s: %s", w->ns, w->name, err.msg);
    c->started = c->running = false;
    mk_log("pod %s/%s: container %s exited %d%s", w->ns, w->name, c->name, code,
           oom ? " (OOMKilled)" : "");
    if (ctrstate_should_restart(policy, code)) {
        int64_t delay = ctrstate_backoff_ms(c->restart_count, finished_ms - c->started_ms,
                                            kl->cfg.backoff_base_ms, kl->cfg.backoff_max_ms);
        json_object_put(c->last_state);
        c->last_state = term;
        c->restart_count++;
        c->backoff_until_ms = now_ms() + delay;
        if (delay > 0) {
            _cleanup_free_ char *msg =
                xasprintf("back-off %llds restarting failed container=%s",
                          (long long)(delay / 1000), c->name);
            ctrstate_waiting(c, "CrashLoopBackOff", msg);
        }
    } else {
        json_object_put(c->state);
        c->state = term;
        c->done = true;
    }
}

static void start_container(pod_worker *w, ctr_state *c, json_object *pod, json_object *spec)
{
    mk_err err = {0};
    int64_t t0 = now_ms();
    if (pods_check_image(&w->kl->env, spec, &err) < 0) {
        ctrstate_waiting(c, "ErrImageNeverPull", err.msg);
        return;
    }
    if (pods_start_container(&w->kl->env, pod, spec, c->restart_count, w->ip, &err) < 0) {
        mk_log("pod %s/%s: %s", w->ns, w->name, err.msg);
        ctrstate_waiting(c, "RunContainerError", err.msg);
        c->backoff_until_ms =
            now_ms() + ctrstate_backoff_ms(c->restart_count + 1, 0, w->kl->cfg.backoff_base_ms,
                                           w->kl->cfg.backoff_max_ms);
        return;
    }
    c->started = c->running = c->ever_started = true;
    c->started_ms = t0;
    mk_debug("pod %s/%s: container %s started in %lld ms", w->ns, w->name, c->name,
             (long long)(now_ms() - t0));
    ctrstate_running(c, t0);
    mk_log("pod %s/%s: started container %s%s", w->ns, w->name, c->name,
           c->restart_count ? " (restart)" : "");
}

/* Returns the next time (ms) the worker must look again, or 0. */
static int64_t sync_containers(pod_worker *w, json_object *pod)
{
    kubelet *kl = w->kl;
    const char *policy = mk_json_str(pod, "spec.restartPolicy");
    json_object *specs = mk_json_path(pod, "spec.containers");
    int64_t next = 0;
    for (size_t i = 0; i < w->nctrs; i++) {
        ctr_state *c = &w->ctrs[i];
        if (c->done)
            continue;
        _cleanup_free_ char *id = pods_container_id(w->uid, c->name);
        if (c->started) {
            int64_t fin = now_ms();
            int code = runtime_exit_code(kl->rt, id, &fin);
            if (code < 0 && c->running)
                continue;
            if (code < 0)
                code = 137; /* stopped without an exit file: killed with conmon */
            handle_exit(w, c, policy, code, fin);
            if (c->done)
                continue;
        }
        int64_t now = now_ms();
        if (c->backoff_until_ms > now) {
            if (!next || c->backoff_until_ms < next)
                next = c->backoff_until_ms;
            continue;
        }
        start_container(w, c, pod, json_object_array_get_idx(specs, i));
        if (!c->started && c->backoff_until_ms > now && (!next || c->backoff_until_ms < next))
            next = c->backoff_until_ms;
    }
    return next;
}

static void set_condition(pod_worker *w, json_object *arr, const char *type, bool ok)
{
    if (!w->conds)
        w->conds = json_object_new_object();
    const char *status = ok ? "True" : "False";
    json_object *prev = json_object_object_get(w->conds, type);
    const char *pst = mk_json_str(prev, "status");
    if (!prev || !pst || strcmp(pst, status) != 0) {
        char ts[32];
        mk_rfc3339(ts, sizeof ts, now_ms() / 1000);
        json_object *c = json_object_new_object();
        json_object_object_add(c, "status", json_object_new_string(status));
        json_object_object_add(c, "lastTransitionTime", json_object_new_string(ts));
        json_object_object_add(w->conds, type, c);
        prev = c;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "type", json_object_new_string(type));
    json_object_object_add(o, "status", json_object_new_string(status));
    json_object_object_add(o, "lastProbeTime", NULL);
    json_object_object_add(o, "lastTransitionTime",
                           json_object_get(json_object_object_get(prev, "lastTransitionTime")));
    json_object_array_add(arr, o);
}

static json_object *build_status(pod_worker *w)
{
    json_object *s = json_object_new_object();
    json_object_object_add(s, "phase",
                           json_object_new_string(ctrstate_phase(w->ctrs, w->nctrs)));
    bool ready = w->nctrs > 0;
    for (size_t i = 0; i < w->nctrs; i++)
        ready &= w->ctrs[i].running;
    json_object *conds = json_object_new_array();
    set_condition(w, conds, "Initialized", true);
    set_condition(w, conds, "Ready", ready);
    set_condition(w, conds, "ContainersReady", ready);
    set_condition(w, conds, "PodScheduled", true);
    json_object_object_add(s, "conditions", conds);
    json_object_object_add(s, "hostIP", json_object_new_string(w->kl->node_ip));
    if (w->ip[0]) {
        json_object_object_add(s, "podIP", json_object_new_string(w->ip));
        json_object *ips = json_object_new_array(), *one = json_object_new_object();
        json_object_object_add(one, "ip", json_object_new_string(w->ip));
        json_object_array_add(ips, one);
        json_object_object_add(s, "podIPs", ips);
    }
    char ts[32];
    mk_rfc3339(ts, sizeof ts, w->start_ms / 1000);
    json_object_object_add(s, "startTime", json_object_new_string(ts));
    json_object *cs = json_object_new_array();
    for (size_t i = 0; i < w->nctrs; i++) {
        _cleanup_free_ char *id = pods_container_id(w->uid, w->ctrs[i].name);
        json_object_array_add(cs, ctrstate_status(&w->ctrs[i], id));
    }
    json_object_object_add(s, "containerStatuses", cs);
    json_object_object_add(s, "qosClass", json_object_new_string("BestEffort"));
    return s;
}

static void post_status(pod_worker *w)
{
    json_object *status = build_status(w);
    json_object *patch = json_object_new_object();
    json_object_object_add(patch, "status", status);
    const char *body = json_object_to_json_string_ext(patch, JSON_C_TO_STRING_PLAIN);
    if (w->last_posted && strcmp(w->last_posted, body) == 0) {
        json_object_put(patch);
        return;
    }
    mk_err err = {0};
    json_object *out = NULL;
    int64_t t0 = mk_now_ns();
    int rc = client_patch(w->kl->client, kind_by_kind("Pod"), w->ns, w->name, "status", body,
                          &out, &err);
    json_object_put(out);
    mk_debug("pod %s/%s: status posted in %lld us", w->ns, w->name,
             (long long)((mk_now_ns() - t0) / 1000));
    if (rc == 0) {
        free(w->last_posted);
        w->last_posted = xstrdup(body);
    } else if (err.code != ENOENT) {
        mk_log("pod %s/%s: status: %s", w->ns, w->name, err.msg);
    }
    json_object_put(patch);
}

static bool pod_terminal(pod_worker *w)
{
    const char *p = ctrstate_phase(w->ctrs, w->nctrs);
    return w->nctrs && (strcmp(p, "Succeeded") == 0 || strcmp(p, "Failed") == 0);
}

static int64_t worker_pass(pod_worker *w, json_object *pod)
{
    if (!w->discovered) {
        worker_discover(w, pod);
        w->discovered = true;
    }
    int64_t next = 0;
    if (!w->sandbox_ready && !pod_terminal(w)) {
        /* Every image first: a missing one leaves nothing half-started. */
        if (!all_images_present(w, pod)) {
            post_status(w);
            return now_ms() + (int64_t)w->kl->cfg.resync_s * 1000;
        }
        mk_err err = {0};
        int64_t t0 = now_ms();
        if (pods_sandbox_up(&w->kl->env, pod, w->ip, &err) < 0) {
            mk_log("pod %s/%s: sandbox: %s", w->ns, w->name, err.msg);
            for (size_t i = 0; i < w->nctrs; i++)
                if (!w->ctrs[i].started)
                    ctrstate_waiting(&w->ctrs[i], "ContainerCreating", err.msg);
            post_status(w);
            return now_ms() + 1000;
        }
        w->sandbox_ready = true;
        mk_debug("pod %s/%s: sandbox up in %lld ms", w->ns, w->name,
                 (long long)(now_ms() - t0));
    }
    next = sync_containers(w, pod);
    post_status(w);
    return next;
}

/* ---- deletion ---- */

static bool all_exited(pod_worker *w)
{
    for (size_t i = 0; i < w->nctrs; i++) {
        if (!w->ctrs[i].started)
            continue;
        _cleanup_free_ char *id = pods_container_id(w->uid, w->ctrs[i].name);
        if (runtime_exit_code(w->kl->rt, id, NULL) < 0)
            return false;
    }
    return true;
}

static void signal_all(pod_worker *w, int sig)
{
    for (size_t i = 0; i < w->nctrs; i++) {
        if (!w->ctrs[i].started)
            continue;
        _cleanup_free_ char *id = pods_container_id(w->uid, w->ctrs[i].name);
        mk_err err;
        if (runtime_kill(w->kl->rt, id, sig, &err) < 0)
            mk_debug("pod %s/%s: %s", w->ns, w->name, err.msg);
    }
}

static void worker_terminate(pod_worker *w, json_object *pod)
{
    kubelet *kl = w->kl;
    int64_t grace = mk_json_int(pod, "spec.terminationGracePeriodSeconds", 30);
    if (!w->discovered) {
        worker_discover(w, pod);
        w->discovered = true;
    }
    signal_all(w, SIGTERM);
    int64_t deadline = mk_now_ns() + grace * 1000000000;
    pthread_mutex_lock(&kl->lock);
    while (!all_exited(w) && mk_now_ns() < deadline && !kl->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&w->cond, &kl->lock, &ts);
    }
    pthread_mutex_unlock(&kl->lock);
    if (!all_exited(w))
        signal_all(w, SIGKILL);
    mk_err err = {0};
    if (pods_teardown(&kl->env, w->uid, &err) < 0)
        mk_log("pod %s/%s: teardown: %s", w->ns, w->name, err.msg);
    else
        mk_log("pod %s/%s: deleted, everything removed", w->ns, w->name);
}

/* Graceful deletion: the object waits (deletionTimestamp set) until the
 * kubelet has stopped everything; then it goes for good. The uid
 * precondition spares a pod re-created under the same name. */
static void finalize_delete(pod_worker *w)
{
    _cleanup_free_ char *coll = kind_collection_path(kind_by_kind("Pod"), w->ns);
    _cleanup_free_ char *path = xasprintf("%s/%s", coll, w->name);
    _cleanup_free_ char *body =
        xasprintf("{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\","
                  "\"gracePeriodSeconds\":0,\"preconditions\":{\"uid\":\"%s\"}}",
                  w->uid);
    int status = 0;
    char *resp = NULL;
    size_t rlen = 0;
    mk_err err = {0};
    if (client_request(w->kl->client, "DELETE", path, "application/json", body, strlen(body),
                       &status, &resp, &rlen, NULL, &err) < 0 &&
        err.code != ENOENT)
        mk_log("pod %s/%s: final delete: %s", w->ns, w->name, err.msg);
    free(resp);
}

/* ---- the worker thread ---- */

static void worker_free(pod_worker *w)
{
    for (size_t i = 0; i < w->nctrs; i++)
        ctrstate_free(&w->ctrs[i]);
    free(w->ctrs);
    json_object_put(w->pod);
    json_object_put(w->conds);
    pthread_cond_destroy(&w->cond);
    free(w->last_posted);
    free(w->uid);
    free(w->ns);
    free(w->name);
    free(w);
}

static void *worker_main(void *arg)
{
    pod_worker *w = arg;
    kubelet *kl = w->kl;
    int64_t next = 0;
    for (;;) {
        pthread_mutex_lock(&kl->lock);
        int64_t deadline = now_ms() + (int64_t)kl->cfg.resync_s * 1000;
        if (next && next < deadline)
            deadline = next;
        while (!w->kicked && !kl->stop && now_ms() < deadline) {
            struct timespec ts = {.tv_sec = deadline / 1000,
                                  .tv_nsec = (deadline % 1000) * 1000000};
            pthread_cond_timedwait(&w->cond, &kl->lock, &ts);
        }
        w->kicked = false;
        bool deleted = w->deleted, stop = kl->stop;
        json_object *pod = json_object_get(w->pod);
        pthread_mutex_unlock(&kl->lock);
        if (stop) {
            json_object_put(pod);
            break;
        }
        if (deleted || mk_json_str(pod, "metadata.deletionTimestamp")) {
            worker_terminate(w, pod);
            if (!deleted)
                finalize_delete(w);
            json_object_put(pod);
            pthread_mutex_lock(&kl->lock);
            if (kl->stop) {
                /* sync_stop_all joins and frees this worker. */
                pthread_mutex_unlock(&kl->lock);
                return NULL;
            }
            HASH_DEL(kl->workers, w);
            pthread_detach(w->thread);
            pthread_mutex_unlock(&kl->lock);
            worker_free(w);
            return NULL;
        }
        if (!pod_terminal(w)) {
            next = worker_pass(w, pod);
        } else if (!w->released) {
            /* Finished: the logs stay, the IP and namespaces go back. */
            pods_release_sandbox(&kl->env, w->uid);
            w->sandbox_ready = false;
            w->released = true;
            next = 0;
        }
        json_object_put(pod);
    }
    return NULL;
}

/* ---- informer handlers ---- */

static void upsert(kubelet *kl, json_object *pod)
{
    const char *uid = mk_json_str(pod, "metadata.uid");
    const char *name = mk_json_str(pod, "metadata.name");
    const char *ns = mk_json_str(pod, "metadata.namespace");
    if (!uid || !name)
        return;
    pthread_mutex_lock(&kl->lock);
    pod_worker *w = NULL;
    HASH_FIND_STR(kl->workers, uid, w);
    if (!w) {
        w = xcalloc(1, sizeof *w);
        w->uid = xstrdup(uid);
        w->name = xstrdup(name);
        w->ns = xstrdup(ns ? ns : "default");
        w->kl = kl;
        pthread_cond_init(&w->cond, NULL);
        w->pod = json_object_get(pod);
        w->kicked = true;
        HASH_ADD_KEYPTR(hh, kl->workers, w->uid, strlen(w->uid), w);
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            HASH_DEL(kl->workers, w);
            mk_log("pod %s/%s: cannot start a worker", w->ns, w->name);
            pthread_mutex_unlock(&kl->lock);
            worker_free(w);
            return;
        }
    } else {
        json_object_put(w->pod);
        w->pod = json_object_get(pod);
        worker_kick_locked(w);
    }
    pthread_mutex_unlock(&kl->lock);
}

void sync_on_add(void *ctx, json_object *pod)
{
    upsert(ctx, pod);
}

void sync_on_update(void *ctx, json_object *old, json_object *pod)
{
    (void)old;
    upsert(ctx, pod);
}

void sync_on_delete(void *ctx, json_object *pod)
{
    kubelet *kl = ctx;
    const char *uid = mk_json_str(pod, "metadata.uid");
    if (!uid)
        return;
    pthread_mutex_lock(&kl->lock);
    pod_worker *w = NULL;
    HASH_FIND_STR(kl->workers, uid, w);
    if (w) {
        json_object_put(w->pod);
        w->pod = json_object_get(pod);
        w->deleted = true;
        worker_kick_locked(w);
    }
    pthread_mutex_unlock(&kl->lock);
}

/* Pods with local state but no object any more: remove them (their pod was
 * deleted while the kubelet was down). */
static void *orphan_main(void *arg)
{
    kubelet *kl = arg;
    char **uids = NULL;
    size_t n = 0;
    mk_err err;
    pods_list_local(&kl->env, &uids, &n, &err);
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&kl->lock);
        pod_worker *w = NULL;
        HASH_FIND_STR(kl->workers, uids[i], w);
        pthread_mutex_unlock(&kl->lock);
        if (!w) {
            mk_log("pod %s: gone from the API, removing what is left", uids[i]);
            if (pods_teardown(&kl->env, uids[i], &err) < 0)
                mk_log("pod %s: %s", uids[i], err.msg);
        }
        free(uids[i]);
    }
    free(uids);
    /* Containers of pods without a directory at all. */
    char **ids = NULL;
    runtime_list(kl->rt, &ids, &n, &err);
    for (size_t i = 0; i < n; i++) {
        char *uid = NULL, *ctr = NULL;
        if (pods_parse_id(ids[i], &uid, &ctr)) {
            pthread_mutex_lock(&kl->lock);
            pod_worker *w = NULL;
            HASH_FIND_STR(kl->workers, uid, w);
            pthread_mutex_unlock(&kl->lock);
            _cleanup_free_ char *dir = pods_dir(&kl->env, uid);
            if (!w && access(dir, F_OK) < 0 && pods_teardown(&kl->env, uid, &err) < 0)
                mk_log("pod %s: %s", uid, err.msg);
        }
        free(uid);
        free(ctr);
        free(ids[i]);
    }
    free(ids);
    return NULL;
}

void sync_on_synced(void *ctx)
{
    static bool once;
    if (once)
        return;
    once = true;
    pthread_t t;
    if (pthread_create(&t, NULL, orphan_main, ctx) == 0)
        pthread_detach(t);
}

/* ---- exit watcher ---- */

static void *exit_main(void *arg)
{
    kubelet *kl = arg;
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    while (!kl->stop) {
        /* Blocks until an exit file appears; the timeout only lets the
         * thread notice kl->stop. */
        struct pollfd pfd = {.fd = kl->inotify_fd, .events = POLLIN};
        if (poll(&pfd, 1, 500) <= 0)
            continue;
        ssize_t len = read(kl->inotify_fd, buf, sizeof buf);
        if (len <= 0) {
            if (len < 0 && errno != EINTR && errno != EAGAIN)
                break;
            continue;
        }
        for (char *p = buf; p < buf + len;) {
            struct inotify_event *ev = (struct inotify_event *)p;
            p += sizeof *ev + ev->len;
            char *uid = NULL, *ctr = NULL;
            if (!ev->len || !pods_parse_id(ev->name, &uid, &ctr))
                continue;
            pthread_mutex_lock(&kl->lock);
            pod_worker *w = NULL;
            HASH_FIND_STR(kl->workers, uid, w);
            if (w)
                worker_kick_locked(w);
            pthread_mutex_unlock(&kl->lock);
            mk_debug("exit file for %s", ev->name);
            free(uid);
            free(ctr);
        }
    }
    return NULL;
}

int sync_start_exit_watcher(kubelet *kl, mk_err *err)
{
    kl->inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (kl->inotify_fd < 0)
        return mk_error(err, errno, "inotify: %s", strerror(errno));
    if (inotify_add_watch(kl->inotify_fd, runtime_exit_dir(kl->rt),
                          IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0)
        return mk_error(err, errno, "inotify %s: %s", runtime_exit_dir(kl->rt),
                        strerror(errno));
    if (pthread_create(&kl->exit_thread, NULL, exit_main, kl) != 0)
        return mk_error(err, EAGAIN, "exit watcher thread");
    return 0;
}

void sync_stop_all(kubelet *kl)
{
    pthread_mutex_lock(&kl->lock);
    kl->stop = true;
    pod_worker *w, *tmp;
    size_t n = HASH_COUNT(kl->workers);
    pthread_t *threads = xcalloc(n + 1, sizeof *threads);
    size_t k = 0;
    HASH_ITER(hh, kl->workers, w, tmp)
    {
        pthread_cond_signal(&w->cond);
        threads[k++] = w->thread;
    }
    pthread_mutex_unlock(&kl->lock);
    for (size_t i = 0; i < k; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    pthread_mutex_lock(&kl->lock);
    HASH_ITER(hh, kl->workers, w, tmp)
    {
        HASH_DEL(kl->workers, w);
        worker_free(w);
    }
    pthread_mutex_unlock(&kl->lock);
}

/* ---- snapshots for the server ---- */

int sync_snapshot(kubelet *kl, sync_pod_ref **pods, size_t *n)
{
    pthread_mutex_lock(&kl->lock);
    size_t cnt = HASH_COUNT(kl->workers), k = 0;
    sync_pod_ref *v = xcalloc(cnt + 1, sizeof *v);
    pod_worker *w, *tmp;
    HASH_ITER(hh, kl->workers, w, tmp)
    {
        sync_pod_ref *r = &v[k++];
        r->uid = xstrdup(w->uid);
        r->ns = xstrdup(w->ns);
        r->name = xstrdup(w->name);
        json_object *ctrs = mk_json_path(w->pod, "spec.containers");
        r->ncontainers = ctrs ? json_object_array_length(ctrs) : 0;
        r->containers = xcalloc(r->ncontainers + 1, sizeof *r->containers);
        for (size_t i = 0; i < r->ncontainers; i++) {
            const char *cn = mk_json_str(json_object_array_get_idx(ctrs, i), "name");
            r->containers[i] = xstrdup(cn ? cn : "");
        }
    }
    pthread_mutex_unlock(&kl->lock);
    *pods = v;
    *n = k;
    return 0;
}

void sync_snapshot_free(sync_pod_ref *pods, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < pods[i].ncontainers; j++)
            free(pods[i].containers[j]);
        free(pods[i].containers);
        free(pods[i].uid);
        free(pods[i].ns);
        free(pods[i].name);
    }
    free(pods);
}

char *sync_find_uid(kubelet *kl, const char *ns, const char *name)
{
    char *uid = NULL;
    pthread_mutex_lock(&kl->lock);
    pod_worker *w, *tmp;
    HASH_ITER(hh, kl->workers, w, tmp)
    {
        if (strcmp(w->ns, ns) == 0 && strcmp(w->name, name) == 0 && !w->deleted) {
            uid = xstrdup(w->uid);
            break;
        }
    }
    pthread_mutex_unlock(&kl->lock);
    return uid;
}
