/* protobuf.c - see protobuf.h. */
#include "store/server/protobuf.h"

#include <stdint.h>
#include <string.h>

#include "store/codec.h"
#include "store/server/pbschema.h"
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
    _cleanup_free_ char *out = mk_base64_encode(b->p, (size_t)(b->end - b->p));
    return json_object_new_string(out);
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

static int decode(const pb_msg *m, pb b, json_object *obj, mk_err *err);

/* The one string field of a message such as resource.Quantity {1: string}. */
static json_object *pb_quantity(pb b)
{
    pb_field f;
    while (pb_next(&b, &f) == 0)
        if (f.num == 1 && f.wire == 2)
            return pb_string(&f.bytes);
    return json_object_new_string("0");
}

/* intstr.IntOrString {1: type (0 int, 1 string), 2: intVal, 3: strVal}. */
static json_object *pb_intstr(pb b)
{
    pb_field f;
    int64_t type = 0, i = 0;
    json_object *s = NULL;
    while (pb_next(&b, &f) == 0) {
        if (f.num == 1 && f.wire == 0)
            type = (int64_t)f.value;
        else if (f.num == 2 && f.wire == 0)
            i = (int64_t)f.value;
        else if (f.num == 3 && f.wire == 2 && !s)
            s = pb_string(&f.bytes);
    }
    if (type == 1 && s)
        return s;
    json_object_put(s);
    return json_object_new_int64((int32_t)i);
}

/* meta/v1 Time {1: seconds, 2: nanos}; NULL for the zero time (JSON null). */
static json_object *pb_time(pb b)
{
    pb_field f;
    int64_t secs = 0;
    while (pb_next(&b, &f) == 0)
        if (f.num == 1 && f.wire == 0)
            secs = (int64_t)f.value;
    if (!secs)
        return NULL;
    char ts[32];
    mk_rfc3339(ts, sizeof ts, secs);
    return json_object_new_string(ts);
}

/* A map entry {1: key, 2: value} into obj[key]. */
static int pb_map_entry(const pb_fld *d, pb entry, json_object *obj, mk_err *err)
{
    pb_field f;
    pb key = {0}, val = {(const uint8_t *)"", (const uint8_t *)""};
    int rc;
    while ((rc = pb_next(&entry, &f)) == 0) {
        if (f.wire == 2 && f.num == 1)
            key = f.bytes;
        else if (f.wire == 2 && f.num == 2)
            val = f.bytes;
    }
    if (rc < 0 || !key.p)
        return mk_error(err, EBADMSG, "malformed protobuf map entry in %s", d->name);
    _cleanup_free_ char *k = xstrndup((const char *)key.p, (size_t)(key.end - key.p));
    json_object_object_add(obj, k,
                           d->type == PB_MAP_BYTES ? pb_base64(&val)
                           : d->type == PB_MAP_QTY ? pb_quantity(val)
                                                   : pb_string(&val));
    return 0;
}

/* One field's JSON value into *out; NULL for a zero value Go's JSON
 * leaves out (omitempty). */
static int value_of(const pb_fld *d, const pb_field *f, json_object **out, mk_err *err)
{
    *out = NULL;
    int wire = d->type == PB_INT || d->type == PB_BOOL ? 0 : 2;
    if (f->wire != wire)
        return mk_error(err, EBADMSG, "protobuf field %s: wire type %d, not %d", d->name,
                        f->wire, wire);
    bool keep = d->flags & (PB_KEEP_ZERO | PB_REPEATED);
    bool empty = f->bytes.p == f->bytes.end;
    switch (d->type) {
    case PB_STRING:
        *out = empty && !keep ? NULL : pb_string(&f->bytes);
        return 0;
    case PB_BYTES:
        *out = empty && !keep ? NULL : pb_base64(&f->bytes);
        return 0;
    case PB_INT:
        *out = !f->value && !keep ? NULL : json_object_new_int64((int64_t)f->value);
        return 0;
    case PB_BOOL:
        *out = !f->value && !keep ? NULL : json_object_new_boolean(f->value != 0);
        return 0;
    case PB_QTY:
        *out = pb_quantity(f->bytes);
        return 0;
    case PB_INTSTR: /* a Go value: its zero (0 or "") means unset */
        *out = pb_intstr(f->bytes);
        if (!keep &&
            (json_object_is_type(*out, json_type_int) ? !json_object_get_int64(*out)
                                                      : !json_object_get_string_len(*out)))
            json_object_put(*out), *out = NULL;
        return 0;
    case PB_TIME:
        *out = pb_time(f->bytes);
        return 0;
    case PB_MSG: {
        json_object *o = json_object_new_object();
        int rc = decode(d->msg, f->bytes, o, err);
        if (rc < 0) {
            json_object_put(o);
            return rc;
        }
        if (!json_object_object_length(o) && !keep)
            json_object_put(o), o = NULL;
        *out = o;
        return 0;
    }
    default: /* PB_DROP */
        return 0;
    }
}

