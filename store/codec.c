/* codec.c - YAML and JSON manifests to json-c trees and back.
 *
 * YAML goes through libyaml's event parser straight into json-c, resolving
 * plain scalars with the YAML 1.2 core schema (so "true", "12", "1.5", "~"
 * become typed JSON and anything quoted stays a string). Aliases are
 * expanded as copies under a node budget, so a "billion laughs" document
 * fails instead of eating the machine. JSON bodies (the common case from
 * programs) take json_tokener directly.
 */
#include "store/codec.h"
#include "store/util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <inttypes.h>
#include <string.h>
#include <strings.h>
#include <uthash.h>
#include <yaml.h>

/* Nesting deeper than this is refused: no manifest needs it, and it bounds
 * the recursion below. */
#define CODEC_MAX_DEPTH 100
/* Nodes that alias expansion may add to a stream. Real manifests reuse a
 * few small blocks; an exponential alias bomb hits this at once. */
#define CODEC_MAX_ALIAS_NODES 100000

/* ---- scalar resolution (YAML 1.2 core schema) ---- */

static bool all_of(const char *s, const char *set)
{
    return *s && strspn(s, set) == strlen(s);
}

static bool is_null_word(const char *s)
{
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
           !strcmp(s, "NULL");
}

static int bool_word(const char *s)
{
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
        return 1;
    if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
        return 0;
    return -1;
}

/* [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+ ; *ok false when it is an integer
 * that does not fit int64 (it then resolves as a float). */
static bool parse_int(const char *s, int64_t *v, bool *fits)
{
    int base = 10;
    const char *digits = s;
    if (s[0] == '0' && s[1] == 'o' && all_of(s + 2, "01234567"))
        base = 8, digits = s + 2;
    else if (s[0] == '0' && s[1] == 'x' && all_of(s + 2, "0123456789abcdefABCDEF"))
        base = 16, digits = s + 2;
    else if (!all_of(s + (*s == '-' || *s == '+'), "0123456789"))
        return false;
    errno = 0;
    char *end;
    long long n = strtoll(digits, &end, base);
    *fits = errno != ERANGE;
    *v = n;
    return true;
}

/* [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
static bool is_float_text(const char *s)
{
    const char *p = s + (*s == '-' || *s == '+');
    size_t intd = strspn(p, "0123456789");
    p += intd;
    size_t fracd = 0;
    if (*p == '.') {
        p++;
        fracd = strspn(p, "0123456789");
        p += fracd;
    }
    if (!intd && !fracd)
        return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        p += (*p == '-' || *p == '+');
        size_t expd = strspn(p, "0123456789");
        if (!expd)
            return false;
        p += expd;
    }
    return !*p;
}

/* Strict JSON number text: json-c may keep it as the double's serialisation. */
static bool is_json_number(const char *s)
{
    const char *p = s + (*s == '-');
    if (*p == '0')
        p++;
    else if (isdigit((unsigned char)*p))
        p += strspn(p, "0123456789");
    else
        return false;
    if (*p == '.') {
        p++;
        size_t n = strspn(p, "0123456789");
        if (!n)
            return false;
        p += n;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        p += (*p == '-' || *p == '+');
        size_t n = strspn(p, "0123456789");
        if (!n)
            return false;
        p += n;
    }
    return !*p;
}

/* The typed value of a plain scalar, or NULL when it is a string. *is_null
 * distinguishes a resolved null (json-c's NULL) from "a string". */
static json_object *resolve_plain(const char *s, bool *is_null)
{
    *is_null = false;
    if (is_null_word(s)) {
        *is_null = true;
        return NULL;
    }
    int b = bool_word(s);
    if (b >= 0)
        return json_object_new_boolean(b);
    int64_t iv;
    bool fits;
    if (parse_int(s, &iv, &fits)) {
        if (fits)
            return json_object_new_int64(iv);
        if (!all_of(s + (*s == '-' || *s == '+'), "0123456789"))
            return NULL; /* a huge hex or octal number: keep the text */
        /* Past int64: uint64 as json-c reads such JSON, else a float. */
        errno = 0;
        unsigned long long u = strtoull(s, NULL, 10);
        if (*s != '-' && errno != ERANGE)
            return json_object_new_uint64(u);
        return json_object_new_double(strtod(s, NULL));
    }
    if (is_float_text(s)) {
        double d = strtod(s, NULL);
        if (!isfinite(d))
            return NULL; /* 1e999: keep the text rather than invent a number */
        return is_json_number(s) ? json_object_new_double_s(d, s) : json_object_new_double(d);
    }
    /* .inf and .nan have no JSON form; they stay strings. */
    return NULL;
}

