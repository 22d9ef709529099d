/* cache.h - the scheduler's view of the cluster: nodes, the resources the
 * pods bound (or assumed bound) to each already use, and the decision
 * itself (filter, then round-robin pick).
 *
 * Assume-cache, as kube-scheduler's: a pod is charged to its node the
 * moment it is picked, before the binding reaches the API server, so the
 * next decision already sees it; the informer's later event confirms the
 * charge (same key, never counted twice) and a failed binding forgets it.
 *
 * Every function takes the cache's own lock: safe from any thread.
 */
#ifndef MK_SCHED_CACHE_H
#define MK_SCHED_CACHE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "scheduler/podinfo.h"

typedef struct sched_cache sched_cache;

sched_cache *sched_cache_new(void);
void sched_cache_free(sched_cache *c);

/* Add or replace a node from its object. True when anything a filter
 * looks at changed (a new node, readiness, labels, taints, allocatable):
 * the caller then retries unschedulable pods. A heartbeat alone is false. */
bool sched_cache_set_node(sched_cache *c, json_object *node);
/* The same with an already parsed node; takes ownership of *n. */
bool sched_cache_set_node_info(sched_cache *c, sched_node_info *n);
void sched_cache_remove_node(sched_cache *c, const char *name);
size_t sched_cache_node_count(sched_cache *c);

/* A pod seen bound to node (by the informer): charge it there, replacing
 * any assumption under the same key. True when the pod is new to the
 * cache or its labels changed (pods waiting on pod affinity may fit). */
bool sched_cache_add_pod(sched_cache *c, const sched_pod *p, const char *node);
/* A bound pod went away or finished. True if it had been charged. */
bool sched_cache_remove_pod(sched_cache *c, const char *key);
/* Undo an assumption after a failed binding (a confirmed charge stays). */
void sched_cache_forget(sched_cache *c, const char *key);
/* Is the pod charged to a node (bound or assumed)? */
bool sched_cache_has_pod(sched_cache *c, const char *key);

/* Why a node does not fit, in kube-scheduler's order; a node reports the
 * first stage that fails (the resource stage may report several). */
enum {
    SCHED_FIT_NOT_READY = 1u << 0,
    SCHED_FIT_UNSCHEDULABLE = 1u << 1,
    SCHED_FIT_TAINT = 1u << 2,
    SCHED_FIT_SELECTOR = 1u << 3,
    SCHED_FIT_PODS = 1u << 4,
    SCHED_FIT_CPU = 1u << 5,
    SCHED_FIT_MEMORY = 1u << 6,
    SCHED_FIT_AFFINITY = 1u << 7, /* required node affinity (after the selector) */
    /* the rules of topology.h, after the resources */
    SCHED_FIT_SPREAD_LABEL = 1u << 8, /* lacks a DoNotSchedule constraint's key */
    SCHED_FIT_SPREAD = 1u << 9,       /* maxSkew would be exceeded */
    SCHED_FIT_POD_AFFINITY = 1u << 10,
    SCHED_FIT_POD_ANTI_AFFINITY = 1u << 11,
    SCHED_FIT_EXISTING_ANTI_AFFINITY = 1u << 12, /* a placed pod's anti-affinity */
    SCHED_FIT_VOLUME_AFFINITY = 1u << 13,        /* a bound PV's nodeAffinity (volumes.h) */
    SCHED_FIT_VOLUME_CONFLICT = 1u << 14, /* a ReadWriteOncePod claim in use (volumes.h) */
};

/* The filter: 0 when pod fits on node given the resources already in use
 * there, else SCHED_FIT_* bits; *taint (may be NULL) gets the first
 * untolerated taint. Pure: no cache, no lock. */
unsigned sched_filter(const sched_node_info *n, int64_t used_milli_cpu, int64_t used_mem,
                      int64_t used_pods, const sched_pod *p, const sched_taint **taint);

/* A Namespace's labels, for pod affinity's namespaceSelector. */
void sched_cache_set_namespace(sched_cache *c, json_object *ns);
void sched_cache_remove_namespace(sched_cache *c, const char *name);

/* Decide: filter the nodes in name order starting at the round-robin
 * cursor, take the first that fits, move the cursor past it and assume
 * the pod there. A pod with preferences (preferred node or pod affinity,
 * ScheduleAnyway spread; or placed pods whose terms select it) goes to
 * the node that scores best, the round-robin order breaking ties. Pods
 * and clusters without pod (anti-)affinity or spread constraints take the
 * first path only: no per-pod work beyond the node filter. Returns 0 and *node (caller frees);
 * or -1 and *why, the kube-scheduler message ("0/3 nodes are available: 1 node(s) didn't match
 * Pod's node selector, 2 Insufficient memory."; caller frees). */
int sched_cache_schedule(sched_cache *c, const sched_pod *p, char **node, char **why);

/* A pod chosen to make room, to be deleted. */
typedef struct sched_victim {
    char *ns, *name, *uid;
    int64_t priority;
} sched_victim;

typedef struct sched_victims {
    sched_victim *v;
    size_t n;
} sched_victims;

void sched_victims_clear(sched_victims *v);

/* PodDisruptionBudgets, which preemption avoids spending past what they
 * allow (status.disruptionsAllowed, less the pods in disruptedPods). */
void sched_cache_set_pdb(sched_cache *c, json_object *pdb);
void sched_cache_remove_pdb(sched_cache *c, json_object *pdb);

/* Kubernetes' DefaultPreemption, for a pod no node fits: on each node
 * where removing every pod of lower priority would make room, the pods
 * that must go are those left once the most important are put back one by
 * one while the pod still fits (those whose removal would break a
 * PodDisruptionBudget first). The node chosen breaks the fewest budgets,
 * then has the lowest highest victim priority, then the lowest sum of
 * victim priorities, then the fewest victims, then comes first by name.
 * The pod is nominated there.
 * 0 with *node (caller frees) and *v; -1 when no removal helps, when the
 * pod may not preempt (preemptionPolicy Never), or while pods it preempted
 * before are still terminating on its nominated node. */
int sched_cache_preempt(sched_cache *c, const sched_pod *p, char **node, sched_victims *v);

/* The pod waits for room on node (status.nominatedNodeName): pods of
 * lower or equal priority are decided as if it were there already, and it
 * tries that node first. node NULL or "" forgets it. Binding forgets it too. */
void sched_cache_nominate(sched_cache *c, const sched_pod *p, const char *node);

#endif
