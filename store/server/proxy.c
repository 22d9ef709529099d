/* proxy.c - pod logs and exec, relayed to the pod's kubelet (proxy.h).
 *
 * Logs go through libcurl's multi interface driven from the response's
 * content reader, so bytes flow as the kubelet sends them (follow=true)
 * and nothing is buffered beyond one read. Exec is an HTTP upgrade on both
 * sides; a thread copies bytes between the two sockets until either ends.
 */
#include "store/server/proxy.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "store/codec.h"
#include "store/execproto.h"
#include "store/log.h"
#include "store/server/auth.h"
#include "store/server/objects.h"
#include "store/server/wsexec.h"

#define KUBELET_DEFAULT_PORT 10250
#define PROXY_CONNECT_MS     5000
#define PROXY_HEADERS_MS     10000
#define EXEC_HEAD_MAX        16384

typedef struct kubelet_target {
    char node[254];
    char host[64]; /* where we connect: the node's address, or loopback */
    int port;
    char container[64];
} kubelet_target;

/* Is ip an address of this machine? Binding to it tells. */
static bool addr_is_local(const char *ip)
{
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST, .ai_socktype = SOCK_DGRAM}, *ai;
    if (getaddrinfo(ip, "0", &hints, &ai) != 0)
        return false;
    int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    bool local = fd >= 0 && bind(fd, ai->ai_addr, ai->ai_addrlen) == 0;
    if (fd >= 0)
        close(fd);
    freeaddrinfo(ai);
    return local;
}

static int pick_container(api_req *r, json_object *pod, const char *name, char *out, size_t n,
                          mk_err *err)
{
    const char *want = api_query(r, "container");
    json_object *ctrs = mk_json_path(pod, "spec.containers");
    size_t count = mk_json_array_len(ctrs);
    mk_buf names = {0};
    const char *found = NULL;
    for (size_t i = 0; i < count; i++) {
        const char *c = mk_json_str(json_object_array_get_idx(ctrs, i), "name");
        if (!c)
            continue;
        mk_buf_printf(&names, "%s%s", names.len ? " " : "", c);
        if ((want && strcmp(want, c) == 0) || (!want && count == 1))
            found = c;
    }
    /* Named, an init or an ephemeral container (kubectl debug's) is one too. */
    static const char *const others[] = {"spec.initContainers", "spec.ephemeralContainers"};
    for (size_t l = 0; !found && want && l < ARRAY_SIZE(others); l++) {
        json_object *list = mk_json_path(pod, others[l]);
        for (size_t i = 0; !found && i < mk_json_array_len(list); i++) {
            const char *c = mk_json_str(json_object_array_get_idx(list, i), "name");
            if (c && !strcmp(want, c))
                found = c;
        }
    }
    int rc = 0;
    if (!found && want)
        rc = mk_error(err, EBADMSG, "container %s is not valid for pod %s", want, name);
    else if (!found)
        rc = mk_error(err, EBADMSG,
                      "a container name must be specified for pod %s, choose one "
                      "of: [%s]",
                      name, names.data ? names.data : "");
    else
        snprintf(out, n, "%s", found);
    mk_buf_free(&names);
    return rc;
}

static int node_endpoint(api_req *r, const char *node, kubelet_target *t, mk_err *err)
{
    json_object *obj;
    int64_t rev;
    if (objects_load(r->srv, kind_by_kind("Node"), NULL, node, &obj, &rev, err) < 0)
        return mk_error(err, ECONNREFUSED, "node %s of the pod is not registered", node);
    const char *addr = NULL;
    json_object *addrs = mk_json_path(obj, "status.addresses");
    size_t n = mk_json_array_len(addrs);
    for (size_t i = 0; i < n; i++) {
        json_object *a = json_object_array_get_idx(addrs, i);
        const char *type = mk_json_str(a, "type");
        if (!addr || (type && strcmp(type, "InternalIP") == 0))
            addr = mk_json_str(a, "address");
    }
    int64_t port =
        mk_json_int(obj, "status.daemonEndpoints.kubeletEndpoint.Port", KUBELET_DEFAULT_PORT);
    int rc = 0;
    if (!addr || strlen(addr) >= sizeof t->host || port <= 0 || port > 65535)
        rc = mk_error(err, ECONNREFUSED, "node %s reports no kubelet address", node);
    else {
        snprintf(t->host, sizeof t->host, "%s", addr_is_local(addr) ? "127.0.0.1" : addr);
        t->port = (int)port;
    }
    json_object_put(obj);
    return rc;
}