/* ---- YAML parsing ---- */

typedef struct anchor {
    char *name;
    json_object *node;
    size_t nodes; /* size of the subtree, charged on every alias */
    UT_hash_handle hh;
} anchor;

typedef struct yaml_ctx {
    yaml_parser_t parser;
    anchor *anchors;
    size_t alias_nodes; /* nodes added by alias expansion, whole stream */
    mk_err *err;
} yaml_ctx;

static void anchors_clear(yaml_ctx *c)
{
    anchor *a, *tmp;
    HASH_ITER(hh, c->anchors, a, tmp)
    {
        HASH_DEL(c->anchors, a);
        json_object_put(a->node);
        free(a->name);
        free(a);
    }
}

static int at_mark(yaml_ctx *c, yaml_mark_t m, const char *what)
{
    return mk_error(c->err, EBADMSG, "line %zu column %zu: %s", m.line + 1, m.column + 1, what);
}

static int next_event(yaml_ctx *c, yaml_event_t *ev)
{
    if (yaml_parser_parse(&c->parser, ev))
        return 0;
    yaml_parser_t *p = &c->parser;
    const char *problem = p->problem ? p->problem : "malformed YAML";
    if (p->context)
        return mk_error(c->err, EBADMSG, "line %zu column %zu: %s %s", p->problem_mark.line + 1,
                        p->problem_mark.column + 1, problem, p->context);
    return at_mark(c, p->problem_mark, problem);
}

static size_t count_nodes(json_object *o)
{
    size_t n = 1;
    if (json_object_is_type(o, json_type_object)) {
        json_object_object_foreach(o, k, v)
        {
            (void)k;
            n += count_nodes(v);
        }
    } else if (json_object_is_type(o, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(o); i++)
            n += count_nodes(json_object_array_get_idx(o, i));
    }
    return n;
}

static int build_node(yaml_ctx *c, yaml_event_t *ev, int depth, json_object **out);

static int build_scalar(yaml_event_t *ev, json_object **out)
{
    const char *v = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    bool is_null;
    if (tag && !strcmp(tag, YAML_STR_TAG)) {
        *out = json_object_new_string_len(v, (int)len);
        return 0;
    }
    /* Only plain, untagged scalars are resolved; "12" stays a string.
     * Explicit !!int/!!bool/!!null/!!float tags resolve their text too. */
    bool typed_tag = tag && (!strcmp(tag, YAML_INT_TAG) || !strcmp(tag, YAML_FLOAT_TAG) ||
                             !strcmp(tag, YAML_BOOL_TAG) || !strcmp(tag, YAML_NULL_TAG));
    if ((ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !tag) || typed_tag) {
        if (strlen(v) == len) {
            json_object *typed = resolve_plain(v, &is_null);
            if (typed || is_null) {
                *out = typed;
                return 0;
            }
        }
    }
    *out = json_object_new_string_len(v, (int)len);
    return 0;
}

/* "<<: *base" (and "<<: [*a, *b]"): copy keys the mapping does not set
 * itself. Keys set later override, as YAML's merge key says. */
static int merge_into(yaml_ctx *c, json_object *map, json_object *src, yaml_mark_t m)
{
    if (json_object_is_type(src, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(src); i++) {
            int r = merge_into(c, map, json_object_array_get_idx(src, i), m);
            if (r < 0)
                return r;
        }
        return 0;
    }
    if (!json_object_is_type(src, json_type_object))
        return at_mark(c, m, "merge key \"<<\" needs a mapping or a list of mappings");
    json_object_object_foreach(src, k, v)
    {
        if (!json_object_object_get_ex(map, k, NULL))
            json_object_object_add(map, k, json_object_get(v));
    }
    return 0;
}

