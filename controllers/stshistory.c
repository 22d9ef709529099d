/* stshistory.c - a StatefulSet's ControllerRevisions (see stshistory.h). */
#include "controllers/stshistory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controllers/objkey.h"
#include "controllers/replicaset.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/util.h"

#define HISTORY_LIMIT  10 /* revisionHistoryLimit's default */
#define REV_HASH_LABEL "controller.kubernetes.io/hash"

typedef struct history_scan {
    const char *uid, *ns, *prefix; /* prefix: "<set>-" */
    const mk_selector *sel;
    json_object *revs;  /* the set's revisions: [copy], oldest number first once sorted */
    json_object *adopt; /* orphans named "<set>-..." that the selector picks */
} history_scan;

static int scan_rev(void *ctx, json_object *rev)
{
    history_scan *h = ctx;
    if (mk_json_str(rev, "metadata.deletionTimestamp") ||
        strcmp(mk_json_str(rev, "metadata.namespace") ?: "", h->ns) != 0)
        return 0;
    const char *uid = mk_json_str(objkey_owner(rev, "StatefulSet"), "uid");
    json_object *copy = NULL; /* the cache's objects are only read */
    if (uid && !strcmp(uid, h->uid)) {
        json_object_deep_copy(rev, &copy, NULL);
        json_object_array_add(h->revs, copy);
    } else if (!replicaset_controller_ref(rev) && h->sel &&
               !strncmp(mk_json_str(rev, "metadata.name") ?: "", h->prefix,
                        strlen(h->prefix)) &&
               selector_match_labels(h->sel, mk_json_path(rev, "metadata.labels"))) {
        json_object_deep_copy(rev, &copy, NULL);
        json_object_array_add(h->adopt, copy);
    }
    return 0;
}

static int by_number(const void *a, const void *b)
{
    int64_t x = mk_json_int(*(json_object *const *)a, "revision", 0);
    int64_t y = mk_json_int(*(json_object *const *)b, "revision", 0);
    return x < y ? -1 : x > y;
}

static json_object *find_rev(json_object *revs, const char *name)
{
    for (size_t i = 0; i < json_object_array_length(revs); i++) {
        json_object *r = json_object_array_get_idx(revs, i);
        if (!strcmp(mk_json_str(r, "metadata.name") ?: "", name))
            return r;
    }
    return NULL;
}

/* An orphan becomes the set's (compare-and-swap on its resourceVersion),
 * as after a delete with --cascade=orphan and the set made again. */
static int adopt_rev(mk_client *cl, json_object *set, json_object *rev, mk_err *err)
{
    json_object *refs = mk_json_copy(mk_json_path(rev, "metadata.ownerReferences"));
    if (!json_object_is_type(refs, json_type_array)) {
        json_object_put(refs);
        refs = json_object_new_array();
    }
    json_object_array_add(refs, objkey_controller_ref(set, "apps/v1", "StatefulSet"));
    json_object *patch = json_object_new_object(), *md = mk_json_ensure(patch, "metadata");
    json_object_object_add(md, "ownerReferences", refs);
    json_object_object_add(
        md, "resourceVersion",
        json_object_new_string(mk_json_str(rev, "metadata.resourceVersion") ?: ""));
    int rc = client_patch(
        cl, kind_by_kind("ControllerRevision"), mk_json_str(rev, "metadata.namespace"),
        mk_json_str(rev, "metadata.name"), NULL, json_object_to_json_string(patch), NULL, err);
    json_object_put(patch);
    return rc;
}

/* A new revision of the set's template, numbered `number`. */
static json_object *new_rev(json_object *set, const char *name, int64_t number)
{
    json_object *rev = json_object_new_object();
    json_object_object_add(rev, "apiVersion", json_object_new_string("apps/v1"));
    json_object_object_add(rev, "kind", json_object_new_string("ControllerRevision"));
    json_object *md = mk_json_ensure(rev, "metadata");
    json_object_object_add(md, "name", json_object_new_string(name));
    json_object *labels = mk_json_copy(mk_json_path(set, "spec.template.metadata.labels"));
    if (!json_object_is_type(labels, json_type_object)) {
        json_object_put(labels);
        labels = json_object_new_object();
    }
    const char *dash = strrchr(name, '-');
    json_object_object_add(labels, REV_HASH_LABEL,
                           json_object_new_string(dash ? dash + 1 : ""));
    json_object_object_add(md, "labels", labels);
    json_object *notes = mk_json_path(set, "metadata.annotations"); /* change-cause... */
    if (json_object_is_type(notes, json_type_object))
        json_object_object_add(md, "annotations", mk_json_copy(notes));
    json_object *refs = json_object_new_array();
    json_object_array_add(refs, objkey_controller_ref(set, "apps/v1", "StatefulSet"));
    json_object_object_add(md, "ownerReferences", refs);
    json_object *tmpl = mk_json_copy(mk_json_path(set, "spec.template"));
    json_object_object_add(tmpl, "$patch", json_object_new_string("replace"));
    json_object *spec = json_object_new_object();
    json_object_object_add(spec, "template", tmpl);
    json_object *data = json_object_new_object();
    json_object_object_add(data, "spec", spec);
    json_object_object_add(rev, "data", data);
    json_object_object_add(rev, "revision", json_object_new_int64(number));
    return rev;
}

