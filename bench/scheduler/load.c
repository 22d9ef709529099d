/* load.c - the scheduler benchmark's two helpers (built by run.sh):
 *
 *   load hollow --server URL --nodes N [--prefix P]
 *       N hollow nodes (kubelet/hollow.h) until SIGTERM
 *   load pods --server URL --pods N [--threads T]
 *       create N pods from T threads, watch them get bound, and print
 *       pods bound per second: N over the time from the first create to
 *       the last binding seen by the watch.
 *       --create-only: create and exit; --wait-only: the pods exist, print
 *       "watching" and time from then (the caller starts the scheduler).
 *   load decide --pods N --nodes M
 *       the scheduler's decisions alone, in process: pods decided per second
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kubelet/hollow.h"
#include "scheduler/cache.h"
#include "store/client.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/util.h"

#define BENCH_LABEL "bench=scheduler"

static volatile bool stop;

static void on_signal(int sig)
{
    stop = true;
}

typedef struct bench {
    mk_client *c;
    int pods, threads;
    atomic_int next; /* the next pod index to create */
    atomic_int failed;
    atomic_int bound;    /* distinct pods seen bound */
    unsigned char *seen; /* per pod: binding seen (watch thread only) */
    bool create, wait;   /* create the pods; wait for their bindings */
    int64_t first_create_ns, last_bound_ns, created_ns;
    volatile bool watch_stop;
} bench;

static void *create_loop(void *arg)
{
    bench *b = arg;
    const mk_kind *pod = kind_by_kind("Pod");
    for (int i; (i = atomic_fetch_add(&b->next, 1)) < b->pods;) {
        _cleanup_free_ char *text = xasprintf(
            "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"bench-%05d\","
            "\"labels\":{\"bench\":\"scheduler\"}},\"spec\":{\"containers\":[{\"name\":\"c\","
            "\"image\":\"busybox\",\"resources\":{\"requests\":{\"cpu\":\"10m\",\"memory\":"
            "\"16Mi\"}}}]}}",
            i);
        json_object *obj = json_tokener_parse(text);
        mk_err err = {0};
        if (client_create(b->c, pod, "default", obj, NULL, &err) < 0) {
            if (atomic_fetch_add(&b->failed, 1) < 5)
                fprintf(stderr, "load: create bench-%05d: %s\n", i, err.msg);
        }
        json_object_put(obj);
    }
    return NULL;
}

static int on_event(void *ctx, const char *type, json_object *obj)
{
    bench *b = ctx;
    const char *node = mk_json_str(obj, "spec.nodeName");
    const char *name = mk_json_str(obj, "metadata.name");
    if (!node || !*node || !name || strncmp(name, "bench-", 6) != 0)
        return 0;
    int i = atoi(name + 6);
    if (i < 0 || i >= b->pods || b->seen[i])
        return 0;
    b->seen[i] = 1;
    if (atomic_fetch_add(&b->bound, 1) + 1 == b->pods) {
        b->last_bound_ns = mk_now_ns();
        return 1;
    }
    return 0;
}

typedef struct watch_arg {
    bench *b;
    int64_t rev;
} watch_arg;

static void *watch_loop(void *arg)
{
    watch_arg *w = arg;
    mk_err err = {0};
    int64_t rev = w->rev;
    while (!w->b->watch_stop && atomic_load(&w->b->bound) < w->b->pods) {
        if (client_watch(w->b->c, kind_by_kind("Pod"), "default", BENCH_LABEL, NULL, rev,
                         on_event, w->b, &w->b->watch_stop, &err) < 0) {
            fprintf(stderr, "load: watch: %s\n", err.msg);
            return NULL; /* a lost watch would miss bindings: the run is void */
        }
    }
    return NULL;
}

static int run_pods(mk_client *c, int pods, int threads, bool create, bool wait)
{
    bench b = {.c = c, .pods = pods, .threads = threads, .create = create, .wait = wait};
    b.seen = xcalloc((size_t)pods, 1);
    json_object *items = NULL;
    int64_t rev = 0;
    mk_err err = {0};
    if (client_list(c, kind_by_kind("Pod"), "default", BENCH_LABEL, NULL, &items, &rev, &err) <
        0) {
        fprintf(stderr, "load: list pods: %s\n", err.msg);
        return 1;
    }
    json_object_put(items);
    watch_arg w = {&b, rev};
    pthread_t watcher, *t = xcalloc((size_t)threads, sizeof(*t));
    if (wait) {
        pthread_create(&watcher, NULL, watch_loop, &w);
        usleep(200 * 1000); /* let the watch connect before the first create */
    }
    b.first_create_ns = mk_now_ns();
    if (!create) {
        /* the pods exist: the clock starts now, the caller starts the scheduler */
        printf("watching\n");
        fflush(stdout);
    }
    for (int i = 0; create && i < threads; i++)
        pthread_create(&t[i], NULL, create_loop, &b);
    for (int i = 0; create && i < threads; i++)
        pthread_join(t[i], NULL);
    b.created_ns = mk_now_ns();
    if (create)
        fprintf(stderr, "load: %d pods created in %.2f s (%.0f/s), %d failed\n", pods,
                (b.created_ns - b.first_create_ns) / 1e9,
                pods / ((b.created_ns - b.first_create_ns) / 1e9), atomic_load(&b.failed));
    if (!wait) {
        free(t);
        free(b.seen);
        return atomic_load(&b.failed) ? 1 : 0;
    }
    /* Wait for the last binding, at most a minute. */
    for (int i = 0; i < 600 && atomic_load(&b.bound) < pods && !stop; i++)
        usleep(100 * 1000);
    b.watch_stop = true;
    pthread_join(watcher, NULL);
    free(t);
    free(b.seen);
    int bound = atomic_load(&b.bound);
    if (bound < pods) {
        fprintf(stderr, "load: only %d of %d pods bound within a minute\n", bound, pods);
        printf("scheduler: %d/%d pods bound (incomplete)\n", bound, pods);
        return 1;
    }
    double secs = (b.last_bound_ns - b.first_create_ns) / 1e9;
    printf("scheduler: %d pods on hollow nodes bound in %.2f s: %.0f pods/s%s\n", pods, secs,
           pods / secs, create ? "" : " (pods created beforehand; from scheduler start)");
    return 0;
}

