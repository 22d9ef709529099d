/* printers.c - the columns kubectl computes (see printers.h). */
#include "store/printers.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/codec.h"
#include "store/selector.h"
#include "store/util.h"

/* The init containers' say, or false when they are all through. */
static bool init_reason(json_object *pod, podstatus *o)
{
    json_object *sts = mk_json_path(pod, "status.initContainerStatuses");
    size_t n = mk_json_array_len(mk_json_path(pod, "spec.initContainers"));
    for (size_t i = 0; i < mk_json_array_len(sts); i++) {
        json_object *st = json_object_array_get_idx(sts, i);
        o->restarts += mk_json_int(st, "restartCount", 0);
        json_object *term = mk_json_path(st, "state.terminated");
        const char *waiting = mk_json_str(st, "state.waiting.reason");
        if (term && mk_json_int(term, "exitCode", 0) == 0)
            continue;
        if (term) {
            const char *r = mk_json_str(term, "reason");
            if (r && *r)
                snprintf(o->status, sizeof o->status, "Init:%s", r);
            else
                snprintf(o->status, sizeof o->status, "Init:ExitCode:%lld",
                         (long long)mk_json_int(term, "exitCode", 0));
        } else if (waiting && *waiting && strcmp(waiting, "PodInitializing") != 0) {
            snprintf(o->status, sizeof o->status, "Init:%s", waiting);
        } else {
            snprintf(o->status, sizeof o->status, "Init:%zu/%zu", i, n);
        }
        return true;
    }
    return false;
}

static void container_reason(json_object *pod, podstatus *o)
{
    json_object *sts = mk_json_path(pod, "status.containerStatuses");
    bool running = false;
    o->restarts = 0;
    /* From the last container back: the first one's reason wins. */
    for (size_t i = mk_json_array_len(sts); i-- > 0;) {
        json_object *st = json_object_array_get_idx(sts, i);
        o->restarts += mk_json_int(st, "restartCount", 0);
        const char *waiting = mk_json_str(st, "state.waiting.reason");
        json_object *term = mk_json_path(st, "state.terminated");
        const char *treason = mk_json_str(term, "reason");
        json_object *ready = mk_json_path(st, "ready");
        if (waiting && *waiting)
            snprintf(o->status, sizeof o->status, "%s", waiting);
        else if (term && treason && *treason)
            snprintf(o->status, sizeof o->status, "%s", treason);
        else if (term)
            snprintf(o->status, sizeof o->status, "ExitCode:%lld",
                     (long long)mk_json_int(term, "exitCode", 0));
        else if (json_object_get_boolean(ready) && mk_json_path(st, "state.running"))
            running = true;
        if (json_object_get_boolean(ready))
            o->ready++;
    }
    /* A container that completed beside one still running: the pod runs. */
    if (strcmp(o->status, "Completed") == 0 && running)
        snprintf(o->status, sizeof o->status, "Running");
}

void podstatus_of(json_object *pod, podstatus *o)
{
    *o = (podstatus){.total = mk_json_array_len(mk_json_path(pod, "spec.containers"))};
    const char *reason = mk_json_str(pod, "status.reason");
    if (!reason || !*reason)
        reason = mk_json_str(pod, "status.phase");
    snprintf(o->status, sizeof o->status, "%s", reason && *reason ? reason : "Pending");
    if (!init_reason(pod, o)) {
        container_reason(pod, o);
    } else {
        json_object *sts = mk_json_path(pod, "status.containerStatuses");
        for (size_t i = 0; i < mk_json_array_len(sts); i++)
            o->ready += json_object_get_boolean(
                mk_json_path(json_object_array_get_idx(sts, i), "ready"));
    }
    if (mk_json_str(pod, "metadata.deletionTimestamp"))
        snprintf(o->status, sizeof o->status, "Terminating");
}

void node_status_text(json_object *node, char *buf, size_t n)
{
    const char *st = mk_json_str(mk_condition(node, "Ready"), "status");
    const char *ready = !st ? "Unknown" : strcmp(st, "True") == 0 ? "Ready" : "NotReady";
    bool off = mk_json_bool(node, "spec.unschedulable", false);
    snprintf(buf, n, "%s%s", ready, off ? ",SchedulingDisabled" : "");
}

const char *job_status_text(json_object *job)
{
    if (mk_condition_true(job, "Complete"))
        return "Complete";
    if (mk_condition_true(job, "Failed"))
        return "Failed";
    if (mk_json_str(job, "metadata.deletionTimestamp"))
        return "Terminating";
    if (mk_condition_true(job, "Suspended"))
        return "Suspended";
    if (mk_condition_true(job, "FailureTarget"))
        return "FailureTarget";
    return "Running";
}

void job_completions_text(json_object *job, char *buf, size_t n)
{
    long long done = (long long)mk_json_int(job, "status.succeeded", 0);
    int64_t parallelism = mk_json_int(job, "spec.parallelism", 1);
    if (mk_json_path(job, "spec.completions"))
        snprintf(buf, n, "%lld/%lld", done, (long long)mk_json_int(job, "spec.completions", 1));
    else if (parallelism > 1)
        snprintf(buf, n, "%lld/1 of %lld", done, (long long)parallelism);
    else
        snprintf(buf, n, "%lld/1", done);
}

