/* protobuf.h - the few Kubernetes protobuf bodies kubectl sends.
 *
 * kubectl's typed commands (create namespace, create configmap, create
 * secret, and the DeleteOptions of drain's deletes) send
 * application/vnd.kubernetes.protobuf, which no client lets one turn off.
 * This turns those kinds into the JSON the rest of the server takes;
 * anything else is refused so the user hears to use `kubectl create -f`
 * (which sends JSON). Fields this server does not keep
 * (managedFields, ownerReferences, status) are dropped.
 *
 * The envelope: "k8s\0", then runtime.Unknown {1: typeMeta {1: apiVersion,
 * 2: kind}, 2: raw (the object's message), 3: contentEncoding, 4:
 * contentType}; messages as k8s.io/api/core/v1/generated.proto numbers
 * them. The wire reader is the handful of lines the format needs (varint,
 * fixed and length-delimited fields); a code-generating library would need
 * the whole API's .proto files for three small messages.
 */
#ifndef MK_SERVER_PROTOBUF_H
#define MK_SERVER_PROTOBUF_H

#include <json-c/json.h>
#include <stddef.h>

#include "store/error.h"

/* Decode a protobuf body into a JSON object the caller owns. EOPNOTSUPP
 * for kinds other than Namespace, ConfigMap, Secret and DeleteOptions;
 * EBADMSG when the
 * bytes are not a well-formed envelope. */
int protobuf_to_json(const void *data, size_t len, json_object **out, mk_err *err);

#endif
