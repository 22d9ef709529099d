/* Runtime layer with real runc + conmon: sandbox, containers, logs, exit
 * codes, OOM, CPU quota, a shared emptyDir, probes, and a clean teardown. Runs in
 * its own network namespace, so the test bridge and routes vanish with it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kubelet/cgroup.h"
#include "kubelet/console.h"
#include "kubelet/fsutil.h"
#include "kubelet/probe.h"
#include "kubelet/image.h"
#include "kubelet/logfile.h"
#include "kubelet/netlink.h"
#include "kubelet/oci.h"
#include "kubelet/pods.h"
#include "kubelet/sandbox.h"
#include "store/codec.h"
#include "store/util.h"

static char root[32];
static bool root_made; /* by setup's mkdtemp: teardown removes it */
static char *image_dir;
static runtime *rt;
static podnet *pn;
static pods_env env;
static bool unavailable; /* not root, or no runc: every test skips */

/* The same tests for each OCI runtime: runc, then crun. */
static int setup_runtime(const char *kind, const char *binary)
{
    strcpy(root, "/tmp/mk-kubelet-rt-XXXXXX");
    unavailable = false;
    if (geteuid() != 0 || access(binary, X_OK) < 0 || access("/usr/bin/conmon", X_OK) < 0) {
        fprintf(stderr, "# skipped: needs root, %s and conmon\n", binary);
        unavailable = true;
        return 0;
    }
    if (unshare(CLONE_NEWNET) < 0)
        return -1;
    if (!mkdtemp(root))
        return -1;
    root_made = true;
    image_dir = xasprintf("%s/images", root);
    mk_err err;
    if (image_build_busybox(image_dir, NULL, &err) < 0) {
        fprintf(stderr, "# %s\n", err.msg);
        return -1;
    }
    _cleanup_free_ char *st = xasprintf("%s/runtime", root);
    if (runtime_new(kind, st, &rt, &err) < 0)
        return -1;
    pn = podnet_new(root, "mkt0");
    if (podnet_set_cidr(pn, "10.244.250.0/24", &err) < 0) {
        fprintf(stderr, "# %s\n", err.msg);
        return -1;
    }
    env = (pods_env){.root_dir = root,
                     .image_dir = image_dir,
                     .node_name = "t",
                     .rt = rt,
                     .pn = pn,
                     .cluster_dns = "10.96.0.10"};
    return 0;
}

static int setup(void **state)
{
    (void)state;
    return setup_runtime("runc", "/usr/sbin/runc");
}

static int setup_crun(void **state)
{
    (void)state;
    return setup_runtime("crun", "/usr/bin/crun");
}

static int teardown(void **state)
{
    (void)state;
    mk_err err;
    char **uids = NULL;
    size_t n = 0;
    if (rt) {
        pods_list_local(&env, &uids, &n, &err);
        for (size_t i = 0; i < n; i++) {
            pods_teardown(&env, uids[i], &err);
            free(uids[i]);
        }
        free(uids);
    }
    runtime_free(rt);
    podnet_free(pn);
    rt = NULL;
    pn = NULL;
    /* Not "no X left in the name": mkdtemp's letters may be an X. */
    if (root_made)
        fsu_rm_rf(root, &err);
    root_made = false;
    /* The shared parent cgroup goes too, unless another kubelet uses it. */
    cgroup_remove_empty("/minik8s");
    free(image_dir);
    image_dir = NULL;
    return 0;
}

static json_object *make_pod(const char *uid, const char *yaml)
{
    json_object *pod = NULL;
    mk_err err;
    assert_int_equal(codec_decode(yaml, strlen(yaml), &pod, &err), 0);
    mk_json_set_str(pod, "metadata.uid", uid);
    return pod;
}

static json_object *container(json_object *pod, int i)
{
    return json_object_array_get_idx(mk_json_path(pod, "spec.containers"), (size_t)i);
}

