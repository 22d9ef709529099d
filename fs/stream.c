#include "fs/stream.h"
#include "fs/tlspipe.h"
#include "store/codec.h"
#include "store/execproto.h"
#include "store/util.h"

#include <curl/curl.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* How long connecting and the upgrade answer may take. */
#define EXEC_HANDSHAKE_MS 5000

int fs_logs_fetch(mk_client *c, const char *ns, const char *pod, const char *container,
                  char **out, size_t *len, mk_err *err)
{
    _cleanup_free_ char *path =
        xasprintf("/api/v1/namespaces/%s/pods/%s/log?container=%s", ns, pod, container);
    int status = 0;
    char *resp = NULL;
    size_t n = 0;
    int r = client_request(c, "GET", path, NULL, NULL, 0, &status, &resp, &n, NULL, err);
    if (r < 0) {
        free(resp);
        return r;
    }
    *out = resp ? resp : xstrdup("");
    *len = resp ? n : 0;
    return 0;
}

struct fs_exec {
    int fd;
    mk_buf in; /* the reader's: bytes not yet a whole frame */
    fs_pipe *out;
    pthread_t reader;
    int exit_code;
};

static int connect_to(const char *host, const char *port, mk_err *err)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int r = getaddrinfo(host, port, &hints, &res);
    if (r != 0)
        return mk_error(err, EHOSTUNREACH, "exec: %s: %s", host, gai_strerror(r));
    int fd = -1, e = ECONNREFUSED;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
            e = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        return mk_error(err, e == ECONNREFUSED ? ECONNREFUSED : ENOTCONN,
                        "exec: connect %s:%s: %s", host, port, strerror(e));
    return fd;
}

/* Read until the end of the response head (and, for a refusal, the body
 * that follows, up to Content-Length). Returns bytes in b. */
static int read_answer(int fd, mk_buf *b, size_t *head_len, mk_err *err)
{
    int64_t deadline = mk_now_ns() + (int64_t)EXEC_HANDSHAKE_MS * 1000000;
    for (;;) {
        char *end = b->data ? strstr(b->data, "\r\n\r\n") : NULL;
        if (end) {
            *head_len = (size_t)(end - b->data) + 4;
            return 0;
        }
        int left = (int)((deadline - mk_now_ns()) / 1000000);
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&pfd, 1, left) <= 0)
            return mk_error(err, ETIMEDOUT, "exec: no answer from the API server in %d ms",
                            EXEC_HANDSHAKE_MS);
        char chunk[4096];
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0)
            return mk_error(err, ENOTCONN, "exec: the API server closed the connection");
        mk_buf_append(b, chunk, (size_t)n);
    }
}

/* A refusal: decode the Status body into err. */
static int refused(int fd, mk_buf *b, size_t head_len, int status, mk_err *err)
{
    const char *cl = strcasestr(b->data, "\r\nContent-Length:");
    size_t want = cl ? (size_t)strtoul(cl + 17, NULL, 10) : 0;
    int64_t deadline = mk_now_ns() + 2000000000LL;
    while (b->len - head_len < want && mk_now_ns() < deadline) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        char chunk[4096];
        if (poll(&pfd, 1, 500) <= 0)
            continue;
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0)
            break;
        mk_buf_append(b, chunk, (size_t)n);
    }
    json_object *st = NULL;
    mk_err ignored = {0};
    const char *msg = NULL, *reason = NULL;
    if (codec_decode(b->data + head_len, b->len - head_len, &st, &ignored) == 0) {
        msg = mk_json_str(st, "message");
        reason = mk_json_str(st, "reason");
    }
    int r = mk_error(err, mk_error_from_http(status, reason), "exec: HTTP %d: %s", status,
                     msg ? msg : "the API server refused the exec");
    json_object_put(st);
    return r;
}

/* A frame from the session: output for the reader; the exit code ends it. */
static int exec_frame(void *ctx, int ch, const char *payload, size_t plen)
{
    fs_exec *x = ctx;
    if (ch == EXECPROTO_STDOUT || ch == EXECPROTO_STDERR) {
        fs_pipe_push(x->out, payload, plen);
    } else if (ch == EXECPROTO_EXIT) {
        int code = execproto_exit_code(payload, plen); /* malformed: a failure */
        __atomic_store_n(&x->exit_code, code < 0 ? 255 : code, __ATOMIC_RELEASE);
        return 1;
    }
    return 0;
}

