/* impersonate.c - Impersonate-User and Impersonate-Group (see impersonate.h). */
#include "store/server/impersonate.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "store/server/auth.h"
#include "store/util.h"

/* Resources that are no kind: what impersonation is authorized on. */
static const mk_kind users = {.kind = "User",
                              .group = "",
                              .version = "v1",
                              .api_version = "v1",
                              .resource = "users",
                              .singular = "user"};
static const mk_kind groups = {.kind = "Group",
                               .group = "",
                               .version = "v1",
                               .api_version = "v1",
                               .resource = "groups",
                               .singular = "group"};

typedef struct asked {
    api_req *r;
    bool masters; /* system:masters among the groups */
    int rc;       /* the first refusal */
    mk_err *err;
} asked;

static int may(api_req *r, const mk_kind *k, const char *ns, const char *name, mk_err *err)
{
    auth_attrs a = {.verb = "impersonate", .kind = k, .sub = "", .ns = ns, .name = name};
    return auth_authorize(r->srv, r->role, r->user, &a, err);
}

static enum MHD_Result on_header(void *ctx, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    asked *q = ctx;
    (void)kind;
    if (q->rc < 0 || strcasecmp(key, "Impersonate-Group"))
        return MHD_YES;
    if (strcmp(value, "system:masters"))
        q->rc = mk_error(q->err, EBADMSG,
                         "Impersonate-Group %s: minik8s impersonates no group but "
                         "system:masters",
                         value);
    else if ((q->rc = may(q->r, &groups, "", value, q->err)) == 0)
        q->masters = true;
    return MHD_YES;
}

int impersonate(api_req *r, mk_err *err)
{
    const char *user = api_header(r, "Impersonate-User");
    if (!user) {
        if (api_header(r, "Impersonate-Group") || api_header(r, "Impersonate-Uid"))
            return mk_error(err, EBADMSG, "requested impersonation without a user");
        return 0;
    }
    if (!*user || strlen(user) >= sizeof r->account)
        return mk_error(err, EBADMSG, "Impersonate-User: not a user name");
    /* A service account's name is the account itself, in its namespace. */
    char ns[64] = "";
    const char *name = user;
    const mk_kind *k = &users;
    if (auth_service_account(user, ns, sizeof ns, &name))
        k = kind_by_kind("ServiceAccount");
    if (may(r, k, ns, name, err) < 0)
        return -err->code;
    asked q = {.r = r, .err = err};
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, on_header, &q);
    if (q.rc < 0)
        return q.rc;
    snprintf(r->account, sizeof r->account, "%s", user);
    r->user = r->account;
    r->role = q.masters ? ROLE_ADMIN : ROLE_RBAC;
    return 0;
}
