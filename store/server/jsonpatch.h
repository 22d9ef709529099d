/* jsonpatch.h - RFC 6902 JSON Patch (application/json-patch+json), as
 * `kubectl patch --type=json` sends it: add, remove, replace, move, copy
 * and test, with RFC 6901 pointers ("/metadata/labels/app", "~1" for '/',
 * "~0" for '~', "-" past the end of an array).
 */
#ifndef MK_SERVER_JSONPATCH_H
#define MK_SERVER_JSONPATCH_H

#include <json-c/json.h>

#include "store/error.h"

/* Apply ops (a JSON array of operations) to doc, an object, in place; on
 * error doc may be half changed, so callers patch a copy. EBADMSG for a
 * malformed patch or a path that does not resolve, EINVAL for a failed
 * "test", both naming the operation ("op 2 (remove /spec/x): ..."). */
int jsonpatch_apply(json_object *doc, json_object *ops, mk_err *err);

#endif
