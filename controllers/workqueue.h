/* workqueue.h - a keyed work queue for controllers, as client-go's.
 *
 * Handlers add keys ("ns/name"); workers take them. A key is queued at most
 * once however often it is added; a key being worked on is not handed to a
 * second worker, and if it is added meanwhile it comes back once that
 * worker is done. add_after delays a key (retries with backoff).
 * Thread-safe.
 */
#ifndef MK_CONTROLLERS_WORKQUEUE_H
#define MK_CONTROLLERS_WORKQUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/error.h"

typedef struct workqueue workqueue;

workqueue *workqueue_new(void);
/* Wakes every waiting worker (they get false) and frees nothing: call
 * workqueue_free after the workers are joined. */
void workqueue_shutdown(workqueue *q);
void workqueue_free(workqueue *q);

void workqueue_add(workqueue *q, const char *key);
void workqueue_add_after(workqueue *q, const char *key, int64_t delay_ms);
/* Wait for a key; *key is the caller's to free and to pass to
 * workqueue_done. False after shutdown. */
bool workqueue_get(workqueue *q, char **key);
void workqueue_done(workqueue *q, const char *key);
size_t workqueue_len(workqueue *q);

/* A controller's stop: shut q down, join the n threads of workers (its
 * workers; n may be 0), then free q. */
void workqueue_close(workqueue *q, const pthread_t *workers, int n);

/* One key's work: < 0 failed (err filled); setting *requeue_ms > 0 (it
 * starts at 0) asks for the key again after that long. */
typedef int (*workqueue_sync_fn)(void *ctx, const char *key, int64_t *requeue_ms, mk_err *err);
/* A worker's loop: take keys until shutdown and sync each. A failure is
 * logged "WHO: KEY: why (will retry)" and the key comes back after
 * retry_ms. */
void workqueue_process(workqueue *q, const char *who, int64_t retry_ms, workqueue_sync_fn sync,
                       void *ctx);

#endif
