/* test_rbac.c - RBAC's rule matching and escalation cover (rbac.h), and
 * the tokens of service account token Secrets (satoken.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "store/kinds.h"
#include "store/codec.h"
#include "store/server/rbac.h"
#include "store/server/satoken.h"

static bool rule_allows(const char *rule_json, const auth_attrs *a)
{
    json_object *rule = json_tokener_parse(rule_json);
    assert_non_null(rule);
    bool ok = rbac_rule_allows(rule, a);
    json_object_put(rule);
    return ok;
}

static bool allows(const char *rule_json, const char *verb, const char *kind, const char *sub,
                   const char *name)
{
    auth_attrs a = {
        .verb = verb, .kind = kind_by_kind(kind), .sub = sub, .ns = "default", .name = name};
    return rule_allows(rule_json, &a);
}

static bool allows_path(const char *rule_json, const char *verb, const char *path)
{
    auth_attrs a = {.verb = verb, .path = path};
    return rule_allows(rule_json, &a);
}

static void test_rule_allows(void **state)
{
    (void)state;
    const char *pods =
        "{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],\"verbs\":[\"get\",\"list\"]}";
    assert_true(allows(pods, "get", "Pod", "", "web"));
    assert_true(allows(pods, "list", "Pod", "", ""));
    assert_false(allows(pods, "delete", "Pod", "", "web"));
    assert_false(allows(pods, "get", "Pod", "log", "web")); /* a subresource is its own */
    assert_false(allows(pods, "get", "Deployment", "", "web"));
    assert_false(allows(pods, "get", "Secret", "", "s"));
    const char *sub = "{\"apiGroups\":[\"\",\"apps\"],\"resources\":[\"pods/*\",\"*/scale\"],"
                      "\"verbs\":[\"*\"]}";
    assert_true(allows(sub, "get", "Pod", "log", "web"));
    assert_true(allows(sub, "create", "Pod", "exec", "web"));
    assert_false(allows(sub, "get", "Pod", "", "web"));
    assert_true(allows(sub, "update", "Deployment", "scale", "d"));
    assert_false(allows(sub, "update", "Deployment", "status", "d"));
    const char *named = "{\"apiGroups\":[\"*\"],\"resources\":[\"configmaps\"],"
                        "\"resourceNames\":[\"cfg\"],\"verbs\":[\"get\",\"list\"]}";
    assert_true(allows(named, "get", "ConfigMap", "", "cfg"));
    assert_false(allows(named, "get", "ConfigMap", "", "other"));
    assert_false(allows(named, "list", "ConfigMap", "", "")); /* a list names nothing */
    const char *urls = "{\"nonResourceURLs\":[\"/metrics\",\"/debug/*\"],\"verbs\":[\"get\"]}";
    assert_true(allows_path(urls, "get", "/metrics"));
    assert_true(allows_path(urls, "get", "/debug/pprof"));
    assert_false(allows_path(urls, "post", "/metrics"));
    assert_false(allows_path(urls, "get", "/metricsx"));
    assert_false(allows(urls, "get", "Pod", "", "")); /* paths grant no resources */
    assert_false(allows_path(pods, "get", "/metrics"));
}

static bool covers(const char *held_json, const char *rule_json, char *missing, size_t n)
{
    json_object *held = json_tokener_parse(held_json), *rule = json_tokener_parse(rule_json);
    assert_non_null(held);
    assert_non_null(rule);
    bool ok = rbac_rules_cover(held, rule, missing, n);
    json_object_put(held);
    json_object_put(rule);
    return ok;
}

