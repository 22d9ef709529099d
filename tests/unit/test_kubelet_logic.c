/* The kubelet's pure rules: restart backoff and phases, k8s-file logs, the
 * OCI config, image names, base64. No runc, no API server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "yaml_fixture.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kubelet/ctrstate.h"
#include "kubelet/envvars.h"
#include "kubelet/fsutil.h"
#include "kubelet/image.h"
#include "kubelet/logfile.h"
#include "kubelet/oci.h"
#include "kubelet/resolvconf.h"
#include "kubelet/security.h"
#include "kubelet/termmsg.h"
#include "kubelet/volumes.h"
#include "store/codec.h"
#include "store/util.h"

static void test_backoff(void **state)
{
    (void)state;
    /* First restart at once, then base doubling up to the cap. */
    assert_int_equal(ctrstate_backoff_ms(0, 0, 10000, 300000), 0);
    assert_int_equal(ctrstate_backoff_ms(1, 0, 10000, 300000), 10000);
    assert_int_equal(ctrstate_backoff_ms(2, 0, 10000, 300000), 20000);
    assert_int_equal(ctrstate_backoff_ms(3, 0, 10000, 300000), 40000);
    assert_int_equal(ctrstate_backoff_ms(6, 0, 10000, 300000), 300000);
    assert_int_equal(ctrstate_backoff_ms(60, 0, 10000, 300000), 300000);
    /* A long, healthy run forgets the crashes before it. */
    assert_int_equal(ctrstate_backoff_ms(5, 600001, 10000, 300000), 0);
}

static void test_restart_policy(void **state)
{
    (void)state;
    assert_true(ctrstate_should_restart(NULL, 0));
    assert_true(ctrstate_should_restart("Always", 0));
    assert_true(ctrstate_should_restart("OnFailure", 1));
    assert_false(ctrstate_should_restart("OnFailure", 0));
    assert_false(ctrstate_should_restart("Never", 137));
}

static void test_phase(void **state)
{
    (void)state;
    ctr_state c[2] = {{.name = xstrdup("a")}, {.name = xstrdup("b")}};
    assert_string_equal(ctrstate_phase(c, 2), "Pending");
    c[0].ever_started = c[1].ever_started = true;
    c[0].running = true;
    assert_string_equal(ctrstate_phase(c, 2), "Running");
    c[0].done = c[1].done = true;
    c[0].state = ctrstate_terminated("x.a", 0, false, NULL, 1000, 2000);
    c[1].state = ctrstate_terminated("x.b", 0, false, NULL, 1000, 2000);
    assert_string_equal(ctrstate_phase(c, 2), "Succeeded");
    json_object_put(c[1].state);
    c[1].state = ctrstate_terminated("x.b", 137, true, NULL, 1000, 2000);
    assert_string_equal(ctrstate_phase(c, 2), "Failed");
    assert_string_equal(mk_json_str(c[1].state, "terminated.reason"), "OOMKilled");
    json_object *st = ctrstate_status(&c[1], "x.b");
    assert_int_equal(mk_json_int(st, "state.terminated.exitCode", -1), 137);
    json_object_put(st);
    ctrstate_free(&c[0]);
    ctrstate_free(&c[1]);
}

static void test_logfile(void **state)
{
    (void)state;
    const char *data = "2026-11-27T01:24:03.1+00:00 stdout F hello world\n"
                       "2026-11-27T01:24:03.2+00:00 stderr P part \n"
                       "2026-11-27T01:24:03.3+00:00 stderr F one\n"
                       "2026-11-27T01:24:03.4+00:00 stdout F\n"
                       "2026-11-27T01:24:03.5+00:00 stdout F incomplete";
    mk_buf out = {0};
    size_t used = logfile_decode(data, strlen(data), &out);
    assert_string_equal(out.data, "hello world\npart one\n\n");
    assert_int_equal(used,
                     strlen(data) - strlen("2026-11-27T01:24:03.5+00:00 stdout F incomplete"));
    mk_buf_free(&out);

    char path[] = "/tmp/mk-logfile-XXXXXX";
    int fd = mkstemp(path);
    const char *lines = "t stdout F a\nt stdout F b\nt stdout F c\n";
    assert_int_equal(write(fd, lines, strlen(lines)), (ssize_t)strlen(lines));
    close(fd);
    mk_buf b = {0};
    off_t end;
    logfile_read(path, 2, &b, &end);
    assert_string_equal(b.data, "b\nc\n");
    assert_int_equal(end, (off_t)strlen(lines));
    mk_buf_reset(&b);
    logfile_read(path, -1, &b, NULL);
    assert_string_equal(b.data, "a\nb\nc\n");
    mk_buf_free(&b);
    unlink(path);
}

