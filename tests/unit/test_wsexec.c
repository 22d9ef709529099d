/* Unit tests for store/server/wsexec.c: kubectl's WebSocket exec, the
 * handshake pieces and the relay between a WebSocket client and a kubelet
 * speaking execproto (both ends socketpairs, frames built by hand). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "store/execproto.h"
#include "store/server/wsexec.h"

static void test_choose(void **state)
{
    assert_int_equal(wsexec_choose("v5.channel.k8s.io, v4.channel.k8s.io"), 5);
    assert_int_equal(wsexec_choose("v4.channel.k8s.io,v5.channel.k8s.io"), 5);
    assert_int_equal(wsexec_choose("v3.channel.k8s.io, v4.channel.k8s.io"), 4);
    assert_int_equal(wsexec_choose("channel.k8s.io"), 0);
    assert_int_equal(wsexec_choose(""), 0);
    assert_int_equal(wsexec_choose(NULL), 0);
}

static void test_accept_key(void **state)
{
    char out[29];
    wsexec_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out); /* RFC 6455, 1.3 */
    assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

static void test_status_and_resize(void **state)
{
    mk_buf b = {0};
    wsexec_status(&b, 0, NULL);
    assert_string_equal(b.data, "{\"metadata\":{},\"status\":\"Success\"}");
    mk_buf_reset(&b);
    wsexec_status(&b, 7, NULL);
    assert_non_null(strstr(b.data, "\"reason\":\"NonZeroExitCode\""));
    assert_non_null(strstr(b.data, "{\"reason\":\"ExitCode\",\"message\":\"7\"}"));
    mk_buf_reset(&b);
    wsexec_status(&b, 1, "the \"kubelet\" went away");
    assert_non_null(strstr(b.data, "\"status\":\"Failure\""));
    assert_non_null(strstr(b.data, "\"message\":\"the \\\"kubelet\\\" went away\""));
    assert_null(strstr(b.data, "ExitCode"));
    mk_buf_free(&b);
    char s[32];
    assert_int_equal(wsexec_resize("{\"Width\":91,\"Height\":27}", 24, s, sizeof s), 0);
    assert_string_equal(s, "91 27");
    assert_int_equal(wsexec_resize("{\"Width\":0,\"Height\":27}", 23, s, sizeof s), -1);
    assert_int_equal(wsexec_resize("nope", 4, s, sizeof s), -1);
}

/* ---- the relay ---- */

typedef struct {
    int client, kubelet;
    atomic_bool stop;
} relay_args;

static void *run_relay(void *arg)
{
    relay_args *a = arg;
    wsexec_relay(a->client, NULL, 0, a->kubelet, NULL, 0, 5, &a->stop);
    return NULL;
}

/* A relay (v5) between two socketpairs, in a thread of its own. */
typedef struct {
    int client, kubelet; /* the test's ends: a WebSocket client, a kubelet */
    relay_args a;        /* the relay's ends */
    pthread_t t;
} relay_run;

static void relay_start(relay_run *r)
{
    int c[2], k[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, c), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, k), 0);
    *r = (relay_run){.client = c[0], .kubelet = k[0], .a = {.client = c[1], .kubelet = k[1]}};
    assert_int_equal(pthread_create(&r->t, NULL, run_relay, &r->a), 0);
}

/* Wait for the relay to end; close what the test left open (-1: closed). */
static void relay_end(relay_run *r)
{
    assert_int_equal(pthread_join(r->t, NULL), 0);
    close(r->a.client);
    close(r->a.kubelet);
    if (r->client >= 0)
        close(r->client);
    if (r->kubelet >= 0)
        close(r->kubelet);
}

/* A client's frame: FIN, opcode, masked as RFC 6455 wants of clients. */
static void client_frame(int fd, int opcode, const void *data, size_t len)
{
    unsigned char f[256] = {(unsigned char)(0x80 | opcode), (unsigned char)(0x80 | len)};
    const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
    assert_true(len < 126);
    memcpy(f + 2, mask, 4);
    for (size_t i = 0; i < len; i++)
        f[6 + i] = ((const unsigned char *)data)[i] ^ mask[i % 4];
    assert_int_equal(write(fd, f, 6 + len), (ssize_t)(6 + len));
}

