/* protobuf.c - see protobuf.h. */
#include "store/server/protobuf.h"

#include <stdint.h>
#include <string.h>

#include "store/util.h"

typedef struct pb {
    const uint8_t *p, *end;
} pb;

typedef struct pb_field {
    uint32_t num;
    int wire;       /* 0 varint, 1 fixed64, 2 bytes, 5 fixed32 */
    uint64_t value; /* varint */
    pb bytes;       /* wire 2 */
} pb_field;

static int pb_varint(pb *b, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (b->p >= b->end)
            return -1;
        uint8_t c = *b->p++;
        *v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return 0;
    }
    return -1;
}

/* The next field; 1 when b is exhausted, -1 when malformed. */
static int pb_next(pb *b, pb_field *f)
{
    if (b->p >= b->end)
        return 1;
    uint64_t key, len;
    if (pb_varint(b, &key) < 0 || (key >> 3) == 0 || (key >> 3) > UINT32_MAX)
        return -1;
    f->num = (uint32_t)(key >> 3);
    f->wire = (int)(key & 7);
    switch (f->wire) {
    case 0:
        return pb_varint(b, &f->value);
    case 1:
    case 5: {
        size_t n = f->wire == 1 ? 8 : 4;
        if ((size_t)(b->end - b->p) < n)
            return -1;
        b->p += n;
        return 0;
    }
    case 2:
        if (pb_varint(b, &len) < 0 || len > (uint64_t)(b->end - b->p))
            return -1;
        f->bytes = (pb){b->p, b->p + len};
        b->p += len;
        return 0;
    default:
        return -1;
    }
}

static json_object *pb_string(const pb *b)
{
    return json_object_new_string_len((const char *)b->p, (int)(b->end - b->p));
}

static json_object *pb_base64(const pb *b)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = (size_t)(b->end - b->p);
    char *out = xmalloc(4 * ((n + 2) / 3) + 1), *o = out;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)b->p[i] << 16 | (i + 1 < n ? (uint32_t)b->p[i + 1] << 8 : 0) |
                     (i + 2 < n ? b->p[i + 2] : 0);
        *o++ = tab[v >> 18 & 63];
        *o++ = tab[v >> 12 & 63];
        *o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? tab[v & 63] : '=';
    }
    *o = '\0';
    json_object *s = json_object_new_string(out);
    free(out);
    return s;
}

/* A map<string, string|bytes> entry into obj[key]. */
static int pb_map_entry(pb entry, json_object *obj, bool bytes)
{
    pb_field f;
    pb key = {0}, val = {0};
    int rc;
    while ((rc = pb_next(&entry, &f)) == 0) {
        if (f.wire == 2 && f.num == 1)
            key = f.bytes;
        else if (f.wire == 2 && f.num == 2)
            val = f.bytes;
    }
    if (rc < 0 || !key.p)
        return -1;
    _cleanup_free_ char *k = xstrndup((const char *)key.p, (size_t)(key.end - key.p));
    pb empty = {(const uint8_t *)"", (const uint8_t *)""};
    json_object_object_add(
        obj, k, bytes ? pb_base64(val.p ? &val : &empty) : pb_string(val.p ? &val : &empty));
    return 0;
}

static json_object *ensure(json_object *parent, const char *key, json_type type)
{
    json_object *v;
    if (!json_object_object_get_ex(parent, key, &v)) {
        v = type == json_type_array ? json_object_new_array() : json_object_new_object();
        json_object_object_add(parent, key, v);
    }
    return v;
}

static int pb_object_meta(pb b, json_object *md)
{
    static const char *const strings[] = {
        [1] = "name", [2] = "generateName", [3] = "namespace"};
    pb_field f;
    int rc;
    while ((rc = pb_next(&b, &f)) == 0) {
        if (f.wire != 2)
            continue;
        if (f.num >= 1 && f.num <= 3)
            json_object_object_add(md, strings[f.num], pb_string(&f.bytes));
        else if ((f.num == 11 || f.num == 12) &&
                 pb_map_entry(
                     f.bytes,
                     ensure(md, f.num == 11 ? "labels" : "annotations", json_type_object),
                     false) < 0)
            return -1;
        else if (f.num == 14)
            json_object_array_add(ensure(md, "finalizers", json_type_array),
                                  pb_string(&f.bytes));
    }
    return rc < 0 ? -1 : 0;
}

/* Which fields of the kind's message carry what. */
typedef struct pb_kind {
    const char *kind;
    uint32_t string_map, bytes_map; /* data fields; 0: none */
    const char *string_map_name, *bytes_map_name;
    uint32_t type_field, immutable_field, spec_field;
} pb_kind;

static const pb_kind pb_kinds[] = {
    {"ConfigMap", 2, 3, "data", "binaryData", 0, 4, 0},
    {"Secret", 4, 2, "stringData", "data", 3, 5, 0},
    {"Namespace", 0, 0, NULL, NULL, 0, 0, 2},
};

/* NamespaceSpec {1: repeated finalizers} */
static int pb_namespace_spec(pb b, json_object *obj)
{
    pb_field f;
    int rc;
    json_object *spec = ensure(obj, "spec", json_type_object);
    while ((rc = pb_next(&b, &f)) == 0)
        if (f.wire == 2 && f.num == 1)
            json_object_array_add(ensure(spec, "finalizers", json_type_array),
                                  pb_string(&f.bytes));
    return rc < 0 ? -1 : 0;
}

