/* podsync.c - what one pass of a pod's worker does: learn what already
 * runs (a restarted kubelet adopts it), start what should run, handle exits
 * and restarts with backoff, and post the status when it changed; and the
 * way a pod is stopped and removed. */
#include "kubelet/podsync.h"
#include "kubelet/cgroup.h"
#include "kubelet/termmsg.h"
#include "kubelet/volumes.h"
#include "store/codec.h"
#include "store/log.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- events ---- */

static mk_obj_ref pod_ref(const pod_worker *w)
{
    return (mk_obj_ref){"Pod", "v1", w->ns, w->name, w->uid};
}

__attribute__((format(printf, 4, 5))) static void
pod_event(pod_worker *w, const char *type, const char *reason, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mk_obj_ref ref = pod_ref(w);
    recorder_event(w->kl->rec, &ref, type, reason, "%s", msg);
}

/* ---- discovery: what already runs (a restarted kubelet adopts it) ---- */

/* The status the API holds for container `name` in statuses `field`. */
static json_object *api_ctr_status(json_object *pod, const char *field, const char *name)
{
    json_object *a = mk_json_path(pod, field);
    size_t n = a ? json_object_array_length(a) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *s = json_object_array_get_idx(a, i);
        const char *sn = mk_json_str(s, "name");
        if (sn && strcmp(sn, name) == 0)
            return s;
    }
    return NULL;
}

/* Init containers restart on failure unless the pod never restarts. */
static const char *init_policy(json_object *pod)
{
    const char *policy = mk_json_str(pod, "spec.restartPolicy");
    return policy && strcmp(policy, "Never") == 0 ? "Never" : "OnFailure";
}

/* What the runtime and the API's status say of one container. Returns true
 * when the runtime has it (adopted: running, or stopped and handled as an
 * exit by the pass that follows). */
static bool discover_one(pod_worker *w, ctr_state *c, json_object *spec, json_object *prev,
                         const char *policy)
{
    const char *name = mk_json_str(spec, "name");
    c->name = xstrdup(name ? name : "");
    c->image = xstrdup(mk_json_str(spec, "image") ? mk_json_str(spec, "image") : "");
    c->restart_count = (int)mk_json_int(prev, "restartCount", 0);
    json_object *ls = mk_json_path(prev, "lastState");
    c->last_state = ls ? json_object_get(ls) : NULL;
    _cleanup_free_ char *id = pods_container_id(w->uid, c->name);
    runtime_status rs = RUNTIME_ABSENT;
    mk_err err;
    if (runtime_exists(w->kl->rt, id))
        runtime_state(w->kl->rt, id, &rs, NULL, &err);
    const char *started = mk_json_str(prev, "state.running.startedAt");
    if (rs != RUNTIME_ABSENT) {
        c->started = c->ever_started = true;
        c->running = rs == RUNTIME_RUNNING;
        c->started_ms = started ? mk_parse_rfc3339(started) * 1000 : now_ms();
        ctrstate_running(c, c->started_ms);
        mk_log("pod %s/%s: adopted container %s", w->ns, w->name, c->name);
        return true;
    }
    json_object *term = mk_json_path(prev, "state.terminated");
    if (term) {
        c->ever_started = true;
        int code = (int)mk_json_int(term, "exitCode", 0);
        if (!ctrstate_should_restart(policy, code)) {
            c->done = true;
            c->state = json_object_get(mk_json_path(prev, "state"));
        }
    } else if (started || c->restart_count > 0) {
        c->ever_started = true;
    }
    return false;
}

static void worker_discover(pod_worker *w, json_object *pod)
{
    json_object *ctrs = mk_json_path(pod, "spec.containers");
    json_object *inits = mk_json_path(pod, "spec.initContainers");
    w->nctrs = ctrs ? json_object_array_length(ctrs) : 0;
    w->ninits = inits ? json_object_array_length(inits) : 0;
    w->ctrs = xcalloc(w->nctrs + 1, sizeof *w->ctrs);
    w->probes = xcalloc(w->nctrs + 1, sizeof *w->probes);
    w->inits = xcalloc(w->ninits + 1, sizeof *w->inits);
    w->qos = qos_of_spec(mk_json_path(pod, "spec"));
    const char *st = mk_json_str(pod, "status.startTime");
    w->start_ms = st ? mk_parse_rfc3339(st) * 1000 : now_ms();
    /* Conditions keep their transition times across a kubelet restart. */
    json_object *conds = mk_json_path(pod, "status.conditions");
    if (!w->conds)
        w->conds = json_object_new_object();
    for (size_t i = 0; conds && i < json_object_array_length(conds); i++) {
        json_object *c = json_object_array_get_idx(conds, i);
        const char *type = mk_json_str(c, "type");
        if (type && mk_json_str(c, "status") && mk_json_str(c, "lastTransitionTime"))
            json_object_object_add(w->conds, type, json_object_get(c));
    }
    const char *policy = mk_json_str(pod, "spec.restartPolicy");
    bool app_started = false;
    for (size_t i = 0; i < w->nctrs; i++) {
        ctr_state *c = &w->ctrs[i];
        json_object *spec = json_object_array_get_idx(ctrs, i);
        probe_set_init(&w->probes[i], spec);
        json_object *prev =
            api_ctr_status(pod, "status.containerStatuses", mk_json_str(spec, "name") ?: "");
        /* Probe results are not kept: an adopted container is probed
         * afresh, unready until its readiness probe passes again. */
        if (discover_one(w, c, spec, prev, policy))
            probe_set_restart(&w->probes[i], c->started_ms);
        app_started |= c->ever_started;
    }
    /* Initialized once every init container succeeded; and for good once
     * an app container has started, as Kubernetes has it. */
    w->initialized = true;
    for (size_t i = 0; i < w->ninits; i++) {
        json_object *spec = json_object_array_get_idx(inits, i);
        json_object *prev = api_ctr_status(pod, "status.initContainerStatuses",
                                           mk_json_str(spec, "name") ?: "");
        discover_one(w, &w->inits[i], spec, prev, init_policy(pod));
        w->initialized &= w->inits[i].done && !ctrstate_failed(&w->inits[i]);
    }
    w->initialized |= app_started;
}

