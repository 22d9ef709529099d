/* podinfo.h - what the scheduler needs to know of a pod and of a node,
 * copied out of their JSON once so that the filter loop touches plain C
 * fields only (and no json-c object is shared between threads).
 */
#ifndef MK_SCHED_PODINFO_H
#define MK_SCHED_PODINFO_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sched_kv {
    char *key;
    char *value;
} sched_kv;

typedef struct sched_taint {
    char *key, *value, *effect; /* value may be ""; never NULL */
} sched_taint;

typedef struct sched_toleration {
    char *key, *op, *value, *effect; /* "" where absent; op "Equal" or "Exists" */
} sched_toleration;

/* One requirement of a nodeSelectorTerm: on a label (or, field, on
 * metadata.name); op In, NotIn, Exists, DoesNotExist, Gt, Lt. */
typedef struct sched_expr {
    char *key, *op;
    char **values;
    size_t nvalues;
    bool field;
} sched_expr;

/* A nodeSelectorTerm: every expression must hold. */
typedef struct sched_term {
    sched_expr *exprs;
    size_t nexprs;
} sched_term;

/* A pod as the filters see it. */
typedef struct sched_pod {
    char *ns, *name, *uid;
    char *key;          /* "ns/name": the queue's and the cache's key */
    int64_t milli_cpu;  /* requests summed over containers (max with init containers) */
    int64_t mem;        /* bytes, likewise */
    sched_kv *selector; /* spec.nodeSelector */
    size_t nselector;
    sched_toleration *tolerations;
    size_t ntolerations;
    /* nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution: a node
     * fits when any term holds (none: every node). */
    sched_term *affinity;
    size_t naffinity;
    int attempts; /* failed decisions so far (set by the queue) */
} sched_pod;

/* A node as the filters see it; `req_*` and `npods` are the cache's
 * accounting of pods bound or assumed there. */
typedef struct sched_node_info {
    char *name;
    bool ready;         /* condition Ready=True */
    bool unschedulable; /* spec.unschedulable */
    sched_kv *labels;
    size_t nlabels;
    sched_taint *taints;
    size_t ntaints;
    int64_t alloc_milli_cpu, alloc_mem, alloc_pods; /* status.allocatable, else capacity */
} sched_node_info;

/* Fill *p from a Pod object. Missing requests count as 0; a container
 * without requests but with limits requests its limits (as the API
 * server's defaulting does). */
void sched_pod_parse(json_object *pod, sched_pod *p);
void sched_pod_clear(sched_pod *p);
/* Deep copy. */
void sched_pod_copy(sched_pod *dst, const sched_pod *src);

/* Fill *n from a Node object. */
void sched_node_parse(json_object *node, sched_node_info *n);
void sched_node_clear(sched_node_info *n);
/* Do two nodes differ in anything a filter looks at? */
bool sched_node_equal(const sched_node_info *a, const sched_node_info *b);

/* The pod's key "ns/name" from an object; caller frees. */
char *sched_pod_key(json_object *pod);
/* Should this scheduler place this pod: unbound, not terminating, not
 * terminal, schedulerName empty or "default-scheduler"? */
bool sched_pod_wants_scheduling(json_object *pod);
/* Does a bound pod hold resources on its node (not Succeeded/Failed)? */
bool sched_pod_is_active(json_object *pod);

#endif
