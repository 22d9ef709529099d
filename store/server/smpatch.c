/* smpatch.c - strategic merge patch (see smpatch.h). */
#include "store/server/smpatch.h"

#include <stdbool.h>
#include <string.h>

#include "store/util.h"

#define SM_DELETE 1 /* merge_map: the patch deletes the map itself */

/* Kubernetes' patchMergeKey of the list fields minik8s' kinds have. "ports"
 * is decided by its elements (containerPort in a container, port in a
 * Service). */
static const struct {
    const char *field, *key;
} merge_keys[] = {
    {"containers", "name"},
    {"initContainers", "name"},
    {"ephemeralContainers", "name"},
    {"env", "name"},
    {"volumes", "name"},
    {"volumeMounts", "mountPath"},
    {"volumeDevices", "devicePath"},
    {"imagePullSecrets", "name"},
    {"hostAliases", "ip"},
    {"ownerReferences", "uid"},
    {"conditions", "type"},
    {"taints", "key"},
    {"addresses", "type"},
    {"readinessGates", "conditionType"},
    {"topologySpreadConstraints", "topologyKey"},
};
/* Lists of strings merged as sets (patchStrategy merge without a key). */
static const char *const set_lists[] = {"finalizers"};

static bool is_directive(const char *k)
{
    return k[0] == '$';
}

static const char *str_of(json_object *o, const char *k)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : NULL;
}

static bool same(json_object *a, json_object *b)
{
    return json_object_equal(a, b);
}

/* A copy without directives (what a new map or element becomes). */
static json_object *clean_copy(json_object *v)
{
    if (json_object_is_type(v, json_type_object)) {
        json_object *o = json_object_new_object();
        json_object_object_foreach(v, k, x)
        {
            if (!is_directive(k))
                json_object_object_add(o, k, clean_copy(x));
        }
        return o;
    }
    if (json_object_is_type(v, json_type_array)) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            json_object *e = json_object_array_get_idx(v, i);
            const char *p =
                json_object_is_type(e, json_type_object) ? str_of(e, "$patch") : NULL;
            if (!p || strcmp(p, "delete") != 0)
                json_object_array_add(a, clean_copy(e));
        }
        return a;
    }
    return json_object_get(v);
}

const char *smpatch_merge_key(const char *field, json_object *patch, json_object *cur)
{
    if (strcmp(field, "ports") == 0) {
        json_object *lists[] = {patch, cur};
        for (int l = 0; l < 2; l++)
            for (size_t i = 0; lists[l] && i < json_object_array_length(lists[l]); i++)
                if (json_object_object_get_ex(json_object_array_get_idx(lists[l], i),
                                              "containerPort", NULL))
                    return "containerPort";
        return "port";
    }
    for (size_t i = 0; i < ARRAY_SIZE(merge_keys); i++)
        if (strcmp(merge_keys[i].field, field) == 0)
            return merge_keys[i].key;
    return NULL;
}

bool smpatch_is_set(const char *field)
{
    for (size_t i = 0; i < ARRAY_SIZE(set_lists); i++)
        if (strcmp(set_lists[i], field) == 0)
            return true;
    return false;
}

/* The index of the element of list whose key equals e's, or -1. */
static int find_keyed(json_object *list, const char *key, json_object *e)
{
    json_object *want = NULL;
    if (!json_object_object_get_ex(e, key, &want))
        return -1;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *have = NULL;
        if (json_object_object_get_ex(json_object_array_get_idx(list, i), key, &have) &&
            same(have, want))
            return (int)i;
    }
    return -1;
}

static json_object *without_index(json_object *list, size_t skip)
{
    json_object *out = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(list); i++)
        if (i != skip)
            json_object_array_add(out, json_object_get(json_object_array_get_idx(list, i)));
    return out;
}

static int merge_map(json_object *t, json_object *p, mk_err *err);

/* A list under field: keyed element by element, a set, or replaced. */
static int merge_list(json_object *t, const char *field, json_object *cur, json_object *v,
                      mk_err *err)
{
    for (size_t i = 0; i < json_object_array_length(v); i++) {
        json_object *e = json_object_array_get_idx(v, i);
        const char *p = json_object_is_type(e, json_type_object) ? str_of(e, "$patch") : NULL;
        if (p && strcmp(p, "replace") == 0) { /* [{$patch: replace}, ...]: the list as given */
            json_object_object_add(t, field, without_index(v, i));
            return 0;
        }
    }
    bool set = smpatch_is_set(field);
    const char *key = smpatch_merge_key(field, v, cur);
    if (!json_object_is_type(cur, json_type_array) || (!key && !set)) {
        json_object_object_add(t, field, clean_copy(v));
        return 0;
    }
    for (size_t i = 0; i < json_object_array_length(v); i++) {
        json_object *e = json_object_array_get_idx(v, i);
        if (set) {
            bool have = false;
            for (size_t j = 0; j < json_object_array_length(cur) && !have; j++)
                have = same(json_object_array_get_idx(cur, j), e);
            if (!have)
                json_object_array_add(cur, json_object_get(e));
            continue;
        }
        if (!json_object_is_type(e, json_type_object))
            return mk_error(err, EINVAL, "%s: a list merged by %s holds a non-object", field,
                            key);
        int at = find_keyed(cur, key, e);
        const char *p = str_of(e, "$patch");
        if (p && strcmp(p, "delete") == 0) {
            if (at >= 0) {
                json_object *rest = without_index(cur, (size_t)at);
                json_object_object_add(t, field, rest);
                cur = rest;
            }
        } else if (at >= 0) {
            int rc = merge_map(json_object_array_get_idx(cur, (size_t)at), e, err);
            if (rc < 0)
                return rc;
        } else {
            json_object_array_add(cur, clean_copy(e));
        }
    }
    return 0;
}

