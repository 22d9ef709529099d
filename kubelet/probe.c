/* probe.c - container probes (see probe.h). */
#include "kubelet/probe.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/codec.h"
#include "store/log.h"
#include "store/util.h"

static const char *const probe_field[PROBE_KINDS] = {"startupProbe", "livenessProbe",
                                                     "readinessProbe"};
static const char *const probe_name[PROBE_KINDS] = {"Startup", "Liveness", "Readiness"};

/* ---- reading a spec ---- */

/* An int port, or a name looked up among the container's ports. */
static int port_of(probe_spec *s, json_object *port, json_object *container)
{
    if (json_object_is_type(port, json_type_int))
        return json_object_get_int(port);
    const char *name = json_object_get_string(port);
    json_object *ports = mk_json_path(container, "ports");
    for (size_t i = 0; ports && i < json_object_array_length(ports); i++) {
        json_object *p = json_object_array_get_idx(ports, i);
        const char *pn = mk_json_str(p, "name");
        if (pn && name && strcmp(pn, name) == 0)
            return (int)mk_json_int(p, "containerPort", -1);
    }
    s->port_name = xstrdup(name ? name : "");
    return -1;
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void read_handler(probe_spec *s, json_object *probe, json_object *container)
{
    json_object *h;
    if ((h = mk_json_path(probe, "exec"))) {
        json_object *cmd = mk_json_path(h, "command");
        size_t n = cmd ? json_object_array_length(cmd) : 0;
        s->handler = PROBE_EXEC;
        s->argv = xcalloc(n + 1, sizeof *s->argv);
        for (size_t i = 0; i < n; i++)
            s->argv[i] = xstrdup(json_object_get_string(json_object_array_get_idx(cmd, i)));
    } else if ((h = mk_json_path(probe, "httpGet"))) {
        s->handler = PROBE_HTTP;
        const char *path = mk_json_str(h, "path");
        s->path = xstrdup(path && *path ? path : "/");
        const char *scheme = mk_json_str(h, "scheme");
        s->https = scheme && strcmp(scheme, "HTTPS") == 0;
        s->headers = json_object_get(mk_json_path(h, "httpHeaders"));
    } else if ((h = mk_json_path(probe, "tcpSocket"))) {
        s->handler = PROBE_TCP;
    } else if ((h = mk_json_path(probe, "grpc"))) {
        s->handler = PROBE_GRPC;
    } else {
        return;
    }
    const char *host = mk_json_str(h, "host");
    s->host = dup_or_null(host && *host ? host : NULL);
    json_object *port = mk_json_path(h, "port");
    s->port = port ? port_of(s, port, container) : -1;
}

static int count(json_object *probe, const char *field, int dflt, int min)
{
    int64_t v = mk_json_int(probe, field, dflt);
    return v < min ? min : v > 86400 * 365 ? 86400 * 365 : (int)v;
}

static void spec_read(probe_spec *s, json_object *probe, json_object *container, probe_kind k)
{
    *s = (probe_spec){.port = -1, .grace_s = -1};
    if (!probe)
        return;
    read_handler(s, probe, container);
    s->initial_delay_s = count(probe, "initialDelaySeconds", 0, 0);
    s->period_s = count(probe, "periodSeconds", 10, 1);
    s->timeout_s = count(probe, "timeoutSeconds", 1, 1);
    /* Liveness and startup must succeed once, as the API insists. */
    s->success_threshold = k == PROBE_READINESS ? count(probe, "successThreshold", 1, 1) : 1;
    s->failure_threshold = count(probe, "failureThreshold", 3, 1);
    s->grace_s = mk_json_int(probe, "terminationGracePeriodSeconds", -1);
}

static void spec_free(probe_spec *s)
{
    for (size_t i = 0; s->argv && s->argv[i]; i++)
        free(s->argv[i]);
    free(s->argv);
    free(s->host);
    free(s->path);
    free(s->port_name);
    json_object_put(s->headers);
    *s = (probe_spec){0};
}

/* ---- running one probe ---- */

/* Read what fits of fd into buf (len so far); false at EOF or error. */
static bool read_some(int fd, char *buf, size_t cap, size_t *len)
{
    char scratch[512];
    ssize_t r = *len + 1 < cap ? read(fd, buf + *len, cap - 1 - *len)
                               : read(fd, scratch, sizeof scratch);
    if (r < 0 && errno == EINTR)
        return true;
    if (r <= 0)
        return false;
    if (*len + 1 < cap)
        *len += (size_t)r;
    return true;
}

/* Collect the command's output until both pipes close or the deadline
 * passes. False on the deadline. */
static bool collect_output(int out, int err, int64_t deadline_ns, char *buf, size_t cap,
                           size_t *len)
{
    struct pollfd pf[2] = {{.fd = out, .events = POLLIN}, {.fd = err, .events = POLLIN}};
    for (int open = 2; open > 0;) {
        int64_t left_ms = (deadline_ns - mk_now_ns()) / 1000000;
        if (left_ms <= 0)
            return false;
        int r = poll(pf, 2, (int)left_ms);
        if (r < 0 && errno != EINTR)
            return true;
        for (int i = 0; r > 0 && i < 2; i++) {
            if (pf[i].fd >= 0 && pf[i].revents && !read_some(pf[i].fd, buf, cap, len)) {
                pf[i].fd = -1;
                open--;
            }
        }
    }
    return true;
}

static bool run_exec(const probe_spec *s, const probe_target *t, char *msg, size_t n)
{
    int in = -1, out = -1, errfd = -1;
    pid_t pid;
    mk_err err = {0};
    if (runtime_exec(t->rt, t->ctr_id, s->argv, false, &in, &out, &errfd, &pid, &err) < 0) {
        snprintf(msg, n, "%s", err.msg);
        return false;
    }
    char buf[200];
    size_t len = 0;
    bool in_time = collect_output(out, errfd, mk_now_ns() + (int64_t)s->timeout_s * 1000000000,
                                  buf, sizeof buf, &len);
    close(out);
    close(errfd);
    if (!in_time)
        kill(pid,
             SIGKILL); /* the runtime's exec; what it started may run on, as in Kubernetes */
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!in_time) {
        snprintf(msg, n, "command timed out after %ds", s->timeout_s);
        return false;
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code == 0)
        return true;
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        len--;
    snprintf(msg, n, "command exited %d%s%.*s", code, len ? ": " : "", (int)len, buf);
    return false;
}

