/* wsexec.c - the WebSocket face of exec (wsexec.h). */
#include "store/server/wsexec.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <wslay/wslay.h>

#include "store/codec.h"
#include "store/execproto.h"

#define WS_CLOSE         255
#define WS_MAX_MESSAGE   (1u << 20)
#define WS_CLOSE_WAIT_MS 2000 /* for the client's answer to our close */

int wsexec_choose(const char *offered)
{
    int best = 0;
    _cleanup_free_ char *copy = xstrdup(offered ? offered : "");
    char *save = NULL;
    for (char *p = strtok_r(copy, ", \t", &save); p; p = strtok_r(NULL, ", \t", &save)) {
        if (!strcmp(p, WSEXEC_V5))
            best = 5;
        else if (!strcmp(p, WSEXEC_V4) && best < 4)
            best = 4;
    }
    return best;
}

void wsexec_accept_key(const char *key, char out[29])
{
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha1(), NULL);
    EVP_DigestUpdate(ctx, key, strlen(key));
    EVP_DigestUpdate(ctx, guid, sizeof guid - 1);
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen); /* 20 bytes: 28 chars + NUL */
}

void wsexec_status(mk_buf *out, int exit_code, const char *why)
{
    if (why) {
        json_object *st = json_object_new_object();
        json_object_object_add(st, "metadata", json_object_new_object());
        json_object_object_add(st, "status", json_object_new_string("Failure"));
        json_object_object_add(st, "message", json_object_new_string(why));
        json_object_object_add(st, "reason", json_object_new_string("InternalError"));
        mk_buf_puts(out, json_object_to_json_string_ext(st, JSON_C_TO_STRING_PLAIN));
        json_object_put(st);
        return;
    }
    if (exit_code == 0) {
        mk_buf_puts(out, "{\"metadata\":{},\"status\":\"Success\"}");
        return;
    }
    /* client-go takes the code from details.causes[reason=ExitCode]. */
    mk_buf_printf(out,
                  "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated "
                  "with non-zero exit code: exit status %d\",\"reason\":\"NonZeroExitCode\","
                  "\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"%d\"}]}}",
                  exit_code, exit_code);
}

int wsexec_resize(const char *json, size_t len, char *out, size_t n)
{
    json_object *o = NULL;
    mk_err err = {0};
    if (codec_decode(json, len, &o, &err) < 0)
        return -1;
    int64_t w = mk_json_int(o, "Width", 0), h = mk_json_int(o, "Height", 0);
    json_object_put(o);
    if (w < 1 || w > 65535 || h < 1 || h > 65535)
        return -1;
    snprintf(out, n, "%lld %lld", (long long)w, (long long)h);
    return 0;
}

/* ---- the relay ---- */

typedef struct ws_relay {
    int client, kubelet;
    int version;
    const char *extra; /* client bytes MHD read past the request */
    size_t extra_len;
    mk_buf from_kubelet; /* kubelet bytes short of a whole frame */
    bool finished;       /* the status is queued */
    bool closing;        /* and sent, and our close queued */
    bool failed;
} ws_relay;

