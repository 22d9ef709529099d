/* fieldset.c - FieldsV1 sets (see fieldset.h). */
#include "store/server/fieldset.h"

#include <string.h>

#include "store/codec.h"
#include "store/server/smpatch.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* What a set tracks of metadata; the rest is the server's. */
static const char *const metadata_fields[] = {"labels", "annotations", "finalizers",
                                              "ownerReferences"};

/* Whether a set node has anything below it but the element marker. */
static bool has_children(json_object *node)
{
    json_object_object_foreach(node, k, v)
    {
        (void)v;
        if (strcmp(k, "."))
            return true;
    }
    return false;
}

bool fieldset_empty(json_object *set)
{
    return !set || json_object_object_length(set) == 0;
}

bool fieldset_valid(json_object *set)
{
    if (!json_object_is_type(set, json_type_object))
        return false;
    json_object_object_foreach(set, k, sub)
    {
        (void)k;
        if (!fieldset_valid(sub))
            return false;
    }
    return true;
}

static void add_field(json_object *node, const char *name, json_object *sub)
{
    _cleanup_free_ char *key = xasprintf("f:%s", name);
    json_object_object_add(node, key, sub);
}

static json_object *node_of(const char *field, json_object *v);

static json_object *map_node(json_object *m)
{
    json_object *n = json_object_new_object();
    json_object_object_foreach(m, k, v) add_field(n, k, node_of(k, v));
    return n;
}

/* "k:{"name":"app"}" of element e of a list keyed by key, or NULL. */
static char *element_name(const char *key, json_object *e)
{
    json_object *kv = NULL;
    if (!json_object_is_type(e, json_type_object) || !json_object_object_get_ex(e, key, &kv))
        return NULL;
    json_object *k = json_object_new_object();
    json_object_object_add(k, key, json_object_get(kv));
    char *name = xasprintf("k:%s", json_object_to_json_string_ext(k, JSON_FLAGS));
    json_object_put(k);
    return name;
}

/* A keyed list element by element, a set value by value; any other list
 * (or one whose elements lack their key) is owned whole. */
static json_object *list_node(const char *field, json_object *l)
{
    const char *key = smpatch_merge_key(field, l, NULL);
    bool set = smpatch_is_set(field);
    json_object *n = json_object_new_object();
    for (size_t i = 0; (key || set) && i < json_object_array_length(l); i++) {
        json_object *e = json_object_array_get_idx(l, i);
        if (set) {
            _cleanup_free_ char *name =
                xasprintf("v:%s", json_object_to_json_string_ext(e, JSON_FLAGS));
            json_object_object_add(n, name, json_object_new_object());
            continue;
        }
        _cleanup_free_ char *name = element_name(key, e);
        if (!name) {
            json_object_put(n);
            return json_object_new_object();
        }
        json_object *en = map_node(e);
        json_object_object_add(en, ".", json_object_new_object());
        json_object_object_add(n, name, en);
    }
    return n;
}

static json_object *node_of(const char *field, json_object *v)
{
    if (json_object_is_type(v, json_type_object))
        return map_node(v);
    if (json_object_is_type(v, json_type_array))
        return list_node(field, v);
    return json_object_new_object();
}

json_object *fieldset_of(json_object *obj)
{
    json_object *set = json_object_new_object();
    json_object_object_foreach(obj, k, v)
    {
        if (!strcmp(k, "apiVersion") || !strcmp(k, "kind") || !strcmp(k, "status"))
            continue;
        if (strcmp(k, "metadata")) {
            add_field(set, k, node_of(k, v));
            continue;
        }
        json_object *md = json_object_new_object(), *f;
        for (size_t i = 0; i < ARRAY_SIZE(metadata_fields); i++)
            if (json_object_object_get_ex(v, metadata_fields[i], &f))
                add_field(md, metadata_fields[i], node_of(metadata_fields[i], f));
        if (fieldset_empty(md))
            json_object_put(md);
        else
            add_field(set, "metadata", md);
    }
    return set;
}

