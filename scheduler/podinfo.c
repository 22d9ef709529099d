#include "scheduler/podinfo.h"

#include <stdio.h>
#include <string.h>

#include "store/codec.h"
#include "store/quantity.h"
#include "store/util.h"

static const char *str_or_empty(json_object *o, const char *path)
{
    const char *s = mk_json_str(o, path);
    return s ? s : "";
}

/* Copy a string map ({"k":"v"}) into an array of pairs. */
void sched_kv_parse(json_object *map, sched_kv **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!map || !json_object_is_type(map, json_type_object))
        return;
    size_t len = (size_t)json_object_object_length(map);
    if (len == 0)
        return;
    *out = xcalloc(len, sizeof(**out));
    json_object_object_foreach(map, k, v)
    {
        const char *s =
            json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
        (*out)[*n].key = xstrdup(k);
        (*out)[*n].value = xstrdup(s);
        (*n)++;
    }
}

void sched_kv_free(sched_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

sched_kv *sched_kv_dup(const sched_kv *kv, size_t n)
{
    sched_kv *d = n ? xcalloc(n, sizeof(*d)) : NULL;
    for (size_t i = 0; i < n; i++)
        d[i] = (sched_kv){xstrdup(kv[i].key), xstrdup(kv[i].value)};
    return d;
}

/* One resource of one container: requests, else limits (API defaulting). */
static int64_t container_request(json_object *ctr, const char *res, bool milli)
{
    char path[64];
    snprintf(path, sizeof(path), "resources.requests.%s", res);
    const char *s = mk_json_str(ctr, path);
    if (!s) {
        snprintf(path, sizeof(path), "resources.limits.%s", res);
        s = mk_json_str(ctr, path);
    }
    if (!s)
        return 0;
    int64_t v = milli ? quantity_parse_milli(s) : quantity_parse_value(s);
    return v > 0 ? v : 0;
}

/* Sum over containers; init containers run one at a time before them, so
 * the pod needs the larger of the sum and the biggest init container. */
static void pod_requests(json_object *spec, sched_pod *p)
{
    json_object *ctrs = mk_json_path(spec, "containers");
    size_t n = mk_json_array_len(ctrs);
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(ctrs, i);
        p->milli_cpu += container_request(c, "cpu", true);
        p->mem += container_request(c, "memory", false);
    }
    json_object *init = mk_json_path(spec, "initContainers");
    n = mk_json_array_len(init);
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(init, i);
        int64_t cpu = container_request(c, "cpu", true),
                mem = container_request(c, "memory", false);
        if (cpu > p->milli_cpu)
            p->milli_cpu = cpu;
        if (mem > p->mem)
            p->mem = mem;
    }
}

static void tolerations_parse(json_object *arr, sched_pod *p)
{
    size_t n = mk_json_array_len(arr);
    if (n == 0)
        return;
    p->tolerations = xcalloc(n, sizeof(*p->tolerations));
    for (size_t i = 0; i < n; i++) {
        json_object *t = json_object_array_get_idx(arr, i);
        sched_toleration *d = &p->tolerations[p->ntolerations++];
        d->key = xstrdup(str_or_empty(t, "key"));
        d->op = xstrdup(mk_json_str(t, "operator") ? mk_json_str(t, "operator") : "Equal");
        d->value = xstrdup(str_or_empty(t, "value"));
        d->effect = xstrdup(str_or_empty(t, "effect"));
    }
}

char **sched_strv_dup(char *const *v, size_t n)
{
    char **d = xcalloc(n + 1, sizeof *d);
    for (size_t i = 0; i < n; i++)
        d[i] = xstrdup(v[i]);
    return d;
}

static sched_op op_code(const char *op)
{
    static const char *const names[] = {"",   "In", "NotIn", "Exists", "DoesNotExist",
                                        "Gt", "Lt"};
    for (size_t i = 1; i < ARRAY_SIZE(names); i++)
        if (strcmp(op, names[i]) == 0)
            return (sched_op)i;
    return SCHED_OP_UNKNOWN;
}

