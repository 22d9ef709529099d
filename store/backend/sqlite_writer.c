/* sqlite_writer.c - the writer thread: group commit and the event sink.
 *
 * A caller's write() queues a request that lives on its own stack and
 * sleeps on it. The writer takes everything queued (at most
 * SQLITE_BATCH_MAX), applies it in one transaction, commits (one fsync for
 * the whole batch), hands each applied change to the event sink in
 * revision order, and only then wakes the callers: a write is acknowledged
 * only once it is on disk and every watcher has it.
 *
 * Preconditions are checked inside the transaction, against `current`,
 * which already holds the batch's earlier writes. A rejected write
 * consumes no revision. If the transaction fails, every write of the batch
 * fails and the counter goes back to where it was.
 */
#include "store/backend/sqlite_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SQLITE_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

int sqlite_writer_prepare(sqlite_backend *sb, mk_err *err)
{
    sqlite3 *db = sb->wdb;
    if (sqlite_prepare(db, "BEGIN IMMEDIATE", &sb->w_begin, err) < 0 ||
        sqlite_prepare(db, "COMMIT", &sb->w_commit, err) < 0 ||
        sqlite_prepare(db, "ROLLBACK", &sb->w_rollback, err) < 0 ||
        sqlite_prepare(db, "SELECT rev FROM current WHERE key = ?1", &sb->w_cur_get, err) < 0 ||
        sqlite_prepare(db, "SELECT value FROM log WHERE rev = ?1", &sb->w_val_get, err) < 0 ||
        sqlite_prepare(
            db, "INSERT INTO log (rev, key, type, value, ts) VALUES (?1, ?2, ?3, ?4, ?5)",
            &sb->w_log_ins, err) < 0 ||
        sqlite_prepare(db,
                       "INSERT INTO current (key, rev) VALUES (?1, ?2)"
                       " ON CONFLICT (key) DO UPDATE SET rev = excluded.rev",
                       &sb->w_cur_put, err) < 0 ||
        sqlite_prepare(db, "DELETE FROM current WHERE key = ?1", &sb->w_cur_del, err) < 0 ||
        sqlite_prepare(db, "DELETE FROM log WHERE rev = ?1", &sb->w_log_del, err) < 0 ||
        sqlite_prepare(db, "UPDATE meta SET value = ?2 WHERE name = ?1", &sb->w_meta_set, err) <
            0)
        return mk_error_wrap(err, "open %s", sb->path);
    /* Our hook replaces SQLite's auto-checkpoint: commits never copy the
     * WAL back themselves, the checkpointer thread does. */
    sqlite3_wal_hook(db, sqlite_wal_hook, sb);
    return 0;
}

/* The revision key has now, 0 when absent; or a SQLite error code < 0. */
static int64_t current_rev_of(sqlite_backend *sb, const char *key, int *rc)
{
    sqlite3_stmt *st = sb->w_cur_get;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int64_t rev = 0;
    *rc = sqlite3_step(st);
    if (*rc == SQLITE_ROW)
        rev = sqlite3_column_int64(st, 0);
    *rc = *rc == SQLITE_ROW || *rc == SQLITE_DONE ? SQLITE_OK : *rc;
    sqlite3_reset(st);
    return rev;
}

/* A DELETE given no last state: the stored one. */
static json_object *stored_object(sqlite_backend *sb, int64_t rev, int *rc)
{
    sqlite3_stmt *st = sb->w_val_get;
    sqlite3_bind_int64(st, 1, rev);
    json_object *obj = NULL;
    *rc = sqlite3_step(st);
    if (*rc == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(st, 0);
        obj = text ? json_tokener_parse(text) : NULL;
    }
    *rc = *rc == SQLITE_ROW || *rc == SQLITE_DONE ? SQLITE_OK : *rc;
    sqlite3_reset(st);
    if (obj && !json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        obj = NULL;
    }
    return obj ? obj : json_object_new_object();
}

/* Kubernetes carries resourceVersion as a string. */
static void set_resource_version(json_object *obj, const char *text, int n)
{
    json_object *meta;
    if (!json_object_object_get_ex(obj, "metadata", &meta) ||
        !json_object_is_type(meta, json_type_object)) {
        meta = json_object_new_object();
        json_object_object_add(obj, "metadata", meta);
    }
    json_object *rv;
    if (json_object_object_get_ex(meta, "resourceVersion", &rv) &&
        json_object_is_type(rv, json_type_string))
        json_object_set_string_len(rv, text, n);
    else
        json_object_object_add(meta, "resourceVersion", json_object_new_string_len(text, n));
}

