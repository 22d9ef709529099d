/* auth.c - the token table (uthash) and the role rules of auth.h. */
#include "store/server/auth.h"

#include "store/server/rbac.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <uthash.h>

typedef struct token_entry {
    char *token;
    char *user;
    api_role role;
    UT_hash_handle hh;
} token_entry;

struct auth {
    token_entry *tokens;
};

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

static int role_parse(const char *s, api_role *role)
{
    if (strcmp(s, "admin") == 0)
        *role = ROLE_ADMIN;
    else if (strcmp(s, "controller") == 0)
        *role = ROLE_CONTROLLER;
    else if (strcmp(s, "node") == 0)
        *role = ROLE_NODE;
    else if (strcmp(s, "rbac") == 0)
        *role = ROLE_RBAC;
    else
        return -1;
    return 0;
}

static int auth_add_line(auth *a, char *line, const char *path, int lineno, mk_err *err)
{
    char *save = NULL;
    char *tok = strtok_r(line, ",", &save);
    char *user = strtok_r(NULL, ",", &save);
    char *role_s = strtok_r(NULL, ",", &save);
    if (!tok || !user || !role_s)
        return mk_error(err, EINVAL, "%s:%d: expected token,user,role", path, lineno);
    tok = trim(tok);
    user = trim(user);
    role_s = trim(role_s);
    api_role role;
    if (role_parse(role_s, &role) < 0)
        return mk_error(err, EINVAL,
                        "%s:%d: unknown role \"%s\" (admin, controller, node or rbac)", path,
                        lineno, role_s);
    if (!*tok || !*user)
        return mk_error(err, EINVAL, "%s:%d: empty token or user", path, lineno);
    token_entry *e;
    HASH_FIND_STR(a->tokens, tok, e);
    if (e)
        return mk_error(err, EINVAL, "%s:%d: token listed twice", path, lineno);
    e = xcalloc(1, sizeof *e);
    e->token = xstrdup(tok);
    e->user = xstrdup(user);
    e->role = role;
    HASH_ADD_KEYPTR(hh, a->tokens, e->token, strlen(e->token), e);
    return 0;
}

int auth_load(const char *path, auth **out, mk_err *err)
{
    _cleanup_free_ char *text = NULL;
    if (mk_read_file(path, 1 << 20, &text, NULL, err) < 0)
        return mk_error_wrap(err, "token file");
    auth *a = xcalloc(1, sizeof *a);
    int lineno = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        char *l = trim(line);
        if (!*l || *l == '#')
            continue;
        if (auth_add_line(a, l, path, lineno, err) < 0) {
            auth_free(a);
            return -err->code;
        }
    }
    if (!a->tokens) {
        auth_free(a);
        return mk_error(err, EINVAL, "%s: no tokens", path);
    }
    *out = a;
    return 0;
}

void auth_free(auth *a)
{
    if (!a)
        return;
    token_entry *e, *tmp;
    HASH_ITER(hh, a->tokens, e, tmp)
    {
        HASH_DEL(a->tokens, e);
        free(e->token);
        free(e->user);
        free(e);
    }
    free(a);
}

const char *auth_bearer(const char *authorization)
{
    const char *prefix = "Bearer ";
    if (!authorization || strncasecmp(authorization, prefix, strlen(prefix)) != 0)
        return NULL;
    const char *tok = authorization + strlen(prefix);
    while (*tok == ' ')
        tok++;
    return tok;
}

int auth_identify(auth *a, const char *authorization, const char **user, api_role *role,
                  mk_err *err)
{
    const char *tok = auth_bearer(authorization);
    token_entry *e = NULL;
    if (tok)
        HASH_FIND_STR(a->tokens, tok, e);
    if (!e)
        return mk_error(err, EPERM, "Unauthorized");
    *user = e->user;
    *role = e->role;
    return 0;
}

const char *auth_proxy_token(auth *a)
{
    token_entry *e;
    for (e = a->tokens; e; e = e->hh.next)
        if (e->role == ROLE_ADMIN)
            return e->token;
    return a->tokens ? a->tokens->token : NULL;
}

static bool is_read(const char *verb)
{
    return strcmp(verb, "get") == 0 || strcmp(verb, "list") == 0 || strcmp(verb, "watch") == 0;
}

static bool is(const char *a, const char *b)
{
    return a && strcmp(a, b) == 0;
}

/* The built-in roles' rules (auth.h). Their daemons may read any path
 * (/metrics). */
static bool role_allows(api_role role, const auth_attrs *a)
{
    const mk_kind *k = a->kind;
    if (role == ROLE_ADMIN || !k)
        return true;
    if (role == ROLE_CONTROLLER)
        return !(is(k->kind, "Namespace") &&
                 (is(a->verb, "delete") || is(a->verb, "deletecollection")));
    if (role != ROLE_NODE)
        return false;
    /* Reads, but not a way into pods (exec, attach and port-forward are
     * upgraded GETs); its Node, Events and Lease; a node deletes the
     * PersistentVolumes it provisioned once it has removed their directory
     * (the local-path provisioner's node half); it asks for its pods'
     * account tokens (tokenreq.c holds it to pods). */
    const char *sub = a->sub;
    return (is_read(a->verb) && !is(sub, "exec") && !is(sub, "attach") &&
            !is(sub, "portforward")) ||
           is(k->kind, "Node") || is(k->kind, "Event") || is(k->kind, "Lease") ||
           (is(k->kind, "Pod") && (is(sub, "status") || is(a->verb, "delete"))) ||
           (is(k->kind, "PersistentVolume") && is(a->verb, "delete") && !*sub) ||
           (is(k->kind, "ServiceAccount") && is(a->verb, "create") && is(sub, "token"));
}

