/* tokenreq.c - TokenRequest: service account tokens as signed JWTs (see
 * tokenreq.h), after Kubernetes' serviceaccount token REST storage.
 */
#include "store/server/tokenreq.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "store/codec.h"
#include "store/jwt.h"
#include "store/server/objects.h"
#include "store/server/satoken.h"
#include "store/util.h"

#define KEY_NS       "kube-system"
#define KEY_SECRET   "minik8s-token-signing-key"
#define ISSUER       "https://kubernetes.default.svc.cluster.local"
#define DEFAULT_TTL  3600
#define MIN_TTL      600
#define MAX_TTL      4294967296LL /* 2^32 s, as Kubernetes */
#define EXTENDED_TTL (365 * 24 * 3600)

int tokenreq_init(api_server *srv, mk_err *err)
{
    unsigned char raw[32];
    mk_random_bytes(raw, sizeof raw);
    _cleanup_free_ char *b64 = mk_base64_encode(raw, sizeof raw);
    _cleanup_free_ char *b64b64 = mk_base64_encode(b64, strlen(b64));
    json_object *s = mk_json_new_object("v1", "Secret", KEY_NS, KEY_SECRET);
    json_object_object_add(mk_json_ensure(s, "data"), "key", json_object_new_string(b64b64));
    int rc = objects_put_new(srv, s, err); /* there already: kept */
    json_object_put(s);
    json_object *have = NULL;
    int64_t rev;
    if (rc < 0 ||
        objects_load(srv, kind_by_kind("Secret"), KEY_NS, KEY_SECRET, &have, &rev, err) < 0)
        return mk_error_wrap(err, "the token signing key");
    /* The key is the stored text itself (base64 of 32 random bytes). */
    const char *key = mk_json_str(have, "data.key") ?: "";
    srv->token_key_len = strlen(key) < sizeof srv->token_key ? strlen(key) : 0;
    memcpy(srv->token_key, key, srv->token_key_len);
    json_object_put(have);
    return srv->token_key_len >= 32
               ? 0
               : mk_error(err, EINVAL, "%s/%s: data.key is too short", KEY_NS, KEY_SECRET);
}

/* ---- issuing ---- */

static int load(api_server *srv, const char *kind, const char *ns, const char *name,
                json_object **obj, mk_err *err)
{
    int64_t rev;
    return objects_load(srv, kind_by_kind(kind), ns, name, obj, &rev, err);
}

static int ttl_of(json_object *spec, int64_t *ttl, mk_err *err)
{
    *ttl = mk_json_int(spec, "expirationSeconds", DEFAULT_TTL);
    if (*ttl < MIN_TTL)
        return mk_error(err, EINVAL,
                        "spec.expirationSeconds: Invalid value: %" PRId64
                        ": may not specify a duration less than 10 minutes",
                        *ttl);
    if (*ttl > MAX_TTL)
        return mk_error(err, EINVAL,
                        "spec.expirationSeconds: Invalid value: %" PRId64
                        ": may not specify a duration larger than 2^32 seconds",
                        *ttl);
    return 0;
}

/* The binding checks of a pod: as Kubernetes' TokenRequest storage, the
 * pod runs as the account; as its NodeRestriction admission, a node's
 * token is bound to a pod by uid, and that pod is on a node. (Node tokens
 * are shared by every kubelet here: which node is not known.) */
static int check_pod(api_role role, const char *account, json_object *ref, json_object *pod,
                     mk_err *err)
{
    if (strcmp(mk_json_str(pod, "spec.serviceAccountName") ?: "default", account))
        return mk_error(err, EINVAL,
                        "cannot bind token for serviceaccount \"%s\" to pod running with "
                        "different serviceaccount name.",
                        account);
    if (role == ROLE_NODE && !mk_json_str(ref, "uid"))
        return mk_error(err, EACCES, "node requested token with a pod binding without a uid");
    if (role == ROLE_NODE && !*(mk_json_str(pod, "spec.nodeName") ?: ""))
        return mk_error(err, EACCES, "node requested token bound to a pod not scheduled");
    return 0;
}

/* spec.boundObjectRef: a Pod or Secret of the namespace, there now, of
 * the uid given; its name and uid go into the claims. */