/* A server frame, unmasked: its opcode, the payload into buf. */
static int server_frame(int fd, unsigned char *buf, size_t *len)
{
    unsigned char h[4];
    assert_int_equal(read(fd, h, 2), 2);
    assert_int_equal(h[1] & 0x80, 0);
    size_t n = h[1] & 0x7f;
    if (n == 126) {
        assert_int_equal(read(fd, h + 2, 2), 2);
        n = (size_t)h[2] << 8 | h[3];
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        assert_true(r > 0);
        got += (size_t)r;
    }
    *len = n;
    return h[0] & 0x0f;
}

static void expect_kubelet_frame(int fd, int channel, const char *payload)
{
    unsigned char h[EXECPROTO_HEADER];
    char body[64] = {0};
    assert_int_equal(read(fd, h, sizeof h), (ssize_t)sizeof h);
    size_t n = (size_t)h[1] << 24 | (size_t)h[2] << 16 | (size_t)h[3] << 8 | h[4];
    assert_int_equal(h[0], channel);
    assert_true(n < sizeof body);
    if (n)
        assert_int_equal(read(fd, body, n), (ssize_t)n);
    assert_string_equal(body, payload);
}

static void test_relay(void **state)
{
    relay_run r;
    relay_start(&r);

    /* client -> kubelet: stdin, a resize, the close of stdin (v5) */
    client_frame(r.client, 2, "\0hi", 3);
    expect_kubelet_frame(r.kubelet, EXECPROTO_STDIN, "hi");
    const char resize[] = "\004{\"Width\":80,\"Height\":24}";
    client_frame(r.client, 2, resize, sizeof resize - 1);
    expect_kubelet_frame(r.kubelet, EXECPROTO_RESIZE, "80 24");
    client_frame(r.client, 2, "\377\0", 2);
    expect_kubelet_frame(r.kubelet, EXECPROTO_STDIN, "");

    /* kubelet -> client: output on its channel, then the status, then close */
    mk_err err = {0};
    assert_int_equal(execproto_write(r.kubelet, EXECPROTO_STDERR, "oops", 4, &err), 0);
    assert_int_equal(execproto_write(r.kubelet, EXECPROTO_EXIT, "3", 1, &err), 0);
    unsigned char buf[512];
    size_t n;
    assert_int_equal(server_frame(r.client, buf, &n), 2);
    assert_int_equal(n, 5);
    assert_memory_equal(buf, "\002oops", 5);
    assert_int_equal(server_frame(r.client, buf, &n), 2);
    assert_int_equal(buf[0], 3);
    buf[n] = '\0';
    assert_non_null(strstr((char *)buf + 1, "\"message\":\"3\""));
    assert_int_equal(server_frame(r.client, buf, &n), 8); /* close */
    client_frame(r.client, 8, "\003\350", 2);             /* our answer: 1000 */
    relay_end(&r);
}

/* A kubelet gone mid-command: a Failure that says so, not a made-up code. */
static void test_relay_kubelet_gone(void **state)
{
    relay_run r;
    relay_start(&r);
    close(r.kubelet);
    r.kubelet = -1;
    unsigned char buf[512];
    size_t n;
    assert_int_equal(server_frame(r.client, buf, &n), 2);
    assert_int_equal(buf[0], 3);
    buf[n] = '\0';
    assert_non_null(strstr((char *)buf + 1, "without an exit code"));
    assert_null(strstr((char *)buf + 1, "ExitCode"));
    assert_int_equal(server_frame(r.client, buf, &n), 8);
    close(r.client); /* no answer to the close: the relay ends all the same */
    r.client = -1;
    relay_end(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_choose),
        cmocka_unit_test(test_accept_key),
        cmocka_unit_test(test_status_and_resize),
        cmocka_unit_test(test_relay),
        cmocka_unit_test(test_relay_kubelet_gone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
