/* deployment.h - the Deployment controller: ReplicaSets rolled from one
 * pod template to the next.
 *
 * As Kubernetes' deployment controller:
 * - each template gets its ReplicaSet "<deployment>-<hash>", the hash of
 *   the template also in the label pod-template-hash (template and
 *   selector), a controller reference to the Deployment, and the
 *   annotation deployment.kubernetes.io/revision (1, 2, ...);
 * - RollingUpdate (the default): the new ReplicaSet grows while the pods of
 *   all of them stay within replicas + maxSurge (25%, rounded up), and the
 *   old ones shrink while the available pods stay at or above replicas -
 *   maxUnavailable (25%, rounded down; if both are 0, maxUnavailable is 1);
 * - Recreate: the old ReplicaSets go to 0 first, their pods gone, then the
 *   new one grows;
 * - old ReplicaSets at 0 beyond revisionHistoryLimit (10) are deleted;
 * - status (replicas, updatedReplicas, readyReplicas, availableReplicas,
 *   unavailableReplicas, observedGeneration, the Available and Progressing
 *   conditions) through /status, so `kubectl rollout status` follows it;
 *   ScalingReplicaSet Events; spec.paused stops the rollout;
 * - a rollout that makes no progress for progressDeadlineSeconds (600)
 *   gets Progressing=False, reason ProgressDeadlineExceeded (and `kubectl
 *   rollout status` fails); it goes on trying, as in Kubernetes.
 * `kubectl rollout undo` (which patches the template back) and
 * `kubectl scale deployment` work through the API as they are.
 */
#ifndef MK_CONTROLLERS_DEPLOYMENT_H
#define MK_CONTROLLERS_DEPLOYMENT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* maxSurge or maxUnavailable: an int, or "25%" of replicas rounded up
 * (round_up) or down; absent: 25%. */
int deployment_intstr(json_object *v, int replicas, bool round_up);

/* The template's hash as Kubernetes' pod-template-hash looks: 10
 * characters of its safe alphabet; the same for the same template
 * whatever its keys' order. out must hold 11 bytes. */
void deployment_hash(json_object *tmpl, char *out);

/* obj's spec.template as templates are compared and hashed: a copy (caller
 * puts) without the pod-template-hash label, without the fields equal to
 * the defaults templates gained later (defaults_strip_template) and
 * without null, {} or [] values (what Go clients write for zero values
 * means nothing). */
json_object *deployment_template_of(json_object *obj);

/* One ReplicaSet's counts for a rolling step. */
typedef struct deploy_rs {
    int replicas;  /* spec.replicas */
    int available; /* status.availableReplicas */
} deploy_rs;

/* One step of a rolling update: the new ReplicaSet's target and the old
 * ones' (olds[i].replicas updated in place, oldest first). */
int deployment_roll(int replicas, int max_surge, int max_unavailable, const deploy_rs *new_rs,
                    deploy_rs *olds, size_t nolds);

/* A Deployment's pod counts, as its status has them. */
typedef struct deploy_counts {
    int replicas, updated, ready, available;
} deploy_counts;

/* What Kubernetes' syncRolloutStatus needs to move the Progressing
 * condition. */
typedef struct deploy_progress_in {
    const char *reason;    /* the Progressing condition's reason now, or NULL */
    int64_t last_update_s; /* and its lastUpdateTime */
    int64_t deadline_s;    /* spec.progressDeadlineSeconds */
    int want;              /* spec.replicas */
    deploy_counts old, cur;
    bool paused;  /* spec.paused */
    bool created; /* the new template's ReplicaSet was created just now */
} deploy_progress_in;

/* The Progressing reason to write now, or NULL to keep the condition as
 * it is: NewReplicaSetCreated, ReplicaSetUpdated (progress: written again
 * each time, moving lastUpdateTime), NewReplicaSetAvailable,
 * ProgressDeadlineExceeded (no progress for deadline_s since
 * lastUpdateTime), DeploymentPaused, DeploymentResumed. */
const char *deployment_progress(const deploy_progress_in *in, int64_t now_s);

#endif
