/* test_ingress.c - the ingress controller's pure parts: host and path
 * matching against the examples table of the Kubernetes documentation
 * ("Ingress", "Examples" under path types, and "Hostname wildcards"),
 * precedence across paths and Ingresses, the nginx.conf rendered from a
 * table, the /etc/hosts block; and nginx itself taking what we render
 * (skipped without /usr/sbin/nginx). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "controllers/ingress_hosts.h"
#include "controllers/ingress_nginx.h"
#include "controllers/ingress_routes.h"
#include "store/codec.h"

static json_object *parse(const char *yaml)
{
    json_object *o = NULL;
    mk_err err = {0};
    if (codec_decode(yaml, strlen(yaml), &o, &err) < 0)
        fail_msg("decode: %s", err.msg);
    return o;
}

/* One Ingress with one path; time orders Ingresses (oldest wins). */
static json_object *one_path(const char *name, const char *time, const char *host,
                             const char *type, const char *path, const char *svc)
{
    char buf[1024];
    snprintf(buf, sizeof buf,
             "apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
             "metadata: {name: %s, namespace: default, creationTimestamp: '%s'}\n"
             "spec:\n  rules:\n  - host: '%s'\n    http:\n      paths:\n"
             "      - {path: '%s', pathType: %s, backend: {service: {name: %s, port: {number: "
             "80}}}}\n",
             name, time, host, path, type, svc);
    return parse(buf);
}

static const char *lookup_service(ingress_table *t, const char *host, const char *path)
{
    const ingress_route *r;
    long be = ingress_table_lookup(t, host, path, &r);
    return be < 0 ? "404" : t->backends[be].service;
}

/* The Kubernetes documentation's table, row by row. */
static void test_doc_path_examples(void **state)
{
    static const struct {
        const char *type, *path, *request;
        bool match;
    } rows[] = {
        {"Prefix", "/", "/", true}, /* (all paths) */
        {"Exact", "/foo", "/foo", true},
        {"Exact", "/foo", "/bar", false},
        {"Exact", "/foo", "/foo/", false},
        {"Exact", "/foo/", "/foo", false},
        {"Prefix", "/foo", "/foo", true},
        {"Prefix", "/foo", "/foo/", true},
        {"Prefix", "/foo/", "/foo", true},
        {"Prefix", "/foo/", "/foo/", true},
        {"Prefix", "/aaa/bb", "/aaa/bbb", false},
        {"Prefix", "/aaa/bbb", "/aaa/bbb", true},
        {"Prefix", "/aaa/bbb/", "/aaa/bbb", true},    /* trailing slash ignored */
        {"Prefix", "/aaa/bbb", "/aaa/bbb/", true},    /* matches trailing slash */
        {"Prefix", "/aaa/bbb", "/aaa/bbb/ccc", true}, /* matches subpath */
        {"Prefix", "/aaa/bbb", "/aaa/bbbxyz", false}, /* no string prefix match */
        {"Prefix", "/", "/aaa/ccc", true},
        {"ImplementationSpecific", "/aaa", "/aaa/ccc", true}, /* served as Prefix */
        {"ImplementationSpecific", "", "/x", true},           /* empty path: "/" */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        ingress_match m;
        char *p = ingress_normalize_path(rows[i].type, rows[i].path, &m);
        if (ingress_path_matches(m, p, rows[i].request) != rows[i].match)
            fail_msg("%s %s vs %s: expected %s", rows[i].type, rows[i].path, rows[i].request,
                     rows[i].match ? "match" : "no match");
        free(p);
    }
}

/* Docs: multiple matches "/" and "/aaa" (Prefix) on /aaa/ccc: /aaa wins;
 * "/aaa" Prefix and "/aaa" Exact on /aaa: Exact wins; "/aaa" Prefix and
 * "/aaa/bbb" Prefix on /aaa/bbb: the longer one. */
