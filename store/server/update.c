/* update.c - PUT and PATCH, on objects and on their status subresource.
 *
 * Both run the same loop: read the current object, build the new one
 * (PUT: the body; PATCH: the current object with the merge patch applied),
 * keep what the server owns, validate, and write with the current revision
 * as the precondition. When the client gave no resourceVersion a conflict
 * only means someone else wrote in between: the loop reads again and
 * retries, as Kubernetes does for patches.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "store/codec.h"
#include "store/defaults.h"
#include "store/server/apply.h"
#include "store/server/clusterip.h"
#include "store/server/finalizers.h"
#include "store/server/jsonpatch.h"
#include "store/server/nslife.h"
#include "store/server/priority.h"
#include "store/server/objects.h"
#include "store/server/quotacheck.h"
#include "store/server/smpatch.h"

#define UPDATE_RETRIES 16

typedef struct update_req {
    const api_route *rt;
    json_object *body; /* PUT: the new object; PATCH: the patch */
    bool patch;
    bool json_patch;    /* RFC 6902 rather than a merge patch */
    bool strategic;     /* a strategic merge patch (smpatch.h) */
    bool apply;         /* a server-side apply (apply.h) */
    bool force;         /* an apply's ?force=true */
    int64_t client_rev; /* metadata.resourceVersion the client sent; 0: none */
    char manager[160];  /* who writes (apply_manager) */
} update_req;

/* The apiVersion the request speaks: its path's. */
static const char *version_of(const api_route *rt)
{
    return rt->served ? rt->served->api_version : rt->kind->api_version;
}

static int client_rev_of(json_object *obj, int64_t *rev, mk_err *err)
{
    json_object *v = mk_json_path(obj, "metadata.resourceVersion");
    *rev = 0;
    if (!v)
        return 0;
    const char *s = json_object_get_string(v);
    if (s && !*s)
        return 0; /* "" is no precondition, as in Kubernetes */
    char *end;
    long long n = strtoll(s ? s : "", &end, 10);
    if (!s || !*s || *end || n < 0)
        return mk_error(err, EBADMSG, "metadata.resourceVersion: invalid value \"%.40s\"",
                        s ? s : "");
    *rev = n;
    return 0;
}

static void copy_field(json_object *dst, json_object *src, const char *field)
{
    json_object *v;
    if (json_object_object_get_ex(src, field, &v))
        json_object_object_add(dst, field, mk_json_copy(v));
    else
        json_object_object_del(dst, field);
}

/* The object a PUT or an apply sends must be the one its path names. */
static int check_url_name(const api_route *rt, json_object *obj, mk_err *err)
{
    const char *name = mk_json_str(obj, "metadata.name");
    if (!name || strcmp(name, rt->name) != 0)
        return mk_error(err, EBADMSG,
                        "the name of the object (%s) does not match the name on "
                        "the URL (%s)",
                        name ? name : "", rt->name);
    return 0;
}

