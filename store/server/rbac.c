/* rbac.c - the RBAC authorizer and escalation check (see rbac.h). */
#include "store/server/rbac.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "store/codec.h"
#include "store/kinds.h"
#include "store/selector.h"
#include "store/server/objects.h"
#include "store/util.h"

#define RBAC_GROUP "rbac.authorization.k8s.io"

/* ---- one rule ---- */

static const char *at(json_object *list, size_t i)
{
    return json_object_get_string(json_object_array_get_idx(list, i)) ?: "";
}

static bool has_exact(json_object *list, const char *s)
{
    for (size_t i = 0; i < mk_json_array_len(list); i++)
        if (strcmp(at(list, i), s) == 0)
            return true;
    return false;
}

/* s, or everything ("*"). */
static bool has(json_object *list, const char *s)
{
    return has_exact(list, "*") || has_exact(list, s);
}

static bool resource_matches(json_object *resources, const char *res, const char *sub)
{
    for (size_t i = 0; i < mk_json_array_len(resources); i++) {
        const char *r = at(resources, i);
        size_t n = strlen(res);
        if (strcmp(r, "*") == 0)
            return true;
        if (!*sub && strcmp(r, res) == 0)
            return true;
        if (*sub && strncmp(r, res, n) == 0 && r[n] == '/' &&
            (strcmp(r + n + 1, sub) == 0 || strcmp(r + n + 1, "*") == 0))
            return true;
        if (*sub && strncmp(r, "*/", 2) == 0 && strcmp(r + 2, sub) == 0)
            return true;
    }
    return false;
}

static bool path_matches(json_object *urls, const char *path)
{
    for (size_t i = 0; i < mk_json_array_len(urls); i++) {
        const char *u = at(urls, i);
        size_t n = strlen(u);
        if (strcmp(u, path) == 0 || (n && u[n - 1] == '*' && strncmp(u, path, n - 1) == 0))
            return true;
    }
    return false;
}

bool rbac_rule_allows(json_object *rule, const auth_attrs *a)
{
    if (!has(mk_json_path(rule, "verbs"), a->verb))
        return false;
    if (!a->kind)
        return path_matches(mk_json_path(rule, "nonResourceURLs"), a->path ? a->path : "");
    json_object *names = mk_json_path(rule, "resourceNames");
    return has(mk_json_path(rule, "apiGroups"), a->kind->group) &&
           resource_matches(mk_json_path(rule, "resources"), a->kind->resource, a->sub) &&
           (mk_json_array_len(names) == 0 || (*a->name && has_exact(names, a->name)));
}

static bool rules_allow(json_object *rules, const auth_attrs *a)
{
    for (size_t i = 0; i < mk_json_array_len(rules); i++)
        if (rbac_rule_allows(json_object_array_get_idx(rules, i), a))
            return true;
    return false;
}

/* ---- what one rule grants, piece by piece ---- */

/* One permission a rule grants: a verb on a path, or on one group's
 * resource (and name). */
typedef struct grant {
    const char *verb, *group, *resource, *name, *path;
} grant;

/* r as a rule names it ("pods", "pods/log", "pods/ *"): a wildcard is
 * held only by the same wildcard or "*". */
static bool resource_held(json_object *owned, const char *r)
{
    if (has(owned, r))
        return true;
    const char *slash = strchr(r, '/');
    if (!slash || strcmp(slash + 1, "*") == 0 || strncmp(r, "*/", 2) == 0)
        return false;
    char res[256];
    snprintf(res, sizeof res, "%.*s", (int)(slash - r), r);
    return resource_matches(owned, res, slash + 1);
}

static bool grant_held_by(json_object *owner, const grant *g)
{
    if (!has(mk_json_path(owner, "verbs"), g->verb))
        return false;
    if (g->path)
        return path_matches(mk_json_path(owner, "nonResourceURLs"), g->path);
    json_object *names = mk_json_path(owner, "resourceNames");
    return has(mk_json_path(owner, "apiGroups"), g->group) &&
           resource_held(mk_json_path(owner, "resources"), g->resource) &&
           (mk_json_array_len(names) == 0 || (g->name && has_exact(names, g->name)));
}

static bool grant_held(json_object *rules, const grant *g, char *missing, size_t n)
{
    for (size_t i = 0; i < mk_json_array_len(rules); i++)
        if (grant_held_by(json_object_array_get_idx(rules, i), g))
            return true;
    /* As Kubernetes prints a PolicyRule. */
    if (g->path)
        snprintf(missing, n, "{NonResourceURLs:[\"%s\"], Verbs:[\"%s\"]}", g->path, g->verb);
    else
        snprintf(missing, n, "{APIGroups:[\"%s\"], Resources:[\"%s\"], %s%s%sVerbs:[\"%s\"]}",
                 g->group, g->resource, g->name ? "ResourceNames:[\"" : "",
                 g->name ? g->name : "", g->name ? "\"], " : "", g->verb);
    return false;
}

