/* sqlite.c - the SQLite backend: open, schema, reads, close.
 *
 * One database file, <data_dir>/minik8s.db, in WAL mode with
 * synchronous=FULL: a commit is on disk before the writer hears of it, and
 * group commit (sqlite_writer.c) shares each fsync among every write that
 * arrived meanwhile. The schema is kine's, trimmed:
 *
 *   log(rev, key, type, value, ts)  every change, rev = the revision
 *   current(key, rev)               each live key's newest log row
 *   meta(name, value)               'compacted': history starts after it;
 *                                   'rev': the counter when compaction last
 *                                   ran (it may remove the newest row, a
 *                                   tombstone; otherwise that row tells)
 *
 * Reads run on pooled connections; a list is one read transaction, so it
 * is a snapshot and the revision it reports is that snapshot's.
 */
#include "store/backend/sqlite_internal.h"
#include "store/monocond.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SQLITE_SCHEMA_VERSION         1
#define SQLITE_DEFAULT_KEEP_REVISIONS 100000
#define SQLITE_DEFAULT_KEEP_SECONDS   300
/* Idle read connections kept open; more are opened on demand. */
#define SQLITE_POOL_IDLE_MAX 8

/* The page caches are bounded: the API server holds 100,000 pods in under
 * 64 MiB, and SQLite's cache is on top of that. A reader's cache holds the
 * b-trees' upper levels; the leaves come from the kernel's page cache, and a
 * large list outgrows any cache anyway. No mmap: mapped pages count as
 * resident too. */
/* NORMAL: commits do not fsync (sqlite_sync.c does, off the writer's
 * path); checkpoints and WAL reuse still sync. */
static const char writer_pragmas[] = "PRAGMA synchronous=NORMAL;"
                                     "PRAGMA cache_size=-8000;"
                                     "PRAGMA mmap_size=0;"
                                     "PRAGMA foreign_keys=OFF;"
                                     "PRAGMA temp_store=MEMORY;"
                                     "PRAGMA journal_size_limit=67108864;";
static const char reader_pragmas[] = "PRAGMA cache_size=-512;"
                                     "PRAGMA mmap_size=0;"
                                     "PRAGMA query_only=ON;";

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS log (rev INTEGER PRIMARY KEY, key TEXT NOT NULL,"
    " type INTEGER NOT NULL, value BLOB, ts INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS current (key TEXT PRIMARY KEY, rev INTEGER NOT NULL)"
    " WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO meta VALUES ('rev', 0), ('compacted', 0);";

/* The store's revision: the newest log row, or meta.rev where compaction
 * removed that row. */
static const char snap_rev_sql[] = "SELECT max((SELECT value FROM meta WHERE name = 'rev'),"
                                   " coalesce((SELECT max(rev) FROM log), 0))";

static int sqlite_errno(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_FULL:
        return ENOSPC;
    case SQLITE_NOMEM:
        return ENOMEM;
    case SQLITE_PERM:
    case SQLITE_READONLY:
        return EACCES;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return EAGAIN;
    default:
        return EIO;
    }
}

int sqlite_fail(mk_err *err, sqlite3 *db, int rc, const char *what)
{
    return mk_error(err, sqlite_errno(rc), "%s: %s", what,
                    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

int sqlite_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **stmt, mk_err *err)
{
    int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL);
    if (rc != SQLITE_OK)
        return mk_error(err, EIO, "prepare \"%s\": %s", sql, sqlite3_errmsg(db));
    return 0;
}

int sqlite_step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

int sqlite_thread_start(sqlite_backend *sb, pthread_t *t, bool *started, void *(*fn)(void *),
                        const char *what, mk_err *err)
{
    int rc = pthread_create(t, NULL, fn, sb);
    if (rc)
        return mk_error(err, rc, "%s: %s thread: %s", sb->path, what, strerror(rc));
    *started = true;
    return 0;
}

void sqlite_thread_stop(pthread_t t, bool *started, pthread_mutex_t *lock, pthread_cond_t *wake,
                        bool *stop)
{
    if (!*started)
        return;
    pthread_mutex_lock(lock);
    *stop = true;
    pthread_cond_signal(wake);
    pthread_mutex_unlock(lock);
    pthread_join(t, NULL);
    *started = false;
}

