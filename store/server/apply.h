/* apply.h - server-side apply (`kubectl apply --server-side`): a PATCH of
 * type application/apply-patch+yaml whose body is the caller's whole
 * intent for an object, as Kubernetes' field managers judge it.
 *
 * metadata.managedFields lists who owns which fields (fieldset.h): an
 * entry per manager (?fieldManager=, else the User-Agent's product) and
 * operation, Apply or Update. An apply
 *   - is refused (409) where it would change a field another manager owns,
 *     naming each field and its manager, unless ?force=true, which takes
 *     those fields over;
 *   - removes the fields its manager applied last time and leaves out now,
 *     unless another manager owns them too;
 *   - merges the rest into the object as a strategic merge patch does
 *     (lists by their merge keys), and makes its manager own exactly what
 *     it applied;
 *   - makes the object when there is none.
 * Once an object has managedFields, every other write to it (PUT, the
 * other patches) makes its manager an Update owner of the fields it
 * changed, taking them from the others, as Kubernetes does. Objects that
 * were never applied carry no managedFields: creates and updates of them
 * cost nothing (Kubernetes tracks those too; minik8s does not, for speed).
 * Status is never tracked.
 */
#ifndef MK_SERVER_APPLY_H
#define MK_SERVER_APPLY_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "store/error.h"
#include "store/server/apiserver.h"

#define APPLY_MEDIA "application/apply-patch+yaml"

/* The manager a write is made by: ?fieldManager=, else the User-Agent up
 * to its first '/' ("kubectl"), else "unknown"; into buf. */
const char *apply_manager(api_req *r, char *buf, size_t n);

/* Apply config to obj (the live object, changed in place) for manager,
 * which uses api_version. ESTALE naming the conflicts. */
int apply_merge(json_object *obj, json_object *config, const char *manager,
                const char *api_version, bool force, mk_err *err);

/* A new object made by an apply: its manager owns all of it. */
void apply_new(json_object *obj, const char *manager, const char *api_version);

/* After a write other than an apply turned old into neu: when neu has
 * managedFields (a PUT that leaves them out keeps old's), manager becomes
 * an Update owner of what changed. */
void apply_track_update(json_object *old, json_object *neu, const char *manager,
                        const char *api_version);

#endif
