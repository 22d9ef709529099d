/* validate_common.c - the vocabulary of every check: field errors in Kubernetes'
 * words, enums and ranges, the syntax of names, labels, annotations and
 * metadata (see validate_impl.h). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "store/codec.h"
#include "store/selector.h"
#include "store/util.h"
#include "store/validate_impl.h"

/* Kubernetes refuses more than 256 KiB of annotations. */
#define ANNOTATIONS_MAX_BYTES (256 * 1024)

void vpath_printf(char *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(vpath), fmt, ap);
    va_end(ap);
}

const char *qty_text(json_object *v)
{
    return json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

/* ---- messages ---- */

static void show(json_object *v, char *buf, size_t n)
{
    if (json_object_is_type(v, json_type_string))
        snprintf(buf, n, "\"%.80s\"", json_object_get_string(v));
    else
        snprintf(buf, n, "%.80s",
                 json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
                                                       JSON_C_TO_STRING_NOSLASHESCAPE));
}

int field_required(mk_err *err, const char *path, const char *detail)
{
    if (detail)
        return mk_error(err, EINVAL, "%s: Required value: %s", path, detail);
    return mk_error(err, EINVAL, "%s: Required value", path);
}

__attribute__((format(printf, 4, 5))) int field_invalid(mk_err *err, const char *path,
                                                        json_object *v, const char *fmt, ...)
{
    char shown[100], detail[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    show(v, shown, sizeof shown);
    return mk_error(err, EINVAL, "%s: Invalid value: %s: %s", path, shown, detail);
}

__attribute__((format(printf, 4, 5))) int field_invalid_str(mk_err *err, const char *path,
                                                            const char *v, const char *fmt, ...)
{
    char detail[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return mk_error(err, EINVAL, "%s: Invalid value: \"%.80s\": %s", path, v, detail);
}

__attribute__((format(printf, 3, 4))) int field_forbidden(mk_err *err, const char *path,
                                                          const char *fmt, ...)
{
    char detail[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return mk_error(err, EINVAL, "%s: Forbidden: %s", path, detail);
}

int field_duplicate(mk_err *err, const char *path, const char *v)
{
    return mk_error(err, EINVAL, "%s: Duplicate value: \"%.80s\"", path, v);
}

int field_not_found(mk_err *err, const char *path, const char *v)
{
    return mk_error(err, EINVAL, "%s: Not found: \"%.80s\"", path, v);
}

/* allowed ends with NULL */
int field_unsupported(mk_err *err, const char *path, const char *v, const char *const *allowed)
{
    mk_buf b = {0};
    for (size_t i = 0; allowed[i]; i++)
        mk_buf_printf(&b, "%s\"%s\"", i ? ", " : "", allowed[i]);
    int r = mk_error(err, EINVAL, "%s: Unsupported value: \"%.80s\": supported values: %s",
                     path, v, b.data);
    mk_buf_free(&b);
    return r;
}

/* ---- enums and ranges ---- */

/* A string field that must be one of allowed (NULL-terminated). */
int check_enum(json_object *o, const char *field, const char *base, const char *const *allowed,
               bool must, mk_err *err)
{
    vpath p;
    SUBPATH(p, "%s.%s", base, field);
    const char *v = get_str(o, field);
    if (!v)
        return must ? field_required(err, p, NULL) : 0;
    for (size_t i = 0; allowed[i]; i++)
        if (!strcmp(allowed[i], v))
            return 0;
    return field_unsupported(err, p, v, allowed);
}

/* An integer field within [lo, hi], when present. */
int check_range(json_object *o, const char *field, const char *base, int64_t lo, int64_t hi,
                mk_err *err)
{
    json_object *v = get(o, field);
    if (!v)
        return 0;
    int64_t n = mk_json_int(v, "", 0);
    vpath p;
    SUBPATH(p, "%s.%s", base, field);
    if (n >= lo && n <= hi)
        return 0;
    if (hi >= INT32_MAX) /* no real upper bound: don't print one */
        return field_invalid(err, p, v, "must be greater than or equal to %" PRId64, lo);
    if (lo == INT64_MIN)
        return field_invalid(err, p, v, "must be less than or equal to %" PRId64, hi);
    return field_invalid(err, p, v, "must be between %" PRId64 " and %" PRId64 ", inclusive",
                         lo, hi);
}

int check_int_or_percent(json_object *o, const char *field, const char *base, int64_t min,
                         bool at_most_100, mk_err *err)
{
    json_object *v = get(o, field);
    if (!v)
        return 0;
    vpath p;
    SUBPATH(p, "%s.%s", base, field);
    if (json_object_is_type(v, json_type_int)) {
        if (json_object_get_int64(v) >= min)
            return 0;
        if (min == 1)
            return field_invalid(err, p, v, "must be greater than 0");
        return field_invalid(err, p, v, "must be greater than or equal to %" PRId64, min);
    }
    const char *pct = json_object_get_string(v);
    char *end = NULL;
    long n = strtol(pct, &end, 10);
    if (end == pct || strcmp(end, "%") != 0 || n < 0 || !isdigit((unsigned char)pct[0]))
        return field_invalid(err, p, v,
                             "a valid percent string must be a numeric string followed "
                             "by an ending '%%' (e.g. '1%%',  or '93%%')");
    if (at_most_100 && n > 100)
        return field_invalid(err, p, v, "must not be greater than 100%%");
    return 0;
}

/* ---- syntax of names ---- */

int check_dns_label(const char *path, const char *v, mk_err *err)
{
    if (mk_is_dns1123_label(v))
        return 0;
    return field_invalid_str(
        err, path, v,
        "a lowercase RFC 1123 label must consist of lower case alphanumeric "
        "characters or '-', and must start and end with an alphanumeric "
        "character (e.g. 'my-name', or '123-abc'), at most 63 characters");
}

int check_dns_subdomain(const char *path, const char *v, mk_err *err)
{
    if (mk_is_dns1123_subdomain(v))
        return 0;
    return field_invalid_str(
        err, path, v,
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
        "characters, '-' or '.', and must start and end with an alphanumeric "
        "character (e.g. 'example.com')");
}

/* A name of the RBAC kinds (kinds.h: kind_has_path_names): any URL path
 * segment, as Kubernetes' path.IsValidPathSegmentName allows
 * ("system:controller:x"), in its words for '/', '%', "." and "..". */
int check_path_segment_name(const char *path, const char *v, mk_err *err)
{
    if (mk_is_path_segment_name(v))
        return 0;
    if (!strcmp(v, ".") || !strcmp(v, ".."))
        return field_invalid_str(err, path, v, "may not be '%s'", v);
    if (strchr(v, '/'))
        return field_invalid_str(err, path, v, "may not contain '/'");
    if (strchr(v, '%'))
        return field_invalid_str(err, path, v, "may not contain '%%'");
    if (strlen(v) > 253)
        return field_invalid_str(err, path, v, "must be no more than 253 bytes");
    /* minik8s's own limit: the name is a store key and a file name */
    return field_invalid_str(err, path, v,
                             "must consist of printable ASCII characters other than space");
}

/* IANA_SVC_NAME: at most 15 of [a-z0-9-], a letter somewhere, no "--",
 * no '-' at either end. Port names use it. */
static bool is_iana_svc_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 15 || s[0] == '-' || s[n - 1] == '-' || strstr(s, "--"))
        return false;
    bool letter = false;
    for (size_t i = 0; i < n; i++) {
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
            return false;
        letter |= islower((unsigned char)s[i]) != 0;
    }
    return letter;
}

int check_port_name(const char *path, const char *v, mk_err *err)
{
    if (is_iana_svc_name(v))
        return 0;
    return field_invalid_str(
        err, path, v,
        "must be no more than 15 characters, contain only lower case "
        "alphanumeric characters or '-', contain at least one letter, and not "
        "start or end with '-' or contain '--'");
}

/* A port number 1-65535 or an IANA service name (targetPort, probe ports). */
int check_int_or_name_port(json_object *o, const char *field, const char *base, bool must,
                           mk_err *err)
{
    vpath p;
    SUBPATH(p, "%s.%s", base, field);
    json_object *v = get(o, field);
    if (!v)
        return must ? field_required(err, p, NULL) : 0;
    if (json_object_is_type(v, json_type_string))
        return check_port_name(p, json_object_get_string(v), err);
    return check_range(o, field, base, 1, 65535, err);
}

/* ConfigMap/Secret keys: [-._a-zA-Z0-9]+, at most 253, not "." or "..". */
int check_config_key(const char *path, const char *k, mk_err *err)
{
    size_t n = strlen(k);
    bool ok = n > 0 && n <= 253 && strcmp(k, ".") && strncmp(k, "..", 2);
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)k[i]) || strchr("-._", k[i]);
    if (ok)
        return 0;
    return field_invalid_str(
        err, path, k,
        "a valid config key must consist of alphanumeric characters, '-', '_' or "
        "'.' (e.g. 'key.name', or 'KEY_NAME', or 'key-name'), and not be '.' or "
        "start with '..'");
}

