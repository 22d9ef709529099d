#include "scheduler/cache.h"

#include <pthread.h>
#include <string.h>
#include <uthash.h>

#include "scheduler/topology.h"
#include "scheduler/volumes.h"
#include "store/codec.h"
#include "store/util.h"

typedef struct node_entry {
    sched_node_info info; /* info.name is the hash key */
    int64_t used_milli_cpu, used_mem, used_pods;
    size_t idx; /* in sorted */
    UT_hash_handle hh;
} node_entry;

typedef struct pod_entry {
    char *key;
    char *node;
    int64_t milli_cpu, mem;
    int64_t priority;
    char *uid;
    bool terminating;     /* being deleted: still there, but no victim */
    bool assumed;         /* picked by us, not yet seen bound by the informer */
    struct node_entry *n; /* node's entry while it exists (a cached lookup) */
    sched_kv *labels;
    size_t nlabels;
    sched_pod_affinity *aff; /* held only if it has pod terms (symmetric rules) */
    UT_hash_handle hh;
} pod_entry;

/* A pod that preempted others and waits for the room on node. */
typedef struct nom_entry {
    char *key, *node;
    int64_t priority, milli_cpu, mem;
    UT_hash_handle hh;
} nom_entry;

/* A PodDisruptionBudget, as preemption weighs it. */
typedef struct pdb_entry {
    char *key; /* "ns/name" */
    sched_selector sel;
    int64_t allowed;  /* status.disruptionsAllowed */
    char **disrupted; /* status.disruptedPods: names, already counted */
    size_t ndisrupted;
    UT_hash_handle hh;
} pdb_entry;

typedef struct ns_entry {
    char *name;
    sched_kv *labels;
    size_t nlabels;
    UT_hash_handle hh;
} ns_entry;

struct sched_cache {
    pthread_mutex_t mu;
    node_entry *nodes;
    pod_entry *pods;
    node_entry **sorted; /* nodes by name: the round-robin order */
    size_t nsorted;
    bool sorted_stale;
    size_t cursor; /* index in sorted where the next search starts */
    size_t nsym;   /* pods whose own pod terms apply to others: no fast path */
    ns_entry *namespaces;
    nom_entry *noms; /* by pod key; usually none */
    pdb_entry *pdbs; /* by "ns/name" */
    /* Pods placed with a priority below 0: none (the usual case) and a
     * pod of priority 0 has no one to preempt, without a walk. */
    size_t nneg;
};

