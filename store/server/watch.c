/* watch.c - the fan-out hub: a ring of committed events that watchers
 * wait on. See watch.h for the contract.
 *
 * Every append wakes every waiting watcher. Under a mutex and condition
 * variable, a hundred woken watchers would then queue for the mutex one
 * after another (a futex round trip each). Here they read the ring under a
 * shared lock, all at once, and sleep on a futex word that counts appends. */
#include "store/server/watch.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "store/util.h"

/* Rough cost of an event besides its JSON and key: the struct, malloc
 * headers, the ring slot. Parsed views are not counted: few are built. */
#define HUB_EVENT_OVERHEAD 128

struct hub {
    pthread_rwlock_t lock; /* appends write; watchers read */
    _Atomic uint32_t seq;  /* bumped on every append and on close (the futex word) */
    atomic_int sleepers;   /* watchers waiting on seq */
    hub_event **ring;      /* circular, oldest at head */
    size_t cap, head, count;
    size_t bytes, max_bytes;
    int64_t covers_after; /* every event with rev > covers_after is in the ring */
    int64_t last_rev;
    bool closed;
    atomic_int watchers;
    atomic_int selective;
};

static json_object *copy_str(json_object *obj, const char *path)
{
    json_object *cur = obj;
    _cleanup_free_ char *p = xstrdup(path);
    for (char *save = NULL, *part = strtok_r(p, ".", &save); part;
         part = strtok_r(NULL, ".", &save))
        if (!json_object_is_type(cur, json_type_object) ||
            !json_object_object_get_ex(cur, part, &cur))
            return NULL;
    return json_object_is_type(cur, json_type_string)
               ? json_object_new_string(json_object_get_string(cur))
               : NULL;
}

static void view_put(json_object *view, const char *section, const char *field,
                     json_object *val)
{
    if (!val)
        return;
    json_object *sec;
    if (!json_object_object_get_ex(view, section, &sec)) {
        sec = json_object_new_object();
        json_object_object_add(view, section, sec);
    }
    json_object_object_add(sec, field, val);
}

json_object *hub_view_of(json_object *obj)
{
    json_object *view = json_object_new_object();
    if (!json_object_is_type(obj, json_type_object))
        return view;
    view_put(view, "metadata", "name", copy_str(obj, "metadata.name"));
    view_put(view, "metadata", "namespace", copy_str(obj, "metadata.namespace"));
    view_put(view, "spec", "nodeName", copy_str(obj, "spec.nodeName"));
    view_put(view, "status", "phase", copy_str(obj, "status.phase"));
    json_object *md, *labels;
    if (json_object_object_get_ex(obj, "metadata", &md) &&
        json_object_is_type(md, json_type_object) &&
        json_object_object_get_ex(md, "labels", &labels) &&
        json_object_is_type(labels, json_type_object)) {
        /* Only string values: the view is shared read-only between threads
         * and must never need json-c to serialize (and cache) anything. */
        json_object *copy = json_object_new_object();
        json_object_object_foreach(labels, k, v)
        {
            if (json_object_is_type(v, json_type_string))
                json_object_object_add(copy, k,
                                       json_object_new_string(json_object_get_string(v)));
        }
        view_put(view, "metadata", "labels", copy);
    }
    return view;
}

hub_event *hub_event_new(const mk_event *ev)
{
    hub_event *e = xcalloc(1, sizeof *e);
    atomic_init(&e->refs, 1);
    e->rev = ev->rev;
    e->type = ev->type;
    e->key = xstrdup(ev->key);
    e->json = xstrndup(ev->value, ev->len);
    e->len = ev->len;
    if (ev->prev) {
        /* The previous state is borrowed for this call only: keep its view,
         * a few hundred bytes, rather than the object. */
        json_object *pv = hub_view_of(ev->prev);
        e->prev_json = xstrdup(json_object_to_json_string_ext(
            pv, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(pv);
    }
    return e;
}

static json_object *parse_json(const char *s, size_t len)
{
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, s, (int)len);
    json_tokener_free(tok);
    return o;
}

json_object *hub_event_view(hub_event *e, bool prev)
{
    _Atomic(json_object *) *slot = prev ? &e->prev_view : &e->view;
    json_object *v = atomic_load(slot);
    if (v || (prev && !e->prev_json))
        return v;
    json_object *built;
    if (prev) {
        built = parse_json(e->prev_json, strlen(e->prev_json));
    } else {
        json_object *obj = parse_json(e->json, e->len);
        built = hub_view_of(obj);
        json_object_put(obj);
    }
    if (!built)
        built = json_object_new_object();
    /* Two watchers may build at once: one wins, the other frees its own. */
    json_object *expected = NULL;
    if (!atomic_compare_exchange_strong(slot, &expected, built)) {
        json_object_put(built);
        return expected;
    }
    return built;
}

void hub_event_unref(hub_event *e)
{
    if (!e || atomic_fetch_sub(&e->refs, 1) != 1)
        return;
    free(e->key);
    free(e->json);
    free(e->prev_json);
    json_object_put(atomic_load(&e->view));
    json_object_put(atomic_load(&e->prev_view));
    free(e);
}

static size_t event_cost(const hub_event *e)
{
    return e->len + strlen(e->key) + (e->prev_json ? strlen(e->prev_json) : 0) +
           HUB_EVENT_OVERHEAD;
}

hub *hub_new(int64_t start_rev, size_t max_events, size_t max_bytes)
{
    hub *h = xcalloc(1, sizeof *h);
    /* Appends must not starve behind a steady stream of readers. */
    pthread_rwlockattr_t ra;
    pthread_rwlockattr_init(&ra);
    pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&h->lock, &ra);
    pthread_rwlockattr_destroy(&ra);
    h->cap = max_events < 16 ? 16 : max_events;
    h->ring = xcalloc(h->cap, sizeof *h->ring);
    h->max_bytes = max_bytes;
    h->covers_after = start_rev;
    h->last_rev = start_rev;
    return h;
}