static void test_doc_multiple_matches(void **state)
{
    json_object *list = json_object_new_array();
    json_object_array_add(list,
                          one_path("a", "2026-01-01T00:00:00Z", "h", "Prefix", "/", "root"));
    json_object_array_add(list,
                          one_path("b", "2026-01-01T00:00:01Z", "h", "Prefix", "/aaa", "aaa"));
    json_object_array_add(list,
                          one_path("c", "2026-01-01T00:00:02Z", "h", "Exact", "/aaa", "exact"));
    json_object_array_add(
        list, one_path("d", "2026-01-01T00:00:03Z", "h", "Prefix", "/aaa/bbb/", "bbb"));
    ingress_table *t = ingress_table_build(list);
    assert_string_equal(lookup_service(t, "h", "/aaa/ccc"), "aaa");
    assert_string_equal(lookup_service(t, "h", "/aaa"), "exact");
    assert_string_equal(lookup_service(t, "h", "/aaa/"), "aaa");
    assert_string_equal(lookup_service(t, "h", "/aaa/bbb"), "bbb");
    assert_string_equal(lookup_service(t, "h", "/aaa/bbb/x"), "bbb");
    assert_string_equal(lookup_service(t, "h", "/aaa/bbbx"), "aaa");
    assert_string_equal(lookup_service(t, "h", "/zzz"), "root");
    assert_int_equal(t->nnotes, 0);
    ingress_table_free(t);
    json_object_put(list);
}

/* Docs, "Hostname wildcards": *.foo.com matches bar.foo.com, not
 * baz.bar.foo.com nor foo.com. A precise host beats the wildcard. */
static void test_doc_host_wildcards(void **state)
{
    assert_true(ingress_host_matches("*.foo.com", "bar.foo.com"));
    assert_false(ingress_host_matches("*.foo.com", "baz.bar.foo.com"));
    assert_false(ingress_host_matches("*.foo.com", "foo.com"));
    assert_false(ingress_host_matches("*.foo.com", ".foo.com"));
    assert_true(ingress_host_matches("foo.bar.com", "foo.bar.com"));
    assert_false(ingress_host_matches("foo.bar.com", "bar.com"));

    json_object *list = json_object_new_array();
    json_object_array_add(
        list, one_path("w", "2026-01-01T00:00:00Z", "*.foo.com", "Prefix", "/", "wild"));
    json_object_array_add(
        list, one_path("e", "2026-01-01T00:00:01Z", "bar.foo.com", "Prefix", "/", "exact"));
    ingress_table *t = ingress_table_build(list);
    assert_string_equal(lookup_service(t, "bar.foo.com", "/"), "exact");
    assert_string_equal(lookup_service(t, "qux.foo.com", "/x"), "wild");
    assert_string_equal(lookup_service(t, "a.qux.foo.com", "/x"), "404");
    assert_string_equal(lookup_service(t, "foo.com", "/"), "404");
    assert_string_equal(lookup_service(t, "other", "/"), "404");
    ingress_table_free(t);
    json_object_put(list);
}

/* The same host, path and type in two Ingresses: the older keeps it and
 * the newer one gets a note naming it; their other paths merge. */
static void test_oldest_ingress_wins(void **state)
{
    json_object *list = json_object_new_array();
    /* listed newest first: the order of the list must not matter */
    json_object_array_add(
        list, one_path("new", "2026-01-02T00:00:00Z", "h", "Prefix", "/api/", "newer"));
    json_object_array_add(
        list, one_path("old", "2026-01-01T00:00:00Z", "h", "Prefix", "/api", "older"));
    json_object_array_add(
        list, one_path("other", "2026-01-03T00:00:00Z", "h", "Exact", "/api", "ex"));
    ingress_table *t = ingress_table_build(list);
    assert_string_equal(lookup_service(t, "h", "/api/v1"), "older");
    assert_string_equal(lookup_service(t, "h", "/api"), "ex");
    assert_int_equal(t->nnotes, 1);
    assert_string_equal(t->notes[0].owner, "default/new");
    assert_non_null(strstr(t->notes[0].text, "default/old"));
    ingress_table_free(t);
    json_object_put(list);
}