static sqlite_backend *to_sb(mk_backend *be)
{
    return (sqlite_backend *)be;
}

/* mkdir -p, naming the directory that failed. */
static int make_data_dir(const char *dir, mk_err *err)
{
    _cleanup_free_ char *p = xstrdup(dir);
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0700) < 0 && errno != EEXIST)
            return mk_error(err, errno, "data dir %s: %s", dir, strerror(errno));
        *s = c;
        if (!c)
            break;
    }
    struct stat st;
    if (stat(dir, &st) < 0)
        return mk_error(err, errno, "data dir %s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return mk_error(err, ENOTDIR, "data dir %s: %s", dir, strerror(ENOTDIR));
    if (access(dir, W_OK | X_OK) < 0)
        return mk_error(err, errno, "data dir %s: %s", dir, strerror(errno));
    return 0;
}

/* Two API servers on one data dir would each believe they own the revision
 * counter: refuse the second. The lock goes with the process, even a
 * killed one. */
static int lock_data_dir(sqlite_backend *sb, const char *dir, mk_err *err)
{
    _cleanup_free_ char *path = xasprintf("%s/minik8s.lock", dir);
    sb->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (sb->lock_fd < 0)
        return mk_error(err, errno, "data dir %s: %s: %s", dir, path, strerror(errno));
    if (flock(sb->lock_fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK)
            return mk_error(err, EBUSY, "data dir %s: in use by another process", dir);
        return mk_error(err, errno, "data dir %s: lock: %s", dir, strerror(errno));
    }
    return 0;
}