int proxy_kubelet_address(api_server *srv, const char *node, char *host, size_t n, int *port,
                          mk_err *err)
{
    api_req r = {.srv = srv};
    kubelet_target t = {0};
    int rc = node_endpoint(&r, node, &t, err);
    if (rc == 0) {
        snprintf(host, n, "%s", t.host);
        *port = t.port;
    }
    return rc;
}

static int proxy_target(api_req *r, const api_route *rt, kubelet_target *t, mk_err *err)
{
    json_object *pod;
    int64_t rev;
    *t = (kubelet_target){0};
    if (objects_load(r->srv, rt->kind, rt->ns, rt->name, &pod, &rev, err) < 0)
        return -err->code;
    int rc = pick_container(r, pod, rt->name, t->container, sizeof t->container, err);
    const char *node = mk_json_str(pod, "spec.nodeName");
    if (rc == 0 && (!node || !*node))
        rc = mk_error(err, ECONNREFUSED, "pod %s is not scheduled to a node yet", rt->name);
    if (rc == 0)
        snprintf(t->node, sizeof t->node, "%s", node);
    json_object_put(pod);
    return rc < 0 ? rc : node_endpoint(r, t->node, t, err);
}

/* The request's query, re-encoded, for the kubelet. */
typedef struct query_acc {
    mk_buf b;
} query_acc;

static enum MHD_Result add_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    query_acc *q = cls;
    char *k = curl_easy_escape(NULL, key, 0);
    char *v = curl_easy_escape(NULL, value ? value : "", 0);
    if (k && v)
        mk_buf_printf(&q->b, "%s%s=%s", q->b.len ? "&" : "", k, v);
    curl_free(k);
    curl_free(v);
    return MHD_YES;
}

static char *kubelet_url_path(api_req *r, const char *what, const api_route *rt,
                              const kubelet_target *t)
{
    query_acc q = {0};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_query, &q);
    char *path = xasprintf("/%s/%s/%s/%s%s%s", what, rt->ns, rt->name, t->container,
                           q.b.len ? "?" : "", q.b.len ? q.b.data : "");
    mk_buf_free(&q.b);
    return path;
}

static int status_errno(long status)
{
    return status == 404                    ? ENOENT
           : status == 400                  ? EBADMSG
           : status == 409                  ? ESTALE
           : status == 401 || status == 403 ? EACCES
                                            : ECONNREFUSED;
}

/* The kubelet's non-2xx answer as a Status: its text is the message. */
static enum MHD_Result relay_refusal(api_req *r, const api_route *rt, long status,
                                     const char *body, size_t len)
{
    mk_err err = {.code = status_errno(status)};
    snprintf(err.msg, sizeof err.msg, "kubelet: %.*s", (int)strcspn(body ? body : "", "\r\n"),
             body ? body : "");
    (void)len;
    return api_reply_err(r, &err, rt->kind, rt->name);
}

/* ---- logs ---- */

typedef struct log_proxy {
    api_server *srv;
    CURLM *multi;
    CURL *easy;
    struct curl_slist *hdrs;
    mk_buf buf;
    size_t pos;
    bool headers, done;
    CURLcode result;
    int client_fd;
    char errbuf[CURL_ERROR_SIZE];
} log_proxy;

static size_t lp_write(char *p, size_t size, size_t n, void *ud)
{
    log_proxy *lp = ud;
    mk_buf_append(&lp->buf, p, size * n);
    return size * n;
}