enum { APPLIED = 0, REJECTED = 1 };

/* Apply one write as revision rev. APPLIED, REJECTED (req->rc says why),
 * or a SQLite error code < 0 that fails the whole batch. */
static int apply_one(sqlite_backend *sb, sqlite_req *req, int64_t rev, int64_t now_ms)
{
    const mk_write *w = req->w;
    int rc;
    int64_t cur = current_rev_of(sb, w->key, &rc);
    if (rc != SQLITE_OK)
        return -rc;
    if ((req->rc = backend_check_write(w, cur, &req->err)) < 0)
        return REJECTED;

    json_object *obj = w->obj;
    if (!obj) {
        obj = req->owned_obj = stored_object(sb, cur, &rc);
        if (rc != SQLITE_OK)
            return -rc;
    }
    char digits[24];
    int nd = snprintf(digits, sizeof digits, "%lld", (long long)rev);
    set_resource_version(obj, digits, nd);
    req->val_off = sb->values.len;
    if (req->text) { /* the caller's text with the revision put in */
        size_t after = req->marker_off + SQLITE_RV_MARKER_LEN;
        mk_buf_append(&sb->values, req->text, req->marker_off);
        mk_buf_append(&sb->values, digits, (size_t)nd);
        mk_buf_append(&sb->values, req->text + after, req->text_len - after);
    } else {
        size_t len;
        const char *t = json_object_to_json_string_length(obj, SQLITE_JSON_FLAGS, &len);
        mk_buf_append(&sb->values, t, len);
    }
    req->val_len = sb->values.len - req->val_off;
    const char *text = sb->values.data + req->val_off;
    size_t len = req->val_len;

    sqlite3_stmt *st = sb->w_log_ins;
    sqlite3_bind_int64(st, 1, rev);
    sqlite3_bind_text(st, 2, w->key, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, sqlite_event_type(w->op));
    sqlite3_bind_text(st, 4, text, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, now_ms);
    if ((rc = sqlite_step_done(st)) != SQLITE_OK)
        return -rc;
    if (w->op == MK_WRITE_DELETE) {
        st = sb->w_cur_del;
        sqlite3_bind_text(st, 1, w->key, -1, SQLITE_STATIC);
    } else {
        st = sb->w_cur_put;
        sqlite3_bind_text(st, 1, w->key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, rev);
    }
    if ((rc = sqlite_step_done(st)) != SQLITE_OK)
        return -rc;
    /* Compaction has passed the superseded row and will not come back
     * for it. */
    if (cur && cur <= atomic_load(&sb->compacted)) {
        sqlite3_bind_int64(sb->w_log_del, 1, cur);
        if ((rc = sqlite_step_done(sb->w_log_del)) != SQLITE_OK)
            return -rc;
        sb->batch_removed++;
    }
    if (w->stored) {
        *w->stored = xstrndup(text, len);
        if (w->stored_len)
            *w->stored_len = len;
    }
    req->rev = rev;
    return APPLIED;
}

/* Apply the batch in one transaction, with a chunk of compaction when
 * some is due, and commit it. Returns the revision reached (base when
 * nothing was applied) or a SQLite error code < 0. */
static int64_t batch_commit(sqlite_backend *sb, sqlite_req **batch, size_t n, int64_t base)
{
    int64_t rev = base, now_ms = mk_wall_ms(), compacted = 0;
    int rc = sqlite_step_done(sb->w_begin);
    for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
        if (!batch[i]->w)
            continue;
        int r = apply_one(sb, batch[i], rev + 1, now_ms);
        if (r == APPLIED)
            rev++;
        else if (r < 0)
            rc = -r;
    }
    bool compact = rc == SQLITE_OK && sqlite_compact_pending(sb);
    if (compact)
        rc = sqlite_compact_step(sb, rev, SQLITE_COMPACT_BATCH_CHUNK, &compacted);
    if (rc == SQLITE_OK)
        rc = sqlite_step_done(sb->w_commit);
    if (compact)
        sqlite_compact_done(sb, compacted, rc == SQLITE_OK);
    return rc == SQLITE_OK ? rev : -rc;
}

