/* schema.h - the known fields of every kind and their types (private to
 * validate*.c).
 *
 * A schema is a tree of nodes: an object lists its fields, a list or map
 * names its element. Walking an object against it checks the type of every
 * known field and reports every unknown one as a warning; what a field's
 * value must mean (ranges, enums, references) is the business of validate*.c.
 */
#ifndef MK_SCHEMA_H
#define MK_SCHEMA_H

#include <json-c/json.h>

#include "store/error.h"
#include "store/validate.h"

typedef enum schema_type {
    SCHEMA_ANY,        /* anything, unchecked (free-form) */
    SCHEMA_ANY_OBJECT, /* an object, unchecked inside (status, affinity) */
    SCHEMA_ANY_LIST,   /* a list, unchecked inside (tolerations) */
    SCHEMA_STRING,
    SCHEMA_INT32,
    SCHEMA_INT64,
    SCHEMA_NUMBER, /* integer or float */
    SCHEMA_BOOL,
    SCHEMA_INT_OR_STRING, /* targetPort, probe ports */
    SCHEMA_QUANTITY,      /* "500m", "1Gi", 2: must parse */
    SCHEMA_OBJECT,        /* known fields below */
    SCHEMA_LIST,          /* of elem */
    SCHEMA_MAP,           /* string keys to elem */
} schema_type;

typedef struct schema_node schema_node;

typedef struct schema_field {
    const char *name;
    const schema_node *node;
    const char *alias; /* another spelling of the same field (Amazon States
                          Language's "StartAt" for "startAt"), or NULL */
} schema_field;

struct schema_node {
    schema_type type;
    const schema_field *fields; /* SCHEMA_OBJECT: ends with {NULL} */
    const schema_node *elem;    /* SCHEMA_LIST, SCHEMA_MAP */
};

/* The schema of a whole object of this kind ("Pod"); NULL if none. */
const schema_node *schema_for_kind(const char *kind);

/* Check v against n. path names v in messages ("" at the top, else
 * "spec.containers[0]"). Wrong types fail with EINVAL naming the field;
 * unknown fields are added to *warn (may be NULL). JSON null is accepted
 * anywhere, as an absent field. */
int schema_check(const schema_node *n, json_object *v, const char *path, mk_warnings *warn,
                 mk_err *err);

/* Turn numbers in quantity fields under v into strings (see
 * validate_normalize). */
void schema_normalize(const schema_node *n, json_object *v);

/* The value of field name or its alias in obj, and which spelling was used. */
json_object *schema_get(json_object *obj, const char *name, const char *alias,
                        const char **used);

#endif
