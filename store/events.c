/* events.c - the event recorder (see events.h). */
#include "store/events.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <uthash.h>

#include "store/codec.h"
#include "store/kinds.h"
#include "store/log.h"
#include "store/util.h"

#define SAME_EVENT_MS (10 * 60 * 1000) /* the correlator's window */
#define CACHE_MAX     4096
#define DRAIN_MS      2000
#define MESSAGE_MAX   1024

/* One event to send: every string owned. */
typedef struct pending {
    char *kind, *api_version, *ns, *name, *uid;
    char *type, *reason, *message;
    bool cluster_scoped; /* the Event lives in default, its object in none */
    int64_t at_ms;
    struct pending *next;
} pending;

/* An Event already made, by what makes two events the same. */
typedef struct seen {
    char *key;
    char *event; /* its name */
    int count;
    int64_t last_ms;
    UT_hash_handle hh;
} seen;

struct mk_recorder {
    mk_client *c;
    char *component, *host;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    pending *head, *tail;
    int queued, dropped;
    bool stop;
    seen *seen; /* the sender thread's own */
};

static void pending_free(pending *p)
{
    free(p->kind);
    free(p->api_version);
    free(p->ns);
    free(p->name);
    free(p->uid);
    free(p->type);
    free(p->reason);
    free(p->message);
    free(p);
}

static void seen_clear(mk_recorder *r)
{
    seen *s, *tmp;
    HASH_ITER(hh, r->seen, s, tmp)
    {
        HASH_DEL(r->seen, s);
        free(s->key);
        free(s->event);
        free(s);
    }
}

static char *timestamp(int64_t ms)
{
    char ts[32];
    mk_rfc3339(ts, sizeof ts, ms / 1000);
    return xstrdup(ts);
}

static json_object *str(const char *s)
{
    return json_object_new_string(s ? s : "");
}

/* The Event object for p, first seen now. */
static json_object *event_new(mk_recorder *r, const pending *p, const char *name)
{
    _cleanup_free_ char *ts = timestamp(p->at_ms);
    json_object *ev = json_object_new_object(), *md = json_object_new_object();
    json_object_object_add(ev, "apiVersion", str("v1"));
    json_object_object_add(ev, "kind", str("Event"));
    json_object_object_add(md, "name", str(name));
    json_object_object_add(md, "namespace", str(p->ns));
    json_object_object_add(ev, "metadata", md);
    json_object *io = json_object_new_object();
    json_object_object_add(io, "kind", str(p->kind));
    json_object_object_add(io, "apiVersion", str(p->api_version));
    if (!p->cluster_scoped)
        json_object_object_add(io, "namespace", str(p->ns));
    json_object_object_add(io, "name", str(p->name));
    if (p->uid && *p->uid)
        json_object_object_add(io, "uid", str(p->uid));
    json_object_object_add(ev, "involvedObject", io);
    json_object_object_add(ev, "type", str(p->type));
    json_object_object_add(ev, "reason", str(p->reason));
    json_object_object_add(ev, "message", str(p->message));
    json_object *src = json_object_new_object();
    json_object_object_add(src, "component", str(r->component));
    if (r->host)
        json_object_object_add(src, "host", str(r->host));
    json_object_object_add(ev, "source", src);
    json_object_object_add(ev, "reportingComponent", str(r->component));
    json_object_object_add(ev, "reportingInstance", str(r->host ? r->host : r->component));
    json_object_object_add(ev, "count", json_object_new_int(1));
    json_object_object_add(ev, "firstTimestamp", str(ts));
    json_object_object_add(ev, "lastTimestamp", str(ts));
    return ev;
}

/* Raise the count of an Event made before; false when that Event is gone
 * (expired) or the patch failed otherwise. */
static bool event_again(mk_recorder *r, seen *s, const pending *p)
{
    _cleanup_free_ char *ts = timestamp(p->at_ms);
    _cleanup_free_ char *patch =
        xasprintf("{\"count\":%d,\"lastTimestamp\":\"%s\"}", s->count + 1, ts);
    mk_err err = {0};
    json_object *out = NULL;
    int rc =
        client_patch(r->c, kind_by_kind("Event"), p->ns, s->event, NULL, patch, &out, &err);
    json_object_put(out);
    if (rc < 0)
        return false;
    s->count++;
    s->last_ms = p->at_ms;
    return true;
}

