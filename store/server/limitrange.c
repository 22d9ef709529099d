/* limitrange.c - LimitRanger admission (limitrange.h), in Kubernetes'
 * words (plugin/pkg/admission/limitranger).
 */
#include "store/server/limitrange.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/codec.h"
#include "store/quantity.h"
#include "store/quota.h"
#include "store/server/namespaces.h"
#include "store/server/objects.h"
#include "store/util.h"

/* The items (spec.limits[]) of every LimitRange in the namespace. */
typedef struct items {
    json_object **v;
    size_t n, cap;
} items;

static int collect(void *ctx, json_object *lr)
{
    items *it = ctx;
    json_object *limits = mk_json_path(lr, "spec.limits");
    size_t n = mk_json_array_len(limits);
    for (size_t i = 0; i < n; i++) {
        if (it->n == it->cap) {
            it->cap = it->cap ? 2 * it->cap : 8;
            it->v = xrealloc(it->v, it->cap * sizeof *it->v);
        }
        it->v[it->n++] = json_object_get(json_object_array_get_idx(limits, i));
    }
    return 0;
}

static void items_free(items *it)
{
    for (size_t i = 0; i < it->n; i++)
        json_object_put(it->v[i]);
    free(it->v);
}

static int load_items(api_req *r, const char *ns, items *it, mk_err *err)
{
    if (!nsset_has_policies(r->srv->namespaces, ns))
        return 0;
    return objects_each(r->srv, kind_by_kind("LimitRange"), ns, collect, it, err) < 0
               ? -err->code
               : 0;
}

static bool item_is(json_object *item, const char *type)
{
    return !strcmp(mk_json_str(item, "type") ?: "", type);
}

static void each_container(json_object *pod, void (*fn)(void *, json_object *, const char *),
                           void *ctx)
{
    static const char *const lists[][2] = {{"spec.containers", "container"},
                                           {"spec.initContainers", "init container"}};
    for (size_t l = 0; l < 2; l++) {
        json_object *cs = mk_json_path(pod, lists[l][0]);
        size_t n = mk_json_array_len(cs);
        for (size_t i = 0; i < n; i++)
            fn(ctx, json_object_array_get_idx(cs, i), lists[l][1]);
    }
}

/* ---- defaults ---- */

typedef struct defaulting {
    items *it;
    mk_buf note; /* the kubernetes.io/limit-ranger annotation's parts */
} defaulting;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Fill part ("limits", "requests") of the container from the field of every
 * Container item; say in note the names set, sorted, as Kubernetes does. */
static void fill(defaulting *d, json_object *c, const char *part, const char *field,
                 const char *what, mk_buf *note)
{
    const char *set[32];
    size_t n = 0;
    json_object *res = mk_json_path(c, "resources");
    if (res && !json_object_is_type(res, json_type_object))
        return; /* validation will name it */
    for (size_t i = 0; i < d->it->n; i++) {
        json_object *defaults = mk_json_path(d->it->v[i], field);
        if (!item_is(d->it->v[i], "Container") ||
            !json_object_is_type(defaults, json_type_object))
            continue;
        json_object *map = mk_json_ensure(mk_json_ensure(c, "resources"), part);
        if (!json_object_is_type(map, json_type_object))
            return;
        json_object_object_foreach(defaults, name, v)
        {
            if (json_object_object_get_ex(map, name, NULL) || n == sizeof set / sizeof *set)
                continue;
            json_object_object_add(map, name,
                                   json_object_new_string(json_object_get_string(v) ?: ""));
            set[n++] = name;
        }
    }
    if (n == 0)
        return;
    qsort(set, n, sizeof *set, cmp_str);
    for (size_t i = 0; i < n; i++)
        mk_buf_printf(note, "%s%s", i ? ", " : "", set[i]);
    mk_buf_printf(note, " %s for %s %s", part[0] == 'l' ? "limit" : "request", what,
                  mk_json_str(c, "name") ?: "");
}

