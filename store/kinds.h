/* kinds.h - the registry of every resource kind minik8s serves.
 *
 * One table drives the API server's routes and discovery, the store's keys,
 * the filesystem's folders and rkubectl's aliases, so a kind is added in one
 * place (kinds.c) and everything else follows.
 */
#ifndef MK_KINDS_H
#define MK_KINDS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct mk_kind {
    const char *kind;        /* "Pod" */
    const char *group;       /* "" for the core group, "apps", "minik8s.io" */
    const char *version;     /* "v1", "v2" */
    const char *api_version; /* "v1", "apps/v1": what manifests carry */
    const char *resource;    /* plural, lower case: "pods"; also the /cluster folder */
    const char *singular;    /* "pod" */
    const char *short_names; /* space-separated kubectl aliases: "po" */
    bool namespaced;
    bool has_status; /* a status subresource */
    bool secret;     /* contents never printed (Secret) */
} mk_kind;

extern const mk_kind mk_kinds[];
extern const size_t mk_nkinds;

/* Look up by "Pod" (kind), exact. NULL if unknown. */
const mk_kind *kind_by_kind(const char *kind);
/* Look up by apiVersion and kind, as in a manifest. NULL if unknown. */
const mk_kind *kind_by_gvk(const char *api_version, const char *kind);
/* Look up by URL group ("" for core) and plural resource. NULL if unknown. */
const mk_kind *kind_by_resource(const char *group, const char *resource);
/* Look up by any name a user types: plural, singular, short name or kind,
 * case-insensitive ("po", "pods", "Pod", "hpa"). NULL if unknown. */
const mk_kind *kind_by_alias(const char *name);

/* The store key of an object: "/registry/pods/default/web" or, for a
 * cluster-scoped kind, "/registry/nodes/n1". Caller frees. ns is ignored for
 * cluster-scoped kinds. */
char *kind_key(const mk_kind *k, const char *ns, const char *name);
/* The key prefix for a list: all namespaces when ns is NULL. Caller frees.
 * Ends in '/'. */
char *kind_prefix(const mk_kind *k, const char *ns);
/* The URL path of the collection, e.g. "/apis/apps/v1/namespaces/default/replicasets". */
char *kind_collection_path(const mk_kind *k, const char *ns);

#endif
