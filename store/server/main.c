/* mk-apiserver - the cluster's source of truth: Kubernetes REST and watch
 * over a revisioned store (SQLite by default).
 *
 * main only parses flags and wires the modules: backend -> hub (watch.c)
 * as its event sink -> HTTP (http.c) -> dispatch.c -> handlers.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curl/curl.h>

#include "store/daemon.h"
#include "store/log.h"
#include "store/server/apiserver.h"
#include "store/server/apiservice.h"
#include "store/server/priority.h"
#include "store/server/auth.h"
#include "store/server/eventttl.h"
#include "store/server/http.h"
#include "store/server/metrics.h"
#include "store/server/namespaces.h"
#include "store/server/tokenreq.h"
#include "store/server/objects.h"
#include "store/server/stream.h"
#include "store/server/watch.h"

/* The hub's ring: enough for bursts; a slower watcher reads the log. */
#define HUB_MAX_EVENTS    4096
#define HUB_MAX_BYTES     (6 * 1024 * 1024)
#define PRODUCER_DRAIN_MS 5000
#define RELAY_DRAIN_MS    2000

typedef struct apiserver_opts {
    const char *listen;
    const char *data_dir;
    const char *token_file;
    const char *tls_cert, *tls_key;
    const char *advertise; /* --advertise-address, or NULL */
    const char *store;
    double bookmark_s;
    int64_t compact_keep;
    int compact_age;
    int event_ttl;
    bool graceful_pods;
} apiserver_opts;

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: mk-apiserver --listen ADDR:PORT --data-dir DIR [options]\n"
        "\n"
        "Serve the Kubernetes API over a revisioned store.\n"
        "\n"
        "  --listen ADDR:PORT        where to listen (default 127.0.0.1:6443; port 0: any)\n"
        "  --data-dir DIR            the store's directory (created if missing)\n"
        "  --token-file F            bearer tokens, 'token,user,role' lines (roles: admin,\n"
        "                            controller, node, rbac); without it only loopback is\n"
        "                            served\n"
        "  --advertise-address IP    where pods reach this server: the kubernetes Service's\n"
        "                            endpoint (default: the --listen address unless it is\n"
        "                            loopback or 0.0.0.0)\n"
        "  --tls-cert F --tls-key F  serve HTTPS with this PEM certificate and key\n"
        "  --store sqlite            the backend (sqlite; etcd comes later)\n"
        "  --bookmark-interval SEC   BOOKMARK events on idle watches (default 1)\n"
        "  --compact-keep N          history keeps at least N revisions (default 100000)\n"
        "  --compact-age SEC         ... and everything younger than SEC (default 300;\n"
        "                            0: revisions only)\n"
        "  --event-ttl SEC           Events last seen longer ago are deleted (default\n"
        "                            3600; 0: never)\n"
        "  --graceful-pod-deletion   DELETE only marks pods bound to a node\n"
        "                            (deletionTimestamp); the kubelet removes them\n"
        "  --help                    this text\n");
}

static int parse_args(int argc, char **argv, apiserver_opts *o)
{
    enum {
        OPT_TOKEN = 256,
        OPT_CERT,
        OPT_KEY,
        OPT_STORE,
        OPT_BOOKMARK,
        OPT_KEEP,
        OPT_AGE,
        OPT_EVENT_TTL,
        OPT_GRACEFUL,
        OPT_ADVERTISE
    };
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, 'l'},
        {"data-dir", required_argument, NULL, 'd'},
        {"token-file", required_argument, NULL, OPT_TOKEN},
        {"tls-cert", required_argument, NULL, OPT_CERT},
        {"tls-key", required_argument, NULL, OPT_KEY},
        {"store", required_argument, NULL, OPT_STORE},
        {"bookmark-interval", required_argument, NULL, OPT_BOOKMARK},
        {"compact-keep", required_argument, NULL, OPT_KEEP},
        {"compact-age", required_argument, NULL, OPT_AGE},
        {"event-ttl", required_argument, NULL, OPT_EVENT_TTL},
        {"graceful-pod-deletion", no_argument, NULL, OPT_GRACEFUL},
        {"advertise-address", required_argument, NULL, OPT_ADVERTISE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *o = (apiserver_opts){.listen = "127.0.0.1:6443",
                          .store = "sqlite",
                          .bookmark_s = 1,
                          .compact_age = 300,
                          .event_ttl = 3600};
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'l':
            o->listen = optarg;
            break;
        case 'd':
            o->data_dir = optarg;
            break;
        case OPT_TOKEN:
            o->token_file = optarg;
            break;
        case OPT_CERT:
            o->tls_cert = optarg;
            break;
        case OPT_KEY:
            o->tls_key = optarg;
            break;
        case OPT_STORE:
            o->store = optarg;
            break;
        case OPT_BOOKMARK:
            o->bookmark_s = strtod(optarg, &end);
            if (*end || o->bookmark_s < 0.01 || o->bookmark_s > 3600) {
                fprintf(stderr,
                        "mk-apiserver: --bookmark-interval %s: want seconds in "
                        "0.01..3600\n",
                        optarg);
                return -1;
            }
            break;
        case OPT_KEEP:
            o->compact_keep = strtoll(optarg, &end, 10);
            if (*end || o->compact_keep < 1) {
                fprintf(stderr, "mk-apiserver: --compact-keep %s: want a count >= 1\n", optarg);
                return -1;
            }
            break;
        case OPT_AGE:
            o->compact_age = (int)strtol(optarg, &end, 10);
            if (*end || o->compact_age < 0) {
                fprintf(stderr, "mk-apiserver: --compact-age %s: want seconds >= 0\n", optarg);
                return -1;
            }
            break;
        case OPT_EVENT_TTL:
            o->event_ttl = (int)strtol(optarg, &end, 10);
            if (*end || !*optarg || o->event_ttl < 0) {
                fprintf(stderr, "mk-apiserver: --event-ttl %s: want seconds >= 0\n", optarg);
                return -1;
            }
            break;
        case OPT_ADVERTISE: {
            struct in_addr a;
            if (inet_pton(AF_INET, optarg, &a) != 1) {
                fprintf(stderr, "mk-apiserver: --advertise-address %s: want an IPv4 address\n",
                        optarg);
                return -1;
            }
            o->advertise = optarg;
            break;
        }
        case OPT_GRACEFUL:
            o->graceful_pods = true;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mk-apiserver: unexpected argument %s\n", argv[optind]);
        return -1;
    }
    if (!o->data_dir) {
        fprintf(stderr, "mk-apiserver: --data-dir is required\n");
        return -1;
    }
    if (strcmp(o->store, "sqlite") != 0) {
        fprintf(stderr, "mk-apiserver: --store %s: not available (sqlite)\n", o->store);
        return -1;
    }
    return 0;
}

