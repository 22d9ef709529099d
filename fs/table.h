/* table.h - kubectl-style tables of objects (rkubectl get), by kind.
 *
 *   pods         NAME READY STATUS RESTARTS AGE [IP NODE]
 *   nodes        NAME STATUS ROLES AGE VERSION
 *   services     NAME TYPE CLUSTER-IP PORT(S) AGE
 *   replicasets  NAME DESIRED CURRENT READY AGE
 *   secrets      NAME TYPE DATA AGE     (never the values)
 *   others       NAME AGE
 */
#ifndef MK_FS_TABLE_H
#define MK_FS_TABLE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/util.h"

/* Append the table of objs (a JSON array of objects of one kind) to out,
 * columns aligned with two spaces as kubectl does. with_ns adds a NAMESPACE
 * column first; wide the extra columns. now: Unix seconds, for AGE. */
void table_render(json_object *objs, bool with_ns, bool wide, int64_t now, mk_buf *out);

#endif
