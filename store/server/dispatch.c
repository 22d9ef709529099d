/* dispatch.c - from a complete request to its handler (see dispatch.h). */
#include "store/server/dispatch.h"

#include <string.h>

#include "store/codec.h"
#include "store/server/auth.h"
#include "store/server/discovery.h"
#include "store/server/impersonate.h"
#include "store/server/metrics.h"
#include "store/server/metrics_api.h"
#include "store/server/objects.h"
#include "store/server/protobuf.h"
#include "store/server/review.h"
#include "store/server/tokenreq.h"
#include "store/server/portforward.h"
#include "store/server/proxy.h"
#include "store/server/route.h"
#include "store/server/satoken.h"
#include "store/server/scale.h"
#include "store/server/stream.h"

static bool is_health(const char *url)
{
    return !strcmp(url, "/healthz") || !strcmp(url, "/livez") || !strcmp(url, "/readyz");
}

static bool wants_watch(api_req *r, const api_route *rt)
{
    const char *w = api_query(r, "watch");
    return rt->watch || (w && (!strcmp(w, "true") || !strcmp(w, "1")));
}

static const char *verb_of(api_req *r, const api_route *rt)
{
    const char *m = r->method;
    if (!strcmp(m, "GET") || !strcmp(m, "HEAD"))
        return wants_watch(r, rt) ? "watch" : rt->name[0] ? "get" : "list";
    if (!strcmp(m, "POST"))
        return "create";
    if (!strcmp(m, "PUT"))
        return "update";
    if (!strcmp(m, "PATCH"))
        return "patch";
    if (!strcmp(m, "DELETE"))
        return rt->name[0] ? "delete" : "deletecollection";
    return "other";
}

static enum MHD_Result unsupported_media(api_req *r, const api_route *rt, const char *msg)
{
    _cleanup_free_ char *st = status_json(415, "UnsupportedMediaType", msg, rt->kind, rt->name);
    return api_reply_text(r, 415, "application/json", st, strlen(st));
}

/* Bodies are JSON or YAML. kubectl's typed commands (create deployment,
 * create secret, autoscale...) send protobuf: their creates and deletes
 * are turned into JSON here (protobuf.h); anything else gets a plain 415. */
static bool body_is(api_req *r, const char *what)
{
    const char *ct = api_header(r, "Content-Type");
    return r->body.len && ct && strstr(ct, what);
}

