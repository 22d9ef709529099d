/* server.c - the kubelet's own HTTP port (libmicrohttpd, a thread per
 * connection):
 *   GET  /healthz
 *   GET  /containerLogs/{ns}/{pod}/{container}?tailLines=N&follow=true&previous=true
 *   POST /exec/{ns}/{pod}/{container}?command=..&stdin=true   (Upgrade: minik8s-exec.v1)
 *   POST /attach/{ns}/{pod}/{container}?stdin=true&stdout=true&stderr=true
 *                                                       (Upgrade: minik8s-exec.v1)
 *   POST /portForward/{ns}/{pod}?port=N   (Upgrade: minik8s-portforward.v1)
 *   GET  /metrics         Prometheus text
 *   GET  /stats/summary   JSON
 *   GET  /pods            the pods this node runs
 * Bearer tokens from --auth-token-file (the API server's CSV, but for its
 * rbac users); without one, only loopback is served. */
#include "kubelet/attach.h"
#include "kubelet/execrelay.h"
#include "kubelet/kubelet.h"
#include "kubelet/logfile.h"
#include "kubelet/portfwd.h"
#include "kubelet/sandbox.h"
#include "kubelet/stats.h"
#include "store/execproto.h"
#include "store/log.h"
#include "store/util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uthash.h>

typedef struct token {
    char *value;
    UT_hash_handle hh;
} token;

struct kubelet_server {
    kubelet *kl;
    struct MHD_Daemon *d;
    token *tokens;
    stats_cache *stats;
};

static int load_tokens(kubelet_server *s, const char *path, mk_err *err)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return mk_error(err, errno, "auth token file %s: %s", path, strerror(errno));
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, ",\r\n");
        /* An rbac user's requests are the API server's to judge
         * (store/server/rbac.h): its token opens nothing here. */
        const char *role = strrchr(line, ',');
        if (!n || line[0] == '#' ||
            (role && strncmp(role + 1 + strspn(role + 1, " \t"), "rbac", 4) == 0))
            continue;
        token *t = xcalloc(1, sizeof *t);
        t->value = xstrndup(line, n);
        HASH_ADD_KEYPTR(hh, s->tokens, t->value, strlen(t->value), t);
    }
    fclose(f);
    return 0;
}

static bool authorized(kubelet_server *s, struct MHD_Connection *c)
{
    if (!s->kl->cfg.auth_token_file)
        return true; /* bound to loopback only */
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return false;
    token *t = NULL;
    HASH_FIND_STR(s->tokens, h + 7, t);
    return t != NULL;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *type,
                             const char *body, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned code, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    strncat(buf, "\n", sizeof buf - strlen(buf) - 1);
    return reply(c, code, "text/plain; charset=utf-8", buf, strlen(buf));
}

/* Split "/prefix/{ns}/{pod}[/{container}]" into DNS labels; the container
 * may also come as ?container=, and is "" when named nowhere. */
static bool parse_target(struct MHD_Connection *c, const char *url, const char *prefix,
                         char *ns, char *pod, char *ctr)
{
    size_t pl = strlen(prefix);
    if (strncmp(url, prefix, pl) != 0)
        return false;
    ctr[0] = '\0';
    int n = sscanf(url + pl, "%63[^/]/%63[^/]/%63[^/]", ns, pod, ctr);
    if (n < 2 || !mk_is_dns1123_label(ns) || !mk_is_dns1123_label(pod))
        return false;
    const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "container");
    if (n == 2 && q && strlen(q) < 64)
        strcpy(ctr, q);
    return !ctr[0] || mk_is_dns1123_label(ctr);
}

/* The pod's uid, and the container defaulted to the pod's first. */
static char *resolve_target(kubelet_server *s, const char *ns, const char *pod, char *ctr)
{
    char *first = NULL;
    char *uid = sync_find_uid(s->kl, ns, pod, &first);
    if (uid && !ctr[0] && first)
        snprintf(ctr, 64, "%s", first);
    free(first);
    return uid;
}

/* ---- logs ---- */

typedef struct log_stream {
    kubelet *kl;
    struct MHD_Connection *conn;
    char *path, *id;
    int fd;
    mk_buf raw, text;
    size_t text_off;
} log_stream;

static bool client_gone(log_stream *ls)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(ls->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci)
        return false;
    struct pollfd p = {.fd = ci->connect_fd, .events = POLLRDHUP};
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

