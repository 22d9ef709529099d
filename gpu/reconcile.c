#include "gpu/reconcile.h"

#include <string.h>
#include <time.h>

#include "gpu/jobspec.h"
#include "gpu/output.h"
#include "gpu/slurm.h"
#include "gpu/target.h"
#include "store/codec.h"
#include "store/kinds.h"
#include "store/log.h"
#include "store/util.h"

#define GPU_STATUS_OUTPUT_MAX 4096
#define GPU_POLL_MIN_MS       100

/* Everything one step works with; the strings are owned. */
typedef struct gpu_step {
    gpu_ctx *ctx;
    gpu_job_state *st;
    const char *ns, *name; /* borrowed from st->job; valid until it is replaced */
    char *ns_copy, *name_copy;
    gpujob_spec spec;
    gpu_target target;
    hpc_conn *conn;
    char *workdir;
} gpu_step;

bool gpu_phase_done(const char *phase)
{
    return phase && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0);
}

static const char *gpu_status(json_object *job, const char *field)
{
    json_object *status = mk_json_path(job, "status");
    return status ? mk_json_str(status, field) : NULL;
}

static void gpu_now(char buf[32])
{
    mk_rfc3339(buf, 32, time(NULL));
}

/* Merge-patch the job's status with the fields of patch (consumed); on
 * success the server's answer becomes the job we know. */
static int gpu_patch_status(gpu_step *s, json_object *patch, mk_err *err)
{
    json_object *body = json_object_new_object();
    json_object_object_add(body, "status", patch);
    json_object *out = NULL;
    int rc = client_patch(s->ctx->client, kind_by_kind("GpuJob"), s->ns_copy, s->name_copy,
                          "status", codec_to_json(body, NULL), &out, err);
    json_object_put(body);
    if (rc == 0 && out) {
        json_object_put(s->st->job);
        s->st->job = out;
    } else {
        json_object_put(out);
    }
    return rc;
}

/* Write status fields; false (logged) if they must be written again later.
 * A job that is gone needs nothing more: that counts as written. */
static bool gpu_set_status(gpu_step *s, json_object *patch)
{
    mk_err err = {0};
    if (gpu_patch_status(s, patch, &err) == 0 || err.code == ENOENT)
        return true;
    mk_log("gpujob %s/%s: status update failed: %s (will retry)", s->ns, s->name, err.msg);
    return false;
}

/* The delay after a step that ends the job, or retries the step if its
 * status could not be written. */
static int gpu_end(gpu_step *s, bool written)
{
    return written ? -1 : s->ctx->poll_interval_ms;
}

/* One log line per event, though a compiler's message has many: the first
 * line that mentions an error, else the first line. */
static void gpu_log_failure(gpu_step *s, const char *reason, const char *message)
{
    const char *m = message, *e = strstr(message, "error");
    if (e) {
        while (e > message && e[-1] != '\n')
            e--;
        m = e;
    }
    mk_log("gpujob %s/%s: failed: %s: %.*s", s->ns, s->name, reason, (int)strcspn(m, "\n"), m);
}

/* Say why the job waits, once (not on every retry). */
static int gpu_wait(gpu_step *s, const char *reason, const char *message)
{
    const char *old = gpu_status(s->st->job, "reason");
    if (!old || strcmp(old, reason) != 0) {
        mk_log("gpujob %s/%s: waiting: %s", s->ns, s->name, message);
        json_object *p = json_object_new_object();
        if (!gpu_status(s->st->job, "phase"))
            json_object_object_add(p, "phase", json_object_new_string("Pending"));
        json_object_object_add(p, "reason", json_object_new_string(reason));
        json_object_object_add(p, "message", json_object_new_string(message));
        gpu_set_status(s, p);
    }
    return s->ctx->poll_interval_ms;
}

/* The job ends as Failed with reason and message. */
static int gpu_fail(gpu_step *s, const char *reason, const char *message)
{
    gpu_log_failure(s, reason, message);
    char now[32];
    gpu_now(now);
    json_object *p = json_object_new_object();
    json_object_object_add(p, "phase", json_object_new_string("Failed"));
    json_object_object_add(p, "reason", json_object_new_string(reason));
    json_object_object_add(p, "message", json_object_new_string(message));
    json_object_object_add(p, "completionTime", json_object_new_string(now));
    return gpu_end(s, gpu_set_status(s, p));
}

