/* mk-router - the front door of functions and workflows.
 *
 *   POST /functions/<name>        call a function (namespace default)
 *   POST / with Host: <name>.func.minik8s.local
 *   POST /namespaces/<ns>/functions/<name>
 *   POST /workflows/<name>        run a workflow; /namespaces/<ns>/workflows/<name>
 *   GET  /metrics, /healthz
 *
 * HTTP by libmicrohttpd, one thread per connection (a call blocks while it
 * is forwarded or held for a cold start); the rest is functions/router.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "functions/router.h"
#include "store/daemon.h"

#define MAX_BODY (16u << 20)

typedef struct conn {
    mk_buf body;
    bool too_big;
} conn;

static int send_reply(struct MHD_Connection *c, unsigned status, const char *type, char *body)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", type);
    int rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

/* "/functions/x" or "/namespaces/ns/functions/x": kind "functions" or
 * "workflows", ns and name (pointers into buf). */
static bool parse_path(char *buf, const char **kind, const char **ns, const char **name)
{
    char *parts[5];
    int n = 0;
    for (char *save = NULL, *t = strtok_r(buf, "/", &save); t && n < 5;
         t = strtok_r(NULL, "/", &save))
        parts[n++] = t;
    int i = 0;
    *ns = "default";
    if (n == 4 && !strcmp(parts[0], "namespaces")) {
        *ns = parts[1];
        i = 2;
    } else if (n != 2)
        return false;
    if (strcmp(parts[i], "functions") && strcmp(parts[i], "workflows"))
        return false;
    *kind = parts[i];
    *name = parts[i + 1];
    return mk_is_dns1123_label(*name) && mk_is_dns1123_label(*ns);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *size, void **ptr)
{
    router *r = cls;
    if (!strcmp(method, "GET")) {
        if (!strcmp(url, "/healthz"))
            return send_reply(c, 200, "text/plain", xstrdup("ok\n"));
        if (!strcmp(url, "/metrics"))
            return send_reply(c, 200, "text/plain; version=0.0.4", router_metrics(r));
        return send_reply(c, 404, "application/json",
                          xstrdup("{\"error\":\"POST /functions/NAME or /workflows/NAME\"}"));
    }
    if (strcmp(method, "POST"))
        return send_reply(c, 405, "application/json", xstrdup("{\"error\":\"POST only\"}"));
    conn *st = *ptr;
    if (!st) {
        *ptr = xcalloc(1, sizeof(conn));
        return MHD_YES;
    }
    if (*size) {
        if (st->body.len + *size > MAX_BODY)
            st->too_big = true;
        else
            mk_buf_append(&st->body, data, *size);
        *size = 0;
        return MHD_YES;
    }
    if (st->too_big)
        return send_reply(c, 413, "application/json",
                          xstrdup("{\"error\":\"body over 16 MiB\"}"));
    mk_buf_puts(&st->body, "");
    _cleanup_free_ char *path = NULL;
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
    const char *suffix = ".func.minik8s.local";
    if (host && !strcmp(url, "/")) {
        size_t hl = strcspn(host, ":"), sl = strlen(suffix);
        if (hl > sl && !strncmp(host + hl - sl, suffix, sl))
            path = xasprintf("/functions/%.*s", (int)(hl - sl), host);
    }
    if (!path)
        path = xstrdup(url);
    const char *kind, *ns, *name;
    if (!parse_path(path, &kind, &ns, &name))
        return send_reply(c, 404, "application/json",
                          xstrdup("{\"error\":\"POST /functions/NAME or /workflows/NAME\","
                                  "\"reason\":\"NotFound\"}"));
    router_reply rep = {0};
    if (!strcmp(kind, "functions"))
        router_call(r, ns, name, st->body.data, st->body.len, &rep);
    else
        router_run_workflow(r, ns, name, st->body.data, &rep);
    return send_reply(c, (unsigned)rep.status, "application/json", rep.body ?: xstrdup("null"));
}

static void completed(void *cls, struct MHD_Connection *c, void **ptr,
                      enum MHD_RequestTerminationCode why)
{
    conn *st = *ptr;
    if (st) {
        mk_buf_free(&st->body);
        free(st);
        *ptr = NULL;
    }
}