sched_cache *sched_cache_new(void)
{
    sched_cache *c = xcalloc(1, sizeof(*c));
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

static void pod_entry_free(pod_entry *p)
{
    free(p->key);
    free(p->uid);
    free(p->node);
    sched_kv_free(p->labels, p->nlabels);
    sched_pod_affinity_unref(p->aff);
    free(p);
}

static void nom_entry_free(nom_entry *n)
{
    free(n->key);
    free(n->node);
    free(n);
}

static void drop_nomination(sched_cache *c, const char *key)
{
    nom_entry *n;
    HASH_FIND_STR(c->noms, key, n);
    if (n) {
        HASH_DEL(c->noms, n);
        nom_entry_free(n);
    }
}

static void pdb_entry_free(pdb_entry *e)
{
    free(e->key);
    sched_selector_clear(&e->sel);
    sched_strv_free(e->disrupted, e->ndisrupted);
    free(e);
}

static void ns_entry_free(ns_entry *n)
{
    free(n->name);
    sched_kv_free(n->labels, n->nlabels);
    free(n);
}

static void node_entry_free(node_entry *n)
{
    sched_node_clear(&n->info);
    free(n);
}

/* Empty a table of the cache, each entry freed with fn. */
#define FREE_ALL(head, fn)                                                                     \
    do {                                                                                       \
        __typeof__(head) e_, tmp_;                                                             \
        HASH_ITER(hh, head, e_, tmp_)                                                          \
        {                                                                                      \
            HASH_DEL(head, e_);                                                                \
            fn(e_);                                                                            \
        }                                                                                      \
    } while (0)

void sched_cache_free(sched_cache *c)
{
    if (!c)
        return;
    FREE_ALL(c->nodes, node_entry_free);
    FREE_ALL(c->pods, pod_entry_free);
    FREE_ALL(c->namespaces, ns_entry_free);
    FREE_ALL(c->pdbs, pdb_entry_free);
    FREE_ALL(c->noms, nom_entry_free);
    free(c->sorted);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static int by_name(const void *a, const void *b)
{
    const node_entry *x = *(node_entry *const *)a, *y = *(node_entry *const *)b;
    return strcmp(x->info.name, y->info.name);
}

/* Rebuilt lazily: 1,000 nodes registering one by one sort once, at the
 * next decision, not a thousand times. */
static void ensure_sorted(sched_cache *c)
{
    if (!c->sorted_stale)
        return;
    c->nsorted = HASH_COUNT(c->nodes);
    c->sorted = xrealloc(c->sorted, (c->nsorted ? c->nsorted : 1) * sizeof(*c->sorted));
    size_t i = 0;
    for (node_entry *n = c->nodes; n; n = n->hh.next)
        c->sorted[i++] = n;
    qsort(c->sorted, c->nsorted, sizeof(*c->sorted), by_name);
    for (i = 0; i < c->nsorted; i++)
        c->sorted[i]->idx = i;
    c->sorted_stale = false;
}

/* Charge (+1) looks the node up (unless the caller knows it: at) and
 * remembers it; uncharge (-1) uses that, so a node removed in between
 * (its pods unlinked) is skipped. */
static void charge_at(sched_cache *c, pod_entry *p, int sign, node_entry *at)
{
    node_entry *n = p->n;
    if (sign > 0) {
        if (at)
            n = at;
        else
            HASH_FIND_STR(c->nodes, p->node, n);
        p->n = n;
    }
    if (!n)
        return;
    n->used_milli_cpu += sign * p->milli_cpu;
    n->used_mem += sign * p->mem;
    n->used_pods += sign;
}

static void charge(sched_cache *c, pod_entry *p, int sign)
{
    charge_at(c, p, sign, NULL);
}

bool sched_cache_set_node_info(sched_cache *c, sched_node_info *info)
{
    bool changed = true;
    pthread_mutex_lock(&c->mu);
    node_entry *n;
    HASH_FIND_STR(c->nodes, info->name, n);
    if (n) {
        changed = !sched_node_equal(&n->info, info);
        /* the hash points at the old name: keep that string */
        char *name = n->info.name;
        n->info.name = info->name;
        info->name = name;
        sched_node_clear(&n->info);
        n->info = *info;
    } else {
        n = xcalloc(1, sizeof(*n));
        n->info = *info;
        HASH_ADD_KEYPTR(hh, c->nodes, n->info.name, strlen(n->info.name), n);
        c->sorted_stale = true;
        /* pods seen bound here before the node itself */
        for (pod_entry *p = c->pods; p; p = p->hh.next)
            if (strcmp(p->node, n->info.name) == 0)
                charge(c, p, 1);
    }
    memset(info, 0, sizeof(*info));
    pthread_mutex_unlock(&c->mu);
    return changed;
}

bool sched_cache_set_node(sched_cache *c, json_object *node)
{
    sched_node_info info;
    sched_node_parse(node, &info);
    return sched_cache_set_node_info(c, &info);
}

void sched_cache_remove_node(sched_cache *c, const char *name)
{
    pthread_mutex_lock(&c->mu);
    node_entry *n;
    HASH_FIND_STR(c->nodes, name, n);
    if (n) {
        for (pod_entry *p = c->pods; p; p = p->hh.next)
            if (p->n == n)
                p->n = NULL;
        HASH_DEL(c->nodes, n);
        node_entry_free(n);
        c->sorted_stale = true;
    }
    pthread_mutex_unlock(&c->mu);
}

size_t sched_cache_node_count(sched_cache *c)
{
    pthread_mutex_lock(&c->mu);
    size_t n = HASH_COUNT(c->nodes);
    pthread_mutex_unlock(&c->mu);
    return n;
}

/* Does a pod's affinity hold terms that select other pods? */
static bool has_pod_terms(const sched_pod_affinity *a)
{
    return a && (a->naffinity || a->nanti || a->npref_affinity || a->npref_anti);
}

/* Charge p to node (its entry at, if known) under the lock, replacing
 * whatever the key had. True
 * when the key is new or its labels changed. */
static bool put_pod(sched_cache *c, const sched_pod *p, const char *node, node_entry *at,
                    bool assumed)
{
    pod_entry *e;
    bool changed = true;
    HASH_FIND_STR(c->pods, p->key, e);
    if (e) {
        charge(c, e, -1);
        changed = !sched_kv_equal(e->labels, e->nlabels, p->labels, p->nlabels);
        free(e->node);
        free(e->uid);
        sched_kv_free(e->labels, e->nlabels);
        c->nsym -= e->aff != NULL;
        c->nneg -= e->priority < 0;
        sched_pod_affinity_unref(e->aff);
    } else {
        e = xcalloc(1, sizeof(*e));
        e->key = xstrdup(p->key);
        HASH_ADD_KEYPTR(hh, c->pods, e->key, strlen(e->key), e);
    }
    e->node = xstrdup(node);
    e->milli_cpu = p->milli_cpu;
    e->mem = p->mem;
    e->priority = p->priority;
    c->nneg += e->priority < 0;
    e->uid = xstrdup(p->uid ? p->uid : "");
    e->terminating = p->terminating;
    e->assumed = assumed;
    if (c->noms)
        drop_nomination(c, p->key); /* placed: it waits no more */
    e->labels = sched_kv_dup(p->labels, p->nlabels);
    e->nlabels = p->nlabels;
    e->aff = has_pod_terms(p->aff) ? sched_pod_affinity_ref(p->aff) : NULL;
    c->nsym += e->aff != NULL;
    charge_at(c, e, 1, at);
    return changed;
}

bool sched_cache_add_pod(sched_cache *c, const sched_pod *p, const char *node)
{
    pthread_mutex_lock(&c->mu);
    bool changed = put_pod(c, p, node, NULL, false);
    pthread_mutex_unlock(&c->mu);
    return changed;
}

static bool drop_pod(sched_cache *c, const char *key, bool only_assumed)
{
    pod_entry *e;
    HASH_FIND_STR(c->pods, key, e);
    if (!e || (only_assumed && !e->assumed))
        return false;
    charge(c, e, -1);
    c->nsym -= e->aff != NULL;
    c->nneg -= e->priority < 0;
    HASH_DEL(c->pods, e);
    pod_entry_free(e);
    return true;
}

bool sched_cache_remove_pod(sched_cache *c, const char *key)
{
    pthread_mutex_lock(&c->mu);
    bool had = drop_pod(c, key, false);
    drop_nomination(c, key);
    pthread_mutex_unlock(&c->mu);
    return had;
}

void sched_cache_forget(sched_cache *c, const char *key)
{
    pthread_mutex_lock(&c->mu);
    drop_pod(c, key, true);
    pthread_mutex_unlock(&c->mu);
}

bool sched_cache_has_pod(sched_cache *c, const char *key)
{
    pthread_mutex_lock(&c->mu);
    pod_entry *e;
    HASH_FIND_STR(c->pods, key, e);
    pthread_mutex_unlock(&c->mu);
    return e != NULL;
}

unsigned sched_filter(const sched_node_info *n, int64_t used_milli_cpu, int64_t used_mem,
                      int64_t used_pods, const sched_pod *p, const sched_taint **taint)
{
    if (!n->ready)
        return SCHED_FIT_NOT_READY;
    if (n->unschedulable)
        return SCHED_FIT_UNSCHEDULABLE;
    for (size_t i = 0; i < n->ntaints; i++) {
        const sched_taint *t = &n->taints[i];
        if (strcmp(t->effect, "PreferNoSchedule") != 0 && !sched_pod_tolerates(p, t)) {
            if (taint)
                *taint = t;
            return SCHED_FIT_TAINT;
        }
    }
    if (p->nselector && !sched_node_selector_matches(n, p))
        return SCHED_FIT_SELECTOR;
    if (p->naffinity && !sched_node_affinity_matches(n, p))
        return SCHED_FIT_AFFINITY;
    unsigned why = 0;
    if (used_pods + 1 > n->alloc_pods)
        why |= SCHED_FIT_PODS;
    if (p->milli_cpu > 0 && used_milli_cpu + p->milli_cpu > n->alloc_milli_cpu)
        why |= SCHED_FIT_CPU;
    if (p->mem > 0 && used_mem + p->mem > n->alloc_mem)
        why |= SCHED_FIT_MEMORY;
    /* VolumeRestrictions' and VolumeBinding's Filters come after
     * NodeResourcesFit. */
    if (!why && p->vol_conflict)
        why = SCHED_FIT_VOLUME_CONFLICT;
    if (!why && p->nvol_affinity && !sched_volumes_fit(n, p))
        why = SCHED_FIT_VOLUME_AFFINITY;
    return why;
}

/* What is in use on a node for p's decision. */
typedef struct usage {
    int64_t milli_cpu, mem, pods;
} usage;

/* Pods nominated to n that come before p (priority at least p's) hold
 * their room there, as kube-scheduler adds them in its Filter. */
static void add_nominated(const sched_cache *c, const node_entry *n, const sched_pod *p,
                          usage *u)
{
    for (const nom_entry *m = c->noms; m; m = m->hh.next)
        if (m->priority >= p->priority && strcmp(m->key, p->key) != 0 &&
            strcmp(m->node, n->info.name) == 0) {
            u->milli_cpu += m->milli_cpu;
            u->mem += m->mem;
            u->pods++;
        }
}

/* The node filter with usage u, then (topo not NULL) the rules between pods. */
static unsigned filter_with(const sched_cache *c, const node_entry *n, usage u,
                            const sched_pod *p, const sched_topo *topo,
                            const sched_taint **taint)
{
    if (c->noms)
        add_nominated(c, n, p, &u);
    unsigned why = sched_filter(&n->info, u.milli_cpu, u.mem, u.pods, p, taint);
    return why || !topo ? why : sched_topo_filter(topo, &n->info);
}

static unsigned entry_filter(const sched_cache *c, const node_entry *n, const sched_pod *p,
                             const sched_topo *topo, const sched_taint **taint)
{
    usage u = {n->used_milli_cpu, n->used_mem, n->used_pods};
    return filter_with(c, n, u, p, topo, taint);
}

/* Reasons and how many nodes gave each, for the message. */
typedef struct reason_count {
    char *text;
    size_t count;
} reason_count;

static void count_reason(reason_count **rc, size_t *n, char *text)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*rc)[i].text, text) == 0) {
            (*rc)[i].count++;
            free(text);
            return;
        }
    *rc = xrealloc(*rc, (*n + 1) * sizeof(**rc));
    (*rc)[(*n)++] = (reason_count){text, 1};
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The message of each SCHED_FIT_* bit, as kube-scheduler words it. */
static const struct {
    unsigned bit;
    const char *text;
} reason_texts[] = {
    {SCHED_FIT_NOT_READY, "node(s) were not ready"},
    {SCHED_FIT_UNSCHEDULABLE, "node(s) were unschedulable"},
    {SCHED_FIT_SELECTOR, "node(s) didn't match Pod's node selector"},
    {SCHED_FIT_AFFINITY, "node(s) didn't match Pod's node affinity/selector"},
    {SCHED_FIT_PODS, "Too many pods"},
    {SCHED_FIT_CPU, "Insufficient cpu"},
    {SCHED_FIT_MEMORY, "Insufficient memory"},
    {SCHED_FIT_SPREAD_LABEL,
     "node(s) didn't match pod topology spread constraints (missing required label)"},
    {SCHED_FIT_SPREAD, "node(s) didn't match pod topology spread constraints"},
    {SCHED_FIT_POD_AFFINITY, "node(s) didn't match pod affinity rules"},
    {SCHED_FIT_POD_ANTI_AFFINITY, "node(s) didn't match pod anti-affinity rules"},
    {SCHED_FIT_EXISTING_ANTI_AFFINITY,
     "node(s) didn't satisfy existing pods anti-affinity rules"},
    {SCHED_FIT_VOLUME_AFFINITY, "node(s) had volume node affinity conflict"},
    {SCHED_FIT_VOLUME_CONFLICT, SCHED_RWOP_CONFLICT},
};

