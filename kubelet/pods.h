/* pods.h - a pod on this node, from its spec to running containers and back,
 * without the API server: everything here takes the Pod object (json) and
 * works on the host. The sync loop (sync.h) decides when to call what.
 *
 * Layout under ROOT (the kubelet's --root-dir):
 *   ROOT/pods/<uid>/pod.json            namespace, name, uid (for orphans)
 *   ROOT/pods/<uid>/ns/{ipc,uts}        pinned namespaces (sandbox.h)
 *   ROOT/pods/<uid>/etc/                hosts, hostname, resolv.conf bound
 *                                       into every container, as Kubernetes does
 *   ROOT/pods/<uid>/volumes/<vol>/      emptyDir, configMap, secret files
 *   ROOT/pods/<uid>/ctr/<c>/            the OCI bundle: config.json, rootfs
 *                                       (overlay mount), upper/, work/
 *   ROOT/pods/<uid>/logs/<c>/<n>.log    attempt n's k8s-file log
 *   ROOT/runtime/                       runtime.h's state
 *   ROOT/ipam/                          podnet.h's leases
 * Container ids are "<uid>.<container>"; cgroups /minik8s/<uid>/<container>.
 */
#ifndef MK_KUBELET_PODS_H
#define MK_KUBELET_PODS_H

#include <json-c/json.h>
#include <stdbool.h>

#include "kubelet/podnet.h"
#include "kubelet/runtime.h"
#include "store/error.h"

/* The error of a container whose spec names a ConfigMap, Secret or key
 * that is missing (Kubernetes' CreateContainerConfigError): retried, not
 * backed off as a crash. */
#define PODS_ECONFIG ENOKEY

/* Fetch a ConfigMap or Secret for a volume: a new reference, or NULL with
 * err filled (ENOENT when it does not exist). kind is "ConfigMap" or "Secret". */
typedef json_object *(*pods_fetch_fn)(void *ctx, const char *kind, const char *ns,
                                      const char *name, mk_err *err);

/* The Services of namespace ns (a new array of objects, the caller's), for
 * the service links in containers' environments. */
typedef json_object *(*pods_services_fn)(void *ctx, const char *ns);

/* A token of the pod's service account for a projected serviceAccountToken
 * source (TokenRequest, bound to the pod): the token (caller frees), or
 * NULL with err filled. audience may be NULL (the server's own). */
typedef char *(*pods_token_fn)(void *ctx, json_object *pod, const char *audience,
                               int64_t seconds, mk_err *err);

typedef struct pods_env {
    const char *root_dir;
    const char *image_dir;
    const char *node_name;
    const char *node_ip; /* the downward API's status.hostIP; may be NULL */
    runtime *rt;
    podnet *pn;
    const char *cluster_dns;    /* nameserver in pods' resolv.conf; NULL: 10.96.0.10 */
    const char *cluster_domain; /* NULL: "cluster.local" */
    int64_t mem_capacity; /* the node's memory, bytes: ranks containers for the OOM killer */
    int oom_floor;        /* the lowest oom_score_adj we may set (node_oom_floor) */
    pods_fetch_fn fetch;  /* may be NULL: configMap/secret volumes then fail */
    pods_services_fn services; /* may be NULL: no service links */
    pods_token_fn token;       /* may be NULL: serviceAccountToken sources fail */
    void *fetch_ctx;           /* fetch's, services' and token's */
} pods_env;

/* The pod's host name: spec.hostname, else its name (borrowed). */
const char *pods_hostname(json_object *pod);

/* "ROOT/pods/<uid>" (caller frees). */
char *pods_dir(const pods_env *e, const char *uid);
/* "<uid>.<ctr>" (caller frees); split back with pods_parse_id (false if not
 * a kubelet id). uid and ctr out buffers are caller-freed. */
char *pods_container_id(const char *uid, const char *ctr);
bool pods_parse_id(const char *id, char **uid, char **ctr);
/* "/minik8s/<uid>/<ctr>" (caller frees). */
char *pods_cgroup_path(const char *uid, const char *ctr);
/* The log of attempt n ("ROOT/pods/<uid>/logs/<ctr>/<n>.log", caller frees). */
char *pods_log_path(const pods_env *e, const char *uid, const char *ctr, int attempt);
/* The newest log of a container (caller frees), or NULL when none exists. */
char *pods_latest_log(const pods_env *e, const char *uid, const char *ctr);

/* Namespaces, pod network (ip >= 16 bytes receives the pod IP) and volumes.
 * Idempotent: a second call for a running pod changes nothing. */
int pods_sandbox_up(const pods_env *e, json_object *pod, char *ip, mk_err *err);

/* Does the container's image exist? (A missing image is reported before
 * anything is created.) */
int pods_check_image(const pods_env *e, json_object *ctr, mk_err *err);

/* Create and start container ctr (its spec object from pod.spec.containers)
 * as attempt n: a fresh overlay, bundle, config, conmon + runc. A previous
 * instance under the same id is removed first. */
int pods_start_container(const pods_env *e, json_object *pod, json_object *ctr, int attempt,
                         const char *pod_ip, mk_err *err);

/* Delete the container and its rootfs (logs stay until the pod goes). */
int pods_remove_container(const pods_env *e, const char *uid, const char *ctr, mk_err *err);

/* A finished pod (Succeeded/Failed) keeps its logs but gives back its IP,
 * veth and namespaces. Idempotent. */
void pods_release_sandbox(const pods_env *e, const char *uid);

/* Remove everything a pod had: containers (killed), mounts, volumes,
 * cgroups, veth, IP lease, namespaces, its directory. Safe on a partial
 * pod or one already gone. */
int pods_teardown(const pods_env *e, const char *uid, mk_err *err);

/* The uids of every pod with a directory under ROOT/pods (caller frees). */
int pods_list_local(const pods_env *e, char ***uids, size_t *n, mk_err *err);

#endif
