/* discovery.c - APIVersions, APIGroupList, APIGroup, APIResourceList and
 * version, computed from mk_kinds so a new kind appears by itself. */
#include "store/server/discovery.h"
#include "store/server/metrics_api.h"

#include <stdio.h>
#include <string.h>

#include "store/server/route.h"
#include "store/server/scale.h"

#define MK_VERSION_MAJOR "1"
#define MK_VERSION_MINOR "32"
#define MK_GIT_VERSION   "v1.32.0-minik8s"

static json_object *str_array(const char *const *v)
{
    json_object *a = json_object_new_array();
    for (; *v; v++)
        json_object_array_add(a, json_object_new_string(*v));
    return a;
}

static json_object *resource_entry(const char *name, const char *singular, bool namespaced,
                                   const char *group, const char *version, const char *kind,
                                   const char *const *verbs)
{
    json_object *r = json_object_new_object();
    json_object_object_add(r, "name", json_object_new_string(name));
    json_object_object_add(r, "singularName", json_object_new_string(singular));
    json_object_object_add(r, "namespaced", json_object_new_boolean(namespaced));
    if (group) {
        json_object_object_add(r, "group", json_object_new_string(group));
        json_object_object_add(r, "version", json_object_new_string(version));
    }
    json_object_object_add(r, "kind", json_object_new_string(kind));
    json_object_object_add(r, "verbs", str_array(verbs));
    return r;
}

static void add_kind(json_object *list, const mk_kind *k)
{
    static const char *const verbs[] = {"create", "delete", "get",   "list",
                                        "patch",  "update", "watch", NULL};
    static const char *const status_verbs[] = {"get", "patch", "update", NULL};
    json_object *r =
        resource_entry(k->resource, k->singular, k->namespaced, NULL, NULL, k->kind, verbs);
    if (k->short_names[0]) {
        json_object *sn = json_object_new_array();
        _cleanup_free_ char *names = xstrdup(k->short_names);
        char *save = NULL;
        for (char *w = strtok_r(names, " ", &save); w; w = strtok_r(NULL, " ", &save))
            json_object_array_add(sn, json_object_new_string(w));
        json_object_object_add(r, "shortNames", sn);
    }
    const char *cats[] = {"all", NULL};
    if (strcmp(k->kind, "Pod") == 0 || strcmp(k->kind, "Service") == 0 ||
        strcmp(k->kind, "ReplicaSet") == 0 || strcmp(k->kind, "Deployment") == 0 ||
        strcmp(k->kind, "DaemonSet") == 0 || strcmp(k->kind, "StatefulSet") == 0 ||
        strcmp(k->kind, "Job") == 0 || strcmp(k->kind, "CronJob") == 0 ||
        strcmp(k->kind, "HorizontalPodAutoscaler") == 0)
        json_object_object_add(r, "categories", str_array(cats));
    json_object_array_add(list, r);
    char sub[96];
    if (k->has_status) {
        snprintf(sub, sizeof sub, "%s/status", k->resource);
        json_object_array_add(
            list, resource_entry(sub, "", k->namespaced, NULL, NULL, k->kind, status_verbs));
    }
    if (scale_supported(k)) {
        static const char *const scale_verbs[] = {"get", "patch", "update", NULL};
        snprintf(sub, sizeof sub, "%s/scale", k->resource);
        json_object_array_add(list, resource_entry(sub, "", k->namespaced, "autoscaling", "v1",
                                                   "Scale", scale_verbs));
    }
    static const char *const create[] = {"create", NULL};
    if (strcmp(k->kind, "ServiceAccount") == 0)
        json_object_array_add(list, resource_entry("serviceaccounts/token", "", true,
                                                   "authentication.k8s.io", "v1",
                                                   "TokenRequest", create));
    if (strcmp(k->kind, "Pod") == 0) {
        static const char *const get[] = {"get", NULL};
        static const char *const exec[] = {"create", "get", NULL};
        json_object_array_add(
            list, resource_entry("pods/binding", "", true, NULL, NULL, "Binding", create));
        json_object_array_add(list, resource_entry("pods/eviction", "", true, "policy", "v1",
                                                   "Eviction", create));
        json_object_array_add(list,
                              resource_entry("pods/log", "", true, NULL, NULL, "Pod", get));
        json_object_array_add(
            list, resource_entry("pods/exec", "", true, NULL, NULL, "PodExecOptions", exec));
        json_object_array_add(list, resource_entry("pods/attach", "", true, NULL, NULL,
                                                   "PodAttachOptions", exec));
        json_object_array_add(list, resource_entry("pods/portforward", "", true, NULL, NULL,
                                                   "PodPortForwardOptions", exec));
        json_object_array_add(list, resource_entry("pods/ephemeralcontainers", "", true, NULL,
                                                   NULL, "Pod", status_verbs));
    }
}

