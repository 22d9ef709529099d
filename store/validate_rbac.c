/* validate_rbac.c - rbac.authorization.k8s.io/v1: Roles, ClusterRoles,
 * RoleBindings and ClusterRoleBindings, as Kubernetes' rbac validation
 * checks them, in its words. Their names are path segments
 * (validate_common.c's check_metadata); defaults.c has already given User
 * and Group subjects and roleRef their apiGroup when they lacked one. */
#include <string.h>

#include "store/codec.h"
#include "store/util.h"
#include "store/validate_impl.h"

#define RBAC_GROUP "rbac.authorization.k8s.io"

/* A rule of non-resource URLs ("/metrics"): a ClusterRole's only, and
 * nothing else in it but verbs. */
static int check_url_rule(json_object *rule, size_t i, bool namespaced, mk_err *err)
{
    json_object *urls = get(rule, "nonResourceURLs");
    vpath p;
    SUBPATH(p, "rules[%zu].nonResourceURLs", i);
    if (namespaced)
        return field_invalid(err, p, urls,
                             "namespaced rules cannot apply to non-resource URLs");
    if (list_len(get(rule, "apiGroups")) || list_len(get(rule, "resources")) ||
        list_len(get(rule, "resourceNames")))
        return field_invalid(err, p, urls,
                             "rules cannot apply to both regular resources and non-resource "
                             "URLs");
    return 0;
}

static int check_rule(json_object *rule, size_t i, bool namespaced, mk_err *err)
{
    vpath p;
    if (!list_len(get(rule, "verbs"))) {
        SUBPATH(p, "rules[%zu].verbs", i);
        return field_required(err, p, "verbs must contain at least one value");
    }
    if (list_len(get(rule, "nonResourceURLs")))
        return check_url_rule(rule, i, namespaced, err);
    bool groups = list_len(get(rule, "apiGroups")) > 0;
    if (!list_len(get(rule, "resources"))) {
        /* A ClusterRole's rule that names nothing could have meant either
         * kind of rule: say both. */
        if (!namespaced && !groups && !list_len(get(rule, "resourceNames"))) {
            SUBPATH(p, "rules[%zu]", i);
            return field_required(err, p,
                                  "rules must supply either resources or nonResourceURLs");
        }
        SUBPATH(p, "rules[%zu].resources", i);
        return field_required(err, p, "resource rules must supply at least one resource");
    }
    if (!groups) {
        SUBPATH(p, "rules[%zu].apiGroups", i);
        return field_required(err, p, "resource rules must supply at least one api group");
    }
    return 0;
}

static int check_rules(json_object *obj, bool namespaced, mk_err *err)
{
    json_object *rules = get(obj, "rules");
    int r;
    for (size_t i = 0; i < list_len(rules); i++)
        if ((r = check_rule(list_at(rules, i), i, namespaced, err)) < 0)
            return r;
    return 0;
}

int validate_role(json_object *obj, mk_err *err)
{
    return check_rules(obj, true, err);
}

/* A ClusterRole may also gather the rules of the ClusterRoles its
 * selectors match (aggregationRule); its own rules may then be empty, as
 * any role's may. */
int validate_clusterrole(json_object *obj, mk_err *err)
{
    int r = check_rules(obj, false, err);
    json_object *agg = get(obj, "aggregationRule");
    if (r < 0 || !agg)
        return r;
    json_object *sels = get(agg, "clusterRoleSelectors");
    if (!list_len(sels))
        return field_required(err, "aggregationRule.clusterRoleSelectors",
                              "at least one clusterRoleSelector required if aggregationRule "
                              "is non-nil");
    for (size_t i = 0; i < list_len(sels); i++) {
        vpath p;
        SUBPATH(p, "aggregationRule.clusterRoleSelectors[%zu]", i);
        if ((r = check_label_selector(list_at(sels, i), p, err)) < 0)
            return r;
    }
    return 0;
}

/* A ClusterRoleBinding may bind only a ClusterRole; a RoleBinding a Role
 * of its namespace or a ClusterRole. */
static int check_role_ref(json_object *obj, bool cluster, mk_err *err)
{
    static const char *const groups[] = {RBAC_GROUP, NULL};
    static const char *const kinds[] = {"Role", "ClusterRole", NULL};
    json_object *ref = get(obj, "roleRef");
    int r;
    if ((r = check_enum(ref, "apiGroup", "roleRef", groups, true, err)) < 0 ||
        (r = check_enum(ref, "kind", "roleRef", cluster ? kinds + 1 : kinds, true, err)) < 0)
        return r;
    const char *name = get_str(ref, "name");
    if (empty_str(name))
        return field_required(err, "roleRef.name", NULL);
    return check_path_segment_name("roleRef.name", name, err);
}

/* A ServiceAccount subject: a name of the core group; a
 * ClusterRoleBinding's must say whose namespace it is in. */
static int check_sa_subject(json_object *s, const char *base, bool cluster, mk_err *err)
{
    static const char *const core[] = {"", NULL};
    vpath p;
    SUBPATH(p, "%s.name", base);
    int r = check_dns_subdomain(p, get_str(s, "name"), err);
    if (r < 0)
        return r;
    const char *group = get_str(s, "apiGroup");
    SUBPATH(p, "%s.apiGroup", base);
    if (!empty_str(group))
        return field_unsupported(err, p, group, core);
    SUBPATH(p, "%s.namespace", base);
    if (cluster && empty_str(get_str(s, "namespace")))
        return field_required(err, p, NULL);
    return 0;
}

static int check_subject(json_object *s, size_t i, bool cluster, mk_err *err)
{
    static const char *const kinds[] = {"ServiceAccount", "User", "Group", NULL};
    static const char *const rbac[] = {RBAC_GROUP, NULL};
    vpath base, p;
    SUBPATH(base, "subjects[%zu]", i);
    SUBPATH(p, "%s.name", base);
    if (empty_str(get_str(s, "name")))
        return field_required(err, p, NULL);
    int r = check_enum(s, "kind", base, kinds, true, err);
    if (r < 0)
        return r;
    if (!strcmp(get_str(s, "kind"), "ServiceAccount"))
        return check_sa_subject(s, base, cluster, err);
    return check_enum(s, "apiGroup", base, rbac, true, err);
}

static int check_binding(json_object *obj, bool cluster, mk_err *err)
{
    int r = check_role_ref(obj, cluster, err);
    json_object *subjects = get(obj, "subjects");
    for (size_t i = 0; r == 0 && i < list_len(subjects); i++)
        r = check_subject(list_at(subjects, i), i, cluster, err);
    return r;
}

int validate_rolebinding(json_object *obj, mk_err *err)
{
    return check_binding(obj, false, err);
}

int validate_clusterrolebinding(json_object *obj, mk_err *err)
{
    return check_binding(obj, true, err);
}

/* The authorizer trusts that a binding grants what it granted when made:
 * to bind another role, make another binding. */
int check_binding_update(json_object *old, json_object *obj, mk_err *err)
{
    static const char *const fields[] = {"roleRef.apiGroup", "roleRef.kind", "roleRef.name"};
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
        if (strcmp(mk_json_str(old, fields[i]) ?: "", mk_json_str(obj, fields[i]) ?: ""))
            return field_invalid(err, "roleRef", get(obj, "roleRef"), "cannot change roleRef");
    return 0;
}
