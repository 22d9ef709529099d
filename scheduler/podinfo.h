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
typedef enum sched_op {
    SCHED_OP_UNKNOWN, /* matches nothing */
    SCHED_OP_IN,
    SCHED_OP_NOT_IN,
    SCHED_OP_EXISTS,
    SCHED_OP_DOES_NOT_EXIST,
    SCHED_OP_GT,
    SCHED_OP_LT,
} sched_op;

typedef struct sched_expr {
    char *key, *op;
    char **values;
    size_t nvalues;
    bool field;
    sched_op code; /* op, decoded once */
} sched_expr;

/* A nodeSelectorTerm: every expression must hold. */
typedef struct sched_term {
    sched_expr *exprs;
    size_t nexprs;
} sched_term;

/* A node selector: a node matches when any of its terms holds. */
typedef struct sched_node_sel {
    sched_term *terms;
    size_t nterms;
} sched_node_sel;

/* A label selector (matchLabels become In expressions, matchLabelKeys
 * are merged in at parse). `set` false: no selector at all, which matches
 * nothing (an empty one, set with no expressions, matches everything). */
typedef struct sched_selector {
    sched_expr *exprs;
    size_t nexprs;
    bool set;
} sched_selector;

/* A nodeSelectorTerm with a weight: preferred node affinity. */
typedef struct sched_weighted_term {
    int32_t weight;
    sched_term term;
} sched_weighted_term;

/* A pod (anti-)affinity term: pods matched by sel, in the namespaces
 * named (none named and no namespaceSelector: the pod's own), sharing the
 * node's value of topology_key. */
typedef struct sched_pod_term {
    int32_t weight; /* preferred terms; 0 for required ones */
    sched_selector sel;
    char **namespaces;
    size_t nnamespaces;
    sched_selector ns_sel; /* namespaceSelector on Namespace labels */
    char *topology_key;
} sched_pod_term;

/* One topologySpreadConstraint. */
typedef struct sched_spread {
    int32_t max_skew, min_domains;
    char *topology_key;
    bool hard;            /* whenUnsatisfiable: DoNotSchedule */
    bool ignore_affinity; /* nodeAffinityPolicy: Ignore (Honor by default) */
    bool honor_taints;    /* nodeTaintsPolicy: Honor (Ignore by default) */
    sched_selector sel;
} sched_spread;

/* What a pod asks beyond filtering nodes one by one: preferred node
 * affinity, pod (anti-)affinity, topology spread. Immutable once parsed
 * and shared between copies of the pod (reference counted), so that the
 * queue and the cache copy a pointer, not the tree. */
typedef struct sched_pod_affinity {
    int refs;                       /* atomic */
    sched_weighted_term *preferred; /* nodeAffinity.preferred... */
    size_t npreferred;
    sched_pod_term *affinity, *anti; /* required */
    size_t naffinity, nanti;
    sched_pod_term *pref_affinity, *pref_anti; /* preferred, weighted */
    size_t npref_affinity, npref_anti;
    sched_spread *spread;
    size_t nspread;
} sched_pod_affinity;

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
    sched_kv *labels; /* metadata.labels */
    size_t nlabels;
    sched_pod_affinity *aff; /* NULL: the pod asks for none of it */
    int attempts;            /* failed decisions so far (set by the queue) */
    /* spec.priority, set by admission from the pod's PriorityClass: the
     * queue's order, and who may preempt whom (preempt_never: the class
     * says preemptionPolicy Never). */
    int64_t priority;
    bool preempt_never;
    bool terminating; /* metadata.deletionTimestamp: going, never a victim again */
    /* spec.volumes[].persistentVolumeClaim.claimName: the volume step
     * (volumes.h) runs only for pods with some. */
    char **claims;
    size_t nclaims;
    /* Set by the volume step for one attempt: a node must match each of
     * vol_affinity (the bound PVs' node affinity); the binder writes the
     * chosen node into the claims vol_select names before binding. */
    sched_node_sel *vol_affinity;
    size_t nvol_affinity;
    char **vol_select;
    size_t nvol_select;
    bool vol_conflict; /* a ReadWriteOncePod claim another pod uses: no node */
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

/* Copy a string map ({"k":"v"}, may be NULL) into pairs; copy, free. */
void sched_kv_parse(json_object *map, sched_kv **out, size_t *n);
sched_kv *sched_kv_dup(const sched_kv *kv, size_t n);
void sched_kv_free(sched_kv *kv, size_t n);
/* The same pairs in the same order? */
bool sched_kv_equal(const sched_kv *a, size_t na, const sched_kv *b, size_t nb);

/* A reference to a (NULL: none); sched_pod_affinity_unref drops one. */
sched_pod_affinity *sched_pod_affinity_ref(sched_pod_affinity *a);
void sched_pod_affinity_unref(sched_pod_affinity *a);

/* Does one expression hold on a set of labels? name answers matchFields
 * on metadata.name (may be NULL). Ops In, NotIn, Exists, DoesNotExist,
 * Gt, Lt, as Kubernetes' label selectors. */
bool sched_expr_holds(const sched_expr *e, const sched_kv *labels, size_t nlabels,
                      const char *name);
/* Does a selector match a set of labels? */
bool sched_selector_matches(const sched_selector *s, const sched_kv *labels, size_t nlabels);
/* A plain LabelSelector object (matchLabels, matchExpressions); NULL or
 * not an object: unset. Clear frees it. */
void sched_selector_parse(json_object *sel, sched_selector *d);
void sched_selector_clear(sched_selector *s);
/* The value of a label, or NULL. */
const char *sched_label(const sched_kv *labels, size_t nlabels, const char *key);

/* Does the pod tolerate the taint? */
bool sched_pod_tolerates(const sched_pod *p, const sched_taint *t);
/* Do the node's labels hold every key: value of the pod's nodeSelector? */
bool sched_node_selector_matches(const sched_node_info *n, const sched_pod *p);
/* Does the node hold every expression of a nodeSelectorTerm? */
bool sched_node_term_matches(const sched_node_info *n, const sched_term *t);
/* Does it match one of the terms of the pod's required node affinity
 * (true when the pod has none)? */
bool sched_node_affinity_matches(const sched_node_info *n, const sched_pod *p);

/* Parse a nodeSelectorTerm ({matchExpressions, matchFields}); clear one;
 * copy. */
void sched_term_parse(json_object *t, sched_term *d);
void sched_term_clear(sched_term *t);
void sched_term_copy(sched_term *dst, const sched_term *src);
/* Free a node selector's terms (the array too); copy n of them. */
void sched_node_sels_free(sched_node_sel *s, size_t n);
sched_node_sel *sched_node_sels_dup(const sched_node_sel *s, size_t n);
/* Copy and free a string vector of n entries. */
char **sched_strv_dup(char *const *v, size_t n);
void sched_strv_free(char **v, size_t n);

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