static int build_mapping(yaml_ctx *c, int depth, json_object **out)
{
    json_object *map = json_object_new_object();
    json_object *merged = json_object_new_object(); /* keys that came from "<<" */
    int r = 0;
    for (;;) {
        yaml_event_t kev;
        if ((r = next_event(c, &kev)) < 0)
            break;
        if (kev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&kev);
            break;
        }
        if (kev.type != YAML_SCALAR_EVENT) {
            r = at_mark(c, kev.start_mark, "mapping keys must be scalars");
            yaml_event_delete(&kev);
            break;
        }
        char *key = xstrndup((const char *)kev.data.scalar.value, kev.data.scalar.length);
        bool is_merge = kev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !strcmp(key, "<<");
        yaml_mark_t km = kev.start_mark;
        yaml_event_delete(&kev);

        yaml_event_t vev;
        json_object *val = NULL;
        if ((r = next_event(c, &vev)) < 0) {
            free(key);
            break;
        }
        r = build_node(c, &vev, depth + 1, &val);
        yaml_event_delete(&vev);
        if (r >= 0 && is_merge) {
            r = merge_into(c, merged, val, km);
            json_object_put(val);
        } else if (r >= 0 && json_object_object_get_ex(map, key, NULL)) {
            char what[200];
            snprintf(what, sizeof what, "mapping key \"%.100s\" already defined", key);
            r = at_mark(c, km, what);
            json_object_put(val);
        } else if (r >= 0) {
            json_object_object_add(map, key, val);
        }
        free(key);
        if (r < 0)
            break;
    }
    if (r >= 0) {
        json_object_object_foreach(merged, k, v)
        {
            if (!json_object_object_get_ex(map, k, NULL))
                json_object_object_add(map, k, json_object_get(v));
        }
        *out = map;
    } else {
        json_object_put(map);
    }
    json_object_put(merged);
    return r;
}

static int build_sequence(yaml_ctx *c, int depth, json_object **out)
{
    json_object *arr = json_object_new_array();
    for (;;) {
        yaml_event_t ev;
        int r = next_event(c, &ev);
        if (r < 0) {
            json_object_put(arr);
            return r;
        }
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        json_object *item = NULL;
        r = build_node(c, &ev, depth + 1, &item);
        yaml_event_delete(&ev);
        if (r < 0) {
            json_object_put(arr);
            return r;
        }
        json_object_array_add(arr, item);
    }
    *out = arr;
    return 0;
}

static int build_alias(yaml_ctx *c, yaml_event_t *ev, json_object **out)
{
    const char *name = (const char *)ev->data.alias.anchor;
    anchor *a;
    HASH_FIND_STR(c->anchors, name, a);
    if (!a)
        return at_mark(c, ev->start_mark, "unknown anchor in alias");
    c->alias_nodes += a->nodes;
    if (c->alias_nodes > CODEC_MAX_ALIAS_NODES)
        return at_mark(c, ev->start_mark, "aliases expand to too many nodes");
    /* A copy, so editing one place never edits another behind its back. */
    *out = NULL;
    if (a->node && json_object_deep_copy(a->node, out, NULL) < 0)
        return at_mark(c, ev->start_mark, "cannot copy aliased node");
    return 0;
}

static void remember_anchor(yaml_ctx *c, const char *name, json_object *node)
{
    anchor *a;
    HASH_FIND_STR(c->anchors, name, a);
    if (a) { /* YAML lets an anchor be redefined; the newest wins */
        HASH_DEL(c->anchors, a);
        json_object_put(a->node);
        free(a->name);
        free(a);
    }
    a = xcalloc(1, sizeof *a);
    a->name = xstrdup(name);
    a->node = json_object_get(node);
    a->nodes = node ? count_nodes(node) : 1;
    HASH_ADD_KEYPTR(hh, c->anchors, a->name, strlen(a->name), a);
}

