/* envvars.c - a container's environment (see envvars.h). */
#include "kubelet/envvars.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kubelet/volumes.h"
#include "store/codec.h"
#include "store/quantity.h"
#include "store/util.h"

/* NAME=VALUE strings in order; setting a name again replaces it. */
typedef struct envlist {
    char **v;
    size_t n, cap;
} envlist;

static void env_set(envlist *l, const char *name, const char *value, size_t vlen)
{
    size_t nl = strlen(name);
    char *entry = xasprintf("%s=%.*s", name, (int)vlen, value);
    for (size_t i = 0; i < l->n; i++) {
        if (strncmp(l->v[i], name, nl) == 0 && l->v[i][nl] == '=') {
            free(l->v[i]);
            l->v[i] = entry;
            return;
        }
    }
    if (l->n + 2 > l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = entry;
    l->v[l->n] = NULL;
}

static void env_free(envlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

static bool optional(json_object *ref)
{
    json_object *o = mk_json_path(ref, "optional");
    return o && json_object_get_boolean(o);
}

/* The ConfigMap or Secret `name` in the pod's namespace, or NULL: err set
 * (PODS_ECONFIG) unless it is optional and absent (then err.code is 0). */
static json_object *fetch(const pods_env *e, json_object *pod, const char *kind,
                          json_object *ref, mk_err *err)
{
    const char *name = mk_json_str(ref, "name");
    const char *ns = mk_json_str(pod, "metadata.namespace");
    *err = (mk_err){0};
    json_object *obj = NULL;
    mk_err ferr = {0};
    if (name && e->fetch)
        obj = e->fetch(e->fetch_ctx, kind, ns ? ns : "default", name, &ferr);
    if (obj || (optional(ref) && (!e->fetch || ferr.code == ENOENT)))
        return obj;
    const char *lower = strcmp(kind, "Secret") == 0 ? "secret" : "configmap";
    if (!e->fetch || ferr.code == ENOENT || !name)
        mk_error(err, PODS_ECONFIG, "%s \"%s\" not found", lower, name ? name : "");
    else
        mk_error(err, ferr.code, "%s \"%s\": %s", lower, name, ferr.msg);
    return NULL;
}

/* map[key] of obj as a string (keys may hold dots: no path lookup). */
static const char *str_at(json_object *obj, const char *map, const char *key)
{
    json_object *m = mk_json_path(obj, map), *v = NULL;
    if (!m || !json_object_object_get_ex(m, key, &v) || !v)
        return NULL;
    return json_object_get_string(v);
}

/* The value of key in a ConfigMap (data) or Secret (stringData, else data
 * in base64): a new string and its length, or NULL when absent. */
static char *value_of(json_object *obj, bool secret, const char *key, size_t *len, mk_err *err)
{
    const char *s = str_at(obj, secret ? "stringData" : "data", key);
    if (s || !secret) {
        *len = s ? strlen(s) : 0;
        return s ? xstrdup(s) : NULL;
    }
    const char *b64 = str_at(obj, "data", key);
    unsigned char *bytes = NULL;
    if (!b64 || volumes_base64_decode(b64, &bytes, len, err) < 0)
        return NULL;
    return (char *)bytes;
}

static int key_ref(const pods_env *e, json_object *pod, json_object *ref, bool secret,
                   const char *var, envlist *l, mk_err *err)
{
    const char *kind = secret ? "Secret" : "ConfigMap";
    json_object *obj = fetch(e, pod, kind, ref, err);
    if (!obj)
        return err->code ? -err->code : 0;
    const char *key = mk_json_str(ref, "key");
    size_t len = 0;
    _cleanup_free_ char *val = key ? value_of(obj, secret, key, &len, err) : NULL;
    int rc = 0;
    if (val) {
        env_set(l, var, val, len);
    } else if (!optional(ref)) {
        const char *ns = mk_json_str(pod, "metadata.namespace");
        rc = mk_error(err, PODS_ECONFIG, "couldn't find key %s in %s %s/%s", key ? key : "",
                      kind, ns ? ns : "default", mk_json_str(ref, "name"));
    }
    json_object_put(obj);
    return rc;
}

/* A name the shell and Kubernetes take as an environment variable. */
static bool env_name_ok(const char *s)
{
    if (!*s || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++)
        if (!(*s == '_' || *s == '-' || *s == '.' || (*s >= 'a' && *s <= 'z') ||
              (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

static int env_from(const pods_env *e, json_object *pod, json_object *src, envlist *l,
                    mk_err *err)
{
    json_object *ref = mk_json_path(src, "configMapRef");
    bool secret = !ref;
    if (secret && !(ref = mk_json_path(src, "secretRef")))
        return 0;
    json_object *obj = fetch(e, pod, secret ? "Secret" : "ConfigMap", ref, err);
    if (!obj)
        return err->code ? -err->code : 0;
    const char *prefix = mk_json_str(src, "prefix");
    int rc = 0;
    /* data, and for a Secret stringData too (its keys win, as the API's merge). */
    for (int pass = 0; pass < (secret ? 2 : 1) && rc == 0; pass++) {
        json_object *data = mk_json_path(obj, pass ? "stringData" : "data");
        if (!data || !json_object_is_type(data, json_type_object))
            continue;
        json_object_object_foreach(data, key, v)
        {
            (void)v;
            _cleanup_free_ char *var = xasprintf("%s%s", prefix ? prefix : "", key);
            if (!env_name_ok(var))
                continue; /* Kubernetes skips them too (and says so in an event) */
            size_t len = 0;
            _cleanup_free_ char *val = value_of(obj, secret, key, &len, err);
            if (!val && err->code) {
                rc = -err->code;
                break;
            }
            env_set(l, var, val ? val : "", len);
        }
    }
    json_object_put(obj);
    return rc;
}

/* metadata.labels['k'] or metadata.annotations['k'], or NULL. */
static const char *map_ref(json_object *pod, const char *path)
{
    const char *open = strstr(path, "['");
    size_t len = open ? strlen(open) : 0;
    if (!open || len < 4 || strcmp(open + len - 2, "']") != 0)
        return NULL;
    _cleanup_free_ char *map = xstrndup(path, (size_t)(open - path));
    _cleanup_free_ char *key = xstrndup(open + 2, len - 4);
    json_object *m = mk_json_path(pod, map), *v = NULL;
    if (strcmp(map, "metadata.labels") && strcmp(map, "metadata.annotations"))
        return NULL;
    return m && json_object_object_get_ex(m, key, &v) ? json_object_get_string(v) : NULL;
}

const char *envvars_field(const pods_env *e, json_object *pod, const char *path,
                          const char *pod_ip)
{
    if (strcmp(path, "status.podIP") == 0)
        return pod_ip;
    if (strcmp(path, "status.hostIP") == 0)
        return e->node_ip;
    if (strcmp(path, "spec.nodeName") == 0 && !mk_json_str(pod, path))
        return e->node_name;
    if (strstr(path, "['"))
        return map_ref(pod, path);
    return mk_json_str(pod, path);
}

int envvars_resource(json_object *pod, json_object *ctr, json_object *ref, char *out, size_t n,
                     mk_err *err)
{
    const char *res = mk_json_str(ref, "resource");
    const char *cname = mk_json_str(ref, "containerName");
    json_object *specs = mk_json_path(pod, "spec.containers");
    for (size_t i = 0; cname && specs && i < json_object_array_length(specs); i++) {
        json_object *c = json_object_array_get_idx(specs, i);
        if (mk_json_str(c, "name") && strcmp(mk_json_str(c, "name"), cname) == 0)
            ctr = c;
    }
    if (!res || (strcmp(res, "limits.cpu") && strcmp(res, "requests.cpu") &&
                 strcmp(res, "limits.memory") && strcmp(res, "requests.memory")))
        return mk_error(err, PODS_ECONFIG, "resourceFieldRef: unsupported resource %s",
                        res ? res : "(none)");
    if (!ctr)
        return mk_error(err, PODS_ECONFIG, "resourceFieldRef %s: no container %s", res,
                        cname ? cname : "named");
    bool cpu = strstr(res, "cpu") != NULL, limit = strncmp(res, "limits.", 7) == 0;
    const char *q = mk_json_str(mk_json_path(ctr, "resources"), res);
    const char *div = mk_json_str(ref, "divisor");
    int64_t have, unit;
    if (cpu) {
        have = q ? quantity_parse_milli(q) : limit ? sysconf(_SC_NPROCESSORS_ONLN) * 1000 : 0;
        unit = div ? quantity_parse_milli(div) : 1000;
    } else {
        have = q       ? quantity_parse_value(q)
               : limit ? (int64_t)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE)
                       : 0;
        unit = div ? quantity_parse_value(div) : 1;
    }
    if (have < 0 || unit <= 0)
        return mk_error(err, PODS_ECONFIG, "resourceFieldRef %s: bad quantity", res);
    snprintf(out, n, "%lld", (long long)((have + unit - 1) / unit));
    return 0;
}

static int resource_ref(json_object *pod, json_object *ctr, json_object *ref, const char *var,
                        envlist *l, mk_err *err)
{
    char val[32];
    if (envvars_resource(pod, ctr, ref, val, sizeof val, err) < 0)
        return -err->code;
    env_set(l, var, val, strlen(val));
    return 0;
}

static int env_entry(const pods_env *e, json_object *pod, json_object *ctr, json_object *ev,
                     const char *pod_ip, envlist *l, mk_err *err)
{
    const char *name = mk_json_str(ev, "name");
    if (!name)
        return 0;
    const char *val = mk_json_str(ev, "value");
    json_object *from = mk_json_path(ev, "valueFrom"), *ref;
    if (!val && (ref = mk_json_path(from, "configMapKeyRef")))
        return key_ref(e, pod, ref, false, name, l, err);
    if (!val && (ref = mk_json_path(from, "secretKeyRef")))
        return key_ref(e, pod, ref, true, name, l, err);
    if (!val && (ref = mk_json_path(from, "resourceFieldRef")))
        return resource_ref(pod, ctr, ref, name, l, err);
    const char *fr = mk_json_str(from, "fieldRef.fieldPath");
    if (!val && fr)
        val = envvars_field(e, pod, fr, pod_ip);
    env_set(l, name, val ? val : "", val ? strlen(val) : 0);
    return 0;
}

/* A service's or port's name as a variable's: "db-main" -> "DB_MAIN". */
static char *link_name(const char *s)
{
    char *n = xstrdup(s);
    for (char *p = n; *p; p++)
        *p = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
    return n;
}

/* Set the variable whose name fmt makes to value. */
static void env_named(envlist *l, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void env_named(envlist *l, const char *value, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *name = NULL;
    if (vasprintf(&name, fmt, ap) < 0)
        abort();
    va_end(ap);
    env_set(l, name, value, strlen(value));
    free(name);
}

/* One Service's links, as Kubernetes' kubelet and Docker's links make them:
 * NAME_SERVICE_HOST, NAME_SERVICE_PORT (the first port) and
 * NAME_SERVICE_PORT_<PORTNAME>, NAME_PORT (the first as a URL), and per
 * port NAME_PORT_<n>_<PROTO> with _PROTO, _PORT and _ADDR. A service
 * without a cluster IP (headless, ExternalName) has none. */
static void service_link(json_object *svc, envlist *l)
{
    const char *ip = mk_json_str(svc, "spec.clusterIP");
    json_object *ports = mk_json_path(svc, "spec.ports");
    size_t n = mk_json_array_len(ports);
    if (!ip || !*ip || !strcmp(ip, "None") || !n)
        return;
    _cleanup_free_ char *pre = link_name(mk_json_str(svc, "metadata.name") ?: "");
    env_named(l, ip, "%s_SERVICE_HOST", pre);
    for (size_t i = 0; i < n; i++) {
        json_object *p = json_object_array_get_idx(ports, i);
        char num[24];
        snprintf(num, sizeof num, "%lld", (long long)mk_json_int(p, "port", 0));
        if (i == 0)
            env_named(l, num, "%s_SERVICE_PORT", pre);
        const char *pname = mk_json_str(p, "name");
        if (pname && *pname) {
            _cleanup_free_ char *up = link_name(pname);
            env_named(l, num, "%s_SERVICE_PORT_%s", pre, up);
        }
        _cleanup_free_ char *proto = link_name(mk_json_str(p, "protocol") ?: "TCP");
        _cleanup_free_ char *lower = xstrdup(proto);
        for (char *c = lower; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        _cleanup_free_ char *url = xasprintf("%s://%s:%s", lower, ip, num);
        if (i == 0)
            env_named(l, url, "%s_PORT", pre);
        env_named(l, url, "%s_PORT_%s_%s", pre, num, proto);
        env_named(l, lower, "%s_PORT_%s_%s_PROTO", pre, num, proto);
        env_named(l, num, "%s_PORT_%s_%s_PORT", pre, num, proto);
        env_named(l, ip, "%s_PORT_%s_%s_ADDR", pre, num, proto);
    }
}

/* The links of the Services in the pod's namespace, and of the API
 * server's (default/kubernetes) wherever the pod is, as Kubernetes gives
 * them, unless the pod turned them off (enableServiceLinks: false; the
 * API server's it gets always). They come before envFrom and env, which
 * may override them. */
static void service_links(const pods_env *e, json_object *pod, envlist *l)
{
    if (!e->services)
        return;
    const char *ns = mk_json_str(pod, "metadata.namespace") ?: "";
    bool links = mk_json_bool(pod, "spec.enableServiceLinks", true);
    json_object *svcs = e->services(e->fetch_ctx, "default");
    for (size_t i = 0; svcs && i < json_object_array_length(svcs); i++) {
        json_object *svc = json_object_array_get_idx(svcs, i);
        if ((links && !strcmp(ns, "default")) ||
            !strcmp(mk_json_str(svc, "metadata.name") ?: "", "kubernetes"))
            service_link(svc, l);
    }
    json_object_put(svcs);
    if (!links || !strcmp(ns, "default"))
        return;
    svcs = e->services(e->fetch_ctx, ns);
    for (size_t i = 0; svcs && i < json_object_array_length(svcs); i++)
        service_link(json_object_array_get_idx(svcs, i), l);
    json_object_put(svcs);
}

int envvars_build(const pods_env *e, json_object *pod, json_object *ctr, json_object *imgcfg,
                  const char *pod_ip, char ***out, mk_err *err)
{
    envlist l = {0};
    json_object *img = mk_json_path(imgcfg, "env");
    for (size_t i = 0; img && i < json_object_array_length(img); i++) {
        const char *kv = json_object_get_string(json_object_array_get_idx(img, i));
        const char *eq = kv ? strchr(kv, '=') : NULL;
        if (!eq)
            continue;
        _cleanup_free_ char *name = xstrndup(kv, (size_t)(eq - kv));
        env_set(&l, name, eq + 1, strlen(eq + 1));
    }
    const char *pname = pods_hostname(pod);
    env_set(&l, "HOSTNAME", pname ? pname : "", pname ? strlen(pname) : 0);
    service_links(e, pod, &l);
    int rc = 0;
    json_object *from = mk_json_path(ctr, "envFrom");
    for (size_t i = 0; rc == 0 && from && i < json_object_array_length(from); i++)
        rc = env_from(e, pod, json_object_array_get_idx(from, i), &l, err);
    json_object *env = mk_json_path(ctr, "env");
    for (size_t i = 0; rc == 0 && env && i < json_object_array_length(env); i++)
        rc = env_entry(e, pod, ctr, json_object_array_get_idx(env, i), pod_ip, &l, err);
    if (rc < 0) {
        env_free(&l);
        return rc;
    }
    if (!l.v) /* never: HOSTNAME is always there */
        l.v = xcalloc(1, sizeof *l.v);
    *out = l.v;
    return 0;
}