static const pb_fld *field_of(const pb_msg *m, uint32_t num)
{
    for (size_t i = 0; i < m->nfields; i++)
        if (m->fields[i].num == num)
            return &m->fields[i];
    return NULL;
}

/* Message m from b into obj, field by field as pbschema.h describes it. A
 * field the table lacks is refused: it would be data silently lost. */
static int decode(const pb_msg *m, pb b, json_object *obj, mk_err *err)
{
    pb_field f;
    int rc;
    while ((rc = pb_next(&b, &f)) == 0) {
        const pb_fld *d = field_of(m, f.num);
        if (!d)
            return mk_error(err, EOPNOTSUPP,
                            "protobuf %s field %u is not understood by this server: send "
                            "JSON or YAML (kubectl create -f FILE)",
                            m->name, f.num);
        if ((d->type == PB_MAP || d->type == PB_MAP_BYTES || d->type == PB_MAP_QTY ||
             d->type == PB_INLINE) &&
            f.wire != 2)
            return mk_error(err, EBADMSG, "protobuf field %s: wire type %d", d->name, f.wire);
        if (d->type == PB_MAP || d->type == PB_MAP_BYTES || d->type == PB_MAP_QTY) {
            int r = pb_map_entry(d, f.bytes, ensure(obj, d->name, json_type_object), err);
            if (r < 0)
                return r;
            continue;
        }
        if (d->type == PB_INLINE) {
            int r = decode(d->msg, f.bytes, obj, err);
            if (r < 0)
                return r;
            continue;
        }
        json_object *v;
        int r = value_of(d, &f, &v, err);
        if (r < 0)
            return r;
        if (v && (d->flags & PB_REPEATED))
            json_object_array_add(ensure(obj, d->name, json_type_array), v);
        else if (v)
            json_object_object_add(obj, d->name, v);
    }
    return rc < 0 ? mk_error(err, EBADMSG, "malformed protobuf %s", m->name) : 0;
}

/* The envelope: "k8s\0" then runtime.Unknown {1: typeMeta {1: apiVersion,
 * 2: kind}, 2: raw}. */
static int envelope(const void *data, size_t len, char **api_version, char **kind, pb *raw,
                    mk_err *err)
{
    static const uint8_t magic[4] = {'k', '8', 's', 0};
    if (len < 4 || memcmp(data, magic, 4) != 0)
        return mk_error(err, EBADMSG, "protobuf body without the k8s envelope");
    pb b = {(const uint8_t *)data + 4, (const uint8_t *)data + len};
    pb_field f;
    int rc;
    while ((rc = pb_next(&b, &f)) == 0) {
        if (f.num == 1 && f.wire == 2) {
            pb tm = f.bytes;
            pb_field t;
            while (pb_next(&tm, &t) == 0) {
                char **dst = t.num == 1 ? api_version : t.num == 2 ? kind : NULL;
                if (dst && t.wire == 2 && !*dst)
                    *dst = xstrndup((const char *)t.bytes.p, (size_t)(t.bytes.end - t.bytes.p));
            }
        } else if (f.num == 2 && f.wire == 2) {
            *raw = f.bytes;
        }
    }
    if (rc < 0 || !*kind || !*api_version || !raw->p)
        return mk_error(err, EBADMSG, "malformed protobuf body");
    return 0;
}

int protobuf_to_json(const void *data, size_t len, json_object **out, mk_err *err)
{
    _cleanup_free_ char *api_version = NULL, *kind = NULL;
    pb raw = {0};
    int rc = envelope(data, len, &api_version, &kind, &raw, err);
    if (rc < 0)
        return rc;
    const pb_msg *m = pbschema_kind(api_version, kind);
    if (!m)
        return mk_error(err, EOPNOTSUPP,
                        "%s sent as protobuf is not supported: send JSON or "
                        "YAML (kubectl create -f FILE)",
                        kind);
    json_object *obj = json_object_new_object();
    json_object_object_add(obj, "apiVersion", json_object_new_string(api_version));
    json_object_object_add(obj, "kind", json_object_new_string(kind));
    rc = decode(m, raw, obj, err);
    if (rc == 0 && !codec_utf8_tree(obj)) /* as the JSON and YAML readers insist */
        rc = mk_error(err, EBADMSG, "protobuf %s: a string that is not UTF-8", kind);
    if (rc < 0) {
        json_object_put(obj);
        return rc;
    }
    *out = obj;
    return 0;
}