static void test_oci_config(void **state)
{
    (void)state;
    char *args[] = {"sh", "-c", "true", NULL};
    char *env[] = {"A=1", NULL};
    oci_mount m = {.source = "/host/v", .destination = "/data", .readonly = true};
    oci_params p = {.rootfs = "/r",
                    .args = args,
                    .env = env,
                    .netns_path = "/var/run/netns/x",
                    .ipc_path = "/p/ipc",
                    .uts_path = "/p/uts",
                    .cgroups_path = "/minik8s/u/c",
                    .memory_limit = 64 << 20,
                    .cpu_limit_milli = 250,
                    .cpu_request_milli = 100,
                    .mounts = &m,
                    .nmounts = 1};
    json_object *c = NULL;
    mk_err err;
    assert_int_equal(oci_config(&p, &c, &err), 0);
    assert_string_equal(mk_json_str(c, "root.path"), "/r");
    assert_false(json_object_get_boolean(mk_json_path(c, "process.terminal")));
    assert_int_equal(mk_json_int(c, "linux.resources.memory.limit", 0), 64 << 20);
    assert_int_equal(mk_json_int(c, "linux.resources.cpu.quota", 0), 25000);
    assert_int_equal(mk_json_int(c, "linux.resources.cpu.period", 0), 100000);
    assert_int_equal(mk_json_int(c, "linux.resources.cpu.shares", 0), 102);
    assert_string_equal(mk_json_str(c, "linux.cgroupsPath"), "/minik8s/u/c");
    json_object *nss = mk_json_path(c, "linux.namespaces");
    int joined = 0;
    for (size_t i = 0; i < json_object_array_length(nss); i++) {
        json_object *ns = json_object_array_get_idx(nss, i);
        const char *type = mk_json_str(ns, "type"), *path = mk_json_str(ns, "path");
        if (strcmp(type, "pid") == 0 || strcmp(type, "mount") == 0)
            assert_null(path);
        else
            joined += path != NULL;
    }
    assert_int_equal(joined, 3);
    json_object *mounts = mk_json_path(c, "mounts");
    json_object *last = json_object_array_get_idx(mounts, json_object_array_length(mounts) - 1);
    assert_string_equal(mk_json_str(last, "destination"), "/data");
    assert_string_equal(mk_json_str(last, "type"), "bind");
    json_object_put(c);

    char *noargs[] = {NULL};
    p.args = noargs;
    assert_int_equal(oci_config(&p, &c, &err), -EINVAL);
}

static void test_image_names(void **state)
{
    (void)state;
    char *n = NULL;
    mk_err err;
    assert_int_equal(image_normalize("busybox", &n, &err), 0);
    assert_string_equal(n, "busybox");
    free(n);
    assert_int_equal(image_normalize("docker.io/library/busybox:1.36", &n, &err), 0);
    assert_string_equal(n, "busybox");
    free(n);
    assert_int_equal(image_normalize("busybox@sha256:abc", &n, &err), 0);
    assert_string_equal(n, "busybox");
    free(n);
    assert_int_equal(image_normalize("Bad_Name", &n, &err), -EINVAL);
    assert_int_equal(image_normalize("", &n, &err), -EINVAL);
}

static void test_base64(void **state)
{
    (void)state;
    unsigned char *out = NULL;
    size_t len;
    mk_err err;
    assert_int_equal(volumes_base64_decode("c2VjcmV0IQ==", &out, &len, &err), 0);
    assert_int_equal(len, 7);
    assert_memory_equal(out, "secret!", 7);
    free(out);
    assert_int_equal(volumes_base64_decode("YWJj", &out, &len, &err), 0);
    assert_string_equal((char *)out, "abc");
    free(out);
    assert_int_equal(volumes_base64_decode("a*b", &out, &len, &err), -EINVAL);
}

