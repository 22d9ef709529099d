/* hollow.c - kubemark-style hollow nodes; see hollow.h. */
#include "kubelet/hollow.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uthash.h>

#include "store/codec.h"
#include "store/informer.h"
#include "store/log.h"
#include "store/util.h"

#define HOLLOW_TICK_MS 100

typedef struct pod_job {
    char *ns, *name;
    bool finalize; /* deleting: confirm with grace 0, as a kubelet does */
    struct pod_job *next;
} pod_job;

typedef struct marked {
    char *uid; /* pods already reported Running (or being reported) */
    UT_hash_handle hh;
} marked;

typedef struct hollow {
    mk_client *client;
    const hollow_opts *o;
    json_object *labels;
    char **names;
    char started[32]; /* registration time: the Ready transition */
    volatile bool *stop;
    mk_informer *pods;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    pod_job *jobs, *tail;
    marked *marked;
    bool stopping;
} hollow;

static void now_rfc3339(char *buf, size_t n)
{
    mk_rfc3339(buf, n, mk_wall_ms() / 1000);
}

static int parse_labels(const char *text, json_object *labels, mk_err *err)
{
    if (!text)
        return 0;
    _cleanup_free_ char *copy = xstrdup(text);
    char *save = NULL;
    for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq || eq == kv)
            return mk_error(err, EINVAL, "labels: \"%s\" is not key=value", kv);
        *eq = '\0';
        json_object_object_add(labels, kv, json_object_new_string(eq + 1));
    }
    return 0;
}

static json_object *resources(void)
{
    json_object *r = json_object_new_object();
    json_object_object_add(r, "cpu", json_object_new_string("4"));
    json_object_object_add(r, "memory", json_object_new_string("16Gi"));
    json_object_object_add(r, "pods", json_object_new_string("110"));
    return r;
}

/* The node's status; a merge patch replaces arrays whole, so this is all
 * of it every time. */
static json_object *node_status(hollow *h)
{
    char now[32];
    now_rfc3339(now, sizeof(now));
    json_object *ready = json_object_new_object();
    json_object_object_add(ready, "type", json_object_new_string("Ready"));
    json_object_object_add(ready, "status", json_object_new_string("True"));
    json_object_object_add(ready, "reason", json_object_new_string("KubeletReady"));
    json_object_object_add(ready, "message",
                           json_object_new_string("hollow kubelet is posting ready status"));
    json_object_object_add(ready, "lastHeartbeatTime", json_object_new_string(now));
    json_object_object_add(ready, "lastTransitionTime", json_object_new_string(h->started));
    json_object *conds = json_object_new_array();
    json_object_array_add(conds, ready);
    json_object *status = json_object_new_object();
    json_object_object_add(status, "capacity", resources());
    json_object_object_add(status, "allocatable", resources());
    json_object_object_add(status, "conditions", conds);
    json_object *info = json_object_new_object();
    json_object_object_add(info, "kubeletVersion", json_object_new_string("hollow"));
    json_object_object_add(status, "nodeInfo", info);
    return status;
}

static int post_status(hollow *h, const char *name, mk_err *err)
{
    json_object *patch = json_object_new_object();
    json_object_object_add(patch, "status", node_status(h));
    int rc =
        client_patch(h->client, kind_by_kind("Node"), NULL, name, "status",
                     json_object_to_json_string_ext(patch, JSON_C_TO_STRING_PLAIN), NULL, err);
    json_object_put(patch);
    return rc;
}

