/* informer.c - list, then watch, into a cache (see informer.h).
 *
 * One thread per informer runs the loop: list and diff into the cache,
 * watch from the list's revision, and on a broken watch reconnect from the
 * last revision seen (bookmarks included) after a backoff. A 410 Gone means
 * the server no longer has that revision: list again, and the diff tells
 * the handlers what changed in between.
 */
#include "store/informer.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/log.h"
#include "store/objcache.h"
#include "store/util.h"

#define INFORMER_BACKOFF_MIN_MS 100
#define INFORMER_BACKOFF_MAX_MS 5000

typedef enum { LINK_UNKNOWN, LINK_DOWN, LINK_UP } informer_link;

struct mk_informer {
    mk_client *client;
    const mk_kind *kind;
    char *ns, *label_sel, *field_sel;
    mk_informer_handlers h;
    void *ctx;
    mk_objcache *cache;

    pthread_t thread;
    bool started;
    volatile bool stop;

    pthread_mutex_t mu; /* guards synced and link; cond signals synced and stop */
    pthread_cond_t cond;
    bool synced;
    informer_link link;

    /* Owned by the informer's thread. */
    int64_t watch_events; /* events seen on the current watch */
    int backoff_ms;
    unsigned seed;
};

static bool stopping(mk_informer *inf)
{
    return __atomic_load_n(&inf->stop, __ATOMIC_RELAXED);
}

mk_informer *informer_new(mk_client *c, const mk_kind *k, const char *ns, const char *label_sel,
                          const char *field_sel, const mk_informer_handlers *handlers,
                          void *ctx)
{
    mk_informer *inf = xcalloc(1, sizeof *inf);
    inf->client = c;
    inf->kind = k;
    inf->ns = k->namespaced && ns ? xstrdup(ns) : NULL;
    inf->label_sel = label_sel ? xstrdup(label_sel) : NULL;
    inf->field_sel = field_sel ? xstrdup(field_sel) : NULL;
    if (handlers)
        inf->h = *handlers;
    inf->ctx = ctx;
    inf->cache = objcache_new(k->namespaced);
    inf->backoff_ms = INFORMER_BACKOFF_MIN_MS;
    inf->seed = (unsigned)mk_now_ns();
    pthread_mutex_init(&inf->mu, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&inf->cond, &attr);
    pthread_condattr_destroy(&attr);
    return inf;
}

/* Wait on cond until `deadline_ns` (CLOCK_MONOTONIC); mu held. */
static void cond_wait_until(mk_informer *inf, int64_t deadline_ns)
{
    struct timespec ts = {.tv_sec = deadline_ns / 1000000000,
                          .tv_nsec = deadline_ns % 1000000000};
    pthread_cond_timedwait(&inf->cond, &inf->mu, &ts);
}

/* Handlers and the log hear of each change, and of the first failure of an
 * informer that never connected (a wrong token must not fail silently). */
static void set_connected(mk_informer *inf, bool connected, const char *why)
{
    pthread_mutex_lock(&inf->mu);
    informer_link link = connected ? LINK_UP : LINK_DOWN;
    bool changed = inf->link != link;
    inf->link = link;
    pthread_mutex_unlock(&inf->mu);
    if (!changed)
        return;
    if (connected)
        mk_log("informer %s: connected to %s", inf->kind->resource, client_server(inf->client));
    else
        mk_log("informer %s: disconnected: %s", inf->kind->resource, why);
    if (inf->h.on_connection)
        inf->h.on_connection(inf->ctx, connected, why);
}

/* Tell the handlers, with no lock held. */
static void fire(mk_informer *inf, objcache_changes *ch)
{
    for (size_t i = 0; i < ch->n; i++) {
        objcache_change *c = &ch->v[i];
        if (c->op == OBJCACHE_ADD && inf->h.on_add)
            inf->h.on_add(inf->ctx, c->obj);
        else if (c->op == OBJCACHE_UPDATE && inf->h.on_update)
            inf->h.on_update(inf->ctx, c->old, c->obj);
        else if (c->op == OBJCACHE_DELETE && inf->h.on_delete)
            inf->h.on_delete(inf->ctx, c->obj);
    }
    objcache_changes_free(ch);
}

static int relist(mk_informer *inf, mk_err *err)
{
    json_object *items = NULL;
    int64_t rev = 0;
    int r = client_list(inf->client, inf->kind, inf->ns, inf->label_sel, inf->field_sel, &items,
                        &rev, err);
    if (r < 0)
        return r;
    objcache_changes ch = {0};
    objcache_replace(inf->cache, items, rev, &ch);
    json_object_put(items);
    mk_debug("informer %s: listed %zu at revision %lld, %zu changes", inf->kind->resource,
             objcache_count(inf->cache), (long long)rev, ch.n);
    inf->backoff_ms = INFORMER_BACKOFF_MIN_MS;
    set_connected(inf, true, NULL);
    fire(inf, &ch);
    if (inf->h.on_synced)
        inf->h.on_synced(inf->ctx);
    /* Synced once the handlers have heard the whole list, so a waiter
     * can count on what they did with it. */
    pthread_mutex_lock(&inf->mu);
    inf->synced = true;
    pthread_cond_broadcast(&inf->cond);
    pthread_mutex_unlock(&inf->mu);
    return 0;
}

