/* eventttl.c - Events expire (see eventttl.h). */
#include "store/server/eventttl.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "store/codec.h"
#include "store/events.h"
#include "store/kinds.h"
#include "store/log.h"
#include "store/util.h"

struct eventttl {
    mk_backend *be;
    int ttl_s;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool stop;
};

typedef struct expired {
    char *key;
    json_object *obj;
    int64_t rev;
} expired;

typedef struct sweep {
    int64_t cutoff_s;
    expired *v;
    size_t n, cap;
} sweep;

static int64_t last_seen(json_object *ev)
{
    const char *ts = event_last_seen(ev);
    return ts ? mk_parse_rfc3339(ts) : -1;
}

static int collect(void *ctx, const mk_kv *kv)
{
    sweep *s = ctx;
    json_object *obj = NULL;
    if (codec_decode(kv->value, kv->len, &obj, &(mk_err){0}) < 0)
        return 0;
    int64_t t = last_seen(obj);
    if (t < 0 || t >= s->cutoff_s) {
        json_object_put(obj);
        return 0;
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = (expired){xstrdup(kv->key), obj, kv->rev};
    return 0;
}

int eventttl_sweep(mk_backend *be, int ttl_s, int64_t now_s, mk_err *err)
{
    _cleanup_free_ char *prefix = kind_prefix(kind_by_kind("Event"), NULL);
    sweep s = {.cutoff_s = now_s - ttl_s};
    int64_t rev;
    int rc = backend_list(be, prefix, collect, &s, &rev, err);
    int deleted = 0;
    for (size_t i = 0; i < s.n; i++) {
        expired *e = &s.v[i];
        /* expect_rev: an Event updated meanwhile (count++) was seen again. */
        mk_write w = {.op = MK_WRITE_DELETE,
                      .key = e->key,
                      .obj = e->obj,
                      .prev = e->obj,
                      .expect_rev = e->rev};
        mk_err werr = {0};
        if (rc == 0 && backend_write(be, &w, &rev, &werr) == 0)
            deleted++;
        free(e->key);
        json_object_put(e->obj);
    }
    free(s.v);
    return rc < 0 ? rc : deleted;
}

static void *ttl_main(void *arg)
{
    eventttl *t = arg;
    int interval = t->ttl_s / 10 < 1 ? 1 : t->ttl_s / 10 > 60 ? 60 : t->ttl_s / 10;
    pthread_mutex_lock(&t->mu);
    while (!t->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += interval;
        pthread_cond_timedwait(&t->cond, &t->mu, &ts);
        if (t->stop)
            break;
        pthread_mutex_unlock(&t->mu);
        mk_err err = {0};
        int n = eventttl_sweep(t->be, t->ttl_s, (int64_t)time(NULL), &err);
        if (n < 0)
            mk_log("event expiry: %s", err.msg);
        else if (n > 0)
            mk_debug("event expiry: %d events older than %d s deleted", n, t->ttl_s);
        pthread_mutex_lock(&t->mu);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

eventttl *eventttl_start(mk_backend *be, int ttl_s)
{
    if (ttl_s <= 0)
        return NULL;
    eventttl *t = xcalloc(1, sizeof *t);
    *t = (eventttl){.be = be, .ttl_s = ttl_s};
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cond, NULL);
    if (pthread_create(&t->thread, NULL, ttl_main, t) != 0) {
        mk_log("event expiry: cannot start its thread; Events will not expire");
        pthread_cond_destroy(&t->cond);
        pthread_mutex_destroy(&t->mu);
        free(t);
        return NULL;
    }
    return t;
}

void eventttl_stop(eventttl *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->mu);
    t->stop = true;
    pthread_cond_signal(&t->cond);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->cond);
    pthread_mutex_destroy(&t->mu);
    free(t);
}
