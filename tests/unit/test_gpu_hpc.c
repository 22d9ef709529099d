/* test_gpu_hpc.c - mk-gpu's SSH and Slurm plumbing against a real sshd and a
 * real one-node Slurm on loopback (tests/e2e/lib/hpc.bash starts them).
 * Skipped when the HPC site cannot be started (no slurmctld, not root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gpu/hpc.h"
#include "gpu/jobspec.h"
#include "gpu/slurm.h"
#include "store/codec.h"
#include "store/util.h"

#define HPC_LIB "tests/e2e/lib/hpc.bash"

static char state_file[] = "/tmp/test_gpu_hpc.XXXXXX";
static char *key, *known_hosts, *user, *hpc_dir;
static int port;
static bool have_hpc;

static char *slurp(const char *path)
{
    char *data = NULL;
    size_t len;
    mk_err err = {0};
    if (mk_read_file(path, 1 << 20, &data, &len, &err) < 0)
        return NULL;
    return data;
}

static char *state_value(const char *state, const char *k)
{
    _cleanup_free_ char *pat = xasprintf("%s=", k);
    for (const char *p = state; (p = strstr(p, pat)); p++)
        if (p == state || p[-1] == '\n')
            return xstrndup(p + strlen(pat), strcspn(p + strlen(pat), "\n"));
    return NULL;
}

static int hpc_up(void **st)
{
    int fd = mkstemp(state_file);
    if (fd < 0 || access(HPC_LIB, R_OK) != 0 || access("/usr/sbin/slurmctld", X_OK) != 0 ||
        geteuid() != 0)
        return 0;
    close(fd);
    _cleanup_free_ char *cmd = xasprintf(
        "bash -c 'source " HPC_LIB " && hpc_start && hpc_save %s' </dev/null", state_file);
    if (system(cmd) != 0)
        return 0;
    _cleanup_free_ char *state = slurp(state_file);
    hpc_dir = state_value(state, "HPC_DIR");
    user = state_value(state, "HPC_USER");
    _cleanup_free_ char *p = state_value(state, "HPC_PORT");
    _cleanup_free_ char *kp = state_value(state, "HPC_KEY");
    _cleanup_free_ char *kh = state_value(state, "HPC_KNOWN_HOSTS");
    port = atoi(p);
    key = slurp(kp);
    known_hosts = slurp(kh);
    have_hpc = key && known_hosts && user && port > 0;
    return 0;
}

static int hpc_down(void **st)
{
    _cleanup_free_ char *cmd = xasprintf(
        "bash -c 'source " HPC_LIB " && hpc_load %s && hpc_stop' </dev/null", state_file);
    if (have_hpc && system(cmd) != 0)
        fprintf(stderr, "# hpc_stop failed\n");
    unlink(state_file);
    free(key);
    free(known_hosts);
    free(user);
    free(hpc_dir);
    return 0;
}

#define NEED_HPC()                                                                             \
    do {                                                                                       \
        if (!have_hpc)                                                                         \
            skip();                                                                            \
    } while (0)

static hpc_target target(void)
{
    return (hpc_target){"127.0.0.1", port, user, key, known_hosts};
}

static void test_exec_and_files(void **st)
{
    NEED_HPC();
    hpc_target t = target();
    hpc_conn *c;
    mk_err err = {0};
    assert_int_equal(hpc_connect(&t, &c, &err), 0);
    char *out, *errout;
    int status;
    assert_int_equal(
        hpc_exec(c, "echo hi; echo oops >&2; exit 7", &out, &errout, &status, &err), 0);
    assert_string_equal(out, "hi\n");
    assert_string_equal(errout, "oops\n");
    assert_int_equal(status, 7);
    free(out);
    free(errout);
    /* The job's environment comes from sshd's SetEnv: Slurm is reachable. */
    assert_int_equal(hpc_exec(c, "mkdir -p t && sinfo -h -o %P", &out, NULL, &status, &err), 0);
    assert_int_equal(status, 0);
    assert_string_equal(out, "debug*\n");
    free(out);

    assert_int_equal(hpc_put(c, "t/f.txt", "0123456789", 10, 0644, &err), 0);
    char *data;
    size_t len;
    bool trunc;
    assert_int_equal(hpc_get_tail(c, "t/f.txt", 4, &data, &len, &trunc, &err), 0);
    assert_string_equal(data, "6789");
    assert_true(trunc);
    free(data);
    assert_int_equal(hpc_get_tail(c, "t/f.txt", 100, &data, &len, &trunc, &err), 0);
    assert_string_equal(data, "0123456789");
    assert_false(trunc);
    free(data);
    assert_int_equal(hpc_get_tail(c, "t/none", 100, &data, &len, &trunc, &err), -ENOENT);
    assert_true(hpc_alive(c));
    hpc_close(c);
}

