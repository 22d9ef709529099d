/* portforward.c - kubectl port-forward: SPDY over WebSocket (or bare) to
 * the client, a kubelet connection per data stream (portforward.h). */
#include "store/server/portforward.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wslay/wslay.h>

#include "store/codec.h"
#include "store/execproto.h"
#include "store/log.h"
#include "store/server/objects.h"
#include "store/server/proxy.h"
#include "store/server/spdy.h"
#include "store/server/wsexec.h"

#define PF_MAX_STREAMS 512
#define PF_CHUNK       32768
#define PF_MAX_MESSAGE (16u << 20) /* one WebSocket message; SPDY frames are at most 16 MiB */

typedef struct pf_stream {
    uint32_t id;
    bool data; /* else the error stream */
    char reqid[32];
    int port;
    int kfd;       /* a data stream's kubelet connection, or -1 */
    bool fin_sent; /* our side of it is closed */
} pf_stream;

typedef struct pf_session {
    api_server *srv;
    int client;
    bool ws;
    wslay_event_context_ptr wsctx;
    const char *extra; /* client bytes MHD read past the request */
    size_t extra_len;
    char ns[64], pod[254], host[64];
    int kport;
    spdy_codec codec;
    mk_buf in;  /* the client's SPDY bytes short of a whole frame */
    mk_buf out; /* SPDY bytes for the client */
    pf_stream *st;
    size_t nst;
    bool done;
} pf_session;

bool portforward_offers(const char *offered, const char *want)
{
    _cleanup_free_ char *copy = xstrdup(offered ? offered : "");
    char *save = NULL;
    for (char *p = strtok_r(copy, ", \t", &save); p; p = strtok_r(NULL, ", \t", &save))
        if (strcmp(p, want) == 0)
            return true;
    return false;
}

/* ---- streams ---- */

static pf_stream *find_stream(pf_session *s, uint32_t id)
{
    for (size_t i = 0; i < s->nst; i++)
        if (s->st[i].id == id)
            return &s->st[i];
    return NULL;
}

static pf_stream *find_error_stream(pf_session *s, const char *reqid)
{
    for (size_t i = 0; i < s->nst; i++)
        if (!s->st[i].data && strcmp(s->st[i].reqid, reqid) == 0)
            return &s->st[i];
    return NULL;
}

static void drop_stream(pf_session *s, pf_stream *t)
{
    if (t->kfd >= 0)
        close(t->kfd);
    *t = s->st[--s->nst];
}

/* Our FIN on t, with text before it when given. */
static void finish_stream(pf_session *s, pf_stream *t, const char *text)
{
    if (!t || t->fin_sent)
        return;
    spdy_put_data(&s->out, t->id, SPDY_FLAG_FIN, text, text ? strlen(text) : 0);
    t->fin_sent = true;
}

/* The pod's side of a data stream ended (or never began, why saying so):
 * FIN on it and on its error stream, and it is forgotten. */
static void end_pair(pf_session *s, pf_stream *t, const char *why)
{
    finish_stream(s, find_error_stream(s, t->reqid), why);
    finish_stream(s, t, NULL);
    uint32_t id = t->id;
    pf_stream *e = find_error_stream(s, t->reqid);
    if (e)
        drop_stream(s, e);
    t = find_stream(s, id); /* moved when e was dropped */
    if (t)
        drop_stream(s, t);
}

static void dial_pod(pf_session *s, pf_stream *t)
{
    mk_err err = {0};
    mk_buf early = {0};
    _cleanup_free_ char *path = xasprintf("/portForward/%s/%s?port=%d", s->ns, s->pod, t->port);
    t->kfd =
        proxy_kubelet_upgrade(s->srv, s->host, s->kport, path, PORTFWD_UPGRADE, &early, &err);
    if (t->kfd < 0) {
        mk_log("port-forward %s/%s port %d: %s", s->ns, s->pod, t->port, err.msg);
        end_pair(s, t, err.msg);
    } else if (early.len) {
        spdy_put_data(&s->out, t->id, 0, early.data, early.len);
    }
    mk_buf_free(&early);
}

