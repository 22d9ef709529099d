/* validate.c - what a manifest must mean before it is stored.
 *
 * Two passes: schema.c checks the type of every known field and collects
 * unknown ones as warnings; the checks below then read fields knowing
 * their types are right where present, and fail on the first semantic
 * error with Kubernetes' wording ("spec.replicas: Invalid value: -1: must be
 * greater than or equal to 0"). Messages carry no kind/name prefix: the API
 * server adds "Pod \"web\" is invalid: " where it builds its Status.
 */
#include "store/validate.h"
#include "store/codec.h"
#include "store/cron.h"
#include "store/quantity.h"
#include "store/schema.h"
#include "store/selector.h"
#include "store/util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Field paths are built in fixed buffers; a longer one is cut, which only
 * shortens a message. */
typedef char vpath[256];
#define SUBPATH(buf, ...) subpath((buf), __VA_ARGS__)

__attribute__((format(printf, 2, 3))) static void subpath(char *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(vpath), fmt, ap);
    va_end(ap);
}

/* Kubernetes rejects ConfigMaps and Secrets over 1 MiB of data. */
#define DATA_MAX_BYTES        (1024 * 1024)
#define ANNOTATIONS_MAX_BYTES (256 * 1024)

/* ---- messages ---- */

static void show(json_object *v, char *buf, size_t n)
{
    if (json_object_is_type(v, json_type_string))
        snprintf(buf, n, "\"%.80s\"", json_object_get_string(v));
    else
        snprintf(buf, n, "%.80s", json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

static int required(mk_err *err, const char *path, const char *detail)
{
    if (detail)
        return mk_error(err, EINVAL, "%s: Required value: %s", path, detail);
    return mk_error(err, EINVAL, "%s: Required value", path);
}

__attribute__((format(printf, 4, 5))) static int invalid(mk_err *err, const char *path,
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

__attribute__((format(printf, 4, 5))) static int
invalid_str(mk_err *err, const char *path, const char *v, const char *fmt, ...)
{
    char detail[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return mk_error(err, EINVAL, "%s: Invalid value: \"%.80s\": %s", path, v, detail);
}

__attribute__((format(printf, 3, 4))) static int forbidden(mk_err *err, const char *path,
                                                           const char *fmt, ...)
{
    char detail[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return mk_error(err, EINVAL, "%s: Forbidden: %s", path, detail);
}

static int duplicate(mk_err *err, const char *path, const char *v)
{
    return mk_error(err, EINVAL, "%s: Duplicate value: \"%.80s\"", path, v);
}

static int not_found(mk_err *err, const char *path, const char *v)
{
    return mk_error(err, EINVAL, "%s: Not found: \"%.80s\"", path, v);
}

/* allowed ends with NULL */
static int unsupported(mk_err *err, const char *path, const char *v, const char *const *allowed)
{
    mk_buf b = {0};
    for (size_t i = 0; allowed[i]; i++)
        mk_buf_printf(&b, "%s\"%s\"", i ? ", " : "", allowed[i]);
    int r = mk_error(err, EINVAL, "%s: Unsupported value: \"%.80s\": supported values: %s",
                     path, v, b.data);
    mk_buf_free(&b);
    return r;
}

/* ---- field readers (types were checked by the schema) ---- */

/* json_object_object_foreach for an object that may be absent (NULL or
 * another type): no iteration then. The inner loops run once each, only
 * to declare k and v; continue and return work as in a plain loop. */
static inline struct lh_entry *fields_head(json_object *o)
{
    return json_object_is_type(o, json_type_object) ? json_object_get_object(o)->head : NULL;
}
#define foreach_field(obj, k, v)                                                               \
    for (struct lh_entry *k##_e = fields_head(obj), *k##_next; k##_e; k##_e = k##_next)        \
        for (const char *k = (k##_next = k##_e->next, (const char *)lh_entry_k(k##_e)); k;     \
             k = NULL)                                                                         \
            for (json_object *v = (json_object *)lh_entry_v(k##_e); k; k = NULL)

static json_object *get(json_object *o, const char *field)
{
    json_object *v = NULL;
    if (json_object_is_type(o, json_type_object))
        json_object_object_get_ex(o, field, &v);
    return v;
}

static const char *get_str(json_object *o, const char *field)
{
    json_object *v = get(o, field);
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool has(json_object *o, const char *field)
{
    return get(o, field) != NULL;
}

static bool empty_str(const char *s)
{
    return !s || !*s;
}

static size_t list_len(json_object *v)
{
    return json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;
}

static json_object *list_at(json_object *v, size_t i)
{
    return json_object_array_get_idx(v, i);
}

/* A string field that must be one of allowed (NULL-terminated). */
static int check_enum(json_object *o, const char *field, const char *base,
                      const char *const *allowed, bool must, mk_err *err)
{
    vpath p;
    SUBPATH(p, "%s.%s", base, field);
    const char *v = get_str(o, field);
    if (!v)
        return must ? required(err, p, NULL) : 0;
    for (size_t i = 0; allowed[i]; i++)
        if (!strcmp(allowed[i], v))
            return 0;
    return unsupported(err, p, v, allowed);
}

/* An integer field within [lo, hi], when present. */
static int check_range(json_object *o, const char *field, const char *base, int64_t lo,
                       int64_t hi, mk_err *err)
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
        return invalid(err, p, v, "must be greater than or equal to %" PRId64, lo);
    if (lo == INT64_MIN)
        return invalid(err, p, v, "must be less than or equal to %" PRId64, hi);
    return invalid(err, p, v, "must be between %" PRId64 " and %" PRId64 ", inclusive", lo, hi);
}

/* ---- syntax of names ---- */

static int check_dns_label(const char *path, const char *v, mk_err *err)
{
    if (mk_is_dns1123_label(v))
        return 0;
    return invalid_str(err, path, v,
                       "a lowercase RFC 1123 label must consist of lower case alphanumeric "
                       "characters or '-', and must start and end with an alphanumeric "
                       "character (e.g. 'my-name', or '123-abc'), at most 63 characters");
}

static int check_dns_subdomain(const char *path, const char *v, mk_err *err)
{
    if (mk_is_dns1123_subdomain(v))
        return 0;
    return invalid_str(err, path, v,
                       "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                       "characters, '-' or '.', and must start and end with an alphanumeric "
                       "character (e.g. 'example.com')");
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

static int check_port_name(const char *path, const char *v, mk_err *err)
{
    if (is_iana_svc_name(v))
        return 0;
    return invalid_str(err, path, v,
                       "must be no more than 15 characters, contain only lower case "
                       "alphanumeric characters or '-', contain at least one letter, and not "
                       "start or end with '-' or contain '--'");
}

/* A port number 1-65535 or an IANA service name (targetPort, probe ports). */
static int check_int_or_name_port(json_object *o, const char *field, const char *base,
                                  bool must, mk_err *err)
{
    vpath p;
    SUBPATH(p, "%s.%s", base, field);
    json_object *v = get(o, field);
    if (!v)
        return must ? required(err, p, NULL) : 0;
    if (json_object_is_type(v, json_type_string))
        return check_port_name(p, json_object_get_string(v), err);
    return check_range(o, field, base, 1, 65535, err);
}

static bool is_ip(const char *s)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static bool is_cidr(const char *s)
{
    const char *slash = strchr(s, '/');
    if (!slash || !slash[1] || strspn(slash + 1, "0123456789") != strlen(slash + 1))
        return false;
    _cleanup_free_ char *ip = xstrndup(s, (size_t)(slash - s));
    int bits = atoi(slash + 1);
    unsigned char buf[16];
    if (inet_pton(AF_INET, ip, buf) == 1)
        return bits <= 32;
    return inet_pton(AF_INET6, ip, buf) == 1 && bits <= 128;
}

/* ConfigMap/Secret keys: [-._a-zA-Z0-9]+, at most 253, not "." or "..". */
static int check_config_key(const char *path, const char *k, mk_err *err)
{
    size_t n = strlen(k);
    bool ok = n > 0 && n <= 253 && strcmp(k, ".") && strncmp(k, "..", 2);
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)k[i]) || strchr("-._", k[i]);
    if (ok)
        return 0;
    return invalid_str(
        err, path, k,
        "a valid config key must consist of alphanumeric characters, '-', '_' or "
        "'.' (e.g. 'key.name', or 'KEY_NAME', or 'key-name'), and not be '.' or "
        "start with '..'");
}

/* Go's base64.StdEncoding, which ignores \r and \n. The position is that
 * of the bad byte, as Go reports it. */
static long base64_error_at(const char *s)
{
    size_t n = 0, pad = 0;
    long pos = 0;
    for (const char *p = s; *p; p++, pos++) {
        if (*p == '\r' || *p == '\n')
            continue;
        if (*p == '=') {
            pad++;
        } else if (pad || !(isalnum((unsigned char)*p) || *p == '+' || *p == '/')) {
            return pos;
        }
        n++;
    }
    if (pad > 2 || n % 4)
        return pos;
    return -1;
}

/* An RFC 3986-ish relative path with no ".." element (volume items, subPath). */
static bool is_safe_relative_path(const char *s)
{
    if (!*s || *s == '/')
        return false;
    for (const char *p = s; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && !strncmp(p, "..", 2))
            return false;
        p += n + (p[n] == '/');
    }
    return true;
}

/* ---- labels and metadata ---- */

static int check_labels(json_object *labels, const char *path, mk_err *err)
{
    foreach_field(labels, k, v)
    {
        const char *why = selector_label_key_error(k);
        if (why)
            return invalid_str(err, path, k, "%s", why);
        vpath p;
        SUBPATH(p, "%s.%s", path, k);
        if ((why = selector_label_value_error(json_object_get_string(v))))
            return invalid(err, p, v, "%s", why);
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
            return invalid_str(err, path, k, "%s", why);
        total += strlen(k) + (size_t)json_object_get_string_len(v);
    }
    if (total > ANNOTATIONS_MAX_BYTES)
        return mk_error(err, EINVAL, "%s: Too long: must have at most %d bytes", path,
                        ANNOTATIONS_MAX_BYTES);
    return 0;
}

static int check_metadata(const mk_kind *k, json_object *meta, mk_err *err)
{
    const char *name = get_str(meta, "name");
    const char *gen = get_str(meta, "generateName");
    int r;
    if (empty_str(name)) {
        if (empty_str(gen))
            return required(err, "metadata.name", "name or generateName is required");
        /* The server appends 5 characters to the prefix. */
        _cleanup_free_ char *sample = xasprintf("%sabcde", gen);
        if ((r = check_dns_label("metadata.generateName", sample, err)) < 0)
            return invalid_str(err, "metadata.generateName", gen,
                               "a prefix for a lowercase RFC 1123 label (at most 58 "
                               "characters, e.g. 'web-')");
    } else if (!strcmp(k->kind, "Event")) {
        /* Events are named <object>.<hex>, as Kubernetes' recorders name them. */
        if ((r = check_dns_subdomain("metadata.name", name, err)) < 0)
            return r;
    } else if ((r = check_dns_label("metadata.name", name, err)) < 0) {
        return r;
    }
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
                return required(err, p, NULL);
        }
    }
    return 0;
}

/* ---- Pod ---- */

static const char *const protocols[] = {"TCP", "UDP", "SCTP", NULL};

/* Requests and limits: quantities were parsed by the schema; here they
 * must be non-negative, and a request may not exceed its limit. */
static int check_resources(json_object *res, const char *base, mk_err *err)
{
    static const char *const parts[] = {"limits", "requests"};
    for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
        foreach_field(get(res, parts[i]), name, v)
        {
            vpath p;
            SUBPATH(p, "%s.%s.%s", base, parts[i], name);
            const char *why = selector_label_key_error(name);
            if (why)
                return invalid_str(err, p, name, "resource name: %s", why);
            mk_quantity q;
            const char *text = json_object_is_type(v, json_type_string)
                                   ? json_object_get_string(v)
                                   : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
            if (quantity_parse(text, &q, NULL) == 0 && q.mant < 0)
                return invalid(err, p, v, "must be greater than or equal to 0");
        }
    }
    foreach_field(get(res, "requests"), name, req)
    {
        json_object *lim = get(get(res, "limits"), name);
        if (!lim)
            continue;
        mk_quantity a, b;
        const char *ta = json_object_is_type(req, json_type_string)
                             ? json_object_get_string(req)
                             : json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
        const char *tb = json_object_is_type(lim, json_type_string)
                             ? json_object_get_string(lim)
                             : json_object_to_json_string_ext(lim, JSON_C_TO_STRING_PLAIN);
        if (quantity_parse(ta, &a, NULL) == 0 && quantity_parse(tb, &b, NULL) == 0 &&
            quantity_cmp(&a, &b) > 0) {
            vpath p;
            SUBPATH(p, "%s.requests", base);
            return invalid_str(err, p, ta, "must be less than or equal to %s limit of %s", name,
                               tb);
        }
    }
    return 0;
}

static int check_probe(json_object *probe, const char *base, mk_err *err)
{
    static const char *const handlers[] = {"exec", "httpGet", "tcpSocket", "grpc"};
    static const char *const counts[] = {
        "initialDelaySeconds", "periodSeconds",    "timeoutSeconds",
        "failureThreshold",    "successThreshold", "terminationGracePeriodSeconds"};
    int n = 0, r;
    for (size_t i = 0; i < ARRAY_SIZE(handlers); i++)
        n += has(probe, handlers[i]);
    if (n == 0)
        return required(err, base, "must specify a handler type");
    if (n > 1)
        return forbidden(err, base, "may not specify more than 1 handler type");
    for (size_t i = 0; i < ARRAY_SIZE(counts); i++)
        if ((r = check_range(probe, counts[i], base, 0, INT32_MAX, err)) < 0)
            return r;
    vpath p;
    json_object *exec = get(probe, "exec");
    SUBPATH(p, "%s.exec.command", base);
    if (exec && list_len(get(exec, "command")) == 0)
        return required(err, p, NULL);
    json_object *http = get(probe, "httpGet");
    SUBPATH(p, "%s.httpGet", base);
    if (http && (r = check_int_or_name_port(http, "port", p, true, err)) < 0)
        return r;
    static const char *const schemes[] = {"HTTP", "HTTPS", NULL};
    if (http && (r = check_enum(http, "scheme", p, schemes, false, err)) < 0)
        return r;
    SUBPATH(p, "%s.tcpSocket", base);
    if (has(probe, "tcpSocket") &&
        (r = check_int_or_name_port(get(probe, "tcpSocket"), "port", p, true, err)) < 0)
        return r;
    SUBPATH(p, "%s.grpc", base);
    if (has(probe, "grpc") &&
        (r = check_range(get(probe, "grpc"), "port", p, 1, 65535, err)) < 0)
        return r;
    return 0;
}

static int check_container_ports(json_object *ports, const char *base, mk_err *err)
{
    int r;
    for (size_t i = 0; i < list_len(ports); i++) {
        json_object *port = list_at(ports, i);
        vpath p, f;
        SUBPATH(p, "%s.ports[%zu]", base, i);
        SUBPATH(f, "%s.containerPort", p);
        if (!has(port, "containerPort"))
            return required(err, f, NULL);
        if ((r = check_range(port, "containerPort", p, 1, 65535, err)) < 0 ||
            (r = check_range(port, "hostPort", p, 0, 65535, err)) < 0 ||
            (r = check_enum(port, "protocol", p, protocols, false, err)) < 0)
            return r;
        const char *name = get_str(port, "name");
        SUBPATH(f, "%s.name", p);
        if (name && (r = check_port_name(f, name, err)) < 0)
            return r;
    }
    return 0;
}

static int check_env(json_object *env, const char *base, mk_err *err)
{
    for (size_t i = 0; i < list_len(env); i++) {
        json_object *e = list_at(env, i);
        vpath p;
        SUBPATH(p, "%s.env[%zu].name", base, i);
        const char *name = get_str(e, "name");
        if (empty_str(name))
            return required(err, p, NULL);
        /* [-._a-zA-Z][-._a-zA-Z0-9]* */
        bool ok = !isdigit((unsigned char)name[0]);
        for (const char *c = name; ok && *c; c++)
            ok = isalnum((unsigned char)*c) || strchr("-._", *c);
        if (!ok)
            return invalid_str(
                err, p, name,
                "a valid environment variable name must consist of alphabetic "
                "characters, digits, '_', '-', or '.', and must not start with a "
                "digit");
        json_object *from = get(e, "valueFrom");
        SUBPATH(p, "%s.env[%zu].valueFrom", base, i);
        if (from && has(e, "value"))
            return forbidden(err, p, "may not be specified when `value` is not empty");
        if (from && json_object_object_length(from) != 1)
            return invalid(err, p, from,
                           "must specify exactly one of configMapKeyRef, "
                           "secretKeyRef, fieldRef, resourceFieldRef");
    }
    return 0;
}

static const char *volume_sources[] = {"emptyDir",
                                       "hostPath",
                                       "configMap",
                                       "secret",
                                       "projected",
                                       "downwardAPI",
                                       "persistentVolumeClaim",
                                       "nfs",
                                       "csi",
                                       "ephemeral",
                                       "image"};
#define SUPPORTED_VOLUME_SOURCES 7 /* the first seven */

static int check_volume_mounts(json_object *mounts, json_object *volumes, const char *base,
                               mk_err *err)
{
    int r;
    for (size_t i = 0; i < list_len(mounts); i++) {
        json_object *m = list_at(mounts, i);
        vpath p;
        SUBPATH(p, "%s.volumeMounts[%zu].name", base, i);
        const char *name = get_str(m, "name");
        if (empty_str(name))
            return required(err, p, NULL);
        bool found = false;
        for (size_t j = 0; !found && j < list_len(volumes); j++)
            found = !strcmp(name, get_str(list_at(volumes, j), "name") ?: "");
        if (!found)
            return not_found(err, p, name);
        SUBPATH(p, "%s.volumeMounts[%zu].mountPath", base, i);
        const char *mp = get_str(m, "mountPath");
        if (empty_str(mp))
            return required(err, p, NULL);
        if (mp[0] != '/')
            return invalid_str(err, p, mp, "must be an absolute path");
        for (size_t j = 0; j < i; j++)
            if (!strcmp(mp, get_str(list_at(mounts, j), "mountPath") ?: ""))
                return invalid_str(err, p, mp, "must be unique");
        const char *sub = get_str(m, "subPath");
        SUBPATH(p, "%s.volumeMounts[%zu].subPath", base, i);
        if (!empty_str(sub) && !is_safe_relative_path(sub))
            return invalid_str(err, p, sub, "must be a relative path without '..'");
        static const char *const props[] = {"None", "HostToContainer", "Bidirectional", NULL};
        SUBPATH(p, "%s.volumeMounts[%zu]", base, i);
        if ((r = check_enum(m, "mountPropagation", p, props, false, err)) < 0)
            return r;
    }
    return 0;
}

/* One container of spec.containers or spec.initContainers. names holds
 * the names seen so far across both lists, for the duplicate check. */
static int check_container(json_object *c, const char *base, json_object *volumes,
                           json_object *names, mk_err *err)
{
    static const char *const pull[] = {"Always", "IfNotPresent", "Never", NULL};
    static const char *const term[] = {"File", "FallbackToLogsOnError", NULL};
    static const char *const probes[] = {"livenessProbe", "readinessProbe", "startupProbe"};
    vpath p;
    int r;
    const char *name = get_str(c, "name");
    SUBPATH(p, "%s.name", base);
    if (empty_str(name))
        return required(err, p, NULL);
    if ((r = check_dns_label(p, name, err)) < 0)
        return r;
    if (json_object_object_get_ex(names, name, NULL))
        return duplicate(err, p, name);
    json_object_object_add(names, name, NULL);
    SUBPATH(p, "%s.image", base);
    const char *image = get_str(c, "image");
    if (empty_str(image))
        return required(err, p, NULL);
    if (strspn(image, " \t\r\n") || image[strcspn(image, " \t\r\n")])
        return invalid_str(err, p, image, "must not have leading or trailing whitespace");
    if ((r = check_enum(c, "imagePullPolicy", base, pull, false, err)) < 0 ||
        (r = check_enum(c, "terminationMessagePolicy", base, term, false, err)) < 0 ||
        (r = check_container_ports(get(c, "ports"), base, err)) < 0 ||
        (r = check_env(get(c, "env"), base, err)) < 0 ||
        (r = check_volume_mounts(get(c, "volumeMounts"), volumes, base, err)) < 0)
        return r;
    SUBPATH(p, "%s.resources", base);
    if ((r = check_resources(get(c, "resources"), p, err)) < 0)
        return r;
    for (size_t i = 0; i < ARRAY_SIZE(probes); i++) {
        SUBPATH(p, "%s.%s", base, probes[i]);
        if (has(c, probes[i]) && (r = check_probe(get(c, probes[i]), p, err)) < 0)
            return r;
    }
    return 0;
}

/* A downwardAPI source's items: each a safe path and one reference. */
static int check_downward_items(json_object *src, const char *base, mk_err *err)
{
    json_object *items = get(src, "items");
    vpath f;
    int r;
    for (size_t i = 0; i < list_len(items); i++) {
        json_object *it = list_at(items, i);
        SUBPATH(f, "%s.items[%zu].path", base, i);
        const char *path = get_str(it, "path");
        if (empty_str(path))
            return required(err, f, NULL);
        if (!is_safe_relative_path(path))
            return invalid_str(err, f, path, "must be a relative path without '..'");
        SUBPATH(f, "%s.items[%zu]", base, i);
        if (has(it, "fieldRef") == has(it, "resourceFieldRef"))
            return required(err, f, "exactly one of fieldRef and resourceFieldRef");
        if (has(it, "resourceFieldRef") &&
            empty_str(get_str(get(it, "resourceFieldRef"), "containerName"))) {
            SUBPATH(f, "%s.items[%zu].resourceFieldRef.containerName", base, i);
            return required(err, f, NULL);
        }
        if ((r = check_range(it, "mode", f, 0, 0777, err)) < 0)
            return r;
    }
    return 0;
}

/* A projected volume: configMap, secret and downwardAPI sources. */
static int check_projected(json_object *src, const char *base, mk_err *err)
{
    json_object *sources = get(src, "sources");
    vpath f;
    int r;
    for (size_t i = 0; i < list_len(sources); i++) {
        json_object *s = list_at(sources, i);
        SUBPATH(f, "%s.sources[%zu]", base, i);
        static const char *const refused[] = {"serviceAccountToken", "clusterTrustBundle",
                                              "podCertificate"};
        for (size_t k = 0; k < ARRAY_SIZE(refused); k++) {
            if (has(s, refused[k])) {
                SUBPATH(f, "%s.sources[%zu].%s", base, i, refused[k]);
                return forbidden(err, f, "not supported by minik8s");
            }
        }
        static const char *const named[] = {"configMap", "secret"};
        for (size_t k = 0; k < ARRAY_SIZE(named); k++) {
            if (has(s, named[k]) && empty_str(get_str(get(s, named[k]), "name"))) {
                SUBPATH(f, "%s.sources[%zu].%s.name", base, i, named[k]);
                return required(err, f, NULL);
            }
        }
        SUBPATH(f, "%s.sources[%zu].downwardAPI", base, i);
        if (has(s, "downwardAPI") &&
            (r = check_downward_items(get(s, "downwardAPI"), f, err)) < 0)
            return r;
    }
    return 0;
}

static int check_volume(json_object *v, const char *base, json_object *names, mk_err *err)
{
    static const char *const host_types[] = {
        "",           "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket",
        "CharDevice", "BlockDevice",       NULL};
    static const char *const media[] = {"", "Memory", NULL};
    vpath p;
    int r;
    SUBPATH(p, "%s.name", base);
    const char *name = get_str(v, "name");
    if (empty_str(name))
        return required(err, p, NULL);
    if ((r = check_dns_label(p, name, err)) < 0)
        return r;
    if (json_object_object_get_ex(names, name, NULL))
        return duplicate(err, p, name);
    json_object_object_add(names, name, NULL);
    size_t n = 0, which = 0;
    for (size_t i = 0; i < ARRAY_SIZE(volume_sources); i++)
        if (has(v, volume_sources[i]))
            n++, which = i;
    if (n == 0)
        return required(err, base, "must specify a volume type");
    if (n > 1)
        return forbidden(err, base, "may not specify more than 1 volume type");
    SUBPATH(p, "%s.%s", base, volume_sources[which]);
    if (which >= SUPPORTED_VOLUME_SOURCES)
        return forbidden(err, p,
                         "minik8s supports emptyDir, hostPath, configMap, secret, projected, "
                         "downwardAPI and persistentVolumeClaim volumes");
    json_object *src = get(v, volume_sources[which]);
    vpath f;
    switch (which) {
    case 0:
        if ((r = check_enum(src, "medium", p, media, false, err)) < 0)
            return r;
        break;
    case 1:
        SUBPATH(f, "%s.path", p);
        if (empty_str(get_str(src, "path")))
            return required(err, f, NULL);
        if (get_str(src, "path")[0] != '/')
            return invalid_str(err, f, get_str(src, "path"), "must be an absolute path");
        if ((r = check_enum(src, "type", p, host_types, false, err)) < 0)
            return r;
        break;
    case 2:
    case 3: {
        const char *ref = which == 2 ? "name" : "secretName";
        SUBPATH(f, "%s.%s", p, ref);
        if (empty_str(get_str(src, ref)))
            return required(err, f, NULL);
        if ((r = check_dns_label(f, get_str(src, ref), err)) < 0 ||
            (r = check_range(src, "defaultMode", p, 0, 0777, err)) < 0)
            return r;
        json_object *items = get(src, "items");
        for (size_t i = 0; i < list_len(items); i++) {
            json_object *it = list_at(items, i);
            SUBPATH(f, "%s.items[%zu].key", p, i);
            if (empty_str(get_str(it, "key")))
                return required(err, f, NULL);
            SUBPATH(f, "%s.items[%zu].path", p, i);
            const char *path = get_str(it, "path");
            if (empty_str(path))
                return required(err, f, NULL);
            if (!is_safe_relative_path(path))
                return invalid_str(err, f, path, "must be a relative path without '..'");
            SUBPATH(f, "%s.items[%zu]", p, i);
            if ((r = check_range(it, "mode", f, 0, 0777, err)) < 0)
                return r;
        }
        break;
    }
    case 4:
        return check_projected(src, p, err);
    case 5:
        return check_downward_items(src, p, err);
    case 6:
        SUBPATH(f, "%s.claimName", p);
        if (empty_str(get_str(src, "claimName")))
            return required(err, f, NULL);
        return check_dns_subdomain(f, get_str(src, "claimName"), err);
    }
    return 0;
}

static int check_pod_spec(json_object *spec, const char *base, mk_err *err)
{
    static const char *const restart[] = {"Always", "OnFailure", "Never", NULL};
    static const char *const dns[] = {"ClusterFirst", "ClusterFirstWithHostNet", "Default",
                                      "None", NULL};
    vpath p;
    int r;
    if (!spec) {
        SUBPATH(p, "%s", base);
        return required(err, p, NULL);
    }
    /* Refused here rather than ignored on the node. */
    static const char *const host_ns[] = {"hostNetwork", "hostPID", "hostIPC",
                                          "shareProcessNamespace"};
    for (size_t i = 0; i < ARRAY_SIZE(host_ns); i++) {
        if (json_object_get_boolean(get(spec, host_ns[i]))) {
            SUBPATH(p, "%s.%s", base, host_ns[i]);
            return forbidden(err, p,
                             "not supported by minik8s: every pod has namespaces of its own");
        }
    }
    json_object *volumes = get(spec, "volumes");
    json_object *names = json_object_new_object();
    for (size_t i = 0; i < list_len(volumes); i++) {
        SUBPATH(p, "%s.volumes[%zu]", base, i);
        if ((r = check_volume(list_at(volumes, i), p, names, err)) < 0)
            goto out;
    }
    json_object_put(names);
    names = json_object_new_object();
    json_object *containers = get(spec, "containers");
    SUBPATH(p, "%s.containers", base);
    if (list_len(containers) == 0) {
        r = required(err, p, NULL);
        goto out;
    }
    static const char *const lists[] = {"initContainers", "containers"};
    for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
        json_object *cs = get(spec, lists[l]);
        for (size_t i = 0; i < list_len(cs); i++) {
            SUBPATH(p, "%s.%s[%zu]", base, lists[l], i);
            if ((r = check_container(list_at(cs, i), p, volumes, names, err)) < 0)
                goto out;
        }
    }
    r = 0;
    if ((r = check_enum(spec, "restartPolicy", base, restart, false, err)) < 0 ||
        (r = check_enum(spec, "dnsPolicy", base, dns, false, err)) < 0 ||
        (r = check_range(spec, "terminationGracePeriodSeconds", base, 0, INT64_MAX, err)) < 0 ||
        (r = check_range(spec, "activeDeadlineSeconds", base, 1, INT64_MAX, err)) < 0)
        goto out;
    SUBPATH(p, "%s.nodeSelector", base);
    if ((r = check_labels(get(spec, "nodeSelector"), p, err)) < 0)
        goto out;
    const char *node = get_str(spec, "nodeName");
    SUBPATH(p, "%s.nodeName", base);
    if (!empty_str(node) && (r = check_dns_label(p, node, err)) < 0)
        goto out;
    const char *sa = get_str(spec, "serviceAccountName");
    SUBPATH(p, "%s.serviceAccountName", base);
    if (!empty_str(sa) && (r = check_dns_subdomain(p, sa, err)) < 0)
        goto out;
    SUBPATH(p, "%s.hostname", base);
    if (!empty_str(get_str(spec, "hostname")) &&
        (r = check_dns_label(p, get_str(spec, "hostname"), err)) < 0)
        goto out;
out:
    json_object_put(names);
    return r;
}

static int validate_pod(json_object *obj, mk_err *err)
{
    return check_pod_spec(get(obj, "spec"), "spec", err);
}

/* ---- Namespace, Node ---- */

static int validate_namespace(json_object *obj, mk_err *err)
{
    return 0;
}

static int validate_node(json_object *obj, mk_err *err)
{
    static const char *const effects[] = {"NoSchedule", "PreferNoSchedule", "NoExecute", NULL};
    json_object *spec = get(obj, "spec");
    const char *cidr = get_str(spec, "podCIDR");
    if (!empty_str(cidr) && !is_cidr(cidr))
        return invalid_str(err, "spec.podCIDR", cidr,
                           "must be a valid CIDR (e.g. 10.244.1.0/24)");
    json_object *cidrs = get(spec, "podCIDRs");
    for (size_t i = 0; i < list_len(cidrs); i++) {
        vpath p;
        SUBPATH(p, "spec.podCIDRs[%zu]", i);
        const char *c = json_object_get_string(list_at(cidrs, i));
        if (!c || !is_cidr(c))
            return invalid(err, p, list_at(cidrs, i), "must be a valid CIDR");
    }
    json_object *taints = get(spec, "taints");
    for (size_t i = 0; i < list_len(taints); i++) {
        vpath p, f;
        SUBPATH(p, "spec.taints[%zu]", i);
        SUBPATH(f, "%s.key", p);
        json_object *t = list_at(taints, i);
        const char *key = get_str(t, "key");
        if (empty_str(key))
            return required(err, f, NULL);
        const char *why = selector_label_key_error(key);
        if (why)
            return invalid_str(err, f, key, "%s", why);
        int r = check_enum(t, "effect", p, effects, true, err);
        if (r < 0)
            return r;
    }
    return 0;
}

/* ---- Service, Endpoints ---- */

static int validate_service(json_object *obj, mk_err *err)
{
    static const char *const types[] = {"ClusterIP", "NodePort", NULL};
    static const char *const affinity[] = {"None", "ClientIP", NULL};
    json_object *spec = get(obj, "spec");
    int r;
    if (!spec)
        return required(err, "spec", NULL);
    if ((r = check_enum(spec, "type", "spec", types, false, err)) < 0 ||
        (r = check_enum(spec, "sessionAffinity", "spec", affinity, false, err)) < 0 ||
        (r = check_labels(get(spec, "selector"), "spec.selector", err)) < 0)
        return r;
    const char *type = get_str(spec, "type") ?: "ClusterIP";
    const char *cip = get_str(spec, "clusterIP");
    bool headless = cip && !strcmp(cip, "None");
    if (!empty_str(cip) && !headless && !is_ip(cip))
        return invalid_str(err, "spec.clusterIP", cip,
                           "must be empty, 'None', or a valid IP "
                           "address");
    if (headless && !strcmp(type, "NodePort"))
        return invalid_str(err, "spec.clusterIP", cip,
                           "may not be set to 'None' for NodePort "
                           "services");
    json_object *ports = get(spec, "ports");
    size_t n = list_len(ports);
    if (n == 0 && !headless)
        return required(err, "spec.ports", NULL);
    for (size_t i = 0; i < n; i++) {
        json_object *port = list_at(ports, i);
        vpath p, f;
        SUBPATH(p, "spec.ports[%zu]", i);
        SUBPATH(f, "%s.name", p);
        const char *name = get_str(port, "name");
        if (n > 1 && empty_str(name))
            return required(err, f, NULL);
        if (!empty_str(name) && (r = check_dns_label(f, name, err)) < 0)
            return r;
        for (size_t j = 0; name && j < i; j++)
            if (!strcmp(name, get_str(list_at(ports, j), "name") ?: ""))
                return duplicate(err, f, name);
        SUBPATH(f, "%s.port", p);
        if (!has(port, "port"))
            return required(err, f, NULL);
        if ((r = check_range(port, "port", p, 1, 65535, err)) < 0 ||
            (r = check_enum(port, "protocol", p, protocols, false, err)) < 0 ||
            (r = check_int_or_name_port(port, "targetPort", p, false, err)) < 0)
            return r;
        SUBPATH(f, "%s.nodePort", p);
        if (has(port, "nodePort") && mk_json_int(port, "nodePort", 0) != 0 &&
            strcmp(type, "NodePort"))
            return forbidden(err, f, "may not be used when `type` is '%s'", type);
        if ((r = check_range(port, "nodePort", p, 0, 65535, err)) < 0)
            return r;
    }
    return 0;
}

static int validate_endpoints(json_object *obj, mk_err *err)
{
    json_object *subsets = get(obj, "subsets");
    int r;
    for (size_t i = 0; i < list_len(subsets); i++) {
        json_object *s = list_at(subsets, i);
        static const char *const lists[] = {"addresses", "notReadyAddresses"};
        for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
            json_object *addrs = get(s, lists[l]);
            for (size_t j = 0; j < list_len(addrs); j++) {
                vpath p;
                SUBPATH(p, "subsets[%zu].%s[%zu].ip", i, lists[l], j);
                const char *ip = get_str(list_at(addrs, j), "ip");
                if (empty_str(ip))
                    return required(err, p, NULL);
                if (!is_ip(ip))
                    return invalid_str(err, p, ip, "must be a valid IP address");
            }
        }
        json_object *ports = get(s, "ports");
        for (size_t j = 0; j < list_len(ports); j++) {
            vpath p, f;
            SUBPATH(p, "subsets[%zu].ports[%zu]", i, j);
            SUBPATH(f, "%s.port", p);
            json_object *port = list_at(ports, j);
            if (!has(port, "port"))
                return required(err, f, NULL);
            if ((r = check_range(port, "port", p, 1, 65535, err)) < 0 ||
                (r = check_enum(port, "protocol", p, protocols, false, err)) < 0)
                return r;
        }
    }
    return 0;
}

/* ---- ConfigMap, Secret ---- */

static int check_data_keys(json_object *obj, const char *const *fields, size_t nfields,
                           bool base64, mk_err *err)
{
    size_t total = 0;
    int r;
    for (size_t i = 0; i < nfields; i++) {
        foreach_field(get(obj, fields[i]), k, v)
        {
            vpath p;
            SUBPATH(p, "%s[%s]", fields[i], k);
            if ((r = check_config_key(p, k, err)) < 0)
                return r;
            for (size_t j = 0; j < i; j++)
                if (has(get(obj, fields[j]), k))
                    return invalid_str(err, p, k, "duplicate of key present in %s", fields[j]);
            total += (size_t)json_object_get_string_len(v);
            /* Secrets' values never appear in a message. */
            long at = base64 && i == 0 ? base64_error_at(json_object_get_string(v)) : -1;
            if (at >= 0)
                return mk_error(err, EINVAL,
                                "%s: Invalid value: \"<secret contents redacted>\": illegal "
                                "base64 data at input byte %ld",
                                p, at);
        }
    }
    if (total > DATA_MAX_BYTES)
        return mk_error(err, EINVAL, "%s: Too long: must have at most %d bytes", fields[0],
                        DATA_MAX_BYTES);
    return 0;
}

static int validate_configmap(json_object *obj, mk_err *err)
{
    static const char *const fields[] = {"data"};
    int r = check_data_keys(obj, fields, 1, false, err);
    if (r < 0)
        return r;
    /* binaryData is base64, and its keys may not repeat data's. */
    foreach_field(get(obj, "binaryData"), k, v)
    {
        vpath p;
        SUBPATH(p, "binaryData[%s]", k);
        if ((r = check_config_key(p, k, err)) < 0)
            return r;
        if (has(get(obj, "data"), k))
            return invalid_str(err, p, k, "duplicate of key present in data");
        if (base64_error_at(json_object_get_string(v)) >= 0)
            return invalid_str(err, p, k, "illegal base64 data");
    }
    return 0;
}

static int validate_secret(json_object *obj, mk_err *err)
{
    static const char *const fields[] = {"data"};
    /* stringData may repeat data's keys on purpose: it overrides them. */
    int r = check_data_keys(obj, fields, 1, true, err);
    if (r < 0)
        return r;
    foreach_field(get(obj, "stringData"), k, v)
    {
        (void)v;
        vpath p;
        SUBPATH(p, "stringData[%s]", k);
        if ((r = check_config_key(p, k, err)) < 0)
            return r;
    }
    const char *type = get_str(obj, "type");
    if (type && !*type)
        return invalid_str(err, "type", type, "must not be empty");
    return 0;
}

/* ---- Job ---- */

/* A Job's spec, at base ("spec", or "spec.jobTemplate.spec" in a
 * CronJob): a pod template whose pods end (restartPolicy OnFailure or
 * Never), counts that are not negative. */
static int check_job_spec(json_object *spec, const char *base, mk_err *err)
{
    int r;
    vpath p;
    static const char *const counts[] = {"parallelism", "completions", "backoffLimit",
                                         "ttlSecondsAfterFinished"};
    for (size_t i = 0; i < ARRAY_SIZE(counts); i++)
        if ((r = check_range(spec, counts[i], base, 0, INT32_MAX, err)) < 0)
            return r;
    if ((r = check_range(spec, "activeDeadlineSeconds", base, 1, INT64_MAX, err)) < 0)
        return r;
    const char *mode = get_str(spec, "completionMode");
    SUBPATH(p, "%s.completionMode", base);
    if (mode && strcmp(mode, "NonIndexed") != 0)
        return forbidden(err, p, "minik8s runs NonIndexed Jobs only");
    json_object *tmpl = get(spec, "template");
    SUBPATH(p, "%s.template", base);
    if (!tmpl)
        return required(err, p, NULL);
    static const char *const ends[] = {"OnFailure", "Never", NULL};
    const char *policy = get_str(get(tmpl, "spec"), "restartPolicy");
    SUBPATH(p, "%s.template.spec", base);
    if (!policy) {
        vpath rp;
        SUBPATH(rp, "%s.restartPolicy", p);
        return required(err, rp, "a Job's pods must end: OnFailure or Never");
    }
    if ((r = check_enum(get(tmpl, "spec"), "restartPolicy", p, ends, true, err)) < 0)
        return r;
    return check_pod_spec(get(tmpl, "spec"), p, err);
}

static int validate_job(json_object *obj, mk_err *err)
{
    json_object *spec = get(obj, "spec");
    if (!spec)
        return required(err, "spec", NULL);
    return check_job_spec(spec, "spec", err);
}

/* ---- CronJob ---- */

/* Kubernetes' limit: "<name>-<minutes since the epoch>" must stay a
 * 63-character label. */
#define CRONJOB_NAME_MAX 52

/* A CronJob: a schedule that parses, a time zone that exists, a Job spec. */
static int validate_cronjob(json_object *obj, mk_err *err)
{
    json_object *spec = get(obj, "spec");
    int r;
    const char *name = mk_json_str(obj, "metadata.name");
    if (name && strlen(name) > CRONJOB_NAME_MAX)
        return invalid_str(err, "metadata.name", name, "must be no more than %d characters",
                           CRONJOB_NAME_MAX);
    if (!spec)
        return required(err, "spec", NULL);
    const char *sched = get_str(spec, "schedule");
    if (empty_str(sched))
        return required(err, "spec.schedule", NULL);
    cron_schedule cs;
    mk_err perr = {0};
    if (cron_parse(sched, &cs, &perr) < 0)
        return invalid_str(err, "spec.schedule", sched, "%s", perr.msg);
    const char *tz = get_str(spec, "timeZone");
    cron_zone *zone = NULL;
    if (tz && !*tz)
        return invalid_str(err, "spec.timeZone", tz,
                           "timeZone must be nil or non-empty string");
    if (tz && cron_zone_load(tz, &zone, &perr) < 0)
        return invalid_str(err, "spec.timeZone", tz, "%s", perr.msg);
    cron_zone_free(zone);
    static const char *const policies[] = {"Allow", "Forbid", "Replace", NULL};
    if ((r = check_enum(spec, "concurrencyPolicy", "spec", policies, false, err)) < 0)
        return r;
    static const char *const counts[] = {
        "startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"};
    for (size_t i = 0; i < ARRAY_SIZE(counts); i++)
        if ((r = check_range(spec, counts[i], "spec", 0, INT64_MAX, err)) < 0)
            return r;
    json_object *job = get(get(spec, "jobTemplate"), "spec");
    if (!job)
        return required(err, "spec.jobTemplate.spec", NULL);
    return check_job_spec(job, "spec.jobTemplate.spec", err);
}

/* Kubernetes' defaults for a CronJob's own fields. */

/* ---- PersistentVolume, PersistentVolumeClaim, StorageClass ---- */

static const char *const access_modes[] = {"ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany",
                                           "ReadWriteOncePod", NULL};

/* The text of a quantity the schema accepted (a string or a number). */
static const char *qty_text(json_object *v)
{
    return json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

/* base.accessModes: required, known modes; ReadWriteOncePod stands alone
 * (Kubernetes' rule). */
static int check_access_modes(json_object *spec, const char *base, mk_err *err)
{
    vpath p;
    SUBPATH(p, "%s.accessModes", base);
    json_object *modes = get(spec, "accessModes");
    if (list_len(modes) == 0)
        return required(err, p, NULL);
    bool pod = false;
    for (size_t i = 0; i < list_len(modes); i++) {
        const char *m = json_object_get_string(list_at(modes, i));
        size_t j = 0;
        while (access_modes[j] && strcmp(access_modes[j], m ? m : ""))
            j++;
        if (!access_modes[j]) {
            vpath q;
            SUBPATH(q, "%s[%zu]", p, i);
            return unsupported(err, q, m ? m : "", access_modes);
        }
        pod = pod || j == 3;
    }
    if (pod && list_len(modes) > 1)
        return forbidden(err, p, "may not use ReadWriteOncePod with other access modes");
    return 0;
}

/* base.volumeMode: Filesystem; Block volumes are not provided. */
static int check_volume_mode(json_object *spec, const char *base, mk_err *err)
{
    static const char *const modes[] = {"Filesystem", "Block", NULL};
    vpath p;
    SUBPATH(p, "%s.volumeMode", base);
    int r = check_enum(spec, "volumeMode", base, modes, false, err);
    if (r < 0)
        return r;
    const char *m = get_str(spec, "volumeMode");
    if (m && !strcmp(m, "Block"))
        return forbidden(err, p, "minik8s provides Filesystem volumes only");
    return 0;
}

/* A class name or volume name, when set. */
static int check_optional_name(json_object *spec, const char *field, const char *base,
                               mk_err *err)
{
    const char *v = get_str(spec, field);
    if (empty_str(v))
        return 0;
    vpath p;
    SUBPATH(p, "%s.%s", base, field);
    return check_dns_subdomain(p, v, err);
}

/* A claim's spec, at base ("spec", or a StatefulSet's
 * "spec.volumeClaimTemplates[0].spec"). */
static int check_pvc_spec(json_object *spec, const char *base, mk_err *err)
{
    vpath p;
    int r;
    if (!spec)
        return required(err, base, NULL);
    if ((r = check_access_modes(spec, base, err)) < 0)
        return r;
    SUBPATH(p, "%s.resources.requests.storage", base);
    json_object *storage = get(get(get(spec, "resources"), "requests"), "storage");
    if (!storage)
        return required(err, p, NULL);
    mk_quantity q;
    if (quantity_parse(qty_text(storage), &q, NULL) == 0 && q.mant <= 0)
        return invalid(err, p, storage, "must be greater than zero");
    SUBPATH(p, "%s.resources", base);
    if ((r = check_resources(get(spec, "resources"), p, err)) < 0 ||
        (r = check_volume_mode(spec, base, err)) < 0 ||
        (r = check_optional_name(spec, "storageClassName", base, err)) < 0 ||
        (r = check_optional_name(spec, "volumeName", base, err)) < 0)
        return r;
    json_object *sel = get(spec, "selector");
    mk_selector *s = NULL;
    mk_err serr = {0};
    if (sel && selector_from_object(sel, &s, &serr) < 0)
        return mk_error(err, serr.code, "%s.selector%s%s", base,
                        strncmp(serr.msg, "match", 5) ? ": " : ".", serr.msg);
    selector_free(s);
    static const char *const refused[] = {"dataSource", "dataSourceRef",
                                          "volumeAttributesClassName"};
    for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
        json_object *v = get(spec, refused[i]);
        if (!v || (json_object_is_type(v, json_type_string) && !*json_object_get_string(v)))
            continue;
        SUBPATH(p, "%s.%s", base, refused[i]);
        return forbidden(err, p, "not supported by minik8s");
    }
    return 0;
}

static int validate_pvc(json_object *obj, mk_err *err)
{
    return check_pvc_spec(get(obj, "spec"), "spec", err);
}

/* spec.nodeAffinity.required.nodeSelectorTerms, as a pod's required node
 * affinity. */
static int check_pv_node_affinity(json_object *na, mk_err *err)
{
    static const char *const ops[] = {"In", "NotIn", "Exists", "DoesNotExist",
                                      "Gt", "Lt",    NULL};
    json_object *terms = get(get(na, "required"), "nodeSelectorTerms");
    if (list_len(terms) == 0)
        return required(err, "spec.nodeAffinity.required.nodeSelectorTerms", NULL);
    for (size_t i = 0; i < list_len(terms); i++) {
        static const char *const parts[] = {"matchExpressions", "matchFields"};
        for (size_t j = 0; j < ARRAY_SIZE(parts); j++) {
            json_object *exprs = get(list_at(terms, i), parts[j]);
            for (size_t e = 0; e < list_len(exprs); e++) {
                json_object *x = list_at(exprs, e);
                vpath p;
                SUBPATH(p, "spec.nodeAffinity.required.nodeSelectorTerms[%zu].%s[%zu]", i,
                        parts[j], e);
                vpath k;
                SUBPATH(k, "%s.key", p);
                if (empty_str(get_str(x, "key")))
                    return required(err, k, NULL);
                int r = check_enum(x, "operator", p, ops, true, err);
                if (r < 0)
                    return r;
            }
        }
    }
    return 0;
}

/* The one volume source of a PV: hostPath or local, each an absolute
 * path. The other plugins are known and refused naming the field. */
static int check_pv_source(json_object *spec, mk_err *err)
{
    static const char *const sources[] = {"hostPath",
                                          "local",
                                          "nfs",
                                          "csi",
                                          "iscsi",
                                          "fc",
                                          "rbd",
                                          "cephfs",
                                          "cinder",
                                          "glusterfs",
                                          "flexVolume",
                                          "awsElasticBlockStore",
                                          "gcePersistentDisk",
                                          "azureDisk",
                                          "azureFile",
                                          "vsphereVolume",
                                          "portworxVolume",
                                          "scaleIO",
                                          "storageos",
                                          "quobyte",
                                          "flocker",
                                          "photonPersistentDisk"};
    static const char *const host_types[] = {
        "",           "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket",
        "CharDevice", "BlockDevice",       NULL};
    size_t n = 0, which = 0;
    for (size_t i = 0; i < ARRAY_SIZE(sources); i++)
        if (has(spec, sources[i]))
            n++, which = i;
    if (n == 0)
        return required(err, "spec", "must specify a volume type");
    if (n > 1)
        return forbidden(err, "spec", "may not specify more than 1 volume type");
    vpath p, f;
    SUBPATH(p, "spec.%s", sources[which]);
    if (which > 1)
        return forbidden(err, p, "minik8s supports hostPath and local persistent volumes");
    json_object *src = get(spec, sources[which]);
    SUBPATH(f, "%s.path", p);
    const char *path = get_str(src, "path");
    if (empty_str(path))
        return required(err, f, NULL);
    if (path[0] != '/')
        return invalid_str(err, f, path, "must be an absolute path");
    if (which == 0)
        return check_enum(src, "type", p, host_types, false, err);
    if (!get(spec, "nodeAffinity"))
        return required(err, "spec.nodeAffinity", "Local volume requires node affinity");
    return 0;
}

static int validate_pv(json_object *obj, mk_err *err)
{
    static const char *const policies[] = {"Retain", "Delete", "Recycle", NULL};
    json_object *spec = get(obj, "spec");
    int r;
    if (!spec)
        return required(err, "spec", NULL);
    json_object *storage = get(get(spec, "capacity"), "storage");
    if (!storage)
        return required(err, "spec.capacity.storage", NULL);
    foreach_field(get(spec, "capacity"), name, v)
    {
        (void)v;
        static const char *const only[] = {"storage", NULL};
        if (strcmp(name, "storage"))
            return unsupported(err, "spec.capacity", name, only);
    }
    mk_quantity q;
    if (quantity_parse(qty_text(storage), &q, NULL) == 0 && q.mant <= 0)
        return invalid(err, "spec.capacity.storage", storage, "must be greater than zero");
    if ((r = check_access_modes(spec, "spec", err)) < 0 ||
        (r = check_enum(spec, "persistentVolumeReclaimPolicy", "spec", policies, false, err)) <
            0)
        return r;
    const char *policy = get_str(spec, "persistentVolumeReclaimPolicy");
    if (policy && !strcmp(policy, "Recycle"))
        return forbidden(err, "spec.persistentVolumeReclaimPolicy",
                         "minik8s does not recycle volumes: Retain or Delete");
    if ((r = check_volume_mode(spec, "spec", err)) < 0 ||
        (r = check_optional_name(spec, "storageClassName", "spec", err)) < 0 ||
        (r = check_pv_source(spec, err)) < 0)
        return r;
    if (list_len(get(spec, "mountOptions")))
        return forbidden(err, "spec.mountOptions",
                         "may not specify mount options for this volume type");
    const char *vac = get_str(spec, "volumeAttributesClassName");
    if (!empty_str(vac))
        return forbidden(err, "spec.volumeAttributesClassName", "not supported by minik8s");
    if (get(spec, "nodeAffinity") &&
        (r = check_pv_node_affinity(get(spec, "nodeAffinity"), err)) < 0)
        return r;
    json_object *ref = get(spec, "claimRef");
    if (ref && empty_str(get_str(ref, "name")))
        return required(err, "spec.claimRef.name", NULL);
    if (ref && empty_str(get_str(ref, "namespace")))
        return required(err, "spec.claimRef.namespace", NULL);
    return 0;
}

/* A top-level string field that must be one of allowed, when set. */
static int check_top_enum(json_object *obj, const char *field, const char *const *allowed,
                          mk_err *err)
{
    const char *v = get_str(obj, field);
    for (size_t i = 0; v && allowed[i]; i++)
        if (!strcmp(allowed[i], v))
            return 0;
    return v ? unsupported(err, field, v, allowed) : 0;
}

static int validate_storageclass(json_object *obj, mk_err *err)
{
    static const char *const policies[] = {"Delete", "Retain", NULL};
    static const char *const modes[] = {"Immediate", "WaitForFirstConsumer", NULL};
    const char *prov = get_str(obj, "provisioner");
    int r;
    if (empty_str(prov))
        return required(err, "provisioner", NULL);
    const char *why = selector_label_key_error(prov);
    if (why)
        return invalid_str(err, "provisioner", prov, "%s", why);
    if ((r = check_top_enum(obj, "reclaimPolicy", policies, err)) < 0 ||
        (r = check_top_enum(obj, "volumeBindingMode", modes, err)) < 0)
        return r;
    if (list_len(get(obj, "mountOptions")))
        return forbidden(err, "mountOptions", "minik8s volumes take no mount options");
    if (list_len(get(obj, "allowedTopologies")))
        return forbidden(err, "allowedTopologies", "not supported by minik8s");
    return 0;
}

/* ---- ReplicaSet ---- */

/* A ReplicaSet's or Deployment's spec: replicas, a selector that selects
 * the template's labels, a pod template whose pods restart Always. */
static int check_replicated(json_object *obj, const char *kind, mk_err *err)
{
    static const char *const always[] = {"Always", NULL};
    json_object *spec = get(obj, "spec");
    int r;
    if (!spec)
        return required(err, "spec", NULL);
    if ((r = check_range(spec, "replicas", "spec", 0, INT32_MAX, err)) < 0 ||
        (r = check_range(spec, "minReadySeconds", "spec", 0, INT32_MAX, err)) < 0)
        return r;
    json_object *sel = get(spec, "selector");
    if (!sel)
        return required(err, "spec.selector", NULL);
    mk_selector *s = NULL;
    mk_err serr = {0};
    if (selector_from_object(sel, &s, &serr) < 0) /* "matchLabels...": a path below ours */
        return mk_error(err, serr.code, "spec.selector%s%s",
                        strncmp(serr.msg, "match", 5) ? ": " : ".", serr.msg);
    if (selector_is_empty(s)) {
        selector_free(s);
        return invalid_str(err, "spec.selector", "{}", "empty selector is invalid for a %s",
                           kind);
    }
    json_object *tmpl = get(spec, "template");
    if (!tmpl) {
        selector_free(s);
        return required(err, "spec.template", NULL);
    }
    json_object *labels = get(get(tmpl, "metadata"), "labels");
    bool match = selector_match_labels(s, labels);
    selector_free(s);
    if (!match)
        return invalid(err, "spec.template.metadata.labels", labels,
                       "`selector` does not match template `labels`");
    if ((r = check_labels(labels, "spec.template.metadata.labels", err)) < 0 ||
        (r = check_pod_spec(get(tmpl, "spec"), "spec.template.spec", err)) < 0)
        return r;
    return check_enum(get(tmpl, "spec"), "restartPolicy", "spec.template.spec", always, false,
                      err);
}

static int validate_replicaset(json_object *obj, mk_err *err)
{
    return check_replicated(obj, "ReplicaSet", err);
}

static int validate_daemonset(json_object *obj, mk_err *err)
{
    int r;
    if ((r = check_replicated(obj, "DaemonSet", err)) < 0)
        return r;
    static const char *const types[] = {"RollingUpdate", "OnDelete", NULL};
    return check_enum(get(get(obj, "spec"), "updateStrategy"), "type", "spec.updateStrategy",
                      types, false, err);
}

/* maxUnavailable of a StatefulSet: an int of at least 1 or a percentage. */
static int check_sts_max_unavailable(json_object *v, mk_err *err)
{
    static const char *const path = "spec.updateStrategy.rollingUpdate.maxUnavailable";
    if (!v)
        return 0;
    if (json_object_is_type(v, json_type_int)) {
        if (json_object_get_int64(v) < 1)
            return invalid(err, path, v, "must be greater than 0");
        return 0;
    }
    const char *pct = json_object_get_string(v);
    char *end = NULL;
    long n = strtol(pct, &end, 10);
    if (end == pct || strcmp(end, "%") != 0 || n < 0)
        return invalid(err, path, v,
                       "a valid percent string must be a numeric string followed "
                       "by an ending '%%' (e.g. '1%%',  or '93%%')");
    return 0;
}

static int check_sts_strategy(json_object *spec, mk_err *err)
{
    static const char *const types[] = {"RollingUpdate", "OnDelete", NULL};
    json_object *us = get(spec, "updateStrategy"), *ru = get(us, "rollingUpdate");
    int r;
    if ((r = check_enum(us, "type", "spec.updateStrategy", types, false, err)) < 0)
        return r;
    const char *type = get_str(us, "type");
    if (ru && type && !strcmp(type, "OnDelete"))
        return invalid(err, "spec.updateStrategy.rollingUpdate", ru,
                       "only allowed for updateStrategy 'RollingUpdate'");
    if ((r = check_range(ru, "partition", "spec.updateStrategy.rollingUpdate", 0, INT32_MAX,
                         err)) < 0)
        return r;
    return check_sts_max_unavailable(get(ru, "maxUnavailable"), err);
}

/* spec.volumeClaimTemplates: each a claim with a name that is a volume
 * name of the pods (unique, none of spec.template.spec.volumes). */
static int check_claim_templates(json_object *spec, mk_err *err)
{
    json_object *tmpls = get(spec, "volumeClaimTemplates");
    json_object *volumes = get(get(get(spec, "template"), "spec"), "volumes");
    vpath p;
    int r;
    for (size_t i = 0; i < list_len(tmpls); i++) {
        json_object *t = list_at(tmpls, i);
        const char *name = get_str(get(t, "metadata"), "name");
        SUBPATH(p, "spec.volumeClaimTemplates[%zu].metadata.name", i);
        if (empty_str(name))
            return required(err, p, NULL);
        if ((r = check_dns_label(p, name, err)) < 0)
            return r;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(name, get_str(get(list_at(tmpls, j), "metadata"), "name") ?: ""))
                return duplicate(err, p, name);
        for (size_t j = 0; j < list_len(volumes); j++)
            if (!strcmp(name, get_str(list_at(volumes, j), "name") ?: ""))
                return invalid_str(err, p, name,
                                   "must not be the name of a volume in "
                                   "spec.template.spec.volumes");
        SUBPATH(p, "spec.volumeClaimTemplates[%zu].metadata.labels", i);
        if ((r = check_labels(get(get(t, "metadata"), "labels"), p, err)) < 0)
            return r;
        SUBPATH(p, "spec.volumeClaimTemplates[%zu].spec", i);
        if ((r = check_pvc_spec(get(t, "spec"), p, err)) < 0)
            return r;
    }
    return 0;
}

/* The set's replicated spec, checked as if its pod template had a volume
 * for each claim template, since the pods do: containers mount them. */
static int check_sts_replicated(json_object *obj, mk_err *err)
{
    json_object *tmpls = get(get(obj, "spec"), "volumeClaimTemplates");
    if (list_len(tmpls) == 0)
        return check_replicated(obj, "StatefulSet", err);
    json_object *copy = NULL;
    json_object_deep_copy(obj, &copy, NULL);
    json_object *tspec = mk_json_path(copy, "spec.template.spec");
    if (json_object_is_type(tspec, json_type_object)) {
        json_object *vols = get(tspec, "volumes");
        if (!json_object_is_type(vols, json_type_array)) {
            vols = json_object_new_array();
            json_object_object_add(tspec, "volumes", vols);
        }
        for (size_t i = 0; i < list_len(tmpls); i++) {
            json_object *v = json_object_new_object();
            const char *name = get_str(get(list_at(tmpls, i), "metadata"), "name");
            json_object_object_add(v, "name", json_object_new_string(name));
            json_object_object_add(v, "emptyDir", json_object_new_object());
            json_object_array_add(vols, v);
        }
    }
    int r = check_replicated(copy, "StatefulSet", err);
    json_object_put(copy);
    return r;
}

/* A StatefulSet: a replicated spec, its volume claims, its policies. */
static int validate_statefulset(json_object *obj, mk_err *err)
{
    static const char *const policies[] = {"OrderedReady", "Parallel", NULL};
    static const char *const retain[] = {"Retain", "Delete", NULL};
    int r;
    json_object *spec = get(obj, "spec");
    if ((r = check_claim_templates(spec, err)) < 0 || (r = check_sts_replicated(obj, err)) < 0)
        return r;
    json_object *pvc = get(spec, "persistentVolumeClaimRetentionPolicy");
    const char *svc = get_str(spec, "serviceName");
    if ((r = check_enum(spec, "podManagementPolicy", "spec", policies, false, err)) < 0 ||
        (r = check_range(spec, "revisionHistoryLimit", "spec", 0, INT32_MAX, err)) < 0 ||
        (r = check_enum(pvc, "whenDeleted", "spec.persistentVolumeClaimRetentionPolicy", retain,
                        false, err)) < 0 ||
        (r = check_enum(pvc, "whenScaled", "spec.persistentVolumeClaimRetentionPolicy", retain,
                        false, err)) < 0 ||
        (!empty_str(svc) && (r = check_dns_label("spec.serviceName", svc, err)) < 0) ||
        (r = check_sts_strategy(spec, err)) < 0)
        return r;
    if (mk_json_int(spec, "ordinals.start", 0) != 0)
        return forbidden(err, "spec.ordinals.start",
                         "minik8s numbers a StatefulSet's pods "
                         "from 0");
    return 0;
}

/* A ControllerRevision: a snapshot (data) and its number. */
static int validate_controllerrevision(json_object *obj, mk_err *err)
{
    if (!has(obj, "data"))
        return required(err, "data", "data is mandatory");
    json_object *rev = get(obj, "revision");
    if (rev && mk_json_int(rev, "", 0) < 0)
        return invalid(err, "revision", rev, "must be greater than or equal to 0");
    return 0;
}

/* Kubernetes lets a StatefulSet's spec change only in these fields. */
static int check_statefulset_update(json_object *old, json_object *obj, mk_err *err)
{
    static const char *const fixed[] = {"selector", "serviceName", "podManagementPolicy",
                                        "volumeClaimTemplates"};
    json_object *a = get(old, "spec"), *b = get(obj, "spec");
    for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
        if (!json_object_equal(get(a, fixed[i]), get(b, fixed[i])))
            return forbidden(err, "spec",
                             "updates to statefulset spec for fields other than 'replicas', "
                             "'ordinals', 'template', 'updateStrategy', "
                             "'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' "
                             "and 'minReadySeconds' are forbidden");
    return 0;
}

static int validate_deployment(json_object *obj, mk_err *err)
{
    int r;
    if ((r = check_replicated(obj, "Deployment", err)) < 0)
        return r;
    json_object *spec = get(obj, "spec");
    static const char *const types[] = {"RollingUpdate", "Recreate", NULL};
    json_object *strategy = get(spec, "strategy");
    if ((r = check_enum(strategy, "type", "spec.strategy", types, false, err)) < 0 ||
        (r = check_range(spec, "revisionHistoryLimit", "spec", 0, INT32_MAX, err)) < 0 ||
        (r = check_range(spec, "progressDeadlineSeconds", "spec", 1, INT32_MAX, err)) < 0)
        return r;
    const char *type = get_str(strategy, "type");
    if (type && !strcmp(type, "Recreate") && has(strategy, "rollingUpdate"))
        return forbidden(err, "spec.strategy.rollingUpdate",
                         "may not be specified when strategy `type` is 'Recreate'");
    return 0;
}

/* ---- HorizontalPodAutoscaler ---- */

static int check_hpa_rules(json_object *rules, const char *base, mk_err *err)
{
    static const char *const select[] = {"Max", "Min", "Disabled", NULL};
    static const char *const types[] = {"Pods", "Percent", NULL};
    int r;
    if ((r = check_range(rules, "stabilizationWindowSeconds", base, 0, 3600, err)) < 0 ||
        (r = check_enum(rules, "selectPolicy", base, select, false, err)) < 0)
        return r;
    json_object *policies = get(rules, "policies");
    for (size_t i = 0; i < list_len(policies); i++) {
        json_object *pol = list_at(policies, i);
        vpath p, f;
        SUBPATH(p, "%s.policies[%zu]", base, i);
        if ((r = check_enum(pol, "type", p, types, true, err)) < 0)
            return r;
        SUBPATH(f, "%s.value", p);
        if (!has(pol, "value"))
            return required(err, f, NULL);
        if ((r = check_range(pol, "value", p, 1, INT32_MAX, err)) < 0)
            return r;
        SUBPATH(f, "%s.periodSeconds", p);
        if (!has(pol, "periodSeconds"))
            return required(err, f, NULL);
        if ((r = check_range(pol, "periodSeconds", p, 1, 1800, err)) < 0)
            return r;
    }
    return 0;
}

static int check_hpa_metric(json_object *m, const char *base, mk_err *err)
{
    static const char *const types[] = {"Resource", NULL};
    static const char *const names[] = {"cpu", "memory", NULL};
    static const char *const targets[] = {"Utilization", "AverageValue", NULL};
    vpath p, f;
    int r;
    if ((r = check_enum(m, "type", base, types, true, err)) < 0)
        return r;
    json_object *res = get(m, "resource");
    SUBPATH(p, "%s.resource", base);
    if (!res)
        return required(err, p, "must populate information for the given metric source");
    if ((r = check_enum(res, "name", p, names, true, err)) < 0)
        return r;
    json_object *t = get(res, "target");
    SUBPATH(p, "%s.resource.target", base);
    if (!t)
        return required(err, p, NULL);
    if ((r = check_enum(t, "type", p, targets, true, err)) < 0)
        return r;
    if (!strcmp(get_str(t, "type"), "Utilization")) {
        SUBPATH(f, "%s.averageUtilization", p);
        if (!has(t, "averageUtilization"))
            return required(err, f,
                            "must populate the averageUtilization field when the "
                            "target type is Utilization");
        return check_range(t, "averageUtilization", p, 1, INT32_MAX, err);
    }
    SUBPATH(f, "%s.averageValue", p);
    json_object *av = get(t, "averageValue");
    if (!av)
        return required(err, f,
                        "must populate the averageValue field when the target type is "
                        "AverageValue");
    mk_quantity q;
    const char *text = json_object_is_type(av, json_type_string)
                           ? json_object_get_string(av)
                           : json_object_to_json_string_ext(av, JSON_C_TO_STRING_PLAIN);
    if (quantity_parse(text, &q, NULL) == 0 && q.mant <= 0)
        return invalid(err, f, av, "must be positive");
    return 0;
}

static int validate_hpa(json_object *obj, mk_err *err)
{
    json_object *spec = get(obj, "spec");
    int r;
    if (!spec)
        return required(err, "spec", NULL);
    json_object *ref = get(spec, "scaleTargetRef");
    if (!ref)
        return required(err, "spec.scaleTargetRef", NULL);
    if (empty_str(get_str(ref, "kind")))
        return required(err, "spec.scaleTargetRef.kind", NULL);
    if (empty_str(get_str(ref, "name")))
        return required(err, "spec.scaleTargetRef.name", NULL);
    if ((r = check_dns_label("spec.scaleTargetRef.name", get_str(ref, "name"), err)) < 0 ||
        (r = check_range(spec, "minReplicas", "spec", 1, INT32_MAX, err)) < 0)
        return r;
    if (!has(spec, "maxReplicas"))
        return required(err, "spec.maxReplicas", NULL);
    if ((r = check_range(spec, "maxReplicas", "spec", 1, INT32_MAX, err)) < 0)
        return r;
    int64_t min = mk_json_int(spec, "minReplicas", 1);
    if (mk_json_int(spec, "maxReplicas", 0) < min)
        return invalid(err, "spec.maxReplicas", get(spec, "maxReplicas"),
                       "must be greater than or equal to `minReplicas`");
    json_object *metrics = get(spec, "metrics");
    for (size_t i = 0; i < list_len(metrics); i++) {
        vpath p;
        SUBPATH(p, "spec.metrics[%zu]", i);
        if ((r = check_hpa_metric(list_at(metrics, i), p, err)) < 0)
            return r;
    }
    json_object *behavior = get(spec, "behavior");
    static const char *const dirs[] = {"scaleUp", "scaleDown"};
    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
        vpath p;
        SUBPATH(p, "spec.behavior.%s", dirs[i]);
        if (has(behavior, dirs[i]) && (r = check_hpa_rules(get(behavior, dirs[i]), p, err)) < 0)
            return r;
    }
    return 0;
}

