/* mk-fnrt - the runtime shim inside a function's pod.
 *
 * Serves POST / (the event in, the handler's JSON out) and GET /healthz on
 * :8080 with libmicrohttpd, one thread per connection, over one warm
 * interpreter (functions/fnrt.h). The port opens only once the interpreter
 * has imported the handler, so a pod that accepts a connection is warm.
 *
 * SIGTERM drains, as Knative's queue-proxy does: the calls in flight finish
 * and calls that still arrive (sent before the router saw the pod go) are
 * served, with "Connection: close" so kept-alive connections end; once no
 * call has come or gone for DRAIN_QUIET_MS, or the function's timeout has
 * passed, it exits.
 */
#include <getopt.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "functions/fnrt.h"
#include "store/daemon.h"
#include "store/log.h"
#include "store/util.h"

#define MAX_BODY       (16u << 20)
#define DRAIN_QUIET_MS 1000

static atomic_int inflight;           /* POSTs between their first byte and completion */
static atomic_llong last_activity_ms; /* a POST came or went */
static atomic_bool draining;

typedef struct conn {
    mk_buf body;
    bool too_big;
} conn;

static int reply(struct MHD_Connection *c, unsigned status, const char *body)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (atomic_load(&draining))
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    int rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *size, void **ptr)
{
    fnrt *rt = cls;
    if (!strcmp(method, "GET") && !strcmp(url, "/healthz")) {
        _cleanup_free_ char *why = NULL;
        if (fnrt_ready(rt, &why))
            return reply(c, 200, "{\"status\":\"ok\"}");
        json_object *o = json_object_new_object();
        json_object_object_add(o, "error", json_object_new_string(why));
        int rc = reply(c, 503, json_object_to_json_string(o));
        json_object_put(o);
        return rc;
    }
    if (strcmp(method, "POST"))
        return reply(c, 405, "{\"error\":\"POST an event, or GET /healthz\"}");
    conn *st = *ptr;
    if (!st) {
        *ptr = xcalloc(1, sizeof(conn));
        atomic_fetch_add(&inflight, 1);
        atomic_store(&last_activity_ms, mk_now_ms());
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
        return reply(c, 413, "{\"error\":\"event larger than 16 MiB\"}");
    mk_buf_puts(&st->body, "");
    fnrt_result res;
    fnrt_call(rt, st->body.data, st->body.len, &res);
    int rc = reply(c, res.status, res.body ?: "null");
    free(res.body);
    return rc;
}

static void completed(void *cls, struct MHD_Connection *c, void **ptr,
                      enum MHD_RequestTerminationCode why)
{
    conn *st = *ptr;
    if (st) {
        mk_buf_free(&st->body);
        free(st);
        *ptr = NULL;
        atomic_store(&last_activity_ms, mk_now_ms());
        atomic_fetch_sub(&inflight, 1);
    }
}

/* Serve on until nothing is in flight and nothing came for DRAIN_QUIET_MS,
 * within limit_ms. */
static void drain(int64_t limit_ms)
{
    int64_t t0 = mk_now_ms(), deadline = t0 + limit_ms;
    atomic_store(&draining, true);
    atomic_store(&last_activity_ms, t0); /* the quiet second counts from now */
    while (mk_now_ms() < deadline &&
           (atomic_load(&inflight) > 0 ||
            mk_now_ms() - atomic_load(&last_activity_ms) < DRAIN_QUIET_MS))
        usleep(20 * 1000);
    int left = atomic_load(&inflight);
    if (left)
        mk_log("drain: %d call(s) still running after %lld ms; stopping anyway", left,
               (long long)limit_ms);
    else
        mk_log("drained in %lld ms", (long long)(mk_now_ms() - t0));
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: mk-fnrt [--port N] [--runtime python3|sh] [--code FILE]\n"
            "               [--handler module.function] [--timeout SECONDS] [--python PATH]\n"
            "Defaults come from FN_RUNTIME, FN_CODE, FN_HANDLER, FN_TIMEOUT; port 8080.\n");
}

int main(int argc, char **argv)
{
    mk_log_init("mk-fnrt");
    fnrt_opts o = {.runtime = getenv("FN_RUNTIME") ?: "python3",
                   .code_file = getenv("FN_CODE") ?: "/fn/main.py",
                   .handler = getenv("FN_HANDLER") ?: "main.handle",
                   .timeout_ms = 1000 * atoi(getenv("FN_TIMEOUT") ?: "30")};
    int port = 8080;
    static const struct option opts[] = {
        {"port", required_argument, NULL, 'p'},    {"runtime", required_argument, NULL, 'r'},
        {"code", required_argument, NULL, 'c'},    {"handler", required_argument, NULL, 'H'},
        {"timeout", required_argument, NULL, 't'}, {"python", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},          {0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            port = atoi(optarg);
            break;
        case 'r':
            o.runtime = optarg;
            break;
        case 'c':
            o.code_file = optarg;
            break;
        case 'H':
            o.handler = optarg;
            break;
        case 't':
            o.timeout_ms = 1000 * atoi(optarg);
            break;
        case 'P':
            o.python = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (o.timeout_ms <= 0)
        o.timeout_ms = 30000;
    /* Before any thread: only main's sigwait may take SIGTERM. */
    sigset_t sigs;
    daemon_block_signals(&sigs);
    mk_err err = {0};
    fnrt *rt = NULL;
    if (fnrt_new(&o, &rt, &err) < 0) {
        fprintf(stderr, "mk-fnrt: %s\n", err.msg);
        return 1;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG,
        (uint16_t)port, NULL, NULL, handle, rt, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, 0u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "mk-fnrt: cannot listen on port %d\n", port);
        fnrt_free(rt);
        return 1;
    }
    mk_log("serving %s handler %s on :%d", o.runtime, o.handler, port);
    daemon_wait_stop(&sigs);
    drain(o.timeout_ms + DRAIN_QUIET_MS);
    MHD_stop_daemon(d);
    fnrt_free(rt);
    mk_log("stopped");
    return 0;
}