/* The transaction failed: so does every write of the batch that was not
 * rejected on its own. */
static void batch_fail(sqlite_backend *sb, sqlite_req **batch, size_t n, int rc)
{
    mk_err dberr;
    sqlite_fail(&dberr, sb->wdb, rc, "write");
    mk_error_wrap(&dberr, "%s", sb->path);
    if (!sqlite3_get_autocommit(sb->wdb))
        sqlite_step_done(sb->w_rollback);
    for (size_t i = 0; i < n; i++) {
        if (batch[i]->w && batch[i]->rc == 0) {
            if (batch[i]->w->stored) {
                free(*batch[i]->w->stored);
                *batch[i]->w->stored = NULL;
            }
            batch[i]->rc = -dberr.code;
            batch[i]->err = dberr;
            batch[i]->rev = 0;
        }
    }
}

/* Apply and commit it (durable once the syncer has synced it). */
static void commit_stage(sqlite_backend *sb, sqlite_batch *b)
{
    mk_buf_reset(&sb->values);
    sb->batch_removed = 0;
    b->base = sb->applied;
    int64_t rev = batch_commit(sb, b->req, b->n, b->base);
    if (rev < 0) {
        batch_fail(sb, b->req, b->n, (int)-rev);
        b->rev = b->base;
    } else {
        b->rev = sb->applied = rev;
    }
    b->removed = sb->batch_removed;
    /* The batch keeps its values; the writer fills the batch's old buffer. */
    mk_buf t = b->values;
    b->values = sb->values;
    sb->values = t;
    bool compact = false;
    for (size_t i = 0; i < b->n; i++)
        compact |= !b->req[i]->w;
    if (compact)
        sqlite_compact_all(sb);
}

static bool maintenance_due(sqlite_backend *sb)
{
    return sqlite_compact_pending(sb) || mk_now_ns() >= sb->next_maintain_ns;
}

static struct timespec ns_to_timespec(int64_t ns)
{
    return (struct timespec){.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
}

/* Commit delay, as PostgreSQL's commit_delay: the callers of the last
 * batch come back a moment after their wake-up; waiting briefly for them
 * lets one fsync serve all of them instead of every other batch. Only when
 * the last round had several callers, so a lone client never waits. */
static void gather(sqlite_backend *sb)
{
    if (sb->gather_target <= 1 || sb->queued >= sb->gather_target)
        return;
    int64_t deadline = mk_now_ns() + SQLITE_GATHER_NS;
    struct timespec ts = ns_to_timespec(deadline);
    sb->gathering = true;
    while (sb->queued < sb->gather_target && !sb->stopping && mk_now_ns() < deadline)
        if (pthread_cond_timedwait(&sb->wake, &sb->lock, &ts))
            break;
    sb->gathering = false;
}

/* Between batches, the writer's own chores, with the queue unlocked. */
static void between_batches(sqlite_backend *sb)
{
    bool idle = !sb->head;
    pthread_mutex_unlock(&sb->lock);
    sqlite_writer_checkpoint(sb);
    if (maintenance_due(sb))
        sqlite_maintain(sb, idle);
    pthread_mutex_lock(&sb->lock);
}

static void *writer_main(void *arg)
{
    sqlite_backend *sb = arg;
    pthread_mutex_lock(&sb->lock);
    for (;;) {
        if (!sb->head) {
            if (sb->stopping)
                break;
            if (maintenance_due(sb)) {
                between_batches(sb);
                continue;
            }
            struct timespec ts = ns_to_timespec(sb->next_maintain_ns);
            sb->writer_idle = true;
            pthread_cond_timedwait(&sb->wake, &sb->lock, &ts);
            sb->writer_idle = false;
            continue;
        }
        gather(sb);
        pthread_mutex_unlock(&sb->lock);
        sqlite_batch *b = sqlite_sync_slot(sb);
        pthread_mutex_lock(&sb->lock);
        while (sb->head && b->n < SQLITE_BATCH_MAX) {
            b->req[b->n++] = sb->head;
            sb->head = sb->head->next;
        }
        if (!sb->head)
            sb->tail = NULL;
        sb->queued -= (int)b->n;
        pthread_mutex_unlock(&sb->lock);

        commit_stage(sb, b);
        sqlite_sync_push(sb);
        pthread_mutex_lock(&sb->lock);
        between_batches(sb);
    }
    pthread_mutex_unlock(&sb->lock);
    return NULL;
}

/* Queue req and sleep until the writer is done with it. */
static int submit(sqlite_backend *sb, sqlite_req *req, mk_err *err)
{
    pthread_mutex_lock(&sb->lock);
    if (sb->stopping) {
        pthread_mutex_unlock(&sb->lock);
        return mk_error(err, ESHUTDOWN, "%s: the store is closing", sb->path);
    }
    sem_init(&req->done, 0, 0);
    if (sb->tail)
        sb->tail->next = req;
    else
        sb->head = req;
    sb->tail = req;
    sb->queued++;
    if (sb->writer_idle || (sb->gathering && sb->queued >= sb->gather_target))
        pthread_cond_signal(&sb->wake);
    pthread_mutex_unlock(&sb->lock);
    while (sem_wait(&req->done) < 0 && errno == EINTR)
        ;
    sem_destroy(&req->done);
    if (req->rc < 0 && err)
        *err = req->err;
    return req->rc;
}

void sqlite_writer_init_marker(sqlite_backend *sb)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char r[SQLITE_RV_MARKER_LEN / 2];
    mk_random_bytes(r, sizeof r);
    for (size_t i = 0; i < sizeof r; i++) {
        sb->rv_marker[2 * i] = hex[r[i] >> 4];
        sb->rv_marker[2 * i + 1] = hex[r[i] & 15];
    }
    sb->rv_marker[SQLITE_RV_MARKER_LEN] = '\0';
}

