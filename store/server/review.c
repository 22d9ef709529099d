/* review.c - SelfSubjectAccessReview and SelfSubjectReview (see review.h). */
#include "store/server/review.h"

#include <stdio.h>
#include <string.h>

#include "store/codec.h"
#include "store/kinds.h"
#include "store/server/auth.h"
#include "store/server/protobuf.h"
#include "store/util.h"

#define ACCESS_PATH "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
#define WHOAMI_PATH "/apis/authentication.k8s.io/v1/selfsubjectreviews"

/* The body, as JSON, YAML or kubectl's protobuf. */
static int body_of(api_req *r, json_object **out, mk_err *err)
{
    const char *ct = api_header(r, "Content-Type");
    if (ct && strstr(ct, "protobuf"))
        return protobuf_to_json(r->body.data, r->body.len, out, err);
    return codec_decode(r->body.data ? r->body.data : "", r->body.len, out, err);
}

/* May the caller do verb to the resource? "*" asks for every verb. */
static bool resource_allowed(api_req *r, json_object *attrs, char *why, size_t n)
{
    static const char *const all[] = {"get",    "list",  "watch",  "create",
                                      "update", "patch", "delete", "deletecollection"};
    const char *verb = mk_json_str(attrs, "verb") ?: "";
    const char *group = mk_json_str(attrs, "group") ?: "";
    const char *resource = mk_json_str(attrs, "resource") ?: "";
    const mk_kind *k = kind_by_resource(group, resource);
    /* A resource this server lacks is judged by its name alone. */
    mk_kind other = {.kind = "", .group = group, .resource = resource};
    bool every = strcmp(verb, "*") == 0;
    for (size_t i = 0; i < (every ? ARRAY_SIZE(all) : 1); i++) {
        mk_err err = {0};
        if (auth_allow(r->role, r->user, every ? all[i] : verb, k ? k : &other,
                       mk_json_str(attrs, "subresource") ?: "", &err) < 0) {
            snprintf(why, n, "%s", err.msg);
            return false;
        }
    }
    return true;
}

static bool path_allowed(api_req *r, json_object *attrs)
{
    static const char *const open[] = {"/healthz", "/livez", "/readyz", "/version",
                                       "/api",     "/apis",  "/openapi"};
    const char *path = mk_json_str(attrs, "path") ?: "";
    const char *verb = mk_json_str(attrs, "verb") ?: "";
    if (r->role == ROLE_ADMIN)
        return true;
    for (size_t i = 0; i < ARRAY_SIZE(open); i++) {
        size_t len = strlen(open[i]);
        if (strncmp(path, open[i], len) == 0 && (!path[len] || path[len] == '/'))
            return strcmp(verb, "get") == 0;
    }
    return false;
}

static enum MHD_Result access_review(api_req *r, json_object *obj)
{
    json_object *res = mk_json_path(obj, "spec.resourceAttributes");
    json_object *nonres = mk_json_path(obj, "spec.nonResourceAttributes");
    if (!res == !nonres) {
        json_object_put(obj);
        return api_fail(r, EINVAL,
                        "spec: exactly one of resourceAttributes and nonResourceAttributes "
                        "must be set");
    }
    char why[512] = "";
    bool ok = res ? resource_allowed(r, res, why, sizeof why) : path_allowed(r, nonres);
    json_object *st = json_object_new_object();
    json_object_object_add(st, "allowed", json_object_new_boolean(ok));
    if (*why)
        json_object_object_add(st, "reason", json_object_new_string(why));
    json_object_object_add(obj, "status", st);
    enum MHD_Result ret = api_reply_json(r, 201, obj);
    json_object_put(obj);
    return ret;
}

/* The groups Kubernetes would put a user of this role in. */
static json_object *groups_of(api_role role)
{
    json_object *g = json_object_new_array();
    if (role == ROLE_ADMIN)
        json_object_array_add(g, json_object_new_string("system:masters"));
    else if (role == ROLE_NODE)
        json_object_array_add(g, json_object_new_string("system:nodes"));
    json_object_array_add(g, json_object_new_string("system:authenticated"));
    return g;
}

static enum MHD_Result whoami(api_req *r, json_object *obj)
{
    json_object *info = json_object_new_object();
    json_object_object_add(info, "username", json_object_new_string(r->user));
    json_object_object_add(info, "groups", groups_of(r->role));
    json_object *st = json_object_new_object();
    json_object_object_add(st, "userInfo", info);
    json_object_object_add(obj, "status", st);
    enum MHD_Result ret = api_reply_json(r, 201, obj);
    json_object_put(obj);
    return ret;
}

bool review_serve(api_req *r, enum MHD_Result *ret)
{
    bool access = strcmp(r->url, ACCESS_PATH) == 0, who = strcmp(r->url, WHOAMI_PATH) == 0;
    if (!access && !who)
        return false;
    r->verb = "create";
    if (strcmp(r->method, "POST") != 0) {
        *ret = api_fail(r, EOPNOTSUPP,
                        "the server does not allow this method on the requested resource");
        return true;
    }
    json_object *obj = NULL;
    mk_err err = {0};
    if (body_of(r, &obj, &err) < 0) {
        *ret = api_reply_err(r, &err, NULL, NULL);
        return true;
    }
    const char *kind = mk_json_str(obj, "kind") ?: "";
    if (strcmp(kind, access ? "SelfSubjectAccessReview" : "SelfSubjectReview") != 0) {
        json_object_put(obj);
        *ret = api_fail(r, EINVAL, "kind: expected %s",
                        access ? "SelfSubjectAccessReview" : "SelfSubjectReview");
        return true;
    }
    *ret = access ? access_review(r, obj) : whoami(r, obj);
    return true;
}
