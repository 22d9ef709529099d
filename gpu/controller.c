#include "gpu/controller.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uthash.h>

#include "gpu/hpc.h"
#include "gpu/reconcile.h"
#include "store/codec.h"
#include "store/informer.h"
#include "store/kinds.h"
#include "store/log.h"
#include "store/util.h"

#define GPU_DEFAULT_POLL_MS 2000
#define GPU_IDLE_WAKE_MS    60000
/* SSH connections unused this long are closed. */
#define GPU_CONN_IDLE_MS (5 * 60 * 1000)

typedef struct gpu_entry {
    char *uid;
    gpu_job_state st;
    int64_t due_ns;
    bool done;
    bool seen;
    UT_hash_handle hh;
} gpu_entry;

struct gpu_controller {
    gpu_ctx ctx;
    mk_informer *inf;
    pthread_t worker;
    bool worker_started;

    pthread_mutex_t mu; /* guards the fields below */
    pthread_cond_t cond;
    bool stop, dirty;
    json_object *deleted; /* array of deleted jobs waiting for cleanup */

    gpu_entry *entries; /* the worker's own */
};

static void gpu_wake(gpu_controller *g)
{
    pthread_mutex_lock(&g->mu);
    g->dirty = true;
    pthread_cond_signal(&g->cond);
    pthread_mutex_unlock(&g->mu);
}

static void on_add(void *ctx, json_object *obj)
{
    gpu_wake(ctx);
}

static void on_update(void *ctx, json_object *old, json_object *obj)
{
    gpu_wake(ctx);
}

static void on_synced(void *ctx)
{
    gpu_wake(ctx);
}

static void on_delete(void *ctx, json_object *obj)
{
    gpu_controller *g = ctx;
    pthread_mutex_lock(&g->mu);
    json_object_array_add(g->deleted, json_object_get(obj));
    pthread_cond_signal(&g->cond);
    pthread_mutex_unlock(&g->mu);
}

static int64_t gpu_rv(json_object *obj)
{
    const char *rv = mk_json_str(obj, "metadata.resourceVersion");
    return rv ? strtoll(rv, NULL, 10) : 0;
}

static const char *gpu_uid(json_object *obj)
{
    return mk_json_str(obj, "metadata.uid") ?: mk_json_str(obj, "metadata.name") ?: "";
}

static void gpu_entry_free(gpu_entry *e)
{
    json_object_put(e->st.job);
    free(e->uid);
    free(e);
}

/* A deep copy, not a reference: json-c's reference counts are not atomic,
 * and the informer thread keeps putting its own references to the cached
 * objects (informer.h). */
static int gpu_collect(void *ctx, json_object *obj)
{
    json_object *copy = NULL;
    if (json_object_deep_copy(obj, &copy, NULL) == 0)
        json_object_array_add(ctx, copy);
    return 0;
}

/* Bring the table in line with the informer's cache: new jobs are due now;
 * a newer object replaces ours unless our own status write is newer. */
static void gpu_sync_entries(gpu_controller *g)
{
    json_object *all = json_object_new_array();
    informer_foreach(g->inf, gpu_collect, all);
    gpu_entry *e, *tmp;
    HASH_ITER(hh, g->entries, e, tmp)
    {
        e->seen = false;
    }
    for (size_t i = 0; i < json_object_array_length(all); i++) {
        json_object *obj = json_object_array_get_idx(all, i);
        const char *uid = gpu_uid(obj);
        HASH_FIND_STR(g->entries, uid, e);
        if (!e) {
            e = xcalloc(1, sizeof *e);
            e->uid = xstrdup(uid);
            e->st.job = json_object_get(obj);
            e->due_ns = mk_now_ns();
            HASH_ADD_KEYPTR(hh, g->entries, e->uid, strlen(e->uid), e);
        } else if (gpu_rv(obj) > gpu_rv(e->st.job)) {
            /* Changed by someone else: look at it again (level-triggered). */
            json_object_put(e->st.job);
            e->st.job = json_object_get(obj);
            if (e->done) {
                e->done = false;
                e->due_ns = mk_now_ns();
            }
        }
        e->seen = true;
    }
    json_object_put(all);
    HASH_ITER(hh, g->entries, e, tmp)
    {
        if (!e->seen) { /* deleted: on_delete queued its cleanup */
            HASH_DEL(g->entries, e);
            gpu_entry_free(e);
        }
    }
}