static void expr_parse(json_object *e, bool field, sched_expr *d)
{
    json_object *vals = mk_json_path(e, "values");
    size_t n = mk_json_array_len(vals);
    d->key = xstrdup(str_or_empty(e, "key"));
    d->op = xstrdup(str_or_empty(e, "operator"));
    d->code = op_code(d->op);
    d->field = field;
    d->values = xcalloc(n + 1, sizeof *d->values);
    for (size_t i = 0; i < n; i++) {
        const char *v = json_object_get_string(json_object_array_get_idx(vals, i));
        d->values[d->nvalues++] = xstrdup(v ? v : "");
    }
}

/* A nodeSelectorTerm: matchExpressions on labels, matchFields. */
void sched_term_parse(json_object *t, sched_term *d)
{
    json_object *lists[] = {mk_json_path(t, "matchExpressions"),
                            mk_json_path(t, "matchFields")};
    d->exprs = xcalloc(mk_json_array_len(lists[0]) + mk_json_array_len(lists[1]) + 1,
                       sizeof *d->exprs);
    for (int l = 0; l < 2; l++)
        for (size_t j = 0; j < mk_json_array_len(lists[l]); j++)
            expr_parse(json_object_array_get_idx(lists[l], j), l == 1, &d->exprs[d->nexprs++]);
}

static void affinity_parse(json_object *terms, sched_pod *p)
{
    size_t n = mk_json_array_len(terms);
    if (!n)
        return;
    p->affinity = xcalloc(n, sizeof *p->affinity);
    for (size_t i = 0; i < n; i++)
        sched_term_parse(json_object_array_get_idx(terms, i), &p->affinity[p->naffinity++]);
}

/* A LabelSelector; each of keys (matchLabelKeys, or with op NotIn
 * mismatchLabelKeys) adds "key op [the pod's value]" where the pod has
 * that label, as Kubernetes merges them. */
static void selector_parse(json_object *sel, json_object *keys, json_object *mismatch,
                           const sched_pod *p, sched_selector *d)
{
    memset(d, 0, sizeof(*d));
    if (!sel || !json_object_is_type(sel, json_type_object))
        return;
    d->set = true;
    json_object *labels = mk_json_path(sel, "matchLabels"),
                *exprs = mk_json_path(sel, "matchExpressions");
    size_t nl = labels && json_object_is_type(labels, json_type_object)
                    ? (size_t)json_object_object_length(labels)
                    : 0;
    d->exprs = xcalloc(nl + mk_json_array_len(exprs) + mk_json_array_len(keys) +
                           mk_json_array_len(mismatch) + 1,
                       sizeof *d->exprs);
    if (nl) {
        json_object_object_foreach(labels, k, v)
        {
            sched_expr *e = &d->exprs[d->nexprs++];
            e->key = xstrdup(k);
            e->op = xstrdup("In");
            e->code = SCHED_OP_IN;
            e->values = xcalloc(2, sizeof *e->values);
            e->values[0] = xstrdup(json_object_get_string(v) ? json_object_get_string(v) : "");
            e->nvalues = 1;
        }
    }
    for (size_t i = 0; i < mk_json_array_len(exprs); i++)
        expr_parse(json_object_array_get_idx(exprs, i), false, &d->exprs[d->nexprs++]);
    for (int m = 0; m < 2; m++) {
        json_object *list = m ? mismatch : keys;
        for (size_t i = 0; i < mk_json_array_len(list); i++) {
            const char *k = json_object_get_string(json_object_array_get_idx(list, i));
            const char *v = k ? sched_label(p->labels, p->nlabels, k) : NULL;
            if (!v)
                continue;
            sched_expr *e = &d->exprs[d->nexprs++];
            e->key = xstrdup(k);
            e->op = xstrdup(m ? "NotIn" : "In");
            e->code = m ? SCHED_OP_NOT_IN : SCHED_OP_IN;
            e->values = xcalloc(2, sizeof *e->values);
            e->values[0] = xstrdup(v);
            e->nvalues = 1;
        }
    }
}

