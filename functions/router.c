/* router.c - mk-router's core (see router.h). */
#include "functions/router.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <uthash.h>

#include "functions/autoscaler.h"
#include "functions/workflow.h"
#include "store/codec.h"
#include "store/informer.h"

#define CONNECT_RETRY_MS 20
#define CALL_SLACK_MS    5000 /* beyond the function's own timeout */
#define CURL_POOL        64

typedef struct pod {
    char url[96]; /* http://IP:PORT/ */
    int inflight;
} pod;

typedef struct fnstate {
    char *key; /* ns/name */
    bool exists;
    pod *pods;
    int npods;
    int inflight; /* calls in the router for it, queued ones included */
    int waiting;
    double area; /* integral of inflight over the current tick, ms */
    int64_t last_change_ms, last_call_ms, calls;
    int64_t timeout_ms;
    kpa_config cfg;
    kpa kpa;
    kpa_decision last;
    int64_t written; /* the desiredReplicas last written; -1: none */
    bool written_panic;
    UT_hash_handle hh;
} fnstate;

struct router {
    router_config cfg;
    mk_client *c;
    mk_informer *fns, *eps, *wfs;
    pthread_mutex_t lock;
    pthread_cond_t changed; /* endpoints changed */
    fnstate *table;
    pthread_t ticker;
    bool ticker_started;
    volatile bool stop;
    pthread_mutex_t pool_lock;
    CURL *pool[CURL_POOL];
    int npool;
};

/* ---- the table (under r->lock) ---- */

static fnstate *state_get(router *r, const char *ns, const char *name, bool create)
{
    _cleanup_free_ char *key = xasprintf("%s/%s", ns ?: "default", name);
    fnstate *s;
    HASH_FIND_STR(r->table, key, s);
    if (!s && create) {
        s = xcalloc(1, sizeof(*s));
        s->key = steal_pointer(&key);
        s->written = -1;
        s->last_change_ms = mk_now_ms();
        kpa_init(&s->kpa, 0);
        HASH_ADD_KEYPTR(hh, r->table, s->key, strlen(s->key), s);
    }
    return s;
}

static void set_pods(fnstate *s, json_object *ep)
{
    pod *old = s->pods;
    int nold = s->npods;
    s->pods = NULL;
    s->npods = 0;
    json_object *subsets = mk_json_path(ep, "subsets");
    for (size_t i = 0; subsets && i < json_object_array_length(subsets); i++) {
        json_object *ss = json_object_array_get_idx(subsets, i);
        json_object *addrs = mk_json_path(ss, "addresses");
        json_object *ports = mk_json_path(ss, "ports");
        int64_t port = ports && json_object_array_length(ports)
                           ? mk_json_int(json_object_array_get_idx(ports, 0), "port", 8080)
                           : 8080;
        for (size_t j = 0; addrs && j < json_object_array_length(addrs); j++) {
            const char *ip = mk_json_str(json_object_array_get_idx(addrs, j), "ip");
            if (!ip)
                continue;
            s->pods = xrealloc(s->pods, (size_t)(s->npods + 1) * sizeof(pod));
            pod *p = &s->pods[s->npods++];
            snprintf(p->url, sizeof(p->url), "http://%s:%lld/", ip, (long long)port);
            p->inflight = 0;
            for (int k = 0; k < nold; k++)
                if (!strcmp(old[k].url, p->url))
                    p->inflight = old[k].inflight;
        }
    }
    free(old);
}

static void set_config(router *r, fnstate *s, json_object *fn)
{
    s->exists = fn != NULL;
    if (!fn)
        return;
    s->cfg =
        (kpa_config){.stable_window_ms = r->cfg.stable_window_ms,
                     .panic_window_ms = r->cfg.panic_window_ms,
                     .target = (double)mk_json_int(fn, "spec.targetConcurrency", 10),
                     .scale_to_zero_ms = 1000 * mk_json_int(fn, "spec.scaleToZeroAfter", 30),
                     .min = mk_json_int(fn, "spec.minReplicas", 0),
                     .max = mk_json_int(fn, "spec.maxReplicas", 10)};
    s->timeout_ms = 1000 * mk_json_int(fn, "spec.timeoutSeconds", 30);
    if (s->written < 0)
        s->written = mk_json_int(fn, "status.autoscaler.desiredReplicas", s->cfg.min);
}