static size_t lp_header(char *p, size_t size, size_t n, void *ud)
{
    log_proxy *lp = ud;
    if (size * n <= 2 && (p[0] == '\r' || p[0] == '\n'))
        lp->headers = true;
    return size * n;
}

static void lp_free(void *cls)
{
    log_proxy *lp = cls;
    if (lp->multi && lp->easy)
        curl_multi_remove_handle(lp->multi, lp->easy);
    curl_easy_cleanup(lp->easy);
    curl_multi_cleanup(lp->multi);
    curl_slist_free_all(lp->hdrs);
    mk_buf_free(&lp->buf);
    free(lp);
}

static void lp_pump(log_proxy *lp, int wait_ms)
{
    int running = 0;
    curl_multi_perform(lp->multi, &running);
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(lp->multi, &left)))
        if (m->msg == CURLMSG_DONE) {
            lp->done = true;
            lp->result = m->data.result;
        }
    if (!lp->done && lp->pos == lp->buf.len && wait_ms > 0)
        curl_multi_poll(lp->multi, NULL, 0, wait_ms, NULL);
}

/* A follower that went away is noticed while the log is quiet. */
static bool client_gone(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLRDHUP};
    return fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

static ssize_t lp_reader(void *cls, uint64_t pos, char *out, size_t max)
{
    log_proxy *lp = cls;
    for (;;) {
        if (lp->pos < lp->buf.len) {
            size_t n = lp->buf.len - lp->pos < max ? lp->buf.len - lp->pos : max;
            memcpy(out, lp->buf.data + lp->pos, n);
            lp->pos += n;
            if (lp->pos == lp->buf.len) {
                mk_buf_reset(&lp->buf);
                lp->pos = 0;
            }
            return (ssize_t)n;
        }
        if (lp->done)
            return lp->result == CURLE_OK ? MHD_CONTENT_READER_END_OF_STREAM
                                          : MHD_CONTENT_READER_END_WITH_ERROR;
        if (client_gone(lp->client_fd) || atomic_load(&lp->srv->stopping))
            return MHD_CONTENT_READER_END_WITH_ERROR;
        lp_pump(lp, 1000);
    }
}

static log_proxy *lp_start(api_req *r, const char *url)
{
    log_proxy *lp = xcalloc(1, sizeof *lp);
    lp->srv = r->srv;
    lp->multi = curl_multi_init();
    lp->easy = curl_easy_init();
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    lp->client_fd = ci ? ci->connect_fd : -1;
    const char *token = r->srv->auth ? auth_proxy_token(r->srv->auth) : NULL;
    if (token) {
        _cleanup_free_ char *h = xasprintf("Authorization: Bearer %s", token);
        lp->hdrs = curl_slist_append(NULL, h);
        curl_easy_setopt(lp->easy, CURLOPT_HTTPHEADER, lp->hdrs);
    }
    curl_easy_setopt(lp->easy, CURLOPT_URL, url);
    curl_easy_setopt(lp->easy, CURLOPT_WRITEFUNCTION, lp_write);
    curl_easy_setopt(lp->easy, CURLOPT_WRITEDATA, lp);
    curl_easy_setopt(lp->easy, CURLOPT_HEADERFUNCTION, lp_header);
    curl_easy_setopt(lp->easy, CURLOPT_HEADERDATA, lp);
    curl_easy_setopt(lp->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)PROXY_CONNECT_MS);
    curl_easy_setopt(lp->easy, CURLOPT_ERRORBUFFER, lp->errbuf);
    curl_easy_setopt(lp->easy, CURLOPT_NOSIGNAL, 1L);
    curl_multi_add_handle(lp->multi, lp->easy);
    return lp;
}