static void pod_term_parse(json_object *t, int32_t weight, const sched_pod *p,
                           sched_pod_term *d)
{
    d->weight = weight;
    selector_parse(mk_json_path(t, "labelSelector"), mk_json_path(t, "matchLabelKeys"),
                   mk_json_path(t, "mismatchLabelKeys"), p, &d->sel);
    json_object *ns = mk_json_path(t, "namespaces");
    d->namespaces = xcalloc(mk_json_array_len(ns) + 1, sizeof *d->namespaces);
    for (size_t i = 0; i < mk_json_array_len(ns); i++) {
        const char *v = json_object_get_string(json_object_array_get_idx(ns, i));
        d->namespaces[d->nnamespaces++] = xstrdup(v ? v : "");
    }
    selector_parse(mk_json_path(t, "namespaceSelector"), NULL, NULL, p, &d->ns_sel);
    d->topology_key = xstrdup(str_or_empty(t, "topologyKey"));
}

/* podAffinity or podAntiAffinity: its required and preferred terms. */
static void pod_terms_parse(json_object *a, const sched_pod *p, sched_pod_term **req,
                            size_t *nreq, sched_pod_term **pref, size_t *npref)
{
    json_object *r = mk_json_path(a, "requiredDuringSchedulingIgnoredDuringExecution"),
                *w = mk_json_path(a, "preferredDuringSchedulingIgnoredDuringExecution");
    *req = mk_json_array_len(r) ? xcalloc(mk_json_array_len(r), sizeof **req) : NULL;
    for (size_t i = 0; i < mk_json_array_len(r); i++)
        pod_term_parse(json_object_array_get_idx(r, i), 0, p, &(*req)[(*nreq)++]);
    *pref = mk_json_array_len(w) ? xcalloc(mk_json_array_len(w), sizeof **pref) : NULL;
    for (size_t i = 0; i < mk_json_array_len(w); i++) {
        json_object *t = json_object_array_get_idx(w, i);
        pod_term_parse(mk_json_path(t, "podAffinityTerm"), (int32_t)mk_json_int(t, "weight", 0),
                       p, &(*pref)[(*npref)++]);
    }
}

static void spread_parse(json_object *arr, const sched_pod *p, sched_pod_affinity *a)
{
    a->spread =
        mk_json_array_len(arr) ? xcalloc(mk_json_array_len(arr), sizeof *a->spread) : NULL;
    for (size_t i = 0; i < mk_json_array_len(arr); i++) {
        json_object *c = json_object_array_get_idx(arr, i);
        sched_spread *d = &a->spread[a->nspread++];
        d->max_skew = (int32_t)mk_json_int(c, "maxSkew", 1);
        d->min_domains = (int32_t)mk_json_int(c, "minDomains", 1);
        d->topology_key = xstrdup(str_or_empty(c, "topologyKey"));
        d->hard = strcmp(str_or_empty(c, "whenUnsatisfiable"), "ScheduleAnyway") != 0;
        d->ignore_affinity = strcmp(str_or_empty(c, "nodeAffinityPolicy"), "Ignore") == 0;
        d->honor_taints = strcmp(str_or_empty(c, "nodeTaintsPolicy"), "Honor") == 0;
        selector_parse(mk_json_path(c, "labelSelector"), mk_json_path(c, "matchLabelKeys"),
                       NULL, p, &d->sel);
    }
}

/* Everything beyond the node-by-node filters; NULL when the pod asks
 * for none of it (the common case, and the scheduler's fast path). */
