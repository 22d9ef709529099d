/* test_proxy_rules.c - mk-proxy's pure parts: the nftables table rendered
 * from Services and Endpoints (and applied for real, in a private network
 * namespace, when run as root), and the endpoints controller's subsets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "controllers/endpoints.h"
#include "proxy/nft.h"
#include "proxy/rules.h"
#include "store/codec.h"
#include "store/util.h"
#include "tests/unit/nft_netns.h"

static json_object *parse(const char *text)
{
    json_object *o = json_tokener_parse(text);
    assert_non_null(o);
    return o;
}

static const char *svc_web =
    "{\"metadata\":{\"namespace\":\"default\",\"name\":\"web\"},\"spec\":{\"clusterIP\":"
    "\"10.96.0.11\",\"ports\":[{\"name\":\"http\",\"port\":80},{\"name\":\"dns\",\"port\":53,"
    "\"protocol\":\"UDP\"}]}}";
static const char *ep_web =
    "{\"subsets\":[{\"addresses\":[{\"ip\":\"10.244.1.5\"},{\"ip\":\"10.244.2.5\"}],"
    "\"notReadyAddresses\":[{\"ip\":\"10.244.3.5\"}],"
    "\"ports\":[{\"name\":\"http\",\"port\":8080,\"protocol\":\"TCP\"}]},"
    "{\"addresses\":[{\"ip\":\"10.244.3.6\"}],"
    "\"ports\":[{\"name\":\"http\",\"port\":9090,\"protocol\":\"TCP\"}]}]}";
static const char *svc_empty =
    "{\"metadata\":{\"namespace\":\"prod\",\"name\":\"db\"},\"spec\":{\"clusterIP\":"
    "\"10.96.0.12\",\"ports\":[{\"port\":5432}]}}";
static const char *svc_headless =
    "{\"metadata\":{\"namespace\":\"default\",\"name\":\"h\"},\"spec\":{\"clusterIP\":"
    "\"None\",\"ports\":[{\"port\":1}]}}";

static char *render_sample(rules_stats *st)
{
    json_object *svcs[] = {parse(svc_web), parse(svc_empty), parse(svc_headless)};
    json_object *eps[] = {parse(ep_web), NULL, NULL};
    rules_config cfg = {.cluster_cidr = "10.244.0.0/16"};
    char *text = rules_render(&cfg, svcs, eps, 3, st);
    for (size_t i = 0; i < 3; i++) {
        json_object_put(svcs[i]);
        json_object_put(eps[i]);
    }
    return text;
}

static void test_render(void **state)
{
    rules_stats st;
    _cleanup_free_ char *text = render_sample(&st);
    /* three ports have a ClusterIP (web:http, web:dns, db), headless none */
    assert_int_equal(st.services, 3);
    assert_int_equal(st.endpoints, 3); /* ready only, both subsets */
    assert_non_null(strstr(text, "10.96.0.11 . tcp . 80 : goto svc/default/web/http/tcp"));
    assert_non_null(strstr(text, "meta l4proto tcp dnat ip to numgen inc mod 3 map { 0 : "
                                 "10.244.1.5 . 8080, 1 : 10.244.2.5 . 8080, 2 : 10.244.3.6 . "
                                 "9090 }"));
    assert_non_null(strstr(text, "elements = { 10.244.1.5 . 10.244.1.5, 10.244.2.5 . "
                                 "10.244.2.5, 10.244.3.6 . 10.244.3.6 }"));
    assert_null(strstr(text, "10.244.3.5")); /* not ready */
    /* no endpoints: rejected at once (db; and web's UDP port has none) */
    assert_non_null(strstr(text, "10.96.0.12 . tcp . 5432 : goto no-endpoint"));
    assert_non_null(strstr(text, "10.96.0.11 . udp . 53 : goto no-endpoint"));
    assert_null(strstr(text, "None"));
    /* replaced whole: create-if-missing, delete, declare, in one script */
    assert_true(strncmp(text,
                        "table ip minik8s {}\ndelete table ip minik8s\ntable ip minik8s {",
                        60) == 0);
}

static void test_render_deterministic(void **state)
{
    _cleanup_free_ char *a = render_sample(NULL);
    _cleanup_free_ char *b = render_sample(NULL);
    assert_string_equal(a, b);
}

static char *render_default(void)
{
    return render_sample(NULL);
}

/* The script is valid nftables: apply it in a private network namespace. */
static void test_apply(void **state)
{
    (void)state;
    apply_in_netns(render_default, rules_delete_script());
}

static void test_endpoints_subsets(void **state)
{
    json_object *svc = parse("{\"metadata\":{\"namespace\":\"default\",\"name\":\"web\"},"
                             "\"spec\":{\"selector\":{\"app\":\"web\"},\"ports\":[{\"name\":"
                             "\"h\",\"port\":80,\"targetPort\":\"http\"}]}}");
    const char *pods[] = {
        /* ready, named port 8080 */
        "{\"metadata\":{\"namespace\":\"default\",\"name\":\"a\",\"uid\":\"u1\",\"labels\":"
        "{\"app\":\"web\"}},\"spec\":{\"nodeName\":\"n1\",\"containers\":[{\"name\":\"c\","
        "\"ports\":[{\"name\":\"http\",\"containerPort\":8080}]}]},\"status\":{\"podIP\":"
        "\"10.244.1.9\",\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":"
        "\"True\"}]}}",
        /* not ready */
        "{\"metadata\":{\"namespace\":\"default\",\"name\":\"b\",\"labels\":{\"app\":\"web\"}},"
        "\"spec\":{\"containers\":[{\"name\":\"c\",\"ports\":[{\"name\":\"http\","
        "\"containerPort\":8080}]}]},\"status\":{\"podIP\":\"10.244.1.2\",\"phase\":"
        "\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\"}]}}",
        /* other labels */
        "{\"metadata\":{\"namespace\":\"default\",\"name\":\"c\",\"labels\":{\"app\":\"db\"}},"
        "\"spec\":{\"containers\":[]},\"status\":{\"podIP\":\"10.244.1.3\"}}",
        /* terminating */
        "{\"metadata\":{\"namespace\":\"default\",\"name\":\"d\",\"deletionTimestamp\":\"x\","
        "\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[]},\"status\":{\"podIP\":"
        "\"10.244.1.4\"}}",
    };
    endpoints_builder *b = endpoints_builder_new(svc);
    for (size_t i = 0; i < ARRAY_SIZE(pods); i++) {
        json_object *p = parse(pods[i]);
        endpoints_builder_add(b, p);
        json_object_put(p);
    }
    json_object *subsets = endpoints_builder_finish(b);
    assert_int_equal(json_object_array_length(subsets), 1);
    json_object *s = json_object_array_get_idx(subsets, 0);
    assert_string_equal(
        mk_json_str(json_object_array_get_idx(mk_json_path(s, "addresses"), 0), "ip"),
        "10.244.1.9");
    assert_string_equal(mk_json_str(json_object_array_get_idx(mk_json_path(s, "addresses"), 0),
                                    "targetRef.name"),
                        "a");
    assert_string_equal(
        mk_json_str(json_object_array_get_idx(mk_json_path(s, "notReadyAddresses"), 0), "ip"),
        "10.244.1.2");
    assert_int_equal(
        mk_json_int(json_object_array_get_idx(mk_json_path(s, "ports"), 0), "port", 0), 8080);
    json_object_put(subsets);
    json_object_put(svc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_render_deterministic),
        cmocka_unit_test(test_apply),
        cmocka_unit_test(test_endpoints_subsets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
