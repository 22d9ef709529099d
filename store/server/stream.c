/* stream.c - streamed lists and watches (see stream.h). */
#include "store/server/stream.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store/codec.h"
#include "store/log.h"
#include "store/selector.h"
#include "store/server/table.h"
#include "store/server/watch.h"

#define STREAM_FLUSH_BYTES  (64 * 1024)
#define STREAM_PIPE_BYTES   (1024 * 1024)
#define WATCH_BATCH         64
#define WATCH_CATCHUP_BYTES (256 * 1024)

/* ---- what a list or watch selects ---- */

typedef struct stream_filter {
    const mk_kind *k;
    const mk_kind_version *served; /* objects go out at this version; NULL: as stored */
    char *prefix;                  /* kind_prefix: the namespace or all of them */
    char *exact_key;               /* the route named one object */
    mk_selector *labels, *fields;
    bool selective; /* a selector that needs the object's fields */
} stream_filter;

static void filter_free(stream_filter *f)
{
    free(f->prefix);
    free(f->exact_key);
    selector_free(f->labels);
    selector_free(f->fields);
    *f = (stream_filter){0};
}

static int filter_init(api_req *r, const api_route *rt, stream_filter *f, mk_err *err)
{
    *f = (stream_filter){.k = rt->kind, .served = rt->served};
    if (selector_parse_labels(api_query(r, "labelSelector"), &f->labels, err) < 0 ||
        selector_parse_fields(api_query(r, "fieldSelector"), &f->fields, err) < 0) {
        filter_free(f);
        return -err->code;
    }
    f->selective = !selector_is_empty(f->labels) || !selector_is_empty(f->fields);
    const char *ns = rt->kind->namespaced && rt->ns[0] ? rt->ns : NULL;
    f->prefix = kind_prefix(rt->kind, ns);
    if (rt->name[0])
        f->exact_key = kind_key(rt->kind, rt->ns, rt->name);
    return 0;
}

static bool filter_key(const stream_filter *f, const char *key)
{
    if (f->exact_key)
        return strcmp(key, f->exact_key) == 0;
    return strncmp(key, f->prefix, strlen(f->prefix)) == 0;
}

/* The list and kind names an answer carries: the route's version. */
static const char *filter_api_version(const stream_filter *f)
{
    return f->served ? f->served->api_version : f->k->api_version;
}

static json_object *parse_json(const char *s, size_t len)
{
    json_tokener *tok = json_tokener_new();
    json_object *obj = json_tokener_parse_ex(tok, s, (int)len);
    json_tokener_free(tok);
    return obj;
}