static size_t discard(char *p, size_t size, size_t nmemb, void *ctx)
{
    (void)p;
    (void)ctx;
    return size * nmemb;
}

static struct curl_slist *http_headers(json_object *headers)
{
    struct curl_slist *list = NULL;
    for (size_t i = 0; headers && i < json_object_array_length(headers); i++) {
        json_object *h = json_object_array_get_idx(headers, i);
        const char *name = mk_json_str(h, "name"), *value = mk_json_str(h, "value");
        if (!name || !*name)
            continue;
        _cleanup_free_ char *line = xasprintf("%s: %s", name, value ? value : "");
        list = curl_slist_append(list, line);
    }
    return curl_slist_append(list, "User-Agent: kube-probe/1.32");
}

static bool run_http(const probe_spec *s, const char *host, char *msg, size_t n)
{
    bool v6 = strchr(host, ':') != NULL;
    _cleanup_free_ char *url =
        xasprintf("%s://%s%s%s:%d%s%s", s->https ? "https" : "http", v6 ? "[" : "", host,
                  v6 ? "]" : "", s->port, s->path[0] == '/' ? "" : "/", s->path);
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(msg, n, "curl_easy_init failed");
        return false;
    }
    struct curl_slist *headers = http_headers(s->headers);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)s->timeout_s * 1000);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L); /* as the kubelet: the pod's own cert */
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
        snprintf(msg, n, "Get \"%s\": %s", url, curl_easy_strerror(rc));
        return false;
    }
    if (code >= 200 && code < 400)
        return true;
    snprintf(msg, n, "HTTP probe failed with statuscode: %ld", code);
    return false;
}