static ssize_t log_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    log_stream *ls = cls;
    (void)pos;
    for (;;) {
        if (ls->text_off < ls->text.len) {
            size_t n = ls->text.len - ls->text_off;
            if (n > max)
                n = max;
            memcpy(buf, ls->text.data + ls->text_off, n);
            ls->text_off += n;
            return (ssize_t)n;
        }
        mk_buf_reset(&ls->text);
        ls->text_off = 0;
        char chunk[16384];
        ssize_t n = read(ls->fd, chunk, sizeof chunk);
        if (n > 0) {
            mk_buf_append(&ls->raw, chunk, (size_t)n);
            size_t used = logfile_decode(ls->raw.data, ls->raw.len, &ls->text);
            memmove(ls->raw.data, ls->raw.data + used, ls->raw.len - used);
            ls->raw.len -= used;
            continue;
        }
        /* conmon cut the log back at its size limit: read on from the start. */
        struct stat st;
        off_t pos = lseek(ls->fd, 0, SEEK_CUR);
        if (fstat(ls->fd, &st) == 0 && st.st_size < pos) {
            lseek(ls->fd, 0, SEEK_SET);
            continue;
        }
        /* Follow until the container exits (conmon's exit file), the log is
         * removed, or the client leaves. */
        if (ls->kl->stop || stat(ls->path, &st) < 0 || client_gone(ls) ||
            runtime_exit_code(ls->kl->rt, ls->id, NULL) >= 0) {
            n = read(ls->fd, chunk, sizeof chunk);
            if (n > 0) {
                mk_buf_append(&ls->raw, chunk, (size_t)n);
                continue;
            }
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        usleep(100000);
    }
}

static void log_free(void *cls)
{
    log_stream *ls = cls;
    if (ls->fd >= 0)
        close(ls->fd);
    mk_buf_free(&ls->raw);
    mk_buf_free(&ls->text);
    free(ls->path);
    free(ls->id);
    free(ls);
}

static enum MHD_Result serve_logs(kubelet_server *s, struct MHD_Connection *c, const char *url)
{
    char ns[64], pod[64], ctr[64];
    if (!parse_target(c, url, "/containerLogs/", ns, pod, ctr))
        return reply_text(c, 400, "want /containerLogs/{namespace}/{pod}/{container}");
    _cleanup_free_ char *uid = resolve_target(s, ns, pod, ctr);
    if (!uid)
        return reply_text(c, 404, "pod %s/%s is not on this node", ns, pod);
    _cleanup_free_ char *path = pods_latest_log(&s->kl->env, uid, ctr);
    const char *prev = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "previous");
    if (path && prev && strcmp(prev, "true") == 0) {
        int n = atoi(strrchr(path, '/') + 1);
        free(path);
        path = n > 0 ? pods_log_path(&s->kl->env, uid, ctr, n - 1) : NULL;
    }
    if (!path || access(path, R_OK) < 0)
        return reply_text(c, 404, "container %s in pod %s/%s has no log", ctr, ns, pod);
    const char *tail = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "tailLines");
    const char *follow = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "follow");
    mk_buf text = {0};
    off_t end = 0;
    logfile_read(path, tail ? atol(tail) : -1, &text, &end);
    if (!follow || strcmp(follow, "true") != 0) {
        enum MHD_Result r =
            reply(c, 200, "text/plain; charset=utf-8", text.data ? text.data : "", text.len);
        mk_buf_free(&text);
        return r;
    }
    log_stream *ls = xcalloc(1, sizeof *ls);
    ls->kl = s->kl;
    ls->conn = c;
    ls->path = steal_pointer(&path);
    ls->id = pods_container_id(uid, ctr);
    ls->fd = open(ls->path, O_RDONLY | O_CLOEXEC);
    lseek(ls->fd, end, SEEK_SET);
    ls->text = text;
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, log_reader, ls, log_free);
    MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---- upgraded connections ----
 *
 * exec, attach and port-forward answer 101 and then own the socket, in
 * blocking mode: a detached thread runs the session and closes the upgrade
 * when it ends. */

typedef void session_run(void *ctx, int sock, const char *extra, size_t extra_len);

typedef struct upgraded {
    session_run *run;
    void (*drop)(void *ctx); /* frees ctx, run or not */
    void *ctx;
    struct MHD_UpgradeResponseHandle *urh;
    int sock;
    char *extra; /* bytes the client sent past its request */
    size_t extra_len;
} upgraded;

static void upgraded_free(upgraded *u)
{
    u->drop(u->ctx);
    free(u->extra);
    free(u);
}

