/* events.h - Events about objects, as Kubernetes' event recorders write
 * them: core/v1 Events in the object's namespace, named <object>.<hex>,
 * with involvedObject, type (Normal, Warning), reason, message,
 * source {component, host}, count, firstTimestamp and lastTimestamp.
 *
 * The same event again (same object, type, reason and message) within ten
 * minutes raises count and lastTimestamp of its Event instead of making
 * another, as Kubernetes' EventCorrelator does: a pod that fails to
 * schedule every second is one Event with a growing count.
 *
 * Recording never blocks the caller: events go out on the recorder's own
 * thread. When the API server is slow or away, events beyond a queue of
 * RECORDER_QUEUE are dropped (and counted in the log), as Kubernetes drops
 * them: events are for people, never for correctness.
 */
#ifndef MK_EVENTS_H
#define MK_EVENTS_H

#include <json-c/json.h>

#include "store/client.h"

#define RECORDER_QUEUE 1000

typedef struct mk_recorder mk_recorder;

/* The object an event is about (borrowed strings; uid may be NULL). */
typedef struct mk_obj_ref {
    const char *kind, *api_version, *ns, *name, *uid;
} mk_obj_ref;

/* component: "default-scheduler", "kubelet"...; host: the node, or NULL.
 * c stays the caller's and must outlive the recorder. */
mk_recorder *recorder_new(mk_client *c, const char *component, const char *host);
/* Send what is queued (for up to two seconds), stop, free. NULL is fine. */
void recorder_free(mk_recorder *r);

/* When an Event was last seen, as kubectl and the TTL read it: the first
 * of lastTimestamp, eventTime (events.k8s.io writers set only that) and
 * metadata.creationTimestamp that is set; NULL if none is. Borrowed. */
const char *event_last_seen(json_object *ev);

/* The reference to a stored object (its kind, apiVersion, metadata). */
mk_obj_ref recorder_ref(json_object *obj);

/* Record an event; r may be NULL (nothing happens). */
void recorder_event(mk_recorder *r, const mk_obj_ref *ref, const char *type, const char *reason,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