/* Build what will be stored from the client's object; old is current. */
static int settle_update(const update_req *u, json_object *old, json_object **pneu, mk_err *err)
{
    const api_route *rt = u->rt;
    const mk_kind *k = rt->kind;
    json_object *neu = *pneu;
    if (objects_check_kind(rt, neu, err) < 0)
        return -err->code;
    json_object *md = mk_json_ensure(neu, "metadata");
    if (!json_object_is_type(md, json_type_object))
        return mk_error(err, EBADMSG, "metadata: must be an object");
    if (check_url_name(rt, neu, err) < 0)
        return -err->code;
    const char *name = rt->name;
    const char *ns = mk_json_str(md, "namespace");
    if (k->namespaced && ns && *ns && strcmp(ns, rt->ns) != 0)
        return mk_error(err, EBADMSG,
                        "the namespace of the provided object (%s) does not "
                        "match the namespace sent on the request (%s)",
                        ns, rt->ns);
    if (k->namespaced)
        json_object_object_add(md, "namespace", json_object_new_string(rt->ns));
    if (!strcmp(rt->sub, "status") || !strcmp(rt->sub, "ephemeralcontainers")) {
        /* Only status changes through /status, and only the ephemeral
         * containers through /ephemeralcontainers (validation then holds
         * them to additions). */
        json_object *result = mk_json_copy(old);
        if (!strcmp(rt->sub, "status"))
            copy_field(result, neu, "status");
        else
            copy_field(mk_json_ensure(result, "spec"), mk_json_path(neu, "spec"),
                       "ephemeralContainers");
        json_object_put(neu);
        *pneu = neu = result;
        return 0;
    }
    json_object *old_md = mk_json_path(old, "metadata");
    if (!mk_json_str(md, "uid"))
        copy_field(md, old_md, "uid");
    copy_field(md, old_md, "creationTimestamp");
    copy_field(md, old_md, "deletionTimestamp");
    copy_field(md, old_md, "deletionGracePeriodSeconds");
    if (finalizers_check_update(old, neu, err) < 0)
        return mk_error_wrap(err, "%s \"%s\" is invalid", k->kind, name);
    if (!strcmp(k->kind, "Service"))
        clusterip_keep(old, neu);
    else if (!strcmp(k->kind, "Pod"))
        priority_keep(old, neu);
    /* As Kubernetes' pod strategy: ephemeral containers change only
     * through their subresource, whatever an update of the pod says. */
    if (!strcmp(k->kind, "Pod") &&
        json_object_is_type(mk_json_path(neu, "spec"), json_type_object))
        copy_field(mk_json_path(neu, "spec"), mk_json_path(old, "spec"), "ephemeralContainers");
    defaults_apply(k, neu);
    json_object *old_spec = mk_json_path(old, "spec"), *new_spec = mk_json_path(neu, "spec");
    int64_t gen = mk_json_int(old, "metadata.generation", 1);
    if (!json_object_equal(old_spec, new_spec))
        gen++;
    json_object_object_add(md, "generation", json_object_new_int64(gen));
    if (k->has_status) /* status changes only through /status */
        copy_field(neu, old, "status");
    return 0;
}

static int conflict(const mk_kind *k, const char *name, mk_err *err)
{
    char q[96];
    return mk_error(err, ESTALE,
                    "Operation cannot be fulfilled on %s \"%s\": the object has "
                    "been modified; please apply your changes to the latest version and try "
                    "again",
                    objects_qualified(k, q, sizeof q), name);
}

