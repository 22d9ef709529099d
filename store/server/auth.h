/* auth.h - bearer tokens and roles.
 *
 * The token file has one "token,user,role" a line (role admin, controller or
 * node); '#' starts a comment line. What each role may do:
 *   admin       everything
 *   controller  everything but deleting Namespaces
 *   node        get, list and watch every kind; write only nodes (and
 *               nodes/status) and pods/status - what a kubelet reports -
 *               and delete pods (the last step of a graceful deletion)
 * /healthz, /livez, /readyz and /version need no token.
 */
#ifndef MK_SERVER_AUTH_H
#define MK_SERVER_AUTH_H

#include "store/server/apiserver.h"

typedef struct auth auth;

/* Errors name the file and line ("tokens.csv:3: unknown role \"root\""). */
int auth_load(const char *path, auth **out, mk_err *err);
void auth_free(auth *a);

/* Who presents this Authorization header value. EPERM when missing or
 * unknown. *user is borrowed from a. */
int auth_identify(auth *a, const char *authorization, const char **user, api_role *role,
                  mk_err *err);

/* A token to show kubelets, which accept those of this same file: the
 * first admin token (or the first token). Borrowed from a. */
const char *auth_proxy_token(auth *a);

/* May role do verb (get list watch create update patch delete
 * deletecollection) on kind k's subresource sub ("" for the object)?
 * EACCES, in Kubernetes' words, when not. */
int auth_allow(api_role role, const char *user, const char *verb, const mk_kind *k,
               const char *sub, mk_err *err);

#endif