void human_duration(int64_t s, char *buf, size_t n)
{
    if (s < -1) {
        snprintf(buf, n, "<invalid>");
        return;
    }
    s = s < 0 ? 0 : s; /* a second of clock skew is "now" */
    long long m = s / 60, h = s / 3600, d = h / 24;
    if (s < 120)
        snprintf(buf, n, "%llds", (long long)s);
    else if (m < 10 && s % 60)
        snprintf(buf, n, "%lldm%llds", m, (long long)(s % 60));
    else if (m < 180)
        snprintf(buf, n, "%lldm", m);
    else if (h < 8 && m % 60)
        snprintf(buf, n, "%lldh%lldm", h, m % 60);
    else if (h < 48)
        snprintf(buf, n, "%lldh", h);
    else if (h < 24 * 8 && h % 24)
        snprintf(buf, n, "%lldd%lldh", d, h % 24);
    else if (h < 24 * 365 * 2)
        snprintf(buf, n, "%lldd", d);
    else if (h < 24 * 365 * 8 && d % 365)
        snprintf(buf, n, "%lldy%lldd", d / 365, d % 365);
    else
        snprintf(buf, n, "%lldy", d / 365);
}

#define HPA_TARGETS_SHOWN 2

/* One Resource or ContainerResource metric, spec m against status cur. */
static void hpa_metric_text(json_object *m, json_object *cur, char *buf, size_t n)
{
    const char *type = mk_json_str(m, "type");
    const char *src =
        type && !strcmp(type, "ContainerResource") ? "containerResource" : "resource";
    json_object *res = mk_json_path(m, src);
    json_object *t = mk_json_path(res, "target"),
                *c = mk_json_path(mk_json_path(cur, src), "current");
    const char *name = mk_json_str(res, "name") ?: "<unknown>";
    const char *tv = mk_json_str(t, "averageValue");
    char now[64] = "<unknown>", want[64] = "<auto>";
    if (tv) {
        const char *cv = mk_json_str(c, "averageValue");
        if (cv)
            snprintf(now, sizeof now, "%s", cv);
        snprintf(want, sizeof want, "%s", tv);
    } else {
        if (mk_json_path(c, "averageUtilization"))
            snprintf(now, sizeof now, "%lld%%",
                     (long long)mk_json_int(c, "averageUtilization", 0));
        if (mk_json_path(t, "averageUtilization"))
            snprintf(want, sizeof want, "%lld%%",
                     (long long)mk_json_int(t, "averageUtilization", 0));
    }
    snprintf(buf, n, "%s: %s/%s", name, now, want);
}

void hpa_targets_text(json_object *hpa, char *buf, size_t n)
{
    json_object *specs = mk_json_path(hpa, "spec.metrics");
    json_object *stats = mk_json_path(hpa, "status.currentMetrics");
    size_t count = mk_json_array_len(specs);
    size_t nstats = mk_json_array_len(stats);
    snprintf(buf, n, "<none>");
    size_t off = 0;
    for (size_t i = 0; i < count && i < HPA_TARGETS_SHOWN && off < n; i++) {
        char one[160];
        hpa_metric_text(json_object_array_get_idx(specs, i),
                        i < nstats ? json_object_array_get_idx(stats, i) : NULL, one,
                        sizeof one);
        off += (size_t)snprintf(buf + off, n - off, "%s%s", i ? ", " : "", one);
    }
    if (count > HPA_TARGETS_SHOWN && off < n)
        snprintf(buf + off, n - off, " + %zu more...", count - HPA_TARGETS_SHOWN);
}

void access_modes_text(json_object *modes, char *buf, size_t n)
{
    static const char *const modes_long[] = {"ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany",
                                             "ReadWriteOncePod"};
    static const char *const modes_short[] = {"RWO", "ROX", "RWX", "RWOP"};
    size_t len = 0;
    if (n)
        buf[0] = '\0';
    for (size_t m = 0; m < 4; m++) {
        bool has = false;
        for (size_t i = 0; i < mk_json_array_len(modes); i++) {
            const char *s = json_object_get_string(json_object_array_get_idx(modes, i));
            has = has || (s && !strcmp(s, modes_long[m]));
        }
        if (has && len < n)
            len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? "," : "", modes_short[m]);
    }
}

const char *volume_phase_text(json_object *obj)
{
    if (mk_json_str(obj, "metadata.deletionTimestamp"))
        return "Terminating";
    return mk_json_str(obj, "status.phase") ?: "";
}

void pv_claim_text(json_object *pv, char *buf, size_t n)
{
    json_object *ref = mk_json_path(pv, "spec.claimRef");
    if (ref)
        snprintf(buf, n, "%s/%s", mk_json_str(ref, "namespace") ?: "",
                 mk_json_str(ref, "name") ?: "");
    else if (n)
        buf[0] = '\0';
}

