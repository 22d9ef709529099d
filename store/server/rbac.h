/* rbac.h - Kubernetes RBAC, for the token file's rbac users (auth.h).
 *
 * A request is allowed when a rule of some Role or ClusterRole bound to
 * the user, or to one of its groups (auth_groups), allows it:
 * ClusterRoleBindings everywhere, a namespace's RoleBindings inside it.
 * Nothing is cached: each request of an rbac user reads the bindings and
 * the roles they name from the store, which costs little on a small
 * cluster and is never stale. The built-in roles never come here.
 *
 * A ClusterRole with an aggregationRule holds the rules of every
 * ClusterRole its selectors select, as Kubernetes' aggregation controller
 * would write them into it.
 */
#ifndef MK_SERVER_RBAC_H
#define MK_SERVER_RBAC_H

#include <stdbool.h>

#include "store/server/auth.h"

/* 0, or EACCES in Kubernetes' words. */
int rbac_authorize(api_server *srv, const char *user, const auth_attrs *a, mk_err *err);

/* Every rule bound to user at the cluster scope, and in namespace ns
 * when not "": an array of PolicyRules, caller puts. */
int rbac_rules_of(api_server *srv, const char *user, const char *ns, json_object **rules,
                  mk_err *err);

/* May user write obj, a Role, ClusterRole, RoleBinding or
 * ClusterRoleBinding? Kubernetes' escalation check: a role may grant only
 * what the user holds where the role applies (or the user may "escalate"
 * roles); a binding may name only a role whose rules the user holds (or the
 * user may "bind" it). EACCES naming a missing permission. */
int rbac_check_escalation(api_server *srv, const char *user, const mk_kind *k, json_object *obj,
                          mk_err *err);

/* The ClusterRoles a cluster starts with (rbac_roles.c): cluster-admin,
 * admin, edit, view. A JSON array, caller puts. */
json_object *rbac_default_roles(void);

/* Does one PolicyRule allow the request? Resources match as Kubernetes
 * matches them: "*", "pods", "pods/log", "pods/ *" (any subresource) and
 * "* /scale" (without the spaces); resourceNames, when given, only named
 * objects; nonResourceURLs a path or a prefix ending in '*'. */
bool rbac_rule_allows(json_object *rule, const auth_attrs *a);

/* Do rules (an array of PolicyRules) hold every permission rule grants?
 * A "*" is held only by a "*". When not, missing gets one that is not
 * held ("create pods"). */
bool rbac_rules_cover(json_object *rules, json_object *rule, char *missing, size_t n);

#endif