/* ---- Ingress ---- */

static int check_ingress_host(const char *path, const char *host, mk_err *err)
{
    if (is_ip(host))
        return invalid_str(err, path, host, "must be a DNS name, not an IP address");
    const char *name = !strncmp(host, "*.", 2) ? host + 2 : host;
    if (mk_is_dns1123_subdomain(name))
        return 0;
    return invalid_str(
        err, path, host,
        "a lowercase RFC 1123 subdomain, optionally with a leading '*.' wildcard "
        "(e.g. 'example.com' or '*.example.com')");
}

static int check_ingress_backend(json_object *b, const char *base, mk_err *err)
{
    vpath p, f;
    int r;
    json_object *svc = get(b, "service");
    if (svc && has(b, "resource"))
        return forbidden(err, base, "cannot set both resource and service backends");
    if (!svc && !has(b, "resource"))
        return required(err, base, "one of service or resource is required");
    if (!svc)
        return 0;
    SUBPATH(p, "%s.service", base);
    SUBPATH(f, "%s.name", p);
    if (empty_str(get_str(svc, "name")))
        return required(err, f, NULL);
    if ((r = check_dns_label(f, get_str(svc, "name"), err)) < 0)
        return r;
    json_object *port = get(svc, "port");
    SUBPATH(f, "%s.port", p);
    bool num = has(port, "number"), named = !empty_str(get_str(port, "name"));
    if (!num && !named)
        return required(err, f, "port name or number is required");
    if (num && named)
        return forbidden(err, f, "cannot set both port name & port number");
    if (num)
        return check_range(port, "number", f, 1, 65535, err);
    SUBPATH(f, "%s.port.name", p);
    return check_port_name(f, get_str(port, "name"), err);
}

