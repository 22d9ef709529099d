/* auth.c - the token table (uthash) and the role rules of auth.h. */
#include "store/server/auth.h"

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
        return mk_error(err, EINVAL, "%s:%d: unknown role \"%s\" (admin, controller or node)",
                        path, lineno, role_s);
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

int auth_identify(auth *a, const char *authorization, const char **user, api_role *role,
                  mk_err *err)
{
    const char *prefix = "Bearer ";
    if (!authorization || strncasecmp(authorization, prefix, strlen(prefix)) != 0)
        return mk_error(err, EPERM, "Unauthorized");
    const char *tok = authorization + strlen(prefix);
    while (*tok == ' ')
        tok++;
    token_entry *e;
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

int auth_allow(api_role role, const char *user, const char *verb, const mk_kind *k,
               const char *sub, mk_err *err)
{
    bool ok;
    switch (role) {
    case ROLE_ADMIN:
        ok = true;
        break;
    case ROLE_CONTROLLER:
        ok = !(strcmp(k->kind, "Namespace") == 0 &&
               (strcmp(verb, "delete") == 0 || strcmp(verb, "deletecollection") == 0));
        break;
    case ROLE_NODE:
        /* Reads, but not a way into pods (exec, attach and port-forward
         * are upgraded GETs); its Node, Events and Lease; a node deletes the PersistentVolumes
         * it provisioned once it has removed their directory (the local-path provisioner's node
         * half). */
        ok = (is_read(verb) && strcmp(sub, "exec") != 0 && strcmp(sub, "attach") != 0 &&
              strcmp(sub, "portforward") != 0) ||
             strcmp(k->kind, "Node") == 0 || strcmp(k->kind, "Event") == 0 ||
             strcmp(k->kind, "Lease") == 0 ||
             (strcmp(k->kind, "Pod") == 0 &&
              (strcmp(sub, "status") == 0 || strcmp(verb, "delete") == 0)) ||
             (strcmp(k->kind, "PersistentVolume") == 0 && strcmp(verb, "delete") == 0 && !*sub);
        break;
    default:
        ok = false;
    }
    if (ok)
        return 0;
    /* Kubernetes' words: ... in API group "apps" */
    return mk_error(err, EACCES, "%s \"%s\" cannot %s resource \"%s%s%s\"%s%s%s",
                    role == ROLE_NODE ? "node" : "user", user, verb, k->resource,
                    *sub ? "/" : "", sub, k->group[0] ? " in API group \"" : "", k->group,
                    k->group[0] ? "\"" : "");
}
