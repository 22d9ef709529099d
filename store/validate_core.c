/* validate_core.c - the checks of Namespaces, Nodes, Services, Endpoints,
 * ConfigMaps, Secrets, Ingresses and Events (see validate_impl.h). */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "store/codec.h"
#include "store/selector.h"
#include "store/util.h"
#include "store/validate_impl.h"

/* Kubernetes rejects ConfigMaps and Secrets over 1 MiB of data. */
#define DATA_MAX_BYTES (1024 * 1024)

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

static bool is_ip(const char *s)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* ---- Namespace, Node ---- */

int validate_namespace(json_object *obj, mk_err *err)
{
    return 0;
}

int validate_node(json_object *obj, mk_err *err)
{
    static const char *const effects[] = {"NoSchedule", "PreferNoSchedule", "NoExecute", NULL};
    json_object *spec = get(obj, "spec");
    const char *cidr = get_str(spec, "podCIDR");
    if (!empty_str(cidr) && !is_cidr(cidr))
        return field_invalid_str(err, "spec.podCIDR", cidr,
                                 "must be a valid CIDR (e.g. 10.244.1.0/24)");
    json_object *cidrs = get(spec, "podCIDRs");
    for (size_t i = 0; i < list_len(cidrs); i++) {
        vpath p;
        SUBPATH(p, "spec.podCIDRs[%zu]", i);
        const char *c = json_object_get_string(list_at(cidrs, i));
        if (!c || !is_cidr(c))
            return field_invalid(err, p, list_at(cidrs, i), "must be a valid CIDR");
    }
    json_object *taints = get(spec, "taints");
    for (size_t i = 0; i < list_len(taints); i++) {
        vpath p, f;
        SUBPATH(p, "spec.taints[%zu]", i);
        SUBPATH(f, "%s.key", p);
        json_object *t = list_at(taints, i);
        const char *key = get_str(t, "key");
        if (empty_str(key))
            return field_required(err, f, NULL);
        const char *why = selector_label_key_error(key);
        if (why)
            return field_invalid_str(err, f, key, "%s", why);
        int r = check_enum(t, "effect", p, effects, true, err);
        if (r < 0)
            return r;
    }
    return 0;
}

/* ---- Service, Endpoints ---- */

int validate_service(json_object *obj, mk_err *err)
{
    static const char *const types[] = {"ClusterIP", "NodePort", NULL};
    static const char *const affinity[] = {"None", "ClientIP", NULL};
    json_object *spec = get(obj, "spec");
    int r;
    if (!spec)
        return field_required(err, "spec", NULL);
    if ((r = check_enum(spec, "type", "spec", types, false, err)) < 0 ||
        (r = check_enum(spec, "sessionAffinity", "spec", affinity, false, err)) < 0 ||
        (r = check_labels(get(spec, "selector"), "spec.selector", err)) < 0)
        return r;
    const char *type = get_str(spec, "type") ?: "ClusterIP";
    const char *cip = get_str(spec, "clusterIP");
    bool headless = cip && !strcmp(cip, "None");
    if (!empty_str(cip) && !headless && !is_ip(cip))
        return field_invalid_str(err, "spec.clusterIP", cip,
                                 "must be empty, 'None', or a valid IP "
                                 "address");
    if (headless && !strcmp(type, "NodePort"))
        return field_invalid_str(err, "spec.clusterIP", cip,
                                 "may not be set to 'None' for NodePort "
                                 "services");
    json_object *ports = get(spec, "ports");
    size_t n = list_len(ports);
    if (n == 0 && !headless)
        return field_required(err, "spec.ports", NULL);
    for (size_t i = 0; i < n; i++) {
        json_object *port = list_at(ports, i);
        vpath p, f;
        SUBPATH(p, "spec.ports[%zu]", i);
        SUBPATH(f, "%s.name", p);
        const char *name = get_str(port, "name");
        if (n > 1 && empty_str(name))
            return field_required(err, f, NULL);
        if (!empty_str(name) && (r = check_dns_label(f, name, err)) < 0)
            return r;
        for (size_t j = 0; name && j < i; j++)
            if (!strcmp(name, get_str(list_at(ports, j), "name") ?: ""))
                return field_duplicate(err, f, name);
        SUBPATH(f, "%s.port", p);
        if (!has(port, "port"))
            return field_required(err, f, NULL);
        if ((r = check_range(port, "port", p, 1, 65535, err)) < 0 ||
            (r = check_enum(port, "protocol", p, port_protocols, false, err)) < 0 ||
            (r = check_int_or_name_port(port, "targetPort", p, false, err)) < 0)
            return r;
        SUBPATH(f, "%s.nodePort", p);
        if (has(port, "nodePort") && mk_json_int(port, "nodePort", 0) != 0 &&
            strcmp(type, "NodePort"))
            return field_forbidden(err, f, "may not be used when `type` is '%s'", type);
        if ((r = check_range(port, "nodePort", p, 0, 65535, err)) < 0)
            return r;
    }
    return 0;
}