static json_object *resource_list(const char *group, const char *version)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "kind", json_object_new_string("APIResourceList"));
    json_object_object_add(o, "apiVersion", json_object_new_string("v1"));
    char gv[128];
    snprintf(gv, sizeof gv, "%s%s%s", group, *group ? "/" : "", version);
    json_object_object_add(o, "groupVersion", json_object_new_string(gv));
    json_object *list = json_object_new_array();
    for (size_t i = 0; i < mk_nkinds; i++)
        if (strcmp(mk_kinds[i].group, group) == 0 &&
            (strcmp(mk_kinds[i].version, version) == 0 || kind_version(&mk_kinds[i], version)))
            add_kind(list, &mk_kinds[i]);
    json_object_object_add(o, "resources", list);
    return o;
}

static json_object *group_version(const char *api_version, const char *version)
{
    json_object *gv = json_object_new_object();
    json_object_object_add(gv, "groupVersion", json_object_new_string(api_version));
    json_object_object_add(gv, "version", json_object_new_string(version));
    return gv;
}

/* The group's kinds' own version is preferred; the versions they are also
 * served at (kinds.h) follow it. */
static json_object *group_entry(const mk_kind *k)
{
    json_object *g = json_object_new_object();
    json_object_object_add(g, "name", json_object_new_string(k->group));
    json_object *gv = group_version(k->api_version, k->version);
    json_object *versions = json_object_new_array();
    json_object_array_add(versions, json_object_get(gv));
    for (size_t i = 0; i < mk_nkind_versions; i++) {
        const mk_kind_version *v = &mk_kind_versions[i];
        if (strcmp(kind_version_kind(v)->group, k->group) == 0)
            json_object_array_add(versions, group_version(v->api_version, v->version));
    }
    json_object_object_add(g, "versions", versions);
    json_object_object_add(g, "preferredVersion", gv);
    return g;
}

/* The first kind of each group, in table order: one entry per group. */
static bool first_of_group(size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(mk_kinds[j].group, mk_kinds[i].group) == 0)
            return false;
    return true;
}

static const mk_kind *kind_in_group(const char *group)
{
    for (size_t i = 0; i < mk_nkinds; i++)
        if (mk_kinds[i].group[0] && strcmp(mk_kinds[i].group, group) == 0)
            return &mk_kinds[i];
    return NULL;
}

/* Groups with no stored kind: the create-only reviews of review.c, listed
 * so `kubectl api-resources` shows them as Kubernetes does. */
typedef struct review_resource {
    const char *resource, *singular, *kind;
} review_resource;

typedef struct review_group {
    const char *group, *api_version;
    review_resource res[3]; /* ends with an empty one */
} review_group;

static const review_group review_groups[] = {
    {"authentication.k8s.io",
     "authentication.k8s.io/v1",
     {{"selfsubjectreviews", "selfsubjectreview", "SelfSubjectReview"}}},
    {"authorization.k8s.io",
     "authorization.k8s.io/v1",
     {{"selfsubjectaccessreviews", "selfsubjectaccessreview", "SelfSubjectAccessReview"},
      {"selfsubjectrulesreviews", "selfsubjectrulesreview", "SelfSubjectRulesReview"}}},
};

static const review_group *review_group_named(const char *group)
{
    for (size_t i = 0; i < ARRAY_SIZE(review_groups); i++)
        if (strcmp(review_groups[i].group, group) == 0)
            return &review_groups[i];
    return NULL;
}

static json_object *review_group_entry(const review_group *rg)
{
    json_object *g = json_object_new_object();
    json_object_object_add(g, "name", json_object_new_string(rg->group));
    json_object *gv = group_version(rg->api_version, "v1");
    json_object *versions = json_object_new_array();
    json_object_array_add(versions, json_object_get(gv));
    json_object_object_add(g, "versions", versions);
    json_object_object_add(g, "preferredVersion", gv);
    return g;
}

