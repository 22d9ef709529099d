/* validate_pod.c - the checks of pods and of the pod templates of every
 * workload: containers, ports, probes, resources, volumes and their mounts,
 * scheduling fields (see validate_impl.h). */
#include <ctype.h>
#include <string.h>

#include "store/quantity.h"
#include "store/selector.h"
#include "store/util.h"
#include "store/validate_impl.h"

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

/* ---- Pod ---- */

const char *const port_protocols[] = {"TCP", "UDP", "SCTP", NULL};

/* Requests and limits: quantities were parsed by the schema; here they
 * must be non-negative, and a request may not exceed its limit. */
int check_resources(json_object *res, const char *base, mk_err *err)
{
    static const char *const parts[] = {"limits", "requests"};
    for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
        foreach_field(get(res, parts[i]), name, v)
        {
            vpath p;
            SUBPATH(p, "%s.%s.%s", base, parts[i], name);
            const char *why = selector_label_key_error(name);
            if (why)
                return field_invalid_str(err, p, name, "resource name: %s", why);
            mk_quantity q;
            if (quantity_parse(qty_text(v), &q, NULL) == 0 && q.mant < 0)
                return field_invalid(err, p, v, "must be greater than or equal to 0");
        }
    }
    foreach_field(get(res, "requests"), name, req)
    {
        json_object *lim = get(get(res, "limits"), name);
        if (!lim)
            continue;
        mk_quantity a, b;
        const char *ta = qty_text(req), *tb = qty_text(lim);
        if (quantity_parse(ta, &a, NULL) == 0 && quantity_parse(tb, &b, NULL) == 0 &&
            quantity_cmp(&a, &b) > 0) {
            vpath p;
            SUBPATH(p, "%s.requests", base);
            return field_invalid_str(err, p, ta, "must be less than or equal to %s limit of %s",
                                     name, tb);
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
        return field_required(err, base, "must specify a handler type");
    if (n > 1)
        return field_forbidden(err, base, "may not specify more than 1 handler type");
    for (size_t i = 0; i < ARRAY_SIZE(counts); i++)
        if ((r = check_range(probe, counts[i], base, 0, INT32_MAX, err)) < 0)
            return r;
    vpath p;
    json_object *exec = get(probe, "exec");
    SUBPATH(p, "%s.exec.command", base);
    if (exec && list_len(get(exec, "command")) == 0)
        return field_required(err, p, NULL);
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
            return field_required(err, f, NULL);
        if ((r = check_range(port, "containerPort", p, 1, 65535, err)) < 0 ||
            (r = check_range(port, "hostPort", p, 0, 65535, err)) < 0 ||
            (r = check_enum(port, "protocol", p, port_protocols, false, err)) < 0)
            return r;
        const char *name = get_str(port, "name");
        SUBPATH(f, "%s.name", p);
        if (name && (r = check_port_name(f, name, err)) < 0)
            return r;
    }
    return 0;
}