/* The cluster's DNS and the Kubernetes search path, whatever the flags
 * leave out; written whole, so a reader never sees half a file. */
static char *resolv_for(const char *spec_yaml, const char *host)
{
    _cleanup_free_ char *text =
        xasprintf("metadata: {name: p, namespace: team}\nspec: %s\n", spec_yaml);
    json_object *pod = NULL;
    mk_err err = {0};
    assert_int_equal(codec_decode(text, strlen(text), &pod, &err), 0);
    char *r = resolvconf_for_pod(pod, NULL, NULL, host);
    json_object_put(pod);
    return r;
}

/* dnsPolicy and dnsConfig as the kubelet applies them. */
static void test_dns_policy(void **state)
{
    (void)state;
    char *t = resolv_for("{}", NULL);
    assert_string_equal(t, "nameserver 10.96.0.10\n"
                           "search team.svc.cluster.local svc.cluster.local cluster.local\n"
                           "options ndots:5\n");
    free(t);
    t = resolv_for("{dnsConfig: {nameservers: [1.1.1.1], searches: [corp.example],"
                   " options: [{name: ndots, value: '2'}, {name: edns0}]}}",
                   NULL);
    assert_string_equal(t, "nameserver 10.96.0.10\nnameserver 1.1.1.1\n"
                           "search team.svc.cluster.local svc.cluster.local cluster.local "
                           "corp.example\n"
                           "options ndots:2 edns0\n");
    free(t);
    t = resolv_for("{dnsPolicy: None, dnsConfig: {nameservers: [9.9.9.9]}}", NULL);
    assert_string_equal(t, "nameserver 9.9.9.9\n");
    free(t);
    t = resolv_for("{dnsPolicy: Default}", "# host\nnameserver 10.0.0.2\nsearch lan\n");
    assert_string_equal(t, "nameserver 10.0.0.2\nsearch lan\n");
    free(t);
}

static void test_resolvconf(void **state)
{
    (void)state;
    char *t = resolvconf_render("prod", NULL, NULL);
    assert_string_equal(t, "nameserver 10.96.0.10\n"
                           "search prod.svc.cluster.local svc.cluster.local cluster.local\n"
                           "options ndots:5\n");
    free(t);
    t = resolvconf_render(NULL, "10.96.0.53", "corp.example");
    assert_string_equal(t, "nameserver 10.96.0.53\n"
                           "search default.svc.corp.example svc.corp.example corp.example\n"
                           "options ndots:5\n");
    free(t);
    char dir[] = "/tmp/mk-resolv-XXXXXX";
    assert_non_null(mkdtemp(dir));
    _cleanup_free_ char *p = xasprintf("%s/resolv.conf", dir);
    mk_err err = {0};
    _cleanup_free_ char *text = resolvconf_render("kube-system", NULL, NULL);
    assert_int_equal(resolvconf_write(p, text, &err), 0);
    char buf[256] = "";
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "search kube-system.svc.cluster.local "));
    _cleanup_free_ char *tmp = xasprintf("%s.tmp", p);
    assert_int_not_equal(access(tmp, F_OK), 0);
    assert_int_equal(fsu_rm_rf(dir, &err), 0);
}

/* ConfigMaps and Secrets from memory: the composition rules alone (the
 * kubelet's fetch from the API server is in pods.bats). */
static json_object *fetch_fixed(void *ctx, const char *kind, const char *ns, const char *name,
                                mk_err *err)
{
    (void)ctx;
    assert_string_equal(ns, "team");
    if (!strcmp(kind, "ConfigMap") && !strcmp(name, "cm"))
        return json_tokener_parse("{\"data\":{\"a\":\"1\",\"9x\":\"skip\",\"b.c\":\"2\"}}");
    if (!strcmp(kind, "Secret") && !strcmp(name, "sec"))
        return json_tokener_parse(
            "{\"data\":{\"pw\":\"czNjcjN0\"},\"stringData\":{\"t\":\"x\"}}");
    mk_error(err, ENOENT, "%s %s not found", kind, name);
    return NULL;
}