/* ---- labels and metadata ---- */

int check_label_selector(json_object *sel, const char *path, mk_err *err)
{
    if (!sel)
        return 0;
    mk_selector *s = NULL;
    mk_err serr = {0};
    if (selector_from_object(sel, &s, &serr) < 0) /* "matchLabels...": a path below ours */
        return mk_error(err, serr.code, "%s%s%s", path,
                        strncmp(serr.msg, "match", 5) ? ": " : ".", serr.msg);
    selector_free(s);
    return 0;
}

int check_labels(json_object *labels, const char *path, mk_err *err)
{
    foreach_field(labels, k, v)
    {
        const char *why = selector_label_key_error(k);
        if (why)
            return field_invalid_str(err, path, k, "%s", why);
        vpath p;
        SUBPATH(p, "%s.%s", path, k);
        if ((why = selector_label_value_error(json_object_get_string(v))))
            return field_invalid(err, p, v, "%s", why);
    }
    return 0;
}

static int check_annotations(json_object *ann, const char *path, mk_err *err)
{
    size_t total = 0;
    foreach_field(ann, k, v)
    {
        const char *why = selector_label_key_error(k);
        if (why)
            return field_invalid_str(err, path, k, "%s", why);
        total += strlen(k) + (size_t)json_object_get_string_len(v);
    }
    if (total > ANNOTATIONS_MAX_BYTES)
        return mk_error(err, EINVAL, "%s: Too long: must have at most %d bytes", path,
                        ANNOTATIONS_MAX_BYTES);
    return 0;
}

