#include "scheduler/topology.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <uthash.h>

#include "scheduler/cache.h"
#include "store/util.h"

/* kube-scheduler's default plugin weights, and its MaxNodeScore. */
#define PLUGIN_WEIGHT  2
#define MAX_NODE_SCORE 100
/* An existing pod's required affinity, scored for the incoming pod it
 * matches (kube-scheduler's hardPodAffinityWeight). */
#define HARD_POD_AFFINITY_WEIGHT 1

/* A count per topology pair "key\x1fvalue". */
typedef struct tp_entry {
    char *pair;
    int64_t n;
    UT_hash_handle hh;
} tp_entry;

/* One spread constraint of the incoming pod. */
typedef struct spread_state {
    const sched_spread *c;
    tp_entry *counts; /* per domain (pair) of the nodes counted */
    size_t ndomains;
    int64_t min;   /* the fewest matching pods in a domain */
    int64_t self;  /* 1 if the incoming pod matches its own selector */
    double weight; /* score: log(domains + 2), as kube-scheduler */
} spread_state;

struct sched_topo {
    const sched_pod *p;
    const sched_pod_affinity *a; /* p->aff; never NULL (an empty one stands in) */
    sched_ns_labels_fn ns_labels;
    void *ctx;
    tp_entry *affinity;      /* pods matching all of p's required affinity terms */
    tp_entry *anti;          /* pods matching one of p's required anti-affinity terms */
    tp_entry *existing_anti; /* domains whose pods' required anti-affinity match p */
    tp_entry *preferred;     /* preferred weights, p's terms and the placed pods' */
    spread_state *spread;
    size_t nspread;
};

static const sched_pod_affinity no_affinity;

/* "key\x1fvalue" into buf (label keys and values are short: a longer
 * pair is cut, which only merges pairs no valid label makes). */
static void pair_key(char *buf, size_t len, const char *key, const char *value)
{
    size_t k = strlen(key), v = strlen(value);
    k = k < len / 2 ? k : len / 2 - 1;
    v = v < len / 2 ? v : len / 2 - 1;
    memcpy(buf, key, k);
    buf[k] = '\x1f';
    memcpy(buf + k + 1, value, v);
    buf[k + 1 + v] = '\0';
}

static tp_entry *tp_find(tp_entry *m, const char *key, const char *value)
{
    char buf[512];
    pair_key(buf, sizeof(buf), key, value);
    tp_entry *e;
    HASH_FIND_STR(m, buf, e);
    return e;
}

static void tp_add(tp_entry **m, const char *key, const char *value, int64_t n)
{
    tp_entry *e = tp_find(*m, key, value);
    if (!e) {
        char buf[512];
        pair_key(buf, sizeof(buf), key, value);
        e = xcalloc(1, sizeof(*e));
        e->pair = xstrdup(buf);
        HASH_ADD_KEYPTR(hh, *m, e->pair, strlen(e->pair), e);
    }
    e->n += n;
}

static int64_t tp_get(tp_entry *m, const char *key, const char *value)
{
    tp_entry *e = value ? tp_find(m, key, value) : NULL;
    return e ? e->n : 0;
}

static void tp_free(tp_entry **m)
{
    tp_entry *e, *tmp;
    HASH_ITER(hh, *m, e, tmp)
    {
        HASH_DEL(*m, e);
        free(e->pair);
        free(e);
    }
}

static const char *label(const sched_node_info *n, const char *key)
{
    return sched_label(n->labels, n->nlabels, key);
}

/* Does a term (of a pod in owner_ns) select a pod in ns with labels? */
static bool term_matches(const sched_topo *t, const sched_pod_term *term, const char *owner_ns,
                         const char *ns, const sched_kv *labels, size_t nlabels)
{
    bool in_ns = term->nnamespaces == 0 && !term->ns_sel.set && strcmp(owner_ns, ns) == 0;
    for (size_t i = 0; i < term->nnamespaces && !in_ns; i++)
        in_ns = strcmp(term->namespaces[i], ns) == 0;
    if (!in_ns && term->ns_sel.set) {
        size_t nl = 0;
        const sched_kv *nsl = t->ns_labels ? t->ns_labels(t->ctx, ns, &nl) : NULL;
        in_ns =
            term->ns_sel.nexprs == 0 || (nsl && sched_selector_matches(&term->ns_sel, nsl, nl));
    }
    return in_ns && sched_selector_matches(&term->sel, labels, nlabels);
}