bool storageclass_is_default(json_object *sc)
{
    json_object *ann = mk_json_path(sc, "metadata.annotations");
    static const char *const keys[] = {"storageclass.kubernetes.io/is-default-class",
                                       "storageclass.beta.kubernetes.io/is-default-class"};
    for (size_t i = 0; i < 2; i++) {
        json_object *v = NULL;
        if (json_object_is_type(ann, json_type_object) &&
            json_object_object_get_ex(ann, keys[i], &v) &&
            !strcmp(json_object_get_string(v) ?: "", "true"))
            return true;
    }
    return false;
}

void storageclass_name_text(json_object *sc, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s", mk_json_str(sc, "metadata.name") ?: "",
             storageclass_is_default(sc) ? " (default)" : "");
}

char *endpoints_text(json_object *ep)
{
    json_object *subsets = mk_json_path(ep, "subsets");
    if (mk_json_array_len(subsets) == 0)
        return xstrdup("<none>");
    mk_buf b = {0};
    size_t shown = 0, count = 0;
    for (size_t i = 0; i < mk_json_array_len(subsets); i++) {
        json_object *ss = json_object_array_get_idx(subsets, i);
        json_object *addrs = mk_json_path(ss, "addresses"), *ports = mk_json_path(ss, "ports");
        size_t np = mk_json_array_len(ports), na = mk_json_array_len(addrs);
        count += na * (np ? np : 1);
        for (size_t p = 0; p < (np ? np : 1); p++)
            for (size_t a = 0; a < na && shown < 3; a++, shown++) {
                mk_buf_printf(&b, "%s%s", shown ? "," : "",
                              mk_json_str(json_object_array_get_idx(addrs, a), "ip") ?: "");
                if (np)
                    mk_buf_printf(
                        &b, ":%lld",
                        (long long)mk_json_int(json_object_array_get_idx(ports, p), "port", 0));
            }
    }
    if (count > shown)
        mk_buf_printf(&b, " + %zu more...", count - shown);
    if (b.len == 0) {
        mk_buf_free(&b);
        return xstrdup("");
    }
    return mk_buf_steal(&b);
}

void intstr_text(json_object *v, char *buf, size_t n)
{
    snprintf(buf, n, "%s", v ? json_object_get_string(v) : "N/A");
}

void created_at_text(json_object *obj, char *buf, size_t n)
{
    const char *ts = mk_json_str(obj, "metadata.creationTimestamp");
    int64_t t = ts ? mk_parse_rfc3339(ts) : -1;
    if (t < 0)
        snprintf(buf, n, "<unknown>");
    else
        mk_rfc3339(buf, n, t);
}

void role_ref_text(json_object *binding, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", mk_json_str(binding, "roleRef.kind") ?: "",
             mk_json_str(binding, "roleRef.name") ?: "");
}

char *subjects_text(json_object *binding, const char *kind)
{
    json_object *subjects = mk_json_path(binding, "subjects");
    bool sa = strcmp(kind, "ServiceAccount") == 0;
    mk_buf b = {0};
    for (size_t i = 0; i < mk_json_array_len(subjects); i++) {
        json_object *s = json_object_array_get_idx(subjects, i);
        if (strcmp(mk_json_str(s, "kind") ?: "", kind))
            continue;
        if (b.len)
            mk_buf_puts(&b, ", ");
        if (sa)
            mk_buf_printf(&b, "%s/", mk_json_str(s, "namespace") ?: "");
        mk_buf_puts(&b, mk_json_str(s, "name") ?: "");
    }
    return mk_buf_steal(&b);
}

/* An amount of a quota's resource map. Not mk_json_str: resource names
 * hold dots ("requests.cpu"), which it would take for a path. */
static const char *amount_of(json_object *map, const char *name)
{
    json_object *v = NULL;
    json_object_object_get_ex(map, name, &v);
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *quota_usage_text(json_object *quota, bool limits)
{
    json_object *hard = mk_json_path(quota, "status.hard");
    json_object *used = mk_json_path(quota, "status.used");
    if (!json_object_is_type(hard, json_type_object))
        return xstrdup("");
    size_t n = 0;
    _cleanup_free_ const char **names =
        xcalloc((size_t)json_object_object_length(hard) + 1, sizeof *names);
    json_object_object_foreach(hard, name, v)
    {
        (void)v;
        names[n++] = name;
    }
    qsort(names, n, sizeof *names, name_cmp);
    mk_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        if ((strncmp(names[i], "limits.", strlen("limits.")) == 0) != limits)
            continue;
        mk_buf_printf(&b, "%s%s: %s/%s", b.len ? ", " : "", names[i],
                      amount_of(used, names[i]) ?: "0", amount_of(hard, names[i]) ?: "");
    }
    return mk_buf_steal(&b);
}

char *label_selector_text(json_object *sel)
{
    mk_selector *s = NULL;
    mk_err err = {0};
    if (selector_from_object(sel, &s, &err) < 0)
        return xstrdup("<error>");
    char *text = selector_is_empty(s) ? xstrdup("<none>") : selector_text(s);
    selector_free(s);
    return text;
}