/* ---- one pass ---- */

static bool images_present(pod_worker *w, ctr_state *cs, size_t n, json_object *specs)
{
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        mk_err err;
        if (cs[i].started || cs[i].done)
            continue;
        if (pods_check_image(&w->kl->env, json_object_array_get_idx(specs, i), &err) < 0) {
            ctrstate_waiting(&cs[i], "ErrImageNeverPull", err.msg);
            pod_event(w, "Warning", "Failed", "Error: ErrImageNeverPull: %s", err.msg);
            ok = false;
        }
    }
    return ok;
}

static bool all_images_present(pod_worker *w, json_object *pod)
{
    bool inits =
        images_present(w, w->inits, w->ninits, mk_json_path(pod, "spec.initContainers"));
    return images_present(w, w->ctrs, w->nctrs, mk_json_path(pod, "spec.containers")) && inits;
}

/* c (whose spec is spec) exited with code: record how, with its
 * termination message, and restart it or let it rest. */
static void handle_exit(pod_worker *w, ctr_state *c, json_object *spec, const char *policy,
                        int code, int64_t finished_ms)
{
    kubelet *kl = w->kl;
    _cleanup_free_ char *id = pods_container_id(w->uid, c->name);
    /* OOM evidence lives in the cgroup, which runc delete removes. */
    _cleanup_free_ char *cg = pods_cgroup_path(w->uid, c->name);
    cgroup_stats cs;
    bool oom = cgroup_read(cg, &cs) && cs.oom_kills > 0 && code != 0;
    _cleanup_free_ char *msg = termmsg_read(&kl->env, w->uid, spec, c->restart_count, code);
    json_object *term = ctrstate_terminated(id, code, oom, msg, c->started_ms, finished_ms);
    mk_err err;
    if (pods_remove_container(&kl->env, w->uid, c->name, &err) < 0)
        mk_log("pod %s/%s: %s", w->ns, w->name, err.msg);
    c->started = c->running = c->ready = c->probe_started = false;
    c->kill_at_ms = 0;
    mk_log("pod %s/%s: container %s exited %d%s", w->ns, w->name, c->name, code,
           oom ? " (OOMKilled)" : "");
    if (ctrstate_should_restart(policy, code)) {
        int64_t delay = ctrstate_backoff_ms(c->restart_count, finished_ms - c->started_ms,
                                            kl->cfg.backoff_base_ms, kl->cfg.backoff_max_ms);
        json_object_put(c->last_state);
        c->last_state = term;
        c->restart_count++;
        c->backoff_until_ms = now_ms() + delay;
        if (delay > 0) {
            _cleanup_free_ char *msg =
                xasprintf("back-off %llds restarting failed container=%s",
                          (long long)(delay / 1000), c->name);
            ctrstate_waiting(c, "CrashLoopBackOff", msg);
            pod_event(w, "Warning", "BackOff", "Back-off restarting failed container %s",
                      c->name);
        }
    } else {
        json_object_put(c->state);
        c->state = term;
        c->done = true;
    }
}

/* Run container c's lifecycle hook `which` ("postStart", "preStop") within
 * timeout_s; a failure is a Warning event. True when it passed or there is
 * none. */