int check_env(json_object *env, const char *base, mk_err *err)
{
    for (size_t i = 0; i < list_len(env); i++) {
        json_object *e = list_at(env, i);
        vpath p;
        SUBPATH(p, "%s.env[%zu].name", base, i);
        const char *name = get_str(e, "name");
        if (empty_str(name))
            return field_required(err, p, NULL);
        /* [-._a-zA-Z][-._a-zA-Z0-9]* */
        bool ok = !isdigit((unsigned char)name[0]);
        for (const char *c = name; ok && *c; c++)
            ok = isalnum((unsigned char)*c) || strchr("-._", *c);
        if (!ok)
            return field_invalid_str(
                err, p, name,
                "a valid environment variable name must consist of alphabetic "
                "characters, digits, '_', '-', or '.', and must not start with a "
                "digit");
        json_object *from = get(e, "valueFrom");
        SUBPATH(p, "%s.env[%zu].valueFrom", base, i);
        if (from && has(e, "value"))
            return field_forbidden(err, p, "may not be specified when `value` is not empty");
        if (from && json_object_object_length(from) != 1)
            return field_invalid(err, p, from,
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
            return field_required(err, p, NULL);
        bool found = false;
        for (size_t j = 0; !found && j < list_len(volumes); j++)
            found = !strcmp(name, get_str(list_at(volumes, j), "name") ?: "");
        if (!found)
            return field_not_found(err, p, name);
        SUBPATH(p, "%s.volumeMounts[%zu].mountPath", base, i);
        const char *mp = get_str(m, "mountPath");
        if (empty_str(mp))
            return field_required(err, p, NULL);
        if (mp[0] != '/')
            return field_invalid_str(err, p, mp, "must be an absolute path");
        for (size_t j = 0; j < i; j++)
            if (!strcmp(mp, get_str(list_at(mounts, j), "mountPath") ?: ""))
                return field_invalid_str(err, p, mp, "must be unique");
        const char *sub = get_str(m, "subPath");
        SUBPATH(p, "%s.volumeMounts[%zu].subPath", base, i);
        if (!empty_str(sub) && !is_safe_relative_path(sub))
            return field_invalid_str(err, p, sub, "must be a relative path without '..'");
        static const char *const props[] = {"None", "HostToContainer", "Bidirectional", NULL};
        SUBPATH(p, "%s.volumeMounts[%zu]", base, i);
        if ((r = check_enum(m, "mountPropagation", p, props, false, err)) < 0)
            return r;
    }
    return 0;
}

/* One container of spec.containers or spec.initContainers. names holds
 * the names seen so far across both lists, for the duplicate check. */
/* A container's or volume's name at p: a DNS-1123 label not yet in names
 * (a set of the names before it), which it then joins. */
static int check_unique_label(const char *name, const char *p, json_object *names, mk_err *err)
{
    int r;
    if (empty_str(name))
        return field_required(err, p, NULL);
    if ((r = check_dns_label(p, name, err)) < 0)
        return r;
    if (json_object_object_get_ex(names, name, NULL))
        return field_duplicate(err, p, name);
    json_object_object_add(names, name, NULL);
    return 0;
}

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
    if ((r = check_unique_label(name, p, names, err)) < 0)
        return r;
    SUBPATH(p, "%s.image", base);
    const char *image = get_str(c, "image");
    if (empty_str(image))
        return field_required(err, p, NULL);
    if (strspn(image, " \t\r\n") || image[strcspn(image, " \t\r\n")])
        return field_invalid_str(err, p, image, "must not have leading or trailing whitespace");
    /* Bound into the container as a file: a path in it, from its root. */
    const char *tmp = get_str(c, "terminationMessagePath");
    SUBPATH(p, "%s.terminationMessagePath", base);
    if (tmp && tmp[0] != '/')
        return field_invalid_str(err, p, tmp, "must be an absolute path");
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

bool pod_spec_has_container(json_object *spec, const char *name)
{
    static const char *const lists[] = {"containers", "initContainers"};
    for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
        for (size_t i = 0; i < list_len(get(spec, lists[l])); i++)
            if (!strcmp(get_str(list_at(get(spec, lists[l]), i), "name") ?: "", name))
                return true;
    return false;
}

/* An ephemeral container (kubectl debug's): a container the pod's others
 * are checked against for names, without what only a container started
 * with the pod can have; its target, when named, one of those. */
static int check_ephemeral(json_object *c, const char *base, json_object *spec,
                           json_object *volumes, json_object *names, mk_err *err)
{
    static const char *const not_here[] = {"ports",        "livenessProbe", "readinessProbe",
                                           "startupProbe", "lifecycle",     "resources",
                                           "restartPolicy"};
    vpath p;
    int r = check_container(c, base, volumes, names, err);
    if (r < 0)
        return r;
    for (size_t i = 0; i < ARRAY_SIZE(not_here); i++) {
        json_object *v = get(c, not_here[i]);
        /* kubectl sends "resources": {} */
        if (!v || (json_object_is_type(v, json_type_object) && !json_object_object_length(v)))
            continue;
        SUBPATH(p, "%s.%s", base, not_here[i]);
        return field_forbidden(err, p, "cannot be set for an Ephemeral Container");
    }
    const char *target = get_str(c, "targetContainerName");
    if (empty_str(target) || pod_spec_has_container(spec, target))
        return 0;
    SUBPATH(p, "%s.targetContainerName", base);
    return field_not_found(err, p, target);
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
            return field_required(err, f, NULL);
        if (!is_safe_relative_path(path))
            return field_invalid_str(err, f, path, "must be a relative path without '..'");
        SUBPATH(f, "%s.items[%zu]", base, i);
        if (has(it, "fieldRef") == has(it, "resourceFieldRef"))
            return field_required(err, f, "exactly one of fieldRef and resourceFieldRef");
        if (has(it, "resourceFieldRef") &&
            empty_str(get_str(get(it, "resourceFieldRef"), "containerName"))) {
            SUBPATH(f, "%s.items[%zu].resourceFieldRef.containerName", base, i);
            return field_required(err, f, NULL);
        }
        if ((r = check_range(it, "mode", f, 0, 0777, err)) < 0)
            return r;
    }
    return 0;
}

