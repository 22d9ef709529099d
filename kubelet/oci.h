/* oci.h - the OCI runtime config (config.json) of one container.
 *
 * The kubelet never calls `runc spec`: the config is built here from a
 * fixed default (the one runc spec writes, with the capability set
 * Kubernetes containers get) plus what the pod asks for.
 */
#ifndef MK_KUBELET_OCI_H
#define MK_KUBELET_OCI_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/error.h"

typedef struct oci_mount {
    const char *source;      /* host path */
    const char *destination; /* path in the container */
    bool readonly;
} oci_mount;

typedef struct oci_params {
    const char *rootfs;   /* absolute host path of the container's root */
    const char *hostname; /* set only when the UTS namespace is the container's own */
    char *const *args;    /* NULL-terminated; required */
    char *const *env;     /* NULL-terminated "K=V"; may be NULL */
    const char *cwd;      /* NULL: "/" */
    bool terminal;        /* a pty (conmon holds the master): the pod's tty */
    /* Namespaces to join (paths of ns files); NULL: a new one. */
    const char *netns_path, *ipc_path, *uts_path;
    const char *pid_path;      /* NULL: a PID namespace of its own */
    const char *cgroups_path;  /* absolute, "/minik8s/<pod-uid>/<ctr>" */
    int64_t memory_limit;      /* bytes; <= 0: none */
    int64_t cpu_limit_milli;   /* CFS quota from limits.cpu; <= 0: none */
    int64_t cpu_request_milli; /* cpu shares from requests.cpu; <= 0: default */
    int oom_score_adj;         /* process.oomScoreAdj; 0: the runtime's own */
    const oci_mount *mounts;   /* volumes, bound in this order */
    int nmounts;
    /* securityContext (kubelet/security.h); all zero: root, the default
     * capabilities, a writable root. */
    int64_t uid, gid;
    const int64_t *groups; /* supplementary gids */
    int ngroups;
    bool readonly_rootfs;
    bool no_new_privileges;
    char *const *cap_add, *const *cap_drop; /* NULL-terminated "CAP_X"; drop "ALL" */
} oci_params;

/* CFS period the quota is expressed in (Kubernetes' default, 100 ms). */
#define OCI_CPU_PERIOD_US 100000

/* Build the config; the caller owns the result (json_object_put). EINVAL
 * when args is empty. */
int oci_config(const oci_params *p, json_object **out, mk_err *err);

/* Write it to BUNDLE/config.json. */
int oci_write_config(const char *bundle, json_object *config, mk_err *err);

#endif