static int64_t gpu_attempts(json_object *job)
{
    json_object *status = mk_json_path(job, "status");
    return status ? mk_json_int(status, "attempts", 0) : 0;
}

/* An attempt failed: go again if spec.backoffLimit allows, else end. The
 * fields in p (consumed) describe the attempt. */
static int gpu_attempt_failed(gpu_step *s, json_object *p, const char *reason,
                              const char *message)
{
    int64_t attempts = mk_json_int(p, "attempts", gpu_attempts(s->st->job));
    char now[32];
    gpu_now(now);
    bool retry = attempts <= s->spec.backoff_limit && strcmp(reason, "Cancelled") != 0;
    json_object_object_add(p, "reason", json_object_new_string(reason));
    _cleanup_free_ char *msg =
        retry ? xasprintf("attempt %lld of %lld failed, retrying: %s", (long long)attempts,
                          (long long)s->spec.backoff_limit + 1, message)
              : xstrdup(message);
    json_object_object_add(p, "message", json_object_new_string(msg));
    if (retry) {
        mk_log("gpujob %s/%s: attempt %lld failed (%s), retrying", s->ns, s->name,
               (long long)attempts, reason);
        json_object_object_add(p, "phase", json_object_new_string("Pending"));
        json_object_object_add(p, "jobId", NULL);
    } else {
        gpu_log_failure(s, reason, message);
        json_object_object_add(p, "phase", json_object_new_string("Failed"));
        json_object_object_add(p, "completionTime", json_object_new_string(now));
    }
    bool written = gpu_set_status(s, p);
    return retry ? s->ctx->poll_interval_ms : gpu_end(s, written);
}

/* ---- Pending: upload and submit ---- */

/* The job ID an earlier mk-gpu submitted for this attempt, if any. */
static int gpu_find_submitted(gpu_step *s, int attempt, char jobid[32], mk_err *err)
{
    _cleanup_free_ char *cmd =
        xasprintf("mkdir -p '%s' && cat '%s/minik8s-jobid-%d' 2>/dev/null; true", s->workdir,
                  s->workdir, attempt);
    _cleanup_free_ char *out = NULL;
    int status;
    int rc = hpc_exec(s->conn, cmd, &out, NULL, &status, err);
    if (rc < 0)
        return rc;
    jobid[0] = '\0';
    if (status != 0)
        return mk_error(err, EIO, "mkdir %s failed", s->workdir);
    mk_err ignore;
    if (slurm_parse_jobid(out, jobid, &ignore) < 0)
        jobid[0] = '\0';
    return 0;
}

static int gpu_upload(gpu_step *s, mk_err *err)
{
    const gpujob_spec *sp = &s->spec;
    for (size_t i = 0; i < sp->nfiles; i++) {
        _cleanup_free_ char *path = xasprintf("%s/%s", s->workdir, sp->files[i].name);
        int rc = hpc_put(s->conn, path, sp->files[i].data, sp->files[i].len, 0644, err);
        if (rc < 0)
            return rc;
    }
    struct {
        const char *name;
        char *text;
    } gen[] = {{SLURM_BATCH_FILE, slurm_batch_script(sp)},
               {SLURM_BUILD_FILE, slurm_build_script(sp)},
               {SLURM_RUN_FILE, slurm_run_script(sp)}};
    int rc = 0;
    for (size_t i = 0; i < ARRAY_SIZE(gen); i++) {
        _cleanup_free_ char *path = xasprintf("%s/%s", s->workdir, gen[i].name);
        if (rc == 0)
            rc = hpc_put(s->conn, path, gen[i].text, strlen(gen[i].text), 0755, err);
        free(gen[i].text);
    }
    return rc;
}

/* Cancel every Slurm job submitted from the working directory $d (each
 * attempt left its ID in minik8s-jobid-N; $extra is one more), wait a
 * little for them to end, then remove $d. A job still ending can write a
 * file (its exit status) while rm runs, so rm is tried again later, in the
 * background, if the directory is still there. POSIX sh: the login shell
 * may not be bash. */