static void syn_stream(pf_session *s, const spdy_frame *f)
{
    ssize_t at = spdy_header_block(f);
    spdy_headers h = {0};
    mk_err err = {0};
    if (at < 0 ||
        spdy_headers_decode(&s->codec, f->data + at, f->len - (size_t)at, &h, &err) < 0) {
        mk_log("port-forward %s/%s: %s", s->ns, s->pod, at < 0 ? "short SYN_STREAM" : err.msg);
        s->done = true; /* the header contexts are out of step: nothing more can be read */
        return;
    }
    const char *type = spdy_headers_get(&h, "streamtype");
    const char *port = spdy_headers_get(&h, "port");
    const char *reqid = spdy_headers_get(&h, "requestid");
    int p = port ? atoi(port) : 0;
    bool data = type && strcmp(type, "data") == 0;
    if (find_stream(s, f->stream) || s->nst >= PF_MAX_STREAMS || !type ||
        (!data && strcmp(type, "error") != 0) || p < 1 || p > 65535) {
        spdy_put_rst(&s->out, f->stream, SPDY_RST_PROTOCOL_ERROR);
        spdy_headers_free(&h);
        return;
    }
    s->st = xrealloc(s->st, (s->nst + 1) * sizeof *s->st);
    pf_stream *t = &s->st[s->nst++];
    *t = (pf_stream){.id = f->stream, .data = data, .port = p, .kfd = -1};
    snprintf(t->reqid, sizeof t->reqid, "%s", reqid ? reqid : "");
    spdy_headers_free(&h);
    spdy_put_syn_reply(&s->codec, &s->out, t->id, 0, NULL);
    if (data)
        dial_pod(s, t);
}

static void data_frame(pf_session *s, const spdy_frame *f)
{
    pf_stream *t = find_stream(s, f->stream);
    if (!t || !t->data || t->kfd < 0)
        return; /* the error stream's FIN, or a stream already ended */
    if (f->len && mk_write_all(t->kfd, f->data, f->len) < 0) {
        end_pair(s, t, NULL);
        return;
    }
    if (f->flags & SPDY_FLAG_FIN)
        shutdown(t->kfd, SHUT_WR);
}

static void control_frame(pf_session *s, const spdy_frame *f)
{
    pf_stream *t;
    switch (f->type) {
    case SPDY_SYN_STREAM:
        syn_stream(s, f);
        break;
    case SPDY_PING:
        spdy_put_control(&s->out, SPDY_PING, 0, f->data, f->len);
        break;
    case SPDY_RST_STREAM:
        if ((t = find_stream(s, f->stream)))
            drop_stream(s, t);
        break;
    case SPDY_GOAWAY:
        s->done = true;
        break;
    case SPDY_HEADERS: {
        /* Read only to keep the header context in step. */
        spdy_headers h = {0};
        mk_err err = {0};
        if (f->len < 4 || spdy_headers_decode(&s->codec, f->data + 4, f->len - 4, &h, &err) < 0)
            s->done = true;
        spdy_headers_free(&h);
        break;
    }
    default: /* SETTINGS, WINDOW_UPDATE, NOOP */
        break;
    }
}

/* Whole frames from s->in. */
static void take_frames(pf_session *s)
{
    size_t pos = 0;
    while (!s->done) {
        spdy_frame f;
        ssize_t n = spdy_parse(s->in.data + pos, s->in.len - pos, &f);
        if (n == 0)
            break;
        if (n < 0 || (f.control && f.version != SPDY_VERSION)) {
            s->done = true;
            break;
        }
        pos += (size_t)n;
        if (f.control)
            control_frame(s, &f);
        else
            data_frame(s, &f);
    }
    memmove(s->in.data, s->in.data + pos, s->in.len - pos);
    s->in.len -= pos;
}

/* Bytes from a data stream's kubelet connection. */
static void from_kubelet(pf_session *s, pf_stream *t)
{
    char buf[PF_CHUNK];
    ssize_t n = recv(t->kfd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n <= 0)
        end_pair(s, t, NULL);
    else
        spdy_put_data(&s->out, t->id, 0, buf, (size_t)n);
}

/* ---- the client's transport: WebSocket messages, or the bare socket ---- */

static ssize_t ws_recv(wslay_event_context_ptr ws, uint8_t *buf, size_t len, int flags,
                       void *user)
{
    pf_session *s = user;
    return wsexec_sock_recv(ws, s->client, &s->extra, &s->extra_len, buf, len);
}

static ssize_t ws_send(wslay_event_context_ptr ws, const uint8_t *data, size_t len, int flags,
                       void *user)
{
    pf_session *s = user;
    return wsexec_sock_send(ws, s->client, data, len);
}

static void ws_message(wslay_event_context_ptr ws, const struct wslay_event_on_msg_recv_arg *m,
                       void *user)
{
    pf_session *s = user;
    if (m->opcode == WSLAY_BINARY_FRAME)
        mk_buf_append(&s->in, m->msg, m->msg_length);
}

