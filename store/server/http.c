/* http.c - the libmicrohttpd daemon and the reply helpers of apiserver.h.
 *
 * One thread per connection (MHD_USE_THREAD_PER_CONNECTION): a watch is a
 * long blocking loop on the hub's condition variable, which that model
 * allows without suspending and resuming connections.
 */
#include "store/server/http.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "store/codec.h"
#include "store/log.h"
#include "store/server/dispatch.h"
#include "store/server/metrics.h"

struct http_server {
    struct MHD_Daemon *d;
    char *cert, *key; /* PEM, alive as long as the daemon */
};

const char *api_query(api_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *api_header(api_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

bool api_wants_table(api_req *r)
{
    const char *accept = api_header(r, "Accept");
    return accept && strstr(accept, "as=Table") && strstr(accept, "g=meta.k8s.io");
}

static void add_warnings(api_req *r, struct MHD_Response *resp)
{
    for (int i = 0; i < r->warn.n; i++) {
        char h[300];
        snprintf(h, sizeof h, "299 - \"unknown field \\\"%s\\\"\"", r->warn.path[i]);
        MHD_add_response_header(resp, "Warning", h);
    }
    if (r->warn.dropped) {
        char h[120];
        snprintf(h, sizeof h, "299 - \"%d more unknown fields\"", r->warn.dropped);
        MHD_add_response_header(resp, "Warning", h);
    }
}

enum MHD_Result api_reply_resp(api_req *r, unsigned status, struct MHD_Response *resp,
                               const char *content_type)
{
    if (content_type)
        MHD_add_response_header(resp, "Content-Type", content_type);
    MHD_add_response_header(resp, "Cache-Control", "no-cache, private");
    add_warnings(r, resp);
    enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    r->replied = true;
    if (r->srv->metrics)
        metrics_observe(r->srv->metrics, r->verb ? r->verb : "other", status,
                        mk_now_ns() - r->start_ns);
    /* 503 is a peer (a kubelet) being away, said in the reply; not ours. */
    if (status >= 500 && status != 503)
        mk_log("%s %s: %u", r->method, r->url, status);
    else
        mk_debug("%s %s: %u", r->method, r->url, status);
    return ret;
}

enum MHD_Result api_reply_text(api_req *r, unsigned status, const char *content_type,
                               const char *body, size_t len)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    return api_reply_resp(r, status, resp, content_type);
}

enum MHD_Result api_reply_json(api_req *r, unsigned status, json_object *obj)
{
    size_t len;
    const char *s = json_object_to_json_string_length(
        obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    return api_reply_text(r, status, "application/json", s, len);
}

enum MHD_Result api_reply_err(api_req *r, const mk_err *err, const mk_kind *k, const char *name)
{
    int code = err->code ? err->code : EIO;
    int status = mk_error_http_status(code);
    _cleanup_free_ char *body = status_json(status, mk_error_reason(code), err->msg, k, name);
    return api_reply_text(r, (unsigned)status, "application/json", body, strlen(body));
}

enum MHD_Result api_fail(api_req *r, int code, const char *fmt, ...)
{
    mk_err err = {.code = code};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err.msg, sizeof err.msg, fmt, ap);
    va_end(ap);
    return api_reply_err(r, &err, NULL, NULL);
}

/* Called for the headers, then for each body piece, then once more with
 * *upload_data_size == 0 when the body is complete. */
static enum MHD_Result http_access(void *cls, struct MHD_Connection *conn, const char *url,
                                   const char *method, const char *version,
                                   const char *upload_data, size_t *upload_data_size,
                                   void **con_cls)
{
    api_req *r = *con_cls;
    if (!r) {
        r = xcalloc(1, sizeof *r);
        r->srv = cls;
        r->conn = conn;
        r->method = method;
        r->url = url;
        r->start_ns = mk_now_ns();
        *con_cls = r;
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > MK_MAX_OBJECT_BYTES)
            return api_fail(r, E2BIG, "request body larger than %d bytes", MK_MAX_OBJECT_BYTES);
        return MHD_YES;
    }
    if (r->replied) { /* answered early (413): drop what still comes */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (r->body.len + *upload_data_size > MK_MAX_OBJECT_BYTES)
            r->body_too_big = true;
        else
            mk_buf_append(&r->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->body_too_big)
        return api_fail(r, E2BIG, "request body larger than %d bytes", MK_MAX_OBJECT_BYTES);
    return dispatch(r);
}

static void http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                           enum MHD_RequestTerminationCode toe)
{
    api_req *r = *con_cls;
    if (!r)
        return;
    mk_buf_free(&r->body);
    free(r);
    *con_cls = NULL;
}

