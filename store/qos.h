/* qos.h - a pod's quality-of-service class, as Kubernetes computes it
 * (ComputePodQOS): Guaranteed when every container, init containers
 * included, has cpu and memory limits and the pod's requests equal its
 * limits; BestEffort when no container asks for cpu or memory at all;
 * Burstable otherwise. A request left out counts as its limit, as the API
 * server's defaulting makes it, so stored pods of any age agree.
 *
 * The API server records the class in status.qosClass at create; the
 * kubelet reports it and ranks its containers for the kernel's OOM killer
 * by it.
 */
#ifndef MK_QOS_H
#define MK_QOS_H

#include <json-c/json.h>

typedef enum mk_qos { QOS_BEST_EFFORT, QOS_BURSTABLE, QOS_GUARANTEED } mk_qos;

/* The class of the pod whose spec this is (a spec that is no object, or
 * has no containers, is BestEffort). */
mk_qos qos_of_spec(json_object *spec);

/* "BestEffort", "Burstable", "Guaranteed": status.qosClass's words. */
const char *qos_name(mk_qos q);

/* A container's request for cpu or memory, in thousandths (cpu "250m" ->
 * 250, memory "1Ki" -> 1024000): requests, else limits; 0 when neither or
 * unparsable. */
int64_t qos_request_milli(json_object *ctr, const char *resource);

/* The oom_score_adj the kubelet gives a container (Kubernetes' policy): a
 * Guaranteed pod's -997, a BestEffort one's 1000 (killed first), a
 * Burstable one's lower the more of the node's memory it asked for, within
 * 3..999. mem_request and mem_capacity in bytes. */
int qos_oom_score_adj(mk_qos q, int64_t mem_request, int64_t mem_capacity);

#endif
