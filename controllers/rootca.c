/* rootca.c - every namespace has the ConfigMap kube-root-ca.crt, holding
 * the CA that verifies the API server (data ca.crt), as Kubernetes'
 * root-ca-cert-publisher keeps it: made when the namespace appears, put
 * back when it is edited or deleted. Pods' kube-api-access volumes project
 * it as ca.crt (store/server/satoken.h), so a client in a pod verifies the
 * server it reaches through the kubernetes Service.
 *
 * The CA is mk-controller-manager's --root-ca-file, else the
 * --certificate-authority it trusts itself; on a plain http server there
 * is none, and ca.crt is empty, as Kubernetes publishes it then.
 */
#include <errno.h>
#include <string.h>

#include "controllers/controllers.h"
#include "controllers/objkey.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/util.h"

#define RETRY_MS 1000
#define NAME     "kube-root-ca.crt"
#define KEY      "ca.crt"
#define DESCRIPTION                                                                            \
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal "  \
    "endpoints such as the internal service IP or kubernetes.default.svc. No other usage is "  \
    "guaranteed across distributions of Kubernetes clusters."

typedef struct rootca {
    objkey_loop loop; /* keys: namespaces */
    mk_informer *maps;
    const char *ca;
} rootca;

static json_object *new_map(const char *ca)
{
    json_object *cm = json_object_new_object();
    json_object_object_add(cm, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(cm, "kind", json_object_new_string("ConfigMap"));
    json_object *md = mk_json_ensure(cm, "metadata");
    json_object_object_add(md, "name", json_object_new_string(NAME));
    json_object_object_add(mk_json_ensure(md, "annotations"), "kubernetes.io/description",
                           json_object_new_string(DESCRIPTION));
    json_object_object_add(mk_json_ensure(cm, "data"), KEY, json_object_new_string(ca));
    return cm;
}

static int sync_ns(void *ctx, json_object *nso, int64_t *requeue_ms, mk_err *err)
{
    rootca *c = ctx;
    (void)requeue_ms;
    const char *ns = mk_json_str(nso, "metadata.name") ?: "";
    if (!objkey_ns_active(nso))
        return 0;
    json_object *have = informer_get(c->maps, ns, NAME);
    json_object *data = mk_json_path(have, "data");
    const char *now = mk_json_str(data, KEY);
    bool right = now && !strcmp(now, c->ca) && json_object_object_length(data) == 1;
    int rc = 0;
    if (have && !right) { /* edited: the data goes back, the rest is kept */
        json_object_object_add(have, "data", json_object_new_object());
        json_object_object_add(mk_json_path(have, "data"), KEY, json_object_new_string(c->ca));
        rc = client_update(manager_client(c->loop.m), kind_by_kind("ConfigMap"), ns, have, NULL,
                           err);
    } else if (!have) {
        json_object *cm = new_map(c->ca);
        rc = client_create(manager_client(c->loop.m), kind_by_kind("ConfigMap"), ns, cm, NULL,
                           err);
        json_object_put(cm);
        if (rc == 0)
            mk_log("root-ca-cert-publisher: made %s/%s", ns, NAME);
    }
    json_object_put(have);
    /* Made or changed meanwhile (its event queues the namespace again), or
     * the namespace is going or gone: nothing to do. */
    return rc == -EEXIST || rc == -EACCES || rc == -ENOENT || rc == -ESTALE ? 0 : rc;
}

/* Ours was changed or deleted: its namespace's key (a Namespace is found
 * by name alone, whatever the key's namespace part says). */
static void on_map(void *ctx, json_object *cm)
{
    rootca *c = ctx;
    if (!strcmp(mk_json_str(cm, "metadata.name") ?: "", NAME))
        objkey_enqueue(c->loop.q, cm, mk_json_str(cm, "metadata.namespace"));
}

static void on_map_update(void *ctx, json_object *old, json_object *cm)
{
    (void)old;
    on_map(ctx, cm);
}

static void rootca_stop(void *state)
{
    rootca *c = state;
    objkey_loop_stop(&c->loop);
    free(c);
}

static int rootca_start(manager *m, void **state, mk_err *err)
{
    rootca *c = xcalloc(1, sizeof *c);
    c->ca = manager_cfg(m)->root_ca ?: "";
    objkey_loop_init(&c->loop, m, "Namespace", RETRY_MS, sync_ns, c);
    objkey_loop_watch(&c->loop);
    mk_informer_handlers h = {.on_update = on_map_update, .on_delete = on_map};
    c->maps = manager_informer(m, kind_by_kind("ConfigMap"), &h, c);
    if (objkey_loop_start(&c->loop, err) < 0) {
        rootca_stop(c);
        return -err->code;
    }
    *state = c;
    return 0;
}

const mk_controller rootca_controller = {
    .name = "root-ca-cert-publisher",
    .start = rootca_start,
    .stop = rootca_stop,
};
