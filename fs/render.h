/* render.h - the text of the files in an object's folder, and the parsing
 * of what users write into them. Pure: objects in, strings out.
 */
#ifndef MK_FS_RENDER_H
#define MK_FS_RENDER_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "fs/path.h"
#include "store/error.h"
#include "store/kinds.h"

/* The content of file f of obj: manifest.yaml is the whole object as YAML
 * (as kubectl get -o yaml: no managedFields), status its .status as YAML (empty when none),
 * labels "key=value" lines, scale spec.replicas and a newline, output the
 * GpuJob's output ConfigMap (output_cm, may be NULL) stdout then stderr,
 * a recorded run (runs/<id>) its ConfigMap's (output_cm) data["run.json"].
 * Caller frees; *len gets the length. */
char *fs_render_file(fs_file f, json_object *obj, json_object *output_cm, size_t *len);

/* Parse a labels file: "key=value" lines; blank lines and lines starting
 * with '#' are skipped. EINVAL naming the line otherwise. *labels is a new
 * JSON object the caller owns. */
int fs_labels_parse(const char *text, size_t len, json_object **labels, mk_err *err);

/* The merge patch that turns labels old (may be NULL) into new:
 * {"metadata":{"labels":{changed: value, removed: null}}}. Caller frees. */
char *fs_labels_patch(json_object *old_labels, json_object *new_labels);

/* Parse a scale file: one non-negative integer, surrounding blanks allowed. */
int fs_scale_parse(const char *text, size_t len, int64_t *replicas, mk_err *err);

/* One line of a .watch stream: "ADDED default/web 123\n" (cluster-scoped:
 * "ADDED n1 123\n"); with_resource appends the folder name
 * ("ADDED default/web 123 pods\n") for the top-level .watch. Caller frees. */
char *fs_render_watch_line(const char *type, const mk_kind *k, json_object *obj,
                           int with_resource);

#endif