static void test_host_key_refused(void **st)
{
    NEED_HPC();
    mk_err err = {0};
    hpc_conn *c;
    /* A known_hosts line for this host and port, but another key. */
    _cleanup_free_ char *cmd = xasprintf(
        "rm -f %s/other && ssh-keygen -q -t ed25519 -N '' -f %s/other && "
        "printf '[127.0.0.1]:%d ' > %s/other_kh && cut -d' ' -f1,2 %s/other.pub >> %s/other_kh",
        hpc_dir, hpc_dir, port, hpc_dir, hpc_dir, hpc_dir);
    assert_int_equal(system(cmd), 0);
    _cleanup_free_ char *khpath = xasprintf("%s/other_kh", hpc_dir);
    _cleanup_free_ char *other_kh = slurp(khpath);
    hpc_target t = target();
    t.known_hosts = other_kh;
    assert_int_equal(hpc_connect(&t, &c, &err), -EKEYREJECTED);
    assert_non_null(strstr(err.msg, "differs"));
    /* No line for the host at all. */
    t.known_hosts = "[127.0.0.2]:22 ssh-ed25519 "
                    "AAAAC3NzaC1lZDI1NTE5AAAAIGh1bnRlcjJodW50ZXIyaHVudGVyMmh1bnRlcjI=\n";
    assert_int_equal(hpc_connect(&t, &c, &err), -EKEYREJECTED);
    t.known_hosts = "";
    assert_int_equal(hpc_connect(&t, &c, &err), -EKEYREJECTED);
    /* Another user key: the server refuses it. */
    _cleanup_free_ char *kpath = xasprintf("%s/other", hpc_dir);
    _cleanup_free_ char *other_key = slurp(kpath);
    t = target();
    t.private_key = other_key;
    assert_int_equal(hpc_connect(&t, &c, &err), -EACCES);
    assert_null(strstr(err.msg, "PRIVATE KEY"));
    t.private_key = "not a key";
    assert_int_equal(hpc_connect(&t, &c, &err), -EINVAL);
    /* Nobody listening. */
    t = target();
    t.port = 1;
    assert_int_equal(hpc_connect(&t, &c, &err), -ECONNREFUSED);
}

static void test_pool_reuse(void **st)
{
    NEED_HPC();
    hpc_pool *p = hpc_pool_new();
    hpc_target t = target();
    hpc_conn *a, *b;
    mk_err err = {0};
    assert_int_equal(hpc_pool_get(p, &t, &a, &err), 0);
    assert_int_equal(hpc_pool_get(p, &t, &b, &err), 0);
    assert_ptr_equal(a, b);
    /* The server side of the connection dies: the next command fails, the
     * pool drops the connection and the next get opens a new one. */
    int status;
    hpc_exec(a, "kill -9 $PPID", NULL, NULL, &status, &err);
    char *out = NULL;
    int rc = hpc_exec(a, "echo still here", &out, NULL, &status, &err);
    free(out);
    assert_true(rc < 0);
    assert_false(hpc_alive(a));
    hpc_pool_check(p, a);
    assert_int_equal(hpc_pool_get(p, &t, &b, &err), 0);
    assert_int_equal(hpc_exec(b, "echo back", &out, NULL, &status, &err), 0);
    assert_string_equal(out, "back\n");
    free(out);
    /* Idle connections are closed; a fresh one comes next time. */
    hpc_pool_expire(p, 60000);
    assert_int_equal(hpc_pool_get(p, &t, &a, &err), 0);
    assert_ptr_equal(a, b);
    usleep(20 * 1000);
    hpc_pool_expire(p, 10);
    assert_int_equal(hpc_pool_get(p, &t, &b, &err), 0);
    assert_int_equal(hpc_exec(b, "true", NULL, NULL, &status, &err), 0);
    /* Same host, other known_hosts: not the verified connection. */
    t.known_hosts = "";
    assert_int_equal(hpc_pool_get(p, &t, &b, &err), -EKEYREJECTED);
    hpc_pool_free(p);
}