static int register_node(hollow *h, const char *name, mk_err *err)
{
    json_object *node = json_object_new_object();
    json_object_object_add(node, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(node, "kind", json_object_new_string("Node"));
    json_object *md = mk_json_ensure(node, "metadata");
    json_object_object_add(md, "name", json_object_new_string(name));
    json_object *labels = NULL;
    json_object_deep_copy(h->labels, &labels, NULL);
    json_object_object_add(labels, "kubernetes.io/hostname", json_object_new_string(name));
    json_object_object_add(md, "labels", labels);
    json_object_object_add(node, "status", node_status(h));
    int rc = client_create(h->client, kind_by_kind("Node"), NULL, node, NULL, err);
    json_object_put(node);
    if (rc < 0 && err->code != EEXIST)
        return mk_error_wrap(err, "register node %s", name);
    /* The API server may drop status on create (Kubernetes does): set it. */
    if (post_status(h, name, err) < 0)
        return mk_error_wrap(err, "node %s: status", name);
    return 0;
}

typedef struct reg_slice {
    hollow *h;
    int first, step;
    int rc;
    mk_err err;
} reg_slice;

static void *register_slice(void *arg)
{
    reg_slice *s = arg;
    for (int i = s->first; i < s->h->o->count && s->rc == 0 && !*s->h->stop; i += s->step)
        s->rc = register_node(s->h, s->h->names[i], &s->err);
    return NULL;
}

static int register_all(hollow *h, int workers, mk_err *err)
{
    reg_slice *slices = xcalloc((size_t)workers, sizeof(*slices));
    pthread_t *t = xcalloc((size_t)workers, sizeof(*t));
    for (int i = 0; i < workers; i++) {
        slices[i] = (reg_slice){.h = h, .first = i, .step = workers};
        pthread_create(&t[i], NULL, register_slice, &slices[i]);
    }
    int rc = 0;
    for (int i = 0; i < workers; i++) {
        pthread_join(t[i], NULL);
        if (slices[i].rc < 0 && rc == 0) {
            rc = slices[i].rc;
            *err = slices[i].err;
        }
    }
    free(t);
    free(slices);
    return rc;
}

/* Does name belong to this set of hollow nodes? */
static bool ours(hollow *h, const char *node)
{
    size_t n = strlen(h->o->prefix);
    if (!node || strncmp(node, h->o->prefix, n) != 0)
        return false;
    if (h->o->count == 1)
        return node[n] == '\0';
    if (node[n] != '-' || !node[n + 1])
        return false;
    char *end;
    long i = strtol(node + n + 1, &end, 10);
    return *end == '\0' && i >= 0 && i < h->o->count;
}

static void push_job(hollow *h, const char *ns, const char *name, bool finalize)
{
    pod_job *j = xcalloc(1, sizeof(*j));
    j->ns = xstrdup(ns);
    j->name = xstrdup(name);
    j->finalize = finalize;
    if (h->tail)
        h->tail->next = j;
    else
        h->jobs = j;
    h->tail = j;
    pthread_cond_signal(&h->cond);
}

static void on_pod(void *ctx, json_object *pod)
{
    hollow *h = ctx;
    const char *node = mk_json_str(pod, "spec.nodeName");
    const char *uid = mk_json_str(pod, "metadata.uid");
    const char *ns = mk_json_str(pod, "metadata.namespace");
    const char *name = mk_json_str(pod, "metadata.name");
    if (!uid || !name || !ours(h, node))
        return;
    bool deleting = mk_json_path(pod, "metadata.deletionTimestamp") != NULL;
    const char *phase = mk_json_str(pod, "status.phase");
    bool running = phase && strcmp(phase, "Running") == 0;
    pthread_mutex_lock(&h->mu);
    marked *m;
    HASH_FIND_STR(h->marked, uid, m);
    if (deleting) {
        push_job(h, ns ? ns : "default", name, true);
    } else if (!m && !running) {
        m = xcalloc(1, sizeof(*m));
        m->uid = xstrdup(uid);
        HASH_ADD_KEYPTR(hh, h->marked, m->uid, strlen(m->uid), m);
        push_job(h, ns ? ns : "default", name, false);
    }
    pthread_mutex_unlock(&h->mu);
}

static void on_pod_update(void *ctx, json_object *old, json_object *pod)
{
    on_pod(ctx, pod);
}

static void on_pod_delete(void *ctx, json_object *pod)
{
    hollow *h = ctx;
    const char *uid = mk_json_str(pod, "metadata.uid");
    if (!uid)
        return;
    pthread_mutex_lock(&h->mu);
    marked *m;
    HASH_FIND_STR(h->marked, uid, m);
    if (m) {
        HASH_DEL(h->marked, m);
        free(m->uid);
        free(m);
    }
    pthread_mutex_unlock(&h->mu);
}

/* Everything a kubelet reports of a pod it started. */
static char *running_patch(void)
{
    char now[32];
    now_rfc3339(now, sizeof(now));
    json_object *conds = json_object_new_array();
    static const char *const types[] = {"Initialized", "Ready", "ContainersReady",
                                        "PodScheduled"};
    for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
        json_object *c = json_object_new_object();
        json_object_object_add(c, "type", json_object_new_string(types[i]));
        json_object_object_add(c, "status", json_object_new_string("True"));
        json_object_object_add(c, "lastTransitionTime", json_object_new_string(now));
        json_object_array_add(conds, c);
    }
    json_object *status = json_object_new_object();
    json_object_object_add(status, "phase", json_object_new_string("Running"));
    json_object_object_add(status, "conditions", conds);
    json_object_object_add(status, "startTime", json_object_new_string(now));
    json_object *patch = json_object_new_object();
    json_object_object_add(patch, "status", status);
    char *s = xstrdup(json_object_to_json_string_ext(patch, JSON_C_TO_STRING_PLAIN));
    json_object_put(patch);
    return s;
}

static void run_job(hollow *h, pod_job *j)
{
    mk_err err = {0};
    if (j->finalize) {
        _cleanup_free_ char *path =
            xasprintf("/api/v1/namespaces/%s/pods/%s?gracePeriodSeconds=0", j->ns, j->name);
        int status;
        char *resp = NULL;
        if (client_request(h->client, "DELETE", path, NULL, NULL, 0, &status, &resp, NULL, NULL,
                           &err) < 0 &&
            err.code != ENOENT)
            mk_log("hollow: pod %s/%s: delete: %s", j->ns, j->name, err.msg);
        free(resp);
        return;
    }
    _cleanup_free_ char *patch = running_patch();
    if (client_patch(h->client, kind_by_kind("Pod"), j->ns, j->name, "status", patch, NULL,
                     &err) < 0 &&
        err.code != ENOENT)
        mk_log("hollow: pod %s/%s: status: %s", j->ns, j->name, err.msg);
}

