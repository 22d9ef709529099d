/* namespaces.c - the live namespaces in memory (see namespaces.h). */
#include "store/server/namespaces.h"

#include <pthread.h>
#include <string.h>
#include <uthash.h>

#include "store/codec.h"
#include "store/kinds.h"
#include "store/util.h"

typedef struct ns_entry {
    UT_hash_handle hh;
    bool terminating; /* deletionTimestamp set: content is being removed */
    int policies;     /* ResourceQuotas and LimitRanges in it */
    char name[];
} ns_entry;

struct nsset {
    /* Readers are every create; writers only namespace changes. */
    pthread_rwlock_t lock;
    ns_entry *byname;
    char *prefix; /* "/registry/namespaces/" */
    size_t prefix_len;
    char *policy_prefix[2]; /* "/registry/resourcequotas/", ".../limitranges/" */
};

static const char *const policy_kinds[2] = {"ResourceQuota", "LimitRange"};

nsset *nsset_new(void)
{
    nsset *s = xcalloc(1, sizeof *s);
    pthread_rwlock_init(&s->lock, NULL);
    s->prefix = kind_prefix(kind_by_kind("Namespace"), NULL);
    s->prefix_len = strlen(s->prefix);
    for (size_t i = 0; i < 2; i++)
        s->policy_prefix[i] = kind_prefix(kind_by_kind(policy_kinds[i]), NULL);
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
    for (size_t i = 0; i < 2; i++)
        free(s->policy_prefix[i]);
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

static void nsset_set(nsset *s, const char *name, bool present, bool terminating)
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
        e = NULL;
    }
    if (e)
        e->terminating = terminating;
    pthread_rwlock_unlock(&s->lock);
}

/* Namespace objects are small and change seldom: parsing one is cheap. */
static bool is_terminating(json_object *obj, const char *value, size_t len)
{
    if (obj)
        return mk_json_str(obj, "metadata.deletionTimestamp") != NULL;
    json_object *parsed = NULL;
    mk_err err = {0};
    if (!value || codec_decode(value, len, &parsed, &err) < 0)
        return false;
    bool t = mk_json_str(parsed, "metadata.deletionTimestamp") != NULL;
    json_object_put(parsed);
    return t;
}

/* A ResourceQuota or LimitRange key: count it in its namespace. */
static void count_policy(nsset *s, const char *key, int delta)
{
    const char *ns = NULL;
    for (size_t i = 0; i < 2 && !ns; i++)
        if (!strncmp(key, s->policy_prefix[i], strlen(s->policy_prefix[i])))
            ns = key + strlen(s->policy_prefix[i]);
    const char *slash = ns ? strchr(ns, '/') : NULL;
    if (!slash)
        return;
    ns_entry *e;
    pthread_rwlock_wrlock(&s->lock);
    HASH_FIND(hh, s->byname, ns, (size_t)(slash - ns), e);
    /* Never below 0: at start a deletion may come before the load that
     * counts what is there; too many only costs admission a read. */
    if (e && e->policies + delta >= 0)
        e->policies += delta;
    pthread_rwlock_unlock(&s->lock);
}

void nsset_apply(nsset *s, const mk_event *ev)
{
    const char *name = name_of(s, ev->key);
    if (name)
        nsset_set(s, name, ev->type != MK_EV_DELETED,
                  ev->type != MK_EV_DELETED && is_terminating(ev->obj, ev->value, ev->len));
    else if (ev->type != MK_EV_MODIFIED)
        count_policy(s, ev->key, ev->type == MK_EV_DELETED ? -1 : 1);
}

static int load_one(void *ctx, const mk_kv *kv)
{
    nsset *s = ctx;
    const char *name = name_of(s, kv->key);
    if (name)
        nsset_set(s, name, true, is_terminating(NULL, kv->value, kv->len));
    return 0;
}

static int load_policy(void *ctx, const mk_kv *kv)
{
    count_policy(ctx, kv->key, 1);
    return 0;
}

int nsset_load(nsset *s, mk_backend *be, mk_err *err)
{
    int64_t rev;
    if (backend_list(be, s->prefix, load_one, s, &rev, err) < 0)
        return -err->code;
    for (size_t i = 0; i < 2; i++)
        if (backend_list(be, s->policy_prefix[i], load_policy, s, &rev, err) < 0)
            return -err->code;
    return 0;
}

ns_state nsset_state(nsset *s, const char *name)
{
    ns_entry *e;
    pthread_rwlock_rdlock(&s->lock);
    HASH_FIND(hh, s->byname, name, strlen(name), e);
    ns_state st = !e ? NS_ABSENT : e->terminating ? NS_TERMINATING : NS_ACTIVE;
    pthread_rwlock_unlock(&s->lock);
    return st;
}

bool nsset_has_policies(nsset *s, const char *name)
{
    if (!s)
        return true; /* no set: the store must be asked */
    ns_entry *e;
    pthread_rwlock_rdlock(&s->lock);
    HASH_FIND(hh, s->byname, name, strlen(name), e);
    bool has = e && e->policies > 0;
    pthread_rwlock_unlock(&s->lock);
    return has;
}