static sched_pod_affinity *pod_affinity_parse(json_object *spec, const sched_pod *p)
{
    json_object *pref = mk_json_path(spec, "affinity.nodeAffinity."
                                           "preferredDuringSchedulingIgnoredDuringExecution"),
                *pa = mk_json_path(spec, "affinity.podAffinity"),
                *anti = mk_json_path(spec, "affinity.podAntiAffinity"),
                *spread = mk_json_path(spec, "topologySpreadConstraints");
    if (!mk_json_array_len(pref) && !pa && !anti && !mk_json_array_len(spread))
        return NULL;
    sched_pod_affinity *a = xcalloc(1, sizeof(*a));
    a->refs = 1;
    a->preferred =
        mk_json_array_len(pref) ? xcalloc(mk_json_array_len(pref), sizeof *a->preferred) : NULL;
    for (size_t i = 0; i < mk_json_array_len(pref); i++) {
        json_object *t = json_object_array_get_idx(pref, i);
        sched_weighted_term *d = &a->preferred[a->npreferred++];
        d->weight = (int32_t)mk_json_int(t, "weight", 0);
        sched_term_parse(mk_json_path(t, "preference"), &d->term);
    }
    pod_terms_parse(pa, p, &a->affinity, &a->naffinity, &a->pref_affinity, &a->npref_affinity);
    pod_terms_parse(anti, p, &a->anti, &a->nanti, &a->pref_anti, &a->npref_anti);
    spread_parse(spread, p, a);
    if (!a->npreferred && !a->naffinity && !a->nanti && !a->npref_affinity && !a->npref_anti &&
        !a->nspread) {
        sched_pod_affinity_unref(a);
        return NULL;
    }
    return a;
}

static void expr_free(sched_expr *e)
{
    free(e->key);
    free(e->op);
    for (size_t k = 0; k < e->nvalues; k++)
        free(e->values[k]);
    free(e->values);
}

void sched_term_clear(sched_term *t)
{
    for (size_t j = 0; j < t->nexprs; j++)
        expr_free(&t->exprs[j]);
    free(t->exprs);
}

static void selector_free(sched_selector *s)
{
    for (size_t j = 0; j < s->nexprs; j++)
        expr_free(&s->exprs[j]);
    free(s->exprs);
}

void sched_selector_parse(json_object *sel, sched_selector *d)
{
    selector_parse(sel, NULL, NULL, NULL, d);
}

void sched_selector_clear(sched_selector *s)
{
    selector_free(s);
    memset(s, 0, sizeof(*s));
}

static void pod_terms_free(sched_pod_term *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        selector_free(&t[i].sel);
        selector_free(&t[i].ns_sel);
        for (size_t j = 0; j < t[i].nnamespaces; j++)
            free(t[i].namespaces[j]);
        free(t[i].namespaces);
        free(t[i].topology_key);
    }
    free(t);
}

sched_pod_affinity *sched_pod_affinity_ref(sched_pod_affinity *a)
{
    if (a)
        __atomic_add_fetch(&a->refs, 1, __ATOMIC_RELAXED);
    return a;
}