sched_topo *sched_topo_new(const sched_pod *p, sched_ns_labels_fn ns_labels, void *ctx)
{
    sched_topo *t = xcalloc(1, sizeof(*t));
    t->p = p;
    t->a = p->aff ? p->aff : &no_affinity;
    t->ns_labels = ns_labels;
    t->ctx = ctx;
    t->nspread = t->a->nspread;
    t->spread = t->nspread ? xcalloc(t->nspread, sizeof(*t->spread)) : NULL;
    for (size_t i = 0; i < t->nspread; i++) {
        t->spread[i].c = &t->a->spread[i];
        t->spread[i].self = sched_selector_matches(&t->a->spread[i].sel, p->labels, p->nlabels);
    }
    return t;
}

void sched_topo_free(sched_topo *t)
{
    if (!t)
        return;
    tp_free(&t->affinity);
    tp_free(&t->anti);
    tp_free(&t->existing_anti);
    tp_free(&t->preferred);
    for (size_t i = 0; i < t->nspread; i++)
        tp_free(&t->spread[i].counts);
    free(t->spread);
    free(t);
}

bool sched_topo_wants_pods(const sched_topo *t)
{
    const sched_pod_affinity *a = t->a;
    return a->naffinity || a->nanti || a->npref_affinity || a->npref_anti || a->nspread;
}

/* Does a node carry the topology keys of every constraint of one kind
 * (hard or soft)? kube-scheduler counts and places only on those. */
static bool has_spread_keys(const sched_topo *t, const sched_node_info *n, bool hard)
{
    for (size_t i = 0; i < t->nspread; i++)
        if (t->spread[i].c->hard == hard && !label(n, t->spread[i].c->topology_key))
            return false;
    return true;
}

/* nodeAffinityPolicy (Honor: the pod's nodeSelector and required
 * affinity) and nodeTaintsPolicy (Honor: its tolerations) decide which
 * nodes' pods and domains a constraint counts. */
static bool spread_counts_node(const sched_topo *t, const spread_state *s,
                               const sched_node_info *n)
{
    if (!has_spread_keys(t, n, s->c->hard))
        return false;
    if (!s->c->ignore_affinity &&
        (!sched_node_selector_matches(n, t->p) || !sched_node_affinity_matches(n, t->p)))
        return false;
    for (size_t i = 0; s->c->honor_taints && i < n->ntaints; i++)
        if (strcmp(n->taints[i].effect, "PreferNoSchedule") != 0 &&
            !sched_pod_tolerates(t->p, &n->taints[i]))
            return false;
    return true;
}

void sched_topo_add_node(sched_topo *t, const sched_node_info *n)
{
    for (size_t i = 0; i < t->nspread; i++)
        if (spread_counts_node(t, &t->spread[i], n))
            tp_add(&t->spread[i].counts, t->spread[i].c->topology_key,
                   label(n, t->spread[i].c->topology_key), 0);
}

/* A placed pod's own terms that select the incoming pod: its required
 * anti-affinity keeps p out of its domain; its affinity and preferred
 * terms score (kube-scheduler's symmetric rules). */
static void add_existing_terms(sched_topo *t, const sched_placed *e, const sched_node_info *n)
{
    const sched_pod *p = t->p;
    const sched_pod_affinity *ea = e->aff;
    for (size_t i = 0; i < ea->nanti; i++) {
        const char *v = label(n, ea->anti[i].topology_key);
        if (v && term_matches(t, &ea->anti[i], e->ns, p->ns, p->labels, p->nlabels))
            tp_add(&t->existing_anti, ea->anti[i].topology_key, v, 1);
    }
    const struct {
        const sched_pod_term *terms;
        size_t n;
        int sign;
    } sets[] = {{ea->affinity, ea->naffinity, 1},
                {ea->pref_affinity, ea->npref_affinity, 1},
                {ea->pref_anti, ea->npref_anti, -1}};
    for (size_t s = 0; s < ARRAY_SIZE(sets); s++)
        for (size_t i = 0; i < sets[s].n; i++) {
            const sched_pod_term *term = &sets[s].terms[i];
            const char *v = label(n, term->topology_key);
            int64_t w = s == 0 ? HARD_POD_AFFINITY_WEIGHT : term->weight;
            if (v && term_matches(t, term, e->ns, p->ns, p->labels, p->nlabels))
                tp_add(&t->preferred, term->topology_key, v, sets[s].sign * w);
        }
}