/* ---- informer handlers ---- */

static void on_fn(void *ctx, json_object *fn)
{
    router *r = ctx;
    const char *ns = mk_json_str(fn, "metadata.namespace"),
               *name = mk_json_str(fn, "metadata.name");
    json_object *ep = informer_get(r->eps, ns, name);
    pthread_mutex_lock(&r->lock);
    fnstate *s = state_get(r, ns, name, true);
    set_config(r, s, fn);
    if (ep)
        set_pods(s, ep);
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
    json_object_put(ep);
}
static void on_fn_update(void *ctx, json_object *old, json_object *fn)
{
    on_fn(ctx, fn);
}
static void on_fn_delete(void *ctx, json_object *fn)
{
    router *r = ctx;
    pthread_mutex_lock(&r->lock);
    fnstate *s = state_get(r, mk_json_str(fn, "metadata.namespace"),
                           mk_json_str(fn, "metadata.name"), false);
    if (s)
        s->exists = false;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
}

static void on_ep(void *ctx, json_object *ep)
{
    router *r = ctx;
    pthread_mutex_lock(&r->lock);
    fnstate *s = state_get(r, mk_json_str(ep, "metadata.namespace"),
                           mk_json_str(ep, "metadata.name"), false);
    if (s) {
        set_pods(s, ep);
        pthread_cond_broadcast(&r->changed);
    }
    pthread_mutex_unlock(&r->lock);
}
static void on_ep_update(void *ctx, json_object *old, json_object *ep)
{
    on_ep(ctx, ep);
}
static void on_ep_delete(void *ctx, json_object *ep)
{
    json_object *empty = json_object_new_object();
    json_object_object_add(empty, "metadata", json_object_get(mk_json_path(ep, "metadata")));
    on_ep(ctx, empty);
    json_object_put(empty);
}

/* ---- the autoscaler ---- */

static void integrate(fnstate *s, int64_t now)
{
    s->area += (double)s->inflight * (double)(now - s->last_change_ms);
    s->last_change_ms = now;
}

/* Write status.autoscaler; called without the lock. */
static void write_decision(router *r, const char *key, const kpa_decision *d, int64_t ready,
                           int64_t last_call_ms, const char *why)
{
    _cleanup_free_ char *ns = xstrdup(key);
    char *name = strchr(ns, '/');
    *name++ = '\0';
    char decided[40], last[40] = "";
    mk_rfc3339(decided, sizeof(decided), mk_wall_ms() / 1000);
    if (last_call_ms > 0)
        mk_rfc3339(last, sizeof(last), (mk_wall_ms() - (mk_now_ms() - last_call_ms)) / 1000);
    _cleanup_free_ char *patch = xasprintf(
        "{\"status\":{\"autoscaler\":{\"desiredReplicas\":%lld,\"stableConcurrency\":%.3f,"
        "\"panicConcurrency\":%.3f,\"mode\":\"%s\",\"readyPods\":%lld,\"reason\":\"%s\","
        "\"lastCallTime\":%s%s%s,\"decidedAt\":\"%s\"}}}",
        (long long)d->desired, d->stable, d->panic, d->panic_mode ? "panic" : "stable",
        (long long)ready, why, *last ? "\"" : "", *last ? last : "null", *last ? "\"" : "",
        decided);
    mk_err err = {0};
    if (client_patch(r->c, kind_by_kind("Function"), ns, name, "status", patch, NULL, &err) < 0)
        mk_log("autoscaler: %s: %s", key, err.msg);
    else
        mk_log("autoscaler: %s: desired %lld (%s; stable %.2f, panic %.2f, %lld ready)", key,
               (long long)d->desired, why, d->stable, d->panic, (long long)ready);
}

typedef struct pending {
    char *key;
    kpa_decision d;
    int64_t ready, last_call;
    struct pending *next;
} pending;