static int validate_ingress(json_object *obj, mk_err *err)
{
    static const char *const path_types[] = {"Exact", "Prefix", "ImplementationSpecific", NULL};
    json_object *spec = get(obj, "spec");
    json_object *rules = get(spec, "rules");
    int r;
    if (!spec || (!has(spec, "defaultBackend") && list_len(rules) == 0))
        return invalid(err, "spec", spec,
                       "either `defaultBackend` or `rules` must be specified");
    if (has(spec, "defaultBackend") &&
        (r = check_ingress_backend(get(spec, "defaultBackend"), "spec.defaultBackend", err)) <
            0)
        return r;
    for (size_t i = 0; i < list_len(rules); i++) {
        json_object *rule = list_at(rules, i);
        vpath p, f;
        SUBPATH(p, "spec.rules[%zu]", i);
        SUBPATH(f, "%s.host", p);
        const char *host = get_str(rule, "host");
        if (!empty_str(host) && (r = check_ingress_host(f, host, err)) < 0)
            return r;
        json_object *http = get(rule, "http");
        if (!http)
            continue;
        json_object *paths = get(http, "paths");
        SUBPATH(f, "%s.http.paths", p);
        if (list_len(paths) == 0)
            return required(err, f, NULL);
        for (size_t j = 0; j < list_len(paths); j++) {
            json_object *hp = list_at(paths, j);
            vpath q, g;
            SUBPATH(q, "%s.http.paths[%zu]", p, j);
            SUBPATH(g, "%s.pathType", q);
            if (!has(hp, "pathType"))
                return required(err, g, "pathType must be specified");
            if ((r = check_enum(hp, "pathType", q, path_types, true, err)) < 0)
                return r;
            const char *path = get_str(hp, "path");
            SUBPATH(g, "%s.path", q);
            if (empty_str(path) && strcmp(get_str(hp, "pathType"), "ImplementationSpecific"))
                return required(err, g, NULL);
            if (!empty_str(path) && path[0] != '/')
                return invalid_str(err, g, path, "must be an absolute path");
            SUBPATH(g, "%s.backend", q);
            if (!has(hp, "backend"))
                return required(err, g, NULL);
            if ((r = check_ingress_backend(get(hp, "backend"), g, err)) < 0)
                return r;
        }
    }
    json_object *tls = get(spec, "tls");
    for (size_t i = 0; i < list_len(tls); i++) {
        json_object *hosts = get(list_at(tls, i), "hosts");
        for (size_t j = 0; j < list_len(hosts); j++) {
            vpath p;
            SUBPATH(p, "spec.tls[%zu].hosts[%zu]", i, j);
            if ((r = check_ingress_host(p, json_object_get_string(list_at(hosts, j)), err)) < 0)
                return r;
        }
    }
    return 0;
}