/* Build the node that starts with *ev (which the caller deletes). */
static int build_node(yaml_ctx *c, yaml_event_t *ev, int depth, json_object **out)
{
    const unsigned char *anchor_name = NULL;
    int r;
    *out = NULL;
    if (depth > CODEC_MAX_DEPTH)
        return at_mark(c, ev->start_mark, "nesting deeper than 100 levels");
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        anchor_name = ev->data.scalar.anchor;
        r = build_scalar(ev, out);
        break;
    case YAML_MAPPING_START_EVENT:
        anchor_name = ev->data.mapping_start.anchor;
        r = build_mapping(c, depth, out);
        break;
    case YAML_SEQUENCE_START_EVENT:
        anchor_name = ev->data.sequence_start.anchor;
        r = build_sequence(c, depth, out);
        break;
    case YAML_ALIAS_EVENT:
        r = build_alias(c, ev, out);
        break;
    default:
        return at_mark(c, ev->start_mark, "unexpected YAML event");
    }
    if (r >= 0 && anchor_name)
        remember_anchor(c, (const char *)anchor_name, *out);
    return r;
}

/* Parse every document of the stream into the array docs. Empty documents ("---" alone,
 * comments only) are skipped. */
static int yaml_parse_stream(const char *text, size_t len, json_object *docs, mk_err *err)
{
    yaml_ctx c = {.err = err};
    int r = 0;
    if (!yaml_parser_initialize(&c.parser))
        return mk_error(err, ENOMEM, "cannot initialise the YAML parser");
    yaml_parser_set_input_string(&c.parser, (const unsigned char *)text, len);
    for (bool done = false; !done && r >= 0;) {
        yaml_event_t ev;
        if ((r = next_event(&c, &ev)) < 0)
            break;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_STREAM_START_EVENT:
        case YAML_DOCUMENT_END_EVENT:
            break;
        case YAML_DOCUMENT_START_EVENT:
            anchors_clear(&c);
            break;
        default: {
            json_object *doc = NULL;
            yaml_mark_t m = ev.start_mark;
            r = build_node(&c, &ev, 1, &doc);
            if (r >= 0 && doc && !json_object_is_type(doc, json_type_object)) {
                r = at_mark(&c, m, "the document must be a mapping (apiVersion, kind, ...)");
                json_object_put(doc);
            } else if (r >= 0 && doc) {
                json_object_array_add(docs, doc);
            }
        }
        }
        yaml_event_delete(&ev);
    }
    anchors_clear(&c);
    yaml_parser_delete(&c.parser);
    return r;
}

/* ---- JSON fast path ---- */

static size_t skip_space(const char *text, size_t len, size_t i)
{
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
        i++;
    return i;
}

/* JSON has no infinity: json-c reads 1e400 as one, which no printer can
 * write back. Such a body goes to the YAML path, where it stays text. */
static bool tree_finite(json_object *o)
{
    switch (json_object_get_type(o)) {
    case json_type_double:
        return isfinite(json_object_get_double(o));
    case json_type_object: {
        json_object_object_foreach(o, k, v)
        {
            (void)k;
            if (!tree_finite(v))
                return false;
        }
        return true;
    }
    case json_type_array:
        for (size_t i = 0; i < json_object_array_length(o); i++)
            if (!tree_finite(json_object_array_get_idx(o, i)))
                return false;
        return true;
    default:
        return true;
    }
}

/* Strict JSON object; NULL when the text is not exactly one (the caller
 * then lets the YAML parser, which also reads flow style, have its say). */
static json_object *json_parse_object(const char *text, size_t len)
{
    if (len > INT32_MAX)
        return NULL;
    json_tokener *tok = json_tokener_new_ex(CODEC_MAX_DEPTH);
    if (!tok)
        return NULL;
    /* UTF-8 is checked as YAML checks it: an object never holds text
     * that cannot be printed back. */
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS |
                                    JSON_TOKENER_VALIDATE_UTF8);
    json_object *obj = json_tokener_parse_ex(tok, text, (int)len);
    size_t end = json_tokener_get_parse_end(tok);
    bool ok = obj && json_tokener_get_error(tok) == json_tokener_success &&
              json_object_is_type(obj, json_type_object) && skip_space(text, len, end) == len &&
              tree_finite(obj);
    json_tokener_free(tok);
    if (!ok) {
        json_object_put(obj);
        return NULL;
    }
    return obj;
}

static int check_size(size_t len, mk_err *err)
{
    if (len > MK_MAX_OBJECT_BYTES)
        return mk_error(err, E2BIG, "the body is %zu bytes, more than the limit of %d", len,
                        MK_MAX_OBJECT_BYTES);
    return 0;
}