static void *ticker(void *arg)
{
    router *r = arg;
    int64_t prev = mk_now_ms();
    while (!r->stop) {
        struct timespec ts = {.tv_sec = r->cfg.tick_ms / 1000,
                              .tv_nsec = (r->cfg.tick_ms % 1000) * 1000000};
        nanosleep(&ts, NULL);
        int64_t now = mk_now_ms(), dt = now - prev > 0 ? now - prev : 1;
        prev = now;
        pending *todo = NULL;
        pthread_mutex_lock(&r->lock);
        fnstate *s, *tmp;
        HASH_ITER(hh, r->table, s, tmp)
        {
            if (!s->exists)
                continue;
            integrate(s, now);
            kpa_record(&s->kpa, now, s->area / (double)dt);
            s->area = 0;
            s->kpa.last = s->written > 0 ? s->written : 0;
            s->last = kpa_decide(&s->kpa, &s->cfg, now, s->npods, s->last_call_ms);
            if (s->last.desired != s->written || s->last.panic_mode != s->written_panic) {
                pending *p = xcalloc(1, sizeof(*p));
                *p = (pending){xstrdup(s->key), s->last, s->npods, s->last_call_ms, todo};
                todo = p;
                s->written = s->last.desired;
                s->written_panic = s->last.panic_mode;
            }
        }
        pthread_mutex_unlock(&r->lock);
        while (todo) {
            pending *p = todo;
            todo = p->next;
            write_decision(r, p->key, &p->d, p->ready, p->last_call,
                           p->d.panic_mode ? "panic: burst above twice the ready pods"
                                           : "stable window");
            free(p->key);
            free(p);
        }
    }
    return NULL;
}

/* ---- calls ---- */

static CURL *curl_take(router *r)
{
    pthread_mutex_lock(&r->pool_lock);
    CURL *h = r->npool ? r->pool[--r->npool] : NULL;
    pthread_mutex_unlock(&r->pool_lock);
    return h ? h : curl_easy_init();
}

static void curl_give(router *r, CURL *h)
{
    pthread_mutex_lock(&r->pool_lock);
    if (r->npool < CURL_POOL) {
        r->pool[r->npool++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&r->pool_lock);
    if (h)
        curl_easy_cleanup(h);
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    mk_buf_append(ctx, data, size * n);
    return size * n;
}

/* How a POST that failed went, for the retry decision and the log. */
typedef struct post_info {
    bool sent;      /* the request left: the handler may have run */
    bool reused;    /* over a kept-alive connection */
    double total_s; /* until the failure */
} post_info;

/* One POST to a pod: 0 with status and body, or a curl error code. */
static CURLcode post(router *r, const char *url, const char *body, size_t len,
                     int64_t timeout_ms, router_reply *out, post_info *info)
{
    CURL *h = curl_take(r);
    mk_buf resp = {0};
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    hdr = curl_slist_append(hdr, "Expect:");
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK) {
        long code = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        mk_buf_puts(&resp, "");
        out->status = (int)code;
        out->body = mk_buf_steal(&resp);
    } else {
        long req = 0, connects = 0;
        curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &req);
        curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects);
        curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &info->total_s);
        info->sent = req > 0;
        info->reused = connects == 0;
    }
    mk_buf_free(&resp);
    curl_slist_free_all(hdr);
    curl_give(r, h);
    return rc;
}

