/* stshistory.h - a StatefulSet's ControllerRevisions, kept as Kubernetes
 * keeps them.
 *
 * Each template the set has had is a ControllerRevision "<set>-<hash>"
 * (apps/v1, owned by the set, labelled with the template's labels so that
 * `kubectl rollout history` finds it by the set's selector) whose data is
 * the strategic merge patch {"spec":{"template":{..., "$patch":"replace"}}}
 * that `kubectl rollout undo` applies, and whose revision is its number.
 */
#ifndef MK_CONTROLLERS_STSHISTORY_H
#define MK_CONTROLLERS_STSHISTORY_H

#include <json-c/json.h>
#include <stddef.h>

#include "store/client.h"
#include "store/informer.h"
#include "store/selector.h"

typedef struct sts_history {
    char current[96];          /* the current revision's name */
    json_object *current_tmpl; /* its template when not the set's (caller puts), or NULL */
} sts_history;

/* Bring the set's revisions up to date: the update revision `update`
 * exists and has the highest number (made, or an older revision with the
 * same template renumbered, as after a rollout undo); the current one is
 * status.currentRevision while that revision exists, else `update`; the
 * oldest revisions beyond spec.revisionHistoryLimit (10) go, unless they
 * are the current or update revision or a pod's (live: the pods' revision
 * names). Revisions without a controller, named "<set>-..." and picked by
 * sel (the set's selector), are adopted first. revs: the ControllerRevision
 * informer. < 0 on an API error (out is filled all the same). */
int stshistory_sync(mk_client *cl, mk_informer *revs, json_object *set, const mk_selector *sel,
                    const char *update, char *const *live, size_t nlive, sts_history *out,
                    mk_err *err);

#endif