/* Client bytes in, as far as they go. */
static void client_in(pf_session *s)
{
    if (s->ws) {
        if (wslay_event_recv(s->wsctx) != 0 || !wslay_event_want_read(s->wsctx))
            s->done = true;
    } else if (s->extra_len) {
        mk_buf_append(&s->in, s->extra, s->extra_len);
        s->extra_len = 0;
    } else {
        char buf[PF_CHUNK];
        ssize_t n = recv(s->client, buf, sizeof buf, 0);
        if (n > 0)
            mk_buf_append(&s->in, buf, (size_t)n);
        else if (n == 0 || errno != EINTR)
            s->done = true;
    }
    take_frames(s);
}

/* What s->out holds, to the client. */
static void client_out(pf_session *s)
{
    if (s->ws && s->out.len) {
        struct wslay_event_msg m = {WSLAY_BINARY_FRAME, (const uint8_t *)s->out.data,
                                    s->out.len};
        if (wslay_event_queue_msg(s->wsctx, &m) != 0)
            s->done = true;
    } else if (s->out.len && mk_write_all(s->client, s->out.data, s->out.len) < 0) {
        s->done = true;
    }
    mk_buf_reset(&s->out);
    while (s->ws && !s->done && wslay_event_want_write(s->wsctx))
        if (wslay_event_send(s->wsctx) != 0)
            s->done = true;
}

static void session_loop(pf_session *s)
{
    struct pollfd *p = NULL;
    while (!s->done && !atomic_load(&s->srv->stopping)) {
        p = xrealloc(p, (s->nst + 1) * sizeof *p);
        p[0] = (struct pollfd){.fd = s->client, .events = POLLIN};
        for (size_t i = 0; i < s->nst; i++)
            p[i + 1] = (struct pollfd){.fd = s->st[i].kfd, .events = POLLIN};
        size_t n = s->nst;
        if (poll(p, n + 1, s->extra_len ? 0 : 500) < 0 && errno != EINTR)
            break;
        if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) || s->extra_len)
            client_in(s);
        /* Streams move as they are dropped: match them by socket. */
        for (size_t i = 1; i <= n && !s->done; i++) {
            if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            for (size_t j = 0; j < s->nst; j++)
                if (s->st[j].kfd == p[i].fd) {
                    from_kubelet(s, &s->st[j]);
                    break;
                }
        }
        client_out(s);
    }
    free(p);
}

/* ---- the HTTP side ---- */

typedef struct pf_job {
    pf_session *s;
    struct MHD_UpgradeResponseHandle *urh;
    mk_buf extra;
} pf_job;

static void session_free(pf_session *s)
{
    while (s->nst)
        drop_stream(s, &s->st[0]);
    free(s->st);
    spdy_codec_free(&s->codec);
    mk_buf_free(&s->in);
    mk_buf_free(&s->out);
    free(s);
}

static void *session_main(void *arg)
{
    pf_job *j = arg;
    pf_session *s = j->s;
    s->extra = j->extra.data;
    s->extra_len = j->extra.len;
    /* Sends block (a slow client slows only its own session); WebSocket
     * receives take what is there (MSG_DONTWAIT). */
    fcntl(s->client, F_SETFL, fcntl(s->client, F_GETFL) & ~O_NONBLOCK);
    static const struct wslay_event_callbacks cbs = {
        .recv_callback = ws_recv, .send_callback = ws_send, .on_msg_recv_callback = ws_message};
    if (!s->ws || wslay_event_context_server_init(&s->wsctx, &cbs, s) == 0) {
        if (s->ws)
            wslay_event_config_set_max_recv_msg_length(s->wsctx, PF_MAX_MESSAGE);
        session_loop(s);
        if (s->ws)
            wslay_event_context_free(s->wsctx);
    }
    mk_debug("port-forward %s/%s ended", s->ns, s->pod);
    MHD_upgrade_action(j->urh, MHD_UPGRADE_ACTION_CLOSE);
    atomic_fetch_sub(&s->srv->relays, 1);
    session_free(s);
    mk_buf_free(&j->extra);
    free(j);
    return NULL;
}