int validate_endpoints(json_object *obj, mk_err *err)
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
                    return field_required(err, p, NULL);
                if (!is_ip(ip))
                    return field_invalid_str(err, p, ip, "must be a valid IP address");
            }
        }
        json_object *ports = get(s, "ports");
        for (size_t j = 0; j < list_len(ports); j++) {
            vpath p, f;
            SUBPATH(p, "subsets[%zu].ports[%zu]", i, j);
            SUBPATH(f, "%s.port", p);
            json_object *port = list_at(ports, j);
            if (!has(port, "port"))
                return field_required(err, f, NULL);
            if ((r = check_range(port, "port", p, 1, 65535, err)) < 0 ||
                (r = check_enum(port, "protocol", p, port_protocols, false, err)) < 0)
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
                    return field_invalid_str(err, p, k, "duplicate of key present in %s",
                                             fields[j]);
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

/* A ServiceAccount: the secrets it names are names. */
int validate_serviceaccount(json_object *obj, mk_err *err)
{
    static const char *const lists[] = {"secrets", "imagePullSecrets"};
    int r;
    for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
        json_object *a = get(obj, lists[l]);
        for (size_t i = 0; i < list_len(a); i++) {
            vpath p;
            SUBPATH(p, "%s[%zu].name", lists[l], i);
            const char *name = get_str(list_at(a, i), "name");
            if (empty_str(name))
                return field_required(err, p, NULL);
            if ((r = check_dns_subdomain(p, name, err)) < 0)
                return r;
        }
    }
    return 0;
}

int validate_configmap(json_object *obj, mk_err *err)
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
            return field_invalid_str(err, p, k, "duplicate of key present in data");
        if (base64_error_at(json_object_get_string(v)) >= 0)
            return field_invalid_str(err, p, k, "illegal base64 data");
    }
    return 0;
}

int validate_secret(json_object *obj, mk_err *err)
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
        return field_invalid_str(err, "type", type, "must not be empty");
    /* A service account's token names its account (store/server/satoken.h). */
    const char *account = "kubernetes.io/service-account.name";
    if (type && !strcmp(type, "kubernetes.io/service-account-token") &&
        empty_str(get_str(mk_json_path(obj, "metadata.annotations"), account)))
        return field_required(err, "metadata.annotations[kubernetes.io/service-account.name]",
                              NULL);
    return 0;
}

/* ---- Ingress ---- */

static int check_ingress_host(const char *path, const char *host, mk_err *err)
{
    if (is_ip(host))
        return field_invalid_str(err, path, host, "must be a DNS name, not an IP address");
    const char *name = !strncmp(host, "*.", 2) ? host + 2 : host;
    if (mk_is_dns1123_subdomain(name))
        return 0;
    return field_invalid_str(
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
        return field_forbidden(err, base, "cannot set both resource and service backends");
    if (!svc && !has(b, "resource"))
        return field_required(err, base, "one of service or resource is required");
    if (!svc)
        return 0;
    SUBPATH(p, "%s.service", base);
    SUBPATH(f, "%s.name", p);
    if (empty_str(get_str(svc, "name")))
        return field_required(err, f, NULL);
    if ((r = check_dns_label(f, get_str(svc, "name"), err)) < 0)
        return r;
    json_object *port = get(svc, "port");
    SUBPATH(f, "%s.port", p);
    bool num = has(port, "number"), named = !empty_str(get_str(port, "name"));
    if (!num && !named)
        return field_required(err, f, "port name or number is required");
    if (num && named)
        return field_forbidden(err, f, "cannot set both port name & port number");
    if (num)
        return check_range(port, "number", f, 1, 65535, err);
    SUBPATH(f, "%s.port.name", p);
    return check_port_name(f, get_str(port, "name"), err);
}

int validate_ingress(json_object *obj, mk_err *err)
{
    static const char *const path_types[] = {"Exact", "Prefix", "ImplementationSpecific", NULL};
    json_object *spec = get(obj, "spec");
    json_object *rules = get(spec, "rules");
    int r;
    if (!spec || (!has(spec, "defaultBackend") && list_len(rules) == 0))
        return field_invalid(err, "spec", spec,
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
            return field_required(err, f, NULL);
        for (size_t j = 0; j < list_len(paths); j++) {
            json_object *hp = list_at(paths, j);
            vpath q, g;
            SUBPATH(q, "%s.http.paths[%zu]", p, j);
            SUBPATH(g, "%s.pathType", q);
            if (!has(hp, "pathType"))
                return field_required(err, g, "pathType must be specified");
            if ((r = check_enum(hp, "pathType", q, path_types, true, err)) < 0)
                return r;
            const char *path = get_str(hp, "path");
            SUBPATH(g, "%s.path", q);
            if (empty_str(path) && strcmp(get_str(hp, "pathType"), "ImplementationSpecific"))
                return field_required(err, g, NULL);
            if (!empty_str(path) && path[0] != '/')
                return field_invalid_str(err, g, path, "must be an absolute path");
            SUBPATH(g, "%s.backend", q);
            if (!has(hp, "backend"))
                return field_required(err, g, NULL);
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

/* ---- Event ---- */

int validate_event(json_object *obj, mk_err *err)
{
    json_object *io = get(obj, "involvedObject");
    if (!io)
        return field_required(err, "involvedObject", NULL);
    if (empty_str(get_str(io, "kind")))
        return field_required(err, "involvedObject.kind", NULL);
    if (empty_str(get_str(io, "name")))
        return field_required(err, "involvedObject.name", NULL);
    static const char *const types[] = {"Normal", "Warning", NULL};
    const char *type = get_str(obj, "type");
    if (type && strcmp(type, "Normal") && strcmp(type, "Warning"))
        return field_unsupported(err, "type", type, types);
    json_object *count = get(obj, "count");
    if (count && json_object_get_int64(count) < 0)
        return field_invalid(err, "count", count, "must be greater than or equal to 0");
    return 0;
}