/* "0/3 nodes are available: 1 node(s) didn't match Pod's node selector,
 * 2 Insufficient memory." - counts and reasons sorted as strings, as
 * kube-scheduler's FitError prints them. */
static char *unschedulable_message(sched_cache *c, const sched_pod *p, const sched_topo *topo)
{
    if (c->nsorted == 0)
        return xstrdup("0/0 nodes are available: no nodes available to schedule pods.");
    reason_count *rc = NULL;
    size_t nrc = 0;
    for (size_t i = 0; i < c->nsorted; i++) {
        const sched_taint *t = NULL;
        unsigned why = entry_filter(c, c->sorted[i], p, topo, &t);
        if (why & SCHED_FIT_TAINT)
            count_reason(&rc, &nrc,
                         xasprintf("node(s) had untolerated taint {%s: %s}", t->key, t->value));
        for (size_t j = 0; j < ARRAY_SIZE(reason_texts); j++)
            if (why & reason_texts[j].bit)
                count_reason(&rc, &nrc, xstrdup(reason_texts[j].text));
    }
    char **lines = xcalloc(nrc ? nrc : 1, sizeof(*lines));
    for (size_t i = 0; i < nrc; i++) {
        lines[i] = xasprintf("%zu %s", rc[i].count, rc[i].text);
        free(rc[i].text);
    }
    free(rc);
    qsort(lines, nrc, sizeof(*lines), by_string);
    mk_buf b = {0};
    mk_buf_printf(&b, "0/%zu nodes are available: ", c->nsorted);
    for (size_t i = 0; i < nrc; i++) {
        mk_buf_printf(&b, "%s%s", i ? ", " : "", lines[i]);
        free(lines[i]);
    }
    free(lines);
    mk_buf_puts(&b, ".");
    return mk_buf_steal(&b);
}