/* $setElementOrder/field: the elements named first, in that order, then
 * any others as they were. */
static void set_order(json_object *t, const char *field, json_object *order)
{
    json_object *list = NULL;
    if (!json_object_object_get_ex(t, field, &list) ||
        !json_object_is_type(list, json_type_array))
        return;
    const char *key = smpatch_merge_key(field, order, list);
    size_t n = json_object_array_length(list);
    bool *used = xcalloc(n + 1, sizeof *used);
    json_object *out = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(order); i++) {
        json_object *o = json_object_array_get_idx(order, i);
        for (size_t j = 0; j < n; j++) {
            json_object *e = json_object_array_get_idx(list, j), *a = NULL, *b = NULL;
            bool match = key && json_object_is_type(o, json_type_object)
                             ? json_object_object_get_ex(o, key, &a) &&
                                   json_object_object_get_ex(e, key, &b) && same(a, b)
                             : same(o, e);
            if (match && !used[j]) {
                used[j] = true;
                json_object_array_add(out, json_object_get(e));
                break;
            }
        }
    }
    for (size_t j = 0; j < n; j++)
        if (!used[j])
            json_object_array_add(out, json_object_get(json_object_array_get_idx(list, j)));
    free(used);
    json_object_object_add(t, field, out);
}

static void delete_from_list(json_object *t, const char *field, json_object *values)
{
    json_object *list = NULL;
    if (!json_object_object_get_ex(t, field, &list) ||
        !json_object_is_type(list, json_type_array))
        return;
    json_object *out = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *e = json_object_array_get_idx(list, i);
        bool drop = false;
        for (size_t j = 0; j < json_object_array_length(values) && !drop; j++)
            drop = same(e, json_object_array_get_idx(values, j));
        if (!drop)
            json_object_array_add(out, json_object_get(e));
    }
    json_object_object_add(t, field, out);
}

static void retain_keys(json_object *t, json_object *keep)
{
    json_object *drop = json_object_new_array();
    json_object_object_foreach(t, k, v)
    {
        (void)v;
        bool kept = false;
        for (size_t i = 0; i < json_object_array_length(keep) && !kept; i++)
            kept = strcmp(json_object_get_string(json_object_array_get_idx(keep, i)), k) == 0;
        if (!kept)
            json_object_array_add(drop, json_object_new_string(k));
    }
    for (size_t i = 0; i < json_object_array_length(drop); i++)
        json_object_object_del(t, json_object_get_string(json_object_array_get_idx(drop, i)));
    json_object_put(drop);
}

/* One field of the patch into t. */
static int merge_field(json_object *t, const char *k, json_object *v, mk_err *err)
{
    json_object *cur = NULL;
    json_object_object_get_ex(t, k, &cur);
    if (!v) {
        json_object_object_del(t, k);
        return 0;
    }
    if (json_object_is_type(v, json_type_array))
        return merge_list(t, k, cur, v, err);
    if (!json_object_is_type(v, json_type_object)) {
        json_object_object_add(t, k, json_object_get(v));
        return 0;
    }
    const char *p = str_of(v, "$patch");
    if (!json_object_is_type(cur, json_type_object) || (p && !strcmp(p, "replace"))) {
        if (p && !strcmp(p, "delete"))
            json_object_object_del(t, k);
        else
            json_object_object_add(t, k, clean_copy(v));
        return 0;
    }
    int rc = merge_map(cur, v, err);
    if (rc == SM_DELETE)
        json_object_object_del(t, k);
    return rc < 0 ? rc : 0;
}

static int merge_map(json_object *t, json_object *p, mk_err *err)
{
    const char *pd = str_of(p, "$patch");
    if (pd && strcmp(pd, "delete") == 0)
        return SM_DELETE;
    if (pd && strcmp(pd, "replace") != 0)
        return mk_error(err, EINVAL, "$patch: unknown directive %s", pd);
    json_object_object_foreach(p, k, v)
    {
        if (is_directive(k))
            continue;
        int rc = merge_field(t, k, v, err);
        if (rc < 0)
            return rc;
    }
    json_object_object_foreach(p, dk, dv)
    {
        if (strncmp(dk, "$setElementOrder/", 17) == 0 &&
            json_object_is_type(dv, json_type_array))
            set_order(t, dk + 17, dv);
        else if (strncmp(dk, "$deleteFromPrimitiveList/", 25) == 0 &&
                 json_object_is_type(dv, json_type_array))
            delete_from_list(t, dk + 25, dv);
        else if (strcmp(dk, "$retainKeys") == 0 && json_object_is_type(dv, json_type_array))
            retain_keys(t, dv);
    }
    return 0;
}

int smpatch_apply(json_object *target, json_object *patch, mk_err *err)
{
    if (!json_object_is_type(target, json_type_object) ||
        !json_object_is_type(patch, json_type_object))
        return mk_error(err, EINVAL, "a strategic merge patch must be an object");
    const char *pd = str_of(patch, "$patch");
    if (pd && strcmp(pd, "replace") == 0) {
        /* The whole object as given. */
        json_object *keys = json_object_new_array();
        json_object_object_foreach(target, k, v)
        {
            (void)v;
            json_object_array_add(keys, json_object_new_string(k));
        }
        for (size_t i = 0; i < json_object_array_length(keys); i++)
            json_object_object_del(target,
                                   json_object_get_string(json_object_array_get_idx(keys, i)));
        json_object_put(keys);
    }
    int rc = merge_map(target, patch, err);
    if (rc == SM_DELETE)
        return mk_error(err, EINVAL, "$patch: delete of the whole object: use DELETE");
    return rc;
}
