/* router.h - mk-router's core: which pods serve a function, how many calls
 * each has in flight, calls held while a function scales from zero, and the
 * autoscaler that turns the observed concurrency into desired replicas.
 *
 * Everything is event-driven: Function and Endpoints informers update the
 * table, a call with no ready pod waits on a condition variable that the
 * Endpoints handler signals. The autoscaler evaluates every tick (as KPA's
 * 1-2 s tick) and writes status.autoscaler on the Function by merge patch
 * only when its decision changes; scaling from zero is written at once by
 * the first call.
 */
#ifndef MK_FUNCTIONS_ROUTER_H
#define MK_FUNCTIONS_ROUTER_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/client.h"
#include "store/error.h"
#include "store/log.h"
#include "store/util.h"

typedef struct router router;

typedef struct router_config {
    int64_t stable_window_ms; /* 60000 */
    int64_t panic_window_ms;  /* 6000 */
    int64_t tick_ms;          /* 1000 */
    int64_t queue_timeout_ms; /* how long a call waits for a ready pod: 30000 */
    int max_queue;            /* calls held per function: 1000 */
    int max_steps;            /* a workflow's default step limit: 100 */
} router_config;

/* Start the informers (Function, Endpoints, Workflow) and the autoscaler. */
int router_new(mk_client *c, const router_config *cfg, router **out, mk_err *err);
void router_free(router *r);
bool router_wait_synced(router *r, int timeout_ms);

typedef struct router_reply {
    int status;
    char *body; /* caller frees */
} router_reply;

/* Call function ns/name with body: forwarded to the ready pod with the
 * fewest calls in flight, after scaling from zero if none is ready. 404 if
 * there is no such function, 503 with a reason when no pod became ready in
 * time or the queue is full. */
void router_call(router *r, const char *ns, const char *name, const char *body, size_t len,
                 router_reply *out);

/* Run workflow ns/name on input (JSON text); the reply is the run record,
 * also stored as a ConfigMap (see docs/functions.md). */
void router_run_workflow(router *r, const char *ns, const char *name, const char *input,
                         router_reply *out);

/* Prometheus text of the autoscaler's inputs and decisions (caller frees). */
char *router_metrics(router *r);

#endif
