/* test_codec.c - YAML/JSON decoding, YAML output, json helpers, merge patch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "store/codec.h"
#include "store/util.h"

static json_object *decode_ok(const char *text)
{
    json_object *o = NULL;
    mk_err err = {0};
    int r = codec_decode(text, strlen(text), &o, &err);
    if (r < 0)
        fail_msg("decode failed: %s\n---\n%s", err.msg, text);
    return o;
}

static void decode_fails(const char *text, int code, const char *msg_part)
{
    json_object *o = NULL;
    mk_err err = {0};
    int r = codec_decode(text, strlen(text), &o, &err);
    if (r >= 0)
        fail_msg("decode unexpectedly succeeded: %s", text);
    assert_int_equal(r, -code);
    assert_int_equal(err.code, code);
    if (msg_part && !strstr(err.msg, msg_part))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, msg_part);
    assert_null(o);
}

static void test_scalar_types(void **state)
{
    json_object *o = decode_ok("a: true\n"
                               "b: false\n"
                               "c: null\n"
                               "d: ~\n"
                               "e:\n"
                               "f: 12\n"
                               "g: -3\n"
                               "h: 1.5\n"
                               "i: 1e3\n"
                               "j: \"12\"\n"
                               "k: '1.5'\n"
                               "l: \"true\"\n"
                               "m: yes\n"
                               "n: 0x1F\n"
                               "o: 0o17\n"
                               "p: +1\n"
                               "q: 500m\n"
                               "r: 99999999999999999999\n"
                               "s: .inf\n"
                               "t: !!str 42\n"
                               "u: hello world # comment\n");
    assert_true(json_object_get_boolean(mk_json_path(o, "a")));
    assert_true(json_object_is_type(mk_json_path(o, "b"), json_type_boolean));
    assert_true(json_object_object_get_ex(o, "c", NULL));
    assert_null(mk_json_path(o, "c"));
    assert_null(mk_json_path(o, "d"));
    assert_null(mk_json_path(o, "e"));
    assert_int_equal(mk_json_int(o, "f", 0), 12);
    assert_int_equal(mk_json_int(o, "g", 0), -3);
    assert_true(json_object_is_type(mk_json_path(o, "h"), json_type_double));
    assert_int_equal(mk_json_int(o, "i", 0), 1000);
    assert_string_equal(mk_json_str(o, "j"), "12");
    assert_string_equal(mk_json_str(o, "k"), "1.5");
    assert_string_equal(mk_json_str(o, "l"), "true");
    assert_string_equal(mk_json_str(o, "m"), "yes"); /* YAML 1.2: not a bool */
    assert_int_equal(mk_json_int(o, "n", 0), 31);
    assert_int_equal(mk_json_int(o, "o", 0), 15);
    assert_int_equal(mk_json_int(o, "p", 0), 1);
    assert_string_equal(mk_json_str(o, "q"), "500m");
    assert_true(json_object_is_type(mk_json_path(o, "r"), json_type_double));
    assert_string_equal(mk_json_str(o, "s"), ".inf");
    assert_string_equal(mk_json_str(o, "t"), "42");
    assert_string_equal(mk_json_str(o, "u"), "hello world");
    json_object_put(o);
}

static void test_block_scalars_and_nesting(void **state)
{
    json_object *o = decode_ok("apiVersion: v1\n"
                               "kind: ConfigMap\n"
                               "metadata:\n"
                               "  name: cfg\n"
                               "  labels: {app: web, tier: \"1\"}\n"
                               "data:\n"
                               "  script: |\n"
                               "    echo hi\n"
                               "    echo there\n"
                               "  folded: >\n"
                               "    a\n"
                               "    b\n"
                               "list:\n"
                               "- 1\n"
                               "- [a, b]\n"
                               "- {x: y}\n");
    assert_string_equal(mk_json_str(o, "data.script"), "echo hi\necho there\n");
    assert_string_equal(mk_json_str(o, "data.folded"), "a b\n");
    assert_string_equal(mk_json_str(o, "metadata.labels.tier"), "1");
    assert_string_equal(mk_json_str(o, "list[1][0]"), "a");
    assert_string_equal(mk_json_str(o, "list.2.x"), "y");
    assert_int_equal(mk_json_int(o, "list[0]", 0), 1);
    json_object_put(o);
}

