/* test_server_route.c - mk-apiserver's path parser and watch hub. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "store/codec.h"
#include "store/server/apiserver.h"
#include "store/server/route.h"
#include "store/server/watch.h"
#include "store/util.h"

static void parse_ok(const char *url, const char *kind, const char *ns, const char *name,
                     const char *sub, bool watch)
{
    api_route rt;
    mk_err err = {0};
    int rc = route_parse(url, &rt, &err);
    if (rc != 0)
        fail_msg("%s: %s", url, err.msg);
    assert_string_equal(rt.kind->kind, kind);
    assert_string_equal(rt.ns, ns);
    assert_string_equal(rt.name, name);
    assert_string_equal(rt.sub, sub);
    assert_int_equal(rt.watch, watch);
}

static void parse_fails(const char *url, int code)
{
    api_route rt;
    mk_err err = {0};
    int rc = route_parse(url, &rt, &err);
    if (rc != -code)
        fail_msg("%s: got %d (%s), want %d", url, rc, err.msg, -code);
    assert_int_equal(err.code, code);
}

static void test_route_paths(void **state)
{
    parse_ok("/api/v1/namespaces/default/pods", "Pod", "default", "", "", false);
    parse_ok("/api/v1/namespaces/default/pods/web", "Pod", "default", "web", "", false);
    parse_ok("/api/v1/namespaces/default/pods/web/status", "Pod", "default", "web", "status",
             false);
    parse_ok("/api/v1/namespaces/default/pods/web/binding", "Pod", "default", "web", "binding",
             false);
    parse_ok("/api/v1/pods", "Pod", "", "", "", false);
    parse_ok("/api/v1/nodes/n1.example", "Node", "", "n1.example", "", false);
    parse_ok("/api/v1/namespaces", "Namespace", "", "", "", false);
    parse_ok("/api/v1/namespaces/kube-system", "Namespace", "", "kube-system", "", false);
    parse_ok("/api/v1/namespaces/x/status", "Namespace", "", "x", "status", false);
    parse_ok("/apis/apps/v1/namespaces/d/replicasets/r", "ReplicaSet", "d", "r", "", false);
    parse_ok("/apis/minik8s.io/v1/gpujobs", "GpuJob", "", "", "", false);
    parse_ok("/api/v1/watch/namespaces/d/pods", "Pod", "d", "", "", true);
    parse_ok("/api/v1/pods/", "Pod", "", "", "", false);
    /* RBAC objects may have any path segment name, as in Kubernetes */
    parse_ok("/apis/rbac.authorization.k8s.io/v1/clusterroles/system:controller:x",
             "ClusterRole", "", "system:controller:x", "", false);
}

static void test_route_refuses(void **state)
{
    parse_fails("/api/v1/namespaces/default/pods/../secrets", EBADMSG);
    parse_fails("/api/v1/namespaces/default/pods/..", EBADMSG);
    parse_fails("/api/v1/namespaces//pods", EBADMSG);
    parse_fails("/api/v1/namespaces/Default/pods", EBADMSG);
    parse_fails("/api/v1/namespaces/default/pods/Web", EBADMSG);
    parse_fails("/api/v1/namespaces/default/pods/a_b", EBADMSG);
    parse_fails("/api/v1/namespaces/default/pods/a:b", EBADMSG);
    parse_fails("/apis/rbac.authorization.k8s.io/v1/clusterroles/a%b", EBADMSG);
    parse_fails("/api/v1/namespaces/default/widgets", ENOENT);
    parse_fails("/api/v1/namespaces/default/nodes", ENOENT);
    parse_fails("/api/v1/namespaces/default/pods/a/bogus", ENOENT);
    parse_fails("/api/v1/namespaces/default/pods/a/status/x", ENOENT);
    parse_fails("/apis/apps/v2/namespaces/d/replicasets", ENOENT);
    parse_fails("/apis/apps/v1/namespaces/d/pods", ENOENT);
    parse_fails("/api/v2/pods", ENOENT);
    parse_fails("/nothing", ENOENT);
    parse_fails("/api/v1", ENOENT);
    char longname[300];
    memset(longname, 'a', sizeof longname);
    strcpy(longname + sizeof longname - 40, "");
    char *url = xasprintf("/api/v1/namespaces/default/pods/%s", longname);
    parse_fails(url, EBADMSG);
    free(url);
}

static void sink(hub *h, int64_t rev, const char *name, const char *labels, mk_event_type type)
{
    char *json =
        xasprintf("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"d\","
                  "\"labels\":%s,\"resourceVersion\":\"%lld\"},\"spec\":{\"nodeName\":\"n1\"}}",
                  name, labels, (long long)rev);
    char *key = xasprintf("/registry/pods/d/%s", name);
    json_object *prev =
        json_tokener_parse("{\"metadata\":{\"name\":\"old\",\"labels\":{\"v\":\"0\"}}}");
    mk_event ev = {.type = type,
                   .rev = rev,
                   .key = key,
                   .value = json,
                   .len = strlen(json),
                   .prev = type == MK_EV_MODIFIED ? prev : NULL};
    hub_sink(h, &ev);
    json_object_put(prev);
    free(json);
    free(key);
}

