/* metrics_api.h - metrics.k8s.io/v1beta1, as metrics-server serves it,
 * built from the kubelets' /stats/summary at the time of the request.
 *
 *   GET /apis/metrics.k8s.io[/v1beta1]                         discovery
 *   GET /apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods[/{name}]  PodMetrics
 *   GET /apis/metrics.k8s.io/v1beta1/pods                      every namespace
 *   GET /apis/metrics.k8s.io/v1beta1/nodes[/{name}]             NodeMetrics
 *
 * Only the nodes that run a pod asked about are asked, in parallel, each
 * with a short timeout; a node that does not answer leaves its pods out
 * (the HPA then counts them as missing, as Kubernetes does). A pod's cpu
 * is the kubelet's usageNanoCores (a rate over the window since the
 * previous sample), memory its working set. A node's usage is the sum of
 * its pods' (the kubelet's summary carries no node-level figures).
 * ?labelSelector= filters pods and nodes by their labels.
 */
#ifndef MK_SERVER_METRICS_API_H
#define MK_SERVER_METRICS_API_H

#include <stdbool.h>

#include "store/server/apiserver.h"

/* Answer r if its URL is under /apis/metrics.k8s.io; false otherwise. */
bool metrics_api_serve(api_req *r, enum MHD_Result *ret);
/* The APIGroup entry /apis lists (caller puts). */
json_object *metrics_api_group(void);

#endif
