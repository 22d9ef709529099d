/* ingress_routes.c - Ingresses to one routing table, and to nginx.conf
 * (see ingress_routes.h for the rules). */
#include "controllers/ingress_routes.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/codec.h"

/* ---- matching ---- */

bool ingress_host_matches(const char *rule_host, const char *host)
{
    if (strncmp(rule_host, "*.", 2) != 0)
        return strcmp(rule_host, host) == 0;
    /* One label, then exactly the suffix: the wildcard never spans a dot. */
    const char *dot = strchr(host, '.');
    return dot && dot != host && strcmp(dot + 1, rule_host + 2) == 0;
}

bool ingress_path_matches(ingress_match m, const char *p, const char *path)
{
    if (m == INGRESS_EXACT)
        return strcmp(p, path) == 0;
    if (strcmp(p, "/") == 0)
        return path[0] == '/';
    size_t n = strlen(p);
    return strncmp(p, path, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

char *ingress_normalize_path(const char *path_type, const char *path, ingress_match *m)
{
    *m = path_type && strcmp(path_type, "Exact") == 0 ? INGRESS_EXACT : INGRESS_PREFIX;
    if (!path || !*path)
        return xstrdup("/");
    if (*m == INGRESS_EXACT)
        return xstrdup(path);
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    return xstrndup(path, n);
}

/* Characters a path may hold and still be written into nginx.conf
 * verbatim inside double quotes: RFC 3986 path characters without the
 * ones nginx's parser or variables would read ($ ; { } ' " \ #). */
static bool path_is_safe(const char *p)
{
    static const char extra[] = "/-._~%!&()*+,=:@";
    for (; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || strchr(extra, *p)))
            return false;
    return true;
}

/* ---- building ---- */

static void note(ingress_table *t, const char *owner, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void note(ingress_table *t, const char *owner, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = NULL;
    if (vasprintf(&text, fmt, ap) < 0)
        abort();
    va_end(ap);
    t->notes = xrealloc(t->notes, (t->nnotes + 1) * sizeof(*t->notes));
    t->notes[t->nnotes++] = (ingress_note){xstrdup(owner), text};
}

/* The index of backend b (a networking.k8s.io/v1 IngressBackend) in the
 * table, added if new; -1 with a note when it names no Service. */
static long add_backend(ingress_table *t, const char *ns, const char *owner, json_object *b,
                        const char *where)
{
    const char *svc = mk_json_str(b, "service.name");
    if (!svc || !*svc) {
        note(t, owner, "%s: only Service backends are supported", where);
        return -1;
    }
    int number = (int)mk_json_int(b, "service.port.number", 0);
    const char *pname = number ? NULL : mk_json_str(b, "service.port.name");
    if (!number && (!pname || !*pname)) {
        note(t, owner, "%s: service %s has no port number or name", where, svc);
        return -1;
    }
    for (size_t i = 0; i < t->nbackends; i++) {
        ingress_backend *e = &t->backends[i];
        if (!strcmp(e->ns, ns) && !strcmp(e->service, svc) && e->port_number == number &&
            !strcmp(e->port_name ? e->port_name : "", pname ? pname : ""))
            return (long)i;
    }
    t->backends = xrealloc(t->backends, (t->nbackends + 1) * sizeof(*t->backends));
    t->backends[t->nbackends] = (ingress_backend){
        .ns = xstrdup(ns),
        .service = xstrdup(svc),
        .port_number = number,
        .port_name = pname ? xstrdup(pname) : NULL,
    };
    return (long)t->nbackends++;
}

static ingress_host *host_get(ingress_table *t, const char *name)
{
    for (size_t i = 0; i < t->nhosts; i++)
        if (strcmp(t->hosts[i].host, name) == 0)
            return &t->hosts[i];
    t->hosts = xrealloc(t->hosts, (t->nhosts + 1) * sizeof(*t->hosts));
    t->hosts[t->nhosts] = (ingress_host){.host = xstrdup(name), .fallback = -1};
    return &t->hosts[t->nhosts++];
}

static const char *match_name(ingress_match m)
{
    return m == INGRESS_EXACT ? "Exact" : "Prefix";
}

static void add_path(ingress_table *t, ingress_host *h, const char *ns, const char *owner,
                     json_object *hp, const char *where)
{
    ingress_match m;
    const char *raw = mk_json_str(hp, "path");
    if (raw && *raw && (raw[0] != '/' || !path_is_safe(raw))) {
        note(t, owner, "%s: path \"%s\" has characters this controller does not route", where,
             raw);
        return;
    }
    _cleanup_free_ char *path = ingress_normalize_path(mk_json_str(hp, "pathType"), raw, &m);
    long be = add_backend(t, ns, owner, mk_json_path(hp, "backend"), where);
    if (be < 0)
        return;
    for (size_t i = 0; i < h->nroutes; i++) {
        ingress_route *r = &h->routes[i];
        if (r->match == m && strcmp(r->path, path) == 0) {
            if (strcmp(r->owner, owner) != 0)
                note(t, owner,
                     "host \"%s\" path %s (%s) is already served by the older Ingress %s",
                     *h->host ? h->host : "*", path, match_name(m), r->owner);
            return;
        }
    }
    h->routes = xrealloc(h->routes, (h->nroutes + 1) * sizeof(*h->routes));
    h->routes[h->nroutes++] = (ingress_route){
        .match = m, .path = steal_ptr(&path), .backend = (size_t)be, .owner = xstrdup(owner)};
}

static int oldest_first(const void *a, const void *b)
{
    json_object *x = *(json_object *const *)a, *y = *(json_object *const *)b;
    int64_t tx = mk_parse_rfc3339(mk_json_str(x, "metadata.creationTimestamp") ?: "");
    int64_t ty = mk_parse_rfc3339(mk_json_str(y, "metadata.creationTimestamp") ?: "");
    if (tx != ty)
        return tx < ty ? -1 : 1;
    int c = strcmp(mk_json_str(x, "metadata.namespace") ?: "",
                   mk_json_str(y, "metadata.namespace") ?: "");
    return c ? c
             : strcmp(mk_json_str(x, "metadata.name") ?: "",
                      mk_json_str(y, "metadata.name") ?: "");
}

static int route_order(const void *a, const void *b)
{
    const ingress_route *x = a, *y = b;
    size_t lx = strlen(x->path), ly = strlen(y->path);
    if (lx != ly)
        return lx > ly ? -1 : 1;
    if (x->match != y->match)
        return x->match == INGRESS_EXACT ? -1 : 1;
    return strcmp(x->path, y->path);
}

static int host_order(const void *a, const void *b)
{
    return strcmp(((const ingress_host *)a)->host, ((const ingress_host *)b)->host);
}

static void build_one(ingress_table *t, json_object *ing, long *global_default,
                      char **global_owner)
{
    const char *ns = mk_json_str(ing, "metadata.namespace") ?: "default";
    _cleanup_free_ char *owner =
        xasprintf("%s/%s", ns, mk_json_str(ing, "metadata.name") ?: "?");
    long def = -1;
    json_object *db = mk_json_path(ing, "spec.defaultBackend");
    if (db)
        def = add_backend(t, ns, owner, db, "defaultBackend");
    if (def >= 0 && *global_default < 0) {
        *global_default = def;
        *global_owner = xstrdup(owner);
    }
    json_object *rules = mk_json_path(ing, "spec.rules");
    size_t nrules = mk_json_array_len(rules);
    for (size_t i = 0; i < nrules; i++) {
        json_object *rule = json_object_array_get_idx(rules, i);
        ingress_host *h = host_get(t, mk_json_str(rule, "host") ?: "");
        if (def >= 0 && h->fallback < 0) {
            h->fallback = def;
            h->fallback_owner = xstrdup(owner);
        }
        json_object *paths = mk_json_path(rule, "http.paths");
        size_t npaths = mk_json_array_len(paths);
        for (size_t j = 0; j < npaths; j++) {
            _cleanup_free_ char *where = xasprintf("rules[%zu].http.paths[%zu]", i, j);
            /* host_get may move the array: look the host up again. */
            h = host_get(t, mk_json_str(rule, "host") ?: "");
            add_path(t, h, ns, owner, json_object_array_get_idx(paths, j), where);
        }
    }
}

ingress_table *ingress_table_build(json_object *ingresses)
{
    ingress_table *t = xcalloc(1, sizeof(*t));
    size_t n = mk_json_array_len(ingresses);
    json_object **sorted = xcalloc(n + 1, sizeof(*sorted));
    for (size_t i = 0; i < n; i++)
        sorted[i] = json_object_array_get_idx(ingresses, i);
    if (n > 1)
        qsort(sorted, n, sizeof(*sorted), oldest_first);
    host_get(t, ""); /* the catch-all server always exists: 404 by default */
    long global_default = -1;
    char *global_owner = NULL;
    for (size_t i = 0; i < n; i++)
        build_one(t, sorted[i], &global_default, &global_owner);
    free(sorted);
    ingress_host *any = host_get(t, "");
    if (any->fallback < 0 && global_default >= 0) {
        any->fallback = global_default;
        any->fallback_owner = steal_ptr(&global_owner);
    }
    free(global_owner);
    for (size_t i = 0; i < t->nhosts; i++)
        if (t->hosts[i].nroutes > 1)
            qsort(t->hosts[i].routes, t->hosts[i].nroutes, sizeof(ingress_route), route_order);
    qsort(t->hosts, t->nhosts, sizeof(*t->hosts), host_order);
    return t;
}

void ingress_table_free(ingress_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nhosts; i++) {
        ingress_host *h = &t->hosts[i];
        for (size_t j = 0; j < h->nroutes; j++) {
            free(h->routes[j].path);
            free(h->routes[j].owner);
        }
        free(h->routes);
        free(h->host);
        free(h->fallback_owner);
    }
    for (size_t i = 0; i < t->nbackends; i++) {
        ingress_backend *b = &t->backends[i];
        for (size_t j = 0; j < b->nservers; j++)
            free(b->servers[j]);
        free(b->servers);
        free(b->problem);
        free(b->ns);
        free(b->service);
        free(b->port_name);
    }
    for (size_t i = 0; i < t->nnotes; i++) {
        free(t->notes[i].owner);
        free(t->notes[i].text);
    }
    free(t->notes);
    free(t->backends);
    free(t->hosts);
    free(t);
}

/* ---- lookup ---- */

static const ingress_host *pick_host(const ingress_table *t, const char *host)
{
    const ingress_host *wild = NULL, *any = NULL;
    for (size_t i = 0; i < t->nhosts; i++) {
        const ingress_host *h = &t->hosts[i];
        if (!*h->host)
            any = h;
        else if (strncmp(h->host, "*.", 2) != 0 && strcmp(h->host, host) == 0)
            return h;
        else if (!wild && strncmp(h->host, "*.", 2) == 0 && ingress_host_matches(h->host, host))
            wild = h;
    }
    return wild ? wild : any;
}

long ingress_table_lookup(const ingress_table *t, const char *host, const char *path,
                          const ingress_route **route)
{
    *route = NULL;
    const ingress_host *h = pick_host(t, host);
    if (!h)
        return -1;
    for (size_t i = 0; i < h->nroutes; i++)
        if (ingress_path_matches(h->routes[i].match, h->routes[i].path, path)) {
            *route = &h->routes[i];
            return (long)h->routes[i].backend;
        }
    return h->fallback;
}

/* ---- nginx.conf ---- */

static bool backend_live(const ingress_table *t, long i)
{
    return i >= 0 && !t->backends[i].problem && t->backends[i].nservers > 0;
}

static void render_target(const ingress_table *t, long be, mk_buf *out)
{
    if (be < 0)
        mk_buf_puts(out, "return 404;");
    else if (!backend_live(t, be))
        mk_buf_puts(out, "return 503;");
    else
        mk_buf_printf(out, "proxy_pass http://be%ld;", be);
}

static bool has_exact(const ingress_host *h, const char *path)
{
    for (size_t i = 0; i < h->nroutes; i++)
        if (h->routes[i].match == INGRESS_EXACT && strcmp(h->routes[i].path, path) == 0)
            return true;
    return false;
}

/* nginx tries "=" locations first, then the longest prefix location;
 * with Prefix P written as "= P" plus "P/" that is Kubernetes' order
 * (an Exact at the same path keeps the "= P"). */
static void render_route(const ingress_table *t, const ingress_host *h, const ingress_route *r,
                         bool *root_done, mk_buf *out)
{
    mk_buf_printf(out, "        # %s %s from %s\n", match_name(r->match), r->path, r->owner);
    if (r->match == INGRESS_EXACT) {
        mk_buf_printf(out, "        location = \"%s\" { ", r->path);
    } else if (strcmp(r->path, "/") == 0) {
        *root_done = true;
        mk_buf_puts(out, "        location / { ");
    } else {
        if (!has_exact(h, r->path)) {
            mk_buf_printf(out, "        location = \"%s\" { ", r->path);
            render_target(t, (long)r->backend, out);
            mk_buf_puts(out, " }\n");
        }
        mk_buf_printf(out, "        location \"%s/\" { ", r->path);
    }
    render_target(t, (long)r->backend, out);
    mk_buf_puts(out, " }\n");
}

static void render_server_name(const char *host, mk_buf *out)
{
    if (!*host) {
        mk_buf_puts(out, "_");
        return;
    }
    if (strncmp(host, "*.", 2) != 0) {
        mk_buf_puts(out, host);
        return;
    }
    /* nginx's own "*.x" spans any number of labels; Kubernetes' one. */
    mk_buf_puts(out, "~^[^.]+");
    for (const char *p = host + 1; *p; p++)
        mk_buf_printf(out, *p == '.' ? "\\." : "%c", *p);
    mk_buf_puts(out, "$");
}

static void render_server(const ingress_table *t, const ingress_host *h,
                          const ingress_render_opts *o, mk_buf *out)
{
    mk_buf_printf(out, "    server {\n        listen %s%s;\n        server_name ", o->listen,
                  *h->host ? "" : " default_server");
    render_server_name(h->host, out);
    mk_buf_puts(out, ";\n");
    bool root_done = false;
    for (size_t i = 0; i < h->nroutes; i++)
        render_route(t, h, &h->routes[i], &root_done, out);
    if (!root_done) {
        if (h->fallback >= 0)
            mk_buf_printf(out, "        # defaultBackend from %s\n", h->fallback_owner);
        mk_buf_puts(out, "        location / { ");
        render_target(t, h->fallback, out);
        mk_buf_puts(out, " }\n");
    }
    mk_buf_puts(out, "    }\n");
}

void ingress_render(const ingress_table *t, const ingress_render_opts *o, mk_buf *out)
{
    const char *p = o->prefix;
    mk_buf_puts(out,
                "# Written by mk-controller-manager (ingress) from the cluster's Ingresses.\n"
                "# Do not edit: the next change of an Ingress, Service or Endpoints\n"
                "# replaces it.\n");
    if (o->worker_processes > 0)
        mk_buf_printf(out, "worker_processes %d;\n", o->worker_processes);
    else
        mk_buf_puts(out, "worker_processes auto;\n");
    mk_buf_printf(out,
                  "daemon off;\n"
                  "pid %s/nginx.pid;\n"
                  "error_log %s/error.log notice;\n"
                  "events { worker_connections 4096; }\n"
                  "http {\n"
                  "    access_log off;\n"
                  "    server_tokens off;\n"
                  "    server_names_hash_bucket_size 128;\n"
                  "    client_body_temp_path %s/tmp/body;\n"
                  "    proxy_temp_path %s/tmp/proxy;\n"
                  "    fastcgi_temp_path %s/tmp/fastcgi;\n"
                  "    uwsgi_temp_path %s/tmp/uwsgi;\n"
                  "    scgi_temp_path %s/tmp/scgi;\n"
                  "    proxy_http_version 1.1;\n"
                  "    proxy_set_header Connection \"\";\n"
                  "    proxy_set_header Host $host;\n"
                  "    proxy_set_header X-Real-IP $remote_addr;\n"
                  "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
                  "    proxy_set_header X-Forwarded-Host $host;\n"
                  "    proxy_set_header X-Forwarded-Proto $scheme;\n"
                  "    proxy_connect_timeout 5s;\n"
                  "    proxy_next_upstream error timeout;\n",
                  p, p, p, p, p, p, p);
    for (size_t i = 0; i < t->nbackends; i++) {
        const ingress_backend *b = &t->backends[i];
        if (!backend_live(t, (long)i))
            continue;
        mk_buf_printf(out, "    upstream be%zu { # service %s/%s port ", i, b->ns, b->service);
        if (b->port_name)
            mk_buf_printf(out, "%s\n", b->port_name);
        else
            mk_buf_printf(out, "%d\n", b->port_number);
        for (size_t j = 0; j < b->nservers; j++)
            mk_buf_printf(out, "        server %s;\n", b->servers[j]);
        mk_buf_puts(out, "        keepalive 32;\n    }\n");
    }
    for (size_t i = 0; i < t->nhosts; i++)
        render_server(t, &t->hosts[i], o, out);
    mk_buf_puts(out, "}\n");
}
