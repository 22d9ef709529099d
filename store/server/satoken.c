/* satoken.c - service account tokens (see satoken.h). */
#include "store/server/satoken.h"

#include <stdio.h>
#include <string.h>

#include "store/codec.h"
#include "store/kinds.h"
#include "store/jwt.h"
#include "store/server/objects.h"
#include "store/server/tokenreq.h"
#include "store/util.h"

static bool is_token_secret(json_object *obj)
{
    return strcmp(mk_json_str(obj, "kind") ?: "", "Secret") == 0 &&
           strcmp(mk_json_str(obj, "type") ?: "", SATOKEN_TYPE) == 0;
}

static void set_data(json_object *obj, const char *key, const char *text)
{
    _cleanup_free_ char *b64 = mk_base64_encode(text, strlen(text));
    json_object_object_add(mk_json_ensure(obj, "data"), key, json_object_new_string(b64));
}

void satoken_fill(json_object *secret)
{
    if (!is_token_secret(secret) || mk_json_str(secret, "data.token"))
        return;
    unsigned char raw[32];
    char token[8 + 2 * sizeof raw + 1] = "mk-sa.";
    mk_random_bytes(raw, sizeof raw);
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(token + 6 + 2 * i, 3, "%02x", raw[i]);
    set_data(secret, "token", token);
    set_data(secret, "namespace", mk_json_str(secret, "metadata.namespace") ?: "default");
}

static json_object *get_account(api_server *srv, const char *ns, const char *name)
{
    return objects_find(srv, kind_by_kind("ServiceAccount"), ns, name);
}

typedef struct find {
    const char *b64; /* the token as data.token holds it */
    char ns[64], account[254];
} find;

static int on_secret(void *ctx, const mk_kv *kv)
{
    find *f = ctx;
    /* Most Secrets are not it: look before parsing. */
    if (!strstr(kv->value, f->b64) || !strstr(kv->value, SATOKEN_TYPE))
        return 0;
    json_object *s = json_tokener_parse(kv->value);
    json_object *ann = mk_json_path(s, "metadata.annotations");
    json_object *name = NULL;
    int found = is_token_secret(s) && strcmp(mk_json_str(s, "data.token") ?: "", f->b64) == 0 &&
                json_object_object_get_ex(ann, SATOKEN_ANNOTATION, &name);
    if (found) {
        snprintf(f->ns, sizeof f->ns, "%s", mk_json_str(s, "metadata.namespace") ?: "");
        snprintf(f->account, sizeof f->account, "%s", json_object_get_string(name) ?: "");
    }
    json_object_put(s);
    return found; /* non-zero ends the list */
}

int satoken_identify(api_server *srv, const char *token, char *user, size_t n, mk_err *err)
{
    if (!*token)
        return mk_error(err, EPERM, "Unauthorized");
    if (jwt_looks_like(token))
        return tokenreq_identify(srv, token, user, n, err);
    _cleanup_free_ char *b64 = mk_base64_encode(token, strlen(token));
    find f = {.b64 = b64};
    _cleanup_free_ char *secrets = kind_prefix(kind_by_kind("Secret"), NULL);
    int64_t rev;
    mk_err lerr = {0};
    if (backend_list(srv->be, secrets, on_secret, &f, &rev, &lerr) <= 0)
        return mk_error(err, EPERM, "Unauthorized");
    json_object *sa = get_account(srv, f.ns, f.account);
    if (!sa) /* the account went */
        return mk_error(err, EPERM, "Unauthorized");
    json_object_put(sa);
    snprintf(user, n, "system:serviceaccount:%s:%s", f.ns, f.account);
    return 0;
}

/* ---- pods ---- */

#define VOLUME "kube-api-access"

