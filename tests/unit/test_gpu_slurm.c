/* test_gpu_slurm.c - GpuJob spec reading, the generated Slurm script, and
 * reading sbatch/scontrol answers back into an outcome. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "gpu/jobspec.h"
#include "gpu/slurm.h"
#include "gpu/target.h"
#include "store/codec.h"
#include "store/util.h"

static json_object *parse(const char *text)
{
    json_object *o = NULL;
    mk_err err = {0};
    assert_int_equal(codec_decode(text, strlen(text), &o, &err), 0);
    return o;
}

#define JOB_HEAD                                                                               \
    "{\"apiVersion\":\"minik8s.io/v1\",\"kind\":\"GpuJob\",\"metadata\":{\"name\":\"mm\","     \
    "\"namespace\":\"default\",\"uid\":\"0A1B2C3D-4e5f-6789\"},"

static void test_spec_full(void **state)
{
    json_object *job =
        parse(JOB_HEAD "\"spec\":{\"sources\":[{\"name\":\"mm.cu\",\"content\":\"int x;\"}],"
                       "\"build\":[\"nvcc -o mm mm.cu\"],\"run\":[\"./mm 64\"],"
                       "\"slurm\":{\"partition\":\"debug\",\"nodes\":1,\"ntasksPerNode\":1,"
                       "\"cpusPerTask\":2,\"gres\":\"gpu:1\",\"timeLimit\":\"00:05:00\","
                       "\"memory\":\"1G\"},\"backoffLimit\":2,"
                       "\"hpc\":{\"secretRef\":{\"name\":\"hpc\"}}}}");
    gpujob_spec s;
    mk_err err = {0};
    assert_int_equal(gpujob_spec_parse(job, &s, &err), 0);
    assert_int_equal(s.nfiles, 1);
    assert_string_equal(s.files[0].name, "mm.cu");
    assert_string_equal(s.secret_name, "hpc");
    assert_int_equal(s.backoff_limit, 2);
    assert_int_equal(s.slurm.cpus_per_task, 2);

    char *script = slurm_batch_script(&s);
    const char *want[] = {
        "#!/bin/bash\n",
        "#SBATCH --job-name=mk-default-mm\n",
        "#SBATCH --partition=debug\n",
        "#SBATCH --nodes=1\n",
        "#SBATCH --ntasks-per-node=1\n",
        "#SBATCH --cpus-per-task=2\n",
        "#SBATCH --gres=gpu:1\n",
        "#SBATCH --time=00:05:00\n",
        "#SBATCH --mem=1G\n",
        "set -e\n",
        "echo \"" SLURM_BUILD_FAILED_MARKER "\" >&2\n    exit 3\n",
        "bash ./" SLURM_RUN_FILE "\n",
    };
    for (size_t i = 0; i < ARRAY_SIZE(want); i++)
        assert_non_null(strstr(script, want[i]));
    /* #SBATCH lines must all come before the first command. */
    assert_true(strstr(script, "#SBATCH --mem") < strstr(script, "set -e"));
    free(script);
    char *build = slurm_build_script(&s);
    assert_string_equal(build, "set -e\nPS4='$ '\nset -x\nnvcc -o mm mm.cu\n");
    free(build);
    char *run = slurm_run_script(&s);
    assert_string_equal(run, "set -e\n./mm 64\n");
    free(run);

    char *wd = gpujob_workdir(s.ns, s.name, s.uid);
    assert_string_equal(wd, "minik8s-gpujobs/default-mm-0a1b2c3d");
    char *cmd = slurm_submit_command(wd, 2);
    assert_non_null(strstr(cmd, "cd 'minik8s-gpujobs/default-mm-0a1b2c3d' && "));
    assert_non_null(strstr(cmd, "> minik8s-jobid-2"));
    free(cmd);
    free(wd);
    gpujob_spec_free(&s);
    json_object_put(job);
}

