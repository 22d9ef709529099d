/* test_apply.c - field sets and server-side apply (store/server/fieldset.h,
 * apply.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "yaml_fixture.h"

#include <string.h>

#include "store/codec.h"
#include "store/server/apply.h"
#include "store/server/fieldset.h"
#include "store/util.h"

static void expect_json(json_object *o, const char *want)
{
    json_object *w = json_tokener_parse(want);
    assert_non_null(w);
    if (!json_object_equal(o, w))
        fail_msg("got %s\nwant %s", json_object_to_json_string(o), want);
    json_object_put(w);
}

static void expect_paths(json_object *set, const char *want)
{
    mk_buf b = {0};
    mk_buf_puts(&b, "");
    fieldset_paths(set, " ", &b);
    assert_string_equal(b.data, want);
    free(b.data);
}

static const char deployment[] =
    "apiVersion: apps/v1\nkind: Deployment\n"
    "metadata: {name: web, uid: u1, resourceVersion: '4', labels: {app: web}}\n"
    "spec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n"
    "      - name: app\n        image: busybox\n        command: [sleep, '1']\n"
    "        env: [{name: A, value: '1'}]\n"
    "status: {replicas: 2}\n";

static void test_fieldset_of(void **state)
{
    (void)state;
    json_object *obj = yaml(deployment);
    json_object *set = fieldset_of(obj);
    /* Lists by merge key, command whole; no status, only labels of metadata. */
    expect_json(
        set, "{\"f:metadata\":{\"f:labels\":{\"f:app\":{}}},\"f:spec\":{\"f:replicas\":{},"
             "\"f:template\":{\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"app\\\"}\":"
             "{\".\":{},\"f:name\":{},\"f:image\":{},\"f:command\":{},\"f:env\":{"
             "\"k:{\\\"name\\\":\\\"A\\\"}\":{\".\":{},\"f:name\":{},\"f:value\":{}}}}}}}}}");
    json_object *fin = yaml("metadata: {finalizers: [a/b]}\n");
    json_object *fs = fieldset_of(fin);
    expect_paths(fs, " .metadata.finalizers[=\"a/b\"]");
    json_object_put(fs);
    json_object_put(fin);
    json_object_put(set);
    json_object_put(obj);
}

/* "f:data": {} is the field data itself, not the keys of the map. */
static void test_fieldset_members(void **state)
{
    (void)state;
    json_object *set = json_tokener_parse("{\"f:data\":{\"f:a\":{},\"f:b\":{}}}");
    json_object *field = json_tokener_parse("{\"f:data\":{}}");
    fieldset_subtract(set, field);
    expect_json(set, "{\"f:data\":{\"f:a\":{},\"f:b\":{}}}");
    json_object *b = json_tokener_parse("{\"f:data\":{\"f:b\":{}}}");
    fieldset_subtract(set, b);
    expect_json(set, "{\"f:data\":{\"f:a\":{}}}");
    fieldset_intersect(set, field);
    assert_true(fieldset_empty(set));
    /* An element's marker is its member: intersecting keeps only it. */
    json_object *el =
        json_tokener_parse("{\"k:{\\\"name\\\":\\\"a\\\"}\":{\".\":{},\"f:x\":{}}}");
    json_object *just = json_tokener_parse("{\"k:{\\\"name\\\":\\\"a\\\"}\":{}}");
    fieldset_intersect(el, just);
    expect_json(el, "{\"k:{\\\"name\\\":\\\"a\\\"}\":{\".\":{}}}");
    fieldset_union(el, b);
    expect_paths(el, " [name=\"a\"] .data.b");
    json_object_put(el);
    json_object_put(just);
    json_object_put(b);
    json_object_put(field);
    json_object_put(set);
}

static void test_fieldset_changed_and_remove(void **state)
{
    (void)state;
    json_object *a = yaml(deployment);
    json_object *b = yaml(deployment);
    json_object *set = fieldset_of(a);
    json_object_object_add(mk_json_path(b, "spec.template.spec.containers.0"), "image",
                           json_object_new_string("nginx"));
    json_object *ch = fieldset_changed(set, a, b);
    expect_paths(ch, " .spec.template.spec.containers[name=\"app\"].image");
    json_object_put(ch);
    /* Drop env A and replicas, but someone else keeps replicas. */
    json_object *drop = json_tokener_parse(
        "{\"f:spec\":{\"f:replicas\":{},\"f:template\":{\"f:spec\":{\"f:containers\":{"
        "\"k:{\\\"name\\\":\\\"app\\\"}\":{\"f:env\":{\"k:{\\\"name\\\":\\\"A\\\"}\":{\".\":{},"
        "\"f:name\":{},\"f:value\":{}}}}}}}}}");
    json_object *other = json_tokener_parse("{\"f:spec\":{\"f:replicas\":{}}}");
    fieldset_remove(a, drop, (json_object *const[]){set, other}, 2);
    assert_int_equal(
        json_object_array_length(mk_json_path(a, "spec.template.spec.containers.0.env")), 1);
    fieldset_remove(a, drop, (json_object *const[]){other}, 1);
    assert_null(mk_json_path(a, "spec.template.spec.containers.0.env.0"));
    assert_int_equal(mk_json_int(a, "spec.replicas", 0), 2);
    json_object_put(other);
    json_object_put(drop);
    json_object_put(set);
    json_object_put(a);
    json_object_put(b);
}

