/* slurm.h - the Slurm side of a GpuJob: the batch script mk-gpu writes, and
 * what sbatch and scontrol answer, read back into a job outcome.
 *
 * The working directory holds the user's sources and three generated files:
 *   minik8s-job.sh     the batch script: #SBATCH lines from the spec; build,
 *                      then run; exits 3 after the marker line below when
 *                      the build fails, else with the run's exit status
 *   minik8s-build.sh   the build commands, one a line, traced (PS4="$ ")
 *   minik8s-run.sh     the run commands, one a line
 * and, per Slurm job ID: slurm-ID.out, slurm-ID.err, minik8s-exit-ID (the
 * script's exit status, for when Slurm has forgotten the job) and, per
 * attempt N, minik8s-jobid-N (written by the submit command itself, so a
 * restarted mk-gpu finds a job it submitted but never recorded).
 */
#ifndef MK_GPU_SLURM_H
#define MK_GPU_SLURM_H

#include <stdbool.h>

#include "gpu/jobspec.h"
#include "store/error.h"

#define SLURM_BATCH_FILE "minik8s-job.sh"
#define SLURM_BUILD_FILE "minik8s-build.sh"
#define SLURM_RUN_FILE   "minik8s-run.sh"
/* The last line of stderr when the build failed (the script then exits 3). */
#define SLURM_BUILD_FAILED_MARKER "minik8s: build failed"
#define SLURM_BUILD_FAILED_EXIT   3

/* The three generated files. Caller frees each. */
char *slurm_batch_script(const gpujob_spec *s);
char *slurm_build_script(const gpujob_spec *s);
char *slurm_run_script(const gpujob_spec *s);

/* The remote command that submits attempt n from workdir and prints the job
 * ID (recording it in minik8s-jobid-n first). Caller frees. */
char *slurm_submit_command(const char *workdir, int attempt);

/* The job ID from `sbatch --parsable` ("12" or "12;cluster"). EBADMSG. */
int slurm_parse_jobid(const char *out, char jobid[32], mk_err *err);
/* A job ID from the API or a file: digits only (it reaches a command). */
bool slurm_jobid_ok(const char *jobid);

typedef struct slurm_job_state {
    char state[32]; /* JobState: PENDING, RUNNING, COMPLETED, FAILED, ... */
    int exit_code;  /* ExitCode=N:S */
    int exit_signal;
} slurm_job_state;

/* Read `scontrol -o show job ID` output. EBADMSG if it has no JobState. */
int slurm_parse_show_job(const char *text, slurm_job_state *st, mk_err *err);

/* Has the job ended (no more output will come)? Running (started)? */
bool slurm_state_done(const char *state);
bool slurm_state_started(const char *state);

/* The GpuJob outcome of an ended Slurm job. phase is "Succeeded" or
 * "Failed"; reason NULL on success; message (caller frees, may be NULL)
 * says what happened; for BuildFailed it carries the compiler's output. */
typedef struct slurm_outcome {
    const char *phase;
    const char *reason;
    int exit_code;
    char *message;
} slurm_outcome;
void slurm_outcome_of(const slurm_job_state *st, const char *stderr_text, slurm_outcome *o);

/* The last max bytes of stdout followed by stderr, made valid UTF-8 (bad
 * bytes become '?'). *truncated says whether anything was cut. Caller frees. */
char *slurm_output_tail(const char *out, const char *errtext, size_t max, bool *truncated);
/* Replace bytes that are not valid UTF-8 with '?', in place. */
void slurm_utf8_sanitize(char *s);

#endif