/* The namespace's Services: one with two ports, a headless one; default
 * has the API server's and one a pod in team does not see. */
static json_object *services_fixed(void *ctx, const char *ns)
{
    (void)ctx;
    if (!strcmp(ns, "default"))
        return json_tokener_parse(
            "[{\"metadata\":{\"name\":\"kubernetes\"},\"spec\":{\"clusterIP\":\"10.96.0.1\","
            "\"ports\":[{\"name\":\"https\",\"port\":443,\"protocol\":\"TCP\"}]}},"
            "{\"metadata\":{\"name\":\"other\"},\"spec\":{\"clusterIP\":\"10.96.0.30\","
            "\"ports\":[{\"port\":80}]}}]");
    assert_string_equal(ns, "team");
    return json_tokener_parse(
        "[{\"metadata\":{\"name\":\"db-main\"},\"spec\":{\"clusterIP\":\"10.96.0.20\","
        "\"ports\":[{\"name\":\"sql\",\"port\":5432,\"protocol\":\"TCP\"},"
        "{\"name\":\"dns-udp\",\"port\":53,\"protocol\":\"UDP\"}]}},"
        "{\"metadata\":{\"name\":\"peers\"},\"spec\":{\"clusterIP\":\"None\","
        "\"ports\":[{\"port\":80}]}}]");
}

/* The environment of a container of ctr_yaml in pod p of namespace team,
 * as one line; pod_spec: the pod's spec (YAML flow), or NULL. */
static char *env_text_in(const char *ctr_yaml, const char *pod_spec, mk_err *err)
{
    pods_env e = {.fetch = fetch_fixed, .node_ip = "172.31.1.7"};
    if (pod_spec)
        e.services = services_fixed;
    json_object *pod =
        json_tokener_parse("{\"metadata\":{\"name\":\"p\",\"namespace\":\"team\","
                           "\"labels\":{\"app.kubernetes.io/name\":\"web\"}}}");
    if (pod_spec) {
        json_object *spec = NULL;
        assert_int_equal(codec_decode(pod_spec, strlen(pod_spec), &spec, err), 0);
        json_object_object_add(pod, "spec", spec);
    }
    json_object *ctr = NULL;
    assert_int_equal(codec_decode(ctr_yaml, strlen(ctr_yaml), &ctr, err), 0);
    json_object *img = json_tokener_parse("{\"env\":[\"PATH=/bin\",\"a=img\"]}");
    char **env = NULL;
    int rc = envvars_build(&e, pod, ctr, img, "10.0.0.5", &env, err);
    json_object_put(pod);
    json_object_put(ctr);
    json_object_put(img);
    if (rc < 0)
        return NULL;
    mk_buf b = {0};
    for (size_t i = 0; env[i]; i++) {
        mk_buf_printf(&b, "%s%s", i ? " " : "", env[i]);
        free(env[i]);
    }
    free(env);
    return b.data;
}

static char *env_text(const char *ctr_yaml, mk_err *err)
{
    return env_text_in(ctr_yaml, NULL, err);
}

/* Service links as Kubernetes' kubelet writes them; env overrides one;
 * enableServiceLinks: false has only the API server's. */