void sched_pod_affinity_unref(sched_pod_affinity *a)
{
    if (!a || __atomic_sub_fetch(&a->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    for (size_t i = 0; i < a->npreferred; i++)
        sched_term_clear(&a->preferred[i].term);
    free(a->preferred);
    pod_terms_free(a->affinity, a->naffinity);
    pod_terms_free(a->anti, a->nanti);
    pod_terms_free(a->pref_affinity, a->npref_affinity);
    pod_terms_free(a->pref_anti, a->npref_anti);
    for (size_t i = 0; i < a->nspread; i++) {
        free(a->spread[i].topology_key);
        selector_free(&a->spread[i].sel);
    }
    free(a->spread);
    free(a);
}

const char *sched_label(const sched_kv *labels, size_t nlabels, const char *key)
{
    for (size_t j = 0; j < nlabels; j++)
        if (strcmp(labels[j].key, key) == 0)
            return labels[j].value;
    return NULL;
}

bool sched_expr_holds(const sched_expr *e, const sched_kv *labels, size_t nlabels,
                      const char *name)
{
    const char *v = e->field ? (name && strcmp(e->key, "metadata.name") == 0 ? name : NULL)
                             : sched_label(labels, nlabels, e->key);
    bool in = false;
    for (size_t k = 0; v && k < e->nvalues && !in && e->code <= SCHED_OP_NOT_IN; k++)
        in = strcmp(e->values[k], v) == 0;
    switch (e->code) {
    case SCHED_OP_IN:
        return in;
    case SCHED_OP_NOT_IN:
        return !in;
    case SCHED_OP_EXISTS:
        return v != NULL;
    case SCHED_OP_DOES_NOT_EXIST:
        return v == NULL;
    case SCHED_OP_GT:
    case SCHED_OP_LT:
        if (v && *v && e->nvalues == 1) {
            char *end1, *end2;
            long long a = strtoll(v, &end1, 10), b = strtoll(e->values[0], &end2, 10);
            if (*end1 || *end2)
                return false;
            return e->code == SCHED_OP_GT ? a > b : a < b;
        }
        return false;
    default:
        return false;
    }
}

bool sched_selector_matches(const sched_selector *s, const sched_kv *labels, size_t nlabels)
{
    if (!s->set)
        return false;
    for (size_t i = 0; i < s->nexprs; i++)
        if (!sched_expr_holds(&s->exprs[i], labels, nlabels, NULL))
            return false;
    return true;
}

/* The claims the pod's volumes name, in volume order. */
static void claims_parse(json_object *vols, sched_pod *p)
{
    for (size_t i = 0; i < mk_json_array_len(vols); i++) {
        const char *c =
            mk_json_str(json_object_array_get_idx(vols, i), "persistentVolumeClaim.claimName");
        if (!c)
            continue;
        p->claims = xrealloc(p->claims, (p->nclaims + 1) * sizeof(*p->claims));
        p->claims[p->nclaims++] = xstrdup(c);
    }
}

char *sched_pod_key(json_object *pod)
{
    const char *ns = mk_json_str(pod, "metadata.namespace");
    return xasprintf("%s/%s", ns ? ns : "default", str_or_empty(pod, "metadata.name"));
}

void sched_pod_parse(json_object *pod, sched_pod *p)
{
    memset(p, 0, sizeof(*p));
    const char *ns = mk_json_str(pod, "metadata.namespace");
    p->ns = xstrdup(ns ? ns : "default");
    p->name = xstrdup(str_or_empty(pod, "metadata.name"));
    p->uid = xstrdup(str_or_empty(pod, "metadata.uid"));
    p->key = xasprintf("%s/%s", p->ns, p->name);
    json_object *spec = mk_json_path(pod, "spec");
    pod_requests(spec, p);
    sched_kv_parse(mk_json_path(spec, "nodeSelector"), &p->selector, &p->nselector);
    tolerations_parse(mk_json_path(spec, "tolerations"), p);
    affinity_parse(mk_json_path(spec, "affinity.nodeAffinity."
                                      "requiredDuringSchedulingIgnoredDuringExecution."
                                      "nodeSelectorTerms"),
                   p);
    sched_kv_parse(mk_json_path(pod, "metadata.labels"), &p->labels, &p->nlabels);
    p->aff = pod_affinity_parse(spec, p);
    claims_parse(mk_json_path(spec, "volumes"), p);
    p->priority = mk_json_int(spec, "priority", 0);
    p->preempt_never = !strcmp(str_or_empty(spec, "preemptionPolicy"), "Never");
    p->terminating = mk_json_path(pod, "metadata.deletionTimestamp") != NULL;
}

void sched_pod_clear(sched_pod *p)
{
    free(p->ns);
    free(p->name);
    free(p->uid);
    free(p->key);
    sched_kv_free(p->selector, p->nselector);
    for (size_t i = 0; i < p->ntolerations; i++) {
        free(p->tolerations[i].key);
        free(p->tolerations[i].op);
        free(p->tolerations[i].value);
        free(p->tolerations[i].effect);
    }
    free(p->tolerations);
    for (size_t i = 0; i < p->naffinity; i++)
        sched_term_clear(&p->affinity[i]);
    sched_kv_free(p->labels, p->nlabels);
    sched_pod_affinity_unref(p->aff);
    free(p->affinity);
    sched_strv_free(p->claims, p->nclaims);
    sched_node_sels_free(p->vol_affinity, p->nvol_affinity);
    sched_strv_free(p->vol_select, p->nvol_select);
    memset(p, 0, sizeof(*p));
}

void sched_pod_copy(sched_pod *dst, const sched_pod *src)
{
    *dst = *src;
    dst->ns = xstrdup(src->ns);
    dst->name = xstrdup(src->name);
    dst->uid = xstrdup(src->uid ? src->uid : "");
    dst->key = xstrdup(src->key);
    dst->selector = sched_kv_dup(src->selector, src->nselector);
    dst->labels = sched_kv_dup(src->labels, src->nlabels);
    dst->aff = sched_pod_affinity_ref(src->aff);
    dst->tolerations =
        src->ntolerations ? xcalloc(src->ntolerations, sizeof(sched_toleration)) : NULL;
    for (size_t i = 0; i < src->ntolerations; i++) {
        const sched_toleration *t = &src->tolerations[i];
        dst->tolerations[i] = (sched_toleration){xstrdup(t->key), xstrdup(t->op),
                                                 xstrdup(t->value), xstrdup(t->effect)};
    }
    dst->affinity = src->naffinity ? xcalloc(src->naffinity, sizeof(sched_term)) : NULL;
    for (size_t i = 0; i < src->naffinity; i++)
        sched_term_copy(&dst->affinity[i], &src->affinity[i]);
    dst->claims = src->nclaims ? sched_strv_dup(src->claims, src->nclaims) : NULL;
    dst->vol_affinity = sched_node_sels_dup(src->vol_affinity, src->nvol_affinity);
    dst->vol_select =
        src->nvol_select ? sched_strv_dup(src->vol_select, src->nvol_select) : NULL;
}

void sched_term_copy(sched_term *dst, const sched_term *src)
{
    dst->exprs = xcalloc(src->nexprs + 1, sizeof(sched_expr));
    dst->nexprs = src->nexprs;
    for (size_t j = 0; j < src->nexprs; j++) {
        const sched_expr *e = &src->exprs[j];
        dst->exprs[j] =
            (sched_expr){xstrdup(e->key), xstrdup(e->op), sched_strv_dup(e->values, e->nvalues),
                         e->nvalues,      e->field,       e->code};
    }
}

void sched_node_sels_free(sched_node_sel *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < s[i].nterms; j++)
            sched_term_clear(&s[i].terms[j]);
        free(s[i].terms);
    }
    free(s);
}