/* ---- Function ---- */

/* "main.handle": dotted Python identifiers. */
static bool is_dotted_identifier(const char *s)
{
    for (const char *p = s;;) {
        if (!(isalpha((unsigned char)*p) || *p == '_'))
            return false;
        while (isalnum((unsigned char)*p) || *p == '_')
            p++;
        if (!*p)
            return true;
        if (*p++ != '.')
            return false;
    }
}

static int validate_function(json_object *obj, mk_err *err)
{
    static const char *const runtimes[] = {"python3", "sh", NULL};
    json_object *spec = get(obj, "spec");
    int r;
    if (!spec)
        return required(err, "spec", NULL);
    if ((r = check_enum(spec, "runtime", "spec", runtimes, true, err)) < 0)
        return r;
    json_object *from = get(spec, "codeFrom");
    if (!has(spec, "code") && !from)
        return required(err, "spec.code", "one of spec.code or spec.codeFrom is required");
    if (has(spec, "code") && from)
        return forbidden(err, "spec.codeFrom", "may not be used together with spec.code");
    if (from) {
        const char *cm = get_str(get(from, "configMapRef"), "name");
        if (empty_str(cm))
            return required(err, "spec.codeFrom.configMapRef.name", NULL);
        if ((r = check_dns_label("spec.codeFrom.configMapRef.name", cm, err)) < 0)
            return r;
        const char *key = get_str(from, "key");
        if (empty_str(key))
            return required(err, "spec.codeFrom.key", NULL);
        if ((r = check_config_key("spec.codeFrom.key", key, err)) < 0)
            return r;
    }
    const char *handler = get_str(spec, "handler");
    if (handler && !is_dotted_identifier(handler))
        return invalid_str(err, "spec.handler", handler,
                           "must be a dotted name such as 'main.handle'");
    if ((r = check_env(get(spec, "env"), "spec", err)) < 0 ||
        (r = check_resources(get(spec, "resources"), "spec.resources", err)) < 0 ||
        (r = check_range(spec, "minReplicas", "spec", 0, INT32_MAX, err)) < 0 ||
        (r = check_range(spec, "maxReplicas", "spec", 1, INT32_MAX, err)) < 0 ||
        (r = check_range(spec, "targetConcurrency", "spec", 1, INT32_MAX, err)) < 0 ||
        (r = check_range(spec, "scaleToZeroAfter", "spec", 1, INT32_MAX, err)) < 0 ||
        (r = check_range(spec, "timeoutSeconds", "spec", 1, INT32_MAX, err)) < 0)
        return r;
    if (has(spec, "maxReplicas") &&
        mk_json_int(spec, "maxReplicas", 0) < mk_json_int(spec, "minReplicas", 0))
        return invalid(err, "spec.maxReplicas", get(spec, "maxReplicas"),
                       "must be greater than or equal to `minReplicas`");
    return 0;
}