static void test_rules_cover(void **state)
{
    (void)state;
    char m[256] = "";
    const char *edit =
        "[{\"apiGroups\":[\"\"],\"resources\":[\"pods\",\"pods/*\",\"configmaps\"],"
        "\"verbs\":[\"get\",\"list\",\"create\"]},"
        "{\"apiGroups\":[\"apps\"],\"resources\":[\"deployments\"],\"verbs\":[\"*\"]}]";
    assert_true(covers(edit,
                       "{\"apiGroups\":[\"\"],\"resources\":[\"pods\",\"pods/log\"],"
                       "\"verbs\":[\"get\"]}",
                       m, sizeof m));
    assert_true(covers(edit,
                       "{\"apiGroups\":[\"apps\"],\"resources\":[\"deployments\"],"
                       "\"verbs\":[\"delete\",\"*\"]}",
                       m, sizeof m));
    /* a named grant is held by the unnamed rule */
    assert_true(covers(edit,
                       "{\"apiGroups\":[\"\"],\"resources\":[\"configmaps\"],"
                       "\"resourceNames\":[\"a\"],\"verbs\":[\"get\"]}",
                       m, sizeof m));
    assert_false(covers(edit,
                        "{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],"
                        "\"verbs\":[\"get\",\"delete\"]}",
                        m, sizeof m));
    assert_string_equal(m, "{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"delete\"]}");
    /* a wildcard is held only by a wildcard */
    assert_false(covers(
        edit, "{\"apiGroups\":[\"\"],\"resources\":[\"*\"],\"verbs\":[\"get\"]}", m, sizeof m));
    assert_false(covers(edit,
                        "{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],\"verbs\":[\"*\"]}", m,
                        sizeof m));
    assert_false(covers(edit,
                        "{\"apiGroups\":[\"*\"],\"resources\":[\"pods\"],\"verbs\":[\"get\"]}",
                        m, sizeof m));
    assert_true(covers("[{\"apiGroups\":[\"*\"],\"resources\":[\"*\"],\"verbs\":[\"*\"]}]",
                       "{\"apiGroups\":[\"*\"],\"resources\":[\"*\"],\"verbs\":[\"*\"]}", m,
                       sizeof m));
    /* a named hold covers only that name */
    const char *one = "[{\"apiGroups\":[\"\"],\"resources\":[\"secrets\"],"
                      "\"resourceNames\":[\"a\"],\"verbs\":[\"get\"]}]";
    assert_false(
        covers(one, "{\"apiGroups\":[\"\"],\"resources\":[\"secrets\"],\"verbs\":[\"get\"]}", m,
               sizeof m));
    assert_true(covers(one,
                       "{\"apiGroups\":[\"\"],\"resources\":[\"secrets\"],"
                       "\"resourceNames\":[\"a\"],\"verbs\":[\"get\"]}",
                       m, sizeof m));
    /* paths */
    const char *urls = "[{\"nonResourceURLs\":[\"/api/*\"],\"verbs\":[\"get\"]}]";
    assert_true(covers(urls,
                       "{\"nonResourceURLs\":[\"/api/v1\",\"/api/x/*\"],\"verbs\":[\"get\"]}",
                       m, sizeof m));
    assert_false(
        covers(urls, "{\"nonResourceURLs\":[\"/metrics\"],\"verbs\":[\"get\"]}", m, sizeof m));
    assert_string_equal(m, "{NonResourceURLs:[\"/metrics\"], Verbs:[\"get\"]}");
}

/* The roles a cluster starts with parse and nest: view within edit
 * within admin within cluster-admin. */
static void test_default_roles(void **state)
{
    (void)state;
    json_object *roles = rbac_default_roles();
    assert_int_equal(json_object_array_length(roles), 4);
    char m[256];
    for (size_t i = 1; i < 4; i++) {
        json_object *outer = json_object_array_get_idx(roles, i - 1);
        json_object *inner =
            json_object_object_get(json_object_array_get_idx(roles, i), "rules");
        assert_non_null(inner);
        for (size_t r = 0; r < json_object_array_length(inner); r++)
            if (!rbac_rules_cover(json_object_object_get(outer, "rules"),
                                  json_object_array_get_idx(inner, r), m, sizeof m))
                fail_msg("role %zu lacks %s", i - 1, m);
    }
    json_object *view = json_object_array_get_idx(roles, 3);
    auth_attrs secret = {
        .verb = "get", .kind = kind_by_kind("Secret"), .sub = "", .ns = "d", .name = "s"};
    json_object *rules = json_object_object_get(view, "rules");
    for (size_t r = 0; r < json_object_array_length(rules); r++)
        assert_false(rbac_rule_allows(json_object_array_get_idx(rules, r), &secret));
    json_object_put(roles);
}

static void test_satoken_fill(void **state)
{
    (void)state;
    const char *fmt = "{\"kind\":\"Secret\",\"type\":\"%s\",\"metadata\":{\"name\":\"t\","
                      "\"namespace\":\"ci\"}%s}";
    char text[300];
    snprintf(text, sizeof text, fmt, SATOKEN_TYPE, "");
    json_object *a = json_tokener_parse(text), *b = json_tokener_parse(text);
    satoken_fill(a);
    satoken_fill(b);
    const char *ta = mk_json_str(a, "data.token"), *tb = mk_json_str(b, "data.token");
    assert_non_null(ta);
    assert_non_null(tb);
    assert_string_not_equal(ta, tb);
    assert_string_equal(mk_json_str(a, "data.namespace"), "Y2k="); /* "ci" */
    json_object_put(a);
    json_object_put(b);
    /* a token given is kept; other Secrets get none */
    snprintf(text, sizeof text, fmt, SATOKEN_TYPE, ",\"data\":{\"token\":\"eA==\"}");
    a = json_tokener_parse(text);
    satoken_fill(a);
    assert_string_equal(mk_json_str(a, "data.token"), "eA==");
    json_object_put(a);
    snprintf(text, sizeof text, fmt, "Opaque", "");
    a = json_tokener_parse(text);
    satoken_fill(a);
    assert_null(mk_json_path(a, "data"));
    json_object_put(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_allows),
        cmocka_unit_test(test_rules_cover),
        cmocka_unit_test(test_default_roles),
        cmocka_unit_test(test_satoken_fill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
