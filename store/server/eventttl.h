/* eventttl.h - Events expire. Kubernetes gives each Event an etcd lease of
 * --event-ttl (one hour); here a thread of the API server sweeps the
 * Events now and then and deletes, through the store (watchers see
 * DELETED), those whose last occurrence is older than the TTL.
 */
#ifndef MK_SERVER_EVENTTTL_H
#define MK_SERVER_EVENTTTL_H

#include <stdint.h>

#include "store/backend/backend.h"
#include "store/error.h"

typedef struct eventttl eventttl;

/* Sweep every ttl_s / 10 seconds (1..60). ttl_s <= 0: no expiry, NULL. */
eventttl *eventttl_start(mk_backend *be, int ttl_s);
/* Stop the thread (before the backend closes) and free. NULL is fine. */
void eventttl_stop(eventttl *t);

/* One sweep as of now_s (seconds since the epoch): deletes every Event
 * last seen (lastTimestamp, else eventTime, else creationTimestamp) more
 * than ttl_s ago. Returns how many went, or < 0 with err. */
int eventttl_sweep(mk_backend *be, int ttl_s, int64_t now_s, mk_err *err);

#endif
