/* sqlite_internal.h - the SQLite backend's private parts.
 *
 * Shared by the backend's files and its unit test only:
 *   sqlite.c          open, schema, reads (get, list, history), close
 *   sqlite_writer.c   the writer thread: group commit, event sink
 *   sqlite_compact.c  history compaction and WAL checkpoints
 *
 * Threads: callers of write() block on their own request while the one
 * writer thread owns the write connection; reads take a connection from a
 * small pool; a checkpointer thread copies the WAL into the database file
 * so that commits never do it themselves.
 */
#ifndef MK_SQLITE_INTERNAL_H
#define MK_SQLITE_INTERNAL_H

#include <pthread.h>
#include <semaphore.h>
#include <sqlite3.h>
#include <stdatomic.h>

#include "store/backend/backend.h"
#include "store/util.h"

/* Writes applied in one transaction at most. */
#define SQLITE_BATCH_MAX 256
/* Revisions whose history one compaction transaction removes at most, so
 * that a write never waits long behind it: alone when idle, and riding in
 * a batch's transaction under load. */
#define SQLITE_COMPACT_CHUNK       256
#define SQLITE_COMPACT_BATCH_CHUNK 64
/* How often the writer looks for history to compact when idle. */
#define SQLITE_MAINTAIN_INTERVAL_NS 1000000000LL
/* The longest the writer waits for the last round's callers to come back
 * before it commits without them. */
#ifndef SQLITE_GATHER_NS
#define SQLITE_GATHER_NS 200000LL
#endif
/* WAL pages (4 KiB) not yet copied back after which the checkpointer runs. */
#ifndef SQLITE_CKPT_PAGES
#define SQLITE_CKPT_PAGES 500
#endif

/* One queued write, on the caller's stack while it waits. */
#define SQLITE_RV_MARKER_LEN 24
/* Committed batches waiting for their fsync, at most: the writer waits
 * for a free slot beyond that. */
#define SQLITE_PIPELINE 4

typedef struct sqlite_req sqlite_req;
struct sqlite_req {
    const mk_write *w; /* NULL: compact all that can be compacted now */
    sqlite_req *next;
    /* Posted once when done. A semaphore each, not a condition variable on
     * the queue's mutex: the writer wakes a batch's callers without taking
     * a lock, and they return without fighting for one. */
    sem_t done;
    int rc; /* 0 or -code, with err filled */
    mk_err err;
    int64_t rev;
    /* Serialized by the caller, off the writer's path: the object's JSON
     * with SQLITE_RV_MARKER_LEN bytes at text + marker_off standing for the
     * resourceVersion only the writer knows. NULL: the writer serializes. */
    const char *text;
    size_t text_len, marker_off;
    /* Filled by the writer while it applies the batch. */
    size_t val_off, val_len; /* the serialized value in the batch buffer */
    json_object *owned_obj;  /* DELETE without obj: the parsed last state */
};

/* A batch from its commit to its acknowledgement. The writer fills and
 * commits it; the syncer makes it durable, hands it to the sink and wakes
 * its callers, while the writer already commits the next ones. */
typedef struct sqlite_batch {
    sqlite_req *req[SQLITE_BATCH_MAX];
    size_t n;
    int64_t base, rev; /* it applied revisions base+1 .. rev */
    int64_t removed;   /* history rows its writes superseded */
    mk_buf values;     /* the serialized values its requests point into */
} sqlite_batch;

/* A read connection and its prepared statements. */
typedef struct sqlite_reader {
    sqlite3 *db;
    sqlite3_stmt *begin, *commit, *meta, *snap_rev, *get, *list_range, *list_from, *history;
    struct sqlite_reader *next;
} sqlite_reader;

typedef struct sqlite_backend {
    mk_backend base;
    char *path, *wal_path;
    int lock_fd;
    int64_t keep_revisions; /* history compaction keeps ... */
    int64_t keep_ms;        /* ... and what is younger than this */

    /* The writer thread and everything only it touches. */
    sqlite3 *wdb;
    sqlite3_stmt *w_begin, *w_commit, *w_rollback, *w_cur_get, *w_val_get, *w_log_ins,
        *w_cur_put, *w_cur_del, *w_log_del, *w_meta_set, *w_compact_del, *w_rev_ts;
    mk_buf values;                            /* the batch's serialized values */
    char rv_marker[SQLITE_RV_MARKER_LEN + 1]; /* random per process: see sqlite_req.text */
    int64_t compact_target;                   /* compaction works toward this revision */
    int64_t compact_removed;                  /* rows the open transaction's chunk removed */
    int64_t batch_removed; /* ... and its writes, superseding compacted rows */
    int64_t next_maintain_ns;

    pthread_t writer;
    bool writer_started;
    pthread_mutex_t lock; /* guards the queue, stopping, writer_idle */
    pthread_cond_t wake;  /* the writer waits here for work */
    sqlite_req *head, *tail;
    int queued;        /* requests in the queue */
    int gather_target; /* callers of the last round, for gather() */
    bool stopping, writer_idle, gathering;

    int64_t applied; /* the writer's: the newest revision committed to SQLite */

    /* The syncer thread and the ring of committed batches (sqlite_sync.c):
     * the writer fills ring[tail % SQLITE_PIPELINE], the syncer finishes
     * from head. */
    int wal_fd;
    pthread_t syncer;
    bool sync_started, sync_stop;
    pthread_mutex_t sync_lock;
    pthread_cond_t sync_wake, sync_space;
    sqlite_batch *ring;
    uint64_t ring_head, ring_tail;
    /* Readers wait here for a revision to become durable. */
    pthread_mutex_t durable_lock;
    pthread_cond_t durable_cv;
    _Atomic int durable_waiters;

    /* Durable and published state, read by any thread: rev is the newest
     * revision that is on disk and in the sink's hands. */
    _Atomic int64_t rev, compacted;
    _Atomic int64_t n_writes, n_commits, n_compacted_rows, n_checkpoints;
    _Atomic int64_t max_compact_ns, max_writer_ckpt_ns;

    /* The checkpointer thread and its connection. */
    sqlite3 *cdb;
    pthread_t ckpt;
    bool ckpt_started;
    pthread_mutex_t ckpt_lock;
    pthread_cond_t ckpt_wake;
    bool ckpt_stop;
    _Atomic int wal_pages;      /* WAL frames after the last commit */
    _Atomic int wal_backfilled; /* frames the last checkpoint copied */

    /* Idle read connections. */
    pthread_mutex_t pool_lock;
    sqlite_reader *idle;
    int n_idle;
} sqlite_backend;

