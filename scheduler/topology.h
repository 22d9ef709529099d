/* topology.h - the rules that look at other pods and at topology
 * domains (the nodes sharing a label's value): required and preferred pod
 * affinity and anti-affinity, existing pods' anti-affinity (the symmetric
 * rule), topologySpreadConstraints; and preferred node affinity, scored
 * with them.
 *
 * As kube-scheduler's PreFilter/PreScore: one decision gathers what the
 * pods already placed imply (counts per topology pair) into a sched_topo,
 * once, then asks it per node. Pure: no cache, no lock; the caller feeds
 * every node, then every placed pod, then calls sched_topo_done. Node
 * and label strings are borrowed, and must outlive the sched_topo.
 */
#ifndef MK_SCHED_TOPOLOGY_H
#define MK_SCHED_TOPOLOGY_H

#include <stdbool.h>
#include <stdint.h>

#include "scheduler/podinfo.h"

/* A pod bound (or assumed bound) somewhere, as the rules see it. */
typedef struct sched_placed {
    const char *ns;
    const sched_kv *labels;
    size_t nlabels;
    const sched_pod_affinity *aff; /* NULL: none */
} sched_placed;

/* The labels of a namespace, for namespaceSelector (NULL: unknown). */
typedef const sched_kv *(*sched_ns_labels_fn)(void *ctx, const char *ns, size_t *nlabels);

typedef struct sched_topo sched_topo;

/* The state of one decision for pod p (borrowed). ns_labels may be NULL:
 * then a non-empty namespaceSelector matches no namespace. */
sched_topo *sched_topo_new(const sched_pod *p, sched_ns_labels_fn ns_labels, void *ctx);
void sched_topo_free(sched_topo *t);
/* Does the decision need the placed pods (p has pod terms or spread
 * constraints)? If not, and no placed pod has terms, skip add_pod. */
bool sched_topo_wants_pods(const sched_topo *t);
/* Feed every node, then every placed pod with its node, then done. */
void sched_topo_add_node(sched_topo *t, const sched_node_info *n);
void sched_topo_add_pod(sched_topo *t, const sched_placed *e, const sched_node_info *n);
void sched_topo_done(sched_topo *t);

/* The filter, for a node that passed sched_filter: 0 or SCHED_FIT_*
 * bits (cache.h) of the first rule that fails, in kube-scheduler's order
 * (topology spread, pod affinity, pod anti-affinity, existing pods'
 * anti-affinity). */
unsigned sched_topo_filter(const sched_topo *t, const sched_node_info *n);

/* Is there anything to score (else every node scores the same)? */
bool sched_topo_scoring(const sched_topo *t);

/* A feasible node's raw scores, one per kube-scheduler plugin. */
typedef struct sched_raw_score {
    int64_t node_affinity; /* sum of the weights of matching preferred terms */
    int64_t inter_pod;     /* preferred pod (anti-)affinity, both ways */
    int64_t spread;        /* ScheduleAnyway constraints: lower is better */
    bool spread_ignored;   /* lacks a constraint's topology key */
} sched_raw_score;

void sched_topo_score(const sched_topo *t, const sched_node_info *n, sched_raw_score *out);
/* Normalize each plugin's scores over the n feasible nodes to 0..100 as
 * kube-scheduler does, weigh them (2 each, its defaults) and sum them
 * into total[i]. */
void sched_scores_total(const sched_raw_score *raw, size_t n, int64_t *total);

#endif