sched_node_sel *sched_node_sels_dup(const sched_node_sel *s, size_t n)
{
    sched_node_sel *d = n ? xcalloc(n, sizeof(*d)) : NULL;
    for (size_t i = 0; i < n; i++) {
        d[i].terms = xcalloc(s[i].nterms + 1, sizeof(sched_term));
        d[i].nterms = s[i].nterms;
        for (size_t j = 0; j < s[i].nterms; j++)
            sched_term_copy(&d[i].terms[j], &s[i].terms[j]);
    }
    return d;
}

void sched_strv_free(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

/* status.allocatable.<res>, else status.capacity.<res>, else 0. A JSON
 * number ("pods": 110) is accepted as well as a quantity string. */
static int64_t node_resource(json_object *node, const char *res, bool milli)
{
    char path[64];
    snprintf(path, sizeof(path), "status.allocatable.%s", res);
    json_object *o = mk_json_path(node, path);
    if (!o) {
        snprintf(path, sizeof(path), "status.capacity.%s", res);
        o = mk_json_path(node, path);
    }
    int64_t v = 0;
    if (o && json_object_is_type(o, json_type_string))
        v = milli ? quantity_parse_milli(json_object_get_string(o))
                  : quantity_parse_value(json_object_get_string(o));
    else if (o && (json_object_is_type(o, json_type_int) ||
                   json_object_is_type(o, json_type_double)))
        v = milli ? (int64_t)(json_object_get_double(o) * 1000) : json_object_get_int64(o);
    return v > 0 ? v : 0;
}

void sched_node_parse(json_object *node, sched_node_info *n)
{
    memset(n, 0, sizeof(*n));
    n->name = xstrdup(str_or_empty(node, "metadata.name"));
    n->ready = mk_condition_true(node, "Ready");
    json_object *u = mk_json_path(node, "spec.unschedulable");
    n->unschedulable = u && json_object_get_boolean(u);
    sched_kv_parse(mk_json_path(node, "metadata.labels"), &n->labels, &n->nlabels);
    json_object *taints = mk_json_path(node, "spec.taints");
    size_t nt = mk_json_array_len(taints);
    if (nt)
        n->taints = xcalloc(nt, sizeof(*n->taints));
    for (size_t i = 0; i < nt; i++) {
        json_object *t = json_object_array_get_idx(taints, i);
        n->taints[n->ntaints++] =
            (sched_taint){xstrdup(str_or_empty(t, "key")), xstrdup(str_or_empty(t, "value")),
                          xstrdup(str_or_empty(t, "effect"))};
    }
    n->alloc_milli_cpu = node_resource(node, "cpu", true);
    n->alloc_mem = node_resource(node, "memory", false);
    n->alloc_pods = node_resource(node, "pods", false);
}

void sched_node_clear(sched_node_info *n)
{
    free(n->name);
    sched_kv_free(n->labels, n->nlabels);
    for (size_t i = 0; i < n->ntaints; i++) {
        free(n->taints[i].key);
        free(n->taints[i].value);
        free(n->taints[i].effect);
    }
    free(n->taints);
    memset(n, 0, sizeof(*n));
}

bool sched_kv_equal(const sched_kv *a, size_t na, const sched_kv *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i].key, b[i].key) || strcmp(a[i].value, b[i].value))
            return false;
    return true;
}