/* ---- Workflow ---- */

/* A state name referred to by next/default/startAt must exist. */
static int check_state_ref(json_object *states, json_object *v, const char *path, mk_err *err)
{
    const char *name = json_object_get_string(v);
    if (empty_str(name))
        return required(err, path, NULL);
    if (!has(states, name))
        return invalid_str(err, path, name, "no state named \"%.80s\"", name);
    return 0;
}

static const char *const comparisons[][2] = {
    {"stringEquals", "StringEquals"},
    {"numericEquals", "NumericEquals"},
    {"numericLessThan", "NumericLessThan"},
    {"numericGreaterThan", "NumericGreaterThan"},
    {"numericLessThanEquals", "NumericLessThanEquals"},
    {"numericGreaterThanEquals", "NumericGreaterThanEquals"},
    {"booleanEquals", "BooleanEquals"},
    {"isPresent", "IsPresent"},
};

/* One Choice rule; top-level rules carry next, nested ones (inside
 * and/or/not) must not. depth bounds the recursion the decoder allows. */
static int check_choice_rule(json_object *rule, const char *base, json_object *states, bool top,
                             mk_err *err)
{
    const char *used;
    vpath p;
    int r;
    int n = 0;
    for (size_t i = 0; i < ARRAY_SIZE(comparisons); i++)
        n += schema_get(rule, comparisons[i][0], comparisons[i][1], NULL) != NULL;
    json_object *and_ = schema_get(rule, "and", "And", NULL);
    json_object *or_ = schema_get(rule, "or", "Or", NULL);
    json_object *not_ = schema_get(rule, "not", "Not", NULL);
    int logical = (and_ != NULL) + (or_ != NULL) + (not_ != NULL);
    if (n + logical == 0)
        return required(err, base,
                        "a rule needs a comparison (e.g. stringEquals) or and/or/not");
    if (n + logical > 1)
        return forbidden(err, base, "a rule may hold only one comparison or and/or/not");
    json_object *var = schema_get(rule, "variable", "Variable", &used);
    SUBPATH(p, "%s.%s", base, used);
    if (n && !var)
        return required(err, p, NULL);
    if (n && json_object_get_string(var)[0] != '$')
        return invalid(err, p, var, "must be a JSON path starting with '$'");
    json_object *next = schema_get(rule, "next", "Next", &used);
    SUBPATH(p, "%s.%s", base, used);
    if (top && !next)
        return required(err, p, NULL);
    if (!top && next)
        return forbidden(err, p, "only top-level choice rules may have next");
    if (next && (r = check_state_ref(states, next, p, err)) < 0)
        return r;
    json_object *list = and_ ? and_ : or_;
    if (list) {
        schema_get(rule, and_ ? "and" : "or", and_ ? "And" : "Or", &used);
        if (list_len(list) == 0) {
            SUBPATH(p, "%s.%s", base, used);
            return required(err, p, NULL);
        }
        for (size_t i = 0; i < list_len(list); i++) {
            SUBPATH(p, "%s.%s[%zu]", base, used, i);
            if ((r = check_choice_rule(list_at(list, i), p, states, false, err)) < 0)
                return r;
        }
    }
    if (not_) {
        schema_get(rule, "not", "Not", &used);
        SUBPATH(p, "%s.%s", base, used);
        return check_choice_rule(not_, p, states, false, err);
    }
    return 0;
}

