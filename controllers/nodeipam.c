/* nodeipam.c - the node IPAM controller: every node gets a podCIDR of its
 * own (a /24 of 10.244.0.0/16 by default), as kube-controller-manager's
 * range allocator hands them out.
 *
 * The map of taken subnets is rebuilt from the Node objects (the informer's
 * first list) before anything is handed out, so a restart never gives a
 * subnet twice; a deleted node's subnet goes back to the pool. Allocation
 * goes round the range from where it last stopped, so a freed subnet is
 * reused as late as possible.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <uthash.h>

#include "controllers/controllers.h"
#include "controllers/workqueue.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/util.h"

#define IPAM_RETRY_MS 1000

typedef struct assigned {
    char *node;
    size_t idx;
    UT_hash_handle hh;
} assigned;

typedef struct ipam {
    manager *m;
    mk_informer *nodes;
    uint32_t base;      /* cluster network, host order */
    int cluster_bits, node_bits;
    size_t nsubnets;
    char **owner;       /* owner[i]: the node holding subnet i, or NULL */
    assigned *by_node;
    size_t next;        /* where the next search starts */
    pthread_mutex_t mu;
    workqueue *q;
    pthread_t worker;
    bool running;
} ipam;

/* "10.244.0.0/16" -> network and prefix length. */
static int parse_cidr(const char *text, uint32_t *net, int *bits)
{
    char addr[INET_ADDRSTRLEN];
    const char *slash = text ? strchr(text, '/') : NULL;
    if (!slash || (size_t)(slash - text) >= sizeof(addr))
        return -1;
    memcpy(addr, text, (size_t)(slash - text));
    addr[slash - text] = '\0';
    char *end;
    long b = strtol(slash + 1, &end, 10);
    struct in_addr in;
    if (*end || b < 0 || b > 32 || inet_pton(AF_INET, addr, &in) != 1)
        return -1;
    *net = ntohl(in.s_addr);
    *bits = (int)b;
    return 0;
}

static uint32_t mask_of(int bits)
{
    return bits == 0 ? 0 : 0xffffffffu << (32 - bits);
}

static char *subnet_text(const ipam *p, size_t idx)
{
    uint32_t net = p->base + ((uint32_t)idx << (32 - p->node_bits));
    return xasprintf("%u.%u.%u.%u/%d", net >> 24, (net >> 16) & 255, (net >> 8) & 255, net & 255,
                     p->node_bits);
}

/* The subnet index of a node's podCIDR; -1 if it is not one of ours. */
static long subnet_index(const ipam *p, const char *cidr)
{
    uint32_t net;
    int bits;
    if (parse_cidr(cidr, &net, &bits) < 0 || bits != p->node_bits ||
        (net & mask_of(p->cluster_bits)) != p->base || (net & ~mask_of(bits)) != 0)
        return -1;
    return (long)((net - p->base) >> (32 - p->node_bits));
}

/* Under the lock. */
static void release(ipam *p, const char *node)
{
    assigned *a;
    HASH_FIND_STR(p->by_node, node, a);
    if (!a)
        return;
    free(p->owner[a->idx]);
    p->owner[a->idx] = NULL;
    HASH_DEL(p->by_node, a);
    free(a->node);
    free(a);
}

static void take(ipam *p, const char *node, size_t idx)
{
    assigned *a = xcalloc(1, sizeof(*a));
    a->node = xstrdup(node);
    a->idx = idx;
    HASH_ADD_KEYPTR(hh, p->by_node, a->node, strlen(a->node), a);
    p->owner[idx] = xstrdup(node);
}

/* A node as it is now: record the subnet it holds, or queue it for one. */
static void node_seen(ipam *p, json_object *node)
{
    const char *name = mk_json_str(node, "metadata.name");
    const char *cidr = mk_json_str(node, "spec.podCIDR");
    if (!name)
        return;
    if (!cidr || !*cidr) {
        pthread_mutex_lock(&p->mu);
        assigned *a;
        HASH_FIND_STR(p->by_node, name, a);
        pthread_mutex_unlock(&p->mu);
        if (!a) /* else: our patch is on its way back through the watch */
            workqueue_add(p->q, name);
        return;
    }
    long idx = subnet_index(p, cidr);
    if (idx < 0) {
        mk_log("nodeipam: node %s: podCIDR %s is outside the cluster CIDR, ignored", name, cidr);
        return;
    }
    pthread_mutex_lock(&p->mu);
    assigned *a;
    HASH_FIND_STR(p->by_node, name, a);
    if (a && a->idx != (size_t)idx)
        release(p, name); /* someone changed it: the node's word counts */
    HASH_FIND_STR(p->by_node, name, a);
    if (!a) {
        if (p->owner[idx])
            mk_log("nodeipam: node %s: podCIDR %s is also node %s's", name, cidr, p->owner[idx]);
        else
            take(p, name, (size_t)idx);
    }
    pthread_mutex_unlock(&p->mu);
}

static void on_add(void *ctx, json_object *node)
{
    node_seen(ctx, node);
}

static void on_update(void *ctx, json_object *old, json_object *node)
{
    node_seen(ctx, node);
}

