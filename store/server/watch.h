/* watch.h - the watch fan-out hub.
 *
 * The backend's event sink appends every committed change to a bounded ring
 * (by count and bytes). Each event's serialized object is stored once and
 * shared by reference; next to it sit small "views" (name, namespace,
 * labels, spec.nodeName, status.phase) of the object and of its previous
 * state, enough to evaluate selectors without parsing the object again.
 *
 * Writers never wait for watchers: the sink holds the hub lock only to
 * append. Each watcher keeps its own cursor (a revision) and copies event
 * references out under the lock, then writes outside it. A watcher whose
 * cursor fell behind the ring's start catches up from backend_history.
 */
#ifndef MK_SERVER_WATCH_H
#define MK_SERVER_WATCH_H

#include <json-c/json.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/backend/backend.h"
#include "store/selector.h"

typedef struct hub hub;

typedef struct hub_event {
    atomic_int refs;
    int64_t rev;
    mk_event_type type;
    char *key;
    char *json; /* the object at rev, canonical JSON */
    size_t len;
    char *prev_json; /* selector view of the state before the change, as
                      * JSON; NULL if unknown */
    /* Parsed views, built on first use (hub_event_view): most events are
     * never looked at by a watcher with selectors, so most never cost one. */
    _Atomic(json_object *) view, prev_view;
} hub_event;

/* The selector view of the event's object (prev: of its previous state;
 * NULL when unknown). Built once, then shared read-only between threads. */
json_object *hub_event_view(hub_event *e, bool prev);

/* A hub whose ring starts empty and covers every change after start_rev. */
hub *hub_new(int64_t start_rev, size_t max_events, size_t max_bytes);
/* The backend event sink (ctx is the hub). Never blocks on watchers. */
int hub_sink(void *ctx, const mk_event *ev);
/* Wake every waiting watcher and make hub_next fail ECANCELED from now on. */
void hub_close(hub *h);
void hub_free(hub *h);

/* Up to max events with revision > after, oldest first, each referenced
 * (release with hub_event_unref). Waits until deadline_ns (mk_now_ns clock)
 * when there is none yet and returns 0 then. -MK_EGONE when the ring no
 * longer covers after (catch up with backend_history); -ECANCELED once the
 * hub is closed. */
int hub_next(hub *h, int64_t after, hub_event **out, int max, int64_t deadline_ns);
/* The newest revision the hub has seen (or its start revision). */
int64_t hub_last_rev(hub *h);

/* An event built from a backend event (history catch-up); refs = 1. */
hub_event *hub_event_new(const mk_event *ev);
void hub_event_unref(hub_event *e);

/* A selector view of obj: {metadata:{name,namespace,labels},spec:{nodeName},
 * status:{phase}}. Caller puts. */
json_object *hub_view_of(json_object *obj);

/* Memory the ring holds now, bytes (estimate), and its event count. */
size_t hub_bytes(hub *h, size_t *count);

/* Watchers with selectors: while there are any, the sink builds each
 * event's views once, instead of many watchers racing to build them. */
void hub_selective_add(hub *h, int delta);

/* Watcher gauge for /metrics. */
void hub_watchers_add(hub *h, int delta);
int hub_watchers(hub *h);

#endif