/* The incoming pod's terms that select a placed pod. */
static void add_own_terms(sched_topo *t, const sched_placed *e, const sched_node_info *n)
{
    const sched_pod_affinity *a = t->a;
    const char *ns = t->p->ns;
    bool all = a->naffinity > 0;
    for (size_t i = 0; i < a->naffinity && all; i++)
        all = term_matches(t, &a->affinity[i], ns, e->ns, e->labels, e->nlabels);
    for (size_t i = 0; all && i < a->naffinity; i++) {
        const char *v = label(n, a->affinity[i].topology_key);
        if (v)
            tp_add(&t->affinity, a->affinity[i].topology_key, v, 1);
    }
    for (size_t i = 0; i < a->nanti; i++) {
        const char *v = label(n, a->anti[i].topology_key);
        if (v && term_matches(t, &a->anti[i], ns, e->ns, e->labels, e->nlabels))
            tp_add(&t->anti, a->anti[i].topology_key, v, 1);
    }
    for (int s = 0; s < 2; s++) {
        const sched_pod_term *terms = s ? a->pref_anti : a->pref_affinity;
        size_t nterms = s ? a->npref_anti : a->npref_affinity;
        for (size_t i = 0; i < nterms; i++) {
            const char *v = label(n, terms[i].topology_key);
            if (v && term_matches(t, &terms[i], ns, e->ns, e->labels, e->nlabels))
                tp_add(&t->preferred, terms[i].topology_key, v,
                       s ? -terms[i].weight : terms[i].weight);
        }
    }
    for (size_t i = 0; i < t->nspread; i++) {
        spread_state *s = &t->spread[i];
        if (strcmp(e->ns, ns) == 0 &&
            sched_selector_matches(&s->c->sel, e->labels, e->nlabels) &&
            spread_counts_node(t, s, n))
            tp_add(&s->counts, s->c->topology_key, label(n, s->c->topology_key), 1);
    }
}

void sched_topo_add_pod(sched_topo *t, const sched_placed *e, const sched_node_info *n)
{
    if (e->aff)
        add_existing_terms(t, e, n);
    if (sched_topo_wants_pods(t))
        add_own_terms(t, e, n);
}

void sched_topo_done(sched_topo *t)
{
    for (size_t i = 0; i < t->nspread; i++) {
        spread_state *s = &t->spread[i];
        s->ndomains = HASH_COUNT(s->counts);
        s->min = INT64_MAX;
        for (tp_entry *e = s->counts; e; e = e->hh.next)
            if (e->n < s->min)
                s->min = e->n;
        /* Fewer domains than minDomains: the missing ones count as empty. */
        if (s->min == INT64_MAX || (s->c->hard && (int64_t)s->ndomains < s->c->min_domains))
            s->min = 0;
        s->weight = log((double)s->ndomains + 2);
    }
}

static unsigned spread_filter(const sched_topo *t, const sched_node_info *n)
{
    if (!has_spread_keys(t, n, true))
        return SCHED_FIT_SPREAD_LABEL;
    for (size_t i = 0; i < t->nspread; i++) {
        const spread_state *s = &t->spread[i];
        if (!s->c->hard)
            continue;
        const char *key = s->c->topology_key;
        if (tp_get(s->counts, key, label(n, key)) + s->self - s->min > s->c->max_skew)
            return SCHED_FIT_SPREAD;
    }
    return 0;
}

/* Required affinity: every term's domain holds a pod matching all terms;
 * or no pod anywhere does and p matches its own terms (the first of a
 * group that wants to be together), on a node with every topology key. */
