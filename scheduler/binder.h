/* binder.h - the scheduler's talk to the API server, off the decision
 * thread: a pool of workers POSTing bindings and patching PodScheduled=False
 * on pods that fit nowhere. The client is thread-safe, so bindings go out
 * in parallel.
 */
#ifndef MK_SCHED_BINDER_H
#define MK_SCHED_BINDER_H

#include "scheduler/cache.h"
#include "scheduler/podinfo.h"
#include "store/client.h"
#include "store/events.h"
#include "store/informer.h"

typedef struct sched_binder sched_binder;

typedef struct binder_callbacks {
    /* The binding failed but may work later (server down, 5xx). */
    void (*failed)(void *ctx, const sched_pod *p);
    /* The binding can never work: the pod is gone or already bound. */
    void (*dropped)(void *ctx, const sched_pod *p);
    void *ctx;
} binder_callbacks;

sched_binder *binder_new(mk_client *c, int workers, const binder_callbacks *cb);
/* Where Scheduled and FailedScheduling events go (NULL: none). */
void binder_set_recorder(sched_binder *b, mk_recorder *rec);
/* The pod informer, read to skip status patches that would change nothing. */
void binder_set_pods(sched_binder *b, mk_informer *pods);
/* Queue a binding of p (copied) to node. */
void binder_bind(sched_binder *b, const sched_pod *p, const char *node);
/* Queue a PodScheduled=False/Unschedulable condition with message why. */
void binder_unschedulable(sched_binder *b, const sched_pod *p, const char *why);
/* Preemption: delete the victims (taken over, *victims emptied), each with
 * a Preempted event, then set p's PodScheduled=False condition (why) and
 * status.nominatedNodeName to node. */
void binder_preempt(sched_binder *b, const sched_pod *p, const char *node,
                    sched_victims *victims, const char *why);
/* Stop the workers (requests in flight complete, queued ones are
 * dropped), free. */
void binder_free(sched_binder *b);

#endif