void fieldset_union(json_object *set, json_object *add)
{
    json_object_object_foreach(add, k, sub)
    {
        json_object *have = NULL;
        if (!json_object_object_get_ex(set, k, &have))
            json_object_object_add(set, k, mk_json_copy(sub));
        else
            fieldset_union(have, sub);
    }
}

/* Delete the keys named in the array from node (keys cannot go while
 * json-c iterates over them). */
static void delete_keys(json_object *node, json_object *keys)
{
    for (size_t i = 0; i < json_object_array_length(keys); i++)
        json_object_object_del(node,
                               json_object_get_string(json_object_array_get_idx(keys, i)));
    json_object_put(keys);
}

/* A node is a member of its set when it has nothing below it, or beside
 * its children the element marker: "f:data": {} holds the field data, not
 * the keys of the map (those are "f:data": {"f:a": {}}). */
static bool is_member(json_object *node)
{
    return fieldset_empty(node) || json_object_object_get_ex(node, ".", NULL);
}

/* What is left of node once it stops being a member itself (its
 * children), or NULL when nothing is. */
static json_object *without_member(json_object *node)
{
    json_object_object_del(node, ".");
    return fieldset_empty(node) ? NULL : node;
}

/* node keeps its element marker and loses its children. */
static void only_member(json_object *node)
{
    json_object *gone = json_object_new_array();
    json_object_object_foreach(node, k, v)
    {
        (void)v;
        if (strcmp(k, "."))
            json_object_array_add(gone, json_object_new_string(k));
    }
    delete_keys(node, gone);
}

void fieldset_subtract(json_object *set, json_object *rm)
{
    json_object *gone = json_object_new_array();
    json_object_object_foreach(set, k, sub)
    {
        json_object *r = NULL;
        if (!json_object_object_get_ex(rm, k, &r))
            continue;
        bool left;
        if (has_children(r) && has_children(sub)) {
            fieldset_subtract(sub, r);
            left = !fieldset_empty(sub);
        } else if (has_children(sub)) { /* r only names the member */
            left = !is_member(r) || without_member(sub);
        } else {
            left = !is_member(r);
        }
        if (!left)
            json_object_array_add(gone, json_object_new_string(k));
    }
    delete_keys(set, gone);
}

void fieldset_intersect(json_object *set, json_object *keep)
{
    json_object *gone = json_object_new_array();
    json_object_object_foreach(set, k, sub)
    {
        json_object *kept = NULL;
        bool left = json_object_object_get_ex(keep, k, &kept);
        if (left && has_children(kept) && has_children(sub)) {
            fieldset_intersect(sub, kept);
            left = !fieldset_empty(sub);
        } else if (left && has_children(sub)) { /* kept holds the member alone */
            left = is_member(sub) && is_member(kept);
            if (left)
                only_member(sub);
        } else if (left) {
            left = is_member(kept);
        }
        if (!left)
            json_object_array_add(gone, json_object_new_string(k));
    }
    delete_keys(set, gone);
}

/* ---- sets against objects ---- */

/* The value a set key names in v (borrowed), or NULL; *idx its index in a
 * list. */
static json_object *child_of(json_object *v, const char *key, int *idx)
{
    json_object *out = NULL;
    *idx = -1;
    if (!strncmp(key, "f:", 2)) {
        if (json_object_is_type(v, json_type_object))
            json_object_object_get_ex(v, key + 2, &out);
        return out;
    }
    if (!json_object_is_type(v, json_type_array) ||
        (strncmp(key, "k:", 2) && strncmp(key, "v:", 2)))
        return NULL;
    json_object *want = json_tokener_parse(key + 2);
    for (size_t i = 0; want && !out && i < json_object_array_length(v); i++) {
        json_object *e = json_object_array_get_idx(v, i);
        bool match = key[0] == 'v' ? json_object_equal(e, want)
                                   : json_object_is_type(e, json_type_object);
        if (key[0] == 'k' && match) {
            json_object_object_foreach(want, wk, wv)
            {
                json_object *have = NULL;
                match = match && json_object_object_get_ex(e, wk, &have) &&
                        json_object_equal(have, wv);
            }
        }
        if (match) {
            out = e;
            *idx = (int)i;
        }
    }
    json_object_put(want);
    return out;
}

