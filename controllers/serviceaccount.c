/* serviceaccount.c - every namespace has a ServiceAccount named "default",
 * as Kubernetes' serviceaccounts-controller makes it: made when the
 * namespace appears, made again when it is deleted. (minik8s mounts no
 * service account tokens: requests are authorized by their token's role,
 * docs/apiserver.md; the accounts are there so that manifests naming them
 * apply as they do elsewhere.)
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "controllers/controllers.h"
#include "controllers/workqueue.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/util.h"

#define RETRY_MS 1000
#define DEFAULT_SA "default"

typedef struct sactl {
    manager *m;
    workqueue *q;
    mk_informer *namespaces, *accounts;
    pthread_t worker;
    bool started;
} sactl;

static int sync_ns(void *ctx, const char *ns, int64_t *requeue_ms, mk_err *err)
{
    sactl *c = ctx;
    (void)requeue_ms;
    json_object *nso = informer_get(c->namespaces, NULL, ns);
    bool active = nso && !mk_json_str(nso, "metadata.deletionTimestamp") &&
                  strcmp(mk_json_str(nso, "status.phase") ?: "", "Terminating") != 0;
    json_object_put(nso);
    json_object *have = active ? informer_get(c->accounts, ns, DEFAULT_SA) : NULL;
    if (!active || have) {
        json_object_put(have);
        return 0;
    }
    json_object *sa = json_object_new_object();
    json_object_object_add(sa, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(sa, "kind", json_object_new_string("ServiceAccount"));
    json_object *md = mk_json_ensure(sa, "metadata");
    json_object_object_add(md, "name", json_object_new_string(DEFAULT_SA));
    int rc = client_create(manager_client(c->m), kind_by_kind("ServiceAccount"), ns, sa, NULL,
                           err);
    json_object_put(sa);
    if (rc == 0)
        mk_log("serviceaccount: made %s/%s", ns, DEFAULT_SA);
    /* Made meanwhile, or the namespace is going or gone: nothing to do. */
    return rc == -EEXIST || rc == -EACCES || rc == -ENOENT ? 0 : rc;
}

static void on_namespace(void *ctx, json_object *ns)
{
    sactl *c = ctx;
    workqueue_add(c->q, mk_json_str(ns, "metadata.name") ?: "");
}

static void on_namespace_update(void *ctx, json_object *old, json_object *ns)
{
    (void)old;
    on_namespace(ctx, ns);
}

static void on_account_delete(void *ctx, json_object *sa)
{
    sactl *c = ctx;
    if (!strcmp(mk_json_str(sa, "metadata.name") ?: "", DEFAULT_SA))
        workqueue_add(c->q, mk_json_str(sa, "metadata.namespace") ?: "");
}

static void *worker(void *arg)
{
    sactl *c = arg;
    if (manager_wait_synced(c->m))
        workqueue_process(c->q, "serviceaccount", RETRY_MS, sync_ns, c);
    return NULL;
}

static void sactl_stop(void *state)
{
    sactl *c = state;
    workqueue_close(c->q, &c->worker, c->started ? 1 : 0);
    free(c);
}

static int sactl_start(manager *m, void **state, mk_err *err)
{
    sactl *c = xcalloc(1, sizeof *c);
    c->m = m;
    c->q = workqueue_new();
    mk_informer_handlers nh = {.on_add = on_namespace, .on_update = on_namespace_update};
    mk_informer_handlers ah = {.on_delete = on_account_delete};
    c->namespaces = manager_informer(m, kind_by_kind("Namespace"), &nh, c);
    c->accounts = manager_informer(m, kind_by_kind("ServiceAccount"), &ah, c);
    if (pthread_create(&c->worker, NULL, worker, c) != 0) {
        sactl_stop(c);
        return mk_error(err, EAGAIN, "cannot start a thread");
    }
    c->started = true;
    *state = c;
    return 0;
}

const mk_controller serviceaccount_controller = {
    .name = "serviceaccount",
    .start = sactl_start,
    .stop = sactl_stop,
};