static void *session_main(void *arg)
{
    upgraded *u = arg;
    u->run(u->ctx, u->sock, u->extra, u->extra_len);
    MHD_upgrade_action(u->urh, MHD_UPGRADE_ACTION_CLOSE);
    upgraded_free(u);
    return NULL;
}

static void on_upgraded(void *cls, struct MHD_Connection *c, void *con_cls, const char *extra,
                        size_t extra_len, MHD_socket sock,
                        struct MHD_UpgradeResponseHandle *urh)
{
    upgraded *u = cls;
    /* MHD hands the socket over non-blocking; every session relays with
     * blocking reads and writes. */
    fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) & ~O_NONBLOCK);
    u->sock = sock;
    u->urh = urh;
    if (extra_len) {
        u->extra = xmalloc(extra_len);
        memcpy(u->extra, extra, extra_len);
        u->extra_len = extra_len;
    }
    pthread_t t;
    if (pthread_create(&t, NULL, session_main, u) != 0) {
        MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
        upgraded_free(u);
        return;
    }
    pthread_detach(t);
}

/* Answer 101 Switching Protocols to proto; run(ctx) then serves the socket.
 * ctx is dropped here if the answer cannot be queued. */
static enum MHD_Result switch_protocols(struct MHD_Connection *c, const char *proto,
                                        session_run *run, void (*drop)(void *), void *ctx)
{
    upgraded *u = xcalloc(1, sizeof *u);
    *u = (upgraded){.run = run, .drop = drop, .ctx = ctx, .sock = -1};
    struct MHD_Response *r = MHD_create_response_for_upgrade(on_upgraded, u);
    if (!r) {
        upgraded_free(u);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_UPGRADE, proto);
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_SWITCHING_PROTOCOLS, r);
    MHD_destroy_response(r);
    if (ret != MHD_YES)
        upgraded_free(u);
    return ret;
}

/* ---- exec ---- */

typedef struct exec_session {
    kubelet *kl;
    char *id;
    char **argv;
    size_t argc;
    execrelay_opts opts;
} exec_session;

static void exec_free(void *ctx)
{
    exec_session *e = ctx;
    for (size_t i = 0; i < e->argc; i++)
        free(e->argv[i]);
    free(e->argv);
    free(e->id);
    free(e);
}

static void exec_run(void *ctx, int sock, const char *extra, size_t extra_len)
{
    exec_session *e = ctx;
    int code = execrelay_run(e->kl->rt, e->id, e->argv, &e->opts, sock, extra, extra_len);
    mk_debug("exec in %s exited %d", e->id, code);
}

static enum MHD_Result collect_command(void *cls, enum MHD_ValueKind kind, const char *key,
                                       const char *value)
{
    exec_session *e = cls;
    if (strcmp(key, "command") == 0 && value) {
        e->argv = xrealloc(e->argv, (e->argc + 2) * sizeof *e->argv);
        e->argv[e->argc++] = xstrdup(value);
        e->argv[e->argc] = NULL;
    }
    return MHD_YES;
}

static bool query_true(struct MHD_Connection *c, const char *name)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
    return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

static bool wants_upgrade(struct MHD_Connection *c, const char *proto)
{
    const char *up = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Upgrade");
    return up && strcasecmp(up, proto) == 0;
}

/* The running container /exec/... or /attach/... names (what: "exec" or
 * "attach"), as its runtime id; NULL when a refusal has been queued, which
 * *ret then is. ctr receives the container's name. */
static char *session_target(kubelet_server *s, struct MHD_Connection *c, const char *url,
                            const char *what, char ctr[64], enum MHD_Result *ret)
{
    char ns[64], pod[64], prefix[16];
    snprintf(prefix, sizeof prefix, "/%s/", what);
    if (!parse_target(c, url, prefix, ns, pod, ctr)) {
        *ret = reply_text(c, 400, "want /%s/{namespace}/{pod}/{container}", what);
        return NULL;
    }
    if (!wants_upgrade(c, EXECPROTO_UPGRADE)) {
        *ret = reply_text(c, 400, "%s needs Upgrade: %s", what, EXECPROTO_UPGRADE);
        return NULL;
    }
    _cleanup_free_ char *uid = resolve_target(s, ns, pod, ctr);
    if (!uid) {
        *ret = reply_text(c, 404, "pod %s/%s is not on this node", ns, pod);
        return NULL;
    }
    char *id = pods_container_id(uid, ctr);
    if (runtime_exit_code(s->kl->rt, id, NULL) >= 0) {
        *ret = reply_text(c, 409, "container %s is not running", ctr);
        free(id);
        return NULL;
    }
    return id;
}