static void changed_into(json_object *out, json_object *set, json_object *a, json_object *b)
{
    json_object_object_foreach(set, k, sub)
    {
        if (!strcmp(k, "."))
            continue;
        int ia, ib;
        json_object *ca = a ? child_of(a, k, &ia) : NULL, *cb = b ? child_of(b, k, &ib) : NULL;
        if (!has_children(sub)) {
            if (!json_object_equal(ca, cb))
                json_object_object_add(out, k, json_object_new_object());
            continue;
        }
        json_object *o = json_object_new_object();
        changed_into(o, sub, ca, cb);
        if (json_object_object_get_ex(sub, ".", NULL) && !ca != !cb)
            json_object_object_add(o, ".", json_object_new_object());
        if (fieldset_empty(o))
            json_object_put(o);
        else
            json_object_object_add(out, k, o);
    }
}

json_object *fieldset_changed(json_object *set, json_object *a, json_object *b)
{
    json_object *out = json_object_new_object();
    changed_into(out, set, a, b);
    return out;
}

static void delete_child(json_object *v, const char *key)
{
    int idx;
    if (!strncmp(key, "f:", 2) && json_object_is_type(v, json_type_object))
        json_object_object_del(v, key + 2);
    else if (child_of(v, key, &idx) && idx >= 0)
        json_object_array_del_idx(v, (size_t)idx, 1);
}

static bool is_hollow(json_object *v)
{
    return (json_object_is_type(v, json_type_object) && !json_object_object_length(v)) ||
           (json_object_is_type(v, json_type_array) && !json_object_array_length(v));
}

void fieldset_remove(json_object *obj, json_object *drop, json_object *const *keep, size_t n)
{
    json_object **kept = xcalloc(n + 1, sizeof *kept);
    json_object_object_foreach(drop, k, sub)
    {
        if (!strcmp(k, ".") || !obj)
            continue;
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (keep[i] && json_object_object_get_ex(keep[i], k, &kept[m]))
                m++;
        int idx;
        json_object *child = child_of(obj, k, &idx);
        if (m == 0 && is_member(sub)) {
            delete_child(obj, k);
        } else if (has_children(sub) && child) {
            fieldset_remove(child, sub, kept, m);
            /* A map or list that held only what went goes too. */
            if (m == 0 && is_hollow(child))
                delete_child(obj, k);
        }
    }
    free(kept);
}

/* ".name", or `[name="app"]` for an element, `[="x"]` for a set value. */
static void segment(const char *key, mk_buf *out)
{
    if (!strncmp(key, "f:", 2)) {
        mk_buf_printf(out, ".%s", key + 2);
        return;
    }
    json_object *v = json_tokener_parse(key + 2);
    if (key[0] == 'k' && json_object_is_type(v, json_type_object)) {
        mk_buf_puts(out, "[");
        bool first = true;
        json_object_object_foreach(v, k, x)
        {
            mk_buf_printf(out, "%s%s=%s", first ? "" : ",", k,
                          json_object_to_json_string_ext(x, JSON_FLAGS));
            first = false;
        }
        mk_buf_puts(out, "]");
    } else {
        mk_buf_printf(out, "[=%s]", json_object_to_json_string_ext(v, JSON_FLAGS));
    }
    json_object_put(v);
}

static void paths_under(json_object *set, const char *prefix, const char *sep, mk_buf *out)
{
    json_object_object_foreach(set, k, sub)
    {
        if (!strcmp(k, "."))
            continue;
        mk_buf path = {0};
        mk_buf_puts(&path, prefix);
        segment(k, &path);
        if (has_children(sub))
            paths_under(sub, path.data, sep, out);
        else
            mk_buf_printf(out, "%s%s", sep, path.data);
        free(path.data);
    }
}

void fieldset_paths(json_object *set, const char *sep, mk_buf *out)
{
    paths_under(set, "", sep, out);
}
