/* satoken.c - service account tokens (see satoken.h). */
#include "store/server/satoken.h"

#include <stdio.h>
#include <string.h>

#include "store/codec.h"
#include "store/kinds.h"
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

int satoken_identify(mk_backend *be, const char *token, char *user, size_t n, mk_err *err)
{
    if (!*token)
        return mk_error(err, EPERM, "Unauthorized");
    _cleanup_free_ char *b64 = mk_base64_encode(token, strlen(token));
    find f = {.b64 = b64};
    _cleanup_free_ char *secrets = kind_prefix(kind_by_kind("Secret"), NULL);
    int64_t rev;
    mk_err lerr = {0};
    if (backend_list(be, secrets, on_secret, &f, &rev, &lerr) <= 0)
        return mk_error(err, EPERM, "Unauthorized");
    _cleanup_free_ char *key = kind_key(kind_by_kind("ServiceAccount"), f.ns, f.account);
    _cleanup_free_ char *sa = NULL;
    size_t len;
    if (backend_get(be, key, &sa, &len, &rev, &lerr) < 0) /* the account went */
        return mk_error(err, EPERM, "Unauthorized");
    snprintf(user, n, "system:serviceaccount:%s:%s", f.ns, f.account);
    return 0;
}