static void on_delete(void *ctx, json_object *node)
{
    ipam *p = ctx;
    const char *name = mk_json_str(node, "metadata.name");
    if (!name)
        return;
    pthread_mutex_lock(&p->mu);
    assigned *a;
    HASH_FIND_STR(p->by_node, name, a);
    if (a) {
        _cleanup_free_ char *cidr = subnet_text(p, a->idx);
        mk_log("nodeipam: node %s deleted: %s released", name, cidr);
        release(p, name);
    }
    pthread_mutex_unlock(&p->mu);
}

/* Reserve a free subnet for node; -1 when the range is full. */
static long allocate(ipam *p, const char *node)
{
    long found = -1;
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->nsubnets && found < 0; i++) {
        size_t idx = (p->next + i) % p->nsubnets;
        if (!p->owner[idx]) {
            take(p, node, idx);
            p->next = (idx + 1) % p->nsubnets;
            found = (long)idx;
        }
    }
    pthread_mutex_unlock(&p->mu);
    return found;
}

static void assign(ipam *p, const char *name)
{
    json_object *node = informer_get(p->nodes, NULL, name);
    if (!node)
        return;
    const char *cur = mk_json_str(node, "spec.podCIDR");
    bool has = cur && *cur;
    json_object_put(node);
    pthread_mutex_lock(&p->mu);
    assigned *a;
    HASH_FIND_STR(p->by_node, name, a);
    pthread_mutex_unlock(&p->mu);
    if (has || a)
        return;
    long idx = allocate(p, name);
    if (idx < 0) {
        mk_log("nodeipam: node %s: no free /%d left in %s", name, p->node_bits,
               manager_cfg(p->m)->cluster_cidr);
        workqueue_add_after(p->q, name, 10 * IPAM_RETRY_MS);
        return;
    }
    _cleanup_free_ char *cidr = subnet_text(p, (size_t)idx);
    _cleanup_free_ char *patch = xasprintf("{\"spec\":{\"podCIDR\":\"%s\",\"podCIDRs\":[\"%s\"]}}",
                                           cidr, cidr);
    mk_err err = {0};
    if (client_patch(manager_client(p->m), kind_by_kind("Node"), NULL, name, NULL, patch, NULL,
                     &err) < 0) {
        pthread_mutex_lock(&p->mu);
        release(p, name);
        pthread_mutex_unlock(&p->mu);
        if (err.code != ENOENT) {
            mk_log("nodeipam: node %s: cannot set podCIDR %s: %s (will retry)", name, cidr, err.msg);
            workqueue_add_after(p->q, name, IPAM_RETRY_MS);
        }
        return;
    }
    mk_log("nodeipam: node %s: podCIDR %s", name, cidr);
}

static void *worker(void *arg)
{
    ipam *p = arg;
    if (!manager_wait_synced(p->m)) /* the taken map is complete only then */
        return NULL;
    char *key;
    while (workqueue_get(p->q, &key)) {
        assign(p, key);
        workqueue_done(p->q, key);
        free(key);
    }
    return NULL;
}

static void ipam_free(ipam *p)
{
    assigned *a, *tmp;
    HASH_ITER(hh, p->by_node, a, tmp) {
        HASH_DEL(p->by_node, a);
        free(a->node);
        free(a);
    }
    for (size_t i = 0; p->owner && i < p->nsubnets; i++)
        free(p->owner[i]);
    free(p->owner);
    workqueue_free(p->q);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

static int nodeipam_start(manager *m, void **state, mk_err *err)
{
    const manager_config *cfg = manager_cfg(m);
    ipam *p = xcalloc(1, sizeof(*p));
    p->m = m;
    pthread_mutex_init(&p->mu, NULL);
    p->q = workqueue_new();
    if (parse_cidr(cfg->cluster_cidr, &p->base, &p->cluster_bits) < 0) {
        ipam_free(p);
        return mk_error(err, EINVAL, "--cluster-cidr %s: not an IPv4 CIDR",
                        cfg->cluster_cidr ? cfg->cluster_cidr : "(none)");
    }
    p->base &= mask_of(p->cluster_bits);
    p->node_bits = cfg->node_cidr_mask_size;
    if (p->node_bits < p->cluster_bits || p->node_bits > 30 ||
        p->node_bits - p->cluster_bits > 16) {
        ipam_free(p);
        return mk_error(err, EINVAL, "--node-cidr-mask-size %d: must be within /%d..30 and at most "
                        "16 bits longer than the cluster CIDR's", cfg->node_cidr_mask_size,
                        p->cluster_bits);
    }
    p->nsubnets = (size_t)1 << (p->node_bits - p->cluster_bits);
    p->owner = xcalloc(p->nsubnets, sizeof(*p->owner));
    mk_informer_handlers h = {.on_add = on_add, .on_update = on_update, .on_delete = on_delete};
    p->nodes = manager_informer(m, kind_by_kind("Node"), &h, p);
    if (pthread_create(&p->worker, NULL, worker, p) != 0) {
        ipam_free(p);
        return mk_error(err, EAGAIN, "cannot start a thread");
    }
    p->running = true;
    *state = p;
    return 0;
}

static void nodeipam_stop(void *state)
{
    ipam *p = state;
    workqueue_shutdown(p->q);
    if (p->running)
        pthread_join(p->worker, NULL);
    ipam_free(p);
}

const mk_controller nodeipam_controller = {
    .name = "nodeipam",
    .start = nodeipam_start,
    .stop = nodeipam_stop,
};