static enum MHD_Result serve_exec(kubelet_server *s, struct MHD_Connection *c, const char *url)
{
    char ctr[64];
    enum MHD_Result ret = MHD_NO;
    _cleanup_free_ char *id = session_target(s, c, url, "exec", ctr, &ret);
    if (!id)
        return ret;
    exec_session *e = xcalloc(1, sizeof *e);
    e->kl = s->kl;
    e->id = steal_pointer(&id);
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_command, e);
    if (!e->argc) {
        exec_free(e);
        return reply_text(c, 400, "exec needs at least one command= argument");
    }
    e->opts.with_stdin = query_true(c, "stdin");
    e->opts.tty = query_true(c, "tty");
    return switch_protocols(c, EXECPROTO_UPGRADE, exec_run, exec_free, e);
}

/* ---- attach ---- */

typedef struct attach_session {
    runtime *rt;
    char *id;
    int conn; /* conmon's attach socket; attach_relay closes it */
    attach_opts opts;
} attach_session;

static void attach_run(void *ctx, int sock, const char *extra, size_t extra_len)
{
    attach_session *a = ctx;
    attach_relay(a->rt, a->id, a->conn, &a->opts, sock, extra, extra_len);
    a->conn = -1;
}

static void attach_free(void *ctx)
{
    attach_session *a = ctx;
    if (a->conn >= 0)
        close(a->conn);
    free(a->id);
    free(a);
}

/* Joined before the 101, so a container conmon does not serve is an
 * answer, not a dead session. */
static enum MHD_Result serve_attach(kubelet_server *s, struct MHD_Connection *c,
                                    const char *url)
{
    char ctr[64];
    enum MHD_Result ret = MHD_NO;
    _cleanup_free_ char *id = session_target(s, c, url, "attach", ctr, &ret);
    if (!id)
        return ret;
    mk_err err = {0};
    int conn = runtime_attach(s->kl->rt, id, &err);
    if (conn < 0)
        return reply_text(c, 409, "container %s: %s", ctr, err.msg);
    attach_session *a = xcalloc(1, sizeof *a);
    *a = (attach_session){.rt = s->kl->rt,
                          .id = steal_pointer(&id),
                          .conn = conn,
                          .opts = {.in = query_true(c, "stdin"),
                                   .out = query_true(c, "stdout"),
                                   .err = query_true(c, "stderr"),
                                   .tty = query_true(c, "tty")}};
    return switch_protocols(c, EXECPROTO_UPGRADE, attach_run, attach_free, a);
}

/* ---- port-forward ---- */

/* ctx: the dialled pod socket; portfwd_relay closes it. */
static void pf_run(void *ctx, int sock, const char *extra, size_t extra_len)
{
    int *pod = ctx;
    portfwd_relay(sock, extra, extra_len, *pod);
    *pod = -1;
}

static void pf_free(void *ctx)
{
    int *pod = ctx;
    if (*pod >= 0)
        close(*pod);
    free(pod);
}

/* The pod's port is dialled before the 101, so a refusal comes back as an
 * answer the API server can put on kubectl's error stream. */
static enum MHD_Result serve_portforward(kubelet_server *s, struct MHD_Connection *c,
                                         const char *url)
{
    char ns[64], pod[64], ctr[64];
    if (!parse_target(c, url, "/portForward/", ns, pod, ctr) || ctr[0])
        return reply_text(c, 400, "want /portForward/{namespace}/{pod}?port=N");
    if (!wants_upgrade(c, PORTFWD_UPGRADE))
        return reply_text(c, 400, "port-forward needs Upgrade: %s", PORTFWD_UPGRADE);
    const char *ps = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "port");
    char *end = NULL;
    long port = ps ? strtol(ps, &end, 10) : 0;
    if (!ps || *end || port < 1 || port > 65535)
        return reply_text(c, 400, "port-forward needs port= between 1 and 65535");
    char first[64] = "";
    _cleanup_free_ char *uid = resolve_target(s, ns, pod, first);
    if (!uid)
        return reply_text(c, 404, "pod %s/%s is not on this node", ns, pod);
    _cleanup_free_ char *dir = pods_dir(&s->kl->env, uid);
    sandbox_paths sp;
    sandbox_paths_for(dir, uid, &sp);
    mk_err err = {0};
    int fd = portfwd_dial(sp.netns, (int)port, &err);
    sandbox_paths_free(&sp);
    if (fd < 0)
        return reply_text(c, 502, "error forwarding port %ld to pod %s, uid %s: %s", port, pod,
                          uid, err.msg);
    int *ctx = xmalloc(sizeof *ctx);
    *ctx = fd;
    return switch_protocols(c, PORTFWD_UPGRADE, pf_run, pf_free, ctx);
}

