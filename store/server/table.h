/* table.h - meta.k8s.io/v1 Table output, what kubectl get asks for.
 *
 * Columns per kind follow kubectl: pods NAME READY STATUS RESTARTS AGE,
 * nodes NAME STATUS ROLES AGE VERSION, services NAME TYPE CLUSTER-IP PORT(S)
 * AGE, endpoints NAME ENDPOINTS AGE, replicasets NAME DESIRED CURRENT READY AGE,
 * and the like for the kinds below; everything else NAME AGE.
 */
#ifndef MK_SERVER_TABLE_H
#define MK_SERVER_TABLE_H

#include <json-c/json.h>
#include <stdbool.h>

#include "store/kinds.h"

/* The columnDefinitions array for kind k. Caller puts. */
json_object *table_columns(const mk_kind *k);
/* One row {cells:[...], object:{...}}: the object as a PartialObjectMetadata,
 * or whole when full_object (?includeObject=Object). Caller puts. */
json_object *table_row(const mk_kind *k, json_object *obj, bool full_object);
/* A Table holding one row, as a watch event carries it. Caller puts. */
json_object *table_of_one(const mk_kind *k, json_object *obj, bool full_object);

/* The objects a Table (or one row of it) carries whole, with
 * ?includeObject=Object, shown at version v (kinds.h) rather than as
 * stored; the cells stay computed from the stored object. NULL v: no-op. */
void table_serve_as(json_object *table_or_row, const mk_kind_version *v);

#endif
