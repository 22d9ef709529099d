/* function.h - the function controller: a Function becomes runtime pods.
 *
 * For Function F (namespace ns) the controller keeps:
 *   ConfigMap  F-code-<rev>   the handler's source (from spec.code, or copied
 *                             from spec.codeFrom's ConfigMap key), key
 *                             "handler.py" or "handler.sh"; owned by F
 *   ReplicaSet F-<rev>        runtime pods (image python3 or fnrt-sh running
 *                             mk-fnrt on :8080, the code at /fn); owned by F
 *   Service    F              selector minik8s.io/function=F, port 80 -> 8080
 * <rev> hashes what the pods run (runtime, handler, code, env, resources,
 * timeout): a change makes a new ReplicaSet at the desired size; the old
 * ones stay until the new one has that many ready pods, then go (with
 * their ConfigMap), so calls never meet a moment with no ready pod.
 *
 * The desired size is status.autoscaler.desiredReplicas, written by
 * mk-router's autoscaler, clamped to [minReplicas, maxReplicas]; absent,
 * minReplicas (default 0). The controller writes status.revision,
 * status.replicas and status.readyReplicas by merge patch, so the two
 * writers never conflict.
 */
#ifndef MK_CONTROLLERS_FUNCTION_H
#define MK_CONTROLLERS_FUNCTION_H

#include <json-c/json.h>
#include <stdint.h>

#define FUNCTION_LABEL     "minik8s.io/function"
#define FUNCTION_REV_LABEL "minik8s.io/revision"
#define FUNCTION_PORT      8080

/* The revision of fn running code: 10 hex characters into out[11]. */
void function_revision(json_object *fn, const char *code, char out[11]);
/* The replica count to run: desiredReplicas clamped as above. */
int64_t function_desired(json_object *fn);
/* The code file name inside the pod: "handler.py" or "handler.sh". */
const char *function_code_key(json_object *fn);
/* A new ReplicaSet (caller puts) for fn at revision rev with replicas. */
json_object *function_replicaset(json_object *fn, const char *rev, int64_t replicas);

#endif
