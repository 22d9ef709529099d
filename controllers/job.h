/* job.h - the Job controller: run a pod template to completion.
 *
 * As Kubernetes' Job controller, for NonIndexed Jobs:
 * - up to spec.parallelism pods at once (1), until spec.completions (1)
 *   have succeeded; without completions and with parallelism > 1, the
 *   first success ends the Job once no pod is left running (work queue);
 * - failed pods (and, under restartPolicy OnFailure, container restarts)
 *   count against spec.backoffLimit (6): beyond it, or past
 *   activeDeadlineSeconds, the Job fails and its running pods are deleted;
 * - spec.suspend deletes the running pods and creates none, with the
 *   condition Suspended; the activeDeadlineSeconds clock stops, and
 *   restarts from zero on resume (startTime is reset then);
 * - pods are made from spec.template, named "<job>-<5 random>", with the
 *   labels job-name and controller-uid (Kubernetes' names) and a
 *   controller reference; the Job's spec.selector is set to that uid;
 * - status: startTime, active, succeeded, failed, completionTime and the
 *   Complete or Failed condition, through /status; Events SuccessfulCreate,
 *   SuccessfulDelete, Completed, BackoffLimitExceeded, DeadlineExceeded;
 * - spec.ttlSecondsAfterFinished deletes the finished Job (its pods go with
 *   it, by the garbage collector).
 * Creates are remembered until their pods show in the cache (expectations),
 * so a slow watch never makes it create twice.
 */
#ifndef MK_CONTROLLERS_JOB_H
#define MK_CONTROLLERS_JOB_H

#include <json-c/json.h>
#include <stdint.h>

typedef struct job_counts {
    int active, succeeded, failed;
} job_counts;

typedef struct job_plan {
    int create;         /* pods to create now */
    int remove;         /* running pods to delete now */
    const char *finish; /* NULL, "Complete" or "Failed" */
    const char *reason, *message;
    const char *suspended; /* the Suspended condition to set: "True", "False", or NULL */
} job_plan;

/* What a Job needs next, given its pods and the time (seconds). */
void job_decide(json_object *job, const job_counts *n, int64_t now_s, job_plan *out);

#endif