static int check_state(const char *name, json_object *st, const char *base, json_object *states,
                       mk_err *err)
{
    static const char *const types[] = {"Task", "Choice", "Pass", "Succeed", "Fail", NULL};
    const char *used;
    vpath p, f;
    int r;
    SUBPATH(p, "%s.%s", base, name);
    json_object *tv = schema_get(st, "type", "Type", &used);
    SUBPATH(f, "%s.%s", p, used);
    if (!tv)
        return required(err, f, NULL);
    const char *type = json_object_get_string(tv);
    size_t t = 0;
    while (types[t] && strcmp(types[t], type))
        t++;
    if (!types[t])
        return unsupported(err, f, type, types);
    bool is_task = t == 0, is_choice = t == 1, is_pass = t == 2;

    json_object *res = schema_get(st, "resource", "Resource", &used);
    SUBPATH(f, "%s.%s", p, used);
    if (is_task && !res)
        return required(err, f, "a Task names the function it runs");
    if (is_task && (r = check_dns_label(f, json_object_get_string(res), err)) < 0)
        return r;

    json_object *next = schema_get(st, "next", "Next", &used);
    SUBPATH(f, "%s.%s", p, used);
    json_object *end = schema_get(st, "end", "End", NULL);
    bool ends = end && json_object_get_boolean(end);
    if ((is_task || is_pass) && !next && !ends)
        return required(err, f, "a Task or Pass state needs next or end: true");
    if (next && ends)
        return forbidden(err, f, "next and end may not both be set");
    if (next && !is_task && !is_pass)
        return forbidden(err, f, "only Task and Pass states have next");
    if (next && (r = check_state_ref(states, next, f, err)) < 0)
        return r;

    json_object *choices = schema_get(st, "choices", "Choices", &used);
    SUBPATH(f, "%s.%s", p, used);
    if (is_choice && list_len(choices) == 0)
        return required(err, f, "a Choice state needs at least one rule");
    if (!is_choice && choices)
        return forbidden(err, f, "only Choice states have choices");
    for (size_t i = 0; i < list_len(choices); i++) {
        SUBPATH(f, "%s.%s[%zu]", p, used, i);
        if ((r = check_choice_rule(list_at(choices, i), f, states, true, err)) < 0)
            return r;
    }
    json_object *dflt = schema_get(st, "default", "Default", &used);
    SUBPATH(f, "%s.%s", p, used);
    if (dflt && !is_choice)
        return forbidden(err, f, "only Choice states have default");
    if (dflt && (r = check_state_ref(states, dflt, f, err)) < 0)
        return r;
    return 0;
}

