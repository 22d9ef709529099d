/* ingress_routes.h - Ingress objects as one routing table, and that table
 * as an nginx configuration. Pure: no I/O, no threads.
 *
 * The rules are Kubernetes' (networking.k8s.io/v1):
 * - host: exact ("web.example.com") or a wildcard ("*.example.com") that
 *   matches exactly one DNS label in front of the suffix (a.example.com, not
 *   a.b.example.com, not example.com). An exact host beats a wildcard. A
 *   rule without a host serves requests for hosts no rule names.
 * - pathType Exact: the path, case-sensitively, as is. Prefix: element-wise
 *   on '/'-split paths, trailing slash ignored ("/foo" matches /foo, /foo/
 *   and /foo/bar, never /foobar). ImplementationSpecific is served as
 *   Prefix (an empty path as "/").
 * - Precedence: the longest matching path wins; at equal length Exact beats
 *   Prefix. The same host+path+type claimed twice: the oldest Ingress
 *   (creationTimestamp, then namespace/name) keeps it; the other is told.
 * - Nothing matches: the defaultBackend of the oldest Ingress with a rule
 *   for that host (for the catch-all: of the oldest Ingress with one);
 *   otherwise 404.
 *
 * Backends are Service name + port (number or name) in the Ingress's
 * namespace; each distinct one appears once in table->backends, where the
 * caller fills in the upstream addresses before rendering.
 */
#ifndef MK_CONTROLLERS_INGRESS_ROUTES_H
#define MK_CONTROLLERS_INGRESS_ROUTES_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "store/util.h"

typedef enum { INGRESS_EXACT, INGRESS_PREFIX } ingress_match;

typedef struct ingress_backend {
    char *ns, *service;
    int port_number; /* 0 when by name */
    char *port_name; /* NULL when by number */
    /* Filled by the caller before ingress_render: "ip:port" each, or a
     * problem (then the routes to it answer 503). */
    char **servers;
    size_t nservers;
    char *problem;
} ingress_backend;

typedef struct ingress_route {
    ingress_match match;
    char *path;     /* Prefix: no trailing slash, except "/" itself */
    size_t backend; /* index in table->backends */
    char *owner;    /* "ns/name" of the Ingress that serves it */
} ingress_route;

typedef struct ingress_host {
    char *host;            /* "" for the catch-all server */
    ingress_route *routes; /* sorted: longest path first, Exact before Prefix */
    size_t nroutes;
    long fallback; /* backend index of the defaultBackend; -1: 404 */
    char *fallback_owner;
} ingress_host;

/* Something an Ingress asked for that the table could not give it. */
typedef struct ingress_note {
    char *owner; /* "ns/name" */
    char *text;
} ingress_note;

typedef struct ingress_table {
    ingress_host *hosts; /* sorted: catch-all first, then by name */
    size_t nhosts;
    ingress_backend *backends;
    size_t nbackends;
    ingress_note *notes; /* conflicts, in Ingress order */
    size_t nnotes;
} ingress_table;

/* Build the table from a JSON array of Ingress objects (borrowed; any
 * order; invalid entries are skipped with a note). Caller frees. */
ingress_table *ingress_table_build(json_object *ingresses);
void ingress_table_free(ingress_table *t);

/* Does host (a request's Host, lowercase, no port) match a rule's host
 * (exact or "*.suffix")? */
bool ingress_host_matches(const char *rule_host, const char *host);
/* Does path match route path p of type m? (p as stored in a route.) */
bool ingress_path_matches(ingress_match m, const char *p, const char *path);
/* Normalise a rule path: Prefix loses trailing slashes ("/" stays);
 * ImplementationSpecific is Prefix. Caller frees. */
char *ingress_normalize_path(const char *path_type, const char *path, ingress_match *m);

/* The route a request takes, as nginx will take it: the host by Kubernetes'
 * rules, then the path. Returns the backend index, -1 for 404 (no route
 * and no default backend). *route gets the route (NULL when the fallback
 * answered). */
long ingress_table_lookup(const ingress_table *t, const char *host, const char *path,
                          const ingress_route **route);

typedef struct ingress_render_opts {
    const char *prefix;   /* nginx's own directory (pid, logs, temp) */
    const char *listen;   /* "127.0.0.1:8080" */
    int worker_processes; /* 0: auto */
} ingress_render_opts;

/* The whole nginx.conf for the table. Paths with characters that cannot be
 * written safely in nginx's syntax were refused at build time (a note). */
void ingress_render(const ingress_table *t, const ingress_render_opts *o, mk_buf *out);

#endif