json_object *auth_role_rules(api_role role, const char **note)
{
    static const char all[] =
        "[{\"verbs\":[\"*\"],\"apiGroups\":[\"*\"],\"resources\":[\"*\"]},"
        "{\"verbs\":[\"*\"],\"nonResourceURLs\":[\"*\"]}]";
    /* role_allows' node rules, as rules */
    static const char node[] =
        "[{\"verbs\":[\"get\",\"list\",\"watch\"],\"apiGroups\":[\"*\"],\"resources\":[\"*\"]},"
        "{\"verbs\":[\"*\"],\"apiGroups\":[\"\"],\"resources\":[\"nodes\",\"nodes/status\","
        "\"events\",\"pods/status\"]},"
        "{\"verbs\":[\"*\"],\"apiGroups\":[\"coordination.k8s.io\"],\"resources\":[\"leases\"]}"
        ","
        "{\"verbs\":[\"delete\"],\"apiGroups\":[\"\"],\"resources\":[\"pods\","
        "\"persistentvolumes\"]},"
        "{\"verbs\":[\"create\"],\"apiGroups\":[\"\"],\"resources\":[\"serviceaccounts/"
        "token\"]},"
        "{\"verbs\":[\"get\"],\"nonResourceURLs\":[\"*\"]}]";
    *note = role == ROLE_CONTROLLER ? "the controller role may not delete namespaces"
            : role == ROLE_NODE     ? "the node role may not exec, attach or port-forward"
                                    : "";
    return json_tokener_parse(role == ROLE_NODE ? node : all);
}

auth_attrs auth_attrs_of(const char *verb, const api_route *rt)
{
    auth_attrs a = {
        .verb = verb, .kind = rt->kind, .sub = rt->sub, .ns = rt->ns, .name = rt->name};
    /* A Namespace is inside itself: a RoleBinding there may grant it. */
    if (!*a.ns && strcmp(rt->kind->kind, "Namespace") == 0)
        a.ns = rt->name;
    return a;
}

int auth_forbidden(const char *user, const auth_attrs *a, mk_err *err)
{
    if (!a->kind)
        return mk_error(err, EACCES, "forbidden: User \"%s\" cannot %s path \"%s\"", user,
                        a->verb, a->path ? a->path : "");
    const mk_kind *k = a->kind;
    char what[300], scope[100];
    if (*a->name)
        snprintf(what, sizeof what, "%s%s%s \"%s\"", k->resource, *k->group ? "." : "",
                 k->group, a->name);
    else
        snprintf(what, sizeof what, "%s%s%s", k->resource, *k->group ? "." : "", k->group);
    if (*a->ns)
        snprintf(scope, sizeof scope, "in the namespace \"%s\"", a->ns);
    else
        snprintf(scope, sizeof scope, "at the cluster scope");
    return mk_error(err, EACCES,
                    "%s is forbidden: User \"%s\" cannot %s resource \"%s%s%s\" in API group "
                    "\"%s\" %s",
                    what, user, a->verb, k->resource, *a->sub ? "/" : "", a->sub, k->group,
                    scope);
}

int auth_authorize(api_server *srv, api_role role, const char *user, const auth_attrs *a,
                   mk_err *err)
{
    if (role == ROLE_RBAC)
        return rbac_authorize(srv, user, a, err);
    if (role_allows(role, a))
        return 0;
    return auth_forbidden(user, a, err);
}

bool auth_service_account(const char *user, char *ns, size_t n, const char **name)
{
    static const char sa[] = "system:serviceaccount:";
    if (strncmp(user, sa, strlen(sa)) != 0)
        return false;
    const char *start = user + strlen(sa), *colon = strchr(start, ':');
    if (!colon || (size_t)(colon - start) >= n)
        return false;
    snprintf(ns, n, "%.*s", (int)(colon - start), start);
    *name = colon + 1;
    return true;
}

size_t auth_groups(api_role role, const char *user, const char **out, char *buf, size_t n)
{
    size_t k = 0;
    char ns[254];
    const char *name;
    if (role == ROLE_ADMIN)
        out[k++] = "system:masters";
    else if (role == ROLE_NODE)
        out[k++] = "system:nodes";
    if (auth_service_account(user, ns, sizeof ns, &name)) {
        snprintf(buf, n, "system:serviceaccounts:%s", ns);
        out[k++] = "system:serviceaccounts";
        out[k++] = buf;
    }
    out[k++] = "system:authenticated";
    return k;
}
