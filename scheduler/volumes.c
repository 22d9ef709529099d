#include "scheduler/volumes.h"

#include <string.h>

#include "store/codec.h"
#include "store/util.h"

static void add_sel(sched_vol_plan *plan, sched_node_sel sel)
{
    plan->affinity = xrealloc(plan->affinity, (plan->naffinity + 1) * sizeof(*plan->affinity));
    plan->affinity[plan->naffinity++] = sel;
}

/* A PV's nodeAffinity.required: a node must match one of its terms. */
static void add_pv_affinity(sched_vol_plan *plan, json_object *pv)
{
    json_object *terms = mk_json_path(pv, "spec.nodeAffinity.required.nodeSelectorTerms");
    size_t n = mk_json_array_len(terms);
    if (!n)
        return;
    sched_node_sel sel = {xcalloc(n, sizeof(sched_term)), n};
    for (size_t i = 0; i < n; i++)
        sched_term_parse(json_object_array_get_idx(terms, i), &sel.terms[i]);
    add_sel(plan, sel);
}

/* The node a pending claim was promised to: matchFields metadata.name. */
static void add_node_name(sched_vol_plan *plan, const char *node)
{
    sched_expr *e = xcalloc(2, sizeof(*e));
    e->key = xstrdup("metadata.name");
    e->op = xstrdup("In");
    e->code = SCHED_OP_IN;
    e->field = true;
    e->values = xcalloc(2, sizeof(*e->values));
    e->values[0] = xstrdup(node);
    e->nvalues = 1;
    sched_term *t = xcalloc(1, sizeof(*t));
    *t = (sched_term){e, 1};
    add_sel(plan, (sched_node_sel){t, 1});
}

/* Does the claim's binding wait for a pod to be scheduled? A class that
 * says WaitForFirstConsumer, or one of the local-path provisioner (it
 * needs a node whatever the mode). Claims with no class bind at once. */
static char *delayed_binding(json_object *pvc, sched_vol_lookup get, void *ctx, bool *delayed)
{
    const char *cls = mk_json_str(pvc, "spec.storageClassName");
    *delayed = false;
    if (!cls || !*cls)
        return NULL;
    json_object *sc = get(ctx, "StorageClass", NULL, cls);
    if (!sc)
        return xasprintf("storageclass.storage.k8s.io \"%s\" not found", cls);
    const char *mode = mk_json_str(sc, "volumeBindingMode");
    const char *prov = mk_json_str(sc, "provisioner");
    *delayed = (mode && strcmp(mode, "WaitForFirstConsumer") == 0) ||
               (prov && strcmp(prov, SCHED_LOCAL_PATH) == 0);
    json_object_put(sc);
    return NULL;
}

/* An annotation's value (keys hold dots: no mk_json_path), or NULL. */
static const char *annotation(json_object *obj, const char *key)
{
    json_object *v = json_object_object_get(mk_json_path(obj, "metadata.annotations"), key);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool has_mode(json_object *pvc, const char *mode)
{
    json_object *modes = mk_json_path(pvc, "spec.accessModes");
    for (size_t i = 0; modes && i < json_object_array_length(modes); i++) {
        const char *m = json_object_get_string(json_object_array_get_idx(modes, i));
        if (m && strcmp(m, mode) == 0)
            return true;
    }
    return false;
}

/* One claim: NULL when it allows some node (rules added to plan), else
 * why not (caller frees). */
static char *one_claim(const sched_pod *p, const char *name, sched_vol_lookup get,
                       sched_vol_in_use in_use, void *ctx, sched_vol_plan *plan)
{
    json_object *pvc = get(ctx, "PersistentVolumeClaim", p->ns, name);
    if (!pvc)
        return xasprintf("persistentvolumeclaim \"%s\" not found", name);
    if (in_use && has_mode(pvc, "ReadWriteOncePod") && in_use(ctx, p, name))
        plan->conflict = true;
    char *why = NULL;
    const char *vn = mk_json_str(pvc, "spec.volumeName");
    if (mk_json_path(pvc, "metadata.deletionTimestamp")) {
        why = xasprintf("persistentvolumeclaim \"%s\" is being deleted", name);
    } else if (vn && *vn) {
        json_object *pv = get(ctx, "PersistentVolume", NULL, vn);
        if (pv)
            add_pv_affinity(plan, pv);
        else
            why = xasprintf("persistentvolume \"%s\" not found", vn);
        json_object_put(pv);
    } else {
        bool delayed;
        why = delayed_binding(pvc, get, ctx, &delayed);
        const char *node = annotation(pvc, SCHED_SELECTED_NODE);
        if (!why && !delayed) {
            why = xstrdup("pod has unbound immediate PersistentVolumeClaims");
        } else if (!why && node && *node) {
            add_node_name(plan, node);
        } else if (!why) {
            plan->select = xrealloc(plan->select, (plan->nselect + 1) * sizeof(*plan->select));
            plan->select[plan->nselect++] = xstrdup(name);
        }
    }
    json_object_put(pvc);
    return why;
}

void sched_volumes_plan(const sched_pod *p, sched_vol_lookup get, sched_vol_in_use in_use,
                        void *ctx, sched_vol_plan *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < p->nclaims && !out->why; i++)
        out->why = one_claim(p, p->claims[i], get, in_use, ctx, out);
}

void sched_vol_plan_clear(sched_vol_plan *plan)
{
    free(plan->why);
    sched_node_sels_free(plan->affinity, plan->naffinity);
    sched_strv_free(plan->select, plan->nselect);
    memset(plan, 0, sizeof(*plan));
}

void sched_vol_plan_apply(sched_vol_plan *plan, sched_pod *p)
{
    sched_node_sels_free(p->vol_affinity, p->nvol_affinity);
    sched_strv_free(p->vol_select, p->nvol_select);
    p->vol_affinity = steal_pointer(&plan->affinity);
    p->nvol_affinity = plan->naffinity;
    p->vol_select = steal_pointer(&plan->select);
    p->nvol_select = plan->nselect;
    p->vol_conflict = plan->conflict;
    plan->naffinity = plan->nselect = 0;
}

bool sched_volumes_fit(const sched_node_info *n, const sched_pod *p)
{
    for (size_t i = 0; i < p->nvol_affinity; i++) {
        const sched_node_sel *s = &p->vol_affinity[i];
        bool any = false;
        for (size_t j = 0; j < s->nterms && !any; j++)
            any = sched_node_term_matches(n, &s->terms[j]);
        if (!any)
            return false;
    }
    return true;
}

char *sched_volumes_selected_node_patch(const char *node)
{
    json_object *patch = json_object_new_object(), *meta = json_object_new_object(),
                *ann = json_object_new_object();
    json_object_object_add(ann, SCHED_SELECTED_NODE, json_object_new_string(node));
    json_object_object_add(meta, "annotations", ann);
    json_object_object_add(patch, "metadata", meta);
    char *s = xstrdup(json_object_to_json_string_ext(
        patch, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(patch);
    return s;
}
