/* review.h - "may I?", "what may I?" and "who am I?": the
 * SelfSubjectAccessReview and SelfSubjectRulesReview
 * (authorization.k8s.io/v1) that `kubectl auth can-i [--list]` creates and
 * the SelfSubjectReview (authentication.k8s.io/v1) of `kubectl auth whoami`.
 *
 * Nothing is stored: the reply is the request with its status filled from
 * the caller's token, by the same rules that allow or refuse its requests
 * (auth_authorize; an rbac user's bound rules). The health, version,
 * discovery and openapi paths are open to everyone authenticated.
 */
#ifndef MK_SERVER_REVIEW_H
#define MK_SERVER_REVIEW_H

#include <stdbool.h>

#include "store/server/apiserver.h"

/* If r is a create of one of the reviews, reply and return true. */
bool review_serve(api_req *r, enum MHD_Result *ret);

#endif
