/* codec.h - manifests in (YAML or JSON), canonical JSON or YAML out.
 *
 * Objects live in memory as json-c trees: the Kubernetes shape is the
 * model, and fields minik8s does not know survive a round trip untouched.
 */
#ifndef MK_CODEC_H
#define MK_CODEC_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "store/error.h"

/* Largest body the API server and mk-fs accept: 3 MiB, as Kubernetes. */
#define MK_MAX_OBJECT_BYTES (3 * 1024 * 1024)

/* Decode one document, YAML or JSON (JSON is YAML, but the JSON fast path
 * is taken when the text starts with '{'). The result is a JSON object
 * (a mapping at the top). Errors: EBADMSG with line and column
 * ("line 3 column 5: mapping values are not allowed here"), E2BIG when len
 * exceeds MK_MAX_OBJECT_BYTES. The caller owns *out (json_object_put). */
int codec_decode(const char *text, size_t len, json_object **out, mk_err *err);

/* Decode every document of a multi-document YAML stream ("---" separated);
 * empty documents are skipped. *out is a JSON array the caller owns. */
int codec_decode_all(const char *text, size_t len, json_object **out, mk_err *err);

/* Canonical JSON: compact, keys in the object's own order. The string
 * belongs to obj and lives until obj changes or is freed. */
const char *codec_to_json(json_object *obj, size_t *len);

/* Indented JSON for people. Caller frees. */
char *codec_to_json_pretty(json_object *obj);

/* YAML for people, as kubectl -o yaml prints it (block style, strings
 * quoted only where YAML needs it). Caller frees. */
char *codec_to_yaml(json_object *obj);

/* Is every string and key of obj well-formed UTF-8, as the decoders make
 * sure of (for trees built another way, e.g. from protobuf)? */
bool codec_utf8_tree(json_object *obj);

/* Small accessors over json-c for dotted paths such as "metadata.name";
 * they return NULL/default when any step is missing or of another type. */
json_object *mk_json_path(json_object *obj, const char *path);
const char *mk_json_str(json_object *obj, const char *path);
int64_t mk_json_int(json_object *obj, const char *path, int64_t dflt);
bool mk_json_bool(json_object *obj, const char *path, bool dflt);
/* A new object of a kind: apiVersion, kind, metadata.name and (ns not
 * NULL) metadata.namespace, for the caller to fill in. */
json_object *mk_json_new_object(const char *api_version, const char *kind, const char *ns,
                                const char *name);
/* An array's length; 0 for anything else (NULL, a value of the wrong type). */
size_t mk_json_array_len(json_object *a);
/* A deep copy of obj (caller puts); NULL for NULL, or when json-c fails. */
json_object *mk_json_copy(json_object *obj);
/* Get or create the object at a dotted path (creating empty objects on the
 * way); returns the object, borrowed. */
json_object *mk_json_ensure(json_object *obj, const char *path);
/* Set a string at a dotted path, creating parents. */
void mk_json_set_str(json_object *obj, const char *path, const char *value);

/* The entry of obj's status.conditions whose type is `type` (borrowed), or
 * NULL: the pattern every kind's conditions follow (Ready, PodScheduled,
 * Complete...). mk_condition_true: that entry exists with status "True". */
json_object *mk_condition(json_object *obj, const char *type);
bool mk_condition_true(json_object *obj, const char *type);
/* A new ownerReference (caller puts) to owner, an object of that
 * apiVersion and kind: its name and uid. */
json_object *mk_owner_ref(json_object *owner, const char *api_version, const char *kind);
/* Set obj's metadata.ownerReferences to [ref] (ref taken). */
void mk_set_owner(json_object *obj, json_object *ref);
/* A new condition {type, status, lastProbeTime: null, lastTransitionTime:
 * ts}, with reason and message when not NULL. */
json_object *mk_condition_new(const char *type, const char *status, const char *ts,
                              const char *reason, const char *message);
/* A new conditions array: copies of those of conds (an array, or NULL)
 * but the one of c's type, then c (taken). */
json_object *mk_conditions_with(json_object *conds, json_object *c);

/* Does obj's metadata.finalizers hold f? */
bool mk_has_finalizer(json_object *obj, const char *f);

/* RFC 7386 JSON merge patch: apply patch to target in place (target must be
 * an object). */
void mk_json_merge_patch(json_object *target, json_object *patch);

#endif
