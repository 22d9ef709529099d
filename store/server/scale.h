/* scale.h - the scale subresource (autoscaling/v1 Scale) of kinds with
 * spec.replicas, as `kubectl scale` uses it:
 *   GET          .../replicasets/{name}/scale
 *   PUT, PATCH   .../replicasets/{name}/scale   {"spec":{"replicas":N}}
 * A write changes only the object's spec.replicas; status.selector is the
 * object's spec.selector.matchLabels as a selector string.
 */
#ifndef MK_SERVER_SCALE_H
#define MK_SERVER_SCALE_H

#include <stdbool.h>

#include "store/server/apiserver.h"
#include "store/server/route.h"

/* Kinds that have the subresource (discovery lists it for them). */
bool scale_supported(const mk_kind *k);
enum MHD_Result scale_serve(api_req *r, const api_route *rt);

#endif