static int validate_workflow(json_object *obj, mk_err *err)
{
    json_object *spec = get(obj, "spec");
    const char *used;
    vpath base, p;
    int r;
    if (!spec)
        return required(err, "spec", NULL);
    json_object *states = schema_get(spec, "states", "States", &used);
    SUBPATH(base, "spec.%s", used);
    if (!states || json_object_object_length(states) == 0)
        return required(err, base, NULL);
    json_object *start = schema_get(spec, "startAt", "StartAt", &used);
    SUBPATH(p, "spec.%s", used);
    if (!start)
        return required(err, p, NULL);
    if ((r = check_state_ref(states, start, p, err)) < 0)
        return r;
    json_object_object_foreach(states, name, st)
    {
        if (!st) {
            SUBPATH(p, "%s.%s", base, name);
            return required(err, p, NULL);
        }
        if ((r = check_state(name, st, base, states, err)) < 0)
            return r;
    }
    return check_range(spec, "maxSteps", "spec", 1, INT32_MAX, err);
}

/* ---- GpuJob ---- */

/* Slurm values land in #SBATCH lines: no whitespace or shell syntax. */
static bool is_slurm_word(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("_-.:,=+/", *s))
            return false;
    return true;
}

static bool all_digits(const char *s, size_t n)
{
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* Slurm's --time: "M", "M:S", "H:M:S", "D-H", "D-H:M", "D-H:M:S". */
static bool is_slurm_time(const char *s)
{
    const char *dash = strchr(s, '-');
    if (dash && !all_digits(s, (size_t)(dash - s)))
        return false;
    const char *p = dash ? dash + 1 : s;
    int parts = 0;
    for (;;) {
        size_t n = strcspn(p, ":");
        if (!all_digits(p, n) || n > 4)
            return false;
        parts++;
        if (!p[n])
            break;
        p += n + 1;
    }
    return parts <= 3;
}

/* sources: plain file names (they become files in the job's directory). */
static int check_gpujob_sources(json_object *sources, mk_err *err)
{
    vpath p;
    for (size_t i = 0; i < list_len(sources); i++) {
        json_object *src = list_at(sources, i);
        SUBPATH(p, "spec.sources[%zu].name", i);
        const char *name = get_str(src, "name");
        if (empty_str(name))
            return required(err, p, NULL);
        if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") ||
            strlen(name) > 255 || strpbrk(name, "\n\r\t"))
            return invalid_str(err, p, name,
                               "must be a plain file name (no '/', not '.' or '..')");
        for (size_t j = 0; j < i; j++)
            if (!strcmp(name, get_str(list_at(sources, j), "name") ?: ""))
                return duplicate(err, p, name);
        SUBPATH(p, "spec.sources[%zu].content", i);
        if (!has(src, "content"))
            return required(err, p, NULL);
    }
    return 0;
}

static int check_gpujob_slurm(json_object *slurm, mk_err *err)
{
    static const char *const counts[] = {"nodes", "ntasksPerNode", "cpusPerTask"};
    static const char *const words[] = {"partition", "gres"};
    vpath p;
    int r;
    for (size_t i = 0; i < ARRAY_SIZE(counts); i++)
        if ((r = check_range(slurm, counts[i], "spec.slurm", 1, 100000, err)) < 0)
            return r;
    for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
        const char *w = get_str(slurm, words[i]);
        SUBPATH(p, "spec.slurm.%s", words[i]);
        if (w && !is_slurm_word(w))
            return invalid_str(err, p, w, "must be a single word without spaces (e.g. gpu:1)");
    }
    /* timeLimit and memory: Slurm's own text, or an integer (minutes, megabytes) */
    json_object *tl = get(slurm, "timeLimit");
    if (json_object_is_type(tl, json_type_string) && !is_slurm_time(json_object_get_string(tl)))
        return invalid(err, "spec.slurm.timeLimit", tl,
                       "must be a Slurm time: \"MM\", \"MM:SS\", \"HH:MM:SS\", \"D-HH\", "
                       "\"D-HH:MM\" or \"D-HH:MM:SS\"");
    if (json_object_is_type(tl, json_type_int) &&
        (r = check_range(slurm, "timeLimit", "spec.slurm", 1, INT32_MAX, err)) < 0)
        return r;
    json_object *mem = get(slurm, "memory");
    if (json_object_is_type(mem, json_type_string)) {
        const char *m = json_object_get_string(mem);
        size_t d = strspn(m, "0123456789");
        if (!d || (m[d] && (!strchr("KMGTkmgt", m[d]) || m[d + 1])))
            return invalid(err, "spec.slurm.memory", mem,
                           "must be a Slurm memory size: a number with an optional K, M, G or "
                           "T suffix (e.g. 4G)");
    }
    if (json_object_is_type(mem, json_type_int))
        return check_range(slurm, "memory", "spec.slurm", 1, INT32_MAX, err);
    return 0;
}

static int validate_gpujob(json_object *obj, mk_err *err)
{
    json_object *spec = get(obj, "spec");
    int r;
    if (!spec)
        return required(err, "spec", NULL);
    if ((r = check_gpujob_sources(get(spec, "sources"), err)) < 0)
        return r;
    json_object *from = get(spec, "sourcesFrom");
    if (from) {
        const char *cm = get_str(get(from, "configMapRef"), "name");
        if (empty_str(cm))
            return required(err, "spec.sourcesFrom.configMapRef.name", NULL);
        if ((r = check_dns_label("spec.sourcesFrom.configMapRef.name", cm, err)) < 0)
            return r;
    }
    if (list_len(get(spec, "run")) == 0)
        return required(err, "spec.run", "the commands that run the job");
    if ((r = check_gpujob_slurm(get(spec, "slurm"), err)) < 0 ||
        (r = check_range(spec, "backoffLimit", "spec", 0, INT32_MAX, err)) < 0)
        return r;
    const char *secret = get_str(get(get(spec, "hpc"), "secretRef"), "name");
    if (empty_str(secret))
        return required(err, "spec.hpc.secretRef.name",
                        "the Secret holding the HPC host, user and key");
    return check_dns_label("spec.hpc.secretRef.name", secret, err);
}