static json_object *review_resource_list(const review_group *rg)
{
    static const char *const create[] = {"create", NULL};
    json_object *o = json_object_new_object();
    json_object_object_add(o, "kind", json_object_new_string("APIResourceList"));
    json_object_object_add(o, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(o, "groupVersion", json_object_new_string(rg->api_version));
    json_object *list = json_object_new_array();
    for (const review_resource *r = rg->res; r->resource; r++)
        json_object_array_add(
            list, resource_entry(r->resource, r->singular, false, NULL, NULL, r->kind, create));
    json_object_object_add(o, "resources", list);
    return o;
}

static json_object *api_versions(api_server *srv)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "kind", json_object_new_string("APIVersions"));
    const char *v1[] = {"v1", NULL};
    json_object_object_add(o, "versions", str_array(v1));
    json_object *addr = json_object_new_object();
    json_object_object_add(addr, "clientCIDR", json_object_new_string("0.0.0.0/0"));
    json_object_object_add(addr, "serverAddress", json_object_new_string(srv->listen));
    json_object *addrs = json_object_new_array();
    json_object_array_add(addrs, addr);
    json_object_object_add(o, "serverAddressByClientCIDRs", addrs);
    return o;
}

static json_object *group_list(void)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "kind", json_object_new_string("APIGroupList"));
    json_object_object_add(o, "apiVersion", json_object_new_string("v1"));
    json_object *groups = json_object_new_array();
    for (size_t i = 0; i < mk_nkinds; i++)
        if (mk_kinds[i].group[0] && first_of_group(i))
            json_object_array_add(groups, group_entry(&mk_kinds[i]));
    for (size_t i = 0; i < ARRAY_SIZE(review_groups); i++)
        json_object_array_add(groups, review_group_entry(&review_groups[i]));
    json_object_array_add(groups, metrics_api_group());
    json_object_object_add(o, "groups", groups);
    return o;
}

static json_object *version_info(void)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "major", json_object_new_string(MK_VERSION_MAJOR));
    json_object_object_add(o, "minor", json_object_new_string(MK_VERSION_MINOR));
    json_object_object_add(o, "gitVersion", json_object_new_string(MK_GIT_VERSION));
    json_object_object_add(o, "gitCommit", json_object_new_string(""));
    json_object_object_add(o, "gitTreeState", json_object_new_string("clean"));
    json_object_object_add(o, "buildDate", json_object_new_string("2026-01-01T00:00:00Z"));
    json_object_object_add(o, "goVersion", json_object_new_string("c17"));
    json_object_object_add(o, "compiler", json_object_new_string("gcc"));
    json_object_object_add(o, "platform", json_object_new_string("linux/amd64"));
    return o;
}

/* kubectl (--validate=strict, its default) asks OpenAPI v3 whether PATCH
 * of a kind takes ?fieldValidation; when it does, kubectl leaves unknown
 * fields to the server instead of downloading schemas. These documents
 * carry just that: one PATCH operation per kind with its parameter. */
static void openapi_root_entry(json_object *paths, const char *group, const char *version)
{
    char key[128], url[160];
    if (group[0])
        snprintf(key, sizeof key, "apis/%s/%s", group, version);
    else
        snprintf(key, sizeof key, "api/%s", version);
    snprintf(url, sizeof url, "/openapi/v3/%s", key);
    json_object *entry = json_object_new_object();
    json_object_object_add(entry, "serverRelativeURL", json_object_new_string(url));
    json_object_object_add(paths, key, entry);
}

static json_object *openapi_root(void)
{
    json_object *paths = json_object_new_object();
    for (size_t i = 0; i < mk_nkinds; i++)
        openapi_root_entry(paths, mk_kinds[i].group, mk_kinds[i].version);
    for (size_t i = 0; i < mk_nkind_versions; i++)
        openapi_root_entry(paths, kind_version_kind(&mk_kind_versions[i])->group,
                           mk_kind_versions[i].version);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "paths", paths);
    return o;
}

static json_object *openapi_patch_op(const mk_kind *k, const char *version)
{
    json_object *gvk = json_object_new_object();
    json_object_object_add(gvk, "group", json_object_new_string(k->group));
    json_object_object_add(gvk, "version", json_object_new_string(version));
    json_object_object_add(gvk, "kind", json_object_new_string(k->kind));
    json_object *param = json_object_new_object();
    json_object_object_add(param, "name", json_object_new_string("fieldValidation"));
    json_object_object_add(param, "in", json_object_new_string("query"));
    json_object *schema = json_object_new_object();
    json_object_object_add(schema, "type", json_object_new_string("string"));
    json_object_object_add(param, "schema", schema);
    json_object *params = json_object_new_array();
    json_object_array_add(params, param);
    json_object *op = json_object_new_object();
    json_object_object_add(op, "parameters", params);
    json_object_object_add(op, "x-kubernetes-group-version-kind", gvk);
    json_object *item = json_object_new_object();
    json_object_object_add(item, "patch", op);
    return item;
}