static const char gpu_cleanup_script[] =
    "ids=$extra; for f in \"$d\"/minik8s-jobid-*; do "
    "  id=$(cat \"$f\" 2>/dev/null); case $id in ''|*[!0-9]*) ;; *) ids=\"$ids $id\" ;; esac; "
    "done; "
    "[ -z \"$ids\" ] || scancel $ids 2>/dev/null; "
    "i=0; while [ $i -lt 25 ]; do "
    "  busy=; for id in $ids; do squeue -h -j $id 2>/dev/null | grep -q . && busy=1; done; "
    "  [ -n \"$busy\" ] || break; sleep 0.2; i=$((i + 1)); "
    "done; "
    "rm -rf -- \"$d\" 2>/dev/null || "
    "{ (sleep 30; rm -rf -- \"$d\") </dev/null >/dev/null 2>&1 & }";

static void gpu_remote_cleanup(hpc_conn *conn, const char *workdir, const char *jobid)
{
    /* workdir: DNS labels and hex; jobid: digits or nothing. */
    _cleanup_free_ char *cmd =
        xasprintf("d='%s'; extra='%s'; %s", workdir, slurm_jobid_ok(jobid) ? jobid : "",
                  gpu_cleanup_script);
    int status;
    mk_err err = {0};
    if (hpc_exec(conn, cmd, NULL, NULL, &status, &err) < 0)
        mk_log("cleanup of %s failed: %s", workdir, err.msg);
}

static int gpu_submit(gpu_step *s)
{
    mk_err err = {0};
    int attempt = (int)gpu_attempts(s->st->job) + 1;
    char jobid[32];
    if (gpu_find_submitted(s, attempt, jobid, &err) < 0)
        goto ssh_failed;
    if (jobid[0]) {
        mk_log("gpujob %s/%s: adopting Slurm job %s (attempt %d, submitted before a restart)",
               s->ns, s->name, jobid, attempt);
    } else {
        if (gpu_upload(s, &err) < 0)
            goto ssh_failed;
        _cleanup_free_ char *cmd = slurm_submit_command(s->workdir, attempt);
        _cleanup_free_ char *out = NULL, *errout = NULL;
        int status;
        if (hpc_exec(s->conn, cmd, &out, &errout, &status, &err) < 0)
            goto ssh_failed;
        if (status != 0 || slurm_parse_jobid(out, jobid, &err) < 0) {
            json_object *p = json_object_new_object();
            json_object_object_add(p, "attempts", json_object_new_int64(attempt));
            /* sbatch's own words ("sbatch: error: ...") say it best. */
            _cleanup_free_ char *msg =
                errout && *errout ? xstrdup(errout) : xasprintf("sbatch: %s", err.msg);
            msg[strcspn(msg, "\n")] = '\0';
            slurm_utf8_sanitize(msg);
            return gpu_attempt_failed(s, p, "SubmitFailed", msg);
        }
    }
    /* The job ID first: from here on a restart resumes instead of resubmitting. */
    char now[32];
    gpu_now(now);
    json_object *p = json_object_new_object();
    json_object_object_add(p, "phase", json_object_new_string("Submitted"));
    json_object_object_add(p, "jobId", json_object_new_string(jobid));
    json_object_object_add(p, "attempts", json_object_new_int64(attempt));
    json_object_object_add(p, "submitTime", json_object_new_string(now));
    const char *nulls[] = {"startTime", "completionTime", "exitCode", "reason", "message"};
    for (size_t i = 0; i < ARRAY_SIZE(nulls); i++)
        json_object_object_add(p, nulls[i], NULL);
    if (gpu_patch_status(s, p, &err) < 0) {
        if (err.code == ENOENT) { /* deleted meanwhile: take the job back */
            gpu_remote_cleanup(s->conn, s->workdir, jobid);
            return -1;
        }
        /* The jobid file lets the next try adopt it. */
        mk_log("gpujob %s/%s: recording Slurm job %s failed: %s", s->ns, s->name, jobid,
               err.msg);
        return s->ctx->poll_interval_ms;
    }
    mk_log("gpujob %s/%s: submitted as Slurm job %s (attempt %d)", s->ns, s->name, jobid,
           attempt);
    s->st->backoff_ms = GPU_POLL_MIN_MS;
    return GPU_POLL_MIN_MS;

ssh_failed:
    hpc_pool_check(s->ctx->pool, s->conn);
    json_object *fp = json_object_new_object();
    json_object_object_add(fp, "attempts", json_object_new_int64(attempt));
    return gpu_attempt_failed(s, fp, "SSHError", err.msg);
}