static bool wait_log(const char *uid, const char *ctr, const char *want, int ms)
{
    for (int t = 0; t < ms; t += 50) {
        _cleanup_free_ char *p = pods_latest_log(&env, uid, ctr);
        mk_buf b = {0};
        if (p)
            logfile_read(p, -1, &b, NULL);
        bool ok = b.data && strstr(b.data, want);
        mk_buf_free(&b);
        if (ok)
            return true;
        usleep(50000);
    }
    return false;
}

static int wait_exit(const char *uid, const char *ctr, int ms)
{
    _cleanup_free_ char *id = pods_container_id(uid, ctr);
    for (int t = 0; t < ms; t += 50) {
        int code = runtime_exit_code(rt, id, NULL);
        if (code >= 0)
            return code;
        usleep(50000);
    }
    return -1;
}

static void assert_gone(const char *uid)
{
    _cleanup_free_ char *dir = pods_dir(&env, uid);
    _cleanup_free_ char *ns = xasprintf("%s/mk-%s", SANDBOX_NETNS_DIR, uid);
    _cleanup_free_ char *cg = xasprintf("/sys/fs/cgroup/memory/minik8s/%s", uid);
    _cleanup_free_ char *cg2 = xasprintf("/sys/fs/cgroup/minik8s/%s", uid);
    assert_int_not_equal(access(dir, F_OK), 0);
    assert_int_not_equal(access(ns, F_OK), 0);
    assert_int_not_equal(access(cg, F_OK), 0);
    assert_int_not_equal(access(cg2, F_OK), 0);
    char ip[16];
    assert_false(podnet_lookup(pn, uid, ip));
}

static void test_run_log_kill(void **state)
{
    (void)state;
    if (unavailable)
        skip();
    char uid[37];
    mk_uuid(uid);
    json_object *pod =
        make_pod(uid, "metadata: {name: p1, namespace: default}\n"
                      "spec:\n  containers:\n  - name: c\n    image: busybox\n"
                      "    command: [sh, -c, 'echo hello $HOSTNAME; echo oops >&2; "
                      "ip addr show eth0; cat /etc/resolv.conf /etc/hosts; "
                      "echo x 2>/dev/null >/etc/resolv.conf || echo resolv.conf read-only; "
                      "exec sleep 100']\n");
    mk_err err = {0};
    char ip[16];
    assert_int_equal(pods_sandbox_up(&env, pod, ip, &err), 0);
    assert_string_equal(ip, "10.244.250.2");
    /* hairpin on the pod's bridge port: it reaches itself via a ClusterIP */
    char veth[16];
    podnet_veth_name(uid, veth);
    _cleanup_free_ char *hp =
        xasprintf("bridge -d link show dev %s | grep -q 'hairpin on'", veth);
    assert_int_equal(system(hp), 0);
    assert_int_equal(pods_check_image(&env, container(pod, 0), &err), 0);
    int rc = pods_start_container(&env, pod, container(pod, 0), 0, ip, &err);
    if (rc < 0)
        fail_msg("%s", err.msg);
    assert_true(wait_log(uid, "c", "hello p1", 5000));
    assert_true(wait_log(uid, "c", "oops", 5000));
    assert_true(wait_log(uid, "c", "10.244.250.2/24", 5000));
    /* The cluster's DNS and the pod's own name, never the host's files. */
    assert_true(wait_log(uid, "c", "nameserver 10.96.0.10", 5000));
    assert_true(wait_log(uid, "c", "search default.svc.cluster.local", 5000));
    assert_true(wait_log(uid, "c", "options ndots:5", 5000));
    assert_true(wait_log(uid, "c", "resolv.conf read-only", 5000));
    assert_true(wait_log(uid, "c", "10.244.250.2\tp1", 5000));
    _cleanup_free_ char *id = pods_container_id(uid, "c");
    runtime_status st;
    pid_t pid;
    assert_int_equal(runtime_state(rt, id, &st, &pid, &err), 0);
    assert_int_equal(st, RUNTIME_RUNNING);
    assert_true(pid > 0);
    assert_int_equal(runtime_exit_code(rt, id, NULL), -1);
    assert_int_equal(runtime_kill(rt, id, 9, &err), 0);
    assert_int_equal(wait_exit(uid, "c", 5000), 137);
    assert_int_equal(pods_teardown(&env, uid, &err), 0);
    assert_gone(uid);
    assert_int_equal(runtime_state(rt, id, &st, &pid, &err), 0);
    assert_int_equal(st, RUNTIME_ABSENT);
    json_object_put(pod);
}

