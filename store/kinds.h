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

#include "store/error.h"

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

struct json_object;

/* Another version a kind is served at, as Kubernetes serves autoscaling/v1
 * HorizontalPodAutoscalers: the objects stay stored once, at the kind's own
 * version, and are converted on the way out (from_stored) and in
 * (to_stored). Both work in place on a whole object, apiVersion included.
 * to_stored fails (EINVAL, naming the field) when a field cannot be
 * converted; from_stored cannot fail. */
typedef struct mk_kind_version {
    const char *kind;        /* the stored kind: "HorizontalPodAutoscaler" */
    const char *version;     /* "v1" */
    const char *api_version; /* "autoscaling/v1" */
    void (*from_stored)(struct json_object *obj);
    int (*to_stored)(struct json_object *obj, mk_err *err);
} mk_kind_version;

extern const mk_kind_version mk_kind_versions[];
extern const size_t mk_nkind_versions;

/* The other version `version` of kind k, or NULL when k is not served
 * there (its own version included: that needs no conversion). */
const mk_kind_version *kind_version(const mk_kind *k, const char *version);
/* The stored kind a version entry converts to and from. */
const mk_kind *kind_version_kind(const mk_kind_version *v);

/* Look up by "Pod" (kind), exact. NULL if unknown. */
const mk_kind *kind_by_kind(const char *kind);
/* Look up by apiVersion and kind, as in a manifest. NULL if unknown. */
const mk_kind *kind_by_gvk(const char *api_version, const char *kind);
/* Look up by URL group ("" for core) and plural resource. NULL if unknown. */
const mk_kind *kind_by_resource(const char *group, const char *resource);
/* True for kinds whose names may be any path segment (mk_is_path_segment_name)
 * rather than a DNS-1123 name: the RBAC kinds, as in Kubernetes. */
bool kind_has_path_names(const mk_kind *k);
/* True for kinds whose names are DNS-1123 subdomains (dots allowed) rather
 * than labels: the data kinds, whose names Kubernetes itself and its tools
 * make so (kube-root-ca.crt, Helm's sh.helm.release.v1.NAME.v1),
 * Events (<object>.<hex>) and PriorityClasses (Kubernetes'
 * ValidatePriorityClass names them so). */
bool kind_has_subdomain_names(const mk_kind *k);
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
