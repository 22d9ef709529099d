#include "kubelet/localpath.h"

#include <pthread.h>
#include <time.h>
#include <string.h>

#include "kubelet/fsutil.h"
#include "kubelet/volumes.h"
#include "store/codec.h"
#include "store/informer.h"
#include "store/log.h"
#include "store/monocond.h"
#include "store/util.h"

#define PASS_EVERY_MS 5000

struct localpath {
    mk_client *client;
    char *node;
    mk_informer *pvs;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool kicked, stopping;
    pthread_t thread;
};

static bool str_is(const char *s, const char *want)
{
    return s && strcmp(s, want) == 0;
}

/* Does one of the PV's required terms pin it to node by host name? */
static bool affinity_names(json_object *pv, const char *node)
{
    json_object *terms = mk_json_path(pv, "spec.nodeAffinity.required.nodeSelectorTerms");
    for (size_t i = 0; terms && i < json_object_array_length(terms); i++) {
        json_object *exprs =
            mk_json_path(json_object_array_get_idx(terms, i), "matchExpressions");
        for (size_t j = 0; exprs && j < json_object_array_length(exprs); j++) {
            json_object *e = json_object_array_get_idx(exprs, j);
            if (!str_is(mk_json_str(e, "key"), "kubernetes.io/hostname") ||
                !str_is(mk_json_str(e, "operator"), "In"))
                continue;
            json_object *vals = mk_json_path(e, "values");
            for (size_t k = 0; vals && k < json_object_array_length(vals); k++)
                if (str_is(json_object_get_string(json_object_array_get_idx(vals, k)), node))
                    return true;
        }
    }
    return false;
}

/* A directory the provisioner made: /.../pvc-<...>, nothing relative. */
static bool provisioned_dir(const char *p)
{
    if (!p || p[0] != '/' || strstr(p, "/../") || strstr(p, "/./"))
        return false;
    const char *last = strrchr(p, '/') + 1;
    return strncmp(last, "pvc-", 4) == 0 && !strchr(last, '/');
}

bool localpath_must_delete(json_object *pv, const char *node, const char **dir)
{
    const char *by = json_object_get_string(json_object_object_get(
        mk_json_path(pv, "metadata.annotations"), "pv.kubernetes.io/provisioned-by"));
    if (!str_is(by, VOLUMES_LOCAL_PATH) ||
        !str_is(mk_json_str(pv, "spec.persistentVolumeReclaimPolicy"), "Delete") ||
        !str_is(mk_json_str(pv, "status.phase"), "Released") || !affinity_names(pv, node) ||
        mk_json_path(pv, "metadata.deletionTimestamp"))
        return false;
    if (dir) {
        const char *p = mk_json_str(pv, "spec.hostPath.path");
        if (!p)
            p = mk_json_str(pv, "spec.local.path");
        *dir = provisioned_dir(p) ? p : NULL;
    }
    return true;
}

/* What one pass removes: PV names and directories, copied out of the
 * cache (the informer's objects stay on its side). */
typedef struct todo {
    const char *node;
    char **names, **dirs;
    size_t n;
} todo;

static int collect(void *ctx, json_object *pv)
{
    todo *t = ctx;
    const char *dir;
    if (!localpath_must_delete(pv, t->node, &dir))
        return 0;
    t->names = xrealloc(t->names, (t->n + 1) * sizeof(*t->names));
    t->dirs = xrealloc(t->dirs, (t->n + 1) * sizeof(*t->dirs));
    t->names[t->n] = xstrdup(mk_json_str(pv, "metadata.name"));
    t->dirs[t->n++] = dir ? xstrdup(dir) : NULL;
    return 0;
}

/* Remove what must go; what fails stays for a later pass. */
static void pass(localpath *lp)
{
    todo t = {.node = lp->node};
    informer_foreach(lp->pvs, collect, &t);
    for (size_t i = 0; i < t.n; i++) {
        mk_err err = {0};
        if (!t.dirs[i])
            mk_log("persistentvolume %s: not a provisioned directory: left on disk",
                   t.names[i]);
        if (t.dirs[i] && fsu_rm_rf(t.dirs[i], &err) < 0) {
            mk_log("persistentvolume %s: %s (will retry)", t.names[i], err.msg);
        } else if (client_delete(lp->client, kind_by_kind("PersistentVolume"), NULL, t.names[i],
                                 NULL, &err) < 0 &&
                   err.code != ENOENT) {
            mk_log("persistentvolume %s: delete: %s (will retry)", t.names[i], err.msg);
        } else {
            mk_log("persistentvolume %s deleted (%s removed)", t.names[i],
                   t.dirs[i] ? t.dirs[i] : "nothing");
        }
        free(t.names[i]);
        free(t.dirs[i]);
    }
    free(t.names);
    free(t.dirs);
}

static void *loop(void *arg)
{
    localpath *lp = arg;
    pthread_mutex_lock(&lp->mu);
    while (!lp->stopping) {
        if (!lp->kicked) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            ts.tv_sec += PASS_EVERY_MS / 1000;
            pthread_cond_timedwait(&lp->cond, &lp->mu, &ts);
        }
        if (lp->stopping)
            break;
        lp->kicked = false;
        pthread_mutex_unlock(&lp->mu);
        /* a timed pass retries what failed; with nothing to do it only
         * walks the cache */
        if (informer_synced(lp->pvs))
            pass(lp);
        pthread_mutex_lock(&lp->mu);
    }
    pthread_mutex_unlock(&lp->mu);
    return NULL;
}

static void kick(localpath *lp)
{
    pthread_mutex_lock(&lp->mu);
    lp->kicked = true;
    pthread_cond_signal(&lp->cond);
    pthread_mutex_unlock(&lp->mu);
}

static void on_add(void *ctx, json_object *pv)
{
    localpath *lp = ctx;
    if (localpath_must_delete(pv, lp->node, NULL))
        kick(lp);
}

static void on_update(void *ctx, json_object *old, json_object *pv)
{
    (void)old;
    on_add(ctx, pv);
}

int localpath_start(mk_client *c, const char *node, localpath **out, mk_err *err)
{
    *out = NULL;
    const mk_kind *k = kind_by_kind("PersistentVolume");
    if (!k)
        return 0;
    localpath *lp = xcalloc(1, sizeof(*lp));
    lp->client = c;
    lp->node = xstrdup(node);
    pthread_mutex_init(&lp->mu, NULL);
    monocond_init(&lp->cond);
    static const mk_informer_handlers h = {.on_add = on_add, .on_update = on_update};
    lp->pvs = informer_new(c, k, NULL, NULL, NULL, &h, lp);
    if (informer_start(lp->pvs, err) < 0 || pthread_create(&lp->thread, NULL, loop, lp) != 0) {
        informer_free(lp->pvs);
        pthread_cond_destroy(&lp->cond);
        pthread_mutex_destroy(&lp->mu);
        free(lp->node);
        free(lp);
        return err->code ? -err->code : mk_error(err, EAGAIN, "cannot start a thread");
    }
    *out = lp;
    return 0;
}

void localpath_stop(localpath *lp)
{
    if (!lp)
        return;
    pthread_mutex_lock(&lp->mu);
    lp->stopping = true;
    pthread_cond_signal(&lp->cond);
    pthread_mutex_unlock(&lp->mu);
    pthread_join(lp->thread, NULL);
    informer_free(lp->pvs);
    pthread_cond_destroy(&lp->cond);
    pthread_mutex_destroy(&lp->mu);
    free(lp->node);
    free(lp);
}