static void assume(sched_cache *c, const sched_pod *p, size_t idx, char **node)
{
    node_entry *n = c->sorted[idx];
    c->cursor = (idx + 1) % c->nsorted;
    put_pod(c, p, n->info.name, n, true);
    *node = xstrdup(n->info.name);
}

static const sched_kv *ns_labels(void *ctx, const char *ns, size_t *nlabels)
{
    sched_cache *c = ctx;
    ns_entry *e;
    HASH_FIND_STR(c->namespaces, ns, e);
    *nlabels = e ? e->nlabels : 0;
    return e ? e->labels : NULL;
}

/* What the placed pods imply for p, gathered once (kube-scheduler's
 * PreFilter): O(nodes + pods), paid only where a pod or the cluster uses
 * pod (anti-)affinity, spread constraints or preferred node affinity. */
static sched_topo *gather(sched_cache *c, const sched_pod *p)
{
    sched_topo *t = sched_topo_new(p, ns_labels, c);
    for (size_t i = 0; i < c->nsorted; i++)
        sched_topo_add_node(t, &c->sorted[i]->info);
    bool all = sched_topo_wants_pods(t);
    for (pod_entry *e = c->pods; e && (all || c->nsym); e = e->hh.next) {
        if (!all && !e->aff)
            continue;
        if (!e->n)
            continue;
        char ns[256]; /* the key's first part, a DNS label: 63 at most */
        size_t len = strcspn(e->key, "/");
        len = len < sizeof(ns) ? len : sizeof(ns) - 1;
        memcpy(ns, e->key, len);
        ns[len] = '\0';
        sched_placed placed = {ns, e->labels, e->nlabels, e->aff};
        sched_topo_add_pod(t, &placed, &e->n->info);
    }
    sched_topo_done(t);
    return t;
}