static void reply_error(router_reply *out, int status, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void reply_error(router_reply *out, int status, const char *reason, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error", json_object_new_string(msg));
    json_object_object_add(o, "reason", json_object_new_string(reason));
    out->status = status;
    out->body = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                              JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

/* The ready pod with the fewest calls in flight, below the function's
 * targetConcurrency: as Knative's activator, calls beyond what the pods
 * take wait here, so pods that become ready meanwhile share them. */
static pod *pick(fnstate *s)
{
    int64_t cap = s->cfg.target >= 1 ? (int64_t)s->cfg.target : 1;
    pod *best = NULL;
    for (int i = 0; i < s->npods; i++)
        if (s->pods[i].inflight < cap && (!best || s->pods[i].inflight < best->inflight))
            best = &s->pods[i];
    return best;
}

static void release_pod(router *r, fnstate *s, const char *url)
{
    for (int i = 0; i < s->npods; i++)
        if (!strcmp(s->pods[i].url, url) && s->pods[i].inflight > 0)
            s->pods[i].inflight--;
    pthread_cond_broadcast(&r->changed);
}

void router_call(router *r, const char *ns, const char *name, const char *body, size_t len,
                 router_reply *out)
{
    int64_t t0 = mk_now_ms(), deadline = t0 + r->cfg.queue_timeout_ms;
    out->body = NULL;
    pthread_mutex_lock(&r->lock);
    fnstate *s = state_get(r, ns, name, false);
    if (!s || !s->exists) {
        pthread_mutex_unlock(&r->lock);
        reply_error(out, 404, "NotFound", "function %s/%s not found", ns, name);
        return;
    }
    integrate(s, t0);
    s->inflight++;
    s->calls++;
    s->last_call_ms = t0;
    for (;;) {
        if (!s->exists) {
            reply_error(out, 404, "NotFound", "function %s/%s was deleted", ns, name);
            break;
        }
        pod *p = pick(s);
        if (!p) {
            if (s->npods == 0 && s->written < 1) {
                /* Scale from zero at once, without waiting for a tick. */
                kpa_decision d = {.desired = 1};
                s->written = 1;
                pthread_mutex_unlock(&r->lock);
                write_decision(r, s->key, &d, 0, t0,
                               "a call arrived with no pod: scale from zero");
                pthread_mutex_lock(&r->lock);
                continue;
            }
            if (s->waiting >= r->cfg.max_queue) {
                reply_error(out, 503, "QueueFull", "%d calls already wait for %s/%s",
                            s->waiting, ns, name);
                break;
            }
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            int64_t left = deadline - mk_now_ms();
            if (left <= 0) {
                reply_error(out, 503, "NoReadyPod",
                            "no pod of %s/%s became ready or free within %lld ms", ns, name,
                            (long long)r->cfg.queue_timeout_ms);
                break;
            }
            int64_t ns_abs = ts.tv_nsec + (left % 1000) * 1000000;
            ts.tv_sec += left / 1000 + ns_abs / 1000000000;
            ts.tv_nsec = ns_abs % 1000000000;
            s->waiting++;
            pthread_cond_timedwait(&r->changed, &r->lock, &ts);
            s->waiting--;
            continue;
        }
        p->inflight++;
        char url[sizeof(p->url)];
        memcpy(url, p->url, sizeof(url));
        int64_t timeout = s->timeout_ms + CALL_SLACK_MS;
        pthread_mutex_unlock(&r->lock);
        post_info info = {0};
        CURLcode rc = post(r, url, body, len, timeout, out, &info);
        pthread_mutex_lock(&r->lock);
        release_pod(r, s, url);
        if (rc == CURLE_OK)
            break;
        /* Refused or not answering a connect: a pod listed ready before its
         * runtime opened the port, or one going away. Nothing reached the
         * handler: try again, maybe on another pod. */
        if (!info.sent && mk_now_ms() < deadline) {
            mk_debug("%s/%s: %s: %s; trying again", ns, name, url, curl_easy_strerror(rc));
            pthread_mutex_unlock(&r->lock);
            struct timespec ts = {0, CONNECT_RETRY_MS * 1000000L};
            nanosleep(&ts, NULL);
            pthread_mutex_lock(&r->lock);
            continue;
        }
        reply_error(out, 502, "PodUnreachable", "%s (%s/%s): %s", url, ns, name,
                    curl_easy_strerror(rc));
        mk_log("%s/%s: %s: %s after %.3f s (request %s, %s connection)", ns, name, url,
               curl_easy_strerror(rc), info.total_s, info.sent ? "sent" : "not sent",
               info.reused ? "kept-alive" : "new");
        break;
    }
    integrate(s, mk_now_ms());
    s->inflight--;
    pthread_mutex_unlock(&r->lock);
}

/* ---- workflows ---- */

typedef struct wfctx {
    router *r;
    const char *ns;
} wfctx;

static int wf_task(void *ctx, const char *fn, json_object *input, json_object **output,
                   char **error)
{
    wfctx *w = ctx;
    const char *text = json_object_to_json_string_ext(input, JSON_C_TO_STRING_PLAIN);
    router_reply rep = {0};
    router_call(w->r, w->ns, fn ?: "", text, strlen(text), &rep);
    int rc = 0;
    if (rep.status != 200) {
        json_object *e = rep.body ? json_tokener_parse(rep.body) : NULL;
        const char *msg = e ? mk_json_str(e, "error") : NULL;
        *error = xasprintf("function %s: HTTP %d: %s", fn, rep.status, msg ?: rep.body ?: "");
        json_object_put(e);
        rc = -1;
    } else if (!(*output = json_tokener_parse(rep.body ?: "null")) &&
               strcmp(rep.body ?: "", "null")) {
        *error = xasprintf("function %s: the reply is not JSON", fn);
        rc = -1;
    }
    free(rep.body);
    return rc;
}

/* The run as a ConfigMap labelled with the workflow. */
static char *store_run(router *r, json_object *wf, const char *ns, json_object *rec)
{
    const char *name = mk_json_str(wf, "metadata.name");
    unsigned char rnd[4];
    mk_random_bytes(rnd, sizeof(rnd));
    char *run = xasprintf("%.40s-run-%02x%02x%02x%02x", name, rnd[0], rnd[1], rnd[2], rnd[3]);
    json_object *cm = json_object_new_object();
    json_object_object_add(cm, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(cm, "kind", json_object_new_string("ConfigMap"));
    json_object *md = json_object_new_object();
    json_object_object_add(md, "name", json_object_new_string(run));
    json_object *labels = json_object_new_object();
    json_object_object_add(labels, "minik8s.io/workflow", json_object_new_string(name));
    json_object_object_add(labels, "minik8s.io/run-status",
                           json_object_new_string(mk_json_str(rec, "status")));
    json_object_object_add(md, "labels", labels);
    json_object_object_add(cm, "metadata", md);
    mk_set_owner(cm, mk_owner_ref(wf, "minik8s.io/v1", "Workflow"));
    json_object *data = json_object_new_object();
    json_object_object_add(data, "run.json",
                           json_object_new_string(json_object_to_json_string_ext(
                               rec, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)));
    json_object_object_add(cm, "data", data);
    mk_err err = {0};
    if (client_create(r->c, kind_by_kind("ConfigMap"), ns, cm, NULL, &err) < 0)
        mk_log("workflow %s/%s: cannot record run %s: %s", ns, name, run, err.msg);
    json_object_put(cm);
    _cleanup_free_ char *patch =
        xasprintf("{\"status\":{\"lastRun\":\"%s\",\"lastRunStatus\":\"%s\"}}", run,
                  mk_json_str(rec, "status"));
    client_patch(r->c, kind_by_kind("Workflow"), ns, name, "status", patch, NULL, &err);
    return run;
}

/* Every Task's function must exist: the API server checks the structure,
 * the router the functions, when a run starts. */
static char *missing_functions(router *r, json_object *wf, const char *ns)
{
    json_object *states = mk_json_path(wf, "spec.states") ?: mk_json_path(wf, "spec.States");
    mk_buf miss = {0};
    if (!states || !json_object_is_type(states, json_type_object))
        return NULL;
    json_object_object_foreach(states, sname, st)
    {
        json_object *res = NULL;
        if (!json_object_object_get_ex(st, "resource", &res))
            json_object_object_get_ex(st, "Resource", &res);
        if (!res)
            continue;
        json_object *fn = informer_get(r->fns, ns, json_object_get_string(res));
        if (!fn)
            mk_buf_printf(&miss, "%s%s (state %s)", miss.len ? ", " : "",
                          json_object_get_string(res), sname);
        json_object_put(fn);
    }
    return miss.len ? mk_buf_steal(&miss) : NULL;
}

void router_run_workflow(router *r, const char *ns, const char *name, const char *input,
                         router_reply *out)
{
    json_object *wf = informer_get(r->wfs, ns, name);
    if (!wf) {
        reply_error(out, 404, "NotFound", "workflow %s/%s not found", ns, name);
        return;
    }
    json_object *in = json_tokener_parse(input && *input ? input : "{}");
    if (!in && strcmp(input, "null")) {
        reply_error(out, 400, "BadRequest", "the input is not JSON");
        json_object_put(wf);
        return;
    }
    _cleanup_free_ char *missing = missing_functions(r, wf, ns);
    if (missing) {
        reply_error(out, 422, "FunctionNotFound", "workflow %s/%s: no such function: %s", ns,
                    name, missing);
        json_object_put(in);
        json_object_put(wf);
        return;
    }
    wfctx w = {r, ns};
    json_object *rec = workflow_run(wf, in, r->cfg.max_steps, wf_task, &w);
    _cleanup_free_ char *run = store_run(r, wf, ns, rec);
    json_object_object_add(rec, "run", json_object_new_string(run));
    mk_log("workflow %s/%s: run %s %s", ns, name, run, mk_json_str(rec, "status"));
    out->status = 200;
    out->body = xstrdup(json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN));
    json_object_put(rec);
    json_object_put(in);
    json_object_put(wf);
}

/* ---- metrics ---- */

char *router_metrics(router *r)
{
    mk_buf b = {0};
    mk_buf_puts(&b, "# TYPE mk_router_function_desired_replicas gauge\n"
                    "# TYPE mk_router_function_ready_pods gauge\n"
                    "# TYPE mk_router_function_inflight gauge\n"
                    "# TYPE mk_router_function_stable_concurrency gauge\n"
                    "# TYPE mk_router_function_panic_concurrency gauge\n"
                    "# TYPE mk_router_function_panic_mode gauge\n"
                    "# TYPE mk_router_function_calls_total counter\n");
    pthread_mutex_lock(&r->lock);
    fnstate *s, *tmp;
    HASH_ITER(hh, r->table, s, tmp)
    {
        if (!s->exists)
            continue;
        const char *name = strchr(s->key, '/') + 1;
        char l[300];
        snprintf(l, sizeof(l), "{namespace=\"%.*s\",function=\"%s\"}", (int)(name - 1 - s->key),
                 s->key, name);
        mk_buf_printf(&b, "mk_router_function_desired_replicas%s %lld\n", l,
                      (long long)s->written);
        mk_buf_printf(&b, "mk_router_function_ready_pods%s %d\n", l, s->npods);
        mk_buf_printf(&b, "mk_router_function_inflight%s %d\n", l, s->inflight);
        mk_buf_printf(&b, "mk_router_function_stable_concurrency%s %.3f\n", l, s->last.stable);
        mk_buf_printf(&b, "mk_router_function_panic_concurrency%s %.3f\n", l, s->last.panic);
        mk_buf_printf(&b, "mk_router_function_panic_mode%s %d\n", l, s->last.panic_mode);
        mk_buf_printf(&b, "mk_router_function_calls_total%s %lld\n", l, (long long)s->calls);
    }
    pthread_mutex_unlock(&r->lock);
    return mk_buf_steal(&b);
}

/* ---- life ---- */

int router_new(mk_client *c, const router_config *cfg, router **out, mk_err *err)
{
    router *r = xcalloc(1, sizeof(*r));
    r->cfg = *cfg;
    r->c = c;
    pthread_mutex_init(&r->lock, NULL);
    pthread_mutex_init(&r->pool_lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->changed, &ca);
    pthread_condattr_destroy(&ca);
    mk_informer_handlers fh = {
        .on_add = on_fn, .on_update = on_fn_update, .on_delete = on_fn_delete};
    mk_informer_handlers eh = {
        .on_add = on_ep, .on_update = on_ep_update, .on_delete = on_ep_delete};
    r->eps = informer_new(c, kind_by_kind("Endpoints"), NULL, NULL, NULL, &eh, r);
    r->fns = informer_new(c, kind_by_kind("Function"), NULL, NULL, NULL, &fh, r);
    r->wfs = informer_new(c, kind_by_kind("Workflow"), NULL, NULL, NULL, NULL, NULL);
    if (informer_start(r->eps, err) < 0 || informer_start(r->fns, err) < 0 ||
        informer_start(r->wfs, err) < 0) {
        router_free(r);
        return -err->code;
    }
    if (pthread_create(&r->ticker, NULL, ticker, r) != 0) {
        router_free(r);
        return mk_error(err, EAGAIN, "cannot start the autoscaler thread");
    }
    r->ticker_started = true;
    *out = r;
    return 0;
}

bool router_wait_synced(router *r, int timeout_ms)
{
    return informer_wait_synced(r->eps, timeout_ms) &&
           informer_wait_synced(r->fns, timeout_ms) && informer_wait_synced(r->wfs, timeout_ms);
}

void router_free(router *r)
{
    if (!r)
        return;
    r->stop = true;
    if (r->ticker_started)
        pthread_join(r->ticker, NULL);
    informer_free(r->fns);
    informer_free(r->eps);
    informer_free(r->wfs);
    fnstate *s, *tmp;
    HASH_ITER(hh, r->table, s, tmp)
    {
        HASH_DEL(r->table, s);
        free(s->pods);
        free(s->key);
        free(s);
    }
    for (int i = 0; i < r->npool; i++)
        curl_easy_cleanup(r->pool[i]);
    pthread_mutex_destroy(&r->lock);
    pthread_mutex_destroy(&r->pool_lock);
    pthread_cond_destroy(&r->changed);
    free(r);
}
