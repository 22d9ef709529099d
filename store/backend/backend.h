/* backend.h - the storage interface under mk-apiserver.
 *
 * A backend is a revisioned key-value log, as kine and etcd keep it: every
 * change gets the next value of one global revision counter, which is the
 * objects' metadata.resourceVersion. SQLite is the default backend; etcd
 * comes through the same interface.
 *
 * Contract every backend keeps:
 *  - A write returns only after it is durable (committed and on disk).
 *    Concurrent writers may share one commit (group commit); each still
 *    gets its own revision, in the order the writes were applied.
 *  - Reads (get, list, history) never return a revision that is not yet
 *    durable: a backend that commits before it syncs makes them wait.
 *  - Values read back (get, list, history, events) are serialized JSON
 *    objects whose metadata.resourceVersion equals their revision.
 *  - Revisions only grow and are never reused, across restarts and crashes.
 *  - The event sink sees every committed change exactly once, in revision
 *    order, before the writer is acknowledged.
 *  - Compaction removes history older than a revision; asking history for
 *    a compacted revision fails with MK_EGONE.
 */
#ifndef MK_BACKEND_H
#define MK_BACKEND_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/error.h"

typedef struct mk_backend mk_backend;

typedef enum mk_event_type {
    MK_EV_ADDED = 1,
    MK_EV_MODIFIED = 2,
    MK_EV_DELETED = 3,
} mk_event_type;

/* A change, as the event sink and history deliver it. All pointers are
 * borrowed for the duration of the callback. */
typedef struct mk_event {
    mk_event_type type;
    int64_t rev;
    const char *key;
    const char *value; /* the object at rev (DELETED: its last state, rv = rev) */
    size_t len;
    json_object *obj;  /* parsed value when the backend has it, else NULL */
    json_object *prev; /* the object before the change when known, else NULL */
} mk_event;

/* One current key, as list delivers it (borrowed for the callback). */
typedef struct mk_kv {
    const char *key;
    const char *value;
    size_t len;
    int64_t rev; /* revision of the last change */
} mk_kv;

/* Return 0 to go on, non-zero to stop the iteration (that value is
 * returned by list/history). */
typedef int (*mk_kv_fn)(void *ctx, const mk_kv *kv);
typedef int (*mk_event_fn)(void *ctx, const mk_event *ev);

typedef enum mk_write_op {
    MK_WRITE_CREATE = 1, /* fails EEXIST if the key exists */
    MK_WRITE_UPDATE = 2, /* fails ENOENT if absent, ESTALE if expect_rev differs */
    MK_WRITE_DELETE = 3, /* fails ENOENT if absent, ESTALE if expect_rev differs */
} mk_write_op;

typedef struct mk_write {
    mk_write_op op;
    const char *key;
    /* CREATE/UPDATE: the new object. DELETE: the object's last state, as
     * the DELETED event should carry it. The backend sets
     * metadata.resourceVersion on it to the new revision before it
     * serializes it; otherwise it is not changed or kept. */
    json_object *obj;
    /* UPDATE/DELETE: the object as the caller read it (handed to the event
     * sink as prev, for selector transitions), or just the part selectors
     * read (metadata name, namespace, labels; spec.nodeName; status.phase);
     * may be NULL. */
    json_object *prev;
    /* UPDATE/DELETE: the revision the key must have now; 0 = any. */
    int64_t expect_rev;
    /* Optional: on success, a copy of the JSON stored for obj (caller
     * frees), so a reply needs not serialize it again. A backend may leave
     * it NULL; the caller then serializes obj itself. */
    char **stored;
    size_t *stored_len;
} mk_write;

typedef struct mk_backend_ops {
    const char *name;
    /* Apply one write; on success *rev is its revision. */
    int (*write)(mk_backend *be, const mk_write *w, int64_t *rev, mk_err *err);
    /* The current value of key (caller frees *value) and its revision.
     * ENOENT when absent. */
    int (*get)(mk_backend *be, const char *key, char **value, size_t *len, int64_t *rev,
               mk_err *err);
    /* Every current key under prefix, in key order, from one consistent
     * snapshot; *rev is the store revision of that snapshot. */
    int (*list)(mk_backend *be, const char *prefix, mk_kv_fn fn, void *ctx, int64_t *rev,
                mk_err *err);
    /* Every change with revision > after, in order, up to the revision
     * current when the call starts. MK_EGONE when after < compacted rev. */
    int (*history)(mk_backend *be, int64_t after, mk_event_fn fn, void *ctx, mk_err *err);
    /* The newest revision, and the oldest revision history can start after. */
    int64_t (*current_rev)(mk_backend *be);
    int64_t (*compacted_rev)(mk_backend *be);
    /* Size of the store on disk, bytes (for /metrics). */
    int64_t (*size_bytes)(mk_backend *be);
    /* Stop background work and free everything. */
    void (*close)(mk_backend *be);
} mk_backend_ops;

/* Every backend starts with this header. */
struct mk_backend {
    const mk_backend_ops *ops;
    mk_event_fn sink; /* set with backend_set_sink before the first write; it may
                       * run on a backend thread while writers wait, so it must
                       * be quick and must not write to the backend */
    void *sink_ctx;
};

typedef struct mk_backend_opts {
    const char *data_dir;   /* sqlite: the directory holding the db */
    const char *etcd_url;   /* etcd: http://127.0.0.1:2379 */
    int64_t keep_revisions; /* compaction keeps at least this many (default 100000) */
    int keep_seconds;       /* ... and history younger than this (default 300) */
                            /* (for both: 0 = the default, < 0 = none) */
} mk_backend_opts;

/* Open the SQLite backend in opts->data_dir (created if missing).
 * Errors name the path ("data dir /x: Permission denied"). */
int backend_sqlite_open(const mk_backend_opts *opts, mk_backend **out, mk_err *err);

static inline void backend_set_sink(mk_backend *be, mk_event_fn fn, void *ctx)
{
    be->sink = fn;
    be->sink_ctx = ctx;
}
/* The preconditions of w against the key's revision now (cur; 0: absent):
 * EEXIST for a create of a key that is there, ENOENT for an update or
 * delete of one that is not, ESTALE when expect_rev is not cur. Backends
 * check them inside their transaction; a dry run checks them outside. */
int backend_check_write(const mk_write *w, int64_t cur, mk_err *err);

static inline int backend_write(mk_backend *be, const mk_write *w, int64_t *rev, mk_err *err)
{
    return be->ops->write(be, w, rev, err);
}
static inline int backend_get(mk_backend *be, const char *key, char **value, size_t *len,
                              int64_t *rev, mk_err *err)
{
    return be->ops->get(be, key, value, len, rev, err);
}
static inline int backend_list(mk_backend *be, const char *prefix, mk_kv_fn fn, void *ctx,
                               int64_t *rev, mk_err *err)
{
    return be->ops->list(be, prefix, fn, ctx, rev, err);
}
static inline int backend_history(mk_backend *be, int64_t after, mk_event_fn fn, void *ctx,
                                  mk_err *err)
{
    return be->ops->history(be, after, fn, ctx, err);
}
static inline void backend_close(mk_backend *be)
{
    if (be)
        be->ops->close(be);
}

#endif
