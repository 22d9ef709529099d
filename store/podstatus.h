/* podstatus.h - the STATUS, READY and RESTARTS columns of `kubectl get
 * pods`, computed as kubectl's printer computes them from the Pod object:
 * "Init:1/2", "Init:CrashLoopBackOff", "Init:Error", a container's waiting
 * or terminated reason ("CrashLoopBackOff", "CreateContainerConfigError",
 * "OOMKilled", "Completed"), "Terminating", else the phase. Shared by the
 * API server's tables and mk-fs's (rkubectl). */
#ifndef MK_PODSTATUS_H
#define MK_PODSTATUS_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

typedef struct podstatus {
    char status[64];
    size_t ready, total; /* containers ready, of spec.containers */
    int64_t restarts;
} podstatus;

void podstatus_of(json_object *pod, podstatus *out);

#endif
