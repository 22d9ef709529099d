/* serviceaccount.c - every namespace has a ServiceAccount named "default",
 * as Kubernetes' serviceaccounts-controller makes it: made when the
 * namespace appears, made again when it is deleted. Pods run as it unless
 * they name another; their token volume is store/server/satoken.h's.
 */
#include <errno.h>
#include <string.h>

#include "controllers/controllers.h"
#include "controllers/objkey.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/util.h"

#define RETRY_MS   1000
#define DEFAULT_SA "default"

typedef struct sactl {
    objkey_loop loop; /* keys: namespaces */
    mk_informer *accounts;
} sactl;

static int sync_ns(void *ctx, json_object *nso, int64_t *requeue_ms, mk_err *err)
{
    sactl *c = ctx;
    (void)requeue_ms;
    const char *ns = mk_json_str(nso, "metadata.name") ?: "";
    bool active = objkey_ns_active(nso);
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
    int rc = client_create(manager_client(c->loop.m), kind_by_kind("ServiceAccount"), ns, sa,
                           NULL, err);
    json_object_put(sa);
    if (rc == 0)
        mk_log("serviceaccount: made %s/%s", ns, DEFAULT_SA);
    /* Made meanwhile, or the namespace is going or gone: nothing to do. */
    return rc == -EEXIST || rc == -EACCES || rc == -ENOENT ? 0 : rc;
}

/* The default account went: its namespace's key (a Namespace is found by
 * name alone, whatever the key's namespace part says). */
static void on_account_delete(void *ctx, json_object *sa)
{
    sactl *c = ctx;
    if (!strcmp(mk_json_str(sa, "metadata.name") ?: "", DEFAULT_SA))
        objkey_enqueue(c->loop.q, sa, mk_json_str(sa, "metadata.namespace"));
}

static void sactl_stop(void *state)
{
    sactl *c = state;
    objkey_loop_stop(&c->loop);
    free(c);
}

static int sactl_start(manager *m, void **state, mk_err *err)
{
    sactl *c = xcalloc(1, sizeof *c);
    objkey_loop_init(&c->loop, m, "Namespace", RETRY_MS, sync_ns, c);
    objkey_loop_watch(&c->loop);
    mk_informer_handlers ah = {.on_delete = on_account_delete};
    c->accounts = manager_informer(m, kind_by_kind("ServiceAccount"), &ah, c);
    if (objkey_loop_start(&c->loop, err) < 0) {
        sactl_stop(c);
        return -err->code;
    }
    *state = c;
    return 0;
}

const mk_controller serviceaccount_controller = {
    .name = "serviceaccount",
    .start = sactl_start,
    .stop = sactl_stop,
};
