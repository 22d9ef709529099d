/* scale.c - see scale.h. */
#include "store/server/scale.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "store/codec.h"
#include "store/server/jsonpatch.h"
#include "store/server/apply.h"
#include "store/server/objects.h"

#define SCALE_RETRIES 16

bool scale_supported(const mk_kind *k)
{
    return strcmp(k->kind, "ReplicaSet") == 0 || strcmp(k->kind, "Deployment") == 0 ||
           strcmp(k->kind, "StatefulSet") == 0;
}

static void copy_str(json_object *dst, const char *key, json_object *src, const char *path)
{
    const char *v = mk_json_str(src, path);
    if (v)
        json_object_object_add(dst, key, json_object_new_string(v));
}

static json_object *scale_of(json_object *obj)
{
    json_object *s = json_object_new_object();
    json_object_object_add(s, "kind", json_object_new_string("Scale"));
    json_object_object_add(s, "apiVersion", json_object_new_string("autoscaling/v1"));
    json_object *md = json_object_new_object();
    copy_str(md, "name", obj, "metadata.name");
    copy_str(md, "namespace", obj, "metadata.namespace");
    copy_str(md, "uid", obj, "metadata.uid");
    copy_str(md, "resourceVersion", obj, "metadata.resourceVersion");
    copy_str(md, "creationTimestamp", obj, "metadata.creationTimestamp");
    json_object_object_add(s, "metadata", md);
    json_object *spec = json_object_new_object();
    json_object_object_add(spec, "replicas",
                           json_object_new_int64(mk_json_int(obj, "spec.replicas", 1)));
    json_object_object_add(s, "spec", spec);
    json_object *status = json_object_new_object();
    json_object_object_add(status, "replicas",
                           json_object_new_int64(mk_json_int(obj, "status.replicas", 0)));
    mk_buf sel = {0};
    json_object *ml = mk_json_path(obj, "spec.selector.matchLabels");
    if (json_object_is_type(ml, json_type_object)) {
        json_object_object_foreach(ml, key, val)
        {
            mk_buf_printf(&sel, "%s%s=%s", sel.len ? "," : "", key,
                          json_object_get_string(val));
        }
    }
    json_object_object_add(status, "selector", json_object_new_string(sel.len ? sel.data : ""));
    mk_buf_free(&sel);
    json_object_object_add(s, "status", status);
    return s;
}

/* The Scale the client wants, from its body and the current Scale. */
static int wanted_scale(api_req *r, json_object *current, json_object **out, mk_err *err)
{
    const char *ct = api_header(r, "Content-Type");
    json_object *body = NULL;
    bool json_patch = !strcmp(r->method, "PATCH") && ct &&
                      !strncasecmp(ct, "application/json-patch+json", 27);
    if (json_patch) {
        json_tokener *tok = json_tokener_new();
        body = json_tokener_parse_ex(tok, r->body.data ? r->body.data : "", (int)r->body.len);
        json_tokener_free(tok);
        if (!body)
            return mk_error(err, EBADMSG, "a JSON patch must be a JSON array of operations");
    } else if (objects_decode_body(r, &body, err) < 0) {
        return -err->code;
    }
    int rc = 0;
    if (!strcmp(r->method, "PUT")) {
        *out = body;
        return 0;
    }
    json_object_deep_copy(current, out, NULL);
    if (json_patch)
        rc = jsonpatch_apply(*out, body, err);
    else
        mk_json_merge_patch(*out, body);
    json_object_put(body);
    return rc;
}

static int scale_once(api_req *r, const api_route *rt, json_object **reply, bool *retry,
                      mk_err *err)
{
    json_object *obj, *want = NULL;
    int64_t rev;
    *retry = false;
    if (objects_load(r->srv, rt->kind, rt->ns, rt->name, &obj, &rev, err) < 0)
        return -err->code;
    json_object *cur = scale_of(obj);
    int rc = wanted_scale(r, cur, &want, err);
    json_object_put(cur);
    const char *rv = rc == 0 ? mk_json_str(want, "metadata.resourceVersion") : NULL;
    int64_t client_rev = rv && *rv ? strtoll(rv, NULL, 10) : 0;
    json_object *replicas = rc == 0 ? mk_json_path(want, "spec.replicas") : NULL;
    if (rc == 0 &&
        (!json_object_is_type(replicas, json_type_int) || json_object_get_int64(replicas) < 0 ||
         json_object_get_int64(replicas) > INT32_MAX))
        rc = mk_error(err, EINVAL,
                      "Scale \"%s\" is invalid: spec.replicas: must be an integer "
                      ">= 0",
                      rt->name);
    else if (rc == 0 && client_rev && client_rev != rev)
        rc = mk_error(err, ESTALE,
                      "Operation cannot be fulfilled on scale \"%s\": the object "
                      "has been modified; please apply your changes to the latest version and "
                      "try again",
                      rt->name);
    json_object *neu = NULL;
    if (rc == 0) {
        int64_t n = json_object_get_int64(replicas);
        json_object_deep_copy(obj, &neu, NULL);
        json_object *spec = mk_json_ensure(neu, "spec");
        if (mk_json_int(obj, "spec.replicas", 1) != n) {
            json_object_object_add(spec, "replicas", json_object_new_int64(n));
            json_object_object_add(
                mk_json_ensure(neu, "metadata"), "generation",
                json_object_new_int64(mk_json_int(obj, "metadata.generation", 1) + 1));
        }
        char manager[160];
        apply_track_update(obj, neu, apply_manager(r, manager, sizeof manager),
                           rt->kind->api_version);
        if (validate_update(rt->kind, obj, neu, NULL, err) < 0)
            rc = mk_error_wrap(err, "%s \"%s\" is invalid", rt->kind->kind, rt->name);
        else
            validate_normalize(rt->kind, neu);
    }
    if (rc == 0) {
        _cleanup_free_ char *key = kind_key(rt->kind, rt->ns, rt->name);
        mk_write w = {.op = MK_WRITE_UPDATE,
                      .key = key,
                      .obj = neu,
                      .prev = obj,
                      .expect_rev = client_rev ? client_rev : rev};
        int64_t new_rev;
        rc = objects_write(r, &w, &new_rev, err);
        *retry = (rc == -ESTALE && !client_rev) || rc == -ENOENT;
    }
    if (rc == 0)
        *reply = scale_of(neu);
    json_object_put(want);
    json_object_put(neu);
    json_object_put(obj);
    return rc;
}

enum MHD_Result scale_serve(api_req *r, const api_route *rt)
{
    mk_err err = {0};
    if (!scale_supported(rt->kind) || !rt->name[0])
        return api_fail(r, ENOENT, "the server could not find the requested resource");
    json_object *reply = NULL;
    int rc = 0;
    if (!strcmp(r->method, "GET")) {
        json_object *obj;
        int64_t rev;
        rc = objects_load(r->srv, rt->kind, rt->ns, rt->name, &obj, &rev, &err);
        if (rc == 0) {
            reply = scale_of(obj);
            json_object_put(obj);
        }
    } else if (!strcmp(r->method, "PUT") || !strcmp(r->method, "PATCH")) {
        bool retry = true;
        for (int i = 0; retry && i < SCALE_RETRIES; i++)
            rc = scale_once(r, rt, &reply, &retry, &err);
    } else {
        return api_fail(r, EOPNOTSUPP, "scale takes GET, PUT and PATCH");
    }
    if (rc < 0)
        return api_reply_err(r, &err, rt->kind, rt->name);
    enum MHD_Result ret = api_reply_json(r, 200, reply);
    json_object_put(reply);
    return ret;
}
