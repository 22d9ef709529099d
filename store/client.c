/* client.c - the libcurl client of mk-apiserver (see client.h).
 *
 * Every request borrows an easy handle from the client's pool and gives it
 * back afterwards; curl keeps the handle's connection open, so a busy
 * daemon talks over a few kept-alive connections instead of reconnecting
 * for each call. Watches and other streams run on a borrowed handle too,
 * with a progress callback that notices the caller's stop flag and a
 * server that went silent.
 */
#include "store/client.h"

#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "store/codec.h"
#include "store/util.h"
#include "store/watchstream.h"

#define CLIENT_DEFAULT_TIMEOUT_MS 10000
/* Handles kept for reuse; more may exist while many threads are busy. At
 * least as many as a daemon's busiest pool of threads (the scheduler's 32
 * binders): a handle dropped is a connection closed, and the next request
 * makes a new one (a new thread in the API server). */
#define CLIENT_POOL_MAX 64
/* The server sends a BOOKMARK every second on an idle watch, so a watch
 * that has been silent this long talks to a dead server (or through a dead
 * path that TCP has not noticed yet). */
#define CLIENT_WATCH_IDLE_MS 10000
/* Error bodies are Status objects; keep no more than this of one. */
#define CLIENT_ERROR_BODY_MAX (64 * 1024)
#define CLIENT_TOKEN_FILE_MAX (64 * 1024)

struct mk_client {
    char *server; /* without a trailing '/' */
    char *auth;   /* "Authorization: Bearer ..." or NULL */
    char *ca_file;
    char *user_agent;
    bool insecure;
    long timeout_ms;
    pthread_mutex_t lock; /* guards the pool */
    CURL *pool[CLIENT_POOL_MAX];
    size_t npool;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int client_read_token(const char *path, char **token, mk_err *err)
{
    _cleanup_free_ char *text = NULL;
    if (mk_read_file(path, CLIENT_TOKEN_FILE_MAX, &text, NULL, err) < 0)
        return mk_error_wrap(err, "token file");
    char *next;
    for (char *line = text; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        line += strspn(line, " \t\r");
        if (!*line || *line == '#')
            continue;
        size_t n = strcspn(line, ",\r");
        while (n && isspace((unsigned char)line[n - 1]))
            n--;
        for (size_t i = 0; i < n; i++)
            if (!isgraph((unsigned char)line[i]))
                return mk_error(err, EINVAL,
                                "token file %s: the token holds a space or "
                                "control character",
                                path);
        if (!n)
            return mk_error(err, EINVAL, "token file %s: empty token", path);
        *token = xstrndup(line, n);
        return 0;
    }
    return mk_error(err, EINVAL, "token file %s: no token in it", path);
}

int client_new(const mk_client_opts *opts, mk_client **out, mk_err *err)
{
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return mk_error(err, EIO, "curl_global_init: %s", curl_easy_strerror(curl_init_rc));
    const char *server = opts ? opts->server : NULL;
    if (!server || (strncmp(server, "http://", 7) && strncmp(server, "https://", 8)))
        return mk_error(err, EINVAL, "server %s: not an http:// or https:// URL",
                        server ? server : "(none)");
    _cleanup_free_ char *token = NULL;
    int r = opts->token_file ? client_read_token(opts->token_file, &token, err) : 0;
    if (r < 0)
        return r;

    mk_client *c = xcalloc(1, sizeof *c);
    c->server = xstrdup(server);
    for (size_t n = strlen(c->server); n > 0 && c->server[n - 1] == '/'; n--)
        c->server[n - 1] = '\0';
    c->auth = token ? xasprintf("Authorization: Bearer %s", token) : NULL;
    c->ca_file = opts->ca_file ? xstrdup(opts->ca_file) : NULL;
    c->user_agent = xstrdup(opts->user_agent ? opts->user_agent : "minik8s");
    c->insecure = opts->insecure;
    c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : CLIENT_DEFAULT_TIMEOUT_MS;
    pthread_mutex_init(&c->lock, NULL);
    *out = c;
    return 0;
}

void client_free(mk_client *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->npool; i++)
        curl_easy_cleanup(c->pool[i]);
    pthread_mutex_destroy(&c->lock);
    free(c->server);
    free(c->auth);
    free(c->ca_file);
    free(c->user_agent);
    free(c);
}