/* The update revision exists and is the newest. */
static int ensure_update(mk_client *cl, json_object *set, json_object *revs, const char *update,
                         mk_err *err)
{
    const char *ns = mk_json_str(set, "metadata.namespace") ?: "default";
    size_t n = json_object_array_length(revs);
    int64_t top = n ? mk_json_int(json_object_array_get_idx(revs, n - 1), "revision", 0) : 0;
    json_object *have = find_rev(revs, update);
    if (have && mk_json_int(have, "revision", 0) == top)
        return 0;
    if (have) { /* back to an older template: it becomes the newest again */
        _cleanup_free_ char *patch = xasprintf("{\"revision\":%lld}", (long long)(top + 1));
        return client_patch(cl, kind_by_kind("ControllerRevision"), ns, update, NULL, patch,
                            NULL, err);
    }
    json_object *rev = new_rev(set, update, top + 1), *out = NULL;
    int rc = client_create(cl, kind_by_kind("ControllerRevision"), ns, rev, &out, err);
    if (rc < 0 && err->code == EEXIST) /* the cache is behind */
        rc = 0;
    json_object_put(out);
    json_object_put(rev);
    return rc;
}

static bool in_list(char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return true;
    return false;
}

/* The oldest revisions nobody uses go, beyond the limit. */
static void truncate_history(mk_client *cl, json_object *set, json_object *revs,
                             const sts_history *h, const char *update, char *const *live,
                             size_t nlive)
{
    int64_t limit = mk_json_int(set, "spec.revisionHistoryLimit", HISTORY_LIMIT);
    size_t n = json_object_array_length(revs), unused = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = mk_json_str(json_object_array_get_idx(revs, i), "metadata.name");
        unused +=
            strcmp(name, update) && strcmp(name, h->current) && !in_list(live, nlive, name);
    }
    const char *ns = mk_json_str(set, "metadata.namespace") ?: "default";
    for (size_t i = 0; i < n && (int64_t)unused > limit; i++) {
        const char *name = mk_json_str(json_object_array_get_idx(revs, i), "metadata.name");
        if (!strcmp(name, update) || !strcmp(name, h->current) || in_list(live, nlive, name))
            continue;
        mk_err err = {0};
        if (client_delete(cl, kind_by_kind("ControllerRevision"), ns, name, NULL, &err) < 0 &&
            err.code != ENOENT)
            mk_log("statefulset: %s/%s: delete revision %s: %s", ns,
                   mk_json_str(set, "metadata.name"), name, err.msg);
        unused--;
    }
}

int stshistory_sync(mk_client *cl, mk_informer *revs, json_object *set, const mk_selector *sel,
                    const char *update, char *const *live, size_t nlive, sts_history *out,
                    mk_err *err)
{
    _cleanup_free_ char *prefix = xasprintf("%s-", mk_json_str(set, "metadata.name") ?: "");
    history_scan h = {.uid = mk_json_str(set, "metadata.uid") ?: "",
                      .ns = mk_json_str(set, "metadata.namespace") ?: "default",
                      .prefix = prefix,
                      .sel = sel,
                      .revs = json_object_new_array(),
                      .adopt = json_object_new_array()};
    informer_foreach(revs, scan_rev, &h);
    int rc = 0;
    for (size_t i = 0; i < json_object_array_length(h.adopt); i++) {
        json_object *r = json_object_array_get_idx(h.adopt, i);
        if (adopt_rev(cl, set, r, err) < 0)
            rc = -1;
        else /* ours from now on */
            json_object_array_add(h.revs, json_object_get(r));
    }
    json_object_put(h.adopt);
    json_object_array_sort(h.revs, by_number);
    *out = (sts_history){0};
    if (rc == 0)
        rc = ensure_update(cl, set, h.revs, update, err);
    const char *current = mk_json_str(set, "status.currentRevision");
    json_object *cur = current && *current ? find_rev(h.revs, current) : NULL;
    snprintf(out->current, sizeof out->current, "%s", cur ? current : update);
    if (cur && strcmp(current, update) != 0) {
        out->current_tmpl = mk_json_copy(mk_json_path(cur, "data.spec.template"));
        json_object_object_del(out->current_tmpl, "$patch");
    }
    if (rc == 0)
        truncate_history(cl, set, h.revs, out, update, live, nlive);
    json_object_put(h.revs);
    return rc;
}
