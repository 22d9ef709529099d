/* sandbox.h - the namespaces a pod's containers share.
 *
 * A pod is one network namespace (/var/run/netns/<name>, as `ip netns`
 * keeps them, with lo up), one IPC and one UTS namespace (hostname = pod
 * name). Each is pinned by a bind mount on a file, so it outlives any
 * container and survives a kubelet restart; containers join them through
 * the OCI config's namespace paths.
 */
#ifndef MK_KUBELET_SANDBOX_H
#define MK_KUBELET_SANDBOX_H

#include "store/error.h"

#define SANDBOX_NETNS_DIR "/var/run/netns"

typedef struct sandbox_paths {
    char *netns; /* /var/run/netns/mk-<uid> */
    char *ipc;   /* POD_DIR/ns/ipc */
    char *uts;   /* POD_DIR/ns/uts */
} sandbox_paths;

/* Fill the paths for a pod (caller frees with sandbox_paths_free). */
void sandbox_paths_for(const char *pod_dir, const char *pod_uid, sandbox_paths *p);
void sandbox_paths_free(sandbox_paths *p);
/* The netns name (the last part of p->netns), borrowed. */
const char *sandbox_netns_name(const sandbox_paths *p);

/* Create the namespaces unless they already exist (idempotent: a restarted
 * kubelet keeps the ones it finds). */
int sandbox_create(const sandbox_paths *p, const char *hostname, mk_err *err);
/* Are all three namespaces pinned? */
int sandbox_exists(const sandbox_paths *p);
/* Unpin and remove the namespace files; missing ones are fine. */
void sandbox_destroy(const sandbox_paths *p);

#endif