/* Every document of the text into a new array. */
static int decode_docs(const char *text, size_t len, json_object **out, mk_err *err)
{
    int r = check_size(len, err);
    if (r < 0)
        return r;
    json_object *docs = json_object_new_array();
    size_t start = skip_space(text, len, 0);
    json_object *obj = start < len && text[start] == '{' ? json_parse_object(text, len) : NULL;
    if (obj)
        json_object_array_add(docs, obj);
    else if ((r = yaml_parse_stream(text, len, docs, err)) < 0) {
        json_object_put(docs);
        return r;
    }
    *out = docs;
    return 0;
}

int codec_decode(const char *text, size_t len, json_object **out, mk_err *err)
{
    json_object *docs;
    int r = decode_docs(text, len, &docs, err);
    if (r < 0)
        return r;
    size_t n = json_object_array_length(docs);
    if (n != 1) {
        json_object_put(docs);
        if (!n)
            return mk_error(err, EBADMSG, "empty document: expected a mapping");
        return mk_error(err, EBADMSG, "expected one document, found %zu", n);
    }
    *out = json_object_get(json_object_array_get_idx(docs, 0));
    json_object_put(docs);
    return 0;
}

int codec_decode_all(const char *text, size_t len, json_object **out, mk_err *err)
{
    return decode_docs(text, len, out, err);
}

/* ---- output ---- */