static void add_note(defaulting *d, mk_buf *part)
{
    if (!part->len)
        return;
    mk_buf_puts(&d->note, d->note.len ? "; " : "LimitRanger plugin set: ");
    mk_buf_puts(&d->note, part->data);
    mk_buf_free(part);
}

/* Limits first, as Kubernetes prints resources; its annotation names the
 * requests first. */
static void default_container(void *ctx, json_object *c, const char *what)
{
    mk_buf limits = {0}, requests = {0};
    if (!json_object_is_type(c, json_type_object))
        return;
    fill(ctx, c, "limits", "default", what, &limits);
    fill(ctx, c, "requests", "defaultRequest", what, &requests);
    add_note(ctx, &requests);
    add_note(ctx, &limits);
}

int limitrange_default(api_req *r, const mk_kind *k, const char *ns, json_object *obj,
                       mk_err *err)
{
    if (strcmp(k->kind, "Pod"))
        return 0;
    items it = {0};
    if (load_items(r, ns, &it, err) < 0) {
        items_free(&it);
        return -err->code;
    }
    defaulting d = {.it = &it};
    each_container(obj, default_container, &d);
    if (d.note.len) {
        json_object *ann = mk_json_ensure(obj, "metadata.annotations");
        if (json_object_is_type(ann, json_type_object))
            json_object_object_add(ann, "kubernetes.io/limit-ranger",
                                   json_object_new_string(d.note.data));
    }
    mk_buf_free(&d.note);
    items_free(&it);
    return 0;
}

/* ---- bounds ---- */

/* A request or limit: said or not, its value, and as the user wrote it. */
typedef struct amount {
    bool has;
    int64_t milli;
    char text[48];
} amount;

static amount amount_in(json_object *map, const char *res)
{
    amount a = {0};
    json_object *v = NULL;
    if (json_object_is_type(map, json_type_object) && json_object_object_get_ex(map, res, &v)) {
        a.has = true;
        a.milli = quantity_parse_milli(json_object_get_string(v));
        snprintf(a.text, sizeof a.text, "%s", json_object_get_string(v) ?: "");
    }
    return a;
}

static amount pod_amount(json_object *pod, const char *res, bool limits)
{
    amount a = {0};
    a.milli = quota_pod_amount(pod, res, limits, &a.has);
    quota_resource r = quota_resource_of(res); /* cpu, memory...: their print */
    if (r.cls == QUOTA_UNKNOWN)
        r = (quota_resource){.cls = QUOTA_REQUESTS};
    snprintf(r.res, sizeof r.res, "%s", res);
    quota_format(&r, a.milli, a.text, sizeof a.text);
    return a;
}

typedef struct checking {
    json_object *item; /* the LimitRange item being applied */
    const char *type;  /* "Container", "Pod", "PersistentVolumeClaim" */
    mk_buf msg;
    int n;
} checking;

