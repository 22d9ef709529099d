/* namespaces.c - the live namespaces in memory (see namespaces.h). */
#include "store/server/namespaces.h"

#include <pthread.h>
#include <string.h>
#include <uthash.h>

#include "store/kinds.h"
#include "store/util.h"

typedef struct ns_entry {
    UT_hash_handle hh;
    char name[];
} ns_entry;

struct nsset {
    /* Readers are every create; writers only namespace changes. */
    pthread_rwlock_t lock;
    ns_entry *byname;
    char *prefix; /* "/registry/namespaces/" */
    size_t prefix_len;
};

nsset *nsset_new(void)
{
    nsset *s = xcalloc(1, sizeof *s);
    pthread_rwlock_init(&s->lock, NULL);
    s->prefix = kind_prefix(kind_by_kind("Namespace"), NULL);
    s->prefix_len = strlen(s->prefix);
    return s;
}

void nsset_free(nsset *s)
{
    if (!s)
        return;
    ns_entry *e, *tmp;
    HASH_ITER(hh, s->byname, e, tmp)
    {
        HASH_DEL(s->byname, e);
        free(e);
    }
    pthread_rwlock_destroy(&s->lock);
    free(s->prefix);
    free(s);
}

/* The namespace name of a key, or NULL when the key is no namespace's. */
static const char *name_of(nsset *s, const char *key)
{
    if (strncmp(key, s->prefix, s->prefix_len) != 0)
        return NULL;
    const char *name = key + s->prefix_len;
    return *name && !strchr(name, '/') ? name : NULL;
}

static void nsset_set(nsset *s, const char *name, bool present)
{
    size_t len = strlen(name);
    pthread_rwlock_wrlock(&s->lock);
    ns_entry *e;
    HASH_FIND(hh, s->byname, name, len, e);
    if (present && !e) {
        e = xcalloc(1, sizeof *e + len + 1);
        memcpy(e->name, name, len + 1);
        HASH_ADD(hh, s->byname, name[0], len, e);
    } else if (!present && e) {
        HASH_DEL(s->byname, e);
        free(e);
    }
    pthread_rwlock_unlock(&s->lock);
}

void nsset_apply(nsset *s, const mk_event *ev)
{
    const char *name = name_of(s, ev->key);
    if (name)
        nsset_set(s, name, ev->type != MK_EV_DELETED);
}

static int load_one(void *ctx, const mk_kv *kv)
{
    nsset *s = ctx;
    const char *name = name_of(s, kv->key);
    if (name)
        nsset_set(s, name, true);
    return 0;
}

int nsset_load(nsset *s, mk_backend *be, mk_err *err)
{
    int64_t rev;
    return backend_list(be, s->prefix, load_one, s, &rev, err);
}

bool nsset_has(nsset *s, const char *name)
{
    ns_entry *e;
    pthread_rwlock_rdlock(&s->lock);
    HASH_FIND(hh, s->byname, name, strlen(name), e);
    pthread_rwlock_unlock(&s->lock);
    return e != NULL;
}