static int validate_event(json_object *obj, mk_err *err)
{
    json_object *io = get(obj, "involvedObject");
    if (!io)
        return required(err, "involvedObject", NULL);
    if (empty_str(get_str(io, "kind")))
        return required(err, "involvedObject.kind", NULL);
    if (empty_str(get_str(io, "name")))
        return required(err, "involvedObject.name", NULL);
    static const char *const types[] = {"Normal", "Warning", NULL};
    const char *type = get_str(obj, "type");
    if (type && strcmp(type, "Normal") && strcmp(type, "Warning"))
        return unsupported(err, "type", type, types);
    json_object *count = get(obj, "count");
    if (count && json_object_get_int64(count) < 0)
        return invalid(err, "count", count, "must be greater than or equal to 0");
    return 0;
}

/* ---- entry points ---- */

static const struct {
    const char *kind;
    int (*check)(json_object *obj, mk_err *err);
} kind_checks[] = {
    {"Namespace", validate_namespace},
    {"Node", validate_node},
    {"Pod", validate_pod},
    {"Service", validate_service},
    {"Endpoints", validate_endpoints},
    {"ConfigMap", validate_configmap},
    {"Secret", validate_secret},
    {"Event", validate_event},
    {"PersistentVolume", validate_pv},
    {"PersistentVolumeClaim", validate_pvc},
    {"StorageClass", validate_storageclass},
    {"ReplicaSet", validate_replicaset},
    {"Job", validate_job},
    {"CronJob", validate_cronjob},
    {"Deployment", validate_deployment},
    {"DaemonSet", validate_daemonset},
    {"StatefulSet", validate_statefulset},
    {"ControllerRevision", validate_controllerrevision},
    {"HorizontalPodAutoscaler", validate_hpa},
    {"Ingress", validate_ingress},
    {"Function", validate_function},
    {"Workflow", validate_workflow},
    {"GpuJob", validate_gpujob},
};

int validate_kind_of(json_object *obj, const mk_kind **kind, mk_err *err)
{
    if (!json_object_is_type(obj, json_type_object))
        return mk_error(err, EINVAL, "Invalid value: an object must be a mapping");
    json_object *kv = get(obj, "kind"), *av = get(obj, "apiVersion");
    if (!kv || (json_object_is_type(kv, json_type_string) && !*json_object_get_string(kv)))
        return required(err, "kind", NULL);
    if (!json_object_is_type(kv, json_type_string))
        return invalid(err, "kind", kv, "must be a string");
    if (!av || (json_object_is_type(av, json_type_string) && !*json_object_get_string(av)))
        return required(err, "apiVersion", NULL);
    if (!json_object_is_type(av, json_type_string))
        return invalid(err, "apiVersion", av, "must be a string");
    const char *k = json_object_get_string(kv), *a = json_object_get_string(av);
    const mk_kind *found = kind_by_kind(k);
    if (!found) {
        const char *all[32];
        size_t n = 0;
        for (; n < mk_nkinds && n < ARRAY_SIZE(all) - 1; n++)
            all[n] = mk_kinds[n].kind;
        all[n] = NULL;
        return unsupported(err, "kind", k, all);
    }
    if (strcmp(found->api_version, a)) {
        const char *want[] = {found->api_version, NULL};
        return unsupported(err, "apiVersion", a, want);
    }
    *kind = found;
    return 0;
}

int validate_object(const mk_kind *k, json_object *obj, mk_warnings *warn, mk_err *err)
{
    if (!json_object_is_type(obj, json_type_object))
        return mk_error(err, EINVAL, "Invalid value: an object must be a mapping");
    const char *kind = get_str(obj, "kind"), *av = get_str(obj, "apiVersion");
    if (kind && strcmp(kind, k->kind))
        return invalid_str(err, "kind", kind, "must be %s", k->kind);
    if (av && strcmp(av, k->api_version))
        return invalid_str(err, "apiVersion", av, "must be %s", k->api_version);
    const schema_node *schema = schema_for_kind(k->kind);
    int r;
    if (schema && (r = schema_check(schema, obj, "", warn, err)) < 0)
        return r;
    json_object *meta = get(obj, "metadata");
    if (!meta)
        return required(err, "metadata.name", NULL);
    if ((r = check_metadata(k, meta, err)) < 0)
        return r;
    for (size_t i = 0; i < ARRAY_SIZE(kind_checks); i++)
        if (!strcmp(kind_checks[i].kind, k->kind))
            return kind_checks[i].check(obj, err);
    return 0;
}

void validate_normalize(const mk_kind *k, json_object *obj)
{
    schema_normalize(schema_for_kind(k->kind), obj);
}

/* ---- updates ---- */

/* A field that, once set, keeps its value. An update that leaves it empty
 * is allowed: the API server carries the old value over, as Kubernetes
 * does for uid and an allocated clusterIP. */
static int check_immutable_str(json_object *old, json_object *obj, const char *path,
                               mk_err *err)
{
    const char *a = mk_json_str(old, path), *b = mk_json_str(obj, path);
    if (empty_str(a) || empty_str(b) || !strcmp(a, b))
        return 0;
    return invalid_str(err, path, b, "field is immutable");
}

/* Pods, simplified from Kubernetes: a container's image may change, and
 * spec.nodeName may go from empty to set (binding); the number and names
 * of containers and init containers may not change, nor a set nodeName.
 * Everything else in the spec is accepted; the kubelet acts on images. */
static int check_pod_update(json_object *old, json_object *obj, mk_err *err)
{
    int r = check_immutable_str(old, obj, "spec.nodeName", err);
    if (r < 0)
        return mk_error(err, EINVAL,
                        "spec.nodeName: Invalid value: \"%.80s\": field is "
                        "immutable once set",
                        mk_json_str(obj, "spec.nodeName"));
    static const char *const lists[] = {"spec.containers", "spec.initContainers"};
    for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
        json_object *a = mk_json_path(old, lists[l]), *b = mk_json_path(obj, lists[l]);
        if (list_len(a) != list_len(b))
            return forbidden(err, lists[l], "pod updates may not add or remove containers");
        for (size_t i = 0; i < list_len(a); i++) {
            const char *na = get_str(list_at(a, i), "name"),
                       *nb = get_str(list_at(b, i), "name");
            if (na && nb && strcmp(na, nb)) {
                vpath p;
                SUBPATH(p, "%s[%zu].name", lists[l], i);
                return forbidden(err, p, "pod updates may not rename containers");
            }
        }
    }
    return 0;
}

static void del_field(json_object *o, const char *field)
{
    if (json_object_is_type(o, json_type_object))
        json_object_object_del(o, field);
}

/* The storage a claim requests, parsed; false when absent or unreadable. */
static bool pvc_request(json_object *pvc, mk_quantity *q)
{
    json_object *s = mk_json_path(pvc, "spec.resources.requests.storage");
    return s && quantity_parse(qty_text(s), q, NULL) == 0;
}

/* A claim's spec is fixed at creation, as Kubernetes': only volumeName
 * and storageClassName may go from unset to set (binding, the default
 * class), and the storage request may not change (growing it would be
 * expansion, which minik8s does not do). */
static int check_pvc_update(json_object *old, json_object *obj, mk_err *err)
{
    mk_quantity a, b;
    if (pvc_request(old, &a) && pvc_request(obj, &b) && quantity_cmp(&a, &b) != 0) {
        json_object *v = mk_json_path(obj, "spec.resources.requests.storage");
        if (quantity_cmp(&b, &a) > 0)
            return forbidden(err, "spec.resources.requests.storage",
                             "volume expansion is not supported by minik8s");
        return invalid(err, "spec.resources.requests.storage", v,
                       "field can not be less than previous value");
    }
    json_object *os = NULL, *ns = NULL;
    json_object_deep_copy(mk_json_path(old, "spec"), &os, NULL);
    json_object_deep_copy(mk_json_path(obj, "spec"), &ns, NULL);
    static const char *const settable[] = {"volumeName", "storageClassName"};
    for (size_t i = 0; i < ARRAY_SIZE(settable); i++) {
        const char *was = get_str(os, settable[i]);
        /* "" is a class ("no class"): only an absent one may be set */
        bool unset = i == 0 ? empty_str(was) : !has(os, settable[i]);
        if (unset)
            del_field(ns, settable[i]), del_field(os, settable[i]);
    }
    del_field(get(get(os, "resources"), "requests"), "storage");
    del_field(get(get(ns, "resources"), "requests"), "storage");
    bool same = json_object_equal(os, ns);
    json_object_put(os);
    json_object_put(ns);
    if (!same)
        return forbidden(err, "spec",
                         "spec is immutable after creation except resources.requests "
                         "for bound claims");
    return 0;
}

/* A PV's source, its volumeMode and a set nodeAffinity stay (Kubernetes'
 * rules); claimRef, capacity, class and policy may change. */
static int check_pv_update(json_object *old, json_object *obj, mk_err *err)
{
    static const char *const sources[] = {"spec.hostPath", "spec.local"};
    for (size_t i = 0; i < ARRAY_SIZE(sources); i++)
        if (!json_object_equal(mk_json_path(old, sources[i]), mk_json_path(obj, sources[i])))
            return forbidden(err, "spec.persistentvolumesource",
                             "spec.persistentvolumesource is immutable after creation");
    int r = check_immutable_str(old, obj, "spec.volumeMode", err);
    if (r < 0)
        return r;
    json_object *na = mk_json_path(old, "spec.nodeAffinity");
    if (na && !json_object_equal(na, mk_json_path(obj, "spec.nodeAffinity")))
        return invalid(err, "spec.nodeAffinity", mk_json_path(obj, "spec.nodeAffinity"),
                       "field is immutable once set");
    return 0;
}

/* A StorageClass: what it provisions with and how is fixed. */
static int check_storageclass_update(json_object *old, json_object *obj, mk_err *err)
{
    static const char *const fields[] = {"provisioner", "parameters", "reclaimPolicy",
                                         "volumeBindingMode"};
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
        if (!json_object_equal(get(old, fields[i]), get(obj, fields[i])))
            return forbidden(err, fields[i], "updates to %s are forbidden.", fields[i]);
    return 0;
}

int validate_update(const mk_kind *k, json_object *old, json_object *obj, mk_warnings *warn,
                    mk_err *err)
{
    int r = validate_object(k, obj, warn, err);
    if (r < 0)
        return r;
    static const char *const meta[] = {"metadata.name", "metadata.namespace", "metadata.uid",
                                       "metadata.creationTimestamp"};
    for (size_t i = 0; i < ARRAY_SIZE(meta); i++)
        if ((r = check_immutable_str(old, obj, meta[i], err)) < 0)
            return r;
    if (!strcmp(k->kind, "Pod"))
        return check_pod_update(old, obj, err);
    if (!strcmp(k->kind, "Service"))
        return check_immutable_str(old, obj, "spec.clusterIP", err);
    if (!strcmp(k->kind, "StatefulSet"))
        return check_statefulset_update(old, obj, err);
    if (!strcmp(k->kind, "PersistentVolumeClaim"))
        return check_pvc_update(old, obj, err);
    if (!strcmp(k->kind, "PersistentVolume"))
        return check_pv_update(old, obj, err);
    if (!strcmp(k->kind, "StorageClass"))
        return check_storageclass_update(old, obj, err);
    if (!strcmp(k->kind, "ControllerRevision") &&
        !json_object_equal(mk_json_path(old, "data"), mk_json_path(obj, "data")))
        return invalid(err, "data", mk_json_path(obj, "data"), "field is immutable");
    if (!strcmp(k->kind, "ReplicaSet") &&
        !json_object_equal(mk_json_path(old, "spec.selector"),
                           mk_json_path(obj, "spec.selector")))
        return invalid(err, "spec.selector", mk_json_path(obj, "spec.selector"),
                       "field is immutable");
    if ((!strcmp(k->kind, "ConfigMap") || !strcmp(k->kind, "Secret")) &&
        json_object_get_boolean(mk_json_path(old, "immutable"))) {
        static const char *const fields[] = {"data", "binaryData", "stringData", "immutable"};
        for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
            if (!json_object_equal(mk_json_path(old, fields[i]), mk_json_path(obj, fields[i])))
                return forbidden(err, fields[i], "field is immutable when `immutable` is set");
    }
    return 0;
}