/* Everything a pty master says until the process is gone (EIO). */
static void read_all(int fd, mk_buf *b)
{
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        mk_buf_append(b, buf, (size_t)n);
}

/* exec with a terminal: the process sees a pty, our size, and its exit
 * code comes back through runc. */
static void test_exec_tty(void **state)
{
    (void)state;
    if (unavailable)
        skip();
    char uid[37];
    mk_uuid(uid);
    json_object *pod = make_pod(uid, "metadata: {name: p5}\nspec:\n  containers:\n"
                                     "  - name: c\n    image: busybox\n"
                                     "    command: [sleep, '100']\n");
    mk_err err = {0};
    char ip[16];
    assert_int_equal(pods_sandbox_up(&env, pod, ip, &err), 0);
    assert_int_equal(pods_start_container(&env, pod, container(pod, 0), 0, ip, &err), 0);
    _cleanup_free_ char *id = pods_container_id(uid, "c");
    int master;
    pid_t pid;
    char *const argv[] = {"sh", "-c", "read line; tty; stty size; echo got $line; exit 7",
                          NULL};
    assert_int_equal(runtime_exec_tty(rt, id, argv, &master, &pid, &err), 0);
    assert_int_equal(console_resize(master, "132 43", 6, &err), 0);
    assert_int_equal(console_resize(master, "wide", 4, &err), -EINVAL);
    assert_int_equal(write(master, "hello\r", 6), 6);
    mk_buf out = {0};
    read_all(master, &out);
    close(master);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 7);
    mk_buf_puts(&out, "");
    if (!strstr(out.data, "/dev/pts/") || !strstr(out.data, "43 132") ||
        !strstr(out.data, "got hello"))
        fail_msg("terminal output: %s", out.data);
    mk_buf_free(&out);
    assert_int_equal(pods_teardown(&env, uid, &err), 0);
    assert_gone(uid);
    json_object_put(pod);
}

static void test_missing_image(void **state)
{
    (void)state;
    if (unavailable)
        skip();
    char uid[37];
    mk_uuid(uid);
    json_object *pod = make_pod(uid, "metadata: {name: p2}\nspec:\n  containers:\n"
                                     "  - name: c\n    image: nosuchimage:1.0\n");
    mk_err err = {0};
    assert_int_equal(pods_check_image(&env, container(pod, 0), &err), -ENOENT);
    assert_non_null(strstr(err.msg, "nosuchimage"));
    json_object_put(pod);
}

static void test_oom(void **state)
{
    (void)state;
    if (unavailable)
        skip();
    char uid[37];
    mk_uuid(uid);
    json_object *pod =
        make_pod(uid, "metadata: {name: p3}\nspec:\n  containers:\n"
                      "  - name: hog\n    image: busybox\n"
                      "    command: [sh, -c, 'head -c 200000000 /dev/zero | tail']\n"
                      "    resources: {limits: {memory: 20Mi}}\n");
    mk_err err = {0};
    char ip[16];
    assert_int_equal(pods_sandbox_up(&env, pod, ip, &err), 0);
    if (pods_start_container(&env, pod, container(pod, 0), 0, ip, &err) < 0)
        fail_msg("%s", err.msg);
    int code = wait_exit(uid, "hog", 20000);
    assert_true(code == 137 || code == 1 || code == 141);
    /* The evidence lives in the cgroup until runc delete. */
    _cleanup_free_ char *cg = pods_cgroup_path(uid, "hog");
    cgroup_stats cs;
    assert_true(cgroup_read(cg, &cs));
    assert_true(cs.oom_kills > 0);
    assert_int_equal(cs.memory_limit, 20 * 1024 * 1024);
    assert_int_equal(pods_teardown(&env, uid, &err), 0);
    assert_gone(uid);
    json_object_put(pod);
}

