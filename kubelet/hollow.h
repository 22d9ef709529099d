/* hollow.h - hollow nodes: Node objects that register, heartbeat and
 * report their pods Running without running anything, as Kubernetes'
 * kubemark does. For scale tests of the control plane only (the scheduler
 * bench, 1,000 nodes in one process); no feature test relies on them.
 *
 * Each node has capacity and allocatable cpu 4, memory 16Gi, pods 110,
 * the labels given plus kubernetes.io/hostname, and condition Ready=True
 * with a lastHeartbeatTime refreshed every heartbeat interval.
 */
#ifndef MK_KUBELET_HOLLOW_H
#define MK_KUBELET_HOLLOW_H

#include <stdbool.h>

#include "store/client.h"
#include "store/error.h"

typedef struct hollow_opts {
    const char
        *prefix; /* node names: prefix-0 .. prefix-(count-1), or prefix when count is 1 */
    int count;
    const char *labels; /* "k=v,k2=v2" or NULL */
    int heartbeat_s;    /* 0: 10 seconds */
    int workers;        /* parallel writes (registration, pod status); 0: 4 */
} hollow_opts;

/* Register count nodes, then heartbeat them (one thread, the writes spread
 * evenly over the interval) and mark the pods bound to them Running, until
 * *stop becomes true. The nodes stay registered on return, as a stopped
 * kubelet's do. Fails (EINVAL bad labels or count, or the API server's
 * error) only when registration fails. */
int hollow_run(mk_client *c, const char *prefix, int count, const char *labels,
               volatile bool *stop, mk_err *err);
int hollow_run_opts(mk_client *c, const hollow_opts *o, volatile bool *stop, mk_err *err);

#endif
