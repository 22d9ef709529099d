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
static void kv_parse(json_object *map, sched_kv **out, size_t *n)
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

static void kv_free(sched_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
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
    size_t n =
        ctrs && json_object_is_type(ctrs, json_type_array) ? json_object_array_length(ctrs) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(ctrs, i);
        p->milli_cpu += container_request(c, "cpu", true);
        p->mem += container_request(c, "memory", false);
    }
    json_object *init = mk_json_path(spec, "initContainers");
    n = init && json_object_is_type(init, json_type_array) ? json_object_array_length(init) : 0;
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
    size_t n =
        arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
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

static char **strv_dup(char *const *v, size_t n)
{
    char **d = xcalloc(n + 1, sizeof *d);
    for (size_t i = 0; i < n; i++)
        d[i] = xstrdup(v[i]);
    return d;
}

static void expr_parse(json_object *e, bool field, sched_expr *d)
{
    json_object *vals = mk_json_path(e, "values");
    size_t n =
        vals && json_object_is_type(vals, json_type_array) ? json_object_array_length(vals) : 0;
    d->key = xstrdup(str_or_empty(e, "key"));
    d->op = xstrdup(str_or_empty(e, "operator"));
    d->field = field;
    d->values = xcalloc(n + 1, sizeof *d->values);
    for (size_t i = 0; i < n; i++) {
        const char *v = json_object_get_string(json_object_array_get_idx(vals, i));
        d->values[d->nvalues++] = xstrdup(v ? v : "");
    }
}

static void affinity_parse(json_object *terms, sched_pod *p)
{
    size_t n = terms && json_object_is_type(terms, json_type_array)
                   ? json_object_array_length(terms)
                   : 0;
    if (!n)
        return;
    p->affinity = xcalloc(n, sizeof *p->affinity);
    for (size_t i = 0; i < n; i++) {
        json_object *t = json_object_array_get_idx(terms, i);
        json_object *lists[] = {mk_json_path(t, "matchExpressions"),
                                mk_json_path(t, "matchFields")};
        size_t total = 0;
        for (int l = 0; l < 2; l++)
            total += lists[l] && json_object_is_type(lists[l], json_type_array)
                         ? json_object_array_length(lists[l])
                         : 0;
        sched_term *d = &p->affinity[p->naffinity++];
        d->exprs = xcalloc(total + 1, sizeof *d->exprs);
        for (int l = 0; l < 2; l++)
            for (size_t j = 0; lists[l] && j < json_object_array_length(lists[l]); j++)
                expr_parse(json_object_array_get_idx(lists[l], j), l == 1,
                           &d->exprs[d->nexprs++]);
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
    kv_parse(mk_json_path(spec, "nodeSelector"), &p->selector, &p->nselector);
    tolerations_parse(mk_json_path(spec, "tolerations"), p);
    affinity_parse(mk_json_path(spec, "affinity.nodeAffinity."
                                      "requiredDuringSchedulingIgnoredDuringExecution."
                                      "nodeSelectorTerms"),
                   p);
}

void sched_pod_clear(sched_pod *p)
{
    free(p->ns);
    free(p->name);
    free(p->uid);
    free(p->key);
    kv_free(p->selector, p->nselector);
    for (size_t i = 0; i < p->ntolerations; i++) {
        free(p->tolerations[i].key);
        free(p->tolerations[i].op);
        free(p->tolerations[i].value);
        free(p->tolerations[i].effect);
    }
    free(p->tolerations);
    for (size_t i = 0; i < p->naffinity; i++) {
        for (size_t j = 0; j < p->affinity[i].nexprs; j++) {
            sched_expr *e = &p->affinity[i].exprs[j];
            free(e->key);
            free(e->op);
            for (size_t k = 0; k < e->nvalues; k++)
                free(e->values[k]);
            free(e->values);
        }
        free(p->affinity[i].exprs);
    }
    free(p->affinity);
    memset(p, 0, sizeof(*p));
}

void sched_pod_copy(sched_pod *dst, const sched_pod *src)
{
    *dst = *src;
    dst->ns = xstrdup(src->ns);
    dst->name = xstrdup(src->name);
    dst->uid = xstrdup(src->uid ? src->uid : "");
    dst->key = xstrdup(src->key);
    dst->selector = src->nselector ? xcalloc(src->nselector, sizeof(sched_kv)) : NULL;
    for (size_t i = 0; i < src->nselector; i++) {
        dst->selector[i].key = xstrdup(src->selector[i].key);
        dst->selector[i].value = xstrdup(src->selector[i].value);
    }
    dst->tolerations =
        src->ntolerations ? xcalloc(src->ntolerations, sizeof(sched_toleration)) : NULL;
    for (size_t i = 0; i < src->ntolerations; i++) {
        const sched_toleration *t = &src->tolerations[i];
        dst->tolerations[i] = (sched_toleration){xstrdup(t->key), xstrdup(t->op),
                                                 xstrdup(t->value), xstrdup(t->effect)};
    }
    dst->affinity = src->naffinity ? xcalloc(src->naffinity, sizeof(sched_term)) : NULL;
    for (size_t i = 0; i < src->naffinity; i++) {
        const sched_term *t = &src->affinity[i];
        dst->affinity[i].exprs = xcalloc(t->nexprs + 1, sizeof(sched_expr));
        dst->affinity[i].nexprs = t->nexprs;
        for (size_t j = 0; j < t->nexprs; j++) {
            const sched_expr *e = &t->exprs[j];
            dst->affinity[i].exprs[j] =
                (sched_expr){xstrdup(e->key), xstrdup(e->op), strv_dup(e->values, e->nvalues),
                             e->nvalues, e->field};
        }
    }
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
    kv_parse(mk_json_path(node, "metadata.labels"), &n->labels, &n->nlabels);
    json_object *taints = mk_json_path(node, "spec.taints");
    size_t nt = taints && json_object_is_type(taints, json_type_array)
                    ? json_object_array_length(taints)
                    : 0;
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
    kv_free(n->labels, n->nlabels);
    for (size_t i = 0; i < n->ntaints; i++) {
        free(n->taints[i].key);
        free(n->taints[i].value);
        free(n->taints[i].effect);
    }
    free(n->taints);
    memset(n, 0, sizeof(*n));
}

static bool kv_equal(const sched_kv *a, size_t na, const sched_kv *b, size_t nb)
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
        !kv_equal(a->labels, a->nlabels, b->labels, b->nlabels))
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
    const char *sched = mk_json_str(pod, "spec.schedulerName");
    if (sched && *sched && strcmp(sched, "default-scheduler") != 0)
        return false;
    return sched_pod_is_active(pod);
}
