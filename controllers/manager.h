/* manager.h - mk-controller-manager's frame: the controllers it knows,
 * the informers they share, and their start and stop.
 *
 * A controller is a name and two functions. start() runs before any
 * informer does: it subscribes to the shared informers it needs
 * (manager_informer) and starts its own threads. stop() runs after the
 * stop flag is set and after every informer handler has returned for the
 * last time; it joins its threads (which may still read the informers)
 * and frees its state.
 *
 * To add a controller: write controllers/<name>.c with a
 * `const mk_controller <name>_controller`, declare it in controllers.h and
 * list it in manager.c's builtin table.
 */
#ifndef MK_CONTROLLERS_MANAGER_H
#define MK_CONTROLLERS_MANAGER_H

#include <stdbool.h>
#include <stddef.h>

#include "store/client.h"
#include "store/error.h"
#include "store/events.h"
#include "store/informer.h"
#include "store/kinds.h"

typedef struct manager_config {
    int node_monitor_grace_s;       /* 40 */
    int pod_eviction_timeout_s;     /* 300 */
    const char *cluster_cidr;       /* "10.244.0.0/16" */
    int node_cidr_mask_size;        /* 24 */
    int hpa_sync_period_s;          /* 15 */
    const char *ingress_listen;     /* "127.0.0.1:8080"; NULL: no ingress nginx */
    const char *ingress_address;    /* in Ingress status and hosts; NULL: listen's */
    const char *ingress_dir;        /* the ingress nginx's own prefix directory */
    const char *ingress_hosts_file; /* keep ingress hosts in it; NULL: none */
    const char *root_ca;            /* PEM text published as kube-root-ca.crt; NULL: "" */
} manager_config;

typedef struct manager manager;

typedef struct mk_controller {
    const char *name;
    int (*start)(manager *m, void **state, mk_err *err);
    void (*stop)(void *state);
} mk_controller;

/* The controllers compiled in, in start order. */
const mk_controller *const *manager_builtin(size_t *n);

manager *manager_new(mk_client *c, const manager_config *cfg);
void manager_free(manager *m);
/* Choose the controllers: "all", or names separated by commas. EINVAL
 * naming an unknown one. */
int manager_enable(manager *m, const char *list, mk_err *err);
/* Start the enabled controllers, then the informers; run until *stop;
 * then stop everything. */
int manager_run(manager *m, volatile bool *stop, mk_err *err);

/* For controllers. */
mk_client *manager_client(manager *m);
/* The recorder controllers write their Events through (may be NULL). */
mk_recorder *manager_recorder(manager *m);
const manager_config *manager_cfg(manager *m);
/* True once the manager is stopping; controller threads poll it. */
bool manager_is_stopping(manager *m);
/* The shared informer of a kind (all namespaces, no selectors), created
 * on first use; handlers (may be NULL) are added to its subscribers.
 * Only from start(). The informer belongs to the manager. */
mk_informer *manager_informer(manager *m, const mk_kind *k, const mk_informer_handlers *h,
                              void *ctx);
/* Wait until every controller has started and every shared informer has
 * synced; false if stopping. Workers call it before touching a cache. */
bool manager_wait_synced(manager *m);

#endif