/* *stored: the JSON the store keeps for *out (caller frees), or NULL. */
static int update_once(api_req *r, const update_req *u, json_object **out, char **stored,
                       size_t *stored_len, bool *retry, mk_err *err)
{
    const mk_kind *k = u->rt->kind;
    json_object *old = NULL, *neu = NULL;
    int64_t old_rev;
    *retry = false;
    int rc = objects_load(r->srv, k, u->rt->ns, u->rt->name, &old, &old_rev, err);
    if (rc < 0)
        return rc;
    if (u->client_rev && u->client_rev != old_rev) {
        json_object_put(old);
        return conflict(k, u->rt->name, err);
    }
    neu = mk_json_copy(u->patch ? old : u->body);
    if (u->patch) /* a patch applies to the object as its version shows it */
        objects_convert_out(u->rt, neu);
    if (u->json_patch)
        rc = jsonpatch_apply(neu, u->body, err);
    else if (u->strategic)
        rc = smpatch_apply(neu, u->body, err);
    else if (u->apply)
        rc = apply_merge(neu, u->body, u->manager, version_of(u->rt), u->force, err);
    else if (u->patch)
        mk_json_merge_patch(neu, u->body);
    if (rc == 0 && u->patch)
        rc = objects_convert_in(u->rt, neu, err);
    r->warn = (mk_warnings){0};
    if (rc == 0)
        rc = settle_update(u, old, &neu, err);
    if (rc == 0 && !u->apply && !u->rt->sub[0])
        apply_track_update(old, neu, u->manager, version_of(u->rt));
    if (rc == 0 && !strcmp(k->kind, "PriorityClass"))
        rc = priority_admit_class(r->srv->priorities, old, neu, err);
    if (rc == 0 && validate_update(k, old, neu, &r->warn, err) < 0) {
        r->warn = (mk_warnings){0};
        rc = mk_error_wrap(err, "%s \"%s\" is invalid", k->kind, u->rt->name);
    }
    if (rc == 0)
        validate_normalize(k, neu); /* quantities stored as strings */
    if (rc == 0)
        rc = objects_check_fields(r, err);
    if (rc == 0) {
        _cleanup_free_ char *key = kind_key(k, u->rt->ns, u->rt->name);
        /* The last finalizer taken off an object being deleted removes it. */
        bool ends = finalizers_count(old) > 0 && finalizers_done(neu);
        quota_hold hold = {0};
        if (!ends && !u->rt->sub[0] &&
            quota_admit_update(r, k, u->rt->ns, old, neu, &hold, err) < 0) {
            json_object_put(old);
            json_object_put(neu);
            return -err->code;
        }
        mk_write w = {.op = ends ? MK_WRITE_DELETE : MK_WRITE_UPDATE,
                      .key = key,
                      .obj = neu,
                      .prev = old,
                      .expect_rev = u->client_rev ? u->client_rev : old_rev,
                      .stored = stored,
                      .stored_len = stored_len};
        int64_t rev;
        rc = objects_write(r, &w, &rev, err);
        quota_admit_done(&hold);
        if (rc == -ESTALE) {
            *retry = !u->client_rev;
            rc = conflict(k, u->rt->name, err);
        } else if (rc == -ENOENT) {
            *retry = true; /* deleted in between: the next read says 404 */
        }
    }
    json_object_put(old);
    if (rc < 0) {
        json_object_put(neu);
        return rc;
    }
    *out = neu;
    return 0;
}

/* An apply to an object there is not makes it, its manager owning all of
 * it. */
static enum MHD_Result apply_create(api_req *r, update_req *u)
{
    json_object *obj = u->body;
    json_object *md = mk_json_path(obj, "metadata");
    json_object_object_del(md, "managedFields");
    json_object_object_del(md, "resourceVersion");
    apply_new(obj, u->manager, version_of(u->rt));
    return objects_create_with(r, u->rt, obj);
}

static enum MHD_Result update_run(api_req *r, update_req *u)
{
    mk_err err = {0};
    json_object *out = NULL;
    _cleanup_free_ char *stored = NULL;
    size_t stored_len = 0;
    int rc = -1;
    bool retry = true;
    for (int i = 0; rc < 0 && retry && i < UPDATE_RETRIES; i++)
        rc = update_once(r, u, &out, &stored, &stored_len, &retry, &err);
    if (rc == -ENOENT && u->apply)
        return apply_create(r, u);
    json_object_put(u->body);
    if (rc < 0)
        return api_reply_err(r, &err, u->rt->kind, u->rt->name);
    if (mk_json_str(out, "metadata.deletionTimestamp"))
        nslife_reap(r->srv, u->rt->ns); /* it may have been the namespace's last */
    enum MHD_Result ret = objects_reply_stored(r, 200, u->rt, out, stored, stored_len);
    json_object_put(out);
    return ret;
}

static bool sub_updatable(const api_route *rt)
{
    return !rt->sub[0] || (!strcmp(rt->sub, "status") && rt->kind->has_status) ||
           (!strcmp(rt->sub, "ephemeralcontainers") && !strcmp(rt->kind->kind, "Pod"));
}

enum MHD_Result objects_update(api_req *r, const api_route *rt)
{
    mk_err err = {0};
    if (!rt->name[0] || !sub_updatable(rt))
        return api_fail(r, EOPNOTSUPP, "PUT is not allowed here");
    update_req u = {.rt = rt};
    apply_manager(r, u.manager, sizeof u.manager);
    if (objects_decode_body(r, &u.body, &err) < 0 ||
        client_rev_of(u.body, &u.client_rev, &err) < 0 ||
        objects_convert_in(rt, u.body, &err) < 0) {
        json_object_put(u.body);
        return api_reply_err(r, &err, rt->kind, rt->name);
    }
    return update_run(r, &u);
}