static void test_service_links(void **state)
{
    (void)state;
    mk_err err = {0};
    _cleanup_free_ char *t =
        env_text_in("env: [{name: DB_MAIN_SERVICE_PORT, value: mine}]\n", "{}", &err);
#define API_LINKS                                                                              \
    "KUBERNETES_SERVICE_HOST=10.96.0.1 KUBERNETES_SERVICE_PORT=443 "                           \
    "KUBERNETES_SERVICE_PORT_HTTPS=443 KUBERNETES_PORT=tcp://10.96.0.1:443 "                   \
    "KUBERNETES_PORT_443_TCP=tcp://10.96.0.1:443 KUBERNETES_PORT_443_TCP_PROTO=tcp "           \
    "KUBERNETES_PORT_443_TCP_PORT=443 KUBERNETES_PORT_443_TCP_ADDR=10.96.0.1"
    assert_string_equal(t, "PATH=/bin a=img HOSTNAME=p " API_LINKS
                           " DB_MAIN_SERVICE_HOST=10.96.0.20 "
                           "DB_MAIN_SERVICE_PORT=mine DB_MAIN_SERVICE_PORT_SQL=5432 "
                           "DB_MAIN_PORT=tcp://10.96.0.20:5432 "
                           "DB_MAIN_PORT_5432_TCP=tcp://10.96.0.20:5432 "
                           "DB_MAIN_PORT_5432_TCP_PROTO=tcp DB_MAIN_PORT_5432_TCP_PORT=5432 "
                           "DB_MAIN_PORT_5432_TCP_ADDR=10.96.0.20 "
                           "DB_MAIN_SERVICE_PORT_DNS_UDP=53 "
                           "DB_MAIN_PORT_53_UDP=udp://10.96.0.20:53 "
                           "DB_MAIN_PORT_53_UDP_PROTO=udp DB_MAIN_PORT_53_UDP_PORT=53 "
                           "DB_MAIN_PORT_53_UDP_ADDR=10.96.0.20");
    _cleanup_free_ char *off = env_text_in("{}", "{enableServiceLinks: false}", &err);
    assert_string_equal(off, "PATH=/bin a=img HOSTNAME=p " API_LINKS);
}

static void test_envvars(void **state)
{
    (void)state;
    mk_err err = {0};
    char *t = env_text(
        "envFrom: [{configMapRef: {name: cm}}, {secretRef: {name: sec}, prefix: S_},"
        " {configMapRef: {name: gone, optional: true}}]\n"
        "env: [{name: a, value: env}, {name: IP, valueFrom: {fieldRef: {fieldPath:"
        " status.podIP}}}, {name: K, valueFrom: {secretKeyRef: {name: sec, key: pw}}},"
        " {name: O, valueFrom: {configMapKeyRef: {name: cm, key: none, optional: true}}}]\n",
        &err);
    /* The image's a is replaced in place; 9x is no name; env wins last. */
    assert_string_equal(
        t, "PATH=/bin a=env HOSTNAME=p b.c=2 S_pw=s3cr3t S_t=x IP=10.0.0.5 K=s3cr3t");
    free(t);
    t = env_text(
        "resources: {limits: {cpu: 500m, memory: 64Mi}}\n"
        "env: [{name: L, valueFrom: {fieldRef: {fieldPath: "
        "\"metadata.labels['app.kubernetes.io/name']\"}}},"
        " {name: H, valueFrom: {fieldRef: {fieldPath: status.hostIP}}},"
        " {name: C, valueFrom: {resourceFieldRef: {resource: limits.cpu}}},"
        " {name: M, valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: 1m}}},"
        " {name: B, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}},"
        " {name: R, valueFrom: {resourceFieldRef: {resource: requests.memory}}}]\n",
        &err);
    assert_string_equal(t, "PATH=/bin a=img HOSTNAME=p L=web H=172.31.1.7 C=1 M=500 B=64 R=0");
    free(t);
    assert_null(env_text(
        "env: [{name: X, valueFrom: {configMapKeyRef: {name: cm, key: none}}}]\n", &err));
    assert_int_equal(err.code, PODS_ECONFIG);
    assert_string_equal(err.msg, "couldn't find key none in ConfigMap team/cm");
    assert_null(env_text("envFrom: [{secretRef: {name: nope}}]\n", &err));
    assert_int_equal(err.code, PODS_ECONFIG);
    assert_string_equal(err.msg, "secret \"nope\" not found");
}

static char *slurp_file(const char *dir, const char *rel)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, rel);
    FILE *f = fopen(path, "r");
    if (!f)
        return xstrdup("(missing)");
    char buf[512];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return xstrdup(buf);
}

static void expect_file(const char *dir, const char *rel, const char *want)
{
    _cleanup_free_ char *got = slurp_file(dir, rel);
    assert_string_equal(got, want);
}

/* pods_env's token: "token-N-<audience>-<seconds>" for the Nth request. */
static int tokens_issued;

static char *token_counted(void *ctx, json_object *pod, const char *audience, int64_t seconds,
                           mk_err *err)
{
    (void)ctx, (void)pod, (void)err;
    return xasprintf("token-%d-%s-%lld", ++tokens_issued, audience ?: "", (long long)seconds);
}

