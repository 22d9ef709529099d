/* reconcile.h - one step of a GpuJob's life, as mk-gpu's worker runs it.
 *
 * Phases: Pending -> Submitted -> Running -> Succeeded | Failed.
 *   Pending    sources and scripts are uploaded and the job is submitted;
 *              status.jobId, attempts and submitTime are the first thing
 *              recorded after sbatch answers
 *   Submitted  Slurm has the job; Running once Slurm has started it
 *   end        stdout/stderr are downloaded into the "<job>-output"
 *              ConfigMap and their tail into status.output; a failure with
 *              attempts left (spec.backoffLimit) goes back to Pending and
 *              becomes a new Slurm job
 *
 * Restart safety: a job in Submitted or Running is polled again, never
 * resubmitted. A job left in Pending by a crash between sbatch and the
 * status write is found through the file minik8s-jobid-<attempt> that the
 * submit command writes in the working directory: that job is adopted.
 *
 * Failures that end a job at once: HostKeyMismatch (nothing is submitted),
 * InvalidSpec. Waits without failing: SecretNotFound, InvalidSecret,
 * ConfigMapNotFound (status.reason says why). SSHError and SubmitFailed
 * fail the attempt. While a submitted job is polled, SSH trouble is
 * retried with backoff: the Slurm job does not depend on our connection.
 */
#ifndef MK_GPU_RECONCILE_H
#define MK_GPU_RECONCILE_H

#include <json-c/json.h>
#include <stdbool.h>

#include "gpu/hpc.h"
#include "store/client.h"

typedef struct gpu_ctx {
    mk_client *client;
    hpc_pool *pool;
    int poll_interval_ms; /* the longest wait between two polls of a job */
} gpu_ctx;

/* What the worker keeps per job between steps. */
typedef struct gpu_job_state {
    json_object *job; /* the newest object known (owned) */
    int backoff_ms;   /* current poll interval of this job */
} gpu_job_state;

/* Take one step. Replaces st->job with the object the server returned
 * after a status write. Returns the delay in ms before the next step, or
 * -1 when the job needs nothing more (it has ended). */
int gpu_reconcile(gpu_ctx *ctx, gpu_job_state *st);

/* A deleted job: scancel it if it may still run, remove its working
 * directory on the HPC host and its output ConfigMap. Best effort: failures
 * are logged. */
void gpu_cleanup(gpu_ctx *ctx, json_object *job);

/* Is this phase an end (Succeeded or Failed)? */
bool gpu_phase_done(const char *phase);

#endif
