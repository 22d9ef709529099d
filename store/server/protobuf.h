/* protobuf.h - Kubernetes protobuf bodies, as kubectl's typed commands
 * send them.
 *
 * kubectl's typed commands (create deployment, job, cronjob, service,
 * ingress, namespace, configmap, secret; autoscale; the DeleteOptions of
 * drain's deletes) send application/vnd.kubernetes.protobuf, which no
 * client lets one turn off. This turns those bodies into the JSON the rest
 * of the server takes, reading each message by the tables of pbschema.h,
 * with Go's JSON conventions: zero values of plain fields are left out
 * (omitempty), status and managedFields are dropped.
 *
 * The envelope: "k8s\0", then runtime.Unknown {1: typeMeta {1: apiVersion,
 * 2: kind}, 2: raw (the object's message), 3: contentEncoding, 4:
 * contentType}. The wire reader is the handful of lines the format needs
 * (varint, fixed and length-delimited fields); a code-generating library
 * would need the whole API's .proto files and a runtime for them.
 */
#ifndef MK_SERVER_PROTOBUF_H
#define MK_SERVER_PROTOBUF_H

#include <json-c/json.h>
#include <stddef.h>

#include "store/error.h"

/* Decode a protobuf body into a JSON object the caller owns. EOPNOTSUPP
 * for a kind pbschema.h lacks, or a field its tables lack (the message
 * names the message and field number); EBADMSG when the bytes are not a
 * well-formed envelope or message. */
int protobuf_to_json(const void *data, size_t len, json_object **out, mk_err *err);

#endif