static bool run_hook(pod_worker *w, ctr_state *c, json_object *spec, const char *which,
                     int64_t timeout_s)
{
    _cleanup_free_ char *path = xasprintf("lifecycle.%s", which);
    json_object *h = mk_json_path(spec, path);
    if (!h)
        return true;
    _cleanup_free_ char *id = pods_container_id(w->uid, c->name);
    probe_target t = {.rt = w->kl->rt, .ctr_id = id, .pod_ip = w->ip, .who = c->name};
    char msg[200];
    if (probe_hook(h, spec, &t, timeout_s > 0 ? (int)timeout_s : 1, msg, sizeof msg))
        return true;
    bool post = strcmp(which, "postStart") == 0;
    mk_log("pod %s/%s: container %s: %s hook failed: %s", w->ns, w->name, c->name, which, msg);
    pod_event(w, "Warning", post ? "FailedPostStartHook" : "FailedPreStopHook", "%s failed: %s",
              post ? "PostStartHook" : "PreStopHook", msg);
    return false;
}

/* Start c from spec; ps: its probes (NULL for an init container). */
static void start_container(pod_worker *w, ctr_state *c, probe_set *ps, json_object *pod,
                            json_object *spec)
{
    mk_err err = {0};
    int64_t t0 = now_ms();
    if (pods_check_image(&w->kl->env, spec, &err) < 0) {
        ctrstate_waiting(c, "ErrImageNeverPull", err.msg);
        return;
    }
    if (pods_start_container(&w->kl->env, pod, spec, c->restart_count, w->ip, &err) < 0) {
        mk_log("pod %s/%s: %s", w->ns, w->name, err.msg);
        ctrstate_waiting(
            c, err.code == PODS_ECONFIG ? "CreateContainerConfigError" : "RunContainerError",
            err.msg);
        pod_event(w, "Warning", "Failed", "Error: %s", err.msg);
        c->backoff_until_ms =
            now_ms() + ctrstate_backoff_ms(c->restart_count + 1, 0, w->kl->cfg.backoff_base_ms,
                                           w->kl->cfg.backoff_max_ms);
        return;
    }
    c->started = c->running = c->ever_started = true;
    c->started_ms = t0;
    /* postStart runs before the container counts as started; when it fails
     * the container is killed and its exit handled as any other. */
    int64_t grace = mk_json_int(pod, "spec.terminationGracePeriodSeconds", 30);
    if (ps && !run_hook(w, c, spec, "postStart", grace)) {
        _cleanup_free_ char *id = pods_container_id(w->uid, c->name);
        runtime_kill(w->kl->rt, id, SIGKILL, &err);
    }
    if (ps)
        probe_set_restart(ps, t0);
    mk_debug("pod %s/%s: container %s started in %lld ms", w->ns, w->name, c->name,
             (long long)(now_ms() - t0));
    ctrstate_running(c, t0);
    mk_log("pod %s/%s: started container %s%s", w->ns, w->name, c->name,
           c->restart_count ? " (restart)" : "");
    pod_event(w, "Normal", "Started", "Started container %s", c->name);
}

static void earliest(int64_t *next, int64_t t)
{
    if (t > 0 && (!*next || t < *next))
        *next = t;
}

/* A failed startup or liveness probe: SIGTERM now, SIGKILL after the
 * grace period (the probe's, else the pod's); the exit that follows is
 * handled as any other, so restartPolicy decides what comes next. */
static void kill_for_probe(pod_worker *w, ctr_state *c, const char *id, json_object *pod,
                           const probe_verdict *v)
{
    int64_t grace = v->grace_s >= 0
                        ? v->grace_s
                        : mk_json_int(pod, "spec.terminationGracePeriodSeconds", 30);
    mk_log("pod %s/%s: container %s %s, will be restarted", w->ns, w->name, c->name,
           v->message);
    pod_event(w, "Normal", "Killing", "Container %s failed %s, will be restarted", c->name,
              v->why == PROBE_STARTUP ? "startup probe" : "liveness probe");
    mk_err err;
    if (runtime_kill(w->kl->rt, id, grace > 0 ? SIGTERM : SIGKILL, &err) < 0)
        mk_log("pod %s/%s: %s", w->ns, w->name, err.msg);
    c->kill_at_ms = now_ms() + grace * 1000;
}

/* Probe a running container; returns when to look again (0: no need). */
static int64_t probe_container(pod_worker *w, size_t i, json_object *pod, const char *id)
{
    ctr_state *c = &w->ctrs[i];
    if (c->kill_at_ms) { /* stopping after a failed probe */
        if (now_ms() < c->kill_at_ms)
            return c->kill_at_ms;
        mk_err err;
        runtime_kill(w->kl->rt, id, SIGKILL, &err);
        return 0;
    }
    _cleanup_free_ char *who = xasprintf("pod %s/%s container %s", w->ns, w->name, c->name);
    mk_obj_ref ref = pod_ref(w);
    probe_target t = {.rt = w->kl->rt,
                      .ctr_id = id,
                      .pod_ip = w->ip,
                      .who = who,
                      .rec = w->kl->rec,
                      .ref = &ref};
    probe_verdict v;
    probe_set_tick(&w->probes[i], &t, now_ms(), &v);
    c->ready = v.ready;
    c->probe_started = v.started;
    if (!v.kill)
        return v.next_ms;
    c->ready = false;
    kill_for_probe(w, c, id, pod, &v);
    return c->kill_at_ms;
}