/* The CFS quota the container's cgroup holds, as "quota period" in us. */
static void read_cpu_quota(const char *cg, long *quota, long *period)
{
    mk_err err = {0};
    char *text = NULL;
    size_t len;
    *quota = *period = -1;
    if (cgroup_is_v2()) {
        _cleanup_free_ char *p = xasprintf("/sys/fs/cgroup%s/cpu.max", cg);
        assert_int_equal(mk_read_file(p, 64, &text, &len, &err), 0);
        assert_int_equal(sscanf(text, "%ld %ld", quota, period), 2);
        free(text);
        return;
    }
    _cleanup_free_ char *q = xasprintf("/sys/fs/cgroup/cpu%s/cpu.cfs_quota_us", cg);
    _cleanup_free_ char *p = xasprintf("/sys/fs/cgroup/cpu%s/cpu.cfs_period_us", cg);
    assert_int_equal(mk_read_file(q, 64, &text, &len, &err), 0);
    *quota = atol(text);
    free(text);
    assert_int_equal(mk_read_file(p, 64, &text, &len, &err), 0);
    *period = atol(text);
    free(text);
}

/* limits.cpu 200m is a CFS quota of 20 ms per 100 ms period. What the kernel
 * guarantees is an upper bound: over any window the loop gets at most its
 * quota per period overlapping it. How much CPU it gets below that depends
 * on the machine's load, so throttling counts only when the loop got its
 * whole share (then it must have hit the quota). */
static void test_cpu_quota(void **state)
{
    (void)state;
    if (unavailable)
        skip();
    char uid[37];
    mk_uuid(uid);
    json_object *pod = make_pod(uid, "metadata: {name: p4}\nspec:\n  containers:\n"
                                     "  - name: spin\n    image: busybox\n"
                                     "    command: [sh, -c, 'while :; do :; done']\n"
                                     "    resources: {limits: {cpu: 200m}}\n");
    mk_err err = {0};
    char ip[16];
    assert_int_equal(pods_sandbox_up(&env, pod, ip, &err), 0);
    if (pods_start_container(&env, pod, container(pod, 0), 0, ip, &err) < 0)
        fail_msg("%s", err.msg);
    _cleanup_free_ char *cg = pods_cgroup_path(uid, "spin");
    long quota_us, period_us;
    read_cpu_quota(cg, &quota_us, &period_us);
    assert_int_equal(quota_us, 20000);
    assert_int_equal(period_us, OCI_CPU_PERIOD_US);

    /* The window: t0 before the first read and t1 after the last, so the
     * usage measured lies inside [t0, t1]. 2 s is 20 periods. */
    cgroup_stats a = {0}, b = {0};
    int64_t t0 = mk_now_ns();
    assert_true(cgroup_read(cg, &a));
    for (int i = 0; i < 40; i++) {
        usleep(50000);
        assert_true(cgroup_read(cg, &b));
    }
    int64_t t1 = mk_now_ns();
    assert_true(b.cpu_usage_ns > 0);
    int64_t used = b.cpu_usage_ns - a.cpu_usage_ns, elapsed = t1 - t0;
    int64_t quota_ns = quota_us * 1000, period_ns = period_us * 1000;
    /* At most one quota per period overlapping the window: elapsed/period,
     * plus the two partial periods at its ends, plus one for the runtime a
     * CPU may overrun by (repaid in the next period). An unlimited loop
     * would use up to the whole 2 s. */
    int64_t bound = quota_ns * elapsed / period_ns + 3 * quota_ns;
    print_message("# cpu: %lld ms used in %lld ms (bound %lld ms), throttled %lld periods\n",
                  (long long)(used / 1000000), (long long)(elapsed / 1000000),
                  (long long)(bound / 1000000), (long long)(b.nr_throttled - a.nr_throttled));
    assert_true(used <= bound);
    if (used >= quota_ns * elapsed / period_ns)
        assert_true(b.nr_throttled > a.nr_throttled);
    assert_int_equal(pods_teardown(&env, uid, &err), 0);
    assert_gone(uid);
    json_object_put(pod);
}