static void expect_spec_error(const char *spec, const char *field)
{
    _cleanup_free_ char *text = xasprintf(JOB_HEAD "\"spec\":%s}", spec);
    json_object *job = parse(text);
    gpujob_spec s;
    mk_err err = {0};
    assert_int_equal(gpujob_spec_parse(job, &s, &err), -EINVAL);
    if (!strstr(err.msg, field))
        fail_msg("error \"%s\" does not name %s", err.msg, field);
    json_object_put(job);
}

static void test_spec_errors(void **state)
{
    const char *hpc = "\"hpc\":{\"secretRef\":{\"name\":\"hpc\"}}";
    char buf[512];
    snprintf(buf, sizeof buf, "{\"build\":[],%s}", hpc);
    expect_spec_error(buf, "spec.run");
    snprintf(buf, sizeof buf, "{\"run\":[\"x\"]}");
    expect_spec_error(buf, "spec.hpc.secretRef.name");
    const char *bad_names[] = {"../x", "a/b", "..", ".", "minik8s-job.sh", "", "a\\nb"};
    for (size_t i = 0; i < ARRAY_SIZE(bad_names); i++) {
        snprintf(buf, sizeof buf, "{\"run\":[\"x\"],%s,\"sources\":[{\"name\":\"%s\"}]}", hpc,
                 bad_names[i]);
        expect_spec_error(buf, "spec.sources[0].name");
    }
    snprintf(buf, sizeof buf,
             "{\"run\":[\"x\"],%s,\"sources\":[{\"name\":\"a\"},{\"name\":\"a\"}]}", hpc);
    expect_spec_error(buf, "Duplicate");
    /* Nothing may break out of an #SBATCH line. */
    snprintf(buf, sizeof buf,
             "{\"run\":[\"x\"],%s,\"slurm\":{\"partition\":\"debug\\nrm -rf ~\"}}", hpc);
    expect_spec_error(buf, "spec.slurm.partition");
    snprintf(buf, sizeof buf, "{\"run\":[\"x\"],%s,\"slurm\":{\"gres\":\"gpu 1\"}}", hpc);
    expect_spec_error(buf, "spec.slurm.gres");
    snprintf(buf, sizeof buf, "{\"run\":[\"x\"],%s,\"slurm\":{\"nodes\":0}}", hpc);
    expect_spec_error(buf, "spec.slurm.nodes");
    snprintf(buf, sizeof buf, "{\"run\":[\"x\"],%s,\"backoffLimit\":-1}", hpc);
    expect_spec_error(buf, "spec.backoffLimit");
}

static void test_spec_configmap(void **state)
{
    json_object *job =
        parse(JOB_HEAD "\"spec\":{\"sources\":[{\"name\":\"a.cu\",\"content\":\"A\"}],"
                       "\"sourcesFrom\":{\"configMapRef\":{\"name\":\"src\"}},"
                       "\"run\":[\"x\"],\"hpc\":{\"secretRef\":{\"name\":\"h\"}}}}");
    json_object *cm = parse("{\"metadata\":{\"name\":\"src\"},\"data\":{\"b.h\":\"B\"},"
                            "\"binaryData\":{\"c.bin\":\"AAEC\"}}");
    json_object *dup = parse("{\"metadata\":{\"name\":\"src\"},\"data\":{\"a.cu\":\"again\"}}");
    gpujob_spec s;
    mk_err err = {0};
    assert_int_equal(gpujob_spec_parse(job, &s, &err), 0);
    assert_string_equal(s.sources_configmap, "src");
    assert_int_equal(gpujob_spec_add_configmap(&s, cm, &err), 0);
    assert_int_equal(s.nfiles, 3);
    assert_string_equal(s.files[1].name, "b.h");
    assert_int_equal(s.files[2].len, 3);
    assert_memory_equal(s.files[2].data, "\0\1\2", 3);
    assert_int_equal(gpujob_spec_add_configmap(&s, dup, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "Duplicate"));
    gpujob_spec_free(&s);
    json_object_put(job);
    json_object_put(cm);
    json_object_put(dup);
}