bool sched_node_equal(const sched_node_info *a, const sched_node_info *b)
{
    if (a->ready != b->ready || a->unschedulable != b->unschedulable ||
        a->alloc_milli_cpu != b->alloc_milli_cpu || a->alloc_mem != b->alloc_mem ||
        a->alloc_pods != b->alloc_pods || a->ntaints != b->ntaints ||
        !sched_kv_equal(a->labels, a->nlabels, b->labels, b->nlabels))
        return false;
    for (size_t i = 0; i < a->ntaints; i++)
        if (strcmp(a->taints[i].key, b->taints[i].key) ||
            strcmp(a->taints[i].value, b->taints[i].value) ||
            strcmp(a->taints[i].effect, b->taints[i].effect))
            return false;
    return true;
}

bool sched_pod_is_active(json_object *pod)
{
    const char *phase = mk_json_str(pod, "status.phase");
    return !phase || (strcmp(phase, "Succeeded") != 0 && strcmp(phase, "Failed") != 0);
}

bool sched_pod_wants_scheduling(json_object *pod)
{
    const char *node = mk_json_str(pod, "spec.nodeName");
    if (node && *node)
        return false;
    if (mk_json_path(pod, "metadata.deletionTimestamp"))
        return false;
    json_object *gates = mk_json_path(pod, "spec.schedulingGates");
    if (json_object_is_type(gates, json_type_array) && json_object_array_length(gates))
        return false; /* held back until someone takes the last gate off */
    const char *sched = mk_json_str(pod, "spec.schedulerName");
    if (sched && *sched && strcmp(sched, "default-scheduler") != 0)
        return false;
    return sched_pod_is_active(pod);
}

bool sched_pod_tolerates(const sched_pod *p, const sched_taint *t)
{
    for (size_t i = 0; i < p->ntolerations; i++) {
        const sched_toleration *o = &p->tolerations[i];
        if (*o->effect && strcmp(o->effect, t->effect) != 0)
            continue;
        if (*o->key && strcmp(o->key, t->key) != 0)
            continue;
        if (strcmp(o->op, "Exists") == 0)
            return true;
        if (*o->key && strcmp(o->value, t->value) == 0)
            return true;
    }
    return false;
}

bool sched_node_selector_matches(const sched_node_info *n, const sched_pod *p)
{
    for (size_t i = 0; i < p->nselector; i++) {
        const char *v = sched_label(n->labels, n->nlabels, p->selector[i].key);
        if (!v || strcmp(v, p->selector[i].value) != 0)
            return false;
    }
    return true;
}

bool sched_node_term_matches(const sched_node_info *n, const sched_term *t)
{
    for (size_t j = 0; j < t->nexprs; j++)
        if (!sched_expr_holds(&t->exprs[j], n->labels, n->nlabels, n->name))
            return false;
    return true;
}

bool sched_node_affinity_matches(const sched_node_info *n, const sched_pod *p)
{
    for (size_t i = 0; i < p->naffinity; i++)
        if (sched_node_term_matches(n, &p->affinity[i]))
            return true;
    return p->naffinity == 0;
}