static int pb_object(const pb_kind *k, pb b, json_object *obj)
{
    pb_field f;
    int rc;
    while ((rc = pb_next(&b, &f)) == 0) {
        int r = 0;
        if (f.num == 1 && f.wire == 2)
            r = pb_object_meta(f.bytes, ensure(obj, "metadata", json_type_object));
        else if (k->string_map && f.num == k->string_map && f.wire == 2)
            r = pb_map_entry(f.bytes, ensure(obj, k->string_map_name, json_type_object), false);
        else if (k->bytes_map && f.num == k->bytes_map && f.wire == 2)
            r = pb_map_entry(f.bytes, ensure(obj, k->bytes_map_name, json_type_object), true);
        else if (k->type_field && f.num == k->type_field && f.wire == 2 &&
                 f.bytes.p < f.bytes.end)
            json_object_object_add(obj, "type", pb_string(&f.bytes));
        else if (k->immutable_field && f.num == k->immutable_field && f.wire == 0)
            json_object_object_add(obj, "immutable", json_object_new_boolean(f.value != 0));
        else if (k->spec_field && f.num == k->spec_field && f.wire == 2)
            r = pb_namespace_spec(f.bytes, obj);
        if (r < 0)
            return -1;
    }
    return rc < 0 ? -1 : 0;
}

/* meta/v1 DeleteOptions {1: gracePeriodSeconds, 2: preconditions {1: uid,
 * 2: resourceVersion}, 3: orphanDependents, 4: propagationPolicy}: what
 * kubectl's typed client sends with a DELETE (kubectl drain). */
static int pb_delete_options(pb b, json_object *obj)
{
    pb_field f;
    int rc;
    while ((rc = pb_next(&b, &f)) == 0) {
        if (f.num == 1 && f.wire == 0) {
            json_object_object_add(obj, "gracePeriodSeconds",
                                   json_object_new_int64((int64_t)f.value));
        } else if (f.num == 2 && f.wire == 2) {
            json_object *pre = ensure(obj, "preconditions", json_type_object);
            pb inner = f.bytes;
            pb_field g;
            while ((rc = pb_next(&inner, &g)) == 0)
                if (g.wire == 2 && (g.num == 1 || g.num == 2))
                    json_object_object_add(pre, g.num == 1 ? "uid" : "resourceVersion",
                                           pb_string(&g.bytes));
            if (rc < 0)
                return -1;
        } else if (f.num == 3 && f.wire == 0) {
            json_object_object_add(obj, "orphanDependents", json_object_new_boolean(f.value));
        } else if (f.num == 4 && f.wire == 2) {
            json_object_object_add(obj, "propagationPolicy", pb_string(&f.bytes));
        }
    }
    return rc < 0 ? -1 : 0;
}

int protobuf_to_json(const void *data, size_t len, json_object **out, mk_err *err)
{
    static const uint8_t magic[4] = {'k', '8', 's', 0};
    if (len < 4 || memcmp(data, magic, 4) != 0)
        return mk_error(err, EBADMSG, "protobuf body without the k8s envelope");
    pb b = {(const uint8_t *)data + 4, (const uint8_t *)data + len}, raw = {0};
    pb_field f;
    int rc;
    _cleanup_free_ char *api_version = NULL, *kind = NULL;
    while ((rc = pb_next(&b, &f)) == 0) {
        if (f.num == 1 && f.wire == 2) {
            pb tm = f.bytes;
            pb_field t;
            while (pb_next(&tm, &t) == 0) {
                char **dst = t.num == 1 ? &api_version : t.num == 2 ? &kind : NULL;
                if (dst && t.wire == 2 && !*dst)
                    *dst = xstrndup((const char *)t.bytes.p, (size_t)(t.bytes.end - t.bytes.p));
            }
        } else if (f.num == 2 && f.wire == 2) {
            raw = f.bytes;
        }
    }
    if (rc < 0 || !kind || !api_version || !raw.p)
        return mk_error(err, EBADMSG, "malformed protobuf body");
    if (!strcmp(kind, "DeleteOptions")) {
        json_object *opts = json_object_new_object();
        json_object_object_add(opts, "kind", json_object_new_string(kind));
        json_object_object_add(opts, "apiVersion", json_object_new_string(api_version));
        if (pb_delete_options(raw, opts) < 0) {
            json_object_put(opts);
            return mk_error(err, EBADMSG, "malformed protobuf DeleteOptions");
        }
        *out = opts;
        return 0;
    }
    const pb_kind *k = NULL;
    for (size_t i = 0; i < ARRAY_SIZE(pb_kinds); i++)
        if (!strcmp(pb_kinds[i].kind, kind) && !strcmp(api_version, "v1"))
            k = &pb_kinds[i];
    if (!k)
        return mk_error(err, EOPNOTSUPP,
                        "%s sent as protobuf is not supported: send JSON or "
                        "YAML (kubectl create -f FILE)",
                        kind);
    json_object *obj = json_object_new_object();
    json_object_object_add(obj, "apiVersion", json_object_new_string(api_version));
    json_object_object_add(obj, "kind", json_object_new_string(kind));
    if (pb_object(k, raw, obj) < 0) {
        json_object_put(obj);
        return mk_error(err, EBADMSG, "malformed protobuf %s", kind);
    }
    *out = obj;
    return 0;
}