static void test_default_backend(void **state)
{
    json_object *list = json_object_new_array();
    json_object_array_add(list,
                          parse("apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
                                "metadata: {name: d, namespace: default, creationTimestamp: "
                                "'2026-01-01T00:00:00Z'}\n"
                                "spec:\n"
                                "  defaultBackend: {service: {name: fallback, port: {name: "
                                "http}}}\n"
                                "  rules:\n  - host: a.example\n    http:\n      paths:\n"
                                "      - {path: /x, pathType: Exact, backend: {service: "
                                "{name: x, port: {number: 80}}}}\n"));
    json_object_array_add(
        list, one_path("b", "2026-01-02T00:00:00Z", "b.example", "Prefix", "/b", "b"));
    ingress_table *t = ingress_table_build(list);
    assert_string_equal(lookup_service(t, "a.example", "/x"), "x");
    assert_string_equal(lookup_service(t, "a.example", "/y"), "fallback");
    assert_string_equal(lookup_service(t, "unknown", "/"), "fallback");
    /* b.example's Ingress has no defaultBackend: unmatched there is 404 */
    assert_string_equal(lookup_service(t, "b.example", "/c"), "404");
    /* one backend entry per distinct service+port */
    assert_int_equal(t->nbackends, 3);
    ingress_table_free(t);
    json_object_put(list);
}

static void test_render(void **state)
{
    json_object *list = json_object_new_array();
    json_object_array_add(
        list, one_path("a", "2026-01-01T00:00:00Z", "web.example", "Prefix", "/api", "api"));
    json_object_array_add(
        list, one_path("b", "2026-01-01T00:00:01Z", "*.apps.example", "Exact", "/", "gone"));
    json_object_array_add(
        list, one_path("c", "2026-01-01T00:00:02Z", "web.example", "Exact", "/a;b{}", "evil"));
    ingress_table *t = ingress_table_build(list);
    assert_int_equal(t->nbackends, 2); /* the unsafe path added none */
    assert_int_equal(t->nnotes, 1);
    assert_string_equal(t->notes[0].owner, "default/c");
    ingress_backend *api = &t->backends[0];
    assert_string_equal(api->service, "api");
    api->servers = calloc(2, sizeof(char *));
    api->servers[0] = strdup("10.244.0.5:8080");
    api->servers[1] = strdup("10.244.0.6:8080");
    api->nservers = 2;
    t->backends[1].problem = strdup("service default/gone not found");
    mk_buf out = {0};
    ingress_render_opts o = {.prefix = "/p", .listen = "127.0.0.1:8080", .worker_processes = 1};
    ingress_render(t, &o, &out);
    const char *want[] = {
        "pid /p/nginx.pid;",
        "upstream be0 { # service default/api port 80\n"
        "        server 10.244.0.5:8080;\n        server 10.244.0.6:8080;\n",
        "listen 127.0.0.1:8080 default_server;\n        server_name _;\n"
        "        location / { return 404; }",
        "server_name web.example;\n",
        "location = \"/api\" { proxy_pass http://be0; }\n"
        "        location \"/api/\" { proxy_pass http://be0; }\n"
        "        location / { return 404; }",
        "server_name ~^[^.]+\\.apps\\.example$;",
        "location = \"/\" { return 503; }",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(out.data, want[i]))
            fail_msg("missing:\n%s\nin:\n%s", want[i], out.data);
    assert_null(strstr(out.data, "upstream be1"));
    assert_null(strstr(out.data, "a;b"));
    mk_buf_free(&out);
    ingress_table_free(t);
    json_object_put(list);
}

