/* test_events.c - the event recorder (store/events.h) against a real
 * mk-apiserver: the Event it writes, repeats counted into one Event, other
 * messages kept apart, a nameless object ignored, a full queue dropping
 * instead of blocking; and the Event kind's validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixture_apiserver.h"
#include "store/client.h"
#include "store/codec.h"
#include "store/events.h"
#include "store/kinds.h"
#include "store/util.h"
#include "store/validate.h"

static test_apiserver srv;

static int setup(void **state)
{
    (void)state;
    return test_apiserver_start(&srv);
}

static int teardown(void **state)
{
    (void)state;
    test_apiserver_stop(&srv);
    return 0;
}

/* The Events about object `name`, once there are at least `want` of them
 * or their counts sum to `count` (whichever is asked; 0: not asked). */
static json_object *events_about(mk_client *c, const char *name, size_t want, int count)
{
    _cleanup_free_ char *sel = xasprintf("involvedObject.name=%s", name);
    json_object *items = NULL;
    for (int i = 0; i < 100; i++) {
        json_object_put(items);
        items = NULL;
        mk_err err = {0};
        int64_t rev;
        assert_int_equal(
            client_list(c, kind_by_kind("Event"), "default", NULL, sel, &items, &rev, &err), 0);
        size_t n = json_object_array_length(items);
        int sum = 0;
        for (size_t j = 0; j < n; j++)
            sum += (int)mk_json_int(json_object_array_get_idx(items, j), "count", 0);
        if ((!want || n >= want) && (!count || sum >= count))
            return items;
        test_sleep_ms(50);
    }
    return items;
}

static void test_event_written(void **state)
{
    (void)state;
    mk_client *c = test_client(&srv, NULL);
    mk_recorder *r = recorder_new(c, "test-component", "node-7");
    mk_obj_ref ref = {"Pod", "v1", "default", "web", "uid-1"};
    recorder_event(r, &ref, "Normal", "Started", "Started container %s", "app");
    recorder_free(r); /* sends what is queued first */
    json_object *items = events_about(c, "web", 1, 0);
    assert_int_equal(json_object_array_length(items), 1);
    json_object *ev = json_object_array_get_idx(items, 0);
    assert_string_equal(mk_json_str(ev, "reason"), "Started");
    assert_string_equal(mk_json_str(ev, "message"), "Started container app");
    assert_string_equal(mk_json_str(ev, "type"), "Normal");
    assert_string_equal(mk_json_str(ev, "involvedObject.kind"), "Pod");
    assert_string_equal(mk_json_str(ev, "involvedObject.uid"), "uid-1");
    assert_string_equal(mk_json_str(ev, "source.component"), "test-component");
    assert_string_equal(mk_json_str(ev, "source.host"), "node-7");
    assert_int_equal(mk_json_int(ev, "count", 0), 1);
    assert_non_null(mk_json_str(ev, "firstTimestamp"));
    assert_int_equal(strncmp(mk_json_str(ev, "metadata.name"), "web.", 4), 0);
    json_object_put(items);
    client_free(c);
}

static void test_repeats_counted(void **state)
{
    (void)state;
    mk_client *c = test_client(&srv, NULL);
    mk_recorder *r = recorder_new(c, "test", NULL);
    mk_obj_ref ref = {"Pod", "v1", "default", "flaky", "uid-2"};
    for (int i = 0; i < 5; i++)
        recorder_event(r, &ref, "Warning", "Unhealthy", "Readiness probe failed: %d", 503);
    recorder_event(r, &ref, "Warning", "Unhealthy", "Liveness probe failed");
    mk_obj_ref nameless = {"Pod", "v1", "default", NULL, NULL};
    recorder_event(r, &nameless, "Normal", "X", "ignored");
    recorder_event(NULL, &ref, "Normal", "X", "no recorder: nothing");
    recorder_free(r);
    json_object *items = events_about(c, "flaky", 2, 6);
    assert_int_equal(json_object_array_length(items), 2);
    for (size_t i = 0; i < 2; i++) {
        json_object *ev = json_object_array_get_idx(items, i);
        bool readiness = strstr(mk_json_str(ev, "message"), "Readiness") != NULL;
        assert_int_equal(mk_json_int(ev, "count", 0), readiness ? 5 : 1);
    }
    json_object_put(items);
    client_free(c);
}

/* The API server away: recording neither blocks nor grows without bound. */
static void test_queue_bounded(void **state)
{
    (void)state;
    mk_client_opts o = {.server = "http://127.0.0.1:1"};
    mk_client *c = NULL;
    mk_err err = {0};
    assert_int_equal(client_new(&o, &c, &err), 0);
    mk_recorder *r = recorder_new(c, "test", NULL);
    mk_obj_ref ref = {"Pod", "v1", "default", "p", NULL};
    int64_t t0 = mk_now_ns();
    for (int i = 0; i < 3 * RECORDER_QUEUE; i++)
        recorder_event(r, &ref, "Normal", "R", "event %d", i);
    assert_true(mk_now_ns() - t0 < 2000000000LL);
    recorder_free(r);
    client_free(c);
}

static int check(const char *yaml)
{
    json_object *obj = NULL;
    mk_err err = {0};
    assert_int_equal(codec_decode(yaml, strlen(yaml), &obj, &err), 0);
    int rc = validate_object(kind_by_kind("Event"), obj, NULL, &err);
    if (rc < 0)
        fprintf(stderr, "# %s\n", err.msg);
    json_object_put(obj);
    return rc;
}

static void test_validation(void **state)
{
    (void)state;
    const char *head = "apiVersion: v1\nkind: Event\nmetadata: {name: web.17a0c3f1}\n";
    _cleanup_free_ char *ok = xasprintf("%sinvolvedObject: {kind: Pod, name: web}\n"
                                        "type: Warning\ncount: 3\n",
                                        head);
    assert_int_equal(check(ok), 0);
    assert_true(check(head) < 0); /* involvedObject */
    _cleanup_free_ char *noname = xasprintf("%sinvolvedObject: {kind: Pod}\n", head);
    assert_true(check(noname) < 0);
    _cleanup_free_ char *loud =
        xasprintf("%sinvolvedObject: {kind: Pod, name: web}\ntype: Loud\n", head);
    assert_true(check(loud) < 0);
    assert_true(check("apiVersion: v1\nkind: Event\nmetadata: {name: Web_1}\n"
                      "involvedObject: {kind: Pod, name: web}\n") < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_written),
        cmocka_unit_test(test_repeats_counted),
        cmocka_unit_test(test_queue_bounded),
        cmocka_unit_test(test_validation),
    };
    return cmocka_run_group_tests_name("events", tests, setup, teardown);
}