/* A stored object's JSON, at f's version, appended to buf. */
static void append_served(mk_buf *buf, const stream_filter *f, const char *json, size_t len,
                          json_object *parsed)
{
    if (!f->served) {
        mk_buf_append(buf, json, len);
        return;
    }
    json_object *obj = NULL;
    if (parsed)
        json_object_deep_copy(parsed, &obj, NULL);
    else
        obj = parse_json(json, len);
    if (!obj) { /* the store holds JSON; never a broken event */
        mk_buf_append(buf, json, len);
        return;
    }
    f->served->from_stored(obj);
    mk_buf_puts(buf, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(obj);
}

/* obj is an object or a hub view: both carry the paths selectors use. */
static bool filter_obj(const stream_filter *f, json_object *obj)
{
    return selector_match_labels(f->labels, mk_json_path(obj, "metadata.labels")) &&
           selector_match_fields(f->fields, obj);
}

static bool full_object(api_req *r)
{
    const char *inc = api_query(r, "includeObject");
    return inc && strcmp(inc, "Object") == 0;
}

/* ---- the list producer: backend_list into a pipe ---- */

typedef enum stream_fmt {
    FMT_LIST_JSON,
    FMT_LIST_TABLE,
    FMT_WATCH_JSON, /* synthetic ADDED events */
    FMT_WATCH_TABLE,
} stream_fmt;

typedef struct producer {
    api_server *srv;
    stream_filter *f;
    bool own_filter;
    stream_fmt fmt;
    bool full_object;
    int fd;
    mk_buf buf;
    size_t items;
    bool failed;
    int64_t rev;
    mk_err err;
} producer;

static void producer_free(producer *p)
{
    if (p->own_filter) {
        filter_free(p->f);
        free(p->f);
    }
    if (p->fd >= 0)
        close(p->fd);
    mk_buf_free(&p->buf);
    free(p);
}

static int producer_flush(producer *p)
{
    size_t off = 0;
    while (off < p->buf.len) {
        ssize_t w = write(p->fd, p->buf.data + off, p->buf.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            p->failed = true; /* the client went away: EPIPE */
            mk_buf_reset(&p->buf);
            return -1;
        }
        off += (size_t)w;
    }
    mk_buf_reset(&p->buf);
    return 0;
}

static int producer_item(void *ctx, const mk_kv *kv)
{
    producer *p = ctx;
    if (!filter_key(p->f, kv->key))
        return 0;
    bool table = p->fmt == FMT_LIST_TABLE || p->fmt == FMT_WATCH_TABLE;
    json_object *obj = NULL;
    if (p->f->selective || table) {
        obj = parse_json(kv->value, kv->len);
        if (!obj || (p->f->selective && !filter_obj(p->f, obj))) {
            json_object_put(obj);
            return 0;
        }
    }
    bool list = p->fmt == FMT_LIST_JSON || p->fmt == FMT_LIST_TABLE;
    if (list && p->items)
        mk_buf_puts(&p->buf, ",");
    if (!list)
        mk_buf_puts(&p->buf, "{\"type\":\"ADDED\",\"object\":");
    if (p->fmt == FMT_LIST_JSON || p->fmt == FMT_WATCH_JSON) {
        append_served(&p->buf, p->f, kv->value, kv->len, obj);
    } else {
        json_object *t = p->fmt == FMT_LIST_TABLE ? table_row(p->f->k, obj, p->full_object)
                                                  : table_of_one(p->f->k, obj, p->full_object);
        table_serve_as(t, p->f->served);
        mk_buf_puts(&p->buf, json_object_to_json_string_ext(
                                 t, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(t);
    }
    if (!list)
        mk_buf_puts(&p->buf, "}\n");
    json_object_put(obj);
    p->items++;
    if (p->buf.len >= STREAM_FLUSH_BYTES && producer_flush(p) < 0)
        return 1;
    return 0;
}

static void producer_run(producer *p)
{
    const mk_kind *k = p->f->k;
    if (p->fmt == FMT_LIST_JSON) {
        mk_buf_printf(&p->buf, "{\"kind\":\"%sList\",\"apiVersion\":\"%s\",\"items\":[",
                      k->kind, filter_api_version(p->f));
    } else if (p->fmt == FMT_LIST_TABLE) {
        json_object *cols = table_columns(k);
        mk_buf_printf(&p->buf,
                      "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\","
                      "\"columnDefinitions\":%s,\"rows\":[",
                      json_object_to_json_string_ext(cols, JSON_C_TO_STRING_PLAIN |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(cols);
    }
    int rc = backend_list(p->srv->be, p->f->prefix, producer_item, p, &p->rev, &p->err);
    if (rc < 0) {
        mk_log("list %s: %s", p->f->prefix, p->err.msg);
        p->failed = true;
        return; /* a truncated body: the client sees a broken document, not a short list */
    }
    if (p->failed)
        return;
    if (p->fmt == FMT_LIST_JSON || p->fmt == FMT_LIST_TABLE)
        mk_buf_printf(&p->buf, "],\"metadata\":{\"resourceVersion\":\"%lld\"}}",
                      (long long)p->rev);
    producer_flush(p);
}

static void *producer_detached(void *arg)
{
    producer *p = arg;
    api_server *srv = p->srv;
    producer_run(p);
    producer_free(p);
    atomic_fetch_sub(&srv->producers, 1);
    return NULL;
}

static void *producer_joined(void *arg)
{
    producer *p = arg;
    producer_run(p);
    /* Close the write end now: the watch reader sees EOF and joins us. */
    close(p->fd);
    p->fd = -1;
    return NULL;
}

static int make_pipe(int fds[2], mk_err *err)
{
    if (pipe2(fds, O_CLOEXEC) < 0)
        return mk_error(err, errno, "pipe: %s", strerror(errno));
    fcntl(fds[1], F_SETPIPE_SZ, STREAM_PIPE_BYTES); /* best effort: fewer wakeups */
    return 0;
}

void stream_wait_producers(api_server *srv, int timeout_ms)
{
    for (int waited = 0; atomic_load(&srv->producers) > 0 && waited < timeout_ms; waited += 10)
        usleep(10000);
}

enum MHD_Result stream_list(api_req *r, const api_route *rt)
{
    mk_err err = {0};
    stream_filter *f = xcalloc(1, sizeof *f);
    if (filter_init(r, rt, f, &err) < 0) {
        free(f);
        return api_reply_err(r, &err, rt->kind, NULL);
    }
    int fds[2];
    if (make_pipe(fds, &err) < 0) {
        filter_free(f);
        free(f);
        return api_reply_err(r, &err, rt->kind, NULL);
    }
    producer *p = xcalloc(1, sizeof *p);
    *p = (producer){.srv = r->srv,
                    .f = f,
                    .own_filter = true,
                    .fd = fds[1],
                    .fmt = api_wants_table(r) ? FMT_LIST_TABLE : FMT_LIST_JSON,
                    .full_object = full_object(r)};
    atomic_fetch_add(&r->srv->producers, 1);
    pthread_t t;
    if (pthread_create(&t, NULL, producer_detached, p) != 0) {
        atomic_fetch_sub(&r->srv->producers, 1);
        producer_free(p);
        close(fds[0]);
        return api_fail(r, EAGAIN, "too many requests");
    }
    pthread_detach(t);
    struct MHD_Response *resp = MHD_create_response_from_pipe(fds[0]);
    if (!resp) {
        close(fds[0]); /* the producer sees EPIPE and ends */
        return api_fail(r, EIO, "cannot create response");
    }
    return api_reply_resp(r, 200, resp, "application/json");
}

/* ---- watch ---- */

typedef struct watch_stream {
    api_server *srv;
    stream_filter f;
    bool table, full_object, bookmarks;
    int64_t cursor;  /* every event <= cursor has been considered */
    int64_t end_ns;  /* timeoutSeconds; 0: none */
    int64_t idle_ns; /* when the next BOOKMARK (or keepalive) is due */
    mk_buf out;
    size_t out_pos;
    bool done;
    /* the initial listing, while it runs */
    int rfd;
    pthread_t thread;
    producer *p;
} watch_stream;

static const char *event_name(mk_event_type t)
{
    return t == MK_EV_ADDED ? "ADDED" : t == MK_EV_MODIFIED ? "MODIFIED" : "DELETED";
}

static void watch_error(watch_stream *ws, int code, const char *reason, const char *msg)
{
    _cleanup_free_ char *st = status_json(code, reason, msg, NULL, NULL);
    mk_buf_printf(&ws->out, "{\"type\":\"ERROR\",\"object\":%s}\n", st);
    ws->done = true;
}

/* Decide what a watcher sees of an event: selector transitions become
 * ADDED/DELETED, as Kubernetes' watch cache sends them. */
static void watch_emit(watch_stream *ws, hub_event *e)
{
    if (!filter_key(&ws->f, e->key))
        return;
    mk_event_type type = e->type;
    if (ws->f.selective) {
        bool cur = filter_obj(&ws->f, hub_event_view(e, false));
        json_object *pv = type == MK_EV_MODIFIED ? hub_event_view(e, true) : NULL;
        if (pv) {
            bool prev = filter_obj(&ws->f, pv);
            if (!cur && !prev)
                return;
            type = cur && prev ? MK_EV_MODIFIED : cur ? MK_EV_ADDED : MK_EV_DELETED;
        } else if (!cur) {
            return;
        }
    }
    if (!ws->table) {
        mk_buf_printf(&ws->out, "{\"type\":\"%s\",\"object\":", event_name(type));
        append_served(&ws->out, &ws->f, e->json, e->len, NULL);
        mk_buf_puts(&ws->out, "}\n");
        return;
    }
    json_object *obj = parse_json(e->json, e->len);
    if (!obj)
        return;
    json_object *t = table_of_one(ws->f.k, obj, ws->full_object);
    table_serve_as(t, ws->f.served);
    mk_buf_printf(&ws->out, "{\"type\":\"%s\",\"object\":%s}\n", event_name(type),
                  json_object_to_json_string_ext(t, JSON_C_TO_STRING_PLAIN |
                                                        JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(t);
    json_object_put(obj);
}

static int watch_history_event(void *ctx, const mk_event *ev)
{
    watch_stream *ws = ctx;
    if (ev->rev <= ws->cursor)
        return 0;
    hub_event *e = hub_event_new(ev);
    watch_emit(ws, e);
    hub_event_unref(e);
    ws->cursor = ev->rev;
    return ws->out.len >= WATCH_CATCHUP_BYTES; /* stop; the next fill goes on */
}

/* The ring no longer reaches back to the cursor: read the log instead. */
static void watch_catch_up(watch_stream *ws)
{
    mk_err err = {0};
    int64_t current = ws->srv->be->ops->current_rev(ws->srv->be);
    int64_t before = ws->cursor;
    int rc = backend_history(ws->srv->be, ws->cursor, watch_history_event, ws, &err);
    if (rc == -MK_EGONE) {
        char msg[160];
        snprintf(msg, sizeof msg, "too old resource version: %lld (%lld)", (long long)before,
                 (long long)ws->srv->be->ops->compacted_rev(ws->srv->be));
        watch_error(ws, 410, "Expired", msg);
        return;
    }
    if (rc < 0) {
        watch_error(ws, 500, "InternalError", err.msg);
        return;
    }
    if (ws->cursor == before && current > ws->cursor)
        ws->cursor = current; /* nothing in the log between: never spin */
}

static void watch_idle(watch_stream *ws)
{
    if (!ws->bookmarks) {
        /* kubectl's decoder skips whitespace between objects; a newline
         * finds out whether the client is still there. */
        if (ws->table)
            mk_buf_puts(&ws->out, "\n");
        return;
    }
    const mk_kind *k = ws->f.k;
    mk_buf_printf(&ws->out,
                  "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"%s\",\"apiVersion\":\"%s\","
                  "\"metadata\":{\"resourceVersion\":\"%lld\"}}}\n",
                  k->kind, filter_api_version(&ws->f), (long long)ws->cursor);
}

static void watch_fill(watch_stream *ws)
{
    int64_t now = mk_now_ns();
    if (ws->end_ns && now >= ws->end_ns) {
        ws->done = true;
        return;
    }
    int64_t deadline = ws->idle_ns;
    if (ws->end_ns && ws->end_ns < deadline)
        deadline = ws->end_ns;
    hub_event *evs[WATCH_BATCH];
    int n = hub_next(ws->srv->hub, ws->cursor, evs, WATCH_BATCH, deadline);
    if (n == -ECANCELED) {
        ws->done = true;
    } else if (n == -MK_EGONE) {
        watch_catch_up(ws);
    } else if (n > 0) {
        /* Serialized here, outside the hub lock. */
        for (int i = 0; i < n; i++) {
            if (evs[i]->rev > ws->cursor) {
                watch_emit(ws, evs[i]);
                ws->cursor = evs[i]->rev;
            }
            hub_event_unref(evs[i]);
        }
    } else if (mk_now_ns() >= ws->idle_ns) {
        watch_idle(ws);
        ws->idle_ns = mk_now_ns() + (int64_t)ws->srv->bookmark_ms * 1000000;
    }
    if (ws->out.len)
        ws->idle_ns = mk_now_ns() + (int64_t)ws->srv->bookmark_ms * 1000000;
}

/* The initial listing has ended: its snapshot revision is the cursor. */
static void watch_listing_done(watch_stream *ws)
{
    close(ws->rfd);
    ws->rfd = -1;
    pthread_join(ws->thread, NULL);
    if (ws->p->failed && ws->p->err.code)
        watch_error(ws, 500, "InternalError", ws->p->err.msg);
    ws->cursor = ws->p->rev;
    producer_free(ws->p);
    ws->p = NULL;
}

static ssize_t watch_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    watch_stream *ws = cls;
    for (;;) {
        if (ws->out_pos < ws->out.len) {
            size_t n = ws->out.len - ws->out_pos;
            if (n > max)
                n = max;
            memcpy(buf, ws->out.data + ws->out_pos, n);
            ws->out_pos += n;
            if (ws->out_pos == ws->out.len) {
                mk_buf_reset(&ws->out);
                ws->out_pos = 0;
            }
            return (ssize_t)n;
        }
        if (ws->rfd >= 0) {
            ssize_t n = read(ws->rfd, buf, max);
            if (n > 0)
                return n;
            if (n < 0 && errno == EINTR)
                continue;
            watch_listing_done(ws);
            continue;
        }
        if (ws->done)
            return MHD_CONTENT_READER_END_OF_STREAM;
        watch_fill(ws);
    }
}

static void watch_free(void *cls)
{
    watch_stream *ws = cls;
    if (ws->rfd >= 0) {
        close(ws->rfd); /* the producer's next write fails EPIPE */
        ws->rfd = -1;
        pthread_join(ws->thread, NULL);
        producer_free(ws->p);
    }
    hub_watchers_add(ws->srv->hub, -1);
    if (ws->f.selective)
        hub_selective_add(ws->srv->hub, -1);
    filter_free(&ws->f);
    mk_buf_free(&ws->out);
    free(ws);
}

static int parse_rv(const char *s, int64_t *rv)
{
    if (!s || !*s) {
        *rv = 0;
        return 0;
    }
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < 0)
        return -1;
    *rv = v;
    return 0;
}

static bool query_true(api_req *r, const char *name, bool dflt)
{
    const char *v = api_query(r, name);
    if (!v)
        return dflt;
    return strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || !*v;
}

enum MHD_Result stream_watch(api_req *r, const api_route *rt)
{
    mk_err err = {0};
    int64_t rv;
    if (parse_rv(api_query(r, "resourceVersion"), &rv) < 0)
        return api_fail(r, EBADMSG, "invalid resourceVersion \"%.40s\"",
                        api_query(r, "resourceVersion"));
    watch_stream *ws = xcalloc(1, sizeof *ws);
    ws->srv = r->srv;
    ws->rfd = -1;
    if (filter_init(r, rt, &ws->f, &err) < 0) {
        free(ws);
        return api_reply_err(r, &err, rt->kind, NULL);
    }
    ws->table = api_wants_table(r);
    ws->full_object = full_object(r);
    /* Bookmarks by default for plain watches; kubectl's table watches get
     * them only when they ask, as its printer has no use for them. */
    ws->bookmarks = query_true(r, "allowWatchBookmarks", !ws->table);
    const char *ts = api_query(r, "timeoutSeconds");
    if (ts && atoll(ts) > 0)
        ws->end_ns = mk_now_ns() + atoll(ts) * 1000000000LL;
    ws->idle_ns = mk_now_ns() + (int64_t)r->srv->bookmark_ms * 1000000;
    ws->cursor = rv;
    hub_watchers_add(r->srv->hub, 1);
    if (ws->f.selective)
        hub_selective_add(r->srv->hub, 1);
    int64_t compacted = r->srv->be->ops->compacted_rev(r->srv->be);
    if (rv > 0 && rv < compacted) {
        /* The ring may still hold these events, but the revision is gone
         * from the store: say so, as the client would hear from any other
         * API server, rather than depend on what this one remembers. */
        char msg[160];
        snprintf(msg, sizeof msg, "too old resource version: %lld (%lld)", (long long)rv,
                 (long long)compacted);
        watch_error(ws, 410, "Expired", msg);
    } else if (rv == 0) {
        /* No revision (or "0"): the current state first, as ADDED events
         * from one snapshot, then every change after it. */
        int fds[2];
        if (make_pipe(fds, &err) < 0) {
            watch_free(ws);
            return api_reply_err(r, &err, rt->kind, NULL);
        }
        ws->p = xcalloc(1, sizeof *ws->p);
        *ws->p = (producer){.srv = r->srv,
                            .f = &ws->f,
                            .fd = fds[1],
                            .fmt = ws->table ? FMT_WATCH_TABLE : FMT_WATCH_JSON,
                            .full_object = ws->full_object};
        if (pthread_create(&ws->thread, NULL, producer_joined, ws->p) != 0) {
            close(fds[0]);
            producer_free(ws->p);
            ws->p = NULL;
            watch_free(ws);
            return api_fail(r, EAGAIN, "too many requests");
        }
        ws->rfd = fds[0];
    }
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024,
                                                                  watch_reader, ws, watch_free);
    if (!resp) {
        watch_free(ws);
        return api_fail(r, EIO, "cannot create response");
    }
    mk_debug("watch %s from %lld", ws->f.prefix, (long long)rv);
    return api_reply_resp(r, 200, resp, "application/json");
}
