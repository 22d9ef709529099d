/* scheduler.h - mk-scheduler: watch unbound pods and nodes, decide, bind.
 *
 * One thread decides (filter + round-robin pick over the cache, O(nodes)
 * per pod and usually far less), a pool of workers talks to the API server
 * (bindings, PodScheduled=False status patches), so decisions never wait
 * on the network. Informer events drive the queue; nothing relists.
 */
#ifndef MK_SCHEDULER_H
#define MK_SCHEDULER_H

#include <stdbool.h>

#include "store/client.h"
#include "store/error.h"

typedef struct scheduler_opts {
    int workers;            /* binding threads; 0: 32 */
    int backoff_initial_ms; /* 0: 1000 */
    int backoff_max_ms;     /* 0: 10000 */
    int flush_ms;           /* parked pods retried at least this often; 0: 30000 */
    bool no_events;         /* record no Scheduled/FailedScheduling Events */
} scheduler_opts;

/* Run until *stop becomes true. Fails (ECONNREFUSED...) only when the
 * informers cannot start; once running, lost connections are retried. */
int scheduler_run(mk_client *c, const scheduler_opts *o, volatile bool *stop, mk_err *err);

#endif
