#include "scheduler/queue.h"

#include <pthread.h>
#include <string.h>
#include <uthash.h>
#include <utlist.h>

#include "store/monocond.h"
#include "store/util.h"

enum entry_state { ACTIVE, IN_FLIGHT, PARKED };

typedef struct entry {
    sched_pod pod; /* pod.key is the hash key */
    enum entry_state state;
    int attempts;
    int64_t parked_at, not_before; /* monotonic ms */
    bool moved;                    /* a cluster event came while parked */
    bool changed;                  /* the pod changed while in flight */
    UT_hash_handle hh;
    struct entry *prev, *next; /* in the active or the parked list */
} entry;

struct sched_queue {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    entry *all;
    entry *active, *parked;
    size_t nactive, nparked;
    size_t nparked_aff; /* parked pods with pod terms or spread constraints */
    size_t nparked_vol; /* parked pods with persistentVolumeClaim volumes */
    int64_t backoff_initial_ms, backoff_max_ms, flush_ms;
    bool stopping;
};

sched_queue *sched_queue_new(int64_t backoff_initial_ms, int64_t backoff_max_ms,
                             int64_t flush_ms)
{
    sched_queue *q = xcalloc(1, sizeof(*q));
    pthread_mutex_init(&q->mu, NULL);
    monocond_init(&q->cond);
    q->backoff_initial_ms = backoff_initial_ms;
    q->backoff_max_ms = backoff_max_ms;
    q->flush_ms = flush_ms;
    return q;
}

static void entry_free(entry *e)
{
    sched_pod_clear(&e->pod);
    free(e);
}

