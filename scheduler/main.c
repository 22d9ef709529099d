/* mk-scheduler - place unbound pods on nodes. See scheduler/scheduler.h. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/scheduler.h"
#include "store/client.h"
#include "store/daemon.h"
#include "store/log.h"
#include "store/util.h"

static volatile bool stop;

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: mk-scheduler --server URL [--token-file F] [--workers N] [--no-events]\n"
            "\n"
            "Watches unbound pods and nodes; binds each pod to a Ready node that\n"
            "matches its nodeSelector and has room for its requests, round-robin.\n"
            "\n"
            "  --server URL       the API server (http://127.0.0.1:6443)\n"
            "  --token-file F     bearer token (first field of the first line)\n"
            "  --certificate-authority F  https: the API server's CA (default: the system's)\n"
            "  --workers N        parallel binding requests (32)\n"
            "  --no-events        record no Scheduled/FailedScheduling Events (benchmarks)\n"
            "  --pod-initial-backoff-seconds N  an unschedulable pod's first wait (1),\n"
            "                     doubled per failed attempt up to\n"
            "  --pod-max-backoff-seconds N      (10), as kube-scheduler's configuration\n"
            "  --help             this text\n");
}

/* 1 to 3600 seconds, in ms. */
static int backoff_seconds(const char *arg, int *ms)
{
    char *end;
    long s = strtol(arg, &end, 10);
    if (*end || end == arg || s < 1 || s > 3600) {
        fprintf(stderr, "mk-scheduler: backoff %s: want whole seconds, 1 to 3600\n", arg);
        return -1;
    }
    *ms = (int)s * 1000;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"server", required_argument, NULL, 's'},
        {"token-file", required_argument, NULL, 't'},
        {MK_CA_FLAG, required_argument, NULL, 'A'},
        {"workers", required_argument, NULL, 'w'},
        {"no-events", no_argument, NULL, 'E'},
        {"pod-initial-backoff-seconds", required_argument, NULL, 'I'},
        {"pod-max-backoff-seconds", required_argument, NULL, 'M'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *server = NULL, *token_file = NULL, *ca_file = NULL;
    scheduler_opts so = {0};
    int o;
    mk_log_init("mk-scheduler");
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 's':
            server = optarg;
            break;
        case 't':
            token_file = optarg;
            break;
        case 'A':
            ca_file = optarg;
            break;
        case 'w':
            so.workers = atoi(optarg);
            break;
        case 'E':
            so.no_events = true;
            break;
        case 'I':
        case 'M':
            if (backoff_seconds(optarg,
                                o == 'I' ? &so.backoff_initial_ms : &so.backoff_max_ms) < 0)
                return 2;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (so.backoff_max_ms && so.backoff_initial_ms > so.backoff_max_ms) {
        fprintf(stderr, "mk-scheduler: --pod-initial-backoff-seconds is above the maximum\n");
        return 2;
    }
    if (!so.backoff_max_ms && so.backoff_initial_ms > 10000)
        so.backoff_max_ms = so.backoff_initial_ms; /* a longer first wait raises the cap */
    if (!server || optind < argc || so.workers < 0) {
        usage(stderr);
        return 2;
    }
    mk_client *c = NULL;
    mk_client_opts co = {.server = server, .token_file = token_file, .ca_file = ca_file};
    if (daemon_client_connect("mk-scheduler", &co, "Node", &c) < 0)
        return 1;
    daemon_stop_on_signals(&stop);
    mk_err err = {0};
    int rc = scheduler_run(c, &so, &stop, &err);
    if (rc < 0)
        fprintf(stderr, "mk-scheduler: %s\n", err.msg);
    else
        mk_log("stopped");
    client_free(c);
    return rc < 0 ? 1 : 0;
}