static void send_one(mk_recorder *r, const pending *p)
{
    _cleanup_free_ char *key = xasprintf("%s/%s/%s/%s/%s/%s/%s", p->ns, p->kind, p->name,
                                         p->uid ? p->uid : "", p->type, p->reason, p->message);
    seen *s = NULL;
    HASH_FIND_STR(r->seen, key, s);
    if (s && p->at_ms - s->last_ms < SAME_EVENT_MS && event_again(r, s, p))
        return;
    /* <object>.<hex of the time>, as Kubernetes names them: unique enough
     * that a clash (EEXIST) only loses one event. */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    _cleanup_free_ char *name = xasprintf("%.200s.%llx", p->name,
                                          (unsigned long long)now.tv_sec * 1000000000ULL +
                                              (unsigned long long)now.tv_nsec);
    json_object *ev = event_new(r, p, name);
    mk_err err = {0};
    int rc = client_create(r->c, kind_by_kind("Event"), p->ns, ev, NULL, &err);
    json_object_put(ev);
    if (rc < 0) {
        mk_debug("event %s %s: %s", p->reason, p->name, err.msg);
        return;
    }
    if (!s) {
        if (HASH_COUNT(r->seen) >= CACHE_MAX)
            seen_clear(r);
        s = xcalloc(1, sizeof *s);
        s->key = steal_pointer(&key);
        HASH_ADD_KEYPTR(hh, r->seen, s->key, strlen(s->key), s);
    }
    free(s->event);
    s->event = steal_pointer(&name);
    s->count = 1;
    s->last_ms = p->at_ms;
}

static void *sender_main(void *arg)
{
    mk_recorder *r = arg;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (!r->head && !r->stop)
            pthread_cond_wait(&r->cond, &r->mu);
        pending *p = r->head;
        if (!p)
            break; /* stopping, and nothing left */
        r->head = p->next;
        if (!r->head)
            r->tail = NULL;
        r->queued--;
        pthread_mutex_unlock(&r->mu);
        send_one(r, p);
        pending_free(p);
        pthread_mutex_lock(&r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

mk_recorder *recorder_new(mk_client *c, const char *component, const char *host)
{
    mk_recorder *r = xcalloc(1, sizeof *r);
    r->c = c;
    r->component = xstrdup(component);
    r->host = host ? xstrdup(host) : NULL;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cond, NULL);
    if (pthread_create(&r->thread, NULL, sender_main, r) != 0) {
        mk_log("events: cannot start the recorder's thread; no events will be recorded");
        pthread_cond_destroy(&r->cond);
        pthread_mutex_destroy(&r->mu);
        free(r->component);
        free(r->host);
        free(r);
        return NULL;
    }
    return r;
}

void recorder_free(mk_recorder *r)
{
    if (!r)
        return;
    /* A little while for what is queued; then whatever is left goes. */
    for (int waited = 0; waited < DRAIN_MS; waited += 10) {
        pthread_mutex_lock(&r->mu);
        bool empty = !r->head;
        pthread_mutex_unlock(&r->mu);
        if (empty)
            break;
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    pthread_mutex_lock(&r->mu);
    for (pending *p = r->head, *next; p; p = next) {
        next = p->next;
        pending_free(p);
    }
    r->head = r->tail = NULL;
    r->stop = true;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    if (r->dropped)
        mk_log("events: %d dropped (the API server was slow or away)", r->dropped);
    seen_clear(r);
    pthread_cond_destroy(&r->cond);
    pthread_mutex_destroy(&r->mu);
    free(r->component);
    free(r->host);
    free(r);
}

mk_obj_ref recorder_ref(json_object *obj)
{
    return (mk_obj_ref){.kind = mk_json_str(obj, "kind"),
                        .api_version = mk_json_str(obj, "apiVersion"),
                        .ns = mk_json_str(obj, "metadata.namespace"),
                        .name = mk_json_str(obj, "metadata.name"),
                        .uid = mk_json_str(obj, "metadata.uid")};
}

static char *dup(const char *s)
{
    return xstrdup(s ? s : "");
}

void recorder_event(mk_recorder *r, const mk_obj_ref *ref, const char *type, const char *reason,
                    const char *fmt, ...)
{
    if (!r || !ref->name)
        return;
    char message[MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    pending *p = xcalloc(1, sizeof *p);
    *p = (pending){.kind = dup(ref->kind),
                   .api_version = dup(ref->api_version),
                   .ns = dup(ref->ns && *ref->ns ? ref->ns : "default"),
                   .name = dup(ref->name),
                   .uid = dup(ref->uid),
                   .type = dup(type),
                   .reason = dup(reason),
                   .message = dup(message),
                   .cluster_scoped = !ref->ns || !*ref->ns,
                   .at_ms = mk_wall_ms()};
    pthread_mutex_lock(&r->mu);
    if (r->queued >= RECORDER_QUEUE || r->stop) {
        r->dropped++;
        pthread_mutex_unlock(&r->mu);
        pending_free(p);
        return;
    }
    if (r->tail)
        r->tail->next = p;
    else
        r->head = p;
    r->tail = p;
    r->queued++;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->mu);
}

const char *event_last_seen(json_object *ev)
{
    static const char *const fields[] = {"lastTimestamp", "eventTime",
                                         "metadata.creationTimestamp"};
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        const char *ts = mk_json_str(ev, fields[i]);
        if (ts && *ts)
            return ts;
    }
    return NULL;
}
