/* apply.c - server-side apply and its field managers (see apply.h). */
#include "store/server/apply.h"

#include <stdio.h>
#include <string.h>

#include "store/codec.h"
#include "store/server/fieldset.h"
#include "store/server/objects.h"
#include "store/server/smpatch.h"
#include "store/util.h"

#define MAX_MANAGER 128 /* Kubernetes' limit on a manager's name */

const char *apply_manager(api_req *r, char *buf, size_t n)
{
    const char *m = api_query(r, "fieldManager");
    const char *ua = api_header(r, "User-Agent");
    if (m && *m)
        snprintf(buf, n, "%.*s", MAX_MANAGER, m);
    else if (ua && *ua)
        snprintf(buf, n, "%.*s", (int)strcspn(ua, "/ "), ua);
    else
        snprintf(buf, n, "unknown");
    return buf;
}

/* Entries that are no objects go, and sets of the wrong shape own
 * nothing: managedFields are the client's to send (a PUT), and are read as
 * such. */
static void sanitize(json_object *mf)
{
    for (size_t i = json_object_array_length(mf); i-- > 0;) {
        json_object *e = json_object_array_get_idx(mf, i), *set = NULL;
        if (!json_object_is_type(e, json_type_object))
            json_object_array_del_idx(mf, i, 1);
        else if (json_object_object_get_ex(e, "fieldsV1", &set) && !fieldset_valid(set))
            json_object_object_add(e, "fieldsV1", json_object_new_object());
    }
}

/* metadata.managedFields (borrowed, sanitized), made when missing. */
static json_object *entries_of(json_object *obj)
{
    json_object *md = mk_json_ensure(obj, "metadata"), *mf = NULL;
    if (!json_object_object_get_ex(md, "managedFields", &mf) ||
        !json_object_is_type(mf, json_type_array)) {
        mf = json_object_new_array();
        json_object_object_add(md, "managedFields", mf);
    }
    sanitize(mf);
    return mf;
}

static bool is_entry(json_object *e, const char *manager, const char *op)
{
    return !strcmp(mk_json_str(e, "manager") ?: "", manager) &&
           !strcmp(mk_json_str(e, "operation") ?: "", op);
}

/* An entry's set (borrowed), made when missing. */
static json_object *set_of(json_object *e)
{
    json_object *set = NULL;
    if (!json_object_object_get_ex(e, "fieldsV1", &set) ||
        !json_object_is_type(set, json_type_object)) {
        set = json_object_new_object();
        json_object_object_add(e, "fieldsV1", set);
    }
    return set;
}

/* manager's op entry, stamped now; made when missing. */
static json_object *entry(json_object *mf, const char *manager, const char *op,
                          const char *api_version)
{
    json_object *e = NULL;
    for (size_t i = 0; !e && i < json_object_array_length(mf); i++)
        if (is_entry(json_object_array_get_idx(mf, i), manager, op))
            e = json_object_array_get_idx(mf, i);
    if (!e) {
        e = json_object_new_object();
        json_object_object_add(e, "manager", json_object_new_string(manager));
        json_object_object_add(e, "operation", json_object_new_string(op));
        json_object_array_add(mf, e);
    }
    char now[32];
    objects_now(now, sizeof now);
    json_object_object_add(e, "apiVersion", json_object_new_string(api_version));
    json_object_object_add(e, "time", json_object_new_string(now));
    json_object_object_add(e, "fieldsType", json_object_new_string("FieldsV1"));
    set_of(e);
    return e;
}

/* Entries that own nothing any more go. */
static void drop_empty(json_object *mf)
{
    for (size_t i = json_object_array_length(mf); i-- > 0;)
        if (fieldset_empty(set_of(json_object_array_get_idx(mf, i))))
            json_object_array_del_idx(mf, i, 1);
}

/* The conflicts of applied config with entry e: the fields both own whose
 * values differ (a new set), empty when none. */
static json_object *conflicts_with(json_object *e, json_object *applied, json_object *obj,
                                   json_object *config)
{
    json_object *common = mk_json_copy(set_of(e));
    fieldset_intersect(common, applied);
    json_object *ch = fieldset_changed(common, obj, config);
    json_object_put(common);
    return ch;
}

static size_t count_paths(json_object *set)
{
    mk_buf b = {0};
    fieldset_paths(set, "\n", &b);
    size_t n = 0;
    for (const char *p = b.data; p && *p; p++)
        n += *p == '\n';
    free(b.data);
    return n;
}

/* Kubernetes' words: `Apply failed with 1 conflict: conflict with "kubectl"
 * using apps/v1: .spec.replicas`, a list under each manager when more. */