static int bind_to(api_req *r, const api_route *rt, json_object *ref, json_object *k8s,
                   mk_err *err)
{
    const char *kind = mk_json_str(ref, "kind") ?: "";
    if (r->role == ROLE_NODE && strcmp(kind, "Pod"))
        return mk_error(err, EACCES, "node requested token not bound to a pod");
    if (strcmp(kind, "Pod") && strcmp(kind, "Secret"))
        return mk_error(err, EINVAL,
                        "spec.boundObjectRef.kind: Unsupported value: \"%s\": supported "
                        "values: \"Pod\", \"Secret\"",
                        kind);
    json_object *obj = NULL;
    if (load(r->srv, kind, rt->ns, mk_json_str(ref, "name") ?: "", &obj, err) < 0)
        return -err->code;
    const char *uid = mk_json_str(obj, "metadata.uid") ?: "";
    const char *want = mk_json_str(ref, "uid");
    bool pod = !strcmp(kind, "Pod");
    int rc = 0;
    if (want && strcmp(want, uid))
        rc = mk_error(err, EEXIST,
                      "the UID in the bound object reference (%s) does not match the UID in "
                      "record. The object might have been deleted and then recreated",
                      want);
    else if (pod)
        rc = check_pod(r->role, rt->name, ref, obj, err);
    if (rc == 0) {
        json_object *b = json_object_new_object();
        json_object_object_add(b, "name", json_object_new_string(mk_json_str(ref, "name")));
        json_object_object_add(b, "uid", json_object_new_string(uid));
        json_object_object_add(k8s, pod ? "pod" : "secret", b);
    }
    json_object_put(obj);
    return rc;
}

static json_object *claims_of(json_object *sa, json_object *audiences, int64_t now, int64_t exp)
{
    const char *ns = mk_json_str(sa, "metadata.namespace") ?: "";
    const char *name = mk_json_str(sa, "metadata.name") ?: "";
    json_object *c = json_object_new_object();
    json_object_object_add(c, "aud", json_object_get(audiences));
    json_object_object_add(c, "exp", json_object_new_int64(exp));
    json_object_object_add(c, "iat", json_object_new_int64(now));
    json_object_object_add(c, "iss", json_object_new_string(ISSUER));
    json_object *k8s = json_object_new_object();
    json_object_object_add(k8s, "namespace", json_object_new_string(ns));
    json_object *acct = json_object_new_object();
    json_object_object_add(acct, "name", json_object_new_string(name));
    json_object_object_add(acct, "uid",
                           json_object_new_string(mk_json_str(sa, "metadata.uid") ?: ""));
    json_object_object_add(k8s, "serviceaccount", acct);
    json_object_object_add(c, "kubernetes.io", k8s);
    json_object_object_add(c, "nbf", json_object_new_int64(now));
    _cleanup_free_ char *sub = xasprintf("system:serviceaccount:%s:%s", ns, name);
    json_object_object_add(c, "sub", json_object_new_string(sub));
    return c;
}

static int issue(api_req *r, const api_route *rt, json_object *req, mk_err *err)
{
    json_object *spec = mk_json_ensure(req, "spec"), *sa = NULL;
    int64_t ttl;
    if (!json_object_is_type(spec, json_type_object))
        return mk_error(err, EINVAL, "spec: must be an object");
    if (ttl_of(spec, &ttl, err) < 0 ||
        load(r->srv, "ServiceAccount", rt->ns, rt->name, &sa, err) < 0)
        return -err->code;
    json_object *aud = mk_json_path(spec, "audiences");
    if (!json_object_is_type(aud, json_type_array) || !json_object_array_length(aud)) {
        aud = json_object_new_array();
        json_object_array_add(aud, json_object_new_string(ISSUER));
        json_object_object_add(spec, "audiences", aud);
    }
    int64_t now = mk_wall_ms() / 1000;
    json_object *claims = claims_of(sa, aud, now, now + ttl);
    json_object *k8s = mk_json_path(claims, "kubernetes.io");
    json_object *ref = mk_json_path(spec, "boundObjectRef");
    int rc = 0;
    if (ref)
        rc = bind_to(r, rt, ref, k8s, err);
    else if (r->role == ROLE_NODE)
        rc = mk_error(err, EACCES, "node requested token not bound to a pod");
    if (rc == 0) {
        json_object_object_add(spec, "expirationSeconds", json_object_new_int64(ttl));
        /* As Kubernetes: a pod's kube-api-access token (SATOKEN_TTL) is good
         * for a year, so that clients that never reread it keep working;
         * it still ends with the pod. The reply says the short lifetime,
         * and the kubelet renews at that pace. */
        if (ttl == SATOKEN_TTL && mk_json_path(k8s, "pod")) {
            json_object_object_add(claims, "exp", json_object_new_int64(now + EXTENDED_TTL));
            json_object_object_add(k8s, "warnafter", json_object_new_int64(now + ttl));
        }
        _cleanup_free_ char *token =
            jwt_sign((const unsigned char *)r->srv->token_key, r->srv->token_key_len, claims);
        char at[32];
        mk_rfc3339(at, sizeof at, now + ttl);
        json_object *st = mk_json_ensure(req, "status");
        json_object_object_add(st, "token", json_object_new_string(token));
        json_object_object_add(st, "expirationTimestamp", json_object_new_string(at));
    }
    json_object_put(claims);
    json_object_put(sa);
    return rc;
}