/* A serviceAccountToken source: a safe path, a lifetime TokenRequest
 * grants (tokenreq.c). */
static int check_token_projection(json_object *src, const char *base, mk_err *err)
{
    vpath f;
    SUBPATH(f, "%s.path", base);
    const char *path = get_str(src, "path");
    if (empty_str(path))
        return field_required(err, f, NULL);
    if (!is_safe_relative_path(path))
        return field_invalid_str(err, f, path, "must be a relative path without '..'");
    json_object *ttl = get(src, "expirationSeconds");
    int64_t secs = ttl ? json_object_get_int64(ttl) : 3600;
    SUBPATH(f, "%s.expirationSeconds", base);
    if (ttl && secs < 600)
        return field_invalid(err, f, ttl, "may not specify a duration less than 10 minutes");
    if (ttl && secs > 4294967296LL)
        return field_invalid(err, f, ttl,
                             "may not specify a duration larger than 2^32 seconds");
    return 0;
}

/* A projected volume: configMap, secret, downwardAPI and serviceAccountToken
 * sources. */
static int check_projected(json_object *src, const char *base, mk_err *err)
{
    json_object *sources = get(src, "sources");
    vpath f;
    int r;
    for (size_t i = 0; i < list_len(sources); i++) {
        json_object *s = list_at(sources, i);
        SUBPATH(f, "%s.sources[%zu]", base, i);
        static const char *const refused[] = {"clusterTrustBundle", "podCertificate"};
        for (size_t k = 0; k < ARRAY_SIZE(refused); k++) {
            if (has(s, refused[k])) {
                SUBPATH(f, "%s.sources[%zu].%s", base, i, refused[k]);
                return field_forbidden(err, f, "not supported by minik8s");
            }
        }
        static const char *const named[] = {"configMap", "secret"};
        for (size_t k = 0; k < ARRAY_SIZE(named); k++) {
            if (has(s, named[k]) && empty_str(get_str(get(s, named[k]), "name"))) {
                SUBPATH(f, "%s.sources[%zu].%s.name", base, i, named[k]);
                return field_required(err, f, NULL);
            }
        }
        SUBPATH(f, "%s.sources[%zu].serviceAccountToken", base, i);
        if (has(s, "serviceAccountToken") &&
            (r = check_token_projection(get(s, "serviceAccountToken"), f, err)) < 0)
            return r;
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
    if ((r = check_unique_label(name, p, names, err)) < 0)
        return r;
    size_t n = 0, which = 0;
    for (size_t i = 0; i < ARRAY_SIZE(volume_sources); i++)
        if (has(v, volume_sources[i]))
            n++, which = i;
    if (n == 0)
        return field_required(err, base, "must specify a volume type");
    if (n > 1)
        return field_forbidden(err, base, "may not specify more than 1 volume type");
    SUBPATH(p, "%s.%s", base, volume_sources[which]);
    if (which >= SUPPORTED_VOLUME_SOURCES)
        return field_forbidden(
            err, p,
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
            return field_required(err, f, NULL);
        if (get_str(src, "path")[0] != '/')
            return field_invalid_str(err, f, get_str(src, "path"), "must be an absolute path");
        if ((r = check_enum(src, "type", p, host_types, false, err)) < 0)
            return r;
        break;
    case 2:
    case 3: {
        const char *ref = which == 2 ? "name" : "secretName";
        SUBPATH(f, "%s.%s", p, ref);
        if (empty_str(get_str(src, ref)))
            return field_required(err, f, NULL);
        if ((r = check_dns_label(f, get_str(src, ref), err)) < 0 ||
            (r = check_range(src, "defaultMode", p, 0, 0777, err)) < 0)
            return r;
        json_object *items = get(src, "items");
        for (size_t i = 0; i < list_len(items); i++) {
            json_object *it = list_at(items, i);
            SUBPATH(f, "%s.items[%zu].key", p, i);
            if (empty_str(get_str(it, "key")))
                return field_required(err, f, NULL);
            SUBPATH(f, "%s.items[%zu].path", p, i);
            const char *path = get_str(it, "path");
            if (empty_str(path))
                return field_required(err, f, NULL);
            if (!is_safe_relative_path(path))
                return field_invalid_str(err, f, path, "must be a relative path without '..'");
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
            return field_required(err, f, NULL);
        return check_dns_subdomain(f, get_str(src, "claimName"), err);
    }
    return 0;
}

int check_pod_spec(json_object *spec, const char *base, mk_err *err)
{
    static const char *const restart[] = {"Always", "OnFailure", "Never", NULL};
    static const char *const dns[] = {"ClusterFirst", "ClusterFirstWithHostNet", "Default",
                                      "None", NULL};
    vpath p;
    int r;
    if (!spec) {
        SUBPATH(p, "%s", base);
        return field_required(err, p, NULL);
    }
    /* Refused here rather than ignored on the node. */
    static const char *const host_ns[] = {"hostNetwork", "hostPID", "hostIPC",
                                          "shareProcessNamespace"};
    for (size_t i = 0; i < ARRAY_SIZE(host_ns); i++) {
        if (json_object_get_boolean(get(spec, host_ns[i]))) {
            SUBPATH(p, "%s.%s", base, host_ns[i]);
            return field_forbidden(
                err, p, "not supported by minik8s: every pod has namespaces of its own");
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
        r = field_required(err, p, NULL);
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
    json_object *ephs = get(spec, "ephemeralContainers");
    /* A template (any base but a pod's own "spec") makes pods: none of
     * them may start with one, as Kubernetes' ValidatePodTemplateSpec. */
    if (list_len(ephs) && strcmp(base, "spec") != 0) {
        SUBPATH(p, "%s.ephemeralContainers", base);
        r = field_forbidden(err, p, "ephemeral containers not allowed in pod template");
        goto out;
    }
    for (size_t i = 0; i < list_len(ephs); i++) {
        SUBPATH(p, "%s.ephemeralContainers[%zu]", base, i);
        if ((r = check_ephemeral(list_at(ephs, i), p, spec, volumes, names, err)) < 0)
            goto out;
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
    r = check_pod_priority(spec, base, err);
out:
    json_object_put(names);
    return r;
}

/* Each entry of list (at base) names itself in field: required, and once
 * only when unique. */
static int check_named_list(json_object *list, const char *base, const char *field, bool unique,
                            mk_err *err)
{
    for (size_t i = 0; i < list_len(list); i++) {
        vpath p;
        SUBPATH(p, "%s[%zu].%s", base, i, field);
        const char *name = get_str(list_at(list, i), field);
        if (empty_str(name))
            return field_required(err, p, NULL);
        for (size_t j = 0; unique && j < i; j++)
            if (!strcmp(name, get_str(list_at(list, j), field) ?: ""))
                return field_duplicate(err, p, name);
    }
    return 0;
}

int validate_pod(json_object *obj, mk_err *err)
{
    json_object *spec = get(obj, "spec");
    int r = check_pod_spec(spec, "spec", err);
    json_object *gates = get(spec, "schedulingGates");
    if (r < 0 || (r = check_named_list(gates, "spec.schedulingGates", "name", true, err)) < 0 ||
        (r = check_named_list(get(spec, "readinessGates"), "spec.readinessGates",
                              "conditionType", false, err)) < 0)
        return r;
    if (list_len(gates) && !empty_str(get_str(spec, "nodeName")))
        return field_forbidden(err, "spec.nodeName",
                               "cannot be set until all schedulingGates have been cleared");
    return 0;
}
