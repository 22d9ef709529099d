#include "fs/cache.h"
#include "fs/inode.h"
#include "fs/path.h"
#include "fs/render.h"
#include "store/codec.h"
#include "store/informer.h"
#include "store/log.h"
#include "store/util.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define CACHE_MAX_KINDS 64

/* One change for the notifier thread: invalidate what the kernel may have
 * cached of the object and feed the .watch subscribers. */
typedef struct cache_event {
    struct cache_event *next;
    const mk_kind *kind;
    char type[12]; /* ADDED, MODIFIED, DELETED; "" for a bare invalidation */
    char *ns, *name, *line, *path;
    bool entry;
} cache_event;

typedef struct cache_sub {
    struct cache_sub *next;
    fs_pipe *pipe;
    const mk_kind *kind;
} cache_sub;

static struct {
    mk_informer *inf[CACHE_MAX_KINDS];
    struct fuse_session *se;
    pthread_t notifier;
    bool notifier_started;
    pthread_mutex_t lock; /* guards the queue, subs and stop */
    pthread_cond_t cond;
    cache_event *head, *tail;
    cache_sub *subs;
    bool stop;
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static mk_informer *informer_of(const mk_kind *k)
{
    return cache.inf[k - mk_kinds];
}

static void enqueue(cache_event *ev)
{
    pthread_mutex_lock(&cache.lock);
    if (cache.tail)
        cache.tail->next = ev;
    else
        cache.head = ev;
    cache.tail = ev;
    pthread_cond_signal(&cache.cond);
    pthread_mutex_unlock(&cache.lock);
}

static void event_free(cache_event *ev)
{
    free(ev->ns);
    free(ev->name);
    free(ev->line);
    free(ev->path);
    free(ev);
}

static void on_change(const mk_kind *k, const char *type, json_object *obj)
{
    cache_event *ev = xcalloc(1, sizeof *ev);
    ev->kind = k;
    snprintf(ev->type, sizeof ev->type, "%s", type);
    const char *ns = mk_json_str(obj, "metadata.namespace");
    ev->ns = xstrdup(ns ? ns : "default");
    ev->name =
        xstrdup(mk_json_str(obj, "metadata.name") ? mk_json_str(obj, "metadata.name") : "");
    ev->line = fs_render_watch_line(type, k, obj, 0);
    enqueue(ev);
}

static void h_add(void *ctx, json_object *obj)
{
    on_change(ctx, "ADDED", obj);
}

static void h_update(void *ctx, json_object *old, json_object *obj)
{
    on_change(ctx, "MODIFIED", obj);
}

static void h_delete(void *ctx, json_object *obj)
{
    on_change(ctx, "DELETED", obj);
}

/* Invalidate one path's inode (attributes and data), if the kernel knows it. */
static void inval_inode(const char *path)
{
    uint64_t ino = fs_inode_find(path);
    if (ino && cache.se)
        fuse_lowlevel_notify_inval_inode(cache.se, ino, 0, 0);
}

static void inval_entry(const char *path)
{
    _cleanup_free_ char *parent = xstrdup(path);
    const char *leaf;
    if (!cache.se || !fs_path_split(path, parent, &leaf))
        return;
    uint64_t pino = fs_inode_find(parent);
    if (pino)
        fuse_lowlevel_notify_inval_entry(cache.se, pino, leaf, strlen(leaf));
    inval_inode(parent);
}

static void inval_object_dir(const mk_kind *k, const char *dir, bool entry)
{
    if (!dir)
        return;
    inval_inode(dir);
    for (const char *const *e = fs_path_object_entries(k); *e; e++) {
        _cleanup_free_ char *p = fs_path_join(dir, *e);
        inval_inode(p);
    }
    if (entry)
        inval_entry(dir);
}

static void process(cache_event *ev)
{
    if (!ev->kind) { /* a bare invalidation asked by a FUSE callback */
        inval_inode(ev->path);
        if (ev->entry)
            inval_entry(ev->path);
        return;
    }
    bool entry = strcmp(ev->type, "MODIFIED") != 0;
    _cleanup_free_ char *top = NULL, *nsd = NULL;
    fs_path_object_dirs(ev->kind, ev->ns, ev->name, &top, &nsd);
    inval_object_dir(ev->kind, top, entry);
    inval_object_dir(ev->kind, nsd, entry);
    /* A GpuJob's output lives in the ConfigMap "<job>-output". */
    size_t n = strlen(ev->name);
    if (strcmp(ev->kind->kind, "ConfigMap") == 0 && n > 7 &&
        strcmp(ev->name + n - 7, "-output") == 0) {
        _cleanup_free_ char *job = xstrndup(ev->name, n - 7);
        const mk_kind *gj = kind_by_kind("GpuJob");
        _cleanup_free_ char *gtop = NULL, *gnsd = NULL;
        fs_path_object_dirs(gj, ev->ns, job, &gtop, &gnsd);
        if (gtop) {
            _cleanup_free_ char *p = fs_path_join(gtop, "output");
            inval_inode(p);
        }
        if (gnsd) {
            _cleanup_free_ char *p = fs_path_join(gnsd, "output");
            inval_inode(p);
        }
    }
    pthread_mutex_lock(&cache.lock);
    for (cache_sub *s = cache.subs; s; s = s->next) {
        if (s->kind == ev->kind) {
            fs_pipe_push(s->pipe, ev->line, strlen(ev->line));
        } else if (!s->kind) {
            size_t len = strlen(ev->line);
            _cleanup_free_ char *l =
                xasprintf("%.*s %s\n", (int)(len - 1), ev->line, ev->kind->resource);
            fs_pipe_push(s->pipe, l, strlen(l));
        }
    }
    pthread_mutex_unlock(&cache.lock);
}

static void *notifier_main(void *arg)
{
    for (;;) {
        pthread_mutex_lock(&cache.lock);
        while (!cache.head && !cache.stop)
            pthread_cond_wait(&cache.cond, &cache.lock);
        if (cache.stop) {
            pthread_mutex_unlock(&cache.lock);
            return NULL;
        }
        cache_event *ev = cache.head;
        cache.head = ev->next;
        if (!cache.head)
            cache.tail = NULL;
        pthread_mutex_unlock(&cache.lock);
        process(ev);
        event_free(ev);
    }
}

int fs_cache_start(mk_client *c, int timeout_ms, mk_err *err)
{
    static const mk_informer_handlers handlers = {
        .on_add = h_add,
        .on_update = h_update,
        .on_delete = h_delete,
    };
    /* Fail fast with one clear line when nothing answers. */
    json_object *items = NULL;
    int64_t rev;
    if (client_list(c, kind_by_kind("Namespace"), NULL, NULL, NULL, &items, &rev, err) < 0)
        return mk_error_wrap(err, "API server %s", client_server(c));
    json_object_put(items);
    for (size_t i = 0; i < mk_nkinds && i < CACHE_MAX_KINDS; i++) {
        const mk_kind *k = &mk_kinds[i];
        cache.inf[i] = informer_new(c, k, NULL, NULL, NULL, &handlers, (void *)k);
        if (informer_start(cache.inf[i], err) < 0)
            return -err->code;
    }
    int64_t deadline = mk_now_ns() + (int64_t)timeout_ms * 1000000;
    for (size_t i = 0; i < mk_nkinds; i++) {
        int left = (int)((deadline - mk_now_ns()) / 1000000);
        if (!informer_wait_synced(cache.inf[i], left > 0 ? left : 1))
            return mk_error(err, ETIMEDOUT, "%s: first list did not arrive in %d ms",
                            mk_kinds[i].resource, timeout_ms);
    }
    if (pthread_create(&cache.notifier, NULL, notifier_main, NULL) != 0)
        return mk_error(err, EAGAIN, "cannot start the notifier thread");
    cache.notifier_started = true;
    return 0;
}

void fs_cache_set_session(struct fuse_session *se)
{
    cache.se = se;
}

static void *free_informer(void *inf)
{
    informer_free(inf);
    return NULL;
}

void fs_cache_stop(void)
{
    /* Each informer takes up to a second to stop: stop them side by side. */
    pthread_t t[CACHE_MAX_KINDS];
    bool started[CACHE_MAX_KINDS] = {0};
    for (size_t i = 0; i < mk_nkinds; i++) {
        if (!cache.inf[i])
            continue;
        started[i] = pthread_create(&t[i], NULL, free_informer, cache.inf[i]) == 0;
        if (!started[i])
            informer_free(cache.inf[i]);
        cache.inf[i] = NULL;
    }
    for (size_t i = 0; i < mk_nkinds; i++)
        if (started[i])
            pthread_join(t[i], NULL);
    pthread_mutex_lock(&cache.lock);
    cache.stop = true;
    pthread_cond_signal(&cache.cond);
    pthread_mutex_unlock(&cache.lock);
    if (cache.notifier_started)
        pthread_join(cache.notifier, NULL);
    cache.notifier_started = false;
    while (cache.head) {
        cache_event *ev = cache.head;
        cache.head = ev->next;
        event_free(ev);
    }
    cache.tail = NULL;
}

json_object *fs_cache_get(const mk_kind *k, const char *ns, const char *name)
{
    mk_informer *inf = informer_of(k);
    return inf ? informer_get(inf, k->namespaced ? ns : NULL, name) : NULL;
}

bool fs_cache_namespace_exists(const char *ns)
{
    if (strcmp(ns, "default") == 0)
        return true;
    json_object *o = fs_cache_get(kind_by_kind("Namespace"), NULL, ns);
    json_object_put(o);
    return o != NULL;
}

typedef struct names_ctx {
    const mk_kind *k;
    const char *ns;
    void (*fn)(void *ctx, const char *name);
    void *ctx;
} names_ctx;

static int names_one(void *ctx, json_object *obj)
{
    names_ctx *nc = ctx;
    if (nc->k->namespaced) {
        const char *ns = mk_json_str(obj, "metadata.namespace");
        if (strcmp(ns ? ns : "default", nc->ns) != 0)
            return 0;
    }
    const char *name = mk_json_str(obj, "metadata.name");
    if (name)
        nc->fn(nc->ctx, name);
    return 0;
}

void fs_cache_names(const mk_kind *k, const char *ns, void (*fn)(void *ctx, const char *name),
                    void *ctx)
{
    mk_informer *inf = informer_of(k);
    names_ctx nc = {k, ns ? ns : "default", fn, ctx};
    if (inf)
        informer_foreach(inf, names_one, &nc);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

bool fs_cache_wait_rev(const mk_kind *k, const char *ns, const char *name, int64_t rv,
                       int timeout_ms)
{
    int64_t deadline = mk_now_ns() + (int64_t)timeout_ms * 1000000;
    do {
        json_object *o = fs_cache_get(k, ns, name);
        const char *r = o ? mk_json_str(o, "metadata.resourceVersion") : NULL;
        bool ok = r && strtoll(r, NULL, 10) >= rv;
        json_object_put(o);
        if (ok)
            return true;
        sleep_ms(2);
    } while (mk_now_ns() < deadline);
    return false;
}

bool fs_cache_wait_gone(const mk_kind *k, const char *ns, const char *name, const char *uid,
                        int timeout_ms)
{
    int64_t deadline = mk_now_ns() + (int64_t)timeout_ms * 1000000;
    do {
        json_object *o = fs_cache_get(k, ns, name);
        const char *u = o ? mk_json_str(o, "metadata.uid") : NULL;
        bool gone = !o || !uid || !u || strcmp(u, uid) != 0;
        json_object_put(o);
        if (gone)
            return true;
        sleep_ms(2);
    } while (mk_now_ns() < deadline);
    return false;
}

bool fs_cache_connected(void)
{
    for (size_t i = 0; i < mk_nkinds; i++)
        if (cache.inf[i] && !informer_connected(cache.inf[i]))
            return false;
    return true;
}

void fs_cache_subscribe(fs_pipe *p, const mk_kind *k)
{
    cache_sub *s = xcalloc(1, sizeof *s);
    s->pipe = p;
    s->kind = k;
    pthread_mutex_lock(&cache.lock);
    s->next = cache.subs;
    cache.subs = s;
    pthread_mutex_unlock(&cache.lock);
}

void fs_cache_unsubscribe(fs_pipe *p)
{
    pthread_mutex_lock(&cache.lock);
    for (cache_sub **s = &cache.subs; *s; s = &(*s)->next) {
        if ((*s)->pipe == p) {
            cache_sub *dead = *s;
            *s = dead->next;
            free(dead);
            break;
        }
    }
    pthread_mutex_unlock(&cache.lock);
}

void fs_cache_invalidate(const char *path, bool entry)
{
    cache_event *ev = xcalloc(1, sizeof *ev);
    ev->path = xstrdup(path);
    ev->entry = entry;
    enqueue(ev);
}
