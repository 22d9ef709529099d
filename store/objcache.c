#include "store/objcache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "store/codec.h"
#include "store/util.h"

typedef struct entry {
    char *key; /* "ns/name" or "name" */
    json_object *obj;
    int64_t rev;
    UT_hash_handle hh;
} entry;

struct mk_objcache {
    bool namespaced;
    pthread_rwlock_t lock; /* guards table; rev and gen are written under it */
    entry *table;
    int64_t rev;
    uint64_t gen;
    /* The entries in key order, as of generation sorted_gen. Readers share
     * the read lock, so the one that finds the array stale rebuilds it under
     * sort_lock; the table cannot change while any reader holds the lock. */
    pthread_mutex_t sort_lock;
    entry **sorted;
    size_t nsorted;
    uint64_t sorted_gen;
};

void objcache_changes_free(objcache_changes *ch)
{
    for (size_t i = 0; i < ch->n; i++) {
        json_object_put(ch->v[i].old);
        json_object_put(ch->v[i].obj);
    }
    free(ch->v);
    *ch = (objcache_changes){0};
}

/* old and obj are references handed to the change. */
static void change_push(objcache_changes *ch, objcache_op op, json_object *old,
                        json_object *obj)
{
    if (ch->n == ch->cap) {
        ch->cap = ch->cap ? ch->cap * 2 : 16;
        ch->v = xrealloc(ch->v, ch->cap * sizeof *ch->v);
    }
    ch->v[ch->n++] = (objcache_change){.op = op, .old = old, .obj = obj};
}

mk_objcache *objcache_new(bool namespaced)
{
    mk_objcache *oc = xcalloc(1, sizeof *oc);
    oc->namespaced = namespaced;
    oc->sorted_gen = UINT64_MAX;
    /* Writers first: a stream of readers (ls on a busy mount) must not hold
     * back the informer, or the cache would fall behind the server. */
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&oc->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    pthread_mutex_init(&oc->sort_lock, NULL);
    return oc;
}

static void entry_free(entry *e)
{
    json_object_put(e->obj);
    free(e->key);
    free(e);
}

void objcache_free(mk_objcache *oc)
{
    if (!oc)
        return;
    entry *e, *tmp;
    HASH_ITER(hh, oc->table, e, tmp)
    {
        HASH_DEL(oc->table, e);
        entry_free(e);
    }
    free(oc->sorted);
    pthread_rwlock_destroy(&oc->lock);
    pthread_mutex_destroy(&oc->sort_lock);
    free(oc);
}

int64_t objcache_obj_rev(json_object *obj)
{
    const char *rv = mk_json_str(obj, "metadata.resourceVersion");
    if (!rv)
        return mk_json_int(obj, "metadata.resourceVersion", 0);
    char *end;
    long long v = strtoll(rv, &end, 10);
    return *rv && !*end && v > 0 ? v : 0;
}

static char *make_key(const mk_objcache *oc, const char *ns, const char *name)
{
    if (!oc->namespaced)
        return xstrdup(name);
    return xasprintf("%s/%s", ns && *ns ? ns : "default", name);
}

static char *key_of(const mk_objcache *oc, json_object *obj)
{
    const char *name = mk_json_str(obj, "metadata.name");
    if (!name || !*name)
        return NULL;
    return make_key(oc, mk_json_str(obj, "metadata.namespace"), name);
}

/* The cache keeps its own copy: objects handed to handlers are then never
 * the ones readers on other threads are walking (json-c objects are not
 * thread-safe: even printing one writes a buffer inside it). */
static entry *entry_new(char *key, json_object *obj)
{
    entry *e = xcalloc(1, sizeof *e);
    e->key = key;
    e->obj = NULL;
    json_object_deep_copy(obj, &e->obj, NULL);
    e->rev = objcache_obj_rev(obj);
    return e;
}

static void bump(mk_objcache *oc)
{
    __atomic_store_n(&oc->gen, oc->gen + 1, __ATOMIC_RELEASE);
}

static void set_rev_locked(mk_objcache *oc, int64_t rev)
{
    if (rev > oc->rev)
        __atomic_store_n(&oc->rev, rev, __ATOMIC_RELEASE);
}

void objcache_replace(mk_objcache *oc, json_object *items, int64_t rev, objcache_changes *out)
{
    size_t n = mk_json_array_len(items);
    bool changed = false;
    pthread_rwlock_wrlock(&oc->lock);
    entry *old = oc->table, *e, *tmp;
    oc->table = NULL;
    for (size_t i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(items, i);
        char *key = key_of(oc, item);
        if (!key)
            continue;
        entry *prev = NULL, *dup = NULL;
        HASH_FIND_STR(old, key, prev);
        if (prev)
            HASH_DEL(old, prev);
        HASH_FIND_STR(oc->table, key, dup);
        if (dup) { /* the server listed it twice: the later wins */
            HASH_DEL(oc->table, dup);
            entry_free(dup);
        }
        int64_t item_rev = objcache_obj_rev(item);
        if (prev && item_rev && prev->rev == item_rev) {
            free(key); /* unchanged: keep the cached copy */
            HASH_ADD_KEYPTR(hh, oc->table, prev->key, strlen(prev->key), prev);
            continue;
        }
        e = entry_new(key, item);
        HASH_ADD_KEYPTR(hh, oc->table, e->key, strlen(e->key), e);
        if (prev) {
            change_push(out, OBJCACHE_UPDATE, steal_pointer(&prev->obj), json_object_get(item));
            entry_free(prev);
        } else {
            change_push(out, OBJCACHE_ADD, NULL, json_object_get(item));
        }
        changed = true;
    }
    /* What is left was deleted while nobody watched. */
    HASH_ITER(hh, old, e, tmp)
    {
        HASH_DEL(old, e);
        json_object *gone = steal_pointer(&e->obj);
        change_push(out, OBJCACHE_DELETE, gone, json_object_get(gone));
        entry_free(e);
        changed = true;
    }
    __atomic_store_n(&oc->rev, rev, __ATOMIC_RELEASE);
    if (changed)
        bump(oc);
    pthread_rwlock_unlock(&oc->lock);
}

