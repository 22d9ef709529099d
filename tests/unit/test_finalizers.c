/* metadata.finalizers (store/server/finalizers.h): what holds an object,
 * what an update may change while it is being deleted, when it ends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "store/server/finalizers.h"

static json_object *obj(const char *json)
{
    json_object *o = json_tokener_parse(json);
    assert_non_null(o);
    return o;
}

static void test_count_and_add(void **state)
{
    (void)state;
    json_object *o = obj("{\"metadata\":{\"name\":\"a\"}}");
    assert_int_equal(finalizers_count(o), 0);
    finalizers_add(o, "example.com/x");
    finalizers_add(o, "example.com/x");
    finalizers_add(o, "orphan");
    assert_int_equal(finalizers_count(o), 2);
    json_object_put(o);
}

static void test_drop_gc_keeps_others(void **state)
{
    (void)state;
    json_object *o = obj("{\"metadata\":{\"finalizers\":[\"orphan\",\"example.com/x\","
                         "\"foregroundDeletion\"]}}");
    finalizers_drop_gc(o);
    assert_string_equal(
        json_object_to_json_string_ext(json_object_object_get(o, "metadata"),
                                       JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
        "{\"finalizers\":[\"example.com/x\"]}");
    json_object_put(o);
    o = obj("{\"metadata\":{\"finalizers\":[\"orphan\"]}}");
    finalizers_drop_gc(o);
    assert_int_equal(finalizers_count(o), 0);
    assert_null(json_object_object_get(json_object_object_get(o, "metadata"), "finalizers"));
    json_object_put(o);
}

static void test_no_new_finalizers_while_deleting(void **state)
{
    (void)state;
    json_object *old = obj("{\"metadata\":{\"deletionTimestamp\":\"2026-01-01T00:00:00Z\","
                           "\"finalizers\":[\"a/b\"]}}");
    json_object *fewer = obj("{\"metadata\":{\"finalizers\":[]}}");
    json_object *more = obj("{\"metadata\":{\"finalizers\":[\"a/b\",\"c/d\",\"e/f\"]}}");
    mk_err err = {0};
    assert_int_equal(finalizers_check_update(old, fewer, &err), 0);
    assert_int_equal(finalizers_check_update(old, more, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "metadata.finalizers: Forbidden"));
    assert_non_null(strstr(err.msg, "[]string{\"c/d\", \"e/f\"}"));
    /* not being deleted: anything goes */
    json_object *live = obj("{\"metadata\":{}}");
    assert_int_equal(finalizers_check_update(live, more, &err), 0);
    json_object_put(old);
    json_object_put(fewer);
    json_object_put(more);
    json_object_put(live);
}

static void test_done(void **state)
{
    (void)state;
    json_object *held =
        obj("{\"metadata\":{\"deletionTimestamp\":\"t\",\"finalizers\":[\"a/b\"]}}");
    json_object *freed = obj("{\"metadata\":{\"deletionTimestamp\":\"t\",\"finalizers\":[]}}");
    json_object *grace = obj("{\"metadata\":{\"deletionTimestamp\":\"t\","
                             "\"deletionGracePeriodSeconds\":30}}");
    json_object *ended = obj("{\"metadata\":{\"deletionTimestamp\":\"t\","
                             "\"deletionGracePeriodSeconds\":0}}");
    json_object *live = obj("{\"metadata\":{}}");
    assert_false(finalizers_done(held));
    assert_true(finalizers_done(freed));
    assert_false(finalizers_done(grace)); /* a pod still stopping */
    assert_true(finalizers_done(ended));
    assert_false(finalizers_done(live));
    json_object_put(held);
    json_object_put(freed);
    json_object_put(grace);
    json_object_put(ended);
    json_object_put(live);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_and_add),
        cmocka_unit_test(test_drop_gc_keeps_others),
        cmocka_unit_test(test_no_new_finalizers_while_deleting),
        cmocka_unit_test(test_done),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