const char *client_server(const mk_client *c)
{
    return c->server;
}

/* Last in, first out: the handle used last most likely holds a live
 * connection. */
static CURL *pool_get(mk_client *c)
{
    pthread_mutex_lock(&c->lock);
    CURL *h = c->npool ? c->pool[--c->npool] : NULL;
    pthread_mutex_unlock(&c->lock);
    if (!h)
        h = curl_easy_init();
    if (!h) {
        fprintf(stderr, "out of memory: curl_easy_init\n");
        abort();
    }
    return h;
}

static void pool_put(mk_client *c, CURL *h)
{
    curl_easy_reset(h); /* options go; the connection and caches stay */
    pthread_mutex_lock(&c->lock);
    if (c->npool < CLIENT_POOL_MAX) {
        c->pool[c->npool++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&c->lock);
    if (h)
        curl_easy_cleanup(h);
}

/* One exchange in flight: the borrowed handle and what comes back. */
typedef struct xfer {
    mk_client *c;
    CURL *h;
    const char *method;
    char *url;
    struct curl_slist *headers;
    char errbuf[CURL_ERROR_SIZE];
    mk_buf body;
    mk_buf warning;
    bool want_warning;
} xfer;

static size_t header_cb(char *data, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = size * n;
    static const char name[] = "Warning:";
    /* A new status line (after a 100 Continue) starts a new header block. */
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0)
        mk_buf_reset(&x->warning);
    if (!x->want_warning || len < sizeof name - 1 || strncasecmp(data, name, sizeof name - 1))
        return len;
    const char *v = data + sizeof name - 1, *end = data + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && isspace((unsigned char)end[-1]))
        end--;
    if (x->warning.len)
        mk_buf_puts(&x->warning, "\n");
    mk_buf_append(&x->warning, v, (size_t)(end - v));
    return len;
}

static size_t body_cb(char *data, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    mk_buf_append(&x->body, data, size * n);
    return size * n;
}

static void xfer_begin(xfer *x, mk_client *c, const char *method, const char *path,
                       const char *content_type)
{
    x->c = c;
    x->h = pool_get(c);
    x->method = method;
    x->url = xasprintf("%s%s", c->server, path);
    CURL *h = x->h;
    curl_easy_setopt(h, CURLOPT_URL, x->url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for timeouts */
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->timeout_ms);
    /* A peer that vanished without a FIN is noticed in about 15 s. */
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, 5L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, 5L);
    if (c->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
    if (c->insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    x->headers = curl_slist_append(x->headers, "Accept: application/json");
    x->headers = curl_slist_append(x->headers, "Expect:"); /* no 100-continue round trip */
    if (c->auth)
        x->headers = curl_slist_append(x->headers, c->auth);
    if (content_type) {
        _cleanup_free_ char *ct = xasprintf("Content-Type: %s", content_type);
        x->headers = curl_slist_append(x->headers, ct);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->headers);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    if (strcmp(method, "GET") == 0)
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    else if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "POST") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
}

static void xfer_end(xfer *x)
{
    pool_put(x->c, x->h);
    curl_slist_free_all(x->headers);
    free(x->url);
    mk_buf_free(&x->body);
    mk_buf_free(&x->warning);
}

static int transport_error(xfer *x, CURLcode rc, mk_err *err)
{
    int code;
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        code = ECONNREFUSED;
        break;
    case CURLE_OPERATION_TIMEDOUT:
        code = ETIMEDOUT;
        break;
    default:
        code = EIO;
    }
    return mk_error(err, code, "%s %s: %s", x->method, x->url,
                    x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
}