enum MHD_Result proxy_log(api_req *r, const api_route *rt)
{
    mk_err err = {0};
    kubelet_target t;
    if (strcmp(r->method, "GET") != 0)
        return api_fail(r, EOPNOTSUPP, "pods/log takes GET");
    if (proxy_target(r, rt, &t, &err) < 0)
        return api_reply_err(r, &err, rt->kind, rt->name);
    _cleanup_free_ char *path = kubelet_url_path(r, "containerLogs", rt, &t);
    _cleanup_free_ char *url = xasprintf("http://%s:%d%s", t.host, t.port, path);
    log_proxy *lp = lp_start(r, url);
    int64_t deadline = mk_now_ns() + (int64_t)PROXY_HEADERS_MS * 1000000;
    while (!lp->headers && !lp->done && mk_now_ns() < deadline)
        lp_pump(lp, 100);
    long status = 0;
    curl_easy_getinfo(lp->easy, CURLINFO_RESPONSE_CODE, &status);
    if (!lp->headers || status == 0) {
        mk_error(&err, ECONNREFUSED, "kubelet of node %s at %s:%d: %s", t.node, t.host, t.port,
                 lp->errbuf[0] ? lp->errbuf : "no answer");
        lp_free(lp);
        return api_reply_err(r, &err, rt->kind, rt->name);
    }
    if (status != 200) {
        while (!lp->done && mk_now_ns() < deadline)
            lp_pump(lp, 100);
        enum MHD_Result ret = relay_refusal(r, rt, status, lp->buf.data, lp->buf.len);
        lp_free(lp);
        return ret;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, lp_reader, lp, lp_free);
    if (!resp) {
        lp_free(lp);
        return api_fail(r, EIO, "cannot create response");
    }
    return api_reply_resp(r, 200, resp, "text/plain; charset=utf-8");
}

/* ---- exec ---- */

typedef struct exec_relay {
    api_server *srv;
    int kfd;      /* the kubelet's socket, upgraded */
    mk_buf early; /* frames that came with the kubelet's 101 */
    int ws;       /* the client speaks WebSocket channel protocol vN; 0: execproto */
} exec_relay;