/* The account's token Secret, made unless there is one. */
static int ensure_secret(api_server *srv, json_object *sa, const char *secret, mk_err *err)
{
    json_object *s = json_object_new_object();
    json_object_object_add(s, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(s, "kind", json_object_new_string("Secret"));
    json_object_object_add(s, "type", json_object_new_string(SATOKEN_TYPE));
    json_object *md = mk_json_ensure(s, "metadata");
    json_object_object_add(md, "name", json_object_new_string(secret));
    json_object_object_add(md, "namespace",
                           json_object_new_string(mk_json_str(sa, "metadata.namespace") ?: ""));
    json_object *ann = mk_json_ensure(md, "annotations");
    json_object_object_add(ann, SATOKEN_ANNOTATION,
                           json_object_new_string(mk_json_str(sa, "metadata.name") ?: ""));
    /* Goes with its account (the garbage collector). */
    mk_set_owner(s, mk_owner_ref(sa, "v1", "ServiceAccount"));
    int rc = objects_put_new(srv, s, err);
    json_object_put(s);
    return rc;
}

static bool mounts_token(json_object *ctr)
{
    json_object *mounts = mk_json_path(ctr, "volumeMounts");
    for (size_t i = 0;
         json_object_is_type(mounts, json_type_array) && i < json_object_array_length(mounts);
         i++) {
        json_object *m = json_object_array_get_idx(mounts, i);
        if (!strcmp(mk_json_str(m, "name") ?: "", VOLUME) ||
            !strcmp(mk_json_str(m, "mountPath") ?: "", SATOKEN_MOUNT))
            return true;
    }
    return false;
}

static void add_mounts(json_object *pod, const char *list)
{
    json_object *ctrs = mk_json_path(pod, list);
    for (size_t i = 0;
         json_object_is_type(ctrs, json_type_array) && i < json_object_array_length(ctrs);
         i++) {
        json_object *c = json_object_array_get_idx(ctrs, i);
        if (mounts_token(c))
            continue;
        json_object *m = json_object_new_object();
        json_object_object_add(m, "name", json_object_new_string(VOLUME));
        json_object_object_add(m, "mountPath", json_object_new_string(SATOKEN_MOUNT));
        json_object_object_add(m, "readOnly", json_object_new_boolean(1));
        json_object *mounts = mk_json_path(c, "volumeMounts");
        if (!json_object_is_type(mounts, json_type_array)) {
            mounts = json_object_new_array();
            json_object_object_add(c, "volumeMounts", mounts);
        }
        json_object_array_add(mounts, m);
    }
}

static void add_volume(json_object *pod, const char *secret)
{
    json_object *spec = mk_json_ensure(pod, "spec");
    json_object *vols = mk_json_path(spec, "volumes");
    if (!json_object_is_type(vols, json_type_array)) {
        vols = json_object_new_array();
        json_object_object_add(spec, "volumes", vols);
    }
    for (size_t i = 0; i < json_object_array_length(vols); i++)
        if (!strcmp(mk_json_str(json_object_array_get_idx(vols, i), "name") ?: "", VOLUME))
            return; /* the pod brings its own */
    json_object *v = json_object_new_object(), *src = json_object_new_object();
    json_object_object_add(v, "name", json_object_new_string(VOLUME));
    json_object_object_add(src, "secretName", json_object_new_string(secret));
    json_object_object_add(src, "defaultMode", json_object_new_int(0644));
    json_object_object_add(v, "secret", src);
    json_object_array_add(vols, v);
    add_mounts(pod, "spec.containers");
    add_mounts(pod, "spec.initContainers");
}

int satoken_admit_pod(api_req *r, json_object *pod, mk_err *err)
{
    if (!r->srv->auth || !mk_json_bool(pod, "spec.automountServiceAccountToken", true))
        return 0;
    const char *ns = mk_json_str(pod, "metadata.namespace") ?: "default";
    const char *name = mk_json_str(pod, "spec.serviceAccountName");
    if (!name || !*name)
        name = mk_json_str(pod, "spec.serviceAccount");
    if (!name || !*name)
        name = "default";
    json_object *sa = get_account(r->srv, ns, name);
    bool pod_says = mk_json_path(pod, "spec.automountServiceAccountToken") != NULL;
    if (!sa || (!pod_says && !mk_json_bool(sa, "automountServiceAccountToken", true))) {
        json_object_put(sa);
        return 0;
    }
    _cleanup_free_ char *secret = xasprintf("%s-token", name);
    int rc = r->dry_run ? 0 : ensure_secret(r->srv, sa, secret, err);
    if (rc == 0) {
        mk_json_set_str(pod, "spec.serviceAccountName", name);
        mk_json_set_str(pod, "spec.serviceAccount", name);
        add_volume(pod, secret);
    }
    json_object_put(sa);
    return rc;
}
