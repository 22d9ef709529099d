/* fieldset.h - sets of an object's fields, in Kubernetes' FieldsV1 form,
 * as server-side apply keeps them in metadata.managedFields (apply.h).
 *
 * A set is a JSON object whose keys name fields and whose values are the
 * sets below them ({} for a field owned whole):
 *   "f:replicas"               a field of a map
 *   "k:{\"name\":\"app\"}"     the element of a keyed list (smpatch.h's
 *                              merge keys) whose key has that value
 *   "v:\"x\""                  a value of a list merged as a set (finalizers)
 *   "."                        the element itself, beside its fields
 * Other lists are owned whole. Sets never hold status, nor metadata other
 * than labels, annotations, finalizers and ownerReferences: those belong
 * to the server or to the status writers.
 */
#ifndef MK_SERVER_FIELDSET_H
#define MK_SERVER_FIELDSET_H

#include <json-c/json.h>
#include <stdbool.h>

#include "store/util.h"

/* The set of obj's fields (a new object). */
json_object *fieldset_of(json_object *obj);

bool fieldset_empty(json_object *set);
/* Whether set has a set's shape: objects all the way down (what a client
 * sent in managedFields may not). */
bool fieldset_valid(json_object *set);
/* set gains every field of add. */
void fieldset_union(json_object *set, json_object *add);
/* set loses every field of rm (a field rm owns whole goes whole). */
void fieldset_subtract(json_object *set, json_object *rm);
/* set keeps only the fields keep has. */
void fieldset_intersect(json_object *set, json_object *keep);

/* The fields of set whose values differ between objects a and b (absent
 * counts as a value), as a new set. */
json_object *fieldset_changed(json_object *set, json_object *a, json_object *b);

/* Delete from obj each member of drop (a field, or a list element with
 * all it holds) that none of the n sets in keep holds anything under. */
void fieldset_remove(json_object *obj, json_object *drop, json_object *const *keep, size_t n);

/* The fields of set as paths, `.spec.replicas` or
 * `.spec.containers[name="app"].image`, each after sep, into out. */
void fieldset_paths(json_object *set, const char *sep, mk_buf *out);

#endif