/* downwardAPI and projected volumes written into a temp pod dir; other
 * sources refused by name. */
static void test_volume_sources(void **state)
{
    (void)state;
    char dir[] = "/tmp/mk-test-vols-XXXXXX";
    assert_non_null(mkdtemp(dir));
    pods_env e = {.fetch = fetch_fixed, .token = token_counted};
    const char *text =
        "metadata: {name: p, namespace: team, labels: {app: web, tier: \"a\\\"b\"}}\n"
        "spec:\n  containers: [{name: c, resources: {limits: {memory: 32Mi}}}]\n"
        "  volumes:\n"
        "  - name: info\n    downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: "
        "metadata.labels}},"
        " {path: sub/name, fieldRef: {fieldPath: metadata.name}},"
        " {path: mem, resourceFieldRef: {containerName: c, resource: limits.memory, divisor: "
        "1Mi}}]}\n"
        "  - name: all\n    projected: {sources: [{configMap: {name: cm, items: [{key: a, "
        "path: a.txt}]}},"
        " {secret: {name: sec}}, {downwardAPI: {items: [{path: ns, fieldRef: {fieldPath: "
        "metadata.namespace}}]}},"
        " {serviceAccountToken: {path: token, audience: vault, expirationSeconds: 1000}}]}\n";
    json_object *pod = NULL;
    mk_err err = {0};
    assert_int_equal(codec_decode(text, strlen(text), &pod, &err), 0);
    if (volumes_setup(&e, pod, dir, &err) < 0)
        fail_msg("%s", err.msg);
    _cleanup_free_ char *info = xasprintf("%s/volumes/info", dir);
    _cleanup_free_ char *all = xasprintf("%s/volumes/all", dir);
    expect_file(info, "labels", "app=\"web\"\ntier=\"a\\\"b\"");
    expect_file(info, "sub/name", "p");
    expect_file(info, "mem", "32");
    expect_file(all, "a.txt", "1");
    expect_file(all, "pw", "s3cr3t");
    expect_file(all, "ns", "team");
    expect_file(all, "token", "token-1-vault-1000");
    /* Renewed once 80% of its lifetime has passed, not before. */
    int64_t in = volumes_renew_tokens(&e, pod, dir, &err);
    assert_true(in > 798000 && in <= 800000);
    _cleanup_free_ char *token = xasprintf("%s/token", all);
    struct timeval old[2] = {{.tv_sec = time(NULL) - 801}, {.tv_sec = time(NULL) - 801}};
    assert_int_equal(utimes(token, old), 0);
    in = volumes_renew_tokens(&e, pod, dir, &err);
    assert_true(in > 799000 && in <= 800000);
    expect_file(all, "token", "token-2-vault-1000");
    json_object_put(pod);
    text = "metadata: {name: p, namespace: team}\n"
           "spec: {volumes: [{name: data, nfs: {server: nfs.example, path: /x}}]}\n";
    assert_int_equal(codec_decode(text, strlen(text), &pod, &err), 0);
    assert_int_equal(volumes_setup(&e, pod, dir, &err), -ENOTSUP);
    assert_string_equal(err.msg, "volume data: nfs volumes are not supported by minik8s");
    json_object_put(pod);
    fsu_rm_rf(dir, &err);
}

/* ConfigMaps from ctx, a JSON object by name that the test changes. */
static json_object *fetch_changing(void *ctx, const char *kind, const char *ns,
                                   const char *name, mk_err *err)
{
    json_object *o = NULL;
    (void)ns;
    if (!strcmp(kind, "ConfigMap") && json_object_object_get_ex(ctx, name, &o))
        return json_object_get(o);
    mk_error(err, ENOENT, "%s %s not found", kind, name);
    return NULL;
}

static bool exists_in(const char *dir, const char *rel)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, rel);
    return access(p, F_OK) == 0;
}

/* A refresh brings the files up to date with the objects and the pod:
 * changed keys rewritten, gone ones removed, the token left alone; an
 * object that went leaves its files as they were. */
