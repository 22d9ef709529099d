/* security.h - a container's securityContext, as the OCI config's user,
 * capabilities and root: runAsUser and runAsGroup (the container's over
 * the pod's), the pod's supplementalGroups and fsGroup as supplementary
 * groups, runAsNonRoot (refused when the container would run as root),
 * readOnlyRootFilesystem, allowPrivilegeEscalation: false (no new
 * privileges), capabilities add and drop. `privileged: true` is refused:
 * minik8s does not run privileged containers. Both refusals are
 * PODS_ECONFIG (CreateContainerConfigError), in Kubernetes' words.
 */
#ifndef MK_KUBELET_SECURITY_H
#define MK_KUBELET_SECURITY_H

#include <json-c/json.h>

#include "kubelet/oci.h"
#include "store/error.h"

typedef struct security {
    int64_t uid, gid;
    int64_t groups[32];
    int ngroups;
    bool readonly_rootfs, no_new_privileges;
    char **cap_add, **cap_drop; /* "CAP_X", NULL-terminated, owned */
} security;

/* imgcfg: the image's config (its "user" {uid, gid} is the default), or NULL. */
int security_of(json_object *pod, json_object *ctr, json_object *imgcfg, security *out,
                mk_err *err);
/* Its fields into the OCI parameters (which borrow them). */
void security_apply(const security *s, oci_params *p);
void security_free(security *s);

#endif
