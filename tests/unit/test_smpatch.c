/* Strategic merge patch (store/server/smpatch.h): what kubectl apply, set
 * image and patch send, and the result Kubernetes gives for each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "store/server/smpatch.h"

static void expect(const char *target, const char *patch, const char *want)
{
    json_object *t = json_tokener_parse(target), *p = json_tokener_parse(patch);
    json_object *w = json_tokener_parse(want);
    assert_non_null(t);
    assert_non_null(p);
    assert_non_null(w);
    mk_err err = {0};
    if (smpatch_apply(t, p, &err) < 0)
        fail_msg("%s", err.msg);
    if (!json_object_equal(t, w))
        fail_msg("got  %s\nwant %s", json_object_to_json_string(t), want);
    json_object_put(t);
    json_object_put(p);
    json_object_put(w);
}

#define CTRS                                                                                   \
    "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"command\":[\"sleep\"]},{"    \
    "\"name\":\"b\",\"image\":\"y\"}]}}"

static void test_keyed_lists(void **state)
{
    (void)state;
    /* kubectl set image: one container's image, the rest kept. */
    expect(
        CTRS, "{\"spec\":{\"containers\":[{\"name\":\"b\",\"image\":\"z\"}]}}",
        "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"command\":[\"sleep\"]},"
        "{\"name\":\"b\",\"image\":\"z\"}]}}");
    /* A new one is appended; $patch: delete removes by key. */
    expect(CTRS,
           "{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"w\"},{\"name\":\"a\","
           "\"$patch\":\"delete\"}]}}",
           "{\"spec\":{\"containers\":[{\"name\":\"b\",\"image\":\"y\"},{\"name\":\"c\","
           "\"image\":\"w\"}]}}");
    /* Container ports merge on containerPort, Service ports on port. */
    expect("{\"ports\":[{\"containerPort\":80,\"name\":\"http\"}]}",
           "{\"ports\":[{\"containerPort\":80,\"protocol\":\"TCP\"},{\"containerPort\":443}]}",
           "{\"ports\":[{\"containerPort\":80,\"name\":\"http\",\"protocol\":\"TCP\"},"
           "{\"containerPort\":443}]}");
    expect("{\"ports\":[{\"port\":80,\"targetPort\":8080}]}",
           "{\"ports\":[{\"port\":80,\"name\":\"web\"}]}",
           "{\"ports\":[{\"port\":80,\"targetPort\":8080,\"name\":\"web\"}]}");
    /* A list without a merge key is replaced; finalizers merge as a set. */
    expect("{\"args\":[\"a\",\"b\"],\"finalizers\":[\"x\"]}",
           "{\"args\":[\"c\"],\"finalizers\":[\"y\",\"x\"]}",
           "{\"args\":[\"c\"],\"finalizers\":[\"x\",\"y\"]}");
}

static void test_directives(void **state)
{
    (void)state;
    /* kubectl apply's patch: order, changed element, nothing else lost. */
    expect("{\"env\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"2\"}]}",
           "{\"$setElementOrder/env\":[{\"name\":\"B\"},{\"name\":\"A\"}],"
           "\"env\":[{\"name\":\"B\",\"value\":\"3\"}]}",
           "{\"env\":[{\"name\":\"B\",\"value\":\"3\"},{\"name\":\"A\",\"value\":\"1\"}]}");
    expect("{\"finalizers\":[\"a\",\"b\",\"c\"]}",
           "{\"$deleteFromPrimitiveList/finalizers\":[\"b\"]}",
           "{\"finalizers\":[\"a\",\"c\"]}");
    /* A map replaced whole, a key deleted by null, a map deleted. */
    expect("{\"selector\":{\"a\":\"1\",\"b\":\"2\"},\"x\":1,\"m\":{\"k\":1}}",
           "{\"selector\":{\"c\":\"3\",\"$patch\":\"replace\"},\"x\":null,"
           "\"m\":{\"$patch\":\"delete\"}}",
           "{\"selector\":{\"c\":\"3\"}}");
    /* $retainKeys: only these stay (a volume's source switched). */
    expect("{\"v\":{\"name\":\"d\",\"emptyDir\":{}}}",
           "{\"v\":{\"$retainKeys\":[\"name\",\"hostPath\"],\"hostPath\":{\"path\":\"/x\"}}}",
           "{\"v\":{\"name\":\"d\",\"hostPath\":{\"path\":\"/x\"}}}");
    /* A list replaced by [{$patch: replace}, ...]. */
    expect(CTRS,
           "{\"spec\":{\"containers\":[{\"$patch\":\"replace\"},{\"name\":\"n\",\"image\":"
           "\"i\"}]}}",
           "{\"spec\":{\"containers\":[{\"name\":\"n\",\"image\":\"i\"}]}}");
    /* New elements and maps carry no directive into the object. */
    expect("{}", "{\"spec\":{\"$retainKeys\":[\"a\"],\"a\":1}}", "{\"spec\":{\"a\":1}}");
    json_object *t = json_tokener_parse("{}"), *p = json_tokener_parse("{\"$patch\":\"nope\"}");
    mk_err err = {0};
    assert_true(smpatch_apply(t, p, &err) < 0);
    json_object_put(t);
    json_object_put(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keyed_lists),
        cmocka_unit_test(test_directives),
    };
    return cmocka_run_group_tests_name("smpatch", tests, NULL, NULL);
}