static int listen_on(const char *at, mk_err *err)
{
    const char *colon = strrchr(at, ':');
    if (!colon)
        return mk_error(err, EINVAL, "--listen %s: expected ADDR:PORT", at);
    _cleanup_free_ char *host = xstrndup(at, (size_t)(colon - at));
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai = NULL;
    int gai = getaddrinfo(*host ? host : NULL, colon + 1, &hints, &ai);
    if (gai != 0)
        return mk_error(err, EINVAL, "--listen %s: %s", at, gai_strerror(gai));
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol), one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, SOMAXCONN) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return mk_error(err, e, "listen %s: %s", at, strerror(e));
    }
    freeaddrinfo(ai);
    return fd;
}

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: mk-router --server URL --listen ADDR:PORT [--token-file F]\n"
        "  [--certificate-authority F] [--stable-window S] [--panic-window S] [--tick-ms MS]\n"
        "  [--queue-timeout S] [--max-queue N] [--max-steps N]\n"
        "Calls functions (POST /functions/NAME), runs workflows (POST /workflows/NAME),\n"
        "and scales functions by concurrency (stable 60 s, panic 6 s windows).\n");
}

int main(int argc, char **argv)
{
    mk_log_init("mk-router");
    const char *server = NULL, *listen_at = NULL, *token_file = NULL, *ca_file = NULL;
    router_config cfg = {.stable_window_ms = 60000,
                         .panic_window_ms = 6000,
                         .tick_ms = 1000,
                         .queue_timeout_ms = 30000,
                         .max_queue = 1000,
                         .max_steps = 100};
    static const struct option opts[] = {
        {"server", required_argument, NULL, 's'},
        {"listen", required_argument, NULL, 'l'},
        {"token-file", required_argument, NULL, 't'},
        {MK_CA_FLAG, required_argument, NULL, 'A'},
        {"stable-window", required_argument, NULL, 'S'},
        {"panic-window", required_argument, NULL, 'P'},
        {"tick-ms", required_argument, NULL, 'T'},
        {"queue-timeout", required_argument, NULL, 'Q'},
        {"max-queue", required_argument, NULL, 'q'},
        {"max-steps", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    int o;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 's':
            server = optarg;
            break;
        case 'l':
            listen_at = optarg;
            break;
        case 't':
            token_file = optarg;
            break;
        case 'A':
            ca_file = optarg;
            break;
        case 'S':
            cfg.stable_window_ms = (int64_t)(atof(optarg) * 1000);
            break;
        case 'P':
            cfg.panic_window_ms = (int64_t)(atof(optarg) * 1000);
            break;
        case 'T':
            cfg.tick_ms = atoi(optarg);
            break;
        case 'Q':
            cfg.queue_timeout_ms = (int64_t)(atof(optarg) * 1000);
            break;
        case 'q':
            cfg.max_queue = atoi(optarg);
            break;
        case 'm':
            cfg.max_steps = atoi(optarg);
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!server || !listen_at) {
        usage(stderr);
        return 2;
    }
    if (cfg.tick_ms <= 0 || cfg.stable_window_ms <= 0 || cfg.panic_window_ms <= 0 ||
        cfg.panic_window_ms > cfg.stable_window_ms) {
        fprintf(stderr,
                "mk-router: windows must be positive, the panic one within the stable one\n");
        return 2;
    }
    mk_err err = {0};
    int fd = listen_on(listen_at, &err);
    if (fd < 0) {
        fprintf(stderr, "mk-router: %s\n", err.msg);
        return 1;
    }
    /* Before any thread (the informers'): only main's sigwait takes SIGTERM;
     * a handler that ran in another thread would leave main in pause(). */
    sigset_t sigs;
    daemon_block_signals(&sigs);
    mk_client *c = NULL;
    mk_client_opts co = {.server = server,
                         .token_file = token_file,
                         .ca_file = ca_file,
                         .user_agent = "mk-router"};
    router *r = NULL;
    if (client_new(&co, &c, &err) < 0 || router_new(c, &cfg, &r, &err) < 0) {
        fprintf(stderr, "mk-router: %s\n", err.msg);
        return 1;
    }
    if (!router_wait_synced(r, 10000)) {
        fprintf(stderr, "mk-router: cannot list from %s\n", server);
        router_free(r);
        client_free(c);
        return 1;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL |
            MHD_USE_ERROR_LOG,
        0, NULL, NULL, handle, r, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED,
        completed, NULL, MHD_OPTION_CONNECTION_LIMIT, 4096u, MHD_OPTION_CONNECTION_TIMEOUT, 0u,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "mk-router: cannot serve on %s\n", listen_at);
        return 1;
    }
    mk_log("listening on %s (stable %lld ms, panic %lld ms)", listen_at,
           (long long)cfg.stable_window_ms, (long long)cfg.panic_window_ms);
    daemon_wait_stop(&sigs);
    MHD_stop_daemon(d);
    router_free(r);
    client_free(c);
    mk_log("stopped");
    return 0;
}