/* Slurm's integer forms: timeLimit in minutes, memory in megabytes. */
static void test_spec_integers(void **state)
{
    json_object *job = parse(JOB_HEAD "\"spec\":{\"run\":[\"x\"],\"hpc\":{\"secretRef\":"
                                      "{\"name\":\"h\"}},\"slurm\":{\"timeLimit\":10,"
                                      "\"memory\":512}}}");
    gpujob_spec s;
    mk_err err = {0};
    assert_int_equal(gpujob_spec_parse(job, &s, &err), 0);
    char *script = slurm_batch_script(&s);
    assert_non_null(strstr(script, "#SBATCH --time=10\n"));
    assert_non_null(strstr(script, "#SBATCH --mem=512\n"));
    /* Nothing asked for, nothing written. */
    assert_null(strstr(script, "--gres"));
    assert_null(strstr(script, "--partition"));
    free(script);
    gpujob_spec_free(&s);
    json_object_put(job);
}

static void test_parse_answers(void **state)
{
    char id[32];
    mk_err err = {0};
    assert_int_equal(slurm_parse_jobid("12\n", id, &err), 0);
    assert_string_equal(id, "12");
    assert_int_equal(slurm_parse_jobid("345;cluster\n", id, &err), 0);
    assert_string_equal(id, "345");
    assert_int_equal(slurm_parse_jobid("sbatch: error: x\n", id, &err), -EBADMSG);
    assert_int_equal(slurm_parse_jobid("", id, &err), -EBADMSG);
    assert_true(slurm_jobid_ok("12"));
    assert_false(slurm_jobid_ok("12; rm"));
    assert_false(slurm_jobid_ok(""));

    slurm_job_state st;
    assert_int_equal(slurm_parse_show_job("JobId=7 JobName=x UserId=u(1) JobState=FAILED "
                                          "Reason=NonZeroExitCode Dependency=(null) "
                                          "ExitCode=3:0 RunTime=00:00:01\n",
                                          &st, &err),
                     0);
    assert_string_equal(st.state, "FAILED");
    assert_int_equal(st.exit_code, 3);
    assert_int_equal(slurm_parse_show_job("JobId=7 JobState=TIMEOUT ExitCode=0:15", &st, &err),
                     0);
    assert_string_equal(st.state, "TIMEOUT");
    assert_int_equal(st.exit_signal, 15);
    /* "OldJobState=" or a job name containing the word must not fool it. */
    assert_int_equal(slurm_parse_show_job("JobId=7 JobName=JobState=X", &st, &err), -EBADMSG);
    assert_true(slurm_state_done("COMPLETED"));
    assert_false(slurm_state_done("COMPLETING"));
    assert_true(slurm_state_started("COMPLETING"));
    assert_false(slurm_state_started("PENDING"));
}

static void expect_outcome(const char *state, int code, int sig, const char *err_text,
                           const char *phase, const char *reason, const char *msg_part)
{
    slurm_job_state st = {.exit_code = code, .exit_signal = sig};
    strcpy(st.state, state);
    slurm_outcome o;
    slurm_outcome_of(&st, err_text, &o);
    assert_string_equal(o.phase, phase);
    if (reason)
        assert_string_equal(o.reason, reason);
    else
        assert_null(o.reason);
    if (msg_part && (!o.message || !strstr(o.message, msg_part)))
        fail_msg("message \"%s\" lacks \"%s\"", o.message ? o.message : "", msg_part);
    free(o.message);
}