static void *pod_worker(void *arg)
{
    hollow *h = arg;
    pthread_mutex_lock(&h->mu);
    for (;;) {
        while (!h->jobs && !h->stopping)
            pthread_cond_wait(&h->cond, &h->mu);
        if (h->stopping)
            break;
        pod_job *j = h->jobs;
        h->jobs = j->next;
        if (!h->jobs)
            h->tail = NULL;
        pthread_mutex_unlock(&h->mu);
        run_job(h, j);
        free(j->ns);
        free(j->name);
        free(j);
        pthread_mutex_lock(&h->mu);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

/* One thread: every tick, the next slice of nodes, so that each node is
 * heartbeated once per interval and the writes are spread evenly. */
static void heartbeat_loop(hollow *h)
{
    int interval_ms = (h->o->heartbeat_s > 0 ? h->o->heartbeat_s : 10) * 1000;
    int ticks = interval_ms / HOLLOW_TICK_MS;
    int per_tick = (h->o->count + ticks - 1) / ticks;
    int next = 0;
    int64_t due = mk_now_ns();
    while (!*h->stop) {
        due += (int64_t)HOLLOW_TICK_MS * 1000000;
        for (int i = 0; i < per_tick && !*h->stop; i++) {
            mk_err err = {0};
            /* A deleted node registers again, as a kubelet's does. */
            if (post_status(h, h->names[next], &err) < 0 && err.code == ENOENT &&
                register_node(h, h->names[next], &err) == 0)
                mk_log("hollow: node %s registered again", h->names[next]);
            else if (err.code)
                mk_debug("hollow: node %s heartbeat: %s", h->names[next], err.msg);
            next = (next + 1) % h->o->count;
        }
        int64_t left = due - mk_now_ns();
        if (left > 0)
            usleep((useconds_t)(left / 1000));
    }
}

static void hollow_free(hollow *h)
{
    for (int i = 0; h->names && i < h->o->count; i++)
        free(h->names[i]);
    free(h->names);
    json_object_put(h->labels);
    marked *m, *tmp;
    HASH_ITER(hh, h->marked, m, tmp)
    {
        HASH_DEL(h->marked, m);
        free(m->uid);
        free(m);
    }
    while (h->jobs) {
        pod_job *j = h->jobs;
        h->jobs = j->next;
        free(j->ns);
        free(j->name);
        free(j);
    }
    pthread_cond_destroy(&h->cond);
    pthread_mutex_destroy(&h->mu);
}

int hollow_run_opts(mk_client *c, const hollow_opts *o, volatile bool *stop, mk_err *err)
{
    if (!o->prefix || !*o->prefix || o->count < 1)
        return mk_error(err, EINVAL, "hollow nodes: need a name prefix and a count >= 1");
    hollow h = {.client = c, .o = o, .stop = stop, .labels = json_object_new_object()};
    pthread_mutex_init(&h.mu, NULL);
    pthread_cond_init(&h.cond, NULL);
    now_rfc3339(h.started, sizeof(h.started));
    int rc = parse_labels(o->labels, h.labels, err);
    h.names = xcalloc((size_t)o->count, sizeof(*h.names));
    for (int i = 0; i < o->count; i++) {
        h.names[i] = o->count == 1 ? xstrdup(o->prefix) : xasprintf("%s-%d", o->prefix, i);
        if (rc == 0 && !mk_is_dns1123_subdomain(h.names[i]))
            rc = mk_error(err, EINVAL, "hollow nodes: \"%s\" is not a valid node name",
                          h.names[i]);
    }
    int workers = o->workers > 0 ? o->workers : 4;
    if (rc == 0)
        rc = register_all(&h, workers, err);
    if (rc < 0) {
        hollow_free(&h);
        return rc;
    }
    mk_log("hollow: %d node(s) %s%s registered", o->count, o->prefix, o->count > 1 ? "-*" : "");

    mk_informer_handlers ph = {
        .on_add = on_pod, .on_update = on_pod_update, .on_delete = on_pod_delete};
    h.pods = informer_new(c, kind_by_kind("Pod"), NULL, NULL, NULL, &ph, &h);
    pthread_t *t = xcalloc((size_t)workers, sizeof(*t));
    int started = 0;
    for (int i = 0; i < workers; i++)
        if (pthread_create(&t[started], NULL, pod_worker, &h) == 0)
            started++;
    rc = informer_start(h.pods, err);
    if (rc == 0)
        heartbeat_loop(&h);
    pthread_mutex_lock(&h.mu);
    h.stopping = true;
    pthread_cond_broadcast(&h.cond);
    pthread_mutex_unlock(&h.mu);
    for (int i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    free(t);
    informer_free(h.pods);
    hollow_free(&h);
    return rc;
}

int hollow_run(mk_client *c, const char *prefix, int count, const char *labels,
               volatile bool *stop, mk_err *err)
{
    hollow_opts o = {.prefix = prefix, .count = count, .labels = labels};
    return hollow_run_opts(c, &o, stop, err);
}
