/* validate.h - checks a manifest against its kind before it is stored.
 *
 * Every error names the field the way Kubernetes does
 * ("spec.containers[0].image: Required value"). Fields this minik8s does not
 * know are not errors: they are kept in the object and reported as
 * warnings (as Kubernetes' fieldValidation=Warn), or refused when the caller
 * asks for strict validation.
 */
#ifndef MK_VALIDATE_H
#define MK_VALIDATE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/error.h"
#include "store/kinds.h"

/* Up to MK_MAX_WARNINGS unknown-field paths, e.g. "spec.containers[0].imag". */
#define MK_MAX_WARNINGS 16
typedef struct mk_warnings {
    int n;
    int dropped; /* how many did not fit */
    char path[MK_MAX_WARNINGS][128];
} mk_warnings;

/* Find the kind of a decoded manifest from apiVersion and kind.
 * EINVAL "kind: Required value", "apiVersion: Unsupported value: ..." */
int validate_kind_of(json_object *obj, const mk_kind **kind, mk_err *err);

/* The built-in PriorityClasses, the only ones whose names may start with
 * "system-": validation holds them to these values, and the API server
 * makes them at start (store/server/priority.h). */
typedef struct mk_system_priority_class {
    const char *name;
    int64_t value;
    const char *description;
} mk_system_priority_class;

extern const mk_system_priority_class mk_system_priority_classes[];
extern const size_t mk_nsystem_priority_classes;

/* Validate obj as kind k: types of known fields, required fields,
 * DNS-1123 names (metadata.name, container names, port names...), label
 * keys and values, quantities in resources, enums (restartPolicy, protocol,
 * pathType...). Unknown fields go to *warn (may be NULL). EINVAL on the first
 * error, with its field path in the message. Does not modify obj. */
int validate_object(const mk_kind *k, json_object *obj, mk_warnings *warn, mk_err *err);

/* Rewrite obj into the form Kubernetes stores: quantities written as
 * numbers ("cpu: 1", "memory: 1e9") become strings ("1", "1e9"), so every
 * reader can take them with mk_json_str() and quantity_parse(); a
 * CronJob gets Kubernetes' defaults (concurrencyPolicy Allow, suspend
 * false, history limits 3 and 1). Call after
 * a successful validate_object, before storing; never fails. */
void validate_normalize(const mk_kind *k, json_object *obj);

/* Validate a change: validate_object on the new object, plus what may not
 * change (metadata.name, namespace, uid; a pod's spec.nodeName once set,
 * a Service's clusterIP once set, ...). */
int validate_update(const mk_kind *k, json_object *old, json_object *obj, mk_warnings *warn,
                    mk_err *err);

#endif