/* ---- Submitted, Running: poll, and collect at the end ---- */

/* Slurm forgot the job (MinJobAge passed while we were away): the exit
 * file the script leaves tells how it ended. */
static int gpu_state_from_exit_file(gpu_step *s, const char *jobid, slurm_job_state *st,
                                    mk_err *err)
{
    _cleanup_free_ char *path = xasprintf("%s/minik8s-exit-%s", s->workdir, jobid);
    _cleanup_free_ char *text = NULL;
    size_t len;
    bool trunc;
    int rc = hpc_get_tail(s->conn, path, 64, &text, &len, &trunc, err);
    if (rc < 0)
        return rc;
    memset(st, 0, sizeof *st);
    st->exit_code = atoi(text);
    strcpy(st->state, st->exit_code == 0 ? "COMPLETED" : "FAILED");
    return 0;
}

static int gpu_fetch(gpu_step *s, const char *jobid, const char *ext, char **text, bool *trunc)
{
    _cleanup_free_ char *path = xasprintf("%s/slurm-%s.%s", s->workdir, jobid, ext);
    size_t len;
    mk_err err = {0};
    int rc = hpc_get_tail(s->conn, path, GPU_OUTPUT_MAX, text, &len, trunc, &err);
    if (rc == -ENOENT) {
        *text = xstrdup("");
        *trunc = false;
        return 0;
    }
    if (rc == 0)
        slurm_utf8_sanitize(*text);
    return rc;
}

static int gpu_finish(gpu_step *s, const char *jobid, const slurm_job_state *sl)
{
    _cleanup_free_ char *out = NULL, *errtext = NULL;
    bool out_trunc, err_trunc;
    if (gpu_fetch(s, jobid, "out", &out, &out_trunc) < 0 ||
        gpu_fetch(s, jobid, "err", &errtext, &err_trunc) < 0) {
        hpc_pool_check(s->ctx->pool, s->conn);
        return s->ctx->poll_interval_ms; /* try again: the files stay */
    }
    mk_err err = {0};
    int rc =
        gpu_output_save(s->ctx->client, s->st->job, out, out_trunc, errtext, err_trunc, &err);
    if (rc == -EINVAL) {
        /* Refused for good (a job name too long for "<name>-output"): the
         * status still gets the tail. */
        mk_log("gpujob %s/%s: no output ConfigMap: %s", s->ns, s->name, err.msg);
    } else if (rc < 0) {
        mk_log("gpujob %s/%s: saving output failed: %s (will retry)", s->ns, s->name, err.msg);
        return s->ctx->poll_interval_ms;
    }
    slurm_outcome o;
    slurm_outcome_of(sl, errtext, &o);
    bool tail_trunc;
    _cleanup_free_ char *tail =
        slurm_output_tail(out, errtext, GPU_STATUS_OUTPUT_MAX, &tail_trunc);
    char now[32];
    gpu_now(now);
    json_object *p = json_object_new_object();
    json_object_object_add(p, "exitCode", json_object_new_int(o.exit_code));
    json_object_object_add(p, "output", json_object_new_string(tail));
    json_object_object_add(p, "outputTruncated",
                           json_object_new_boolean(tail_trunc || out_trunc || err_trunc));
    if (!gpu_status(s->st->job, "startTime"))
        json_object_object_add(p, "startTime", json_object_new_string(now));
    if (strcmp(o.phase, "Succeeded") == 0) {
        json_object_object_add(p, "phase", json_object_new_string("Succeeded"));
        json_object_object_add(p, "completionTime", json_object_new_string(now));
        json_object_object_add(p, "reason", NULL);
        json_object_object_add(p, "message", NULL);
        mk_log("gpujob %s/%s: Slurm job %s succeeded", s->ns, s->name, jobid);
        rc = gpu_end(s, gpu_set_status(s, p));
    } else {
        rc = gpu_attempt_failed(s, p, o.reason, o.message);
    }
    free(o.message);
    return rc;
}