static void test_volume_refresh(void **state)
{
    (void)state;
    char dir[] = "/tmp/mk-test-refresh-XXXXXX";
    assert_non_null(mkdtemp(dir));
    json_object *maps = json_tokener_parse("{\"cm\":{\"data\":{\"a\":\"1\",\"b\":\"2\"}}}");
    pods_env e = {.fetch = fetch_changing, .token = token_counted, .fetch_ctx = maps};
    json_object *pod = yaml("metadata: {name: p, namespace: team, labels: {v: one}}\n"
                            "spec:\n  volumes:\n  - {name: cfg, configMap: {name: cm}}\n"
                            "  - name: all\n    projected: {sources: [{configMap: {name: cm}},"
                            " {serviceAccountToken: {path: token}},"
                            " {downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: "
                            "metadata.labels}}]}}]}\n");
    mk_err err = {0};
    if (volumes_setup(&e, pod, dir, &err) < 0)
        fail_msg("%s", err.msg);
    _cleanup_free_ char *cfg = xasprintf("%s/volumes/cfg", dir);
    _cleanup_free_ char *all = xasprintf("%s/volumes/all", dir);
    _cleanup_free_ char *token = slurp_file(all, "token");
    json_object_object_add(maps, "cm", json_tokener_parse("{\"data\":{\"a\":\"3\"}}"));
    json_object_object_add(mk_json_path(pod, "metadata.labels"), "v",
                           json_object_new_string("two"));
    assert_int_equal(volumes_refresh(&e, pod, dir, &err), 0);
    expect_file(cfg, "a", "3");
    assert_false(exists_in(cfg, "b"));
    expect_file(all, "a", "3");
    assert_false(exists_in(all, "b"));
    expect_file(all, "labels", "v=\"two\"");
    expect_file(all, "token", token);
    /* The ConfigMap deleted: what the pod has stays. */
    json_object_object_del(maps, "cm");
    assert_true(volumes_refresh(&e, pod, dir, &err) < 0);
    expect_file(cfg, "a", "3");
    _cleanup_free_ char *vols = xasprintf("%s/volumes", dir);
    assert_false(exists_in(vols, "..cfg.new"));
    json_object_put(pod);
    json_object_put(maps);
    fsu_rm_rf(dir, &err);
}

static void test_security(void **state)
{
    (void)state;
    json_object *pod = yaml("metadata: {name: p, namespace: team}\n"
                            "spec: {securityContext: {runAsUser: 1000, runAsGroup: 3000,"
                            " supplementalGroups: [4000], fsGroup: 2000}}\n");
    json_object *ctr =
        yaml("name: c\nsecurityContext: {runAsUser: 1001, readOnlyRootFilesystem: "
             "true, allowPrivilegeEscalation: false,"
             " capabilities: {drop: [ALL], add: [net_bind_service]}}\n");
    security sec;
    mk_err err = {0};
    assert_int_equal(security_of(pod, ctr, NULL, &sec, &err), 0);
    char *args[] = {"sh", NULL};
    oci_params p = {.rootfs = "/r", .args = args};
    security_apply(&sec, &p);
    json_object *cfg = NULL;
    assert_int_equal(oci_config(&p, &cfg, &err), 0);
    assert_int_equal(mk_json_int(cfg, "process.user.uid", -1), 1001); /* the container's wins */
    assert_int_equal(mk_json_int(cfg, "process.user.gid", -1), 3000);
    json_object *gids = mk_json_path(cfg, "process.user.additionalGids");
    assert_int_equal(json_object_array_length(gids), 2);
    assert_int_equal(json_object_get_int(json_object_array_get_idx(gids, 1)), 2000);
    assert_true(json_object_get_boolean(mk_json_path(cfg, "root.readonly")));
    assert_true(json_object_get_boolean(mk_json_path(cfg, "process.noNewPrivileges")));
    json_object *eff = mk_json_path(cfg, "process.capabilities.effective");
    assert_int_equal(json_object_array_length(eff), 1);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(eff, 0)),
                        "CAP_NET_BIND_SERVICE");
    json_object_put(cfg);
    security_free(&sec);
    json_object_put(ctr);

    /* runAsNonRoot with no user: refused in Kubernetes' words; privileged too. */
    ctr = yaml("name: c\nsecurityContext: {runAsNonRoot: true, runAsUser: 0}\n");
    assert_int_equal(security_of(pod, ctr, NULL, &sec, &err), -PODS_ECONFIG);
    assert_string_equal(err.msg, "container has runAsNonRoot and image will run as root (pod: "
                                 "\"p_team\", container: c)");
    json_object_put(ctr);
    ctr = yaml("name: c\nsecurityContext: {privileged: true}\n");
    assert_int_equal(security_of(pod, ctr, NULL, &sec, &err), -PODS_ECONFIG);
    json_object_put(ctr);
    json_object_put(pod);
}

