#include "fs/commit.h"
#include "fs/cache.h"
#include "fs/render.h"
#include "store/codec.h"
#include "store/util.h"
#include "store/validate.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Local validation gives every document's error before anything is
 * created; the API server validates again. */
static int validate_local(const mk_kind *k, json_object *obj, mk_err *err)
{
    return validate_object(k, obj, NULL, err);
}

/* How long a write waits for its own change to reach the cache. */
#define COMMIT_SETTLE_MS 3000

int fs_errno_for(int code)
{
    switch (code) {
    case EBADMSG:
    case EINVAL:
        return EINVAL;
    case ESTALE:
    case EBUSY:
        return EBUSY;
    case EEXIST:
    case ENOENT:
    case EACCES:
    case EFBIG:
        return code;
    case EPERM:
        return EACCES;
    case E2BIG:
        return EFBIG;
    default:
        return EIO;
    }
}

static int fail(mk_err *err)
{
    int e = fs_errno_for(err->code ? err->code : EIO);
    err->code = e;
    return -e;
}

static void settle(const mk_kind *k, json_object *written)
{
    const char *rv = mk_json_str(written, "metadata.resourceVersion");
    if (rv)
        fs_cache_wait_rev(k, mk_json_str(written, "metadata.namespace"),
                          mk_json_str(written, "metadata.name"), strtoll(rv, NULL, 10),
                          COMMIT_SETTLE_MS);
}

/* Check one document for a create and settle its namespace. */
static int check_create_doc(json_object *doc, size_t i, const mk_kind *folder, const char *ns,
                            const mk_kind **kind, mk_err *err)
{
    if (!json_object_is_type(doc, json_type_object))
        return mk_error(err, EINVAL, "document %zu: not a mapping", i + 1);
    const char *av = mk_json_str(doc, "apiVersion"), *kd = mk_json_str(doc, "kind");
    const mk_kind *k = kd ? kind_by_kind(kd) : NULL;
    if (!kd)
        return mk_error(err, EINVAL, "document %zu: kind: Required value", i + 1);
    if (!k)
        return mk_error(err, EINVAL, "document %zu: kind: unknown kind \"%s\"", i + 1, kd);
    if (!av || strcmp(av, k->api_version) != 0)
        return mk_error(err, EINVAL, "document %zu: apiVersion: want \"%s\" for %s, got \"%s\"",
                        i + 1, k->api_version, kd, av ? av : "");
    if (folder && folder != k)
        return mk_error(err, EINVAL,
                        "document %zu: a %s does not belong in the %s folder (use %s/)", i + 1,
                        kd, folder->resource, k->resource);
    if (!folder && ns && !k->namespaced)
        return mk_error(err, EINVAL, "document %zu: %s is cluster-scoped: create it at the top",
                        i + 1, kd);
    const char *name = mk_json_str(doc, "metadata.name");
    if (!name || !mk_is_dns1123_subdomain(name))
        return mk_error(err, EINVAL,
                        "document %zu: metadata.name: \"%s\" is not a DNS-1123 name", i + 1,
                        name ? name : "");
    if (k->namespaced) {
        const char *dns = mk_json_str(doc, "metadata.namespace");
        if (ns && dns && strcmp(dns, ns) != 0)
            return mk_error(err, EINVAL,
                            "document %zu: metadata.namespace \"%s\" does not match the "
                            "folder's namespace \"%s\"",
                            i + 1, dns, ns);
        if (!dns)
            mk_json_set_str(doc, "metadata.namespace", ns ? ns : "default");
    } else {
        json_object *md = mk_json_path(doc, "metadata");
        if (md)
            json_object_object_del(md, "namespace");
    }
    json_object *md = mk_json_path(doc, "metadata");
    if (md)
        json_object_object_del(md, "resourceVersion");
    json_object_object_del(doc, "status");
    if (validate_local(k, doc, err) < 0)
        return mk_error_wrap(err, "document %zu (%s %s)", i + 1, kd, name);
    *kind = k;
    return 0;
}

int fs_commit_create(mk_client *c, const mk_kind *kind, const char *ns, const char *text,
                     size_t len, mk_err *err)
{
    if (len > MK_MAX_OBJECT_BYTES)
        return mk_error(err, EFBIG, "manifest is %zu bytes; the limit is %d", len,
                        MK_MAX_OBJECT_BYTES);
    json_object *docs = NULL;
    if (codec_decode_all(text, len, &docs, err) < 0)
        return fail(err);
    size_t n = json_object_array_length(docs);
    if (n == 0) {
        json_object_put(docs);
        return mk_error(err, EINVAL, "no manifest in the file");
    }
    const mk_kind **kinds = xcalloc(n, sizeof *kinds);
    int r = 0;
    for (size_t i = 0; i < n && r == 0; i++)
        r = check_create_doc(json_object_array_get_idx(docs, i), i, kind, ns, &kinds[i], err);
    for (size_t i = 0; i < n && r == 0; i++) {
        json_object *doc = json_object_array_get_idx(docs, i), *out = NULL;
        r = client_create(c, kinds[i], mk_json_str(doc, "metadata.namespace"), doc, &out, err);
        if (r < 0) {
            if (n > 1)
                mk_error_wrap(err, "document %zu of %zu (%zu created)", i + 1, n, i);
            break;
        }
        settle(kinds[i], out);
        json_object_put(out);
    }
    free(kinds);
    json_object_put(docs);
    return r < 0 ? fail(err) : 0;
}