static void gpu_cleanup_deleted(gpu_controller *g, json_object *deleted)
{
    for (size_t i = 0; i < json_object_array_length(deleted); i++) {
        json_object *job = json_object_array_get_idx(deleted, i);
        gpu_entry *e;
        const char *uid = gpu_uid(job);
        HASH_FIND_STR(g->entries, uid, e);
        if (e) {
            /* Our copy may know a jobId the event's copy does not yet. */
            if (gpu_rv(e->st.job) > gpu_rv(job))
                job = e->st.job;
            gpu_cleanup(&g->ctx, job);
            HASH_DEL(g->entries, e);
            gpu_entry_free(e);
        } else {
            gpu_cleanup(&g->ctx, job);
        }
    }
}

/* Run every due job once; return when the next one is due. */
static int64_t gpu_run_due(gpu_controller *g)
{
    int64_t next = mk_now_ns() + (int64_t)GPU_IDLE_WAKE_MS * 1000000;
    gpu_entry *e, *tmp;
    HASH_ITER(hh, g->entries, e, tmp)
    {
        if (e->done)
            continue;
        if (e->due_ns <= mk_now_ns()) {
            int delay = gpu_reconcile(&g->ctx, &e->st);
            e->done = delay < 0;
            e->due_ns = mk_now_ns() + (int64_t)(delay < 0 ? 0 : delay) * 1000000;
        }
        if (!e->done && e->due_ns < next)
            next = e->due_ns;
        pthread_mutex_lock(&g->mu);
        bool stop = g->stop;
        pthread_mutex_unlock(&g->mu);
        if (stop)
            break;
    }
    return next;
}

static void *gpu_worker(void *arg)
{
    gpu_controller *g = arg;
    int64_t next = 0;
    for (;;) {
        pthread_mutex_lock(&g->mu);
        while (!g->stop && !g->dirty && json_object_array_length(g->deleted) == 0 &&
               mk_now_ns() < next) {
            struct timespec ts = {.tv_sec = next / 1000000000, .tv_nsec = next % 1000000000};
            pthread_cond_timedwait(&g->cond, &g->mu, &ts);
        }
        if (g->stop) {
            pthread_mutex_unlock(&g->mu);
            break;
        }
        json_object *deleted = g->deleted;
        g->deleted = json_object_new_array();
        g->dirty = false;
        pthread_mutex_unlock(&g->mu);

        gpu_cleanup_deleted(g, deleted);
        json_object_put(deleted);
        if (!informer_synced(g->inf)) {
            next = mk_now_ns() + 100 * 1000000LL;
            continue;
        }
        gpu_sync_entries(g);
        next = gpu_run_due(g);
        hpc_pool_expire(g->ctx.pool, GPU_CONN_IDLE_MS);
    }
    return NULL;
}

int gpu_controller_start(const gpu_controller_opts *opts, gpu_controller **out, mk_err *err)
{
    gpu_controller *g = xcalloc(1, sizeof *g);
    g->ctx.client = opts->client;
    g->ctx.pool = hpc_pool_new();
    g->ctx.poll_interval_ms =
        opts->poll_interval_ms > 0 ? opts->poll_interval_ms : GPU_DEFAULT_POLL_MS;
    g->deleted = json_object_new_array();
    pthread_mutex_init(&g->mu, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&g->cond, &attr);
    pthread_condattr_destroy(&attr);
    mk_informer_handlers h = {.on_add = on_add,
                              .on_update = on_update,
                              .on_delete = on_delete,
                              .on_synced = on_synced};
    g->inf = informer_new(opts->client, kind_by_kind("GpuJob"), NULL, NULL, NULL, &h, g);
    int rc = informer_start(g->inf, err);
    if (rc == 0 && pthread_create(&g->worker, NULL, gpu_worker, g) != 0)
        rc = mk_error(err, EAGAIN, "cannot start the worker thread");
    if (rc < 0) {
        gpu_controller_stop(g);
        return rc;
    }
    g->worker_started = true;
    *out = g;
    return 0;
}

void gpu_controller_stop(gpu_controller *g)
{
    if (!g)
        return;
    /* The worker first (it reads the informer's cache), then the informer,
     * whose handlers touch g until it is gone. */
    pthread_mutex_lock(&g->mu);
    g->stop = true;
    pthread_cond_signal(&g->cond);
    pthread_mutex_unlock(&g->mu);
    if (g->worker_started)
        pthread_join(g->worker, NULL);
    informer_free(g->inf);
    gpu_entry *e, *tmp;
    HASH_ITER(hh, g->entries, e, tmp)
    {
        HASH_DEL(g->entries, e);
        gpu_entry_free(e);
    }
    json_object_put(g->deleted);
    hpc_pool_free(g->ctx.pool);
    pthread_cond_destroy(&g->cond);
    pthread_mutex_destroy(&g->mu);
    free(g);
}
