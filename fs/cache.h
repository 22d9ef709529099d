/* cache.h - the filesystem's view of the cluster: one informer per kind
 * over all namespaces, started at mount, and the thread that turns their
 * changes into kernel cache invalidations and .watch lines.
 *
 * Reads never go to the API server: lookups, listings and file contents
 * come from the informers' caches. When the server goes away the caches
 * keep their last state (reads go on; writes fail) and the informers
 * reconnect by themselves.
 */
#ifndef MK_FS_CACHE_H
#define MK_FS_CACHE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "fs/pipe.h"
#include "store/client.h"
#include "store/kinds.h"

/* Start an informer for every kind and wait (up to timeout_ms) for their
 * first lists. ETIMEDOUT/ECONNREFUSED when the server does not answer. */
int fs_cache_start(mk_client *c, int timeout_ms, mk_err *err);
/* Begin invalidating the kernel's caches through se (after mount). */
void fs_cache_set_session(struct fuse_session *se);
void fs_cache_stop(void);

/* A copy of the cached object (json_object_put it) or NULL. */
json_object *fs_cache_get(const mk_kind *k, const char *ns, const char *name);
/* Does the namespace exist ("default" always does)? */
bool fs_cache_namespace_exists(const char *ns);
/* Call fn(ctx, name) for each cached object of k in namespace ns (all
 * cluster-scoped objects when k is not namespaced). */
void fs_cache_names(const mk_kind *k, const char *ns, void (*fn)(void *ctx, const char *name),
                    void *ctx);
/* After a write: wait (up to timeout_ms) until the cache holds the object
 * at revision rv or newer (gone: until it no longer holds the object with
 * that uid). Returns whether it did. */
bool fs_cache_wait_rev(const mk_kind *k, const char *ns, const char *name, int64_t rv,
                       int timeout_ms);
bool fs_cache_wait_gone(const mk_kind *k, const char *ns, const char *name, const char *uid,
                        int timeout_ms);
/* Are all informers connected to the server? */
bool fs_cache_connected(void);

/* Subscribe a pipe to change lines for kind k (NULL: every kind, with the
 * folder name appended). Lines start from the moment of subscription. */
void fs_cache_subscribe(fs_pipe *p, const mk_kind *k);
void fs_cache_unsubscribe(fs_pipe *p);

/* Ask the notifier thread to invalidate path's inode and, with entry, the
 * name in its parent (never called inline from a FUSE callback). */
void fs_cache_invalidate(const char *path, bool entry);

#endif