/* Filter every node with t; the best score wins, the first in the
 * round-robin order among equals. -1 when none fits. */
static ssize_t pick_best(sched_cache *c, const sched_pod *p, const sched_topo *t)
{
    size_t *fit = xcalloc(c->nsorted, sizeof(*fit)), nfit = 0;
    sched_raw_score *raw = xcalloc(c->nsorted, sizeof(*raw));
    for (size_t i = 0; i < c->nsorted; i++) {
        size_t idx = (c->cursor + i) % c->nsorted;
        if (entry_filter(c, c->sorted[idx], p, t, NULL) == 0) {
            sched_topo_score(t, &c->sorted[idx]->info, &raw[nfit]);
            fit[nfit++] = idx;
        }
    }
    int64_t *total = xcalloc(nfit ? nfit : 1, sizeof(*total));
    sched_scores_total(raw, nfit, total);
    ssize_t best = -1;
    for (size_t i = 0; i < nfit; i++)
        if (best < 0 || total[i] > total[best])
            best = (ssize_t)i;
    ssize_t idx = best < 0 ? -1 : (ssize_t)fit[best];
    free(total);
    free(raw);
    free(fit);
    return idx;
}

/* The first node that fits, from the round-robin cursor on. */
static ssize_t pick_first(sched_cache *c, const sched_pod *p, const sched_topo *t)
{
    for (size_t i = 0; i < c->nsorted; i++) {
        size_t idx = (c->cursor + i) % c->nsorted;
        if (entry_filter(c, c->sorted[idx], p, t, NULL) == 0)
            return (ssize_t)idx;
    }
    return -1;
}