static void pf_upgraded(void *cls, struct MHD_Connection *conn, void *con_cls,
                        const char *extra_in, size_t extra_in_size, MHD_socket sock,
                        struct MHD_UpgradeResponseHandle *urh)
{
    pf_job *j = xcalloc(1, sizeof *j);
    j->s = cls;
    j->s->client = sock;
    j->urh = urh;
    if (extra_in_size)
        mk_buf_append(&j->extra, extra_in, extra_in_size);
    atomic_fetch_add(&j->s->srv->relays, 1);
    pthread_t t;
    if (pthread_create(&t, NULL, session_main, j) != 0) {
        atomic_fetch_sub(&j->s->srv->relays, 1);
        MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
        session_free(j->s);
        mk_buf_free(&j->extra);
        free(j);
        return;
    }
    pthread_detach(t);
}

/* The pod's node and where its kubelet listens, into s. */
static int locate_pod(api_req *r, const api_route *rt, pf_session *s, mk_err *err)
{
    json_object *pod;
    int64_t rev;
    if (objects_load(r->srv, rt->kind, rt->ns, rt->name, &pod, &rev, err) < 0)
        return -err->code;
    const char *node = mk_json_str(pod, "spec.nodeName");
    const char *phase = mk_json_str(pod, "status.phase");
    int rc = 0;
    if (!node || !*node)
        rc = mk_error(err, ECONNREFUSED, "pod %s is not scheduled to a node yet", rt->name);
    else if (phase && strcmp(phase, "Running") != 0)
        rc = mk_error(err, EBADMSG,
                      "unable to forward port because pod is not running. "
                      "Current status=%s",
                      phase);
    else
        rc = proxy_kubelet_address(r->srv, node, s->host, sizeof s->host, &s->kport, err);
    json_object_put(pod);
    return rc;
}

enum MHD_Result proxy_portforward(api_req *r, const api_route *rt)
{
    mk_err err = {0};
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "POST") != 0)
        return api_fail(r, EOPNOTSUPP, "pods/portforward takes GET or POST");
    const char *up = api_header(r, "Upgrade");
    const char *key = api_header(r, "Sec-WebSocket-Key");
    bool ws = up && !strcasecmp(up, "websocket");
    if (ws && (!key || strlen(key) != 24 ||
               !portforward_offers(api_header(r, "Sec-WebSocket-Protocol"),
                                   PORTFORWARD_WS_PREFIX PORTFORWARD_PROTOCOL)))
        return api_fail(r, EBADMSG,
                        "port-forward over WebSocket needs a Sec-WebSocket-Key and the "
                        "subprotocol " PORTFORWARD_WS_PREFIX PORTFORWARD_PROTOCOL);
    if (!ws &&
        (!up || strcasecmp(up, "SPDY/3.1") != 0 ||
         !portforward_offers(api_header(r, "X-Stream-Protocol-Version"), PORTFORWARD_PROTOCOL)))
        return api_fail(
            r, EBADMSG,
            "port-forward is served over WebSocket (subprotocol " PORTFORWARD_WS_PREFIX
                PORTFORWARD_PROTOCOL ") or \"Upgrade: SPDY/3.1\" with "
            "X-Stream-Protocol-Version: " PORTFORWARD_PROTOCOL);
    pf_session *s = xcalloc(1, sizeof *s);
    s->srv = r->srv;
    s->ws = ws;
    snprintf(s->ns, sizeof s->ns, "%s", rt->ns);
    snprintf(s->pod, sizeof s->pod, "%s", rt->name);
    if (locate_pod(r, rt, s, &err) < 0) {
        free(s);
        return api_reply_err(r, &err, rt->kind, rt->name);
    }
    struct MHD_Response *resp = MHD_create_response_for_upgrade(pf_upgraded, s);
    if (!resp) {
        free(s);
        return api_fail(r, EIO, "cannot create response");
    }
    if (ws) {
        char accept[29];
        wsexec_accept_key(key, accept);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_UPGRADE, "websocket");
        MHD_add_response_header(resp, "Sec-WebSocket-Accept", accept);
        MHD_add_response_header(resp, "Sec-WebSocket-Protocol",
                                PORTFORWARD_WS_PREFIX PORTFORWARD_PROTOCOL);
    } else {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_UPGRADE, "SPDY/3.1");
        MHD_add_response_header(resp, "X-Stream-Protocol-Version", PORTFORWARD_PROTOCOL);
    }
    mk_log("port-forward %s/%s via %s:%d%s", rt->ns, rt->name, s->host, s->kport,
           ws ? " (WebSocket)" : " (SPDY)");
    return api_reply_resp(r, MHD_HTTP_SWITCHING_PROTOCOLS, resp, NULL);
}