static void *exec_reader(void *arg)
{
    fs_exec *x = arg;
    char chunk[16384];
    /* First what came with the 101 answer. */
    int r = execproto_drain(&x->in, exec_frame, x);
    while (r == 0) {
        ssize_t n = recv(x->fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        mk_buf_append(&x->in, chunk, (size_t)n);
        r = execproto_drain(&x->in, exec_frame, x);
    }
    mk_buf_free(&x->in);
    fs_pipe_close(x->out, 0);
    return NULL;
}

char *fs_exec_path(const char *ns, const char *pod, const char *container, char *const argv[],
                   bool with_stdin, bool tty)
{
    mk_buf b = {0};
    mk_buf_printf(&b, "/api/v1/namespaces/%s/pods/%s/%s?container=%s", ns, pod,
                  argv ? "exec" : "attach", container);
    if (!argv)
        mk_buf_puts(&b, "&stdout=true&stderr=true");
    for (size_t i = 0; argv && argv[i]; i++) {
        char *e = curl_easy_escape(NULL, argv[i], 0);
        if (!e) {
            fprintf(stderr, "out of memory: curl_easy_escape\n");
            abort();
        }
        mk_buf_printf(&b, "&command=%s", e);
        curl_free(e);
    }
    mk_buf_printf(&b, "&stdin=%s&tty=%s", with_stdin ? "true" : "false",
                  tty ? "true" : "false");
    return mk_buf_steal(&b);
}

int fs_exec_dial(const fs_exec_target *to, const char *path, int *fdp, mk_buf *early,
                 mk_err *err)
{
    const char *server = to->server, *token = to->token;
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL, *scheme = NULL;
    if (curl_url_set(u, CURLUPART_URL, server, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        curl_url_cleanup(u);
        return mk_error(err, EINVAL, "exec: bad server URL %s", server);
    }
    curl_url_cleanup(u);
    int r = 0;
    bool tls = !strcmp(scheme, "https");
    if (!tls && strcmp(scheme, "http") != 0)
        r = mk_error(err, EOPNOTSUPP, "exec: not an http:// or https:// server: %s", server);
    int fd = r < 0 ? -1 : connect_to(host, port, err);
    if (fd >= 0 && tls)
        fd = tlspipe_open(fd, host, to->ca_file, EXEC_HANDSHAKE_MS, err);
    mk_buf b = {0};
    if (fd >= 0) {
        mk_buf_printf(&b,
                      "POST %s HTTP/1.1\r\nHost: %s:%s\r\n"
                      "Connection: Upgrade\r\nUpgrade: " EXECPROTO_UPGRADE "\r\n"
                      "Content-Length: 0\r\n",
                      path, host, port);
        if (token)
            mk_buf_printf(&b, "Authorization: Bearer %s\r\n", token);
        mk_buf_puts(&b, "\r\n");
        if (send(fd, b.data, b.len, MSG_NOSIGNAL) != (ssize_t)b.len)
            r = mk_error(err, ENOTCONN, "exec: send: %s", strerror(errno));
        mk_buf_reset(&b);
    }
    curl_free(host);
    curl_free(port);
    curl_free(scheme);
    if (fd < 0 || r < 0) {
        if (fd >= 0)
            close(fd);
        mk_buf_free(&b);
        return fd < 0 ? fd : r;
    }
    size_t head_len = 0;
    int status = 0;
    r = read_answer(fd, &b, &head_len, err);
    if (r == 0 && sscanf(b.data, "HTTP/1.%*d %d", &status) != 1)
        r = mk_error(err, EIO, "exec: not an HTTP answer");
    if (r == 0 && status != 101)
        r = refused(fd, &b, head_len, status, err);
    if (r < 0) {
        close(fd);
        mk_buf_free(&b);
        return r;
    }
    /* Frames that came with the 101 answer are the caller's. */
    mk_buf_reset(early);
    mk_buf_append(early, b.data + head_len, b.len - head_len);
    mk_buf_free(&b);
    *fdp = fd;
    return 0;
}

int fs_exec_start(const fs_exec_target *to, const char *ns, const char *pod,
                  const char *container, fs_exec **out, mk_err *err)
{
    /* One stream, in the order sh wrote it: stdout and stderr are two pipes
     * to the kubelet, and what was written to one before the other can
     * come out after it (rkubectl's exit marker before an error line). */
    char *const sh[] = {"sh", "-c", "exec sh 2>&1", NULL};
    _cleanup_free_ char *path = fs_exec_path(ns, pod, container, sh, true, false);
    int fd;
    mk_buf b = {0};
    int r = fs_exec_dial(to, path, &fd, &b, err);
    if (r < 0)
        return r;
    fs_exec *x = xcalloc(1, sizeof *x);
    x->fd = fd;
    x->exit_code = -1;
    x->out = fs_pipe_new(16u << 20);
    x->in = b; /* frames that came with the 101 answer */
    if (pthread_create(&x->reader, NULL, exec_reader, x) != 0) {
        close(fd);
        mk_buf_free(&x->in);
        fs_pipe_free(x->out);
        free(x);
        return mk_error(err, EAGAIN, "exec: cannot start a reader thread");
    }
    *out = x;
    return 0;
}

fs_pipe *fs_exec_output(fs_exec *x)
{
    return x->out;
}

int fs_exec_stdin(fs_exec *x, const void *data, size_t len, mk_err *err)
{
    return execproto_write(x->fd, EXECPROTO_STDIN, data, len, err);
}

int fs_exec_exit_code(fs_exec *x)
{
    return __atomic_load_n(&x->exit_code, __ATOMIC_ACQUIRE);
}

void fs_exec_free(fs_exec *x)
{
    if (!x)
        return;
    execproto_write(x->fd, EXECPROTO_STDIN, NULL, 0, NULL); /* EOF on stdin */
    shutdown(x->fd, SHUT_RDWR);
    pthread_join(x->reader, NULL);
    close(x->fd);
    fs_pipe_free(x->out);
    free(x);
}
