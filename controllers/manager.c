#include "controllers/manager.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "controllers/controllers.h"
#include "store/log.h"
#include "store/util.h"

static const mk_controller *const builtin[] = {
    &nodeipam_controller,    &nodelifecycle_controller,    &endpoints_controller,
    &replicaset_controller,  &garbagecollector_controller, &hpa_controller,
    &ingress_controller,     &function_controller,         &job_controller,
    &deployment_controller,  &daemonset_controller,        &cronjob_controller,
    &statefulset_controller, &volume_controller,           &volumeprotection_controller,
    &disruption_controller,  &serviceaccount_controller,   &resourcequota_controller,
    &rootca_controller,
};

typedef struct subscriber {
    mk_informer_handlers h;
    void *ctx;
} subscriber;

typedef struct shared {
    manager *m;
    const mk_kind *kind;
    mk_informer *inf;
    subscriber *subs;
    size_t nsubs;
} shared;

struct manager {
    mk_client *client;
    mk_recorder *rec;
    manager_config cfg;
    bool enabled[ARRAY_SIZE(builtin)];
    void *state[ARRAY_SIZE(builtin)];
    bool started[ARRAY_SIZE(builtin)];
    shared **informers;
    size_t ninformers;
    /* Handlers run under the read side; stopping takes the write side, so
     * once it has it no handler runs again and controllers can go. */
    pthread_rwlock_t handlers_lock;
    bool muted;
    /* Set once every controller has registered its informers and they run:
     * until then m->informers may still be reallocated by manager_informer,
     * so workers must not walk it. */
    atomic_bool running;
    atomic_bool stopping;
};

const mk_controller *const *manager_builtin(size_t *n)
{
    *n = ARRAY_SIZE(builtin);
    return builtin;
}

manager *manager_new(mk_client *c, const manager_config *cfg)
{
    manager *m = xcalloc(1, sizeof(*m));
    m->client = c;
    m->rec = recorder_new(c, "mk-controller-manager", NULL);
    m->cfg = *cfg;
    pthread_rwlock_init(&m->handlers_lock, NULL);
    return m;
}

void manager_free(manager *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->ninformers; i++) {
        informer_free(m->informers[i]->inf);
        free(m->informers[i]->subs);
        free(m->informers[i]);
    }
    free(m->informers);
    recorder_free(m->rec);
    pthread_rwlock_destroy(&m->handlers_lock);
    free(m);
}

int manager_enable(manager *m, const char *list, mk_err *err)
{
    memset(m->enabled, 0, sizeof(m->enabled));
    if (!list || strcmp(list, "all") == 0 || strcmp(list, "*") == 0) {
        for (size_t i = 0; i < ARRAY_SIZE(builtin); i++)
            m->enabled[i] = true;
        return 0;
    }
    _cleanup_free_ char *copy = xstrdup(list);
    char *save = NULL;
    for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        size_t i;
        for (i = 0; i < ARRAY_SIZE(builtin); i++)
            if (strcmp(builtin[i]->name, name) == 0)
                break;
        if (i == ARRAY_SIZE(builtin)) {
            mk_buf known = {0};
            for (size_t j = 0; j < ARRAY_SIZE(builtin); j++)
                mk_buf_printf(&known, "%s%s", j ? "," : "", builtin[j]->name);
            int rc = mk_error(err, EINVAL, "unknown controller \"%s\" (known: %s)", name,
                              known.data);
            mk_buf_free(&known);
            return rc;
        }
        m->enabled[i] = true;
    }
    return 0;
}

mk_client *manager_client(manager *m)
{
    return m->client;
}

mk_recorder *manager_recorder(manager *m)
{
    return m->rec;
}

const manager_config *manager_cfg(manager *m)
{
    return &m->cfg;
}

bool manager_is_stopping(manager *m)
{
    return atomic_load(&m->stopping);
}

/* Fan each informer event out to its subscribers. */
#define DISPATCH(sh, field, ...)                                                               \
    do {                                                                                       \
        pthread_rwlock_rdlock(&(sh)->m->handlers_lock);                                        \
        for (size_t i = 0; !(sh)->m->muted && i < (sh)->nsubs; i++)                            \
            if ((sh)->subs[i].h.field)                                                         \
                (sh)->subs[i].h.field((sh)->subs[i].ctx, __VA_ARGS__);                         \
        pthread_rwlock_unlock(&(sh)->m->handlers_lock);                                        \
    } while (0)

