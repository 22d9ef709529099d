/* test_priority.c - Priority admission (store/server/priority.h): the
 * classes followed from committed changes, what a pod gets, the
 * one-default rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "store/codec.h"
#include "store/server/priority.h"
#include "store/util.h"

static json_object *parse(const char *text)
{
    json_object *o = json_tokener_parse(text);
    assert_non_null(o);
    return o;
}

/* A committed change of class name, as the backend's sink delivers it. */
static void feed(prioset *s, mk_event_type type, const char *name, const char *body)
{
    _cleanup_free_ char *key = xasprintf("/registry/priorityclasses/%s", name);
    json_object *obj = body ? parse(body) : NULL;
    const char *value = obj ? json_object_to_json_string(obj) : "{}";
    /* no parsed obj: the set decodes the value, as for backends without one */
    mk_event ev = {.type = type, .key = key, .value = value, .len = strlen(value)};
    prioset_apply(s, &ev);
    json_object_put(obj);
}

static json_object *pod(const char *spec)
{
    _cleanup_free_ char *text = xasprintf("{\"metadata\":{\"name\":\"p\"},\"spec\":%s}", spec);
    return parse(text);
}

static void test_admit_pod(void **state)
{
    prioset *s = prioset_new();
    feed(s, MK_EV_ADDED, "urgent", "{\"value\":1000}");
    feed(s, MK_EV_ADDED, "polite", "{\"value\":5,\"preemptionPolicy\":\"Never\"}");
    /* a change of another kind's key is no class */
    mk_event other = {
        .type = MK_EV_ADDED, .key = "/registry/pods/default/urgent", .value = "{}"};
    prioset_apply(s, &other);
    mk_err err = {0};
    json_object *p = pod("{\"priorityClassName\":\"polite\"}");
    assert_int_equal(priority_admit_pod(s, p, &err), 0);
    assert_int_equal(mk_json_int(p, "spec.priority", -1), 5);
    assert_string_equal(mk_json_str(p, "spec.preemptionPolicy"), "Never");
    json_object_put(p);
    /* none named, no default: 0 */
    p = pod("{}");
    assert_int_equal(priority_admit_pod(s, p, &err), 0);
    assert_int_equal(mk_json_int(p, "spec.priority", -1), 0);
    assert_null(mk_json_str(p, "spec.priorityClassName"));
    json_object_put(p);
    /* the global default names itself on the pod */
    feed(s, MK_EV_MODIFIED, "urgent", "{\"value\":1000,\"globalDefault\":true}");
    p = pod("{}");
    assert_int_equal(priority_admit_pod(s, p, &err), 0);
    assert_string_equal(mk_json_str(p, "spec.priorityClassName"), "urgent");
    assert_int_equal(mk_json_int(p, "spec.priority", -1), 1000);
    json_object_put(p);
    p = pod("{\"priorityClassName\":\"polite\",\"priority\":6}");
    assert_int_equal(priority_admit_pod(s, p, &err), -EACCES);
    assert_string_equal(
        err.msg, "pods \"p\" is forbidden: the integer value of priority (6) must not be "
                 "provided in pod spec; priority admission controller computed 5 from "
                 "the given PriorityClass name");
    json_object_put(p);
    feed(s, MK_EV_DELETED, "polite", NULL);
    p = pod("{\"priorityClassName\":\"polite\"}");
    assert_int_equal(priority_admit_pod(s, p, &err), -EACCES);
    assert_string_equal(err.msg,
                        "pods \"p\" is forbidden: no PriorityClass with name polite was found");
    json_object_put(p);
    prioset_free(s);
}

static void test_one_default(void **state)
{
    prioset *s = prioset_new();
    feed(s, MK_EV_ADDED, "usual", "{\"value\":5,\"globalDefault\":true}");
    mk_err err = {0};
    json_object *second = parse("{\"metadata\":{\"name\":\"second\"},\"globalDefault\":true}");
    assert_int_equal(priority_admit_class(s, NULL, second, &err), -EACCES);
    assert_string_equal(err.msg,
                        "priorityclasses.scheduling.k8s.io \"second\" is forbidden: "
                        "PriorityClass usual is already marked as default. Only one default "
                        "can exist");
    /* updating the default itself is fine */
    json_object *usual = parse("{\"metadata\":{\"name\":\"usual\"},\"globalDefault\":true}");
    assert_int_equal(priority_admit_class(s, usual, usual, &err), 0);
    /* not a default: nothing to check */
    json_object *plain = parse("{\"metadata\":{\"name\":\"plain\"},\"value\":1}");
    assert_int_equal(priority_admit_class(s, NULL, plain, &err), 0);
    feed(s, MK_EV_DELETED, "usual", NULL);
    assert_int_equal(priority_admit_class(s, NULL, second, &err), 0);
    json_object_put(plain);
    json_object_put(usual);
    json_object_put(second);
    prioset_free(s);
}

static void test_keep(void **state)
{
    json_object *old = pod("{\"priority\":7,\"preemptionPolicy\":\"Never\"}");
    json_object *neu = pod("{}");
    priority_keep(old, neu);
    assert_int_equal(mk_json_int(neu, "spec.priority", -1), 7);
    assert_string_equal(mk_json_str(neu, "spec.preemptionPolicy"), "Never");
    json_object_put(neu);
    /* what the new object says stays (validation judges it) */
    neu = pod("{\"priority\":8}");
    priority_keep(old, neu);
    assert_int_equal(mk_json_int(neu, "spec.priority", -1), 8);
    json_object_put(neu);
    json_object_put(old);
}

static void test_system_classes(void **state)
{
    json_object *all = priority_system_classes();
    assert_int_equal(json_object_array_length(all), 2);
    json_object *node = json_object_array_get_idx(all, 1);
    assert_string_equal(mk_json_str(node, "metadata.name"), "system-node-critical");
    assert_int_equal(mk_json_int(node, "value", 0), 2000001000);
    json_object_put(all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_admit_pod),
        cmocka_unit_test(test_one_default),
        cmocka_unit_test(test_keep),
        cmocka_unit_test(test_system_classes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
