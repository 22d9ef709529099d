/* volumes.h - a pod's volumes on the host and their mounts into containers.
 *
 *   emptyDir   POD_DIR/volumes/<name>, shared by every container that mounts
 *              it (medium: Memory makes it a tmpfs)
 *   hostPath   the host path itself (type DirectoryOrCreate/FileOrCreate create it)
 *   configMap  POD_DIR/volumes/<name>/<key> from .data (and .items), 0644
 *   secret     the same from base64 .data / .stringData, 0400, root-owned
 *   projected  its sources' files side by side in POD_DIR/volumes/<name>;
 *              a serviceAccountToken source's file is a TokenRequest
 *              token bound to the pod, renewed (volumes_renew_tokens)
 *              once 80% of its lifetime has passed, as Kubernetes does
 *   persistentVolumeClaim
 *              POD_DIR/volumes/<name> a symbolic link to the bound PV's
 *              hostPath.path or local.path (GETs of the claim and the PV
 *              at setup: no watch on every claim of the cluster); bind
 *              mounted from its target. The claim not Bound yet:
 *              PODS_EMOUNT, the pod waits in ContainerCreating.
 */
#ifndef MK_KUBELET_VOLUMES_H
#define MK_KUBELET_VOLUMES_H

#include <json-c/json.h>
#include <stdbool.h>

#include "kubelet/oci.h"
#include "kubelet/pods.h"
#include "store/error.h"

/* A volume that cannot be set up yet (a claim not bound): retried, and
 * reported as FailedMount after a while, as the kubelet's volume manager. */
#define PODS_EMOUNT ENOMEDIUM

#define VOLUMES_LOCAL_PATH "minik8s.io/local-path"

/* Point link at the path of pv, bound to claim pvc: create the directory
 * if the PV was made by the local-path provisioner (mode 0777, so that
 * containers need not run as root) or says DirectoryOrCreate, else it
 * must exist. PODS_EMOUNT if the PV is bound to another claim. */
int volumes_link_pv(json_object *pvc, json_object *pv, const char *link, mk_err *err);

/* Create every volume of pod under pod_dir (idempotent; configMap and
 * secret files are rewritten from the current objects). */
int volumes_setup(const pods_env *e, json_object *pod, const char *pod_dir, mk_err *err);

/* Whether vol is one of files written from objects and the pod (configMap,
 * secret, downwardAPI, projected): what volumes_refresh rewrites. */
bool volumes_is_file_volume(json_object *vol);

/* Bring the pod's configMap, secret, downwardAPI and projected volumes up
 * to date with their objects and the pod, as Kubernetes' kubelet does
 * now and then: changed files are replaced whole, files of keys gone are
 * removed; token files are left to volumes_renew_tokens. An object that
 * cannot be read leaves its volume as it was (err says why). */
int volumes_refresh(const pods_env *e, json_object *pod, const char *pod_dir, mk_err *err);

/* Renew the serviceAccountToken files of pod's projected volumes that are
 * due (older than 80% of their lifetime, or than a day). Returns the
 * milliseconds until the next one falls due (INT64_MAX: none); <0 with
 * err when a renewal failed (the others are still tried). */
int64_t volumes_renew_tokens(const pods_env *e, json_object *pod, const char *pod_dir,
                             mk_err *err);

/* The bind mounts for container ctr's volumeMounts. *out (and each source)
 * is freed with volumes_mounts_free. EINVAL when a mount names no volume. */
int volumes_mounts(json_object *pod, json_object *ctr, const char *pod_dir, oci_mount **out,
                   int *n, mk_err *err);
void volumes_mounts_free(oci_mount *m, int n);

/* Unmount what volumes_setup mounted (tmpfs emptyDirs); files stay. */
void volumes_teardown(const char *pod_dir);

/* Decode standard base64 (padding optional, whitespace skipped). Caller
 * frees *out. EINVAL on a bad character. */
int volumes_base64_decode(const char *in, unsigned char **out, size_t *len, mk_err *err);

#endif