static int http_error(xfer *x, long status, mk_err *err)
{
    _cleanup_free_ char *what = xasprintf("%s %s", x->method, x->url);
    return watchstream_status_error(status, x->body.data, x->body.len, what, err);
}

int client_request(mk_client *c, const char *method, const char *path, const char *content_type,
                   const char *body, size_t len, int *status, char **resp, size_t *resp_len,
                   char **warning, mk_err *err)
{
    if (status)
        *status = 0;
    if (resp)
        *resp = NULL;
    if (warning)
        *warning = NULL;
    xfer x = {.want_warning = warning != NULL};
    xfer_begin(&x, c, method, path, content_type);
    if (body || strcmp(method, "POST") == 0) {
        curl_easy_setopt(x.h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : 0));
        curl_easy_setopt(x.h, CURLOPT_POSTFIELDS, body ? body : "");
    }
    curl_easy_setopt(x.h, CURLOPT_WRITEFUNCTION, body_cb);
    curl_easy_setopt(x.h, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(x.h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    CURLcode rc = curl_easy_perform(x.h);
    int r = 0;
    if (rc != CURLE_OK) {
        r = transport_error(&x, rc, err);
    } else {
        long code = 0;
        curl_easy_getinfo(x.h, CURLINFO_RESPONSE_CODE, &code);
        if (code < 200 || code >= 300)
            r = http_error(&x, code, err);
        if (status)
            *status = (int)code;
        if (warning && x.warning.len)
            *warning = mk_buf_steal(&x.warning);
        if (resp_len)
            *resp_len = x.body.len;
        if (resp)
            *resp = mk_buf_steal(&x.body);
    }
    xfer_end(&x);
    return r;
}

/* ---- typed calls ---- */

static char *url_escape(const char *s)
{
    char *e = curl_easy_escape(NULL, s, 0);
    if (!e) {
        fprintf(stderr, "out of memory: curl_easy_escape\n");
        abort();
    }
    char *r = xstrdup(e);
    curl_free(e);
    return r;
}

static void query_add(mk_buf *path, const char *key, const char *value)
{
    if (!value || !*value)
        return;
    _cleanup_free_ char *v = url_escape(value);
    mk_buf_printf(path, "%c%s=%s", strchr(path->data, '?') ? '&' : '?', key, v);
}

/* The namespace a call goes to: none for cluster-scoped kinds; else the
 * one asked, the object's own, or "default", as kubectl does. */
static const char *call_ns(const mk_kind *k, const char *ns, json_object *obj)
{
    if (!k->namespaced)
        return NULL;
    if (ns && *ns)
        return ns;
    const char *own = obj ? mk_json_str(obj, "metadata.namespace") : NULL;
    return own && *own ? own : "default";
}

/* collection/name[/sub] */
static int object_path(const mk_kind *k, const char *ns, const char *name, const char *sub,
                       char **out, mk_err *err)
{
    if (!name || !*name)
        return mk_error(err, EINVAL, "%s: metadata.name: required", k->singular);
    _cleanup_free_ char *coll = kind_collection_path(k, ns);
    _cleanup_free_ char *esc = url_escape(name);
    *out = xasprintf("%s/%s%s%s", coll, esc, sub ? "/" : "", sub ? sub : "");
    return 0;
}

/* A request whose answer (if out is not NULL) is a JSON object. */
static int request_json(mk_client *c, const char *method, const char *path,
                        const char *content_type, const char *body, json_object **out,
                        mk_err *err)
{
    _cleanup_free_ char *resp = NULL;
    size_t len = 0;
    int r = client_request(c, method, path, content_type, body, body ? strlen(body) : 0, NULL,
                           &resp, &len, NULL, err);
    if (r < 0 || !out)
        return r;
    json_tokener *tok = json_tokener_new();
    json_object *obj = json_tokener_parse_ex(tok, resp, (int)len);
    json_tokener_free(tok);
    if (!json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        return mk_error(err, EBADMSG, "%s %s%s: the answer is not a JSON object", method,
                        c->server, path);
    }
    *out = obj;
    return 0;
}

static const char *to_json(json_object *obj)
{
    return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE);
}

