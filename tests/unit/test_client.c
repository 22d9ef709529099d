/* test_client.c - the API client: token files, line splitting, Status
 * decoding, and every call against a real mk-apiserver. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "fixture_apiserver.h"
#include "store/client.h"
#include "store/codec.h"
#include "store/kinds.h"
#include "store/util.h"
#include "store/watchstream.h"

static json_object *json(const char *text)
{
    json_object *o = json_tokener_parse(text);
    if (!o)
        fail_msg("bad JSON in test: %s", text);
    return o;
}

static json_object *pod(const char *name, const char *label)
{
    json_object *p =
        json("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\","
             "\"namespace\":\"default\",\"labels\":{}},\"spec\":{\"containers\":"
             "[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
    mk_json_set_str(p, "metadata.name", name);
    if (label)
        mk_json_set_str(p, "metadata.labels.app", label);
    return p;
}

/* ---- token files ---- */

static int read_token_text(const char *text, char **token, mk_err *err)
{
    char path[] = "/tmp/mk-test-token-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    int r = client_read_token(path, token, err);
    unlink(path);
    return r;
}

static void test_read_token(void **state)
{
    static const struct {
        const char *text, *want;
    } ok[] = {
        {"abc\n", "abc"},
        {"abc", "abc"},
        {"abc,admin,admin\nother,node,node\n", "abc"},
        {"# tokens\n\n  \ns3cr3t , user , role\r\n", "s3cr3t"},
        {"\tt0k\r\n", "t0k"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
        char *tok = NULL;
        mk_err err = {0};
        if (read_token_text(ok[i].text, &tok, &err) < 0)
            fail_msg("\"%s\": %s", ok[i].text, err.msg);
        assert_string_equal(tok, ok[i].want);
        free(tok);
    }
    static const char *bad[] = {"", "# only a comment\n", ",user,role\n", "a b,user\n"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *tok = NULL;
        mk_err err = {0};
        assert_int_equal(read_token_text(bad[i], &tok, &err), -EINVAL);
        assert_null(tok);
        assert_true(strstr(err.msg, "token file") != NULL);
    }
    char *tok = NULL;
    mk_err err = {0};
    assert_int_equal(client_read_token("/nonexistent/tokens", &tok, &err), -ENOENT);
    assert_true(strstr(err.msg, "/nonexistent/tokens") != NULL);
}

/* ---- line splitting ---- */

typedef struct lines {
    char got[64][64];
    int n;
    int stop_at; /* return 1 after this many lines; 0: never */
} lines;

static int collect_line(void *ctx, const char *line, size_t len)
{
    lines *l = ctx;
    assert_true(l->n < 64 && len < 64);
    memcpy(l->got[l->n], line, len);
    l->got[l->n][len] = '\0';
    l->n++;
    return l->stop_at && l->n >= l->stop_at;
}

static void test_linesplit(void **state)
{
    const char *text = "one\ntwo\r\n\nthree\nfour-is-longer\n\n\nfive";
    static const char *want[] = {"one", "two", "three", "four-is-longer"};
    size_t len = strlen(text);
    /* Every way of cutting the text into two chunks, then byte by byte. */
    for (size_t cut = 0; cut <= len; cut++) {
        lines l = {0};
        mk_linesplit ls = {0};
        assert_int_equal(linesplit_feed(&ls, text, cut, collect_line, &l), 0);
        assert_int_equal(linesplit_feed(&ls, text + cut, len - cut, collect_line, &l), 0);
        assert_int_equal(l.n, 4);
        for (int i = 0; i < 4; i++)
            assert_string_equal(l.got[i], want[i]);
        assert_int_equal(linesplit_pending(&ls), 4); /* "five" is unfinished */
        assert_int_equal(linesplit_feed(&ls, "\n", 1, collect_line, &l), 0);
        assert_string_equal(l.got[4], "five");
        assert_int_equal(linesplit_pending(&ls), 0);
        linesplit_free(&ls);
    }
    lines l = {0};
    mk_linesplit ls = {0};
    for (size_t i = 0; i < len; i++)
        linesplit_feed(&ls, text + i, 1, collect_line, &l);
    assert_int_equal(l.n, 4);
    assert_string_equal(l.got[3], "four-is-longer");
    linesplit_free(&ls);

    /* fn's non-zero answer stops the feed at once. */
    lines s = {.stop_at = 2};
    mk_linesplit ls2 = {0};
    assert_int_equal(linesplit_feed(&ls2, "a\nb\nc\n", 6, collect_line, &s), 1);
    assert_int_equal(s.n, 2);
    linesplit_free(&ls2);
}

/* ---- watch events ---- */

typedef struct events {
    char types[32][16];
    char names[32][32];
    int n;
    int stop_at;
} events;

static int collect_event(void *ctx, const char *type, json_object *obj)
{
    events *e = ctx;
    if (e->n >= 32) /* may run on a watch thread: no cmocka asserts here */
        return 0;
    snprintf(e->types[e->n], sizeof e->types[0], "%s", type);
    const char *name = mk_json_str(obj, "metadata.name");
    snprintf(e->names[e->n], sizeof e->names[0], "%s", name ? name : "");
    e->n++;
    return e->stop_at && e->n >= e->stop_at;
}

static void test_watchstream_events(void **state)
{
    const char *text =
        "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\",\"resourceVersion\":"
        "\"5\"}}}\n"
        "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n"
        "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":\"9\"}}}\n"
        "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n";
    size_t len = strlen(text);
    for (size_t chunk = 1; chunk <= len; chunk += 7) {
        events e = {0};
        mk_watchstream ws;
        watchstream_init(&ws, collect_event, &e);
        for (size_t off = 0; off < len; off += chunk)
            assert_int_equal(
                watchstream_feed(&ws, text + off, off + chunk > len ? len - off : chunk), 0);
        assert_int_equal(e.n, 4);
        assert_string_equal(e.types[0], "ADDED");
        assert_string_equal(e.names[0], "a");
        assert_string_equal(e.types[2], "BOOKMARK");
        assert_string_equal(e.types[3], "DELETED");
        watchstream_free(&ws);
    }

    /* 410 inside an ERROR event: MK_EGONE, and fn does not see it. */
    events e = {0};
    mk_watchstream ws;
    watchstream_init(&ws, collect_event, &e);
    const char *gone =
        "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
        "\"status\":\"Failure\",\"message\":\"too old resource version: 1 (40)\","
        "\"reason\":\"Expired\",\"code\":410}}\n";
    assert_int_equal(watchstream_feed(&ws, gone, strlen(gone)), -MK_EGONE);
    assert_int_equal(ws.err.code, MK_EGONE);
    assert_string_equal(ws.err.msg, "too old resource version: 1 (40)");
    assert_int_equal(e.n, 0);
    watchstream_free(&ws);

    /* Another ERROR: fn sees it, then the stream ends with its code. */
    watchstream_init(&ws, collect_event, &e);
    const char *err500 = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":500,"
                         "\"message\":\"boom\"}}\n";
    assert_int_equal(watchstream_feed(&ws, err500, strlen(err500)), -EIO);
    assert_int_equal(e.n, 1);
    assert_string_equal(e.types[0], "ERROR");
    watchstream_free(&ws);

    /* Garbage is EBADMSG; fn asking to stop is 1. */
    watchstream_init(&ws, collect_event, &e);
    assert_int_equal(watchstream_feed(&ws, "not json\n", 9), -EBADMSG);
    assert_true(strstr(ws.err.msg, "not json") != NULL);
    watchstream_free(&ws);
    events s = {.stop_at = 1};
    watchstream_init(&ws, collect_event, &s);
    assert_int_equal(watchstream_feed(&ws, text, len), 1);
    assert_int_equal(s.n, 1);
    watchstream_free(&ws);
}

static void test_status_decoding(void **state)
{
    mk_err err = {0};
    const char *nf = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                     "\"message\":\"pods \\\"web\\\" not found\",\"reason\":\"NotFound\","
                     "\"code\":404}";
    assert_int_equal(watchstream_status_error(404, nf, strlen(nf), "GET x", &err), -ENOENT);
    assert_string_equal(err.msg, "pods \"web\" not found");
    const char *ae = "{\"kind\":\"Status\",\"reason\":\"AlreadyExists\",\"code\":409,"
                     "\"message\":\"exists\"}";
    assert_int_equal(watchstream_status_error(409, ae, strlen(ae), "POST x", &err), -EEXIST);
    const char *cf =
        "{\"kind\":\"Status\",\"reason\":\"Conflict\",\"code\":409,\"message\":\"m\"}";
    assert_int_equal(watchstream_status_error(409, cf, strlen(cf), "PUT x", &err), -ESTALE);
    assert_int_equal(watchstream_status_error(401, "", 0, "GET /api", &err), -EPERM);
    assert_string_equal(err.msg, "GET /api: HTTP 401");
    assert_int_equal(
        watchstream_status_error(502, "<html>bad gateway</html>", 24, "GET /x", &err), -EIO);
    assert_true(strstr(err.msg, "bad gateway") != NULL);
}

/* ---- against a real server ---- */

static test_apiserver srv;
static const mk_kind *POD;

static int server_setup(void **state)
{
    POD = kind_by_kind("Pod");
    if (test_apiserver_start_with(&srv, true, NULL) < 0) {
        fprintf(stderr, "# could not start %s\n", test_apiserver_bin());
        test_apiserver_stop(&srv);
        return -1;
    }
    return 0;
}

static int server_teardown(void **state)
{
    test_apiserver_stop(&srv);
    return 0;
}

static void test_crud(void **state)
{
    mk_client *c = test_client(&srv, NULL);
    assert_non_null(c);
    mk_err err = {0};
    json_object *p = pod("crud", "web"), *out = NULL;
    if (client_create(c, POD, NULL, p, &out, &err) < 0)
        fail_msg("create: %s", err.msg);
    assert_string_equal(mk_json_str(out, "metadata.name"), "crud");
    assert_non_null(mk_json_str(out, "metadata.uid"));
    const char *rv = mk_json_str(out, "metadata.resourceVersion");
    assert_non_null(rv);

    /* Twice: 409 AlreadyExists with the server's message. */
    assert_int_equal(client_create(c, POD, "default", p, NULL, &err), -EEXIST);
    assert_true(strstr(err.msg, "crud") != NULL);

    json_object *got = NULL;
    assert_int_equal(client_get(c, POD, "default", "crud", &got, &err), 0);
    assert_string_equal(mk_json_str(got, "metadata.resourceVersion"), rv);

    /* The list holds it, whole, with the store's revision. */
    json_object *items = NULL;
    int64_t rev = 0;
    assert_int_equal(client_list(c, POD, "default", "app=web", NULL, &items, &rev, &err), 0);
    assert_true(rev >= strtoll(rv, NULL, 10));
    assert_int_equal(json_object_array_length(items), 1);
    json_object *item = json_object_array_get_idx(items, 0);
    assert_string_equal(mk_json_str(item, "kind"), "Pod");
    assert_string_equal(mk_json_str(item, "apiVersion"), "v1");
    json_object_put(items);
    assert_int_equal(client_list(c, POD, NULL, "app=nope", NULL, &items, &rev, &err), 0);
    assert_int_equal(json_object_array_length(items), 0);
    json_object_put(items);

    /* Update with the current revision works; with the old one, 409. */
    mk_json_set_str(got, "metadata.labels.app", "web2");
    json_object *upd = NULL;
    if (client_update(c, POD, NULL, got, &upd, &err) < 0)
        fail_msg("update: %s", err.msg);
    assert_string_equal(mk_json_str(upd, "metadata.labels.app"), "web2");
    assert_int_equal(client_update(c, POD, NULL, got, NULL, &err), -ESTALE);

    /* Merge patch, and the status subresource. */
    json_object *patched = NULL;
    assert_int_equal(client_patch(c, POD, "default", "crud", NULL,
                                  "{\"metadata\":{\"labels\":{\"tier\":\"x\"}}}", &patched,
                                  &err),
                     0);
    assert_string_equal(mk_json_str(patched, "metadata.labels.tier"), "x");
    assert_string_equal(mk_json_str(patched, "metadata.labels.app"), "web2");
    mk_json_set_str(patched, "status.phase", "Running");
    json_object *st = NULL;
    if (client_update_status(c, POD, NULL, patched, &st, &err) < 0)
        fail_msg("update_status: %s", err.msg);
    assert_string_equal(mk_json_str(st, "status.phase"), "Running");

    /* Binding sets the node. */
    if (client_bind(c, "default", "crud", "node-1", &err) < 0)
        fail_msg("bind: %s", err.msg);
    json_object *bound = NULL;
    assert_int_equal(client_get(c, POD, NULL, "crud", &bound, &err), 0);
    assert_string_equal(mk_json_str(bound, "spec.nodeName"), "node-1");

    assert_int_equal(client_delete(c, POD, "default", "crud", NULL, &err), 0);
    json_object *gone = NULL;
    assert_int_equal(client_get(c, POD, "default", "crud", &gone, &err), -ENOENT);
    assert_null(gone);
    assert_true(strstr(err.msg, "crud") != NULL);
    assert_true(strstr(err.msg, "not found") != NULL);
    assert_int_equal(client_delete(c, POD, "default", "crud", "Background", &err), -ENOENT);

    /* A bad name never reaches the server as a path. */
    assert_int_equal(client_get(c, POD, "default", "", &gone, &err), -EINVAL);

    json_object_put(p);
    json_object_put(out);
    json_object_put(got);
    json_object_put(upd);
    json_object_put(patched);
    json_object_put(st);
    json_object_put(bound);
    client_free(c);
}

/* Cluster-scoped kinds ignore the namespace they are given. */
static void test_cluster_scoped(void **state)
{
    mk_client *c = test_client(&srv, NULL);
    const mk_kind *node = kind_by_kind("Node");
    mk_err err = {0};
    json_object *n = json("{\"apiVersion\":\"v1\",\"kind\":\"Node\","
                          "\"metadata\":{\"name\":\"node-a\",\"labels\":{\"gpu\":\"yes\"}}}");
    json_object *out = NULL, *got = NULL, *items = NULL;
    if (client_create(c, node, "default", n, &out, &err) < 0)
        fail_msg("create node: %s", err.msg);
    assert_null(mk_json_str(out, "metadata.namespace"));
    assert_int_equal(client_get(c, node, "whatever", "node-a", &got, &err), 0);
    int64_t rev;
    assert_int_equal(client_list(c, node, "default", "gpu=yes", NULL, &items, &rev, &err), 0);
    assert_int_equal(json_object_array_length(items), 1);
    assert_int_equal(client_patch(c, node, NULL, "node-a", "status",
                                  "{\"status\":{\"capacity\":{\"cpu\":\"2\"}}}", NULL, &err),
                     0);
    assert_int_equal(client_delete(c, node, NULL, "node-a", NULL, &err), 0);
    json_object_put(n);
    json_object_put(out);
    json_object_put(got);
    json_object_put(items);
    client_free(c);
}

static void test_raw_request_and_warning(void **state)
{
    mk_client *c = test_client(&srv, NULL);
    mk_err err = {0};
    int status = 0;
    char *resp = NULL, *warning = NULL;
    size_t len = 0;
    const char *body =
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"warn\"},"
        "\"spec\":{\"bogusField\":1,\"containers\":[{\"name\":\"c\","
        "\"image\":\"busybox\"}]}}";
    if (client_request(c, "POST", "/api/v1/namespaces/default/pods", "application/json", body,
                       strlen(body), &status, &resp, &len, &warning, &err) < 0)
        fail_msg("POST: %s", err.msg);
    assert_int_equal(status, 201);
    assert_int_equal(strlen(resp), len);
    assert_non_null(warning);
    assert_true(strstr(warning, "bogusField") != NULL);
    free(resp);
    free(warning);

    /* A 404 still hands over the Status body. */
    assert_int_equal(client_request(c, "GET", "/api/v1/namespaces/default/pods/nope", NULL,
                                    NULL, 0, &status, &resp, &len, &warning, &err),
                     -ENOENT);
    assert_int_equal(status, 404);
    assert_true(strstr(resp, "\"Status\"") != NULL);
    assert_null(warning);
    free(resp);

    /* A 422 names the Kind and the field in details, as kubectl prints it
     * ("The Pod \"bad\" is invalid: spec.containers: Required value"). */
    const char *bad = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":"
                      "\"bad\"},\"spec\":{}}";
    assert_int_equal(client_request(c, "POST", "/api/v1/namespaces/default/pods",
                                    "application/json", bad, strlen(bad), &status, &resp, &len,
                                    NULL, &err),
                     -EINVAL);
    assert_int_equal(status, 422);
    json_object *st = json_tokener_parse(resp);
    assert_string_equal(mk_json_str(st, "details.kind"), "Pod");
    assert_string_equal(mk_json_str(st, "details.causes[0].field"), "spec.containers");
    assert_string_equal(mk_json_str(st, "details.causes[0].reason"), "FieldValueRequired");
    assert_string_equal(mk_json_str(st, "details.causes[0].message"), "Required value");
    json_object_put(st);
    free(resp);
    assert_int_equal(client_delete(c, POD, NULL, "warn", NULL, &err), 0);
    client_free(c);
}

static void test_token_sent(void **state)
{
    /* The admin token gets in; none, or a wrong one, is 401. */
    mk_client *c = test_client(&srv, NULL);
    mk_err err = {0};
    json_object *items = NULL;
    int64_t rev;
    assert_int_equal(client_list(c, POD, NULL, NULL, NULL, &items, &rev, &err), 0);
    json_object_put(items);
    client_free(c);

    mk_client_opts o = {.server = srv.url};
    assert_int_equal(client_new(&o, &c, &err), 0);
    assert_int_equal(client_list(c, POD, NULL, NULL, NULL, &items, &rev, &err), -EPERM);
    client_free(c);

    char wrong[160];
    snprintf(wrong, sizeof wrong, "%s/wrong", srv.dir);
    FILE *f = fopen(wrong, "w");
    fputs("not-a-token\n", f);
    fclose(f);
    c = test_client(&srv, wrong);
    assert_int_equal(client_list(c, POD, NULL, NULL, NULL, &items, &rev, &err), -EPERM);
    client_free(c);

    o.token_file = "/nonexistent/token";
    assert_int_equal(client_new(&o, &c, &err), -ENOENT);
}

static void test_transport_errors(void **state)
{
    int port = test_free_port();
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    mk_client_opts o = {.server = url};
    mk_client *c = NULL;
    mk_err err = {0};
    assert_int_equal(client_new(&o, &c, &err), 0);
    json_object *obj = NULL;
    assert_int_equal(client_get(c, POD, NULL, "x", &obj, &err), -ECONNREFUSED);
    assert_true(strstr(err.msg, url) != NULL);
    assert_int_equal(
        client_watch(c, POD, NULL, NULL, NULL, 1, collect_event, &(events){0}, NULL, &err),
        -ECONNREFUSED);
    client_free(c);

    o.server = "ftp://example";
    assert_int_equal(client_new(&o, &c, &err), -EINVAL);
}

/* Eight threads on one client, each creating, reading and deleting. */
#define CONC_THREADS 8
#define CONC_OPS     40

typedef struct conc_arg {
    mk_client *c;
    int id;
    int failures;
    char first_error[600];
} conc_arg;

static void *conc_worker(void *p)
{
    conc_arg *a = p;
    for (int i = 0; i < CONC_OPS; i++) {
        char name[32];
        snprintf(name, sizeof name, "conc-%d-%d", a->id, i);
        json_object *obj = pod(name, "conc"), *got = NULL;
        mk_err err = {0};
        if (client_create(a->c, POD, NULL, obj, NULL, &err) < 0 ||
            client_get(a->c, POD, NULL, name, &got, &err) < 0 ||
            strcmp(mk_json_str(got, "metadata.name"), name) != 0 ||
            (i % 2 && client_delete(a->c, POD, NULL, name, NULL, &err) < 0)) {
            if (!a->failures++)
                snprintf(a->first_error, sizeof a->first_error, "%s: %s", name, err.msg);
        }
        json_object_put(obj);
        json_object_put(got);
    }
    return NULL;
}

static void test_concurrent_requests(void **state)
{
    mk_client *c = test_client(&srv, NULL);
    pthread_t t[CONC_THREADS];
    conc_arg a[CONC_THREADS];
    for (int i = 0; i < CONC_THREADS; i++) {
        a[i] = (conc_arg){.c = c, .id = i};
        pthread_create(&t[i], NULL, conc_worker, &a[i]);
    }
    for (int i = 0; i < CONC_THREADS; i++) {
        pthread_join(t[i], NULL);
        if (a[i].failures)
            fail_msg("thread %d: %d failures, first: %s", i, a[i].failures, a[i].first_error);
    }
    json_object *items = NULL;
    int64_t rev;
    mk_err err = {0};
    assert_int_equal(client_list(c, POD, "default", "app=conc", NULL, &items, &rev, &err), 0);
    assert_int_equal(json_object_array_length(items), CONC_THREADS * CONC_OPS / 2);
    json_object_put(items);
    client_free(c);
}

/* A watch from a revision sees what came after it, in order, then ends
 * when the stop flag is raised. */
typedef struct watch_run {
    mk_client *c;
    int64_t rev;
    events ev;
    volatile bool stop;
    int rc;
    mk_err err;
} watch_run;

static void *watch_thread(void *p)
{
    watch_run *w = p;
    w->rc = client_watch(w->c, POD, "default", "app=watched", NULL, w->rev, collect_event,
                         &w->ev, &w->stop, &w->err);
    return NULL;
}

static bool has_event(events *e, const char *type, const char *name)
{
    for (int i = 0; i < e->n; i++)
        if (!strcmp(e->types[i], type) && !strcmp(e->names[i], name))
            return true;
    return false;
}

static void test_watch(void **state)
{
    mk_client *c = test_client(&srv, NULL);
    mk_err err = {0};
    json_object *items = NULL;
    watch_run w = {.c = c};
    assert_int_equal(client_list(c, POD, "default", NULL, NULL, &items, &w.rev, &err), 0);
    json_object_put(items);
    /* Written before the watch starts, after the listed revision. */
    json_object *a = pod("watch-a", "watched"), *b = pod("watch-b", "other");
    assert_int_equal(client_create(c, POD, NULL, a, NULL, &err), 0);
    assert_int_equal(client_create(c, POD, NULL, b, NULL, &err), 0);
    pthread_t t;
    pthread_create(&t, NULL, watch_thread, &w);
    assert_int_equal(client_patch(c, POD, NULL, "watch-a", NULL,
                                  "{\"metadata\":{\"annotations\":{\"n\":\"1\"}}}", NULL, &err),
                     0);
    assert_int_equal(client_delete(c, POD, NULL, "watch-a", NULL, &err), 0);
    for (int i = 0; i < 200 && !has_event(&w.ev, "DELETED", "watch-a"); i++)
        test_sleep_ms(25);
    w.stop = true;
    pthread_join(t, NULL);
    assert_int_equal(w.rc, 0);
    /* The first three non-bookmark events, in order; watch-b is filtered. */
    const char *want[] = {"ADDED", "MODIFIED", "DELETED"};
    int k = 0;
    for (int i = 0; i < w.ev.n; i++) {
        if (!strcmp(w.ev.types[i], "BOOKMARK"))
            continue;
        assert_true(k < 3);
        assert_string_equal(w.ev.types[i], want[k]);
        assert_string_equal(w.ev.names[i], "watch-a");
        k++;
    }
    assert_int_equal(k, 3);
    assert_int_equal(client_delete(c, POD, NULL, "watch-b", NULL, &err), 0);
    json_object_put(a);
    json_object_put(b);
    client_free(c);
}

/* The watch callback asking to stop ends client_watch with 0. */
static void test_watch_fn_stops(void **state)
{
    mk_client *c = test_client(&srv, NULL);
    mk_err err = {0};
    json_object *p = pod("stopper", "stopper"), *items = NULL;
    int64_t rev = 0;
    assert_int_equal(client_list(c, POD, NULL, NULL, NULL, &items, &rev, &err), 0);
    json_object_put(items);
    assert_int_equal(client_create(c, POD, NULL, p, NULL, &err), 0);
    events e = {.stop_at = 1};
    assert_int_equal(
        client_watch(c, POD, NULL, "app=stopper", NULL, rev, collect_event, &e, NULL, &err), 0);
    assert_int_equal(e.n, 1);
    assert_int_equal(client_delete(c, POD, NULL, "stopper", NULL, &err), 0);
    json_object_put(p);
    client_free(c);
}

/* A server that stops talking (hung, or a dead path TCP has not noticed)
 * ends the watch with ETIMEDOUT instead of hanging it: the server sends a
 * bookmark every second, so ten silent seconds mean it is gone. */
static void test_watch_notices_silent_server(void **state)
{
    mk_client *c = test_client(&srv, NULL);
    mk_err err = {0};
    json_object *items = NULL;
    int64_t rev = 0;
    assert_int_equal(client_list(c, POD, NULL, NULL, NULL, &items, &rev, &err), 0);
    json_object_put(items);
    kill(srv.pid, SIGSTOP);
    events e = {0};
    int r = client_watch(c, POD, NULL, NULL, NULL, rev, collect_event, &e, NULL, &err);
    kill(srv.pid, SIGCONT);
    assert_int_equal(r, -ETIMEDOUT);
    assert_true(strstr(err.msg, "nothing received") != NULL);
    client_free(c);
}

typedef struct chunks {
    size_t bytes;
    int calls;
} chunks;

static int count_chunk(void *ctx, const char *data, size_t len)
{
    chunks *ch = ctx;
    ch->bytes += len;
    ch->calls++;
    return memchr(data, '\n', len) != NULL; /* a whole event came: enough */
}

static void test_stream(void **state)
{
    mk_client *c = test_client(&srv, NULL);
    mk_err err = {0};
    chunks ch = {0};
    /* An idle watch sends bookmarks: the stream ends at the first line. */
    assert_int_equal(client_stream(c,
                                   "/api/v1/namespaces/default/pods?watch=true&"
                                   "allowWatchBookmarks=true&labelSelector=app%3Dnothing",
                                   count_chunk, &ch, NULL, &err),
                     0);
    assert_true(ch.calls >= 1 && ch.bytes > 0);
    /* A stream answered with an error decodes it. */
    assert_int_equal(
        client_stream(c, "/api/v1/namespaces/default/pods/nope", count_chunk, &ch, NULL, &err),
        -ENOENT);
    client_free(c);
}

/* HTTPS: the CA given is trusted, the system store alone is not, and
 * insecure skips verification. */
static test_apiserver tls_srv;

static void test_https(void **state)
{
    char dir[] = "/tmp/mk-test-tls-XXXXXX", cmd[1024], cert[64], key[64];
    assert_non_null(mkdtemp(dir));
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
             "-keyout %s -out %s >/dev/null 2>&1",
             key, cert);
    int gen = system(cmd);
    const char *flags[] = {"--tls-cert", cert, "--tls-key", key, NULL};
    int started = gen == 0 ? test_apiserver_start_with(&tls_srv, false, flags) : -1;
    /* Copy the cert out of dir before anything can fail, so teardown is simple. */
    char ca[128] = "";
    if (started == 0) {
        snprintf(ca, sizeof ca, "%s/ca.pem", tls_srv.dir);
        snprintf(cmd, sizeof cmd, "cp %s %s", cert, ca);
        gen = system(cmd);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "# could not remove %s\n", dir);
    assert_int_equal(gen, 0);
    assert_int_equal(started, 0);
    const char *url = tls_srv.url;
    assert_true(strncmp(url, "https://", 8) == 0);
    mk_err err = {0};
    mk_client *c = NULL;
    json_object *items = NULL;
    int64_t rev;
    mk_client_opts o = {.server = url, .ca_file = ca};
    assert_int_equal(client_new(&o, &c, &err), 0);
    if (client_list(c, POD, NULL, NULL, NULL, &items, &rev, &err) < 0)
        fail_msg("list over https: %s", err.msg);
    json_object_put(items);
    client_free(c);

    o.ca_file = NULL;
    assert_int_equal(client_new(&o, &c, &err), 0);
    assert_int_equal(client_list(c, POD, NULL, NULL, NULL, &items, &rev, &err), -EIO);
    assert_true(strstr(err.msg, url) != NULL);
    client_free(c);

    o.insecure = true;
    assert_int_equal(client_new(&o, &c, &err), 0);
    assert_int_equal(client_list(c, POD, NULL, NULL, NULL, &items, &rev, &err), 0);
    json_object_put(items);
    client_free(c);
}

static int teardown_https(void **state)
{
    test_apiserver_stop(&tls_srv);
    return 0;
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_read_token),         cmocka_unit_test(test_linesplit),
        cmocka_unit_test(test_watchstream_events), cmocka_unit_test(test_status_decoding),
        cmocka_unit_test(test_transport_errors),
    };
    const struct CMUnitTest live[] = {
        cmocka_unit_test(test_crud),
        cmocka_unit_test(test_cluster_scoped),
        cmocka_unit_test(test_raw_request_and_warning),
        cmocka_unit_test(test_token_sent),
        cmocka_unit_test(test_concurrent_requests),
        cmocka_unit_test(test_watch),
        cmocka_unit_test(test_watch_fn_stops),
        cmocka_unit_test(test_stream),
        cmocka_unit_test(test_watch_notices_silent_server),
        cmocka_unit_test_teardown(test_https, teardown_https),
    };
    POD = kind_by_kind("Pod");
    int failed = cmocka_run_group_tests_name("client", pure, NULL, NULL);
    failed += cmocka_run_group_tests_name("client against mk-apiserver", live, server_setup,
                                          server_teardown);
    return failed ? 1 : 0;
}
