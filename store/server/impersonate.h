/* impersonate.h - acting as another user, as Kubernetes lets a client
 * (`kubectl --as=dev`, `--as=system:serviceaccount:team:ci`,
 * `--as-group=system:masters`): the Impersonate-User and Impersonate-Group
 * headers.
 *
 * The caller must be allowed to: verb impersonate on users (core group)
 * named the user, or on the serviceaccounts named by a service account's
 * user name (in its namespace), and on groups named each group. The admin
 * and controller roles may; an rbac user where its roles grant it. The
 * request then runs as that user, judged by RBAC alone (the groups of its
 * name, as auth_groups gives them); with the group system:masters it runs
 * with the admin role, as Kubernetes' system:masters has every power.
 * Other groups are refused: minik8s's RBAC knows only the groups of a
 * user's name.
 */
#ifndef MK_SERVER_IMPERSONATE_H
#define MK_SERVER_IMPERSONATE_H

#include "store/server/apiserver.h"

/* Act as the user the headers name, if any: r->user and r->role change.
 * EACCES when the caller may not, EBADMSG for headers that make no sense. */
int impersonate(api_req *r, mk_err *err);

#endif
