/* Probe rules (kubelet/probe.h): defaults, thresholds, the startup order,
 * the kill verdict, and the tcpSocket and httpGet handlers against real
 * sockets on loopback. (exec probes run in test_kubelet_runtime.c, with
 * runc.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kubelet/probe.h"
#include "store/codec.h"
#include "store/util.h"

/* A listening socket on 127.0.0.1 (port 0: the kernel's pick). */
static int listen_on(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 16), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* A port nobody listens on: one just closed. */
static int closed_port(void)
{
    int port, fd = listen_on(&port);
    close(fd);
    return port;
}

static json_object *container(const char *yaml)
{
    json_object *c = NULL;
    mk_err err;
    assert_int_equal(codec_decode(yaml, strlen(yaml), &c, &err), 0);
    return c;
}

static probe_set probes(const char *fmt, int port)
{
    _cleanup_free_ char *yaml = xasprintf(fmt, port, port);
    json_object *c = container(yaml);
    probe_set ps;
    probe_set_init(&ps, c);
    json_object_put(c);
    return ps;
}

static const probe_target target = {.pod_ip = "127.0.0.1", .who = "test"};

/* Tick at a time when every probe is due. */
static void tick(probe_set *ps, probe_verdict *v)
{
    probe_set_tick(ps, &target, mk_wall_ms() + 3600 * 1000, v);
}

static void test_defaults(void **state)
{
    (void)state;
    json_object *c =
        container("name: c\nports: [{name: web, containerPort: 8080}]\n"
                  "livenessProbe: {httpGet: {port: web}}\n"
                  "readinessProbe: {tcpSocket: {port: nope}, successThreshold: 3}\n");
    probe_set ps;
    probe_set_init(&ps, c);
    const probe_spec *l = &ps.p[PROBE_LIVENESS].spec, *r = &ps.p[PROBE_READINESS].spec;
    assert_int_equal(l->handler, PROBE_HTTP);
    assert_int_equal(l->port, 8080);
    assert_string_equal(l->path, "/");
    assert_int_equal(l->period_s, 10);
    assert_int_equal(l->timeout_s, 1);
    assert_int_equal(l->failure_threshold, 3);
    assert_int_equal(l->success_threshold, 1);
    assert_int_equal(r->handler, PROBE_TCP);
    assert_int_equal(r->port, -1);
    assert_int_equal(r->success_threshold, 3);
    assert_int_equal(ps.p[PROBE_STARTUP].spec.handler, PROBE_NONE);
    assert_true(ps.started);
    assert_false(probe_set_empty(&ps));
    char msg[200];
    assert_false(probe_run(r, &target, msg, sizeof msg));
    assert_string_equal(msg, "port nope: no such port among the container's ports");
    probe_set_free(&ps);
    json_object_put(c);

    /* No probes: started and ready at once, nothing to wake for. */
    c = container("name: c\n");
    probe_set_init(&ps, c);
    assert_true(probe_set_empty(&ps));
    probe_verdict v;
    tick(&ps, &v);
    assert_true(v.started && v.ready && !v.kill);
    assert_int_equal(v.next_ms, 0);
    probe_set_free(&ps);
    json_object_put(c);
}

static void test_readiness_thresholds(void **state)
{
    (void)state;
    int port, fd = listen_on(&port);
    probe_set ps = probes("name: c\nreadinessProbe: {tcpSocket: {port: %d}, periodSeconds: 2,"
                          " successThreshold: 2, failureThreshold: 2}\n",
                          port);
    int64_t t0 = mk_wall_ms();
    probe_set_restart(&ps, t0);
    probe_verdict v;
    tick(&ps, &v);
    assert_false(v.ready); /* one success of two */
    assert_true(v.next_ms >= t0 + 2000 && v.next_ms <= mk_wall_ms() + 2000);
    tick(&ps, &v);
    assert_true(v.ready);
    close(fd);
    tick(&ps, &v);
    assert_true(v.ready); /* one failure of two */
    tick(&ps, &v);
    assert_false(v.ready);
    assert_false(v.kill); /* readiness never kills */
    probe_set_free(&ps);
}

static void test_liveness_kills(void **state)
{
    (void)state;
    probe_set ps = probes("name: c\nlivenessProbe: {tcpSocket: {port: %d}, failureThreshold: 2,"
                          " terminationGracePeriodSeconds: 5}\n",
                          closed_port());
    probe_set_restart(&ps, mk_wall_ms());
    probe_verdict v;
    tick(&ps, &v);
    assert_false(v.kill);
    assert_true(v.ready); /* no readiness probe: liveness alone says nothing of it */
    tick(&ps, &v);
    assert_true(v.kill);
    assert_int_equal(v.why, PROBE_LIVENESS);
    assert_int_equal(v.grace_s, 5);
    if (!strstr(v.message, "Liveness probe failed: dial tcp 127.0.0.1:") ||
        !strstr(v.message, "Connection refused"))
        fail_msg("message: %s", v.message);
    /* After the restart the count starts over. */
    probe_set_restart(&ps, mk_wall_ms());
    tick(&ps, &v);
    assert_false(v.kill);
    probe_set_free(&ps);
}

