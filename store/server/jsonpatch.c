/* jsonpatch.c - RFC 6902 over json-c trees (see jsonpatch.h). */
#include "store/server/jsonpatch.h"

#include <stdlib.h>
#include <string.h>

#include "store/codec.h"
#include "store/util.h"

/* One pointer resolved to its parent container and last token. */
typedef struct jp_loc {
    json_object *parent;
    char *token; /* unescaped; owned */
} jp_loc;

static char *unescape(const char *s, size_t n)
{
    char *out = xmalloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '~' && i + 1 < n && (s[i + 1] == '0' || s[i + 1] == '1')) {
            *o++ = s[i + 1] == '0' ? '~' : '/';
            i++;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

/* An array index token: digits only, no leading zero. -1 if not one. */
static long index_of(const char *t, size_t len)
{
    if (!*t || (t[0] == '0' && t[1]) || strspn(t, "0123456789") != strlen(t))
        return -1;
    long i = strtol(t, NULL, 10);
    return (size_t)i <= len ? i : -1;
}

static json_object *child(json_object *cur, const char *tok)
{
    if (json_object_is_type(cur, json_type_object)) {
        json_object *v;
        return json_object_object_get_ex(cur, tok, &v) ? v : NULL;
    }
    if (json_object_is_type(cur, json_type_array)) {
        long i = index_of(tok, json_object_array_length(cur));
        return i >= 0 && (size_t)i < json_object_array_length(cur)
                   ? json_object_array_get_idx(cur, (size_t)i)
                   : NULL;
    }
    return NULL;
}

/* Walk every token but the last; the last is left in loc->token. */
static int locate(json_object *doc, const char *ptr, jp_loc *loc, mk_err *err)
{
    if (!ptr || ptr[0] != '/')
        return mk_error(err, EBADMSG, "path \"%s\" must start with '/'", ptr ? ptr : "");
    json_object *cur = doc;
    const char *p = ptr + 1;
    for (;;) {
        size_t n = strcspn(p, "/");
        char *tok = unescape(p, n);
        if (!p[n]) {
            loc->parent = cur;
            loc->token = tok;
            return 0;
        }
        cur = child(cur, tok);
        free(tok);
        if (!cur)
            return mk_error(err, EBADMSG, "path %s does not exist", ptr);
        p += n + 1;
    }
}

static json_object *get_at(json_object *doc, const char *ptr, mk_err *err)
{
    jp_loc loc;
    if (locate(doc, ptr, &loc, err) < 0)
        return NULL;
    json_object *v = child(loc.parent, loc.token);
    free(loc.token);
    if (!v)
        mk_error(err, EBADMSG, "path %s does not exist", ptr);
    return v;
}

static int array_insert(json_object *arr, long at, json_object *val)
{
    size_t len = json_object_array_length(arr);
    json_object_array_add(arr, NULL);
    for (size_t i = len; i > (size_t)at; i--)
        json_object_array_put_idx(arr, i,
                                  json_object_get(json_object_array_get_idx(arr, i - 1)));
    return json_object_array_put_idx(arr, (size_t)at, val);
}

/* add (replace=false) or replace (replace=true); takes val. */
static int put_at(json_object *doc, const char *ptr, json_object *val, bool replace,
                  mk_err *err)
{
    jp_loc loc;
    if (locate(doc, ptr, &loc, err) < 0) {
        json_object_put(val);
        return -err->code;
    }
    int rc = 0;
    if (json_object_is_type(loc.parent, json_type_object)) {
        if (replace && !child(loc.parent, loc.token))
            rc = mk_error(err, EBADMSG, "path %s does not exist", ptr);
        else
            json_object_object_add(loc.parent, loc.token, json_object_get(val));
    } else if (json_object_is_type(loc.parent, json_type_array)) {
        size_t len = json_object_array_length(loc.parent);
        long i = strcmp(loc.token, "-") == 0 && !replace ? (long)len : index_of(loc.token, len);
        if (i < 0 || (replace && (size_t)i >= len))
            rc = mk_error(err, EBADMSG, "path %s: index out of range", ptr);
        else if (replace)
            json_object_array_put_idx(loc.parent, (size_t)i, json_object_get(val));
        else
            array_insert(loc.parent, i, json_object_get(val));
    } else {
        rc = mk_error(err, EBADMSG, "path %s: parent is not an object or array", ptr);
    }
    free(loc.token);
    json_object_put(val);
    return rc;
}

/* Detach the value at ptr; *out (if not NULL) gets a reference to it. */
static int remove_at(json_object *doc, const char *ptr, json_object **out, mk_err *err)
{
    jp_loc loc;
    if (locate(doc, ptr, &loc, err) < 0)
        return -err->code;
    json_object *v = child(loc.parent, loc.token);
    int rc = 0;
    if (!v) {
        rc = mk_error(err, EBADMSG, "path %s does not exist", ptr);
    } else {
        if (out)
            *out = json_object_get(v);
        if (json_object_is_type(loc.parent, json_type_object))
            json_object_object_del(loc.parent, loc.token);
        else
            json_object_array_del_idx(loc.parent, (size_t)index_of(loc.token, SIZE_MAX / 2), 1);
    }
    free(loc.token);
    return rc;
}

static int apply_one(json_object *doc, json_object *op, mk_err *err)
{
    json_object *o, *p, *f, *value = NULL;
    if (!json_object_is_type(op, json_type_object) ||
        !json_object_object_get_ex(op, "op", &o) ||
        !json_object_object_get_ex(op, "path", &p) || !json_object_is_type(p, json_type_string))
        return mk_error(err, EBADMSG, "each operation needs \"op\" and \"path\"");
    const char *name = json_object_get_string(o), *path = json_object_get_string(p);
    const char *from =
        json_object_object_get_ex(op, "from", &f) ? json_object_get_string(f) : NULL;
    bool has_value = json_object_object_get_ex(op, "value", &value);
    if (!strcmp(name, "add") || !strcmp(name, "replace") || !strcmp(name, "test")) {
        if (!has_value)
            return mk_error(err, EBADMSG, "%s %s: \"value\" is required", name, path);
        if (!strcmp(name, "test")) {
            json_object *cur = get_at(doc, path, err);
            if (!cur)
                return -err->code;
            return json_object_equal(cur, value) ? 0
                                                 : mk_error(err, EINVAL,
                                                            "test %s: the value "
                                                            "differs",
                                                            path);
        }
        return put_at(doc, path, mk_json_copy(value), !strcmp(name, "replace"), err);
    }
    if (!strcmp(name, "remove"))
        return remove_at(doc, path, NULL, err);
    if (!strcmp(name, "move") || !strcmp(name, "copy")) {
        if (!from)
            return mk_error(err, EBADMSG, "%s %s: \"from\" is required", name, path);
        json_object *v = NULL;
        if (!strcmp(name, "move")) {
            size_t n = strlen(from);
            if (!strncmp(path, from, n) && path[n] == '/')
                return mk_error(err, EBADMSG, "move %s: cannot move into its own child", from);
            if (remove_at(doc, from, &v, err) < 0)
                return -err->code;
        } else {
            json_object *src = get_at(doc, from, err);
            if (!src)
                return -err->code;
            v = mk_json_copy(src);
        }
        return put_at(doc, path, v, false, err);
    }
    return mk_error(err, EBADMSG, "unknown op \"%s\"", name);
}

int jsonpatch_apply(json_object *doc, json_object *ops, mk_err *err)
{
    if (!json_object_is_type(ops, json_type_array))
        return mk_error(err, EBADMSG, "a JSON patch is an array of operations");
    size_t n = json_object_array_length(ops);
    for (size_t i = 0; i < n; i++)
        if (apply_one(doc, json_object_array_get_idx(ops, i), err) < 0)
            return mk_error_wrap(err, "json patch operation %zu", i);
    return 0;
}