/* Counters, for the unit test, the benchmark and /metrics. */
typedef struct sqlite_stats {
    int64_t writes;         /* writes applied */
    int64_t commits;        /* transactions committed for them */
    int64_t compacted_rows; /* history rows removed (by compaction, or by a
                             * write superseding a row compaction passed) */
    int64_t checkpoints;    /* checkpoints run */
    /* The longest the writer spent between two batches on a compaction
     * chunk and on finishing a checkpoint: what a write waited at most
     * behind them. */
    int64_t max_compact_ns, max_writer_ckpt_ns;
} sqlite_stats;

void sqlite_backend_stats(mk_backend *be, sqlite_stats *out);

/* Compact now everything the keep limits allow; returns once done. */
int sqlite_backend_compact(mk_backend *be, mk_err *err);

/* sqlite.c */
int sqlite_fail(mk_err *err, sqlite3 *db, int rc, const char *what);
int sqlite_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **stmt, mk_err *err);
/* Run a statement that returns no rows (or ignore them), then reset it. */
int sqlite_step_done(sqlite3_stmt *st);
/* The backend's threads (writer, syncer, checkpointer): fn(sb) as *t,
 * *started set once it runs ("PATH: WHAT thread: why" when it cannot). */
int sqlite_thread_start(sqlite_backend *sb, pthread_t *t, bool *started, void *(*fn)(void *),
                        const char *what, mk_err *err);
/* If started: set *stop under lock, signal wake, join t. */
void sqlite_thread_stop(pthread_t t, bool *started, pthread_mutex_t *lock, pthread_cond_t *wake,
                        bool *stop);

/* sqlite_writer.c */
/* The placeholder callers serialize in place of the revision. */
void sqlite_writer_init_marker(sqlite_backend *sb);
int sqlite_writer_prepare(sqlite_backend *sb, mk_err *err);
int sqlite_writer_start(sqlite_backend *sb, mk_err *err);
void sqlite_writer_stop(sqlite_backend *sb);
int sqlite_write(mk_backend *be, const mk_write *w, int64_t *rev, mk_err *err);

/* sqlite_sync.c: durability and acknowledgement off the writer's path. */
int sqlite_sync_start(sqlite_backend *sb, mk_err *err);
/* After the writer stopped: finishes every batch handed over, then stops. */
void sqlite_sync_stop(sqlite_backend *sb);
/* The writer's next batch to fill (empty); waits while the ring is full. */
sqlite_batch *sqlite_sync_slot(sqlite_backend *sb);
/* Hand the slot's batch, committed (or failed), to the syncer. */
void sqlite_sync_push(sqlite_backend *sb);
/* Return once rev is durable (readers that met a newer revision). */
void sqlite_durable_wait(sqlite_backend *sb, int64_t rev);

static inline mk_event_type sqlite_event_type(mk_write_op op)
{
    return op == MK_WRITE_CREATE   ? MK_EV_ADDED
           : op == MK_WRITE_UPDATE ? MK_EV_MODIFIED
                                   : MK_EV_DELETED;
}

/* sqlite_compact.c */
int sqlite_compact_prepare(sqlite_backend *sb, mk_err *err);
/* Background maintenance between batches: pick a compaction target when
 * due; when idle (no write waiting), remove one chunk of history. */
void sqlite_maintain(sqlite_backend *sb, bool idle);
/* Inside the writer's open transaction: remove the history of up to chunk
 * revisions past the compacted one, record rev as meta.rev; *upto is the
 * new compacted revision once the transaction commits. A SQLite code. */
int sqlite_compact_step(sqlite_backend *sb, int64_t rev, int64_t chunk, int64_t *upto);
/* After that transaction: publish upto if it committed. */
void sqlite_compact_done(sqlite_backend *sb, int64_t upto, bool committed);
void sqlite_writer_checkpoint(sqlite_backend *sb);
/* Compact up to the keep limits, all chunks (the writer thread). */
void sqlite_compact_all(sqlite_backend *sb);
/* True while a compaction is unfinished (the writer thread). */
bool sqlite_compact_pending(sqlite_backend *sb);
int sqlite_ckpt_start(sqlite_backend *sb, mk_err *err);
void sqlite_ckpt_stop(sqlite_backend *sb);
/* Writer-side WAL hook: wakes the checkpointer when the WAL grows. */
int sqlite_wal_hook(void *ctx, sqlite3 *db, const char *name, int pages);

#endif