/* Returns the next time (ms) the worker must look again, or 0. */
static int64_t sync_containers(pod_worker *w, json_object *pod)
{
    kubelet *kl = w->kl;
    const char *policy = mk_json_str(pod, "spec.restartPolicy");
    json_object *specs = mk_json_path(pod, "spec.containers");
    int64_t next = 0;
    for (size_t i = 0; i < w->nctrs; i++) {
        ctr_state *c = &w->ctrs[i];
        if (c->done)
            continue;
        _cleanup_free_ char *id = pods_container_id(w->uid, c->name);
        if (c->started) {
            int64_t fin = now_ms();
            int code = runtime_exit_code(kl->rt, id, &fin);
            if (code < 0 && c->running) {
                earliest(&next, probe_container(w, i, pod, id));
                continue;
            }
            if (code < 0)
                code = 137; /* stopped without an exit file: killed with conmon */
            handle_exit(w, c, json_object_array_get_idx(specs, i), policy, code, fin);
            if (c->done)
                continue;
        }
        int64_t now = now_ms();
        if (c->backoff_until_ms > now) {
            earliest(&next, c->backoff_until_ms);
            continue;
        }
        start_container(w, c, &w->probes[i], pod, json_object_array_get_idx(specs, i));
        if (c->started)
            earliest(&next, probe_container(w, i, pod, id));
        else if (c->backoff_until_ms > now)
            earliest(&next, c->backoff_until_ms);
    }
    return next;
}

/* The ephemeral containers added since the last pass (their spec only
 * grows): state from the runtime and the API's status, as at discovery. */
static void add_ephemerals(pod_worker *w, json_object *pod, json_object *specs, size_t n)
{
    w->ephs = xrealloc(w->ephs, (n + 1) * sizeof *w->ephs);
    memset(&w->ephs[w->nephs], 0, (n + 1 - w->nephs) * sizeof *w->ephs);
    for (size_t i = w->nephs; i < n; i++) {
        json_object *spec = json_object_array_get_idx(specs, i);
        json_object *prev = api_ctr_status(pod, "status.ephemeralContainerStatuses",
                                           mk_json_str(spec, "name") ?: "");
        discover_one(w, &w->ephs[i], spec, prev, "Never");
    }
    w->nephs = n;
}

/* Ephemeral containers (kubectl debug): started in the running pod, never
 * restarted, no part of its phase or readiness. Returns when to look
 * again (0: at the next exit or change). */
static int64_t sync_ephemerals(pod_worker *w, json_object *pod)
{
    json_object *specs = mk_json_path(pod, "spec.ephemeralContainers");
    size_t n = mk_json_array_len(specs);
    if (n > w->nephs)
        add_ephemerals(w, pod, specs, n);
    int64_t next = 0;
    for (size_t i = 0; i < w->nephs; i++) {
        ctr_state *c = &w->ephs[i];
        json_object *spec = json_object_array_get_idx(specs, i);
        if (c->done)
            continue;
        if (c->started) {
            _cleanup_free_ char *id = pods_container_id(w->uid, c->name);
            int64_t fin = now_ms();
            int code = runtime_exit_code(w->kl->rt, id, &fin);
            if (code >= 0 || !c->running)
                handle_exit(w, c, spec, "Never", code < 0 ? 137 : code, fin);
            continue;
        }
        if (c->backoff_until_ms > now_ms()) {
            earliest(&next, c->backoff_until_ms);
            continue;
        }
        start_container(w, c, NULL, pod, spec);
        if (!c->started)
            earliest(&next, c->backoff_until_ms);
    }
    return next;
}

/* Run the init containers in order, each to success, before any other.
 * Returns the next time to look again (0: at the next exit or change);
 * sets w->initialized when the last one succeeded. */
static int64_t sync_inits(pod_worker *w, json_object *pod)
{
    const char *policy = init_policy(pod);
    json_object *specs = mk_json_path(pod, "spec.initContainers");
    for (size_t i = 0; i < w->nctrs; i++)
        if (!w->ctrs[i].started && !w->ctrs[i].done)
            ctrstate_waiting(&w->ctrs[i], "PodInitializing", NULL);
    for (size_t i = 0; i < w->ninits; i++) {
        ctr_state *c = &w->inits[i];
        if (c->done && !ctrstate_failed(c))
            continue;
        if (c->done)
            return 0; /* failed under restartPolicy Never: the pod has failed */
        if (c->started) {
            _cleanup_free_ char *id = pods_container_id(w->uid, c->name);
            int64_t fin = now_ms();
            int code = runtime_exit_code(w->kl->rt, id, &fin);
            if (code < 0 && c->running)
                return 0; /* its exit wakes the worker */
            handle_exit(w, c, json_object_array_get_idx(specs, i), policy,
                        code < 0 ? 137 : code, fin);
            if (c->done && !ctrstate_failed(c))
                continue;
            if (c->done)
                return 0;
        }
        int64_t now = now_ms();
        if (c->backoff_until_ms > now)
            return c->backoff_until_ms;
        start_container(w, c, NULL, pod, json_object_array_get_idx(specs, i));
        return !c->started && c->backoff_until_ms > now ? c->backoff_until_ms : 0;
    }
    w->initialized = true;
    for (size_t i = 0; i < w->nctrs; i++)
        if (!w->ctrs[i].started && !w->ctrs[i].done)
            json_object_put(steal_pointer(&w->ctrs[i].state));
    return 0;
}

