/* smpatch.h - strategic merge patch, as kubectl sends it (`kubectl apply`
 * on an existing object, `kubectl set image`, `kubectl patch` by default).
 *
 * A JSON merge patch (maps merge, null deletes), except that lists of
 * Kubernetes' known kinds merge element by element on their merge key
 * (containers and env and volumes by name, container ports by
 * containerPort, Service ports by port, volumeMounts by mountPath,
 * conditions by type, taints by key, ownerReferences by uid...) and
 * finalizers as a set, and that the patch's directives are carried out:
 *   $patch: replace | delete      on a map or a list element
 *   $retainKeys: [k...]           keep only these keys of the map
 *   $setElementOrder/<list>: [...] the merged list's order
 *   $deleteFromPrimitiveList/<list>: [...]
 * Other lists are replaced, as in a merge patch. No directive is left in
 * the result.
 */
#ifndef MK_SERVER_SMPATCH_H
#define MK_SERVER_SMPATCH_H

#include <json-c/json.h>
#include <stdbool.h>

#include "store/error.h"

/* Apply patch to target (an object) in place. EINVAL on a malformed
 * directive. */
int smpatch_apply(json_object *target, json_object *patch, mk_err *err);

/* The merge key of the list under field (a name, not a path), or NULL
 * when such a list is not merged by key. "ports" is decided by the
 * elements of the two lists (either may be NULL). */
const char *smpatch_merge_key(const char *field, json_object *patch, json_object *cur);
/* Whether the list of strings under field merges as a set (finalizers). */
bool smpatch_is_set(const char *field);

#endif