static bool run_tcp(const probe_spec *s, const char *host, char *msg, size_t n)
{
    char port[16];
    snprintf(port, sizeof port, "%d", s->port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    int gai = getaddrinfo(host, port, &hints, &ai);
    if (gai != 0) {
        snprintf(msg, n, "dial tcp %s:%d: %s", host, s->port, gai_strerror(gai));
        return false;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int e = fd < 0 ? errno : 0;
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        e = errno;
        if (e == EINPROGRESS) {
            struct pollfd pf = {.fd = fd, .events = POLLOUT};
            socklen_t el = sizeof e;
            int r = poll(&pf, 1, s->timeout_s * 1000);
            if (r == 0)
                e = ETIMEDOUT;
            else if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
                e = errno;
        }
    }
    freeaddrinfo(ai);
    if (fd >= 0)
        close(fd);
    if (e)
        snprintf(msg, n, "dial tcp %s:%d: %s", host, s->port, strerror(e));
    return e == 0;
}

bool probe_run(const probe_spec *s, const probe_target *t, char *msg, size_t n)
{
    msg[0] = '\0';
    if (s->handler == PROBE_EXEC)
        return run_exec(s, t, msg, n);
    if (s->handler == PROBE_GRPC) {
        snprintf(msg, n,
                 "grpc probes are not supported by minik8s (use exec, httpGet or tcpSocket)");
        return false;
    }
    if (s->port < 0) {
        snprintf(msg, n, "port %s: no such port among the container's ports",
                 s->port_name ? s->port_name : "?");
        return false;
    }
    const char *host = s->host ? s->host : t->pod_ip;
    if (!host || !*host) {
        snprintf(msg, n, "the pod has no IP yet");
        return false;
    }
    return s->handler == PROBE_HTTP ? run_http(s, host, msg, n) : run_tcp(s, host, msg, n);
}

bool probe_hook(json_object *handler, json_object *container, const probe_target *t,
                int timeout_s, char *msg, size_t n)
{
    json_object *sl = mk_json_path(handler, "sleep");
    if (sl) { /* the sleep action: the kubelet itself waits */
        int64_t s = mk_json_int(sl, "seconds", 0);
        s = s < 0 ? 0 : s > timeout_s ? timeout_s : s;
        struct timespec ts = {.tv_sec = (time_t)s};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
            ;
        msg[0] = '\0';
        return true;
    }
    probe_spec s = {.port = -1, .grace_s = -1};
    read_handler(&s, handler, container);
    s.timeout_s = timeout_s > 0 ? timeout_s : 1;
    bool ok = s.handler != PROBE_NONE && probe_run(&s, t, msg, n);
    if (s.handler == PROBE_NONE)
        snprintf(msg, n, "the hook has no handler (exec, httpGet or sleep)");
    spec_free(&s);
    return ok;
}

/* ---- the rules ---- */

void probe_set_init(probe_set *ps, json_object *container)
{
    *ps = (probe_set){0};
    for (int k = 0; k < PROBE_KINDS; k++)
        spec_read(&ps->p[k].spec, mk_json_path(container, probe_field[k]), container, k);
    ps->started = ps->p[PROBE_STARTUP].spec.handler == PROBE_NONE;
}

void probe_set_free(probe_set *ps)
{
    for (int k = 0; k < PROBE_KINDS; k++)
        spec_free(&ps->p[k].spec);
}

bool probe_set_empty(const probe_set *ps)
{
    for (int k = 0; k < PROBE_KINDS; k++)
        if (ps->p[k].spec.handler != PROBE_NONE)
            return false;
    return true;
}

void probe_set_restart(probe_set *ps, int64_t started_ms)
{
    for (int k = 0; k < PROBE_KINDS; k++) {
        probe_state *st = &ps->p[k];
        st->ok = false;
        st->successes = st->failures = 0;
        st->next_ms = started_ms + (int64_t)st->spec.initial_delay_s * 1000;
    }
    ps->started = ps->p[PROBE_STARTUP].spec.handler == PROBE_NONE;
}

/* Is probe k one that runs now (present, and its turn in the startup order)? */
static bool active(const probe_set *ps, probe_kind k)
{
    if (ps->p[k].spec.handler == PROBE_NONE)
        return false;
    return k == PROBE_STARTUP ? !ps->started : ps->started;
}

static void record(probe_state *st, const probe_target *t, probe_kind k, bool pass,
                   const char *msg)
{
    bool was = st->ok;
    if (pass) {
        st->failures = 0;
        if (++st->successes >= st->spec.success_threshold)
            st->ok = true;
    } else {
        st->successes = 0;
        if (++st->failures >= st->spec.failure_threshold)
            st->ok = false;
        mk_debug("%s: %s probe failed: %s", t->who, probe_name[k], msg);
        if (t->ref)
            recorder_event(t->rec, t->ref, "Warning", "Unhealthy", "%s probe failed: %s",
                           probe_name[k], msg);
    }
    if (st->ok != was)
        mk_log("%s: %s probe %s%s%s", t->who, probe_name[k], st->ok ? "succeeded" : "failed",
               st->ok ? "" : ": ", st->ok ? "" : msg);
}

void probe_set_tick(probe_set *ps, const probe_target *t, int64_t now, probe_verdict *v)
{
    *v = (probe_verdict){.grace_s = -1};
    for (int k = 0; k < PROBE_KINDS; k++) {
        probe_state *st = &ps->p[k];
        if (!active(ps, k))
            continue;
        if (now >= st->next_ms) {
            char msg[200];
            bool pass = probe_run(&st->spec, t, msg, sizeof msg);
            record(st, t, k, pass, msg);
            st->next_ms = mk_wall_ms() + (int64_t)st->spec.period_s * 1000;
            if (k == PROBE_STARTUP && st->ok)
                ps->started = true;
            if (k != PROBE_READINESS && !pass && st->failures >= st->spec.failure_threshold &&
                !v->kill) {
                v->kill = true;
                v->why = k;
                v->grace_s = st->spec.grace_s;
                snprintf(v->message, sizeof v->message, "%s probe failed: %s", probe_name[k],
                         msg);
            }
        }
        /* A startup probe that just passed hands over to liveness and
         * readiness, which the next turns of this loop run. */
        if (active(ps, k) && (!v->next_ms || st->next_ms < v->next_ms))
            v->next_ms = st->next_ms;
    }
    v->started = ps->started;
    v->ready = ps->started &&
               (ps->p[PROBE_READINESS].spec.handler == PROBE_NONE || ps->p[PROBE_READINESS].ok);
}