static void test_json_fast_path(void **state)
{
    json_object *o = decode_ok("  {\"kind\":\"Pod\",\"n\":1.50,\"s\":\"12\"}\n\n");
    assert_string_equal(mk_json_str(o, "kind"), "Pod");
    assert_string_equal(mk_json_str(o, "s"), "12");
    json_object_put(o);
    /* flow-style YAML that is not JSON still decodes */
    o = decode_ok("{kind: Pod, n: 1}");
    assert_string_equal(mk_json_str(o, "kind"), "Pod");
    json_object_put(o);
    decode_fails("{\"kind\":\"Pod\"} trailing", EBADMSG, "line 1");
    decode_fails("{\"kind\":\"Pod\"", EBADMSG, "line ");
}

static void test_multi_doc(void **state)
{
    const char *text = "# leading comment\n"
                       "---\n"
                       "a: 1\n"
                       "---\n"
                       "# only a comment\n"
                       "---\n"
                       "b: 2\n"
                       "...\n"
                       "---\n";
    json_object *docs = NULL;
    mk_err err = {0};
    assert_int_equal(codec_decode_all(text, strlen(text), &docs, &err), 0);
    assert_int_equal(json_object_array_length(docs), 2);
    assert_int_equal(mk_json_int(docs, "[1].b", 0), 2);
    json_object_put(docs);
    decode_fails(text, EBADMSG, "expected one document, found 2");
    /* a single document with a leading --- and a trailing empty one */
    json_object *o = decode_ok("---\na: 1\n---\n");
    assert_int_equal(mk_json_int(o, "a", 0), 1);
    json_object_put(o);
}

static void test_errors(void **state)
{
    decode_fails("a: 1\nb: [1, 2\nc: 3\n", EBADMSG, "line ");
    decode_fails("a: 1\n  b: 2\n", EBADMSG, "line 2");
    decode_fails("metadata:\n  name: x\n\tbad: tab\n", EBADMSG, "line 3");
    decode_fails("- a\n- b\n", EBADMSG, "must be a mapping");
    decode_fails("just a string", EBADMSG, "must be a mapping");
    decode_fails("", EBADMSG, "empty");
    decode_fails("# nothing\n", EBADMSG, "empty");
    decode_fails("a: 1\na: 2\n", EBADMSG, "line 2 column 1: mapping key \"a\" already defined");
    decode_fails("? [a, b]\n: c\n", EBADMSG, "keys must be scalars");
    decode_fails("a: *nope\n", EBADMSG, "line 1");
    decode_fails("a: \"\\x01 unterminated\n", EBADMSG, "line");
    const char bin[] = "a: b\0c\n";
    json_object *o = NULL;
    mk_err err = {0};
    assert_int_equal(codec_decode(bin, sizeof bin - 1, &o, &err), -EBADMSG);
}

static void test_depth_limit(void **state)
{
    mk_buf b = {0};
    for (int i = 0; i < 150; i++)
        mk_buf_puts(&b, "{a: ");
    mk_buf_puts(&b, "1");
    for (int i = 0; i < 150; i++)
        mk_buf_puts(&b, "}");
    decode_fails(b.data, EBADMSG, "nesting");
    mk_buf_reset(&b);
    /* JSON too */
    for (int i = 0; i < 150; i++)
        mk_buf_puts(&b, "{\"a\":");
    mk_buf_puts(&b, "1");
    for (int i = 0; i < 150; i++)
        mk_buf_puts(&b, "}");
    decode_fails(b.data, EBADMSG, "nesting");
    mk_buf_free(&b);
}