bool rbac_rules_cover(json_object *rules, json_object *rule, char *missing, size_t n)
{
    json_object *verbs = mk_json_path(rule, "verbs"),
                *urls = mk_json_path(rule, "nonResourceURLs");
    json_object *groups = mk_json_path(rule, "apiGroups"),
                *res = mk_json_path(rule, "resources");
    json_object *names = mk_json_path(rule, "resourceNames");
    for (size_t v = 0; v < mk_json_array_len(verbs); v++) {
        grant g = {.verb = at(verbs, v)};
        for (size_t u = 0; u < mk_json_array_len(urls); u++) {
            g.path = at(urls, u);
            if (!grant_held(rules, &g, missing, n))
                return false;
        }
        g.path = NULL;
        for (size_t gi = 0; gi < mk_json_array_len(groups); gi++)
            for (size_t r = 0; r < mk_json_array_len(res); r++)
                for (size_t i = 0;
                     i < (mk_json_array_len(names) ? mk_json_array_len(names) : 1); i++) {
                    g.group = at(groups, gi);
                    g.resource = at(res, r);
                    g.name = mk_json_array_len(names) ? at(names, i) : NULL;
                    if (!grant_held(rules, &g, missing, n))
                        return false;
                }
    }
    return true;
}

/* ---- the rules bound to a user ---- */

typedef struct who {
    const char *user;
    const char *groups[4];
    size_t ngroups;
    char buf[300]; /* a group's name (auth_groups) */
} who;

static void who_init(who *w, const char *user)
{
    w->user = user;
    w->ngroups = auth_groups(ROLE_RBAC, user, w->groups, w->buf, sizeof w->buf);
}

static bool subject_is(const who *w, json_object *s, const char *binding_ns)
{
    const char *kind = mk_json_str(s, "kind") ?: "", *name = mk_json_str(s, "name") ?: "";
    if (strcmp(kind, "User") == 0)
        return strcmp(name, w->user) == 0;
    if (strcmp(kind, "Group") == 0) {
        for (size_t i = 0; i < w->ngroups; i++)
            if (strcmp(name, w->groups[i]) == 0)
                return true;
        return false;
    }
    if (strcmp(kind, "ServiceAccount") != 0)
        return false;
    const char *ns = mk_json_str(s, "namespace");
    char sa[600];
    snprintf(sa, sizeof sa, "system:serviceaccount:%s:%s", ns && *ns ? ns : binding_ns, name);
    return strcmp(sa, w->user) == 0;
}

/* The roles the user's bindings name, gathered while listing (a list's
 * callback may not read the store again). */
typedef struct refs {
    const who *w;
    json_object *found; /* [{kind, name, namespace}] */
} refs;

static int on_binding(void *ctx, json_object *b)
{
    refs *rf = ctx;
    const char *ns = mk_json_str(b, "metadata.namespace") ?: "";
    json_object *subjects = mk_json_path(b, "subjects");
    for (size_t i = 0; i < mk_json_array_len(subjects); i++) {
        if (!subject_is(rf->w, json_object_array_get_idx(subjects, i), ns))
            continue;
        json_object *ref = json_object_new_object();
        json_object_object_add(ref, "kind",
                               json_object_new_string(mk_json_str(b, "roleRef.kind") ?: ""));
        json_object_object_add(ref, "name",
                               json_object_new_string(mk_json_str(b, "roleRef.name") ?: ""));
        json_object_object_add(ref, "namespace", json_object_new_string(ns));
        json_object_array_add(rf->found, ref);
        break;
    }
    return 0;
}

typedef struct aggregate {
    json_object *selectors, *rules;
} aggregate;

static void add_rules(json_object *rules, json_object *role)
{
    json_object *r = mk_json_path(role, "rules");
    for (size_t i = 0; i < mk_json_array_len(r); i++)
        json_object_array_add(rules, json_object_get(json_object_array_get_idx(r, i)));
}

static int on_aggregated(void *ctx, json_object *role)
{
    aggregate *ag = ctx;
    json_object *labels = mk_json_path(role, "metadata.labels");
    for (size_t i = 0; i < mk_json_array_len(ag->selectors); i++)
        if (labels &&
            selector_object_selects(json_object_array_get_idx(ag->selectors, i), labels)) {
            add_rules(ag->rules, role);
            break;
        }
    return 0;
}

/* The rules of a role object into rules: its own, or those it aggregates. */
static int role_rules(api_server *srv, json_object *role, json_object *rules, mk_err *err)
{
    json_object *sel = mk_json_path(role, "aggregationRule.clusterRoleSelectors");
    if (!sel) {
        add_rules(rules, role);
        return 0;
    }
    aggregate ag = {sel, rules};
    return objects_each(srv, kind_by_kind("ClusterRole"), NULL, on_aggregated, &ag, err) < 0
               ? -err->code
               : 0;
}