/* A pod that preempted others tries the node it made room on first. */
static ssize_t pick_nominated(sched_cache *c, const sched_pod *p, const sched_topo *t)
{
    nom_entry *m;
    HASH_FIND_STR(c->noms, p->key, m);
    node_entry *n = NULL;
    if (m)
        HASH_FIND_STR(c->nodes, m->node, n);
    return n && entry_filter(c, n, p, t, NULL) == 0 ? (ssize_t)n->idx : -1;
}

int sched_cache_schedule(sched_cache *c, const sched_pod *p, char **node, char **why)
{
    *node = NULL;
    *why = NULL;
    pthread_mutex_lock(&c->mu);
    ensure_sorted(c);
    /* The fast path: nothing here looks at other pods or scores. */
    sched_topo *t = p->aff || c->nsym ? gather(c, p) : NULL;
    ssize_t idx = c->noms ? pick_nominated(c, p, t) : -1;
    if (idx < 0)
        idx = t && sched_topo_scoring(t) ? pick_best(c, p, t) : pick_first(c, p, t);
    if (idx >= 0)
        assume(c, p, (size_t)idx, node);
    else
        *why = unschedulable_message(c, p, t);
    sched_topo_free(t);
    pthread_mutex_unlock(&c->mu);
    return idx >= 0 ? 0 : -1;
}

void sched_cache_set_namespace(sched_cache *c, json_object *ns)
{
    const char *name = mk_json_str(ns, "metadata.name");
    if (!name)
        return;
    pthread_mutex_lock(&c->mu);
    ns_entry *e;
    HASH_FIND_STR(c->namespaces, name, e);
    if (!e) {
        e = xcalloc(1, sizeof(*e));
        e->name = xstrdup(name);
        HASH_ADD_KEYPTR(hh, c->namespaces, e->name, strlen(e->name), e);
    }
    sched_kv_free(e->labels, e->nlabels);
    sched_kv_parse(mk_json_path(ns, "metadata.labels"), &e->labels, &e->nlabels);
    pthread_mutex_unlock(&c->mu);
}

void sched_cache_remove_namespace(sched_cache *c, const char *name)
{
    pthread_mutex_lock(&c->mu);
    ns_entry *e;
    HASH_FIND_STR(c->namespaces, name, e);
    if (e) {
        HASH_DEL(c->namespaces, e);
        ns_entry_free(e);
    }
    pthread_mutex_unlock(&c->mu);
}

/* ---- preemption ---- */

void sched_victims_clear(sched_victims *v)
{
    for (size_t i = 0; i < v->n; i++) {
        free(v->v[i].ns);
        free(v->v[i].name);
        free(v->v[i].uid);
    }
    free(v->v);
    *v = (sched_victims){0};
}

/* One node's case: its pods of lower priority, and those that must go. */
typedef struct candidate {
    pod_entry **lower;
    size_t nlower;
    pod_entry **victims;
    size_t nvictims;
    size_t nviolating; /* victims whose going breaks a budget */
    int64_t top, sum;  /* highest and summed victim priority */
} candidate;

static int more_important(const void *a, const void *b)
{
    const pod_entry *x = *(pod_entry *const *)a, *y = *(pod_entry *const *)b;
    if (x->priority != y->priority)
        return x->priority > y->priority ? -1 : 1;
    return strcmp(x->key, y->key);
}

static void add_use(usage *u, const pod_entry *e, int sign)
{
    u->milli_cpu += sign * e->milli_cpu;
    u->mem += sign * e->mem;
    u->pods += sign;
}

static bool pdb_selects(const pdb_entry *b, const pod_entry *e)
{
    size_t nslen = strcspn(e->key, "/");
    /* an empty or absent selector selects nothing here, as Kubernetes' */
    if (strncmp(b->key, e->key, nslen + 1) != 0 || !b->sel.nexprs)
        return false;
    if (!sched_selector_matches(&b->sel, e->labels, e->nlabels))
        return false;
    for (size_t i = 0; i < b->ndisrupted; i++)
        if (!strcmp(b->disrupted[i], e->key + nslen + 1))
            return false; /* counted by the budget already */
    return true;
}