static void on_add(void *ctx, json_object *obj)
{
    DISPATCH((shared *)ctx, on_add, obj);
}

static void on_update(void *ctx, json_object *old, json_object *obj)
{
    DISPATCH((shared *)ctx, on_update, old, obj);
}

static void on_delete(void *ctx, json_object *obj)
{
    DISPATCH((shared *)ctx, on_delete, obj);
}

static void on_connection(void *ctx, bool connected, const char *why)
{
    shared *sh = ctx;
    if (!connected)
        mk_log("%s watch lost: %s (retrying)", sh->kind->resource, why ? why : "?");
    DISPATCH(sh, on_connection, connected, why);
}

static void on_synced_any(void *ctx)
{
    shared *sh = ctx;
    pthread_rwlock_rdlock(&sh->m->handlers_lock);
    for (size_t i = 0; !sh->m->muted && i < sh->nsubs; i++)
        if (sh->subs[i].h.on_synced)
            sh->subs[i].h.on_synced(sh->subs[i].ctx);
    pthread_rwlock_unlock(&sh->m->handlers_lock);
}

mk_informer *manager_informer(manager *m, const mk_kind *k, const mk_informer_handlers *h,
                              void *ctx)
{
    shared *sh = NULL;
    for (size_t i = 0; i < m->ninformers && !sh; i++)
        if (m->informers[i]->kind == k)
            sh = m->informers[i];
    if (!sh) {
        sh = xcalloc(1, sizeof(*sh));
        sh->m = m;
        sh->kind = k;
        mk_informer_handlers fan = {.on_add = on_add,
                                    .on_update = on_update,
                                    .on_delete = on_delete,
                                    .on_synced = on_synced_any,
                                    .on_connection = on_connection};
        sh->inf = informer_new(m->client, k, NULL, NULL, NULL, &fan, sh);
        m->informers = xrealloc(m->informers, (m->ninformers + 1) * sizeof(*m->informers));
        m->informers[m->ninformers++] = sh;
    }
    if (h) {
        sh->subs = xrealloc(sh->subs, (sh->nsubs + 1) * sizeof(*sh->subs));
        sh->subs[sh->nsubs++] = (subscriber){*h, ctx};
    }
    return sh->inf;
}

bool manager_wait_synced(manager *m)
{
    while (!atomic_load(&m->running))
        if (atomic_load(&m->stopping))
            return false;
        else
            usleep(10 * 1000);
    for (size_t i = 0; i < m->ninformers; i++)
        while (!informer_wait_synced(m->informers[i]->inf, 200))
            if (atomic_load(&m->stopping))
                return false;
    return !atomic_load(&m->stopping);
}

static void stop_all(manager *m)
{
    atomic_store(&m->stopping, true);
    pthread_rwlock_wrlock(&m->handlers_lock);
    m->muted = true;
    pthread_rwlock_unlock(&m->handlers_lock);
    for (size_t i = ARRAY_SIZE(builtin); i-- > 0;)
        if (m->started[i]) {
            builtin[i]->stop(m->state[i]);
            m->started[i] = false;
            mk_log("%s: stopped", builtin[i]->name);
        }
}

int manager_run(manager *m, volatile bool *stop, mk_err *err)
{
    int rc = 0;
    for (size_t i = 0; i < ARRAY_SIZE(builtin) && rc == 0; i++) {
        if (!m->enabled[i])
            continue;
        rc = builtin[i]->start(m, &m->state[i], err);
        if (rc < 0)
            mk_error_wrap(err, "controller %s", builtin[i]->name);
        else {
            m->started[i] = true;
            mk_log("%s: started", builtin[i]->name);
        }
    }
    for (size_t i = 0; i < m->ninformers && rc == 0; i++)
        rc = informer_start(m->informers[i]->inf, err);
    if (rc == 0)
        atomic_store(&m->running, true);
    while (rc == 0 && !*stop)
        usleep(100 * 1000);
    stop_all(m);
    return rc;
}
