/* rsbench.c - how long a ReplicaSet of N replicas takes to become N pods
 * bound to nodes (bench/controllers/run starts the cluster).
 *
 *   rsbench --server URL [--replicas N] [--timeout SEC]
 *
 * Watches pods first, then creates the ReplicaSet; the clock runs from
 * the create to the watch seeing the Nth distinct pod of the ReplicaSet
 * with spec.nodeName set. Prints one line: the figure.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uthash.h>

#include "store/client.h"
#include "store/codec.h"
#include "store/util.h"

#define RS_NAME  "bench-rs"
#define RS_LABEL "app=bench-rs"

typedef struct seen {
    char *name;
    UT_hash_handle hh;
} seen;

typedef struct bench {
    mk_client *c;
    int want;
    seen *bound;
    atomic_int count;
    int64_t done_ns;
    volatile bool stop;
} bench;

static int on_event(void *ctx, const char *type, json_object *obj)
{
    bench *b = ctx;
    const char *node = mk_json_str(obj, "spec.nodeName");
    const char *name = mk_json_str(obj, "metadata.name");
    if (strcmp(type, "DELETED") == 0 || !node || !*node || !name)
        return 0;
    seen *s;
    HASH_FIND_STR(b->bound, name, s);
    if (s)
        return 0;
    s = xcalloc(1, sizeof(*s));
    s->name = xstrdup(name);
    HASH_ADD_KEYPTR(hh, b->bound, s->name, strlen(s->name), s);
    if (atomic_fetch_add(&b->count, 1) + 1 == b->want) {
        b->done_ns = mk_now_ns();
        return 1;
    }
    return 0;
}

typedef struct watch_arg {
    bench *b;
    int64_t rev;
} watch_arg;

static void *watch_main(void *arg)
{
    watch_arg *w = arg;
    mk_err err = {0};
    if (client_watch(w->b->c, kind_by_kind("Pod"), "default", RS_LABEL, NULL, w->rev, on_event,
                     w->b, &w->b->stop, &err) < 0)
        fprintf(stderr, "rsbench: watch: %s\n", err.msg);
    return NULL;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"server", required_argument, NULL, 's'},
                                         {"replicas", required_argument, NULL, 'n'},
                                         {"timeout", required_argument, NULL, 't'},
                                         {0}};
    const char *server = NULL;
    int replicas = 1000, timeout = 50, o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == 's')
            server = optarg;
        else if (o == 'n')
            replicas = atoi(optarg);
        else if (o == 't')
            timeout = atoi(optarg);
        else
            return 2;
    }
    if (!server || replicas <= 0) {
        fprintf(stderr, "usage: rsbench --server URL [--replicas N] [--timeout SEC]\n");
        return 2;
    }
    mk_err err = {0};
    bench b = {.want = replicas};
    mk_client_opts co = {.server = server, .user_agent = "rsbench"};
    if (client_new(&co, &b.c, &err) < 0) {
        fprintf(stderr, "rsbench: %s\n", err.msg);
        return 1;
    }
    json_object *items = NULL;
    int64_t rev = 0;
    if (client_list(b.c, kind_by_kind("Pod"), "default", RS_LABEL, NULL, &items, &rev, &err) <
        0) {
        fprintf(stderr, "rsbench: list: %s\n", err.msg);
        return 1;
    }
    json_object_put(items);
    watch_arg w = {&b, rev};
    pthread_t t;
    pthread_create(&t, NULL, watch_main, &w);
    usleep(200 * 1000); /* the watch connects before the create */
    char text[512];
    snprintf(
        text, sizeof text,
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"metadata\":{\"name\":\"%s\"},"
        "\"spec\":{\"replicas\":%d,\"selector\":{\"matchLabels\":{\"app\":\"bench-rs\"}},"
        "\"template\":{\"metadata\":{\"labels\":{\"app\":\"bench-rs\"}},\"spec\":"
        "{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\",\"resources\":{\"requests\":"
        "{\"cpu\":\"1m\",\"memory\":\"1Mi\"}}}]}}}}",
        RS_NAME, replicas);
    json_object *rs = json_tokener_parse(text);
    int64_t start = mk_now_ns();
    if (client_create(b.c, kind_by_kind("ReplicaSet"), "default", rs, NULL, &err) < 0) {
        fprintf(stderr, "rsbench: create: %s\n", err.msg);
        return 1;
    }
    json_object_put(rs);
    for (int i = 0; i < timeout * 10 && atomic_load(&b.count) < replicas; i++)
        usleep(100 * 1000);
    b.stop = true;
    pthread_join(t, NULL);
    int got = atomic_load(&b.count);
    if (got < replicas) {
        printf("replicaset of %d: only %d pods bound after %d s\n", replicas, got, timeout);
        return 1;
    }
    printf("replicaset of %d replicas: %d bound pods in %.3f s (target < 2 s)\n", replicas, got,
           (double)(b.done_ns - start) / 1e9);
    seen *s, *tmp;
    HASH_ITER(hh, b.bound, s, tmp)
    {
        HASH_DEL(b.bound, s);
        free(s->name);
        free(s);
    }
    client_free(b.c);
    return 0;
}