static int gpu_poll(gpu_step *s, const char *jobid)
{
    mk_err err = {0};
    _cleanup_free_ char *cmd = xasprintf("scontrol -o show job %s", jobid);
    _cleanup_free_ char *out = NULL, *errout = NULL;
    int status;
    slurm_job_state sl;
    if (hpc_exec(s->conn, cmd, &out, &errout, &status, &err) < 0)
        goto retry;
    if (status != 0 && errout && strstr(errout, "Invalid job id")) {
        int rc = gpu_state_from_exit_file(s, jobid, &sl, &err);
        if (rc == -ENOENT) {
            json_object *p = json_object_new_object();
            _cleanup_free_ char *msg = xasprintf("Slurm no longer knows job %s and it left no "
                                                 "exit status",
                                                 jobid);
            return gpu_attempt_failed(s, p, "Lost", msg);
        }
        if (rc < 0)
            goto retry;
    } else if (status != 0 || slurm_parse_show_job(out, &sl, &err) < 0) {
        const char *why = errout && *errout ? errout : err.msg;
        mk_log("gpujob %s/%s: scontrol: %.*s", s->ns, s->name, (int)strcspn(why, "\n"), why);
        return s->ctx->poll_interval_ms;
    }
    if (slurm_state_done(sl.state))
        return gpu_finish(s, jobid, &sl);
    const char *phase = gpu_status(s->st->job, "phase");
    if (slurm_state_started(sl.state) && (!phase || strcmp(phase, "Running") != 0)) {
        char now[32];
        gpu_now(now);
        json_object *p = json_object_new_object();
        json_object_object_add(p, "phase", json_object_new_string("Running"));
        json_object_object_add(p, "startTime", json_object_new_string(now));
        mk_log("gpujob %s/%s: Slurm job %s running", s->ns, s->name, jobid);
        gpu_set_status(s, p);
    }
    /* Poll fast at first (short jobs end in a second), then back off. */
    int delay = s->st->backoff_ms < GPU_POLL_MIN_MS ? GPU_POLL_MIN_MS : s->st->backoff_ms;
    s->st->backoff_ms =
        delay * 2 > s->ctx->poll_interval_ms ? s->ctx->poll_interval_ms : delay * 2;
    return delay;

retry:
    /* The Slurm job runs on without us: reconnect later, do not fail it. */
    mk_log("gpujob %s/%s: polling Slurm job %s: %s (will retry)", s->ns, s->name, jobid,
           err.msg);
    hpc_pool_check(s->ctx->pool, s->conn);
    return s->ctx->poll_interval_ms;
}

/* ---- one step ---- */

/* Read the spec, the Secret and the sources; connect. Returns 0 to go on,
 * or the step's result (a delay or -1) through *result. */
static int gpu_prepare(gpu_step *s, bool pending, int *result)
{
    mk_err err = {0};
    json_object *job = s->st->job;
    if (gpujob_spec_parse(job, &s->spec, &err) < 0) {
        *result = gpu_fail(s, "InvalidSpec", err.msg);
        return -1;
    }
    s->workdir = gpujob_workdir(s->spec.ns, s->spec.name, s->spec.uid);
    json_object *secret = NULL;
    int rc = client_get(s->ctx->client, kind_by_kind("Secret"), s->ns, s->spec.secret_name,
                        &secret, &err);
    if (rc < 0) {
        _cleanup_free_ char *msg = xasprintf("secret %s: %s", s->spec.secret_name, err.msg);
        *result = rc == -ENOENT ? gpu_wait(s, "SecretNotFound", msg) : s->ctx->poll_interval_ms;
        return -1;
    }
    rc = gpu_target_from_secret(secret, &s->target, &err);
    json_object_put(secret);
    if (rc < 0) {
        *result = gpu_wait(s, "InvalidSecret", err.msg);
        return -1;
    }
    if (pending && s->spec.sources_configmap) {
        json_object *cm = NULL;
        rc = client_get(s->ctx->client, kind_by_kind("ConfigMap"), s->ns,
                        s->spec.sources_configmap, &cm, &err);
        if (rc == 0)
            rc = gpujob_spec_add_configmap(&s->spec, cm, &err);
        json_object_put(cm);
        if (rc == -EINVAL) {
            *result = gpu_fail(s, "InvalidSpec", err.msg);
            return -1;
        }
        if (rc < 0) {
            _cleanup_free_ char *msg =
                xasprintf("configmap %s: %s", s->spec.sources_configmap, err.msg);
            *result = rc == -ENOENT ? gpu_wait(s, "ConfigMapNotFound", msg)
                                    : s->ctx->poll_interval_ms;
            return -1;
        }
    }
    hpc_target t = gpu_target_view(&s->target);
    rc = hpc_pool_get(s->ctx->pool, &t, &s->conn, &err);
    if (rc == -EKEYREJECTED) {
        /* Never talk to a host we cannot verify: nothing is submitted. */
        *result = gpu_fail(s, "HostKeyMismatch", err.msg);
        return -1;
    }
    if (rc < 0) {
        if (pending) {
            json_object *p = json_object_new_object();
            json_object_object_add(p, "attempts", json_object_new_int64(gpu_attempts(job) + 1));
            *result = gpu_attempt_failed(s, p, "SSHError", err.msg);
        } else {
            mk_log("gpujob %s/%s: %s (will retry)", s->ns, s->name, err.msg);
            *result = s->ctx->poll_interval_ms;
        }
        return -1;
    }
    return 0;
}