static int open_db(const char *path, sqlite3 **db, const char *pragmas, mk_err *err)
{
    int rc = sqlite3_open_v2(
        path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        mk_error(err, sqlite_errno(rc), "open %s: %s", path,
                 *db ? sqlite3_errmsg(*db) : sqlite3_errstr(rc));
        sqlite3_close(*db);
        *db = NULL;
        return -err->code;
    }
    sqlite3_extended_result_codes(*db, 1);
    sqlite3_busy_timeout(*db, 5000);
    char *msg = NULL;
    if (pragmas && sqlite3_exec(*db, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
        mk_error(err, EIO, "open %s: %s", path, msg ? msg : "pragma failed");
        sqlite3_free(msg);
        return -EIO;
    }
    return 0;
}

static int query_int(sqlite3 *db, const char *sql, int64_t *out, mk_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? 0 : sqlite_fail(err, db, rc, sql);
}

/* WAL mode, the schema, and the counters as the last commit left them. */
static int init_schema(sqlite_backend *sb, mk_err *err)
{
    sqlite3 *db = sb->wdb;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    bool wal = rc == SQLITE_ROW && !strcmp((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    if (!wal)
        return mk_error(err, EIO, "open %s: cannot enable WAL mode: %s", sb->path,
                        sqlite3_errmsg(db));

    int64_t version = 0;
    if (query_int(db, "PRAGMA user_version", &version, err) < 0)
        return mk_error_wrap(err, "open %s", sb->path);
    if (version > SQLITE_SCHEMA_VERSION)
        return mk_error(err, EPROTO,
                        "open %s: schema version %lld is newer than this server's (%d)",
                        sb->path, (long long)version, SQLITE_SCHEMA_VERSION);

    char *msg = NULL;
    char sql[sizeof schema_sql + 64];
    snprintf(sql, sizeof sql, "BEGIN;%sPRAGMA user_version=%d;COMMIT;", schema_sql,
             SQLITE_SCHEMA_VERSION);
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        mk_error(err, EIO, "open %s: schema: %s", sb->path, msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -EIO;
    }

    int64_t rev = 0, compacted = 0;
    if (query_int(db, snap_rev_sql, &rev, err) < 0 ||
        query_int(db, "SELECT value FROM meta WHERE name='compacted'", &compacted, err) < 0)
        return mk_error_wrap(err, "open %s", sb->path);
    atomic_store(&sb->rev, rev);
    sb->applied = rev;
    atomic_store(&sb->compacted, compacted);
    sb->compact_target = compacted;
    return 0;
}

/* ---- read connections ---------------------------------------------- */

static void reader_free(sqlite_reader *r)
{
    if (!r)
        return;
    sqlite3_stmt *all[] = {r->begin, r->commit,     r->meta,      r->snap_rev,
                           r->get,   r->list_range, r->list_from, r->history};
    for (size_t i = 0; i < ARRAY_SIZE(all); i++)
        sqlite3_finalize(all[i]);
    sqlite3_close(r->db);
    free(r);
}

static int reader_open(sqlite_backend *sb, sqlite_reader **out, mk_err *err)
{
    sqlite_reader *r = xcalloc(1, sizeof *r);
    /* CROSS JOIN keeps the planner on current's key order, then a rowid
     * lookup into log. */
    if (open_db(sb->path, &r->db, reader_pragmas, err) < 0 ||
        sqlite_prepare(r->db, "BEGIN", &r->begin, err) < 0 ||
        sqlite_prepare(r->db, "COMMIT", &r->commit, err) < 0 ||
        sqlite_prepare(r->db, "SELECT value FROM meta WHERE name = ?1", &r->meta, err) < 0 ||
        sqlite_prepare(r->db, snap_rev_sql, &r->snap_rev, err) < 0 ||
        sqlite_prepare(r->db,
                       "SELECT l.value, c.rev FROM current c CROSS JOIN log l"
                       " ON l.rev = c.rev WHERE c.key = ?1",
                       &r->get, err) < 0 ||
        sqlite_prepare(r->db,
                       "SELECT c.key, l.value, c.rev FROM current c CROSS JOIN log l"
                       " ON l.rev = c.rev WHERE c.key >= ?1 AND c.key < ?2 ORDER BY c.key",
                       &r->list_range, err) < 0 ||
        sqlite_prepare(r->db,
                       "SELECT c.key, l.value, c.rev FROM current c CROSS JOIN log l"
                       " ON l.rev = c.rev WHERE c.key >= ?1 ORDER BY c.key",
                       &r->list_from, err) < 0 ||
        sqlite_prepare(r->db,
                       "SELECT rev, key, type, value FROM log WHERE rev > ?1 AND rev <= ?2"
                       " ORDER BY rev",
                       &r->history, err) < 0) {
        reader_free(r);
        return -err->code;
    }
    *out = r;
    return 0;
}

static int reader_get(sqlite_backend *sb, sqlite_reader **out, mk_err *err)
{
    pthread_mutex_lock(&sb->pool_lock);
    sqlite_reader *r = sb->idle;
    if (r) {
        sb->idle = r->next;
        sb->n_idle--;
    }
    pthread_mutex_unlock(&sb->pool_lock);
    if (r) {
        *out = r;
        return 0;
    }
    return reader_open(sb, out, err);
}

static void reader_put(sqlite_backend *sb, sqlite_reader *r)
{
    pthread_mutex_lock(&sb->pool_lock);
    if (sb->n_idle < SQLITE_POOL_IDLE_MAX) {
        r->next = sb->idle;
        sb->idle = r;
        sb->n_idle++;
        r = NULL;
    }
    pthread_mutex_unlock(&sb->pool_lock);
    reader_free(r);
}

/* The newest revision of the snapshot. The writer does not touch meta.rev
 * in every batch (one page less to write per commit): the newest log row
 * says it, and compaction, which may remove that row, records it in
 * meta.rev first. */
static int reader_snapshot_rev(sqlite_reader *r, int64_t *out)
{
    int rc = sqlite3_step(r->snap_rev);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(r->snap_rev, 0);
        rc = SQLITE_OK;
    }
    sqlite3_reset(r->snap_rev);
    return rc;
}

static int reader_meta(sqlite_reader *r, const char *name, int64_t *out)
{
    sqlite3_bind_text(r->meta, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(r->meta);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(r->meta, 0);
        rc = SQLITE_OK;
    }
    sqlite3_reset(r->meta);
    return rc;
}

/* ---- operations ------------------------------------------------------ */

static int sqlite_get(mk_backend *be, const char *key, char **value, size_t *len, int64_t *rev,
                      mk_err *err)
{
    sqlite_backend *sb = to_sb(be);
    mk_err scratch;
    if (!err)
        err = &scratch;
    sqlite_reader *r;
    if (reader_get(sb, &r, err) < 0)
        return mk_error_wrap(err, "get %s", key);
    sqlite3_bind_text(r->get, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(r->get), ret = 0;
    if (rc == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(r->get, 0);
        size_t n = (size_t)sqlite3_column_bytes(r->get, 0);
        *value = xstrndup(v ? v : "", n);
        if (len)
            *len = n;
        if (rev)
            *rev = sqlite3_column_int64(r->get, 1);
    } else if (rc == SQLITE_DONE) {
        ret = mk_error(err, ENOENT, "%s: not found", key);
    } else {
        ret = sqlite_fail(err, r->db, rc, "get");
        mk_error_wrap(err, "%s", key);
    }
    sqlite3_reset(r->get);
    sqlite3_clear_bindings(r->get);
    reader_put(sb, r);
    if (ret == 0 && rev)
        sqlite_durable_wait(sb, *rev); /* never hand out what may not last */
    return ret;
}

/* The first key after every key starting with prefix, or false when there
 * is none (an empty prefix, or one of all 0xff bytes). */
static bool prefix_end(const char *prefix, char *end, size_t n)
{
    memcpy(end, prefix, n);
    while (n > 0 && (unsigned char)end[n - 1] == 0xff)
        n--;
    if (n == 0)
        return false;
    end[n - 1]++;
    end[n] = '\0';
    return true;
}

static int sqlite_list(mk_backend *be, const char *prefix, mk_kv_fn fn, void *ctx, int64_t *rev,
                       mk_err *err)
{
    sqlite_backend *sb = to_sb(be);
    if (!prefix)
        prefix = "";
    size_t plen = strlen(prefix);
    _cleanup_free_ char *end = xmalloc(plen + 1);
    bool bounded = prefix_end(prefix, end, plen);

    mk_err scratch;
    if (!err)
        err = &scratch;
    sqlite_reader *r;
    if (reader_get(sb, &r, err) < 0)
        return mk_error_wrap(err, "list %s", prefix);
    sqlite3_stmt *st = bounded ? r->list_range : r->list_from;
    int ret = 0, rc = sqlite_step_done(r->begin);
    bool failed = false;
    int64_t snap = 0;
    if (rc == SQLITE_OK)
        rc = reader_snapshot_rev(r, &snap);
    if (rc != SQLITE_OK) {
        ret = sqlite_fail(err, r->db, rc, "list");
        failed = true;
        goto out;
    }
    /* The snapshot may hold a batch still being synced: wait for it before
     * a row goes out (about one fsync, and only for the newest batch). */
    sqlite_durable_wait(sb, snap);
    sqlite3_bind_text(st, 1, prefix, (int)plen, SQLITE_STATIC);
    if (bounded)
        sqlite3_bind_text(st, 2, end, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        mk_kv kv = {
            .key = (const char *)sqlite3_column_text(st, 0),
            .value = (const char *)sqlite3_column_text(st, 1),
            .len = (size_t)sqlite3_column_bytes(st, 1),
            .rev = sqlite3_column_int64(st, 2),
        };
        if (!kv.value)
            kv.value = "";
        ret = fn(ctx, &kv);
        if (ret)
            break;
    }
    if (!ret && rc != SQLITE_DONE) {
        ret = sqlite_fail(err, r->db, rc, "list");
        failed = true;
    }
out:
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    sqlite_step_done(r->commit);
    reader_put(sb, r);
    if (failed)
        mk_error_wrap(err, "list %s", prefix);
    else if (rev && ret == 0)
        *rev = snap;
    return ret;
}

static int sqlite_history(mk_backend *be, int64_t after, mk_event_fn fn, void *ctx, mk_err *err)
{
    sqlite_backend *sb = to_sb(be);
    mk_err scratch;
    if (!err)
        err = &scratch;
    sqlite_reader *r;
    if (reader_get(sb, &r, err) < 0)
        return mk_error_wrap(err, "history");
    int ret = 0, rc = sqlite_step_done(r->begin);
    int64_t compacted = 0, upto = 0;
    if (rc == SQLITE_OK)
        rc = reader_meta(r, "compacted", &compacted);
    if (rc == SQLITE_OK)
        rc = reader_snapshot_rev(r, &upto);
    if (rc != SQLITE_OK) {
        ret = sqlite_fail(err, r->db, rc, "history");
        goto out;
    }
    /* Only what the sink has had: the rest comes through it. */
    int64_t durable = atomic_load(&sb->rev);
    if (upto > durable)
        upto = durable;
    if (after < compacted) {
        ret = mk_error(err, MK_EGONE, "revision %lld is compacted (history starts after %lld)",
                       (long long)after, (long long)compacted);
        goto out;
    }
    sqlite3_bind_int64(r->history, 1, after);
    sqlite3_bind_int64(r->history, 2, upto);
    while ((rc = sqlite3_step(r->history)) == SQLITE_ROW) {
        mk_event ev = {
            .rev = sqlite3_column_int64(r->history, 0),
            .key = (const char *)sqlite3_column_text(r->history, 1),
            .type = (mk_event_type)sqlite3_column_int(r->history, 2),
            .value = (const char *)sqlite3_column_text(r->history, 3),
            .len = (size_t)sqlite3_column_bytes(r->history, 3),
        };
        if (!ev.value)
            ev.value = "";
        ret = fn(ctx, &ev);
        if (ret)
            break;
    }
    if (!ret && rc != SQLITE_DONE)
        ret = sqlite_fail(err, r->db, rc, "history");
    sqlite3_reset(r->history);
out:
    sqlite_step_done(r->commit);
    reader_put(sb, r);
    return ret;
}

static int64_t sqlite_current_rev(mk_backend *be)
{
    return atomic_load(&to_sb(be)->rev);
}

static int64_t sqlite_compacted_rev(mk_backend *be)
{
    return atomic_load(&to_sb(be)->compacted);
}

/* The database file is page_count * page_size; the WAL comes on top. */
static int64_t sqlite_size_bytes(mk_backend *be)
{
    sqlite_backend *sb = to_sb(be);
    struct stat st;
    int64_t size = 0;
    if (stat(sb->path, &st) == 0)
        size += st.st_size;
    if (stat(sb->wal_path, &st) == 0)
        size += st.st_size;
    return size;
}

void sqlite_backend_stats(mk_backend *be, sqlite_stats *out)
{
    sqlite_backend *sb = to_sb(be);
    *out = (sqlite_stats){
        .writes = atomic_load(&sb->n_writes),
        .commits = atomic_load(&sb->n_commits),
        .compacted_rows = atomic_load(&sb->n_compacted_rows),
        .checkpoints = atomic_load(&sb->n_checkpoints),
        .max_compact_ns = atomic_load(&sb->max_compact_ns),
        .max_writer_ckpt_ns = atomic_load(&sb->max_writer_ckpt_ns),
    };
}

static void sqlite_close(mk_backend *be)
{
    sqlite_backend *sb = to_sb(be);
    sqlite_writer_stop(sb);
    sqlite_sync_stop(sb);
    sqlite_ckpt_stop(sb);
    while (sb->idle) {
        sqlite_reader *r = sb->idle;
        sb->idle = r->next;
        reader_free(r);
    }
    sqlite3_stmt *all[] = {sb->w_begin,   sb->w_commit,   sb->w_rollback,    sb->w_cur_get,
                           sb->w_val_get, sb->w_log_ins,  sb->w_cur_put,     sb->w_cur_del,
                           sb->w_log_del, sb->w_meta_set, sb->w_compact_del, sb->w_rev_ts};
    for (size_t i = 0; i < ARRAY_SIZE(all); i++)
        sqlite3_finalize(all[i]);
    /* The last connection to close checkpoints and removes the WAL. */
    sqlite3_close(sb->cdb);
    sqlite3_close(sb->wdb);
    mk_close_fd(&sb->lock_fd);
    pthread_mutex_destroy(&sb->lock);
    pthread_cond_destroy(&sb->wake);
    pthread_mutex_destroy(&sb->ckpt_lock);
    pthread_cond_destroy(&sb->ckpt_wake);
    pthread_mutex_destroy(&sb->pool_lock);
    pthread_mutex_destroy(&sb->sync_lock);
    pthread_cond_destroy(&sb->sync_wake);
    pthread_cond_destroy(&sb->sync_space);
    for (int i = 0; sb->ring && i < SQLITE_PIPELINE; i++)
        mk_buf_free(&sb->ring[i].values);
    free(sb->ring);
    pthread_mutex_destroy(&sb->durable_lock);
    pthread_cond_destroy(&sb->durable_cv);
    mk_buf_free(&sb->values);
    free(sb->path);
    free(sb->wal_path);
    free(sb);
}

static const mk_backend_ops sqlite_ops = {
    .name = "sqlite",
    .write = sqlite_write,
    .get = sqlite_get,
    .list = sqlite_list,
    .history = sqlite_history,
    .current_rev = sqlite_current_rev,
    .compacted_rev = sqlite_compacted_rev,
    .size_bytes = sqlite_size_bytes,
    .close = sqlite_close,
};

int backend_sqlite_open(const mk_backend_opts *opts, mk_backend **out, mk_err *err)
{
    mk_err scratch;
    if (!err)
        err = &scratch;
    if (!opts || !opts->data_dir || !*opts->data_dir)
        return mk_error(err, EINVAL, "data dir: required");
    const char *dir = opts->data_dir;
    if (make_data_dir(dir, err) < 0)
        return -err->code;

    sqlite_backend *sb = xcalloc(1, sizeof *sb);
    sqlite_writer_init_marker(sb);
    sb->base.ops = &sqlite_ops;
    sb->lock_fd = -1;
    sb->path = xasprintf("%s/minik8s.db", dir);
    sb->wal_path = xasprintf("%s-wal", sb->path);
    sb->keep_revisions = opts->keep_revisions > 0   ? opts->keep_revisions
                         : opts->keep_revisions < 0 ? 0
                                                    : SQLITE_DEFAULT_KEEP_REVISIONS;
    sb->keep_ms = 1000LL * (opts->keep_seconds > 0   ? opts->keep_seconds
                            : opts->keep_seconds < 0 ? 0
                                                     : SQLITE_DEFAULT_KEEP_SECONDS);
    /* The writer's and checkpointer's timed waits count monotonic time. */
    pthread_condattr_t mono;
    pthread_condattr_init(&mono);
    pthread_condattr_setclock(&mono, CLOCK_MONOTONIC);
    pthread_mutex_init(&sb->lock, NULL);
    pthread_cond_init(&sb->wake, &mono);
    pthread_mutex_init(&sb->ckpt_lock, NULL);
    pthread_cond_init(&sb->ckpt_wake, &mono);
    pthread_mutex_init(&sb->sync_lock, NULL);
    pthread_cond_init(&sb->sync_wake, NULL);
    pthread_cond_init(&sb->sync_space, NULL);
    sb->ring = xcalloc(SQLITE_PIPELINE, sizeof *sb->ring);
    pthread_mutex_init(&sb->durable_lock, NULL);
    monocond_init(&sb->durable_cv);
    sb->wal_fd = -1;
    pthread_condattr_destroy(&mono);
    pthread_mutex_init(&sb->pool_lock, NULL);

    sqlite_reader *probe = NULL;
    if (lock_data_dir(sb, dir, err) < 0 || open_db(sb->path, &sb->wdb, NULL, err) < 0 ||
        init_schema(sb, err) < 0)
        goto fail;
    char *msg = NULL;
    if (sqlite3_exec(sb->wdb, writer_pragmas, NULL, NULL, &msg) != SQLITE_OK) {
        mk_error(err, EIO, "open %s: %s", sb->path, msg ? msg : "pragma failed");
        sqlite3_free(msg);
        goto fail;
    }
    /* A reader now, so that a broken file fails here and not at the first
     * request. */
    if (sqlite_writer_prepare(sb, err) < 0 || sqlite_compact_prepare(sb, err) < 0 ||
        reader_get(sb, &probe, err) < 0)
        goto fail;
    reader_put(sb, probe);
    /* The checkpointer's connection reads once, so that it knows the WAL
     * (a connection that never read checkpoints nothing). */
    /* FULL: its checkpoints sync the WAL before and the database after. */
    if (open_db(sb->path, &sb->cdb,
                "PRAGMA synchronous=FULL; PRAGMA cache_size=-256; SELECT count(*) FROM meta",
                err) < 0 ||
        sqlite_ckpt_start(sb, err) < 0 || sqlite_sync_start(sb, err) < 0 ||
        sqlite_writer_start(sb, err) < 0)
        goto fail;
    *out = &sb->base;
    return 0;
fail:
    sqlite_close(&sb->base);
    return -err->code;
}