void sched_queue_free(sched_queue *q)
{
    if (!q)
        return;
    entry *e, *tmp;
    HASH_ITER(hh, q->all, e, tmp)
    {
        HASH_DEL(q->all, e);
        entry_free(e);
    }
    pthread_cond_destroy(&q->cond);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

/* Unlink e from whichever list holds it. */
static void unlink_entry(sched_queue *q, entry *e)
{
    if (e->state == ACTIVE) {
        DL_DELETE(q->active, e);
        q->nactive--;
    } else if (e->state == PARKED) {
        DL_DELETE(q->parked, e);
        q->nparked--;
        q->nparked_aff -= e->pod.aff != NULL;
        q->nparked_vol -= e->pod.nclaims != 0;
    }
}

/* Higher priority first, FIFO among equals, as kube-scheduler's activeQ
 * orders. Most pods share one priority: then it is an append. */
static void insert_active(sched_queue *q, entry *e)
{
    if (!q->active || q->active->prev->pod.priority >= e->pod.priority) {
        DL_APPEND(q->active, e);
        return;
    }
    entry *at;
    DL_FOREACH(q->active, at)
    if (at->pod.priority < e->pod.priority)
        break;
    DL_PREPEND_ELEM(q->active, at, e);
}

static void activate(sched_queue *q, entry *e)
{
    unlink_entry(q, e);
    e->state = ACTIVE;
    e->moved = e->changed = false;
    insert_active(q, e);
    q->nactive++;
    pthread_cond_signal(&q->cond);
}

void sched_queue_add(sched_queue *q, const sched_pod *p)
{
    pthread_mutex_lock(&q->mu);
    entry *e;
    HASH_FIND_STR(q->all, p->key, e);
    if (!e) {
        e = xcalloc(1, sizeof(*e));
        sched_pod_copy(&e->pod, p);
        HASH_ADD_KEYPTR(hh, q->all, e->pod.key, strlen(e->pod.key), e);
        e->state = IN_FLIGHT; /* in no list yet */
        activate(q, e);
    } else {
        /* The key string stays (the hash points at it); the rest is new. */
        sched_pod fresh;
        sched_pod_copy(&fresh, p);
        char *key = e->pod.key;
        e->pod.key = NULL;
        if (e->state == PARKED) { /* the counts follow the pod they were made of */
            q->nparked_aff += (fresh.aff != NULL) - (e->pod.aff != NULL);
            q->nparked_vol += (fresh.nclaims != 0) - (e->pod.nclaims != 0);
        }
        sched_pod_clear(&e->pod);
        free(fresh.key);
        fresh.key = key;
        e->pod = fresh;
        if (e->state == PARKED)
            activate(q, e);
        else if (e->state == IN_FLIGHT)
            e->changed = true;
    }
    pthread_mutex_unlock(&q->mu);
}

static void park(sched_queue *q, entry *e)
{
    int64_t backoff = q->backoff_initial_ms;
    for (int i = 1; i < e->attempts && backoff < q->backoff_max_ms; i++)
        backoff *= 2;
    if (backoff > q->backoff_max_ms)
        backoff = q->backoff_max_ms;
    unlink_entry(q, e);
    e->parked_at = mk_now_ns() / 1000000;
    e->not_before = e->parked_at + backoff;
    e->moved = false;
    e->state = PARKED;
    DL_APPEND(q->parked, e);
    q->nparked++;
    q->nparked_aff += e->pod.aff != NULL;
    q->nparked_vol += e->pod.nclaims != 0;
}

void sched_queue_add_backoff(sched_queue *q, const sched_pod *p)
{
    sched_queue_add(q, p);
    pthread_mutex_lock(&q->mu);
    entry *e;
    HASH_FIND_STR(q->all, p->key, e);
    if (e && e->state == ACTIVE) {
        e->attempts++;
        park(q, e);
        e->moved = true; /* due when the backoff ends, not at the backstop */
    }
    pthread_mutex_unlock(&q->mu);
}

void sched_queue_delete(sched_queue *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    entry *e;
    HASH_FIND_STR(q->all, key, e);
    if (e) {
        unlink_entry(q, e);
        HASH_DEL(q->all, e);
        entry_free(e);
    }
    pthread_mutex_unlock(&q->mu);
}

/* Parked pods whose time has come go back to the FIFO. Returns the
 * earliest time (ms) another one will be due, or INT64_MAX. */
static int64_t flush_parked(sched_queue *q, int64_t now)
{
    int64_t next = INT64_MAX;
    entry *e, *tmp;
    DL_FOREACH_SAFE(q->parked, e, tmp)
    {
        int64_t due = e->parked_at + q->flush_ms;
        if (e->moved && e->not_before < due)
            due = e->not_before;
        if (now >= due)
            activate(q, e);
        else if (due < next)
            next = due;
    }
    return next;
}

bool sched_queue_pop(sched_queue *q, sched_pod *out)
{
    pthread_mutex_lock(&q->mu);
    for (;;) {
        if (q->stopping) {
            pthread_mutex_unlock(&q->mu);
            return false;
        }
        int64_t now = mk_now_ms();
        int64_t next = q->nparked ? flush_parked(q, now) : INT64_MAX;
        if (q->active) {
            entry *e = q->active;
            unlink_entry(q, e);
            e->state = IN_FLIGHT;
            e->changed = false;
            sched_pod_copy(out, &e->pod);
            out->attempts = e->attempts;
            pthread_mutex_unlock(&q->mu);
            return true;
        }
        /* Wake at the next due time, and at least once a second. */
        monocond_wait_until(&q->cond, &q->mu, now, next, 1000);
    }
}

void sched_queue_unschedulable(sched_queue *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    entry *e;
    HASH_FIND_STR(q->all, key, e);
    if (e && e->state == IN_FLIGHT) {
        e->attempts++;
        if (e->changed)
            activate(q, e);
        else
            park(q, e);
    }
    pthread_mutex_unlock(&q->mu);
}

void sched_queue_done(sched_queue *q, const char *key)
{
    sched_queue_delete(q, key);
}

void sched_queue_move_all(sched_queue *q)
{
    pthread_mutex_lock(&q->mu);
    entry *e;
    DL_FOREACH(q->parked, e)
    e->moved = true;
    if (q->parked)
        pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->mu);
}

void sched_queue_move_affinity(sched_queue *q)
{
    pthread_mutex_lock(&q->mu);
    if (q->nparked_aff) {
        entry *e;
        DL_FOREACH(q->parked, e)
        e->moved |= e->pod.aff != NULL;
        pthread_cond_signal(&q->cond);
    }
    pthread_mutex_unlock(&q->mu);
}

void sched_queue_move_volumes(sched_queue *q)
{
    pthread_mutex_lock(&q->mu);
    if (q->nparked_vol) {
        entry *e;
        DL_FOREACH(q->parked, e)
        e->moved |= e->pod.nclaims != 0;
        pthread_cond_signal(&q->cond);
    }
    pthread_mutex_unlock(&q->mu);
}

void sched_queue_stop(sched_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->stopping = true;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->mu);
}

size_t sched_queue_active(sched_queue *q)
{
    pthread_mutex_lock(&q->mu);
    size_t n = q->nactive;
    pthread_mutex_unlock(&q->mu);
    return n;
}

size_t sched_queue_parked(sched_queue *q)
{
    pthread_mutex_lock(&q->mu);
    size_t n = q->nparked;
    pthread_mutex_unlock(&q->mu);
    return n;
}