/* ---- routing ---- */

static enum MHD_Result serve_pods(kubelet_server *s, struct MHD_Connection *c)
{
    sync_pod_ref *pods = NULL;
    size_t n = 0;
    sync_snapshot(s->kl, &pods, &n);
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "namespace", json_object_new_string(pods[i].ns));
        json_object_object_add(o, "name", json_object_new_string(pods[i].name));
        json_object_object_add(o, "uid", json_object_new_string(pods[i].uid));
        json_object_array_add(a, o);
    }
    sync_snapshot_free(pods, n);
    size_t len;
    const char *body = json_object_to_json_string_length(a, JSON_C_TO_STRING_PLAIN, &len);
    enum MHD_Result r = reply(c, 200, "application/json", body, len);
    json_object_put(a);
    return r;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    kubelet_server *s = cls;
    if (!*con_cls) {
        /* The first call only announces the request; answer on the second. */
        *con_cls = s;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0; /* no endpoint takes a body */
        return MHD_YES;
    }
    if (!authorized(s, c))
        return reply_text(c, 401, "Unauthorized");
    bool get = strcmp(method, "GET") == 0;
    if (get && strcmp(url, "/healthz") == 0)
        return reply_text(c, 200, "ok");
    if (get && strncmp(url, "/containerLogs/", 15) == 0)
        return serve_logs(s, c, url);
    if ((strcmp(method, "POST") == 0 || get) && strncmp(url, "/exec/", 6) == 0)
        return serve_exec(s, c, url);
    if ((strcmp(method, "POST") == 0 || get) && strncmp(url, "/attach/", 8) == 0)
        return serve_attach(s, c, url);
    if ((strcmp(method, "POST") == 0 || get) && strncmp(url, "/portForward/", 13) == 0)
        return serve_portforward(s, c, url);
    if (get && strcmp(url, "/metrics") == 0) {
        mk_buf b = {0};
        stats_metrics(s->kl, s->stats, &b);
        enum MHD_Result r = reply(c, 200, "text/plain; version=0.0.4", b.data, b.len);
        mk_buf_free(&b);
        return r;
    }
    if (get && strcmp(url, "/stats/summary") == 0) {
        mk_buf b = {0};
        stats_summary(s->kl, s->stats, &b);
        enum MHD_Result r = reply(c, 200, "application/json", b.data, b.len);
        mk_buf_free(&b);
        return r;
    }
    if (get && strcmp(url, "/pods") == 0)
        return serve_pods(s, c);
    return reply_text(c, 404, "no such endpoint: %s %s", method, url);
}

int server_start(kubelet *kl, kubelet_server **out, mk_err *err)
{
    kubelet_server *s = xcalloc(1, sizeof *s);
    s->kl = kl;
    if (kl->cfg.auth_token_file && load_tokens(s, kl->cfg.auth_token_file, err) < 0) {
        server_stop(s);
        return -err->code;
    }
    s->stats = stats_cache_new();
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons((uint16_t)kl->cfg.port)};
    addr.sin_addr.s_addr = htonl(kl->cfg.auth_token_file ? INADDR_ANY : INADDR_LOOPBACK);
    s->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                                MHD_ALLOW_UPGRADE,
                            (uint16_t)kl->cfg.port, NULL, NULL, handle, s, MHD_OPTION_SOCK_ADDR,
                            (struct sockaddr *)&addr, MHD_OPTION_END);
    if (!s->d) {
        server_stop(s);
        return mk_error(err, EADDRINUSE, "cannot listen on port %d (taken?)", kl->cfg.port);
    }
    *out = s;
    return 0;
}

void server_stop(kubelet_server *s)
{
    if (!s)
        return;
    if (s->d)
        MHD_stop_daemon(s->d);
    token *t, *tmp;
    HASH_ITER(hh, s->tokens, t, tmp)
    {
        HASH_DEL(s->tokens, t);
        free(t->value);
        free(t);
    }
    stats_cache_free(s->stats);
    free(s);
}