static void test_hub_order_and_eviction(void **state)
{
    hub *h = hub_new(10, 16, 1 << 20);
    hub_event *evs[32];
    assert_int_equal(hub_next(h, 10, evs, 32, 0), 0); /* nothing yet, deadline passed */
    for (int i = 1; i <= 20; i++)
        sink(h, 10 + i, "p", "{}", MK_EV_ADDED);
    /* 16 fit: 15..30; the ring no longer covers revisions before 14. */
    assert_int_equal(hub_next(h, 10, evs, 32, 0), -MK_EGONE);
    int n = hub_next(h, 14, evs, 32, 0);
    assert_int_equal(n, 16);
    for (int i = 0; i < n; i++) {
        assert_int_equal(evs[i]->rev, 15 + i);
        hub_event_unref(evs[i]);
    }
    n = hub_next(h, 28, evs, 1, 0);
    assert_int_equal(n, 1);
    assert_int_equal(evs[0]->rev, 29);
    hub_event_unref(evs[0]);
    assert_int_equal(hub_last_rev(h), 30);
    hub_close(h);
    assert_int_equal(hub_next(h, 30, evs, 32, mk_now_ns() + 1000000000LL), -ECANCELED);
    hub_free(h);
}

static void test_hub_byte_limit(void **state)
{
    hub *h = hub_new(0, 1000, 2000); /* room for about 4 small events */
    for (int i = 1; i <= 50; i++)
        sink(h, i, "p", "{}", MK_EV_ADDED);
    size_t count;
    size_t bytes = hub_bytes(h, &count);
    assert_true(bytes <= 2000);
    assert_true(count >= 1 && count < 50);
    hub_event *evs[64];
    assert_int_equal(hub_next(h, 49, evs, 64, 0), 1);
    hub_event_unref(evs[0]);
    hub_free(h);
}

static void test_hub_views(void **state)
{
    hub *h = hub_new(0, 16, 1 << 20);
    sink(h, 1, "web", "{\"app\":\"web\"}", MK_EV_MODIFIED);
    hub_event *e;
    assert_int_equal(hub_next(h, 0, &e, 1, 0), 1);
    json_object *v = hub_event_view(e, false);
    assert_non_null(v);
    assert_ptr_equal(v, hub_event_view(e, false)); /* built once */
    json_object *md, *labels, *app, *spec, *node;
    assert_true(json_object_object_get_ex(v, "metadata", &md));
    assert_true(json_object_object_get_ex(md, "labels", &labels));
    assert_true(json_object_object_get_ex(labels, "app", &app));
    assert_string_equal(json_object_get_string(app), "web");
    assert_true(json_object_object_get_ex(v, "spec", &spec));
    assert_true(json_object_object_get_ex(spec, "nodeName", &node));
    assert_string_equal(json_object_get_string(node), "n1");
    json_object *pv = hub_event_view(e, true);
    assert_non_null(pv);
    assert_true(json_object_object_get_ex(pv, "metadata", &md));
    assert_true(json_object_object_get_ex(md, "name", &app));
    assert_string_equal(json_object_get_string(app), "old");
    hub_event_unref(e);
    hub_free(h);
}

/* A 422 carries its field and reason as a cause: kubectl prints them. */
static void test_status_causes(void **state)
{
    (void)state;
    const mk_kind *k = kind_by_kind("StatefulSet");
    json_object *st = status_new(422, "Invalid",
                                 "StatefulSet \"db\" is invalid: spec.ordinals.start: "
                                 "Forbidden: numbered from 0",
                                 k, "db");
    json_object *c = json_object_array_get_idx(mk_json_path(st, "details.causes"), 0);
    assert_string_equal(mk_json_str(c, "field"), "spec.ordinals.start");
    assert_string_equal(mk_json_str(c, "reason"), "FieldValueForbidden");
    assert_string_equal(mk_json_str(c, "message"), "Forbidden: numbered from 0");
    json_object_put(st);
    st = status_new(422, "Invalid",
                    "Pod \"x\" is invalid: spec.containers[0].image: Required value", k, "x");
    c = json_object_array_get_idx(mk_json_path(st, "details.causes"), 0);
    assert_string_equal(mk_json_str(c, "field"), "spec.containers[0].image");
    assert_string_equal(mk_json_str(c, "reason"), "FieldValueRequired");
    json_object_put(st);
    st = status_new(422, "Invalid", "something else", k, "x"); /* no cause to tell */
    assert_null(mk_json_path(st, "details.causes"));
    json_object_put(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_paths),
        cmocka_unit_test(test_route_refuses),
        cmocka_unit_test(test_hub_order_and_eviction),
        cmocka_unit_test(test_hub_byte_limit),
        cmocka_unit_test(test_hub_views),
        cmocka_unit_test(test_status_causes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