static void test_hosts_block(void **state)
{
    char *hosts[] = {"", "web.local", "*.wild.local", "api.local"};
    mk_buf out = {0};
    ingress_hosts_edit("127.0.0.1 localhost\n# BEGIN minik8s ingress\n1.2.3.4 old\n"
                       "# END minik8s ingress\n::1 ip6-localhost",
                       "10.0.0.1", hosts, 4, &out);
    assert_string_equal(out.data, "127.0.0.1 localhost\n::1 ip6-localhost\n"
                                  "# BEGIN minik8s ingress\n10.0.0.1 web.local\n"
                                  "10.0.0.1 api.local\n# END minik8s ingress\n");
    mk_buf again = {0};
    ingress_hosts_edit(out.data, "10.0.0.1", NULL, 0, &again);
    assert_string_equal(again.data, "127.0.0.1 localhost\n::1 ip6-localhost\n");
    mk_buf_free(&out);
    mk_buf_free(&again);

    /* through a file: the lines outside the block stay byte for byte */
    char path[] = "/tmp/test_ingress_hosts.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char orig[] = "127.0.0.1 localhost\n10.1.1.1 db # note\n";
    assert_int_equal(write(fd, orig, strlen(orig)), (ssize_t)strlen(orig));
    close(fd);
    mk_err err = {0};
    assert_int_equal(ingress_hosts_update(path, "127.0.0.1", hosts, 4, &err), 0);
    char *text = NULL;
    size_t len;
    assert_int_equal(mk_read_file(path, 4096, &text, &len, &err), 0);
    assert_non_null(strstr(text, "# BEGIN minik8s ingress\n127.0.0.1 web.local\n"));
    free(text);
    assert_int_equal(ingress_hosts_update(path, "127.0.0.1", NULL, 0, &err), 0);
    assert_int_equal(mk_read_file(path, 4096, &text, &len, &err), 0);
    assert_string_equal(text, orig);
    free(text);
    unlink(path);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* nginx takes what we render, and refuses (keeping the live file) what
 * it cannot build: a server name past server_names_hash_bucket_size. */
static void test_nginx_takes_render(void **state)
{
    if (access("/usr/sbin/nginx", X_OK) != 0 || geteuid() != 0)
        skip();
    char dir[] = "/tmp/test_ingress_nginx.XXXXXX";
    assert_non_null(mkdtemp(dir));
    json_object *list = json_object_new_array();
    json_object_array_add(
        list, one_path("a", "2026-01-01T00:00:00Z", "*.x.example", "Prefix", "/a", "a"));
    ingress_table *t = ingress_table_build(list);
    mk_buf conf = {0};
    char listen[32];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", free_port());
    ingress_render_opts o = {.prefix = dir, .listen = listen, .worker_processes = 1};
    ingress_render(t, &o, &conf);
    ingress_nginx *n = NULL;
    mk_err err = {0};
    if (ingress_nginx_start(NULL, dir, conf.data, &n, &err) < 0)
        fail_msg("nginx start: %s", err.msg);
    {
        char host[200];
        memset(host, 'a', sizeof host - 1);
        host[sizeof host - 1] = '\0';
        host[60] = host[120] = '.';
        json_object_array_add(list,
                              one_path("b", "2026-01-01T00:00:01Z", host, "Prefix", "/", "b"));
        ingress_table *t2 = ingress_table_build(list);
        mk_buf bad = {0};
        ingress_render(t2, &o, &bad);
        assert_int_equal(ingress_nginx_apply(n, bad.data, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "server_names_hash"));
        assert_int_equal(ingress_nginx_check(n, conf.data, &err), 0);
        mk_buf_free(&bad);
        ingress_table_free(t2);
        ingress_nginx_stop(n);
    }
    mk_buf_free(&conf);
    ingress_table_free(t);
    json_object_put(list);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doc_path_examples),  cmocka_unit_test(test_doc_multiple_matches),
        cmocka_unit_test(test_doc_host_wildcards), cmocka_unit_test(test_oldest_ingress_wins),
        cmocka_unit_test(test_default_backend),    cmocka_unit_test(test_render),
        cmocka_unit_test(test_hosts_block),        cmocka_unit_test(test_nginx_takes_render),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