/* An init container that failed for good fails the pod; before the inits
 * are through, it is Pending. */
static const char *pod_phase(pod_worker *w)
{
    if (w->deadline_passed)
        return "Failed";
    for (size_t i = 0; i < w->ninits; i++)
        if (ctrstate_failed(&w->inits[i]))
            return "Failed";
    return w->initialized ? ctrstate_phase(w->ctrs, w->nctrs) : "Pending";
}

#define DEADLINE_MESSAGE "Pod was active on the node longer than the specified deadline"

/* Why a condition is False: its reason and message (NULL: none given). */
typedef struct condition_why {
    const char *reason, *message;
} condition_why;

/* Add condition type to arr, its transition time kept while its status
 * stays; why (may be NULL) its reason and message when it is False. */
static void set_condition(pod_worker *w, json_object *arr, const char *type, bool ok,
                          const condition_why *why)
{
    if (!w->conds)
        w->conds = json_object_new_object();
    const char *status = ok ? "True" : "False";
    json_object *prev = json_object_object_get(w->conds, type);
    const char *pst = mk_json_str(prev, "status");
    if (!prev || !pst || strcmp(pst, status) != 0) {
        char ts[32];
        mk_rfc3339(ts, sizeof ts, now_ms() / 1000);
        json_object *c = json_object_new_object();
        json_object_object_add(c, "status", json_object_new_string(status));
        json_object_object_add(c, "lastTransitionTime", json_object_new_string(ts));
        json_object_object_add(w->conds, type, c);
        prev = c;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "type", json_object_new_string(type));
    json_object_object_add(o, "status", json_object_new_string(status));
    json_object_object_add(o, "lastProbeTime", NULL);
    json_object_object_add(o, "lastTransitionTime",
                           json_object_get(json_object_object_get(prev, "lastTransitionTime")));
    if (!ok && why && why->message) {
        json_object_object_add(o, "reason", json_object_new_string(why->reason));
        json_object_object_add(o, "message", json_object_new_string(why->message));
    }
    json_object_array_add(arr, o);
}

/* Readiness gates: each names a condition others set on the pod, and the
 * pod is Ready only when every one is True. Kubernetes' words for the
 * first that is not (caller frees), or NULL. */
static char *gates_blocking(json_object *pod)
{
    json_object *gates = mk_json_path(pod, "spec.readinessGates");
    size_t n = mk_json_array_len(gates);
    for (size_t i = 0; i < n; i++) {
        const char *type = mk_json_str(json_object_array_get_idx(gates, i), "conditionType");
        if (!type)
            continue;
        const char *st = mk_json_str(mk_condition(pod, type), "status");
        if (!st)
            return xasprintf("corresponding condition of pod readiness gate \"%s\" does not "
                             "exist.",
                             type);
        if (strcmp(st, "True") != 0)
            return xasprintf("the status of pod readiness gate \"%s\" is not \"True\", but %s",
                             type, st);
    }
    return NULL;
}