static void test_shared_emptydir(void **state)
{
    (void)state;
    if (unavailable)
        skip();
    char uid[37];
    mk_uuid(uid);
    json_object *pod = make_pod(
        uid, "metadata: {name: p5}\nspec:\n"
             "  volumes: [{name: shared, emptyDir: {}}]\n"
             "  containers:\n"
             "  - name: writer\n    image: busybox\n"
             "    command: [sh, -c, 'echo from-writer > /data/msg; exec sleep 100']\n"
             "    volumeMounts: [{name: shared, mountPath: /data}]\n"
             "  - name: reader\n    image: busybox\n"
             "    command: [sh, -c, 'while [ ! -f /in/msg ]; do sleep 0.1; done; cat /in/msg; "
             "hostname; exec sleep 100']\n"
             "    volumeMounts: [{name: shared, mountPath: /in}]\n");
    mk_err err = {0};
    char ip[16];
    assert_int_equal(pods_sandbox_up(&env, pod, ip, &err), 0);
    for (int i = 0; i < 2; i++)
        if (pods_start_container(&env, pod, container(pod, i), 0, ip, &err) < 0)
            fail_msg("%s", err.msg);
    assert_true(wait_log(uid, "reader", "from-writer", 5000));
    assert_true(wait_log(uid, "reader", "p5", 5000)); /* shared UTS: the pod's name */
    assert_int_equal(pods_teardown(&env, uid, &err), 0);
    assert_gone(uid);
    json_object_put(pod);
}

/* Run probe k of the pod's first container ("c") once. */
static bool probe_once(json_object *pod, const char *uid, const char *ip, probe_kind k,
                       char *msg, size_t n)
{
    _cleanup_free_ char *id = pods_container_id(uid, "c");
    probe_target t = {.rt = rt, .ctr_id = id, .pod_ip = ip, .who = "test"};
    probe_set ps;
    probe_set_init(&ps, container(pod, 0));
    bool ok = probe_run(&ps.p[k].spec, &t, msg, n);
    probe_set_free(&ps);
    return ok;
}

/* Each handler against a real container: exec through the runtime (exit
 * code, output, timeout), httpGet to busybox httpd on the pod's IP,
 * tcpSocket to the same port and to one nobody listens on. */