static void refuse(checking *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(checking *c, const char *fmt, ...)
{
    char line[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    mk_buf_printf(&c->msg, "%s%s", c->n++ ? ", " : "", line);
}

static void min_bound(checking *c, const char *res, const char *min, amount req, amount lim)
{
    int64_t enf = quantity_parse_milli(min);
    if (!req.has)
        refuse(c, "minimum %s usage per %s is %s.  No request is specified", res, c->type, min);
    else if (req.milli < enf)
        refuse(c, "minimum %s usage per %s is %s, but request is %s", res, c->type, min,
               req.text);
    else if (lim.has && lim.milli < enf)
        refuse(c, "minimum %s usage per %s is %s, but limit is %s", res, c->type, min,
               lim.text);
}

/* Claims have requests only: their max bounds the request. */
static void max_bound(checking *c, const char *res, const char *max, amount req, amount lim)
{
    int64_t enf = quantity_parse_milli(max);
    bool claim = !strcmp(c->type, "PersistentVolumeClaim");
    if (claim ? !req.has : !lim.has)
        refuse(c, "maximum %s usage per %s is %s.  No %s is specified", res, c->type, max,
               claim ? "request" : "limit");
    else if (!claim && lim.milli > enf)
        refuse(c, "maximum %s usage per %s is %s, but limit is %s", res, c->type, max,
               lim.text);
    else if (req.has && req.milli > enf)
        refuse(c, "maximum %s usage per %s is %s, but request is %s", res, c->type, max,
               req.text);
}

static void ratio_bound(checking *c, const char *res, const char *ratio, amount req, amount lim)
{
    if (!req.has || req.milli == 0)
        refuse(c,
               "%s max limit to request ratio per %s is %s, but no request is specified or "
               "request is 0",
               res, c->type, ratio);
    else if (!lim.has || lim.milli == 0)
        refuse(c,
               "%s max limit to request ratio per %s is %s, but no limit is specified or limit "
               "is 0",
               res, c->type, ratio);
    else if ((double)lim.milli / (double)req.milli * 1000.0 >
             (double)quantity_parse_milli(ratio))
        refuse(c, "%s max limit to request ratio per %s is %s, but provided ratio is %f", res,
               c->type, ratio, (double)lim.milli / (double)req.milli);
}

typedef amount (*amount_fn)(json_object *subject, const char *res, bool limits);

static amount container_amount(json_object *c, const char *res, bool limits)
{
    return amount_in(mk_json_path(c, limits ? "resources.limits" : "resources.requests"), res);
}

static amount claim_amount(json_object *claim, const char *res, bool limits)
{
    return limits ? (amount){0}
                  : amount_in(mk_json_path(claim, "spec.resources.requests"), res);
}

/* One item's min, max and ratio against one subject (a container, a pod,
 * a claim), whose requests and limits amount_of reads. */
static void bound(checking *c, json_object *subject, amount_fn amount_of)
{
    static const struct {
        const char *field;
        void (*check)(checking *, const char *, const char *, amount, amount);
    } bounds[] = {
        {"min", min_bound}, {"max", max_bound}, {"maxLimitRequestRatio", ratio_bound}};
    for (size_t b = 0; b < sizeof bounds / sizeof *bounds; b++) {
        json_object *map = mk_json_path(c->item, bounds[b].field);
        if (!json_object_is_type(map, json_type_object))
            continue;
        json_object_object_foreach(map, res, v)
        {
            bounds[b].check(c, res, json_object_get_string(v) ?: "0",
                            amount_of(subject, res, false), amount_of(subject, res, true));
        }
    }
}

static void bound_container(void *ctx, json_object *ctr, const char *what)
{
    (void)what;
    bound(ctx, ctr, container_amount);
}

int limitrange_check(api_req *r, const mk_kind *k, const char *ns, json_object *obj,
                     mk_err *err)
{
    bool pod = !strcmp(k->kind, "Pod");
    if (!pod && strcmp(k->kind, "PersistentVolumeClaim"))
        return 0;
    items it = {0};
    if (load_items(r, ns, &it, err) < 0) {
        items_free(&it);
        return -err->code;
    }
    checking c = {0};
    for (size_t i = 0; i < it.n; i++) {
        c.item = it.v[i];
        c.type = mk_json_str(c.item, "type") ?: "";
        if (pod && item_is(c.item, "Container"))
            each_container(obj, bound_container, &c);
        else if (pod && item_is(c.item, "Pod"))
            bound(&c, obj, pod_amount);
        else if (!pod && item_is(c.item, "PersistentVolumeClaim"))
            bound(&c, obj, claim_amount);
    }
    items_free(&it);
    int rc = 0;
    if (c.n) {
        char q[96];
        rc =
            mk_error(err, EACCES, "%s \"%s\" is forbidden: %s%s%s",
                     objects_qualified(k, q, sizeof q), mk_json_str(obj, "metadata.name") ?: "",
                     c.n > 1 ? "[" : "", c.msg.data, c.n > 1 ? "]" : "");
    }
    mk_buf_free(&c.msg);
    return rc;
}
