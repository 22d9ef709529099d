/* envvars.h - a container's environment, as the Kubernetes kubelet makes it:
 * the image's variables, HOSTNAME, then `envFrom` (each ConfigMap's or
 * Secret's keys, with the entry's prefix), then `env` (value, or valueFrom
 * fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef). A later entry
 * of the same name replaces an earlier one in place, so env wins over
 * envFrom. fieldRef takes any path of the pod, `metadata.labels['k']` and
 * `metadata.annotations['k']`, and status.podIP and status.hostIP as this
 * node gives them; resourceFieldRef limits/requests.cpu/memory, rounded up
 * to the divisor (1 core, 1 byte), a missing limit read as the node's.
 *
 * Before envFrom and env (which may override them) come the service links,
 * unless the pod says enableServiceLinks: false: for each Service of the
 * pod's namespace with a cluster IP, NAME_SERVICE_HOST, NAME_SERVICE_PORT
 * and Docker's NAME_PORT_<n>_<PROTO>... as Kubernetes sets them (from
 * pods_env's services, the kubelet's Service informer).
 *
 * ConfigMaps and Secrets come through pods_env's fetch (the kubelet reads
 * them from the API server when the container starts, as Kubernetes does:
 * a later change reaches the next start). A missing object or key that is
 * not `optional` fails with PODS_ECONFIG and Kubernetes' words
 * (`configmap "app" not found`, `couldn't find key mode in ConfigMap
 * default/app`); the pod then waits in CreateContainerConfigError.
 */
#ifndef MK_KUBELET_ENVVARS_H
#define MK_KUBELET_ENVVARS_H

#include <json-c/json.h>

#include "kubelet/pods.h"
#include "store/error.h"

/* The environment of container ctr of pod, KEY=VALUE strings, NULL at the
 * end (free each and the array). imgcfg: the image's config (its "env"), or
 * NULL. pod_ip: for fieldRef status.podIP. */
int envvars_build(const pods_env *e, json_object *pod, json_object *ctr, json_object *imgcfg,
                  const char *pod_ip, char ***out, mk_err *err);

/* The downward API's fieldRef: path in pod (labels['k'] and
 * annotations['k'] too; status.podIP is pod_ip, status.hostIP the node's),
 * or NULL when absent. Borrowed from pod or e. */
const char *envvars_field(const pods_env *e, json_object *pod, const char *path,
                          const char *pod_ip);

/* A resourceFieldRef (of ctr, or of the container ref names) as text. */
int envvars_resource(json_object *pod, json_object *ctr, json_object *ref, char *out, size_t n,
                     mk_err *err);

#endif