typedef struct apiserver {
    api_server srv;
    http_server *http;
    eventttl *event_ttl;
} apiserver;

static void apiserver_close(apiserver *a)
{
    if (a->srv.hub)
        hub_close(a->srv.hub);            /* watches end at their next wakeup */
    atomic_store(&a->srv.stopping, true); /* and exec relays within 0.5 s */
    for (int waited = 0; atomic_load(&a->srv.relays) > 0 && waited < RELAY_DRAIN_MS;
         waited += 10)
        usleep(10000);
    http_stop(a->http);
    stream_wait_producers(&a->srv, PRODUCER_DRAIN_MS);
    eventttl_stop(a->event_ttl);
    backend_close(a->srv.be);
    hub_free(a->srv.hub);
    nsset_free(a->srv.namespaces);
    prioset_free(a->srv.priorities);
    auth_free(a->srv.auth);
    metrics_free(a->srv.metrics);
}

/* Every committed change: the namespace set, then the watchers. */
static int apiserver_sink(void *ctx, const mk_event *ev)
{
    api_server *srv = ctx;
    nsset_apply(srv->namespaces, ev);
    prioset_apply(srv->priorities, ev);
    return hub_sink(srv->hub, ev);
}

static int apiserver_open(apiserver *a, const apiserver_opts *o, mk_err *err)
{
    api_server *srv = &a->srv;
    srv->bookmark_ms = (int)(o->bookmark_s * 1000);
    srv->graceful_pods = o->graceful_pods;
    srv->metrics = metrics_new();
    if (o->token_file && auth_load(o->token_file, &srv->auth, err) < 0)
        return -err->code;
    mk_backend_opts bo = {.data_dir = o->data_dir,
                          .keep_revisions = o->compact_keep,
                          .keep_seconds = o->compact_age ? o->compact_age : -1};
    if (backend_sqlite_open(&bo, &srv->be, err) < 0)
        return -err->code;
    srv->hub = hub_new(srv->be->ops->current_rev(srv->be), HUB_MAX_EVENTS, HUB_MAX_BYTES);
    srv->namespaces = nsset_new();
    srv->priorities = prioset_new();
    backend_set_sink(srv->be, apiserver_sink, srv);
    if (nsset_load(srv->namespaces, srv->be, err) < 0 ||
        prioset_load(srv->priorities, srv->be, err) < 0)
        return -err->code;
    if (objects_bootstrap(srv, err) < 0 || tokenreq_init(srv, err) < 0)
        return -err->code;
    a->event_ttl = eventttl_start(srv->be, o->event_ttl);
    http_opts ho = {.listen = o->listen,
                    .loopback_only = !o->token_file,
                    .tls_cert = o->tls_cert,
                    .tls_key = o->tls_key};
    if (http_start(srv, &ho, &a->http, err) < 0)
        return -err->code;
    return apiservice_publish(srv, o->advertise, o->tls_cert != NULL, err);
}

int main(int argc, char **argv)
{
    mk_log_init("mk-apiserver");
    apiserver_opts o;
    if (parse_args(argc, argv, &o) < 0)
        return 2;
    /* Every thread started from here on inherits this mask: only sigwait
     * below sees SIGTERM and SIGINT, and a closed socket is an EPIPE. */
    curl_global_init(CURL_GLOBAL_DEFAULT); /* the kubelet proxy's client */
    sigset_t stop;
    daemon_block_signals(&stop);

    apiserver a = {0};
    mk_err err = {0};
    if (apiserver_open(&a, &o, &err) < 0) {
        fprintf(stderr, "mk-apiserver: %s\n", err.msg);
        apiserver_close(&a);
        return 1;
    }
    mk_log("listening on %s (%s), store sqlite in %s, revision %lld%s", a.srv.listen,
           o.tls_cert ? "https" : "http", o.data_dir,
           (long long)a.srv.be->ops->current_rev(a.srv.be),
           a.srv.auth ? ", tokens required" : ", no tokens (loopback only)");
    daemon_wait_stop(&stop);
    http_quiesce(a.http);
    apiserver_close(&a);
    mk_log("stopped");
    return 0;
}