static int connect_timeout(const char *host, int port, int ms, mk_err *err)
{
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST}, *ai;
    if (getaddrinfo(host, ps, &hints, &ai) != 0)
        return mk_error(err, EHOSTUNREACH, "kubelet address %s is not an IP", host);
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int rc = fd < 0 ? -1 : connect(fd, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(ai);
    if (rc < 0 && errno == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int e = 0;
        socklen_t el = sizeof e;
        if (poll(&p, 1, ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && !e)
            rc = 0;
        else
            errno = e ? e : ETIMEDOUT;
    }
    if (rc < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return mk_error(err, ECONNREFUSED, "kubelet at %s:%d: %s", host, port, strerror(e));
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

/* Read the answer's head (up to the blank line) into b; *head is its size. */
static int read_head(int fd, mk_buf *b, size_t *head, mk_err *err)
{
    int64_t deadline = mk_now_ns() + (int64_t)PROXY_HEADERS_MS * 1000000;
    char chunk[4096];
    for (;;) {
        char *end = b->data ? strstr(b->data, "\r\n\r\n") : NULL;
        if (end) {
            *head = (size_t)(end - b->data) + 4;
            return 0;
        }
        int left = (int)((deadline - mk_now_ns()) / 1000000);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (b->len > EXEC_HEAD_MAX || left <= 0 || poll(&p, 1, left) != 1)
            return mk_error(err, ECONNREFUSED, "kubelet: no answer to the exec upgrade");
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0)
            return mk_error(err, ECONNREFUSED, "kubelet closed the exec connection");
        mk_buf_append(b, chunk, (size_t)n);
    }
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

typedef struct relay_job {
    exec_relay *x;
    MHD_socket sock;
    struct MHD_UpgradeResponseHandle *urh;
    mk_buf extra; /* client bytes MHD read past the request */
} relay_job;

/* Copy both ways until one side ends or the server stops. */
static void *relay_main(void *arg)
{
    relay_job *j = arg;
    exec_relay *x = j->x;
    int c = j->sock, k = x->kfd;
    if (x->ws) {
        wsexec_relay(c, j->extra.data, j->extra.len, k, x->early.data, x->early.len, x->ws,
                     &x->srv->stopping);
        goto out;
    }
    bool ok = write_all(c, x->early.data ? x->early.data : "", x->early.len) == 0 &&
              write_all(k, j->extra.data ? j->extra.data : "", j->extra.len) == 0;
    char buf[65536];
    while (ok && !atomic_load(&x->srv->stopping)) {
        struct pollfd p[2] = {{.fd = c, .events = POLLIN}, {.fd = k, .events = POLLIN}};
        int n = poll(p, 2, 500);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; ok && i < 2; i++) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t got = recv(p[i].fd, buf, sizeof buf, 0);
            ok = got > 0 && write_all(i == 0 ? k : c, buf, (size_t)got) == 0;
        }
    }
out:
    close(k);
    MHD_upgrade_action(j->urh, MHD_UPGRADE_ACTION_CLOSE);
    atomic_fetch_sub(&x->srv->relays, 1);
    mk_buf_free(&x->early);
    free(x);
    mk_buf_free(&j->extra);
    free(j);
    return NULL;
}

static void exec_upgraded(void *cls, struct MHD_Connection *conn, void *con_cls,
                          const char *extra_in, size_t extra_in_size, MHD_socket sock,
                          struct MHD_UpgradeResponseHandle *urh)
{
    relay_job *j = xcalloc(1, sizeof *j);
    j->x = cls;
    j->sock = sock;
    j->urh = urh;
    if (extra_in_size)
        mk_buf_append(&j->extra, extra_in, extra_in_size);
    atomic_fetch_add(&j->x->srv->relays, 1);
    pthread_t t;
    if (pthread_create(&t, NULL, relay_main, j) != 0) {
        atomic_fetch_sub(&j->x->srv->relays, 1);
        close(j->x->kfd);
        MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
        mk_buf_free(&j->x->early);
        free(j->x);
        mk_buf_free(&j->extra);
        free(j);
        return;
    }
    pthread_detach(t);
}

int proxy_kubelet_upgrade(api_server *srv, const char *host, int port, const char *path,
                          const char *upgrade, mk_buf *early, mk_err *err)
{
    int fd = connect_timeout(host, port, PROXY_CONNECT_MS, err);
    if (fd < 0)
        return fd;
    const char *token = srv->auth ? auth_proxy_token(srv->auth) : NULL;
    mk_buf b = {0};
    mk_buf_printf(&b,
                  "POST %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: Upgrade\r\nUpgrade: %s\r\n"
                  "Content-Length: 0\r\n",
                  path, host, port, upgrade);
    if (token)
        mk_buf_printf(&b, "Authorization: Bearer %s\r\n", token);
    mk_buf_puts(&b, "\r\n");
    size_t head = 0;
    int status = 0;
    int rc = write_all(fd, b.data, b.len) < 0
                 ? mk_error(err, ECONNREFUSED, "kubelet: send: %s", strerror(errno))
                 : 0;
    mk_buf_reset(&b);
    if (rc == 0)
        rc = read_head(fd, &b, &head, err);
    if (rc == 0 && sscanf(b.data, "HTTP/1.%*d %d", &status) != 1)
        rc = mk_error(err, ECONNREFUSED, "kubelet: not an HTTP answer");
    if (rc == 0 && status != 101) {
        /* The refusal's body is short text; what came with the head will do. */
        const char *body = b.data + head;
        rc = mk_error(err, status_errno(status), "kubelet: %.*s", (int)strcspn(body, "\r\n"),
                      body);
    }
    if (rc < 0) {
        close(fd);
        mk_buf_free(&b);
        return rc;
    }
    mk_buf_append(early, b.data + head, b.len - head);
    mk_buf_free(&b);
    return fd;
}

/* Connect to the kubelet and ask it to upgrade: the socket, upgraded, with
 * any frames that came along; or the kubelet's refusal as an error reply. */
static enum MHD_Result exec_dial(api_req *r, const api_route *rt, const kubelet_target *t,
                                 const char *what, exec_relay **out)
{
    mk_err err = {0};
    _cleanup_free_ char *path = kubelet_url_path(r, what, rt, t);
    mk_buf early = {0};
    int fd =
        proxy_kubelet_upgrade(r->srv, t->host, t->port, path, EXECPROTO_UPGRADE, &early, &err);
    if (fd < 0) {
        mk_buf_free(&early);
        return api_reply_err(r, &err, rt->kind, rt->name);
    }
    exec_relay *x = xcalloc(1, sizeof *x);
    x->srv = r->srv;
    x->kfd = fd;
    x->early = early;
    *out = x;
    return MHD_YES;
}

/* kubectl's WebSocket upgrade: the channel protocol version to speak
 * (wsexec.h), or 0 when the request asks for none we can. */
static int websocket_version(api_req *r)
{
    const char *key = api_header(r, "Sec-WebSocket-Key");
    return key && strlen(key) == 24 ? wsexec_choose(api_header(r, "Sec-WebSocket-Protocol"))
                                    : 0;
}

/* exec and attach: the same streams, protocols and relay; only the
 * kubelet's path differs. */
static enum MHD_Result proxy_streams(api_req *r, const api_route *rt, const char *what)
{
    mk_err err = {0};
    kubelet_target t;
    /* The pod and container first: kubectl retries a refused WebSocket
     * with SPDY, and shows what the second try was told. */
    if (proxy_target(r, rt, &t, &err) < 0)
        return api_reply_err(r, &err, rt->kind, rt->name);
    const char *up = api_header(r, "Upgrade");
    bool websocket = up && !strcasecmp(up, "websocket");
    int ws = websocket ? websocket_version(r) : 0;
    if (websocket && !ws)
        return api_fail(
            r, EBADMSG,
            "%s over WebSocket needs a Sec-WebSocket-Key and the subprotocol " WSEXEC_V5
            " or " WSEXEC_V4,
            what);
    if (!websocket && (!up || strcasecmp(up, EXECPROTO_UPGRADE) != 0))
        return api_fail(r, EBADMSG,
                        "%s is served over WebSocket (" WSEXEC_V5
                        ", as kubectl 1.30 and later asks) or \"Upgrade: %s\", not "
                        "\"Upgrade: %s\"",
                        what, EXECPROTO_UPGRADE, up ? up : "(none)");
    exec_relay *x = NULL;
    enum MHD_Result ret = exec_dial(r, rt, &t, what, &x);
    if (!x)
        return ret; /* refused: already answered */
    x->ws = ws;
    struct MHD_Response *resp = MHD_create_response_for_upgrade(exec_upgraded, x);
    if (!resp) {
        close(x->kfd);
        mk_buf_free(&x->early);
        free(x);
        return api_fail(r, EIO, "cannot create response");
    }
    if (ws) {
        char accept[29];
        wsexec_accept_key(api_header(r, "Sec-WebSocket-Key"), accept);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_UPGRADE, "websocket");
        MHD_add_response_header(resp, "Sec-WebSocket-Accept", accept);
        MHD_add_response_header(resp, "Sec-WebSocket-Protocol",
                                ws == 5 ? WSEXEC_V5 : WSEXEC_V4);
    } else {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_UPGRADE, EXECPROTO_UPGRADE);
    }
    mk_log("%s %s/%s container %s on node %s%s", what, rt->ns, rt->name, t.container, t.node,
           ws ? " (WebSocket)" : "");
    return api_reply_resp(r, MHD_HTTP_SWITCHING_PROTOCOLS, resp, NULL);
}

enum MHD_Result proxy_exec(api_req *r, const api_route *rt)
{
    return proxy_streams(r, rt, "exec");
}

enum MHD_Result proxy_attach(api_req *r, const api_route *rt)
{
    return proxy_streams(r, rt, "attach");
}