static int refuse(json_object *const *sets, json_object *const *owners, size_t n, mk_err *err)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += count_paths(sets[i]);
    mk_buf b = {0};
    mk_buf_printf(&b, "Apply failed with %zu conflict%s: ", total, total == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++) {
        const char *m = mk_json_str(owners[i], "manager") ?: "";
        const char *v = mk_json_str(owners[i], "apiVersion") ?: "";
        if (total == 1) {
            mk_buf_printf(&b, "conflict with \"%s\" using %s:", m, v);
            fieldset_paths(sets[i], " ", &b);
        } else {
            mk_buf_printf(&b, "%sconflicts with \"%s\" using %s:", i ? "\n" : "", m, v);
            fieldset_paths(sets[i], "\n- ", &b);
        }
    }
    mk_error(err, ESTALE, "%s", b.data);
    free(b.data);
    return -ESTALE;
}

/* What an apply may say: neither status nor what the server keeps. */
static json_object *intent_of(json_object *config)
{
    json_object *c = mk_json_copy(config);
    json_object_object_del(c, "status");
    json_object *md = mk_json_path(c, "metadata");
    static const char *const server[] = {"managedFields", "resourceVersion", "uid",
                                         "creationTimestamp", "generation"};
    for (size_t i = 0; md && i < ARRAY_SIZE(server); i++)
        json_object_object_del(md, server[i]);
    return c;
}

int apply_merge(json_object *obj, json_object *config, const char *manager,
                const char *api_version, bool force, mk_err *err)
{
    json_object *mf = entries_of(obj);
    json_object *cfg = intent_of(config), *applied = fieldset_of(cfg);
    size_t n = json_object_array_length(mf), nc = 0;
    json_object **sets = xcalloc(n + 1, sizeof *sets),
                **owners = xcalloc(n + 1, sizeof *owners);
    json_object **keep = xcalloc(n + 1, sizeof *keep);
    json_object *prev = NULL;
    size_t nkeep = 0;
    keep[nkeep++] = applied;
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(mf, i);
        if (is_entry(e, manager, "Apply")) {
            prev = set_of(e);
            continue;
        }
        keep[nkeep++] = set_of(e);
        json_object *ch = conflicts_with(e, applied, obj, cfg);
        if (fieldset_empty(ch)) {
            json_object_put(ch);
        } else if (force) { /* the fields change hands */
            fieldset_subtract(set_of(e), ch);
            json_object_put(ch);
        } else {
            sets[nc] = ch;
            owners[nc++] = e;
        }
    }
    int rc = nc ? refuse(sets, owners, nc, err) : 0;
    if (rc == 0) {
        json_object *drop = prev ? mk_json_copy(prev) : json_object_new_object();
        fieldset_subtract(drop, applied);
        fieldset_remove(obj, drop, keep, nkeep);
        json_object_put(drop);
        rc = smpatch_apply(obj, cfg, err);
    }
    if (rc == 0) {
        json_object *mine = entry(mf, manager, "Apply", api_version);
        json_object_object_add(mine, "fieldsV1", json_object_get(applied));
        drop_empty(mf);
    }
    for (size_t i = 0; i < nc; i++)
        json_object_put(sets[i]);
    free(sets);
    free(owners);
    free(keep);
    json_object_put(applied);
    json_object_put(cfg);
    return rc;
}

void apply_new(json_object *obj, const char *manager, const char *api_version)
{
    json_object *mf = json_object_new_array();
    json_object_object_add(mk_json_ensure(obj, "metadata"), "managedFields", mf);
    json_object *e = entry(mf, manager, "Apply", api_version);
    json_object_object_add(e, "fieldsV1", fieldset_of(obj));
}

void apply_track_update(json_object *old, json_object *neu, const char *manager,
                        const char *api_version)
{
    json_object *md = mk_json_ensure(neu, "metadata"), *mf = NULL;
    json_object *had = mk_json_path(old, "metadata.managedFields");
    if (!json_object_object_get_ex(md, "managedFields", &mf) && had) {
        mf = mk_json_copy(had);
        json_object_object_add(md, "managedFields", mf);
    }
    if (!json_object_is_type(mf, json_type_array))
        return;
    sanitize(mf);
    if (!json_object_array_length(mf))
        return;
    json_object *now = fieldset_of(neu);
    json_object *ch = fieldset_changed(now, old, neu);
    if (!fieldset_empty(ch)) {
        entry(mf, manager, "Update", api_version);
        for (size_t i = 0; i < json_object_array_length(mf); i++) {
            json_object *e = json_object_array_get_idx(mf, i);
            if (!is_entry(e, manager, "Update"))
                fieldset_subtract(set_of(e), ch);
            else
                fieldset_union(set_of(e), ch);
        }
    }
    for (size_t i = 0; i < json_object_array_length(mf); i++)
        fieldset_intersect(set_of(json_object_array_get_idx(mf, i)), now);
    drop_empty(mf);
    json_object_put(now);
    json_object_put(ch);
}
