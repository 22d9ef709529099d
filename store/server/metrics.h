/* metrics.h - /metrics in the Prometheus text format: request counts by
 * verb and code, a latency histogram per verb, watchers, store size and
 * revision. */
#ifndef MK_SERVER_METRICS_H
#define MK_SERVER_METRICS_H

#include <stdint.h>

#include "store/server/apiserver.h"

typedef struct metrics metrics;

metrics *metrics_new(void);
void metrics_free(metrics *m);
/* Count one reply: verb ("get", "list", "watch", ...), status, duration. */
void metrics_observe(metrics *m, const char *verb, unsigned code, int64_t ns);
/* GET /metrics */
enum MHD_Result metrics_serve(api_req *r);

#endif