/* Submit a job through the generated files and wait for its end. */
static void run_job(hpc_conn *c, const char *manifest, const char *wd, slurm_job_state *stt,
                    char **out, char **errout)
{
    json_object *job;
    mk_err err = {0};
    assert_int_equal(codec_decode(manifest, strlen(manifest), &job, &err), 0);
    gpujob_spec s;
    assert_int_equal(gpujob_spec_parse(job, &s, &err), 0);
    _cleanup_free_ char *mk = xasprintf("rm -rf '%s' && mkdir -p '%s'", wd, wd);
    int status;
    assert_int_equal(hpc_exec(c, mk, NULL, NULL, &status, &err), 0);
    assert_int_equal(status, 0);
    char *files[3] = {slurm_batch_script(&s), slurm_build_script(&s), slurm_run_script(&s)};
    const char *names[3] = {SLURM_BATCH_FILE, SLURM_BUILD_FILE, SLURM_RUN_FILE};
    for (int i = 0; i < 3; i++) {
        _cleanup_free_ char *path = xasprintf("%s/%s", wd, names[i]);
        assert_int_equal(hpc_put(c, path, files[i], strlen(files[i]), 0644, &err), 0);
        free(files[i]);
    }
    for (size_t i = 0; i < s.nfiles; i++) {
        _cleanup_free_ char *path = xasprintf("%s/%s", wd, s.files[i].name);
        assert_int_equal(hpc_put(c, path, s.files[i].data, s.files[i].len, 0644, &err), 0);
    }
    _cleanup_free_ char *submit = slurm_submit_command(wd, 1);
    char *sout, *serr, id[32];
    assert_int_equal(hpc_exec(c, submit, &sout, &serr, &status, &err), 0);
    if (status != 0)
        fail_msg("sbatch failed: %s", serr);
    assert_int_equal(slurm_parse_jobid(sout, id, &err), 0);
    free(sout);
    free(serr);
    _cleanup_free_ char *show = xasprintf("scontrol -o show job %s", id);
    for (int i = 0; i < 300; i++) {
        char *text;
        assert_int_equal(hpc_exec(c, show, &text, NULL, &status, &err), 0);
        assert_int_equal(slurm_parse_show_job(text, stt, &err), 0);
        free(text);
        if (slurm_state_done(stt->state))
            break;
        usleep(100 * 1000);
    }
    _cleanup_free_ char *o = xasprintf("%s/slurm-%s.out", wd, id);
    _cleanup_free_ char *e = xasprintf("%s/slurm-%s.err", wd, id);
    size_t len;
    bool trunc;
    assert_int_equal(hpc_get_tail(c, o, 1 << 20, out, &len, &trunc, &err), 0);
    assert_int_equal(hpc_get_tail(c, e, 1 << 20, errout, &len, &trunc, &err), 0);
    /* The script's exit file exists for when Slurm has forgotten the job. */
    _cleanup_free_ char *x = xasprintf("%s/minik8s-exit-%s", wd, id);
    char *code;
    assert_int_equal(hpc_get_tail(c, x, 64, &code, &len, &trunc, &err), 0);
    assert_int_equal(atoi(code), stt->exit_code);
    free(code);
    gpujob_spec_free(&s);
    json_object_put(job);
}

#define JOB(spec)                                                                              \
    "{\"apiVersion\":\"minik8s.io/v1\",\"kind\":\"GpuJob\",\"metadata\":{\"name\":\"t\"},"     \
    "\"spec\":{\"hpc\":{\"secretRef\":{\"name\":\"h\"}},\"slurm\":{\"partition\":\"debug\","   \
    "\"nodes\":1,\"cpusPerTask\":1,\"timeLimit\":\"00:01:00\",\"memory\":\"100M\"}," spec "}}"

static void test_slurm_jobs(void **st)
{
    NEED_HPC();
    hpc_target t = target();
    hpc_conn *c;
    mk_err err = {0};
    assert_int_equal(hpc_connect(&t, &c, &err), 0);
    slurm_job_state s;
    slurm_outcome o;
    char *out, *errout;

    run_job(c,
            JOB("\"sources\":[{\"name\":\"a.txt\",\"content\":\"hello\\n\"}],"
                "\"build\":[\"cp a.txt b.txt\"],\"run\":[\"cat b.txt\"]"),
            "wd-ok", &s, &out, &errout);
    slurm_outcome_of(&s, errout, &o);
    assert_string_equal(o.phase, "Succeeded");
    assert_string_equal(out, "$ cp a.txt b.txt\nhello\n");
    free(out);
    free(errout);

    run_job(c, JOB("\"build\":[\"echo 'x.c:3: error: no' >&2; false\"],\"run\":[\"true\"]"),
            "wd-build", &s, &out, &errout);
    slurm_outcome_of(&s, errout, &o);
    assert_string_equal(o.reason, "BuildFailed");
    assert_non_null(strstr(o.message, "x.c:3: error: no"));
    free(o.message);
    free(out);
    free(errout);

    run_job(c, JOB("\"run\":[\"echo partial\", \"exit 42\", \"echo never\"]"), "wd-run", &s,
            &out, &errout);
    slurm_outcome_of(&s, errout, &o);
    assert_string_equal(o.reason, "RuntimeError");
    assert_int_equal(o.exit_code, 42);
    assert_string_equal(out, "partial\n");
    free(o.message);
    free(out);
    free(errout);
    hpc_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exec_and_files),
        cmocka_unit_test(test_host_key_refused),
        cmocka_unit_test(test_pool_reuse),
        cmocka_unit_test(test_slurm_jobs),
    };
    return cmocka_run_group_tests(tests, hpc_up, hpc_down);
}
