/* tokenreq.h - serviceaccounts/{name}/token: Kubernetes' TokenRequest,
 * what `kubectl create token NAME [--duration 2h] [--bound-object-kind Pod
 * --bound-object-name P]` asks for.
 *
 * The token is a JWT (store/jwt.h) the API server signs with a key it
 * keeps in the store (Secret kube-system/minik8s-token-signing-key, made
 * at the first start, so every server over one store signs alike). It
 * names the account by name and uid and expires: it is good while it has
 * not expired, the account is the same account (deleted and made again, it
 * is not), and the object it is bound to, if any (a Pod or a Secret), is
 * still there. Unlike a token Secret's, nothing is stored per token.
 */
#ifndef MK_SERVER_TOKENREQ_H
#define MK_SERVER_TOKENREQ_H

#include <stddef.h>

#include "store/server/apiserver.h"
#include "store/server/route.h"

/* Load the signing key, made first when the store has none. */
int tokenreq_init(api_server *srv, mk_err *err);
/* POST serviceaccounts/{name}/token. */
enum MHD_Result tokenreq_serve(api_req *r, const api_route *rt);
/* The user that presents a TokenRequest token: 0 with
 * "system:serviceaccount:NS:NAME" in user; EPERM when it is not one of
 * ours or no longer good. */
int tokenreq_identify(api_server *srv, const char *token, char *user, size_t n, mk_err *err);

#endif
