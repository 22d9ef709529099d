#include "gpu/target.h"

#include <openssl/evp.h>
#include <string.h>

#include "store/codec.h"
#include "store/util.h"

int gpu_b64_decode(const char *in, char **out, size_t *len)
{
    size_t n = strlen(in);
    unsigned char *buf = xmalloc(n / 4 * 3 + 4);
    EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
    int total = 0, part = 0;
    EVP_DecodeInit(ctx);
    /* EVP_DecodeUpdate skips whitespace and newlines, as base64 -d does. */
    int ok = EVP_DecodeUpdate(ctx, buf, &part, (const unsigned char *)in, (int)n) >= 0;
    total = part;
    ok = ok && EVP_DecodeFinal(ctx, buf + total, &part) == 1;
    total += part;
    EVP_ENCODE_CTX_free(ctx);
    if (!ok) {
        free(buf);
        return -1;
    }
    buf[total] = '\0';
    *out = (char *)buf;
    *len = (size_t)total;
    return 0;
}

/* A decoded text value of the Secret; NULL if absent. */
static int gpu_secret_text(json_object *secret, const char *key, bool required, char **out,
                           mk_err *err)
{
    const char *name = mk_json_str(secret, "metadata.name") ?: "?";
    json_object *data = mk_json_path(secret, "data");
    json_object *v = data ? json_object_object_get(data, key) : NULL;
    /* stringData is accepted too, for Secrets written by hand. */
    json_object *sd = mk_json_path(secret, "stringData");
    json_object *plain = sd ? json_object_object_get(sd, key) : NULL;
    *out = NULL;
    if (plain && json_object_is_type(plain, json_type_string)) {
        *out = xstrdup(json_object_get_string(plain));
        return 0;
    }
    if (!v || !json_object_is_type(v, json_type_string)) {
        if (!required)
            return 0;
        return mk_error(err, EINVAL, "secret %s: data.%s: Required value", name, key);
    }
    size_t len;
    if (gpu_b64_decode(json_object_get_string(v), out, &len) < 0)
        return mk_error(err, EINVAL, "secret %s: data.%s: not base64", name, key);
    if (strlen(*out) != len) {
        free(steal_pointer(out));
        return mk_error(err, EINVAL, "secret %s: data.%s: contains a NUL byte", name, key);
    }
    return 0;
}

/* Host names and user names go to libssh only, but keep them sane. */
static void gpu_trim(char *s)
{
    size_t n = s ? strlen(s) : 0;
    while (n > 0 && strchr(" \t\r\n", s[n - 1]))
        s[--n] = '\0';
}

int gpu_target_from_secret(json_object *secret, gpu_target *t, mk_err *err)
{
    memset(t, 0, sizeof *t);
    _cleanup_free_ char *port = NULL;
    int rc;
    if ((rc = gpu_secret_text(secret, "host", true, &t->host, err)) < 0 ||
        (rc = gpu_secret_text(secret, "user", true, &t->user, err)) < 0 ||
        (rc = gpu_secret_text(secret, "privateKey", true, &t->private_key, err)) < 0 ||
        (rc = gpu_secret_text(secret, "knownHosts", true, &t->known_hosts, err)) < 0 ||
        (rc = gpu_secret_text(secret, "port", false, &port, err)) < 0) {
        gpu_target_free(t);
        return rc;
    }
    gpu_trim(t->host);
    gpu_trim(t->user);
    gpu_trim(port);
    t->port = 22;
    if (port) {
        char *end;
        long p = strtol(port, &end, 10);
        if (*end || p < 1 || p > 65535) {
            gpu_target_free(t);
            return mk_error(err, EINVAL, "secret %s: data.port: not a port number",
                            mk_json_str(secret, "metadata.name") ?: "?");
        }
        t->port = (int)p;
    }
    return 0;
}

void gpu_target_free(gpu_target *t)
{
    if (t->private_key)
        explicit_bzero(t->private_key, strlen(t->private_key));
    free(t->host);
    free(t->user);
    free(t->private_key);
    free(t->known_hosts);
    memset(t, 0, sizeof *t);
}

hpc_target gpu_target_view(const gpu_target *t)
{
    return (hpc_target){t->host, t->port, t->user, t->private_key, t->known_hosts};
}
