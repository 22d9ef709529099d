/* queue.h - the scheduling queue: pods waiting for a decision.
 *
 * Modelled on kube-scheduler's: an active queue (higher spec.priority
 * first, FIFO among equals), and a parking place for
 * pods no node fits. A parked pod comes back when the cluster changes in a
 * way that may make it fit (sched_queue_move_all: a node added or changed,
 * a bound pod gone), but not before its backoff (initial, doubling per
 * failed attempt up to max) has run out; and, whatever happens, after
 * flush_ms parked, as a backstop against a missed event.
 *
 * Each pod is in the queue at most once, keyed by "ns/name". Thread-safe.
 */
#ifndef MK_SCHED_QUEUE_H
#define MK_SCHED_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scheduler/podinfo.h"

typedef struct sched_queue sched_queue;

sched_queue *sched_queue_new(int64_t backoff_initial_ms, int64_t backoff_max_ms,
                             int64_t flush_ms);
void sched_queue_free(sched_queue *q);

/* A pod wants a decision (new, or its spec changed): p is copied. A parked
 * pod goes straight back to the active FIFO; one being decided on right
 * now is retried at once if that attempt fails. */
void sched_queue_add(sched_queue *q, const sched_pod *p);
/* Like add, but the pod first waits out its backoff (a failed binding:
 * the API server may be down, don't spin). */
void sched_queue_add_backoff(sched_queue *q, const sched_pod *p);
/* The pod is bound or gone: drop it wherever it is. */
void sched_queue_delete(sched_queue *q, const char *key);
/* Take the next active pod into *out (the caller clears it), waiting
 * for one. False once sched_queue_stop was called. */
bool sched_queue_pop(sched_queue *q, sched_pod *out);
/* The attempt on key failed: park it with backoff (or requeue it at once
 * if it changed meanwhile). */
void sched_queue_unschedulable(sched_queue *q, const char *key);
/* The attempt on key succeeded: forget it. */
void sched_queue_done(sched_queue *q, const char *key);
/* Something changed that may make parked pods fit. */
void sched_queue_move_all(sched_queue *q);
/* A pod was placed: only parked pods with pod affinity or spread
 * constraints may fit now. O(1) while none is parked. */
void sched_queue_move_affinity(sched_queue *q);
/* A claim, volume or storage class changed: only parked pods with
 * persistentVolumeClaim volumes may fit now. O(1) while none is parked. */
void sched_queue_move_volumes(sched_queue *q);
void sched_queue_stop(sched_queue *q);

/* Counts, for logs and tests. */
size_t sched_queue_active(sched_queue *q);
size_t sched_queue_parked(sched_queue *q);

#endif