ssize_t wsexec_sock_recv(wslay_event_context_ptr ws, int fd, const char **extra,
                         size_t *extra_len, uint8_t *buf, size_t len)
{
    if (*extra_len) {
        size_t n = len < *extra_len ? len : *extra_len;
        memcpy(buf, *extra, n);
        *extra += n;
        *extra_len -= n;
        return (ssize_t)n;
    }
    ssize_t n;
    do
        n = recv(fd, buf, len, MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        wslay_event_set_error(ws, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    if (n <= 0) {
        wslay_event_set_error(ws, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    return n;
}

ssize_t wsexec_sock_send(wslay_event_context_ptr ws, int fd, const uint8_t *data, size_t len)
{
    if (mk_write_all(fd, data, len) < 0) {
        wslay_event_set_error(ws, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    return (ssize_t)len;
}

static ssize_t ws_recv(wslay_event_context_ptr ws, uint8_t *buf, size_t len, int flags,
                       void *user)
{
    ws_relay *x = user;
    return wsexec_sock_recv(ws, x->client, &x->extra, &x->extra_len, buf, len);
}

static ssize_t ws_send(wslay_event_context_ptr ws, const uint8_t *data, size_t len, int flags,
                       void *user)
{
    ws_relay *x = user;
    return wsexec_sock_send(ws, x->client, data, len);
}

static void to_kubelet(ws_relay *x, int channel, const void *data, size_t len)
{
    mk_err err = {0};
    if (execproto_write(x->kubelet, channel, data, len, &err) < 0)
        x->failed = true;
}

/* A client message: stdin, a resize, or (v5) the close of stdin. */
static void ws_message(wslay_event_context_ptr ws, const struct wslay_event_on_msg_recv_arg *m,
                       void *user)
{
    ws_relay *x = user;
    (void)ws;
    if ((m->opcode != WSLAY_BINARY_FRAME && m->opcode != WSLAY_TEXT_FRAME) || !m->msg_length)
        return;
    const char *p = (const char *)m->msg + 1;
    size_t n = m->msg_length - 1;
    char size[32];
    switch (m->msg[0]) {
    case EXECPROTO_STDIN:
        if (n) /* an empty execproto stdin frame would mean EOF */
            to_kubelet(x, EXECPROTO_STDIN, p, n);
        break;
    case EXECPROTO_RESIZE:
        if (wsexec_resize(p, n, size, sizeof size) == 0)
            to_kubelet(x, EXECPROTO_RESIZE, size, strlen(size));
        break;
    case WS_CLOSE:
        if (x->version >= 5 && n >= 1 && p[0] == EXECPROTO_STDIN)
            to_kubelet(x, EXECPROTO_STDIN, "", 0);
        break;
    default:
        break;
    }
}

static void queue(ws_relay *x, wslay_event_context_ptr ws, int channel, const char *data,
                  size_t len)
{
    mk_buf b = {0};
    char ch = (char)channel;
    mk_buf_append(&b, &ch, 1);
    mk_buf_append(&b, data, len);
    struct wslay_event_msg m = {WSLAY_BINARY_FRAME, (const uint8_t *)b.data, b.len};
    if (wslay_event_queue_msg(ws, &m) != 0)
        x->failed = true;
    mk_buf_free(&b);
}

/* The command is over: its status on the error channel. Our close goes
 * once that is sent: wslay sends control frames ahead of queued data. */
static void finish(ws_relay *x, wslay_event_context_ptr ws, int exit_code, const char *why)
{
    mk_buf st = {0};
    wsexec_status(&st, exit_code, why);
    queue(x, ws, 3, st.data, st.len);
    mk_buf_free(&st);
    x->finished = true;
}

typedef struct {
    ws_relay *x;
    wslay_event_context_ptr ws;
} frame_ctx;

static int kubelet_frame(void *ctx, int channel, const char *payload, size_t len)
{
    frame_ctx *f = ctx;
    if (channel == EXECPROTO_STDOUT || channel == EXECPROTO_STDERR) {
        queue(f->x, f->ws, channel, payload, len);
    } else if (channel == EXECPROTO_EXIT) {
        int code = execproto_exit_code(payload, len);
        finish(f->x, f->ws, code, code < 0 ? "the kubelet sent a malformed exit code" : NULL);
        return 1; /* nothing after the exit */
    }
    return 0;
}

/* Kubelet bytes in: whole frames out as WebSocket messages. */
static void from_kubelet(ws_relay *x, wslay_event_context_ptr ws)
{
    char buf[65536];
    ssize_t n = recv(x->kubelet, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR)
        return;
    if (n <= 0) {
        finish(x, ws, 1, "the kubelet closed the exec stream without an exit code");
        return;
    }
    mk_buf_append(&x->from_kubelet, buf, (size_t)n);
    frame_ctx f = {x, ws};
    if (execproto_drain(&x->from_kubelet, kubelet_frame, &f) == -EBADMSG)
        finish(x, ws, 1, "the kubelet sent a malformed exec frame");
}

void wsexec_relay(int client, const char *extra, size_t extra_len, int kubelet,
                  const char *early, size_t early_len, int version, atomic_bool *stopping)
{
    ws_relay x = {.client = client,
                  .kubelet = kubelet,
                  .version = version,
                  .extra = extra,
                  .extra_len = extra_len};
    static const struct wslay_event_callbacks cbs = {
        .recv_callback = ws_recv, .send_callback = ws_send, .on_msg_recv_callback = ws_message};
    wslay_event_context_ptr ws;
    if (wslay_event_context_server_init(&ws, &cbs, &x) != 0)
        return;
    wslay_event_config_set_max_recv_msg_length(ws, WS_MAX_MESSAGE);
    /* Sends block (a slow client slows only its own command); receives
     * take what is there (MSG_DONTWAIT). */
    fcntl(client, F_SETFL, fcntl(client, F_GETFL) & ~O_NONBLOCK);
    mk_buf_append(&x.from_kubelet, early, early_len);
    frame_ctx f = {&x, ws};
    execproto_drain(&x.from_kubelet, kubelet_frame, &f);
    int64_t close_by = 0;
    while (!x.failed && !atomic_load(stopping)) {
        while (wslay_event_want_write(ws))
            if (wslay_event_send(ws) != 0)
                goto out;
        if (x.finished && !x.closing) {
            wslay_event_queue_close(ws, WSLAY_CODE_NORMAL_CLOSURE, NULL, 0);
            x.closing = true;
            close_by = mk_now_ns() + (int64_t)WS_CLOSE_WAIT_MS * 1000000;
            continue;
        }
        if (!wslay_event_want_read(ws))
            break;
        if (close_by && mk_now_ns() > close_by)
            break;
        struct pollfd p[2] = {{.fd = client, .events = POLLIN},
                              {.fd = x.finished ? -1 : kubelet, .events = POLLIN}};
        if (poll(p, 2, x.extra_len ? 0 : 500) < 0 && errno != EINTR)
            break;
        if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) || x.extra_len)
            if (wslay_event_recv(ws) != 0)
                break;
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
            from_kubelet(&x, ws);
    }
out:
    wslay_event_context_free(ws);
    mk_buf_free(&x.from_kubelet);
}