int client_get(mk_client *c, const mk_kind *k, const char *ns, const char *name,
               json_object **out, mk_err *err)
{
    _cleanup_free_ char *path = NULL;
    int r = object_path(k, call_ns(k, ns, NULL), name, NULL, &path, err);
    if (r < 0)
        return r;
    return request_json(c, "GET", path, NULL, NULL, out, err);
}

/* Items of a list come without apiVersion and kind (as in Kubernetes);
 * put them back in front so every cached object is a whole manifest. */
static json_object *with_type_meta(json_object *item, const mk_kind *k)
{
    if (mk_json_str(item, "kind"))
        return json_object_get(item);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "apiVersion", json_object_new_string(k->api_version));
    json_object_object_add(o, "kind", json_object_new_string(k->kind));
    json_object_object_foreach(item, key, val)
        json_object_object_add(o, key, json_object_get(val));
    return o;
}

int client_list(mk_client *c, const mk_kind *k, const char *ns, const char *label_sel,
                const char *field_sel, json_object **items, int64_t *rev, mk_err *err)
{
    mk_buf path = {0};
    char *coll = kind_collection_path(k, k->namespaced ? ns : NULL);
    mk_buf_puts(&path, coll);
    free(coll);
    query_add(&path, "labelSelector", label_sel);
    query_add(&path, "fieldSelector", field_sel);
    json_object *list = NULL;
    int r = request_json(c, "GET", path.data, NULL, NULL, &list, err);
    mk_buf_free(&path);
    if (r < 0)
        return r;
    json_object *in = mk_json_path(list, "items");
    json_object *arr = json_object_new_array();
    size_t n = mk_json_array_len(in);
    for (size_t i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(in, i);
        if (json_object_is_type(item, json_type_object))
            json_object_array_add(arr, with_type_meta(item, k));
    }
    const char *rv = mk_json_str(list, "metadata.resourceVersion");
    if (rev)
        *rev = rv ? strtoll(rv, NULL, 10) : 0;
    json_object_put(list);
    *items = arr;
    return 0;
}

static int write_object(mk_client *c, const char *method, const mk_kind *k, const char *ns,
                        json_object *obj, const char *sub, json_object **out, mk_err *err)
{
    ns = call_ns(k, ns, obj);
    _cleanup_free_ char *path = NULL;
    int r = 0;
    if (strcmp(method, "POST") == 0)
        path = kind_collection_path(k, ns);
    else
        r = object_path(k, ns, mk_json_str(obj, "metadata.name"), sub, &path, err);
    if (r < 0)
        return r;
    return request_json(c, method, path, "application/json", to_json(obj), out, err);
}

int client_create(mk_client *c, const mk_kind *k, const char *ns, json_object *obj,
                  json_object **out, mk_err *err)
{
    return write_object(c, "POST", k, ns, obj, NULL, out, err);
}

int client_update(mk_client *c, const mk_kind *k, const char *ns, json_object *obj,
                  json_object **out, mk_err *err)
{
    return write_object(c, "PUT", k, ns, obj, NULL, out, err);
}

int client_update_status(mk_client *c, const mk_kind *k, const char *ns, json_object *obj,
                         json_object **out, mk_err *err)
{
    return write_object(c, "PUT", k, ns, obj, "status", out, err);
}

static int patch_as(mk_client *c, const mk_kind *k, const char *ns, const char *name,
                    const char *subresource, const char *type, const char *patch,
                    json_object **out, mk_err *err)
{
    _cleanup_free_ char *path = NULL;
    int r = object_path(k, call_ns(k, ns, NULL), name, subresource, &path, err);
    if (r < 0)
        return r;
    return request_json(c, "PATCH", path, type, patch, out, err);
}