static void test_probes(void **state)
{
    (void)state;
    if (unavailable)
        skip();
    char uid[37];
    mk_uuid(uid);
    json_object *pod = make_pod(
        uid, "metadata: {name: p6}\nspec:\n  containers:\n  - name: c\n    image: busybox\n"
             "    command: [sh, -c, 'mkdir /www; echo ok > /www/ok; httpd -p 8080 -h /www;"
             " exec sleep 100']\n"
             "    ports: [{name: web, containerPort: 8080}]\n"
             "    startupProbe: {exec: {command: [sh, -c, 'echo not yet; exit 3']}}\n"
             "    livenessProbe: {exec: {command: [sleep, '5']}, timeoutSeconds: 1}\n"
             "    readinessProbe: {httpGet: {path: /ok, port: web}}\n");
    mk_err err = {0};
    char ip[16], msg[200];
    assert_int_equal(pods_sandbox_up(&env, pod, ip, &err), 0);
    assert_int_equal(pods_start_container(&env, pod, container(pod, 0), 0, ip, &err), 0);
    assert_false(probe_once(pod, uid, ip, PROBE_STARTUP, msg, sizeof msg));
    assert_string_equal(msg, "command exited 3: not yet");
    int64_t t0 = mk_now_ns();
    assert_false(probe_once(pod, uid, ip, PROBE_LIVENESS, msg, sizeof msg));
    assert_string_equal(msg, "command timed out after 1s");
    assert_true(mk_now_ns() - t0 < 3000000000LL);
    bool up = false; /* httpd starts with the container: give it a moment */
    for (int i = 0;
         i < 50 && !(up = probe_once(pod, uid, ip, PROBE_READINESS, msg, sizeof msg)); i++)
        usleep(100000);
    if (!up)
        fail_msg("httpGet: %s", msg);
    json_object *probe = mk_json_path(container(pod, 0), "readinessProbe.httpGet");
    json_object_object_add(probe, "path", json_object_new_string("/missing"));
    assert_false(probe_once(pod, uid, ip, PROBE_READINESS, msg, sizeof msg));
    assert_string_equal(msg, "HTTP probe failed with statuscode: 404");
    json_object_object_del(mk_json_path(container(pod, 0), "readinessProbe"), "httpGet");
    json_object *tcp = json_object_new_object();
    json_object_object_add(tcp, "port", json_object_new_int(8080));
    json_object_object_add(mk_json_path(container(pod, 0), "readinessProbe"), "tcpSocket", tcp);
    assert_true(probe_once(pod, uid, ip, PROBE_READINESS, msg, sizeof msg));
    json_object_object_add(tcp, "port", json_object_new_int(8081));
    assert_false(probe_once(pod, uid, ip, PROBE_READINESS, msg, sizeof msg));
    assert_non_null(strstr(msg, "Connection refused"));
    assert_int_equal(pods_teardown(&env, uid, &err), 0);
    assert_gone(uid);
    json_object_put(pod);
}

static char *link_mac(const char *name)
{
    _cleanup_free_ char *cmd = xasprintf("ip -br link show %s", name);
    FILE *f = popen(cmd, "r");
    char line[256] = "", ifname[64], state[64], mac[64] = "";
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    pclose(f);
    assert_int_equal(sscanf(line, "%63s %63s %63s", ifname, state, mac), 3);
    return xstrdup(mac);
}

/* A port with a lower MAC than the bridge's must not change the bridge's:
 * pods would keep sending to the old one (netlink.c, pin_address). */
static void test_bridge_address_pinned(void **state)
{
    if (unavailable)
        skip();
    nl_sock_t *sk = NULL;
    mk_err err = {0};
    assert_int_equal(netlink_open(&sk, &err), 0);
    assert_int_equal(netlink_bridge(sk, "mkt9", &err), 0);
    _cleanup_free_ char *before = link_mac("mkt9");
    assert_int_equal(system("ip link add mkt9a type veth peer name mkt9b && "
                            "ip link set mkt9a address 00:00:00:00:00:01 && "
                            "ip link set mkt9a master mkt9 up"),
                     0);
    _cleanup_free_ char *after = link_mac("mkt9");
    assert_int_equal(netlink_bridge(sk, "mkt9", &err), 0); /* again: unchanged */
    _cleanup_free_ char *again = link_mac("mkt9");
    assert_int_equal(system("ip link del mkt9a && ip link del mkt9"), 0);
    netlink_close(sk);
    assert_string_equal(after, before);
    assert_string_equal(again, before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bridge_address_pinned),
        cmocka_unit_test(test_run_log_kill),
        cmocka_unit_test(test_exec_tty),
        cmocka_unit_test(test_missing_image),
        cmocka_unit_test(test_oom),
        cmocka_unit_test(test_cpu_quota),
        cmocka_unit_test(test_shared_emptydir),
        cmocka_unit_test(test_probes),
    };
    int failed = cmocka_run_group_tests_name("runc", tests, setup, teardown);
    return failed + cmocka_run_group_tests_name("crun", tests, setup_crun, teardown);
}
