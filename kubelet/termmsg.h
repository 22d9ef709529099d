/* termmsg.h - a container's termination message, as Kubernetes keeps it.
 *
 * Each container start gets an empty, world-writable file bound at its
 * terminationMessagePath (/dev/termination-log unless it says otherwise).
 * When the container ends, what it wrote there (up to 4 KiB) becomes
 * state.terminated.message; with terminationMessagePolicy
 * FallbackToLogsOnError, an empty file and a failed exit take the end of
 * its log instead (80 lines, 2 KiB at most).
 */
#ifndef MK_KUBELET_TERMMSG_H
#define MK_KUBELET_TERMMSG_H

#include <json-c/json.h>

#include "kubelet/oci.h"
#include "kubelet/pods.h"

/* A fresh, empty message file for container ctr of pod uid, and its mount
 * added to mounts (unless a volume already takes that path). */
int termmsg_prepare(const pods_env *e, const char *uid, json_object *ctr, oci_mount **mounts,
                    int *n, mk_err *err);

/* The message of the attempt that just ended with exit_code (caller frees),
 * or NULL when there is none. */
char *termmsg_read(const pods_env *e, const char *uid, json_object *ctr, int attempt,
                   int exit_code);

#endif
