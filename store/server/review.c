/* review.c - SelfSubjectAccessReview and SelfSubjectReview (see review.h). */
#include "store/server/review.h"

#include <stdio.h>
#include <string.h>

#include "store/codec.h"
#include "store/kinds.h"
#include "store/server/auth.h"
#include "store/server/protobuf.h"
#include "store/server/rbac.h"
#include "store/util.h"

#define ACCESS_PATH "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
#define WHOAMI_PATH "/apis/authentication.k8s.io/v1/selfsubjectreviews"
#define RULES_PATH  "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews"

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
    auth_attrs a = {.kind = k ? k : &other,
                    .sub = mk_json_str(attrs, "subresource") ?: "",
                    .ns = mk_json_str(attrs, "namespace") ?: "",
                    .name = mk_json_str(attrs, "name") ?: ""};
    for (size_t i = 0; i < (every ? ARRAY_SIZE(all) : 1); i++) {
        mk_err err = {0};
        a.verb = every ? all[i] : verb;
        if (auth_authorize(r->srv, r->role, r->user, &a, &err) < 0) {
            snprintf(why, n, "%s", err.msg);
            return false;
        }
    }
    return true;
}

static bool path_allowed(api_req *r, json_object *attrs, char *why, size_t n)
{
    static const char *const open[] = {"/healthz", "/livez", "/readyz", "/version",
                                       "/api",     "/apis",  "/openapi"};
    auth_attrs a = {.verb = mk_json_str(attrs, "verb") ?: "",
                    .path = mk_json_str(attrs, "path") ?: ""};
    for (size_t i = 0; i < ARRAY_SIZE(open); i++) {
        size_t len = strlen(open[i]);
        if (strncmp(a.path, open[i], len) == 0 && (!a.path[len] || a.path[len] == '/') &&
            strcmp(a.verb, "get") == 0)
            return true;
    }
    mk_err err = {0};
    if (auth_authorize(r->srv, r->role, r->user, &a, &err) == 0)
        return true;
    snprintf(why, n, "%s", err.msg);
    return false;
}

/* The review, its status filled (st taken), as the 201 Kubernetes gives. */
static enum MHD_Result reply_status(api_req *r, json_object *obj, json_object *st)
{
    json_object_object_add(obj, "status", st);
    enum MHD_Result ret = api_reply_json(r, 201, obj);
    json_object_put(obj);
    return ret;
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
    bool ok = res ? resource_allowed(r, res, why, sizeof why)
                  : path_allowed(r, nonres, why, sizeof why);
    json_object *st = json_object_new_object();
    json_object_object_add(st, "allowed", json_object_new_boolean(ok));
    if (*why)
        json_object_object_add(st, "reason", json_object_new_string(why));
    return reply_status(r, obj, st);
}

/* kubectl auth can-i --list: the caller's rules in spec.namespace, split
 * as Kubernetes' SubjectRulesReviewStatus has them. */
static enum MHD_Result rules_review(api_req *r, json_object *obj)
{
    const char *ns = mk_json_str(obj, "spec.namespace") ?: "";
    const char *note = "";
    json_object *rules = NULL;
    mk_err err = {0};
    if (r->role != ROLE_RBAC)
        rules = auth_role_rules(r->role, &note);
    else if (rbac_rules_of(r->srv, r->user, ns, &rules, &err) < 0) {
        json_object_put(obj);
        return api_reply_err(r, &err, NULL, NULL);
    }
    json_object *res = json_object_new_array(), *nonres = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(rules); i++) {
        json_object *rule = json_object_array_get_idx(rules, i);
        json_object_array_add(mk_json_path(rule, "nonResourceURLs") ? nonres : res,
                              json_object_get(rule));
    }
    json_object_put(rules);
    json_object *st = json_object_new_object();
    json_object_object_add(st, "resourceRules", res);
    json_object_object_add(st, "nonResourceRules", nonres);
    json_object_object_add(st, "incomplete", json_object_new_boolean(*note != '\0'));
    if (*note)
        json_object_object_add(st, "evaluationError", json_object_new_string(note));
    return reply_status(r, obj, st);
}

static json_object *groups_of(api_role role, const char *user)
{
    const char *g[4];
    char buf[300];
    size_t n = auth_groups(role, user, g, buf, sizeof buf);
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(a, json_object_new_string(g[i]));
    return a;
}

static enum MHD_Result whoami(api_req *r, json_object *obj)
{
    json_object *info = json_object_new_object();
    json_object_object_add(info, "username", json_object_new_string(r->user));
    json_object_object_add(info, "groups", groups_of(r->role, r->user));
    json_object *st = json_object_new_object();
    json_object_object_add(st, "userInfo", info);
    return reply_status(r, obj, st);
}

/* The reviews, by path: the kind each takes and what answers it. */
static const struct {
    const char *path, *kind;
    enum MHD_Result (*answer)(api_req *r, json_object *obj);
} reviews[] = {
    {ACCESS_PATH, "SelfSubjectAccessReview", access_review},
    {RULES_PATH, "SelfSubjectRulesReview", rules_review},
    {WHOAMI_PATH, "SelfSubjectReview", whoami},
};

bool review_serve(api_req *r, enum MHD_Result *ret)
{
    size_t i = 0;
    while (i < ARRAY_SIZE(reviews) && strcmp(r->url, reviews[i].path) != 0)
        i++;
    if (i == ARRAY_SIZE(reviews))
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
    if (strcmp(mk_json_str(obj, "kind") ?: "", reviews[i].kind) != 0) {
        json_object_put(obj);
        *ret = api_fail(r, EINVAL, "kind: expected %s", reviews[i].kind);
        return true;
    }
    *ret = reviews[i].answer(r, obj);
    return true;
}
