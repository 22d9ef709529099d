/* cronjob.h - the CronJob controller: Jobs on a schedule.
 *
 * As Kubernetes' CronJob controller (v2):
 * - at each time spec.schedule names (store/cron.h), in spec.timeZone
 *   (UTC by default), a Job is made from spec.jobTemplate, named
 *   "<cronjob>-<scheduled time in minutes since the epoch>", with the
 *   template's labels and annotations, the annotation
 *   batch.kubernetes.io/cronjob-scheduled-timestamp (the time, RFC 3339 in
 *   the zone) and a controller reference to the CronJob;
 * - missed times (the controller was down, the CronJob was suspended)
 *   are not caught up: only the most recent missed time runs, and only if
 *   it is no older than spec.startingDeadlineSeconds (when set); more than
 *   100 missed times raise a TooManyMissedTimes warning;
 * - spec.concurrencyPolicy: Allow runs Jobs side by side; Forbid skips a
 *   time while a Job is active (JobAlreadyActive); Replace deletes the
 *   active Jobs first;
 * - spec.suspend: no new Jobs (those running go on);
 * - finished Jobs beyond successfulJobsHistoryLimit (3) and
 *   failedJobsHistoryLimit (1) are deleted, oldest first, their pods with
 *   them;
 * - status: active (references to the running Jobs), lastScheduleTime,
 *   lastSuccessfulTime; Events SuccessfulCreate, SawCompletedJob,
 *   SuccessfulDelete, JobAlreadyActive, MissSchedule, MissingJob,
 *   TooManyMissedTimes, UnknownTimeZone, UnparseableSchedule, FailedCreate.
 * The controller sleeps until the next scheduled time of each CronJob; a
 * change to a CronJob or to one of its Jobs wakes it.
 */
#ifndef MK_CONTROLLERS_CRONJOB_H
#define MK_CONTROLLERS_CRONJOB_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/cron.h"

/* Kubernetes' bound on missed start times before it warns. */
#define CRONJOB_MAX_MISSED 100

typedef struct cronjob_plan {
    int64_t scheduled;    /* the time to start a Job for now; -1: none is due */
    int64_t next;         /* the next time after now (-1: none): wake then */
    bool too_many_missed; /* more than CRONJOB_MAX_MISSED times were missed */
    bool too_late;        /* `scheduled` is older than startingDeadlineSeconds */
    bool already;         /* the Job of `scheduled` was already started */
    bool forbid;          /* concurrencyPolicy Forbid with a Job active: skip */
    bool replace;         /* concurrencyPolicy Replace: delete the active Jobs first */
} cronjob_plan;

/* What a CronJob (with its status.active already reconciled against its
 * Jobs) needs at `now` (Unix seconds), under schedule s in zone z. */
void cronjob_decide(json_object *cj, const cron_schedule *s, const cron_zone *z, int64_t now,
                    cronjob_plan *out);

/* The name of the Job for scheduled time t: "<name>-<t / 60>" (caller frees). */
char *cronjob_job_name(const char *name, int64_t t);

#endif