static json_object *build_status(pod_worker *w)
{
    json_object *s = json_object_new_object();
    json_object_object_add(s, "phase", json_object_new_string(pod_phase(w)));
    bool ready = w->nctrs > 0;
    for (size_t i = 0; i < w->nctrs; i++)
        ready &= w->ctrs[i].running && w->ctrs[i].ready;
    json_object *conds = json_object_new_array();
    condition_why gates = {"ReadinessGatesNotReady", ready ? w->gates_why : NULL};
    set_condition(w, conds, "Initialized", w->initialized, NULL);
    set_condition(w, conds, "Ready", ready && !w->gates_why, &gates);
    set_condition(w, conds, "ContainersReady", ready, NULL);
    set_condition(w, conds, "PodScheduled", true, NULL);
    json_object_object_add(s, "conditions", conds);
    json_object_object_add(s, "hostIP", json_object_new_string(w->kl->node_ip));
    if (w->ip[0]) {
        json_object_object_add(s, "podIP", json_object_new_string(w->ip));
        json_object *ips = json_object_new_array(), *one = json_object_new_object();
        json_object_object_add(one, "ip", json_object_new_string(w->ip));
        json_object_array_add(ips, one);
        json_object_object_add(s, "podIPs", ips);
    }
    char ts[32];
    mk_rfc3339(ts, sizeof ts, w->start_ms / 1000);
    json_object_object_add(s, "startTime", json_object_new_string(ts));
    json_object *cs = json_object_new_array();
    for (size_t i = 0; i < w->nctrs; i++) {
        _cleanup_free_ char *id = pods_container_id(w->uid, w->ctrs[i].name);
        json_object_array_add(cs, ctrstate_status(&w->ctrs[i], id));
    }
    json_object_object_add(s, "containerStatuses", cs);
    if (w->nephs) {
        json_object *es = json_object_new_array();
        for (size_t i = 0; i < w->nephs; i++) {
            _cleanup_free_ char *id = pods_container_id(w->uid, w->ephs[i].name);
            json_object_array_add(es, ctrstate_status(&w->ephs[i], id));
        }
        json_object_object_add(s, "ephemeralContainerStatuses", es);
    }
    if (w->ninits) {
        json_object *is = json_object_new_array();
        for (size_t i = 0; i < w->ninits; i++) {
            _cleanup_free_ char *id = pods_container_id(w->uid, w->inits[i].name);
            json_object_array_add(is, ctrstate_status(&w->inits[i], id));
        }
        json_object_object_add(s, "initContainerStatuses", is);
    }
    json_object_object_add(s, "qosClass", json_object_new_string(qos_name(w->qos)));
    if (w->deadline_passed) {
        json_object_object_add(s, "reason", json_object_new_string("DeadlineExceeded"));
        json_object_object_add(s, "message", json_object_new_string(DEADLINE_MESSAGE));
    }
    return s;
}

static void post_status(pod_worker *w)
{
    json_object *status = build_status(w);
    json_object *patch = json_object_new_object();
    json_object_object_add(patch, "status", status);
    const char *body = json_object_to_json_string_ext(patch, JSON_C_TO_STRING_PLAIN);
    if (w->last_posted && strcmp(w->last_posted, body) == 0) {
        json_object_put(patch);
        return;
    }
    mk_err err = {0};
    json_object *out = NULL;
    int64_t t0 = mk_now_ns();
    /* Strategic: conditions merge by type, so those others set (readiness
     * gates', the eviction's) stay. */
    int rc = client_patch_strategic(w->kl->client, kind_by_kind("Pod"), w->ns, w->name,
                                    "status", body, &out, &err);
    json_object_put(out);
    mk_debug("pod %s/%s: status posted in %lld us", w->ns, w->name,
             (long long)((mk_now_ns() - t0) / 1000));
    if (rc == 0) {
        free(w->last_posted);
        w->last_posted = xstrdup(body);
    } else if (err.code != ENOENT) {
        mk_log("pod %s/%s: status: %s", w->ns, w->name, err.msg);
    }
    json_object_put(patch);
}

bool podsync_terminal(pod_worker *w)
{
    const char *p = pod_phase(w);
    return w->nctrs && (strcmp(p, "Succeeded") == 0 || strcmp(p, "Failed") == 0);
}

/* The volume manager's FailedMount: once a claim has kept the pod
 * waiting a while, then now and then while it still does (the recorder
 * counts the repeats into one Event). */
#define MOUNT_EVENT_AFTER_MS 10000
#define MOUNT_EVENT_EVERY_MS 60000

static void mount_waiting(pod_worker *w, json_object *pod, const mk_err *err)
{
    if (err->code != PODS_EMOUNT) {
        w->mount_wait_ms = 0;
        return;
    }
    int64_t now = now_ms();
    if (!w->mount_wait_ms)
        w->mount_wait_ms = now;
    if (now - w->mount_wait_ms < MOUNT_EVENT_AFTER_MS ||
        (w->mount_event_ms && now - w->mount_event_ms < MOUNT_EVENT_EVERY_MS))
        return;
    w->mount_event_ms = now;
    mk_buf names = {0};
    json_object *vols = mk_json_path(pod, "spec.volumes");
    for (size_t i = 0; vols && i < json_object_array_length(vols); i++) {
        json_object *v = json_object_array_get_idx(vols, i);
        if (mk_json_path(v, "persistentVolumeClaim"))
            mk_buf_printf(&names, "%s%s", names.len ? " " : "", mk_json_str(v, "name"));
    }
    pod_event(w, "Warning", "FailedMount",
              "Unable to attach or mount volumes: unmounted volumes=[%s]: %s",
              names.data ? names.data : "", err->msg);
    free(names.data);
}

static void stop_all(pod_worker *w, json_object *pod);

/* Record how each started container of cs ended, restarting none. */
static void reap(pod_worker *w, ctr_state *cs, size_t n, json_object *specs)
{
    for (size_t i = 0; i < n; i++) {
        if (!cs[i].started)
            continue;
        _cleanup_free_ char *id = pods_container_id(w->uid, cs[i].name);
        int64_t fin = now_ms();
        int code = runtime_exit_code(w->kl->rt, id, &fin);
        handle_exit(w, &cs[i], json_object_array_get_idx(specs, i), "Never",
                    code < 0 ? 137 : code, fin);
    }
}