int client_patch(mk_client *c, const mk_kind *k, const char *ns, const char *name,
                 const char *subresource, const char *patch, json_object **out, mk_err *err)
{
    return patch_as(c, k, ns, name, subresource, "application/merge-patch+json", patch, out,
                    err);
}

int client_patch_strategic(mk_client *c, const mk_kind *k, const char *ns, const char *name,
                           const char *subresource, const char *patch, json_object **out,
                           mk_err *err)
{
    return patch_as(c, k, ns, name, subresource, "application/strategic-merge-patch+json",
                    patch, out, err);
}

int client_delete(mk_client *c, const mk_kind *k, const char *ns, const char *name,
                  const char *propagation, mk_err *err)
{
    _cleanup_free_ char *path = NULL;
    int r = object_path(k, call_ns(k, ns, NULL), name, NULL, &path, err);
    if (r < 0)
        return r;
    if (!propagation)
        return request_json(c, "DELETE", path, NULL, NULL, NULL, err);
    /* Both ways Kubernetes takes it: the query parameter and DeleteOptions. */
    mk_buf p = {0};
    mk_buf_puts(&p, path);
    query_add(&p, "propagationPolicy", propagation);
    json_object *opts = json_object_new_object();
    json_object_object_add(opts, "kind", json_object_new_string("DeleteOptions"));
    json_object_object_add(opts, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(opts, "propagationPolicy", json_object_new_string(propagation));
    r = request_json(c, "DELETE", p.data, "application/json", to_json(opts), NULL, err);
    json_object_put(opts);
    mk_buf_free(&p);
    return r;
}

int client_bind(mk_client *c, const char *ns, const char *pod, const char *node, mk_err *err)
{
    const mk_kind *k = kind_by_kind("Pod");
    ns = call_ns(k, ns, NULL);
    _cleanup_free_ char *path = NULL;
    int r = object_path(k, ns, pod, "binding", &path, err);
    if (r < 0)
        return r;
    json_object *b = json_object_new_object();
    json_object_object_add(b, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(b, "kind", json_object_new_string("Binding"));
    json_object *meta = json_object_new_object();
    json_object_object_add(meta, "name", json_object_new_string(pod));
    json_object_object_add(meta, "namespace", json_object_new_string(ns));
    json_object_object_add(b, "metadata", meta);
    json_object *target = json_object_new_object();
    json_object_object_add(target, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(target, "kind", json_object_new_string("Node"));
    json_object_object_add(target, "name", json_object_new_string(node));
    json_object_object_add(b, "target", target);
    r = request_json(c, "POST", path, "application/json", to_json(b), NULL, err);
    json_object_put(b);
    return r;
}

/* ---- streams ---- */

typedef struct stream {
    xfer *x;
    mk_chunk_fn fn;
    void *ctx;
    volatile bool *stop;
    int64_t idle_ns;      /* 0: the stream may stay silent forever */
    int64_t last_data_ns; /* when bytes last arrived */
    long status;          /* the HTTP status, once the body starts */
    int fn_rc;            /* fn's non-zero answer, which ended the stream */
    bool idle;            /* ended for silence */
} stream;

static bool stop_requested(volatile bool *stop)
{
    return stop && __atomic_load_n(stop, __ATOMIC_RELAXED);
}

static size_t stream_write(char *data, size_t size, size_t n, void *ud)
{
    stream *s = ud;
    size_t len = size * n;
    s->last_data_ns = mk_now_ns();
    if (!s->status)
        curl_easy_getinfo(s->x->h, CURLINFO_RESPONSE_CODE, &s->status);
    if (s->status < 200 || s->status >= 300) {
        /* An error answer: keep its Status body for the message. */
        if (s->x->body.len < CLIENT_ERROR_BODY_MAX)
            mk_buf_append(&s->x->body, data, len);
        return len;
    }
    s->fn_rc = s->fn(s->ctx, data, len);
    s->last_data_ns = mk_now_ns(); /* time spent in fn is not the server's silence */
    return s->fn_rc ? 0 : len;     /* a short count makes curl end the transfer */
}

/* curl calls this at least once a second, even while nothing arrives. */
static int stream_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                           curl_off_t ulnow)
{
    stream *s = ud;
    if (stop_requested(s->stop))
        return 1;
    if (s->idle_ns && mk_now_ns() - s->last_data_ns > s->idle_ns) {
        s->idle = true;
        return 1;
    }
    return 0;
}

/* GET path and feed the body to fn. Returns < 0 for a transport or HTTP
 * error; else 0, with *fn_rc set to fn's non-zero answer if it ended the
 * stream (0 if the server or the stop flag ended it). */
static int stream_run(mk_client *c, const char *path, mk_chunk_fn fn, void *ctx,
                      volatile bool *stop, int idle_ms, int *fn_rc, mk_err *err)
{
    xfer x = {0};
    xfer_begin(&x, c, "GET", path, NULL);
    stream s = {.x = &x,
                .fn = fn,
                .ctx = ctx,
                .stop = stop,
                .idle_ns = (int64_t)idle_ms * 1000000,
                .last_data_ns = mk_now_ns()};
    curl_easy_setopt(x.h, CURLOPT_WRITEFUNCTION, stream_write);
    curl_easy_setopt(x.h, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(x.h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(x.h, CURLOPT_XFERINFOFUNCTION, stream_progress);
    curl_easy_setopt(x.h, CURLOPT_XFERINFODATA, &s);
    CURLcode rc = curl_easy_perform(x.h);
    int r = 0;
    *fn_rc = s.fn_rc;
    if (s.fn_rc || stop_requested(stop)) {
        r = 0;
    } else if (s.idle) {
        r = mk_error(err, ETIMEDOUT, "GET %s: nothing received for %d s", x.url,
                     idle_ms / 1000);
    } else if (rc != CURLE_OK) {
        r = transport_error(&x, rc, err);
    } else {
        if (!s.status)
            curl_easy_getinfo(x.h, CURLINFO_RESPONSE_CODE, &s.status);
        if (s.status < 200 || s.status >= 300)
            r = http_error(&x, s.status, err);
    }
    xfer_end(&x);
    return r;
}

int client_stream(mk_client *c, const char *path, mk_chunk_fn fn, void *ctx,
                  volatile bool *stop, mk_err *err)
{
    int fn_rc;
    return stream_run(c, path, fn, ctx, stop, 0, &fn_rc, err);
}

static int watch_chunk(void *ctx, const char *data, size_t len)
{
    return watchstream_feed(ctx, data, len);
}

int client_watch(mk_client *c, const mk_kind *k, const char *ns, const char *label_sel,
                 const char *field_sel, int64_t rev, mk_watch_fn fn, void *ctx,
                 volatile bool *stop, mk_err *err)
{
    mk_buf path = {0};
    char *coll = kind_collection_path(k, k->namespaced ? ns : NULL);
    mk_buf_printf(&path, "%s?watch=true&allowWatchBookmarks=true", coll);
    free(coll);
    if (rev > 0)
        mk_buf_printf(&path, "&resourceVersion=%lld", (long long)rev);
    query_add(&path, "labelSelector", label_sel);
    query_add(&path, "fieldSelector", field_sel);
    mk_watchstream ws;
    watchstream_init(&ws, fn, ctx);
    int fn_rc = 0;
    int r = stream_run(c, path.data, watch_chunk, &ws, stop, CLIENT_WATCH_IDLE_MS, &fn_rc, err);
    if (r == 0 && fn_rc < 0) {
        if (err)
            *err = ws.err;
        r = fn_rc;
    }
    watchstream_free(&ws);
    mk_buf_free(&path);
    return r;
}
