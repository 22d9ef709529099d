#include "controllers/workqueue.h"

#include <pthread.h>
#include <string.h>
#include <uthash.h>

#include "store/log.h"
#include "store/monocond.h"
#include "store/util.h"

typedef struct item {
    char *key;
    bool queued;     /* in the FIFO */
    bool processing; /* a worker has it */
    bool again;      /* added while processing: requeue at done */
    int64_t due_ms;  /* delayed: when to queue it; 0 if not delayed */
    UT_hash_handle hh;
    struct item *next; /* FIFO link */
} item;

struct workqueue {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    item *items;
    item *head, *tail;
    size_t len;
    size_t ndelayed; /* items with a due time: promote_due scans only if any */
    bool shutdown;
};

workqueue *workqueue_new(void)
{
    workqueue *q = xcalloc(1, sizeof(*q));
    pthread_mutex_init(&q->mu, NULL);
    monocond_init(&q->cond);
    return q;
}

void workqueue_shutdown(workqueue *q)
{
    pthread_mutex_lock(&q->mu);
    q->shutdown = true;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->mu);
}

void workqueue_free(workqueue *q)
{
    if (!q)
        return;
    item *i, *tmp;
    HASH_ITER(hh, q->items, i, tmp)
    {
        HASH_DEL(q->items, i);
        free(i->key);
        free(i);
    }
    pthread_cond_destroy(&q->cond);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

static item *find_or_new(workqueue *q, const char *key)
{
    item *i;
    HASH_FIND_STR(q->items, key, i);
    if (!i) {
        i = xcalloc(1, sizeof(*i));
        i->key = xstrdup(key);
        HASH_ADD_KEYPTR(hh, q->items, i->key, strlen(i->key), i);
    }
    return i;
}

static void enqueue(workqueue *q, item *i)
{
    i->queued = true;
    if (i->due_ms) {
        i->due_ms = 0;
        q->ndelayed--;
    }
    i->next = NULL;
    if (q->tail)
        q->tail->next = i;
    else
        q->head = i;
    q->tail = i;
    q->len++;
    pthread_cond_signal(&q->cond);
}

/* Under the lock: queue i now, or mark it to come back after processing. */
static void add_locked(workqueue *q, item *i)
{
    if (i->processing)
        i->again = true;
    else if (!i->queued)
        enqueue(q, i);
}

void workqueue_add(workqueue *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    if (!q->shutdown)
        add_locked(q, find_or_new(q, key));
    pthread_mutex_unlock(&q->mu);
}

void workqueue_add_after(workqueue *q, const char *key, int64_t delay_ms)
{
    if (delay_ms <= 0) {
        workqueue_add(q, key);
        return;
    }
    pthread_mutex_lock(&q->mu);
    if (!q->shutdown) {
        item *i = find_or_new(q, key);
        /* From the next whole millisecond, so "after N ms" is never early
         * by the fraction mk_now_ms() drops. */
        int64_t due = (mk_now_ns() + 999999) / 1000000 + delay_ms;
        if (!i->queued && i->due_ms == 0)
            q->ndelayed++;
        if (!i->queued && (i->due_ms == 0 || due < i->due_ms))
            i->due_ms = due;
        pthread_cond_broadcast(&q->cond);
    }
    pthread_mutex_unlock(&q->mu);
}

/* Queue the delayed items that are due; the earliest still pending. The
 * delayed set is small (retries), so a scan is fine. */
static int64_t promote_due(workqueue *q, int64_t now)
{
    int64_t next = INT64_MAX;
    if (q->ndelayed == 0)
        return next;
    for (item *i = q->items; i; i = i->hh.next) {
        if (i->due_ms == 0 || i->queued)
            continue;
        if (i->due_ms <= now) {
            i->due_ms = 0;
            q->ndelayed--;
            add_locked(q, i);
        } else if (i->due_ms < next) {
            next = i->due_ms;
        }
    }
    return next;
}

bool workqueue_get(workqueue *q, char **key)
{
    pthread_mutex_lock(&q->mu);
    for (;;) {
        if (q->shutdown) {
            pthread_mutex_unlock(&q->mu);
            return false;
        }
        int64_t now = mk_now_ms();
        int64_t next = promote_due(q, now);
        if (q->head) {
            item *i = q->head;
            q->head = i->next;
            if (!q->head)
                q->tail = NULL;
            q->len--;
            i->queued = false;
            i->processing = true;
            *key = xstrdup(i->key);
            pthread_mutex_unlock(&q->mu);
            return true;
        }
        monocond_wait_until(&q->cond, &q->mu, now, next, 1000);
    }
}

void workqueue_done(workqueue *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    item *i;
    HASH_FIND_STR(q->items, key, i);
    if (i) {
        i->processing = false;
        if (i->again) {
            i->again = false;
            enqueue(q, i);
        } else if (!i->queued && i->due_ms == 0) {
            HASH_DEL(q->items, i);
            free(i->key);
            free(i);
        }
    }
    pthread_mutex_unlock(&q->mu);
}

size_t workqueue_len(workqueue *q)
{
    pthread_mutex_lock(&q->mu);
    size_t n = q->len;
    pthread_mutex_unlock(&q->mu);
    return n;
}

void workqueue_process(workqueue *q, const char *who, int64_t retry_ms, workqueue_sync_fn sync,
                       void *ctx)
{
    char *key;
    while (workqueue_get(q, &key)) {
        mk_err err = {0};
        int64_t requeue = 0;
        if (sync(ctx, key, &requeue, &err) < 0) {
            mk_log("%s: %s: %s (will retry)", who, key, err.msg);
            workqueue_add_after(q, key, retry_ms);
        } else if (requeue > 0)
            workqueue_add_after(q, key, requeue);
        workqueue_done(q, key);
        free(key);
    }
}

void workqueue_close(workqueue *q, const pthread_t *workers, int n)
{
    workqueue_shutdown(q);
    for (int i = 0; i < n; i++)
        pthread_join(workers[i], NULL);
    workqueue_free(q);
}
