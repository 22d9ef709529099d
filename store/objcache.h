/* objcache.h - the informer's cache of objects, and the changes that keep
 * it true. Private to store/informer.c (and its unit tests).
 *
 * Objects are keyed "namespace/name" (just "name" for cluster-scoped kinds)
 * in a hash table under a read-write lock. Readers walk them in key order
 * through a sorted array that is rebuilt only when the cache changed since
 * the last walk, so listing ten thousand objects costs a walk, not a sort.
 *
 * Every change returns what a watcher would have seen (an add, update or
 * delete with the old and new object) so the informer can fire handlers
 * after the lock is released.
 */
#ifndef MK_OBJCACHE_H
#define MK_OBJCACHE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mk_objcache mk_objcache;

typedef enum { OBJCACHE_ADD, OBJCACHE_UPDATE, OBJCACHE_DELETE } objcache_op;

/* One change. old and obj are references the change owns: ADD has obj,
 * UPDATE both, DELETE old (the cached object) and obj (the object the
 * server announced as deleted, or old again after a relist). */
typedef struct objcache_change {
    objcache_op op;
    json_object *old, *obj;
} objcache_change;

typedef struct objcache_changes {
    objcache_change *v;
    size_t n, cap;
} objcache_changes;

void objcache_changes_free(objcache_changes *ch);

mk_objcache *objcache_new(bool namespaced);
void objcache_free(mk_objcache *oc);

/* metadata.resourceVersion as a number; 0 if absent or not a number. */
int64_t objcache_obj_rev(json_object *obj);

/* Replace the whole contents with items (a JSON array of objects; the
 * cache takes its own references) as of revision rev. Appends to *out the
 * difference from the old contents: objects new or with another
 * resourceVersion, and objects gone. */
void objcache_replace(mk_objcache *oc, json_object *items, int64_t rev, objcache_changes *out);

/* Apply one watch event (ADDED, MODIFIED, DELETED, BOOKMARK); the cache
 * takes its own reference to obj. Appends the change to *out, if any: an
 * ADDED/MODIFIED no newer than the cached object changes nothing, an
 * event of another type only moves the revision. */
void objcache_apply(mk_objcache *oc, const char *type, json_object *obj, objcache_changes *out);

/* Move the revision forward (never back). */
void objcache_set_rev(mk_objcache *oc, int64_t rev);

/* A deep copy of the cached object (the caller owns it), or NULL. */
json_object *objcache_get(mk_objcache *oc, const char *ns, const char *name);
/* fn for each object in key order under the read lock; non-zero stops and
 * is returned. */
int objcache_foreach(mk_objcache *oc, int (*fn)(void *ctx, json_object *obj), void *ctx);
size_t objcache_count(mk_objcache *oc);
int64_t objcache_rev(mk_objcache *oc);
uint64_t objcache_generation(mk_objcache *oc);

#endif