int fs_commit_manifest(mk_client *c, const fs_path *p, const char *rv, const char *text,
                       size_t len, mk_err *err)
{
    const mk_kind *k = p->kind;
    if (len > MK_MAX_OBJECT_BYTES)
        return mk_error(err, EFBIG, "manifest is %zu bytes; the limit is %d", len,
                        MK_MAX_OBJECT_BYTES);
    json_object *obj = NULL;
    if (codec_decode(text, len, &obj, err) < 0)
        return fail(err);
    int r = 0;
    const char *kd = mk_json_str(obj, "kind"), *av = mk_json_str(obj, "apiVersion");
    const char *name = mk_json_str(obj, "metadata.name");
    const char *ns = mk_json_str(obj, "metadata.namespace");
    if (!kd || strcmp(kd, k->kind) != 0)
        r = mk_error(err, EINVAL, "kind: \"%s\" does not match the folder (%s)", kd ? kd : "",
                     k->kind);
    else if (av && strcmp(av, k->api_version) != 0)
        r = mk_error(err, EINVAL, "apiVersion: want \"%s\", got \"%s\"", k->api_version, av);
    else if (name && strcmp(name, p->name) != 0)
        r = mk_error(err, EINVAL, "metadata.name: cannot change \"%s\" to \"%s\"", p->name,
                     name);
    else if (k->namespaced && ns && strcmp(ns, p->ns) != 0)
        r = mk_error(err, EINVAL, "metadata.namespace: cannot change \"%s\" to \"%s\"", p->ns,
                     ns);
    if (r < 0) {
        json_object_put(obj);
        return fail(err);
    }
    if (!av)
        json_object_object_add(obj, "apiVersion", json_object_new_string(k->api_version));
    mk_json_set_str(obj, "metadata.name", p->name);
    if (k->namespaced)
        mk_json_set_str(obj, "metadata.namespace", p->ns);
    /* The version read at open, whatever the text says: a change made by
     * someone else since then must fail this edit, not be overwritten. */
    mk_json_set_str(obj, "metadata.resourceVersion", rv);
    json_object_object_del(obj, "status");
    json_object *out = NULL;
    r = validate_local(k, obj, err);
    if (r == 0)
        r = client_update(c, k, p->ns, obj, &out, err);
    json_object_put(obj);
    if (r < 0) {
        if (err->code == ESTALE)
            mk_error(err, ESTALE,
                     "%s %s changed since this file was opened (resourceVersion %s): "
                     "re-read it and edit again",
                     k->singular, p->name, rv);
        return fail(err);
    }
    settle(k, out);
    json_object_put(out);
    return 0;
}

static int patch(mk_client *c, const fs_path *p, const char *body, mk_err *err)
{
    json_object *out = NULL;
    if (client_patch(c, p->kind, p->ns, p->name, NULL, body, &out, err) < 0)
        return fail(err);
    settle(p->kind, out);
    json_object_put(out);
    return 0;
}

int fs_commit_labels(mk_client *c, const fs_path *p, const char *text, size_t len, mk_err *err)
{
    json_object *labels = NULL;
    if (fs_labels_parse(text, len, &labels, err) < 0)
        return fail(err);
    json_object *obj = fs_cache_get(p->kind, p->ns, p->name);
    _cleanup_free_ char *body =
        fs_labels_patch(obj ? mk_json_path(obj, "metadata.labels") : NULL, labels);
    json_object_put(obj);
    json_object_put(labels);
    return patch(c, p, body, err);
}

int fs_commit_scale(mk_client *c, const fs_path *p, const char *text, size_t len, mk_err *err)
{
    int64_t n;
    if (fs_scale_parse(text, len, &n, err) < 0)
        return fail(err);
    _cleanup_free_ char *body = xasprintf("{\"spec\":{\"replicas\":%lld}}", (long long)n);
    return patch(c, p, body, err);
}

int fs_commit_file(mk_client *c, const fs_path *p, const char *rv, const char *text, size_t len,
                   mk_err *err)
{
    switch (p->file) {
    case FS_FILE_MANIFEST:
        return fs_commit_manifest(c, p, rv, text, len, err);
    case FS_FILE_LABELS:
        return fs_commit_labels(c, p, text, len, err);
    case FS_FILE_SCALE:
        return fs_commit_scale(c, p, text, len, err);
    default:
        return mk_error(err, EACCES, "%s is read-only", fs_file_name(p->file));
    }
}

int fs_commit_delete(mk_client *c, const fs_path *p, mk_err *err)
{
    json_object *obj = fs_cache_get(p->kind, p->ns, p->name);
    _cleanup_free_ char *uid = obj && mk_json_str(obj, "metadata.uid")
                                   ? xstrdup(mk_json_str(obj, "metadata.uid"))
                                   : NULL;
    json_object_put(obj);
    if (client_delete(c, p->kind, p->ns, p->name, NULL, err) < 0)
        return fail(err);
    fs_cache_wait_gone(p->kind, p->ns, p->name, uid, COMMIT_SETTLE_MS);
    return 0;
}