/* Drop the oldest event; the hub lock is held. */
static void hub_evict(hub *h)
{
    hub_event *e = h->ring[h->head];
    h->ring[h->head] = NULL;
    h->head = (h->head + 1) % h->cap;
    h->count--;
    h->bytes -= event_cost(e);
    h->covers_after = e->rev;
    hub_event_unref(e);
}

/* After a change: every sleeper sees seq move, and is woken. */
static void hub_wake(hub *h)
{
    atomic_fetch_add(&h->seq, 1);
    if (atomic_load(&h->sleepers) > 0)
        syscall(SYS_futex, &h->seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* Sleep while seq is still seen (or until deadline_ns, monotonic). A
 * change between reading seen and sleeping makes the futex return at once. */
static void hub_sleep(hub *h, uint32_t seen, int64_t deadline_ns)
{
    struct timespec ts = {.tv_sec = deadline_ns / 1000000000,
                          .tv_nsec = deadline_ns % 1000000000};
    atomic_fetch_add(&h->sleepers, 1);
    if (atomic_load(&h->seq) == seen)
        syscall(SYS_futex, &h->seq, FUTEX_WAIT_BITSET_PRIVATE, seen, &ts, NULL,
                FUTEX_BITSET_MATCH_ANY);
    atomic_fetch_sub(&h->sleepers, 1);
}

int hub_sink(void *ctx, const mk_event *ev)
{
    hub *h = ctx;
    /* Copy before taking the lock: writers hold it only to append. */
    hub_event *e = hub_event_new(ev);
    if (atomic_load(&h->selective) > 0) {
        /* From the parsed objects the backend lends us, when it has them:
         * no parse of the JSON just serialized, on the writer's time. */
        if (ev->obj)
            atomic_store(&e->view, hub_view_of(ev->obj));
        if (ev->prev)
            atomic_store(&e->prev_view, hub_view_of(ev->prev));
        hub_event_view(e, false);
        hub_event_view(e, true);
    }
    pthread_rwlock_wrlock(&h->lock);
    while (h->count && (h->count == h->cap || h->bytes + event_cost(e) > h->max_bytes))
        hub_evict(h);
    h->ring[(h->head + h->count) % h->cap] = e;
    h->count++;
    h->bytes += event_cost(e);
    if (e->rev > h->last_rev)
        h->last_rev = e->rev;
    pthread_rwlock_unlock(&h->lock);
    hub_wake(h);
    return 0;
}

/* Index (0 = oldest) of the first event with rev > after; count if none. */
static size_t hub_find(hub *h, int64_t after)
{
    size_t lo = 0, hi = h->count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (h->ring[(h->head + mid) % h->cap]->rev > after)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

int hub_next(hub *h, int64_t after, hub_event **out, int max, int64_t deadline_ns)
{
    int n = 0;
    for (;;) {
        uint32_t seen = atomic_load(&h->seq);
        pthread_rwlock_rdlock(&h->lock);
        if (h->closed) {
            n = -ECANCELED;
            break;
        }
        if (after < h->covers_after) {
            n = -MK_EGONE;
            break;
        }
        size_t i = hub_find(h, after);
        for (; i < h->count && n < max; i++, n++) {
            out[n] = h->ring[(h->head + i) % h->cap];
            atomic_fetch_add(&out[n]->refs, 1);
        }
        pthread_rwlock_unlock(&h->lock);
        if (n > 0 || mk_now_ns() >= deadline_ns)
            return n;
        hub_sleep(h, seen, deadline_ns);
    }
    pthread_rwlock_unlock(&h->lock);
    return n;
}

int64_t hub_last_rev(hub *h)
{
    pthread_rwlock_rdlock(&h->lock);
    int64_t r = h->last_rev;
    pthread_rwlock_unlock(&h->lock);
    return r;
}

void hub_close(hub *h)
{
    pthread_rwlock_wrlock(&h->lock);
    h->closed = true;
    pthread_rwlock_unlock(&h->lock);
    hub_wake(h);
}

void hub_free(hub *h)
{
    if (!h)
        return;
    while (h->count)
        hub_evict(h);
    free(h->ring);
    pthread_rwlock_destroy(&h->lock);
    free(h);
}

size_t hub_bytes(hub *h, size_t *count)
{
    pthread_rwlock_rdlock(&h->lock);
    size_t b = h->bytes;
    if (count)
        *count = h->count;
    pthread_rwlock_unlock(&h->lock);
    return b;
}

void hub_selective_add(hub *h, int delta)
{
    atomic_fetch_add(&h->selective, delta);
}

void hub_watchers_add(hub *h, int delta)
{
    atomic_fetch_add(&h->watchers, delta);
}

int hub_watchers(hub *h)
{
    return atomic_load(&h->watchers);
}
