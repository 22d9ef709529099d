/* sqlite_sync.c - making commits durable off the writer's path.
 *
 * The writer connection commits with synchronous=NORMAL: SQLite writes the
 * WAL but does not fsync it per transaction (it still syncs around
 * checkpoints and when the WAL is reused). Committed batches go into a
 * ring; the syncer thread fdatasyncs the WAL once for all that are there,
 * then hands each to the sink and wakes its callers, in order, while the
 * writer goes on committing. One fsync thus no longer stalls every write
 * behind it, and serves every batch committed while the last one ran.
 * Readers that meet a revision not yet durable wait for it (get, list),
 * and history stops at the durable one: nobody sees a change a power loss
 * could still undo.
 */
#include "store/backend/sqlite_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/log.h"
#include "store/monocond.h"

/* A failed fsync leaves the WAL's durable state unknown (the kernel may have
 * dropped the dirty pages): going on could acknowledge lost writes. Stop,
 * and let the restart recover from what is on disk, as PostgreSQL does. */
static void sync_failed(sqlite_backend *sb, const char *what)
{
    mk_log("%s: %s: %s: stopping (a restart recovers what is on disk)", sb->wal_path, what,
           strerror(errno));
    abort();
}

/* Hand the batch's changes to the sink, in revision order. */
static void publish(sqlite_backend *sb, sqlite_batch *b)
{
    for (size_t i = 0; i < b->n && sb->base.sink; i++) {
        sqlite_req *req = b->req[i];
        if (!req->w || req->rc != 0)
            continue;
        mk_event ev = {
            .type = sqlite_event_type(req->w->op),
            .rev = req->rev,
            .key = req->w->key,
            .value = b->values.data + req->val_off,
            .len = req->val_len,
            .obj = req->w->obj ? req->w->obj : req->owned_obj,
            .prev = req->w->prev,
        };
        sb->base.sink(sb->base.sink_ctx, &ev);
    }
}

/* rev is durable and in the sink's hands: say so, and wake the readers
 * waiting for it. */
static void durable(sqlite_backend *sb, int64_t rev)
{
    atomic_store(&sb->rev, rev);
    if (atomic_load(&sb->durable_waiters) == 0)
        return;
    pthread_mutex_lock(&sb->durable_lock);
    pthread_cond_broadcast(&sb->durable_cv);
    pthread_mutex_unlock(&sb->durable_lock);
}

/* A synced batch: to the sink, then to its callers. */
static void finish(sqlite_backend *sb, sqlite_batch *b)
{
    if (b->rev > b->base) {
        publish(sb, b);
        /* Published once the sink has the batch: whoever reads
         * current_rev() finds every change up to it in the sink's hands. */
        durable(sb, b->rev);
        atomic_fetch_add(&sb->n_writes, b->rev - b->base);
        atomic_fetch_add(&sb->n_commits, 1);
        atomic_fetch_add(&sb->n_compacted_rows, b->removed);
    }
    for (size_t i = 0; i < b->n; i++) {
        json_object_put(b->req[i]->owned_obj);
        b->req[i]->owned_obj = NULL;
    }
    /* A request lives on its caller's stack: once posted it may be gone,
     * so nothing touches it after its post. */
    for (size_t i = 0; i < b->n; i++)
        sem_post(&b->req[i]->done);
    pthread_mutex_lock(&sb->lock);
    /* Everyone of this round, for the writer's gather: those just answered
     * and those waiting. */
    sb->gather_target = (int)b->n + sb->queued;
    if (sb->gather_target > SQLITE_BATCH_MAX)
        sb->gather_target = SQLITE_BATCH_MAX;
    pthread_mutex_unlock(&sb->lock);
    b->n = 0;
}

static void *syncer_main(void *arg)
{
    sqlite_backend *sb = arg;
    pthread_mutex_lock(&sb->sync_lock);
    for (;;) {
        while (sb->ring_head == sb->ring_tail && !sb->sync_stop)
            pthread_cond_wait(&sb->sync_wake, &sb->sync_lock);
        if (sb->ring_head == sb->ring_tail)
            break; /* stopping, and nothing owed */
        uint64_t from = sb->ring_head, upto = sb->ring_tail;
        pthread_mutex_unlock(&sb->sync_lock);
        /* One fsync for every batch committed before it started. */
        bool wrote = false;
        for (uint64_t i = from; i < upto; i++) {
            sqlite_batch *b = &sb->ring[i % SQLITE_PIPELINE];
            wrote |= b->rev > b->base;
        }
        if (wrote) {
            if (sb->wal_fd < 0 && (sb->wal_fd = open(sb->wal_path, O_RDONLY | O_CLOEXEC)) < 0)
                sync_failed(sb, "open");
            if (fdatasync(sb->wal_fd) < 0)
                sync_failed(sb, "fdatasync");
        }
        for (uint64_t i = from; i < upto; i++)
            finish(sb, &sb->ring[i % SQLITE_PIPELINE]);
        pthread_mutex_lock(&sb->sync_lock);
        sb->ring_head = upto;
        pthread_cond_signal(&sb->sync_space);
    }
    pthread_mutex_unlock(&sb->sync_lock);
    return NULL;
}

int sqlite_sync_start(sqlite_backend *sb, mk_err *err)
{
    return sqlite_thread_start(sb, &sb->syncer, &sb->sync_started, syncer_main, "sync", err);
}

void sqlite_sync_stop(sqlite_backend *sb)
{
    sqlite_thread_stop(sb->syncer, &sb->sync_started, &sb->sync_lock, &sb->sync_wake,
                       &sb->sync_stop);
    mk_close_fd(&sb->wal_fd);
}

sqlite_batch *sqlite_sync_slot(sqlite_backend *sb)
{
    pthread_mutex_lock(&sb->sync_lock);
    while (sb->ring_tail - sb->ring_head == SQLITE_PIPELINE)
        pthread_cond_wait(&sb->sync_space, &sb->sync_lock);
    sqlite_batch *b = &sb->ring[sb->ring_tail % SQLITE_PIPELINE];
    pthread_mutex_unlock(&sb->sync_lock);
    return b;
}

void sqlite_sync_push(sqlite_backend *sb)
{
    pthread_mutex_lock(&sb->sync_lock);
    sb->ring_tail++;
    pthread_cond_signal(&sb->sync_wake);
    pthread_mutex_unlock(&sb->sync_lock);
}

void sqlite_durable_wait(sqlite_backend *sb, int64_t rev)
{
    if (atomic_load(&sb->rev) >= rev)
        return;
    atomic_fetch_add(&sb->durable_waiters, 1);
    pthread_mutex_lock(&sb->durable_lock);
    /* Timed: a writer that stopped before publishing must not hang us. */
    for (int i = 0; i < 50 && atomic_load(&sb->rev) < rev; i++)
        monocond_wait_ms(&sb->durable_cv, &sb->durable_lock, 100);
    pthread_mutex_unlock(&sb->durable_lock);
    atomic_fetch_sub(&sb->durable_waiters, 1);
}