static json_object *openapi_gv(const char *group, const char *version)
{
    json_object *paths = json_object_new_object();
    bool any = false;
    for (size_t i = 0; i < mk_nkinds; i++) {
        const mk_kind *k = &mk_kinds[i];
        if (strcmp(k->group, group) != 0 ||
            (strcmp(k->version, version) != 0 && !kind_version(k, version)))
            continue;
        _cleanup_free_ char *path =
            xasprintf("%s%s/%s%s/%s/{name}", group[0] ? "/apis/" : "/api", group, version,
                      k->namespaced ? "/namespaces/{namespace}" : "", k->resource);
        json_object_object_add(paths, path, openapi_patch_op(k, version));
        any = true;
    }
    if (!any) {
        json_object_put(paths);
        return NULL;
    }
    json_object *info = json_object_new_object();
    json_object_object_add(info, "title", json_object_new_string("minik8s"));
    json_object_object_add(info, "version", json_object_new_string(MK_GIT_VERSION));
    json_object *o = json_object_new_object();
    json_object_object_add(o, "openapi", json_object_new_string("3.0.0"));
    json_object_object_add(o, "info", info);
    json_object_object_add(o, "paths", paths);
    return o;
}

static bool openapi_serve(api_req *r, enum MHD_Result *ret)
{
    const char *url = r->url;
    json_object *doc = NULL;
    if (!strcmp(url, "/openapi/v3") || !strcmp(url, "/openapi/v3/")) {
        doc = openapi_root();
    } else if (!strncmp(url, "/openapi/v3/", 12)) {
        _cleanup_free_ char *buf = xstrdup(url + 12);
        char *seg[4];
        int n = route_split(buf, seg, 4);
        if (n == 2 && !strcmp(seg[0], "api"))
            doc = openapi_gv("", seg[1]);
        else if (n == 3 && !strcmp(seg[0], "apis"))
            doc = openapi_gv(seg[1], seg[2]);
    }
    if (!doc)
        *ret = api_fail(r, ENOENT, "the server does not serve this OpenAPI document");
    else {
        *ret = api_reply_json(r, 200, doc);
        json_object_put(doc);
    }
    return true;
}

static enum MHD_Result reply_put(api_req *r, json_object *o)
{
    enum MHD_Result ret = api_reply_json(r, 200, o);
    json_object_put(o);
    return ret;
}

bool discovery_serve(api_req *r, enum MHD_Result *ret)
{
    const char *url = r->url;
    if (strcmp(url, "/version") == 0 || strcmp(url, "/version/") == 0) {
        *ret = reply_put(r, version_info());
        return true;
    }
    if (!strncmp(url, "/openapi/v3", 11))
        return openapi_serve(r, ret);
    if (strncmp(url, "/openapi/", 9) == 0 || strcmp(url, "/openapi") == 0 ||
        strcmp(url, "/swagger.json") == 0) {
        *ret = api_fail(r, ENOENT, "the server does not serve OpenAPI schemas");
        return true;
    }
    if (strcmp(url, "/api") == 0 || strcmp(url, "/api/") == 0) {
        *ret = reply_put(r, api_versions(r->srv));
        return true;
    }
    if (strcmp(url, "/api/v1") == 0 || strcmp(url, "/api/v1/") == 0) {
        *ret = reply_put(r, resource_list("", "v1"));
        return true;
    }
    if (strcmp(url, "/apis") == 0 || strcmp(url, "/apis/") == 0) {
        *ret = reply_put(r, group_list());
        return true;
    }
    if (strncmp(url, "/apis/", 6) != 0)
        return false;
    _cleanup_free_ char *buf = xstrdup(url);
    char *seg[4];
    int n = route_split(buf, seg, 4);
    if (n < 2 || n > 3)
        return false;
    const review_group *rg = review_group_named(seg[1]);
    if (rg && (n == 2 || strcmp(seg[2], "v1") == 0)) {
        json_object *o = n == 2 ? review_group_entry(rg) : review_resource_list(rg);
        if (n == 2) {
            json_object_object_add(o, "kind", json_object_new_string("APIGroup"));
            json_object_object_add(o, "apiVersion", json_object_new_string("v1"));
        }
        *ret = reply_put(r, o);
        return true;
    }
    const mk_kind *k = kind_in_group(seg[1]);
    if (!k) {
        *ret = api_fail(r, ENOENT, "the server could not find the requested resource");
        return true;
    }
    if (n == 2) {
        json_object *g = group_entry(k);
        json_object_object_add(g, "kind", json_object_new_string("APIGroup"));
        json_object_object_add(g, "apiVersion", json_object_new_string("v1"));
        *ret = reply_put(r, g);
    } else if (strcmp(seg[2], k->version) == 0 || kind_version(k, seg[2]))
        *ret = reply_put(r, resource_list(k->group, seg[2]));
    else
        *ret = api_fail(r, ENOENT, "the server could not find the requested resource");
    return true;
}
