/* route.h - Kubernetes REST paths to (kind, namespace, name, subresource).
 *
 *   /api/v1/namespaces/{ns}/{resource}[/{name}[/{subresource}]]
 *   /api/v1/{resource}[/{name}[/{subresource}]]       cluster-scoped, or all namespaces
 *   /apis/{group}/{version}/...                       the same below a group
 *   /api/v1/watch/...                                 the old watch prefix
 */
#ifndef MK_SERVER_ROUTE_H
#define MK_SERVER_ROUTE_H

#include <stdbool.h>

#include "store/error.h"
#include "store/kinds.h"

typedef struct api_route {
    const mk_kind *kind;
    const mk_kind_version *served; /* the path's version when not kind's own, else NULL */
    char ns[64];                   /* "" when the path names no namespace */
    char name[254];                /* "" for the collection */
    char sub[24]; /* "" or status, binding, log, exec, finalize, ephemeralcontainers */
    bool watch;   /* the path had the /watch/ prefix */
} api_route;

/* Parse url (the path, percent-decoded, no query). Errors: EBADMSG for '..',
 * empty segments or names that are not DNS-1123; ENOENT for paths or kinds
 * this server does not serve. */
int route_parse(const char *url, api_route *rt, mk_err *err);

/* Split a path into at most max segments; returns the count, or -1 when
 * there are more, an empty segment (//) or a '.'/'..' segment. The
 * segments point into buf, which the call modifies. */
int route_split(char *buf, char **seg, int max);

#endif