static void test_huge_input(void **state)
{
    size_t n = MK_MAX_OBJECT_BYTES + 1;
    char *big = xmalloc(n + 1);
    memset(big, ' ', n);
    memcpy(big, "a: b", 4);
    big[n] = '\0';
    json_object *o = NULL;
    mk_err err = {0};
    assert_int_equal(codec_decode(big, n, &o, &err), -E2BIG);
    assert_int_equal(codec_decode_all(big, n, &o, &err), -E2BIG);
    /* just under the limit, a large but valid document decodes */
    mk_buf b = {0};
    mk_buf_puts(&b, "data:\n");
    for (int i = 0; b.len < 2 * 1024 * 1024; i++)
        mk_buf_printf(&b, "  key%d: value-%d-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", i, i);
    assert_int_equal(codec_decode(b.data, b.len, &o, &err), 0);
    assert_string_equal(mk_json_str(o, "data.key7"),
                        "value-7-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    json_object_put(o);
    mk_buf_free(&b);
    free(big);
}

static void test_anchors(void **state)
{
    json_object *o = decode_ok("base: &b {cpu: 1, mem: 2}\n"
                               "copy: *b\n"
                               "merged:\n"
                               "  <<: *b\n"
                               "  cpu: 3\n");
    assert_int_equal(mk_json_int(o, "copy.mem", 0), 2);
    assert_int_equal(mk_json_int(o, "merged.cpu", 0), 3);
    assert_int_equal(mk_json_int(o, "merged.mem", 0), 2);
    /* a copy, not a shared node */
    json_object_object_add(mk_json_path(o, "copy"), "mem", json_object_new_int(9));
    assert_int_equal(mk_json_int(o, "base.mem", 0), 2);
    json_object_put(o);

    /* billion laughs: refused quickly instead of expanding */
    decode_fails("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                 "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                 "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                 "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                 "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                 "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                 "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
                 "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n",
                 EBADMSG, "too many nodes");
}

static char *roundtrip_yaml(json_object *o, json_object **back)
{
    char *y = codec_to_yaml(o);
    mk_err err = {0};
    if (codec_decode(y, strlen(y), back, &err) < 0)
        fail_msg("re-decode failed: %s\n%s", err.msg, y);
    return y;
}

static void test_to_yaml(void **state)
{
    json_object *o = decode_ok(
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\","
        "\"labels\":{\"app\":\"web\",\"ver\":\"1.0\",\"n\":\"12\",\"b\":\"true\","
        "\"y\":\"yes\",\"ts\":\"2026-11-27T01:15:10Z\",\"e\":\"\",\"nul\":\"null\",\"colon\":"
        "\"a: b\",\"dash\":\"- x\"}},"
        "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\","
        "\"command\":[\"sh\",\"-c\",\"echo hi\\nsleep 1\"],\"ports\":[]}],"
        "\"x\":{},\"n\":1.5,\"i\":-7,\"t\":true,\"z\":null,\"u\":\"h\\u00e9llo\\u0001\"}}");
    json_object *back = NULL;
    char *y = roundtrip_yaml(o, &back);
    assert_true(json_object_equal(o, back));
    /* kubectl-like block style */
    assert_non_null(strstr(y, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n"));
    assert_non_null(strstr(y, "  containers:\n  - name: c\n"));
    assert_non_null(strstr(y, "\"n\": \"12\""));
    assert_non_null(strstr(y, "\"y\": \"yes\""));
    assert_non_null(strstr(y, "ports: []"));
    assert_non_null(strstr(y, "ts: \"2026-11-27T01:15:10Z\""));
    assert_non_null(strstr(y, "x: {}"));
    assert_non_null(strstr(y, "héllo"));
    free(y);
    json_object_put(back);
    json_object_put(o);
}

static void test_invalid_utf8(void **state)
{
    decode_fails("{\"a\":\"\xff\xfe\"}", EBADMSG, "line");
    decode_fails("a: \xc3\x28\n", EBADMSG, "line 1");
    /* a tree built by a program with bad bytes still prints, as JSON */
    json_object *o = json_object_new_object();
    json_object_object_add(o, "k\xff", json_object_new_string("v\xc0\x80"));
    char *y = codec_to_yaml(o);
    assert_non_null(strchr(y, '{'));
    free(y);
    json_object_put(o);
}

static void test_long_lines_not_folded(void **state)
{
    mk_buf b = {0};
    for (int i = 0; i < 100; i++)
        mk_buf_puts(&b, "word ");
    mk_buf_puts(&b, "end");
    json_object *o = json_object_new_object();
    json_object_object_add(o, "a", json_object_new_string(b.data));
    char *y = codec_to_yaml(o);
    char *line = xasprintf("a: %s\n", b.data);
    assert_string_equal(y, line); /* one line, as sed -i needs it */
    free(line);
    free(y);
    json_object_put(o);
    mk_buf_free(&b);
}

/* Numbers past int64, and past any double, print back as they decoded. */
static void test_big_numbers(void **state)
{
    static const char *const texts[] = {"{\"a\":9223372036854775808}",
                                        "{\"a\":22222222222222222222222222}",
                                        "{\"a\":-9223372036854775809}",
                                        "{\"a\":1e400}",
                                        "a: 18446744073709551615\n",
                                        "a: 18446744073709551616\n",
                                        "a: 1e400\n",
                                        "a: -1e400\n"};
    for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
        json_object *o = decode_ok(texts[i]), *back = NULL;
        char *y = roundtrip_yaml(o, &back);
        if (!json_object_equal(o, back))
            fail_msg("%s: %s -> %s", texts[i], codec_to_json(o, NULL), y);
        free(y);
        json_object_put(back);
        json_object_put(o);
    }
    json_object *o = decode_ok("{\"a\":1e400}");
    assert_string_equal(mk_json_str(o, "a"), "1e400");
    json_object_put(o);
}

static void test_json_out(void **state)
{
    json_object *o = decode_ok("a: {b: [1, \"x/y\"]}\n");
    size_t len;
    const char *s = codec_to_json(o, &len);
    assert_string_equal(s, "{\"a\":{\"b\":[1,\"x/y\"]}}");
    assert_int_equal(len, strlen(s));
    char *p = codec_to_json_pretty(o);
    assert_non_null(strchr(p, '\n'));
    free(p);
    json_object_put(o);
}

static void test_helpers(void **state)
{
    json_object *o = decode_ok("metadata:\n"
                               "  name: web\n"
                               "  labels:\n"
                               "    app.kubernetes.io/name: shop\n"
                               "spec:\n"
                               "  replicas: 3\n"
                               "  containers: [{name: a}, {name: b}]\n");
    assert_string_equal(mk_json_str(o, "metadata.name"), "web");
    assert_string_equal(mk_json_str(o, "metadata.labels.app.kubernetes.io/name"), "shop");
    assert_null(mk_json_str(o, "metadata.nope"));
    assert_null(mk_json_str(o, "spec.replicas"));
    assert_null(mk_json_path(o, "spec.containers[5]"));
    assert_string_equal(mk_json_str(o, "spec.containers[1].name"), "b");
    assert_int_equal(mk_json_int(o, "spec.replicas", -1), 3);
    assert_int_equal(mk_json_int(o, "metadata.name", -1), -1);
    assert_int_equal(mk_json_int(NULL, "x", 4), 4);

    json_object *st = mk_json_ensure(o, "status.conditions.ready");
    assert_non_null(st);
    assert_ptr_equal(mk_json_ensure(o, "status.conditions.ready"), st);
    mk_json_set_str(o, "status.phase", "Running");
    mk_json_set_str(o, "spec.nodeName", "n1");
    mk_json_set_str(o, "top", "v");
    assert_string_equal(mk_json_str(o, "status.phase"), "Running");
    assert_string_equal(mk_json_str(o, "spec.nodeName"), "n1");
    assert_string_equal(mk_json_str(o, "top"), "v");
    json_object_put(o);
}

static void test_merge_patch(void **state)
{
    /* RFC 7386 appendix A examples */
    static const char *const cases[][3] = {
        {"{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
        {"{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"},
        {"{\"a\":\"b\"}", "{\"a\":null}", "{}"},
        {"{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}"},
        {"{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
        {"{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}"},
        {"{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}"},
        {"{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"},
        {"{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}"},
        {"{\"a\":\"foo\"}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"},
        {"{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        json_object *t = json_tokener_parse(cases[i][0]);
        json_object *p = json_tokener_parse(cases[i][1]);
        json_object *want = json_tokener_parse(cases[i][2]);
        mk_json_merge_patch(t, p);
        if (!json_object_equal(t, want))
            fail_msg("case %zu: got %s want %s", i, codec_to_json(t, NULL), cases[i][2]);
        /* the patch stays independent of the target */
        json_object_put(p);
        assert_true(json_object_equal(t, want));
        json_object_put(t);
        json_object_put(want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalar_types),
        cmocka_unit_test(test_block_scalars_and_nesting),
        cmocka_unit_test(test_json_fast_path),
        cmocka_unit_test(test_multi_doc),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_huge_input),
        cmocka_unit_test(test_anchors),
        cmocka_unit_test(test_to_yaml),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_long_lines_not_folded),
        cmocka_unit_test(test_big_numbers),
        cmocka_unit_test(test_json_out),
        cmocka_unit_test(test_helpers),
        cmocka_unit_test(test_merge_patch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
