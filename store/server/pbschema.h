/* pbschema.h - the Kubernetes messages the protobuf decoder knows: for
 * each, its fields' numbers, JSON names and types, as the API's
 * generated.proto files number them (k8s.io/api and apimachinery, 1.32).
 *
 * Tables, not generated code: the decoder (protobuf.c) walks them, so a
 * message kubectl sends is read field by field into the JSON the rest of
 * the server takes, and a field missing here is refused by number rather
 * than dropped.
 */
#ifndef MK_SERVER_PBSCHEMA_H
#define MK_SERVER_PBSCHEMA_H

#include <stddef.h>
#include <stdint.h>

typedef enum pb_type {
    PB_STRING,    /* string */
    PB_BYTES,     /* bytes, base64 in JSON */
    PB_INT,       /* int32/int64 varint */
    PB_BOOL,      /* bool varint */
    PB_MSG,       /* a nested message: a JSON object */
    PB_INLINE,    /* a nested message whose fields are the parent's in JSON */
    PB_MAP,       /* map<string, string> */
    PB_MAP_BYTES, /* map<string, bytes> */
    PB_MAP_QTY,   /* map<string, resource.Quantity> */
    PB_QTY,       /* resource.Quantity {1: string}: "500m" */
    PB_INTSTR,    /* intstr.IntOrString {1: type, 2: intVal, 3: strVal} */
    PB_TIME,      /* meta/v1 Time {1: seconds, 2: nanos}: RFC 3339 */
    PB_DROP,      /* read and ignored: status, managedFields */
} pb_type;

typedef struct pb_msg pb_msg;

enum {
    PB_REPEATED = 1u << 0, /* a JSON array */
    /* Keep a zero value ("", 0, false, {}): a pointer in the Go type, where
     * set-to-zero differs from unset (replicas: 0, emptyDir: {}). Other
     * zero values are what Go's omitempty leaves out of JSON. */
    PB_KEEP_ZERO = 1u << 1,
};

typedef struct pb_fld {
    uint32_t num;
    const char *name;
    pb_type type;
    unsigned flags;    /* PB_REPEATED, PB_KEEP_ZERO */
    const pb_msg *msg; /* PB_MSG, PB_INLINE */
} pb_fld;

struct pb_msg {
    const char *name;
    const pb_fld *fields;
    size_t nfields;
};

/* The top-level message of a kind sent as protobuf, or NULL. */
const pb_msg *pbschema_kind(const char *api_version, const char *kind);

#endif