static int on_event(void *ctx, const char *type, json_object *obj)
{
    mk_informer *inf = ctx;
    if (inf->watch_events++ == 0) {
        /* The watch works again: the next failure starts a fresh backoff. */
        inf->backoff_ms = INFORMER_BACKOFF_MIN_MS;
        set_connected(inf, true, NULL);
    }
    if (strcmp(type, "BOOKMARK") == 0) {
        objcache_set_rev(inf->cache, objcache_obj_rev(obj));
    } else if (strcmp(type, "ERROR") != 0) {
        objcache_changes ch = {0};
        objcache_apply(inf->cache, type, obj, &ch);
        fire(inf, &ch);
    }
    return stopping(inf);
}

static int watch(mk_informer *inf, mk_err *err)
{
    inf->watch_events = 0;
    return client_watch(inf->client, inf->kind, inf->ns, inf->label_sel, inf->field_sel,
                        objcache_rev(inf->cache), on_event, inf, &inf->stop, err);
}

/* Sleep the backoff, with jitter so that daemons cut off together do not
 * come back in step; then double it. Returns early when stopped. */
static void backoff(mk_informer *inf)
{
    int half = inf->backoff_ms / 2;
    int ms = half + (int)(rand_r(&inf->seed) % (unsigned)(half + 1));
    inf->backoff_ms = inf->backoff_ms * 2 > INFORMER_BACKOFF_MAX_MS ? INFORMER_BACKOFF_MAX_MS
                                                                    : inf->backoff_ms * 2;
    int64_t deadline = mk_now_ns() + (int64_t)ms * 1000000;
    pthread_mutex_lock(&inf->mu);
    while (!stopping(inf) && mk_now_ns() < deadline)
        cond_wait_until(inf, deadline);
    pthread_mutex_unlock(&inf->mu);
}

static void *informer_main(void *arg)
{
    mk_informer *inf = arg;
    bool need_list = true;
    while (!stopping(inf)) {
        mk_err err = {0};
        int r = need_list ? relist(inf, &err) : watch(inf, &err);
        if (stopping(inf))
            break;
        if (need_list && r == 0) {
            need_list = false;
            continue;
        }
        if (r == -MK_EGONE) {
            mk_log("informer %s: revision %lld compacted: listing again", inf->kind->resource,
                   (long long)objcache_rev(inf->cache));
            need_list = true;
            if (inf->watch_events == 0)
                backoff(inf); /* a server that answers only 410 gets no busy loop */
            continue;
        }
        if (r < 0)
            set_connected(inf, false, err.msg);
        else
            mk_debug("informer %s: the server ended the watch", inf->kind->resource);
        if (r < 0 || inf->watch_events == 0)
            backoff(inf);
    }
    return NULL;
}

int informer_start(mk_informer *inf, mk_err *err)
{
    if (inf->started)
        return mk_error(err, EINVAL, "informer %s: already started", inf->kind->resource);
    /* Signals belong to the daemon's main thread (its sigwait or handler). */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int r = pthread_create(&inf->thread, NULL, informer_main, inf);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (r)
        return mk_error(err, r, "informer %s: pthread_create: %s", inf->kind->resource,
                        strerror(r));
    inf->started = true;
    return 0;
}

void informer_free(mk_informer *inf)
{
    if (!inf)
        return;
    if (inf->started) {
        pthread_mutex_lock(&inf->mu);
        __atomic_store_n(&inf->stop, true, __ATOMIC_RELAXED);
        pthread_cond_broadcast(&inf->cond);
        pthread_mutex_unlock(&inf->mu);
        pthread_join(inf->thread, NULL);
    }
    objcache_free(inf->cache);
    pthread_cond_destroy(&inf->cond);
    pthread_mutex_destroy(&inf->mu);
    free(inf->ns);
    free(inf->label_sel);
    free(inf->field_sel);
    free(inf);
}

bool informer_wait_synced(mk_informer *inf, int timeout_ms)
{
    int64_t deadline = mk_now_ns() + (int64_t)timeout_ms * 1000000;
    pthread_mutex_lock(&inf->mu);
    while (!inf->synced && mk_now_ns() < deadline)
        cond_wait_until(inf, deadline);
    bool synced = inf->synced;
    pthread_mutex_unlock(&inf->mu);
    return synced;
}

bool informer_synced(mk_informer *inf)
{
    pthread_mutex_lock(&inf->mu);
    bool synced = inf->synced;
    pthread_mutex_unlock(&inf->mu);
    return synced;
}

bool informer_connected(mk_informer *inf)
{
    pthread_mutex_lock(&inf->mu);
    bool connected = inf->link == LINK_UP;
    pthread_mutex_unlock(&inf->mu);
    return connected;
}

json_object *informer_get(mk_informer *inf, const char *ns, const char *name)
{
    return objcache_get(inf->cache, inf->kind->namespaced ? ns : NULL, name);
}

int informer_foreach(mk_informer *inf, mk_object_fn fn, void *ctx)
{
    return objcache_foreach(inf->cache, fn, ctx);
}

size_t informer_count(mk_informer *inf)
{
    return objcache_count(inf->cache);
}

int64_t informer_rev(mk_informer *inf)
{
    return objcache_rev(inf->cache);
}

uint64_t informer_generation(mk_informer *inf)
{
    return objcache_generation(inf->cache);
}