/* metadata.generateName, when there is no name: the server appends 5
 * characters to the prefix, and the result must be a name of the kind. */
static int check_generate_name(const mk_kind *k, const char *gen, mk_err *err)
{
    _cleanup_free_ char *sample = xasprintf("%sabcde", gen);
    if (kind_has_path_names(k) && mk_is_path_segment_name(sample))
        return 0;
    if (kind_has_path_names(k)) /* the prefix's fault: name it, not the sample */
        return check_path_segment_name("metadata.generateName", gen, err) < 0
                   ? -err->code
                   : field_invalid_str(err, "metadata.generateName", gen,
                                       "must be no more than 248 bytes");
    if (check_dns_label("metadata.generateName", sample, err) < 0)
        return field_invalid_str(err, "metadata.generateName", gen,
                                 "a prefix for a lowercase RFC 1123 label (at most 58 "
                                 "characters, e.g. 'web-')");
    return 0;
}

static int check_name(const mk_kind *k, const char *name, mk_err *err)
{
    if (kind_has_path_names(k))
        return check_path_segment_name("metadata.name", name, err);
    if (kind_has_subdomain_names(k))
        return check_dns_subdomain("metadata.name", name, err);
    return check_dns_label("metadata.name", name, err);
}

int check_metadata(const mk_kind *k, json_object *meta, mk_err *err)
{
    const char *name = get_str(meta, "name");
    const char *gen = get_str(meta, "generateName");
    int r;
    if (empty_str(name) && empty_str(gen))
        return field_required(err, "metadata.name", "name or generateName is required");
    if ((r = empty_str(name) ? check_generate_name(k, gen, err) : check_name(k, name, err)) < 0)
        return r;
    const char *ns = get_str(meta, "namespace");
    if (!empty_str(ns) && (r = check_dns_label("metadata.namespace", ns, err)) < 0)
        return r;
    if ((r = check_labels(get(meta, "labels"), "metadata.labels", err)) < 0 ||
        (r = check_annotations(get(meta, "annotations"), "metadata.annotations", err)) < 0)
        return r;
    json_object *owners = get(meta, "ownerReferences");
    for (size_t i = 0; i < list_len(owners); i++) {
        json_object *o = list_at(owners, i);
        static const char *const req[] = {"apiVersion", "kind", "name", "uid"};
        for (size_t j = 0; j < ARRAY_SIZE(req); j++) {
            vpath p;
            SUBPATH(p, "metadata.ownerReferences[%zu].%s", i, req[j]);
            if (empty_str(get_str(o, req[j])))
                return field_required(err, p, NULL);
        }
    }
    return 0;
}