int gpu_reconcile(gpu_ctx *ctx, gpu_job_state *st)
{
    const char *phase = gpu_status(st->job, "phase");
    if (gpu_phase_done(phase))
        return -1;
    gpu_step s = {.ctx = ctx, .st = st};
    s.ns_copy = xstrdup(mk_json_str(st->job, "metadata.namespace") ?: "default");
    s.name_copy = xstrdup(mk_json_str(st->job, "metadata.name") ?: "");
    s.ns = s.ns_copy;
    s.name = s.name_copy;
    _cleanup_free_ char *jobid = NULL;
    const char *id = gpu_status(st->job, "jobId");
    if (id && slurm_jobid_ok(id))
        jobid = xstrdup(id);
    bool pending = !jobid;
    int result;
    if (gpu_prepare(&s, pending, &result) == 0)
        result = pending ? gpu_submit(&s) : gpu_poll(&s, jobid);
    gpujob_spec_free(&s.spec);
    gpu_target_free(&s.target);
    free(s.workdir);
    free(s.ns_copy);
    free(s.name_copy);
    return result;
}

void gpu_cleanup(gpu_ctx *ctx, json_object *job)
{
    const char *ns = mk_json_str(job, "metadata.namespace") ?: "default";
    const char *name = mk_json_str(job, "metadata.name") ?: "";
    const char *uid = mk_json_str(job, "metadata.uid");
    mk_err err = {0};
    if (gpu_output_delete(ctx->client, ns, name, uid, &err) < 0)
        mk_log("gpujob %s/%s: deleting output: %s", ns, name, err.msg);
    const char *secret_name = mk_json_str(job, "spec.hpc.secretRef.name");
    if (!secret_name || !mk_is_dns1123_label(ns) || !mk_is_dns1123_label(name))
        return;
    json_object *secret = NULL;
    gpu_target t;
    if (client_get(ctx->client, kind_by_kind("Secret"), ns, secret_name, &secret, &err) < 0 ||
        gpu_target_from_secret(secret, &t, &err) < 0) {
        mk_log("gpujob %s/%s: deleted; cannot clean up on the HPC host: %s", ns, name, err.msg);
        json_object_put(secret);
        return;
    }
    json_object_put(secret);
    hpc_target view = gpu_target_view(&t);
    hpc_conn *conn;
    if (hpc_pool_get(ctx->pool, &view, &conn, &err) == 0) {
        _cleanup_free_ char *wd = gpujob_workdir(ns, name, uid);
        const char *phase = gpu_status(job, "phase");
        const char *jobid = gpu_status(job, "jobId");
        gpu_remote_cleanup(conn, wd, jobid);
        hpc_pool_check(ctx->pool, conn);
        mk_log("gpujob %s/%s: deleted; %s%s removed", ns, name,
               !gpu_phase_done(phase) && slurm_jobid_ok(jobid) ? "Slurm job cancelled, " : "",
               wd);
    } else {
        mk_log("gpujob %s/%s: deleted; cannot clean up on the HPC host: %s", ns, name, err.msg);
    }
    gpu_target_free(&t);
}