/* filterPodsWithPDBViolation: pods in order of importance spend their
 * budgets' allowance; a pod that takes one below 0 would break it. */
static bool *pdb_violations(const sched_cache *c, pod_entry *const *pods, size_t n)
{
    bool *viol = xcalloc(n ? n : 1, sizeof(*viol));
    size_t nb = HASH_COUNT(c->pdbs);
    if (!nb)
        return viol;
    int64_t *left = xcalloc(nb, sizeof(*left));
    size_t i = 0;
    for (const pdb_entry *b = c->pdbs; b; b = b->hh.next)
        left[i++] = b->allowed;
    for (size_t k = 0; k < n; k++) {
        if (!pods[k]->nlabels)
            continue;
        i = 0;
        for (const pdb_entry *b = c->pdbs; b; b = b->hh.next, i++)
            if (pdb_selects(b, pods[k]) && --left[i] < 0)
                viol[k] = true;
    }
    free(left);
    return viol;
}

/* SelectVictimsOnNode: false when even removing every lower pod leaves no
 * room. Otherwise pods are put back while p still fits: those whose going
 * would break a budget first, then the others, each in order of
 * importance. */
static bool select_victims(const sched_cache *c, const node_entry *n, const sched_pod *p,
                           const sched_topo *t, candidate *cd)
{
    usage u = {n->used_milli_cpu, n->used_mem, n->used_pods};
    for (size_t i = 0; i < cd->nlower; i++)
        add_use(&u, cd->lower[i], -1);
    if (filter_with(c, n, u, p, t, NULL) != 0)
        return false;
    qsort(cd->lower, cd->nlower, sizeof(*cd->lower), more_important);
    bool *viol = pdb_violations(c, cd->lower, cd->nlower);
    cd->victims = xcalloc(cd->nlower, sizeof(*cd->victims));
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < cd->nlower; i++) {
            if (viol[i] != (pass == 0))
                continue;
            usage with = u;
            add_use(&with, cd->lower[i], 1);
            if (filter_with(c, n, with, p, t, NULL) == 0) {
                u = with; /* reprieved */
                continue;
            }
            pod_entry *v = cd->lower[i];
            cd->victims[cd->nvictims++] = v;
            cd->nviolating += viol[i];
            cd->top = cd->nvictims == 1 || v->priority > cd->top ? v->priority : cd->top;
            cd->sum += v->priority;
        }
    free(viol);
    return true;
}

/* pickOneNodeForPreemption. */
static bool better(const candidate *a, const candidate *b)
{
    if (a->nviolating != b->nviolating)
        return a->nviolating < b->nviolating;
    if (a->top != b->top)
        return a->top < b->top;
    if (a->sum != b->sum)
        return a->sum < b->sum;
    return a->nvictims < b->nvictims;
}

/* PodEligibleToPreemptOthers: not while pods it preempted before are
 * still going from the node it was nominated to. */
static bool eligible(const sched_cache *c, const sched_pod *p)
{
    if (p->preempt_never)
        return false;
    nom_entry *m;
    HASH_FIND_STR(c->noms, p->key, m);
    if (!m)
        return true;
    for (const pod_entry *e = c->pods; e; e = e->hh.next)
        if (e->terminating && e->priority < p->priority && !strcmp(e->node, m->node))
            return false;
    return true;
}

static void nominate(sched_cache *c, const sched_pod *p, const char *node)
{
    drop_nomination(c, p->key);
    if (!node || !*node)
        return;
    nom_entry *m = xcalloc(1, sizeof(*m));
    *m = (nom_entry){.key = xstrdup(p->key),
                     .node = xstrdup(node),
                     .priority = p->priority,
                     .milli_cpu = p->milli_cpu,
                     .mem = p->mem};
    HASH_ADD_KEYPTR(hh, c->noms, m->key, strlen(m->key), m);
}

static char *pdb_key(json_object *pdb)
{
    return xasprintf("%s/%s", mk_json_str(pdb, "metadata.namespace") ?: "default",
                     mk_json_str(pdb, "metadata.name") ?: "");
}