/* spec.activeDeadlineSeconds: a pod active on the node longer than that
 * is stopped as a deleted one is (preStop, SIGTERM, the grace period,
 * SIGKILL) and Failed with reason DeadlineExceeded. Returns when the
 * deadline falls due (0: none, or passed). */
static int64_t active_deadline(pod_worker *w, json_object *pod)
{
    int64_t secs = mk_json_int(pod, "spec.activeDeadlineSeconds", 0);
    if (secs <= 0 || w->deadline_passed || podsync_terminal(w))
        return 0;
    int64_t due = w->start_ms + secs * 1000;
    if (now_ms() < due)
        return due;
    mk_log("pod %s/%s: active longer than %llds: stopping it", w->ns, w->name, (long long)secs);
    pod_event(w, "Normal", "DeadlineExceeded", DEADLINE_MESSAGE);
    stop_all(w, pod);
    reap(w, w->inits, w->ninits, mk_json_path(pod, "spec.initContainers"));
    reap(w, w->ctrs, w->nctrs, mk_json_path(pod, "spec.containers"));
    reap(w, w->ephs, w->nephs, mk_json_path(pod, "spec.ephemeralContainers"));
    w->deadline_passed = true;
    return 0;
}

/* Whether the pod has volumes a refresh rewrites. */
static bool has_file_volumes(json_object *pod)
{
    json_object *vols = mk_json_path(pod, "spec.volumes");
    for (size_t i = 0; vols && i < json_object_array_length(vols); i++)
        if (volumes_is_file_volume(json_object_array_get_idx(vols, i)))
            return true;
    return false;
}

/* The pod's volumes kept current: account tokens renewed as they age,
 * configMap, secret, downwardAPI and projected files rewritten from their
 * objects every --volume-refresh-seconds. When to look next (0: never). */
static int64_t keep_volumes(pod_worker *w, json_object *pod)
{
    if (podsync_terminal(w))
        return 0;
    _cleanup_free_ char *dir = pods_dir(&w->kl->env, w->uid);
    mk_err err = {0};
    int64_t now = now_ms(), every = (int64_t)w->kl->cfg.volume_refresh_s * 1000;
    if (!w->volumes_ms) {
        w->volumes_ms = now; /* the sandbox has just written them */
    } else if (now - w->volumes_ms >= every) {
        w->volumes_ms = now;
        if (volumes_refresh(&w->kl->env, pod, dir, &err) < 0)
            mk_debug("pod %s/%s: refreshing volumes: %s", w->ns, w->name, err.msg);
    }
    int64_t in = volumes_renew_tokens(&w->kl->env, pod, dir, &err);
    if (in < 0) {
        mk_log("pod %s/%s: renewing its token: %s", w->ns, w->name, err.msg);
        in = 10000;
    }
    int64_t next = in == INT64_MAX ? 0 : now + in;
    if (has_file_volumes(pod))
        earliest(&next, w->volumes_ms + every);
    return next;
}

int64_t podsync_pass(pod_worker *w, json_object *pod)
{
    free(w->gates_why);
    w->gates_why = gates_blocking(pod);
    if (!w->discovered) {
        worker_discover(w, pod);
        w->discovered = true;
    }
    int64_t due = active_deadline(w, pod);
    if (w->deadline_passed) {
        post_status(w);
        return 0;
    }
    int64_t next = 0;
    if (!w->sandbox_ready && !podsync_terminal(w)) {
        /* Every image first: a missing one leaves nothing half-started. */
        if (!all_images_present(w, pod)) {
            post_status(w);
            return now_ms() + (int64_t)w->kl->cfg.resync_s * 1000;
        }
        mk_err err = {0};
        int64_t t0 = now_ms();
        if (pods_sandbox_up(&w->kl->env, pod, w->ip, &err) < 0) {
            mk_log("pod %s/%s: sandbox: %s", w->ns, w->name, err.msg);
            mount_waiting(w, pod, &err);
            for (size_t i = 0; i < w->nctrs; i++)
                if (!w->ctrs[i].started)
                    ctrstate_waiting(&w->ctrs[i], "ContainerCreating", err.msg);
            post_status(w);
            return now_ms() + 1000;
        }
        w->sandbox_ready = true;
        w->mount_wait_ms = 0;
        mk_debug("pod %s/%s: sandbox up in %lld ms", w->ns, w->name,
                 (long long)(now_ms() - t0));
    }
    if (!w->initialized) {
        next = sync_inits(w, pod);
        if (!w->initialized) {
            post_status(w);
            earliest(&next, due);
            return next;
        }
    }
    next = sync_containers(w, pod);
    if (!podsync_terminal(w))
        earliest(&next, sync_ephemerals(w, pod));
    post_status(w);
    earliest(&next, due);
    earliest(&next, keep_volumes(w, pod));
    return next;
}

