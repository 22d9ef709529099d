/* limitrange.h - Kubernetes' LimitRanger admission: the LimitRanges of a
 * namespace give its pods' containers default limits and requests, and
 * bound what its pods and claims may ask for.
 *
 * Pods and PersistentVolumeClaims, on create. Namespaces without a
 * LimitRange (nsset_has_policies) cost nothing.
 */
#ifndef MK_SERVER_LIMITRANGE_H
#define MK_SERVER_LIMITRANGE_H

#include <json-c/json.h>

#include "store/kinds.h"
#include "store/server/apiserver.h"

/* Before validation: containers without a limit or request for a resource
 * a Container item's default or defaultRequest names get it, and the pod
 * says so in the annotation kubernetes.io/limit-ranger. */
int limitrange_default(api_req *r, const mk_kind *k, const char *ns, json_object *obj,
                       mk_err *err);
/* After validation: EACCES ("pods \"web\" is forbidden: maximum cpu usage
 * per Container is 1, but limit is 2") when a container, the pod or a claim
 * is outside a min, max or maxLimitRequestRatio. */
int limitrange_check(api_req *r, const mk_kind *k, const char *ns, json_object *obj,
                     mk_err *err);

#endif
