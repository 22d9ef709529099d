/* quotacheck.c - ResourceQuota admission (quotacheck.h), after Kubernetes'
 * plugin/pkg/admission/resourcequota.
 */
#include "store/server/quotacheck.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/codec.h"
#include "store/quantity.h"
#include "store/quota.h"
#include "store/server/namespaces.h"
#include "store/server/objects.h"
#include "store/util.h"

#define TRACKED_MAX 32

static pthread_mutex_t admit_lock = PTHREAD_MUTEX_INITIALIZER;

/* One spec.hard entry the new object counts toward. */
typedef struct tracked {
    const char *name; /* the spec.hard key: "requests.cpu" */
    quota_resource r;
    int64_t hard, requested, used; /* thousandths */
} tracked;

/* One quota and the entries of it the create touches. */
typedef struct judged {
    json_object *quota;
    tracked t[TRACKED_MAX];
    size_t n;
} judged;

typedef struct judging {
    judged *j;
    size_t n, cap;
    const mk_kind *k; /* the kind created or updated */
    json_object *obj; /* the object created, or the update's new object */
    json_object *old; /* the object before the update; NULL for a create */
} judging;

static int cmp_tracked(const void *a, const void *b)
{
    return strcmp(((const tracked *)a)->name, ((const tracked *)b)->name);
}

/* The quota's entries obj counts toward, sorted by name as Kubernetes
 * prints them; for an update, those it takes more of than old did (what
 * old used, the store's count has already). */
static void track(judged *j, const mk_kind *k, json_object *obj, json_object *old)
{
    json_object *hard = mk_json_path(j->quota, "spec.hard");
    if (!json_object_is_type(hard, json_type_object))
        return;
    json_object_object_foreach(hard, name, v)
    {
        tracked t = {.name = name, .r = quota_resource_of(name)};
        int64_t before = 0;
        if (!quota_counts(j->quota, &t.r, k, obj, &t.requested))
            continue;
        if (old && quota_counts(j->quota, &t.r, k, old, &before))
            t.requested -= before;
        if (j->n < TRACKED_MAX && (!old || t.requested > 0)) {
            t.hard = quantity_parse_milli(json_object_get_string(v));
            j->t[j->n++] = t;
        }
    }
    qsort(j->t, j->n, sizeof *j->t, cmp_tracked);
}

static int collect(void *ctx, json_object *quota)
{
    judging *g = ctx;
    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 4;
        g->j = xrealloc(g->j, g->cap * sizeof *g->j);
    }
    judged *j = &g->j[g->n];
    j->quota = quota;
    j->n = 0;
    track(j, g->k, g->obj, g->old);
    if (j->n) /* keep only the quotas the create touches */
        json_object_get(g->j[g->n++].quota);
    return 0;
}

static int add_used(void *ctx, json_object *obj)
{
    judging *g = ctx;
    for (size_t i = 0; i < g->n; i++)
        for (size_t e = 0; e < g->j[i].n; e++) {
            int64_t m;
            tracked *t = &g->j[i].t[e];
            if (quota_counts(g->j[i].quota, &t->r, g->k, obj, &m))
                t->used += m;
        }
    return 0;
}

/* "pods \"web\"": whom the refusal names. */
static const char *subject(char *buf, size_t n, const mk_kind *k, json_object *obj)
{
    char q[96];
    snprintf(buf, n, "%s \"%s\"", objects_qualified(k, q, sizeof q),
             mk_json_str(obj, "metadata.name") ?: "");
    return buf;
}

/* "failed quota: q: must specify limits.cpu for: app; limits.memory for: app" */
static int check_specified(const judged *j, const mk_kind *k, json_object *pod, mk_err *err)
{
    mk_buf msg = {0};
    for (size_t e = 0; e < j->n; e++) {
        char names[256];
        if (quota_missing_containers(&j->t[e].r, pod, names, sizeof names))
            mk_buf_printf(&msg, "%smust specify %s for: %s", msg.len ? "; " : "", j->t[e].name,
                          names);
    }
    int rc = 0;
    char who[400];
    if (msg.len)
        rc = mk_error(err, EACCES, "%s is forbidden: failed quota: %s: %s",
                      subject(who, sizeof who, k, pod),
                      mk_json_str(j->quota, "metadata.name") ?: "", msg.data);
    mk_buf_free(&msg);
    return rc;
}

static void print_entry(mk_buf *b, const tracked *t, int64_t milli)
{
    char v[48];
    quota_format(&t->r, milli, v, sizeof v);
    mk_buf_printf(b, "%s%s=%s", b->len ? "," : "", t->name, v);
}

/* "exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2",
 * naming only the entries exceeded. */
static int check_room(const judged *j, const mk_kind *k, json_object *obj, mk_err *err)
{
    mk_buf req = {0}, used = {0}, hard = {0};
    for (size_t e = 0; e < j->n; e++) {
        const tracked *t = &j->t[e];
        if (t->used + t->requested <= t->hard)
            continue;
        print_entry(&req, t, t->requested);
        print_entry(&used, t, t->used);
        print_entry(&hard, t, t->hard);
    }
    int rc = 0;
    char who[400];
    if (req.len)
        rc = mk_error(
            err, EACCES,
            "%s is forbidden: exceeded quota: %s, requested: %s, used: %s, limited: %s",
            subject(who, sizeof who, k, obj), mk_json_str(j->quota, "metadata.name") ?: "",
            req.data, used.data, hard.data);
    mk_buf_free(&req);
    mk_buf_free(&used);
    mk_buf_free(&hard);
    return rc;
}

static int judge(api_req *r, judging *g, const char *ns, json_object *obj, mk_err *err)
{
    for (size_t i = 0; i < g->n; i++)
        if (!g->old && !strcmp(g->k->kind, "Pod") &&
            check_specified(&g->j[i], g->k, obj, err) < 0)
            return -err->code;
    if (objects_each(r->srv, g->k, ns, add_used, g, err) < 0)
        return -err->code;
    for (size_t i = 0; i < g->n; i++)
        if (check_room(&g->j[i], g->k, obj, err) < 0)
            return -err->code;
    return 0;
}

int quota_admit(api_req *r, const mk_kind *k, const char *ns, json_object *obj, quota_hold *h,
                mk_err *err)
{
    return quota_admit_update(r, k, ns, NULL, obj, h, err);
}

int quota_admit_update(api_req *r, const mk_kind *k, const char *ns, json_object *old,
                       json_object *obj, quota_hold *h, mk_err *err)
{
    *h = (quota_hold){0};
    if (!k->namespaced || !nsset_has_policies(r->srv->namespaces, ns))
        return 0;
    judging g = {.k = k, .obj = obj, .old = old};
    int rc = 0;
    if (objects_each(r->srv, kind_by_kind("ResourceQuota"), ns, collect, &g, err) < 0)
        rc = -err->code;
    else if (g.n) {
        pthread_mutex_lock(&admit_lock);
        h->held = true;
        if ((rc = judge(r, &g, ns, obj, err)) < 0)
            quota_admit_done(h);
    }
    for (size_t i = 0; i < g.n; i++)
        json_object_put(g.j[i].quota);
    free(g.j);
    return rc;
}

void quota_admit_done(quota_hold *h)
{
    if (h->held)
        pthread_mutex_unlock(&admit_lock);
    h->held = false;
}