/* ---- deletion ---- */

static bool exited(pod_worker *w, const ctr_state *cs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!cs[i].started)
            continue;
        _cleanup_free_ char *id = pods_container_id(w->uid, cs[i].name);
        if (runtime_exit_code(w->kl->rt, id, NULL) < 0)
            return false;
    }
    return true;
}

static bool all_exited(pod_worker *w)
{
    return exited(w, w->ctrs, w->nctrs) && exited(w, w->inits, w->ninits) &&
           exited(w, w->ephs, w->nephs);
}

static void signal_each(pod_worker *w, const ctr_state *cs, size_t n, int sig)
{
    for (size_t i = 0; i < n; i++) {
        if (!cs[i].started)
            continue;
        if (sig == SIGTERM)
            pod_event(w, "Normal", "Killing", "Stopping container %s", cs[i].name);
        _cleanup_free_ char *id = pods_container_id(w->uid, cs[i].name);
        mk_err err;
        if (runtime_kill(w->kl->rt, id, sig, &err) < 0)
            mk_debug("pod %s/%s: %s", w->ns, w->name, err.msg);
    }
}

static void signal_all(pod_worker *w, int sig)
{
    signal_each(w, w->inits, w->ninits, sig);
    signal_each(w, w->ctrs, w->nctrs, sig);
    signal_each(w, w->ephs, w->nephs, sig);
}

/* A deletion's grace period is the one its DELETE asked for (`kubectl
 * delete --grace-period=1`), which the API server wrote into the pod;
 * else the pod's own. */
static int64_t stop_grace(json_object *pod)
{
    json_object *asked = mk_json_path(pod, "metadata.deletionGracePeriodSeconds");
    return asked ? json_object_get_int64(asked)
                 : mk_json_int(pod, "spec.terminationGracePeriodSeconds", 30);
}

/* preStop hooks first, within the grace period, then SIGTERM; SIGKILL for
 * what is left when the grace period is over. */
static void stop_all(pod_worker *w, json_object *pod)
{
    kubelet *kl = w->kl;
    int64_t grace = stop_grace(pod);
    int64_t deadline = mk_now_ns() + grace * 1000000000;
    /* preStop hooks first, within the grace period, then SIGTERM. */
    json_object *specs = mk_json_path(pod, "spec.containers");
    for (size_t i = 0; i < w->nctrs && mk_now_ns() < deadline; i++)
        if (w->ctrs[i].running)
            run_hook(w, &w->ctrs[i], json_object_array_get_idx(specs, i), "preStop",
                     (deadline - mk_now_ns()) / 1000000000);
    signal_all(w, SIGTERM);
    pthread_mutex_lock(&kl->lock);
    while (!all_exited(w) && mk_now_ns() < deadline && !kl->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&w->cond, &kl->lock, &ts);
    }
    pthread_mutex_unlock(&kl->lock);
    if (!all_exited(w))
        signal_all(w, SIGKILL);
}

void podsync_terminate(pod_worker *w, json_object *pod)
{
    kubelet *kl = w->kl;
    if (!w->discovered) {
        worker_discover(w, pod);
        w->discovered = true;
    }
    json_object *ephs = mk_json_path(pod, "spec.ephemeralContainers");
    if (mk_json_array_len(ephs) > w->nephs) /* started before a kubelet restart */
        add_ephemerals(w, pod, ephs, mk_json_array_len(ephs));
    stop_all(w, pod);
    mk_err err = {0};
    if (pods_teardown(&kl->env, w->uid, &err) < 0)
        mk_log("pod %s/%s: teardown: %s", w->ns, w->name, err.msg);
    else
        mk_log("pod %s/%s: deleted, everything removed", w->ns, w->name);
}

/* Graceful deletion: the object waits (deletionTimestamp set) until the
 * kubelet has stopped everything; then it goes for good. The uid
 * precondition spares a pod re-created under the same name. */
void podsync_finalize_delete(pod_worker *w)
{
    _cleanup_free_ char *coll = kind_collection_path(kind_by_kind("Pod"), w->ns);
    _cleanup_free_ char *path = xasprintf("%s/%s", coll, w->name);
    _cleanup_free_ char *body =
        xasprintf("{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\","
                  "\"gracePeriodSeconds\":0,\"preconditions\":{\"uid\":\"%s\"}}",
                  w->uid);
    int status = 0;
    char *resp = NULL;
    size_t rlen = 0;
    mk_err err = {0};
    if (client_request(w->kl->client, "DELETE", path, "application/json", body, strlen(body),
                       &status, &resp, &rlen, NULL, &err) < 0 &&
        err.code != ENOENT)
        mk_log("pod %s/%s: final delete: %s", w->ns, w->name, err.msg);
    free(resp);
}
