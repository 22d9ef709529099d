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

#define VOLUME_PREFIX "kube-api-access-"

static bool mounts_token(json_object *ctr)
{
    json_object *mounts = mk_json_path(ctr, "volumeMounts");
    for (size_t i = 0;
         json_object_is_type(mounts, json_type_array) && i < json_object_array_length(mounts);
         i++) {
        json_object *m = json_object_array_get_idx(mounts, i);
        if (!strcmp(mk_json_str(m, "mountPath") ?: "", SATOKEN_MOUNT))
            return true;
    }
    return false;
}

static void add_mounts(json_object *pod, const char *list, const char *volume)
{
    json_object *ctrs = mk_json_path(pod, list);
    for (size_t i = 0;
         json_object_is_type(ctrs, json_type_array) && i < json_object_array_length(ctrs);
         i++) {
        json_object *c = json_object_array_get_idx(ctrs, i);
        if (mounts_token(c))
            continue;
        json_object *m = json_object_new_object();
        json_object_object_add(m, "name", json_object_new_string(volume));
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

static bool has_volume(json_object *vols, const char *name)
{
    for (size_t i = 0; i < json_object_array_length(vols); i++)
        if (!strcmp(mk_json_str(json_object_array_get_idx(vols, i), "name") ?: "", name))
            return true;
    return false;
}

/* Kubernetes' kube-api-access volume, source by source. */
static json_object *api_access_sources(void)
{
    _cleanup_free_ char *text =
        xasprintf("[{\"serviceAccountToken\":{\"expirationSeconds\":%d,\"path\":\"token\"}},"
                  "{\"configMap\":{\"name\":\"%s\",\"items\":[{\"key\":\"ca.crt\",\"path\":"
                  "\"ca.crt\"}]}},"
                  "{\"downwardAPI\":{\"items\":[{\"path\":\"namespace\",\"fieldRef\":{"
                  "\"apiVersion\":\"v1\",\"fieldPath\":\"metadata.namespace\"}}]}}]",
                  SATOKEN_TTL, SATOKEN_ROOT_CA);
    return json_tokener_parse(text);
}

static void add_volume(json_object *pod)
{
    json_object *spec = mk_json_ensure(pod, "spec");
    json_object *vols = mk_json_path(spec, "volumes");
    if (!json_object_is_type(vols, json_type_array)) {
        vols = json_object_new_array();
        json_object_object_add(spec, "volumes", vols);
    }
    char name[sizeof VOLUME_PREFIX + MK_NAME_SUFFIX];
    do {
        char suffix[MK_NAME_SUFFIX + 1];
        mk_name_suffix(suffix);
        snprintf(name, sizeof name, VOLUME_PREFIX "%s", suffix);
    } while (has_volume(vols, name));
    json_object *v = json_object_new_object(), *src = json_object_new_object();
    json_object_object_add(v, "name", json_object_new_string(name));
    json_object_object_add(src, "sources", api_access_sources());
    json_object_object_add(src, "defaultMode", json_object_new_int(0644));
    json_object_object_add(v, "projected", src);
    json_object_array_add(vols, v);
    add_mounts(pod, "spec.containers", name);
    add_mounts(pod, "spec.initContainers", name);
}

void satoken_admit_pod(api_req *r, json_object *pod)
{
    if (!r->srv->auth || !mk_json_bool(pod, "spec.automountServiceAccountToken", true))
        return;
    const char *ns = mk_json_str(pod, "metadata.namespace") ?: "default";
    const char *name = mk_json_str(pod, "spec.serviceAccountName");
    if (!name || !*name)
        name = mk_json_str(pod, "spec.serviceAccount");
    if (!name || !*name)
        name = "default";
    json_object *sa = get_account(r->srv, ns, name);
    bool pod_says = mk_json_path(pod, "spec.automountServiceAccountToken") != NULL;
    if (sa && (pod_says || mk_json_bool(sa, "automountServiceAccountToken", true))) {
        mk_json_set_str(pod, "spec.serviceAccountName", name);
        mk_json_set_str(pod, "spec.serviceAccount", name);
        add_volume(pod);
    }
    json_object_put(sa);
}