enum MHD_Result tokenreq_serve(api_req *r, const api_route *rt)
{
    if (strcmp(rt->kind->kind, "ServiceAccount") || !rt->name[0] || strcmp(r->method, "POST"))
        return api_fail(r, EOPNOTSUPP,
                        "the server does not allow this method on the requested resource");
    mk_err err = {0};
    json_object *req = NULL;
    if (objects_decode_body(r, &req, &err) < 0 || issue(r, rt, req, &err) < 0) {
        if (err.code == EINVAL)
            mk_error_wrap(&err, "TokenRequest.authentication.k8s.io \"%s\" is invalid",
                          rt->name);
        json_object_put(req);
        return api_reply_err(r, &err, err.code == ENOENT ? NULL : rt->kind, rt->name);
    }
    json_object_object_add(req, "kind", json_object_new_string("TokenRequest"));
    json_object_object_add(req, "apiVersion",
                           json_object_new_string("authentication.k8s.io/v1"));
    json_object *md = mk_json_ensure(req, "metadata");
    json_object_object_add(md, "name", json_object_new_string(rt->name));
    json_object_object_add(md, "namespace", json_object_new_string(rt->ns));
    enum MHD_Result ret = api_reply_json(r, 201, req);
    json_object_put(req);
    return ret;
}

/* ---- checking ---- */

/* Whether the object named in the claims (kubernetes.io.pod, .secret,
 * .serviceaccount) is there with the uid the token was made for. */
static bool still_there(api_server *srv, json_object *k8s, const char *field, const char *kind)
{
    json_object *ref = mk_json_path(k8s, field);
    if (!ref)
        return strcmp(kind, "ServiceAccount") != 0; /* only the account must be named */
    json_object *obj =
        objects_find(srv, kind_by_kind(kind), mk_json_str(k8s, "namespace") ?: "",
                     mk_json_str(ref, "name") ?: "");
    bool same =
        obj && !strcmp(mk_json_str(obj, "metadata.uid") ?: "", mk_json_str(ref, "uid") ?: "-");
    json_object_put(obj);
    return same;
}

/* A token is for this server when its audiences name it (the issuer, as
 * Kubernetes' default --api-audiences): one made for another audience
 * (`kubectl create token --audience vault`) is that service's to take. */
static bool for_us(json_object *claims)
{
    json_object *aud = mk_json_path(claims, "aud");
    if (json_object_is_type(aud, json_type_string))
        return !strcmp(json_object_get_string(aud), ISSUER);
    for (size_t i = 0;
         json_object_is_type(aud, json_type_array) && i < json_object_array_length(aud); i++)
        if (!strcmp(json_object_get_string(json_object_array_get_idx(aud, i)) ?: "", ISSUER))
            return true;
    return false;
}

int tokenreq_identify(api_server *srv, const char *token, char *user, size_t n, mk_err *err)
{
    json_object *c = srv->token_key_len ? jwt_verify((const unsigned char *)srv->token_key,
                                                     srv->token_key_len, token)
                                        : NULL;
    json_object *k8s = mk_json_path(c, "kubernetes.io");
    bool good = c && mk_json_int(c, "exp", 0) > mk_wall_ms() / 1000 && for_us(c) &&
                still_there(srv, k8s, "serviceaccount", "ServiceAccount") &&
                still_there(srv, k8s, "pod", "Pod") &&
                still_there(srv, k8s, "secret", "Secret");
    if (good)
        snprintf(user, n, "%s", mk_json_str(c, "sub") ?: "");
    json_object_put(c);
    return good ? 0 : mk_error(err, EPERM, "Unauthorized");
}