static void test_outcomes(void **state)
{
    const char *build_err = "$ nvcc -o bad bad.cu\nbad.cu(3): error: identifier \"y\" is "
                            "undefined\n" SLURM_BUILD_FAILED_MARKER "\n";
    expect_outcome("COMPLETED", 0, 0, "", "Succeeded", NULL, NULL);
    expect_outcome("FAILED", 3, 0, build_err, "Failed", "BuildFailed",
                   "bad.cu(3): error: identifier \"y\" is undefined");
    /* Exit 3 from the program itself is a runtime error. */
    expect_outcome("FAILED", 3, 0, "oops\n", "Failed", "RuntimeError", "code 3");
    expect_outcome("FAILED", 42, 0, "", "Failed", "RuntimeError", "code 42");
    expect_outcome("FAILED", 0, 9, "", "Failed", "RuntimeError", "signal 9");
    expect_outcome("TIMEOUT", 0, 15, "", "Failed", "TimeLimit", "time limit");
    expect_outcome("CANCELLED", 0, 15, "", "Failed", "Cancelled", NULL);
    expect_outcome("OUT_OF_MEMORY", 0, 9, "", "Failed", "OutOfMemory", NULL);
    expect_outcome("NODE_FAIL", 0, 0, "", "Failed", "NodeFail", NULL);
}

static void test_output_tail(void **state)
{
    bool trunc;
    char *t = slurm_output_tail("out\n", "err\n", 100, &trunc);
    assert_string_equal(t, "out\nerr\n");
    assert_false(trunc);
    free(t);
    t = slurm_output_tail("0123456789", "abc", 5, &trunc);
    assert_string_equal(t, "89abc");
    assert_true(trunc);
    free(t);
    /* A cut inside "é" (c3 a9) starts after it; bad bytes become '?'. */
    t = slurm_output_tail("x\xc3\xa9yz", "\xff", 4, &trunc);
    assert_string_equal(t, "yz?");
    free(t);
    char s[] = "ok \xe2\x82\xac \xc0\xaf \xed\xa0\x80 end";
    slurm_utf8_sanitize(s);
    assert_string_equal(s, "ok \xe2\x82\xac ?? ??? end");
}

static void test_secret(void **state)
{
    /* host=127.0.0.1 port=2222 user=alice privateKey=KEY knownHosts=KH */
    json_object *sec =
        parse("{\"metadata\":{\"name\":\"hpc\"},\"data\":{"
              "\"host\":\"MTI3LjAuMC4x\",\"port\":\"MjIyMgo=\",\"user\":\"YWxpY2U=\","
              "\"privateKey\":\"S0VZ\",\"knownHosts\":\"S0g=\"}}");
    gpu_target t;
    mk_err err = {0};
    assert_int_equal(gpu_target_from_secret(sec, &t, &err), 0);
    assert_string_equal(t.host, "127.0.0.1");
    assert_int_equal(t.port, 2222);
    assert_string_equal(t.user, "alice");
    assert_string_equal(t.private_key, "KEY");
    assert_string_equal(t.known_hosts, "KH");
    gpu_target_free(&t);
    json_object_put(sec);
    sec =
        parse("{\"metadata\":{\"name\":\"hpc\"},\"data\":{\"host\":\"eA==\",\"user\":\"eA==\","
              "\"privateKey\":\"!!!\",\"knownHosts\":\"eA==\"}}");
    assert_int_equal(gpu_target_from_secret(sec, &t, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "data.privateKey"));
    assert_null(strstr(err.msg, "!!!")); /* never the value */
    json_object_put(sec);
    sec = parse("{\"metadata\":{\"name\":\"hpc\"},\"data\":{\"host\":\"eA==\"}}");
    assert_int_equal(gpu_target_from_secret(sec, &t, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "data.user"));
    json_object_put(sec);

    char *out;
    size_t len;
    assert_int_equal(gpu_b64_decode("aGVs\nbG8=\n", &out, &len), 0);
    assert_string_equal(out, "hello");
    assert_int_equal(len, 5);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_full),      cmocka_unit_test(test_spec_errors),
        cmocka_unit_test(test_spec_configmap), cmocka_unit_test(test_spec_integers),
        cmocka_unit_test(test_parse_answers),  cmocka_unit_test(test_outcomes),
        cmocka_unit_test(test_output_tail),    cmocka_unit_test(test_secret),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