/* Termination messages: a fresh world-writable file per attempt, bound at
 * the container's path; what it holds, else (FallbackToLogsOnError, a
 * failed exit) the end of the log, 80 lines and 2 KiB at most. */
static void test_termination_message(void **state)
{
    (void)state;
    char root[] = "/tmp/mk-termmsg-XXXXXX";
    assert_non_null(mkdtemp(root));
    pods_env e = {.root_dir = root};
    json_object *ctr = yaml("name: c\nterminationMessagePath: /var/why\n");
    oci_mount *mounts = NULL;
    int n = 0;
    mk_err err = {0};
    assert_int_equal(termmsg_prepare(&e, "u1", ctr, &mounts, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(mounts[0].destination, "/var/why");
    struct stat st;
    assert_int_equal(stat(mounts[0].source, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0666);
    assert_int_equal(fsu_write_file(mounts[0].source, "bye", 3, 0666, &err), 0);
    char *msg = termmsg_read(&e, "u1", ctr, 0, 0);
    assert_string_equal(msg ?: "(none)", "bye");
    free(msg);
    /* The next attempt starts from nothing; a mount already at the path (a
     * volume's) is left as it is. */
    assert_int_equal(termmsg_prepare(&e, "u1", ctr, &mounts, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_null(termmsg_read(&e, "u1", ctr, 1, 1));
    volumes_mounts_free(mounts, n);
    json_object_put(ctr);

    ctr = yaml("name: c\nterminationMessagePolicy: FallbackToLogsOnError\n");
    _cleanup_free_ char *logdir = xasprintf("%s/pods/u1/logs/c", root);
    assert_int_equal(fsu_mkdir_p(logdir, 0755, &err), 0);
    _cleanup_free_ char *logp = xasprintf("%s/0.log", logdir);
    mk_buf log = {0};
    for (int i = 0; i < 100; i++)
        mk_buf_printf(&log, "2026-11-27T10:00:00.000000000Z stdout F line %d\n", i);
    assert_int_equal(fsu_write_file(logp, log.data, log.len, 0644, &err), 0);
    mk_buf_free(&log);
    assert_null(termmsg_read(&e, "u1", ctr, 0, 0)); /* a success says nothing */
    msg = termmsg_read(&e, "u1", ctr, 0, 3);
    assert_non_null(msg);
    assert_true(strncmp(msg, "line 20\n", 8) == 0); /* the last 80 lines */
    assert_non_null(strstr(msg, "line 99\n"));
    free(msg);
    for (int i = 0; i < 100; i++) /* long lines: the last 2 KiB of them */
        mk_buf_printf(&log, "2026-11-27T10:00:00.000000000Z stderr F %0100d\n", i);
    assert_int_equal(fsu_write_file(logp, log.data, log.len, 0644, &err), 0);
    mk_buf_free(&log);
    msg = termmsg_read(&e, "u1", ctr, 0, 3);
    assert_int_equal(strlen(msg), 2048);
    free(msg);
    json_object_put(ctr);
    assert_int_equal(fsu_rm_rf(root, &err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_envvars),        cmocka_unit_test(test_service_links),
        cmocka_unit_test(test_security),       cmocka_unit_test(test_volume_sources),
        cmocka_unit_test(test_dns_policy),     cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_restart_policy), cmocka_unit_test(test_phase),
        cmocka_unit_test(test_logfile),        cmocka_unit_test(test_oci_config),
        cmocka_unit_test(test_image_names),    cmocka_unit_test(test_base64),
        cmocka_unit_test(test_resolvconf),     cmocka_unit_test(test_termination_message),
        cmocka_unit_test(test_volume_refresh),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
