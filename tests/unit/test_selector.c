/* test_selector.c - label and field selector parsing and matching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "store/codec.h"
#include "store/selector.h"
#include "store/util.h"

static json_object *json(const char *text)
{
    json_object *o = NULL;
    mk_err err = {0};
    if (codec_decode(text, strlen(text), &o, &err) < 0)
        fail_msg("decode: %s", err.msg);
    return o;
}

/* Does the label selector text select the labels (as flow YAML)? */
static bool label_match(const char *sel, const char *labels)
{
    mk_selector *s = NULL;
    mk_err err = {0};
    if (selector_parse_labels(sel, &s, &err) < 0)
        fail_msg("parse \"%s\": %s", sel, err.msg);
    json_object *l = json(labels);
    bool m = selector_match_labels(s, l);
    json_object_put(l);
    selector_free(s);
    return m;
}

static void test_label_matching(void **state)
{
    static const struct {
        const char *sel, *labels;
        bool match;
    } cases[] = {
        {"", "{}", true},
        {"", "{a: b}", true},
        {"a=b", "{a: b}", true},
        {"a=b", "{a: c}", false},
        {"a=b", "{}", false},
        {"a==b", "{a: b}", true},
        {"a!=b", "{a: c}", true},
        {"a!=b", "{}", true},
        {"a!=b", "{a: b}", false},
        {"a in (x,y)", "{a: y}", true},
        {"a in (x,y)", "{a: z}", false},
        {"a in (x,y)", "{}", false},
        {"a notin (x,y)", "{a: z}", true},
        {"a notin (x,y)", "{}", true},
        {"a notin (x,y)", "{a: x}", false},
        {"a", "{a: ''}", true},
        {"a", "{b: c}", false},
        {"!a", "{b: c}", true},
        {"!a", "{a: c}", false},
        {"a=", "{a: ''}", true},
        {"a=", "{a: x}", false},
        {"  a  in  ( x ,  y ) ,  b notin (z)  ", "{a: x, b: w}", true},
        {"a in (x,y),b notin (z)", "{a: x, b: z}", false},
        {"app=web,tier!=db", "{app: web, tier: front}", true},
        {"app=web,tier!=db", "{app: web, tier: db}", false},
        {"example.com/gpu", "{example.com/gpu: 'true'}", true},
        {"app.kubernetes.io/name=shop", "{app.kubernetes.io/name: shop}", true},
        {"a in (x,)", "{a: ''}", true},
        {"a in ()", "{a: ''}", true},
        {"a>3", "{a: '5'}", true},
        {"a>3", "{a: '2'}", false},
        {"a<3", "{a: '2'}", true},
        {"a<3", "{a: x}", false},
        {"a<3", "{}", false},
        {"a=in", "{a: in}", true},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        if (label_match(cases[i].sel, cases[i].labels) != cases[i].match)
            fail_msg("\"%s\" against %s: expected %s", cases[i].sel, cases[i].labels,
                     cases[i].match ? "match" : "no match");
    /* NULL labels are an empty map; a NULL selector matches everything */
    mk_selector *s = NULL;
    assert_int_equal(selector_parse_labels("!a", &s, NULL), 0);
    assert_true(selector_match_labels(s, NULL));
    selector_free(s);
    assert_int_equal(selector_parse_labels(NULL, &s, NULL), 0);
    assert_true(selector_is_empty(s));
    assert_true(selector_match_labels(s, NULL));
    selector_free(s);
    assert_true(selector_match_labels(NULL, NULL));
}

static void test_label_errors(void **state)
{
    static const char *const bad[] = {
        "a=b=c",    "a in x",
        "a in (x",  "=b",
        "a!",       "a b",
        "a=b,",     ",",
        ",a=b",     "a in (x y)",
        "-bad=x",   "a=-bad",
        "a>b",      "a>",
        "a notin",  "a=(x)",
        "/a=b",     "Ex_ample.com/a=b",
        "a=b c",    "a in (x,y),,b",
        "!a=b",     "!",
        "in=notin", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=x",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        mk_selector *s = NULL;
        mk_err err = {0};
        if (selector_parse_labels(bad[i], &s, &err) != -EBADMSG)
            fail_msg("\"%s\" parsed", bad[i]);
        assert_int_equal(err.code, EBADMSG);
        assert_non_null(strstr(err.msg, "label selector: term \""));
        assert_null(s);
    }
    mk_err err = {0};
    mk_selector *s = NULL;
    assert_int_equal(selector_parse_labels("a=b, c in (x y)", &s, &err), -EBADMSG);
    assert_non_null(strstr(err.msg, "\"c in (x y)\""));
}

static void test_label_syntax_helpers(void **state)
{
    assert_null(selector_label_key_error("app"));
    assert_null(selector_label_key_error("app.kubernetes.io/name"));
    assert_null(selector_label_key_error("A_b.c-D"));
    assert_non_null(selector_label_key_error(""));
    assert_non_null(selector_label_key_error("a/"));
    assert_non_null(selector_label_key_error("/a"));
    assert_non_null(selector_label_key_error("a/b/c"));
    assert_non_null(selector_label_key_error("UPPER.com/a"));
    assert_non_null(selector_label_key_error("-a"));
    assert_null(selector_label_value_error(""));
    assert_null(selector_label_value_error("v1.2_3-x"));
    assert_non_null(selector_label_value_error("has space"));
    assert_non_null(selector_label_value_error("a/b"));
    assert_non_null(selector_label_value_error(
        "0123456789012345678901234567890123456789012345678901234567890123"));
}

static bool field_match(const char *sel, json_object *obj)
{
    mk_selector *s = NULL;
    mk_err err = {0};
    if (selector_parse_fields(sel, &s, &err) < 0)
        fail_msg("parse \"%s\": %s", sel, err.msg);
    bool m = selector_match_fields(s, obj);
    selector_free(s);
    return m;
}

static void test_field_selectors(void **state)
{
    json_object *pod = json("metadata: {name: 'a,b', namespace: default}\n"
                            "spec: {nodeName: n1, priority: 5, hostNetwork: true}\n"
                            "status: {phase: Running}\n");
    json_object *pending = json("metadata: {name: web, namespace: kube-system}\n"
                                "spec: {}\n");
    assert_true(field_match("spec.nodeName=n1", pod));
    assert_false(field_match("spec.nodeName=n2", pod));
    assert_true(field_match("spec.nodeName==n1", pod));
    assert_true(field_match("spec.nodeName!=n2", pod));
    assert_true(field_match("spec.nodeName=", pending));
    assert_false(field_match("spec.nodeName=", pod));
    assert_true(field_match("spec.nodeName!=", pod));
    assert_true(field_match("metadata.namespace!=kube-system", pod));
    assert_false(field_match("metadata.namespace!=kube-system", pending));
    assert_true(field_match("status.phase=Running,spec.nodeName=n1", pod));
    assert_false(field_match("status.phase=Running,spec.nodeName=n2", pod));
    assert_true(field_match("metadata.name=a\\,b", pod));
    assert_true(field_match("spec.priority=5", pod));
    assert_true(field_match("spec.hostNetwork=true", pod));
    assert_true(field_match("", pod));
    assert_true(field_match("status.phase!=Running", pending));

    mk_selector *s = NULL;
    assert_int_equal(selector_parse_fields("spec.nodeName=n1,status.phase!=Failed", &s, NULL),
                     0);
    assert_string_equal(selector_field_equals(s, "spec.nodeName"), "n1");
    assert_null(selector_field_equals(s, "status.phase"));
    assert_null(selector_field_equals(s, "metadata.name"));
    assert_false(selector_is_empty(s));
    selector_free(s);
    assert_int_equal(selector_parse_fields("spec.nodeName=", &s, NULL), 0);
    assert_string_equal(selector_field_equals(s, "spec.nodeName"), "");
    selector_free(s);

    static const char *const bad[] = {"spec.nodeName", "=x",       "a\\q=b",
                                      "a=b,",          "a in (x)", "a=b\\"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        mk_err err = {0};
        s = NULL;
        if (selector_parse_fields(bad[i], &s, &err) != -EBADMSG)
            fail_msg("\"%s\" parsed", bad[i]);
        assert_non_null(strstr(err.msg, "field selector"));
        assert_null(s);
    }
    json_object_put(pod);
    json_object_put(pending);
}

static void test_from_object(void **state)
{
    json_object *sel = json("matchLabels: {app: web}\n"
                            "matchExpressions:\n"
                            "- {key: tier, operator: In, values: [front, back]}\n"
                            "- {key: env, operator: NotIn, values: [dev]}\n"
                            "- {key: gpu, operator: Exists}\n"
                            "- {key: old, operator: DoesNotExist, values: []}\n");
    mk_selector *s = NULL;
    mk_err err = {0};
    assert_int_equal(selector_from_object(sel, &s, &err), 0);
    json_object *yes = json("{app: web, tier: front, gpu: '1'}");
    json_object *no1 = json("{app: web, tier: front, gpu: '1', env: dev}");
    json_object *no2 = json("{app: web, tier: mid, gpu: '1'}");
    json_object *no3 = json("{app: web, tier: front, gpu: '1', old: x}");
    json_object *no4 = json("{app: web, tier: front}");
    assert_true(selector_match_labels(s, yes));
    assert_false(selector_match_labels(s, no1));
    assert_false(selector_match_labels(s, no2));
    assert_false(selector_match_labels(s, no3));
    assert_false(selector_match_labels(s, no4));
    selector_free(s);
    json_object_put(yes);
    json_object_put(no1);
    json_object_put(no2);
    json_object_put(no3);
    json_object_put(no4);
    json_object_put(sel);

    assert_int_equal(selector_from_object(NULL, &s, &err), 0);
    assert_true(selector_is_empty(s));
    selector_free(s);

    static const struct {
        const char *sel, *msg;
    } bad[] = {
        {"{matchLabels: {app: 'bad value'}}", "matchLabels.app: Invalid value"},
        {"{matchLabels: {'-bad': x}}", "matchLabels: Invalid value"},
        {"{matchLabels: {app: 1}}", "must be a string"},
        {"{matchLabels: [a]}", "matchLabels: Invalid value"},
        {"{matchExpressions: [{key: a, operator: Foo, values: [x]}]}",
         "matchExpressions[0].operator: Unsupported value: \"Foo\""},
        {"{matchExpressions: [{key: a, operator: In}]}",
         "matchExpressions[0].values: Required"},
        {"{matchExpressions: [{key: a, operator: Exists, values: [x]}]}",
         "matchExpressions[0].values: Forbidden"},
        {"{matchExpressions: [{operator: Exists}]}", "matchExpressions[0].key: Required"},
        {"{matchExpressions: [{key: a}]}", "matchExpressions[0].operator: Required"},
        {"{matchExpressions: {key: a}}", "matchExpressions: Invalid value"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        sel = json(bad[i].sel);
        s = NULL;
        assert_int_equal(selector_from_object(sel, &s, &err), -EINVAL);
        if (!strstr(err.msg, bad[i].msg))
            fail_msg("%s: message \"%s\" lacks \"%s\"", bad[i].sel, err.msg, bad[i].msg);
        assert_null(s);
        json_object_put(sel);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_label_matching),       cmocka_unit_test(test_label_errors),
        cmocka_unit_test(test_label_syntax_helpers), cmocka_unit_test(test_field_selectors),
        cmocka_unit_test(test_from_object),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