const char *codec_to_json(json_object *obj, size_t *len)
{
    size_t n = 0;
    const char *s = json_object_to_json_string_length(
        obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    if (len)
        *len = n;
    return s;
}

char *codec_to_json_pretty(json_object *obj)
{
    return xstrdup(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
                                                           JSON_C_TO_STRING_SPACED |
                                                           JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* Strings a YAML reader would take for something else: anything our own
 * resolver types, plus YAML 1.1 words (yes/no/on/off...) and digit strings
 * with '_' that older parsers (kubectl's go-yaml v2) read as bools or
 * numbers. Such strings are double-quoted, as kubectl does. */
static bool yaml_needs_quotes(const char *s, size_t len)
{
    static const char *const yaml11[] = {"y",  "Y",   "yes", "Yes", "YES", "n",
                                         "N",  "no",  "No",  "NO",  "on",  "On",
                                         "ON", "off", "Off", "OFF", "=",   "<<"};
    if (!len || strlen(s) != len)
        return true;
    for (size_t i = 0; i < ARRAY_SIZE(yaml11); i++)
        if (!strcmp(s, yaml11[i]))
            return true;
    if (s[0] == '.' && (strcasecmp(s, ".inf") == 0 || strcasecmp(s, ".nan") == 0 ||
                        strcasecmp(s, ".Inf") == 0))
        return true;
    if (strcasecmp(s, "-.inf") == 0 || strcasecmp(s, "+.inf") == 0)
        return true;
    if (all_of(s + (*s == '-' || *s == '+'), "0123456789_.:eE") && strpbrk(s, "0123456789"))
        return true; /* 1_000, 1:30 (sexagesimal), 1.2.3 is harmless but cheap */
    /* YAML 1.1 timestamps ("2026-11-27", "2026-11-27T01:15:10Z"): kubectl
     * quotes them, so go-yaml readers keep them strings. */
    if (len >= 8 && strspn(s, "0123456789") == 4 && s[4] == '-' && isdigit((unsigned char)s[5]))
        return true;
    bool is_null;
    json_object *typed = resolve_plain(s, &is_null);
    json_object_put(typed);
    return typed || is_null;
}

static int emit(yaml_emitter_t *em, yaml_event_t *ev)
{
    return yaml_emitter_emit(em, ev) ? 0 : -1;
}

static int emit_scalar(yaml_emitter_t *em, const char *s, size_t len, bool is_string)
{
    yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
    if (is_string && yaml_needs_quotes(s, len))
        style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    else if (is_string && memchr(s, '\n', len))
        style = YAML_LITERAL_SCALAR_STYLE; /* the emitter falls back when it can't */
    yaml_event_t ev;
    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)len, 1, 1, style);
    return emit(em, &ev);
}

static int emit_value(yaml_emitter_t *em, json_object *o)
{
    yaml_event_t ev;
    switch (json_object_get_type(o)) {
    case json_type_null:
        return emit_scalar(em, "null", 4, false);
    case json_type_boolean:
        return json_object_get_boolean(o) ? emit_scalar(em, "true", 4, false)
                                          : emit_scalar(em, "false", 5, false);
    case json_type_int: { /* json-c prints int64 and uint64 alike */
        const char *s = json_object_to_json_string(o);
        return emit_scalar(em, s, strlen(s), false);
    }
    case json_type_double: {
        const char *s = json_object_to_json_string(o);
        return emit_scalar(em, s, strlen(s), false);
    }
    case json_type_string:
        return emit_scalar(em, json_object_get_string(o), (size_t)json_object_get_string_len(o),
                           true);
    case json_type_object: {
        bool empty = json_object_object_length(o) == 0;
        yaml_mapping_start_event_initialize(
            &ev, NULL, NULL, 1, empty ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE);
        if (emit(em, &ev) < 0)
            return -1;
        json_object_object_foreach(o, k, v)
        {
            if (emit_scalar(em, k, strlen(k), true) < 0 || emit_value(em, v) < 0)
                return -1;
        }
        yaml_mapping_end_event_initialize(&ev);
        return emit(em, &ev);
    }
    case json_type_array: {
        size_t n = json_object_array_length(o);
        yaml_sequence_start_event_initialize(
            &ev, NULL, NULL, 1, n ? YAML_BLOCK_SEQUENCE_STYLE : YAML_FLOW_SEQUENCE_STYLE);
        if (emit(em, &ev) < 0)
            return -1;
        for (size_t i = 0; i < n; i++)
            if (emit_value(em, json_object_array_get_idx(o, i)) < 0)
                return -1;
        yaml_sequence_end_event_initialize(&ev);
        return emit(em, &ev);
    }
    }
    return -1;
}

/* Well-formed UTF-8 (no overlong forms, surrogates or values past
 * U+10FFFF). libyaml's emitter can loop forever on anything else. */
static bool utf8_valid(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        size_t len = c < 0x80             ? 1
                     : (c & 0xE0) == 0xC0 ? 2
                     : (c & 0xF0) == 0xE0 ? 3
                     : (c & 0xF8) == 0xF0 ? 4
                                          : 0;
        if (!len || i + len > n)
            return false;
        uint32_t cp = len == 1 ? c : c & (0x7F >> len);
        for (size_t j = 1; j < len; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + j] & 0x3F);
        }
        static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

bool codec_utf8_tree(json_object *o)
{
    switch (json_object_get_type(o)) {
    case json_type_string:
        return utf8_valid((const unsigned char *)json_object_get_string(o),
                          (size_t)json_object_get_string_len(o));
    case json_type_object: {
        json_object_object_foreach(o, k, v)
        {
            if (!utf8_valid((const unsigned char *)k, strlen(k)) || !codec_utf8_tree(v))
                return false;
        }
        return true;
    }
    case json_type_array:
        for (size_t i = 0; i < json_object_array_length(o); i++)
            if (!codec_utf8_tree(json_object_array_get_idx(o, i)))
                return false;
        return true;
    default:
        return true;
    }
}

static int buf_writer(void *data, unsigned char *buffer, size_t size)
{
    mk_buf_append(data, buffer, size);
    return 1;
}

char *codec_to_yaml(json_object *obj)
{
    if (!codec_utf8_tree(obj)) /* JSON escapes what YAML cannot carry */
        return codec_to_json_pretty(obj);
    yaml_emitter_t em;
    yaml_event_t ev;
    mk_buf out = {0};
    if (!yaml_emitter_initialize(&em))
        abort();
    yaml_emitter_set_output(&em, buf_writer, &out);
    yaml_emitter_set_unicode(&em, 1);
    yaml_emitter_set_width(&em, -1); /* never fold long lines: sed -i must see them whole */
    yaml_emitter_set_indent(&em, 2);
    int r = 0;
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    r |= emit(&em, &ev);
    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
    r |= emit(&em, &ev);
    r |= emit_value(&em, obj);
    yaml_document_end_event_initialize(&ev, 1);
    r |= emit(&em, &ev);
    yaml_stream_end_event_initialize(&ev);
    r |= emit(&em, &ev);
    yaml_emitter_delete(&em);
    if (r < 0) {
        /* Not expected after the UTF-8 check; JSON is still readable YAML. */
        mk_buf_free(&out);
        return codec_to_json_pretty(obj);
    }
    return mk_buf_steal(&out);
}

/* ---- dotted-path accessors ---- */

/* One step: "name" in an object (trying longer dotted keys such as
 * "app.kubernetes.io/name" when the short one is absent), or "[i]" / "i"
 * in an array. Returns the child and advances *path past the step. */
static json_object *path_step(json_object *o, const char **path)
{
    const char *p = *path;
    if (json_object_is_type(o, json_type_array)) {
        bool bracket = *p == '[';
        char *end;
        errno = 0;
        long i = strtol(p + bracket, &end, 10);
        if (end == p + bracket || errno || i < 0)
            return NULL;
        if (bracket && *end++ != ']')
            return NULL;
        if (*end == '.')
            end++;
        else if (*end && *end != '[')
            return NULL;
        *path = end;
        return json_object_array_get_idx(o, (size_t)i);
    }
    if (!json_object_is_type(o, json_type_object))
        return NULL;
    for (size_t n = strcspn(p, ".[");; n += 1 + strcspn(p + n + 1, ".[")) {
        char key[256];
        if (n >= sizeof key)
            return NULL;
        memcpy(key, p, n);
        key[n] = '\0';
        json_object *child;
        if (json_object_object_get_ex(o, key, &child)) {
            *path = p + n + (p[n] == '.');
            return child;
        }
        if (p[n] != '.')
            return NULL;
    }
}

json_object *mk_json_path(json_object *obj, const char *path)
{
    if (!obj || !path)
        return NULL;
    while (*path && obj)
        obj = path_step(obj, &path);
    return obj;
}

const char *mk_json_str(json_object *obj, const char *path)
{
    json_object *v = mk_json_path(obj, path);
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

json_object *mk_json_copy(json_object *obj)
{
    json_object *c = NULL;
    if (obj && json_object_deep_copy(obj, &c, NULL) != 0)
        return NULL;
    return c;
}

json_object *mk_condition(json_object *obj, const char *type)
{
    json_object *conds = mk_json_path(obj, "status.conditions");
    if (!json_object_is_type(conds, json_type_array))
        return NULL;
    for (size_t i = 0; i < json_object_array_length(conds); i++) {
        json_object *c = json_object_array_get_idx(conds, i);
        const char *t = mk_json_str(c, "type");
        if (t && strcmp(t, type) == 0)
            return c;
    }
    return NULL;
}

bool mk_condition_true(json_object *obj, const char *type)
{
    const char *st = mk_json_str(mk_condition(obj, type), "status");
    return st && strcmp(st, "True") == 0;
}

json_object *mk_owner_ref(json_object *owner, const char *api_version, const char *kind)
{
    json_object *ref = json_object_new_object();
    json_object_object_add(ref, "apiVersion", json_object_new_string(api_version));
    json_object_object_add(ref, "kind", json_object_new_string(kind));
    json_object_object_add(ref, "name",
                           json_object_new_string(mk_json_str(owner, "metadata.name") ?: ""));
    json_object_object_add(ref, "uid",
                           json_object_new_string(mk_json_str(owner, "metadata.uid") ?: ""));
    return ref;
}

void mk_set_owner(json_object *obj, json_object *ref)
{
    json_object *refs = json_object_new_array();
    json_object_array_add(refs, ref);
    json_object_object_add(mk_json_ensure(obj, "metadata"), "ownerReferences", refs);
}

json_object *mk_condition_new(const char *type, const char *status, const char *ts,
                              const char *reason, const char *message)
{
    json_object *c = json_object_new_object();
    json_object_object_add(c, "type", json_object_new_string(type));
    json_object_object_add(c, "status", json_object_new_string(status));
    json_object_object_add(c, "lastProbeTime", NULL);
    json_object_object_add(c, "lastTransitionTime", json_object_new_string(ts));
    if (reason)
        json_object_object_add(c, "reason", json_object_new_string(reason));
    if (message)
        json_object_object_add(c, "message", json_object_new_string(message));
    return c;
}

json_object *mk_conditions_with(json_object *conds, json_object *c)
{
    const char *type = mk_json_str(c, "type") ?: "";
    json_object *arr = json_object_new_array();
    size_t n =
        json_object_is_type(conds, json_type_array) ? json_object_array_length(conds) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *old = json_object_array_get_idx(conds, i);
        if (strcmp(mk_json_str(old, "type") ?: "", type) != 0)
            json_object_array_add(arr, mk_json_copy(old));
    }
    json_object_array_add(arr, c);
    return arr;
}

bool mk_has_finalizer(json_object *obj, const char *f)
{
    json_object *list = mk_json_path(obj, "metadata.finalizers");
    for (size_t i = 0;
         json_object_is_type(list, json_type_array) && i < json_object_array_length(list); i++)
        if (strcmp(json_object_get_string(json_object_array_get_idx(list, i)) ?: "", f) == 0)
            return true;
    return false;
}

int64_t mk_json_int(json_object *obj, const char *path, int64_t dflt)
{
    json_object *v = mk_json_path(obj, path);
    if (json_object_is_type(v, json_type_int))
        return json_object_get_int64(v);
    if (json_object_is_type(v, json_type_double)) {
        double d = json_object_get_double(v);
        if (d == floor(d) && d >= -9.2e18 && d <= 9.2e18)
            return (int64_t)d;
    }
    return dflt;
}

bool mk_json_bool(json_object *obj, const char *path, bool dflt)
{
    json_object *v = mk_json_path(obj, path);
    return json_object_is_type(v, json_type_boolean) ? json_object_get_boolean(v) : dflt;
}

json_object *mk_json_new_object(const char *api_version, const char *kind, const char *ns,
                                const char *name)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "apiVersion", json_object_new_string(api_version));
    json_object_object_add(o, "kind", json_object_new_string(kind));
    json_object *md = json_object_new_object();
    json_object_object_add(md, "name", json_object_new_string(name));
    if (ns)
        json_object_object_add(md, "namespace", json_object_new_string(ns));
    json_object_object_add(o, "metadata", md);
    return o;
}