static void test_startup_first(void **state)
{
    (void)state;
    int port = closed_port();
    probe_set ps =
        probes("name: c\nstartupProbe: {tcpSocket: {port: %d}, failureThreshold: 2}\n"
               "readinessProbe: {tcpSocket: {port: %d}}\n",
               port);
    probe_set_restart(&ps, mk_wall_ms());
    probe_verdict v;
    tick(&ps, &v);
    assert_false(v.started || v.ready || v.kill);
    assert_int_equal(ps.p[PROBE_READINESS].successes + ps.p[PROBE_READINESS].failures, 0);
    tick(&ps, &v);
    assert_true(v.kill);
    assert_int_equal(v.why, PROBE_STARTUP);
    probe_set_free(&ps);

    /* Once the startup probe passes, readiness runs in the same turn. */
    int fd = listen_on(&port);
    ps = probes("name: c\nstartupProbe: {tcpSocket: {port: %d}}\n"
                "readinessProbe: {tcpSocket: {port: %d}}\n",
                port);
    probe_set_restart(&ps, mk_wall_ms());
    tick(&ps, &v);
    assert_true(v.started && v.ready && !v.kill);
    close(fd);
    probe_set_free(&ps);
}

static void test_initial_delay(void **state)
{
    (void)state;
    probe_set ps = probes("name: c\nreadinessProbe: {tcpSocket: {port: %d},"
                          " initialDelaySeconds: 30}\n",
                          closed_port());
    int64_t t0 = mk_wall_ms();
    probe_set_restart(&ps, t0);
    probe_verdict v;
    probe_set_tick(&ps, &target, t0 + 1000, &v);
    assert_false(v.ready);
    assert_int_equal(v.next_ms, t0 + 30000);
    assert_int_equal(ps.p[PROBE_READINESS].failures, 0); /* not run yet */
    probe_set_free(&ps);
}

/* A one-request HTTP server: answers the first request with `reply`. */
typedef struct http_once {
    int fd;
    const char *reply;
    char request[1024];
} http_once;

static void *serve_once(void *arg)
{
    http_once *h = arg;
    int c = accept(h->fd, NULL, NULL);
    ssize_t n = read(c, h->request, sizeof h->request - 1);
    h->request[n > 0 ? n : 0] = '\0';
    assert_true(write(c, h->reply, strlen(h->reply)) > 0);
    close(c);
    return NULL;
}

static bool http_probe(const char *reply, char *msg, size_t n, char *request)
{
    int port;
    http_once h = {.fd = listen_on(&port), .reply = reply};
    pthread_t t;
    pthread_create(&t, NULL, serve_once, &h);
    probe_set ps = probes("name: c\nlivenessProbe: {httpGet: {path: /healthz, port: %d,"
                          " httpHeaders: [{name: X-Probe, value: yes}]}}\n",
                          port);
    bool ok = probe_run(&ps.p[PROBE_LIVENESS].spec, &target, msg, n);
    pthread_join(t, NULL);
    close(h.fd);
    strcpy(request, h.request);
    probe_set_free(&ps);
    return ok;
}

static void test_http(void **state)
{
    (void)state;
    char msg[200], req[1024];
    assert_true(
        http_probe("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", msg, sizeof msg, req));
    if (!strstr(req, "GET /healthz HTTP/1.1") || !strstr(req, "X-Probe: yes") ||
        !strstr(req, "User-Agent: kube-probe/"))
        fail_msg("request: %s", req);
    assert_true(http_probe("HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n",
                           msg, sizeof msg, req));
    assert_false(http_probe("HTTP/1.1 503 Unavailable\r\nContent-Length: 0\r\n\r\n", msg,
                            sizeof msg, req));
    assert_string_equal(msg, "HTTP probe failed with statuscode: 503");
}

static void test_grpc_said(void **state)
{
    (void)state;
    probe_set ps = probes("name: c\nreadinessProbe: {grpc: {port: %d}}\n", 9000);
    char msg[200];
    assert_false(probe_run(&ps.p[PROBE_READINESS].spec, &target, msg, sizeof msg));
    assert_non_null(strstr(msg, "grpc probes are not supported"));
    probe_set_free(&ps);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),       cmocka_unit_test(test_readiness_thresholds),
        cmocka_unit_test(test_liveness_kills), cmocka_unit_test(test_startup_first),
        cmocka_unit_test(test_initial_delay),  cmocka_unit_test(test_http),
        cmocka_unit_test(test_grpc_said),
    };
    return cmocka_run_group_tests_name("probe", tests, NULL, NULL);
}