/* A JSON patch is an array, which the manifest decoder refuses. */
static int decode_json_patch(api_req *r, json_object **out, mk_err *err)
{
    json_tokener *tok = json_tokener_new();
    *out = json_tokener_parse_ex(tok, r->body.data ? r->body.data : "", (int)r->body.len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    while (used < r->body.len && strchr(" \t\r\n", r->body.data[used]))
        used++;
    if (!*out || jerr != json_tokener_success || used != r->body.len ||
        !json_object_is_type(*out, json_type_array)) {
        json_object_put(*out);
        *out = NULL;
        return mk_error(err, EBADMSG, "a JSON patch must be a JSON array of operations");
    }
    return 0;
}

/* "application/merge-patch+json; charset=utf-8" is a merge patch. */
static bool media_is(const char *ct, const char *type)
{
    size_t n = strlen(type);
    return ct && strncasecmp(ct, type, n) == 0 &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* The body of an apply: a whole object of the path's kind and name, which
 * is made when there is none. */
static enum MHD_Result apply_patch(api_req *r, update_req *u)
{
    mk_err err = {0};
    const api_route *rt = u->rt;
    const char *force = api_query(r, "force");
    u->apply = true;
    u->force = force && !strcmp(force, "true");
    if (!api_query(r, "fieldManager"))
        mk_error(&err, EBADMSG,
                 "PATCH, application/apply-patch+yaml: fieldManager is required");
    else if (strcmp(rt->sub, ""))
        mk_error(&err, EOPNOTSUPP, "apply is not supported on the %s subresource", rt->sub);
    else if (objects_decode_body(r, &u->body, &err) == 0 &&
             client_rev_of(u->body, &u->client_rev, &err) == 0 &&
             objects_check_kind(rt, u->body, &err) == 0)
        check_url_name(rt, u->body, &err);
    if (err.code) {
        json_object_put(u->body);
        return api_reply_err(r, &err, rt->kind, rt->name);
    }
    return update_run(r, u); /* apply_create when there is no object */
}

enum MHD_Result objects_patch(api_req *r, const api_route *rt)
{
    mk_err err = {0};
    if (!rt->name[0] || !sub_updatable(rt))
        return api_fail(r, EOPNOTSUPP, "PATCH is not allowed here");
    const char *ct = api_header(r, "Content-Type");
    update_req u = {.rt = rt, .patch = true};
    apply_manager(r, u.manager, sizeof u.manager);
    if (media_is(ct, APPLY_MEDIA))
        return apply_patch(r, &u);
    if (media_is(ct, "application/json-patch+json")) {
        u.json_patch = true;
        if (decode_json_patch(r, &u.body, &err) < 0)
            return api_reply_err(r, &err, rt->kind, rt->name);
        return update_run(r, &u);
    }
    if (!media_is(ct, "application/merge-patch+json") &&
        !media_is(ct, "application/strategic-merge-patch+json")) {
        static const char msg[] =
            "the body of the request was in an unknown format - accepted media types "
            "include: application/json-patch+json, application/merge-patch+json, "
            "application/strategic-merge-patch+json, application/apply-patch+yaml";
        _cleanup_free_ char *st =
            status_json(415, "UnsupportedMediaType", msg, rt->kind, rt->name);
        return api_reply_text(r, 415, "application/json", st, strlen(st));
    }
    u.strategic = media_is(ct, "application/strategic-merge-patch+json");
    if (objects_decode_body(r, &u.body, &err) < 0 ||
        client_rev_of(u.body, &u.client_rev, &err) < 0) {
        json_object_put(u.body);
        return api_reply_err(r, &err, rt->kind, rt->name);
    }
    return update_run(r, &u);
}