static bool affinity_holds(const sched_topo *t, const sched_node_info *n)
{
    const sched_pod_affinity *a = t->a;
    bool found = true;
    for (size_t i = 0; i < a->naffinity; i++) {
        const char *v = label(n, a->affinity[i].topology_key);
        if (!v)
            return false;
        if (tp_get(t->affinity, a->affinity[i].topology_key, v) <= 0)
            found = false;
    }
    if (found || t->affinity)
        return found;
    for (size_t i = 0; i < a->naffinity; i++)
        if (!term_matches(t, &a->affinity[i], t->p->ns, t->p->ns, t->p->labels, t->p->nlabels))
            return false;
    return true;
}

unsigned sched_topo_filter(const sched_topo *t, const sched_node_info *n)
{
    const sched_pod_affinity *a = t->a;
    unsigned why = t->nspread ? spread_filter(t, n) : 0;
    if (why)
        return why;
    if (a->naffinity && !affinity_holds(t, n))
        return SCHED_FIT_POD_AFFINITY;
    for (size_t i = 0; i < a->nanti; i++)
        if (tp_get(t->anti, a->anti[i].topology_key, label(n, a->anti[i].topology_key)) > 0)
            return SCHED_FIT_POD_ANTI_AFFINITY;
    for (size_t i = 0; t->existing_anti && i < n->nlabels; i++)
        if (tp_get(t->existing_anti, n->labels[i].key, n->labels[i].value) > 0)
            return SCHED_FIT_EXISTING_ANTI_AFFINITY;
    return 0;
}

bool sched_topo_scoring(const sched_topo *t)
{
    bool soft_spread = false;
    for (size_t i = 0; i < t->nspread; i++)
        soft_spread |= !t->spread[i].c->hard;
    return t->a->npreferred || t->preferred || soft_spread;
}

void sched_topo_score(const sched_topo *t, const sched_node_info *n, sched_raw_score *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < t->a->npreferred; i++)
        if (sched_node_term_matches(n, &t->a->preferred[i].term))
            out->node_affinity += t->a->preferred[i].weight;
    for (size_t i = 0; t->preferred && i < n->nlabels; i++)
        out->inter_pod += tp_get(t->preferred, n->labels[i].key, n->labels[i].value);
    out->spread_ignored = !has_spread_keys(t, n, false);
    double spread = 0;
    for (size_t i = 0; i < t->nspread && !out->spread_ignored; i++) {
        const spread_state *s = &t->spread[i];
        if (s->c->hard)
            continue;
        const char *key = s->c->topology_key;
        spread += (double)tp_get(s->counts, key, label(n, key)) * s->weight +
                  (double)(s->c->max_skew - 1);
    }
    out->spread = (int64_t)llround(spread);
}

void sched_scores_total(const sched_raw_score *raw, size_t n, int64_t *total)
{
    /* As kube-scheduler: the inter-pod range always includes 0. */
    int64_t aff_max = 0, ip_min = 0, ip_max = 0, sp_min = INT64_MAX, sp_max = 0;
    for (size_t i = 0; i < n; i++) {
        aff_max = raw[i].node_affinity > aff_max ? raw[i].node_affinity : aff_max;
        ip_min = raw[i].inter_pod < ip_min ? raw[i].inter_pod : ip_min;
        ip_max = raw[i].inter_pod > ip_max ? raw[i].inter_pod : ip_max;
        if (raw[i].spread_ignored)
            continue;
        sp_min = raw[i].spread < sp_min ? raw[i].spread : sp_min;
        sp_max = raw[i].spread > sp_max ? raw[i].spread : sp_max;
    }
    for (size_t i = 0; i < n; i++) {
        int64_t aff = aff_max > 0 ? raw[i].node_affinity * MAX_NODE_SCORE / aff_max : 0;
        int64_t ip = ip_max > ip_min ? (int64_t)((double)MAX_NODE_SCORE *
                                                 (double)(raw[i].inter_pod - ip_min) /
                                                 (double)(ip_max - ip_min))
                                     : 0;
        /* Fewer matching pods is better; nodes without the keys score 0. */
        int64_t sp = raw[i].spread_ignored ? 0
                     : sp_max == 0
                         ? MAX_NODE_SCORE
                         : MAX_NODE_SCORE * (sp_max + sp_min - raw[i].spread) / sp_max;
        total[i] = PLUGIN_WEIGHT * (aff + ip + sp);
    }
}