/* Serialize the object here, in the caller's thread, so the writer (one
 * thread for every write) only splices the revision in. The marker is
 * random per process, so it is found where we put it and nowhere else. */
static void serialize_for_writer(sqlite_backend *sb, sqlite_req *req)
{
    set_resource_version(req->w->obj, sb->rv_marker, SQLITE_RV_MARKER_LEN);
    size_t len;
    const char *t = json_object_to_json_string_length(req->w->obj, SQLITE_JSON_FLAGS, &len);
    const char *m = memmem(t, len, sb->rv_marker, SQLITE_RV_MARKER_LEN);
    if (!m)
        return; /* cannot happen; the writer then serializes */
    req->text = t;
    req->text_len = len;
    req->marker_off = (size_t)(m - t);
}

int sqlite_write(mk_backend *be, const mk_write *w, int64_t *rev, mk_err *err)
{
    sqlite_backend *sb = (sqlite_backend *)be;
    if (!w || !w->key || !*w->key)
        return mk_error(err, EINVAL, "write: key required");
    if (w->op != MK_WRITE_CREATE && w->op != MK_WRITE_UPDATE && w->op != MK_WRITE_DELETE)
        return mk_error(err, EINVAL, "%s: unknown write op %d", w->key, (int)w->op);
    if (w->op != MK_WRITE_DELETE && !w->obj)
        return mk_error(err, EINVAL, "%s: object required", w->key);
    if (w->obj && !json_object_is_type(w->obj, json_type_object))
        return mk_error(err, EINVAL, "%s: not a JSON object", w->key);
    sqlite_req req = {.w = w};
    if (w->obj)
        serialize_for_writer(sb, &req);
    int rc = submit(sb, &req, err);
    if (rc == 0 && rev)
        *rev = req.rev;
    return rc;
}

int sqlite_backend_compact(mk_backend *be, mk_err *err)
{
    sqlite_req req = {.w = NULL};
    return submit((sqlite_backend *)be, &req, err);
}

int sqlite_writer_start(sqlite_backend *sb, mk_err *err)
{
    sb->next_maintain_ns = mk_now_ns() + SQLITE_MAINTAIN_INTERVAL_NS;
    return sqlite_thread_start(sb, &sb->writer, &sb->writer_started, writer_main, "writer",
                               err);
}

/* Finish what is queued, then stop. */
void sqlite_writer_stop(sqlite_backend *sb)
{
    sqlite_thread_stop(sb->writer, &sb->writer_started, &sb->lock, &sb->wake, &sb->stopping);
}
