/* nodeipam.c - the node IPAM controller: every node gets a podCIDR of its
 * own (a /24 of 10.244.0.0/16 by default), as kube-controller-manager's
 * range allocator hands them out.
 *
 * What is taken is rebuilt from the Node objects (the informer's first
 * list) before anything is handed out, so a restart never gives a subnet
 * twice; a deleted node's subnet goes back to the pool (cidrset.h).
 */
#include <pthread.h>
#include <string.h>
#include <uthash.h>

#include "controllers/cidrset.h"
#include "controllers/controllers.h"
#include "controllers/workqueue.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/util.h"

#define IPAM_RETRY_MS      1000
#define IPAM_FULL_RETRY_MS 10000

typedef struct assigned {
    char *node;
    char *cidr;
    UT_hash_handle hh;
} assigned;

typedef struct ipam {
    manager *m;
    mk_informer *nodes;
    pthread_mutex_t mu; /* guards set and by_node */
    cidrset *set;
    assigned *by_node;
    workqueue *q;
    pthread_t worker;
    bool running;
} ipam;

/* Under the lock. */
static assigned *find(ipam *p, const char *node)
{
    assigned *a;
    HASH_FIND_STR(p->by_node, node, a);
    return a;
}

static void release(ipam *p, assigned *a)
{
    cidrset_release(p->set, a->cidr);
    HASH_DEL(p->by_node, a);
    free(a->node);
    free(a->cidr);
    free(a);
}

static void record(ipam *p, const char *node, char *cidr)
{
    assigned *a = xcalloc(1, sizeof(*a));
    a->node = xstrdup(node);
    a->cidr = cidr;
    HASH_ADD_KEYPTR(hh, p->by_node, a->node, strlen(a->node), a);
}

/* A node as it is now: record the subnet it holds, or queue it for one. */
static void node_seen(ipam *p, json_object *node)
{
    const char *name = mk_json_str(node, "metadata.name");
    const char *cidr = mk_json_str(node, "spec.podCIDR");
    if (!name)
        return;
    pthread_mutex_lock(&p->mu);
    assigned *a = find(p, name);
    if (!cidr || !*cidr) {
        if (!a) /* else: our patch is on its way back through the watch */
            workqueue_add(p->q, name);
    } else if (!a || strcmp(a->cidr, cidr) != 0) {
        if (a)
            release(p, a); /* changed by someone else: the node's word counts */
        mk_err err = {0};
        if (cidrset_occupy(p->set, cidr, &err) == 0)
            record(p, name, xstrdup(cidr));
        else
            mk_log("nodeipam: node %s: podCIDR %s: %s", name, cidr, err.msg);
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
    assigned *a = find(p, name);
    if (a) {
        mk_log("nodeipam: node %s deleted: %s released", name, a->cidr);
        release(p, a);
    }
    pthread_mutex_unlock(&p->mu);
}

static void assign(ipam *p, const char *name)
{
    json_object *node = informer_get(p->nodes, NULL, name);
    if (!node)
        return;
    const char *cur = mk_json_str(node, "spec.podCIDR");
    bool has = cur && *cur;
    json_object_put(node);
    mk_err err = {0};
    _cleanup_free_ char *cidr = NULL;
    pthread_mutex_lock(&p->mu);
    int rc = has || find(p, name) ? 1 : cidrset_allocate(p->set, &cidr, &err);
    if (rc == 0)
        record(p, name, xstrdup(cidr));
    pthread_mutex_unlock(&p->mu);
    if (rc > 0)
        return;
    if (rc < 0) {
        mk_log("nodeipam: node %s: %s", name, err.msg);
        workqueue_add_after(p->q, name, IPAM_FULL_RETRY_MS);
        return;
    }
    _cleanup_free_ char *patch =
        xasprintf("{\"spec\":{\"podCIDR\":\"%s\",\"podCIDRs\":[\"%s\"]}}", cidr, cidr);
    if (client_patch(manager_client(p->m), kind_by_kind("Node"), NULL, name, NULL, patch, NULL,
                     &err) < 0) {
        pthread_mutex_lock(&p->mu);
        assigned *a = find(p, name);
        if (a)
            release(p, a);
        pthread_mutex_unlock(&p->mu);
        if (err.code != ENOENT) {
            mk_log("nodeipam: node %s: cannot set podCIDR %s: %s (will retry)", name, cidr,
                   err.msg);
            workqueue_add_after(p->q, name, IPAM_RETRY_MS);
        }
        return;
    }
    mk_log("nodeipam: node %s: podCIDR %s", name, cidr);
}

static void *worker(void *arg)
{
    ipam *p = arg;
    if (!manager_wait_synced(p->m)) /* what is taken is known only then */
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
    HASH_ITER(hh, p->by_node, a, tmp)
    {
        HASH_DEL(p->by_node, a);
        free(a->node);
        free(a->cidr);
        free(a);
    }
    cidrset_free(p->set);
    workqueue_free(p->q);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

static int nodeipam_start(manager *m, void **state, mk_err *err)
{
    const manager_config *cfg = manager_cfg(m);
    cidrset *set;
    if (cidrset_new(cfg->cluster_cidr, cfg->node_cidr_mask_size, &set, err) < 0)
        return -err->code;
    ipam *p = xcalloc(1, sizeof(*p));
    p->m = m;
    p->set = set;
    pthread_mutex_init(&p->mu, NULL);
    p->q = workqueue_new();
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