static void apply_put(mk_objcache *oc, json_object *obj, int64_t rev, objcache_changes *out)
{
    char *key = key_of(oc, obj);
    if (!key)
        return;
    entry *prev = NULL;
    HASH_FIND_STR(oc->table, key, prev);
    if (prev && rev && prev->rev >= rev) {
        free(key); /* a replay of what the cache already holds */
        return;
    }
    if (prev) {
        free(key);
        json_object *old = steal_pointer(&prev->obj);
        json_object_deep_copy(obj, &prev->obj, NULL);
        prev->rev = rev;
        change_push(out, OBJCACHE_UPDATE, old, json_object_get(obj));
    } else {
        entry *e = entry_new(key, obj);
        HASH_ADD_KEYPTR(hh, oc->table, e->key, strlen(e->key), e);
        change_push(out, OBJCACHE_ADD, NULL, json_object_get(obj));
    }
    bump(oc);
}

static void apply_delete(mk_objcache *oc, json_object *obj, objcache_changes *out)
{
    _cleanup_free_ char *key = key_of(oc, obj);
    if (!key)
        return;
    entry *prev = NULL;
    HASH_FIND_STR(oc->table, key, prev);
    json_object *old = NULL;
    if (prev) {
        HASH_DEL(oc->table, prev);
        old = steal_pointer(&prev->obj);
        entry_free(prev);
        bump(oc);
    }
    change_push(out, OBJCACHE_DELETE, old, json_object_get(obj));
}

void objcache_apply(mk_objcache *oc, const char *type, json_object *obj, objcache_changes *out)
{
    int64_t rev = objcache_obj_rev(obj);
    pthread_rwlock_wrlock(&oc->lock);
    set_rev_locked(oc, rev);
    if (strcmp(type, "ADDED") == 0 || strcmp(type, "MODIFIED") == 0)
        apply_put(oc, obj, rev, out);
    else if (strcmp(type, "DELETED") == 0)
        apply_delete(oc, obj, out);
    pthread_rwlock_unlock(&oc->lock);
}

void objcache_set_rev(mk_objcache *oc, int64_t rev)
{
    pthread_rwlock_wrlock(&oc->lock);
    set_rev_locked(oc, rev);
    pthread_rwlock_unlock(&oc->lock);
}

json_object *objcache_get(mk_objcache *oc, const char *ns, const char *name)
{
    if (!name)
        return NULL;
    _cleanup_free_ char *key = make_key(oc, ns, name);
    json_object *copy = NULL;
    pthread_rwlock_rdlock(&oc->lock);
    entry *e = NULL;
    HASH_FIND_STR(oc->table, key, e);
    if (e)
        json_object_deep_copy(e->obj, &copy, NULL);
    pthread_rwlock_unlock(&oc->lock);
    return copy;
}

static int entry_cmp(const void *a, const void *b)
{
    return strcmp((*(entry *const *)a)->key, (*(entry *const *)b)->key);
}

/* Called with the read lock held. */
static void sorted_refresh(mk_objcache *oc)
{
    pthread_mutex_lock(&oc->sort_lock);
    if (oc->sorted_gen != oc->gen) {
        size_t n = HASH_COUNT(oc->table), i = 0;
        oc->sorted = xrealloc(oc->sorted, (n ? n : 1) * sizeof *oc->sorted);
        for (entry *e = oc->table; e; e = e->hh.next)
            oc->sorted[i++] = e;
        qsort(oc->sorted, n, sizeof *oc->sorted, entry_cmp);
        oc->nsorted = n;
        oc->sorted_gen = oc->gen;
    }
    pthread_mutex_unlock(&oc->sort_lock);
}

int objcache_foreach(mk_objcache *oc, int (*fn)(void *ctx, json_object *obj), void *ctx)
{
    int r = 0;
    pthread_rwlock_rdlock(&oc->lock);
    sorted_refresh(oc);
    for (size_t i = 0; i < oc->nsorted && !r; i++)
        r = fn(ctx, oc->sorted[i]->obj);
    pthread_rwlock_unlock(&oc->lock);
    return r;
}

size_t objcache_count(mk_objcache *oc)
{
    pthread_rwlock_rdlock(&oc->lock);
    size_t n = HASH_COUNT(oc->table);
    pthread_rwlock_unlock(&oc->lock);
    return n;
}

int64_t objcache_rev(mk_objcache *oc)
{
    return __atomic_load_n(&oc->rev, __ATOMIC_ACQUIRE);
}

uint64_t objcache_generation(mk_objcache *oc)
{
    return __atomic_load_n(&oc->gen, __ATOMIC_ACQUIRE);
}