void sched_cache_set_pdb(sched_cache *c, json_object *pdb)
{
    pdb_entry *e = xcalloc(1, sizeof(*e));
    e->key = pdb_key(pdb);
    sched_selector_parse(mk_json_path(pdb, "spec.selector"), &e->sel);
    e->allowed = mk_json_int(pdb, "status.disruptionsAllowed", 0);
    json_object *d = mk_json_path(pdb, "status.disruptedPods");
    if (json_object_is_type(d, json_type_object)) {
        e->disrupted = xcalloc((size_t)json_object_object_length(d) + 1, sizeof(char *));
        json_object_object_foreach(d, name, v)
        {
            (void)v;
            e->disrupted[e->ndisrupted++] = xstrdup(name);
        }
    }
    pthread_mutex_lock(&c->mu);
    pdb_entry *old;
    HASH_FIND_STR(c->pdbs, e->key, old);
    if (old) {
        HASH_DEL(c->pdbs, old);
        pdb_entry_free(old);
    }
    HASH_ADD_KEYPTR(hh, c->pdbs, e->key, strlen(e->key), e);
    pthread_mutex_unlock(&c->mu);
}

void sched_cache_remove_pdb(sched_cache *c, json_object *pdb)
{
    _cleanup_free_ char *key = pdb_key(pdb);
    pthread_mutex_lock(&c->mu);
    pdb_entry *e;
    HASH_FIND_STR(c->pdbs, key, e);
    if (e) {
        HASH_DEL(c->pdbs, e);
        pdb_entry_free(e);
    }
    pthread_mutex_unlock(&c->mu);
}

void sched_cache_nominate(sched_cache *c, const sched_pod *p, const char *node)
{
    pthread_mutex_lock(&c->mu);
    nominate(c, p, node);
    pthread_mutex_unlock(&c->mu);
}

static void victims_of(const candidate *cd, sched_victims *v)
{
    v->v = xcalloc(cd->nvictims ? cd->nvictims : 1, sizeof(*v->v));
    for (size_t i = 0; i < cd->nvictims; i++) {
        const pod_entry *e = cd->victims[i];
        size_t nslen = strcspn(e->key, "/");
        v->v[v->n++] = (sched_victim){xstrndup(e->key, nslen), xstrdup(e->key + nslen + 1),
                                      xstrdup(e->uid), e->priority};
    }
}

/* Every node's lower-priority pods, in one walk over the pods. */
static candidate *gather_lower(sched_cache *c, const sched_pod *p)
{
    candidate *cds = xcalloc(c->nsorted, sizeof(*cds));
    for (pod_entry *e = c->pods; e; e = e->hh.next) {
        if (!e->n || e->terminating || e->priority >= p->priority)
            continue;
        candidate *cd = &cds[e->n->idx];
        cd->lower = xrealloc(cd->lower, (cd->nlower + 1) * sizeof(*cd->lower));
        cd->lower[cd->nlower++] = e;
    }
    return cds;
}

int sched_cache_preempt(sched_cache *c, const sched_pod *p, char **node, sched_victims *v)
{
    *node = NULL;
    *v = (sched_victims){0};
    pthread_mutex_lock(&c->mu);
    ensure_sorted(c);
    if (!c->nsorted || (p->priority <= 0 && !c->nneg) || !eligible(c, p)) {
        pthread_mutex_unlock(&c->mu);
        return -1;
    }
    sched_topo *t = p->aff || c->nsym ? gather(c, p) : NULL;
    candidate *cds = gather_lower(c, p);
    ssize_t best = -1;
    for (size_t i = 0; i < c->nsorted; i++)
        if (cds[i].nlower && select_victims(c, c->sorted[i], p, t, &cds[i]) &&
            cds[i].nvictims && (best < 0 || better(&cds[i], &cds[best])))
            best = (ssize_t)i;
    if (best >= 0) {
        *node = xstrdup(c->sorted[best]->info.name);
        victims_of(&cds[best], v);
        nominate(c, p, *node);
    }
    for (size_t i = 0; i < c->nsorted; i++) {
        free(cds[i].lower);
        free(cds[i].victims);
    }
    free(cds);
    sched_topo_free(t);
    pthread_mutex_unlock(&c->mu);
    return best >= 0 ? 0 : -1;
}
