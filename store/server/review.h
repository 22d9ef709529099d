/* review.h - "may I?" and "who am I?": the SelfSubjectAccessReview
 * (authorization.k8s.io/v1) that `kubectl auth can-i` creates and the
 * SelfSubjectReview (authentication.k8s.io/v1) of `kubectl auth whoami`.
 *
 * Nothing is stored: the reply is the request with its status filled from
 * the caller's token, by the same rules that allow or refuse its requests
 * (auth_allow). Non-resource paths: the health, version, discovery and
 * openapi paths are open to everyone authenticated, the rest to admins.
 */
#ifndef MK_SERVER_REVIEW_H
#define MK_SERVER_REVIEW_H

#include <stdbool.h>

#include "store/server/apiserver.h"

/* If r is a create of one of the two reviews, reply and return true. */
bool review_serve(api_req *r, enum MHD_Result *ret);

#endif