static void http_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    mk_debug("libmicrohttpd: %s", line);
}

static bool addr_is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
    return false;
}

/* "host:port" or "[v6]:port" into a bound, listening socket. */
static int http_listen(const char *listen_at, bool loopback_only, char *bound, size_t nbound,
                       mk_err *err)
{
    _cleanup_free_ char *host = NULL;
    const char *port;
    if (listen_at[0] == '[') {
        const char *close = strchr(listen_at, ']');
        if (!close || close[1] != ':')
            return mk_error(err, EINVAL, "--listen %s: expected [ADDR]:PORT", listen_at);
        host = xstrndup(listen_at + 1, (size_t)(close - listen_at - 1));
        port = close + 2;
    } else {
        const char *colon = strrchr(listen_at, ':');
        if (!colon)
            return mk_error(err, EINVAL, "--listen %s: expected ADDR:PORT", listen_at);
        host = xstrndup(listen_at, (size_t)(colon - listen_at));
        port = colon + 1;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai = NULL;
    int gai = getaddrinfo(*host ? host : NULL, port, &hints, &ai);
    if (gai != 0)
        return mk_error(err, EINVAL, "--listen %s: %s", listen_at, gai_strerror(gai));
    if (loopback_only && !addr_is_loopback(ai->ai_addr)) {
        freeaddrinfo(ai);
        return mk_error(err, EACCES,
                        "--listen %s: not a loopback address; give --token-file to serve "
                        "beyond this machine",
                        listen_at);
    }
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, SOMAXCONN) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return mk_error(err, e, "listen %s: %s", listen_at, strerror(e));
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char ip[INET6_ADDRSTRLEN] = "?";
    int real_port = 0;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *in = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
            real_port = ntohs(in->sin_port);
        } else {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
            real_port = ntohs(in6->sin6_port);
        }
    }
    snprintf(bound, nbound, ss.ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d", ip, real_port);
    return fd;
}

int http_start(api_server *srv, const http_opts *opts, http_server **out, mk_err *err)
{
    _cleanup_free_ http_server *h = xcalloc(1, sizeof *h);
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD |
                     MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_ALLOW_UPGRADE;
    if (opts->tls_cert || opts->tls_key) {
        if (!opts->tls_cert || !opts->tls_key)
            return mk_error(err, EINVAL, "--tls-cert and --tls-key go together");
        if (!MHD_is_feature_supported(MHD_FEATURE_TLS))
            return mk_error(err, EOPNOTSUPP, "libmicrohttpd was built without TLS");
        if (mk_read_file(opts->tls_cert, 1 << 20, &h->cert, NULL, err) < 0 ||
            mk_read_file(opts->tls_key, 1 << 20, &h->key, NULL, err) < 0) {
            free(h->cert);
            free(h->key);
            return -err->code;
        }
        flags |= MHD_USE_TLS;
    }
    int fd =
        http_listen(opts->listen, opts->loopback_only, srv->listen, sizeof srv->listen, err);
    if (fd < 0) {
        free(h->cert);
        free(h->key);
        return fd;
    }
    struct MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, h->cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, h->key},
        {MHD_OPTION_END, 0, NULL},
    };
    h->d = MHD_start_daemon(flags, 0, NULL, NULL, http_access, srv, MHD_OPTION_LISTEN_SOCKET,
                            fd, MHD_OPTION_NOTIFY_COMPLETED, http_completed, srv,
                            MHD_OPTION_EXTERNAL_LOGGER, http_log, NULL,
                            MHD_OPTION_CONNECTION_LIMIT, 4096u, MHD_OPTION_CONNECTION_TIMEOUT,
                            0u, MHD_OPTION_THREAD_STACK_SIZE, (size_t)(1024 * 1024),
                            MHD_OPTION_ARRAY, h->cert ? tls : tls + 2, MHD_OPTION_END);
    if (!h->d) {
        bool tls_on = h->cert != NULL;
        close(fd);
        free(h->cert);
        free(h->key);
        return mk_error(err, EIO, "listen %s: cannot start the HTTP server%s", opts->listen,
                        tls_on ? " (bad TLS certificate or key?)" : "");
    }
    *out = steal_pointer(&h);
    return 0;
}

void http_quiesce(http_server *h)
{
    if (!h)
        return;
    int fd = MHD_quiesce_daemon(h->d);
    if (fd >= 0)
        close(fd);
}

void http_stop(http_server *h)
{
    if (!h)
        return;
    MHD_stop_daemon(h->d);
    free(h->cert);
    free(h->key);
    free(h);
}
