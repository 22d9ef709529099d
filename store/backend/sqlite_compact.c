/* sqlite_compact.c - history compaction and WAL checkpoints.
 *
 * Compaction keeps the newest keep_revisions revisions and everything
 * younger than keep_seconds; older log rows go, except each live key's
 * current row. It runs on the writer thread in small chunks of revisions
 * (kine's single big DELETE stalls writers for seconds on large
 * databases): under load one chunk rides in each batch's transaction, so
 * it costs no fsync of its own; when idle, chunks get transactions of
 * their own. meta.compacted moves with each chunk, in the same
 * transaction, so history() never sees a half-compacted range.
 *
 * Invariant: every log row at or below meta.compacted is a current row. A
 * write that supersedes such a row deletes it (sqlite_writer.c), since no
 * chunk will pass that way again.
 *
 * Checkpoints copy the WAL into the database file. A commit never does
 * it (our WAL hook replaces the auto-checkpoint): a thread with its own
 * connection runs PASSIVE checkpoints beside the writer. Under steady load
 * the writer keeps appending, so that checkpoint never quite reaches the
 * end of the WAL and the WAL could never restart; the writer then finishes
 * the last few pages itself between batches.
 */
#include "store/backend/sqlite_internal.h"
#include "store/log.h"

#include <string.h>
#include <time.h>

/* The writer finishes a checkpoint itself once the WAL holds SOFT pages
 * and at most LEFT of them are still to copy (a short stall: a few pages
 * and one fsync of the database), and past HARD pages in any case. */
#ifndef SQLITE_WAL_SOFT_PAGES
#define SQLITE_WAL_SOFT_PAGES (2 * SQLITE_CKPT_PAGES)
#endif
#ifndef SQLITE_WAL_LEFT_PAGES
#define SQLITE_WAL_LEFT_PAGES (SQLITE_CKPT_PAGES / 2)
#endif
#define SQLITE_WAL_HARD_PAGES   (16 * SQLITE_CKPT_PAGES)
#define SQLITE_CKPT_INTERVAL_NS 1000000000LL

int sqlite_compact_prepare(sqlite_backend *sb, mk_err *err)
{
    if (sqlite_prepare(sb->wdb,
                       "DELETE FROM log WHERE rev > ?1 AND rev <= ?2 AND NOT EXISTS"
                       " (SELECT 1 FROM current c WHERE c.key = log.key AND c.rev = log.rev)",
                       &sb->w_compact_del, err) < 0 ||
        sqlite_prepare(sb->wdb, "SELECT ts FROM log WHERE rev >= ?1 ORDER BY rev LIMIT 1",
                       &sb->w_rev_ts, err) < 0)
        return mk_error_wrap(err, "open %s", sb->path);
    return 0;
}

/* Is the first log row at or after rev younger than cutoff_ms? (No row:
 * nothing to keep there, but nothing to remove either.) */
static bool young_from(sqlite_backend *sb, int64_t rev, int64_t cutoff_ms)
{
    sqlite3_stmt *st = sb->w_rev_ts;
    sqlite3_bind_int64(st, 1, rev);
    bool young = true;
    if (sqlite3_step(st) == SQLITE_ROW)
        young = sqlite3_column_int64(st, 0) >= cutoff_ms;
    sqlite3_reset(st);
    return young;
}

/* The newest revision compaction may reach now. Rows are written in
 * revision order with a clock reading, so their ages fall with the
 * revision: a binary search over revisions finds the first young row in
 * a few index probes, without an index on ts. */
static int64_t compact_limit(sqlite_backend *sb)
{
    int64_t compacted = atomic_load(&sb->compacted);
    int64_t limit = atomic_load(&sb->rev) - sb->keep_revisions;
    if (limit <= compacted)
        return compacted;
    if (sb->keep_ms > 0) {
        int64_t cutoff = mk_wall_ms() - sb->keep_ms;
        int64_t lo = compacted + 1, hi = limit + 1;
        while (lo < hi) {
            int64_t mid = lo + (hi - lo) / 2;
            if (young_from(sb, mid, cutoff))
                hi = mid;
            else
                lo = mid + 1;
        }
        limit = lo - 1;
    }
    return limit;
}

bool sqlite_compact_pending(sqlite_backend *sb)
{
    return sb->compact_target > atomic_load(&sb->compacted);
}

