/* sync.c - one worker thread per pod (as Kubernetes' podWorkers), fed by
 * the pod informer: a worker wakes on pod changes, on container exits
 * (inotify on conmon's exit files), at a restart's backoff deadline and
 * every resync period, and runs podsync_pass (podsync.c). Also here: the
 * cleanup of pods gone while the kubelet was down, and snapshots for the
 * server. */
#include "kubelet/podsync.h"
#include "store/codec.h"
#include "store/log.h"

#include <poll.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

/* json-c's reference counts are not atomic: no object is shared between
 * threads. The informer's object is copied on its thread, and a worker
 * works on its own copy, taken under kl->lock. */
static json_object *pod_copy(json_object *pod)
{
    json_object *copy = NULL;
    if (json_object_deep_copy(pod, &copy, NULL) < 0)
        abort(); /* only out of memory */
    return copy;
}

static void worker_kick_locked(pod_worker *w)
{
    w->kicked = true;
    pthread_cond_signal(&w->cond);
}

/* ---- the worker thread ---- */

static void worker_free(pod_worker *w)
{
    for (size_t i = 0; i < w->nctrs; i++) {
        ctrstate_free(&w->ctrs[i]);
        probe_set_free(&w->probes[i]);
    }
    free(w->ctrs);
    free(w->probes);
    for (size_t i = 0; i < w->ninits; i++)
        ctrstate_free(&w->inits[i]);
    free(w->inits);
    for (size_t i = 0; i < w->nephs; i++)
        ctrstate_free(&w->ephs[i]);
    free(w->ephs);
    json_object_put(w->pod);
    json_object_put(w->conds);
    pthread_cond_destroy(&w->cond);
    free(w->last_posted);
    free(w->gates_why);
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
        json_object *pod = pod_copy(w->pod);
        pthread_mutex_unlock(&kl->lock);
        if (stop) {
            json_object_put(pod);
            break;
        }
        if (deleted || mk_json_str(pod, "metadata.deletionTimestamp")) {
            podsync_terminate(w, pod);
            if (!deleted)
                podsync_finalize_delete(w);
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
        if (!podsync_terminal(w)) {
            next = podsync_pass(w, pod);
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
        w->pod = pod_copy(pod);
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
        w->pod = pod_copy(pod);
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
        w->pod = pod_copy(pod);
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

char *sync_find_uid(kubelet *kl, const char *ns, const char *name, char **first_ctr)
{
    char *uid = NULL;
    if (first_ctr)
        *first_ctr = NULL;
    pthread_mutex_lock(&kl->lock);
    pod_worker *w, *tmp;
    HASH_ITER(hh, kl->workers, w, tmp)
    {
        if (strcmp(w->ns, ns) == 0 && strcmp(w->name, name) == 0 && !w->deleted) {
            uid = xstrdup(w->uid);
            const char *c = mk_json_str(
                json_object_array_get_idx(mk_json_path(w->pod, "spec.containers"), 0), "name");
            if (first_ctr && c)
                *first_ctr = xstrdup(c);
            break;
        }
    }
    pthread_mutex_unlock(&kl->lock);
    return uid;
}