static enum MHD_Result dispatch_resource(api_req *r, const api_route *rt)
{
    const char *m = r->method;
    const char *sub = rt->sub;
    if (body_is(r, "cbor"))
        return unsupported_media(r, rt, "CBOR bodies are not supported: send JSON or YAML");
    if (body_is(r, "protobuf")) {
        mk_err err = {0};
        json_object *obj = NULL;
        bool create = !strcmp(m, "POST") && !rt->name[0] && !sub[0];
        bool delete = !strcmp(m, "DELETE") && rt->name[0] && !sub[0];
        bool evict = !strcmp(m, "POST") && rt->name[0] && !strcmp(sub, "eviction");
        bool token = !strcmp(m, "POST") && rt->name[0] && !strcmp(sub, "token");
        if (!create && !delete &&!evict && !token)
            return unsupported_media(r, rt,
                                     "protobuf bodies are taken only to create objects, "
                                     "evict pods and with deletes: send JSON");
        if (protobuf_to_json(r->body.data, r->body.len, &obj, &err) < 0)
            return err.code == EOPNOTSUPP ? unsupported_media(r, rt, err.msg)
                                          : api_reply_err(r, &err, rt->kind, NULL);
        const char *kind = mk_json_str(obj, "kind");
        if (delete != (kind && !strcmp(kind, "DeleteOptions")) ||
            evict != (kind && !strcmp(kind, "Eviction")) ||
            token != (kind && !strcmp(kind, "TokenRequest"))) {
            json_object_put(obj);
            return unsupported_media(r, rt, "this protobuf body does not fit the request");
        }
        mk_buf_reset(&r->body);
        mk_buf_puts(&r->body, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
        json_object_put(obj);
    }
    if (!strcmp(sub, "scale"))
        return scale_serve(r, rt);
    if (!strcmp(sub, "token"))
        return tokenreq_serve(r, rt);
    if (!strcmp(sub, "log"))
        return proxy_log(r, rt);
    if (!strcmp(sub, "exec"))
        return proxy_exec(r, rt);
    if (!strcmp(sub, "attach"))
        return proxy_attach(r, rt);
    if (!strcmp(sub, "portforward"))
        return proxy_portforward(r, rt);
    if (!strcmp(m, "GET") || !strcmp(m, "HEAD")) {
        if (!strcmp(r->verb, "watch"))
            return stream_watch(r, rt);
        if (!rt->name[0])
            return stream_list(r, rt);
        if (!sub[0] || !strcmp(sub, "status") ||
            (!strcmp(sub, "ephemeralcontainers") && !strcmp(rt->kind->kind, "Pod")))
            return objects_get(r, rt);
    } else if (!strcmp(m, "POST")) {
        if (!strcmp(sub, "binding"))
            return objects_bind(r, rt);
        if (!strcmp(sub, "eviction"))
            return objects_evict(r, rt);
        if (!sub[0])
            return objects_create(r, rt);
    } else if (!strcmp(m, "PUT")) {
        return objects_update(r, rt);
    } else if (!strcmp(m, "PATCH")) {
        return objects_patch(r, rt);
    } else if (!strcmp(m, "DELETE")) {
        if (!sub[0])
            return objects_delete(r, rt);
    }
    return api_fail(r, EOPNOTSUPP,
                    "the server does not allow this method on the requested "
                    "resource");
}

/* A token of the token file, or a service account's (satoken.h). */
static int identify(api_req *r, mk_err *err)
{
    const char *h = api_header(r, "Authorization");
    if (auth_identify(r->srv->auth, h, &r->user, &r->role, err) == 0)
        return 0;
    const char *tok = auth_bearer(h);
    if (!tok || satoken_identify(r->srv, tok, r->account, sizeof r->account, err) < 0)
        return -EPERM;
    r->user = r->account;
    r->role = ROLE_RBAC;
    return 0;
}

enum MHD_Result dispatch(api_req *r)
{
    api_server *srv = r->srv;
    mk_err err = {0};
    enum MHD_Result ret;
    r->verb = "get";
    if (is_health(r->url))
        return api_reply_text(r, 200, "text/plain", "ok", 2);
    if (!strcmp(r->url, "/version") && discovery_serve(r, &ret))
        return ret;
    r->user = "admin";
    r->role = ROLE_ADMIN;
    if ((srv->auth && identify(r, &err) < 0) || impersonate(r, &err) < 0)
        return api_reply_err(r, &err, NULL, NULL);
    if (!strcmp(r->url, "/metrics")) {
        auth_attrs a = {.verb = "get", .path = r->url};
        if (auth_authorize(srv, r->role, r->user, &a, &err) < 0)
            return api_reply_err(r, &err, NULL, NULL);
        return metrics_serve(r);
    }
    if (metrics_api_serve(r, &ret))
        return ret;
    if (discovery_serve(r, &ret))
        return ret;
    if (review_serve(r, &ret))
        return ret;
    api_route rt;
    if (route_parse(r->url, &rt, &err) < 0)
        return api_reply_err(r, &err, NULL, NULL);
    const char *dry = api_query(r, "dryRun");
    if (dry && objects_set_dry_run(r, dry, &err) < 0)
        return api_reply_err(r, &err, NULL, NULL);
    r->verb = verb_of(r, &rt);
    auth_attrs a = auth_attrs_of(r->verb, &rt);
    if (auth_authorize(srv, r->role, r->user, &a, &err) < 0)
        return api_reply_err(r, &err, rt.kind, rt.name);
    return dispatch_resource(r, &rt);
}
