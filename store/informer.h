/* informer.h - list, then watch, a kind into a local cache.
 *
 * The way every daemon watches the store (DESIGN.md, "Clients"): list, watch
 * from the list's revision, keep a cache, reconnect with backoff, relist on
 * 410 Gone. After a relist the cache is diffed against the new list, so
 * handlers see adds, updates and deletes that happened while disconnected:
 * reconcile from the cache, level-triggered.
 *
 * Handlers run on the informer's own thread, one at a time, with no lock
 * held: they may call informer_get/foreach. Objects passed to them are
 * borrowed for the call (take a json_object_get to keep one). json-c's
 * reference counts are not atomic, so a reference taken that way may be
 * used and put only on the informer's thread; to hand an object to another
 * thread, json_object_deep_copy it. The objects handlers get are never the
 * cache's own, so handlers may print or change them.
 */
#ifndef MK_INFORMER_H
#define MK_INFORMER_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/client.h"
#include "store/kinds.h"

typedef struct mk_informer mk_informer;

typedef struct mk_informer_handlers {
    void (*on_add)(void *ctx, json_object *obj);
    void (*on_update)(void *ctx, json_object *old, json_object *obj);
    void (*on_delete)(void *ctx, json_object *obj);
    /* After each (re)list has been applied to the cache. */
    void (*on_synced)(void *ctx);
    /* When the connection to the server is lost or comes back. */
    void (*on_connection)(void *ctx, bool connected, const char *why);
} mk_informer_handlers;

/* ns NULL: all namespaces. Selectors may be NULL. handlers may be NULL. */
mk_informer *informer_new(mk_client *c, const mk_kind *k, const char *ns, const char *label_sel,
                          const char *field_sel, const mk_informer_handlers *handlers,
                          void *ctx);
/* Start the informer's thread. */
int informer_start(mk_informer *inf, mk_err *err);
/* Stop the thread (within about a second) and free everything. */
void informer_free(mk_informer *inf);

/* Wait until the first list has landed in the cache and its handlers
 * (on_add..., on_synced) have run; false on timeout. */
bool informer_wait_synced(mk_informer *inf, int timeout_ms);
bool informer_synced(mk_informer *inf);
/* Is the watch connected right now? */
bool informer_connected(mk_informer *inf);

/* A copy of the cached object, the caller's own on any thread
 * (json_object_put it), or NULL. ns ignored for cluster-scoped kinds. */
json_object *informer_get(mk_informer *inf, const char *ns, const char *name);
/* Call fn for each cached object, in key order ("ns/name", or "name" for
 * cluster-scoped kinds), under the cache's read lock: fn must not call back
 * into the informer. Return non-zero to stop. Other threads may walk the
 * same objects at once, so fn only reads them: no json_object_get/put and
 * no printing (json-c writes a buffer inside an object to print it);
 * json_object_deep_copy one to keep or print it. Cheap to call often: the
 * key order is sorted again only after the cache changed. */
typedef int (*mk_object_fn)(void *ctx, json_object *obj);
int informer_foreach(mk_informer *inf, mk_object_fn fn, void *ctx);
size_t informer_count(mk_informer *inf);
/* The newest revision the cache reflects (bumped by bookmarks too). */
int64_t informer_rev(mk_informer *inf);
/* The cache's generation: bumped by every change; cheap to poll. */
uint64_t informer_generation(mk_informer *inf);

#endif
