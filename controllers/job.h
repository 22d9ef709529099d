/* job.h - the Job controller: run a pod template to completion.
 *
 * As Kubernetes' Job controller:
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
 * - spec.completionMode Indexed: each index 0..completions-1 must succeed
 *   once. A pod runs one index, lowest missing first: it has the index in
 *   the annotation and label batch.kubernetes.io/job-completion-index, the
 *   env JOB_COMPLETION_INDEX (from the annotation), the host name
 *   "<job>-<index>" and a name "<job>-<index>-<5 random>"; status says
 *   completedIndexes ("0-2,4"), and succeeded counts the indexes done.
 * - spec.podFailurePolicy: a failed pod is judged by the first rule it
 *   matches (its containers' exit codes, or its conditions, such as the
 *   DisruptionTarget preemption and eviction put on it): FailJob fails the
 *   Job at once (reason PodFailurePolicy), Ignore does not count it against
 *   backoffLimit, Count (and no match) does.
 * Creates are remembered until their pods show in the cache (expectations),
 * so a slow watch never makes it create twice.
 */
#ifndef MK_CONTROLLERS_JOB_H
#define MK_CONTROLLERS_JOB_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/util.h"

typedef struct job_counts {
    int active, succeeded, failed;
    char *fail_job; /* a FailJob rule matched a pod: why (the filler frees), or NULL */
} job_counts;

typedef struct job_plan {
    int create;         /* pods to create now */
    int remove;         /* running pods to delete now */
    const char *finish; /* NULL, "Complete" or "Failed" */
    const char *reason, *message;
    const char *suspended; /* the Suspended condition to set: "True", "False", or NULL */
} job_plan;

/* What a Job needs next, given its pods and the time (seconds). For an
 * Indexed Job, n->succeeded counts the indexes done. */
void job_decide(json_object *job, const job_counts *n, int64_t now_s, job_plan *out);

typedef enum job_failure {
    JOB_FAILURE_COUNT,
    JOB_FAILURE_IGNORE,
    JOB_FAILURE_FAIL_JOB,
} job_failure;

/* What spec.podFailurePolicy says of a failed pod, as Kubernetes'
 * matchPodFailurePolicy: the first rule that matches decides; none, or no
 * policy: count it. For FailJob, *why (caller frees) says which container
 * or condition matched which rule, in Kubernetes' words. */
job_failure job_pod_failure(json_object *job, json_object *pod, char **why);

#define JOB_INDEX_KEY "batch.kubernetes.io/job-completion-index"

/* The index the pod of an Indexed Job runs (its annotation), or -1. */
int job_pod_index(json_object *pod);
/* done[0..n) as Kubernetes writes completedIndexes: "0-2,4" ("" if none). */
void job_format_indexes(const bool *done, int n, mk_buf *out);
/* Mark in done[0..n) the indexes text names; what it cannot read, or what
 * is beyond n, is skipped. */
void job_parse_indexes(const char *text, bool *done, int n);
/* Up to want indexes, lowest first, neither done nor active, into out;
 * returns how many. */
int job_pick_indexes(const bool *done, const bool *active, int n, int want, int *out);

#endif