/* The role a roleRef names (a Role in the binding's namespace ns). */
static json_object *ref_role(api_server *srv, const char *kind, const char *name,
                             const char *ns)
{
    bool cluster = strcmp(kind, "ClusterRole") == 0;
    if (!cluster && strcmp(kind, "Role") != 0)
        return NULL;
    /* gone: it grants nothing */
    return objects_find(srv, kind_by_kind(kind), cluster ? NULL : ns, name);
}

/* Every rule bound to w at the cluster scope, and in ns when not "". */
static int bound_rules(api_server *srv, const who *w, const char *ns, json_object **out,
                       mk_err *err)
{
    refs rf = {w, json_object_new_array()};
    int rc = objects_each(srv, kind_by_kind("ClusterRoleBinding"), NULL, on_binding, &rf, err);
    if (rc == 0 && *ns)
        rc = objects_each(srv, kind_by_kind("RoleBinding"), ns, on_binding, &rf, err);
    json_object *rules = json_object_new_array();
    for (size_t i = 0; rc == 0 && i < mk_json_array_len(rf.found); i++) {
        json_object *ref = json_object_array_get_idx(rf.found, i);
        json_object *role = ref_role(srv, mk_json_str(ref, "kind"), mk_json_str(ref, "name"),
                                     mk_json_str(ref, "namespace"));
        if (role) /* a binding to a role that is not there grants nothing */
            rc = role_rules(srv, role, rules, err);
        json_object_put(role);
    }
    json_object_put(rf.found);
    if (rc < 0) {
        json_object_put(rules);
        return rc;
    }
    *out = rules;
    return 0;
}

int rbac_rules_of(api_server *srv, const char *user, const char *ns, json_object **rules,
                  mk_err *err)
{
    who w;
    who_init(&w, user);
    return bound_rules(srv, &w, ns, rules, err);
}

int rbac_authorize(api_server *srv, const char *user, const auth_attrs *a, mk_err *err)
{
    who w;
    who_init(&w, user);
    json_object *rules;
    if (bound_rules(srv, &w, a->kind ? a->ns : "", &rules, err) < 0)
        return -err->code;
    bool ok = rules_allow(rules, a);
    json_object_put(rules);
    return ok ? 0 : auth_forbidden(user, a, err);
}

/* ---- escalation ---- */

static int not_held(const char *user, const mk_kind *k, json_object *obj, const char *missing,
                    mk_err *err)
{
    return mk_error(err, EACCES,
                    "%s." RBAC_GROUP " \"%s\" is forbidden: user \"%s\" is attempting to grant "
                    "RBAC permissions not currently held: %s",
                    k->resource, mk_json_str(obj, "metadata.name") ?: "", user, missing);
}

int rbac_check_escalation(api_server *srv, const char *user, const mk_kind *k, json_object *obj,
                          mk_err *err)
{
    bool binding =
        strcmp(k->kind, "RoleBinding") == 0 || strcmp(k->kind, "ClusterRoleBinding") == 0;
    if (!binding && strcmp(k->kind, "Role") != 0 && strcmp(k->kind, "ClusterRole") != 0)
        return 0;
    const char *ns = k->namespaced ? mk_json_str(obj, "metadata.namespace") ?: "" : "";
    who w;
    who_init(&w, user);
    json_object *held, *granted = json_object_new_array();
    if (bound_rules(srv, &w, ns, &held, err) < 0) {
        json_object_put(granted);
        return -err->code;
    }
    /* The verb that lets a user skip the check: escalate on the role
     * itself, bind on the role a binding names. */
    const char *ref_kind = mk_json_str(obj, "roleRef.kind") ?: "";
    const char *ref_name = mk_json_str(obj, "roleRef.name") ?: "";
    auth_attrs skip = {.verb = binding ? "bind" : "escalate",
                       .kind = binding ? kind_by_kind(ref_kind) : k, .sub = "", .ns = ns,
                       .name = binding ? ref_name : mk_json_str(obj, "metadata.name") ?: ""};
    int rc = 0;
    if (skip.kind && rules_allow(held, &skip))
        goto out;
    json_object *role = binding ? ref_role(srv, ref_kind, ref_name, ns) : obj;
    if (role)
        rc = role_rules(srv, role, granted, err);
    if (binding)
        json_object_put(role);
    char missing[300];
    for (size_t i = 0; rc == 0 && i < mk_json_array_len(granted); i++)
        if (!rbac_rules_cover(held, json_object_array_get_idx(granted, i), missing,
                              sizeof missing))
            rc = not_held(user, k, obj, missing, err);
out:
    json_object_put(held);
    json_object_put(granted);
    return rc;
}