/* The decision alone, in process, no API server: what the scheduler's
 * one deciding thread can do (filter + round-robin pick + assume). */
static int run_decide(int pods, int nodes)
{
    sched_cache *cache = sched_cache_new();
    for (int i = 0; i < nodes; i++) {
        _cleanup_free_ char *text = xasprintf(
            "{\"metadata\":{\"name\":\"hollow-%d\",\"labels\":{\"kubernetes.io/hostname\":"
            "\"hollow-%d\"}},\"status\":{\"allocatable\":{\"cpu\":\"4\",\"memory\":\"16Gi\","
            "\"pods\":\"110\"},\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}",
            i, i);
        json_object *n = json_tokener_parse(text);
        sched_cache_set_node(cache, n);
        json_object_put(n);
    }
    sched_pod *p = xcalloc((size_t)pods, sizeof(*p));
    for (int i = 0; i < pods; i++) {
        _cleanup_free_ char *text = xasprintf(
            "{\"metadata\":{\"name\":\"bench-%05d\",\"namespace\":\"default\"},\"spec\":{"
            "\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"10m\","
            "\"memory\":\"16Mi\"}}}]}}",
            i);
        json_object *o = json_tokener_parse(text);
        sched_pod_parse(o, &p[i]);
        json_object_put(o);
    }
    int64_t t0 = mk_now_ns();
    int placed = 0;
    for (int i = 0; i < pods; i++) {
        char *node = NULL, *why = NULL;
        placed += sched_cache_schedule(cache, &p[i], &node, &why) == 0;
        free(node);
        free(why);
    }
    double secs = (mk_now_ns() - t0) / 1e9;
    printf("decisions: %d pods onto %d nodes in %.3f s: %.0f pods/s (no API server)\n", placed,
           nodes, secs, placed / secs);
    for (int i = 0; i < pods; i++)
        sched_pod_clear(&p[i]);
    free(p);
    sched_cache_free(cache);
    return placed == pods ? 0 : 1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: load hollow --server URL --nodes N [--prefix P]\n"
            "       load pods --server URL --pods N [--threads T] [--create-only|--wait-only]\n"
            "       load decide --pods N --nodes M\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"server", required_argument, NULL, 's'},
        {"nodes", required_argument, NULL, 'n'},
        {"pods", required_argument, NULL, 'p'},
        {"threads", required_argument, NULL, 't'},
        {"prefix", required_argument, NULL, 'x'},
        {"help", no_argument, NULL, 'h'},
        {"create-only", no_argument, NULL, 'C'},
        {"wait-only", no_argument, NULL, 'W'},
        {0},
    };
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *mode = argv[1], *server = NULL, *prefix = "hollow";
    int nodes = 1000, pods = 10000, threads = 16, o;
    bool create = true, wait = true;
    optind = 2;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 's':
            server = optarg;
            break;
        case 'n':
            nodes = atoi(optarg);
            break;
        case 'p':
            pods = atoi(optarg);
            break;
        case 't':
            threads = atoi(optarg);
            break;
        case 'x':
            prefix = optarg;
            break;
        case 'C':
            wait = false;
            break;
        case 'W':
            create = false;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if ((!server && strcmp(mode, "decide") != 0) || threads < 1 || pods < 1 || nodes < 1) {
        usage(stderr);
        return 2;
    }
    mk_log_init("load");
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    mk_err err = {0};
    mk_client *c = NULL;
    mk_client_opts co = {.server = server, .user_agent = "bench-scheduler"};
    if (strcmp(mode, "decide") == 0)
        return run_decide(pods, nodes);
    if (client_new(&co, &c, &err) < 0) {
        fprintf(stderr, "load: %s\n", err.msg);
        return 1;
    }
    int rc;
    if (strcmp(mode, "hollow") == 0) {
        hollow_opts ho = {.prefix = prefix, .count = nodes};
        rc = hollow_run_opts(c, &ho, &stop, &err) < 0 ? 1 : 0;
        if (rc)
            fprintf(stderr, "load: %s\n", err.msg);
    } else if (strcmp(mode, "decide") == 0) {
        rc = run_decide(pods, nodes);
    } else if (strcmp(mode, "pods") == 0) {
        rc = run_pods(c, pods, threads, create, wait);
    } else {
        usage(stderr);
        rc = 2;
    }
    client_free(c);
    return rc;
}
