/* auth.h - bearer tokens, roles and the authorizer.
 *
 * The token file has one "token,user,role" a line; '#' starts a comment
 * line. What each role may do:
 *   admin       everything
 *   controller  everything but deleting Namespaces
 *   node        get, list and watch every kind; write only nodes (and
 *               nodes/status) and pods/status - what a kubelet reports -
 *               and delete pods (the last step of a graceful deletion)
 *   rbac        what the RBAC Roles and ClusterRoles bound to the user (or
 *               to its groups) grant (rbac.h), as Kubernetes' RBAC decides
 * /healthz, /livez, /readyz and /version need no token; discovery and the
 * self reviews (kubectl auth can-i, whoami) need one of any role.
 */
#ifndef MK_SERVER_AUTH_H
#define MK_SERVER_AUTH_H

#include "store/server/apiserver.h"
#include "store/server/route.h"

typedef struct auth auth;

/* Errors name the file and line ("tokens.csv:3: unknown role \"root\""). */
int auth_load(const char *path, auth **out, mk_err *err);
void auth_free(auth *a);

/* The token of an Authorization header value ("Bearer T"), or NULL. */
const char *auth_bearer(const char *authorization);

/* Who presents this Authorization header value. EPERM when missing or
 * unknown. *user is borrowed from a. */
int auth_identify(auth *a, const char *authorization, const char **user, api_role *role,
                  mk_err *err);

/* A token to show kubelets, which accept those of this same file: the
 * first admin token (or the first token). Borrowed from a. */
const char *auth_proxy_token(auth *a);

/* What a request asks to do, as Kubernetes' authorizers see it. */
typedef struct auth_attrs {
    const char *verb;    /* get list watch create update patch delete deletecollection;
                          * for a path: the method in lower case */
    const mk_kind *kind; /* the resource (group and plural); NULL: a path */
    const char *sub;     /* subresource, "" for the object */
    const char *ns;      /* "" at the cluster scope */
    const char *name;    /* "" for a collection */
    const char *path;    /* a non-resource request's path */
} auth_attrs;

/* The attributes of a request to a routed resource. */
auth_attrs auth_attrs_of(const char *verb, const api_route *rt);

/* May the user of role do it? EACCES, in Kubernetes' words, when not. The
 * rbac role reads the store. */
int auth_authorize(api_server *srv, api_role role, const char *user, const auth_attrs *a,
                   mk_err *err);

/* Whether user is a service account's name, system:serviceaccount:NS:NAME:
 * then NS goes into ns (n bytes; false when it does not fit) and *name
 * points at NAME within user. */
bool auth_service_account(const char *user, char *ns, size_t n, const char **name);

/* The groups Kubernetes would put the user in (system:authenticated,
 * system:masters for admin, system:nodes, system:serviceaccounts[:ns] for
 * a user named system:serviceaccount:ns:name), into out (at most 4).
 * Borrowed from user or static. Returns how many. */
size_t auth_groups(api_role role, const char *user, const char **out, char *buf, size_t n);

/* The built-in role's powers as PolicyRules (a JSON array, caller puts),
 * for kubectl auth can-i --list; *note says what the rules cannot ("" if
 * nothing). Not for the rbac role (rbac_rules_of). */
json_object *auth_role_rules(api_role role, const char **note);

/* The EACCES message Kubernetes gives for a denied request. */
int auth_forbidden(const char *user, const auth_attrs *a, mk_err *err);

#endif