static int set_meta(sqlite_backend *sb, const char *name, int64_t value)
{
    sqlite3_bind_text(sb->w_meta_set, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(sb->w_meta_set, 2, value);
    return sqlite_step_done(sb->w_meta_set);
}

static void note_max(_Atomic int64_t *max, int64_t v)
{
    if (v > atomic_load(max))
        atomic_store(max, v); /* only the writer thread stores */
}

int sqlite_compact_step(sqlite_backend *sb, int64_t rev, int64_t chunk, int64_t *upto)
{
    int64_t lo = atomic_load(&sb->compacted);
    int64_t hi = sb->compact_target;
    if (hi - lo > chunk)
        hi = lo + chunk;
    sqlite3_bind_int64(sb->w_compact_del, 1, lo);
    sqlite3_bind_int64(sb->w_compact_del, 2, hi);
    int rc = sqlite_step_done(sb->w_compact_del);
    if (rc == SQLITE_OK)
        sb->compact_removed += sqlite3_changes(sb->wdb);
    /* The newest log row may go (a deleted key's tombstone): meta.rev
     * keeps the counter from falling back at the next start. */
    if (rc == SQLITE_OK)
        rc = set_meta(sb, "rev", rev);
    if (rc == SQLITE_OK)
        rc = set_meta(sb, "compacted", hi);
    *upto = hi;
    return rc;
}

void sqlite_compact_done(sqlite_backend *sb, int64_t upto, bool committed)
{
    if (committed) {
        atomic_store(&sb->compacted, upto);
        atomic_fetch_add(&sb->n_compacted_rows, sb->compact_removed);
    }
    sb->compact_removed = 0;
}

/* One chunk in a transaction of its own, when no write is waiting. False
 * when it failed (it is retried at the next maintenance tick). */
static bool compact_chunk(sqlite_backend *sb)
{
    int64_t t0 = mk_now_ns(), upto = 0;
    int rc = sqlite_step_done(sb->w_begin);
    if (rc == SQLITE_OK)
        rc = sqlite_compact_step(sb, atomic_load(&sb->rev), SQLITE_COMPACT_CHUNK, &upto);
    if (rc == SQLITE_OK)
        rc = sqlite_step_done(sb->w_commit);
    sqlite_compact_done(sb, upto, rc == SQLITE_OK);
    if (rc != SQLITE_OK) {
        mk_log("%s: compaction to revision %lld: %s", sb->path, (long long)upto,
               sqlite3_errmsg(sb->wdb));
        if (!sqlite3_get_autocommit(sb->wdb))
            sqlite_step_done(sb->w_rollback);
        sb->compact_target = atomic_load(&sb->compacted);
        return false;
    }
    note_max(&sb->max_compact_ns, mk_now_ns() - t0);
    return true;
}

void sqlite_compact_all(sqlite_backend *sb)
{
    int64_t limit = compact_limit(sb);
    if (limit > sb->compact_target)
        sb->compact_target = limit;
    while (sqlite_compact_pending(sb) && compact_chunk(sb))
        ;
}

/* The writer is between transactions and no other writer exists, so this
 * checkpoint can reach the end of the WAL, and the next commit restarts
 * the WAL from its beginning. */
void sqlite_writer_checkpoint(sqlite_backend *sb)
{
    int pages = atomic_load(&sb->wal_pages);
    int left = pages - atomic_load(&sb->wal_backfilled);
    if (pages < SQLITE_WAL_SOFT_PAGES ||
        (left > SQLITE_WAL_LEFT_PAGES && pages < SQLITE_WAL_HARD_PAGES))
        return;
    int nlog = 0, nckpt = 0;
    int64_t t0 = mk_now_ns();
    if (sqlite3_wal_checkpoint_v2(sb->wdb, NULL, SQLITE_CHECKPOINT_PASSIVE, &nlog, &nckpt) ==
        SQLITE_OK) {
        atomic_store(&sb->wal_backfilled, nckpt);
        atomic_fetch_add(&sb->n_checkpoints, 1);
    }
    note_max(&sb->max_writer_ckpt_ns, mk_now_ns() - t0);
}

void sqlite_maintain(sqlite_backend *sb, bool idle)
{
    int64_t now = mk_now_ns();
    if (now >= sb->next_maintain_ns) {
        sb->next_maintain_ns = now + SQLITE_MAINTAIN_INTERVAL_NS;
        int64_t limit = compact_limit(sb);
        if (limit > sb->compact_target)
            sb->compact_target = limit;
    }
    if (idle && sqlite_compact_pending(sb))
        compact_chunk(sb);
}

/* ---- the checkpointer thread ---------------------------------------- */

int sqlite_wal_hook(void *ctx, sqlite3 *db, const char *name, int pages)
{
    sqlite_backend *sb = ctx;
    /* A restarted WAL: what the last checkpoint copied is gone with it. */
    if (pages < atomic_load(&sb->wal_backfilled))
        atomic_store(&sb->wal_backfilled, 0);
    atomic_store(&sb->wal_pages, pages);
    if (pages - atomic_load(&sb->wal_backfilled) >= SQLITE_CKPT_PAGES)
        pthread_cond_signal(&sb->ckpt_wake);
    return SQLITE_OK;
}

static void *ckpt_main(void *arg)
{
    sqlite_backend *sb = arg;
    pthread_mutex_lock(&sb->ckpt_lock);
    while (!sb->ckpt_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += SQLITE_CKPT_INTERVAL_NS / 1000000000;
        pthread_cond_timedwait(&sb->ckpt_wake, &sb->ckpt_lock, &ts);
        if (sb->ckpt_stop)
            break;
        if (atomic_load(&sb->wal_pages) <= atomic_load(&sb->wal_backfilled))
            continue;
        pthread_mutex_unlock(&sb->ckpt_lock);
        int nlog = 0, nckpt = 0;
        int rc =
            sqlite3_wal_checkpoint_v2(sb->cdb, NULL, SQLITE_CHECKPOINT_PASSIVE, &nlog, &nckpt);
        if (rc == SQLITE_OK) {
            atomic_store(&sb->wal_backfilled, nckpt);
            atomic_fetch_add(&sb->n_checkpoints, 1);
        }
        pthread_mutex_lock(&sb->ckpt_lock);
    }
    pthread_mutex_unlock(&sb->ckpt_lock);
    return NULL;
}

int sqlite_ckpt_start(sqlite_backend *sb, mk_err *err)
{
    return sqlite_thread_start(sb, &sb->ckpt, &sb->ckpt_started, ckpt_main, "checkpoint", err);
}

void sqlite_ckpt_stop(sqlite_backend *sb)
{
    sqlite_thread_stop(sb->ckpt, &sb->ckpt_started, &sb->ckpt_lock, &sb->ckpt_wake,
                       &sb->ckpt_stop);
}