static const char *manager_of(json_object *obj, size_t i)
{
    return mk_json_str(
        json_object_array_get_idx(mk_json_path(obj, "metadata.managedFields"), i), "manager");
}

static void test_apply_conflicts(void **state)
{
    (void)state;
    json_object *live = yaml(deployment);
    apply_new(live, "kubectl", "apps/v1");
    /* Someone scales it: an Update owner of replicas. */
    json_object *old = mk_json_copy(live);
    json_object_object_add(mk_json_path(live, "spec"), "replicas", json_object_new_int(3));
    apply_track_update(old, live, "kubectl-scale", "apps/v1");
    assert_string_equal(manager_of(live, 1), "kubectl-scale");
    json_object_put(old);
    mk_err err = {0};
    json_object *cfg = yaml(deployment);
    assert_int_equal(apply_merge(live, cfg, "kubectl", "apps/v1", false, &err), -ESTALE);
    assert_string_equal(err.msg,
                        "Apply failed with 1 conflict: conflict with \"kubectl-scale\" "
                        "using apps/v1: .spec.replicas");
    /* The same value is no conflict: the field is shared. */
    json_object_object_add(mk_json_path(cfg, "spec"), "replicas", json_object_new_int(3));
    assert_int_equal(apply_merge(live, cfg, "ci", "apps/v1", false, &err), 0);
    /* Forced, the field changes hands and the scaler owns nothing more. */
    json_object_object_add(mk_json_path(cfg, "spec"), "replicas", json_object_new_int(5));
    assert_int_equal(apply_merge(live, cfg, "kubectl", "apps/v1", false, &err), -ESTALE);
    assert_string_equal(err.msg,
                        "Apply failed with 2 conflicts: conflicts with \"kubectl-scale\" "
                        "using apps/v1:\n- .spec.replicas\nconflicts with \"ci\" using "
                        "apps/v1:\n- .spec.replicas");
    assert_int_equal(apply_merge(live, cfg, "kubectl", "apps/v1", true, &err), 0);
    assert_int_equal(mk_json_int(live, "spec.replicas", 0), 5);
    assert_int_equal(json_object_array_length(mk_json_path(live, "metadata.managedFields")), 2);
    assert_string_equal(manager_of(live, 0), "kubectl");
    assert_string_equal(manager_of(live, 1), "ci");
    json_object_put(cfg);
    json_object_put(live);
}

/* What the manager applied before and leaves out now goes, unless another
 * manager has it; the rest merges by merge key. */
static void test_apply_removes(void **state)
{
    (void)state;
    json_object *live = yaml(deployment);
    apply_new(live, "kubectl", "apps/v1");
    mk_err err = {0};
    json_object *cfg = yaml("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
                            "spec:\n  template:\n    spec:\n      containers:\n"
                            "      - {name: app, image: nginx}\n");
    if (apply_merge(live, cfg, "kubectl", "apps/v1", false, &err) < 0)
        fail_msg("%s", err.msg);
    expect_json(mk_json_path(live, "spec.template.spec.containers"),
                "[{\"name\":\"app\",\"image\":\"nginx\"}]");
    assert_null(mk_json_path(live, "spec.replicas"));
    assert_null(mk_json_path(live, "metadata.labels.app"));
    assert_int_equal(mk_json_int(live, "status.replicas", 0), 2); /* never the applier's */
    json_object_put(cfg);
    json_object_put(live);
}

/* managedFields are the client's to send: what is not a set owns nothing,
 * what is not an entry goes, and nothing crashes. */
static void test_apply_bad_entries(void **state)
{
    (void)state;
    json_object *live = yaml(deployment);
    json_object_object_add(
        mk_json_path(live, "metadata"), "managedFields",
        json_tokener_parse("[1,{\"manager\":7,\"operation\":\"Update\",\"fieldsV1\":"
                           "{\"f:spec\":3}},{\"manager\":\"m\",\"operation\":\"Update\","
                           "\"fieldsV1\":{\"f:spec\":{\"f:replicas\":{}}}}]"));
    json_object *cfg = yaml(deployment);
    json_object_object_add(mk_json_path(cfg, "spec"), "replicas", json_object_new_int(4));
    mk_err err = {0};
    assert_int_equal(apply_merge(live, cfg, "kubectl", "apps/v1", false, &err), -ESTALE);
    assert_string_equal(err.msg, "Apply failed with 1 conflict: conflict with \"m\" using :"
                                 " .spec.replicas");
    assert_int_equal(json_object_array_length(mk_json_path(live, "metadata.managedFields")), 2);
    json_object *old = mk_json_copy(live);
    json_object_object_add(mk_json_path(live, "metadata"), "managedFields",
                           json_tokener_parse("[\"x\",{\"fieldsV1\":[]}]"));
    apply_track_update(old, live, "ctl", "apps/v1"); /* nothing owned: nothing to do */
    json_object_put(old);
    json_object_put(cfg);
    json_object_put(live);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fieldset_of),
        cmocka_unit_test(test_fieldset_members),
        cmocka_unit_test(test_fieldset_changed_and_remove),
        cmocka_unit_test(test_apply_conflicts),
        cmocka_unit_test(test_apply_removes),
        cmocka_unit_test(test_apply_bad_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