size_t mk_json_array_len(json_object *a)
{
    return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

json_object *mk_json_ensure(json_object *obj, const char *path)
{
    const char *p = path;
    while (obj && *p) {
        size_t n = strcspn(p, ".");
        char *key = xstrndup(p, n);
        json_object *child = NULL;
        if (!json_object_object_get_ex(obj, key, &child) ||
            !json_object_is_type(child, json_type_object)) {
            child = json_object_new_object();
            json_object_object_add(obj, key, child);
        }
        free(key);
        obj = child;
        p += n + (p[n] == '.');
    }
    return obj;
}

void mk_json_set_str(json_object *obj, const char *path, const char *value)
{
    const char *dot = strrchr(path, '.');
    json_object *parent = obj;
    if (dot) {
        _cleanup_free_ char *head = xstrndup(path, (size_t)(dot - path));
        parent = mk_json_ensure(obj, head);
    }
    json_object_object_add(parent, dot ? dot + 1 : path,
                           value ? json_object_new_string(value) : NULL);
}

/* ---- RFC 7386 merge patch ---- */

static json_object *merge_value(json_object *target, json_object *patch)
{
    if (!json_object_is_type(patch, json_type_object)) {
        json_object *copy = NULL;
        if (patch && json_object_deep_copy(patch, &copy, NULL) < 0)
            abort();
        return copy;
    }
    json_object *t = json_object_is_type(target, json_type_object) ? json_object_get(target)
                                                                   : json_object_new_object();
    mk_json_merge_patch(t, patch);
    return t;
}

void mk_json_merge_patch(json_object *target, json_object *patch)
{
    if (!json_object_is_type(target, json_type_object) ||
        !json_object_is_type(patch, json_type_object))
        return;
    json_object_object_foreach(patch, k, v)
    {
        if (!v) {
            json_object_object_del(target, k);
            continue;
        }
        json_object *cur = NULL;
        json_object_object_get_ex(target, k, &cur);
        if (json_object_is_type(v, json_type_object) &&
            json_object_is_type(cur, json_type_object)) {
            mk_json_merge_patch(cur, v); /* in place, no copy of the subtree */
            continue;
        }
        json_object_object_add(target, k, merge_value(cur, v));
    }
}
